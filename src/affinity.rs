//! Graphs from a caller's kNN list (MATH.md §D): umap-learn's fuzzy simplicial set and the
//! binary symmetric kNN graph.
//!
//! [`smooth_knn_dist`] finds each point's `ρ_i` (distance to the nearest neighbour, with
//! `local_connectivity` interpolation) and `σ_i` (64-step bisection until the memberships sum to
//! `log2(k)·bandwidth` within `1e-5`, floored at `1e-3` of the mean distance), exactly as
//! umap-learn's `smooth_knn_dist`. [`umap_graph`] turns them into memberships
//! `exp(-(d - ρ)/σ)` and symmetrises with the fuzzy union/intersection
//! `μ = s(V + Vᵀ - V∘Vᵀ) + (1 - s) V∘Vᵀ`, giving a symmetric CSR graph with sorted rows and no
//! explicit zeros, equal to umap-learn's `fuzzy_simplicial_set`. Arithmetic is in `f64`
//! whatever the output type.
//!
//! Conventions (MATH.md §I.1): umap-learn's `n_neighbors = k` counts the point itself, which is
//! column 0 of every row ([`SelfNeighbor::First`]); a list without the point
//! ([`SelfNeighbor::Excluded`]) is treated as if the point were prepended, so both give the same
//! graph for the same true neighbours.
//!
//! Every builder accepts both kinds of [`KnnList`]: row-major with a fixed `k`
//! ([`KnnList::new`]) and CSR with a number of neighbours that varies from row to row
//! ([`KnnList::from_csr`]). For the latter, umap-learn's `k` becomes each row's own count
//! `k_i` (see [`smooth_knn_dist`]); a CSR list whose rows all have length `k` gives
//! bit-identical results to the row-major list.

use crate::Real;
use crate::error::{Error, check_len, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::knn::{KnnList, MISSING, SelfNeighbor};
use alloc::vec;
use alloc::vec::Vec;

/// umap-learn's `SMOOTH_K_TOLERANCE`.
const TOLERANCE: f64 = 1e-5;
/// umap-learn's `MIN_K_DIST_SCALE`.
const MIN_K_DIST_SCALE: f64 = 1e-3;
/// Bisection steps.
const N_ITER: usize = 64;

/// Parameters of umap-learn's graph construction. `Default` is umap-learn's.
///
/// ```
/// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// let p = UmapAffinity::default();
/// assert_eq!((p.local_connectivity, p.bandwidth, p.set_op_mix_ratio), (1.0, 1.0, 1.0));
/// // points at 0, 1 and 3, one neighbour each: 0 and 1 list each other, 2 lists 1
/// let knn = KnnList::new(3, 1, &[1, 0, 1], &[1.0, 1.0, 2.0], SelfNeighbor::Excluded)?;
/// let union = umap_graph(&knn, &p)?.graph;
/// let inter = umap_graph(&knn, &UmapAffinity { set_op_mix_ratio: 0.0, ..p })?.graph;
/// assert_eq!(union.graph().weight(1, 2), 1.0); // 1 + 0 - 1·0
/// assert_eq!(inter.graph().weight(1, 2), 0.0); // 1·0: the one-sided edge is dropped
/// assert_eq!((inter.indptr(), inter.indices()), (&[0u32, 1, 2, 2][..], &[1u32, 0][..]));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UmapAffinity {
    /// Nearest neighbours assumed connected (`≥ 0`, may be fractional; default 1).
    pub local_connectivity: f64,
    /// Scales the target `log2(k)` (default 1).
    pub bandwidth: f64,
    /// `s` of the fuzzy union (1) / intersection (0) mix (default 1).
    pub set_op_mix_ratio: f64,
}

impl Default for UmapAffinity {
    fn default() -> Self {
        UmapAffinity {
            local_connectivity: 1.0,
            bandwidth: 1.0,
            set_op_mix_ratio: 1.0,
        }
    }
}

