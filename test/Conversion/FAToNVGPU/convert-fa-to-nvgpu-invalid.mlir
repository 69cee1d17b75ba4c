// Every reason convert-fa-to-nvgpu (and fa-select-tiling for the mma-sync
// kernel) refuses an op is a diagnostic.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=mma-sync -verify-diagnostics


func.func @negative_f32(%q: tensor<1x2x64x64xf32>, %o: tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32> {
  // expected-error @below {{cannot use the mma-sync kernel: the element type must be f16 or bf16}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>)
       outs(%o : tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
  return %r : tensor<1x2x64x64xf32>
}

// -----

func.func @negative_head_dim(%q: tensor<1x2x64x72xbf16>, %o: tensor<1x2x64x72xbf16>) -> tensor<1x2x64x72xbf16> {
  // expected-error @below {{cannot use the mma-sync kernel: head dimensions must be multiples of 16}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x72xbf16>, tensor<1x2x64x72xbf16>, tensor<1x2x64x72xbf16>)
       outs(%o : tensor<1x2x64x72xbf16>) -> tensor<1x2x64x72xbf16>
  return %r : tensor<1x2x64x72xbf16>
}

// -----

func.func @negative_tiling(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @below {{does not fit the target (sm_90a): mma.sync needs block_q a multiple of 16 rows per warp and block_kv a multiple of 16 (kernel=mma-sync)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>)
       {tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>} -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}
