//! The closed-form expected update of UMAP's sampled SGD (MATH.md §C).
//!
//! Run umap-learn's epoch loop (§B.2) for `T` epochs on a *frozen* layout, adding every update
//! to an accumulator instead of moving points, with learning rate 1. Then the accumulator
//! divided by `T` tends to [`expected_update`]'s `E`:
//!
//! `E_i = (1/μ_max) [ Σ_{e: head_e = i} μ_e A(y_i, y_{t_e}) + [move_other] Σ_{e: tail_e = i} μ_e A(y_i, y_{h_e})
//!        + (m/n) d_i Σ_{k≠i} R(y_i, y_k) + [push_tail] (m/n) Σ_{l≠i} d_l R(y_i, y_l) ]`
//!
//! with `A(u, v) = clip(c_att(‖u-v‖²)(u - v))`, `R(u, v) = clip(c_rep(‖u-v‖²; γ, ε)(u - v))`,
//! both 0 when `u = v`, `clip` per coordinate, and `d_i` the (kept) out-degree. Any sampler can
//! be checked against it: this is what a Monte-Carlo estimate must converge to.
//!
//! **Corollary** (tested): with `push_tail`, no clip and `ε = 0`, on a symmetric graph,
//! `E = -(1/μ_max) ∇L_eff` ([`crate::loss::umap_effective_loss`]); without `push_tail` (what
//! umap-learn does) `E` is in general not a gradient field.

use crate::Real;
use crate::error::{Error, check_len, check_param};
use crate::graph::CsrGraph;
use crate::kernel::BceKernel;
use crate::layout::{Layout, sq_dist};

/// Options of UMAP's sampler that change its expected update. `Default` is umap-learn's `fit`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout};
/// use neighbor_embed::expected::{expected_update, SamplerOptions};
/// let fit = SamplerOptions::<f64>::default();
/// assert_eq!((fit.gamma, fit.eps, fit.m, fit.clip), (1.0, 0.001, 5.0, Some(4.0)));
/// assert!(fit.move_other && !fit.push_tail);
/// // attraction only (m = 0) with a fixed tail, as in umap-learn's `transform`
/// let options = SamplerOptions { m: 0.0, move_other: false, ..fit };
/// let g = CsrGraph::new(2, &[0, 1, 1], &[1], &[1.0])?; // the single edge 0 → 1
/// let y = Layout::new(&[0.0, 2.0], 1)?;
/// let (mut ws, mut e) = ([0.0; 2], [0.0; 2]);
/// expected_update(&g, &Umap::umap_learn_default(), &y, &options, &mut ws, &mut e)?;
/// assert!(e[0] > 0.0 && e[1] == 0.0); // the head moves towards the tail, the tail stays
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerOptions<T> {
    /// Repulsion strength `γ ≥ 0` (default 1).
    pub gamma: T,
    /// Repulsion regulariser `ε ≥ 0` in `c_rep`, in squared embedding units (default 0.001).
    pub eps: T,
    /// Negative samples per positive sample `m ≥ 0`, may be fractional (default 5).
    pub m: T,
    /// Attraction also moves the tail (default `true`; umap-learn's `transform` uses `false`).
    pub move_other: bool,
    /// Negative samples also push the sampled point (default `false`, as umap-learn; `true`
    /// makes the expected update a gradient, Damrich & Hamprecht 2021).
    pub push_tail: bool,
    /// Per-coordinate clip of each sample's `c·(y_i - y_j)`, before the learning rate
    /// (default `Some(4)`; `None` = no clipping).
    pub clip: Option<T>,
}

impl<T: Real> Default for SamplerOptions<T> {
    fn default() -> Self {
        SamplerOptions {
            gamma: T::one(),
            eps: T::of_f64(0.001),
            m: T::of_f64(5.0),
            move_other: true,
            push_tail: false,
            clip: Some(T::of_f64(4.0)),
        }
    }
}

