#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another, and prints
# one summary line per target: executions, libFuzzer's final coverage (cov: edges, ft:
# features), corpus size, and crashes.
#
#   fuzz/run_all.sh                  # every target, 60 s each
#   fuzz/run_all.sh 600              # every target, 10 minutes each
#   fuzz/run_all.sh 600 steps loops  # only these
#
# Needs a nightly toolchain and cargo-fuzz (`rustup toolchain install nightly --profile minimal`,
# `cargo install cargo-fuzz`). Targets run one at a time (each uses one core). Inputs are built
# with debug assertions (integer overflow panics too). The growing corpus goes to
# fuzz/corpus/<target>/ (git-ignored); fuzz/seeds/<target>/ holds the committed seeds and
# regression inputs; a crash is written to fuzz/artifacts/<target>/ and reproduced with
#   cargo +nightly fuzz run -a <target> fuzz/artifacts/<target>/crash-…
# An input running longer than 20 s counts as a crash (a hang). Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
logs=$(mktemp -d)
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  echo "== $t: $secs s" >&2
  status=ok
  if ! cargo +nightly fuzz run --debug-assertions "$t" "$root/fuzz/corpus/$t" "$root/fuzz/seeds/$t" -- \
    -max_total_time="$secs" -timeout=20 -print_final_stats=1 >"$logs/$t.log" 2>&1; then
    status=CRASH
    failed=1
  fi
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$logs/$t.log" | tail -1 || true)
  final=$(grep -E '^#[0-9]+' "$logs/$t.log" | tail -1 || true)
  cov=$(grep -oP 'cov: \K[0-9]+' <<<"$final" || true)
  ft=$(grep -oP 'ft: \K[0-9]+' <<<"$final" || true)
  corp=$(grep -oP 'corp: \K[0-9]+' <<<"$final" || true)
  line="$t: ${execs:-?} executions in $secs s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, $status"
  if [ "$status" = CRASH ]; then
    line="$line ($(grep -oP 'Test unit written to \K\S+' "$logs/$t.log" | tail -1 || echo 'see log'))"
    grep -m1 -A2 'panicked at' "$logs/$t.log" >&2 || tail -20 "$logs/$t.log" >&2
  fi
  summary+=("$line")
  echo "$line" >&2
done
echo
printf '%s\n' "${summary[@]}"
echo "logs: $logs"
exit $failed
