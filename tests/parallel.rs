//! The deterministic multi-threaded loop (`neighbor_embed::parallel`): the same bits for any
//! thread count, umap-learn's sample counts, umap-learn's quality on digits (and mnist70k when
//! `../shared/data` is present), every error, and finite output on degenerate layouts.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::metrics::{Quality, quality};
use neighbor_embed::parallel::{MAX_THREADS, Optimizer, ParallelConfig, ParallelUmap};
use neighbor_embed::rng::{Pcg32, StreamRng, bounded, unit_f64};
use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, RunReport, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::BceStep;
use neighbor_embed::{Error, GraphError, LayoutError};
use std::sync::atomic::{AtomicUsize, Ordering};
mod common;

use common::{Fixture, digits, shared};

/// Runs `config` on `graph` from `init` to the end.
fn embed<T: neighbor_embed::Real, K: BceKernel<T> + Sync>(
    graph: &CsrGraph<'_, T>,
    kernel: &K,
    config: &ParallelConfig,
    init: &[T],
    dim: usize,
) -> (Vec<T>, RunReport) {
    let mut run = ParallelUmap::new(graph, config, dim).unwrap();
    let mut y = init.to_vec();
    let report = run
        .run(graph, kernel, &mut y, usize::MAX, &mut Silent)
        .unwrap();
    assert!(run.finished());
    (y, report)
}

fn bits<T: neighbor_embed::Real>(y: &[T]) -> Vec<u64> {
    y.iter().map(|v| v.as_f64().to_bits()).collect()
}

/// A random symmetric graph on `n` vertices (about `degree` neighbours each, weights in
/// (0, 1], a few isolated vertices) and a random layout in `[0, 10]^dim`.
fn random_case(
    n: usize,
    degree: usize,
    dim: usize,
    seed: u64,
) -> (Vec<u32>, Vec<u32>, Vec<f64>, Vec<f64>) {
    let mut rng = Pcg32::for_stream(seed, 0);
    let mut dense = vec![0.0; n * n];
    for i in 0..n - 3 {
        for _ in 0..degree / 2 {
            let j = bounded(&mut rng, (n - 3) as u32) as usize;
            if j != i {
                let w = 0.01 + 0.99 * unit_f64(&mut rng);
                dense[i * n + j] = w;
                dense[j * n + i] = w;
            }
        }
    }
    let (indptr, indices, weights) = common::csr_from_dense(n, &dense);
    let coords = (0..n * dim).map(|_| 10.0 * unit_f64(&mut rng)).collect();
    (indptr, indices, weights, coords)
}

#[test]
fn digits_gives_the_same_bits_for_any_thread_count() {
    let f = digits();
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(100);
    let kernel = Umap::<f32>::umap_learn_default().fast();
    for optimizer in [Optimizer::UWOT_ADAM, Optimizer::Sgd] {
        let config = |threads| ParallelConfig {
            n_epochs: 100,
            optimizer,
            threads,
            ..ParallelConfig::new(f.n, 42)
        };
        let (one, report) = embed(&g, &kernel, &config(1), &f.init, 2);
        assert!(report.positive_samples > 0 && report.negative_samples > 0);
        assert_ne!(bits(&one), bits(&f.init));
        for threads in [2, 3, 7] {
            let (y, r) = embed(&g, &kernel, &config(threads), &f.init, 2);
            assert_eq!(bits(&y), bits(&one), "{optimizer:?}, {threads} threads");
            assert_eq!(r, report);
        }
    }
}

#[test]
fn random_graphs_give_the_same_bits_for_any_thread_count() {
    for (seed, dim) in [(1, 1), (2, 2), (3, 3), (4, 5)] {
        let (indptr, indices, weights, init) = random_case(60, 8, dim, seed);
        let g = CsrGraph::new(60, &indptr, &indices, &weights).unwrap();
        let kernel = Umap::<f64>::umap_learn_default();
        for optimizer in [Optimizer::Sgd, Optimizer::UWOT_ADAM] {
            let config = |threads| ParallelConfig {
                n_epochs: 60,
                negative_rate: 3.5,
                optimizer,
                threads,
                seed,
                ..ParallelConfig::new(60, 0)
            };
            let (one, report) = embed(&g, &kernel, &config(1), &init, dim);
            assert!(one.iter().all(|v| v.is_finite()));
            for threads in [2, 3, 7, 60] {
                let (y, r) = embed(&g, &kernel, &config(threads), &init, dim);
                assert_eq!(
                    bits(&y),
                    bits(&one),
                    "seed {seed}, {optimizer:?}, {threads} threads"
                );
                assert_eq!(r, report);
            }
        }
    }
}

