// The wgmma backward's TMA ring with a runtime block mask and ordered dQ (D75), D = 128, GQA 4/2, N = 1000.
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @attention_grad(%q: tensor<1x4x1000x128xbf16>, %k: tensor<1x2x1000x128xbf16>, %v: tensor<1x2x1000x128xbf16>, %o: tensor<1x4x1000x128xbf16>, %do: tensor<1x4x1000x128xbf16>, %lse: tensor<1x4x1000xf32>, %bm: tensor<1x4x8x8xi8>, %dq: tensor<1x4x1000x128xbf16>, %dk: tensor<1x2x1000x128xbf16>, %dv: tensor<1x2x1000x128xbf16>) -> (tensor<1x4x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x4x1000x128xbf16>, tensor<1x4x1000x128xbf16>, tensor<1x4x1000xf32>) block_mask(%bm : tensor<1x4x8x8xi8>)
       outs(%dq, %dk, %dv : tensor<1x4x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>) {deterministic, causal, scale = 0.125 : f32, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>} -> tensor<1x4x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>
}
