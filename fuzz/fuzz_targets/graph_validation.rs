//! Arbitrary bytes → `CsrGraph::new` (f32 and f64 weights), then every optional check and
//! accessor, the threshold views, `epochs_per_sample`, connected components, the graph report
//! and `affinity::combine`.
//!
//! Oracles: no panic; an error names a position that really is at fault (the index out of
//! range, the non-finite or negative weight, the decreasing row, the self-loop, the repeated
//! column, the asymmetric entry, the isolated vertex); accessors agree with a brute-force
//! reading of the arrays; degrees, `D_tot`, `w_max` and sampling periods are finite (or `∞` for
//! never-sampled entries) when the weights are in the guaranteed range.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Input, range_of};
use libfuzzer_sys::fuzz_target;
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::{Error, GraphError, Real};

fuzz_target!(|data: &[u8]| {
    let mut b = Input::new(data);
    if b.bool() {
        run::<f64>(&mut b)
    } else {
        run::<f32>(&mut b)
    }
});

fn run<T: Real>(b: &mut Input) {
    b.range = range_of::<T>();
    let n = b.below(65);
    let nnz = b.below(200);
    // indptr: n + 1 entries, or any length; values monotone, or anything
    let indptr_len = if b.u8() % 8 == 0 { b.below(70) } else { n + 1 };
    let mode = b.u8() % 4;
    let mut indptr = Vec::with_capacity(indptr_len);
    let mut acc = 0u32;
    for k in 0..indptr_len {
        let v = match mode {
            0 => b.u32(),
            1 => u32::from(b.u8()),
            _ => {
                acc = acc.saturating_add(u32::from(b.u8() % 5));
                if k + 1 == indptr_len && mode == 2 {
                    nnz as u32
                } else {
                    acc.min(nnz as u32)
                }
            }
        };
        indptr.push(if k == 0 && b.u8() % 16 != 0 { 0 } else { v });
    }
    let indices: Vec<u32> = (0..nnz)
        .map(|_| match b.u8() % 16 {
            0 => b.u32(),
            _ => u32::from(b.u8()) % (n as u32 + 2),
        })
        .collect();
    let wlen = if b.u8() % 16 == 0 { b.below(200) } else { nnz };
    let weights: Vec<T> = (0..wlen)
        .map(|_| {
            let w = b.nonneg_data();
            b.of::<T>(w)
        })
        .collect();

    let g = match CsrGraph::new(n, &indptr, &indices, &weights) {
        Ok(g) => g,
        Err(e) => {
            check_error(e, n, &indptr, &indices, &weights);
            return;
        }
    };
    // a valid graph: every accessor against a brute-force reading
    assert_eq!((g.n(), g.nnz()), (n, nnz));
    let g = match b.u8() % 4 {
        0 => g.with_umap_filter(b.below(600)),
        1 => {
            let t = b.data();
            let t = b.of::<T>(t);
            match g.with_min_weight(t) {
                Ok(g) => g,
                Err(e) => {
                    assert!(
                        matches!(
                            e,
                            Error::Param {
                                name: "min_weight",
                                ..
                            }
                        ) && !t.is_finite()
                    );
                    return;
                }
            }
        }
        _ => g,
    };
    let kept = |w: T| w >= g.min_weight();
    assert_eq!(g.kept_nnz(), weights.iter().filter(|&&w| kept(w)).count());
    let mut edges = 0;
    let mut deg = vec![T::zero(); n];
    g.degrees_into(&mut deg).unwrap();
    for i in 0..n {
        let r = g.row_range(i);
        let row: Vec<(usize, T)> = g.row(i).collect();
        let brute: Vec<(usize, T)> = r
            .clone()
            .filter(|&p| kept(weights[p]))
            .map(|p| (indices[p] as usize, weights[p]))
            .collect();
        assert_eq!(row, brute);
        edges += row.len();
        let d = row.iter().fold(T::zero(), |a, &(_, w)| a + w);
        assert_eq!(g.degree(i).as_f64().to_bits(), d.as_f64().to_bits());
        assert_eq!(deg[i].as_f64().to_bits(), d.as_f64().to_bits());
        for probe in 0..3 {
            let j = if row.is_empty() || probe == 2 {
                b.below(n)
            } else {
                row[probe % row.len()].0
            };
            let w: T = row
                .iter()
                .filter(|e| e.0 == j)
                .fold(T::zero(), |a, e| a + e.1);
            assert_eq!(g.weight(i, j), w, "weight({i}, {j})");
        }
    }
    assert_eq!(g.edges().count(), edges);
    let (w_max, d_tot) = (g.w_max(), g.d_tot());
    assert!(w_max.is_finite() && weights.iter().all(|&w| w <= w_max));
    if b.in_range {
        assert!(d_tot.is_finite() && deg.iter().all(|d| d.is_finite()));
    }

    // the optional checks: each error names a real fault, Ok means there is none
    match g.check_no_self_loops() {
        Err(GraphError::SelfLoop { vertex, position }) => {
            assert_eq!(indices[position] as usize, vertex);
            assert!(g.row_range(vertex).contains(&position) && kept(weights[position]));
        }
        Err(e) => panic!("{e:?}"),
        Ok(()) => assert!(g.edges().all(|(i, j, _)| i != j)),
    }
    match g.check_no_duplicates() {
        Err(GraphError::DuplicateEntry { row, position }) => {
            let r = g.row_range(row);
            assert!(r.contains(&position));
            assert!(
                (r.start..position).any(|q| indices[q] == indices[position] && kept(weights[q]))
            );
        }
        Err(e) => panic!("{e:?}"),
        Ok(()) => {
            for i in 0..n {
                let mut cols: Vec<usize> = g.row(i).map(|e| e.0).collect();
                let len = cols.len();
                cols.sort_unstable();
                cols.dedup();
                assert_eq!(cols.len(), len);
            }
        }
    }
    match g.check_no_isolated() {
        Err(GraphError::IsolatedVertex { vertex }) => {
            assert!(g.row(vertex).all(|e| e.1 == T::zero()));
            assert_eq!(g.isolated_vertices().next(), Some(vertex));
        }
        Err(e) => panic!("{e:?}"),
        Ok(()) => assert!((0..n).all(|i| g.row(i).any(|e| e.1 > T::zero()))),
    }
    match g.check_memberships() {
        Err(GraphError::WeightAboveOne { position }) => {
            let i = (0..n)
                .find(|&i| g.row_range(i).contains(&position))
                .unwrap();
            assert!(
                weights[position] > T::one() || g.weight(i, indices[position] as usize) > T::one()
            );
        }
        Err(e) => panic!("{e:?}"),
        Ok(()) => {}
    }
    let tol = b.fraction();
    let tol = b.of::<T>(tol);
    match g.check_symmetric(tol) {
        Err(Error::Graph(GraphError::Asymmetric { row, position })) => {
            let j = indices[position] as usize;
            let (a, c) = (g.weight(row, j), g.weight(j, row));
            assert!((a - c).abs() > tol * a.max(c));
        }
        Err(Error::Param {
            name: "rel_tol", ..
        }) => assert!(!(tol >= T::zero() && tol.is_finite())),
        Err(e) => panic!("{e:?}"),
        Ok(()) => {}
    }

    // sampling periods, components, report, union/intersection
    let mut eps = vec![0.0f64; nnz];
    let epochs = b.below(600);
    match neighbor_embed::sgd::epochs_per_sample(&g, epochs, &mut eps) {
        Ok(()) => {
            for (p, &e) in eps.iter().enumerate() {
                // 1/(w/w_max) ≥ 1, or ∞ for entries never sampled; never NaN
                assert!(e >= 1.0, "period {p} is {e}");
            }
        }
        Err(e) => assert!(
            epochs == 0
                && matches!(
                    e,
                    Error::Param {
                        name: "n_epochs",
                        ..
                    }
                )
        ),
    }
    let c = neighbor_embed::structure::components(&g);
    assert_eq!(c.labels.len(), n);
    assert_eq!(c.sizes.iter().sum::<usize>(), n);
    assert!(c.labels.iter().all(|&l| (l as usize) < c.sizes.len()));
    for (i, j, w) in g.edges() {
        if w > T::zero() {
            assert_eq!(c.labels[i], c.labels[j]);
        }
    }
    let report =
        neighbor_embed::structure::graph_report(&g, None::<&neighbor_embed::knn::KnnList<f64>>);
    assert_eq!((report.n, report.components), (n, c.sizes.len()));
    let _ = format!("{report}");
    let s = b.fraction();
    match neighbor_embed::affinity::combine(&g, &g, s) {
        Ok(u) => {
            let u = u.graph();
            assert_eq!(u.n(), n);
            assert!(
                u.weights()
                    .iter()
                    .all(|&w| w >= T::zero() && w <= T::one() + T::epsilon())
            );
        }
        Err(Error::Param { name, .. }) => assert_eq!(name, "set_op_mix_ratio"),
        Err(Error::Graph(GraphError::WeightAboveOne { .. })) => {}
        Err(e) => panic!("{e:?}"),
    }
}

