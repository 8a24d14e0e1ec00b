#!/usr/bin/env bash
# Miri (Rust's interpreter for undefined behaviour: out-of-bounds access, use of uninitialised
# memory, invalid arithmetic on pointers, aliasing violations, leaks) on the scalar test
# subset. The library denies `unsafe` outside `src/dispatch.rs` (not reached without `simd`),
# so this checks that nothing it relies on misbehaves on its inputs, and catches integer
# overflow (tests run with debug assertions) on the hostile inputs of the bad-input catalogue.
#
#   bash .ci/miri.sh            # the subset below (several minutes: Miri is ~1000× slower)
#   bash .ci/miri.sh --test X   # other test targets instead
#
# Subset: the library's unit tests, the graph validation tests, the bad-input catalogue, the
# finite-output properties (a few dozen cases each under Miri: `cfg!(miri)` scales the case
# counts down), the kernel tests and the lockstep order's definition. Scalar only: the `simd` feature stays off. Tests that read
# the bundled data sets or run thousands of epochs are skipped under Miri with
# `#[cfg_attr(miri, ignore)]` (or are not in the subset).
#
# Needs the nightly toolchain; installs its `miri` component if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup +nightly component list --installed | grep -q '^miri' || rustup +nightly component add miri
cargo +nightly miri setup
# proptest: no failure files (Miri isolates the file system); a fixed seed, as in CI
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1 PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261124}"
# isolation off: proptest asks for the working directory (getcwd) even without persistence
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(--lib --test graph_validation --test bad_input_catalogue --test finite --test kernels
    --test lockstep)
fi
cargo +nightly miri test "${targets[@]}"
echo "miri: clean"
