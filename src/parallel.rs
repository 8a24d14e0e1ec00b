//! A deterministic multi-threaded UMAP loop (feature `std`): umap-learn's sampling schedule
//! with uwot's "batch" update, so the result is **bit-identical for any number of threads**.
//!
//! [`crate::sgd::UmapSgd`] moves points in place, sample after sample, so its result depends on
//! the order of the samples and it cannot be split across threads without changing the bits
//! (umap-learn's parallel mode is not reproducible). Here every epoch reads the positions as
//! they were at its start, each head vertex accumulates its own gradient, and the update is
//! applied once all heads are done (uwot's `batch = TRUE`). Nothing a thread computes depends
//! on another thread, so the split of the work changes nothing.
//!
//! # The algorithm, exactly
//!
//! Construction ([`ParallelUmap::new`]): the graph must be symmetric (`w_ij = w_ji` exactly
//! for every kept entry, [`CsrGraph::check_symmetric`] with tolerance 0). Each stored entry `p`
//! gets umap-learn's period `ε_p` from [`crate::sgd::epochs_per_sample`] (`∞` for entries
//! removed by the graph's threshold) and the clocks `next_p = ε_p`,
//! `next_neg_p = ε_p/m` (MATH.md §B.2).
//!
//! Epoch `t = 0, 1, …, N-1`, with `Y` the positions at the start of the epoch (read-only) and
//! `g_i = 0` for every vertex:
//!
//! 1. For every head `i` (any thread, any order of heads), for every stored entry `p = (i, j)`
//!    of row `i` **in CSR order** with `next_p ≤ t` (the same due rule and floating-point
//!    arithmetic as [`crate::sgd::UmapSgd`], so the sample counts are umap-learn's):
//!    - attraction: `d² = ‖y_i - y_j‖²`; if `d² > 0`, `c = c_att(d²)` and for each
//!      coordinate `g_i += 2·clip(c (y_i - y_j))`. Only the head moves: the tail gets the
//!      mirror force from the stored reverse entry `(j, i)`, which has the same weight, hence
//!      the same clocks, hence is due in the same epochs. The factor 2 (uwot's) stands for the
//!      pull umap-learn gives `i` as the *tail* of `(j, i)`, so the expected attraction per
//!      epoch is umap-learn's;
//!    - `next_p += ε_p`; `n_neg = ⌊(t - next_neg_p)/(ε_p/m)⌋` (0 if negative),
//!      `next_neg_p += n_neg·ε_p/m`;
//!    - `n_neg` negatives `k = bounded(rng_i, n)`, where `rng_i` is the stream
//!      `Pcg32::for_stream(seed ^ splitmix64(t), i)` (= `Pcg32::new(splitmix64(seed ^
//!      splitmix64(t)), i)`, see [`crate::rng`]), shared by all edges of head `i` in epoch `t`
//!      and drawn in order. `k = i` is skipped (counted, as umap-learn wastes it); otherwise,
//!      if `d² = ‖y_i - y_k‖² > 0`, `g_i += clip(c_rep(d², γ, ε) (y_i - y_k))` per coordinate.
//!      The negative itself never moves. Coincident points exert no force.
//!
//!    `clip(x)` clamps each coordinate of each single contribution to `[-clip, clip]`
//!    (umap-learn: ±4) before it is added, NaN (an infinite coefficient times a zero
//!    difference) becomes 0. The contributions to `g_i` are added in the order above.
//! 2. When every head is done, with the learning rate `α_t = α0 (1 - max(t-1, 0)/N)` (umap-learn's
//!    and uwot's one-epoch lag), every coordinate is updated independently:
//!    - [`Optimizer::Sgd`]: `y += α_t g`;
//!    - [`Optimizer::Adam`] (uwot's batch optimiser): `m = β1 m + (1-β1) g`,
//!      `v = β2 v + (1-β2) g²`, `y += α_t (m/(1-β1^{t+1})) / (√(v/(1-β2^{t+1})) + eps)`, with
//!      `m = v = 0` at the start and `g` the update direction (uwot's sign convention).
//!      Epoch 0 samples nothing (every period is `≥ 1`) but counts as Adam's first step, as in
//!      uwot.
//!
//! The random streams depend on `(seed, epoch, vertex)` only and every `g_i` is computed by one
//! thread in a fixed order from read-only positions, so the output is the same, bit for bit,
//! for 1, 2 or 64 threads, and the same whether the epochs run in one call or several.
//!
//! # Threads and memory
//!
//! The heads are cut into contiguous ranges of about equal stored-edge counts (one range for
//! one thread, eight per thread otherwise); the threads of a run (scoped, started once per call
//! of [`ParallelUmap::run`], the calling thread being one of them) claim ranges one after the
//! other, so a slow core does not hold the others up. The update of step 2 runs on the calling
//! thread, which also calls the observer. Nothing is allocated inside the epoch loop: the
//! schedule (24 bytes per stored entry), the gradient (`n·dim` values) and Adam's moments
//! (`2·n·dim`) are allocated by [`ParallelUmap::new`], the per-range bookkeeping once per call
//! of `run`.

