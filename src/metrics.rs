//! Quality metrics of an embedding, exactly as the numbers in the fixtures' `REFERENCE.md` were
//! computed (see the "Quality metrics" section of the fixtures' `README.md`):
//!
//! - [`knn_preservation`]: the mean fraction of each point's high-dimensional `k` nearest
//!   neighbours that are among its `k` nearest other points in the embedding;
//! - [`knn_accuracy`]: leave-one-out `k`-NN majority-vote classification accuracy in the
//!   embedding (ties in the vote go to the smallest label id);
//! - [`spearman`]: Spearman rank correlation between high-dimensional and embedding distances
//!   over random pairs;
//! - [`quality`]: all three with the reference settings, returned as a [`Quality`].
//!
//! Neighbours in the embedding are exact (euclidean, computed in `f64`) and deterministic: ties
//! are broken by `(distance, index)`. See [`embedding_knn`] for the algorithm and its cost: a
//! uniform grid for 2-D layouts (70 000 points take well under a second), brute force otherwise.
//!
//! Available with the `alloc` feature.
//!
//! ```
//! use neighbor_embed::layout::Layout;
//! use neighbor_embed::metrics::{knn_accuracy, knn_preservation};
//! // Two well-separated pairs of points on a line.
//! let coords = [0.0, 0.0, 1.0, 0.0, 10.0, 0.0, 11.0, 0.0];
//! let y = Layout::new(&coords, 2)?;
//! // High-dimensional 1-NN: 0↔1 and 2↔3, as in the embedding.
//! assert_eq!(knn_preservation(&y, &[1, 0, 3, 2], 1)?, 1.0);
//! assert_eq!(knn_accuracy(&y, &[0, 0, 1, 1], 1)?, 1.0);
//! # Ok::<(), neighbor_embed::Error>(())
//! ```

use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

use rand_core::SeedableRng;
use rand_pcg::Pcg32;

use crate::Real;
use crate::error::{Error, check_len};
use crate::layout::Layout;
use crate::rng::bounded;

/// The three reference quality metrics of an embedding (see [`quality`]).
///
/// ```
/// use neighbor_embed::metrics::Quality;
/// assert_eq!(
///     (Quality::PRESERVATION_K, Quality::ACCURACY_K, Quality::SPEARMAN_PAIRS, Quality::SPEARMAN_SEED),
///     (15, 10, 5000, 0)
/// );
/// let q = Quality { knn_preservation: 0.5, knn_accuracy: 0.9, spearman: 0.3 };
/// assert!(q.knn_accuracy > q.knn_preservation);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quality {
    /// [`knn_preservation`] with `k =` [`Quality::PRESERVATION_K`].
    pub knn_preservation: f64,
    /// [`knn_accuracy`] with `k =` [`Quality::ACCURACY_K`].
    pub knn_accuracy: f64,
    /// [`spearman`] with [`Quality::SPEARMAN_PAIRS`] pairs and seed [`Quality::SPEARMAN_SEED`].
    pub spearman: f64,
}

impl Quality {
    /// Neighbours compared by the reference kNN preservation: 15.
    ///
    /// ```
    /// assert_eq!(neighbor_embed::metrics::Quality::PRESERVATION_K, 15);
    /// ```
    pub const PRESERVATION_K: usize = 15;
    /// Neighbours voting in the reference kNN accuracy: 10.
    ///
    /// ```
    /// assert_eq!(neighbor_embed::metrics::Quality::ACCURACY_K, 10);
    /// ```
    pub const ACCURACY_K: usize = 10;
    /// Random pairs of the reference Spearman correlation: 5000.
    ///
    /// ```
    /// assert_eq!(neighbor_embed::metrics::Quality::SPEARMAN_PAIRS, 5000);
    /// ```
    pub const SPEARMAN_PAIRS: usize = 5000;
    /// Seed of the reference Spearman correlation's pair sampler: 0.
    ///
    /// ```
    /// assert_eq!(neighbor_embed::metrics::Quality::SPEARMAN_SEED, 0);
    /// ```
    pub const SPEARMAN_SEED: u64 = 0;
}

