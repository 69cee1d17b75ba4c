// fa-select-tiling's block-mask-walk=auto (the default) for the wgmma
// backward under a runtime block mask (D99, docs/BlockSparse.md "The
// compacted walk"): compacted where the op and its tiling can take it,
// dense (never an error) where they cannot.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=AUTO

// A tiling written on the op that the compacted walk cannot use (one
// buffer, stages 1) keeps auto's walk dense instead of failing; an explicit
// block-mask-walk=compacted is the error
// (select-tiling-backward-block-mask-walk-errors.mlir).
// AUTO-LABEL: func.func @grad_one_buffer
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>,
// AUTO-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>
func.func @grad_one_buffer(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>,
    %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
       tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// The column split (D = 256) takes no block mask on its ring: auto walks
// dense there.
// AUTO-LABEL: func.func @grad_column_split
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>,
func.func @grad_column_split(%q: tensor<1x2x1024x256xbf16>, %lse: tensor<1x2x1024xf32>,
    %bm: tensor<1x2x8x8xi8>)
    -> (tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>,
          tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024xf32>)
      block_mask(%bm : tensor<1x2x8x8xi8>)
      outs(%q, %q, %q : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
      -> tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
}
