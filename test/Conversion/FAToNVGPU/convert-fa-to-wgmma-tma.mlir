// The wgmma kernel's TMA loads (the default, wgmma-loads=tma): one tensor
// map per operand built on the host, mbarriers for Q and each K/V slot,
// thread 0 issuing every load (docs/GPU.md, "TMA loads").
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-release=barrier" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-schedule=serial" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=PRODUCER
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=DEFAULT
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=wgmma \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=NOCPASYNC
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-release=mbarrier" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=RELEASE
// RUN: not fa-opt %s --split-input-file --fa-select-tiling=wgmma-loads=bulk 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: for the --wgmma-loads option: Cannot find option named 'bulk'!
// RUN: not fa-opt %s --split-input-file --fa-select-tiling=wgmma-release=fence 2>&1 | FileCheck %s --check-prefix=BADREL
// BADREL: for the --wgmma-release option: Cannot find option named 'fence'!
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma wgmma-schedule=overlap wgmma-release=barrier" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=OVERLAP
// RUN: not fa-opt %s --split-input-file --fa-select-tiling=wgmma-schedule=pingpong 2>&1 | FileCheck %s --check-prefix=BADSCHED
// BADSCHED: for the --wgmma-schedule option: Cannot find option named 'pingpong'!
// RUN: not fa-opt %s --split-input-file --fa-select-tiling=wgmma-pingpong=true 2>&1 | FileCheck %s --check-prefix=BADPING
// BADPING: for the --wgmma-pingpong option: Cannot find option named 'true'!
// RUN: not fa-opt %s --split-input-file --fa-select-tiling="wgmma-pingpong=on wgmma-release=barrier" 2>&1 | FileCheck %s --check-prefix=BADPINGCOMBO
// RUN: not fa-opt %s --split-input-file --fa-select-tiling="wgmma-pingpong=on wgmma-loads=cp-async" 2>&1 | FileCheck %s --check-prefix=BADPINGCOMBO
// BADPINGCOMBO: error: fa-select-tiling: wgmma-pingpong=on needs wgmma-loads=tma and wgmma-release=producer or auto
// RUN: not fa-opt %s --split-input-file --fa-select-tiling="wgmma-schedule=overlap wgmma-release=mbarrier" 2>&1 | FileCheck %s --check-prefix=BADCOMBO
// RUN: not fa-opt %s --split-input-file --fa-select-tiling="wgmma-schedule=overlap wgmma-loads=cp-async" 2>&1 | FileCheck %s --check-prefix=BADCOMBO
// BADCOMBO: error: fa-select-tiling: wgmma-schedule=overlap needs wgmma-loads=tma and wgmma-release=barrier, producer or auto

