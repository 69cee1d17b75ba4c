// Issue 27: item 2, D = 2^62 on a hand-written tiling
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
func.func @attention(%q: tensor<1x1x16x4611686018427387904xf16>, %k: tensor<1x1x16x4611686018427387904xf16>, %v: tensor<1x1x16x4611686018427387904xf16>, %o: tensor<1x1x16x4611686018427387904xf16>) -> tensor<1x1x16x4611686018427387904xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x16x4611686018427387904xf16>, tensor<1x1x16x4611686018427387904xf16>, tensor<1x1x16x4611686018427387904xf16>) outs(%o : tensor<1x1x16x4611686018427387904xf16>) {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x1x16x4611686018427387904xf16>
  return %r : tensor<1x1x16x4611686018427387904xf16>
}
}
