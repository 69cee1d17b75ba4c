// fa-check-sram-budget takes the formula of the op's own #fa.schedule: the same
// 128x96 / 4-stage tiling at d = 128 fits the h100 as tensor-core tiles
// (32768 + 4 x 2 x 24576 = 229376 bytes) but not with mma-sync's padded rows
// (34816 + 4 x 2 x 26112 = 243712 bytes); the compacted walk adds its list.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-check-sram-budget=kernel=tensor-core -verify-diagnostics

func.func @mma_sync(%q: tensor<1x2x256x128xbf16>, %o: tensor<1x2x256x128xbf16>) -> tensor<1x2x256x128xbf16> {
  // expected-error @below {{needs 243712 bytes of shared memory per block but the target (sm_90a) allows 232448 (kernel=mma-sync)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
       outs(%o : tensor<1x2x256x128xbf16>)
       {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 4, warps = 4>} -> tensor<1x2x256x128xbf16>
  return %r : tensor<1x2x256x128xbf16>
}

func.func @tensor_core(%q: tensor<1x2x256x128xbf16>, %o: tensor<1x2x256x128xbf16>) -> tensor<1x2x256x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
       outs(%o : tensor<1x2x256x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 4, warps = 4>} -> tensor<1x2x256x128xbf16>
  return %r : tensor<1x2x256x128xbf16>
}

// The forward's compacted walk holds its list after the tiles (D106: the
// check left it out): 128 x 128 tiles in 3 stages at d = 128 (225 KiB with
// the barrier kernel's mbarriers) fit alone, not with the list of
// 131072 / 128 = 1024 kv-blocks and 3 counts (5 KiB).
func.func @compacted_walk(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x131072x128xbf16>,
    %bm: tensor<1x1x1x1024xi8>, %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  // expected-error @below {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8> needs 235584 bytes of shared memory per block but the target (sm_90a) allows 232448 (kernel=wgmma)}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x131072x128xbf16>, tensor<1x1x131072x128xbf16>)
       block_mask(%bm : tensor<1x1x1x1024xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}

// The same tiles walking dense fit (230464 bytes).
func.func @dense_walk(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x131072x128xbf16>,
    %bm: tensor<1x1x1x1024xi8>, %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x131072x128xbf16>, tensor<1x1x131072x128xbf16>)
       block_mask(%bm : tensor<1x1x1x1024xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}