#[test]
fn the_seed_changes_the_result() {
    let (indptr, indices, weights, init) = random_case(40, 6, 2, 9);
    let g = CsrGraph::new(40, &indptr, &indices, &weights).unwrap();
    let kernel = Umap::<f64>::umap_learn_default();
    let config = |seed| ParallelConfig {
        n_epochs: 20,
        ..ParallelConfig::new(40, seed)
    };
    let (a, _) = embed(&g, &kernel, &config(1), &init, 2);
    let (b, _) = embed(&g, &kernel, &config(2), &init, 2);
    assert_ne!(bits(&a), bits(&b));
}

/// The schedule is umap-learn's: the same positive and negative counts as `UmapSgd`, epoch by
/// epoch (and a fractional negative rate).
#[test]
fn sample_counts_are_those_of_umap_sgd() {
    let (indptr, indices, weights, init) = random_case(50, 10, 2, 5);
    let g = CsrGraph::new(50, &indptr, &indices, &weights)
        .unwrap()
        .with_umap_filter(40);
    let mut sequential = Vec::new();
    let config = UmapConfig {
        n_epochs: 40,
        negative_rate: 2.5,
        ..UmapConfig::umap_learn(50, 3)
    };
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut y = init.clone();
    sgd.run(
        &g,
        &mut BceStep::umap_learn(Umap::umap_learn_default()),
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut |info: &EpochInfo<f64>, _: &[f64]| {
            sequential.push((info.positive_samples, info.negative_samples));
            Control::Continue
        },
    )
    .unwrap();
    let mut batch = Vec::new();
    let pconfig = ParallelConfig {
        n_epochs: 40,
        negative_rate: 2.5,
        threads: 3,
        ..ParallelConfig::new(50, 3)
    };
    let mut run = ParallelUmap::new(&g, &pconfig, 2).unwrap();
    let mut y = init.clone();
    run.run(
        &g,
        &Umap::umap_learn_default(),
        &mut y,
        usize::MAX,
        &mut |info: &EpochInfo<f64>, _: &[f64]| {
            batch.push((info.positive_samples, info.negative_samples));
            Control::Continue
        },
    )
    .unwrap();
    assert_eq!(batch, sequential);
    assert_eq!(batch[0], (0, 0)); // epoch 0 samples nothing (umap-learn)
}

