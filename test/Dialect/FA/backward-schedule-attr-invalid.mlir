// #fa.backward_schedule's own checks (keywords, decided values, the dQ modes
// each kernel builds) and the fa.attention_grad verifier's deterministic
// rule.
// RUN: fa-opt %s -split-input-file -verify-diagnostics

func.func @negative_unknown_dq() attributes {
  // expected-error @below {{unknown #fa.backward_schedule dq 'sorted'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'dq'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = sorted>} {
  return
}

// -----

func.func @negative_unknown_kernel() attributes {
  // expected-error @below {{unknown #fa.backward_schedule kernel 'wmma'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'kernel'}}
  test.attr = #fa.backward_schedule<kernel = wmma>} {
  return
}

// -----

func.func @negative_no_kernel() attributes {
  // expected-error @below {{struct is missing required parameter: kernel}}
  test.attr = #fa.backward_schedule<dq = atomic>} {
  return
}

// -----

func.func @negative_auto_kernel() attributes {
  // expected-error @below {{#fa.backward_schedule kernel must be simt, mma_sync or wgmma, got auto}}
  test.attr = #fa.backward_schedule<kernel = auto>} {
  return
}

// -----

func.func @negative_prediction_kernel() attributes {
  // expected-error @below {{#fa.backward_schedule kernel must be simt, mma_sync or wgmma, got tensor_core}}
  test.attr = #fa.backward_schedule<kernel = tensor_core>} {
  return
}

// -----

func.func @negative_auto_dq() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: 'auto' is a request, not a decided dQ mode}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = auto>} {
  return
}

// -----

func.func @negative_simt_atomic() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: the simt backward kernel accumulates dQ in its own pass (dq=separate), not dq=atomic}}
  test.attr = #fa.backward_schedule<kernel = simt, dq = atomic>} {
  return
}

// -----

func.func @negative_mma_sync_separate() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: the mma-sync backward kernel adds dQ from its K/V blocks (dq=atomic or dq=ordered); dq=separate is the simt kernel's}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = separate>} {
  return
}

// -----

// A deterministic op cannot carry a decision of unordered atomic adds.
func.func @negative_deterministic_atomic(%q: tensor<1x2x16x16xbf16>, %k: tensor<1x2x16x16xbf16>,
    %l: tensor<1x2x16xf32>) -> (tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>) {
  // expected-error @below {{'fa.attention_grad' op is deterministic but its schedule #fa.backward_schedule<kernel = wgmma, dq = atomic> accumulates dQ with unordered atomic adds}}
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>,
             tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16xf32>)
         outs(%q, %k, %k : tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>)
         {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>}
         -> tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>, tensor<1x2x16x16xbf16>
}

// -----

func.func @negative_unknown_walk() attributes {
  // expected-error @below {{unknown #fa.backward_schedule walk 'sparse'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'walk'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = sparse>} {
  return
}

// -----

func.func @negative_auto_walk() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided walk, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = auto>} {
  return
}

// -----

// Ordered dQ passes a turn at every q-block of the walk: it keeps the
// dense walk.
func.func @negative_compacted_ordered() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: walk = compacted needs dq = atomic (ordered dQ passes a turn at every q-block of the walk, dead ones included)}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, walk = compacted>} {
  return
}

// -----

func.func @negative_compacted_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: walk = compacted is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, walk = compacted>} {
  return
}

// -----

func.func @negative_compacted_no_block_mask(%q: tensor<1x2x256x64xbf16>, %l: tensor<1x2x256xf32>) {
  // expected-error @below {{'fa.attention_grad' op schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted> walks the q-blocks a block mask keeps, but the op has no block mask}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>,
             tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
         outs(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>}
         -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return
}

// -----

func.func @negative_compacted_dynamic_nq(%q: tensor<1x2x?x64xbf16>, %l: tensor<1x2x?xf32>, %bm: tensor<1x1x?x2xi8>) {
  // expected-error @below {{'fa.attention_grad' op schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted> needs a static Nq: its list of q-blocks has a static size}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>,
             tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>)
         block_mask(%bm : tensor<1x1x?x2xi8>)
         outs(%q, %q, %q : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>)
         {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>,
          schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>}
         -> tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>
  return
}

// -----

func.func @negative_in_flight_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided in_flight, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = auto>} {
  return
}

// -----

func.func @negative_in_flight_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: in_flight = dk is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, in_flight = dk>} {
  return
}

// -----

func.func @negative_in_flight_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule in_flight 'dv'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'in_flight'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dv>} {
  return
}

// -----

func.func @negative_epilogue_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided epilogue, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = auto>} {
  return
}

// -----

func.func @negative_epilogue_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: epilogue = tma_store is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, epilogue = tma_store>} {
  return
}

// -----

func.func @negative_epilogue_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule epilogue 'staged'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'epilogue'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = staged>} {
  return
}

// -----

func.func @negative_dq_pass_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided dq_pass, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = auto>} {
  return
}

