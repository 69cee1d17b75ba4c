//===- CostModel.cpp - IO cost model for attention tiling -----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The candidates, their evaluation from the model's parts (CostModel/,
// KernelModel.h names them) and the selection. docs/CostModel.md derives the
// formulas.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/CostModel.h"

#include "CostModel/KernelModel.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

using namespace mlir;
using namespace mlir::fa;

//===----------------------------------------------------------------------===//
// Candidates
//===----------------------------------------------------------------------===//

/// Candidate block sizes: multiples of the MMA's 16.
static constexpr int64_t kBlockQSizes[] = {16, 32, 64, 128, 192, 256};
static constexpr int64_t kMaxBlockKV = 256;
static constexpr int64_t kWarpCounts[] = {1, 2, 4, 8, 12, 16};
static constexpr int64_t kMaxStages = 4;

/// Simt kernel: the warp counts it is enumerated with (every thread runs
/// scalar iterations, so any block_q works with either).
static constexpr int64_t kSimtWarpCounts[] = {4, 8};

std::pair<int64_t, int64_t> mlir::fa::paperBlockSizes(int64_t sramElements,
                                                      int64_t headDim) {
  int64_t bc = llvm::divideCeil(sramElements, 4 * headDim);
  return {std::min(bc, headDim), bc};
}

double mlir::fa::walkScanSeconds(const Tiling &tiling,
                                 const AttentionProblem &problem,
                                 double clockHz) {
  int64_t rounds =
      llvm::divideCeil(forwardWalkListEntries(tiling, problem), 32);
  return double(rounds) * kWalkScanRoundClocks / clockHz;
}

//===----------------------------------------------------------------------===//
// CostModel
//===----------------------------------------------------------------------===//

bool CostModel::usesWarpgroupMma() const {
  return options.kernel == KernelKind::Wgmma ||
         (options.kernel == KernelKind::TensorCore &&
          target.getComputeCapability() >= 90);
}

llvm::SmallVector<Tiling> CostModel::enumerateCandidates() const {
  llvm::SmallVector<Tiling> result;
  if (options.kernel == KernelKind::Simt) {
    // No pipelining: the tiles are loaded by the threads that use them.
    for (int64_t bq : kBlockQSizes)
      for (int64_t warps : kSimtWarpCounts)
        for (int64_t bkv = 16; bkv <= kMaxBlockKV; bkv += 16)
          result.push_back({bq, bkv, /*stages=*/1, warps});
    return result;
  }
  bool wgmma = usesWarpgroupMma();
  for (int64_t bq : kBlockQSizes) {
    for (int64_t warps : kWarpCounts) {
      if (bq % warps != 0)
        continue;
      // mma.sync: whole m16 fragments per warp; wgmma: whole m64 per
      // warpgroup of 4 warps.
      if (wgmma ? (warps % 4 != 0 || (bq / (warps / 4)) % 64 != 0)
                : (bq / warps) % 16 != 0)
        continue;
      // The wgmma kernel: one m64 tile per warpgroup.
      if (options.kernel == KernelKind::Wgmma && bq != 16 * warps)
        continue;
      for (int64_t bkv = 16; bkv <= kMaxBlockKV; bkv += 16)
        for (int64_t stages = 1; stages <= kMaxStages; ++stages)
          result.push_back({bq, bkv, stages, warps});
    }
  }
  return result;
}

Tiling CostModel::smallestCandidate() const {
  if (options.kernel == KernelKind::Simt)
    return {16, 16, 1, kSimtWarpCounts[0]};
  // MmaSync: one m16 fragment, one warp.
  bool wgmma = usesWarpgroupMma();
  return {wgmma ? 64 : 16, 16, 1, wgmma ? 4 : 1};
}

bool CostModel::walksList(const AttentionProblem &problem) const {
  return options.compactedWalk && problem.blockMaskQ != 0 &&
         (options.kernel == KernelKind::Wgmma ||
          options.kernel == KernelKind::MmaSync);
}

