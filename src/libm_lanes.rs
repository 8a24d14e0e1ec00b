//! `libm::powf` of `N` lanes at once (eight or sixteen in this crate), **bit-identical** to calling
//! `libm::powf` on each: the exact math mode's lane function ([`crate::fast_math::Exact`] with
//! `f32`).
//!
//! `libm`'s `powf` is FreeBSD's `e_powf.c`: only `f32` basic operations and bit manipulation.
//! Its general path (a positive normal `x ≠ 1`, an exponent that is not a special case, a
//! result in the normal range) is written here without branches, the same operations in the
//! same order, so that the compiler can vectorise it; the two places where `e_powf.c` branches
//! on the data (the interval of the mantissa, the rounding of `y·log2 x` to an integer) become
//! selects and an exact integer computation. Every other lane (zero, subnormal, infinite, NaN
//! or negative `x`, `x = 1`, a result that overflows, underflows or is subnormal) and every
//! special exponent (`0`, `±1`, `2`, `½`, `±∞`, NaN, `|y| > 2^27`) is computed by `libm::powf`
//! itself. `tests/libm_lanes.rs` compares the lanes with `libm::powf` bit for bit over dense
//! sweeps of `x` and `y`.

// libm's constants (e_powf.c), by their bits
const fn c(bits: u32) -> f32 {
    f32::from_bits(bits)
}
const BP: [f32; 2] = [1.0, 1.5];
const DP_H: [f32; 2] = [0.0, c(0x3f15_c000)]; // log2(1.5) high
const DP_L: [f32; 2] = [0.0, c(0x35d1_cfdc)]; // log2(1.5) low
const L1: f32 = c(0x3f19_999a);
const L2: f32 = c(0x3edb_6db7);
const L3: f32 = c(0x3eaa_aaab);
const L4: f32 = c(0x3e8b_a305);
const L5: f32 = c(0x3e6c_3255);
const L6: f32 = c(0x3e53_f142);
const P1: f32 = c(0x3e2a_aaab);
const P2: f32 = c(0xbb36_0b61);
const P3: f32 = c(0x388a_b355);
const P4: f32 = c(0xb5dd_ea0e);
const P5: f32 = c(0x3331_bb4c);
const LG2: f32 = c(0x3f31_7218);
const LG2_H: f32 = c(0x3f31_7200);
const LG2_L: f32 = c(0x35bf_be8c);
const CP: f32 = c(0x3f76_384f); // 2/(3 ln 2)
const CP_H: f32 = c(0x3f76_4000);
const CP_L: f32 = c(0xb8f6_23c6);

/// `f32::from_bits(x.to_bits() & mask)`.
#[inline(always)]
fn keep(x: f32, mask: u32) -> f32 {
    f32::from_bits(x.to_bits() & mask)
}

/// Whether `x` (by its bits `hx`) takes [`powf_lanes`]' general path: a positive normal number
/// other than 1 (sign bit clear, exponent field neither 0 nor 255). Other values are left to
/// `libm::powf`, lane by lane.
#[inline(always)]
pub(crate) fn general_x(hx: u32) -> bool {
    hx.wrapping_sub(0x0080_0000) < 0x7f00_0000 && hx != 0x3f80_0000
}

