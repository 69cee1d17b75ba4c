// The wgmma backward's wide q-block (block_q 128 at D = 64, D104: a GQA
// group of 4, causal with Nq != Nk, a keep-mask) and the TMA-store
// epilogue for dK and dV (D107: D = 128, ordered dQ), both written, side
// by side: the mutations move block_q, stages, dq, in_flight and epilogue
// between them, and the sizes off D = 64.
// Session 15's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @wide(%q: tensor<1x8x1000x64xbf16>, %k: tensor<1x2x700x64xbf16>,
    %lse: tensor<1x8x1000xf32>, %m: tensor<1x1x1000x700xi1>)
    -> (tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %k, %k, %q, %q, %lse : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>,
          tensor<1x2x700x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000xf32>)
      mask(%m : tensor<1x1x1000x700xi1>)
      outs(%q, %k, %k : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>,
       tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
      -> tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
}

func.func @tma_store(%q: tensor<1x4x300x128xbf16>, %lse: tensor<1x4x300xf32>)
    -> (tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>,
          tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300xf32>)
      outs(%q, %q, %q : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>)
      {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.0883883 : f32}
      -> tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>
}