/// Largest `pairs` [`spearman`] accepts: ten million. Pairs are drawn with replacement, so any
/// count up to this is meaningful whatever `n` (the reference uses 5000 on every data set); the
/// sampling noise of the correlation is already about `3e-4` here, and each pair costs about 40
/// bytes of scratch (400 MB at this bound, within a 32-bit address space).
///
/// ```
/// use neighbor_embed::{layout::Layout, metrics::{spearman, SPEARMAN_MAX_PAIRS}};
/// let y = Layout::new(&[0.0, 1.0, 3.0], 1)?;
/// let x = [0.0f32, 1.0, 2.0];
/// assert!(spearman(&x, 1, &y, usize::MAX, 0).is_err());
/// assert!(spearman(&x, 1, &y, SPEARMAN_MAX_PAIRS + 1, 0).is_err());
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub const SPEARMAN_MAX_PAIRS: usize = 10_000_000;

/// All three metrics with the reference settings: [`knn_preservation`] with `k = 15`
/// (`hd_neighbors` is `n × 15`), [`knn_accuracy`] with `k = 10`, and [`spearman`] over 5000
/// pairs with seed 0. The embedding's neighbours are searched once (15-NN; the 10-NN are its
/// first 10 columns).
///
/// `high_dim` is the row-major `n × d` input data, `labels` has `n` class ids. Errors as the
/// three functions; in particular the layout needs more than 15 points.
///
/// ```
/// use neighbor_embed::layout::Layout;
/// use neighbor_embed::metrics::quality;
/// // 20 points on a line, in 1-D "high-dimensional" space and in a 2-D embedding.
/// let x: Vec<f32> = (0..20).map(|i| i as f32).collect();
/// let y: Vec<f64> = (0..20).flat_map(|i| [i as f64, 0.0]).collect();
/// let y = Layout::new(&y, 2)?;
/// let labels: Vec<u8> = (0..20).map(|i| (i >= 10) as u8).collect();
/// // Exact 15-NN of each point on the line, ties (equal distance) by index.
/// let mut hd = Vec::new();
/// for i in 0..20_i32 {
///     let mut others: Vec<i32> = (0..20).filter(|&j| j != i).collect();
///     others.sort_by_key(|&j| ((j - i).abs(), j));
///     hd.extend(others[..15].iter().map(|&j| j as u32));
/// }
/// let q = quality(&x, 1, &y, &hd, &labels)?;
/// assert_eq!(q.knn_preservation, 1.0);
/// assert!((q.spearman - 1.0).abs() < 1e-12);
/// // Near the class boundary, the 10-NN vote is mixed; ties go to label 0.
/// assert!(q.knn_accuracy > 0.5 && q.knn_accuracy < 1.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn quality<T: Real>(
    high_dim: &[f32],
    d: usize,
    embedding: &Layout<'_, T>,
    hd_neighbors: &[u32],
    labels: &[u8],
) -> Result<Quality, Error> {
    let n = embedding.n();
    let kp = Quality::PRESERVATION_K;
    let ka = Quality::ACCURACY_K;
    check_k(kp, n)?;
    check_len("hd_neighbors", knn_len(n, kp)?, hd_neighbors.len())?;
    check_neighbor_indices(hd_neighbors, n)?;
    check_len("labels", n, labels.len())?;
    check_high_dim(high_dim, d, n)?;
    let knn = embedding_knn(embedding, kp)?;
    Ok(Quality {
        knn_preservation: preservation_from(&knn, kp, hd_neighbors, kp, n),
        knn_accuracy: accuracy_from(&knn, kp, labels, ka),
        spearman: spearman(
            high_dim,
            d,
            embedding,
            Quality::SPEARMAN_PAIRS,
            Quality::SPEARMAN_SEED,
        )?,
    })
}

