//! Full-gradient descent on the negative-sampling population loss (MATH.md §B.5), with exact
//! attraction over the graph's edges and Barnes–Hut repulsion over all pairs.
//!
//! The loss is `L = -Σ_{i≠j} p_ij ln q_ij - m_L Σ_{i≠j} ξ ln(1 - q_ij)`, `q = φ/(φ + s)`,
//! `s = m_L ξ Z̄`, `ξ = 1/(n(n-1))`, `p = w/D_tot`. Its descent direction on `y_i` is
//! `Σ_j (p_ij + p_ji) c_pos(d2_ij) (y_i - y_j) + 2 m_L ξ Σ_k c_neg(d2_ik) (y_i - y_k)`; the
//! second sum runs over all points and is evaluated by a [`QuadTree`] (2-D layouts) or
//! exactly (other dimensions, O(n²)).
//!
//! Sampling cannot make the noise mass `m_L` large without making the repulsion estimate
//! noisy; here `m_L` costs nothing. For far pairs (`φ ≪ s`) the repulsion is t-SNE's with its
//! normaliser `Z` fixed at `Z̄`, and as `m_L → ∞` NEG becomes t-SNE with `Z = Z̄`: this is how
//! the t-SNE end of the spectrum (`Z̄ ≈ 100 n`) reaches t-SNE's quality. The optimiser is
//! t-SNE's: an early phase (attraction × `exaggeration`, and optionally another `Z̄`), momentum
//! 0.5 then 0.8, per-coordinate gains (delta-bar-delta), learning rate `n/12` (van der Maaten
//! 2014; Belkina et al. 2019 for `n/12`).

use crate::Real;
use crate::error::{Error, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::kernel::Kernel;
use crate::quadtree::QuadTree;
use crate::sgd::{Control, EpochInfo, Observer, RunReport};
use alloc::vec;
use alloc::vec::Vec;

/// Settings of [`neg_descent`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy};
/// use neighbor_embed::descent::{neg_descent, DescentConfig};
/// use neighbor_embed::sgd::{Control, EpochInfo};
/// // a 4-cycle; the t-SNE end Z̄ = 100 n, exact repulsion
/// let g = CsrGraph::new(4, &[0, 2, 4, 6, 8], &[1, 3, 0, 2, 1, 3, 0, 2], &[1.0f64; 8])?;
/// let mut y = [0.0, 0.0, 1.0, 0.1, 1.1, 1.0, 0.1, 0.9];
/// let config = DescentConfig { n_iter: 30, early_iter: 10, theta: 0.0, ..DescentConfig::new(400.0) };
/// let mut rates = Vec::new();
/// let mut observer = |info: &EpochInfo<f64>, _: &[f64]| {
///     rates.push(info.learning_rate);
///     Control::Continue
/// };
/// let r = neg_descent(&g, &Cauchy, &mut y, 2, &config, &mut observer)?;
/// assert_eq!(r.epochs, 30);
/// assert!(rates.iter().all(|&lr| lr == 50.0)); // default: max(n/12, 50)
/// assert!(y.iter().all(|v| v.is_finite()));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DescentConfig<T> {
    /// Iterations in all (default 750, as openTSNE).
    pub n_iter: usize,
    /// Iterations of the early phase (default 250).
    pub early_iter: usize,
    /// Attraction factor of the early phase (default 12, t-SNE's early exaggeration).
    pub exaggeration: T,
    /// `Z̄` of the early phase (default `None`: the main `Z̄`).
    pub early_z_bar: Option<f64>,
    /// The fixed normaliser `Z̄` (t-SNE end: `100 n`; UMAP end: `n(n-1)/m`), finite and `> 0`
    /// with `s = m_L Z̄/(n(n-1))` finite and `> 0` in `T`.
    pub z_bar: f64,
    /// Noise mass `m_L` (default 5000; costs nothing here), finite and `> 0` with
    /// `2 m_L/(n(n-1))` finite and `> 0` in `T`.
    pub noise_mass: f64,
    /// Learning rate (default `None`: `max(n/12, 50)`).
    pub learning_rate: Option<T>,
    /// Momentum of the early phase, then of the rest (default 0.5, 0.8).
    pub momentum: (T, T),
    /// Barnes–Hut opening angle (default 0.5; 0 is exact; keep it `≤ 1/√2`, see
    /// [`crate::quadtree`]).
    pub theta: T,
}