impl UmapAffinity {
    fn check(&self) -> Result<(), Error> {
        let lc = self.local_connectivity;
        check_param(
            "local_connectivity",
            lc,
            lc >= 0.0 && lc.is_finite(),
            "a finite number >= 0",
        )?;
        let b = self.bandwidth;
        check_positive("bandwidth", b)?;
        let s = self.set_op_mix_ratio;
        check_param(
            "set_op_mix_ratio",
            s,
            (0.0..=1.0).contains(&s),
            "a number in [0, 1]",
        )
    }
}

/// A graph built by this module, in CSR form (sorted rows, no explicit zeros). Its fields are
/// private so it is always a valid graph; [`CsrBuf::into_parts`] hands the arrays over.
///
/// ```
/// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // points at 0, 2, 3, 7 and 8, each with its two nearest neighbours
/// let idx = [1, 2, 2, 0, 1, 0, 4, 2, 3, 2];
/// let dist = [2.0f32, 3.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0, 1.0, 5.0];
/// let knn = KnnList::new(5, 2, &idx, &dist, SelfNeighbor::Excluded)?;
/// let g = umap_graph(&knn, &UmapAffinity::default())?.graph;
/// let n = g.n();
/// assert_eq!(g.indptr().len(), n + 1);
/// assert_eq!(g.indices().len(), g.indptr()[n] as usize);
/// assert_eq!(g.weights().len(), g.indices().len());
/// assert!(g.weights().iter().all(|&w| w > 0.0 && w <= 1.0)); // no explicit zeros
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CsrBuf<T> {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<T>,
}

