//===- BackwardCostModel.cpp - IO cost model of the backward pass ---------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FloorSum.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;

/// Registers per thread besides the tiles: addresses, loop counters, the
/// logsumexp and D of the lane's rows.
static constexpr int64_t kBackwardRegisterOverhead = 32;
/// The share of the tensor-core peak the backward's products reach between
/// its softmax recomputation, dS and the barriers. Not fitted yet: the
/// backward kernels are not measured (docs/CostModel.md, "The backward
/// pass").
static constexpr double kBackwardTensorEfficiency = 0.6;
/// Fixed time a (q-block, kv-block) pair costs beyond its products: its
/// barriers and the latency of its first loads. Not fitted yet.
static constexpr double kBackwardPairSeconds = 0.3e-6;
/// Shared memory regions are 128-byte aligned.
static constexpr int64_t kRegionAlignment = 128;

llvm::StringRef mlir::fa::stringifyDqAccumulation(DqAccumulation value) {
  switch (value) {
  case DqAccumulation::Atomic:
    return "atomic";
  case DqAccumulation::Ordered:
    return "ordered";
  }
  llvm_unreachable("unknown dQ accumulation");
}

std::pair<int64_t, int64_t>
mlir::fa::backwardPairs(const Tiling &t, const AttentionProblem &p) {
  int64_t nQ = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t nK = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (!p.causal)
    return {nQ * nK, nQ};
  // Kv-block j sees the q-blocks from floor(max(0, j * Bc - diag) / Br),
  // and none once j * Bc - diag > Nq - 1 (diag = Nk - Nq).
  int64_t diag = p.seqLenKV - p.seqLenQ;
  auto count = [&](int64_t j) -> int64_t {
    int64_t r0 = std::max<int64_t>(0, j * t.blockKV - diag);
    return r0 > p.seqLenQ - 1 ? 0 : nQ - r0 / t.blockQ;
  };
  // j in [0, jA]: every q-block; (jA, jB]: a floor sum; past jB: none.
  int64_t jA = diag >= 0 ? std::min(nK - 1, diag / t.blockKV) : -1;
  int64_t jB = p.seqLenQ - 1 + diag >= 0
                   ? std::min(nK - 1, (p.seqLenQ - 1 + diag) / t.blockKV)
                   : -1;
  __int128 pairs = __int128(jA + 1) * nQ;
  if (jB > jA) {
    int64_t n = jB - jA;
    pairs += __int128(n) * nQ - detail::floorSum(n, t.blockQ, t.blockKV,
                                                 (jA + 1) * t.blockKV - diag);
  }
  return {int64_t(pairs), count(0)};
}

static int64_t alignRegion(int64_t bytes) {
  return llvm::alignTo(bytes, kRegionAlignment);
}

llvm::SmallVector<Tiling> BackwardCostModel::enumerateCandidates() const {
  llvm::SmallVector<Tiling> candidates;
  bool wg = kind == KernelKind::Wgmma;
  for (int64_t warps : {2, 4, 8, 12, 16}) {
    if (wg && warps % 4 != 0)
      continue;
    for (int64_t blockKV = 16; blockKV <= 256; blockKV += 16) {
      // The kv rows are the accumulators' rows: whole m64 per warpgroup
      // (wgmma); mma.sync warps split them into m16 fragments and the head
      // dimension into n8 ones (evaluate checks the head dimension).
      if (wg && blockKV != 16 * warps)
        continue;
      for (int64_t blockQ = 16; blockQ <= 256; blockQ += 16)
        for (int64_t stages : {1, 2})
          candidates.push_back({blockQ, blockKV, stages, warps});
    }
  }
  return candidates;
}

