#!/usr/bin/env bash
# Writes fa-fuzz's seed corpus to DIR (scripts/fuzz.sh, scripts/fuzz-bundle.sh):
# every test/**/*.mlir, examples/*.mlir and tools/fa-fuzz/corpus/*.mlir split
# at `// -----` (scripts/fuzz-corpus.py), and three complete CPU cases.
#
#   scripts/fuzz-seeds.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:?usage: fuzz-seeds.sh DIR}
PYTHON=${PYTHON:-/usr/bin/python3}  # Debian's, with python3-numpy (setup.sh)
rm -rf "$SEEDS"
mkdir -p "$SEEDS"
"$PYTHON" scripts/fuzz-corpus.py "$SEEDS"
# A few complete CPU cases (dense constants, func.call, the print helpers).
case=test/Integration/attention_case.py
"$PYTHON" $case emit --nq 3 --nk 5 --d 4 --causal --lse >"$SEEDS/case_causal.mlir"
"$PYTHON" $case emit --hq 4 --hkv 2 --nq 2 --d 4 --mask bool --masked-rows 1 \
  --dtype f16 --lse >"$SEEDS/case_mask.mlir"
"$PYTHON" $case emit --b 2 --nq 3 --nk 4 --d 4 --mask bias-row --dynamic \
  --dtype bf16 --tiling 16,16,2,4 >"$SEEDS/case_dynamic.mlir"
