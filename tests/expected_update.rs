//! The closed-form expected update of UMAP's sampler (MATH.md §C): the corollary
//! `E = -(1/μ_max) ∇L_eff` (push_tail, no clip, ε = 0), the non-gradient nature of umap-learn's
//! variant, clipping, conservation, and a literal term-by-term evaluation of the §C formula.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{Case, cases, rel_l2};
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{EffectiveParams, umap_effective_loss};
use proptest::prelude::*;

fn e_of(
    g: &CsrGraph<f64>,
    k: &Umap<f64>,
    coords: &[f64],
    dim: usize,
    o: &SamplerOptions<f64>,
) -> Vec<f64> {
    let mut out = vec![0.0; coords.len()];
    let mut ws = vec![0.0; g.n()];
    expected_update(
        g,
        k,
        &Layout::new(coords, dim).unwrap(),
        o,
        &mut ws,
        &mut out,
    )
    .unwrap();
    out
}

/// §C written out literally: sums over edges by head and by tail, and over all k ≠ i.
fn literal(c: &Case, g: &CsrGraph<f64>, k: &Umap<f64>, o: &SamplerOptions<f64>) -> Vec<f64> {
    let (n, dim) = (c.n, c.dim);
    let y = |i: usize| &c.coords[i * dim..(i + 1) * dim];
    let clip = |x: f64| o.clip.map_or(x, |cl| x.clamp(-cl, cl));
    let d2 = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
    let a_vec = |u: &[f64], v: &[f64]| -> Vec<f64> {
        let dd = d2(u, v);
        if dd == 0.0 {
            return vec![0.0; dim];
        }
        let cc = k.c_att(dd);
        (0..dim).map(|d| clip(cc * (u[d] - v[d]))).collect()
    };
    let r_vec = |u: &[f64], v: &[f64]| -> Vec<f64> {
        let dd = d2(u, v);
        if dd == 0.0 {
            return vec![0.0; dim];
        }
        let cc = k.c_rep(dd, o.gamma, o.eps);
        (0..dim).map(|d| clip(cc * (u[d] - v[d]))).collect()
    };
    let deg: Vec<f64> = (0..n).map(|i| g.row(i).map(|(_, w)| w).sum()).collect();
    let mu_max = g.w_max();
    let mut e = vec![0.0; n * dim];
    for i in 0..n {
        let mut acc = vec![0.0; dim];
        for (h, t, mu) in g.edges() {
            if h == i {
                for (a, x) in acc.iter_mut().zip(a_vec(y(i), y(t))) {
                    *a += mu * x;
                }
            }
            if o.move_other && t == i {
                for (a, x) in acc.iter_mut().zip(a_vec(y(i), y(h))) {
                    *a += mu * x;
                }
            }
        }
        for kk in 0..n {
            if kk == i {
                continue;
            }
            let r = r_vec(y(i), y(kk));
            for d in 0..dim {
                acc[d] += o.m / n as f64 * deg[i] * r[d];
                if o.push_tail {
                    acc[d] += o.m / n as f64 * deg[kk] * r[d];
                }
            }
        }
        for d in 0..dim {
            e[i * dim + d] = acc[d] / mu_max;
        }
    }
    e
}

