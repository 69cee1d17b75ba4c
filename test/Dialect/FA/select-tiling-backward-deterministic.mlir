// A deterministic backward on the tensor cores (docs/Backward.md,
// "Deterministic dQ"): kernel=mma-sync and kernel=wgmma with
// `deterministic` (the op's attribute or the pass option) take dq =
// ordered, priced by the model (each step's wait; no chain on causal
// problems: the wgmma step's overhead, 0.3 us atomic, is 0.35 us with the
// fence) and said so by explain; kernel=auto takes them too (both passed
// their GPU checks): wgmma on sm_90a, mma.sync on sm_80.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 "--fa-select-tiling=explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO-A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 "--fa-select-tiling=kernel=mma-sync deterministic" | FileCheck %s --check-prefix=OPTION
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling=kernel=wgmma | FileCheck %s --check-prefix=WG
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 "--fa-select-tiling=kernel=wgmma explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=WG-EXPLAIN
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 "--fa-select-tiling=explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO

// CHECK-LABEL: func.func @causal
// CHECK: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// CHECK-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
// EXPLAIN: remark: fa-select-tiling (backward, model): 32x128, 2 stages, 8 warps wins (ordered dQ)
// EXPLAIN: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = ordered>: dq=ordered: deterministic requested: the same f32 adds, made in descending kv-block order (a semaphore per q-block), bit-identical run to run
// AUTO: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>: dq=ordered
// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO-A100: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = ordered>: dq=ordered
// AUTO-A100: note: kernel=auto chose mma-sync: it builds this backward
// OPTION-LABEL: func.func @causal
// OPTION: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// WG-LABEL: func.func @causal
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>
// WG-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// WG-EXPLAIN: remark: fa-select-tiling (backward, model): 64x128, 2 stages, 8 warps wins (ordered dQ)
// WG-EXPLAIN: note: #1 64x128, 2 stages, 8 warps: {{.*}} steps a block at 0.100 us overhead each
// WG-EXPLAIN: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>: dq=ordered: deterministic requested: the same f32 adds, made in descending kv-block order (a semaphore per q-block), bit-identical run to run
func.func @causal(%q: tensor<4x16x4096x128xbf16>, %l: tensor<4x16x4096xf32>)
    -> (tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>)
      outs(%q, %q, %q : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {causal, deterministic}
      -> tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
}

// -----

// A window with deterministic: both on the tensor-core backwards.
// CHECK-LABEL: func.func @window
// CHECK: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// CHECK-SAME: window = #fa.window<left = 1024, right = 0>
// AUTO: note: kernel=auto chose wgmma: it builds this backward
// AUTO-A100: note: kernel=auto chose mma-sync: it builds this backward
// OPTION-LABEL: func.func @window
// OPTION: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// WG-LABEL: func.func @window
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>
// WG-SAME: window = #fa.window<left = 1024, right = 0>
func.func @window(%q: tensor<1x16x8192x128xbf16>, %l: tensor<1x16x8192xf32>)
    -> (tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192xf32>)
      outs(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>) {causal, deterministic, window = #fa.window<left = 1024, right = 0>}
      -> tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>
}
