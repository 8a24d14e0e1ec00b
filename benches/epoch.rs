//! The SGD loop: umap-learn's schedule on digits in each mode, a kernel-only
//! "roofline" (the same step arithmetic on in-cache data, no random access) with uniform
//! negative counts (`roofline/64_points`) and with the real loop's counts
//! (`roofline_mnist70k_counts`, or `roofline_digits_counts` without `../shared/data`), the
//! schedule alone (a step without arithmetic; digits, and mnist70k when `../shared/data` has
//! it), and scaling on synthetic kNN-like graphs (n = 10⁴, 10⁵, 10⁶) built here from a seed.
//!
//! `cargo bench --bench epoch` (add `-- roofline`, `-- schedule` or `-- scaling` to select). Throughput is in
//! updates (positive + negative samples) per second. Report figures with the machine and the
//! command; run when nothing else runs.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
use neighbor_embed::sink::{InPlace, Sink};
use neighbor_embed::step::{BceStep, LOCKSTEP_LANES, Sample, Step};
use std::hint::black_box;
use std::path::Path;

fn read<T>(path: &Path, f: impl Fn([u8; 4]) -> T) -> Vec<T> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|c| f([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The step modes: (name, math fast, batched negatives, sample order).
const MODES: [(&str, bool, bool, SampleOrder); 6] = [
    ("exact/sequential", false, false, SampleOrder::Csr),
    ("exact/batched", false, true, SampleOrder::Csr),
    ("exact/lockstep", false, true, SampleOrder::Lockstep),
    ("fast/sequential", true, false, SampleOrder::Csr),
    ("fast/batched", true, true, SampleOrder::Csr),
    ("fast/lockstep", true, true, SampleOrder::Lockstep),
];

/// Runs the first `count` epochs of an `n_epochs` schedule from `y0`; returns the updates.
fn run_epochs(
    g: &CsrGraph<f32>,
    y0: &[f32],
    n_epochs: usize,
    count: usize,
    (fast, batched, order): (bool, bool, SampleOrder),
) -> u64 {
    let config = UmapConfig {
        n_epochs,
        order,
        ..UmapConfig::umap_learn(g.n(), 42)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(g, &config).unwrap();
    let mut y = y0.to_vec();
    let umap = Umap::<f32>::umap_learn_default();
    let mut sink = InPlace::new(&mut y, 2, None);
    if fast {
        let mut step = BceStep {
            batched_negatives: batched,
            ..BceStep::umap_learn(umap.fast())
        };
        sgd.run(g, &mut step, &mut sink, count, &mut Silent)
            .unwrap()
            .updates()
    } else {
        let mut step = BceStep {
            batched_negatives: batched,
            ..BceStep::umap_learn(umap)
        };
        sgd.run(g, &mut step, &mut sink, count, &mut Silent)
            .unwrap()
            .updates()
    }
}

/// A fixture's arrays: umap-learn's graph and `init.f32`.
struct Fixture {
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<f32>,
    init: Vec<f32>,
}

impl Fixture {
    fn read(dir: &Path) -> Self {
        Fixture {
            indptr: read(&dir.join("graph_indptr.u32"), u32::from_le_bytes),
            indices: read(&dir.join("graph_indices.u32"), u32::from_le_bytes),
            weights: read(&dir.join("graph_weights.f32"), f32::from_le_bytes),
            init: read(&dir.join("init.f32"), f32::from_le_bytes),
        }
    }

    /// The graph with umap-learn's edge filter for `n_epochs`.
    fn graph(&self, n_epochs: usize) -> CsrGraph<'_, f32> {
        CsrGraph::new(
            self.indptr.len() - 1,
            &self.indptr,
            &self.indices,
            &self.weights,
        )
        .unwrap()
        .with_umap_filter(n_epochs)
    }
}

fn digits_epochs(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits");
    let fixture = Fixture::read(&dir);
    let (g, init) = (fixture.graph(500), fixture.init.as_slice());
    // a whole 500-epoch run from init.f32 (33.7 M updates), as umap-learn does it
    let mut group = c.benchmark_group("epoch/digits_500_epochs");
    let updates = run_epochs(&g, init, 500, 500, (false, false, SampleOrder::Csr));
    group.throughput(Throughput::Elements(updates));
    group.sample_size(10);
    for (name, fast, batched, order) in MODES {
        group.bench_function(name, |b| {
            b.iter(|| run_epochs(&g, init, 500, 500, (fast, batched, order)))
        });
    }
    group.finish();
}

/// A step that does no arithmetic: it hands each sample (head, tail, negatives) to
/// `black_box`, so that a run measures the schedule alone (walking the due entries, the
/// negative counts, the draws, the lanes' bookkeeping).
struct ScheduleOnly;

impl Step<f32> for ScheduleOnly {
    fn check(&self) -> Result<(), neighbor_embed::Error> {
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
        black_box(s);
        0.0
    }
    fn apply_batch<S: Sink<f32>>(
        &mut self,
        _: &mut S,
        samples: &[Sample<'_>],
        _: f32,
        _: bool,
        _: &mut [f32],
    ) -> f32 {
        black_box(samples);
        0.0
    }
}

/// The schedule alone (see [`ScheduleOnly`]) in both sample orders, on digits (500 epochs)
/// and, when `../shared/data/mnist70k` is there, on mnist70k (200 epochs): with the step
/// arithmetic's rate in cache (`roofline`) it bounds what a whole run can reach, `1/(1/schedule
/// + 1/roofline)` updates/s at best.
fn schedule_only(c: &mut Criterion) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sets = [
        (here.join("examples/data/digits"), 500, "digits_500_epochs"),
        (
            here.join("../shared/data/mnist70k"),
            200,
            "mnist70k_200_epochs",
        ),
    ];
    for (dir, n_epochs, name) in sets {
        if !dir.join("graph_indptr.u32").exists() {
            eprintln!("schedule/{name}: skipped, {} not found", dir.display());
            continue;
        }
        let fixture = Fixture::read(&dir);
        let (g, init) = (fixture.graph(n_epochs), &fixture.init);
        let n = g.n();
        let mut group = c.benchmark_group(format!("schedule/{name}"));
        group.sample_size(10);
        for (label, order) in [
            ("csr", SampleOrder::Csr),
            ("lockstep", SampleOrder::Lockstep),
        ] {
            let run = || {
                let config = UmapConfig {
                    n_epochs,
                    order,
                    ..UmapConfig::umap_learn(n, 42)
                };
                let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
                let mut y = init.clone();
                let mut sink = InPlace::new(&mut y, 2, None);
                sgd.run(&g, &mut ScheduleOnly, &mut sink, n_epochs, &mut Silent)
                    .unwrap()
                    .updates()
            };
            group.throughput(Throughput::Elements(run()));
            group.bench_function(label, |b| b.iter(run));
        }
        group.finish();
    }
}

/// The same step arithmetic as a real epoch, on 64 in-cache points visited in order: the
/// rate the loop would reach without cache misses, dependent random accesses or scheduling
/// (the lockstep modes take the samples [`LOCKSTEP_LANES`] at a time, as their loop hands them
/// over). Every sample has exactly five negatives (umap-learn's mean count), so a lockstep
/// batch runs five negative rounds with every lane live; the real loop's counts vary from
/// sample to sample, which [`roofline_real_counts`] replays.
fn roofline(c: &mut Criterion) {
    let n = 64usize;
    let mut y: Vec<f32> = (0..2 * n).map(|k| ((k * 37) % 101) as f32 * 0.1).collect();
    let negatives: Vec<u32> = (0..5 * n as u32).map(|k| (k * 13 + 7) % n as u32).collect();
    let mut scratch = [0.0f32; 8 * 8];
    let umap = Umap::<f32>::umap_learn_default();
    let mut group = c.benchmark_group("roofline/64_points");
    group.throughput(Throughput::Elements((n * 6) as u64));
    for (name, fast, batched, order) in MODES {
        // lockstep: the same samples LOCKSTEP_LANES at a time through apply_batch
        let per_call = if order == SampleOrder::Lockstep {
            LOCKSTEP_LANES
        } else {
            1
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = InPlace::new(&mut y, 2, None);
                for first in (0..n).step_by(per_call) {
                    let samples: [Sample; LOCKSTEP_LANES] = core::array::from_fn(|l| {
                        let i = (first + l) % n;
                        Sample {
                            head: i,
                            tail: (i + 1) % n,
                            negatives: &negatives[5 * i..5 * i + 5],
                        }
                    });
                    let samples = &samples[..per_call];
                    if fast {
                        let mut s = BceStep {
                            batched_negatives: batched,
                            ..BceStep::umap_learn(umap.fast())
                        };
                        if per_call == 1 {
                            s.apply(&mut sink, samples[0], 0.01, false, &mut scratch);
                        } else {
                            s.apply_batch(&mut sink, samples, 0.01, false, &mut scratch);
                        }
                    } else {
                        let mut s = BceStep {
                            batched_negatives: batched,
                            ..BceStep::umap_learn(umap)
                        };
                        if per_call == 1 {
                            s.apply(&mut sink, samples[0], 0.01, false, &mut scratch);
                        } else {
                            s.apply_batch(&mut sink, samples, 0.01, false, &mut scratch);
                        }
                    }
                }
            })
        });
    }
    group.finish();
}