use crate::Real;
use crate::dispatch::{self, Hot};
use crate::error::{Error, check_param, check_positive};
use crate::fast_math::{LANES, pad_x};
use crate::graph::CsrGraph;
use crate::kernel::BceKernel;
use crate::layout::Layout;
use crate::rng::{Pcg32, StreamRng, bounded, splitmix64};
use crate::sgd::{Control, EpochInfo, Observer, RunReport, epochs_per_sample};
use crate::step::clip_to;
use alloc::vec::Vec;
use core::ops::Range;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, RwLock};

/// The most threads a run may ask for ([`ParallelConfig::threads`]).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, parallel::{MAX_THREADS, ParallelConfig, ParallelUmap}};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
/// let too_many = ParallelConfig { threads: MAX_THREADS + 1, ..Default::default() };
/// assert!(ParallelUmap::new(&g, &too_many, 2).is_err());
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub const MAX_THREADS: usize = 1024;

/// How the accumulated gradient of an epoch moves the points (step 2 of the
/// [module docs](self)).
///
/// ```
/// use neighbor_embed::parallel::Optimizer;
/// // uwot's defaults for `batch = TRUE`
/// assert_eq!(Optimizer::UWOT_ADAM, Optimizer::Adam { beta1: 0.5, beta2: 0.9, eps: 1e-7 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Plain SGD: `y += α_t g`.
    Sgd,
    /// Adam (Kingma & Ba 2014) as uwot applies it per coordinate, with bias correction.
    Adam {
        /// Decay of the first moment, in `[0, 1)`, also once rounded to the float type
        /// (uwot: 0.5).
        beta1: f64,
        /// Decay of the second moment, in `[0, 1)`, also once rounded to the float type
        /// (uwot: 0.9).
        beta2: f64,
        /// Added to `√v̂`, finite and `> 0`, also once converted to the float type (in `f32`,
        /// `1e-50` is 0: refused) (uwot: `1e-7`).
        eps: f64,
    },
}

impl Optimizer {
    /// uwot's Adam settings for its batch mode: `β1 = 0.5`, `β2 = 0.9`, `eps = 1e-7`.
    ///
    /// ```
    /// use neighbor_embed::parallel::Optimizer;
    /// let Optimizer::Adam { beta1, .. } = Optimizer::UWOT_ADAM else { unreachable!() };
    /// assert_eq!(beta1, 0.5);
    /// ```
    pub const UWOT_ADAM: Optimizer = Optimizer::Adam {
        beta1: 0.5,
        beta2: 0.9,
        eps: 1e-7,
    };
}

/// Settings of a [`ParallelUmap`] run.
///
/// ```
/// use neighbor_embed::parallel::{Optimizer, ParallelConfig};
/// let c = ParallelConfig::new(70_000, 42);
/// assert_eq!((c.n_epochs, c.seed, c.threads), (200, 42, 0));
/// let sgd = ParallelConfig { optimizer: Optimizer::Sgd, learning_rate: 1.0, ..c };
/// assert_eq!(sgd.negative_rate, 5.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParallelConfig {
    /// Total number of epochs `N` (sets the schedule and the learning-rate decay); at least 1.
    pub n_epochs: usize,
    /// Initial learning rate `α0`, finite and `> 0`, also once converted to the float type.
    pub learning_rate: f64,
    /// Negative samples per positive sample `m ∈ [0, 1e6]`, may be fractional (umap-learn: 5).
    pub negative_rate: f64,
    /// Repulsion strength `γ`, finite and `≥ 0`, also in the float type (umap-learn: 1).
    pub gamma: f64,
    /// Repulsion regulariser `ε` of `c_rep` in squared embedding units, finite and `≥ 0`, also
    /// in the float type (umap-learn: 0.001).
    pub repulsion_eps: f64,
    /// Per-coordinate clip of every single contribution, `> 0`, also once converted to the
    /// float type (`∞`: none; umap-learn: 4).
    pub clip: f64,
    /// Seed of the random streams.
    pub seed: u64,
    /// The update rule.
    pub optimizer: Optimizer,
    /// Threads to use, at most [`MAX_THREADS`]; 0 = as many as the machine offers. The result
    /// does not depend on it.
    pub threads: usize,
}

impl ParallelConfig {
    /// The tuned defaults for `n` points: umap-learn's epochs (`N = 500` for `n ≤ 10 000`, else
    /// 200), `m = 5`, `γ = 1`, `ε = 0.001`, clip 4, all threads, and uwot's batch optimiser:
    /// [`Optimizer::UWOT_ADAM`] with `α0 = 1`.
    ///
    /// From the fixtures' graph and initial layout these reach umap-learn's quality (kNN
    /// preservation / kNN accuracy, `tests/parallel.rs`): digits 0.542 / 0.987 (umap-learn
    /// 0.536 / 0.988), mnist70k 0.128 / 0.975 (umap-learn 0.128 / 0.975). Plain SGD in batch
    /// mode needs a smaller rate and is still further off on mnist70k: `α0 = 0.5` gives
    /// 0.529 / 0.987 and 0.124 / 0.975, `α0 = 1` gives 0.522 / 0.987 and 0.115 / 0.974.
    ///
    /// ```
    /// use neighbor_embed::parallel::ParallelConfig;
    /// assert_eq!(ParallelConfig::new(1797, 0).n_epochs, 500);
    /// ```
    pub fn new(n: usize, seed: u64) -> Self {
        ParallelConfig {
            n_epochs: if n <= 10_000 { 500 } else { 200 },
            learning_rate: 1.0,
            negative_rate: 5.0,
            gamma: 1.0,
            repulsion_eps: 0.001,
            clip: 4.0,
            seed,
            optimizer: Optimizer::UWOT_ADAM,
            threads: 0,
        }
    }

