// RUN: fa-opt %s -split-input-file -verify-diagnostics --fa-tile-attention=require-tiling

func.func @negative_no_tiling(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
                              %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'fa.attention' op has no #fa.tiling; run fa-select-tiling or attach one}}
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
       outs(%o : tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %r : tensor<1x1x8x16xf32>
}

// -----

func.func @negative_grad_no_tiling(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
    %v: tensor<1x1x8x16xf32>, %o: tensor<1x1x8x16xf32>, %do: tensor<1x1x8x16xf32>,
    %l: tensor<1x1x8xf32>, %dq: tensor<1x1x8x16xf32>, %dk: tensor<1x1x8x16xf32>,
    %dv: tensor<1x1x8x16xf32>) -> (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) {
  // expected-error @+1 {{'fa.attention_grad' op has no #fa.tiling; run fa-select-tiling or attach one}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>,
             tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8xf32>)
         outs(%dq, %dk, %dv : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
         -> tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
}

// -----

// A hand-written tiling skips fa-select-tiling's bounds; fa-tile-attention
// checks them itself (issue 27, item 2: D = 2^62 overflowed the byte count
// of the tiles, a signed overflow in sramBytes).
func.func @negative_huge_head_dim(%q: tensor<1x1x8x4611686018427387904xf16>,
    %v: tensor<1x1x8x16xf16>, %o: tensor<1x1x8x16xf16>) -> tensor<1x1x8x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: head dimensions beyond 65536 are not supported}}
  %r = fa.attention ins(%q, %q, %v : tensor<1x1x8x4611686018427387904xf16>,
      tensor<1x1x8x4611686018427387904xf16>, tensor<1x1x8x16xf16>)
      outs(%o : tensor<1x1x8x16xf16>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
      -> tensor<1x1x8x16xf16>
  return %r : tensor<1x1x8x16xf16>
}

// -----

func.func @negative_huge_sequence(%q: tensor<1x1x4611686018427387904x16xf16>,
    %k: tensor<1x1x8x16xf16>, %o: tensor<1x1x4611686018427387904x16xf16>)
    -> tensor<1x1x4611686018427387904x16xf16> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: sequence lengths beyond 2147483647 are not supported}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x1x4611686018427387904x16xf16>,
      tensor<1x1x8x16xf16>, tensor<1x1x8x16xf16>)
      outs(%o : tensor<1x1x4611686018427387904x16xf16>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
      -> tensor<1x1x4611686018427387904x16xf16>
  return %r : tensor<1x1x4611686018427387904x16xf16>
}

// -----

func.func @negative_empty_sequence(%q: tensor<1x1x0x16xf32>, %o: tensor<1x1x0x16xf32>)
    -> tensor<1x1x0x16xf32> {
  // expected-error @+1 {{'fa.attention' op cannot be tiled: sequence lengths must be positive}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x1x0x16xf32>, tensor<1x1x0x16xf32>,
      tensor<1x1x0x16xf32>) outs(%o : tensor<1x1x0x16xf32>)
      {tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
      -> tensor<1x1x0x16xf32>
  return %r : tensor<1x1x0x16xf32>
}

// -----

// The same for the backward (D111): a hand-written tiling of an
// fa.attention_grad was tiled with Nq = 2^33 (beyond the bound of 2^31 - 1)
// and with Nq = 0.
func.func @negative_grad_huge_seq_len(%q: tensor<1x1x8589934592x16xf32>,
    %k: tensor<1x1x8x16xf32>, %l: tensor<1x1x8589934592xf32>)
    -> (tensor<1x1x8589934592x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) {
  // expected-error @+1 {{'fa.attention_grad' op cannot be tiled: sequence lengths beyond 2147483647 are not supported}}
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x1x8589934592x16xf32>,
             tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8589934592x16xf32>,
             tensor<1x1x8589934592x16xf32>, tensor<1x1x8589934592xf32>)
         outs(%q, %k, %k : tensor<1x1x8589934592x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>}
         -> tensor<1x1x8589934592x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x8589934592x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
}

// -----

func.func @negative_grad_empty(%q: tensor<1x1x0x16xf32>, %k: tensor<1x1x8x16xf32>,
    %l: tensor<1x1x0xf32>) -> (tensor<1x1x0x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) {
  // expected-error @+1 {{'fa.attention_grad' op cannot be tiled: sequence lengths must be positive}}
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : tensor<1x1x0x16xf32>,
             tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x0x16xf32>,
             tensor<1x1x0x16xf32>, tensor<1x1x0xf32>)
         outs(%q, %k, %k : tensor<1x1x0x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>}
         -> tensor<1x1x0x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x0x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>
}
