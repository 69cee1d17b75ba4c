// A kernel asking for more shared memory than the target's sram_per_block
// would fail at launch; fa-compile refuses it unless told otherwise.
// RUN: rm -rf %t && not fa-compile %s -o %t/over --pipeline-options="target=" --ptxas=none 2>&1 | FileCheck %s --check-prefixes=CHECK,ERROR
// RUN: fa-compile %s -o %t/over --pipeline-options="target=" --ptxas=none --allow-over-budget 2>&1 | FileCheck %s --check-prefixes=CHECK,WARNING
// RUN: %python %S/Inputs/check_manifest.py %t/over.json %t/over.ptx | FileCheck %s --check-prefix=XCHECK

// ERROR: fa-compile: error: kernel 'negative_smem_kernel'
// WARNING: fa-compile: warning: kernel 'negative_smem_kernel'
// CHECK-SAME: needs 4096 bytes of shared memory; the target (sm_80) allows 1024 per block
// XCHECK: OK 1 kernels, 5 params
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 1024, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_smem(%m: memref<128xf32>) {
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %smem = arith.constant 4096 : i32
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
               dynamic_shared_memory_size %smem {
      %x = memref.load %m[%tx] : memref<128xf32>
      memref.store %x, %m[%tx] : memref<128xf32>
      gpu.terminator
    }
    return
  }
}
