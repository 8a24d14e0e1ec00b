//! Bad sizes and ranges: inputs whose sizes or magnitudes overflowed an intermediate quantity
//! (a panic, NaN returned as `Ok`, an endless loop or an absurd allocation) and now give a typed
//! error or a documented result, one test each. Written for either pointer width (this file may
//! run on wasm32-wasip1 like the catalogue: examples/wasm): sizes that overflow are written as
//! `1 << (usize::BITS / 2)`-style expressions, and no case allocates a huge buffer on 64-bit.
//!
//! | input | result |
//! |---|---|
//! | `symmetric_eigen` with `|a_ij| > 1e150` | `Param { "a" }` (the position), before any rotation |
//! | `Spectrum::from_eigenpairs` eigenvalue outside `[2^-1022, 2 + 1e-6]`, coordinate `> 1e150` | `Param { "values" }`, `Param { "vectors" }`; `i = j` is exactly 0 |
//! | `UmapSgd::buffer_sizes` with an absurd `negative_rate` | saturated sizes; `new` refuses with `Param { "negative_rate" }` |
//! | `EigenOptions` `block ≥ n`, `filter_degree > 100` | `Param { "block" }`, `Param { "filter_degree" }` (`"eigen.…"` in `spectral_layout`) |
//! | `Cosine` with NaN/∞ entries | `Param { "z_i" }` / `Param { "z_j" }` (the position) |
//! | metrics: `pairs` above the maximum, `n·k` overflowing, an empty layout of huge `dim` | `Param { "pairs" }`, `Param { "k" }`, `Degenerate` |
//! | `BatchSgd` whose batch negatives `B·m` overflow `usize` (32-bit) | `Param { "negatives" }` |
//! | `rescale_columns` / `spectral_layout` with no data and `dim = usize::MAX` | `Ok` at once |

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::batch::{BatchConfig, BatchSgd, NegativeSource};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Cosine;
use neighbor_embed::layout::Layout;
use neighbor_embed::metrics;
use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, UmapConfig};
use neighbor_embed::spectral::{
    EigenOptions, Eigenpairs, Resistance, SpectralOptions, Spectrum, VolScaling,
    laplacian_eigenpairs, spectral_layout, symmetric_eigen,
};
use neighbor_embed::step::LOCKSTEP_LANES;
use neighbor_embed::{Error, init};

/// The cycle on `n` vertices, both directions stored.
fn cycle(n: usize) -> (Vec<u32>, Vec<u32>) {
    let (mut indptr, mut indices) = (vec![0u32], Vec::new());
    for i in 0..n {
        indices.push(((i + n - 1) % n) as u32);
        indices.push(((i + 1) % n) as u32);
        indptr.push(indices.len() as u32);
    }
    (indptr, indices)
}

/// Jacobi's rotation computes `2·a_pq` and differences of diagonal entries: at `1e308` they
/// overflowed and the call returned `Ok` with NaN eigenpairs. Entries are bounded by `1e150`
/// (checked before any work; `value` is the first bad position).
#[test]
fn jacobi_entries_too_large_for_the_rotations() {
    let mut a = [1e308, 1e308, 1e308, -1e308];
    let (mut values, mut vectors) = ([0.0; 2], [0.0; 4]);
    let r = symmetric_eigen(&mut a, 2, &mut values, &mut vectors);
    assert!(
        matches!(r, Err(Error::Param { name: "a", value, .. }) if value == 0.0),
        "{r:?}"
    );
    // at the bound: finite eigenpairs (±√2·1e150)
    let mut a = [1e150, 1e150, 1e150, -1e150];
    symmetric_eigen(&mut a, 2, &mut values, &mut vectors).unwrap();
    assert!(values.iter().chain(&vectors).all(|x| x.is_finite()));
    assert!((values[1] / 1e150 - 2.0f64.sqrt()).abs() < 1e-12);
}

