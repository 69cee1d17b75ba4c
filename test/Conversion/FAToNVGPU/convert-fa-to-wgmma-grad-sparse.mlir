// convert-fa-to-nvgpu on the wgmma backward with sparse steps (D75,
// docs/Backward.md "Windows and block masks"): a runtime block mask on the
// TMA ring (stages 2), atomic and ordered dQ, its compacted walk (D94), and
// a #fa.mask_pattern on the ring and on one buffer (stages 1).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s

// The ring with a block mask: step 0's entry is read only where the block
// has a step (else false) and decides step 0's loads: thread 0 issues the
// TMA loads with their bytes where the entry keeps the pair, else a plain
// arrival completes the buffer's mbarrier phase; the rows' copies read 0
// bytes where it does not. The entry rides into the loop with the
// accumulators; each step reads the next step's entry the same way after
// its first barrier, waits for its own buffer's phase whatever its entry,
// and runs its products and dQ reductions under a block-uniform branch on
// its own entry, whose else passes the accumulators through.
// CHECK-LABEL: func.func @grad_ring_block_mask
// CHECK: %[[BARS:.*]] = nvgpu.mbarrier.create
// CHECK: %[[LIVE0:.*]] = scf.if %{{.*}} -> (i1) {
// CHECK: memref.load %arg6
// CHECK: } else {
// CHECK-NEXT: scf.yield %{{.*}} : i1
// CHECK: scf.if
// CHECK-NEXT: scf.if %[[LIVE0]] {
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]]
// CHECK-COUNT-2: nvgpu.tma.async.load
// CHECK: } else {
// CHECK-NEXT: nvgpu.mbarrier.arrive %[[BARS]]
// The step's row value (D125) is read only where the step is live.
// CHECK: arith.andi %[[LIVE0]]
// CHECK: %[[ROW0:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %arg5
// CHECK: scf.for {{.*}} iter_args({{.*}}, %[[LIVE:[a-z0-9]+]] = %[[LIVE0]], %{{[a-z0-9]+}} = %[[ROW0]]) -> ({{.*}}, i1, f32) {
// CHECK: gpu.barrier
// CHECK: %[[NEXT:.*]] = scf.if %{{.*}} -> (i1) {
// CHECK: memref.load %arg6
// CHECK: scf.if %[[NEXT]] {
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]]
// CHECK: } else {
// CHECK-NEXT: nvgpu.mbarrier.arrive %[[BARS]]
// CHECK: nvgpu.mbarrier.try_wait.parity %[[BARS]]
// CHECK: scf.if %[[LIVE]] -> (f32
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.cp.async.bulk.tensor.reduce
// CHECK: } else {
// CHECK-NEXT: scf.yield %arg
// CHECK-NEXT: }
// CHECK-NEXT: scf.yield {{.*}}, %[[NEXT]], %{{[0-9]+}} : {{.*}}, i1, f32
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK-NOT: fa.attention_grad

