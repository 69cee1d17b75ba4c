// An op keeps the schedule it carries (written, or decided by an earlier
// fa-select-tiling); an explicit option that asks for another value of one
// of its fields is an error naming both (D113). Before, a second run kept
// the first run's #fa.backward_schedule and ignored backward-epilogue=
// (and dq=, block-mask-walk=, backward-in-flight=) without a word; `auto`
// asks for nothing, and what an option asks of the wgmma kernel is no
// conflict for another kernel's schedule.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma \
// RUN:   "--fa-select-tiling=dq=atomic block-mask-walk=dense backward-in-flight=none backward-epilogue=direct" \
// RUN:   -verify-diagnostics

func.func @negative_rerun_epilogue(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup> has epilogue = tma_store, but fa-select-tiling was asked for backward-epilogue=direct: an op keeps the schedule it carries (drop the option, or the schedule and its tiling to decide again)}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {causal}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_written_dq(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{has dq = ordered, but fa-select-tiling was asked for dq=atomic}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_written_walk(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>, %bm: tensor<1x4x8x8xi8>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{has walk = compacted, but fa-select-tiling was asked for block-mask-walk=dense}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>) block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_written_in_flight(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{has in_flight = dk, but fa-select-tiling was asked for backward-in-flight=none}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

// The first run's wide q-block at D = 64 beside a window stores directly
// (the TMA store is not built there, D130): nothing to conflict with.
func.func @rerun_agrees(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {causal, window = #fa.window<left = 256, right = 0>}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

// Without a window the first run's wide q-block takes the TMA store (auto's
// pick there since D130), which backward-epilogue=direct then conflicts with.
func.func @negative_rerun_wide_epilogue(%q: tensor<1x4x1024x64xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>) {
  // expected-error @below {{schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store> has epilogue = tma_store, but fa-select-tiling was asked for backward-epilogue=direct}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>)
      {causal}
      -> tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>, tensor<1x4x1024x64xbf16>
}

// -----

// The mma.sync kernel stores directly and walks dense whatever the options
// ask of the wgmma kernel.
func.func @written_mma_sync(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}

// -----

func.func @negative_forward_rerun_walk(%q: tensor<1x4x1024x128xbf16>, %bm: tensor<1x4x8x8xi8>, %o: tensor<1x4x1024x128xbf16>) -> tensor<1x4x1024x128xbf16> {
  // expected-error @below {{has walk = compacted, but fa-select-tiling was asked for block-mask-walk=dense}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) block_mask(%bm : tensor<1x4x8x8xi8>)
      outs(%o : tensor<1x4x1024x128xbf16>) {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>} -> tensor<1x4x1024x128xbf16>
  return %r : tensor<1x4x1024x128xbf16>
}

// -----

// A written schedule is an error under an option that asks otherwise, as
// an earlier run's is.
func.func @negative_forward_written_walk(%q: tensor<1x2x1000x64xbf16>, %bm: tensor<1x2x8x8xi8>,
    %o: tensor<1x2x1000x64xbf16>) -> tensor<1x2x1000x64xbf16> {
  // expected-error @below {{schedule #fa.schedule<kernel = wgmma, loads = tma, walk = compacted> has walk = compacted, but fa-select-tiling was asked for block-mask-walk=dense}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
       block_mask(%bm : tensor<1x2x8x8xi8>) outs(%o : tensor<1x2x1000x64xbf16>)
       {causal, block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>}
       -> tensor<1x2x1000x64xbf16>
  return %r : tensor<1x2x1000x64xbf16>
}

// -----

func.func @negative_written_epilogue(%q: tensor<1x4x1024x128xbf16>, %lse: tensor<1x4x1024xf32>)
    -> (tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>) {
  // expected-error @below {{has epilogue = tma_store, but fa-select-tiling was asked for backward-epilogue=direct}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>,
          tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024xf32>)
      outs(%q, %q, %q : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>}
      -> tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>, tensor<1x4x1024x128xbf16>
}
