//! Spectral distances of a connected graph (MATH.md §E.3, §E.4): effective resistance, raw and
//! corrected, and diffusion distance, from the eigenpairs of the normalised Laplacian
//! `L_sym = I - D^{-1/2} W D^{-1/2}`.
//!
//! See [`Spectrum`] for the formulas and the accuracy of truncated spectra.

use super::dense::{dense_sym_laplacian, symmetric_eigen};
use super::eigen::{EigenOptions, Eigenpairs, laplacian_eigenpairs};
use crate::Real;
use crate::error::{Error, check_len, check_param};
use crate::graph::CsrGraph;
use alloc::vec;
use alloc::vec::Vec;

/// Which effective resistance (MATH.md §E.3); `v_k(i,j)` as in [`Spectrum`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{Resistance, Spectrum}};
/// // the path 0 -(4)- 1 -(1)- 2: degrees 4, 5, 1
/// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[4.0f64, 4.0, 1.0, 1.0])?;
/// let s = Spectrum::dense(&g)?;
/// let r = |i, j, kind| s.resistance(i, j, kind).unwrap();
/// assert!((r(0, 1, Resistance::Raw) - 0.25).abs() < 1e-14); // one edge of weight w: 1/w
/// assert!((r(0, 2, Resistance::Raw) - 1.25).abs() < 1e-14); // in series: 1/4 + 1/1
/// // R̃_01 = R_01 - 1/d_0 - 1/d_1 + 2 w_01/(d_0 d_1) = 1/4 - 1/4 - 1/5 + 2/5
/// assert!((r(0, 1, Resistance::Corrected) - 0.2).abs() < 1e-14);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resistance {
    /// `R_ij = (e_i - e_j)ᵀ L⁺ (e_i - e_j) = Σ_{k≥2} v_k(i,j)²/λ_k` with `L = D - W`.
    Raw,
    /// von Luxburg's corrected ("amplified") resistance
    /// `R̃_ij = R_ij - 1/d_i - 1/d_j + 2w_ij/(d_i d_j) - w_ii/d_i² - w_jj/d_j²
    /// = Σ_{k≥2} (1 - λ_k)²/λ_k · v_k(i,j)²`, which removes the `1/d_i + 1/d_j` part that
    /// dominates `R` on kNN graphs. Always `≥ 0`.
    Corrected,
}

/// Whether the squared diffusion distance carries the factor `vol = Σ_i d_i` (MATH.md §E.4);
/// see [`Spectrum::diffusion_sq`] for non-integer `t`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, spectral::{Spectrum, VolScaling}};
/// // the 4-cycle 0 - 1 - 2 - 3 - 0: d_i = 2, vol = 8, π = 1/4
/// let g = CsrGraph::new(4, &[0, 2, 4, 6, 8], &[1, 3, 0, 2, 1, 3, 0, 2], &[1.0f64; 8])?;
/// let s = Spectrum::dense(&g)?;
/// // P[0] = (0, 1/2, 0, 1/2), P[1] = (1/2, 0, 1/2, 0): D_1² = 4·(1/2)²/(1/4) = 4
/// let scaled = s.diffusion_sq(0, 1, 1.0, VolScaling::Scaled)?;
/// let unscaled = s.diffusion_sq(0, 1, 1.0, VolScaling::Unscaled)?;
/// assert!((scaled - 4.0).abs() < 1e-14 && (unscaled - 0.5).abs() < 1e-14); // 4 / vol
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VolScaling {
    /// The definition `D_t(i,j)² = Σ_l (P^t[i,l] - P^t[j,l])²/π_l` with `P = D^{-1}W` and
    /// `π = d/vol`; spectrally `vol · Σ_{k≥2} (1 - λ_k)^{2t} v_k(i,j)²`.
    Scaled,
    /// The same without the factor `vol`, i.e. `Σ_l (P^t[i,l] - P^t[j,l])²/d_l`; with it,
    /// `R̃_ij = Σ_{s≥2} D_{s/2}(i,j)²` on a connected non-bipartite graph.
    Unscaled,
}

