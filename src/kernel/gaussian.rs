use super::{BceKernel, Kernel, nonneg};
use crate::Real;
use crate::error::{Error, check_positive};

/// The Gaussian kernel `w = exp(-β d2)`: `g = -β`, `h = β w/(1 - w)`.
///
/// ```
/// use neighbor_embed::kernel::{Gaussian, Kernel};
/// let k = Gaussian::new(0.5_f64)?;
/// assert!((k.value(2.0) - (-1.0_f64).exp()).abs() < 1e-16);
/// assert_eq!(k.g(2.0), -0.5);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian<T> {
    beta: T,
}

impl<T: Real> Gaussian<T> {
    /// A Gaussian kernel with precision `β` (finite, `> 0`).
    ///
    /// ```
    /// use neighbor_embed::kernel::{Gaussian, Kernel};
    /// let k = Gaussian::new(4.0_f64)?;
    /// assert!((k.value(0.25) - (-1.0_f64).exp()).abs() < 1e-16); // w(1/β) = 1/e
    /// assert!(Gaussian::new(-1.0_f64).is_err() && Gaussian::new(f64::NAN).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(beta: T) -> Result<Self, Error> {
        check_positive("beta", beta)?;
        Ok(Gaussian { beta })
    }
    /// The precision `β`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Gaussian, Kernel};
    /// let k = Gaussian::new(2.0_f64)?;
    /// assert_eq!(k.beta(), 2.0);
    /// // the log-slope is the same everywhere
    /// assert_eq!((k.g(0.0), k.g(5.0)), (-k.beta(), -k.beta()));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn beta(&self) -> T {
        self.beta
    }
}

impl<T: Real> Kernel<T> for Gaussian<T> {
    #[inline]
    fn value(&self, d2: T) -> T {
        (-self.beta * nonneg(d2)).exp()
    }
    #[inline]
    fn ln_value(&self, d2: T) -> T {
        -self.beta * nonneg(d2)
    }
    #[inline]
    fn g(&self, _d2: T) -> T {
        -self.beta
    }
}

impl<T: Real> BceKernel<T> for Gaussian<T> {
    #[inline]
    fn ln_1m_value(&self, d2: T) -> T {
        (-(-self.beta * nonneg(d2)).exp_m1()).ln()
    }
    #[inline]
    fn d2_h(&self, d2: T) -> T {
        // d2 h = x/(e^x - 1) with x = β d2; 1 at x = 0, 0 as x → ∞.
        let x = self.beta * nonneg(d2);
        if x == T::zero() {
            T::one()
        } else if x.is_infinite() {
            T::zero()
        } else {
            x / x.exp_m1()
        }
    }
}
