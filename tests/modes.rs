//! The speed modes: the fast math mode against libm, the batched-negatives order against its
//! definition, and the quality of every mode against umap-learn's (REFERENCE.md tolerances).

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{BceKernel, Kernel, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::metrics::{Quality, quality};
use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
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

    /// The batched order is exactly its definition: every coefficient and difference from the
    /// start positions; per coordinate the attraction, then the repulsions summed in negative
    /// order. Dimensions 1–3: the step has a general path and one written out for two
    /// dimensions (the attraction in lane 0); up to 19 negatives span three lane chunks, and
    /// negatives that are the head or the tail are drawn.
    #[test]
    fn batched_negatives_follow_their_definition(
        dim in 1usize..=3,
        all_coords in proptest::collection::vec(-3.0f64..3.0, 18),
        negatives in proptest::collection::vec(0u32..6, 0..20),
        lr in 0.01f64..1.0,
    ) {
        let coords = all_coords[..6 * dim].to_vec();
        let kernel = Umap::<f64>::umap_learn_default();
        let step = BceStep { batched_negatives: true, ..BceStep::umap_learn(kernel) };
        let (head, tail) = (0usize, 1usize);
        // the definition, written out: everything from the start positions, then per
        // coordinate the attraction (head, tail) and the repulsions' sum (head)
        let start = coords.clone();
        let d2 = |y: &[f64], i: usize, j: usize| (0..dim).map(|d| (y[i * dim + d] - y[j * dim + d]).powi(2)).sum::<f64>();
        let r = d2(&start, head, tail);
        let c_att = if r > 0.0 { kernel.c_att(r) } else { 0.0 };
        let c: Vec<f64> = negatives.iter().map(|&k| {
            let r = d2(&start, head, k as usize);
            if r > 0.0 && k as usize != head { kernel.c_rep(r, 1.0, 0.001) } else { 0.0 }
        }).collect();
        let mut want = start.clone();
        for d in 0..dim {
            let yh = start[head * dim + d];
            let mut total = 0.0;
            for (&ck, &k) in c.iter().zip(&negatives) {
                if ck != 0.0 {
                    total += lr * (ck * (yh - start[k as usize * dim + d])).clamp(-4.0, 4.0);
                }
            }
            if c_att != 0.0 {
                let delta = (c_att * (yh - start[tail * dim + d])).clamp(-4.0, 4.0);
                want[head * dim + d] += lr * delta;
                want[tail * dim + d] += -(lr * delta);
            }
            want[head * dim + d] += total;
        }
        let mut got = coords.clone();
        let mut s = step;
        let mut scratch = [0.0; 24];
        s.apply(&mut InPlace::new(&mut got, dim, None), Sample { head, tail, negatives: &negatives }, lr, false, &mut scratch);
        prop_assert_eq!(got, want);
    }
}

fn run(f: &Fixture, epochs: usize, fast: bool, batched: bool, order: SampleOrder) -> Quality {
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(epochs);
    let config = UmapConfig {
        n_epochs: epochs,
        order,
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
    for (fast, batched, order, mode) in [
        (true, false, SampleOrder::Csr, "fast"),
        (false, true, SampleOrder::Csr, "batched"),
        (true, true, SampleOrder::Csr, "fast + batched"),
        (
            true,
            true,
            SampleOrder::Lockstep,
            "fast + batched, lockstep",
        ),
    ] {
        assert_close(&run(&f, 500, fast, batched, order), 0.536, 0.988, mode);
    }
}

#[test]
fn fast_batched_and_lockstep_keep_umap_learns_quality_on_mnist70k() {
    let Some(f) = common::shared("mnist70k") else {
        eprintln!("skipped: ../shared/data/mnist70k is absent");
        return;
    };
    assert_close(
        &run(&f, 200, true, true, SampleOrder::Csr),
        0.128,
        0.975,
        "fast + batched",
    );
    assert_close(
        &run(&f, 200, true, true, SampleOrder::Lockstep),
        0.128,
        0.975,
        "fast + batched, lockstep",
    );
}

/// Edge values for the lane tests: 0, subnormals, tiny, ordinary, huge, ∞.
fn edge_values() -> Vec<f32> {
    let mut v = vec![
        0.0,
        f32::from_bits(1),
        f32::from_bits(0x0007_ffff),
        f32::MIN_POSITIVE,
        1e-30,
        1e-6,
        0.5,
        1.0,
        2.0,
        1e4,
        1e30,
        f32::MAX,
        f32::INFINITY,
    ];
    // and a seeded log-uniform spread
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..4000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let u = (s >> 11) as f64 / (1u64 << 53) as f64;
        v.push((10f64).powf(-38.0 + 76.0 * u) as f32);
    }
    v
}

