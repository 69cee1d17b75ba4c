// The cost model counts only the blocks BlockClassifier leaves for a
// #fa.mask_pattern (docs/CostModel.md, "Mask patterns"): explain reports the
// density with the full and partial blocks, and the choice moves with the
// pattern. h100, N = 4096, d = 64, f16, the SIMT kernel (the pass's default;
// kernel=auto takes the wgmma kernel for chunks and the butterfly alike):
// 128x64 for dense causal, 16x16 for causal chunks of 64, 32x32 for a
// butterfly of 32.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling="explain" 2>&1 | FileCheck %s
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling | FileCheck %s --check-prefix=IR
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=AUTO

// CHECK: remark: fa-select-tiling (model): 128x64, 1 stage, 8 warps wins
// CHECK-NOT: density
// IR-LABEL: func.func @dense_causal
// IR: schedule = #fa.schedule<kernel = simt>
// IR-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>
func.func @dense_causal(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {causal} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}

// -----

// 64 chunks of 4 x 4 blocks of 16: 4 diagonal blocks partial, the 6 below
// full: 640 of 256 * 256 pairs.
// CHECK: remark: fa-select-tiling (model): 16x16, 1 stage, 4 warps wins
// CHECK: note: density 0.0098: 16x16, 1 stage, 4 warps computes 640 of the 65536 (q-block, kv-block) pairs of the mask (causal, chunk 64): 384 full (no mask arithmetic), 256 partial (masked)
// AUTO-LABEL: func.func @causal_chunk_64
// AUTO: schedule = #fa.schedule<kernel = wgmma
// IR-LABEL: func.func @causal_chunk_64
// IR: schedule = #fa.schedule<kernel = simt>
// IR-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>
func.func @causal_chunk_64(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {causal, mask_pattern = #fa.mask_pattern<chunk = 64>} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}

// -----

// 128 cells of 32, each linked with itself and 7 others (log2 128): 1024 of
// 128 * 128 blocks, all full (the blocks are the cells).
// CHECK: remark: fa-select-tiling (model): 32x32, 1 stage, 4 warps wins
// CHECK: note: density 0.0625: 32x32, 1 stage, 4 warps computes 1024 of the 16384 (q-block, kv-block) pairs of the mask (butterfly 32): 1024 full (no mask arithmetic), 0 partial (masked)
// AUTO-LABEL: func.func @butterfly_32
// AUTO: schedule = #fa.schedule<kernel = wgmma
// IR-LABEL: func.func @butterfly_32
// IR: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
func.func @butterfly_32(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {mask_pattern = #fa.mask_pattern<butterfly = 32>} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}

// -----

// A tiling given by hand is explained with its density: 64 x 64 blocks,
// causal chunks of 64: the 64 diagonal blocks, all partial.
// CHECK: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>
// CHECK-SAME: density 0.0156: 64x64, 1 stage, 4 warps computes 64 of the 4096 (q-block, kv-block) pairs of the mask (causal, chunk 64): 0 full (no mask arithmetic), 64 partial (masked)
func.func @given(%q: tensor<1x16x4096x64xf16>, %o: tensor<1x16x4096x64xf16>) -> tensor<1x16x4096x64xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
       outs(%o : tensor<1x16x4096x64xf16>) {causal, mask_pattern = #fa.mask_pattern<chunk = 64>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>} -> tensor<1x16x4096x64xf16>
  return %r : tensor<1x16x4096x64xf16>
}
