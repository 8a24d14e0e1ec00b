//! Validated views of a caller's k-nearest-neighbour list (indices + distances), either
//! row-major with a fixed `k` ([`KnnList::new`]) or in CSR form with a number of neighbours that
//! varies from row to row ([`KnnList::from_csr`]).

use crate::Real;
use crate::error::{Error, GraphError};

/// Where the point itself is in each row of a kNN list.
///
/// ```
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // two points at distance 3, each other's only neighbour, under both conventions
/// let first = KnnList::new(2, 2, &[0, 1, 1, 0], &[0.0, 3.0, 0.0, 3.0], SelfNeighbor::First)?;
/// let excluded = KnnList::new(2, 1, &[1, 0], &[3.0, 3.0], SelfNeighbor::Excluded)?;
/// assert_eq!((first.k(), excluded.k()), (2, 1)); // `First` counts the point itself
/// assert_eq!(first.row(1).0[1..], excluded.row(1).0[..]);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfNeighbor {
    /// Column 0 of row `i` is `i` at distance 0 (umap-learn's convention: `k` counts the point).
    First,
    /// Rows hold only other points (contrastive-ne's and most ANN libraries' convention).
    Excluded,
}

/// A validated kNN list: row `i` holds the neighbours of point `i` (indices and distances),
/// sorted by distance. `u32::MAX` ([`MISSING`]) marks a missing neighbour (umap-learn's `-1`);
/// missing entries are skipped by every builder.
///
/// Two layouts, one type (every builder accepts both):
///
/// * row-major `n × k` ([`KnnList::new`]): `indices[i*k + c]` is the `c`-th neighbour of `i`,
///   at distance `distances[i*k + c]`;
/// * CSR ([`KnnList::from_csr`]): row `i` is `indptr[i]..indptr[i+1]` of `indices` and
///   `distances`, so rows may have different lengths (ANN indexes that return a variable
///   number of neighbours). A CSR list whose rows all have length `k` gives exactly (bit for
///   bit) the same results as the row-major list with the same entries.
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
    /// Row length (row-major) or the largest row length (CSR).
    k: usize,
    /// `Some` for a CSR list.
    indptr: Option<&'a [u32]>,
    indices: &'a [u32],
    distances: &'a [T],
    self_neighbor: SelfNeighbor,
}

/// The marker of a missing neighbour.
///
/// ```
/// use neighbor_embed::knn::{KnnList, SelfNeighbor, MISSING};
/// // point 2 found only one of its two neighbours (the distance of a missing one is not
/// // compared, but must still be finite and ≥ 0)
/// let idx = [1, 2, 0, 2, 0, MISSING];
/// let dist = [1.0, 2.0, 1.0, 1.5, 2.0, 0.0];
/// let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::Excluded)?;
/// assert_eq!(knn.row(2).0, [0, MISSING]);
/// assert_eq!(knn.row_len(2), 2); // the missing entry still takes its column
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub const MISSING: u32 = u32::MAX;

/// Checks the entries `start..end` of row `i` (flat positions `p`): index range, distances
/// finite, non-negative and sorted, and the point first under [`SelfNeighbor::First`].
fn check_row<T: Real>(
    n: usize,
    i: usize,
    start: usize,
    end: usize,
    indices: &[u32],
    distances: &[T],
    self_neighbor: SelfNeighbor,
) -> Result<(), Error> {
    for p in start..end {
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
        if p > start && distances[p - 1] > d && indices[p - 1] != MISSING && j != MISSING {
            return Err(Error::Knn(KnnIssue::Unsorted { position: p }));
        }
    }
    if self_neighbor == SelfNeighbor::First
        && (start == end || indices[start] as usize != i || distances[start] != T::zero())
    {
        return Err(Error::Knn(KnnIssue::SelfNotFirst { row: i }));
    }
    Ok(())
}

