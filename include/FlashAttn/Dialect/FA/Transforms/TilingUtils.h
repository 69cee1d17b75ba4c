//===- TilingUtils.h - fa.attention <-> cost model --------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Reads the cost model's view of an fa.attention (its problem and tiling), so
// that fa-select-tiling, fa-check-sram-budget and the GPU conversion agree on
// the numbers (in particular on sramBytes).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H
#define FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"

namespace mlir {
namespace fa {

/// Sizes assumed for the dynamic dimensions of an fa.attention when no
/// better value is known (docs/CostModel.md, "Dynamic shapes").
constexpr int64_t kAssumedSeqLen = 4096;
constexpr int64_t kAssumedBatch = 1;

/// Whether `op`'s mask is an additive bias (the wgmma backward does not
/// build it), not an i1 keep-mask or absent.
bool hasAdditiveBias(AttentionGradOp op);

/// Whether dimension `dim` (0..3: batch, query heads, rows, keys) of
/// `op`'s mask is broadcast: a static 1 where the problem's is not.
bool maskBroadcasts(AttentionGradOp op, int64_t dim);

/// Why the mma.sync backward cannot build `op`'s bias gradient with `dq`,
/// or nullopt: a bias that broadcasts (a static unit dimension) has its
/// gradient summed by f32 atomic adds, which are not deterministic, so not
/// with ordered (deterministic) dQ.
std::optional<std::string> biasGradientDqReason(AttentionGradOp op,
                                                DqAccumulation dq);

/// Why the wgmma backward cannot build `op`'s additive bias, or nullopt:
/// it is built at D = 64; at D = 128 the bias's loads and dBias's adds
/// spill registers (ptxas, CUDA 13).
std::optional<std::string> wgmmaBiasReason(AttentionGradOp op);

/// The problem of `op`. Dynamic `Nq`/`Nk` become `assumedSeqLen` and a
/// dynamic batch `assumedBatch`; `usedAssumption` (when given) is set to
/// whether any of them was dynamic.
AttentionProblem getAttentionProblem(AttentionOp op,
                                     int64_t assumedSeqLen = kAssumedSeqLen,
                                     int64_t assumedBatch = kAssumedBatch,
                                     bool *usedAssumption = nullptr);
/// The same for the backward (fa.attention_grad): the shapes of its Q, K,
/// V and mask.
AttentionProblem getAttentionProblem(AttentionGradOp op,
                                     int64_t assumedSeqLen = kAssumedSeqLen,
                                     int64_t assumedBatch = kAssumedBatch,
                                     bool *usedAssumption = nullptr);

/// Why `op` with `kind`, `dq` and `tiling` (when given) cannot take the
/// compacted walk, or nullopt: blockMaskWalkReason's rule and a static Nq
/// (the list's static size).
std::optional<std::string> compactedWalkOpReason(AttentionGradOp op,
                                                 KernelKind kind,
                                                 DqAccumulation dq,
                                                 const Tiling *tiling);

/// Why `op` with `kind` and `tiling` (when given) cannot leave dK's product
/// in flight, or nullopt: inFlightReason's rule for the op's problem.
std::optional<std::string> inFlightOpReason(AttentionGradOp op,
                                            KernelKind kind,
                                            const Tiling *tiling);

/// Why `op` with `kind` and `tiling` (when given) cannot store dK and dV
/// through TMA, or nullopt: backwardEpilogueReason's rule for the op's
/// problem.
std::optional<std::string> backwardTmaStoreOpReason(AttentionGradOp op,
                                                    KernelKind kind,
                                                    const Tiling *tiling);

/// Why `op` with `kind`, `dq` and `tiling` (when given) cannot pass its
/// ordered dQ's turns after the score products, or nullopt:
/// dqTurnPassReason's rule for the op's problem.
std::optional<std::string> dqPassAfterScoresOpReason(AttentionGradOp op,
                                                     KernelKind kind,
                                                     DqAccumulation dq,
                                                     const Tiling *tiling);
/// Why `op` with `kind`, `dq` and `tiling` (when given) cannot take the
/// persistent kernel, or nullopt: backwardPersistentReason's rule for the
/// op's problem.
std::optional<std::string> backwardPersistentOpReason(AttentionGradOp op,
                                                      KernelKind kind,
                                                      DqAccumulation dq,
                                                      const Tiling *tiling);

/// Why `op` with `kind` and `dq` cannot split its group over the grid, or
/// nullopt: backwardGqaSplitReason's rule for the op's problem, and no
/// bias gradient (its f32 scratch is not built beside the split's).
std::optional<std::string> backwardGqaSplitOpReason(AttentionGradOp op,
                                                    KernelKind kind,
                                                    DqAccumulation dq);

/// Why `op` with `kind`, `dq` and `tiling` cannot fuse dQ's conversion into
/// its main kernel, or nullopt: dqConvertFusedReason's rule for the op's
/// problem, no bias gradient (the convert kernel also rounds dBias's
/// scratch) and no keep-mask (ptxas spills beside its tests).
std::optional<std::string> dqConvertFusedOpReason(AttentionGradOp op,
                                                  KernelKind kind,
                                                  DqAccumulation dq,
                                                  const Tiling *tiling);

/// Shared memory of one thread block of `op`'s backward kernel for
/// `tiling`: the kernel of its #fa.backward_schedule, else the SIMT
/// kernel's (simtBackwardSramBytes, its largest nest); an error on `op` when
/// its shapes are out of the model's range.
FailureOr<int64_t> getBackwardSharedMemoryBytes(AttentionGradOp op,
                                                TilingAttr tiling,
                                                const TargetInfo &target);

/// The `#fa.target` of the module around `op` (fa-select-tiling's), or an
/// error on `op` that says to run fa-set-target.
FailureOr<TargetInfo> getRequiredTarget(Operation *op);

/// fa-select-tiling's choices for one fa.attention_grad: its options.
struct BackwardSelectOptions {
  KernelKind kernel = KernelKind::Simt;
  DqAccumulation dq = DqAccumulation::Auto;
  BlockMaskWalk walk = BlockMaskWalk::Auto;
  InFlightProducts inFlight = InFlightProducts::Auto;
  BackwardEpilogue epilogue = BackwardEpilogue::Auto;
  DqTurnPass dqPass = DqTurnPass::Auto;
  BackwardPersistence persistent = BackwardPersistence::Auto;
  BackwardGqa gqa = BackwardGqa::Auto;
  DqConvert dqConvert = DqConvert::Auto;
  DqReduce dqReduce = DqReduce::Auto;
  /// `backward-launch-chunk`: 0 auto (launchChunkByDefault), else the
  /// chunk asked for (1: a pair's kv-blocks one after another).
  int64_t launchChunk = 0;
  bool deterministic = false;
  bool explain = false;
  int64_t assumedSeqLen = kAssumedSeqLen;
  int64_t assumedBatch = kAssumedBatch;
};

/// Chooses the tiling of `op` with the backward cost model and records it
/// with the #fa.backward_schedule (kernel, dQ accumulation) and, for the
/// SIMT kernel, `fa.predicted_sram` (simtBackwardSramBytes); keeps and
/// checks what the op already carries. Emits the error (and, with
/// `explain`, the remarks) itself.
LogicalResult selectBackwardTiling(AttentionGradOp op,
                                   const BackwardSelectOptions &options);

/// An op keeps the schedule it carries (written, or decided by an earlier
/// fa-select-tiling); an explicit option that asks for another value of one
/// of its fields is an error (D113). The error's text: "schedule S has
/// FIELD = HAS, but fa-select-tiling was asked for OPTION=ASKED: an op
/// keeps ...", emitted on `op`.
InFlightDiagnostic emitScheduleConflict(Operation *op, Attribute schedule,
                                        StringRef field, StringRef has,
                                        StringRef option, StringRef asked);

/// The walk an explicit `block-mask-walk` option asks of a kernel:
/// `compacted` where `listsBlocks` (the kernel walks a list of the op's
/// block mask), else dense; nullopt for `auto` (it asks for nothing).
std::optional<BlockMaskWalk> askedWalk(BlockMaskWalk option,
                                       bool listsBlocks);

/// The kernel of `op`'s `#fa.schedule`, or `fallback` when it has none.
KernelKind getKernelKind(AttentionOp op, KernelKind fallback);

/// The shared memory one thread block of `op`'s kernel needs with `tiling`:
/// the cost model's sramBytes for the kernel of its #fa.schedule
/// (`fallback` without one), with the compacted walk's list where the
/// schedule walks compacted. An error on `op` when the cost model cannot
/// read its shape (the dynamic sizes do not enter it).
FailureOr<int64_t> getSharedMemoryBytes(AttentionOp op, TilingAttr tiling,
                                        KernelKind fallback);

/// The plain tiling of an attribute, and back.
Tiling getTiling(TilingAttr attr);
TilingAttr makeTilingAttr(MLIRContext *ctx, const Tiling &tiling);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H
