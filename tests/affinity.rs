//! Graph builders from kNN lists: umap-learn's `smooth_knn_dist` and fuzzy union reproduce the
//! fixtures' sigmas, rhos and graph (1e-5 relative; digits bundled, mnist70k when shared data
//! is present), MATH.md §J vectors, conventions, and every kNN validation error.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use neighbor_embed::Error;
use neighbor_embed::affinity::{
    UmapAffinity, UmapGraph, binary_knn_graph, combine, smooth_knn_dist, tsne_graph, umap_graph,
};
use neighbor_embed::knn::{KnnIssue, KnnList, MISSING, SelfNeighbor};
use std::path::Path;

fn words(p: &Path) -> Vec<[u8; 4]> {
    std::fs::read(p)
        .unwrap()
        .chunks_exact(4)
        .map(|c| c.try_into().unwrap())
        .collect()
}

/// Builds the graph from `knn_idx.u32`/`knn_dist.f32` and compares with the fixture.
fn matches_fixture(dir: &Path) {
    if !dir.join("knn_idx.u32").exists() {
        eprintln!(
            "skipped: {} not found (the shared fixtures are absent)",
            dir.display()
        );
        return;
    }
    let f = common::load_fixture(dir).unwrap();
    let idx: Vec<u32> = words(&dir.join("knn_idx.u32"))
        .into_iter()
        .map(u32::from_le_bytes)
        .collect();
    let dist: Vec<f32> = words(&dir.join("knn_dist.f32"))
        .into_iter()
        .map(f32::from_le_bytes)
        .collect();
    let sig: Vec<f32> = words(&dir.join("sigmas.f32"))
        .into_iter()
        .map(f32::from_le_bytes)
        .collect();
    let rho: Vec<f32> = words(&dir.join("rhos.f32"))
        .into_iter()
        .map(f32::from_le_bytes)
        .collect();
    let knn = KnnList::new(f.n, 15, &idx, &dist, SelfNeighbor::First).unwrap();
    let t0 = std::time::Instant::now();
    let UmapGraph {
        graph: g,
        sigmas,
        rhos,
    } = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    eprintln!(
        "{}: graph built in {:.2} s",
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-30);
    for i in 0..f.n {
        assert!(
            rel(sigmas[i], sig[i] as f64) < 1e-5,
            "sigma {i}: {} vs {}",
            sigmas[i],
            sig[i]
        );
        assert!(
            rel(rhos[i], rho[i] as f64) < 1e-5,
            "rho {i}: {} vs {}",
            rhos[i],
            rho[i]
        );
    }
    assert_eq!(
        g.indptr(),
        f.indptr.as_slice(),
        "same sparsity pattern (row pointers)"
    );
    assert_eq!(
        g.indices(),
        f.indices.as_slice(),
        "same sparsity pattern (columns)"
    );
    let worst = g
        .weights()
        .iter()
        .zip(&f.weights)
        .map(|(&a, &b)| rel(a as f64, b as f64))
        .fold(0.0, f64::max);
    eprintln!("worst relative weight difference {worst:.2e}");
    assert!(worst < 1e-5);
}

