// REQUIRES: ptxas
// The wgmma backward's fused dQ conversion (`backward-dq-convert=fused`,
// D120; docs/Backward.md, "The fused dQ conversion") assembled by ptxas for
// sm_90a through fa-compile's pipeline option, with the model's picks: at
// D = 64 GQA 4/1 causal with Nq != Nk (the wide q-block), at D = 128 GQA
// 4/2 dense with N not a multiple of the blocks (block_q 64, the TMA-store
// epilogue). Two kernels (the preprocess attention_grad_kernel and the main
// kernel _0, no convert kernel); the main kernel spills nothing and ptxas
// serializes none of its wgmmas.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed 's/{}/{causal}/; s/1x2x1000x64/1x1x777x64/g' %s > %t/d64.mlir
// RUN: fa-compile %t/d64.mlir -o %t/d64 --pipeline-options="target=h100 kernel=wgmma backward-dq-convert=fused"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h100 kernel=wgmma backward-dq-convert=fused"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS-NOT: attention_grad_kernel_1

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
