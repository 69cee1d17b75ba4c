#!/usr/bin/env bash
# Compiles the GPU correctness matrix here (no GPU needed) into a folder that
# the device machine runs with bench/correctness/gpu_run.sh (bench/README.md):
#   DEST/artifacts/NAME.{ptx,cubin,json,ptxas.log} + cases.json
#   DEST/runtime/ (sources) DEST/python/ (the package, for its runtime
#   binding) DEST/bench/{correctness,benchmark,experiments}/ (the device
#   scripts, in the checkout's layout) DEST/run.sh DEST/bench_run.sh
#   DEST/profile_run.sh DEST/libfa_runtime.prebuilt.so
# Usage: scripts/gpu-artifacts.sh [DEST=.stage-gpu] [VARIANT=naive] [TARGET=h100]
#   FA_COMPILE_FLAGS: extra fa-compile flags (e.g. LLVM's --nvptx-short-ptr)
#   FA_CASES: stage only the cases whose name matches this Python regular
#             expression (e.g. '_chunk|_global|_bfly'); default: all
#   VARIANT: naive | tiled (the pipeline's default kernel) | simt | mma
#            | wgmma | wgmma-cpasync (the wgmma kernel with cp.async loads)
#            | bench | bench-mma (the benchmark with the sm_80 kernel)
#            | bench-window (sliding windows against dense SDPA and
#            FlexAttention) | bench-block-mask (runtime block masks:
#            documents and random masks, against dense SDPA and
#            FlexAttention with the same BlockMask) | bench-mask-pattern
#            (chunks, global tokens, a butterfly: #fa.mask_pattern, against
#            dense SDPA and FlexAttention) | wgmma-walk, mma-walk (the
#            wgmma or mma-sync forward's compacted walk under a block mask
#            against the reference, D100) | bench-block-mask-walk (the
#            wgmma walk's timed pairs: the
#            dense and compacted walks of the same mask) | bench-wide (D = 192
#            with Dv = 128, D = 256)
#            | bench-cpasync (the wgmma kernel with cp.async loads)
#            | wgmma-release, bench-release (slots freed by empty mbarriers)
#            | wgmma-overlap, bench-overlap, sweep-overlap (softmax under
#            the P V wgmmas) | wgmma-producer, bench-producer (a producer
#            warpgroup issues the loads; with it the default is the
#            overlapped step with turns) | wgmma-pingpong, bench-pingpong
#            (the serial step with turns; the matrix forces the producer
#            everywhere) | wgmma-overlap-pingpong, bench-overlap-pingpong,
#            sweep-overlap-pingpong (both, forced) | bench-serial (the
#            serial step everywhere: the default before docs/decisions.md, D27)
#            | sweep-producer (the producer kernel, with its default step,
#            on every tiling) | sweep-producer-d64 (the same at d = 64,
#            192-row three-warpgroup tilings, N = 1k-16k, causal too)
#            | sweep, sweep-small (mma-sync), sweep-wgmma, sweep-stages,
#            sweep-small-wgmma, ab-model, ab-model-mma, ab-mma-copy, ab-mma-d128,
#            ab-mma-branch, mma-branch (mma-masked-steps=branch), ab-d64,
#            ab-d64-producer, ab-small-d128, ab-stages-d128, ab-d256, ab-d256-producer, ab-d96 (close calls of the model, for bench/experiments/ab.py;
#            a case may add its own pipeline options)
#            (tilings forced; bash bench_run.sh with BENCH_ARGS=--no-baselines)
#            | nan-d64 (the wgmma tilings that gave NaN at d = 64 causal in
#            the forward tiling sweep, and their neighbours, each launched
#            16 more times, each with extern-dynamic-smem=false and =true,
#            spelled by the case; docs/decisions.md, D91 and D93)
#            | mma-99k (the mma-sync kernel with the 99 KB budget of
#            sm_86/89/120 forced; give TARGET a100: sm_80 PTX, no cubin, so
#            the H200 JIT-compiles it)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEST=${1:-.stage-gpu}
VARIANT=${2:-naive}
TARGET=${3:-h100}
BUILD_DIR=${BUILD_DIR:-build}  # relative to the checkout, or absolute
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
FA_COMPILE=$BUILD_DIR/bin/fa-compile
[ -x "$FA_COMPILE" ] || ninja -C "$BUILD_DIR" fa-compile fa-opt

