// The warpgroup's dQ reductions' refusals (D127): backward-dq-reduce=
// warpgroup concerns the wgmma kernel and is an error where its ring has no
// dQ tiles of tensor boxes: one buffer (a given tiling of stages 1; dQ by
// atomics), D = 96 (a warp's 48 columns, one bulk reduction a row), D = 256
// (its ring adds dQ by atomics); a written schedule is checked by
// fa-select-tiling too. (Accepted cases: select-tiling-backward-dq-reduce.mlir.)
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-dq-reduce=warpgroup" -verify-diagnostics

func.func @negative_one_buffer(%q: tensor<1x4x1024x128xbf16>, %v: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-reduce=warpgroup: the warpgroup's dQ reductions are the TMA ring's (stages 2), not one buffer's (dQ by atomics)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %v, %v, %v, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %v : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_row_reductions(%q: tensor<1x4x1024x96xbf16>, %v: tensor<1x4x1024x96xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-reduce=warpgroup: the warpgroup's dQ reductions add tensor boxes of 32 f32 columns; a warp's 48 dQ columns are added a row at a time}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %v, %v, %v, %lse : tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>,
          tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %v : tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>)
      {causal}
      -> tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>, tensor<1x4x1024x96xbf16>
}

// -----

func.func @negative_atomics(%q: tensor<1x4x1024x256xbf16>, %v: tensor<1x4x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-reduce=warpgroup: the warpgroup's dQ reductions need the ring's dQ tiles; at this D its ring adds dQ by atomics}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %v, %v, %v, %lse : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>,
          tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %v : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>)
      {causal}
      -> tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
}

// -----

func.func @negative_written(%q: tensor<1x4x1024x80xbf16>, %v: tensor<1x4x1024x80xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>) {
  // expected-error @below {{cannot add dQ a warpgroup's box at a time: the warpgroup's dQ reductions add tensor boxes of 32 f32 columns; a warp's 40 dQ columns are added a row at a time}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %v, %v, %v, %lse : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>,
          tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %v : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>}
      -> tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>
}