/// The error names a position that is really at fault, and every check before it passed.
fn check_error<T: Real>(e: GraphError, n: usize, indptr: &[u32], indices: &[u32], weights: &[T]) {
    let nnz = indices.len();
    match e {
        GraphError::IndptrLength { expected, found } => {
            assert_eq!((expected, found), (n + 1, indptr.len()));
            assert_ne!(found, n + 1);
        }
        GraphError::IndptrStart { found } => assert!(found != 0 && indptr[0] == found),
        GraphError::IndptrDecreasing { row } => {
            assert!(indptr[row + 1] < indptr[row]);
            assert!((0..row).all(|r| indptr[r + 1] >= indptr[r]));
        }
        GraphError::IndptrEnd { expected, found } => {
            assert_eq!((expected, found), (nnz, indptr[n]));
            assert_ne!(found as usize, nnz);
        }
        GraphError::WeightsLength { expected, found } => {
            assert_eq!((expected, found), (nnz, weights.len()));
        }
        GraphError::IndexOutOfRange {
            position,
            index,
            n: m,
        } => {
            assert_eq!((indices[position], m), (index, n));
            assert!(index as usize >= n);
        }
        GraphError::NonFiniteWeight { position } => assert!(!weights[position].is_finite()),
        GraphError::NegativeWeight { position } => assert!(weights[position] < T::zero()),
        e => panic!("unexpected error from CsrGraph::new: {e:?}"),
    }
}
