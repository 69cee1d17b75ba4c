// REQUIRES: ptxas
// Mask patterns in the mma.sync backward (BlockClassifier's lists by
// kv-block, docs/BlockSparse.md "The kernels' block lists") assembled by
// ptxas, no spills: a butterfly with global tokens at D = 64 (Nq != Nk,
// GQA) and causal chunks at D = 128 (ragged blocks). The lists are a
// constant global, not an argument.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --function=butterfly_global --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d64.ptx

// The preprocess, main and convert kernels of each function.
// PTXAS-COUNT-6: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: spill stores
// PTX: .global .align {{[0-9]+}} .b8 __fa_block_lists{{[_0-9]*}}[
// PTX: .global .align {{[0-9]+}} .b8 __fa_block_lists{{[_0-9]*}}[
// PTX: ld.global.nc
func.func @butterfly_global(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x1000x64xf16>, %v: tensor<2x2x1000x64xf16>, %o: tensor<2x4x300x64xf16>, %do: tensor<2x4x300x64xf16>, %lse: tensor<2x4x300xf32>, %dq: tensor<2x4x300x64xf16>, %dk: tensor<2x2x1000x64xf16>, %dv: tensor<2x2x1000x64xf16>) -> (tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300x64xf16>, tensor<2x4x300xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>)
         {mask_pattern = #fa.mask_pattern<global = 16, butterfly = 128>} -> tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x300x64xf16>, tensor<2x2x1000x64xf16>, tensor<2x2x1000x64xf16>
}
func.func @chunk(%q: tensor<1x2x1000x128xbf16>, %o: tensor<1x2x777x128xbf16>, %lse: tensor<1x2x777xf32>, %dq: tensor<1x2x777x128xbf16>, %dk: tensor<1x2x1000x128xbf16>, %dv: tensor<1x2x1000x128xbf16>) -> (tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>) {
  %r:3 = fa.attention_grad ins(%o, %q, %q, %o, %o, %lse : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
         {causal, mask_pattern = #fa.mask_pattern<chunk = 128>} -> tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>
}