impl<'a, T: Real> KnnList<'a, T> {
    /// Validates a row-major `n × k` list. Errors name the offending position `i*k + c`:
    /// lengths ([`Error::BufferLength`]), `k = 0` or `k > n` ([`Error::Param`]), an index `≥ n`
    /// ([`Error::PointIndex`]), a non-finite or negative distance, a row not sorted by distance,
    /// or (with [`SelfNeighbor::First`]) a column 0 that is not the point at distance 0
    /// ([`Error::Knn`]).
    ///
    /// ```
    /// use neighbor_embed::{Error, knn::{KnnIssue, KnnList, SelfNeighbor}};
    /// let idx = [1, 2, 0, 2, 0, 1];
    /// // row 1's distances decrease at position 1·2 + 1 = 3
    /// let dist = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
    /// let err = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::Excluded).unwrap_err();
    /// assert_eq!(err, Error::Knn(KnnIssue::Unsorted { position: 3 }));
    /// let err = KnnList::new(3, 2, &idx, &dist[..5], SelfNeighbor::Excluded).unwrap_err();
    /// assert!(matches!(err, Error::BufferLength { name: "distances", expected: 6, found: 5 }));
    /// ```
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
            check_row(n, i, i * k, (i + 1) * k, indices, distances, self_neighbor)?;
        }
        Ok(KnnList {
            n,
            k,
            indptr: None,
            indices,
            distances,
            self_neighbor,
        })
    }

    /// Validates a kNN list in CSR form: row `i` is `indptr[i]..indptr[i+1]` of `indices` and
    /// `distances`, so every point may have its own number of neighbours.
    ///
    /// Rows follow the same rules as in [`KnnList::new`] and errors name the same flat
    /// positions `p` (here positions in `indices`/`distances`). Checked in this order:
    ///
    /// * `n = 0` ([`Error::Param`] `"n"`); `n` or `indices.len()` above `u32::MAX`
    ///   ([`GraphError::TooLarge`] in [`Error::Graph`]);
    /// * `indptr.len() ≠ n + 1` ([`Error::BufferLength`] `"indptr"`); `indptr[0] ≠ 0`,
    ///   a decreasing `indptr`, `indptr[n] ≠ indices.len()` ([`GraphError::IndptrStart`],
    ///   [`GraphError::IndptrDecreasing`], [`GraphError::IndptrEnd`] in [`Error::Graph`]);
    ///   `distances.len() ≠ indices.len()` ([`Error::BufferLength`] `"distances"`);
    /// * then row by row: a row longer than `n` ([`KnnIssue::RowTooLong`], the analogue of
    ///   `k > n`), an index `≥ n` ([`Error::PointIndex`]), a non-finite or negative distance
    ///   ([`KnnIssue::BadDistance`]), a row not sorted by distance ([`KnnIssue::Unsorted`]),
    ///   and under [`SelfNeighbor::First`] a row that does not start with the point at distance
    ///   0 ([`KnnIssue::SelfNotFirst`]).
    ///
    /// Empty rows: under [`SelfNeighbor::Excluded`] a row may be empty (a point without
    /// neighbours: it gets no edges of its own, only those of points that list it); under
    /// [`SelfNeighbor::First`] every row must hold at least the point itself, so a point
    /// without neighbours is the row `[i]` at distance `[0]`.
    ///
    /// ```
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // point 0 has two neighbours, point 1 one, point 2 none
    /// let indptr = [0, 2, 3, 3];
    /// let idx = [1, 2, 0];
    /// let dist = [1.0, 2.0, 1.0];
    /// let knn = KnnList::from_csr(3, &indptr, &idx, &dist, SelfNeighbor::Excluded)?;
    /// assert_eq!(knn.row(0), (&[1, 2][..], &[1.0, 2.0][..]));
    /// assert_eq!((knn.row_len(1), knn.row_len(2), knn.k(), knn.nnz()), (1, 0, 2, 3));
    /// // under `First`, every row starts with the point itself
    /// let err = KnnList::from_csr(3, &indptr, &idx, &dist, SelfNeighbor::First).unwrap_err();
    /// assert!(matches!(err, neighbor_embed::Error::Knn(_)));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn from_csr(
        n: usize,
        indptr: &'a [u32],
        indices: &'a [u32],
        distances: &'a [T],
        self_neighbor: SelfNeighbor,
    ) -> Result<Self, Error> {
        if n == 0 {
            return Err(Error::Param {
                name: "n",
                value: 0.0,
                expected: "at least 1",
            });
        }
        let nnz = indices.len();
        if n > u32::MAX as usize || nnz > u32::MAX as usize {
            return Err(Error::Graph(GraphError::TooLarge { n, nnz }));
        }
        // n ≤ u32::MAX, so n + 1 cannot overflow a 64-bit usize; checked for 32-bit targets
        let rows = n
            .checked_add(1)
            .ok_or(Error::Graph(GraphError::TooLarge { n, nnz }))?;
        crate::error::check_len("indptr", rows, indptr.len())?;
        if indptr[0] != 0 {
            return Err(Error::Graph(GraphError::IndptrStart { found: indptr[0] }));
        }
        for row in 0..n {
            if indptr[row + 1] < indptr[row] {
                return Err(Error::Graph(GraphError::IndptrDecreasing { row }));
            }
        }
        if indptr[n] as usize != nnz {
            return Err(Error::Graph(GraphError::IndptrEnd {
                expected: nnz,
                found: indptr[n],
            }));
        }
        crate::error::check_len("distances", nnz, distances.len())?;
        let mut k = 0;
        for i in 0..n {
            // indptr is non-decreasing and ends at nnz, so start ≤ end ≤ nnz
            let (start, end) = (indptr[i] as usize, indptr[i + 1] as usize);
            let len = end - start;
            if len > n {
                return Err(Error::Knn(KnnIssue::RowTooLong { row: i, len }));
            }
            k = k.max(len);
            check_row(n, i, start, end, indices, distances, self_neighbor)?;
        }
        Ok(KnnList {
            n,
            k,
            indptr: Some(indptr),
            indices,
            distances,
            self_neighbor,
        })
    }

    /// Number of points.
    ///
    /// ```
    /// # use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // two pairs of mutual nearest neighbours: 0 - 1 and 2 - 3
    /// let knn = KnnList::new(4, 1, &[1, 0, 3, 2], &[0.5, 0.5, 2.0, 2.0], SelfNeighbor::Excluded)?;
    /// assert_eq!(knn.n(), 4);
    /// assert_eq!(knn.n() * knn.k(), knn.nnz());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }
    /// Neighbours per row (including the point itself under [`SelfNeighbor::First`]); for a
    /// CSR list ([`KnnList::from_csr`]) the **largest** row length (0 if every row is empty).
    /// Use [`KnnList::row_len`] for the length of one row.
    ///
    /// ```
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// let knn = KnnList::from_csr(3, &[0, 1, 3, 3], &[1, 0, 2], &[1.0, 1.0, 2.0], SelfNeighbor::Excluded)?;
    /// assert_eq!(knn.k(), 2);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }
    /// The number of entries of row `i` (missing entries and, under [`SelfNeighbor::First`],
    /// the point itself included): `k` for a row-major list, `indptr[i+1] - indptr[i]` for a
    /// CSR list. Panics if `i ≥ n`.
    ///
    /// ```
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// let knn = KnnList::from_csr(2, &[0, 2, 3], &[0, 1, 1], &[0.0, 1.0, 0.0], SelfNeighbor::First)?;
    /// assert_eq!((knn.row_len(0), knn.row_len(1)), (2, 1));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn row_len(&self, i: usize) -> usize {
        match self.indptr {
            Some(p) => (p[i + 1] - p[i]) as usize,
            None => {
                assert!(i < self.n, "row {i} out of range for n = {}", self.n);
                self.k
            }
        }
    }
    /// The total number of entries (the length of [`KnnList::distances`]): `n·k` for a
    /// row-major list.
    ///
    /// ```
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// let knn = KnnList::new(2, 1, &[1, 0], &[1.0, 1.0], SelfNeighbor::Excluded)?;
    /// assert_eq!(knn.nnz(), 2);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
    /// The row pointers of a CSR list ([`KnnList::from_csr`]); `None` for a row-major list
    /// ([`KnnList::new`]), whose rows all have length [`KnnList::k`].
    ///
    /// ```
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// let (idx, dist) = ([1, 0], [1.0, 1.0]);
    /// let csr = KnnList::from_csr(2, &[0, 1, 2], &idx, &dist, SelfNeighbor::Excluded)?;
    /// let dense = KnnList::new(2, 1, &idx, &dist, SelfNeighbor::Excluded)?;
    /// assert_eq!((csr.indptr(), dense.indptr()), (Some(&[0, 1, 2][..]), None));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn indptr(&self) -> Option<&'a [u32]> {
        self.indptr
    }
    /// The convention of this list.
    ///
    /// ```
    /// # use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // umap-learn's layout: every row starts with the point itself at distance 0
    /// let (idx, dist) = ([0, 1, 1, 0, 2, 1], [0.0, 1.0f32, 0.0, 1.0, 0.0, 2.5]);
    /// let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::First)?;
    /// assert_eq!(knn.self_neighbor(), SelfNeighbor::First);
    /// assert!((0..knn.n()).all(|i| knn.row(i).0[0] as usize == i));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn self_neighbor(&self) -> SelfNeighbor {
        self.self_neighbor
    }
    /// Row `i`: its indices and distances. Panics if `i ≥ n`.
    ///
    /// ```
    /// # use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// let (idx, dist) = ([1, 2, 2, 0, 1, 0], [0.5, 1.5, 0.25, 0.5, 0.25, 1.5]);
    /// let dense = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::Excluded)?;
    /// assert_eq!(dense.row(1), (&[2, 0][..], &[0.25, 0.5][..]));
    /// // the same entries in CSR form give the same rows
    /// let csr = KnnList::from_csr(3, &[0, 2, 4, 6], &idx, &dist, SelfNeighbor::Excluded)?;
    /// assert!((0..3).all(|i| csr.row(i) == dense.row(i)));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn row(&self, i: usize) -> (&'a [u32], &'a [T]) {
        let r = match self.indptr {
            Some(p) => p[i] as usize..p[i + 1] as usize,
            None => i * self.k..(i + 1) * self.k,
        };
        (&self.indices[r.clone()], &self.distances[r])
    }
    /// Position in `indices`/`distances` of row `i`'s first entry.
    #[cfg(feature = "alloc")]
    pub(crate) fn row_start(&self, i: usize) -> usize {
        match self.indptr {
            Some(p) => p[i] as usize,
            None => i * self.k,
        }
    }
    /// All distances in storage order (row by row).
    ///
    /// ```
    /// # use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // rows of lengths 1, 0 and 2
    /// let (indptr, idx, dist) = ([0, 1, 1, 3], [2, 0, 1], [4.0, 4.0, 5.0]);
    /// let knn = KnnList::from_csr(3, &indptr, &idx, &dist, SelfNeighbor::Excluded)?;
    /// assert_eq!(knn.distances(), [4.0, 4.0, 5.0]);
    /// assert_eq!(knn.distances().len(), knn.nnz());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn distances(&self) -> &'a [T] {
        self.distances
    }
}

