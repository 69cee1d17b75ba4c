//===- FAToNVGPU.cpp - fa.attention on buffers to a tensor-core kernel ----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The pass: checks a bufferized fa.attention whose #fa.schedule kernel is
// mma_sync or wgmma (its problem and tiling with the one legality function,
// checkLegality; its schedule) and builds its
// FlashAttention-2 forward kernel from the generator's parts
// (KernelParts.h; docs/GPU.md, "The mma-sync kernel", "The wgmma kernel"
// and "The generator's parts"). It decides nothing: every choice is the
// schedule's.
//
// The kernel is built directly from the op, not from fa-tile-attention's
// tiled form: the tiled form's tile ops are whole-tile linalg ops whose
// distribution onto mma fragments (and the softmax onto fragment rows) has
// no upstream mechanism short of IREE's vector distribution.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Conversion/Passes.h"

#include "KernelParts.h"

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/Legality.h"
#include "FlashAttn/Analysis/SharedLayout.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_CONVERTFATONVGPUPASS
#include "FlashAttn/Conversion/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

namespace {
struct ConvertFAToNVGPUPass
    : public fa::impl::ConvertFAToNVGPUPassBase<ConvertFAToNVGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) {
      if (isNVGPUKernel(getKernelKind(op, KernelKind::Simt)))
        ops.push_back(op);
    });
    for (AttentionOp op : ops) {
      if (failed(convert(op)))
        return signalPassFailure();
      op->erase();
    }
  }

  LogicalResult convert(AttentionOp op) {
    if (!isa<MemRefType>(op.getQuery().getType()))
      return op.emitOpError(
          "expected the bufferized op (memref operands); run one-shot "
          "bufferization before convert-fa-to-nvgpu");
    for (Value operand : op->getOperands()) {
      auto type = cast<MemRefType>(operand.getType());
      if (!type.getLayout().isIdentity())
        return op.emitOpError("expected identity-layout memrefs (one-shot "
                              "bufferization with "
                              "function-boundary-type-conversion="
                              "identity-layout-map), got ")
               << type;
    }
    TilingAttr tilingAttr = op.getTilingAttr();
    if (!tilingAttr)
      return op.emitOpError("has no #fa.tiling; run fa-select-tiling first");
    TargetAttr targetAttr = lookupTarget(op);
    if (!targetAttr)
      return op.emitOpError("needs a #fa.target on the enclosing module; run "
                            "fa-set-target first");
    // The tiling may be hand-written: bound the problem before any size
    // arithmetic (the byte counts of sramBytes, the unrolled loops).
    AttentionProblem problem = getAttentionProblem(op);
    if (std::optional<std::string> why = problem.validate())
      return op.emitOpError("cannot be converted: ") << *why;
    TargetInfo target = getTargetInfo(targetAttr);
    KernelSchedule schedule = getKernelSchedule(op.getScheduleAttr());
    KernelKind kind = schedule.kernel;
    Tiling tiling = getTiling(tilingAttr);
    // What the kernel supports and what a block may use, as checkLegality
    // states it for the kernel generator (a hand-written tiling may be
    // outside the cost model's ranges).
    Legality legality = checkLegality(kind, problem, target, tiling,
                                      LegalityScope::Generation);
    StringRef name = stringifyKernelKind(kind);
    if (isProblemRule(legality.reason))
      return op.emitOpError("cannot use the ")
             << name << " kernel: " << legality.message;
    if (isKernelRule(legality.reason))
      return op.emitOpError("tiling ")
             << tilingAttr << " does not fit the " << name
             << " kernel: " << legality.message;
    if (!legality.isLegal())
      return op.emitOpError("tiling ")
             << tilingAttr << " does not fit the target (" << target.arch
             << "): " << legality.message << " (kernel=" << name << ")";
    if (std::optional<std::string> why =
            scheduleUnsupportedReason(schedule, tiling, problem, target))
      return op.emitOpError("schedule ")
             << op.getScheduleAttr() << " cannot be built: " << *why;
    nvgpu_kernel::buildKernel(op, tiling, schedule,
                              SharedLayout::get(tiling, problem, kind));
    return success();
  }
};
} // namespace
