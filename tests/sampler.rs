//! The umap-learn schedule loop and the steps: Monte-Carlo vs the closed-form expected update
//! (MATH.md §C recipe), umap-learn's exact sample counts on the digits graph, determinism,
//! resumption, pins, observers, transform, and hand-computed single steps.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use neighbor_embed::affinity::{UmapAffinity, umap_graph};
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Cauchy, Kernel, Umap};
use neighbor_embed::knn::{KnnList, SelfNeighbor};
use neighbor_embed::layout::Layout;
use neighbor_embed::rng::{Pcg32, StreamRng, unit_f64};
use neighbor_embed::sgd::*;
use neighbor_embed::sink::{Frozen, InPlace};
use neighbor_embed::step::{BceStep, InfoNceStep, NceStep, NegStep, Sample, Step};

/// Standard normal draws (Box–Muller) from a seeded stream.
fn normals(seed: u64, count: usize) -> Vec<f64> {
    let mut r = Pcg32::for_stream(seed, 99);
    (0..count)
        .map(|_| {
            let (u, v) = (unit_f64(&mut r).max(1e-300), unit_f64(&mut r));
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// MATH.md §C recipe, step 1: 40 points ~ N(0, I_5), exact kNN with self (k = 6), umap-learn's
/// fuzzy union (§D.1–D.3, the crate's `affinity::umap_graph`, tested against umap-learn).
fn recipe_graph() -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    let (n, d, k) = (40, 5, 6);
    let x = normals(1, n * d);
    let dist = |i: usize, j: usize| -> f64 {
        (0..d)
            .map(|c| (x[i * d + c] - x[j * d + c]).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let (mut idx, mut dists) = (Vec::new(), Vec::new());
    for i in 0..n {
        let mut nb: Vec<(f64, usize)> = (0..n).map(|j| (dist(i, j), j)).collect();
        nb.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for &(dd, j) in &nb[..k] {
            idx.push(j as u32);
            dists.push(dd);
        }
    }
    let knn = KnnList::new(n, k, &idx, &dists, SelfNeighbor::First).unwrap();
    umap_graph(&knn, &UmapAffinity::default())
        .unwrap()
        .graph
        .into_parts()
}

fn recipe_layout() -> Vec<f64> {
    let noise = normals(2, 80);
    (0..40)
        .flat_map(|q| {
            [
                1.6 * (q % 7) as f64 + 0.2 * noise[2 * q],
                1.6 * (q / 7) as f64 + 0.2 * noise[2 * q + 1],
            ]
        })
        .collect()
}

/// MATH.md §C: the frozen-layout sampler converges to the closed-form expected update, with
/// error falling like 1/√T (0.90% at T = 500, 0.24% at T = 8000 in the spec's own run).
#[test]
fn monte_carlo_matches_closed_form_expected_update() {
    let (indptr, indices, w) = recipe_graph();
    let g = CsrGraph::new(40, &indptr, &indices, &w).unwrap();
    let g = g.with_min_weight(g.w_max() / 200.0).unwrap();
    // 40 points × 5 true neighbours, union-symmetrised (the spec's draw gave 280)
    assert!((200..=400).contains(&g.kept_nnz()), "{}", g.kept_nnz());
    let coords = recipe_layout();
    let y = Layout::new(&coords, 2).unwrap();
    let k = Umap::umap_learn_default();
    let mut exact = vec![0.0; 80];
    expected_update(
        &g,
        &k,
        &y,
        &SamplerOptions::default(),
        &mut vec![0.0; 40],
        &mut exact,
    )
    .unwrap();
    let err_at = |t: usize| {
        let mut est = vec![0.0; 80];
        let r = frozen_estimate(&g, BceStep::umap_learn(k), &y, t, 5.0, 7, &mut est).unwrap();
        // positive samples per epoch → Σ μ_e/μ_max (160.96 in the recipe); negatives m times that
        let per_epoch = r.positive_samples as f64 / t as f64;
        let rate: f64 = g.edges().map(|(_, _, w)| w / g.w_max()).sum();
        assert!(
            (per_epoch - rate).abs() < 0.01 * rate,
            "{per_epoch} vs {rate}"
        );
        assert!((r.negative_samples as f64 / r.positive_samples as f64 - 5.0).abs() < 0.05);
        common::rel_l2(&est, &exact)
    };
    let (e500, e4000) = (err_at(500), err_at(4000));
    eprintln!("relative L2 error: T = 500: {e500:.4}, T = 4000: {e4000:.4}");
    assert!(e4000 < 0.015, "T = 4000: {e4000}");
    assert!(
        e500 / e4000 > 1.8,
        "error should fall like 1/sqrt(T): {e500} -> {e4000}"
    );
}

/// The same for NEG: the frozen sampler's mean update is the expected per-sample update,
/// which with uniform negatives over all points equals the closed form assembled here.
#[test]
fn frozen_neg_sampler_is_unbiased() {
    let (indptr, indices, w) = recipe_graph();
    let g = CsrGraph::new(40, &indptr, &indices, &w).unwrap();
    let coords = recipe_layout();
    let y = Layout::new(&coords, 2).unwrap();
    let s = 0.3;
    let step = NegStep {
        clip: None,
        push_negatives: true,
        ..NegStep::new(Cauchy, s)
    };
    let mut est = vec![0.0; 80];
    frozen_estimate(&g, step, &y, 4000, 5.0, 3, &mut est).unwrap();
    // closed form: head rate μ/μ_max, m negatives per sample uniform over n (self skipped)
    let (n, m, wmax) = (40usize, 5.0, g.w_max());
    let mut exact = vec![0.0; 80];
    let d2 = |i: usize, j: usize| {
        (0..2)
            .map(|d| (coords[2 * i + d] - coords[2 * j + d]).powi(2))
            .sum::<f64>()
    };
    for (h, t, mu) in g.edges() {
        let c = Kernel::<f64>::c_pos(&Cauchy, d2(h, t), s);
        for d in 0..2 {
            let f = mu / wmax * c * (coords[2 * h + d] - coords[2 * t + d]);
            exact[2 * h + d] += f;
            exact[2 * t + d] -= f;
        }
        for kk in 0..n {
            if kk == h {
                continue;
            }
            let c = Kernel::<f64>::c_neg(&Cauchy, d2(h, kk), s);
            for d in 0..2 {
                let f = mu / wmax * m / n as f64 * c * (coords[2 * h + d] - coords[2 * kk + d]);
                exact[2 * h + d] += f;
                exact[2 * kk + d] -= f;
            }
        }
    }
    let err = common::rel_l2(&est, &exact);
    assert!(err < 0.02, "NEG frozen estimate error {err}");
}

fn read<T>(path: &std::path::Path, f: impl Fn([u8; 4]) -> T) -> Vec<T> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|c| f(c.try_into().unwrap()))
        .collect()
}

/// umap-learn's schedule, replayed: the digits graph gives exactly the sample counts of
/// REFERENCE.md (counted by replaying umap-learn's own schedule).
#[test]
fn sample_counts_match_umap_learn_on_digits() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits");
    let indptr = read(&dir.join("graph_indptr.u32"), u32::from_le_bytes);
    let indices = read(&dir.join("graph_indices.u32"), u32::from_le_bytes);
    let w = read(&dir.join("graph_weights.f32"), f32::from_le_bytes);
    let init = read(&dir.join("init.f32"), f32::from_le_bytes);
    let n = indptr.len() - 1;
    for (epochs, pos, neg) in [
        (200, 2_231_244u64, 11_131_538u64),
        (500, 5_619_382, 28_072_222),
    ] {
        let g = CsrGraph::new(n, &indptr, &indices, &w)
            .unwrap()
            .with_umap_filter(epochs);
        let config = UmapConfig {
            n_epochs: epochs,
            ..UmapConfig::umap_learn(n, 42)
        };
        let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
        // a cheap step: counts do not depend on it
        let mut step = BceStep::umap_learn(Umap::<f32>::umap_learn_default());
        let mut y = init.clone();
        let r = sgd
            .run(
                &g,
                &mut step,
                &mut InPlace::new(&mut y, 2, None),
                usize::MAX,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(
            (r.positive_samples, r.negative_samples),
            (pos, neg),
            "{epochs} epochs"
        );
        // the public schedule gives the same count: edge e is due in epoch t when its next
        // time is ≤ t (epoch 0 never samples), then its time advances by ε_e
        let mut eps = vec![0.0; g.nnz()];
        epochs_per_sample(&g, epochs, &mut eps).unwrap();
        let mut count = 0u64;
        for &e in &eps {
            let mut next = e;
            for t in 0..epochs {
                if next <= t as f64 {
                    count += 1;
                    next += e;
                }
            }
        }
        assert_eq!(count, pos, "{epochs} epochs from epochs_per_sample");
    }
}

fn small_graph() -> (Vec<u32>, Vec<u32>, Vec<f64>, Vec<f64>) {
    let n = 30;
    let mut dense = vec![0.0; n * n];
    for i in 0..n {
        for o in [1, 2, 7] {
            let j = (i + o) % n;
            let w = 0.2 + 0.8 * ((i * 7 + o) % 5) as f64 / 4.0;
            dense[i * n + j] = w;
            dense[j * n + i] = w;
        }
    }
    let (a, b, c) = common::csr_from_dense(n, &dense);
    let y = (0..2 * n).map(|k| ((k * 37) % 101) as f64 / 10.0).collect();
    (a, b, c, y)
}

fn run_umap(seed: u64, epochs_split: Option<usize>) -> Vec<f64> {
    let (indptr, indices, w, mut y) = small_graph();
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 60,
        ..UmapConfig::umap_learn(30, seed)
    };
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    match epochs_split {
        None => {
            sgd.run(
                &g,
                &mut step,
                &mut InPlace::new(&mut y, 2, None),
                usize::MAX,
                &mut Silent,
            )
            .unwrap();
        }
        Some(k) => {
            sgd.run(
                &g,
                &mut step,
                &mut InPlace::new(&mut y, 2, None),
                k,
                &mut Silent,
            )
            .unwrap();
            let saved = sgd.clone();
            drop(sgd);
            let mut resumed = saved;
            assert_eq!(resumed.epoch(), k);
            resumed
                .run(
                    &g,
                    &mut step,
                    &mut InPlace::new(&mut y, 2, None),
                    usize::MAX,
                    &mut Silent,
                )
                .unwrap();
            assert!(resumed.finished());
        }
    }
    y
}

#[test]
fn same_seed_same_bits_and_resume_equals_uninterrupted() {
    let a = run_umap(5, None);
    let b = run_umap(5, None);
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    let c = run_umap(6, None);
    assert!(a != c, "another seed gives another layout");
    for k in [0, 1, 17, 59] {
        let r = run_umap(5, Some(k));
        assert!(
            a.iter().zip(&r).all(|(x, y)| x.to_bits() == y.to_bits()),
            "resume after {k}"
        );
    }
}

#[test]
fn borrowed_buffers_give_the_same_bits_as_owned() {
    let (indptr, indices, w, y0) = small_graph();
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 40,
        ..UmapConfig::umap_learn(30, 9)
    };
    let sizes = OwnedUmapSgd::<f64>::buffer_sizes(&g, &config);
    let (mut times, mut rngs) = (
        vec![0.0; sizes.times],
        vec![Pcg32::for_stream(0, 0); sizes.rngs],
    );
    let (mut negs, mut coeffs) = (vec![0u32; sizes.negatives], vec![0.0; sizes.coeffs]);
    let mut sgd = BorrowedUmapSgd::<f64>::with_buffers(
        &g,
        &config,
        &mut times,
        &mut rngs,
        &mut negs,
        &mut coeffs,
    )
    .unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut y = y0.clone();
    sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    let mut owned = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut y2 = y0.clone();
    owned
        .run(
            &g,
            &mut step,
            &mut InPlace::new(&mut y2, 2, None),
            usize::MAX,
            &mut Silent,
        )
        .unwrap();
    assert_eq!(y, y2);
    let mut short = vec![0.0; sizes.times - 1];
    assert!(
        BorrowedUmapSgd::<f64>::with_buffers(
            &g,
            &config,
            &mut short,
            &mut rngs,
            &mut negs,
            &mut coeffs
        )
        .is_err()
    );
}

