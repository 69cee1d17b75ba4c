#!/usr/bin/env bash
# Set-up, then the main job: compile the example attention op as far as the
# pipeline goes and show what the compiler decided.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
FA_OPT=build/bin/fa-opt
EXAMPLE=examples/attention.mlir

echo "== input: $EXAMPLE"
grep -v '^//' "$EXAMPLE"
echo
echo "== target: fa-set-target=target=h100"
$FA_OPT "$EXAMPLE" --fa-set-target=target=h100 | head -1
echo
echo "== tiling: fa-select-tiling{kernel=auto explain} (IO cost model, docs/CostModel.md; what fa-to-ptx-pipeline runs)"
$FA_OPT "$EXAMPLE" --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" \
  --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null \
  | grep -E ': (remark|note): ' | sed -E 's/^[^ ]+: (remark|note): /  /'
echo "  chosen: $($FA_OPT "$EXAMPLE" --fa-set-target=target=h100 --fa-select-tiling=kernel=auto \
  | grep -o 'schedule = #fa.schedule<[^>]*>, tiling = #fa.tiling<[^>]*>')"
echo
echo "== PTX: fa-compile (fa-to-ptx-pipeline target=h100) -> build/demo/attention.{ptx,json}"
mkdir -p build/demo
build/bin/fa-compile "$EXAMPLE" -o build/demo/attention --pipeline-options="target=h100"
grep -E "^\.(version|target)|\.entry|\.shared .*__dynamic_shmem__0" build/demo/attention.ptx | head -4
echo "  tensor-core instructions: $(grep -c 'wgmma.mma_async' build/demo/attention.ptx) wgmma.mma_async, $(grep -c 'mma.sync.aligned' build/demo/attention.ptx) mma.sync, $(grep -c 'ldmatrix' build/demo/attention.ptx) ldmatrix, $(grep -c 'cp.async.cg' build/demo/attention.ptx) cp.async"
python3 - <<'PY'
import json
m = json.load(open("build/demo/attention.json"))
for k in m["kernels"]:
    print(f"  kernel {k['name']}: grid {k['grid']}, block {k['block']}, "
          f"dynamic shared memory {k['shared_bytes']} B, {len(k['params'])} parameters")
PY
echo "  (the manifest build/demo/attention.json gives the launch: docs/GPU.md)"
