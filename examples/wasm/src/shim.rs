//! The exports (only on `wasm32-unknown-unknown` / `wasm32v1-none`).

use core::arch::wasm32::{memory_grow, memory_size};
use core::fmt::Write;
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::loss::spectrum;
use neighbor_embed::rng::Pcg32;
use neighbor_embed::sgd::{BorrowedUmapSgd, SampleOrder, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::{BceStep, NegStep};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

const PAGE: usize = 65_536;

/// Bump arena above the module's initial memory.
struct Arena {
    base: usize,
    top: usize,
}

/// How a run steps.
#[derive(Clone, Copy)]
enum Mode {
    FastBatched,
    FastLockstep,
    ExactSequential,
    Neg { s: f32 },
}

struct Run {
    graph: CsrGraph<'static, f32>,
    coords: &'static mut [f32],
    sgd: BorrowedUmapSgd<'static, f32>,
    mode: Mode,
    updates: u64,
}

struct State {
    arena: Arena,
    run: Option<Run>,
    error: [u8; 256],
    error_len: usize,
}

static mut STATE: State = State {
    arena: Arena { base: 0, top: 0 },
    run: None,
    error: [0; 256],
    error_len: 0,
};

fn state() -> &'static mut State {
    // SAFETY: WASM here is single-threaded and no export re-enters another, so at most one
    // reference to the state is live at a time.
    unsafe { &mut *(&raw mut STATE) }
}

fn alloc_bytes(arena: &mut Arena, bytes: usize, align: usize) -> Option<usize> {
    if arena.base == 0 {
        arena.base = memory_size(0) * PAGE;
        arena.top = arena.base;
    }
    let start = arena.top.checked_add(align - 1)? & !(align - 1);
    let end = start.checked_add(bytes)?;
    let have = memory_size(0) * PAGE;
    if end > have {
        let pages = (end - have).div_ceil(PAGE);
        if memory_grow(0, pages) == usize::MAX {
            return None;
        }
    }
    arena.top = end;
    Some(start)
}

/// A zeroed slice of `len` values from the arena.
fn alloc_slice<T: Copy>(arena: &mut Arena, len: usize, zero: T) -> Option<&'static mut [T]> {
    let bytes = len.checked_mul(core::mem::size_of::<T>())?;
    let at = alloc_bytes(arena, bytes, core::mem::align_of::<T>().max(8))?;
    // SAFETY: `at..at + bytes` is in bounds, aligned for `T`, handed out once (the arena only
    // grows until `ne_reset`, which drops every run that borrows from it) and initialised here.
    let s = unsafe { core::slice::from_raw_parts_mut(at as *mut T, len) };
    s.fill(zero);
    Some(s)
}

struct Msg<'a>(&'a mut [u8; 256], usize);

impl Write for Msg<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.1 < self.0.len() {
                self.0[self.1] = b;
                self.1 += 1;
            }
        }
        Ok(())
    }
}

fn fail(code: i32, what: core::fmt::Arguments<'_>) -> i32 {
    let st = state();
    let mut m = Msg(&mut st.error, 0);
    let _ = m.write_fmt(what);
    st.error_len = m.1;
    code
}

/// Allocates `bytes` (8-byte aligned) from the arena; 0 when memory cannot grow.
#[unsafe(no_mangle)]
pub extern "C" fn ne_alloc(bytes: usize) -> usize {
    alloc_bytes(&mut state().arena, bytes, 8).unwrap_or(0)
}

/// Drops the run and frees the whole arena.
#[unsafe(no_mangle)]
pub extern "C" fn ne_reset() {
    let st = state();
    st.run = None;
    st.arena.top = st.arena.base;
}

/// Address of the last error message (UTF-8).
#[unsafe(no_mangle)]
pub extern "C" fn ne_error_ptr() -> usize {
    state().error.as_ptr() as usize
}

/// Length of the last error message.
#[unsafe(no_mangle)]
pub extern "C" fn ne_error_len() -> usize {
    state().error_len
}

/// A slice of caller memory at `ptr`, checked against the memory's size and alignment.
fn view<T>(ptr: usize, len: usize) -> Option<&'static mut [T]> {
    let bytes = len.checked_mul(core::mem::size_of::<T>())?;
    let end = ptr.checked_add(bytes)?;
    if ptr == 0 || ptr % core::mem::align_of::<T>() != 0 || end > memory_size(0) * PAGE {
        return None;
    }
    // SAFETY: in bounds and aligned (checked above); `T` is a plain number type for which
    // every bit pattern is valid; the caller promises not to pass overlapping buffers.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr as *mut T, len) })
}

