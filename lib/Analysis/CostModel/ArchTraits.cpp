//===- ArchTraits.cpp - Per-architecture facts of the cost model ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// CUDA C++ Programming Guide, "Compute Capabilities" (threads, blocks and
/// reserved shared memory per SM), the architecture whitepapers (tensor
/// FLOPs per clock and FP32 lanes per SM, L2 sizes); docs/CostModel.md,
/// "Assumptions". Highest compute capability first: a target takes the
/// first row at or below its own; the last row takes everything older.
static const ArchTraits kArchTraits[] = {
    // cc, tensor/clk, lanes, SFUs, smem B/clk, threads, blocks, reserved, L2
    {120, 1024, 128, 16, 128, 1536, 32, 1024, 96},
    {100, 8192, 128, 16, 128, 2048, 32, 1024, 50},
    {90, 4096, 128, 16, 128, 2048, 32, 1024, 50},
    {89, 1024, 128, 16, 128, 1536, 16, 1024, 48},
    {86, 1024, 128, 16, 128, 1536, 16, 1024, 6},
    {80, 2048, 64, 16, 128, 2048, 32, 1024, 40},
    {75, 1024, 64, 16, 128, 1024, 16, 0, 4},
    {0, 1024, 64, 16, 128, 2048, 32, 0, 4},
};

const ArchTraits &detail::getArchTraits(int64_t computeCapability) {
  return *llvm::find_if(kArchTraits, [&](const ArchTraits &row) {
    return computeCapability >= row.minComputeCapability;
  });
}

SMRates detail::getSMRates(const TargetInfo &target, const ArchTraits &arch) {
  SMRates rates;
  rates.tensorFlops = double(target.tensorTFlops) * 1e12 / target.smCount;
  rates.clock = rates.tensorFlops / arch.tensorFlopsPerClock;
  rates.laneOps = arch.fp32Lanes * rates.clock;
  rates.smemBytes = arch.smemBytesPerClock * rates.clock;
  return rates;
}
