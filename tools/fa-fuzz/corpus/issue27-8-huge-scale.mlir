// Issue 27: item 8, scale * log2(e) overflows f32
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention(%q: tensor<1x1x64x64xf16>, %k: tensor<1x1x64x64xf16>, %v: tensor<1x1x64x64xf16>, %o: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) outs(%o : tensor<1x1x64x64xf16>) {scale = 3.0e+38 : f32} -> tensor<1x1x64x64xf16>
  return %r : tensor<1x1x64x64xf16>
}
}
