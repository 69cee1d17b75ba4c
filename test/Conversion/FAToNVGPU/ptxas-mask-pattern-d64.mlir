// REQUIRES: ptxas
// ptxas-mask-pattern.mlir at D = 64: a window with global tokens (sinks)
// and a butterfly alone, in the mma.sync and wgmma kernels (the module's
// two kernels in one ptxas log), no spills.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/mma --function=sinks --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mma.ptxas.log
// RUN: fa-compile %s -o %t/wgmma --function=sinks --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/wgmma.ptxas.log

// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS: 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
func.func @sinks(%q: tensor<2x4x777x64xf16>, %o: tensor<2x4x777x64xf16>)
    -> tensor<2x4x777x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<2x4x777x64xf16>, tensor<2x4x777x64xf16>, tensor<2x4x777x64xf16>)
       outs(%o : tensor<2x4x777x64xf16>)
       {causal, window = #fa.window<left = 128, right = 0>,
        mask_pattern = #fa.mask_pattern<global = 32>} -> tensor<2x4x777x64xf16>
  return %r : tensor<2x4x777x64xf16>
}
func.func @butterfly(%q: tensor<2x4x777x64xf16>, %o: tensor<2x4x777x64xf16>)
    -> tensor<2x4x777x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<2x4x777x64xf16>, tensor<2x4x777x64xf16>, tensor<2x4x777x64xf16>)
       outs(%o : tensor<2x4x777x64xf16>)
       {mask_pattern = #fa.mask_pattern<butterfly = 64>} -> tensor<2x4x777x64xf16>
  return %r : tensor<2x4x777x64xf16>
}
