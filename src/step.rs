//! One SGD sample: an attractive edge `(head, tail)` plus its negatives, for each loss family.
//!
//! Steps are pure functions of the positions they read through a [`Sink`] and the indices they
//! are given; they allocate nothing. The loops in [`crate::sgd`] draw the negatives and call
//! [`Step::apply`]; a caller can also drive a step directly. Every step moves points by
//! `y += lr · clip(c (y_i - y_j))` with the update coefficients of [`crate::kernel`] (MATH.md §0:
//! `c < 0` attracts), clipping per coordinate before the learning rate when `clip` is set.
//!
//! | step | loss per sample | MATH.md |
//! |---|---|---|
//! | [`BceStep`] | `-ln w_ij - γ Σ_k ln(1 - w_ik)`, exactly umap-learn's update | §B.2 |
//! | [`NegStep`] | `-ln q_ij - λ Σ_k ln(1 - q_ik)`, `q = w/(w + s)` | §B.5 |
//! | [`NceStep`] | the same with `s = m ξ e^θ` and `θ = ln Z` learnt | §B.5 |
//! | [`InfoNceStep`] | `-ln w_ij + (1/ρ) ln(w_ij + Σ_k w_ik)` | §B.6 |
//!
//! A negative equal to `head` is skipped (umap-learn wastes that draw). A negative at the same
//! position as the head exerts no force (umap-learn ≥ 0.5.4; the direction is undefined).

use crate::Real;
use crate::dispatch::{self, Hot};
use crate::error::{Error, check_param, check_positive};
use crate::fast_math::{LANES, lanes, pad_x};
use crate::kernel::{BceKernel, Kernel};
use crate::sink::Sink;

/// Samples in one batch of the lockstep order ([`crate::sgd::SampleOrder::Lockstep`]), one per
/// SIMD lane of [`BceStep`]'s batched step: part of that mode's definition (its order of
/// updates, so its bits), the same on every target. Sixteen `f32` lanes are one AVX-512
/// register, two AVX2 registers or four SSE2, `simd128` or NEON registers; with eight the
/// dispatched AVX2 copy of the batch ran about 1.25× slower per update (kernel-only roofline,
/// Zen 4: 176 against 222 M updates/s), being bound by its per-batch work and its dependency
/// chains rather than by arithmetic throughput.
///
/// ```
/// assert_eq!(neighbor_embed::step::LOCKSTEP_LANES, 16);
/// ```
pub const LOCKSTEP_LANES: usize = 16;

/// A lockstep batch's lane arrays on the stack, aligned to 64 bytes (one cache line, one
/// AVX-512 register of sixteen `f32`). The batch fills them lane by lane with scalar stores
/// and reads them back as whole vectors; with the stack's usual 16-byte alignment their
/// offset within a cache line depended on where the process's stack happened to start
/// (randomised per run), and on Zen 4 half of all runs were about 18% slower (mnist70k, fast
/// math: 89 against 107 M updates/s; the same with `setarch -R` and the environment grown by
/// 16 bytes). Aligned, every run takes the fast path. The attraction's lane results, written
/// as vectors and read back lane by lane, gain about 1.5% more from the same alignment. No
/// effect on any result.
#[repr(align(64))]
struct Aligned<A>(A);

// the speed above depends on it: a guard against losing the attribute
const _: () = assert!(core::mem::align_of::<Aligned<[f32; LOCKSTEP_LANES]>>() == 64);

impl<A> core::ops::Deref for Aligned<A> {
    type Target = A;
    fn deref(&self) -> &A {
        &self.0
    }
}

impl<A> core::ops::DerefMut for Aligned<A> {
    fn deref_mut(&mut self) -> &mut A {
        &mut self.0
    }
}

/// One positive sample: the edge `(head, tail)` and the negatives drawn for it.
///
/// ```
/// use neighbor_embed::{kernel::Umap, sink::InPlace, step::{BceStep, Sample, Step}};
/// let sample = Sample { head: 0, tail: 1, negatives: &[0, 0] };
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let (mut a, mut b) = ([0.0f64, 1.0], [0.0f64, 1.0]);
/// step.apply(&mut InPlace::new(&mut a, 1, None), sample, 1.0, false, &mut [0.0; 3]);
/// let no_negatives = Sample { negatives: &[], ..sample };
/// step.apply(&mut InPlace::new(&mut b, 1, None), no_negatives, 1.0, false, &mut [0.0; 3]);
/// assert_eq!(a, b); // negatives equal to the head are skipped (umap-learn wastes the draws)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample<'a> {
    /// The head `i` of the attractive edge (the point that is always moved).
    pub head: usize,
    /// The tail `j` of the attractive edge.
    pub tail: usize,
    /// The negative samples `k` (indices of points).
    pub negatives: &'a [u32],
}

