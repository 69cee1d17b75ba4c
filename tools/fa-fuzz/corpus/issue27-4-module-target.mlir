// Issue 27: item 4, the module's own sm_80 target
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @attention(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>, %o: tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) outs(%o : tensor<1x2x128x64xbf16>) {causal} -> tensor<1x2x128x64xbf16>
  return %r : tensor<1x2x128x64xbf16>
}
}
