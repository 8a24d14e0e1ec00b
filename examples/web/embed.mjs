// Embeds a fixture graph from its init.f32 through the WASM shim and prints one JSON line:
// updates/s, quality and the output hash (equal to the native golden hash for digits, 500
// epochs, seed 42, mode 0).
//   node examples/web/embed.mjs [DATA_DIR] [--epochs N] [--mode 0|1|2|3] [--spectrum S] [--expect HASH]
import { readFixture, shimBytes, root } from './fixture.mjs';
import { loadShim } from './shim.mjs';
import { quality } from './quality.mjs';
import { join } from 'node:path';

const args = process.argv.slice(2);
let dir = join(root, 'examples/data/digits');
let epochs = null, mode = 0, spectrum = 1, expect = null, seed = 42;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--epochs') epochs = +args[++i];
  else if (a === '--mode') mode = +args[++i];
  else if (a === '--spectrum') spectrum = +args[++i];
  else if (a === '--seed') seed = +args[++i];
  else if (a === '--expect') expect = args[++i];
  else dir = a;
}
const d = readFixture(dir);
const n = d.indptr.length - 1;
epochs ??= n <= 10000 ? 500 : 200;
const shim = await loadShim(shimBytes());
shim.init({ ...d, nEpochs: epochs, seed, mode, spectrum });
const t0 = performance.now();
shim.run(epochs);
const seconds = (performance.now() - t0) / 1000;
const y = Float32Array.from(shim.coords());
const q = d.hd ? quality(y, d.hd, d.labels) : {};
const out = {
  n, epochs, mode, updates: shim.updates(), layout_seconds: +seconds.toFixed(3),
  updates_per_s: Math.round(shim.updates() / seconds),
  knn_preservation: q.knnPreservation?.toFixed(4), knn_accuracy: q.knnAccuracy?.toFixed(4),
  output_hash: shim.hash(),
};
console.log(JSON.stringify(out));
if (expect && expect !== out.output_hash) {
  console.error(`hash mismatch: expected ${expect}, got ${out.output_hash}`);
  process.exit(1);
}