#[test]
fn resuming_and_stopping_give_the_same_bits_as_one_run() {
    let (indptr, indices, weights, init) = random_case(40, 6, 2, 11);
    let g = CsrGraph::new(40, &indptr, &indices, &weights).unwrap();
    let kernel = Umap::<f64>::umap_learn_default();
    let config = ParallelConfig {
        n_epochs: 50,
        threads: 2,
        ..ParallelConfig::new(40, 4)
    };
    let (whole, whole_report) = embed(&g, &kernel, &config, &init, 2);

    let mut run = ParallelUmap::new(&g, &config, 2).unwrap();
    let mut y = init.clone();
    let first = run.run(&g, &kernel, &mut y, 17, &mut Silent).unwrap();
    assert_eq!((first.epochs, run.epoch()), (17, 17));
    // an observer that stops after two more epochs
    let mut seen = 0;
    let mut stop_after_two = |_: &EpochInfo<f64>, _: &[f64]| {
        seen += 1;
        if seen == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let second = run
        .run(&g, &kernel, &mut y, usize::MAX, &mut stop_after_two)
        .unwrap();
    assert!(second.stopped);
    assert_eq!((second.epochs, run.epoch()), (2, 19));
    let rest = run
        .run(&g, &kernel, &mut y, usize::MAX, &mut Silent)
        .unwrap();
    assert_eq!(rest.epochs, 31);
    assert!(run.finished());
    assert_eq!(bits(&y), bits(&whole));
    assert_eq!(
        first.updates() + second.updates() + rest.updates(),
        whole_report.updates()
    );
    // a finished state runs nothing
    let again = run
        .run(&g, &kernel, &mut y, usize::MAX, &mut Silent)
        .unwrap();
    assert_eq!(again, RunReport::default());
    assert_eq!(bits(&y), bits(&whole));
}

/// Issue tolerance: kNN preservation within 1.5 points, kNN accuracy within 0.5 points of
/// umap-learn's (REFERENCE.md), from the fixture's graph and `init.f32` with the defaults.
fn check_quality(f: &Fixture, y: &[f32], preservation: f64, accuracy: f64) -> Quality {
    let layout = Layout::new(y, 2).unwrap();
    let q = quality(&f.x, f.x.len() / f.n, &layout, &f.hd, &f.labels).unwrap();
    eprintln!(
        "knn_preservation {:.4} (umap-learn {preservation}), knn_accuracy {:.4} (umap-learn {accuracy})",
        q.knn_preservation, q.knn_accuracy
    );
    assert!((q.knn_preservation - preservation).abs() <= 0.015, "{q:?}");
    assert!((q.knn_accuracy - accuracy).abs() <= 0.005, "{q:?}");
    q
}

#[test]
fn defaults_match_umap_learn_on_digits() {
    let f = digits();
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(500);
    let config = ParallelConfig::new(f.n, 42);
    assert_eq!(config.n_epochs, 500);
    let (y, report) = embed(&g, &Umap::<f32>::umap_learn_default(), &config, &f.init, 2);
    // umap-learn's own sample counts on this graph (README)
    assert_eq!(
        (report.positive_samples, report.negative_samples),
        (5_619_382, 28_072_222)
    );
    check_quality(&f, &y, 0.536, 0.988);
}

#[test]
fn defaults_match_umap_learn_on_mnist70k() {
    let Some(f) = shared("mnist70k") else {
        eprintln!("skipped: mnist70k is absent");
        return;
    };
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(200);
    let config = ParallelConfig::new(f.n, 42);
    assert_eq!(config.n_epochs, 200);
    let kernel = Umap::<f32>::umap_learn_default().fast();
    let (y, report) = embed(&g, &kernel, &config, &f.init, 2);
    assert_eq!(
        (report.positive_samples, report.negative_samples),
        (89_174_012, 444_837_122)
    );
    check_quality(&f, &y, 0.128, 0.975);
}

#[test]
fn coincident_points_stay_finite() {
    let (indptr, indices, weights, _) = random_case(30, 6, 2, 13);
    let g = CsrGraph::new(30, &indptr, &indices, &weights).unwrap();
    let kernel = Umap::<f32>::umap_learn_default();
    let weights32: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
    let g32 = CsrGraph::new(30, &indptr, &indices, &weights32).unwrap();
    for optimizer in [Optimizer::Sgd, Optimizer::UWOT_ADAM] {
        // every point at the same place: no force has a direction, nothing moves
        let config = ParallelConfig {
            n_epochs: 30,
            optimizer,
            threads: 2,
            ..ParallelConfig::new(30, 1)
        };
        let same = vec![3.0f32; 60];
        let (y, report) = embed(&g32, &kernel, &config, &same, 2);
        assert!(report.positive_samples > 0);
        assert_eq!(y, same);
        // half the points on one spot, the others a subnormal distance away, no repulsion
        // regulariser: infinite coefficients meet zero differences
        // (d² is a subnormal > 0: c_rep overflows to ∞ when ε = 0)
        let y0: Vec<f32> = (0..60)
            .map(|p| if p % 4 == 0 { 3e-20 } else { 0.0 })
            .collect();
        for eps in [0.0, 0.001] {
            let config = ParallelConfig {
                repulsion_eps: eps,
                ..config
            };
            let (y, _) = embed(&g32, &kernel, &config, &y0, 2);
            assert!(
                y.iter().all(|v| v.is_finite()),
                "{optimizer:?}, eps {eps}: {y:?}"
            );
        }
        let y64: Vec<f64> = (0..60)
            .map(|p| if p % 4 == 0 { 1e-160 } else { 0.0 })
            .collect();
        let config = ParallelConfig {
            repulsion_eps: 0.0,
            ..config
        };
        let (y, _) = embed(&g, &Umap::<f64>::umap_learn_default(), &config, &y64, 2);
        assert!(y.iter().all(|v| v.is_finite()));
    }
}

/// Two points a subnormal distance apart along x: with `ε = 0` the repulsion coefficient is
/// `∞`; along y the difference is 0 and `∞ · 0` must count as no force, so y stays 0.
#[test]
fn an_infinite_coefficient_times_a_zero_difference_is_no_force() {
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f32, 1.0]).unwrap();
    for optimizer in [Optimizer::Sgd, Optimizer::UWOT_ADAM] {
        let config = ParallelConfig {
            n_epochs: 20,
            repulsion_eps: 0.0,
            optimizer,
            ..ParallelConfig::new(2, 3)
        };
        let (y, report) = embed(
            &g,
            &Umap::<f32>::umap_learn_default(),
            &config,
            &[0.0, 0.0, 3e-20, 0.0],
            2,
        );
        assert!(report.negative_samples > 0);
        assert!(y[2] - y[0] > 0.1, "{y:?}"); // pushed apart along x
        assert_eq!((y[1], y[3]), (0.0, 0.0), "{optimizer:?}");
    }
}