/// Eigenpairs of a connected graph's normalised Laplacian, prepared for spectral distances.
///
/// With `(λ_k, u_k)` the eigenpairs of `L_sym` (ascending, orthonormal `u_k`, `λ_1 = 0`) and
/// `v_k(i,j) = u_k[i]/√d_i - u_k[j]/√d_j`, every distance here is a weighted sum
/// `Σ_{k≥2} f(λ_k) v_k(i,j)²`:
///
/// | quantity | `f(λ)` |
/// |---|---|
/// | raw resistance `R` ([`Resistance::Raw`]) | `1/λ` |
/// | corrected resistance `R̃` ([`Resistance::Corrected`]) | `(1 - λ)²/λ` |
/// | squared diffusion distance `D_t²` ([`VolScaling::Scaled`]) | `vol·(1 - λ)^{2t}` (see [`Spectrum::diffusion_sq`]) |
///
/// A [`Spectrum`] holds either all `n` pairs ([`Spectrum::dense`], exact) or only the `K`
/// smallest ([`Spectrum::truncated`], [`Spectrum::from_eigenpairs`]), in which case the sums are
/// cut after `k = K`. The truncated values approach the exact ones from below as `K` grows (all
/// terms are `≥ 0`, except for `D_t²` with half-integer `t`; up to the eigensolver's tolerance). The omitted terms of the large
/// eigenvalues are not small for `R` (`1/λ ≥ 1/2`) nor for `R̃` (`(1-λ)²/λ → 1/2` as `λ → 2`),
/// nor for `D_t²` on (nearly) bipartite graphs (eigenvalues near 2 decay as slowly as those near
/// 0); truncation is accurate for `D_t²` at large `t` when the spectrum stays away from 2, and
/// captures the long-range (low-frequency) part of `R` and `R̃` otherwise.
///
/// Built by [`Spectrum::dense`] (all `n` pairs by Jacobi, exact up to rounding, for
/// `2 ≤ n ≤` [`Spectrum::DENSE_MAX_N`]) or by [`Spectrum::truncated`] /
/// [`Spectrum::from_eigenpairs`] (the `K` smallest pairs of [`laplacian_eigenpairs`], for large
/// graphs). It stores the eigenvalues, the degrees and the coordinates `u_k[i]/√d_i`
/// (`n·(K-1)` numbers, vertex-major, so that a pair query reads two contiguous rows).
///
/// ```
/// use neighbor_embed::graph::CsrGraph;
/// use neighbor_embed::spectral::{Resistance, Spectrum, VolScaling};
/// // the path 0 - 1 - 2 with unit weights: L_sym has eigenvalues 0, 1, 2
/// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
/// let s = Spectrum::dense(&g)?;
/// assert!((s.resistance(0, 2, Resistance::Raw)? - 2.0).abs() < 1e-14); // two unit resistors
/// // R̃_01 = R_01 - 1/d_0 - 1/d_1 + 2 w_01/(d_0 d_1) = 1 - 1 - 1/2 + 1
/// assert!((s.resistance(0, 1, Resistance::Corrected)? - 0.5).abs() < 1e-14);
/// // one random-walk step from 0 and from 1: P[0] = (0, 1, 0), P[1] = (1/2, 0, 1/2),
/// // π = (1/4, 1/2, 1/4): D_1² = 1 + 2 + 1
/// assert!((s.diffusion_sq(0, 1, 1.0, VolScaling::Scaled)? - 4.0).abs() < 1e-14);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrum {
    n: usize,
    /// Eigenvalues, ascending; `values[0]` is the trivial one.
    values: Vec<f64>,
    /// `coords[i*m + k - 1] = u_k[i]/√d_i` for the non-trivial pairs `k = 1..K` (0-based),
    /// `m = K - 1`.
    coords: Vec<f64>,
    degrees: Vec<f64>,
    vol: f64,
    exact: bool,
}

impl Spectrum {
    /// Largest graph accepted by [`Spectrum::dense`]. Jacobi costs about `3n³` flops a sweep
    /// (6–10 sweeps) and `2n²` `f64` of memory: about 0.7 s at `n = 400` and 7 s at `n = 800`
    /// on one core (measured), minutes and 67 MB at this limit.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::Spectrum, Error};
    /// // a path one vertex longer than the limit
    /// let n = Spectrum::DENSE_MAX_N + 1;
    /// # let (mut indptr, mut indices) = (vec![0u32], Vec::new());
    /// # for i in 0..n as u32 {
    /// #     indices.extend((i > 0).then(|| i - 1));
    /// #     indices.extend((i + 1 < n as u32).then_some(i + 1));
    /// #     indptr.push(indices.len() as u32);
    /// # }
    /// # let w = vec![1.0f64; indices.len()];
    /// let g = CsrGraph::new(n, &indptr, &indices, &w)?;
    /// // refused before any work
    /// assert!(matches!(Spectrum::dense(&g), Err(Error::Param { name: "n", .. })));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub const DENSE_MAX_N: usize = 2048;

