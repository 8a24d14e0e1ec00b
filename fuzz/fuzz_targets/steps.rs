//! Every per-sample step — `BceStep` (UMAP kernel in both math modes, Cauchy, Student-t,
//! Gaussian; negatives in sequence or batched), `NegStep` (also the offset-Cauchy kernel),
//! `NceStep`, `InfoNceStep` — with arbitrary parameters, applied to arbitrary samples through
//! an `InPlace` or a `Frozen` sink with an optional pin mask, in `f32` and `f64`.
//!
//! Oracles: no panic (indices are in range and `scratch` is long enough, as `Step::apply`
//! requires: the loops guarantee both); pinned rows never change, a frozen layout never
//! changes; when the step's `check` and the sink's `check` pass, every input is in the
//! guaranteed range and the clip is on: positions, accumulator and `ln Z` stay finite and the
//! per-sample loss is finite or `+∞` (a repulsive term at a coincident point), never NaN.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Input, UMAP_B, finite, range_of};
use libfuzzer_sys::fuzz_target;
use neighbor_embed::Real;
use neighbor_embed::kernel::{Cauchy, Gaussian, OffsetCauchy, StudentT, Umap};
use neighbor_embed::sink::{Frozen, InPlace, Sink};
use neighbor_embed::step::{
    BceStep, InfoNceStep, LOCKSTEP_LANES, NceStep, NegStep, Sample, Step,
};

fuzz_target!(|data: &[u8]| {
    let mut b = Input::new(data);
    if b.bool() {
        run::<f64>(&mut b)
    } else {
        run::<f32>(&mut b)
    }
});

fn clip<T: Real>(b: &mut Input) -> (Option<T>, bool) {
    if b.u8() % 4 == 0 {
        (None, false)
    } else {
        let c = b.positive();
        (Some(b.of::<T>(c)), true)
    }
}