impl<T: Real> CsrBuf<T> {
    /// A validated view of this graph.
    ///
    /// ```
    /// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // each point lists the next one (mod 4) at distance 1 and the previous one at distance 2
    /// let idx = [1, 3, 2, 0, 3, 1, 0, 2];
    /// let dist = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
    /// let knn = KnnList::new(4, 2, &idx, &dist, SelfNeighbor::Excluded)?;
    /// let buf = umap_graph(&knn, &UmapAffinity::default())?.graph;
    /// let g = buf.graph();
    /// assert_eq!((g.n(), g.nnz()), (buf.n(), buf.indices().len()));
    /// g.check_symmetric(0.0)?; // exactly symmetric
    /// g.check_memberships()?; // weights in [0, 1]
    /// assert!(g.has_sorted_rows());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn graph(&self) -> CsrGraph<'_, T> {
        CsrGraph::new(self.n, &self.indptr, &self.indices, &self.weights)
            .expect("the builders only produce valid CSR graphs")
    }
    /// Number of vertices.
    ///
    /// ```
    /// use neighbor_embed::affinity::binary_knn_graph;
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // points 0 and 1 list each other; point 2 has no neighbour and nobody lists it
    /// let knn = KnnList::from_csr(3, &[0, 1, 2, 2], &[1, 0], &[1.0, 1.0], SelfNeighbor::Excluded)?;
    /// let g = binary_knn_graph(&knn)?;
    /// assert_eq!(g.n(), 3); // the isolated point is still a vertex
    /// assert_eq!(g.indptr(), &[0, 1, 2, 2]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }
    /// Row pointers (`n + 1`).
    ///
    /// ```
    /// use neighbor_embed::affinity::binary_knn_graph;
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // a star: points 1, 2, 3 each list only the centre 0
    /// let knn = KnnList::new(4, 1, &[1, 0, 0, 0], &[1.0, 1.0, 1.0, 1.0], SelfNeighbor::Excluded)?;
    /// let g = binary_knn_graph(&knn)?;
    /// let p = g.indptr();
    /// // row i holds indptr[i + 1] - indptr[i] neighbours: the centre 3, each leaf 1
    /// let degrees: Vec<u32> = p.windows(2).map(|r| r[1] - r[0]).collect();
    /// assert_eq!(degrees, [3, 1, 1, 1]);
    /// assert_eq!(&g.indices()[p[0] as usize..p[1] as usize], &[1, 2, 3]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn indptr(&self) -> &[u32] {
        &self.indptr
    }
    /// Column indices.
    ///
    /// ```
    /// use neighbor_embed::affinity::tsne_graph;
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // points at 0, 1, 3 and 6, each listing the 3 others by distance
    /// let idx = [1, 2, 3, 0, 2, 3, 1, 0, 3, 2, 1, 0];
    /// let dist = [1.0, 3.0, 6.0, 1.0, 2.0, 5.0, 2.0, 3.0, 3.0, 3.0, 5.0, 6.0];
    /// let knn = KnnList::new(4, 3, &idx, &dist, SelfNeighbor::Excluded)?;
    /// let g = tsne_graph(&knn, 2.0)?.graph;
    /// // sorted rows without the point itself
    /// for (i, row) in g.indptr().windows(2).enumerate() {
    ///     let cols = &g.indices()[row[0] as usize..row[1] as usize];
    ///     assert!(cols.windows(2).all(|c| c[0] < c[1]) && !cols.contains(&(i as u32)));
    /// }
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// Weights.
    ///
    /// ```
    /// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
    /// use neighbor_embed::knn::{KnnList, SelfNeighbor};
    /// // points at 0, 1, 2 and 4 with k = 3 (the point and its two nearest neighbours)
    /// let idx = [0, 1, 2, 1, 0, 2, 2, 1, 0, 3, 2, 1];
    /// let dist = [0.0, 1.0, 2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 2.0, 0.0, 2.0, 3.0];
    /// let knn = KnnList::new(4, 3, &idx, &dist, SelfNeighbor::First)?;
    /// let g = umap_graph(&knn, &UmapAffinity::default())?.graph;
    /// // local_connectivity = 1: each point's nearest neighbour has membership 1
    /// for row in g.indptr().windows(2) {
    ///     let w = &g.weights()[row[0] as usize..row[1] as usize];
    ///     let max = w.iter().fold(0.0f64, |m, &x| m.max(x));
    ///     assert!((max - 1.0).abs() < 1e-15); // 1 + v - v, up to rounding
    /// }
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn weights(&self) -> &[T] {
        &self.weights
    }
    /// `(indptr, indices, weights)`.
    ///
    /// ```
    /// use neighbor_embed::{affinity::combine, graph::CsrGraph};
    /// let a = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[0.5f64, 0.5])?;
    /// let b = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[0.5f64, 0.5, 1.0, 1.0])?;
    /// let buf = combine(&a, &b, 1.0)?;
    /// let copy = (buf.indptr().to_vec(), buf.indices().to_vec(), buf.weights().to_vec());
    /// let (indptr, indices, weights) = buf.into_parts();
    /// assert_eq!((indptr, indices, weights), copy);
    /// assert_eq!(copy.2, [0.75, 0.75, 1.0, 1.0]); // fuzzy union of 0.5 and 0.5, of 0 and 1
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn into_parts(self) -> (Vec<u32>, Vec<u32>, Vec<T>) {
        (self.indptr, self.indices, self.weights)
    }
}

/// The true neighbours of row `i`: `(index, distance)` without the point and missing entries.
fn neighbours<'a, T: Real>(
    knn: &KnnList<'a, T>,
    i: usize,
) -> impl Iterator<Item = (usize, f64)> + 'a {
    let (idx, dist) = knn.row(i);
    let skip = usize::from(knn.self_neighbor() == SelfNeighbor::First);
    idx.iter()
        .zip(dist)
        .skip(skip)
        .filter(move |&(&j, _)| j != MISSING && j as usize != i)
        .map(|(&j, &d)| (j as usize, d.as_f64()))
}

