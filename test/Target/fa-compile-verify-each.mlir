// fa-compile verifies the parsed input and the pipeline's output, and with
// --verify-each the IR after every pass too (MLIR's default; fa-compile
// leaves it off for compile time, decision D25): the same PTX either way.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/a --ptxas=none --pipeline-options="target=h100"
// RUN: fa-compile %s -o %t/b --ptxas=none --pipeline-options="target=h100" --verify-each
// RUN: cmp %t/a.ptx %t/b.ptx
// RUN: FileCheck %s < %t/a.ptx
// An input the verifier rejects fails before the pipeline.
// RUN: not fa-compile %S/Inputs/invalid-attention.mlir -o %t/c --ptxas=none 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK: .entry attention_kernel
// BAD: error:
func.func @attention(%q: tensor<1x2x256x128xbf16>, %o: tensor<1x2x256x128xbf16>) -> tensor<1x2x256x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
       outs(%o : tensor<1x2x256x128xbf16>) {causal} -> tensor<1x2x256x128xbf16>
  return %r : tensor<1x2x256x128xbf16>
}
