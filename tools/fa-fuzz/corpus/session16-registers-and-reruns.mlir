// Session 16's seed for the fuzzer (D113; docs/Reliability.md, "The
// fuzzer"): the mma.sync forward's compacted walk written at D = 128 with
// 128x64 on sm_80 (estimate 259: refused with the walk, ptxas spilled it),
// beside a keep-mask; the mma.sync backward written with block_q 128 at
// D = 64 (the conversion refuses it as fa-select-tiling does); the wgmma
// backward's ordered dQ on the wide q-block (D110, D112) with a written
// schedule whose fields the fuzzer's second fa-select-tiling asks to
// change; the mutations move block_q, block_kv, warps, walk, dq and the
// epilogue between them.
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @walk(%q: tensor<1x1x128x128xbf16>, %k: tensor<1x1x8192x128xbf16>,
      %m: tensor<1x1x128x8192xi1>, %bm: tensor<1x1x1x128xi8>, %o: tensor<1x1x128x128xbf16>)
      -> tensor<1x1x128x128xbf16> {
    %r = fa.attention ins(%q, %k, %k : tensor<1x1x128x128xbf16>, tensor<1x1x8192x128xbf16>, tensor<1x1x8192x128xbf16>)
        mask(%m : tensor<1x1x128x8192xi1>) block_mask(%bm : tensor<1x1x1x128xi8>)
        outs(%o : tensor<1x1x128x128xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 64>,
         schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, walk = compacted>,
         tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>, scale = 0.0883883 : f32}
        -> tensor<1x1x128x128xbf16>
    return %r : tensor<1x1x128x128xbf16>
  }

  func.func @mma_grad(%q: memref<1x2x1024x64xbf16>, %lse: memref<1x2x1024xf32>) {
    fa.attention_grad ins(%q, %q, %q, %q, %q, %lse : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024xf32>)
        outs(%q, %q, %q : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
         tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>, scale = 0.125 : f32}
    return
  }
}

// -----

func.func @wide_ordered(%q: tensor<1x8x1000x64xbf16>, %k: tensor<1x2x700x64xbf16>, %lse: tensor<1x8x1000xf32>)
    -> (tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>) {
  %r:3 = fa.attention_grad
      ins(%q, %k, %k, %q, %q, %lse : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>,
          tensor<1x2x700x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000x64xbf16>, tensor<1x8x1000xf32>)
      outs(%q, %k, %k : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>)
      {causal, deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
       tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>, scale = 0.125 : f32}
      -> tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x8x1000x64xbf16>, tensor<1x2x700x64xbf16>, tensor<1x2x700x64xbf16>
}
