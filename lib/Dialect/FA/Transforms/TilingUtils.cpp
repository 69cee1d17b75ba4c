//===- TilingUtils.cpp - fa.attention <-> cost model ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"

using namespace mlir;
using namespace mlir::fa;

/// Bytes of one element; i1 masks are stored as bytes.
static int64_t elementBytes(Type type) {
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

AttentionProblem mlir::fa::getAttentionProblem(AttentionOp op,
                                               int64_t assumedSeqLen,
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
  if (Value mask = op.getMask()) {
    auto maskType = cast<ShapedType>(mask.getType());
    p.maskElementBytes = elementBytes(maskType.getElementType());
    // fa-tile-attention keeps a static size-1 dimension in the mask tile.
    p.maskBroadcastsRows = maskType.getDimSize(2) == 1;
    p.maskBroadcastsCols = maskType.getDimSize(3) == 1;
  }
  p.writesLse = static_cast<bool>(op.getLse());
  if (usedAssumption)
    *usedAssumption = assumed;
  return p;
}

FailureOr<int64_t> mlir::fa::getSharedMemoryBytes(AttentionOp op,
                                                  TilingAttr tiling,
                                                  KernelKind fallback) {
  AttentionProblem problem = getAttentionProblem(op);
  if (std::optional<std::string> why = problem.validate())
    return op.emitOpError() << "cannot check the tiling: " << *why;
  return sramBytes(getTiling(tiling), problem, getKernelKind(op, fallback));
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
