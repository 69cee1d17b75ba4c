// dK in flight's refusals (D101): backward-in-flight=dk concerns the wgmma
// kernel and is an error where its op cannot take it: a runtime block mask
// (a skipped step has no dS^T barrier to issue the next Q_i after), the
// column split (D = 256), a written tiling of the wide q-block (block_q
// 128, D104); a written schedule with a one-buffer tiling is an error of
// fa-select-tiling too.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-in-flight=dk" -verify-diagnostics

func.func @negative_block_mask(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>,
    %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-in-flight=dk: dK in flight issues the next step's Q_i after dS^T's barrier, which a step the block mask skips does not have: not with a runtime block mask}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_column_split(%q: tensor<1x4x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-in-flight=dk: dK in flight is built on the row split's TMA ring (D = Dv up to 128), not the column split's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>,
          tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>)
      {causal}
      -> tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>
}

// -----

func.func @negative_written_one_buffer(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{cannot leave dK in flight: dK in flight is the TMA ring's (stages 2), not one buffer's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_wide_query_block(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-in-flight=dk: dK in flight is built with block_q 64, not 128}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}
