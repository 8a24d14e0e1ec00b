//! Kernels: MATH.md §J vectors, finite-difference checks of `g` and `h`, identities between
//! kernels, ranges and monotonicity, the closed-form classifier coefficients, and totality
//! (no NaN for any `d2` in [0, +∞], in f32 and f64).

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use neighbor_embed::kernel::{
    BceKernel, Cauchy, Cosine, Gaussian, Kernel, OffsetCauchy, StudentT, Umap,
};
use proptest::prelude::*;

fn bce_kernels() -> Vec<(&'static str, Box<dyn BceKernel<f64>>)> {
    vec![
        ("umap default", Box::new(Umap::umap_learn_default())),
        ("umap b>1", Box::new(Umap::new(0.58, 1.33).unwrap())),
        ("umap b<1/2", Box::new(Umap::new(2.0, 0.4).unwrap())),
        ("cauchy", Box::new(Cauchy)),
        ("student-t 0.5", Box::new(StudentT::new(0.5).unwrap())),
        ("student-t 3", Box::new(StudentT::new(3.0).unwrap())),
        ("gaussian 0.7", Box::new(Gaussian::new(0.7).unwrap())),
    ]
}

#[test]
fn math_j_umap_default_at_d2_one() {
    let k = Umap::umap_learn_default();
    assert!((k.value(1.0f64) - 0.38805663).abs() < 5e-9);
    assert!((k.c_att(1.0f64) - (-1.09545314)).abs() < 5e-9);
    assert!((k.c_rep(1.0f64, 1.0, 0.001) - 0.69397464).abs() < 5e-9);
}

#[test]
fn identities_between_kernels() {
    let u11 = Umap::new(1.0, 1.0).unwrap();
    let t1 = StudentT::new(1.0).unwrap();
    let o1 = OffsetCauchy::new(1.0).unwrap();
    let t_big = StudentT::new(1e7).unwrap();
    let gauss1 = Gaussian::new(1.0).unwrap();
    for &d2 in &[0.0, 1e-6, 0.3, 1.0, 7.5, 1e4] {
        let c = Cauchy;
        for (name, v, w) in [
            ("umap(1,1) value", u11.value(d2), c.value(d2)),
            ("umap(1,1) g", u11.g(d2), Kernel::<f64>::g(&c, d2)),
            ("umap(1,1) d2h", u11.d2_h(d2), c.d2_h(d2)),
            ("student(1) value", t1.value(d2), c.value(d2)),
            ("student(1) g", t1.g(d2), Kernel::<f64>::g(&c, d2)),
            ("student(1) d2h", t1.d2_h(d2), c.d2_h(d2)),
            ("offset(1) value", o1.value(d2), c.value(d2)),
            ("offset(1) c_pos", o1.c_pos(d2, 0.3), c.c_pos(d2, 0.3)),
            ("offset(1) c_neg", o1.c_neg(d2, 0.3), c.c_neg(d2, 0.3)),
        ] {
            assert!(
                (v - w).abs() <= 1e-14 * (1.0 + w.abs()),
                "{name} at {d2}: {v} vs {w}"
            );
        }
        if d2 <= 10.0 {
            // Student-t → exp(-d2) as α → ∞ (error O(d2²/α))
            assert!(
                (t_big.value(d2) - gauss1.value(d2)).abs() < 1e-5,
                "t → gaussian at {d2}"
            );
        }
    }
}

#[test]
fn classifier_coefficients_match_math_table() {
    // MATH.md §A.1 table: Cauchy c_pos = -2s/(1 + s(1+d2)), c_neg = 2/((1+d2)(1+s(1+d2))).
    for &(d2, s) in &[(0.0f64, 1.0f64), (0.5, 0.01), (3.0, 2.0), (100.0, 1e-4)] {
        let v = 1.0 + d2;
        let (cp, cn) = (-2.0 * s / (1.0 + s * v), 2.0 / (v * (1.0 + s * v)));
        assert!((Cauchy.c_pos(d2, s) - cp).abs() < 1e-14 * cp.abs().max(1.0));
        assert!((Cauchy.c_neg(d2, s) - cn).abs() < 1e-14 * cn.abs().max(1.0));
        // Student-t: c_pos = -2s/(u(w + s)), c_neg = 2w/(u(w + s))
        let t = StudentT::new(2.5).unwrap();
        let (u, w) = (1.0 + d2 / 2.5, t.value(d2));
        assert!((t.c_pos(d2, s) - (-2.0 * s / (u * (w + s)))).abs() < 1e-13);
        assert!((t.c_neg(d2, s) - 2.0 * w / (u * (w + s))).abs() < 1e-13);
        // Gaussian: c_pos = -2βs/(w + s), c_neg = 2βw/(w + s)
        let g = Gaussian::new(0.7).unwrap();
        let w = g.value(d2);
        assert!((g.c_pos(d2, s) - (-1.4 * s / (w + s))).abs() < 1e-13);
        assert!((g.c_neg(d2, s) - 1.4 * w / (w + s)).abs() < 1e-13);
    }
    // UMAP's c_rep with ε (umap-learn's formula, §A.1)
    let k = Umap::new(1.3, 0.8).unwrap();
    for &d2 in &[1e-3, 0.5, 2.0, 40.0] {
        let expect = 2.0 * 1.5 * 0.8 / ((0.001 + d2) * (1.0 + 1.3 * f64::powf(d2, 0.8)));
        assert!((k.c_rep(d2, 1.5, 0.001) - expect).abs() < 1e-13 * expect);
    }
}