    /// All `n` eigenpairs of `L_sym` of the graph's kept edges, by the dense Jacobi solver
    /// ([`symmetric_eigen`]); `O(n²)` memory, `O(n³)` time.
    ///
    /// The graph must have `2 ≤ n ≤` [`Spectrum::DENSE_MAX_N`] vertices, be symmetric up to the
    /// relative tolerance `1e-6` (the symmetric part of `D^{-1/2} W D^{-1/2}` is used), have no
    /// isolated vertex and be connected. Self-loops are allowed: `w_ii` counts once in `d_i`.
    ///
    /// Errors: [`Error::Degenerate`] for `n < 2`, a disconnected graph, a degree or volume
    /// that overflows `f64`, or a second eigenvalue `λ_2 ≤ 16·n·ε` (numerically disconnected:
    /// the distances would be rounding noise); [`Error::Param`] named `n` above the limit
    /// (checked before any work);
    /// [`crate::GraphError::Asymmetric`]; [`crate::GraphError::IsolatedVertex`] for a vertex
    /// of degree 0; [`Error::NoConvergence`] from the solver (not observed).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::Spectrum};
    /// // the triangle: L_sym has eigenvalues 0, 3/2, 3/2
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f64; 6])?;
    /// let s = Spectrum::dense(&g)?;
    /// assert!(s.is_exact() && s.pairs() == 3 && s.vol() == 6.0);
    /// assert!((s.values()[1] - 1.5).abs() < 1e-15 && (s.values()[2] - 1.5).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn dense<T: Real>(graph: &CsrGraph<'_, T>) -> Result<Spectrum, Error> {
        let n = graph.n();
        if n < 2 {
            return Err(Error::Degenerate {
                reason: "spectral distances need at least two vertices",
            });
        }
        check_param(
            "n",
            n as f64,
            n <= Self::DENSE_MAX_N,
            "at most Spectrum::DENSE_MAX_N = 2048 vertices for the dense decomposition \
             (use Spectrum::truncated)",
        )?;
        let degrees = checked_degrees(graph)?;
        let vol = volume(&degrees)?;
        let inv_sqrt_d: Vec<f64> = degrees.iter().map(|&d| 1.0 / Real::sqrt(d)).collect();
        let mut a = dense_sym_laplacian(graph, &degrees);
        let (mut values, mut vectors) = (vec![0.0; n], vec![0.0; n * n]);
        symmetric_eigen(&mut a, n, &mut values, &mut vectors)?;
        if values[1].is_nan() || values[1] <= 16.0 * n as f64 * f64::EPSILON {
            return Err(Error::Degenerate {
                reason: "the second Laplacian eigenvalue is at rounding level \
                         (the graph is numerically disconnected)",
            });
        }
        // the pairs k ≥ 1 (0-based), vertex-major and divided by √d_i, into a's storage
        let m = n - 1;
        a.truncate(n * m);
        for (i, row) in a.chunks_exact_mut(m).enumerate() {
            for (k, c) in row.iter_mut().enumerate() {
                *c = vectors[(k + 1) * n + i] * inv_sqrt_d[i];
            }
        }
        Ok(Spectrum {
            n,
            values,
            coords: a,
            degrees,
            vol,
            exact: true,
        })
    }

    /// The `k` smallest eigenpairs by [`laplacian_eigenpairs`] (whose requirements and errors
    /// apply: symmetric, connected, no isolated vertex, `1 ≤ k ≤ n`), then
    /// [`Spectrum::from_eigenpairs`]. The distances are truncated sums (see [`Spectrum`] on
    /// their accuracy); exact when `k = n`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{EigenOptions, Resistance, Spectrum}};
    /// // the path 0 - 1 - 2: the pair λ = 1 alone gives R_02 = 2 (λ = 2 has v(0,2) = 0)
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
    /// let s = Spectrum::truncated(&g, 2, &EigenOptions::default())?;
    /// assert!(!s.is_exact() && s.pairs() == 2);
    /// assert!((s.resistance(0, 2, Resistance::Raw)? - 2.0).abs() < 1e-12);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn truncated<T: Real>(
        graph: &CsrGraph<'_, T>,
        k: usize,
        options: &EigenOptions,
    ) -> Result<Spectrum, Error> {
        Self::from_eigenpairs(laplacian_eigenpairs(graph, k, options)?)
    }

    /// Takes the `K = pairs.len()` smallest eigenpairs of `L_sym`, as returned by
    /// [`laplacian_eigenpairs`]. Pair 0 must be the trivial pair (its eigenvalue within `1e-6`
    /// of 0); it contributes nothing (`u_1/√d` is constant) and is not stored. The result is
    /// exact ([`Spectrum::is_exact`]) when `K = n`.
    ///
    /// Errors ([`Eigenpairs`] has public fields, so they are all checked): [`Error::Degenerate`]
    /// for `n < 2` or `Σ d_i` overflowing `f64`; [`Error::BufferLength`] for `degrees` (not `n`) or `vectors` (not `K·n`);
    /// [`Error::Param`] named `values` when `K` is not in `1..=n`, `values[0]` is not within
    /// `1e-6` of 0, or another eigenvalue is outside `[2^-1022, 2 + 1e-6]`, named `degrees` for
    /// a degree that is not finite and `> 0`, named `vectors` for a non-finite entry or a
    /// coordinate `u_k[i]/√d_i` (`k ≥ 1`) of magnitude above `1e150` (`value`: the first bad
    /// position, in `values` or `vectors`).
    ///
    /// The ranges keep every formula free of `∞·0`: `L_sym`'s eigenvalues lie in `[0, 2]`
    /// (`1e-6` is left for the solver's tolerance, as for `values[0]`), and a normal
    /// (not subnormal) `λ` has a finite `1/λ`, so every factor `f(λ)` of the sums is finite;
    /// coordinates within `1e150` (true for unit eigenvectors when every `d_i ≥ 1e-300`) keep
    /// every `(u_k[i]/√d_i - u_k[j]/√d_j)²` finite.
    ///
    /// ```
    /// use neighbor_embed::graph::CsrGraph;
    /// use neighbor_embed::spectral::{laplacian_eigenpairs, EigenOptions, Spectrum};
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
    /// let pairs = laplacian_eigenpairs(&g, 3, &EigenOptions::default())?;
    /// let s = Spectrum::from_eigenpairs(pairs.clone())?;
    /// assert!(s.is_exact() && s.degrees() == &[1.0, 2.0, 1.0][..]);
    /// // an eigenvalue outside L_sym's spectrum [0, 2] is refused, naming its index
    /// let mut bad = pairs;
    /// bad.values[2] = 1e300;
    /// let err = Spectrum::from_eigenpairs(bad).unwrap_err();
    /// assert!(matches!(err, neighbor_embed::Error::Param { name: "values", value: 2.0, .. }));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn from_eigenpairs(pairs: Eigenpairs) -> Result<Spectrum, Error> {
        let Eigenpairs {
            n,
            values,
            vectors,
            degrees,
            ..
        } = pairs;
        if n < 2 {
            return Err(Error::Degenerate {
                reason: "spectral distances need at least two vertices",
            });
        }
        let k = values.len();
        check_param(
            "values",
            k as f64,
            (1..=n).contains(&k),
            "1 to n eigenvalues",
        )?;
        check_len("degrees", n, degrees.len())?;
        let kn = k.checked_mul(n).ok_or(Error::Param {
            name: "values",
            value: k as f64,
            expected: "K·n representable as usize",
        })?;
        check_len("vectors", kn, vectors.len())?;
        let bad = |name, position: usize, expected| Error::Param {
            name,
            value: position as f64,
            expected,
        };
        if values[0].is_nan() || values[0].abs() > 1e-6 {
            return Err(bad(
                "values",
                0,
                "values[0] within 1e-6 of 0: the trivial pair (value: the first bad position)",
            ));
        }
        if let Some(r) = values
            .iter()
            .skip(1)
            .position(|&l| !((MIN_EIGENVALUE..=MAX_EIGENVALUE).contains(&l)))
        {
            return Err(bad(
                "values",
                r + 1,
                "eigenvalues in [2^-1022, 2 + 1e-6] after the first: L_sym's spectrum is in \
                 [0, 2] (value: the first bad position)",
            ));
        }
        if let Some(i) = degrees.iter().position(|&d| !(d > 0.0 && d.is_finite())) {
            return Err(bad(
                "degrees",
                i,
                "finite degrees > 0 (value: the first bad position)",
            ));
        }
        if let Some(p) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(bad(
                "vectors",
                p,
                "finite entries (value: the first bad position)",
            ));
        }
        let vol = volume(&degrees)?;
        let m = k - 1;
        let mut coords = vec![0.0; n * m];
        if m > 0 {
            for (i, row) in coords.chunks_exact_mut(m).enumerate() {
                let s = 1.0 / Real::sqrt(degrees[i]);
                for (c, x) in row.iter_mut().enumerate() {
                    *x = vectors[(c + 1) * n + i] * s;
                    // finite factors, but a large entry over a tiny degree can overflow
                    if !x.is_finite() || x.abs() > MAX_COORD {
                        return Err(bad(
                            "vectors",
                            (c + 1) * n + i,
                            "coordinates u_k[i]/√d_i of magnitude <= 1e150, so that their \
                             squared differences are finite (value: the first bad position)",
                        ));
                    }
                }
            }
        }
        Ok(Spectrum {
            n,
            values,
            coords,
            degrees,
            vol,
            exact: k == n,
        })
    }

    /// Number of vertices.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{EigenOptions, Spectrum}};
    /// // the 4-cycle, truncated to its 2 smallest pairs
    /// let g = CsrGraph::new(4, &[0, 2, 4, 6, 8], &[1, 3, 0, 2, 1, 3, 0, 2], &[1.0f64; 8])?;
    /// let s = Spectrum::truncated(&g, 2, &EigenOptions::default())?;
    /// assert_eq!((s.n(), s.pairs(), s.degrees().len()), (4, 2, 4));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of eigenpairs `K`, the trivial one included (`n` when exact).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{EigenOptions, Resistance, Spectrum}};
    /// // the path 0 - 1 - 2 - 3 - 4: R_04 = 4
    /// let g = CsrGraph::new(5, &[0, 1, 3, 5, 7, 8], &[1, 0, 2, 1, 3, 2, 4, 3], &[1.0f64; 8])?;
    /// let mut last = 0.0;
    /// for k in 2..=5 {
    ///     let s = Spectrum::truncated(&g, k, &EigenOptions::default())?;
    ///     assert_eq!(s.pairs(), k);
    ///     let r = s.resistance(0, 4, Resistance::Raw)?;
    ///     assert!(r >= last - 1e-12); // truncated sums grow towards the exact value
    ///     last = r;
    /// }
    /// assert!((last - 4.0).abs() < 1e-12);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn pairs(&self) -> usize {
        self.values.len()
    }

    /// Whether all `n` pairs are present, so the distances are exact up to rounding.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{EigenOptions, Resistance, Spectrum}};
    /// // the triangle: R = 2/3 between any two vertices
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f64; 6])?;
    /// let options = EigenOptions::default();
    /// assert!(!Spectrum::truncated(&g, 2, &options)?.is_exact());
    /// let all = Spectrum::truncated(&g, 3, &options)?; // k = n
    /// assert!(all.is_exact());
    /// assert!((all.resistance(1, 2, Resistance::Raw)? - 2.0 / 3.0).abs() < 1e-14);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The `K` eigenvalues of `L_sym` (ascending, as the solvers return them); the first is
    /// the trivial eigenvalue (≈ 0).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::Spectrum};
    /// // the complete graph K4: L_sym has eigenvalues 0 and n/(n - 1) = 4/3 (three times)
    /// let g = CsrGraph::new(4, &[0, 3, 6, 9, 12], &[1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2], &[1.0f64; 12])?;
    /// let s = Spectrum::dense(&g)?;
    /// assert!(s.values()[0].abs() < 1e-15);
    /// assert!(s.values()[1..].iter().all(|&l| (l - 4.0 / 3.0).abs() < 1e-14));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The weighted degrees `d_i` (kept edges, self-loops counted once).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::Spectrum};
    /// // the triangle with a self-loop of weight 2 on vertex 0
    /// let w = [2.0f64, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    /// let g = CsrGraph::new(3, &[0, 3, 5, 7], &[0, 1, 2, 0, 2, 0, 1], &w)?;
    /// let s = Spectrum::dense(&g)?;
    /// assert_eq!(s.degrees(), &[4.0, 2.0, 2.0]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn degrees(&self) -> &[f64] {
        &self.degrees
    }

    /// The volume `vol = Σ_i d_i`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::Spectrum};
    /// // the path 0 -(2)- 1 -(3)- 2: each edge counts in both degrees
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[2.0f32, 2.0, 3.0, 3.0])?;
    /// let s = Spectrum::dense(&g)?;
    /// assert_eq!(s.vol(), 2.0 * (2.0 + 3.0));
    /// assert_eq!(s.vol(), s.degrees().iter().sum::<f64>());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn vol(&self) -> f64 {
        self.vol
    }

    /// Effective resistance between `i` and `j` (MATH.md §E.3): `Σ_{k≥2} f(λ_k) v_k(i,j)²`
    /// with `f = 1/λ` ([`Resistance::Raw`]) or `(1 - λ)²/λ` ([`Resistance::Corrected`]), over
    /// the stored pairs. Exactly `0` for `i = j` (returned without computing); symmetric in
    /// `i, j`.
    ///
    /// Errors: [`Error::PointIndex`] named `i` or `j` for an index `≥ n`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{Resistance, Spectrum}};
    /// // the triangle with unit weights: R = 2/3 (one resistor parallel to two in series),
    /// // R̃ = 2/3 - 1/2 - 1/2 + 2/4 = 1/6
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f64; 6])?;
    /// let s = Spectrum::dense(&g)?;
    /// assert!((s.resistance(0, 1, Resistance::Raw)? - 2.0 / 3.0).abs() < 1e-14);
    /// assert!((s.resistance(2, 0, Resistance::Corrected)? - 1.0 / 6.0).abs() < 1e-14);
    /// assert!(s.resistance(0, 3, Resistance::Raw).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn resistance(&self, i: usize, j: usize, kind: Resistance) -> Result<f64, Error> {
        self.check_pair(i, j)?;
        if i == j {
            return Ok(0.0);
        }
        Ok(self.pair_sum(i, j, |k| resistance_factor(self.values[k + 1], kind)))
    }

    /// Squared diffusion distance at time `t ≥ 0` (MATH.md §E.4):
    /// `D_t(i,j)² = vol · Σ_{k≥2} (1 - λ_k)^{2t} v_k(i,j)²` ([`VolScaling::Scaled`], equal to
    /// `Σ_l (P^t[i,l] - P^t[j,l])²/π_l` for integer `t`) or the same sum without `vol`
    /// ([`VolScaling::Unscaled`]). The distance itself is the square root. Exactly `0` for
    /// `i = j` (returned without computing, once `t` is checked).
    ///
    /// Powers of `1 - λ < 0` (eigenvalues `λ > 1`, present in most graphs) at a real exponent:
    /// - `2t` an **odd** integer (half-integer `t`): the signed power `(1 - λ)^{2t}`, which is
    ///   the spectral form of `vol·xᵀ P^{2t} D^{-1} x` with `x = e_i - e_j` and makes the
    ///   series `R̃ = Σ_{s≥2} D_{s/2}²` (unscaled, non-bipartite graph) hold. The result can then be **negative** (e.g.
    ///   `t = 1/2` gives `vol·(w_ii/d_i² + w_jj/d_j² - 2w_ij/(d_i d_j))`): it is a term of that
    ///   series, not a squared distance.
    /// - otherwise: `|1 - λ|^{2t} = ((1 - λ)²)^t`, i.e. `P^{2t}` read as `(P²)^t`, whose
    ///   spectrum is `≥ 0`; this equals the signed power for integer `t` and is a genuine
    ///   squared distance (`≥ 0`) for every such `t`.
    ///
    /// `t = 0` gives `vol·(1/d_i + 1/d_j)` for an exact spectrum (`P^0 = I`; `0^0 = 1`, so
    /// the value jumps at `t = 0` when `λ = 1` is an eigenvalue). For `0 < 2t < 1`,
    /// `λ ↦ |1 - λ|^{2t}` is only Hölder-continuous at `λ = 1`, so the rounding of eigenvalues
    /// near 1 (about `1e-16`) becomes an error of about `vol·(1e-16)^{2t}·(1/d_i + 1/d_j)`.
    /// An eigenvalue rounded above 2 has `|1 - λ| > 1`, whose power overflows at huge `t`: the
    /// factor is capped at `f64::MAX` (so a pair that no eigenvector separates still gets 0,
    /// not `∞·0`).
    ///
    /// Errors: [`Error::PointIndex`] named `i` or `j`; [`Error::Param`] named `t` unless `t` is
    /// finite and `≥ 0`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{Resistance, Spectrum, VolScaling}};
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f64; 6])?; // triangle
    /// let s = Spectrum::dense(&g)?;
    /// // t = 0: vol·(1/d_0 + 1/d_1) = 6·(1/2 + 1/2)
    /// assert!((s.diffusion_sq(0, 1, 0.0, VolScaling::Scaled)? - 6.0).abs() < 1e-13);
    /// // R̃ = Σ_{s≥2} D_{s/2}² (unscaled); here 1 - λ = -1/2 for both non-trivial pairs
    /// let series: f64 = (2..60)
    ///     .map(|k| s.diffusion_sq(0, 1, k as f64 / 2.0, VolScaling::Unscaled).unwrap())
    ///     .sum();
    /// let r = s.resistance(0, 1, Resistance::Corrected)?;
    /// assert!((series - r).abs() < 1e-14);
    /// assert!(s.diffusion_sq(0, 1, -1.0, VolScaling::Scaled).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn diffusion_sq(
        &self,
        i: usize,
        j: usize,
        t: f64,
        scaling: VolScaling,
    ) -> Result<f64, Error> {
        self.check_pair(i, j)?;
        let power = DiffusionPower::new(t)?;
        if i == j {
            return Ok(0.0);
        }
        let sum = self.pair_sum(i, j, |k| power.factor(self.values[k + 1]));
        Ok(self.scale(sum, scaling))
    }

    /// Every effective resistance into `out` (row-major `n × n`, symmetric, zero diagonal),
    /// as [`Spectrum::resistance`] would return them; `O(n²K/2)`.
    ///
    /// Errors: [`Error::BufferLength`] unless `out.len() = n²`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{Resistance, Spectrum}};
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?; // path
    /// let mut r = [0.0; 9];
    /// Spectrum::dense(&g)?.resistance_matrix(Resistance::Raw, &mut r)?;
    /// let want = [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0];
    /// assert!(r.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-14));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn resistance_matrix(&self, kind: Resistance, out: &mut [f64]) -> Result<(), Error> {
        self.check_matrix(out)?;
        let f: Vec<f64> = self.values[1..]
            .iter()
            .map(|&l| resistance_factor(l, kind))
            .collect();
        self.fill_matrix(&f, 1.0, out);
        Ok(())
    }

    /// Every squared diffusion distance at time `t` into `out` (row-major `n × n`, symmetric,
    /// zero diagonal), as [`Spectrum::diffusion_sq`] would return them; `O(n²K/2)`.
    ///
    /// Errors: [`Error::Param`] named `t` unless finite and `≥ 0`; [`Error::BufferLength`]
    /// unless `out.len() = n²`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, spectral::{Spectrum, VolScaling}};
    /// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?; // path
    /// let mut d = [0.0; 9];
    /// Spectrum::dense(&g)?.diffusion_matrix(1.0, VolScaling::Scaled, &mut d)?;
    /// // P[0] = P[2] = (0, 1, 0): the ends are at distance 0 after one step
    /// assert!(d[2].abs() < 1e-14 && (d[1] - 4.0).abs() < 1e-14);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn diffusion_matrix(
        &self,
        t: f64,
        scaling: VolScaling,
        out: &mut [f64],
    ) -> Result<(), Error> {
        let power = DiffusionPower::new(t)?;
        self.check_matrix(out)?;
        let f: Vec<f64> = self.values[1..].iter().map(|&l| power.factor(l)).collect();
        self.fill_matrix(&f, self.scale(1.0, scaling), out);
        Ok(())
    }

    fn scale(&self, sum: f64, scaling: VolScaling) -> f64 {
        match scaling {
            VolScaling::Scaled => self.vol * sum,
            VolScaling::Unscaled => sum,
        }
    }

    fn check_pair(&self, i: usize, j: usize) -> Result<(), Error> {
        for (name, index) in [("i", i), ("j", j)] {
            if index >= self.n {
                return Err(Error::PointIndex {
                    name,
                    position: 0,
                    index,
                    n: self.n,
                });
            }
        }
        Ok(())
    }

    fn check_matrix(&self, out: &[f64]) -> Result<(), Error> {
        let nn = self.n.checked_mul(self.n).ok_or(Error::Param {
            name: "out",
            value: self.n as f64,
            expected: "n² representable as usize",
        })?;
        check_len("out", nn, out.len())
    }

    /// `Σ_k f(k) (c_ik - c_jk)²` over the stored non-trivial pairs (`k` 0-based among them).
    fn pair_sum(&self, i: usize, j: usize, f: impl Fn(usize) -> f64) -> f64 {
        let m = self.values.len() - 1;
        let (ci, cj) = (
            &self.coords[i * m..(i + 1) * m],
            &self.coords[j * m..(j + 1) * m],
        );
        let mut sum = 0.0;
        for (k, (a, b)) in ci.iter().zip(cj).enumerate() {
            let d = a - b;
            sum += f(k) * (d * d);
        }
        sum
    }

    fn fill_matrix(&self, f: &[f64], scale: f64, out: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            out[i * n + i] = 0.0;
            for j in i + 1..n {
                let v = scale * self.pair_sum(i, j, |k| f[k]);
                out[i * n + j] = v;
                out[j * n + i] = v;
            }
        }
    }
}

