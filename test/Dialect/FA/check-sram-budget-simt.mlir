// RUN: fa-opt %s -split-input-file --fa-check-sram-budget -verify-diagnostics
// RUN: fa-opt %s -split-input-file --fa-check-sram-budget=kernel=simt -verify-diagnostics
// RUN: not fa-opt %s --fa-check-sram-budget=kernel=wmma 2>&1 | FileCheck %s --check-prefix=KERNEL

// KERNEL: for the --kernel option: Cannot find option named 'wmma'!

// The SIMT kernel (the default): Q 128*128*2 = 32768, K and V 32768 each,
// S 128*128*4 = 65536, acc 128*128*4 = 65536, vectors 4 * 512 = 2048:
// 231424 B fits the h100's 232448 B (no diagnostic).
module attributes {fa.target = #fa.target<arch = "sm_90a",
    sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
    tensor_tflops = 989>} {
func.func @fits(%q: tensor<1x1x1024x128xbf16>, %k: tensor<1x1x1024x128xbf16>,
                %v: tensor<1x1x1024x128xbf16>) -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}
}

// -----

// The same tiling against 48 KiB. (The tensor-core kernel would need
// 32768 + 2 * 32768 = 98304 B: check-sram-budget-errors.mlir.)
module attributes {fa.target = #fa.target<arch = "sm_90a",
    sram_per_block = 49152, sram_per_sm = 233472, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
    tensor_tflops = 989>} {
func.func @negative_over_budget(%q: tensor<1x1x1024x128xbf16>,
    %k: tensor<1x1x1024x128xbf16>, %v: tensor<1x1x1024x128xbf16>)
    -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  // expected-error @below {{'fa.attention' op tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8> needs 231424 bytes of shared memory per block but the target (sm_90a) allows 49152 (kernel=simt)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}
}

// -----

// The mask tile counts: 64x64, d = 64, f16: Q, K, V 8192 each, an i1
// keep-mask tile 64*64 = 4096, S 16384, acc 16384, vectors 4 * 256 = 1024:
// 62464 B against 60000. A mask broadcast over the queries ([.., 1, Nk])
// has a 1 x 64 tile, 128 B: 58496 B fits.
module attributes {fa.target = #fa.target<arch = "sm_80",
    sram_per_block = 60000, sram_per_sm = 167936, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039,
    tensor_tflops = 312>} {
func.func @negative_mask_tile_counts(%q: tensor<1x4x256x64xf16>,
    %k: tensor<1x4x256x64xf16>, %v: tensor<1x4x256x64xf16>,
    %m: tensor<1x1x256x256xi1>) -> tensor<1x4x256x64xf16> {
  %init = tensor.empty() : tensor<1x4x256x64xf16>
  // expected-error @below {{needs 62464 bytes of shared memory per block but the target (sm_80) allows 60000 (kernel=simt)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x4x256x64xf16>,
                        tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16>)
       mask(%m : tensor<1x1x256x256xi1>) outs(%init : tensor<1x4x256x64xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
       -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}
func.func @row_broadcast_mask_fits(%q: tensor<1x4x256x64xf16>,
    %k: tensor<1x4x256x64xf16>, %v: tensor<1x4x256x64xf16>,
    %m: tensor<1x1x1x256xi1>) -> tensor<1x4x256x64xf16> {
  %init = tensor.empty() : tensor<1x4x256x64xf16>
  %o = fa.attention ins(%q, %k, %v : tensor<1x4x256x64xf16>,
                        tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16>)
       mask(%m : tensor<1x1x1x256xi1>) outs(%init : tensor<1x4x256x64xf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
       -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}
}
