// Schedules written by hand: kept whatever the options say, and checked
// against the op, its tiling and the target by the one legality function
// (scheduleUnsupportedReason) that convert-fa-to-nvgpu also calls.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=auto -verify-diagnostics | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto wgmma-loads=cp-async" -verify-diagnostics | FileCheck %s --check-prefix=CPASYNC
// RUN: fa-opt %s -split-input-file --verify-roundtrip > /dev/null

// CHECK-LABEL: func.func @given_schedule
// CHECK: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = mbarrier>
// CPASYNC-LABEL: func.func @given_schedule
// CPASYNC: schedule = #fa.schedule<kernel = wgmma, loads = tma, release = mbarrier>
func.func @given_schedule(%q: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       outs(%o : tensor<1x2x1024x128xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = mbarrier>,
        tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

// One consumer warpgroup has nobody to take turns with.
func.func @negative_pingpong_one_warpgroup(%q: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  // expected-error @below {{schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer, pingpong = true, consumer_regs = 240> cannot be built: pingpong needs the producer and two or more consumer warpgroups}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       outs(%o : tensor<1x2x1024x128xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, pingpong = true, consumer_regs = 240>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

func.func @negative_producer_registers(%q: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  // expected-error @below {{consumer_regs = 250 is not a setmaxnreg count (a multiple of 8) from 24 to 240, what the block's registers grant 2 consumer warpgroup(s)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       outs(%o : tensor<1x2x1024x128xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, release = producer, consumer_regs = 250>,
        tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 8>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

func.func @negative_tma_store_wide_values(%q: tensor<1x2x1024x64xbf16>, %v: tensor<1x2x1024x128xbf16>, %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  // expected-error @below {{epilogue = tma_store needs TMA loads and a value head dim up to the head dim}}
  %r = fa.attention ins(%q, %q, %v : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x128xbf16>)
       outs(%o : tensor<1x2x1024x128xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

func.func @negative_mma_sync_tma(%q: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>) -> tensor<1x2x1024x64xbf16> {
  // expected-error @below {{TMA loads need the wgmma kernel}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
       outs(%o : tensor<1x2x1024x64xbf16>)
       {schedule = #fa.schedule<kernel = mma_sync, loads = tma>} -> tensor<1x2x1024x64xbf16>
  return %r : tensor<1x2x1024x64xbf16>
}

// -----

func.func @negative_simt_fields(%q: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>) -> tensor<1x2x1024x64xbf16> {
  // expected-error @below {{masked_steps = branch needs the mma-sync kernel}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
       outs(%o : tensor<1x2x1024x64xbf16>)
       {schedule = #fa.schedule<kernel = simt, masked_steps = branch>} -> tensor<1x2x1024x64xbf16>
  return %r : tensor<1x2x1024x64xbf16>
}

// -----

// A written min_blocks (D118) over what shared memory holds: ptxas would
// squeeze the registers for blocks that never run.
func.func @negative_min_blocks(%q: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>) -> tensor<1x2x1024x64xbf16> {
  // expected-error @below {{min_blocks = 16 asks for more blocks an SM than it runs: 4 (233472 B of shared memory, 46080 B and 1024 B reserved a block)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
       outs(%o : tensor<1x2x1024x64xbf16>)
       {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 16>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x1024x64xbf16>
  return %r : tensor<1x2x1024x64xbf16>
}
