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
#include "llvm/Support/FormatVariadic.h"

#include <limits>

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_CONVERTFATONVGPUPASS
#include "FlashAttn/Conversion/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// Limits of the mma-sync kernel's code, per warp. It keeps its rows as
/// m16 row tiles, its S and O tiles in registers as m16n8 fragments (O
/// across the kv loop) and unrolls a kv-step completely: S = Q K^T is
/// block_kv / 8 mma.sync per row tile and 16 columns of the head dim, P V is
/// value head dim / 8 per row tile and 16 keys. Beyond these the conversion
/// and the NVPTX back end ran for minutes (64 row tiles: 15 minutes, not
/// finished; D = 2^16 with 16 x 16 tiles: one minute); at them, about 20 s.
/// The cost model's register fit keeps what fa-select-tiling chooses far
/// below (3 row tiles, 48 fragments, 2,016 mma.sync at 256 KiB of shared
/// memory).
static constexpr int64_t kMaxMmaSyncRowTiles = 8;
static constexpr int64_t kMaxMmaSyncFragments = 128;
static constexpr int64_t kMaxMmaSyncStepInstructions = 2048;

/// Why the mma-sync kernel of `tiling` (which fits its shape) is beyond
/// those limits, or nullopt.
static std::optional<std::string>
mmaSyncLimitProblem(const Tiling &tiling, const AttentionProblem &problem) {
  int64_t rowTiles = tiling.blockQ / (16 * tiling.warps);
  int64_t sFragments = rowTiles * (tiling.blockKV / 8);
  int64_t oFragments = rowTiles * (problem.valueHeadDim / 8);
  int64_t stepInstructions =
      rowTiles * (tiling.blockKV / 8 * (problem.headDim / 16) +
                  problem.valueHeadDim / 8 * (tiling.blockKV / 16));
  if (rowTiles > kMaxMmaSyncRowTiles)
    return llvm::formatv("{0} rows per warp exceed {1}", 16 * rowTiles,
                         16 * kMaxMmaSyncRowTiles)
        .str();
  if (sFragments > kMaxMmaSyncFragments || oFragments > kMaxMmaSyncFragments)
    return llvm::formatv("a warp's S and O tiles are {0} and {1} m16n8 "
                         "fragments, more than {2}",
                         sFragments, oFragments, kMaxMmaSyncFragments)
        .str();
  if (stepInstructions > kMaxMmaSyncStepInstructions)
    return llvm::formatv("a warp's kv-step unrolls {0} mma.sync, more than "
                         "{1}",
                         stepInstructions, kMaxMmaSyncStepInstructions)
        .str();
  return std::nullopt;
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
    if (kind == KernelKind::MmaSync)
      if (std::optional<std::string> why = mmaSyncLimitProblem(tiling, problem))
        return op.emitOpError("tiling ")
               << tilingAttr << " is beyond the mma-sync kernel (head dims "
               << problem.headDim << " and " << problem.valueHeadDim
               << "): " << *why;
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
    // The launch's dynamic shared memory size is an i32.
    if (bytes > std::numeric_limits<int32_t>::max())
      return op.emitOpError("tiling ")
             << tilingAttr << " needs " << bytes
             << " bytes of shared memory per block; a launch takes at most "
             << std::numeric_limits<int32_t>::max();
    // The wgmma kernel's mbarriers are static shared memory (TMA), or not
    // needed (cp.async).
    if (kind == KernelKind::Wgmma)
      bytes -= wgmmaBarrierBytes(tiling.stages);
    nvgpu_kernel::buildKernel(op, tiling, schedule, bytes);
    return success();
  }
};
} // namespace
