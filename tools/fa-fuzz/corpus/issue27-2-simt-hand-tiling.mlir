// Issue 27: item 2, an absurd SIMT tiling
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @attention(%q: tensor<1x2x100x48xf32>, %k: tensor<1x1x77x48xf32>, %v: tensor<1x1x77x48xf32>, %o: tensor<1x2x100x48xf32>) -> tensor<1x2x100x48xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x100x48xf32>, tensor<1x1x77x48xf32>, tensor<1x1x77x48xf32>) outs(%o : tensor<1x2x100x48xf32>) {causal, schedule = #fa.schedule<kernel = simt>, tiling = #fa.tiling<block_q = 65536, block_kv = 3, stages = 16, warps = 32>} -> tensor<1x2x100x48xf32>
  return %r : tensor<1x2x100x48xf32>
}
}