/// Smallest non-trivial eigenvalue [`Spectrum::from_eigenpairs`] accepts: the smallest normal
/// `f64`, so that `1/λ` (at most `2^1022`) is finite.
const MIN_EIGENVALUE: f64 = f64::MIN_POSITIVE;

/// Largest eigenvalue [`Spectrum::from_eigenpairs`] accepts: `L_sym`'s spectrum lies in
/// `[0, 2]`; `1e-6` is left for the solver's tolerance, as for the trivial eigenvalue.
const MAX_EIGENVALUE: f64 = 2.0 + 1e-6;

/// Largest coordinate `|u_k[i]/√d_i|` [`Spectrum::from_eigenpairs`] accepts: squared
/// differences stay below `4e300`, so a sum of any number of them that fits in memory is finite.
const MAX_COORD: f64 = 1e150;

fn resistance_factor(lambda: f64, kind: Resistance) -> f64 {
    match kind {
        Resistance::Raw => 1.0 / lambda,
        Resistance::Corrected => {
            let b = 1.0 - lambda;
            b * b / lambda
        }
    }
}

/// `(1 - λ)^{2t}`: signed when `2t` is an odd integer, `|1 - λ|^{2t}` otherwise.
#[derive(Clone, Copy)]
struct DiffusionPower {
    exponent: f64,
    odd: bool,
}

