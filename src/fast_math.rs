//! Fast, deterministic `f32` `log2`, `exp2` and `pow` from IEEE-754 basic operations only
//! (`+ − × ÷`, comparisons, integer conversions and bit manipulation; no fused multiply-add,
//! no tables, no platform math library), so they give the same bits on every target, and a
//! [`Math`] mode that kernels take as a type parameter (chosen once, not per call).
//!
//! Accuracy, measured against `f64` `libm` (`tests/fast_math.rs` asserts `1e-6` for `pow` on
//! UMAP's distances and the envelope below for every exponent in steps of 1/8):
//!
//! | function | inputs checked | maximum relative error |
//! |---|---|---|
//! | [`pow`] with UMAP's `b = 0.8950609` | every `f32` in `[1e-6, 1e4]` | `2.8e-7` |
//! | [`pow`], 8 other exponents in `[-0.1, 2]` | every 29th `f32` in `[1e-6, 1e4]` | `3.4e-7` |
//! | [`pow`], `|y| ≤ 2` in steps of 1/16 | every 131st `f32` in `[1e-30, 1e30]` | `3.5e-7` |
//! | [`pow`], `2 < |y| ≤ 4` in steps of 1/16 | every 131st `f32` in `[1e-30, 1e30]` | `5.2e-7` |
//! | [`pow`], `|y| > 4` | `libm::powf`, bit for bit | about `5e-8` |
//! | [`exp2`] | every 101st `f32` in `[-126, 127]` | `2.2e-7` |
//! | [`log2`] | every 101st normal `f32` | `4.3e-7` (absolute where `|log2 x| < 0.1`) |
//!
//! `libm::powf` is correctly rounded to about `5e-8` but roughly 3× slower (`PERF-NOTES.md`).
//!
//! How: `x = 2^e · m` with `m ∈ [√½, √2)`, `log2 m = (2/ln 2) atanh(s)`, `s = (m-1)/(m+1)`, an
//! odd minimax polynomial of degree 5 in `s`; `y · log2 x` is formed as `y_hi·e` (exact, `y_hi`
//! = `y` with 12 significant bits) plus a small remainder, so the integer part is exact and
//! only the fraction `r ∈ [-1/2, 1/2]` is rounded; `2^r` is a degree-5 minimax polynomial
//! evaluated by Estrin's scheme (a dependency chain of four operations: the SGD loop is
//! latency-bound); the exponent is put in by bit manipulation, in two steps near the ends of
//! the range.

use crate::Real;

// Minimax coefficients (Lawson's iteration in f64): `log2 m = s·(L1 + L3 s² + L5 s⁴)` has an
// absolute error of 3.0e-8 for |s| ≤ (√2-1)/(√2+1); `2^r = 1 + E1 r + … + E5 r⁵` a relative
// error of 9.1e-8 on [-1/2, 1/2] (before rounding to f32).
const L1: f32 = 2.885_391_289_155_286_6_f64 as f32;
const L3: f32 = 0.961_470_832_443_714_3_f64 as f32;
const L5: f32 = 0.598_973_327_917_190_9_f64 as f32;
const E1: f32 = 0.693_146_977_577_699_3_f64 as f32;
const E2: f32 = 0.240_222_420_671_689_58_f64 as f32;
const E3: f32 = 0.055_507_337_710_738_82_f64 as f32;
const E4: f32 = 0.009_671_513_613_377_584_f64 as f32;
const E5: f32 = 0.001_326_472_021_056_797_6_f64 as f32;