/// Rejects a row that lists the same true neighbour twice (O(nnz) with one mark per point).
fn check_no_duplicates<T: Real>(knn: &KnnList<T>) -> Result<(), Error> {
    let mut last_row = vec![usize::MAX; knn.n()];
    for i in 0..knn.n() {
        let (idx, _) = knn.row(i);
        for (c, &j) in idx.iter().enumerate() {
            if j == MISSING || j as usize == i {
                continue;
            }
            if last_row[j as usize] == i {
                return Err(Error::Knn(crate::knn::KnnIssue::DuplicateNeighbor {
                    position: knn.row_start(i) + c,
                }));
            }
            last_row[j as usize] = i;
        }
    }
    Ok(())
}

/// umap-learn's `smooth_knn_dist`: writes `σ_i` and `ρ_i` of every point (MATH.md §D.1).
///
/// umap-learn's `k = n_neighbors` counts the point itself. Here `k_i` is row `i`'s own count:
/// its length ([`KnnList::row_len`], missing entries included) under [`SelfNeighbor::First`],
/// its length + 1 under [`SelfNeighbor::Excluded`] — `k` for every row of a row-major list.
/// Row `i` then targets `Σ_j v_ij = log2(k_i)·bandwidth`, and its `σ` floor is
/// `1e-3 · (sum of row i's distances)/k_i` (the row mean with the point's 0 counted) when
/// `ρ_i > 0`, else `1e-3 ·` the mean over all entries (`(sum of all distances) / (nnz + n)`
/// under `Excluded`, `/ nnz` under `First`: again the point's 0 counted once per row).
///
/// An empty CSR row under `Excluded` (the row `[i]` under `First`) has `k_i = 1`, target 0:
/// `ρ_i = 0` and `σ_i = max(1, floor)`, which no membership uses (the point has no outgoing
/// edge; it keeps the edges of the points that list it).
///
/// ```
/// use neighbor_embed::affinity::{smooth_knn_dist, UmapAffinity};
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // MATH.md §J: row [0, 1, 2, 3] (k = 4): ρ = 1, σ = 2.0780640
/// let knn = KnnList::new(4, 4, &[0, 1, 2, 3, 1, 0, 2, 3, 2, 1, 3, 0, 3, 2, 1, 0],
///     &[0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0],
///     SelfNeighbor::First)?;
/// let (mut sigma, mut rho) = ([0.0; 4], [0.0; 4]);
/// smooth_knn_dist(&knn, &UmapAffinity::default(), &mut sigma, &mut rho)?;
/// assert_eq!(rho[0], 1.0);
/// assert!((sigma[0] - 2.0780640).abs() < 1e-7);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn smooth_knn_dist<T: Real>(
    knn: &KnnList<T>,
    params: &UmapAffinity,
    sigmas: &mut [f64],
    rhos: &mut [f64],
) -> Result<(), Error> {
    params.check()?;
    let n = knn.n();
    check_len("sigmas", n, sigmas.len())?;
    check_len("rhos", n, rhos.len())?;
    let first = knn.self_neighbor() == SelfNeighbor::First;
    // with the point excluded, count it as umap-learn's column 0 would (once per row)
    let extra = usize::from(!first);
    let mean_all = {
        let total: f64 = knn.distances().iter().map(|d| d.as_f64()).sum();
        // nnz + n·extra entries (n·k_eff for a row-major list), counted in f64: exact below
        // 2^53, so equal to the integer count without any overflow on narrow targets
        let count = knn.nnz() as f64 + if first { 0.0 } else { n as f64 };
        total / count
    };
    let lc = params.local_connectivity;
    let (index, interpolation) = (libm::floor(lc) as usize, lc - libm::floor(lc));
    for i in 0..n {
        // umap-learn's k for this row: its entries, the point counted once
        let k_eff = knn.row_len(i) + extra;
        let target = Real::ln(k_eff as f64) / core::f64::consts::LN_2 * params.bandwidth;
        // ρ: distance to the `lc`-th nearest non-identical neighbour, interpolated
        let nz: Vec<f64> = neighbours(knn, i)
            .map(|(_, d)| d)
            .filter(|&d| d > 0.0)
            .collect();
        let rho = if !nz.is_empty() && nz.len() as f64 >= lc {
            if index > 0 {
                let base = nz[index - 1];
                if interpolation > TOLERANCE {
                    base + interpolation * (nz[index] - base)
                } else {
                    base
                }
            } else {
                interpolation * nz[0]
            }
        } else if !nz.is_empty() {
            nz.iter().fold(0.0f64, |m, &d| m.max(d))
        } else {
            0.0
        };
        let (mut lo, mut hi, mut mid) = (0.0f64, f64::INFINITY, 1.0f64);
        for _ in 0..N_ITER {
            let mut psum = 0.0;
            for (_, d) in neighbours(knn, i) {
                let x = d - rho;
                psum += if x > 0.0 { Real::exp(-(x / mid)) } else { 1.0 };
            }
            if (psum - target).abs() < TOLERANCE {
                break;
            }
            if psum > target {
                hi = mid;
                mid = (lo + hi) / 2.0;
            } else {
                lo = mid;
                mid = if hi == f64::INFINITY {
                    mid * 2.0
                } else {
                    (lo + hi) / 2.0
                };
            }
        }
        let floor = if rho > 0.0 {
            let (_, dist) = knn.row(i);
            let row: f64 = dist.iter().map(|d| d.as_f64()).sum();
            MIN_K_DIST_SCALE * row / k_eff as f64
        } else {
            MIN_K_DIST_SCALE * mean_all
        };
        sigmas[i] = mid.max(floor);
        rhos[i] = rho;
    }
    Ok(())
}

