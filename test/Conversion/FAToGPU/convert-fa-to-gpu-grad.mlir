// The backward's four nests (docs/Backward.md) through the SIMT path: each
// is its own gpu.launch, in order (D, dK/dV, dQ, dBias), its tiles views of
// dynamic shared memory and every tile op spread over the block's threads
// with a barrier after it. D is a host allocation (a scratch buffer of the
// manifest); test/Target/fa-compile-grad.mlir compiles the same kernels.
//
// DEFINE: %{lower} = --fa-tile-attention=tile-memory-space=0 --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --convert-fa-to-gpu --canonicalize --cse
// RUN: fa-opt %s -split-input-file %{lower} | FileCheck %s

// Causal GQA (4 query heads on 2 KV heads), f16, N = 100, d = 16, 32 x 32
// blocks (4 query and 4 key blocks), 4 warps, a full bias with its gradient.
// CHECK-LABEL: func.func @full_bias
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: memref<2x4x100x16xf16>, %[[K:[a-z0-9]+]]: {{.+}}, %[[V:[a-z0-9]+]]: {{.+}}, %[[O:[a-z0-9]+]]: {{.+}}, %[[DO:[a-z0-9]+]]: {{.+}}, %[[L:[a-z0-9]+]]: {{.+}}, %[[B:[a-z0-9]+]]: {{.+}}, %[[DQ:[a-z0-9]+]]: {{.+}}, %[[DK:[a-z0-9]+]]: {{.+}}, %[[DV:[a-z0-9]+]]: {{.+}}, %[[DB:[a-z0-9]+]]: {{.+}})
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG: %[[C512:.+]] = arith.constant 512 : index
// CHECK-DAG: %[[C32:.+]] = arith.constant 32 : index
// CHECK-DAG: %[[NOSMEM:.+]] = arith.constant 0 : i32
// Tiles of the dK/dV and dBias kernels: Q, dO, K, V (1024 bytes each), lse
// and D (128 each), the bias tile (4096), S and dP (4096 each) and two
// 32 x 16 f32 accumulators (dK_j, dV_j) or one 32 x 32 (dBias): 20736.
// CHECK-DAG: %[[SMEM:.+]] = arith.constant 20736 : i32
// The dQ kernel: one 32 x 16 accumulator, 18688.
// CHECK-DAG: %[[SMEMQ:.+]] = arith.constant 18688 : i32
// CHECK: %[[D:.+]] = memref.alloc() {{.+}} : memref<2x4x100xf32>
//
// 1. D = rowsum(dO * O) per (batch, query head, query block): no tiles;
// the rows over the threads, the sum inside each.
// CHECK: gpu.launch blocks(%[[BX:.+]], %[[BY:.+]], %[[BZ:.+]]) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C4]], %{{.+}} = %[[C2]]) threads({{.+}}) in (%{{.+}} = %[[C128]], {{.+}}) dynamic_shared_memory_size %[[NOSMEM]]
// CHECK-NOT: gpu.dynamic_shared_memory
// CHECK: %[[DOROWS:.+]] = memref.subview %[[DO]][%[[BZ]], %[[BY]], %{{.+}}, 0]
// CHECK: %[[OROWS:.+]] = memref.subview %[[O]][%[[BZ]], %[[BY]], %{{.+}}, 0]
// CHECK: %[[DROWS:.+]] = memref.subview %[[D]][%[[BZ]], %[[BY]], %{{.+}}]
// CHECK: %[[TID:.+]] = gpu.thread_id x
// CHECK: scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK: memref.store %{{.+}}, %[[DROWS]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %[[C16]]
// CHECK: memref.load %[[DOROWS]][%{{.+}}, %[[J]]]
// CHECK: memref.load %[[OROWS]][%{{.+}}, %[[J]]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store %{{.+}}, %[[DROWS]]
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
//
// 2. dK, dV per (batch, KV head, key block): grid (4, 2, 2).
// CHECK: gpu.launch blocks(%[[BX2:.+]], %[[BY2:.+]], %[[BZ2:.+]]) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C2]], %{{.+}} = %[[C2]]) threads({{.+}}) in (%{{.+}} = %[[C128]], {{.+}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: gpu.dynamic_shared_memory
// CHECK-NOT: memref.alloc
// CHECK: memref.subview %[[K]][%[[BZ2]], %[[BY2]], %{{.+}}, 0]
// CHECK: memref.subview %[[V]][%[[BZ2]], %[[BY2]], %{{.+}}, 0]
// The group's query heads and the query blocks from the first that sees
// the key block (causal).
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[C2]]
// CHECK: scf.for
// CHECK: memref.subview %[[Q]][%[[BZ2]],
// CHECK: memref.subview %[[D]][%[[BZ2]],
// CHECK: math.exp
// dK_j += dS^T Q_i: 512 elements of dK_j over the threads, the 32 query
// rows read transposed from dS inside each.
// CHECK: scf.for %{{.+}} = %[[TID2:.+]] to %[[C512]] step %[[C128]]
// CHECK: scf.for %[[R:.+]] = %{{.+}} to %[[C32]]
// CHECK: memref.load %{{.+}}[%[[R]], %{{.+}}] : memref<32x32xf32>
// CHECK: memref.load %{{.+}}[%[[R]], %{{.+}}] : memref<32x16xf16>
// CHECK: gpu.barrier
// CHECK: scf.for %{{.+}} = %[[TID2]] to %[[C512]] step %[[C128]]
// CHECK: gpu.barrier
// The valid rows, scaled, into dK and dV; no copy of a view onto itself.
// CHECK: memref.subview %[[DK]][%[[BZ2]], %[[BY2]], %{{.+}}, 0]
// CHECK: arith.mulf
// CHECK: arith.truncf
// CHECK: memref.subview %[[DV]][%[[BZ2]], %[[BY2]], %{{.+}}, 0]
// CHECK: arith.truncf
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.terminator
//
// 3. dQ per (batch, query head, query block).
// CHECK: gpu.launch blocks(%{{.+}}, %[[BY3:.+]], %[[BZ3:.+]]) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C4]], %{{.+}} = %[[C2]]) threads({{.+}}) in (%{{.+}} = %[[C128]], {{.+}}) dynamic_shared_memory_size %[[SMEMQ]]
// CHECK: memref.subview %[[DQ]][%[[BZ3]], %[[BY3]], %{{.+}}, 0]
// CHECK: gpu.terminator
//
// 4. dBias per (batch, head, query block, key block): the two block
// dimensions linearized into grid x (4 x 4 = 16), split back by the key
// block count.
// CHECK: gpu.launch blocks(%[[BX4:.+]], %[[BY4:.+]], %[[BZ4:.+]]) in (%{{.+}} = %[[C16]], %{{.+}} = %[[C4]], %{{.+}} = %[[C2]]) threads({{.+}}) in (%{{.+}} = %[[C128]], {{.+}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[KB:.+]] = arith.remui %[[BX4]], %[[C4]]
// CHECK: %[[QB:.+]] = arith.divui %[[BX4]], %[[C4]]
// CHECK: memref.subview %[[DB]][%[[BZ4]], %[[BY4]], %{{.+}}, %{{.+}}]
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK: return %[[DQ]], %[[DK]], %[[DV]], %[[DB]]
func.func @full_bias(%q: tensor<2x4x100x16xf16>, %k: tensor<2x2x100x16xf16>,
    %v: tensor<2x2x100x16xf16>, %o: tensor<2x4x100x16xf16>, %do: tensor<2x4x100x16xf16>,
    %l: tensor<2x4x100xf32>, %bias: tensor<2x4x100x100xf32>, %dq: tensor<2x4x100x16xf16>,
    %dk: tensor<2x2x100x16xf16>, %dv: tensor<2x2x100x16xf16>, %db: tensor<2x4x100x100xf32>)
    -> (tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>,
             tensor<2x2x100x16xf16>, tensor<2x4x100x16xf16>, tensor<2x4x100x16xf16>, tensor<2x4x100xf32>)
         mask(%bias : tensor<2x4x100x100xf32>)
         outs(%dq, %dk, %dv, %db : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>)
         {causal, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>}
         -> tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>
}

