//! The bad-input catalogue: malformed and hostile inputs, one test each, with the typed error
//! (naming the offending index or parameter) or the documented, finite behaviour the crate
//! gives instead of a panic or NaN. The README's "Finite in, finite out" section summarises the
//! guarantees; `tests/finite.rs` checks them as properties and `fuzz/` explores the rest.
//!
//! | input | result |
//! |---|---|
//! | empty graph (`n = 0`) | valid graph; losses 0 or `Degenerate`; samplers run 0 samples; kNN lists `Param` |
//! | `n = 1` | valid; NEG/NCE/t-SNE `Degenerate` (need 2 points); spectral layout at the cell centre |
//! | `dim = 0` | `LayoutError::ZeroDim`; `Param { "dim" }` |
//! | NaN/∞ weight, distance, coordinate | `NonFiniteWeight { position }`, `BadDistance { position }`, `NonFinite { row, col }` |
//! | negative weight, distance | `NegativeWeight { position }`, `BadDistance { position }` |
//! | index out of range | `IndexOutOfRange { position, index, n }`, `PointIndex { name, position, index, n }` |
//! | `indptr` decreasing, not from 0, wrong end | `IndptrDecreasing { row }`, `IndptrStart`, `IndptrEnd` |
//! | mismatched lengths | `IndptrLength`, `WeightsLength`, `LengthNotMultiple`, `PointCount`, `BufferLength { name }` |
//! | duplicate edges | accepted and summed; `check_no_duplicates` names them; kNN duplicates `DuplicateNeighbor` |
//! | self-loops | accepted (degrees count them, pair terms skip them); `check_no_self_loops` names them |
//! | isolated vertices, several components | finite everywhere; spectral layout one cell per component |
//! | all points coincident | no force (layout unchanged), repulsive loss `+∞`, gradients 0 |
//! | huge (1e30) and tiny (1e-30) coordinates | finite losses, gradients and positions |
//! | `k ≥ n` | `k = n` valid, `k > n` `Param { "k" }`, CSR rows `RowTooLong`, perplexity `Param` |
//! | bad `spread`/`min_dist` | `Param { "spread" }`, `Param { "min_dist" }` |
//! | zero epochs | `Param { "n_epochs" }`; descent with 0 iterations returns the layout unchanged |
//! | learning rate ≤ 0 | `Param { "learning_rate" }` |
//! | `m = 0` | valid where `m ≥ 0` (no negatives, attraction only); `Param { "m" }` where `m > 0` |
//! | pin mask pinning everything | nothing moves, nothing accumulates |

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::affinity::{UmapAffinity, binary_knn_graph, tsne_graph, umap_graph};
use neighbor_embed::batch::{BatchConfig, BatchSgd};
use neighbor_embed::descent::{DescentConfig, neg_descent};
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Kernel, OffsetCauchy, Umap};
use neighbor_embed::knn::{KnnIssue, KnnList, MISSING, SelfNeighbor};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{
    EffectiveParams, NegParams, neg_loss, umap_cross_entropy, umap_effective_loss,
};
use neighbor_embed::sgd::{
    OwnedUmapSgd, Silent, UmapConfig, epochs_per_sample, frozen_estimate, transform,
};
use neighbor_embed::sink::{Frozen, InPlace};
use neighbor_embed::spectral::{SpectralOptions, spectral_layout};
use neighbor_embed::step::{BceStep, InfoNceStep, NceStep, NegStep, Sample, Step};
use neighbor_embed::structure::graph_report;
use neighbor_embed::{Error, GraphError, LayoutError, init, loss};

fn triangle() -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    (vec![0, 2, 4, 6], vec![1, 2, 0, 2, 0, 1], vec![1.0; 6])
}