fn run<T: Real>(b: &mut Input) {
    b.range = range_of::<T>();
    let n = b.between(1, 64);
    let dim = b.between(1, 4);
    let coords: Vec<T> = (0..n * dim)
        .map(|_| {
            // a third of the points copy an earlier one: coincident points
            let v = b.data();
            b.of::<T>(v)
        })
        .collect();
    let mut coords = coords;
    for i in 1..n {
        if b.u8() % 3 == 0 {
            let j = b.below(i);
            for d in 0..dim {
                coords[i * dim + d] = coords[j * dim + d];
            }
        }
    }
    let pins: Option<Vec<bool>> = if b.bool() {
        Some((0..n).map(|_| b.u8() % 4 == 0).collect())
    } else {
        None
    };
    let t = |b: &mut Input, v: f64| b.of::<T>(v);

    let (a_, b_) = (b.shape(), b.shape_in(UMAP_B));
    let umap = Umap::new(t(b, a_), t(b, b_));
    let dof = b.shape();
    let student = StudentT::new(t(b, dof));
    let beta = b.shape();
    let gaussian = Gaussian::new(t(b, beta));
    let offset = if b.bool() { 0.0 } else { b.shape() };
    let offset = OffsetCauchy::new(t(b, offset));
    let (Ok(umap), Ok(student), Ok(gaussian), Ok(offset)) = (umap, student, gaussian, offset)
    else {
        return;
    };

    let kind = b.u8() % 12;
    let (clip_to, clipped) = clip::<T>(b);
    let gamma = b.nonneg();
    let eps = b.nonneg();
    let (gamma, eps) = (t(b, gamma), t(b, eps));
    let flags = [b.bool(), b.bool(), b.bool()];
    macro_rules! bce {
        ($k:expr) => {{
            let step = BceStep {
                kernel: $k,
                gamma,
                eps,
                clip: clip_to,
                move_other: flags[0],
                batched_negatives: flags[1],
            };
            drive(b, &coords, dim, pins.as_deref(), clipped, step, |_| None)
        }};
    }
    match kind {
        0 => bce!(umap),
        1 => bce!(umap.fast()),
        2 => bce!(Umap::<T>::umap_learn_default().fast()),
        3 => bce!(Cauchy),
        4 => bce!(student),
        5 => bce!(gaussian),
        6 | 7 => {
            let s = b.positive();
            let w = b.nonneg();
            let s = t(b, s);
            let neg_weight = t(b, w);
            macro_rules! neg {
                ($k:expr) => {
                    drive(
                        b,
                        &coords,
                        dim,
                        pins.as_deref(),
                        clipped,
                        NegStep {
                            kernel: $k,
                            s,
                            neg_weight,
                            clip: clip_to,
                            move_other: flags[0],
                            push_negatives: flags[1],
                        },
                        |_| None,
                    )
                };
            }
            if kind == 6 {
                neg!(offset)
            } else {
                neg!(Cauchy)
            }
        }
        8 | 9 => {
            let m = b.positive();
            let ln_z = if b.bool() {
                0.0
            } else {
                (f64::from(b.u16()) / 65535.0 - 0.5) * 138.0
            };
            let ln_z = if b.u8() % 32 == 0 { b.data() } else { ln_z };
            if !(ln_z.abs() <= 69.0) {
                b.in_range = false;
            }
            let lr_z = b.nonneg();
            let w = b.nonneg();
            let (m, ln_z, lr_z, neg_weight) = (t(b, m), t(b, ln_z), t(b, lr_z), t(b, w));
            macro_rules! nce {
                ($k:expr) => {{
                    let Ok(step) = NceStep::new($k, m, n, ln_z, lr_z) else {
                        return;
                    };
                    let step = NceStep {
                        neg_weight,
                        clip: clip_to,
                        move_other: flags[0],
                        push_negatives: flags[1],
                        ..step
                    };
                    drive(
                        b,
                        &coords,
                        dim,
                        pins.as_deref(),
                        clipped,
                        step,
                        |s: &NceStep<T, _>| Some(s.ln_z),
                    )
                }};
            }
            if kind == 8 {
                nce!(student)
            } else {
                nce!(offset)
            }
        }
        _ => {
            let rho = b.positive();
            let rho = t(b, rho);
            macro_rules! info {
                ($k:expr) => {
                    drive(
                        b,
                        &coords,
                        dim,
                        pins.as_deref(),
                        clipped,
                        InfoNceStep {
                            kernel: $k,
                            rho,
                            clip: clip_to,
                            move_other: flags[0],
                            push_negatives: flags[1],
                        },
                        |_| None,
                    )
                };
            }
            match kind {
                10 => info!(offset),
                11 => info!(gaussian),
                _ => info!(Cauchy),
            }
        }
    }
}

