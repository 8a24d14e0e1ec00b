//! Spectral pieces (MATH.md §E): the dense Jacobi solver, the sparse Laplacian eigensolver
//! against the dense one and closed forms, and the spectral initialisation against umap-learn's
//! `init.f32` (principal angles).

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::layout::Layout;
use neighbor_embed::metrics::{Quality, quality};
use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::spectral::{
    DENSE_LIMIT, EigenOptions, SpectralOptions, laplacian_eigenpairs, spectral_layout,
    symmetric_eigen,
};
use neighbor_embed::step::BceStep;
use neighbor_embed::{Error, GraphError};
use proptest::prelude::*;
mod common;
use common::{Fixture, csr_from_dense};

/// A seeded xorshift for test graphs.
struct Xs(u64);
impl Xs {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A connected random kNN-like graph: a ring (connectivity) plus `extra` random chords per
/// vertex, weights in (0.05, 1], symmetric; dense row-major.
fn random_connected(n: usize, extra: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xs(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut w = vec![0.0; n * n];
    for i in 0..n {
        let mut set = |a: usize, b: usize, v: f64| {
            if a != b {
                w[a * n + b] = v;
                w[b * n + a] = v;
            }
        };
        set(i, (i + 1) % n, 0.05 + 0.95 * rng.next());
        for _ in 0..extra {
            let j = (rng.next() * n as f64) as usize % n;
            set(i, j, 0.05 + 0.95 * rng.next());
        }
    }
    w
}

/// Eigenpairs of L_sym of a dense weight matrix, by the dense Jacobi solver.
fn dense_lsym(n: usize, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let d: Vec<f64> = (0..n).map(|i| w[i * n..(i + 1) * n].iter().sum()).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = f64::from(u8::from(i == j)) - w[i * n + j] / (d[i].sqrt() * d[j].sqrt());
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            let m = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = m;
            a[j * n + i] = m;
        }
    }
    let (mut vals, mut vecs) = (vec![0.0; n], vec![0.0; n * n]);
    symmetric_eigen(&mut a, n, &mut vals, &mut vecs).unwrap();
    (vals, vecs)
}

/// Orthonormal basis (rows) of the span of the given vectors (rows of length n), after
/// centring each.
fn centred_basis(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = Vec::new();
    for r in rows {
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let mut v: Vec<f64> = r.iter().map(|x| x - mean).collect();
        for _ in 0..2 {
            for b in &out {
                let c: f64 = b.iter().zip(&v).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
            }
        }
        let s = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= s);
        out.push(v);
    }
    out
}

/// Principal angles (radians, ascending) between the spans of two sets of vectors, each
/// centred first.
fn principal_angles(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
    let (qa, qb) = (centred_basis(a), centred_basis(b));
    let k = qa.len();
    // C = Qaᵀ Qb; the cosines are the singular values of C = sqrt(eig(Cᵀ C))
    let c: Vec<f64> = (0..k)
        .flat_map(|i| {
            let (qa, qb) = (&qa, &qb);
            (0..k).map(move |j| qa[i].iter().zip(&qb[j]).map(|(x, y)| x * y).sum::<f64>())
        })
        .collect();
    let mut ctc = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            ctc[i * k + j] = (0..k).map(|r| c[r * k + i] * c[r * k + j]).sum();
        }
    }
    let (mut vals, mut vecs) = (vec![0.0; k], vec![0.0; k * k]);
    symmetric_eigen(&mut ctc, k, &mut vals, &mut vecs).unwrap();
    let mut angles: Vec<f64> = vals
        .iter()
        .map(|&s| s.max(0.0).sqrt().min(1.0).acos())
        .collect();
    angles.sort_by(|x, y| x.partial_cmp(y).unwrap());
    angles
}

