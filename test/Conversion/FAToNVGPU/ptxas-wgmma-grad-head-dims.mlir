// REQUIRES: ptxas
// The wgmma backward at D = 96 and 80 (docs/Backward.md, "On the GPU: the
// wgmma kernels"; docs/decisions.md D71): the model's pick (the TMA ring,
// 64 x 128, 2 stages, 8 warps; one buffer given), the conversion's
// products and ptxas assembling every kernel without spills. Tiles take
// two 64-column blocks (the second partly used): S^T and dP^T issue D / 16
// k16 steps, dK and dV one n = D wgmma a step; each warpgroup's D / 2
// columns of dQ_i = dS K_j in two runs that stay inside a 64-column block
// (D = 96: n = 16 then 32; D = 80: 24 then 16). Not yet run on a GPU.
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling | FileCheck %s --check-prefix=PICK
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling --convert-fa-to-nvgpu | FileCheck %s --check-prefix=IR
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling --convert-fa-to-nvgpu | fa-opt -o /dev/null
// RUN: fa-compile %s -o %t/all --function=d96 --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=CLEAN < %t/all.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx

// PICK-LABEL: func.func @d96(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d80_causal(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// PICK-LABEL: func.func @d96_one(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>
// PICK-LABEL: func.func @d80_det(
// PICK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>

// D = 96: S^T and dP^T six k16 steps each, then dQ's two runs over the
// eight k16 steps of the kv-block.
// IR-LABEL: func.func @d96(
// IR-COUNT-6: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// IR-COUNT-6: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// IR: wgmma.mma_async.sync.aligned.m64n96k16
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 16, k = 16>
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// IR: cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 {{.*}}, 192;
// IR-LABEL: func.func @d80_causal(
// IR-COUNT-5: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// IR: wgmma.mma_async.sync.aligned.m64n80k16
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 24, k = 16>
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 16, k = 16>
// IR: cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 {{.*}}, 160;
// IR-LABEL: func.func @d96_one(
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 16, k = 16>
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// IR: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"

// Every kernel of the four functions (preprocess, main, conversion; the
// module is built whole, --function names the manifest's): no stack, no
// spills.
// CLEAN-COUNT-12: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CLEAN-NOT: bytes spill
// PTX: wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16
// PTX: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16

func.func @d96(%q: memref<2x4x2049x96xbf16>, %k: memref<2x2x2049x96xbf16>, %v: memref<2x2x2049x96xbf16>, %o: memref<2x4x2049x96xbf16>, %do: memref<2x4x2049x96xbf16>, %lse: memref<2x4x2049xf32>, %dq: memref<2x4x2049x96xbf16>, %dk: memref<2x2x2049x96xbf16>, %dv: memref<2x2x2049x96xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x2049x96xbf16>, memref<2x2x2049x96xbf16>, memref<2x2x2049x96xbf16>, memref<2x4x2049x96xbf16>, memref<2x4x2049x96xbf16>, memref<2x4x2049xf32>)
         outs(%dq, %dk, %dv : memref<2x4x2049x96xbf16>, memref<2x2x2049x96xbf16>, memref<2x2x2049x96xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
  return
}

func.func @d80_causal(%q: memref<2x8x777x80xf16>, %k: memref<2x1x1000x80xf16>, %v: memref<2x1x1000x80xf16>, %o: memref<2x8x777x80xf16>, %do: memref<2x8x777x80xf16>, %lse: memref<2x8x777xf32>, %dq: memref<2x8x777x80xf16>, %dk: memref<2x1x1000x80xf16>, %dv: memref<2x1x1000x80xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x8x777x80xf16>, memref<2x1x1000x80xf16>, memref<2x1x1000x80xf16>, memref<2x8x777x80xf16>, memref<2x8x777x80xf16>, memref<2x8x777xf32>)
         outs(%dq, %dk, %dv : memref<2x8x777x80xf16>, memref<2x1x1000x80xf16>, memref<2x1x1000x80xf16>)
         {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
  return
}

func.func @d96_one(%q: memref<1x2x1000x96xf16>, %k: memref<1x2x1000x96xf16>, %v: memref<1x2x1000x96xf16>, %o: memref<1x2x1000x96xf16>, %do: memref<1x2x1000x96xf16>, %lse: memref<1x2x1000xf32>, %dq: memref<1x2x1000x96xf16>, %dk: memref<1x2x1000x96xf16>, %dv: memref<1x2x1000x96xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>, memref<1x2x1000xf32>)
         outs(%dq, %dk, %dv : memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>, memref<1x2x1000x96xf16>)
         {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

func.func @d80_det(%q: memref<1x2x2049x80xbf16>, %k: memref<1x2x2049x80xbf16>, %v: memref<1x2x2049x80xbf16>, %o: memref<1x2x2049x80xbf16>, %do: memref<1x2x2049x80xbf16>, %lse: memref<1x2x2049xf32>, %dq: memref<1x2x2049x80xbf16>, %dk: memref<1x2x2049x80xbf16>, %dv: memref<1x2x2049x80xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>, memref<1x2x2049xf32>)
         outs(%dq, %dk, %dv : memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>, memref<1x2x2049x80xbf16>)
         {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>}
  return
}
