// REQUIRES: ptxas
// fa-compile rewrites OUT.ptxas.log: a longer log left by an earlier run
// with the same prefix must not survive past the new one (its second
// "Used N registers" line would reach the kernel manifest).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "open('%t/k.ptxas.log', 'w').write('STALE LOG LINE\n' * 200)"
// RUN: fa-compile %s -o %t/k --pipeline-options="target=h100"
// RUN: FileCheck %s < %t/k.ptxas.log

// CHECK: Used {{[0-9]+}} registers
// CHECK-NOT: STALE
func.func @attention(%q: tensor<1x2x128x64xf16>, %o: tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>)
       outs(%o : tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16>
  return %r : tensor<1x2x128x64xf16>
}