CandidateCost CostModel::evaluate(const Tiling &t,
                                  const AttentionProblem &p) const {
  const detail::KernelModel &kernel = detail::getKernelModel(options.kernel);
  const detail::ArchTraits &arch =
      detail::getArchTraits(target.getComputeCapability());
  // Resources: what the block needs, whether it launches, how many fit.
  CandidateCost c;
  c.tiling = t;
  c.hbm = hbmTraffic(t, p);
  // The compacted walk's list sits after the tiles (the generated
  // tensor-core kernels with a block mask).
  bool walkList = walksList(p);
  c.sramBytes =
      SharedLayout::get(t, p, options.kernel, walkList).totalBytes();
  c.registersPerThread = kernel.registersPerThread(t, p);
  detail::RegisterBudget budget =
      kernel.registerBudget(t, p, target, walkList);
  c.legality = checkLegality(options.kernel, p, target, t);
  // checkLegality knows the kernel, not its walk: the walk's register
  // budget and its list are checked here.
  if (walkList && c.legality.isLegal()) {
    c.legality =
        detail::checkRegisters(t, c.registersPerThread, budget, target);
    if (c.legality.reason == LegalityReason::RegistersPerThread)
      c.legality.message += llvm::formatv(
          " with the compacted walk (it keeps {0} of the {1} for the walk: "
          "ptxas spills its kernels from there)",
          budget.cap - budget.limit, budget.cap);
  }
  if (walkList && c.legality.isLegal())
    c.legality = checkSharedMemory(c.sramBytes, target);
  int64_t regsPerBlock =
      detail::registersPerBlock(t, c.registersPerThread, budget);
  c.blocksPerSM =
      detail::residentBlocks(t, c.sramBytes, regsPerBlock, target, arch);
  c.registerBlocksPerSM =
      detail::registerResidentBlocks(t, regsPerBlock, target, arch);

  // Work: tiles each thread block computes, padded to whole tiles, and the
  // SMs' time for them.
  detail::BlockCounts counts = detail::countBlocks(t, p);
  int64_t heads = p.batch * p.numQueryHeads;
  c.flops =
      double(counts.tiles) * heads * p.kvBlockDensity * detail::tileFlops(t, p);
  c.numBlocks = heads * llvm::divideCeil(p.seqLenQ, t.blockQ);
  detail::SMRates rates = detail::getSMRates(target, arch);
  detail::StepInputs in{t, p, target, arch, rates, usesWarpgroupMma(), c};
  double smSeconds = detail::smSeconds(kernel, in, counts);
  // The walk's scan: before the first step, shared by the resident blocks
  // as a block's fixed time is. Its gain, the dead steps it removes, is
  // the mask's density, which the model does not know (every block
  // counts).
  if (walkList)
    smSeconds += double(c.numBlocks) * walkScanSeconds(t, p, rates.clock) /
                 double(std::max<int64_t>(c.blocksPerSM, 1));

  // Waves: the last wave may leave SMs idle.
  int64_t slots = target.smCount * c.blocksPerSM;
  c.waves = llvm::divideCeil(c.numBlocks, slots);
  double utilization = double(c.numBlocks) / double(c.waves * slots);
  c.computeSeconds = smSeconds / target.smCount / utilization;
  c.dramBytes =
      detail::dramBytes(t, p, c.hbm, counts, slots, arch, options.l2Reuse);
  c.memorySeconds = double(c.dramBytes) / (double(target.hbmGBps) * 1e9);

  // Loads overlap compute when a second stage or a second resident block
  // exists; a lone single-stage block waits for each tile.
  bool overlaps = t.stages >= 2 || c.blocksPerSM >= 2;
  c.predictedSeconds = overlaps
                           ? std::max(c.memorySeconds, c.computeSeconds)
                           : c.memorySeconds + c.computeSeconds;
  return c;
}

/// Strict total order of feasible candidates: time, then HBM bytes, then
/// shared memory, then fewer warps, then the tiling itself (so the order is
/// deterministic). Times within 1e-9 relative count as equal.
static bool isBetter(const CandidateCost &a, const CandidateCost &b) {
  double ta = a.predictedSeconds, tb = b.predictedSeconds;
  if (std::abs(ta - tb) > 1e-9 * std::max(ta, tb))
    return ta < tb;
  if (a.hbm.total() != b.hbm.total())
    return a.hbm.total() < b.hbm.total();
  if (a.sramBytes != b.sramBytes)
    return a.sramBytes < b.sramBytes;
  const Tiling &x = a.tiling, &y = b.tiling;
  return std::make_tuple(x.warps, x.blockQ, x.blockKV, x.stages) <
         std::make_tuple(y.warps, y.blockQ, y.blockKV, y.stages);
}

static std::string formatBytes(double bytes) {
  if (bytes >= 1e9)
    return llvm::formatv("{0:f2} GB", bytes / 1e9);
  if (bytes >= 1e6)
    return llvm::formatv("{0:f2} MB", bytes / 1e6);
  return llvm::formatv("{0} B", int64_t(bytes));
}

static std::string formatTime(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3);
  return llvm::formatv("{0:f2} us", seconds * 1e6);
}

