// convert-fa-to-nvgpu's checks of an fa.attention_grad scheduled for the
// mma.sync backward kernel (docs/Backward.md, "On the GPU: the mma.sync
// kernels"), on IR built by hand: each unsupported case is an error naming
// why, never a skipped op or a wrong kernel.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu -verify-diagnostics

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_tensors(%q: tensor<1x2x64x64xbf16>, %l: tensor<1x2x64xf32>) -> (tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) {
    // expected-error @below {{expected the bufferized op (memref operands); run one-shot bufferization before convert-fa-to-nvgpu}}
    %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64xf32>)
        outs(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>} -> tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>
    return %r#0, %r#1, %r#2 : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_no_tiling(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{has no #fa.tiling; run fa-select-tiling first}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_75", sram_per_block = 65536, sram_per_sm = 65536, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 40, hbm_gbps = 320, tensor_tflops = 65>} {
  func.func @negative_sm75(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the mma_sync backward kernel with #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>: mma.sync m16n8k16 needs sm_80 or newer, the target is sm_75}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_f32(%q: memref<1x2x64x64xf32>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{the element type must be f16 or bf16}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_head_dim(%q: memref<1x2x64x72xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{head dims must be multiples of 16 up to 256, got D = 72, Dv = 72}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>, memref<1x2x64x72xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_bias_grad_ordered(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>, %m: memref<1x1x64x64xf32>) {
    // expected-error @below {{the gradient of a broadcast bias is summed with f32 atomic adds, which are not deterministic; use kernel=simt for a deterministic dBias}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        mask(%m : memref<1x1x64x64xf32>)
        outs(%q, %q, %q, %m : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x1x64x64xf32>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_kv_rows(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{block_kv must be 16 rows per warp (128), block_q a multiple of 16 and stages 1 or 2 (buffers of Q_i, dO_i, lse_i and D_i)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_stages(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{stages 1 or 2 (buffers of Q_i, dO_i, lse_i and D_i)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 3, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_shared_memory(%q: memref<1x2x64x256xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{its shared memory, 475136 B, exceeds the target's 166912 B per block}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 256, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// A mask pattern with ordered dQ: the kv-blocks' turns are the causal and
// window bounds' closed forms, not the pattern's block lists.
module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_pattern_ordered(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the mma_sync backward kernel with #fa.tiling<block_q = 32, block_kv = 64, stages = 2, warps = 4>: a #fa.mask_pattern with ordered (deterministic) dQ is not built}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {mask_pattern = #fa.mask_pattern<butterfly = 64>, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 2, warps = 4>}
    return
  }
}

// -----

// A tiling fa-select-tiling refuses on registers is refused here too, with
// the model's words (mmaSyncBackwardRegisterReason, D113): block_q 128 at
// D = 64 estimates 428 registers a thread; built by hand it spilled 56 B
// (ptxas, sm_90a). `allow-spilling-tilings` builds it
// (test/Target/fa-compile-grad-mma-registers.mlir).

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_registers_block_q_128(%q: memref<1x2x1024x64xbf16>, %l: memref<1x2x1024xf32>) {
    // expected-error @below {{cannot use the mma_sync backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>: 428 registers per thread exceed 255 (the mma-sync backward's ptxas fit: dK_j, dV_j, S^T and dP^T would spill)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024xf32>)
        outs(%q, %q, %q : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_registers_warps(%q: memref<1x2x1024x64xbf16>, %l: memref<1x2x1024xf32>) {
    // expected-error @below {{cannot use the mma_sync backward kernel with #fa.tiling<block_q = 16, block_kv = 256, stages = 1, warps = 16>: outside the mma-sync backward's shapes: 16 warps leave ptxas 128 registers per thread (the kernel needs up to 255: 8 warps at most)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024xf32>)
        outs(%q, %q, %q : memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>, memref<1x2x1024x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 256, stages = 1, warps = 16>}
    return
  }
}
