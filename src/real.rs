//! The floating-point types the crate computes in, and its private math shim.
//!
//! [`Real`] is implemented for `f32` and `f64` only (it is sealed). Besides the basic IEEE-754
//! operations inherited from [`num_traits::float::FloatCore`], it offers the few transcendental
//! functions the crate needs, and those always come from [`libm`], whatever features are on.
//! This is deliberate (MATH.md §0): `num-traits` with its `std` feature, or the inherent `f64`
//! methods of `std`, would call the platform's math library, whose last-bit results differ
//! between targets. Taking every `exp`, `ln`, `powf` and `sqrt` from `libm` makes a computation
//! give the same bits on x86_64, WASM and a Cortex-M. (A `clippy.toml` bans the inherent
//! methods inside the crate.)
//!
//! `f64` is the reference precision; `f32` is supported everywhere for speed and memory.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};
use num_traits::float::FloatCore;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the crate computes in: `f32` or `f64`.
///
/// The transcendental methods are thin wrappers over [`libm`] so results do not depend on the
/// platform's math library. Everything else is IEEE-754 basic arithmetic, which Rust never
/// contracts into fused multiply-adds, so results are bit-identical across targets.
///
/// ```
/// use neighbor_embed::Real;
/// fn softplus<T: Real>(x: T) -> T { x.max(T::zero()) + (-x.abs()).exp().ln_1p() }
/// assert!((softplus(0.0_f64) - core::f64::consts::LN_2).abs() < 1e-15);
/// assert_eq!(softplus(1000.0_f32), 1000.0);
/// ```
pub trait Real:
    FloatCore
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + 'static
    + sealed::Sealed
{
    /// Converts an `f64` to this type (rounding to nearest for `f32`).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// assert_eq!(<f64 as Real>::of_f64(0.1), 0.1);
    /// // 2^24 + 1 has no f32: the tie goes to the even neighbour 2^24
    /// assert_eq!(<f32 as Real>::of_f64(16_777_217.0), 16_777_216.0);
    /// assert_eq!(<f32 as Real>::of_f64(1e300), f32::INFINITY);
    /// ```
    fn of_f64(x: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// // the f32 nearest to 0.1, widened without rounding
    /// assert_eq!(0.1_f32.as_f64(), 0.100000001490116119384765625);
    /// assert_eq!(<f32 as Real>::of_f64(0.1_f32.as_f64()), 0.1_f32);
    /// ```
    fn as_f64(self) -> f64;
    /// Converts a count or index to this type: exact up to `2^53` (`f64`) or `2^24` (`f32`);
    /// above, rounded to `f64` first, then to the type.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// fn mean<T: Real>(xs: &[T]) -> T {
    ///     xs.iter().copied().sum::<T>() / T::of_usize(xs.len())
    /// }
    /// assert_eq!(mean(&[1.0_f32, 2.0, 4.0, 5.0]), 3.0);
    /// assert_eq!(<f64 as Real>::of_usize(1 << 53), 9_007_199_254_740_992.0);
    /// ```
    fn of_usize(x: usize) -> Self {
        Self::of_f64(x as f64)
    }
    /// `e^x` (libm).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// assert_eq!(Real::exp(0.0_f64), 1.0);
    /// let e = core::f64::consts::E;
    /// assert!((Real::exp(1.0_f64) - e).abs() <= e * f64::EPSILON);
    /// assert_eq!((Real::exp(-1000.0_f64), Real::exp(1000.0_f64)), (0.0, f64::INFINITY));
    /// ```
    fn exp(self) -> Self;
    /// `e^x - 1`, accurate near 0 (libm).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// let x = 1e-10_f64;
    /// let series = x + x * x / 2.0; // e^x - 1 to within x³/6
    /// assert!((Real::exp_m1(x) / series - 1.0).abs() < 1e-15);
    /// // e^x - 1 by subtraction keeps only the few bits of x left in 1 + x
    /// assert!((Real::exp(x) - 1.0 - series).abs() > series * 1e-9);
    /// ```
    fn exp_m1(self) -> Self;
    /// Natural logarithm (libm); `ln(0) = -∞`, negative input gives NaN.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// assert!((Real::ln(2.0_f64) - core::f64::consts::LN_2).abs() < 1e-15);
    /// assert_eq!(Real::ln(1.0_f32), 0.0);
    /// assert_eq!(Real::ln(0.0_f64), f64::NEG_INFINITY);
    /// assert!(Real::ln(-1.0_f64).is_nan());
    /// ```
    fn ln(self) -> Self;
    /// `ln(1 + x)`, accurate near 0 (libm).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// let x = 1e-20_f64;
    /// assert_eq!(Real::ln_1p(x), x); // ln(1 + x) = x - x²/2 + …
    /// assert_eq!(Real::ln(1.0 + x), 0.0); // 1 + x rounds to 1
    /// assert!((Real::ln_1p(1.0_f64) - core::f64::consts::LN_2).abs() < 1e-15);
    /// ```
    fn ln_1p(self) -> Self;
    /// `self^y` (libm).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// assert_eq!(Real::powf(2.0_f64, 10.0), 1024.0);
    /// assert_eq!(Real::powf(0.25_f32, -0.5), 2.0);
    /// assert_eq!(Real::powf(0.0_f64, -1.0), f64::INFINITY);
    /// assert!(Real::powf(-8.0_f64, 1.0 / 3.0).is_nan()); // no real power of a negative base
    /// ```
    fn powf(self, y: Self) -> Self;
    /// Square root (libm; correctly rounded).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// // correctly rounded: exactly the constants, which are √2 rounded to nearest
    /// assert_eq!(Real::sqrt(2.0_f64), core::f64::consts::SQRT_2);
    /// assert_eq!(Real::sqrt(2.0_f32), core::f32::consts::SQRT_2);
    /// assert!(Real::sqrt(-1.0_f64).is_nan());
    /// ```
    fn sqrt(self) -> Self;
    /// [`Real::powf`] of `N` values, bit-identical to calling it on
    /// each ([`crate::libm_lanes::powf_lanes`] for `f32`).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// // UMAP's b = 0.8950609 on eight squared distances
    /// let d2 = [1e-3_f32, 0.25, 1.0, 2.0, 4.0, 7.5, 16.0, 1e4];
    /// let lanes = <f32 as Real>::powf_lanes(&d2, 0.8950609);
    /// for (l, &x) in lanes.iter().zip(&d2) {
    ///     assert_eq!(l.to_bits(), Real::powf(x, 0.8950609).to_bits());
    /// }
    /// ```
    #[inline(always)]
    fn powf_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        x.map(|v| v.powf(y))
    }
    /// `self^y` in the fast mode: [`crate::fast_math::pow`] for `f32`, libm for `f64`.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// let (x, b) = (3.7_f32, 0.8950609_f32);
    /// let exact = Real::powf(x as f64, b as f64);
    /// assert!(((x.fast_powf(b) as f64 - exact) / exact).abs() < 1e-6);
    /// // for f64 the fast mode is libm itself
    /// assert_eq!(3.7_f64.fast_powf(0.3), Real::powf(3.7_f64, 0.3));
    /// ```
    fn fast_powf(self, y: Self) -> Self;
    /// [`Real::fast_powf`] of `N` values, bit-identical to calling it
    /// on each ([`crate::fast_math::pow_lanes`] for `f32`).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// let d2 = [0.5_f32, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0];
    /// let lanes = <f32 as Real>::fast_pow_lanes(&d2, 1.5);
    /// for (l, &x) in lanes.iter().zip(&d2) {
    ///     assert_eq!(l.to_bits(), x.fast_powf(1.5).to_bits());
    /// }
    /// assert_eq!(lanes[1], 1.0);
    /// ```
    fn fast_pow_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        x.map(|v| v.fast_powf(y))
    }

    /// `2`.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// // d/du (u - v)² = 2 (u - v)
    /// fn grad<T: Real>(u: T, v: T) -> T {
    ///     T::two() * (u - v)
    /// }
    /// assert_eq!(grad(3.0_f64, 1.0), 4.0);
    /// assert_eq!(<f32 as Real>::two(), 2.0);
    /// ```
    fn two() -> Self {
        Self::one() + Self::one()
    }
    /// `1/2`.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// fn midpoint<T: Real>(a: T, b: T) -> T {
    ///     T::half() * (a + b)
    /// }
    /// assert_eq!(midpoint(1.0_f32, 4.0), 2.5);
    /// assert_eq!(<f64 as Real>::half() * <f64 as Real>::two(), 1.0);
    /// ```
    fn half() -> Self {
        Self::of_f64(0.5)
    }
    /// `ln(1 + e^x)`, computed without overflow for any `x` (`+∞ ↦ +∞`, `-∞ ↦ 0`).
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// // ln(1 + e^1000) would overflow on the way
    /// assert_eq!(Real::softplus(1000.0_f64), 1000.0);
    /// assert_eq!(Real::softplus(f64::INFINITY), f64::INFINITY);
    /// // ln(1 + e^-40) = e^-40 (1 - e^-40 / 2 + …), though 1 + e^-40 rounds to 1
    /// let (s, e) = (Real::softplus(-40.0_f64), Real::exp(-40.0_f64));
    /// assert!((s - e).abs() <= e * 1e-15);
    /// ```
    fn softplus(self) -> Self {
        if self == Self::infinity() {
            return self;
        }
        self.max(Self::zero()) + (-self.abs()).exp().ln_1p()
    }
    /// The logistic function `1/(1 + e^{-x})`, without overflow for any `x`.
    ///
    /// ```
    /// use neighbor_embed::Real;
    /// assert_eq!(Real::logistic(0.0_f64), 0.5);
    /// // e^x / (1 + e^x) would be ∞/∞ here
    /// assert_eq!(Real::logistic(800.0_f64), 1.0);
    /// assert_eq!(Real::logistic(-800.0_f32), 0.0);
    /// let x = 1.5_f64; // σ(-x) = 1 - σ(x)
    /// assert!((Real::logistic(x) + Real::logistic(-x) - 1.0).abs() < 1e-15);
    /// ```
    fn logistic(self) -> Self {
        if self >= Self::zero() {
            Self::one() / (Self::one() + (-self).exp())
        } else {
            let e = self.exp();
            e / (Self::one() + e)
        }
    }
}

