//! Validated views of a caller's k-nearest-neighbour list (indices + distances).

use crate::Real;
use crate::error::Error;

/// Where the point itself is in each row of a kNN list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfNeighbor {
    /// Column 0 of row `i` is `i` at distance 0 (umap-learn's convention: `k` counts the point).
    First,
    /// Rows hold only other points (contrastive-ne's and most ANN libraries' convention).
    Excluded,
}

/// A row-major `n × k` kNN list: `indices[i*k + c]` is the `c`-th neighbour of `i`, at
/// distance `distances[i*k + c]`; rows sorted by distance. `u32::MAX` marks a missing
/// neighbour (umap-learn's `-1`); missing entries are skipped.
///
/// ```
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// let idx = [0, 1, 1, 0, 2, 1];
/// let dist = [0.0, 1.0, 0.0, 1.0, 0.0, 2.0];
/// let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::First)?;
/// assert_eq!(knn.row(2), (&[2, 1][..], &[0.0, 2.0][..]));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct KnnList<'a, T> {
    n: usize,
    k: usize,
    indices: &'a [u32],
    distances: &'a [T],
    self_neighbor: SelfNeighbor,
}

/// The marker of a missing neighbour.
pub const MISSING: u32 = u32::MAX;

impl<'a, T: Real> KnnList<'a, T> {
    /// Validates the list. Errors name the offending position `i*k + c`: lengths
    /// ([`Error::BufferLength`]), `k = 0` or `k > n` ([`Error::Param`]), an index `≥ n`
    /// ([`Error::PointIndex`]), a non-finite or negative distance, a row not sorted by distance,
    /// or (with [`SelfNeighbor::First`]) a column 0 that is not the point at distance 0
    /// ([`Error::Knn`]).
    pub fn new(
        n: usize,
        k: usize,
        indices: &'a [u32],
        distances: &'a [T],
        self_neighbor: SelfNeighbor,
    ) -> Result<Self, Error> {
        if k == 0 || k > n {
            return Err(Error::Param {
                name: "k",
                value: k as f64,
                expected: "between 1 and n",
            });
        }
        let len = n.checked_mul(k).ok_or(Error::Param {
            name: "k",
            value: k as f64,
            expected: "n·k representable as usize",
        })?;
        crate::error::check_len("indices", len, indices.len())?;
        crate::error::check_len("distances", len, distances.len())?;
        for i in 0..n {
            for c in 0..k {
                let p = i * k + c;
                let (j, d) = (indices[p], distances[p]);
                if j != MISSING && j as usize >= n {
                    return Err(Error::PointIndex {
                        name: "indices",
                        position: p,
                        index: j as usize,
                        n,
                    });
                }
                if !d.is_finite() || d < T::zero() {
                    return Err(Error::Knn(KnnIssue::BadDistance { position: p }));
                }
                if c > 0 && distances[p - 1] > d && indices[p - 1] != MISSING && j != MISSING {
                    return Err(Error::Knn(KnnIssue::Unsorted { position: p }));
                }
            }
            if self_neighbor == SelfNeighbor::First
                && (indices[i * k] as usize != i || distances[i * k] != T::zero())
            {
                return Err(Error::Knn(KnnIssue::SelfNotFirst { row: i }));
            }
        }
        Ok(KnnList {
            n,
            k,
            indices,
            distances,
            self_neighbor,
        })
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }
    /// Neighbours per row (including the point itself under [`SelfNeighbor::First`]).
    pub fn k(&self) -> usize {
        self.k
    }
    /// The convention of this list.
    pub fn self_neighbor(&self) -> SelfNeighbor {
        self.self_neighbor
    }
    /// Row `i`: its indices and distances. Panics if `i ≥ n`.
    pub fn row(&self, i: usize) -> (&'a [u32], &'a [T]) {
        let r = i * self.k..(i + 1) * self.k;
        (&self.indices[r.clone()], &self.distances[r])
    }
    /// All distances, row-major.
    pub fn distances(&self) -> &'a [T] {
        self.distances
    }
}

/// What is wrong with a kNN list (see [`KnnList::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnnIssue {
    /// A distance is NaN, infinite or negative.
    BadDistance {
        /// Position `i*k + c`.
        position: usize,
    },
    /// A row's distances decrease at this position.
    Unsorted {
        /// Position `i*k + c`.
        position: usize,
    },
    /// Under [`SelfNeighbor::First`], column 0 of this row is not the point at distance 0.
    SelfNotFirst {
        /// The row.
        row: usize,
    },
}

impl core::fmt::Display for KnnIssue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            KnnIssue::BadDistance { position } => {
                write!(f, "distance {position} is not a finite number >= 0")
            }
            KnnIssue::Unsorted { position } => {
                write!(
                    f,
                    "distances decrease at position {position} (rows must be sorted)"
                )
            }
            KnnIssue::SelfNotFirst { row } => write!(
                f,
                "row {row} does not start with the point itself at distance 0"
            ),
        }
    }
}

impl core::error::Error for KnnIssue {}
