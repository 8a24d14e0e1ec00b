#!/usr/bin/env bash
# Same bits everywhere (issue 6): the golden hashes of tests/golden.rs on x86_64 (with and
# without `simd`), on aarch64 under qemu-aarch64 user mode (with and without `simd`: NEON), on
# wasm32-wasip1 under node's WASI (plain and with SIMD128), through the
# wasm32-unknown-unknown and wasm32v1-none shim (examples/wasm) in node, and on an emulated
# Cortex-M4F (examples/firmware under qemu-system-arm -machine mps2-an386).
# Installs what it needs (rustup targets, Debian's qemu-system-arm, qemu-user and the aarch64
# cross linker, npm packages).
# The browser page test is separate: examples/web/page-test.sh (it installs chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
step() { printf '\n== %s\n' "$*"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }

# The expected hashes, read from tests/golden.rs (the one place they are written).
const() { grep -oE "const $1: u64 = 0x[0-9a-f_]+" tests/golden.rs | sed -E 's/.*0x//; s/_//g'; }
DIGITS_FAST=$(const DIGITS_FAST_BATCHED)
DIGITS_EXACT=$(const DIGITS_EXACT_SEQUENTIAL)
DIGITS_LOCKSTEP=$(const DIGITS_FAST_LOCKSTEP)
FIRMWARE=$(const FIRMWARE)
echo "golden: digits fast+batched $DIGITS_FAST, digits exact+sequential $DIGITS_EXACT," \
  "digits fast+lockstep $DIGITS_LOCKSTEP, firmware $FIRMWARE"
[ ${#DIGITS_FAST} -eq 16 ] && [ ${#DIGITS_EXACT} -eq 16 ] && [ ${#DIGITS_LOCKSTEP} -eq 16 ] \
  && [ ${#FIRMWARE} -eq 16 ]

step "install"
rustup target add wasm32-wasip1 wasm32-unknown-unknown wasm32v1-none thumbv7em-none-eabihf
if ! command -v qemu-system-arm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null
fi
qemu-system-arm --version | head -1
node --version
(cd examples/web && npm ci --no-audit --no-fund --loglevel=error)

step "native golden hashes (x86_64, without and with simd)"
cargo test --test golden
cargo test --test golden --features simd
ok "native"

step "aarch64 (NEON) golden hashes under qemu-aarch64 (user mode), without and with simd"
# The lane code is portable Rust that the compiler vectorises; on aarch64 NEON is part of the
# baseline, so the simd build's lane code is NEON (4 f32 lanes a register) wherever the
# compiler vectorises it (part of it stays scalar). Rust never fuses a multiply and an add into
# an FMA on its own, on aarch64 as elsewhere: the same bits.
rustup target add aarch64-unknown-linux-gnu
if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user gcc-aarch64-linux-gnu \
    libc6-dev-arm64-cross >/dev/null
fi
qemu-aarch64 --version | head -1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
cargo test --target aarch64-unknown-linux-gnu --test golden
cargo test --target aarch64-unknown-linux-gnu --features simd --test golden --test lockstep \
  --test libm_lanes
ok "aarch64"

step "wasm32-wasip1 golden hashes and the bad-input catalogue (32-bit) under node's WASI"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $ROOT/examples/web/wasi-runner.mjs"
(cd examples/wasm && cargo test --target wasm32-wasip1 --test golden --test bad_input_catalogue \
  --test bad_input_sizes --test bad_input_nan)
(cd examples/wasm && RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd128 \
  cargo test --target wasm32-wasip1 --test golden --features simd)
ok "wasm32-wasip1"

step "WASM shim: wasm32-unknown-unknown and wasm32v1-none, run in node"
(cd examples/wasm && cargo build --release --target wasm32-unknown-unknown)
(cd examples/wasm && cargo build --release --target wasm32v1-none)
(cd examples/wasm && RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd128 \
  cargo build --release --target wasm32-unknown-unknown --features simd)
W=examples/wasm/target
ls -l $W/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm $W/wasm32v1-none/release/neighbor_embed_wasm.wasm \
  $W/simd128/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm
for wasm in $W/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm \
  $W/wasm32v1-none/release/neighbor_embed_wasm.wasm \
  $W/simd128/wasm32-unknown-unknown/release/neighbor_embed_wasm.wasm; do
  WASM=$wasm node examples/web/embed.mjs --expect "$DIGITS_FAST"
  WASM=$wasm node examples/web/embed.mjs --mode 3 --expect "$DIGITS_LOCKSTEP"
done
node examples/web/embed.mjs --mode 1 --expect "$DIGITS_EXACT"
ok "shim"

step "firmware: thumbv7em-none-eabihf under qemu-system-arm -machine mps2-an386"
(cd examples/firmware && cargo build --release)
ELF=examples/firmware/target/thumbv7em-none-eabihf/release/neighbor-embed-firmware
if command -v llvm-size >/dev/null; then llvm-size "$ELF"; fi
set +e
out=$(timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
  -chardev stdio,id=semi -semihosting-config enable=on,target=native,chardev=semi -kernel "$ELF" </dev/null)
status=$?
set -e
echo "$out"
[ "$status" -eq 0 ] || { echo "firmware exited with $status" >&2; exit 1; }
grep -qx "output_hash $FIRMWARE" <<<"$out" || { echo "firmware hash != tests/golden.rs FIRMWARE" >&2; exit 1; }
ok "firmware"

echo
echo "everywhere: $passed passed, 0 failed"
