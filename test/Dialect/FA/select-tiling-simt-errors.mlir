// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling -verify-diagnostics

// The SIMT kernel's limits (the default kernel; select-tiling-errors.mlir has
// the tensor-core kernel's). A hand tiling that the tensor-core kernel could
// run (Q + 1 stage of K/V: 32768 + 2 * 36864 = 106496 B) but the SIMT kernel
// cannot: Q 128*128*2 = 32768, K and V 144*128*2 = 36864 each, S 128*144*4 =
// 73728, acc 128*128*4 = 65536, vectors 4 * 512 = 2048: 247808 > 232448.
func.func @negative_given_tiling_too_big_for_simt(%q: tensor<1x1x1024x128xbf16>,
    %k: tensor<1x1x1024x128xbf16>, %v: tensor<1x1x1024x128xbf16>)
    -> tensor<1x1x1024x128xbf16> {
  %init = tensor.empty() : tensor<1x1x1024x128xbf16>
  // expected-error @below {{'fa.attention' op tiling #fa.tiling<block_q = 128, block_kv = 144, stages = 1, warps = 8> does not fit the target (sm_90a): shared memory 247808 B exceeds 232448 B per block (kernel=simt)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x1024x128xbf16>,
                        tensor<1x1x1024x128xbf16>, tensor<1x1x1024x128xbf16>)
       outs(%init : tensor<1x1x1024x128xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 144, stages = 1, warps = 8>}
       -> tensor<1x1x1024x128xbf16>
  return %o : tensor<1x1x1024x128xbf16>
}

// -----

// Head dim 1024 in f32: the smallest SIMT tile (16 x 16) needs Q, K, V
// 16*1024*4 = 65536 each, S 16*16*4 = 1024, acc 65536, vectors 4 * 128:
// 263680 B.
func.func @negative_head_dim_too_large(%q: tensor<1x1x128x1024xf32>,
    %k: tensor<1x1x128x1024xf32>, %v: tensor<1x1x128x1024xf32>)
    -> tensor<1x1x128x1024xf32> {
  %init = tensor.empty() : tensor<1x1x128x1024xf32>
  // expected-error @below {{'fa.attention' op cannot be tiled for sm_90a (head dim 1024, value head dim 1024): no tiling fits: the smallest (16x16, 1 stage, 4 warps) needs 263680 B of shared memory (232448 B per block available) and 64 registers per thread (255 available) (kernel=simt)}}
  %o = fa.attention ins(%q, %k, %v : tensor<1x1x128x1024xf32>,
                        tensor<1x1x128x1024xf32>, tensor<1x1x128x1024xf32>)
       outs(%init : tensor<1x1x128x1024xf32>) -> tensor<1x1x128x1024xf32>
  return %o : tensor<1x1x128x1024xf32>
}
