// Global tokens and the butterfly on the tensor-core forward kernels
// (docs/BlockSparse.md, "The kernels' block lists"): chosen by name they
// build it (a wgmma or mma_sync schedule, the density from
// BlockClassifier's census in the prediction: 462 of the 2048 pairs, 52
// partial); kernel=auto takes them too (their GPU check passed in session
// 8, docs/results/2026-12-05-session8-checks). h100, N = 4096, d = 64, a
// butterfly of 128 with 64 global tokens.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=wgmma explain" 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="kernel=mma-sync" | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --split-input-file --fa-set-target=target=a100 \
// RUN:   --fa-select-tiling="kernel=auto explain" 2>&1 | FileCheck %s --check-prefix=A100

// AUTO-NOT: kernel=auto chose
// AUTO: schedule = #fa.schedule<kernel = wgmma
// WGMMA-NOT: kernel=auto
// WGMMA: note: density 0.2256: 128x64, 2 stages, 8 warps computes 462 of the 2048 (q-block, kv-block) pairs of the mask (butterfly 128, global 64): 410 full (no mask arithmetic), 52 partial (masked)
// WGMMA: schedule = #fa.schedule<kernel = wgmma
// MMA: schedule = #fa.schedule<kernel = mma_sync
// A100-NOT: kernel=auto chose
// A100: schedule = #fa.schedule<kernel = mma_sync
func.func @butterfly_global(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {mask_pattern = #fa.mask_pattern<butterfly = 128, global = 64>} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}

// -----

// Chunks alone were checked with the window's machinery: auto takes the
// wgmma kernel and says nothing of patterns.
// AUTO-NOT: kernel=auto chose
// AUTO: schedule = #fa.schedule<kernel = wgmma
func.func @chunk(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {causal, mask_pattern = #fa.mask_pattern<chunk = 1024>} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}
