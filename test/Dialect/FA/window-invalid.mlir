// RUN: fa-opt %s -split-input-file -verify-diagnostics

func.func @negative_window_left(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.window extents must not be negative, got left = -1, right = 0}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = #fa.window<left = -1, right = 0>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_window_right(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.window extents must not be negative, got left = 4, right = -2}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = #fa.window<left = 4, right = -2>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_window_causal_right(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{with causal, the window's right extent must be 0, got 3}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {causal, window = #fa.window<left = 4, right = 3>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_grad_window_causal_right(%q: tensor<1x2x16x8xf32>, %lse: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{with causal, the window's right extent must be 0, got 1}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      outs(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {causal, window = #fa.window<left = 7, right = 1>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}

// -----

func.func @negative_window_not_attr(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{attribute 'window' failed to satisfy constraint: A sliding window of keys around each query row}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = 5 : i64} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}
