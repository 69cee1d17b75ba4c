#!/usr/bin/env bash
# Runs the fa-fuzz libFuzzer target for a bounded time (docs/Reliability.md).
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags]     (default 60 s)
#   scripts/fuzz.sh --runs=N [extra libFuzzer flags]      (N executions, no
#                                                          time limit)
#
# The output is also written to $BUILD_DIR/fuzz/fuzz.log (FA_FUZZ_LOG).
#
# Builds fa-fuzz in $BUILD_DIR (default build-asan, shared with
# scripts/test-sanitizers.sh), writes the seed corpus from test/ and
# examples/ (split at `// -----`) and fuzzes with it. New inputs accumulate
# in $BUILD_DIR/fuzz/corpus between runs; a crash is written to
# $BUILD_DIR/fuzz/artifacts/ and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."

# A time limit in seconds, or --runs=N executions (the long run).
LIMIT="-max_total_time=${1:-60}"
case "${1:-}" in
  --runs=*) LIMIT="-runs=${1#--runs=}" ;;
esac
shift || true
BUILD_DIR=${BUILD_DIR:-build-asan}
export BUILD_DIR
FA_CMAKE_ARGS="-DFA_ENABLE_SANITIZERS=ON -DFA_ENABLE_FUZZER=ON" \
  FA_BUILD_TARGETS=fa-fuzz scripts/setup.sh

FUZZ="$BUILD_DIR/fuzz"
mkdir -p "$FUZZ/corpus" "$FUZZ/artifacts"
bash scripts/fuzz-seeds.sh "$FUZZ/seeds"

# Leaks: LSan checks every input (a fresh MLIRContext per input must free
# everything). Diagnostics are swallowed by the target; -close_fd_mask=3
# would also hide our own findings' messages, so it is not used.
# The same checks as scripts/test-sanitizers.sh's: the first pass below is
# the replay of test/Regression/fuzz-replay-*.mlir, which .ci/run leaves to
# this script (D118).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
# Inputs that hit upstream MLIR bugs (not our code; the target skips them,
# see hitsUpstreamDenseArrayParseBug and hitsUpstreamExpandShapeBug): each
# must run cleanly.
"$BUILD_DIR/bin/fa-fuzz" tools/fa-fuzz/upstream-bugs/*.mlir
# Seeds longer than -max_len below are truncated in the fuzzing run's first
# pass (most then fail to parse): each runs whole here once, as
# test/Regression/fuzz-replay-*.mlir runs them.
long_seeds=$(find "$FUZZ/seeds" -name '*.mlir' -size +8192c | sort)
if [ -n "$long_seeds" ]; then
  # shellcheck disable=SC2086
  "$BUILD_DIR/bin/fa-fuzz" $long_seeds
fi
# A fixed seed: the same build explores the same inputs, so a CI failure
# reproduces (FA_FUZZ_SEED=0 lets libFuzzer pick one).
"$BUILD_DIR/bin/fa-fuzz" "$FUZZ/corpus" "$FUZZ/seeds" \
  -seed="${FA_FUZZ_SEED:-1}" \
  -dict=tools/fa-fuzz/mlir.dict \
  "$LIMIT" -max_len=8192 -timeout=60 \
  -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$FUZZ/artifacts/" "$@" 2>&1 | tee "${FA_FUZZ_LOG:-$FUZZ/fuzz.log}"
