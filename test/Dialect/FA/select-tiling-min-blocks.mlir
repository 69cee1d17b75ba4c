// A written min_blocks (D118) is the resident blocks ptxas fits the
// registers to: more than the SM runs is an error (D121), by its threads
// and block slots as well as its shared memory with the 1 KiB the driver
// reserves a block; ptxas would fit the registers of blocks that never run
// (or, past the threads, ignore the hint). The same check
// (scheduleUnsupportedReason) runs in fa-select-tiling and
// convert-fa-to-nvgpu.
// RUN: fa-opt %s -split-input-file --fa-select-tiling=kernel=auto -verify-diagnostics | FileCheck %s

// 16 blocks of 128 threads fill the A100's 2048 threads (4,608 B of shared
// memory a block: shared memory holds 29).
// CHECK-LABEL: func.func @at_the_threads
// CHECK: min_blocks = 16
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @at_the_threads(%q: tensor<1x2x256x16xbf16>, %o: tensor<1x2x256x16xbf16>) -> tensor<1x2x256x16xbf16> {
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>)
         outs(%o : tensor<1x2x256x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 16>,
          tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 4>} -> tensor<1x2x256x16xbf16>
    return %r : tensor<1x2x256x16xbf16>
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @over_the_threads(%q: tensor<1x2x256x16xbf16>, %o: tensor<1x2x256x16xbf16>) -> tensor<1x2x256x16xbf16> {
    // expected-error @below {{min_blocks = 17 asks for more blocks an SM than it runs: 16 (2048 threads, 128 a block)}}
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>)
         outs(%o : tensor<1x2x256x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 17>,
          tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 4>} -> tensor<1x2x256x16xbf16>
    return %r : tensor<1x2x256x16xbf16>
  }
}

// -----

// sm_86: 1536 threads, 16 block slots.
module attributes {fa.target = #fa.target<arch = "sm_86", sram_per_block = 101376, sram_per_sm = 102400, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 82, hbm_gbps = 936, tensor_tflops = 71>} {
  func.func @over_the_threads_sm86(%q: tensor<1x2x256x16xbf16>, %o: tensor<1x2x256x16xbf16>) -> tensor<1x2x256x16xbf16> {
    // expected-error @below {{min_blocks = 13 asks for more blocks an SM than it runs: 12 (1536 threads, 128 a block)}}
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>)
         outs(%o : tensor<1x2x256x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 13>,
          tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 4>} -> tensor<1x2x256x16xbf16>
    return %r : tensor<1x2x256x16xbf16>
  }
}

// -----

// 64x64x2x4 at D = 64 takes 46,080 B: 93,160 B an SM hold two by the bytes
// alone, one with the reserve (2 x 47,104 B).
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 93160, sram_per_sm = 93160, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @over_the_reserve(%q: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>) -> tensor<1x2x1024x64xbf16> {
    // expected-error @below {{min_blocks = 2 asks for more blocks an SM than it runs: 1 (93160 B of shared memory, 46080 B and 1024 B reserved a block)}}
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
         outs(%o : tensor<1x2x1024x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 2>,
          tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x1024x64xbf16>
    return %r : tensor<1x2x1024x64xbf16>
  }
}