/// `libm::powf(x[l], y)` of every lane (see the module docs).
///
/// ```
/// use neighbor_embed::libm_lanes::powf_lanes;
/// let x = [0.0f32, 1e-40, 0.5, 1.0, 2.0, 3.5, 1e20, f32::INFINITY];
/// let got = powf_lanes(&x, 0.8950609);
/// for (g, &x) in got.iter().zip(&x) {
///     assert_eq!(g.to_bits(), libm::powf(x, 0.8950609).to_bits());
/// }
/// ```
#[inline(always)]
pub fn powf_lanes<const N: usize>(x: &[f32; N], y: f32) -> [f32; N] {
    let iy = y.to_bits() & 0x7fff_ffff;
    // exponents e_powf.c treats apart: 0, ±1, 2, ½, ±∞, NaN, |y| > 2^27
    let special = iy == 0
        || iy >= 0x7f80_0000
        || iy == 0x3f80_0000
        || y == 2.0
        || y == 0.5
        || iy > 0x4d00_0000;
    if special {
        return x.map(|v| libm::powf(v, y));
    }
    let y1 = keep(y, 0xffff_f000);
    let mut out = [0.0f32; N];
    let mut slow = [0u32; N];
    for l in 0..N {
        let hx = x[l].to_bits();
        let general = general_x(hx);
        let ix = hx as i32;
        // log2 |x| = n + dp_h[k] + (t1 + t2), as e_powf.c computes it for |y| ≤ 2^27
        let mut n = (ix >> 23) - 0x7f;
        let j = ix & 0x007f_ffff;
        let mut ixn = j | 0x3f80_0000;
        let k1 = j > 0x001c_c471 && j < 0x005d_b3d7; // |x| in [√(3/2), √3): k = 1
        let up = j >= 0x005d_b3d7; // |x| ≥ √3: k = 0 and one more power of two
        if up {
            n += 1;
            ixn -= 0x0080_0000;
        }
        // e_powf.c's tables indexed by k, as selects (vectorisable)
        let (bp, dp_h, dp_l) = if k1 {
            (BP[1], DP_H[1], DP_L[1])
        } else {
            (BP[0], DP_H[0], DP_L[0])
        };
        let ax = f32::from_bits(ixn as u32);
        let u = ax - bp;
        let v = 1.0 / (ax + bp);
        let s = u * v;
        let s_h = keep(s, 0xffff_f000);
        let is = ((ixn as u32 >> 1) & 0xffff_f000) | 0x2000_0000;
        let t_h = f32::from_bits(is + 0x0040_0000 + if k1 { 1 << 21 } else { 0 });
        let t_l = ax - (t_h - bp);
        let s_l = v * ((u - s_h * t_h) - s_h * t_l);
        let s2 = s * s;
        let mut r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
        r += s_l * (s_h + s);
        let s2 = s_h * s_h;
        let t_h = keep(3.0 + s2 + r, 0xffff_f000);
        let t_l = r - ((t_h - 3.0) - s2);
        let u = s_h * t_h;
        let v = s_l * t_h + t_l * s;
        let p_h = keep(u + v, 0xffff_f000);
        let p_l = v - (p_h - u);
        let z_h = CP_H * p_h;
        let z_l = CP_L * p_h + p_l * CP + dp_l;
        let t = n as f32;
        let t1 = keep(((z_h + z_l) + dp_h) + t, 0xffff_f000);
        let t2 = z_l - (((t1 - t) - dp_h) - z_h);
        // y·log2 x = p_h + p_l
        let p_l = (y - y1) * t1 + y * t2;
        let mut p_h = y1 * t1;
        let z = p_l + p_h;
        let jz = z.to_bits() as i32;
        // |z| ≥ 128 (overflow, underflow or a result near them): libm's own branches
        let in_range = (jz & 0x7fff_ffff) < 0x4300_0000;
        // n = z rounded half away from zero when |z| > ½ (else 0), as e_powf.c's bit
        // arithmetic gives it: |z| < 128, so w = trunc |z| and |z| - w are exact
        let az = f32::from_bits(jz as u32 & 0x7fff_ffff);
        let w = if in_range { az as i32 } else { 0 };
        let half_up = az - w as f32 >= 0.5;
        let mag = if (jz & 0x7fff_ffff) > 0x3f00_0000 {
            w + i32::from(half_up)
        } else {
            0
        };
        let n = if jz < 0 { -mag } else { mag };
        p_h -= n as f32;
        // 2^(p_h + p_l)
        let t = keep(p_l + p_h, 0xffff_8000);
        let u = t * LG2_H;
        let v = (p_l - (t - p_h)) * LG2 + t * LG2_L;
        let z = u + v;
        let w = v - (z - u);
        let t = z * z;
        let t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
        let r = (z * t1) / (t1 - 2.0) - (w + z * w);
        let z = 1.0 - (r - z);
        let jr = (z.to_bits() as i32).wrapping_add(n.wrapping_shl(23));
        // a subnormal (or zero) result: libm's scalbnf
        let normal = (jr >> 23) > 0;
        out[l] = f32::from_bits(jr as u32);
        slow[l] = u32::from(!(general && in_range && normal));
    }
    if slow.iter().fold(0, |a, &s| a | s) != 0 {
        for l in 0..N {
            if slow[l] != 0 {
                out[l] = libm::powf(x[l], y);
            }
        }
    }
    out
}
