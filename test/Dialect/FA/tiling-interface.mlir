// RUN: fa-opt %s -split-input-file -transform-interpreter -canonicalize | FileCheck %s
// fa.attention's TilingInterface under upstream's tiling transforms; the
// numbers of the tiled programs are checked by
// test/Integration/CPU/tiling-interface-run.mlir.

// scf.for over (B, Hq, Nq): a tile of 2 of the 4 query heads of a GQA group
// reads its one K/V head (h floordiv 4) and all the keys.
// CHECK-DAG: #[[KV:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func.func @gqa_for
// CHECK-SAME: (%[[Q:.+]]: tensor<2x8x64x32xbf16>, %[[K:.+]]: tensor<2x2x48x32xbf16>, %[[V:.+]]: tensor<2x2x48x16xbf16>, %[[O:.+]]: tensor<2x8x64x16xbf16>)
// CHECK: scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[A0:.+]] = %[[O]])
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %c2 iter_args(%[[A1:.+]] = %[[A0]])
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %c16 iter_args(%[[A2:.+]] = %[[A1]])
// CHECK: %[[HK:.+]] = affine.apply #[[KV]](%[[H]])
// CHECK: %[[QS:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[I]], 0] [1, 2, 16, 32]
// CHECK: %[[KS:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[HK]], 0, 0] [1, 1, 48, 32]
// CHECK: %[[VS:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[HK]], 0, 0] [1, 1, 48, 16]
// CHECK: %[[OS:.+]] = tensor.extract_slice %[[A2]][%[[B]], %[[H]], %[[I]], 0] [1, 2, 16, 16]
// CHECK: %[[T:.+]] = fa.attention ins(%[[QS]], %[[KS]], %[[VS]] : tensor<1x2x16x32xbf16>, tensor<1x1x48x32xbf16>, tensor<1x1x48x16xbf16>) outs(%[[OS]] : tensor<1x2x16x16xbf16>) {scale = 2.500000e-01 : f32}
// CHECK: tensor.insert_slice %[[T]] into %[[A2]][%[[B]], %[[H]], %[[I]], 0] [1, 2, 16, 16]
func.func @gqa_for(%q: tensor<2x8x64x32xbf16>, %k: tensor<2x2x48x32xbf16>,
                   %v: tensor<2x2x48x16xbf16>, %o: tensor<2x8x64x16xbf16>)
    -> tensor<2x8x64x16xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x64x32xbf16>, tensor<2x2x48x32xbf16>, tensor<2x2x48x16xbf16>)
       outs(%o : tensor<2x8x64x16xbf16>) {scale = 0.25 : f32} -> tensor<2x8x64x16xbf16>
  return %r : tensor<2x8x64x16xbf16>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %a tile_sizes [1, 2, 16, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// scf.forall over (Hq, Nq), causal, with a mask broadcast over B and the
// logsumexp, dynamic B, Nq, Nk: two heads of a group of 4 per tile; the
// head tile ht reads K/V head (2 * ht) floordiv 4 = ht floordiv 2; the
// keys are cut to max(0, Nk - Nq + i0 + si), the last one a row of the tile
// sees; the mask keeps its broadcast dimension whole and is cut like the
// keys; both results are inserted in parallel.
// CHECK-DAG: #[[KV:.+]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-DAG: #[[CUT:.+]] = affine_map<(d0, d1)[s0, s1] -> (0, d0 + d1 * 16 + s0 - s1)>
// CHECK-LABEL: func.func @causal_mask_lse_forall
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: {{.+}}, %[[K:[a-z0-9]+]]: {{.+}}, %[[V:[a-z0-9]+]]: {{.+}}, %[[M:[a-z0-9]+]]: {{.+}}, %[[O:[a-z0-9]+]]: {{.+}}, %[[L:[a-z0-9]+]]: {{.+}})
// CHECK: %[[NB:.+]] = tensor.dim %[[Q]], %c0
// CHECK: scf.forall (%[[HT:.+]], %[[IT:.+]]) in (4, %{{.+}}) shared_outs(%[[SO:.+]] = %[[O]], %[[SL:.+]] = %[[L]])
// CHECK: %[[H:.+]] = affine.apply #{{.+}}(%[[HT]])
// CHECK: %[[I:.+]] = affine.apply #{{.+}}(%[[IT]])
// CHECK: %[[SI:.+]] = affine.min
// CHECK: %[[HK:.+]] = affine.apply #[[KV]](%[[HT]])
// CHECK: %[[NK:.+]] = tensor.dim %[[K]], %c2
// CHECK: %[[NQ:.+]] = tensor.dim %[[Q]], %c2
// CHECK: %[[KEYS:.+]] = affine.max #[[CUT]](%[[SI]], %[[IT]])[%[[NK]], %[[NQ]]]
// CHECK: %[[QS:.+]] = tensor.extract_slice %[[Q]][0, %[[H]], %[[I]], 0] [%[[NB]], 2, %[[SI]], 16]
// CHECK: %[[KS:.+]] = tensor.extract_slice %[[K]][0, %[[HK]], 0, 0] [%[[NB]], 1, %[[KEYS]], 16]
// CHECK: %[[VS:.+]] = tensor.extract_slice %[[V]][0, %[[HK]], 0, 0] [%[[NB]], 1, %[[KEYS]], 8]
// CHECK: %[[MS:.+]] = tensor.extract_slice %[[M]][0, %[[H]], %[[I]], 0] [1, 2, %[[SI]], %[[KEYS]]]
// CHECK: %[[OS:.+]] = tensor.extract_slice %[[SO]][0, %[[H]], %[[I]], 0] [%[[NB]], 2, %[[SI]], 8]
// CHECK: %[[LS:.+]] = tensor.extract_slice %[[SL]][0, %[[H]], %[[I]]] [%[[NB]], 2, %[[SI]]]
// CHECK: %[[T:.+]]:2 = fa.attention ins(%[[QS]], %[[KS]], %[[VS]] : tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x8xf32>) mask(%[[MS]] : tensor<1x2x?x?xf32>) outs(%[[OS]], %[[LS]] : tensor<?x2x?x8xf32>, tensor<?x2x?xf32>) {causal}
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[T]]#0 into %[[SO]][0, %[[H]], %[[I]], 0] [%[[NB]], 2, %[[SI]], 8]
// CHECK: tensor.parallel_insert_slice %[[T]]#1 into %[[SL]][0, %[[H]], %[[I]]] [%[[NB]], 2, %[[SI]]]
func.func @causal_mask_lse_forall(%q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x8xf32>, %m: tensor<1x8x?x?xf32>, %o: tensor<?x8x?x8xf32>,
    %l: tensor<?x8x?xf32>) -> (tensor<?x8x?x8xf32>, tensor<?x8x?xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x8xf32>)
       mask(%m : tensor<1x8x?x?xf32>)
       outs(%o, %l : tensor<?x8x?x8xf32>, tensor<?x8x?xf32>) {causal} -> tensor<?x8x?x8xf32>, tensor<?x8x?xf32>
  return %r#0, %r#1 : tensor<?x8x?x8xf32>, tensor<?x8x?xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %f = transform.structured.tile_using_forall %a tile_sizes [0, 2, 16]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tiles of 4 query heads, two whole groups of 2: two K/V heads per tile.
