// A written schedule is kept (and its tiling chosen) where the options ask
// for nothing (`auto`) or for what it has; an option that asks for another
// value is an error (select-tiling-schedule-conflicts.mlir, D113).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma | FileCheck %s
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store backward-in-flight=dk block-mask-walk=compacted" \
// RUN:   | FileCheck %s

// CHECK-LABEL: func.func @grad_written
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk, epilogue = tma_store>
// CHECK-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk, epilogue = tma_store>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// CHECK-LABEL: func.func @written
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>
func.func @written(%q: tensor<1x2x1000x64xbf16>, %bm: tensor<1x2x8x8xi8>,
    %o: tensor<1x2x1000x64xbf16>) -> tensor<1x2x1000x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x64xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>}
       -> tensor<1x2x1000x64xbf16>
  return %r : tensor<1x2x1000x64xbf16>
}
