//! The smallest eigenpairs of the normalised Laplacian of a sparse graph (see
//! [`laplacian_eigenpairs`] for the algorithm).

use super::dense::{dense_sym_laplacian, symmetric_eigen};
use crate::Real;
use crate::error::{Error, check_param};
use crate::graph::CsrGraph;
use crate::rng::{Pcg32, StreamRng, unit_f64};
use alloc::vec;
use alloc::vec::Vec;

/// Graphs with at most this many vertices are decomposed densely (Jacobi) instead.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions, DENSE_LIMIT}};
/// // a star: L_sym has eigenvalues 0, 1 (n - 2 times) and 2
/// # let star = |n: usize| {
/// #     let mut indptr = vec![0, n as u32 - 1];
/// #     indptr.extend(n as u32..2 * n as u32 - 1);
/// #     let indices: Vec<u32> = (1..n as u32).chain(std::iter::repeat_n(0, n - 1)).collect();
/// #     (indptr, indices, vec![1.0f64; 2 * n - 2])
/// # };
/// for (n, krylov) in [(5, false), (DENSE_LIMIT + 1, true)] {
///     let (indptr, indices, w) = star(n);
///     let g = CsrGraph::new(n, &indptr, &indices, &w)?;
///     let e = laplacian_eigenpairs(&g, 2, &EigenOptions::default())?;
///     assert!((e.values[1] - 1.0).abs() < 1e-12);
///     assert_eq!(e.matvecs > 0, krylov); // the dense path uses no operator products
/// }
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub const DENSE_LIMIT: usize = 200;

/// Options of [`laplacian_eigenpairs`]. `Default`: `tol = 1e-8`, at most 2000 restarts,
/// automatic block size and Krylov depth, seed 0.
///
/// Checked before any work, whichever path (dense or Krylov) solves: `tol` finite and `> 0`,
/// `block` 0 or below `n`, `filter_degree` at most 100 ([`Error::Param`] naming the field;
/// `eigen.…` in [`crate::spectral::spectral_layout`]).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
/// let d = EigenOptions::default();
/// assert_eq!((d.tol, d.max_restarts, d.filter_degree, d.seed), (1e-8, 2000, 8, 0));
/// assert_eq!((d.block, d.depth), (0, 0)); // automatic
/// // a circulant graph on 250 vertices (each joined to the vertices 1, 2 and 3 steps away):
/// // large enough for the Krylov solver; λ₂ = 1 - (cos(2π/n) + cos(4π/n) + cos(6π/n))/3
/// let n = 250;
/// # let (mut indptr, mut indices) = (vec![0u32], Vec::new());
/// # for i in 0..n {
/// #     let mut row = Vec::new();
/// #     for o in [1, 2, 3] {
/// #         row.extend([(i + o) % n, (i + n - o) % n].map(|j| j as u32));
/// #     }
/// #     row.sort();
/// #     indices.extend(row);
/// #     indptr.push(indices.len() as u32);
/// # }
/// # let w = vec![1.0f64; indices.len()];
/// let g = CsrGraph::new(n, &indptr, &indices, &w)?;
/// let options = EigenOptions { tol: 1e-10, seed: 17, ..EigenOptions::default() };
/// let e = laplacian_eigenpairs(&g, 2, &options)?;
/// let t = 2.0 * std::f64::consts::PI / n as f64;
/// let lambda2 = 1.0 - (t.cos() + (2.0 * t).cos() + (3.0 * t).cos()) / 3.0;
/// assert!(e.residual <= 1e-10 && e.restarts >= 1);
/// assert!((e.values[1] - lambda2).abs() < 1e-12);
/// // a block must fit in the n - 1 dimensions orthogonal to the trivial vector
/// let wide = EigenOptions { block: n, ..EigenOptions::default() };
/// let err = laplacian_eigenpairs(&g, 2, &wide).unwrap_err();
/// assert!(matches!(err, neighbor_embed::Error::Param { name: "block", .. }));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EigenOptions {
    /// Largest accepted residual `‖L_sym u - λu‖` of a returned pair (unit `u`); finite and
    /// `> 0`.
    pub tol: f64,
    /// Restarts before [`Error::NoConvergence`] (`0` counts as 1: one restart always runs).
    /// Each restart costs about `(block·depth)·filter_degree` operator products.
    pub max_restarts: usize,
    /// Vectors per Krylov block (`0`: the number of wanted non-trivial pairs + 2); otherwise
    /// at most `n - 1`, the dimension of the space orthogonal to the trivial vector in which
    /// the Krylov vectors live (a larger block is an [`Error::Param`]), and raised to the
    /// number of wanted non-trivial pairs if below it. Eigenvalues of higher multiplicity than
    /// this may be missed. Memory: about `(m + 1)·n + 2m²` values for a basis of
    /// `m = block·depth` vectors.
    pub block: usize,
    /// Blocks per restart (`0`: enough for about 48 basis vectors, at least 4; otherwise at
    /// least 2). Capped so that the basis has at most `n - 1` vectors (at least one block).
    pub depth: usize,
    /// Degree of the Chebyshev filter that generates the Krylov blocks after the first
    /// restart (`1`: plain Krylov; `0` counts as 1); it damps the unwanted part of the
    /// spectrum located by the previous Ritz values. At most 100 ([`Error::Param`] above):
    /// each degree costs one operator product per Krylov vector, and high-degree Chebyshev
    /// polynomials overflow `f64` outside a narrow damped window.
    pub filter_degree: usize,
    /// Seed of the start block.
    pub seed: u64,
}

