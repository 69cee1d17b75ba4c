// Session 18's seed for the fuzzer (D121; docs/Reliability.md, "The
// fuzzer"): the wgmma backward's split group (D119, `gqa = split`) written
// on a GQA op (4 query heads a K/V head, D = 64, causal, Nk not a multiple
// of the kv-block) and on an MHA op; a GQA op without a schedule for the
// pipeline that asks `backward-gqa=split`; and the mma.sync forward's
// written `min_blocks` (D118) on a small tiling whose shared memory holds
// more blocks than the SM's threads run (an error since D121); the split
// group at the problem's bound, where the cost model's accumulator bytes
// overflowed int64 (D121). The mutations move gqa, dq,
// persistent, walk, epilogue, min_blocks, warps and the head counts.
func.func @split(%q: memref<2x4x1000x64xbf16>, %k: memref<2x1x777x64xbf16>, %o: memref<2x4x1000x64xbf16>, %lse: memref<2x4x1000xf32>) {
  fa.attention_grad ins(%q, %k, %k, %o, %o, %lse : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000x64xbf16>, memref<2x4x1000xf32>)
      outs(%q, %k, %k : memref<2x4x1000x64xbf16>, memref<2x1x777x64xbf16>, memref<2x1x777x64xbf16>)
      {causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
  return
}

// -----

func.func @split_mha(%q: tensor<1x2x256x128xbf16>, %lse: tensor<1x2x256xf32>) -> (tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256xf32>)
      outs(%q, %q, %q : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
      {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
      -> tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>
}

// -----

func.func @gqa(%q: tensor<1x8x1024x64xbf16>, %k: tensor<1x2x1024x64xbf16>, %lse: tensor<1x8x1024xf32>) -> (tensor<1x8x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<1x8x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x8x1024x64xbf16>, tensor<1x8x1024x64xbf16>, tensor<1x8x1024xf32>)
      outs(%q, %k, %k : tensor<1x8x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>)
      {causal, scale = 0.125 : f32}
      -> tensor<1x8x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @min_blocks(%q: tensor<1x2x256x16xbf16>, %o: tensor<1x2x256x16xbf16>) -> tensor<1x2x256x16xbf16> {
    %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>, tensor<1x2x256x16xbf16>)
        outs(%o : tensor<1x2x256x16xbf16>)
        {schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, min_blocks = 16>,
         tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>, scale = 0.25 : f32}
        -> tensor<1x2x256x16xbf16>
    return %r : tensor<1x2x256x16xbf16>
  }
}

// -----

func.func @split_at_the_bound(%q: tensor<8388608x2x1x64xbf16>, %k: tensor<8388608x1x1073741824x64xbf16>, %lse: tensor<8388608x2x1xf32>) -> (tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x2x1x64xbf16>, tensor<8388608x2x1x64xbf16>, tensor<8388608x2x1xf32>)
      outs(%q, %k, %k : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>) {scale = 0.125 : f32}
      -> tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<8388608x2x1x64xbf16>, tensor<8388608x1x1073741824x64xbf16>, tensor<8388608x1x1073741824x64xbf16>
}
