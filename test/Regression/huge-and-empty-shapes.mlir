// RUN: fa-opt %s -split-input-file -verify-diagnostics \
// RUN:   --fa-set-target=target=h100 --fa-select-tiling
// RUN: fa-opt %s -split-input-file --fa-decompose-attention | FileCheck %s

// Found by the sanitizer build (docs/Reliability.md): sizes the IR allows
// but the cost model's int64 arithmetic did not (signed overflow, division
// by zero). fa-select-tiling now rejects them with the reason;
// fa-decompose-attention, which has no such arithmetic, still lowers them.

// An empty sequence: divideCeil by zero q-blocks in the L2 estimate.
// CHECK-LABEL: func.func @negative_empty_sequence
// CHECK-NOT: fa.attention
func.func @negative_empty_sequence(%q: tensor<1x1x0x16xf16>, %k: tensor<1x1x0x16xf16>,
    %v: tensor<1x1x0x16xf16>, %o: tensor<1x1x0x16xf16>) -> tensor<1x1x0x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: sequence lengths must be positive}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x0x16xf16>, tensor<1x1x0x16xf16>,
      tensor<1x1x0x16xf16>) outs(%o : tensor<1x1x0x16xf16>) -> tensor<1x1x0x16xf16>
  return %r : tensor<1x1x0x16xf16>
}

// -----

// An empty batch.
// CHECK-LABEL: func.func @negative_empty_batch
func.func @negative_empty_batch(%q: tensor<0x2x8x16xf32>, %k: tensor<0x2x8x16xf32>,
    %v: tensor<0x2x8x16xf32>, %o: tensor<0x2x8x16xf32>) -> tensor<0x2x8x16xf32> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: batch and head counts must be positive}}
  %r = fa.attention ins(%q, %k, %v : tensor<0x2x8x16xf32>, tensor<0x2x8x16xf32>,
      tensor<0x2x8x16xf32>) outs(%o : tensor<0x2x8x16xf32>) -> tensor<0x2x8x16xf32>
  return %r : tensor<0x2x8x16xf32>
}

// -----

// A head dimension of 2^62: D + Dv overflowed.
// CHECK-LABEL: func.func @negative_huge_head_dim
func.func @negative_huge_head_dim(%q: tensor<1x1x4x4611686018427387904xf16>,
    %k: tensor<1x1x4x4611686018427387904xf16>, %v: tensor<1x1x4x16xf16>,
    %o: tensor<1x1x4x16xf16>) -> tensor<1x1x4x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: head dimensions beyond 65536 are not supported}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x4x4611686018427387904xf16>,
      tensor<1x1x4x4611686018427387904xf16>, tensor<1x1x4x16xf16>)
      outs(%o : tensor<1x1x4x16xf16>) -> tensor<1x1x4x16xf16>
  return %r : tensor<1x1x4x16xf16>
}

// -----

// A batch of 2^62: the HBM byte count overflowed.
// CHECK-LABEL: func.func @negative_huge_batch
func.func @negative_huge_batch(%q: tensor<4611686018427387904x1x4x16xf16>,
    %k: tensor<4611686018427387904x1x4x16xf16>, %v: tensor<4611686018427387904x1x4x16xf16>,
    %o: tensor<4611686018427387904x1x4x16xf16>) -> tensor<4611686018427387904x1x4x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: problem too large: B * Hq * Nq * Nk * (D + Dv) * element bytes exceeds 2^62}}
  %r = fa.attention ins(%q, %k, %v : tensor<4611686018427387904x1x4x16xf16>,
      tensor<4611686018427387904x1x4x16xf16>, tensor<4611686018427387904x1x4x16xf16>)
      outs(%o : tensor<4611686018427387904x1x4x16xf16>) -> tensor<4611686018427387904x1x4x16xf16>
  return %r : tensor<4611686018427387904x1x4x16xf16>
}

// -----

// A sequence of 2^62: the tile loop counts overflowed.
// CHECK-LABEL: func.func @negative_huge_sequence
func.func @negative_huge_sequence(%q: tensor<1x1x4611686018427387904x16xf16>,
    %k: tensor<1x1x4611686018427387904x16xf16>, %v: tensor<1x1x4611686018427387904x16xf16>,
    %o: tensor<1x1x4611686018427387904x16xf16>) -> tensor<1x1x4611686018427387904x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: sequence lengths beyond 2147483647 are not supported}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x4611686018427387904x16xf16>,
      tensor<1x1x4611686018427387904x16xf16>, tensor<1x1x4611686018427387904x16xf16>)
      outs(%o : tensor<1x1x4611686018427387904x16xf16>) -> tensor<1x1x4611686018427387904x16xf16>
  return %r : tensor<1x1x4611686018427387904x16xf16>
}
