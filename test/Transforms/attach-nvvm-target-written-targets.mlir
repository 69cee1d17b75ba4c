// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target --verify-diagnostics

// A gpu.module's own #nvvm.target is kept, and checked as an #fa.target
// arch is: a chip the NVPTX back end does not list reaches its instruction
// selection without any SM's features and aborts the process there
// (`LLVM ERROR: Cannot select: intrinsic %llvm.nvvm.prefetch.L2` for
// sm_91, found by the long fuzzing run, session 21; issue 27, item 1).

module @unknown_chip attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  // expected-error @below {{'gpu.module' op has a target the NVPTX back end cannot compile for: arch 'sm_91' is not an NVIDIA SM architecture of sm_70 or later that the NVPTX back end knows (sm_70,}}
  gpu.module @k [#nvvm.target<chip = "sm_91", features = "+ptx80">] {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

// -----

// A PTX ISA below the written chip's lowest: a fatal error in the back end.
module @low_ptx attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  // expected-error @below {{'gpu.module' op has a target the NVPTX back end cannot compile for: features: PTX ISA 7.8 ('+ptx78') does not support sm_90a; it needs +ptx80 or later}}
  gpu.module @k [#nvvm.target<chip = "sm_90a", features = "+ptx78">] {
  }
}

// -----

// A feature the back end does not know: it warns ("'+ptx94' is not a
// recognized feature for this target (ignoring feature)"), compiles for
// the chip's lowest PTX ISA, and aborts on an op that needs a later one
// (`LLVM ERROR: Cannot select: intrinsic %llvm.nvvm.prefetch.L2`, found by
// the long fuzzing run, session 23).
module @unknown_ptx attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  // expected-error @below {{'gpu.module' op has a target the NVPTX back end cannot compile for: features: '+ptx94' is not a feature the NVPTX back end knows (PTX ISAs +ptx}}
  gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx94">] {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch tensormap, %p : !llvm.ptr
      nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

// -----

// Not a feature at all (no sign).
module @unsigned_feature attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  // expected-error @below {{'gpu.module' op has a target the NVPTX back end cannot compile for: features: 'ptx80' is not '+' or '-' and a feature name}}
  gpu.module @k [#nvvm.target<chip = "sm_90a", features = "ptx80">] {
  }
}

// -----

// A known chip is kept as written.
module @known_chip attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @k [#nvvm.target<chip = "sm_80", features = "+ptx80">] {
  }
}
