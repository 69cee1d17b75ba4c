// RUN: fa-opt %s -split-input-file --fa-tile-attention -mlir-print-local-scope | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-tile-attention=tile-memory-space=0 -mlir-print-local-scope | FileCheck %s --check-prefix=NOSPACE
// RUN: fa-opt %s -split-input-file --fa-tile-attention -mlir-print-local-scope | FileCheck %s --check-prefix=NOBIG
// RUN: fa-opt %s -split-input-file --fa-tile-attention | FileCheck %s --check-prefix=MARK
// Structure of the backward's tiled form (docs/Backward.md); its numbers are
// checked by test/Integration/CPU/tile-attention-grad-run.mlir.

// Causal GQA (4 query heads on 2 KV heads), bf16, N = 4096, block_q = 64,
// block_kv = 32, a bias per head and key (broadcast over the rows) with its
// gradient: four nests.
// CHECK-LABEL: func.func @causal_gqa_bias
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: {{.+}}, %[[K:[a-z0-9]+]]: {{.+}}, %[[V:[a-z0-9]+]]: {{.+}}, %[[O:[a-z0-9]+]]: {{.+}}, %[[DO:[a-z0-9]+]]: {{.+}}, %[[L:[a-z0-9]+]]: {{.+}}, %[[B:[a-z0-9]+]]: {{.+}}, %[[DQ:[a-z0-9]+]]: {{.+}}, %[[DK:[a-z0-9]+]]: {{.+}}, %[[DV:[a-z0-9]+]]: {{.+}}, %[[DB:[a-z0-9]+]]: {{.+}})
// CHECK-NOT: fa.attention_grad
// 1. D = rowsum(dO * O) per (batch, query head, query block), read from the
// operands without tiles.
// CHECK: %[[D0:.+]] = tensor.empty() : tensor<1x4x4096xf32>
// CHECK: %[[D:.+]] = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 4, 64) shared_outs(%{{.+}} = %[[D0]])
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<?x64xbf16>, tensor<?x64xbf16>) outs(%{{.+}} : tensor<?xf32>)
// CHECK: tensor.parallel_insert_slice
// 2. dK, dV per (batch, KV head, key block): K_j and V_j loaded once, dK_j
// and dV_j accumulated over the group's query heads and the query blocks
// from the first one that sees key k0 (causal).
// CHECK: %[[KV:.+]]:2 = scf.forall (%[[B2:.+]], %[[KVH:.+]], %[[KB:.+]]) in (1, 2, 128) shared_outs(%[[DKO:.+]] = %[[DK]], %[[DVO:.+]] = %[[DV]])
// CHECK-DAG: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<64x64xbf16>
// CHECK-DAG: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<64xf32>
// CHECK-DAG: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<32x64xbf16>
// CHECK-DAG: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<1x32xf32>
// CHECK: %[[K0:.+]] = affine.apply affine_map<(d0) -> (d0 * 32)>(%[[KB]])
// CHECK: tensor.extract_slice %[[K]][%[[B2]], %[[KVH]], %[[K0]], 0]
// CHECK: tensor.extract_slice %[[V]][%[[B2]], %[[KVH]], %[[K0]], 0]
// CHECK: %[[FIRSTROW:.+]] = affine.max affine_map<(d0) -> (d0 * 32, 0)>(%[[KB]])
// CHECK: %[[FIRST:.+]] = affine.apply affine_map<(d0) -> (d0 floordiv 64)>(%[[FIRSTROW]])
// CHECK: scf.for %[[G:.+]] = %{{.+}} to %{{.+}} step
// CHECK: scf.for %[[QB:.+]] = %[[FIRST]] to %{{.+}} step
// CHECK: %[[H:.+]] = affine.apply affine_map<(d0, d1) -> (d0 * 2 + d1)>(%[[KVH]], %[[G]])
// CHECK: tensor.extract_slice %[[Q]][%[[B2]], %[[H]],
// CHECK: tensor.extract_slice %[[DO]][%[[B2]], %[[H]],
// CHECK: tensor.extract_slice %[[L]][%[[B2]], %[[H]],
// CHECK: tensor.extract_slice %[[D]][%[[B2]], %[[H]],
// CHECK: tensor.extract_slice %[[B]][0, %[[H]], 0, %[[K0]]]
// CHECK: %[[S:.+]] = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
// CHECK: %[[SM:.+]] = linalg.generic {{.+}} outs(%[[S]] : tensor<64x32xf32>)
// CHECK: arith.cmpi ult
// CHECK: arith.cmpi ult
// CHECK: arith.cmpi sle
// CHECK: %[[P:.+]] = linalg.generic {{.+}} outs(%[[SM]] : tensor<64x32xf32>)
// CHECK: math.exp
// CHECK: %[[DP:.+]] = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
// CHECK: %[[DS:.+]] = linalg.generic {{.+}} ins(%[[P]], %{{.+}} : tensor<64x32xf32>, tensor<64xf32>) outs(%[[DP]] : tensor<64x32xf32>)
// CHECK: %[[DKN:.+]] = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%[[DS]], %{{.+}} : tensor<64x32xf32>, tensor<64x64xbf16>) outs(%{{.+}} : tensor<32x64xf32>)
// CHECK: %[[DVN:.+]] = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%[[P]], %{{.+}} : tensor<64x32xf32>, tensor<64x64xbf16>) outs(%{{.+}} : tensor<32x64xf32>)
// CHECK: scf.yield %[[DKN]], %[[DVN]]
// CHECK: arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[DKO]][%[[B2]], %[[KVH]], %[[K0]], 0]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[DVO]][%[[B2]], %[[KVH]], %[[K0]], 0]
// 3. dQ per (batch, query head, query block), over the key blocks its rows
// see (the forward's causal bound).
// CHECK: %[[RDQ:.+]] = scf.forall (%[[B3:.+]], %[[H3:.+]], %[[QB3:.+]]) in (1, 4, 64) shared_outs(%[[DQO:.+]] = %[[DQ]])
// CHECK: %[[END:.+]] = affine.min affine_map<(d0) -> (d0 * 64 + 64, 4096)>(%[[QB3]])
// CHECK: %[[ENDC:.+]] = affine.max affine_map<(d0) -> (d0, 0)>(%[[END]])
// CHECK: %[[NKV:.+]] = affine.apply affine_map<(d0) -> (d0 ceildiv 32)>(%[[ENDC]])
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NKV]] step
// CHECK: %[[DQN:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<64x32xf32>, tensor<32x64xbf16>) outs(%{{.+}} : tensor<64x64xf32>)
// CHECK: scf.yield %[[DQN]]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[DQO]][%[[B3]], %[[H3]],
// 4. dBias per tile of the bias [1, 4, 1, 4096]: one block per (head, key
// block); the loops inside run over the batch (its own index), the head
// (its own), every query block (broadcast rows) and the key block (its own),
// and the rows of dS are summed.
// CHECK: %[[RDB:.+]] = scf.forall (%[[BB:.+]], %[[HB:.+]], %{{.+}}, %[[CB:.+]]) in (1, 4, 1, 128) shared_outs(%[[DBO:.+]] = %[[DB]])
// CHECK: %[[ACC:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x32xf32>)
// CHECK: scf.for %{{.+}} = %[[BB]] to
// CHECK: scf.for %{{.+}} = %[[HB]] to
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step
// CHECK: scf.for %{{.+}} = %[[CB]] to
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0, d1)>], iterator_types = ["reduction", "parallel"]} ins(%{{.+}} : tensor<64x32xf32>) outs(%{{.+}} : tensor<1x32xf32>)
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[DBO]][%[[BB]], %[[HB]], 0, %{{.+}}] [1, 1, 1, %{{.+}}]
// CHECK: return %[[RDQ]], %[[KV]]#0, %[[KV]]#1, %[[RDB]]
// No tensor of Nq x Nk anywhere.
// NOBIG-NOT: 4096x4096
// NOBIG-NOT: ?x?xf32
// NOBIG: func.func @dynamic_keep_mask
// Each nest is a thread-block loop for convert-fa-to-gpu: the op's tiling
// on it; loops of more than one block get no GPU mapping (the one-block
// case: test/Pipelines/fa-to-ptx-pipeline-grad.mlir).
// MARK-LABEL: func.func @causal_gqa_bias
// MARK-NOT: mapping
// MARK-COUNT-4: } {fa.tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}
// MARK-NOT: mapping
// MARK-LABEL: func.func @dynamic_keep_mask
// MARK-COUNT-3: } {fa.tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>}
// NOSPACE-LABEL: func.func @causal_gqa_bias
// NOSPACE: bufferization.alloc_tensor() : tensor<64x64xbf16>
// NOSPACE-NOT: memory_space
func.func @causal_gqa_bias(%q: tensor<1x4x4096x64xbf16>, %k: tensor<1x2x4096x64xbf16>,
    %v: tensor<1x2x4096x64xbf16>, %o: tensor<1x4x4096x64xbf16>, %do: tensor<1x4x4096x64xbf16>,
    %l: tensor<1x4x4096xf32>, %bias: tensor<1x4x1x4096xf32>, %dq: tensor<1x4x4096x64xbf16>,
    %dk: tensor<1x2x4096x64xbf16>, %dv: tensor<1x2x4096x64xbf16>, %db: tensor<1x4x1x4096xf32>)
    -> (tensor<1x4x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x4x1x4096xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x4x4096x64xbf16>, tensor<1x2x4096x64xbf16>,
             tensor<1x2x4096x64xbf16>, tensor<1x4x4096x64xbf16>, tensor<1x4x4096x64xbf16>, tensor<1x4x4096xf32>)
         mask(%bias : tensor<1x4x1x4096xf32>)
         outs(%dq, %dk, %dv, %db : tensor<1x4x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x4x1x4096xf32>)
         {causal, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>}
         -> tensor<1x4x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x4x1x4096xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x4x1x4096xf32>
}