/// Runs umap-learn's schedule for `epochs` epochs in place; returns the report.
fn sgd(
    g: &CsrGraph<f64>,
    y: &mut [f64],
    dim: usize,
    epochs: usize,
) -> neighbor_embed::sgd::RunReport {
    let config = UmapConfig {
        n_epochs: epochs,
        ..UmapConfig::umap_learn(g.n(), 7)
    };
    let mut sgd = OwnedUmapSgd::<f64>::new(g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    sgd.run(
        g,
        &mut step,
        &mut InPlace::new(y, dim, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap()
}

fn finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

// ---------------------------------------------------------------------------------------------
// Empty and tiny inputs

/// `n = 0`: a valid (empty) graph and layout. Losses over no pairs are 0; quantities that need
/// an edge or two points are `Degenerate`; a sampler runs its epochs with no sample; a kNN list
/// needs at least one point (`Param`).
#[test]
fn empty_graph() {
    let g = CsrGraph::<f64>::new(0, &[0], &[], &[]).unwrap();
    assert_eq!((g.n(), g.nnz(), g.d_tot(), g.w_max()), (0, 0, 0.0, 0.0));
    assert_eq!(
        CsrGraph::<f64>::new(0, &[], &[], &[]).unwrap_err(),
        GraphError::IndptrLength {
            expected: 1,
            found: 0
        }
    );
    let y = Layout::<f64>::new(&[], 2).unwrap();
    assert_eq!(y.n(), 0);
    let k = Umap::umap_learn_default();
    assert_eq!(umap_cross_entropy(&g, &k, &y, Some(&mut [])), Ok(0.0));
    let p = NegParams { z_bar: 1.0, m: 5.0 };
    assert!(matches!(
        neg_loss(&g, &Cauchy, &y, &p, None),
        Err(Error::Degenerate { .. })
    ));
    let r = expected_update(&g, &k, &y, &SamplerOptions::default(), &mut [], &mut []);
    assert!(matches!(r, Err(Error::Degenerate { .. })), "{r:?}");
    let report = sgd(&g, &mut [], 2, 10);
    assert_eq!((report.epochs, report.positive_samples), (10, 0));
    let r = BatchSgd::new(&g, 2, &BatchConfig::<f64>::contrastive_ne(1));
    assert!(matches!(r, Err(Error::Degenerate { .. })));
    let r = spectral_layout(&g, 2, &SpectralOptions::default(), &mut []);
    assert!(r.is_ok(), "{r:?}");
    assert!(matches!(
        KnnList::<f64>::new(0, 1, &[], &[], SelfNeighbor::First),
        Err(Error::Param { name: "k", .. })
    ));
    assert!(matches!(
        KnnList::<f64>::from_csr(0, &[0], &[], &[], SelfNeighbor::Excluded),
        Err(Error::Param { name: "n", .. })
    ));
}

/// `n = 1`: valid. Everything over ordered pairs `i ≠ j` is empty; NEG, NCE and t-SNE need a
/// second point (`Degenerate`); a lone point's spectral layout is the middle of the extent.
#[test]
fn single_point() {
    let g = CsrGraph::new(1, &[0, 1], &[0], &[1.0f64]).unwrap(); // a self-loop
    let y = Layout::new(&[3.0, 4.0], 2).unwrap();
    let k = Umap::umap_learn_default();
    let mut grad = [0.0; 2];
    let l = umap_effective_loss(
        &g,
        &k,
        &y,
        &EffectiveParams::default(),
        &mut [0.0],
        Some(&mut grad),
    );
    assert_eq!((l, grad), (Ok(0.0), [0.0; 2]));
    let p = NegParams { z_bar: 1.0, m: 5.0 };
    assert!(matches!(
        neg_loss(&g, &Cauchy, &y, &p, None),
        Err(Error::Degenerate { .. })
    ));
    assert!(matches!(
        NceStep::new(Cauchy, 5.0, 1, 0.0, 0.01),
        Err(Error::Degenerate { .. })
    ));
    assert!(matches!(
        loss::tsne_kl(&g, &Cauchy, &y, 1.0, None),
        Err(Error::Param { .. })
    ));
    let mut coords = [3.0, 4.0];
    sgd(&g, &mut coords, 2, 20);
    assert_eq!(
        coords,
        [3.0, 4.0],
        "a lone point has nothing to move towards or away from"
    );
    let mut s = [0.0f64; 2];
    let r = spectral_layout(&g, 2, &SpectralOptions::default(), &mut s).unwrap();
    assert_eq!((r.random_vertices, s), (1, [5.0, 5.0]));
    let knn = KnnList::new(1, 1, &[0], &[0.0f64], SelfNeighbor::First).unwrap();
    assert_eq!(
        umap_graph(&knn, &UmapAffinity::default())
            .unwrap()
            .graph
            .indices()
            .len(),
        0
    );
    assert!(matches!(
        tsne_graph(&knn, 2.0),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
}

/// `dim = 0`: `LayoutError::ZeroDim` for layouts and sinks, `Param { "dim" }` for outputs sized
/// by `dim`.
#[test]
fn zero_dimension() {
    assert_eq!(
        Layout::<f64>::new(&[], 0).unwrap_err(),
        LayoutError::ZeroDim
    );
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let r = spectral_layout(&g, 0, &SpectralOptions::default(), &mut []);
    assert!(matches!(r, Err(Error::Param { name: "dim", .. })), "{r:?}");
    let r = BatchSgd::new(&g, 0, &BatchConfig::<f64>::contrastive_ne(1));
    assert!(matches!(r, Err(Error::Layout(LayoutError::ZeroDim))));
    let config = UmapConfig::umap_learn(3, 1);
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let r = sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut [], 0, None),
        1,
        &mut Silent,
    );
    assert!(
        matches!(r, Err(Error::Layout(LayoutError::ZeroDim))),
        "{r:?}"
    );
    let r = transform(&g, &Umap::umap_learn_default(), &mut [], 0, 1, &config);
    assert!(matches!(r, Err(Error::Layout(LayoutError::ZeroDim))));
}

// ---------------------------------------------------------------------------------------------
// Non-finite and negative values

/// NaN and infinite weights are rejected by position, before any computation.
#[test]
fn nan_and_infinite_weights() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let w = [1.0, 1.0, 1.0, bad, 1.0, 1.0];
        let r = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &w);
        assert_eq!(
            r.unwrap_err(),
            GraphError::NonFiniteWeight { position: 3 },
            "{bad}"
        );
    }
    let r = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[f32::NAN, 1.0]);
    assert_eq!(r.unwrap_err(), GraphError::NonFiniteWeight { position: 0 });
}

/// NaN and infinite kNN distances: `KnnIssue::BadDistance` at their position.
#[test]
fn nan_and_infinite_distances() {
    for bad in [f64::NAN, f64::INFINITY] {
        let d = [0.0, 1.0, 0.0, bad, 0.0, 2.0];
        let r = KnnList::new(3, 2, &[0, 1, 1, 0, 2, 1], &d, SelfNeighbor::First);
        assert_eq!(
            r.unwrap_err(),
            Error::Knn(KnnIssue::BadDistance { position: 3 }),
            "{bad}"
        );
    }
}

/// NaN and infinite coordinates: `LayoutError::NonFinite { row, col }` from `Layout::new`, and
/// from every loop before anything runs (the state is not advanced).
#[test]
fn nan_and_infinite_coordinates() {
    let coords = [0.0, 1.0, 2.0, f64::INFINITY, 4.0, 5.0];
    assert_eq!(
        Layout::new(&coords, 2).unwrap_err(),
        LayoutError::NonFinite { row: 1, col: 1 }
    );
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let mut y = coords;
    y[3] = f64::NAN;
    let config = BatchConfig::<f64> {
        n_epochs: 2,
        ..BatchConfig::contrastive_ne(1)
    };
    let mut batch = BatchSgd::new(&g, 2, &config).unwrap();
    let mut step = NegStep {
        clip: None,
        ..NegStep::new(Cauchy, 1.0)
    };
    let r = batch.run(
        &g,
        &mut step.clone(),
        &mut step,
        &mut y,
        usize::MAX,
        &mut Silent,
    );
    assert_eq!(
        r.unwrap_err(),
        Error::Layout(LayoutError::NonFinite { row: 1, col: 1 })
    );
    assert_eq!(batch.epoch(), 0);
    let r = neg_descent(
        &g,
        &Cauchy,
        &mut y,
        2,
        &DescentConfig::new(300.0),
        &mut Silent,
    );
    assert!(matches!(
        r,
        Err(Error::Layout(LayoutError::NonFinite { row: 1, col: 1 }))
    ));
}