impl<T: Real> DescentConfig<T> {
    /// Defaults at normaliser `z_bar`.
    ///
    /// ```
    /// use neighbor_embed::descent::DescentConfig;
    /// let c = DescentConfig::<f64>::new(1000.0);
    /// assert_eq!((c.n_iter, c.early_iter, c.exaggeration), (750, 250, 12.0));
    /// assert_eq!((c.z_bar, c.early_z_bar, c.noise_mass), (1000.0, None, 5000.0));
    /// assert_eq!((c.learning_rate, c.momentum, c.theta), (None, (0.5, 0.8), 0.5));
    /// ```
    pub fn new(z_bar: f64) -> Self {
        DescentConfig {
            n_iter: 750,
            early_iter: 250,
            exaggeration: T::of_f64(12.0),
            early_z_bar: None,
            z_bar,
            noise_mass: 5000.0,
            learning_rate: None,
            momentum: (T::half(), T::of_f64(0.8)),
            theta: T::half(),
        }
    }

    fn check(&self) -> Result<(), Error> {
        let pos = |x: f64| x > 0.0 && x.is_finite();
        check_param("z_bar", self.z_bar, pos(self.z_bar), "a finite number > 0")?;
        if let Some(z) = self.early_z_bar {
            check_param("early_z_bar", z, pos(z), "a finite number > 0")?;
        }
        check_param(
            "noise_mass",
            self.noise_mass,
            pos(self.noise_mass),
            "a finite number > 0",
        )?;
        let e = self.exaggeration;
        check_positive("exaggeration", e)?;
        if let Some(lr) = self.learning_rate {
            check_positive("learning_rate", lr)?;
        }
        for m in [self.momentum.0, self.momentum.1] {
            check_param(
                "momentum",
                m,
                m >= T::zero() && m < T::one(),
                "a number in [0, 1)",
            )?;
        }
        let t = self.theta;
        check_param(
            "theta",
            t,
            t >= T::zero() && t.is_finite(),
            "a finite number >= 0",
        )
    }
}