/// One positive sample with its negatives.
///
/// ```
/// use neighbor_embed::{Error, graph::CsrGraph, sink::{InPlace, Sink}, step::{Sample, Step}};
/// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
/// /// Moves each head a fraction `lr` of the way to its tail, ignoring negatives; counts what
/// /// the loop hands it.
/// struct Pull { samples: u64, negatives: u64 }
/// impl Step<f64> for Pull {
///     fn check(&self) -> Result<(), Error> { Ok(()) }
///     fn apply<S: Sink<f64>>(&mut self, sink: &mut S, s: Sample<'_>, lr: f64, _: bool, _: &mut [f64]) -> f64 {
///         for d in 0..sink.dim() {
///             let delta = lr * (sink.coord(s.tail, d) - sink.coord(s.head, d));
///             sink.add(s.head, d, delta);
///         }
///         self.samples += 1;
///         self.negatives += s.negatives.len() as u64;
///         0.0
///     }
/// }
/// let g = CsrGraph::new(3, &[0, 2, 3, 4], &[1, 2, 0, 0], &[1.0f64, 0.5, 1.0, 0.5])?;
/// let config = UmapConfig { n_epochs: 10, ..UmapConfig::umap_learn(3, 1) };
/// let mut pull = Pull { samples: 0, negatives: 0 };
/// let mut y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
/// let report = OwnedUmapSgd::<f64>::new(&g, &config)?
///     .run(&g, &mut pull, &mut InPlace::new(&mut y, 2, None), usize::MAX, &mut Silent)?;
/// assert_eq!((pull.samples, pull.negatives), (report.positive_samples, report.negative_samples));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub trait Step<T: Real> {
    /// Validates the step's parameters (the loops call it once before running).
    ///
    /// ```
    /// use neighbor_embed::{Error, graph::CsrGraph, kernel::Umap, sink::InPlace, step::{BceStep, Step}};
    /// use neighbor_embed::sgd::{OwnedUmapSgd, Silent, UmapConfig};
    /// let mut step = BceStep { gamma: -1.0f64, ..BceStep::umap_learn(Umap::umap_learn_default()) };
    /// assert!(matches!(step.check(), Err(Error::Param { name: "gamma", .. })));
    /// // a loop refuses it before running anything
    /// let g = CsrGraph::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0])?;
    /// let mut sgd = OwnedUmapSgd::<f64>::new(&g, &UmapConfig::umap_learn(2, 0))?;
    /// let mut y = [0.0, 1.0];
    /// let run = sgd.run(&g, &mut step, &mut InPlace::new(&mut y, 1, None), usize::MAX, &mut Silent);
    /// assert!(run.is_err() && sgd.epoch() == 0);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn check(&self) -> Result<(), Error>;

    /// Applies `sample` at learning rate `lr`. Returns the sample's loss (a per-sample
    /// estimate, from positions before the update) when `want_loss`, else 0. `scratch` must
    /// hold at least `negatives.len() + 1` values (used by [`InfoNceStep`] and by [`BceStep`]'s
    /// batched negatives outside two dimensions; the loops size it). Indices must
    /// be `< sink.n()` (the loops guarantee it).
    ///
    /// This is the hot path: nothing is validated here. The loops validate what they pass: the
    /// sink ([`Sink::check`]), the step's parameters ([`Step::check`]), the indices and a
    /// finite learning rate. A direct caller must do the same: `lr` must be finite (a NaN `lr`
    /// gives NaN coordinates, an infinite one `∞ · 0` = NaN), the step must pass
    /// [`Step::check`] and the sink [`Sink::check`].
    ///
    /// # Panics
    ///
    /// If `head`, `tail` or a negative is `≥ sink.n()`, if `scratch` is shorter than needed,
    /// or if the sink's pin mask has fewer than `n` entries (a sink that [`Sink::check`]
    /// accepts has `n`; the loops call it before running).
    ///
    /// ```
    /// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{NegStep, Sample, Step}};
    /// let mut step = NegStep::new(Cauchy, 1.0);
    /// let sample = Sample { head: 0, tail: 1, negatives: &[] };
    /// let mut y = [0.0f64, 1.0];
    /// let loss = step.apply(&mut InPlace::new(&mut y, 1, None), sample, 0.1, true, &mut [0.0]);
    /// // from the positions before the update: w = 1/(1 + 1) = 1/2, q = w/(w + s) = 1/3
    /// assert!((loss - 3f64.ln()).abs() < 1e-15); // -ln q
    /// assert!(y[1] - y[0] < 1.0); // the pair moved closer
    /// assert_eq!(step.apply(&mut InPlace::new(&mut y, 1, None), sample, 0.1, false, &mut [0.0]), 0.0);
    /// ```
    fn apply<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        sample: Sample<'_>,
        lr: T,
        want_loss: bool,
        scratch: &mut [T],
    ) -> T;

    /// Applies up to [`LOCKSTEP_LANES`] samples handed over together by a loop walking several head
    /// ranges in lockstep ([`crate::sgd::SampleOrder::Lockstep`]). `scratch` must hold at least
    /// `Σ (negatives.len() + 1)` values. Returns the summed loss (when `want_loss`). The
    /// preconditions of [`Step::apply`] hold for every sample (`lr` finite, a checked step and
    /// sink).
    ///
    /// # Panics
    ///
    /// As [`Step::apply`]: an index `≥ sink.n()` in any sample, a `scratch` shorter than
    /// needed, or a pin mask with fewer than `n` entries.
    ///
    /// Default: the samples one after the other, as by [`Step::apply`], with
    /// [`Step::end_batch`] between them (exactly the updates of separate calls).
    /// [`BceStep`] with `batched_negatives` overrides it: the samples form one batch (see
    /// there).
    ///
    /// ```
    /// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{NegStep, Sample, Step}};
    /// let mut step = NegStep::new(Cauchy, 1.0);
    /// let batch = [
    ///     Sample { head: 0, tail: 1, negatives: &[2] },
    ///     Sample { head: 2, tail: 1, negatives: &[0] },
    /// ];
    /// let (mut a, mut b) = ([0.0f64, 1.0, 3.0], [0.0f64, 1.0, 3.0]);
    /// step.apply_batch(&mut InPlace::new(&mut a, 1, None), &batch, 0.1, false, &mut [0.0; 4]);
    /// for sample in batch {
    ///     step.apply(&mut InPlace::new(&mut b, 1, None), sample, 0.1, false, &mut [0.0; 2]);
    /// }
    /// assert_eq!(a, b); // the default: one sample after the other
    /// ```
    fn apply_batch<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        samples: &[Sample<'_>],
        lr: T,
        want_loss: bool,
        scratch: &mut [T],
    ) -> T {
        apply_each(self, sink, samples, lr, want_loss, scratch)
    }

    /// Applies pending updates of scalar parameters (NCE's `ln Z`). Loops call it after every
    /// sample (per-sample SGD), after every [`Step::apply_batch`] or after every mini-batch
    /// (mini-batch SGD). Default: nothing.
    ///
    /// ```
    /// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{NceStep, Sample, Step}};
    /// let mut step = NceStep::new(Cauchy, 5.0, 3, 0.0, 0.01)?;
    /// let mut y = [0.0f64, 0.5, 4.0];
    /// let sample = Sample { head: 0, tail: 1, negatives: &[2] };
    /// step.apply(&mut InPlace::new(&mut y, 1, None), sample, 0.1, false, &mut [0.0; 2]);
    /// let pending = step.pending;
    /// assert!(pending != 0.0 && step.ln_z == 0.0); // ∂ℓ/∂θ is held back...
    /// step.end_batch(); // ...until the batch ends: θ -= lr_z · clip(∂ℓ/∂θ)
    /// assert_eq!((step.ln_z, step.pending), (-0.01 * pending, 0.0)); // |pending| < clip 4
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    fn end_batch(&mut self) {}
}

/// [`Step::apply`] of each sample in turn, [`Step::end_batch`] between them: what
/// [`Step::apply_batch`] does unless a step defines a batch of its own.
fn apply_each<T: Real, P: Step<T> + ?Sized, S: Sink<T>>(
    step: &mut P,
    sink: &mut S,
    samples: &[Sample<'_>],
    lr: T,
    want_loss: bool,
    scratch: &mut [T],
) -> T {
    let mut loss = T::zero();
    for (k, sample) in samples.iter().enumerate() {
        if k > 0 {
            step.end_batch();
        }
        loss += step.apply(sink, *sample, lr, want_loss, scratch);
    }
    loss
}

/// `x` clipped to `[-c, c]` (`c > 0`), or `x` itself without a bound.
#[inline]
fn clip<T: Real>(x: T, c: Option<T>) -> T {
    match c {
        Some(c) => clip_to(x, c),
        None => x,
    }
}

/// The bound of [`clip`] as a number: `c`, or `+∞` for no clipping.
#[inline(always)]
fn clip_bound<T: Real>(c: Option<T>) -> T {
    c.unwrap_or(T::infinity())
}

/// `x` clipped to `[-c, c]` for a bound `c > 0` (`+∞` from [`clip_bound`]: `x` itself, for
/// every `x` but NaN), by comparisons and selects: the bits of `x.max(-c).min(c)` for every
/// `x`, NaN included (`-c`), without `max`/`min`, which compile to calls of `fmaxf`/`fminf`
/// on WebAssembly (whose `f32.max` propagates NaN) and to NaN fix-ups on x86.
#[inline(always)]
pub(crate) fn clip_to<T: Real>(x: T, c: T) -> T {
    let below = if x > c { c } else { x };
    if below >= -c { below } else { -c }
}

fn check_clip<T: Real>(clip: Option<T>) -> Result<(), Error> {
    if let Some(c) = clip {
        check_param("clip", c, c > T::zero() && !c.is_nan(), "a number > 0")?;
    }
    Ok(())
}

fn check_nonneg<T: Real>(name: &'static str, x: T) -> Result<(), Error> {
    check_param(
        name,
        x,
        x >= T::zero() && x.is_finite(),
        "a finite number >= 0",
    )
}

/// Moves `head` by `lr · clip(c (y_h - y_o))` per coordinate and `other` by the opposite when
/// `move_other` (diffs use each coordinate's value before its update, as umap-learn does).
#[inline]
fn pair_update<T: Real, S: Sink<T>>(
    sink: &mut S,
    head: usize,
    other: usize,
    c: T,
    lr: T,
    clip_to: Option<T>,
    move_other: bool,
) {
    if c == T::zero() {
        return;
    }
    if sink.dim() == 2 {
        let x = diff_2d(sink.positions(), head, other);
        pair_update_2d(sink, head, other, c, x, lr, clip_to, move_other);
        return;
    }
    for d in 0..sink.dim() {
        let f = c * (sink.coord(head, d) - sink.coord(other, d));
        // an infinite coefficient times a zero difference: no force along this axis
        let delta = clip(if f.is_nan() { T::zero() } else { f }, clip_to);
        sink.add(head, d, lr * delta);
        if move_other {
            sink.add(other, d, -(lr * delta));
        }
    }
}

/// [`pair_update`] written out for two dimensions (the same operations in the same order),
/// from the differences `x = y_head - y_other` read before any update.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pair_update_2d<T: Real, S: Sink<T>>(
    sink: &mut S,
    head: usize,
    other: usize,
    c: T,
    x: [T; 2],
    lr: T,
    clip_to: Option<T>,
    move_other: bool,
) {
    for (d, x) in x.into_iter().enumerate() {
        let f = c * x;
        let delta = clip(if f.is_nan() { T::zero() } else { f }, clip_to);
        sink.add(head, d, lr * delta);
        if move_other {
            sink.add(other, d, -(lr * delta));
        }
    }
}

