use super::{BceKernel, Kernel, nonneg};
use crate::Real;

/// The Cauchy (t-SNE) kernel `w = 1/(1 + d2)`: `g = -w`, `h = 1/(d2 (1 + d2))`.
///
/// Equal to [`super::Umap`] with `a = b = 1` and to [`super::StudentT`] with one degree of
/// freedom.
///
/// ```
/// use neighbor_embed::kernel::{BceKernel, Cauchy, Kernel};
/// assert_eq!(Cauchy.value(1.0_f64), 0.5);
/// assert_eq!(Cauchy.c_att(1.0_f64), -1.0);
/// assert_eq!(Cauchy.c_rep(1.0_f64, 1.0, 0.0), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cauchy;

impl<T: Real> Kernel<T> for Cauchy {
    #[inline]
    fn value(&self, d2: T) -> T {
        T::one() / (T::one() + nonneg(d2))
    }
    #[inline]
    fn ln_value(&self, d2: T) -> T {
        -nonneg(d2).ln_1p()
    }
    #[inline]
    fn g(&self, d2: T) -> T {
        -T::one() / (T::one() + nonneg(d2))
    }
}

impl<T: Real> BceKernel<T> for Cauchy {
    #[inline]
    fn ln_1m_value(&self, d2: T) -> T {
        // 1 - w = d2/(1 + d2)
        let d2 = nonneg(d2);
        if d2 <= T::one() {
            d2.ln() - d2.ln_1p()
        } else {
            -(T::one() / d2).ln_1p()
        }
    }
    #[inline]
    fn d2_h(&self, d2: T) -> T {
        T::one() / (T::one() + nonneg(d2))
    }
}