/// Minimises the NEG population loss of `graph` with `kernel` by full-gradient descent from
/// `coords` (`n × dim`), reporting every iteration to `observer` (which may stop the run).
/// In the report and the observer's figures, an iteration counts one "positive sample" per
/// kept edge and one "negative sample" per point (one evaluation of its repulsion field).
///
/// Errors: invalid configuration, `n < 2`, a graph without positive weight, a layout that is
/// not `n × dim` finite coordinates. The noise mass and the normalisers must also keep the
/// constants the descent computes with, `2 m_L ξ` and `s = m_L ξ Z̄` (`ξ = 1/(n(n-1))`), finite
/// and `> 0` in `T` ([`Error::Param`] naming `noise_mass`, `z_bar` or `early_z_bar`; in `f32` a
/// noise mass of `1e40` is refused).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::OffsetCauchy, sgd::Silent};
/// use neighbor_embed::descent::{neg_descent, DescentConfig};
/// // two triangles far apart in the graph
/// let g = CsrGraph::new(6, &[0, 2, 4, 6, 8, 10, 12], &[1, 2, 0, 2, 0, 1, 4, 5, 3, 5, 3, 4], &[1.0f64; 12])?;
/// let mut y = [0.0, 0.1, 0.2, 0.0, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.0];
/// let config = DescentConfig { n_iter: 200, early_iter: 50, ..DescentConfig::new(600.0) };
/// neg_descent(&g, &OffsetCauchy::new(1.0)?, &mut y, 2, &config, &mut Silent)?;
/// let d = |i: usize, j: usize| ((y[2*i] - y[2*j]).powi(2) + (y[2*i+1] - y[2*j+1]).powi(2)).sqrt();
/// assert!(d(0, 1) < d(0, 3) && d(3, 4) < d(1, 4)); // the triangles separate
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn neg_descent<T: Real, K: Kernel<T>, O: Observer<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    coords: &mut [T],
    dim: usize,
    config: &DescentConfig<T>,
    observer: &mut O,
) -> Result<RunReport, Error> {
    config.check()?;
    let n = graph.n();
    crate::layout::Layout::new(coords, dim)?.check_points(n)?;
    let (d_tot, xi) = totals(graph)?;
    let nf = n as f64;
    let noise = noise_in(config.noise_mass, xi)?;
    let s_main = s_in("z_bar", config.z_bar, config.noise_mass, xi)?;
    let s_early = match config.early_z_bar {
        Some(z) => s_in("early_z_bar", z, config.noise_mass, xi)?,
        None => s_main,
    };
    let lr = config
        .learning_rate
        .unwrap_or_else(|| T::of_f64((nf / 12.0).max(50.0)));
    let mut update = vec![T::zero(); n * dim];
    let mut gains = vec![T::one(); n * dim];
    let mut grad = vec![T::zero(); n * dim];
    let mut tree = QuadTree::new();
    let mut stack = Vec::new();
    let mut report = RunReport::default();
    let kept = graph.kept_nnz() as u64;
    for iter in 0..config.n_iter {
        let early = iter < config.early_iter;
        let s = if early { s_early } else { s_main };
        let exaggeration = if early { config.exaggeration } else { T::one() };
        let momentum = if early {
            config.momentum.0
        } else {
            config.momentum.1
        };
        direction(
            graph,
            kernel,
            coords,
            dim,
            s,
            noise,
            exaggeration,
            config.theta,
            d_tot,
            &mut tree,
            &mut stack,
            &mut grad,
        );
        // t-SNE's update with gains: grad holds the descent direction (-∇L)
        // (a gain grows while the direction keeps the sign of the previous update)
        for k in 0..n * dim {
            let g = grad[k];
            let agree = (g > T::zero()) == (update[k] > T::zero());
            gains[k] = if agree {
                gains[k] + T::of_f64(0.2)
            } else {
                gains[k] * T::of_f64(0.8)
            }
            .max(T::of_f64(0.01));
            update[k] = momentum * update[k] + lr * gains[k] * g;
            coords[k] += update[k];
        }
        report.epochs += 1;
        report.positive_samples += kept;
        report.negative_samples += n as u64;
        let info = EpochInfo {
            epoch: iter,
            n_epochs: config.n_iter,
            learning_rate: lr,
            loss: None,
            positive_samples: kept,
            negative_samples: n as u64,
        };
        if observer.on_epoch(&info, coords) == Control::Stop {
            report.stopped = true;
            break;
        }
    }
    Ok(report)
}

/// Parameters of [`neg_descent_direction`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::descent::{neg_descent_direction, DirectionParams};
/// // the path 0 - 1 - 2 - 3 in the plane
/// let g = CsrGraph::new(4, &[0, 1, 3, 5, 6], &[1, 0, 2, 1, 3, 2], &[1.0f64; 6])?;
/// let y = Layout::new(&[0.0, 0.0, 1.0, 0.5, 2.0, -0.5, 3.5, 0.0], 2)?;
/// let dir = |e: f64| {
///     let p = DirectionParams { z_bar: 40.0, noise_mass: 10.0, exaggeration: e, theta: 0.0 };
///     let mut out = [0.0; 8];
///     neg_descent_direction(&g, &Cauchy, &y, &p, &mut out).map(|()| out)
/// };
/// let (d1, d2, d3) = (dir(1.0)?, dir(2.0)?, dir(3.0)?);
/// // only the attraction is scaled: d(e) = repulsion + e·attraction is linear in e
/// assert!((0..8).all(|k| (d3[k] - 2.0 * d2[k] + d1[k]).abs() < 1e-12));
/// // exact (θ = 0) pair forces are equal and opposite: they sum to zero
/// assert!((0..2).all(|c| (0..4).map(|i| d1[2 * i + c]).sum::<f64>().abs() < 1e-12));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DirectionParams<T> {
    /// The fixed normaliser `Z̄`, finite and `> 0` with `s = m_L Z̄/(n(n-1))` finite and `> 0`
    /// in `T`.
    pub z_bar: f64,
    /// Noise mass `m_L`, finite and `> 0` with `2 m_L/(n(n-1))` finite and `> 0` in `T`.
    pub noise_mass: f64,
    /// Factor on the attraction (1: the plain gradient).
    pub exaggeration: T,
    /// Barnes–Hut opening angle (0: exact; only used for `dim = 2`; keep it `≤ 1/√2`, see
    /// [`crate::quadtree`]).
    pub theta: T,
}

