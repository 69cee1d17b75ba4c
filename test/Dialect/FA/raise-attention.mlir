// RUN: fa-opt --split-input-file --fa-raise-attention %s | FileCheck %s
// RUN: fa-opt --split-input-file --fa-raise-attention=explain --verify-diagnostics %s -o /dev/null

// Inputs written as test/Integration/raise_case.py emits them (torch-mlir,
// StableHLO-to-linalg and named-op styles); near-misses are negative_*.

// CHECK-LABEL: func.func @torch_sdpa
// CHECK-SAME: (%[[Q:.+]]: tensor<2x4x16x8xf32>, %[[K:.+]]: tensor<2x4x16x8xf32>, %[[V:.+]]: tensor<2x4x16x8xf32>)
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<2x4x16x8xf32>
// CHECK: %[[O:.+]] = fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) outs(%[[INIT]] : tensor<2x4x16x8xf32>) {scale = 0.353553385 : f32}
// CHECK-NOT: linalg.
// CHECK: return %[[O]]
func.func @torch_sdpa(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x8xf32>, %v: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  %e1 = tensor.empty() : tensor<2x4x8x16xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<2x4x16x8xf32>) outs(%e1 : tensor<2x4x8x16xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<2x4x8x16xf32>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x4x16x8xf32> into tensor<8x16x8xf32>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<2x4x8x16xf32> into tensor<8x8x16xf32>
  %e5 = tensor.empty() : tensor<8x16x16xf32>
  %c6 = arith.constant 0.000000e+00 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<8x16x8xf32>, tensor<8x8x16xf32>) outs(%f7 : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [2, 4, 16, 16] : tensor<8x16x16xf32> into tensor<2x4x16x16xf32>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<2x4x16x16xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<2x4x16x16xf32>) outs(%e11 : tensor<2x4x16x16xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf10 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<2x4x16x16xf32>
  %e13 = tensor.empty() : tensor<2x4x16x1xf32>
  %c14 = arith.constant 0xFF800000 : f32
  %f15 = linalg.fill ins(%c14 : f32) outs(%e13 : tensor<2x4x16x1xf32>) -> tensor<2x4x16x1xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g12 : tensor<2x4x16x16xf32>) outs(%f15 : tensor<2x4x16x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16x1xf32>
  %e17 = tensor.empty() : tensor<2x4x16x16xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %g16 : tensor<2x4x16x16xf32>, tensor<2x4x16x1xf32>) outs(%e17 : tensor<2x4x16x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16x16xf32>
  %e19 = tensor.empty() : tensor<2x4x16x16xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g18 : tensor<2x4x16x16xf32>) outs(%e19 : tensor<2x4x16x16xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16x16xf32>
  %e21 = tensor.empty() : tensor<2x4x16x1xf32>
  %c22 = arith.constant 0.000000e+00 : f32
  %f23 = linalg.fill ins(%c22 : f32) outs(%e21 : tensor<2x4x16x1xf32>) -> tensor<2x4x16x1xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g20 : tensor<2x4x16x16xf32>) outs(%f23 : tensor<2x4x16x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16x1xf32>
  %e25 = tensor.empty() : tensor<2x4x16x16xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g20, %g24 : tensor<2x4x16x16xf32>, tensor<2x4x16x1xf32>) outs(%e25 : tensor<2x4x16x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<2x4x16x16xf32>
  %pc27 = tensor.collapse_shape %g26 [[0, 1], [2], [3]] : tensor<2x4x16x16xf32> into tensor<8x16x16xf32>
  %vc28 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x4x16x8xf32> into tensor<8x16x8xf32>
  %e29 = tensor.empty() : tensor<8x16x8xf32>
  %c30 = arith.constant 0.000000e+00 : f32
  %f31 = linalg.fill ins(%c30 : f32) outs(%e29 : tensor<8x16x8xf32>) -> tensor<8x16x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o32 = linalg.batch_matmul ins(%pc27, %vc28 : tensor<8x16x16xf32>, tensor<8x16x8xf32>) outs(%f31 : tensor<8x16x8xf32>) -> tensor<8x16x8xf32>
  %o33 = tensor.expand_shape %o32 [[0, 1], [2], [3]] output_shape [2, 4, 16, 8] : tensor<8x16x8xf32> into tensor<2x4x16x8xf32>
  return %o33 : tensor<2x4x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @torch_sdpa_causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x9x16xf32>, %[[K:.+]]: tensor<1x2x13x16xf32>, %[[V:.+]]: tensor<1x2x13x16xf32>)
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x9x16xf32>, tensor<1x2x13x16xf32>, tensor<1x2x13x16xf32>) outs(%{{.+}} : tensor<1x4x9x16xf32>) {causal, scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @torch_sdpa_causal_gqa(%q: tensor<1x4x9x16xf32>, %k: tensor<1x2x13x16xf32>, %v: tensor<1x2x13x16xf32>) -> tensor<1x4x9x16xf32> {
  %u1 = tensor.expand_shape %k [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 13, 16] : tensor<1x2x13x16xf32> into tensor<1x2x1x13x16xf32>
  %e2 = tensor.empty() : tensor<1x2x2x13x16xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%u1 : tensor<1x2x1x13x16xf32>) outs(%e2 : tensor<1x2x2x13x16xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x2x13x16xf32>
  %c4 = tensor.collapse_shape %g3 [[0], [1, 2], [3], [4]] : tensor<1x2x2x13x16xf32> into tensor<1x4x13x16xf32>
  %u5 = tensor.expand_shape %v [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 13, 16] : tensor<1x2x13x16xf32> into tensor<1x2x1x13x16xf32>
  %e6 = tensor.empty() : tensor<1x2x2x13x16xf32>
  %g7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%u5 : tensor<1x2x1x13x16xf32>) outs(%e6 : tensor<1x2x2x13x16xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x2x13x16xf32>
  %c8 = tensor.collapse_shape %g7 [[0], [1, 2], [3], [4]] : tensor<1x2x2x13x16xf32> into tensor<1x4x13x16xf32>
  %e9 = tensor.empty() : tensor<1x4x16x13xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c4 : tensor<1x4x13x16xf32>) outs(%e9 : tensor<1x4x16x13xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x4x16x13xf32>
  %qc11 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x9x16xf32> into tensor<4x9x16xf32>
  %kc12 = tensor.collapse_shape %g10 [[0, 1], [2], [3]] : tensor<1x4x16x13xf32> into tensor<4x16x13xf32>
  %e13 = tensor.empty() : tensor<4x9x13xf32>
  %c14 = arith.constant 0.000000e+00 : f32
  %f15 = linalg.fill ins(%c14 : f32) outs(%e13 : tensor<4x9x13xf32>) -> tensor<4x9x13xf32>
  %s16 = linalg.batch_matmul ins(%qc11, %kc12 : tensor<4x9x16xf32>, tensor<4x16x13xf32>) outs(%f15 : tensor<4x9x13xf32>) -> tensor<4x9x13xf32>
  %s17 = tensor.expand_shape %s16 [[0, 1], [2], [3]] output_shape [1, 4, 9, 13] : tensor<4x9x13xf32> into tensor<1x4x9x13xf32>
  %cf18 = arith.constant 0.25 : f64
  %e19 = tensor.empty() : tensor<1x4x9x13xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s17 : tensor<1x4x9x13xf32>) outs(%e19 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf18 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x4x9x13xf32>
  %mask21 = arith.constant dense<[[[[0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x9x13xf32>
  %one22 = arith.constant 1.000000e+00 : f32
  %e23 = tensor.empty() : tensor<1x4x9x13xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g20, %mask21 : tensor<1x4x9x13xf32>, tensor<1x1x9x13xf32>) outs(%e23 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %w = arith.mulf %a1, %one22 : f32
    %r = arith.addf %a0, %w : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e25 = tensor.empty() : tensor<1x4x9x1xf32>
  %c26 = arith.constant 0xFF800000 : f32
  %f27 = linalg.fill ins(%c26 : f32) outs(%e25 : tensor<1x4x9x1xf32>) -> tensor<1x4x9x1xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g24 : tensor<1x4x9x13xf32>) outs(%f27 : tensor<1x4x9x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x1xf32>
  %e29 = tensor.empty() : tensor<1x4x9x13xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g24, %g28 : tensor<1x4x9x13xf32>, tensor<1x4x9x1xf32>) outs(%e29 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e31 = tensor.empty() : tensor<1x4x9x13xf32>
  %g32 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g30 : tensor<1x4x9x13xf32>) outs(%e31 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e33 = tensor.empty() : tensor<1x4x9x1xf32>
  %c34 = arith.constant 0.000000e+00 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<1x4x9x1xf32>) -> tensor<1x4x9x1xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g32 : tensor<1x4x9x13xf32>) outs(%f35 : tensor<1x4x9x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x1xf32>
  %e37 = tensor.empty() : tensor<1x4x9x13xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g32, %g36 : tensor<1x4x9x13xf32>, tensor<1x4x9x1xf32>) outs(%e37 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %pc39 = tensor.collapse_shape %g38 [[0, 1], [2], [3]] : tensor<1x4x9x13xf32> into tensor<4x9x13xf32>
  %vc40 = tensor.collapse_shape %c8 [[0, 1], [2], [3]] : tensor<1x4x13x16xf32> into tensor<4x13x16xf32>
  %e41 = tensor.empty() : tensor<4x9x16xf32>
  %c42 = arith.constant 0.000000e+00 : f32
  %f43 = linalg.fill ins(%c42 : f32) outs(%e41 : tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o44 = linalg.batch_matmul ins(%pc39, %vc40 : tensor<4x9x13xf32>, tensor<4x13x16xf32>) outs(%f43 : tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  %o45 = tensor.expand_shape %o44 [[0, 1], [2], [3]] output_shape [1, 4, 9, 16] : tensor<4x9x16xf32> into tensor<1x4x9x16xf32>
  return %o45 : tensor<1x4x9x16xf32>
}

// -----

// The bias is read through (0, d1, d2, d3): passed as the mask operand.
// CHECK-LABEL: func.func @torch_sdpa_bias_bf16
// CHECK-SAME: (%[[Q:.+]]: tensor<2x2x8x16xbf16>, %[[K:.+]]: tensor<2x2x12x16xbf16>, %[[V:.+]]: tensor<2x2x12x16xbf16>, %[[B:.+]]: tensor<1x2x8x12xbf16>)
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) mask(%[[B]] : tensor<1x2x8x12xbf16>) outs(%{{.+}} : tensor<2x2x8x16xbf16>) {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @torch_sdpa_bias_bf16(%q: tensor<2x2x8x16xbf16>, %k: tensor<2x2x12x16xbf16>, %v: tensor<2x2x12x16xbf16>, %bias: tensor<1x2x8x12xbf16>) -> tensor<2x2x8x16xbf16> {
  %e1 = tensor.empty() : tensor<2x2x16x12xbf16>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<2x2x12x16xbf16>) outs(%e1 : tensor<2x2x16x12xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    linalg.yield %a0 : bf16
  } -> tensor<2x2x16x12xbf16>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x2x8x16xbf16> into tensor<4x8x16xbf16>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<2x2x16x12xbf16> into tensor<4x16x12xbf16>
  %e5 = tensor.empty() : tensor<4x8x12xbf16>
  %c6 = arith.constant 0.000000e+00 : bf16
  %f7 = linalg.fill ins(%c6 : bf16) outs(%e5 : tensor<4x8x12xbf16>) -> tensor<4x8x12xbf16>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<4x8x16xbf16>, tensor<4x16x12xbf16>) outs(%f7 : tensor<4x8x12xbf16>) -> tensor<4x8x12xbf16>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [2, 2, 8, 12] : tensor<4x8x12xbf16> into tensor<2x2x8x12xbf16>
  %cf10 = arith.constant 0.25 : f64
  %e11 = tensor.empty() : tensor<2x2x8x12xbf16>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<2x2x8x12xbf16>) outs(%e11 : tensor<2x2x8x12xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %t = arith.truncf %cf10 : f64 to bf16
    %m = arith.mulf %a0, %t : bf16
    linalg.yield %m : bf16
  } -> tensor<2x2x8x12xbf16>
  %one13 = arith.constant 1.000000e+00 : bf16
  %e14 = tensor.empty() : tensor<2x2x8x12xbf16>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %bias : tensor<2x2x8x12xbf16>, tensor<1x2x8x12xbf16>) outs(%e14 : tensor<2x2x8x12xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %w = arith.mulf %a1, %one13 : bf16
    %r = arith.addf %a0, %w : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x12xbf16>
  %e16 = tensor.empty() : tensor<2x2x8x1xbf16>
  %c17 = arith.constant 0xFF80 : bf16
  %f18 = linalg.fill ins(%c17 : bf16) outs(%e16 : tensor<2x2x8x1xbf16>) -> tensor<2x2x8x1xbf16>
  %g19 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g15 : tensor<2x2x8x12xbf16>) outs(%f18 : tensor<2x2x8x1xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %r = arith.maximumf %a0, %out : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x1xbf16>
  %e20 = tensor.empty() : tensor<2x2x8x12xbf16>
  %g21 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g15, %g19 : tensor<2x2x8x12xbf16>, tensor<2x2x8x1xbf16>) outs(%e20 : tensor<2x2x8x12xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %r = arith.subf %a0, %a1 : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x12xbf16>
  %e22 = tensor.empty() : tensor<2x2x8x12xbf16>
  %g23 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g21 : tensor<2x2x8x12xbf16>) outs(%e22 : tensor<2x2x8x12xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %r = math.exp %a0 : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x12xbf16>
  %e24 = tensor.empty() : tensor<2x2x8x1xbf16>
  %c25 = arith.constant 0.000000e+00 : bf16
  %f26 = linalg.fill ins(%c25 : bf16) outs(%e24 : tensor<2x2x8x1xbf16>) -> tensor<2x2x8x1xbf16>
  %g27 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g23 : tensor<2x2x8x12xbf16>) outs(%f26 : tensor<2x2x8x1xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %r = arith.addf %a0, %out : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x1xbf16>
  %e28 = tensor.empty() : tensor<2x2x8x12xbf16>
  %g29 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g23, %g27 : tensor<2x2x8x12xbf16>, tensor<2x2x8x1xbf16>) outs(%e28 : tensor<2x2x8x12xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %r = arith.divf %a0, %a1 : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x12xbf16>
  %pc30 = tensor.collapse_shape %g29 [[0, 1], [2], [3]] : tensor<2x2x8x12xbf16> into tensor<4x8x12xbf16>
  %vc31 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x2x12x16xbf16> into tensor<4x12x16xbf16>
  %e32 = tensor.empty() : tensor<4x8x16xbf16>
  %c33 = arith.constant 0.000000e+00 : bf16
  %f34 = linalg.fill ins(%c33 : bf16) outs(%e32 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  // expected-remark @below {{raised to fa.attention}}
  %o35 = linalg.batch_matmul ins(%pc30, %vc31 : tensor<4x8x12xbf16>, tensor<4x12x16xbf16>) outs(%f34 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  %o36 = tensor.expand_shape %o35 [[0, 1], [2], [3]] output_shape [2, 2, 8, 16] : tensor<4x8x16xbf16> into tensor<2x2x8x16xbf16>
  return %o36 : tensor<2x2x8x16xbf16>
}

// -----

// dot_general contractions, division by a broadcast sqrt(d), linalg.reduce
// softmax, GQA by linalg.broadcast; the bias [1, H, Nq, Nk] is collapsed and
// broadcast: the raise reshapes it back to 4-D.
// CHECK-LABEL: func.func @stablehlo_bias_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x9x8xf32>, %[[K:.+]]: tensor<1x1x13x8xf32>, %[[V:.+]]: tensor<1x1x13x8xf32>, %[[B:.+]]: tensor<1x4x9x13xf32>)
// CHECK: %[[C:.+]] = tensor.collapse_shape %[[B]]
// CHECK: %[[M:.+]] = tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 4, 9, 13]
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x9x8xf32>, tensor<1x1x13x8xf32>, tensor<1x1x13x8xf32>) mask(%[[M]] : tensor<1x4x9x13xf32>) outs(%{{.+}} : tensor<1x4x9x8xf32>) {scale = 0.353553385 : f32}
// CHECK-NOT: linalg.
func.func @stablehlo_bias_gqa(%q: tensor<1x4x9x8xf32>, %k: tensor<1x1x13x8xf32>, %v: tensor<1x1x13x8xf32>, %bias: tensor<1x4x9x13xf32>) -> tensor<1x4x9x8xf32> {
  %e1 = tensor.empty() : tensor<1x1x4x13x8xf32>
  %r2 = linalg.broadcast ins(%k : tensor<1x1x13x8xf32>) outs(%e1 : tensor<1x1x4x13x8xf32>) dimensions = [2]
  %c3 = tensor.collapse_shape %r2 [[0], [1, 2], [3], [4]] : tensor<1x1x4x13x8xf32> into tensor<1x4x13x8xf32>
  %e4 = tensor.empty() : tensor<1x1x4x13x8xf32>
  %r5 = linalg.broadcast ins(%v : tensor<1x1x13x8xf32>) outs(%e4 : tensor<1x1x4x13x8xf32>) dimensions = [2]
  %c6 = tensor.collapse_shape %r5 [[0], [1, 2], [3], [4]] : tensor<1x1x4x13x8xf32> into tensor<1x4x13x8xf32>
  %e7 = tensor.empty() : tensor<1x4x9x13xf32>
  %c8 = arith.constant 0.000000e+00 : f32
  %f9 = linalg.fill ins(%c8 : f32) outs(%e7 : tensor<1x4x9x13xf32>) -> tensor<1x4x9x13xf32>
  %s10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %c3 : tensor<1x4x9x8xf32>, tensor<1x4x13x8xf32>) outs(%f9 : tensor<1x4x9x13xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %c11 = arith.constant dense<2.8284271247461903> : tensor<1x4x9x13xf32>
  %e12 = tensor.empty() : tensor<1x4x9x13xf32>
  %g13 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s10, %c11 : tensor<1x4x9x13xf32>, tensor<1x4x9x13xf32>) outs(%e12 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.divf %a0, %a1 : f32
    linalg.yield %m : f32
  } -> tensor<1x4x9x13xf32>
  %e14 = tensor.empty() : tensor<1x4x9x13xf32>
  %bc16 = tensor.collapse_shape %bias [[0, 1], [2], [3]] : tensor<1x4x9x13xf32> into tensor<4x9x13xf32>
  %bb15 = linalg.broadcast ins(%bc16 : tensor<4x9x13xf32>) outs(%e14 : tensor<1x4x9x13xf32>) dimensions = [0]
  %e17 = tensor.empty() : tensor<1x4x9x13xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g13, %bb15 : tensor<1x4x9x13xf32>, tensor<1x4x9x13xf32>) outs(%e17 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.addf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e19 = tensor.empty() : tensor<1x4x9xf32>
  %c20 = arith.constant 0xFF800000 : f32
  %f21 = linalg.fill ins(%c20 : f32) outs(%e19 : tensor<1x4x9xf32>) -> tensor<1x4x9xf32>
  %red22 = linalg.reduce ins(%g18 : tensor<1x4x9x13xf32>) outs(%f21 : tensor<1x4x9xf32>) dimensions = [3]
    (%in: f32, %init: f32) {
      %r = arith.maximumf %in, %init : f32
      linalg.yield %r : f32
    }
  %e23 = tensor.empty() : tensor<1x4x9x13xf32>
  %bcast24 = linalg.broadcast ins(%red22 : tensor<1x4x9xf32>) outs(%e23 : tensor<1x4x9x13xf32>) dimensions = [3]
  %e25 = tensor.empty() : tensor<1x4x9x13xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g18, %bcast24 : tensor<1x4x9x13xf32>, tensor<1x4x9x13xf32>) outs(%e25 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e27 = tensor.empty() : tensor<1x4x9xf32>
  %c28 = arith.constant 0.000000e+00 : f32
  %f29 = linalg.fill ins(%c28 : f32) outs(%e27 : tensor<1x4x9xf32>) -> tensor<1x4x9xf32>
  %red30 = linalg.reduce ins(%g26 : tensor<1x4x9x13xf32>) outs(%f29 : tensor<1x4x9xf32>) dimensions = [3]
    (%in: f32, %init: f32) {
      %r = arith.addf %in, %init : f32
      linalg.yield %r : f32
    }
  %e31 = tensor.empty() : tensor<1x4x9x13xf32>
  %bcast32 = linalg.broadcast ins(%red30 : tensor<1x4x9xf32>) outs(%e31 : tensor<1x4x9x13xf32>) dimensions = [3]
  %e33 = tensor.empty() : tensor<1x4x9x13xf32>
  %g34 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g26, %bcast32 : tensor<1x4x9x13xf32>, tensor<1x4x9x13xf32>) outs(%e33 : tensor<1x4x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x13xf32>
  %e35 = tensor.empty() : tensor<1x4x9x8xf32>
  %c36 = arith.constant 0.000000e+00 : f32
  %f37 = linalg.fill ins(%c36 : f32) outs(%e35 : tensor<1x4x9x8xf32>) -> tensor<1x4x9x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o38 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%g34, %c6 : tensor<1x4x9x13xf32>, tensor<1x4x13x8xf32>) outs(%f37 : tensor<1x4x9x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9x8xf32>
  return %o38 : tensor<1x4x9x8xf32>
}

// -----

// CHECK-LABEL: func.func @stablehlo_causal_bf16
// CHECK: fa.attention ins(%arg0, %arg1, %arg2 : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%{{.+}} : tensor<2x2x16x16xbf16>) {causal, scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @stablehlo_causal_bf16(%q: tensor<2x2x16x16xbf16>, %k: tensor<2x2x16x16xbf16>, %v: tensor<2x2x16x16xbf16>) -> tensor<2x2x16x16xbf16> {
  %e1 = tensor.empty() : tensor<2x2x16x16xbf16>
  %c2 = arith.constant 0.000000e+00 : bf16
  %f3 = linalg.fill ins(%c2 : bf16) outs(%e1 : tensor<2x2x16x16xbf16>) -> tensor<2x2x16x16xbf16>
  %s4 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%f3 : tensor<2x2x16x16xbf16>) {
  ^bb0(%x: bf16, %y: bf16, %acc: bf16):
    %p = arith.mulf %x, %y : bf16
    %r = arith.addf %acc, %p : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x16x16xbf16>
  %c5 = arith.constant dense<4.0> : tensor<2x2x16x16xbf16>
  %e6 = tensor.empty() : tensor<2x2x16x16xbf16>
  %g7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s4, %c5 : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%e6 : tensor<2x2x16x16xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %m = arith.divf %a0, %a1 : bf16
    linalg.yield %m : bf16
  } -> tensor<2x2x16x16xbf16>
  %mask8 = arith.constant dense<[[0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF80], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<16x16xbf16>
  %e9 = tensor.empty() : tensor<2x2x16x16xbf16>
  %bb10 = linalg.broadcast ins(%mask8 : tensor<16x16xbf16>) outs(%e9 : tensor<2x2x16x16xbf16>) dimensions = [0, 1]
  %e11 = tensor.empty() : tensor<2x2x16x16xbf16>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g7, %bb10 : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%e11 : tensor<2x2x16x16xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %r = arith.addf %a0, %a1 : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x16x16xbf16>
  %e13 = tensor.empty() : tensor<2x2x16xbf16>
  %c14 = arith.constant 0xFF80 : bf16
  %f15 = linalg.fill ins(%c14 : bf16) outs(%e13 : tensor<2x2x16xbf16>) -> tensor<2x2x16xbf16>
  %red16 = linalg.reduce ins(%g12 : tensor<2x2x16x16xbf16>) outs(%f15 : tensor<2x2x16xbf16>) dimensions = [3]
    (%in: bf16, %init: bf16) {
      %r = arith.maximumf %in, %init : bf16
      linalg.yield %r : bf16
    }
  %e17 = tensor.empty() : tensor<2x2x16x16xbf16>
  %bcast18 = linalg.broadcast ins(%red16 : tensor<2x2x16xbf16>) outs(%e17 : tensor<2x2x16x16xbf16>) dimensions = [3]
  %e19 = tensor.empty() : tensor<2x2x16x16xbf16>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %bcast18 : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%e19 : tensor<2x2x16x16xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %d = arith.subf %a0, %a1 : bf16
    %r = math.exp %d : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x16x16xbf16>
  %e21 = tensor.empty() : tensor<2x2x16xbf16>
  %c22 = arith.constant 0.000000e+00 : bf16
  %f23 = linalg.fill ins(%c22 : bf16) outs(%e21 : tensor<2x2x16xbf16>) -> tensor<2x2x16xbf16>
  %red24 = linalg.reduce ins(%g20 : tensor<2x2x16x16xbf16>) outs(%f23 : tensor<2x2x16xbf16>) dimensions = [3]
    (%in: bf16, %init: bf16) {
      %r = arith.addf %in, %init : bf16
      linalg.yield %r : bf16
    }
  %e25 = tensor.empty() : tensor<2x2x16x16xbf16>
  %bcast26 = linalg.broadcast ins(%red24 : tensor<2x2x16xbf16>) outs(%e25 : tensor<2x2x16x16xbf16>) dimensions = [3]
  %e27 = tensor.empty() : tensor<2x2x16x16xbf16>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g20, %bcast26 : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%e27 : tensor<2x2x16x16xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %r = arith.divf %a0, %a1 : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x16x16xbf16>
  %e29 = tensor.empty() : tensor<2x2x16x16xbf16>
  %c30 = arith.constant 0.000000e+00 : bf16
  %f31 = linalg.fill ins(%c30 : bf16) outs(%e29 : tensor<2x2x16x16xbf16>) -> tensor<2x2x16x16xbf16>
  // expected-remark @below {{raised to fa.attention}}
  %o32 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%g28, %v : tensor<2x2x16x16xbf16>, tensor<2x2x16x16xbf16>) outs(%f31 : tensor<2x2x16x16xbf16>) {
  ^bb0(%x: bf16, %y: bf16, %acc: bf16):
    %p = arith.mulf %x, %y : bf16
    %r = arith.addf %acc, %p : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x16x16xbf16>
  return %o32 : tensor<2x2x16x16xbf16>
}

// -----

// 3-D [B*H, N, D]: Q pre-scaled, linalg.transpose, linalg.batch_matmul,
// linalg.softmax, P V with indexing_maps, GQA via h floordiv 2.
// CHECK-LABEL: func.func @named_causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<8x9x8xf32>, %[[K:.+]]: tensor<4x13x8xf32>, %[[V:.+]]: tensor<4x13x8xf32>)
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 2, 13, 8]
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 2, 13, 8]
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 4, 9, 8]
// CHECK: %[[O:.+]] = fa.attention ins(%[[Q4]], %[[K4]], %[[V4]] : tensor<2x4x9x8xf32>, tensor<2x2x13x8xf32>, tensor<2x2x13x8xf32>) outs(%{{.+}} : tensor<2x4x9x8xf32>) {causal, scale = 0.353553385 : f32}
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[O]] {{\[\[}}0, 1], [2], [3]] : tensor<2x4x9x8xf32> into tensor<8x9x8xf32>
// CHECK-NOT: linalg.
// CHECK: return %[[R]]
func.func @named_causal_gqa(%q: tensor<8x9x8xf32>, %k: tensor<4x13x8xf32>, %v: tensor<4x13x8xf32>) -> tensor<8x9x8xf32> {
  %x1 = tensor.expand_shape %k [[0, 1], [2], [3]] output_shape [2, 2, 13, 8] : tensor<4x13x8xf32> into tensor<2x2x13x8xf32>
  %e2 = tensor.empty() : tensor<2x4x13x8xf32>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x1 : tensor<2x2x13x8xf32>) outs(%e2 : tensor<2x4x13x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<2x4x13x8xf32>
  %c4 = tensor.collapse_shape %g3 [[0, 1], [2], [3]] : tensor<2x4x13x8xf32> into tensor<8x13x8xf32>
  %x5 = tensor.expand_shape %v [[0, 1], [2], [3]] output_shape [2, 2, 13, 8] : tensor<4x13x8xf32> into tensor<2x2x13x8xf32>
  %e6 = tensor.empty() : tensor<2x4x13x8xf32>
  %g7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x5 : tensor<2x2x13x8xf32>) outs(%e6 : tensor<2x4x13x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<2x4x13x8xf32>
  %c8 = tensor.collapse_shape %g7 [[0, 1], [2], [3]] : tensor<2x4x13x8xf32> into tensor<8x13x8xf32>
  %c9 = arith.constant 0.35355339059327373 : f32
  %e10 = tensor.empty() : tensor<8x9x8xf32>
  %g11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q : tensor<8x9x8xf32>) outs(%e10 : tensor<8x9x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c9 : f32
    linalg.yield %m : f32
  } -> tensor<8x9x8xf32>
  %e12 = tensor.empty() : tensor<8x8x13xf32>
  %kt13 = linalg.transpose ins(%c4 : tensor<8x13x8xf32>) outs(%e12 : tensor<8x8x13xf32>) permutation = [0, 2, 1]
  %e14 = tensor.empty() : tensor<8x9x13xf32>
  %c15 = arith.constant 0.000000e+00 : f32
  %f16 = linalg.fill ins(%c15 : f32) outs(%e14 : tensor<8x9x13xf32>) -> tensor<8x9x13xf32>
  %s17 = linalg.batch_matmul ins(%g11, %kt13 : tensor<8x9x8xf32>, tensor<8x8x13xf32>) outs(%f16 : tensor<8x9x13xf32>) -> tensor<8x9x13xf32>
  %mask18 = arith.constant dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<9x13xf32>
  %e19 = tensor.empty() : tensor<8x9x13xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%mask18, %s17 : tensor<9x13xf32>, tensor<8x9x13xf32>) outs(%e19 : tensor<8x9x13xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.addf %a1, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<8x9x13xf32>
  %e21 = tensor.empty() : tensor<8x9x13xf32>
  %p22 = linalg.softmax dimension(2) ins(%g20 : tensor<8x9x13xf32>) outs(%e21 : tensor<8x9x13xf32>) -> tensor<8x9x13xf32>
  %e23 = tensor.empty() : tensor<8x9x8xf32>
  %c24 = arith.constant 0.000000e+00 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<8x9x8xf32>) -> tensor<8x9x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o26 = linalg.batch_matmul indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>] ins(%p22, %c8 : tensor<8x9x13xf32>, tensor<8x13x8xf32>) outs(%f25 : tensor<8x9x8xf32>) -> tensor<8x9x8xf32>
  return %o26 : tensor<8x9x8xf32>
}

