// REQUIRES: ptxas
// Ordered dQ on the wgmma backward's wide q-block (block_q 128 at D = Dv =
// 64 on the TMA ring with dq = ordered, D110; docs/Backward.md, "Ordered dQ
// on the wide q-block"), given with the op, assembled by ptxas for sm_90a:
// the main kernel (attention_grad_kernel_0) adds thread 0's turn (the
// semaphore's address and its early read) to the wide step's 255 registers
// without spilling, and ptxas serializes none of its wgmmas. N = 1000 (a
// partial block), GQA 4/2: bf16 and f16, dense and causal, causal with Nq
// != Nk both ways, GQA 4/1, i1 keep-masks (dense, causal with a window; a
// key-padding one, causal), sliding windows.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/dense --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/dense.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/dense.ptx
// RUN: sed 's/x64xbf16/x64xf16/g' %s > %t/f16.mlir
// RUN: fa-compile %t/f16.mlir -o %t/f16 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/f16.ptxas.log
// Causal, and causal with Nq != Nk both ways:
// RUN: sed 's/{deterministic,/{deterministic, causal,/' %s > %t/causal.mlir
// RUN: fa-compile %t/causal.mlir -o %t/causal --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causal.ptxas.log
// RUN: sed 's/{deterministic,/{deterministic, causal,/; s/1x2x1000x64/1x2x777x64/g' %s > %t/causalq.mlir
// RUN: fa-compile %t/causalq.mlir -o %t/causalq --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalq.ptxas.log
// RUN: sed 's/{deterministic,/{deterministic, causal,/; s/1x2x1000x64/1x2x2049x64/g' %s > %t/causalk.mlir
// RUN: fa-compile %t/causalk.mlir -o %t/causalk --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalk.ptxas.log
// Keep-masks (every pair tested): dense, causal with a window; a
// key-padding keep-mask (broadcast over heads and queries), causal.
// RUN: sed 's/%lse: tensor<1x4x1000xf32>)/%lse: tensor<1x4x1000xf32>, %m: tensor<1x4x1000x1000xi1>)/; s/tensor<1x4x1000xf32>)$/tensor<1x4x1000xf32>) mask(%m : tensor<1x4x1000x1000xi1>)/' %s > %t/mask.mlir
// RUN: fa-compile %t/mask.mlir -o %t/mask --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mask.ptxas.log
// RUN: sed 's/{deterministic,/{deterministic, causal, window = #fa.window<left = 200, right = 0>,/' %t/mask.mlir > %t/maskw.mlir
// RUN: fa-compile %t/maskw.mlir -o %t/maskw --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskw.ptxas.log
// RUN: sed 's/1x4x1000x1000xi1/1x1x1x1000xi1/g; s/{deterministic,/{deterministic, causal,/' %t/mask.mlir > %t/maskpad.mlir
// RUN: fa-compile %t/maskpad.mlir -o %t/maskpad --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskpad.ptxas.log
// Sliding windows, causal and not:
// RUN: sed 's/{deterministic,/{deterministic, causal, window = #fa.window<left = 200, right = 0>,/' %s > %t/window.mlir
// RUN: fa-compile %t/window.mlir -o %t/window --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/window.ptxas.log
// RUN: sed 's/{deterministic,/{deterministic, window = #fa.window<left = 200, right = 17>,/' %s > %t/windownc.mlir
// RUN: fa-compile %t/windownc.mlir -o %t/windownc --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/windownc.ptxas.log
// GQA 4/1, dense and causal:
// RUN: sed 's/1x2x1000x64/1x1x1000x64/g' %s > %t/gqa.mlir
// RUN: fa-compile %t/gqa.mlir -o %t/gqa --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/gqa.ptxas.log
// RUN: sed 's/1x2x1000x64/1x1x1000x64/g; s/{deterministic,/{deterministic, causal,/' %s > %t/gqac.mlir
// RUN: fa-compile %t/gqac.mlir -o %t/gqac --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/gqac.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// The wide step with the turns: at its top the reductions of the step
// before complete (writes, not only reads) before the first barrier;
// thread 0 passes the step before's turn (fence, relaxed add) and reads
// this step's early; S^T m64 n128, P^T, dP^T m64 n128 and dV's product;
// thread 0 spins until its turn, fences, and only then dS^T's barrier, dQ_i's
// 64 q rows of the warpgroup (m64 n64 over the 128 kv rows) and the two
// tensor reductions a warp.
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX: cp.async.bulk.wait_group 0;
// PTX: bar.sync 0;
// PTX: red.relaxed.gpu.global.add.s32
// PTX: ld.relaxed.gpu.global.b32
// PTX: mbarrier.try_wait.parity
// PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX: ex2.approx
// PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX: ld.relaxed.gpu.global.b32
// PTX: fence.acq_rel.gpu;
// PTX: bar.sync 0;
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX-COUNT-2: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group
// PTX-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>, %lse: tensor<1x4x1000xf32>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {deterministic, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