/// `Spectrum::from_eigenpairs` took any finite eigenvalue `> 0`: `1e300` made
/// `resistance(0, 0, Corrected)` and `diffusion_sq(1, 1, ..)` `Ok(NaN)` (`∞·0`), the subnormal
/// `5e-324` made `1/λ = ∞` and `resistance(0, 0, Raw)` `Ok(NaN)`. Eigenvalues of `L_sym` lie in
/// `[0, 2]`: the non-trivial ones must lie in `[2^-1022, 2 + 1e-6]` (`value`: the index), the
/// coordinates `u_k[i]/√d_i` within `1e150`; `i = j` is exactly 0.
#[test]
fn spectrum_eigenvalues_outside_the_laplacian_range() {
    let h = 0.5f64.sqrt();
    let pairs = |l1: f64, d: f64| Eigenpairs {
        n: 2,
        values: vec![0.0, l1],
        vectors: vec![h, h, h, -h],
        degrees: vec![d, d],
        matvecs: 0,
        restarts: 0,
        residual: 0.0,
    };
    for l1 in [1e300, 5e-324, f64::MIN_POSITIVE / 2.0, 2.0 + 1e-5, -1.0] {
        let r = Spectrum::from_eigenpairs(pairs(l1, 1.0));
        assert!(
            matches!(r, Err(Error::Param { name: "values", value, .. }) if value == 1.0),
            "{l1}: {r:?}"
        );
    }
    // degrees of 1e-310: u/√d ≈ 7e154, whose squared differences overflow (∞·0 at λ = 1)
    let r = Spectrum::from_eigenpairs(pairs(1.0, 1e-310));
    assert!(
        matches!(r, Err(Error::Param { name: "vectors", value, .. }) if value == 2.0),
        "{r:?}"
    );
    // at the ends of the range: finite, and i = j exactly 0 without computing
    for l1 in [f64::MIN_POSITIVE, 2.0 + 1e-7] {
        let s = Spectrum::from_eigenpairs(pairs(l1, 1.0)).unwrap();
        for kind in [Resistance::Raw, Resistance::Corrected] {
            assert_eq!(s.resistance(0, 0, kind), Ok(0.0));
            assert!(s.resistance(0, 1, kind).unwrap().is_finite());
        }
        for t in [0.0, 1.0, 1e12] {
            for scaling in [VolScaling::Scaled, VolScaling::Unscaled] {
                assert_eq!(s.diffusion_sq(1, 1, t, scaling), Ok(0.0), "{l1} {t}");
                assert!(!s.diffusion_sq(0, 1, t, scaling).unwrap().is_nan());
            }
        }
    }
}

/// `UmapSgd::buffer_sizes` (public, unchecked) computed `⌈2m⌉ + 2` and `lanes·(…)` in plain
/// `usize`: `negative_rate = 1e300` or `∞` overflowed on every target, `1e9` in the lockstep
/// order on 32-bit ones. The sizes now saturate at `usize::MAX`, and `new` refuses such rates
/// (`negative_rate ≤ 1e6`) before sizing anything.
#[test]
fn umap_buffer_sizes_of_absurd_negative_rates() {
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0]).unwrap();
    for (m, order) in [
        (1e300, SampleOrder::Csr),
        (f64::INFINITY, SampleOrder::Lockstep),
        (1e9, SampleOrder::Lockstep),
    ] {
        let config = UmapConfig {
            negative_rate: m,
            order,
            ..UmapConfig::umap_learn(2, 0)
        };
        let s = OwnedUmapSgd::<f64>::buffer_sizes(&g, &config);
        assert_eq!((s.times, s.rngs), (6, 2));
        let lanes = if order == SampleOrder::Lockstep {
            LOCKSTEP_LANES
        } else {
            1
        };
        // ⌈2m⌉ + 2 negatives a sample, saturated (2e9 + 2 < u32::MAX)
        let per_sample = if m == 1e9 {
            2_000_000_002usize
        } else {
            usize::MAX
        };
        // × 16 lanes overflows a 32-bit usize: saturated there, exact on 64-bit
        let negatives = per_sample.saturating_mul(lanes);
        let coeffs = per_sample.saturating_add(1).saturating_mul(lanes);
        assert_eq!((s.negatives, s.coeffs), (negatives, coeffs), "{m}");
        let r = OwnedUmapSgd::<f64>::new(&g, &config).map(|_| ());
        assert!(
            matches!(
                r,
                Err(Error::Param {
                    name: "negative_rate",
                    ..
                })
            ),
            "{m}: {r:?}"
        );
    }
}