// -----

// Without a 4-D shape anywhere, [B*H, N, D] becomes [B*H, 1, N, D].
// CHECK-LABEL: func.func @named_bias_bf16
// CHECK-SAME: %[[B:[^:]+]]: tensor<3x7x7xbf16>
// CHECK: %[[M:.+]] = tensor.expand_shape %[[B]] {{\[\[}}0, 1], [2], [3]] output_shape [3, 1, 7, 7]
// The scale is the bf16 constant the program multiplies Q by.
// CHECK: fa.attention ins({{.*}}) mask(%[[M]] : tensor<3x1x7x7xbf16>) outs({{.*}}) {scale = 0.353515625 : f32}
func.func @named_bias_bf16(%q: tensor<3x7x8xbf16>, %k: tensor<3x7x8xbf16>, %v: tensor<3x7x8xbf16>, %bias: tensor<3x7x7xbf16>) -> tensor<3x7x8xbf16> {
  %c1 = arith.constant 0.35355339059327373 : bf16
  %e2 = tensor.empty() : tensor<3x7x8xbf16>
  %g3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q : tensor<3x7x8xbf16>) outs(%e2 : tensor<3x7x8xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %m = arith.mulf %a0, %c1 : bf16
    linalg.yield %m : bf16
  } -> tensor<3x7x8xbf16>
  %e4 = tensor.empty() : tensor<3x8x7xbf16>
  %kt5 = linalg.transpose ins(%k : tensor<3x7x8xbf16>) outs(%e4 : tensor<3x8x7xbf16>) permutation = [0, 2, 1]
  %e6 = tensor.empty() : tensor<3x7x7xbf16>
  %c7 = arith.constant 0.000000e+00 : bf16
  %f8 = linalg.fill ins(%c7 : bf16) outs(%e6 : tensor<3x7x7xbf16>) -> tensor<3x7x7xbf16>
  %s9 = linalg.batch_matmul ins(%g3, %kt5 : tensor<3x7x8xbf16>, tensor<3x8x7xbf16>) outs(%f8 : tensor<3x7x7xbf16>) -> tensor<3x7x7xbf16>
  %e10 = tensor.empty() : tensor<3x7x7xbf16>
  %g11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias, %s9 : tensor<3x7x7xbf16>, tensor<3x7x7xbf16>) outs(%e10 : tensor<3x7x7xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %out: bf16):
    %r = arith.addf %a1, %a0 : bf16
    linalg.yield %r : bf16
  } -> tensor<3x7x7xbf16>
  %e12 = tensor.empty() : tensor<3x7x7xbf16>
  %p13 = linalg.softmax dimension(2) ins(%g11 : tensor<3x7x7xbf16>) outs(%e12 : tensor<3x7x7xbf16>) -> tensor<3x7x7xbf16>
  %e14 = tensor.empty() : tensor<3x7x8xbf16>
  %c15 = arith.constant 0.000000e+00 : bf16
  %f16 = linalg.fill ins(%c15 : bf16) outs(%e14 : tensor<3x7x8xbf16>) -> tensor<3x7x8xbf16>
  // expected-remark @below {{raised to fa.attention}}
  %o17 = linalg.batch_matmul indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>] ins(%p13, %v : tensor<3x7x7xbf16>, tensor<3x7x8xbf16>) outs(%f16 : tensor<3x7x8xbf16>) -> tensor<3x7x8xbf16>
  return %o17 : tensor<3x7x8xbf16>
}

