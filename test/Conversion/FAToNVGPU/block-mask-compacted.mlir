// The forward's compacted walk under a runtime block mask (D100,
// docs/BlockSparse.md "The forward's compacted walk"): while Q is in
// flight, warp 0 reads the q-block's mask entries of the dense walk's
// steps 32 at a time, a ballot and a population count place each live
// step in a list of i32 in shared memory, and a second ballot counts the
// live steps below the causal split; after a block-wide barrier every
// thread reads both counts. The loads (prologue, refills, the producer
// warpgroup) and the steps walk the list: the loops run [0, below) and
// [below, count), a step's kv-block is its list entry, no mask entry is
// read after the scan and no step is predicated off.
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma block-mask-walk=compacted" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=TMA
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma block-mask-walk=compacted wgmma-release=producer" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=PRODUCER
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma block-mask-walk=compacted wgmma-loads=cp-async" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=CPASYNC
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync block-mask-walk=compacted mma-masked-steps=split" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync block-mask-walk=compacted mma-masked-steps=branch" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=BRANCH

// TMA-LABEL: func.func @causal(
// TMA-SAME:    %[[BM:[a-z0-9]+]]: memref<1x2x8x8xi8>
// TMA:         gpu.launch
// The list: 8 entries (ceil(1000 / 128)) and 3 counts.
// TMA:           %[[LIST:.+]] = memref.view %{{.+}}[%{{.+}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<11xi32, #gpu.address_space<workgroup>>
// Q's load comes first, then the scan.
// TMA:           nvgpu.tma.async.load
// TMA:           scf.if
// TMA:             %[[SCAN:.+]]:2 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c32{{.*}} iter_args(%{{.+}} = %c0_i32, %{{.+}} = %c0_i32) -> (i32, i32) {
// TMA:               %[[E:.+]] = memref.load %[[BM]]
// TMA:               %[[NZ:.+]] = arith.cmpi ne, %[[E]], %{{.+}} : i8
// TMA:               %[[LIVE:.+]] = arith.andi %{{.+}}, %[[NZ]] : i1
// TMA:               %[[BALLOT:.+]] = nvvm.vote.sync  ballot %{{.+}}, %[[LIVE]] -> i32
// TMA:               llvm.intr.ctpop
// TMA:               scf.if %[[LIVE]] {
// TMA:                 memref.store %{{.+}}, %[[LIST]][%{{.+}}]
// TMA:               llvm.intr.ctpop(%[[BALLOT]])
// The live steps below the causal split: a second ballot.
// TMA:               arith.cmpi slt
// TMA:               nvvm.vote.sync  ballot
// TMA:               scf.yield %{{.+}}, %{{.+}} : i32, i32
// TMA:             memref.store %[[SCAN]]#0, %[[LIST]][%c8{{.*}}]
// TMA:             memref.store %[[SCAN]]#1, %[[LIST]][%c9{{.*}}]
// TMA:           gpu.barrier
// TMA:           %[[C:.+]] = memref.load %[[LIST]][%c8{{.*}}]
// TMA:           %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// TMA:           %[[B:.+]] = memref.load %[[LIST]][%c9{{.*}}]
// TMA:           %[[BELOW:.+]] = arith.index_castui %[[B]] : i32 to index
// The prologue's first block: the list's entry 0, no mask entry, no plain
// arrival.
// TMA:           arith.cmpi slt, %{{.+}}, %[[COUNT]] : index
// TMA:           nvgpu.mbarrier.arrive.expect_tx
// TMA:           memref.load %[[LIST]]
// TMA:           nvgpu.tma.async.load
// TMA-NOT:       memref.load %[[BM]]
// TMA-NOT:       nvgpu.mbarrier.arrive %
// TMA:           scf.for %{{.+}} = %{{.+}} to %[[BELOW]] step
// TMA:             nvgpu.mbarrier.try_wait.parity
// TMA:             memref.load %[[LIST]]
// TMA:             nvgpu.tma.async.load
// TMA:             nvvm.wgmma.mma_async
// TMA:           scf.for %{{.+}} = %[[BELOW]] to %[[COUNT]] step
// The masked steps' key columns: the list's entry.
// TMA:             memref.load %[[LIST]]
// TMA:             nvvm.wgmma.mma_async
// TMA-NOT:       memref.load %[[BM]]
// TMA:           gpu.terminator

// The producer warpgroup refills the slots of steps [stages, count).
// PRODUCER-LABEL: func.func @causal(
// PRODUCER:         gpu.barrier
// PRODUCER:         %[[C:.+]] = memref.load %[[LIST:.+]][%c8{{.*}}]
// PRODUCER:         %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// PRODUCER:         nvvm.setmaxregister  decrease
// PRODUCER:         scf.for %{{.+}} = %c2{{.*}} to %[[COUNT]] step
// PRODUCER:           nvgpu.mbarrier.try_wait.parity
// PRODUCER:           memref.load %[[LIST]]
// PRODUCER:           nvgpu.tma.async.load

