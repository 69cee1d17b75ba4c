// REQUIRES: ptxas
// The wgmma backward's TMA ring (stages 2, the model's pick) with a
// runtime block mask (D75, docs/Backward.md "Windows and block masks"),
// walked dense (block-mask-walk=dense; kernel=auto's default is the
// compacted walk, ptxas-block-mask-grad-compacted.mlir), assembled by
// ptxas for sm_90a: the next step's entry decides its loads
// (the TMA with its bytes, or a plain arrival on the buffer's mbarrier),
// each step's products and dQ reductions under its own entry's branch, at
// D = 64 and 128, bf16 and f16, causal and dense, with and without
// deterministic (dq = ordered: a skipped step still waits for its turn and
// passes it). The main kernel keeps its registers without spilling and
// ptxas serializes none of its wgmmas. N = 1000 (partial blocks), GQA 4/2,
// mask blocks of 128 x 128 (the kernel's 64 x 128 divides them).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/d64.ptx
// RUN: sed 's/{block_sparse/{causal, deterministic, block_sparse/' %s > %t/d64cdet.mlir
// RUN: fa-compile %t/d64cdet.mlir -o %t/d64cdet --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64cdet.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: sed 's/{block_sparse/{causal, block_sparse/; s/x64xbf16/x128xbf16/g' %s > %t/d128c.mlir
// RUN: fa-compile %t/d128c.mlir -o %t/d128c --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128c.ptxas.log
// RUN: sed 's/{block_sparse/{deterministic, block_sparse/; s/x64xbf16/x128xf16/g' %s > %t/d128f16det.mlir
// RUN: fa-compile %t/d128f16det.mlir -o %t/d128f16det --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128f16det.ptxas.log
// RUN: sed 's/{block_sparse/{causal, deterministic, block_sparse/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdet.mlir
// RUN: fa-compile %t/d128cdet.mlir -o %t/d128cdet --pipeline-options="target=h200 kernel=wgmma block-mask-walk=dense"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdet.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// Step 0's entry (an i8 load), its TMA loads with their bytes or a plain
// arrival; in the loop the next step's the same way, then the parity wait.
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX: ld.global.b8
// PTX: mbarrier.arrive.expect_tx.shared.b64
// PTX: cp.async.bulk.tensor.4d
// PTX: mbarrier.arrive.shared.b64
// PTX: ld.global.b8
// PTX: mbarrier.arrive.expect_tx.shared.b64
// PTX: cp.async.bulk.tensor.4d
// PTX: mbarrier.arrive.shared.b64
// PTX: mbarrier.try_wait.parity
// PTX: wgmma.mma_async
// PTX: cp.reduce.async.bulk
// PTX-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %bm: tensor<1x4x8x8xi8>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         block_mask(%bm : tensor<1x4x8x8xi8>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