/// umap-learn's update (MATH.md §B.2): attraction `c_att` moving both ends (`move_other`),
/// then for each negative `k ≠ head` at positive distance a repulsion `c_rep(γ, ε)` of the head
/// only; per-coordinate clip before the learning rate.
///
/// ```
/// use neighbor_embed::{kernel::Umap, sink::InPlace, step::{BceStep, Sample, Step}};
/// let mut y = [0.0f64, 0.0, 1.0, 0.0, 0.0, 0.5];
/// let mut step = BceStep::umap_learn(Umap::umap_learn_default());
/// let mut sink = InPlace::new(&mut y, 2, None);
/// step.apply(&mut sink, Sample { head: 0, tail: 1, negatives: &[2] }, 1.0, false, &mut [0.0; 2]);
/// assert!(y[0] > 0.0 && y[2] < 1.0); // 0 and 1 attract; 2 pushes 0 down
/// assert!(y[1] < 0.0 && y[4] == 0.0); // the negative itself does not move
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BceStep<T, K> {
    /// The kernel (umap-learn: [`crate::kernel::Umap`]).
    pub kernel: K,
    /// Repulsion strength `γ ≥ 0`.
    pub gamma: T,
    /// Repulsion regulariser `ε ≥ 0` (squared embedding units).
    pub eps: T,
    /// Per-coordinate clip (umap-learn: 4).
    pub clip: Option<T>,
    /// Attraction moves the tail too (umap-learn's `fit`: true; `transform`: false).
    pub move_other: bool,
    /// The update order within a sample. `false` (umap-learn's): the attraction moves head
    /// and tail, then each negative reads the head's position as moved by the previous one.
    /// `true` ("batched", a mode of this crate): every coefficient and difference is computed
    /// from the positions at the start of the sample, independently of the others (so a CPU
    /// overlaps them, and the attraction shares a lane evaluation with the negatives); then,
    /// per coordinate, the head moves by the attraction's `lr · clip(c_att (y_h - y_t))` (the
    /// tail by its opposite with `move_other`) and then by the sum, in negative order, of the
    /// clipped repulsions `lr · clip(c_k (y_h - y_k))`. Needs `scratch` of `negatives.len()`
    /// values.
    ///
    /// Samples handed over together ([`Step::apply_batch`], from the loops'
    /// [`crate::sgd::SampleOrder::Lockstep`]) form one batch: every sample's coefficients and
    /// differences from the positions at the start of the batch, then the samples' updates in
    /// order, each as above. Each sample's arithmetic is the single-sample one (the same bits
    /// from the same positions); in two dimensions the samples ride in SIMD lanes, one
    /// sample per lane.
    pub batched_negatives: bool,
}

impl<T: Real, K: BceKernel<T>> BceStep<T, K> {
    /// umap-learn's settings: `γ = 1`, `ε = 0.001`, clip 4, `move_other`, negatives in
    /// sequence.
    ///
    /// ```
    /// use neighbor_embed::{kernel::Umap, step::{BceStep, Step}};
    /// let step = BceStep::<f32, _>::umap_learn(Umap::umap_learn_default());
    /// assert_eq!((step.gamma, step.eps, step.clip), (1.0, 0.001, Some(4.0)));
    /// assert!(step.move_other && !step.batched_negatives);
    /// assert!(step.check().is_ok());
    /// ```
    pub fn umap_learn(kernel: K) -> Self {
        BceStep {
            kernel,
            gamma: T::one(),
            eps: T::of_f64(0.001),
            clip: Some(T::of_f64(4.0)),
            move_other: true,
            batched_negatives: false,
        }
    }
}

impl<T: Real, K: BceKernel<T>> Step<T> for BceStep<T, K> {
    fn check(&self) -> Result<(), Error> {
        check_nonneg("gamma", self.gamma)?;
        check_nonneg("eps", self.eps)?;
        check_clip(self.clip)
    }

    fn apply<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        sample: Sample<'_>,
        lr: T,
        want_loss: bool,
        scratch: &mut [T],
    ) -> T {
        let Sample {
            head,
            tail,
            negatives,
        } = sample;
        if self.batched_negatives {
            let samples = core::slice::from_ref(&sample);
            return run_batch::<_, _, _, ONE_SAMPLE>(self, sink, samples, lr, want_loss, scratch);
        }
        let mut loss = T::zero();
        if sink.dim() == 2 {
            // written out: the differences serve the distance and the update
            let x = diff_2d(sink.positions(), head, tail);
            let d2 = x[0] * x[0] + x[1] * x[1];
            if want_loss {
                loss += -self.kernel.ln_value(d2);
            }
            if d2 > T::zero() {
                let c = self.kernel.c_att(d2);
                if c != T::zero() {
                    pair_update_2d(sink, head, tail, c, x, lr, self.clip, self.move_other);
                }
            }
        } else {
            let d2 = sink.sq_dist(head, tail);
            if want_loss {
                loss += -self.kernel.ln_value(d2);
            }
            if d2 > T::zero() {
                let c = self.kernel.c_att(d2);
                pair_update(sink, head, tail, c, lr, self.clip, self.move_other);
            }
        }
        let two = sink.dim() == 2;
        for &k in negatives {
            let k = k as usize;
            if k == head {
                continue;
            }
            let (d2, x) = if two {
                let x = diff_2d(sink.positions(), head, k);
                (x[0] * x[0] + x[1] * x[1], x)
            } else {
                (sink.sq_dist(head, k), [T::zero(); 2])
            };
            // γ = 0 weighs the term out (also its +∞ at a coincident negative: no 0·∞ = NaN)
            if want_loss && self.gamma != T::zero() {
                loss += -self.gamma * self.kernel.ln_1m_value(d2);
            }
            if d2 > T::zero() {
                let c = self.kernel.c_rep(d2, self.gamma, self.eps);
                if !two {
                    pair_update(sink, head, k, c, lr, self.clip, false);
                } else if c != T::zero() {
                    pair_update_2d(sink, head, k, c, x, lr, self.clip, false);
                }
            }
        }
        loss
    }

    fn apply_batch<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        samples: &[Sample<'_>],
        lr: T,
        want_loss: bool,
        scratch: &mut [T],
    ) -> T {
        if !self.batched_negatives || samples.len() > LOCKSTEP_LANES {
            return apply_each(self, sink, samples, lr, want_loss, scratch);
        }
        if sink.dim() == 2 {
            run_batch::<_, _, _, LOCKSTEP_2D>(self, sink, samples, lr, want_loss, scratch)
        } else {
            run_batch::<_, _, _, GENERAL>(self, sink, samples, lr, want_loss, scratch)
        }
    }
}

