//! umap-learn's sampling schedule as a resumable SGD loop over a validated CSR graph
//! (MATH.md §B.2).
//!
//! [`UmapSgd`] holds everything a run needs besides the graph and the layout: the epoch counter,
//! the per-edge schedule (`epoch_of_next_sample`, `epoch_of_next_negative_sample`), one random
//! stream per head vertex, and scratch for the negatives of one sample. An epoch walks the
//! edges in CSR order; edge `e` with weight `μ_e` is due every `ε_e = μ_max/μ_e` epochs, and
//! each due sample draws `⌊(epoch - next_neg_e)/(ε_e/m)⌋` negatives uniformly (by [`bounded`])
//! from the head's own stream, then calls a [`Step`]. The learning rate of epoch `n` is
//! `α0 (1 - max(n - 1, 0)/N)` (umap-learn's one-epoch lag). Any [`Step`] plugs in (UMAP's BCE,
//! NEG, NCE, InfoNCE), and any [`Sink`]: [`crate::sink::InPlace`] optimises,
//! [`crate::sink::Frozen`] accumulates the Monte-Carlo estimate of
//! [`crate::expected::expected_update`].
//!
//! Determinism: the same graph, layout, configuration and seed give bit-identical results, and
//! running `k` epochs, keeping the state and running the rest gives the same bits as one run.
//! The loop allocates nothing; [`UmapSgd::new`] (feature `alloc`) allocates the buffers once,
//! [`UmapSgd::with_buffers`] takes caller buffers of the sizes [`UmapSgd::buffer_sizes`] gives.
//! Memory: 24 bytes per stored edge (the two `f64` schedule times and the edge's period `ε_e`,
//! computed once), one RNG per vertex (16 bytes for `Pcg32`), and `O(m)` scratch.
//!
//! Speed: an epoch first marks a row's due edges without branches (in chunks of
//! [`DUE_CHUNK`] entries, one bit each), then runs them; the periods are not recomputed per
//! sample. Both are bookkeeping only: the samples and their order are umap-learn's. The
//! fastest mode is a different order, [`SampleOrder::Lockstep`]: the same samples, sixteen
//! ([`LOCKSTEP_LANES`]) at a time from sixteen heads, which the batched UMAP step evaluates one
//! per SIMD lane.
//!
//! ```
//! use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
//! use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
//! let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
//! let config = UmapConfig { n_epochs: 50, order: SampleOrder::Lockstep, ..UmapConfig::umap_learn(3, 42) };
//! let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config)?;
//! let mut step = BceStep { batched_negatives: true, ..BceStep::umap_learn(Umap::umap_learn_default().fast()) };
//! let mut y = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0];
//! let report = sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 2, None), usize::MAX, &mut Silent)?;
//! assert_eq!(report.positive_samples, 6 * 49); // every edge once per epoch after the first
//! # Ok::<(), neighbor_embed::Error>(())
//! ```

use crate::Real;
use crate::error::{Error, check_len, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::rng::{StreamRng, bounded};
use crate::sink::Sink;
use crate::step::LOCKSTEP_LANES;
use crate::step::{Sample, Step};
use core::marker::PhantomData;

/// A [`UmapSgd`] owning its buffers (feature `alloc`).
///
/// ```
/// use neighbor_embed::{Error, graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
/// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
/// let layout = |seed| -> Result<[f32; 6], Error> {
///     let config = UmapConfig { n_epochs: 30, ..UmapConfig::umap_learn(3, seed) };
///     let mut step = BceStep::umap_learn(Umap::umap_learn_default());
///     let mut y = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0];
///     let mut sink = InPlace::new(&mut y, 2, None);
///     OwnedUmapSgd::<f32>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
///     Ok(y)
/// };
/// assert_eq!(layout(1)?.map(f32::to_bits), layout(1)?.map(f32::to_bits)); // the same bits
/// assert_ne!(layout(1)?, layout(2)?); // another seed draws other negatives
/// # Ok::<(), Error>(())
/// ```
#[cfg(feature = "alloc")]
pub type OwnedUmapSgd<T, R = crate::rng::Pcg32> = UmapSgd<
    T,
    R,
    alloc::vec::Vec<f64>,
    alloc::vec::Vec<R>,
    alloc::vec::Vec<u32>,
    alloc::vec::Vec<T>,
>;

/// A [`UmapSgd`] over caller buffers (no allocation).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, rng::Pcg32, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{BorrowedUmapSgd, OwnedUmapSgd, Silent, UmapConfig};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
/// let config = UmapConfig { n_epochs: 20, ..UmapConfig::umap_learn(2, 3) };
/// // arrays on the stack, of the lengths `buffer_sizes` gives (6, 2, 12, 13)
/// let (mut times, mut negatives, mut coeffs) = ([0.0; 6], [0u32; 12], [0.0; 13]);
/// let mut rngs = [Pcg32::new(0, 0), Pcg32::new(0, 0)]; // overwritten with the seed's streams
/// let mut sgd =
///     BorrowedUmapSgd::with_buffers(&g, &config, &mut times, &mut rngs, &mut negatives, &mut coeffs)?;
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let mut y = [0.0, 3.0];
/// sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 1, None), usize::MAX, &mut Silent)?;
/// // the same bits as a run with owned buffers
/// let mut owned = [0.0, 3.0];
/// let mut sink = InPlace::new(&mut owned, 1, None);
/// OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
/// assert_eq!(y.map(f64::to_bits), owned.map(f64::to_bits));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub type BorrowedUmapSgd<'b, T, R = crate::rng::Pcg32> =
    UmapSgd<T, R, &'b mut [f64], &'b mut [R], &'b mut [u32], &'b mut [T]>;

/// Settings of a umap-learn-schedule run.
///
/// ```
/// use neighbor_embed::{Error, graph::CsrGraph, sgd::{OwnedUmapSgd, UmapConfig}};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
/// // umap-learn's defaults, with a shorter run at a constant learning rate
/// let config = UmapConfig { n_epochs: 50, decay: false, ..UmapConfig::umap_learn(2, 42) };
/// assert!(OwnedUmapSgd::<f64>::new(&g, &config).is_ok());
/// // a run checks every field when it is built
/// let bad = UmapConfig { learning_rate: 0.0, ..config };
/// let err = OwnedUmapSgd::<f64>::new(&g, &bad).err();
/// assert!(matches!(err, Some(Error::Param { name: "learning_rate", .. })));
/// let bad = UmapConfig { negative_pool: Some(3), ..config }; // only 2 points
/// let err = OwnedUmapSgd::<f64>::new(&g, &bad).err();
/// assert!(matches!(err, Some(Error::Param { name: "negative_pool", .. })));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UmapConfig<T> {
    /// Total number of epochs `N` of the run (sets the schedule and the learning-rate decay).
    /// umap-learn: 500 for `n ≤ 10 000`, else 200.
    pub n_epochs: usize,
    /// Initial learning rate `α0 > 0` (umap-learn: 1).
    pub learning_rate: T,
    /// Negative samples per positive sample `m ≥ 0`, may be fractional (umap-learn: 5); at
    /// most `1e6`, which keeps the scratch sizes of [`UmapSgd::buffer_sizes`] (about `2m`
    /// negatives per sample, times [`LOCKSTEP_LANES`] in the lockstep order) within `usize`
    /// on 32-bit targets (checked by [`OwnedUmapSgd::new`] and [`UmapSgd::with_buffers`]).
    pub negative_rate: f64,
    /// Seed of the per-vertex random streams.
    pub seed: u64,
    /// Negatives are drawn uniformly from `0..pool` (default `None`: all `n` points). Embedding
    /// new points against a reference uses the reference rows as the pool.
    pub negative_pool: Option<usize>,
    /// Linear learning-rate decay (umap-learn: on). Off keeps `α0` for every epoch, as the
    /// frozen-layout estimate of the expected update needs.
    pub decay: bool,
    /// The order in which an epoch visits its due samples (umap-learn:
    /// [`SampleOrder::Csr`]).
    pub order: SampleOrder,
}

