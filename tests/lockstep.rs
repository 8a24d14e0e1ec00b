//! The lockstep order ([`SampleOrder::Lockstep`]) against its definition: the same samples as
//! umap-learn's CSR order, and a batch of the batched UMAP step is exactly "every sample's
//! single-sample update computed from the positions at the start of the batch, then applied
//! in sample order".

// Tests may use the platform math library (the shared helpers do): they check the crate,
// which must not.
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::rng::Pcg32;
use neighbor_embed::sgd::{BorrowedUmapSgd, OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
use neighbor_embed::sink::{InPlace, Sink};
use neighbor_embed::step::{BceStep, LOCKSTEP_LANES, Sample, Step};
use neighbor_embed::{Error, Real};
use proptest::prelude::*;
mod common;

/// A sink that reads fixed positions and records every update it is given, in order.
struct Recorder<'a, T> {
    coords: &'a [T],
    dim: usize,
    adds: Vec<(usize, usize, T)>,
}

impl<T: Real> Sink<T> for Recorder<'_, T> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn n(&self) -> usize {
        self.coords.len() / self.dim
    }
    fn coord(&self, i: usize, d: usize) -> T {
        self.coords[i * self.dim + d]
    }
    fn add(&mut self, i: usize, d: usize, delta: T) {
        self.adds.push((i, d, delta));
    }
    fn positions(&self) -> &[T] {
        self.coords
    }
    fn check(&self) -> Result<(), Error> {
        Ok(())
    }
}

fn batched_step<T: Real, M: neighbor_embed::fast_math::Math>(
    kernel: Umap<T, M>,
) -> BceStep<T, Umap<T, M>> {
    BceStep {
        batched_negatives: true,
        ..BceStep::umap_learn(kernel)
    }
}

fn sample_strategy() -> impl Strategy<Value = (usize, usize, Vec<u32>)> {
    (
        0usize..10,
        0usize..10,
        proptest::collection::vec(0u32..10, 0..12),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 256 }))]

    /// Dimensions 1–3 (two dimensions run one sample per SIMD lane, the others the general path),
    /// 1–16 samples (`LOCKSTEP_LANES`) with up to 11 negatives each (lanes with different counts),
    /// heads, tails and negatives that collide within and across samples, and the loss.
    #[test]
    fn a_lockstep_batch_is_its_samples_from_the_start_positions(
        dim in 1usize..=3,
        all_coords in proptest::collection::vec(-3.0f64..3.0, 30),
        samples in proptest::collection::vec(sample_strategy(), 1..=LOCKSTEP_LANES),
        lr in 0.01f64..1.0,
        fast in any::<bool>(),
    ) {
        let start = all_coords[..10 * dim].to_vec();
        let samples: Vec<Sample> = samples
            .iter()
            .map(|(h, t, negs)| Sample { head: *h, tail: *t, negatives: negs })
            .collect();
        // f64 (libm), f32 with libm, f32 with the fast lane pow
        let kernel = Umap::<f64>::umap_learn_default();
        check(batched_step(kernel), &start, dim, &samples, lr)?;
        let start32: Vec<f32> = start.iter().map(|&v| v as f32).collect();
        let kernel = Umap::<f32>::umap_learn_default();
        if fast {
            check(batched_step(kernel.fast()), &start32, dim, &samples, lr as f32)?;
        } else {
            check(batched_step(kernel), &start32, dim, &samples, lr as f32)?;
        }
    }
}

/// Applies `samples` as one batch to a copy of `start`, and each sample alone to a recorder
/// reading `start`; the batch's result must be the recorded updates replayed in order onto
/// `start`, bit for bit, and its loss the samples' losses summed in order.
fn check<T: Real, S: Step<T> + Clone>(
    step: S,
    start: &[T],
    dim: usize,
    samples: &[Sample],
    lr: T,
) -> Result<(), TestCaseError> {
    let mut scratch = vec![T::zero(); LOCKSTEP_LANES * 13];
    let mut got = start.to_vec();
    let batch_loss = step.clone().apply_batch(
        &mut InPlace::new(&mut got, dim, None),
        samples,
        lr,
        true,
        &mut scratch,
    );
    let mut rec = Recorder {
        coords: start,
        dim,
        adds: Vec::new(),
    };
    let mut loss = T::zero();
    for s in samples {
        loss += step.clone().apply(&mut rec, *s, lr, true, &mut scratch);
    }
    let mut replay = start.to_vec();
    for (i, d, delta) in rec.adds {
        replay[i * dim + d] += delta;
    }
    let bits = |v: &[T]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();
    prop_assert_eq!(bits(&got), bits(&replay));
    prop_assert_eq!(batch_loss.as_f64().to_bits(), loss.as_f64().to_bits());
    Ok(())
}