/// A step that records each lockstep batch's negative counts, lane by lane, for
/// [`roofline_real_counts`].
struct RecordCounts(Vec<Vec<u8>>);

impl Step<f32> for RecordCounts {
    fn check(&self) -> Result<(), neighbor_embed::Error> {
        Ok(())
    }
    fn apply<S: Sink<f32>>(
        &mut self,
        _: &mut S,
        _: Sample<'_>,
        _: f32,
        _: bool,
        _: &mut [f32],
    ) -> f32 {
        unreachable!("the lockstep loop hands over batches")
    }
    fn apply_batch<S: Sink<f32>>(
        &mut self,
        _: &mut S,
        samples: &[Sample<'_>],
        _: f32,
        _: bool,
        _: &mut [f32],
    ) -> f32 {
        let counts = samples.iter().map(|s| s.negatives.len()).map(u8::try_from);
        self.0.push(counts.collect::<Result<_, _>>().unwrap());
        0.0
    }
}

/// The kernel-only roofline of the lockstep modes fed with the real loop's negative counts:
/// the lockstep batches of the middle epoch of a whole run (mnist70k's when
/// `../shared/data/mnist70k` is there, else digits'), replayed with their counts lane by lane
/// on 64 in-cache points (heads and tails in order, negatives from a fixed pattern). The
/// counts vary from sample to sample (umap-learn's schedule: 3 to 9 on mnist70k, 5 two times
/// in three), so a batch runs as many negative rounds as its largest count (6.7 on average
/// against 5 with the uniform counts of [`roofline`]) and its count-dependent loops branch as
/// in the real loop: the same arithmetic as the real loop, without its random accesses and
/// its schedule.
fn roofline_real_counts(c: &mut Criterion) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mnist = here.join("../shared/data/mnist70k");
    let (dir, n_epochs, name) = if mnist.join("graph_indptr.u32").exists() {
        (mnist, 200, "mnist70k")
    } else {
        eprintln!("roofline_real_counts: ../shared/data/mnist70k not found, digits' counts");
        (here.join("examples/data/digits"), 500, "digits")
    };
    let fixture = Fixture::read(&dir);
    let g = fixture.graph(n_epochs);
    let config = UmapConfig {
        n_epochs,
        order: SampleOrder::Lockstep,
        ..UmapConfig::umap_learn(g.n(), 42)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    let mut y0 = fixture.init.clone();
    let mut sink = InPlace::new(&mut y0, 2, None);
    sgd.run(&g, &mut ScheduleOnly, &mut sink, n_epochs / 2, &mut Silent)
        .unwrap();
    let mut record = RecordCounts(Vec::new());
    sgd.run(&g, &mut record, &mut sink, 1, &mut Silent).unwrap();
    let batches = record.0;
    let n = 64usize;
    let width = 1 + batches.iter().flatten().copied().max().unwrap_or(0) as usize;
    let y0: Vec<f32> = (0..2 * n).map(|k| ((k * 37) % 101) as f32 * 0.1).collect();
    let mut y = y0.clone();
    let negatives: Vec<u32> = (0..(width * n) as u32)
        .map(|k| (k * 13 + 7) % n as u32)
        .collect();
    let mut scratch = [0.0f32; 8 * 8];
    let updates: u64 = batches.iter().flatten().map(|&c| u64::from(c) + 1).sum();
    let samples = batches.iter().map(Vec::len).sum::<usize>() as f64;
    let rounds: usize = batches
        .iter()
        .map(|b| *b.iter().max().unwrap_or(&0) as usize)
        .sum();
    eprintln!(
        "roofline_real_counts: {} batches (epoch {} of {name}), {:.3} negatives a sample, \
         {:.3} negative rounds a batch",
        batches.len(),
        n_epochs / 2,
        (updates as f64 - samples) / samples,
        rounds as f64 / batches.len() as f64
    );
    let umap = Umap::<f32>::umap_learn_default();
    let mut group = c.benchmark_group(format!("roofline_{name}_counts/64_points"));
    group.throughput(Throughput::Elements(updates));
    for (label, fast) in [("exact/lockstep", false), ("fast/lockstep", true)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                // every iteration the same arithmetic from the same positions
                y.copy_from_slice(&y0);
                let mut sink = InPlace::new(&mut y, 2, None);
                for (k, counts) in batches.iter().enumerate() {
                    let mut samples = [Sample {
                        head: 0,
                        tail: 0,
                        negatives: &[],
                    }; LOCKSTEP_LANES];
                    for (l, (sample, &c)) in samples.iter_mut().zip(counts).enumerate() {
                        let i = (LOCKSTEP_LANES * k + l) % n;
                        *sample = Sample {
                            head: i,
                            tail: (i + 1) % n,
                            negatives: &negatives[width * i..width * i + c as usize],
                        };
                    }
                    let samples = &samples[..counts.len()];
                    if fast {
                        let mut s = BceStep {
                            batched_negatives: true,
                            ..BceStep::umap_learn(umap.fast())
                        };
                        s.apply_batch(&mut sink, samples, 0.01, false, &mut scratch);
                    } else {
                        let mut s = BceStep {
                            batched_negatives: true,
                            ..BceStep::umap_learn(umap)
                        };
                        s.apply_batch(&mut sink, samples, 0.01, false, &mut scratch);
                    }
                }
            })
        });
    }
    group.finish();
}

