//! kNN lists from arbitrary bytes (row-major `KnnList::new` and variable-degree
//! `KnnList::from_csr`, point first or excluded, missing entries, duplicates, unsorted rows,
//! hostile distances) → `smooth_knn_dist`, `umap_graph`, `binary_knn_graph`, `tsne_graph`,
//! `combine`, `graph_report`, and `spectral_layout` on the graphs built (n ≤ 48).
//!
//! Oracles: no panic; a rejected list names a position really at fault; every graph built is a
//! valid, symmetric CSR graph without self-loops (UMAP memberships in `[0, 1]`, t-SNE's `P`
//! summing to 1); `σ`, `ρ`, `β` and the spectral layout are finite when the distances and
//! parameters are in the guaranteed range, and the layout lies in `[0, extent]`.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Input, finite, range_of};
use libfuzzer_sys::fuzz_target;
use neighbor_embed::affinity::{
    UmapAffinity, binary_knn_graph, combine, smooth_knn_dist, tsne_graph, umap_graph,
};
use neighbor_embed::knn::{KnnIssue, KnnList, MISSING, SelfNeighbor};
use neighbor_embed::spectral::{EigenOptions, SpectralOptions, spectral_layout};
use neighbor_embed::structure::graph_report;
use neighbor_embed::{Error, GraphError, Real};

fuzz_target!(|data: &[u8]| {
    let mut b = Input::new(data);
    if b.bool() {
        run::<f64>(&mut b)
    } else {
        run::<f32>(&mut b)
    }
});

/// One row: the point first (under `First`), then neighbours with sorted distances; sometimes
/// broken (missing, repeated, out of range, unsorted, hostile distances).
fn row<T: Real>(
    b: &mut Input,
    n: usize,
    i: usize,
    len: usize,
    first: bool,
    idx: &mut Vec<u32>,
    dist: &mut Vec<T>,
) {
    let mut d = 0.0f64;
    for c in 0..len {
        if first && c == 0 && b.u8() % 32 != 0 {
            idx.push(i as u32);
            dist.push(T::zero());
            continue;
        }
        let j = match b.u8() % 32 {
            0 => MISSING,
            1 => b.u32(),
            2 => i as u32,
            _ => b.below(n) as u32,
        };
        let step = b.nonneg_data();
        match b.u8() % 32 {
            0 => d = b.data(), // unsorted, negative, or hostile
            1 => {}            // a tie
            _ => d += step,
        }
        idx.push(j);
        let x = b.of::<T>(d);
        dist.push(x);
    }
}

