// RUN: fa-opt %s -split-input-file --fa-tile-attention | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-tile-attention=tile-memory-space=0 | FileCheck %s --check-prefix=NOSPACE
// RUN: fa-opt %s -split-input-file --fa-tile-attention | FileCheck %s --check-prefix=NOBIG
// Structure of the tiled form (docs/TiledForm.md); its numbers are checked by
// test/Integration/CPU/tile-attention-run.mlir.

// Causal GQA, bf16, N = 4096, block_q = 64, block_kv = 32: 4096 / 64 = 64
// query blocks; K/V head h floordiv 4; the kv loop stops at the diagonal.
// CHECK-DAG: #[[Q0:.+]] = affine_map<(d0) -> (d0 * 64)>
// CHECK-DAG: #[[QLEN:.+]] = affine_map<(d0) -> (64, d0 * -64 + 4096)>
// CHECK-DAG: #[[KVH:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-DAG: #[[KVEND:.+]] = affine_map<(d0) -> (d0 * 64 + 64, 4096)>
// CHECK-DAG: #[[CLAMP:.+]] = affine_map<(d0) -> (d0, 0)>
// CHECK-DAG: #[[NUMKV:.+]] = affine_map<(d0) -> (d0 ceildiv 32)>
// CHECK-DAG: #[[K0:.+]] = affine_map<(d0) -> (d0 * 32)>
// CHECK-DAG: #[[KLEN:.+]] = affine_map<(d0) -> (32, d0 * -32 + 4096)>
// CHECK-DAG: #[[QK_A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[QK_B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[QK_C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[DIAG:.+]] = affine_map<(d0, d1) -> (d0 * 64 - d1 * 32)>
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<2x8x4096x128xbf16>, %[[K:.+]]: tensor<2x2x4096x128xbf16>, %[[V:.+]]: tensor<2x2x4096x128xbf16>, %[[O:.+]]: tensor<2x8x4096x128xbf16>)
// CHECK-NOT: fa.attention
// CHECK: %[[R:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[QB:.+]]) in (2, 8, 64) shared_outs(%[[OUT:.+]] = %[[O]]) -> (tensor<2x8x4096x128xbf16>)
// CHECK: %[[QOFF:.+]] = affine.apply #[[Q0]](%[[QB]])
// CHECK: %[[QLENV:.+]] = affine.min #[[QLEN]](%[[QB]])
// CHECK: %[[KVHEAD:.+]] = affine.apply #[[KVH]](%[[H]])
// CHECK: %[[QBUF:.+]] = bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<64x128xbf16>
// CHECK: %[[KBUF:.+]] = bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<32x128xbf16>
// CHECK: %[[VBUF:.+]] = bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<32x128xbf16>
// CHECK: %[[QSL:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[QOFF]], 0] [1, 1, %[[QLENV]], 128] [1, 1, 1, 1] : tensor<2x8x4096x128xbf16> to tensor<?x128xbf16>
// CHECK: %[[QZ:.+]] = linalg.fill ins(%{{.+}} : bf16) outs(%[[QBUF]] : tensor<64x128xbf16>)
// CHECK: %[[QT:.+]] = tensor.insert_slice %[[QSL]] into %[[QZ]][0, 0] [%[[QLENV]], 128] [1, 1] : tensor<?x128xbf16> into tensor<64x128xbf16>
// CHECK: %[[END:.+]] = affine.min #[[KVEND]](%[[QB]])
// CHECK: %[[ENDC:.+]] = affine.max #[[CLAMP]](%[[END]])
// CHECK: %[[NKV:.+]] = affine.apply #[[NUMKV]](%[[ENDC]])
// CHECK: %[[RES:.+]]:3 = scf.for %[[KB:.+]] = %{{.+}} to %[[NKV]] step %{{.+}} iter_args(%[[M:.+]] = %{{.+}}, %[[L:.+]] = %{{.+}}, %[[ACC:.+]] = %{{.+}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>)
// CHECK: %[[KOFF:.+]] = affine.apply #[[K0]](%[[KB]])
// CHECK: %[[KLENV:.+]] = affine.min #[[KLEN]](%[[KB]])
// CHECK: tensor.extract_slice %[[K]][%[[B]], %[[KVHEAD]], %[[KOFF]], 0] [1, 1, %[[KLENV]], 128]
// CHECK: %[[KZ:.+]] = linalg.fill ins(%{{.+}} : bf16) outs(%[[KBUF]] : tensor<32x128xbf16>)
// CHECK: %[[KT:.+]] = tensor.insert_slice %{{.+}} into %[[KZ]][0, 0] [%[[KLENV]], 128] [1, 1] : tensor<?x128xbf16> into tensor<32x128xbf16>
// CHECK: tensor.extract_slice %[[V]][%[[B]], %[[KVHEAD]], %[[KOFF]], 0] [1, 1, %[[KLENV]], 128]
// CHECK: %[[VZ:.+]] = linalg.fill ins(%{{.+}} : bf16) outs(%[[VBUF]] : tensor<32x128xbf16>)
// CHECK: %[[VT:.+]] = tensor.insert_slice %{{.+}} into %[[VZ]][0, 0] [%[[KLENV]], 128] [1, 1] : tensor<?x128xbf16> into tensor<32x128xbf16>
// CHECK: %[[S:.+]] = linalg.matmul indexing_maps = [#[[QK_A]], #[[QK_B]], #[[QK_C]]] ins(%[[QT]], %[[KT]] : tensor<64x128xbf16>, tensor<32x128xbf16>) outs(%{{.+}} : tensor<64x32xf32>)
// CHECK: %[[DG:.+]] = affine.apply #[[DIAG]](%[[QB]], %[[KB]])
// CHECK: %[[SM:.+]] = linalg.generic {{.+}} outs(%[[S]] : tensor<64x32xf32>)
// CHECK:   arith.mulf
// CHECK:   %[[I:.+]] = linalg.index 0
// CHECK:   %[[J:.+]] = linalg.index 1
// CHECK:   %[[INB:.+]] = arith.cmpi ult, %[[J]], %[[KLENV]]
// CHECK:   %[[LIM:.+]] = arith.addi %[[I]], %[[DG]]
// CHECK:   %[[VIS:.+]] = arith.cmpi sle, %[[J]], %[[LIM]]
// CHECK:   arith.andi %[[INB]], %[[VIS]]
// CHECK: %[[RM:.+]] = linalg.generic {{.+}}iterator_types = ["parallel", "reduction"]} ins(%[[SM]] : tensor<64x32xf32>) outs(%{{.+}} : tensor<64xf32>)
// CHECK:   arith.maximumf
// CHECK: %[[ALPHA:.+]] = linalg.generic {{.+}} ins(%[[M]], %[[RM]] : tensor<64xf32>, tensor<64xf32>)
// CHECK:   math.exp
// CHECK: %[[MN:.+]] = linalg.generic {{.+}} ins(%[[RM]] : tensor<64xf32>) outs(%[[M]] : tensor<64xf32>)
// CHECK:   arith.maximumf
// CHECK: %[[P:.+]] = linalg.generic {{.+}} ins(%[[MN]] : tensor<64xf32>) outs(%[[SM]] : tensor<64x32xf32>)
// CHECK:   math.exp
// CHECK: %[[LS:.+]] = linalg.generic {{.+}} ins(%[[ALPHA]] : tensor<64xf32>) outs(%[[L]] : tensor<64xf32>)
// CHECK: %[[LN:.+]] = linalg.generic {{.+}} ins(%[[P]] : tensor<64x32xf32>) outs(%[[LS]] : tensor<64xf32>)
// CHECK: %[[AS:.+]] = linalg.generic {{.+}} ins(%[[ALPHA]] : tensor<64xf32>) outs(%[[ACC]] : tensor<64x128xf32>)
// CHECK: %[[AN:.+]] = linalg.matmul ins(%[[P]], %[[VT]] : tensor<64x32xf32>, tensor<32x128xbf16>) outs(%[[AS]] : tensor<64x128xf32>)
// CHECK: scf.yield %[[MN]], %[[LN]], %[[AN]] : tensor<64xf32>, tensor<64xf32>, tensor<64x128xf32>
// The output is written in place into this block's rows of the result.
// CHECK: %[[ACCR:.+]] = tensor.extract_slice %[[RES]]#2[0, 0] [%[[QLENV]], 128] [1, 1] : tensor<64x128xf32> to tensor<?x128xf32>
// CHECK: %[[LR:.+]] = tensor.extract_slice %[[RES]]#1[0] [%[[QLENV]]] [1] : tensor<64xf32> to tensor<?xf32>
// CHECK: %[[ODST:.+]] = tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %[[QOFF]], 0] [1, 1, %[[QLENV]], 128] [1, 1, 1, 1] : tensor<2x8x4096x128xbf16> to tensor<?x128xbf16>
// CHECK: %[[OROWS:.+]] = linalg.generic {{.+}} ins(%[[ACCR]], %[[LR]] : tensor<?x128xf32>, tensor<?xf32>) outs(%[[ODST]] : tensor<?x128xbf16>)
// CHECK:   arith.divf
// CHECK:   arith.truncf {{.+}} : f32 to bf16
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[OROWS]] into %[[OUT]][%[[B]], %[[H]], %[[QOFF]], 0] [1, 1, %[[QLENV]], 128] [1, 1, 1, 1] : tensor<?x128xbf16> into tensor<2x8x4096x128xbf16>
// The cost model's SIMT shared memory, by hand (each buffer padded to 128):
// Q 64*128*2 = 16384, K and V 32*128*2 = 8192 each, S 64*32*4 = 8192,
// acc 64*128*4 = 32768, four [64] f32 vectors 4*256 = 1024: 74752.
// CHECK: } {fa.predicted_sram = 74752 : i64, fa.tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
// CHECK: return %[[R]]

