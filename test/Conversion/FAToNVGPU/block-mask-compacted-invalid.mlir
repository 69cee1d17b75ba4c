// The forward's compacted walk (D100) with a written tiling and schedule:
// convert-fa-to-nvgpu checks the list's shared memory itself (the list of
// 131072 / 128 = 1024 kv-blocks and 3 counts, 5 KiB, after three stages of
// 128 x 128 tiles at D = 128).
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu -verify-diagnostics -o /dev/null

func.func @negative_list_too_large(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x131072x128xbf16>,
    %bm: tensor<1x1x1x1024xi8>, %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  // expected-error @+1 {{schedule #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted> cannot be built: the compacted walk's shared memory (the tiles and the list of 1024 kv-blocks), 235584 B, exceeds the target's 232448 B per block}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x131072x128xbf16>, tensor<1x1x131072x128xbf16>)
       block_mask(%bm : tensor<1x1x1x1024xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}
