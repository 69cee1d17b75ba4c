// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-tile-attention=require-tiling

func.func @negative_no_tiling(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
                              %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'fa.attention' op has no #fa.tiling; run fa-select-tiling or attach one}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
       outs(%o : tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %r : tensor<1x1x8x16xf32>
}