/// Negative weights and distances: `NegativeWeight { position }`, `BadDistance { position }`.
#[test]
fn negative_weights_and_distances() {
    let r = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, -0.5f64]);
    assert_eq!(r.unwrap_err(), GraphError::NegativeWeight { position: 1 });
    let r = KnnList::new(
        2,
        2,
        &[0, 1, 1, 0],
        &[0.0, 1.0, 0.0, -1.0f64],
        SelfNeighbor::First,
    );
    assert_eq!(
        r.unwrap_err(),
        Error::Knn(KnnIssue::BadDistance { position: 3 })
    );
}

// ---------------------------------------------------------------------------------------------
// Structure

/// Indices out of range, for graphs, kNN lists and samples: the error names the position and
/// the index.
#[test]
fn indices_out_of_range() {
    let r = CsrGraph::new(2, &[0, 1, 2], &[1, 2], &[1.0f64, 1.0]);
    assert_eq!(
        r.unwrap_err(),
        GraphError::IndexOutOfRange {
            position: 1,
            index: 2,
            n: 2
        }
    );
    let r = KnnList::new(
        2,
        2,
        &[0, 5, 1, 0],
        &[0.0, 1.0, 0.0, 1.0f64],
        SelfNeighbor::First,
    );
    assert_eq!(
        r.unwrap_err(),
        Error::PointIndex {
            name: "indices",
            position: 1,
            index: 5,
            n: 2
        }
    );
    // the missing-neighbour marker is not an index
    assert!(
        KnnList::new(
            2,
            2,
            &[0, MISSING, 1, 0],
            &[0.0, 1.0, 0.0, 1.0f64],
            SelfNeighbor::First
        )
        .is_ok()
    );
    let y = Layout::new(&[0.0, 1.0, 2.0], 1).unwrap();
    let r = loss::infonce_pair(&Cauchy, &y, 0, 1, &[2, 3], 1.0, None);
    assert_eq!(
        r.unwrap_err(),
        Error::PointIndex {
            name: "negatives",
            position: 1,
            index: 3,
            n: 3
        }
    );
    let config = UmapConfig {
        negative_pool: Some(4),
        ..UmapConfig::<f64>::umap_learn(3, 1)
    };
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    assert!(matches!(
        OwnedUmapSgd::<f64>::new(&g, &config),
        Err(Error::Param {
            name: "negative_pool",
            ..
        })
    ));
}

/// A decreasing `indptr`, one not starting at 0, one not ending at `nnz`.
#[test]
fn malformed_indptr() {
    let w = [1.0f64; 4];
    let ix = [1, 0, 2, 1];
    assert_eq!(
        CsrGraph::new(3, &[0, 3, 1, 4], &ix, &w).unwrap_err(),
        GraphError::IndptrDecreasing { row: 1 }
    );
    assert_eq!(
        CsrGraph::new(3, &[1, 1, 3, 4], &ix, &w).unwrap_err(),
        GraphError::IndptrStart { found: 1 }
    );
    assert_eq!(
        CsrGraph::new(3, &[0, 1, 3, 3], &ix, &w).unwrap_err(),
        GraphError::IndptrEnd {
            expected: 4,
            found: 3
        }
    );
    let r = KnnList::from_csr(3, &[0, 2, 1, 4], &ix, &w, SelfNeighbor::Excluded);
    assert_eq!(
        r.unwrap_err(),
        Error::Graph(GraphError::IndptrDecreasing { row: 1 })
    );
}

/// Lengths that disagree: each error names the buffer.
#[test]
fn mismatched_lengths() {
    let (ip, ix, w) = triangle();
    assert_eq!(
        CsrGraph::new(3, &ip, &ix, &w[..5]).unwrap_err(),
        GraphError::WeightsLength {
            expected: 6,
            found: 5
        }
    );
    assert_eq!(
        CsrGraph::new(4, &ip, &ix, &w).unwrap_err(),
        GraphError::IndptrLength {
            expected: 5,
            found: 4
        }
    );
    assert_eq!(
        Layout::new(&[0.0f64; 5], 2).unwrap_err(),
        LayoutError::LengthNotMultiple { len: 5, dim: 2 }
    );
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let k = Umap::umap_learn_default();
    let y4 = Layout::new(&[0.0f64; 8], 2).unwrap();
    assert_eq!(
        umap_cross_entropy(&g, &k, &y4, None),
        Err(Error::PointCount {
            graph: 3,
            layout: 4
        })
    );
    let y = Layout::new(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 2).unwrap();
    let r = umap_cross_entropy(&g, &k, &y, Some(&mut [0.0; 5]));
    assert_eq!(
        r,
        Err(Error::BufferLength {
            name: "grad",
            expected: 6,
            found: 5
        })
    );
    let r = KnnList::new(
        2,
        2,
        &[0, 1, 1, 0],
        &[0.0, 1.0, 0.0f64],
        SelfNeighbor::First,
    );
    assert_eq!(
        r.unwrap_err(),
        Error::BufferLength {
            name: "distances",
            expected: 4,
            found: 3
        }
    );
    let mut out = [0.0; 6];
    let r = epochs_per_sample(&g, 10, &mut out[..5]);
    assert_eq!(
        r,
        Err(Error::BufferLength {
            name: "out",
            expected: 6,
            found: 5
        })
    );
}

