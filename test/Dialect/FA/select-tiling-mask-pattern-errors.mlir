// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" -verify-diagnostics
// Both tensor-core backwards (through BlockClassifier's lists) refuse a
// pattern with ordered (deterministic) dQ, whose turns are the causal and
// window bounds' (a schedule written with the op overrides kernel=wgmma).
// The forward kernels build every pattern
// (select-tiling-mask-pattern-kernels.mlir).

func.func @negative_wgmma_ordered(%q: tensor<1x2x256x64xf16>, %lse: tensor<1x2x256xf32>) -> (tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) {
  // expected-error @+1 {{cannot use the wgmma backward kernel: a #fa.mask_pattern with ordered (deterministic) dQ is not built: the kv-blocks' turns follow the causal and window bounds, not the pattern's block lists (use dq=atomic, or kernel=simt)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
      {causal, deterministic, mask_pattern = #fa.mask_pattern<chunk = 64>}
      -> tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
}

// -----

func.func @negative_ordered(%q: tensor<1x2x256x64xf16>, %lse: tensor<1x2x256xf32>) -> (tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) {
  // expected-error @+1 {{cannot use the mma-sync backward kernel: a #fa.mask_pattern with ordered (deterministic) dQ is not built: the kv-blocks' turns follow the causal and window bounds, not the pattern's block lists (use dq=atomic, or kernel=simt)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
      {mask_pattern = #fa.mask_pattern<butterfly = 64, global = 8>,
       schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>}
      -> tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>
}
