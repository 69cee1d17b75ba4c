// The cost model counts only the blocks a #fa.window leaves (docs/CostModel.md,
// "Sliding windows"): explain reports the density (computed (q-block,
// kv-block) pairs over all pairs of the winner's tiling), and the choice
// moves with the window: on the h200 at N = 8192, d = 128, the wgmma kernel
// takes 128x160 for dense causal, 128x128 for a causal window of 1024 and
// 64x16 for one of 64 (fewer keys per row than a wide block holds).
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h200 \
// RUN:   --fa-select-tiling="kernel=wgmma explain" 2>&1 | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h200 \
// RUN:   --fa-select-tiling="kernel=wgmma" | FileCheck %s --check-prefix=IR

// CHECK: remark: fa-select-tiling (model): 128x160, 2 stages, 8 warps wins
// CHECK-NOT: density
// IR-LABEL: func.func @dense_causal
// IR: tiling = #fa.tiling<block_q = 128, block_kv = 160, stages = 2, warps = 8>
func.func @dense_causal(%q: tensor<1x16x8192x128xbf16>, %o: tensor<1x16x8192x128xbf16>)
    -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       outs(%o : tensor<1x16x8192x128xbf16>) {causal} -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

// -----

// 128x128: q-block i computes blocks i - 8 .. i, 9 (fewer for the first 8)
// of 64: (9 * 64 - 36) / 4096 = 0.1318.
// CHECK: remark: fa-select-tiling (model): 128x128, 2 stages, 8 warps wins
// CHECK: note: density 0.1318: 128x128, 2 stages, 8 warps computes 0.1318 of the (q-block, kv-block) pairs
// IR-LABEL: func.func @window_1024
// IR: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// IR-SAME: window = #fa.window<left = 1024, right = 0>
func.func @window_1024(%q: tensor<1x16x8192x128xbf16>, %o: tensor<1x16x8192x128xbf16>)
    -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       outs(%o : tensor<1x16x8192x128xbf16>) {causal, window = #fa.window<left = 1024, right = 0>}
       -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

// -----

// CHECK: remark: fa-select-tiling (model): 64x16, 2 stages, 4 warps wins
// CHECK: note: density
// IR-LABEL: func.func @window_64
// IR: tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 2, warps = 4>
func.func @window_64(%q: tensor<1x16x8192x128xbf16>, %o: tensor<1x16x8192x128xbf16>)
    -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       outs(%o : tensor<1x16x8192x128xbf16>) {causal, window = #fa.window<left = 64, right = 0>}
       -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

// -----

// A tiling given by hand is explained with its density: 64 x 64 blocks, a
// window of 100 left and 20 right at N = 1024: q-block i computes the
// blocks of keys 64 i - 100 .. 64 i + 83, i - 2 .. i + 1 within 0 .. 15:
// 2 + 3 + 13 * 4 + 3 = 60 of 256 pairs.
// CHECK: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
// CHECK-SAME: density 0.2344: 64x64, 2 stages, 4 warps computes 0.2344
func.func @given(%q: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>)
    -> tensor<1x2x1024x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
       outs(%o : tensor<1x2x1024x64xbf16>)
       {window = #fa.window<left = 100, right = 20>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x2x1024x64xbf16>
  return %r : tensor<1x2x1024x64xbf16>
}
