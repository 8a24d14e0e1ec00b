use super::{check_inputs, pair_sum, weighted};
use crate::Real;
use crate::error::{Error, check_positive};
use crate::graph::CsrGraph;
use crate::kernel::Kernel;
use crate::layout::Layout;

/// Exact t-SNE (van der Maaten & Hinton 2008; MATH.md §B.8): the objective
/// `ρ Σ_{i≠j} P_ij (-ln φ_ij) + ln Z + Σ P_ij ln P_ij` and its gradient
/// `∇_{y_i} = 4 Σ_{j≠i} (ρ P_ij - q_ij)(-g_ij)(y_i - y_j)` (for symmetric `P`; asymmetric `P`
/// is handled pair by pair), with `q_ij = φ_ij / Z`, `Z = Σ_{k≠l} φ_kl`.
///
/// With `exaggeration = ρ = 1` the value is `KL(P‖Q)`; `ρ > 1` is early exaggeration (the
/// returned value is then the exaggerated objective, whose gradient is the one written). The
/// graph holds `P`: its kept weights must sum to 1 (within `√ε` of the float type) and
/// self-loops are ignored. `φ` is any [`Kernel`] (Cauchy for t-SNE, Student-t for heavy tails).
/// `Z` is accumulated in the log domain, so far-apart layouts do not underflow to NaN; a `Z`
/// that is still 0 or infinite (every `ln φ` is `-∞`, or `+∞` from a kernel infinite at
/// distance 0, such as [`crate::kernel::OffsetCauchy`] with offset 0, on coincident points) is
/// [`Error::Degenerate`].
/// `grad` (`n × dim`) is overwritten when given. O(n²·dim).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout, loss::tsne_kl};
/// // Two points, P_01 = P_10 = 1/2: Q equals P whatever the distance, so KL = 0.
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5, 0.5])?;
/// let y = Layout::new(&[0.0f64, 2.0], 1)?;
/// let mut grad = [0.0; 2];
/// assert!(tsne_kl(&g, &Cauchy, &y, 1.0, Some(&mut grad))?.abs() < 1e-15);
/// assert!(grad[0].abs() < 1e-15);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn tsne_kl<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    exaggeration: T,
    grad: Option<&mut [T]>,
) -> Result<T, Error> {
    check_inputs(graph, layout, grad.as_deref())?;
    check_positive("exaggeration", exaggeration)?;
    let mut p_sum = T::zero();
    for (i, j, w) in graph.edges() {
        if i != j {
            p_sum += w;
        }
    }
    if (p_sum - T::one()).abs() > T::epsilon().sqrt() {
        return Err(Error::Param {
            name: "graph weights (P)",
            value: p_sum.as_f64(),
            expected: "off-diagonal weights summing to 1",
        });
    }
    if graph.n() < 2 {
        return Err(Error::Degenerate {
            reason: "Q needs at least 2 points",
        });
    }
    // ln Z by a streaming log-sum-exp over unordered pairs (each counts twice).
    let (n, mut max) = (graph.n(), T::neg_infinity());
    for i in 0..n {
        for j in i + 1..n {
            max = max.max(kernel.ln_value(layout.sq_dist(i, j)));
        }
    }
    if !max.is_finite() {
        return Err(Error::Degenerate {
            reason: "Z is 0 or infinite (every similarity underflows, or a kernel infinite at \
                     distance 0 meets coincident points)",
        });
    }
    let mut sum = T::zero();
    for i in 0..n {
        for j in i + 1..n {
            sum += (kernel.ln_value(layout.sq_dist(i, j)) - max).exp();
        }
    }
    let ln_z = max + (T::two() * sum).ln();
    let rho = exaggeration;
    let loss = pair_sum(graph, layout, grad, |_, _, p_ij, p_ji, d2| {
        let ln_phi = kernel.ln_value(d2);
        let q = (ln_phi - ln_z).exp();
        let p = p_ij + p_ji;
        let entropy = weighted(p_ij, p_ij.ln()) + weighted(p_ji, p_ji.ln());
        let loss = weighted(rho * p, -ln_phi) + entropy;
        let g = kernel.g(d2);
        let c = if g.is_finite() {
            T::two() * g * (rho * p - T::two() * q)
        } else {
            T::zero()
        };
        (loss, c)
    });
    Ok(loss + ln_z)
}
