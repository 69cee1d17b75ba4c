// RUN: fa-opt %s -split-input-file --fa-check-sram-budget=kernel=tensor-core -verify-diagnostics

// 128*128*2 + 2 * 2 * 128*128*2 = 163840 B against a 48 KiB budget.
module attributes {fa.target = #fa.target<arch = "sm_90a",
    sram_per_block = 49152, sram_per_sm = 233472, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
    tensor_tflops = 989>} {
func.func @negative_over_budget(%q: tensor<1x1x1024x128xbf16>,
    %k: tensor<1x1x1024x128xbf16>, %v: tensor<1x1x1024x128xbf16>)
    -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  // expected-error @below {{'fa.attention' op tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> needs 163840 bytes of shared memory per block but the target (sm_90a) allows 49152}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}
}

// -----

func.func @negative_tiled_without_target(%q: tensor<1x1x64x64xf16>,
    %k: tensor<1x1x64x64xf16>, %v: tensor<1x1x64x64xf16>)
    -> tensor<1x1x64x64xf16> {
  %init = tensor.empty() : tensor<1x1x64x64xf16>
  // expected-error @below {{'fa.attention' op has a tiling but no #fa.target on the enclosing module to check it against; run fa-set-target}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>,
                        tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>)
       outs(%init : tensor<1x1x64x64xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
       -> tensor<1x1x64x64xf16>
  return %o : tensor<1x1x64x64xf16>
}