#[test]
fn digits_eigenvectors_span_umap_learns_init() {
    let f = common::digits();
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(500);
    let t = std::time::Instant::now();
    let e = laplacian_eigenpairs(&g, 3, &EigenOptions::default()).unwrap();
    eprintln!(
        "digits: {:?} matvecs {} restarts {} residual {:.2e} in {:?}",
        e.values,
        e.matvecs,
        e.restarts,
        e.residual,
        t.elapsed()
    );
    let ours = vec![e.vector(1).to_vec(), e.vector(2).to_vec()];
    let init: Vec<Vec<f64>> = (0..2)
        .map(|c| (0..f.n).map(|i| f.init[i * 2 + c] as f64).collect())
        .collect();
    let angles = principal_angles(&ours, &init);
    eprintln!("digits principal angles: {angles:?}");
    assert!(angles.iter().all(|&a| a < 0.05), "{angles:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A V = V Λ, Vᵀ V = I, ascending values, trace preserved.
    #[test]
    fn jacobi_decomposes_random_symmetric_matrices(
        n in 1usize..24,
        entries in proptest::collection::vec(-10.0f64..10.0, 24 * 24),
    ) {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                a[i * n + j] = entries[i * 24 + j];
                a[j * n + i] = entries[i * 24 + j];
            }
        }
        let orig = a.clone();
        let norm = orig.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-300);
        let (mut vals, mut vecs) = (vec![0.0; n], vec![0.0; n * n]);
        symmetric_eigen(&mut a, n, &mut vals, &mut vecs).unwrap();
        prop_assert!(vals.windows(2).all(|w| w[0] <= w[1]));
        let trace: f64 = (0..n).map(|i| orig[i * n + i]).sum();
        prop_assert!((vals.iter().sum::<f64>() - trace).abs() <= 1e-12 * norm * n as f64);
        for k in 0..n {
            let v = &vecs[k * n..(k + 1) * n];
            for i in 0..n {
                let av: f64 = (0..n).map(|j| orig[i * n + j] * v[j]).sum();
                prop_assert!((av - vals[k] * v[i]).abs() <= 1e-12 * norm, "residual");
            }
            for l in 0..n {
                let dot: f64 = v.iter().zip(&vecs[l * n..(l + 1) * n]).map(|(x, y)| x * y).sum();
                let want = if k == l { 1.0 } else { 0.0 };
                prop_assert!((dot - want).abs() <= 1e-12, "orthonormality");
            }
        }
    }
}

#[test]
fn jacobi_rejects_bad_matrices() {
    let (mut vals, mut vecs) = ([0.0; 2], [0.0; 4]);
    let bad = |r: Result<(), Error>| matches!(r, Err(Error::Param { name: "a", .. }));
    assert!(bad(symmetric_eigen(
        &mut [1.0, 2.0, 3.0, 1.0],
        2,
        &mut vals,
        &mut vecs
    )));
    assert!(bad(symmetric_eigen(
        &mut [1.0, f64::NAN, f64::NAN, 1.0],
        2,
        &mut vals,
        &mut vecs
    )));
    assert!(matches!(
        symmetric_eigen(&mut [1.0, 0.0, 0.0], 2, &mut vals, &mut vecs),
        Err(Error::BufferLength { name: "a", .. })
    ));
    assert!(matches!(
        symmetric_eigen(&mut [1.0, 0.0, 0.0, 1.0], 2, &mut vals[..1], &mut vecs),
        Err(Error::BufferLength { name: "values", .. })
    ));
    // n = 0 is an empty decomposition
    symmetric_eigen(&mut [], 0, &mut [], &mut []).unwrap();
}