// -----

// The same chain as the negative cases below, intact: it is raised.
// No constant is left dead: the scale the generic's body captured goes too.
// CHECK-LABEL: func.func @named_base
// CHECK-NOT: arith.constant
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {scale = 2.500000e-01 : f32}
// CHECK-NOT: arith.constant
// CHECK: return
func.func @named_base(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Softmax over the query axis.
// CHECK-LABEL: func.func @negative_softmax_wrong_axis
// CHECK-NOT: fa.attention
func.func @negative_softmax_wrong_axis(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(1) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: linalg.softmax is not over the last axis}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The scale multiplies P, not S.
// CHECK-LABEL: func.func @negative_scale_after_softmax
// CHECK-NOT: fa.attention
func.func @negative_scale_after_softmax(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.addf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%p2, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The mask multiplies the scores instead of adding to them.
// CHECK-LABEL: func.func @negative_mask_multiplied
// CHECK-NOT: fa.attention
func.func @negative_mask_multiplied(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %mask: tensor<4x8x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e9 = tensor.empty() : tensor<4x8x8xf32>
  %pm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p, %mask : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%e9 : tensor<4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%pm, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// S is returned too: raising would lose it.
// CHECK-LABEL: func.func @negative_s_used_twice
// CHECK-NOT: fa.attention
func.func @negative_s_used_twice(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<4x8x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the scores have a use outside the attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o, %s : tensor<4x8x16xf32>, tensor<4x8x8xf32>
}

// -----

// P is returned too.
// CHECK-LABEL: func.func @negative_p_used_twice
// CHECK-NOT: fa.attention
func.func @negative_p_used_twice(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<4x8x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P has a use outside the attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o, %p : tensor<4x8x16xf32>, tensor<4x8x8xf32>
}

// -----

// The scale is a function argument.
// CHECK-LABEL: func.func @negative_scale_not_constant
// CHECK-NOT: fa.attention
func.func @negative_scale_not_constant(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %sc: f32) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %sc : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the elementwise op on the scores is not scale * s (+ bias) with a positive constant scale and one bias}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// K permuted over more than its last two axes ([D, B, N] here): K is that
// permutation of the input, which the raise transposes into [B, N, D].
// CHECK-LABEL: func.func @permuted_k
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<16x4x8xf32>
// CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<16x4x8xf32>) outs(%{{.+}} : tensor<4x8x16xf32>) permutation = [1, 2, 0]
// CHECK: %[[K4:.+]] = tensor.expand_shape %[[KT]] {{\[}}[0, 1], [2], [3]]
// CHECK: fa.attention ins(%{{.+}}, %[[K4]], %{{.+}} : {{.*}}) outs({{.*}}) {scale = 2.500000e-01 : f32}
func.func @permuted_k(%q: tensor<4x8x16xf32>, %k: tensor<16x4x8xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<16x4x8xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [1, 0, 2]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// A negative scale is not a softmax scale of fa.attention.
// CHECK-LABEL: func.func @negative_negative_scale
// CHECK-NOT: fa.attention
func.func @negative_negative_scale(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %c : f32
    %m = arith.mulf %in, %n : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the elementwise op on the scores is not scale * s (+ bias) with a positive constant scale and one bias}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// torch-mlir's print of softmax(S, dtype=float32).to(bf16) in a bf16 program:
// the scores extended to f32 by a linalg.generic, the row max as aten.max.dim
// lowers it (values and unused indices, both tensor.cast), the division as
// aten.reciprocal then aten.mul, P truncated back to bf16.
// CHECK-LABEL: func.func @torch_maxdim_reciprocal_mixed_bf16
// CHECK-SAME: (%[[Q:.+]]: tensor<1x2x4x8xbf16>, %[[K:.+]]: tensor<1x2x6x8xbf16>, %[[V:.+]]: tensor<1x2x6x8xbf16>)
// CHECK: %[[O:.+]] = fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x2x4x8xbf16>, tensor<1x2x6x8xbf16>, tensor<1x2x6x8xbf16>) outs(%{{.+}} : tensor<1x2x4x8xbf16>) {scale = 0.353515625 : f32}
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.cast
// CHECK: return %[[O]]
func.func @torch_maxdim_reciprocal_mixed_bf16(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x6x8xbf16>, %v: tensor<1x2x6x8xbf16>) -> tensor<1x2x4x8xbf16> {
  %e1 = tensor.empty() : tensor<1x2x8x6xbf16>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x6x8xbf16>) outs(%e1 : tensor<1x2x8x6xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    linalg.yield %a0 : bf16
  } -> tensor<1x2x8x6xbf16>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xbf16> into tensor<2x4x8xbf16>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<1x2x8x6xbf16> into tensor<2x8x6xbf16>
  %e5 = tensor.empty() : tensor<2x4x6xbf16>
  %c6 = arith.constant 0.000000e+00 : bf16
  %f7 = linalg.fill ins(%c6 : bf16) outs(%e5 : tensor<2x4x6xbf16>) -> tensor<2x4x6xbf16>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<2x4x8xbf16>, tensor<2x8x6xbf16>) outs(%f7 : tensor<2x4x6xbf16>) -> tensor<2x4x6xbf16>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xbf16> into tensor<1x2x4x6xbf16>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<1x2x4x6xbf16>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<1x2x4x6xbf16>) outs(%e11 : tensor<1x2x4x6xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %t = arith.truncf %cf10 : f64 to bf16
    %m = arith.mulf %a0, %t : bf16
    linalg.yield %m : bf16
  } -> tensor<1x2x4x6xbf16>
  %e13 = tensor.empty() : tensor<1x2x4x6xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12 : tensor<1x2x4x6xbf16>) outs(%e13 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: bf16, %out: f32):
    %x = arith.extf %a0 : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<1x2x4x6xf32>
  %e15 = tensor.empty() : tensor<1x2x4x1xf32>
  %c16 = arith.constant 0xFF800000 : f32
  %f17 = linalg.fill ins(%c16 : f32) outs(%e15 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %e18 = tensor.empty() : tensor<1x2x4x1xi64>
  %c19 = arith.constant 0 : i64
  %f20 = linalg.fill ins(%c19 : i64) outs(%e18 : tensor<1x2x4x1xi64>) -> tensor<1x2x4x1xi64>
  %g21:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g14 : tensor<1x2x4x6xf32>) outs(%f17, %f20 : tensor<1x2x4x1xf32>, tensor<1x2x4x1xi64>) {
  ^bb0(%a0: f32, %out: f32, %oi: i64):
    %i = linalg.index 3 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %a0, %out : f32
    %gt = arith.cmpf ogt, %a0, %out : f32
    %si = arith.select %gt, %ic, %oi : i64
    linalg.yield %r, %si : f32, i64
  } -> (tensor<1x2x4x1xf32>, tensor<1x2x4x1xi64>)
  %vc22 = tensor.cast %g21#0 : tensor<1x2x4x1xf32> to tensor<1x2x4x1xf32>
  %ic23 = tensor.cast %g21#1 : tensor<1x2x4x1xi64> to tensor<1x2x4x1xi64>
  %e24 = tensor.empty() : tensor<1x2x4x6xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g14, %vc22 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e24 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e26 = tensor.empty() : tensor<1x2x4x6xf32>
  %g27 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g25 : tensor<1x2x4x6xf32>) outs(%e26 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e28 = tensor.empty() : tensor<1x2x4x1xf32>
  %c29 = arith.constant 0.000000e+00 : f32
  %f30 = linalg.fill ins(%c29 : f32) outs(%e28 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g27 : tensor<1x2x4x6xf32>) outs(%f30 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e32 = tensor.empty() : tensor<1x2x4x1xf32>
  %g33 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g31 : tensor<1x2x4x1xf32>) outs(%e32 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e34 = tensor.empty() : tensor<1x2x4x6xf32>
  %g35 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g27, %g33 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e34 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.mulf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e36 = tensor.empty() : tensor<1x2x4x6xbf16>
  %g37 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g35 : tensor<1x2x4x6xf32>) outs(%e36 : tensor<1x2x4x6xbf16>) {
  ^bb0(%a0: f32, %out: bf16):
    %x = arith.truncf %a0 : f32 to bf16
    linalg.yield %x : bf16
  } -> tensor<1x2x4x6xbf16>
  %pc38 = tensor.collapse_shape %g37 [[0, 1], [2], [3]] : tensor<1x2x4x6xbf16> into tensor<2x4x6xbf16>
  %vc39 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xbf16> into tensor<2x6x8xbf16>
  %e40 = tensor.empty() : tensor<2x4x8xbf16>
  %c41 = arith.constant 0.000000e+00 : bf16
  %f42 = linalg.fill ins(%c41 : bf16) outs(%e40 : tensor<2x4x8xbf16>) -> tensor<2x4x8xbf16>
  // expected-remark @below {{raised to fa.attention}}
  %o43 = linalg.batch_matmul ins(%pc38, %vc39 : tensor<2x4x6xbf16>, tensor<2x6x8xbf16>) outs(%f42 : tensor<2x4x8xbf16>) -> tensor<2x4x8xbf16>
  %o44 = tensor.expand_shape %o43 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xbf16> into tensor<1x2x4x8xbf16>
  return %o44 : tensor<1x2x4x8xbf16>
}