/// [`Batch`] kind: one sample ([`batched_sample`]).
const ONE_SAMPLE: u8 = 0;
/// [`Batch`] kind: up to [`LOCKSTEP_LANES`] samples in two dimensions ([`lockstep_2d`]).
const LOCKSTEP_2D: u8 = 1;
/// [`Batch`] kind: up to [`LOCKSTEP_LANES`] samples in any dimension ([`batched_general`]).
const GENERAL: u8 = 2;

/// The batched step's work on `samples` as a [`Hot`] computation; `KIND` picks the function
/// (a type parameter, so each kind gets its own copy of the code).
struct Batch<'a, 'b, 'c, 'd, T, K, S, const KIND: u8> {
    step: &'a BceStep<T, K>,
    sink: &'a mut S,
    samples: &'b [Sample<'c>],
    lr: T,
    want_loss: bool,
    scratch: &'d mut [T],
}

/// The batched step's `KIND` of work on `samples`, through [`dispatch::run`].
#[inline(always)]
fn run_batch<T: Real, K: BceKernel<T>, S: Sink<T>, const KIND: u8>(
    step: &BceStep<T, K>,
    sink: &mut S,
    samples: &[Sample<'_>],
    lr: T,
    want_loss: bool,
    scratch: &mut [T],
) -> T {
    dispatch::run(Batch::<_, _, _, KIND> {
        step,
        sink,
        samples,
        lr,
        want_loss,
        scratch,
    })
}

impl<T: Real, K: BceKernel<T>, S: Sink<T>, const KIND: u8> Hot
    for Batch<'_, '_, '_, '_, T, K, S, KIND>
{
    type Output = T;
    // the general batch evaluates each sample's negatives LANES at a time
    const WIDE: bool = KIND == LOCKSTEP_2D;
    #[inline(always)]
    fn run<const COPY: u8>(self) -> T {
        let Batch {
            step,
            sink,
            samples,
            lr,
            want_loss,
            scratch,
        } = self;
        match KIND {
            ONE_SAMPLE => {
                let s = &samples[0];
                batched_sample(
                    step,
                    sink,
                    s.head,
                    s.tail,
                    s.negatives,
                    lr,
                    want_loss,
                    scratch,
                )
            }
            LOCKSTEP_2D => lockstep_2d::<_, _, _, COPY>(step, sink, samples, lr, want_loss),
            _ => batched_general(step, sink, samples, lr, want_loss, scratch),
        }
    }
}

/// Point `i` of a two-dimensional layout (one bounds check for both coordinates).
#[inline(always)]
fn point_2d<T: Real>(pos: &[T], i: usize) -> [T; 2] {
    let p = &pos[2 * i..2 * i + 2];
    [p[0], p[1]]
}

/// `y_i - y_j` of a two-dimensional layout. With it, `x0·x0 + x1·x1` is [`Sink::sq_dist`]
/// exactly (its first addition, `0 + x0²`, is exact).
#[inline(always)]
fn diff_2d<T: Real>(pos: &[T], i: usize, j: usize) -> [T; 2] {
    diff_points(point_2d(pos, i), point_2d(pos, j))
}

/// `a - b` per coordinate: [`diff_2d`] of two points already read.
#[inline(always)]
fn diff_points<T: Real>(a: [T; 2], b: [T; 2]) -> [T; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

/// The batched sample of [`BceStep`] (`batched_negatives`): every coefficient and every
/// difference from the positions at the start of the sample, then per coordinate `d`: the
/// attraction `δ = lr·clip(c_att (y_h - y_t))` added to the head (and `-δ` to the tail with
/// `move_other`), then the repulsions' sum `Σ_k lr·clip(c_k (y_h - y_k))` (in negative order)
/// added to the head. Returns the sample's loss when `want_loss`.
///
/// Uses `scratch[..negatives.len()]` (dimensions other than 2: [`batched_general`]).
#[allow(clippy::too_many_arguments)]
// inlined into each copy of the dispatched code (`dispatch`); elsewhere left to the compiler
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
fn batched_sample<T: Real, K: BceKernel<T>, S: Sink<T>>(
    step: &BceStep<T, K>,
    sink: &mut S,
    head: usize,
    tail: usize,
    negatives: &[u32],
    lr: T,
    want_loss: bool,
    scratch: &mut [T],
) -> T {
    if sink.dim() == 2 {
        return batched_sample_2d(step, sink, head, tail, negatives, lr, want_loss);
    }
    let sample = Sample {
        head,
        tail,
        negatives,
    };
    batched_general(step, sink, &[sample], lr, want_loss, scratch)
}

/// [`batched_sample`] written out for two dimensions: the same operations in the same order,
/// so the same bits. The differences gathered for the distances are the ones the updates
/// need (one gather per point), and the attraction rides in lane 0 of the first chunk of
/// [`LANES`], so one lane evaluation (UMAP: one `pow` of eight lanes) serves the attraction and
/// up to seven negatives.
///
/// Masked lanes (the attraction's lane in the sums, the head itself, a coincident negative,
/// padding) contribute `lr·clip(0·x)`, a signed zero, which leaves a sum that starts at `+0`
/// unchanged (IEEE: `+0 + -0 = +0`, and a round-to-nearest sum is `-0` only when both terms
/// are).
#[inline(always)]
fn batched_sample_2d<T: Real, K: BceKernel<T>, S: Sink<T>>(
    step: &BceStep<T, K>,
    sink: &mut S,
    head: usize,
    tail: usize,
    negatives: &[u32],
    lr: T,
    want_loss: bool,
) -> T {
    let pos = sink.positions();
    let (yh0, yh1) = (pos[2 * head], pos[2 * head + 1]);
    let x_att = diff_2d(pos, head, tail);
    let d2_att = x_att[0] * x_att[0] + x_att[1] * x_att[1];
    let mut loss = if want_loss {
        -step.kernel.ln_value(d2_att)
    } else {
        T::zero()
    };
    let mut c_att = T::zero();
    let (mut t0, mut t1) = (T::zero(), T::zero());
    let zero_nan = |f: T| if f.is_nan() { T::zero() } else { f };
    let bound = clip_bound(step.clip);
    // item 0 is the attraction, item 1 + k the negative k
    let items = negatives.len() + 1;
    let mut first = 0;
    while first < items {
        // every loop runs over all LANES lanes (unrolled, vectorised); padding lanes get
        // x = (2, 0): d2 = 4, on the lane functions' general path (`pad_x`), masked out
        let mut x0 = [pad_x::<T>(); LANES];
        let mut x1 = [T::zero(); LANES];
        let mut live = [false; LANES];
        for l in 0..LANES {
            let item = first + l;
            if item == 0 {
                (x0[0], x1[0]) = (x_att[0], x_att[1]);
            } else if item < items {
                let k = negatives[item - 1] as usize;
                x0[l] = yh0 - pos[2 * k];
                x1[l] = yh1 - pos[2 * k + 1];
                live[l] = k != head;
            }
        }
        let d2: [T; LANES] = lanes(|l| x0[l] * x0[l] + x1[l] * x1[l]);
        let c = if cfg!(feature = "simd") {
            if first == 0 {
                let (att, rep) = step.kernel.c_att_rep_lanes(&d2, step.gamma, step.eps);
                c_att = att;
                rep
            } else {
                step.kernel.c_rep_lanes(&d2, step.gamma, step.eps)
            }
        } else {
            let mut c = [T::zero(); LANES];
            for l in 0..LANES {
                if first + l == 0 {
                    c_att = step.kernel.c_att(d2[0]);
                } else if live[l] {
                    c[l] = step.kernel.c_rep(d2[l], step.gamma, step.eps);
                }
            }
            c
        };
        let c: [T; LANES] = lanes(|l| {
            if live[l] && d2[l] > T::zero() {
                c[l]
            } else {
                T::zero()
            }
        });
        let u0: [T; LANES] = lanes(|l| lr * clip_to(zero_nan(c[l] * x0[l]), bound));
        let u1: [T; LANES] = lanes(|l| lr * clip_to(zero_nan(c[l] * x1[l]), bound));
        // in lane order; the masked lanes add a signed zero, which changes nothing
        for l in 0..LANES {
            t0 += u0[l];
            t1 += u1[l];
        }
        if want_loss && step.gamma != T::zero() {
            for l in 0..LANES {
                if live[l] {
                    loss += -step.gamma * step.kernel.ln_1m_value(d2[l]);
                }
            }
        }
        first += LANES;
    }
    if d2_att > T::zero() && c_att != T::zero() {
        pair_update_2d(
            sink,
            head,
            tail,
            c_att,
            x_att,
            lr,
            step.clip,
            step.move_other,
        );
    }
    sink.add(head, 0, t0);
    sink.add(head, 1, t1);
    loss
}

/// [`BceStep`]'s batch of up to [`LOCKSTEP_LANES`] samples in any dimension: every sample's
/// coefficients from the start positions (pass 1, as [`batched_sample`] computes them), then
/// per coordinate `d` every sample's updates of `d` from the start positions, written sample
/// after sample. Coordinate `d`'s writes come after all of coordinate `d`'s reads and no
/// coordinate reads another, so this is exactly "all reads first, then the samples' writes in
/// order". Uses `scratch[..Σ negatives.len()]`.
// inlined into each copy of the dispatched code (`dispatch`); elsewhere left to the compiler
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
fn batched_general<T: Real, K: BceKernel<T>, S: Sink<T>>(
    step: &BceStep<T, K>,
    sink: &mut S,
    samples: &[Sample<'_>],
    lr: T,
    want_loss: bool,
    scratch: &mut [T],
) -> T {
    let dim = sink.dim();
    let mut loss = T::zero();
    let mut c_att = [T::zero(); LOCKSTEP_LANES];
    let mut offsets = [0usize; LOCKSTEP_LANES + 1];
    for (s, sample) in samples.iter().enumerate() {
        let (first, last) = (offsets[s], offsets[s] + sample.negatives.len());
        offsets[s + 1] = last;
        let pos = sink.positions();
        let (c, l) = coefficients(step, pos, dim, sample, &mut scratch[first..last], want_loss);
        c_att[s] = c;
        loss += l;
    }
    for d in 0..dim {
        let mut updates = [(T::zero(), T::zero()); LOCKSTEP_LANES];
        let pos = sink.positions();
        for (s, sample) in samples.iter().enumerate() {
            let (head, tail) = (sample.head, sample.tail);
            let (yhd, ytd) = (pos[head * dim + d], pos[tail * dim + d]);
            let mut total = T::zero();
            let coeffs = &scratch[offsets[s]..offsets[s + 1]];
            for (&c, &k) in coeffs.iter().zip(sample.negatives) {
                if c != T::zero() {
                    let f = c * (yhd - pos[k as usize * dim + d]);
                    total += lr * clip(if f.is_nan() { T::zero() } else { f }, step.clip);
                }
            }
            let mut att = T::zero();
            if c_att[s] != T::zero() {
                let f = c_att[s] * (yhd - ytd);
                att = lr * clip(if f.is_nan() { T::zero() } else { f }, step.clip);
            }
            updates[s] = (att, total);
        }
        for (s, sample) in samples.iter().enumerate() {
            let (att, total) = updates[s];
            if c_att[s] != T::zero() {
                sink.add(sample.head, d, att);
                if step.move_other {
                    sink.add(sample.tail, d, -att);
                }
            }
            sink.add(sample.head, d, total);
        }
    }
    loss
}

/// Pass 1 of [`batched_sample`] for one sample: the attraction's coefficient (returned with the
/// sample's loss) and every repulsion coefficient into `coeffs` (0 for the head itself and for
/// coincident negatives); under `simd` eight at a time through the kernel's lane function
/// (bit-identical).
// inlined into each copy of the dispatched code (`dispatch`); elsewhere left to the compiler
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
fn coefficients<T: Real, K: BceKernel<T>>(
    step: &BceStep<T, K>,
    pos: &[T],
    dim: usize,
    sample: &Sample<'_>,
    coeffs: &mut [T],
    want_loss: bool,
) -> (T, T) {
    let (head, tail, negatives) = (sample.head, sample.tail, sample.negatives);
    let yh = &pos[head * dim..(head + 1) * dim];
    let sq_dist = |k: usize| {
        let yk = &pos[k * dim..(k + 1) * dim];
        let mut d2 = T::zero();
        for (a, b) in yh.iter().zip(yk) {
            let x = *a - *b;
            d2 += x * x;
        }
        d2
    };
    let d2 = sq_dist(tail);
    let mut loss = if want_loss {
        -step.kernel.ln_value(d2)
    } else {
        T::zero()
    };
    let c_att = if d2 > T::zero() {
        step.kernel.c_att(d2)
    } else {
        T::zero()
    };
    for (chunk, out) in negatives.chunks(LANES).zip(coeffs.chunks_mut(LANES)) {
        // padding lanes: d2 = 4, on the lane functions' general path (`pad_x`)
        let mut d2 = [pad_x::<T>() * pad_x::<T>(); LANES];
        for (v, &k) in d2.iter_mut().zip(chunk) {
            *v = sq_dist(k as usize);
        }
        let c = if cfg!(feature = "simd") {
            step.kernel.c_rep_lanes(&d2, step.gamma, step.eps)
        } else {
            d2.map(|x| step.kernel.c_rep(x, step.gamma, step.eps))
        };
        for (l, (o, &k)) in out.iter_mut().zip(chunk).enumerate() {
            let k = k as usize;
            // γ = 0 weighs the term out (also its +∞ at a coincident negative: no 0·∞ = NaN)
            if want_loss && k != head && step.gamma != T::zero() {
                loss += -step.gamma * step.kernel.ln_1m_value(d2[l]);
            }
            *o = if d2[l] > T::zero() && k != head {
                c[l]
            } else {
                T::zero()
            };
        }
    }
    (c_att, loss)
}

/// [`BceStep`]'s batch of up to [`LOCKSTEP_LANES`] samples in two dimensions, one sample per lane:
/// lane `l` computes exactly what [`batched_sample_2d`] computes for sample `l` (the same
/// operations on the same values, so the same bits), all from the positions at the start of
/// the batch; then the samples' writes in order.
///
/// The attractions share one lane evaluation ([`BceKernel::c_att_lanes`]), and the `j`-th
/// negatives of all samples share one ([`BceKernel::c_rep_lanes`]). Each lane's repulsion
/// sum runs over its negatives in order from `+0`, as the single-sample sum does; a sample
/// with fewer negatives than another adds signed zeros, which change nothing (the sum is
/// never `-0`: see [`batched_sample_2d`]).
// `COPY`: the dispatched copy calling it (`dispatch::Hot::run`), so that each instantiation has
// one call site and the compiler inlines it there
#[inline]
fn lockstep_2d<T: Real, K: BceKernel<T>, S: Sink<T>, const COPY: u8>(
    step: &BceStep<T, K>,
    sink: &mut S,
    samples: &[Sample<'_>],
    lr: T,
    want_loss: bool,
) -> T {
    let pos = sink.positions();
    let count = samples.len().min(LOCKSTEP_LANES);
    let samples = &samples[..count];
    let zero_nan = |f: T| if f.is_nan() { T::zero() } else { f };
    let bound = clip_bound(step.clip);
    // heads and attraction differences; padding lanes get x = (2, 0): d2 = 4, on the lane
    // functions' general path (`pad_x`)
    let mut yh0 = Aligned([T::zero(); LOCKSTEP_LANES]);
    let mut yh1 = Aligned([T::zero(); LOCKSTEP_LANES]);
    let mut xa0 = Aligned([pad_x::<T>(); LOCKSTEP_LANES]);
    let mut xa1 = Aligned([T::zero(); LOCKSTEP_LANES]);
    let mut most = 0;
    for (l, s) in samples.iter().enumerate() {
        let h = point_2d(pos, s.head);
        [yh0[l], yh1[l]] = h;
        [xa0[l], xa1[l]] = diff_points(h, point_2d(pos, s.tail));
        most = most.max(s.negatives.len());
    }
    let d2_att: Aligned<[T; LOCKSTEP_LANES]> =
        Aligned(lanes(|l| xa0[l] * xa0[l] + xa1[l] * xa1[l]));
    let c_att = Aligned(if cfg!(feature = "simd") {
        step.kernel.c_att_lanes(&d2_att)
    } else {
        d2_att.map(|d2| step.kernel.c_att(d2))
    });
    let loss = if want_loss {
        lockstep_loss(step, pos, samples)
    } else {
        T::zero()
    };
    // the j-th negatives of all samples in one lane evaluation; every position is read
    // first, in one run of independent loads (cache misses overlap), up to GATHER negatives
    // per sample at a time. A lane's slot holds its negative's index, or its own head's where
    // it has none (padding: x = (2, 0), d2 = 4), so that `k ≠ head` says which lanes are live
    // in one comparison of all lanes.
    const GATHER: usize = 8;
    let heads: [u32; LOCKSTEP_LANES] =
        lanes(|l| samples.get(l).map_or(u32::MAX, |s| s.head as u32));
    let mut t0 = Aligned([T::zero(); LOCKSTEP_LANES]);
    let mut t1 = Aligned([T::zero(); LOCKSTEP_LANES]);
    let mut first = 0;
    while first < most {
        let last = most.min(first + GATHER);
        let mut g0 = Aligned([[pad_x::<T>(); LOCKSTEP_LANES]; GATHER]);
        let mut g1 = Aligned([[T::zero(); LOCKSTEP_LANES]; GATHER]);
        let mut ks = Aligned([heads; GATHER]);
        for (l, s) in samples.iter().enumerate() {
            let negs = s
                .negatives
                .get(first..last.min(s.negatives.len()))
                .unwrap_or(&[]);
            for (j, &k) in negs.iter().enumerate() {
                let [y0, y1] = point_2d(pos, k as usize);
                g0[j][l] = yh0[l] - y0;
                g1[j][l] = yh1[l] - y1;
                ks[j][l] = k;
            }
        }
        for j in 0..last - first {
            let (x0, x1, k) = (g0[j], g1[j], ks[j]);
            let d2: [T; LOCKSTEP_LANES] = lanes(|l| x0[l] * x0[l] + x1[l] * x1[l]);
            let c = if cfg!(feature = "simd") {
                step.kernel.c_rep_lanes(&d2, step.gamma, step.eps)
            } else {
                let mut c = [T::zero(); LOCKSTEP_LANES];
                for l in 0..LOCKSTEP_LANES {
                    if k[l] != heads[l] {
                        c[l] = step.kernel.c_rep(d2[l], step.gamma, step.eps);
                    }
                }
                c
            };
            let c: [T; LOCKSTEP_LANES] = lanes(|l| {
                if k[l] != heads[l] && d2[l] > T::zero() {
                    c[l]
                } else {
                    T::zero()
                }
            });
            for l in 0..LOCKSTEP_LANES {
                t0[l] += lr * clip_to(zero_nan(c[l] * x0[l]), bound);
                t1[l] += lr * clip_to(zero_nan(c[l] * x1[l]), bound);
            }
        }
        first = last;
    }
    for (l, s) in samples.iter().enumerate() {
        if d2_att[l] > T::zero() && c_att[l] != T::zero() {
            let x = [xa0[l], xa1[l]];
            pair_update_2d(
                sink,
                s.head,
                s.tail,
                c_att[l],
                x,
                lr,
                step.clip,
                step.move_other,
            );
        }
        sink.add(s.head, 0, t0[l]);
        sink.add(s.head, 1, t1[l]);
    }
    loss
}

/// The loss of a lockstep batch: per sample as the single-sample step sums it (the
/// attraction's term, then its negatives' in order), then the samples' sums in order. Out of
/// line and cold, so that the batch's hot code stays small: runs that do not ask for the loss
/// ran about 2% faster with it moved out (mnist70k fast + lockstep, medians of 6 alternating
/// runs, 115.8 against 113.3 M updates/s, Intel Xeon; the same bits).
#[cold]
#[inline(never)]
fn lockstep_loss<T: Real, K: BceKernel<T>>(
    step: &BceStep<T, K>,
    pos: &[T],
    samples: &[Sample<'_>],
) -> T {
    let mut loss = T::zero();
    for s in samples {
        let x = diff_2d(pos, s.head, s.tail);
        let mut sample_loss = -step.kernel.ln_value(x[0] * x[0] + x[1] * x[1]);
        if step.gamma != T::zero() {
            for &k in s.negatives {
                if k as usize != s.head {
                    let x = diff_2d(pos, s.head, k as usize);
                    let d2 = x[0] * x[0] + x[1] * x[1];
                    sample_loss += -step.gamma * step.kernel.ln_1m_value(d2);
                }
            }
        }
        loss += sample_loss;
    }
    loss
}

/// Negative sampling with a fixed classifier constant `s = m_L ξ Z̄` (MATH.md §B.5): the
/// positive pair gets `c_pos(s)`, each negative `λ c_neg(s)` with `λ = neg_weight`.
///
/// With `neg_weight = 1` the expected update is the gradient of the NEG population loss with
/// `m` noise samples per data sample (`m` = negatives drawn per sample). Drawing `m` negatives
/// but weighting each by `λ = m_L/m` (and `s` computed with `m_L`) emulates `m_L` noise samples
/// at the cost of `m` (SPECTRUM-NOTES: what a large noise mass does at the t-SNE end).
///
/// ```
/// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{NegStep, Sample, Step}};
/// let mut y = [0.0f64, 1.0, 3.0];
/// let mut step = NegStep::new(Cauchy, 1.0); // Neg-t-SNE
/// step.apply(&mut InPlace::new(&mut y, 1, None), Sample { head: 0, tail: 1, negatives: &[2] }, 0.1, false, &mut [0.0; 2]);
/// assert!(y[1] < 1.0); // the tail is pulled towards the head
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NegStep<T, K> {
    /// The kernel `φ` (Cauchy for Neg-t-SNE; UMAP's `a, b` kernel also works).
    pub kernel: K,
    /// Classifier constant `s > 0` (see [`crate::loss::spectrum`]).
    pub s: T,
    /// Weight `λ ≥ 0` of each negative (1 for plain NEG).
    pub neg_weight: T,
    /// Per-coordinate clip of each pair's update (`None`: no clip).
    pub clip: Option<T>,
    /// Attraction moves the tail too.
    pub move_other: bool,
    /// Repulsion moves the negative too (the gradient of the pair loss w.r.t. both points).
    pub push_negatives: bool,
}

impl<T: Real, K: Kernel<T>> NegStep<T, K> {
    /// NEG with constant `s`, weight 1, clip 4, `move_other`, negatives not pushed.
    ///
    /// ```
    /// use neighbor_embed::{Error, kernel::Cauchy, step::{NegStep, Step}};
    /// let step = NegStep::new(Cauchy, 0.5f64);
    /// assert_eq!((step.s, step.neg_weight, step.clip), (0.5, 1.0, Some(4.0)));
    /// assert!(step.move_other && !step.push_negatives);
    /// // `s` is checked by `check` (which the loops call), not here
    /// assert!(matches!(NegStep::new(Cauchy, 0.0f64).check(), Err(Error::Param { name: "s", .. })));
    /// ```
    pub fn new(kernel: K, s: T) -> Self {
        NegStep {
            kernel,
            s,
            neg_weight: T::one(),
            clip: Some(T::of_f64(4.0)),
            move_other: true,
            push_negatives: false,
        }
    }
}

/// The classifier sample shared by NEG and NCE; returns `(loss, ∂loss/∂ln s)`.
#[allow(clippy::too_many_arguments)]
fn classifier_sample<T: Real, K: Kernel<T>, S: Sink<T>>(
    kernel: &K,
    s: T,
    neg_weight: T,
    clip_to: Option<T>,
    move_other: bool,
    push_negatives: bool,
    sink: &mut S,
    head: usize,
    tail: usize,
    negatives: &[u32],
    lr: T,
    want_loss: bool,
) -> (T, T) {
    let (mut loss, mut d_ln_s) = (T::zero(), T::zero());
    let d2 = sink.sq_dist(head, tail);
    let q = kernel.q(d2, s);
    d_ln_s += T::one() - q;
    if want_loss {
        loss += kernel.neg_ln_q(d2, s);
    }
    if d2 > T::zero() {
        pair_update(
            sink,
            head,
            tail,
            kernel.c_pos(d2, s),
            lr,
            clip_to,
            move_other,
        );
    }
    for &k in negatives {
        let k = k as usize;
        if k == head {
            continue;
        }
        let d2 = sink.sq_dist(head, k);
        let q = kernel.q(d2, s);
        d_ln_s -= neg_weight * q;
        // λ = 0 weighs the term out (also its +∞ at a coincident negative: no 0·∞ = NaN)
        if want_loss && neg_weight != T::zero() {
            loss += neg_weight * kernel.neg_ln_1m_q(d2, s);
        }
        if d2 > T::zero() {
            let c = neg_weight * kernel.c_neg(d2, s);
            pair_update(sink, head, k, c, lr, clip_to, push_negatives);
        }
    }
    (loss, d_ln_s)
}

impl<T: Real, K: Kernel<T>> Step<T> for NegStep<T, K> {
    fn check(&self) -> Result<(), Error> {
        check_positive("s", self.s)?;
        check_nonneg("neg_weight", self.neg_weight)?;
        check_clip(self.clip)
    }

    fn apply<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        sample: Sample<'_>,
        lr: T,
        want_loss: bool,
        _scratch: &mut [T],
    ) -> T {
        let Sample {
            head,
            tail,
            negatives,
        } = sample;
        let s = self;
        classifier_sample(
            &s.kernel,
            s.s,
            s.neg_weight,
            s.clip,
            s.move_other,
            s.push_negatives,
            sink,
            head,
            tail,
            negatives,
            lr,
            want_loss,
        )
        .0
    }
}

/// Noise-contrastive estimation with a learnt normaliser (MATH.md §B.5): [`NegStep`] with
/// `s = m ξ e^θ`, and `θ = ln Z` moved by SGD with its own rate: `θ -= lr_z · clip(∂ℓ/∂θ)`,
/// `∂ℓ/∂θ = (1 - q_pos) - λ Σ q_neg`, applied in [`Step::end_batch`] (contrastive-ne: initial
/// `Z = 1`, rate 0.001, not annealed).
///
/// ```
/// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{NceStep, Sample, Step}};
/// let mut y = [0.0f64, 0.1, 5.0];
/// let mut step = NceStep::new(Cauchy, 5.0, 3, 0.0, 0.01)?;
/// let before = step.ln_z;
/// step.apply(&mut InPlace::new(&mut y, 1, None), Sample { head: 0, tail: 1, negatives: &[2] }, 0.1, false, &mut [0.0; 2]);
/// step.end_batch();
/// assert!(step.ln_z != before);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NceStep<T, K> {
    /// The kernel `φ`.
    pub kernel: K,
    /// `ln(m ξ)`, the log noise mass per pair (`m/(n(n-1))` for uniform noise).
    pub ln_noise: T,
    /// The learnt `θ = ln Z`.
    pub ln_z: T,
    /// Learning rate of `θ`.
    pub lr_z: T,
    /// Weight `λ ≥ 0` of each negative.
    pub neg_weight: T,
    /// Per-coordinate clip (also applied to `∂ℓ/∂θ`).
    pub clip: Option<T>,
    /// Attraction moves the tail too.
    pub move_other: bool,
    /// Repulsion moves the negative too.
    pub push_negatives: bool,
    /// `∂ℓ/∂θ` accumulated since the last [`Step::end_batch`].
    pub pending: T,
}

impl<T: Real, K: Kernel<T>> NceStep<T, K> {
    /// NCE for `n` points with `m` noise samples per data sample, initial `θ = ln_z`, rate
    /// `lr_z`; clip 4, `move_other`. Errors for `n < 2`, `m ≤ 0`.
    ///
    /// ```
    /// use neighbor_embed::{Error, kernel::Cauchy, step::NceStep};
    /// let step = NceStep::new(Cauchy, 5.0f64, 10, 0.0, 0.001)?;
    /// assert!((step.ln_noise - (5.0f64 / 90.0).ln()).abs() < 1e-14); // ln(m/(n(n - 1)))
    /// assert_eq!((step.ln_z, step.lr_z, step.pending), (0.0, 0.001, 0.0));
    /// assert!(matches!(NceStep::new(Cauchy, 5.0f64, 1, 0.0, 0.001), Err(Error::Degenerate { .. })));
    /// assert!(matches!(NceStep::new(Cauchy, 0.0f64, 10, 0.0, 0.001), Err(Error::Param { name: "m", .. })));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn new(kernel: K, m: T, n: usize, ln_z: T, lr_z: T) -> Result<Self, Error> {
        check_positive("m", m)?;
        if n < 2 {
            return Err(Error::Degenerate {
                reason: "NCE's noise distribution needs at least 2 points",
            });
        }
        let pairs = T::of_usize(n) * T::of_usize(n - 1);
        Ok(NceStep {
            kernel,
            ln_noise: m.ln() - pairs.ln(),
            ln_z,
            lr_z,
            neg_weight: T::one(),
            clip: Some(T::of_f64(4.0)),
            move_other: true,
            push_negatives: false,
            pending: T::zero(),
        })
    }
}

impl<T: Real, K: Kernel<T>> Step<T> for NceStep<T, K> {
    fn check(&self) -> Result<(), Error> {
        check_param(
            "ln_noise",
            self.ln_noise,
            self.ln_noise.is_finite(),
            "a finite number",
        )?;
        check_param("ln_z", self.ln_z, self.ln_z.is_finite(), "a finite number")?;
        check_nonneg("lr_z", self.lr_z)?;
        check_nonneg("neg_weight", self.neg_weight)?;
        check_clip(self.clip)
    }

    fn apply<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        sample: Sample<'_>,
        lr: T,
        want_loss: bool,
        _scratch: &mut [T],
    ) -> T {
        let Sample {
            head,
            tail,
            negatives,
        } = sample;
        let s = (self.ln_noise + self.ln_z).exp();
        let (loss, d) = classifier_sample(
            &self.kernel,
            s,
            self.neg_weight,
            self.clip,
            self.move_other,
            self.push_negatives,
            sink,
            head,
            tail,
            negatives,
            lr,
            want_loss,
        );
        self.pending += d;
        loss
    }

    fn end_batch(&mut self) {
        self.ln_z -= self.lr_z * clip(self.pending, self.clip);
        self.pending = T::zero();
    }
}

/// InfoNCE (MATH.md §B.6): `ℓ = -ln φ_ij + (1/ρ) ln S`, `S = φ_ij + Σ_k φ_ik`, whose gradient
/// moves the head by `Σ_t c_t (y_i - y_t)` with `c_t = -2 g_t (∂ℓ/∂ln φ_t)`, and each target the
/// opposite way (the tail if `move_other`, negatives if `push_negatives`). All coefficients are
/// computed from the positions before the update; `scratch` holds them.
///
/// ```
/// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{InfoNceStep, Sample, Step}};
/// let mut y = [0.0f64, 1.0, 3.0];
/// let mut step = InfoNceStep::new(Cauchy, 1.0);
/// let l = step.apply(&mut InPlace::new(&mut y, 1, None), Sample { head: 0, tail: 1, negatives: &[2] }, 0.1, true, &mut [0.0; 2]);
/// assert!((l - 1.2f64.ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InfoNceStep<T, K> {
    /// The kernel `φ`.
    pub kernel: K,
    /// Spectrum factor `ρ > 0` with `1/ρ` finite (1: standard InfoNCE).
    pub rho: T,
    /// Per-coordinate clip.
    pub clip: Option<T>,
    /// The tail moves too.
    pub move_other: bool,
    /// Negatives move too.
    pub push_negatives: bool,
}

