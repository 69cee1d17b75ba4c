// The mma-sync kernel of convert-fa-to-nvgpu, from fa.attention through
// one-shot bufferization (docs/GPU.md, "The mma-sync kernel").
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=mma-sync \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=mma-sync \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=BUFFER
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync mma-masked-steps=branch" \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu | FileCheck %s --check-prefix=BRANCH
// RUN: not fa-opt %s --split-input-file --fa-select-tiling=mma-masked-steps=loop 2>&1 | FileCheck %s --check-prefix=BADMASKED
// BADMASKED: for the --mma-masked-steps option: Cannot find option named 'loop'!

// mma-masked-steps=branch: one loop over every kv-block; the blocks from
// the first masked one on (FlashAttention-2's split point) take the mask
// under a branch on the block index, the others skip it.
// BRANCH-LABEL: func.func @bf16_causal(
// BRANCH:         scf.for %[[J:[a-z0-9]+]] = %c0{{(_[0-9]+)?}} to
// BRANCH:           nvvm.mma.sync
// BRANCH:           %[[MASKED:.*]] = arith.cmpi sge, %[[J]], %{{.*}} : index
// BRANCH-NEXT:      scf.if %[[MASKED]] -> (vector<2x2xf32>
// BRANCH:             arith.cmpi slt
// BRANCH:             arith.cmpi sle
// BRANCH:             arith.select
// BRANCH:           } else {
// BRANCH-NOT:         arith.select
// BRANCH:           }
// BRANCH:           gpu.shuffle  xor
// BRANCH:           nvvm.mma.sync
// BRANCH:           scf.yield
// BRANCH-NOT:     scf.for
// BRANCH:         nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}

// BUFFER-LABEL: func.func @bf16_causal
// BUFFER:         fa.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<2x4x100x64xbf16>, memref<2x2x130x64xbf16>, memref<2x2x130x64xbf16>)
// BUFFER-SAME:      outs(%{{.*}}, %{{.*}} : memref<2x4x100x64xbf16>, memref<2x4x100xf32>)
// BUFFER-SAME:      schedule = #fa.schedule<kernel = mma_sync, epilogue = staged>
// BUFFER-NOT:     ->
// BUFFER:         return

