//! Bad input that used to give NaN from an `Ok` call (or an out-of-range read that went
//! unnoticed), one test each: parameters valid in `f64` that become 0 or `∞` in `f32`, an
//! infinite coefficient times a zero coordinate difference in the losses and the InfoNCE step,
//! non-finite points in the quadtree, and out-of-range coordinate indices in the sinks. Each
//! asserts the typed error or the NaN-free result the crate now gives (see the README's "Bad
//! input, finite output" section). Written for 32-bit targets too.

use neighbor_embed::Error;
use neighbor_embed::descent::{DescentConfig, DirectionParams, neg_descent, neg_descent_direction};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{
    EffectiveParams, ParametricParams, infonce_pair, parametric_effective_loss, umap_cross_entropy,
    umap_effective_loss,
};
use neighbor_embed::parallel::{Optimizer, ParallelConfig, ParallelUmap};
use neighbor_embed::quadtree::QuadTree;
use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::{Frozen, InPlace, Sink};
use neighbor_embed::step::{InfoNceStep, NegStep, Sample, Step};

const TRIANGLE: ([u32; 4], [u32; 6]) = ([0, 2, 4, 6], [1, 2, 0, 2, 0, 1]);

fn no_nan<T: Copy + Into<f64>>(v: &[T]) -> bool {
    v.iter().all(|&x| !x.into().is_nan())
}

/// `ParallelUmap::<f32>`: parameters checked in `f64` but used in `f32`. Adam's `eps = 1e-50`
/// rounds to 0 (0/0 in epoch 0: NaN layout from `Ok`), a learning rate of `1e39` overflows to
/// `∞` (`∞ · 0`: NaN), and so do a `γ` or `ε` of `1e39`; a clip of `1e-50` rounds to 0, a
/// `β1` of `1 - 1e-10` to 1: each is `Param` naming it. In `f64` they are valid and run.
#[test]
fn parallel_parameters_must_fit_the_float_type() {
    let (indptr, indices) = TRIANGLE;
    let g = CsrGraph::new(3, &indptr, &indices, &[1.0f32; 6]).unwrap();
    let base = ParallelConfig {
        n_epochs: 10,
        threads: 1,
        ..ParallelConfig::new(3, 1)
    };
    let adam = ParallelConfig {
        optimizer: Optimizer::Adam {
            beta1: 0.5,
            beta2: 0.9,
            eps: 1e-50,
        },
        ..base
    };
    let sgd = ParallelConfig {
        optimizer: Optimizer::Sgd,
        learning_rate: 1e39,
        ..base
    };
    let gamma = ParallelConfig {
        gamma: 1e39,
        ..base
    };
    let clip = ParallelConfig {
        clip: 1e-50,
        ..base
    };
    let repulsion_eps = ParallelConfig {
        repulsion_eps: 1e39,
        ..base
    };
    let beta1 = ParallelConfig {
        optimizer: Optimizer::Adam {
            beta1: 1.0 - 1e-10, // 1 in f32: the first moment would never move
            beta2: 0.9,
            eps: 1e-7,
        },
        ..base
    };
    for (config, name) in [
        (adam, "eps"),
        (sgd, "learning_rate"),
        (gamma, "gamma"),
        (clip, "clip"),
        (repulsion_eps, "repulsion_eps"),
        (beta1, "beta1"),
    ] {
        let r = ParallelUmap::<f32>::new(&g, &config, 2);
        assert!(
            matches!(r, Err(Error::Param { name: n, .. }) if n == name),
            "{name}: {r:?}"
        );
        let g64 = CsrGraph::new(3, &indptr, &indices, &[1.0f64; 6]).unwrap();
        let mut run = ParallelUmap::<f64>::new(&g64, &config, 2).unwrap();
        let mut y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0];
        let k = Umap::<f64>::umap_learn_default();
        run.run(&g64, &k, &mut y, 3, &mut Silent).unwrap();
        assert!(no_nan(&y), "{name} in f64: {y:?}");
    }
}

