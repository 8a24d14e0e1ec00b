use super::{BceKernel, Kernel, nonneg};
use crate::Real;
use crate::error::{Error, check_positive};

/// The Student-t kernel with `α` degrees of freedom, `w = (1 + d2/α)^(-α)` (Kobak et al. 2019,
/// "heavy-tailed t-SNE"): `g = -1/(1 + d2/α)`, `h = w^(1+1/α)/(1 - w)`.
///
/// `α = 1` is [`super::Cauchy`]; `α → ∞` tends to `exp(-d2)`; `α < 1` gives heavier tails.
///
/// ```
/// use neighbor_embed::kernel::{Cauchy, Kernel, StudentT};
/// let t1 = StudentT::new(1.0_f64)?;
/// assert!((t1.value(2.5) - Cauchy.value(2.5_f64)).abs() < 1e-15);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StudentT<T> {
    dof: T,
}

impl<T: Real> StudentT<T> {
    /// A Student-t kernel with `dof = α` degrees of freedom (finite, `> 0`).
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, StudentT};
    /// // α → ∞ tends to exp(-d2): (1 + 1/α)^-α = e^-1 (1 + 1/(2α) + …)
    /// let k = StudentT::new(1e6_f64)?;
    /// assert!((k.value(1.0) - (-1.0_f64).exp()).abs() < 1e-6);
    /// assert!(StudentT::new(0.0_f64).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(dof: T) -> Result<Self, Error> {
        check_positive("dof", dof)?;
        Ok(StudentT { dof })
    }
    /// The degrees of freedom `α`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, StudentT};
    /// let k = StudentT::new(0.5_f64)?;
    /// assert_eq!(k.dof(), 0.5);
    /// // g = -1/(1 + d2/α): -1/2 at d2 = α
    /// assert_eq!(k.g(k.dof()), -0.5);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn dof(&self) -> T {
        self.dof
    }
}

impl<T: Real> Kernel<T> for StudentT<T> {
    #[inline]
    fn value(&self, d2: T) -> T {
        self.ln_value(d2).exp()
    }
    #[inline]
    fn ln_value(&self, d2: T) -> T {
        -self.dof * (nonneg(d2) / self.dof).ln_1p()
    }
    #[inline]
    fn g(&self, d2: T) -> T {
        -T::one() / (T::one() + nonneg(d2) / self.dof)
    }
}

impl<T: Real> BceKernel<T> for StudentT<T> {
    #[inline]
    fn ln_1m_value(&self, d2: T) -> T {
        (-self.ln_value(d2).exp_m1()).ln()
    }
    #[inline]
    fn d2_h(&self, d2: T) -> T {
        // d2 h = (d2/u) · w/(1 - w), u = 1 + d2/α; the limit at d2 = 0 is 1.
        let d2 = nonneg(d2);
        if d2 == T::zero() {
            return T::one();
        }
        let lw = self.ln_value(d2);
        let w = lw.exp();
        if w == T::zero() {
            return T::zero();
        }
        let one_minus_w = -lw.exp_m1();
        if one_minus_w == T::zero() {
            return T::one();
        }
        let a = self.dof;
        let d2_over_u = if d2 <= a {
            d2 / (T::one() + d2 / a)
        } else {
            a / (a / d2 + T::one())
        };
        d2_over_u / one_minus_w * w
    }
}