/// The order in which an epoch of [`UmapSgd`] visits its due samples.
///
/// Both orders visit the same samples: which edges are due and which negatives each sample
/// draws depend only on the edge's schedule and the head's own random stream, never on the
/// order (tested). The order of the updates, and so the floating-point result, differs.
///
/// ```
/// use neighbor_embed::{Error, graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
/// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.5, 1.0, 0.5])?;
/// let run = |order| -> Result<_, Error> {
///     let config = UmapConfig { n_epochs: 40, order, ..UmapConfig::umap_learn(3, 5) };
///     let mut step = BceStep::umap_learn(Umap::umap_learn_default());
///     let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
///     let mut sink = InPlace::new(&mut y, 2, None);
///     OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)
/// };
/// assert_eq!(SampleOrder::default(), SampleOrder::Csr);
/// // the same samples and the same number of negatives, in another order
/// assert_eq!(run(SampleOrder::Csr)?, run(SampleOrder::Lockstep)?);
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SampleOrder {
    /// umap-learn's: heads `0..n` in turn, each head's due edges in storage order, one
    /// [`Step::apply`] per sample.
    #[default]
    Csr,
    /// A mode of this crate: [`LOCKSTEP_LANES`] walks over the heads run side by side, one
    /// per SIMD lane. Walk `l` starts at head `l`, visits its head's due edges in storage
    /// order, and when the head has none left moves on to the lowest head no walk has taken
    /// yet. The `k`-th due sample of every walk still running goes, walk by walk, into one
    /// [`Step::apply_batch`]. Consecutive samples of one head depend on each other (each moves
    /// the head); samples of distant heads rarely do, so the batched UMAP step
    /// ([`crate::step::BceStep::batched_negatives`]) computes a batch with one sample per SIMD
    /// lane. Needs [`LOCKSTEP_LANES`] times the scratch ([`UmapSgd::buffer_sizes`]).
    Lockstep,
}

impl SampleOrder {
    /// Samples handed to a step at once.
    fn batch(self) -> usize {
        match self {
            SampleOrder::Csr => 1,
            SampleOrder::Lockstep => LOCKSTEP_LANES,
        }
    }
}

// the largest scratch a valid rate needs, LOCKSTEP_LANES·(⌈2·1e6⌉ + 2 + 1), fits a 32-bit usize
const _: () = assert!(LOCKSTEP_LANES * (2_000_000 + 3) <= u32::MAX as usize);

/// The checks every loop's configuration shares: a learning rate that is finite and `> 0`,
/// a negative rate in `[0, 1e6]` (so that the scratch of [`UmapSgd::buffer_sizes`] can be sized
/// on 32-bit targets: the assertion above).
pub(crate) fn check_rates(learning_rate: f64, negative_rate: f64) -> Result<(), Error> {
    check_positive("learning_rate", learning_rate)?;
    check_param(
        "negative_rate",
        negative_rate,
        (0.0..=1e6).contains(&negative_rate),
        "a number in [0, 1e6]",
    )
}

impl<T: Real> UmapConfig<T> {
    /// umap-learn's defaults for `n` points: `N = 500` (`n ≤ 10 000`) or `200`, `α0 = 1`, `m = 5`.
    ///
    /// ```
    /// use neighbor_embed::sgd::{SampleOrder, UmapConfig};
    /// let c = UmapConfig::<f32>::umap_learn(10_000, 42);
    /// assert_eq!((c.n_epochs, c.learning_rate, c.negative_rate), (500, 1.0, 5.0));
    /// assert_eq!((c.seed, c.negative_pool, c.decay, c.order), (42, None, true, SampleOrder::Csr));
    /// assert_eq!(UmapConfig::<f32>::umap_learn(10_001, 42).n_epochs, 200);
    /// ```
    pub fn umap_learn(n: usize, seed: u64) -> Self {
        UmapConfig {
            n_epochs: if n <= 10_000 { 500 } else { 200 },
            learning_rate: T::one(),
            negative_rate: 5.0,
            seed,
            negative_pool: None,
            decay: true,
            order: SampleOrder::Csr,
        }
    }

    fn check(&self, n: usize) -> Result<(), Error> {
        check_rates(self.learning_rate.as_f64(), self.negative_rate)?;
        if self.n_epochs == 0 {
            return Err(Error::Param {
                name: "n_epochs",
                value: 0.0,
                expected: "at least 1",
            });
        }
        if let Some(p) = self.negative_pool
            && (p == 0 || p > n)
        {
            return Err(Error::Param {
                name: "negative_pool",
                value: p as f64,
                expected: "between 1 and n",
            });
        }
        Ok(())
    }

    /// Room for a sample's negatives: umap-learn's count never exceeds `2m + 1` (MATH.md §B.2);
    /// `⌈2m⌉ + 2` covers that with a margin. Saturates at `usize::MAX` for a rate that
    /// `check` refuses (the float-to-integer cast saturates too).
    fn negative_capacity(&self) -> usize {
        (libm::ceil(2.0 * self.negative_rate) as usize).saturating_add(2)
    }
}

/// What an observer is told after each epoch.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
/// use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, UmapConfig};
/// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
/// let config = UmapConfig { n_epochs: 4, ..UmapConfig::umap_learn(2, 0) };
/// let mut infos = Vec::new();
/// let mut log = |info: &EpochInfo<f64>, _: &[f64]| {
///     infos.push(*info);
///     Control::Continue
/// };
/// let mut y = [0.0, 1.0];
/// let mut sink = InPlace::new(&mut y, 1, None);
/// OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut NegStep::new(Cauchy, 1.0), &mut sink, 4, &mut log)?;
/// // α0 (1 - max(n - 1, 0)/N): umap-learn's one-epoch lag
/// let rates: Vec<f64> = infos.iter().map(|i| i.learning_rate).collect();
/// assert_eq!(rates, [1.0, 1.0, 0.75, 0.5]);
/// // weight-1 edges are first due in epoch 1, then in every epoch
/// let positives: Vec<u64> = infos.iter().map(|i| i.positive_samples).collect();
/// assert_eq!(positives, [0, 2, 2, 2]);
/// assert!(infos.iter().all(|i| i.n_epochs == 4 && i.loss.is_none()));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochInfo<T> {
    /// The epoch just finished (0-based).
    pub epoch: usize,
    /// `N`, the run's number of epochs.
    pub n_epochs: usize,
    /// The learning rate this epoch used.
    pub learning_rate: T,
    /// Sum of the per-sample loss estimates of this epoch, if the observer asked for it.
    pub loss: Option<T>,
    /// Positive (attractive) samples of this epoch.
    pub positive_samples: u64,
    /// Negative samples drawn this epoch (including wasted self draws).
    pub negative_samples: u64,
}

