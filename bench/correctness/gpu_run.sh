#!/usr/bin/env bash
# Runs on the device machine (CUDA + torch, no LLVM/MLIR), from the folder
# scripts/gpu-artifacts.sh filled (staged there as DEST/run.sh): builds
# runtime/ with g++ against the driver API, then checks every case (cubin,
# then a PTX/JIT pass).
# Writes logs and results under $OUT when it is set.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-gpu-out}
mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

LIB=$PWD/libfa_runtime.so
if g++ -O2 -std=c++17 -shared -fPIC -Wall -Iruntime/include -I"$CUDA/include" \
     runtime/lib/Json.cpp runtime/lib/Runtime.cpp \
     -L"$CUDA/lib64/stubs" -L"$CUDA/lib64" -lcuda -o "$LIB" 2> "$OUT/build.log"; then
  echo "runtime: built with $(g++ --version | head -1)"
else
  cat "$OUT/build.log"
  echo "runtime: g++ build failed, using the prebuilt library"
  LIB=$PWD/libfa_runtime.prebuilt.so
fi

export PYTHONUNBUFFERED=1
rc=0
python3 bench/correctness/gpu_check.py --runtime "$LIB" --artifacts artifacts \
  --json "$OUT/gpu_check_cubin.json" 2>&1 | tee "$OUT/gpu_check_cubin.log" || rc=1
python3 bench/correctness/gpu_check.py --runtime "$LIB" --artifacts artifacts \
  --ptx --json "$OUT/gpu_check_ptx.json" 2>&1 | tee "$OUT/gpu_check_ptx.log" |
  tail -3 || rc=1
exit $rc