// No tensor of Nq x Nk exists anywhere in the tiled functions: neither
// 4096 x 4096 nor a dynamic ? x ? of scores.
// NOBIG-NOT: 4096x4096
// NOBIG-NOT: ?x?xf32
// NOBIG: func.func @untiled

// NOSPACE-LABEL: func.func @causal_gqa
// NOSPACE: bufferization.alloc_tensor() : tensor<64x128xbf16>
// NOSPACE: bufferization.alloc_tensor() : tensor<32x128xbf16>
// NOSPACE-NOT: memory_space
func.func @causal_gqa(%q: tensor<2x8x4096x128xbf16>, %k: tensor<2x2x4096x128xbf16>,
                      %v: tensor<2x2x4096x128xbf16>, %o: tensor<2x8x4096x128xbf16>)
    -> tensor<2x8x4096x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x4096x128xbf16>, tensor<2x2x4096x128xbf16>, tensor<2x2x4096x128xbf16>)
       outs(%o : tensor<2x8x4096x128xbf16>)
       {causal, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
       -> tensor<2x8x4096x128xbf16>
  return %r : tensor<2x8x4096x128xbf16>
}

// -----

// Dynamic B and N, a keep-mask broadcast over batch and heads, logsumexp;
// not causal, so the kv loop runs over all ceildiv(Nk, 64) blocks.
// CHECK-DAG: #[[NQB:.+]] = affine_map<()[s0] -> (s0 ceildiv 128)>
// CHECK-DAG: #[[NKB:.+]] = affine_map<()[s0] -> (s0 ceildiv 64)>
// CHECK-LABEL: func.func @dynamic_mask_lse
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: tensor<?x4x?x64xf16>, %[[K:[a-z0-9]+]]: tensor<?x1x?x64xf16>, %[[V:[a-z0-9]+]]: tensor<?x1x?x32xf16>, %[[MASK:[a-z0-9]+]]: tensor<1x1x?x?xi1>, %[[O:[a-z0-9]+]]: tensor<?x4x?x32xf16>, %[[LSE:[a-z0-9]+]]: tensor<?x4x?xf32>)
// CHECK-DAG: %[[BS:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x64xf16>
// CHECK-DAG: %[[NQ:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x64xf16>
// CHECK-DAG: %[[NK:.+]] = tensor.dim %[[K]], %{{.+}} : tensor<?x1x?x64xf16>
// CHECK-DAG: %[[NUMQB:.+]] = affine.apply #[[NQB]]()[%[[NQ]]]
// CHECK-DAG: %[[NUMKV:.+]] = affine.apply #[[NKB]]()[%[[NK]]]
// CHECK: %[[R:.+]]:2 = scf.forall (%[[B:.+]], %[[H:.+]], %[[QB:.+]]) in (%[[BS]], 4, %[[NUMQB]]) shared_outs(%[[OUT:.+]] = %[[O]], %[[LOUT:.+]] = %[[LSE]])
// CHECK: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<128x64xf16>
// CHECK: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<64x64xf16>
// CHECK: bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<64x32xf16>
// CHECK: %[[MBUF:.+]] = bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<128x64xi1>
// CHECK-NOT: affine.max
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[NUMKV]] step %{{.+}} iter_args({{.+}}) -> (tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>)
// CHECK: tensor.extract_slice %[[MASK]][0, 0, %{{.+}}, %{{.+}}] [1, 1, %{{.+}}, %{{.+}}] [1, 1, 1, 1] : tensor<1x1x?x?xi1> to tensor<?x?xi1>
// CHECK: linalg.fill ins(%false : i1) outs(%[[MBUF]] : tensor<128x64xi1>)
// CHECK: %[[MT:.+]] = tensor.insert_slice
// CHECK: linalg.matmul {{.+}} outs(%{{.+}} : tensor<128x64xf32>)
// CHECK: linalg.generic {{.+}} ins(%[[MT]] : tensor<128x64xi1>) outs(%{{.+}} : tensor<128x64xf32>)
// CHECK-NOT: arith.cmpi sle
// CHECK: scf.yield
// CHECK: %[[LROWS:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<?xf32>)
// CHECK: math.log
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.+}} into %[[OUT]]
// CHECK-NEXT: tensor.parallel_insert_slice %[[LROWS]] into %[[LOUT]][%[[B]], %[[H]], %{{.+}}] [1, 1, %{{.+}}] [1, 1, 1] : tensor<?xf32> into tensor<?x4x?xf32>
// SIMT shared memory: Q 128*64*2 = 16384, K 64*64*2 = 8192, V 64*32*2 =
// 4096, i1 mask 128*64 = 8192, S 128*64*4 = 32768, acc 128*32*4 = 16384,
// 4 * 128*4 = 2048: 88064 (the dynamic sizes do not enter).
// CHECK: } {fa.predicted_sram = 88064 : i64, fa.tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>}
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @dynamic_mask_lse(%q: tensor<?x4x?x64xf16>, %k: tensor<?x1x?x64xf16>,
    %v: tensor<?x1x?x32xf16>, %m: tensor<1x1x?x?xi1>, %o: tensor<?x4x?x32xf16>,
    %l: tensor<?x4x?xf32>) -> (tensor<?x4x?x32xf16>, tensor<?x4x?xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<?x4x?x64xf16>, tensor<?x1x?x64xf16>, tensor<?x1x?x32xf16>)
         mask(%m : tensor<1x1x?x?xi1>) outs(%o, %l : tensor<?x4x?x32xf16>, tensor<?x4x?xf32>)
         {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>}
         -> tensor<?x4x?x32xf16>, tensor<?x4x?xf32>
  return %r#0, %r#1 : tensor<?x4x?x32xf16>, tensor<?x4x?xf32>
}

