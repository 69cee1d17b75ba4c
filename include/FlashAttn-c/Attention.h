/*===- Attention.h - What was decided for an fa.attention, C API -*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
|* What fa-select-tiling decided for one fa.attention and what it is checked *|
|* against: the op's #fa.tiling and #fa.schedule, the module's #fa.target,   *|
|* and the shared memory the op's kernel needs against the target's budget   *|
|* (fa-check-sram-budget's check). They are read from the op after           *|
|* fa-select-tiling and before the kernel replaces it (not from the output   *|
|* of the whole fa-to-ptx-pipeline).                                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FLASHATTN_C_ATTENTION_H
#define FLASHATTN_C_ATTENTION_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* #fa.tiling: block_q rows of Q per thread block, block_kv rows of K and V
   per step, stages K/V tiles in flight, warps per thread block. */
typedef struct FATiling {
  int64_t blockQ;
  int64_t blockKV;
  int64_t stages;
  int64_t warps;
} FATiling;

/* #fa.window: query row i sees keys i' - left .. i' + right, i' = i + Nk -
   Nq (docs/TiledForm.md, "Sliding windows"). */
typedef struct FAWindow {
  int64_t left;
  int64_t right;
} FAWindow;

/* #fa.schedule (docs/GPU.md, "The kernel schedule"). The enum fields are
   spelled as the pass options spell them (`mma-sync`, `cp-async`,
   `tma-store`; #fa.schedule's keywords write `-` as `_`); the strings are
   static. */
typedef struct FASchedule {
  MlirStringRef kernel;      /* simt, mma-sync or wgmma */
  MlirStringRef loads;       /* cp-async or tma */
  MlirStringRef release;     /* barrier, mbarrier or producer */
  MlirStringRef step;        /* serial or overlap */
  bool pingpong;             /* consumer warpgroups take turns */
  MlirStringRef maskedSteps; /* split or branch */
  MlirStringRef epilogue;    /* direct, staged or tma-store */
  int64_t consumerRegs;      /* producer kernel's setmaxnreg; 0 without */
  MlirStringRef walk;        /* dense or compacted (a runtime block mask's
                                live kv-blocks listed; docs/BlockSparse.md) */
  int64_t minBlocks;         /* mma-sync kernel: the blocks an SM holds that
                                ptxas fits the registers to (.minnctapersm;
                                D118); 0 without */
} FASchedule;

/* #fa.target: the GPU the module is compiled for. `arch` is owned by the
   context. */
typedef struct FATarget {
  MlirStringRef arch;
  int64_t sramPerBlock;
  int64_t sramPerSM;
  int64_t regsPerSM;
  int64_t maxRegsPerThread;
  int64_t smCount;
  int64_t hbmGBps;
  int64_t tensorTFlops;
} FATarget;

/* Shared memory of one thread block: what the op's kernel needs with its
   tiling (the cost model's sramBytes) and the target's sram_per_block. */
typedef struct FASharedMemory {
  int64_t bytes;
  int64_t budget;
} FASharedMemory;

/* #fa.backward_schedule of an fa.attention_grad (docs/Backward.md, "The
   tiling"), with the op's `deterministic` request. The strings are static
   and spelled as the pass options spell them. */
typedef struct FABackwardSchedule {
  MlirStringRef kernel;   /* simt, mma-sync or wgmma */
  MlirStringRef dq;       /* separate, atomic or ordered */
  bool deterministic;     /* the op asks for a bit-identical result */
  MlirStringRef walk;     /* dense or compacted (docs/BlockSparse.md) */
  MlirStringRef inFlight; /* none or dk (docs/Backward.md, "dK in flight") */
  MlirStringRef epilogue; /* direct or tma-store (docs/Backward.md, "The
                             TMA-store epilogue") */
  MlirStringRef persistent; /* off or on (docs/Backward.md, "The persistent
                               kernel") */
  MlirStringRef dqPass;     /* step-start or after-scores: where ordered dQ
                               passes a step's turn (D115) */
  MlirStringRef gqa; /* loop or split (docs/Backward.md, "The split group") */
  MlirStringRef dqConvert; /* kernel or fused (docs/Backward.md, "The fused
                              dQ conversion") */
  MlirStringRef dqReduce; /* warp or warpgroup (docs/Backward.md, "The
                             warpgroup's dQ reductions") */
  int64_t launchChunk; /* the (batch, head) pairs the grid launches longest
                          first together (docs/Backward.md, "The launch
                          order"); 1: a pair's kv-blocks one after another */
} FABackwardSchedule;

