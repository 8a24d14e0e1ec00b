//! `libm_lanes::powf_lanes` against `libm::powf`, bit for bit: the exact math mode's lanes
//! must be libm's own results.

use neighbor_embed::fast_math::LANES;
use neighbor_embed::libm_lanes::powf_lanes;

/// Every `stride`-th `f32` from `lo` to `hi` (positive), `LANES` at a time, against libm.
fn sweep(lo: f32, hi: f32, stride: u32, y: f32) -> u64 {
    let (mut bits, end) = (lo.to_bits(), hi.to_bits());
    let mut checked = 0;
    while bits <= end {
        let x: [f32; LANES] = core::array::from_fn(|l| f32::from_bits(bits + l as u32 * stride));
        let got = powf_lanes(&x, y);
        for (g, &v) in got.iter().zip(&x) {
            let want = libm::powf(v, y);
            assert_eq!(
                g.to_bits(),
                want.to_bits(),
                "powf({v:e}, {y:e}): {g:e} vs libm {want:e}"
            );
        }
        checked += LANES as u64;
        bits += LANES as u32 * stride;
    }
    checked
}

#[test]
fn umap_exponent_over_every_third_f32_of_the_distance_range() {
    // UMAP's b and the squared distances the loops meet, [1e-6, 1e4]
    let n = sweep(1e-6, 1e4, if cfg!(miri) { 1 << 20 } else { 3 }, 0.895_060_9);
    assert!(n > 100_000);
}

#[test]
fn other_exponents_over_the_whole_positive_range() {
    let stride = if cfg!(miri) { 1 << 24 } else { 1009 };
    for y in [
        -0.1f32, 0.3, 0.7, 0.95, 1.05, 1.5, 1.9, 2.5, -1.5, 3.0, 7.25, -20.0, 64.0, 1e5, 1e8,
        1.3e8, 1.0e-7, -3.3e-5,
    ] {
        // subnormal x, tiny and huge, overflow and underflow: every path of libm's powf
        sweep(f32::from_bits(1), f32::MAX, stride, y);
    }
}

#[test]
fn special_inputs_and_random_pairs() {
    let specials = [
        0.0f32,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -2.0,
        0.5,
        2.0,
        1.000_000_1,
        0.999_999_94,
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 32) as u32
    };
    let mut ys: Vec<f32> = specials.to_vec();
    ys.extend([0.895_060_9f32, 3.0, -2.0, 1e-30, 2.0e9]);
    for _ in 0..if cfg!(miri) { 20 } else { 20_000 } {
        ys.push(f32::from_bits(next()));
    }
    for &y in &ys {
        let mut x = [0.0f32; LANES];
        for (l, v) in x.iter_mut().enumerate() {
            *v = if l < 2 {
                specials[(next() % specials.len() as u32) as usize]
            } else {
                f32::from_bits(next())
            };
        }
        let got = powf_lanes(&x, y);
        for (g, &v) in got.iter().zip(&x) {
            let want = libm::powf(v, y);
            assert!(
                g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan()),
                "powf({v:e}, {y:e}): {g:e} vs libm {want:e}"
            );
        }
    }
}