/// The lane functions give exactly the scalar bits (the `simd` path's oracle), for both math
/// modes, on edge values and random ones, in every lane position (`pow`, `c_att`, `c_rep`, `c_att_rep_lanes`).
#[test]
fn lane_functions_equal_scalar_bit_for_bit() {
    use neighbor_embed::fast_math::{LANES, pow, pow_lanes};
    let values = edge_values();
    let exact = Umap::<f32>::umap_learn_default();
    let fast = exact.fast();
    let b1 = Umap::new(1.5f32, 1.0).unwrap();
    for shift in 0..LANES {
        for chunk in values[shift..].chunks(LANES) {
            let mut x = [1.0f32; LANES];
            x[..chunk.len()].copy_from_slice(chunk);
            for y in [0.895_060_9f32, 0.5, 1.0, 2.0, -0.3, 70.0, 0.0] {
                let lanes = pow_lanes(&x, y);
                for l in 0..LANES {
                    assert_eq!(
                        lanes[l].to_bits(),
                        pow(x[l], y).to_bits(),
                        "pow({}, {y})",
                        x[l]
                    );
                }
            }
            // NaN must stay NaN with the same bits too
            let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            let (ae, af, a1) = (
                exact.c_att_lanes(&x),
                fast.c_att_lanes(&x),
                b1.c_att_lanes(&x),
            );
            let huge_a = Umap::new(3e38f32, 0.5).unwrap(); // den overflows: the -2b/d2 branch
            let ah = huge_a.fast().c_att_lanes(&x);
            for l in 0..LANES {
                assert!(same(ae[l], exact.c_att(x[l])), "c_att({})", x[l]);
                assert!(same(af[l], fast.c_att(x[l])), "fast c_att({})", x[l]);
                assert!(same(a1[l], b1.c_att(x[l])), "b = 1 c_att({})", x[l]);
                assert!(
                    same(ah[l], huge_a.fast().c_att(x[l])),
                    "huge a c_att({})",
                    x[l]
                );
            }
            for (gamma, eps) in [(1.0f32, 0.001f32), (1.0, 0.0), (0.0, 0.001)] {
                let (le, lf, l1) = (
                    exact.c_rep_lanes(&x, gamma, eps),
                    fast.c_rep_lanes(&x, gamma, eps),
                    b1.c_rep_lanes(&x, gamma, eps),
                );
                for (k, (att, rep)) in [
                    (exact.c_att(x[0]), exact.c_att_rep_lanes(&x, gamma, eps)),
                    (fast.c_att(x[0]), fast.c_att_rep_lanes(&x, gamma, eps)),
                    (b1.c_att(x[0]), b1.c_att_rep_lanes(&x, gamma, eps)),
                ]
                .into_iter()
                .enumerate()
                {
                    assert!(same(att, rep.0), "c_att_rep_lanes({}) kernel {k}", x[0]);
                    let lanes = [le, lf, l1][k];
                    assert!((0..LANES).all(|l| same(lanes[l], rep.1[l])), "kernel {k}");
                }
                for l in 0..LANES {
                    assert_eq!(le[l].to_bits(), exact.c_rep(x[l], gamma, eps).to_bits());
                    assert_eq!(lf[l].to_bits(), fast.c_rep(x[l], gamma, eps).to_bits());
                    assert_eq!(l1[l].to_bits(), b1.c_rep(x[l], gamma, eps).to_bits());
                }
            }
        }
    }
}

/// The batched step is the same with and without coincident points and repeated negatives
/// whatever the path: a run's output is finite and deterministic (CI also compares the output
/// hash of builds with and without `simd`).
#[test]
fn batched_step_handles_coincident_points_and_self_draws() {
    let kernel = Umap::<f32>::umap_learn_default().fast();
    let mut step = BceStep {
        batched_negatives: true,
        ..BceStep::umap_learn(kernel)
    };
    // points 0, 2 coincide; negatives include the head itself and repeats; 11 negatives span
    // two lane chunks
    let mut y = vec![0.0f32, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0, 4.0];
    let negatives = [0u32, 2, 2, 3, 1, 0, 3, 3, 2, 1, 3];
    let mut scratch = [0.0f32; 16];
    let mut sink = InPlace::new(&mut y, 2, None);
    step.apply(
        &mut sink,
        Sample {
            head: 0,
            tail: 1,
            negatives: &negatives,
        },
        1.0,
        true,
        &mut scratch,
    );
    assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
}