/// `neg_descent_direction::<f32>` and `neg_descent::<f32>` with a noise mass of `1e40`: finite
/// in `f64`, but the repulsion's factor `2 m_L ξ` is `∞` in `f32` (then `∞ · 0` = NaN): `Param
/// { "noise_mass" }`. A `Z̄` that makes `s = m_L ξ Z̄` overflow is `Param { "z_bar" }`.
#[test]
fn descent_noise_mass_must_fit_the_float_type() {
    let (indptr, indices) = TRIANGLE;
    let g = CsrGraph::new(3, &indptr, &indices, &[1.0f32; 6]).unwrap();
    let coords = [0.0f32, 0.0, 1.0, 0.0, 0.0, 1.0];
    let y = Layout::new(&coords, 2).unwrap();
    let mut out = [0.0f32; 6];
    let names = |r: Result<(), Error>| match r {
        Err(Error::Param { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    let p = DirectionParams {
        z_bar: 1.0,
        noise_mass: 1e40,
        exaggeration: 1.0,
        theta: 0.5,
    };
    let direction = |p: &DirectionParams<f32>, out: &mut [f32]| {
        neg_descent_direction(&g, &Cauchy, &y, p, out).map(|_| ())
    };
    assert_eq!(names(direction(&p, &mut out)), "noise_mass");
    let p = DirectionParams {
        z_bar: 1e40,
        noise_mass: 1.0,
        ..p
    };
    assert_eq!(names(direction(&p, &mut out)), "z_bar");
    let mut c = coords;
    let mut descent = |config: DescentConfig<f32>| {
        names(neg_descent(&g, &Cauchy, &mut c, 2, &config, &mut Silent).map(|_| ()))
    };
    let config = DescentConfig {
        n_iter: 5,
        early_iter: 0,
        noise_mass: 1e40,
        ..DescentConfig::<f32>::new(1.0)
    };
    assert_eq!(descent(config), "noise_mass");
    let config = DescentConfig {
        early_z_bar: Some(1e40),
        ..DescentConfig::<f32>::new(1.0)
    };
    assert_eq!(descent(config), "early_z_bar");
    assert_eq!(c, coords); // nothing ran
}

/// The losses' gradients: two points `1e-160` apart along x (`d2 = 1e-320`, subnormal) have an
/// infinite repulsion coefficient, and `∞ · 0` along y was NaN; likewise `γ = 1e308` at unit
/// distance and InfoNCE with `ρ = 1e-320`. Now no force along an axis with zero difference:
/// the gradient is `±∞` along x and 0 along y.
#[test]
fn loss_gradients_infinite_coefficient_zero_difference() {
    let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5f64, 0.5]).unwrap();
    let k = Umap::<f64>::umap_learn_default();
    let close = Layout::new(&[0.0f64, 0.0, 1e-160, 0.0], 2).unwrap();
    let unit = Layout::new(&[0.0f64, 0.0, 1.0, 0.0], 2).unwrap();
    let check = |l: Result<f64, Error>, grad: [f64; 4], what: &str| {
        assert!(l.is_ok() && !l.unwrap().is_nan(), "{what}: {l:?}");
        assert!(no_nan(&grad), "{what}: {grad:?}");
        assert_eq!((grad[1], grad[3]), (0.0, 0.0), "{what}: {grad:?}");
        assert!(grad[0] != 0.0 && grad[0] == -grad[2], "{what}: {grad:?}");
    };
    let mut grad = [0.0; 4];
    let l = umap_cross_entropy(&g, &k, &close, Some(&mut grad));
    check(l, grad, "umap_cross_entropy");
    let p = EffectiveParams::default();
    let l = umap_effective_loss(&g, &k, &close, &p, &mut [0.0; 2], Some(&mut grad));
    check(l, grad, "umap_effective_loss");
    let p = ParametricParams::default();
    let l = parametric_effective_loss(&g, &k, &close, &p, &mut [0.0; 2], Some(&mut grad));
    check(l, grad, "parametric_effective_loss");
    let p = EffectiveParams {
        gamma: 1e308,
        m: 5.0,
    };
    let l = umap_effective_loss(&g, &k, &unit, &p, &mut [0.0; 2], Some(&mut grad));
    check(l, grad, "umap_effective_loss, gamma = 1e308");
    let mut grad = [0.0; 4];
    let l = infonce_pair(&Cauchy, &unit, 0, 1, &[], 1e-320, Some(&mut grad));
    check(l, grad, "infonce_pair, rho = 1e-320");
    // f32: two points 1e-22 apart
    let g32 = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[0.5f32, 0.5]).unwrap();
    let y32 = Layout::new(&[0.0f32, 0.0, 1e-22, 0.0], 2).unwrap();
    let k32 = Umap::<f32>::umap_learn_default();
    let mut grad = [0.0f32; 4];
    let l = umap_effective_loss(
        &g32,
        &k32,
        &y32,
        &EffectiveParams::default(),
        &mut [0.0; 2],
        Some(&mut grad),
    );
    assert!(
        l.is_ok() && no_nan(&grad) && grad[1] == 0.0,
        "{l:?} {grad:?}"
    );
}