    fn check(&self) -> Result<(), Error> {
        check_param(
            "n_epochs",
            self.n_epochs as f64,
            self.n_epochs >= 1,
            "at least 1",
        )?;
        crate::sgd::check_rates(self.learning_rate, self.negative_rate)?;
        check_param(
            "gamma",
            self.gamma,
            self.gamma >= 0.0 && self.gamma.is_finite(),
            "a finite number >= 0",
        )?;
        check_param(
            "repulsion_eps",
            self.repulsion_eps,
            self.repulsion_eps >= 0.0 && self.repulsion_eps.is_finite(),
            "a finite number >= 0",
        )?;
        check_param("clip", self.clip, self.clip > 0.0, "a number > 0")?;
        check_param(
            "threads",
            self.threads as f64,
            self.threads <= MAX_THREADS,
            "at most 1024 (0 = all)",
        )?;
        if let Optimizer::Adam { beta1, beta2, eps } = self.optimizer {
            check_param("beta1", beta1, (0.0..1.0).contains(&beta1), "in [0, 1)")?;
            check_param("beta2", beta2, (0.0..1.0).contains(&beta2), "in [0, 1)")?;
            check_positive("eps", eps)?;
        }
        Ok(())
    }

    /// The checks of [`ParallelConfig::check`] repeated on the values the run computes with,
    /// after their conversion to `T`: a parameter valid in `f64` may round to 0 or overflow to
    /// `∞` in `f32` (Adam's `eps = 1e-50` is 0 there, and the first update `0/0`; a learning
    /// rate of `1e39` is `∞`, and `∞ · 0` is NaN).
    fn check_in<T: Real>(&self) -> Result<(), Error> {
        let lr = T::of_f64(self.learning_rate);
        check_param(
            "learning_rate",
            self.learning_rate,
            lr > T::zero() && lr.is_finite(),
            IN_T_POSITIVE,
        )?;
        for (name, value) in [("gamma", self.gamma), ("repulsion_eps", self.repulsion_eps)] {
            check_param(name, value, T::of_f64(value).is_finite(), IN_T_NONNEG)?;
        }
        check_param(
            "clip",
            self.clip,
            T::of_f64(self.clip) > T::zero(),
            "a number > 0 that stays > 0 in the float type (representable in it; +inf: no clip)",
        )?;
        if let Optimizer::Adam { beta1, beta2, eps } = self.optimizer {
            for (name, beta) in [("beta1", beta1), ("beta2", beta2)] {
                check_param(
                    name,
                    beta,
                    T::of_f64(beta) < T::one(),
                    "in [0, 1) and below 1 in the float type (representable in it)",
                )?;
            }
            let e = T::of_f64(eps);
            check_param("eps", eps, e > T::zero() && e.is_finite(), IN_T_POSITIVE)?;
        }
        Ok(())
    }

    /// The number of threads a run uses.
    fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |t| t.get()),
            t => t,
        }
    }
}

/// The domain of a parameter that must be `> 0` and finite once converted to the float type.
const IN_T_POSITIVE: &str =
    "a finite number > 0 that stays finite and > 0 in the float type (representable in it)";
/// The domain of a parameter that must be `≥ 0` and finite once converted to the float type.
const IN_T_NONNEG: &str =
    "a finite number >= 0 that stays finite in the float type (representable in it)";

impl Default for ParallelConfig {
    /// [`ParallelConfig::new`] for a small data set (500 epochs), seed 0.
    ///
    /// ```
    /// use neighbor_embed::parallel::ParallelConfig;
    /// assert_eq!(ParallelConfig::default(), ParallelConfig::new(0, 0));
    /// ```
    fn default() -> Self {
        ParallelConfig::new(0, 0)
    }
}

/// The resumable state of a deterministic multi-threaded run (see the [module docs](self)).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sgd::Silent};
/// use neighbor_embed::parallel::{ParallelConfig, ParallelUmap};
/// // a triangle plus a pendant vertex, both directions stored
/// let g = CsrGraph::new(4, &[0, 2, 4, 7, 8], &[1, 2, 0, 2, 0, 1, 3, 2], &[1.0f32, 0.5, 1.0, 0.8, 0.5, 0.8, 0.3, 0.3])?;
/// let kernel = Umap::<f32>::umap_learn_default();
/// let start = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0, 5.0, 5.0];
/// let mut outputs = Vec::new();
/// for threads in [1, 2, 3] {
///     let config = ParallelConfig { n_epochs: 50, threads, ..ParallelConfig::new(4, 7) };
///     let mut run = ParallelUmap::new(&g, &config, 2)?;
///     let mut y = start;
///     let report = run.run(&g, &kernel, &mut y, usize::MAX, &mut Silent)?;
///     assert_eq!(report.epochs, 50);
///     outputs.push(y);
/// }
/// assert!(outputs.iter().all(|y| y == &outputs[0])); // the same bits for any thread count
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ParallelUmap<T> {
    n: usize,
    nnz: usize,
    dim: usize,
    min_weight: f64,
    epoch: usize,
    config: ParallelConfig,
    threads: usize,
    /// Boundaries of the head ranges (`ranges + 1` vertices, from 0 to `n`).
    bounds: Vec<usize>,
    /// `ε_p` of every stored entry.
    period: Vec<f64>,
    /// `next_p`, `next_neg_p` of every stored entry.
    clocks: Vec<f64>,
    /// The epoch's gradient, `n × dim`.
    grad: Vec<T>,
    /// Adam's first and second moments, `n × dim` each (empty for SGD).
    first: Vec<T>,
    second: Vec<T>,
}