/// Whether a run goes on after an epoch.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, Silent, UmapConfig};
/// # let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
/// # let mut y = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0];
/// # let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let config = UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 1) };
/// let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config)?;
/// let mut stop_after_2 = |info: &EpochInfo<f32>, _: &[f32]| {
///     if info.epoch == 2 { Control::Stop } else { Control::Continue }
/// };
/// let mut sink = InPlace::new(&mut y, 2, None);
/// let report = sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut stop_after_2)?;
/// assert!(report.stopped && report.epochs == 3 && sgd.epoch() == 3);
/// // the state stays valid: the next call resumes at epoch 3
/// let rest = sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
/// assert_eq!((rest.epochs, rest.stopped), (7, false));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Run the next epoch.
    Continue,
    /// Stop now; the state stays valid and the run can be resumed.
    Stop,
}

/// Called after every epoch with the epoch's figures and the current positions: enough for a
/// progress bar, an animation (copy the positions) or early stopping. Closures
/// `FnMut(&EpochInfo<T>, &[T]) -> Control` are observers.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{Control, EpochInfo, Observer, OwnedUmapSgd, UmapConfig};
/// /// Records each epoch's summed loss.
/// struct Losses(Vec<f64>);
/// impl Observer<f64> for Losses {
///     fn wants_loss(&self) -> bool {
///         true
///     }
///     fn on_epoch(&mut self, info: &EpochInfo<f64>, _: &[f64]) -> Control {
///         self.0.push(info.loss.expect("asked for"));
///         Control::Continue
///     }
/// }
/// # let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0; 6])?;
/// # let mut y = [0.0, 0.0, 5.0, 0.0, 0.0, 5.0];
/// let config = UmapConfig { n_epochs: 20, ..UmapConfig::umap_learn(3, 8) };
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let mut losses = Losses(Vec::new());
/// let mut sink = InPlace::new(&mut y, 2, None);
/// OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut losses)?;
/// assert_eq!(losses.0.len(), 20);
/// assert_eq!(losses.0[0], 0.0); // nothing is due in epoch 0
/// assert!(losses.0[1..].iter().all(|l| l.is_finite() && *l > 0.0));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub trait Observer<T> {
    /// Whether to compute the per-sample loss estimate (costs a logarithm per sample).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
    /// use neighbor_embed::sgd::{Control, EpochInfo, Observer, OwnedUmapSgd, Silent, UmapConfig};
    /// assert!(!Observer::<f64>::wants_loss(&Silent)); // the default: no loss
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let mut y = [0.0, 1.0];
    /// let mut seen = Vec::new();
    /// // closures are observers that never ask for the loss
    /// let mut record = |info: &EpochInfo<f64>, _: &[f64]| {
    ///     seen.push(info.loss);
    ///     Control::Continue
    /// };
    /// let config = UmapConfig { n_epochs: 5, ..UmapConfig::umap_learn(2, 0) };
    /// let (mut step, mut sink) = (NegStep::new(Cauchy, 1.0), InPlace::new(&mut y, 1, None));
    /// OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut record)?;
    /// assert_eq!(seen, [None; 5]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn wants_loss(&self) -> bool {
        false
    }
    /// Called after each epoch.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
    /// use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, UmapConfig};
    /// # let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
    /// # let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    /// let start = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0];
    /// let mut frames: Vec<Vec<f32>> = Vec::new(); // an animation: one frame per epoch
    /// let mut film = |_: &EpochInfo<f32>, positions: &[f32]| {
    ///     frames.push(positions.to_vec());
    ///     Control::Continue
    /// };
    /// let config = UmapConfig { n_epochs: 20, ..UmapConfig::umap_learn(3, 4) };
    /// let mut y = start;
    /// let mut sink = InPlace::new(&mut y, 2, None);
    /// OwnedUmapSgd::<f32>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut film)?;
    /// assert_eq!(frames.len(), 20);
    /// assert_eq!(frames[0], start); // nothing is due in epoch 0
    /// assert_eq!(frames[19], y); // the positions after the last epoch
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn on_epoch(&mut self, info: &EpochInfo<T>, positions: &[T]) -> Control;
}

impl<T, F: FnMut(&EpochInfo<T>, &[T]) -> Control> Observer<T> for F {
    fn on_epoch(&mut self, info: &EpochInfo<T>, positions: &[T]) -> Control {
        self(info, positions)
    }
}

/// An observer that does nothing.
///
/// ```
/// use neighbor_embed::sgd::{Control, EpochInfo, Observer, Silent};
/// let info = EpochInfo {
///     epoch: 0,
///     n_epochs: 1,
///     learning_rate: 1.0f64,
///     loss: None,
///     positive_samples: 0,
///     negative_samples: 0,
/// };
/// assert_eq!(Silent.on_epoch(&info, &[]), Control::Continue); // never stops a run
/// assert!(!Observer::<f64>::wants_loss(&Silent)); // never costs a logarithm
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl<T> Observer<T> for Silent {
    fn on_epoch(&mut self, _: &EpochInfo<T>, _: &[T]) -> Control {
        Control::Continue
    }
}

/// Totals of a call to [`UmapSgd::run`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{OwnedUmapSgd, RunReport, Silent, UmapConfig};
/// // edges 0–1 (weight 1: period 1 epoch) and 0–2 (weight 0.5: period 2), both directions
/// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.5, 1.0, 0.5])?;
/// let config = UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 7) };
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
/// let mut sink = InPlace::new(&mut y, 2, None);
/// let report = OwnedUmapSgd::<f64>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
/// // period 1: sampled in epochs 1..=9; period 2: in epochs 2, 4, 6, 8. Each sample draws the
/// // negatives due since the entry's last ones (first due at ε/m), so here an entry last
/// // sampled in epoch t has drawn t·m/ε - 1 in all: 9·5/1 - 1 = 44 and 8·5/2 - 1 = 19
/// let expected = RunReport {
///     epochs: 10,
///     positive_samples: 2 * 9 + 2 * 4,
///     negative_samples: 2 * 44 + 2 * 19,
///     stopped: false,
/// };
/// assert_eq!(report, expected);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Epochs run by this call.
    pub epochs: usize,
    /// Positive samples.
    pub positive_samples: u64,
    /// Negative samples drawn (including wasted self draws, as in [`EpochInfo`]).
    pub negative_samples: u64,
    /// Whether the observer stopped the run.
    pub stopped: bool,
}

impl RunReport {
    /// Updates as counted by the benchmarks: positive + negative samples.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// # let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.5, 1.0, 0.5])?;
    /// # let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    /// let config = UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 7) };
    /// let mut sink = InPlace::new(&mut y, 2, None);
    /// let r = OwnedUmapSgd::<f64>::new(&g, &config)?
    ///     .run(&g, &mut NegStep::new(Cauchy, 1.0), &mut sink, usize::MAX, &mut Silent)?;
    /// assert_eq!((r.positive_samples, r.negative_samples, r.updates()), (26, 126, 152));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn updates(&self) -> u64 {
        self.positive_samples + self.negative_samples
    }
}

