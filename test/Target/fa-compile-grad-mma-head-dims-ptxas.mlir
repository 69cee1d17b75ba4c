// REQUIRES: ptxas
// The mma.sync backward at head dims besides 64 and 128 (docs/Backward.md,
// "On the GPU: the mma.sync kernels"; docs/decisions.md D70): the model's
// picks on sm_90a (h200) and ptxas assembling their main kernels (and the
// preprocess and conversion kernels) without spills. GQA (4 query heads
// on 2 K/V heads), N = 2049, dense (one causal), where ptxas spilled
// block_q 48 at D = 96 (28 bytes) before the register fit grew block_q's
// term with D: block_q 80 at D = 32, 48 at D = 80, 32 at D = 96, 16 at
// D = 192 with Dv = 128. These builds passed their GPU check in session 8
// (docs/results/2026-12-05-session8-checks).
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling | FileCheck %s --check-prefix=PICK
// RUN: fa-compile %s -o %t/all --function=d96 --pipeline-options="target=h200 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=CLEAN < %t/all.ptxas.log

// The preprocess, main and conversion kernels of the five functions (the
// module is built whole; --function names the manifest's): no
// stack, no spills.
// CLEAN-COUNT-15: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CLEAN-NOT: bytes spill

// PICK-LABEL: func.func @d32(
// PICK: tiling = #fa.tiling<block_q = 80, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d80(
// PICK: tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d96(
// PICK: tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d96_causal(
// PICK: tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d192v128(
// PICK: tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>

func.func @d32(%q: tensor<2x4x2049x32xbf16>, %k: tensor<2x2x2049x32xbf16>, %v: tensor<2x2x2049x32xbf16>, %o: tensor<2x4x2049x32xbf16>, %do: tensor<2x4x2049x32xbf16>, %lse: tensor<2x4x2049xf32>, %dq: tensor<2x4x2049x32xbf16>, %dk: tensor<2x2x2049x32xbf16>, %dv: tensor<2x2x2049x32xbf16>) -> (tensor<2x4x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x2x2049x32xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x4x2049x32xbf16>, tensor<2x4x2049x32xbf16>, tensor<2x4x2049xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x2x2049x32xbf16>)
         {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>} -> tensor<2x4x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x2x2049x32xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x2049x32xbf16>, tensor<2x2x2049x32xbf16>, tensor<2x2x2049x32xbf16>
}

func.func @d80(%q: tensor<2x4x2049x80xf16>, %k: tensor<2x2x2049x80xf16>, %v: tensor<2x2x2049x80xf16>, %o: tensor<2x4x2049x80xf16>, %do: tensor<2x4x2049x80xf16>, %lse: tensor<2x4x2049xf32>, %dq: tensor<2x4x2049x80xf16>, %dk: tensor<2x2x2049x80xf16>, %dv: tensor<2x2x2049x80xf16>) -> (tensor<2x4x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x2x2049x80xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x4x2049x80xf16>, tensor<2x4x2049x80xf16>, tensor<2x4x2049xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x2x2049x80xf16>)
         {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>} -> tensor<2x4x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x2x2049x80xf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x2049x80xf16>, tensor<2x2x2049x80xf16>, tensor<2x2x2049x80xf16>
}

func.func @d96(%q: tensor<2x4x2049x96xbf16>, %k: tensor<2x2x2049x96xbf16>, %v: tensor<2x2x2049x96xbf16>, %o: tensor<2x4x2049x96xbf16>, %do: tensor<2x4x2049x96xbf16>, %lse: tensor<2x4x2049xf32>, %dq: tensor<2x4x2049x96xbf16>, %dk: tensor<2x2x2049x96xbf16>, %dv: tensor<2x2x2049x96xbf16>) -> (tensor<2x4x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x2x2049x96xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x4x2049x96xbf16>, tensor<2x4x2049x96xbf16>, tensor<2x4x2049xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x2x2049x96xbf16>)
         {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>} -> tensor<2x4x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x2x2049x96xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x2049x96xbf16>, tensor<2x2x2049x96xbf16>, tensor<2x2x2049x96xbf16>
}

func.func @d96_causal(%q: tensor<2x4x2049x96xf16>, %k: tensor<2x2x2049x96xf16>, %v: tensor<2x2x2049x96xf16>, %o: tensor<2x4x2049x96xf16>, %do: tensor<2x4x2049x96xf16>, %lse: tensor<2x4x2049xf32>, %dq: tensor<2x4x2049x96xf16>, %dk: tensor<2x2x2049x96xf16>, %dv: tensor<2x2x2049x96xf16>) -> (tensor<2x4x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x2x2049x96xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x4x2049x96xf16>, tensor<2x4x2049x96xf16>, tensor<2x4x2049xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x2x2049x96xf16>)
         {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>} -> tensor<2x4x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x2x2049x96xf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x2049x96xf16>, tensor<2x2x2049x96xf16>, tensor<2x2x2049x96xf16>
}

func.func @d192v128(%q: tensor<2x4x2049x192xbf16>, %k: tensor<2x2x2049x192xbf16>, %v: tensor<2x2x2049x128xbf16>, %o: tensor<2x4x2049x128xbf16>, %do: tensor<2x4x2049x128xbf16>, %lse: tensor<2x4x2049xf32>, %dq: tensor<2x4x2049x192xbf16>, %dk: tensor<2x2x2049x192xbf16>, %dv: tensor<2x2x2049x128xbf16>) -> (tensor<2x4x2049x192xbf16>, tensor<2x2x2049x192xbf16>, tensor<2x2x2049x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x2049x192xbf16>, tensor<2x2x2049x192xbf16>, tensor<2x2x2049x128xbf16>, tensor<2x4x2049x128xbf16>, tensor<2x4x2049x128xbf16>, tensor<2x4x2049xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x2049x192xbf16>, tensor<2x2x2049x192xbf16>, tensor<2x2x2049x128xbf16>)
         {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>} -> tensor<2x4x2049x192xbf16>, tensor<2x2x2049x192xbf16>, tensor<2x2x2049x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x2049x192xbf16>, tensor<2x2x2049x192xbf16>, tensor<2x2x2049x128xbf16>
}
