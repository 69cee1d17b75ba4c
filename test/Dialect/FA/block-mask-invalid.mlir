// RUN: fa-opt %s -split-input-file -verify-diagnostics

func.func @negative_block_sparse_not_16(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x3x3xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.block_sparse block sizes must be positive multiples of 16, got block_q = 24, block_kv = 32}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x3x3xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 24, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_block_sparse_zero(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x3x3xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.block_sparse block sizes must be positive multiples of 16, got block_q = 32, block_kv = 0}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x3x3xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 0>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_block_mask_without_attr(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x2x2xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has a block_mask operand but no block_sparse = #fa.block_sparse<block_q = ..., block_kv = ...> attribute}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>) outs(%o : tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_attr_without_block_mask(%q: tensor<1x2x64x32xf16>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has a #fa.block_sparse granularity but no block_mask operand}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_block_mask_element_type(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x2x2xf32>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{block mask element type must be i8 or i1, got 'f32'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xf32>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_block_mask_rank(%q: tensor<1x2x64x32xf16>, %bm: tensor<2x2x2xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 32), ceil(Nk / 32)] = [1, 2, 2, 2] (? is dynamic), got 'tensor<2x2x2xi8>'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<2x2x2xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// Nk = 80 at block_kv = 32 is 3 key blocks (ceil), not 2.
func.func @negative_block_mask_key_blocks(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x80x32xf16>,
    %bm: tensor<1x2x2x2xi8>, %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 32), ceil(Nk / 32)] = [1, 2, 2, 3] (? is dynamic), got 'tensor<1x2x2x2xi8>'}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x2x64x32xf16>, tensor<1x2x80x32xf16>, tensor<1x2x80x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_block_mask_query_blocks(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x2x1x2xi8>,
    %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 32), ceil(Nk / 32)] = [1, 2, 2, 2] (? is dynamic), got 'tensor<1x2x1x2xi8>'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x1x2xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

// Heads are Hq (or 1), not Hkv.
func.func @negative_block_mask_heads(%q: tensor<1x4x64x32xf16>, %k: tensor<1x2x64x32xf16>,
    %bm: tensor<1x2x2x2xi8>, %o: tensor<1x4x64x32xf16>) -> tensor<1x4x64x32xf16> {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 32), ceil(Nk / 32)] = [1, 4, 2, 2] (? is dynamic), got 'tensor<1x2x2x2xi8>'}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x4x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>) outs(%o : tensor<1x4x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<1x4x64x32xf16>
  return %r : tensor<1x4x64x32xf16>
}

// -----

func.func @negative_block_mask_batch(%q: tensor<2x2x64x32xf16>, %bm: tensor<3x2x2x2xi8>,
    %o: tensor<2x2x64x32xf16>) -> tensor<2x2x64x32xf16> {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 32), ceil(Nk / 32)] = [2, 2, 2, 2] (? is dynamic), got 'tensor<3x2x2x2xi8>'}}
  %r = fa.attention ins(%q, %q, %q : tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>)
       block_mask(%bm : tensor<3x2x2x2xi8>) outs(%o : tensor<2x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>} -> tensor<2x2x64x32xf16>
  return %r : tensor<2x2x64x32xf16>
}

// -----

func.func @negative_block_mask_memref_mix(%q: memref<1x2x64x32xf16>, %bm: tensor<1x2x2x2xi8>,
    %o: memref<1x2x64x32xf16>) {
  // expected-error @+1 {{operands must be all tensors or all memrefs}}
  fa.attention ins(%q, %q, %q : memref<1x2x64x32xf16>, memref<1x2x64x32xf16>, memref<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x2x2x2xi8>) outs(%o : memref<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 32, block_kv = 32>}
  return
}

// -----

func.func @negative_grad_block_mask_shape(%q: tensor<1x2x16x8xf32>, %lse: tensor<1x2x16xf32>,
    %bm: tensor<1x1x2x1xi8>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{block mask must have shape [B or 1, Hq or 1, ceil(Nq / 16), ceil(Nk / 16)] = [1, 2, 1, 1] (? is dynamic), got 'tensor<1x1x2x1xi8>'}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      block_mask(%bm : tensor<1x1x2x1xi8>)
      outs(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}

// -----

// The forward's compacted walk (D100) lists the kv-blocks a block mask
// keeps: an op without one cannot carry it.
func.func @negative_walk_without_block_mask(%q: tensor<1x2x256x64xbf16>,
    %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  // expected-error @+1 {{schedule #fa.schedule<kernel = wgmma, loads = tma, walk = compacted> walks the kv-blocks a block mask keeps, but the op has no block mask}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// Its list has a static size: ceil(Nk / block_kv) entries.
func.func @negative_walk_dynamic_nk(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x?x64xbf16>,
    %bm: tensor<1x2x2x?xi8>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  // expected-error @+1 {{schedule #fa.schedule<kernel = wgmma, loads = tma, walk = compacted> needs a static Nk: its list of kv-blocks has a static size}}
  %r = fa.attention ins(%q, %k, %k : tensor<1x2x256x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>)
       block_mask(%bm : tensor<1x2x2x?xi8>) outs(%o : tensor<1x2x256x64xbf16>)
       {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,
        schedule = #fa.schedule<kernel = wgmma, loads = tma, walk = compacted>}
       -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}
