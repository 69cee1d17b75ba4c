// D = 256 (the column split) with a butterfly and global tokens (D75's patterns on the wgmma backward), GQA 8/1.
// Session 9's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @attention_grad(%q: tensor<1x8x777x256xbf16>, %k: tensor<1x1x777x256xbf16>, %v: tensor<1x1x777x256xbf16>, %o: tensor<1x8x777x256xbf16>, %do: tensor<1x8x777x256xbf16>, %lse: tensor<1x8x777xf32>, %dq: tensor<1x8x777x256xbf16>, %dk: tensor<1x1x777x256xbf16>, %dv: tensor<1x1x777x256xbf16>) -> (tensor<1x8x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x1x777x256xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x8x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x8x777x256xbf16>, tensor<1x8x777x256xbf16>, tensor<1x8x777xf32>)
       outs(%dq, %dk, %dv : tensor<1x8x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x1x777x256xbf16>) {scale = 0.125 : f32, mask_pattern = #fa.mask_pattern<butterfly = 64, global = 16>} -> tensor<1x8x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x1x777x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x777x256xbf16>, tensor<1x1x777x256xbf16>, tensor<1x1x777x256xbf16>
}
