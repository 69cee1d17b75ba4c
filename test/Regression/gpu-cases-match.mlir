// bench/correctness/gpu_cases.py --match (scripts/gpu-artifacts.sh's
// FA_CASES): `list` and `json` keep only the cases whose name matches the
// regular expression, so a part of a matrix can be staged; a malformed
// expression is a usage error naming it.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py list --variant wgmma --match '_chunk|_bfly' | FileCheck %s --check-prefix=LIST
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py json %t --variant wgmma --match 'q4096_k4096_d128_causal_chunk1024$'
// RUN: FileCheck %s --check-prefix=JSON < %t/cases.json
// RUN: not %python %fa_src_root/bench/correctness/gpu_cases.py list --variant wgmma --match '(' 2>&1 | FileCheck %s --check-prefix=BAD

// LIST: bf16_b1_h2x2_q1000_k1000_d64_chunk256
// LIST-NOT: _d128_causal{{$}}
// LIST: bf16_b1_h2x2_q4096_k4096_d128_causal_chunk1024
// JSON: "variant": "wgmma"
// JSON-COUNT-1: "name":
// JSON-NOT: "name":
// BAD: error: --match '(': missing )
