// Tests the demo page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download): waits for the last epoch, checks the hash the page
// reports against the native golden hash and that the screenshot is not blank, and saves the
// screenshot.
//   node examples/web/page-test.mjs URL EXPECTED_HASH SCREENSHOT.png
// (examples/web/page-test.sh starts the server and passes these.)
import { writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const [url, expected, out] = process.argv.slice(2);
if (!url || !expected || !out) {
  console.error('usage: node page-test.mjs URL EXPECTED_HASH SCREENSHOT.png');
  process.exit(2);
}

// Minimal PNG decoder (8-bit RGB/RGBA, not interlaced: what Chromium writes).
function decodePng(buf) {
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('ascii', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('unsupported PNG');
      channels = { 2: 3, 6: 4 }[body[9]];
      if (!channels) throw new Error(`unsupported PNG colour type ${body[9]}`);
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels, px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (f === 1) v += a; else if (f === 2) v += b; else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      px[y * stride + x] = v & 255;
    }
  }
  return { width, height, channels, px };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic'],
  // playwright gives every launch a fresh, empty --user-data-dir of its own
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const t0 = Date.now();
  await page.goto(url);
  // the first frames prove the animation runs; then wait for the last epoch
  await page.waitForFunction(() => +document.getElementById('progress').value > 0, null, { timeout: 60_000 });
  const early = await page.evaluate(() => +document.getElementById('progress').value);
  await page.waitForFunction(() => document.body.dataset.done === '1', null, { timeout: 180_000 });
  const result = await page.evaluate(() => ({ ...window.embedResult, status: document.getElementById('status').textContent }));
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(out, png);
  const { width, height, channels, px } = decodePng(png);
  const colours = new Set();
  let nonWhite = 0;
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [px[i * channels], px[i * channels + 1], px[i * channels + 2]];
    if (r < 240 || g < 240 || b < 240) nonWhite++;
    if (colours.size < 1000) colours.add((r << 16) | (g << 8) | b);
  }
  const blank = colours.size < 12 || nonWhite < 0.01 * width * height;
  console.log(JSON.stringify({
    url, seconds: (Date.now() - t0) / 1000, first_progress_epoch: early, epoch: result.epoch,
    page_hash: result.hash, expected, status: result.status, screenshot: out,
    width, height, colours: colours.size, non_white_fraction: +(nonWhite / (width * height)).toFixed(4), errors,
  }));
  if (result.hash !== expected) { console.error(`FAIL: page hash ${result.hash} != native ${expected}`); failed = true; }
  if (blank) { console.error('FAIL: the screenshot is blank'); failed = true; }
  if (errors.length) { console.error(`FAIL: page errors: ${errors.join('; ')}`); failed = true; }
} finally {
  await browser.close();
}
if (failed) process.exit(1);
console.log('page test: ok');
