//! Finite in ⇒ finite out (README, "Conventions and guarantees" → "Bad input, finite output,
//! fuzzing and Miri").
//!
//! The guarantee, asserted here exactly as documented: when every input lies in the
//! *guaranteed range* and a call returns `Ok`, every output (gradient, expected update,
//! effective target, position, accumulator, learnt `ln Z`, kernel function) is finite, and a
//! loss value is finite except `+∞` where a repulsive term is evaluated at distance 0 (two
//! coincident points).
//!
//! Guaranteed range, `f64`: coordinates and graph weights 0 or of magnitude in `[1e-30, 1e30]`;
//! scalar parameters (`γ`, `m`, `ε`, `Z̄`, `s`, `ρ`, `λ`, learning rates, clip, exaggeration,
//! noise mass) 0 where the parameter allows it, else in `[1e-30, 1e30]`; `|ln Z| ≤ 69`; kernel
//! shapes `a`, `α`, `β`, `ε_k` in `[1e-3, 1e3]` (`ε_k` also 0), UMAP's `b` in `[1e-3, 10]`,
//! the cosine `τ` in `[0.02, 1e3]`; the per-sample steps and the mini-batch loop with their
//! clip on. `f32`: the same with data and scalar parameters in `[1e-3, 1e3]`.
//!
//! Cases (native; `cfg!(miri)` runs a few dozen): 10 000 per float type for every loss, the
//! expected update and every step through umap-learn's schedule (tiny graphs n = 2 and 3 are
//! two thirds of them, up to n = 8; points coincident or a few ulps apart; self-loops,
//! duplicates, isolated vertices), 2 000 per type for the other loops, 10 000 per type for the
//! closed-form kernel functions in both math modes, and 5 000 for "no kernel function is ever
//! NaN" with any shape.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::batch::{BatchConfig, BatchSgd, NegativeSource};
use neighbor_embed::descent::{DescentConfig, neg_descent};
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::fast_math::Math;
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{
    BceKernel, Cauchy, Cosine, Gaussian, Kernel, OffsetCauchy, StudentT, Umap,
};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{
    EffectiveParams, NceParams, NegParams, ParametricParams, effective_targets, infonce_pair,
    nce_loss, neg_loss, parametric_effective_loss, tsne_kl, umap_cross_entropy,
    umap_effective_loss,
};
use neighbor_embed::sgd::{
    OwnedUmapSgd, SampleOrder, Silent, UmapConfig, frozen_estimate, transform,
};
use neighbor_embed::sink::{Frozen, InPlace};
use neighbor_embed::step::{BceStep, InfoNceStep, NceStep, NegStep};
use neighbor_embed::{Error, Real};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::Cell;

/// The guaranteed range of one float type: data and scalar parameters `0` or in `[lo, hi]`,
/// kernel shapes in `[shape_lo, shape_hi]`.
#[derive(Clone, Copy, Debug)]
struct Range {
    lo: f64,
    hi: f64,
}

const F64_RANGE: Range = Range {
    lo: 1e-30,
    hi: 1e30,
};
const F32_RANGE: Range = Range { lo: 1e-3, hi: 1e3 };
const SHAPE: Range = Range { lo: 1e-3, hi: 1e3 };
/// UMAP's `b` (umap-learn's fits lie in about `[0.5, 2]`; above 10 its `c_att` can overflow).
const UMAP_B: Range = Range { lo: 1e-3, hi: 10.0 };

/// Log-uniform in `[r.lo, r.hi]`.
fn log_uniform(r: Range) -> impl Strategy<Value = f64> + Clone {
    (r.lo.log10()..=r.hi.log10()).prop_map(move |e| 10f64.powf(e).clamp(r.lo, r.hi))
}

/// A coordinate: 0, ±log-uniform over the range, or an ordinary value in `[-10, 10]`.
fn coordinate(r: Range) -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        1 => Just(0.0),
        1 => prop::sample::select(vec![r.lo, -r.lo, r.hi, -r.hi]),
        6 => (any::<bool>(), log_uniform(r)).prop_map(|(neg, m)| if neg { -m } else { m }),
        3 => (-10.0f64..10.0).prop_map(move |v| if v.abs() < r.lo { 0.0 } else { v }),
    ]
}

/// A positive parameter: log-uniform over the range, or one of a few ordinary values.
fn positive(r: Range) -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        3 => log_uniform(r),
        1 => prop::sample::select(vec![0.5, 1.0, 4.0, 5.0, r.lo, r.hi]),
    ]
}

/// A parameter that may be 0.
fn nonneg(r: Range) -> impl Strategy<Value = f64> + Clone {
    prop_oneof![1 => Just(0.0), 4 => positive(r)]
}

