#!/usr/bin/env bash
# Runs on the device machine from the folder `scripts/gpu-artifacts.sh DEST
# bench` filled (as DEST/bench_run.sh): builds runtime/, runs
# bench/benchmark/benchmark.py (ours vs torch SDPA FLASH and CUDNN), then
# Nsight Compute's DRAM byte counters for the cases named in PROFILE (space
# separated). Logs and JSON under $OUT.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-bench-out}
mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader || true
LIB=$PWD/libfa_runtime.so
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp -L"$CUDA/lib64/stubs" \
  -L"$CUDA/lib64" -lcuda -o "$LIB" || LIB=$PWD/libfa_runtime.prebuilt.so
export PYTHONUNBUFFERED=1
python3 bench/benchmark/benchmark.py --runtime "$LIB" --artifacts artifacts \
  --json "$OUT/benchmark.json" ${BENCH_ONLY:+--only "$BENCH_ONLY"} ${BENCH_ARGS:-} 2>&1 | tee "$OUT/benchmark.log"
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)
for name in ${PROFILE:-}; do
  [ -n "$NCU" ] || { echo "ncu not found"; break; }
  "$NCU" --clock-control none --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
    --kernel-name regex:attention --csv \
    python3 bench/benchmark/benchmark.py --runtime "$LIB" --artifacts artifacts \
      --profile "$name" \
    > "$OUT/ncu_$name.csv" 2> "$OUT/ncu_$name.err"
  echo "== ncu $name"; grep -E "dram__bytes|gpu__time" "$OUT/ncu_$name.csv" | cut -c1-400
done
