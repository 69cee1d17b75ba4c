// The column split (D76) at D = 192, Dv = 128 with a 64 x 64 block mask and ordered dQ.
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @attention_grad(%q: tensor<1x2x300x192xbf16>, %k: tensor<1x2x200x192xbf16>, %v: tensor<1x2x200x128xbf16>, %o: tensor<1x2x300x128xbf16>, %do: tensor<1x2x300x128xbf16>, %lse: tensor<1x2x300xf32>, %bm: tensor<1x2x5x4xi8>, %dq: tensor<1x2x300x192xbf16>, %dk: tensor<1x2x200x192xbf16>, %dv: tensor<1x2x200x128xbf16>) -> (tensor<1x2x300x192xbf16>, tensor<1x2x200x192xbf16>, tensor<1x2x200x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x300x192xbf16>, tensor<1x2x200x192xbf16>, tensor<1x2x200x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300xf32>) block_mask(%bm : tensor<1x2x5x4xi8>)
       outs(%dq, %dk, %dv : tensor<1x2x300x192xbf16>, tensor<1x2x200x192xbf16>, tensor<1x2x200x128xbf16>) {deterministic, scale = 0.125 : f32, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>} -> tensor<1x2x300x192xbf16>, tensor<1x2x200x192xbf16>, tensor<1x2x200x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x300x192xbf16>, tensor<1x2x200x192xbf16>, tensor<1x2x200x128xbf16>
}