/// The next value after `v` in the float type of range `r` (`f32` for the `f32` range), kept
/// in the range.
fn next_up(v: f64, r: Range) -> f64 {
    let up = if r.hi > 1e6 {
        f64::from_bits(if v >= 0.0 {
            v.to_bits() + 1
        } else {
            v.to_bits() - 1
        })
    } else {
        let v = v as f32;
        let b = v.to_bits();
        f64::from(f32::from_bits(if v >= 0.0 { b + 1 } else { b - 1 }))
    };
    if up == 0.0 || up.abs() < r.lo {
        r.lo
    } else {
        up.min(r.hi)
    }
}

/// Scalar parameters of every loss, step and loop.
#[derive(Clone, Debug)]
struct Params {
    gamma: f64,
    m: f64,
    eps: f64,
    z_bar: f64,
    s: f64,
    rho: f64,
    neg_weight: f64,
    lr: f64,
    lr_z: f64,
    clip: f64,
    exaggeration: f64,
    ln_z: f64,
    /// UMAP `a, b`, Student-t `α`, Gaussian `β`, offset `ε_k` (0 in a quarter of the cases).
    shape: (f64, f64, f64, f64, f64),
    flags: [bool; 5],
    epochs: usize,
    negative_rate: f64,
    seed: u64,
    batch: Option<usize>,
}

fn params(r: Range) -> impl Strategy<Value = Params> {
    let scalars = (
        nonneg(r),
        positive(r),
        nonneg(r),
        positive(r),
        positive(r),
        positive(r),
        nonneg(r),
        positive(r),
        nonneg(r),
        positive(r),
        positive(r),
        -69.0f64..69.0,
    );
    let shape = (
        log_uniform(SHAPE),
        log_uniform(UMAP_B),
        log_uniform(SHAPE),
        log_uniform(SHAPE),
        prop_oneof![1 => Just(0.0), 3 => log_uniform(SHAPE)],
    );
    let rest = (
        any::<[bool; 5]>(),
        1usize..=4,
        prop_oneof![1 => Just(0.0), 4 => 0.1f64..8.0],
        any::<u64>(),
        prop_oneof![Just(None), (1usize..2000).prop_map(Some)],
    );
    (scalars, shape, rest).prop_map(
        |(
            (gamma, m, eps, z_bar, s, rho, neg_weight, lr, lr_z, clip, exaggeration, ln_z),
            shape,
            (flags, epochs, negative_rate, seed, batch),
        )| Params {
            gamma,
            m,
            eps,
            z_bar,
            s,
            rho,
            neg_weight,
            lr,
            lr_z,
            clip,
            exaggeration,
            ln_z,
            shape,
            flags,
            epochs,
            negative_rate,
            seed,
            batch,
        },
    )
}

/// A small graph (unsorted rows, duplicates, self-loops, explicit zeros and isolated vertices
/// allowed), a layout with coincident points, a sample and a pin mask.
#[derive(Clone, Debug)]
struct Case {
    n: usize,
    dim: usize,
    coords: Vec<f64>,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<f64>,
    pins: Vec<bool>,
    sample: (usize, usize, Vec<u32>),
    p: Params,
}

fn case(r: Range) -> impl Strategy<Value = Case> {
    let n = prop_oneof![1 => Just(2usize), 1 => Just(3usize), 1 => 2usize..=8];
    (n, 1usize..=3).prop_flat_map(move |(n, dim)| {
        let weight = prop_oneof![1 => Just(0.0), 8 => positive(r)];
        (
            prop::collection::vec(coordinate(r), n * dim),
            // point i copies point copy[i].0 (< i) when Some, nudged by copy[i].1 ulps along
            // one axis: coincident points, and the smallest distances the range allows
            prop::collection::vec(
                prop_oneof![
                    2 => Just(None),
                    1 => (0..n, Just(0u8), 0..dim).prop_map(Some),
                    1 => (0..n, 1u8..4, 0..dim).prop_map(Some),
                ],
                n,
            ),
            prop::collection::vec((0..n, 0..n, weight), 0..=3 * n),
            prop::collection::vec(any::<bool>(), n),
            (0..n, 0..n, prop::collection::vec(0..n as u32, 0..6)),
            params(r),
        )
            .prop_map(move |(mut coords, copy, mut edges, pins, sample, p)| {
                for (i, c) in copy.iter().enumerate() {
                    if let Some((j, ulps, axis)) = *c
                        && j < i
                    {
                        for d in 0..dim {
                            coords[i * dim + d] = coords[j * dim + d];
                        }
                        let v = &mut coords[i * dim + axis];
                        for _ in 0..ulps {
                            *v = next_up(*v, r);
                        }
                    }
                }
                edges.sort_by_key(|e| e.0); // stable: rows keep their random column order
                let mut indptr = vec![0u32; n + 1];
                for e in &edges {
                    indptr[e.0 + 1] += 1;
                }
                for i in 0..n {
                    indptr[i + 1] += indptr[i];
                }
                Case {
                    n,
                    dim,
                    coords,
                    indptr,
                    indices: edges.iter().map(|e| e.1 as u32).collect(),
                    weights: edges.iter().map(|e| e.2).collect(),
                    pins,
                    sample,
                    p,
                }
            })
    })
}

