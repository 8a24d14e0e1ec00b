#!/usr/bin/env bash
# Side by side: umap-learn's optimize_layout_euclidean (serial, and parallel with 2 threads)
# against this crate's loop in each mode, on the same fixture graph and init.f32, alternating,
# for several rounds; prints per-round updates/s ratios (this crate / umap-learn serial) and
# every run's quality.
#
#   bash benches/compare/compare_umap_learn.sh [DATA_DIR] [ROUNDS]
#
# DATA_DIR defaults to ../shared/data/mnist70k (200 epochs), else the bundled digits (500).
# Creates a virtual environment in target/compare-venv with umap-learn from PyPI on first use.
# Updates (positive + negative samples) are this crate's exact count, which equals
# umap-learn's on the same graph (tests/sampler.rs). Run it on an otherwise idle machine.
# After the rounds it prints the medians over the rounds, the machine (the ratios depend on
# it: see benches/PERF-LOG.md) and the speed issue's goals checked against the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/mnist70k}
[ -d "$data" ] || data=examples/data/digits
rounds=${2:-3}
venv=target/compare-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "umap-learn==0.5.12" scipy
fi
cargo build --release --quiet --features simd --example embed
# sampler math negatives threads
modes=("umap exact sequential 1" "umap exact lockstep 1" "umap fast batched 1"
  "umap fast lockstep 1" "parallel exact sequential 1" "parallel fast sequential 1"
  "parallel fast sequential 2")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for r in $(seq 1 "$rounds"); do
  echo "round $r"
  # n_epochs from the data size, as umap-learn chooses it
  n=$(( $(stat -c %s "$data/graph_indptr.u32") / 4 - 1 ))
  epochs=$([ "$n" -le 10000 ] && echo 500 || echo 200)
  serial=$("$venv/bin/python" benches/compare/umap_learn_layout.py "$data" "$epochs" serial)
  parallel=$(NUMBA_NUM_THREADS=2 "$venv/bin/python" benches/compare/umap_learn_layout.py "$data" "$epochs" parallel)
  ours=()
  for m in "${modes[@]}"; do
    set -- $m
    ours+=("$(target/release/examples/embed "$data" --graph fixture --init fixture \
      --sampler "$1" --math "$2" --negatives "$3" --threads "$4" --epochs "$epochs" \
      --out target/compare-out --quiet | tail -1)")
  done
  { printf 'round %s\n' "$r"; printf '%s\n' "$serial" "$parallel" "${ours[@]}"; } >>"$log"
  python3 benches/compare/summary.py round "$log"
done
echo "summary"
python3 benches/compare/summary.py summary "$log"
