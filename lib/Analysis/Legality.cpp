//===- Legality.cpp - What each kernel kind can run -----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/Legality.h"

#include "CostModel/KernelModel.h"
#include "FlashAttn/Analysis/SharedLayout.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlir;
using namespace mlir::fa;

/// CUDA's limit on the threads of one block.
static constexpr int64_t kMaxThreadsPerBlock = 1024;
/// The mma-sync register fit is trusted for 1 to 3 m16 fragments per warp:
/// a tiling outside that range was a measured miss (docs/decisions.md, D08).
static constexpr int64_t kMmaSyncMaxRowsPerWarp = 48;
/// What the mma-sync generator unrolls per warp: its m16 row tiles, its S
/// and O tiles as m16n8 fragments (O across the kv loop), and the mma.sync
/// of one kv-step (S = Q K^T and P V unrolled completely). Beyond these the
/// conversion and the NVPTX back end take minutes (docs/Reliability.md,
/// "Hand-written tilings"); cost-model tilings stay far below.
static constexpr int64_t kMaxMmaSyncRowTiles = 8;
static constexpr int64_t kMaxMmaSyncFragments = 128;
static constexpr int64_t kMaxMmaSyncStepInstructions = 2048;
/// A launch's dynamic shared memory size is an i32.
static constexpr int64_t kMaxLaunchSharedBytes =
    std::numeric_limits<int32_t>::max();

llvm::StringRef mlir::fa::stringifyLegalityReason(LegalityReason reason) {
  switch (reason) {
  case LegalityReason::Legal:
    return "legal";
  case LegalityReason::Arch:
    return "arch";
  case LegalityReason::ElementType:
    return "element-type";
  case LegalityReason::HeadDim:
    return "head-dim";
  case LegalityReason::KernelShape:
    return "kernel-shape";
  case LegalityReason::CodeSize:
    return "code-size";
  case LegalityReason::RowsPerWarp:
    return "rows-per-warp";
  case LegalityReason::BlockMaskGranularity:
    return "block-mask-granularity";
  case LegalityReason::ThreadLimit:
    return "thread-limit";
  case LegalityReason::SharedMemory:
    return "shared-memory";
  case LegalityReason::RegistersPerThread:
    return "registers-per-thread";
  case LegalityReason::RegisterFile:
    return "register-file";
  }
  llvm_unreachable("unknown legality reason");
}

bool mlir::fa::isKernelRule(LegalityReason reason) {
  switch (reason) {
  case LegalityReason::Arch:
  case LegalityReason::ElementType:
  case LegalityReason::HeadDim:
  case LegalityReason::KernelShape:
  case LegalityReason::CodeSize:
  case LegalityReason::RowsPerWarp:
    return true;
  default:
    return false;
  }
}

bool mlir::fa::isProblemRule(LegalityReason reason) {
  return reason == LegalityReason::Arch ||
         reason == LegalityReason::ElementType ||
         reason == LegalityReason::HeadDim;
}

bool mlir::fa::hasWgmma(const TargetInfo &target) {
  return target.arch == "sm_90a";
}

bool mlir::fa::isWgmmaHeadDim(int64_t headDim) {
  return headDim % 16 == 0 && headDim > 0 && headDim <= 256;
}

bool mlir::fa::fitsMmaSyncShape(const Tiling &t) {
  return t.blockQ % (16 * t.warps) == 0 && t.blockKV % 16 == 0;
}

bool mlir::fa::fitsWgmmaShape(const Tiling &t) {
  return t.warps % 4 == 0 && t.blockQ == 16 * t.warps && t.blockKV % 16 == 0 &&
         t.blockKV <= 256;
}

static Legality illegal(LegalityReason reason, std::string message) {
  return {reason, std::move(message)};
}