/// kNN preservation: for each point `i`, the fraction of its `k` high-dimensional neighbours
/// (row `i` of `hd_neighbors`, row-major `n × k`, the point itself excluded) that are among its
/// `k` nearest other points in the embedding ([`embedding_knn`]: exact euclidean, ties by
/// `(distance, index)`); averaged over the points. In `[0, 1]`.
///
/// A row should list `k` distinct other points; an entry repeating an earlier one of its row,
/// or equal to the point itself, never counts as preserved.
///
/// Errors: [`Error::Param`] unless `1 ≤ k < n` and the `n·k` neighbours (4 bytes each) fit in
/// `isize::MAX` bytes (on 32-bit targets, `n = 65 537` and `k = 65 536` overflow);
/// [`Error::BufferLength`] unless `hd_neighbors.len() = n·k`; [`Error::PointIndex`]
/// (`"hd_neighbors"`, its position) for an index `≥ n`.
///
/// ```
/// use neighbor_embed::layout::Layout;
/// use neighbor_embed::metrics::knn_preservation;
/// let coords = [0.0_f32, 1.0, 3.0, 6.0]; // four points on a line, 1-D
/// let y = Layout::new(&coords, 1)?;
/// // Embedding 1-NN: 0→1, 1→0, 2→1, 3→2. High-dimensional 1-NN agree except for point 3.
/// assert_eq!(knn_preservation(&y, &[1, 0, 1, 0], 1)?, 0.75);
/// assert!(knn_preservation(&y, &[1, 0, 1, 4], 1).is_err()); // index 4 out of range
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn knn_preservation<T: Real>(
    embedding: &Layout<'_, T>,
    hd_neighbors: &[u32],
    k: usize,
) -> Result<f64, Error> {
    let n = embedding.n();
    check_k(k, n)?;
    check_len("hd_neighbors", knn_len(n, k)?, hd_neighbors.len())?;
    check_neighbor_indices(hd_neighbors, n)?;
    let knn = embedding_knn(embedding, k)?;
    Ok(preservation_from(&knn, k, hd_neighbors, k, n))
}

/// Leave-one-out `k`-NN classification accuracy in the embedding: each point is given the
/// majority label of its `k` nearest other points ([`embedding_knn`]: exact euclidean, ties by
/// `(distance, index)`), ties in the vote going to the smallest label id; the result is the
/// fraction of points whose predicted label equals their own. The reference uses `k = 10`.
///
/// Errors: [`Error::Param`] unless `1 ≤ k < n` and the `n·k` neighbours fit (as
/// [`embedding_knn`]); [`Error::BufferLength`] unless `labels.len() = n`.
///
/// ```
/// use neighbor_embed::layout::Layout;
/// use neighbor_embed::metrics::knn_accuracy;
/// let coords = [0.0, 0.0, 0.0, 1.0, 5.0, 5.0, 5.0, 6.0, 4.0, 4.0];
/// let y = Layout::new(&coords, 2)?;
/// // Point 4 sits next to class 1's pair but is labelled 0: it is the one error.
/// assert_eq!(knn_accuracy(&y, &[0, 0, 1, 1, 0], 1)?, 0.8);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn knn_accuracy<T: Real>(
    embedding: &Layout<'_, T>,
    labels: &[u8],
    k: usize,
) -> Result<f64, Error> {
    let n = embedding.n();
    check_k(k, n)?;
    check_len("labels", n, labels.len())?;
    let knn = embedding_knn(embedding, k)?;
    Ok(accuracy_from(&knn, k, labels, k))
}