OPTS="target=$TARGET"
case "$VARIANT" in
  naive) OPTS="$OPTS naive" ;;
  simt) OPTS="$OPTS kernel=simt" ;;
  mma | sweep | sweep-small | bench-mma | ab-model-mma | ab-mma-copy | ab-mma-d128 | ab-mma-branch) OPTS="$OPTS kernel=mma-sync" ;;
  mma-branch) OPTS="$OPTS kernel=mma-sync mma-masked-steps=branch" ;;
  # An sm_80 cubin does not load on sm_90: PTX only, which the driver JITs.
  mma-99k) OPTS="$OPTS kernel=mma-sync sram-per-block=101376 sram-per-sm=102400"
    FA_COMPILE_FLAGS="${FA_COMPILE_FLAGS:-} --ptxas=none" ;;
  wgmma | nan-d64 | sweep-wgmma | sweep-stages | sweep-small-wgmma | ab-model | ab-d64 | ab-d64-producer | ab-small-d128 | ab-stages-d128 | ab-d256 | ab-d256-producer | ab-d96) OPTS="$OPTS kernel=wgmma" ;;
  wgmma-cpasync) OPTS="$OPTS kernel=wgmma wgmma-loads=cp-async" ;;
  wgmma-walk) OPTS="$OPTS kernel=wgmma" ;;
  mma-walk) OPTS="$OPTS kernel=mma-sync" ;;
  bench-cpasync) OPTS="$OPTS wgmma-loads=cp-async" ;;
  wgmma-release) OPTS="$OPTS kernel=wgmma wgmma-release=mbarrier" ;;
  bench-release) OPTS="$OPTS wgmma-release=mbarrier" ;;
  wgmma-overlap) OPTS="$OPTS kernel=wgmma wgmma-schedule=overlap" ;;
  bench-overlap) OPTS="$OPTS wgmma-schedule=overlap" ;;
  sweep-overlap) OPTS="$OPTS kernel=wgmma wgmma-schedule=overlap" ;;
  wgmma-producer) OPTS="$OPTS kernel=wgmma wgmma-release=producer" ;;
  bench-producer) OPTS="$OPTS wgmma-release=producer" ;;
  wgmma-pingpong) OPTS="$OPTS kernel=wgmma wgmma-release=producer wgmma-schedule=serial wgmma-pingpong=on" ;;
  bench-pingpong) OPTS="$OPTS wgmma-schedule=serial wgmma-pingpong=on" ;;
  bench-serial) OPTS="$OPTS wgmma-schedule=serial" ;;
  sweep-producer | sweep-producer-d64) OPTS="$OPTS kernel=wgmma wgmma-release=producer" ;;
  wgmma-overlap-pingpong) OPTS="$OPTS kernel=wgmma wgmma-release=producer wgmma-schedule=overlap wgmma-pingpong=on" ;;
  bench-overlap-pingpong) OPTS="$OPTS wgmma-schedule=overlap wgmma-pingpong=on" ;;
  sweep-overlap-pingpong) OPTS="$OPTS kernel=wgmma wgmma-schedule=overlap wgmma-pingpong=on" ;;
esac
# The benchmark matrix compiles with the FlashAttention front end.
mkdir -p "$DEST/artifacts"
rm -f "$DEST"/artifacts/*
MATCH=(--match "${FA_CASES:-}")
python3 bench/correctness/gpu_cases.py json "$DEST/artifacts" --variant "$VARIANT" "${MATCH[@]}"
failed=0
for name in $(python3 bench/correctness/gpu_cases.py list --variant "$VARIANT" "${MATCH[@]}"); do
  python3 bench/correctness/gpu_cases.py emit "$name" > "$DEST/artifacts/$name.mlir"
  # A case that does not compile is reported and left out; gpu_check.py then
  # lists it as not compiled.
  if [ "${VARIANT#bench}" != "$VARIANT" ]; then
    # fa.attention -> PTX alone, as CPU time (user + sys: other builds may
    # share the machine), for the benchmark's compile column.
    ( TIMEFORMAT='%U %S'; { time "$FA_COMPILE" "$DEST/artifacts/$name.mlir" \
        -o "$DEST/artifacts/ptxonly-$name" --ptxas=none \
        --pipeline-options="$OPTS" 2>/dev/null; } 2>&1 ) |
      awk '{ printf "%d\n", ($1 + $2) * 1000 }' > "$DEST/artifacts/$name.ptx_cpu_ms"
    rm -f "$DEST/artifacts/ptxonly-$name".*
  fi
  CASE_OPTS=$(python3 bench/correctness/gpu_cases.py options "$name" --variant "$VARIANT")
  start=$(date +%s%N)
  "$FA_COMPILE" "$DEST/artifacts/$name.mlir" -o "$DEST/artifacts/$name" \
    --pipeline-options="$OPTS${CASE_OPTS:+ $CASE_OPTS}" ${FA_COMPILE_FLAGS:-} 2> "$DEST/artifacts/$name.err" &&
    echo $(( ($(date +%s%N) - start) / 1000000 )) > "$DEST/artifacts/$name.compile_ms" ||
    { echo "gpu-artifacts: $name did not compile:"; cat "$DEST/artifacts/$name.err"; failed=$((failed+1)); }
  [ -s "$DEST/artifacts/$name.err" ] || rm -f "$DEST/artifacts/$name.err"
done

rm -rf "$DEST/runtime" "$DEST/bench" "$DEST/python"
cp -r runtime "$DEST/runtime"
mkdir -p "$DEST/bench/correctness" "$DEST/bench/benchmark" \
  "$DEST/bench/experiments" "$DEST/python"
# The bench scripts load the runtime through the Python package's binding
# (python/ two folders above them, as in the checkout) and import each
# other from their sibling folders.
cp -r python/flashattn_mlir "$DEST/python/"
find "$DEST/python" -name __pycache__ -prune -exec rm -rf {} +
cp bench/correctness/gpu_check.py "$DEST/bench/correctness/"
cp bench/benchmark/benchmark.py "$DEST/bench/benchmark/"
cp bench/experiments/ab.py bench/experiments/tile_trace.py "$DEST/bench/experiments/"
# The run scripts work from the folder they are in: DEST.
cp bench/correctness/gpu_run.sh "$DEST/run.sh"
cp bench/benchmark/bench_run.sh "$DEST/bench_run.sh"
cp bench/experiments/profile_run.sh "$DEST/profile_run.sh"
# A prebuilt runtime (x86-64, against the CUDA stub) as a fallback for the
# device machine; run.sh, bench_run.sh and profile_run.sh build their own first.
if [ -f "$BUILD_DIR/lib/libfa_runtime.so" ]; then
  cp "$BUILD_DIR/lib/libfa_runtime.so" "$DEST/libfa_runtime.prebuilt.so"
fi
echo "gpu-artifacts: $(ls "$DEST"/artifacts/*.json | grep -vc cases.json) cases in $DEST/artifacts ($VARIANT, $TARGET), $failed did not compile"
du -sh "$DEST"
