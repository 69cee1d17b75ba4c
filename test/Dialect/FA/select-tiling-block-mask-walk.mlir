// The forward's walk under a runtime block mask (D100, docs/BlockSparse.md
// "The forward's compacted walk"): fa-select-tiling decides it once and
// records it in #fa.schedule. By default (and with block-mask-walk=auto:
// the compacted walk passed its GPU check, kForwardCompactedWalkGpuChecked,
// D103) the kernels walk the list where a tiling fits with it;
// block-mask-walk=dense keeps every kv-block a step (walk = dense, not
// printed); block-mask-walk=compacted asks for the list, which the model prices in
// shared memory (ceil(Nk / block_kv) i32 entries and 3 counts, rounded up
// to the 1 KiB swizzle atom; mma-sync: to 128 bytes), for the ops it
// concerns: the tensor-core kernels with a block mask (others walk dense).
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=DEFAULT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto block-mask-walk=auto" \
// RUN:   | FileCheck %s --check-prefix=DEFAULT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=dense" \
// RUN:   | FileCheck %s --check-prefix=DENSE
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=compacted explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=COMPACT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma block-mask-walk=dense explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=DENSEWALK
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=auto block-mask-walk=compacted" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync block-mask-walk=compacted" \
// RUN:   | FileCheck %s --check-prefix=MMA
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=simt block-mask-walk=compacted" \
// RUN:   | FileCheck %s --check-prefix=SIMT

// DEFAULT-LABEL: func.func @random_blocks(
// DEFAULT: schedule = #fa.schedule<kernel = wgmma, loads = tma,{{.*}}walk = compacted>
// DEFAULT-SAME: tiling =
// DENSE-LABEL: func.func @random_blocks(
// DENSE: schedule = #fa.schedule<kernel = wgmma, loads = tma,
// DENSE-NOT: walk
// DENSE-SAME: tiling =
// The list of N = 8192 / 128 = 64 kv-blocks and its counts: 268 bytes,
// 1 KiB after rounding, on top of the dense layout's shared memory.
// COMPACT: remark: fa-select-tiling (model): 128x128, 2 stages, 8 warps wins
// COMPACT: note: #1 128x128, 2 stages, 8 warps: {{.*}}, SRAM 165936 B,
// COMPACT: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma, loads = tma, release = producer, epilogue = tma_store, consumer_regs = 240, walk = compacted>: the producer kernel{{.*}}; walk=compacted: warp 0 lists the live kv-blocks of the q-block's 64 in shared memory at the block's start (2 round(s) of 32, about 700 clocks each), the loads and steps walk the list (1024 B of shared memory)
// The dense walk of the same op: the shared memory without the list.
// DENSEWALK: note: #1 128x128, 2 stages, 8 warps: {{.*}}, SRAM 164912 B,
// DENSEWALK: remark: fa-select-tiling: schedule #fa.schedule<{{.*}}>: the producer kernel{{.*}}; walk=dense: every kv-block a step, a dead one predicated off
// COMPACT-LABEL: func.func @random_blocks(
// COMPACT: schedule = #fa.schedule<{{.*}}walk = compacted>
// AUTO-LABEL: func.func @random_blocks(
// AUTO: schedule = #fa.schedule<kernel = wgmma, {{.*}}walk = compacted>
// The mma.sync kernel walks its list too.
// MMA-LABEL: func.func @random_blocks(
// MMA: schedule = #fa.schedule<kernel = mma_sync{{.*}}, walk = compacted>
// The SIMT kernel has no list: dense.
// SIMT-LABEL: func.func @random_blocks(
// SIMT: schedule = #fa.schedule<kernel = simt>
func.func @random_blocks(%q: tensor<1x16x8192x128xbf16>, %bm: tensor<1x1x64x64xi8>,
    %o: tensor<1x16x8192x128xbf16>) -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       block_mask(%bm : tensor<1x1x64x64xi8>) outs(%o : tensor<1x16x8192x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
       -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}

// Without a block mask there is nothing to compact: the option leaves the
// schedule dense.
// COMPACT-LABEL: func.func @no_block_mask
// COMPACT: schedule = #fa.schedule<kernel = wgmma
// COMPACT-NOT: walk
// COMPACT-SAME: tiling =
// AUTO-LABEL: func.func @no_block_mask
// AUTO: schedule = #fa.schedule<kernel = wgmma
// AUTO-NOT: walk
// AUTO-SAME: tiling =
func.func @no_block_mask(%q: tensor<1x16x8192x128xbf16>,
    %o: tensor<1x16x8192x128xbf16>) -> tensor<1x16x8192x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>, tensor<1x16x8192x128xbf16>)
       outs(%o : tensor<1x16x8192x128xbf16>) -> tensor<1x16x8192x128xbf16>
  return %r : tensor<1x16x8192x128xbf16>
}
