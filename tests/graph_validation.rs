//! Every `GraphError` and `LayoutError` variant is triggered by at least one input, with the
//! offending position; the optional checks and the UMAP edge filter behave as documented.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::layout::Layout;
use neighbor_embed::{Error, GraphError, LayoutError};

fn new(n: usize, indptr: &[u32], indices: &[u32], w: &[f64]) -> Result<(), GraphError> {
    CsrGraph::new(n, indptr, indices, w).map(|_| ())
}

#[test]
fn structural_errors_name_the_position() {
    use GraphError::*;
    assert_eq!(
        new(2, &[0, 1], &[1], &[1.0]),
        Err(IndptrLength {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        new(0, &[], &[], &[]),
        Err(IndptrLength {
            expected: 1,
            found: 0
        })
    );
    assert_eq!(
        new(2, &[1, 1, 1], &[1], &[1.0]),
        Err(IndptrStart { found: 1 })
    );
    assert_eq!(
        new(3, &[0, 2, 1, 2], &[1, 2], &[1.0, 1.0]),
        Err(IndptrDecreasing { row: 1 })
    );
    assert_eq!(
        new(2, &[0, 1, 1], &[1, 0], &[1.0, 1.0]),
        Err(IndptrEnd {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        new(2, &[0, 1, 2], &[1, 0], &[1.0]),
        Err(WeightsLength {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        new(2, &[0, 1, 2], &[1, 2], &[1.0, 1.0]),
        Err(IndexOutOfRange {
            position: 1,
            index: 2,
            n: 2
        })
    );
    assert_eq!(
        new(2, &[0, 1, 2], &[1, 0], &[1.0, f64::NAN]),
        Err(NonFiniteWeight { position: 1 })
    );
    assert_eq!(
        new(2, &[0, 1, 2], &[1, 0], &[f64::INFINITY, 1.0]),
        Err(NonFiniteWeight { position: 0 })
    );
    assert_eq!(
        new(2, &[0, 1, 2], &[1, 0], &[1.0, -0.5]),
        Err(NegativeWeight { position: 1 })
    );
    assert_eq!(
        CsrGraph::new(u32::MAX as usize + 1, &[0], &[], &[0.0f32]).map(|_| ()),
        Err(TooLarge {
            n: u32::MAX as usize + 1,
            nnz: 0
        })
    );
    // `n + 1` overflows on 32-bit targets (`usize::MAX = u32::MAX`): still the typed error
    assert_eq!(
        CsrGraph::new(usize::MAX, &[0], &[], &[0.0f32]).map(|_| ()),
        Err(TooLarge {
            n: usize::MAX,
            nnz: 0
        })
    );
}

#[test]
fn empty_and_single_vertex_graphs_are_valid() {
    let g = CsrGraph::<f64>::new(0, &[0], &[], &[]).unwrap();
    assert_eq!((g.n(), g.nnz(), g.w_max(), g.d_tot()), (0, 0, 0.0, 0.0));
    let g = CsrGraph::<f64>::new(1, &[0, 0], &[], &[]).unwrap();
    assert_eq!(g.isolated_vertices().collect::<Vec<_>>(), vec![0]);
}

#[test]
fn optional_checks() {
    // 0 -> 1 (0.5), 1 -> 0 (0.5), 1 -> 1 self-loop, 2 isolated, duplicate 3 -> 0 twice
    let indptr = [0, 1, 3, 3, 5];
    let indices = [1, 0, 1, 0, 0];
    let w = [0.5f64, 0.5, 0.2, 0.1, 0.1];
    let g = CsrGraph::new(4, &indptr, &indices, &w).unwrap();
    assert_eq!(
        g.check_no_self_loops(),
        Err(GraphError::SelfLoop {
            vertex: 1,
            position: 2
        })
    );
    assert_eq!(
        g.check_no_isolated(),
        Err(GraphError::IsolatedVertex { vertex: 2 })
    );
    assert_eq!(
        g.check_no_duplicates(),
        Err(GraphError::DuplicateEntry {
            row: 3,
            position: 4
        })
    );
    assert_eq!(
        g.check_symmetric(1e-12),
        Err(Error::Graph(GraphError::Asymmetric {
            row: 3,
            position: 3
        }))
    );
    assert_eq!(g.weight(3, 0), 0.2); // duplicates sum
    assert!((g.degree(1) - 0.7).abs() < 1e-15);
    assert_eq!(g.w_max(), 0.5);
    assert!((g.d_tot() - 1.4).abs() < 1e-15);
    let mut d = [0.0; 4];
    g.degrees_into(&mut d).unwrap();
    assert_eq!(d[2], 0.0);
    assert!(matches!(
        g.degrees_into(&mut [0.0; 3]),
        Err(Error::BufferLength { .. })
    ));
    assert!(matches!(
        g.check_symmetric(-1.0),
        Err(Error::Param {
            name: "rel_tol",
            ..
        })
    ));
    let m = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.5, 1.5]).unwrap();
    assert_eq!(
        m.check_memberships(),
        Err(GraphError::WeightAboveOne { position: 0 })
    );
}

#[test]
fn symmetry_check_respects_tolerance() {
    let w = [1.0, 1.0 + 1e-9];
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &w).unwrap();
    assert!(g.check_symmetric(1e-12).is_err());
    assert!(g.check_symmetric(1e-8).is_ok());
}

#[test]
fn umap_filter_and_thresholds() {
    // weights 1, 0.004 (dropped at N = 200), 0.01 (kept), all symmetric
    let indptr = [0, 2, 4, 6];
    let indices = [1, 2, 0, 2, 0, 1];
    let w = [1.0, 0.004, 1.0, 0.01, 0.004, 0.01];
    let g = CsrGraph::new(3, &indptr, &indices, &w).unwrap();
    let f = g.with_umap_filter(200);
    assert_eq!(f.min_weight(), 1.0 / 200.0);
    assert_eq!(f.kept_nnz(), 4);
    assert_eq!(f.degree(0), 1.0);
    assert_eq!(f.edges().count(), 4);
    assert_eq!(f.weight(0, 2), 0.0);
    assert!(f.check_symmetric(0.0).is_ok());
    // N <= 10 falls back to 500 (n <= 10 000): every entry above 1/500 = 0.002 is kept
    assert_eq!(g.with_umap_filter(10).kept_nnz(), 6);
    assert_eq!(g.with_umap_filter(11).kept_nnz(), 2);
    assert!(g.with_min_weight(f64::NAN).is_err());
    assert_eq!(g.with_min_weight(0.005).unwrap().kept_nnz(), 4);
}

#[test]
fn layout_errors() {
    assert_eq!(
        Layout::new(&[0.0f64; 4], 0).map(|_| ()),
        Err(LayoutError::ZeroDim)
    );
    assert_eq!(
        Layout::new(&[0.0f64; 5], 2).map(|_| ()),
        Err(LayoutError::LengthNotMultiple { len: 5, dim: 2 })
    );
    assert_eq!(
        Layout::new(&[0.0, 1.0, 2.0, f64::NEG_INFINITY], 2).map(|_| ()),
        Err(LayoutError::NonFinite { row: 1, col: 1 })
    );
    assert_eq!(
        Layout::new(&[0.0, f32::NAN, 2.0], 1).map(|_| ()),
        Err(LayoutError::NonFinite { row: 1, col: 0 })
    );
    let y = Layout::new(&[] as &[f64], 3).unwrap();
    assert_eq!(y.n(), 0);
}

#[test]
fn errors_display_and_chain() {
    let e: Error = GraphError::IndexOutOfRange {
        position: 7,
        index: 9,
        n: 5,
    }
    .into();
    let s = format!("{e}");
    assert!(s.contains("indices[7] = 9") && s.contains("n = 5"), "{s}");
    assert!(core::error::Error::source(&e).is_some());
    let e: Error = LayoutError::NonFinite { row: 3, col: 1 }.into();
    assert!(format!("{e}").contains("(3, 1)"));
}
