// Issue 27: item 2, a hand-written tiling the mma-sync conversion would unroll for minutes
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @attention(%q: tensor<1x1x128x16384xf16>, %k: tensor<1x1x128x16384xf16>, %v: tensor<1x1x128x16384xf16>, %o: tensor<1x1x128x16384xf16>) -> tensor<1x1x128x16384xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x128x16384xf16>, tensor<1x1x128x16384xf16>, tensor<1x1x128x16384xf16>) outs(%o : tensor<1x1x128x16384xf16>) {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 128, block_kv = 16, stages = 1, warps = 1>} -> tensor<1x1x128x16384xf16>
  return %r : tensor<1x1x128x16384xf16>
}
}
