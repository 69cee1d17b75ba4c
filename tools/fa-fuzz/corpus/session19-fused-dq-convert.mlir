// Session 19's seed for the fuzzer (D124; docs/Reliability.md, "The
// fuzzer"): the wgmma backward's fused dQ conversion (D120,
// `dq_convert = fused`) written on a causal GQA op with Nq > Nk (q-blocks
// no kv-block visits, whose counters start at 0) and on a window with
// empty rows; an MHA op without a schedule for the pipeline that asks
// `backward-dq-convert=fused`; and, for `backward-gqa=auto` (D122), the
// Llama-style group it splits and a causal GQA op of N = 65536, whose
// grids (512 loop blocks, 4096 split) the launch-order schedule
// (dispatchSteps) simulates. (At its bound of 2^16 blocks, N = 2^23, one
// input took 66 s under ASan through every pipeline, over fuzz.sh's 60 s
// timeout; the campaign times that bound in the Release build.) The
// mutations move dq_convert, gqa, dq, walk, persistent, epilogue,
// in_flight, stages, the window and the head counts.
func.func @fused_gqa(%q: memref<2x4x1000x64xbf16>, %k: memref<2x1x777x64xbf16>, %o: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>) {
  fa.attention_grad ins(%q, %k, %k, %o, %o, %lse : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%q, %k, %k : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_convert = fused>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
  return
}

// -----

func.func @fused_window(%q: tensor<1x2x1000x128xbf16>, %k: tensor<1x2x64x128xbf16>, %lse: tensor<1x2x1000xf32>) -> (tensor<1x2x1000x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x2x1000x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000xf32>)
      outs(%q, %k, %k : tensor<1x2x1000x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>)
      {window = #fa.window<left = 0, right = 0>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
      -> tensor<1x2x1000x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1000x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>
}

// -----

func.func @mha(%q: tensor<1x2x300x64xbf16>, %lse: tensor<1x2x300xf32>) -> (tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300xf32>)
      outs(%q, %q, %q : tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
      {causal, scale = 0.125 : f32}
      -> tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>
}

// -----

func.func @llama(%q: tensor<2x32x4096x64xbf16>, %k: tensor<2x8x4096x64xbf16>, %lse: tensor<2x32x4096xf32>) -> (tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096x64xbf16>, tensor<2x32x4096xf32>)
      outs(%q, %k, %k : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>)
      {causal, scale = 0.125 : f32}
      -> tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x32x4096x64xbf16>, tensor<2x8x4096x64xbf16>, tensor<2x8x4096x64xbf16>
}

// -----

func.func @dispatch_bound(%q: tensor<1x8x65536x64xbf16>, %k: tensor<1x1x65536x64xbf16>, %lse: tensor<1x8x65536xf32>) -> (tensor<1x8x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x8x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x8x65536x64xbf16>, tensor<1x8x65536x64xbf16>, tensor<1x8x65536xf32>)
      outs(%q, %k, %k : tensor<1x8x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>)
      {causal, scale = 0.125 : f32}
      -> tensor<1x8x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x65536x64xbf16>, tensor<1x1x65536x64xbf16>, tensor<1x1x65536x64xbf16>
}
