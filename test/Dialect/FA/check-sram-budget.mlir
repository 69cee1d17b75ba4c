// RUN: fa-opt %s -split-input-file --fa-check-sram-budget=kernel=tensor-core | FileCheck %s

// Within budget (h100, 232448 B per block): the IR passes unchanged.
// 128*128*2 + 2 * 2 * 128*128*2 = 163840 B fits 232448 B but not 49152 B.
// CHECK-LABEL: func.func @fits
// CHECK: fa.attention
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
module attributes {fa.target = #fa.target<arch = "sm_90a",
    sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
    tensor_tflops = 989>} {
func.func @fits(%q: tensor<1x1x1024x128xbf16>, %k: tensor<1x1x1024x128xbf16>,
                %v: tensor<1x1x1024x128xbf16>) -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}
}

// -----

// No tiling yet: nothing to check, no target needed.
// CHECK-LABEL: func.func @untiled
func.func @untiled(%q: tensor<1x1x64x64xf16>, %k: tensor<1x1x64x64xf16>,
                   %v: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %init = tensor.empty() : tensor<1x1x64x64xf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>,
                        tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>)
       outs(%init : tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  return %o : tensor<1x1x64x64xf16>
}