/// The code the mma-sync generator unrolls for a tiling of its shape.
static Legality checkMmaSyncCodeSize(const AttentionProblem &p,
                                     const Tiling &t) {
  int64_t rowTiles = t.blockQ / (16 * t.warps);
  int64_t sFragments = rowTiles * (t.blockKV / 8);
  int64_t oFragments = rowTiles * (p.valueHeadDim / 8);
  int64_t stepInstructions =
      rowTiles * (t.blockKV / 8 * (p.headDim / 16) +
                  p.valueHeadDim / 8 * (t.blockKV / 16));
  if (rowTiles > kMaxMmaSyncRowTiles)
    return illegal(LegalityReason::CodeSize,
                   llvm::formatv("{0} rows per warp exceed the {1} the "
                                 "mma-sync kernel unrolls",
                                 16 * rowTiles, 16 * kMaxMmaSyncRowTiles));
  if (sFragments > kMaxMmaSyncFragments || oFragments > kMaxMmaSyncFragments)
    return illegal(
        LegalityReason::CodeSize,
        llvm::formatv("with head dims {0} and {1}, a warp's S and O tiles are "
                      "{2} and {3} m16n8 fragments, more than {4}",
                      p.headDim, p.valueHeadDim, sFragments, oFragments,
                      kMaxMmaSyncFragments));
  if (stepInstructions > kMaxMmaSyncStepInstructions)
    return illegal(LegalityReason::CodeSize,
                   llvm::formatv("with head dims {0} and {1}, a warp's "
                                 "kv-step unrolls {2} mma.sync, more than {3}",
                                 p.headDim, p.valueHeadDim, stepInstructions,
                                 kMaxMmaSyncStepInstructions));
  return {};
}

/// What the mma.sync kernel supports, and its tiling's shape.
static Legality checkMmaSync(const AttentionProblem &p,
                             const TargetInfo &target,
                             const std::optional<Tiling> &t,
                             LegalityScope scope) {
  if (target.getComputeCapability() < 80)
    return illegal(LegalityReason::Arch,
                   "the target (" + target.arch +
                       ") has no bf16/f16 mma.sync m16n8k16 with f32 "
                       "accumulators (needs sm_80 or later)");
  if (p.elementBytes != 2)
    return illegal(LegalityReason::ElementType,
                   "the element type must be f16 or bf16");
  if (p.headDim % 16 != 0 || p.valueHeadDim % 16 != 0)
    return illegal(LegalityReason::HeadDim,
                   "head dimensions must be multiples of 16");
  if (!t)
    return {};
  if (!fitsMmaSyncShape(*t))
    return illegal(LegalityReason::KernelShape,
                   "mma.sync needs block_q a multiple of 16 rows per warp "
                   "and block_kv a multiple of 16");
  if (Legality code = checkMmaSyncCodeSize(p, *t); !code.isLegal())
    return code;
  if (scope == LegalityScope::Selection &&
      t->blockQ / t->warps > kMmaSyncMaxRowsPerWarp)
    return illegal(
        LegalityReason::RowsPerWarp,
        llvm::formatv(
            "{0} rows per warp: the mma-sync register fit covers at most {1}",
            t->blockQ / t->warps, kMmaSyncMaxRowsPerWarp));
  return {};
}

/// What the wgmma kernel supports, and its tiling's shape.
static Legality checkWgmma(const AttentionProblem &p, const TargetInfo &target,
                           const std::optional<Tiling> &t) {
  if (!hasWgmma(target))
    return illegal(LegalityReason::Arch, "the target (" + target.arch +
                                             ") has no wgmma (needs sm_90a)");
  if (p.elementBytes != 2)
    return illegal(LegalityReason::ElementType,
                   "the element type must be f16 or bf16");
  if (!isWgmmaHeadDim(p.headDim) || !isWgmmaHeadDim(p.valueHeadDim))
    return illegal(LegalityReason::HeadDim,
                   "head dimensions must be multiples of 16 up to 256 "
                   "(whole k16 steps, one wgmma n of at most 256)");
  // Every wgmma tiling's block_q is a multiple of one warpgroup's 64 rows.
  if (p.blockMaskQ % 64 != 0)
    return illegal(LegalityReason::BlockMaskGranularity,
                   llvm::formatv("the block mask's block_q {0} is not a "
                                 "multiple of the 64 rows of a warpgroup",
                                 p.blockMaskQ));
  if (t && !fitsWgmmaShape(*t))
    return illegal(LegalityReason::KernelShape,
                   "wgmma needs block_q = 16 * warps (64 rows per "
                   "warpgroup) and block_kv a multiple of 16 up to 256");
  return {};
}

