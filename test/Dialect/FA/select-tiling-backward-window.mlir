// A windowed fa.attention_grad takes the SIMT backward kernel (auto picks
// it); a tensor-core backward kernel, which would compute dense gradients,
// is refused, from the option or from a hand-written schedule.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @window_grad
// CHECK: fa.attention_grad
// CHECK-SAME: schedule = #fa.backward_schedule<kernel = simt
// CHECK-SAME: window = #fa.window<left = 7, right = 0>
func.func @window_grad(%q: tensor<1x2x64x32xbf16>, %lse: tensor<1x2x64xf32>)
    -> (tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>) {
  // expected-error @+1 {{has a #fa.window, which only the simt backward kernel applies (its nests skip and mask the blocks outside the window); select kernel=simt (or auto), not mma-sync}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>,
          tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64xf32>)
      outs(%q, %q, %q : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>)
      {causal, window = #fa.window<left = 7, right = 0>}
      -> tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>
}