/// Spearman rank correlation between high-dimensional and embedding distances over `pairs`
/// random pairs `(i, j)`, `i ≠ j`.
///
/// `high_dim` is the row-major `n × d` input data; its distances are computed in `f64` from the
/// `f32` values, the embedding's in `f64` from its coordinates. Pairs are drawn from
/// [`rand_pcg::Pcg32`] seeded by `seed_from_u64(seed)`: for each pair, `i` uniform in `0..n`,
/// then `j` uniform in `0..n-1`, plus one if `j ≥ i` (unbiased bounded draws by Lemire's method,
/// one `next_u32` each except on rare rejections). Tied distances get their average rank; the
/// result is the Pearson correlation of the ranks. (The fixtures' reference numbers used numpy's
/// generator, so this differs from them by sampling noise, about ±0.01 for 5000 pairs.)
///
/// Errors: [`Error::Layout`] if `d = 0` or `high_dim` is not a whole number of rows or holds a
/// non-finite value (naming its row and column); [`Error::BufferLength`] unless
/// `high_dim.len() = n·d`; [`Error::Param`] if `n < 2` or `pairs` is not in
/// `2..=`[`SPEARMAN_MAX_PAIRS`] (checked before allocating); [`Error::Degenerate`] if all
/// sampled distances are equal in either space (the correlation is undefined).
///
/// ```
/// use neighbor_embed::layout::Layout;
/// use neighbor_embed::metrics::spearman;
/// // A 2-D embedding that is a scaled copy of 1-D data: the distance ranks agree exactly.
/// let x: Vec<f32> = (0..50).map(|i| i as f32).collect();
/// let y: Vec<f64> = (0..50).flat_map(|i| [0.0, 2.0 * i as f64]).collect();
/// let rho = spearman(&x, 1, &Layout::new(&y, 2)?, 500, 0)?;
/// assert!(rho > 0.999_999 && rho <= 1.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn spearman<T: Real>(
    high_dim: &[f32],
    d: usize,
    embedding: &Layout<'_, T>,
    pairs: usize,
    seed: u64,
) -> Result<f64, Error> {
    let n = embedding.n();
    check_high_dim(high_dim, d, n)?;
    if n < 2 {
        return Err(Error::Param {
            name: "n",
            value: n as f64,
            expected: "at least 2 points",
        });
    }
    if !(2..=SPEARMAN_MAX_PAIRS).contains(&pairs) {
        return Err(Error::Param {
            name: "pairs",
            value: pairs as f64,
            expected: "between 2 and SPEARMAN_MAX_PAIRS = 1e7",
        });
    }
    let n32 = to_u32(n)?;
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut dh = Vec::with_capacity(pairs);
    let mut de = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        let i = bounded(&mut rng, n32) as usize;
        let mut j = bounded(&mut rng, n32 - 1) as usize;
        if j >= i {
            j += 1;
        }
        let (xi, xj) = (&high_dim[i * d..(i + 1) * d], &high_dim[j * d..(j + 1) * d]);
        let mut s = 0.0_f64;
        for (&a, &b) in xi.iter().zip(xj) {
            let t = a as f64 - b as f64;
            s += t * t;
        }
        dh.push(Real::sqrt(s));
        de.push(Real::sqrt(sq_dist64(
            embedding.point(i),
            embedding.point(j),
        )));
    }
    let rh = average_ranks(&dh);
    let re = average_ranks(&de);
    pearson(&rh, &re).ok_or(Error::Degenerate {
        reason: "all sampled distances are equal in one of the spaces",
    })
}

/// The exact `k` nearest other points of every point of the embedding: row-major `n × k`, row
/// `i` sorted by `(distance, index)` (euclidean, squared distances computed in `f64`; ties are
/// broken by the smaller index, so the result is deterministic).
///
/// Cost: for `dim = 2`, points are bucketed into a uniform grid of about `n / k` cells over their
/// bounding box, and each query searches rings of cells outward until the `k`-th best distance
/// is below the distance to the first unsearched ring: about `O(n·k)` time for evenly spread
/// layouts (70 000 points, `k = 15`: a fraction of a second), degrading towards `O(n²)` if most
/// points crowd into a few cells of the bounding box. Any other `dim` uses brute force,
/// `O(n²·dim)` time (billions of distances, i.e. minutes, for 70 000 points). Memory is
/// `O(n·k)` for the result plus `O(n)` scratch.
///
/// Errors: [`Error::Param`] unless `1 ≤ k < n`, `n` fits in `u32` and the `n·k` neighbours
/// (4 bytes each) fit in `isize::MAX` bytes (named `k`; only reachable on 32-bit targets).
///
/// ```
/// use neighbor_embed::layout::Layout;
/// use neighbor_embed::metrics::embedding_knn;
/// // Points 0 and 2 are both at distance 1 from point 1: the tie goes to index 0.
/// let coords = [0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 10.0, 0.0];
/// let nn = embedding_knn(&Layout::new(&coords, 2)?, 2)?;
/// assert_eq!(nn, [1, 2, 0, 2, 1, 0, 2, 1]);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn embedding_knn<T: Real>(embedding: &Layout<'_, T>, k: usize) -> Result<Vec<u32>, Error> {
    let n = embedding.n();
    check_k(k, n)?;
    to_u32(n)?;
    knn_len(n, k)?;
    if embedding.dim() == 2
        && let Some(grid) = Grid::new(embedding.coords(), k)
    {
        return Ok(grid.knn(k));
    }
    Ok(brute_force_knn(embedding, k))
}

// ---------------------------------------------------------------------------------------------
// Validation.

