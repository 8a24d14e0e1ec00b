//! Runtime CPU-feature dispatch of the hot lane code: the crate's one module with `unsafe`.
//!
//! Where: the batched UMAP step ([`crate::step::BceStep`] with `batched_negatives`: one
//! sample, or a lockstep batch) and the `parallel` loop's coefficient queue. They evaluate eight
//! lanes at a time ([`crate::fast_math::LANES`]); compiled for the x86-64 baseline (SSE2) an
//! eight-lane `f32` operation is two instructions and the temporaries spill, compiled with AVX2
//! it is one. With the features `std` and `simd` on x86_64 (and AVX2 not already enabled at
//! compile time), such a computation runs in a copy of its code compiled with
//! `#[target_feature(enable = "avx2")]` when `is_x86_feature_detected!("avx2")` says the CPU
//! has AVX2 (checked at each call, cached by `std`), and in the baseline copy otherwise.
//! Everywhere else it is a plain call, and so it is when the crate is compiled with
//! `RUSTFLAGS="--cfg neighbor_embed_no_dispatch"` (how CI builds the baseline copy alone to
//! compare its output with the dispatched build's).
//!
//! What the copy needs to be fast (measured on mnist70k, Zen 4): every lane loop inlined into
//! it. Closures of `core::array::from_fn` and `<[T; N]>::map` stayed calls, one per lane, in
//! the AVX2 copy (hence `fast_math::lanes`), and a branch on `Option` inside a lane loop kept
//! it scalar (hence the clip bound as a number); with both fixed the AVX2 copy of the lockstep
//! batch runs 1.4× (libm) and 1.1× (fast math) the baseline's speed.
//!
//! **The results are the same bits either way**: enabling a target feature changes which
//! instructions carry out each IEEE-754 operation, never the operations, their order or their
//! rounding (Rust does not contract `a·b + c` into a fused multiply-add, with or without the
//! `fma` feature, and AVX2 does not enable it here). `.ci/run` compares the output hashes of the
//! scalar, the dispatched and the baseline-only builds; `tests/lockstep.rs` (run with `simd` on
//! an AVX2 machine) checks the AVX2 copy against the scalar single-sample updates bit for bit.
//!
//! Safety: the only `unsafe` is the call of the `#[target_feature(enable = "avx2")]` copy, made
//! right after `is_x86_feature_detected!("avx2")` returned `true` on the running CPU, which is
//! exactly that function's precondition. The crate root denies `unsafe_code`; this module alone
//! allows it.
#![allow(unsafe_code)]

/// A computation worth compiling twice: [`run`] calls [`Hot::run`] inlined into either copy.
/// Implementations mark `run` `#[inline(always)]` and call only `#[inline(always)]` (or
/// generic, inlinable) code, so that the hot loop itself is compiled for the chosen features.
pub(crate) trait Hot {
    /// What the computation returns.
    type Output;
    /// Carries the computation out.
    fn run(self) -> Self::Output;
}

#[cfg(all(
    feature = "std",
    feature = "simd",
    target_arch = "x86_64",
    not(target_feature = "avx2"),
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
        h.run()
    }

    /// `h.run()`, in its AVX2 copy when the CPU has AVX2.
    #[inline(always)]
    pub(crate) fn run<H: Hot>(h: H) -> H::Output {
        if avx2_dispatched() {
            // SAFETY: the CPU supports AVX2 (checked just above), run_avx2's only precondition
            unsafe { run_avx2(h) }
        } else {
            h.run()
        }
    }

    /// Whether the lane code runs in its AVX2 copy on this CPU.
    #[inline(always)]
    pub fn avx2_dispatched() -> bool {
        std::is_x86_feature_detected!("avx2")
    }
}

/// No runtime dispatch on this target, without the features `std` and `simd`, with AVX2
/// enabled at compile time, or under `--cfg neighbor_embed_no_dispatch`.
#[cfg(not(all(
    feature = "std",
    feature = "simd",
    target_arch = "x86_64",
    not(target_feature = "avx2"),
    not(neighbor_embed_no_dispatch)
)))]
mod imp {
    use super::Hot;

    /// `h.run()`.
    #[inline(always)]
    pub(crate) fn run<H: Hot>(h: H) -> H::Output {
        h.run()
    }

    /// Whether the lane code runs in its AVX2 copy on this CPU: never here.
    #[inline(always)]
    pub fn avx2_dispatched() -> bool {
        false
    }
}

pub(crate) use imp::run;

/// Whether the lane code runs in its AVX2 copy on this CPU (for reports and benchmarks):
/// `false` without the features `std` and `simd`, off x86_64, when AVX2 is enabled at compile
/// time (then there is one copy, AVX2 throughout), or under `--cfg neighbor_embed_no_dispatch`.
///
/// ```
/// let _ = neighbor_embed::dispatch::avx2_dispatched();
/// ```
#[inline]
pub fn avx2_dispatched() -> bool {
    imp::avx2_dispatched()
}
