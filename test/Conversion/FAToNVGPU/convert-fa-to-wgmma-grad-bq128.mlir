// The wgmma backward's wide q-block (block_q 128 at D = Dv = 64 on the TMA
// ring, D104; docs/Backward.md, "The wide q-block"): Q's and dO's tensor
// maps take boxes of 128 rows x 64 columns; the main kernel's shared
// memory holds K_j, V_j (16 KiB each), two buffers of Q_i and dO_i (16 KiB
// each), dS^T [128 kv, 128 q] (two 64-column blocks, 32 KiB), the rows of
// both buffers (f32 [4, 128]), 1 KiB of slack and the warps' dQ tiles (8 x
// 16 rows of 64 f32: 32 KiB), 166912 B; each buffer expects 32 KiB on its
// mbarrier. A step: S^T m64 n128 (4 k16 steps), waited for; P^T's 16
// fragments (the edge branch); only then dP^T m64 n128, waited for (its 64
// accumulator registers are not live beside the mask's tests: at ptxas's
// 255 they spilled); dV += P^T dO_i over k = 128 (8 k16 steps in one asm);
// dS^T's
// 32 pairs a thread stored, fenced, a barrier; dQ_i's m64 n64 over the 128
// kv rows (8 k16 steps, A = dS MN-major from the warpgroup's column block
// of the dS^T tile, B = K_j MN-major); dK += dS^T Q_i; the warp's 16 rows
// of 64 f32 staged (16 pairs a lane) and added by two tensor reductions.
// RUN: fa-opt %s --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_wide
// CHECK: %[[QMAP:.*]] = nvgpu.tma.create.descriptor {{.*}} box[%{{.*}}, %{{.*}}, %c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK: %[[DOMAP:.*]] = nvgpu.tma.create.descriptor {{.*}} box[%{{.*}}, %{{.*}}, %c128{{.*}}, %c64{{.*}}]
// CHECK: %[[DQMAP:.*]] = nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}, %{{.*}}, %c16{{.*}}, %c32{{.*}}] : memref<*xf32>
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %c166912_i32
// CHECK: %[[ROWS:.*]] = memref.view {{.*}} to memref<4x128xf32, #gpu.address_space<workgroup>>
// CHECK: %[[DQT:.*]] = memref.view {{.*}} to memref<8192xf32, #gpu.address_space<workgroup>>
// CHECK: nvgpu.mbarrier.arrive.expect_tx %{{.*}}[%{{.*}}], %c32768
// CHECK: scf.for
// CHECK: nvgpu.mbarrier.arrive.expect_tx %{{.*}}[%{{.*}}], %c32768
// CHECK: nvgpu.tma.async.load %[[QMAP]]
// CHECK: nvgpu.tma.async.load %[[DOMAP]]
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, {{.*}}], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: %{{.*}}:16 = scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: scf.yield
// CHECK-NEXT: } else {
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-COUNT-32: vector.store {{.*}} vector<2xbf16>
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, {{.*}}], A[<bf16>, <one>, <col>], B[<bf16>, <one>, <row>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-COUNT-16: vector.store {{.*}}, %[[DQT]][{{.*}}] {alignment = 8 : i64} : memref<8192xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-COUNT-2: nvvm.cp.async.bulk.tensor.reduce
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK-NOT: fa.attention_grad

func.func @grad_wide(%q: memref<1x4x300x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x300x64xbf16>, %do: memref<1x4x300x64xbf16>, %lse: memref<1x4x300xf32>, %dq: memref<1x4x300x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300xf32>)
      outs(%dq, %dk, %dv : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}
