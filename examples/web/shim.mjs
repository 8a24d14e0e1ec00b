// A thin JS wrapper over the extern "C" exports of examples/wasm (no wasm-bindgen), for node
// and browsers. Typed-array views are re-created after every call that may grow memory.

export const MODES = { fastBatched: 0, exactSequential: 1, neg: 2, fastLockstep: 3 };

export async function loadShim(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return new Shim(instance.exports);
}

export class Shim {
  constructor(exports) {
    this.x = exports;
    this.coordsPtr = 0;
    this.n = 0;
  }

  error() {
    const bytes = new Uint8Array(this.x.memory.buffer, this.x.ne_error_ptr(), this.x.ne_error_len());
    return new TextDecoder().decode(bytes);
  }

  // Copies `src` (a typed array) into a fresh arena block; returns its address.
  put(src) {
    const ptr = this.x.ne_alloc(src.byteLength);
    if (ptr === 0) throw new Error('ne_alloc: out of memory');
    new Uint8Array(this.x.memory.buffer, ptr, src.byteLength)
      .set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return ptr;
  }

  // Starts a run on a CSR graph (Uint32Array indptr, indices; Float32Array weights) from
  // `init` (Float32Array, n × 2). mode: MODES.*; spectrum: 0 (t-SNE end) .. 1 (UMAP end).
  init({ indptr, indices, weights, init, nEpochs, seed = 42, mode = MODES.fastBatched, spectrum = 1 }) {
    this.x.ne_reset();
    const n = indptr.length - 1;
    const pi = this.put(indptr);
    const px = this.put(indices);
    const pw = this.put(weights);
    this.coordsPtr = this.put(init);
    this.n = n;
    const rc = this.x.ne_init(n, pi, px, pw, indices.length, this.coordsPtr, nEpochs, seed >>> 0, mode, spectrum);
    if (rc !== 0) throw new Error(`ne_init: ${rc} ${this.error()}`);
  }

  // Runs up to `epochs` more epochs; returns the next epoch.
  run(epochs) {
    const e = this.x.ne_run(epochs);
    if (e < 0) throw new Error(`ne_run: ${e} ${this.error()}`);
    return e;
  }

  // A fresh view of the layout (valid until memory grows again).
  coords() {
    return new Float32Array(this.x.memory.buffer, this.coordsPtr, 2 * this.n);
  }

  epoch() { return this.x.ne_epoch(); }
  updates() { return this.x.ne_updates(); }
  // FNV-1a of the layout as 16 hex digits (embed's output_hash).
  hash() { return BigInt.asUintN(64, this.x.ne_hash()).toString(16).padStart(16, '0'); }
}

// Fixture files (examples/data/README.md): raw little-endian arrays.
export function asU32(buf) { return new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)); }
export function asF32(buf) { return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)); }
