//! Every closed-form gradient of `neighbor_embed::loss` against central finite differences (f64)
//! on random small graphs and layouts, and every loss value against a naive dense evaluation
//! of its MATH.md formula.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{Case, cases, fd_grad, rel_max_diff};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Cauchy, Gaussian, Kernel, StudentT, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::*;
use proptest::prelude::*;

/// A loss of the layout coordinates that optionally writes its gradient.
type LossFn<'a> = dyn Fn(&[f64], Option<&mut [f64]>) -> f64 + 'a;

const H: f64 = 1e-6;
const TOL: f64 = 2e-6;

fn layout(coords: &[f64], dim: usize) -> Layout<'_, f64> {
    Layout::new(coords, dim).unwrap()
}

/// Dense weight matrix of a case.
fn dense(c: &Case) -> Vec<f64> {
    let mut m = vec![0.0; c.n * c.n];
    let g = c.graph();
    for (i, j, w) in g.edges() {
        m[i * c.n + j] += w;
    }
    m
}

fn d2(c: &Case, i: usize, j: usize) -> f64 {
    (0..c.dim)
        .map(|d| (c.coords[i * c.dim + d] - c.coords[j * c.dim + d]).powi(2))
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cross_entropy_gradient_and_value(c in cases(2..9, false), b in 0.6f64..1.6) {
        let (g, k) = (c.graph(), Umap::new(1.3, b).unwrap());
        let mut grad = vec![0.0; c.coords.len()];
        let l = umap_cross_entropy(&g, &k, &c.layout(), Some(&mut grad)).unwrap();
        let fd = fd_grad(|y| umap_cross_entropy(&g, &k, &layout(y, c.dim), None).unwrap(), &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        let mu = dense(&c);
        let mut naive = 0.0;
        for i in 0..c.n { for j in 0..c.n { if i != j {
            let nu = 1.0 / (1.0 + 1.3 * d2(&c, i, j).powf(b));
            naive += -mu[i * c.n + j] * nu.ln() - (1.0 - mu[i * c.n + j]) * (1.0 - nu).ln();
        }}}
        prop_assert!((l - naive).abs() < 1e-10 * naive.abs().max(1.0), "{} vs {}", l, naive);
    }

    #[test]
    fn effective_loss_gradient_and_value(c in cases(2..9, false), gamma in 0.1f64..3.0, m in 0.5f64..8.0) {
        let (g, k) = (c.graph(), Umap::umap_learn_default());
        let p = EffectiveParams { gamma, m };
        let mut ws = vec![0.0; c.n];
        let mut grad = vec![0.0; c.coords.len()];
        let l = umap_effective_loss(&g, &k, &c.layout(), &p, &mut ws, Some(&mut grad)).unwrap();
        let fd = fd_grad(|y| umap_effective_loss(&g, &k, &layout(y, c.dim), &p, &mut vec![0.0; c.n], None).unwrap(), &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        let mu = dense(&c);
        let deg: Vec<f64> = (0..c.n).map(|i| mu[i * c.n..(i + 1) * c.n].iter().sum()).collect();
        let mut naive = 0.0;
        for i in 0..c.n { for j in 0..c.n { if i != j {
            let nu = k.value(d2(&c, i, j));
            let r = gamma * m * (deg[i] + deg[j]) / (2.0 * c.n as f64);
            naive += -mu[i * c.n + j] * nu.ln() - r * (1.0 - nu).ln();
        }}}
        prop_assert!((l - naive).abs() < 1e-10 * naive.abs().max(1.0), "{} vs {}", l, naive);
    }

    #[test]
    fn parametric_loss_gradient_and_value(c in cases(2..9, true), batch in proptest::option::of(1usize..50)) {
        let (g, k) = (c.graph(), Umap::umap_learn_default());
        let p = ParametricParams { gamma: 1.2, m: 5.0, batch_size: batch };
        let mut grad = vec![0.0; c.coords.len()];
        let l = parametric_effective_loss(&g, &k, &c.layout(), &p, &mut vec![0.0; c.n], Some(&mut grad)).unwrap();
        let fd = fd_grad(|y| parametric_effective_loss(&g, &k, &layout(y, c.dim), &p, &mut vec![0.0; c.n], None).unwrap(), &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        let mu = dense(&c);
        let deg: Vec<f64> = (0..c.n).map(|i| mu[i * c.n..(i + 1) * c.n].iter().sum()).collect();
        let dtot: f64 = deg.iter().sum();
        let inv_b = batch.map_or(0.0, |b| 1.0 / b as f64);
        let mut naive = 0.0;
        for i in 0..c.n { for j in 0..c.n { if i != j {
            let nu = k.value(d2(&c, i, j));
            let r = 1.2 * 5.0 * ((1.0 - inv_b) * deg[i] * deg[j] / dtot + mu[i * c.n + j] * inv_b);
            naive += -mu[i * c.n + j] * nu.ln() - r * (1.0 - nu).ln();
        }}}
        prop_assert!((l - naive).abs() < 1e-10 * naive.abs().max(1.0), "{} vs {}", l, naive);
    }

    #[test]
    fn neg_loss_gradient_and_value(c in cases(2..9, false), log_z in -1.0f64..4.0, m in 1.0f64..10.0, umap_kernel in any::<bool>()) {
        let g = c.graph();
        let p = NegParams { z_bar: 10f64.powf(log_z), m };
        let run = |k: &LossFn| {
            let mut grad = vec![0.0; c.coords.len()];
            let l = k(&c.coords, Some(&mut grad));
            let fd = fd_grad(|y| k(y, None), &c.coords, H);
            (l, grad, fd)
        };
        let (l, grad, fd) = if umap_kernel {
            let k = Umap::umap_learn_default();
            run(&|y, gr| neg_loss(&g, &k, &layout(y, c.dim), &p, gr).unwrap())
        } else {
            run(&|y, gr| neg_loss(&g, &Cauchy, &layout(y, c.dim), &p, gr).unwrap())
        };
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        // value: -Σ p ln q - m ξ Σ ln(1 - q), q = φ/(φ + s), s = m Z̄/(n(n-1))
        let mu = dense(&c);
        let dtot: f64 = mu.iter().sum();
        let nf = c.n as f64;
        let s = m * p.z_bar / (nf * (nf - 1.0));
        let mut naive = 0.0;
        for i in 0..c.n { for j in 0..c.n { if i != j {
            let dd = d2(&c, i, j);
            let phi = if umap_kernel { Umap::<f64>::umap_learn_default().value(dd) } else { 1.0 / (1.0 + dd) };
            let q = phi / (phi + s);
            naive += -mu[i * c.n + j] / dtot * q.ln() - m / (nf * (nf - 1.0)) * (1.0 - q).ln();
        }}}
        prop_assert!((l - naive).abs() < 1e-10 * naive.abs().max(1.0), "{} vs {}", l, naive);
    }

    #[test]
    fn nce_gradients_layout_and_ln_z(c in cases(2..9, true), ln_z in -3.0f64..6.0, m in 1.0f64..10.0) {
        let g = c.graph();
        let k = StudentT::new(2.0).unwrap();
        let p = NceParams { ln_z, m };
        let mut grad = vec![0.0; c.coords.len()];
        let v = nce_loss(&g, &k, &c.layout(), &p, Some(&mut grad)).unwrap();
        let fd = fd_grad(|y| nce_loss(&g, &k, &layout(y, c.dim), &p, None).unwrap().loss, &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        let at = |t: f64| nce_loss(&g, &k, &c.layout(), &NceParams { ln_z: t, m }, None).unwrap().loss;
        let fd_z = (at(ln_z + H) - at(ln_z - H)) / (2.0 * H);
        prop_assert!((v.d_ln_z - fd_z).abs() < TOL * (1.0 + fd_z.abs()), "{} vs {}", v.d_ln_z, fd_z);
        // NCE at Z equals NEG at Z̄ = Z
        let neg = neg_loss(&g, &k, &c.layout(), &NegParams { z_bar: ln_z.exp(), m }, None).unwrap();
        prop_assert!((neg - v.loss).abs() < 1e-12 * v.loss.abs().max(1.0));
    }

    #[test]
    fn infonce_gradient_and_value(c in cases(3..9, false), rho in 0.25f64..4.0, picks in proptest::collection::vec(0usize..100, 2..7)) {
        let n = c.n;
        let (head, tail) = (picks[0] % n, picks[1] % n);
        prop_assume!(head != tail);
        let negs: Vec<u32> = picks[2..].iter().map(|&k| (k % n) as u32).filter(|&k| k as usize != head).collect();
        let k = Cauchy;
        let mut grad = vec![0.0; c.coords.len()];
        let l = infonce_pair(&k, &c.layout(), head, tail, &negs, rho, Some(&mut grad)).unwrap();
        let fd = fd_grad(|y| infonce_pair(&k, &layout(y, c.dim), head, tail, &negs, rho, None).unwrap(), &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        let phi = |t: usize| 1.0 / (1.0 + d2(&c, head, t));
        let s: f64 = phi(tail) + negs.iter().map(|&t| phi(t as usize)).sum::<f64>();
        let naive = -phi(tail).ln() + s.ln() / rho;
        prop_assert!((l - naive).abs() < 1e-12 * naive.abs().max(1.0));
        // the accumulator adds: a second call doubles it
        let mut twice = grad.clone();
        infonce_pair(&k, &c.layout(), head, tail, &negs, rho, Some(&mut twice)).unwrap();
        prop_assert!(twice.iter().zip(&grad).all(|(a, b)| (a - 2.0 * b).abs() < 1e-14));
    }

    #[test]
    fn tsne_gradient_and_value(c in cases(2..9, true), rho in 1.0f64..12.0, kernel in 0usize..3) {
        let total: f64 = c.weights.iter().sum();
        let w: Vec<f64> = c.weights.iter().map(|w| w / total).collect();
        let g = CsrGraph::new(c.n, &c.indptr, &c.indices, &w).unwrap();
        let t = StudentT::new(0.6).unwrap();
        let gs = Gaussian::new(0.4).unwrap();
        let f = |y: &[f64], gr: Option<&mut [f64]>| -> f64 {
            let l = layout(y, c.dim);
            match kernel {
                0 => tsne_kl(&g, &Cauchy, &l, rho, gr),
                1 => tsne_kl(&g, &t, &l, rho, gr),
                _ => tsne_kl(&g, &gs, &l, rho, gr),
            }.unwrap()
        };
        let mut grad = vec![0.0; c.coords.len()];
        let l = f(&c.coords, Some(&mut grad));
        let fd = fd_grad(|y| f(y, None), &c.coords, H);
        prop_assert!(rel_max_diff(&grad, &fd) < TOL, "{:?} vs {:?}", grad, fd);
        if rho == 1.0 || kernel == 0 {
            // the value at ρ = 1 is KL(P‖Q) ≥ 0, computed naively for the Cauchy kernel
            let mut z = 0.0;
            for i in 0..c.n { for j in 0..c.n { if i != j { z += 1.0 / (1.0 + d2(&c, i, j)); } } }
            let mut kl = 0.0;
            let mut cross = 0.0;
            for (i, j, p) in g.edges() {
                let q = 1.0 / (1.0 + d2(&c, i, j)) / z;
                kl += p * (p / q).ln();
                cross += p * (1.0 + d2(&c, i, j)).ln();
            }
            if kernel == 0 {
                let expect = kl + (rho - 1.0) * cross;
                prop_assert!((l - expect).abs() < 1e-10 * expect.abs().max(1.0), "{} vs {}", l, expect);
                prop_assert!(kl >= -1e-12);
            }
        }
    }

    /// Descent directions: the gradient sums to zero over points (translation invariance).
    #[test]
    fn gradients_are_translation_invariant(c in cases(2..9, false)) {
        let g = c.graph();
        let k = Umap::umap_learn_default();
        let mut grad = vec![0.0; c.coords.len()];
        umap_effective_loss(&g, &k, &c.layout(), &EffectiveParams::default(), &mut vec![0.0; c.n], Some(&mut grad)).unwrap();
        for d in 0..c.dim {
            let s: f64 = (0..c.n).map(|i| grad[i * c.dim + d]).sum();
            let scale: f64 = grad.iter().map(|x| x.abs()).sum::<f64>() + 1.0;
            prop_assert!(s.abs() < 1e-12 * scale);
        }
    }
}

#[test]
fn effective_targets_formula() {
    // path 0 - 1 - 2 with weights 1 and 0.5 (symmetric), γ = 2, m = 3
    let (indptr, indices, w) = ([0u32, 1, 3, 4], [1u32, 0, 2, 1], [1.0f64, 1.0, 0.5, 0.5]);
    let g = CsrGraph::new(3, &indptr, &indices, &w).unwrap();
    let p = EffectiveParams { gamma: 2.0, m: 3.0 };
    let (mut ws, mut nu) = ([0.0; 3], [0.0; 4]);
    effective_targets(&g, &p, &mut ws, &mut nu).unwrap();
    let deg = [1.0, 1.5, 0.5];
    let r = |i: usize, j: usize| 2.0 * 3.0 * (deg[i] + deg[j]) / 6.0;
    let expect = [
        1.0 / (1.0 + r(0, 1)),
        1.0 / (1.0 + r(1, 0)),
        0.5 / (0.5 + r(1, 2)),
        0.5 / (0.5 + r(2, 1)),
    ];
    for (a, b) in nu.iter().zip(expect) {
        assert!((a - b).abs() < 1e-15);
    }
}

#[test]
fn coincident_points_give_infinite_loss_but_finite_gradient() {
    let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0, 1.0]).unwrap();
    let coords = [0.0, 0.0, 2.0]; // points 0 and 1 coincide
    let y = layout(&coords, 1);
    let k = Umap::umap_learn_default();
    let mut grad = [0.0; 3];
    // CE: the coincident pair has μ = 1, so no repulsive weight: finite
    let l = umap_cross_entropy(&g, &k, &y, Some(&mut grad)).unwrap();
    assert!(l.is_finite() && grad.iter().all(|x| x.is_finite()));
    // L_eff: r > 0 on the coincident pair: +∞, gradient still finite
    let l = umap_effective_loss(
        &g,
        &k,
        &y,
        &EffectiveParams::default(),
        &mut [0.0; 3],
        Some(&mut grad),
    )
    .unwrap();
    assert_eq!(l, f64::INFINITY);
    assert!(grad.iter().all(|x| x.is_finite()));
    let l = neg_loss(
        &g,
        &Cauchy,
        &y,
        &NegParams {
            z_bar: 100.0,
            m: 5.0,
        },
        Some(&mut grad),
    )
    .unwrap();
    assert!(l.is_finite() && grad.iter().all(|x| x.is_finite()));
}

#[test]
fn input_errors() {
    use neighbor_embed::Error;
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0]).unwrap();
    let k = Umap::umap_learn_default();
    let y3 = layout(&[0.0, 1.0, 2.0], 1);
    let y2 = layout(&[0.0, 1.0], 1);
    assert_eq!(
        umap_cross_entropy(&g, &k, &y3, None),
        Err(Error::PointCount {
            graph: 2,
            layout: 3
        })
    );
    assert!(matches!(
        umap_cross_entropy(&g, &k, &y2, Some(&mut [0.0; 3])),
        Err(Error::BufferLength {
            name: "grad",
            expected: 2,
            found: 3
        })
    ));
    let bad = EffectiveParams {
        gamma: -1.0,
        m: 5.0,
    };
    assert!(matches!(
        umap_effective_loss(&g, &k, &y2, &bad, &mut [0.0; 2], None),
        Err(Error::Param { name: "gamma", .. })
    ));
    assert!(matches!(
        umap_effective_loss(
            &g,
            &k,
            &y2,
            &EffectiveParams::default(),
            &mut [0.0; 1],
            None
        ),
        Err(Error::BufferLength {
            name: "workspace",
            ..
        })
    ));
    assert!(matches!(
        neg_loss(&g, &Cauchy, &y2, &NegParams { z_bar: 0.0, m: 5.0 }, None),
        Err(Error::Param { name: "z_bar", .. })
    ));
    assert!(matches!(
        nce_loss(
            &g,
            &Cauchy,
            &y2,
            &NceParams {
                ln_z: f64::NAN,
                m: 5.0
            },
            None
        ),
        Err(Error::Param { name: "ln_z", .. })
    ));
    assert!(matches!(
        infonce_pair(&Cauchy, &y2, 0, 1, &[2], 1.0, None),
        Err(Error::PointIndex {
            name: "negatives",
            position: 0,
            index: 2,
            n: 2
        })
    ));
    assert!(matches!(
        infonce_pair(&Cauchy, &y2, 5, 1, &[], 1.0, None),
        Err(Error::PointIndex { name: "head", .. })
    ));
    assert!(matches!(
        infonce_pair(&Cauchy, &y2, 0, 1, &[], 0.0, None),
        Err(Error::Param { name: "rho", .. })
    ));
    assert!(matches!(
        tsne_kl(&g, &Cauchy, &y2, 1.0, None),
        Err(Error::Param { .. })
    )); // Σ P = 2
    let p = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5, 0.5]).unwrap();
    assert!(matches!(
        tsne_kl(&p, &Cauchy, &y2, 0.0, None),
        Err(Error::Param {
            name: "exaggeration",
            ..
        })
    ));
    let empty = CsrGraph::new(2, &[0, 0, 0], &[], &[]).unwrap();
    assert!(matches!(
        neg_loss(
            &empty,
            &Cauchy,
            &y2,
            &NegParams { z_bar: 1.0, m: 5.0 },
            None
        ),
        Err(Error::Degenerate { .. })
    ));
    let one = CsrGraph::new(1, &[0, 1], &[0], &[1.0]).unwrap();
    assert!(matches!(
        neg_loss(
            &one,
            &Cauchy,
            &layout(&[0.0], 1),
            &NegParams { z_bar: 1.0, m: 5.0 },
            None
        ),
        Err(Error::Degenerate { .. })
    ));
    assert!(matches!(
        parametric_effective_loss(
            &g,
            &k,
            &y2,
            &ParametricParams {
                batch_size: Some(0),
                ..Default::default()
            },
            &mut [0.0; 2],
            None
        ),
        Err(Error::Param {
            name: "batch_size",
            ..
        })
    ));
    let huge = CsrGraph::new(2, &[0, 2, 3], &[1, 1, 0], &[1e308, 1e308, 1.0]).unwrap();
    assert!(matches!(
        umap_effective_loss(
            &huge,
            &k,
            &y2,
            &EffectiveParams::default(),
            &mut [0.0; 2],
            None
        ),
        Err(Error::Degenerate { .. })
    ));
    assert!(matches!(
        neg_loss(&huge, &Cauchy, &y2, &NegParams { z_bar: 1.0, m: 5.0 }, None),
        Err(Error::Degenerate { .. })
    ));
    let heavy = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 2.0]).unwrap();
    assert!(matches!(
        umap_cross_entropy(&heavy, &k, &y2, None),
        Err(Error::Graph(neighbor_embed::GraphError::WeightAboveOne {
            position: 1
        }))
    ));
    let _ = <Umap<f64> as BceKernel<f64>>::d2_h(&k, 1.0);
}