impl<T: Real> ParallelUmap<T> {
    /// A fresh run of `config` on `graph` (its threshold, e.g.
    /// [`CsrGraph::with_umap_filter`], decides which entries exist) for layouts of dimension
    /// `dim`; allocates every buffer the run needs.
    ///
    /// Errors: a parameter of `config` out of its domain or `dim = 0` ([`Error::Param`] naming
    /// it), `n·dim` overflowing, or an asymmetric graph ([`crate::GraphError::Asymmetric`]
    /// naming the first entry without an equal reverse entry). The domains hold in `T` too:
    /// a parameter that rounds to 0 or overflows to `∞` when converted to `T` (in `f32`: Adam's
    /// `eps = 1e-50`, a learning rate or `γ` of `1e39`) is [`Error::Param`] naming it.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, parallel::{ParallelConfig, ParallelUmap}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 0.5])?;
    /// let err = ParallelUmap::new(&g, &ParallelConfig::default(), 2).unwrap_err();
    /// assert!(matches!(err, neighbor_embed::Error::Graph(_))); // 1.0 vs 0.5: not symmetric
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(
        graph: &CsrGraph<'_, T>,
        config: &ParallelConfig,
        dim: usize,
    ) -> Result<Self, Error> {
        config.check()?;
        config.check_in::<T>()?;
        check_param("dim", dim as f64, dim >= 1, "at least 1")?;
        let (n, nnz) = (graph.n(), graph.nnz());
        let size = n.checked_mul(dim).ok_or(Error::Param {
            name: "dim",
            value: dim as f64,
            expected: "small enough that n * dim fits in usize",
        })?;
        let clock_len = nnz.checked_mul(2).ok_or(Error::Degenerate {
            reason: "the graph has too many entries for this platform",
        })?;
        graph.check_symmetric(T::zero())?;
        let mut period = alloc::vec![0.0; nnz];
        epochs_per_sample(graph, config.n_epochs, &mut period)?;
        let mut clocks = alloc::vec![0.0; clock_len];
        let m = config.negative_rate;
        for (c, &eps) in clocks.chunks_exact_mut(2).zip(&period) {
            c[0] = eps;
            c[1] = if m > 0.0 { eps / m } else { f64::INFINITY };
        }
        let adam = matches!(config.optimizer, Optimizer::Adam { .. });
        let moments = if adam { size } else { 0 };
        let threads = config.thread_count().clamp(1, n.max(1));
        let ranges = if threads == 1 { 1 } else { 8 * threads };
        Ok(ParallelUmap {
            n,
            nnz,
            dim,
            min_weight: graph.min_weight().as_f64(),
            epoch: 0,
            config: *config,
            threads,
            bounds: split_heads(graph.indptr(), ranges),
            period,
            clocks,
            grad: alloc::vec![T::zero(); size],
            first: alloc::vec![T::zero(); moments],
            second: alloc::vec![T::zero(); moments],
        })
    }