// Grid (ceil(100 / 64), Hq, B), 4 warps; shared memory = Q 64 x (64 + 8)
// + 2 stages x (K + V) 32 x (64 + 8) bf16 = 9216 + 18432 bytes.
// Q, K and V, read with 16-byte cp.async copies, must be 16-byte aligned
// (fa.align: the manifest records it, the runtime checks it); O and the
// logsumexp need nothing (the epilogue checks O's alignment itself).
// CHECK-LABEL: func.func @bf16_causal(
// CHECK-SAME:      %arg0: memref<2x4x100x64xbf16> {fa.align = 16 : i64},
// CHECK-SAME:      %arg1: memref<2x2x130x64xbf16> {fa.align = 16 : i64},
// CHECK-SAME:      %arg2: memref<2x2x130x64xbf16> {fa.align = 16 : i64},
// CHECK-SAME:      %arg3: memref<2x4x100x64xbf16>, %arg4: memref<2x4x100xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         gpu.launch blocks(%[[QB:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c2{{(_[0-9]+)?}}, %{{.*}} = %c4, %{{.*}} = %c2{{(_[0-9]+)?}}) threads({{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1, %{{.*}} = %c1) dynamic_shared_memory_size %c27648_i32
// The longest q-block first (causal).
// CHECK:           %[[REV:.*]] = arith.subi %{{.*}}, %[[QB]]
// CHECK:           arith.subi %[[REV]], %c1
// CHECK:           gpu.dynamic_shared_memory
// CHECK:           memref.view {{.*}} to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<2x32x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<2x32x72xbf16, #gpu.address_space<workgroup>>
// Q, then the first K/V stage, each a cp.async group (zero-fill: srcElements).
// CHECK:           nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<2x4x100x64xbf16> to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           nvgpu.device_async_create_group
// CHECK:           nvgpu.device_async_copy {{.*}} : memref<2x2x130x64xbf16> to memref<2x32x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           nvgpu.device_async_create_group
// The full blocks (no mask), then the masked ones, state chained.
// Each step waits for its block (2 stages: nothing else in flight), one
// barrier, then the copies of the next block into the slot the previous
// step used.
// CHECK:           %[[FULL:.*]]:{{[0-9]+}} = scf.for
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT:        gpu.barrier
// CHECK:             nvgpu.device_async_copy
// CHECK:             nvgpu.device_async_create_group
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<2x32x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK:             nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK-NOT:         arith.select
// CHECK:             gpu.shuffle  xor
// CHECK:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK:             arith.truncf {{.*}} : vector<2xf32> to vector<2xbf16>
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK:             nvvm.mma.sync
// CHECK-NOT:         gpu.barrier
// CHECK:             scf.yield
// CHECK:           scf.for {{.*}} iter_args({{.*}} = %[[FULL]]#0
// CHECK:             nvvm.mma.sync
// CHECK:             arith.cmpi slt
// CHECK:             arith.cmpi sle
// CHECK:             arith.select
// CHECK:             gpu.shuffle  xor
// CHECK:             scf.yield
// CHECK:           nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// The epilogue: when O is 16-byte aligned (checked at run time), each lane's
// 16 pairs (16 rows a warp, 64 columns) over the warp's Q rows in shared
// memory, the warp reconverges, then 4 chunks of 16 bytes a lane (16 rows
// x 8 chunks / 32 lanes) to the rows below Nq = 100; else the pairs straight
// to global memory.
// CHECK:           %[[OPTR:.*]] = memref.extract_aligned_pointer_as_index %{{.*}} : memref<2x4x100x64xbf16> -> index
// CHECK:           %[[MIS:.*]] = arith.remui %[[OPTR]], %c16
// CHECK:           %[[ALIGNED:.*]] = arith.cmpi eq, %[[MIS]], %c0
// CHECK:           scf.if %[[ALIGNED]] {
// CHECK-COUNT-16:    vector.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<64x72xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK:             nvvm.bar.warp.sync
// CHECK-COUNT-4:     vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<64x72xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK:             arith.cmpi ult, %{{.*}}, %c100
// CHECK:             scf.if
// CHECK-NEXT:          vector.store %{{.*}} {alignment = 16 : i64} : memref<2x4x100x64xbf16>, vector<8xbf16>
// CHECK:           } else {
// CHECK:             vector.store {{.*}} : memref<2x4x100x64xbf16>, vector<2xbf16>
// CHECK:           }
// CHECK:           math.log
// CHECK:           memref.store {{.*}} : memref<2x4x100xf32>
// CHECK:           gpu.terminator
// CHECK-NOT:     fa.attention
func.func @bf16_causal(%q: tensor<2x4x100x64xbf16>, %k: tensor<2x2x130x64xbf16>,
                       %v: tensor<2x2x130x64xbf16>, %o: tensor<2x4x100x64xbf16>,
                       %l: tensor<2x4x100xf32>)
    -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<2x4x100x64xbf16>,
                          tensor<2x2x130x64xbf16>, tensor<2x2x130x64xbf16>)
         outs(%o, %l : tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>)
         {causal, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
         -> tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>
  return %r#0, %r#1 : tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>
}

// -----

// f16 runs on nvgpu.mma.sync; one stage waits for its own group; dynamic
// sizes come from memref.dim.
// CHECK-LABEL: func.func @f16_dynamic
// CHECK:         memref.dim %{{.*}}, %c0
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK:             nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT:         nvvm.mma.sync
func.func @f16_dynamic(%q: tensor<?x8x?x128xf16>, %k: tensor<?x8x?x128xf16>,
                       %v: tensor<?x8x?x128xf16>, %o: tensor<?x8x?x128xf16>)
    -> tensor<?x8x?x128xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<?x8x?x128xf16>,
                        tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>)
       outs(%o : tensor<?x8x?x128xf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>}
       -> tensor<?x8x?x128xf16>
  return %r : tensor<?x8x?x128xf16>
}

