// A hand-written ring schedule (stages 2, dq = ordered) with a block mask, no fa-select-tiling: convert-fa-to-nvgpu on the input's own tiling.
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention_grad(%q: tensor<1x2x512x64xbf16>, %k: tensor<1x2x384x64xbf16>, %v: tensor<1x2x384x64xbf16>, %o: tensor<1x2x512x64xbf16>, %do: tensor<1x2x512x64xbf16>, %lse: tensor<1x2x512xf32>, %bm: tensor<1x1x4x3xi8>, %dq: tensor<1x2x512x64xbf16>, %dk: tensor<1x2x384x64xbf16>, %dv: tensor<1x2x384x64xbf16>) -> (tensor<1x2x512x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x384x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x512x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512xf32>) block_mask(%bm : tensor<1x1x4x3xi8>)
       outs(%dq, %dk, %dv : tensor<1x2x512x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x384x64xbf16>) {deterministic, scale = 0.125 : f32, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x2x512x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x384x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x512x64xbf16>, tensor<1x2x384x64xbf16>, tensor<1x2x384x64xbf16>
}
}
