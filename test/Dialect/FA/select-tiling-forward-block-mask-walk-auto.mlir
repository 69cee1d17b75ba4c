// fa-select-tiling's block-mask-walk=auto (the default) for the forward
// under a runtime block mask (D103, docs/BlockSparse.md "The forward's
// compacted walk"): the compacted walk where a tiling fits with its list,
// the dense walk (never an error) where the op's written tiling does not:
// at Nk = 524288 the list of 4096 kv-blocks takes 16 KiB, and 128x128 with
// 3 stages then exceeds the block's shared memory (block-mask-walk=compacted
// is the error, select-tiling-block-mask-walk-errors.mlir's kind).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=compacted" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORCED

// CHECK-LABEL: func.func @written_tiling_too_big_for_the_list
// CHECK: schedule = #fa.schedule<kernel = wgmma,
// CHECK-NOT: walk
// CHECK-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>
// FORCED: error: 'fa.attention' op tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8> does not fit the target (sm_90a): shared memory 247872 B exceeds 232448 B per block (kernel=wgmma)
func.func @written_tiling_too_big_for_the_list(%q: tensor<1x1x128x128xbf16>,
    %k: tensor<1x1x524288x128xbf16>, %bm: tensor<1x1x1x4096xi8>,
    %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x524288x128xbf16>, tensor<1x1x524288x128xbf16>)
       block_mask(%bm : tensor<1x1x1x4096xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}

// Without a written tiling the model picks one that fits with the list.
// CHECK-LABEL: func.func @model_tiling
// CHECK: schedule = #fa.schedule<kernel = wgmma, {{.*}}walk = compacted>
func.func @model_tiling(%q: tensor<1x1x128x128xbf16>,
    %k: tensor<1x1x524288x128xbf16>, %bm: tensor<1x1x1x4096xi8>,
    %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x524288x128xbf16>, tensor<1x1x524288x128xbf16>)
       block_mask(%bm : tensor<1x1x1x4096xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}
