// The wgmma backward's persistent kernel (persistent = on, D114;
// docs/Backward.md "The persistent kernel"), at D = 64 with the wide
// q-block and the direct epilogue, causal, GQA 4/2, B = 2: the main
// kernel's grid is min(tiles, the target's SMs) = 8 kv-blocks x 2 K/V heads
// x 2 batches = 32 blocks of one dimension (the H100 has 132 SMs); the
// mbarriers are set up once; round 0's K_j, V_j copies are issued before
// the loop over the block's rounds, which carries the block's step count
// and whether the round's first loads were issued (by the tile before);
// in each round the K_j, V_j copies and the first rows are waited for and
// made visible to the async proxy before the ring's loop; after it, a
// block barrier, the next tile's K_j, V_j copies, then this tile's direct
// dK stores; dQ's bulk reductions are waited for once, after the rounds.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// CHECK-LABEL: func.func @grad_persistent
// CHECK: gpu.launch
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads
// CHECK-COUNT-2: nvgpu.mbarrier.init
// CHECK: nvvm.fence.mbarrier.init
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %c0{{.*}}, %{{.*}} = %true) -> (index, i1) {
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK: scf.for {{.*}} -> (f32,
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: cp.async.bulk.wait_group.read 0;
// CHECK: gpu.barrier
// CHECK: nvgpu.device_async_create_group
// CHECK: memref.store {{.*}}, %arg7[
// CHECK: scf.yield {{.*}} : index, i1
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK-NEXT: gpu.terminator
func.func @grad_persistent(%q: memref<2x4x1000x64xbf16>, %k: memref<2x2x1000x64xbf16>, %v: memref<2x2x1000x64xbf16>, %o: memref<2x4x1000x64xbf16>, %do: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>, %dq: memref<2x4x1000x64xbf16>, %dk: memref<2x2x1000x64xbf16>, %dv: memref<2x2x1000x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<2x4x1000x64xbf16>, memref<2x2x1000x64xbf16>, memref<2x2x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%dq, %dk, %dv : memref<2x4x1000x64xbf16>, memref<2x2x1000x64xbf16>, memref<2x2x1000x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The TMA store at D = 128: after the tile's boxes were read (their lanes'
// `.read` wait), a block barrier, then the next tile's K_j, V_j copies.
// CHECK-LABEL: func.func @grad_persistent_tma_store
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c132{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads
// CHECK: scf.for {{.*}} -> (index, i1) {
// CHECK: nvgpu.tma.async.store
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.yield {{.*}} : index, i1
func.func @grad_persistent_tma_store(%q: memref<4x8x1000x128xbf16>, %k: memref<4x8x1000x128xbf16>, %v: memref<4x8x1000x128xbf16>, %o: memref<4x8x1000x128xbf16>, %do: memref<4x8x1000x128xbf16>, %lse: memref<4x8x1000xf32>, %dq: memref<4x8x1000x128xbf16>, %dk: memref<4x8x1000x128xbf16>, %dv: memref<4x8x1000x128xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>, memref<4x8x1000xf32>)
      outs(%dq, %dk, %dv : memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>, memref<4x8x1000x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}
