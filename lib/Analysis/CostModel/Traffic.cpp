//===- Traffic.cpp - HBM traffic and the re-reads L2 serves ---------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// FlashAttention Theorem 2's count of the bytes a tiling moves, and the
// estimate of how many of the K/V re-reads reach DRAM (docs/CostModel.md,
// "Formulas").
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// How many kv-blocks the blocks of one wave may drift apart while they
/// share K/V through L2.
static constexpr int64_t kL2WindowBlocks = 16;

int64_t mlir::fa::visibleKVBlocks(int64_t qBlock, const Tiling &t,
                                  const AttentionProblem &p) {
  int64_t numKVBlocks = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (!p.causal)
    return numKVBlocks;
  // The q-block's last row i sees keys j <= i + Nk - Nq (bottom-right).
  int64_t lastRow = std::min((qBlock + 1) * t.blockQ, p.seqLenQ) - 1;
  int64_t lastKey = lastRow + p.seqLenKV - p.seqLenQ;
  if (lastKey < 0)
    return 0;
  return std::min(lastKey / t.blockKV + 1, numKVBlocks);
}

BlockCounts detail::countBlocks(const Tiling &t, const AttentionProblem &p) {
  BlockCounts counts;
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  for (int64_t i = 0; i < numQBlocks; ++i) {
    int64_t blocks = visibleKVBlocks(i, t, p);
    int64_t rows = std::min(blocks * t.blockKV, p.seqLenKV);
    int64_t qRows = std::min((i + 1) * t.blockQ, p.seqLenQ) - i * t.blockQ;
    counts.kvRows += rows;
    counts.tiles += blocks;
    counts.maskElements += qRows * rows;
    // The kernel's split (FlashAttention-2's): block j needs no mask iff it
    // ends within Nk and, causal, its last key is visible to the q-block's
    // first row.
    int64_t maskStart = p.seqLenKV / t.blockKV;
    if (p.causal)
      maskStart = std::min(
          maskStart, llvm::divideFloorSigned(
                         i * t.blockQ + p.seqLenKV - p.seqLenQ + 1, t.blockKV));
    if (p.maskElementBytes > 0)
      maskStart = 0;
    counts.maskedTiles += blocks - std::clamp<int64_t>(maskStart, 0, blocks);
  }
  return counts;
}

HBMTraffic mlir::fa::hbmTraffic(const Tiling &t, const AttentionProblem &p) {
  BlockCounts counts = countBlocks(t, p);
  int64_t heads = p.batch * p.numQueryHeads;
  int64_t e = p.elementBytes;
  double density = p.kvBlockDensity;
  // Per (batch, query head): Q once, K and V once per q-block. Grouped-query
  // heads do not share a thread block, so each re-reads its K/V head.
  double kvBytes = double(counts.kvRows) * (p.headDim + p.valueHeadDim) * e;
  double maskBytes = double(counts.maskElements) * p.maskElementBytes;
  int64_t qBytes = p.seqLenQ * p.headDim * e;
  HBMTraffic traffic;
  traffic.readBytes =
      heads * (qBytes + std::llround((kvBytes + maskBytes) * density));
  traffic.writeBytes = heads * p.seqLenQ * p.valueHeadDim * e;
  if (p.writesLse)
    traffic.writeBytes += heads * p.seqLenQ * 4;
  return traffic;
}

/// K/V rows that reach the SMs from DRAM rather than from L2. The grid runs
/// q-blocks fastest, then query heads, so the query heads of one K/V head
/// are consecutive: within one wave of `slots` resident blocks, the K/V rows
/// of a head are fetched once (the largest prefix any of its blocks needs)
/// and re-read from L2 by the others. The blocks of a wave start together
/// and walk the keys in the same order, so L2 must hold a window of K/V rows
/// per head in flight (kL2WindowBlocks kv-blocks of drift); when those
/// windows exceed half the L2, every block's rows count (Theorem 2).
static double dramKVRows(const Tiling &t, const AttentionProblem &p,
                         int64_t slots, int64_t l2Bytes) {
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  int64_t blocksPerKVHead = group * numQBlocks;
  int64_t kvHeadsPerWave = llvm::divideCeil(slots, blocksPerKVHead) + 1;
  double windowRows = std::min(p.seqLenKV, kL2WindowBlocks * t.blockKV);
  double kvWindowBytes =
      windowRows * (p.headDim + p.valueHeadDim) * p.elementBytes;
  // The K/V rows q-block i needs: non-decreasing in i.
  auto rowsOf = [&](int64_t i) {
    return std::min(visibleKVBlocks(i, t, p) * t.blockKV, p.seqLenKV);
  };
  if (kvHeadsPerWave * kvWindowBytes > l2Bytes / 2) {
    double perHead = 0;
    for (int64_t i = 0; i < numQBlocks; ++i)
      perHead += rowsOf(i);
    return perHead * p.batch * p.numQueryHeads;
  }
  // Block k of a K/V head runs q-block k % numQBlocks. Each wave's share of
  // a head's blocks fetches the largest prefix among them once: that of its
  // last q-block, or the largest of all when the share wraps around.
  int64_t rowsMax = rowsOf(numQBlocks - 1);
  double total = 0;
  int64_t numKVHeads = p.batch * p.numKVHeads;
  for (int64_t g = 0; g < numKVHeads; ++g) {
    int64_t first = g * blocksPerKVHead;
    for (int64_t a = 0; a < blocksPerKVHead;) {
      int64_t b =
          std::min(blocksPerKVHead, ((first + a) / slots + 1) * slots - first);
      int64_t start = a % numQBlocks, len = b - a;
      total += start + len > numQBlocks ? rowsMax : rowsOf(start + len - 1);
      a = b;
    }
  }
  return total;
}

int64_t detail::dramBytes(const Tiling &t, const AttentionProblem &p,
                          const HBMTraffic &hbm, const BlockCounts &counts,
                          int64_t slots, const ArchTraits &arch, bool l2Reuse) {
  int64_t heads = p.batch * p.numQueryHeads;
  double e = double(p.elementBytes);
  double kvDramRows = l2Reuse
                          ? dramKVRows(t, p, slots, arch.l2MiB * 1024 * 1024)
                          : double(counts.kvRows) * heads;
  double kvTheorem2 =
      double(counts.kvRows) * heads * (p.headDim + p.valueHeadDim) * e;
  double kvDram = kvDramRows * (p.headDim + p.valueHeadDim) * e;
  return std::llround(double(hbm.total()) -
                      (kvTheorem2 - kvDram) * p.kvBlockDensity);
}
