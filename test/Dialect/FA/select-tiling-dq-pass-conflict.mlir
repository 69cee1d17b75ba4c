// An op's schedule against a later fa-select-tiling's dq-pass (D113's rule
// for the options D115 added): an explicit dq-pass that would decide the
// schedule's dq_pass otherwise is an error naming both; one that agrees, or
// auto, keeps the schedule.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma dq-pass=step-start" -verify-diagnostics
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma dq-pass=after-scores" 2>&1 | FileCheck %s --check-prefix=AGREES
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma" 2>&1 | FileCheck %s --check-prefix=AGREES

// AGREES: schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>
// AGREES-SAME: stages = 2
func.func @negative_written_dq_pass(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{has dq_pass = after_scores, but fa-select-tiling was asked for dq-pass=step-start}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
