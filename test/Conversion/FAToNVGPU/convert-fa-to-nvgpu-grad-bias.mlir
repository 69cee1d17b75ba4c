// convert-fa-to-nvgpu on an fa.attention_grad with an additive bias on the
// mma.sync backward (docs/Backward.md, "The bias on the tensor-core
// backwards"; BackwardBias.cpp): the bias is added to the recomputed scores
// (one fma by log2(e) before the exp2), and dS goes to dBias: a plain store
// where the bias broadcasts nothing (@full), f32 atomic adds into a scratch
// rounded by the convert kernel where it broadcasts in a half type
// (@per_key), atomic adds straight into an f32 dBias (@per_head_f32). The
// preprocess kernel zeroes the buffer the main kernel writes. The wgmma
// backward uses the same part (@wgmma_ring: every pair takes the tested
// P^T, as a bias may hide whole rows).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | FileCheck %s
// The output parses back.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --convert-fa-to-nvgpu | fa-opt -split-input-file > /dev/null

// CHECK-LABEL: func.func @full
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<1x4x100x70xbf16>, %[[DB:[a-z0-9]+]]: memref<1x4x100x70xbf16>
// CHECK: %[[D:.*]] = memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// CHECK-NOT: memref.alloc
// 1. The preprocess kernel zeroes dBias (its block's rows, every key).
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[DB]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x100x70xbf16>
// CHECK: gpu.terminator
// 2. The main kernel: the bias (f32) scaled by log2(e) into the exponent,
// in both branches of P^T; dS stored, rounded, in range only.
// CHECK: gpu.launch
// CHECK: scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK: memref.load %[[B]]
// CHECK: arith.extf
// CHECK: math.fma
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: } else {
// CHECK: memref.load %[[B]]
// CHECK: math.fma
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: scf.if
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %[[DB]]
// CHECK-NOT: memref.atomic_rmw addf {{.*}}, %[[DB]]
// CHECK: memref.atomic_rmw addf {{.*}}, %[[ACC]]
// CHECK: gpu.terminator
// 3. The convert kernel leaves dBias alone.
// CHECK: gpu.launch
// CHECK-NOT: %[[DB]]
// CHECK: gpu.terminator
// CHECK-NOT: memref.dealloc %[[DB]]
func.func @full(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x70x64xbf16>, %v: memref<1x2x70x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %l: memref<1x4x100xf32>, %b: memref<1x4x100x70xbf16>, %db: memref<1x4x100x70xbf16>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x70x64xbf16>, %dv: memref<1x2x70x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %l : memref<1x4x100x64xbf16>, memref<1x2x70x64xbf16>, memref<1x2x70x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      mask(%b : memref<1x4x100x70xbf16>)
      outs(%dq, %dk, %dv, %db : memref<1x4x100x64xbf16>, memref<1x2x70x64xbf16>, memref<1x2x70x64xbf16>, memref<1x4x100x70xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @per_key
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<1x1x1x70xf16>, %[[DB:[a-z0-9]+]]: memref<1x1x1x70xf16>
// CHECK: memref.alloc() : memref<1x4x100xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<1x4x100x64xf32>
// CHECK: %[[S:.*]] = memref.alloc() : memref<1x1x1x70xf32>
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[S]][%{{.*}}] : memref<1x1x1x70xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: memref.load %[[B]][%{{.*}}] : memref<1x1x1x70xf16>
// CHECK: memref.atomic_rmw addf %{{.*}}, %[[S]][%{{.*}}] : (f32, memref<1x1x1x70xf32>) -> f32
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: memref.load %[[S]]
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.store %{{.*}}, %[[DB]]
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[S]]
func.func @per_key(%q: memref<1x4x100x64xf16>, %k: memref<1x2x70x64xf16>, %v: memref<1x2x70x64xf16>, %o: memref<1x4x100x64xf16>, %do: memref<1x4x100x64xf16>, %l: memref<1x4x100xf32>, %b: memref<1x1x1x70xf16>, %db: memref<1x1x1x70xf16>, %dq: memref<1x4x100x64xf16>, %dk: memref<1x2x70x64xf16>, %dv: memref<1x2x70x64xf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %l : memref<1x4x100x64xf16>, memref<1x2x70x64xf16>, memref<1x2x70x64xf16>, memref<1x4x100x64xf16>, memref<1x4x100x64xf16>, memref<1x4x100xf32>)
      mask(%b : memref<1x1x1x70xf16>)
      outs(%dq, %dk, %dv, %db : memref<1x4x100x64xf16>, memref<1x2x70x64xf16>, memref<1x2x70x64xf16>, memref<1x1x1x70xf16>)
      {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @per_head_f32
// CHECK-SAME: memref<2x4x1x1xf32>, %[[DB:[a-z0-9]+]]: memref<2x4x1x1xf32>
// CHECK-COUNT-2: memref.alloc()
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[DB]][%{{.*}}] : memref<2x4x1x1xf32>
// CHECK: gpu.launch
// CHECK: memref.atomic_rmw addf %{{.*}}, %[[DB]][%{{.*}}] : (f32, memref<2x4x1x1xf32>) -> f32
// CHECK: gpu.launch
// CHECK-NOT: %[[DB]]
// CHECK: gpu.terminator
func.func @per_head_f32(%q: memref<2x4x100x64xbf16>, %o: memref<2x4x100x64xbf16>, %l: memref<2x4x100xf32>, %b: memref<2x4x1x1xf32>, %db: memref<2x4x1x1xf32>) {
  fa.attention_grad ins(%q, %q, %q, %o, %o, %l : memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x100xf32>)
      mask(%b : memref<2x4x1x1xf32>)
      outs(%q, %q, %q, %db : memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x100x64xbf16>, memref<2x4x1x1xf32>)
      {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// A bias without its gradient: added to the scores, no dBias writes.
// CHECK-LABEL: func.func @no_grad
// CHECK-COUNT-3: memref.alloc()
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: math.fma
// CHECK-NOT: memref.atomic_rmw addf {{.*}} memref<1x1x100x100xf32>
// CHECK: gpu.terminator
func.func @no_grad(%q: memref<1x2x100x64xbf16>, %l: memref<1x2x100xf32>, %b: memref<1x1x100x100xf32>) {
  fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100xf32>)
      mask(%b : memref<1x1x100x100xf32>)
      outs(%q, %q, %q : memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}

// -----

// CHECK-LABEL: func.func @wgmma_ring
// CHECK-SAME: %[[B:[a-z0-9]+]]: memref<1x4x1x100xbf16>, %[[DB:[a-z0-9]+]]: memref<1x4x1x100xbf16>
// CHECK: %[[S:.*]] = memref.alloc() : memref<1x4x1x100xf32>
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[S]][%{{.*}}]
// CHECK: gpu.launch
// CHECK: nvvm.wgmma.mma_async
// CHECK-NOT: scf.if %{{.*}} -> (vector<2x2xf32>
// CHECK: memref.load %[[B]][%{{.*}}] : memref<1x4x1x100xbf16>
// CHECK: math.fma
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: memref.atomic_rmw addf %{{.*}}, %[[S]]
// CHECK: gpu.launch
// CHECK: memref.load %[[S]]
// CHECK: memref.store %{{.*}}, %[[DB]]
// CHECK: memref.dealloc %[[S]]
func.func @wgmma_ring(%q: memref<1x4x100x64xbf16>, %k: memref<1x2x100x64xbf16>, %v: memref<1x2x100x64xbf16>, %o: memref<1x4x100x64xbf16>, %do: memref<1x4x100x64xbf16>, %lse: memref<1x4x100xf32>, %b: memref<1x4x1x100xbf16>, %db: memref<1x4x1x100xbf16>, %dq: memref<1x4x100x64xbf16>, %dk: memref<1x2x100x64xbf16>, %dv: memref<1x2x100x64xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100x64xbf16>, memref<1x4x100xf32>)
      mask(%b : memref<1x4x1x100xbf16>)
      outs(%dq, %dk, %dv, %db : memref<1x4x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x2x100x64xbf16>, memref<1x4x1x100xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
  return
}
