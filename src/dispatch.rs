//! Runtime CPU-feature dispatch of the hot lane code, and a cache prefetch hint for the SGD
//! loops' schedule walks: the crate's one module with `unsafe`.
//!
//! Where: the batched UMAP step ([`crate::step::BceStep`] with `batched_negatives`: one sample, or
//! a lockstep batch) and the `parallel` loop's coefficient queue. They evaluate eight lanes at a
//! time ([`crate::fast_math::LANES`]), or sixteen for a lockstep batch
//! ([`crate::step::LOCKSTEP_LANES`]); compiled for the x86-64 baseline (SSE2) an eight-lane `f32`
//! operation is two instructions and the temporaries spill, compiled with AVX2 it is one, and a
//! sixteen-lane one is one with AVX-512. With the features `std` and `simd` on x86_64 (and AVX-512
//! not already enabled at compile time), such a computation runs in a copy of its code compiled
//! with `#[target_feature(enable = "avx2,avx512f,avx512vl,avx512bw,avx512dq")]` when it is
//! sixteen-lane work and `is_x86_feature_detected!` says the CPU has those four AVX-512 subsets,
//! else in a copy compiled with `#[target_feature(enable = "avx2")]` when it has AVX2 (and AVX2 is
//! not already enabled at compile time), else in the baseline copy (eight-lane work ran about 7%
//! slower in the AVX-512 copy than in the AVX2 one); the checks run at each call, cached by `std`.
//! Everywhere else it is a plain call, and so it is when the crate is compiled with
//! `RUSTFLAGS="--cfg neighbor_embed_no_dispatch"` (how CI builds the baseline copy alone to compare
//! its output with the dispatched build's). `--cfg neighbor_embed_no_avx512` leaves the AVX-512
//! copy out (how CI compares the AVX2 copy's output on an AVX-512 machine).
//!
//! What a copy needs to be fast (measured on mnist70k, Zen 4): every lane loop inlined into
//! it. Closures of `core::array::from_fn` and `<[T; N]>::map` stayed calls, one per lane, in
//! the AVX2 copy (hence `fast_math::lanes`), and a branch on `Option` inside a lane loop kept
//! it scalar (hence the clip bound as a number); with both fixed the AVX2 copy of the lockstep
//! batch runs 1.4× (libm) and 1.1× (fast math) the baseline's speed. With three copies the
//! compiler stopped inlining the lockstep batch into any of them, hence the `COPY` parameter
//! of the crate's `Hot::run`. The AVX-512 copy of the sixteen-lane lockstep batch, on Zen 4
//! (which runs 512-bit operations in two halves), reaches about 1.1× the AVX2 copy's updates
//! per second on digits (medians of 10 alternating runs: 104.8 against 96.0 M/s; kernel-only
//! roofline about 254 against 222).
//!
//! **The results are the same bits either way**: enabling a target feature changes which
//! instructions carry out each IEEE-754 operation, never the operations, their order or their
//! rounding (Rust does not contract `a·b + c` into a fused multiply-add, with or without the
//! `fma` feature, which AVX-512 implies). `.ci/run` compares the output hashes of the scalar,
//! the dispatched, the dispatched-without-AVX-512 and the baseline-only builds;
//! `tests/lockstep.rs` (run with `simd`) checks whichever copy the machine runs against the
//! scalar single-sample updates bit for bit.
//!
//! Safety: the only `unsafe` are the calls of the `#[target_feature]` copies, each made right
//! after `is_x86_feature_detected!` returned `true` for every feature that copy enables on the
//! running CPU, which is exactly that function's precondition, and the x86_64 prefetch
//! instruction, given the address of a live reference (a prefetch never faults and changes no
//! memory; newer Rust declares the intrinsic safe). The crate root denies
//! `unsafe_code`; this module alone allows it.
#![allow(unsafe_code)]

/// A computation worth compiling more than once: [`run`] calls [`Hot::run`] inlined into each
/// copy.
/// Implementations mark `run` `#[inline(always)]` and call only `#[inline(always)]` (or
/// generic, inlinable) code, so that the hot loop itself is compiled for the chosen features.
pub(crate) trait Hot {
    /// What the computation returns.
    type Output;
    /// Whether the computation works on sixteen lanes and so runs in the AVX-512 copy where
    /// the CPU has one; eight-lane work stays in the AVX2 copy, which ran it faster (about 7%
    /// on the kernel-only roofline of the batched step, Zen 4).
    // read only where the AVX-512 copy is compiled (x86_64, `std` and `simd`)
    #[allow(dead_code)]
    const WIDE: bool;
    /// Carries the computation out. `COPY` names the compiled copy that runs it (0: the
    /// baseline, 1: AVX2, 2: AVX-512), so that a function it calls can take `COPY` as a type
    /// parameter and have one call site per instantiation: LLVM then inlines it into each copy
    /// by its own judgement (one call site), which for the lockstep batch ran about 6% faster
    /// than `#[inline(always)]` and, without `COPY`, did not happen at all with three copies.
    fn run<const COPY: u8>(self) -> Self::Output;
}

#[cfg(all(
    feature = "std",
    feature = "simd",
    target_arch = "x86_64",
    not(target_feature = "avx512f"),
    not(neighbor_embed_no_dispatch)
))]
mod imp {
    use super::Hot;

