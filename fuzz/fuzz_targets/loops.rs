//! A few epochs of every loop on an arbitrary validated graph and layout with arbitrary
//! parameters, in `f32` and `f64`: `sgd::UmapSgd` (owned or over caller buffers; every step;
//! in place with a pin mask, or frozen; run in two parts to check resumption; an observer that
//! asks for the loss and may stop), `batch::BatchSgd`, `descent::neg_descent`,
//! `sgd::frozen_estimate` and `sgd::transform`.
//!
//! Oracles: no panic; invalid configurations, sinks and buffers are typed errors; pinned rows
//! and transform's reference rows never move; running `k` epochs then the rest gives the same
//! bits as one run; when every input is in the guaranteed range (and, for the per-sample and
//! mini-batch loops, the clip is on) and the call returns `Ok`, every output is finite.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Input, UMAP_B, finite, range_of};
use libfuzzer_sys::fuzz_target;
use neighbor_embed::batch::{BatchConfig, BatchSgd, NegativeSource};
use neighbor_embed::descent::{DescentConfig, neg_descent};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, OffsetCauchy, StudentT, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::rng::{Pcg32, StreamRng};
use neighbor_embed::sgd::{
    BorrowedUmapSgd, Control, EpochInfo, Observer, OwnedUmapSgd, SampleOrder, Silent, UmapConfig,
    frozen_estimate, transform,
};
use neighbor_embed::sink::{Frozen, InPlace};
use neighbor_embed::step::{BceStep, InfoNceStep, NceStep, NegStep, Step};
use neighbor_embed::{Error, Real};

fuzz_target!(|data: &[u8]| {
    let mut b = Input::new(data);
    if b.bool() {
        run::<f64>(&mut b)
    } else {
        run::<f32>(&mut b)
    }
});

/// Asks for the loss (sometimes), stops after `stop` epochs (sometimes).
struct Watch {
    want: bool,
    stop: usize,
    seen: usize,
    losses: Vec<f64>,
}