/// A kNN-like graph: each vertex linked to its 7 ring neighbours on each side plus one random
/// vertex (seeded), symmetric, weights from a smooth function of the offset; init on a circle
/// with jitter.
fn synthetic(n: usize) -> (Vec<u32>, Vec<u32>, Vec<f32>, Vec<f32>) {
    let mut rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..n {
        for off in 1..=7usize {
            let j = (i + off) % n;
            let w = 1.0 / (1.0 + off as f32 * 0.3);
            rows[i].push((j as u32, w));
            rows[j].push((i as u32, w));
        }
        let j = (next() % n as u64) as usize;
        if j != i {
            rows[i].push((j as u32, 0.2));
            rows[j].push((i as u32, 0.2));
        }
    }
    let (mut indptr, mut indices, mut weights) = (vec![0u32], Vec::new(), Vec::new());
    for row in rows.iter_mut() {
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        for &(j, w) in row.iter() {
            indices.push(j);
            weights.push(w);
        }
        indptr.push(indices.len() as u32);
    }
    let init = (0..n)
        .flat_map(|i| {
            let t = i as f32 / n as f32 * core::f32::consts::TAU;
            let r = 5.0 + (next() % 1000) as f32 * 1e-3;
            [5.0 + r * libm::cosf(t), 5.0 + r * libm::sinf(t)]
        })
        .collect();
    (indptr, indices, weights, init)
}

fn scaling(c: &mut Criterion) {
    // the first 5 epochs of a 200-epoch schedule (epoch 0 samples nothing), fast + batched
    // in the CSR and the lockstep order; the id is nnz, the throughput updates/s
    for (name, order) in [
        ("scaling/first_5_epochs_fast_batched", SampleOrder::Csr),
        (
            "scaling/first_5_epochs_fast_lockstep",
            SampleOrder::Lockstep,
        ),
    ] {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for n in [10_000usize, 100_000, 1_000_000] {
            let (indptr, indices, w, init) = synthetic(n);
            let g = CsrGraph::new(n, &indptr, &indices, &w)
                .unwrap()
                .with_umap_filter(200);
            let updates = run_epochs(&g, &init, 200, 5, (true, true, order));
            group.throughput(Throughput::Elements(updates));
            group.bench_with_input(BenchmarkId::from_parameter(g.nnz()), &n, |b, _| {
                b.iter(|| run_epochs(&g, &init, 200, 5, (true, true, order)))
            });
        }
        group.finish();
    }
}

criterion_group!(
    benches,
    digits_epochs,
    roofline,
    roofline_real_counts,
    schedule_only,
    scaling
);
criterion_main!(benches);
