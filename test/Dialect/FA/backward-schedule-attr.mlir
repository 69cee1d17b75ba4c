// #fa.backward_schedule and the deterministic attribute of fa.attention_grad
// print and parse back; fields at their default (dq = separate, walk =
// dense, in_flight = none, epilogue = direct, dq_pass = step_start,
// persistent = off, gqa = loop, dq_convert = kernel, dq_reduce = warp,
// launch_chunk = 1) are not printed.
// RUN: fa-opt %s | fa-opt | FileCheck %s

// CHECK-LABEL: func.func @attrs
// CHECK-SAME: a = #fa.backward_schedule<kernel = simt>
// CHECK-SAME: b = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-SAME: c = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// CHECK-SAME: d = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>
// CHECK-SAME: e = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK-SAME: f = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>
// CHECK-SAME: g = #fa.backward_schedule<kernel = wgmma, dq = ordered, in_flight = dk>
// CHECK-SAME: h = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-SAME: i = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>
// CHECK-SAME: j = #fa.backward_schedule<kernel = wgmma, dq = ordered, in_flight = dk, epilogue = tma_store>
// CHECK-SAME: k = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-SAME: l = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>
// CHECK-SAME: m = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores>
// CHECK-SAME: n = #fa.backward_schedule<kernel = wgmma, dq = ordered>
// CHECK-SAME: o = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>
// CHECK-SAME: p = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on>
// CHECK-SAME: q = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// CHECK-SAME: r = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>
// CHECK-SAME: s = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK-SAME: t = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>
// CHECK-SAME: u = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK-SAME: v = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_reduce = warpgroup>
// CHECK-SAME: w = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-SAME: x = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, launch_chunk = 4>
// CHECK-SAME: y = #fa.backward_schedule<kernel = mma_sync, dq = ordered>
// CHECK-SAME: z = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused, launch_chunk = 4294967296>
func.func @attrs() attributes {
    a = #fa.backward_schedule<kernel = simt, dq = separate>,
    b = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
    c = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
    d = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>,
    e = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = dense>,
    f = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>,
    g = #fa.backward_schedule<kernel = wgmma, dq = ordered, walk = dense, in_flight = dk>,
    h = #fa.backward_schedule<kernel = mma_sync, dq = atomic, in_flight = none>,
    i = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>,
    j = #fa.backward_schedule<kernel = wgmma, dq = ordered, in_flight = dk, epilogue = tma_store>,
    k = #fa.backward_schedule<kernel = mma_sync, dq = atomic, epilogue = direct>,
    l = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>,
    m = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_pass = after_scores>,
    n = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = step_start>,
    o = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>,
    p = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, persistent = on>,
    q = #fa.backward_schedule<kernel = mma_sync, dq = ordered, persistent = off>,
    r = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>,
    s = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = loop>,
    t = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>,
    u = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = kernel>,
    v = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_reduce = warpgroup>,
    w = #fa.backward_schedule<kernel = mma_sync, dq = atomic, dq_reduce = warp>,
    x = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, launch_chunk = 4>,
    y = #fa.backward_schedule<kernel = mma_sync, dq = ordered, launch_chunk = 1>,
    z = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused, launch_chunk = 4294967296>} {
  return
}

// CHECK-LABEL: func.func @op
// CHECK: fa.attention_grad
// CHECK-SAME: {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
func.func @op(%q: tensor<1x2x16x64xbf16>, %k: tensor<1x2x16x64xbf16>,
    %l: tensor<1x2x16xf32>) -> (tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>,
             tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16xf32>)
         outs(%q, %k, %k : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>)
         {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
          tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
         -> tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16>
}

// The compacted walk on an op with a block mask.
// CHECK-LABEL: func.func @compacted
// CHECK: fa.attention_grad
// CHECK-SAME: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>
func.func @compacted(%q: tensor<1x2x256x64xbf16>, %l: tensor<1x2x256xf32>,
    %bm: tensor<1x1x4x2xi8>) -> (tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>,
             tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256xf32>)
         block_mask(%bm : tensor<1x1x4x2xi8>)
         outs(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
         {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>,
          schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>}
         -> tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>
}
