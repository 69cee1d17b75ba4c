//===- TilingUtils.cpp - fa.attention <-> cost model ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/SharedLayout.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::fa;

/// Bytes of one element; i1 masks are stored as bytes.
static int64_t elementBytes(Type type) {
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

/// The problem of `op` (fa.attention or fa.attention_grad).
template <typename OpTy>
static AttentionProblem getProblem(OpTy op, int64_t assumedSeqLen,
                                   int64_t assumedBatch,
                                   bool *usedAssumption) {
  ShapedType q = op.getQueryType(), k = op.getKeyType(), v = op.getValueType();
  bool assumed = false;
  auto size = [&](ShapedType type, unsigned dim, int64_t fallback) {
    if (!type.isDynamicDim(dim))
      return type.getDimSize(dim);
    assumed = true;
    return fallback;
  };
  AttentionProblem p;
  p.batch = size(q, 0, assumedBatch);
  p.numQueryHeads = q.getDimSize(1);
  p.numKVHeads = k.getDimSize(1);
  p.seqLenQ = size(q, 2, assumedSeqLen);
  p.seqLenKV = size(k, 2, assumedSeqLen);
  p.headDim = q.getDimSize(3);
  p.valueHeadDim = v.getDimSize(3);
  p.elementBytes = elementBytes(q.getElementType());
  p.causal = op.getCausal();
  if (WindowAttr window = op.getWindowAttr()) {
    p.window = true;
    p.windowLeft = window.getLeft();
    p.windowRight = window.getRight();
  }
  if (MaskPatternAttr pattern = op.getMaskPatternAttr()) {
    p.maskChunk = pattern.getChunk();
    p.maskGlobal = pattern.getGlobal();
    p.maskButterfly = pattern.getButterfly();
  }
  if (BlockSparseAttr blocks = op.getBlockSparseAttr()) {
    p.blockMaskQ = blocks.getBlockQ();
    p.blockMaskKV = blocks.getBlockKv();
  }
  if (Value mask = op.getMask()) {
    auto maskType = cast<ShapedType>(mask.getType());
    p.maskElementBytes = elementBytes(maskType.getElementType());
    // fa-tile-attention keeps a static size-1 dimension in the mask tile.
    p.maskBroadcastsRows = maskType.getDimSize(2) == 1;
    p.maskBroadcastsCols = maskType.getDimSize(3) == 1;
  }
  if constexpr (std::is_same_v<OpTy, AttentionOp>)
    p.writesLse = static_cast<bool>(op.getLse());
  if (usedAssumption)
    *usedAssumption = assumed;
  return p;
}

AttentionProblem mlir::fa::getAttentionProblem(AttentionOp op,
                                               int64_t assumedSeqLen,
                                               int64_t assumedBatch,
                                               bool *usedAssumption) {
  return getProblem(op, assumedSeqLen, assumedBatch, usedAssumption);
}

AttentionProblem mlir::fa::getAttentionProblem(AttentionGradOp op,
                                               int64_t assumedSeqLen,
                                               int64_t assumedBatch,
                                               bool *usedAssumption) {
  return getProblem(op, assumedSeqLen, assumedBatch, usedAssumption);
}

FailureOr<int64_t> mlir::fa::getSharedMemoryBytes(AttentionOp op,
                                                  TilingAttr tiling,
                                                  KernelKind fallback) {
  AttentionProblem problem = getAttentionProblem(op);
  if (std::optional<std::string> why = problem.validate())
    return op.emitOpError() << "cannot check the tiling: " << *why;
  // A schedule that walks compacted holds its list after the tiles (D106:
  // fa-check-sram-budget and the C API left it out).
  KernelKind kind = getKernelKind(op, fallback);
  ScheduleAttr schedule = op.getScheduleAttr();
  bool list = schedule && schedule.getWalk() == BlockMaskWalk::Compacted &&
              !forwardWalkReason(kind, BlockMaskWalk::Compacted, problem);
  return SharedLayout::get(getTiling(tiling), problem, kind, list).totalBytes();
}

FailureOr<int64_t>
mlir::fa::getBackwardSharedMemoryBytes(AttentionGradOp op, TilingAttr tiling,
                                       const TargetInfo &target) {
  AttentionProblem problem = getAttentionProblem(op);
  if (std::optional<std::string> why = problem.validate())
    return op.emitOpError() << "cannot check the tiling: " << *why;
  KernelKind kind = getBackwardKernelKind(op, KernelKind::Simt);
  bool biasGrad = static_cast<bool>(op.getBiasGradInit());
  if (kind == KernelKind::Simt)
    return simtBackwardSramBytes(getTiling(tiling), problem, biasGrad)
        .maxBytes();
  // The dQ mode does not change the shared memory; the compacted walk's
  // list does.
  BackwardScheduleAttr schedule = op.getScheduleAttr();
  return BackwardCostModel(target, kind, biasGrad)
      .evaluate(getTiling(tiling), problem, DqAccumulation::Atomic,
                schedule ? schedule.getWalk() : BlockMaskWalk::Dense)
      .sramBytes;
}

std::optional<std::string>
mlir::fa::compactedWalkOpReason(AttentionGradOp op, KernelKind kind,
                                DqAccumulation dq, const Tiling *tiling) {
  if (std::optional<std::string> why =
          blockMaskWalkReason(kind, dq, BlockMaskWalk::Compacted,
                              getAttentionProblem(op), tiling))
    return why;
  if (op.getQueryType().isDynamicDim(2))
    return std::string("the compacted walk's list has a static size: Nq "
                       "must be static");
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::inFlightOpReason(AttentionGradOp op, KernelKind kind,
                           const Tiling *tiling) {
  return inFlightReason(kind, InFlightProducts::DK, getAttentionProblem(op),
                        tiling);
}

std::optional<std::string>
mlir::fa::backwardTmaStoreOpReason(AttentionGradOp op, KernelKind kind,
                                   const Tiling *tiling) {
  return backwardEpilogueReason(kind, BackwardEpilogue::TmaStore,
                                getAttentionProblem(op), tiling);
}

std::optional<std::string>
mlir::fa::dqPassAfterScoresOpReason(AttentionGradOp op, KernelKind kind,
                                    DqAccumulation dq, const Tiling *tiling) {
  return dqTurnPassReason(kind, dq, DqTurnPass::AfterScores,
                          getAttentionProblem(op), tiling);
}

std::optional<std::string>
mlir::fa::backwardPersistentOpReason(AttentionGradOp op, KernelKind kind,
                                     DqAccumulation dq, const Tiling *tiling) {
  return backwardPersistentReason(kind, BackwardPersistence::On, dq,
                                  getAttentionProblem(op), tiling);
}

std::optional<std::string>
mlir::fa::backwardGqaSplitOpReason(AttentionGradOp op, KernelKind kind,
                                   DqAccumulation dq) {
  if (std::optional<std::string> why =
          backwardGqaSplitReason(kind, dq, getAttentionProblem(op)))
    return why;
  if (op.getBiasGradInit())
    return std::string("the split group is not built with a bias gradient");
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::dqConvertFusedOpReason(AttentionGradOp op, KernelKind kind,
                                 DqAccumulation dq, const Tiling *tiling) {
  if (std::optional<std::string> why =
          dqConvertFusedReason(kind, dq, getAttentionProblem(op), tiling))
    return why;
  if (op.getBiasGradInit())
    return std::string("the fused dQ conversion is not built with a bias "
                       "gradient (the convert kernel rounds its scratch)");
  // ptxas spills 32-112 bytes with it beside a keep-mask's tests (D120).
  if (Value mask = op.getMask();
      mask && cast<ShapedType>(mask.getType()).getElementType().isInteger(1))
    return std::string("the fused dQ conversion is not built with a "
                       "keep-mask (ptxas spills beside its tests)");
  return std::nullopt;
}

FailureOr<TargetInfo> mlir::fa::getRequiredTarget(Operation *op) {
  TargetAttr target = lookupTarget(op);
  if (!target)
    return op->emitOpError()
           << "needs a #fa.target on the enclosing module to choose a "
              "tiling; run fa-set-target first (e.g. "
              "--fa-set-target=target=h100)";
  return getTargetInfo(target);
}

Tiling mlir::fa::getTiling(TilingAttr attr) {
  return {attr.getBlockQ(), attr.getBlockKv(), attr.getStages(),
          attr.getWarps()};
}

TilingAttr mlir::fa::makeTilingAttr(MLIRContext *ctx, const Tiling &t) {
  return TilingAttr::get(ctx, t.blockQ, t.blockKV, t.stages, t.warps);
}

KernelKind mlir::fa::getKernelKind(AttentionOp op, KernelKind fallback) {
  if (ScheduleAttr schedule = op.getScheduleAttr())
    return schedule.getKernel();
  return fallback;
}

bool mlir::fa::hasAdditiveBias(AttentionGradOp op) {
  Value mask = op.getMask();
  return mask &&
         !cast<ShapedType>(mask.getType()).getElementType().isInteger(1);
}

std::optional<std::string> mlir::fa::wgmmaBiasReason(AttentionGradOp op) {
  if (!hasAdditiveBias(op) || op.getHeadDim() <= 64)
    return std::nullopt;
  return std::string("an additive bias is built for it at D = 64 only (at "
                     "D = 128 its loads and dBias's adds spill registers); "
                     "use kernel=mma-sync or simt");
}

bool mlir::fa::maskBroadcasts(AttentionGradOp op, int64_t dim) {
  auto mask = cast<ShapedType>(op.getMask().getType());
  auto query = cast<ShapedType>(op.getQuery().getType());
  int64_t full = dim == 3 ? cast<ShapedType>(op.getKey().getType()).getDimSize(2)
                          : query.getDimSize(dim);
  return mask.getDimSize(dim) == 1 && full != 1;
}

std::optional<std::string>
mlir::fa::biasGradientDqReason(AttentionGradOp op, DqAccumulation dq) {
  if (dq != DqAccumulation::Ordered || !op.getBiasGradInit())
    return std::nullopt;
  if (llvm::none_of(llvm::seq<int64_t>(0, 4),
                    [&](int64_t dim) { return maskBroadcasts(op, dim); }))
    return std::nullopt;
  return std::string("the gradient of a broadcast bias is summed with f32 "
                     "atomic adds, which are not deterministic; use "
                     "kernel=simt for a deterministic dBias");
}

InFlightDiagnostic mlir::fa::emitScheduleConflict(Operation *op,
                                                  Attribute schedule,
                                                  StringRef field,
                                                  StringRef has,
                                                  StringRef option,
                                                  StringRef asked) {
  // The attribute spells a value with `_` where the option has `-`.
  std::string value = has.str();
  llvm::replace(value, '-', '_');
  return op->emitOpError()
         << "schedule " << schedule << " has " << field << " = " << value
         << ", but fa-select-tiling was asked for " << option << "=" << asked
         << ": an op keeps the schedule it carries (drop the option, or the "
            "schedule and its tiling to decide again)";
}

std::optional<BlockMaskWalk> mlir::fa::askedWalk(BlockMaskWalk option,
                                                 bool listsBlocks) {
  if (option == BlockMaskWalk::Auto)
    return std::nullopt;
  return option == BlockMaskWalk::Compacted && listsBlocks
             ? BlockMaskWalk::Compacted
             : BlockMaskWalk::Dense;
}