/// `InfoNceStep` with `ρ = 1e-310`: `1/ρ` is `∞` and so are the coefficients; along an axis
/// where a target has the head's coordinate, `∞ · 0` was NaN, which the clip turned into a
/// push of `-clip` (and, without a clip, NaN coordinates from an `Ok` run). Now that axis gets
/// no force, and the loops refuse a `ρ` whose reciprocal overflows (`Param { "rho" }`).
#[test]
fn infonce_step_infinite_coefficient_zero_difference() {
    // head 0 at (0, 0), tail 1 at (1, 0), negative 2 at (0, 1)
    let mut y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0];
    let mut step = InfoNceStep {
        rho: 1e-310,
        ..InfoNceStep::new(Cauchy, 1.0f64)
    };
    let sample = Sample {
        head: 0,
        tail: 1,
        negatives: &[2],
    };
    let apply = |step: &mut InfoNceStep<f64, Cauchy>, y: &mut [f64]| {
        step.apply(
            &mut InPlace::new(y, 2, None),
            sample,
            0.1,
            false,
            &mut [0.0; 2],
        );
    };
    apply(&mut step, &mut y);
    // every target is pushed away by the clip (4) along its own axis only
    assert_eq!(y, [-0.4, -0.4, 1.4, 0.0, 0.0, 1.4]);
    let mut y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0];
    step.clip = None;
    apply(&mut step, &mut y);
    assert!(no_nan(&y) && y[3] == 0.0 && y[4] == 0.0, "{y:?}");
    // the loops check the step: 1/ρ must be finite
    let (indptr, indices) = TRIANGLE;
    let g = CsrGraph::new(3, &indptr, &indices, &[1.0f64; 6]).unwrap();
    let config = UmapConfig {
        n_epochs: 5,
        ..UmapConfig::umap_learn(3, 1)
    };
    let mut sgd = OwnedUmapSgd::<f64>::new(&g, &config).unwrap();
    let mut y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0];
    let r = sgd.run(
        &g,
        &mut step,
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut Silent,
    );
    assert!(matches!(r, Err(Error::Param { name: "rho", .. })), "{r:?}");
    assert_eq!(y, [0.0, 0.0, 1.0, 0.0, 0.0, 1.0]); // nothing ran
}

/// `QuadTree::build` over a layout with non-finite points ignores them: an infinite point
/// gave `0 · ∞` = NaN in the force on every other point; now the others feel only the
/// finite points, and a non-finite point feels nothing.
#[test]
fn quadtree_ignores_non_finite_points() {
    let f = |d2: f64| 1.0 / (1.0 + d2);
    let mut stack = Vec::new();
    for bad in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
        let y = [0.0, 0.0, bad, 0.0, 0.0, 1.0, 0.0, bad];
        let mut tree = QuadTree::new();
        tree.build(&y);
        let mut out = [0.0; 2];
        tree.force(&y, 0, 0.5, f, &mut stack, &mut out);
        assert_eq!(out, [0.0, -0.5], "{bad}"); // f(1)·(y_0 - y_2) only
        for i in [1, 3] {
            let mut out = [0.0; 2];
            tree.force(&y, i, 0.5, f, &mut stack, &mut out);
            assert_eq!(out, [0.0, 0.0], "{bad}, point {i}");
        }
    }
}

/// `Frozen::coord(0, 5)` in two dimensions read point 2's first coordinate; a coordinate
/// index `d ≥ dim` now panics (an index precondition, like a slice index), in both sinks.
/// (Where panics abort, as on `wasm32-wasip1`, the test harness skips `should_panic` tests.)
#[test]
#[should_panic(expected = "coordinate index")]
fn frozen_coord_out_of_range_panics() {
    let y = [0.0f64, 1.0, 2.0, 3.0, 4.0, 5.0];
    let mut acc = [0.0; 6];
    let sink = Frozen::new(&y, &mut acc, 2, None);
    let _ = sink.coord(0, 5);
}

/// The same for `InPlace::add`: `add(0, 2, …)` in two dimensions moved point 1.
#[test]
#[should_panic(expected = "coordinate index")]
fn in_place_add_out_of_range_panics() {
    let mut y = [0.0f64; 4];
    InPlace::new(&mut y, 2, None).add(0, 2, 1.0);
}

/// A NaN learning rate given to `Step::apply` directly is the caller's to avoid (documented:
/// `lr` must be finite); the loops validate theirs: `Param { "learning_rate" }`.
#[test]
fn loops_refuse_a_nan_learning_rate() {
    let (indptr, indices) = TRIANGLE;
    let g = CsrGraph::new(3, &indptr, &indices, &[1.0f64; 6]).unwrap();
    let config = UmapConfig {
        learning_rate: f64::NAN,
        ..UmapConfig::umap_learn(3, 1)
    };
    let r = OwnedUmapSgd::<f64>::new(&g, &config);
    assert!(
        matches!(
            r,
            Err(Error::Param {
                name: "learning_rate",
                ..
            })
        ),
        "{r:?}"
    );
    let config = ParallelConfig {
        learning_rate: f64::NAN,
        ..ParallelConfig::new(3, 1)
    };
    let r = ParallelUmap::<f64>::new(&g, &config, 2);
    assert!(
        matches!(
            r,
            Err(Error::Param {
                name: "learning_rate",
                ..
            })
        ),
        "{r:?}"
    );
    // a step driven directly with a finite rate stays finite
    let mut y = [0.0f64, 1.0, 3.0];
    let sample = Sample {
        head: 0,
        tail: 1,
        negatives: &[2],
    };
    NegStep::new(Cauchy, 1.0).apply(
        &mut InPlace::new(&mut y, 1, None),
        sample,
        0.1,
        false,
        &mut [],
    );
    assert!(y.iter().all(|v| v.is_finite()));
}
