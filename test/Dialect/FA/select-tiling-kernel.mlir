// fa-select-tiling{kernel=auto} chooses the kernel per op and records it in
// the op's #fa.schedule; an op's own schedule wins (select-tiling-schedule.mlir
// has the other fields).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=t4 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=T4
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="kernel=auto explain" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN

// On sm_90a the wgmma kernel, on sm_80 the mma.sync one.
// CHECK-LABEL: func.func @bf16
// CHECK: schedule = #fa.schedule<kernel = wgmma
// A100-LABEL: func.func @bf16
// A100: schedule = #fa.schedule<kernel = mma_sync
// T4-LABEL: func.func @bf16
// T4: schedule = #fa.schedule<kernel = simt>
func.func @bf16(%q: tensor<1x2x4096x64xbf16>, %o: tensor<1x2x4096x64xbf16>) -> tensor<1x2x4096x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>, tensor<1x2x4096x64xbf16>)
       outs(%o : tensor<1x2x4096x64xbf16>) -> tensor<1x2x4096x64xbf16>
  return %r : tensor<1x2x4096x64xbf16>
}

// -----

// CHECK-LABEL: func.func @f32
// CHECK: schedule = #fa.schedule<kernel = simt>
func.func @f32(%q: tensor<1x2x256x64xf32>, %o: tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>)
       outs(%o : tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32>
  return %r : tensor<1x2x256x64xf32>
}

// -----

// CHECK-LABEL: func.func @mask
// CHECK: schedule = #fa.schedule<kernel = wgmma
func.func @mask(%q: tensor<1x2x256x64xbf16>, %m: tensor<1x1x256x256xi1>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       mask(%m : tensor<1x1x256x256xi1>)
       outs(%o : tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// Head dimension 32, a multiple of 16 but not of 64: wgmma, its tiles half
// of one 64-column block in shared memory (docs/decisions.md, D48).
// CHECK-LABEL: func.func @head_dim_32
// CHECK: schedule = #fa.schedule<kernel = wgmma
func.func @head_dim_32(%q: tensor<1x2x256x32xbf16>, %o: tensor<1x2x256x32xbf16>) -> tensor<1x2x256x32xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x32xbf16>, tensor<1x2x256x32xbf16>, tensor<1x2x256x32xbf16>)
       outs(%o : tensor<1x2x256x32xbf16>) -> tensor<1x2x256x32xbf16>
  return %r : tensor<1x2x256x32xbf16>
}

// -----

// A given tiling the wgmma kernel cannot run (2 warps, no warpgroup) falls
// back to mma-sync under auto.
// CHECK-LABEL: func.func @given_tiling_mma
// Its 41 KB of shared memory hold four blocks an SM on the H100, fewer than
// its 64 threads' registers would: min_blocks = 4 (D118).
// CHECK: schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 4>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 2>
func.func @given_tiling_mma(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 2>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// A given tiling the mma-sync kernel cannot run (16 rows for 4 warps) keeps
// the scalar kernel under auto.
// CHECK-LABEL: func.func @given_tiling
// CHECK: schedule = #fa.schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>
func.func @given_tiling(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// The op's own kernel wins over the option.
// CHECK-LABEL: func.func @given_kernel
// CHECK: schedule = #fa.schedule<kernel = simt>
func.func @given_kernel(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>) {schedule = #fa.schedule<kernel = simt>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// A head dim the tensor-core kernels accept but no tiling of theirs fits
// (D = 384: the mma.sync kernel's smallest tiling needs more registers than
// a thread has): kernel=auto goes on to the SIMT kernel instead of failing.
// D = 320 still fits the mma.sync kernel on both targets.
// CHECK-LABEL: func.func @d384
// CHECK: schedule = #fa.schedule<kernel = simt>
// A100-LABEL: func.func @d384
// A100: schedule = #fa.schedule<kernel = simt>
// T4-LABEL: func.func @d384
// T4: schedule = #fa.schedule<kernel = simt>
// EXPLAIN: remark: fa-select-tiling: kernel=auto chose simt (not mma-sync: no tiling fits: the smallest (16x16, 1 stage, 1 warp) needs 37632 B of shared memory (232448 B per block available) and 428 registers per thread (255 available))
func.func @d384(%q: tensor<1x2x4096x384xbf16>, %o: tensor<1x2x4096x384xbf16>) -> tensor<1x2x4096x384xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x4096x384xbf16>, tensor<1x2x4096x384xbf16>, tensor<1x2x4096x384xbf16>)
       outs(%o : tensor<1x2x4096x384xbf16>) {causal} -> tensor<1x2x4096x384xbf16>
  return %r : tensor<1x2x4096x384xbf16>
}

// -----

// CHECK-LABEL: func.func @d320
// CHECK: schedule = #fa.schedule<kernel = mma_sync
// A100-LABEL: func.func @d320
// A100: schedule = #fa.schedule<kernel = mma_sync
func.func @d320(%q: tensor<1x2x4096x320xbf16>, %o: tensor<1x2x4096x320xbf16>) -> tensor<1x2x4096x320xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x4096x320xbf16>, tensor<1x2x4096x320xbf16>, tensor<1x2x4096x320xbf16>)
       outs(%o : tensor<1x2x4096x320xbf16>) {causal} -> tensor<1x2x4096x320xbf16>
  return %r : tensor<1x2x4096x320xbf16>
}