/// The result of [`umap_graph`].
///
/// ```
/// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // points at 0, 1, 3 and 6, each with its two nearest neighbours
/// let idx = [1, 2, 0, 2, 1, 0, 2, 1];
/// let dist = [1.0, 3.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0];
/// let knn = KnnList::new(4, 2, &idx, &dist, SelfNeighbor::Excluded)?;
/// let u = umap_graph(&knn, &UmapAffinity::default())?;
/// assert_eq!(u.rhos, [1.0, 1.0, 2.0, 3.0]); // ρ_i: distance to the nearest neighbour
/// assert!(u.sigmas.iter().all(|&s| s > 0.0 && s.is_finite()));
/// assert_eq!((u.graph.n(), u.sigmas.len()), (4, 4));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UmapGraph<T> {
    /// The symmetric fuzzy graph.
    pub graph: CsrBuf<T>,
    /// `σ_i` of every point.
    pub sigmas: Vec<f64>,
    /// `ρ_i` of every point.
    pub rhos: Vec<f64>,
}

/// umap-learn's fuzzy simplicial set of a kNN list (MATH.md §D.1–D.3): memberships
/// `v_ij = exp(-(d_ij - ρ_i)/σ_i)` (1 when `d ≤ ρ` or `σ = 0`), symmetrised by the fuzzy
/// union/intersection mix. Also returns `σ` and `ρ`.
///
/// A row that lists the same true neighbour twice is an error
/// ([`KnnIssue::DuplicateNeighbor`](crate::knn::KnnIssue::DuplicateNeighbor), naming the second
/// occurrence): umap-learn sums such entries (scipy's COO → CSR), which gives memberships above
/// 1 and, after the fuzzy union, negative weights (MATH.md §D.1 allows "reject or sum").
///
/// ```
/// use neighbor_embed::affinity::{umap_graph, UmapAffinity};
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // three points on a line, k = 2 (the point and its nearest neighbour)
/// let knn = KnnList::new(3, 2, &[0, 1, 1, 0, 2, 1], &[0.0, 1.0, 0.0, 1.0, 0.0, 2.0], SelfNeighbor::First)?;
/// let g = umap_graph(&knn, &UmapAffinity::default())?.graph;
/// g.graph().check_symmetric(0.0)?;
/// assert_eq!(g.graph().weight(0, 1), 1.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn umap_graph<T: Real>(knn: &KnnList<T>, params: &UmapAffinity) -> Result<UmapGraph<T>, Error> {
    let n = knn.n();
    let (mut sigmas, mut rhos) = (vec![0.0; n], vec![0.0; n]);
    smooth_knn_dist(knn, params, &mut sigmas, &mut rhos)?;
    check_no_duplicates(knn)?;
    let mut directed = Vec::with_capacity(knn.nnz());
    for i in 0..n {
        for (j, d) in neighbours(knn, i) {
            let x = d - rhos[i];
            let v = if x <= 0.0 || sigmas[i] == 0.0 {
                1.0
            } else {
                Real::exp(-(x / sigmas[i]))
            };
            directed.push((i as u32, j as u32, v));
        }
    }
    let s = params.set_op_mix_ratio;
    // (1 - s)·(a·b), as umap-learn: ((1 - s)·a)·b would make μ_ij and μ_ji differ in the last bit
    let graph = symmetrise(n, directed, |a, b| {
        s * (a + b - a * b) + (1.0 - s) * (a * b)
    });
    Ok(UmapGraph {
        graph,
        sigmas,
        rhos,
    })
}

