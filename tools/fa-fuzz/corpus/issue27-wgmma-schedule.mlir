// Issue 27: a hand-written wgmma schedule
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention(%q: tensor<1x2x256x128xbf16>, %k: tensor<1x2x256x128xbf16>, %v: tensor<1x2x256x128xbf16>, %o: tensor<1x2x256x128xbf16>) -> tensor<1x2x256x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>) outs(%o : tensor<1x2x256x128xbf16>) {causal, schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x2x256x128xbf16>
  return %r : tensor<1x2x256x128xbf16>
}
}
