//! Similarity kernels `w(d2)` of the squared embedding distance, with their log-slopes and the
//! SGD update coefficients of MATH.md §A.
//!
//! | type | `w(d2)` | traits |
//! |---|---|---|
//! | [`Umap`] | `1/(1 + a d2^b)` (McInnes et al. 2018) | [`Kernel`], [`BceKernel`] |
//! | [`Cauchy`] | `1/(1 + d2)` (t-SNE, van der Maaten & Hinton 2008) | [`Kernel`], [`BceKernel`] |
//! | [`StudentT`] | `(1 + d2/α)^(-α)` (Kobak et al. 2019) | [`Kernel`], [`BceKernel`] |
//! | [`Gaussian`] | `exp(-β d2)` (SNE) | [`Kernel`], [`BceKernel`] |
//! | [`OffsetCauchy`] | `1/(ε_k + d2)` (contrastive-ne's `eps`; `ε_k = 0` is UMAP's implicit NEG kernel) | [`Kernel`] |
//! | [`Cosine`] | `exp(cos(z_i, z_j)/τ)` (contrastive learning) | its own methods (not a function of `d2`) |
//!
//! Conventions (MATH.md §0): `g = d ln w/d d2 ≤ 0`, `h = d ln(1 - w)/d d2 ≥ 0`, and an *update
//! coefficient* `c` moves a head by `y_i += α c (y_i - y_j)`, so `c < 0` attracts.
//!
//! Every method is total on `d2 ∈ [0, +∞]` (negative `d2` is treated as 0, NaN propagates): it
//! never returns NaN there. Where the mathematics diverges the result is `±∞` and the docs say
//! so (`h(0)`, `g(0)` of the UMAP kernel with `b < 1`). Coefficients whose force `c·(y_i - y_j)`
//! tends to 0 as points meet are defined as 0 at `d2 = 0`, as umap-learn does.

mod cauchy;
mod cosine;
mod gaussian;
mod offset_cauchy;
mod student_t;
mod umap;

pub use cauchy::Cauchy;
pub use cosine::Cosine;
pub use gaussian::Gaussian;
pub use offset_cauchy::OffsetCauchy;
pub use student_t::StudentT;
pub use umap::{UMAP_DEFAULT_A, UMAP_DEFAULT_B, Umap};

use crate::Real;

/// A similarity kernel `w(d2) > 0` of the squared distance.
///
/// Implementors provide `value`, `ln_value` and `g`; the classifier (NEG/NCE) quantities of
/// MATH.md §A.1 and §B.5 follow. With `q = w/(w + s)` (`s > 0`), the positive-pair loss is
/// `-ln q` and the negative-pair loss `-ln(1 - q)`.
///
/// ```
/// use neighbor_embed::kernel::{Cauchy, Kernel};
/// // Neg-t-SNE (s = 1): q = 1/(2 + d2).
/// let d2 = 3.0_f64;
/// assert!((Cauchy.q(d2, 1.0) - 1.0 / 5.0).abs() < 1e-15);
/// assert!((Cauchy.c_pos(d2, 1.0) - (-2.0 / 5.0)).abs() < 1e-15);
/// assert!((Cauchy.c_neg(d2, 1.0) - 2.0 / (4.0 * 5.0)).abs() < 1e-15);
/// ```
pub trait Kernel<T: Real> {
    /// The similarity `w(d2)`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// // With b = 1 the UMAP kernel is 1/(1 + a d2): here 1/(1 + 2·1.5) = 1/4.
    /// let k = Umap::new(2.0_f64, 1.0)?;
    /// assert_eq!(k.value(1.5), 0.25);
    /// assert_eq!(k.value(0.0), 1.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn value(&self, d2: T) -> T;
    /// `ln w(d2)`, computed without overflow (`-∞` only at `d2 = +∞` or on true underflow of
    /// the logarithm itself).
    ///
    /// ```
    /// use neighbor_embed::kernel::{Gaussian, Kernel};
    /// let k = Gaussian::new(1.0_f64)?;
    /// assert!((k.ln_value(2.0) - k.value(2.0).ln()).abs() < 1e-15);
    /// // far out, w = e^-1000 underflows to 0, but its logarithm is exact
    /// assert_eq!(k.value(1000.0), 0.0);
    /// assert_eq!(k.ln_value(1000.0), -1000.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn ln_value(&self, d2: T) -> T;
    /// The log-slope `g(d2) = d ln w / d d2 ≤ 0`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// // g = d ln w / d d2, checked by a central difference (truncation error O(h²) ≈ 1e-10)
    /// let (k, d2, h) = (Umap::<f64>::umap_learn_default(), 0.7, 1e-5);
    /// let fd = (k.ln_value(d2 + h) - k.ln_value(d2 - h)) / (2.0 * h);
    /// assert!(k.g(d2) < 0.0 && (k.g(d2) - fd).abs() < 1e-8);
    /// ```
    fn g(&self, d2: T) -> T;

