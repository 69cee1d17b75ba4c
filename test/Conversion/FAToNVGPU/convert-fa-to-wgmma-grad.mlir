// convert-fa-to-nvgpu on an fa.attention_grad scheduled for the wgmma
// backward (docs/Backward.md, "On the GPU: the wgmma kernels"): the shared
// preprocess and convert kernels around the wgmma main kernel, the scratch
// buffers, then the op is gone. First with one buffer of Q_i and dO_i
// (stages 1, cp.async, D54), then with the TMA ring of two (stages 2, D61).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad
// CHECK-SAME: %[[Q:[a-z0-9]+]]: memref<1x4x100x64xbf16> {fa.align = 16 : i64}
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// 1. D = rowsum(dO * O), the accumulator zeroed; grid (q-blocks of 64, Hq, B).
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c4{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256
// CHECK: gpu.shuffle xor
// CHECK: vector.store {{.*}}, %[[ACC]]
// CHECK: gpu.terminator
// 2. The main kernel: grid (kv-blocks of 128 rows, Hkv, B), two warpgroups;
// shared memory K_j, V_j [128, 64], Q_i, dO_i [64, 64], dS^T [128, 64] in
// bf16 (65536 B), the lse and D rows (f32, 1 KiB) and 1 KiB to align the
// base to the swizzle atom.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}) dynamic_shared_memory_size %c67584_i32
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: memref.view {{.*}} to memref<?xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[ROWS:.*]] = memref.view {{.*}} to memref<2x64xf32, #gpu.address_space<workgroup>>
// K_j and V_j once, then per query head of the group and q-block:
// CHECK: nvgpu.device_async_copy %arg1
// CHECK: nvgpu.device_async_copy %arg2
// CHECK: scf.for
// CHECK: scf.for
// Q_i and dO_i, made visible to the async proxy; the q-block's lse and D
// staged by the first 128 threads.
// CHECK: gpu.barrier
// CHECK: nvgpu.device_async_copy %arg0
// CHECK: nvgpu.device_async_copy %arg4
// CHECK: memref.load %arg5
// CHECK: memref.load %[[D]]
// CHECK: memref.store {{.*}}, %[[ROWS]]
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// S^T = K_wg Q_i^T and dP^T = V_wg dO_i^T issued together: m64 n64
// (block_q), D / 16 k16 steps each, both operands K-major.
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, {{.*}}], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// P^T from the logsumexp once S^T is done, while dP^T computes.
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: memref.load %[[ROWS]]
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// dS^T with D once dP^T is done.
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: memref.load %[[ROWS]]
// dV += P^T dO_i and dK += dS^T Q_i: A from registers, B MN-major, both
// in flight while dS^T goes to shared memory in pairs; then dQ_i's half of
// D per warpgroup: dS read transposed (A col), K_j MN-major (B row), added
// atomically once every group is done.
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK-COUNT-16: vector.store {{.*}} vector<2xbf16>
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>, D[<f32>, {{.*}}], A[<bf16>, <one>, <col>], B[<bf16>, <one>, <row>]
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// CHECK: scf.yield
// dK_j * scale and dV_j at the end.
// CHECK: nvgpu.device_async_wait
// CHECK: memref.store {{.*}}, %arg7
// CHECK: memref.store {{.*}}, %arg8
// CHECK: gpu.terminator
// 3. dQ = scale * the accumulator, rounded.
// CHECK: gpu.launch
// CHECK: vector.load %[[ACC]]
// CHECK: arith.truncf
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[D]]
// CHECK: memref.dealloc %[[ACC]]
// CHECK-NOT: fa.attention_grad

