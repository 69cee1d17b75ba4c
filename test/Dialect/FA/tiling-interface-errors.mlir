// RUN: fa-opt %s -split-input-file -transform-interpreter -verify-diagnostics
// Tiles that are no fa.attention of their own are refused with the reason.

func.func @heads_across_groups(%q: tensor<1x6x16x8xf32>, %k: tensor<1x3x16x8xf32>,
    %v: tensor<1x3x16x8xf32>, %o: tensor<1x6x16x8xf32>) -> tensor<1x6x16x8xf32> {
  // expected-error @below {{'fa.attention' op cannot be tiled: a tile of 3 query heads is neither whole groups of the 2 query heads that share a K/V head nor within one group}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x6x16x8xf32>, tensor<1x3x16x8xf32>, tensor<1x3x16x8xf32>)
       outs(%o : tensor<1x6x16x8xf32>) -> tensor<1x6x16x8xf32>
  return %r : tensor<1x6x16x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

func.func @partial_head_tile(%q: tensor<1x6x16x8xf32>, %k: tensor<1x6x16x8xf32>,
    %v: tensor<1x6x16x8xf32>, %o: tensor<1x6x16x8xf32>) -> tensor<1x6x16x8xf32> {
  // expected-error @below {{'fa.attention' op cannot be tiled: the tile of the query heads has no static size (a tile size that does not divide the head count?)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x6x16x8xf32>, tensor<1x6x16x8xf32>, tensor<1x6x16x8xf32>)
       outs(%o : tensor<1x6x16x8xf32>) -> tensor<1x6x16x8xf32>
  return %r : tensor<1x6x16x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

func.func @dv_with_lse(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %o: tensor<1x2x16x8xf32>, %l: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) {
  // expected-error @below {{'fa.attention' op cannot be tiled: Dv is tiled only without the logsumexp result (every tile of Dv would write the same logsumexp)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
       outs(%o, %l : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) -> tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
  return %r#0, %r#1 : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 0, 0, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

func.func @memref(%q: memref<1x2x16x8xf32>, %k: memref<1x2x16x8xf32>,
    %v: memref<1x2x16x8xf32>, %o: memref<1x2x16x8xf32>) {
  // expected-error @below {{'fa.attention' op cannot be tiled: only the tensor form is tiled}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  fa.attention ins(%q, %k, %v : memref<1x2x16x8xf32>, memref<1x2x16x8xf32>, memref<1x2x16x8xf32>)
       outs(%o : memref<1x2x16x8xf32>)
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Upstream's decompose_interface maps one op to each result: an op with
// more than one result (the logsumexp, fa.attention_grad) is refused there
// (fa-decompose-attention decomposes it).
func.func @decompose_lse(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %o: tensor<1x2x16x8xf32>, %l: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) {
  // expected-note @below {{when applied to this op}}
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
       outs(%o, %l : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) -> tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
  return %r#0, %r#1 : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @below {{expected to produce 1 results (actually produced 2)}}
    // expected-note @below {{consider a generic `apply`}}
    %d = transform.structured.decompose_interface %a : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

func.func @window_rows_without_causal(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %o: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'fa.attention' op cannot be tiled: a window without causal is aligned to the last query row: the query rows are not tiled}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
       outs(%o : tensor<1x2x16x8xf32>) {window = #fa.window<left = 3, right = 2>} -> tensor<1x2x16x8xf32>
  return %r : tensor<1x2x16x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 0, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A block mask is applied by fa-tile-attention, not through TilingInterface
// (docs/BlockSparse.md).
func.func @block_mask(%q: tensor<1x2x32x16xf32>, %bm: tensor<1x1x2x2xi8>,
    %o: tensor<1x2x32x16xf32>) -> tensor<1x2x32x16xf32> {
  // expected-error @below {{'fa.attention' op cannot be tiled: an op with a block mask is not tiled through TilingInterface (fa-tile-attention applies it)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
       block_mask(%bm : tensor<1x1x2x2xi8>) outs(%o : tensor<1x2x32x16xf32>)
       {block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>} -> tensor<1x2x32x16xf32>
  return %r : tensor<1x2x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A mask pattern is applied by fa-tile-attention, not through
// TilingInterface (docs/BlockSparse.md, "Structured masks").
func.func @mask_pattern(%q: tensor<1x2x32x16xf32>, %o: tensor<1x2x32x16xf32>)
    -> tensor<1x2x32x16xf32> {
  // expected-error @below {{'fa.attention' op cannot be tiled: an op with a #fa.mask_pattern is not tiled through TilingInterface (fa-tile-attention applies it)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
       outs(%o : tensor<1x2x32x16xf32>)
       {mask_pattern = #fa.mask_pattern<chunk = 16>} -> tensor<1x2x32x16xf32>
  return %r : tensor<1x2x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["fa.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
