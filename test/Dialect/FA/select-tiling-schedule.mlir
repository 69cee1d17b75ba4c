// fa-select-tiling decides the whole kernel schedule with the tiling and
// records it as #fa.schedule (docs/GPU.md, "The kernel schedule"): the
// model's choices, the fields the options force, conflicts between forced
// fields, and schedules written by hand.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto -verify-diagnostics | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-loads=cp-async" -verify-diagnostics | FileCheck %s --check-prefix=CPASYNC
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=mbarrier" -verify-diagnostics | FileCheck %s --check-prefix=MBAR
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=barrier wgmma-schedule=overlap" -verify-diagnostics | FileCheck %s --check-prefix=OVERLAP
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-pingpong=off" -verify-diagnostics | FileCheck %s --check-prefix=NOTURNS
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=producer wgmma-schedule=serial wgmma-pingpong=on" -verify-diagnostics | FileCheck %s --check-prefix=SERIALTURNS
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=auto -verify-diagnostics | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 "--fa-select-tiling=kernel=auto mma-masked-steps=branch" -verify-diagnostics | FileCheck %s --check-prefix=BRANCH
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 "--fa-select-tiling=kernel=auto mma-masked-steps=split" -verify-diagnostics | FileCheck %s --check-prefix=SPLIT
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-loads=cp-async wgmma-release=producer" 2>&1 | FileCheck %s --check-prefix=CONFLICT1
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=mbarrier wgmma-schedule=overlap" 2>&1 | FileCheck %s --check-prefix=CONFLICT2
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=barrier wgmma-pingpong=on" 2>&1 | FileCheck %s --check-prefix=CONFLICT3
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-release=sometimes" 2>&1 | FileCheck %s --check-prefix=BADVALUE
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto explain" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN

// CONFLICT1: error: fa-select-tiling: wgmma-release=producer needs wgmma-loads=tma
// CONFLICT2: error: fa-select-tiling: wgmma-schedule=overlap needs wgmma-loads=tma and wgmma-release=barrier, producer or auto
// CONFLICT3: error: fa-select-tiling: wgmma-pingpong=on needs wgmma-loads=tma and wgmma-release=producer or auto
// BADVALUE: for the --wgmma-release option: Cannot find option named 'sometimes'!

// d = 128 causal N = 4k on the H100: a lone block of two consumer
// warpgroups gets the producer kernel, with the overlapped step and turns
// (CostModel.md, "The producer kernel's step"); its consumers share the
// registers the producer gives up (setmaxnreg 240). On the A100 the mma-sync
// pick (128x48, 4 warps) is within 255 registers (D58): the masked steps in
// a second loop (an estimate over 255 gets the branch:
// KernelScheduleTest's MmaSyncBranchesWhereRegistersSpill).
// CHECK-LABEL: func.func @d128
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>
// CPASYNC-LABEL: func.func @d128
// CPASYNC: schedule = #fa.schedule<kernel = wgmma>
// MBAR-LABEL: func.func @d128
// MBAR: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = mbarrier, epilogue = tma_store>
// OVERLAP-LABEL: func.func @d128
// OVERLAP: schedule = #fa.schedule<kernel = wgmma, loads = tma, step = overlap, epilogue = tma_store>
// NOTURNS-LABEL: func.func @d128
// NOTURNS: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, epilogue = tma_store, consumer_regs = 240>
// SERIALTURNS-LABEL: func.func @d128
// SERIALTURNS: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, pingpong = true, epilogue = tma_store, consumer_regs = 240>
// A100-LABEL: func.func @d128
// On the A100 the 128x48x2x4 block takes 82 KB of shared memory, one block an
// SM, where its registers would allow two: min_blocks = 1 (D118).
// A100: schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 1>, tiling = #fa.tiling<block_q = 128, block_kv = 48, stages = 2, warps = 4>
// BRANCH-LABEL: func.func @d128
// BRANCH: schedule = #fa.schedule<kernel = mma_sync, masked_steps = branch, epilogue = staged, min_blocks = 1>
// SPLIT-LABEL: func.func @d128
// SPLIT: schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 1>
// EXPLAIN: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer, step = overlap, pingpong = true, epilogue = tma_store, consumer_regs = 240>: the producer kernel: one more warpgroup issues the loads, 2 consumer warpgroup(s) at 240 registers a thread take turns at the tensor cores
func.func @d128(%q: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>) -> tensor<4x16x4096x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
       outs(%o : tensor<4x16x4096x128xbf16>) {causal} -> tensor<4x16x4096x128xbf16>
  return %r : tensor<4x16x4096x128xbf16>
}

// -----

// d = 64 causal N = 4k: two 128x96 blocks per SM on the H100, the barrier
// kernel (the producer would cost the neighbour block its registers); one
// turn-taking warpgroup pair only with the producer forced. On the A100 the
// register estimate is within the limit: FlashAttention-2's split.
// CHECK-LABEL: func.func @d64
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128, block_kv = 96, stages = 2, warps = 8>
// NOTURNS-LABEL: func.func @d64
// NOTURNS: schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>
// SERIALTURNS-LABEL: func.func @d64
// SERIALTURNS: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, pingpong = true, epilogue = tma_store, consumer_regs = 240>
// A100-LABEL: func.func @d64
// A100: schedule = #fa.schedule<kernel = mma_sync, epilogue = staged>
// BRANCH-LABEL: func.func @d64
// BRANCH: schedule = #fa.schedule<kernel = mma_sync, masked_steps = branch, epilogue = staged>
// EXPLAIN: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>: the barrier kernel (2 block(s) per SM)
func.func @d64(%q: tensor<4x32x4096x64xbf16>, %o: tensor<4x32x4096x64xbf16>) -> tensor<4x32x4096x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>, tensor<4x32x4096x64xbf16>)
       outs(%o : tensor<4x32x4096x64xbf16>) {causal} -> tensor<4x32x4096x64xbf16>
  return %r : tensor<4x32x4096x64xbf16>
}

// -----

// A value head dim larger than the head dim: O's rows do not fit Q's, so
// the epilogue stores directly.
// CHECK-LABEL: func.func @wide_values
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma{{.*}}>
// CHECK-NOT: tma_store
// A100-LABEL: func.func @wide_values
// A100: schedule = #fa.schedule<kernel = mma_sync{{[,>]}}
// A100-NOT: staged
func.func @wide_values(%q: tensor<1x2x1024x64xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  %r = fa.attention ins(%q, %q, %v : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x128xbf16>)
       outs(%o : tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

