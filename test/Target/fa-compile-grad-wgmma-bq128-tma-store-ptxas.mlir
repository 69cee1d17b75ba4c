// REQUIRES: ptxas
// The TMA-store epilogue on the wgmma backward's wide q-block (block_q 128
// at D = Dv = 64 on the TMA ring with `epilogue = tma_store`, D130;
// docs/Backward.md, "The wide q-block"), given with the op and asked for by
// the option, assembled by ptxas for sm_90a: the main kernel
// (attention_grad_kernel_0) stages dK_j and dV_j in shared memory and
// stores them by two TMA stores beside the wide step's registers without
// spilling (252-255 registers), and ptxas serializes none of its wgmmas.
// N = 1000 (a partial block), GQA 4/2: bf16 and f16, dense and causal,
// causal with Nq != Nk both ways, GQA 4/1, i1 keep-masks; and the training
// models' BERT-large shape (B 16, H 16, N 512). A sliding window is refused
// (ptxas spilled 8 bytes with a causal one, 208 with a non-causal one,
// D110): BackwardCostModel's backwardEpilogueReason.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/dense --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/dense.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/dense.ptx
// RUN: sed 's/x64xbf16/x64xf16/g' %s > %t/f16.mlir
// RUN: fa-compile %t/f16.mlir -o %t/f16 --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/f16.ptxas.log
// Causal, and causal with Nq != Nk both ways:
// RUN: sed 's/{tiling/{causal, tiling/' %s > %t/causal.mlir
// RUN: fa-compile %t/causal.mlir -o %t/causal --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causal.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/; s/1x2x1000x64/1x2x777x64/g' %s > %t/causalq.mlir
// RUN: fa-compile %t/causalq.mlir -o %t/causalq --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalq.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/; s/1x2x1000x64/1x2x2049x64/g' %s > %t/causalk.mlir
// RUN: fa-compile %t/causalk.mlir -o %t/causalk --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/causalk.ptxas.log
// Keep-masks: dense, causal; a
// key-padding keep-mask (broadcast over heads and queries), causal.
// RUN: sed 's/%lse: tensor<1x4x1000xf32>)/%lse: tensor<1x4x1000xf32>, %m: tensor<1x4x1000x1000xi1>)/; s/tensor<1x4x1000xf32>)$/tensor<1x4x1000xf32>) mask(%m : tensor<1x4x1000x1000xi1>)/' %s > %t/mask.mlir
// RUN: fa-compile %t/mask.mlir -o %t/mask --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/mask.ptxas.log
// RUN: sed 's/{tiling/{causal, tiling/' %t/mask.mlir > %t/maskc.mlir
// RUN: fa-compile %t/maskc.mlir -o %t/maskc --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskc.ptxas.log
// RUN: sed 's/1x4x1000x1000xi1/1x1x1x1000xi1/g; s/{tiling/{causal, tiling/' %t/mask.mlir > %t/maskpad.mlir
// RUN: fa-compile %t/maskpad.mlir -o %t/maskpad --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/maskpad.ptxas.log
// GQA 4/1, causal:
// RUN: sed 's/1x2x1000x64/1x1x1000x64/g; s/{tiling/{causal, tiling/' %s > %t/gqa.mlir
// RUN: fa-compile %t/gqa.mlir -o %t/gqa --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/gqa.ptxas.log
// Windows, causal and not: refused, naming why.
// RUN: sed 's/{tiling/{causal, window = #fa.window<left = 200, right = 0>, tiling/' %s > %t/window.mlir
// RUN: not fa-compile %t/window.mlir -o %t/window --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store" 2>&1 | FileCheck %s --check-prefix=REFUSED
// RUN: sed 's/{tiling/{window = #fa.window<left = 200, right = 17>, tiling/' %s > %t/windownc.mlir
// RUN: not fa-compile %t/windownc.mlir -o %t/windownc --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store" 2>&1 | FileCheck %s --check-prefix=REFUSED
// BERT-large's attention (B 16, H 16, N 512), dense:
// RUN: sed 's/1x4x1000x64/16x16x512x64/g; s/1x2x1000x64/16x16x512x64/g; s/1x4x1000xf32/16x16x512xf32/g' %s > %t/bert.mlir
// RUN: fa-compile %t/bert.mlir -o %t/bert --pipeline-options="target=h200 kernel=wgmma backward-gqa=loop backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/bert.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// REFUSED: the TMA-store epilogue is not built with block_q 128 and a #fa.window

// The epilogue: dK_j and dV_j leave by two TMA tensor stores (the direct
// epilogue has none) after the ring's loop.
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX-COUNT-2: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group
// PTX-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>, %lse: tensor<1x4x1000xf32>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
