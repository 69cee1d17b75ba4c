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

#include "../FloorSum.h"
#include "KernelModel.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

int64_t mlir::fa::firstKVBlock(int64_t qBlock, const Tiling &t,
                               const AttentionProblem &p) {
  if (!p.window)
    return 0;
  // The q-block's first row sees keys from its diagonal less the left
  // extent; every later row from further right.
  int64_t firstKey =
      qBlock * t.blockQ + p.seqLenKV - p.seqLenQ - p.windowLeft;
  return std::max<int64_t>(llvm::divideFloorSigned(firstKey, t.blockKV), 0);
}

/// The end of the kv-blocks q-block `qBlock` computes.
static int64_t kvBlockEnd(int64_t qBlock, const Tiling &t,
                          const AttentionProblem &p) {
  int64_t numKVBlocks = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (!p.causal && !p.window)
    return numKVBlocks;
  // The q-block's last row i sees keys j <= i + Nk - Nq (+ the window's
  // right extent; bottom-right).
  int64_t lastRow = std::min((qBlock + 1) * t.blockQ, p.seqLenQ) - 1;
  int64_t lastKey = lastRow + p.seqLenKV - p.seqLenQ;
  if (p.window)
    lastKey += p.windowRight;
  if (lastKey < 0)
    return 0;
  return std::min(lastKey / t.blockKV + 1, numKVBlocks);
}

int64_t mlir::fa::visibleKVBlocks(int64_t qBlock, const Tiling &t,
                                  const AttentionProblem &p) {
  return std::max<int64_t>(
      kvBlockEnd(qBlock, t, p) - firstKVBlock(qBlock, t, p), 0);
}

namespace {
/// The function i -> clamp(floor((a * i + b) / m), 0, hi) on 0 <= i < n
/// (a >= 0, m > 0, hi >= 0): the number of kv-blocks a q-block sees, and
/// where it starts its masked ones, are of this form. Its sum, and how many
/// i reach `hi`, in O(log) instead of a loop over the q-blocks.
struct ClampedFloor {
  int64_t a, b, m, hi;

  /// The first i >= 0 with a * i + b >= target (n when none below n).
  int64_t firstReaching(int64_t target, int64_t n) const {
    if (b >= target)
      return 0;
    if (a == 0)
      return n;
    return std::min<int64_t>(n, llvm::divideCeil(target - b, a));
  }
  int64_t sum(int64_t n) const {
    int64_t low = firstReaching(0, n);
    int64_t high = std::max(low, firstReaching(hi * m, n));
    return floorSum(high - low, m, a, a * low + b) + hi * (n - high);
  }
  int64_t countAtHi(int64_t n) const { return n - firstReaching(hi * m, n); }
};
} // namespace

/// The end of the kv-blocks that need no mask for the q-block at row
/// `qBase` (FlashAttention-2's split): block j ends within Nk and (causal
/// or windowed) its last key is in the window of the q-block's first row.
static int64_t unmaskedBlockEnd(int64_t qBase, const Tiling &t,
                                const AttentionProblem &p) {
  int64_t end = p.seqLenKV / t.blockKV;
  if (p.causal || p.window)
    end = std::min(end, llvm::divideFloorSigned(
                            qBase + p.seqLenKV - p.seqLenQ + 1 +
                                (p.window ? p.windowRight : 0),
                            t.blockKV));
  return end;
}

