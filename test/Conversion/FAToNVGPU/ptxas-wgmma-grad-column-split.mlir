// REQUIRES: ptxas
// The wgmma backward's column split at D = 256 and D = 192 with Dv = 128
// (docs/Backward.md, "On the GPU: the wgmma kernels"; docs/decisions.md
// D76): the model's pick (block_kv 64, the TMA ring at both), the
// conversion's products and ptxas assembling every kernel without spills.
// Each warpgroup computes S^T and dP^T for 32 of the 64 q columns (D / 16
// and Dv / 16 k16 steps of n = 32), then from shared memory dQ_i = dS K_j,
// dV += P^T dO_i and dK += dS^T Q_i over the q-block's four k16 steps for
// its D / 2 (Dv / 2) columns: one run of n = 128 at D = 256; at D = 192
// three runs of n = 32 (warpgroup 1's 96 columns start inside a 64-column
// block). The ring adds dQ by tensor reductions at D = 192 and by atomics at
// D = 256 (the warps' dQ tiles do not fit beside its buffers). Not yet run
// on a GPU.
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling | FileCheck %s --check-prefix=PICK
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling --convert-fa-to-nvgpu | FileCheck %s --check-prefix=IR
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling --convert-fa-to-nvgpu | fa-opt -o /dev/null
// RUN: fa-compile %s -o %t/all --function=d256 --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=CLEAN < %t/all.ptxas.log
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx

// PICK-LABEL: func.func @d256(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>
// PICK-LABEL: func.func @d192_causal(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>
// PICK-LABEL: func.func @d256_det(
// PICK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>
// PICK-LABEL: func.func @d192_one(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// PICK-LABEL: func.func @d256_one(
// PICK: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>

// D = 256 on the ring: S^T and dP^T 16 k16 steps of n = 32 each; dQ_i
// (from scratch), then dV and dK (accumulating) four steps of n = 128; dQ
// added by atomics, no bulk reduction.
// IR-LABEL: func.func @d256(
// IR-COUNT-16: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, <{{zero|one}}>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// IR-COUNT-16: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, <{{zero|one}}>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// IR-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <{{zero|one}}>], A[<bf16>, <one>, <col>], B[<bf16>, <one>, <row>]
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>]
// IR: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// IR-NOT: wgmma.mma_async.sync.aligned
// IR-NOT: cp.reduce.async.bulk
// D = 192, Dv = 128 on the ring: S^T 12 steps, dP^T 8; dQ three runs of
// n = 32; dV one run of n = 64, dK three of n = 32; dQ's tensor reductions
// of a warp's 16 rows x 96 f32, three boxes of 32 columns (D79).
// IR-LABEL: func.func @d192_causal(
// IR-COUNT-20: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, <{{zero|one}}>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// IR-COUNT-12: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, <{{zero|one}}>], A[<f16>, <one>, <col>], B[<f16>, <one>, <row>]
// IR-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>]
// IR-COUNT-12: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>]
// IR-COUNT-3: nvvm.cp.async.bulk.tensor.reduce
// IR-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// IR-LABEL: func.func @d256_det(
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>]
// IR: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// IR-LABEL: func.func @d192_one(
// IR-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <one>]
// IR: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// IR-LABEL: func.func @d256_one(
// IR-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>]
// IR: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"

// Every kernel of the five functions (preprocess, main, conversion; the
// module is built whole, --function names the manifest's): no stack, no
// spills.
// CLEAN-COUNT-15: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CLEAN-NOT: bytes spill
// PTX: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX: wgmma.mma_async.sync.aligned.m64n32k16.f32.f16.f16
// PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16

