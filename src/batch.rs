//! A mini-batch contrastive loop in the style of contrastive-ne (MATH.md §B.7).
//!
//! Each epoch visits every kept directed edge once, in a fresh random order, in batches of
//! `B` edges. For every edge of a batch the [`Step`] is applied to a [`Frozen`] sink, so all
//! gradients of the batch are computed from the same positions and summed; then each summed
//! coordinate is clipped and applied by SGD (optionally with momentum):
//! `v ← μ v + clip(Σ updates)`, `y ← y + lr_e v`, with `lr_e = lr0 · max(lr_min, 1 - e/N)` (no
//! lag). Negatives are drawn uniformly either from all points or, as contrastive-ne does, from
//! the batch's `2B` endpoint rows other than the head's own row (a degree-biased noise).
//! An *early phase* runs a second step (e.g. the UMAP end of the spectrum, contrastive-ne's
//! early exaggeration) for the first epochs.
//!
//! Graph weights are ignored (only the kept sparsity pattern counts), as in contrastive-ne.
//! Steps should have their own `clip` off (`None`): clipping happens after accumulation.
//! Randomness: epoch `e` draws from stream `e` of the seed, so runs are reproducible and
//! resumable. Memory: 4 bytes per kept edge plus `3 n·dim` values.

use crate::Real;
use crate::error::{Error, check_param, check_positive};
use crate::graph::CsrGraph;
use crate::rng::{Pcg32, StreamRng, bounded};
use crate::sgd::{Control, EpochInfo, Observer, RunReport};
use crate::sink::Frozen;
use crate::step::{Sample, Step};
use alloc::vec;
use alloc::vec::Vec;

/// Where a batch draws its negatives from.
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sgd::Silent, step::NegStep};
/// use neighbor_embed::batch::{BatchConfig, BatchSgd, NegativeSource};
/// assert_eq!(BatchConfig::<f64>::contrastive_ne(0).source, NegativeSource::Batch);
/// // a triangle; 3 negatives per positive sample drawn from all points
/// let g = CsrGraph::new(3, &[0, 2, 4, 6], &[1, 2, 0, 2, 0, 1], &[1.0f64; 6])?;
/// let config = BatchConfig {
///     n_epochs: 5, batch_size: 2, negatives: 3, source: NegativeSource::Uniform,
///     ..BatchConfig::contrastive_ne(7)
/// };
/// # let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
/// # let mut step = NegStep { clip: None, ..NegStep::new(Cauchy, 1.0) };
/// let mut sgd = BatchSgd::new(&g, 2, &config)?;
/// let r = sgd.run(&g, &mut step.clone(), &mut step, &mut y, 5, &mut Silent)?;
/// assert_eq!((r.positive_samples, r.negative_samples), (5 * 6, 5 * 6 * 3));
/// assert!(y.iter().all(|v| v.is_finite()));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NegativeSource {
    /// Uniformly from all `n` points.
    Uniform,
    /// Uniformly from the batch's other endpoint rows (contrastive-ne's default). With
    /// `batch_size = 1` the only other row is the sample's own tail, so every negative is its
    /// positive's tail: use batches of at least a few hundred (contrastive-ne: 1024).
    Batch,
}