#[test]
fn umap_special_values_at_zero() {
    let below = Umap::new(1.5, 0.9).unwrap();
    assert_eq!(below.g(0.0f64), f64::NEG_INFINITY);
    assert_eq!(below.c_att(0.0f64), 0.0); // umap-learn's convention
    assert_eq!(below.c_pos(0.0f64, 1.0), 0.0);
    assert_eq!(Umap::new(1.5, 1.0).unwrap().g(0.0f64), -1.5);
    assert_eq!(Umap::new(1.5, 1.2).unwrap().g(0.0f64), 0.0);
    assert_eq!(below.h(0.0f64), f64::INFINITY);
    assert_eq!(below.c_rep(0.0f64, 1.0, 0.0), f64::INFINITY);
    assert_eq!(below.c_rep(0.0f64, 1.0, 0.001), 2.0 * 0.9 / 0.001);
    assert_eq!(below.ln_1m_value(0.0f64), f64::NEG_INFINITY);
}

/// d2 values across the whole range, including the edges.
fn extreme_d2s() -> Vec<f64> {
    let mut v = vec![
        0.0,
        5e-324,
        1e-310,
        1e-300,
        1e-30,
        1e-8,
        0.5,
        1.0,
        2.0,
        1e8,
        1e30,
        1e300,
        f64::MAX,
        f64::INFINITY,
    ];
    v.extend((0..60).map(|k| 10f64.powf(-30.0 + k as f64)));
    v
}

#[test]
fn every_kernel_method_is_nan_free_on_extremes_f64() {
    let mut kernels = bce_kernels();
    kernels.push(("umap tiny b", Box::new(Umap::new(1e-3, 0.05).unwrap())));
    kernels.push(("umap huge a", Box::new(Umap::new(1e30, 2.0).unwrap())));
    kernels.push(("student tiny dof", Box::new(StudentT::new(1e-6).unwrap())));
    kernels.push(("student huge dof", Box::new(StudentT::new(1e12).unwrap())));
    kernels.push(("gaussian huge", Box::new(Gaussian::new(1e30).unwrap())));
    for (name, k) in &kernels {
        for d2 in extreme_d2s() {
            for s in [1e-30, 1.0, 1e30] {
                let vals = [
                    k.value(d2),
                    k.ln_value(d2),
                    k.g(d2),
                    k.ln_1m_value(d2),
                    k.d2_h(d2),
                    k.h(d2),
                    k.c_att(d2),
                    k.c_rep(d2, 1.0, 0.001),
                    k.c_rep(d2, 1.0, 0.0),
                    k.q(d2, s),
                    k.neg_ln_q(d2, s),
                    k.neg_ln_1m_q(d2, s),
                    k.c_pos(d2, s),
                    k.c_neg(d2, s),
                ];
                assert!(
                    vals.iter().all(|v| !v.is_nan()),
                    "{name} d2 = {d2} s = {s}: {vals:?}"
                );
                let w = k.value(d2);
                assert!((0.0..=1.0).contains(&w), "{name}: w({d2}) = {w}");
                assert!(
                    k.d2_h(d2).is_finite() && k.d2_h(d2) >= 0.0,
                    "{name}: d2h({d2})"
                );
                assert!(
                    k.c_att(d2) <= 0.0 && k.c_rep(d2, 1.0, 0.001) >= 0.0,
                    "{name} signs {d2}"
                );
                if d2 > 0.0 {
                    assert!(k.c_rep(d2, 1.0, 0.001).is_finite(), "{name} c_rep({d2})");
                }
            }
        }
    }
    let o = OffsetCauchy::new(0.0).unwrap();
    for d2 in extreme_d2s() {
        for v in [
            o.value(d2),
            o.ln_value(d2),
            o.g(d2),
            o.c_pos(d2, 1.0),
            o.c_neg(d2, 1.0),
            o.q(d2, 1.0),
        ] {
            assert!(!v.is_nan(), "offset 0 at {d2}");
        }
    }
}

