// REQUIRES: ptxas
// The ordered dQ's turns passed after the score products (`dq-pass=
// after-scores`, D115; docs/Backward.md, "Deterministic dQ") assembled by
// ptxas for sm_90a through fa-compile's pipeline option: the main kernel
// (attention_grad_kernel_0) spills nothing and ptxas serializes none of its
// wgmmas, at D = 128 (block_q 64, the TMA store: the deterministic pick)
// and D = 64 (the wide q-block), bf16 and f16, dense and causal, GQA 4/2,
// a window. N = 1000 (a partial block).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d64.ptx
// RUN: sed 's/{deterministic}/{deterministic, causal}/' %s > %t/d64c.mlir
// RUN: fa-compile %t/d64c.mlir -o %t/d64c --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64c.ptxas.log
// RUN: sed 's/x64xbf16/x64xf16/g' %s > %t/d64f16.mlir
// RUN: fa-compile %t/d64f16.mlir -o %t/d64f16 --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64f16.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d128.ptx
// RUN: sed 's/{deterministic}/{deterministic, causal}/; s/x64xbf16/x128xf16/g' %s > %t/d128c.mlir
// RUN: fa-compile %t/d128c.mlir -o %t/d128c --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128c.ptxas.log
// RUN: sed 's/{deterministic}/{deterministic, window = #fa.window<left = 200, right = 17>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128w.mlir
// RUN: fa-compile %t/d128w.mlir -o %t/d128w --pipeline-options="target=h200 kernel=wgmma dq-pass=after-scores"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128w.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// The main kernel: the step's top has no completion wait before its first
// barrier; the completion, the barrier and the pass come after the first
// product's group is committed, before any wgmma wait; the wait for the
// turn later; the loop's end keeps its completion wait.
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX-NOT: cp.async.bulk.wait_group 0;
// PTX: wgmma.commit_group.sync.aligned;
// PTX-NOT: wgmma.wait_group.sync.aligned
// PTX: cp.async.bulk.wait_group 0;
// PTX-NEXT: // end inline asm
// PTX-NEXT: bar.sync 0;
// PTX: red.relaxed.gpu.global.add.s32
// PTX: wgmma.wait_group.sync.aligned
// PTX: ld.relaxed.gpu.global.b32
// PTX: fence.acq_rel.gpu;
// PTX: cp.async.bulk.wait_group 0;
// PTX: bar.sync 0;
// PTX: red.relaxed.gpu.global.add.s32
// PTX-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {deterministic} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