/// The sparse solver (above the dense limit) against the dense decomposition of the same
/// L_sym: eigenvalues to 1e-9 and each eigenvector to 1e-6 (up to sign).
#[test]
fn krylov_matches_dense_on_random_graphs() {
    for (n, extra, seed) in [
        (DENSE_LIMIT + 1, 2, 1),
        (300, 3, 2),
        (450, 1, 3),
        (260, 6, 4),
    ] {
        let w = random_connected(n, extra, seed);
        let (indptr, indices, weights) = csr_from_dense(n, &w);
        let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
        let k = 5;
        let e = laplacian_eigenpairs(
            &g,
            k,
            &EigenOptions {
                tol: 1e-10,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(e.matvecs > 0, "n = {n} must take the sparse path");
        assert!(e.residual <= 1e-10);
        let (vals, vecs) = dense_lsym(n, &w);
        for r in 0..k {
            assert!(
                (e.values[r] - vals[r]).abs() < 1e-9,
                "n {n} r {r}: {} vs {}",
                e.values[r],
                vals[r]
            );
            let dot: f64 = e
                .vector(r)
                .iter()
                .zip(&vecs[r * n..(r + 1) * n])
                .map(|(x, y)| x * y)
                .sum();
            // a gap of at least 1e-4 to the neighbours makes the vector well determined
            let gap = (if r > 0 { vals[r] - vals[r - 1] } else { 1.0 }).min(vals[r + 1] - vals[r]);
            if gap > 1e-4 {
                assert!(1.0 - dot.abs() < 1e-6, "n {n} r {r}: |cos| = {}", dot.abs());
            }
        }
    }
}

/// The cycle C_n has λ = 1 - cos(2πj/n), each twice (j = 1, 2, …): the block finds both
/// copies of a double eigenvalue.
#[test]
fn krylov_finds_double_eigenvalues_of_a_cycle() {
    let n = 240;
    let mut w = vec![0.0; n * n];
    for i in 0..n {
        w[i * n + (i + 1) % n] = 1.0;
        w[((i + 1) % n) * n + i] = 1.0;
    }
    let (indptr, indices, weights) = csr_from_dense(n, &w);
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    let e = laplacian_eigenpairs(&g, 5, &EigenOptions::default()).unwrap();
    let lam = |j: f64| 1.0 - (std::f64::consts::TAU * j / n as f64).cos();
    let want = [0.0, lam(1.0), lam(1.0), lam(2.0), lam(2.0)];
    for (got, want) in e.values.iter().zip(want) {
        assert!((got - want).abs() < 1e-10, "{:?}", e.values);
    }
}

#[test]
fn eigenpairs_are_deterministic_and_seed_independent() {
    let n = 400;
    let w = random_connected(n, 2, 9);
    let (indptr, indices, weights) = csr_from_dense(n, &w);
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    let a = laplacian_eigenpairs(&g, 3, &EigenOptions::default()).unwrap();
    let b = laplacian_eigenpairs(&g, 3, &EigenOptions::default()).unwrap();
    assert_eq!(a, b, "same seed, same bits");
    let c = laplacian_eigenpairs(
        &g,
        3,
        &EigenOptions {
            seed: 77,
            ..Default::default()
        },
    )
    .unwrap();
    for r in 0..3 {
        assert!((a.values[r] - c.values[r]).abs() < 1e-10);
        // signs are normalised, so the vectors agree without a sign flip
        let diff = a
            .vector(r)
            .iter()
            .zip(c.vector(r))
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-6, "r {r}: {diff}");
    }
}

#[test]
fn eigenpairs_reject_bad_graphs_and_options() {
    let opts = EigenOptions::default();
    // disconnected: two edges
    let g = CsrGraph::new(4, &[0, 1, 2, 3, 4], &[1, 0, 3, 2], &[1.0f64; 4]).unwrap();
    assert!(matches!(
        laplacian_eigenpairs(&g, 2, &opts),
        Err(Error::Degenerate { .. })
    ));
    // an isolated vertex
    let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0f64; 2]).unwrap();
    assert!(matches!(
        laplacian_eigenpairs(&g, 2, &opts),
        Err(Error::Graph(GraphError::IsolatedVertex { vertex: 2 }))
    ));
    // asymmetric
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 0.5]).unwrap();
    assert!(matches!(
        laplacian_eigenpairs(&g, 2, &opts),
        Err(Error::Graph(GraphError::Asymmetric { .. }))
    ));
    // a single vertex
    let g = CsrGraph::new(1, &[0, 0], &[], &[] as &[f64]).unwrap();
    assert!(matches!(
        laplacian_eigenpairs(&g, 1, &opts),
        Err(Error::Degenerate { .. })
    ));
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0]).unwrap();
    for k in [0, 3] {
        assert!(matches!(
            laplacian_eigenpairs(&g, k, &opts),
            Err(Error::Param { name: "k", .. })
        ));
    }
    for tol in [0.0, -1.0, f64::NAN] {
        let o = EigenOptions { tol, ..opts };
        assert!(matches!(
            laplacian_eigenpairs(&g, 2, &o),
            Err(Error::Param { name: "tol", .. })
        ));
    }
    // two vertices: λ = 0, 2
    let e = laplacian_eigenpairs(&g, 2, &opts).unwrap();
    assert!((e.values[1] - 2.0).abs() < 1e-15);
}

