// Issue 27: the fuzzer's session-6 finding: convert-fa-to-nvgpu's wgmma
// backward (picked for this op by a fuzz pipeline) committed a cp.async group
// without tokens, which did not parse back (test/Regression/nvgpu-round-trip.mlir).

module attributes {fa.target = #fa.target<arch = "sm_103", sram_per_block = 16, sram_per_sm = 167936, regs_per_sm = 3, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 7>} {
  func.func @negative_no_tiling(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{has no #fa.tiling; run fa-select-tiling first}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schddule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>}
    return
  }
}

