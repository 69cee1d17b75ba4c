// The wide q-block's refusals (block_q 128 on the wgmma backward, D104;
// docs/Backward.md, "The wide q-block"): a written #fa.tiling with block_q
// 128 is an error of fa-select-tiling where the kernel does not build it
// (D != 64, one buffer, an additive bias, a runtime block mask, a mask
// pattern; ordered dQ builds since D110);
// convert-fa-to-wgmma-grad-invalid.mlir has the conversion's,
// select-tiling-backward-in-flight-errors.mlir dK in flight's.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma -verify-diagnostics

func.func @negative_d128(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> does not fit the target (sm_90a): block_q 128 is built at D = Dv = 64 only (its S^T, dP^T and dK_j, dV_j take 192 f32 registers a thread there), got D = 128, Dv = 128 (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_one_buffer(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8> does not fit the target (sm_90a): block_q 128 is built on the TMA ring (stages 2), not one buffer (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_bias(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %m: tensor<1x4x1024x1024xbf16>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> does not fit the target (sm_90a): block_q 128 is not built with an additive bias (an i1 keep-mask is) (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      mask(%m : tensor<1x4x1024x1024xbf16>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_block_mask(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>, %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> does not fit the target (sm_90a): block_q 128 is not built with a runtime block mask (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

func.func @negative_mask_pattern(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8> does not fit the target (sm_90a): block_q 128 is not built with a #fa.mask_pattern (backward kernel=wgmma)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {mask_pattern = #fa.mask_pattern<chunk = 256>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}
