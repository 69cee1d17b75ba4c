// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" -verify-diagnostics
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync" -verify-diagnostics
// The tensor-core forward kernels build a pattern's chunk alone: global
// tokens and a butterfly are refused; the tensor-core backward kernels
// refuse every pattern (only the SIMT kernels, built from the tiled form,
// apply them).

func.func @negative_forward(%q: tensor<1x2x256x64xf16>, %o: tensor<1x2x256x64xf16>) -> tensor<1x2x256x64xf16> {
  // expected-error @+1 {{kernel: a #fa.mask_pattern's global tokens or butterfly are applied only by the simt kernel (the tiled form) so far}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
       outs(%o : tensor<1x2x256x64xf16>) {causal, mask_pattern = #fa.mask_pattern<butterfly = 64>} -> tensor<1x2x256x64xf16>
  return %r : tensor<1x2x256x64xf16>
}

// -----

func.func @negative_forward_global(%q: tensor<1x2x256x64xf16>, %o: tensor<1x2x256x64xf16>) -> tensor<1x2x256x64xf16> {
  // expected-error @+1 {{kernel: a #fa.mask_pattern's global tokens or butterfly are applied only by the simt kernel (the tiled form) so far}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
       outs(%o : tensor<1x2x256x64xf16>) {mask_pattern = #fa.mask_pattern<chunk = 64, global = 8>} -> tensor<1x2x256x64xf16>
  return %r : tensor<1x2x256x64xf16>
}

// -----

func.func @negative_backward(%q: tensor<1x2x256x64xf16>, %lse: tensor<1x2x256xf32>) -> (tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) {
  // expected-error @+1 {{has a #fa.mask_pattern, which only the simt backward kernel applies; select kernel=simt (or auto)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 64>}
      -> tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
}
