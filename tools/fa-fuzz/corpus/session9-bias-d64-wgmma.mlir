// An additive bias with dBias on the wgmma backward (D = 64, the only head dim it takes a bias at), causal Nq != Nk.
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @attention_grad(%q: tensor<1x2x100x64xbf16>, %k: tensor<1x2x300x64xbf16>, %v: tensor<1x2x300x64xbf16>, %o: tensor<1x2x100x64xbf16>, %do: tensor<1x2x100x64xbf16>, %lse: tensor<1x2x100xf32>, %mask: tensor<1x1x100x300xbf16>, %dq: tensor<1x2x100x64xbf16>, %dk: tensor<1x2x300x64xbf16>, %dv: tensor<1x2x300x64xbf16>, %dbias: tensor<1x1x100x300xbf16>) -> (tensor<1x2x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x1x100x300xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100xf32>) mask(%mask : tensor<1x1x100x300xbf16>)
       outs(%dq, %dk, %dv, %dbias : tensor<1x2x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x1x100x300xbf16>) {causal, scale = 0.125 : f32} -> tensor<1x2x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x1x100x300xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x2x100x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x1x100x300xbf16>
}