    /// The next epoch to run (0 for a fresh state; `n_epochs` when finished).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, parallel::{ParallelConfig, ParallelUmap}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// assert_eq!(ParallelUmap::new(&g, &ParallelConfig::default(), 2)?.epoch(), 0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// `N`, the run's number of epochs.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, parallel::{ParallelConfig, ParallelUmap}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let config = ParallelConfig { n_epochs: 30, ..Default::default() };
    /// assert_eq!(ParallelUmap::new(&g, &config, 2)?.n_epochs(), 30);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n_epochs(&self) -> usize {
        self.config.n_epochs
    }

    /// Whether every epoch has run.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sgd::Silent};
    /// use neighbor_embed::parallel::{ParallelConfig, ParallelUmap};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let mut run = ParallelUmap::new(&g, &ParallelConfig { n_epochs: 3, ..Default::default() }, 1)?;
    /// let mut y = [0.0, 1.0];
    /// run.run(&g, &Umap::umap_learn_default(), &mut y, usize::MAX, &mut Silent)?;
    /// assert!(run.finished());
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn finished(&self) -> bool {
        self.epoch >= self.config.n_epochs
    }

    /// The number of threads a run uses: `config.threads` (0: the machine's parallelism),
    /// at most `n`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, parallel::{ParallelConfig, ParallelUmap}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let config = ParallelConfig { threads: 8, ..Default::default() };
    /// assert_eq!(ParallelUmap::new(&g, &config, 2)?.threads(), 2); // one head per thread at most
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs up to `epochs` more epochs (stopping at `n_epochs` or when the observer says so)
    /// on `coords` (`n × dim`, row-major), with the attraction and repulsion coefficients of
    /// `kernel` ([`BceKernel::c_att`], [`BceKernel::c_rep`]; any math mode). The observer is
    /// called on the calling thread after every epoch; it gets no loss (`EpochInfo::loss` is
    /// `None`).
    ///
    /// Errors (nothing is run): the graph is not the one the state was built for (vertex or
    /// entry count, threshold: [`Error::Degenerate`]), `coords` is not `n × dim`
    /// ([`Error::Layout`] or [`Error::PointCount`]) or holds a non-finite coordinate
    /// ([`crate::LayoutError::NonFinite`] naming it).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sgd::{Control, EpochInfo}};
    /// use neighbor_embed::parallel::{ParallelConfig, ParallelUmap};
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
    /// let config = ParallelConfig { n_epochs: 100, threads: 2, ..ParallelConfig::new(3, 1) };
    /// let mut run = ParallelUmap::new(&g, &config, 2)?;
    /// let mut y = [0.0f32, 0.0, 8.0, 0.0, 0.0, 8.0];
    /// let kernel = Umap::<f32>::umap_learn_default().fast();
    /// // run 10 epochs, watching each, then the rest
    /// let mut seen = 0;
    /// let mut watch = |info: &EpochInfo<f32>, _: &[f32]| { seen += info.positive_samples; Control::Continue };
    /// let first = run.run(&g, &kernel, &mut y, 10, &mut watch)?;
    /// assert_eq!((first.epochs, first.positive_samples), (10, seen));
    /// let rest = run.run(&g, &kernel, &mut y, usize::MAX, &mut neighbor_embed::sgd::Silent)?;
    /// assert_eq!(rest.epochs, 90);
    /// assert!(y.iter().all(|v| v.is_finite()));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn run<K, O>(
        &mut self,
        graph: &CsrGraph<'_, T>,
        kernel: &K,
        coords: &mut [T],
        epochs: usize,
        observer: &mut O,
    ) -> Result<RunReport, Error>
    where
        K: BceKernel<T> + Sync,
        O: Observer<T>,
    {
        if graph.n() != self.n
            || graph.nnz() != self.nnz
            || graph.min_weight().as_f64() != self.min_weight
        {
            return Err(Error::Degenerate {
                reason: "the graph differs from the one this state was built for",
            });
        }
        Layout::new(coords, self.dim)?.check_points(self.n)?;
        let start = self.epoch;
        let end = self.config.n_epochs.min(start.saturating_add(epochs));
        if start >= end {
            return Ok(RunReport::default());
        }
        let c = &self.config;
        let ctx = Context {
            graph: *graph,
            kernel,
            period: &self.period,
            dim: self.dim,
            n: self.n as u32,
            negative_rate: c.negative_rate,
            gamma: T::of_f64(c.gamma),
            eps: T::of_f64(c.repulsion_eps),
            clip: T::of_f64(c.clip),
            seed: c.seed,
        };
        let ranges = make_ranges(
            &self.bounds,
            graph.indptr(),
            self.dim,
            &mut self.clocks,
            &mut self.grad,
            &mut self.first,
            &mut self.second,
        );
        let shared = Shared {
            ctx,
            ranges: &ranges,
            coords: RwLock::new(coords),
            gate: Gate::new(self.threads.min(ranges.len())),
            next_range: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        };
        let mut report = RunReport::default();
        std::thread::scope(|s| {
            for _ in 1..shared.gate.parties() {
                let spawned = std::thread::Builder::new()
                    .spawn_scoped(s, || worker(&shared, start..end))
                    .is_ok();
                if !spawned {
                    // the other threads share its ranges; the result is the same
                    shared.gate.leave();
                }
            }
            let _abort = AbortOnPanic(&shared.gate);
            for epoch in start..end {
                shared.gradient_pass(epoch);
                if !shared.gate.wait() {
                    return;
                }
                let info = shared.update(epoch, &self.config);
                report.epochs += 1;
                report.positive_samples += info.positive_samples;
                report.negative_samples += info.negative_samples;
                let positions = shared.coords.read().unwrap_or_else(PoisonError::into_inner);
                if observer.on_epoch(&info, &positions) == Control::Stop {
                    report.stopped = true;
                    shared.stop.store(true, Ordering::SeqCst);
                }
                drop(positions);
                if !shared.gate.wait() || report.stopped {
                    return;
                }
            }
        });
        self.epoch = start + report.epochs;
        Ok(report)
    }
}

/// `ranges + 1` head boundaries from 0 to `n` cutting the stored entries into about equal parts
/// (by `indptr`; empty ranges are allowed).
fn split_heads(indptr: &[u32], ranges: usize) -> Vec<usize> {
    let n = indptr.len() - 1;
    let nnz = u64::from(indptr[n]);
    let mut bounds = Vec::with_capacity(ranges + 1);
    bounds.push(0);
    for r in 1..ranges {
        let target = nnz * r as u64;
        let v = indptr.partition_point(|&x| u64::from(x) * (ranges as u64) < target);
        bounds.push(v.clamp(bounds[r - 1], n));
    }
    bounds.push(n);
    bounds
}