    /// The classifier probability `q = w/(w + s)`, computed as `logistic(ln w - ln s)`. Where
    /// `w` and `s` are both infinite (a kernel infinite at `d2 = 0`, such as
    /// [`OffsetCauchy`] with offset 0, and an `s` that overflowed) `q = 1`; where both are 0,
    /// `q = 0`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, OffsetCauchy, StudentT};
    /// // Student-t with α = 2 at d2 = 2: w = (1 + 1)^-2 = 1/4; with s = 3/4, q = w/(w + s) = 1/4
    /// let k = StudentT::new(2.0_f64)?;
    /// assert!((k.q(2.0, 0.75) - 0.25).abs() < 1e-15);
    /// // w = s = ∞ (offset 0 at d2 = 0): q = 1
    /// assert_eq!(OffsetCauchy::new(0.0_f64)?.q(0.0, f64::INFINITY), 1.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn q(&self, d2: T, s: T) -> T {
        logit(self.ln_value(d2), s).logistic()
    }
    /// `-ln q`, the positive-pair classifier loss, computed without overflow.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Cauchy, Gaussian, Kernel};
    /// // Cauchy at d2 = 3 with s = 1: q = 1/5, -ln q = ln 5
    /// assert!((Cauchy.neg_ln_q(3.0_f64, 1.0) - 5.0_f64.ln()).abs() < 1e-15);
    /// // q = e^-1000/(e^-1000 + 1) underflows to 0, yet -ln q = 1000 + ln(1 + e^-1000) is finite
    /// let k = Gaussian::new(1.0_f64)?;
    /// assert_eq!(k.q(1000.0, 1.0), 0.0);
    /// assert_eq!(k.neg_ln_q(1000.0, 1.0), 1000.0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn neg_ln_q(&self, d2: T, s: T) -> T {
        (-logit(self.ln_value(d2), s)).softplus()
    }
    /// `-ln(1 - q)`, the negative-pair classifier loss, computed without overflow.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Cauchy, Kernel};
    /// // Cauchy at d2 = 3 (w = 1/4) with s = 2: q = 1/9, so -ln(1 - q) = ln(9/8)
    /// let (d2, s) = (3.0_f64, 2.0);
    /// assert!((Cauchy.neg_ln_1m_q(d2, s) - (9.0_f64 / 8.0).ln()).abs() < 1e-15);
    /// // and -ln q - (-ln(1 - q)) = ln s - ln w = ln 8
    /// let diff = Cauchy.neg_ln_q(d2, s) - Cauchy.neg_ln_1m_q(d2, s);
    /// assert!((diff - 8.0_f64.ln()).abs() < 1e-14);
    /// ```
    fn neg_ln_1m_q(&self, d2: T, s: T) -> T {
        logit(self.ln_value(d2), s).softplus()
    }
    /// Positive-pair update coefficient `c_pos = 2 g (1 - q) = 2 g s/(w + s) ≤ 0`. The provided
    /// method gives 0 at `d2 = 0` where `g` is infinite, and where `q` rounds to 1; a kernel may
    /// override it with its limit instead ([`OffsetCauchy`] with offset 0: `-2s` at `d2 = 0`).
    /// The crate's steps and losses apply no force between coincident points either way.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, StudentT};
    /// // c_pos = -2 d(-ln q)/d d2 (MATH.md §0), checked by a central difference
    /// let (k, s, d2, h) = (StudentT::new(3.0_f64)?, 0.2, 1.3, 1e-5);
    /// let fd = -2.0 * (k.neg_ln_q(d2 + h, s) - k.neg_ln_q(d2 - h, s)) / (2.0 * h);
    /// assert!((k.c_pos(d2, s) - fd).abs() < 1e-8);
    /// assert!(k.c_pos(d2, s) < 0.0); // attraction
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn c_pos(&self, d2: T, s: T) -> T {
        let g = self.g(d2);
        if !g.is_finite() {
            return T::zero();
        }
        let c = T::two() * g * (T::one() - self.q(d2, s));
        // 2g = -∞ (g near -MAX) where q rounds to 1: 0, not ∞ · 0
        if c.is_nan() { T::zero() } else { c }
    }
    /// Negative-pair update coefficient `c_neg = -2 g q ≥ 0`. The provided method gives 0 at
    /// `d2 = 0` where `g` is infinite, and where `q` rounds to 0; a kernel may override it with
    /// its limit instead ([`OffsetCauchy`] with offset 0: `+∞` at `d2 = 0`, so a caller must
    /// not multiply it by a zero difference). The crate's steps and losses apply no force
    /// between coincident points either way.
    ///
    /// ```
    /// use neighbor_embed::kernel::{Kernel, Umap};
    /// // c_neg = -2 d(-ln(1 - q))/d d2 (MATH.md §0), checked by a central difference
    /// let (k, s, d2, h) = (Umap::<f64>::umap_learn_default(), 0.5, 0.4, 1e-5);
    /// let fd = -2.0 * (k.neg_ln_1m_q(d2 + h, s) - k.neg_ln_1m_q(d2 - h, s)) / (2.0 * h);
    /// assert!((k.c_neg(d2, s) - fd).abs() < 1e-8);
    /// assert!(k.c_neg(d2, s) > 0.0); // repulsion
    /// ```
    fn c_neg(&self, d2: T, s: T) -> T {
        let g = self.g(d2);
        if !g.is_finite() {
            return T::zero();
        }
        let c = -T::two() * g * self.q(d2, s);
        // 2g = -∞ (g near -MAX) where q rounds to 0: 0, not ∞ · 0
        if c.is_nan() { T::zero() } else { c }
    }
}

