// The TMA-store epilogue's refusals (D107): backward-epilogue=tma-store
// concerns the wgmma kernel and is an error where its op cannot take it:
// the column split (D = 256), one buffer (a given tiling of stages 1), a
// mask pattern and a given block_q 128 with a window (ptxas spills with
// either, D108, D110, D130; D130 builds block_q 128's other ops);
// a written schedule with a one-buffer tiling is an error of
// fa-select-tiling too.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store" -verify-diagnostics

func.func @negative_column_split(%q: tensor<1x4x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-epilogue=tma-store: the TMA-store epilogue is built on the row split (D = Dv up to 128), not the column split's}}
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
  // expected-error @below {{fa-select-tiling: backward-epilogue=tma-store: the TMA-store epilogue is the TMA ring's (stages 2), not one buffer's}}
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
  // expected-error @below {{cannot store dK and dV through TMA: the TMA-store epilogue is the TMA ring's (stages 2), not one buffer's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_mask_pattern(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-epilogue=tma-store: the TMA-store epilogue is not built with a #fa.mask_pattern (ptxas spills beside its tests)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {mask_pattern = #fa.mask_pattern<chunk = 128>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_wide_query_block(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-epilogue=tma-store: the TMA-store epilogue is not built with block_q 128 and a #fa.window (ptxas spills beside the wide q-block's step)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {window = #fa.window<left = 200, right = 17>,
       tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}