fn check_k(k: usize, n: usize) -> Result<(), Error> {
    if k >= 1 && k < n {
        Ok(())
    } else {
        Err(Error::Param {
            name: "k",
            value: k as f64,
            expected: "1 <= k < n (the number of points)",
        })
    }
}

/// `a·b` values of type `E`, if they fit in one `Vec` (`isize::MAX` bytes at most).
fn vec_len<E>(a: usize, b: usize) -> Option<usize> {
    a.checked_mul(b).filter(|&len| {
        len.checked_mul(core::mem::size_of::<E>())
            .is_some_and(|bytes| bytes <= isize::MAX as usize)
    })
}

/// `n·k`, the length of an `n × k` neighbour list, if its `u32` entries fit in `isize::MAX`
/// bytes (the most a `Vec` holds); else `Param { "k" }`. Only 32-bit targets can fail here.
fn knn_len(n: usize, k: usize) -> Result<usize, Error> {
    vec_len::<u32>(n, k).ok_or(Error::Param {
        name: "k",
        value: k as f64,
        expected: "n·k neighbours (4 bytes each) within isize::MAX bytes",
    })
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::Param {
        name: "n",
        value: n as f64,
        expected: "at most u32::MAX points",
    })
}

fn check_neighbor_indices(hd_neighbors: &[u32], n: usize) -> Result<(), Error> {
    match hd_neighbors.iter().position(|&j| j as usize >= n) {
        None => Ok(()),
        Some(position) => Err(Error::PointIndex {
            name: "hd_neighbors",
            position,
            index: hd_neighbors[position] as usize,
            n,
        }),
    }
}

fn check_high_dim(high_dim: &[f32], d: usize, n: usize) -> Result<(), Error> {
    // Dimension, whole rows and finiteness (row and column of the first bad value).
    Layout::new(high_dim, d)?;
    let len = n.checked_mul(d).ok_or(Error::Param {
        name: "d",
        value: d as f64,
        expected: "n·d representable as usize",
    })?;
    check_len("high_dim", len, high_dim.len())
}

// ---------------------------------------------------------------------------------------------
// Metrics from a precomputed embedding kNN (`knn` is `n × kk`, rows sorted).

fn preservation_from(knn: &[u32], kk: usize, hd: &[u32], k: usize, n: usize) -> f64 {
    // stamp[j] = i + 1 while j is among point i's first k embedding neighbours.
    let mut stamp = vec![0_usize; n];
    let mut total = 0.0_f64;
    for i in 0..n {
        for &j in &knn[i * kk..i * kk + k] {
            stamp[j as usize] = i + 1;
        }
        let mut hits = 0_usize;
        for &j in &hd[i * k..(i + 1) * k] {
            if stamp[j as usize] == i + 1 {
                hits += 1;
                stamp[j as usize] = 0; // a repeated entry counts once
            }
        }
        total += hits as f64 / k as f64;
    }
    total / n as f64
}

fn accuracy_from(knn: &[u32], kk: usize, labels: &[u8], k: usize) -> f64 {
    let n = labels.len();
    let mut votes = [0_usize; 256];
    let mut correct = 0_usize;
    for i in 0..n {
        let row = &knn[i * kk..i * kk + k];
        for &j in row {
            votes[labels[j as usize] as usize] += 1;
        }
        // Majority, ties to the smallest label id.
        let mut best = 0_usize;
        for &j in row {
            let l = labels[j as usize] as usize;
            if votes[l] > votes[best] || (votes[l] == votes[best] && l < best) {
                best = l;
            }
        }
        if best == labels[i] as usize {
            correct += 1;
        }
        for &j in row {
            votes[labels[j as usize] as usize] = 0;
        }
    }
    correct as f64 / n as f64
}

// ---------------------------------------------------------------------------------------------
// Spearman helpers.

/// 1-based ranks, ties sharing their average rank.
fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their mean is (start + 1 + end) / 2.
        let r = (start + 1 + end) as f64 / 2.0;
        for &p in &order[start..end] {
            ranks[p] = r;
        }
        start = end;
    }
    ranks
}

