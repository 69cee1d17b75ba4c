// A hand-written column-split ring (D = 256, block 64 x 64, stages 2, ordered dQ).
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @attention_grad(%q: tensor<1x2x200x256xbf16>, %k: tensor<1x2x130x256xbf16>, %v: tensor<1x2x130x256xbf16>, %o: tensor<1x2x200x256xbf16>, %do: tensor<1x2x200x256xbf16>, %lse: tensor<1x2x200xf32>, %dq: tensor<1x2x200x256xbf16>, %dk: tensor<1x2x130x256xbf16>, %dv: tensor<1x2x130x256xbf16>) -> (tensor<1x2x200x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x130x256xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x200x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x200x256xbf16>, tensor<1x2x200x256xbf16>, tensor<1x2x200xf32>)
       outs(%dq, %dk, %dv : tensor<1x2x200x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x130x256xbf16>) {deterministic, causal, scale = 0.125 : f32, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x2x200x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x130x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x200x256xbf16>, tensor<1x2x130x256xbf16>, tensor<1x2x130x256xbf16>
}
}