#[test]
fn umap_graph_matches_umap_learn_on_digits() {
    matches_fixture(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits"));
}

#[test]
fn umap_graph_matches_umap_learn_on_mnist70k() {
    matches_fixture(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist70k"));
}

#[test]
fn math_j_smooth_knn_vectors() {
    // rows [0, 1, 2, 3] and [0, 0.5, 0.5, 4] (k = 4, the point first); the rest are copies
    let idx = [0, 1, 2, 3, 1, 0, 2, 3, 2, 0, 1, 3, 3, 0, 1, 2];
    let dist = [
        0.0, 1.0, 2.0, 3.0, 0.0, 0.5, 0.5, 4.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0,
    ];
    let knn = KnnList::new(4, 4, &idx, &dist, SelfNeighbor::First).unwrap();
    let UmapGraph {
        graph: g,
        sigmas: s,
        rhos: r,
    } = umap_graph(
        &knn,
        &UmapAffinity {
            set_op_mix_ratio: 1.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r[0], 1.0);
    assert!((s[0] - 2.0780640).abs() < 5e-8, "{}", s[0]);
    assert!((s[0] - 2.0780869212).abs() < 1e-4); // the exact root, within the search tolerance
    assert_eq!((r[1], s[1]), (0.5, 0.25));
    // directed weights of row 0: [1, 0.6180307, 0.3819620] (before symmetrisation)
    let (mut sig, mut rho) = ([0.0; 4], [0.0; 4]);
    smooth_knn_dist(&knn, &UmapAffinity::default(), &mut sig, &mut rho).unwrap();
    let v = |d: f64| (-(d - rho[0]) / sig[0]).exp();
    assert!((v(2.0) - 0.6180307).abs() < 1e-6 && (v(3.0) - 0.3819620).abs() < 1e-6);
    assert!(((-(4.0f64 - 0.5) / 0.25).exp() - 8.3153e-7).abs() < 1e-10);
    g.graph().check_symmetric(0.0).unwrap();
}

#[test]
fn excluded_self_gives_the_same_graph() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits");
    let idx: Vec<u32> = words(&dir.join("knn_idx.u32"))
        .into_iter()
        .map(u32::from_le_bytes)
        .collect();
    let dist: Vec<f32> = words(&dir.join("knn_dist.f32"))
        .into_iter()
        .map(f32::from_le_bytes)
        .collect();
    let n = idx.len() / 15;
    let (idx14, dist14): (Vec<u32>, Vec<f32>) = (0..n)
        .flat_map(|i| (1..15).map(move |c| i * 15 + c))
        .map(|p| (idx[p], dist[p]))
        .unzip();
    let with = KnnList::new(n, 15, &idx, &dist, SelfNeighbor::First).unwrap();
    let without = KnnList::new(n, 14, &idx14, &dist14, SelfNeighbor::Excluded).unwrap();
    let UmapGraph {
        graph: a,
        sigmas: sa,
        rhos: _,
    } = umap_graph(&with, &UmapAffinity::default()).unwrap();
    let UmapGraph {
        graph: b,
        sigmas: sb,
        rhos: _,
    } = umap_graph(&without, &UmapAffinity::default()).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(a, b);
    // the binary graph is the union of the true-neighbour relation, symmetric, all ones
    let bin = binary_knn_graph(&without).unwrap();
    let g = bin.graph();
    g.check_symmetric(0.0).unwrap();
    assert!(bin.weights().iter().all(|&w| w == 1.0));
    assert_eq!(
        bin.indices(),
        a.indices(),
        "same pattern as the fuzzy union"
    );
}

#[test]
fn mix_ratio_and_combine() {
    let idx = [0, 1, 1, 2, 2, 0];
    let dist = [0.0, 1.0, 0.0, 3.0, 0.0, 2.0];
    let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::First).unwrap();
    // every directed membership is 1 (the single neighbour is at ρ); only 0→1, 1→2, 2→0 exist
    let UmapGraph {
        graph: union,
        sigmas: _,
        rhos: _,
    } = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    assert_eq!(union.weights(), &[1.0; 6]);
    let inter = umap_graph(
        &knn,
        &UmapAffinity {
            set_op_mix_ratio: 0.0,
            ..Default::default()
        },
    )
    .unwrap()
    .graph;
    assert!(
        inter.weights().is_empty(),
        "no reciprocal pair: the intersection is empty"
    );
    let c = combine(&union.graph(), &union.graph(), 0.5).unwrap();
    assert_eq!(c.weights(), &[1.0; 6]);
}

#[test]
fn knn_errors_name_the_position() {
    let ok_idx = [0u32, 1, 1, 0];
    let ok_d = [0.0f64, 1.0, 0.0, 1.0];
    let e = |n, k, idx: &[u32], d: &[f64], s| KnnList::new(n, k, idx, d, s).map(|_| ());
    assert!(e(2, 2, &ok_idx, &ok_d, SelfNeighbor::First).is_ok());
    assert!(matches!(
        e(2, 0, &[], &[], SelfNeighbor::First),
        Err(Error::Param { name: "k", .. })
    ));
    assert!(matches!(
        e(2, 3, &ok_idx, &ok_d, SelfNeighbor::First),
        Err(Error::Param { name: "k", .. })
    ));
    assert!(matches!(
        e(2, 2, &ok_idx[..3], &ok_d, SelfNeighbor::First),
        Err(Error::BufferLength {
            name: "indices",
            ..
        })
    ));
    assert!(matches!(
        e(2, 2, &ok_idx, &ok_d[..3], SelfNeighbor::First),
        Err(Error::BufferLength {
            name: "distances",
            ..
        })
    ));
    assert!(matches!(
        e(2, 2, &[0, 5, 1, 0], &ok_d, SelfNeighbor::First),
        Err(Error::PointIndex {
            position: 1,
            index: 5,
            ..
        })
    ));
    assert_eq!(
        e(
            2,
            2,
            &ok_idx,
            &[0.0, f64::NAN, 0.0, 1.0],
            SelfNeighbor::First
        ),
        Err(Error::Knn(KnnIssue::BadDistance { position: 1 }))
    );
    assert_eq!(
        e(2, 2, &ok_idx, &[0.0, -1.0, 0.0, 1.0], SelfNeighbor::First),
        Err(Error::Knn(KnnIssue::BadDistance { position: 1 }))
    );
    assert_eq!(
        e(
            3,
            2,
            &[1, 2, 0, 2, 0, 1],
            &[2.0, 1.0, 1.0, 2.0, 1.0, 2.0],
            SelfNeighbor::Excluded
        ),
        Err(Error::Knn(KnnIssue::Unsorted { position: 1 }))
    );
    assert_eq!(
        e(2, 2, &[1, 0, 1, 0], &ok_d, SelfNeighbor::First),
        Err(Error::Knn(KnnIssue::SelfNotFirst { row: 0 }))
    );
    // missing neighbours are allowed and skipped
    let knn = KnnList::new(
        3,
        2,
        &[0, 1, 1, MISSING, 2, 1],
        &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        SelfNeighbor::First,
    )
    .unwrap();
    let UmapGraph {
        graph: g,
        sigmas: _,
        rhos: _,
    } = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    g.graph().check_symmetric(0.0).unwrap();
    assert!(matches!(
        umap_graph(
            &knn,
            &UmapAffinity {
                bandwidth: 0.0,
                ..Default::default()
            }
        ),
        Err(Error::Param {
            name: "bandwidth",
            ..
        })
    ));
}

#[test]
fn math_j_perplexity_vector() {
    // every point has the six distances [1, 1.5, 2, 2.5, 3, 4] to the others (n = 7)
    let d = [1.0f64, 1.5, 2.0, 2.5, 3.0, 4.0];
    let (mut idx, mut dist) = (Vec::new(), Vec::new());
    for i in 0..7u32 {
        idx.extend((0..7).filter(|&j| j != i));
        dist.extend_from_slice(&d);
    }
    let knn = KnnList::new(7, 6, &idx, &dist, SelfNeighbor::Excluded).unwrap();
    let t = tsne_graph(&knn, 3.0).unwrap();
    assert_eq!(t.unconverged, 0);
    let beta = t.betas[0];
    assert!((beta - 0.5202178955).abs() < 1e-6, "{beta}");
    let w: Vec<f64> = d.iter().map(|x| (-beta * (x * x - 1.0)).exp()).collect();
    let z: f64 = w.iter().sum();
    let expect = [0.551561, 0.287862, 0.115827, 0.035931, 0.008594, 0.000225];
    for (wi, e) in w.iter().zip(expect) {
        assert!((wi / z - e).abs() < 1e-6);
    }
    let g = t.graph.graph();
    g.check_symmetric(1e-12).unwrap();
    assert!((g.d_tot() - 1.0).abs() < 1e-12);
    assert!(matches!(
        tsne_graph(&knn, 6.0),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
    assert!(matches!(
        tsne_graph(&knn, 1.0),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
}

#[test]
fn components_and_report() {
    use neighbor_embed::graph::CsrGraph;
    use neighbor_embed::structure::{components, graph_report};
    // two triangles and an isolated vertex
    let indptr = [0u32, 2, 4, 6, 8, 10, 12, 12];
    let indices = [1u32, 2, 0, 2, 0, 1, 4, 5, 3, 5, 3, 4];
    let w = [1.0f64; 12];
    let g = CsrGraph::new(7, &indptr, &indices, &w).unwrap();
    let c = components(&g);
    assert_eq!(c.sizes, vec![3, 3, 1]);
    assert_eq!(c.labels, vec![0, 0, 0, 1, 1, 1, 2]);
    let idx = [0u32, 1, 1, 0, 2, 0];
    let dist = [0.0f64, 0.0, 0.0, 0.0, 0.0, 1.0];
    let knn = KnnList::new(3, 2, &idx, &dist, SelfNeighbor::First).unwrap();
    let r = graph_report(&g, Some(&knn));
    assert_eq!(
        (
            r.components,
            r.largest_component,
            r.isolated,
            r.first_isolated
        ),
        (3, 3, 1, Some(6))
    );
    assert_eq!(r.zero_distance_pairs, 2, "0 and 1 coincide");
    assert!(format!("{r}").contains("3 components"));
    // the digits graph is connected and clean
    let f = common::digits();
    let dg = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights).unwrap();
    let r = graph_report(&dg, None::<&KnnList<f32>>);
    assert!(r.is_clean(), "{r}");
}
