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
