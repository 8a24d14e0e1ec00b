use super::{check_inputs, pair_sum, weighted};
use crate::Real;
use crate::error::{Error, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::kernel::Kernel;
use crate::layout::Layout;

/// Parameters of negative sampling with a fixed normaliser (MATH.md §B.5).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::loss::{NegParams, neg_loss, spectrum};
/// // the path 0 - 1 - 2 in the plane, at the t-SNE end of the spectrum
/// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0; 4])?;
/// let y = Layout::new(&[0.0, 0.0, 1.0, 0.5, 2.5, -0.3], 2)?;
/// let p = NegParams { z_bar: spectrum::z_bar_tsne_end(3)?, m: 5.0 };
/// let mut grad = [0.0; 6];
/// let l = neg_loss(&g, &Cauchy, &y, &p, Some(&mut grad))?;
/// // the loss depends on distances only: the gradient sums to 0 in each coordinate
/// let (gx, gy) = (grad[0] + grad[2] + grad[4], grad[1] + grad[3] + grad[5]);
/// assert!(l.is_finite() && gx.abs() < 1e-12 && gy.abs() < 1e-12);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NegParams<T> {
    /// The fixed normaliser `Z̄ > 0`; `n(n-1)/m` is standard negative sampling (`s = 1`, the
    /// UMAP end), about `100 n` the t-SNE end (see [`super::spectrum`]).
    pub z_bar: T,
    /// Noise samples per data sample `m > 0`.
    pub m: T,
}

/// Parameters of noise-contrastive estimation with a learnable normaliser `Z = e^θ`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::StudentT, layout::Layout};
/// use neighbor_embed::loss::{NceParams, nce_loss};
/// # let g = CsrGraph::new(4, &[0, 1, 3, 5, 6], &[1, 0, 2, 1, 3, 2], &[1.0; 6])?;
/// # let y = Layout::new(&[0.0, 0.4, 1.1, 3.0], 1)?;
/// // a path of 4 points on a line, heavy-tailed kernel
/// let k = StudentT::new(0.5)?;
/// let at = |ln_z: f64| nce_loss(&g, &k, &y, &NceParams { ln_z, m: 2.0 }, None);
/// // d_ln_z is ∂L/∂θ: a central difference in θ = ln Z agrees
/// let (v, h) = (at(0.3)?, 1e-5);
/// let fd = (at(0.3 + h)?.loss - at(0.3 - h)?.loss) / (2.0 * h);
/// assert!(v.loss.is_finite() && (v.d_ln_z - fd).abs() < 1e-8);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NceParams<T> {
    /// `θ = ln Z` (finite).
    pub ln_z: T,
    /// Noise samples per data sample `m > 0`.
    pub m: T,
}

/// Value of the NCE loss and its derivative with respect to `θ = ln Z`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::loss::{NceParams, NegParams, nce_loss, neg_loss};
/// # let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0, 0.5, 1.0, 0.5])?;
/// # let y = Layout::new(&[0.0, 0.0, 0.8, 0.1, -0.5, 1.2], 2)?;
/// let v = nce_loss(&g, &Cauchy, &y, &NceParams { ln_z: 1.5, m: 3.0 }, None)?;
/// // at a fixed θ, the NCE loss is negative sampling's with Z̄ = e^θ
/// let neg = neg_loss(&g, &Cauchy, &y, &NegParams { z_bar: 1.5f64.exp(), m: 3.0 }, None)?;
/// assert!((v.loss - neg).abs() < 1e-12 * neg);
/// // Σ p (1 - q) ∈ [0, 1] and m Σ ξ q ∈ [0, m]: so -m < ∂L/∂θ < 1
/// assert!(-3.0 < v.d_ln_z && v.d_ln_z < 1.0);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NceValue<T> {
    /// The population loss.
    pub loss: T,
    /// `∂L/∂θ = Σ p_ij (1 - q_ij) - m Σ ξ q_ij`.
    pub d_ln_z: T,
}

