// Issue 27: item 6, B = 65536 (gridDim.z)
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention(%q: tensor<65536x1x64x64xf16>, %k: tensor<65536x1x64x64xf16>, %v: tensor<65536x1x64x64xf16>, %o: tensor<65536x1x64x64xf16>) -> tensor<65536x1x64x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<65536x1x64x64xf16>, tensor<65536x1x64x64xf16>, tensor<65536x1x64x64xf16>) outs(%o : tensor<65536x1x64x64xf16>) {} -> tensor<65536x1x64x64xf16>
  return %r : tensor<65536x1x64x64xf16>
}
}