#[inline(always)]
fn split(x: f32) -> (i32, f32) {
    let (x, bias) = if x < f32::MIN_POSITIVE {
        (x * 16_777_216.0, 24) // 2^24: subnormal → normal
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 - bias;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    (e, m)
}

/// `log2 m` for `m ∈ [√½, √2)`.
#[inline(always)]
fn log2_reduced(m: f32) -> f32 {
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    s * (L1 + s2 * (L3 + s2 * L5))
}

/// `2^r` for `r ∈ [-1/2, 1/2]`.
#[inline(always)]
fn exp2_reduced(r: f32) -> f32 {
    // Estrin's scheme: a dependency chain of four operations instead of Horner's ten
    let r2 = r * r;
    (1.0 + r * E1) + r2 * ((E2 + r * E3) + r2 * (E4 + r * E5))
}

/// `p · 2^n` for `p ∈ [0.7, 1.5]`, by bit manipulation (two steps near the ends of the range;
/// `0` below the subnormals, `∞` above `f32::MAX`).
#[inline(always)]
fn scale(p: f32, n: i32) -> f32 {
    if n > 128 {
        return f32::INFINITY;
    }
    if n < -152 {
        return 0.0;
    }
    if (-126..=127).contains(&n) {
        p * f32::from_bits(((n + 127) as u32) << 23)
    } else if n > 0 {
        p * f32::from_bits((127u32 + 127) << 23) * f32::from_bits(((n - 127 + 127) as u32) << 23)
    } else {
        // 2^-126 · 2^(n+126): n + 126 ∈ [-26, -1]
        p * f32::from_bits(1u32 << 23) * f32::from_bits(((n + 126 + 127) as u32) << 23)
    }
}

/// Round to nearest integer (ties away from zero) of a finite `|x| < 2^30`.
#[inline(always)]
fn round(x: f32) -> i32 {
    if x >= 0.0 {
        (x + 0.5) as i32
    } else {
        (x - 0.5) as i32
    }
}

/// `log2 x` (`-∞` at 0, NaN below 0 or for NaN, `∞` at `∞`).
///
/// ```
/// use neighbor_embed::fast_math::log2;
/// assert_eq!(log2(8.0), 3.0);
/// assert!((log2(10.0) - 3.321_928).abs() < 1e-6);
/// ```
#[inline]
pub fn log2(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x == f32::INFINITY {
        return x;
    }
    let (e, m) = split(x);
    e as f32 + log2_reduced(m)
}

/// `2^x` (`0` below about `-150`, `∞` above 128, NaN for NaN).
///
/// ```
/// use neighbor_embed::fast_math::exp2;
/// assert_eq!(exp2(10.0), 1024.0);
/// assert!((exp2(0.5) - core::f32::consts::SQRT_2).abs() < 3e-7);
/// ```
#[inline]
pub fn exp2(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x > 129.0 {
        return f32::INFINITY;
    }
    if x < -160.0 {
        return 0.0;
    }
    let n = round(x);
    scale(exp2_reduced(x - n as f32), n)
}

/// `x^y` for `x ≥ 0`, in IEEE basic operations only: the same bits on every target. Maximum
/// relative error `3.5e-7` for `|y| ≤ 2` (UMAP's exponents), `5.2e-7` for `|y| ≤ 4` (see the
/// [module](self) table); for `|y| > 4`, where the polynomials' error, which enters the result
/// about `|y|` times, would approach `1e-6`, it returns `libm::powf` (also basic operations only,
/// correctly rounded to about `5e-8`, and slower).
///
/// Special values: `x^0 = 1` for every `x`, NaN included (as C's `powf`); otherwise NaN for
/// `x < 0` or a NaN input; `0^y` is `0` for `y > 0` and `∞` for `y < 0`; `∞^y` is `∞` for
/// `y > 0` and `0` for `y < 0`.
///
/// ```
/// use neighbor_embed::fast_math::pow;
/// let (x, b) = (2.5f32, 0.8950609f32);
/// let exact = (x as f64).powf(b as f64);
/// assert!(((pow(x, b) as f64 - exact) / exact).abs() < 1e-6);
/// assert_eq!(pow(4.0, 0.5), 2.0);
/// assert_eq!((pow(f32::NAN, 0.0), pow(-1.0, 0.0)), (1.0, 1.0));
/// assert_eq!((pow(f32::INFINITY, 0.5), pow(f32::INFINITY, -0.5)), (f32::INFINITY, 0.0));
/// assert_eq!(pow(1.5, 12.0), libm::powf(1.5, 12.0)); // |y| > 4: libm
/// ```
#[inline(always)]
pub fn pow(x: f32, y: f32) -> f32 {
    let bits = x.to_bits();
    // the common case, without branches: x a positive normal number, |y| ≤ 4 (NaN y fails)
    if bits.wrapping_sub(0x0080_0000) < 0x7f00_0000 && y.abs() <= POLY_Y_MAX {
        // x = 2^e · m with m ∈ [√½, √2): shift the bits so that the exponent field carries
        // the rounding (0x3f35_04f3 is √½)
        let ix = bits.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
        let e = ((ix >> 23) as i32 - 127) as f32;
        let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
        let y_hi = f32::from_bits(y.to_bits() & 0xffff_f000);
        let y_lo = y - y_hi;
        let a = y_hi * e; // exact: 12 + 8 significant bits
        let (n_a, i_a) = round_small_int(a);
        let r = (a - n_a) + (y_lo * e + y * log2_reduced(m));
        let (n_r, i_r) = round_small_int(r);
        return scale(exp2_reduced(r - n_r), i_a + i_r);
    }
    pow_general(x, y)
}

/// Lanes of one sample's batched negatives ([`crate::step::BceStep::batched_negatives`]) and
/// of the `parallel` loop's coefficient queue. The lane functions ([`pow_lanes`],
/// [`crate::kernel::BceKernel::c_rep_lanes`], …) take any number of lanes `N`; the lockstep
/// batch uses [`crate::step::LOCKSTEP_LANES`].
///
/// ```
/// use neighbor_embed::fast_math::LANES;
/// use neighbor_embed::kernel::{BceKernel, Umap};
/// // the repulsion coefficients of LANES negatives in one call, as LANES scalar calls
/// let k = Umap::<f32>::umap_learn_default().fast();
/// let d2: [f32; LANES] = core::array::from_fn(|l| 0.5 + 1.5 * l as f32);
/// let c = k.c_rep_lanes(&d2, 1.0, 0.001);
/// for l in 0..LANES {
///     assert_eq!(c[l].to_bits(), k.c_rep(d2[l], 1.0, 0.001).to_bits());
/// }
/// ```
pub const LANES: usize = 8;

/// The first coordinate of a padding lane's difference in the lane loops (lanes that hold no
/// sample, whose results are discarded; the other coordinates are 0): `d2 = 4`, a positive
/// normal number other than 1, on the general path of both lane `pow`s. Not 1:
/// [`crate::libm_lanes::powf_lanes`] leaves `x = 1` to `libm::powf` (`e_powf.c` treats it
/// apart), and with `d2 = 1` every lane evaluation with padding ran that scalar fallback in the
/// exact math mode (the lockstep batch's padding rounds and the eight-lane batched step's unused
/// lanes: twelfth session, see `benches/PERF-LOG.md`).
#[inline(always)]
pub(crate) fn pad_x<T: crate::real::Real>() -> T {
    T::two()
}

/// `[f(0), f(1), …, f(N - 1)]`. On x86_64 and aarch64 by a plain loop: the closures of
/// `core::array::from_fn` and `<[T; N]>::map` pass through adapters that the inliner may leave
/// as calls, one per lane, inside a `#[target_feature]` copy of the code
/// ([`crate::dispatch`]), which then cannot vectorise; on aarch64 the lane code built with
/// `from_fn` had no more NEON arithmetic than the scalar build (56 vector `fmul` in the golden
/// test binary either way), with the loop 96 (speed unmeasured: no aarch64 hardware here).
/// Elsewhere by `core::array::from_fn`, which V8 runs faster on WASM (about 5% on the lockstep
/// loop). The same values either way.
#[inline(always)]
pub(crate) fn lanes<T: Copy + Default, F: FnMut(usize) -> T, const N: usize>(mut f: F) -> [T; N] {
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        let mut out = [T::default(); N];
        for (l, o) in out.iter_mut().enumerate() {
            *o = f(l);
        }
        out
    } else {
        core::array::from_fn(f)
    }
}

