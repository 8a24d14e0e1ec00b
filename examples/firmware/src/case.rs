//! The firmware's golden case, shared (by `#[path]`) with `tests/golden.rs`: a graph of a few
//! hundred points generated from a seed, a seeded uniform initial layout, and a run of the
//! crate's fastest deterministic mode (UMAP's BCE step, fast math, batched negatives) over
//! caller buffers, with no heap. `core` and `neighbor_embed` only.
//!
//! The graph: `N = 300` vertices in `CLUSTERS = 5` rings of 60; vertex `i` is position
//! `t = i / 5` of ring `c = i % 5` and is linked to the 6 vertices at ring offsets ±1, ±2, ±3,
//! with the symmetric weight `(0.5 + 0.5 u) / |offset|`, `u ∈ [0, 1)` from SplitMix64 of
//! `(SEED, min(i, j), max(i, j))`. Rows sorted ascending.

use neighbor_embed::Error;
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::rng::{Pcg32, splitmix64};
use neighbor_embed::sgd::{BorrowedUmapSgd, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::BceStep;

/// Vertices.
pub const N: usize = 300;
/// Rings.
pub const CLUSTERS: usize = 5;
/// Neighbours per vertex (offsets ±1..±3 along its ring).
pub const DEGREE: usize = 6;
/// Stored entries.
pub const NNZ: usize = N * DEGREE;
/// Epochs of the run.
pub const EPOCHS: usize = 200;
/// Seed of the graph weights, the initial layout and the SGD streams.
pub const SEED: u64 = 42;
/// Room for the negatives of one sample (`ceil(2m) + 2 = 12` for `m = 5`).
pub const NEG_CAP: usize = 16;

/// Everything the run needs but the random streams, as fixed-size arrays (about 48 KB; a
/// `static` on the firmware). The streams (`N` of [`Pcg32`], 16 bytes each) are passed apart:
/// `Pcg32` has no `const` constructor.
pub struct Buffers {
    /// CSR row pointers.
    pub indptr: [u32; N + 1],
    /// CSR column indices.
    pub indices: [u32; NNZ],
    /// CSR weights.
    pub weights: [f32; NNZ],
    /// The layout, `N × 2`.
    pub coords: [f32; 2 * N],
    /// Schedule state (3 per entry: next sample, next negative sample, period).
    pub times: [f64; 3 * NNZ],
    /// Negatives scratch.
    pub negatives: [u32; NEG_CAP],
    /// Coefficient scratch.
    pub coeffs: [f32; NEG_CAP + 1],
}

impl Buffers {
    /// All zero.
    pub const ZERO: Buffers = Buffers {
        indptr: [0; N + 1],
        indices: [0; NNZ],
        weights: [0.0; NNZ],
        coords: [0.0; 2 * N],
        times: [0.0; 3 * NNZ],
        negatives: [0; NEG_CAP],
        coeffs: [0.0; NEG_CAP + 1],
    };
}

/// The symmetric weight of the pair `(i, j)` at ring offset `offset`.
fn weight(i: usize, j: usize, offset: usize) -> f32 {
    let (lo, hi) = if i < j { (i, j) } else { (j, i) };
    let r = splitmix64(SEED ^ splitmix64((lo * N + hi) as u64));
    let u = (r >> 40) as f32 * (1.0 / (1u32 << 24) as f32);
    (0.5 + 0.5 * u) / offset as f32
}

/// Writes the graph and the initial layout into `b`.
pub fn generate(b: &mut Buffers) -> Result<(), Error> {
    let per_ring = N / CLUSTERS;
    let mut p = 0usize;
    b.indptr[0] = 0;
    for i in 0..N {
        let (c, t) = (i % CLUSTERS, i / CLUSTERS);
        let mut row = [(0u32, 0.0f32); DEGREE];
        let mut r = 0;
        for offset in 1..=DEGREE / 2 {
            for t2 in [(t + offset) % per_ring, (t + per_ring - offset) % per_ring] {
                let j = c + CLUSTERS * t2;
                row[r] = (j as u32, weight(i, j, offset));
                r += 1;
            }
        }
        // insertion sort by column
        for a in 1..DEGREE {
            let mut k = a;
            while k > 0 && row[k - 1].0 > row[k].0 {
                row.swap(k - 1, k);
                k -= 1;
            }
        }
        for (j, w) in row {
            b.indices[p] = j;
            b.weights[p] = w;
            p += 1;
        }
        b.indptr[i + 1] = p as u32;
    }
    neighbor_embed::init::uniform(&mut b.coords, -10.0, 10.0, SEED)?;
    neighbor_embed::init::rescale_columns(&mut b.coords, 2, 10.0)
}

/// Generates the case and runs it; returns the FNV-1a hash of the final layout. `rngs` is
/// overwritten with the streams of [`SEED`].
pub fn run(b: &mut Buffers, rngs: &mut [Pcg32; N]) -> Result<u64, Error> {
    generate(b)?;
    let Buffers {
        indptr,
        indices,
        weights,
        coords,
        times,
        negatives,
        coeffs,
    } = b;
    let graph = CsrGraph::new(N, &indptr[..], &indices[..], &weights[..])?.with_umap_filter(EPOCHS);
    let config = UmapConfig {
        n_epochs: EPOCHS,
        ..UmapConfig::umap_learn(N, SEED)
    };
    let mut sgd = BorrowedUmapSgd::<f32>::with_buffers(
        &graph,
        &config,
        &mut times[..],
        &mut rngs[..],
        &mut negatives[..],
        &mut coeffs[..],
    )?;
    let mut step = BceStep {
        batched_negatives: true,
        ..BceStep::umap_learn(Umap::umap_learn_default().fast())
    };
    sgd.run(
        &graph,
        &mut step,
        &mut InPlace::new(&mut coords[..], 2, None),
        usize::MAX,
        &mut Silent,
    )?;
    Ok(fnv1a(&coords[..]))
}

/// FNV-1a (64 bit) of the values' little-endian bytes: `embed`'s `output_hash`.
pub fn fnv1a(y: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in y {
        for byte in v.to_le_bytes() {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
