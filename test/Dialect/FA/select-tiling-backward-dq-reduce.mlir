// How the wgmma backward's TMA ring issues dQ's tensor reductions (D127,
// docs/Backward.md "The TMA ring"): fa-select-tiling decides it once and
// records it in #fa.backward_schedule. By default (backward-dq-reduce=auto)
// one thread a warpgroup adds its boxes of 64 rows where that was measured
// faster, block_q 64 on the kv-row split (D = 128: dq_reduce = warpgroup),
// and elsewhere each warp adds its own boxes of 16 rows (dq_reduce = warp,
// not printed: D = 64's wide q-block, the column split at D = 192);
// backward-dq-reduce=warpgroup asks for one thread a warpgroup
// to add its boxes of 64 rows (other kernels: warp), with ordered dQ and
// the column split (D = 192) too; a written schedule is kept where the
// option agrees.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-reduce=warpgroup" \
// RUN:   | FileCheck %s --check-prefixes=WG,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-dq-reduce=warpgroup" \
// RUN:   | FileCheck %s --check-prefix=MMA
// An explicit backward-dq-reduce=warp against the written dq_reduce =
// warpgroup is an error naming both (D113's rule for the options):
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-reduce=warp" \
// RUN:   2>&1 | FileCheck %s --check-prefix=CONFLICT
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-dq-reduce=warpgroup stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=WG

// AUTO-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// WG-LABEL: func.func @grad
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
func.func @grad(%q: tensor<2x8x1024x128xbf16>, %lse: tensor<2x8x1024xf32>)
    -> (tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>,
          tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024xf32>)
      outs(%q, %q, %q : tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>)
      {causal}
      -> tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
}

// Ordered dQ (a deterministic op) at D = 64 (block_q 128, with the TMA-store
// epilogue auto takes there since D130).
// AUTO-LABEL: func.func @grad_ordered
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128,
// WG-LABEL: func.func @grad_ordered
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>,
// WG-SAME: block_q = 128
func.func @grad_ordered(%q: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>)
    -> (tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>,
          tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
      outs(%q, %q, %q : tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>)
      {causal, deterministic}
      -> tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>
}

// The column split (D = 192, Dv = 128): a warp's 96 columns, three boxes.
// AUTO-LABEL: func.func @grad_columns
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64,
// WG-LABEL: func.func @grad_columns
// WG: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic{{.*}}dq_reduce = warpgroup>,
func.func @grad_columns(%q: tensor<1x4x1024x192xbf16>, %v: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x192xbf16>, tensor<1x4x1024x192xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %v, %v, %v, %lse : tensor<1x4x1024x192xbf16>, tensor<1x4x1024x192xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %v : tensor<1x4x1024x192xbf16>, tensor<1x4x1024x192xbf16>, tensor<1x4x1024x128xbf16>)
      -> tensor<1x4x1024x192xbf16>, tensor<1x4x1024x192xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x192xbf16>, tensor<1x4x1024x192xbf16>, tensor<1x4x1024x128xbf16>
}

// A written schedule is kept (and its tiling chosen) where the option agrees.
// CONFLICT: has dq_reduce = warpgroup, but fa-select-tiling was asked for backward-dq-reduce=warp
// ALL-LABEL: func.func @grad_written
// ALL: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>
// ALL-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}
