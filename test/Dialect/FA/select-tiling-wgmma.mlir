// The cost model's wgmma picks at the benchmark's shapes (bf16, batch
// 16384 / N, heads 2048 / d; docs/CostModel.md), each the fastest or within
// noise of it in the H100 sweeps (docs/results/2026-11-27-producer-step-cost-model/sweep-*-v9-h100.log) and
// round-robin A/B runs (docs/results/*/ab-*-h100.log).
// At d = 128 a 128-row block of two consumer warpgroups runs one block per
// SM and gets the producer kernel, whose turns hide most of the softmax
// under the other warpgroup's MMAs ("The producer kernel's step"): it wins
// down to causal N = 1k. At d = 64 the softmax is the longer part, which a
// lone block of two warpgroups issues too slowly: two blocks of 128x96 per
// SM at causal N = 4k, 64-row blocks at N = 1k (three per SM) and causal
// N <= 2k (four per SM); three consumer warpgroups (192 rows, the producer
// kernel, "Three consumer warpgroups") hide part of it and win at N >= 2k
// and causal N >= 8k (round-robin: +2.0-7.4%; -5 and -8% at causal N = 4k
// and 2k).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto | FileCheck %s

// CHECK-LABEL: func.func @d128_n4k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 160, stages = 2, warps = 8>
func.func @d128_n4k(%q: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}

// -----

// CHECK-LABEL: func.func @d128_n8k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 160, stages = 2, warps = 8>
func.func @d128_n8k(%q: tensor<2x16x8192x128xbf16>, %o: tensor<2x16x8192x128xbf16>) -> tensor<2x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<2x16x8192x128xbf16>, tensor<2x16x8192x128xbf16>, tensor<2x16x8192x128xbf16>)
       outs(%o : tensor<2x16x8192x128xbf16>) -> tensor<2x16x8192x128xbf16>
  return %r : tensor<2x16x8192x128xbf16>
}

// -----

// CHECK-LABEL: func.func @d128_n16k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 160, stages = 2, warps = 8>
func.func @d128_n16k(%q: tensor<1x16x16384x128xbf16>, %o: tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>, tensor<1x16x16384x128xbf16>)
       outs(%o : tensor<1x16x16384x128xbf16>) -> tensor<1x16x16384x128xbf16>
  return %r : tensor<1x16x16384x128xbf16>
}

// -----

// CHECK-LABEL: func.func @d128_causal_n1k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @d128_causal_n1k(%q: tensor<16x16x1024x128xbf16>, %o: tensor<16x16x1024x128xbf16>) -> tensor<16x16x1024x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<16x16x1024x128xbf16>, tensor<16x16x1024x128xbf16>, tensor<16x16x1024x128xbf16>)
       outs(%o : tensor<16x16x1024x128xbf16>) {causal} -> tensor<16x16x1024x128xbf16>
  return %r : tensor<16x16x1024x128xbf16>
}

// -----

// Causal: the blocks crossing the diagonal run the masked loop, whose
// softmax does about 5 lane-slots more per score ("Masked steps"): 128x160
// has 1-2 of them per q-block, 128x128 one. Measured in three leases
// (bench/experiments/ab.py, round-robin): 128x128 ahead by 0.5-1.9%.
// CHECK-LABEL: func.func @d128_causal_n4k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
func.func @d128_causal_n4k(%q: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) {causal} -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}

// -----

// N = 1k: 128x96's last kv-block (1024 = 10 * 96 + 64) is masked in every
// q-block, 64x128 has none; measured within 0.1% of each other.
// CHECK-LABEL: func.func @d64_n1k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 4>
func.func @d64_n1k(%q: tensor<16x32x1024x64xbf16>, %o: tensor<16x32x1024x64xbf16>) -> tensor<16x32x1024x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<16x32x1024x64xbf16>, tensor<16x32x1024x64xbf16>, tensor<16x32x1024x64xbf16>)
       outs(%o : tensor<16x32x1024x64xbf16>) -> tensor<16x32x1024x64xbf16>
  return %r : tensor<16x32x1024x64xbf16>
}

// -----

// CHECK-LABEL: func.func @d64_n4k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 160>, tiling = #fa.tiling<block_q = 192, block_kv = 128, stages = 2, warps = 12>
func.func @d64_n4k(%q: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}

// -----

// CHECK-LABEL: func.func @d64_n16k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 160>, tiling = #fa.tiling<block_q = 192, block_kv = 128, stages = 2, warps = 12>
func.func @d64_n16k(%q: tensor<1x32x16384x64xbf16>, %o: tensor<1x32x16384x64xbf16>) -> tensor<1x32x16384x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x32x16384x64xbf16>, tensor<1x32x16384x64xbf16>, tensor<1x32x16384x64xbf16>)
       outs(%o : tensor<1x32x16384x64xbf16>) -> tensor<1x32x16384x64xbf16>
  return %r : tensor<1x32x16384x64xbf16>
}

// -----

// CHECK-LABEL: func.func @d64_causal_n1k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>
func.func @d64_causal_n1k(%q: tensor<16x32x1024x64xbf16>, %o: tensor<16x32x1024x64xbf16>) -> tensor<16x32x1024x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<16x32x1024x64xbf16>, tensor<16x32x1024x64xbf16>, tensor<16x32x1024x64xbf16>)
       outs(%o : tensor<16x32x1024x64xbf16>) {causal} -> tensor<16x32x1024x64xbf16>
  return %r : tensor<16x32x1024x64xbf16>
}

// -----

// Four resident 64-row blocks (four warpgroups that share no barrier) hide
// more of the softmax than two blocks of two ("Four resident blocks"):
// 64x80 measured 0.9-2.6% ahead of 128x96 here in four leases.
// CHECK-LABEL: func.func @d64_causal_n2k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 80, stages = 2, warps = 4>
func.func @d64_causal_n2k(%q: tensor<8x32x2048x64xbf16>, %o: tensor<8x32x2048x64xbf16>) -> tensor<8x32x2048x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>, tensor<8x32x2048x64xbf16>)
       outs(%o : tensor<8x32x2048x64xbf16>) {causal} -> tensor<8x32x2048x64xbf16>
  return %r : tensor<8x32x2048x64xbf16>
}

// -----

// CHECK-LABEL: func.func @d64_causal_n4k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 8>
func.func @d64_causal_n4k(%q: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) {causal} -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}

// -----

// CHECK-LABEL: func.func @d64_causal_n16k
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 160>, tiling = #fa.tiling<block_q = 192, block_kv = 128, stages = 2, warps = 12>
func.func @d64_causal_n16k(%q: tensor<1x32x16384x64xbf16>, %o: tensor<1x32x16384x64xbf16>) -> tensor<1x32x16384x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x32x16384x64xbf16>, tensor<1x32x16384x64xbf16>, tensor<1x32x16384x64xbf16>)
       outs(%o : tensor<1x32x16384x64xbf16>) {causal} -> tensor<1x32x16384x64xbf16>
  return %r : tensor<1x32x16384x64xbf16>
}
