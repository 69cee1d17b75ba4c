// fa-select-tiling's decisions for fa.attention_grad (docs/Backward.md, "The
// tiling"), pinned per target and head dimension at the forward's decision
// table's shape (B = 4, H = 16, N = 4096, bf16).
//
// The SIMT kernel (the default kernel=simt, and kernel=auto): the tiling
// whose largest nest of the tiled form fits sram_per_block
// (simtBackwardSramBytes, stamped as fa.predicted_sram), dQ in its own pass
// (dq = separate, the default, not printed). By hand, a100 d = 64, 32 x 64:
// tiles Q 4096 + dO 4096 + lse 128 + D 128 + K 8192 + V 8192 = 24832, S and
// dP 2 x 8192, dK_j and dV_j 2 x 16384: 73984 B (nest 3: 49408 B); two such
// blocks of 8 warps fit an SM (the estimate wants 16 warps resident).
//
// kernel=mma-sync and kernel=wgmma: the tensor-core backward model, recorded
// (convert-fa-to-nvgpu builds both); dq = atomic, or ordered when the op or
// the pass asks for deterministic (both kernels build it).
// mma-sync: block_kv is 16 rows per warp (at most 8), block_q within ptxas's
// registers (the fit kMmaSyncBackwardRegisters: 48 at d = 64, 32 at d = 128,
// 16 at d = 192); no tiling at d = 256 (dK_j and dV_j alone are 256 registers
// per thread): an error; an additive bias (the bias case) is built, its
// broadcast gradient not with deterministic.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling | FileCheck %s --check-prefix=A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling | FileCheck %s --check-prefix=H100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling | FileCheck %s --check-prefix=A10
// RUN: fa-opt %s -split-input-file --fa-set-target=target=l4 --fa-select-tiling | FileCheck %s --check-prefix=L4
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=mma-sync 2> %t.A100-MMA | FileCheck %s --check-prefix=A100-MMA
// RUN: FileCheck %s --check-prefix=MMA-ERR < %t.A100-MMA
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling="kernel=mma-sync deterministic" 2> %t.A100-MMA-DET | FileCheck %s --check-prefix=A100-MMA-DET
// RUN: FileCheck %s --check-prefixes=MMA-ERR,MMA-DET-ERR < %t.A100-MMA-DET
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling=kernel=mma-sync 2> %t.A10-MMA | FileCheck %s --check-prefix=A10-MMA
// RUN: FileCheck %s --check-prefix=MMA-ERR < %t.A10-MMA
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma 2> %t.H100-WG | FileCheck %s --check-prefix=WG
// RUN: FileCheck %s --check-prefix=WG-ERR < %t.H100-WG
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling=kernel=wgmma 2> %t.H200-WG | FileCheck %s --check-prefix=WG
// RUN: FileCheck %s --check-prefix=WG-ERR < %t.H200-WG
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling="kernel=wgmma dq=ordered" 2> %t.H200-WG-ORD | FileCheck %s --check-prefix=WG-ORD
// RUN: FileCheck %s --check-prefix=WG-ERR < %t.H200-WG-ORD
//
// Every decision fits its target by fa-check-sram-budget's count:
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling --fa-check-sram-budget -o /dev/null
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=mma-sync --fa-check-sram-budget -o /dev/null 2>/dev/null
// kernel=auto (the pipeline's): the first tensor-core backward of
// kAutoBackwardRules that builds the op (every build has passed its GPU
// check): wgmma on sm_90a (its TMA ring, ordered dQ too; D = 64 with a
// bias; the column split at D = 256 and 192/128), then mma.sync (a bias at
// D = 128; sm_80, where D = 256 takes the SIMT picks, the default's).
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a100 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=AUTO-A100
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=AUTO-H200
// RUN: fa-opt %s -split-input-file --fa-set-target=target=a10 --fa-select-tiling=kernel=auto | FileCheck %s --check-prefix=AUTO-A10
// Every decision is printed back as it was parsed:
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling | fa-opt -split-input-file --fa-select-tiling | FileCheck %s --check-prefix=H100

