use super::{BceKernel, Kernel, nonneg};
use crate::Real;
use crate::error::{Error, check_positive};
use crate::fast_math::{Exact, Fast, Math, lanes};
use core::marker::PhantomData;

/// `a` that umap-learn uses for `spread = 1, min_dist = 0.1` (scipy's fit, MATH.md §A.2).
///
/// ```
/// use neighbor_embed::kernel::{Kernel, UMAP_DEFAULT_A, Umap};
/// assert!((UMAP_DEFAULT_A - 1.5769434603).abs() < 1e-10); // MATH.md §A.2, scipy column
/// // at d2 = 1 the kernel is 1/(1 + a) whatever b (MATH.md §J: 0.38805663)
/// let k = Umap::<f64>::umap_learn_default();
/// assert_eq!(k.value(1.0), 1.0 / (1.0 + UMAP_DEFAULT_A));
/// ```
pub const UMAP_DEFAULT_A: f64 = 1.5769434602697652;
/// `b` that umap-learn uses for `spread = 1, min_dist = 0.1` (scipy's fit, MATH.md §A.2).
///
/// ```
/// use neighbor_embed::kernel::{Kernel, UMAP_DEFAULT_B, Umap};
/// // scipy stops about 2e-7 (relative) short of the exact minimiser 0.8950607194 (MATH.md §A.2)
/// assert!((UMAP_DEFAULT_B / 0.8950607194 - 1.0).abs() < 1e-5);
/// // b < 1: the log-slope g = -a b d2^(b-1) w diverges where points meet
/// assert_eq!(Umap::<f64>::umap_learn_default().g(0.0), f64::NEG_INFINITY);
/// ```
pub const UMAP_DEFAULT_B: f64 = 0.8950608778515733;

/// UMAP's kernel `w = 1/(1 + a d2^b)` (McInnes, Healy & Melville 2018):
/// `g = -a b d2^(b-1) w`, `h = b w / d2`.
///
/// At `d2 = 0`, `g` is `-∞` for `b < 1` (umap-learn's default `b ≈ 0.895`), `-a` for `b = 1`
/// and 0 for `b > 1`; [`BceKernel::c_att`] and the classifier coefficients are then 0, as in
/// umap-learn. `a = b = 1` is the [`super::Cauchy`] kernel.
///
/// The math mode `M` says how `d2^b` is computed: [`Exact`] (libm, the default) or [`Fast`]
/// (this crate's deterministic polynomial `pow` for `f32`, relative error below `3.5e-7` for `b ≤ 2`, about
/// 3× faster; see [`crate::fast_math`]); [`Umap::fast`] and [`Umap::exact`] switch. With
/// `b = 1` no `pow` is evaluated in either mode.
///
/// ```
/// use neighbor_embed::kernel::{Kernel, Umap};
/// // From spread and min_dist, as umap-learn's `find_ab_params` (exact least squares).
/// let k = Umap::<f64>::from_spread_min_dist(1.0, 0.1)?;
/// assert!((k.a() - 1.5769436135).abs() < 1e-8 && (k.b() - 0.8950607194).abs() < 1e-8);
/// assert!(k.value(0.0) == 1.0 && k.g(0.0) == f64::NEG_INFINITY);
/// // the fast mode agrees to a few 1e-7
/// let (exact, fast) = (Umap::<f32>::umap_learn_default(), Umap::<f32>::umap_learn_default().fast());
/// assert!((fast.value(2.0) / exact.value(2.0) - 1.0).abs() < 1e-6);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Umap<T, M: Math = Exact> {
    a: T,
    b: T,
    ln_a: T,
    mode: PhantomData<M>,
}

