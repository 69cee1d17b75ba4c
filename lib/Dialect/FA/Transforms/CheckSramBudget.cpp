//===- CheckSramBudget.cpp - Reject over-budget fa.attention tilings ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FACHECKSRAMBUDGETPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

namespace {
struct CheckSramBudgetPass
    : public fa::impl::FACheckSramBudgetPassBase<CheckSramBudgetPass> {
  using Base::Base;

  void runOnOperation() override {
    bool anyFailed = false;
    getOperation()->walk([&](AttentionGradOp op) {
      if (failed(checkBackward(op)))
        anyFailed = true;
    });
    getOperation()->walk([&](AttentionOp op) {
      TilingAttr tiling = op.getTilingAttr();
      if (!tiling)
        return;
      TargetAttr target = lookupTarget(op);
      if (!target) {
        op.emitOpError() << "has a tiling but no #fa.target on the enclosing "
                            "module to check it against; run fa-set-target";
        anyFailed = true;
        return;
      }
      // The op's own kernel (its #fa.schedule) wins over the option.
      FailureOr<int64_t> used = getSharedMemoryBytes(op, tiling, kernel);
      if (failed(used)) {
        anyFailed = true;
        return;
      }
      if (!checkSharedMemory(*used, getTargetInfo(target)).isLegal()) {
        KernelKind opKind = getKernelKind(op, kernel);
        op.emitOpError() << "tiling " << tiling << " needs " << *used
                         << " bytes of shared memory per block but the target ("
                         << target.getArch() << ") allows "
                         << target.getSramPerBlock()
                         << " (kernel=" << stringifyKernelKind(opKind) << ")";
        anyFailed = true;
      }
    });
    if (anyFailed)
      signalPassFailure();
  }

  /// The backward's check: the kernel of its #fa.backward_schedule, else
  /// the SIMT kernel (the `kernel` option is the forward's).
  LogicalResult checkBackward(AttentionGradOp op) {
    TilingAttr tiling = op.getTilingAttr();
    if (!tiling)
      return success();
    TargetAttr targetAttr = lookupTarget(op);
    if (!targetAttr)
      return op.emitOpError() << "has a tiling but no #fa.target on the "
                                 "enclosing module to check it against; run "
                                 "fa-set-target";
    TargetInfo target = getTargetInfo(targetAttr);
    FailureOr<int64_t> used = getBackwardSharedMemoryBytes(op, tiling, target);
    if (failed(used))
      return failure();
    if (checkSharedMemory(*used, target).isLegal())
      return success();
    return op.emitOpError()
           << "tiling " << tiling << " needs " << *used
           << " bytes of shared memory per block but the target ("
           << target.arch << ") allows " << target.sramPerBlock
           << " (backward kernel="
           << stringifyKernelKind(getBackwardKernelKind(op, KernelKind::Simt))
           << ")";
  }
};
} // namespace