/// Duplicate edges are accepted and summed (as scipy sums COO duplicates); `check_no_duplicates`
/// names the second occurrence. A kNN row that repeats a neighbour is rejected by `umap_graph`
/// (`DuplicateNeighbor`): umap-learn would give memberships above 1 and negative weights.
#[test]
fn duplicate_edges() {
    let g = CsrGraph::new(2, &[0, 2, 3], &[1, 1, 0], &[0.25, 0.5, 0.75f64]).unwrap();
    assert_eq!(g.weight(0, 1), 0.75);
    assert_eq!(
        g.check_no_duplicates(),
        Err(GraphError::DuplicateEntry {
            row: 0,
            position: 1
        })
    );
    g.check_symmetric(0.0).unwrap();
    let y = Layout::new(&[0.0, 1.0], 1).unwrap();
    let l = umap_cross_entropy(&g, &Umap::umap_learn_default(), &y, None).unwrap();
    assert!(l.is_finite());
    let knn = KnnList::new(
        3,
        3,
        &[0, 1, 1, 1, 0, 2, 2, 1, 0],
        &[0.0, 1.0, 1.0, 0.0, 1.0, 2.0, 0.0, 2.0, 3.0f64],
        SelfNeighbor::First,
    )
    .unwrap();
    let r = umap_graph(&knn, &UmapAffinity::default());
    assert_eq!(
        r.unwrap_err(),
        Error::Knn(KnnIssue::DuplicateNeighbor { position: 2 })
    );
}

/// Self-loops are accepted: they count in degrees (and are sampled, with no force: head and
/// tail coincide) but never as pairs. `check_no_self_loops` names them.
#[test]
fn self_loops() {
    let g = CsrGraph::new(2, &[0, 2, 3], &[0, 1, 0], &[1.0, 0.5, 0.5f64]).unwrap();
    assert_eq!(
        g.check_no_self_loops(),
        Err(GraphError::SelfLoop {
            vertex: 0,
            position: 0
        })
    );
    assert_eq!(g.degree(0), 1.5);
    let y = Layout::new(&[0.0, 2.0], 1).unwrap();
    let mut grad = [0.0; 2];
    let l = umap_cross_entropy(&g, &Umap::umap_learn_default(), &y, Some(&mut grad)).unwrap();
    let plain = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5, 0.5f64]).unwrap();
    let mut grad2 = [0.0; 2];
    let l2 = umap_cross_entropy(&plain, &Umap::umap_learn_default(), &y, Some(&mut grad2)).unwrap();
    assert_eq!((l, grad), (l2, grad2), "the self-loop adds no pair term");
    let mut coords = [0.0, 2.0];
    let report = sgd(&g, &mut coords, 1, 50);
    assert!(report.positive_samples > 0 && finite(&coords));
}

/// Isolated vertices: finite losses, gradients and positions. The loss gradient pushes the
/// vertex away from the others; the sampler never moves it (it heads no edge) but it repels the
/// points that draw it as a negative. The spectral layout places it at random in the cell
/// shared by components too small for `dim` eigenvectors (`random_vertices`), where
/// umap-learn's spectral initialisation needs the data or returns noise.
#[test]
fn isolated_vertices() {
    // the path 0 - 1 - 2 - 3 and the isolated vertex 4
    let g = CsrGraph::new(5, &[0, 1, 3, 5, 6, 6], &[1, 0, 2, 1, 3, 2], &[1.0f64; 6]).unwrap();
    assert_eq!(
        g.check_no_isolated(),
        Err(GraphError::IsolatedVertex { vertex: 4 })
    );
    let coords = [0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 1.0, 1.0];
    let y = Layout::new(&coords, 2).unwrap();
    let mut grad = [0.0; 10];
    let p = EffectiveParams::default();
    let k = Umap::umap_learn_default();
    let l = umap_effective_loss(&g, &k, &y, &p, &mut [0.0; 5], Some(&mut grad)).unwrap();
    assert!(
        l.is_finite() && finite(&grad) && grad[9] < 0.0,
        "4 is pushed away from the path"
    );
    let mut s = [0.0f64; 10];
    let r = spectral_layout(&g, 2, &SpectralOptions::default(), &mut s).unwrap();
    assert_eq!(
        (r.components, r.spectral_components, r.random_vertices),
        (2, 1, 1)
    );
    assert!(finite(&s));
    let mut moving = s;
    sgd(&g, &mut moving, 2, 100);
    assert!(finite(&moving));
    let report = graph_report(&g, None::<&KnnList<f64>>);
    assert_eq!((report.isolated, report.first_isolated), (1, Some(4)));
}

/// Several components: the spectral layout gives each component of at least `dim + 2` vertices
/// its own cell, laid out by its own eigenvectors; everything stays finite.
#[test]
fn several_components() {
    // three triangles
    let mut ip = vec![0u32];
    let (mut ix, mut w) = (vec![], vec![]);
    for c in 0..3u32 {
        for v in 0..3 {
            for u in 0..3 {
                if u != v {
                    ix.push(3 * c + u);
                    w.push(1.0f64);
                }
            }
            ip.push(ix.len() as u32);
        }
    }
    let g = CsrGraph::new(9, &ip, &ix, &w).unwrap();
    let mut y = [0.0f64; 9];
    let r = spectral_layout(&g, 1, &SpectralOptions::default(), &mut y).unwrap();
    assert_eq!(
        (r.components, r.spectral_components, r.random_vertices),
        (3, 3, 0)
    );
    assert!(y.iter().all(|v| (0.0..=10.0).contains(v)));
    let report = graph_report(&g, None::<&KnnList<f64>>);
    assert_eq!((report.components, report.largest_component), (3, 3));
    sgd(&g, &mut y, 1, 50);
    assert!(finite(&y));
}