/// The resumable state of a umap-learn-schedule run (see the module docs).
///
/// `F`, `G`, `U`, `W` are the storage of the schedule times (`f64`), the per-vertex RNGs, the
/// negatives scratch (`u32`) and the coefficient scratch (`T`): `Vec`s from [`UmapSgd::new`], or
/// caller slices from [`UmapSgd::with_buffers`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
/// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
/// let w = [1.0f32, 0.5, 1.0, 0.25, 0.5, 0.25];
/// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &w)?;
/// let config = UmapConfig { n_epochs: 30, ..UmapConfig::umap_learn(3, 9) };
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let start = [0.0f32, 0.0, 3.0, 0.0, 0.0, 3.0];
/// let mut whole = start;
/// let mut sink = InPlace::new(&mut whole, 2, None);
/// OwnedUmapSgd::<f32>::new(&g, &config)?.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
/// // the same run, 7 epochs per call
/// let mut parts = start;
/// let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config)?;
/// while !sgd.finished() {
///     sgd.run(&g, &mut step, &mut InPlace::new(&mut parts, 2, None), 7, &mut Silent)?;
/// }
/// assert_eq!(whole.map(f32::to_bits), parts.map(f32::to_bits));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct UmapSgd<T, R, F, G, U, W> {
    marker: PhantomData<fn() -> (T, R)>,
    epoch: usize,
    n_epochs: usize,
    learning_rate: f64,
    decay: bool,
    negative_rate: f64,
    order: SampleOrder,
    pool: usize,
    n: usize,
    nnz: usize,
    min_weight: f64,
    times: F,
    rngs: G,
    negatives: U,
    coeffs: W,
}

/// Buffer lengths for [`UmapSgd::with_buffers`].
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, sgd::{BufferSizes, OwnedUmapSgd, UmapConfig}};
/// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f32, 0.5, 1.0, 0.5])?;
/// let config = UmapConfig::umap_learn(3, 0); // m = 5: room for ⌈2m⌉ + 2 = 12 negatives
/// let sizes = OwnedUmapSgd::<f32>::buffer_sizes(&g, &config);
/// assert_eq!(sizes, BufferSizes { times: 3 * 4, rngs: 3, negatives: 12, coeffs: 13 });
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferSizes {
    /// `f64` schedule state: 3 per stored edge (next sample, next negative sample, period;
    /// side by side, so a due edge's schedule is one cache line).
    pub times: usize,
    /// RNGs: one per vertex.
    pub rngs: usize,
    /// `u32` negatives scratch.
    pub negatives: usize,
    /// `T` coefficient scratch.
    pub coeffs: usize,
}

#[cfg(feature = "alloc")]
impl<R: StreamRng, T: Real> OwnedUmapSgd<T, R> {
    /// A fresh run on `graph` (its threshold, e.g. [`CsrGraph::with_umap_filter`], decides
    /// which edges exist) with owned buffers.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, rng::Pcg32};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// use neighbor_embed::{sink::InPlace, step::BceStep};
    /// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f32; 6])?;
    /// let mut y = [0.0f32, 0.0, 5.0, 0.0, 0.0, 5.0];
    /// let config = UmapConfig { n_epochs: 50, ..UmapConfig::umap_learn(3, 42) };
    /// let mut sgd = OwnedUmapSgd::<f32, Pcg32>::new(&g, &config)?;
    /// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    /// let report = sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 2, None), usize::MAX, &mut Silent)?;
    /// assert_eq!(report.epochs, 50);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(graph: &CsrGraph<T>, config: &UmapConfig<T>) -> Result<Self, Error> {
        config.check(graph.n())?;
        let sizes = Self::buffer_sizes(graph, config);
        let rngs = (0..graph.n() as u64)
            .map(|v| R::for_stream(config.seed, v))
            .collect();
        let (times, negatives) = (
            alloc::vec![0.0; sizes.times],
            alloc::vec![0; sizes.negatives],
        );
        Self::assemble(
            graph,
            config,
            times,
            rngs,
            negatives,
            alloc::vec![T::zero(); sizes.coeffs],
        )
    }
}

impl<T: Real, R, F, G, U, W> UmapSgd<T, R, F, G, U, W> {
    /// Buffer lengths a run of `config` on `graph` needs. Never panics: nothing is checked
    /// here, and for a configuration that [`OwnedUmapSgd::new`] and
    /// [`UmapSgd::with_buffers`] refuse (e.g. `negative_rate` above `1e6`, or infinite) the
    /// sizes saturate at `usize::MAX`. For a valid one, `negatives` is at most
    /// `LOCKSTEP_LANES·(2·10⁶ + 2)`, which fits a 32-bit `usize`.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, step::LOCKSTEP_LANES};
    /// use neighbor_embed::sgd::{BorrowedUmapSgd, SampleOrder, UmapConfig};
    /// let g = CsrGraph::new(4, &[0, 1, 2, 3, 4], &[1, 0, 3, 2], &[1.0f64; 4])?;
    /// let csr = UmapConfig::umap_learn(4, 0);
    /// let lockstep = UmapConfig { order: SampleOrder::Lockstep, ..csr };
    /// let (a, b) = (BorrowedUmapSgd::<f64>::buffer_sizes(&g, &csr), BorrowedUmapSgd::<f64>::buffer_sizes(&g, &lockstep));
    /// assert_eq!((b.times, b.rngs), (a.times, a.rngs)); // 3 per stored edge, 1 per vertex
    /// assert_eq!((a.times, a.rngs), (12, 4));
    /// // the lockstep order keeps one sample's scratch per lane
    /// assert_eq!((b.negatives, b.coeffs), (LOCKSTEP_LANES * a.negatives, LOCKSTEP_LANES * a.coeffs));
    /// // an absurd rate saturates (and `new` refuses it)
    /// let absurd = UmapConfig { negative_rate: f64::INFINITY, ..csr };
    /// assert_eq!(BorrowedUmapSgd::<f64>::buffer_sizes(&g, &absurd).negatives, usize::MAX);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn buffer_sizes(graph: &CsrGraph<T>, config: &UmapConfig<T>) -> BufferSizes {
        let (negatives, batch) = (config.negative_capacity(), config.order.batch());
        BufferSizes {
            times: graph.nnz().saturating_mul(3),
            rngs: graph.n(),
            negatives: batch.saturating_mul(negatives),
            coeffs: batch.saturating_mul(negatives.saturating_add(1)),
        }
    }

    /// The next epoch to run (0 for a fresh state; `n_epochs` when finished).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// # let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// # let (mut step, mut y) = (NegStep::new(Cauchy, 1.0), [0.0, 1.0]);
    /// let mut sgd = OwnedUmapSgd::<f64>::new(&g, &UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(2, 0) })?;
    /// assert_eq!(sgd.epoch(), 0);
    /// let mut sink = InPlace::new(&mut y, 1, None);
    /// sgd.run(&g, &mut step, &mut sink, 4, &mut Silent)?;
    /// assert_eq!(sgd.epoch(), 4);
    /// sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)?;
    /// assert_eq!(sgd.epoch(), 10);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// `N`, the run's number of epochs.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, sgd::{OwnedUmapSgd, UmapConfig}};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f32, 1.0])?;
    /// let sgd = OwnedUmapSgd::<f32>::new(&g, &UmapConfig::umap_learn(2, 0))?;
    /// assert_eq!(sgd.n_epochs(), 500); // umap-learn's for n ≤ 10 000
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn n_epochs(&self) -> usize {
        self.n_epochs
    }

    /// Whether every epoch has run.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// # let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// # let mut step = NegStep::new(Cauchy, 1.0);
    /// let mut sgd = OwnedUmapSgd::<f64>::new(&g, &UmapConfig { n_epochs: 3, ..UmapConfig::umap_learn(2, 0) })?;
    /// let mut y = [0.0, 1.0];
    /// sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 1, None), usize::MAX, &mut Silent)?;
    /// assert!(sgd.finished());
    /// let after = y;
    /// // a finished state runs nothing
    /// let report = sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 1, None), usize::MAX, &mut Silent)?;
    /// assert_eq!((report.epochs, report.positive_samples, y), (0, 0, after));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn finished(&self) -> bool {
        self.epoch >= self.n_epochs
    }
}