#[test]
fn pinned_rows_never_move_and_observer_can_stop() {
    let (indptr, indices, w, y0) = small_graph();
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 50,
        ..UmapConfig::umap_learn(30, 1)
    };
    let pinned: Vec<bool> = (0..30).map(|i| i % 3 == 0).collect();
    let mut y = y0.clone();
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = NegStep::new(Cauchy, 0.5);
    let mut seen = Vec::new();
    let mut obs = |info: &EpochInfo<f64>, _: &[f64]| {
        seen.push((info.epoch, info.learning_rate));
        if info.epoch == 9 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let r = sgd
        .run(
            &g,
            &mut step,
            &mut InPlace::new(&mut y, 2, Some(&pinned)),
            usize::MAX,
            &mut obs,
        )
        .unwrap();
    assert!(r.stopped && r.epochs == 10 && sgd.epoch() == 10);
    // learning rate lags one epoch: epochs 0 and 1 both use α0
    assert_eq!(seen[0].1, 1.0);
    assert_eq!(seen[1].1, 1.0);
    assert!((seen[2].1 - (1.0 - 1.0 / 50.0)).abs() < 1e-15);
    for i in 0..30 {
        let moved = y[2 * i] != y0[2 * i] || y[2 * i + 1] != y0[2 * i + 1];
        assert_eq!(moved, !pinned[i], "row {i}");
    }
}

