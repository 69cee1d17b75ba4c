// Whether the wgmma backward's main kernel is persistent (D114,
// docs/Backward.md "The persistent kernel"): fa-select-tiling decides it
// once and records it in #fa.backward_schedule. By default (and with
// backward-persistent=auto: it passed its GPU check but measured no
// faster, D114) the grid has a block per tile (persistent = off, not printed);
// backward-persistent=on asks for it where the op can take it (other
// kernels: off), with either epilogue and the wide q-block; a written
// schedule is kept where the option agrees.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// The option's help says why auto is off (D121: it said "until the
// persistent kernel passes its GPU check", which it had).
// RUN: fa-opt --help | FileCheck %s --check-prefix=HELP
// HELP: --backward-persistent=<value>
// HELP-SAME: (auto: off, the persistent kernel measured no faster, D114)
// HELP-NEXT: =auto - off: the persistent kernel passed its GPU check but measured no faster (D114, kBackwardPersistentAdopted)
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-persistent=auto" \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// An explicit backward-persistent=off against the written persistent = on
// is an error naming both (D113's rule for the options):
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-persistent=off" \
// RUN:   2>&1 | FileCheck %s --check-prefix=CONFLICT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-persistent=on explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefixes=ON,ALL
// The wide q-block's direct epilogue (auto's TMA store there since D130)
// asked for beside it:
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-persistent=on backward-epilogue=direct" \
// RUN:   | FileCheck %s --check-prefixes=DIRECT,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-persistent=on" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-persistent=on stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=PIPE

// AUTO-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// AUTO-SAME: block_q = 64, block_kv = 128, stages = 2
// ON: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on, dq_reduce = warpgroup>: dq=atomic: {{.*}}; epilogue=tma_store: dK and dV leave through shared memory and TMA; persistent=on: one block per SM walks the tiles
// ON-LABEL: func.func @grad
// ON: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on, dq_reduce = warpgroup>,
// ON-SAME: block_q = 64, block_kv = 128, stages = 2
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
// PIPE-LABEL: func.func @grad
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on, dq_reduce = warpgroup>
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

// D = 64: the wide q-block (D108) takes it too, with the TMA-store epilogue
// (auto's pick there since D130) and with the direct one asked for.
// AUTO-LABEL: func.func @grad_wide
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>,
// AUTO-SAME: block_q = 128, block_kv = 128, stages = 2
// ON-LABEL: func.func @grad_wide
// ON: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on>,
// ON-SAME: block_q = 128, block_kv = 128, stages = 2
// PIPE-LABEL: func.func @grad_wide
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on>,
// PIPE-SAME: block_q = 128, block_kv = 128, stages = 2
// DIRECT-LABEL: func.func @grad_wide
// DIRECT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>,
// DIRECT-SAME: block_q = 128, block_kv = 128, stages = 2
func.func @grad_wide(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>,
          tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// A written schedule is kept (and its tiling chosen) where the option agrees.
// CONFLICT: has persistent = on, but fa-select-tiling was asked for backward-persistent=off
// ALL-LABEL: func.func @grad_written
// ALL: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>
// ALL-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
