// fa-select-tiling's explanation names the form of the wgmma kernel that
// convert-fa-to-nvgpu's default (wgmma-release=auto) builds for the
// winner, which is the form the model priced (docs/CostModel.md, "The
// producer kernel's step", "Three consumer warpgroups").
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s

// d = 128: two consumer warpgroups, one block per SM.
// CHECK: remark: fa-select-tiling (model): 128x160, 2 stages, 8 warps wins
// CHECK: note: kernel=wgmma
// CHECK: note: wgmma-release=auto (the default) builds the producer kernel: one more warpgroup issues the loads, 2 consumer warpgroups at 240 registers a thread take turns at the tensor cores
func.func @d128(%q: tensor<1x16x16384x128xbf16>, %o: tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>)
       outs(%o : tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16>
  return %r : tensor<1x16x16384x128xbf16>
}

// -----

// d = 64 causal N = 4k: two blocks of 128x96 per SM, the barrier kernel.
// CHECK: remark: fa-select-tiling (model): 128x96, 2 stages, 8 warps wins
// CHECK: note: wgmma-release=auto (the default) builds the barrier kernel (2 block(s) per SM)
func.func @d64_causal(%q: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) {causal} -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}
