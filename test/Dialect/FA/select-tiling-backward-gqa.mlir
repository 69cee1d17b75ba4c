// How the wgmma backward covers a GQA group (D119, docs/Backward.md "The
// split group"): fa-select-tiling decides it once and records it in
// #fa.backward_schedule. By default (backward-gqa=auto, D122) the model
// prices both covers, their blocks handed to the SMs in launch order, and
// takes the split group (a block per query head) where it predicts it at
// least 5% faster than the loop (a block per K/V head looping over the
// group's query heads: gqa = loop, not printed); backward-gqa=split asks
// for it where the op can take it (other kernels and MHA: loop), the
// TMA-store epilogue giving way to the bulk reductions; a written schedule
// is kept where the option agrees.
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-gqa=auto" \
// RUN:   | FileCheck %s --check-prefixes=AUTO,ALL
// An explicit backward-gqa=loop against the written gqa = split is an
// error naming both (D113's rule for the options):
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-gqa=loop" \
// RUN:   2>&1 | FileCheck %s --check-prefix=CONFLICT
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-gqa=split explain" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefixes=SPLIT,ALL
// RUN: fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=mma-sync backward-gqa=split" \
// RUN:   | FileCheck %s --check-prefix=MMA
// The pipeline's option of the same name (stop-after=selected):
// RUN: fa-opt %s "--fa-to-ptx-pipeline=target=h100 kernel=wgmma backward-gqa=split stop-after=selected" \
// RUN:   | FileCheck %s --check-prefix=PIPE
// The options asked for beside backward-gqa=split that it does not build are
// errors (auto gives way: the TMA store above):
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-gqa=split backward-epilogue=tma-store" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=TMA
// RUN: not fa-opt %s --fa-set-target=target=h100 "--fa-select-tiling=kernel=wgmma backward-gqa=split backward-persistent=on" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=PERSISTENT
// TMA: error: 'fa.attention_grad' op fa-select-tiling: backward-gqa=split adds dK and dV by bulk reductions, not backward-epilogue=tma-store
// PERSISTENT: error: 'fa.attention_grad' op fa-select-tiling: backward-gqa=split is not built with backward-persistent=on

// The Llama shape's group (32 query heads over 8 K/V heads), causal, D = 128:
// the split prices 4x the blocks (2 x 32 x 8 kv-blocks) and the f32
// accumulators' traffic. At N = 1024 the loop's 128 blocks leave SMs idle:
// auto splits.
// AUTO-LABEL: func.func @grad
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>,
// AUTO-SAME: block_q = 64, block_kv = 128, stages = 2
// SPLIT: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>: dq=atomic: {{.*}}; gqa=split: a block per query head (512 blocks), dK and dV added to f32 accumulators ({{[0-9]+}} MiB of DRAM traffic in all)
// SPLIT-LABEL: func.func @grad
// SPLIT: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>,
// SPLIT-SAME: block_q = 64, block_kv = 128, stages = 2
// MMA-LABEL: func.func @grad
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
// PIPE-LABEL: func.func @grad
// PIPE: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>
func.func @grad(%q: tensor<2x32x1024x128xbf16>, %kv: tensor<2x8x1024x128xbf16>, %lse: tensor<2x32x1024xf32>)
    -> (tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>,
          tensor<2x8x1024x128xbf16>, tensor<2x32x1024x128xbf16>, tensor<2x32x1024x128xbf16>, tensor<2x32x1024xf32>)
      outs(%q, %kv, %kv : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>)
      {causal}
      -> tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x1024x128xbf16>, tensor<2x8x1024x128xbf16>, tensor<2x8x1024x128xbf16>
}

// Dense, N = 4096 (D119's A/B on an H100: the split 0.947x the loop): the
// blocks are equal, the loop's 512 fill the SMs as the split's 2048 do, and
// auto keeps the loop (its TMA-store epilogue).
// AUTO-LABEL: func.func @grad_dense
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>,
// AUTO-SAME: block_q = 64, block_kv = 128, stages = 2
func.func @grad_dense(%q: tensor<2x32x4096x128xbf16>, %kv: tensor<2x8x4096x128xbf16>, %lse: tensor<2x32x4096xf32>)
    -> (tensor<2x32x4096x128xbf16>, tensor<2x8x4096x128xbf16>, tensor<2x8x4096x128xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<2x32x4096x128xbf16>, tensor<2x8x4096x128xbf16>,
          tensor<2x8x4096x128xbf16>, tensor<2x32x4096x128xbf16>, tensor<2x32x4096x128xbf16>, tensor<2x32x4096xf32>)
      outs(%q, %kv, %kv : tensor<2x32x4096x128xbf16>, tensor<2x8x4096x128xbf16>, tensor<2x8x4096x128xbf16>)
      -> tensor<2x32x4096x128xbf16>, tensor<2x8x4096x128xbf16>, tensor<2x8x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x4096x128xbf16>, tensor<2x8x4096x128xbf16>, tensor<2x8x4096x128xbf16>
}

// Causal, D = 64, N = 4096 (the training Llama-style model's attention;
// D119's A/B: the split 1.110x the loop): the loop's longer causal blocks
// leave a tail the split's shorter ones do not; auto splits.
// AUTO-LABEL: func.func @grad_causal_d64
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>,
// AUTO-SAME: block_q = 128, block_kv = 128, stages = 2
func.func @grad_causal_d64(%q: tensor<2x32x4096x64xbf16>, %kv: tensor<2x8x4096x64xbf16>, %lse: tensor<2x32x4096xf32>)
    -> (tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>,
          tensor<2x8x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096xf32>)
      outs(%q, %kv, %kv : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>)
      {causal}
      -> tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
}

// MHA has no group to split: backward-gqa=split leaves it a loop of one
// (its TMA-store epilogue on the wide q-block, auto's pick since D130).
// ALL-LABEL: func.func @grad_mha
// ALL: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>,
func.func @grad_mha(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
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
// CONFLICT: has gqa = split, but fa-select-tiling was asked for backward-gqa=loop
// ALL-LABEL: func.func @grad_written
// ALL: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>
// ALL-SAME: stages = 2
func.func @grad_written(%q: tensor<1x4x1024x64xbf16>, %kv: tensor<1x1x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %kv, %kv, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>,
          tensor<1x1x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %kv, %kv : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>
}
