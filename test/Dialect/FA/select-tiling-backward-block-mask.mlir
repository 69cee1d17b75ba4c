// The backward with a runtime block mask (docs/BlockSparse.md): the SIMT
// kernels (kernel=auto), whose candidates divide the mask's blocks; the
// mma.sync backward by name (its candidates divide them too: block_kv 32 or
// 64, 2 or 4 warps), deterministic with dq = ordered; the wgmma backward,
// whose 64 x 128 tiling does not divide these 64 x 64 mask blocks, is
// refused (block-mask-errors.mlir; with blocks it divides:
// select-tiling-backward-block-mask-wgmma.mlir).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling \
// RUN:   | FileCheck %s
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync \
// RUN:   | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync deterministic" \
// RUN:   | FileCheck %s --check-prefix=DET

// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// MMA-SAME: tiling = #fa.tiling<block_q = {{16|32|64}}, block_kv = {{32|64}}, stages = {{1|2}}, warps = {{2|4}}>
// DET: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// DET-SAME: tiling = #fa.tiling<block_q = {{16|32|64}}, block_kv = {{32|64}}, stages = {{1|2}}, warps = {{2|4}}>

// CHECK-LABEL: func.func @grad_blocks
// CHECK: fa.attention_grad
// CHECK-SAME: schedule = #fa.backward_schedule<kernel = simt
// CHECK-SAME: tiling = #fa.tiling<block_q = {{16|32|64}}, block_kv = {{16|32|64}},
func.func @grad_blocks(%q: tensor<1x2x256x64xbf16>, %lse: tensor<1x2x256xf32>,
    %bm: tensor<1x2x4x4xi8>)
    -> (tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>,
          tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
      block_mask(%bm : tensor<1x2x4x4xi8>)
      outs(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>}
      -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
}