#[test]
fn every_kernel_method_is_nan_free_on_extremes_f32() {
    let kernels: Vec<Box<dyn BceKernel<f32>>> = vec![
        Box::new(Umap::<f32>::umap_learn_default()),
        Box::new(Umap::new(0.1f32, 1.9).unwrap()),
        Box::new(Cauchy),
        Box::new(StudentT::new(0.3f32).unwrap()),
        Box::new(Gaussian::new(2.0f32).unwrap()),
    ];
    let d2s = [
        0.0f32,
        1e-45,
        1e-40,
        1e-20,
        1e-3,
        1.0,
        1e3,
        1e20,
        1e38,
        f32::MAX,
        f32::INFINITY,
    ];
    for k in &kernels {
        for &d2 in &d2s {
            let vals = [
                k.value(d2),
                k.ln_value(d2),
                k.g(d2),
                k.ln_1m_value(d2),
                k.d2_h(d2),
                k.c_att(d2),
                k.c_rep(d2, 1.0, 0.001),
                k.q(d2, 1.0),
                k.neg_ln_q(d2, 1.0),
                k.neg_ln_1m_q(d2, 1.0),
                k.c_pos(d2, 1.0),
                k.c_neg(d2, 1.0),
            ];
            assert!(vals.iter().all(|v| !v.is_nan()), "d2 = {d2}: {vals:?}");
        }
    }
}