/// Pearson correlation; `None` if either input is constant.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let m = a.len() as f64;
    let ma = a.iter().sum::<f64>() / m;
    let mb = b.iter().sum::<f64>() / m;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa > 0.0 && sbb > 0.0 {
        Some((sab / Real::sqrt(saa * sbb)).clamp(-1.0, 1.0))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Exact kNN.

fn sq_dist64<T: Real>(u: &[T], v: &[T]) -> f64 {
    let mut s = 0.0_f64;
    for (&a, &b) in u.iter().zip(v) {
        let t = a.as_f64() - b.as_f64();
        s += t * t;
    }
    s
}

/// The `k` best `(squared distance, index)` candidates seen so far, sorted ascending.
struct TopK {
    k: usize,
    items: Vec<(f64, u32)>,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    fn clear(&mut self) {
        self.items.clear();
    }

    #[inline]
    fn full(&self) -> bool {
        self.items.len() == self.k
    }

    /// The k-th best squared distance (`+∞` while fewer than `k` candidates are held).
    #[inline]
    fn worst(&self) -> f64 {
        if self.full() {
            self.items[self.k - 1].0
        } else {
            f64::INFINITY
        }
    }

    #[inline]
    fn push(&mut self, d2: f64, j: u32) {
        let less = |a: (f64, u32), b: (f64, u32)| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)) == Ordering::Less
        };
        if self.full() && !less((d2, j), self.items[self.k - 1]) {
            return;
        }
        let pos = self.items.partition_point(|&it| less(it, (d2, j)));
        self.items.insert(pos, (d2, j));
        self.items.truncate(self.k);
    }
}

fn abs(x: f64) -> f64 {
    if x < 0.0 { -x } else { x }
}

fn brute_force_knn<T: Real>(y: &Layout<'_, T>, k: usize) -> Vec<u32> {
    let n = y.n();
    let mut out = Vec::with_capacity(n * k);
    let mut top = TopK::new(k);
    for i in 0..n {
        top.clear();
        let yi = y.point(i);
        for j in 0..n {
            if j != i {
                top.push(sq_dist64(yi, y.point(j)), j as u32);
            }
        }
        out.extend(top.items.iter().map(|&(_, j)| j));
    }
    out
}

/// A uniform grid over the bounding box of a 2-D layout, points bucketed by cell (CSR).
struct Grid {
    /// Point coordinates in `f64`, `[x, y]` per point.
    pts: Vec<[f64; 2]>,
    min: [f64; 2],
    /// Cell sides.
    side: [f64; 2],
    /// Cells per axis.
    cells: [usize; 2],
    /// Absolute slack subtracted from ring lower bounds (see [`BOUND_SLACK`]).
    slack: f64,
    /// `start[c]..start[c + 1]` indexes `members` for cell `c = cy·cells[0] + cx`.
    start: Vec<usize>,
    /// Point indices, grouped by cell, ascending within a cell.
    members: Vec<u32>,
}

/// Slack on the ring lower bound, relative to the coordinates' magnitude: far above the rounding
/// error of the cell assignment, so the search never stops early (it may scan one more ring).
const BOUND_SLACK: f64 = 1e-9;

impl Grid {
    /// `None` if the bounding box is not finite (huge coordinates): brute force then.
    fn new<T: Real>(coords: &[T], k: usize) -> Option<Self> {
        let pts: Vec<[f64; 2]> = coords
            .chunks_exact(2)
            .map(|p| [p[0].as_f64(), p[1].as_f64()])
            .collect();
        let n = pts.len();
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for p in &pts {
            for a in 0..2 {
                min[a] = min[a].min(p[a]);
                max[a] = max[a].max(p[a]);
            }
        }
        let extent = [max[0] - min[0], max[1] - min[1]];
        let area = extent[0] * extent[1];
        if !extent[0].is_finite() || !extent[1].is_finite() || !area.is_finite() {
            return None;
        }
        // About n / k cells, as square as the box allows.
        let target = (n / k).max(1);
        let s = if area > 0.0 {
            Real::sqrt(area / target as f64)
        } else {
            extent[0].max(extent[1]) / target as f64
        };
        let mut cells = [1_usize; 2];
        let mut side = [1.0_f64; 2];
        for a in 0..2 {
            if extent[a] > 0.0 && s > 0.0 {
                let c = extent[a] / s;
                let c = if c.is_finite() { c } else { target as f64 };
                cells[a] = (libm::ceil(c) as usize).clamp(1, target);
                side[a] = extent[a] / cells[a] as f64;
            }
        }
        // an underflowing area can give both axes `target` cells: keep about `target` in all
        if cells[0] * cells[1] > 2 * target {
            let a = if extent[0] >= extent[1] { 1 } else { 0 };
            cells[a] = 1;
            side[a] = extent[a].max(f64::MIN_POSITIVE);
        }
        let mut grid = Grid {
            pts,
            min,
            side,
            cells,
            slack: BOUND_SLACK * (abs(min[0]).max(abs(min[1])) + extent[0].max(extent[1])),
            start: vec![0; cells[0] * cells[1] + 1],
            members: vec![0; n],
        };
        let cell_of: Vec<usize> = (0..n).map(|i| grid.cell(&grid.pts[i])).collect();
        for &c in &cell_of {
            grid.start[c + 1] += 1;
        }
        for c in 0..cells[0] * cells[1] {
            grid.start[c + 1] += grid.start[c];
        }
        let mut fill = grid.start.clone();
        for (i, &c) in cell_of.iter().enumerate() {
            grid.members[fill[c]] = i as u32;
            fill[c] += 1;
        }
        Some(grid)
    }