// -----

// Dynamic batch and lengths, causal with Nq != Nk, an i1 keep-mask: the
// bounds are affine in tensor.dim values, and the first query block of a key
// block is that of row max(0, k0 + Nq - Nk).
// CHECK-LABEL: func.func @dynamic_keep_mask
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: tensor<?x2x?x16xf32>, %[[K:[a-z0-9]+]]: tensor<?x2x?x16xf32>,
// CHECK: %[[NQ:.+]] = tensor.dim %[[Q]], %c2 : tensor<?x2x?x16xf32>
// CHECK: %[[NK:.+]] = tensor.dim %[[K]], %c2{{.*}} : tensor<?x2x?x16xf32>
// CHECK: scf.forall (
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %[[KB:.+]]) in
// CHECK: %[[FR:.+]] = affine.max affine_map<(d0)[s0, s1] -> (d0 * 8 + s0 - s1, 0)>(%[[KB]])[%[[NQ]], %[[NK]]]
// CHECK: affine.apply affine_map<(d0) -> (d0 floordiv 16)>(%[[FR]])
// CHECK: arith.andi
// CHECK: scf.forall (
// CHECK-NOT: scf.forall (
// CHECK: return
func.func @dynamic_keep_mask(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x16xf32>, %o: tensor<?x2x?x16xf32>, %do: tensor<?x2x?x16xf32>,
    %l: tensor<?x2x?xf32>, %m: tensor<?x1x?x?xi1>, %dq: tensor<?x2x?x16xf32>,
    %dk: tensor<?x2x?x16xf32>, %dv: tensor<?x2x?x16xf32>)
    -> (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>,
             tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
         mask(%m : tensor<?x1x?x?xi1>)
         outs(%dq, %dk, %dv : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
         {causal, tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>}
         -> tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  return %r#0, %r#1, %r#2 : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
}

// -----

// Without a tiling the op is left alone (fa-decompose-attention can take it).
// CHECK-LABEL: func.func @untiled
// CHECK: fa.attention_grad
func.func @untiled(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>,
    %o: tensor<1x1x8x16xf32>, %do: tensor<1x1x8x16xf32>, %l: tensor<1x1x8xf32>,
    %dq: tensor<1x1x8x16xf32>, %dk: tensor<1x1x8x16xf32>, %dv: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>,
             tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8xf32>)
         outs(%dq, %dk, %dv : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
         -> tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
}
