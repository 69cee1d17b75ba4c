// Runs on a machine with an NVIDIA GPU, LLVM and torch (FA_GPU_TESTS=1):
// compiles one case of the naive matrix, launches it through runtime/ and
// checks it against a float64 torch reference
// (bench/correctness/gpu_check.py).
// REQUIRES: cuda-gpu, fa-runtime
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py json %t --variant naive
// RUN: %python %fa_src_root/bench/correctness/gpu_cases.py emit bf16_b2_h4x2_q128_k128_d64_causal > %t/bf16_b2_h4x2_q128_k128_d64_causal.mlir
// RUN: fa-compile %t/bf16_b2_h4x2_q128_k128_d64_causal.mlir -o %t/bf16_b2_h4x2_q128_k128_d64_causal --pipeline-options="target=h100 naive"
// RUN: %python %fa_src_root/bench/correctness/gpu_check.py --runtime %fa_runtime_lib --artifacts %t --only bf16_b2_h4x2_q128_k128_d64_causal | FileCheck %s
// CHECK: bf16_b2_h4x2_q128_k128_d64_causal {{.*}} PASS
// CHECK: 1/1 passed
