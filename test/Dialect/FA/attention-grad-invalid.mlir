// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Every verifier diagnostic of fa.attention_grad. Shapes: B = 2, Hq = 4,
// Hkv = 2 (GQA), Nq = 16, Nk = 32, D = Dv = 8, bf16.

func.func @negative_rank(%q: tensor<4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{query must have rank 4 ([B, H, N, D]), got 'tensor<4x16x8xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_element_type(%q: tensor<2x4x16x8xi8>,
    %k: tensor<2x2x32x8xi8>,
    %v: tensor<2x2x32x8xi8>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{element type must be f16, bf16 or f32, got 'i8'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xi8>, tensor<2x2x32x8xi8>, tensor<2x2x32x8xi8>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_qkv_element_types(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{query, key and value must share one element type, got 'bf16', 'f16', 'bf16'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_gqa_ratio(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x3x32x8xbf16>,
    %v: tensor<2x3x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{query heads (4) must be a positive multiple of key/value heads (3)}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x3x32x8xbf16>, tensor<2x3x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_head_dims(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x16xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{query and key head dimensions differ: 8 vs 16}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x16xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_kv_length(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x31x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{key and value sequence lengths differ: 32 vs 31}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x31x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_out_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x15x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{out must have shape [B, Hq, Nq, Dv] = [2, 4, 16, 8] (? is dynamic), got 'tensor<2x4x15x8xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x15x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_out_grad_element_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xf32>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{out_grad element type 'f32' must match the input element type 'bf16'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xf32>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

// dO has the query heads, not the key/value heads.
func.func @negative_out_grad_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x2x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{out_grad must have shape [B, Hq, Nq, Dv] = [2, 4, 16, 8] (? is dynamic), got 'tensor<2x2x16x8xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x2x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

// The logsumexp is per query row, not per key.
func.func @negative_lse_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x32xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{logsumexp must be f32 of shape [B, Hq, Nq] = [2, 4, 16], got 'tensor<2x4x32xf32>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x32xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_lse_rank(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16x1xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{logsumexp must be f32 of shape [B, Hq, Nq] = [2, 4, 16], got 'tensor<2x4x16x1xf32>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x1xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_lse_element_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xbf16>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{logsumexp must be f32 of shape [B, Hq, Nq] = [2, 4, 16], got 'tensor<2x4x16xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xbf16>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

// The mask has query heads, not key/value heads.
func.func @negative_mask_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %m: tensor<1x2x16x32xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{mask must be broadcastable to [B, Hq, Nq, Nk] (each dimension equal or 1), got 'tensor<1x2x16x32xf32>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      mask(%m : tensor<1x2x16x32xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_mask_element_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %m: tensor<1x1x16x32xi8>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{mask element type must be f16, bf16 or f32 (additive) or i1 (keep), got 'i8'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      mask(%m : tensor<1x1x16x32xi8>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_num_inits(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{expects the query, key and value gradient inits, and optionally a bias gradient init; got 2 inits}}
  %r:2 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_dq_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x16xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{query gradient init must have shape [B, Hq, Nq, D] = [2, 4, 16, 8] (? is dynamic), got 'tensor<2x4x16x16xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x16xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x16xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

// GQA: dK is summed over the query heads of a group, it has K's shape.
func.func @negative_dk_gqa_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x4x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{key gradient init must have shape [B, Hkv, Nk, D] = [2, 2, 32, 8] (? is dynamic), got 'tensor<2x4x32x8xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x4x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x4x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_dv_element_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xf32>) {
  // expected-error @+1 {{value gradient init element type 'f32' must match the input element type 'bf16'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xf32>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xf32>
  return
}

// -----

func.func @negative_dbias_without_mask(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>,
    %db: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{a bias gradient init needs a bias: there is no mask operand}}
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv, %db : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xf32>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @negative_dbias_keep_mask(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %m: tensor<1x1x16x32xi1>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>,
    %db: tensor<1x1x16x32xi1>) {
  // expected-error @+1 {{an i1 keep-mask has no gradient: a bias gradient init needs an additive (float) mask}}
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      mask(%m : tensor<1x1x16x32xi1>)
      outs(%dq, %dk, %dv, %db : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xi1>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xi1>
  return
}

// -----

// dBias keeps the bias's broadcast shape (it is reduced over B and Nq here).
func.func @negative_dbias_broadcast_shape(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %m: tensor<1x4x1x32xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>,
    %db: tensor<2x4x16x32xf32>) {
  // expected-error @+1 {{bias gradient init must have the bias's shape and element type 'tensor<1x4x1x32xf32>', got 'tensor<2x4x16x32xf32>'}}
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      mask(%m : tensor<1x4x1x32xf32>)
      outs(%dq, %dk, %dv, %db : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x32xf32>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x32xf32>
  return
}

// -----

func.func @negative_dbias_element_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %m: tensor<1x1x16x32xbf16>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>,
    %db: tensor<1x1x16x32xf32>) {
  // expected-error @+1 {{bias gradient init must have the bias's shape and element type 'tensor<1x1x16x32xbf16>', got 'tensor<1x1x16x32xf32>'}}
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      mask(%m : tensor<1x1x16x32xbf16>)
      outs(%dq, %dk, %dv, %db : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xf32>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<1x1x16x32xf32>
  return
}

// -----

func.func @negative_scale(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{scale must be positive and finite, got -1}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) {scale = -1.0 : f32} -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_result_type(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: tensor<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{result type 'tensor<2x2x32x8xf32>' does not match its init type 'tensor<2x2x32x8xbf16>'}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xf32>
  return
}

// -----

func.func @negative_mixed_tensor_memref(%q: tensor<2x4x16x8xbf16>,
    %k: tensor<2x2x32x8xbf16>,
    %v: tensor<2x2x32x8xbf16>,
    %o: tensor<2x4x16x8xbf16>,
    %do: tensor<2x4x16x8xbf16>,
    %l: memref<2x4x16xf32>,
    %dq: tensor<2x4x16x8xbf16>,
    %dk: tensor<2x2x32x8xbf16>,
    %dv: tensor<2x2x32x8xbf16>) {
  // expected-error @+1 {{operands must be all tensors or all memrefs}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x4x16x8xbf16>, tensor<2x4x16x8xbf16>, memref<2x4x16xf32>)
      outs(%dq, %dk, %dv : tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}

// -----

func.func @negative_memref_results(%q: memref<2x4x16x8xbf16>,
    %k: memref<2x2x32x8xbf16>,
    %v: memref<2x2x32x8xbf16>,
    %o: memref<2x4x16x8xbf16>,
    %do: memref<2x4x16x8xbf16>,
    %l: memref<2x4x16xf32>,
    %dq: memref<2x4x16x8xbf16>,
    %dk: memref<2x2x32x8xbf16>,
    %dv: memref<2x2x32x8xbf16>) {
  // expected-error @+1 {{on memrefs has no results (the inits are written in place)}}
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : memref<2x4x16x8xbf16>, memref<2x2x32x8xbf16>, memref<2x2x32x8xbf16>, memref<2x4x16x8xbf16>, memref<2x4x16x8xbf16>, memref<2x4x16xf32>)
      outs(%dq, %dk, %dv : memref<2x4x16x8xbf16>, memref<2x2x32x8xbf16>, memref<2x2x32x8xbf16>) -> tensor<2x4x16x8xbf16>, tensor<2x2x32x8xbf16>, tensor<2x2x32x8xbf16>
  return
}