// The default on 128 x 64 blocks of 8 warps at d = 128 (one block per SM):
// the producer warpgroup, the overlapped step and turns (docs/decisions.md,
// D27). mbarriers: K full 0-1, Q 2, V full 3-4, K empty 5-6, V empty
// 7-8 (8 consumer warps arrive on each empty one). The prologue fills both
// K and both V slots. Block 0's S is the first turn (warpgroup 0 holds it)
// and frees its K slot. Step j: wait for K_j,
// take the turn (named barrier 1 + warpgroup, 256 threads: this warpgroup
// and the previous one's arrival), issue S_j, wait for V_{j-1}, issue
// P_{j-1} V_{j-1}, pass the turn (bar.arrive on the next warpgroup's
// barrier), wait for S_j (wait_group 1) and free K_j's slot, the softmax,
// the never-taken branch (nanosleep), wait for P V and free V_{j-1}'s slot.
// The producer refills K after the K slot's empty mbarrier, V after the V
// slot's.
// DEFAULT-LABEL: func.func @bf16_d128
// DEFAULT:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c384,
// DEFAULT:           %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 9>
// DEFAULT-COUNT-5:     nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %c1{{[_0-9]*}} :
// DEFAULT-COUNT-4:     nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %c8{{[_0-9]*}} :
// DEFAULT-COUNT-2:   nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c{{[01]}}_{{.*}}], %c16384
// DEFAULT-COUNT-2:   nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{[0-9]+}}], %c16384
// DEFAULT:           nvvm.setmaxregister increase 240
// DEFAULT:             nvgpu.mbarrier.try_wait.parity %[[BARS]][%c0{{.*}}]
// DEFAULT:             nvvm.barrier id
// DEFAULT:             nvvm.wgmma.mma_async
// DEFAULT:             nvvm.barrier.arrive id
// DEFAULT:             nvvm.wgmma.wait.group.sync.aligned 0
// DEFAULT:             nvgpu.mbarrier.arrive %[[BARS]]
// DEFAULT:           scf.for
// DEFAULT-NOT:         gpu.barrier
// DEFAULT:             nvgpu.mbarrier.try_wait.parity %[[BARS]]
// DEFAULT:             nvvm.barrier id = %{{.*}} number_of_threads = %c256_i32
// DEFAULT:             nvvm.wgmma.mma_async
// DEFAULT:             nvvm.wgmma.commit.group.sync.aligned
// DEFAULT:             nvgpu.mbarrier.try_wait.parity %[[BARS]]
// DEFAULT:             llvm.inline_asm {{.*}}wgmma.mma_async
// DEFAULT:             nvvm.wgmma.commit.group.sync.aligned
// DEFAULT:             nvvm.barrier.arrive id = %{{.*}} number_of_threads = %c256_i32
// DEFAULT:             nvvm.wgmma.wait.group.sync.aligned 1
// DEFAULT:             nvgpu.mbarrier.arrive %[[BARS]]
// DEFAULT:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// DEFAULT:             llvm.inline_asm has_side_effects "nanosleep.u32 0;"
// DEFAULT:             nvvm.wgmma.wait.group.sync.aligned 0
// DEFAULT:             nvgpu.mbarrier.arrive %[[BARS]]
// DEFAULT-NOT:         gpu.barrier
// DEFAULT:             scf.yield
// DEFAULT:           nvvm.setmaxregister decrease 24
// DEFAULT:             scf.for
// DEFAULT:               nvgpu.mbarrier.try_wait.parity %[[BARS]]
// DEFAULT-COUNT-2:       nvgpu.tma.async.load %[[KMAP:[0-9]+]]
// DEFAULT:               nvgpu.mbarrier.try_wait.parity %[[BARS]]
// DEFAULT-COUNT-2:       nvgpu.tma.async.load %[[VMAP:[0-9]+]]
// DEFAULT-LABEL: func.func @f16_gqa_one_stage
// DEFAULT-NOT:     setmaxregister
// DEFAULT-NOT:     nvvm.barrier id
// DEFAULT:         scf.for
// DEFAULT:           gpu.barrier

// wgmma-schedule=overlap: K and V complete on separate mbarriers (K: 0, 1;
// Q: 2; V: 3, 4), V one block behind K: the prologue loads K_0, K_1 and V_0.
// Block 0's scores and softmax come before the loop, when visible; step j
// refills K slot j + 1 and V slot j after the barrier, waits for K_j, issues
// S_j, waits for V_{j-1}, issues P_{j-1} V_{j-1}, waits for S_j alone
// (wait_group 1), runs the softmax, then waits for P V (wait_group 0). The
// last block's P V follows the loop.
// OVERLAP-LABEL: func.func @bf16_d128
// OVERLAP:         %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 5>
// OVERLAP-COUNT-5:   nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %c1{{[_0-9]*}} :
// OVERLAP:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c2{{.*}}], %c32768
// OVERLAP:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c0{{.*}}], %c16384
// OVERLAP-COUNT-2:     nvgpu.tma.async.load %[[KMAP:[0-9]+]]
// OVERLAP:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c1{{.*}}], %c16384
// OVERLAP:           nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{[0-9]+}}], %c16384
// OVERLAP-COUNT-2:     nvgpu.tma.async.load %[[VMAP:[0-9]+]]
// OVERLAP:         nvgpu.mbarrier.try_wait.parity %[[BARS]][%c2{{.*}}]
// OVERLAP:         scf.if
// OVERLAP:           nvgpu.mbarrier.try_wait.parity %[[BARS]][%c0{{.*}}]
// OVERLAP:           nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP:           scf.yield
// OVERLAP:         scf.for
// OVERLAP:           gpu.barrier
// OVERLAP:           nvgpu.tma.async.load %[[KMAP]]
// OVERLAP:           nvgpu.tma.async.load %[[VMAP]]
// OVERLAP:           nvgpu.mbarrier.try_wait.parity %[[BARS]]
// OVERLAP:           nvvm.wgmma.mma_async
// OVERLAP:           nvvm.wgmma.commit.group.sync.aligned
// OVERLAP-NOT:       nvvm.wgmma.wait.group
// OVERLAP:           nvgpu.mbarrier.try_wait.parity %[[BARS]]
// OVERLAP:           llvm.inline_asm {{.*}}wgmma.mma_async
// OVERLAP:           nvvm.wgmma.commit.group.sync.aligned
// OVERLAP-NEXT:      nvvm.wgmma.wait.group.sync.aligned 1
// OVERLAP:           llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// OVERLAP:           nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP:           scf.yield
// OVERLAP:         scf.if
// OVERLAP:           nvgpu.mbarrier.try_wait.parity %[[BARS]]
// OVERLAP:           llvm.inline_asm {{.*}}wgmma.mma_async
// OVERLAP:           nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP:         vector.store

