// REQUIRES: ptxas
// The wgmma backward's split group (`backward-gqa=split`, D119;
// docs/Backward.md, "The split group") assembled by ptxas for sm_90a
// through fa-compile's pipeline option, with the model's picks (at D = 64
// the wide q-block, at D = 128 block_q 64; the direct epilogue): GQA 4/1
// causal with Nq != Nk, and at D = 128 GQA 4/2 dense, N not a multiple of
// the blocks. The main kernel (attention_grad_kernel_1: the preprocess is
// attention_grad_kernel, the accumulators' zeroing _0, the conversions _2
// and _3) spills nothing and ptxas serializes none of its wgmmas.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed 's/{}/{causal}/; s/1x2x1000x64/1x1x777x64/g' %s > %t/d64.mlir
// RUN: fa-compile %t/d64.mlir -o %t/d64 --pipeline-options="target=h100 kernel=wgmma backward-gqa=split"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h100 kernel=wgmma backward-gqa=split"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_1' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_1
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