impl<T: Real, M: Math> Umap<T, M> {
    /// The same kernel in the fast math mode.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
    /// let exact = Umap::<f32>::umap_learn_default();
    /// let fast = exact.fast();
    /// for d2 in [1e-4f32, 0.3, 2.0, 50.0] {
    ///     let (e, f) = (exact.c_rep(d2, 1.0, 0.001), fast.c_rep(d2, 1.0, 0.001));
    ///     assert!((f / e - 1.0).abs() < 1e-6);
    /// }
    /// // with b = 1 no pow is evaluated: both modes give the same bits
    /// let k = Umap::new(2.0f32, 1.0)?;
    /// assert_eq!(k.fast().value(0.7).to_bits(), k.value(0.7).to_bits());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn fast(self) -> Umap<T, Fast> {
        Umap {
            a: self.a,
            b: self.b,
            ln_a: self.ln_a,
            mode: PhantomData,
        }
    }
    /// The same kernel in the exact (libm) math mode.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// let k = Umap::<f32>::umap_learn_default();
    /// assert_eq!(k.fast().exact(), k); // the round trip keeps a and b
    /// // libm's powf: a few f32 roundings from the kernel evaluated in f64
    /// let (a, b) = (k.a() as f64, k.b() as f64);
    /// let w64 = 1.0 / (1.0 + a * 2.5f64.powf(b));
    /// assert!((k.value(2.5) as f64 / w64 - 1.0).abs() < 4.0 * f32::EPSILON as f64);
    /// ```
    pub fn exact(self) -> Umap<T, Exact> {
        Umap {
            a: self.a,
            b: self.b,
            ln_a: self.ln_a,
            mode: PhantomData,
        }
    }
    /// The shape parameter `a`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// let k = Umap::new(2.0_f64, 0.5)?;
    /// assert_eq!(k.a(), 2.0);
    /// // w = 1/(1 + a d2^b): at d2 = 4, 1/(1 + 2·2) = 1/5
    /// assert!((k.value(4.0) - 0.2).abs() < 1e-16);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn a(&self) -> T {
        self.a
    }
    /// The shape parameter `b`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// let k = Umap::new(1.2_f64, 0.8)?;
    /// assert_eq!(k.b(), 0.8);
    /// // ln(1/w - 1) = ln a + b ln d2: b is the slope against ln d2
    /// let log_odds = |d2: f64| (1.0 / k.value(d2) - 1.0).ln();
    /// assert!(((log_odds(8.0) - log_odds(2.0)) / 4.0_f64.ln() - k.b()).abs() < 1e-12);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn b(&self) -> T {
        self.b
    }

    /// `c_att` from `d2 ≥ 0` (or NaN) and `p = d2^b` (not read at `d2 = 0`).
    #[inline(always)]
    fn c_att_from(&self, d2: T, p: T) -> T {
        c_att_of(self.a, self.b, d2, p)
    }
    /// `d2^b` of every lane (no `pow` when `b = 1`).
    #[inline(always)]
    fn p_lanes<const N: usize>(&self, d2: &[T; N]) -> [T; N] {
        if self.b == T::one() {
            *d2
        } else {
            M::pow_lanes(d2, self.b)
        }
    }
    /// `c_rep` of every lane from `d2 ≥ 0` and `p = d2^b`.
    #[inline(always)]
    fn c_rep_from<const N: usize>(&self, d2: &[T; N], p: &[T; N], gamma: T, eps: T) -> [T; N] {
        let num = T::two() * gamma * self.b;
        if num == T::zero() {
            return [T::zero(); N];
        }
        lanes(|l| num / ((eps + d2[l]) * (T::one() + self.a * p[l])))
    }
    /// `t = a d2^b` and `d2^b`.
    #[inline(always)]
    fn t(&self, d2: T) -> (T, T) {
        let p = if self.b == T::one() {
            d2
        } else {
            M::pow(d2, self.b)
        };
        (self.a * p, p)
    }
}

/// UMAP's attraction coefficient `c_att` for the kernel `a`, `b` from `d2 ≥ 0` (or NaN) and
/// `p = d2^b` (not read at `d2 = 0`).
#[inline(always)]
fn c_att_of<T: Real>(a: T, b: T, d2: T, p: T) -> T {
    if d2 == T::zero() {
        // g is -∞ (b < 1) or 0 (b > 1): no force; -2a for b = 1
        return if b == T::one() {
            -(T::two() * a)
        } else {
            T::zero()
        };
    }
    let den = d2 * (T::one() + a * p);
    if den.is_finite() {
        -(T::two() * a * b) * p / den
    } else {
        // t or the product overflowed: the limit -2b/d2
        -(T::two() * b) / d2
    }
}

impl<T: Real> Umap<T> {
    /// A UMAP kernel with shape parameters `a, b` (finite, `> 0`).
    ///
    /// ```
    /// use neighbor_embed::kernel::{Cauchy, Kernel, Umap};
    /// assert!(Umap::new(-1.0_f64, 1.0).is_err());
    /// assert!(Umap::new(1.0_f64, 0.0).is_err() && Umap::new(f64::NAN, 1.0).is_err());
    /// // a = b = 1 is the Cauchy kernel
    /// let k = Umap::new(1.0_f64, 1.0)?;
    /// assert_eq!(k.value(3.0), Cauchy.value(3.0));
    /// assert!((k.g(3.0) - Cauchy.g(3.0)).abs() < 1e-16);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(a: T, b: T) -> Result<Self, Error> {
        check_positive("a", a)?;
        check_positive("b", b)?;
        Ok(Umap {
            a,
            b,
            ln_a: a.ln(),
            mode: PhantomData,
        })
    }

    /// The kernel umap-learn uses by default (`spread = 1, min_dist = 0.1`), with scipy's
    /// `a = 1.5769434603, b = 0.8950608779` so results match umap-learn's.
    ///
    /// ```
    /// use neighbor_embed::kernel::{UMAP_DEFAULT_A, UMAP_DEFAULT_B, Umap};
    /// let k = Umap::<f64>::umap_learn_default();
    /// assert_eq!(k, Umap::new(UMAP_DEFAULT_A, UMAP_DEFAULT_B)?);
    /// // in f32, the constants rounded once
    /// let k32 = Umap::<f32>::umap_learn_default();
    /// assert_eq!((k32.a(), k32.b()), (UMAP_DEFAULT_A as f32, UMAP_DEFAULT_B as f32));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn umap_learn_default() -> Self {
        Umap {
            a: T::of_f64(UMAP_DEFAULT_A),
            b: T::of_f64(UMAP_DEFAULT_B),
            ln_a: T::of_f64(UMAP_DEFAULT_A).ln(),
            mode: PhantomData,
        }
    }

    /// The kernel whose `(a, b)` fit umap-learn's target curve for `spread` and `min_dist`
    /// (see [`crate::ab_fit::fit_ab`]).
    ///
    /// ```
    /// use neighbor_embed::kernel::Umap;
    /// // MATH.md §A.2, spread = 2, min_dist = 0.1 (exact least-squares column)
    /// let k = Umap::<f64>::from_spread_min_dist(2.0, 0.1)?;
    /// assert!((k.a() - 0.5446607298).abs() < 1e-8 && (k.b() - 0.8420553535).abs() < 1e-8);
    /// // min_dist must lie in [0, spread]
    /// assert!(Umap::<f64>::from_spread_min_dist(1.0, 1.5).is_err());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn from_spread_min_dist(spread: T, min_dist: T) -> Result<Self, Error> {
        let (a, b) = crate::ab_fit::fit_ab(spread.as_f64(), min_dist.as_f64())?;
        Umap::new(T::of_f64(a), T::of_f64(b))
    }
}

