// Every reason fa-select-tiling (kernel=wgmma) and convert-fa-to-nvgpu
// refuse the wgmma kernel is a diagnostic.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma -verify-diagnostics
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=wgmma 2>&1 | FileCheck %s --check-prefix=A100

// A100: cannot use the wgmma kernel: the target (sm_80) has no wgmma (needs sm_90a)

func.func @negative_head_dim(%q: tensor<1x2x64x88xbf16>, %o: tensor<1x2x64x88xbf16>) -> tensor<1x2x64x88xbf16> {
  // expected-error @below {{cannot use the wgmma kernel: head dimensions must be multiples of 16 up to 256 (whole k16 steps, one wgmma n of at most 256)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x88xbf16>, tensor<1x2x64x88xbf16>, tensor<1x2x64x88xbf16>)
       outs(%o : tensor<1x2x64x88xbf16>) -> tensor<1x2x64x88xbf16>
  return %r : tensor<1x2x64x88xbf16>
}

// -----

func.func @negative_head_dim_above_256(%q: tensor<1x2x64x272xbf16>, %o: tensor<1x2x64x272xbf16>) -> tensor<1x2x64x272xbf16> {
  // expected-error @below {{cannot use the wgmma kernel: head dimensions must be multiples of 16 up to 256 (whole k16 steps, one wgmma n of at most 256)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x272xbf16>, tensor<1x2x64x272xbf16>, tensor<1x2x64x272xbf16>)
       outs(%o : tensor<1x2x64x272xbf16>) -> tensor<1x2x64x272xbf16>
  return %r : tensor<1x2x64x272xbf16>
}

// -----

func.func @negative_f32(%q: tensor<1x2x64x64xf32>, %o: tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32> {
  // expected-error @below {{cannot use the wgmma kernel: the element type must be f16 or bf16}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>)
       outs(%o : tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
  return %r : tensor<1x2x64x64xf32>
}

// -----

func.func @negative_tiling(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  // expected-error @below {{does not fit the target (sm_90a): wgmma needs block_q = 16 * warps (64 rows per warpgroup) and block_kv a multiple of 16 up to 256 (kernel=wgmma)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

