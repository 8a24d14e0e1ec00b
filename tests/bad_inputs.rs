//! Hostile and malformed inputs found by review and fuzzing: each returns a typed error or a
//! documented, finite result — never a panic or NaN. (The start of the bad-input catalogue.)

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::affinity::{UmapAffinity, tsne_graph, umap_graph};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::knn::{KnnList, SelfNeighbor};
use neighbor_embed::layout::Layout;
use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::{Frozen, InPlace};
use neighbor_embed::step::{BceStep, Sample, Step};
use neighbor_embed::{Error, init, loss};

fn triangle() -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    (vec![0, 2, 4, 6], vec![1, 2, 0, 2, 0, 1], vec![1.0; 6])
}

#[test]
fn sink_buffers_of_the_wrong_size_are_errors() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 5,
        ..UmapConfig::umap_learn(3, 1)
    };
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut y = vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    let short_pins = [false];
    let r = sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, Some(&short_pins)),
        1,
        &mut Silent,
    );
    assert!(
        matches!(r, Err(Error::BufferLength { name: "pinned", .. })),
        "{r:?}"
    );
    let frozen = y.clone();
    let mut acc = [0.0; 1];
    let r = sgd.run(
        &g,
        &mut step,
        &mut Frozen::new(&frozen, &mut acc, 2, None),
        1,
        &mut Silent,
    );
    assert!(
        matches!(r, Err(Error::BufferLength { name: "acc", .. })),
        "{r:?}"
    );
    y[3] = f64::NAN;
    let r = sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, None),
        1,
        &mut Silent,
    );
    assert!(matches!(r, Err(Error::Layout(_))), "{r:?}");
    assert_eq!(sgd.epoch(), 0);
}

#[test]
fn absurd_negative_rates_are_rejected_before_allocating() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    for m in [f64::INFINITY, 1e18, 2e18, -1.0, f64::NAN] {
        let config = UmapConfig {
            negative_rate: m,
            ..UmapConfig::umap_learn(3, 1)
        };
        assert!(
            matches!(
                OwnedUmapSgd::<f64>::new(&g, &config),
                Err(Error::Param {
                    name: "negative_rate",
                    ..
                })
            ),
            "{m}"
        );
    }
}

#[test]
fn knn_sizes_that_overflow_are_errors() {
    let r = KnnList::<f64>::new(1 << 32, 1 << 32, &[], &[], SelfNeighbor::First);
    assert!(matches!(r, Err(Error::Param { name: "k", .. })));
}

#[test]
fn zero_local_connectivity_with_duplicate_points() {
    // point 1 duplicates point 0: row 0's only neighbour is at distance 0
    let idx = [0u32, 1, 1, 0, 2, 0];
    let dist = [0.0f64, 0.0, 0.0, 0.0, 0.0, 1.0];
    let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::First).unwrap();
    let g = umap_graph(
        &knn,
        &UmapAffinity {
            local_connectivity: 0.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(g.graph.weights().iter().all(|w| w.is_finite()));
}

#[test]
fn squared_distances_that_overflow_are_errors() {
    let mut idx = Vec::new();
    for i in 0..4u32 {
        idx.extend((0..4).filter(|&j| j != i));
    }
    let dist = vec![1e160f64; 12];
    let knn = KnnList::new(4, 3, &idx, &dist, SelfNeighbor::Excluded).unwrap();
    assert!(matches!(
        tsne_graph(&knn, 2.0),
        Err(Error::Degenerate { .. })
    ));
}

#[test]
fn infonce_with_every_similarity_underflowing() {
    let coords = [0.0f64, 1e200, -1e200];
    let y = Layout::new(&coords, 1).unwrap();
    assert!(matches!(
        loss::infonce_pair(&Cauchy, &y, 0, 1, &[2], 1.0, None),
        Err(Error::Degenerate { .. })
    ));
    let mut step = neighbor_embed::step::InfoNceStep::new(Cauchy, 1.0);
    let mut c = coords;
    let l = step.apply(
        &mut InPlace::new(&mut c, 1, None),
        Sample {
            head: 0,
            tail: 1,
            negatives: &[2],
        },
        1.0,
        true,
        &mut [0.0; 2],
    );
    assert_eq!((l, c), (0.0, coords));
}

#[test]
fn an_infinite_coefficient_does_not_push_along_axes_without_offset() {
    // γ = f64::MAX makes c_rep infinite; the negative differs from the head only along x
    let mut y = vec![0.0f64, 0.0, 5.0, 5.0, 1e-3, 0.0];
    let mut step = BceStep {
        gamma: f64::MAX,
        move_other: false,
        ..BceStep::umap_learn(Umap::umap_learn_default())
    };
    let before = y.clone();
    step.apply(
        &mut InPlace::new(&mut y, 2, None),
        Sample {
            head: 0,
            tail: 0,
            negatives: &[2],
        },
        1.0,
        false,
        &mut [0.0; 2],
    );
    assert!(y.iter().all(|v| v.is_finite()));
    assert_eq!(y[0], before[0] - 4.0, "clipped push along x");
    assert_eq!(y[1], before[1], "no push along y");
}

#[test]
fn uniform_init_over_a_huge_span() {
    let mut y = vec![0.0f64; 64];
    init::uniform(&mut y, -f64::MAX, f64::MAX, 3).unwrap();
    assert!(y.iter().all(|v| v.is_finite()));
    assert!(y.iter().any(|&v| v != -f64::MAX));
}

#[test]
fn cluster_spread_of_huge_coordinates() {
    let coords = [1e200f64, 0.0, -1e200, 0.0, 1e200, 1e199, -1e200, 1e199];
    let s =
        neighbor_embed::metrics::cluster_spread(&Layout::new(&coords, 2).unwrap(), &[0, 1, 0, 1])
            .unwrap();
    assert!(s.is_finite() && s > 0.0);
}
