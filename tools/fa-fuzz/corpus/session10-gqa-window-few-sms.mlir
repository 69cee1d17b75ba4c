// GQA 4/1 with a causal sliding window on a target of 3 SMs: the L2
// estimate's wave shares wrap from one query head's last q-blocks to the
// next one's first, two bands apart (D86).
// Session 10's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 3, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @window_gqa(%q: tensor<2x8x4000x64xbf16>, %k: tensor<2x2x4064x64xbf16>, %o: tensor<2x8x4000x64xbf16>)
    -> tensor<2x8x4000x64xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<2x8x4000x64xbf16>, tensor<2x2x4064x64xbf16>, tensor<2x2x4064x64xbf16>)
       outs(%o : tensor<2x8x4000x64xbf16>) {causal, window = #fa.window<left = 300, right = 0>}
       -> tensor<2x8x4000x64xbf16>
  return %r : tensor<2x8x4000x64xbf16>
}
}