// -----

// A bias broadcast along the keys (size-1 last dim) gives a block_q x 1 tile
// read at column 0; Nq != Nk shifts the causal diagonal by Nk - Nq = -30.
// CHECK-DAG: #[[BCAST:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[KVEND:.+]] = affine_map<(d0) -> (d0 * 32 + 2, 70)>
// CHECK-DAG: #[[DIAG:.+]] = affine_map<(d0, d1) -> (d0 * 32 - d1 * 16 - 30)>
// CHECK-LABEL: func.func @bias_broadcast_causal
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %[[QB:.+]]) in (1, 4, 4)
// CHECK: %[[BBUF:.+]] = bufferization.alloc_tensor() {memory_space = 3 : i64} : tensor<32x1xbf16>
// CHECK: affine.min #[[KVEND]](%[[QB]])
// CHECK: scf.for
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0] [%{{.+}}, 1] [1, 1] : tensor<?x1xbf16> into tensor<32x1xbf16>
// CHECK: affine.apply #[[DIAG]]
// CHECK: linalg.generic {indexing_maps = [#[[BCAST]], #{{.+}}], {{.+}} ins(%{{.+}} : tensor<32x1xbf16>) outs(%{{.+}} : tensor<32x16xf32>)
// CHECK:   arith.extf
// CHECK:   arith.addf
// SIMT shared memory, padded to 128: Q 32*16*2 = 1024, K 16*16*2 = 512,
// V 16*8*2 = 256, bias 32*1*2 = 64 -> 128, S 32*16*4 = 2048, acc 32*8*4 =
// 1024, 4 * 32*4 -> 4 * 128 = 512: 5504.
// CHECK: } {fa.predicted_sram = 5504 : i64, fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 2, warps = 4>}
func.func @bias_broadcast_causal(%q: tensor<1x4x100x16xbf16>, %k: tensor<1x2x70x16xbf16>,
    %v: tensor<1x2x70x8xbf16>, %m: tensor<1x1x100x1xbf16>, %o: tensor<1x4x100x8xbf16>)
    -> tensor<1x4x100x8xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x100x16xbf16>, tensor<1x2x70x16xbf16>, tensor<1x2x70x8xbf16>)
       mask(%m : tensor<1x1x100x1xbf16>) outs(%o : tensor<1x4x100x8xbf16>)
       {causal, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 2, warps = 4>}
       -> tensor<1x4x100x8xbf16>
  return %r : tensor<1x4x100x8xbf16>
}

