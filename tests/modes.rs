//! The speed modes: the fast math mode against libm, the batched-negatives order against its
//! definition, and the quality of every mode against umap-learn's (REFERENCE.md tolerances).

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::metrics::{Quality, quality};
use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::{BceStep, Sample, Step};
use proptest::prelude::*;
mod common;
use common::Fixture;

#[test]
fn fast_umap_kernel_is_within_1e6_of_libm() {
    let exact = Umap::<f32>::umap_learn_default();
    let fast = exact.fast();
    let mut d2 = 1e-6f32;
    while d2 < 1e4 {
        for (a, b) in [
            (exact.value(d2), fast.value(d2)),
            (exact.c_att(d2), fast.c_att(d2)),
            (exact.c_rep(d2, 1.0, 0.001), fast.c_rep(d2, 1.0, 0.001)),
        ] {
            assert!(((b - a) / a).abs() < 1e-6, "d2 {d2}: {a} vs {b}");
        }
        d2 *= 1.001;
    }
    // b = 1 takes no pow in either mode: the two agree bit for bit
    let (e1, f1) = (
        Umap::new(1.5f32, 1.0).unwrap(),
        Umap::new(1.5f32, 1.0).unwrap().fast(),
    );
    for d2 in [1e-3f32, 0.5, 2.0, 77.0] {
        assert_eq!(e1.c_rep(d2, 1.0, 0.001), f1.c_rep(d2, 1.0, 0.001));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The batched order is exactly its definition: coefficients from the head's position
    /// after the attraction, updates summed per coordinate in negative order.
    #[test]
    fn batched_negatives_follow_their_definition(
        coords in proptest::collection::vec(-3.0f64..3.0, 12),
        negatives in proptest::collection::vec(0u32..6, 0..7),
        lr in 0.01f64..1.0,
    ) {
        let dim = 2;
        let kernel = Umap::<f64>::umap_learn_default();
        let step = BceStep { batched_negatives: true, ..BceStep::umap_learn(kernel) };
        let (head, tail) = (0usize, 1usize);
        // the definition, written out
        let mut want = coords.clone();
        let d2 = |y: &[f64], i: usize, j: usize| (0..dim).map(|d| (y[i * dim + d] - y[j * dim + d]).powi(2)).sum::<f64>();
        let r = d2(&want, head, tail);
        if r > 0.0 {
            let c = kernel.c_att(r);
            for d in 0..dim {
                let f = c * (want[head * dim + d] - want[tail * dim + d]);
                let delta = f.clamp(-4.0, 4.0);
                want[head * dim + d] += lr * delta;
                want[tail * dim + d] += -(lr * delta);
            }
        }
        let c: Vec<f64> = negatives.iter().map(|&k| {
            let r = d2(&want, head, k as usize);
            if r > 0.0 && k as usize != head { kernel.c_rep(r, 1.0, 0.001) } else { 0.0 }
        }).collect();
        for d in 0..dim {
            let yh = want[head * dim + d];
            let mut total = 0.0;
            for (&ck, &k) in c.iter().zip(&negatives) {
                if ck != 0.0 {
                    total += lr * (ck * (yh - want[k as usize * dim + d])).clamp(-4.0, 4.0);
                }
            }
            want[head * dim + d] += total;
        }
        let mut got = coords.clone();
        let mut s = step;
        let mut scratch = [0.0; 8];
        s.apply(&mut InPlace::new(&mut got, dim, None), Sample { head, tail, negatives: &negatives }, lr, false, &mut scratch);
        prop_assert_eq!(got, want);
    }
}

fn run(f: &Fixture, epochs: usize, fast: bool, batched: bool) -> Quality {
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(epochs);
    let config = UmapConfig {
        n_epochs: epochs,
        ..UmapConfig::umap_learn(f.n, 42)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    let mut y = f.init.clone();
    let umap = Umap::<f32>::umap_learn_default();
    let mut sink = InPlace::new(&mut y, 2, None);
    if fast {
        let mut step = BceStep {
            batched_negatives: batched,
            ..BceStep::umap_learn(umap.fast())
        };
        sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)
            .unwrap();
    } else {
        let mut step = BceStep {
            batched_negatives: batched,
            ..BceStep::umap_learn(umap)
        };
        sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)
            .unwrap();
    }
    quality(
        &f.x,
        f.x.len() / f.n,
        &Layout::new(&y, 2).unwrap(),
        &f.hd,
        &f.labels,
    )
    .unwrap()
}

/// Issue tolerance: kNN preservation within 0.015 and kNN accuracy within 0.005 of
/// umap-learn's (REFERENCE.md).
fn assert_close(q: &Quality, preservation: f64, accuracy: f64, mode: &str) {
    eprintln!(
        "{mode}: knn_preservation {:.4}, knn_accuracy {:.4}",
        q.knn_preservation, q.knn_accuracy
    );
    assert!(
        (q.knn_preservation - preservation).abs() <= 0.015,
        "{mode}: {q:?}"
    );
    assert!((q.knn_accuracy - accuracy).abs() <= 0.005, "{mode}: {q:?}");
}

#[test]
fn every_mode_keeps_umap_learns_quality_on_digits() {
    let f = common::digits();
    for (fast, batched, mode) in [
        (true, false, "fast"),
        (false, true, "batched"),
        (true, true, "fast + batched"),
    ] {
        assert_close(&run(&f, 500, fast, batched), 0.536, 0.988, mode);
    }
}

#[test]
fn fast_batched_keeps_umap_learns_quality_on_mnist70k() {
    let Some(f) = common::shared("mnist70k") else {
        eprintln!("skipped: ../shared/data/mnist70k is absent");
        return;
    };
    assert_close(&run(&f, 200, true, true), 0.128, 0.975, "fast + batched");
}