/// [`pow`] of `N` values (e.g. eight or sixteen) with a common exponent, **bit-identical** to `N`
/// calls of [`pow`]: the same operations per lane, written without branches so that the compiler
/// turns them into SIMD instructions (SSE2 on any x86_64, AVX2 with `-C target-cpu`, `simd128` on
/// WASM, NEON on aarch64). Lanes outside the fast path (`x` not a positive normal number, `|y| >
/// 4`, or a result outside the normal range) are recomputed by the scalar code.
///
/// ```
/// use neighbor_embed::fast_math::{pow, pow_lanes};
/// let x = [0.0f32, 1e-40, 0.5, 1.0, 2.0, 3.5, 1e20, f32::INFINITY];
/// let got = pow_lanes(&x, 0.8950609);
/// for (g, &x) in got.iter().zip(&x) {
///     assert_eq!(g.to_bits(), pow(x, 0.8950609).to_bits());
/// }
/// ```
#[inline(always)]
pub fn pow_lanes<const N: usize>(x: &[f32; N], y: f32) -> [f32; N] {
    if y.is_nan() || y.abs() > POLY_Y_MAX {
        return x.map(|v| pow(v, y));
    }
    let y_hi = f32::from_bits(y.to_bits() & 0xffff_f000);
    let y_lo = y - y_hi;
    let mut out = [0.0f32; N];
    let mut slow = [0u32; N];
    for l in 0..N {
        let bits = x[l].to_bits();
        let ix = bits.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
        let e = ((ix >> 23) as i32 - 127) as f32;
        let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
        let a = y_hi * e;
        let (n_a, i_a) = round_small_int(a);
        let r = (a - n_a) + (y_lo * e + y * log2_reduced(m));
        let (n_r, i_r) = round_small_int(r);
        let n = i_a.wrapping_add(i_r);
        // 2^n for n in the normal range; other lanes are redone below
        let in_range = (n.wrapping_add(126) as u32) <= 253;
        let nc = if in_range { n } else { 0 };
        out[l] = exp2_reduced(r - n_r) * f32::from_bits(((nc + 127) as u32) << 23);
        let normal = bits.wrapping_sub(0x0080_0000) < 0x7f00_0000;
        slow[l] = u32::from(!(normal && in_range));
    }
    // one branch for the common case (every lane on the fast path): the basic block stays
    // whole, so the compiler can interleave it with the neighbouring arithmetic
    if slow.iter().fold(0, |a, &s| a | s) != 0 {
        for l in 0..N {
            if slow[l] != 0 {
                out[l] = pow(x[l], y);
            }
        }
    }
    out
}