/// What every thread reads during a run.
struct Context<'a, T, K> {
    graph: CsrGraph<'a, T>,
    kernel: &'a K,
    period: &'a [f64],
    dim: usize,
    n: u32,
    negative_rate: f64,
    gamma: T,
    eps: T,
    clip: T,
    seed: u64,
}

/// A contiguous range of heads with its slices of the mutable state.
struct HeadRange<'a, T> {
    heads: Range<usize>,
    /// The range's first stored entry.
    first_entry: usize,
    clocks: &'a mut [f64],
    grad: &'a mut [T],
    first: &'a mut [T],
    second: &'a mut [T],
    positive: u64,
    negative: u64,
}

#[allow(clippy::too_many_arguments)]
fn make_ranges<'a, T>(
    bounds: &[usize],
    indptr: &[u32],
    dim: usize,
    mut clocks: &'a mut [f64],
    mut grad: &'a mut [T],
    mut first: &'a mut [T],
    mut second: &'a mut [T],
) -> Vec<Mutex<HeadRange<'a, T>>> {
    let adam = !first.is_empty();
    let mut out = Vec::with_capacity(bounds.len() - 1);
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let entries = (indptr[b] - indptr[a]) as usize;
        let values = (b - a) * dim;
        let (c, rest) = core::mem::take(&mut clocks).split_at_mut(2 * entries);
        clocks = rest;
        let (g, rest) = core::mem::take(&mut grad).split_at_mut(values);
        grad = rest;
        let m = if adam { values } else { 0 };
        let (f, rest) = core::mem::take(&mut first).split_at_mut(m);
        first = rest;
        let (s, rest) = core::mem::take(&mut second).split_at_mut(m);
        second = rest;
        out.push(Mutex::new(HeadRange {
            heads: a..b,
            first_entry: indptr[a] as usize,
            clocks: c,
            grad: g,
            first: f,
            second: s,
            positive: 0,
            negative: 0,
        }));
    }
    out
}

/// Adds `weight · clip(c (a - b))` per coordinate to `g` (NaN, from an infinite coefficient
/// times a zero difference, counts as 0).
#[inline(always)]
fn add_force<T: Real>(g: &mut [T], a: &[T], b: &[T], c: T, clip: T, weight: T) {
    for ((g, &a), &b) in g.iter_mut().zip(a).zip(b) {
        let f = c * (a - b);
        let f = if f.is_nan() {
            T::zero()
        } else {
            clip_to(f, clip)
        };
        *g += weight * f;
    }
}

/// Queue length of [`Jobs`]: a head's forces wait here until their coefficients are computed
/// together.
const QUEUE: usize = 64;

/// The forces on one head waiting for their coefficients, in the order they are added. The
/// positions are fixed during the pass, so the coefficients can be computed whenever it suits:
/// the attractions of the queue together and the repulsions together, [`LANES`] at a time
/// (under `simd` through the kernel's lane functions, which are bit-identical to the scalar
/// ones). The forces are then added in queue order, so the result does not depend on the
/// batching.
struct Jobs<T> {
    other: [usize; QUEUE],
    d2: [T; QUEUE],
    attract: [bool; QUEUE],
    coeff: [T; QUEUE],
    len: usize,
}

impl<T: Real> Jobs<T> {
    fn new() -> Self {
        Jobs {
            other: [0; QUEUE],
            d2: [T::zero(); QUEUE],
            attract: [false; QUEUE],
            coeff: [T::zero(); QUEUE],
            len: 0,
        }
    }

    /// Queues the force of `other` (`d2 > 0`) on the head at `yi`; adds the queue to `g` first
    /// when it is full.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn push<K: BceKernel<T>>(
        &mut self,
        other: usize,
        d2: T,
        attract: bool,
        ctx: &Context<'_, T, K>,
        g: &mut [T],
        yi: &[T],
        y: &[T],
    ) {
        if self.len == QUEUE {
            self.flush(ctx, g, yi, y);
        }
        let q = self.len;
        self.other[q] = other;
        self.d2[q] = d2;
        self.attract[q] = attract;
        self.len = q + 1;
    }

    /// Computes the queued coefficients and adds the forces to `g` in queue order:
    /// `2·clip(c_att (y_i - y_j))` for an attraction, `clip(c_rep (y_i - y_k))` for a
    /// repulsion (through [`crate::dispatch`]: the same bits with or without AVX2).
    fn flush<K: BceKernel<T>>(&mut self, ctx: &Context<'_, T, K>, g: &mut [T], yi: &[T], y: &[T]) {
        dispatch::run(Flush {
            jobs: self,
            ctx,
            g,
            yi,
            y,
        });
    }

    /// [`Jobs::flush`]'s work.
    #[inline(always)]
    fn flush_now<K: BceKernel<T>>(
        &mut self,
        ctx: &Context<'_, T, K>,
        g: &mut [T],
        yi: &[T],
        y: &[T],
    ) {
        for attract in [true, false] {
            let mut idx = [0usize; LANES];
            let mut count = 0;
            for q in 0..self.len {
                if self.attract[q] == attract {
                    idx[count] = q;
                    count += 1;
                    if count == LANES {
                        self.coefficients(ctx, attract, &idx, count);
                        count = 0;
                    }
                }
            }
            if count > 0 {
                self.coefficients(ctx, attract, &idx, count);
            }
        }
        let dim = ctx.dim;
        for q in 0..self.len {
            let k = self.other[q];
            let weight = if self.attract[q] { T::two() } else { T::one() };
            add_force(
                g,
                yi,
                &y[k * dim..(k + 1) * dim],
                self.coeff[q],
                ctx.clip,
                weight,
            );
        }
        self.len = 0;
    }

    /// The coefficients of the queue entries `idx[..count]`, all of one kind.
    #[inline(always)]
    fn coefficients<K: BceKernel<T>>(
        &mut self,
        ctx: &Context<'_, T, K>,
        attract: bool,
        idx: &[usize; LANES],
        count: usize,
    ) {
        let k = ctx.kernel;
        if cfg!(feature = "simd") {
            // padding lanes: d2 = 4, on the lane functions' general path (`pad_x`)
            let mut d2 = [pad_x::<T>() * pad_x::<T>(); LANES];
            for l in 0..count {
                d2[l] = self.d2[idx[l]];
            }
            let c = if attract {
                k.c_att_lanes(&d2)
            } else {
                k.c_rep_lanes(&d2, ctx.gamma, ctx.eps)
            };
            for l in 0..count {
                self.coeff[idx[l]] = c[l];
            }
        } else {
            for &q in &idx[..count] {
                let d2 = self.d2[q];
                self.coeff[q] = if attract {
                    k.c_att(d2)
                } else {
                    k.c_rep(d2, ctx.gamma, ctx.eps)
                };
            }
        }
    }
}

