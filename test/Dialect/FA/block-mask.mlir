// RUN: fa-opt %s -split-input-file | fa-opt -split-input-file | FileCheck %s
// Round trip of the block_mask operand and #fa.block_sparse on fa.attention
// and fa.attention_grad.

// CHECK-LABEL: func.func @block_mask
// CHECK-SAME: %[[BM:[a-z0-9]+]]: tensor<1x2x2x3xi8>
// CHECK: fa.attention
// CHECK-SAME: block_mask(%[[BM]] : tensor<1x2x2x3xi8>)
// CHECK-SAME: block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>
func.func @block_mask(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x80x32xf16>,
                      %v: tensor<1x2x80x32xf16>, %bm: tensor<1x2x2x3xi8>,
                      %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x64x32xf16>, tensor<1x2x80x32xf16>, tensor<1x2x80x32xf16>)
       block_mask(%bm : tensor<1x2x2x3xi8>)
       outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>}
       -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// Broadcast batch and heads, i1 entries, with a keep-mask, causal and a
// dynamic sequence length.
// CHECK-LABEL: func.func @block_mask_broadcast
// CHECK: fa.attention
// CHECK-SAME: mask(%{{[a-z0-9]+}} : tensor<1x1x64x80xi1>)
// CHECK-SAME: block_mask(%{{[a-z0-9]+}} : tensor<1x1x?x5xi1>)
// CHECK-SAME: block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>
// CHECK-SAME: causal
func.func @block_mask_broadcast(%q: tensor<2x2x?x32xf16>, %k: tensor<2x2x80x32xf16>,
    %v: tensor<2x2x80x32xf16>, %m: tensor<1x1x64x80xi1>, %bm: tensor<1x1x?x5xi1>,
    %o: tensor<2x2x?x32xf16>) -> tensor<2x2x?x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x2x?x32xf16>, tensor<2x2x80x32xf16>, tensor<2x2x80x32xf16>)
       mask(%m : tensor<1x1x64x80xi1>) block_mask(%bm : tensor<1x1x?x5xi1>)
       outs(%o : tensor<2x2x?x32xf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>}
       -> tensor<2x2x?x32xf16>
  return %r : tensor<2x2x?x32xf16>
}

// -----

// CHECK-LABEL: func.func @grad_block_mask
// CHECK: fa.attention_grad
// CHECK-SAME: block_mask(%{{[a-z0-9]+}} : tensor<1x1x1x1xi8>)
// CHECK-SAME: block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>
func.func @grad_block_mask(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %o: tensor<1x2x16x8xf32>, %do: tensor<1x2x16x8xf32>,
    %lse: tensor<1x2x16xf32>, %bm: tensor<1x1x1x1xi8>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  %r:3 = fa.attention_grad
      ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      block_mask(%bm : tensor<1x1x1x1xi8>)
      outs(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}