/// The descent direction `-∇L` of the NEG population loss (see the module docs) with
/// attraction multiplied by `exaggeration`, written into `out` (`n × dim`). With `theta = 0`
/// and `exaggeration = 1` it is exactly minus the gradient of [`crate::loss::neg_loss`] with
/// `m = noise_mass`.
///
/// Errors: `out` or the layout not `n × dim`, `n < 2`, a graph without positive weight, a
/// parameter out of its domain ([`Error::Param`] naming it), including a noise mass or `Z̄`
/// that is finite in `f64` but makes `2 m_L ξ` or `s = m_L ξ Z̄` round to 0 or overflow in `T`.
/// An axis along which a point has another's coordinate gets no force from it, even where
/// the coefficient is infinite (outside the guaranteed range the direction may be `±∞`, never
/// NaN).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, layout::Layout};
/// use neighbor_embed::descent::{neg_descent_direction, DirectionParams};
/// use neighbor_embed::loss::{neg_loss, NegParams};
/// let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0, 1.0, 0.5, 0.5])?;
/// let y = Layout::new(&[0.0f64, 0.0, 1.0, 0.5, 3.0, -1.0], 2)?;
/// let p = DirectionParams { z_bar: 20.0, noise_mass: 50.0, exaggeration: 1.0, theta: 0.0 };
/// let mut dir = [0.0; 6];
/// neg_descent_direction(&g, &Cauchy, &y, &p, &mut dir)?;
/// let mut grad = [0.0; 6];
/// neg_loss(&g, &Cauchy, &y, &NegParams { z_bar: 20.0, m: 50.0 }, Some(&mut grad))?;
/// assert!(dir.iter().zip(&grad).all(|(d, g)| (d + g).abs() < 1e-12));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn neg_descent_direction<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    layout: &crate::layout::Layout<T>,
    params: &DirectionParams<T>,
    out: &mut [T],
) -> Result<(), Error> {
    crate::loss::check_inputs(graph, layout, Some(out))?;
    let pos = |x: f64| x > 0.0 && x.is_finite();
    check_param(
        "z_bar",
        params.z_bar,
        pos(params.z_bar),
        "a finite number > 0",
    )?;
    check_param(
        "noise_mass",
        params.noise_mass,
        pos(params.noise_mass),
        "a finite number > 0",
    )?;
    let e = params.exaggeration;
    check_positive("exaggeration", e)?;
    let t = params.theta;
    check_param(
        "theta",
        t,
        t >= T::zero() && t.is_finite(),
        "a finite number >= 0",
    )?;
    let (d_tot, xi) = totals(graph)?;
    let noise = noise_in(params.noise_mass, xi)?;
    let s = s_in("z_bar", params.z_bar, params.noise_mass, xi)?;
    let mut tree = QuadTree::new();
    let mut stack = Vec::new();
    direction(
        graph,
        kernel,
        layout.coords(),
        layout.dim(),
        s,
        noise,
        e,
        t,
        d_tot,
        &mut tree,
        &mut stack,
        out,
    );
    Ok(())
}

