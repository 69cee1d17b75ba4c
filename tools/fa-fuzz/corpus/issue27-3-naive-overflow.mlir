// Issue 27: item 3, the naive path's byte counts at Nq = 2^31, Nk = 2^31 + 1
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @attention(%q: tensor<1x1x2147483648x1xf32>, %k: tensor<1x1x2147483649x1xf32>, %v: tensor<1x1x2147483649x1xf32>, %o: tensor<1x1x2147483648x1xf32>) -> tensor<1x1x2147483648x1xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x2147483648x1xf32>, tensor<1x1x2147483649x1xf32>, tensor<1x1x2147483649x1xf32>) outs(%o : tensor<1x1x2147483648x1xf32>) {} -> tensor<1x1x2147483648x1xf32>
  return %r : tensor<1x1x2147483648x1xf32>
}
}