/// Largest [`EigenOptions::filter_degree`] accepted.
const MAX_FILTER_DEGREE: usize = 100;

impl EigenOptions {
    /// Checks the fields against a graph of `n` vertices (before any work): `tol`, `block`,
    /// `filter_degree`. `nested`: name them `eigen.…`, as fields of
    /// [`crate::spectral::SpectralOptions`].
    pub(crate) fn check(&self, n: usize, nested: bool) -> Result<(), Error> {
        let name = |short, long| if nested { long } else { short };
        let tol = self.tol;
        check_param(
            name("tol", "eigen.tol"),
            tol,
            tol > 0.0 && tol.is_finite(),
            "a finite number > 0",
        )?;
        check_param(
            name("block", "eigen.block"),
            self.block as f64,
            self.block == 0 || self.block < n,
            "0 (automatic) or at most n - 1: the Krylov vectors live in the n - 1 dimensions \
             orthogonal to the trivial vector",
        )?;
        check_param(
            name("filter_degree", "eigen.filter_degree"),
            self.filter_degree as f64,
            self.filter_degree <= MAX_FILTER_DEGREE,
            "at most 100",
        )
    }
}

impl Default for EigenOptions {
    fn default() -> Self {
        EigenOptions {
            tol: 1e-8,
            max_restarts: 2000,
            block: 0,
            depth: 0,
            filter_degree: 8,
            seed: 0,
        }
    }
}