// AUTO-A100-LABEL: func.func @d64
// AUTO-A100: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A100-LABEL: func.func @d128
// AUTO-A100: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A100-LABEL: func.func @d256
// AUTO-A100: {fa.predicted_sram = 67840 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// AUTO-A100-LABEL: func.func @d192_dv128
// AUTO-A100: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A100-LABEL: func.func @gqa_causal_bias_grad
// AUTO-A100: {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A100-LABEL: func.func @deterministic_op
// AUTO-A100: {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
//
// AUTO-H200-LABEL: func.func @d64
// AUTO-H200: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
// AUTO-H200-LABEL: func.func @d128
// AUTO-H200: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
// AUTO-H200-LABEL: func.func @d256
// AUTO-H200: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// AUTO-H200-LABEL: func.func @d192_dv128
// AUTO-H200: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// AUTO-H200-LABEL: func.func @gqa_causal_bias_grad
// AUTO-H200: {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// AUTO-H200-LABEL: func.func @deterministic_op
// AUTO-H200: {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
//
// AUTO-A10-LABEL: func.func @d64
// AUTO-A10: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A10-LABEL: func.func @d128
// AUTO-A10: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A10-LABEL: func.func @d256
// AUTO-A10: {fa.predicted_sram = 86272 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// AUTO-A10-LABEL: func.func @d192_dv128
// AUTO-A10: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 64, stages = 2, warps = 4>}
// AUTO-A10-LABEL: func.func @gqa_causal_bias_grad
// AUTO-A10: {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// AUTO-A10-LABEL: func.func @deterministic_op
// AUTO-A10: {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
//
// A100-LABEL: func.func @d64
// A100: {fa.predicted_sram = 73984 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 64, stages = 1, warps = 8>}
// A100-LABEL: func.func @d128
// A100: {fa.predicted_sram = 73984 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
// A100-LABEL: func.func @d256
// A100: {fa.predicted_sram = 67840 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// A100-LABEL: func.func @d192_dv128
// A100: {fa.predicted_sram = 76032 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 32, stages = 1, warps = 8>}
// A100-LABEL: func.func @gqa_causal_bias_grad
// A100: {causal, fa.predicted_sram = 82560 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 64, block_kv = 16, stages = 1, warps = 8>}
// A100-LABEL: func.func @deterministic_op
// A100: {deterministic, fa.predicted_sram = 73984 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
//
// H100-LABEL: func.func @d64
// H100: {fa.predicted_sram = 33024 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 32, stages = 1, warps = 4>}
// H100-LABEL: func.func @d128
// H100: {fa.predicted_sram = 73984 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
// H100-LABEL: func.func @d256
// H100: {fa.predicted_sram = 67840 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// H100-LABEL: func.func @d192_dv128
// H100: {fa.predicted_sram = 43264 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>}
// H100-LABEL: func.func @gqa_causal_bias_grad
// H100: {causal, fa.predicted_sram = 115072 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 64, stages = 1, warps = 8>}
// H100-LABEL: func.func @deterministic_op
// H100: {deterministic, fa.predicted_sram = 73984 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
//
// A10-LABEL: func.func @d64
// A10: {fa.predicted_sram = 41216 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
// A10-LABEL: func.func @d128
// A10: {fa.predicted_sram = 45312 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// A10-LABEL: func.func @d256
// A10: {fa.predicted_sram = 86272 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// A10-LABEL: func.func @d192_dv128
// A10: {fa.predicted_sram = 43264 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// A10-LABEL: func.func @gqa_causal_bias_grad
// A10: {causal, fa.predicted_sram = 45440 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// A10-LABEL: func.func @deterministic_op
// A10: {deterministic, fa.predicted_sram = 45312 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
//
// L4-LABEL: func.func @d64
// L4: {fa.predicted_sram = 41216 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 8>}
// L4-LABEL: func.func @d128
// L4: {fa.predicted_sram = 45312 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// L4-LABEL: func.func @d256
// L4: {fa.predicted_sram = 67840 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// L4-LABEL: func.func @d192_dv128
// L4: {fa.predicted_sram = 43264 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 8>}
// L4-LABEL: func.func @gqa_causal_bias_grad
// L4: {causal, fa.predicted_sram = 45440 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
// L4-LABEL: func.func @deterministic_op
// L4: {deterministic, fa.predicted_sram = 45312 : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 8>}
//
// A100-MMA-LABEL: func.func @d64
// A100-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-LABEL: func.func @d128
// A100-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-LABEL: func.func @d192_dv128
// A100-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// An additive bias and its gradient (BackwardBias, D72).
// A100-MMA-LABEL: func.func @gqa_causal_bias_grad
// A100-MMA: {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-LABEL: func.func @deterministic_op
// Dense ordered dQ (D66's price, refit at D67's merge): block_q 32 on the
// A100 (a shorter link no longer outweighs the longer compute), block_q 16
// on the A10.
// A100-MMA: {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
//
// A100-MMA-DET-LABEL: func.func @d64
// A100-MMA-DET: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-DET-LABEL: func.func @d128
// A100-MMA-DET: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-DET-LABEL: func.func @d192_dv128
// A100-MMA-DET: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// A100-MMA-DET-LABEL: func.func @deterministic_op
// A100-MMA-DET: {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 2, warps = 8>}
//
// A10-MMA-LABEL: func.func @d64
// A10-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 48, block_kv = 128, stages = 2, warps = 8>}
// A10-MMA-LABEL: func.func @d128
// A10-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// A10-MMA-LABEL: func.func @d192_dv128
// A10-MMA: {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 64, stages = 2, warps = 4>}
// A10-MMA-LABEL: func.func @gqa_causal_bias_grad
// (16x128 since D73: the causal pairs priced as causal; 32x64, 4 warps before)
// A10-MMA: {causal, schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
// A10-MMA-LABEL: func.func @deterministic_op
// A10-MMA: {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>, tiling = #fa.tiling<block_q = 16, block_kv = 128, stages = 2, warps = 8>}
//
// MMA-ERR: error: 'fa.attention_grad' op cannot be tiled for sm_{{8[06]}} (head dim 256, value head dim 256): no backward tiling fits: 160 candidates rejected (the smallest: 343 registers per thread exceed 255 (the mma-sync backward's ptxas fit: dK_j, dV_j, S^T and dP^T would spill)) (backward kernel=mma-sync)
// Deterministic: the broadcast bias's gradient (f32 atomics) is an error.
// MMA-DET-ERR: error: 'fa.attention_grad' op cannot use the mma-sync backward kernel: the gradient of a broadcast bias is summed with f32 atomic adds, which are not deterministic; use kernel=simt for a deterministic dBias
//
// wgmma: its row split (two warpgroups of 64 kv rows, q-blocks of 64) at
// D = Dv in {64, 128} (D = 64: the wide q-block, block_q 128, its dK and dV
// by the TMA store since D130), its column split (block_kv 64, D76) at D = 256 and
// D = 192 with Dv = 128 (the TMA ring at all), dq = ordered where deterministic (the op's attribute, or
// forced by the dq option); a bias at D = 128 is an error.
// WG-LABEL: func.func @d64
// WG: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
// WG-LABEL: func.func @d128
// WG: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
// WG-LABEL: func.func @d256
// WG: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// WG-LABEL: func.func @d192_dv128
// WG: {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// WG-LABEL: func.func @deterministic_op
// WG: {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
// WG-ORD-LABEL: func.func @d64
// WG-ORD: {schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store>, tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
// WG-ORD-LABEL: func.func @d128
// WG-ORD: {schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
// WG-ORD-LABEL: func.func @d256
// WG-ORD: {schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// WG-ORD-LABEL: func.func @d192_dv128
// WG-ORD: {schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>}
// WG-ORD-LABEL: func.func @deterministic_op
// WG-ORD: {deterministic, schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, epilogue = tma_store, dq_reduce = warpgroup>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
// WG-ERR: error: 'fa.attention_grad' op cannot use the wgmma backward kernel: an additive bias is built for it at D = 64 only (at D = 128 its loads and dBias's adds spill registers); use kernel=mma-sync or simt