/// The descent direction on validated inputs (see [`neg_descent_direction`]).
#[allow(clippy::too_many_arguments)]
fn direction<T: Real, K: Kernel<T>>(
    graph: &CsrGraph<T>,
    kernel: &K,
    coords: &[T],
    dim: usize,
    s: T,
    noise: T,
    exaggeration: T,
    theta: T,
    d_tot: T,
    tree: &mut QuadTree<T>,
    stack: &mut Vec<u32>,
    grad: &mut [T],
) {
    let n = graph.n();
    grad.fill(T::zero());
    for (i, j, w) in graph.edges() {
        if i == j || w == T::zero() {
            continue;
        }
        let (yi, yj) = (
            &coords[i * dim..(i + 1) * dim],
            &coords[j * dim..(j + 1) * dim],
        );
        let d2 = crate::layout::sq_dist(yi, yj);
        if d2 == T::zero() {
            continue;
        }
        let c = exaggeration * (w / d_tot) * kernel.c_pos(d2, s);
        for d in 0..dim {
            let f = c * (yi[d] - yj[d]);
            // an infinite coefficient times a zero difference: no force along this axis
            let f = if f.is_nan() { T::zero() } else { f };
            grad[i * dim + d] += f;
            grad[j * dim + d] -= f;
        }
    }
    let repulse = |d2: T| kernel.c_neg(d2, s);
    if dim == 2 {
        tree.build(coords);
        for i in 0..n {
            let mut f = [T::zero(); 2];
            tree.force(coords, i, theta, repulse, stack, &mut f);
            grad[2 * i] += noise * f[0];
            grad[2 * i + 1] += noise * f[1];
        }
    } else {
        for i in 0..n {
            let yi = &coords[i * dim..(i + 1) * dim];
            for k in 0..n {
                let yk = &coords[k * dim..(k + 1) * dim];
                let d2 = crate::layout::sq_dist(yi, yk);
                if k == i || d2 == T::zero() {
                    continue;
                }
                let c = noise * repulse(d2);
                for d in 0..dim {
                    let f = c * (yi[d] - yk[d]);
                    // an infinite coefficient times a zero difference: no force along this axis
                    grad[i * dim + d] += if f.is_nan() { T::zero() } else { f };
                }
            }
        }
    }
}

/// The repulsion's factor `2 m_L ξ` (both ordered pairs) in `T`. `noise_mass` is checked in
/// `f64`; the factor must also be finite and `> 0` in `T` (a noise mass of `1e40` is finite in
/// `f64` but makes it `∞` in `f32`, and `∞ · 0` NaN): [`Error::Param`] naming `noise_mass`.
fn noise_in<T: Real>(noise_mass: f64, xi: f64) -> Result<T, Error> {
    let noise = T::of_f64(2.0 * noise_mass * xi);
    check_param(
        "noise_mass",
        noise_mass,
        noise > T::zero() && noise.is_finite(),
        "a finite number > 0 with 2·noise_mass finite and 2·noise_mass/(n(n-1)) finite and > 0 \
         in the float type (representable in it)",
    )?;
    Ok(noise)
}

/// The classifier constant `s = m_L ξ Z̄` in `T`, which must be finite and `> 0` there:
/// [`Error::Param`] naming the normaliser (`name`, value `z`) otherwise.
fn s_in<T: Real>(name: &'static str, z: f64, noise_mass: f64, xi: f64) -> Result<T, Error> {
    let s = T::of_f64(noise_mass * xi * z);
    check_param(
        name,
        z,
        s > T::zero() && s.is_finite(),
        "a finite number > 0 such that s = noise_mass·z_bar/(n(n-1)) is finite and > 0 in the \
         float type (representable in it)",
    )?;
    Ok(s)
}

/// `D_tot` and `ξ = 1/(n(n-1))`, or the error that makes the NEG loss undefined.
fn totals<T: Real>(graph: &CsrGraph<T>) -> Result<(T, f64), Error> {
    let n = graph.n();
    if n < 2 {
        return Err(Error::Degenerate {
            reason: "the noise distribution over ordered pairs needs at least 2 points",
        });
    }
    let d_tot = crate::loss::check_total(graph)?;
    if d_tot <= T::zero() {
        return Err(Error::Degenerate {
            reason: "the graph has no edge of positive weight",
        });
    }
    let nf = n as f64;
    Ok((d_tot, 1.0 / (nf * (nf - 1.0))))
}