/// Round to nearest (ties to even) of `|x| ≤ 2^22` by adding and removing `1.5·2^23`, and
/// the rounded value as an integer read from the same bits (no float-to-int conversion).
#[inline(always)]
fn round_small_int(x: f32) -> (f32, i32) {
    const MAGIC: f32 = 12_582_912.0;
    let t = x + MAGIC;
    (t - MAGIC, (t.to_bits() as i32).wrapping_sub(0x4b40_0000))
}

/// The largest `|y|` for which [`pow`] uses its polynomials: their error enters the result
/// about `|y|` times (largest relative error found: `3.5e-7` for `|y| ≤ 2`, `5.2e-7` for
/// `|y| ≤ 4`, `8.7e-7` for `|y| ≤ 8`, `1.1e-6` at 12, `4.8e-6` at 64), so above it [`pow`]
/// returns `libm::powf`. (Until the fourteenth session the polynomials ran up to `|y| = 64`
/// while the documentation promised `3e-7`.)
const POLY_Y_MAX: f32 = 4.0;

/// [`pow`] outside its fast path: special values, subnormal `x`, `|y| > 4`.
#[cold]
fn pow_general(x: f32, y: f32) -> f32 {
    if y == 0.0 {
        return 1.0;
    }
    if x.is_nan() || y.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 || x == f32::INFINITY {
        let big = (x == 0.0) == (y < 0.0);
        return if big { f32::INFINITY } else { 0.0 };
    }
    if y.abs() > POLY_Y_MAX {
        return libm::powf(x, y);
    }
    // here x > 0 is finite (normal, or subnormal: `split` rescales it) and 0 < |y| ≤ 4
    let (e, m) = split(x);
    // y = y_hi + y_lo with y_hi carrying 12 significant bits, so y_hi·e (|e| ≤ 149) is exact
    let y_hi = f32::from_bits(y.to_bits() & 0xffff_f000);
    let y_lo = y - y_hi;
    let a = y_hi * e as f32; // |a| ≤ 4·149
    let n_a = round(a);
    // both exact: a has at most 24 significant bits and |a - n_a| ≤ 1/2
    let r = (a - n_a as f32) + (y_lo * e as f32 + y * log2_reduced(m));
    let n_r = round(r);
    scale(exp2_reduced(r - n_r as f32), n_a + n_r)
}