// B = 4, H = 16, N = 4096, bf16 (the forward's decision table's shape).
func.func @d64(%q: tensor<4x16x4096x64xbf16>, %k: tensor<4x16x4096x64xbf16>, %v: tensor<4x16x4096x64xbf16>, %o: tensor<4x16x4096x64xbf16>, %do: tensor<4x16x4096x64xbf16>, %l: tensor<4x16x4096xf32>, %dq0: tensor<4x16x4096x64xbf16>, %dk0: tensor<4x16x4096x64xbf16>, %dv0: tensor<4x16x4096x64xbf16>) -> (tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>)
      -> tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>, tensor<4x16x4096x64xbf16>
}

// -----

func.func @d128(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>, %do: tensor<4x16x4096x128xbf16>, %l: tensor<4x16x4096xf32>, %dq0: tensor<4x16x4096x128xbf16>, %dk0: tensor<4x16x4096x128xbf16>, %dv0: tensor<4x16x4096x128xbf16>) -> (tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>)
      -> tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
}

// -----

func.func @d256(%q: tensor<4x16x4096x256xbf16>, %k: tensor<4x16x4096x256xbf16>, %v: tensor<4x16x4096x256xbf16>, %o: tensor<4x16x4096x256xbf16>, %do: tensor<4x16x4096x256xbf16>, %l: tensor<4x16x4096xf32>, %dq0: tensor<4x16x4096x256xbf16>, %dk0: tensor<4x16x4096x256xbf16>, %dv0: tensor<4x16x4096x256xbf16>) -> (tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>)
      -> tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>, tensor<4x16x4096x256xbf16>
}