#[test]
fn every_step_runs_in_the_loop_and_stays_finite() {
    let (indptr, indices, w, y0) = small_graph();
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 30,
        ..UmapConfig::umap_learn(30, 4)
    };
    fn go<S: Step<f64>>(
        g: &CsrGraph<f64>,
        config: &UmapConfig<f64>,
        mut step: S,
        y0: &[f64],
    ) -> (Vec<f64>, f64) {
        let mut y = y0.to_vec();
        let mut sgd = OwnedUmapSgd::<f64>::new(g, config).unwrap();
        struct Loss(f64);
        impl Observer<f64> for Loss {
            fn wants_loss(&self) -> bool {
                true
            }
            fn on_epoch(&mut self, info: &EpochInfo<f64>, _: &[f64]) -> Control {
                self.0 = info.loss.unwrap();
                Control::Continue
            }
        }
        let mut obs = Loss(f64::NAN);
        sgd.run(
            g,
            &mut step,
            &mut InPlace::new(&mut y, 2, None),
            usize::MAX,
            &mut obs,
        )
        .unwrap();
        (y, obs.0)
    }
    let (y, l) = go(
        &g,
        &config,
        BceStep::umap_learn(Umap::umap_learn_default()),
        &y0,
    );
    assert!(y.iter().all(|v| v.is_finite()) && l.is_finite() && l > 0.0);
    let (y, l) = go(
        &g,
        &config,
        NegStep::new(Umap::umap_learn_default(), 1.0),
        &y0,
    );
    assert!(y.iter().all(|v| v.is_finite()) && l.is_finite());
    let nce = NceStep::new(Cauchy, 5.0, 30, 0.0, 0.01).unwrap();
    let (y, l) = go(&g, &config, nce, &y0);
    assert!(y.iter().all(|v| v.is_finite()) && l.is_finite());
    let (y, l) = go(&g, &config, InfoNceStep::new(Cauchy, 1.0), &y0);
    assert!(y.iter().all(|v| v.is_finite()) && l.is_finite());
}

