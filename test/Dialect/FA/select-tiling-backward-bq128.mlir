// The wgmma backward's wide q-block (block_q 128 at D = Dv = 64 on the TMA
// ring, D104; docs/Backward.md, "The wide q-block"): the model prices it
// (its shared memory, registers and steps) and, since it passed its GPU
// check (kWideQueryBlockGpuChecked, D108), kernel=wgmma and kernel=auto
// pick it at D = 64 where it predicts faster, with the TMA-store epilogue
// since its GPU check (kWideQueryBlockTmaStoreGpuChecked, D130) but beside
// a #fa.window (ptxas spills there: the direct stores). A request it does
// not build (dK in flight) keeps block_q 64; the TMA store asked for (TMA)
// keeps block_q 128 since D130 but with a window, where the model keeps
// block_q 64 (D108's rule). The direct epilogue asked for (DIRECT) keeps
// the wide q-block. A written tiling selects it: it is kept and scheduled
// (dq = atomic), by kernel=auto too, causal, with a keep-mask and a window;
// with the TMA store asked for, a written block_q 128 takes it but beside
// a window (an error naming why).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto \
// RUN:   | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma explain" \
// RUN:   --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store explain" \
// RUN:   --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=TMA
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=direct" \
// RUN:   | FileCheck %s --check-prefix=DIRECT

// CHECK-LABEL: func.func @model
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @model
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// EXPLAIN: remark: fa-select-tiling (backward, model): 128x128, 2 stages, 8 warps wins (atomic dQ)
// EXPLAIN: note: kernel=wgmma
// EXPLAIN: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>: {{.*}}; epilogue=tma_store: dK and dV leave through shared memory and TMA
// TMA: remark: fa-select-tiling (backward, model): 128x128, 2 stages, 8 warps wins (atomic dQ)
// TMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>
func.func @model(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {causal}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}

// -----

// CHECK-LABEL: func.func @written
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @written
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// EXPLAIN: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> ({{.*}}SRAM 166928 B, 224 registers/thread, 1 block(s)/SM
// A written block_q 128 with the TMA store asked for takes it.
// TMA: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// TMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>
func.func @written(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {causal, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}

// -----

// A keep-mask and a window, GQA 4/2: the direct stores (auto's epilogue
// beside a window). With the TMA store asked for, the window is an error
// naming why.
// TMA: error: {{.*}}backward-epilogue=tma-store: the TMA-store epilogue is not built with block_q 128 and a #fa.window (ptxas spills beside the wide q-block's step)
// CHECK-LABEL: func.func @written_masked
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @written_masked
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @written_masked(%q: tensor<1x4x1000x64xf16>, %kv: tensor<1x2x1000x64xf16>,
    %lse: tensor<1x4x1000xf32>, %m: tensor<1x4x1000x1000xi1>)
    -> (tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>,
          tensor<1x2x1000x64xf16>, tensor<1x4x1000x64xf16>, tensor<1x4x1000x64xf16>, tensor<1x4x1000xf32>)
      mask(%m : tensor<1x4x1000x1000xi1>)
      outs(%q, %kv, %kv : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>)
      {window = #fa.window<left = 200, right = 17>,
       tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>
}

// -----

// The model's pick beside a window: block_q 128 with the direct stores; the
// TMA store asked for keeps block_q 64 there (D108's rule, kept with a
// window by D130).
// CHECK-LABEL: func.func @model_window
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @model_window
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// TMA: remark: fa-select-tiling (backward, model): 64x128, 2 stages, 8 warps wins (atomic dQ)
// TMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
func.func @model_window(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {window = #fa.window<left = 1024, right = 0>}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}