/// The population loss of negative sampling with fixed `Z̄` (Damrich, Böhm, Hamprecht & Kobak
/// 2023; MATH.md §B.5) and its gradient:
///
/// `L = -Σ_{i≠j} p_ij ln q_ij - m Σ_{i≠j} ξ ln(1 - q_ij)`, `q = φ/(φ + s)`, `s = m ξ Z̄`,
/// `p_ij = w_ij / D_tot`, `ξ = 1/(n(n-1))` (uniform noise over ordered pairs).
///
/// The coefficient of an ordered pair is `p c_pos + m ξ c_neg` (MATH.md §A.1). Any
/// [`Kernel`] can be `φ`: [`crate::kernel::Cauchy`] gives Neg-t-SNE, the UMAP kernel with
/// `s = 1` has the per-pair terms of ≥ 0.5.4 Parametric UMAP (which draws its negatives from the
/// batch's tails, degree-weighted, rather than uniformly: see
/// [`super::parametric_effective_loss`]). `grad` (`n × dim`) is overwritten when given.
/// Errors: `n < 2`, a graph without positive weight, `Z̄` or `m` not finite and `> 0`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::loss::{neg_loss, NegParams};
/// let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0, 1.0])?;
/// let y = Layout::new(&[0.0f64, 1.0, 5.0], 1)?;
/// let mut grad = [0.0; 3];
/// let l = neg_loss(&g, &Cauchy, &y, &NegParams { z_bar: 6.0 / 5.0, m: 5.0 }, Some(&mut grad))?;
/// assert!(l.is_finite() && grad[2] < 0.0); // the lone point 2 is pushed away (to +x)
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn neg_loss<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    params: &NegParams<T>,
    grad: Option<&mut [T]>,
) -> Result<T, Error> {
    let pos = |x: T| x > T::zero() && x.is_finite();
    check_param(
        "z_bar",
        params.z_bar,
        pos(params.z_bar),
        "a finite number > 0",
    )?;
    check_param("m", params.m, pos(params.m), "a finite number > 0")?;
    let ln_noise = ln_noise_mass(graph.n(), params.m)?;
    Ok(population(
        graph,
        kernel,
        layout,
        ln_noise + params.z_bar.ln(),
        params.m,
        grad,
    )?
    .0)
}

/// The population loss of NCE with learnable `Z = e^θ` (Gutmann & Hyvärinen 2010; MATH.md
/// §B.5), its gradient w.r.t. the layout, and `∂L/∂θ`: the loss of [`neg_loss`] with
/// `s = m ξ e^θ`, and `∂L/∂θ = Σ p (1 - q) - m Σ ξ q`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::loss::{nce_loss, NceParams};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
/// let y = Layout::new(&[0.0f64, 1.0], 1)?;
/// let v = nce_loss(&g, &Cauchy, &y, &NceParams { ln_z: 0.0, m: 1.0 }, None)?;
/// // One pair at φ = 1/2, ξ = 1/2, s = 1/2: q = 1/2, ∂L/∂θ = 1·(1/2) - 1·(1/2) = 0.
/// assert!(v.d_ln_z.abs() < 1e-15);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn nce_loss<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    params: &NceParams<T>,
    grad: Option<&mut [T]>,
) -> Result<NceValue<T>, Error> {
    check_param(
        "ln_z",
        params.ln_z,
        params.ln_z.is_finite(),
        "a finite number",
    )?;
    check_positive("m", params.m)?;
    let ln_noise = ln_noise_mass(graph.n(), params.m)?;
    let (loss, d_ln_s) = population(
        graph,
        kernel,
        layout,
        ln_noise + params.ln_z,
        params.m,
        grad,
    )?;
    Ok(NceValue {
        loss,
        d_ln_z: d_ln_s,
    })
}

/// `ln(m ξ) = ln m - ln(n(n-1))`; requires `n ≥ 2`.
fn ln_noise_mass<T: Real>(n: usize, m: T) -> Result<T, Error> {
    if n < 2 {
        return Err(Error::Degenerate {
            reason: "the noise distribution over ordered pairs needs at least 2 points",
        });
    }
    let pairs = T::of_usize(n) * T::of_usize(n - 1);
    Ok(m.ln() - pairs.ln())
}

/// The classifier population loss for `ln s`, and `∂L/∂ln s`.
fn population<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &Layout<T>,
    ln_s: T,
    m: T,
    grad: Option<&mut [T]>,
) -> Result<(T, T), Error> {
    check_inputs(graph, layout, grad.as_deref())?;
    let d_tot = super::check_total(graph)?;
    if d_tot <= T::zero() {
        return Err(Error::Degenerate {
            reason: "the graph has no edge of positive weight",
        });
    }
    let n = T::of_usize(graph.n());
    let noise = m / (n * (n - T::one())); // m ξ
    let s = ln_s.exp();
    let mut d_ln_s = T::zero();
    let loss = pair_sum(graph, layout, grad, |_, _, mu_ij, mu_ji, d2| {
        let p = (mu_ij + mu_ji) / d_tot; // both ordered pairs share d2
        let q = kernel.q(d2, s);
        d_ln_s += weighted(p, T::one() - q) - T::two() * noise * q;
        let loss =
            weighted(p, kernel.neg_ln_q(d2, s)) + T::two() * noise * kernel.neg_ln_1m_q(d2, s);
        let c = weighted(p, kernel.c_pos(d2, s)) + T::two() * noise * kernel.c_neg(d2, s);
        (loss, c)
    });
    Ok((loss, d_ln_s))
}