impl Real for f64 {
    #[inline]
    fn of_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline]
    fn exp_m1(self) -> Self {
        libm::expm1(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline]
    fn ln_1p(self) -> Self {
        libm::log1p(self)
    }
    #[inline]
    fn powf(self, y: Self) -> Self {
        libm::pow(self, y)
    }
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    #[inline]
    fn fast_powf(self, y: Self) -> Self {
        libm::pow(self, y)
    }
}

impl Real for f32 {
    #[inline]
    fn of_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn exp(self) -> Self {
        libm::expf(self)
    }
    #[inline]
    fn exp_m1(self) -> Self {
        libm::expm1f(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::logf(self)
    }
    #[inline]
    fn ln_1p(self) -> Self {
        libm::log1pf(self)
    }
    #[inline]
    fn powf(self, y: Self) -> Self {
        libm::powf(self, y)
    }
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrtf(self)
    }
    #[inline(always)]
    fn fast_powf(self, y: Self) -> Self {
        crate::fast_math::pow(self, y)
    }
    #[inline(always)]
    fn fast_pow_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        crate::fast_math::pow_lanes(x, y)
    }
    #[inline(always)]
    fn powf_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        crate::libm_lanes::powf_lanes(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softplus_and_logistic_are_total() {
        for &x in &[-1e308, -800.0, -1.0, 0.0, 1.0, 800.0, 1e308] {
            let s = f64::softplus(x);
            let l = f64::logistic(x);
            assert!(s.is_finite() && s >= 0.0, "softplus({x}) = {s}");
            assert!((0.0..=1.0).contains(&l), "logistic({x}) = {l}");
        }
        assert_eq!(f64::softplus(f64::INFINITY), f64::INFINITY);
        assert_eq!(f64::softplus(f64::NEG_INFINITY), 0.0);
        assert_eq!(f64::logistic(f64::INFINITY), 1.0);
        assert_eq!(f64::logistic(f64::NEG_INFINITY), 0.0);
    }
}
