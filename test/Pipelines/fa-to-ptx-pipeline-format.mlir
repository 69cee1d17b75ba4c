// RUN: not fa-opt %s --fa-to-ptx-pipeline="target=h100 format=bogus" 2>&1 | FileCheck %s
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 format=isa" | FileCheck %s --check-prefix=ISA

// fa-to-ptx-pipeline's format is an enum the option parser checks: isa,
// bin or fatbin. A free string reached gpu-module-to-binary, which printed
// an error but succeeded, leaving a gpu.binary that does not parse back
// (issue 27, item 5). test/Plugin/fa-to-ptx-pipeline.mlir and
// test/CAPI/pipeline-format.mlir check the plugin and the C API.

// CHECK: for the --format option: Cannot find option named 'bogus'!
// ISA: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// ISA-SAME: assembly = "

func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
       outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  return %r : tensor<1x2x16x16xf32>
}
