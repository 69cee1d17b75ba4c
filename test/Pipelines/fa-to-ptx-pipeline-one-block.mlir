// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=simt" | FileCheck %s

// A problem of one thread block (B = Hq = 1, Nq <= block_q) compiles to a
// kernel: its scf.forall of one iteration was folded away by the
// canonicalizer before convert-fa-to-gpu, and the pipeline succeeded with the
// attention computed on the host and no gpu.binary (fa-compile then said
// "expected exactly one gpu.binary, found 0").
// CHECK-LABEL: func.func @attention
// CHECK: gpu.launch_func @attention_kernel::@attention_kernel blocks in (%{{.+}}, %{{.+}}, %{{.+}}) threads in
// CHECK-NOT: linalg.
// CHECK: gpu.binary @attention_kernel
func.func @attention(%q: tensor<1x1x16x16xf32>, %o: tensor<1x1x16x16xf32>) -> tensor<1x1x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>)
       outs(%o : tensor<1x1x16x16xf32>) -> tensor<1x1x16x16xf32>
  return %r : tensor<1x1x16x16xf32>
}
