// convert-fa-to-nvgpu's check of a mask pattern scheduled by hand with
// ordered dQ for the wgmma backward, which walks the pattern's block lists
// with dq = atomic only (D75; convert-fa-to-wgmma-grad-sparse.mlir): the
// kv-blocks' turns are the causal and window bounds'.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu -verify-diagnostics

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_wgmma(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>: a #fa.mask_pattern with ordered (deterministic) dQ is not built: the kv-blocks' turns follow the causal and window bounds, not the pattern's block lists (use dq=atomic, or kernel=simt)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {mask_pattern = #fa.mask_pattern<butterfly = 64>, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}