fn fixture_graph(f: &Fixture, epochs: usize) -> CsrGraph<'_, f32> {
    CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(epochs)
}

fn columns(y: &[f32], n: usize) -> Vec<Vec<f64>> {
    (0..2)
        .map(|c| (0..n).map(|i| y[i * 2 + c] as f64).collect())
        .collect()
}

#[test]
fn digits_spectral_layout_matches_init_and_is_deterministic() {
    let f = common::digits();
    let g = fixture_graph(&f, 500);
    let mut y = vec![0.0f32; f.n * 2];
    let report = spectral_layout(&g, 2, &SpectralOptions::default(), &mut y).unwrap();
    assert!(report.is_spectral(), "{report:?}");
    let angles = principal_angles(&columns(&y, f.n), &columns(&f.init, f.n));
    eprintln!("digits spectral_layout vs init.f32: principal angles {angles:?}");
    assert!(angles.iter().all(|&a| a < 0.05), "{angles:?}");
    for c in 0..2 {
        let col = y.iter().skip(c).step_by(2);
        let (lo, hi) = col.fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        assert_eq!((lo, hi), (0.0, 10.0));
    }
    let mut y2 = vec![0.0f32; f.n * 2];
    spectral_layout(&g, 2, &SpectralOptions::default(), &mut y2).unwrap();
    assert_eq!(y, y2);
}

#[test]
fn spectral_layout_places_components_apart() {
    // two random components (n = 30 dense path, n = 250 sparse path) and three isolated vertices
    let (a, b) = (30, 250);
    let n = a + b + 3;
    let mut w = vec![0.0; n * n];
    for (off, m, seed) in [(0, a, 5), (a, b, 6)] {
        let part = random_connected(m, 2, seed);
        for i in 0..m {
            for j in 0..m {
                w[(off + i) * n + off + j] = part[i * m + j];
            }
        }
    }
    let (indptr, indices, weights) = csr_from_dense(n, &w);
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    for dim in [1, 2, 3] {
        let mut y = vec![0.0f64; n * dim];
        let report = spectral_layout(&g, dim, &SpectralOptions::default(), &mut y).unwrap();
        assert_eq!(
            (
                report.components,
                report.spectral_components,
                report.random_vertices
            ),
            (5, 2, 3),
            "{report:?}"
        );
        assert!(!report.is_spectral());
        assert!(y.iter().all(|v| v.is_finite() && (0.0..=10.0).contains(v)));
        // the bounding boxes of the two components do not overlap in at least one coordinate
        let bbox = |r: std::ops::Range<usize>, d: usize| {
            r.map(|i| y[i * dim + d])
                .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)))
        };
        let apart = (0..dim).any(|d| {
            let (p, q) = (bbox(0..a, d), bbox(a..a + b, d));
            p.1 < q.0 || q.1 < p.0
        });
        assert!(apart, "dim {dim}: components overlap");
    }
}

