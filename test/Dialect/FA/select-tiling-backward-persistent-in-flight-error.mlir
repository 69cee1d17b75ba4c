// The persistent kernel with dK in flight asked for by option (D114): an
// error (a written schedule with both is the attribute's error,
// backward-schedule-attr-invalid.mlir).
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-in-flight=dk backward-persistent=on" -verify-diagnostics

func.func @negative_in_flight(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-persistent=on: the persistent kernel does not leave dK in flight}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {causal}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
