//===- Step.cpp - The step time the kernels share -------------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// One kv step of one thread block (docs/CostModel.md, "Formulas"), and the
// SM-time of the whole grid from the kernel's step. The kernel kinds add
// their own terms in their files.
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

double detail::tileFlops(const Tiling &t, const AttentionProblem &p) {
  return 2.0 * t.blockQ * t.blockKV * (p.headDim + p.valueHeadDim);
}

StepWork detail::getStepWork(const StepInputs &in, double maskLaneOps) {
  const Tiling &t = in.tiling;
  const AttentionProblem &p = in.problem;
  StepWork work;
  double e = double(p.elementBytes);
  work.scores = double(t.blockQ) * t.blockKV;
  work.tensorSeconds = tileFlops(t, p) / in.rates.tensorFlops;
  // ex2 runs on the SFUs: one SFU op costs fp32Lanes / sfuPerSM lane slots.
  double laneOpsPerScore = kSoftmaxLaneOpsPerScore +
                           in.arch.fp32Lanes / in.arch.sfuPerSM + maskLaneOps;
  work.softmaxSeconds =
      (laneOpsPerScore * work.scores + double(t.blockQ) * p.valueHeadDim) /
      in.rates.laneOps;
  int64_t readers = in.warpgroupMma ? t.warps / 4 : t.warps;
  double kvTile = double(t.blockKV) * (p.headDim + p.valueHeadDim) * e;
  work.kvChunks = kvTile / 16;
  work.sharedSeconds =
      (readers * kvTile + double(t.blockQ) * p.headDim * e + kvTile) /
      in.rates.smemBytes;
  return work;
}

double detail::overlappedStepSeconds(const StepWork &w, bool warpgroupMma) {
  return warpgroupMma
             ? std::max({w.tensorSeconds, w.softmaxSeconds, w.sharedSeconds})
             : std::max(w.tensorSeconds, w.sharedSeconds) + w.softmaxSeconds;
}

double detail::smSeconds(const KernelModel &kernel, const StepInputs &in,
                         const BlockCounts &counts) {
  const Tiling &t = in.tiling;
  const AttentionProblem &p = in.problem;
  const CandidateCost &c = in.cost;
  int64_t heads = p.batch * p.numQueryHeads;
  double tiles = double(counts.tiles) * heads * p.kvBlockDensity;
  double stepSeconds = kernel.stepSeconds(in, 0);
  // Masked kv-blocks (causal diagonals, the keys' tail, a mask operand)
  // run the tensor-core kernels' masked loop, whose softmax does more.
  double maskedTiles = 0, maskedStepSeconds = stepSeconds;
  if (kernel.hasMaskedSteps()) {
    maskedTiles = double(counts.maskedTiles) * heads * p.kvBlockDensity;
    maskedStepSeconds = kernel.stepSeconds(in, kMaskLaneOpsPerScore);
  }
  // A warp issues to one of the SM's 4 sub-partitions: fewer than 4
  // resident warps leave tensor cores idle (the Simt kernel's dependent
  // shared loads need more).
  int64_t residentWarps = c.blocksPerSM * t.warps;
  double issueEfficiency = std::min(1.0, residentWarps / kernel.issueWarps());
  double seconds =
      ((tiles - maskedTiles) * stepSeconds + maskedTiles * maskedStepSeconds) /
      issueEfficiency;
  // What a block waits for alone, shared by the blocks resident with it.
  return seconds + double(c.numBlocks) * kernel.blockFixedSeconds(in) /
                       double(c.blocksPerSM);
}

KernelModel::~KernelModel() = default;

RegisterBudget KernelModel::registerBudget(const Tiling &,
                                           const AttentionProblem &,
                                           const TargetInfo &target,
                                           bool) const {
  return {target.maxRegsPerThread, target.maxRegsPerThread};
}

const KernelModel &detail::getKernelModel(KernelKind kind) {
  switch (kind) {
  case KernelKind::Simt:
    return getSimtModel();
  case KernelKind::MmaSync:
    return getMmaSyncModel();
  case KernelKind::Wgmma:
    return getWgmmaModel();
  case KernelKind::TensorCore:
    return getTensorCoreModel();
  case KernelKind::Auto:
    break;
  }
  llvm_unreachable("Auto is a pass option, not a kernel the model prices");
}

int64_t mlir::fa::registersPerThread(const Tiling &t, const AttentionProblem &p,
                                     KernelKind kind) {
  return getKernelModel(kind).registersPerThread(t, p);
}