// ---------------------------------------------------------------------------------------------
// Extreme layouts

/// All points coincident: no pair has a direction, so there is no force (umap-learn ≥ 0.5.4);
/// the layout stays as it is, gradients and expected updates are 0, and a loss with a
/// repulsive term at distance 0 is `+∞` — never NaN. (Start from `init::uniform` or the
/// spectral layout instead.)
#[test]
fn all_points_coincident() {
    let (ip, ix, _) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &[0.5; 6]).unwrap();
    let coords = [1.5f64; 6];
    let y = Layout::new(&coords, 2).unwrap();
    let k = Umap::umap_learn_default();
    let mut grad = [1.0; 6];
    assert_eq!(
        umap_cross_entropy(&g, &k, &y, Some(&mut grad)),
        Ok(f64::INFINITY)
    );
    assert_eq!(grad, [0.0; 6]);
    let mut e = [1.0; 6];
    expected_update(
        &g,
        &k,
        &y,
        &SamplerOptions::default(),
        &mut [0.0; 3],
        &mut e,
    )
    .unwrap();
    assert_eq!(e, [0.0; 6]);
    let mut moving = coords;
    sgd(&g, &mut moving, 2, 50);
    assert_eq!(moving, coords);
    let mut moving = coords;
    neg_descent(
        &g,
        &Cauchy,
        &mut moving,
        2,
        &DescentConfig {
            n_iter: 20,
            ..DescentConfig::new(300.0)
        },
        &mut Silent,
    )
    .unwrap();
    assert_eq!(moving, coords);
}