/// Settings of a mini-batch run.
///
/// The learning rate of epoch `e` is `learning_rate · max(lr_min_factor, 1 - e/n_epochs)`:
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, step::NegStep};
/// use neighbor_embed::batch::{BatchConfig, BatchSgd};
/// use neighbor_embed::sgd::{Control, EpochInfo};
/// let config = BatchConfig {
///     n_epochs: 4, batch_size: 8, lr_min_factor: 0.5, ..BatchConfig::contrastive_ne(3)
/// };
/// # let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
/// # let mut y = [0.0, 0.0, 1.0, 0.0, 2.0, 0.0];
/// # let mut step = NegStep { clip: None, ..NegStep::new(Cauchy, 1.0) };
/// let mut rates = Vec::new();
/// let mut observer = |info: &EpochInfo<f64>, _: &[f64]| {
///     rates.push(info.learning_rate);
///     Control::Continue
/// };
/// BatchSgd::new(&g, 2, &config)?.run(&g, &mut step.clone(), &mut step, &mut y, 10, &mut observer)?;
/// assert_eq!(rates, [1.0, 0.75, 0.5, 0.5]); // 1 - 3/4 is floored at 0.5
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchConfig<T> {
    /// Epochs `N` (contrastive-ne: 200).
    pub n_epochs: usize,
    /// Directed edges per batch `B ≥ 1` (contrastive-ne: 32768).
    pub batch_size: usize,
    /// Negatives per positive sample `m` (contrastive-ne: 5); at most `1e6`, and a batch's
    /// `min(B, kept edges)·m` negatives must fit `usize` (checked by [`BatchSgd::new`]; only
    /// 32-bit targets can fail it, e.g. 4 400 edges a batch with `m = 1e6`).
    pub negatives: usize,
    /// Where negatives come from.
    pub source: NegativeSource,
    /// Initial learning rate (contrastive-ne, non-parametric: 1).
    pub learning_rate: T,
    /// Floor of the linear decay, as a fraction of the initial rate (contrastive-ne: 0).
    pub lr_min_factor: T,
    /// Momentum `μ ∈ [0, 1)` (contrastive-ne: 0).
    pub momentum: T,
    /// Clip of each accumulated gradient coordinate (contrastive-ne: 4).
    pub clip: Option<T>,
    /// Epochs run with the early step (contrastive-ne: `N/3` when a spectrum is set).
    pub early_epochs: usize,
    /// Seed.
    pub seed: u64,
}

impl<T: Real> BatchConfig<T> {
    /// contrastive-ne's defaults (200 epochs, batches of 32768, 5 negatives from the batch,
    /// lr 1 decayed to 0, no momentum, clip 4, no early phase).
    ///
    /// ```
    /// use neighbor_embed::batch::{BatchConfig, NegativeSource};
    /// let c = BatchConfig::<f32>::contrastive_ne(42);
    /// assert_eq!((c.n_epochs, c.batch_size, c.negatives), (200, 32768, 5));
    /// assert_eq!(c.source, NegativeSource::Batch);
    /// assert_eq!((c.learning_rate, c.lr_min_factor, c.momentum), (1.0, 0.0, 0.0));
    /// assert_eq!((c.clip, c.early_epochs, c.seed), (Some(4.0), 0, 42));
    /// ```
    pub fn contrastive_ne(seed: u64) -> Self {
        BatchConfig {
            n_epochs: 200,
            batch_size: 32768,
            negatives: 5,
            source: NegativeSource::Batch,
            learning_rate: T::one(),
            lr_min_factor: T::zero(),
            momentum: T::zero(),
            clip: Some(T::of_f64(4.0)),
            early_epochs: 0,
            seed,
        }
    }

    fn check(&self) -> Result<(), Error> {
        let num = |name, v: usize| {
            if v == 0 {
                Err(Error::Param {
                    name,
                    value: 0.0,
                    expected: "at least 1",
                })
            } else {
                Ok(())
            }
        };
        num("n_epochs", self.n_epochs)?;
        num("batch_size", self.batch_size)?;
        if self.negatives > 1_000_000 {
            return Err(Error::Param {
                name: "negatives",
                value: self.negatives as f64,
                expected: "at most 1e6",
            });
        }
        let lr = self.learning_rate;
        check_positive("learning_rate", lr)?;
        let f = self.lr_min_factor;
        check_param(
            "lr_min_factor",
            f,
            (T::zero()..=T::one()).contains(&f),
            "a number in [0, 1]",
        )?;
        let mu = self.momentum;
        check_param(
            "momentum",
            mu,
            mu >= T::zero() && mu < T::one(),
            "a number in [0, 1)",
        )?;
        if let Some(c) = self.clip {
            check_param("clip", c, c > T::zero() && !c.is_nan(), "a number > 0")?;
        }
        Ok(())
    }
}