// -----

// The same in compact form: bf16 operands, softmax in f32 (extf, max with
// indices, reciprocal op, truncf).
// CHECK-LABEL: func.func @maxdim_reciprocal_mixed_bf16
// CHECK: fa.attention ins({{.*}} : tensor<4x1x8x16xbf16>, tensor<4x1x8x16xbf16>, tensor<4x1x8x16xbf16>) outs({{.*}}) {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @maxdim_reciprocal_mixed_bf16(%q: tensor<4x8x16xbf16>, %k: tensor<4x8x16xbf16>, %v: tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16> {
  %zero = arith.constant 0.000000e+00 : bf16
  %c = arith.constant 2.500000e-01 : bf16
  %e0 = tensor.empty() : tensor<4x16x8xbf16>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xbf16>) outs(%e0 : tensor<4x16x8xbf16>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xbf16>
  %z1 = linalg.fill ins(%zero : bf16) outs(%e1 : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xbf16>, tensor<4x16x8xbf16>) outs(%z1 : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %ss_e = tensor.empty() : tensor<4x8x8xbf16>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xbf16>) outs(%ss_e : tensor<4x8x8xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %m = arith.mulf %a0, %c : bf16
    linalg.yield %m : bf16
  } -> tensor<4x8x8xbf16>
  %sx_e = tensor.empty() : tensor<4x8x8xf32>
  %sx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss : tensor<4x8x8xbf16>) outs(%sx_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: bf16, %out: f32):
    %x0 = arith.extf %a0 : bf16 to f32
    linalg.yield %x0 : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sx : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sx, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %pt_e = tensor.empty() : tensor<4x8x8xbf16>
  %pt = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<4x8x8xf32>) outs(%pt_e : tensor<4x8x8xbf16>) {
  ^bb0(%a0: f32, %out: bf16):
    %t = arith.truncf %a0 : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4x8x8xbf16>
  %e2 = tensor.empty() : tensor<4x8x16xbf16>
  %z2 = linalg.fill ins(%zero : bf16) outs(%e2 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%pt, %v : tensor<4x8x8xbf16>, tensor<4x8x16xbf16>) outs(%z2 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  return %o : tensor<4x8x16xbf16>
}

// -----

// e * (1 / l) in one linalg.generic (after elementwise fusion).
// CHECK-LABEL: func.func @maxdim_reciprocal_fused
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @maxdim_reciprocal_fused(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %l : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a1 : f32
    %m = arith.mulf %a0, %r : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The indices of the row max are returned: raising would lose them.
// CHECK-LABEL: func.func @negative_maxdim_indices_used
// CHECK-NOT: fa.attention
func.func @negative_maxdim_indices_used(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<4x8x1xi64>) {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the indices of the row max are used}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o, %mx#1 : tensor<4x8x16xf32>, tensor<4x8x1xi64>
}

// -----

// aten.max.dim over the query axis.
// CHECK-LABEL: func.func @negative_maxdim_wrong_axis
// CHECK-NOT: fa.attention
func.func @negative_maxdim_wrong_axis(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x1x8xf32>
  %ei = tensor.empty() : tensor<4x1x8xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x1x8xf32>) -> tensor<4x1x8xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x1x8xi64>) -> tensor<4x1x8xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x1x8xf32>, tensor<4x1x8xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 1 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x1x8xf32>, tensor<4x1x8xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x1x8xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the value subtracted in exp(s - m) is not one per row}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// e * (2 / l) is not a softmax.
