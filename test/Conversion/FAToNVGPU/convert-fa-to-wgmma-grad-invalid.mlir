// convert-fa-to-nvgpu's checks of an fa.attention_grad scheduled for the
// wgmma backward kernel (docs/Backward.md, "On the GPU: the wgmma kernels"),
// on IR built by hand: each unsupported case is an error naming why, never
// a skipped op or a wrong kernel. The shared memory case: K_j, V_j
// [128, 128], Q_i, dO_i [64, 128], dS^T [128, 64] in bf16, the lse and D
// rows (1 KiB) and 1 KiB of slack, 116736 B, on a target of 64 KiB per
// block.
// RUN: fa-opt %s -split-input-file --convert-fa-to-nvgpu -verify-diagnostics

module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 166912, sram_per_sm = 167936, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039, tensor_tflops = 312>} {
  func.func @negative_sm80(%q: memref<1x2x64x64xbf16>, %v: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the target (sm_80) has no wgmma (needs sm_90a)}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_f32(%q: memref<1x2x64x64xf32>, %v: memref<1x2x64x64xf32>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the element type must be f16 or bf16}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_head_dim(%q: memref<1x2x64x160xbf16>, %v: memref<1x2x64x160xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: it is built for D = Dv, a multiple of 16 from 64 to 128, and (D, Dv) = (192, 128) or (256, 256), got D = 160, Dv = 160}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>, memref<1x2x64x160xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dv(%q: memref<1x2x64x128xbf16>, %v: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: it is built for D = Dv, a multiple of 16 from 64 to 128, and (D, Dv) = (192, 128) or (256, 256), got D = 128, Dv = 64}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bias_grad_ordered(%q: memref<1x2x64x64xbf16>, %v: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>, %m: memref<1x1x1x64xbf16>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the gradient of a broadcast bias is summed with f32 atomic adds, which are not deterministic; use kernel=simt for a deterministic dBias}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>) mask(%m : memref<1x1x1x64xbf16>)
        outs(%q, %q, %v, %m : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x1x1x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_tiling(%q: memref<1x2x64x64xbf16>, %v: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>: the kernel is built for 8 warps (two warpgroups of 64 kv rows), block_kv = 128, block_q = 64 and stages 1 or 2 (buffers of Q_i, dO_i, lse_i and D_i)}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_stages(%q: memref<1x2x64x64xbf16>, %v: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 3, warps = 8>: the kernel is built for 8 warps (two warpgroups of 64 kv rows), block_kv = 128, block_q = 64 and stages 1 or 2}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 3, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 65536, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_shared_memory(%q: memref<1x2x64x128xbf16>, %v: memref<1x2x64x128xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: its shared memory, 116736 B, exceeds the target's 65536 B per block}}
    fa.attention_grad ins(%q, %q, %v, %v, %v, %l : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %v : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bias_d128(%q: memref<1x2x64x128xbf16>, %l: memref<1x2x64xf32>, %m: memref<1x2x64x64xf32>) {
    // expected-error @below {{an additive bias is built for it at D = 64 only (at D = 128 its loads and dBias's adds spill registers); use kernel=mma-sync or simt}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64xf32>) mask(%m : memref<1x2x64x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>, memref<1x2x64x128xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bias_one_buffer(%q: memref<1x2x64x64xbf16>, %l: memref<1x2x64xf32>, %m: memref<1x2x64x64xf32>) {
    // expected-error @below {{its one-buffer kernel (stages 1) spills registers with an additive bias; use stages 2 (the TMA ring)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64xf32>) mask(%m : memref<1x2x64x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// The column split (D = 256, D76) given the row split's tiling.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_column_split_tiling(%q: memref<1x2x64x256xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the kernel is built for 8 warps (two warpgroups of half the columns of dK_j and dV_j), block_kv = 64, block_q = 64 and stages 1 or 2 (buffers of Q_i, dO_i, lse_i and D_i)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// The column split's TMA ring at D = 256 (dQ by atomics: no dQ tiles):
// K_j, V_j [64, 256], two buffers of Q_i, dO_i [64, 256], P^T and dS^T
// [64, 64] in bf16, the rows and the slack, 215040 B of dynamic shared
// memory and 16 B of mbarriers, on a target of 200 KiB per block.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 204800, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_column_split_ring(%q: memref<1x2x64x256xbf16>, %l: memref<1x2x64xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>: its shared memory, 215056 B, exceeds the target's 204800 B per block}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64xf32>)
        outs(%q, %q, %q : memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>, memref<1x2x64x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}

// -----

// The compacted walk (D94) is the TMA ring's; its list is priced in the
// shared memory: 16 query heads a K/V head of 16384 q-blocks each list
// 262144 steps (1 MiB).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_compacted_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>, %bm: memref<1x1x4x2xi8>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the compacted walk is the TMA ring's (stages 2), not one buffer's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        block_mask(%bm : memref<1x1x4x2xi8>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_compacted_list_too_big(%q: memref<1x16x1048576x64xbf16>, %k: memref<1x1x128x64xbf16>, %l: memref<1x16x1048576xf32>, %bm: memref<1x1x16384x1xi8>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>: its shared memory, 1149968 B, exceeds the target's 232448 B per block}}
    fa.attention_grad ins(%q, %k, %k, %q, %q, %l : memref<1x16x1048576x64xbf16>, memref<1x1x128x64xbf16>, memref<1x1x128x64xbf16>, memref<1x16x1048576x64xbf16>, memref<1x16x1048576x64xbf16>, memref<1x16x1048576xf32>)
        block_mask(%bm : memref<1x1x16384x1xi8>)
        outs(%q, %k, %k : memref<1x16x1048576x64xbf16>, memref<1x1x128x64xbf16>, memref<1x1x128x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

// dK in flight (D101) is the row split's TMA ring without a block mask:
// one buffer, a block mask and the column split (D = 256) are refused.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_in_flight_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: dK in flight is the TMA ring's (stages 2), not one buffer's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_in_flight_block_mask(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>, %bm: memref<1x1x4x2xi8>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>: dK in flight issues the next step's Q_i after dS^T's barrier, which a step the block mask skips does not have: not with a runtime block mask}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        block_mask(%bm : memref<1x1x4x2xi8>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 64, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_in_flight_column_split(%q: memref<1x2x256x256xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>: dK in flight is built on the row split's TMA ring (D = Dv up to 128), not the column split's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}

// -----

// The TMA-store epilogue (D107) is the row split's TMA ring: one buffer and
// the column split (D = 256) are refused.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_tma_store_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the TMA-store epilogue is the TMA ring's (stages 2), not one buffer's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// The wide q-block (block_q 128, D104) where it is not built: each an
// error of the conversion as of fa-select-tiling
// (select-tiling-backward-bq128-errors.mlir).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_d128(%q: memref<1x2x256x128xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>: block_q 128 is built at D = Dv = 64 only (its S^T, dP^T and dK_j, dV_j take 192 f32 registers a thread there), got D = 128, Dv = 128}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>, memref<1x2x256x128xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>: block_q 128 is built on the TMA ring (stages 2), not one buffer}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_tma_store_column_split(%q: memref<1x2x256x256xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>: the TMA-store epilogue is built on the row split (D = Dv up to 128), not the column split's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_bias(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>, %m: memref<1x2x256x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>: block_q 128 is not built with an additive bias (an i1 keep-mask is)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>) mask(%m : memref<1x2x256x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_block_mask(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>, %bm: memref<1x1x2x2xi8>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>: block_q 128 is not built with a runtime block mask}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        block_mask(%bm : memref<1x1x2x2xi8>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_mask_pattern(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>: block_q 128 is not built with a #fa.mask_pattern}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {mask_pattern = #fa.mask_pattern<chunk = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_bq128_in_flight(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>: block_q 128 is not built with dK in flight (in_flight = dk)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

// The ordered dQ's turns passed after the score products (dq_pass =
// after_scores, D115) are the row split's TMA ring's: one buffer and the
// column split (D = 256) are refused.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dq_pass_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: passing the turns after the score products is the TMA ring's (stages 2), not one buffer's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// The persistent kernel (D114) with a mask pattern: its list is per
// kv-block.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_persistent_mask_pattern(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>: the persistent kernel is not built with a #fa.mask_pattern}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {mask_pattern = #fa.mask_pattern<chunk = 128>, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dq_pass_column_split(%q: memref<1x2x256x256xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>: passing the turns after the score products is built on the row split's bulk reductions (D = Dv up to 128), not the column split's atomics}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>)
        {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, dq_pass = after_scores>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}

// -----

// ... and one buffer.
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_persistent_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the persistent kernel is the TMA ring's (stages 2), not one buffer's}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, persistent = on>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

// The warpgroup's dQ reductions (D127) are the TMA ring's tensor boxes:
// one buffer (dQ by atomics) is refused, and so are D = 96 (a warp's 48
// columns added a row at a time) and D = 256 (its ring adds dQ by atomics).
module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dq_reduce_one_buffer(%q: memref<1x2x256x64xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>: the warpgroup's dQ reductions are the TMA ring's (stages 2), not one buffer's (dQ by atomics)}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>, memref<1x2x256x64xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dq_reduce_rows(%q: memref<1x2x256x96xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>: the warpgroup's dQ reductions add tensor boxes of 32 f32 columns; a warp's 48 dQ columns are added a row at a time}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>, memref<1x2x256x96xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
    return
  }
}

// -----

module attributes {fa.target = #fa.target<arch = "sm_90a", sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536, max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350, tensor_tflops = 989>} {
  func.func @negative_dq_reduce_atomics(%q: memref<1x2x256x256xbf16>, %l: memref<1x2x256xf32>) {
    // expected-error @below {{cannot use the wgmma backward kernel with #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>: the warpgroup's dQ reductions need the ring's dQ tiles; at this D its ring adds dQ by atomics}}
    fa.attention_grad ins(%q, %q, %q, %q, %q, %l : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256xf32>)
        outs(%q, %q, %q : memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>, memref<1x2x256x256xbf16>)
        {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
    return
  }
}
