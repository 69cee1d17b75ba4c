// RUN: not fa-opt %s --fa-to-ptx-pipeline=target=h100 -o /dev/null 2>&1 | FileCheck %s
// RUN: not fa-opt %s --fa-to-ptx-pipeline="target=h100 stop-after=target" -o /dev/null 2>&1 | FileCheck %s
// RUN: not fa-opt %s --fa-to-ptx-pipeline="target=h100 naive" -o /dev/null 2>&1 | FileCheck %s

// An attention that fa-raise-attention leaves in linalg (the softmax is over
// the query axis) compiles to no kernel: the pipeline fails and says why,
// without printing the module (issue 26, item 2).
// CHECK: error: the module holds no kernel: no fa.attention, gpu.launch or gpu.module (run fa-raise-attention{explain=true} to see why an attention written in linalg was not raised)
// CHECK-NOT: func.func
func.func @negative_not_raised(%s: tensor<4x8x8xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