/// The `k` smallest eigenpairs of a graph's normalised Laplacian.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
/// // the path 0 - 1 - 2 - 3 - 4: L_sym has eigenvalues 1 - cos(πk/(n - 1)), k = 0..n
/// let g = CsrGraph::new(5, &[0, 1, 3, 5, 7, 8], &[1, 0, 2, 1, 3, 2, 4, 3], &[1.0f64; 8])?;
/// let e = laplacian_eigenpairs(&g, 5, &EigenOptions::default())?;
/// for (k, &lambda) in e.values.iter().enumerate() {
///     assert!((lambda - (1.0 - (std::f64::consts::PI * k as f64 / 4.0).cos())).abs() < 1e-12);
/// }
/// // the trivial vector is √d/‖√d‖, d = (1, 2, 2, 2, 1)
/// assert_eq!(e.degrees, [1.0, 2.0, 2.0, 2.0, 1.0]);
/// let trivial = e.degrees.iter().map(|d| (d / 8.0f64).sqrt());
/// assert!(e.vector(0).iter().zip(trivial).all(|(u, t)| (u - t).abs() < 1e-15));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Eigenpairs {
    /// Number of vertices.
    pub n: usize,
    /// Eigenvalues of `L_sym`, ascending; `values[0] = 0` (the trivial pair).
    pub values: Vec<f64>,
    /// Unit eigenvectors, row `r` (`vectors[r*n..(r+1)*n]`) for `values[r]`. Signs are fixed so
    /// that the entry of largest magnitude (the first such) is positive; where two entries have
    /// the same magnitude in exact arithmetic (e.g. by a symmetry of the graph), rounding picks
    /// which one comes first, so the sign is deterministic (same bits on every target) but not
    /// a property of the graph alone.
    pub vectors: Vec<f64>,
    /// Weighted degrees `d_i` of the graph's kept edges.
    pub degrees: Vec<f64>,
    /// Products with the operator (0 for the dense path).
    pub matvecs: usize,
    /// Restarts used (0 for the dense path).
    pub restarts: usize,
    /// Largest residual `‖L_sym u - λu‖` among the returned pairs (each measured; on the
    /// Krylov path as accepted at its last restart, the trivial pair measured as well).
    pub residual: f64,
}

impl Eigenpairs {
    /// Number of pairs.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
    /// // a 6-cycle; the two smallest pairs of its L_sym: 0 and 1 - cos(2π/6) = 1/2
    /// let indices = [1, 5, 0, 2, 1, 3, 2, 4, 3, 5, 0, 4];
    /// let g = CsrGraph::new(6, &[0, 2, 4, 6, 8, 10, 12], &indices, &[2.0f32; 12])?;
    /// let e = laplacian_eigenpairs(&g, 2, &EigenOptions::default())?;
    /// assert_eq!((e.len(), e.vectors.len()), (2, 2 * 6));
    /// assert!((e.values[1] - 0.5).abs() < 1e-12);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether there are no pairs (never, for a successful call).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5f64, 0.5])?; // one edge
    /// let options = EigenOptions::default();
    /// assert!(!laplacian_eigenpairs(&g, 1, &options)?.is_empty()); // the trivial pair
    /// assert!(laplacian_eigenpairs(&g, 0, &options).is_err()); // k = 0 is refused
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Eigenvector `r`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
    /// // the star with centre 0 and leaves 1, 2, 3: L_sym has eigenvalues 0, 1, 1, 2
    /// let g = CsrGraph::new(4, &[0, 3, 4, 5, 6], &[1, 2, 3, 0, 0, 0], &[1.0f64; 6])?;
    /// let e = laplacian_eigenpairs(&g, 4, &EigenOptions::default())?;
    /// assert!((e.values[3] - 2.0).abs() < 1e-12);
    /// // λ = 2 (bipartite graph): (√d_0, -√d_1, -√d_2, -√d_3)/√6, its largest entry positive
    /// let want = [3.0f64.sqrt(), -1.0, -1.0, -1.0].map(|x| x / 6.0f64.sqrt());
    /// assert!(e.vector(3).iter().zip(want).all(|(u, w)| (u - w).abs() < 1e-12));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn vector(&self, r: usize) -> &[f64] {
        &self.vectors[r * self.n..(r + 1) * self.n]
    }
}

/// `y = (I + D^{-1/2} W D^{-1/2}) x` over the kept edges, stored as its own CSR matrix.
struct Operator {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl Operator {
    fn new<T: Real>(graph: &CsrGraph<T>, degrees: &[f64]) -> Self {
        let n = graph.n();
        let inv_sqrt_d: Vec<f64> = degrees.iter().map(|&d| 1.0 / Real::sqrt(d)).collect();
        let mut indptr = Vec::with_capacity(n + 1);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        indptr.push(0);
        for i in 0..n {
            for (j, w) in graph.row(i) {
                indices.push(j as u32);
                values.push(inv_sqrt_d[i] * w.as_f64() * inv_sqrt_d[j]);
            }
            indptr.push(indices.len());
        }
        Operator {
            indptr,
            indices,
            values,
        }
    }

