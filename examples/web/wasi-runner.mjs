// Runs a wasm32-wasip1 program (a test binary) under node's built-in WASI:
//   CARGO_TARGET_WASM32_WASIP1_RUNNER="node examples/web/wasi-runner.mjs" \
//       cargo test --target wasm32-wasip1 --test golden
// The whole file system is preopened as `/`, the environment is passed through, and the
// program's exit code becomes node's.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasi-runner.mjs PROGRAM.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: process.env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