/// Starts a run (see the crate docs). Returns 0, or a negative code: -1 bad buffer address or
/// size, -2 invalid input (message in `ne_error_*`), -3 out of memory, -4 bad mode.
///
/// Modes: 0 UMAP, fast math, batched negatives (the golden case); 1 umap-learn's algorithm
/// (libm, negatives in sequence); 2 NEG with a Cauchy kernel at `spectrum_position` along the
/// t-SNE↔UMAP spectrum; 3 as 0 in the lockstep order (sixteen samples a batch, the fastest).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ne_init(
    n: usize,
    indptr: usize,
    indices: usize,
    weights: usize,
    nnz: usize,
    coords: usize,
    n_epochs: usize,
    seed: u32,
    mode: u32,
    spectrum_position: f64,
) -> i32 {
    let st = state();
    st.run = None;
    st.error_len = 0;
    let (Some(indptr), Some(indices), Some(weights), Some(coords)) = (
        view::<u32>(indptr, n + 1),
        view::<u32>(indices, nnz),
        view::<f32>(weights, nnz),
        view::<f32>(coords, 2 * n),
    ) else {
        return fail(-1, format_args!("a buffer is out of bounds or misaligned"));
    };
    let (indptr, indices, weights) = (&*indptr, &*indices, &*weights);
    let graph = match CsrGraph::new(n, indptr, indices, weights) {
        Ok(g) => g.with_umap_filter(n_epochs.max(1)),
        Err(e) => return fail(-2, format_args!("{e}")),
    };
    let mode = match mode {
        0 => Mode::FastBatched,
        1 => Mode::ExactSequential,
        3 => Mode::FastLockstep,
        2 => {
            let s = spectrum::cne_z_bar(spectrum_position, n)
                .and_then(|z| spectrum::s_of_z_bar(z, 5.0, n));
            match s {
                Ok(s) => Mode::Neg { s: s as f32 },
                Err(e) => return fail(-2, format_args!("{e}")),
            }
        }
        _ => return fail(-4, format_args!("mode {mode}: expected 0, 1, 2 or 3")),
    };
    let order = match mode {
        Mode::FastLockstep => SampleOrder::Lockstep,
        _ => SampleOrder::Csr,
    };
    let config = UmapConfig {
        n_epochs,
        order,
        ..UmapConfig::umap_learn(n, u64::from(seed))
    };
    let sizes = BorrowedUmapSgd::<f32>::buffer_sizes(&graph, &config);
    let a = &mut st.arena;
    let (Some(times), Some(negatives), Some(coeffs)) = (
        alloc_slice(a, sizes.times, 0.0f64),
        alloc_slice(a, sizes.negatives, 0u32),
        alloc_slice(a, sizes.coeffs, 0.0f32),
    ) else {
        return fail(-3, format_args!("out of memory"));
    };
    let Some(rngs) = alloc_rngs(a, sizes.rngs) else {
        return fail(-3, format_args!("out of memory"));
    };
    match BorrowedUmapSgd::with_buffers(&graph, &config, times, rngs, negatives, coeffs) {
        Ok(sgd) => {
            st.run = Some(Run {
                graph,
                coords,
                sgd,
                mode,
                updates: 0,
            });
            0
        }
        Err(e) => fail(-2, format_args!("{e}")),
    }
}

fn alloc_rngs(arena: &mut Arena, len: usize) -> Option<&'static mut [Pcg32]> {
    let bytes = len.checked_mul(core::mem::size_of::<Pcg32>())?;
    let at = alloc_bytes(arena, bytes, core::mem::align_of::<Pcg32>().max(8))?;
    let p = at as *mut Pcg32;
    for i in 0..len {
        // SAFETY: in bounds and aligned (from the arena); written before any read.
        unsafe { p.add(i).write(Pcg32::new(0, 0)) };
    }
    // SAFETY: every element was initialised above; handed out once (see `alloc_slice`).
    Some(unsafe { core::slice::from_raw_parts_mut(p, len) })
}

/// Runs up to `epochs` more epochs; returns the next epoch (`n_epochs` when finished), or -5
/// without a run, -2 on an error (message in `ne_error_*`).
#[unsafe(no_mangle)]
pub extern "C" fn ne_run(epochs: usize) -> i32 {
    let Some(run) = state().run.as_mut() else {
        return fail(-5, format_args!("no run: call ne_init first"));
    };
    let mut sink = InPlace::new(run.coords, 2, None);
    let report = match run.mode {
        Mode::FastBatched | Mode::FastLockstep => {
            let mut step = BceStep {
                batched_negatives: true,
                ..BceStep::umap_learn(Umap::umap_learn_default().fast())
            };
            run.sgd
                .run(&run.graph, &mut step, &mut sink, epochs, &mut Silent)
        }
        Mode::ExactSequential => {
            let mut step = BceStep::umap_learn(Umap::<f32>::umap_learn_default());
            run.sgd
                .run(&run.graph, &mut step, &mut sink, epochs, &mut Silent)
        }
        Mode::Neg { s } => {
            let mut step = NegStep::new(Cauchy, s);
            run.sgd
                .run(&run.graph, &mut step, &mut sink, epochs, &mut Silent)
        }
    };
    match report {
        Ok(r) => {
            run.updates += r.updates();
            run.sgd.epoch() as i32
        }
        Err(e) => fail(-2, format_args!("{e}")),
    }
}

/// The run's next epoch (0 without a run).
#[unsafe(no_mangle)]
pub extern "C" fn ne_epoch() -> usize {
    state().run.as_ref().map_or(0, |r| r.sgd.epoch())
}

/// Positive + negative samples drawn so far (as `f64`, exact below 2^53).
#[unsafe(no_mangle)]
pub extern "C" fn ne_updates() -> f64 {
    state().run.as_ref().map_or(0.0, |r| r.updates as f64)
}

/// FNV-1a (64 bit) of the run's layout bytes (`embed`'s `output_hash`); 0 without a run.
#[unsafe(no_mangle)]
pub extern "C" fn ne_hash() -> u64 {
    state().run.as_ref().map_or(0, |r| fnv1a(r.coords))
}

fn fnv1a(y: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in y {
        for byte in v.to_le_bytes() {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
