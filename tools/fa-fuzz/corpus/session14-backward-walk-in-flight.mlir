// The wgmma backward's compacted walk (a GQA group of 4 with a block mask,
// written ring tiling) and dK in flight (no block mask), side by side: the
// mutations move walk and in_flight between them.
// Session 14's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @walk(%q: tensor<1x8x1000x64xbf16>, %k: tensor<1x2x700x64xbf16>,
    %lse: tensor<1x8x1000xf32>, %bm: tensor<1x8x8x6xi8>)
    -> (tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %k, %k, %q, %q, %lse : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>,
          tensor<1x2x700x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000xf32>)
      block_mask(%bm : tensor<1x8x8x6xi8>)
      outs(%q, %k, %k : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
}

func.func @in_flight(%q: tensor<1x4x300x128xbf16>, %lse: tensor<1x4x300xf32>)
    -> (tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>,
          tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300xf32>)
      outs(%q, %q, %q : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>)
      {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, in_flight = dk>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>
}