func.func @grad(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// The ring (stages 2): the host makes Q's and dO's tensor maps (boxes of
// 64 rows x 64 columns); the main kernel's shared memory has a second
// Q_i, dO_i buffer (16 KiB more), the rows of both buffers (f32 [4, 64]
// in the same 1 KiB region) and the warps' dQ tiles (8 x 16 rows of 32
// f32, rows 160 bytes apart: 20 KiB); thread 0 initializes an mbarrier per buffer
// and issues step 0's TMA loads before the loop; every step waits for the
// rows copied during the step before, passes a barrier (every warp done
// with the buffer refilled next), issues step t + 1's loads into buffer
// (t + 1) % 2 and waits for its own buffer's mbarrier at parity (t / 2) % 2.
// P^T without the mask's tests on interior pairs (a block-uniform branch:
// no select on that side); dV's product before dS^T's barrier, dQ's after
// it, then dK's, left in flight during dQ's adds (wait 1), waited for at
// the end of the step (wait 0). dQ leaves through the warp's tile (D79):
// lane 0 waits until its reduction of the step before has read the tile,
// the warp stores its rows (8-byte pairs, 128-byte rows swizzled: an XOR
// of the column's 16-byte chunk with the row), fences them for the async
// proxy, and lane 0 adds the warp's 16 x 32 f32 (D / 2 = 32: one box) to
// the accumulator with one tensor reduction through dQacc's tensor map;
// all of them complete before the block exits.
// CHECK-LABEL: func.func @grad_ring
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: %[[QMAP:.*]] = nvgpu.tma.create.descriptor {{.*}} box[%{{.*}}, %{{.*}}, %c64{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK: %[[DOMAP:.*]] = nvgpu.tma.create.descriptor
// CHECK: %[[DQMAP:.*]] = nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}, %{{.*}}, %c16{{.*}}, %c32{{.*}}] : memref<*xf32> -> <tensor = memref<1x1x16x32xf32, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %c100352_i32
// CHECK: %[[ROWS:.*]] = memref.view {{.*}} to memref<4x64xf32, #gpu.address_space<workgroup>>
// CHECK: %[[DQT:.*]] = memref.view {{.*}} to memref<4096xf32, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg1
// CHECK: nvgpu.device_async_copy %arg2
// CHECK: %[[KV:.*]] = nvgpu.device_async_create_group
// CHECK: %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK: scf.if
// CHECK-COUNT-2: nvgpu.mbarrier.init %[[BARS]]
// CHECK: nvvm.fence.mbarrier.init
// Step 0's loads: Q_i and dO_i into buffer 0 by thread 0; each of threads
// 0-127 reads its logsumexp or D value into a register (D125: no cp.async,
// whose wait at the step's top would also wait for the dQ reductions); the
// wait is K_j's and V_j's.
// CHECK: scf.if
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %c16384
// CHECK: nvgpu.tma.async.load %[[QMAP]]
// CHECK: nvgpu.tma.async.load %[[DOMAP]]
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: %[[ROW0:.*]] = scf.if %{{.*}} -> (f32)
// CHECK: memref.load %arg5
// CHECK: memref.load %[[D]]
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy
// One loop over the group's (query head, q-block) steps, carrying the
// step's row value: stored to the rows at the step's top, before its
// barrier; the next step's read after its loads are issued.
// CHECK: scf.for {{.*}}, %[[ROW:[a-z0-9]+]] = %[[ROW0]]) -> (
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK: memref.store %[[ROW]], %[[ROWS]]
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: nvgpu.tma.async.load %[[QMAP]]
// CHECK: nvgpu.tma.async.load %[[DOMAP]]
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: memref.load %arg5
// CHECK: memref.load %[[D]]
// CHECK: nvgpu.mbarrier.try_wait.parity %[[BARS]]
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: %[[P:.*]]:8 = scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK-NOT: arith.select
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK-NOT: arith.select
// CHECK: scf.yield
// CHECK-NEXT: } else {
// CHECK: arith.select
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: memref.atomic_rmw
// CHECK: scf.if
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group.read 0;"
// CHECK: nvvm.bar.warp.sync
// CHECK: arith.xori
// CHECK-COUNT-8: vector.store {{.*}}, %[[DQT]][{{.*}}] {alignment = 8 : i64} : memref<4096xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK-NEXT: nvvm.fence.proxy
// CHECK: nvvm.bar.warp.sync
// CHECK: scf.if
// CHECK-NEXT: builtin.unrealized_conversion_cast %[[DQMAP]] : {{.*}} to !llvm.ptr
// CHECK: nvvm.cp.async.bulk.tensor.reduce %{{.*}}, %{{.*}}, box[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {redKind = #nvvm.tma_redux_kind<add>} : !llvm.ptr, <3>
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// CHECK-NOT: cp.reduce.async.bulk
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK: nvgpu.device_async_wait %[[KV]] {numGroups = 0 : i32}
// CHECK: memref.store {{.*}}, %arg7
// CHECK: gpu.terminator
// CHECK-NOT: fa.attention_grad

func.func @grad_ring(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The ring with dK's product in flight across the step's end (in_flight =
// dk, D101): step 0's loads before the loop take both tiles; a step's top
// expects both tiles' bytes on buffer (t + 1) % 2's mbarrier but issues only
// dO_i's box, since step t - 1's dK product may still read that buffer's
// Q_i; Q_i's box follows dS^T's barrier and the dQ and dK products (every
// warpgroup's wait for this step's S^T retired step t - 1's dK before
// that barrier), then dQ's wait leaves dK pending and no wait follows in
// the step: the next step's wait for S^T retires it. The loop sits in a
// branch on whether the block has a step, whose end waits for the last
// dK product and fences its registers before dK_j is stored.
// CHECK-LABEL: func.func @grad_ring_dk_in_flight
// CHECK: %[[QMAP:.*]] = nvgpu.tma.create.descriptor
// CHECK: %[[DOMAP:.*]] = nvgpu.tma.create.descriptor
// CHECK: gpu.launch
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS:.*]][%{{.*}}], %c16384
// CHECK: nvgpu.tma.async.load %[[QMAP]]
// CHECK: nvgpu.tma.async.load %[[DOMAP]]
// CHECK: %[[ACCS:.*]]:64 = scf.if %{{.*}} -> (f32,
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %c16384
// CHECK-NOT: nvgpu.tma.async.load %[[QMAP]]
// CHECK: nvgpu.tma.async.load %[[DOMAP]]
// CHECK-NOT: nvgpu.tma.async.load
// CHECK: nvgpu.mbarrier.try_wait.parity %[[BARS]]
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma
// CHECK: scf.if
// CHECK: nvgpu.tma.async.load %[[QMAP]]
// CHECK-NOT: nvgpu.tma.async.load
// CHECK: nvvm.bar.warp.sync
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.cp.async.bulk.tensor.reduce
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: llvm.inline_asm has_side_effects "", "=f,=f,
// CHECK: scf.yield
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %cst
// CHECK-NEXT: }
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK: memref.store {{.*}}, %arg7
// CHECK: gpu.terminator
func.func @grad_ring_dk_in_flight(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}
