// The forward's compacted walk's refusals (D100): block-mask-walk=compacted
// concerns the wgmma kernel with a runtime block mask, and is an error
// where such an op cannot take it (a dynamic Nk: the list has a static
// size); a list that the shared memory cannot hold next to a written
// tiling is the model's rejection.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   "--fa-select-tiling=kernel=wgmma block-mask-walk=compacted" -verify-diagnostics

func.func @negative_dynamic_nk(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x?x64xbf16>,
    %bm: tensor<1x2x2x?xi8>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  // expected-error @+1 {{fa-select-tiling: block-mask-walk=compacted: the compacted walk's list has a static size: Nk must be static}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x2x256x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>)
       block_mask(%bm : tensor<1x2x2x?xi8>) outs(%o : tensor<1x2x256x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// The list of 131072 / 128 = 1024 kv-blocks (5 KiB) after three stages of
// 128 x 128 tiles at D = 128 (225 KiB) exceeds the H100's 227 KiB.
func.func @negative_list_too_large(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x131072x128xbf16>,
    %bm: tensor<1x1x1x1024xi8>, %o: tensor<1x1x128x128xbf16>) -> tensor<1x1x128x128xbf16> {
  // expected-error @+1 {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8> does not fit the target (sm_90a): shared memory 235584 B exceeds 232448 B per block (kernel=wgmma)}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x131072x128xbf16>, tensor<1x1x131072x128xbf16>)
       block_mask(%bm : tensor<1x1x1x1024xi8>) outs(%o : tensor<1x1x128x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>}
       -> tensor<1x1x128x128xbf16>
  return %r : tensor<1x1x128x128xbf16>
}

// -----

// A written schedule whose list fits no tiling (D106): an error that names
// the list (it named the tiles' 6912 B "needed" of 232448 B available).
func.func @negative_written_schedule(%q: tensor<1x1x128x64xbf16>, %k: tensor<1x1x16777216x64xbf16>,
    %bm: tensor<1x1x1x1048576xi8>, %o: tensor<1x1x128x64xbf16>) -> tensor<1x1x128x64xbf16> {
  // expected-error-re @+1 {{schedule #fa.schedule<kernel = mma_sync, walk = compacted> cannot be tiled: no mma-sync tiling fits with the compacted walk's list of live kv-blocks: with {{.*}} kv-blocks takes the block's shared memory to {{[0-9]+}} B (232448 B per block available); a schedule without walk = compacted walks dense}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x64xbf16>, tensor<1x1x16777216x64xbf16>, tensor<1x1x16777216x64xbf16>)
       block_mask(%bm : tensor<1x1x1x1048576xi8>) outs(%o : tensor<1x1x128x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 16>,
        schedule = #fa.schedule<kernel = mma_sync, walk = compacted>}
       -> tensor<1x1x128x64xbf16>
  return %r : tensor<1x1x128x64xbf16>
}