impl<'b, R: StreamRng, T: Real> BorrowedUmapSgd<'b, T, R> {
    /// A fresh run using caller buffers (no allocation); lengths from [`UmapSgd::buffer_sizes`]:
    /// `times` and `rngs` exactly, `negatives` and `coeffs` at least (the extra is unused).
    /// `rngs` is overwritten with the streams of `config.seed`.
    ///
    /// ```
    /// use neighbor_embed::{Error, graph::CsrGraph, rng::{Pcg32, StreamRng}};
    /// use neighbor_embed::sgd::{BorrowedUmapSgd, UmapConfig};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let config = UmapConfig::umap_learn(2, 42);
    /// let s = BorrowedUmapSgd::<f64>::buffer_sizes(&g, &config);
    /// let (mut times, mut negs, mut coeffs) = (vec![0.0; s.times], vec![0; s.negatives], vec![0.0; s.coeffs]);
    /// let mut rngs = vec![Pcg32::for_stream(0, 0); s.rngs];
    /// let sgd = BorrowedUmapSgd::with_buffers(&g, &config, &mut times, &mut rngs, &mut negs, &mut coeffs)?;
    /// assert_eq!(sgd.rngs()[1], Pcg32::for_stream(42, 1)); // reseeded from the config
    /// // a scratch buffer shorter than `buffer_sizes` says is refused
    /// let mut short = vec![0.0; s.coeffs - 1];
    /// let err = BorrowedUmapSgd::with_buffers(&g, &config, &mut times, &mut rngs, &mut negs, &mut short).err();
    /// assert_eq!(err, Some(Error::BufferLength { name: "coeffs", expected: s.coeffs, found: s.coeffs - 1 }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn with_buffers(
        graph: &CsrGraph<T>,
        config: &UmapConfig<T>,
        times: &'b mut [f64],
        rngs: &'b mut [R],
        negatives: &'b mut [u32],
        coeffs: &'b mut [T],
    ) -> Result<Self, Error> {
        config.check(graph.n())?;
        let sizes = Self::buffer_sizes(graph, config);
        check_len("times", sizes.times, times.len())?;
        check_len("rngs", sizes.rngs, rngs.len())?;
        if negatives.len() < sizes.negatives {
            return Err(Error::BufferLength {
                name: "negatives",
                expected: sizes.negatives,
                found: negatives.len(),
            });
        }
        if coeffs.len() < sizes.coeffs {
            return Err(Error::BufferLength {
                name: "coeffs",
                expected: sizes.coeffs,
                found: coeffs.len(),
            });
        }
        for (v, r) in rngs.iter_mut().enumerate() {
            *r = R::for_stream(config.seed, v as u64);
        }
        Self::assemble(graph, config, times, rngs, negatives, coeffs)
    }
}

/// Whether the lockstep loop computes a batch's negative counts (two divisions each) for all
/// its samples before drawing any negatives, or sample by sample. The results are the same
/// bits either way (the samples of a batch have distinct heads, so distinct streams, and
/// distinct entries); the first is faster natively (about 3%), the second under WebAssembly
/// engines (about 5%, V8).
const SPLIT_DRAWS: bool = !cfg!(target_family = "wasm");

/// Entries of a row examined at once when an epoch marks the due ones (one bit each of a
/// `u64`).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sink::InPlace, step::NegStep};
/// use neighbor_embed::sgd::{DUE_CHUNK, OwnedUmapSgd, Silent, UmapConfig};
/// assert_eq!(DUE_CHUNK, 64);
/// // vertex 0 linked to 1..=100: its row spans two chunks, and every entry is still due
/// let indptr: Vec<u32> = (0..=101).map(|i| if i == 0 { 0 } else { 100 }).collect();
/// let indices: Vec<u32> = (1..=100).collect();
/// let g = CsrGraph::new(101, &indptr, &indices, &[1.0f64; 100])?;
/// let config = UmapConfig { n_epochs: 5, ..UmapConfig::umap_learn(101, 0) };
/// let mut y: Vec<f64> = (0..101).map(f64::from).collect();
/// let mut sink = InPlace::new(&mut y, 1, None);
/// let r = OwnedUmapSgd::<f64>::new(&g, &config)?
///     .run(&g, &mut NegStep::new(Cauchy, 1.0), &mut sink, usize::MAX, &mut Silent)?;
/// assert_eq!(r.positive_samples, 100 * 4); // each entry in epochs 1..=4
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub const DUE_CHUNK: usize = 64;

/// How many rows ahead of the one a walk starts the schedule state is prefetched
/// ([`prefetch_row`]).
const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to bring the schedule state and the column indices of row `head` (if there is
/// one) into its caches, a hint with no effect on any result (x86_64 only). The walks read rows
/// in order, but the lockstep loop's sixteen walks in sixteen rows at once hide that order from
/// the hardware prefetcher: prefetching sixteen rows ahead of the row a lane starts made the
/// lockstep loop about 7–8% faster on mnist70k (Zen 4; measured within each of the two speeds
/// that runs had before the lockstep batch's lane arrays were aligned: 89 or 108 against 83 or
/// 100 M updates/s).
#[inline(always)]
fn prefetch_row<T: Real>(graph: &CsrGraph<T>, times: &[f64], head: usize) {
    // elsewhere `dispatch::prefetch` does nothing: no code at all
    if cfg!(target_arch = "x86_64") && head < graph.n() {
        let row = graph.row_range(head);
        if row.is_empty() {
            return;
        }
        for q in (3 * row.start..3 * row.end).step_by(8) {
            crate::dispatch::prefetch(&times[q]);
        }
        crate::dispatch::prefetch(&times[3 * row.end - 1]);
        crate::dispatch::prefetch(&graph.indices()[row.start]);
    }
}

/// umap-learn's `epochs_per_sample` of every stored entry of the graph: the sampling period
/// `ε_e = N/(N·(w_e/w_max))` in epochs (MATH.md §B.2; edge `e` is sampled in every epoch `t`
/// with `t ≥` its next due time, which then advances by `ε_e`), computed as umap-learn does
/// (the product in the weight type, then `f64`) so that sample counts match umap-learn's
/// exactly. Entries removed by the graph's threshold (e.g. [`CsrGraph::with_umap_filter`]) or of
/// weight 0 get `∞` (never sampled). This is the schedule [`UmapSgd`] follows; it is public for
/// callers who write their own sampler.
///
/// Errors: `out.len() ≠ nnz` ([`Error::BufferLength`]), `n_epochs = 0` ([`Error::Param`]).
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, sgd::epochs_per_sample};
/// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f32, 0.25, 1.0, 0.25])?;
/// let mut eps = [0.0; 4];
/// epochs_per_sample(&g, 200, &mut eps)?;
/// assert_eq!(eps, [1.0, 4.0, 1.0, 4.0]);
/// let mut eps = [0.0; 4];
/// epochs_per_sample(&g.with_min_weight(0.5)?, 200, &mut eps)?;
/// assert_eq!(eps[1], f64::INFINITY);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn epochs_per_sample<T: Real>(
    graph: &CsrGraph<T>,
    n_epochs: usize,
    out: &mut [f64],
) -> Result<(), Error> {
    check_len("out", graph.nnz(), out.len())?;
    check_param("n_epochs", n_epochs as f64, n_epochs > 0, "at least 1")?;
    let w_max = graph.w_max();
    for (e, &w) in out.iter_mut().zip(graph.weights()) {
        *e = if graph.keeps(w) && w > T::zero() {
            edge_period(w, w_max, n_epochs)
        } else {
            f64::INFINITY
        };
    }
    Ok(())
}

