// The split group's refusals (D119): backward-gqa=split concerns the wgmma
// kernel of a GQA op and is an error where the op cannot take it: the
// column split (D = 256), ordered dQ (a deterministic op: the adds of dK and
// dV are not ordered), a bias gradient; a written schedule is checked by
// fa-select-tiling too. (The options asked for beside it, the TMA-store
// epilogue, the persistent kernel, the compacted walk:
// select-tiling-backward-gqa-options.mlir.)
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-gqa=split" -verify-diagnostics

func.func @negative_column_split(%q: tensor<1x4x1024x256xbf16>, %kv: tensor<1x2x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-gqa=split: the split group is built on the row split (D = Dv up to 128), not the column split's}}
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x256xbf16>, tensor<1x2x1024x256xbf16>,
          tensor<1x2x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>)
      {causal}
      -> tensor<1x4x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
}

// -----

func.func @negative_deterministic(%q: tensor<1x4x1024x128xbf16>, %kv: tensor<1x2x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-gqa=split: the split group adds dK and dV in no fixed order: it is not deterministic (dq = atomic only)}}
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>,
          tensor<1x2x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
      {deterministic}
      -> tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// -----

func.func @negative_bias_gradient(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x2x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %b: tensor<1x4x1x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>) {
  // expected-error @below {{fa-select-tiling: backward-gqa=split: the split group is not built with a bias gradient}}
  %r:4 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>,
          tensor<1x2x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      mask(%b : tensor<1x4x1x1024xf32>)
      outs(%q, %kv, %kv, %b : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>)
      {}
      -> tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>
}

// -----

func.func @negative_written_bias_gradient(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x2x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %b: tensor<1x4x1x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>) {
  // expected-error @below {{cannot split the group: the split group is not built with a bias gradient}}
  %r:4 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>,
          tensor<1x2x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      mask(%b : tensor<1x4x1x1024xf32>)
      outs(%q, %kv, %kv, %b : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x4x1x1024xf32>
}