// cp.async: the copies are enabled by the step's place in the list alone.
// CPASYNC-LABEL: func.func @causal(
// CPASYNC-SAME:    %[[BM:[a-z0-9]+]]: memref<1x2x8x8xi8>
// CPASYNC:         nvvm.vote.sync  ballot
// CPASYNC:         gpu.barrier
// CPASYNC:         %[[C:.+]] = memref.load %[[LIST:.+]][%c8{{.*}}]
// CPASYNC:         %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// CPASYNC-NOT:     memref.load %[[BM]]
// CPASYNC:         %[[EN:.+]] = arith.cmpi slt, %{{.+}}, %[[COUNT]] : index
// CPASYNC-NOT:     memref.load %[[BM]]
// CPASYNC:         nvgpu.device_async_copy
// CPASYNC-NOT:     memref.load %[[BM]]
// CPASYNC:         gpu.terminator
// The mma.sync kernel: the list after its padded tiles, the same scan, and
// the split's loops on the list (split), or one loop whose masks run from
// the list's step `below` on (branch).
// MMA-LABEL: func.func @causal(
// MMA-SAME:    %[[BM:[a-z0-9]+]]: memref<1x2x8x8xi8>
// MMA:         %[[LIST:.+]] = memref.view %{{.+}}[%{{.+}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<11xi32, #gpu.address_space<workgroup>>
// MMA:         nvvm.vote.sync  ballot
// MMA:         nvvm.vote.sync  ballot
// MMA:         gpu.barrier
// MMA:         %[[C:.+]] = memref.load %[[LIST]][%c8{{.*}}]
// MMA:         %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// MMA:         %[[B:.+]] = memref.load %[[LIST]][%c9{{.*}}]
// MMA:         %[[BELOW:.+]] = arith.index_castui %[[B]] : i32 to index
// MMA-NOT:     memref.load %[[BM]]
// MMA:         scf.for %{{.+}} = %{{.+}} to %[[BELOW]] step
// MMA:           nvvm.mma.sync
// MMA:         scf.for %{{.+}} = %[[BELOW]] to %[[COUNT]] step
// MMA:           nvvm.mma.sync
// MMA-NOT:     memref.load %[[BM]]
// MMA:         gpu.terminator
// BRANCH-LABEL: func.func @causal(
// BRANCH:         gpu.barrier
// BRANCH:         %[[C:.+]] = memref.load %[[LIST:.+]][%c8{{.*}}]
// BRANCH:         %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// BRANCH:         %[[B:.+]] = memref.load %[[LIST]][%c9{{.*}}]
// BRANCH:         %[[BELOW:.+]] = arith.index_castui %[[B]] : i32 to index
// BRANCH:         scf.for %[[J:.+]] = %{{.+}} to %[[COUNT]] step
// BRANCH:           arith.cmpi sge, %[[J]], %[[BELOW]] : index
// BRANCH-NOT:     scf.for
// BRANCH:         gpu.terminator
func.func @causal(%q: tensor<1x2x1000x128xbf16>, %bm: tensor<1x2x8x8xi8>,
                  %o: tensor<1x2x1000x128xbf16>) -> tensor<1x2x1000x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x128xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x2x1000x128xbf16>
  return %r : tensor<1x2x1000x128xbf16>
}

// A window: its masked left edge and right part around the full blocks, two
// bounds, and the steps count from the window's first block (kvBegin).
// TMA-LABEL: func.func @window(
// TMA:           scf.for %{{.+}} iter_args(%{{.+}} = %c0_i32, %{{.+}} = %c0_i32, %{{.+}} = %c0_i32) -> (i32, i32, i32) {
// TMA:             nvvm.vote.sync  ballot
// TMA:             nvvm.vote.sync  ballot
// TMA:             nvvm.vote.sync  ballot
// TMA:           gpu.barrier
// TMA:           %[[C:.+]] = memref.load %[[LIST:.+]][%c16{{.*}}]
// TMA:           %[[COUNT:.+]] = arith.index_castui %[[C]] : i32 to index
// TMA:           %[[F:.+]] = memref.load %[[LIST]][%c17{{.*}}]
// TMA:           %[[FULL:.+]] = arith.index_castui %[[F]] : i32 to index
// TMA:           %[[M:.+]] = memref.load %[[LIST]][%c18{{.*}}]
// TMA:           %[[MASK:.+]] = arith.index_castui %[[M]] : i32 to index
// TMA:           scf.for %{{.+}} = %{{.+}} to %[[FULL]] step
// TMA:           scf.for %{{.+}} = %[[FULL]] to %[[MASK]] step
// TMA:           scf.for %{{.+}} = %[[MASK]] to %[[COUNT]] step
func.func @window(%q: tensor<1x2x2000x64xbf16>, %bm: tensor<1x2x16x16xi8>,
                  %o: tensor<1x2x2000x64xbf16>) -> tensor<1x2x2000x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x2000x64xbf16>, tensor<1x2x2000x64xbf16>, tensor<1x2x2000x64xbf16>)
       block_mask(%bm : tensor<1x2x16x16xi8>) outs(%o : tensor<1x2x2000x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        window = #fa.window<left = 300, right = 200>}
       -> tensor<1x2x2000x64xbf16>
  return %r : tensor<1x2x2000x64xbf16>
}
