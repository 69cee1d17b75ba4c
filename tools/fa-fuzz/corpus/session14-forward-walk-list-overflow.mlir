// The forward's compacted walk whose list fits no tiling: Nk = 2^24 with
// 16-column mask blocks, a written mma.sync schedule walking compacted (an
// error that names the list, D106) and a written tiling (128 x 16) for the
// hand-tiled pipelines.
// Session 14's seed for the fuzzer (docs/Reliability.md, "The fuzzer").
func.func @list_overflow(%q: tensor<1x1x128x64xbf16>, %k: tensor<1x1x16777216x64xbf16>,
    %bm: tensor<1x1x1x1048576xi8>, %o: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x64xbf16>, tensor<1x1x16777216x64xbf16>, tensor<1x1x16777216x64xbf16>)
       block_mask(%bm : tensor<1x1x1x1048576xi8>) outs(%o : tensor<1x1x128x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 16>,
        schedule = #fa.schedule<kernel = mma_sync, walk = compacted>,
        tiling = #fa.tiling<block_q = 128, block_kv = 16, stages = 2, warps = 8>}
       -> tensor<1x1x128x64xbf16>
  return %r : tensor<1x1x128x64xbf16>
}