// -----

// Without a #fa.tiling the op is left alone.
// CHECK-LABEL: func.func @untiled
// CHECK-NOT: scf.forall
// CHECK: fa.attention
func.func @untiled(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
                   %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
       outs(%o : tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %r : tensor<1x1x8x16xf32>
}

// -----

// One thread block: the loop is mapped to GPU blocks, or the canonicalizer
// folds it away before convert-fa-to-gpu and the pipeline makes no kernel
// (the block ran on the host; found while testing issue 27, item 1). Loops
// of more blocks stay unmapped (@causal_gqa).
// CHECK-LABEL: func.func @one_block
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 1, 1)
// CHECK: mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]
func.func @one_block(%q: tensor<1x1x16x16xf32>, %o: tensor<1x1x16x16xf32>) -> tensor<1x1x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>)
       outs(%o : tensor<1x1x16x16xf32>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>} -> tensor<1x1x16x16xf32>
  return %r : tensor<1x1x16x16xf32>
}

// -----

// A window of 100 keys left and 20 right: q-block qb (rows 64 qb ..
// 64 qb + 63) visits the kv blocks from that of key 64 qb - 100, i.e.
// max(2 qb - 4, 0), to the one of key 64 qb + 63 + 20: the blocks outside
// are never loaded; the score tile masks both edges.
// CHECK-DAG: #[[KVEND:.+]] = affine_map<(d0) -> (d0 * 64 + 84, 1024)>
// CHECK-DAG: #[[KVBEGIN:.+]] = affine_map<(d0) -> (d0 * 2 - 4, 0)>
// CHECK-LABEL: func.func @window
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %[[QB:.+]]) in (1, 2, 16)
// CHECK: %[[END:.+]] = affine.min #[[KVEND]](%[[QB]])
// CHECK: %[[BEGIN:.+]] = affine.max #[[KVBEGIN]](%[[QB]])
// CHECK: scf.for %{{.+}} = %[[BEGIN]] to %{{.+}} step
// CHECK: linalg.generic
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
func.func @window(%q: tensor<1x2x1024x64xf16>, %k: tensor<1x2x1024x64xf16>,
                  %v: tensor<1x2x1024x64xf16>, %o: tensor<1x2x1024x64xf16>)
    -> tensor<1x2x1024x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>)
       outs(%o : tensor<1x2x1024x64xf16>)
       {window = #fa.window<left = 100, right = 20>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
       -> tensor<1x2x1024x64xf16>
  return %r : tensor<1x2x1024x64xf16>
}