// Tiles of Dv (no logsumexp) slice V's columns; a bias of shape
// [1, 1, Nq, Nk] keeps both broadcast dimensions whole (the whole mask: the
// slice folds away).
// CHECK: #[[KV2:.+]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-LABEL: func.func @groups_dv
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<1x1x32x32xf16>
// CHECK: scf.for %[[H:[a-z0-9]+]] =
// CHECK: scf.for %[[E:[a-z0-9]+]] =
// CHECK: %[[HK:.+]] = affine.apply #[[KV2]](%[[H]])
// CHECK: tensor.extract_slice %{{.+}}[0, %[[H]], 0, 0] [1, 4, 32, 16]
// CHECK: tensor.extract_slice %{{.+}}[0, %[[HK]], 0, 0] [1, 2, 32, 16]
// CHECK: tensor.extract_slice %{{.+}}[0, %[[HK]], 0, %[[E]]] [1, 2, 32, 8]
// CHECK: fa.attention {{.+}} : tensor<1x4x32x16xf16>, tensor<1x2x32x16xf16>, tensor<1x2x32x8xf16>) mask(%[[M]] : tensor<1x1x32x32xf16>) outs(%{{.+}} : tensor<1x4x32x8xf16>)
func.func @groups_dv(%q: tensor<1x8x32x16xf16>, %k: tensor<1x4x32x16xf16>,
                     %v: tensor<1x4x32x32xf16>, %m: tensor<1x1x32x32xf16>,
                     %o: tensor<1x8x32x32xf16>) -> tensor<1x8x32x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x8x32x16xf16>, tensor<1x4x32x16xf16>, tensor<1x4x32x32xf16>)
       mask(%m : tensor<1x1x32x32xf16>)
       outs(%o : tensor<1x8x32x32xf16>) -> tensor<1x8x32x32xf16>
  return %r : tensor<1x8x32x32xf16>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %a tile_sizes [0, 4, 0, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// decompose_interface replaces the op by fa-decompose-attention's reference
// lowering (its structure: test/Dialect/FA/decompose-attention.mlir).
// CHECK-LABEL: func.func @decompose
// CHECK-SAME: %[[O:[a-z0-9]+]]: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NOT: fa.attention
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: %[[R:.+]] = linalg.generic {{.+}} outs(%[[O]] : tensor<1x2x8x16xf32>)
// CHECK: return %[[R]]
func.func @decompose(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
    %v: tensor<1x2x8x16xf32>, %o: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
       outs(%o : tensor<1x2x8x16xf32>) {causal} -> tensor<1x2x8x16xf32>
  return %r : tensor<1x2x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %a : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// Producer fusion: the consumer is tiled by (Hq, Nq) = (2, 8) and the
// attention fused into its loop through generateResultTileValue: the tile
// that the consumer reads, with the causal key cut.
// CHECK-LABEL: func.func @fuse_into_consumer
// CHECK: scf.forall
// CHECK: %[[KEYS:.+]] = affine.max
// CHECK: tensor.extract_slice %{{.+}}[0, %{{.+}}, 0, 0] [1, 1, %[[KEYS]], 16]
// CHECK: %[[T:.+]] = fa.attention ins({{.+}} : tensor<1x2x8x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) outs(%{{.+}} : tensor<1x2x8x16xf32>) {causal}
// CHECK: linalg.negf ins(%[[T]] : tensor<1x2x8x16xf32>)
// CHECK: scf.forall.in_parallel
func.func @fuse_into_consumer(%q: tensor<1x4x32x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %o: tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
       outs(%o : tensor<1x4x32x16xf32>) {causal} -> tensor<1x4x32x16xf32>
  %e = tensor.empty() : tensor<1x4x32x16xf32>
  %n = linalg.negf ins(%r : tensor<1x4x32x16xf32>) outs(%e : tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  return %n : tensor<1x4x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %n = transform.structured.match ops{["linalg.negf"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %f = transform.structured.tile_using_forall %n tile_sizes [0, 2, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %fused, %f2 = transform.structured.fuse_into_containing_op %a into %f
        : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tile-and-fuse of a consumer of the logsumexp: the fused attention computes
// the consumer's rows over all of Dv, and the consumer reads its second
// result.
// CHECK-LABEL: func.func @fuse_lse_consumer
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[T:.+]]:2 = fa.attention ins({{.+}} : tensor<1x2x8x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) outs(%{{.+}}, %{{.+}} : tensor<1x2x8x16xf32>, tensor<1x2x8xf32>)
// CHECK: linalg.negf ins(%[[T]]#1 : tensor<1x2x8xf32>)
func.func @fuse_lse_consumer(%q: tensor<1x4x32x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %o: tensor<1x4x32x16xf32>, %l: tensor<1x4x32xf32>) -> tensor<1x4x32xf32> {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
       outs(%o, %l : tensor<1x4x32x16xf32>, tensor<1x4x32xf32>) -> tensor<1x4x32x16xf32>, tensor<1x4x32xf32>
  %e = tensor.empty() : tensor<1x4x32xf32>
  %n = linalg.negf ins(%r#1 : tensor<1x4x32xf32>) outs(%e : tensor<1x4x32xf32>) -> tensor<1x4x32xf32>
  return %n : tensor<1x4x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %n = transform.structured.match ops{["linalg.negf"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.fuse %n tile_sizes [0, 2, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