/// `ε_e = N/(N·(w/w_max))` computed as umap-learn does (in the weight type, then `f64`), so
/// edge sample counts match umap-learn's exactly for `f32` weights.
#[inline]
fn edge_period<T: Real>(w: T, w_max: T, n_epochs: usize) -> f64 {
    let n_samples = T::of_usize(n_epochs) * (w / w_max);
    n_epochs as f64 / n_samples.as_f64()
}

impl<F, G, U, W, R, T> UmapSgd<T, R, F, G, U, W>
where
    F: AsMut<[f64]> + AsRef<[f64]>,
    G: AsMut<[R]> + AsRef<[R]>,
    U: AsMut<[u32]>,
    W: AsMut<[T]>,
    R: StreamRng,
    T: Real,
{
    /// The state over the given buffers (`rngs` already seeded), schedule initialised.
    fn assemble(
        graph: &CsrGraph<T>,
        config: &UmapConfig<T>,
        times: F,
        rngs: G,
        negatives: U,
        coeffs: W,
    ) -> Result<Self, Error> {
        let mut s = UmapSgd {
            marker: PhantomData,
            epoch: 0,
            n_epochs: config.n_epochs,
            learning_rate: config.learning_rate.as_f64(),
            decay: config.decay,
            negative_rate: config.negative_rate,
            order: config.order,
            pool: 0,
            n: graph.n(),
            nnz: graph.nnz(),
            min_weight: 0.0,
            times,
            rngs,
            negatives,
            coeffs,
        };
        s.init(graph, config)?;
        Ok(s)
    }

    fn init(&mut self, graph: &CsrGraph<T>, config: &UmapConfig<T>) -> Result<(), Error> {
        config.check(graph.n())?;
        self.pool = config.negative_pool.unwrap_or(graph.n());
        self.min_weight = graph.min_weight().as_f64();
        let (w_max, n_epochs, m) = (graph.w_max(), config.n_epochs, config.negative_rate);
        let times = self.times.as_mut();
        for (p, &w) in graph.weights().iter().enumerate() {
            let eps = if graph.keeps(w) && w > T::zero() {
                edge_period(w, w_max, n_epochs)
            } else {
                f64::INFINITY // never due
            };
            times[3 * p] = eps;
            times[3 * p + 1] = if m > 0.0 { eps / m } else { f64::INFINITY };
            times[3 * p + 2] = eps;
        }
        Ok(())
    }

    /// The schedule state, three values per stored edge `p` (at `3p`, `3p + 1`, `3p + 2`): its
    /// next sample time, its next negative-sample time, and its period `ε_e`
    /// ([`epochs_per_sample`]).
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.5, 1.0, 0.5])?;
    /// let mut sgd = OwnedUmapSgd::<f64>::new(&g, &UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 0) })?;
    /// // entries 0 (weight 1) and 1 (weight 0.5): [ε, ε/m, ε] each, m = 5
    /// assert_eq!(sgd.times()[..6], [1.0, 0.2, 1.0, 2.0, 0.4, 2.0]);
    /// let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    /// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    /// sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 2, None), 3, &mut Silent)?;
    /// assert_eq!(sgd.times()[0], 3.0); // sampled in epochs 1 and 2: next due in epoch 3
    /// assert_eq!(sgd.times()[3], 4.0); // sampled in epoch 2: next due in epoch 4
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn times(&self) -> &[f64] {
        self.times.as_ref()
    }

    /// The per-vertex random streams.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Umap, rng::{Pcg32, StreamRng}, sink::InPlace, step::BceStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// // the edge 0–1; vertex 2 has no edge, so it never draws a negative
    /// let g = CsrGraph::new(3, &[0, 1, 2, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let config = UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 5) };
    /// let mut sgd = OwnedUmapSgd::<f64, Pcg32>::new(&g, &config)?;
    /// let fresh: Vec<Pcg32> = (0..3).map(|v| Pcg32::for_stream(5, v)).collect();
    /// assert_eq!(sgd.rngs(), fresh); // stream v of the seed for vertex v
    /// let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    /// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    /// sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 2, None), usize::MAX, &mut Silent)?;
    /// assert!(sgd.rngs()[0] != fresh[0] && sgd.rngs()[1] != fresh[1]); // heads draw from their own
    /// assert_eq!(sgd.rngs()[2], fresh[2]);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn rngs(&self) -> &[R] {
        self.rngs.as_ref()
    }

    /// Runs up to `epochs` more epochs (stopping at `n_epochs` or when the observer says so),
    /// applying `step` through `sink`.
    ///
    /// Errors (nothing is run): the graph is not the one the state was built for (vertex or
    /// entry count, threshold), the sink's size does not match, or the step's parameters are
    /// invalid.
    ///
    /// ```
    /// use neighbor_embed::{Error, graph::CsrGraph, kernel::Umap, sink::InPlace, step::BceStep};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0f64, 1.0])?;
    /// let mut sgd = OwnedUmapSgd::<f64>::new(&g, &UmapConfig { n_epochs: 20, ..UmapConfig::umap_learn(2, 0) })?;
    /// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
    /// let mut y = [0.0, 1.0, 2.0]; // three points for a graph on two
    /// let err = sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 1, None), usize::MAX, &mut Silent);
    /// assert_eq!(err, Err(Error::PointCount { graph: 2, layout: 3 }));
    /// assert_eq!(sgd.epoch(), 0); // nothing ran
    /// let report = sgd.run(&g, &mut step, &mut InPlace::new(&mut y[..2], 1, None), 5, &mut Silent)?;
    /// assert_eq!((report.epochs, report.positive_samples), (5, 2 * 4)); // both entries in epochs 1..=4
    /// # Ok::<(), Error>(())
    /// ```
    pub fn run<S: Step<T>, K: Sink<T>, O: Observer<T>>(
        &mut self,
        graph: &CsrGraph<T>,
        step: &mut S,
        sink: &mut K,
        epochs: usize,
        observer: &mut O,
    ) -> Result<RunReport, Error> {
        if graph.n() != self.n
            || graph.nnz() != self.nnz
            || graph.min_weight().as_f64() != self.min_weight
        {
            return Err(Error::Degenerate {
                reason: "the graph differs from the one this state was built for",
            });
        }
        sink.check()?;
        if sink.n() != self.n {
            return Err(Error::PointCount {
                graph: self.n,
                layout: sink.n(),
            });
        }
        step.check()?;
        let mut report = RunReport::default();
        let want_loss = observer.wants_loss();
        while report.epochs < epochs && self.epoch < self.n_epochs {
            let info = self.epoch_once(graph, step, sink, want_loss);
            report.epochs += 1;
            report.positive_samples += info.positive_samples;
            report.negative_samples += info.negative_samples;
            if observer.on_epoch(&info, sink.positions()) == Control::Stop {
                report.stopped = true;
                break;
            }
        }
        Ok(report)
    }

    /// One epoch on validated inputs.
    fn epoch_once<S: Step<T>, K: Sink<T>>(
        &mut self,
        graph: &CsrGraph<T>,
        step: &mut S,
        sink: &mut K,
        want_loss: bool,
    ) -> EpochInfo<T> {
        let n_epochs = self.n_epochs;
        let epoch = self.epoch;
        let lag = epoch.saturating_sub(1) as f64;
        let alpha = if self.decay {
            T::of_f64(self.learning_rate * (1.0 - lag / n_epochs as f64))
        } else {
            T::of_f64(self.learning_rate)
        };
        let now = epoch as f64;
        let m = self.negative_rate;
        let pool = self.pool as u32;
        let batch = self.order.batch();
        let (negatives, coeffs) = (self.negatives.as_mut(), self.coeffs.as_mut());
        let cap = (negatives.len() / batch).min((coeffs.len() / batch).saturating_sub(1));
        let times = self.times.as_mut();
        let rngs = self.rngs.as_mut();
        let draw = Draw {
            now,
            m,
            cap: u32::try_from(cap).unwrap_or(u32::MAX),
            pool,
        };
        let (mut pos, mut neg, mut loss) = (0u64, 0u64, T::zero());
        let n = self.n;
        if self.order == SampleOrder::Csr {
            let mut walk = DueWalk::new(graph, 0..n);
            while let Some((i, p, tail)) = walk.next(graph, times, now) {
                let n_neg = draw.negatives(times, p, &mut rngs[i], negatives);
                let sample = Sample {
                    head: i,
                    tail,
                    negatives: &negatives[..n_neg],
                };
                loss += step.apply(sink, sample, alpha, want_loss, coeffs);
                step.end_batch();
                pos += 1;
                neg += n_neg as u64;
            }
        } else {
            // lane l starts with head l; a lane whose head has no more due samples takes the
            // next head nobody has taken yet
            let mut walks: [DueWalk; LOCKSTEP_LANES] =
                core::array::from_fn(|l| DueWalk::new(graph, l.min(n)..(l + 1).min(n)));
            let mut next_head = LOCKSTEP_LANES.min(n);
            let empty = Sample {
                head: 0,
                tail: 0,
                negatives: &[],
            };
            loop {
                // (head, entry, tail, negatives)
                let mut due = [(0usize, 0usize, 0usize, 0usize); LOCKSTEP_LANES];
                let mut count = 0;
                for walk in walks.iter_mut() {
                    let mut found = walk.next(graph, times, now);
                    while found.is_none() && next_head < n {
                        walk.restart(graph, next_head);
                        prefetch_row(graph, times, next_head + PREFETCH_AHEAD);
                        next_head += 1;
                        found = walk.next(graph, times, now);
                    }
                    if let Some((i, p, tail)) = found {
                        due[count] = (i, p, tail, 0);
                        if SPLIT_DRAWS {
                            count += 1;
                            continue;
                        }
                        let out = &mut negatives[count * cap..(count + 1) * cap];
                        due[count].3 = draw.negatives(times, p, &mut rngs[i], out);
                        count += 1;
                    }
                }
                if count == 0 {
                    break;
                }
                if SPLIT_DRAWS {
                    // the schedule's divisions of all samples together (independent: they
                    // overlap), then the draws, sample after sample (each from its head's
                    // stream)
                    for d in due[..count].iter_mut() {
                        d.3 = draw.take(times, d.1);
                    }
                    for (b, &(i, _, _, n_neg)) in due[..count].iter().enumerate() {
                        draw.fill(&mut rngs[i], &mut negatives[b * cap..b * cap + n_neg]);
                    }
                }
                let mut samples = [empty; LOCKSTEP_LANES];
                for (b, (sample, &(i, _, tail, n_neg))) in
                    samples.iter_mut().zip(&due[..count]).enumerate()
                {
                    *sample = Sample {
                        head: i,
                        tail,
                        negatives: &negatives[b * cap..b * cap + n_neg],
                    };
                }
                loss += step.apply_batch(sink, &samples[..count], alpha, want_loss, coeffs);
                step.end_batch();
                pos += count as u64;
                for &(_, _, _, n_neg) in &due[..count] {
                    neg += n_neg as u64;
                }
            }
        }
        self.epoch += 1;
        EpochInfo {
            epoch,
            n_epochs,
            learning_rate: alpha,
            loss: want_loss.then_some(loss),
            positive_samples: pos,
            negative_samples: neg,
        }
    }
}

