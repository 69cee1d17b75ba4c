// RUN: fa-opt %s --fa-select-tiling -verify-diagnostics

func.func @negative_no_target(%q: tensor<1x1x64x64xf16>,
    %k: tensor<1x1x64x64xf16>, %v: tensor<1x1x64x64xf16>)
    -> tensor<1x1x64x64xf16> {
  %init = tensor.empty() : tensor<1x1x64x64xf16>
  // expected-error @below {{'fa.attention' op needs a #fa.target on the enclosing module to choose a tiling; run fa-set-target first (e.g. --fa-set-target=target=h100)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>,
                        tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>)
       outs(%init : tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  return %o : tensor<1x1x64x64xf16>
}