/// Calls that returned `Ok` (so that a property cannot pass by erroring out).
#[derive(Default)]
struct Counts {
    ok: Cell<usize>,
    total: Cell<usize>,
}

impl Counts {
    fn record<V>(&self, r: &Result<V, Error>) {
        self.total.set(self.total.get() + 1);
        if r.is_ok() {
            self.ok.set(self.ok.get() + 1);
        }
    }
}

fn all_finite<T: Real>(v: &[T]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// The loss guarantee: finite, or `+∞` when two points coincide.
fn loss_ok<T: Real>(loss: T, coincident: bool) -> bool {
    loss.is_finite() || (loss == T::infinity() && coincident)
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)*) => {
        prop_assert!($cond, $($msg)*)
    };
}

fn conv<T: Real>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::of_f64(x)).collect()
}

/// Every loss, the expected update, and every step through a few epochs of `UmapSgd`.
fn check_case<T: Real>(c: &Case, counts: &Counts) -> Result<(), TestCaseError> {
    let p = &c.p;
    let (n, dim) = (c.n, c.dim);
    let t = T::of_f64;
    let coords: Vec<T> = conv(&c.coords);
    let weights: Vec<T> = conv(&c.weights);
    let g = CsrGraph::new(n, &c.indptr, &c.indices, &weights).unwrap();
    let y = Layout::new(&coords, dim).unwrap();
    let coincident = (0..n).any(|i| (i + 1..n).any(|j| y.sq_dist(i, j) == T::zero()));
    // memberships for the cross-entropy: w/(1 + w) ∈ [0, 1)
    let memberships: Vec<T> = c.weights.iter().map(|&w| t(w / (1.0 + w))).collect();
    let gm = CsrGraph::new(n, &c.indptr, &c.indices, &memberships).unwrap();
    let (a, b, dof, beta, offset) = p.shape;
    let umap = Umap::new(t(a), t(b)).unwrap();
    let umap_default = Umap::<T>::umap_learn_default();
    let student = StudentT::new(t(dof)).unwrap();
    let gaussian = Gaussian::new(t(beta)).unwrap();
    let offset_cauchy = OffsetCauchy::new(t(offset)).unwrap();
    let mut ws = vec![T::zero(); n];
    let mut grad = vec![T::zero(); n * dim];
    let mut grad2 = vec![T::zero(); n * dim];

    // BCE losses with every BCE kernel
    macro_rules! bce_losses {
        ($k:expr) => {{
            let k = $k;
            let r = umap_cross_entropy(&gm, &k, &y, Some(&mut grad));
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(loss_ok(l, coincident), "cross-entropy {l:?}");
                ensure!(all_finite(&grad), "cross-entropy gradient {grad:?}");
            }
            let ep = EffectiveParams {
                gamma: t(p.gamma),
                m: t(p.m),
            };
            let r = umap_effective_loss(&g, &k, &y, &ep, &mut ws, Some(&mut grad));
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(loss_ok(l, coincident), "effective loss {l:?}");
                ensure!(all_finite(&grad), "effective gradient {grad:?}");
            }
            let pp = ParametricParams {
                gamma: t(p.gamma),
                m: t(p.m),
                batch_size: p.batch,
            };
            let r = parametric_effective_loss(&g, &k, &y, &pp, &mut ws, Some(&mut grad));
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(loss_ok(l, coincident), "parametric loss {l:?}");
                ensure!(all_finite(&grad), "parametric gradient {grad:?}");
            }
            let options = SamplerOptions {
                gamma: t(p.gamma),
                eps: t(p.eps),
                m: t(p.m),
                move_other: p.flags[0],
                push_tail: p.flags[1],
                clip: if p.flags[2] { Some(t(p.clip)) } else { None },
            };
            let r = expected_update(&g, &k, &y, &options, &mut ws, &mut grad);
            counts.record(&r);
            if r.is_ok() {
                ensure!(all_finite(&grad), "expected update {grad:?}");
            }
        }};
    }
    bce_losses!(umap);
    bce_losses!(umap_default);
    bce_losses!(umap.fast());
    bce_losses!(Cauchy);
    bce_losses!(student);
    bce_losses!(gaussian);

    let ep = EffectiveParams {
        gamma: t(p.gamma),
        m: t(p.m),
    };
    let mut nu = vec![T::zero(); g.nnz()];
    let r = effective_targets(&g, &ep, &mut ws, &mut nu);
    counts.record(&r);
    if r.is_ok() {
        ensure!(
            nu.iter().all(|&v| v >= T::zero() && v <= T::one()),
            "effective targets {nu:?}"
        );
    }

    // classifier losses and InfoNCE with every kernel
    let (head, tail, ref negatives) = c.sample;
    macro_rules! classifier_losses {
        ($k:expr) => {{
            let k = $k;
            let np = NegParams {
                z_bar: t(p.z_bar),
                m: t(p.m),
            };
            let r = neg_loss(&g, &k, &y, &np, Some(&mut grad));
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(loss_ok(l, coincident), "NEG loss {l:?}");
                ensure!(all_finite(&grad), "NEG gradient {grad:?}");
            }
            let cp = NceParams {
                ln_z: t(p.ln_z),
                m: t(p.m),
            };
            let r = nce_loss(&g, &k, &y, &cp, Some(&mut grad));
            counts.record(&r);
            if let Ok(v) = r {
                ensure!(loss_ok(v.loss, coincident), "NCE loss {v:?}");
                ensure!(v.d_ln_z.is_finite(), "NCE d ln Z {v:?}");
                ensure!(all_finite(&grad), "NCE gradient {grad:?}");
            }
            grad2.fill(T::zero());
            let r = infonce_pair(&k, &y, head, tail, negatives, t(p.rho), Some(&mut grad2));
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(loss_ok(l, coincident), "InfoNCE loss {l:?}");
                ensure!(all_finite(&grad2), "InfoNCE gradient {grad2:?}");
            }
        }};
    }
    classifier_losses!(umap);
    classifier_losses!(Cauchy);
    classifier_losses!(student);
    classifier_losses!(gaussian);
    classifier_losses!(offset_cauchy);

    // t-SNE on the weights normalised to a distribution over ordered pairs i ≠ j
    let off: f64 = g.edges().filter(|e| e.0 != e.1).map(|e| e.2.as_f64()).sum();
    if off > 0.0 {
        let pw: Vec<T> = c.weights.iter().map(|&w| t(w / off)).collect();
        let gp = CsrGraph::new(n, &c.indptr, &c.indices, &pw).unwrap();
        for (name, r) in [
            (
                "Cauchy",
                tsne_kl(&gp, &Cauchy, &y, t(p.exaggeration), Some(&mut grad)),
            ),
            (
                "Student-t",
                tsne_kl(&gp, &student, &y, t(p.exaggeration), Some(&mut grad2)),
            ),
        ] {
            counts.record(&r);
            if let Ok(l) = r {
                ensure!(l.is_finite(), "t-SNE {name} {l:?}");
            }
        }
        ensure!(all_finite(&grad) && all_finite(&grad2), "t-SNE gradients");
    }

    // every step through a few epochs of umap-learn's schedule, in place with pins and frozen
    let config = UmapConfig {
        n_epochs: p.epochs,
        learning_rate: t(p.lr),
        negative_rate: p.negative_rate,
        seed: p.seed,
        negative_pool: None,
        decay: p.flags[3],
        // both visiting orders (lockstep hands batches to every step)
        order: if p.seed % 2 == 1 {
            SampleOrder::Lockstep
        } else {
            SampleOrder::Csr
        },
    };
    let clip = Some(t(p.clip));
    macro_rules! run_step {
        ($name:expr, $step:expr) => {{
            let mut step = $step;
            let mut sgd = OwnedUmapSgd::<T>::new(&g, &config).unwrap();
            let mut moving = coords.clone();
            let pins = if p.flags[4] { Some(&c.pins[..]) } else { None };
            let r = sgd.run(
                &g,
                &mut step,
                &mut InPlace::new(&mut moving, dim, pins),
                usize::MAX,
                &mut Silent,
            );
            counts.record(&r);
            if r.is_ok() {
                ensure!(all_finite(&moving), "{} in place: {moving:?}", $name);
            }
            let mut sgd = OwnedUmapSgd::<T>::new(&g, &config).unwrap();
            let mut acc = vec![T::zero(); n * dim];
            let r = sgd.run(
                &g,
                &mut step,
                &mut Frozen::new(&coords, &mut acc, dim, pins),
                usize::MAX,
                &mut Silent,
            );
            counts.record(&r);
            if r.is_ok() {
                ensure!(all_finite(&acc), "{} frozen: {acc:?}", $name);
            }
            step
        }};
    }
    let bce = |batched: bool| BceStep {
        gamma: t(p.gamma),
        eps: t(p.eps),
        clip,
        move_other: p.flags[0],
        batched_negatives: batched,
        ..BceStep::umap_learn(umap)
    };
    run_step!("BCE", bce(false));
    run_step!("BCE batched", bce(true));
    run_step!(
        "BCE fast",
        BceStep {
            batched_negatives: p.flags[1],
            ..BceStep::umap_learn(umap_default.fast())
        }
    );
    run_step!(
        "BCE Cauchy",
        BceStep {
            gamma: t(p.gamma),
            clip,
            ..BceStep::umap_learn(Cauchy)
        }
    );
    run_step!(
        "NEG",
        NegStep {
            neg_weight: t(p.neg_weight),
            clip,
            move_other: p.flags[0],
            push_negatives: p.flags[1],
            ..NegStep::new(Cauchy, t(p.s))
        }
    );
    run_step!(
        "NEG offset",
        NegStep {
            clip,
            push_negatives: p.flags[1],
            ..NegStep::new(offset_cauchy, t(p.s))
        }
    );
    let nce = NceStep {
        clip,
        neg_weight: t(p.neg_weight),
        push_negatives: p.flags[1],
        ..NceStep::new(student, t(p.m), n, t(p.ln_z), t(p.lr_z)).unwrap()
    };
    let nce = run_step!("NCE", nce);
    ensure!(nce.ln_z.is_finite(), "NCE ln Z {:?}", nce.ln_z);
    run_step!(
        "InfoNCE",
        InfoNceStep {
            clip,
            move_other: p.flags[0],
            push_negatives: p.flags[1],
            ..InfoNceStep::new(Cauchy, t(p.rho))
        }
    );
    run_step!(
        "InfoNCE offset",
        InfoNceStep {
            clip,
            move_other: p.flags[0],
            ..InfoNceStep::new(offset_cauchy, t(p.rho))
        }
    );
    run_step!(
        "InfoNCE Gaussian",
        InfoNceStep {
            clip,
            ..InfoNceStep::new(gaussian, t(p.rho))
        }
    );
    Ok(())
}

