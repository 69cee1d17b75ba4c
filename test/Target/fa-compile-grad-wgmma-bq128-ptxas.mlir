// REQUIRES: ptxas
// The wgmma backward's wide q-block (block_q 128 at D = Dv = 64 on the TMA
// ring, D104; docs/Backward.md, "The wide q-block"), given with the op,
// with the direct epilogue asked for (auto's TMA store there since D130:
// fa-compile-grad-wgmma-bq128-tma-store-ptxas.mlir), assembled by ptxas
// for sm_90a: the main kernel (attention_grad_kernel_0)
// holds dK_j, dV_j (64 f32), S^T and dP^T (m64 n128: 64 f32 each) and P^T,
// dS^T's A registers without spilling, and ptxas serializes none of its
// wgmmas (255 registers in every case). N = 1000 (a partial block), GQA
// 4/2: bf16 and f16, dense and causal, causal with Nq != Nk both ways, GQA
// 4/1, i1 keep-masks, sliding windows.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/dense --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/dense.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/dense.ptx
// RUN: sed 's/x64xbf16/x64xf16/g' %s > %t/f16.mlir
// RUN: fa-compile %t/f16.mlir -o %t/f16 --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/f16.ptxas.log
// Causal, and causal with Nq != Nk both ways:
// RUN: sed 's/{tiling/{causal, tiling/' %s > %t/causal.mlir
// RUN: fa-compile %t/causal.mlir -o %t/causal --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causal.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/; s/1x2x1000x64/1x2x777x64/g' %s > %t/causalq.mlir
// RUN: fa-compile %t/causalq.mlir -o %t/causalq --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalq.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/; s/1x2x1000x64/1x2x2049x64/g' %s > %t/causalk.mlir
// RUN: fa-compile %t/causalk.mlir -o %t/causalk --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalk.ptxas.log
// Keep-masks (every pair tested): dense, causal, with a window; a
// key-padding keep-mask (broadcast over heads and queries), causal.
// RUN: sed 's/%lse: tensor<1x4x1000xf32>)/%lse: tensor<1x4x1000xf32>, %m: tensor<1x4x1000x1000xi1>)/; s/tensor<1x4x1000xf32>)$/tensor<1x4x1000xf32>) mask(%m : tensor<1x4x1000x1000xi1>)/' %s > %t/mask.mlir
// RUN: fa-compile %t/mask.mlir -o %t/mask --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mask.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/' %t/mask.mlir > %t/maskc.mlir
// RUN: fa-compile %t/maskc.mlir -o %t/maskc --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskc.ptxas.log
// RUN: sed 's/{tiling/{window = #fa.window<left = 200, right = 17>, tiling/' %t/mask.mlir > %t/maskw.mlir
// RUN: fa-compile %t/maskw.mlir -o %t/maskw --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskw.ptxas.log
// RUN: sed 's/1x4x1000x1000xi1/1x1x1x1000xi1/g; s/{tiling/{causal, tiling/' %t/mask.mlir > %t/maskpad.mlir
// RUN: fa-compile %t/maskpad.mlir -o %t/maskpad --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskpad.ptxas.log
// Sliding windows, causal and not:
// RUN: sed 's/{tiling/{causal, window = #fa.window<left = 200, right = 0>, tiling/' %s > %t/window.mlir
// RUN: fa-compile %t/window.mlir -o %t/window --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/window.ptxas.log
// RUN: sed 's/{tiling/{window = #fa.window<left = 200, right = 17>, tiling/' %s > %t/windownc.mlir
// RUN: fa-compile %t/windownc.mlir -o %t/windownc --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/windownc.ptxas.log
// GQA 4/1, causal:
// RUN: sed 's/1x2x1000x64/1x1x1000x64/g; s/{tiling/{causal, tiling/' %s > %t/gqa.mlir
// RUN: fa-compile %t/gqa.mlir -o %t/gqa --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=direct"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/gqa.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// A step: S^T m64 n128 (4 k16 steps) waited for, P^T, then dP^T m64 n128
// (its accumulator not live beside P^T's masks); dV += P^T dO_i (8
// k16 steps over the 128 q rows); dS^T's barrier; dQ_i's 64 q rows of the
// warpgroup, every column (m64 n64, 8 k16 steps over the 128 kv rows);
// dK += dS^T Q_i, in flight during dQ's adds: two tensor reductions a warp
// (16 rows x 64 f32). (The step's final wait sits in the loop's latch,
// which LLVM places before the loop's body in the text.)
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX: mbarrier.try_wait.parity
// PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX: wgmma.commit_group.sync.aligned;
// PTX-NEXT: wgmma.wait_group.sync.aligned 0;
// PTX: ex2.approx
// PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX: wgmma.commit_group.sync.aligned;
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX: wgmma.commit_group.sync.aligned;
// PTX: bar.sync 0;
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX: wgmma.commit_group.sync.aligned;
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX: wgmma.commit_group.sync.aligned;
// PTX: wgmma.wait_group.sync.aligned 1;
// PTX-COUNT-2: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group
// PTX: cp.async.bulk.commit_group;
// The direct epilogue: dK_j and dV_j by st.global.b16, no TMA store.
// PTX-NOT: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group
// PTX: st.global.b16
// PTX-NOT: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group
// PTX-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>, %lse: tensor<1x4x1000xf32>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
