// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Every malformed #fa.mask_pattern and its conflicts with the op.

func.func @negative_pattern_negative_chunk(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.mask_pattern sizes must not be negative, got chunk = -4, global = 0, butterfly = 0}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = #fa.mask_pattern<chunk = -4>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_negative_global(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.mask_pattern sizes must not be negative, got chunk = 16, global = -1, butterfly = 0}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = #fa.mask_pattern<chunk = 16, global = -1>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_empty(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.mask_pattern needs a positive chunk, global or butterfly}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = #fa.mask_pattern<>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_chunk_and_butterfly(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{#fa.mask_pattern has one local pattern: chunk or butterfly, not both}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = #fa.mask_pattern<chunk = 16, butterfly = 16>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_chunk_and_window(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has a #fa.mask_pattern chunk or butterfly and a #fa.window: a mask has one local pattern}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = #fa.window<left = 8, right = 0>, mask_pattern = #fa.mask_pattern<chunk = 16>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_butterfly_and_window(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has a #fa.mask_pattern chunk or butterfly and a #fa.window: a mask has one local pattern}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {window = #fa.window<left = 8, right = 0>, mask_pattern = #fa.mask_pattern<butterfly = 16>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_global_alone(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has global tokens but no local pattern: give the #fa.mask_pattern a chunk or butterfly, or the op a #fa.window}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {causal, mask_pattern = #fa.mask_pattern<global = 4>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_dynamic(%q: tensor<1x2x?x32xf16>, %o: tensor<1x2x?x32xf16>)
    -> tensor<1x2x?x32xf16> {
  // expected-error @+1 {{has a #fa.mask_pattern but a dynamic sequence length: its blocks are classified at compile time}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x?x32xf16>, tensor<1x2x?x32xf16>, tensor<1x2x?x32xf16>)
       outs(%o : tensor<1x2x?x32xf16>)
       {mask_pattern = #fa.mask_pattern<chunk = 16>} -> tensor<1x2x?x32xf16>
  return %r : tensor<1x2x?x32xf16>
}

// -----

func.func @negative_pattern_causal_window_right(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{with causal, the window's right extent must be 0, got 2}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {causal, window = #fa.window<left = 8, right = 2>, mask_pattern = #fa.mask_pattern<global = 2>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_not_attr(%q: tensor<1x2x64x32xf16>, %o: tensor<1x2x64x32xf16>)
    -> tensor<1x2x64x32xf16> {
  // expected-error @+3 {{attribute 'mask_pattern' failed to satisfy constraint: A structured mask: chunks, global tokens or a butterfly}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       outs(%o : tensor<1x2x64x32xf16>)
       {mask_pattern = 5 : i64} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_pattern_block_mask(%q: tensor<1x2x64x32xf16>, %bm: tensor<1x1x4x4xi8>,
                                       %o: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  // expected-error @+1 {{has both a #fa.mask_pattern and a runtime block mask}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
       block_mask(%bm : tensor<1x1x4x4xi8>) outs(%o : tensor<1x2x64x32xf16>)
       {block_sparse = #fa.block_sparse<block_q = 16, block_kv = 16>,
        mask_pattern = #fa.mask_pattern<chunk = 32>} -> tensor<1x2x64x32xf16>
  return %r : tensor<1x2x64x32xf16>
}

// -----

func.func @negative_grad_pattern_global_alone(%q: tensor<1x2x16x8xf32>, %lse: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{has global tokens but no local pattern: give the #fa.mask_pattern a chunk or butterfly, or the op a #fa.window}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      outs(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {mask_pattern = #fa.mask_pattern<global = 2>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}

// -----

func.func @negative_grad_pattern_chunk_and_window(%q: tensor<1x2x16x8xf32>, %lse: tensor<1x2x16xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{has a #fa.mask_pattern chunk or butterfly and a #fa.window: a mask has one local pattern}}
  %r:3 = fa.attention_grad
      ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
          tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
      outs(%q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
      {window = #fa.window<left = 2, right = 2>, mask_pattern = #fa.mask_pattern<chunk = 4>}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
  return %r#0, %r#1, %r#2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}
