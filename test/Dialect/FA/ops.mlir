// RUN: fa-opt %s -split-input-file | fa-opt -split-input-file | FileCheck %s
// Round trip: what fa-opt prints, fa-opt parses back to the same IR.

// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[Q:.+]]: tensor<2x8x128x64xf16>, %[[K:.+]]: tensor<2x8x128x64xf16>, %[[V:.+]]: tensor<2x8x128x64xf16>, %[[O:.+]]: tensor<2x8x128x64xf16>)
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>) outs(%[[O]] : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
func.func @plain(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x128x64xf16>,
                 %v: tensor<2x8x128x64xf16>, %o: tensor<2x8x128x64xf16>)
    -> tensor<2x8x128x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>)
       outs(%o : tensor<2x8x128x64xf16>) -> tensor<2x8x128x64xf16>
  return %r : tensor<2x8x128x64xf16>
}

// -----

// CHECK-LABEL: func.func @gqa_causal_bias_lse
// CHECK: %{{.+}}:2 = fa.attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x32xbf16>)
// CHECK-SAME: mask(%{{.+}} : tensor<1x1x100x300xf32>)
// CHECK-SAME: outs(%{{.+}}, %{{.+}} : tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>)
// CHECK-SAME: causal
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-SAME: -> tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>
func.func @gqa_causal_bias_lse(%q: tensor<1x8x100x64xbf16>, %k: tensor<1x2x300x64xbf16>,
    %v: tensor<1x2x300x32xbf16>, %bias: tensor<1x1x100x300xf32>,
    %o: tensor<1x8x100x32xbf16>, %lse: tensor<1x8x100xf32>)
    -> (tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x8x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x32xbf16>)
         mask(%bias : tensor<1x1x100x300xf32>)
         outs(%o, %lse : tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>)
         {causal, scale = 0.125 : f32} -> tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>
  return %r#0, %r#1 : tensor<1x8x100x32xbf16>, tensor<1x8x100xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_keep_mask_tiling
// CHECK: fa.attention
// CHECK-SAME: mask(%{{.+}} : tensor<?x1x?x?xi1>)
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
func.func @dynamic_keep_mask_tiling(%q: tensor<?x4x?x128xf32>, %k: tensor<?x4x?x128xf32>,
    %v: tensor<?x4x?x128xf32>, %m: tensor<?x1x?x?xi1>, %o: tensor<?x4x?x128xf32>)
    -> tensor<?x4x?x128xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<?x4x?x128xf32>, tensor<?x4x?x128xf32>, tensor<?x4x?x128xf32>)
       mask(%m : tensor<?x1x?x?xi1>) outs(%o : tensor<?x4x?x128xf32>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<?x4x?x128xf32>
  return %r : tensor<?x4x?x128xf32>
}

// -----

// CHECK: module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>}
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
}

// -----

// The kernel's alignment requirement on a memref argument.
// CHECK-LABEL: func.func @aligned_argument
// CHECK-SAME: (%{{.*}}: memref<2x8x128x64xf16> {fa.align = 16 : i64})
func.func @aligned_argument(%q: memref<2x8x128x64xf16> {fa.align = 16 : i64}) {
  return
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: {{.+}}, %[[K:[a-z0-9]+]]: {{.+}}, %[[V:[a-z0-9]+]]: {{.+}}, %[[O:[a-z0-9]+]]: {{.+}}, %[[DO:[a-z0-9]+]]: {{.+}}, %[[L:[a-z0-9]+]]: {{.+}}, %[[DQ:[a-z0-9]+]]: {{.+}}, %[[DK:[a-z0-9]+]]: {{.+}}, %[[DV:[a-z0-9]+]]: {{.+}})
// CHECK: %{{.+}}:3 = fa.attention_grad ins(%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]] : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>, tensor<2x8x128x32xf16>, tensor<2x8x128x32xf16>, tensor<2x8x128xf32>)
// CHECK-SAME: outs(%[[DQ]], %[[DK]], %[[DV]] : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>)
// CHECK-SAME: -> tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>
func.func @grad(%q: tensor<2x8x128x64xf16>, %k: tensor<2x8x256x64xf16>, %v: tensor<2x8x256x32xf16>,
    %o: tensor<2x8x128x32xf16>, %do: tensor<2x8x128x32xf16>, %l: tensor<2x8x128xf32>,
    %dq: tensor<2x8x128x64xf16>, %dk: tensor<2x8x256x64xf16>, %dv: tensor<2x8x256x32xf16>)
    -> (tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>,
             tensor<2x8x256x32xf16>, tensor<2x8x128x32xf16>, tensor<2x8x128x32xf16>, tensor<2x8x128xf32>)
         outs(%dq, %dk, %dv : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>)
         -> tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x128x64xf16>, tensor<2x8x256x64xf16>, tensor<2x8x256x32xf16>
}