/// Under Miri (`.ci/miri.sh`, about 1000× slower) a few dozen cases instead.
fn scaled(cases: u32) -> u32 {
    if cfg!(miri) {
        (cases / 500).max(4)
    } else {
        cases
    }
}

fn run_property<T: Real>(cases: u32, r: Range) {
    run_cases(cases, r, check_case::<T>);
}

fn run_cases(cases: u32, r: Range, check: fn(&Case, &Counts) -> Result<(), TestCaseError>) {
    let counts = Counts::default();
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(scaled(cases))
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let result = runner.run(&case(r), |c| check(&c, &counts));
    if let Err(e) = result {
        panic!("{e}");
    }
    let (ok, total) = (counts.ok.get(), counts.total.get());
    eprintln!(
        "{} cases, {total} calls, {ok} Ok, {:.1} s",
        scaled(cases),
        started.elapsed().as_secs_f64()
    );
    // most calls must have reached the finite-output check rather than a typed error (a
    // statistical check: not with the handful of cases run under Miri)
    assert!(
        cfg!(miri) || ok * 10 >= total * 8,
        "only {ok} of {total} calls returned Ok"
    );
}

#[test]
fn every_loss_and_step_is_finite_in_f64() {
    run_property::<f64>(10_000, F64_RANGE);
}

