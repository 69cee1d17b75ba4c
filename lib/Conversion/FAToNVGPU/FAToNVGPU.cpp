//===- FAToNVGPU.cpp - fa.attention on buffers to a tensor-core kernel ----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The pass: checks a bufferized fa.attention whose #fa.schedule kernel is
// mma_sync or wgmma (its tiling, its schedule with the one legality
// function, the shared memory against the target) and builds its
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
    TargetInfo target = getTargetInfo(targetAttr);
    KernelSchedule schedule = getKernelSchedule(op.getScheduleAttr());
    KernelKind kind = schedule.kernel;
    StringRef name = stringifyKernelKind(kind);
    if (std::optional<std::string> why =
            nvgpuKernelUnsupportedReason(op, target, kind))
      return op.emitOpError("cannot use the ") << name << " kernel: " << *why;
    Tiling tiling = getTiling(tilingAttr);
    if (kind == KernelKind::MmaSync && !fitsMmaSyncShape(tiling))
      return op.emitOpError("tiling ")
             << tilingAttr
             << " does not fit the mma-sync kernel: block_q must be a "
                "multiple of 16 * warps and block_kv a multiple of 16";
    if (kind == KernelKind::Wgmma && !fitsWgmmaShape(tiling))
      return op.emitOpError("tiling ")
             << tilingAttr
             << " does not fit the wgmma kernel: block_q must be 16 * warps "
                "(64 rows per warpgroup of 4 warps) and block_kv a multiple "
                "of 16 up to 256";
    AttentionProblem problem = getAttentionProblem(op);
    if (std::optional<std::string> why =
            scheduleUnsupportedReason(schedule, tiling, problem, target))
      return op.emitOpError("schedule ")
             << op.getScheduleAttr() << " cannot be built: " << *why;
    int64_t bytes = sramBytes(tiling, problem, kind);
    if (bytes > target.sramPerBlock)
      return op.emitOpError("tiling ")
             << tilingAttr << " needs " << bytes
             << " bytes of shared memory per block but the target ("
             << target.arch << ") allows " << target.sramPerBlock;
    // The wgmma kernel's mbarriers are static shared memory (TMA), or not
    // needed (cp.async).
    if (kind == KernelKind::Wgmma)
      bytes -= wgmmaBarrierBytes(tiling.stages);
    nvgpu_kernel::buildKernel(op, tiling, schedule, bytes);
    return success();
  }
};
} // namespace