/// The negative-sample schedule of one epoch.
#[derive(Clone, Copy)]
struct Draw {
    now: f64,
    m: f64,
    /// At most this many negatives a sample (the scratch's room, at most `u32::MAX`).
    cap: u32,
    pool: u32,
}

impl Draw {
    /// Takes the sample at entry `p`: its negatives (umap-learn's count, at most `cap`) drawn
    /// uniformly from `0..pool` by the head's stream `rng` into `out`, and the entry's times
    /// advanced ([`Draw::take`]). Returns the count.
    #[inline(always)]
    fn negatives<R: StreamRng>(
        &self,
        times: &mut [f64],
        p: usize,
        rng: &mut R,
        out: &mut [u32],
    ) -> usize {
        let n_neg = self.take(times, p);
        self.fill(rng, &mut out[..n_neg]);
        n_neg
    }

    /// Takes the sample at entry `p`: advances its next sample time by its period and
    /// returns the number of negatives due (umap-learn's count, at most `cap`), advancing its
    /// next negative-sample time. (umap-learn advances the sample time after the update; no
    /// update reads it, so it is the same.)
    #[inline(always)]
    fn take(&self, times: &mut [f64], p: usize) -> usize {
        let t = &mut times[3 * p..3 * p + 3];
        t[0] += t[2];
        let mut n_neg = 0u32;
        if self.m > 0.0 {
            let eps_neg = t[2] / self.m;
            let k = (self.now - t[1]) / eps_neg;
            // umap-learn's floor, then at most `cap`: the truncation of a value in [1, cap);
            // `cap` from `cap` on; none below 1 (or for NaN)
            n_neg = if k >= f64::from(self.cap) {
                self.cap
            } else if k >= 1.0 {
                k as u32
            } else {
                0
            };
            t[1] += f64::from(n_neg) * eps_neg;
        }
        n_neg as usize
    }

