// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target --verify-diagnostics | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-attach-nvvm-target="features=+ptx90 O=1" --verify-diagnostics | FileCheck %s --check-prefix=OVERRIDE

// The PTX version is the lowest one that supports the target's arch.
// CHECK-LABEL: gpu.module @a100
// CHECK-SAME: #nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// OVERRIDE-LABEL: gpu.module @a100
// OVERRIDE-SAME: #nvvm.target<O = 1, chip = "sm_80", features = "+ptx90">
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  gpu.module @a100 {
  }
}

// -----

// sm_90a needs PTX 8.0; a module with a target keeps it.
// CHECK-LABEL: gpu.module @h100
// CHECK-SAME: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK-LABEL: gpu.module @keep
// CHECK-SAME: #nvvm.target<chip = "sm_75">
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @h100 {
  }
  gpu.module @keep [#nvvm.target<chip = "sm_75">] {
  }
}

// -----

// CHECK-LABEL: gpu.module @sm_90
// CHECK-SAME: chip = "sm_90", features = "+ptx78"
module attributes {fa.target = #fa.target<arch = "sm_90", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  gpu.module @sm_90 {
  }
}

// -----

// CHECK-LABEL: gpu.module @sm_120
// CHECK-SAME: chip = "sm_120", features = "+ptx87"
module attributes {fa.target = #fa.target<arch = "sm_120", sram_per_block = 101376, sram_per_sm = 102400, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 170, hbm_gbps = 1792, tensor_tflops = 209>} {
  gpu.module @sm_120 {
  }
}

// -----

// expected-error @below {{fa-attach-nvvm-target needs an fa.target on the module (run fa-set-target first)}}
module @negative_no_target {
  gpu.module @k {
  }
}

// -----

// Archs whose lowest PTX version the old formula got wrong (issue 27,
// item 1): the NVPTX back end's table.
// CHECK-LABEL: gpu.module @sm_72
// CHECK-SAME: chip = "sm_72", features = "+ptx61"
module attributes {fa.target = #fa.target<arch = "sm_72", sram_per_block = 49152, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 8, hbm_gbps = 137, tensor_tflops = 11>} {
  gpu.module @sm_72 {
  }
}

// -----

// CHECK-LABEL: gpu.module @sm_103a
// CHECK-SAME: chip = "sm_103a", features = "+ptx88"
module attributes {fa.target = #fa.target<arch = "sm_103a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 148, hbm_gbps = 8000, tensor_tflops = 2250>} {
  gpu.module @sm_103a {
  }
}
