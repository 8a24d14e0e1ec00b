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

// ---------------------------------------------------------------------------------------------
// Variable-degree kNN input in CSR form (`KnnList::from_csr`).

use neighbor_embed::affinity::TsneGraph;
use neighbor_embed::structure::graph_report;
use neighbor_embed::{GraphError, Real};
use proptest::prelude::*;

/// `i·k` row pointers: the CSR form of a row-major `n × k` list.
fn uniform_indptr(n: usize, k: usize) -> Vec<u32> {
    (0..=n).map(|i| (i * k) as u32).collect()
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn weight_bits<T: Real>(x: &[T]) -> Vec<u64> {
    x.iter().map(|v| v.as_f64().to_bits()).collect()
}

/// Every builder gives bit-identical output on `a` and `b`.
fn same_outputs<T: Real>(a: &KnnList<T>, b: &KnnList<T>, params: &UmapAffinity, perplexity: f64) {
    let (ua, ub) = (umap_graph(a, params), umap_graph(b, params));
    match (ua, ub) {
        (Ok(ua), Ok(ub)) => {
            assert_eq!(bits(&ua.sigmas), bits(&ub.sigmas), "sigmas");
            assert_eq!(bits(&ua.rhos), bits(&ub.rhos), "rhos");
            assert_eq!(ua.graph.indptr(), ub.graph.indptr());
            assert_eq!(ua.graph.indices(), ub.graph.indices());
            assert_eq!(
                weight_bits(ua.graph.weights()),
                weight_bits(ub.graph.weights()),
                "umap weights"
            );
            let g = ua.graph.graph();
            assert_eq!(graph_report(&g, Some(a)), graph_report(&g, Some(b)));
        }
        (ua, ub) => assert_eq!(ua.err(), ub.err()),
    }
    let (ba, bb) = (binary_knn_graph(a).unwrap(), binary_knn_graph(b).unwrap());
    assert_eq!(ba, bb, "binary graph");
    let (ta, tb) = (tsne_graph(a, perplexity), tsne_graph(b, perplexity));
    match (ta, tb) {
        (Ok(ta), Ok(tb)) => {
            let TsneGraph {
                graph: ga,
                betas: betas_a,
                unconverged: ca,
            } = ta;
            let TsneGraph {
                graph: gb,
                betas: betas_b,
                unconverged: cb,
            } = tb;
            assert_eq!(bits(&betas_a), bits(&betas_b), "betas");
            assert_eq!(ca, cb);
            assert_eq!((ga.indptr(), ga.indices()), (gb.indptr(), gb.indices()));
            assert_eq!(weight_bits(ga.weights()), weight_bits(gb.weights()));
        }
        (ta, tb) => assert_eq!(ta.err(), tb.err(), "t-SNE errors"),
    }
}

/// A random valid row-major list: distinct neighbours in random order (a shuffled prefix of the
/// other points), in one list out of 8 occasionally a repeated one (which `umap_graph`
/// rejects), sometimes a missing one,
/// some zero distances (duplicate points), ties.
fn random_knn(n: usize, k: usize, seed: u64, first: bool) -> (Vec<u32>, Vec<f64>) {
    let mut state = seed;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let allow_repeats = seed.is_multiple_of(8);
    let (mut idx, mut dist) = (Vec::new(), Vec::new());
    for i in 0..n {
        let mut others: Vec<u32> = (0..n as u32).filter(|&j| j as usize != i).collect();
        for a in (1..others.len()).rev() {
            let b = (next() % (a as u64 + 1)) as usize;
            others.swap(a, b);
        }
        let mut others = others.into_iter();
        let mut d = 0.0f64;
        let mut prev = MISSING;
        for c in 0..k {
            if first && c == 0 {
                idx.push(i as u32);
                dist.push(0.0);
                continue;
            }
            let r = next();
            let j = if allow_repeats && r % 7 == 0 && prev != MISSING {
                prev
            } else if r % 11 == 1 {
                MISSING
            } else {
                others.next().unwrap_or(MISSING)
            };
            // steps of 0 (ties / duplicate points when d is still 0) or random lengths
            let step = match (r >> 40) % 6 {
                0 => 0.0,
                1 => 0.25,
                _ => ((r >> 16) % 1000) as f64 / 137.0,
            };
            d += step;
            idx.push(j);
            dist.push(d);
            prev = j;
        }
    }
    (idx, dist)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn uniform_csr_equals_row_major(
        (n, k) in (2usize..30).prop_flat_map(|n| (Just(n), 1..=n)),
        seed in any::<u64>(),
        first in any::<bool>(),
        lc in prop::sample::select(vec![0.0, 0.5, 1.0, 1.5, 2.0, 3.25]),
        mix in prop::sample::select(vec![0.0, 0.3, 1.0]),
        bandwidth in prop::sample::select(vec![0.5, 1.0, 2.0]),
        perplexity in prop::sample::select(vec![1.5, 2.0, 5.0]),
    ) {
        let s = if first { SelfNeighbor::First } else { SelfNeighbor::Excluded };
        let (idx, dist) = random_knn(n, k, seed, first);
        let dense = KnnList::new(n, k, &idx, &dist, s).unwrap();
        let indptr = uniform_indptr(n, k);
        let csr = KnnList::from_csr(n, &indptr, &idx, &dist, s).unwrap();
        prop_assert_eq!((csr.n(), csr.k(), csr.nnz()), (n, k, n * k));
        prop_assert_eq!(dense.indptr(), None);
        prop_assert_eq!(csr.indptr(), Some(&indptr[..]));
        for i in 0..n {
            prop_assert_eq!(csr.row(i), dense.row(i));
            prop_assert_eq!(csr.row_len(i), dense.row_len(i));
        }
        let params = UmapAffinity {
            local_connectivity: lc,
            bandwidth,
            set_op_mix_ratio: mix,
        };
        same_outputs(&dense, &csr, &params, perplexity);
    }
}

#[test]
fn uniform_csr_equals_row_major_on_digits() {
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
    let indptr = uniform_indptr(n, 15);
    let dense = KnnList::new(n, 15, &idx, &dist, SelfNeighbor::First).unwrap();
    let csr = KnnList::from_csr(n, &indptr, &idx, &dist, SelfNeighbor::First).unwrap();
    same_outputs(&dense, &csr, &UmapAffinity::default(), 4.0);
    let (idx14, dist14): (Vec<u32>, Vec<f32>) = (0..n)
        .flat_map(|i| (1..15).map(move |c| i * 15 + c))
        .map(|p| (idx[p], dist[p]))
        .unzip();
    let indptr14 = uniform_indptr(n, 14);
    let dense = KnnList::new(n, 14, &idx14, &dist14, SelfNeighbor::Excluded).unwrap();
    let csr = KnnList::from_csr(n, &indptr14, &idx14, &dist14, SelfNeighbor::Excluded).unwrap();
    same_outputs(&dense, &csr, &UmapAffinity::default(), 4.0);
}

/// Five points with 3, 1, 3, 1 and 0 true neighbours. Rows 0 and 2 are the MATH.md §J rows
/// `[0, 1, 2, 3]` and `[0, 0.5, 0.5, 4]` (k = 4); rows 1 and 3 have k = 2 (target 1); row 4
/// has only the point (k = 1, target 0).
const VAR_INDPTR_FIRST: [u32; 6] = [0, 4, 6, 10, 12, 13];
const VAR_IDX_FIRST: [u32; 13] = [0, 1, 2, 3, 1, 0, 2, 4, 1, 3, 3, 4, 4];
const VAR_DIST_FIRST: [f64; 13] = [
    0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 0.0, 0.5, 0.5, 4.0, 0.0, 2.0, 0.0,
];

#[test]
fn variable_degree_matches_math_j_rows() {
    let knn = KnnList::from_csr(
        5,
        &VAR_INDPTR_FIRST,
        &VAR_IDX_FIRST,
        &VAR_DIST_FIRST,
        SelfNeighbor::First,
    )
    .unwrap();
    assert_eq!(knn.k(), 4, "the largest row");
    let lens: Vec<usize> = (0..5).map(|i| knn.row_len(i)).collect();
    assert_eq!(lens, vec![4, 2, 4, 2, 1]);
    assert_eq!(knn.nnz(), 13);
    let UmapGraph {
        graph: g,
        sigmas: s,
        rhos: r,
    } = umap_graph(&knn, &UmapAffinity::default()).unwrap();
    // §J row [0, 1, 2, 3]: its own k = 4 although other rows are shorter
    assert_eq!(r[0], 1.0);
    assert!((s[0] - 2.0780640).abs() < 5e-8, "{}", s[0]);
    // §J row [0, 0.5, 0.5, 4]
    assert_eq!((r[2], s[2]), (0.5, 0.25));
    // one neighbour, k = 2, target log2(2) = 1: the neighbour at ρ already gives psum = 1,
    // so the search stops at σ = 1 (above the floor 1e-3 · mean of the row)
    assert_eq!((r[1], s[1]), (1.0, 1.0));
    assert_eq!((r[3], s[3]), (2.0, 1.0));
    // no neighbour: ρ = 0, target 0 reached at once, σ = max(1, 1e-3 · 14/13)
    assert_eq!((r[4], s[4]), (0.0, 1.0));
    let g = g.graph();
    g.check_symmetric(0.0).unwrap();
    // fuzzy union, by hand: v01 = v10 = 1; v02 = 0.6180307, v03 = 0.3819620 (not reciprocated);
    // v21 = v24 = 1, v23 = exp(-3.5/0.25) = 8.3153e-7; v34 = 1
    let w = |i, j| g.weight(i, j);
    assert_eq!(w(0, 1), 1.0);
    assert!((w(0, 2) - 0.6180307).abs() < 1e-6, "{}", w(0, 2));
    assert!((w(0, 3) - 0.3819620).abs() < 1e-6, "{}", w(0, 3));
    assert_eq!((w(1, 2), w(2, 4), w(3, 4)), (1.0, 1.0, 1.0));
    assert!((w(2, 3) - 8.3153e-7).abs() < 1e-10, "{}", w(2, 3));
    assert_eq!((w(0, 4), w(1, 3), w(1, 4)), (0.0, 0.0, 0.0));
    assert_eq!(g.nnz(), 14, "7 pairs, both directions");
    // the binary graph has the same pattern
    let b = binary_knn_graph(&knn).unwrap();
    assert_eq!(b.indices(), g.indices());
    assert!(b.weights().iter().all(|&x| x == 1.0));
    // t-SNE needs perplexity below every row's count: row 4 has no neighbour
    assert!(matches!(
        tsne_graph(&knn, 1.5),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
}

#[test]
fn variable_degree_excluded_self_gives_the_same_graph() {
    let with = KnnList::from_csr(
        5,
        &VAR_INDPTR_FIRST,
        &VAR_IDX_FIRST,
        &VAR_DIST_FIRST,
        SelfNeighbor::First,
    )
    .unwrap();
    // drop column 0 of every row: rows of 3, 1, 3, 1 and 0 entries
    let mut indptr = vec![0u32];
    let (mut idx, mut dist) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let (ri, rd) = with.row(i);
        idx.extend_from_slice(&ri[1..]);
        dist.extend_from_slice(&rd[1..]);
        indptr.push(idx.len() as u32);
    }
    assert_eq!(indptr, [0, 3, 4, 7, 8, 8]);
    let without = KnnList::from_csr(5, &indptr, &idx, &dist, SelfNeighbor::Excluded).unwrap();
    assert_eq!((without.k(), without.row_len(4)), (3, 0));
    assert_eq!(without.row(4), (&[][..], &[][..]));
    for mix in [0.0, 0.5, 1.0] {
        let params = UmapAffinity {
            set_op_mix_ratio: mix,
            ..Default::default()
        };
        let (a, b) = (
            umap_graph(&with, &params).unwrap(),
            umap_graph(&without, &params).unwrap(),
        );
        assert_eq!(bits(&a.sigmas), bits(&b.sigmas));
        assert_eq!(bits(&a.rhos), bits(&b.rhos));
        assert_eq!(a.graph, b.graph);
    }
    assert_eq!(
        binary_knn_graph(&with).unwrap(),
        binary_knn_graph(&without).unwrap()
    );
    // the floors of rows without ρ use the mean over every entry with the point counted once
    // per row: here 14 / 13 in both conventions; with bandwidth 1e-9 the targets collapse to
    // ~0 and no row can reach its target except through the floor
    let tiny = UmapAffinity {
        bandwidth: 1e-9,
        local_connectivity: 0.0,
        ..Default::default()
    };
    let (mut sa, mut ra, mut sb, mut rb) = ([0.0; 5], [0.0; 5], [0.0; 5], [0.0; 5]);
    smooth_knn_dist(&with, &tiny, &mut sa, &mut ra).unwrap();
    smooth_knn_dist(&without, &tiny, &mut sb, &mut rb).unwrap();
    assert_eq!((bits(&sa), bits(&ra)), (bits(&sb), bits(&rb)));
    assert_eq!(ra, [0.0; 5], "local_connectivity 0: ρ = 0");
    let floor = 1e-3 * 14.0 / 13.0;
    assert!(sa.iter().all(|&s| s >= floor), "{sa:?}");
}

#[test]
fn variable_degree_tsne_matches_math_j_row() {
    // point 0 has the six §J distances to points 1..=6 (not to 7); the other points list all
    // seven others
    let n = 8;
    let d0 = [1.0f64, 1.5, 2.0, 2.5, 3.0, 4.0];
    let mut indptr = vec![0u32];
    let (mut idx, mut dist) = (Vec::new(), Vec::new());
    idx.extend(1..=6u32);
    dist.extend_from_slice(&d0);
    indptr.push(6);
    for i in 1..n as u32 {
        for (c, j) in (0..n as u32).filter(|&j| j != i).enumerate() {
            idx.push(j);
            dist.push(1.0 + 0.3 * c as f64 + 0.01 * i as f64);
        }
        indptr.push(idx.len() as u32);
    }
    let knn = KnnList::from_csr(n, &indptr, &idx, &dist, SelfNeighbor::Excluded).unwrap();
    assert_eq!((knn.k(), knn.row_len(0), knn.nnz()), (7, 6, 6 + 7 * 7));
    let t = tsne_graph(&knn, 3.0).unwrap();
    assert_eq!(t.unconverged, 0);
    assert!((t.betas[0] - 0.5202178955).abs() < 1e-6, "{}", t.betas[0]);
    let g = t.graph.graph();
    g.check_symmetric(1e-12).unwrap();
    assert!((g.d_tot() - 1.0).abs() < 1e-12);
    // p_{1|0} = 0.551561 (§J), p_{0|1} from row 1; P_01 = (p_{1|0} + p_{0|1}) / 16
    let b1 = t.betas[1];
    let row1: Vec<f64> = knn.row(1).1.iter().map(|&x| x * x).collect();
    let m = row1[0];
    let z1: f64 = row1.iter().map(|&x| (-b1 * (x - m)).exp()).sum();
    let p01 = 1.0 / z1; // point 0 is row 1's nearest neighbour
    assert!((g.weight(0, 1) - (0.551561 + p01) / 16.0).abs() < 1e-7);
    // 7 → 0 only from row 7's side
    let b7 = t.betas[7];
    let row7: Vec<f64> = knn.row(7).1.iter().map(|&x| x * x).collect();
    let z7: f64 = row7.iter().map(|&x| (-b7 * (x - row7[0])).exp()).sum();
    assert!((g.weight(0, 7) - 1.0 / z7 / 16.0).abs() < 1e-12);
    // perplexity 6 exceeds row 0's six neighbours (max entropy ln 6)
    assert!(matches!(
        tsne_graph(&knn, 6.0),
        Err(Error::Param {
            name: "perplexity",
            ..
        })
    ));
}

#[test]
fn variable_degree_report_counts_zero_distance_pairs() {
    use neighbor_embed::graph::CsrGraph;
    // 0 and 1 coincide; row 2 is empty
    let knn = KnnList::from_csr(
        3,
        &[0, 2, 3, 3],
        &[1, 2, 0],
        &[0.0f64, 1.0, 0.0],
        SelfNeighbor::Excluded,
    )
    .unwrap();
    let b = binary_knn_graph(&knn).unwrap();
    let g = b.graph();
    let r = graph_report(&g, Some(&knn));
    assert_eq!(r.zero_distance_pairs, 2);
    assert_eq!((r.components, r.isolated), (1, 0));
    let iso = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0f64, 1.0]).unwrap();
    let r = graph_report(&iso, Some(&knn));
    assert_eq!((r.isolated, r.first_isolated), (1, Some(2)));
}