impl DiffusionPower {
    fn new(t: f64) -> Result<Self, Error> {
        check_param("t", t, t >= 0.0 && t.is_finite(), "a finite number >= 0")?;
        let exponent = 2.0 * t;
        // every float ≥ 2^53 is an even integer, so `odd` is false there
        let odd =
            libm::floor(exponent) == exponent && libm::floor(0.5 * exponent) != 0.5 * exponent;
        Ok(DiffusionPower { exponent, odd })
    }

    fn factor(self, lambda: f64) -> f64 {
        let b = 1.0 - lambda;
        // libm pow(0, 0) = 1: P^0 = I. |b| ≤ 1 + 1e-6 for a valid spectrum, but above 1 a huge
        // exponent overflows: cap at f64::MAX (finite powers are unchanged) so that a factor
        // times a zero squared difference is 0, not NaN
        let magnitude = Real::powf(b.abs(), self.exponent).min(f64::MAX);
        if self.odd && b < 0.0 {
            -magnitude
        } else {
            magnitude
        }
    }
}

/// `vol = Σ d_i`, which must be finite.
fn volume(degrees: &[f64]) -> Result<f64, Error> {
    let vol: f64 = degrees.iter().sum();
    if vol.is_finite() {
        Ok(vol)
    } else {
        Err(Error::Degenerate {
            reason: "the volume Σ d_i overflows f64",
        })
    }
}

/// Symmetric (relative `1e-6`), no isolated vertex, connected; the degrees in `f64`.
fn checked_degrees<T: Real>(graph: &CsrGraph<'_, T>) -> Result<Vec<f64>, Error> {
    graph.check_symmetric(T::of_f64(1e-6))?;
    let degrees: Vec<f64> = (0..graph.n())
        .map(|i| graph.row(i).map(|(_, w)| w.as_f64()).sum())
        .collect();
    if let Some(vertex) = degrees.iter().position(|&d| d <= 0.0) {
        return Err(crate::GraphError::IsolatedVertex { vertex }.into());
    }
    if degrees.iter().any(|d| !d.is_finite()) {
        return Err(Error::Degenerate {
            reason: "a weighted degree overflows f64",
        });
    }
    if crate::structure::components(graph).sizes.len() > 1 {
        return Err(Error::Degenerate {
            reason: "the graph is not connected (resistances between components are infinite)",
        });
    }
    Ok(degrees)
}
