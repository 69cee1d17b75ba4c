// A block mask's diagnostics in the passes (docs/BlockSparse.md): a hand
// tiling that does not divide the mask's blocks, the wgmma backward's one
// tiling (64x128) that does not, a forced overlapped step.
// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-set-target=target=h100 --fa-select-tiling

func.func @negative_tiling_does_not_divide(%q: tensor<1x2x256x64xbf16>, %bm: tensor<1x2x2x2xi8>,
    %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  // expected-error @+1 {{the tiling's blocks 128x96 must divide the block mask's 128x128}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>) outs(%o : tensor<1x2x256x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 8>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

func.func @negative_grad_wgmma_granularity(%q: tensor<1x2x256x64xbf16>, %lse: tensor<1x2x256xf32>,
    %bm: tensor<1x2x4x4xi8>)
    -> (tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>) {
  // expected-error @+1 {{cannot use the wgmma backward kernel: the tiling's blocks 64x128 must divide the block mask's 64x64 (each tile computed or skipped whole)}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>,
          tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
      block_mask(%bm : tensor<1x2x4x4xi8>)
      outs(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>,
       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
      -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
}