// -----

// A bias broadcast over the batch and the rows: the dBias nest has one
// block per (head, key block), its unit dimensions folded (grid 4 x 4), and
// sums dS over every query block and row inside the block.
// CHECK-LABEL: func.func @broadcast_bias
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK-COUNT-3: gpu.launch blocks({{.+}}) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C4]], %{{.+}} = %[[C1]]) threads({{.+}}) in (%{{.+}} = %[[C64]],
// CHECK: gpu.launch blocks(%[[KB:.+]], %[[H:.+]], %{{.+}}) in (%{{.+}} = %[[C4]], %{{.+}} = %[[C4]], %{{.+}} = %[[C1]]) threads({{.+}}) in (%{{.+}} = %[[C64]],
// The broadcast rows: a 1 x 16 accumulator whose column is a thread's, the
// 16 rows of dS summed inside it.
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[C4]]
// CHECK: scf.for %{{.+}} = %{{.+}} step %[[C64]]
// CHECK: scf.for
// CHECK: memref.load %{{.+}} : memref<1x16xf32>
// CHECK: arith.addf
// CHECK: memref.store %{{.+}} : memref<1x16xf32>
// CHECK: memref.subview %{{.+}}[0, %[[H]], 0, %{{.+}}] [1, 1, 1, %{{.+}}]
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @broadcast_bias(%q: tensor<1x4x64x16xf32>, %k: tensor<1x4x64x16xf32>,
    %v: tensor<1x4x64x16xf32>, %o: tensor<1x4x64x16xf32>, %do: tensor<1x4x64x16xf32>,
    %l: tensor<1x4x64xf32>, %bias: tensor<1x4x1x64xf32>, %dq: tensor<1x4x64x16xf32>,
    %dk: tensor<1x4x64x16xf32>, %dv: tensor<1x4x64x16xf32>, %db: tensor<1x4x1x64xf32>)
    -> (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x1x64xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>,
             tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64xf32>)
         mask(%bias : tensor<1x4x1x64xf32>)
         outs(%dq, %dk, %dv, %db : tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x1x64xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 2>}
         -> tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x1x64xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x1x64xf32>
}