/// Why `w` beats `r`, in one sentence.
static std::string explainWin(const CandidateCost &w, const CandidateCost &r) {
  std::string bound = w.memorySeconds >= w.computeSeconds
                          ? "memory-bound"
                          : "compute-bound";
  std::string head = llvm::formatv(
      "{0} wins: {1} predicted, {2} (memory {3}, compute {4})", w.tiling.str(),
      formatTime(w.predictedSeconds), bound, formatTime(w.memorySeconds),
      formatTime(w.computeSeconds));
  double ta = w.predictedSeconds, tb = r.predictedSeconds;
  if (std::abs(ta - tb) > 1e-9 * std::max(ta, tb)) {
    // A margin under 0.1% keeps its digits rather than reading "0.0%".
    double percent = (tb / ta - 1) * 100;
    char margin[32];
    std::snprintf(margin, sizeof(margin), percent < 0.1 ? "%.2g" : "%.1f",
                  percent);
    return head + llvm::formatv("; {0}% faster than the runner-up {1}", margin,
                                r.tiling.str())
                      .str();
  }
  if (w.hbm.total() != r.hbm.total())
    return head + llvm::formatv("; ties the runner-up {0} on time and moves "
                                "fewer HBM bytes ({1} vs {2})",
                                r.tiling.str(), formatBytes(w.hbm.total()),
                                formatBytes(r.hbm.total()))
                      .str();
  if (w.sramBytes != r.sramBytes)
    return head + llvm::formatv("; ties the runner-up {0} on time and traffic "
                                "and uses less shared memory ({1} B vs {2} B)",
                                r.tiling.str(), w.sramBytes, r.sramBytes)
                      .str();
  return head + llvm::formatv("; ties the runner-up {0} on time, traffic and "
                              "shared memory ({1} B) and comes first in the "
                              "order fewer warps, smaller blocks",
                              r.tiling.str(), w.sramBytes)
                    .str();
}

TilingDecision CostModel::select(const AttentionProblem &p) const {
  TilingDecision decision;
  llvm::SmallVector<CandidateCost> feasible, rejected;
  for (const Tiling &t : enumerateCandidates()) {
    CandidateCost c = evaluate(t, p);
    (c.fits() ? feasible : rejected).push_back(std::move(c));
  }
  llvm::sort(feasible, isBetter);
  // mma-sync: an estimate over the register limit (ptxas will spill a
  // little) wins only by a clear margin over the best candidate within it.
  double spillMargin = detail::getKernelModel(options.kernel).spillMargin();
  std::optional<CandidateCost> demoted;
  if (spillMargin > 0 && !feasible.empty() &&
      overRegisterLimit(feasible[0], target)) {
    auto within = llvm::find_if(feasible, [&](const CandidateCost &c) {
      return !overRegisterLimit(c, target);
    });
    if (within != feasible.end() &&
        feasible[0].predictedSeconds >
            (1.0 - spillMargin) * within->predictedSeconds) {
      demoted = feasible[0];
      std::rotate(feasible.begin(), within, within + 1);
    }
  }
  if (feasible.empty()) {
    // The smallest tile is the most likely to fit; say what it needs.
    // With the compacted walk's list counted (evaluate's bytes): the list
    // can be what fits nowhere.
    Tiling smallest = smallestCandidate();
    CandidateCost smallestCost = evaluate(smallest, p);
    std::string list =
        walksList(p) ? llvm::formatv(" with the compacted walk's list of {0} "
                                     "kv-blocks",
                                     forwardWalkListEntries(smallest, p))
                           .str()
                     : std::string();
    decision.reason = llvm::formatv(
        "no tiling fits: the smallest ({0}) needs {1} B of shared memory{5} "
        "({2} B per block available) and {3} registers per thread ({4} "
        "available)",
        smallest.str(), smallestCost.sramBytes, target.sramPerBlock,
        smallestCost.registersPerThread, target.maxRegsPerThread, list);
  } else {
    decision.best = 0;
    decision.reason = feasible.size() == 1
                          ? feasible[0].tiling.str() + " is the only fit"
                          : explainWin(feasible[0], feasible[1]);
    if (demoted)
      decision.reason = llvm::formatv(
          "{0} wins: the fastest within {1} registers per thread; {2} is "
          "predicted {3:f1}% faster but needs {4} registers (ptxas would "
          "spill), and a tiling over the limit must be {5}% faster",
          feasible[0].tiling.str(), target.maxRegsPerThread,
          demoted->tiling.str(),
          100.0 * (1.0 - demoted->predictedSeconds /
                             feasible[0].predictedSeconds),
          demoted->registersPerThread, int(spillMargin * 100));
  }
  decision.candidates = std::move(feasible);
  llvm::append_range(decision.candidates, rejected);
  return decision;
}

TilingDecision CostModel::selectPaper(const AttentionProblem &p) const {
  TilingDecision decision;
  // M: the shared memory of one block, in elements.
  int64_t sramElements = target.sramPerBlock / p.elementBytes;
  auto [br, bc] = paperBlockSizes(sramElements, p.headDim);
  Tiling t{br, bc, /*stages=*/1, /*warps=*/4};
  CandidateCost c = evaluate(t, p);
  // Algorithm 1 constrains shared memory only; registers and MMA shapes are
  // outside the paper's model, so they do not reject its choice.
  c.legality = checkSharedMemory(c.sramBytes, target);
  if (c.fits()) {
    decision.best = 0;
    decision.reason = llvm::formatv(
        "Algorithm 1 with M = {0} elements: Bc = ceil(M / 4d) = {1}, "
        "Br = min(Bc, d) = {2}",
        sramElements, bc, br);
  } else {
    decision.reason = llvm::formatv(
        "Algorithm 1's tiles (Br = {0}, Bc = {1}) need {2} B of shared "
        "memory, {3} B available",
        br, bc, c.sramBytes, target.sramPerBlock);
  }
  decision.candidates.push_back(std::move(c));
  return decision;
}
