// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=tensor-core -verify-diagnostics
// RUN: not fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=mode=fast 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wmma 2>&1 | FileCheck %s --check-prefix=KERNEL

// MODE: for the --mode option: Cannot find option named 'fast'!
// KERNEL: for the --kernel option: Cannot find option named 'wmma'!

// The tensor-core kernel's limits (select-tiling-simt-errors.mlir has the
// SIMT kernel's).

// A tiling given by hand that exceeds the shared memory:
// 128*128*2 + 2 * (256*128*2 + 256*128*2) = 294912 > 232448.
func.func @negative_given_tiling_too_big(%q: tensor<1x1x1024x128xbf16>,
    %k: tensor<1x1x1024x128xbf16>, %v: tensor<1x1x1024x128xbf16>)
    -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  // expected-error @below {{'fa.attention' op tiling #fa.tiling<block_q = 128, block_kv = 256, stages = 2, warps = 8> does not fit the target (sm_90a): shared memory 294912 B exceeds 232448 B per block}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 256, stages = 2, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}

// -----

// A hand tiling whose accumulators overflow the registers: 128 rows on 4
// warps, d = 128, block_kv = 128: 128 + 128 + 24 + 8 = 288 > 255.
func.func @negative_given_tiling_too_many_registers(%q: tensor<1x1x1024x128xbf16>,
    %k: tensor<1x1x1024x128xbf16>, %v: tensor<1x1x1024x128xbf16>)
    -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  // expected-error @below {{does not fit the target (sm_90a): 288 registers per thread exceed 255}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 4>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}

// -----

// Head dim 2048 in f32: the smallest wgmma tile (64 x 16, 1 stage) needs
// 64*2048*4 + 16*2048*4 * 2 = 786432 B of shared memory.
func.func @negative_head_dim_too_large(%q: tensor<1x1x128x2048xf32>,
    %k: tensor<1x1x128x2048xf32>, %v: tensor<1x1x128x2048xf32>)
    -> tensor<1x1x128x2048xf32> {
  %init = tensor.empty() : tensor<1x1x128x2048xf32>
  // expected-error @below {{'fa.attention' op cannot be tiled for sm_90a (head dim 2048, value head dim 2048): no tiling fits: the smallest (64x16, 1 stage, 4 warps) needs 786432 B of shared memory (232448 B per block available)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x128x2048xf32>,
                        tensor<1x1x128x2048xf32>, tensor<1x1x128x2048xf32>)
       outs(%init : tensor<1x1x128x2048xf32>) -> tensor<1x1x128x2048xf32>
  return %o : tensor<1x1x128x2048xf32>
}
