// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling=kernel=tensor-core | FileCheck %s --check-prefix=T4
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling=kernel=tensor-core | FileCheck %s --check-prefix=A10
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=tensor-core | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=tensor-core | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s -split-input-file --fa-set-target="target=h100 sram-per-block=49152" --fa-select-tiling=kernel=tensor-core | FileCheck %s --check-prefix=H100-48K
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="mode=paper kernel=tensor-core" | FileCheck %s --check-prefix=PAPER-H100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="mode=paper kernel=tensor-core" | FileCheck %s --check-prefix=PAPER-A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling="mode=paper kernel=tensor-core" | FileCheck %s --check-prefix=PAPER-T4

// These RUN lines pin the decisions for the coming tensor-core kernel
// (kernel=tensor-core); select-tiling-simt.mlir pins those of the SIMT kernel
// that convert-fa-to-gpu emits today (the passes' default).
//
// The same op gets a different tiling on each target. The values are pinned
// here; docs/CostModel.md explains each one and compares it with the tilings
// of FlashAttention-2/3. Every decision fits its target: the RUN lines below
// re-check the shared memory with fa-check-sram-budget.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling=kernel=tensor-core --fa-check-sram-budget=kernel=tensor-core -o /dev/null
// RUN: fa-opt %s -split-input-file --fa-set-target="target=h100 sram-per-block=49152" --fa-select-tiling=kernel=tensor-core --fa-check-sram-budget=kernel=tensor-core -o /dev/null
//
// Paper mode (Algorithm 1), computed by hand with M = sram_per_block / 2:
//   h100: M = 116224: d=64  Bc = 116224/256  = 454,  Br = 64
//                     d=128 Bc = 116224/512  = 227,  Br = 128
//                     d=256 Bc = ceil(113.5) = 114,  Br = 114
//   a100: M = 83456:  d=64  Bc = 326, Br = 64;  d=128 Bc = 163, Br = 128;
//                     d=256 Bc = ceil(81.5) = 82, Br = 82
//   t4:   M = 32768:  d=64  Bc = 128, Br = 64;  d=128 Bc = 64, Br = 64;
//                     d=256 Bc = 32, Br = 32

// T4-LABEL: func.func @d64_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 256, block_kv = 64, stages = 2, warps = 8>
// A10-LABEL: func.func @d64_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 4>
// A100-LABEL: func.func @d64_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 4>
// H100-LABEL: func.func @d64_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 256, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d64_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d64_full
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 454, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d64_full
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 326, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d64_full
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 4>
func.func @d64_full(%q: tensor<4x16x4096x64xbf16>, %k: tensor<4x16x4096x64xbf16>, %v: tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x64xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>)
       outs(%init : tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16>
  return %o : tensor<4x16x4096x64xbf16>
}

// -----

// T4-LABEL: func.func @d64_causal
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 4>
// A10-LABEL: func.func @d64_causal
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 4>
// A100-LABEL: func.func @d64_causal
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 4>
// H100-LABEL: func.func @d64_causal
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 256, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d64_causal
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d64_causal
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 454, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d64_causal
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 326, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d64_causal
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 4>
func.func @d64_causal(%q: tensor<4x16x4096x64xbf16>, %k: tensor<4x16x4096x64xbf16>, %v: tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x64xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>)
       outs(%init : tensor<4x16x4096x64xbf16>) {causal} -> tensor<4x16x4096x64xbf16>
  return %o : tensor<4x16x4096x64xbf16>
}

// -----

// T4-LABEL: func.func @d128_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// A10-LABEL: func.func @d128_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
// A100-LABEL: func.func @d128_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 4>
// H100-LABEL: func.func @d128_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 256, block_kv = 80, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d128_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d128_full
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 227, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d128_full
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 163, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d128_full
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>
func.func @d128_full(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}

// -----

// T4-LABEL: func.func @d128_causal
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 48, stages = 2, warps = 4>
// A10-LABEL: func.func @d128_causal
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
// A100-LABEL: func.func @d128_causal
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 4>
// H100-LABEL: func.func @d128_causal
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d128_causal
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d128_causal
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 227, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d128_causal
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 163, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d128_causal
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>
func.func @d128_causal(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) {causal} -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}

// -----

// T4-LABEL: func.func @d256_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
// A10-LABEL: func.func @d256_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-LABEL: func.func @d256_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 1, warps = 8>
// H100-LABEL: func.func @d256_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d256_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d256_full
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 114, block_kv = 114, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d256_full
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 82, block_kv = 82, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d256_full
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
func.func @d256_full(%q: tensor<4x16x4096x256xbf16>, %k: tensor<4x16x4096x256xbf16>, %v: tensor<4x16x4096x256xbf16>) -> tensor<4x16x4096x256xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x256xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>)
       outs(%init : tensor<4x16x4096x256xbf16>) -> tensor<4x16x4096x256xbf16>
  return %o : tensor<4x16x4096x256xbf16>
}

// -----

// T4-LABEL: func.func @d256_causal
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 2, warps = 4>
// A10-LABEL: func.func @d256_causal
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>
// A100-LABEL: func.func @d256_causal
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 1, warps = 8>
// H100-LABEL: func.func @d256_causal
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
// H100-48K-LABEL: func.func @d256_causal
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 4>
// PAPER-H100-LABEL: func.func @d256_causal
// PAPER-H100: fa.attention
// PAPER-H100-SAME: tiling = #fa.tiling<block_q = 114, block_kv = 114, stages = 1, warps = 4>
// PAPER-A100-LABEL: func.func @d256_causal
// PAPER-A100: fa.attention
// PAPER-A100-SAME: tiling = #fa.tiling<block_q = 82, block_kv = 82, stages = 1, warps = 4>
// PAPER-T4-LABEL: func.func @d256_causal
// PAPER-T4: fa.attention
// PAPER-T4-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
func.func @d256_causal(%q: tensor<4x16x4096x256xbf16>, %k: tensor<4x16x4096x256xbf16>, %v: tensor<4x16x4096x256xbf16>) -> tensor<4x16x4096x256xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x256xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>)
       outs(%init : tensor<4x16x4096x256xbf16>) {causal} -> tensor<4x16x4096x256xbf16>
  return %o : tensor<4x16x4096x256xbf16>
}

// -----

// T4-LABEL: func.func @given_tiling_is_kept
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
// A10-LABEL: func.func @given_tiling_is_kept
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
// A100-LABEL: func.func @given_tiling_is_kept
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
// H100-LABEL: func.func @given_tiling_is_kept
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
// H100-48K-LABEL: func.func @given_tiling_is_kept
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>
func.func @given_tiling_is_kept(%q: tensor<1x8x1024x128xf16>, %k: tensor<1x2x1024x128xf16>, %v: tensor<1x2x1024x128xf16>) -> tensor<1x8x1024x128xf16> {
  %init = tensor.empty() : tensor<1x8x1024x128xf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x8x1024x128xf16>, tensor<1x2x1024x128xf16>, tensor<1x2x1024x128xf16>)
       outs(%init : tensor<1x8x1024x128xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 4>} -> tensor<1x8x1024x128xf16>
  return %o : tensor<1x8x1024x128xf16>
}
