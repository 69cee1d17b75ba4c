// REQUIRES: ptxas
// Mask patterns in the wgmma backward (D75: the kv-block's list of
// q-blocks from BlockClassifier, the mma.sync backward's QueryBlockList;
// on the TMA ring, the model's pick, the list's full pairs take the
// unmasked branch) assembled by ptxas for sm_90a: no serialized wgmma; no
// spills for a butterfly with global tokens at D = 64 (Nq != Nk, GQA),
// causal chunks at D = 128 (ragged blocks, Nq != Nk), a butterfly at
// D = 128 and a causal window with global tokens (attention sinks) at
// D = 128, GQA 4/1. The last two spilled (36-48 and 8 bytes) while each
// warp's lane 0 added its own dQ boxes; with the warpgroup's reductions
// (D127, auto at block_q 64) their masked branches fit in 255 registers.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/all --function=butterfly_global --pipeline-options="target=h100 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=SERIAL < %t/all.ptxas.log
// The main kernels: each function's second (its preprocess, main and
// convert kernels are numbered in the module's order).
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx
// RUN: grep -A2 "'butterfly_global_kernel_0'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS
// RUN: grep -A2 "'chunk_kernel_2'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS
// RUN: grep -A2 "'sinks_kernel_4'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS
// RUN: grep -A2 "'butterfly_d128_kernel_6'" %t/all.ptxas.log | FileCheck %s --check-prefix=PTXAS

// SERIAL-COUNT-12: Compiling entry function
// SERIAL-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function '{{.*}}_kernel_{{[0-9]}}' for 'sm_90a'
// PTXAS-NEXT: Function properties for {{.*}}_kernel_{{[0-9]}}
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// The lists are a constant global the main kernel reads.
// PTX: .global .align {{[0-9]+}} .b8 __fa_block_lists{{[_0-9]*}}[
// PTX-LABEL: .entry butterfly_global_kernel_0(
// PTX: ld.global.nc
// PTX: cp.async.bulk.tensor.4d
// PTX: wgmma.mma_async

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
func.func @sinks(%q: tensor<2x4x1000x128xf16>, %k: tensor<2x1x1000x128xf16>, %lse: tensor<2x4x1000xf32>, %dq: tensor<2x4x1000x128xf16>, %dk: tensor<2x1x1000x128xf16>, %dv: tensor<2x1x1000x128xf16>) -> (tensor<2x4x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x1x1000x128xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<2x4x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x4x1000x128xf16>, tensor<2x4x1000x128xf16>, tensor<2x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<2x4x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x1x1000x128xf16>)
         {causal, window = #fa.window<left = 128, right = 0>, mask_pattern = #fa.mask_pattern<global = 4>} -> tensor<2x4x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x1x1000x128xf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x1000x128xf16>, tensor<2x1x1000x128xf16>, tensor<2x1x1000x128xf16>
}
func.func @butterfly_d128(%q: tensor<1x2x1000x128xbf16>, %k: tensor<1x2x777x128xbf16>, %lse: tensor<1x2x1000xf32>, %dq: tensor<1x2x1000x128xbf16>, %dk: tensor<1x2x777x128xbf16>, %dv: tensor<1x2x777x128xbf16>) -> (tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>)
         {causal, mask_pattern = #fa.mask_pattern<butterfly = 48>} -> tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1000x128xbf16>, tensor<1x2x777x128xbf16>, tensor<1x2x777x128xbf16>
}