/// The binary symmetric kNN graph (MATH.md §D.4): `B_ij = 1` if `j` is a true neighbour of `i`
/// or `i` of `j` (contrastive-ne's graph; what UMAP effectively reproduces).
///
/// ```
/// use neighbor_embed::affinity::binary_knn_graph;
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// let knn = KnnList::new(3, 1, &[1, 0, 1], &[1.0, 1.0, 2.0], SelfNeighbor::Excluded)?;
/// let g = binary_knn_graph(&knn)?;
/// assert_eq!((g.indptr(), g.indices()), (&[0u32, 1, 3, 4][..], &[1u32, 0, 2, 1][..]));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn binary_knn_graph<T: Real>(knn: &KnnList<T>) -> Result<CsrBuf<T>, Error> {
    let n = knn.n();
    let directed = (0..n)
        .flat_map(|i| neighbours(knn, i).map(move |(j, _)| (i as u32, j as u32, 1.0)))
        .collect();
    Ok(symmetrise(n, directed, |a, b| {
        if a > 0.0 || b > 0.0 { 1.0 } else { 0.0 }
    }))
}

/// Union/intersection of two graphs on the same vertices (e.g. combining a data graph with a
/// label graph): `μ = s(A + B - A∘B) + (1 - s)A∘B`, `s = set_op_mix_ratio`. Weights must be
/// memberships in `[0, 1]`.
///
/// ```
/// use neighbor_embed::{affinity::combine, graph::CsrGraph};
/// let a = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5f64, 0.5])?;
/// let b = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5f64, 0.5])?;
/// assert_eq!(combine(&a, &b, 1.0)?.weights(), &[0.75, 0.75]);
/// assert_eq!(combine(&a, &b, 0.0)?.weights(), &[0.25, 0.25]);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn combine<T: Real>(
    a: &CsrGraph<T>,
    b: &CsrGraph<T>,
    set_op_mix_ratio: f64,
) -> Result<CsrBuf<T>, Error> {
    let s = set_op_mix_ratio;
    check_param(
        "set_op_mix_ratio",
        s,
        (0.0..=1.0).contains(&s),
        "a number in [0, 1]",
    )?;
    if a.n() != b.n() {
        return Err(Error::PointCount {
            graph: a.n(),
            layout: b.n(),
        });
    }
    a.check_memberships()?;
    b.check_memberships()?;
    // (row, col, value, which): a's entries as "forward", b's as "transposed" slots
    let mut entries: Vec<(u32, u32, f64, bool)> = Vec::with_capacity(a.nnz() + b.nnz());
    entries.extend(
        a.edges()
            .map(|(i, j, w)| (i as u32, j as u32, w.as_f64(), false)),
    );
    entries.extend(
        b.edges()
            .map(|(i, j, w)| (i as u32, j as u32, w.as_f64(), true)),
    );
    Ok(merge(a.n(), entries, |x, y| {
        s * (x + y - x * y) + (1.0 - s) * x * y
    }))
}

