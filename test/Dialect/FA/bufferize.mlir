// RUN: fa-opt %s -split-input-file --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s
// One-shot bufferization of the fa ops (BufferizableOpInterface): the op is
// rebuilt on memrefs with no results, its inits written in place (the
// function's result buffers, no copy), its attributes kept.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[Q:.+]]: memref<1x2x16x8xf16>, %[[K:.+]]: memref<1x2x32x8xf16>, %[[V:.+]]: memref<1x2x32x8xf16>, %[[O:.+]]: memref<1x2x16x8xf16>, %[[L:.+]]: memref<1x2x16xf32>)
// CHECK-NOT: memref.copy
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : {{.+}}) outs(%[[O]], %[[L]] : memref<1x2x16x8xf16>, memref<1x2x16xf32>) {causal, my.tag, scale = 5.000000e-01 : f32}
// CHECK-NOT: ->
// CHECK: return %[[O]], %[[L]]
func.func @forward(%q: tensor<1x2x16x8xf16>, %k: tensor<1x2x32x8xf16>,
    %v: tensor<1x2x32x8xf16>, %o: tensor<1x2x16x8xf16>, %l: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf16>, tensor<1x2x16xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x2x16x8xf16>, tensor<1x2x32x8xf16>, tensor<1x2x32x8xf16>)
         outs(%o, %l : tensor<1x2x16x8xf16>, tensor<1x2x16xf32>)
         {causal, scale = 0.5 : f32, my.tag} -> tensor<1x2x16x8xf16>, tensor<1x2x16xf32>
  return %r#0, %r#1 : tensor<1x2x16x8xf16>, tensor<1x2x16xf32>
}

// -----

// CHECK-LABEL: func.func @grad_gqa_bias
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: memref<1x4x16x8xbf16>, %[[K:[a-z0-9]+]]: memref<1x2x32x8xbf16>, %[[V:[a-z0-9]+]]: memref<1x2x32x8xbf16>, %[[O:[a-z0-9]+]]: memref<1x4x16x8xbf16>, %[[DO:[a-z0-9]+]]: memref<1x4x16x8xbf16>, %[[L:[a-z0-9]+]]: memref<1x4x16xf32>, %[[B:[a-z0-9]+]]: memref<1x1x16x32xf32>, %[[DQ:[a-z0-9]+]]: memref<1x4x16x8xbf16>, %[[DK:[a-z0-9]+]]: memref<1x2x32x8xbf16>, %[[DV:[a-z0-9]+]]: memref<1x2x32x8xbf16>, %[[DB:[a-z0-9]+]]: memref<1x1x16x32xf32>)
// CHECK-NOT: memref.copy
// CHECK: fa.attention_grad ins(%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]] : {{.+}}) mask(%[[B]] : memref<1x1x16x32xf32>) outs(%[[DQ]], %[[DK]], %[[DV]], %[[DB]] : {{.+}}) {causal, tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>}
// CHECK-NOT: ->
// CHECK: return %[[DQ]], %[[DK]], %[[DV]], %[[DB]]
func.func @grad_gqa_bias(%q: tensor<1x4x16x8xbf16>, %k: tensor<1x2x32x8xbf16>,
    %v: tensor<1x2x32x8xbf16>, %o: tensor<1x4x16x8xbf16>, %do: tensor<1x4x16x8xbf16>,
    %l: tensor<1x4x16xf32>, %bias: tensor<1x1x16x32xf32>, %dq: tensor<1x4x16x8xbf16>,
    %dk: tensor<1x2x32x8xbf16>, %dv: tensor<1x2x32x8xbf16>, %db: tensor<1x1x16x32xf32>)
    -> (tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>,
             tensor<1x2x32x8xbf16>, tensor<1x4x16x8xbf16>, tensor<1x4x16x8xbf16>, tensor<1x4x16xf32>)
         mask(%bias : tensor<1x1x16x32xf32>)
         outs(%dq, %dk, %dv, %db : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>)
         {causal, tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>}
         -> tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>
}
