#!/usr/bin/env bash
# Runs on the device machine (CUDA + torch, no LLVM/MLIR), from the folder
# bench/experiments/tiling_sweep.py stage filled (staged there as
# DEST/sweep_run.sh; it works from any directory): builds runtime/ with g++
# against the driver API (else takes the prebuilt library), unpacks the
# cubins, then times every tiling of the sweep in one process.
#   bash DEST/sweep_run.sh [tiling_sweep.py run options, e.g. --reps 5 --only d128]
# Writes, as it goes, three files under $OUT/PACK (PACK: the folder's name
# without its leading dot, so that packs share $OUT and two of them stay
# within the 8 files the device brings back): rows.jsonl (a line per
# kernel), tiling_sweep.log (a line per kernel, a table per shape) and
# run.log (this script's output, the pack's table at its end). DEST/state
# keeps them too, with the verdicts (tiling_sweep.json), the progress and
# table.md (the docs' table): a rerun on the same machine resumes.
# A kernel that hangs (the watchdog ends the process) or takes the CUDA
# context down is left out and the run goes on in a new process.
# SWEEP_DEADLINE (a Unix time) or SWEEP_BUDGET_S (seconds from now, 540 by
# default: the device's 10 minutes less the transfers) stops it in time:
# no kernel starts after it; the next run resumes.
set -uo pipefail
START=$(date +%s)
cd "$(dirname "$0")"
PACK=$(basename "$PWD")
PACK=${PACK#.}
OUT=${OUT:-/tmp/fa-sweep-out}
OUTP=$OUT/$PACK
DEADLINE=${SWEEP_DEADLINE:-$((START + ${SWEEP_BUDGET_S:-540}))}
CUDA=${CUDA_HOME:-/usr/local/cuda}
mkdir -p "$OUTP" state
for f in rows.jsonl tiling_sweep.log; do
  [ -f "state/$f" ] && cp "state/$f" "$OUTP/"
done
say() { echo "sweep_run: $*" | tee -a "$OUTP/run.log"; }
if [ "$START" -ge $((DEADLINE - 30)) ]; then
  say "less than 30 s to the deadline: not starting"; exit 2
fi
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader \
  2>&1 | tee -a "$OUTP/run.log"

LIB=$PWD/libfa_runtime.so
if [ ! -f "$LIB" ]; then
  if g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
       runtime/lib/Json.cpp runtime/lib/Runtime.cpp -L"$CUDA/lib64/stubs" \
       -L"$CUDA/lib64" -lcuda -o "$LIB.part" 2> state/build.log; then
    mv "$LIB.part" "$LIB"
  else
    tee -a "$OUTP/run.log" < state/build.log
    say "runtime: g++ failed, using the prebuilt library"
    LIB=$PWD/libfa_runtime.prebuilt.so
  fi
fi
if [ ! -d artifacts ]; then
  rm -rf artifacts.part && mkdir artifacts.part &&
    tar -xJf artifacts.tar.xz -C artifacts.part && mv artifacts.part artifacts ||
    { say "could not unpack artifacts.tar.xz"; exit 1; }
fi
say "ready after $(( $(date +%s) - START )) s; deadline in $(( DEADLINE - $(date +%s) )) s"

export PYTHONUNBUFFERED=1
lines() { cat state/progress.txt 2>/dev/null | wc -l; }
rc=1
for attempt in $(seq 1 "${SWEEP_RESTARTS:-25}"); do
  before=$(lines)
  python3 bench/experiments/tiling_sweep.py run --runtime "$LIB" \
    --artifacts artifacts --out state --mirror "$OUTP" --deadline "$DEADLINE" "$@" \
    2>&1 | tee -a "$OUTP/run.log"
  rc=${PIPESTATUS[0]}
  # 0: done; 2: the deadline passed.
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; then break; fi
  if [ "$(lines)" -le "$before" ]; then
    say "run ended (rc $rc) before any kernel: not retrying"; break
  fi
  if [ "$(date +%s)" -ge $((DEADLINE - 15)) ]; then break; fi
  say "run ended (rc $rc) in '$(tail -1 state/progress.txt)': resuming without it"
done
if [ -s state/rows.jsonl ]; then
  python3 bench/experiments/tiling_sweep.py report state > state/table.md &&
    tail -3 state/table.md | tee -a "$OUTP/run.log"
fi
say "rc $rc after $(( $(date +%s) - START )) s"
exit "$rc"