    #[inline]
    fn axis_cell(&self, p: &[f64; 2], a: usize) -> usize {
        let t = (p[a] - self.min[a]) / self.side[a];
        // `as usize` saturates (negative → 0); the top edge belongs to the last cell.
        (t as usize).min(self.cells[a] - 1)
    }

    #[inline]
    fn cell(&self, p: &[f64; 2]) -> usize {
        self.axis_cell(p, 1) * self.cells[0] + self.axis_cell(p, 0)
    }

    fn scan_cell(&self, cx: usize, cy: usize, i: usize, top: &mut TopK) {
        let c = cy * self.cells[0] + cx;
        let q = self.pts[i];
        for &j in &self.members[self.start[c]..self.start[c + 1]] {
            if j as usize != i {
                let p = self.pts[j as usize];
                let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
                top.push(dx * dx + dy * dy, j);
            }
        }
    }

    /// A lower bound on the distance from `q` to any point in a cell outside the block of cells
    /// `lo[a]..=hi[a]` on both axes (`+∞` if the block covers the grid).
    fn outside_bound(&self, q: &[f64; 2], lo: [usize; 2], hi: [usize; 2]) -> f64 {
        let mut b = f64::INFINITY;
        for a in 0..2 {
            if lo[a] > 0 {
                b = b.min(q[a] - (self.min[a] + lo[a] as f64 * self.side[a]));
            }
            if hi[a] + 1 < self.cells[a] {
                b = b.min(self.min[a] + (hi[a] + 1) as f64 * self.side[a] - q[a]);
            }
        }
        b
    }

    fn knn(&self, k: usize) -> Vec<u32> {
        let n = self.pts.len();
        let [gx, gy] = self.cells;
        let mut out = Vec::with_capacity(n * k);
        let mut top = TopK::new(k);
        for i in 0..n {
            top.clear();
            let q = self.pts[i];
            let (cx, cy) = (self.axis_cell(&q, 0), self.axis_cell(&q, 1));
            let mut r = 0_usize;
            loop {
                // Scan ring r: cells at Chebyshev cell distance exactly r from (cx, cy).
                let (x0, x1) = (cx.saturating_sub(r), (cx + r).min(gx - 1));
                let (y0, y1) = (cy.saturating_sub(r), (cy + r).min(gy - 1));
                for yy in y0..=y1 {
                    let on_y_edge = yy + r == cy || yy == cy + r;
                    if on_y_edge {
                        for xx in x0..=x1 {
                            self.scan_cell(xx, yy, i, &mut top);
                        }
                    } else {
                        if cx >= r {
                            self.scan_cell(cx - r, yy, i, &mut top);
                        }
                        if r > 0 && cx + r < gx {
                            self.scan_cell(cx + r, yy, i, &mut top);
                        }
                    }
                }
                let covers = x0 == 0 && y0 == 0 && x1 == gx - 1 && y1 == gy - 1;
                if covers {
                    break;
                }
                if top.full() {
                    let b = self.outside_bound(&q, [x0, y0], [x1, y1]);
                    let b = b - self.slack;
                    if b > 0.0 && top.worst() < b * b {
                        break;
                    }
                }
                r += 1;
            }
            out.extend(top.items.iter().map(|&(_, j)| j));
        }
        out
    }
}

