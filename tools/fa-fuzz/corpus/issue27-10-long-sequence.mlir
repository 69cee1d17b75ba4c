// Issue 27: item 10, fa-select-tiling's time at Nq = 2^31 - 1
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention(%q: tensor<1x1x2147483647x64xbf16>, %k: tensor<1x1x1024x64xbf16>, %v: tensor<1x1x1024x64xbf16>, %o: tensor<1x1x2147483647x64xbf16>) -> tensor<1x1x2147483647x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) outs(%o : tensor<1x1x2147483647x64xbf16>) {} -> tensor<1x1x2147483647x64xbf16>
  return %r : tensor<1x1x2147483647x64xbf16>
}
}
