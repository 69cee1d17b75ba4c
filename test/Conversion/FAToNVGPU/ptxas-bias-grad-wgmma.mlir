// REQUIRES: ptxas
// The wgmma backward with an additive bias and its gradient (BackwardBias,
// docs/Backward.md "The bias on the tensor-core backwards") assembled by
// ptxas without spills: a full f32 bias (dBias stored) at D = 64, causal
// GQA with Nq != Nk, on its TMA ring (the model's pick). At D = 128, and
// on one buffer (stages 1), its registers spill, so the bias is an error
// there (wgmmaBiasReason, convert-fa-to-wgmma-grad-invalid.mlir).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/ring --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s < %t/ring.ptxas.log

// The preprocess, main and convert kernels.
// CHECK-COUNT-3: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CHECK-NOT: bytes spill stores
func.func @full_d64(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x1000x64xf16>, %v: tensor<2x2x1000x64xf16>, %o: tensor<2x4x300x64xf16>, %do: tensor<2x4x300x64xf16>, %lse: tensor<2x4x300xf32>, %b: tensor<2x4x300x1000xf32>, %dq: tensor<2x4x300x64xf16>, %dk: tensor<2x2x1000x64xf16>, %dv: tensor<2x2x1000x64xf16>, %db: tensor<2x4x300x1000xf32>) -> (tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300xf32>)
         mask(%b : tensor<2x4x300x1000xf32>)
         outs(%dq, %dk, %dv, %db : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>)
         {causal} -> tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
}
