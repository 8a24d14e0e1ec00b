// Quality of a 2-D layout, as defined in shared/data/README.md (and the crate's `metrics`):
// kNN preservation (15 high-dimensional neighbours `hd` among the 15 nearest other points in
// the layout) and kNN accuracy (leave-one-out 10-NN majority vote, ties to the smallest
// label). Exact neighbours from a uniform grid, ties by index; fast enough for 70 000 points.

export function layoutKnn(y, k) {
  const n = y.length / 2;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, y[2 * i]); x1 = Math.max(x1, y[2 * i]);
    y0 = Math.min(y0, y[2 * i + 1]); y1 = Math.max(y1, y[2 * i + 1]);
  }
  const g = Math.max(1, Math.ceil(Math.sqrt(n / 2)));
  const cw = (x1 - x0) / g || 1, ch = (y1 - y0) / g || 1;
  const cellOf = (i) => {
    const cx = Math.min(g - 1, Math.floor((y[2 * i] - x0) / cw));
    const cy = Math.min(g - 1, Math.floor((y[2 * i + 1] - y0) / ch));
    return [cx, cy];
  };
  const start = new Int32Array(g * g + 1);
  const cells = new Int32Array(n);
  for (let i = 0; i < n; i++) { const [cx, cy] = cellOf(i); start[cy * g + cx + 1]++; }
  for (let c = 0; c < g * g; c++) start[c + 1] += start[c];
  const fill = start.slice(0, g * g);
  for (let i = 0; i < n; i++) { const [cx, cy] = cellOf(i); cells[fill[cy * g + cx]++] = i; }
  const out = new Int32Array(n * k);
  const bd = new Float64Array(k), bi = new Int32Array(k);
  const cs = Math.min(cw, ch);
  for (let i = 0; i < n; i++) {
    let m = 0;
    const [qx, qy] = cellOf(i);
    const px = y[2 * i], py = y[2 * i + 1];
    const consider = (j) => {
      if (j === i) return;
      const dx = px - y[2 * j], dy = py - y[2 * j + 1];
      const d = dx * dx + dy * dy;
      if (m === k && (d > bd[k - 1] || (d === bd[k - 1] && j > bi[k - 1]))) return;
      let p = m < k ? m++ : k - 1;
      while (p > 0 && (bd[p - 1] > d || (bd[p - 1] === d && bi[p - 1] > j))) {
        bd[p] = bd[p - 1]; bi[p] = bi[p - 1]; p--;
      }
      bd[p] = d; bi[p] = j;
    };
    for (let r = 0; ; r++) {
      for (let cy = qy - r; cy <= qy + r; cy++) {
        if (cy < 0 || cy >= g) continue;
        const ring = cy === qy - r || cy === qy + r;
        for (let cx = qx - r; cx <= qx + r; cx += ring ? 1 : 2 * r) {
          if (cx >= 0 && cx < g) {
            const c = cy * g + cx;
            for (let s = start[c]; s < start[c + 1]; s++) consider(cells[s]);
          }
          if (r === 0) break;
        }
      }
      if ((m === k && bd[k - 1] <= (r * cs) ** 2) || r > 2 * g) break;
    }
    out.set(bi.subarray(0, k), i * k);
  }
  return out;
}

export function quality(y, hd, labels) {
  const n = y.length / 2, k = 15;
  const nn = layoutKnn(y, k);
  let pres = 0, correct = 0;
  const votes = new Int32Array(256);
  for (let i = 0; i < n; i++) {
    const mine = new Set(nn.subarray(i * k, i * k + k));
    let hit = 0;
    for (let t = 0; t < 15; t++) if (mine.has(hd[i * 15 + t])) hit++;
    pres += hit / 15;
    votes.fill(0);
    for (let t = 0; t < 10; t++) votes[labels[nn[i * k + t]]]++;
    let best = 0;
    for (let l = 1; l < 256; l++) if (votes[l] > votes[best]) best = l;
    if (best === labels[i]) correct++;
  }
  return { knnPreservation: pres / n, knnAccuracy: correct / n };
}
