// The backward model's price of causal and of masked pairs (docs/CostModel.md
// "The backward pass", docs/decisions.md D73): causal blocks are priced by
// the SM's share of their pairs, not as dense; a pair that runs the
// kernels' masked path (across the diagonal, or with rows or keys past the
// ends: 777 = 6 x 128 + 9) costs the mask's tests on every score. On the
// A100 at N = 777, D = 64 the mma.sync pick is 32x128 (48x128 before D73:
// the tails' masked pairs were free), dense and causal.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=mma-sync | FileCheck %s

// CHECK-LABEL: func.func @tails_d64
// CHECK: fa.attention_grad
// CHECK-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
func.func @tails_d64(%q: tensor<1x2x777x64xbf16>, %k: tensor<1x2x777x64xbf16>, %v: tensor<1x2x777x64xbf16>, %o: tensor<1x2x777x64xbf16>, %do: tensor<1x2x777x64xbf16>, %lse: tensor<1x2x777xf32>, %dq: tensor<1x2x777x64xbf16>, %dk: tensor<1x2x777x64xbf16>, %dv: tensor<1x2x777x64xbf16>) -> (tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777xf32>) outs(%dq, %dk, %dv : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>) -> tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
}

// -----

// CHECK-LABEL: func.func @tails_d64_causal
// CHECK: fa.attention_grad
// CHECK-SAME: tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>
func.func @tails_d64_causal(%q: tensor<1x2x777x64xbf16>, %k: tensor<1x2x777x64xbf16>, %v: tensor<1x2x777x64xbf16>, %o: tensor<1x2x777x64xbf16>, %do: tensor<1x2x777x64xbf16>, %lse: tensor<1x2x777xf32>, %dq: tensor<1x2x777x64xbf16>, %dk: tensor<1x2x777x64xbf16>, %dv: tensor<1x2x777x64xbf16>) -> (tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777xf32>) outs(%dq, %dk, %dv : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>) {causal} -> tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>, tensor<1x2x777x64xbf16>
}

// -----

// N = 768 = 6 x 128, dense: no masked pair, the pick is D67's (48x128).
// CHECK-LABEL: func.func @whole_d64
// CHECK: fa.attention_grad
// CHECK-SAME: tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>
func.func @whole_d64(%q: tensor<1x2x768x64xbf16>, %k: tensor<1x2x768x64xbf16>, %v: tensor<1x2x768x64xbf16>, %o: tensor<1x2x768x64xbf16>, %do: tensor<1x2x768x64xbf16>, %lse: tensor<1x2x768xf32>, %dq: tensor<1x2x768x64xbf16>, %dk: tensor<1x2x768x64xbf16>, %dv: tensor<1x2x768x64xbf16>) -> (tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768xf32>) outs(%dq, %dk, %dv : tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>) -> tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>, tensor<1x2x768x64xbf16>
}