impl<T: Real> SamplerOptions<T> {
    /// Validates every field (names the offending one).
    ///
    /// ```
    /// use neighbor_embed::{Error, expected::SamplerOptions};
    /// let fit = SamplerOptions::<f64>::default();
    /// assert_eq!(fit.check(), Ok(()));
    /// let bad = SamplerOptions { m: -1.0, ..fit };
    /// assert!(matches!(bad.check(), Err(Error::Param { name: "m", .. })));
    /// let bad = SamplerOptions { clip: Some(0.0), ..fit };
    /// assert!(matches!(bad.check(), Err(Error::Param { name: "clip", .. })));
    /// assert_eq!(SamplerOptions { clip: None, ..fit }.check(), Ok(())); // no clipping
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        let ok = |x: T| x >= T::zero() && x.is_finite();
        check_param("gamma", self.gamma, ok(self.gamma), "a finite number >= 0")?;
        check_param("eps", self.eps, ok(self.eps), "a finite number >= 0")?;
        check_param("m", self.m, ok(self.m), "a finite number >= 0")?;
        if let Some(c) = self.clip {
            check_param("clip", c, c > T::zero() && !c.is_nan(), "a number > 0")?;
        }
        Ok(())
    }

    /// `clip(x)` to `[-clip, clip]`, or `x` without clipping; NaN (an infinite coefficient
    /// times a zero difference) counts as no force.
    #[inline]
    pub(crate) fn clip(&self, x: T) -> T {
        let x = if x.is_nan() { T::zero() } else { x };
        match self.clip {
            Some(c) => x.max(-c).min(c),
            None => x,
        }
    }
}

/// Writes the expected per-epoch update `E` (`n × dim`) of UMAP's sampler on the frozen
/// `layout` into `out` (see the module docs), for any BCE kernel (umap-learn: [`crate::kernel::Umap`]).
///
/// The edge filter is the graph's: use [`CsrGraph::with_umap_filter`] for umap-learn's
/// `μ < μ_max/N` rule. `workspace` needs at least `n` entries (it receives the degrees).
/// Coincident points exert no force (umap-learn ≥ 0.5.4). O(nnz·dim + n²·dim).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout};
/// use neighbor_embed::expected::{expected_update, SamplerOptions};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
/// let y = Layout::new(&[0.0, 3.0], 1)?;
/// let (mut ws, mut e) = ([0.0; 2], [0.0; 2]);
/// expected_update(&g, &Umap::umap_learn_default(), &y, &SamplerOptions::default(), &mut ws, &mut e)?;
/// assert_eq!(e[0], -e[1]); // symmetric pair: equal and opposite
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn expected_update<T: Real, K: BceKernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    options: &SamplerOptions<T>,
    workspace: &mut [T],
    out: &mut [T],
) -> Result<(), Error> {
    crate::loss::check_inputs(graph, layout, None)?;
    options.check()?;
    let (n, dim) = (graph.n(), layout.dim());
    check_len("out", n * dim, out.len())?;
    let mu_max = graph.w_max();
    if mu_max <= T::zero() {
        return Err(Error::Degenerate {
            reason: "the graph has no edge of positive weight",
        });
    }
    let deg = crate::loss::degrees_in(graph, workspace)?;
    out.fill(T::zero());

    // Attraction: each kept edge at rate μ_e/μ_max.
    for (h, t, mu) in graph.edges() {
        if h == t || mu == T::zero() {
            continue;
        }
        let (yh, yt) = (layout.point(h), layout.point(t));
        let d2 = sq_dist(yh, yt);
        if d2 == T::zero() {
            continue;
        }
        let c = kernel.c_att(d2);
        if c == T::zero() {
            continue; // also keeps 0 · ∞ (overflowed displacements) out of the clip
        }
        for d in 0..dim {
            let a = mu * options.clip(c * (yh[d] - yt[d]));
            out[h * dim + d] += a;
            if options.move_other {
                out[t * dim + d] -= a;
            }
        }
    }

    // Repulsion: head i draws m d_i/μ_max negatives per epoch, each uniform over n points.
    let rate = options.m / T::of_usize(n);
    for i in 0..n {
        let yi = layout.point(i);
        for j in i + 1..n {
            let yj = layout.point(j);
            let d2 = sq_dist(yi, yj);
            if d2 == T::zero() {
                continue;
            }
            let (mut wi, mut wj) = (rate * deg[i], rate * deg[j]);
            if options.push_tail {
                (wi, wj) = (wi + rate * deg[j], wj + rate * deg[i]);
            }
            if wi == T::zero() && wj == T::zero() {
                continue;
            }
            let c = kernel.c_rep(d2, options.gamma, options.eps);
            if c == T::zero() {
                continue;
            }
            for d in 0..dim {
                let r = options.clip(c * (yi[d] - yj[d])); // R(y_i, y_j) = -R(y_j, y_i)
                out[i * dim + d] += crate::loss::weighted(wi, r);
                out[j * dim + d] -= crate::loss::weighted(wj, r);
            }
        }
    }
    for e in out.iter_mut() {
        *e /= mu_max;
    }
    Ok(())
}
