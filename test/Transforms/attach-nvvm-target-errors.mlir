// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target="features=+ptx78" --verify-diagnostics

// A PTX version below the arch's minimum is a fatal error in the NVPTX back
// end (`LLVM ERROR: PTX version 7.8 does not support target 'sm_90a'`); the
// pass refuses it first (issue 27, item 1).
// expected-error @below {{features: PTX ISA 7.8 ('+ptx78') does not support sm_90a; it needs +ptx80 or later}}
module @negative_low_ptx attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k {
  }
}

// -----

// Enough for sm_80: kept as given.
module @ptx78_for_sm_80 attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  gpu.module @k {
  }
}