/// A step that records the samples it is given and moves nothing.
#[derive(Default)]
struct Samples(Vec<(usize, usize, Vec<u32>)>);

impl Step<f32> for Samples {
    fn check(&self) -> Result<(), Error> {
        Ok(())
    }
    fn apply<S: Sink<f32>>(
        &mut self,
        _: &mut S,
        s: Sample<'_>,
        _: f32,
        _: bool,
        _: &mut [f32],
    ) -> f32 {
        self.0.push((s.head, s.tail, s.negatives.to_vec()));
        0.0
    }
}

fn digits_graph(f: &common::Fixture, epochs: usize) -> CsrGraph<'_, f32> {
    CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(epochs)
}

#[test]
#[cfg_attr(miri, ignore)] // 60 epochs of digits: minutes under Miri
fn lockstep_visits_the_same_samples_with_the_same_negatives_as_csr() {
    let f = common::digits();
    let g = digits_graph(&f, 60);
    let csr = visits(&g, &f.init, SampleOrder::Csr, 60, 7);
    let lockstep = visits(&g, &f.init, SampleOrder::Lockstep, 60, 7);
    assert!(csr.1.0 > 100_000, "{:?}", csr.1);
    assert_eq!(csr.1, lockstep.1, "sample counts");
    for (e, (a, b)) in csr.0.iter().zip(&lockstep.0).enumerate() {
        assert!(a == b, "epoch {e}: the samples differ");
    }
}

/// Samples, epoch by epoch (sorted), and the totals of a run of `order` on `g`.
type Visits = (Vec<Vec<(usize, usize, Vec<u32>)>>, (u64, u64));

fn visits(
    g: &CsrGraph<'_, f32>,
    y: &[f32],
    order: SampleOrder,
    epochs: usize,
    seed: u64,
) -> Visits {
    let config = UmapConfig {
        n_epochs: epochs,
        order,
        ..UmapConfig::umap_learn(g.n(), seed)
    };
    let mut sgd = OwnedUmapSgd::<f32, Pcg32>::new(g, &config).unwrap();
    let mut y = y.to_vec();
    let (mut per_epoch, mut totals) = (Vec::new(), (0, 0));
    while !sgd.finished() {
        let mut rec = Samples::default();
        let r = sgd
            .run(
                g,
                &mut rec,
                &mut InPlace::new(&mut y, 2, None),
                1,
                &mut Silent,
            )
            .unwrap();
        totals = (totals.0 + r.positive_samples, totals.1 + r.negative_samples);
        rec.0.sort();
        per_epoch.push(rec.0);
    }
    (per_epoch, totals)
}

#[test]
fn empty_rows_at_both_ends_are_walked_alike_in_both_orders() {
    // rows 0..3 and 40..70 are empty: the walks (and their prefetching of rows ahead) pass
    // empty rows and the end of the graph
    let n = 70;
    let (mut indptr, mut indices, mut weights) = (vec![0u32], Vec::new(), Vec::new());
    for i in 0..n as u32 {
        if (3..40).contains(&i) {
            for d in 1..=4u32 {
                let j = 3 + (i - 3 + d) % 37;
                indices.push(j);
                weights.push(1.0 / d as f32);
            }
        }
        indptr.push(indices.len() as u32);
    }
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    let y: Vec<f32> = (0..2 * n).map(|k| (k % 7) as f32).collect();
    let csr = visits(&g, &y, SampleOrder::Csr, 30, 11);
    let lockstep = visits(&g, &y, SampleOrder::Lockstep, 30, 11);
    assert!(csr.1.0 > 1_000, "{:?}", csr.1);
    assert_eq!(csr.1, lockstep.1, "sample counts");
    assert!(csr.0 == lockstep.0, "the samples differ");
}

