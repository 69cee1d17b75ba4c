// fa-select-tiling's refusals of backward-launch-chunk on an op (D133):
// a chunk over 1 with ordered dQ (a deterministic op: ordered dQ launches
// the kv-blocks last first for its turns), and beside the persistent
// kernel asked for. (Accepted cases and a chunk out of range:
// select-tiling-backward-launch-chunk.mlir; the attribute's own refusals:
// backward-schedule-attr-invalid.mlir.)
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4 backward-persistent=on" -verify-diagnostics

func.func @ordered(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-launch-chunk=4 needs atomic dQ: ordered dQ launches the kv-blocks last first for its turns}}
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {causal, deterministic}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}

// -----

func.func @persistent(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-launch-chunk=4 is not built with backward-persistent=on (the persistent kernel walks its own tiles)}}
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {causal}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}