func.func @d256(%q: memref<2x4x2049x256xbf16>, %k: memref<2x2x2049x256xbf16>, %v: memref<2x2x2049x256xbf16>, %o: memref<2x4x2049x256xbf16>, %do: memref<2x4x2049x256xbf16>, %lse: memref<2x4x2049xf32>, %dq: memref<2x4x2049x256xbf16>, %dk: memref<2x2x2049x256xbf16>, %dv: memref<2x2x2049x256xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x2049x256xbf16>, memref<2x2x2049x256xbf16>, memref<2x2x2049x256xbf16>, memref<2x4x2049x256xbf16>, memref<2x4x2049x256xbf16>, memref<2x4x2049xf32>)
         outs(%dq, %dk, %dv : memref<2x4x2049x256xbf16>, memref<2x2x2049x256xbf16>, memref<2x2x2049x256xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
  return
}

func.func @d192_causal(%q: memref<2x8x777x192xf16>, %k: memref<2x1x1000x192xf16>, %v: memref<2x1x1000x128xf16>, %o: memref<2x8x777x128xf16>, %do: memref<2x8x777x128xf16>, %lse: memref<2x8x777xf32>, %dq: memref<2x8x777x192xf16>, %dk: memref<2x1x1000x192xf16>, %dv: memref<2x1x1000x128xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x8x777x192xf16>, memref<2x1x1000x192xf16>, memref<2x1x1000x128xf16>, memref<2x8x777x128xf16>, memref<2x8x777x128xf16>, memref<2x8x777xf32>)
         outs(%dq, %dk, %dv : memref<2x8x777x192xf16>, memref<2x1x1000x192xf16>, memref<2x1x1000x128xf16>)
         {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
  return
}

func.func @d256_det(%q: memref<1x2x1000x256xbf16>, %k: memref<1x2x1000x256xbf16>, %v: memref<1x2x1000x256xbf16>, %o: memref<1x2x1000x256xbf16>, %do: memref<1x2x1000x256xbf16>, %lse: memref<1x2x1000xf32>, %dq: memref<1x2x1000x256xbf16>, %dk: memref<1x2x1000x256xbf16>, %dv: memref<1x2x1000x256xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>, memref<1x2x1000xf32>)
         outs(%dq, %dk, %dv : memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>, memref<1x2x1000x256xbf16>)
         {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>}
  return
}

func.func @d192_one(%q: memref<1x2x1000x192xbf16>, %k: memref<1x2x1000x192xbf16>, %v: memref<1x2x1000x128xbf16>, %o: memref<1x2x1000x128xbf16>, %do: memref<1x2x1000x128xbf16>, %lse: memref<1x2x1000xf32>, %mask: memref<1x1x1000x1000xi1>, %dq: memref<1x2x1000x192xbf16>, %dk: memref<1x2x1000x192xbf16>, %dv: memref<1x2x1000x128xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x1000x192xbf16>, memref<1x2x1000x192xbf16>, memref<1x2x1000x128xbf16>, memref<1x2x1000x128xbf16>, memref<1x2x1000x128xbf16>, memref<1x2x1000xf32>) mask(%mask : memref<1x1x1000x1000xi1>)
         outs(%dq, %dk, %dv : memref<1x2x1000x192xbf16>, memref<1x2x1000x192xbf16>, memref<1x2x1000x128xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>}
  return
}

func.func @d256_one(%q: memref<1x4x777x256xf16>, %k: memref<1x2x1000x256xf16>, %v: memref<1x2x1000x256xf16>, %o: memref<1x4x777x256xf16>, %do: memref<1x4x777x256xf16>, %lse: memref<1x4x777xf32>, %dq: memref<1x4x777x256xf16>, %dk: memref<1x2x1000x256xf16>, %dv: memref<1x2x1000x256xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x777x256xf16>, memref<1x2x1000x256xf16>, memref<1x2x1000x256xf16>, memref<1x4x777x256xf16>, memref<1x4x777x256xf16>, memref<1x4x777xf32>)
         outs(%dq, %dk, %dv : memref<1x4x777x256xf16>, memref<1x2x1000x256xf16>, memref<1x2x1000x256xf16>)
         {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>}
  return
}