#[test]
#[cfg_attr(miri, ignore)] // 40 epochs of digits: minutes under Miri
fn lockstep_runs_resume_and_borrow_buffers_bit_for_bit() {
    let f = common::digits();
    let g = digits_graph(&f, 40);
    let config = UmapConfig {
        n_epochs: 40,
        order: SampleOrder::Lockstep,
        ..UmapConfig::umap_learn(f.n, 11)
    };
    let step = || BceStep {
        batched_negatives: true,
        ..BceStep::umap_learn(Umap::<f32>::umap_learn_default().fast())
    };
    let mut whole = f.init.clone();
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    sgd.run(
        &g,
        &mut step(),
        &mut InPlace::new(&mut whole, 2, None),
        usize::MAX,
        &mut Silent,
    )
    .unwrap();
    // in chunks of 3 epochs, over caller buffers of the sizes buffer_sizes gives
    let sizes = BorrowedUmapSgd::<f32>::buffer_sizes(&g, &config);
    assert_eq!(
        sizes.negatives,
        LOCKSTEP_LANES * (sizes.coeffs / LOCKSTEP_LANES - 1)
    );
    let mut times = vec![0.0; sizes.times];
    let mut rngs = vec![Pcg32::new(0, 0); sizes.rngs];
    let (mut negs, mut coeffs) = (vec![0u32; sizes.negatives], vec![0.0f32; sizes.coeffs]);
    let mut chunked = f.init.clone();
    let mut sgd = BorrowedUmapSgd::<f32>::with_buffers(
        &g,
        &config,
        &mut times,
        &mut rngs,
        &mut negs,
        &mut coeffs,
    )
    .unwrap();
    while !sgd.finished() {
        sgd.run(
            &g,
            &mut step(),
            &mut InPlace::new(&mut chunked, 2, None),
            3,
            &mut Silent,
        )
        .unwrap();
    }
    assert!(
        whole
            .iter()
            .zip(&chunked)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(whole.iter().zip(&f.init).any(|(a, b)| a != b));
    // lockstep needs LOCKSTEP_LANES samples' scratch: the CSR sizes are refused
    let csr = UmapConfig {
        order: SampleOrder::Csr,
        ..config
    };
    let small = BorrowedUmapSgd::<f32>::buffer_sizes(&g, &csr);
    let (mut negs, mut coeffs) = (vec![0u32; small.negatives], vec![0.0f32; small.coeffs]);
    let err = BorrowedUmapSgd::<f32>::with_buffers(
        &g,
        &config,
        &mut times,
        &mut rngs,
        &mut negs,
        &mut coeffs,
    );
    assert!(matches!(err, Err(Error::BufferLength { .. })), "{err:?}");
}

/// A sample's arithmetic in lockstep is the single-sample arithmetic: with one sample per
/// batch (a graph with one vertex that has edges) both orders give the same bits.
#[test]
fn one_sample_batches_equal_the_batched_order() {
    // a star: vertex 0 linked to 1..6 (only 0 has out-edges, so every batch is one sample)
    let n = 7;
    let indptr = [0u32, 6, 6, 6, 6, 6, 6, 6];
    let indices = [1u32, 2, 3, 4, 5, 6];
    let weights = [1.0f32, 0.9, 0.8, 0.7, 0.6, 0.5];
    let g = CsrGraph::new(n, &indptr, &indices, &weights).unwrap();
    let y0: Vec<f32> = (0..2 * n)
        .map(|k| ((k * 7) % 11) as f32 * 0.3 - 1.0)
        .collect();
    let mut out = Vec::new();
    for order in [SampleOrder::Csr, SampleOrder::Lockstep] {
        let config = UmapConfig {
            n_epochs: 50,
            order,
            ..UmapConfig::umap_learn(n, 5)
        };
        let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
        let mut y = y0.clone();
        let mut step = BceStep {
            batched_negatives: true,
            ..BceStep::umap_learn(Umap::<f32>::umap_learn_default().fast())
        };
        sgd.run(
            &g,
            &mut step,
            &mut InPlace::new(&mut y, 2, None),
            usize::MAX,
            &mut Silent,
        )
        .unwrap();
        out.push(y);
    }
    assert!(
        out[0]
            .iter()
            .zip(&out[1])
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(out[0].iter().zip(&y0).any(|(a, b)| a != b));
}