/// Symmetrises a directed membership list: each pair `(i, j)` gets `op(V_ij, V_ji)`.
fn symmetrise<T: Real>(
    n: usize,
    directed: Vec<(u32, u32, f64)>,
    op: impl Fn(f64, f64) -> f64,
) -> CsrBuf<T> {
    let mut entries = Vec::with_capacity(2 * directed.len());
    for &(i, j, v) in &directed {
        entries.push((i, j, v, false));
        entries.push((j, i, v, true));
    }
    merge(n, entries, op)
}

/// Sorts `(row, col, value, second)` entries, sums each side of a pair, applies `op(first,
/// second)` and drops zeros.
fn merge<T: Real>(
    n: usize,
    mut entries: Vec<(u32, u32, f64, bool)>,
    op: impl Fn(f64, f64) -> f64,
) -> CsrBuf<T> {
    entries.sort_by_key(|e| (e.0, e.1));
    let mut indptr = vec![0u32; n + 1];
    let (mut indices, mut weights) = (Vec::new(), Vec::new());
    let mut p = 0;
    while p < entries.len() {
        let (i, j) = (entries[p].0, entries[p].1);
        let (mut a, mut b) = (0.0, 0.0);
        while p < entries.len() && (entries[p].0, entries[p].1) == (i, j) {
            if entries[p].3 {
                b += entries[p].2;
            } else {
                a += entries[p].2;
            }
            p += 1;
        }
        // zeros dropped after the conversion: an f32 graph keeps no underflowed membership
        let w = T::of_f64(op(a, b));
        if w != T::zero() && i != j {
            indices.push(j);
            weights.push(w);
            indptr[i as usize + 1] += 1;
        }
    }
    for i in 0..n {
        indptr[i + 1] += indptr[i];
    }
    CsrBuf {
        n,
        indptr,
        indices,
        weights,
    }
}

/// The result of [`tsne_graph`].
///
/// ```
/// use neighbor_embed::affinity::tsne_graph;
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // 5 points at 0, 1, 2, 3, 4 on a line, each listing the 4 others by distance
/// # let (mut idx, mut dist) = (Vec::new(), Vec::new());
/// # for i in 0..5i32 {
/// #     let mut row: Vec<i32> = (0..5).filter(|&j| j != i).collect();
/// #     row.sort_by_key(|&j| ((j - i).abs(), j));
/// #     idx.extend(row.iter().map(|&j| j as u32));
/// #     dist.extend(row.iter().map(|&j| (j - i).abs() as f64));
/// # }
/// let knn = KnnList::new(5, 4, &idx, &dist, SelfNeighbor::Excluded)?;
/// let t = tsne_graph(&knn, 2.0)?;
/// assert_eq!((t.unconverged, t.betas.len()), (0, 5));
/// let p = t.graph.graph();
/// p.check_symmetric(0.0)?;
/// assert!(p.weight(0, 1) > p.weight(0, 2) && p.weight(0, 2) > p.weight(0, 4));
/// assert!((t.graph.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TsneGraph<T> {
    /// `P_ij = (p_{j|i} + p_{i|j})/(2n)`, symmetric, summing to 1.
    pub graph: CsrBuf<T>,
    /// The precision `β_i` of every point (of the shifted squared distances).
    pub betas: Vec<f64>,
    /// Points whose search did not reach the tolerance (the best `β` seen is used).
    pub unconverged: usize,
}