/// The resumable state of a mini-batch run (feature `alloc`).
///
/// Epoch `e` draws from stream `e` of the seed, so a run split into several calls gives the
/// same bits as one call:
///
/// ```
/// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sgd::Silent, step::NegStep};
/// use neighbor_embed::batch::{BatchConfig, BatchSgd};
/// let g = CsrGraph::new(4, &[0, 1, 3, 5, 6], &[1, 0, 2, 1, 3, 2], &[1.0f32; 6])?; // a path
/// let config =
///     BatchConfig { n_epochs: 6, batch_size: 3, momentum: 0.5, ..BatchConfig::contrastive_ne(9) };
/// let mut step = NegStep { clip: None, ..NegStep::new(Cauchy, 1.0) };
/// let start = [0.0f32, 0.0, 1.0, 0.5, 2.0, 0.0, 3.0, 0.5];
/// let (mut once, mut split) = (start, start);
/// BatchSgd::new(&g, 2, &config)?.run(&g, &mut step.clone(), &mut step, &mut once, 6, &mut Silent)?;
/// let mut sgd = BatchSgd::new(&g, 2, &config)?;
/// sgd.run(&g, &mut step.clone(), &mut step, &mut split, 4, &mut Silent)?;
/// sgd.run(&g, &mut step.clone(), &mut step, &mut split, 2, &mut Silent)?;
/// assert_eq!(once, split);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BatchSgd<T> {
    config: BatchConfig<T>,
    epoch: usize,
    n: usize,
    dim: usize,
    edges: Vec<u32>,
    heads: Vec<u32>,
    acc: Vec<T>,
    velocity: Vec<T>,
    touched: Vec<u32>,
    marked: Vec<bool>,
    negatives: Vec<u32>,
    coeffs: Vec<T>,
}