#[test]
fn constructors_reject_bad_parameters() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(Umap::new(bad, 1.0).is_err() && Umap::new(1.0, bad).is_err());
        assert!(StudentT::new(bad).is_err());
        assert!(Gaussian::new(bad).is_err());
        assert!(Cosine::new(bad).is_err());
    }
    assert!(OffsetCauchy::new(0.0).is_ok());
    assert!(OffsetCauchy::new(-1e-9).is_err() && OffsetCauchy::new(f64::NAN).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 16 } else { 400 }))]

    /// g = d ln w/d d2 and h = d ln(1-w)/d d2 by central differences (relative step).
    #[test]
    fn slopes_match_finite_differences(log_d2 in -3.0f64..4.0) {
        let d2 = 10f64.powf(log_d2);
        let h = 1e-6 * d2;
        for (name, k) in bce_kernels() {
            let fd_g = (k.ln_value(d2 + h) - k.ln_value(d2 - h)) / (2.0 * h);
            let fd_h = (k.ln_1m_value(d2 + h) - k.ln_1m_value(d2 - h)) / (2.0 * h);
            let (g, hh) = (k.g(d2), k.h(d2));
            // rounding of the function values limits the difference quotient
            let noise = |f: f64| 1e-15 * (1.0 + f.abs()) / h;
            prop_assert!((fd_g - g).abs() <= 1e-6 * g.abs() + noise(k.ln_value(d2)), "{} g({}) {} vs {}", name, d2, g, fd_g);
            prop_assert!((fd_h - hh).abs() <= 1e-6 * hh.abs() + noise(k.ln_1m_value(d2)), "{} h({}) {} vs {}", name, d2, hh, fd_h);
            // ln forms agree with the values
            let w = k.value(d2);
            prop_assert!((k.ln_value(d2).exp() - w).abs() <= 1e-13 * w.max(1e-300) + 1e-300);
            prop_assert!((k.ln_1m_value(d2).exp() - (1.0 - w)).abs() <= 1e-13 * (1.0 - w) + 4e-16, "{} ln_1m at {}", name, d2);
        }
        let o = OffsetCauchy::new(0.3).unwrap();
        let fd = (o.ln_value(d2 + h) - o.ln_value(d2 - h)) / (2.0 * h);
        prop_assert!((fd - o.g(d2)).abs() <= 1e-6 * o.g(d2).abs());
    }

    /// Kernels decrease in d2, stay in (0, 1]; coefficients have the documented signs and the
    /// classifier coefficients are the derivatives of -ln q and -ln(1-q).
    #[test]
    fn monotone_and_classifier_derivatives(a in -3.0f64..3.0, b in -3.0f64..3.0, log_s in -4.0f64..4.0) {
        let (lo, hi) = (10f64.powf(a.min(b)), 10f64.powf(a.max(b)));
        let s = 10f64.powf(log_s);
        for (name, k) in bce_kernels() {
            prop_assert!(k.value(lo) >= k.value(hi), "{}", name);
            prop_assert!(k.value(hi) > 0.0 && k.value(lo) <= 1.0);
            let d2 = lo;
            let h = 1e-6 * d2;
            let fd_pos = (k.neg_ln_q(d2 + h, s) - k.neg_ln_q(d2 - h, s)) / (2.0 * h);
            let fd_neg = (k.neg_ln_1m_q(d2 + h, s) - k.neg_ln_1m_q(d2 - h, s)) / (2.0 * h);
            // c = -2 dℓ/dd2
            let (cp, cn) = (k.c_pos(d2, s), k.c_neg(d2, s));
            let noise = |f: f64| 4e-15 * (1.0 + f.abs()) / h;
            prop_assert!((cp + 2.0 * fd_pos).abs() <= 1e-5 * cp.abs() + noise(k.neg_ln_q(d2, s)), "{} c_pos {} vs {}", name, cp, -2.0 * fd_pos);
            prop_assert!((cn + 2.0 * fd_neg).abs() <= 1e-5 * cn.abs() + noise(k.neg_ln_1m_q(d2, s)), "{} c_neg {} vs {}", name, cn, -2.0 * fd_neg);
            prop_assert!(cp <= 0.0 && cn >= 0.0);
        }
    }

    /// The cosine logit gradient matches finite differences and is orthogonal to z_i.
    #[test]
    fn cosine_gradient(zi in proptest::collection::vec(-2.0f64..2.0, 3), zj in proptest::collection::vec(-2.0f64..2.0, 3), tau in 0.05f64..2.0) {
        prop_assume!(zi.iter().map(|x| x * x).sum::<f64>() > 0.1);
        prop_assume!(zj.iter().map(|x| x * x).sum::<f64>() > 0.1);
        let k = Cosine::new(tau).unwrap();
        let mut grad = [0.0; 3];
        k.logit_grad(&zi, &zj, &mut grad).unwrap();
        let fd = common::fd_grad(|z| k.logit(z, &zj).unwrap(), &zi, 1e-6);
        prop_assert!(common::rel_max_diff(&grad, &fd) < 1e-7, "{:?} vs {:?}", grad, fd);
        let dot: f64 = grad.iter().zip(&zi).map(|(g, z)| g * z).sum();
        prop_assert!(dot.abs() < 1e-10 * (1.0 + grad.iter().map(|g| g.abs()).sum::<f64>()));
        // classifier coefficients are the derivatives of -ln q and -ln(1-q) in the logit
        let (l, s) = (k.logit(&zi, &zj).unwrap(), 0.7);
        let nlq = |x: f64| -(k.q(x, s)).ln();
        let nl1mq = |x: f64| (x.exp() / s).ln_1p(); // -ln(1 - q) = ln(1 + w/s)
        prop_assert!((k.pos_logit_coeff(l, s) - (nlq(l + 1e-6) - nlq(l - 1e-6)) / 2e-6).abs() < 1e-7);
        prop_assert!((k.neg_logit_coeff(l, s) - (nl1mq(l + 1e-6) - nl1mq(l - 1e-6)) / 2e-6).abs() < 1e-7);
    }
}

#[test]
fn cosine_is_total_on_zero_and_huge_vectors() {
    let k = Cosine::new(0.5f64).unwrap();
    let mut g = [0.0; 2];
    for (u, v) in [
        ([0.0, 0.0], [1.0, 0.0]),
        ([1e300, 1e300], [1e300, -1e300]),
        ([1e-300, 0.0], [0.0, 1e-300]),
    ] {
        let c = k.cos(&u, &v).unwrap();
        assert!((-1.0..=1.0).contains(&c));
        k.logit_grad(&u, &v, &mut g).unwrap();
        assert!(g.iter().all(|x| x.is_finite()), "{u:?} {v:?} {g:?}");
    }
    assert!((k.cos(&[1e300, 1e300], &[2e300, 2e300]).unwrap() - 1.0).abs() < 1e-15);
    assert!(k.cos(&[1.0], &[1.0, 2.0]).is_err());
    assert!(k.cos(&[], &[]).is_err());
}
