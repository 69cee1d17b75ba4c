// fa-select-tiling=explain on fa.attention_grad: the decision and why, the
// best candidates, the rejection counts, the kernel, and the schedule with
// the reason for its dQ mode (docs/CostModel.md, "The backward pass").
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=explain --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIMT
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=wgmma" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=mma-sync dq=ordered" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=MMA
// kernel=auto (the pipeline's): the wgmma kernel where it builds the op,
// else the SIMT kernels, and why; kernel=mma-sync by name, with each
// candidate's step overhead.
// RUN: fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=mma-sync" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=STEP

// AUTO: remark: fa-select-tiling (backward, model): 64x128, 2 stages, 8 warps wins (atomic dQ)
// AUTO: note: kernel=wgmma: the wgmma backward kernels
// AUTO: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>: dq=atomic: the cheapest
// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>
// AUTO: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = simt>: dq=separate
// AUTO: note: kernel=auto chose simt (not wgmma: the given tiling does not fit it: outside the wgmma backward's shapes: {{.*}}; not mma-sync: the given tiling does not fit it: {{.*}})

// STEP: remark: fa-select-tiling (backward, model): {{.*}} wins (atomic dQ)
// STEP: note: #1 {{.*}} block(s)/SM, {{.*}} wave(s), {{[0-9]+}} steps a block at {{[0-9.]+}} us overhead each
// STEP: note: kernel=mma-sync: the mma.sync backward kernels
// STEP: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = atomic>: dq=atomic: the cheapest

// Ties on time go to the fewer DRAM bytes, the fewer bytes through L2, then
// the smaller shared memory:
// SIMT: remark: fa-select-tiling (backward, model): 64x32, 1 stage, 8 warps wins (separate dQ): {{[0-9.]+}} us predicted, as fast as the runner-up 64x16, 1 stage, 8 warps with fewer bytes through L2 (889847808 against 1452146688)
// SIMT: note: #1 64x32, 1 stage, 8 warps: {{.*}} us (compute {{.*}} us, memory {{.*}} us), HBM 889847808 B (DRAM after L2 84541440 B: preprocess 16777216/131072, main 55050240/12582912, conversion 0/0 read/write), SRAM 98816 B, 64 registers/thread, 2 block(s)/SM, 1 wave(s)
// SIMT: note: #5
// SIMT-NOT: note: #6
// SIMT: note: 410 of 512 candidates rejected: 410 over shared memory
// SIMT: note: kernel=simt: the scalar kernels built from fa-tile-attention's tiled form (four nests, every tile in shared memory, dQ in its own pass); kernel=auto selects it where no tensor-core backward kernel applies
// SIMT: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = simt>: dq=separate: the simt kernel's only mode (deterministic)

// wgmma: its one built shape, with two buffers of the streamed tiles (the
// TMA ring: each step's loads hidden behind the step before, 0.2 us less
// overhead a step) or one; shared memory K_j, V_j [128, 128], `stages`
// Q_i, dO_i [64, 128], dS^T [128, 64] in bf16, the lse and D rows (1 KiB)
// and 1 KiB of alignment slack, and with two stages their two mbarriers
// (16 B of static shared memory) and the warps' dQ tiles (8 x 16 rows of
// 64 f32, 288 B apart: 36 KiB).
// The group of 4 query heads is split (D122): a block per query head, 256
// blocks of 32 steps in 2 waves, where the loop's 64 blocks of 128 steps
// would leave half the SMs idle.
// WGMMA: remark: fa-select-tiling (backward, model): 64x128, 2 stages, 8 warps wins (atomic dQ): {{.*}} us predicted, {{[0-9.]+}}% faster than the runner-up 64x128, 1 stage, 8 warps
// WGMMA: note: #1 64x128, 2 stages, 8 warps: {{.*}}, SRAM 182288 B, 224 registers/thread, 1 block(s)/SM, 2 wave(s), 32 steps a block at 0.100 us overhead each
// WGMMA: note: #2 64x128, 1 stage, 8 warps: {{.*}}, SRAM 116736 B, 224 registers/thread, 1 block(s)/SM, 2 wave(s), 32 steps a block at 0.300 us overhead each
// WGMMA: note: 126 of 128 candidates rejected: 126 outside the kernel's shapes
// WGMMA: note: kernel=wgmma: the wgmma backward kernels of convert-fa-to-nvgpu (sm_90a: two warpgroups of 64 kv rows, K_j, V_j and the streamed Q_i, dO_i in 128-byte swizzled shared memory, Q_i and dO_i by TMA into a ring of two buffers (stages 2, dQ added by bulk reductions) or by cp.async into one (stages 1, dQ added by atomics), dK_j, dV_j in registers, dQ unordered or in kv-block order; windows and block masks skip whole pairs, a mask pattern's steps walk the kv-block's list of q-blocks (dq = atomic); an additive bias (D = 64, the ring) added to the scores, dBias stored or summed atomically; D = Dv a multiple of 16 from 64 to 128; D = 256 and D = 192 with Dv = 128 by the column split: block_kv 64, each warpgroup half the columns of dK_j, dV_j)
// WGMMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = wgmma, dq = atomic, gqa = split, dq_reduce = warpgroup>: dq=atomic: the cheapest: unordered f32 atomic adds (not deterministic); gqa=split: a block per query head (256 blocks)

