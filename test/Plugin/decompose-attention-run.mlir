// One process of the stock mlir-opt, with the plugin, lowers random cases of
// fa.attention to the LLVM dialect: the reference lowering and the upstream
// CPU lowering in one pipeline. mlir-runner executes the result and
// test/Integration/attention_case.py compares it with a float64 NumPy
// reference.
// REQUIRES: numpy

// DEFINE: %{lower} = %fa-mlir-opt --pass-pipeline='builtin.module(fa-decompose-attention,convert-elementwise-to-linalg,one-shot-bufferize{bufferize-function-boundaries},convert-linalg-to-loops,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-to-llvm,reconcile-unrealized-casts)'
// DEFINE: %{run} = mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so

// GQA, causal with Nq != Nk, logsumexp.
// DEFINE: %{case} = --b 2 --hq 4 --hkv 2 --nq 9 --nk 23 --d 16 --causal --lse --seed 31
// RUN: %attn-case emit %{case} | %{lower} | %{run} | %attn-case check %{case} | FileCheck %s

// f16, additive row bias, dynamic shapes.
// REDEFINE: %{case} = --dtype f16 --hq 2 --nq 9 --nk 20 --mask bias-row --dynamic --lse --seed 32
// RUN: %attn-case emit %{case} | %{lower} | %{run} | %attn-case check %{case} | FileCheck %s

// CHECK-NOT: FAIL
// CHECK: PASSED
