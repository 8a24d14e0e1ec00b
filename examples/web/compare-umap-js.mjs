// umap-js against this crate's WASM shim, in the same node process, alternating rounds.
//
//   node examples/web/compare-umap-js.mjs [DATA_DIR] [--rounds R] [--epochs N] [--mode M]
//
// Both start from DATA_DIR's kNN (umap-js: setPrecomputedKNN, so its kNN time is excluded;
// it builds its own fuzzy graph, umap-learn's), and from init.f32 (umap-js's random init is
// overwritten in place after initializeFit). Two short untimed warm-up runs of each come
// first (JIT compilation excluded). Only the epochs are timed: umap-js's
// optimizeLayout(), the shim's ne_run(N) (default mode 3: UMAP, fast math, batched negatives in
// the lockstep order; --mode 0 for the CSR order of the golden case; the shim uses
// umap-learn's graph from graph_*). Both follow umap-learn's sampling schedule; the
// umap-js sample counts are replayed from its own schedule. Prints one JSON line per round and
// a summary line with the median updates/s of each and their ratio, plus quality (kNN
// preservation, kNN accuracy; examples/web/quality.mjs) of the last round's layouts.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { readFixture, shimBytes, root } from './fixture.mjs';
import { loadShim, asU32, asF32 } from './shim.mjs';
import { quality } from './quality.mjs';

const require = createRequire(import.meta.url);
const { UMAP } = require('umap-js');

const args = process.argv.slice(2);
let dir = join(root, 'examples/data/digits');
let rounds = 3, epochs = null, mode = 3;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = +args[++i];
  else if (args[i] === '--epochs') epochs = +args[++i];
  else if (args[i] === '--mode') mode = +args[++i];
  else dir = args[i];
}
const d = readFixture(dir);
const n = d.indptr.length - 1;
epochs ??= n <= 10000 ? 500 : 200;
const k = 15;
const knnIdx = asU32(readFileSync(join(dir, 'knn_idx.u32')));
const knnDist = asF32(readFileSync(join(dir, 'knn_dist.f32')));
const kk = knnIdx.length / n;
const knnIndices = Array.from({ length: n }, (_, i) => Array.from(knnIdx.subarray(i * kk, i * kk + k)));
const knnDistances = Array.from({ length: n }, (_, i) => Array.from(knnDist.subarray(i * kk, i * kk + k)));
// umap-js reads only X.length once the kNN is given
const X = Array.from({ length: n }, () => [0]);

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// umap-js's sample counts, replayed from its own schedule (no layout work).
function replay(state, nEpochs) {
  const eps = state.epochsPerSample;
  const next = Float64Array.from(state.epochOfNextSample);
  const nextNeg = Float64Array.from(state.epochOfNextNegativeSample);
  const epsNeg = state.epochsPerNegativeSample;
  let pos = 0, neg = 0;
  for (let t = 0; t < nEpochs; t++) {
    for (let i = 0; i < eps.length; i++) {
      if (next[i] > t) continue;
      pos++;
      next[i] += eps[i];
      const m = Math.floor((t - nextNeg[i]) / epsNeg[i]);
      if (m > 0) neg += m;
      nextNeg[i] += m * epsNeg[i];
    }
  }
  return pos + neg;
}

function runUmapJs(nEpochs = epochs) {
  const umap = new UMAP({ nComponents: 2, nEpochs, nNeighbors: k, random: mulberry32(42) });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  umap.initializeFit(X);
  const emb = umap.embedding; // head and tail embeddings are these very arrays
  for (let i = 0; i < n; i++) { emb[i][0] = d.init[2 * i]; emb[i][1] = d.init[2 * i + 1]; }
  const updates = replay(umap.optimizationState, nEpochs);
  const t0 = performance.now();
  umap.optimizeLayout();
  const seconds = (performance.now() - t0) / 1000;
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { y[2 * i] = emb[i][0]; y[2 * i + 1] = emb[i][1]; }
  return { seconds, updates, y };
}

const shim = await loadShim(shimBytes());
function runShim(nEpochs = epochs) {
  shim.init({ ...d, nEpochs, seed: 42, mode });
  const t0 = performance.now();
  shim.run(nEpochs);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, updates: shim.updates(), y: Float32Array.from(shim.coords()), hash: shim.hash() };
}

const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
// warm-up, untimed: both engines compile their hot code first (V8 runs a WASM function in its
// baseline tier until a later call picks up the optimised code; JS loops tier up in place),
// as the umap-learn comparison calls numba once before timing
for (let w = 0; w < 2; w++) {
  runUmapJs(5);
  runShim(5);
}
const js = [], ours = [];
let lastJs, lastOurs;
for (let r = 0; r < rounds; r++) {
  lastJs = runUmapJs();
  lastOurs = runShim();
  js.push(lastJs.updates / lastJs.seconds);
  ours.push(lastOurs.updates / lastOurs.seconds);
  console.log(JSON.stringify({
    round: r + 1, umapjs_seconds: +lastJs.seconds.toFixed(3), shim_seconds: +lastOurs.seconds.toFixed(3),
    umapjs_updates: lastJs.updates, shim_updates: lastOurs.updates,
    ratio: +((lastOurs.updates / lastOurs.seconds) / (lastJs.updates / lastJs.seconds)).toFixed(2),
  }));
}
const qJs = d.hd ? quality(lastJs.y, d.hd, d.labels) : {};
const qOurs = d.hd ? quality(lastOurs.y, d.hd, d.labels) : {};
console.log(JSON.stringify({
  data: dir.split('/').filter(Boolean).pop(), n, epochs, rounds, mode,
  umapjs_updates_per_s: Math.round(median(js)), shim_updates_per_s: Math.round(median(ours)),
  ratio: +(median(ours) / median(js)).toFixed(2),
  umapjs_quality: { knn_preservation: qJs.knnPreservation?.toFixed(4), knn_accuracy: qJs.knnAccuracy?.toFixed(4) },
  shim_quality: { knn_preservation: qOurs.knnPreservation?.toFixed(4), knn_accuracy: qOurs.knnAccuracy?.toFixed(4) },
  shim_hash: lastOurs.hash,
}));