// MMA: remark: fa-select-tiling (backward, model): {{.*}} wins (ordered dQ)
// MMA: note: kernel=mma-sync: the mma.sync backward kernels of convert-fa-to-nvgpu (K_j, V_j and the streamed Q_i, dO_i in shared memory, 16 kv rows of dK_j, dV_j in registers per warp, dQ added atomically, unordered or in kv-block order; windows and block masks skip whole pairs; an additive bias added to the scores, dBias stored or summed atomically)
// MMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = ordered>: dq=ordered: forced (the dq option)

// A tiling given with the op is kept, and explained; dynamic sizes are
// assumed and said so; a schedule given with the op is kept.
// The given 64 x 64 tiling is outside the mma-sync kernel's shapes (its
// S^T and dP^T registers):
// MMA: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4> does not fit the target (sm_90a): 256 registers per thread exceed 255 (the mma-sync backward's ptxas fit: dK_j, dV_j, S^T and dP^T would spill) (backward kernel=mma-sync)
// SIMT: remark: fa-select-tiling: keeps the given tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4> (64x64, 1 stage, 4 warps: {{.*}}, SRAM 98816 B, 64 registers/thread
// SIMT: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = simt>
// SIMT: remark: fa-select-tiling (backward, model)
// SIMT: note: dynamic sizes assumed for the prediction: batch = 1, Nq = 4096, Nk = 4096 (options assumed-batch, assumed-seq-len)
// The given 64 x 64 tiling is outside the wgmma kernel's one shape too:
// WGMMA: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4> does not fit the target (sm_90a): outside the wgmma backward's shapes: 8 warps (two warpgroups of 64 kv rows), block_kv = 128, block_q = 64 and stages 1 or 2, got warps = 4, block_kv = 64, block_q = 64, stages = 1 (backward kernel=wgmma)
// WGMMA: note: dynamic sizes assumed for the prediction
// SIMT: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = ordered>: dq=ordered: given with the op, deterministic
// WGMMA: remark: fa-select-tiling: backward schedule #fa.backward_schedule<kernel = mma_sync, dq = ordered>: dq=ordered: given with the op, deterministic

func.func @grad(%q: tensor<2x8x2048x128xbf16>, %k: tensor<2x2x2048x128xbf16>, %v: tensor<2x2x2048x128xbf16>, %o: tensor<2x8x2048x128xbf16>, %do: tensor<2x8x2048x128xbf16>, %l: tensor<2x8x2048xf32>, %dq0: tensor<2x8x2048x128xbf16>, %dk0: tensor<2x2x2048x128xbf16>, %dv0: tensor<2x2x2048x128xbf16>) -> (tensor<2x8x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x2x2048x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x8x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x8x2048x128xbf16>, tensor<2x8x2048x128xbf16>, tensor<2x8x2048xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<2x8x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x2x2048x128xbf16>) {causal}
      -> tensor<2x8x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x2x2048x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x2048x128xbf16>, tensor<2x2x2048x128xbf16>, tensor<2x2x2048x128xbf16>
}

// -----

func.func @given(%q: tensor<1x2x1024x64xbf16>, %k: tensor<1x2x1024x64xbf16>, %v: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>, %do: tensor<1x2x1024x64xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x64xbf16>, %dk0: tensor<1x2x1024x64xbf16>, %dv0: tensor<1x2x1024x64xbf16>) -> (tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>) {deterministic, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>}
      -> tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
}

// -----

func.func @dynamic(%q: tensor<?x2x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: tensor<?x2x?x64xbf16>, %do: tensor<?x2x?x64xbf16>, %l: tensor<?x2x?xf32>, %dq0: tensor<?x2x?x64xbf16>, %dk0: tensor<?x2x?x64xbf16>, %dv0: tensor<?x2x?x64xbf16>) -> (tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>)
      -> tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>
}

// -----

func.func @given_schedule(%q: tensor<1x2x1024x64xbf16>, %k: tensor<1x2x1024x64xbf16>, %v: tensor<1x2x1024x64xbf16>, %o: tensor<1x2x1024x64xbf16>, %do: tensor<1x2x1024x64xbf16>, %l: tensor<1x2x1024xf32>, %dq0: tensor<1x2x1024x64xbf16>, %dk0: tensor<1x2x1024x64xbf16>, %dv0: tensor<1x2x1024x64xbf16>) -> (tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024xf32>)
      outs(%dq0, %dk0, %dv0 : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>) {deterministic, schedule = #fa.backward_schedule<kernel = mma_sync, dq = ordered>}
      -> tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>, tensor<1x2x1024x64xbf16>
}
