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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NegativeSource {
    /// Uniformly from all `n` points.
    Uniform,
    /// Uniformly from the batch's other endpoint rows (contrastive-ne's default).
    Batch,
}

/// Settings of a mini-batch run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchConfig<T> {
    /// Epochs `N` (contrastive-ne: 200).
    pub n_epochs: usize,
    /// Directed edges per batch `B ≥ 1` (contrastive-ne: 32768).
    pub batch_size: usize,
    /// Negatives per positive sample `m` (contrastive-ne: 5).
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
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Runs up to `epochs` more epochs on `coords` (`n × dim`): `early` during the first
    /// `early_epochs` epochs, `main` afterwards.
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
