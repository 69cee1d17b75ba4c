// fa-tile-attention with a runtime block mask (docs/BlockSparse.md): each
// kv step reads the tile's entry of the mask (batch and head at 0 where it
// broadcasts; row q0 / 32, column k0 / 32) and runs the step only where it
// is non-zero; otherwise the online-softmax state passes through, the
// tile's K and V never loaded. A hand tiling that does not divide the
// mask's blocks is an error.
// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-tile-attention | FileCheck %s

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:    %[[BM:[a-z0-9]+]]: tensor<1x2x2x3xi8>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[QB:.+]]) in
// CHECK:           scf.for %[[KB:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(
// CHECK:             %[[ROW:.+]] = affine.apply {{.*}}(%[[QB]])
// CHECK:             %[[COL:.+]] = affine.apply {{.*}}(%[[KB]])
// CHECK:             %[[E:.+]] = tensor.extract %[[BM]][%{{.+}}, %[[H]], %[[ROW]], %[[COL]]] : tensor<1x2x2x3xi8>
// CHECK:             %[[KEEP:.+]] = arith.cmpi ne, %[[E]], %{{.+}} : i8
// CHECK:             %[[R:.+]]:3 = scf.if %[[KEEP]] -> (tensor<16xf32>, tensor<16xf32>, tensor<16x32xf32>)
// CHECK:               linalg.matmul
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %{{.+}}, %{{.+}}, %{{.+}} : tensor<16xf32>, tensor<16xf32>, tensor<16x32xf32>
// CHECK:             scf.yield %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @forward(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x80x32xf16>,
                   %v: tensor<1x2x80x32xf16>, %bm: tensor<1x2x2x3xi8>,
                   %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x64x32xf16>, tensor<1x2x80x32xf16>, tensor<1x2x80x32xf16>)
       block_mask(%bm : tensor<1x2x2x3xi8>)
       outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>,
        tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>}
       -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_does_not_divide(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x2x2xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{cannot be tiled with #fa.tiling<block_q = 16, block_kv = 48, stages = 1, warps = 4>: the tiling's blocks 16x48 must divide the block mask's 32x32 (each tile computed or skipped whole)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>)
       outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>,
        tiling = #fa.tiling<block_q = 16, block_kv = 48, stages = 1, warps = 4>}
       -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_grad_does_not_divide(%q: tensor<1x2x64x32xf32>, %lse: tensor<1x2x64xf32>,
    %bm: tensor<1x2x2x2xi8>)
    -> (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  // expected-error @+1 {{cannot be tiled with #fa.tiling<block_q = 16, block_kv = 48, stages = 1, warps = 4>: the tiling's blocks 16x48 must divide the block mask's 32x32}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>,
          tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64xf32>)
      block_mask(%bm : tensor<1x2x2x2xi8>)
      outs(%q, %q, %q : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>)
      {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>,
       tiling = #fa.tiling<block_q = 16, block_kv = 48, stages = 1, warps = 4>}
      -> tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}

// -----

// A backward scheduled for the wgmma kernel keeps its block mask: the op
// is left to convert-fa-to-nvgpu (which applies the mask).
// CHECK-LABEL: func.func @grad_wgmma(
// CHECK:         fa.attention_grad
// CHECK-SAME:      block_mask(
// CHECK-NOT:     scf.forall
func.func @grad_wgmma(%q: tensor<1x2x64x32xf32>, %lse: tensor<1x2x64xf32>,
    %bm: tensor<1x2x2x2xi8>)
    -> (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>,
          tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64xf32>)
      block_mask(%bm : tensor<1x2x2x2xi8>)
      outs(%q, %q, %q : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>)
      {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>,
       schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>,
       tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 2>}
      -> tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}