/// `EigenOptions.block` was never checked: `usize::MAX` overflowed `m + 1` in the Krylov
/// solver and `1 << 62` its basis size (a large one that did not overflow allocated `block²`
/// values); a huge `filter_degree` ran its Chebyshev loop (one operator product a degree) for
/// ever. `block` must be 0 (automatic) or below `n` (the Krylov vectors live in the
/// `(n - 1)`-dimensional complement of the trivial vector), `filter_degree` at most 100.
#[test]
fn eigen_options_out_of_range() {
    let n = 260; // above DENSE_LIMIT: the Krylov path
    let (indptr, indices) = cycle(n);
    let w = vec![1.0f64; indices.len()];
    let g = CsrGraph::new(n, &indptr, &indices, &w).unwrap();
    for block in [usize::MAX, 1usize << (usize::BITS - 2), n] {
        let options = EigenOptions {
            block,
            ..EigenOptions::default()
        };
        let r = laplacian_eigenpairs(&g, 3, &options).map(|e| e.values);
        assert!(
            matches!(r, Err(Error::Param { name: "block", .. })),
            "{block}: {r:?}"
        );
        let r = Spectrum::truncated(&g, 3, &options).map(|s| s.pairs());
        assert!(
            matches!(r, Err(Error::Param { name: "block", .. })),
            "{block}: {r:?}"
        );
        let spectral = SpectralOptions {
            eigen: options,
            ..SpectralOptions::default()
        };
        let r = spectral_layout(&g, 2, &spectral, &mut vec![0.0; 2 * n]);
        assert!(
            matches!(
                r,
                Err(Error::Param {
                    name: "eigen.block",
                    ..
                })
            ),
            "{block}: {r:?}"
        );
    }
    for filter_degree in [usize::MAX, 101] {
        let options = EigenOptions {
            filter_degree,
            ..EigenOptions::default()
        };
        let r = laplacian_eigenpairs(&g, 3, &options).map(|e| e.values);
        assert!(
            matches!(
                r,
                Err(Error::Param {
                    name: "filter_degree",
                    ..
                })
            ),
            "{filter_degree}: {r:?}"
        );
    }
    // the largest block accepted (its basis fills the complement of the trivial vector)
    let options = EigenOptions {
        block: n - 1,
        ..EigenOptions::default()
    };
    let e = laplacian_eigenpairs(&g, 3, &options).unwrap();
    let lambda = 1.0 - (std::f64::consts::TAU / n as f64).cos(); // twice
    assert!(e.values[1..].iter().all(|&l| (l - lambda).abs() < 1e-10));
}

/// `Cosine::cos`/`value`/`logit_grad` checked lengths only: a NaN or ∞ entry gave `Ok(-1.0)`,
/// `Ok(0.135…)` or NaN gradients. Non-finite entries are `Param { "z_i" }` or
/// `Param { "z_j" }` with the position.
#[test]
fn cosine_of_non_finite_vectors() {
    let k = Cosine::new(0.5f64).unwrap();
    let bad = |r: Result<f64, Error>, name: &str, position: f64| {
        assert!(
            matches!(r, Err(Error::Param { name: n, value, .. }) if n == name && value == position),
            "{r:?}"
        );
    };
    bad(k.cos(&[f64::NAN, 1.0], &[1.0, 0.0]), "z_i", 0.0);
    bad(k.cos(&[1.0, 0.0], &[1.0, f64::INFINITY]), "z_j", 1.0);
    bad(k.value(&[f64::NAN, f64::NAN], &[1.0, 0.0]), "z_i", 0.0);
    bad(k.logit(&[1.0, f64::NEG_INFINITY], &[1.0, 0.0]), "z_i", 1.0);
    let mut out = [0.0; 2];
    let r = k.logit_grad(&[f64::INFINITY, 1.0], &[1.0, 0.0], &mut out);
    bad(r.map(|()| 0.0), "z_i", 0.0);
    let r = k.logit_grad(&[1.0, 1.0], &[f64::NAN, 0.0], &mut out);
    bad(r.map(|()| 0.0), "z_j", 0.0);
    // the largest finite entries still work
    let c = k.cos(&[f64::MAX, 0.0], &[f64::MAX, f64::MAX]).unwrap();
    assert!((c - 0.5f64.sqrt()).abs() < 1e-15, "{c}");
}

