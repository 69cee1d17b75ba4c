// REQUIRES: ptxas
// The mma.sync backward's register estimate (kMmaSyncBackwardRegisters,
// docs/CostModel.md "The backward pass", docs/decisions.md D53) agrees with
// ptxas on both sides of its limit, at D = 128 on sm_90a (h200), bf16:
// block_q 32 x block_kv 128 (8 warps) is kept and its main kernel
// assembles without spills; block_q 64 is refused (estimate over 255), by
// convert-fa-to-nvgpu too (D113), and built anyway (allow-spilling-tilings)
// its main kernel spills. bench/experiments/backward_register_vs_ptxas.py
// runs the whole sweep.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-set-target=target=h200 --fa-select-tiling=explain -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEEP
// RUN: fa-compile %s -o %t/keep --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=CLEAN < %t/keep.ptxas.log
// RUN: sed 's/block_q = 32,/block_q = 64,/' %s > %t/big.mlir
// RUN: not fa-opt %t/big.mlir --fa-set-target=target=h200 --fa-select-tiling -o /dev/null 2>&1 | FileCheck %s --check-prefix=REFUSED
// RUN: not fa-opt %t/big.mlir --fa-set-target=target=h200 --convert-fa-to-nvgpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=REFUSED-CONVERT
// RUN: fa-opt %t/big.mlir --fa-set-target=target=h200 --convert-fa-to-nvgpu=allow-spilling-tilings -o %t/big-gpu.mlir
// RUN: fa-compile %t/big-gpu.mlir -o %t/big --pipeline-options="target=h200"
// RUN: FileCheck %s --check-prefix=SPILLS < %t/big.ptxas.log

// KEEP: keeps the given tiling #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8> ({{.*}}, 250 registers/thread,
// CLEAN: Function properties for g_kernel_0
// CLEAN-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// REFUSED: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8> does not fit the target (sm_90a): 352 registers per thread exceed 255 (the mma-sync backward's ptxas fit
// REFUSED-CONVERT: error: 'fa.attention_grad' op cannot use the mma_sync backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: 352 registers per thread exceed 255 (the mma-sync backward's ptxas fit
// SPILLS: Function properties for g_kernel_0
// SPILLS-NEXT: bytes stack frame, {{[1-9][0-9]*}} bytes spill stores

func.func @g(%q: memref<1x16x4096x128xbf16>, %k: memref<1x16x4096x128xbf16>, %v: memref<1x16x4096x128xbf16>, %o: memref<1x16x4096x128xbf16>, %do: memref<1x16x4096x128xbf16>, %lse: memref<1x16x4096xf32>, %dq: memref<1x16x4096x128xbf16>, %dk: memref<1x16x4096x128xbf16>, %dv: memref<1x16x4096x128xbf16>) {
  fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>, memref<1x16x4096xf32>)
      outs(%dq, %dk, %dv : memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>, memref<1x16x4096x128xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
  return
}
