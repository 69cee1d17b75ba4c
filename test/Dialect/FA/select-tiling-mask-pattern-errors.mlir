// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" -verify-diagnostics
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync" -verify-diagnostics
// The tensor-core backward kernels refuse every pattern (only the SIMT
// kernels, built from the tiled form, apply them). The forward kernels
// build every pattern (select-tiling-mask-pattern-kernels.mlir).

func.func @negative_backward(%q: tensor<1x2x256x64xf16>, %lse: tensor<1x2x256xf32>) -> (tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) {
  // expected-error @+1 {{has a #fa.mask_pattern, which only the simt backward kernel applies; select kernel=simt (or auto)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 64>}
      -> tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
}
