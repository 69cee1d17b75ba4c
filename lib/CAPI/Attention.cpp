//===- Attention.cpp - What was decided for an fa.attention, C API --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn-c/Attention.h"

#include "Diagnostics.h"
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

/// The fa.attention ops of `module` in program order.
static SmallVector<AttentionOp> getAttentionOps(MlirModule module) {
  SmallVector<AttentionOp> ops;
  unwrap(module)->walk<WalkOrder::PreOrder>(
      [&](AttentionOp op) { ops.push_back(op); });
  return ops;
}

intptr_t faModuleGetNumAttentionOps(MlirModule module) {
  return getAttentionOps(module).size();
}

MlirOperation faModuleGetAttentionOp(MlirModule module, intptr_t pos) {
  SmallVector<AttentionOp> ops = getAttentionOps(module);
  if (pos < 0 || pos >= static_cast<intptr_t>(ops.size()))
    return {nullptr};
  return wrap(ops[pos].getOperation());
}

bool faAttentionGetTiling(MlirOperation op, FATiling *tiling) {
  auto attention = dyn_cast<AttentionOp>(unwrap(op));
  if (!attention || !attention.getTilingAttr())
    return false;
  Tiling t = getTiling(attention.getTilingAttr());
  *tiling = {t.blockQ, t.blockKV, t.stages, t.warps};
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
               s.consumerRegisters};
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

MlirLogicalResult faAttentionGetSharedMemory(MlirOperation op,
                                             FASharedMemory *sharedMemory,
                                             MlirStringCallback diagCallback,
                                             void *userData) {
  Operation *operation = unwrap(op);
  DiagnosticsTo diagnostics(operation->getContext(), diagCallback, userData);
  auto attention = dyn_cast<AttentionOp>(operation);
  if (!attention)
    return wrap(emitError(operation->getLoc())
                << "expected an fa.attention, got '" << operation->getName()
                << "'");
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