#[test]
fn every_loss_and_step_is_finite_in_f32() {
    run_property::<f32>(10_000, F32_RANGE);
}

/// The other loops on the same inputs: contrastive-ne's mini-batches (clip on), full-gradient
/// NEG descent, the frozen-layout estimate and `transform`.
fn check_loops<T: Real>(c: &Case, counts: &Counts) -> Result<(), TestCaseError> {
    let p = &c.p;
    let (n, dim) = (c.n, c.dim);
    let t = T::of_f64;
    let coords: Vec<T> = conv(&c.coords);
    let weights: Vec<T> = conv(&c.weights);
    let g = CsrGraph::new(n, &c.indptr, &c.indices, &weights).unwrap();
    let y = Layout::new(&coords, dim).unwrap();
    let (a, b, _, _, offset) = p.shape;
    let umap = Umap::new(t(a), t(b)).unwrap();
    let offset_cauchy = OffsetCauchy::new(t(offset)).unwrap();

    let batch = BatchConfig {
        n_epochs: p.epochs,
        batch_size: 1 + (p.seed % 7) as usize,
        negatives: (p.seed >> 8) as usize % 6,
        source: if p.flags[0] {
            NegativeSource::Batch
        } else {
            NegativeSource::Uniform
        },
        learning_rate: t(p.lr),
        lr_min_factor: t(p.negative_rate / 8.0),
        momentum: t(p.negative_rate / 8.1),
        clip: Some(t(p.clip)),
        early_epochs: (p.seed >> 16) as usize % 3,
        seed: p.seed,
    };
    let r = BatchSgd::new(&g, dim, &batch);
    counts.record(&r);
    if let Ok(mut sgd) = r {
        let mut moving = coords.clone();
        let mut early = NegStep {
            clip: None,
            push_negatives: true,
            ..NegStep::new(Cauchy, t(p.s))
        };
        let mut main = InfoNceStep {
            clip: None,
            ..InfoNceStep::new(offset_cauchy, t(p.rho))
        };
        let r = sgd.run(
            &g,
            &mut early,
            &mut main,
            &mut moving,
            usize::MAX,
            &mut Silent,
        );
        counts.record(&r);
        if r.is_ok() {
            ensure!(all_finite(&moving), "mini-batch: {moving:?}");
        }
    }

    let descent = DescentConfig {
        n_iter: 3 * p.epochs,
        early_iter: p.epochs,
        exaggeration: t(p.exaggeration),
        early_z_bar: p.flags[1].then_some(p.s),
        z_bar: p.z_bar,
        noise_mass: p.m,
        learning_rate: p.flags[2].then_some(t(p.lr)),
        momentum: (t(p.negative_rate / 8.1), t(p.negative_rate / 9.0)),
        theta: t(p.neg_weight.min(2.0)),
    };
    macro_rules! descend {
        ($name:expr, $k:expr) => {{
            let mut moving = coords.clone();
            let r = neg_descent(&g, &$k, &mut moving, dim, &descent, &mut Silent);
            counts.record(&r);
            if r.is_ok() {
                ensure!(all_finite(&moving), "descent {}: {moving:?}", $name);
            }
        }};
    }
    descend!("Cauchy", Cauchy);
    descend!("offset", offset_cauchy);
    descend!("UMAP", umap);

    let mut out = vec![T::zero(); n * dim];
    let step = BceStep {
        gamma: t(p.gamma),
        eps: t(p.eps),
        clip: Some(t(p.clip)),
        ..BceStep::umap_learn(umap)
    };
    let r = frozen_estimate(&g, step, &y, p.epochs, p.negative_rate, p.seed, &mut out);
    counts.record(&r);
    if r.is_ok() {
        ensure!(all_finite(&out), "frozen estimate: {out:?}");
    }

    let config = UmapConfig {
        n_epochs: p.epochs,
        learning_rate: t(p.lr),
        negative_rate: p.negative_rate,
        seed: p.seed,
        negative_pool: None,
        decay: p.flags[3],
        order: SampleOrder::Csr,
    };
    let mut moving = coords.clone();
    let n_reference = 1 + (p.seed as usize) % n;
    let r = transform(&g, &umap, &mut moving, dim, n_reference, &config);
    counts.record(&r);
    if r.is_ok() {
        ensure!(all_finite(&moving), "transform: {moving:?}");
        ensure!(
            moving[..n_reference * dim] == coords[..n_reference * dim],
            "transform moved the reference"
        );
    }
    Ok(())
}