#[test]
fn spectral_layout_handles_tiny_and_edgeless_graphs() {
    let opts = SpectralOptions::default();
    // one vertex, no edge
    let g = CsrGraph::new(1, &[0, 0], &[], &[] as &[f32]).unwrap();
    let mut y = [0.0f32; 2];
    let r = spectral_layout(&g, 2, &opts, &mut y).unwrap();
    assert_eq!(r.random_vertices, 1);
    assert!(y.iter().all(|v| v.is_finite()));
    // no edges at all
    let g = CsrGraph::new(5, &[0; 6], &[], &[] as &[f32]).unwrap();
    let mut y = [0.0f32; 10];
    let r = spectral_layout(&g, 2, &opts, &mut y).unwrap();
    assert_eq!((r.components, r.random_vertices), (5, 5));
    assert!(y.iter().all(|v| v.is_finite() && (0.0..=10.0).contains(v)));
    // a single edge: too small for 2 eigenvectors
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f32; 2]).unwrap();
    let mut y = [0.0f32; 4];
    spectral_layout(&g, 2, &opts, &mut y).unwrap();
    assert!(y.iter().all(|v| v.is_finite()));
    // errors
    assert!(matches!(
        spectral_layout(&g, 0, &opts, &mut []),
        Err(Error::Param { name: "dim", .. })
    ));
    assert!(matches!(
        spectral_layout(&g, 2, &opts, &mut [0.0; 3]),
        Err(Error::BufferLength { name: "coords", .. })
    ));
    for (noise, extent, name) in [
        (-1.0, 10.0, "noise"),
        (f64::NAN, 10.0, "noise"),
        (0.0, 0.0, "extent"),
    ] {
        let o = SpectralOptions {
            noise,
            extent,
            ..opts
        };
        assert!(
            matches!(spectral_layout(&g, 2, &o, &mut y), Err(Error::Param { name: n, .. }) if n == name)
        );
    }
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f32, 0.5]).unwrap();
    assert!(matches!(
        spectral_layout(&g, 2, &opts, &mut y),
        Err(Error::Graph(GraphError::Asymmetric { .. }))
    ));
}

/// umap-learn's schedule from an initial layout; quality of the result.
fn umap_from(f: &Fixture, epochs: usize, init: &[f32]) -> Quality {
    let g = fixture_graph(f, epochs);
    let config = UmapConfig {
        n_epochs: epochs,
        ..UmapConfig::umap_learn(f.n, 42)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    let mut y = init.to_vec();
    let mut step = BceStep::umap_learn(Umap::<f32>::umap_learn_default());
    sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    quality(
        &f.x,
        f.x.len() / f.n,
        &Layout::new(&y, 2).unwrap(),
        &f.hd,
        &f.labels,
    )
    .unwrap()
}

/// A run from our spectral init reaches the quality of a run from umap-learn's `init.f32`
/// (the tolerances: kNN preservation within 0.015, kNN accuracy within 0.005).
fn spectral_init_reaches_fixture_quality(f: &Fixture, epochs: usize) {
    let g = fixture_graph(f, epochs);
    let mut y = vec![0.0f32; f.n * 2];
    let t = std::time::Instant::now();
    let report = spectral_layout(&g, 2, &SpectralOptions::default(), &mut y).unwrap();
    eprintln!("spectral_layout: {report:?} in {:?}", t.elapsed());
    let ours = umap_from(f, epochs, &y);
    let theirs = umap_from(f, epochs, &f.init);
    eprintln!("from our init: {ours:?}\nfrom init.f32: {theirs:?}");
    assert!((ours.knn_preservation - theirs.knn_preservation).abs() <= 0.015);
    assert!((ours.knn_accuracy - theirs.knn_accuracy).abs() <= 0.005);
}

#[test]
fn digits_run_from_spectral_init_matches_run_from_fixture_init() {
    spectral_init_reaches_fixture_quality(&common::digits(), 500);
}

#[test]
fn mnist_spectral_layout_and_run_match_the_fixture() {
    let Some(f) = common::shared("mnist70k") else {
        eprintln!("skipped: ../shared/data/mnist70k is absent");
        return;
    };
    let g = fixture_graph(&f, 200);
    let mut y = vec![0.0f32; f.n * 2];
    spectral_layout(&g, 2, &SpectralOptions::default(), &mut y).unwrap();
    let angles = principal_angles(&columns(&y, f.n), &columns(&f.init, f.n));
    eprintln!("mnist spectral_layout vs init.f32: principal angles {angles:?}");
    assert!(angles.iter().all(|&a| a < 0.05), "{angles:?}");
    spectral_init_reaches_fixture_quality(&f, 200);
}
