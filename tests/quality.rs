//! End-to-end quality against umap-learn's numbers (REFERENCE.md) from the same graph and
//! initial layout: digits (bundled) always, mnist70k when `../shared/data` is present; and the
//! NEG spectrum's ordering on digits.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::spectrum;
use neighbor_embed::metrics::{Quality, cluster_spread, quality};
use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::{BceStep, NegStep, Step};
mod common;

use common::{Fixture, digits, shared};

/// Runs the umap-learn schedule with `step` from the fixture's init; returns the quality and
/// the cluster spread.
fn run<S: Step<f32>>(f: &Fixture, epochs: usize, step: S) -> (Quality, f64) {
    let mut step = step;
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(epochs);
    let config = UmapConfig {
        n_epochs: epochs,
        ..UmapConfig::umap_learn(f.n, 42)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    let mut y = f.init.clone();
    sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    let layout = Layout::new(&y, 2).unwrap();
    let q = quality(&f.x, f.x.len() / f.n, &layout, &f.hd, &f.labels).unwrap();
    (q, cluster_spread(&layout, &f.labels).unwrap())
}

/// Issue tolerance: kNN accuracy within 0.5 points, kNN preservation within 1.5 points of
/// umap-learn's (REFERENCE.md).
fn assert_close_to_umap_learn(q: &Quality, preservation: f64, accuracy: f64) {
    eprintln!(
        "knn_preservation {:.4} (umap-learn {preservation}), knn_accuracy {:.4} (umap-learn {accuracy})",
        q.knn_preservation, q.knn_accuracy
    );
    assert!((q.knn_preservation - preservation).abs() <= 0.015, "{q:?}");
    assert!((q.knn_accuracy - accuracy).abs() <= 0.005, "{q:?}");
}

#[test]
fn umap_mode_matches_umap_learn_on_digits() {
    let f = digits();
    let (q, _) = run(
        &f,
        500,
        BceStep::umap_learn(Umap::<f32>::umap_learn_default()),
    );
    assert_close_to_umap_learn(&q, 0.536, 0.988);
}

#[test]
fn umap_mode_matches_umap_learn_on_mnist70k() {
    let Some(f) = shared("mnist70k") else { return };
    let (q, _) = run(
        &f,
        200,
        BceStep::umap_learn(Umap::<f32>::umap_learn_default()),
    );
    assert_close_to_umap_learn(&q, 0.128, 0.975);
}

/// Damrich et al. 2023: from the UMAP end (Z̄ = n²/5) to the t-SNE end (Z̄ = 100 n), NEG gives
/// more spread-out clusters and higher kNN preservation.
#[test]
fn neg_spectrum_is_ordered_on_digits() {
    let f = digits();
    let mut last: Option<(f64, f64)> = None;
    for sigma in [1.0, 0.5, 0.0] {
        let z = spectrum::cne_z_bar(sigma, f.n).unwrap();
        let s = spectrum::s_of_z_bar(z, 5.0, f.n).unwrap() as f32;
        let (q, spread) = run(&f, 500, NegStep::new(Cauchy, s));
        eprintln!(
            "sigma {sigma}: knn_preservation {:.4}, knn_accuracy {:.4}, cluster_spread {spread:.4}",
            q.knn_preservation, q.knn_accuracy
        );
        assert!(q.knn_accuracy > 0.975);
        if let Some((p, sp)) = last {
            assert!(
                q.knn_preservation > p,
                "preservation must grow towards the t-SNE end"
            );
            assert!(spread > sp, "clusters must spread towards the t-SNE end");
        }
        last = Some((q.knn_preservation, spread));
    }
}
