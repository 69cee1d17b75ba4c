// A block mask on an fa.attention_grad scheduled by hand for the mma.sync
// or the wgmma backward with a tiling that does not divide the mask's
// blocks (docs/BlockSparse.md): an error, never dense gradients.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu -verify-diagnostics

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_block_mask_granularity(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>, %bm: memref<1x1x2x2xi8>) {
    // expected-error @below {{cannot use the mma_sync backward kernel with #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 4>: the tiling's blocks 32x64 must divide the block mask's 32x32 (each tile computed or skipped whole)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        block_mask(%bm : memref<1x1x2x2xi8>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 4>}
    return
  }
}

// -----

// The same on the wgmma backward kernel (sm_90a): its one tiling, 64x128,
// does not divide blocks of 64x64.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_wgmma_block_mask_granularity(%q: memref<1x2x128x64xbf16>, %l: memref<1x2x128xf32>, %bm: memref<1x1x2x2xi8>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the tiling's blocks 64x128 must divide the block mask's 64x64 (each tile computed or skipped whole)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>, memref<1x2x128xf32>)
        block_mask(%bm : memref<1x1x2x2xi8>)
        outs(%q, %q, %q : memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>, memref<1x2x128x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}
