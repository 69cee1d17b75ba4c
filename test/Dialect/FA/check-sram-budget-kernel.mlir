// fa-check-sram-budget takes the formula of the op's own #fa.schedule: the same
// 128x96 / 4-stage tiling at d = 128 fits the h100 as tensor-core tiles
// (32768 + 4 x 2 x 24576 = 229376 bytes) but not with mma-sync's padded rows
// (34816 + 4 x 2 x 26112 = 243712 bytes).
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