#[test]
fn every_bad_input_is_a_typed_error() {
    let (indptr, indices, weights, init) = random_case(20, 6, 2, 17);
    let g = CsrGraph::new(20, &indptr, &indices, &weights).unwrap();
    let ok = ParallelConfig {
        n_epochs: 10,
        ..ParallelConfig::new(20, 0)
    };
    let param = |config: ParallelConfig, dim: usize| match ParallelUmap::new(&g, &config, dim) {
        Err(Error::Param { name, .. }) => name,
        other => panic!("expected a parameter error, got {other:?}"),
    };
    let adam = |beta1, beta2, eps| ParallelConfig {
        optimizer: Optimizer::Adam { beta1, beta2, eps },
        ..ok
    };
    let cases: Vec<(ParallelConfig, &str)> = vec![
        (ParallelConfig { n_epochs: 0, ..ok }, "n_epochs"),
        (
            ParallelConfig {
                learning_rate: 0.0,
                ..ok
            },
            "learning_rate",
        ),
        (
            ParallelConfig {
                learning_rate: f64::NAN,
                ..ok
            },
            "learning_rate",
        ),
        (
            ParallelConfig {
                learning_rate: f64::INFINITY,
                ..ok
            },
            "learning_rate",
        ),
        (
            ParallelConfig {
                negative_rate: -1.0,
                ..ok
            },
            "negative_rate",
        ),
        (
            ParallelConfig {
                negative_rate: f64::NAN,
                ..ok
            },
            "negative_rate",
        ),
        (
            ParallelConfig {
                negative_rate: 2e6,
                ..ok
            },
            "negative_rate",
        ),
        (ParallelConfig { gamma: -0.5, ..ok }, "gamma"),
        (
            ParallelConfig {
                gamma: f64::INFINITY,
                ..ok
            },
            "gamma",
        ),
        (
            ParallelConfig {
                repulsion_eps: -1e-3,
                ..ok
            },
            "repulsion_eps",
        ),
        (
            ParallelConfig {
                repulsion_eps: f64::NAN,
                ..ok
            },
            "repulsion_eps",
        ),
        (ParallelConfig { clip: 0.0, ..ok }, "clip"),
        (
            ParallelConfig {
                clip: f64::NAN,
                ..ok
            },
            "clip",
        ),
        (
            ParallelConfig {
                threads: MAX_THREADS + 1,
                ..ok
            },
            "threads",
        ),
        (adam(1.0, 0.9, 1e-7), "beta1"),
        (adam(-0.1, 0.9, 1e-7), "beta1"),
        (adam(0.5, 1.0, 1e-7), "beta2"),
        (adam(0.5, f64::NAN, 1e-7), "beta2"),
        (adam(0.5, 0.9, 0.0), "eps"),
        (adam(0.5, 0.9, f64::INFINITY), "eps"),
    ];
    for (config, name) in cases {
        assert_eq!(param(config, 2), name, "{config:?}");
    }
    assert_eq!(param(ok, 0), "dim");
    assert_eq!(param(ok, usize::MAX), "dim"); // n·dim overflows
    // zero negatives, no clip and no repulsion are valid
    let fine = ParallelConfig {
        negative_rate: 0.0,
        clip: f64::INFINITY,
        gamma: 0.0,
        ..ok
    };
    let (y, report) = embed(&g, &Umap::<f64>::umap_learn_default(), &fine, &init, 2);
    assert_eq!(report.negative_samples, 0);
    assert!(y.iter().all(|v| v.is_finite()));

    // an asymmetric graph, named by its first entry without an equal reverse entry
    assert!(indptr[1] > 0 && indices[0] > 0);
    let mut skew = weights.clone();
    skew[0] *= 0.5; // the first entry (0, j), j > 0: its reverse comes later in CSR order
    let gs = CsrGraph::new(20, &indptr, &indices, &skew).unwrap();
    assert_eq!(
        ParallelUmap::new(&gs, &ok, 2).unwrap_err(),
        Error::Graph(GraphError::Asymmetric {
            row: 0,
            position: 0
        })
    );

    // run: the wrong graph, the wrong layout, non-finite positions
    let kernel = Umap::<f64>::umap_learn_default();
    let mut run = ParallelUmap::new(&g, &ok, 2).unwrap();
    let mut y = init.clone();
    let filtered = g.with_min_weight(0.5).unwrap();
    assert!(matches!(
        run.run(&filtered, &kernel, &mut y, 1, &mut Silent),
        Err(Error::Degenerate { .. })
    ));
    let (i2, x2, w2, _) = random_case(21, 6, 2, 17);
    let other = CsrGraph::new(21, &i2, &x2, &w2).unwrap();
    assert!(matches!(
        run.run(&other, &kernel, &mut y, 1, &mut Silent),
        Err(Error::Degenerate { .. })
    ));
    assert_eq!(
        run.run(&g, &kernel, &mut y[..39], 1, &mut Silent),
        Err(Error::Layout(LayoutError::LengthNotMultiple {
            len: 39,
            dim: 2
        }))
    );
    assert_eq!(
        run.run(&g, &kernel, &mut y[..38], 1, &mut Silent),
        Err(Error::PointCount {
            graph: 20,
            layout: 19
        })
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut z = init.clone();
        z[13] = bad;
        assert_eq!(
            run.run(&g, &kernel, &mut z, 1, &mut Silent),
            Err(Error::Layout(LayoutError::NonFinite { row: 6, col: 1 }))
        );
    }
    // nothing ran
    assert_eq!(run.epoch(), 0);
    assert_eq!(
        run.run(&g, &kernel, &mut y, 0, &mut Silent),
        Ok(RunReport::default())
    );
    assert_eq!(y, init);
}

