// The compacted walk's refusals (D94): block-mask-walk=compacted concerns
// the wgmma ring with a runtime block mask, and is an error where such an
// op cannot take it: ordered dQ (it passes a turn at every q-block, so it
// keeps the dense walk), the column split; a written schedule with a
// one-buffer tiling is an error of fa-select-tiling too.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma block-mask-walk=compacted" -verify-diagnostics

func.func @negative_deterministic(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>,
    %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: block-mask-walk=compacted: the compacted walk needs dq = atomic: ordered dQ passes a turn at every q-block of the kv-block's walk, dead ones included}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

// The column split (D = 256) keeps one buffer with a block mask.
func.func @negative_column_split(%q: tensor<2x4x1000x256xbf16>, %lse: tensor<2x4x1000xf32>,
    %bm: tensor<1x4x16x8xi8>)
    -> (tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>) {
  // expected-error @below {{the compacted walk is built on the row split's TMA ring (D = Dv up to 128), not the column split's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>,
          tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000xf32>)
      block_mask(%bm : tensor<1x4x16x8xi8>)
      outs(%q, %q, %q : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>}
      -> tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>, tensor<2x4x1000x256xbf16>
}

// -----

// A written schedule with the compacted walk and a one-buffer tiling.
func.func @negative_one_buffer(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>,
    %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{does not fit the target (sm_90a): the compacted walk is the TMA ring's (stages 2), not one buffer's (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