#[test]
fn bce_step_is_umap_learns_update() {
    // head 0 at (0,0), tail 1 at (3,0), negatives: 0 (self, skipped) and 3 at (0,-1).
    let mut y = vec![0.0f64, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, -1.0];
    let k = Umap::umap_learn_default();
    let mut step = BceStep::umap_learn(k);
    let lr = 0.5;
    let c = k.c_att(9.0);
    let delta = (c * -3.0f64).clamp(-4.0, 4.0);
    let mut expect = y.clone();
    expect[0] += lr * delta;
    expect[2] -= lr * delta;
    // then the repulsion from 3 uses the moved head
    let (hx, hy) = (expect[0], expect[1]);
    let d2 = hx * hx + (hy + 1.0) * (hy + 1.0);
    let cr = k.c_rep(d2, 1.0, 0.001);
    expect[0] += lr * (cr * hx).clamp(-4.0, 4.0);
    expect[1] += lr * (cr * (hy + 1.0)).clamp(-4.0, 4.0);
    step.apply(
        &mut InPlace::new(&mut y, 2, None),
        Sample {
            head: 0,
            tail: 1,
            negatives: &[0, 3],
        },
        lr,
        false,
        &mut [0.0; 4],
    );
    assert_eq!(y, expect);
    // coincident points (tail and negative at the head's position) exert no force
    let mut y = vec![1.0f64, 1.0, 1.0, 1.0, 1.0, 1.0];
    step.apply(
        &mut InPlace::new(&mut y, 2, None),
        Sample {
            head: 0,
            tail: 1,
            negatives: &[2, 2],
        },
        lr,
        false,
        &mut [0.0; 3],
    );
    assert_eq!(y, vec![1.0; 6]);
    // clipping: a tiny distance makes the repulsion clip at exactly ±4 per coordinate
    let y = vec![0.0f64, 0.0, 5.0, 5.0, 0.01, -0.01];
    let mut step = BceStep {
        move_other: false,
        ..BceStep::umap_learn(k)
    };
    let mut acc = vec![0.0; 6];
    let frozen = y.clone();
    step.apply(
        &mut Frozen::new(&frozen, &mut acc, 2, None),
        Sample {
            head: 0,
            tail: 1,
            negatives: &[2],
        },
        1.0,
        false,
        &mut [0.0; 2],
    );
    let att = (k.c_att(50.0) * -5.0f64).clamp(-4.0, 4.0);
    assert_eq!(acc[0], att - 4.0);
    assert_eq!(acc[1], att + 4.0);
    assert_eq!(&acc[2..], &[0.0; 4]);
    assert_eq!(y, frozen);
}

