// The forward's compacted walk on the wgmma kernel: GQA 8/2, causal with
// Nq < Nk (the masked-step split's counts in the list), 64 x 256 mask
// blocks, a broadcast batch; no tiling, so fa-select-tiling decides it.
// Session 14's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @walk_gqa_causal(%q: tensor<2x8x777x64xbf16>, %k: tensor<2x2x1500x64xbf16>,
    %bm: tensor<1x8x13x6xi8>, %o: tensor<2x8x777x64xbf16>) -> tensor<2x8x777x64xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<2x8x777x64xbf16>, tensor<2x2x1500x64xbf16>, tensor<2x2x1500x64xbf16>)
       block_mask(%bm : tensor<1x8x13x6xi8>) outs(%o : tensor<2x8x777x64xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 256>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>}
       -> tensor<2x8x777x64xbf16>
  return %r : tensor<2x8x777x64xbf16>
}
}
