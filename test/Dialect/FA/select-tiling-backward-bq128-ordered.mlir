// Ordered dQ on the wgmma backward's wide q-block (block_q 128 at D = Dv =
// 64 on the TMA ring with dq = ordered, D110; docs/Backward.md, "Ordered dQ
// on the wide q-block"): since its GPU check (kWideQueryBlockOrderedGpuChecked,
// D112) the model picks it for a deterministic backward under kernel=wgmma
// and kernel=auto (MODEL; the dense chain's link a fifth of a 64-row step,
// EXPLAIN), with the TMA-store epilogue since its GPU check
// (kWideQueryBlockTmaStoreGpuChecked, D130) but beside a #fa.window (the
// direct stores). A written tiling selects it too: it is kept and scheduled
// (dq = ordered), by kernel=auto too, causal, with a keep-mask and a
// window, GQA. The direct epilogue asked for (DIRECT) keeps the wide
// q-block. Asked for the TMA store (TMA), the model keeps block_q 128 since
// D130 but with a window, where it keeps block_q 64 (D108's rule), and a
// written block_q 128 takes the TMA store but beside a window (an error
// naming why, TMAERR).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto \
// RUN:   | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma explain" \
// RUN:   --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store" \
// RUN:   2>/dev/null | FileCheck %s --check-prefix=TMA
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store" \
// RUN:   --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=TMAERR
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=direct" \
// RUN:   | FileCheck %s --check-prefix=DIRECT

// CHECK-LABEL: func.func @model
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// TMA-LABEL: func.func @model
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>
// TMA-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @model
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// EXPLAIN: remark: fa-select-tiling (backward, model): 128x128, 2 stages, 8 warps wins (ordered dQ)
// EXPLAIN: note: 125 of 128 candidates rejected: 125 outside the kernel's shapes
func.func @model(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {causal, deterministic}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}

// -----

// CHECK-LABEL: func.func @written
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// EXPLAIN: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> ({{.*}}SRAM 166928 B, 224 registers/thread, 1 block(s)/SM
// EXPLAIN: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>: dq=ordered: deterministic requested{{.*}}; epilogue=tma_store: dK and dV leave through shared memory and TMA
// TMA-LABEL: func.func @written
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>
// TMA-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @written
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @written(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {deterministic, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}

// -----

// A keep-mask and a window, causal, GQA 4/2: the direct stores (auto's
// epilogue beside a window).
// TMAERR: error: {{.*}}backward-epilogue=tma-store: the TMA-store epilogue is not built with block_q 128 and a #fa.window
// CHECK-LABEL: func.func @written_masked
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @written_masked
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @written_masked(%q: tensor<1x4x1000x64xf16>, %kv: tensor<1x2x1000x64xf16>,
    %lse: tensor<1x4x1000xf32>, %m: tensor<1x4x1000x1000xi1>)
    -> (tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>,
          tensor<1x2x1000x64xf16>, tensor<1x4x1000x64xf16>, tensor<1x4x1000x64xf16>, tensor<1x4x1000xf32>)
      mask(%m : tensor<1x4x1000x1000xi1>)
      outs(%q, %kv, %kv : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>)
      {causal, deterministic, window = #fa.window<left = 200, right = 0>,
       tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xf16>, tensor<1x2x1000x64xf16>, tensor<1x2x1000x64xf16>
}

// -----

// The model's pick beside a window, causal: block_q 128 with the direct
// stores; the TMA store asked for keeps block_q 64 there (D108's rule,
// kept with a window by D130).
// CHECK-LABEL: func.func @model_window
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// TMA-LABEL: func.func @model_window
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>
// TMA-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// DIRECT-LABEL: func.func @model_window
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// DIRECT-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @model_window(%q: tensor<4x32x4096x64xbf16>, %lse: tensor<4x32x4096xf32>)
    -> (tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>,
          tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096xf32>)
      outs(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
      {causal, deterministic, window = #fa.window<left = 1024, right = 0>}
      -> tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>
}
