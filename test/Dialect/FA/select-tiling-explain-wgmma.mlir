// fa-select-tiling's explanation names the schedule it decided for the
// winner (wgmma-release=auto: the form the model priced) (docs/CostModel.md, "The
// producer kernel's step", "Three consumer warpgroups").
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s

// d = 128: two consumer warpgroups, one block per SM.
// CHECK: remark: fa-select-tiling (model): 128x160, 2 stages, 8 warps wins
// CHECK: note: kernel=wgmma
// CHECK: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>: the producer kernel: one more warpgroup issues the loads, 2 consumer warpgroup(s) at 240 registers a thread take turns at the tensor cores
func.func @d128(%q: tensor<1x16x16384x128xbf16>, %o: tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>)
       outs(%o : tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16>
  return %r : tensor<1x16x16384x128xbf16>
}

// -----

// d = 64 causal N = 4k: two blocks of 128x96 per SM, the barrier kernel.
// CHECK: remark: fa-select-tiling (model): 128x96, 2 stages, 8 warps wins
// CHECK: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>: the barrier kernel (2 block(s) per SM)
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
// CHECK: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>: the barrier kernel (4 block(s) per SM)
func.func @d64_causal_2k(%q: tensor<8x32x2048x64xbf16>, %o: tensor<8x32x2048x64xbf16>) -> tensor<8x32x2048x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>)
       outs(%o : tensor<8x32x2048x64xbf16>) {causal} -> tensor<8x32x2048x64xbf16>
  return %r : tensor<8x32x2048x64xbf16>
}
