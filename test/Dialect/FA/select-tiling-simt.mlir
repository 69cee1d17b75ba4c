// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling | FileCheck %s --check-prefix=T4
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling | FileCheck %s --check-prefix=A10
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=simt | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s -split-input-file --fa-set-target="target=h100 sram-per-block=49152" --fa-select-tiling | FileCheck %s --check-prefix=H100-48K
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=explain --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// Every decision fits its target by the SIMT formula:
// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling --fa-check-sram-budget -o /dev/null
// RUN: fa-opt %s -split-input-file --fa-set-target="target=h100 sram-per-block=49152" --fa-select-tiling --fa-check-sram-budget -o /dev/null

// Decisions for the SIMT kernel that convert-fa-to-gpu emits today, the
// passes' default kernel (select-tiling.mlir pins the tensor-core kernel's).
// One stage; 4 or 8 warps. Its shared memory, each buffer padded to 128 B:
//   Q Bq*d*2 + K Bkv*d*2 + V Bkv*d*2 + S Bq*Bkv*4 + acc Bq*d*4 + 4 * Bq*4.
// The winners, by hand (bf16, d = dv), and the blocks per SM they leave
// (sram_per_sm / (sram + 1 KiB reserved on sm_80+)):
//   t4   d=64  32x48: 4096 + 6144 + 6144 + 6144 + 8192 + 512     = 31232, 2/SM
//   t4   d=128 16x32: 4096 + 8192 + 8192 + 2048 + 8192 + 512     = 31232, 2/SM
//   t4   d=256 16x32: 8192 + 16384 + 16384 + 2048 + 16384 + 512  = 59904, 1/SM
//   a10  d=64  32x64: 4096 + 8192 + 8192 + 8192 + 8192 + 512     = 37376, 2/SM
//   a10  d=128 32x32: 8192 + 8192 + 8192 + 4096 + 16384 + 512    = 45568, 2/SM
//   a10  d=256 16x16: 8192 + 8192 + 8192 + 1024 + 16384 + 512    = 42496, 2/SM
//   a100 d=64  64x64: 8192 + 8192 + 8192 + 16384 + 16384 + 1024  = 58368, 2/SM
//   a100 d=128 64x32: 16384 + 8192 + 8192 + 8192 + 32768 + 1024  = 74752, 2/SM
//   a100 d=256 32x16: 16384 + 8192 + 8192 + 2048 + 32768 + 512   = 68096, 2/SM
//   h100 d=64  128x64: 16384 + 8192 + 8192 + 32768 + 32768 + 2048 = 100352, 2/SM
//   h100 d=128 64x64: 16384 + 16384 + 16384 + 16384 + 32768 + 1024 = 99328, 2/SM
//   h100 d=256 32x32: 16384 + 16384 + 16384 + 4096 + 32768 + 512 = 86528, 2/SM
// The kernel is bound by the shared-memory loads of its scalar products, and
// hides their latency with 16 resident warps per SM: the model prefers two
// resident blocks of 8 warps to one larger tile (docs/CostModel.md).
// With 48 KiB per block (h100 override), all fit 49152:
//   d=64  64x32: 8192 + 4096 + 4096 + 8192 + 16384 + 1024 = 41984
//   d=64 causal 32x48: 31232 (as t4)
//   d=128 32x32: 45568; d=256 16x16: 42496 (as a10)

// T4-LABEL: func.func @d64_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 48, stages = 1, warps = 8>
// A10-LABEL: func.func @d64_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 8>
// A100-LABEL: func.func @d64_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// H100-LABEL: func.func @d64_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>
// H100-48K-LABEL: func.func @d64_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 8>
// EXPLAIN: remark: fa-select-tiling (model): 128x64, 1 stage, 8 warps wins
// EXPLAIN: note: #1 128x64, 1 stage, 8 warps: {{.*}} SRAM 100352 B, 64 registers/thread, 2 block(s)/SM
// EXPLAIN: note: kernel=simt: the scalar kernel of convert-fa-to-gpu (all tiles in shared memory, 1 stage; the pass's default kernel, fa-to-ptx-pipeline passes kernel=auto)
func.func @d64_full(%q: tensor<4x16x4096x64xbf16>, %k: tensor<4x16x4096x64xbf16>, %v: tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x64xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>)
       outs(%init : tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16>
  return %o : tensor<4x16x4096x64xbf16>
}

// -----