// -----

func.func @d192_dv128(%q: tensor<4x16x4096x192xbf16>, %k: tensor<4x16x4096x192xbf16>, %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>, %do: tensor<4x16x4096x128xbf16>, %l: tensor<4x16x4096xf32>, %dq0: tensor<4x16x4096x192xbf16>, %dk0: tensor<4x16x4096x192xbf16>, %dv0: tensor<4x16x4096x128xbf16>) -> (tensor<4x16x4096x192xbf16>, tensor<4x16x4096x192xbf16>, tensor<4x16x4096x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x192xbf16>, tensor<4x16x4096x192xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<4x16x4096x192xbf16>, tensor<4x16x4096x192xbf16>, tensor<4x16x4096x128xbf16>)
      -> tensor<4x16x4096x192xbf16>, tensor<4x16x4096x192xbf16>, tensor<4x16x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x192xbf16>, tensor<4x16x4096x192xbf16>, tensor<4x16x4096x128xbf16>
}

// -----

// GQA 16/4, causal, a per-key bias whose gradient is asked for (nest 4).
func.func @gqa_causal_bias_grad(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x4x4096x128xbf16>, %v: tensor<4x4x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>, %do: tensor<4x16x4096x128xbf16>, %l: tensor<4x16x4096xf32>, %b: tensor<1x16x1x4096xbf16>, %dq0: tensor<4x16x4096x128xbf16>, %dk0: tensor<4x4x4096x128xbf16>, %dv0: tensor<4x4x4096x128xbf16>, %db0: tensor<1x16x1x4096xbf16>) -> (tensor<4x16x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<1x16x1x4096xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>) mask(%b : tensor<1x16x1x4096xbf16>)
      outs(%dq0, %dk0, %dv0, %db0 : tensor<4x16x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<1x16x1x4096xbf16>) {causal}
      -> tensor<4x16x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<1x16x1x4096xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<4x16x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<4x4x4096x128xbf16>, tensor<1x16x1x4096xbf16>
}

// -----

// The op asks for a bit-identical result: ordered adds for the tensor-core kernels.
func.func @deterministic_op(%q: tensor<4x16x4096x128xbf16>, %k: tensor<4x16x4096x128xbf16>, %v: tensor<4x16x4096x128xbf16>, %o: tensor<4x16x4096x128xbf16>, %do: tensor<4x16x4096x128xbf16>, %l: tensor<4x16x4096xf32>, %dq0: tensor<4x16x4096x128xbf16>, %dk0: tensor<4x16x4096x128xbf16>, %dv0: tensor<4x16x4096x128xbf16>) -> (tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>) {deterministic}
      -> tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>, tensor<4x16x4096x128xbf16>
}