#[test]
fn every_loop_is_finite_in_f64() {
    run_cases(2_000, F64_RANGE, check_loops::<f64>);
}

#[test]
fn every_loop_is_finite_in_f32() {
    run_cases(2_000, F32_RANGE, check_loops::<f32>);
}

/// Inputs of the closed-form kernel functions.
#[derive(Clone, Debug)]
struct KernelCase {
    d2: Vec<f64>,
    gamma: f64,
    eps: f64,
    s: f64,
    shape: (f64, f64, f64, f64, f64),
    tau: f64,
    z: (Vec<f64>, Vec<f64>),
}

/// Squared distances a layout in range `r` produces: 0 and `[lo²·ε², 3·(2 hi)²]`.
fn kernel_case(r: Range, shape: Range, b: Range) -> impl Strategy<Value = KernelCase> {
    let tiny = if r.hi > 1e6 { 1e-92 } else { 1e-20 };
    let huge = (12.0 * r.hi * r.hi).min(f64::MAX);
    let d2 = prop_oneof![
        1 => Just(0.0),
        6 => log_uniform(Range { lo: tiny, hi: huge }),
        1 => prop::sample::select(vec![tiny, 1.0, huge]),
    ];
    (
        prop::collection::vec(d2, 8),
        (nonneg(r), nonneg(r), positive(r)),
        (
            log_uniform(shape),
            log_uniform(b),
            log_uniform(shape),
            log_uniform(shape),
            prop_oneof![1 => Just(0.0), 3 => log_uniform(shape)],
        ),
        log_uniform(Range { lo: 0.02, hi: 1e3 }),
        (1usize..4).prop_flat_map(move |dim| {
            (
                prop::collection::vec(coordinate(r), dim),
                prop::collection::vec(coordinate(r), dim),
            )
        }),
    )
        .prop_map(|(d2, (gamma, eps, s), shape, tau, z)| KernelCase {
            d2,
            gamma,
            eps,
            s,
            shape,
            tau,
            z,
        })
}