impl<T: Real> Observer<T> for Watch {
    fn wants_loss(&self) -> bool {
        self.want
    }
    fn on_epoch(&mut self, info: &EpochInfo<T>, _: &[T]) -> Control {
        self.seen += 1;
        if let Some(l) = info.loss {
            self.losses.push(l.as_f64());
        }
        if self.seen == self.stop {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

struct Graph<T> {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<T>,
}

fn graph<T: Real>(b: &mut Input, n: usize) -> Graph<T> {
    let mut edges: Vec<(usize, usize, T)> = Vec::new();
    for _ in 0..b.below(3 * n + 1) {
        let (i, j) = (b.below(n), b.below(n));
        let w = b.nonneg_data();
        let w = b.of::<T>(w);
        edges.push((i, j, w));
        if b.u8() % 2 == 0 {
            edges.push((j, i, w)); // mostly symmetric
        }
    }
    edges.sort_by_key(|e| e.0);
    let mut indptr = vec![0u32; n + 1];
    for e in &edges {
        indptr[e.0 + 1] += 1;
    }
    for i in 0..n {
        indptr[i + 1] += indptr[i];
    }
    Graph {
        n,
        indptr,
        indices: edges.iter().map(|e| e.1 as u32).collect(),
        weights: edges.iter().map(|e| e.2).collect(),
    }
}

fn run<T: Real>(b: &mut Input) {
    b.range = range_of::<T>();
    let n = b.between(1, 64);
    let dim = b.between(1, 3);
    let gr = graph::<T>(b, n);
    // the generator makes valid CSR; invalid weights (NaN, negative) are CsrGraph's typed errors
    let Ok(g) = CsrGraph::new(gr.n, &gr.indptr, &gr.indices, &gr.weights) else {
        return;
    };
    let g = match b.u8() % 3 {
        0 => g.with_umap_filter(b.below(600)),
        _ => g,
    };
    let mut coords: Vec<T> = (0..n * dim)
        .map(|_| {
            let v = b.data();
            b.of::<T>(v)
        })
        .collect();
    for i in 1..n {
        if b.u8() % 4 == 0 {
            let j = b.below(i);
            for d in 0..dim {
                coords[i * dim + d] = coords[j * dim + d];
            }
        }
    }
    let t = |b: &mut Input, v: f64| b.of::<T>(v);
    match b.u8() % 5 {
        0 => umap_sgd(b, &g, &coords, dim),
        1 => batch(b, &g, &coords, dim),
        2 => {
            let config = DescentConfig {
                n_iter: b.below(31),
                early_iter: b.below(31),
                exaggeration: {
                    let e = b.positive();
                    t(b, e)
                },
                early_z_bar: if b.bool() { Some(b.positive()) } else { None },
                z_bar: b.positive(),
                noise_mass: b.positive(),
                learning_rate: if b.bool() {
                    let l = b.positive();
                    Some(t(b, l))
                } else {
                    None
                },
                momentum: {
                    let (m0, m1) = (b.fraction(), b.fraction());
                    (t(b, m0), t(b, m1))
                },
                theta: {
                    let th = b.fraction();
                    t(b, 2.0 * th)
                },
            };
            let mut y = coords.clone();
            let offset = if b.bool() { 0.0 } else { b.shape() };
            let r = match b.u8() % 3 {
                0 => neg_descent(&g, &Cauchy, &mut y, dim, &config, &mut Silent),
                1 => match OffsetCauchy::new(t(b, offset)) {
                    Ok(k) => neg_descent(&g, &k, &mut y, dim, &config, &mut Silent),
                    Err(_) => return,
                },
                _ => {
                    let (a, bb) = (b.shape(), b.shape_in(UMAP_B));
                    match Umap::new(t(b, a), t(b, bb)) {
                        Ok(k) => neg_descent(&g, &k, &mut y, dim, &config, &mut Silent),
                        Err(_) => return,
                    }
                }
            };
            if r.is_ok() && b.in_range {
                assert!(finite(&y), "descent: {y:?}");
            }
        }
        3 => {
            let Ok(layout) = Layout::new(&coords, dim) else {
                return;
            };
            let epochs = b.below(9);
            let m = if b.bool() {
                f64::from(b.u8() % 12)
            } else {
                b.nonneg()
            };
            let seed = b.u64();
            let mut out = vec![T::zero(); n * dim];
            let (gamma, eps, c) = (b.nonneg(), b.nonneg(), b.positive());
            let step = BceStep {
                gamma: t(b, gamma),
                eps: t(b, eps),
                clip: Some(t(b, c)),
                ..BceStep::umap_learn(Umap::umap_learn_default())
            };
            if m > 20.0 {
                return; // valid up to 1e6, but slow
            }
            match frozen_estimate(&g, step, &layout, epochs, m, seed, &mut out) {
                Ok(_) => {
                    if b.in_range {
                        assert!(finite(&out), "frozen estimate {out:?}");
                    }
                }
                Err(e) => assert!(
                    matches!(e, Error::Param { .. } | Error::Degenerate { .. }),
                    "{e:?}"
                ),
            }
        }
        _ => {
            let mut y = coords.clone();
            let n_reference = b.below(n + 2);
            let config = UmapConfig {
                n_epochs: b.below(9),
                learning_rate: {
                    let l = b.positive();
                    t(b, l)
                },
                negative_rate: f64::from(b.u8() % 8),
                seed: b.u64(),
                negative_pool: None,
                decay: b.bool(),
                order: SampleOrder::Csr,
            };
            let (a, bb) = (b.shape(), b.shape_in(UMAP_B));
            let Ok(k) = Umap::new(t(b, a), t(b, bb)) else {
                return;
            };
            match transform(&g, &k, &mut y, dim, n_reference, &config) {
                Ok(_) => {
                    assert_eq!(
                        &y[..n_reference * dim],
                        &coords[..n_reference * dim],
                        "the reference moved"
                    );
                    if b.in_range {
                        assert!(finite(&y), "transform {y:?}");
                    }
                }
                Err(Error::Param { .. } | Error::Layout(_) | Error::PointCount { .. }) => {}
                Err(e) => panic!("transform: {e:?}"),
            }
        }
    }
}

fn config<T: Real>(b: &mut Input) -> UmapConfig<T> {
    let lr = b.positive();
    UmapConfig {
        n_epochs: b.below(9),
        learning_rate: b.of::<T>(lr),
        negative_rate: match b.u8() % 8 {
            0 => b.data(),
            1 => 0.0,
            _ => f64::from(b.u8() % 40) / 4.0,
        },
        seed: b.u64(),
        negative_pool: if b.u8() % 4 == 0 {
            Some(b.below(80))
        } else {
            None
        },
        decay: b.bool(),
        order: if b.bool() {
            SampleOrder::Lockstep
        } else {
            SampleOrder::Csr
        },
    }
}

fn umap_sgd<T: Real>(b: &mut Input, g: &CsrGraph<T>, coords: &[T], dim: usize) {
    let n = g.n();
    let cfg = config::<T>(b);
    if cfg.negative_rate > 1e3 && cfg.negative_rate <= 1e6 {
        return; // valid but slow
    }
    let (c, clipped) = if b.u8() % 4 == 0 {
        (None, false)
    } else {
        let c = b.positive();
        (Some(b.of::<T>(c)), true)
    };
    let gamma = b.nonneg();
    let gamma = b.of::<T>(gamma);
    let flags = [b.bool(), b.bool()];
    match b.u8() % 5 {
        0 => sgd_with(
            b,
            g,
            coords,
            dim,
            &cfg,
            clipped,
            BceStep {
                gamma,
                clip: c,
                move_other: flags[0],
                batched_negatives: flags[1],
                ..BceStep::umap_learn(Umap::umap_learn_default())
            },
        ),
        1 => sgd_with(
            b,
            g,
            coords,
            dim,
            &cfg,
            clipped,
            BceStep {
                gamma,
                clip: c,
                batched_negatives: flags[1],
                ..BceStep::umap_learn(Umap::<T>::umap_learn_default().fast())
            },
        ),
        2 => {
            let s = b.positive();
            let s = b.of::<T>(s);
            sgd_with(
                b,
                g,
                coords,
                dim,
                &cfg,
                clipped,
                NegStep {
                    clip: c,
                    push_negatives: flags[0],
                    ..NegStep::new(Cauchy, s)
                },
            )
        }
        3 => {
            let (m, lr_z) = (b.positive(), b.nonneg());
            let (m, lr_z) = (b.of::<T>(m), b.of::<T>(lr_z));
            let Ok(dof) = StudentT::new(T::one()) else {
                return;
            };
            let Ok(step) = NceStep::new(dof, m, n, T::zero(), lr_z) else {
                return;
            };
            sgd_with(
                b,
                g,
                coords,
                dim,
                &cfg,
                clipped,
                NceStep { clip: c, ..step },
            )
        }
        _ => {
            let rho = b.positive();
            let rho = b.of::<T>(rho);
            sgd_with(
                b,
                g,
                coords,
                dim,
                &cfg,
                clipped,
                InfoNceStep {
                    clip: c,
                    push_negatives: flags[0],
                    ..InfoNceStep::new(Cauchy, rho)
                },
            )
        }
    }
}

fn sgd_with<T: Real, S: Step<T> + Clone + core::fmt::Debug>(
    b: &mut Input,
    g: &CsrGraph<T>,
    coords: &[T],
    dim: usize,
    cfg: &UmapConfig<T>,
    clipped: bool,
    step: S,
) {
    let n = g.n();
    let pins: Option<Vec<bool>> = match b.u8() % 4 {
        0 => Some((0..n).map(|_| b.bool()).collect()),
        1 => Some(vec![true; n]),
        2 if b.u8() % 8 == 0 => Some(vec![false; b.below(n + 2)]),
        _ => None,
    };
    let frozen = b.bool();
    let first = b.below(10);
    let mut watch = Watch {
        want: b.bool(),
        stop: b.below(12),
        seen: 0,
        losses: Vec::new(),
    };
    let borrowed = b.bool();
    // buffer_sizes is only meaningful for a valid negative rate (for 1e15 it asks for petabytes;
    // with_buffers then rejects the rate): size the buffers from a sane rate in that case
    let sane = UmapConfig {
        negative_rate: if (0.0..=1e6).contains(&cfg.negative_rate) {
            cfg.negative_rate
        } else {
            5.0
        },
        ..*cfg
    };
    let sizes = BorrowedUmapSgd::<T>::buffer_sizes(g, &sane);
    // caller buffers, sometimes of the wrong size
    let bad = b.u8() % 16 == 0;
    let mut times = vec![
        0.0f64;
        if bad {
            b.below(2 * sizes.times + 2)
        } else {
            sizes.times
        }
    ];
    let mut rngs = vec![Pcg32::for_stream(0, 0); sizes.rngs];
    let mut negs = vec![0u32; sizes.negatives];
    let mut coeffs = vec![
        T::zero();
        if bad {
            b.below(sizes.coeffs + 2)
        } else {
            sizes.coeffs
        }
    ];

    // one run of `first` epochs then the rest, and one run of everything, must agree
    let mut outputs = Vec::new();
    for split in [true, false] {
        let mut y = coords.to_vec();
        let mut acc = vec![T::zero(); coords.len()];
        let mut step = step.clone();
        macro_rules! go {
            ($sgd:expr) => {{
                let mut sgd = $sgd;
                let mut run =
                    |sgd: &mut _, epochs: usize, watch: &mut Watch| -> Result<(), Error> {
                        let sgd: &mut _ = sgd;
                        if frozen {
                            let mut sink = Frozen::new(coords, &mut acc, dim, pins.as_deref());
                            run_on(sgd, g, &mut step, &mut sink, epochs, watch)
                        } else {
                            let mut sink = InPlace::new(&mut y, dim, pins.as_deref());
                            run_on(sgd, g, &mut step, &mut sink, epochs, watch)
                        }
                    };
                let mut w = Watch {
                    want: watch.want,
                    stop: usize::MAX,
                    seen: 0,
                    losses: Vec::new(),
                };
                let r = if split {
                    run(&mut sgd, first, &mut w).and_then(|_| run(&mut sgd, usize::MAX, &mut w))
                } else {
                    run(&mut sgd, usize::MAX, &mut watch)
                };
                if split {
                    watch.losses = w.losses;
                }
                r
            }};
        }
        let r = if borrowed {
            match BorrowedUmapSgd::<T>::with_buffers(
                g,
                cfg,
                &mut times,
                &mut rngs,
                &mut negs,
                &mut coeffs,
            ) {
                Ok(s) => go!(s),
                Err(e) => {
                    assert!(
                        matches!(e, Error::Param { .. } | Error::BufferLength { .. }),
                        "{e:?}"
                    );
                    return;
                }
            }
        } else {
            match OwnedUmapSgd::<T>::new(g, cfg) {
                Ok(s) => go!(s),
                Err(e) => {
                    assert!(matches!(e, Error::Param { .. }), "{e:?}");
                    return;
                }
            }
        };
        match r {
            Ok(()) => {
                if let Some(p) = &pins {
                    for i in (0..n).filter(|&i| p[i]) {
                        assert_eq!(
                            &y[i * dim..(i + 1) * dim],
                            &coords[i * dim..(i + 1) * dim],
                            "pinned row {i} moved"
                        );
                        assert!(
                            acc[i * dim..(i + 1) * dim].iter().all(|&v| v == T::zero()),
                            "pinned row {i}"
                        );
                    }
                }
                if b.in_range && clipped {
                    assert!(finite(&y) && finite(&acc), "UmapSgd: {y:?} {acc:?}");
                    assert!(
                        watch.losses.iter().all(|l| !l.is_nan()),
                        "epoch losses {:?} of {step:?}",
                        watch.losses
                    );
                }
                if frozen {
                    assert_eq!(y.as_slice(), coords, "a frozen run moved the layout");
                }
            }
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::Param { .. }
                            | Error::Layout(_)
                            | Error::BufferLength { .. }
                            | Error::PointCount { .. }
                    ),
                    "{e:?}"
                );
                return;
            }
        }
        outputs.push((y, acc));
    }
    // unless the observer stopped the single run early
    let stopped = watch.stop >= 1 && watch.seen >= watch.stop;
    if outputs.len() == 2 && !stopped {
        let bits = |v: &[T]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&outputs[0].0),
            bits(&outputs[1].0),
            "resumed run differs"
        );
        assert_eq!(
            bits(&outputs[0].1),
            bits(&outputs[1].1),
            "resumed run differs (frozen)"
        );
    }
}

