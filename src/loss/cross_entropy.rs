use super::{check_inputs, pair_sum, weighted};
use crate::Real;
use crate::error::Error;
use crate::graph::CsrGraph;
use crate::kernel::BceKernel;
use crate::layout::Layout;

/// UMAP's published loss, the fuzzy-set cross-entropy (MATH.md §B.1), and its gradient:
///
/// `L_CE = Σ_{i≠j} [ -μ_ij ln ν_ij - (1 - μ_ij) ln(1 - ν_ij) ]` (the `Y`-independent terms
/// dropped), `ν = kernel.value(d2)`, `μ_ij = 0` for non-edges. With the coefficient
/// `c_ij = μ_ij c_att + (1 - μ_ij) c_rep0` (γ = 1, ε = 0), `∇_{y_i} = -Σ_j (c_ij + c_ji)(y_i - y_j)`.
///
/// The weights must be memberships in `[0, 1]` ([`crate::GraphError::WeightAboveOne`]
/// otherwise). O(n²·dim); `grad` (`n × dim`) is overwritten when given.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout, loss::umap_cross_entropy};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
/// let y = Layout::new(&[0.0, 0.0, 1.0, 0.0], 2)?;
/// let k = Umap::umap_learn_default();
/// let mut grad = [0.0; 4];
/// let loss = umap_cross_entropy(&g, &k, &y, Some(&mut grad))?;
/// // Two ordered edges with μ = 1: 2·(-ln ν(1)) = 2 ln(1 + a).
/// assert!((loss - 2.0 * (1.0 + 1.5769434602697652f64).ln()).abs() < 1e-12);
/// assert!(grad[0] < 0.0 && grad[2] > 0.0); // descent pulls the points together
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn umap_cross_entropy<T: Real, K: BceKernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    grad: Option<&mut [T]>,
) -> Result<T, Error> {
    check_inputs(graph, layout, grad.as_deref())?;
    graph.check_memberships()?;
    let term = |mu: T, d2: T, neg_ln_nu: T, neg_ln_1m_nu: T| -> (T, T) {
        let one_m = T::one() - mu;
        let loss = weighted(mu, neg_ln_nu) + weighted(one_m, neg_ln_1m_nu);
        let c =
            weighted(mu, kernel.c_att(d2)) + weighted(one_m, kernel.c_rep(d2, T::one(), T::zero()));
        (loss, c)
    };
    Ok(pair_sum(graph, layout, grad, |_, _, mu_ij, mu_ji, d2| {
        let (a, b) = (-kernel.ln_value(d2), -kernel.ln_1m_value(d2));
        let (l1, c1) = term(mu_ij, d2, a, b);
        let (l2, c2) = term(mu_ji, d2, a, b);
        (l1 + l2, c1 + c2)
    }))
}
