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
    bool failed = false;
    getOperation()->walk([&](AttentionOp op) {
      TilingAttr tiling = op.getTilingAttr();
      if (!tiling)
        return;
      TargetAttr target = lookupTarget(op);
      if (!target) {
        op.emitOpError() << "has a tiling but no #fa.target on the enclosing "
                            "module to check it against; run fa-set-target";
        failed = true;
        return;
      }
      // The shape's dynamic sizes do not enter the shared memory.
      AttentionProblem problem = getAttentionProblem(op);
      if (std::optional<std::string> why = problem.validate()) {
        op.emitOpError() << "cannot check the tiling: " << *why;
        failed = true;
        return;
      }
      // The op's own kernel (its #fa.schedule) wins over the option.
      KernelKind opKind = getKernelKind(op, kernel);
      int64_t used = sramBytes(getTiling(tiling), problem, opKind);
      int64_t available = target.getSramPerBlock();
      if (used > available) {
        op.emitOpError() << "tiling " << tiling << " needs " << used
                         << " bytes of shared memory per block but the target ("
                         << target.getArch() << ") allows " << available
                         << " (kernel=" << stringifyKernelKind(opKind)
                         << ")";
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