/// Every method of a kernel: never NaN on `[0, ∞]`; finite for `d2 > 0` in range; at `d2 = 0`
/// the documented values. `infinite_at_0`: `w(0) = ∞` (offset Cauchy with `ε_k = 0`).
fn check_kernel<T: Real, K: Kernel<T>>(
    name: &str,
    k: &K,
    c: &KernelCase,
    infinite_at_0: bool,
) -> Result<(), TestCaseError> {
    let s = T::of_f64(c.s);
    for &d2 in c.d2.iter().chain(&[f64::INFINITY, f64::MAX, 5e-324]) {
        let x = T::of_f64(d2);
        let v = [
            k.value(x),
            k.ln_value(x),
            k.g(x),
            k.q(x, s),
            k.neg_ln_q(x, s),
            k.neg_ln_1m_q(x, s),
            k.c_pos(x, s),
            k.c_neg(x, s),
        ];
        ensure!(
            v.iter().all(|v| !v.is_nan()),
            "{name} at {d2:e}: NaN in {v:?}"
        );
        let in_range = c.d2.contains(&d2);
        if in_range && x > T::zero() {
            ensure!(all_finite(&v), "{name} at {d2:e}: {v:?}");
        } else if in_range {
            // d2 = 0: g may be -∞ (UMAP b < 1), the offset kernel's w, ln w, c_neg +∞
            let finite = [v[0], v[1], v[3], v[4], v[6], v[7]];
            if infinite_at_0 {
                ensure!(v[0] == T::infinity() && v[7] == T::infinity(), "{name}(0)");
            } else {
                ensure!(all_finite(&finite), "{name} at 0: {v:?}");
            }
        }
    }
    Ok(())
}

/// The BCE methods: never NaN on `[0, ∞]`; finite for `d2 > 0` in range; at `d2 = 0`:
/// `ln(1 - w) = -∞`, `h = +∞`, `c_rep = +∞` when `ε = 0 < γ`, `c_att` finite.
fn check_bce<T: Real, K: BceKernel<T>>(
    name: &str,
    k: &K,
    c: &KernelCase,
) -> Result<(), TestCaseError> {
    check_kernel(name, k, c, false)?;
    let (gamma, eps) = (T::of_f64(c.gamma), T::of_f64(c.eps));
    for &d2 in c.d2.iter().chain(&[f64::INFINITY, f64::MAX, 5e-324]) {
        let x = T::of_f64(d2);
        let v = [
            k.ln_1m_value(x),
            k.d2_h(x),
            k.h(x),
            k.c_att(x),
            k.c_rep(x, gamma, eps),
        ];
        ensure!(
            v.iter().all(|v| !v.is_nan()),
            "{name} at {d2:e}: NaN in {v:?}"
        );
        let lanes = k.c_rep_lanes(&[x; 8], gamma, eps);
        ensure!(
            lanes
                .iter()
                .all(|l| l.as_f64().to_bits() == v[4].as_f64().to_bits()),
            "{name}: lanes differ"
        );
        if c.d2.contains(&d2) {
            if x > T::zero() {
                ensure!(all_finite(&v), "{name} at {d2:e}: {v:?}");
            } else {
                ensure!(
                    v[0] == T::neg_infinity() && v[2] == T::infinity(),
                    "{name}(0)"
                );
                ensure!(v[1].is_finite() && v[3].is_finite(), "{name}(0): {v:?}");
                let c_rep_inf = eps == T::zero() && gamma > T::zero();
                ensure!(
                    v[4].is_finite() != c_rep_inf,
                    "{name} c_rep(0) = {:?}",
                    v[4]
                );
            }
        }
    }
    Ok(())
}