/// The kernel's own rules: the problems it takes and its tilings' shapes.
static Legality checkKernelRules(KernelKind kind, const AttentionProblem &p,
                                 const TargetInfo &target,
                                 const std::optional<Tiling> &t,
                                 LegalityScope scope) {
  switch (kind) {
  case KernelKind::Simt:
  case KernelKind::TensorCore:
    return {};
  case KernelKind::MmaSync:
    return checkMmaSync(p, target, t, scope);
  case KernelKind::Wgmma:
    return checkWgmma(p, target, t);
  case KernelKind::Auto:
    break;
  }
  llvm_unreachable("Auto is a pass option, not a kernel with rules");
}

Legality mlir::fa::checkSharedMemory(int64_t bytes, const TargetInfo &target) {
  if (bytes > target.sramPerBlock)
    return illegal(LegalityReason::SharedMemory,
                   llvm::formatv("shared memory {0} B exceeds {1} B per block",
                                 bytes, target.sramPerBlock));
  if (bytes > kMaxLaunchSharedBytes)
    return illegal(LegalityReason::SharedMemory,
                   llvm::formatv("shared memory {0} B exceeds the {1} B a "
                                 "launch can request",
                                 bytes, kMaxLaunchSharedBytes));
  return {};
}

/// The thread block's resources: threads, shared memory, registers.
static Legality checkResources(KernelKind kind, const Tiling &t,
                               const AttentionProblem &p,
                               const TargetInfo &target, LegalityScope scope) {
  int64_t threads = 32 * t.warps;
  if (threads > kMaxThreadsPerBlock)
    return illegal(LegalityReason::ThreadLimit,
                   llvm::formatv("{0} threads per block exceed {1}", threads,
                                 kMaxThreadsPerBlock));
  if (Legality shared = checkSharedMemory(sramBytes(t, p, kind), target);
      !shared.isLegal())
    return shared;
  if (scope == LegalityScope::Generation)
    return {};
  const detail::KernelModel &model = detail::getKernelModel(kind);
  return detail::checkRegisters(t, model.registersPerThread(t, p),
                                model.registerBudget(t, p, target,
                                                     /*compactedWalk=*/false),
                                target);
}

Legality detail::checkRegisters(const Tiling &t, int64_t registers,
                                const RegisterBudget &budget,
                                const TargetInfo &target) {
  if (registers > budget.limit)
    return illegal(LegalityReason::RegistersPerThread,
                   llvm::formatv("{0} registers per thread exceed {1}",
                                 registers, budget.limit));
  int64_t perBlock = detail::registersPerBlock(t, registers, budget);
  if (perBlock > target.regsPerSM)
    return illegal(LegalityReason::RegisterFile,
                   llvm::formatv("{0} registers per block ({1} estimated "
                                 "per thread) exceed {2} per SM",
                                 perBlock, registers, target.regsPerSM));
  return {};
}

std::optional<std::string>
mlir::fa::checkBlockMaskGranularity(const Tiling &t,
                                    const AttentionProblem &p) {
  if (p.blockMaskQ == 0 || t.blockQ <= 0 || t.blockKV <= 0 ||
      (p.blockMaskQ % t.blockQ == 0 && p.blockMaskKV % t.blockKV == 0))
    return std::nullopt;
  return llvm::formatv("the tiling's blocks {0}x{1} must divide the block "
                       "mask's {2}x{3} (each tile computed or skipped whole)",
                       t.blockQ, t.blockKV, p.blockMaskQ, p.blockMaskKV)
      .str();
}

Legality mlir::fa::checkLegality(KernelKind kind, const AttentionProblem &p,
                                 const TargetInfo &target,
                                 const std::optional<Tiling> &tiling,
                                 LegalityScope scope) {
  if (Legality rules = checkKernelRules(kind, p, target, tiling, scope);
      !rules.isLegal() || !tiling)
    return rules;
  if (std::optional<std::string> why = checkBlockMaskGranularity(*tiling, p))
    return illegal(LegalityReason::BlockMaskGranularity, *why);
  return checkResources(kind, *tiling, p, target, scope);
}
