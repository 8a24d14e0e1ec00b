// Node helpers: read a fixture folder and the shim.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asU32, asF32 } from './shim.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');

export function readFixture(dir) {
  const r = (f) => readFileSync(join(dir, f));
  return {
    indptr: asU32(r('graph_indptr.u32')),
    indices: asU32(r('graph_indices.u32')),
    weights: asF32(r('graph_weights.f32')),
    init: asF32(r('init.f32')),
    labels: new Uint8Array(r('labels.u8')),
    hd: existsSync(join(dir, 'hd_nn15.u32')) ? asU32(r('hd_nn15.u32')) : null,
  };
}

// The shim built by `cargo build --release --target wasm32-unknown-unknown` in examples/wasm
// (or the file given by WASM=...).
export function shimBytes() {
  const path = process.env.WASM
    || join(root, 'examples/wasm/target/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm');
  return readFileSync(path);
}
