// Found by the long fuzzing run, session 21 (issue 27): reproducer of a process-ending input, kept as a seed.

// CHECK-LABEL: module @prefetch_ptx80
// CHECK: gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx80"G]
module @prefetch_ptx80 attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 17, sram_per_sm = 65, regs_per_sm = 1, max_regs_per_thread = 64, sm_count = 15, hbm_gbps = 2, tensor_tflops = 7>} {
  gpu.module @k [#nvvm.target<chip = "sm_91", features = "+ptx80">] {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch tensormap, %p : !llvm.ptr
     nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

