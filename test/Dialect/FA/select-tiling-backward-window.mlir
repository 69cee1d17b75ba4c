// A windowed fa.attention_grad: kernel=auto takes the wgmma backward (its
// windows passed their GPU check); kernel=mma-sync and kernel=wgmma select
// the tensor-core backwards, which skip the q-blocks outside the window and
// mask its edges.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma | FileCheck %s --check-prefix=WGMMA

// CHECK-LABEL: func.func @window_grad
// CHECK: fa.attention_grad
// CHECK-SAME: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// CHECK-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// CHECK-SAME: window = #fa.window<left = 7, right = 0>
// MMA-LABEL: func.func @window_grad
// MMA: fa.attention_grad
// MMA-SAME: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// MMA-SAME: window = #fa.window<left = 7, right = 0>
// WGMMA-LABEL: func.func @window_grad
// WGMMA: fa.attention_grad
// WGMMA-SAME: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// WGMMA-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// WGMMA-SAME: window = #fa.window<left = 7, right = 0>
func.func @window_grad(%q: tensor<1x2x256x64xbf16>, %lse: tensor<1x2x256xf32>)
    -> (tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>,
          tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      {causal, window = #fa.window<left = 7, right = 0>}
      -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
}
