// REQUIRES: ptxas
// The tensor-core backwards with an additive bias and its gradient
// (BackwardBias, docs/Backward.md "The bias on the tensor-core backwards")
// assembled by ptxas without spills: on the mma.sync backward a full f32 bias (dBias stored) at
// D = 64, causal GQA with Nq != Nk, and a bias broadcast over batch and
// rows in bf16 (dBias summed by f32 atomics into a scratch, rounded by the
// convert kernel) at D = 128; the model's tilings. The wgmma backward's:
// ptxas-bias-grad-wgmma.mlir.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/bias --function=full_d64 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/bias.ptxas.log
// RUN: FileCheck %s --check-prefix=SCRATCH < %t/bias.json
// RUN: fa-compile %s -o %t/key --function=per_key_d128 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=SCRATCH-KEY < %t/key.json

// The module's six kernels (preprocess, main, convert of each function).
// PTXAS-COUNT-6: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: bytes spill stores
// The full bias's dBias is stored: D and dQ's accumulator only; the
// broadcast bf16 bias's gradient is summed in an f32 scratch of its shape.
// SCRATCH: "name": "tmp1"
// SCRATCH-NOT: "name": "tmp2"
// SCRATCH-KEY: "bytes": 8000,
// SCRATCH-KEY-NEXT: "dtype": "f32",
// SCRATCH-KEY-NEXT: "name": "tmp2"
func.func @full_d64(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x1000x64xf16>, %v: tensor<2x2x1000x64xf16>, %o: tensor<2x4x300x64xf16>, %do: tensor<2x4x300x64xf16>, %lse: tensor<2x4x300xf32>, %b: tensor<2x4x300x1000xf32>, %dq: tensor<2x4x300x64xf16>, %dk: tensor<2x2x1000x64xf16>, %dv: tensor<2x2x1000x64xf16>, %db: tensor<2x4x300x1000xf32>) -> (tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300xf32>)
         mask(%b : tensor<2x4x300x1000xf32>)
         outs(%dq, %dk, %dv, %db : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>)
         {causal} -> tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
}
func.func @per_key_d128(%q: tensor<1x2x777x128xbf16>, %k: tensor<1x2x1000x128xbf16>, %lse: tensor<1x2x777xf32>, %b: tensor<1x2x1x1000xbf16>, %dq: tensor<1x2x777x128xbf16>, %dk: tensor<1x2x1000x128xbf16>, %dv: tensor<1x2x1000x128xbf16>, %db: tensor<1x2x1x1000xbf16>) -> (tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777xf32>)
         mask(%b : tensor<1x2x1x1000xbf16>)
         outs(%dq, %dk, %dv, %db : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>)
         {causal} -> tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>
}