impl<T: Real, K: Kernel<T>> InfoNceStep<T, K> {
    /// InfoNCE with factor `ρ`, clip 4, tail and negatives moving (the full gradient).
    ///
    /// ```
    /// use neighbor_embed::{kernel::Cauchy, sink::InPlace, step::{InfoNceStep, Sample, Step}};
    /// let mut step = InfoNceStep::new(Cauchy, 1.0f64);
    /// assert_eq!((step.rho, step.clip), (1.0, Some(4.0)));
    /// assert!(step.move_other && step.push_negatives);
    /// let mut y = [0.0f64, 1.0, 2.0];
    /// let sample = Sample { head: 0, tail: 1, negatives: &[2] };
    /// step.apply(&mut InPlace::new(&mut y, 1, None), sample, 0.1, false, &mut [0.0; 2]);
    /// assert!(y[1] < 1.0 && y[2] > 2.0); // the tail is pulled in, the negative pushed away
    /// ```
    pub fn new(kernel: K, rho: T) -> Self {
        InfoNceStep {
            kernel,
            rho,
            clip: Some(T::of_f64(4.0)),
            move_other: true,
            push_negatives: true,
        }
    }
}

#[allow(clippy::needless_range_loop)] // slots index the targets and the scratch together
impl<T: Real, K: Kernel<T>> Step<T> for InfoNceStep<T, K> {
    fn check(&self) -> Result<(), Error> {
        // the step divides by ρ: below 1/MAX every coefficient would be infinite
        let rho = self.rho;
        check_param(
            "rho",
            rho,
            rho > T::zero() && rho.is_finite() && rho.recip().is_finite(),
            "a finite number > 0 whose reciprocal is finite in the float type",
        )?;
        check_clip(self.clip)
    }

