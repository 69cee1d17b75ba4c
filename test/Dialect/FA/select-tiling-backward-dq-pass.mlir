// Where the wgmma ring's ordered dQ passes a step's turn (D115,
// docs/Backward.md "Deterministic dQ"): fa-select-tiling decides it once
// and records it in #fa.backward_schedule. By default (and with
// dq-pass=auto, until kDqPassAfterScoresGpuChecked) at the next step's
// start (dq_pass = step_start, not printed); dq-pass=after-scores passes
// it once the next step's score products are issued, on the ring's ordered
// dQ at D = 128 (block_q 64) and at D = 64 (the wide q-block); atomic dQ
// and other kernels have no turns (step_start). A written schedule is kept
// where the option agrees (select-tiling-dq-pass-conflict.mlir).
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic dq-pass=auto" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic dq-pass=step-start" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma deterministic dq-pass=after-scores explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=LATE
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma dq-pass=after-scores" \
// RUN:   | FileCheck %s --check-prefix=ATOMIC
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync deterministic dq-pass=after-scores" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected; @grad is
// not deterministic there, @grad_d64 is):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma dq-pass=after-scores stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=PIPE

// AUTO-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>,
// AUTO-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// LATE: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores, dq_reduce = warpgroup>: dq=ordered: {{.*}}; dq_pass=after_scores: a step's turn passes once the next step's score products are issued
// LATE-LABEL: func.func @grad
// LATE: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores, dq_reduce = warpgroup>,
// LATE-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// ATOMIC-LABEL: func.func @grad
// ATOMIC: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>,
// PIPE-LABEL: func.func @grad
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
func.func @grad(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {causal}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// D = 64: the wide q-block (D112's deterministic pick) takes it too, with
// the TMA-store epilogue auto takes there since D130.
// ATOMIC-LABEL: func.func @grad_d64
// ATOMIC: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores>,
// AUTO-LABEL: func.func @grad_d64
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>,
// AUTO-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// LATE-LABEL: func.func @grad_d64
// LATE: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores>,
// LATE-SAME: tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>
// PIPE-LABEL: func.func @grad_d64
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores>,
func.func @grad_d64(%q: tensor<1x32x4096x64xbf16>, %lse: tensor<1x32x4096xf32>)
    -> (tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>,
          tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096xf32>)
      outs(%q, %q, %q : tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>)
      {deterministic}
      -> tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>, tensor<1x32x4096x64xbf16>
}
