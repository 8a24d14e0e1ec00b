//! The fast deterministic math against `f64` libm: dense sweeps over `f32` inputs.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::fast_math::{exp2, log2, pow};

/// Every `step`-th f32 bit pattern in `[lo, hi]`.
fn sweep(lo: f32, hi: f32, step: u32) -> impl Iterator<Item = f32> {
    (lo.to_bits()..=hi.to_bits())
        .step_by(step as usize)
        .map(f32::from_bits)
}

fn rel(got: f32, exact: f64) -> f64 {
    ((got as f64 - exact) / exact).abs()
}

#[test]
fn pow_is_within_1e6_on_umap_distances() {
    // umap-learn's b on every 3rd f32 of d² in [1e-6, 1e4] (93 M values); other shapes on
    // every 29th
    for b in [
        0.895_060_9f32,
        0.5,
        0.79,
        1.0,
        1.2,
        1.929_7,
        0.25,
        2.0,
        -0.104_939_1,
    ] {
        let mut worst = (0.0f64, 0.0f32);
        let step = if b == 0.895_060_9 { 3 } else { 29 };
        for x in sweep(1e-6, 1e4, step) {
            let e = rel(pow(x, b), (x as f64).powf(b as f64));
            if e > worst.0 {
                worst = (e, x);
            }
        }
        eprintln!(
            "pow(·, {b}): max relative error {:.3e} at {}",
            worst.0, worst.1
        );
        assert!(worst.0 < 1e-6, "b = {b}: {worst:?}");
    }
}

#[test]
fn pow_is_within_1e6_over_a_wide_range() {
    for y in [-4.0f32, -1.5, -0.3, 0.1, 0.7, 1.0, 2.5, 4.0] {
        let mut worst = 0.0f64;
        for x in sweep(1e-30, 1e30, 997) {
            let exact = (x as f64).powf(y as f64);
            if exact > 1e-37 && exact < 3e38 {
                worst = worst.max(rel(pow(x, y), exact));
            }
        }
        eprintln!("pow(·, {y}) on [1e-30, 1e30]: max relative error {worst:.3e}");
        assert!(worst < 1e-6, "y = {y}: {worst}");
    }
}

