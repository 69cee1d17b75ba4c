// RUN: fa-opt %s -split-input-file | fa-opt -split-input-file | FileCheck %s
// Round trip of #fa.mask_pattern on fa.attention and fa.attention_grad.

// CHECK-LABEL: func.func @chunk
// CHECK: fa.attention
// CHECK-SAME: causal
// CHECK-SAME: mask_pattern = #fa.mask_pattern<chunk = 32>
func.func @chunk(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>) {causal, mask_pattern = #fa.mask_pattern<chunk = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// CHECK-LABEL: func.func @global_window
// CHECK: fa.attention
// CHECK-SAME: mask_pattern = #fa.mask_pattern<global = 4>
// CHECK-SAME: window = #fa.window<left = 8, right = 8>
func.func @global_window(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = #fa.window<left = 8, right = 8>, mask_pattern = #fa.mask_pattern<global = 4>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// CHECK-LABEL: func.func @butterfly_global
// CHECK: fa.attention
// CHECK-SAME: mask_pattern = #fa.mask_pattern<global = 16, butterfly = 16>
func.func @butterfly_global(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = #fa.mask_pattern<butterfly = 16, global = 16>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// CHECK-LABEL: func.func @grad_chunk
// CHECK: fa.attention_grad
// CHECK-SAME: mask_pattern = #fa.mask_pattern<chunk = 8>
func.func @grad_chunk(%q: tensor<1x2x16x8xf32>, %lse: tensor<1x2x16xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      outs(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 8>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}
