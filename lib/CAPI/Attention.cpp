//===- Attention.cpp - What was decided for an fa.attention, C API --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn-c/Attention.h"

#include "Diagnostics.h"
#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::fa;

bool faOperationIsAAttention(MlirOperation op) {
  return isa<AttentionOp>(unwrap(op));
}

bool faOperationIsAAttentionGrad(MlirOperation op) {
  return isa<AttentionGradOp>(unwrap(op));
}

/// The `OpTy` ops of `module` in program order.
template <typename OpTy>
static SmallVector<OpTy> getOps(MlirModule module) {
  SmallVector<OpTy> ops;
  unwrap(module)->walk<WalkOrder::PreOrder>(
      [&](OpTy op) { ops.push_back(op); });
  return ops;
}

/// The one at `pos` of getOps<OpTy>, or a null operation.
template <typename OpTy>
static MlirOperation getOp(MlirModule module, intptr_t pos) {
  SmallVector<OpTy> ops = getOps<OpTy>(module);
  if (pos < 0 || pos >= static_cast<intptr_t>(ops.size()))
    return {nullptr};
  return wrap(ops[pos].getOperation());
}

intptr_t faModuleGetNumAttentionOps(MlirModule module) {
  return getOps<AttentionOp>(module).size();
}

MlirOperation faModuleGetAttentionOp(MlirModule module, intptr_t pos) {
  return getOp<AttentionOp>(module, pos);
}

intptr_t faModuleGetNumAttentionGradOps(MlirModule module) {
  return getOps<AttentionGradOp>(module).size();
}

MlirOperation faModuleGetAttentionGradOp(MlirModule module, intptr_t pos) {
  return getOp<AttentionGradOp>(module, pos);
}

bool faAttentionGetTiling(MlirOperation op, FATiling *tiling) {
  TilingAttr attr;
  if (auto attention = dyn_cast<AttentionOp>(unwrap(op)))
    attr = attention.getTilingAttr();
  else if (auto grad = dyn_cast<AttentionGradOp>(unwrap(op)))
    attr = grad.getTilingAttr();
  if (!attr)
    return false;
  Tiling t = getTiling(attr);
  *tiling = {t.blockQ, t.blockKV, t.stages, t.warps};
  return true;
}

bool faAttentionGetWindow(MlirOperation op, FAWindow *window) {
  WindowAttr attr;
  if (auto attention = dyn_cast<AttentionOp>(unwrap(op)))
    attr = attention.getWindowAttr();
  else if (auto grad = dyn_cast<AttentionGradOp>(unwrap(op)))
    attr = grad.getWindowAttr();
  if (!attr)
    return false;
  *window = {attr.getLeft(), attr.getRight()};
  return true;
}

bool faAttentionGradGetSchedule(MlirOperation op,
                                FABackwardSchedule *schedule) {
  auto grad = dyn_cast<AttentionGradOp>(unwrap(op));
  if (!grad || !grad.getScheduleAttr())
    return false;
  BackwardScheduleAttr attr = grad.getScheduleAttr();
  *schedule = {wrap(stringifyKernelKind(attr.getKernel())),
               wrap(stringifyDqAccumulation(attr.getDq())),
               grad.getDeterministic(),
               wrap(stringifyBlockMaskWalk(attr.getWalk())),
               wrap(stringifyInFlightProducts(attr.getInFlight())),
               wrap(stringifyBackwardEpilogue(attr.getEpilogue())),
               wrap(stringifyBackwardPersistence(attr.getPersistent())),
               wrap(stringifyDqTurnPass(attr.getDqPass())),
               wrap(stringifyBackwardGqa(attr.getGqa())),
               wrap(stringifyDqConvert(attr.getDqConvert())),
               wrap(stringifyDqReduce(attr.getDqReduce())),
               attr.getLaunchChunk()};
  return true;
}

bool faAttentionGetSchedule(MlirOperation op, FASchedule *schedule) {
  auto attention = dyn_cast<AttentionOp>(unwrap(op));
  if (!attention || !attention.getScheduleAttr())
    return false;
  KernelSchedule s = getKernelSchedule(attention.getScheduleAttr());
  *schedule = {wrap(stringifyKernelKind(s.kernel)),
               wrap(stringifyLoadMechanism(s.loads)),
               wrap(stringifySlotRelease(s.release)),
               wrap(stringifyStepOrder(s.step)),
               s.pingpong,
               wrap(stringifyMaskedSteps(s.maskedSteps)),
               wrap(stringifyEpilogue(s.epilogue)),
               s.consumerRegisters,
               wrap(stringifyBlockMaskWalk(s.walk)),
               s.minBlocksPerSM};
  return true;
}

bool faGetTarget(MlirOperation op, FATarget *target) {
  TargetAttr attr = lookupTarget(unwrap(op));
  if (!attr)
    return false;
  *target = {wrap(attr.getArch()),       attr.getSramPerBlock(),
             attr.getSramPerSm(),        attr.getRegsPerSm(),
             attr.getMaxRegsPerThread(), attr.getSmCount(),
             attr.getHbmGbps(),          attr.getTensorTflops()};
  return true;
}

/// faAttentionGetSharedMemory of an fa.attention_grad.
static LogicalResult getBackwardSharedMemory(AttentionGradOp grad,
                                             FASharedMemory *sharedMemory) {
  TilingAttr tiling = grad.getTilingAttr();
  if (!tiling)
    return grad.emitOpError() << "has no #fa.tiling to size its shared "
                                 "memory; run fa-select-tiling";
  TargetAttr target = lookupTarget(grad);
  if (!target)
    return grad.emitOpError()
           << "has no #fa.target on the enclosing module to take the "
              "shared-memory budget from; run fa-set-target";
  FailureOr<int64_t> bytes =
      getBackwardSharedMemoryBytes(grad, tiling, getTargetInfo(target));
  if (failed(bytes))
    return failure();
  *sharedMemory = {*bytes, target.getSramPerBlock()};
  return success();
}

MlirLogicalResult faAttentionGetSharedMemory(MlirOperation op,
                                             FASharedMemory *sharedMemory,
                                             MlirStringCallback diagCallback,
                                             void *userData) {
  Operation *operation = unwrap(op);
  DiagnosticsTo diagnostics(operation->getContext(), diagCallback, userData);
  if (auto grad = dyn_cast<AttentionGradOp>(operation))
    return wrap(getBackwardSharedMemory(grad, sharedMemory));
  auto attention = dyn_cast<AttentionOp>(operation);
  if (!attention)
    return wrap(emitError(operation->getLoc())
                << "expected an fa.attention or fa.attention_grad, got '"
                << operation->getName() << "'");
  TilingAttr tiling = attention.getTilingAttr();
  if (!tiling)
    return wrap(attention.emitOpError()
                << "has no #fa.tiling to size its shared memory; run "
                   "fa-select-tiling");
  TargetAttr target = lookupTarget(attention);
  if (!target)
    return wrap(attention.emitOpError()
                << "has no #fa.target on the enclosing module to take the "
                   "shared-memory budget from; run fa-set-target");
  FailureOr<int64_t> bytes =
      getSharedMemoryBytes(attention, tiling, KernelKind::Simt);
  if (failed(bytes))
    return wrap(failure());
  *sharedMemory = {*bytes, target.getSramPerBlock()};
  return wrap(success());
}
