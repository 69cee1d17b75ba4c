#!/usr/bin/env bash
# Runs the fa-fuzz libFuzzer target for a bounded time (docs/Reliability.md).
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags]     (default 120 s)
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
LIMIT="-max_total_time=${1:-120}"
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
# The same checks as scripts/test-sanitizers.sh's: the replay below is
# that of test/Regression/fuzz-replay-*.mlir, which .ci/run leaves to this
# script (D118).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
# Inputs that hit upstream MLIR bugs (not our code; the target skips them,
# see hitsUpstreamDenseArrayParseBug and hitsUpstreamExpandShapeBug): each
# must run cleanly.
"$BUILD_DIR/bin/fa-fuzz" tools/fa-fuzz/upstream-bugs/*.mlir
# The replay: every seed runs whole once (those longer than -max_len below
# too, which the fuzzing run's first pass would truncate), as
# test/Regression/fuzz-replay-*.mlir runs them, in FA_FUZZ_REPLAY_JOBS
# processes side by side (default: the machine's cores, at most 4), each
# its share of the seeds. Under ASan a seed takes about a second (up to
# 13 s): one process took about 1,000 s on a 2-core machine like CI's
# (session 22).
REPLAY_JOBS=${FA_FUZZ_REPLAY_JOBS:-$(nproc)}
[ "$REPLAY_JOBS" -gt 4 ] && REPLAY_JOBS=4
mapfile -t seeds < <(find "$FUZZ/seeds" -name '*.mlir' | sort)
pids=()
for ((w = 0; w < REPLAY_JOBS; w++)); do
  share=()
  for ((i = w; i < ${#seeds[@]}; i += REPLAY_JOBS)); do share+=("${seeds[i]}"); done
  [ ${#share[@]} -gt 0 ] || continue
  "$BUILD_DIR/bin/fa-fuzz" -timeout=60 -rss_limit_mb=4096 "${share[@]}" \
    > "$FUZZ/replay-$w.log" 2>&1 &
  pids+=($!)
done
failed=0
for ((w = 0; w < ${#pids[@]}; w++)); do
  if ! wait "${pids[w]}"; then
    echo "fuzz.sh: a seed failed in the replay ($FUZZ/replay-$w.log):" >&2
    tail -40 "$FUZZ/replay-$w.log" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
echo "fuzz.sh: the replay ran ${#seeds[@]} seeds in ${#pids[@]} processes"
# The fuzzing run starts from the corpus it learned before and, for a time
# limit of up to 600 s (CI's smoke run), every FA_FUZZ_START_EVERY-th seed
# (default 16): libFuzzer runs its whole start corpus first (about a
# minute for 52 seeds under ASan, counted in the time limit), which the
# replay above has just done. A longer run, --runs=N or
# FA_FUZZ_START_EVERY=1 starts from every seed.
EVERY=${FA_FUZZ_START_EVERY:-16}
case "$LIMIT" in
  -max_total_time=*) [ "${LIMIT#-max_total_time=}" -gt 600 ] && EVERY=${FA_FUZZ_START_EVERY:-1} ;;
  *) EVERY=${FA_FUZZ_START_EVERY:-1} ;;
esac
rm -rf "$FUZZ/start" && mkdir -p "$FUZZ/start"
for ((i = 0; i < ${#seeds[@]}; i += EVERY)); do cp "${seeds[i]}" "$FUZZ/start/"; done
# A fixed seed: the same build explores the same inputs, so a CI failure
# reproduces (FA_FUZZ_SEED=0 lets libFuzzer pick one).
"$BUILD_DIR/bin/fa-fuzz" "$FUZZ/corpus" "$FUZZ/start" \
  -seed="${FA_FUZZ_SEED:-1}" \
  -dict=tools/fa-fuzz/mlir.dict \
  "$LIMIT" -max_len=8192 -timeout=60 \
  -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$FUZZ/artifacts/" "$@" 2>&1 | tee "${FA_FUZZ_LOG:-$FUZZ/fuzz.log}"