#[test]
fn csr_knn_errors_are_typed() {
    let s = SelfNeighbor::Excluded;
    let e = |n, p: &[u32], idx: &[u32], d: &[f64], s| {
        KnnList::from_csr(n, p, idx, d, s).map(|l| (l.k(), l.nnz()))
    };
    // rows of 2, 0 and 1 entries: fine
    let (p, idx, d) = ([0u32, 2, 2, 3], [1u32, 2, 0], [1.0f64, 2.0, 2.0]);
    assert_eq!(e(3, &p, &idx, &d, s), Ok((2, 3)));
    // n = 0
    assert!(matches!(
        e(0, &[0], &[], &[], s),
        Err(Error::Param { name: "n", .. })
    ));
    // indptr length
    assert_eq!(
        e(3, &p[..3], &idx, &d, s),
        Err(Error::BufferLength {
            name: "indptr",
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        e(2, &p, &idx, &d, s),
        Err(Error::BufferLength {
            name: "indptr",
            expected: 3,
            found: 4
        })
    );
    // indptr[0] != 0
    assert_eq!(
        e(3, &[1, 2, 2, 3], &idx, &d, s),
        Err(Error::Graph(GraphError::IndptrStart { found: 1 }))
    );
    // decreasing
    assert_eq!(
        e(3, &[0, 2, 1, 3], &idx, &d, s),
        Err(Error::Graph(GraphError::IndptrDecreasing { row: 1 }))
    );
    // indptr[n] != indices.len()
    assert_eq!(
        e(3, &[0, 2, 2, 2], &idx, &d, s),
        Err(Error::Graph(GraphError::IndptrEnd {
            expected: 3,
            found: 2
        }))
    );
    assert_eq!(
        e(3, &[0, 2, 2, 4], &idx, &d, s),
        Err(Error::Graph(GraphError::IndptrEnd {
            expected: 3,
            found: 4
        }))
    );
    // distances length
    assert_eq!(
        e(3, &p, &idx, &d[..2], s),
        Err(Error::BufferLength {
            name: "distances",
            expected: 3,
            found: 2
        })
    );
    // a row longer than n
    assert_eq!(
        e(2, &[0, 3, 3], &[1, 1, MISSING], &[1.0, 1.0, 1.0], s),
        Err(Error::Knn(KnnIssue::RowTooLong { row: 0, len: 3 }))
    );
    // index out of range, at its flat position
    assert_eq!(
        e(3, &p, &[1, 2, 7], &d, s),
        Err(Error::PointIndex {
            name: "indices",
            position: 2,
            index: 7,
            n: 3
        })
    );
    // bad distances, at their flat positions
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        assert_eq!(
            e(3, &p, &idx, &[1.0, 2.0, bad], s),
            Err(Error::Knn(KnnIssue::BadDistance { position: 2 }))
        );
    }
    // unsorted within a row (position 1); rows are independent (row 1 may start below row 0)
    assert_eq!(
        e(3, &p, &idx, &[2.0, 1.0, 2.0], s),
        Err(Error::Knn(KnnIssue::Unsorted { position: 1 }))
    );
    assert!(e(3, &[0, 2, 3, 3], &[1, 2, 0], &[1.0, 2.0, 0.5], s).is_ok());
    assert_eq!(
        e(3, &[0, 1, 4, 4], &[1, 0, 2, 2], &[1.0, 0.5, 3.0, 2.0], s),
        Err(Error::Knn(KnnIssue::Unsorted { position: 3 }))
    );
    // missing entries are skipped by the order check and the builders
    let ok = KnnList::from_csr(
        3,
        &[0, 3, 3, 4],
        &[1, MISSING, 2, 0],
        &[1.0f64, 0.0, 2.0, 1.0],
        s,
    )
    .unwrap();
    binary_knn_graph(&ok)
        .unwrap()
        .graph()
        .check_symmetric(0.0)
        .unwrap();
    // under First every row, even of a point without neighbours, starts with the point
    let f = SelfNeighbor::First;
    assert_eq!(
        e(2, &[0, 2, 3], &[0, 1, 1], &[0.0, 1.0, 0.0], f),
        Ok((2, 3))
    );
    assert_eq!(
        e(2, &[0, 2, 2], &[0, 1], &[0.0, 1.0], f),
        Err(Error::Knn(KnnIssue::SelfNotFirst { row: 1 }))
    );
    assert_eq!(
        e(2, &[0, 2, 3], &[0, 1, 0], &[0.0, 1.0, 0.0], f),
        Err(Error::Knn(KnnIssue::SelfNotFirst { row: 1 }))
    );
    assert_eq!(
        e(2, &[0, 2, 3], &[0, 1, 1], &[0.5, 1.0, 0.0], f),
        Err(Error::Knn(KnnIssue::SelfNotFirst { row: 0 }))
    );
    // every error displays
    for err in [
        KnnIssue::RowTooLong { row: 0, len: 3 },
        KnnIssue::SelfNotFirst { row: 1 },
    ] {
        assert!(!format!("{}", Error::Knn(err)).is_empty());
    }
    assert!(
        format!("{}", Error::Knn(KnnIssue::RowTooLong { row: 4, len: 9 })).contains("row 4 has 9")
    );
}

#[test]
fn umap_graph_rejects_a_repeated_neighbour() {
    // row 0 lists point 1 three times: summed memberships would give a negative union weight
    let idx = [1u32, 1, 1, 0, 2, MISSING, 0, 1, MISSING];
    let d = [1.0f64, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0];
    for knn in [
        KnnList::new(3, 3, &idx, &d, SelfNeighbor::Excluded).unwrap(),
        KnnList::from_csr(3, &[0, 3, 6, 9], &idx, &d, SelfNeighbor::Excluded).unwrap(),
    ] {
        assert_eq!(
            umap_graph(&knn, &UmapAffinity::default()).map(|_| ()),
            Err(Error::Knn(KnnIssue::DuplicateNeighbor { position: 1 }))
        );
    }
    // in a variable-degree row, the position is the flat one
    let knn = KnnList::from_csr(
        3,
        &[0, 1, 4, 5],
        &[1, 0, 2, 2, 0],
        &[1.0f64, 1.0, 2.0, 2.0, 2.0],
        SelfNeighbor::Excluded,
    )
    .unwrap();
    assert_eq!(
        umap_graph(&knn, &UmapAffinity::default()).map(|_| ()),
        Err(Error::Knn(KnnIssue::DuplicateNeighbor { position: 3 }))
    );
    assert!(
        format!(
            "{}",
            Error::Knn(KnnIssue::DuplicateNeighbor { position: 3 })
        )
        .contains("entry 3")
    );
    // the point itself and missing entries are not neighbours: repeating them is fine
    let knn = KnnList::new(
        3,
        3,
        &[0, 1, MISSING, 1, MISSING, MISSING, 2, 0, MISSING],
        &[0.0f64, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 2.0],
        SelfNeighbor::First,
    )
    .unwrap();
    assert!(umap_graph(&knn, &UmapAffinity::default()).is_ok());
    // under Excluded a row may list the point itself (skipped), even twice
    let knn = KnnList::new(
        2,
        2,
        &[1, 0, 1, 1],
        &[1.0f64, 1.0, 1.0, 1.0],
        SelfNeighbor::Excluded,
    )
    .unwrap();
    assert!(umap_graph(&knn, &UmapAffinity::default()).is_ok());
}

#[cfg(target_pointer_width = "64")]
#[test]
fn csr_knn_sizes_beyond_u32_are_errors() {
    let r = KnnList::<f64>::from_csr(1 << 32, &[0], &[], &[], SelfNeighbor::Excluded);
    assert_eq!(
        r.map(|_| ()),
        Err(Error::Graph(GraphError::TooLarge { n: 1 << 32, nnz: 0 }))
    );
}