/// [`Jobs::flush`] as a [`Hot`] computation.
struct Flush<'a, 'c, T, K> {
    jobs: &'a mut Jobs<T>,
    ctx: &'a Context<'c, T, K>,
    g: &'a mut [T],
    yi: &'a [T],
    y: &'a [T],
}

impl<T: Real, K: BceKernel<T>> Hot for Flush<'_, '_, T, K> {
    type Output = ();
    const WIDE: bool = false;
    #[inline(always)]
    fn run<const COPY: u8>(self) {
        self.jobs.flush_now(self.ctx, self.g, self.yi, self.y);
    }
}

impl<T: Real> HeadRange<'_, T> {
    /// Step 1 of the module docs for every head of the range, from the positions `y`.
    fn gradient<K: BceKernel<T>>(&mut self, ctx: &Context<'_, T, K>, y: &[T], epoch: usize) {
        let (dim, m) = (ctx.dim, ctx.negative_rate);
        let now = epoch as f64;
        let epoch_seed = ctx.seed ^ splitmix64(epoch as u64);
        let indices = ctx.graph.indices();
        let (mut positive, mut negative) = (0u64, 0u64);
        let mut jobs = Jobs::new();
        for (i, g) in self.heads.clone().zip(self.grad.chunks_exact_mut(dim)) {
            g.fill(T::zero());
            let yi = &y[i * dim..(i + 1) * dim];
            let mut rng: Option<Pcg32> = None;
            for p in ctx.graph.row_range(i) {
                let clock = &mut self.clocks[2 * (p - self.first_entry)..][..2];
                if clock[0] > now {
                    continue;
                }
                let eps = ctx.period[p];
                clock[0] += eps;
                positive += 1;
                let j = indices[p] as usize;
                let d2 = crate::layout::sq_dist(yi, &y[j * dim..(j + 1) * dim]);
                if d2 > T::zero() {
                    jobs.push(j, d2, true, ctx, g, yi, y);
                }
                if m <= 0.0 {
                    continue;
                }
                let eps_neg = eps / m;
                // floor of a value ≥ 1 is its truncation; below 1 no negative is due
                let k = (now - clock[1]) / eps_neg;
                let n_neg = if k >= 1.0 { k as u64 } else { 0 };
                clock[1] += n_neg as f64 * eps_neg;
                negative += n_neg;
                let rng = rng.get_or_insert_with(|| Pcg32::for_stream(epoch_seed, i as u64));
                for _ in 0..n_neg {
                    let k = bounded(rng, ctx.n) as usize;
                    if k == i {
                        continue;
                    }
                    let d2 = crate::layout::sq_dist(yi, &y[k * dim..(k + 1) * dim]);
                    if d2.is_nan() || d2 <= T::zero() {
                        continue;
                    }
                    jobs.push(k, d2, false, ctx, g, yi, y);
                }
            }
            jobs.flush(ctx, g, yi, y);
        }
        self.positive = positive;
        self.negative = negative;
    }

    /// Step 2 of the module docs for the range's coordinates `y` (`heads × dim`).
    fn update(&mut self, y: &mut [T], rule: &Rule<T>) {
        match *rule {
            Rule::Sgd { lr } => {
                for (y, &g) in y.iter_mut().zip(self.grad.iter()) {
                    *y += lr * g;
                }
            }
            Rule::Adam {
                lr,
                beta1,
                beta2,
                correction1,
                correction2,
                eps,
            } => {
                let (one_m1, one_m2) = (T::one() - beta1, T::one() - beta2);
                let moments = self.first.iter_mut().zip(self.second.iter_mut());
                for ((y, &g), (m, v)) in y.iter_mut().zip(self.grad.iter()).zip(moments) {
                    *m = beta1 * *m + one_m1 * g;
                    *v = beta2 * *v + one_m2 * (g * g);
                    let m_hat = *m / correction1;
                    let v_hat = *v / correction2;
                    *y += lr * (m_hat / (v_hat.sqrt() + eps));
                }
            }
        }
    }
}

