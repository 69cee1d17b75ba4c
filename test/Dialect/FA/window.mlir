// RUN: fa-opt %s -split-input-file | fa-opt -split-input-file | FileCheck %s
// Round trip of #fa.window on fa.attention and fa.attention_grad.

// CHECK-LABEL: func.func @window
// CHECK: fa.attention
// CHECK-SAME: window = #fa.window<left = 128, right = 16>
func.func @window(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x80x32xf16>,
                  %v: tensor<1x2x80x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x64x32xf16>, tensor<1x2x80x32xf16>, tensor<1x2x80x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>) {window = #fa.window<left = 128, right = 16>}
       -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// CHECK-LABEL: func.func @causal_window
// CHECK: fa.attention
// CHECK-SAME: causal
// CHECK-SAME: window = #fa.window<left = 0, right = 0>
func.func @causal_window(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x64x32xf16>,
                         %v: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>) {causal, window = #fa.window<left = 0, right = 0>}
       -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// CHECK-LABEL: func.func @grad_window
// CHECK: fa.attention_grad
// CHECK-SAME: causal
// CHECK-SAME: window = #fa.window<left = 7, right = 0>
func.func @grad_window(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
    %v: tensor<1x2x16x8xf32>, %o: tensor<1x2x16x8xf32>, %do: tensor<1x2x16x8xf32>,
    %lse: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  %r:3 = fa.attention_grad
      ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      outs(%q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {causal, window = #fa.window<left = 7, right = 0>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}
