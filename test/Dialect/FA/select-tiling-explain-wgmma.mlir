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

// -----

// d = 64 causal N = 2k: four 64-row blocks per SM ("Four resident blocks"),
// the barrier kernel; a margin under 0.1% keeps its digits.
// CHECK: remark: fa-select-tiling (model): 64x80, 2 stages, 4 warps wins: {{.*}}; 0.0081% faster than the runner-up 64x64, 2 stages, 4 warps
// CHECK: note: #1 64x80, 2 stages, 4 warps: {{.*}}, 4 block(s)/SM
// CHECK: note: wgmma-release=auto (the default) builds the barrier kernel (4 block(s) per SM)
func.func @d64_causal_2k(%q: tensor<8x32x2048x64xbf16>, %o: tensor<8x32x2048x64xbf16>) -> tensor<8x32x2048x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>)
       outs(%o : tensor<8x32x2048x64xbf16>) {causal} -> tensor<8x32x2048x64xbf16>
  return %r : tensor<8x32x2048x64xbf16>
}
