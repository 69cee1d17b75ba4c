//===- Occupancy.cpp - Registers and resident blocks ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

Accumulators detail::getAccumulators(const Tiling &t,
                                     const AttentionProblem &p) {
  int64_t threads = 32 * t.warps;
  Accumulators acc;
  acc.o = llvm::divideCeil(t.blockQ * p.valueHeadDim, threads);
  acc.s = llvm::divideCeil(t.blockQ * t.blockKV, threads);
  return acc;
}

int64_t detail::registersPerBlock(const Tiling &t, int64_t registersPerThread,
                                  const RegisterBudget &budget) {
  int64_t allocated = std::min(registersPerThread, budget.cap);
  return llvm::alignTo(allocated, 8) * (32 * t.warps);
}

int64_t detail::registerResidentBlocks(const Tiling &t,
                                       int64_t registersPerBlock,
                                       const TargetInfo &target,
                                       const ArchTraits &arch) {
  int64_t byRegs = target.regsPerSM / std::max<int64_t>(registersPerBlock, 1);
  int64_t byThreads = arch.maxThreadsPerSM / (32 * t.warps);
  return std::max<int64_t>(1,
                           std::min({byRegs, byThreads, arch.maxBlocksPerSM}));
}

int64_t detail::residentBlocks(const Tiling &t, int64_t sramBytes,
                               int64_t registersPerBlock,
                               const TargetInfo &target,
                               const ArchTraits &arch) {
  int64_t bySram = target.sramPerSM / (sramBytes + arch.reservedSramPerBlock);
  return std::max<int64_t>(
      1, std::min(bySram, registerResidentBlocks(t, registersPerBlock, target,
                                                 arch)));
}

ResidentBlockLimit mlir::fa::residentBlockLimit(const Tiling &t,
                                               int64_t sramBytes,
                                               const TargetInfo &target) {
  const ArchTraits &arch = getArchTraits(target.getComputeCapability());
  ResidentBlockLimit limit;
  limit.reservedBytes = arch.reservedSramPerBlock;
  limit.smThreads = arch.maxThreadsPerSM;
  limit.blockThreads = 32 * std::max<int64_t>(t.warps, 1);
  limit.bySharedMemory = std::max<int64_t>(
      1, target.sramPerSM /
             std::max<int64_t>(sramBytes + arch.reservedSramPerBlock, 1));
  limit.byThreads =
      std::max<int64_t>(1, arch.maxThreadsPerSM / limit.blockThreads);
  limit.slots = arch.maxBlocksPerSM;
  limit.blocks =
      std::min({limit.bySharedMemory, limit.byThreads, limit.slots});
  return limit;
}

bool mlir::fa::overRegisterLimit(const CandidateCost &cost,
                                 const TargetInfo &target) {
  return cost.registersPerThread > target.maxRegsPerThread;
}