// T4-LABEL: func.func @d64_causal
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 48, stages = 1, warps = 8>
// A10-LABEL: func.func @d64_causal
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 8>
// A100-LABEL: func.func @d64_causal
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// H100-LABEL: func.func @d64_causal
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 1, warps = 8>
// H100-48K-LABEL: func.func @d64_causal
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 48, stages = 1, warps = 4>
// EXPLAIN: remark: fa-select-tiling (model): 128x64, 1 stage, 8 warps wins
func.func @d64_causal(%q: tensor<4x16x4096x64xbf16>, %k: tensor<4x16x4096x64xbf16>, %v: tensor<4x16x4096x64xbf16>) -> tensor<4x16x4096x64xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x64xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>)
       outs(%init : tensor<4x16x4096x64xbf16>) {causal} -> tensor<4x16x4096x64xbf16>
  return %o : tensor<4x16x4096x64xbf16>
}

// -----

// T4-LABEL: func.func @d128_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 32, stages = 1, warps = 8>
// A10-LABEL: func.func @d128_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>
// A100-LABEL: func.func @d128_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 8>
// H100-LABEL: func.func @d128_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// H100-48K-LABEL: func.func @d128_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>
// EXPLAIN: remark: fa-select-tiling (model): 64x64, 1 stage, 8 warps wins
// EXPLAIN: note: #1 64x64, 1 stage, 8 warps: {{.*}} SRAM 99328 B, 64 registers/thread, 2 block(s)/SM
func.func @d128_full(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}

// -----

// T4-LABEL: func.func @d128_causal
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 32, stages = 1, warps = 8>
// A10-LABEL: func.func @d128_causal
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>
// A100-LABEL: func.func @d128_causal
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 1, warps = 8>
// H100-LABEL: func.func @d128_causal
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 8>
// H100-48K-LABEL: func.func @d128_causal
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>
// EXPLAIN: remark: fa-select-tiling (model): 64x64, 1 stage, 8 warps wins
func.func @d128_causal(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%init : tensor<4x16x4096x128xbf16>) {causal} -> tensor<4x16x4096x128xbf16>
  return %o : tensor<4x16x4096x128xbf16>
}

// -----

// T4-LABEL: func.func @d256_full
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 32, stages = 1, warps = 8>
// A10-LABEL: func.func @d256_full
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>
// A100-LABEL: func.func @d256_full
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>
// H100-LABEL: func.func @d256_full
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>
// H100-48K-LABEL: func.func @d256_full
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>
// EXPLAIN: remark: fa-select-tiling (model): 32x32, 1 stage, 8 warps wins
// EXPLAIN: note: #1 32x32, 1 stage, 8 warps: {{.*}} SRAM 86528 B, 64 registers/thread, 2 block(s)/SM
func.func @d256_full(%q: tensor<4x16x4096x256xbf16>, %k: tensor<4x16x4096x256xbf16>, %v: tensor<4x16x4096x256xbf16>) -> tensor<4x16x4096x256xbf16> {
  %init = tensor.empty() : tensor<4x16x4096x256xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>)
       outs(%init : tensor<4x16x4096x256xbf16>) -> tensor<4x16x4096x256xbf16>
  return %o : tensor<4x16x4096x256xbf16>
}

// -----

// A given tiling that fits the SIMT kernel everywhere is kept:
// 32x32, d = 64: 3 * 4096 + 4096 (S) + 8192 (acc) + 512 = 25088 B.
// T4-LABEL: func.func @given_tiling_is_kept
// T4: fa.attention
// T4-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
// A10-LABEL: func.func @given_tiling_is_kept
// A10: fa.attention
// A10-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
// A100-LABEL: func.func @given_tiling_is_kept
// A100: fa.attention
// A100-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
// H100-LABEL: func.func @given_tiling_is_kept
// H100: fa.attention
// H100-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
// H100-48K-LABEL: func.func @given_tiling_is_kept
// H100-48K: fa.attention
// H100-48K-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>
func.func @given_tiling_is_kept(%q: tensor<1x8x1024x64xf16>, %k: tensor<1x2x1024x64xf16>, %v: tensor<1x2x1024x64xf16>) -> tensor<1x8x1024x64xf16> {
  %init = tensor.empty() : tensor<1x8x1024x64xf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x8x1024x64xf16>, tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>)
       outs(%init : tensor<1x8x1024x64xf16>)
       {tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>} -> tensor<1x8x1024x64xf16>
  return %o : tensor<1x8x1024x64xf16>
}