/// The update of one epoch with its constants.
enum Rule<T> {
    Sgd {
        lr: T,
    },
    Adam {
        lr: T,
        beta1: T,
        beta2: T,
        /// `1 - β1^{t+1}`.
        correction1: T,
        /// `1 - β2^{t+1}`.
        correction2: T,
        eps: T,
    },
}

/// Everything the threads of a run share.
struct Shared<'s, 'h, 'c, T, K> {
    ctx: Context<'s, T, K>,
    ranges: &'s [Mutex<HeadRange<'h, T>>],
    coords: RwLock<&'c mut [T]>,
    gate: Gate,
    next_range: AtomicUsize,
    stop: AtomicBool,
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Real, K: BceKernel<T>> Shared<'_, '_, '_, T, K> {
    /// Claims head ranges until none is left, computing their gradients.
    fn gradient_pass(&self, epoch: usize) {
        let y = self.coords.read().unwrap_or_else(PoisonError::into_inner);
        loop {
            let r = self.next_range.fetch_add(1, Ordering::SeqCst);
            let Some(range) = self.ranges.get(r) else {
                break;
            };
            lock(range).gradient(&self.ctx, &y, epoch);
        }
    }

    /// Applies the epoch's update to every range (calling thread only, between the gates) and
    /// returns the epoch's figures.
    fn update(&self, epoch: usize, config: &ParallelConfig) -> EpochInfo<T> {
        let n_epochs = config.n_epochs;
        let lag = epoch.saturating_sub(1) as f64;
        let lr_f64 = config.learning_rate * (1.0 - lag / n_epochs as f64);
        let lr = T::of_f64(lr_f64);
        let rule = match config.optimizer {
            Optimizer::Sgd => Rule::Sgd { lr },
            Optimizer::Adam { beta1, beta2, eps } => {
                let t = (epoch + 1) as f64;
                Rule::Adam {
                    lr,
                    beta1: T::of_f64(beta1),
                    beta2: T::of_f64(beta2),
                    correction1: T::of_f64(1.0 - libm::pow(beta1, t)),
                    correction2: T::of_f64(1.0 - libm::pow(beta2, t)),
                    eps: T::of_f64(eps),
                }
            }
        };
        let dim = self.ctx.dim;
        let mut y = self.coords.write().unwrap_or_else(PoisonError::into_inner);
        let (mut positive, mut negative) = (0, 0);
        for range in self.ranges {
            let mut range = lock(range);
            let heads = range.heads.clone();
            range.update(&mut y[heads.start * dim..heads.end * dim], &rule);
            positive += range.positive;
            negative += range.negative;
        }
        self.next_range.store(0, Ordering::SeqCst);
        EpochInfo {
            epoch,
            n_epochs,
            learning_rate: lr,
            loss: None,
            positive_samples: positive,
            negative_samples: negative,
        }
    }
}

/// The loop of a helper thread: gradient passes, with the calling thread's update between the
/// two gates of every epoch.
fn worker<T: Real, K: BceKernel<T>>(shared: &Shared<'_, '_, '_, T, K>, epochs: Range<usize>) {
    let _abort = AbortOnPanic(&shared.gate);
    for epoch in epochs {
        shared.gradient_pass(epoch);
        if !shared.gate.wait() || !shared.gate.wait() || shared.stop.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// A barrier whose party count can shrink (a thread that could not be started) and that can be
/// aborted (a thread panicked), so that no thread waits forever.
struct Gate {
    state: Mutex<GateState>,
    turn: Condvar,
}

struct GateState {
    parties: usize,
    arrived: usize,
    generation: u64,
    aborted: bool,
}

impl Gate {
    fn new(parties: usize) -> Self {
        Gate {
            state: Mutex::new(GateState {
                parties: parties.max(1),
                arrived: 0,
                generation: 0,
                aborted: false,
            }),
            turn: Condvar::new(),
        }
    }

    fn parties(&self) -> usize {
        lock(&self.state).parties
    }

    /// Waits until every party has arrived; `false` if the run was aborted.
    fn wait(&self) -> bool {
        let mut s = lock(&self.state);
        if s.aborted {
            return false;
        }
        s.arrived += 1;
        if s.arrived >= s.parties {
            s.arrived = 0;
            s.generation += 1;
            self.turn.notify_all();
            return true;
        }
        let generation = s.generation;
        while s.generation == generation && !s.aborted {
            s = self.turn.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        !s.aborted
    }

    /// One party will never arrive.
    fn leave(&self) {
        let mut s = lock(&self.state);
        s.parties = s.parties.saturating_sub(1).max(1);
        if s.arrived > 0 && s.arrived >= s.parties {
            s.arrived = 0;
            s.generation += 1;
            self.turn.notify_all();
        }
    }

    fn abort(&self) {
        lock(&self.state).aborted = true;
        self.turn.notify_all();
    }
}

/// Aborts the gate when its thread unwinds, so the other threads stop instead of waiting.
struct AbortOnPanic<'a>(&'a Gate);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort();
        }
    }
}
