use super::{check_inputs, degrees_in, pair_sum, weighted};
use crate::Real;
use crate::error::{Error, check_len, check_param};
use crate::graph::CsrGraph;
use crate::kernel::BceKernel;
use crate::layout::Layout;

/// Parameters of UMAP's effective loss: repulsion strength `γ` and negative samples per
/// positive sample `m` (may be fractional). Defaults are umap-learn's: `γ = 1`, `m = 5`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout};
/// use neighbor_embed::loss::{EffectiveParams, umap_effective_loss};
/// # let w = [1.0, 0.3, 1.0, 0.6, 0.3, 0.6];
/// # let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &w)?; // a weighted triangle
/// let p = EffectiveParams { gamma: 2.0, m: 3.5 }; // m may be fractional
/// let loss = |c: &[f64], grad: Option<&mut [f64]>| {
///     let (k, y) = (Umap::umap_learn_default(), Layout::new(c, 2).unwrap());
///     umap_effective_loss(&g, &k, &y, &p, &mut [0.0; 3], grad).unwrap()
/// };
/// let (c, mut grad) = ([0.0, 0.0, 1.0, 0.2, 0.4, 1.5], [0.0; 6]);
/// assert!(loss(&c, Some(&mut grad)).is_finite());
/// // a central difference in the first coordinate of y_1
/// let (mut up, mut down, h) = (c, c, 1e-6);
/// (up[2], down[2]) = (c[2] + h, c[2] - h);
/// assert!((grad[2] - (loss(&up, None) - loss(&down, None)) / (2.0 * h)).abs() < 1e-7);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EffectiveParams<T> {
    /// Repulsion strength `γ ≥ 0` (umap-learn's `repulsion_strength`).
    pub gamma: T,
    /// Negative samples per positive sample `m ≥ 0` (umap-learn's `negative_sample_rate`).
    pub m: T,
}

impl<T: Real> Default for EffectiveParams<T> {
    fn default() -> Self {
        EffectiveParams {
            gamma: T::one(),
            m: T::of_f64(5.0),
        }
    }
}

impl<T: Real> EffectiveParams<T> {
    pub(crate) fn check(&self) -> Result<(), Error> {
        let ok = |x: T| x >= T::zero() && x.is_finite();
        check_param("gamma", self.gamma, ok(self.gamma), "a finite number >= 0")?;
        check_param("m", self.m, ok(self.m), "a finite number >= 0")
    }
}

/// UMAP's effective loss (Damrich & Hamprecht 2021; MATH.md §B.3), what UMAP's sampling
/// really optimises, and its gradient:
///
/// `L_eff = Σ_{i≠j} [ -μ_ij ln ν_ij - r_ij ln(1 - ν_ij) ]`, `r_ij = γ m (d_i + d_j)/(2n)`,
/// with `d_i` the (kept) degrees. The coefficient of an ordered pair is
/// `μ_ij c_att + r_ij c_rep0` (`c_rep0 = 2h`, no `ε`). Apply UMAP's edge filter with
/// [`CsrGraph::with_umap_filter`] first to get the degrees umap-learn's run sees.
///
/// `workspace` needs at least `n` entries (it receives the degrees). `grad` (`n × dim`) is
/// overwritten when given. O(n²·dim).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout};
/// use neighbor_embed::loss::{umap_effective_loss, EffectiveParams};
/// let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0, 1.0])?; // one edge, point 2 alone
/// let y = Layout::new(&[0.0f64, 0.0, 1.0, 0.0, 3.0, 0.0], 2)?;
/// let (mut ws, mut grad) = ([0.0; 3], [0.0; 6]);
/// let l = umap_effective_loss(&g, &Umap::umap_learn_default(), &y, &EffectiveParams::default(),
///                             &mut ws, Some(&mut grad))?;
/// assert!(l.is_finite() && grad[4] < 0.0); // point 2 is only repelled: descent moves it to +x
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn umap_effective_loss<T: Real, K: BceKernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    params: &EffectiveParams<T>,
    workspace: &mut [T],
    grad: Option<&mut [T]>,
) -> Result<T, Error> {
    check_inputs(graph, layout, grad.as_deref())?;
    params.check()?;
    let deg = degrees_in(graph, workspace)?;
    let scale = params.gamma * params.m / (T::two() * T::of_usize(graph.n()));
    Ok(pair_sum(graph, layout, grad, |i, j, mu_ij, mu_ji, d2| {
        let r = scale * (deg[i] + deg[j]); // r_ij = r_ji
        let mu = mu_ij + mu_ji;
        let loss =
            weighted(mu, -kernel.ln_value(d2)) + weighted(T::two() * r, -kernel.ln_1m_value(d2));
        let c = weighted(mu, kernel.c_att(d2))
            + weighted(T::two() * r, kernel.c_rep(d2, T::one(), T::zero()));
        (loss, c)
    }))
}

/// The effective target similarity `ν*_ij = μ_ij/(μ_ij + r_ij)` of every stored entry
/// (MATH.md §B.3), written into `out` (length `nnz`, in storage order; 0 for entries the
/// graph's threshold drops). Non-edges have `ν* = 0`.
///
/// `workspace` needs at least `n` entries.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, loss::{effective_targets, EffectiveParams}};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
/// let (mut ws, mut nu) = ([0.0; 2], [0.0; 2]);
/// effective_targets(&g, &EffectiveParams::default(), &mut ws, &mut nu)?;
/// // d = 1, r = 1·5·(1 + 1)/(2·2) = 2.5, ν* = 1/3.5
/// assert!((nu[0] - 1.0 / 3.5f64).abs() < 1e-15);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn effective_targets<T: Real>(
    graph: &CsrGraph<T>,
    params: &EffectiveParams<T>,
    workspace: &mut [T],
    out: &mut [T],
) -> Result<(), Error> {
    params.check()?;
    check_len("out", graph.nnz(), out.len())?;
    let deg = degrees_in(graph, workspace)?;
    let scale = params.gamma * params.m / (T::two() * T::of_usize(graph.n()));
    for i in 0..graph.n() {
        for p in graph.row_range(i) {
            let (j, w) = (graph.indices()[p] as usize, graph.weights()[p]);
            out[p] = if graph.keeps(w) && i != j && w > T::zero() {
                let mu = graph.weight(i, j); // duplicates: the pair's summed weight
                mu / (mu + scale * (deg[i] + deg[j]))
            } else {
                T::zero()
            };
        }
    }
    Ok(())
}