    fn apply(&self, x: &[f64], y: &mut [f64]) {
        for (i, yi) in y.iter_mut().enumerate() {
            let r = self.indptr[i]..self.indptr[i + 1];
            let mut acc = 0.0;
            for (&j, &v) in self.indices[r.clone()].iter().zip(&self.values[r]) {
                acc += v * x[j as usize];
            }
            *yi = x[i] + acc;
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    Real::sqrt(dot(a, a))
}

/// Orthogonalises `x` against the unit vectors in `basis` (rows of length `n`) by classical
/// Gram–Schmidt applied twice; returns the remaining norm.
fn orthogonalise(x: &mut [f64], basis: &[f64], n: usize) {
    for _ in 0..2 {
        for b in basis.chunks_exact(n) {
            let c = dot(b, x);
            x.iter_mut().zip(b).for_each(|(xi, bi)| *xi -= c * bi);
        }
    }
}

/// Validates the graph for the Laplacian: symmetric (relative `1e-6`), connected, `n ≥ 2`;
/// returns the degrees.
fn laplacian_degrees<T: Real>(graph: &CsrGraph<T>) -> Result<Vec<f64>, Error> {
    let n = graph.n();
    if n < 2 {
        return Err(Error::Degenerate {
            reason: "the Laplacian spectrum needs at least two vertices",
        });
    }
    graph.check_symmetric(T::of_f64(1e-6))?;
    let degrees: Vec<f64> = (0..n)
        .map(|i| graph.row(i).map(|(_, w)| w.as_f64()).sum())
        .collect();
    if let Some(i) = degrees.iter().position(|&d| !(d > 0.0 && d.is_finite())) {
        return Err(crate::GraphError::IsolatedVertex { vertex: i }.into());
    }
    if crate::structure::components(graph).sizes.len() > 1 {
        return Err(Error::Degenerate {
            reason: "the graph is not connected (lay out each component separately)",
        });
    }
    Ok(degrees)
}

/// The `k` smallest eigenpairs of the normalised Laplacian `L_sym = I - D^{-1/2} W D^{-1/2}`
/// of the graph's kept edges (MATH.md §E.1), the first being the trivial pair
/// `(0, √d/‖√d‖)`.
///
/// The graph must be symmetric (relative tolerance `1e-6`), connected and have no isolated
/// vertex; `1 ≤ k ≤ n`.
///
/// Algorithm: with `M = D^{-1/2} W D^{-1/2}` the smallest eigenvalues `λ` of `L_sym = I - M`
/// are the largest eigenvalues `2 - λ` of `A = I + M`. The trivial pair is known in closed form
/// and deflated: every Krylov vector is kept orthogonal to it. Each restart builds the block
/// Krylov space `span{X, p(A)X, …, p(A)^{s-1}X}` of the current block `X` (`p` vectors, so that
/// eigenvalues of multiplicity up to `p` are found), orthonormalised by classical Gram–Schmidt
/// applied twice, does a Rayleigh–Ritz step with `A` and the dense Jacobi solver, and keeps
/// the `p` best Ritz vectors as the next block. `p(A)` is `A` in the first restart and then a
/// Chebyshev polynomial of degree [`EigenOptions::filter_degree`] that damps the unwanted part
/// of the spectrum located by the previous Ritz values. It stops when every wanted Ritz pair
/// has residual `‖L_sym u - λu‖ ≤ tol`. Graphs of at most [`DENSE_LIMIT`] vertices, and requests
/// for all but at most one of the nontrivial pairs (`k + 1 ≥ n`), are solved densely instead.
///
/// Everything is serial `f64` arithmetic in a fixed order from a seeded start block, so the
/// result is bit-identical for the same graph, options and seed on every target. Cost on
/// mnist70k (`k = 3`, `tol = 1e-8`): about 800 products with the operator and 3–4 s on one
/// core.
///
/// Errors: [`Error::Param`] for `k` or options (see [`EigenOptions`]; also named `block`, or
/// `k` with an automatic block, when the Krylov basis and its projected matrix would exceed
/// `isize::MAX` bytes, possible on 32-bit targets only), [`crate::GraphError::Asymmetric`],
/// [`crate::GraphError::IsolatedVertex`], [`Error::Degenerate`] for a disconnected graph or
/// `n < 2`, [`Error::NoConvergence`] after `max_restarts`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{laplacian_eigenpairs, EigenOptions}};
/// // the path 0 - 1 - 2: L_sym has eigenvalues 0, 1, 2
/// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
/// let e = laplacian_eigenpairs(&g, 3, &EigenOptions::default())?;
/// assert!(e.values.iter().zip([0.0, 1.0, 2.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn laplacian_eigenpairs<T: Real>(
    graph: &CsrGraph<T>,
    k: usize,
    options: &EigenOptions,
) -> Result<Eigenpairs, Error> {
    let n = graph.n();
    check_param("k", k as f64, k >= 1 && k <= n, "between 1 and n")?;
    options.check(n, false)?;
    let degrees = laplacian_degrees(graph)?;
    let mut u1: Vec<f64> = degrees.iter().map(|&d| Real::sqrt(d)).collect();
    let s = norm(&u1);
    u1.iter_mut().for_each(|x| *x /= s);
    let op = Operator::new(graph, &degrees);
    let want = k - 1;
    let (mut values, mut vectors) = (vec![0.0], u1.clone());
    let (mut matvecs, mut restarts, mut residual) = (0, 0, 0.0f64);
    // the dense path's pairs are measured below with the trivial one
    let dense_path = n <= DENSE_LIMIT || want + 2 >= n;
    if want > 0 {
        let found = if dense_path {
            dense(graph, &degrees, want)?
        } else {
            let f = krylov(&op, &u1, want, options)?;
            (matvecs, restarts) = (f.matvecs, f.restarts);
            (f.values, f.vectors, f.residual)
        };
        values.extend(found.0);
        vectors.extend(found.1);
        residual = found.2;
    }
    // the trivial pair's residual is rounding only, the dense path's pairs' nearly so: measure
    // them (the Krylov path measured its own pairs)
    let measured = if dense_path { values.len() } else { 1 };
    let mut y = vec![0.0; n];
    for (&lambda, u) in values.iter().zip(vectors.chunks_exact(n)).take(measured) {
        // the operator is A = 2I - L_sym: A u = (2 - λ) u for an eigenpair of L_sym
        op.apply(u, &mut y);
        let r = Real::sqrt(
            y.iter()
                .zip(u)
                .map(|(a, b)| (a - (2.0 - lambda) * b) * (a - (2.0 - lambda) * b))
                .sum::<f64>(),
        );
        residual = residual.max(r);
    }
    for v in vectors.chunks_exact_mut(n) {
        fix_sign(v);
    }
    Ok(Eigenpairs {
        n,
        values,
        vectors,
        degrees,
        matvecs,
        restarts,
        residual,
    })
}

/// Makes the first entry of largest magnitude positive.
fn fix_sign(v: &mut [f64]) {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    if v[best] < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

type Found = (Vec<f64>, Vec<f64>, f64);

/// Dense path: `L_sym` by Jacobi; the `want` smallest pairs after the first.
fn dense<T: Real>(graph: &CsrGraph<T>, degrees: &[f64], want: usize) -> Result<Found, Error> {
    let n = graph.n();
    let mut a = dense_sym_laplacian(graph, degrees);
    let (mut values, mut vectors) = (vec![0.0; n], vec![0.0; n * n]);
    symmetric_eigen(&mut a, n, &mut values, &mut vectors)?;
    Ok((
        values[1..=want].to_vec(),
        vectors[n..(want + 1) * n].to_vec(),
        0.0, // measured by the caller
    ))
}

/// Replaces `x1 = A x0` by `T_q((A - c)/e) x0` (three-term recurrence); returns the extra
/// matvecs.
fn chebyshev(
    op: &Operator,
    x0: &[f64],
    x1: &mut [f64],
    c: f64,
    e: f64,
    degree: usize,
    scratch: &mut [f64],
) -> usize {
    let n = x0.len();
    let (prev, cur) = scratch.split_at_mut(n);
    prev.copy_from_slice(x0);
    // T_1: (A x0 - c x0)/e
    for i in 0..n {
        cur[i] = (x1[i] - c * x0[i]) / e;
    }
    for _ in 1..degree {
        op.apply(cur, x1);
        for i in 0..n {
            let next = 2.0 * (x1[i] - c * cur[i]) / e - prev[i];
            prev[i] = cur[i];
            cur[i] = next;
        }
    }
    x1.copy_from_slice(cur);
    degree - 1
}

/// What [`krylov`] found.
struct Converged {
    values: Vec<f64>,
    vectors: Vec<f64>,
    residual: f64,
    matvecs: usize,
    restarts: usize,
}

/// Restarted block Krylov on `A = I + M` restricted to `u1⊥`; returns the `want` largest
/// pairs as `L_sym` pairs `(2 - θ, x)`, the largest residual, matvecs and restarts.
fn krylov(
    op: &Operator,
    u1: &[f64],
    want: usize,
    options: &EigenOptions,
) -> Result<Converged, Error> {
    let n = u1.len();
    let p = if options.block == 0 {
        want + 2
    } else {
        options.block.max(want)
    };
    let depth = if options.depth == 0 {
        (48 / p).max(4)
    } else {
        options.depth.max(2)
    };
    // the basis must fit in u1⊥ (dimension n - 1)
    let depth = depth.min((n - 1) / p).max(1);
    // p ≤ n - 1 (block < n, checked; want + 2 < n on this path) and depth ≤ (n - 1)/p, so
    // m ≤ n - 1; the byte sizes can still exceed isize::MAX on 32-bit targets
    let m = p * depth;
    let bytes = |rows: usize, cols: usize| {
        rows.checked_mul(cols)
            .and_then(|c| c.checked_mul(core::mem::size_of::<f64>()))
            .is_some_and(|b| b <= isize::MAX as usize)
    };
    if !(bytes(m + 1, n) && bytes(m, m)) {
        return Err(Error::Param {
            name: if options.block == 0 { "k" } else { "block" },
            value: m as f64,
            expected: "a Krylov basis (value: its max(block, k - 1)·depth vectors) whose n-vectors \
                       and square projection each fit in isize::MAX bytes",
        });
    }
    let mut basis = Vec::with_capacity((m + 1) * n); // u1 first, then the Krylov vectors
    let mut images = Vec::with_capacity(m * n); // A times each Krylov vector
    let mut x = vec![0.0; p * n];
    let mut rng = Pcg32::for_stream(options.seed, 0);
    x.iter_mut()
        .for_each(|v| *v = 2.0 * unit_f64(&mut rng) - 1.0);
    let mut matvecs = 0;
    let mut y = vec![0.0; n];
    let mut h = vec![0.0; m * m];
    let (mut theta, mut ritz) = (vec![0.0; m], vec![0.0; m * m]);
    let degree = options.filter_degree.max(1);
    let mut window: Option<(f64, f64)> = None;
    let mut cheb = vec![0.0; 2 * n];
    for restart in 0..options.max_restarts.max(1) {
        basis.clear();
        images.clear();
        basis.extend_from_slice(u1);
        // the block: X (first restart: random; then the Ritz vectors), then A·(previous block)
        let mut next: Vec<f64> = core::mem::take(&mut x);
        let mut filled = 0;
        while filled < m {
            for c in 0..p {
                let v = &mut next[c * n..(c + 1) * n];
                let before = norm(v);
                orthogonalise(v, &basis, n);
                let mut after = norm(v);
                if after.is_nan() || after <= 1e-10 * before || after == 0.0 {
                    // the Krylov space is (numerically) invariant: continue with a random vector
                    v.iter_mut()
                        .for_each(|t| *t = 2.0 * unit_f64(&mut rng) - 1.0);
                    orthogonalise(v, &basis, n);
                    after = norm(v);
                }
                v.iter_mut().for_each(|t| *t /= after);
                basis.extend_from_slice(v);
                op.apply(v, &mut y);
                matvecs += 1;
                images.extend_from_slice(&y);
                filled += 1;
            }
            // next block: the filter applied to the block just added (its images for q = 1)
            let start = (filled - p) * n;
            next.copy_from_slice(&images[start..start + p * n]);
            if let Some((c, e)) = window {
                for col in 0..p {
                    let (x0, x1) = (
                        &basis[n + start + col * n..n + start + (col + 1) * n],
                        &mut next[col * n..(col + 1) * n],
                    );
                    matvecs += chebyshev(op, x0, x1, c, e, degree, &mut cheb);
                }
            }
        }
        // Rayleigh–Ritz: H = Vᵀ A V
        let v = &basis[n..];
        for i in 0..m {
            for j in 0..=i {
                let hij = 0.5
                    * (dot(&v[i * n..(i + 1) * n], &images[j * n..(j + 1) * n])
                        + dot(&v[j * n..(j + 1) * n], &images[i * n..(i + 1) * n]));
                h[i * m + j] = hij;
                h[j * m + i] = hij;
            }
        }
        symmetric_eigen(&mut h, m, &mut theta, &mut ritz)?;
        if degree > 1 {
            // damp A's eigenvalues in [θ_min, θ_p] (the unwanted ones) with a Chebyshev
            // polynomial; Rayleigh–Ritz still uses A itself
            let (lo, hi) = (theta[0].max(0.0), theta[m - p]);
            if hi > lo {
                window = Some(((hi + lo) / 2.0, (hi - lo) / 2.0));
            }
        }
        // the p largest Ritz pairs, largest first: X = V Y, AX = (AV) Y
        x = vec![0.0; p * n];
        let mut worst = 0.0f64;
        for c in 0..p {
            let r = m - 1 - c;
            let yr = &ritz[r * m..(r + 1) * m];
            let xc = &mut x[c * n..(c + 1) * n];
            y.iter_mut().for_each(|t| *t = 0.0);
            for (j, &coef) in yr.iter().enumerate() {
                let (vj, aj) = (&v[j * n..(j + 1) * n], &images[j * n..(j + 1) * n]);
                for i in 0..n {
                    xc[i] += coef * vj[i];
                    y[i] += coef * aj[i];
                }
            }
            if c < want {
                let res = Real::sqrt(
                    y.iter()
                        .zip(xc.iter())
                        .map(|(a, b)| (a - theta[r] * b) * (a - theta[r] * b))
                        .sum::<f64>(),
                );
                worst = worst.max(res);
            }
        }
        if worst <= options.tol {
            let values = (0..want).map(|c| 2.0 - theta[m - 1 - c]).collect();
            x.truncate(want * n);
            for c in 0..want {
                let xc = &mut x[c * n..(c + 1) * n];
                let s = norm(xc);
                xc.iter_mut().for_each(|t| *t /= s);
            }
            return Ok(Converged {
                values,
                vectors: x,
                residual: worst,
                matvecs,
                restarts: restart + 1,
            });
        }
    }
    Err(Error::NoConvergence {
        what: "the block Krylov eigensolver",
    })
}