/// The counts of q-block `i` alone.
static BlockCounts countOneBlock(int64_t i, const Tiling &t,
                                 const AttentionProblem &p) {
  BlockCounts counts;
  int64_t begin = firstKVBlock(i, t, p);
  int64_t end = kvBlockEnd(i, t, p);
  int64_t blocks = std::max<int64_t>(end - begin, 0);
  int64_t rows = std::max<int64_t>(
      std::min(end * t.blockKV, p.seqLenKV) - begin * t.blockKV, 0);
  int64_t lastRow = std::min((i + 1) * t.blockQ, p.seqLenQ) - 1;
  int64_t qRows = lastRow + 1 - i * t.blockQ;
  counts.kvRows = rows;
  counts.tiles = blocks;
  counts.maskElements = qRows * rows;
  // The kernel's split (FlashAttention-2's): the blocks [fullStart,
  // maskStart) need no mask; with a window fullStart is the first block
  // whose first key is in the window of the q-block's last row.
  int64_t maskStart = unmaskedBlockEnd(i * t.blockQ, t, p);
  int64_t fullStart = begin;
  if (p.window)
    fullStart = std::max(
        fullStart, llvm::divideCeilSigned(lastRow + p.seqLenKV - p.seqLenQ -
                                              p.windowLeft,
                                          t.blockKV));
  int64_t full = std::max<int64_t>(std::min(maskStart, end) - fullStart, 0);
  if (p.maskElementBytes > 0)
    full = 0;
  counts.maskedTiles = blocks - full;
  return counts;
}

/// countBlocks for a window, over q-blocks [0, n) (all full ones): every
/// count is a sum of ClampedFloor functions of the q-block (begin, end and
/// the full blocks' bounds of countOneBlock).
static BlockCounts countWindowBlocks(int64_t n, const Tiling &t,
                                     const AttentionProblem &p) {
  int64_t bq = t.blockQ, bkv = t.blockKV;
  int64_t numKVBlocks = llvm::divideCeil(p.seqLenKV, bkv);
  int64_t shift = p.seqLenKV - p.seqLenQ;
  int64_t left = p.windowLeft, right = p.windowRight;
  // begin(i) = floor((i Bq + shift - L) / Bkv), end(i) = floor((i Bq + Bq -
  // 1 + shift + R) / Bkv) + 1, both clamped to [0, numKVBlocks].
  ClampedFloor begin{bq, shift - left, bkv, numKVBlocks};
  ClampedFloor end{bq, bq - 1 + shift + right + bkv, bkv, numKVBlocks};
  BlockCounts counts;
  counts.tiles = end.sum(n) - begin.sum(n);
  counts.kvRows = counts.tiles * bkv -
                  end.countAtHi(n) * (numKVBlocks * bkv - p.seqLenKV);
  counts.maskElements = bq * counts.kvRows;
  // Full blocks: maskStart(i) - fullStart(i) where positive, fullStart =
  // ceil((i Bq + Bq - 1 + shift - L) / Bkv) (>= begin). With the same slope,
  // the difference is <= 0 everywhere when maskStart's offset is below
  // fullStart's; otherwise it is >= 0 until fullStart passes Nk / Bkv
  // (maskStart's clamp), and negative after.
  int64_t unmaskedEnd = p.seqLenKV / bkv;
  ClampedFloor maskStart{bq, shift + 1 + right, bkv, unmaskedEnd};
  ClampedFloor fullStart{bq, bq - 1 + shift - left + bkv - 1, bkv,
                         numKVBlocks};
  int64_t full = 0;
  if (p.maskElementBytes == 0 && maskStart.b >= fullStart.b) {
    int64_t upTo = fullStart.firstReaching((unmaskedEnd + 1) * bkv, n);
    full = maskStart.sum(upTo) - fullStart.sum(upTo);
  }
  counts.maskedTiles = counts.tiles - full;
  return counts;
}

/// countBlocks for a mask pattern: BlockClassifier's census (the blocks it
/// computes, full and partial), the same classification the tiled form
/// embeds.
static BlockCounts countPatternBlocks(const Tiling &t,
                                      const AttentionProblem &p) {
  BlockCensus census = cachedCensus(p.maskPattern(), t.blockQ, t.blockKV);
  BlockCounts counts;
  counts.tiles = census.computed();
  counts.kvRows = census.kvRows;
  counts.maskElements = t.blockQ * census.kvRows;
  counts.maskedTiles =
      p.maskElementBytes > 0 ? census.computed() : census.partial;
  return counts;
}

