use super::{Kernel, nonneg};
use crate::Real;
use crate::error::{Error, check_param};

/// The Cauchy kernel with offset, `w = 1/(ε_k + d2)` (contrastive-ne's `eps`), `g = -w`.
///
/// `ε_k = 1` is [`super::Cauchy`]; `ε_k = 0` is the inverse-square kernel `1/d2` that UMAP
/// implicitly uses as a negative-sampling (NEG) kernel (MATH.md §B.5). `w` may exceed 1, so
/// only the classifier quantities are defined; they use the closed forms of MATH.md §A.1:
/// `c_pos = -2s/(1 + s(ε_k + d2))`, `c_neg = 2/((ε_k + d2)(1 + s(ε_k + d2)))`. With `ε_k = 0`,
/// `value`, `ln_value` and `c_neg` are `+∞` and `g` is `-∞` at `d2 = 0`.
///
/// ```
/// use neighbor_embed::kernel::{Cauchy, Kernel, OffsetCauchy};
/// let k = OffsetCauchy::new(1.0_f64)?;
/// assert_eq!(k.c_neg(3.0, 0.5), Cauchy.c_neg(3.0, 0.5));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OffsetCauchy<T> {
    offset: T,
}

impl<T: Real> OffsetCauchy<T> {
    /// A kernel with offset `ε_k` (finite, `≥ 0`).
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, OffsetCauchy};
    /// // ε_k = 0 is allowed: the inverse-square kernel 1/d2, infinite at 0
    /// let k = OffsetCauchy::new(0.0_f64)?;
    /// assert_eq!((k.value(4.0), k.value(0.0)), (0.25, f64::INFINITY));
    /// assert!(OffsetCauchy::new(-0.1_f64).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(offset: T) -> Result<Self, Error> {
        check_param(
            "offset",
            offset,
            offset >= T::zero() && offset.is_finite(),
            "a finite number >= 0",
        )?;
        Ok(OffsetCauchy { offset })
    }
    /// The offset `ε_k`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, OffsetCauchy};
    /// let k = OffsetCauchy::new(0.5_f64)?;
    /// assert_eq!(k.offset(), 0.5);
    /// assert_eq!(k.value(0.0), 1.0 / k.offset()); // w(0) = 1/ε_k, above 1 here
    /// // the closed-form c_pos agrees with its definition 2g(1 - q)
    /// let (d2, s) = (1.5, 0.4);
    /// assert!((k.c_pos(d2, s) - 2.0 * k.g(d2) * (1.0 - k.q(d2, s))).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn offset(&self) -> T {
        self.offset
    }
}

impl<T: Real> Kernel<T> for OffsetCauchy<T> {
    #[inline]
    fn value(&self, d2: T) -> T {
        T::one() / (self.offset + nonneg(d2))
    }
    #[inline]
    fn ln_value(&self, d2: T) -> T {
        -(self.offset + nonneg(d2)).ln()
    }
    #[inline]
    fn g(&self, d2: T) -> T {
        -T::one() / (self.offset + nonneg(d2))
    }
    #[inline]
    fn c_pos(&self, d2: T, s: T) -> T {
        let v = self.offset + nonneg(d2);
        -T::two() * s / (T::one() + s * v)
    }
    #[inline]
    fn c_neg(&self, d2: T, s: T) -> T {
        let v = self.offset + nonneg(d2);
        T::two() / (v * (T::one() + s * v))
    }
}
