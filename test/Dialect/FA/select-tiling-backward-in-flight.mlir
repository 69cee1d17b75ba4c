// The wgmma backward's products left in flight across a step of its TMA
// ring (D101, docs/Backward.md "dK in flight"): fa-select-tiling decides it
// once and records it in #fa.backward_schedule. By default (and with
// backward-in-flight=auto, until dK in flight passes its GPU check) every
// product is waited for within its step (in_flight = none, not printed),
// so the schedules of existing kernels are unchanged;
// backward-in-flight=dk asks for dK's product in flight where the op can
// take it (the wgmma kernel's ring; other kernels wait as before), ordered
// dQ included; a written schedule is kept.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefix=DEFAULT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-in-flight=auto" \
// RUN:   | FileCheck %s --check-prefix=DEFAULT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-in-flight=dk explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=DK
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-in-flight=dk" \
// RUN:   | FileCheck %s --check-prefix=MMA

// DEFAULT-LABEL: func.func @grad
// DEFAULT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// DEFAULT-SAME: stages = 2
// DK: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>: dq=atomic: {{.*}}; in_flight=dk: dK's product completes under the next step's top
// DK-LABEL: func.func @grad
// DK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk, epilogue = tma_store, dq_reduce = warpgroup>
// DK-SAME: tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
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

// Ordered dQ (deterministic) takes it too.
// DEFAULT-LABEL: func.func @grad_deterministic
// DEFAULT: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>,
// DK-LABEL: func.func @grad_deterministic
// DK: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, in_flight = dk, epilogue = tma_store, dq_reduce = warpgroup>
// DK-SAME: stages = 2
func.func @grad_deterministic(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// A written schedule is kept (and its tiling chosen), whatever the option.
// DEFAULT-LABEL: func.func @grad_written
// DEFAULT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>
// DEFAULT-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