/// How a kernel computes `pow`: the mode is a type parameter of the kernel (e.g.
/// [`crate::kernel::Umap`]), chosen once when the kernel is built.
///
/// ```
/// use neighbor_embed::fast_math::{Exact, Fast, Math};
/// assert_eq!(Exact::pow(2.0f32, 3.0), 8.0);
/// assert_eq!(Fast::pow(2.0f32, 3.0), 8.0);
/// ```
pub trait Math:
    Copy + Clone + Default + core::fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// `x^y` for `x ≥ 0`.
    ///
    /// ```
    /// use neighbor_embed::fast_math::{Exact, Fast, Math};
    /// let (x, b) = (3.7f32, 0.8950609f32);
    /// let reference = (x as f64).powf(b as f64);
    /// // Exact is libm (within an ulp); Fast is the polynomial pow for f32 ...
    /// assert!((Exact::pow(x, b) as f64 / reference - 1.0).abs() < f32::EPSILON as f64);
    /// assert!((Fast::pow(x, b) as f64 / reference - 1.0).abs() < 1e-6);
    /// // ... and libm itself for f64
    /// assert_eq!(Fast::pow(3.7f64, 0.9), Exact::pow(3.7f64, 0.9));
    /// ```
    fn pow<T: Real>(x: T, y: T) -> T;
    /// [`Math::pow`] of `N` values, bit-identical to calling it on each.
    ///
    /// ```
    /// use neighbor_embed::fast_math::{Exact, Math};
    /// // special values and a subnormal take libm's scalar path inside the lane function
    /// let x = [0.0f32, 1.0, 1e-42, 2.0, 0.3, 1e30, f32::INFINITY];
    /// let p = Exact::pow_lanes(&x, 0.79);
    /// for (p, &x) in p.iter().zip(&x) {
    ///     assert_eq!(p.to_bits(), Exact::pow(x, 0.79f32).to_bits());
    /// }
    /// ```
    #[inline(always)]
    fn pow_lanes<T: Real, const N: usize>(x: &[T; N], y: T) -> [T; N] {
        x.map(|v| Self::pow(v, y))
    }
}

/// `libm` (`powf`/`pow`): within about `5e-8` relative for `f32` (less than an ulp), the reference mode. Its lane
/// function keeps libm's bits: [`crate::libm_lanes::powf_lanes`] for `f32`.
///
/// ```
/// use neighbor_embed::fast_math::{Exact, Math};
/// use neighbor_embed::kernel::{Kernel, Umap};
/// let k: Umap<f32, Exact> = Umap::umap_learn_default(); // the kernels' default mode
/// let d2 = 2.5f32;
/// assert_eq!(k.value(d2), 1.0 / (1.0 + k.a() * Exact::pow(d2, k.b())));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exact;

/// This module's [`pow`] for `f32` (maximum relative error below `1e-6`, about 3× faster than
/// `libm::powf`); `f64` stays on `libm`.
///
/// ```
/// use neighbor_embed::fast_math::{Fast, Math, pow};
/// use neighbor_embed::kernel::{Kernel, Umap};
/// let k: Umap<f32, Fast> = Umap::umap_learn_default().fast();
/// let d2 = 2.5f32;
/// assert_eq!(Fast::pow(d2, k.b()).to_bits(), pow(d2, k.b()).to_bits());
/// assert_eq!(k.value(d2), 1.0 / (1.0 + k.a() * pow(d2, k.b())));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fast;

impl Math for Exact {
    #[inline(always)]
    fn pow<T: Real>(x: T, y: T) -> T {
        x.powf(y)
    }
    #[inline(always)]
    fn pow_lanes<T: Real, const N: usize>(x: &[T; N], y: T) -> [T; N] {
        T::powf_lanes(x, y)
    }
}

impl Math for Fast {
    #[inline(always)]
    fn pow<T: Real>(x: T, y: T) -> T {
        x.fast_powf(y)
    }
    #[inline(always)]
    fn pow_lanes<T: Real, const N: usize>(x: &[T; N], y: T) -> [T; N] {
        T::fast_pow_lanes(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::pad_x;

    /// The padding lanes' squared distance takes the general path of both lane `pow`s for
    /// `f32`: not 1 (libm's lanes leave it to `libm::powf`), a positive normal number (the fast
    /// lanes' condition), and a power that stays in the normal range for UMAP's exponents.
    #[test]
    fn padding_is_on_the_general_path() {
        let x = pad_x::<f32>();
        let d2 = x * x + 0.0 * 0.0;
        assert!(crate::libm_lanes::general_x(d2.to_bits()));
        assert!(d2.is_normal() && d2 > 0.0);
        for b in [0.5f32, 0.790_494_5, 0.895_060_9, 1.5, 2.5] {
            assert!(libm::powf(d2, b).is_normal());
        }
        assert_eq!(pad_x::<f64>(), f64::from(x));
    }
}
