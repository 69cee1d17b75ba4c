// The C API alone compiles a random case of fa.attention down to the LLVM
// dialect: fa-capi-test (a C program linked only to libFlashAttn-C.so) runs
// the reference lowering and the upstream CPU lowering in one textual
// pipeline through faRunPassPipeline. mlir-runner executes the result and
// test/Integration/attention_case.py compares it with a float64 NumPy
// reference.
// REQUIRES: numpy

// DEFINE: %{lower} = fa-capi-test 'builtin.module(fa-decompose-attention,convert-elementwise-to-linalg,one-shot-bufferize{bufferize-function-boundaries},convert-linalg-to-loops,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-to-llvm,reconcile-unrealized-casts)'
// DEFINE: %{run} = mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so

// GQA, causal with Nq != Nk, logsumexp.
// DEFINE: %{case} = --b 2 --hq 4 --hkv 2 --nq 17 --nk 29 --d 16 --dv 8 --causal --lse --seed 21
// RUN: %attn-case emit %{case} | %{lower} | %{run} | %attn-case check %{case} | FileCheck %s

// bf16 with a boolean mask and fully masked rows.
// REDEFINE: %{case} = --dtype bf16 --nq 17 --causal --mask bool --masked-rows 3 --lse --seed 22
// RUN: %attn-case emit %{case} | %{lower} | %{run} | %attn-case check %{case} | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: PASSED
