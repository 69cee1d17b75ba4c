// convert-fa-to-nvgpu's own checks, on IR built by hand.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu -verify-diagnostics

func.func @negative_tensors(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @below {{expected the bufferized op (memref operands); run one-shot bufferization before convert-fa-to-nvgpu}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>) {schedule = #fa.schedule<kernel = mma_sync>} -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}

// -----

func.func @negative_no_tiling(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
  // expected-error @below {{has no #fa.tiling; run fa-select-tiling first}}
  fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
       outs(%o : memref<1x2x64x64xbf16>) {schedule = #fa.schedule<kernel = mma_sync>}
  return
}

// -----

func.func @negative_no_target(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
  // expected-error @below {{needs a #fa.target on the enclosing module; run fa-set-target first}}
  fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
       outs(%o : memref<1x2x64x64xbf16>)
       {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
  return
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_75", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 40, hbm_gbps = 320, tensor_tflops = 65>} {
  func.func @negative_sm75(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
    // expected-error @below {{cannot use the mma-sync kernel: the target (sm_75) has no bf16/f16 mma.sync m16n8k16 with f32 accumulators (needs sm_80 or later)}}
    fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
         outs(%o : memref<1x2x64x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 16384, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_budget(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
    // expected-error @below {{does not fit the target (sm_90a): shared memory 27648 B exceeds 16384 B per block (kernel=mma-sync)}}
    fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
         outs(%o : memref<1x2x64x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
    return
  }
}

// -----

func.func @negative_kernel_name(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+3 {{unknown #fa.schedule kernel 'wmma'}}
  // expected-error @+2 {{failed to parse FA_ScheduleAttr parameter 'kernel'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>) {schedule = #fa.schedule<kernel = wmma>} -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}

// -----

func.func @negative_mixed(%q: memref<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
  // expected-error @below {{operands must be all tensors or all memrefs}}
  fa.attention ins(%q, %k, %q : memref<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
       outs(%o : memref<1x2x64x64xbf16>)
  return
}


// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_tiling_shape(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
    // expected-error @below {{does not fit the mma-sync kernel: mma.sync needs block_q a multiple of 16 rows per warp and block_kv a multiple of 16}}
    fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
         outs(%o : memref<1x2x64x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 2, warps = 4>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_strided(%q: memref<1x2x64x64xbf16, strided<[16384, 8192, 128, 1]>>, %o: memref<1x2x64x64xbf16>) {
    // expected-error @below {{expected identity-layout memrefs}}
    fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16, strided<[16384, 8192, 128, 1]>>, memref<1x2x64x64xbf16, strided<[16384, 8192, 128, 1]>>, memref<1x2x64x64xbf16, strided<[16384, 8192, 128, 1]>>)
         outs(%o : memref<1x2x64x64xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
    return
  }
}

// -----

func.func @negative_kernel_on_module() attributes {fa.kernel = "simt"} {
  // expected-error @above {{unknown fa dialect attribute 'fa.kernel'}}
  return
}

// -----

func.func @negative_buffer_results(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>, %t: tensor<1x2x64x64xbf16>) {
  // expected-error @below {{on memrefs has no results (the inits are written in place)}}
  %r = "fa.attention"(%q, %q, %q, %o) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16>
  return
}

// -----

// An op that says wgmma but carries a tiling the kernel cannot run (both
// can be written by hand), or a target without wgmma.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_wgmma_tiling(%q: memref<1x2x256x64xbf16>, %o: memref<1x2x256x64xbf16>) {
    // expected-error @below {{does not fit the wgmma kernel: wgmma needs block_q = 16 * warps (64 rows per warpgroup) and block_kv a multiple of 16 up to 256}}
    fa.attention ins(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
         outs(%o : memref<1x2x256x64xbf16>)
         {schedule = #fa.schedule<kernel = wgmma, loads = tma>, tiling = #fa.tiling<block_q = 64, block_kv = 40, stages = 2, warps = 4>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_wgmma_sm80(%q: memref<1x2x256x64xbf16>, %o: memref<1x2x256x64xbf16>) {
    // expected-error @below {{cannot use the wgmma kernel: the target (sm_80) has no wgmma (needs sm_90a)}}
    fa.attention ins(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
         outs(%o : memref<1x2x256x64xbf16>)
         {schedule = #fa.schedule<kernel = wgmma, loads = tma>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
    return
  }
}

// -----

// A hand-written tiling and kernel skip fa-select-tiling's bounds; the
// conversion checks them itself (issue 27, item 2: D = 2^62 overflowed
// sramBytes, and the kernel unrolls D / 16 slices).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_huge_head_dim(%q: memref<1x1x64x4611686018427387904xbf16>, %v: memref<1x1x64x16xbf16>, %o: memref<1x1x64x16xbf16>) {
    // expected-error @below {{'fa.attention' op cannot be converted: head dimensions beyond 65536 are not supported}}
    fa.attention ins(%q, %q, %v : memref<1x1x64x4611686018427387904xbf16>, memref<1x1x64x4611686018427387904xbf16>, memref<1x1x64x16xbf16>)
         outs(%o : memref<1x1x64x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync>, tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
    return
  }
}

// -----

// Within the bounds, but with a budget no GPU has: the kernel would unroll
// 2 * 4096 + 2 mma.sync per kv-step (the conversion and the NVPTX back end
// took about a minute).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 1099511627776, sram_per_sm = 1099511627776, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_unrolled_step(%q: memref<1x1x64x65536xbf16>, %v: memref<1x1x64x16xbf16>, %o: memref<1x1x64x16xbf16>) {
    // expected-error @below {{'fa.attention' op tiling #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1> does not fit the mma-sync kernel: with head dims 65536 and 16, a warp's kv-step unrolls 8194 mma.sync, more than 2048}}
    fa.attention ins(%q, %q, %v : memref<1x1x64x65536xbf16>, memref<1x1x64x65536xbf16>, memref<1x1x64x16xbf16>)
         outs(%o : memref<1x1x64x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, masked_steps = split>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1>}
    return
  }
}

// -----

// 64 row tiles of a warp: the back end had not finished after 15 minutes.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 1099511627776, sram_per_sm = 1099511627776, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_row_tiles(%q: memref<1x1x64x16xbf16>, %o: memref<1x1x64x16xbf16>) {
    // expected-error @below {{does not fit the mma-sync kernel: 1024 rows per warp exceed the 128 the mma-sync kernel unrolls}}
    fa.attention ins(%q, %q, %q : memref<1x1x64x16xbf16>, memref<1x1x64x16xbf16>, memref<1x1x64x16xbf16>)
         outs(%o : memref<1x1x64x16xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, masked_steps = split>, tiling = #fa.tiling<block_q = 1024, block_kv = 16, stages = 1, warps = 1>}
    return
  }
}

// -----

// An O tile of 1024 fragments carried across the kv loop.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 1099511627776, sram_per_sm = 1099511627776, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_fragments(%q: memref<1x1x64x16xbf16>, %v: memref<1x1x64x8192xbf16>, %o: memref<1x1x64x8192xbf16>) {
    // expected-error @below {{does not fit the mma-sync kernel: with head dims 16 and 8192, a warp's S and O tiles are 2 and 1024 m16n8 fragments, more than 128}}
    fa.attention ins(%q, %q, %v : memref<1x1x64x16xbf16>, memref<1x1x64x16xbf16>, memref<1x1x64x8192xbf16>)
         outs(%o : memref<1x1x64x8192xbf16>)
         {schedule = #fa.schedule<kernel = mma_sync, masked_steps = split>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1>}
    return
  }
}

// -----

// The same bounds for an fa.attention_grad's hand-written tiling (D111:
// the tensor-core backwards were converted, and compiled to a binary, at
// Nq = 2^33 and B = 2^41).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_grad_huge_seq_len(%q: memref<1x1x8589934592x64xbf16>, %k: memref<1x1x128x64xbf16>, %l: memref<1x1x8589934592xf32>) {
    // expected-error @below {{'fa.attention_grad' op cannot be converted: sequence lengths beyond 2147483647 are not supported}}
    fa.attention_grad ins(%q, %k, %k, %q, %q, %l : memref<1x1x8589934592x64xbf16>, memref<1x1x128x64xbf16>, memref<1x1x128x64xbf16>, memref<1x1x8589934592x64xbf16>, memref<1x1x8589934592x64xbf16>, memref<1x1x8589934592xf32>)
        outs(%q, %k, %k : memref<1x1x8589934592x64xbf16>, memref<1x1x128x64xbf16>, memref<1x1x128x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_grad_huge_problem(%q: memref<2199023255552x1x128x64xbf16>, %l: memref<2199023255552x1x128xf32>) {
    // expected-error @below {{'fa.attention_grad' op cannot be converted: problem too large}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128xf32>)
        outs(%q, %q, %q : memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>, memref<2199023255552x1x128x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>}
    return
  }
}
