// REQUIRES: ptxas
// The wgmma backward's launch order (`backward-launch-chunk=4`, D133;
// docs/Backward.md "The launch order") at the Llama-style training shape
// (B 2, Hq 32 / Hkv 8, N 4096, D 64, causal: the loop over the group, the
// wide q-block at 255 registers). The main kernel renames its blocks from
// the hardware's ids at its top, and its epilogue renames them again from
// ids read anew (statements with side effects, after the ring's loop): the
// loop's renamed ids need not stay live across the epilogue, where ptxas
// spilled them (4 bytes) when it could not read `%ctaid` again instead.
// ptxas: the main kernel spills nothing.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/lc --pipeline-options="target=h100 kernel=wgmma backward-launch-chunk=4"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/lc.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/lc.ptx

// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NEXT: Used {{[0-9]+}} registers

// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX: mov.u32 {{.*}}%ctaid.x;
// PTX: mov.u32 {{.*}}%ctaid.y;
// PTX: mov.u32 {{.*}}%ctaid.z;
// PTX: cp.reduce.async.bulk.tensor
// PTX: cp.async.bulk.wait_group 0;
// PTX-NOT: %ctaid
// PTX: // begin inline asm
// PTX-NEXT: mov.u32 %r{{[0-9]+}}, %ctaid.x;
// PTX-NEXT: // end inline asm
// PTX-NEXT: // begin inline asm
// PTX-NEXT: mov.u32 %r{{[0-9]+}}, %ctaid.y;
// PTX-NEXT: // end inline asm
// PTX-NEXT: // begin inline asm
// PTX-NEXT: mov.u32 %r{{[0-9]+}}, %ctaid.z;
// PTX-NOT: %ctaid
// PTX: .entry

func.func @attention_grad(%q: tensor<2x32x4096x64xbf16>, %k: tensor<2x8x4096x64xbf16>, %v: tensor<2x8x4096x64xbf16>, %o: tensor<2x32x4096x64xbf16>, %do: tensor<2x32x4096x64xbf16>, %lse: tensor<2x32x4096xf32>, %dq: tensor<2x32x4096x64xbf16>, %dk: tensor<2x8x4096x64xbf16>, %dv: tensor<2x8x4096x64xbf16>) -> (tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096xf32>)
         outs(%dq, %dk, %dv : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>)
         {causal} -> tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
}