#[test]
fn transform_moves_only_new_points() {
    let (indptr, indices, w, y0) = small_graph();
    // new points 25..30 keep only their edges to the reference 0..25
    let mut dense = vec![0.0; 900];
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    for (h, t, w) in g.edges() {
        if h >= 25 && t < 25 {
            dense[h * 30 + t] = w;
        }
    }
    let (ip, ix, ww) = common::csr_from_dense(30, &dense);
    let g = CsrGraph::new(30, &ip, &ix, &ww).unwrap();
    let mut y = y0.clone();
    let config = UmapConfig {
        n_epochs: 100,
        ..UmapConfig::umap_learn(30, 2)
    };
    let r = transform(&g, &Umap::umap_learn_default(), &mut y, 2, 25, &config).unwrap();
    assert!(r.positive_samples > 0);
    assert_eq!(&y[..50], &y0[..50]);
    assert!(y[50..] != y0[50..]);
    assert!(transform(&g, &Umap::umap_learn_default(), &mut y, 2, 0, &config).is_err());
}

#[test]
fn run_rejects_mismatched_inputs() {
    let (indptr, indices, w, y0) = small_graph();
    let g = CsrGraph::new(30, &indptr, &indices, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 5,
        ..UmapConfig::umap_learn(30, 1)
    };
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut short = y0[..40].to_vec();
    assert!(
        sgd.run(
            &g,
            &mut step,
            &mut InPlace::new(&mut short, 2, None),
            1,
            &mut Silent
        )
        .is_err()
    );
    let filtered = g.with_umap_filter(5);
    let mut y = y0.clone();
    assert!(
        sgd.run(
            &filtered,
            &mut step,
            &mut InPlace::new(&mut y, 2, None),
            1,
            &mut Silent
        )
        .is_err()
    );
    let mut bad = BceStep {
        gamma: -1.0,
        ..BceStep::umap_learn(Umap::umap_learn_default())
    };
    assert!(
        sgd.run(
            &g,
            &mut bad,
            &mut InPlace::new(&mut y, 2, None),
            1,
            &mut Silent
        )
        .is_err()
    );
    assert_eq!(sgd.epoch(), 0, "nothing ran");
    for bad in [
        UmapConfig {
            n_epochs: 0,
            ..config
        },
        UmapConfig {
            learning_rate: 0.0,
            ..config
        },
        UmapConfig {
            negative_rate: -1.0,
            ..config
        },
        UmapConfig {
            negative_pool: Some(31),
            ..config
        },
    ] {
        assert!(OwnedUmapSgd::<f64>::new(&g, &bad).is_err());
    }
}