// -----

// GQA, dynamic batch and lengths, a broadcast bf16 bias with its gradient,
// causal, scale and tiling.
// CHECK-LABEL: func.func @grad_gqa_dynamic_bias
// CHECK: %{{.+}}:4 = fa.attention_grad ins({{.+}} : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>)
// CHECK-SAME: mask(%{{.+}} : tensor<1x8x1x?xbf16>)
// CHECK-SAME: outs({{.+}} : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x1x?xbf16>)
// CHECK-SAME: causal
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
func.func @grad_gqa_dynamic_bias(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>,
    %v: tensor<?x2x?x64xbf16>, %o: tensor<?x8x?x64xbf16>, %do: tensor<?x8x?x64xbf16>,
    %l: tensor<?x8x?xf32>, %bias: tensor<1x8x1x?xbf16>, %dq: tensor<?x8x?x64xbf16>,
    %dk: tensor<?x2x?x64xbf16>, %dv: tensor<?x2x?x64xbf16>, %db: tensor<1x8x1x?xbf16>)
    -> (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x1x?xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>,
             tensor<?x2x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>)
         mask(%bias : tensor<1x8x1x?xbf16>)
         outs(%dq, %dk, %dv, %db : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x1x?xbf16>)
         {causal, scale = 0.125 : f32,
          tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}
         -> tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x1x?xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x8x1x?xbf16>
}

// -----

// The buffer form (what one-shot bufferization makes of it): no results.
// CHECK-LABEL: func.func @grad_buffers
// CHECK: fa.attention_grad ins({{.+}}) mask(%{{.+}} : memref<2x1x16x32xi1>) outs({{.+}} : memref<2x4x16x8xf32>, memref<2x4x32x8xf32>, memref<2x4x32x8xf32>)
// CHECK-NOT: ->
func.func @grad_buffers(%q: memref<2x4x16x8xf32>, %k: memref<2x4x32x8xf32>, %v: memref<2x4x32x8xf32>,
    %o: memref<2x4x16x8xf32>, %do: memref<2x4x16x8xf32>, %l: memref<2x4x16xf32>, %m: memref<2x1x16x32xi1>,
    %dq: memref<2x4x16x8xf32>, %dk: memref<2x4x32x8xf32>, %dv: memref<2x4x32x8xf32>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %l : memref<2x4x16x8xf32>, memref<2x4x32x8xf32>,
      memref<2x4x32x8xf32>, memref<2x4x16x8xf32>, memref<2x4x16x8xf32>, memref<2x4x16xf32>)
      mask(%m : memref<2x1x16x32xi1>)
      outs(%dq, %dk, %dv : memref<2x4x16x8xf32>, memref<2x4x32x8xf32>, memref<2x4x32x8xf32>)
  return
}

// -----

// The extreme scales the verifier accepts: scale * log2(e) and 1 / scale are
// still finite f32 (test/Dialect/FA/invalid.mlir has the ones just past).
// CHECK-LABEL: func.func @extreme_scales
// CHECK: scale = 2.350000e+38 : f32
// CHECK: scale = 3.000000e-39 : f32
func.func @extreme_scales(%q: tensor<1x1x16x16xf16>) -> (tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>) {
  %a = fa.attention ins(%q, %q, %q : tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>)
       outs(%q : tensor<1x1x16x16xf16>) {scale = 2.35e38 : f32} -> tensor<1x1x16x16xf16>
  %b = fa.attention ins(%q, %q, %q : tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>)
       outs(%q : tensor<1x1x16x16xf16>) {scale = 3.0e-39 : f32} -> tensor<1x1x16x16xf16>
  return %a, %b : tensor<1x1x16x16xf16>, tensor<1x1x16x16xf16>
}
