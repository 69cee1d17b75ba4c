// #fa.backward_schedule and the deterministic attribute of fa.attention_grad
// print and parse back; fields at their default (dq = separate) are not
// printed.
// RUN: fa-opt %s | fa-opt | FileCheck %s

// CHECK-LABEL: func.func @attrs
// CHECK-SAME: a = #fa.backward_schedule<kernel = simt>
// CHECK-SAME: b = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-SAME: c = #fa.backward_schedule<kernel = wgmma, dq = ordered>
func.func @attrs() attributes {
    a = #fa.backward_schedule<kernel = simt, dq = separate>,
    b = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
    c = #fa.backward_schedule<kernel = wgmma, dq = ordered>} {
  return
}

// CHECK-LABEL: func.func @op
// CHECK: fa.attention_grad
// CHECK-SAME: {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
func.func @op(%q: tensor<1x2x16x64xbf16>, %k: tensor<1x2x16x64xbf16>,
    %l: tensor<1x2x16xf32>) -> (tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>,
             tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16xf32>)
         outs(%q, %k, %k : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>)
         {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
          tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
         -> tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>
}