// wgmma-release=auto (the default) with the serial step on 128 x 64 blocks of 8 warps at
// d = 128, which the cost model runs one per SM: a producer warpgroup
// (threads 256-383) whose first thread issues every load; the consumers
// raise their registers to 240, the producer lowers its own to 24, waits
// on each slot's empty mbarrier (8 consumer warps arrive) and refills it.
// The consumer steps have no block-wide barrier. The one-warpgroup GQA
// kernel below keeps the barrier.
// PRODUCER-LABEL: func.func @bf16_d128
// PRODUCER:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c384,
// PRODUCER:           %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 5>
// PRODUCER:           %[[LEADER:.*]] = arith.cmpi eq, %{{.*}}, %c256 : index
// PRODUCER:           nvgpu.mbarrier.init %[[BARS]][%c3], %c8
// PRODUCER:           nvgpu.mbarrier.init %[[BARS]][%c4], %c8
// PRODUCER:           %[[CONSUMER:.*]] = arith.cmpi ult, %{{.*}}, %c256{{.*}} : index
// PRODUCER-NEXT:      scf.if %[[CONSUMER]] {
// PRODUCER-NEXT:        nvvm.setmaxregister increase 240
// PRODUCER:             scf.for
// PRODUCER-NOT:           gpu.barrier
// PRODUCER:               nvgpu.mbarrier.arrive %[[BARS]]
// PRODUCER-NOT:           gpu.barrier
// PRODUCER:               scf.yield
// PRODUCER:             vector.store
// PRODUCER:           } else {
// PRODUCER-NEXT:        nvvm.setmaxregister decrease 24
// PRODUCER-NEXT:        scf.if %[[LEADER]] {
// PRODUCER:              scf.for %{{.*}} = %c2{{.*}} to
// PRODUCER:                 nvgpu.mbarrier.try_wait.parity %[[BARS]]
// PRODUCER:                 nvgpu.mbarrier.arrive.expect_tx
// PRODUCER-COUNT-4:         nvgpu.tma.async.load
// PRODUCER-LABEL: func.func @f16_gqa_one_stage
// PRODUCER-NOT:     setmaxregister
// PRODUCER:         gpu.barrier
// PRODUCER:         scf.for
// PRODUCER:           gpu.barrier