// CHECK-LABEL: func.func @negative_reciprocal_not_one
// CHECK-NOT: fa.attention
func.func @negative_reciprocal_not_one(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 2.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The same, fused in one generic.
// CHECK-LABEL: func.func @negative_reciprocal_fused_not_one
// CHECK-NOT: fa.attention
func.func @negative_reciprocal_fused_not_one(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %l : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %one = arith.constant 2.000000e+00 : f32
    %r = arith.divf %one, %a1 : f32
    %m = arith.mulf %a0, %r : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// e * (1 / max) instead of e * (1 / sum).
// CHECK-LABEL: func.func @negative_reciprocal_of_max
// CHECK-NOT: fa.attention
func.func @negative_reciprocal_of_max(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ss : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%mx#0 : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the softmax divisor is not a reduction over the last axis of the dividend}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// An f32 program that rounds the scores to bf16: fa.attention in f32 cannot express it.
// CHECK-LABEL: func.func @negative_scores_rounded_to_bf16
// CHECK-NOT: fa.attention
func.func @negative_scores_rounded_to_bf16(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %sx_e = tensor.empty() : tensor<4x8x8xf32>
  %sx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss : tensor<4x8x8xf32>) outs(%sx_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x0 = arith.truncf %a0 : f32 to bf16
    %x1 = arith.extf %x0 : bf16 to f32
    linalg.yield %x1 : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sx : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sx, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: an op of the chain computes in a float type other than the operands' or f32}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// A bf16 program that rounds the scores to f16 (another range) on the way to f32.
// CHECK-LABEL: func.func @negative_mixed_scores_rounded_to_f16
// CHECK-NOT: fa.attention
func.func @negative_mixed_scores_rounded_to_f16(%q: tensor<4x8x16xbf16>, %k: tensor<4x8x16xbf16>, %v: tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16> {
  %zero = arith.constant 0.000000e+00 : bf16
  %c = arith.constant 2.500000e-01 : bf16
  %e0 = tensor.empty() : tensor<4x16x8xbf16>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xbf16>) outs(%e0 : tensor<4x16x8xbf16>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xbf16>
  %z1 = linalg.fill ins(%zero : bf16) outs(%e1 : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xbf16>, tensor<4x16x8xbf16>) outs(%z1 : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %ss_e = tensor.empty() : tensor<4x8x8xbf16>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xbf16>) outs(%ss_e : tensor<4x8x8xbf16>) {
  ^bb0(%a0: bf16, %out: bf16):
    %m = arith.mulf %a0, %c : bf16
    linalg.yield %m : bf16
  } -> tensor<4x8x8xbf16>
  %sx_e = tensor.empty() : tensor<4x8x8xf32>
  %sx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss : tensor<4x8x8xbf16>) outs(%sx_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: bf16, %out: f32):
    %x0 = arith.extf %a0 : bf16 to f32
    %x1 = arith.truncf %x0 : f32 to f16
    %x2 = arith.extf %x1 : f16 to f32
    linalg.yield %x2 : f32
  } -> tensor<4x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zs = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf32>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sx : tensor<4x8x8xf32>) outs(%mi, %ii : tensor<4x8x1xf32>, tensor<4x8x1xi64>) {
  ^bb0(%in: f32, %acc: f32, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f32
    %gt = arith.cmpf ogt, %in, %acc : f32
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f32, i64
  } -> (tensor<4x8x1xf32>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf32>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sx, %mx#0 : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%sub_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %ex_e = tensor.empty() : tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf32>) outs(%ex_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %el = tensor.empty() : tensor<4x8x1xf32>
  %li = linalg.fill ins(%zs : f32) outs(%el : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%li : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %a = arith.addf %a0, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8x1xf32>
  %rl_e = tensor.empty() : tensor<4x8x1xf32>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf32>) outs(%rl_e : tensor<4x8x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %r = arith.divf %one, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %p_e = tensor.empty() : tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%p_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.mulf %a1, %a0 : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %pt_e = tensor.empty() : tensor<4x8x8xbf16>
  %pt = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<4x8x8xf32>) outs(%pt_e : tensor<4x8x8xbf16>) {
  ^bb0(%a0: f32, %out: bf16):
    %t = arith.truncf %a0 : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4x8x8xbf16>
  %e2 = tensor.empty() : tensor<4x8x16xbf16>
  %z2 = linalg.fill ins(%zero : bf16) outs(%e2 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  // expected-remark @below {{not raised to fa.attention: an op of the chain computes in a float type other than the operands' or f32}}
  %o = linalg.batch_matmul ins(%pt, %v : tensor<4x8x8xbf16>, tensor<4x8x16xbf16>) outs(%z2 : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  return %o : tensor<4x8x16xbf16>
}

// -----

// The softmax in f64: fa.attention computes in f32, less precisely.
// CHECK-LABEL: func.func @negative_softmax_in_f64
// CHECK-NOT: fa.attention
func.func @negative_softmax_in_f64(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss_e = tensor.empty() : tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%ss_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %m = arith.mulf %a0, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %sx_e = tensor.empty() : tensor<4x8x8xf64>
  %sx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss : tensor<4x8x8xf32>) outs(%sx_e : tensor<4x8x8xf64>) {
  ^bb0(%a0: f32, %out: f64):
    %x0 = arith.extf %a0 : f32 to f64
    linalg.yield %x0 : f64
  } -> tensor<4x8x8xf64>
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %zs = arith.constant 0.000000e+00 : f64
  %c0 = arith.constant 0 : i64
  %er = tensor.empty() : tensor<4x8x1xf64>
  %ei = tensor.empty() : tensor<4x8x1xi64>
  %mi = linalg.fill ins(%ninf : f64) outs(%er : tensor<4x8x1xf64>) -> tensor<4x8x1xf64>
  %ii = linalg.fill ins(%c0 : i64) outs(%ei : tensor<4x8x1xi64>) -> tensor<4x8x1xi64>
  %mx:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sx : tensor<4x8x8xf64>) outs(%mi, %ii : tensor<4x8x1xf64>, tensor<4x8x1xi64>) {
  ^bb0(%in: f64, %acc: f64, %idx: i64):
    %i = linalg.index 2 : index
    %ic = arith.index_cast %i : index to i64
    %r = arith.maximumf %in, %acc : f64
    %gt = arith.cmpf ogt, %in, %acc : f64
    %sel = arith.select %gt, %ic, %idx : i64
    linalg.yield %r, %sel : f64, i64
  } -> (tensor<4x8x1xf64>, tensor<4x8x1xi64>)
  %sub_e = tensor.empty() : tensor<4x8x8xf64>
  %sub = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sx, %mx#0 : tensor<4x8x8xf64>, tensor<4x8x1xf64>) outs(%sub_e : tensor<4x8x8xf64>) {
  ^bb0(%a0: f64, %a1: f64, %out: f64):
    %d = arith.subf %a0, %a1 : f64
    linalg.yield %d : f64
  } -> tensor<4x8x8xf64>
  %ex_e = tensor.empty() : tensor<4x8x8xf64>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sub : tensor<4x8x8xf64>) outs(%ex_e : tensor<4x8x8xf64>) {
  ^bb0(%a0: f64, %out: f64):
    %x = math.exp %a0 : f64
    linalg.yield %x : f64
  } -> tensor<4x8x8xf64>
  %el = tensor.empty() : tensor<4x8x1xf64>
  %li = linalg.fill ins(%zs : f64) outs(%el : tensor<4x8x1xf64>) -> tensor<4x8x1xf64>
  %l = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf64>) outs(%li : tensor<4x8x1xf64>) {
  ^bb0(%a0: f64, %out: f64):
    %a = arith.addf %a0, %out : f64
    linalg.yield %a : f64
  } -> tensor<4x8x1xf64>
  %rl_e = tensor.empty() : tensor<4x8x1xf64>
  %rl = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%l : tensor<4x8x1xf64>) outs(%rl_e : tensor<4x8x1xf64>) {
  ^bb0(%a0: f64, %out: f64):
    %one = arith.constant 1.000000e+00 : f64
    %r = arith.divf %one, %a0 : f64
    linalg.yield %r : f64
  } -> tensor<4x8x1xf64>
  %p_e = tensor.empty() : tensor<4x8x8xf64>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %rl : tensor<4x8x8xf64>, tensor<4x8x1xf64>) outs(%p_e : tensor<4x8x8xf64>) {
  ^bb0(%a0: f64, %a1: f64, %out: f64):
    %m = arith.mulf %a1, %a0 : f64
    linalg.yield %m : f64
  } -> tensor<4x8x8xf64>
  %pt_e = tensor.empty() : tensor<4x8x8xf32>
  %pt = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p : tensor<4x8x8xf64>) outs(%pt_e : tensor<4x8x8xf32>) {
  ^bb0(%a0: f64, %out: f32):
    %t = arith.truncf %a0 : f64 to f32
    linalg.yield %t : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: an op of the chain computes in a float type other than the operands' or f32}}
  %o = linalg.batch_matmul ins(%pt, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// A contraction no softmax feeds is not a candidate: no remark.
// CHECK-LABEL: func.func @not_a_candidate
// CHECK: linalg.batch_matmul
func.func @not_a_candidate(%a: tensor<4x8x8xf32>, %b: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<4x8x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%a, %b : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}


// -----

// The softmax as upstream's linalg.softmax decomposition (decompose_interface)
// writes it: the row max by arith.maxnumf from NaN, its identity.
// CHECK-LABEL: func.func @softmax_decomposed
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {scale = 1.000000e+00 : f32}
// CHECK-NOT: linalg.
func.func @softmax_decomposed(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %nan = arith.constant 0xFFC00000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %er = tensor.empty() : tensor<4x8xf32>
  %mi = linalg.fill ins(%nan : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s : tensor<4x8x8xf32>) outs(%mi : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maxnumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.subf %in, %in_2 : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%si : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sm : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.divf %in, %in_2 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// arith.maximumf from NaN propagates the NaN: every row max is NaN.
// CHECK-LABEL: func.func @negative_maximumf_from_nan
// CHECK-NOT: fa.attention
func.func @negative_maximumf_from_nan(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %nan = arith.constant 0xFFC00000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %er = tensor.empty() : tensor<4x8xf32>
  %mi = linalg.fill ins(%nan : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s : tensor<4x8x8xf32>) outs(%mi : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.subf %in, %in_2 : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%si : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sm : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.divf %in, %in_2 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the row max does not start from -inf, the lowest finite value or (for arith.maxnumf) NaN}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Hugging Face masked_fill / JAX where with an i1 keep-mask: the mask operand.
// CHECK-LABEL: func.func @select_keep_mask
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<4x8x8xi1>
// CHECK: %[[M4:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]]
// CHECK: fa.attention ins({{.*}}) mask(%[[M4]] : tensor<4x1x8x8xi1>) outs({{.*}}) {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @select_keep_mask(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<4x8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<4x8x8xi1>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: i1, %out: f32):
    %x = arith.mulf %a0, %c : f32
    %r = arith.select %a1, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The causal condition j <= i + (Nk - Nq) built from linalg.index (JAX's
// where(tril), torch's masked_fill of a triu): causal.
// CHECK-LABEL: func.func @select_causal_index
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {causal, scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.
func.func @select_causal_index(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %x = arith.mulf %a0, %c : f32
    %keep = arith.cmpi sle, %j, %i : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// The same, written as masked_fill(j > i, -inf) in i64 with the scale after
// the select.
// CHECK-LABEL: func.func @select_causal_drop
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {causal, scale = 2.500000e-01 : f32}
func.func @select_causal_drop(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %i64 = arith.index_cast %i : index to i64
    %j64 = arith.index_cast %j : index to i64
    %c0 = arith.constant 0 : i64
    %ic = arith.addi %i64, %c0 : i64
    %drop = arith.cmpi sgt, %j64, %ic : i64
    %r = arith.select %drop, %ninf, %a0 : f32
    %x = arith.mulf %r, %c : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Another condition computed from linalg.index alone (j < i hides the
// diagonal too: not causal) becomes an i1 mask built by a generic over the
// score space.
// CHECK-LABEL: func.func @select_index_mask
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x8x8xi1>
// CHECK: %[[M:.+]] = linalg.generic {{.*}} outs(%[[E]] : tensor<4x8x8xi1>)
// CHECK: %[[I:.+]] = linalg.index 1 : index
// CHECK: %[[J:.+]] = linalg.index 2 : index
// CHECK: %[[C:.+]] = arith.cmpi slt, %[[J]], %[[I]] : index
// CHECK: linalg.yield %[[C]] : i1
// CHECK: %[[M4:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]]
// CHECK: fa.attention ins({{.*}}) mask(%[[M4]] : tensor<4x1x8x8xi1>) outs({{.*}}) {scale = 2.500000e-01 : f32}
// CHECK-NOT: linalg.batch_matmul
func.func @select_index_mask(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %x = arith.mulf %a0, %c : f32
    %keep = arith.cmpi slt, %j, %i : index
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// A condition on the scores' values (select(s > 0, s, -inf)) is not a mask.
// CHECK-LABEL: func.func @negative_select_on_values
// CHECK-NOT: fa.attention
func.func @negative_select_on_values(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %x = arith.mulf %a0, %c : f32
    %keep = arith.cmpf ogt, %a0, %zero : f32
    %r = arith.select %keep, %x, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the select's condition depends on the scores' values, or the scores' shape is dynamic}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// select(m, -inf, s) with an i1 input drops where m is true: the keep-mask
// is its negation, built by a generic that reads it.
// CHECK-LABEL: func.func @select_drop_mask
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<4x8x8xi1>
// CHECK: %[[K:.+]] = linalg.generic {{.*}} ins(%[[M]] : tensor<4x8x8xi1>) outs(%{{.+}} : tensor<4x8x8xi1>)
// CHECK: ^bb0(%[[IN:.+]]: i1, %{{.+}}: i1):
// CHECK: %[[T:.+]] = arith.constant true
// CHECK: %[[X:.+]] = arith.xori %[[IN]], %[[T]] : i1
// CHECK: linalg.yield %[[X]] : i1
// CHECK: %[[K4:.+]] = tensor.expand_shape %[[K]]
// CHECK: fa.attention ins({{.*}}) mask(%[[K4]] : tensor<4x1x8x8xi1>)
func.func @select_drop_mask(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<4x8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<4x8x8xi1>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: i1, %out: f32):
    %x = arith.mulf %a0, %c : f32
    %r = arith.select %a1, %ninf, %x : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Masked scores set to 0, not -inf: they still get weight.
// CHECK-LABEL: func.func @negative_select_zero
// CHECK-NOT: fa.attention
func.func @negative_select_zero(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<4x8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<4x8x8xi1>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%a0: f32, %a1: i1, %out: f32):
    %x = arith.mulf %a0, %c : f32
    %r = arith.select %a1, %x, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the elementwise op on the scores is not scale * s (+ bias) with a positive constant scale and one bias}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// torch-mlir's SDPA with is_causal: a 0 / -inf bias generic built from
// linalg.index, bottom-right: causal, and the generic goes.
// CHECK-LABEL: func.func @torch_sdpa_is_causal
// CHECK: fa.attention ins({{.*}}) outs({{.*}}) {causal, scale = 0.353553385 : f32}
// CHECK-NOT: linalg.
func.func @torch_sdpa_is_causal(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %e1 = tensor.empty() : tensor<1x2x8x6xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x6x8xf32>) outs(%e1 : tensor<1x2x8x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x8x6xf32>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
  %e5 = tensor.empty() : tensor<2x4x6xf32>
  %c6 = arith.constant 0.000000e+00 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f7 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<1x2x4x6xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<1x2x4x6xf32>) outs(%e11 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf10 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e13 = tensor.empty() : tensor<1x1x4x6xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e13 : tensor<1x1x4x6xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %off = arith.constant 2 : index
    %lim = arith.addi %i, %off : index
    %keep = arith.cmpi sle, %j, %lim : index
    %z = arith.constant 0.000000e+00 : f32
    %n = arith.constant 0xFF800000 : f32
    %r = arith.select %keep, %z, %n : f32
    linalg.yield %r : f32
  } -> tensor<1x1x4x6xf32>
  %one15 = arith.constant 1.000000e+00 : f32
  %e16 = tensor.empty() : tensor<1x2x4x6xf32>
  %g17 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %g14 : tensor<1x2x4x6xf32>, tensor<1x1x4x6xf32>) outs(%e16 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %w = arith.mulf %a1, %one15 : f32
    %r = arith.addf %a0, %w : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e18 = tensor.empty() : tensor<1x2x4x1xf32>
  %c19 = arith.constant 0xFF800000 : f32
  %f20 = linalg.fill ins(%c19 : f32) outs(%e18 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g21 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g17 : tensor<1x2x4x6xf32>) outs(%f20 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e22 = tensor.empty() : tensor<1x2x4x6xf32>
  %g23 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g17, %g21 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e22 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e24 = tensor.empty() : tensor<1x2x4x6xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g23 : tensor<1x2x4x6xf32>) outs(%e24 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e26 = tensor.empty() : tensor<1x2x4x1xf32>
  %c27 = arith.constant 0.000000e+00 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g29 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g25 : tensor<1x2x4x6xf32>) outs(%f28 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e30 = tensor.empty() : tensor<1x2x4x6xf32>
  %g31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g25, %g29 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e30 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %pc32 = tensor.collapse_shape %g31 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
  %vc33 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
  %e34 = tensor.empty() : tensor<2x4x8xf32>
  %c35 = arith.constant 0.000000e+00 : f32
  %f36 = linalg.fill ins(%c35 : f32) outs(%e34 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o37 = linalg.batch_matmul ins(%pc32, %vc33 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%f36 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o38 = tensor.expand_shape %o37 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %o38 : tensor<1x2x4x8xf32>
}

// -----

// The top-left causal mask (j <= i with Nq < Nk) is not fa.attention's causal:
// it stays a mask operand.
// CHECK-LABEL: func.func @torch_sdpa_is_causal_top_left
// CHECK: %[[M:.+]] = linalg.generic
// CHECK: fa.attention ins({{.*}}) mask(%[[M]] : tensor<1x1x4x6xf32>) outs({{.*}}) {scale = 0.353553385 : f32}
func.func @torch_sdpa_is_causal_top_left(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %e1 = tensor.empty() : tensor<1x2x8x6xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x6x8xf32>) outs(%e1 : tensor<1x2x8x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x8x6xf32>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
  %e5 = tensor.empty() : tensor<2x4x6xf32>
  %c6 = arith.constant 0.000000e+00 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f7 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<1x2x4x6xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<1x2x4x6xf32>) outs(%e11 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf10 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e13 = tensor.empty() : tensor<1x1x4x6xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e13 : tensor<1x1x4x6xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %off = arith.constant 0 : index
    %lim = arith.addi %i, %off : index
    %keep = arith.cmpi sle, %j, %lim : index
    %z = arith.constant 0.000000e+00 : f32
    %n = arith.constant 0xFF800000 : f32
    %r = arith.select %keep, %z, %n : f32
    linalg.yield %r : f32
  } -> tensor<1x1x4x6xf32>
  %one15 = arith.constant 1.000000e+00 : f32
  %e16 = tensor.empty() : tensor<1x2x4x6xf32>
  %g17 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %g14 : tensor<1x2x4x6xf32>, tensor<1x1x4x6xf32>) outs(%e16 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %w = arith.mulf %a1, %one15 : f32
    %r = arith.addf %a0, %w : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e18 = tensor.empty() : tensor<1x2x4x1xf32>
  %c19 = arith.constant 0xFF800000 : f32
  %f20 = linalg.fill ins(%c19 : f32) outs(%e18 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g21 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g17 : tensor<1x2x4x6xf32>) outs(%f20 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e22 = tensor.empty() : tensor<1x2x4x6xf32>
  %g23 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g17, %g21 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e22 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e24 = tensor.empty() : tensor<1x2x4x6xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g23 : tensor<1x2x4x6xf32>) outs(%e24 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e26 = tensor.empty() : tensor<1x2x4x1xf32>
  %c27 = arith.constant 0.000000e+00 : f32
  %f28 = linalg.fill ins(%c27 : f32) outs(%e26 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g29 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g25 : tensor<1x2x4x6xf32>) outs(%f28 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e30 = tensor.empty() : tensor<1x2x4x6xf32>
  %g31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g25, %g29 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e30 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %pc32 = tensor.collapse_shape %g31 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
  %vc33 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
  %e34 = tensor.empty() : tensor<2x4x8xf32>
  %c35 = arith.constant 0.000000e+00 : f32
  %f36 = linalg.fill ins(%c35 : f32) outs(%e34 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o37 = linalg.batch_matmul ins(%pc32, %vc33 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%f36 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o38 = tensor.expand_shape %o37 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %o38 : tensor<1x2x4x8xf32>
}

// -----

// torch's expand of a [B, 1, N, D] K and V over the heads (multi-query):
// grouped heads, K and V not repeated.
// CHECK-LABEL: func.func @torch_expand_mqa
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x4x8xf32>, %[[K:.+]]: tensor<1x1x4x8xf32>, %[[V:.+]]: tensor<1x1x4x8xf32>)
// CHECK: fa.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>)
// CHECK-NOT: linalg.
func.func @torch_expand_mqa(%q: tensor<1x4x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %e1 = tensor.empty() : tensor<1x4x4x8xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x1x4x8xf32>) outs(%e1 : tensor<1x4x4x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x4x4x8xf32>
  %e3 = tensor.empty() : tensor<1x4x4x8xf32>
  %g4 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : tensor<1x1x4x8xf32>) outs(%e3 : tensor<1x4x4x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x4x4x8xf32>
  %e5 = tensor.empty() : tensor<1x4x8x4xf32>
  %g6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g2 : tensor<1x4x4x8xf32>) outs(%e5 : tensor<1x4x8x4xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x4x8x4xf32>
  %qc7 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x4x8xf32> into tensor<4x4x8xf32>
  %kc8 = tensor.collapse_shape %g6 [[0, 1], [2], [3]] : tensor<1x4x8x4xf32> into tensor<4x8x4xf32>
  %e9 = tensor.empty() : tensor<4x4x4xf32>
  %c10 = arith.constant 0.000000e+00 : f32
  %f11 = linalg.fill ins(%c10 : f32) outs(%e9 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %s12 = linalg.batch_matmul ins(%qc7, %kc8 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%f11 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %s13 = tensor.expand_shape %s12 [[0, 1], [2], [3]] output_shape [1, 4, 4, 4] : tensor<4x4x4xf32> into tensor<1x4x4x4xf32>
  %cf14 = arith.constant 0.35355339059327373 : f64
  %e15 = tensor.empty() : tensor<1x4x4x4xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s13 : tensor<1x4x4x4xf32>) outs(%e15 : tensor<1x4x4x4xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf14 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x4xf32>
  %e17 = tensor.empty() : tensor<1x4x4x1xf32>
  %c18 = arith.constant 0xFF800000 : f32
  %f19 = linalg.fill ins(%c18 : f32) outs(%e17 : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g16 : tensor<1x4x4x4xf32>) outs(%f19 : tensor<1x4x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x1xf32>
  %e21 = tensor.empty() : tensor<1x4x4x4xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g16, %g20 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%e21 : tensor<1x4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x4xf32>
  %e23 = tensor.empty() : tensor<1x4x4x4xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g22 : tensor<1x4x4x4xf32>) outs(%e23 : tensor<1x4x4x4xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x4xf32>
  %e25 = tensor.empty() : tensor<1x4x4x1xf32>
  %c26 = arith.constant 0.000000e+00 : f32
  %f27 = linalg.fill ins(%c26 : f32) outs(%e25 : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g24 : tensor<1x4x4x4xf32>) outs(%f27 : tensor<1x4x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x1xf32>
  %e29 = tensor.empty() : tensor<1x4x4x4xf32>
  %g30 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g24, %g28 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%e29 : tensor<1x4x4x4xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x4xf32>
  %pc31 = tensor.collapse_shape %g30 [[0, 1], [2], [3]] : tensor<1x4x4x4xf32> into tensor<4x4x4xf32>
  %vc32 = tensor.collapse_shape %g4 [[0, 1], [2], [3]] : tensor<1x4x4x8xf32> into tensor<4x4x8xf32>
  %e33 = tensor.empty() : tensor<4x4x8xf32>
  %c34 = arith.constant 0.000000e+00 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o36 = linalg.batch_matmul ins(%pc31, %vc32 : tensor<4x4x4xf32>, tensor<4x4x8xf32>) outs(%f35 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %o37 = tensor.expand_shape %o36 [[0, 1], [2], [3]] output_shape [1, 4, 4, 8] : tensor<4x4x8xf32> into tensor<1x4x4x8xf32>
  return %o37 : tensor<1x4x4x8xf32>
}

// -----

// One head as 2-D linalg.matmul, K transposed by the contraction's map.
// CHECK-LABEL: func.func @matmul_single_head
// CHECK-SAME: (%[[Q:.+]]: tensor<8x16xf32>, %[[K:.+]]: tensor<12x16xf32>, %[[V:.+]]: tensor<12x16xf32>)
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 8, 16]
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 16]
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 16]
// CHECK: %[[O:.+]] = fa.attention ins(%[[Q4]], %[[K4]], %[[V4]] : {{.*}}) outs({{.*}}) {scale = 2.500000e-01 : f32} -> tensor<1x1x8x16xf32>
// CHECK: %[[O2:.+]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1, 2], [3]] : tensor<1x1x8x16xf32> into tensor<8x16xf32>
// CHECK-NOT: linalg.
// CHECK: return %[[O2]]
func.func @matmul_single_head(%q: tensor<8x16xf32>, %k: tensor<12x16xf32>, %v: tensor<12x16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e1 = tensor.empty() : tensor<8x12xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%q, %k : tensor<8x16xf32>, tensor<12x16xf32>) outs(%z1 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<8x12xf32>) outs(%e1 : tensor<8x12xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<8x12xf32>
  %p = linalg.softmax dimension(1) ins(%ss : tensor<8x12xf32>) outs(%e1 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o = linalg.matmul ins(%p, %v : tensor<8x12xf32>, tensor<12x16xf32>) outs(%z2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %o : tensor<8x16xf32>
}

// -----

// P V contracting P's query axis (P^T V).
// CHECK-LABEL: func.func @negative_pv_wrong_axis
// CHECK-NOT: fa.attention
func.func @negative_pv_wrong_axis(%q: tensor<8x16xf32>, %k: tensor<8x16xf32>, %v: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e1 = tensor.empty() : tensor<8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%q, %k : tensor<8x16xf32>, tensor<8x16xf32>) outs(%z1 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P V does not contract P's last axis with V's rows}}
  %o = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%p, %v : tensor<8x8xf32>, tensor<8x16xf32>) outs(%z2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %o : tensor<8x16xf32>
}

// -----

// exp(s) without the row max subtracted (overflows where exp(s - max) does
// not).
// CHECK-LABEL: func.func @negative_no_max_subtraction
// CHECK-NOT: fa.attention
func.func @negative_no_max_subtraction(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %nan = arith.constant 0xFFC00000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %er = tensor.empty() : tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x = math.exp %in : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%si : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sm : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.divf %in, %in_2 : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: the argument of exp is not s - max(s) (no max subtraction)}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// e / (sum(e) + eps): not the softmax.
// CHECK-LABEL: func.func @negative_eps_in_denominator
// CHECK-NOT: fa.attention
func.func @negative_eps_in_denominator(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %nan = arith.constant 0xFFC00000 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %er = tensor.empty() : tensor<4x8xf32>
  %mi = linalg.fill ins(%nan : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s : tensor<4x8x8xf32>) outs(%mi : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maxnumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.subf %in, %in_2 : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<4x8x8xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%si : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sm : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %eps = arith.constant 9.99999997E-7 : f32
    %l = arith.addf %in_2, %eps : f32
    %d = arith.divf %in, %l : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Dropout after the softmax: P times a keep/scale tensor.
// CHECK-LABEL: func.func @negative_dropout_after_softmax
// CHECK-NOT: fa.attention
func.func @negative_dropout_after_softmax(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %drop: tensor<4x8x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c = arith.constant 2.500000e-01 : f32
  %e0 = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%e0 : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p0 = linalg.softmax dimension(2) ins(%ss : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%p0, %drop : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %m = arith.mulf %in, %w : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  // expected-remark @below {{not raised to fa.attention: P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an elementwise op}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Whisper: K given as [B, N, H, D] and permuted by torch's permute(0, 2, 3, 1)
// into [B, H, D, N]: the raise transposes it into [B, H, N, D].
// CHECK-LABEL: func.func @torch_permute_bnhd_k
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x6x2x8xf32>
// CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<1x6x2x8xf32>) outs(%{{.+}} : tensor<1x2x6x8xf32>) permutation = [0, 2, 1, 3]
// CHECK: fa.attention ins(%{{.+}}, %[[KT]], %{{.+}} : {{.*}}) outs({{.*}}) {scale = 0.353553385 : f32}
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.batch_matmul
func.func @torch_permute_bnhd_k(%q: tensor<1x2x4x8xf32>, %k: tensor<1x6x2x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %e1 = tensor.empty() : tensor<1x2x8x6xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x6x2x8xf32>) outs(%e1 : tensor<1x2x8x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x8x6xf32>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
  %e5 = tensor.empty() : tensor<2x4x6xf32>
  %c6 = arith.constant 0.000000e+00 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f7 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<1x2x4x6xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<1x2x4x6xf32>) outs(%e11 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf10 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e13 = tensor.empty() : tensor<1x2x4x1xf32>
  %c14 = arith.constant 0xFF800000 : f32
  %f15 = linalg.fill ins(%c14 : f32) outs(%e13 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g12 : tensor<1x2x4x6xf32>) outs(%f15 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e17 = tensor.empty() : tensor<1x2x4x6xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %g16 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e17 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e19 = tensor.empty() : tensor<1x2x4x6xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g18 : tensor<1x2x4x6xf32>) outs(%e19 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e21 = tensor.empty() : tensor<1x2x4x1xf32>
  %c22 = arith.constant 0.000000e+00 : f32
  %f23 = linalg.fill ins(%c22 : f32) outs(%e21 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g20 : tensor<1x2x4x6xf32>) outs(%f23 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e25 = tensor.empty() : tensor<1x2x4x6xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g20, %g24 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e25 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %pc27 = tensor.collapse_shape %g26 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
  %vc28 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
  %e29 = tensor.empty() : tensor<2x4x8xf32>
  %c30 = arith.constant 0.000000e+00 : f32
  %f31 = linalg.fill ins(%c30 : f32) outs(%e29 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o32 = linalg.batch_matmul ins(%pc27, %vc28 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%f31 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o33 = tensor.expand_shape %o32 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %o33 : tensor<1x2x4x8xf32>
}

// -----

// K given already transposed, [B, H, D, N], to the matmul: the raise
// transposes it back.
// CHECK-LABEL: func.func @torch_pre_transposed_k
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x2x8x6xf32>
// CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<1x2x8x6xf32>) outs(%{{.+}} : tensor<1x2x6x8xf32>) permutation = [0, 1, 3, 2]
// CHECK: fa.attention ins(%{{.+}}, %[[KT]], %{{.+}} : {{.*}}) outs({{.*}}) {scale = 0.353553385 : f32}
func.func @torch_pre_transposed_k(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x8x6xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %qc1 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc2 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
  %e3 = tensor.empty() : tensor<2x4x6xf32>
  %c4 = arith.constant 0.000000e+00 : f32
  %f5 = linalg.fill ins(%c4 : f32) outs(%e3 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s6 = linalg.batch_matmul ins(%qc1, %kc2 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f5 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s7 = tensor.expand_shape %s6 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
  %cf8 = arith.constant 0.35355339059327373 : f64
  %e9 = tensor.empty() : tensor<1x2x4x6xf32>
  %g10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s7 : tensor<1x2x4x6xf32>) outs(%e9 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf8 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e11 = tensor.empty() : tensor<1x2x4x1xf32>
  %c12 = arith.constant 0xFF800000 : f32
  %f13 = linalg.fill ins(%c12 : f32) outs(%e11 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g10 : tensor<1x2x4x6xf32>) outs(%f13 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e15 = tensor.empty() : tensor<1x2x4x6xf32>
  %g16 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g10, %g14 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e15 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e17 = tensor.empty() : tensor<1x2x4x6xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g16 : tensor<1x2x4x6xf32>) outs(%e17 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e19 = tensor.empty() : tensor<1x2x4x1xf32>
  %c20 = arith.constant 0.000000e+00 : f32
  %f21 = linalg.fill ins(%c20 : f32) outs(%e19 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g18 : tensor<1x2x4x6xf32>) outs(%f21 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e23 = tensor.empty() : tensor<1x2x4x6xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g18, %g22 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e23 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %pc25 = tensor.collapse_shape %g24 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
  %vc26 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
  %e27 = tensor.empty() : tensor<2x4x8xf32>
  %c28 = arith.constant 0.000000e+00 : f32
  %f29 = linalg.fill ins(%c28 : f32) outs(%e27 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o30 = linalg.batch_matmul ins(%pc25, %vc26 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%f29 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o31 = tensor.expand_shape %o30 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %o31 : tensor<1x2x4x8xf32>
}

// -----

// JAX/Flax's [B, N, H, D] layout: the dot_generals read Q, K and V with the
// heads after the sequence; each gets one transpose into [B, H, N, D], and the
// program's own transpose of the result stays.
// CHECK-LABEL: func.func @jax_bnhd
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x2x8xf32>, %[[K:.+]]: tensor<1x6x2x8xf32>, %[[V:.+]]: tensor<1x6x2x8xf32>)
// CHECK-DAG: %[[QT:.+]] = linalg.transpose ins(%[[Q]] : tensor<1x4x2x8xf32>) outs(%{{.+}} : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3]
// CHECK-DAG: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<1x6x2x8xf32>) outs(%{{.+}} : tensor<1x2x6x8xf32>) permutation = [0, 2, 1, 3]
// CHECK-DAG: %[[VT:.+]] = linalg.transpose ins(%[[V]] : tensor<1x6x2x8xf32>) outs(%{{.+}} : tensor<1x2x6x8xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[O:.+]] = fa.attention ins(%[[QT]], %[[KT]], %[[VT]] : {{.*}}) outs({{.*}}) {scale = 0.353553385 : f32}
// CHECK: linalg.generic {{.*}} ins(%[[O]] : tensor<1x2x4x8xf32>) outs(%{{.+}} : tensor<1x4x2x8xf32>)
func.func @jax_bnhd(%q: tensor<1x4x2x8xf32>, %k: tensor<1x6x2x8xf32>, %v: tensor<1x6x2x8xf32>) -> tensor<1x4x2x8xf32> {
  %e1 = tensor.empty() : tensor<1x2x4x6xf32>
  %c2 = arith.constant 0.000000e+00 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<1x2x4x6xf32>) -> tensor<1x2x4x6xf32>
  %s4 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x4x2x8xf32>, tensor<1x6x2x8xf32>) outs(%f3 : tensor<1x2x4x6xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %c5 = arith.constant dense<2.8284271247461903> : tensor<1x2x4x6xf32>
  %e6 = tensor.empty() : tensor<1x2x4x6xf32>
  %g7 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s4, %c5 : tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>) outs(%e6 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %m = arith.divf %a0, %a1 : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e8 = tensor.empty() : tensor<1x2x4xf32>
  %c9 = arith.constant 0xFF800000 : f32
  %f10 = linalg.fill ins(%c9 : f32) outs(%e8 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  %red11 = linalg.reduce ins(%g7 : tensor<1x2x4x6xf32>) outs(%f10 : tensor<1x2x4xf32>) dimensions = [3]
    (%in: f32, %init: f32) {
      %r = arith.maximumf %in, %init : f32
      linalg.yield %r : f32
    }
  %e12 = tensor.empty() : tensor<1x2x4x6xf32>
  %bcast13 = linalg.broadcast ins(%red11 : tensor<1x2x4xf32>) outs(%e12 : tensor<1x2x4x6xf32>) dimensions = [3]
  %e14 = tensor.empty() : tensor<1x2x4x6xf32>
  %g15 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g7, %bcast13 : tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>) outs(%e14 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %d = arith.subf %a0, %a1 : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e16 = tensor.empty() : tensor<1x2x4xf32>
  %c17 = arith.constant 0.000000e+00 : f32
  %f18 = linalg.fill ins(%c17 : f32) outs(%e16 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  %red19 = linalg.reduce ins(%g15 : tensor<1x2x4x6xf32>) outs(%f18 : tensor<1x2x4xf32>) dimensions = [3]
    (%in: f32, %init: f32) {
      %r = arith.addf %in, %init : f32
      linalg.yield %r : f32
    }
  %e20 = tensor.empty() : tensor<1x2x4x6xf32>
  %bcast21 = linalg.broadcast ins(%red19 : tensor<1x2x4xf32>) outs(%e20 : tensor<1x2x4x6xf32>) dimensions = [3]
  %e22 = tensor.empty() : tensor<1x2x4x6xf32>
  %g23 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g15, %bcast21 : tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>) outs(%e22 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e24 = tensor.empty() : tensor<1x2x4x8xf32>
  %c25 = arith.constant 0.000000e+00 : f32
  %f26 = linalg.fill ins(%c25 : f32) outs(%e24 : tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o27 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%g23, %v : tensor<1x2x4x6xf32>, tensor<1x6x2x8xf32>) outs(%f26 : tensor<1x2x4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x8xf32>
  %e28 = tensor.empty() : tensor<1x4x2x8xf32>
  %g29 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%o27 : tensor<1x2x4x8xf32>) outs(%e28 : tensor<1x4x2x8xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x4x2x8xf32>
  return %g29 : tensor<1x4x2x8xf32>
}

// -----

// Hugging Face's masked_fill(mask == 0, -inf) with an i32 0/1 mask read
// broadcast over the heads: the keep-mask is built by a generic that reads
// the mask through the same map and compares it.
// CHECK-LABEL: func.func @hf_masked_fill_pad
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<1x1x4x6xi32>
// CHECK: %[[K:.+]] = linalg.generic {{.*}} ins(%[[M]] : tensor<1x1x4x6xi32>) outs(%{{.+}} : tensor<1x2x4x6xi1>)
// CHECK: arith.cmpi eq
// CHECK: fa.attention ins({{.*}}) mask(%[[K]] : tensor<1x2x4x6xi1>)
// CHECK-NOT: linalg.batch_matmul
func.func @hf_masked_fill_pad(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %keep: tensor<1x1x4x6xi32>) -> tensor<1x2x4x8xf32> {
  %e1 = tensor.empty() : tensor<1x2x8x6xf32>
  %g2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x6x8xf32>) outs(%e1 : tensor<1x2x8x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    linalg.yield %a0 : f32
  } -> tensor<1x2x8x6xf32>
  %qc3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc4 = tensor.collapse_shape %g2 [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
  %e5 = tensor.empty() : tensor<2x4x6xf32>
  %c6 = arith.constant 0.000000e+00 : f32
  %f7 = linalg.fill ins(%c6 : f32) outs(%e5 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s8 = linalg.batch_matmul ins(%qc3, %kc4 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f7 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %s9 = tensor.expand_shape %s8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
  %cf10 = arith.constant 0.35355339059327373 : f64
  %e11 = tensor.empty() : tensor<1x2x4x6xf32>
  %g12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s9 : tensor<1x2x4x6xf32>) outs(%e11 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %t = arith.truncf %cf10 : f64 to f32
    %m = arith.mulf %a0, %t : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x6xf32>
  %e13 = tensor.empty() : tensor<1x2x4x6xf32>
  %g14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g12, %keep : tensor<1x2x4x6xf32>, tensor<1x1x4x6xi32>) outs(%e13 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: i32, %out: f32):
    %n = arith.constant 0xFF800000 : f32
    %z = arith.constant 0 : i32
    %p = arith.cmpi eq, %a1, %z : i32
    %r = arith.select %p, %n, %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e15 = tensor.empty() : tensor<1x2x4x1xf32>
  %c16 = arith.constant 0xFF800000 : f32
  %f17 = linalg.fill ins(%c16 : f32) outs(%e15 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g14 : tensor<1x2x4x6xf32>) outs(%f17 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.maximumf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e19 = tensor.empty() : tensor<1x2x4x6xf32>
  %g20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g14, %g18 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e19 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.subf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e21 = tensor.empty() : tensor<1x2x4x6xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g20 : tensor<1x2x4x6xf32>) outs(%e21 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = math.exp %a0 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %e23 = tensor.empty() : tensor<1x2x4x1xf32>
  %c24 = arith.constant 0.000000e+00 : f32
  %f25 = linalg.fill ins(%c24 : f32) outs(%e23 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
  %g26 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g22 : tensor<1x2x4x6xf32>) outs(%f25 : tensor<1x2x4x1xf32>) {
  ^bb0(%a0: f32, %out: f32):
    %r = arith.addf %a0, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x1xf32>
  %e27 = tensor.empty() : tensor<1x2x4x6xf32>
  %g28 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g22, %g26 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%e27 : tensor<1x2x4x6xf32>) {
  ^bb0(%a0: f32, %a1: f32, %out: f32):
    %r = arith.divf %a0, %a1 : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x6xf32>
  %pc29 = tensor.collapse_shape %g28 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
  %vc30 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
  %e31 = tensor.empty() : tensor<2x4x8xf32>
  %c32 = arith.constant 0.000000e+00 : f32
  %f33 = linalg.fill ins(%c32 : f32) outs(%e31 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @below {{raised to fa.attention}}
  %o34 = linalg.batch_matmul ins(%pc29, %vc30 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%f33 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o35 = tensor.expand_shape %o34 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %o35 : tensor<1x2x4x8xf32>
}
