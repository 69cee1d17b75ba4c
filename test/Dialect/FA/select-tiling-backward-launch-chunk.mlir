// The wgmma backward's launch order (D131/D133, docs/Backward.md "The
// launch order"): fa-select-tiling decides the chunk of (batch, head)
// pairs its grid launches longest first, and records it in
// #fa.backward_schedule as launch_chunk (1, today's order, is not
// printed). By default (backward-launch-chunk=0, auto) the chunk is 1
// until the compiler's kernels have passed the order's GPU check
// (kLaunchChunkGpuChecked; the unit test LaunchChunkRule covers the rule
// itself), so the Llama-style GQA shape keeps the split group.
// backward-launch-chunk=4 asks for chunks of 4 on the wgmma kernel (other
// kernels: 1); the model prices the loop in chunks of 4 ahead of the split
// at the Llama-style shape (the loop's causal tail goes), so the loop is
// taken; an MHA grid takes the chunk too.
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4" \
// RUN:   | FileCheck %s --check-prefix=FOUR
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4 explain" \
// RUN:   2>&1 >/dev/null | FileCheck %s --check-prefix=EXPLAIN
// RUN: fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-launch-chunk=4" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s --split-input-file "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-launch-chunk=4 stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=FOUR
// Refusals: a chunk out of range; over 1 with ordered dQ (a deterministic
// request) or beside the persistent kernel asked for:
// RUN: not fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=-1" \
// RUN:   2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4294967297" \
// RUN:   2>&1 | FileCheck %s --check-prefix=TOOBIG
// RUN: not fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4 deterministic" \
// RUN:   2>&1 | FileCheck %s --check-prefix=ORDERED
// RUN: not fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=4 backward-persistent=on" \
// RUN:   2>&1 | FileCheck %s --check-prefix=PERSISTENT
// RANGE: fa-select-tiling: backward-launch-chunk must be 0 (auto) or from 1 to 4294967296, got -1
// TOOBIG: fa-select-tiling: backward-launch-chunk must be 0 (auto) or from 1 to 4294967296, got 4294967297
// ORDERED: fa-select-tiling: backward-launch-chunk=4 needs atomic dQ: ordered dQ launches the kv-blocks last first for its turns
// PERSISTENT: fa-select-tiling: backward-launch-chunk=4 is not built with backward-persistent=on (the persistent kernel walks its own tiles)
// A written schedule is kept where the option agrees; another chunk asked
// for is an error naming both (D113's rule for the options):
// RUN: not fa-opt %s --split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-launch-chunk=2" \
// RUN:   2>&1 | FileCheck %s --check-prefix=CONFLICT
// CONFLICT: has launch_chunk = 4, but fa-select-tiling was asked for backward-launch-chunk=2

// The Llama-style training shape (B 2, Hq 32 / Hkv 8, N 4096, D 64,
// causal).
// AUTO-LABEL: func.func @llama
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>,
// FOUR-LABEL: func.func @llama
// FOUR: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, launch_chunk = 4>,
// MMA-LABEL: func.func @llama
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
func.func @llama(%q: tensor<2x32x4096x64xbf16>, %kv: tensor<2x8x4096x64xbf16>, %lse: tensor<2x32x4096xf32>)
    -> (tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>,
          tensor<2x8x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096xf32>)
      outs(%q, %kv, %kv : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>)
      {causal}
      -> tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
}

// -----

// An MHA causal grid (D = 128, N = 4k).
// AUTO-LABEL: func.func @mha
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// FOUR-LABEL: func.func @mha
// EXPLAIN: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup, launch_chunk = 4>: {{.*}}; launch_chunk=4: the grid launches 4 (batch, head) pairs' kv-block 0 first, then their kv-block 1, ... (the longest blocks first)
// FOUR: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup, launch_chunk = 4>,
func.func @mha(%q: tensor<4x16x4096x128xbf16>, %lse: tensor<4x16x4096xf32>)
    -> (tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>,
          tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>)
      outs(%q, %q, %q : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
      {causal}
      -> tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
}

// -----

// A written chunk is kept (and its tiling chosen) where the option agrees.
// AUTO-LABEL: func.func @written
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 4>
// AUTO-SAME: stages = 2
func.func @written(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 4>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}