// wgmma-release=mbarrier: an "empty" mbarrier per slot (arrival count: the
// 8 warps), every slot filled in the prologue, and per step: the warp
// reconverges and waits for its block, then after P V the first lane of
// each warp arrives on the slot's empty mbarrier and thread 0 waits there
// before refilling the slot with block j + 2. No block-wide barrier.
// RELEASE-LABEL: func.func @bf16_d128
// RELEASE:         %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 5>
// RELEASE:           nvgpu.mbarrier.init %[[BARS]][%c3], %c8
// RELEASE:           nvgpu.mbarrier.init %[[BARS]][%c4{{.*}}], %c8
// RELEASE-COUNT-2:   nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c{{[01]}}_{{.*}}], %c32768
// RELEASE:         gpu.barrier
// RELEASE:         nvvm.bar.warp.sync
// RELEASE:         nvgpu.mbarrier.try_wait.parity %[[BARS]][%c2]
// RELEASE:         scf.for
// RELEASE:           nvvm.bar.warp.sync
// RELEASE:           nvgpu.mbarrier.try_wait.parity
// RELEASE-NOT:       gpu.barrier
// RELEASE:           nvgpu.mbarrier.arrive %[[BARS]]
// RELEASE-NOT:       gpu.barrier
// RELEASE:           nvgpu.mbarrier.try_wait.parity %[[BARS]]
// RELEASE:             nvgpu.mbarrier.arrive.expect_tx
// RELEASE-COUNT-4:     nvgpu.tma.async.load
// RELEASE-NOT:       gpu.barrier
// RELEASE:           scf.yield