fn run_on<T: Real, S: Step<T>, K: neighbor_embed::sink::Sink<T>, F, G, U, W>(
    sgd: &mut neighbor_embed::sgd::UmapSgd<T, Pcg32, F, G, U, W>,
    g: &CsrGraph<T>,
    step: &mut S,
    sink: &mut K,
    epochs: usize,
    watch: &mut Watch,
) -> Result<(), Error>
where
    F: AsMut<[f64]> + AsRef<[f64]>,
    G: AsMut<[Pcg32]> + AsRef<[Pcg32]>,
    U: AsMut<[u32]>,
    W: AsMut<[T]>,
{
    sgd.run(g, step, sink, epochs, watch).map(|_| ())
}

fn batch<T: Real>(b: &mut Input, g: &CsrGraph<T>, coords: &[T], dim: usize) {
    let t = |b: &mut Input, v: f64| b.of::<T>(v);
    let (lr, f, mu) = (b.positive(), b.fraction(), b.fraction());
    let (clip, clipped) = if b.u8() % 4 == 0 {
        (None, false)
    } else {
        let c = b.positive();
        (Some(t(b, c)), true)
    };
    let config = BatchConfig {
        n_epochs: b.below(9),
        batch_size: b.below(40),
        // above 1e6 is a typed error; between 8 and 1e6 valid but slow
        negatives: if b.u8() % 32 == 0 {
            1_000_001 + b.below(4)
        } else {
            b.below(8)
        },
        source: if b.bool() {
            NegativeSource::Batch
        } else {
            NegativeSource::Uniform
        },
        learning_rate: t(b, lr),
        lr_min_factor: t(b, f),
        momentum: t(b, mu),
        clip,
        early_epochs: b.below(9),
        seed: b.u64(),
    };
    let d = if b.u8() % 16 == 0 { b.below(5) } else { dim };
    let mut sgd = match BatchSgd::new(g, d, &config) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::Param { .. } | Error::Degenerate { .. } | Error::Layout(_)
                ),
                "{e:?}"
            );
            return;
        }
    };
    let s = b.positive();
    let rho = b.positive();
    let mut early = NegStep {
        clip: None,
        push_negatives: true,
        ..NegStep::new(Cauchy, t(b, s))
    };
    let mut y = coords.to_vec();
    let mut watch = Watch {
        want: b.bool(),
        stop: b.below(12),
        seen: 0,
        losses: Vec::new(),
    };
    let r = if b.bool() {
        let mut main = InfoNceStep {
            clip: None,
            ..InfoNceStep::new(Cauchy, t(b, rho))
        };
        sgd.run(g, &mut early, &mut main, &mut y, usize::MAX, &mut watch)
    } else {
        let mut main = early;
        sgd.run(g, &mut early, &mut main, &mut y, usize::MAX, &mut watch)
    };
    match r {
        Ok(_) => {
            if b.in_range && clipped {
                assert!(finite(&y), "BatchSgd: {y:?}");
            }
        }
        Err(e) => assert!(
            matches!(
                e,
                Error::Param { .. }
                    | Error::Layout(_)
                    | Error::PointCount { .. }
                    | Error::Degenerate { .. }
            ),
            "{e:?}"
        ),
    }
}