/// The documented envelope of `pow` for the exponents it evaluates by its polynomials (`|y| ≤ 4`,
/// in steps of 1/8): the error grows about linearly with `|y|` (the logarithm's error enters `y`
/// times); the module table's `3.5e-7` up to `|y| = 2` and `5.2e-7` up to 4 (denser sweeps),
/// here with a margin. Every 4099th `f32` in `[1e-30, 1e30]` whose power is a normal number,
/// plus subnormal `x`.
#[test]
fn pow_meets_its_bound_for_every_polynomial_exponent() {
    let mut by_y = Vec::new();
    for k in -32..=32 {
        let y = k as f32 / 8.0;
        let mut worst = (0.0f64, 0.0f32);
        let xs = sweep(1e-30, 1e30, 4099).chain(sweep(
            f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            4099,
        ));
        for x in xs {
            let exact = (x as f64).powf(y as f64);
            if exact >= f32::MIN_POSITIVE as f64 && exact <= f32::MAX as f64 {
                let e = rel(pow(x, y), exact);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        let bound = if y.abs() <= 2.0 { 4e-7 } else { 6e-7 };
        assert!(
            worst.0 < bound,
            "y = {y}: {:.3e} at x = {:e}",
            worst.0,
            worst.1
        );
        by_y.push((y, worst.0));
    }
    let max = |lo: f32, hi: f32| {
        by_y.iter()
            .filter(|(y, _)| y.abs() >= lo && y.abs() <= hi)
            .fold(0.0f64, |m, &(_, e)| m.max(e))
    };
    eprintln!(
        "pow: max relative error {:.3e} for |y| <= 2, {:.3e} for 2 < |y| <= 4",
        max(0.0, 2.0),
        max(2.0001, 4.0)
    );
}

/// Above `|y| = 4` the polynomials' error grows towards 1e-6 and past it (8.7e-7 at 8, 1.1e-6 at
/// 12, 4.8e-6 at 64): `pow` is `libm::powf` there, bit for bit, special exponents included.
#[test]
fn pow_is_libm_above_four() {
    for y in [
        4.000_001f32,
        -4.000_001,
        7.875,
        12.0,
        16.5,
        -33.0,
        64.0,
        100.0,
        1e30,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ] {
        for x in sweep(1e-30, 1e30, 99_991).chain([1.0, 0.5, 2.0, f32::from_bits(1)]) {
            assert_eq!(
                pow(x, y).to_bits(),
                libm::powf(x, y).to_bits(),
                "pow({x:e}, {y})"
            );
        }
    }
    // and the lane function keeps the bits
    let x = [0.3f32, 1.0, 2.5, 1e-20, 7.0, 1e10, f32::from_bits(1), 0.999];
    for y in [4.5f32, -20.0] {
        let lanes = neighbor_embed::fast_math::pow_lanes(&x, y);
        for (l, &v) in lanes.iter().zip(&x) {
            assert_eq!(l.to_bits(), libm::powf(v, y).to_bits());
        }
    }
}

#[test]
fn exp2_and_log2_are_accurate() {
    let mut worst = 0.0f64;
    for x in sweep(-126.0, -1e-30, 101).chain(sweep(1e-30, 127.0, 101)) {
        worst = worst.max(rel(exp2(x), (x as f64).exp2()));
    }
    eprintln!("exp2: max relative error {worst:.3e}");
    assert!(worst < 3e-7);
    let mut worst = 0.0f64;
    for x in sweep(f32::MIN_POSITIVE, f32::MAX, 101) {
        let exact = (x as f64).log2();
        let err = (log2(x) as f64 - exact).abs();
        worst = worst.max(err / exact.abs().max(0.1));
    }
    eprintln!("log2: max error (relative, absolute below 0.1) {worst:.3e}");
    // measured 4.3e-7: the polynomial is sized for pow, whose error it enters times |y| ln 2
    assert!(worst < 5e-7);
}

#[test]
fn special_values() {
    assert_eq!(pow(0.0, 0.9), 0.0);
    assert_eq!(pow(0.0, -0.9), f32::INFINITY);
    assert_eq!(pow(f32::INFINITY, 0.9), f32::INFINITY);
    assert_eq!(pow(f32::INFINITY, -0.9), 0.0);
    assert_eq!(pow(3.0, 0.0), 1.0);
    assert_eq!(pow(f32::NAN, 0.0), 1.0);
    assert!(pow(-1.0, 0.5).is_nan() && pow(f32::NAN, 1.0).is_nan() && pow(2.0, f32::NAN).is_nan());
    assert_eq!(pow(2.0, 1e30), f32::INFINITY);
    assert_eq!(pow(2.0, -1e30), 0.0);
    assert_eq!(pow(1.0000001, 1e30), f32::INFINITY);
    assert_eq!(pow(0.9999999, 1e30), 0.0);
    assert_eq!(pow(f32::MAX, 2.0), f32::INFINITY);
    assert_eq!(pow(f32::MIN_POSITIVE, 2.0), 0.0);
    // subnormal input and output
    let x = f32::from_bits(1); // 2^-149
    assert!(rel(pow(x, 0.5), (x as f64).powf(0.5)) < 1e-6);
    let s = pow(2.0, -140.0);
    assert_eq!(s, f32::from_bits(1 << 9));
    assert_eq!(exp2(-149.0), f32::from_bits(1));
    assert_eq!(exp2(200.0), f32::INFINITY);
    assert_eq!(exp2(-200.0), 0.0);
    assert_eq!(log2(0.0), f32::NEG_INFINITY);
    assert!(log2(-1.0).is_nan());
    // exact powers of two stay exact
    for k in -20..20 {
        assert_eq!(pow(2.0, k as f32), (k as f64).exp2() as f32, "2^{k}");
    }
}
