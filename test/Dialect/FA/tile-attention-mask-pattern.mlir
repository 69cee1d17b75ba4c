// RUN: fa-opt %s -split-input-file --fa-tile-attention | FileCheck %s
// The tiled form of a #fa.mask_pattern: BlockClassifier's table as constants
// (kinds 0 empty, 1 full, 2 partial; per q-block and per kv-block the range
// of non-empty blocks), the kv loop over the q-block's range, a step under
// an scf.if on "not empty", and the elementwise step of the scores under an
// scf.if on "partial" whose full side has no causal or chunk arithmetic.

// Causal chunks of 8, blocks 16 x 8, N = 40: every computed pair crosses a
// chunk's diagonal (partial); q-block 0 sees kv-blocks [0, 2), 1 [2, 4),
// 2 [4, 5).
// CHECK-LABEL: func.func @causal_chunk
// CHECK-DAG: %[[KINDS:.+]] = arith.constant dense<{{\[}}[2, 2, 0, 0, 0], [0, 0, 2, 2, 0], [0, 0, 0, 0, 2]]> : tensor<3x5xi8>
// CHECK-DAG: %[[BEGIN:.+]] = arith.constant dense<[0, 2, 4]> : tensor<3xi32>
// CHECK-DAG: %[[END:.+]] = arith.constant dense<[2, 4, 5]> : tensor<3xi32>
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %[[QB:.+]]) in (1, 2, 3)
// CHECK: tensor.extract %[[BEGIN]][%[[QB]]]
// CHECK: tensor.extract %[[END]][%[[QB]]]
// CHECK: scf.for %[[KB:.+]] = %{{.+}} to %{{.+}} step
// CHECK: %[[KIND:.+]] = tensor.extract %[[KINDS]][%[[QB]], %[[KB]]]
// CHECK: %[[PARTIAL:.+]] = arith.cmpi eq, %[[KIND]], %c2_i8
// CHECK: %[[EMPTY:.+]] = arith.cmpi eq, %[[KIND]], %c0_i8
// CHECK: %[[COMPUTED:.+]] = arith.xori %[[EMPTY]], %true
// CHECK: scf.if %[[COMPUTED]]
// CHECK: linalg.matmul
// CHECK: scf.if %[[PARTIAL]]
// CHECK: linalg.generic
// CHECK: arith.cmpi sle
// CHECK: arith.floordivsi
// CHECK: } else {
// CHECK-NEXT: linalg.generic
// CHECK-NOT: arith.floordivsi
// CHECK-NOT: arith.cmpi sle
// CHECK: linalg.yield
// CHECK: } else {
// CHECK-NEXT: scf.yield %{{.+}}, %{{.+}}, %{{.+}} : tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>
func.func @causal_chunk(%q: tensor<1x2x40x16xf32>, %o: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>)
       outs(%o : tensor<1x2x40x16xf32>)
       {causal, mask_pattern = #fa.mask_pattern<chunk = 8>,
        tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>} -> tensor<1x2x40x16xf32>
  return %r : tensor<1x2x40x16xf32>
}

// -----

// Chunks of 16 without causal, blocks 16 x 8: each q-block lies in one
// chunk, its blocks are full.
// CHECK-LABEL: func.func @chunk_full
// CHECK-DAG: arith.constant dense<{{\[}}[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]]> : tensor<3x5xi8>
func.func @chunk_full(%q: tensor<1x2x40x16xf32>, %o: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>)
       outs(%o : tensor<1x2x40x16xf32>)
       {mask_pattern = #fa.mask_pattern<chunk = 16>,
        tiling = #fa.tiling<block_q = 16, block_kv = 8, stages = 1, warps = 4>} -> tensor<1x2x40x16xf32>
  return %r : tensor<1x2x40x16xf32>
}

// -----

// Global tokens with a window (Longformer): 8 global tokens, a (4, 4)
// window, blocks 8 x 8, N = 32. q-block 0 holds the global rows (every
// block full); the others see block 0 (the global keys, full) and their
// window's blocks, all partial (a row sees 9 keys of its 8 + 8 neighbours).
// CHECK-LABEL: func.func @global_window
// CHECK-DAG: arith.constant dense<{{\[}}[1, 1, 1, 1], [1, 2, 2, 0], [1, 2, 2, 2], [1, 0, 2, 2]]> : tensor<4x4xi8>
// CHECK-DAG: arith.constant dense<0> : tensor<4xi32>
// CHECK-DAG: arith.constant dense<[4, 3, 4, 4]> : tensor<4xi32>
func.func @global_window(%q: tensor<1x1x32x16xf32>, %o: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>)
       outs(%o : tensor<1x1x32x16xf32>)
       {window = #fa.window<left = 4, right = 4>, mask_pattern = #fa.mask_pattern<global = 8>,
        tiling = #fa.tiling<block_q = 8, block_kv = 8, stages = 1, warps = 4>} -> tensor<1x1x32x16xf32>
  return %r : tensor<1x1x32x16xf32>
}
