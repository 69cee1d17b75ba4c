#!/usr/bin/env bash
# Runs on the device machine from a folder scripts/gpu-artifacts.sh filled
# (bench or sweep variants; staged there as DEST/profile_run.sh): for each
# case named in PROFILE (space separated), Nsight Compute's speed-of-light,
# compute, warp-state, instruction and occupancy sections, and the kernel's
# SASS (cuobjdump), under $OUT. Prints the lines that say where the time goes.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-profile-out}
mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
LIB=$PWD/libfa_runtime.so
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp -L"$CUDA/lib64/stubs" \
  -L"$CUDA/lib64" -lcuda -o "$LIB" || LIB=$PWD/libfa_runtime.prebuilt.so
NCU=$(command -v ncu || ls "$CUDA"/bin/ncu 2>/dev/null || true)
[ -n "$NCU" ] || { echo "ncu not found"; exit 1; }
for name in ${PROFILE:?set PROFILE to case names}; do
  echo "=== $name"
  "$CUDA"/bin/cuobjdump -sass "artifacts/$name.cubin" > "$OUT/$name.sass" 2>&1
  "$NCU" --kernel-name regex:attention --launch-count 1 \
    --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section WarpStateStats --section InstructionStats --section Occupancy \
    python3 bench/benchmark/benchmark.py --runtime "$LIB" --artifacts artifacts \
    --profile "$name" > "$OUT/$name.ncu.txt" 2>&1
  grep -E "Throughput|Issue Slots|Warp Cycles Per Issued|Executed Ipc Active|Achieved Active Warps|highest-utilized" \
    "$OUT/$name.ncu.txt" | sed 's/^ *//'
  echo "SASS per kind (whole kernel):"
  grep -oE '^ +/\*[0-9a-f]+\*/ +[A-Z][A-Z0-9]*' "$OUT/$name.sass" | awk '{print $2}' |
    sort | uniq -c | sort -rn | head -12 | tr '\n' ' '; echo
done
