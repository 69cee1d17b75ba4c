// RUN: fa-opt %s -split-input-file --convert-fa-to-gpu --canonicalize --cse -allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: func.func @tiled
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: memref<2x4x100x16xf32>
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG: %[[SMEM:.+]] = arith.constant 2176 : i32
// CHECK: gpu.launch blocks(%[[BX:.+]], %[[BY:.+]], %[[BZ:.+]]) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C4]], %{{.+}} = %[[C2]]) threads({{.+}}) in (%{{.+}} = %[[C128]], %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[BASE:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[BASE]][%{{.+}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32x16xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[BASE]][%{{.+}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.alloc
// The fill: 512 elements dealt to 128 threads.
// CHECK: %[[TID:.+]] = gpu.thread_id x
// CHECK: scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK: memref.store
// CHECK: gpu.barrier
// The copy of the Q rows of this block (block ids replace the loop's ivs).
// CHECK: memref.subview %[[Q]][%[[BZ]], %[[BY]], %{{.+}}, 0] [1, 1, 4, 16]
// CHECK: scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK: gpu.barrier
// The row reduction: rows over threads, the reduction inside the thread.
// The reduction: each thread's row sum is loaded once, carried through the
// loop over d in a register (iter_args) and stored once after it.
// CHECK: scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK: %[[INIT:.+]] = memref.load
// CHECK: %[[SUM:.+]] = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %[[INIT]]) -> (f32)
// CHECK: %[[IN:.+]] = memref.load
// CHECK: %[[NEXT:.+]] = arith.addf %[[IN]], %[[ACC]]
// CHECK-NOT: memref.store
// CHECK: scf.yield %[[NEXT]]
// CHECK: memref.store %[[SUM]]
// CHECK: gpu.barrier
// CHECK-NOT: linalg.
// CHECK-NOT: memref.dealloc
// CHECK: gpu.terminator
func.func @tiled(%q: memref<2x4x100x16xf32>, %o: memref<2x4x100x16xf32>) {
  %c4 = arith.constant 4 : index
  scf.forall (%b, %h, %qb) in (2, 4, 4) {
    %tile = memref.alloc() : memref<32x16xf32>
    %acc = memref.alloc() : memref<32xf32>
    %c0 = arith.constant 0.0 : f32
    linalg.fill ins(%c0 : f32) outs(%tile : memref<32x16xf32>)
    %off = arith.muli %qb, %c4 : index
    %src = memref.subview %q[%b, %h, %off, 0] [1, 1, 4, 16] [1, 1, 1, 1] : memref<2x4x100x16xf32> to memref<4x16xf32, strided<[16, 1], offset: ?>>
    %dst = memref.subview %tile[0, 0] [4, 16] [1, 1] : memref<32x16xf32> to memref<4x16xf32, strided<[16, 1]>>
    memref.copy %src, %dst : memref<4x16xf32, strided<[16, 1], offset: ?>> to memref<4x16xf32, strided<[16, 1]>>
    linalg.generic {indexing_maps = [affine_map<(i, d) -> (i, d)>, affine_map<(i, d) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%tile : memref<32x16xf32>) outs(%acc : memref<32xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %tile : memref<32x16xf32>
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}

// -----

// A forall without the fa.tiling marker is not ours: left alone.
// CHECK-LABEL: func.func @untouched
// CHECK: scf.forall
// CHECK-NOT: gpu.launch
func.func @untouched(%o: memref<8xf32>) {
  scf.forall (%i) in (8) {
    %c = arith.constant 1.0 : f32
    memref.store %c, %o[%i] : memref<8xf32>
  }
  return
}

// -----

// Packing: every buffer starts at a multiple of 128 bytes and takes a
// multiple of 128: 3*4 = 12 -> 128 at 0, 5*3*2 = 30 -> 128 at 128,
// 40 x i1 (one byte each) -> 128 at 256, 32*16*4 = 2048 at 384; 2432 in all,
// which is the prediction written on the loop and fits the target.
// CHECK-LABEL: func.func @packing
// CHECK-DAG: %[[SMEM:.+]] = arith.constant 2432 : i32
// CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG: %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG: %[[C384:.+]] = arith.constant 384 : index
// CHECK: gpu.launch {{.+}} dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[BASE:.+]] = gpu.dynamic_shared_memory
// CHECK: memref.view %[[BASE]][%{{.+}}][] : {{.+}} to memref<3xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[BASE]][%[[C128]]][] : {{.+}} to memref<5x3xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[BASE]][%[[C256]]][] : {{.+}} to memref<40xi1, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[BASE]][%[[C384]]][] : {{.+}} to memref<32x16xf32, #gpu.address_space<workgroup>>
module attributes {fa.target = #fa.target<arch = "sm_80",
    sram_per_block = 2432, sram_per_sm = 167936, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039,
    tensor_tflops = 312>} {
func.func @packing(%o: memref<8xf32>) {
  scf.forall (%i) in (8) {
    %a = memref.alloc() : memref<3xf32>
    %b = memref.alloc() : memref<5x3xbf16>
    %c = memref.alloc() : memref<40xi1>
    %d = memref.alloc() : memref<32x16xf32>
    "test.use"(%a, %b, %c, %d) : (memref<3xf32>, memref<5x3xbf16>, memref<40xi1>, memref<32x16xf32>) -> ()
  } {fa.predicted_sram = 2432 : i64,
     fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}
}
