// REQUIRES: ptxas
// The wgmma backward (docs/Backward.md, "On the GPU: the wgmma kernels")
// assembled by ptxas for sm_90a at D = 64 and 128, bf16 and f16, dense and
// causal, with a sliding window and deterministic (dq = ordered; block
// masks: fa-compile-grad-wgmma-block-mask-ptxas.mlir): the main kernel (attention_grad_kernel_0) holds dK_j, dV_j, S^T,
// dP^T and dQ's accumulator in registers without spilling, and ptxas
// serializes none of its wgmmas. N = 1000 (a partial block), GQA 4/2. The
// model's pick, the TMA ring of two Q_i/dO_i buffers (stages 2, D61), and
// the one-buffer cp.async kernel (stages 1, given with the op).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: sed 's/x64xbf16/x64xf16/g' %s > %t/d64f16.mlir
// RUN: fa-compile %t/d64f16.mlir -o %t/d64f16 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64f16.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: sed 's/x64xbf16/x128xf16/g' %s > %t/d128f16.mlir
// RUN: fa-compile %t/d128f16.mlir -o %t/d128f16 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128f16.ptxas.log
// Causal.
// RUN: sed 's/{}/{causal}/' %s > %t/d64c.mlir
// RUN: fa-compile %t/d64c.mlir -o %t/d64c --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64c.ptxas.log
// RUN: sed 's/{}/{causal}/; s/x64xbf16/x128xbf16/g' %s > %t/d128c.mlir
// RUN: fa-compile %t/d128c.mlir -o %t/d128c --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128c.ptxas.log
// A sliding window (the q-block range, every score masked by its edges):
// RUN: sed 's/{}/{window = #fa.window<left = 200, right = 17>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128w.mlir
// RUN: fa-compile %t/d128w.mlir -o %t/d128w --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128w.ptxas.log
// RUN: sed 's/{}/{causal, window = #fa.window<left = 200, right = 0>}/' %s > %t/d64cw.mlir
// RUN: fa-compile %t/d64cw.mlir -o %t/d64cw --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64cw.ptxas.log
// Deterministic (dq = ordered: the semaphore's early read and spin, the
// turns' releases), dense and causal: the model's pick, the wide q-block
// on the ring (D110, D112: S^T m64 n128, dQ split by q rows, m64 n64), and
// one buffer given with the op (block_q 64: dQ split by columns, m64 n32):
// RUN: sed 's/{}/{deterministic}/' %s > %t/d64det.mlir
// RUN: fa-compile %t/d64det.mlir -o %t/d64det --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64det.ptxas.log
// RUN: FileCheck %s --check-prefixes=ORDERED,RINGORDERED < %t/d64det.ptx
// RUN: sed 's/{}/{deterministic, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}/' %s > %t/d64dets1.mlir
// RUN: fa-compile %t/d64dets1.mlir -o %t/d64dets1 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64dets1.ptxas.log
// RUN: FileCheck %s --check-prefixes=ORDERED,ONEORDERED < %t/d64dets1.ptx
// RUN: sed 's/{}/{causal, deterministic, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdets1.mlir
// RUN: fa-compile %t/d128cdets1.mlir -o %t/d128cdets1 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdets1.ptxas.log
// RUN: sed 's/{}/{causal, deterministic}/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdet.mlir
// RUN: fa-compile %t/d128cdet.mlir -o %t/d128cdet --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdet.ptxas.log
// RUN: sed 's/{}/{deterministic}/; s/x64xf16/x128xf16/g; s/x64xbf16/x128xf16/g' %s > %t/d128f16det.mlir
// RUN: fa-compile %t/d128f16det.mlir -o %t/d128f16det --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128f16det.ptxas.log
// One buffer (stages 1), causal, D = 64 and 128:
// RUN: sed 's/{}/{causal, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}/' %s > %t/d64s1.mlir
// RUN: fa-compile %t/d64s1.mlir -o %t/d64s1 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64s1.ptxas.log
// RUN: sed 's/{}/{causal, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128s1.mlir
// RUN: fa-compile %t/d128s1.mlir -o %t/d128s1 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128s1.ptxas.log
// The ring's PTX: TMA loads completing on mbarriers; one buffer's: none.
// RUN: FileCheck %s --check-prefix=RING < %t/d128c.ptx
// RUN: FileCheck %s --check-prefix=ONE < %t/d128s1.ptx
// RING: cp.async.bulk.tensor.4d
// RING: mbarrier.try_wait.parity
// ONE-NOT: cp.async.bulk.tensor
// ONE-NOT: mbarrier

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// The ordered kernels' PTX: the turn's relaxed read and spin, the acquire
// fence and the release (fence then a relaxed add); one buffer adds dQ by
// atomics, the ring by tensor reductions (D79), waited for to completion
// before a turn passes.
// ORDERED-LABEL: .entry attention_grad_kernel_0(
// ORDERED-DAG: ld.relaxed.gpu.global.b32
// ORDERED-DAG: fence.acq_rel.gpu;
// ORDERED-DAG: red.relaxed.gpu.global.add.s32
// ONEORDERED-DAG: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16
// ONEORDERED-DAG: red.global.add.v2.f32
// RINGORDERED-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// RINGORDERED-DAG: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group
// RINGORDERED-DAG: cp.async.bulk.wait_group 0;
// RINGORDERED-DAG: cp.async.bulk.wait_group.read 0;
// RINGORDERED-NOT: red.global.add.v2.f32
// ORDERED-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