    fn apply<S: Sink<T>>(
        &mut self,
        sink: &mut S,
        sample: Sample<'_>,
        lr: T,
        want_loss: bool,
        scratch: &mut [T],
    ) -> T {
        let Sample {
            head,
            tail,
            negatives,
        } = sample;
        let target = |slot: usize| {
            if slot == 0 {
                tail
            } else {
                negatives[slot - 1] as usize
            }
        };
        let count = negatives.len() + 1;
        // ln φ of every target (self-draws excluded: -∞), then ln S by log-sum-exp.
        let mut max = T::neg_infinity();
        for slot in 0..count {
            let t = target(slot);
            scratch[slot] = if slot > 0 && t == head {
                T::neg_infinity()
            } else {
                self.kernel.ln_value(sink.sq_dist(head, t))
            };
            max = max.max(scratch[slot]);
        }
        let mut sum = T::zero();
        for &lp in &scratch[..count] {
            sum += (lp - max).exp();
        }
        if !max.is_finite() {
            return T::zero(); // all underflowed, or one is infinite (d2 = 0, w(0) = ∞): skipped
        }
        let ln_s = max + sum.ln();
        let loss = if want_loss {
            -scratch[0] + ln_s / self.rho
        } else {
            T::zero()
        };
        // Coefficients c_t = -2 g_t ∂ℓ/∂ln φ_t, from the current positions.
        for slot in 0..count {
            let t = target(slot);
            if slot > 0 && t == head {
                scratch[slot] = T::zero();
                continue;
            }
            let d2 = sink.sq_dist(head, t);
            let share = (scratch[slot] - ln_s).exp() / self.rho;
            let dl = if slot == 0 { share - T::one() } else { share };
            let g = self.kernel.g(d2);
            scratch[slot] = if d2 > T::zero() && g.is_finite() {
                -T::two() * g * dl
            } else {
                T::zero()
            };
        }
        for d in 0..sink.dim() {
            let yi = sink.coord(head, d);
            let mut move_head = T::zero();
            for slot in 0..count {
                let c = scratch[slot];
                if c == T::zero() {
                    continue;
                }
                let t = target(slot);
                let f = c * (yi - sink.coord(t, d));
                // an infinite coefficient times a zero difference: no force along this axis
                let delta = clip(if f.is_nan() { T::zero() } else { f }, self.clip);
                move_head += lr * delta;
                if (slot == 0 && self.move_other) || (slot > 0 && self.push_negatives) {
                    sink.add(t, d, -(lr * delta));
                }
            }
            sink.add(head, d, move_head);
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::clip_to;

    /// `clip_to` gives the bits of `x.max(-c).min(c)` (what the steps computed before) for
    /// every kind of `x`, NaN and signed zeros included, and bounds up to `+∞`.
    #[test]
    fn clip_to_is_max_then_min() {
        let xs = [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            0.25,
            -0.25,
            0.5,
            -0.5,
            3.999_999_8,
            -3.999_999_8,
            4.0,
            -4.0,
            4.000_001,
            -4.000_001,
            1e30,
            -1e30,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        for &c in &[1e-30f32, 0.5, 4.0, 1e30, f32::INFINITY] {
            for &x in &xs {
                let want = x.max(-c).min(c);
                assert_eq!(clip_to(x, c).to_bits(), want.to_bits(), "x {x:e} c {c:e}");
            }
            let want = f64::NAN.max(-(c as f64)).min(c as f64);
            assert_eq!(clip_to(f64::NAN, c as f64).to_bits(), want.to_bits());
        }
    }
}