/// Huge (1e30) and tiny (1e-30) coordinates in `f64`: losses, gradients and positions stay
/// finite (the guaranteed range, README "Finite in, finite out").
#[test]
fn huge_and_tiny_coordinates() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let k = Umap::umap_learn_default();
    for scale in [1e30, 1e-30] {
        let coords = [0.0, scale, scale, -scale, 3.0 * scale, 0.5 * scale];
        let y = Layout::new(&coords, 2).unwrap();
        let mut grad = [0.0; 6];
        let l = umap_effective_loss(
            &g,
            &k,
            &y,
            &EffectiveParams::default(),
            &mut [0.0; 3],
            Some(&mut grad),
        )
        .unwrap();
        assert!(l.is_finite() && finite(&grad), "{scale}: {l} {grad:?}");
        let l = neg_loss(
            &g,
            &Cauchy,
            &y,
            &NegParams { z_bar: 1.0, m: 5.0 },
            Some(&mut grad),
        )
        .unwrap();
        assert!(l.is_finite() && finite(&grad), "{scale}: {l} {grad:?}");
        let mut moving = coords;
        sgd(&g, &mut moving, 2, 20);
        assert!(finite(&moving), "{scale}: {moving:?}");
    }
    // f32 outside its guaranteed range ([1e-3, 1e3]): d2 overflows to ∞, the kernels' limits
    // apply (no force), positions stay finite under the clip
    let gf = CsrGraph::new(3, &ip, &ix, &[1.0f32; 6]).unwrap();
    let mut y32 = [0.0f32, 1e20, 1e20, -1e20, 3e20, 5e19];
    let config = UmapConfig {
        n_epochs: 20,
        ..UmapConfig::umap_learn(3, 1)
    };
    let mut s = OwnedUmapSgd::<f32>::new(&gf, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::<f32>::umap_learn_default().fast());
    s.run(
        &gf,
        &mut step,
        &mut InPlace::new(&mut y32, 2, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    assert!(y32.iter().all(|v| v.is_finite()));
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// `k ≥ n`: `k = n` is every point (valid); `k > n` is `Param { "k" }`; a CSR row longer than
/// `n` is `RowTooLong`; a perplexity at or above the number of true neighbours is
/// `Param { "perplexity" }`.
#[test]
fn k_at_least_n() {
    let idx = [0, 1, 2, 1, 0, 2, 2, 1, 0];
    let dist = [0.0, 1.0, 2.0, 0.0, 1.0, 1.5, 0.0, 1.5, 2.0f64];
    let knn = KnnList::new(3, 3, &idx, &dist, SelfNeighbor::First).unwrap();
    let g = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    assert!(
        g.graph
            .weights()
            .iter()
            .all(|w| w.is_finite() && *w > 0.0 && *w <= 1.0)
    );
    assert!(binary_knn_graph(&knn).is_ok());
    assert!(matches!(
        tsne_graph(&knn, 2.0),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
    assert!(matches!(
        KnnList::new(3, 4, &[0; 12], &[0.0f64; 12], SelfNeighbor::First),
        Err(Error::Param { name: "k", .. })
    ));
    let r = KnnList::from_csr(
        2,
        &[0, 3, 3],
        &[1, 0, 1],
        &[1.0, 1.0, 1.0f64],
        SelfNeighbor::Excluded,
    );
    assert_eq!(
        r.unwrap_err(),
        Error::Knn(KnnIssue::RowTooLong { row: 0, len: 3 })
    );
}

/// `spread` and `min_dist` outside umap-learn's domain: `Param` naming the parameter.
#[test]
fn bad_spread_and_min_dist() {
    for (spread, min_dist, name) in [
        (0.0, 0.1, "spread"),
        (-1.0, 0.1, "spread"),
        (f64::NAN, 0.1, "spread"),
        (f64::INFINITY, 0.1, "spread"),
        (1.0, -0.1, "min_dist"),
        (1.0, 2.0, "min_dist"),
        (1.0, f64::NAN, "min_dist"),
    ] {
        let r = Umap::<f64>::from_spread_min_dist(spread, min_dist);
        assert!(
            matches!(r, Err(Error::Param { name: n, .. }) if n == name),
            "{spread} {min_dist}: {r:?}"
        );
    }
    assert!(matches!(
        Umap::new(0.0, 1.0f64),
        Err(Error::Param { name: "a", .. })
    ));
    assert!(matches!(
        Umap::new(1.0, f64::NAN),
        Err(Error::Param { name: "b", .. })
    ));
}

/// Zero epochs: `Param { "n_epochs" }` for the samplers and the schedule; full-gradient descent
/// with 0 iterations returns the layout unchanged.
#[test]
fn zero_epochs() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let config = UmapConfig {
        n_epochs: 0,
        ..UmapConfig::<f64>::umap_learn(3, 1)
    };
    assert!(matches!(
        OwnedUmapSgd::<f64>::new(&g, &config),
        Err(Error::Param {
            name: "n_epochs",
            ..
        })
    ));
    let bc = BatchConfig::<f64> {
        n_epochs: 0,
        ..BatchConfig::contrastive_ne(1)
    };
    assert!(matches!(
        BatchSgd::new(&g, 2, &bc),
        Err(Error::Param {
            name: "n_epochs",
            ..
        })
    ));
    assert!(matches!(
        epochs_per_sample(&g, 0, &mut [0.0; 6]),
        Err(Error::Param {
            name: "n_epochs",
            ..
        })
    ));
    let y = Layout::new(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 2).unwrap();
    let step = BceStep::umap_learn(Umap::umap_learn_default());
    let r = frozen_estimate(&g, step, &y, 0, 5.0, 1, &mut [0.0; 6]);
    assert!(matches!(
        r,
        Err(Error::Param {
            name: "n_epochs",
            ..
        })
    ));
    let mut coords = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    let before = coords;
    let r = neg_descent(
        &g,
        &Cauchy,
        &mut coords,
        2,
        &DescentConfig {
            n_iter: 0,
            ..DescentConfig::new(300.0)
        },
        &mut Silent,
    )
    .unwrap();
    assert_eq!((r.epochs, coords), (0, before));
}

/// A learning rate `≤ 0` (or NaN, ∞): `Param { "learning_rate" }` in every loop.
#[test]
fn learning_rate_not_positive() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    for lr in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let c = UmapConfig {
            learning_rate: lr,
            ..UmapConfig::umap_learn(3, 1)
        };
        assert!(
            matches!(
                OwnedUmapSgd::<f64>::new(&g, &c),
                Err(Error::Param {
                    name: "learning_rate",
                    ..
                })
            ),
            "{lr}"
        );
        let b = BatchConfig {
            learning_rate: lr,
            ..BatchConfig::contrastive_ne(1)
        };
        assert!(
            matches!(
                BatchSgd::new(&g, 2, &b),
                Err(Error::Param {
                    name: "learning_rate",
                    ..
                })
            ),
            "{lr}"
        );
        let d = DescentConfig {
            learning_rate: Some(lr),
            ..DescentConfig::new(300.0)
        };
        let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let r = neg_descent(&g, &Cauchy, &mut y, 2, &d, &mut Silent);
        assert!(
            matches!(
                r,
                Err(Error::Param {
                    name: "learning_rate",
                    ..
                })
            ),
            "{lr}"
        );
    }
}

/// `m = 0` negatives: valid where the docs allow `m ≥ 0` (umap-learn's schedule draws none and
/// only attracts; the effective loss and expected update lose their repulsion), `Param { "m" }`
/// where a noise distribution needs `m > 0` (NEG, NCE).
#[test]
fn zero_negatives() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let config = UmapConfig {
        negative_rate: 0.0,
        n_epochs: 20,
        ..UmapConfig::umap_learn(3, 1)
    };
    let mut s = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut y = [0.0, 0.0, 3.0, 0.0, 0.0, 3.0];
    let r = s
        .run(
            &g,
            &mut step,
            &mut InPlace::new(&mut y, 2, None),
            usize::MAX,
            &mut Silent,
        )
        .unwrap();
    assert_eq!(r.negative_samples, 0);
    assert!(finite(&y) && (y[2] - y[0]).abs() < 3.0, "attraction only");
    let layout = Layout::new(&[0.0, 0.0, 3.0, 0.0, 0.0, 3.0], 2).unwrap();
    let k = Umap::umap_learn_default();
    let p = EffectiveParams { gamma: 1.0, m: 0.0 };
    assert!(
        umap_effective_loss(&g, &k, &layout, &p, &mut [0.0; 3], None)
            .unwrap()
            .is_finite()
    );
    let o = SamplerOptions {
        m: 0.0,
        ..SamplerOptions::default()
    };
    assert!(expected_update(&g, &k, &layout, &o, &mut [0.0; 3], &mut [0.0; 6]).is_ok());
    let r = neg_loss(
        &g,
        &Cauchy,
        &layout,
        &NegParams { z_bar: 1.0, m: 0.0 },
        None,
    );
    assert!(matches!(r, Err(Error::Param { name: "m", .. })));
    assert!(matches!(
        NceStep::new(Cauchy, 0.0, 3, 0.0, 0.01),
        Err(Error::Param { name: "m", .. })
    ));
}

/// A pin mask that pins every point: nothing moves (in place) and nothing accumulates (frozen);
/// `transform` with every row a reference row has nothing to embed.
#[test]
fn pin_mask_pinning_everything() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let coords = [0.0, 0.0, 3.0, 0.0, 0.0, 3.0];
    let pins = [true; 3];
    let config = UmapConfig {
        n_epochs: 30,
        ..UmapConfig::umap_learn(3, 1)
    };
    let mut s = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    let mut y = coords;
    let r = s
        .run(
            &g,
            &mut step,
            &mut InPlace::new(&mut y, 2, Some(&pins)),
            usize::MAX,
            &mut Silent,
        )
        .unwrap();
    assert!(r.positive_samples > 0);
    assert_eq!(y, coords);
    let mut s = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut acc = [0.0; 6];
    s.run(
        &g,
        &mut step,
        &mut Frozen::new(&coords, &mut acc, 2, Some(&pins)),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    assert_eq!(acc, [0.0; 6]);
    let mut y = coords;
    transform(&g, &Umap::umap_learn_default(), &mut y, 2, 3, &config).unwrap();
    assert_eq!(y, coords);
}