/// Sizes in the metrics: `spearman(pairs = usize::MAX)` panicked ("capacity overflow");
/// `knn_preservation`/`knn_accuracy`/`embedding_knn` multiplied `n·k` (65 537 × 65 536
/// overflows a 32-bit `usize`); `cluster_spread` allocated `(max label + 2)·dim` values
/// (an empty layout of huge `dim` overflowed, one point in `2^20` dimensions with label 255
/// took 2 GB). `pairs` is at most `metrics::SPEARMAN_MAX_PAIRS`, `n·k` must fit (`Param
/// { "k" }`), and `cluster_spread` keeps only the classes present (at most `n`).
#[test]
fn metric_sizes() {
    let coords = [0.0f64, 1.0, 2.0, 3.0];
    let y = Layout::new(&coords, 1).unwrap();
    let hd = [0.0f32, 1.0, 2.0, 5.0];
    for pairs in [usize::MAX, metrics::SPEARMAN_MAX_PAIRS + 1] {
        let r = metrics::spearman(&hd, 1, &y, pairs, 0);
        assert!(
            matches!(r, Err(Error::Param { name: "pairs", .. })),
            "{r:?}"
        );
    }
    // more pairs than the n(n-1)/2 distinct ones is fine: pairs are drawn with replacement
    assert!(metrics::spearman(&hd, 1, &y, 100, 0).is_ok());

    // n·k overflows a 32-bit usize (a 1-D layout of 65 537 points, 256 KB)
    let n = 65_537usize;
    let line: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let y = Layout::new(&line, 1).unwrap();
    let k = 65_536;
    let r = metrics::knn_preservation(&y, &[], k);
    if usize::BITS == 32 {
        assert!(matches!(r, Err(Error::Param { name: "k", .. })), "{r:?}");
        let r = metrics::knn_accuracy(&y, &vec![0u8; n], k);
        assert!(matches!(r, Err(Error::Param { name: "k", .. })), "{r:?}");
        let r = metrics::embedding_knn(&y, k).map(|v| v.len());
        assert!(matches!(r, Err(Error::Param { name: "k", .. })), "{r:?}");
    } else {
        // 64-bit: n·k fits; the (empty) neighbour list has the wrong length. knn_accuracy
        // and embedding_knn would be valid calls (17 GB of neighbours): not run here
        assert!(
            matches!(
                r,
                Err(Error::BufferLength {
                    name: "hd_neighbors",
                    ..
                })
            ),
            "{r:?}"
        );
    }

    // cluster_spread: no points in a huge dimension, one point in 2^20 dimensions labelled 255
    let empty = Layout::<f64>::new(&[], 1 << (usize::BITS - 2)).unwrap();
    let r = metrics::cluster_spread(&empty, &[]);
    assert!(matches!(r, Err(Error::Degenerate { .. })), "{r:?}");
    let one = vec![1.0f32; 1 << 20];
    let r = metrics::cluster_spread(&Layout::new(&one, 1 << 20).unwrap(), &[255]);
    assert!(matches!(r, Err(Error::Degenerate { .. })), "{r:?}");
    // labels far above the number of points still work
    let pts = [0.0f64, 0.0, 0.1, 0.0, 10.0, 0.0, 10.1, 0.0];
    let y = Layout::new(&pts, 2).unwrap();
    let a = metrics::cluster_spread(&y, &[0, 0, 1, 1]).unwrap();
    let b = metrics::cluster_spread(&y, &[7, 7, 255, 255]).unwrap();
    assert_eq!(a, b);
}

/// `BatchSgd::run` counted a batch's negatives as `B·m` in `usize`: a batch of 4 400 edges
/// with `m = 1e6` overflows a 32-bit `usize` (a panic in the first batch). `new` now refuses a
/// configuration whose batch negatives `min(B, kept edges)·m` do not fit `usize`
/// (`Param { "negatives" }`); on 64-bit the same configuration is valid.
#[test]
fn batch_negatives_that_overflow() {
    let n = 2200;
    let (indptr, indices) = cycle(n);
    let w = vec![1.0f32; indices.len()];
    let g = CsrGraph::new(n, &indptr, &indices, &w).unwrap();
    let config = BatchConfig {
        n_epochs: 1,
        batch_size: 2 * n,
        negatives: 1_000_000,
        source: NegativeSource::Uniform,
        clip: None,
        ..BatchConfig::<f32>::contrastive_ne(0)
    };
    let r = BatchSgd::new(&g, 1, &config).map(|_| ());
    if usize::BITS == 32 {
        assert!(
            matches!(
                r,
                Err(Error::Param {
                    name: "negatives",
                    ..
                })
            ),
            "{r:?}"
        );
    } else {
        assert_eq!(r, Ok(())); // 4.4e9 negatives a batch: fine, and not run here
    }
    // the largest batch on a 32-bit target: (u32::MAX / 1e6) edges
    let config = BatchConfig {
        batch_size: 4294,
        ..config
    };
    assert!(BatchSgd::new(&g, 1, &config).is_ok());
}

/// With no data, `rescale_columns` and `spectral_layout` (`n = 0`) still looped over every
/// column (`spectral_layout` also over `dim` factors of its grid): `dim = usize::MAX` never
/// returned. No data now returns at once.
#[test]
fn no_data_in_a_huge_dimension() {
    init::rescale_columns(&mut [0.0f64; 0], usize::MAX, 10.0).unwrap();
    let r = init::rescale_columns(&mut [0.0f64; 0], usize::MAX, -1.0);
    assert!(
        matches!(r, Err(Error::Param { name: "extent", .. })),
        "{r:?}"
    );
    let g = CsrGraph::<f64>::new(0, &[0], &[], &[]).unwrap();
    let r = spectral_layout(&g, usize::MAX, &SpectralOptions::default(), &mut []).unwrap();
    assert_eq!((r.components, r.random_vertices), (0, 0));
}
