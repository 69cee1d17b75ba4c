// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-tile-attention=require-tiling

func.func @negative_no_tiling(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
                              %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'fa.attention' op has no #fa.tiling; run fa-select-tiling or attach one}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
       outs(%o : tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %r : tensor<1x1x8x16xf32>
}

// -----

func.func @negative_grad_no_tiling(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
    %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>, %do: tensor<1x1x8x16xf32>,
    %l: tensor<1x1x8xf32>, %dq: tensor<1x1x8x16xf32>, %dk: tensor<1x1x8x16xf32>,
    %dv: tensor<1x1x8x16xf32>) -> (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) {
  // expected-error @+1 {{'fa.attention_grad' op has no #fa.tiling; attach one (fa-select-tiling does not choose the backward's tiling yet)}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>,
             tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8xf32>)
         outs(%dq, %dk, %dv : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
         -> tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
}