impl<T: Real, M: Math> Kernel<T> for Umap<T, M> {
    #[inline]
    fn value(&self, d2: T) -> T {
        T::one() / (T::one() + self.t(nonneg(d2)).0)
    }
    #[inline]
    fn ln_value(&self, d2: T) -> T {
        let d2 = nonneg(d2);
        let (t, _) = self.t(d2);
        if t <= T::one() {
            -t.ln_1p()
        } else {
            // ln(1 + t) = ln t + ln(1 + 1/t), with ln t = ln a + b ln d2 (no overflow of t).
            -(self.ln_a + self.b * d2.ln() + (T::one() / t).ln_1p())
        }
    }
    #[inline]
    fn g(&self, d2: T) -> T {
        let d2 = nonneg(d2);
        if d2 == T::zero() {
            return if self.b < T::one() {
                T::neg_infinity()
            } else if self.b == T::one() {
                -self.a
            } else {
                T::zero()
            };
        }
        let (t, p) = self.t(d2);
        if t <= T::one() {
            -self.a * self.b * (p / d2) / (T::one() + t)
        } else {
            -(self.b / d2) / (T::one() + T::one() / t)
        }
    }
}

impl<T: Real, M: Math> BceKernel<T> for Umap<T, M> {
    #[inline]
    fn ln_1m_value(&self, d2: T) -> T {
        // 1 - w = t/(1 + t)
        let d2 = nonneg(d2);
        let (t, _) = self.t(d2);
        if t <= T::one() {
            self.ln_a + self.b * d2.ln() - t.ln_1p()
        } else {
            -(T::one() / t).ln_1p()
        }
    }
    #[inline]
    fn d2_h(&self, d2: T) -> T {
        self.b / (T::one() + self.t(nonneg(d2)).0)
    }
    /// umap-learn's `-2ab d2^(b-1)/(1 + a d2^b)` with one division (`d2^(b-1) = d2^b/d2`).
    #[inline]
    fn c_att(&self, d2: T) -> T {
        let d2 = nonneg(d2);
        if d2 == T::zero() {
            return self.c_att_from(d2, d2);
        }
        self.c_att_from(d2, self.t(d2).1)
    }
    /// umap-learn's `2γb/((ε + d2)(1 + a d2^b))` with one division.
    #[inline]
    fn c_rep(&self, d2: T, gamma: T, eps: T) -> T {
        let d2 = nonneg(d2);
        let num = T::two() * gamma * self.b;
        if num == T::zero() {
            return T::zero();
        }
        num / ((eps + d2) * (T::one() + self.t(d2).0))
    }
    #[inline(always)]
    fn c_att_lanes<const N: usize>(&self, d2: &[T; N]) -> [T; N] {
        let d2: [T; N] = lanes(|l| nonneg(d2[l]));
        let p = self.p_lanes(&d2);
        // `a` and `b` read once: read inside the lane loop's branches, LLVM turned them into
        // masked gathers of one address (AVX-512), which cost about 10% of the lockstep batch
        let (a, b) = (self.a, self.b);
        lanes(|l| c_att_of(a, b, d2[l], p[l]))
    }
    #[inline(always)]
    fn c_att_rep_lanes<const N: usize>(&self, d2: &[T; N], gamma: T, eps: T) -> (T, [T; N]) {
        let d2: [T; N] = lanes(|l| nonneg(d2[l]));
        let p = self.p_lanes(&d2);
        (
            self.c_att_from(d2[0], p[0]),
            self.c_rep_from(&d2, &p, gamma, eps),
        )
    }
    #[inline(always)]
    fn c_rep_lanes<const N: usize>(&self, d2: &[T; N], gamma: T, eps: T) -> [T; N] {
        if T::two() * gamma * self.b == T::zero() {
            return [T::zero(); N];
        }
        let d2: [T; N] = lanes(|l| nonneg(d2[l]));
        let p = self.p_lanes(&d2);
        self.c_rep_from(&d2, &p, gamma, eps)
    }
}
