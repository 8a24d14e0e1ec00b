//! `neighbor-embed` for JavaScript: plain `extern "C"` functions over WASM linear memory, for
//! `wasm32-unknown-unknown` (browsers, node) and `wasm32v1-none` (MVP WASM for embedded
//! interpreters). No wasm-bindgen, no JS glue beyond `WebAssembly.instantiate`; no imports.
//!
//! Protocol (see `examples/web/shim.mjs` for a JS wrapper):
//!
//! 1. `ne_alloc(bytes)` returns the address of a fresh 8-byte-aligned block in an arena (0 when
//!    memory cannot grow). Write the CSR graph (`indptr: u32[n+1]`, `indices: u32[nnz]`,
//!    `weights: f32[nnz]`) and the initial layout (`coords: f32[2n]`) through typed-array views
//!    of `memory.buffer`. **Views must be re-created after any call that may grow memory**
//!    (`ne_alloc`, `ne_init`): growing detaches the old `ArrayBuffer`.
//! 2. `ne_init(n, indptr, indices, weights, nnz, coords, n_epochs, seed, mode, spectrum)`
//!    validates the inputs, filters the graph as umap-learn does for `n_epochs`, allocates the
//!    run's state from the arena and returns 0, or a negative error code
//!    (`ne_error_ptr`/`ne_error_len` give the message). Modes: 0 = UMAP, fast math, batched
//!    negatives (the golden mode); 1 = UMAP exactly as umap-learn (libm `powf`, negatives in
//!    sequence); 2 = negative sampling with the Cauchy kernel at contrastive-ne's spectrum
//!    position `spectrum` (0 = t-SNE end, 1 = UMAP end).
//! 3. `ne_run(epochs)` runs up to `epochs` more epochs in place on `coords` and returns the
//!    next epoch (= `n_epochs` when done), or a negative error code. Call it once per animation
//!    frame to animate; the result does not depend on how the epochs are split.
//! 4. Read `coords` back; `ne_hash()` is the FNV-1a hash of the layout (a `u64`, a `BigInt`
//!    in JS), equal to `embed`'s `output_hash` and to `tests/golden.rs`'s constants.
//!    `ne_updates()` counts positive + negative samples so far.
//! 5. `ne_reset()` drops the run and frees the whole arena (memory never shrinks).
//!
//! Everything is single-threaded; the crate has no heap (the run uses
//! `BorrowedUmapSgd::with_buffers` over arena blocks).

#![no_std]

#[cfg(all(target_arch = "wasm32", not(target_os = "wasi")))]
mod shim;
