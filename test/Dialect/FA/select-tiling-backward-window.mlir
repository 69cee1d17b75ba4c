// A windowed fa.attention_grad: kernel=auto takes the SIMT backward kernel
// (the mma.sync rule is held back until its GPU check, and says it would
// build it), kernel=mma-sync selects the mma.sync backward, which skips and
// masks the blocks outside the window; the wgmma backward, which would
// compute dense gradients, is refused.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @window_grad
// CHECK: fa.attention_grad
// CHECK-SAME: schedule = #fa.backward_schedule<kernel = simt
// CHECK-SAME: window = #fa.window<left = 7, right = 0>
// MMA-LABEL: func.func @window_grad
// MMA: fa.attention_grad
// MMA-SAME: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// MMA-SAME: window = #fa.window<left = 7, right = 0>
func.func @window_grad(%q: tensor<1x2x64x32xbf16>, %lse: tensor<1x2x64xf32>)
    -> (tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>) {
  // expected-error @+1 {{has a #fa.window, which only the simt and mma-sync backward kernels apply (they skip and mask the blocks outside the window); select kernel=simt, mma-sync (or auto), not wgmma}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>,
          tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64xf32>)
      outs(%q, %q, %q : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>)
      {causal, window = #fa.window<left = 7, right = 0>}
      -> tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>
}