/// t-SNE's perplexity calibration on a kNN list (MATH.md §D.5): for every point the `β_i` with
/// entropy `H = ln(perplexity)` (nats) of `p_{j|i} ∝ exp(-β_i d_ij²)` over its true neighbours
/// (squared distances shifted by their minimum; bisection from `β = 1`, at most 200 steps,
/// tolerance 1e-5, the best `β` on failure, as uwot), then `P = (p_{j|i} + p_{i|j})/(2n)`.
///
/// Requires `perplexity < ` the number of true neighbours of every point (the largest entropy
/// is its logarithm); the error names the first row with too few.
///
/// ```
/// use neighbor_embed::affinity::tsne_graph;
/// use neighbor_embed::knn::{KnnList, SelfNeighbor};
/// // MATH.md §J: distances [1, 1.5, 2, 2.5, 3, 4], perplexity 3 → β = 0.5202178955
/// let d = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0];
/// let mut idx = Vec::new();
/// let mut dist = Vec::new();
/// for i in 0..7u32 {
///     idx.extend((0..7).filter(|&j| j != i));
///     dist.extend_from_slice(&d);
/// }
/// let knn = KnnList::new(7, 6, &idx, &dist, SelfNeighbor::Excluded)?;
/// let t = tsne_graph(&knn, 3.0)?;
/// assert!((t.betas[0] - 0.5202178955).abs() < 1e-6);
/// let total: f64 = t.graph.weights().iter().sum();
/// assert!((total - 1.0).abs() < 1e-12);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn tsne_graph<T: Real>(knn: &KnnList<T>, perplexity: f64) -> Result<TsneGraph<T>, Error> {
    check_param(
        "perplexity",
        perplexity,
        perplexity > 1.0 && perplexity.is_finite(),
        "a finite number > 1",
    )?;
    let n = knn.n();
    let target = Real::ln(perplexity);
    let mut betas = vec![0.0; n];
    let mut unconverged = 0;
    let mut directed = Vec::with_capacity(knn.nnz());
    let mut delta = Vec::new();
    for (i, beta_i) in betas.iter_mut().enumerate() {
        delta.clear();
        delta.extend(neighbours(knn, i).map(|(_, d)| d * d));
        if delta.iter().any(|x| !x.is_finite()) {
            return Err(Error::Degenerate {
                reason: "a squared kNN distance overflows f64",
            });
        }
        if (delta.len() as f64) <= perplexity {
            return Err(Error::Param {
                name: "perplexity",
                value: perplexity,
                expected: "less than every point's number of true neighbours",
            });
        }
        let min = delta.iter().fold(f64::INFINITY, |m, &x| m.min(x));
        for x in delta.iter_mut() {
            *x -= min;
        }
        let entropy = |beta: f64| {
            let (mut z, mut s) = (0.0, 0.0);
            for &x in delta.iter() {
                let w = Real::exp(-beta * x);
                z += w;
                s += x * w;
            }
            Real::ln(z) + beta * s / z
        };
        let (mut beta, mut lo, mut hi) = (1.0f64, 0.0f64, f64::INFINITY);
        let (mut best, mut best_err) = (beta, f64::INFINITY);
        let mut converged = false;
        for _ in 0..200 {
            let h = entropy(beta);
            let err = (h - target).abs();
            if err < best_err {
                (best, best_err) = (beta, err);
            }
            if err < TOLERANCE {
                converged = true;
                break;
            }
            if h < target {
                hi = beta;
                beta = (lo + hi) / 2.0;
            } else {
                lo = beta;
                beta = if hi == f64::INFINITY {
                    2.0 * beta
                } else {
                    (lo + hi) / 2.0
                };
            }
        }
        if !converged {
            unconverged += 1;
            beta = best;
        }
        *beta_i = beta;
        let z: f64 = delta.iter().map(|&x| Real::exp(-beta * x)).sum();
        for ((j, _), &x) in neighbours(knn, i).zip(delta.iter()) {
            directed.push((i as u32, j as u32, Real::exp(-beta * x) / z));
        }
    }
    let scale = 1.0 / (2.0 * n as f64);
    let graph = symmetrise(n, directed, |a, b| (a + b) * scale);
    Ok(TsneGraph {
        graph,
        betas,
        unconverged,
    })
}