func.func @grad_ring_block_mask(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %bm: memref<1x4x4x3xi8>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      block_mask(%bm : memref<1x4x4x3xi8>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// The compacted walk (D94, walk = compacted): warp 0 reads the entries of
// the kv-block's dense walk 32 at a time (only where the step exists),
// places the live ones by a ballot's prefix count in the shared list and
// stores their count after it; after a barrier every thread reads the
// count, which bounds the ring's loop. Step t + 1's (query head, q-block)
// come from list entry t + 1 (0 past the count); no entry is read in the
// loop, no plain arrival completes a dead step's phase, and the step's
// products run unconditionally (no i1 rides with the accumulators).
// CHECK-LABEL: func.func @grad_ring_compacted
// CHECK: %[[LIST:.*]] = memref.view %{{.*}} to memref<9xi32, #gpu.address_space<workgroup>>
// CHECK: scf.if
// CHECK: %[[SCAN:.*]] = scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %c32{{.*}} iter_args(%[[N:.*]] = %{{.*}}) -> (i32) {
// CHECK: %[[LIVE:.*]] = scf.if %{{.*}} -> (i1) {
// CHECK: memref.load %arg6
// CHECK: %[[BALLOT:.*]] = nvvm.vote.sync ballot %{{.*}}, %[[LIVE]] -> i32
// CHECK: %[[BELOW:.*]] = llvm.intr.ctpop
// CHECK: scf.if %[[LIVE]] {
// CHECK: %[[AT:.*]] = arith.addi %[[N]], %[[BELOW]] : i32
// CHECK: memref.store %{{.*}}, %[[LIST]]
// CHECK: llvm.intr.ctpop(%[[BALLOT]])
// CHECK: memref.store %[[SCAN]], %[[LIST]][%c8
// CHECK: gpu.barrier
// CHECK: %[[COUNT:.*]] = memref.load %[[LIST]][%c8
// CHECK: %[[STEPS:.*]] = arith.index_castui %[[COUNT]] : i32 to index
// CHECK: nvgpu.mbarrier.create
// CHECK-NOT: memref.load %arg6
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args({{.*}}) -> ({{(f32, )*}}f32) {
// CHECK: gpu.barrier
// CHECK: memref.load %[[LIST]]
// CHECK-NOT: nvgpu.mbarrier.arrive %
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK-NOT: memref.load %arg6
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.cp.async.bulk.tensor.reduce
// CHECK-NOT: fa.attention_grad

func.func @grad_ring_compacted(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %bm: memref<1x4x4x3xi8>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      block_mask(%bm : memref<1x4x4x3xi8>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {causal, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// Ordered dQ with a block mask on the ring: a skipped step still waits for
// its turn (thread 0's spin in the else branch), which the next step
// passes after its first barrier, as every step's.
// CHECK-LABEL: func.func @grad_ring_block_mask_ordered
// CHECK: scf.for {{.*}} iter_args({{.*}}, %[[LIVE:[a-z0-9]+]] = %{{[a-z0-9_]+}}, %{{[a-z0-9]+}} = %{{[a-z0-9_]+}}) -> ({{.*}}, i1, f32) {
// CHECK: llvm.inline_asm has_side_effects "cp.async.bulk.wait_group 0;"
// CHECK-NEXT: gpu.barrier
// CHECK: red.relaxed.gpu.global.add.s32
// CHECK: ld.relaxed.gpu.global.b32
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: scf.if %[[LIVE]] -> (f32
// CHECK: scf.while
// CHECK: nvvm.cp.async.bulk.tensor.reduce
// CHECK: } else {
// CHECK: scf.while
// CHECK: fence.acq_rel.gpu
// CHECK: scf.yield %arg
// CHECK-NEXT: }
// CHECK-NEXT: scf.yield {{.*}} : {{.*}}, i1

func.func @grad_ring_block_mask_ordered(%q: memref<1x4x200x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x200x64xbf16>, %do: memref<1x4x200x64xbf16>, %lse: memref<1x4x200xf32>, %bm: memref<1x4x4x3xi8>, %dq: memref<1x4x200x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200x64xbf16>, memref<1x4x200xf32>)
      block_mask(%bm : memref<1x4x4x3xi8>)
      outs(%dq, %dk, %dv : memref<1x4x200x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// A mask pattern on the ring: BlockClassifier's lists by kv-block as a
// constant global (Nq = Nk = 300: 5 q-blocks of 64, 3 kv-blocks of 128;
// global tokens 16 with a butterfly of 64: kv-block 0 sees q-blocks 0, 1
// whole and 2, 3, 4 partly, kv-block 1 q-blocks 2, 3, 0, 1, all partial
// (the butterfly's cells cross the block), kv-block 2 (ragged) q-blocks 0
// and 4). The kernel reads where the kv-block's list lies, its end and its
// full count; the loop runs the list's length times the group's query
// heads; step t + 1's q-block (its loads) and step t's are entries of the
// list (clamped into it); P^T's unmasked branch is taken for t % length
// below the full count.
// CHECK: memref.global "private" constant @__fa_block_lists : memref<18xi32> = dense<[7, 12, 16, 18, 2, 2, 0, 0, 1, 2, 3, 4, 2, 3, 0, 1, 0, 4]>
// CHECK-LABEL: func.func @grad_ring_pattern
// CHECK: %[[LISTS:.*]] = memref.get_global @__fa_block_lists : memref<18xi32>
// CHECK: %[[BEGIN:.*]] = memref.load %[[LISTS]][%{{.*}}] : memref<18xi32>
// CHECK: %[[B:.*]] = arith.index_cast %[[BEGIN]]
// CHECK: memref.load %[[LISTS]]
// CHECK: %[[LEN:.*]] = arith.subi %{{.*}}, %[[B]]
// CHECK: %[[FULL:.*]] = memref.load %[[LISTS]]
// CHECK: %[[F:.*]] = arith.index_cast %[[FULL]]
// CHECK: %[[TOTAL:.*]] = arith.muli %[[LEN]], %c2
// CHECK: arith.minui %{{.*}}, %c17
// CHECK: memref.load %[[LISTS]]
// CHECK: nvgpu.tma.async.load
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[TOTAL]]
// CHECK: arith.minui %{{.*}}, %c17
// CHECK: memref.load %[[LISTS]]
// CHECK: nvgpu.tma.async.load
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: arith.remui %[[T]], %{{.*}} : index
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: %[[INTERIOR:.*]] = arith.cmpi ult, %{{.*}}, %[[F]] : index
// CHECK: scf.if %[[INTERIOR]] -> (vector<2x2xf32>
// CHECK-NOT: arith.select
// CHECK: } else {
// CHECK: arith.xori
// CHECK: arith.select
// CHECK: nvvm.cp.async.bulk.tensor.reduce

func.func @grad_ring_pattern(%q: memref<1x4x300x64xbf16>, %k: memref<1x2x300x64xbf16>, %v: memref<1x2x300x64xbf16>, %o: memref<1x4x300x64xbf16>, %do: memref<1x4x300x64xbf16>, %lse: memref<1x4x300xf32>, %dq: memref<1x4x300x64xbf16>, %dk: memref<1x2x300x64xbf16>, %dv: memref<1x2x300x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300x64xbf16>, memref<1x4x300xf32>)
      outs(%dq, %dk, %dv : memref<1x4x300x64xbf16>, memref<1x2x300x64xbf16>, memref<1x2x300x64xbf16>)
      {mask_pattern = #fa.mask_pattern<global = 16, butterfly = 64>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// A mask pattern on one buffer (stages 1): per query head, a loop over the
// list's places, each step's q-block an entry of the list; every score is
// tested (the one-buffer kernel has no unmasked branch), the chunk's test
// included.
// CHECK-LABEL: func.func @grad_one_buffer_pattern
// CHECK: %[[LISTS:.*]] = memref.get_global @__fa_block_lists
// CHECK: %[[BEGIN:.*]] = memref.load %[[LISTS]]
// CHECK: %[[B:.*]] = arith.index_cast %[[BEGIN]]
// CHECK: memref.load %[[LISTS]]
// CHECK: %[[LEN:.*]] = arith.subi %{{.*}}, %[[B]]
// CHECK: scf.for
// CHECK: scf.for %[[I:.*]] = %c0{{.*}} to %[[LEN]]
// CHECK: %[[AT:.*]] = arith.addi %[[B]], %[[I]]
// CHECK: arith.minui %[[AT]]
// CHECK: memref.load %[[LISTS]]
// CHECK: gpu.barrier
// CHECK: nvgpu.device_async_copy %arg0
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: scf.if {{.*}} -> (vector<2x2xf32>
// CHECK: arith.floordivsi
// CHECK: arith.select
// CHECK: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};"

func.func @grad_one_buffer_pattern(%q: memref<1x2x1000x64xf16>, %k: memref<1x2x1000x64xf16>, %v: memref<1x2x1000x64xf16>, %o: memref<1x2x1000x64xf16>, %do: memref<1x2x1000x64xf16>, %lse: memref<1x2x1000xf32>, %dq: memref<1x2x1000x64xf16>, %dk: memref<1x2x1000x64xf16>, %dv: memref<1x2x1000x64xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000xf32>)
      outs(%dq, %dk, %dv : memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>, memref<1x2x1000x64xf16>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 200>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
  return
}
