// The refusals of the ordered dQ's turns passed after the score products
// (D115): dq-pass=after-scores concerns the wgmma kernel's ordered dQ and
// is an error where its op cannot take it: the column split (D = 256, its
// dQ by atomics), one buffer (a given tiling of stages 1); a written
// schedule with a one-buffer tiling is an error of fa-select-tiling too.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma deterministic dq-pass=after-scores" -verify-diagnostics

func.func @negative_column_split(%q: tensor<1x4x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: dq-pass=after-scores: passing the turns after the score products is built on the row split's bulk reductions (D = Dv up to 128), not the column split's atomics}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>,
          tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>)
      {causal}
      -> tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
}

// -----

func.func @negative_one_buffer(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: dq-pass=after-scores: passing the turns after the score products is the TMA ring's (stages 2), not one buffer's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_written_one_buffer(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{cannot pass the ordered dQ's turns after the score products: passing the turns after the score products is the TMA ring's (stages 2), not one buffer's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
