// The wgmma backward's ring at Nq = 2^31 - 1, D = 128, two heads: the tensor map over its f32 dQ
// accumulator (D79) has a batch stride of 2^41 - 1024 bytes, which fa-compile now refuses (D86).
// Session 10's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @grad(%q: tensor<1x2x2147483647x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>, %o: tensor<1x2x2147483647x128xbf16>, %do: tensor<1x2x2147483647x128xbf16>, %lse: tensor<1x2x2147483647xf32>, %dq: tensor<1x2x2147483647x128xbf16>, %dk: tensor<1x2x128x128xbf16>, %dv: tensor<1x2x128x128xbf16>)
    -> (tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>,
      tensor<1x2x128x128xbf16>, tensor<1x2x2147483647x128xbf16>, tensor<1x2x2147483647x128xbf16>, tensor<1x2x2147483647xf32>)
      outs(%dq, %dk, %dv : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>)
      -> tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>
}
