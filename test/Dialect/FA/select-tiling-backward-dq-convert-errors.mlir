// The fused dQ conversion's refusals (D120): backward-dq-convert=fused
// concerns the wgmma kernel and is an error where its op cannot take it:
// the column split (D = 256), one buffer (a given tiling of stages 1),
// ordered dQ (a deterministic op), a runtime block mask and a mask pattern
// (the arrivals' count would not be the causal and window bounds'), a bias
// gradient (the convert kernel rounds its scratch), a keep-mask (ptxas
// spills beside its tests); a written schedule is
// checked by fa-select-tiling too. (The options asked for beside it:
// select-tiling-backward-dq-convert.mlir.)
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma backward-dq-convert=fused" -verify-diagnostics

func.func @negative_column_split(%q: tensor<1x4x1024x256xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>, tensor<1x4x1024x256xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is built on the row split's bulk reductions (D = Dv up to 128), not the column split's atomics}}
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
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is the TMA ring's (stages 2), not one buffer's}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_deterministic(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion counts the arrivals of atomic dQ (dq = atomic only)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_block_mask(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>, %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not built with a runtime block mask}}
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

func.func @negative_mask_pattern(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not built with a #fa.mask_pattern}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {mask_pattern = #fa.mask_pattern<chunk = 128>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_written_mask_pattern(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{cannot fuse the dQ conversion: the fused dQ conversion is not built with a #fa.mask_pattern}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {mask_pattern = #fa.mask_pattern<chunk = 128>,
       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_bias_gradient(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %b: tensor<1x4x1x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1x1024xf32>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not built with a bias gradient (the convert kernel rounds its scratch)}}
  %r:4 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      mask(%b : tensor<1x4x1x1024xf32>)
      outs(%q, %q, %q, %b : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1x1024xf32>)
      {}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1x1024xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1x1024xf32>
}

// -----

func.func @negative_keep_mask(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %m: tensor<1x4x1024x1024xi1>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not built with a keep-mask (ptxas spills beside its tests)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      mask(%m : tensor<1x4x1024x1024xi1>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}
