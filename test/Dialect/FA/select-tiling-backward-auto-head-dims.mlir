// kernel=auto on the backward at D = 96 and 80 on sm_90a (docs/Backward.md,
// "The kernel"; docs/decisions.md D70, D71): both tensor-core backwards
// build these head dims and both builds passed their GPU check (session 8,
// docs/results/2026-12-05-session8-checks), so auto takes the first rule's,
// the wgmma backward's TMA ring; by name each is selected (wgmma: its TMA
// ring; mma-sync: block_q 32 at D = 96, 48 at D = 80).
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling="explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling=kernel=wgmma | FileCheck %s --check-prefix=WG
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling=kernel=mma-sync | FileCheck %s --check-prefix=MMA

// AUTO: note: kernel=auto chose wgmma: it builds this backward
// AUTO: note: kernel=auto chose wgmma: it builds this backward

// WG-LABEL: func.func @d96(
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// WG-LABEL: func.func @d80(
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// MMA-LABEL: func.func @d96(
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
// MMA-LABEL: func.func @d80(
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>

func.func @d96(%q: tensor<4x16x4096x96xbf16>, %k: tensor<4x16x4096x96xbf16>, %v: tensor<4x16x4096x96xbf16>, %o: tensor<4x16x4096x96xbf16>, %do: tensor<4x16x4096x96xbf16>, %lse: tensor<4x16x4096xf32>, %dq: tensor<4x16x4096x96xbf16>, %dk: tensor<4x16x4096x96xbf16>, %dv: tensor<4x16x4096x96xbf16>) -> (tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096xf32>)
         outs(%dq, %dk, %dv : tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>)
         {causal} -> tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>, tensor<4x16x4096x96xbf16>
}

func.func @d80(%q: tensor<4x16x4096x80xf16>, %k: tensor<4x16x4096x80xf16>, %v: tensor<4x16x4096x80xf16>, %o: tensor<4x16x4096x80xf16>, %do: tensor<4x16x4096x80xf16>, %lse: tensor<4x16x4096xf32>, %dq: tensor<4x16x4096x80xf16>, %dk: tensor<4x16x4096x80xf16>, %dv: tensor<4x16x4096x80xf16>) -> (tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096xf32>)
         outs(%dq, %dk, %dv : tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>)
         {causal} -> tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>, tensor<4x16x4096x80xf16>
}