// 128 x 64 blocks, 2 stages, 8 warps, d = 128: boxes of 128 (Q) and 64 (K,
// V) rows by 64 columns (the 128-byte swizzle span), two per tile; the
// dynamic shared memory is the cost model's minus its 32 bytes of mbarriers
// (static). O's map has boxes of one warp's 16 rows (the TMA store).
// TMA kernels' arguments carry no fa.align: the runtime checks the tensor
// maps' buffers itself.
// CHECK-LABEL: func.func @bf16_d128(
// CHECK-NOT:       fa.align
// CHECK:         %[[QC:.*]] = memref.cast %arg0 : memref<1x16x4096x128xbf16> to memref<*xbf16>
// CHECK:         %[[QMAP:.*]] = nvgpu.tma.create.descriptor %[[QC]] box[%{{.*}}, %{{.*}}, %c128, %c64] : memref<*xbf16> -> <tensor = memref<1x1x128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_128b, oob = zero, interleave = none>
// CHECK:         %[[KMAP:.*]] = nvgpu.tma.create.descriptor %{{.*}} box[{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x64x64xbf16
// CHECK:         %[[VMAP:.*]] = nvgpu.tma.create.descriptor %{{.*}} box[{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x64x64xbf16
// CHECK:         %[[OC:.*]] = memref.cast %arg1 : memref<1x16x4096x128xbf16> to memref<*xbf16>
// CHECK:         %[[OMAP:.*]] = nvgpu.tma.create.descriptor %[[OC]] box[%{{.*}}, %{{.*}}, %c16, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x16x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %c99328_i32
// CHECK:           %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>
// CHECK:           scf.if
// CHECK-COUNT-3:     nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %{{.*}} :
// CHECK:             nvvm.fence.mbarrier.init
// CHECK:             nvgpu.tma.prefetch.descriptor %[[QMAP]]
// CHECK:             nvgpu.tma.prefetch.descriptor %[[OMAP]]
// CHECK-NOT:       gpu.barrier
// Q: 128 x 128 x 2 bytes on mbarrier 2 (= stages), coordinates innermost
// first: column, row, head, batch. The leader issues the prologue's loads
// before the block barrier, after which every thread may wait on the
// mbarriers.
// CHECK:           scf.if
// CHECK:             nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%c2{{.*}}], %c32768
// CHECK:             nvgpu.tma.async.load %[[QMAP]][%c0{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}], %[[BARS]][%c2{{.*}}] to %{{.*}} : {{.*}} -> memref<1x1x128x64xbf16, #gpu.address_space<workgroup>>
// CHECK:             nvgpu.tma.async.load %[[QMAP]][%c64{{.*}}
// The prologue's block 0, if visible: K and V, 2 x 64 x 128 x 2 bytes.
// CHECK:           scf.if
// CHECK:             nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %c32768
// CHECK-COUNT-2:     nvgpu.tma.async.load %[[KMAP]]
// CHECK-COUNT-2:     nvgpu.tma.async.load %[[VMAP]]
// CHECK:           gpu.barrier
// CHECK:           nvgpu.mbarrier.try_wait.parity %[[BARS]][%c2{{.*}}]
// Each step: wait for block j's phase, one barrier, then thread 0 refills the
// slot of block j - 1 with block j + 1; no proxy fence.
// CHECK:           scf.for %[[J:[a-z0-9_]+]] =
// CHECK:             %[[SLOT:.*]] = arith.remui %[[J]], %c2
// CHECK:             %[[PHASE:.*]] = arith.divui %[[J]], %c2
// CHECK:             %[[PARITY:.*]] = arith.remui %[[PHASE]], %c2
// CHECK:             %[[P1:.*]] = arith.index_cast %[[PARITY]] : index to i1
// CHECK-NEXT:        nvgpu.mbarrier.try_wait.parity %[[BARS]][%[[SLOT]]], %[[P1]],
// CHECK-NEXT:        gpu.barrier
// CHECK:             scf.if
// CHECK:               nvgpu.mbarrier.arrive.expect_tx
// CHECK-COUNT-4:       nvgpu.tma.async.load
// CHECK:             nvvm.wgmma.mma_async
// CHECK:             scf.yield
// The epilogue: each lane's 32 normalized pairs (4-byte stores) over its
// warp's Q rows in shared memory, a proxy fence and the warp's
// reconvergence, then its first lane's TMA stores of the warp's 16 rows
// (two 64-column boxes at column 0 and 64), waited for (reads) before exit.
// No store to global memory.
// CHECK-NOT:       vector.store {{.*}} memref<1x16x4096x128xbf16>
// CHECK-COUNT-32:  vector.store %{{.*}}, %{{.*}}[%{{.*}}] {alignment = 4 : i64} : memref<?xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK-NEXT:      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK:           nvvm.bar.warp.sync
// CHECK:           scf.if
// CHECK:             nvgpu.tma.async.store %{{.*}} to %[[OMAP]][%c0{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<1x1x16x64xbf16, #gpu.address_space<workgroup>>
// CHECK:             nvgpu.tma.async.store %{{.*}} to %[[OMAP]][%c64{{.*}}
// CHECK-NEXT:        nvvm.cp.async.bulk.commit.group
// CHECK-NEXT:        nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NOT:       vector.store {{.*}} memref<1x16x4096x128xbf16>
// CHECK:           gpu.terminator
// NOCPASYNC-NOT: nvgpu.device_async
// No proxy fence before the epilogue's (TMA loads need none).
// NOCPASYNC-NOT: nvvm.fence.proxy
// NOCPASYNC:     vector.store {{.*}} {alignment = 4 : i64}
// NOCPASYNC:     nvvm.fence.proxy
// NOCPASYNC-NOT: nvgpu.device_async
func.func @bf16_d128(%q: tensor<1x16x4096x128xbf16>, %o: tensor<1x16x4096x128xbf16>) -> tensor<1x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>)
       outs(%o : tensor<1x16x4096x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x16x4096x128xbf16>
  return %r : tensor<1x16x4096x128xbf16>
}

// -----

// GQA: K and V boxes at the query head's kv head (head / 2); one stage: the
// step issues its own block before waiting, and keeps the closing barrier.
// CHECK-LABEL: func.func @f16_gqa_one_stage
// CHECK:         gpu.launch
// CHECK:           %[[KVHEAD:.*]] = arith.divui %{{.*}}, %c2
// CHECK:           %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK:           scf.for
// CHECK:             scf.if
// CHECK:               nvgpu.tma.async.load %{{.*}}[%{{.*}}, %{{.*}}, %[[KVHEAD]], %{{.*}}]
// CHECK:             nvgpu.mbarrier.try_wait.parity %[[BARS]]
// CHECK:             gpu.barrier
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.yield
func.func @f16_gqa_one_stage(%q: tensor<2x4x300x64xf16>, %k: tensor<2x2x300x64xf16>, %o: tensor<2x4x300x64xf16>) -> tensor<2x4x300x64xf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<2x4x300x64xf16>, tensor<2x2x300x64xf16>, tensor<2x2x300x64xf16>)
       outs(%o : tensor<2x4x300x64xf16>)
       {causal, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>} -> tensor<2x4x300x64xf16>
  return %r : tensor<2x4x300x64xf16>
}