// -----

func.func @negative_persistent_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided persistent, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = auto>} {
  return
}

// -----

func.func @negative_dq_pass_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_pass = after_scores is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = ordered, dq_pass = after_scores>} {
  return
}

// -----

func.func @negative_persistent_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: persistent = on is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, persistent = on>} {
  return
}

// -----

func.func @negative_dq_pass_atomic() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_pass = after_scores needs dq = ordered}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_pass = after_scores>} {
  return
}

// -----

func.func @negative_persistent_ordered() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: persistent = on adds dQ with atomics (dq = atomic), got dq = ordered}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, persistent = on>} {
  return
}

// -----

func.func @negative_dq_pass_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule dq_pass 'late'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'dq_pass'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = late>} {
  return
}

// -----

func.func @negative_persistent_compacted() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: persistent = on does not walk compacted}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, persistent = on>} {
  return
}

// -----

func.func @negative_persistent_in_flight() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: persistent = on does not leave dK in flight}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk, persistent = on>} {
  return
}

// -----

func.func @negative_persistent_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule persistent 'yes'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'persistent'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = yes>} {
  return
}

// -----

func.func @negative_gqa_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided gqa, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = auto>} {
  return
}

// -----

func.func @negative_gqa_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule gqa 'heads'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'gqa'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = heads>} {
  return
}

// -----

func.func @negative_gqa_split_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: gqa = split is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, gqa = split>} {
  return
}

// -----

func.func @negative_gqa_split_ordered() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: gqa = split adds dK and dV in no fixed order (dq = atomic), got dq = ordered}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, gqa = split>} {
  return
}

// -----

func.func @negative_gqa_split_persistent() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: gqa = split is not persistent}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on, gqa = split>} {
  return
}

// -----

func.func @negative_gqa_split_compacted() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: gqa = split does not walk compacted}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, gqa = split>} {
  return
}

// -----

func.func @negative_gqa_split_tma_store() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: gqa = split adds dK and dV by bulk reductions, not epilogue = tma_store}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, gqa = split>} {
  return
}

// -----

func.func @negative_dq_convert_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided dq_convert, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = auto>} {
  return
}

// -----

func.func @negative_dq_convert_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule dq_convert 'inline'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'dq_convert'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = inline>} {
  return
}

// -----

func.func @negative_dq_convert_fused_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_convert = fused is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, dq_convert = fused>} {
  return
}

// -----

func.func @negative_dq_convert_fused_ordered() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_convert = fused counts the arrivals of dq = atomic, got dq = ordered}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_convert = fused>} {
  return
}

// -----

func.func @negative_dq_convert_fused_compacted() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_convert = fused does not walk compacted}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted, dq_convert = fused>} {
  return
}

// -----

func.func @negative_dq_convert_fused_persistent() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_convert = fused is not persistent}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on, dq_convert = fused>} {
  return
}

// -----

func.func @negative_dq_convert_fused_split_group() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_convert = fused is not built with gqa = split}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_convert = fused>} {
  return
}

// -----

func.func @negative_dq_reduce_auto() attributes {
  // expected-error @below {{#fa.backward_schedule holds a decided dq_reduce, not 'auto'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = auto>} {
  return
}

// -----

func.func @negative_dq_reduce_unknown() attributes {
  // expected-error @below {{unknown #fa.backward_schedule dq_reduce 'block'}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'dq_reduce'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = block>} {
  return
}

// -----

func.func @negative_dq_reduce_warpgroup_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: dq_reduce = warpgroup is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, dq_reduce = warpgroup>} {
  return
}

// -----

func.func @negative_launch_chunk_zero() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: launch_chunk must be from 1 to 4294967296, got 0}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 0>} {
  return
}

// -----

func.func @negative_launch_chunk_too_large() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: launch_chunk must be from 1 to 4294967296, got 4294967297}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = 4294967297>} {
  return
}

// -----

func.func @negative_launch_chunk_keyword() attributes {
  // expected-error @below {{expected integer value}}
  // expected-error @below {{failed to parse FA_BackwardScheduleAttr parameter 'launch_chunk'}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, launch_chunk = auto>} {
  return
}

// -----

func.func @negative_launch_chunk_mma_sync() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: launch_chunk over 1 is the wgmma backward's, not mma_sync}}
  test.attr = #fa.backward_schedule<kernel = mma_sync, dq = atomic, launch_chunk = 2>} {
  return
}

// -----

func.func @negative_launch_chunk_ordered() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: launch_chunk over 1 needs dq = atomic (ordered dQ launches the kv-blocks last first for its turns), got dq = ordered}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = ordered, launch_chunk = 2>} {
  return
}

// -----

func.func @negative_launch_chunk_persistent() attributes {
  // expected-error @below {{invalid #fa.backward_schedule: launch_chunk over 1 is not persistent (the persistent kernel walks its own tiles)}}
  test.attr = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on, launch_chunk = 2>} {
  return
}
