// convert-fa-to-nvgpu on the mma.sync backward with dq = ordered, a window
// and a block mask, and on the wgmma backward with a window, dq = ordered
// (one buffer, the TMA ring and its wide q-block, D110) and a block mask
// (docs/Backward.md, "Deterministic dQ" and "Windows and block masks").
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// dq = ordered: a third scratch buffer, one i32 semaphore per (batch, query
// head, q-block of 32 rows: 4 of 100 rows), zeroed by the preprocess kernel;
// the main kernel's grid runs the kv-blocks last first (blockIdx.x counted
// down from the grid's size), and each step releases the previous step's
// turn after its first barrier (fence.acq_rel.gpu, then a relaxed add),
// reads its own turn early (thread 0, a relaxed load), and before the
// barrier that precedes its dQ adds spins from that value until its turn
// comes, then fences (acquire); after the loop a barrier and the last
// step's release.
// CHECK-LABEL: func.func @ordered
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x4xi32>
// CHECK: gpu.launch
// CHECK: vector.store {{.*}}, %[[ACC]]
// CHECK: memref.store %{{.*}}, %[[SEM]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x4xi32>
// CHECK: gpu.terminator
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%[[GX:[a-z0-9]+]] = %{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[R:.*]] = arith.subi %[[GX]], %[[BX]]
// CHECK: arith.subi %[[R]], %c1
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: %[[SEEN:.*]] = scf.if %{{.*}} -> (i32) {
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: nvvm.mma.sync
// CHECK: vector.store {{.*}} : memref<128x40xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK: arith.ceildivsi
// CHECK: scf.while ({{.*}} = %[[SEEN]])
// CHECK: scf.condition
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: gpu.barrier
// CHECK: memref.atomic_rmw addf {{.*}}, %[[ACC]]
// CHECK: scf.yield
// CHECK: gpu.barrier
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: nvgpu.device_async_wait
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[ACC]]
// CHECK: memref.dealloc %[[SEM]]
func.func @ordered(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// dq = atomic keeps the kernel as it was: no semaphores, kv-blocks in grid
// order, no waits.
// CHECK-LABEL: func.func @atomic
// CHECK-NOT: memref.alloc() : memref<1x4x4xi32>
// CHECK-NOT: llvm.inline_asm
// CHECK-NOT: scf.while
// CHECK: return
func.func @atomic(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      outs(%dq, %dk, %dv : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// A window (left 100, right 20, no causal): the kv-block visits the
// q-blocks from that of row kvBase + Nq - Nk - 20 (floor) to the one that
// holds row kvBase + block_kv - 1 + Nq - Nk + 100 (a signed ceil, clamped
// to the q-blocks), the pair is unmasked only when it lies inside the
// window (four comparisons) and the element mask tests the window's two
// edges.
// CHECK-LABEL: func.func @window
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: %[[KV:.*]] = arith.muli %{{.*}}, %c64
// CHECK: arith.addi %{{.*}}, %c-20
// CHECK: arith.maxsi
// CHECK: arith.addi %{{.*}}, %c164
// CHECK: arith.ceildivsi %{{.*}}, %c32
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: scf.for
// CHECK: scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK: } else {
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: memref.atomic_rmw addf
func.func @window(%q: memref<1x2x256x64xbf16>, %lse: memref<1x2x256xf32>) {
  fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
      outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
      {window = #fa.window<left = 100, right = 20>, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 2, warps = 4>}
  return
}

// -----

// A block mask: each step reads its (q-block, kv-block) entry; a skipped
// pair's copies read no bytes (the entry is read only for a step that
// exists), its math and dQ adds are under a branch, its accumulators pass
// through.
// CHECK-LABEL: func.func @block_mask
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: scf.if %{{.*}} -> (i1) {
// CHECK: memref.load %[[BM:[a-z0-9]+]][%c0{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<1x2x4x4xi8>
// CHECK: arith.cmpi ne
// CHECK: nvgpu.device_async_copy
// CHECK: gpu.barrier
// CHECK: memref.load %[[BM]]
// CHECK: scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK: nvvm.mma.sync
// CHECK: } else {
// CHECK: scf.yield %{{.*}} : vector<2x2xf32>
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: memref.atomic_rmw addf
func.func @block_mask(%q: memref<1x2x256x64xbf16>, %lse: memref<1x2x256xf32>, %bm: memref<1x2x4x4xi8>) {
  fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
      block_mask(%bm : memref<1x2x4x4xi8>)
      outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 4>}
  return
}

// -----

// A window on the wgmma backward: the q-block loop runs from the block of
// row kvBase + Nq - Nk - 20 to the window's end (a signed ceil clamped to
// the q-blocks); every score is masked by the window's two edges.
// CHECK-LABEL: func.func @wgmma_window
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: arith.addi %{{.*}}, %c-20
// CHECK: arith.maxsi
// CHECK: arith.addi %{{.*}}, %c228
// CHECK: %[[END:.*]] = arith.ceildivsi %{{.*}}, %c64
// CHECK: %[[LO:.*]] = arith.maxsi %[[END]]
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]]
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[HI]]
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
func.func @wgmma_window(%q: memref<1x2x256x64xbf16>, %lse: memref<1x2x256xf32>) {
  fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
      outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
      {window = #fa.window<left = 100, right = 20>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// dq = ordered on the wgmma backward: the mma.sync backward's semaphores
// and turns (DqTurns), over its loops of query heads and q-blocks: the
// grid's kv-blocks last first; after a step's first barrier the previous
// step's turn passes where there is one (the previous q-block of the head,
// or the previous head's last: two selects), thread 0 reads this step's
// early; it waits before the barrier that precedes dQ = dS K_j and its
// adds; after the loops a barrier and the last step's release.
// CHECK-LABEL: func.func @wgmma_ordered
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x200x64xf32>
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x4xi32>
// CHECK: memref.store %{{.*}}, %[[SEM]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x4xi32>
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%[[GX:[a-z0-9]+]] = %{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[R:.*]] = arith.subi %[[GX]], %[[BX]]
// CHECK: arith.subi %[[R]], %c1
// CHECK: scf.for
// CHECK: scf.for %[[QB:[a-z0-9]+]] = %[[FIRST:[0-9]+]] to %c4
// CHECK-NEXT: arith.constant 64
// CHECK-NEXT: arith.muli %[[QB]]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[SAME:.*]] = arith.cmpi ugt, %[[QB]], %[[FIRST]]
// CHECK: %[[LATER:.*]] = arith.cmpi ugt
// CHECK: %[[PREV:.*]] = arith.ori %[[SAME]], %[[LATER]]
// CHECK: scf.if %[[PREV]] {
// CHECK: arith.select
// CHECK: arith.select
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: %[[SEEN:.*]] = scf.if %{{.*}} -> (i32) {
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.wgmma.mma_async
// CHECK: arith.ceildivsi %{{.*}}, %c128
// CHECK: scf.while ({{.*}} = %[[SEEN]])
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// CHECK: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[LAST:.*]] = arith.cmpi slt, %[[FIRST]], %c4
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.if %[[LAST]] {
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[SEM]]
func.func @wgmma_ordered(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x200x64xbf16>, %v: memref<1x2x200x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x200x64xbf16>, %dv: memref<1x2x200x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// A block mask on the wgmma backward (ordered too): after the step's first
// barrier and its turn's early read, the (q-block, kv-block) entry decides
// the whole step under one branch: the loads, products and dQ adds, or
// (skipped) the accumulators passed through after the turn's wait.
// CHECK-LABEL: func.func @wgmma_block_mask
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: %[[E:.*]] = memref.load %{{.*}}[%c0{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<1x2x2x2xi8>
// CHECK: %[[LIVE:.*]] = arith.cmpi ne, %[[E]]
// CHECK: scf.if %[[LIVE]] -> (f32
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.wgmma.mma_async
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"
// CHECK: } else {
// CHECK-NOT: nvgpu.device_async_copy
// CHECK-NOT: nvvm.wgmma
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: scf.yield %{{.*}} : f32
func.func @wgmma_block_mask(%q: memref<1x2x256x64xbf16>, %lse: memref<1x2x256xf32>, %bm: memref<1x2x2x2xi8>) {
  fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
      block_mask(%bm : memref<1x2x2x2xi8>)
      outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
      {deterministic, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// dq = ordered on the wgmma backward's TMA ring (stages 2): one loop over
// the steps; at step t's start every issuing lane waits until its tensor
// reductions of step t - 1 have completed (writes, not only reads), then
// the barrier, then (t > 0) step t - 1's turn passes and thread 0 reads
// step t's early; thread 0 waits for the turn before dS^T's barrier, which
// precedes the reductions; after the loop the reductions complete, a
// barrier and the last step's release.
// CHECK-LABEL: func.func @wgmma_ring_ordered
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x4xi32>
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: scf.for %[[T:[a-z0-9]+]] =
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK-NEXT: gpu.barrier
// CHECK: %[[PREV:.*]] = arith.cmpi ugt, %[[T]], %c0
// CHECK: scf.if %[[PREV]] {
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: nvgpu.tma.async.load
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.mma_async
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// CHECK: nvvm.cp.async.bulk.tensor.reduce {{.*}} {redKind = #nvvm.tma_redux_kind<add>}
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[SEM]]
func.func @wgmma_ring_ordered(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x200x64xbf16>, %v: memref<1x2x200x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x200x64xbf16>, %dv: memref<1x2x200x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// dq = ordered on the wide q-block (block_q 128 at D = 64 on the ring,
// D110): a semaphore per q-block of 128 rows (3 of 300), zeroed by the
// preprocess kernel's 3 blocks; the ring's turns as at block_q 64, step t's
// semaphore that of its 128-row q-block ((b Hq + h) 3 + i), its turn from
// the last kv-block the q-block's last row sees (ceil((i + 1) 128 + Nk -
// Nq) / 128) - 1); thread 0 waits after the S^T and dP^T products (m64
// n128) and dV's, before dS^T's barrier, which precedes dQ's 64 q rows a
// warpgroup and its two tensor reductions a warp.
// CHECK-LABEL: func.func @wgmma_wide_ordered
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x3xi32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c3{{.*}}, {{.*}} = %c4{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: memref.store %{{.*}}, %[[SEM]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x3xi32>
// CHECK: gpu.launch
// CHECK: scf.for %[[T:[a-z0-9]+]] =
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK-NEXT: gpu.barrier
// CHECK: %[[PREV:.*]] = arith.cmpi ugt, %[[T]], %c0
// CHECK: scf.if %[[PREV]] {
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: arith.muli %{{.*}}, %c3{{.*}} : index
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: %[[KEYS:.*]] = arith.muli %{{.*}}, %c128{{.*}} : index
// CHECK: arith.ceildivsi %{{.*}}, %c128{{.*}} : index
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK-COUNT-2: nvvm.cp.async.bulk.tensor.reduce {{.*}} {redKind = #nvvm.tma_redux_kind<add>}
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// CHECK: scf.yield
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK: gpu.barrier
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[SEM]]
func.func @wgmma_wide_ordered(%q: memref<1x4x300x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x300x64xbf16>, %do: memref<1x4x300x64xbf16>, %lse: memref<1x4x300xf32>, %dq: memref<1x4x300x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300xf32>)
      outs(%dq, %dk, %dv : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// dq_pass = after_scores on the ring (D115): step t's top no longer waits
// for step t - 1's reductions to complete (the rows' cp.async wait, then
// the barrier) and thread 0 only reads step t's semaphore there; once S^T
// and dP^T are issued, every lane waits for its reductions of step t - 1 to
// complete, a barrier, and (t > 0) thread 0 passes step t - 1's turn, while
// the tensor cores compute the products; the wait for the turn before dS^T's
// barrier and the end of the loop are unchanged.
// CHECK-LABEL: func.func @wgmma_ring_ordered_after_scores
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x4xi32>
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: scf.for %[[T:[a-z0-9]+]] = {{.*}} -> (f32, f32
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: red.relaxed.gpu.global.add.s32
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK-NOT: red.relaxed.gpu.global.add.s32
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK-NOT: red.relaxed.gpu.global.add.s32
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK-NEXT: gpu.barrier
// CHECK: %[[PREV:.*]] = arith.cmpi ugt, %[[T]], %c0
// CHECK: scf.if %[[PREV]] {
// CHECK: memref.extract_aligned_pointer_as_index %[[SEM]]
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK: nvvm.cp.async.bulk.tensor.reduce {{.*}} {redKind = #nvvm.tma_redux_kind<add>}
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.commit_group;"
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[SEM]]
func.func @wgmma_ring_ordered_after_scores(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x200x64xbf16>, %v: memref<1x2x200x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x200x64xbf16>, %dv: memref<1x2x200x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x200x64xbf16>, memref<1x2x200x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// dq_pass = after_scores on the wide q-block (D115): the pass follows S^T's
// issue (m64 n128), before its wait; dP^T is issued after P^T as before.
// CHECK-LABEL: func.func @wgmma_wide_ordered_after_scores
// CHECK: %[[SEM:.*]] = memref.alloc() : memref<1x4x3xi32>
// CHECK: gpu.launch
// CHECK: scf.for %[[T:[a-z0-9]+]] = {{.*}} -> (f32, f32
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: red.relaxed.gpu.global.add.s32
// CHECK: llvm.inline_asm has_side_effects "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l"
// CHECK-NOT: red.relaxed.gpu.global.add.s32
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK-NEXT: gpu.barrier
// CHECK: %[[PREV:.*]] = arith.cmpi ugt, %[[T]], %c0
// CHECK: scf.if %[[PREV]] {
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;\0A\09red.relaxed.gpu.global.add.s32 [$0], 1;", "l"
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", ""
// CHECK: gpu.barrier
// CHECK-COUNT-2: nvvm.cp.async.bulk.tensor.reduce {{.*}} {redKind = #nvvm.tma_redux_kind<add>}
// CHECK: scf.yield
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;", ""
// CHECK: gpu.barrier
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.gpu
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[SEM]]
func.func @wgmma_wide_ordered_after_scores(%q: memref<1x4x300x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x300x64xbf16>, %do: memref<1x4x300x64xbf16>, %lse: memref<1x4x300xf32>, %dq: memref<1x4x300x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300xf32>)
      outs(%dq, %dk, %dv : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
  return
}