// ---------------------------------------------------------------------------------------------
// Peers' failure modes and regressions found by fuzzing

/// umap-learn writes NaN rows for vertices without edges (disconnected vertices after its edge
/// filter) and can NaN on coincident points. Here: a point that no one lists and that lists
/// only missing neighbours is an isolated vertex of the graph, placed by the spectral layout
/// and never moved by the sampler (it heads no edge); every row of the result is finite.
#[test]
fn disconnected_vertices_get_finite_rows() {
    // 5 points: 0..4 on a line; point 4 has no neighbours (its row: itself, then missing)
    let idx = [0, 1, 1, 0, 2, 1, 3, 2, 4, MISSING];
    let dist = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0f64];
    let knn = KnnList::new(5, 2, &idx, &dist, SelfNeighbor::First).unwrap();
    let built = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    let g = built.graph.graph().with_umap_filter(200);
    assert_eq!(g.isolated_vertices().collect::<Vec<_>>(), vec![4]);
    let mut y = [0.0f64; 10];
    spectral_layout(&g, 2, &SpectralOptions::default(), &mut y).unwrap();
    let lone = [y[8], y[9]];
    sgd(&g, &mut y, 2, 200);
    assert!(finite(&y), "{y:?}");
    assert_eq!([y[8], y[9]], lone);
}

/// Found by fuzzing: the per-sample loss estimate (what an observer sums) was `0 · ∞ = NaN`
/// where a coincident negative meets `γ = 0` (`BceStep`, both negative orders) or `λ = 0`
/// (`NegStep`, `NceStep` with a kernel infinite at 0); a term of weight 0 is now absent. With a
/// positive weight the term is `+∞` (a repulsive term at distance 0), never NaN.
#[test]
fn zero_weighted_loss_terms_at_a_coincident_negative() {
    // the negative 2 coincides with the head 0; the positive pair is a self-loop, so the head
    // does not move before the negative is evaluated
    let coords = [0.0f64, 0.0, 1.0, 0.0, 0.0, 0.0];
    let sample = Sample {
        head: 0,
        tail: 0,
        negatives: &[2],
    };
    for batched in [false, true] {
        for (gamma, expected) in [(0.0, true), (1.0, false)] {
            let mut step = BceStep {
                gamma,
                batched_negatives: batched,
                ..BceStep::umap_learn(Umap::umap_learn_default())
            };
            let mut y = coords;
            let l = step.apply(
                &mut InPlace::new(&mut y, 2, None),
                sample,
                1.0,
                true,
                &mut [0.0; 2],
            );
            assert_eq!(
                l.is_finite(),
                expected,
                "γ = {gamma}, batched {batched}: {l}"
            );
            assert!(!l.is_nan() && finite(&y));
        }
    }
    let k = OffsetCauchy::new(0.0f64).unwrap();
    for (weight, expected) in [(0.0, true), (1.0, false)] {
        let mut neg = NegStep {
            neg_weight: weight,
            ..NegStep::new(k, 1.0)
        };
        let mut y = coords;
        let l = neg.apply(
            &mut InPlace::new(&mut y, 2, None),
            sample,
            1.0,
            true,
            &mut [0.0; 2],
        );
        assert_eq!(l.is_finite(), expected, "NEG λ = {weight}: {l}");
        let mut nce = NceStep {
            neg_weight: weight,
            ..NceStep::new(k, 5.0, 3, 0.0, 0.01).unwrap()
        };
        let l = nce.apply(
            &mut InPlace::new(&mut y, 2, None),
            sample,
            1.0,
            true,
            &mut [0.0; 2],
        );
        nce.end_batch();
        assert_eq!(l.is_finite(), expected, "NCE λ = {weight}: {l}");
        assert!(nce.ln_z.is_finite() && finite(&y));
    }
}

/// A kernel infinite at distance 0 (offset Cauchy with offset 0) at a coincident target makes
/// InfoNCE's and t-SNE's normaliser infinite: a typed `Degenerate` error (was NaN), and the
/// InfoNCE step skips the sample (loss 0, nothing moves).
#[test]
fn offset_zero_kernel_at_coincident_points() {
    let k = OffsetCauchy::new(0.0f64).unwrap();
    let coords = [0.0, 0.0, 2.0];
    let y = Layout::new(&coords, 1).unwrap();
    let r = loss::infonce_pair(&k, &y, 0, 1, &[2], 1.0, None);
    assert!(matches!(r, Err(Error::Degenerate { .. })), "{r:?}");
    let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[0.5, 0.5f64]).unwrap();
    assert!(matches!(
        loss::tsne_kl(&g, &k, &y, 1.0, None),
        Err(Error::Degenerate { .. })
    ));
    let mut step = InfoNceStep {
        clip: None,
        ..InfoNceStep::new(k, 1.0)
    };
    let mut c = coords;
    let l = step.apply(
        &mut InPlace::new(&mut c, 1, None),
        Sample {
            head: 0,
            tail: 2,
            negatives: &[1],
        },
        1.0,
        true,
        &mut [0.0; 2],
    );
    assert_eq!((l, c), (0.0, coords));
    // the classifier quantities where w and s are both infinite: q = 1, no NaN
    assert_eq!(k.q(0.0, f64::INFINITY), 1.0);
    assert_eq!(k.neg_ln_q(0.0, f64::INFINITY), 0.0);
    assert_eq!(k.neg_ln_1m_q(0.0, f64::INFINITY), f64::INFINITY);
    let mut nce = NceStep {
        ln_z: 1e6,
        ..NceStep::new(k, 5.0, 3, 0.0, 0.0).unwrap()
    };
    let mut c = coords;
    let l = nce.apply(
        &mut InPlace::new(&mut c, 1, None),
        Sample {
            head: 0,
            tail: 2,
            negatives: &[1],
        },
        1.0,
        true,
        &mut [0.0; 2],
    );
    nce.end_batch();
    assert!(
        !l.is_nan() && finite(&c) && nce.ln_z.is_finite(),
        "{l} {c:?} {}",
        nce.ln_z
    );
}

