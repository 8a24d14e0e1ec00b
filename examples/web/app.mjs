// The demo page: loads the shim, embeds the bundled digits with the epochs animated.
import { loadShim, asU32, asF32 } from './shim.mjs';

// tests/golden.rs: digits, umap-learn's graph and init.f32, seed 42, 500 epochs.
const GOLDEN = { 0: 'd878bc97b5e584cc', 1: 'd2f571559c47eaee', 3: '5fbfe47a442bce4b' };
const DATA = '../data/digits/';
const WASM = new URLSearchParams(location.search).get('wasm')
  || '../wasm/target/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm';
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const EPOCHS_PER_FRAME = 5;

const $ = (id) => document.getElementById(id);
const fetchBytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

const [wasm, indptr, indices, weights, init, labels] = await Promise.all([
  fetchBytes(WASM), fetchBytes(DATA + 'graph_indptr.u32'), fetchBytes(DATA + 'graph_indices.u32'),
  fetchBytes(DATA + 'graph_weights.f32'), fetchBytes(DATA + 'init.f32'), fetchBytes(DATA + 'labels.u8'),
]);
const data = { indptr: asU32(indptr), indices: asU32(indices), weights: asF32(weights), init: asF32(init) };
const shim = await loadShim(wasm);
$('legend').innerHTML = COLORS.map((c, l) => `<span><i style="background:${c}"></i>${l}</span>`).join('');

const canvas = $('plot'), ctx = canvas.getContext('2d');
function draw(y) {
  const n = y.length / 2;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, y[2 * i]); x1 = Math.max(x1, y[2 * i]);
    y0 = Math.min(y0, y[2 * i + 1]); y1 = Math.max(y1, y[2 * i + 1]);
  }
  const pad = 12, s = Math.min((canvas.width - 2 * pad) / (x1 - x0 || 1), (canvas.height - 2 * pad) / (y1 - y0 || 1));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = COLORS[labels[i] % 10];
    ctx.beginPath();
    ctx.arc(pad + (y[2 * i] - x0) * s, canvas.height - pad - (y[2 * i + 1] - y0) * s, 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
}

let generation = 0;
function start() {
  const gen = ++generation;
  const mode = +$('mode').value;
  const spectrum = +$('spectrum').value;
  const nEpochs = Math.max(1, +$('epochs').value | 0);
  shim.init({ ...data, nEpochs, seed: 42, mode, spectrum });
  document.body.dataset.done = '0';
  $('progress').max = nEpochs;
  $('hash').textContent = '—';
  $('verdict').textContent = '';
  let busy = 0;
  const t0 = performance.now();
  const frame = () => {
    if (gen !== generation) return; // restarted
    const t = performance.now();
    const epoch = shim.run(EPOCHS_PER_FRAME);
    busy += performance.now() - t;
    draw(shim.coords());
    $('progress').value = epoch;
    $('status').textContent = `epoch ${epoch} / ${nEpochs} · ${(shim.updates() / 1e6).toFixed(1)} M updates · `
      + `${(shim.updates() / busy / 1e3).toFixed(1)} M updates/s (compute only)`;
    if (epoch < nEpochs) {
      requestAnimationFrame(frame);
      return;
    }
    const hash = shim.hash();
    $('hash').textContent = hash;
    const golden = nEpochs === 500 ? GOLDEN[mode] : undefined;
    if (golden) {
      $('verdict').className = hash === golden ? 'ok' : 'bad';
      $('verdict').textContent = hash === golden
        ? `= native golden hash (tests/golden.rs)` : `≠ native golden hash ${golden}`;
    } else {
      $('verdict').className = '';
      $('verdict').textContent = '(no golden hash for this setting)';
    }
    $('status').textContent += ` · done in ${((performance.now() - t0) / 1000).toFixed(2)} s`;
    window.embedResult = { hash, epoch, mode, golden };
    document.body.dataset.done = '1';
    document.title = `done ${hash}`;
  };
  requestAnimationFrame(frame);
}

$('restart').onclick = start;
$('mode').onchange = start;
$('spectrum').oninput = () => {
  $('sval').textContent = (+$('spectrum').value).toFixed(2);
  $('mode').value = '2';
  start();
};
start();