/// A kernel with `w ≤ 1`, so that the binary cross-entropy ("UMAP-type") losses `-ln w` and
/// `-ln(1 - w)` are defined.
///
/// ```
/// use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
/// // MATH.md §J: UMAP's default kernel at d2 = 1.
/// let k = Umap::umap_learn_default();
/// assert!((k.value(1.0_f64) - 0.38805663).abs() < 1e-8);
/// assert!((k.c_att(1.0) - (-1.09545314)).abs() < 1e-8);
/// assert!((k.c_rep(1.0, 1.0, 0.001) - 0.69397464).abs() < 1e-8);
/// ```
pub trait BceKernel<T: Real>: Kernel<T> {
    /// `ln(1 - w(d2)) ≤ 0`, computed without cancellation (`-∞` at `d2 = 0`).
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Cauchy, Kernel};
    /// // 1 - w = d2/(1 + d2). At d2 = 1e-20, w rounds to 1 and 1 - w to 0, but ln(1 - w) ≈ ln d2.
    /// let d2 = 1e-20_f64;
    /// assert_eq!(1.0 - Cauchy.value(d2), 0.0);
    /// assert!((Cauchy.ln_1m_value(d2) - d2.ln()).abs() < 1e-13);
    /// assert!((Cauchy.ln_1m_value(3.0_f64) - 0.75_f64.ln()).abs() < 1e-15);
    /// ```
    fn ln_1m_value(&self, d2: T) -> T;
    /// `d2 · h(d2)`, the regular part of `h`: finite on `[0, +∞]`, equal to its limit at 0.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
    /// // UMAP: d2·h = b w, finite at d2 = 0 where h itself is +∞
    /// let k = Umap::new(1.5_f64, 0.8)?;
    /// assert_eq!(k.d2_h(0.0), 0.8);
    /// assert_eq!(k.h(0.0), f64::INFINITY);
    /// assert!((k.d2_h(2.0) - 0.8 * k.value(2.0)).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn d2_h(&self, d2: T) -> T;

    /// `h(d2) = d ln(1 - w) / d d2 ≥ 0`; `+∞` at `d2 = 0`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Kernel, StudentT};
    /// // h = d ln(1 - w)/d d2, checked by a central difference, and MATH.md §A's
    /// // closed form w^(1+1/α)/(1 - w) for Student-t (here α = 2)
    /// let (k, d2, h) = (StudentT::new(2.0_f64)?, 0.8, 1e-5);
    /// let fd = (k.ln_1m_value(d2 + h) - k.ln_1m_value(d2 - h)) / (2.0 * h);
    /// assert!((k.h(d2) - fd).abs() < 1e-8);
    /// let w = k.value(d2);
    /// assert!((k.h(d2) - w.powf(1.5) / (1.0 - w)).abs() < 1e-12);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn h(&self, d2: T) -> T {
        let d2 = nonneg(d2);
        self.d2_h(d2) / d2
    }
    /// Attractive (positive-pair BCE) coefficient `c_att = 2 g ≤ 0`; 0 at `d2 = 0` when `g` is
    /// infinite there (UMAP kernel with `b < 1`; umap-learn's convention).
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Kernel, StudentT, Umap};
    /// // c_att = 2g: Student-t (α = 2) at d2 = 2 has g = -1/(1 + 2/2) = -1/2
    /// assert_eq!(StudentT::new(2.0_f64)?.c_att(2.0), -1.0);
    /// // UMAP with b < 1: g(0) = -∞, but the coefficient is 0 (umap-learn's convention)
    /// let k = Umap::<f64>::umap_learn_default();
    /// assert_eq!((k.g(0.0), k.c_att(0.0)), (f64::NEG_INFINITY, 0.0));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn c_att(&self, d2: T) -> T {
        let g = self.g(d2);
        if g.is_finite() {
            T::two() * g
        } else {
            T::zero()
        }
    }
    /// Repulsive (negative-pair BCE) coefficient with strength `γ` and regulariser `ε`:
    /// `c_rep = 2 γ d2·h(d2) / (ε + d2)`, which is `2γh` for `ε = 0` and umap-learn's
    /// `2γb/((ε + d2)(1 + a d2^b))` for the UMAP kernel. `+∞` when `ε = d2 = 0` and `γ > 0`.
    ///
    /// ```
    /// use core::f64::consts::LN_2;
    /// use neighbor_embed::kernel::{BceKernel, Gaussian};
    /// // Gaussian with β = ln 2 at d2 = 1: w = 1/2, h = βw/(1 - w) = β, so c_rep(ε = 0) = 2γβ
    /// let (k, gamma) = (Gaussian::new(LN_2)?, 3.0);
    /// assert!((k.c_rep(1.0, gamma, 0.0) - 6.0 * LN_2).abs() < 1e-14);
    /// // where points meet d2·h → 1: ε keeps c_rep = 2γ/ε finite, without it c_rep = +∞
    /// assert!((k.c_rep(0.0, gamma, 1e-3) - 6000.0).abs() < 1e-9);
    /// assert_eq!(k.c_rep(0.0, gamma, 0.0), f64::INFINITY);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn c_rep(&self, d2: T, gamma: T, eps: T) -> T {
        let d2 = nonneg(d2);
        let num = T::two() * gamma * self.d2_h(d2);
        if num == T::zero() {
            return T::zero();
        }
        num / (eps + d2)
    }
    /// [`BceKernel::c_att`] of `N` squared distances (e.g. [`crate::fast_math::LANES`] or
    /// [`crate::step::LOCKSTEP_LANES`]), **bit-identical** to calling it on each; kernels
    /// override it with code the compiler vectorises (the `parallel` loop and the lockstep
    /// batch use it under the `simd` feature). Not callable through `dyn BceKernel`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Umap};
    /// let k = Umap::<f32>::umap_learn_default().fast();
    /// let d2 = [0.0f32, 1e-3, 0.25, 1.0, 2.0, 7.5, 40.0, 1e6];
    /// let c = k.c_att_lanes(&d2);
    /// for (c, &x) in c.iter().zip(&d2) {
    ///     assert_eq!(c.to_bits(), k.c_att(x).to_bits());
    /// }
    /// ```
    #[inline(always)]
    fn c_att_lanes<const N: usize>(&self, d2: &[T; N]) -> [T; N]
    where
        Self: Sized,
    {
        d2.map(|x| self.c_att(x))
    }
    /// `(c_att(d2[0]), c_rep_lanes(d2, γ, ε))`, **bit-identical** to those calls: one sample's
    /// attraction and up to `N - 1` negatives in one pass (the batched [`crate::step::BceStep`]
    /// puts the attraction in lane 0; lane 0's `c_rep` is not used). Kernels override it to
    /// evaluate the shared part (UMAP: `d2^b`) once. Not callable through `dyn BceKernel`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Umap};
    /// let k = Umap::<f32>::umap_learn_default();
    /// // lane 0: the positive pair; lanes 1..4: three negatives
    /// let d2 = [0.5f32, 3.0, 12.0, 0.01];
    /// let (att, rep) = k.c_att_rep_lanes(&d2, 1.0, 0.001);
    /// assert_eq!(att.to_bits(), k.c_att(d2[0]).to_bits());
    /// for l in 0..4 {
    ///     assert_eq!(rep[l].to_bits(), k.c_rep(d2[l], 1.0, 0.001).to_bits());
    /// }
    /// ```
    #[inline(always)]
    fn c_att_rep_lanes<const N: usize>(&self, d2: &[T; N], gamma: T, eps: T) -> (T, [T; N])
    where
        Self: Sized,
    {
        (self.c_att(d2[0]), self.c_rep_lanes(d2, gamma, eps))
    }
    /// [`BceKernel::c_rep`] of `N` squared distances, **bit-identical** to calling it on each;
    /// kernels override it with code the compiler vectorises (the batched-negatives step uses
    /// it under the `simd` feature). Not callable through `dyn BceKernel`.
    ///
    /// ```
    /// use neighbor_embed::kernel::{BceKernel, Umap};
    /// let k = Umap::new(1.9_f64, 0.79)?;
    /// let d2: [f64; 16] = core::array::from_fn(|l| 0.3 * l as f64); // lane 0: d2 = 0
    /// let c = k.c_rep_lanes(&d2, 2.0, 0.001);
    /// for l in 0..16 {
    ///     assert_eq!(c[l].to_bits(), k.c_rep(d2[l], 2.0, 0.001).to_bits());
    /// }
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    #[inline(always)]
    fn c_rep_lanes<const N: usize>(&self, d2: &[T; N], gamma: T, eps: T) -> [T; N]
    where
        Self: Sized,
    {
        d2.map(|x| self.c_rep(x, gamma, eps))
    }
}

/// The classifier logit `ln w - ln s`; the difference of two equal infinities is taken as
/// `ln w` (`+∞`: an infinite similarity wins; `-∞`: a similarity that underflowed loses).
/// `ln s - ln w` is exactly its negation in IEEE arithmetic.
#[inline]
fn logit<T: Real>(ln_w: T, s: T) -> T {
    let x = ln_w - s.ln();
    if x.is_nan() { ln_w } else { x }
}

/// `d2` with negative values (never produced by the crate) mapped to 0; NaN passes through.
#[inline]
pub(crate) fn nonneg<T: Real>(d2: T) -> T {
    if d2 < T::zero() { T::zero() } else { d2 }
}