/// `c_pos`, `c_neg` where `2g` overflows while `q` rounds to 1 (a UMAP kernel with small `b`
/// at the smallest subnormal distance): 0, not `-∞ · 0 = NaN`.
#[test]
fn classifier_coefficients_at_a_subnormal_distance() {
    let k = Umap::new(56.52083496599289f64, 0.04846069571995509).unwrap();
    let s = 4.332581577733942e-18;
    assert!(k.g(5e-324) < -1e307);
    assert_eq!(k.c_pos(5e-324, s), 0.0);
    assert!(!k.c_neg(5e-324, s).is_nan());
}

/// Found by fuzzing: with `0 < set_op_mix_ratio < 1` the fuzzy union/intersection computed
/// `((1 - s)·a)·b` for `μ_ij` and `((1 - s)·b)·a` for `μ_ji`, which differ in the last bit, so
/// the graph was not exactly symmetric. Now `(1 - s)·(a·b)`, as umap-learn.
#[test]
fn umap_graph_is_exactly_symmetric_for_any_mix_ratio() {
    let idx = [0, 3, 1, 1, 4, 0, 2, 5, 3, 3, 2, 4, 4, 2, 5, 5, 4, 1];
    let dist = [
        0.0,
        0.8637742400169373,
        1.7283764481544495,
        0.0,
        0.4345166087150574,
        1.143865168094635,
        0.0,
        0.6823968887329102,
        0.7032446265220642,
        0.0,
        0.46486783027648926,
        1.4497081637382507,
        0.0,
        0.7435949444770813,
        0.7829652428627014,
        0.0,
        0.4299520254135132,
        0.9302268028259277,
    ];
    let knn = KnnList::new(6, 3, &idx, &dist, SelfNeighbor::First).unwrap();
    for s in [0.0, 0.3, 0.5, 0.7, 1.0] {
        let p = UmapAffinity {
            set_op_mix_ratio: s,
            ..Default::default()
        };
        let g = umap_graph(&knn, &p).unwrap();
        g.graph.graph().check_symmetric(0.0).unwrap();
    }
}

/// Found by fuzzing: memberships that underflow `f32` (here `e^-299`) were stored as explicit
/// zeros in an `f32` graph; they are dropped like every zero.
#[test]
fn f32_graph_has_no_explicit_zeros() {
    let idx = [0, 1, 2, 3, 1, 0, 2, 3, 2, 1, 0, 3, 3, 2, 1, 0];
    let dist = [
        0.0, 1.0, 1.0, 300.0, 0.0, 1.0, 1.0, 300.0, 0.0, 1.0, 1.0, 300.0, 0.0, 1.0, 1.0, 300.0f32,
    ];
    let knn = KnnList::new(4, 4, &idx, &dist, SelfNeighbor::First).unwrap();
    let g64 = umap_graph(
        &KnnList::new(4, 4, &idx, &dist.map(f64::from), SelfNeighbor::First).unwrap(),
        &UmapAffinity::default(),
    )
    .unwrap();
    assert!(
        g64.graph.weights().iter().any(|&w| w < 1e-100),
        "the case has an f32-underflowing membership"
    );
    let g = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    assert!(
        g.graph.weights().iter().all(|&w| w > 0.0),
        "{:?}",
        g.graph.weights()
    );
    g.graph.graph().check_symmetric(0.0).unwrap();
}

/// Found by fuzzing: a spectral-layout `noise` so large that the noisy layout overflows the
/// output type was reported as a non-finite *layout* at (0, 0); now `Param { "noise" }`.
#[test]
fn spectral_noise_that_overflows_is_a_param_error() {
    let (ip, ix, w) = triangle();
    let g = CsrGraph::new(3, &ip, &ix, &w).unwrap();
    let g32 = CsrGraph::new(3, &ip, &ix, &[1.0f32; 6]).unwrap();
    let options = SpectralOptions {
        noise: 1e300,
        ..SpectralOptions::default()
    };
    let r = spectral_layout(&g32, 1, &options, &mut [0.0f32; 3]);
    assert!(
        matches!(r, Err(Error::Param { name: "noise", .. })),
        "{r:?}"
    );
    // in f64 the same noise still fits: the layout is rescaled to [0, extent] as usual
    let mut y = [0.0f64; 3];
    spectral_layout(&g, 1, &options, &mut y).unwrap();
    assert!(y.iter().all(|v| (0.0..=10.0).contains(v)));
}

// ---------------------------------------------------------------------------------------------
// Earlier review and fuzzing findings (from tests/bad_inputs.rs)

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
    // n·k overflows usize on 64-bit and 32-bit targets alike (this file also runs on
    // wasm32-wasip1: examples/wasm)
    let big = 1usize << (usize::BITS / 2);
    let r = KnnList::<f64>::new(big, big, &[], &[], SelfNeighbor::First);
    assert!(matches!(r, Err(Error::Param { name: "k", .. })));
}

#[test]
fn graph_sizes_that_overflow_are_errors() {
    // n + 1 entries of indptr overflow usize on 32-bit targets, where usize::MAX = u32::MAX
    let r = CsrGraph::new(usize::MAX, &[0], &[], &[0.0f64]).map(|_| ());
    assert_eq!(
        r,
        Err(GraphError::TooLarge {
            n: usize::MAX,
            nnz: 0
        })
    );
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