/// How spread out the classes are: the mean over classes of the RMS distance of a class's
/// points to its centroid, divided by the RMS distance of all points to the global centroid.
/// Small for compact, well separated clusters (UMAP end of the spectrum), larger for
/// t-SNE-like layouts whose clusters fill more of the picture. Scale-free.
///
/// Only the classes present get a centroid, so the scratch is at most `(n + 1)·dim` values
/// whatever the label ids (one point labelled 255 in `2^20` dimensions used to take 2 GB).
///
/// Errors: [`Error::BufferLength`] unless `labels.len() = n`; [`Error::Degenerate`] if there
/// are no points or all points coincide; [`Error::Param`] named `dim` if the centroids'
/// `(classes + 1)·dim` values exceed `isize::MAX` bytes (32-bit targets only).
///
/// ```
/// use neighbor_embed::{layout::Layout, metrics::cluster_spread};
/// let tight = [0.0f64, 0.0, 0.1, 0.0, 10.0, 0.0, 10.1, 0.0];
/// let loose = [0.0f64, 0.0, 4.0, 0.0, 10.0, 0.0, 14.0, 0.0];
/// let labels = [0u8, 0, 1, 1];
/// let (a, b) = (cluster_spread(&Layout::new(&tight, 2)?, &labels)?, cluster_spread(&Layout::new(&loose, 2)?, &labels)?);
/// assert!(a < b);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn cluster_spread<T: Real>(embedding: &Layout<'_, T>, labels: &[u8]) -> Result<f64, Error> {
    let (n, dim) = (embedding.n(), embedding.dim());
    check_len("labels", n, labels.len())?;
    let coincide = Error::Degenerate {
        reason: "all points coincide",
    };
    if n == 0 {
        return Err(coincide); // before sizing anything by `dim`
    }
    // the classes present, numbered in label order (at most min(n, 256)): the same sums, in the
    // same order, as indexing by label, without a centroid for every absent label
    let mut slot = [usize::MAX; 256];
    for &label in labels {
        slot[label as usize] = 0;
    }
    let mut classes = 0;
    for s in slot.iter_mut().filter(|s| **s == 0) {
        *s = classes;
        classes += 1;
    }
    let len = vec_len::<f64>(classes + 1, dim).ok_or(Error::Param {
        name: "dim",
        value: dim as f64,
        expected: "(classes present + 1)·dim centroid values (8 bytes each) within \
                       isize::MAX bytes",
    })?;
    // work on coordinates divided by their largest magnitude, so sums of squares cannot overflow
    let scale = embedding
        .coords()
        .iter()
        .fold(0.0f64, |m, x| m.max(x.as_f64().abs()));
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let mut centroid = vec![0.0f64; len];
    let mut count = vec![0usize; classes + 1];
    for (i, &label) in labels.iter().enumerate() {
        let c = slot[label as usize];
        count[c] += 1;
        count[classes] += 1;
        for (d, &x) in embedding.point(i).iter().enumerate() {
            centroid[c * dim + d] += x.as_f64() / scale;
            centroid[classes * dim + d] += x.as_f64() / scale;
        }
    }
    for c in 0..=classes {
        for d in 0..dim {
            centroid[c * dim + d] /= count[c].max(1) as f64;
        }
    }
    let mut within = vec![0.0f64; classes];
    let mut total = 0.0;
    for (i, &label) in labels.iter().enumerate() {
        let c = slot[label as usize];
        for (d, &x) in embedding.point(i).iter().enumerate() {
            let x = x.as_f64() / scale;
            within[c] += (x - centroid[c * dim + d]) * (x - centroid[c * dim + d]);
            total += (x - centroid[classes * dim + d]) * (x - centroid[classes * dim + d]);
        }
    }
    let present: Vec<usize> = (0..classes).filter(|&c| count[c] > 0).collect();
    if total == 0.0 || present.is_empty() {
        return Err(coincide);
    }
    let rms_total = Real::sqrt(total / n as f64);
    let mean_within: f64 = present
        .iter()
        .map(|&c| Real::sqrt(within[c] / count[c] as f64))
        .sum::<f64>()
        / present.len() as f64;
    Ok(mean_within / rms_total)
}