BlockCounts detail::countBlocks(const Tiling &t, const AttentionProblem &p) {
  if (p.hasMaskPattern())
    return countPatternBlocks(t, p);
  // The last q-block may be partial: counted alone. The others in closed
  // form (the selection's time must not grow with Nq: docs/Reliability.md),
  // equal to summing countOneBlock over them (CostModelTest checks it).
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  BlockCounts counts = countOneBlock(numQBlocks - 1, t, p);
  int64_t n = numQBlocks - 1;
  if (p.window) {
    BlockCounts rest = countWindowBlocks(n, t, p);
    counts.kvRows += rest.kvRows;
    counts.tiles += rest.tiles;
    counts.maskElements += rest.maskElements;
    counts.maskedTiles += rest.maskedTiles;
    return counts;
  }
  int64_t numKVBlocks = llvm::divideCeil(p.seqLenKV, t.blockKV);
  int64_t shift = p.seqLenKV - p.seqLenQ;
  // Blocks q-block i < n sees: floor(((i + 1) * Bq - 1 + shift) / Bkv) + 1,
  // clamped to [0, numKVBlocks] (visibleKVBlocks); without causal, all.
  ClampedFloor blocks =
      p.causal ? ClampedFloor{t.blockQ, t.blockQ - 1 + shift + t.blockKV,
                              t.blockKV, numKVBlocks}
               : ClampedFloor{0, numKVBlocks, 1, numKVBlocks};
  int64_t tiles = blocks.sum(n);
  // A block's rows are Bkv, but Nk for the q-blocks that see every block.
  int64_t kvRows = tiles * t.blockKV -
                   blocks.countAtHi(n) * (numKVBlocks * t.blockKV - p.seqLenKV);
  // Where the masked blocks start, clamped to [0, blocks] (never above the
  // blocks seen: docs/CostModel.md), as in countOneBlock.
  int64_t unmaskedEnd = p.seqLenKV / t.blockKV;
  ClampedFloor maskStart =
      p.maskElementBytes > 0 ? ClampedFloor{0, 0, 1, 0}
      : p.causal ? ClampedFloor{t.blockQ, shift + 1, t.blockKV, unmaskedEnd}
                 : ClampedFloor{0, unmaskedEnd, 1, unmaskedEnd};
  counts.kvRows += kvRows;
  counts.tiles += tiles;
  counts.maskElements += t.blockQ * kvRows;
  counts.maskedTiles += tiles - maskStart.sum(n);
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

/// Beyond this many shares of K/V heads among waves (below), dramKVRows
/// sums an evenly spaced sample of them, each weighted by the shares it
/// stands for; below it, every one: the selection's time must not grow with
/// the grid (docs/Reliability.md, "Time bounds").
static constexpr int64_t kMaxWaveShares = 1 << 14;
/// At most this many shares of one head are sampled.
static constexpr int64_t kMaxSharesPerHead = 1 << 7;

/// K/V rows that reach the SMs from DRAM rather than from L2. The grid runs
/// q-blocks fastest, then query heads, so the query heads of one K/V head
/// are consecutive: within one wave of `slots` resident blocks, the K/V rows
/// of a head are fetched once (the largest prefix any of its blocks needs)
/// and re-read from L2 by the others. The blocks of a wave start together
/// and walk the keys in the same order, so L2 must hold a window of K/V rows
/// per head in flight (kL2WindowBlocks kv-blocks of drift); when those
/// windows exceed half the L2, every block's rows count (Theorem 2).
static double dramKVRows(const Tiling &t, const AttentionProblem &p,
                         const BlockCounts &counts, int64_t slots,
                         int64_t l2Bytes) {
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  int64_t blocksPerKVHead = group * numQBlocks;
  int64_t kvHeadsPerWave = llvm::divideCeil(slots, blocksPerKVHead) + 1;
  double windowRows = std::min(p.seqLenKV, kL2WindowBlocks * t.blockKV);
  double kvWindowBytes =
      windowRows * (p.headDim + p.valueHeadDim) * p.elementBytes;
  // A mask pattern's blocks are no prefix of the keys: no L2 sharing is
  // estimated for it (every computed block's rows count).
  if (kvHeadsPerWave * kvWindowBytes > l2Bytes / 2 || p.hasMaskPattern())
    return double(counts.kvRows) * p.batch * p.numQueryHeads;
  // The K/V rows q-blocks first..last need together: q-block i's are the
  // kv-blocks [firstKVBlock(i), kvBlockEnd(i)), both ends non-decreasing
  // in i, so their union runs from the first's start to the last's end (a
  // prefix without a window, a band with one).
  auto unionRows = [&](int64_t first, int64_t last) {
    int64_t begin = firstKVBlock(first, t, p) * t.blockKV;
    int64_t end = std::min(kvBlockEnd(last, t, p) * t.blockKV, p.seqLenKV);
    return std::max<int64_t>(end - begin, 0);
  };
  // Block k of a K/V head runs q-block k % numQBlocks. The head's blocks
  // are split where a wave ends (multiples of `slots` of the grid's block
  // index); each share fetches the rows its q-blocks need once: those of
  // its consecutive q-blocks, or of all when it covers a query head. One
  // that wraps from a query head's last q-blocks to the next one's first
  // needs two bands, which a window keeps apart (D86: their hull counted
  // the keys between them too).
  int64_t rowsAll = unionRows(0, numQBlocks - 1);
  auto shareRows = [&](int64_t a, int64_t b) {
    int64_t start = a % numQBlocks, len = b - a;
    if (start + len <= numQBlocks)
      return unionRows(start, start + len - 1);
    int64_t wrapped = start + len - numQBlocks;
    if (len >= numQBlocks ||
        kvBlockEnd(wrapped - 1, t, p) >= firstKVBlock(start, t, p))
      return rowsAll;
    return unionRows(start, numQBlocks - 1) + unionRows(0, wrapped - 1);
  };
  int64_t numKVHeads = p.batch * p.numKVHeads;
  int64_t maxShares = blocksPerKVHead / slots + 2;
  int64_t shareStride = llvm::divideCeil(maxShares, kMaxSharesPerHead);
  int64_t sampledShares = llvm::divideCeil(maxShares, shareStride);
  int64_t headStride = std::max<int64_t>(
      1,
      int64_t(std::ceil(double(numKVHeads) * sampledShares / kMaxWaveShares)));
  double total = 0;
  for (int64_t g = 0; g < numKVHeads; g += headStride) {
    int64_t first = g * blocksPerKVHead;
    int64_t firstEnd = std::min(blocksPerKVHead, slots - first % slots);
    int64_t shares = 1 + llvm::divideCeil(blocksPerKVHead - firstEnd, slots);
    double headRows = 0;
    for (int64_t k = 0; k < shares; k += shareStride) {
      int64_t a = k == 0 ? 0 : firstEnd + (k - 1) * slots;
      int64_t b = k == 0 ? firstEnd : std::min(blocksPerKVHead, a + slots);
      headRows += double(std::min(shareStride, shares - k)) * shareRows(a, b);
    }
    total += double(std::min(headStride, numKVHeads - g)) * headRows;
  }
  // L2 only removes reads: a sample's weights can overshoot (D86).
  return std::min(total, double(counts.kvRows) * p.batch * p.numQueryHeads);
}

int64_t detail::dramBytes(const Tiling &t, const AttentionProblem &p,
                          const HBMTraffic &hbm, const BlockCounts &counts,
                          int64_t slots, const ArchTraits &arch, bool l2Reuse) {
  int64_t heads = p.batch * p.numQueryHeads;
  double e = double(p.elementBytes);
  double kvDramRows =
      l2Reuse ? dramKVRows(t, p, counts, slots, arch.l2MiB * 1024 * 1024)
              : double(counts.kvRows) * heads;
  double kvTheorem2 =
      double(counts.kvRows) * heads * (p.headDim + p.valueHeadDim) * e;
  double kvDram = kvDramRows * (p.headDim + p.valueHeadDim) * e;
  return std::llround(double(hbm.total()) -
                      (kvTheorem2 - kvDram) * p.kvBlockDensity);
}

double mlir::fa::computedBlockDensity(const Tiling &t,
                                      const AttentionProblem &p) {
  double all = double(llvm::divideCeil(p.seqLenQ, t.blockQ)) *
               double(llvm::divideCeil(p.seqLenKV, t.blockKV));
  return double(countBlocks(t, p).tiles) / all;
}
