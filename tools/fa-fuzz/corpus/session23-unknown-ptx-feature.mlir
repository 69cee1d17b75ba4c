// Found by the long fuzzing run, session 23 (issue 27): reproducer of a process-ending input, kept as a seed.


// CHECK-LABEL: module @prefetch_ptx80
// CHECK: gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx80">]
module @prefetch_ptx80 attributes {fufa.target = #fa.target<arch = "sm_90", sram_per_block = 4611686018427387904, sram_per_sm = 4611686018427387904, regs_per_sm = 7, max_regs_per_thread = 8, sm_count = 48, hbm_gbps = 7, tensor_tflops = 1>} {
  gpu.module @k [#nvvm.target<chip = "sm_90", features = "+ptx94">] {
    llvm.func @prefetch(%p: !llvm.ptr) {
      nvvm.prefetch tensormap, %p : !llvm.ptr
      nvvm.prefetch level = L2, %p : !llvm.ptr
      llvm.return
    }
  }
}

