use crate::Real;
use crate::error::{Error, check_len, check_positive};
use crate::kernel::Kernel;
use crate::layout::Layout;

/// The InfoNCE loss of one positive pair `(head, tail)` with the given negatives (MATH.md
/// §B.6), and its gradient added into `grad_acc`:
///
/// `ℓ = -ln φ_ij + (1/ρ) ln S`, `S = φ_ij + Σ_t φ_{i k_t}`;
/// `∂ℓ/∂ln φ_ij = -1 + φ_ij/(ρS)`, `∂ℓ/∂ln φ_ik = φ_ik/(ρS)`, and each target `t` contributes
/// `(∂ℓ/∂ln φ_it)·2 g_it (y_i - y_t)` to `∇_{y_i}` and the opposite to `∇_{y_t}`.
///
/// `ρ = 1` is standard InfoNCE (van den Oord et al. 2018); contrastive-ne's spectrum uses
/// `ρ = 4^σ` (see [`super::spectrum::infonce_rho`]) and multiplies the loss by `τ = 0.5`, which
/// is not done here. A negative equal to `head` is kept in `S` (as a sampler that draws it
/// would); its gradient is 0. Computed in the log domain, so no `φ` underflow makes it NaN.
/// A target at distance 0 under a kernel that is infinite there ([`crate::kernel::OffsetCauchy`]
/// with offset 0) makes `S` infinite and the loss undefined: [`Error::Degenerate`].
///
/// `grad_acc` (`n × dim`) is **added to**, so a batch of pairs accumulates; pass `None` for the
/// value alone. Errors name the offending index. A very small `ρ` (e.g. `1e-320`, where `1/ρ`
/// overflows) makes the coefficients infinite: the gradient is then `±∞` along the axes where
/// a target's coordinate differs from the head's and 0 along the others, never NaN.
///
/// ```
/// use neighbor_embed::{kernel::Cauchy, layout::Layout, loss::infonce_pair};
/// let y = Layout::new(&[0.0, 1.0, 3.0], 1)?;
/// let mut g = [0.0; 3];
/// let l = infonce_pair(&Cauchy, &y, 0, 1, &[2], 1.0, Some(&mut g))?;
/// // φ01 = 1/2, φ02 = 1/10: ℓ = ln((1/2 + 1/10)/(1/2)) = ln 1.2
/// assert!((l - 1.2f64.ln()).abs() < 1e-15);
/// assert!((g[0] + g[1] + g[2]).abs() < 1e-15); // forces balance
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn infonce_pair<T: Real, K: Kernel<T>>(
    kernel: &K,
    layout: &Layout<T>,
    head: usize,
    tail: usize,
    negatives: &[u32],
    rho: T,
    grad_acc: Option<&mut [T]>,
) -> Result<T, Error> {
    let n = layout.n();
    let check_index = |name: &'static str, position: usize, index: usize| {
        if index < n {
            Ok(())
        } else {
            Err(Error::PointIndex {
                name,
                position,
                index,
                n,
            })
        }
    };
    check_index("head", 0, head)?;
    check_index("tail", 0, tail)?;
    for (p, &k) in negatives.iter().enumerate() {
        check_index("negatives", p, k as usize)?;
    }
    check_positive("rho", rho)?;
    if let Some(g) = grad_acc.as_deref() {
        check_len("grad_acc", n * layout.dim(), g.len())?;
    }

    let targets = || core::iter::once(tail).chain(negatives.iter().map(|&k| k as usize));
    // ln S by a streaming log-sum-exp over the targets.
    let mut max = T::neg_infinity();
    for t in targets() {
        max = max.max(kernel.ln_value(layout.sq_dist(head, t)));
    }
    let mut sum = T::zero();
    for t in targets() {
        sum += (kernel.ln_value(layout.sq_dist(head, t)) - max).exp();
    }
    if max == T::neg_infinity() {
        return Err(Error::Degenerate {
            reason: "every target's similarity underflows to 0",
        });
    }
    if max == T::infinity() {
        return Err(Error::Degenerate {
            reason: "a target coincides with the head under a kernel infinite at distance 0",
        });
    }
    let ln_s = max + sum.ln();
    let ln_phi_pos = kernel.ln_value(layout.sq_dist(head, tail));
    let loss = -ln_phi_pos + ln_s / rho;

    if let Some(g) = grad_acc {
        let dim = layout.dim();
        let yi = layout.point(head);
        for (slot, t) in targets().enumerate() {
            let d2 = layout.sq_dist(head, t);
            if d2 == T::zero() {
                continue;
            }
            let share = (kernel.ln_value(d2) - ln_s).exp() / rho;
            let dl = if slot == 0 { share - T::one() } else { share };
            let c = dl * T::two() * kernel.g(d2);
            let yt = layout.point(t);
            for d in 0..dim {
                let f = c * (yi[d] - yt[d]);
                // an infinite coefficient (a tiny ρ) times a zero difference: no force along
                // this axis
                if f.is_nan() {
                    continue;
                }
                g[head * dim + d] += f;
                g[t * dim + d] -= f;
            }
        }
    }
    Ok(loss)
}
