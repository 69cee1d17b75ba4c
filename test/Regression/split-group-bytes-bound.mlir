// The split group's cost at the problem's bound (D121, session 18's attack
// on D119): B * Hq * Nq * Nk * (D + Dv) * 2 bytes = 2^62, where the f32 dK
// and dV accumulators are 2^62 bytes and the group's adds 2^63. The model's
// byte counts overflowed int64 there (UBSan: signed integer overflow in
// BackwardCostModel::evaluate; in the Release build, negative bytes); they
// saturate now (BackwardCostModelTest's SplitGroupBytesAtTheBound checks
// the values). The sanitizer build runs this test.
// A written split without a tiling (the model's selection over its
// candidates) and with one (its evaluation of that tiling).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma | FileCheck %s

// CHECK-LABEL: func.func @gqa_at_the_bound
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>
func.func @gqa_at_the_bound(%q: tensor<8388608x2x1x64xbf16>, %k: tensor<8388608x1x1073741824x64xbf16>, %lse: tensor<8388608x2x1xf32>) -> (tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x2x1x64xbf16>, tensor<8388608x2x1x64xbf16>, tensor<8388608x2x1xf32>)
      outs(%q, %k, %k : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>, scale = 0.125 : f32}
      -> tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>
}

// -----

// A written split on MHA (kept as written): its accumulators alone are
// 2^63 bytes.
// CHECK-LABEL: func.func @mha_at_the_bound
// CHECK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>
func.func @mha_at_the_bound(%q: tensor<16777216x1x1x64xbf16>, %k: tensor<16777216x1x1073741824x64xbf16>, %lse: tensor<16777216x1x1xf32>) -> (tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1073741824x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1xf32>)
      outs(%q, %k, %k : tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1073741824x64xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
      -> tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1073741824x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<16777216x1x1x64xbf16>, tensor<16777216x1x1073741824x64xbf16>, tensor<16777216x1x1073741824x64xbf16>
}
