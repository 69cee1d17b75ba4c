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

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/Legality.h"
#include "FlashAttn/Analysis/SharedLayout.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_CONVERTFATONVGPUPASS
#include "FlashAttn/Conversion/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// caller-strides (docs/GPU.md, "Caller strides"): each of `operands` (4-d
/// buffers of the identity layout, checkBuffers) is replaced in its op by a
/// host cast to dynamic outer strides, made before the op, so that every
/// kernel built from the op (its parameters, its tensor maps) reads the
/// strides from the launch. The manifest sees through the casts (the
/// buffer is the cast's source).
static void castToCallerStrides(Operation *op,
                                ArrayRef<OpOperand *> operands) {
  OpBuilder b(op);
  for (OpOperand *operand : operands) {
    auto type = cast<MemRefType>(operand->get().getType());
    SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
    strides.back() = 1;
    auto strided = MemRefType::get(
        type.getShape(), type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), /*offset=*/0, strides),
        type.getMemorySpace());
    operand->set(memref::CastOp::create(b, op->getLoc(), strided,
                                        operand->get()));
  }
}

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
    SmallVector<AttentionGradOp> gradOps;
    getOperation()->walk([&](AttentionGradOp op) {
      if (isNVGPUKernel(getBackwardKernelKind(op, KernelKind::Simt)))
        gradOps.push_back(op);
    });
    for (AttentionGradOp op : gradOps) {
      if (failed(convertGrad(op)))
        return signalPassFailure();
      op->erase();
    }
  }

  /// The op's operands are identity-layout buffers.
  static LogicalResult checkBuffers(Operation *op, Value query) {
    if (!isa<MemRefType>(query.getType()))
      return op->emitOpError(
          "expected the bufferized op (memref operands); run one-shot "
          "bufferization before convert-fa-to-nvgpu");
    for (Value operand : op->getOperands()) {
      auto type = cast<MemRefType>(operand.getType());
      if (!type.getLayout().isIdentity())
        return op->emitOpError("expected identity-layout memrefs (one-shot "
                               "bufferization with "
                               "function-boundary-type-conversion="
                               "identity-layout-map), got ")
               << type;
    }
    return success();
  }

  /// The op is bufferized and has a tiling and a target.
  static LogicalResult checkOp(Operation *op, Value query,
                               TilingAttr tilingAttr, TargetAttr targetAttr) {
    if (failed(checkBuffers(op, query)))
      return failure();
    if (!tilingAttr)
      return op->emitOpError("has no #fa.tiling; run fa-select-tiling first");
    if (!targetAttr)
      return op->emitOpError("needs a #fa.target on the enclosing module; "
                             "run fa-set-target first");
    return success();
  }

  /// Why the mma.sync backward kernel cannot build `op` with `tiling`, or
  /// nullopt (docs/Backward.md, "On the GPU: the mma.sync kernels").
  std::optional<std::string>
  gradUnsupportedReason(AttentionGradOp op, const Tiling &t,
                        const TargetInfo &target) const {
    Type elt = op.getQueryType().getElementType();
    int64_t d = op.getHeadDim(), dv = op.getValueHeadDim();
    if (target.getComputeCapability() < 80)
      return "mma.sync m16n8k16 needs sm_80 or newer, the target is " +
             target.arch;
    if (!elt.isF16() && !elt.isBF16())
      return std::string("the element type must be f16 or bf16");
    if (d % 16 != 0 || dv % 16 != 0 || d > 256 || dv > 256)
      return "head dims must be multiples of 16 up to 256, got D = " +
             std::to_string(d) + ", Dv = " + std::to_string(dv);
    if (std::optional<std::string> why = patternDqReason(
            getAttentionProblem(op), op.getScheduleAttr().getDq()))
      return why;
    if (std::optional<std::string> why =
            biasGradientDqReason(op, op.getScheduleAttr().getDq()))
      return why;
    if (t.blockKV != 16 * t.warps || t.blockQ % 16 != 0 || t.stages > 2)
      return "block_kv must be 16 rows per warp (" +
             std::to_string(16 * t.warps) +
             "), block_q a multiple of 16 and stages 1 or 2 (buffers of Q_i, "
             "dO_i, lse_i and D_i)";
    // A block mask's entry covers whole pairs (a step is skipped whole).
    if (std::optional<std::string> why =
            checkBlockMaskGranularity(t, getAttentionProblem(op)))
      return why;
    int64_t bytes = nvgpu_kernel::backwardSharedBytes(
        t, d, dv, elt.getIntOrFloatBitWidth() / 8);
    if (bytes > target.sramPerBlock)
      return "its shared memory, " + std::to_string(bytes) +
             " B, exceeds the target's " +
             std::to_string(target.sramPerBlock) + " B per block";
    // What fa-select-tiling refuses on registers is refused here too (a
    // hand-written block_q 128 at D = 64 spilled 56 B: D113), unless asked
    // to build it for a measurement.
    if (std::optional<std::string> why =
            mmaSyncBackwardRegisterReason(t, d, dv, target);
        why && !allowSpillingTilings)
      return why;
    return std::nullopt;
  }

  /// Why the wgmma backward kernel cannot build `op` with `tiling`, or
  /// nullopt (docs/Backward.md, "On the GPU: the wgmma kernels").
  static std::optional<std::string>
  wgmmaGradUnsupportedReason(AttentionGradOp op, const Tiling &t,
                             const TargetInfo &target) {
    Type elt = op.getQueryType().getElementType();
    AttentionProblem problem = getAttentionProblem(op);
    if (Legality legality = checkLegality(KernelKind::Wgmma, problem, target);
        !legality.isLegal())
      return legality.message;
    if (std::optional<std::string> why =
            wgmmaBackwardProblemReason(problem))
      return why;
    if (std::optional<std::string> why =
            patternDqReason(problem, op.getScheduleAttr().getDq()))
      return why;
    if (std::optional<std::string> why = wgmmaBiasReason(op))
      return why;
    if (std::optional<std::string> why =
            biasGradientDqReason(op, op.getScheduleAttr().getDq()))
      return why;
    // wgmmaBackwardProblemReason passed: the head dims have a shape.
    WgmmaBackwardShape shape =
        *wgmmaBackwardShape(op.getHeadDim(), op.getValueHeadDim());
    bool columns = shape.split == WgmmaBackwardSplit::Columns;
    // The row split's wide q-block (D104) has rules of its own.
    bool wide = !columns && t.blockQ == kWgmmaBackwardWideBlockQ;
    if (t.warps != shape.warps || t.blockKV != shape.blockKV ||
        (t.blockQ != shape.blockQ && !wide) || t.stages > 2)
      return "the kernel is built for " + std::to_string(shape.warps) +
             " warps (two warpgroups of " +
             (columns ? "half the columns of dK_j and dV_j"
                      : "64 kv rows") +
             "), block_kv = " + std::to_string(shape.blockKV) +
             ", block_q = " + std::to_string(shape.blockQ) +
             " and stages 1 or 2 (buffers of Q_i, dO_i, lse_i and D_i)";
    if (wide)
      if (std::optional<std::string> why = wideQueryBlockReason(
              problem, t, op.getScheduleAttr().getInFlight()))
        return why;
    if (t.stages < 2 && hasAdditiveBias(op))
      return std::string("its one-buffer kernel (stages 1) spills registers "
                         "with an additive bias; use stages 2 (the TMA "
                         "ring)");
    // The compacted walk (D94): the row split's ring, and its list in the
    // shared memory.
    bool compacted =
        op.getScheduleAttr().getWalk() == BlockMaskWalk::Compacted;
    if (compacted)
      if (std::optional<std::string> why = compactedWalkOpReason(
              op, KernelKind::Wgmma, op.getScheduleAttr().getDq(), &t))
        return why;
    // dK in flight (D101): the row split's ring without a block mask.
    if (op.getScheduleAttr().getInFlight() == InFlightProducts::DK)
      if (std::optional<std::string> why =
              inFlightOpReason(op, KernelKind::Wgmma, &t))
        return why;
    // The TMA-store epilogue (D107): the row split's ring.
    if (op.getScheduleAttr().getEpilogue() == BackwardEpilogue::TmaStore)
      if (std::optional<std::string> why =
              backwardTmaStoreOpReason(op, KernelKind::Wgmma, &t))
        return why;
    // The ordered dQ's turns after the score products (D115): the row
    // split's ring.
    if (op.getScheduleAttr().getDqPass() == DqTurnPass::AfterScores)
      if (std::optional<std::string> why = dqPassAfterScoresOpReason(
              op, KernelKind::Wgmma, op.getScheduleAttr().getDq(), &t))
        return why;
    // The persistent kernel (D114): the row split's ring, dq = atomic (the
    // attribute's verifier checked the schedule's other fields).
    if (op.getScheduleAttr().getPersistent() == BackwardPersistence::On)
      if (std::optional<std::string> why = backwardPersistentOpReason(
              op, KernelKind::Wgmma, op.getScheduleAttr().getDq(), &t))
        return why;
    // The split group (D119): the row split, dq = atomic, no bias
    // gradient (the attribute's verifier checked the schedule's other
    // fields).
    if (op.getScheduleAttr().getGqa() == BackwardGqa::Split)
      if (std::optional<std::string> why = backwardGqaSplitOpReason(
              op, KernelKind::Wgmma, op.getScheduleAttr().getDq()))
        return why;
    // The fused dQ conversion (D120): the row split's ring, dq = atomic, the
    // arrivals' count from the causal and window bounds, no bias gradient.
    if (op.getScheduleAttr().getDqConvert() == DqConvert::Fused)
      if (std::optional<std::string> why = dqConvertFusedOpReason(
              op, KernelKind::Wgmma, op.getScheduleAttr().getDq(), &t))
        return why;
    // The warpgroup's dQ reductions (D127): the ring's tensor boxes.
    if (op.getScheduleAttr().getDqReduce() == DqReduce::Warpgroup)
      if (std::optional<std::string> why = dqReduceWarpgroupReason(
              KernelKind::Wgmma, problem, t))
        return why;
    WgmmaBackwardLayout layout(
        t, op.getHeadDim(), op.getValueHeadDim(),
        elt.getIntOrFloatBitWidth() / 8,
        compacted ? compactedWalkEntries(t, problem) : 0);
    int64_t bytes = layout.totalBytes + layout.barrierBytes;
    if (bytes > target.sramPerBlock)
      return "its shared memory, " + std::to_string(bytes) +
             " B, exceeds the target's " +
             std::to_string(target.sramPerBlock) + " B per block";
    return std::nullopt;
  }

  LogicalResult convertGrad(AttentionGradOp op) {
    TilingAttr tilingAttr = op.getTilingAttr();
    TargetAttr targetAttr = lookupTarget(op);
    if (failed(checkOp(op, op.getQuery(), tilingAttr, targetAttr)))
      return failure();
    // The tiling may be hand-written, as the forward's: bound the problem
    // before any size arithmetic (D111: Nq = 2^33 was converted and
    // compiled to a binary, Nq = 0 too).
    if (std::optional<std::string> why = getAttentionProblem(op).validate())
      return op.emitOpError("cannot be converted: ") << *why;
    KernelKind kind = op.getScheduleAttr().getKernel();
    StringRef name = kind == KernelKind::Wgmma ? "wgmma" : "mma_sync";
    // Both kernels build dq = atomic and ordered (the schedule's verifier
    // allows no other).
    Tiling tiling = getTiling(tilingAttr);
    TargetInfo target = getTargetInfo(targetAttr);
    std::optional<std::string> why =
        kind == KernelKind::Wgmma
            ? wgmmaGradUnsupportedReason(op, tiling, target)
            : gradUnsupportedReason(op, tiling, target);
    if (why)
      return op.emitOpError("cannot use the ")
             << name << " backward kernel with " << tilingAttr << ": "
             << *why;
    if (callerStrides)
      castToCallerStrides(
          op, {&op.getQueryMutable(), &op.getKeyMutable(),
               &op.getValueMutable(), &op.getOutMutable(),
               &op.getOutGradMutable(), &op.getOutputsMutable()[0],
               &op.getOutputsMutable()[1], &op.getOutputsMutable()[2]});
    nvgpu_kernel::buildBackwardKernels(op, tiling, kind, target.smCount);
    return success();
  }

  LogicalResult convert(AttentionOp op) {
    TilingAttr tilingAttr = op.getTilingAttr();
    TargetAttr targetAttr = lookupTarget(op);
    if (failed(checkOp(op, op.getQuery(), tilingAttr, targetAttr)))
      return failure();
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
    if (callerStrides)
      castToCallerStrides(op, {&op.getQueryMutable(), &op.getKeyMutable(),
                               &op.getValueMutable(),
                               &op.getOutputsMutable()[0]});
    nvgpu_kernel::buildKernel(
        op, tiling, schedule,
        SharedLayout::get(tiling, problem, kind, schedule.walksCompacted()));
    return success();
  }
};
} // namespace