/// Applies up to 16 samples of `step` through a sink; `state` reads a learnt parameter.
fn drive<T: Real, S: Step<T> + core::fmt::Debug>(
    b: &mut Input,
    coords: &[T],
    dim: usize,
    pins: Option<&[bool]>,
    clipped: bool,
    mut step: S,
    state: impl Fn(&S) -> Option<T>,
) {
    if step.check().is_err() {
        return; // a typed error for the parameters
    }
    let n = coords.len() / dim;
    let frozen = b.bool();
    let mut moving = coords.to_vec();
    let mut acc = vec![T::zero(); coords.len()];
    let samples = b.between(1, 16);
    let mut negatives = Vec::new();
    let mut scratch = vec![T::zero(); 33];
    let mut losses = Vec::new();
    for _ in 0..samples {
        let head = b.below(n);
        let tail = b.below(n);
        negatives.clear();
        for _ in 0..b.below(33) {
            negatives.push(b.below(n) as u32);
        }
        let lr = b.positive();
        let lr = b.of::<T>(lr);
        let want_loss = b.bool();
        let sample = Sample {
            head,
            tail,
            negatives: &negatives,
        };
        let before = if frozen {
            coords.to_vec()
        } else {
            moving.clone()
        };
        let loss = if frozen {
            let mut sink = Frozen::new(coords, &mut acc, dim, pins);
            if sink.check().is_err() {
                return; // a typed error: the loops reject this sink
            }
            step.apply(&mut sink, sample, lr, want_loss, &mut scratch)
        } else {
            let mut sink = InPlace::new(&mut moving, dim, pins);
            if sink.check().is_err() {
                return;
            }
            step.apply(&mut sink, sample, lr, want_loss, &mut scratch)
        };
        step.end_batch();
        losses.push((loss, head, tail, negatives.clone(), lr, before.clone()));
        if !(lr > T::zero() && lr.is_finite()) {
            b.in_range = false; // the loops validate the learning rate; a direct caller may not
        }
        if let Some(p) = pins {
            let out = if frozen { &acc } else { &moving };
            for i in (0..n).filter(|&i| p[i]) {
                if frozen {
                    assert!(
                        out[i * dim..(i + 1) * dim].iter().all(|&v| v == T::zero()),
                        "pinned row {i} accumulated"
                    );
                } else {
                    assert_eq!(
                        &out[i * dim..(i + 1) * dim],
                        &before[i * dim..(i + 1) * dim],
                        "pinned row {i} moved"
                    );
                }
            }
        }
        if b.in_range && clipped {
            assert!(
                finite(&moving) && finite(&acc),
                "positions {moving:?} acc {acc:?}"
            );
            if let Some(x) = state(&step) {
                assert!(x.is_finite(), "ln Z = {x:?}");
            }
        } else if !finite(&moving) {
            return; // out of the guaranteed range: positions may overflow; stop here
        }
    }
    // then a batch of up to LOCKSTEP_LANES samples in one call, as the lockstep loops hand them over
    // (the batched UMAP step evaluates them one per lane)
    if !frozen && finite(&moving) {
        let count = b.between(1, LOCKSTEP_LANES);
        let mut picks = Vec::with_capacity(count);
        for _ in 0..count {
            let (head, tail) = (b.below(n), b.below(n));
            let negs: Vec<u32> = (0..b.below(12)).map(|_| b.below(n) as u32).collect();
            picks.push((head, tail, negs));
        }
        let batch: Vec<Sample> = picks
            .iter()
            .map(|(head, tail, negs)| Sample {
                head: *head,
                tail: *tail,
                negatives: negs,
            })
            .collect();
        let lr = b.positive();
        let lr = b.of::<T>(lr);
        let want_loss = b.bool();
        let before = moving.clone();
        let mut scratch = vec![T::zero(); 8 * 13];
        let loss = step.apply_batch(
            &mut InPlace::new(&mut moving, dim, pins),
            &batch,
            lr,
            want_loss,
            &mut scratch,
        );
        step.end_batch();
        if let Some(p) = pins {
            for i in (0..n).filter(|&i| p[i]) {
                assert_eq!(
                    &moving[i * dim..(i + 1) * dim],
                    &before[i * dim..(i + 1) * dim],
                    "pinned row {i} moved in a batch"
                );
            }
        }
        if b.in_range && clipped && lr > T::zero() && lr.is_finite() {
            assert!(finite(&moving), "batch: positions {moving:?}");
            assert!(
                loss.is_finite() || loss == T::infinity(),
                "batch loss {loss:?} of {step:?} on {before:?} (dim {dim})"
            );
        }
    }
    if b.in_range && clipped {
        // finite, or +∞ where a repulsive term meets a coincident point
        for (l, head, tail, negs, lr, before) in losses {
            assert!(
                l.is_finite() || l == T::infinity(),
                "loss {l:?} of {step:?} at {head} {tail} {negs:?} lr {lr:?} on {before:?} (dim {dim})"
            );
        }
    }
}