/// What is wrong with a kNN list (see [`KnnList::new`] and [`KnnList::from_csr`]).
///
/// ```
/// use neighbor_embed::{Error, knn::{KnnIssue, KnnList, SelfNeighbor}};
/// // under `First`, row 1 must start with point 1 at distance 0
/// let err = KnnList::new(2, 1, &[0, 0], &[0.0, 0.0], SelfNeighbor::First).unwrap_err();
/// assert_eq!(err, Error::Knn(KnnIssue::SelfNotFirst { row: 1 }));
/// // a negative distance, named by its position
/// let err = KnnList::new(2, 1, &[1, 0], &[1.0, -1.0], SelfNeighbor::Excluded).unwrap_err();
/// assert_eq!(err, Error::Knn(KnnIssue::BadDistance { position: 1 }));
/// // a CSR row with more entries than there are points
/// let err = KnnList::from_csr(2, &[0, 3, 3], &[1, 0, 1], &[1.0; 3], SelfNeighbor::Excluded);
/// assert_eq!(err.unwrap_err(), Error::Knn(KnnIssue::RowTooLong { row: 0, len: 3 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnnIssue {
    /// A distance is NaN, infinite or negative.
    BadDistance {
        /// Position `i*k + c` (for a CSR list, the position in `distances`).
        position: usize,
    },
    /// A row's distances decrease at this position.
    Unsorted {
        /// Position `i*k + c` (for a CSR list, the position in `distances`).
        position: usize,
    },
    /// Under [`SelfNeighbor::First`], column 0 of this row is not the point at distance 0 (or,
    /// in a CSR list, the row is empty).
    SelfNotFirst {
        /// The row.
        row: usize,
    },
    /// A row lists the same neighbour twice (found by `affinity::umap_graph`, whose
    /// memberships would otherwise add up beyond 1).
    DuplicateNeighbor {
        /// Position `i*k + c` (for a CSR list, the position in `indices`) of the second
        /// occurrence.
        position: usize,
    },
    /// A row of a CSR list has more than `n` entries (the analogue of `k > n`).
    RowTooLong {
        /// The row.
        row: usize,
        /// Its length.
        len: usize,
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
            KnnIssue::DuplicateNeighbor { position } => write!(
                f,
                "entry {position} repeats a neighbour already listed in its row"
            ),
            KnnIssue::RowTooLong { row, len } => {
                write!(
                    f,
                    "row {row} has {len} entries, more than the number of points"
                )
            }
        }
    }
}

impl core::error::Error for KnnIssue {}
