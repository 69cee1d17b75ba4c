// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline=naive --verify-diagnostics | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline="target=h100 naive" | FileCheck %s --check-prefix=EXPLICIT

// fa-to-ptx-pipeline's target: the option when given, else the module's
// #fa.target, else an error naming the fix. The option used to default to
// h100, so a module whose #fa.target says sm_80 was silently compiled for
// sm_90a (issue 27, item 4).

// CHECK-LABEL: module @a100
// CHECK-SAME: arch = "sm_80"
// CHECK: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// CHECK-SAME: .target sm_80
// EXPLICIT-LABEL: module @a100
// EXPLICIT-SAME: arch = "sm_90a"
// EXPLICIT: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
module @a100 attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
         outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
    return %r : tensor<1x2x16x16xf32>
  }
}

// -----

// EXPLICIT-LABEL: module @negative_no_target
// EXPLICIT-SAME: arch = "sm_90a"
// EXPLICIT: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// expected-error @below {{fa-set-target needs a 'target' option when the module has no fa.target yet: pass target=NAME (to fa-set-target or fa-to-ptx-pipeline; a known target such as h100 or an architecture such as sm_80) or attach a #fa.target}}
module @negative_no_target {
  func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
         outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
    return %r : tensor<1x2x16x16xf32>
  }
}