// -----

// A mask operand applies to every block: one loop, the masked one, reading
// the bias (broadcast dims at index 0) and adding bias / scale to the
// unscaled scores; an i1 mask joins the keep condition.
// CHECK-LABEL: func.func @bias
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             memref.load %{{.*}}[%c0{{.*}}, %c0{{.*}}, %{{.*}}, %{{.*}}] : memref<1x1x100x130xf16>
// CHECK:             arith.extf {{.*}} : f16 to f32
// CHECK:             math.fma
// CHECK:             scf.yield
// CHECK-NOT:       scf.for
// CHECK:           gpu.terminator
func.func @bias(%q: tensor<2x4x100x64xf16>, %k: tensor<2x2x130x64xf16>,
                %v: tensor<2x2x130x64xf16>, %m: tensor<1x1x100x130xf16>,
                %o: tensor<2x4x100x64xf16>) -> tensor<2x4x100x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x100x64xf16>,
                        tensor<2x2x130x64xf16>, tensor<2x2x130x64xf16>)
       mask(%m : tensor<1x1x100x130xf16>)
       outs(%o : tensor<2x4x100x64xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
       -> tensor<2x4x100x64xf16>
  return %r : tensor<2x4x100x64xf16>
}

// -----

// CHECK-LABEL: func.func @keep_mask
// CHECK:             memref.load %{{.*}} : memref<2x1x1x130xi1>
// CHECK:             arith.andi
func.func @keep_mask(%q: tensor<2x4x100x64xbf16>, %k: tensor<2x2x130x64xbf16>,
                     %v: tensor<2x2x130x64xbf16>, %m: tensor<2x1x1x130xi1>,
                     %o: tensor<2x4x100x64xbf16>) -> tensor<2x4x100x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x100x64xbf16>,
                        tensor<2x2x130x64xbf16>, tensor<2x2x130x64xbf16>)
       mask(%m : tensor<2x1x1x130xi1>)
       outs(%o : tensor<2x4x100x64xbf16>) {causal}
       -> tensor<2x4x100x64xbf16>
  return %r : tensor<2x4x100x64xbf16>
}

// -----

// mma-masked-steps=auto at d = 128: the cost model's register estimate for
// 128x64 with 4 warps is 290, over the 255 a thread can have, so the masked
// blocks run in the same loop under the branch (one copy of the step; with
// a second copy ptxas spills more: ptxas-mma-masked-steps.mlir). @bf16_causal
// above (d = 64, estimate under 255) keeps the two loops.
// CHECK-LABEL: func.func @d128_causal_one_loop
// CHECK:           scf.for %[[J:[a-z0-9]+]] = %c0{{(_[0-9]+)?}} to
// CHECK:             nvvm.mma.sync
// CHECK:             arith.cmpi sge, %[[J]], %{{.*}} : index
// CHECK-NEXT:        scf.if
// CHECK:             scf.yield
// CHECK-NOT:       scf.for
// CHECK:           gpu.terminator
func.func @d128_causal_one_loop(%q: tensor<1x2x256x128xbf16>,
                                %k: tensor<1x2x256x128xbf16>,
                                %v: tensor<1x2x256x128xbf16>,
                                %o: tensor<1x2x256x128xbf16>)
    -> tensor<1x2x256x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x256x128xbf16>,
                        tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
       outs(%o : tensor<1x2x256x128xbf16>)
       {causal, tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>}
       -> tensor<1x2x256x128xbf16>
  return %r : tensor<1x2x256x128xbf16>
}