    /// Uniform draws from `0..pool` by `rng` into `out`.
    #[inline(always)]
    fn fill<R: StreamRng>(&self, rng: &mut R, out: &mut [u32]) {
        for slot in out.iter_mut() {
            *slot = bounded(rng, self.pool);
        }
    }
}

/// A walk over the due entries (next sample time `≤ now`) of the heads in a range, in CSR
/// order. Each row is examined in chunks of [`DUE_CHUNK`] entries: one bit per entry, set when
/// it is due, without a branch or a store per entry; the walk then visits the set bits in
/// order. An entry's time is read when its chunk is examined, before any of the chunk's
/// samples run (a sample never changes another entry's time).
struct DueWalk {
    head: usize,
    end: usize,
    start: usize,
    row_end: usize,
    /// Entry `base + k` of the chunk is due (and not yet visited) when bit `k` is set.
    due: u64,
    base: usize,
}

const _: () = assert!(DUE_CHUNK <= 64);

impl DueWalk {
    fn new<T: Real>(graph: &CsrGraph<T>, heads: core::ops::Range<usize>) -> Self {
        let row = if heads.is_empty() {
            0..0
        } else {
            graph.row_range(heads.start)
        };
        DueWalk {
            head: heads.start,
            end: heads.end,
            start: row.start,
            row_end: row.end,
            due: 0,
            base: 0,
        }
    }

    /// Restarts the walk on the single head `head < n`.
    #[inline]
    fn restart<T: Real>(&mut self, graph: &CsrGraph<T>, head: usize) {
        let row = graph.row_range(head);
        (self.head, self.end, self.start, self.row_end) = (head, head + 1, row.start, row.end);
        self.due = 0;
    }

    /// The next due `(head, entry, tail)`, or `None` when the range is done.
    #[inline]
    fn next<T: Real>(
        &mut self,
        graph: &CsrGraph<T>,
        times: &[f64],
        now: f64,
    ) -> Option<(usize, usize, usize)> {
        loop {
            if self.due != 0 {
                let p = self.base + self.due.trailing_zeros() as usize;
                self.due &= self.due - 1;
                return Some((self.head, p, graph.indices()[p] as usize));
            }
            while self.start >= self.row_end {
                if self.head + 1 >= self.end {
                    self.head = self.end;
                    return None;
                }
                self.head += 1;
                let row = graph.row_range(self.head);
                (self.start, self.row_end) = (row.start, row.end);
            }
            let end = self.row_end.min(self.start + DUE_CHUNK);
            let mut due = 0u64;
            for (k, t) in times[3 * self.start..3 * end].chunks_exact(3).enumerate() {
                due |= u64::from(t[0] <= now) << k;
            }
            (self.base, self.start, self.due) = (self.start, end, due);
        }
    }
}

/// Monte-Carlo estimate of the expected per-epoch update (MATH.md §C): runs `epochs` epochs of
/// the schedule with `step` on the frozen `layout` at learning rate 1 and writes the accumulated
/// updates divided by `epochs` into `out` (`n × dim`). Compare it with
/// [`crate::expected::expected_update`]; the relative error falls like `1/√epochs`.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, layout::Layout, step::BceStep};
/// use neighbor_embed::sgd::frozen_estimate;
/// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0, 0.5, 1.0, 0.5, 0.5, 0.5])?;
/// let y = Layout::new(&[0.0, 0.0, 2.0, 0.0, 0.0, 2.0], 2)?;
/// let mut est = [0.0; 6];
/// let step = BceStep::umap_learn(Umap::umap_learn_default());
/// let report = frozen_estimate(&g, step, &y, 200, 5.0, 1, &mut est)?;
/// assert_eq!(report.epochs, 200);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[cfg(feature = "alloc")]
pub fn frozen_estimate<T: Real, S: Step<T>>(
    graph: &CsrGraph<T>,
    mut step: S,
    layout: &crate::layout::Layout<T>,
    epochs: usize,
    negative_rate: f64,
    seed: u64,
    out: &mut [T],
) -> Result<RunReport, Error> {
    layout.check_points(graph.n())?;
    check_len("out", layout.coords().len(), out.len())?;
    let config = UmapConfig {
        n_epochs: epochs,
        learning_rate: T::one(),
        negative_rate,
        seed,
        negative_pool: None,
        decay: false,
        order: SampleOrder::Csr,
    };
    let mut sgd = OwnedUmapSgd::<T>::new(graph, &config)?;
    out.fill(T::zero());
    let mut sink = crate::sink::Frozen::new(layout.coords(), out, layout.dim(), None);
    let report = sgd.run(graph, &mut step, &mut sink, epochs, &mut Silent)?;
    let scale = T::one() / T::of_usize(epochs.max(1));
    for v in out.iter_mut() {
        *v *= scale;
    }
    Ok(report)
}

/// Embeds new points against a frozen reference, as umap-learn's `transform` does: rows
/// `0..n_reference` of `coords` (`n × dim`) are the reference embedding and never move, rows
/// `n_reference..` are the new points; `graph` (on all `n` rows) holds the edges from new
/// points to reference points; negatives are drawn from the reference rows; attraction moves
/// the head only. umap-learn uses `n_epochs = 100` (reference `n ≤ 10 000`) or 30, or a third of
/// the fit's epochs.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Umap, sgd::{transform, UmapConfig}};
/// // reference points 0, 1 at x = 0 and x = 4; new point 2 linked to 0 only, starting at x = 3
/// let g = CsrGraph::new(3, &[0, 0, 0, 1], &[0], &[1.0])?;
/// let mut y = [0.0f64, 4.0, 3.0];
/// let config = UmapConfig { n_epochs: 100, ..UmapConfig::umap_learn(3, 1) };
/// transform(&g, &Umap::umap_learn_default(), &mut y, 1, 2, &config)?;
/// assert_eq!(&y[..2], &[0.0, 4.0]);   // the reference is untouched
/// assert!(y[2] < 3.0);                 // the new point moved towards its neighbour
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[cfg(feature = "alloc")]
pub fn transform<T: Real, K: crate::kernel::BceKernel<T> + Clone>(
    graph: &CsrGraph<T>,
    kernel: &K,
    coords: &mut [T],
    dim: usize,
    n_reference: usize,
    config: &UmapConfig<T>,
) -> Result<RunReport, Error> {
    let layout = crate::layout::Layout::new(coords, dim)?;
    layout.check_points(graph.n())?;
    if n_reference == 0 || n_reference > graph.n() {
        return Err(Error::Param {
            name: "n_reference",
            value: n_reference as f64,
            expected: "between 1 and n",
        });
    }
    let pinned: alloc::vec::Vec<bool> = (0..graph.n()).map(|i| i < n_reference).collect();
    let config = UmapConfig {
        negative_pool: Some(n_reference),
        ..*config
    };
    let mut sgd = OwnedUmapSgd::<T>::new(graph, &config)?;
    let mut step = crate::step::BceStep {
        move_other: false,
        ..crate::step::BceStep::umap_learn(kernel.clone())
    };
    let mut sink = crate::sink::InPlace::new(coords, dim, Some(&pinned));
    sgd.run(graph, &mut step, &mut sink, usize::MAX, &mut Silent)
}
