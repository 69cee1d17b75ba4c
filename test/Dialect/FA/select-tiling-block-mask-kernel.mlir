// A block mask whose block_q is not a multiple of 64 rows: no wgmma tiling
// divides it (one m64 per warpgroup), so kernel=auto takes the mma.sync
// kernel and kernel=wgmma is refused (docs/BlockSparse.md).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=auto" \
// RUN:   | FileCheck %s
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling="kernel=wgmma" \
// RUN:   -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @rows_32
// CHECK: schedule = #fa.schedule<kernel = mma_sync
// CHECK-SAME: tiling = #fa.tiling<block_q = {{16|32}}, block_kv = {{16|32|48|64|96|128}},
func.func @rows_32(%q: tensor<1x8x2048x64xbf16>, %bm: tensor<1x8x64x16xi8>,
    %o: tensor<1x8x2048x64xbf16>) -> tensor<1x8x2048x64xbf16> {
  // expected-error @+1 {{cannot use the wgmma kernel: the block mask's block_q 32 is not a multiple of the 64 rows of a warpgroup}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16>)
       block_mask(%bm : tensor<1x8x64x16xi8>)
       outs(%o : tensor<1x8x2048x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 128>}
       -> tensor<1x8x2048x64xbf16>
  return %r : tensor<1x8x2048x64xbf16>
}
