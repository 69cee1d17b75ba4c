#!/usr/bin/env bash
# Runs on the device machine: Nsight Compute (--set full, --clock-control
# none) of a backward's main kernel (attention_grad_kernel_0), one case at
# a time, from a folder `bench/correctness/backward_simt.py stage` filled.
#   CASES="NAME ..." bash bench/experiments/profile_backward.sh STAGE
# Under $OUT: NAME.details.txt (every section), NAME.source.csv.gz (stall
# samples per SASS instruction), NAME.raw.txt.gz (every metric), NAME.sass.gz
# and NAME.run.log; prints the DRAM bytes (dram__bytes_{read,write}.sum, for
# the backward model's traffic), L2's atomic and reduction sectors and the
# lines that say where the time goes. The report itself is not kept (too
# large to bring back).
set -uo pipefail
STAGE=$(cd "${1:?usage: CASES=... profile_backward.sh STAGE}" && pwd)
OUT=${OUT:-/tmp/fa-profile-backward}; mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
cd "$STAGE"
LIB=$PWD/libfa_runtime.so
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp -L"$CUDA/lib64/stubs" \
  -L"$CUDA/lib64" -lcuda -o "$LIB" 2> "$OUT/build.log" ||
  LIB=$PWD/libfa_runtime.prebuilt.so
NCU=$(command -v ncu || ls "$CUDA"/bin/ncu 2>/dev/null || true)
[ -n "$NCU" ] || { echo "ncu not found"; exit 1; }
cp artifacts/cases.json "$OUT/all-cases.json"
trap 'cp "$OUT/all-cases.json" artifacts/cases.json' EXIT
for name in ${CASES:?set CASES to case names of the stage}; do
  echo "=== $name"
  # The runner takes every case of cases.json: keep this one alone.
  python3 - "$name" "$OUT/all-cases.json" artifacts/cases.json <<'PY'
import json, sys
name, src, dst = sys.argv[1:]
d = json.load(open(src))
d["cases"] = [c for c in d["cases"] if c["name"] == name]
if not d["cases"]:
    sys.exit(f"no case {name} in the stage")
json.dump(d, open(dst, "w"))
PY
  [ $? -eq 0 ] || continue
  "$CUDA"/bin/cuobjdump -sass "artifacts/$name.cubin" 2>&1 | gzip > "$OUT/$name.sass.gz"
  timeout 300 "$NCU" --clock-control none --kernel-name attention_grad_kernel_0 \
    --launch-count 1 --set full --import-source no \
    --metrics dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sectors_op_red.sum,lts__t_sectors_op_atom.sum \
    -o "$OUT/$name" -f python3 bench/correctness/backward_simt.py run \
    --runtime "$LIB" --artifacts artifacts > "$OUT/$name.run.log" 2>&1
  "$NCU" -i "$OUT/$name.ncu-rep" --page details > "$OUT/$name.details.txt" 2>&1
  "$NCU" -i "$OUT/$name.ncu-rep" --page source --csv --print-source sass 2>&1 |
    gzip > "$OUT/$name.source.csv.gz"
  "$NCU" -i "$OUT/$name.ncu-rep" --page raw 2>&1 | gzip > "$OUT/$name.raw.txt.gz"
  rm -f "$OUT/$name.ncu-rep"
  zcat "$OUT/$name.raw.txt.gz" | grep -E "(dram__bytes_(read|write)|lts__t_sectors_op_(red|atom)|gpu__time_duration)\.sum " | sed 's/^ *//'
  grep -E "Duration|Throughput|Issue Slots|Eligible|Warp Cycles Per Issued|Registers Per" \
    "$OUT/$name.details.txt" | sed 's/^ *//' | head -24
done