impl<T: Real> BatchSgd<T> {
    /// A fresh run on the kept edges of `graph` for layouts of dimension `dim`.
    ///
    /// Errors: [`Error::Param`] for a configuration field out of range (see [`BatchConfig`];
    /// `negatives` also when a batch's `min(batch_size, kept edges)·negatives` overflows
    /// `usize`, 32-bit targets only) or `n·dim` overflowing `usize`,
    /// [`crate::LayoutError::ZeroDim`] for `dim = 0`, [`Error::Degenerate`] for a graph without
    /// kept edges.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sgd::Silent, step::NegStep};
    /// use neighbor_embed::batch::{BatchConfig, BatchSgd};
    /// let g = CsrGraph::new(4, &[0, 1, 3, 5, 6], &[1, 0, 2, 1, 3, 2], &[1.0f32; 6])?;
    /// let mut y = [0.0f32, 0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0];
    /// let config = BatchConfig { n_epochs: 20, batch_size: 4, ..BatchConfig::contrastive_ne(1) };
    /// let mut sgd = BatchSgd::new(&g, 2, &config)?;
    /// let step = NegStep { clip: None, push_negatives: true, ..NegStep::new(Cauchy, 1.0) };
    /// let r = sgd.run(&g, &mut step.clone(), &mut step.clone(), &mut y, usize::MAX, &mut Silent)?;
    /// assert_eq!(r.positive_samples, 20 * 6);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(graph: &CsrGraph<T>, dim: usize, config: &BatchConfig<T>) -> Result<Self, Error> {
        config.check()?;
        if dim == 0 {
            return Err(Error::Layout(crate::LayoutError::ZeroDim));
        }
        let edges: Vec<u32> = (0..graph.n())
            .flat_map(|i| {
                graph
                    .row_range(i)
                    .filter(move |&p| graph.keeps(graph.weights()[p]))
            })
            .map(|p| p as u32)
            .collect();
        if edges.is_empty() {
            return Err(Error::Degenerate {
                reason: "the graph has no kept edge",
            });
        }
        // a batch counts its b·m negatives in usize (b ≤ min(B, kept edges)): only 32-bit
        // targets can overflow it
        let b_max = config.batch_size.min(edges.len());
        if b_max.checked_mul(config.negatives).is_none() {
            return Err(Error::Param {
                name: "negatives",
                value: config.negatives as f64,
                expected: "min(batch_size, kept edges)·negatives representable as usize",
            });
        }
        let mut heads = vec![0u32; graph.nnz()];
        for i in 0..graph.n() {
            for p in graph.row_range(i) {
                heads[p] = i as u32;
            }
        }
        let n = graph.n();
        let len = n.checked_mul(dim).ok_or(Error::Param {
            name: "dim",
            value: dim as f64,
            expected: "n·dim representable as usize",
        })?;
        Ok(BatchSgd {
            config: *config,
            epoch: 0,
            n,
            dim,
            edges,
            heads,
            acc: vec![T::zero(); len],
            velocity: if config.momentum > T::zero() {
                vec![T::zero(); len]
            } else {
                Vec::new()
            },
            touched: Vec::with_capacity(n),
            marked: vec![false; n],
            negatives: vec![0; config.negatives],
            coeffs: vec![T::zero(); config.negatives + 1],
        })
    }

    /// The next epoch to run.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, sgd::Silent, step::NegStep};
    /// use neighbor_embed::batch::{BatchConfig, BatchSgd};
    /// # let g = CsrGraph::new(3, &[0, 1, 3, 4], &[1, 0, 2, 1], &[1.0f64; 4])?;
    /// # let mut y = [0.0, 0.0, 1.0, 0.0, 2.0, 0.0];
    /// # let mut step = NegStep { clip: None, ..NegStep::new(Cauchy, 1.0) };
    /// let config = BatchConfig { n_epochs: 5, ..BatchConfig::contrastive_ne(1) };
    /// let mut sgd = BatchSgd::new(&g, 2, &config)?;
    /// assert_eq!(sgd.epoch(), 0);
    /// sgd.run(&g, &mut step.clone(), &mut step, &mut y, 3, &mut Silent)?;
    /// assert_eq!(sgd.epoch(), 3);
    /// // asking for more epochs than remain stops at `n_epochs`
    /// let r = sgd.run(&g, &mut step.clone(), &mut step, &mut y, 10, &mut Silent)?;
    /// assert_eq!((r.epochs, sgd.epoch()), (2, 5));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Runs up to `epochs` more epochs on `coords` (`n × dim`): `early` during the first
    /// `early_epochs` epochs, `main` afterwards.
    ///
    /// ```
    /// use neighbor_embed::{graph::CsrGraph, kernel::Cauchy, step::NegStep};
    /// use neighbor_embed::batch::{BatchConfig, BatchSgd};
    /// use neighbor_embed::sgd::{Control, EpochInfo};
    /// // two triangles
    /// let indices = [1, 2, 0, 2, 0, 1, 4, 5, 3, 5, 3, 4];
    /// let g = CsrGraph::new(6, &[0, 2, 4, 6, 8, 10, 12], &indices, &[1.0f64; 12])?;
    /// let mut y: Vec<f64> = (0..12).map(|k| (k as f64 * 0.7).sin()).collect();
    /// let config = BatchConfig {
    ///     n_epochs: 50, batch_size: 4, early_epochs: 10, ..BatchConfig::contrastive_ne(5)
    /// };
    /// // early phase at the UMAP end (`s = 1`, more attraction), then towards the t-SNE end
    /// let mut early = NegStep { clip: None, ..NegStep::new(Cauchy, 1.0) };
    /// let mut main = NegStep { clip: None, ..NegStep::new(Cauchy, 0.1) };
    /// let mut sgd = BatchSgd::new(&g, 2, &config)?;
    /// // an observer that stops the run after epoch 19 (0-based)
    /// let mut stop = |info: &EpochInfo<f64>, _: &[f64]| {
    ///     if info.epoch == 19 { Control::Stop } else { Control::Continue }
    /// };
    /// let r = sgd.run(&g, &mut early, &mut main, &mut y, usize::MAX, &mut stop)?;
    /// assert!(r.stopped && r.epochs == 20 && sgd.epoch() == 20);
    /// assert_eq!(r.positive_samples, 20 * 12); // every directed edge once per epoch
    /// assert!(y.iter().all(|v| v.is_finite()));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn run<S: Step<T>, E: Step<T>, O: Observer<T>>(
        &mut self,
        graph: &CsrGraph<T>,
        early: &mut E,
        main: &mut S,
        coords: &mut [T],
        epochs: usize,
        observer: &mut O,
    ) -> Result<RunReport, Error> {
        if graph.n() != self.n || graph.nnz() != self.heads.len() {
            return Err(Error::Degenerate {
                reason: "the graph differs from the one this state was built for",
            });
        }
        let layout = crate::layout::Layout::new(coords, self.dim)?;
        layout.check_points(self.n)?;
        early.check()?;
        main.check()?;
        let mut report = RunReport::default();
        let want_loss = observer.wants_loss();
        while report.epochs < epochs && self.epoch < self.config.n_epochs {
            let info = if self.epoch < self.config.early_epochs {
                self.epoch_once(graph, early, coords, want_loss)
            } else {
                self.epoch_once(graph, main, coords, want_loss)
            };
            report.epochs += 1;
            report.positive_samples += info.positive_samples;
            report.negative_samples += info.negative_samples;
            if observer.on_epoch(&info, coords) == Control::Stop {
                report.stopped = true;
                break;
            }
        }
        Ok(report)
    }

    fn epoch_once<S: Step<T>>(
        &mut self,
        graph: &CsrGraph<T>,
        step: &mut S,
        coords: &mut [T],
        want_loss: bool,
    ) -> EpochInfo<T> {
        let c = self.config;
        let epoch = self.epoch;
        let decay = T::one() - T::of_usize(epoch) / T::of_usize(c.n_epochs);
        let lr = c.learning_rate * decay.max(c.lr_min_factor);
        let mut rng = Pcg32::for_stream(c.seed, epoch as u64);
        // Fisher–Yates shuffle of the kept edges
        for k in (1..self.edges.len()).rev() {
            let j = bounded(&mut rng, (k + 1) as u32) as usize;
            self.edges.swap(k, j);
        }
        let (mut pos, mut neg, mut loss) = (0u64, 0u64, T::zero());
        let dim = self.dim;
        for start in (0..self.edges.len()).step_by(c.batch_size) {
            let batch = &self.edges[start..(start + c.batch_size).min(self.edges.len())];
            let b = batch.len();
            {
                let mut sink = Frozen::new(&*coords, &mut self.acc, dim, None);
                for (r, &p) in batch.iter().enumerate() {
                    let (h, t) = (
                        self.heads[p as usize] as usize,
                        graph.indices()[p as usize] as usize,
                    );
                    for slot in self.negatives.iter_mut() {
                        *slot = match c.source {
                            NegativeSource::Uniform => bounded(&mut rng, self.n as u32),
                            NegativeSource::Batch => {
                                // a row of the 2b batch rows other than r: heads then tails
                                let mut q = bounded(&mut rng, (2 * b - 1) as u32) as usize;
                                if q >= r {
                                    q += 1;
                                }
                                let e = batch[q % b] as usize;
                                if q < b {
                                    self.heads[e]
                                } else {
                                    graph.indices()[e]
                                }
                            }
                        };
                    }
                    for v in [h, t]
                        .into_iter()
                        .chain(self.negatives.iter().map(|&k| k as usize))
                    {
                        if !self.marked[v] {
                            self.marked[v] = true;
                            self.touched.push(v as u32);
                        }
                    }
                    let sample = Sample {
                        head: h,
                        tail: t,
                        negatives: &self.negatives,
                    };
                    loss += step.apply(&mut sink, sample, T::one(), want_loss, &mut self.coeffs);
                }
            }
            step.end_batch();
            pos += b as u64;
            neg += (b * c.negatives) as u64;
            // apply: clip the summed update of each coordinate, then (momentum) SGD
            let clip = |x: T| match c.clip {
                Some(k) => x.max(-k).min(k),
                None => x,
            };
            if self.velocity.is_empty() {
                for &v in &self.touched {
                    let v = v as usize;
                    for d in 0..dim {
                        let a = &mut self.acc[v * dim + d];
                        coords[v * dim + d] += lr * clip(*a);
                        *a = T::zero();
                    }
                }
            } else {
                for (k, vel) in self.velocity.iter_mut().enumerate() {
                    *vel = c.momentum * *vel + clip(self.acc[k]);
                    self.acc[k] = T::zero();
                    coords[k] += lr * *vel;
                }
            }
            for &v in &self.touched {
                self.marked[v as usize] = false;
            }
            self.touched.clear();
        }
        self.epoch += 1;
        EpochInfo {
            epoch,
            n_epochs: c.n_epochs,
            learning_rate: lr,
            loss: want_loss.then_some(loss),
            positive_samples: pos,
            negative_samples: neg,
        }
    }
}
