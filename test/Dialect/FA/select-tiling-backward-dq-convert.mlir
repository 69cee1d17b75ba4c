// Where the wgmma backward converts the f32 dQ accumulator (D120,
// docs/Backward.md "The fused dQ conversion"): fa-select-tiling decides it
// once and records it in #fa.backward_schedule. By default (and with
// backward-dq-convert=auto, until the fused conversion passes its GPU check)
// a convert kernel runs after the main one (dq_convert = kernel, not
// printed); backward-dq-convert=fused asks for the main kernel's last
// block at each q-block to convert it (other kernels: kernel); a written
// schedule is kept where the option agrees.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=auto" \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// An explicit backward-dq-convert=kernel against the written dq_convert =
// fused is an error naming both (D113's rule for the options):
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=kernel" \
// RUN:   2>&1 | FileCheck %s --check-prefix=CONFLICT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=fused explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefixes=FUSED,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-dq-convert=fused" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-dq-convert=fused stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=PIPE
// The options asked for beside backward-dq-convert=fused that it does not
// build are errors:
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=fused backward-persistent=on" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=PERSISTENT
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-dq-convert=fused backward-gqa=split" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=SPLIT
// PERSISTENT: error: 'fa.attention_grad' op fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not persistent
// SPLIT: error: 'fa.attention_grad' op fa-select-tiling: backward-dq-convert=fused: the fused dQ conversion is not built with the split group

// AUTO-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// FUSED: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused, dq_reduce = warpgroup>: dq=atomic: {{.*}}; dq_convert=fused: the last block to add to a q-block converts its dQ rows (no convert kernel)
// FUSED-LABEL: func.func @grad
// FUSED: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused, dq_reduce = warpgroup>,
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
// PIPE-LABEL: func.func @grad
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused, dq_reduce = warpgroup>
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

// GQA's loop (4 query heads over 1 K/V head) counts its group's kv-blocks.
// FUSED-LABEL: func.func @grad_gqa
// FUSED: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused, dq_reduce = warpgroup>,
func.func @grad_gqa(%q: tensor<1x4x1000x64xbf16>, %kv: tensor<1x1x777x64xbf16>, %lse: tensor<1x4x1000xf32>)
    -> (tensor<1x4x1000x64xbf16>, tensor<1x1x777x64xbf16>, tensor<1x1x777x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1000x64xbf16>, tensor<1x1x777x64xbf16>,
          tensor<1x1x777x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1000x64xbf16>, tensor<1x1x777x64xbf16>, tensor<1x1x777x64xbf16>)
      {causal}
      -> tensor<1x4x1000x64xbf16>, tensor<1x1x777x64xbf16>, tensor<1x1x777x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x1x777x64xbf16>, tensor<1x1x777x64xbf16>
}

// A written schedule is kept (and its tiling chosen) where the option agrees.
// CONFLICT: has dq_convert = fused, but fa-select-tiling was asked for backward-dq-convert=kernel
// ALL-LABEL: func.func @grad_written
// ALL: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>
// ALL-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}