fn options() -> impl Strategy<Value = SamplerOptions<f64>> {
    (
        0.1f64..3.0,
        0.0f64..0.1,
        0.5f64..8.0,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0.05f64..5.0),
    )
        .prop_map(
            |(gamma, eps, m, move_other, push_tail, clip)| SamplerOptions {
                gamma,
                eps,
                m,
                move_other,
                push_tail,
                clip,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// MATH.md §C corollary: push_tail, no clip, ε = 0 ⇒ E = -(1/μ_max) ∇L_eff.
    #[test]
    fn corollary_expected_update_is_minus_scaled_effective_gradient(c in cases(2..9, true), gamma in 0.2f64..3.0, m in 0.5f64..8.0, thr in 0.0f64..0.5) {
        let g = c.graph().with_min_weight(thr).unwrap();
        prop_assume!(g.w_max() > 0.0);
        let k = Umap::umap_learn_default();
        let o = SamplerOptions { gamma, eps: 0.0, m, move_other: true, push_tail: true, clip: None };
        let e = e_of(&g, &k, &c.coords, c.dim, &o);
        let mut grad = vec![0.0; c.coords.len()];
        umap_effective_loss(&g, &k, &c.layout(), &EffectiveParams { gamma, m }, &mut vec![0.0; c.n], Some(&mut grad)).unwrap();
        let target: Vec<f64> = grad.iter().map(|x| -x / g.w_max()).collect();
        let err = e.iter().zip(&target).fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        let scale = target.iter().fold(1.0f64, |a, x| a.max(x.abs()));
        prop_assert!(err <= 1e-12 * scale, "max diff {} at scale {}", err, scale);
    }

    /// The closed form equals the literal evaluation of §C for every option.
    #[test]
    fn matches_literal_formula(c in cases(2..9, false), o in options(), b in 0.7f64..1.5) {
        let g = c.graph();
        let k = Umap::new(1.6, b).unwrap();
        let e = e_of(&g, &k, &c.coords, c.dim, &o);
        let lit = literal(&c, &g, &k, &o);
        let scale = lit.iter().fold(1.0f64, |a, x| a.max(x.abs()));
        let err = e.iter().zip(&lit).fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        prop_assert!(err <= 1e-12 * scale, "{:?} vs {:?}", e, lit);
    }

    /// With move_other and push_tail every force has its reaction: Σ_i E_i = 0.
    #[test]
    fn momentum_is_conserved_with_move_other_and_push_tail(c in cases(2..9, false), clip in proptest::option::of(0.01f64..4.0)) {
        let g = c.graph();
        let o = SamplerOptions { push_tail: true, clip, ..SamplerOptions::default() };
        let e = e_of(&g, &Umap::umap_learn_default(), &c.coords, c.dim, &o);
        for d in 0..c.dim {
            let s: f64 = (0..c.n).map(|i| e[i * c.dim + d]).sum();
            let scale: f64 = e.iter().map(|x| x.abs()).sum::<f64>() + 1.0;
            prop_assert!(s.abs() < 1e-12 * scale);
        }
    }

    /// Clipping bounds every term: with clip κ, |E_i,d| ≤ κ (Σ μ_head + Σ μ_tail + m d_i (n-1)/n + push) / μ_max,
    /// and a clip larger than any term changes nothing.
    #[test]
    fn clipping(c in cases(2..9, true), kappa in 1e-3f64..0.1) {
        let g = c.graph();
        let k = Umap::umap_learn_default();
        let unclipped = e_of(&g, &k, &c.coords, c.dim, &SamplerOptions { clip: None, ..Default::default() });
        let huge = e_of(&g, &k, &c.coords, c.dim, &SamplerOptions { clip: Some(1e300), ..Default::default() });
        prop_assert_eq!(&unclipped, &huge);
        let e = e_of(&g, &k, &c.coords, c.dim, &SamplerOptions { clip: Some(kappa), ..Default::default() });
        for i in 0..c.n {
            let d = g.degree(i);
            let bound = kappa * (2.0 * d + 5.0 * d) / g.w_max() * (1.0 + 1e-12);
            for dd in 0..c.dim {
                prop_assert!(e[i * c.dim + dd].abs() <= bound);
            }
        }
    }
}

/// Without push_tail (umap-learn) the expected update is not a gradient field: its Jacobian is
/// asymmetric when degrees differ; with push_tail it is symmetric (MATH.md §B.3, §C step 6).
#[test]
fn umap_learn_expected_update_is_not_a_gradient() {
    // a star plus a chain: very unequal degrees; points on a jittered grid
    let n = 8;
    let mut dense = vec![0.0; n * n];
    for j in 1..5 {
        dense[j] = 1.0;
        dense[j * n] = 1.0;
    }
    for j in 5..n - 1 {
        dense[j * n + j + 1] = 0.7;
        dense[(j + 1) * n + j] = 0.7;
    }
    dense[4 * n + 5] = 0.5;
    dense[5 * n + 4] = 0.5;
    let (indptr, indices, weights) = common::csr_from_dense(n, &dense);
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    let coords: Vec<f64> = (0..n)
        .flat_map(|i| {
            [
                1.6 * (i % 3) as f64 + 0.1 * i as f64,
                1.6 * (i / 3) as f64 - 0.05 * i as f64,
            ]
        })
        .collect();
    let k = Umap::umap_learn_default();
    let asym = |push_tail: bool| {
        let o = SamplerOptions {
            push_tail,
            clip: None,
            eps: 0.0,
            ..SamplerOptions::default()
        };
        let m = coords.len();
        let mut jac = vec![0.0; m * m];
        for col in 0..m {
            let mut zp = coords.clone();
            zp[col] += 1e-6;
            let mut zm = coords.clone();
            zm[col] -= 1e-6;
            let (ep, em) = (e_of(&g, &k, &zp, 2, &o), e_of(&g, &k, &zm, 2, &o));
            for row in 0..m {
                jac[row * m + col] = (ep[row] - em[row]) / 2e-6;
            }
        }
        let jt: Vec<f64> = (0..m * m).map(|p| jac[(p % m) * m + p / m]).collect();
        rel_l2(&jac, &jt) // ‖J - Jᵀ‖/‖J‖
    };
    let (without, with) = (asym(false), asym(true));
    eprintln!("‖J - Jᵀ‖/‖J‖: {without:.3} without push_tail, {with:.1e} with");
    assert!(without > 0.05, "asymmetry without push_tail: {without}");
    assert!(with < 1e-6, "asymmetry with push_tail: {with}");
}

#[test]
fn errors_and_degenerate_inputs() {
    use neighbor_embed::Error;
    let k = Umap::umap_learn_default();
    let y = Layout::new(&[0.0, 1.0], 1).unwrap();
    let empty = CsrGraph::new(2, &[0, 0, 0], &[], &[]).unwrap();
    let mut out = [0.0; 2];
    assert!(matches!(
        expected_update(
            &empty,
            &k,
            &y,
            &SamplerOptions::default(),
            &mut [0.0; 2],
            &mut out
        ),
        Err(Error::Degenerate { .. })
    ));
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0]).unwrap();
    for (o, name) in [
        (
            SamplerOptions {
                gamma: f64::NAN,
                ..Default::default()
            },
            "gamma",
        ),
        (
            SamplerOptions {
                eps: -1.0,
                ..Default::default()
            },
            "eps",
        ),
        (
            SamplerOptions {
                m: f64::INFINITY,
                ..Default::default()
            },
            "m",
        ),
        (
            SamplerOptions {
                clip: Some(0.0),
                ..Default::default()
            },
            "clip",
        ),
    ] {
        assert!(
            matches!(expected_update(&g, &k, &y, &o, &mut [0.0; 2], &mut out), Err(Error::Param { name: n, .. }) if n == name)
        );
    }
    assert!(matches!(
        expected_update(
            &g,
            &k,
            &y,
            &SamplerOptions::default(),
            &mut [0.0; 2],
            &mut [0.0; 3]
        ),
        Err(Error::BufferLength { name: "out", .. })
    ));
    // coincident points: no force, no NaN
    let y0 = Layout::new(&[0.5, 0.5], 1).unwrap();
    expected_update(
        &g,
        &k,
        &y0,
        &SamplerOptions {
            eps: 0.0,
            clip: None,
            ..Default::default()
        },
        &mut [0.0; 2],
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [0.0, 0.0]);
}
