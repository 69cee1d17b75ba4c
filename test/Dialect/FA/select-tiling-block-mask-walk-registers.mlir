// The mma.sync forward's compacted walk counts its registers (D113): its
// budget keeps kMmaSyncWalkHeadroom (22) of the 255 for the walk and has no
// spill tolerance (ptxas spills the walk's kernels that the dense walk
// assembles at its cap: D = 128's 128x64 on sm_80, estimate 259, 8 B
// dense at N = 1024 against 12-68 B with the walk, keep-masks included). A written
// schedule or tiling over that budget is an error naming the walk; the
// dense walk keeps the tiling (a priced spill), and kernel=auto's `auto`
// walk falls back to it.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 \
// RUN:   "--fa-select-tiling=kernel=mma-sync block-mask-walk=compacted" -verify-diagnostics
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=auto \
// RUN:   2>/dev/null | FileCheck %s --check-prefix=AUTO

func.func @negative_written_schedule(%q: tensor<1x2x1024x128xbf16>, %bm: tensor<1x2x8x16xi8>,
    %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  // expected-error @+1 {{tiling #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4> does not fit the target (sm_80): 259 registers per thread exceed 233 with the compacted walk (it keeps 22 of the 255 for the walk: ptxas spills its kernels from there) (kernel=mma-sync); the compacted walk's registers take it over (the tiling fits the dense walk)}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       block_mask(%bm : tensor<1x2x8x16xi8>) outs(%o : tensor<1x2x1024x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 64>,
        schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, walk = compacted>,
        tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

// The same tiling written without a schedule, the walk asked for by the
// option (kernel=auto with `auto` walks it dense: AUTO below).
// AUTO-LABEL: func.func @negative_written_tiling
// AUTO: schedule = #fa.schedule<kernel = mma_sync, masked_steps = branch, epilogue = staged, min_blocks = 1>
// AUTO-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>
func.func @negative_written_tiling(%q: tensor<1x2x1024x128xbf16>, %bm: tensor<1x2x8x16xi8>,
    %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  // expected-error @+1 {{259 registers per thread exceed 233 with the compacted walk}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       block_mask(%bm : tensor<1x2x8x16xi8>) outs(%o : tensor<1x2x1024x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 64>,
        tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}

// -----

// 128x32 estimates 209, within the walk's 233: kept, walking compacted.
// AUTO-LABEL: func.func @written_within
// AUTO: walk = compacted
// AUTO-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>
func.func @written_within(%q: tensor<1x2x1024x128xbf16>, %bm: tensor<1x2x8x32xi8>,
    %o: tensor<1x2x1024x128xbf16>) -> tensor<1x2x1024x128xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
       block_mask(%bm : tensor<1x2x8x32xi8>) outs(%o : tensor<1x2x1024x128xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 32>,
        tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 2, warps = 4>} -> tensor<1x2x1024x128xbf16>
  return %r : tensor<1x2x1024x128xbf16>
}
