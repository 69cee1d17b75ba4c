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
echo "== tiling: fa-select-tiling{explain} (IO cost model, docs/CostModel.md)"
$FA_OPT "$EXAMPLE" --fa-set-target=target=h100 --fa-select-tiling=explain \
  --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null \
  | grep -E ': (remark|note): ' | sed -E 's/^[^ ]+: (remark|note): /  /'
echo "  chosen: $($FA_OPT "$EXAMPLE" --fa-set-target=target=h100 --fa-select-tiling \
  | grep -o '#fa.tiling<[^>]*>')"
echo
echo "== reference lowering (fa-decompose-attention), first ops:"
$FA_OPT "$EXAMPLE" --fa-decompose-attention | grep -E "linalg\.(generic|fill)" | head -8
