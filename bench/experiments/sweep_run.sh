#!/usr/bin/env bash
# Runs on the device machine (CUDA + torch, no LLVM/MLIR), from the folder
# bench/experiments/tiling_sweep.py stage filled (staged there as
# DEST/sweep_run.sh): builds runtime/ with g++ against the driver API,
# unpacks the cubins, then times every tiling of the sweep in one process.
# Rerun after a crash: it resumes after the last whole shape. Writes the
# log, the JSON and the progress list under $OUT.
#   bash sweep_run.sh [tiling_sweep.py run options, e.g. --reps 5 --only d128]
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-sweep-out}
CUDA=${CUDA_HOME:-/usr/local/cuda}
LIB=$PWD/libfa_runtime.so
mkdir -p "$OUT"
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp -L"$CUDA/lib64/stubs" \
  -L"$CUDA/lib64" -lcuda -o "$LIB" || { echo "runtime: g++ failed"; exit 1; }
[ -d artifacts ] || { mkdir artifacts && tar -xJf artifacts.tar.xz -C artifacts; }
export PYTHONUNBUFFERED=1
python3 bench/experiments/tiling_sweep.py run --runtime "$LIB" \
  --artifacts artifacts --json "$OUT/tiling_sweep.json" --resume \
  --progress "$OUT/progress.txt" "$@" 2>&1 | tee -a "$OUT/tiling_sweep.log"
