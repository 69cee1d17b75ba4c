// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-check-sram-budget

// Found by the sanitizer build (docs/Reliability.md): explicit tilings and
// targets whose numbers overflowed fa-check-sram-budget's and the cost
// model's byte counts. The attributes now bound them.

func.func @negative_huge_block(%q: tensor<1x1x64x64xf16>, %k: tensor<1x1x64x64xf16>,
    %v: tensor<1x1x64x64xf16>, %o: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>,
      tensor<1x1x64x64xf16>) outs(%o : tensor<1x1x64x64xf16>)
      // expected-error @+1 {{#fa.tiling block sizes must be at most 65536, got block_q = 4611686018427387904, block_kv = 64}}
      {tiling = #fa.tiling<block_q = 4611686018427387904, block_kv = 64, stages = 1, warps = 4>}
      -> tensor<1x1x64x64xf16>
  return %r : tensor<1x1x64x64xf16>
}

// -----

func.func @negative_huge_stages(%q: tensor<1x1x64x64xf16>, %k: tensor<1x1x64x64xf16>,
    %v: tensor<1x1x64x64xf16>, %o: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>,
      tensor<1x1x64x64xf16>) outs(%o : tensor<1x1x64x64xf16>)
      // expected-error @+1 {{#fa.tiling stages must be in [1, 16], got 2305843009213693952}}
      {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2305843009213693952, warps = 4>}
      -> tensor<1x1x64x64xf16>
  return %r : tensor<1x1x64x64xf16>
}

// -----

// A head dimension of 2^40 with a valid tiling: the Q tile's bytes overflowed.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448,
    sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255,
    sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
func.func @negative_huge_head_dim(%q: tensor<1x1x4x1099511627776xf16>,
    %k: tensor<1x1x4x1099511627776xf16>, %v: tensor<1x1x4x16xf16>,
    %o: tensor<1x1x4x16xf16>) -> tensor<1x1x4x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot check the tiling: head dimensions beyond 65536 are not supported}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x4x1099511627776xf16>,
      tensor<1x1x4x1099511627776xf16>, tensor<1x1x4x16xf16>)
      outs(%o : tensor<1x1x4x16xf16>)
      {tiling = #fa.tiling<block_q = 65536, block_kv = 65536, stages = 16, warps = 4>}
      -> tensor<1x1x4x16xf16>
  return %r : tensor<1x1x4x16xf16>
}
}

// -----

// An SM count of 2^62: resident-block slots overflowed.
// expected-error @+1 {{invalid #fa.target: sm_count must be at most 65536}}
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912,
    sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255,
    sm_count = 4611686018427387904, hbm_gbps = 2039, tensor_tflops = 312>} {
}
