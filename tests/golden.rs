//! Same bits everywhere: golden output hashes of fixed runs.
//!
//! Each case is a fixed graph, initial layout, seed, epoch count and step; its output is hashed
//! with FNV-1a (64 bit) over the little-endian bytes of the final `f32` layout, as `embed`'s
//! `output_hash`. The expected hashes are constants: this test checks them natively (CI runs it
//! with and without `simd`), on `wasm32-wasip1` under node's WASI (`.ci/everywhere.sh`), and the
//! same constants are checked through the `wasm32-unknown-unknown` shim (`examples/wasm`, node
//! and the browser demo) and on an emulated Cortex-M4F (`examples/firmware`, qemu).
//!
//! - **digits** (the bundled `examples/data/digits`): umap-learn's graph `graph_*`, filtered as
//!   umap-learn does for 500 epochs; `init.f32`; seed 42; 500 epochs; `UmapConfig::umap_learn`
//!   (learning rate 1 decayed, 5 negatives); `BceStep::umap_learn` with the kernel in the fast
//!   math mode and batched negatives (the crate's fastest deterministic mode) —
//!   [`DIGITS_FAST_BATCHED`]; and umap-learn's exact algorithm (libm `powf`, negatives in
//!   sequence) — [`DIGITS_EXACT_SEQUENTIAL`]; and fast + batched in the lockstep order
//!   (`SampleOrder::Lockstep`, sixteen samples a batch) — [`DIGITS_FAST_LOCKSTEP`]. `cargo run
//!   --release --example embed -- --graph fixture --init fixture --math fast --negatives
//!   batched` (or `lockstep`) prints the first (or the third).
//! - **firmware** (`examples/firmware/src/case.rs`, shared with the firmware): 300 points on 5
//!   rings generated from seed 42, a seeded uniform layout, 200 epochs, fast + batched, run
//!   through `BorrowedUmapSgd::with_buffers` (no heap) — [`FIRMWARE`].

#[path = "../examples/firmware/src/case.rs"]
#[allow(dead_code)]
mod case;

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::{BceStep, Step};

/// digits, 500 epochs, fast math, batched negatives.
const DIGITS_FAST_BATCHED: u64 = 0xd878_bc97_b5e5_84cc;
/// digits, 500 epochs, exact math (libm), negatives in sequence (umap-learn's algorithm).
const DIGITS_EXACT_SEQUENTIAL: u64 = 0xd2f5_7155_9c47_eaee;
/// digits, 500 epochs, fast math, batched negatives, lockstep order.
const DIGITS_FAST_LOCKSTEP: u64 = 0x5fbf_e47a_442b_ce4b;
/// The firmware case (300 points, 200 epochs, fast math, batched negatives).
const FIRMWARE: u64 = 0x5d12_ce93_e193_1a8e;

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

struct Digits {
    indptr: Vec<u32>,
    indices: Vec<u32>,
    weights: Vec<f32>,
    init: Vec<f32>,
}

// Embedded, so the test needs no file system (wasm32-wasip1 runs it without preopened dirs).
fn digits() -> Digits {
    Digits {
        indptr: u32s(include_bytes!("../examples/data/digits/graph_indptr.u32")),
        indices: u32s(include_bytes!("../examples/data/digits/graph_indices.u32")),
        weights: f32s(include_bytes!("../examples/data/digits/graph_weights.f32")),
        init: f32s(include_bytes!("../examples/data/digits/init.f32")),
    }
}

const EPOCHS: usize = 500;

/// Runs the digits case in calls of `chunk` epochs (the state is resumable: any chunking gives
/// the same bits); returns the hash and the update count.
fn run_digits<S: Step<f32>>(step: S, chunk: usize) -> (u64, u64) {
    run_digits_in(SampleOrder::Csr, step, chunk)
}

/// [`run_digits`] in the given sample order.
fn run_digits_in<S: Step<f32>>(order: SampleOrder, mut step: S, chunk: usize) -> (u64, u64) {
    let d = digits();
    let n = d.indptr.len() - 1;
    let graph = CsrGraph::new(n, &d.indptr, &d.indices, &d.weights)
        .unwrap()
        .with_umap_filter(EPOCHS);
    let config = UmapConfig {
        n_epochs: EPOCHS,
        order,
        ..UmapConfig::umap_learn(n, 42)
    };
    let mut y = d.init;
    let mut sgd = OwnedUmapSgd::<f32>::new(&graph, &config).unwrap();
    let mut updates = 0;
    while !sgd.finished() {
        let mut sink = InPlace::new(&mut y, 2, None);
        let r = sgd
            .run(&graph, &mut step, &mut sink, chunk, &mut Silent)
            .unwrap();
        updates += r.updates();
    }
    (case::fnv1a(&y), updates)
}

fn fast_batched() -> BceStep<f32, Umap<f32, neighbor_embed::fast_math::Fast>> {
    BceStep {
        batched_negatives: true,
        ..BceStep::umap_learn(Umap::umap_learn_default().fast())
    }
}