#[test]
fn thread_count_is_clamped_to_the_heads() {
    let (indptr, indices, weights, _) = random_case(5, 4, 2, 1);
    let g = CsrGraph::new(5, &indptr, &indices, &weights).unwrap();
    let config = |threads| ParallelConfig {
        threads,
        ..ParallelConfig::new(5, 0)
    };
    assert_eq!(ParallelUmap::new(&g, &config(1), 2).unwrap().threads(), 1);
    assert_eq!(ParallelUmap::new(&g, &config(64), 2).unwrap().threads(), 5);
    assert!(ParallelUmap::new(&g, &config(0), 2).unwrap().threads() >= 1);
    // an empty graph runs (and does nothing)
    let empty = CsrGraph::<f64>::new(0, &[0], &[], &[]).unwrap();
    let mut run = ParallelUmap::new(&empty, &config(4), 3).unwrap();
    let report = run
        .run(
            &empty,
            &Umap::umap_learn_default(),
            &mut [],
            usize::MAX,
            &mut Silent,
        )
        .unwrap();
    assert_eq!((report.epochs, report.updates()), (500, 0));
}

/// A kernel that panics on its `limit`-th repulsion coefficient, wherever that is computed.
struct Failing {
    inner: Umap<f64>,
    calls: AtomicUsize,
    limit: usize,
}

impl Kernel<f64> for Failing {
    fn value(&self, d2: f64) -> f64 {
        self.inner.value(d2)
    }
    fn ln_value(&self, d2: f64) -> f64 {
        self.inner.ln_value(d2)
    }
    fn g(&self, d2: f64) -> f64 {
        self.inner.g(d2)
    }
}

impl BceKernel<f64> for Failing {
    fn ln_1m_value(&self, d2: f64) -> f64 {
        self.inner.ln_1m_value(d2)
    }
    fn d2_h(&self, d2: f64) -> f64 {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.limit {
            panic!("kernel failure");
        }
        self.inner.d2_h(d2)
    }
}

/// A panic in a helper thread or in the observer reaches the caller; no thread waits forever.
#[test]
fn panics_propagate_instead_of_hanging() {
    let (indptr, indices, weights, init) = random_case(200, 10, 2, 21);
    let g = CsrGraph::new(200, &indptr, &indices, &weights).unwrap();
    let config = ParallelConfig {
        n_epochs: 30,
        threads: 4,
        ..ParallelConfig::new(200, 0)
    };
    for limit in [1, 500, 20_000] {
        let kernel = Failing {
            inner: Umap::umap_learn_default(),
            calls: AtomicUsize::new(0),
            limit,
        };
        let mut run = ParallelUmap::new(&g, &config, 2).unwrap();
        let mut y = init.clone();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run.run(&g, &kernel, &mut y, usize::MAX, &mut Silent)
        }));
        assert!(outcome.is_err(), "limit {limit}");
    }
    let mut run = ParallelUmap::new(&g, &config, 2).unwrap();
    let mut y = init.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run.run(
            &g,
            &Umap::umap_learn_default(),
            &mut y,
            usize::MAX,
            &mut |info: &EpochInfo<f64>, _: &[f64]| {
                assert!(info.epoch < 5, "observer failure");
                Control::Continue
            },
        )
    }));
    assert!(outcome.is_err());
}
