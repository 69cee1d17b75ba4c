// REQUIRES: ptxas
// The mma.sync backward with an additive bias and its gradient
// (BackwardBias, docs/Backward.md "The bias on the tensor-core backwards")
// assembled by ptxas without spills: a full f32 bias (dBias stored) at
// D = 64, causal GQA with Nq != Nk, and a bias broadcast over batch and
// rows in bf16 (dBias summed by f32 atomics into a scratch, rounded by the
// convert kernel) at D = 128; the model's tilings.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --function=full_d64 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: FileCheck %s --check-prefix=ATOM < %t/d64.ptx
// RUN: fa-compile %s -o %t/d128 --function=per_key_d128 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: FileCheck %s --check-prefix=ATOM2 < %t/d128.ptx

// The preprocess, main and convert kernels.
// PTXAS-COUNT-3: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
// dQ's atomics only (dBias stored).
// ATOM-COUNT-1: .entry
// ATOM: .entry
// ATOM: red.global.add.f32
// ATOM: .entry
// dQ's and dBias's atomics.
// ATOM2: .entry
// ATOM2: .entry
// ATOM2-COUNT-2: red.global.add.f32
func.func @full_d64(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x1000x64xf16>, %v: tensor<2x2x1000x64xf16>, %o: tensor<2x4x300x64xf16>, %do: tensor<2x4x300x64xf16>, %lse: tensor<2x4x300xf32>, %b: tensor<2x4x300x1000xf32>, %dq: tensor<2x4x300x64xf16>, %dk: tensor<2x2x1000x64xf16>, %dv: tensor<2x2x1000x64xf16>, %db: tensor<2x4x300x1000xf32>) -> (tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300xf32>)
         mask(%b : tensor<2x4x300x1000xf32>)
         outs(%dq, %dk, %dv, %db : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>)
         {causal} -> tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x1000xf32>
}
func.func @per_key_d128(%q: tensor<1x2x777x128xbf16>, %k: tensor<1x2x1000x128xbf16>, %lse: tensor<1x2x777xf32>, %b: tensor<1x2x1x1000xbf16>, %dq: tensor<1x2x777x128xbf16>, %dk: tensor<1x2x1000x128xbf16>, %db: tensor<1x2x1x1000xbf16>) -> (tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777xf32>)
         mask(%b : tensor<1x2x1x1000xbf16>)
         outs(%dq, %dk, %dk, %db : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>)
         {causal} -> tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1x1000xbf16>
}