fn run<T: Real>(b: &mut Input) {
    b.range = range_of::<T>();
    let n = b.between(1, 48);
    let first = b.bool();
    let sn = if first {
        SelfNeighbor::First
    } else {
        SelfNeighbor::Excluded
    };
    let (mut idx, mut dist) = (Vec::new(), Vec::<T>::new());
    let csr = b.bool();
    let mut indptr = vec![0u32];
    let k = b.below(n + 2);
    for i in 0..n {
        let len = if csr { b.below(n + 2).min(k + 1) } else { k };
        row(b, n, i, len, first, &mut idx, &mut dist);
        indptr.push(idx.len() as u32);
    }
    match b.u8() % 32 {
        0 => {
            idx.pop();
        }
        1 => dist.push(T::one()),
        2 if !indptr.is_empty() => {
            let p = b.below(indptr.len());
            indptr[p] = b.u32() % (idx.len() as u32 + 2);
        }
        _ => {}
    }
    let r = if csr {
        KnnList::from_csr(n, &indptr, &idx, &dist, sn)
    } else {
        KnnList::new(n, k, &idx, &dist, sn)
    };
    let knn = match r {
        Ok(knn) => knn,
        Err(e) => {
            check_error(e, n, &idx, &dist);
            return;
        }
    };
    assert_eq!(knn.n(), n);

    let params = UmapAffinity {
        local_connectivity: if b.bool() { 1.0 } else { b.nonneg() },
        bandwidth: if b.bool() { 1.0 } else { b.positive() },
        set_op_mix_ratio: b.fraction(),
    };
    let (mut sigmas, mut rhos) = (vec![0.0; n], vec![0.0; n]);
    if smooth_knn_dist(&knn, &params, &mut sigmas, &mut rhos).is_ok() && b.in_range {
        assert!(finite(&sigmas) && finite(&rhos), "σ {sigmas:?} ρ {rhos:?}");
    }
    let umap = match umap_graph(&knn, &params) {
        Ok(u) => {
            let g = u.graph.graph();
            valid_symmetric("umap", &g);
            assert!(g.has_sorted_rows());
            assert!(
                g.weights().iter().all(|&w| w > T::zero() && w <= T::one()),
                "memberships {:?}",
                g.weights()
            );
            if b.in_range {
                assert!(finite(&u.sigmas) && finite(&u.rhos));
            }
            Some(u.graph)
        }
        Err(Error::Knn(KnnIssue::DuplicateNeighbor { position })) => {
            // the entry really repeats an earlier true neighbour of its row
            let j = idx[position];
            assert!(j != MISSING);
            let i = (0..n)
                .find(|&i| knn_row_range(&knn, i).contains(&position))
                .unwrap();
            let r = knn_row_range(&knn, i);
            assert!(j as usize != i && (r.start..position).any(|q| idx[q] == j));
            None
        }
        Err(Error::Param { .. }) => None,
        Err(e) => panic!("umap_graph: {e:?}"),
    };
    let binary = binary_knn_graph(&knn).unwrap();
    valid_symmetric("binary", &binary.graph());
    assert!(binary.weights().iter().all(|&w| w == T::one()));

    let perplexity = b.positive();
    match tsne_graph(&knn, perplexity) {
        Ok(t) => {
            let g = t.graph.graph();
            valid_symmetric("tsne", &g);
            assert!(t.unconverged <= n);
            if b.in_range {
                let total: f64 = g.weights().iter().map(|w| w.as_f64()).sum();
                assert!((total - 1.0).abs() < 1e-4, "P sums to {total}");
                assert!(finite(&t.betas), "β {:?}", t.betas);
            }
        }
        Err(Error::Param {
            name: "perplexity", ..
        })
        | Err(Error::Degenerate { .. }) => {}
        Err(e) => panic!("tsne_graph: {e:?}"),
    }
    let report = graph_report(&binary.graph(), Some(&knn));
    let _ = format!("{report}");

    let Some(umap) = umap else { return };
    let s = b.fraction();
    match combine(&umap.graph(), &binary.graph(), s) {
        Ok(c) => valid_symmetric("combine", &c.graph()),
        Err(Error::Param {
            name: "set_op_mix_ratio",
            ..
        }) => {}
        Err(e) => panic!("combine: {e:?}"),
    }

    // umap-learn's spectral initialisation of the filtered graph
    let g = umap.graph();
    let g = if b.bool() {
        g.with_umap_filter(b.below(600))
    } else {
        g
    };
    let dim = b.between(1, 3);
    let options = SpectralOptions {
        eigen: EigenOptions {
            tol: if b.bool() { 1e-8 } else { b.positive() },
            seed: b.u64(),
            ..EigenOptions::default()
        },
        noise: if b.bool() { 1e-4 } else { b.nonneg() },
        extent: if b.bool() { 10.0 } else { b.positive() },
    };
    let mut y = vec![T::zero(); n * dim];
    match spectral_layout(&g, dim, &options, &mut y) {
        Ok(report) => {
            assert!(report.components >= 1 && report.random_vertices <= n);
            if b.in_range {
                let extent = T::of_f64(options.extent);
                let slack = extent * T::of_f64(1e-6);
                assert!(
                    y.iter()
                        .all(|&v| v.is_finite() && v >= -slack && v <= extent + slack),
                    "spectral layout {y:?}"
                );
            }
        }
        Err(Error::Param { .. }) => {}
        Err(e) => panic!("spectral_layout: {e:?}"),
    }
}

fn knn_row_range<T: Real>(knn: &KnnList<T>, i: usize) -> core::ops::Range<usize> {
    match knn.indptr() {
        Some(p) => p[i] as usize..p[i + 1] as usize,
        None => i * knn.k()..(i + 1) * knn.k(),
    }
}

/// A built graph: valid, symmetric (exactly), no self-loops, no explicit zeros, finite.
fn valid_symmetric<T: Real>(name: &str, g: &neighbor_embed::graph::CsrGraph<T>) {
    if let Err(e) = g.check_symmetric(T::zero()) {
        panic!(
            "{name}: {e:?}: {:?} {:?} {:?}",
            g.indptr(),
            g.indices(),
            g.weights()
        );
    }
    g.check_no_self_loops().unwrap();
    g.check_no_duplicates().unwrap();
    assert!(g.weights().iter().all(|w| w.is_finite() && *w > T::zero()));
}

/// The list was rejected for a reason really present at the position named.
fn check_error<T: Real>(e: Error, n: usize, idx: &[u32], dist: &[T]) {
    match e {
        Error::PointIndex {
            name: "indices",
            position,
            index,
            n: m,
        } => {
            assert_eq!((idx[position] as usize, m), (index, n));
            assert!(idx[position] != MISSING && index >= n);
        }
        Error::Knn(KnnIssue::BadDistance { position }) => {
            assert!(!dist[position].is_finite() || dist[position] < T::zero());
        }
        Error::Knn(KnnIssue::Unsorted { position }) => assert!(dist[position - 1] > dist[position]),
        Error::Knn(KnnIssue::SelfNotFirst { row }) => assert!(row < n),
        Error::Knn(KnnIssue::RowTooLong { row, len }) => assert!(row < n && len > n),
        Error::Param { name, .. } => assert!(name == "k" || name == "n", "{name}"),
        Error::BufferLength { .. } => {}
        Error::Graph(GraphError::IndptrStart { .. })
        | Error::Graph(GraphError::IndptrDecreasing { .. })
        | Error::Graph(GraphError::IndptrEnd { .. }) => {}
        e => panic!("unexpected error from a kNN list: {e:?}"),
    }
}
