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
    fn of_f64(x: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    fn as_f64(self) -> f64;
    /// Converts a count or index to this type (rounding for very large values).
    fn of_usize(x: usize) -> Self {
        Self::of_f64(x as f64)
    }
    /// `e^x` (libm).
    fn exp(self) -> Self;
    /// `e^x - 1`, accurate near 0 (libm).
    fn exp_m1(self) -> Self;
    /// Natural logarithm (libm); `ln(0) = -∞`, negative input gives NaN.
    fn ln(self) -> Self;
    /// `ln(1 + x)`, accurate near 0 (libm).
    fn ln_1p(self) -> Self;
    /// `self^y` (libm).
    fn powf(self, y: Self) -> Self;
    /// Square root (libm; correctly rounded).
    fn sqrt(self) -> Self;
    /// [`Real::powf`] of `N` values, bit-identical to calling it on
    /// each ([`crate::libm_lanes::powf_lanes`] for `f32`).
    #[inline(always)]
    fn powf_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        x.map(|v| v.powf(y))
    }
    /// `self^y` in the fast mode: [`crate::fast_math::pow`] for `f32`, libm for `f64`.
    fn fast_powf(self, y: Self) -> Self;
    /// [`Real::fast_powf`] of `N` values, bit-identical to calling it
    /// on each ([`crate::fast_math::pow_lanes`] for `f32`).
    fn fast_pow_lanes<const N: usize>(x: &[Self; N], y: Self) -> [Self; N] {
        x.map(|v| v.fast_powf(y))
    }

    /// `2`.
    fn two() -> Self {
        Self::one() + Self::one()
    }
    /// `1/2`.
    fn half() -> Self {
        Self::of_f64(0.5)
    }
    /// `ln(1 + e^x)`, computed without overflow for any `x` (`+∞ ↦ +∞`, `-∞ ↦ 0`).
    fn softplus(self) -> Self {
        if self == Self::infinity() {
            return self;
        }
        self.max(Self::zero()) + (-self.abs()).exp().ln_1p()
    }
    /// The logistic function `1/(1 + e^{-x})`, without overflow for any `x`.
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
