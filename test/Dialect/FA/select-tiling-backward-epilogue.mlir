// How the wgmma backward stores dK and dV (D107, docs/Backward.md "The
// TMA-store epilogue"): fa-select-tiling decides it once and records it in
// #fa.backward_schedule. By default (and with backward-epilogue=auto, since
// the TMA-store epilogue passed its GPU check, D108) the wgmma ring stores
// dK and dV through shared memory and TMA (epilogue = tma_store);
// backward-epilogue=direct keeps the direct stores (not printed);
// backward-epilogue=tma-store asks for it where the op can take it (other kernels
// store directly), ordered dQ and dK in flight included; a written
// schedule is kept.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=auto" \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=direct" \
// RUN:   | FileCheck %s --check-prefix=DIRECT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=TMA
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-epilogue=tma-store" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-epilogue=tma-store stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=PIPE

// AUTO-LABEL: func.func @grad
// DIRECT-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>,
// AUTO-SAME: stages = 2
// DIRECT-SAME: stages = 2
// TMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>: dq=atomic: {{.*}}; epilogue=tma_store: dK and dV leave through shared memory and TMA
// TMA-LABEL: func.func @grad
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// TMA-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
// PIPE-LABEL: func.func @grad
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
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

// Ordered dQ (deterministic) and D = 80 take it too.
// AUTO-LABEL: func.func @grad_deterministic
// DIRECT-LABEL: func.func @grad_deterministic
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>,
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
// TMA-LABEL: func.func @grad_deterministic
// TMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>
// TMA-SAME: stages = 2
func.func @grad_deterministic(%q: tensor<1x4x1024x80xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>,
          tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>)
      {deterministic}
      -> tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>, tensor<1x4x1024x80xbf16>
}
