// A mask pattern's backward on the tensor cores: the mma.sync and the
// wgmma backward (its TMA ring, the model's pick, D75) build it (dq =
// atomic; BlockClassifier's lists by kv-block, docs/BlockSparse.md), chosen
// by name or by kernel=auto (both passed their GPU checks in session 8),
// which takes the wgmma backward; the
// backward model counts the pattern's pairs (here a quarter of the dense
// ones: causal chunks of 1024 at N = 4096, under half the dense time).
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync" | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma" | FileCheck %s --check-prefix=WG
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=AUTO

// MMA-LABEL: func.func @chunk
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// WG-LABEL: func.func @chunk
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>
// WG-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
func.func @chunk(%q: tensor<1x16x4096x64xbf16>, %lse: tensor<1x16x4096xf32>) -> (tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096xf32>)
      outs(%q, %q, %q : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>)
      {causal, mask_pattern = #fa.mask_pattern<chunk = 1024>}
      -> tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>
}

// -----

// MMA-LABEL: func.func @butterfly_global
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// WG-LABEL: func.func @butterfly_global
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>
// WG-SAME: stages = 2
func.func @butterfly_global(%q: tensor<1x16x4096x64xbf16>, %lse: tensor<1x16x4096xf32>) -> (tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096xf32>)
      outs(%q, %q, %q : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>)
      {mask_pattern = #fa.mask_pattern<butterfly = 128, global = 64>}
      -> tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>, tensor<1x16x4096x64xbf16>
}
