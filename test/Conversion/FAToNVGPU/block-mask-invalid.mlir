// A block mask with a schedule whose steps cannot be skipped
// (docs/BlockSparse.md, "The kernels"): the overlapped wgmma step, forced.
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-schedule=overlap" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu -verify-diagnostics -o /dev/null

func.func @negative_block_mask_overlap(%q: tensor<1x2x1000x128xbf16>, %bm: tensor<1x2x8x8xi8>,
                                       %o: tensor<1x2x1000x128xbf16>) -> tensor<1x2x1000x128xbf16> {
  // expected-error @+1 {{schedule #fa.schedule<kernel = wgmma, loads = tma, step = overlap, epilogue = tma_store, walk = compacted> cannot be built: a block mask's skipped steps are built for step = serial without pingpong only}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}
