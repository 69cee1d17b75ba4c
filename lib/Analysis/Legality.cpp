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

using namespace mlir;
using namespace mlir::fa;

/// CUDA's limit on the threads of one block.
static constexpr int64_t kMaxThreadsPerBlock = 1024;
/// The mma-sync register fit was measured for 1 to 3 m16 fragments per
/// warp; beyond that it is not trusted (a 2-warp 128-row block, 4 fragments
/// per warp, estimated at 290 registers, ran 20% slower than 4-warp
/// tilings).
static constexpr int64_t kMmaSyncMaxRowsPerWarp = 48;

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
  case LegalityReason::RowsPerWarp:
    return "rows-per-warp";
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
  case LegalityReason::RowsPerWarp:
    return true;
  default:
    return false;
  }
}

bool mlir::fa::hasWgmma(const TargetInfo &target) {
  return target.arch == "sm_90a";
}

bool mlir::fa::isWgmmaHeadDim(int64_t headDim) {
  return headDim % 64 == 0 && headDim <= 256;
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

/// What the mma.sync kernel supports, and its tiling's shape.
static Legality checkMmaSync(const AttentionProblem &p,
                             const TargetInfo &target,
                             const std::optional<Tiling> &t) {
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
  if (t->blockQ / t->warps > kMmaSyncMaxRowsPerWarp)
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
                   "head dimensions must be multiples of 64 up to 256 "
                   "(whole 128-byte swizzle rows)");
  if (t && !fitsWgmmaShape(*t))
    return illegal(LegalityReason::KernelShape,
                   "wgmma needs block_q = 16 * warps (64 rows per "
                   "warpgroup) and block_kv a multiple of 16 up to 256");
  return {};
}

/// The kernel's own rules: the problems it takes and its tilings' shapes.
static Legality checkKernelRules(KernelKind kind, const AttentionProblem &p,
                                 const TargetInfo &target,
                                 const std::optional<Tiling> &t) {
  switch (kind) {
  case KernelKind::Simt:
  case KernelKind::TensorCore:
    return {};
  case KernelKind::MmaSync:
    return checkMmaSync(p, target, t);
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
  return {};
}

/// The thread block's resources: threads, shared memory, registers.
static Legality checkResources(KernelKind kind, const Tiling &t,
                               const AttentionProblem &p,
                               const TargetInfo &target) {
  int64_t threads = 32 * t.warps;
  if (threads > kMaxThreadsPerBlock)
    return illegal(LegalityReason::ThreadLimit,
                   llvm::formatv("{0} threads per block exceed {1}", threads,
                                 kMaxThreadsPerBlock));
  if (Legality shared = checkSharedMemory(sramBytes(t, p, kind), target);
      !shared.isLegal())
    return shared;
  const detail::KernelModel &model = detail::getKernelModel(kind);
  int64_t registers = model.registersPerThread(t, p);
  detail::RegisterBudget budget = model.registerBudget(t, target);
  if (registers > budget.limit)
    return illegal(LegalityReason::RegistersPerThread,
                   llvm::formatv("{0} registers per thread exceed {1}",
                                 registers, budget.limit));
  int64_t perBlock = detail::registersPerBlock(t, registers, budget);
  if (perBlock > target.regsPerSM)
    return illegal(LegalityReason::RegisterFile,
                   llvm::formatv("{0} registers per block exceed {1} per SM",
                                 perBlock, target.regsPerSM));
  return {};
}

Legality mlir::fa::checkLegality(KernelKind kind, const AttentionProblem &p,
                                 const TargetInfo &target,
                                 const std::optional<Tiling> &tiling) {
  if (Legality rules = checkKernelRules(kind, p, target, tiling);
      !rules.isLegal() || !tiling)
    return rules;
  return checkResources(kind, *tiling, p, target);
}