BackwardCost BackwardCostModel::evaluate(const Tiling &t,
                                         const AttentionProblem &p,
                                         DqAccumulation dq) const {
  BackwardCost c;
  c.tiling = t;
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t pad = kind == KernelKind::MmaSync ? kMmaSyncRowPadBytes / e : 0;
  int64_t br = t.blockQ, bc = t.blockKV, threads = 32 * t.warps;

  c.sramBytes = alignRegion(bc * (d + pad) * e) +
                alignRegion(bc * (dv + pad) * e) +
                t.stages * (alignRegion(br * (d + pad) * e) +
                            alignRegion(br * (dv + pad) * e) +
                            2 * alignRegion(br * 4)) +
                2 * alignRegion(br * (bc + pad) * e);
  if (kind == KernelKind::Wgmma)
    c.sramBytes += kWgmmaSwizzleAtomBytes + wgmmaBarrierBytes(t.stages);
  // dK_j and dV_j for the block's life; S/P with dP, then dS with dQ_i's
  // part in the same registers.
  c.registersPerThread =
      llvm::divideCeil(bc * (d + dv), threads) +
      llvm::divideCeil(std::max(2 * br * bc, br * bc + br * d), threads) +
      kBackwardRegisterOverhead;

  if (threads > 1024)
    c.rejection = llvm::formatv("{0} threads exceed 1024", threads);
  else if (kind == KernelKind::MmaSync && (bc / 16) * (d / 8) % t.warps != 0)
    c.rejection = llvm::formatv(
        "outside the mma-sync backward's shapes: {0} warps do not split the "
        "{1} m16n8 fragments of dK",
        t.warps, (bc / 16) * (d / 8));
  else if (c.sramBytes > target.sramPerBlock)
    c.rejection = llvm::formatv("shared memory {0} B exceeds {1} B per block",
                                c.sramBytes, target.sramPerBlock);
  else if (c.registersPerThread > target.maxRegsPerThread)
    c.rejection = llvm::formatv("{0} registers per thread exceed {1}",
                                c.registersPerThread, target.maxRegsPerThread);
  else if (c.registersPerThread * threads > target.regsPerSM)
    c.rejection = llvm::formatv("{0} registers exceed the SM's {1}",
                                c.registersPerThread * threads,
                                target.regsPerSM);

  c.blocksPerSM = std::max<int64_t>(
      1, std::min({target.sramPerSM / std::max<int64_t>(c.sramBytes, 1),
                   target.regsPerSM /
                       std::max<int64_t>(c.registersPerThread * threads, 1),
                   int64_t(2048 / threads)}));
  int64_t nK = llvm::divideCeil(p.seqLenKV, bc);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  c.numBlocks = p.batch * p.numKVHeads * nK;
  c.waves = llvm::divideCeil(c.numBlocks, c.blocksPerSM * target.smCount);
  auto [pairs, maxPairs] = backwardPairs(t, p);
  c.pairs = pairs * p.batch * p.numQueryHeads;
  c.maxPairsPerBlock = maxPairs * group;

  // The five products: S = Q K^T, dP = dO V^T, dV += P^T dO, dK += dS^T Q,
  // dQ += dS K.
  double pairFlops = 2.0 * br * bc * (3 * d + 2 * dv);
  c.flops = pairFlops * double(c.pairs);
  double smPeak = target.tensorTFlops * 1e12 / target.smCount *
                  kBackwardTensorEfficiency;
  double blockSeconds =
      double(c.maxPairsPerBlock) * (pairFlops / smPeak + kBackwardPairSeconds);
  c.computeSeconds = double(c.waves) * double(c.blocksPerSM) * blockSeconds;

  int64_t kv = p.batch * p.numKVHeads * p.seqLenKV * (d + dv) * e;
  int64_t rows = p.batch * p.numQueryHeads * p.seqLenQ;
  int64_t perPair = br * (d + dv) * e + 2 * br * 4;
  int64_t dqPerPair = br * d * 4;
  // D = rowsum(dO * O) reads O and dO and writes D; dQ's accumulator is
  // zeroed, then converted.
  c.hbm.readBytes = kv + c.pairs * (perPair + dqPerPair) +
                    2 * rows * dv * e + rows * d * 4;
  c.hbm.writeBytes =
      kv + c.pairs * dqPerPair + rows * 4 + rows * d * 4 + rows * d * e;
  double bandwidth = double(target.hbmGBps) * 1e9;
  c.memorySeconds = double(c.hbm.total()) / bandwidth;
  // Ordered adds: kv-block j's add of a q-block's dQ waits for j - 1's, a
  // chain as long as a head's kv-blocks, each link one add through L2 (at
  // twice the HBM rate, an SM's share).
  if (dq == DqAccumulation::Ordered)
    c.orderingSeconds = double(std::max<int64_t>(nK - 1, 0)) * 2.0 *
                        double(dqPerPair) /
                        (2.0 * bandwidth / double(target.smCount));
  c.predictedSeconds =
      std::max(c.computeSeconds, c.memorySeconds) + c.orderingSeconds;
  return c;
}

BackwardDecision BackwardCostModel::select(const AttentionProblem &problem,
                                           bool deterministic) const {
  BackwardDecision decision;
  decision.dq = deterministic ? DqAccumulation::Ordered : DqAccumulation::Atomic;
  llvm::SmallVector<BackwardCost> fitting, rejected;
  for (const Tiling &t : enumerateCandidates()) {
    BackwardCost c = evaluate(t, problem, decision.dq);
    (c.fits() ? fitting : rejected).push_back(c);
  }
  llvm::stable_sort(fitting, [](const BackwardCost &a, const BackwardCost &b) {
    if (a.predictedSeconds != b.predictedSeconds)
      return a.predictedSeconds < b.predictedSeconds;
    if (a.hbm.total() != b.hbm.total())
      return a.hbm.total() < b.hbm.total();
    return a.sramBytes < b.sramBytes;
  });
  decision.candidates.append(fitting);
  decision.candidates.append(rejected);
  if (fitting.empty()) {
    decision.reason = llvm::formatv(
        "no backward tiling fits: {0} candidates rejected (the smallest: {1})",
        rejected.size(),
        rejected.empty() ? std::string("none") : rejected.front().rejection);
    return decision;
  }
  decision.best = 0;
  const BackwardCost &w = fitting.front();
  decision.reason = llvm::formatv("{0} wins ({1} dQ): {2:f3} us predicted",
                                  w.tiling.str(),
                                  stringifyDqAccumulation(decision.dq),
                                  w.predictedSeconds * 1e6);
  if (fitting.size() > 1) {
    const BackwardCost &r = fitting[1];
    decision.reason += llvm::formatv(
        ", {0:f1}% faster than the runner-up {1}",
        100.0 * (r.predictedSeconds - w.predictedSeconds) / r.predictedSeconds,
        r.tiling.str());
  }
  return decision;
}