fn check_kernels<T: Real>(c: &KernelCase) -> Result<(), TestCaseError> {
    let t = T::of_f64;
    let (a, b, dof, beta, offset) = c.shape;
    let umap = Umap::new(t(a), t(b)).unwrap();
    check_bce("UMAP", &umap, c)?;
    check_bce("UMAP fast", &umap.fast(), c)?;
    check_bce("UMAP default", &Umap::<T>::umap_learn_default(), c)?;
    check_bce(
        "UMAP default fast",
        &Umap::<T>::umap_learn_default().fast(),
        c,
    )?;
    check_bce::<T, _>("Cauchy", &Cauchy, c)?;
    check_bce("Student-t", &StudentT::new(t(dof)).unwrap(), c)?;
    check_bce("Gaussian", &Gaussian::new(t(beta)).unwrap(), c)?;
    let oc = OffsetCauchy::new(t(offset)).unwrap();
    check_kernel("offset Cauchy", &oc, c, offset == 0.0)?;
    // both math modes' pow: no NaN, and finite exactly when the other is below 1e30
    for &d2 in &c.d2 {
        let (e, f) = (
            neighbor_embed::fast_math::Exact::pow(t(d2), t(b)),
            neighbor_embed::fast_math::Fast::pow(t(d2), t(b)),
        );
        ensure!(
            !f.is_nan() && (f.is_finite() || e > t(1e30)),
            "pow {d2} {b}: {e:?} {f:?}"
        );
    }
    // the cosine kernel on vectors in range
    let cos = Cosine::new(t(c.tau)).unwrap();
    let (zi, zj): (Vec<T>, Vec<T>) = (conv(&c.z.0), conv(&c.z.1));
    let logit = cos.logit(&zi, &zj).unwrap();
    let value = cos.value(&zi, &zj).unwrap();
    let mut grad = vec![T::zero(); zi.len()];
    cos.logit_grad(&zi, &zj, &mut grad).unwrap();
    let s = t(c.s);
    let v = [
        logit,
        value,
        cos.q(logit, s),
        cos.pos_logit_coeff(logit, s),
        cos.neg_logit_coeff(logit, s),
    ];
    ensure!(all_finite(&v) && all_finite(&grad), "cosine {v:?} {grad:?}");
    Ok(())
}

fn run_kernel_property<T: Real>(cases: u32, r: Range) {
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(scaled(cases))
    };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&kernel_case(r, SHAPE, UMAP_B), |c| check_kernels::<T>(&c)) {
        panic!("{e}");
    }
}

#[test]
fn closed_form_kernel_functions_are_finite_in_f64() {
    run_kernel_property::<f64>(10_000, F64_RANGE);
}

#[test]
fn closed_form_kernel_functions_are_finite_in_f32() {
    run_kernel_property::<f32>(10_000, F32_RANGE);
}

/// Outside the guaranteed range the kernels still never return NaN: any valid shape (finite,
/// `> 0`), any `d2 ∈ [0, ∞]`.
#[test]
fn closed_form_kernel_functions_never_nan_for_any_valid_shape() {
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(scaled(5_000))
    };
    let wide = Range {
        lo: 1e-300,
        hi: 1e300,
    };
    let mut runner = TestRunner::new(config);
    let strategy = kernel_case(wide, wide, wide);
    let r = runner.run(&strategy, |c| {
        let (a, b, dof, beta, offset) = c.shape;
        // UMAP's a and b within [1e-3, 1e3]: beyond, a·b can underflow or overflow and its
        // g (and c_att) at subnormal d2 become 0 · ∞ (reported, not fixed here)
        let umap = Umap::new(a.clamp(1e-3, 1e3), b.clamp(1e-3, 1e3)).unwrap();
        let student = StudentT::new(dof).unwrap();
        let (gaussian, oc) = (
            Gaussian::new(beta).unwrap(),
            OffsetCauchy::new(offset).unwrap(),
        );
        for &d2 in c.d2.iter().chain(&[0.0, 5e-324, f64::MAX, f64::INFINITY]) {
            for (name, v) in [
                ("UMAP", bce_all(&umap, d2, &c)),
                ("Cauchy", bce_all(&Cauchy, d2, &c)),
                ("Student-t", bce_all(&student, d2, &c)),
                ("Gaussian", bce_all(&gaussian, d2, &c)),
                ("offset", kernel_all(&oc, d2, &c)),
            ] {
                prop_assert!(v.iter().all(|v| !v.is_nan()), "{name} at {d2:e}: {v:?}");
            }
        }
        Ok(())
    });
    if let Err(e) = r {
        panic!("{e}");
    }
}

fn kernel_all<K: Kernel<f64>>(k: &K, x: f64, c: &KernelCase) -> Vec<f64> {
    vec![
        k.value(x),
        k.ln_value(x),
        k.g(x),
        k.q(x, c.s),
        k.neg_ln_q(x, c.s),
        k.neg_ln_1m_q(x, c.s),
        k.c_pos(x, c.s),
        k.c_neg(x, c.s),
    ]
}

fn bce_all<K: BceKernel<f64>>(k: &K, x: f64, c: &KernelCase) -> Vec<f64> {
    let mut v = kernel_all(k, x, c);
    v.extend([
        k.ln_1m_value(x),
        k.d2_h(x),
        k.h(x),
        k.c_att(x),
        k.c_rep(x, c.gamma, c.eps),
    ]);
    v
}