#[test]
fn digits_fast_batched() {
    let (hash, updates) = run_digits(fast_batched(), usize::MAX);
    assert_eq!(
        updates,
        5_619_382 + 28_072_222,
        "umap-learn's sample counts"
    );
    assert_eq!(hash, DIGITS_FAST_BATCHED, "got {hash:016x}");
}

#[test]
fn digits_fast_batched_epoch_by_epoch() {
    // what the browser demo does: one call per animation frame
    let (hash, _) = run_digits(fast_batched(), 7);
    assert_eq!(hash, DIGITS_FAST_BATCHED, "got {hash:016x}");
}

#[test]
fn digits_fast_lockstep() {
    let (hash, updates) = run_digits_in(SampleOrder::Lockstep, fast_batched(), usize::MAX);
    assert_eq!(updates, 5_619_382 + 28_072_222, "the same samples");
    assert_eq!(hash, DIGITS_FAST_LOCKSTEP, "got {hash:016x}");
    let (hash, _) = run_digits_in(SampleOrder::Lockstep, fast_batched(), 7);
    assert_eq!(
        hash, DIGITS_FAST_LOCKSTEP,
        "in chunks of 7 epochs: got {hash:016x}"
    );
}

#[test]
fn digits_exact_sequential() {
    let step = BceStep::umap_learn(Umap::<f32>::umap_learn_default());
    let (hash, _) = run_digits(step, usize::MAX);
    assert_eq!(hash, DIGITS_EXACT_SEQUENTIAL, "got {hash:016x}");
}

#[test]
fn observer_sees_every_epoch() {
    // the positions the observer is shown are the ones hashed at the end
    let d = digits();
    let n = d.indptr.len() - 1;
    let graph = CsrGraph::new(n, &d.indptr, &d.indices, &d.weights)
        .unwrap()
        .with_umap_filter(EPOCHS);
    let config = UmapConfig {
        n_epochs: 20,
        ..UmapConfig::umap_learn(n, 42)
    };
    let mut y = d.init;
    let mut sgd = OwnedUmapSgd::<f32>::new(&graph, &config).unwrap();
    let (mut seen, mut last) = (0, 0);
    let mut observer = |info: &EpochInfo<f32>, pos: &[f32]| {
        seen += 1;
        last = case::fnv1a(pos);
        assert!(info.epoch < 20);
        Control::Continue
    };
    sgd.run(
        &graph,
        &mut fast_batched(),
        &mut InPlace::new(&mut y, 2, None),
        usize::MAX,
        &mut observer,
    )
    .unwrap();
    assert_eq!(seen, 20);
    assert_eq!(last, case::fnv1a(&y));
}

#[test]
fn firmware_case() {
    let mut b = Box::new(case::Buffers::ZERO);
    let mut rngs: Box<[neighbor_embed::rng::Pcg32; case::N]> =
        Box::new(core::array::from_fn(|_| {
            neighbor_embed::rng::Pcg32::new(0, 0)
        }));
    let hash = case::run(&mut b, &mut rngs).unwrap();
    assert_eq!(hash, FIRMWARE, "got {hash:016x}");
}

#[test]
fn firmware_case_graph_is_valid() {
    let mut b = Box::new(case::Buffers::ZERO);
    case::generate(&mut b).unwrap();
    let g = CsrGraph::new(case::N, &b.indptr, &b.indices, &b.weights).unwrap();
    g.check_symmetric(0.0).unwrap();
    g.check_no_self_loops().unwrap();
    g.check_no_duplicates().unwrap();
    assert!(b.coords.iter().all(|v| (0.0..=10.0).contains(v)));
}

/// digits through the deterministic multi-threaded loop (`parallel`, uwot's Adam defaults, fast
/// math): the same bits for 1, 2, 3 and 5 threads (WASI has no threads: one there).
const DIGITS_PARALLEL_FAST: u64 = 0xfb2d_81d8_ad31_3597;

#[test]
fn digits_parallel_any_thread_count() {
    use neighbor_embed::parallel::{ParallelConfig, ParallelUmap};
    let d = digits();
    let n = d.indptr.len() - 1;
    let graph = CsrGraph::new(n, &d.indptr, &d.indices, &d.weights)
        .unwrap()
        .with_umap_filter(EPOCHS);
    let kernel = Umap::<f32>::umap_learn_default().fast();
    let counts: &[usize] = if cfg!(target_os = "wasi") {
        &[1]
    } else {
        &[1, 2, 3, 5]
    };
    for &threads in counts {
        let config = ParallelConfig {
            n_epochs: EPOCHS,
            threads,
            ..ParallelConfig::new(n, 42)
        };
        let mut run = ParallelUmap::<f32>::new(&graph, &config, 2).unwrap();
        let mut y = d.init.clone();
        run.run(&graph, &kernel, &mut y, usize::MAX, &mut Silent)
            .unwrap();
        let hash = case::fnv1a(&y);
        assert_eq!(
            hash, DIGITS_PARALLEL_FAST,
            "{threads} threads: got {hash:016x}"
        );
    }
}
