// fa-select-tiling's wgmma pick at d = 256 (issue 25; docs/decisions.md
// D116): 128x80 with the producer warpgroup (FlashAttention-3's hdim-256
// forward tile), at the benchmark's shapes (bf16, batch 16384 / N, 8 heads),
// causal and not, N = 2k, 4k and 16k, on the h100 and the h200 (the same
// picks). Its estimate (242) is two registers over the consumers' 240 with
// the O accumulator past the fit, so ptxas spills a few bytes
// (ptxas-wgmma-d256-registers.mlir); measured round-robin on an H100 it was
// 1.02-1.10x the spill-free 128x64 producer kernel and 1.06-1.13x its own
// barrier kernel, and `explain` says it is built spilling.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling=kernel=auto | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling="kernel=auto explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN

// CHECK-LABEL: func.func @d256_n2k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
// EXPLAIN: 128x80, 2 stages, 8 warps wins
// EXPLAIN: #2 128x64, 2 stages, 8 warps
// EXPLAIN: consumer warpgroup(s) at 240 registers a thread take turns at the tensor cores (estimated 242: built spilling a few bytes, measured faster than the spill-free tilings, D116)
func.func @d256_n2k(%q: tensor<8x8x2048x256xbf16>, %o: tensor<8x8x2048x256xbf16>) -> tensor<8x8x2048x256xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<8x8x2048x256xbf16>, tensor<8x8x2048x256xbf16>, tensor<8x8x2048x256xbf16>)
       outs(%o : tensor<8x8x2048x256xbf16>) -> tensor<8x8x2048x256xbf16>
  return %r : tensor<8x8x2048x256xbf16>
}

// -----

// CHECK-LABEL: func.func @d256_n2k_causal
// CHECK: release = producer, {{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
func.func @d256_n2k_causal(%q: tensor<8x8x2048x256xbf16>, %o: tensor<8x8x2048x256xbf16>) -> tensor<8x8x2048x256xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<8x8x2048x256xbf16>, tensor<8x8x2048x256xbf16>, tensor<8x8x2048x256xbf16>)
       outs(%o : tensor<8x8x2048x256xbf16>) {causal} -> tensor<8x8x2048x256xbf16>
  return %r : tensor<8x8x2048x256xbf16>
}

// -----

// CHECK-LABEL: func.func @d256_n4k
// CHECK: release = producer, {{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
func.func @d256_n4k(%q: tensor<4x8x4096x256xbf16>, %o: tensor<4x8x4096x256xbf16>) -> tensor<4x8x4096x256xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>)
       outs(%o : tensor<4x8x4096x256xbf16>) -> tensor<4x8x4096x256xbf16>
  return %r : tensor<4x8x4096x256xbf16>
}

// -----

// CHECK-LABEL: func.func @d256_n4k_causal_f16
// CHECK: release = producer, {{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
func.func @d256_n4k_causal_f16(%q: tensor<4x8x4096x256xf16>, %o: tensor<4x8x4096x256xf16>) -> tensor<4x8x4096x256xf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x8x4096x256xf16>, tensor<4x8x4096x256xf16>, tensor<4x8x4096x256xf16>)
       outs(%o : tensor<4x8x4096x256xf16>) {causal} -> tensor<4x8x4096x256xf16>
  return %r : tensor<4x8x4096x256xf16>
}

// -----

// CHECK-LABEL: func.func @d256_n16k
// CHECK: release = producer, {{.*}}tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 8>
func.func @d256_n16k(%q: tensor<1x8x16384x256xbf16>, %o: tensor<1x8x16384x256xbf16>) -> tensor<1x8x16384x256xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x8x16384x256xbf16>, tensor<1x8x16384x256xbf16>, tensor<1x8x16384x256xbf16>)
       outs(%o : tensor<1x8x16384x256xbf16>) -> tensor<1x8x16384x256xbf16>
  return %r : tensor<1x8x16384x256xbf16>
}
