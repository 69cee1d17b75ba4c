// The producer kernel's setmaxnreg budget: the block starts with
// R = 65536 / threads registers a thread, rounded down to 8 (what
// fa-set-kernel-max-registers writes as .maxnreg), the producer warpgroup
// drops to 24 and the consumer warpgroups may only take what that frees:
// consumers * 128 * C + 128 * 24 <= threads * R, C a multiple of 8 up to
// 256. A larger C never returns from setmaxnreg.inc (the block's pool
// cannot grant it): the kernel hangs.
//
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-fa-to-nvgpu -verify-diagnostics | FileCheck %s
//
// fa-select-tiling decides C (producerConsumerRegisters); these schedules
// write its values by hand, and convert-fa-to-nvgpu checks the bound above
// before it builds anything (negative_over_budget).

// Two consumer warpgroups, 384 threads: R = 168, C = (64512 - 3072) / 256 = 240.
// CHECK-LABEL: func.func @two_groups
// CHECK:         threads({{.*}}) in (%{{.*}} = %c384,
// CHECK:         nvvm.setmaxregister increase 240
// CHECK:         nvvm.setmaxregister decrease 24
func.func @two_groups(%q: tensor<1x2x512x64xbf16>, %o: tensor<1x2x512x64xbf16>) -> tensor<1x2x512x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>)
       outs(%o : tensor<1x2x512x64xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, consumer_regs = 240>, tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x2x512x64xbf16>
  return %r : tensor<1x2x512x64xbf16>
}

// -----

// Three, 512 threads: R = 128, C = (65536 - 3072) / 384 = 162 -> 160.
// CHECK-LABEL: func.func @three_groups
// CHECK:         threads({{.*}}) in (%{{.*}} = %c512,
// CHECK:         nvvm.setmaxregister increase 160
func.func @three_groups(%q: tensor<1x2x576x64xbf16>, %o: tensor<1x2x576x64xbf16>) -> tensor<1x2x576x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>, tensor<1x2x576x64xbf16>)
       outs(%o : tensor<1x2x576x64xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, consumer_regs = 160>, tiling = #fa.tiling<block_q = 192, block_kv = 64, stages = 2, warps = 12>} -> tensor<1x2x576x64xbf16>
  return %r : tensor<1x2x576x64xbf16>
}

// -----

// Four, 640 threads: R = 96, C = (61440 - 3072) / 512 = 114 -> 112 (not
// the register file's (65536 - 3072) / 512 -> 120, which the block does
// not hold).
// CHECK-LABEL: func.func @four_groups
// CHECK:         threads({{.*}}) in (%{{.*}} = %c640,
// CHECK:         nvvm.setmaxregister increase 112
func.func @four_groups(%q: tensor<1x2x512x64xbf16>, %o: tensor<1x2x512x64xbf16>) -> tensor<1x2x512x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16>)
       outs(%o : tensor<1x2x512x64xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, consumer_regs = 112>, tiling = #fa.tiling<block_q = 256, block_kv = 64, stages = 2, warps = 16>} -> tensor<1x2x512x64xbf16>
  return %r : tensor<1x2x512x64xbf16>
}

// -----

// More than the pool can grant (two groups: 240 at most) would hang in
// setmaxnreg.inc: an error, never a kernel.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_over_budget(%q: memref<1x2x512x64xbf16>, %o: memref<1x2x512x64xbf16>) {
    // expected-error @below {{consumer_regs = 248 is not a setmaxnreg count}}
    fa.attention ins(%q, %q, %q : memref<1x2x512x64xbf16>, memref<1x2x512x64xbf16>, memref<1x2x512x64xbf16>)
         outs(%o : memref<1x2x512x64xbf16>)
         {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, consumer_regs = 248>, tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}
