//! Loss values and closed-form gradients with respect to the layout (MATH.md §B).
//!
//! These are exact references, O(n²·dim) or O(nnz + n²·dim): they define what the fast
//! samplers estimate, and they are what finite differences and Monte-Carlo runs are checked
//! against. All sums run over **ordered** pairs `i ≠ j` (MATH.md §0), so a symmetric graph
//! counts each undirected edge twice.
//!
//! | function | loss | source |
//! |---|---|---|
//! | [`umap_cross_entropy`] | UMAP's published fuzzy-set cross-entropy `L_CE` (§B.1) | McInnes et al. 2018 |
//! | [`umap_effective_loss`], [`effective_targets`] | UMAP's effective loss `L_eff` and target `ν*` (§B.3) | Damrich & Hamprecht 2021 |
//! | [`parametric_effective_loss`] | Parametric UMAP's effective loss with the finite-batch term (§B.4) | Sainburg et al. 2021; Damrich & Hamprecht 2021 |
//! | [`neg_loss`] | negative sampling with a fixed normaliser `Z̄` (§B.5) | Damrich, Böhm, Hamprecht & Kobak 2023 |
//! | [`nce_loss`] | noise-contrastive estimation with a learnable `ln Z` (§B.5) | Gutmann & Hyvärinen 2010; Damrich et al. 2023 |
//! | [`infonce_pair`] | InfoNCE of one positive pair with given negatives (§B.6) | van den Oord et al. 2018; Damrich et al. 2023 |
//! | [`tsne_kl`] | exact t-SNE `KL(P‖Q)` with early exaggeration (§B.8) | van der Maaten & Hinton 2008 |
//!
//! [`spectrum`] maps between `Z̄`, the classifier constant `s`, contrastive-ne's `neg_spec` and
//! the position on the t-SNE ↔ UMAP spectrum.
//!
//! Every function validates its inputs and returns a typed [`Error`]; gradients are written
//! into caller buffers (`n × dim`, overwritten), scratch space is caller-provided, and nothing
//! allocates. Pairs of coincident points (`d2 = 0`) contribute no gradient (the direction is
//! undefined and the force of every attractive term tends to 0); where such a pair carries
//! repulsive weight the loss value is `+∞`, which is the mathematics, not an error. Self-loops
//! `(i, i)` are outside `Σ_{i≠j}` and contribute no pair term, but they do count in degrees
//! (as they do in a sampler's schedule).

mod classifier;
mod cross_entropy;
mod effective;
mod infonce;
mod parametric;
pub mod spectrum;
mod tsne;

pub use classifier::{NceParams, NceValue, NegParams, nce_loss, neg_loss};
pub use cross_entropy::umap_cross_entropy;
pub use effective::{EffectiveParams, effective_targets, umap_effective_loss};
pub use infonce::infonce_pair;
pub use parametric::{ParametricParams, parametric_effective_loss};
pub use tsne::tsne_kl;

use crate::Real;
use crate::error::{Error, check_len};
use crate::graph::CsrGraph;
use crate::layout::Layout;

/// Checks that the layout matches the graph and that an optional gradient buffer is `n × dim`.
pub(crate) fn check_inputs<T: Real>(
    graph: &CsrGraph<T>,
    layout: &Layout<T>,
    grad: Option<&[T]>,
) -> Result<(), Error> {
    layout.check_points(graph.n())?;
    if let Some(g) = grad {
        check_len("grad", graph.n() * layout.dim(), g.len())?;
    }
    Ok(())
}

/// Fills the first `n` entries of `workspace` with the degrees and returns them.
pub(crate) fn degrees_in<'w, T: Real>(
    graph: &CsrGraph<T>,
    workspace: &'w mut [T],
) -> Result<&'w [T], Error> {
    let n = graph.n();
    if workspace.len() < n {
        return Err(Error::BufferLength {
            name: "workspace",
            expected: n,
            found: workspace.len(),
        });
    }
    let d = &mut workspace[..n];
    graph.degrees_into(d)?;
    check_total(graph)?;
    Ok(d)
}

/// Checks that the total weight `D_tot` (and so every degree) is finite: weights so large that
/// their sum overflows the float type are rejected rather than turned into NaN.
pub(crate) fn check_total<T: Real>(graph: &CsrGraph<T>) -> Result<T, Error> {
    let d_tot = graph.d_tot();
    if d_tot.is_finite() {
        Ok(d_tot)
    } else {
        Err(Error::Degenerate {
            reason: "the sum of the graph's weights overflows the float type",
        })
    }
}

/// `weight · value` with `0 · ∞ = ∞ · 0 = 0` (a term of zero weight or zero value is absent).
#[inline]
pub(crate) fn weighted<T: Real>(weight: T, value: T) -> T {
    if weight == T::zero() || value == T::zero() {
        T::zero()
    } else {
        weight * value
    }
}

/// Visits every unordered pair `i < j` once, in order, with `(μ_ij, μ_ji, d2_ij)`.
///
/// `pair(i, j, μ_ij, μ_ji, d2)` returns the loss of both ordered pairs `(i, j)` and `(j, i)` and
/// the summed update coefficient `c = c_ij + c_ji` (MATH.md §0: `∇_{y_i} = -c (y_i - y_j)`,
/// `∇_{y_j} = +c (y_i - y_j)`). Returns the summed loss; if `grad` is given it is overwritten
/// with the gradient. Pairs with `d2 = 0` or `c = 0` add nothing to the gradient, and an axis
/// where `c (y_i - y_j)` is NaN (an infinite or NaN coefficient times a zero difference, e.g.
/// a repulsion at a subnormal `d2`) adds nothing along that axis: the gradient may be `±∞`
/// outside the guaranteed range, never NaN.
pub(crate) fn pair_sum<T: Real>(
    graph: &CsrGraph<T>,
    layout: &Layout<T>,
    mut grad: Option<&mut [T]>,
    mut pair: impl FnMut(usize, usize, T, T, T) -> (T, T),
) -> T {
    let (n, dim) = (layout.n(), layout.dim());
    if let Some(g) = grad.as_deref_mut() {
        g.fill(T::zero());
    }
    let mut loss = T::zero();
    for i in 0..n {
        let yi = layout.point(i);
        for j in i + 1..n {
            let yj = layout.point(j);
            let d2 = crate::layout::sq_dist(yi, yj);
            let (l, c) = pair(i, j, graph.weight(i, j), graph.weight(j, i), d2);
            loss += l;
            if let Some(g) = grad.as_deref_mut()
                && d2 > T::zero()
                && c != T::zero()
            {
                for d in 0..dim {
                    let f = c * (yi[d] - yj[d]);
                    // an infinite coefficient times a zero difference: no force along this axis
                    if f.is_nan() {
                        continue;
                    }
                    g[i * dim + d] -= f;
                    g[j * dim + d] += f;
                }
            }
        }
    }
    loss
}