/* Whether `op` is an fa.attention. */
MLIR_CAPI_EXPORTED bool faOperationIsAAttention(MlirOperation op);

/* The number of fa.attention ops in `module`, and the one at `pos` in
   program order (a null operation when `pos` is out of range). */
MLIR_CAPI_EXPORTED intptr_t faModuleGetNumAttentionOps(MlirModule module);
MLIR_CAPI_EXPORTED MlirOperation faModuleGetAttentionOp(MlirModule module,
                                                        intptr_t pos);

/* Whether `op` is an fa.attention_grad; the number of them in `module`,
   and the one at `pos` in program order (a null operation when `pos` is out
   of range). */
MLIR_CAPI_EXPORTED bool faOperationIsAAttentionGrad(MlirOperation op);
MLIR_CAPI_EXPORTED intptr_t faModuleGetNumAttentionGradOps(MlirModule module);
MLIR_CAPI_EXPORTED MlirOperation faModuleGetAttentionGradOp(MlirModule module,
                                                            intptr_t pos);

/* Fills `*tiling` (`*schedule`) from the fa.attention `op`'s #fa.tiling
   (#fa.schedule); returns false, leaving it alone, when the op has none or
   is not an fa.attention. faAttentionGetTiling reads an fa.attention_grad's
   #fa.tiling too. */
MLIR_CAPI_EXPORTED bool faAttentionGetTiling(MlirOperation op,
                                             FATiling *tiling);
MLIR_CAPI_EXPORTED bool faAttentionGetSchedule(MlirOperation op,
                                               FASchedule *schedule);

/* Fills `*window` from the fa.attention or fa.attention_grad `op`'s
   #fa.window; returns false, leaving it alone, when the op has none or is
   neither op. */
MLIR_CAPI_EXPORTED bool faAttentionGetWindow(MlirOperation op,
                                             FAWindow *window);

/* Fills `*schedule` from the fa.attention_grad `op`'s #fa.backward_schedule
   and `deterministic` attribute; returns false, leaving it alone, when the
   op has no schedule or is not an fa.attention_grad. */
MLIR_CAPI_EXPORTED bool faAttentionGradGetSchedule(MlirOperation op,
                                                   FABackwardSchedule *schedule);

/* Fills `*target` from the #fa.target of `op`'s closest enclosing module,
   or of `op` itself when it is a module; returns false, leaving it alone,
   when there is none. */
MLIR_CAPI_EXPORTED bool faGetTarget(MlirOperation op, FATarget *target);

/* Fills `*sharedMemory` for the fa.attention `op`: the bytes its kernel (of
   its #fa.schedule; the scalar kernel without one, as fa-check-sram-budget
   assumes by default) needs with its #fa.tiling, and the budget of its
   module's #fa.target. For an fa.attention_grad: the bytes of one thread
   block of its backward kernel (its #fa.backward_schedule's; the SIMT
   kernel's largest nest without one), fa-check-sram-budget's count. The op
   fits when bytes <= budget. Fails, with the diagnostic on `diagCallback`
   (one string per diagnostic, formatted like faRunPassPipeline's) or, when
   it is null, on the context's handlers, when `op` is neither op, has no
   tiling, has no target, or its shape is not one the cost model reads. */
MLIR_CAPI_EXPORTED MlirLogicalResult
faAttentionGetSharedMemory(MlirOperation op, FASharedMemory *sharedMemory,
                           MlirStringCallback diagCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // FLASHATTN_C_ATTENTION_H