    /// `h.run()` compiled with AVX2.
    ///
    /// # Safety
    /// The running CPU supports AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<H: Hot>(h: H) -> H::Output {
        h.run::<1>()
    }

    /// `h.run()` compiled with AVX-512 (F, VL, BW, DQ).
    ///
    /// # Safety
    /// The running CPU supports AVX2 and AVX-512 F, VL, BW and DQ.
    #[cfg(not(neighbor_embed_no_avx512))]
    #[target_feature(enable = "avx2,avx512f,avx512vl,avx512bw,avx512dq")]
    unsafe fn run_avx512<H: Hot>(h: H) -> H::Output {
        h.run::<2>()
    }

    /// `h.run()`, in its AVX-512 copy when the CPU has AVX-512 (F, VL, BW, DQ), else in its
    /// AVX2 copy when it has AVX2.
    #[inline(always)]
    pub(crate) fn run<H: Hot>(h: H) -> H::Output {
        #[cfg(not(neighbor_embed_no_avx512))]
        if H::WIDE && avx512_dispatched() {
            // SAFETY: the CPU supports AVX2 and AVX-512 F, VL, BW and DQ (checked just above),
            // run_avx512's only precondition
            return unsafe { run_avx512(h) };
        }
        if avx2_dispatched() {
            // SAFETY: the CPU supports AVX2 (checked just above), run_avx2's only precondition
            unsafe { run_avx2(h) }
        } else {
            h.run::<0>()
        }
    }

    /// Whether eight-lane code runs in its AVX2 copy on this CPU (AVX2 not enabled at compile
    /// time, and the CPU has it).
    #[inline(always)]
    pub fn avx2_dispatched() -> bool {
        !cfg!(target_feature = "avx2") && std::is_x86_feature_detected!("avx2")
    }

    /// Whether sixteen-lane code runs in its AVX-512 copy on this CPU.
    #[inline(always)]
    pub fn avx512_dispatched() -> bool {
        !cfg!(neighbor_embed_no_avx512)
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
    }
}

/// No runtime dispatch on this target, without the features `std` and `simd`, with AVX-512
/// enabled at compile time, or under `--cfg neighbor_embed_no_dispatch`.
#[cfg(not(all(
    feature = "std",
    feature = "simd",
    target_arch = "x86_64",
    not(target_feature = "avx512f"),
    not(neighbor_embed_no_dispatch)
)))]
mod imp {
    use super::Hot;

    /// `h.run()`.
    #[inline(always)]
    pub(crate) fn run<H: Hot>(h: H) -> H::Output {
        h.run::<0>()
    }

    /// Whether the lane code runs in its AVX2 copy on this CPU: never here.
    #[inline(always)]
    pub fn avx2_dispatched() -> bool {
        false
    }

    /// Whether the lane code runs in its AVX-512 copy on this CPU: never here.
    #[inline(always)]
    pub fn avx512_dispatched() -> bool {
        false
    }
}

pub(crate) use imp::run;

/// Whether eight-lane code (one sample's batched negatives, the `parallel` loop's queue) runs
/// in its AVX2 copy on this CPU, and so does sixteen-lane code (the lockstep batch) when
/// [`avx512_dispatched`] is `false` (for reports and benchmarks): `false` without the features
/// `std` and `simd`, off x86_64, when AVX2 is enabled at compile time (then the baseline copy
/// is AVX2 code), or under `--cfg neighbor_embed_no_dispatch`.
///
/// ```
/// let copy = neighbor_embed::dispatch::avx2_dispatched();
/// // no runtime dispatch without `simd` and `std`, or off x86_64
/// if !cfg!(all(feature = "simd", feature = "std", target_arch = "x86_64")) {
///     assert!(!copy);
/// }
/// // and the AVX2 copy only on a CPU that has AVX2
/// #[cfg(target_arch = "x86_64")]
/// assert!(!copy || std::is_x86_feature_detected!("avx2"));
/// ```
#[inline]
pub fn avx2_dispatched() -> bool {
    imp::avx2_dispatched()
}

/// Whether sixteen-lane code (the lockstep batch) runs in its AVX-512 copy on this CPU (for reports
/// and benchmarks): `false` without the features `std` and `simd`, off x86_64, when AVX-512 is
/// enabled at compile time (then there is one copy), under `--cfg neighbor_embed_no_dispatch` or
/// `--cfg neighbor_embed_no_avx512` (which keeps the AVX2 copy the fastest), or on a CPU without
/// AVX-512 F, VL, BW and DQ.
///
/// ```
/// let copy = neighbor_embed::dispatch::avx512_dispatched();
/// if !cfg!(all(feature = "simd", feature = "std", target_arch = "x86_64")) {
///     assert!(!copy);
/// }
/// #[cfg(target_arch = "x86_64")]
/// assert!(!copy || std::is_x86_feature_detected!("avx512f"));
/// ```
#[inline]
pub fn avx512_dispatched() -> bool {
    imp::avx512_dispatched()
}

/// Asks the CPU to bring the cache line holding `*x` into its caches: a hint, with no effect on
/// any result (x86_64 `prefetcht0`; nothing elsewhere).
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults nor changes memory, and `x` is a valid reference (the
    // intrinsic is a safe function in newer Rust, hence `unused_unsafe`)
    #[allow(unused_unsafe)]
    unsafe {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
