// A runtime block mask (docs/BlockSparse.md): the tiling's blocks divide the
// mask's, for every kernel (checkLegality's block-mask-granularity rule, and
// the backward's SIMT candidates); explain says the density is unknown at
// compile time. With a block mask the wgmma schedule is the serial step
// without turns. On the h200 at N = 8192, d = 128 the dense causal pick is
// 128x160 (select-tiling-window.mlir), which 128x128 mask blocks refuse.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h200 \
// RUN:   --fa-select-tiling="kernel=wgmma explain" 2>&1 | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h200 \
// RUN:   --fa-select-tiling="kernel=auto" | FileCheck %s --check-prefix=IR

// CHECK: remark: fa-select-tiling (model): 128x128, 2 stages, 8 warps wins
// CHECK: note: block mask 128x128: its density is known only at run time; the prediction counts every block (density 1), the candidates' blocks divide the mask's
// CHECK: candidates rejected: {{.*}} not dividing the block mask's blocks
// CHECK: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer,
// CHECK-NOT: step = overlap
// CHECK-NOT: pingpong = true
// CHECK-SAME: the producer kernel
// IR-LABEL: func.func @causal_blocks
// IR: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, epilogue = tma_store
// IR-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = {{[0-9]}}, warps = 8>
func.func @causal_blocks(%q: tensor<1x16x8192x128xbf16>, %bm: tensor<1x1x64x64xi8>,
    %o: tensor<1x16x8192x128xbf16>) -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       block_mask(%bm : tensor<1x1x64x64xi8>)
       outs(%o : tensor<1x16x8192x128xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

// -----

// Mask blocks of 64 x 32: every candidate's block_kv divides 32.
// CHECK: remark: fa-select-tiling (model): 64x32, 4 stages, 4 warps wins
// CHECK: note: 248 of 256 candidates rejected: 248 not dividing the block mask's blocks
// IR-LABEL: func.func @small_blocks
// IR: tiling = #fa.tiling<block_q = 64, block_kv = {{16|32}},
func.func @small_blocks(%q: tensor<1x8x2048x64xbf16>, %bm: tensor<1x8x32x64xi8>,
    %o: tensor<1x8x2048x64xbf16>) -> tensor<1x8x2048x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16>)
       block_mask(%bm : tensor<1x8x32x64xi8>)
       outs(%o : tensor<1x8x2048x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 32>}
       -> tensor<1x8x2048x64xbf16>
  return %r : tensor<1x8x2048x64xbf16>
}

