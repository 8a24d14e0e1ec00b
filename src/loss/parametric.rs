use super::{check_inputs, degrees_in, pair_sum, weighted};
use crate::Real;
use crate::error::{Error, check_param};
use crate::graph::CsrGraph;
use crate::kernel::BceKernel;
use crate::layout::Layout;

/// Parameters of Parametric UMAP's effective loss.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::loss::{EffectiveParams, ParametricParams};
/// use neighbor_embed::loss::{parametric_effective_loss, umap_effective_loss};
/// // a 4-cycle: every degree is d = 2, so in the large-batch limit r^P = γ m d_i d_k / D_tot
/// // equals UMAP's r = γ m (d_i + d_k)/(2n) (MATH.md §B.4)
/// let g = CsrGraph::new(4, &[0, 2, 4, 6, 8], &[1, 3, 0, 2, 1, 3, 0, 2], &[1.0; 8])?;
/// # let y = Layout::new(&[0.0f64, 0.0, 1.0, 0.1, 1.2, 1.3, -0.2, 0.9], 2)?;
/// let p = ParametricParams { gamma: 1.0, m: 5.0, batch_size: None };
/// let lp = parametric_effective_loss(&g, &Cauchy, &y, &p, &mut [0.0; 4], None)?;
/// let e = EffectiveParams { gamma: 1.0, m: 5.0 };
/// let le = umap_effective_loss(&g, &Cauchy, &y, &e, &mut [0.0; 4], None)?;
/// assert!(lp.is_finite() && (lp - le).abs() < 1e-12 * le);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParametricParams<T> {
    /// Repulsion strength `γ ≥ 0`.
    pub gamma: T,
    /// Negative samples per positive sample `m ≥ 0`.
    pub m: T,
    /// Edges per batch `B ≥ 1`; `None` is the large-batch limit `B → ∞`. umap-learn's default
    /// is `min(n, 1000)`.
    pub batch_size: Option<usize>,
}

impl<T: Real> Default for ParametricParams<T> {
    fn default() -> Self {
        ParametricParams {
            gamma: T::one(),
            m: T::of_f64(5.0),
            batch_size: Some(1000),
        }
    }
}

/// Parametric UMAP's effective loss (MATH.md §B.4) and its gradient with respect to the
/// embedding outputs:
///
/// `L_P = Σ_{i≠j} μ_ij (-ln ν_ij) + Σ_{i≠k} r^P_ik (-ln(1 - ν_ik))`,
/// `r^P_ik = γ m [ (1 - 1/B) d_i d_k / D_tot + μ_ik / B ]`.
///
/// The expected gradient of one batch of umap-learn ≤ 0.5.3's Parametric UMAP (mean over the
/// `B(1 + m)` cross-entropy terms, negatives = tails of the batch) is `∇L_P / ((1 + m) D_tot)`;
/// the log-argument clip at `1e-4` is ignored. Since umap-learn 0.5.4 each term of the
/// parametric loss is negative sampling's with `s = 1` and kernel `ν` (MATH.md §B.4 "version
/// trap"); with uniform negatives that is [`super::neg_loss`] with `Z̄ = n(n-1)/m`, while
/// Parametric UMAP draws its negatives from the batch's tails (degree-weighted), so the two
/// agree exactly only when every vertex has the same degree.
///
/// `workspace` needs at least `n` entries. `grad` (`n × dim`) is overwritten when given.
/// Errors: a graph without positive weight ([`Error::Degenerate`]), `batch_size = Some(0)`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout};
/// use neighbor_embed::loss::{parametric_effective_loss, ParametricParams};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
/// let y = Layout::new(&[0.0, 1.0], 1)?;
/// let mut ws = [0.0; 2];
/// let p = ParametricParams { batch_size: None, ..Default::default() };
/// let l = parametric_effective_loss(&g, &Umap::umap_learn_default(), &y, &p, &mut ws, None)?;
/// assert!(l > 0.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn parametric_effective_loss<T: Real, K: BceKernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    params: &ParametricParams<T>,
    workspace: &mut [T],
    grad: Option<&mut [T]>,
) -> Result<T, Error> {
    check_inputs(graph, layout, grad.as_deref())?;
    let ok = |x: T| x >= T::zero() && x.is_finite();
    check_param(
        "gamma",
        params.gamma,
        ok(params.gamma),
        "a finite number >= 0",
    )?;
    check_param("m", params.m, ok(params.m), "a finite number >= 0")?;
    let inv_b = match params.batch_size {
        None => T::zero(),
        Some(0) => {
            return Err(Error::Param {
                name: "batch_size",
                value: 0.0,
                expected: "at least 1",
            });
        }
        Some(b) => T::one() / T::of_usize(b),
    };
    let d_tot = super::check_total(graph)?;
    if d_tot <= T::zero() {
        return Err(Error::Degenerate {
            reason: "the graph has no edge of positive weight",
        });
    }
    let deg = degrees_in(graph, workspace)?;
    let gm = params.gamma * params.m;
    let r = |i: usize, k: usize, mu_ik: T| {
        gm * ((T::one() - inv_b) * (deg[i] * deg[k] / d_tot) + mu_ik * inv_b)
    };
    Ok(pair_sum(graph, layout, grad, |i, j, mu_ij, mu_ji, d2| {
        let (r_ij, r_ji) = (r(i, j, mu_ij), r(j, i, mu_ji));
        let (mu, rr) = (mu_ij + mu_ji, r_ij + r_ji);
        let loss = weighted(mu, -kernel.ln_value(d2)) + weighted(rr, -kernel.ln_1m_value(d2));
        let c =
            weighted(mu, kernel.c_att(d2)) + weighted(rr, kernel.c_rep(d2, T::one(), T::zero()));
        (loss, c)
    }))
}
