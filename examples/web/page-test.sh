#!/usr/bin/env bash
# The demo page in headless Chromium: builds the shim, serves examples/ on localhost, loads
# examples/web/index.html, waits for the last epoch, checks the page's hash against the
# native golden hash (tests/golden.rs) and that the screenshot is not blank, and writes
# examples/images/browser_digits.png. Installs Debian's chromium (apt) and the npm packages
# (npm ci) when missing. About 10 s once installed.
#   bash examples/web/page-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
GOLDEN=d878bc97b5e584cc   # tests/golden.rs DIGITS_FAST_BATCHED

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -d examples/web/node_modules/playwright-core ] || (cd examples/web && npm ci --no-audit --no-fund)
(cd examples/wasm && cargo build --release --target wasm32-unknown-unknown --quiet)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT/examples" >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/web/index.html')" 2>/dev/null && break
  sleep 0.1
done
mkdir -p examples/images
node examples/web/page-test.mjs "http://127.0.0.1:$PORT/web/index.html" "$GOLDEN" examples/images/browser_digits.png
