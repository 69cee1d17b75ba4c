//===- BlockClassifier.cpp - Empty / full / partial blocks of a mask ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BlockClassifier.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::fa;

/// An unbounded side of a band of j - i' (positions fit far below it).
static constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max() / 4;

static int64_t floorDiv(int64_t a, int64_t b) {
  return llvm::divideFloorSigned(a, b);
}

/// Whether two butterfly cells are linked: a xor b is 0 or a power of two.
static bool butterflyLinked(int64_t a, int64_t b) {
  uint64_t x = static_cast<uint64_t>(a ^ b);
  return (x & (x - 1)) == 0;
}

bool MaskPattern::keeps(int64_t i, int64_t j) const {
  int64_t ip = i + seqLenKV - seqLenQ;
  if (causal && j > ip)
    return false;
  bool local = true;
  if (window)
    local = ip - windowLeft <= j && j <= ip + windowRight;
  else if (chunk > 0)
    local = floorDiv(ip, chunk) == floorDiv(j, chunk);
  else if (butterfly > 0)
    local = butterflyLinked(floorDiv(ip, butterfly), floorDiv(j, butterfly));
  bool isGlobal = global > 0 && (j < global || ip < global);
  return local || isGlobal;
}

std::string MaskPattern::str() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::ListSeparator sep;
  if (causal)
    os << sep << "causal";
  if (window)
    os << sep << "window (" << windowLeft << ", " << windowRight << ")";
  if (chunk > 0)
    os << sep << "chunk " << chunk;
  if (butterfly > 0)
    os << sep << "butterfly " << butterfly;
  if (global > 0)
    os << sep << "global " << global;
  return text;
}

BlockClassifier::BlockClassifier(const MaskPattern &pattern, int64_t blockQ,
                                 int64_t blockKV)
    : p(pattern), bq(blockQ), bkv(blockKV),
      numQ(llvm::divideCeil(pattern.seqLenQ, blockQ)),
      numKV(llvm::divideCeil(pattern.seqLenKV, blockKV)),
      shift(pattern.seqLenKV - pattern.seqLenQ) {
  assert(blockQ > 0 && blockKV > 0 && "blocks must be positive");
  assert(int(p.window) + int(p.chunk > 0) + int(p.butterfly > 0) <= 1 &&
         "a mask has one local pattern");
}

BlockClassifier::Rect BlockClassifier::blockRect(int64_t qb, int64_t kb) const {
  return {qb * bq + shift, std::min((qb + 1) * bq, p.seqLenQ) - 1 + shift,
          kb * bkv, std::min((kb + 1) * bkv, p.seqLenKV) - 1};
}

bool BlockClassifier::meetsBand(const Rect &r, int64_t lo, int64_t hi) {
  return r.c0 - r.r1 <= hi && r.c1 - r.r0 >= lo;
}

bool BlockClassifier::insideBand(const Rect &r, int64_t lo, int64_t hi) {
  return r.c0 - r.r1 >= lo && r.c1 - r.r0 <= hi;
}

int64_t BlockClassifier::causalHi() const { return p.causal ? 0 : kUnbounded; }

bool BlockClassifier::insideLocal(const Rect &r) const {
  if (p.window)
    return insideBand(r, -p.windowLeft, p.windowRight);
  if (p.chunk > 0) {
    int64_t c = floorDiv(r.r0, p.chunk);
    return floorDiv(r.r1, p.chunk) == c && floorDiv(r.c0, p.chunk) == c &&
           floorDiv(r.c1, p.chunk) == c;
  }
  if (p.butterfly > 0) {
    int64_t n = p.butterfly;
    for (int64_t a = floorDiv(r.r0, n), ae = floorDiv(r.r1, n); a <= ae; ++a)
      for (int64_t b = floorDiv(r.c0, n), be = floorDiv(r.c1, n); b <= be; ++b)
        if (!butterflyLinked(a, b))
          return false;
  }
  return true;
}

bool BlockClassifier::meetsLocal(const Rect &r) const {
  int64_t hi = causalHi();
  if (p.window)
    return meetsBand(r, -p.windowLeft, std::min(p.windowRight, hi));
  // The cells of a chunk (a square on the diagonal) or of the butterfly
  // (linked pairs of B x B squares) inside `r`: one that causal keeps a
  // pair of is enough.
  auto cellMeets = [&](int64_t a, int64_t b, int64_t n) {
    Rect cell{std::max(r.r0, a * n), std::min(r.r1, a * n + n - 1),
              std::max(r.c0, b * n), std::min(r.c1, b * n + n - 1)};
    return !cell.empty() && meetsBand(cell, -kUnbounded, hi);
  };
  if (p.chunk > 0) {
    int64_t n = p.chunk;
    for (int64_t c = std::max(floorDiv(r.r0, n), floorDiv(r.c0, n)),
                 e = std::min(floorDiv(r.r1, n), floorDiv(r.c1, n));
         c <= e; ++c)
      if (cellMeets(c, c, n))
        return true;
    return false;
  }
  if (p.butterfly > 0) {
    int64_t n = p.butterfly;
    for (int64_t a = floorDiv(r.r0, n), ae = floorDiv(r.r1, n); a <= ae; ++a)
      for (int64_t b = floorDiv(r.c0, n), be = floorDiv(r.c1, n); b <= be; ++b)
        if (butterflyLinked(a, b) && cellMeets(a, b, n))
          return true;
    return false;
  }
  return meetsBand(r, -kUnbounded, hi);
}

BlockKind BlockClassifier::classify(int64_t qb, int64_t kb) const {
  Rect r = blockRect(qb, kb);
  int64_t hi = causalHi();
  int64_t g = p.global;
  // The global rows (i' < G) and keys (j < G) of the block, under causal.
  Rect globalRows{r.r0, std::min(r.r1, g - 1), r.c0, r.c1};
  Rect globalKeys{r.r0, r.r1, r.c0, std::min(r.c1, g - 1)};
  auto meetsGlobal = [&](const Rect &part) {
    return g > 0 && !part.empty() && meetsBand(part, -kUnbounded, hi);
  };
  bool meets =
      meetsGlobal(globalRows) || meetsGlobal(globalKeys) || meetsLocal(r);
  if (!meets)
    return BlockKind::Empty;
  if (!insideBand(r, -kUnbounded, hi))
    return BlockKind::Partial;
  // Covered by the global rows and keys, or what they leave (a rectangle:
  // rows i' >= G and keys j >= G) lies in the local pattern.
  if (g > 0 && (r.r1 < g || r.c1 < g))
    return BlockKind::Full;
  Rect rest =
      g > 0 ? Rect{std::max(r.r0, g), r.r1, std::max(r.c0, g), r.c1} : r;
  return insideLocal(rest) ? BlockKind::Full : BlockKind::Partial;
}

void BlockClassifier::visitRow(
    int64_t qb,
    llvm::SmallVectorImpl<std::pair<int64_t, BlockKind>> &out) const {
  out.clear();
  Rect rows = blockRect(qb, 0);
  // Candidate key ranges [first, last] of positions, clamped below.
  llvm::SmallVector<std::pair<int64_t, int64_t>> keys;
  int64_t lastKey = p.seqLenKV - 1;
  bool allKeys = (p.global > 0 && rows.r0 < p.global) ||
                 (!p.window && p.chunk == 0 && p.butterfly == 0);
  if (allKeys) {
    keys.push_back({0, lastKey});
  } else {
    if (p.global > 0)
      keys.push_back({0, p.global - 1});
    if (p.window) {
      keys.push_back({rows.r0 - p.windowLeft, rows.r1 + p.windowRight});
    } else if (p.chunk > 0) {
      int64_t n = p.chunk;
      keys.push_back(
          {floorDiv(rows.r0, n) * n, floorDiv(rows.r1, n) * n + n - 1});
    } else {
      int64_t n = p.butterfly;
      for (int64_t a = floorDiv(rows.r0, n), ae = floorDiv(rows.r1, n); a <= ae;
           ++a) {
        keys.push_back({a * n, a * n + n - 1});
        // Partners past the last key block are skipped before b * n is
        // formed (it would overflow for the high bits).
        int64_t lastBlock = floorDiv(lastKey, n);
        for (int bit = 0; bit < 62; ++bit) {
          int64_t b = a ^ (int64_t(1) << bit);
          if (b >= 0 && b <= lastBlock)
            keys.push_back({b * n, b * n + n - 1});
        }
      }
    }
  }
  if (p.causal)
    lastKey = std::min(lastKey, rows.r1);
  llvm::SmallVector<int64_t> blocks;
  for (auto [first, last] : keys) {
    first = std::max<int64_t>(first, 0);
    last = std::min(last, lastKey);
    for (int64_t kb = first / bkv, e = last < first ? -1 : last / bkv; kb <= e;
         ++kb)
      blocks.push_back(kb);
  }
  llvm::sort(blocks);
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  for (int64_t kb : blocks)
    if (BlockKind kind = classify(qb, kb); kind != BlockKind::Empty)
      out.push_back({kb, kind});
}

BlockCensus BlockClassifier::census() const {
  BlockCensus c;
  c.total = numQ * numKV;
  llvm::SmallVector<std::pair<int64_t, BlockKind>> row;
  for (int64_t qb = 0; qb < numQ; ++qb) {
    visitRow(qb, row);
    for (auto [kb, kind] : row) {
      (kind == BlockKind::Full ? c.full : c.partial) += 1;
      c.kvRows += std::min((kb + 1) * bkv, p.seqLenKV) - kb * bkv;
    }
  }
  return c;
}

BlockTable BlockClassifier::table() const {
  BlockTable t;
  t.numQBlocks = numQ;
  t.numKVBlocks = numKV;
  t.kinds.assign(numQ * numKV, uint8_t(BlockKind::Empty));
  t.kvBegin.assign(numQ, 0);
  t.kvEnd.assign(numQ, 0);
  t.qBegin.assign(numKV, int32_t(numQ));
  t.qEnd.assign(numKV, 0);
  llvm::SmallVector<std::pair<int64_t, BlockKind>> row;
  for (int64_t qb = 0; qb < numQ; ++qb) {
    visitRow(qb, row);
    if (row.empty())
      continue;
    t.kvBegin[qb] = int32_t(row.front().first);
    t.kvEnd[qb] = int32_t(row.back().first + 1);
    for (auto [kb, kind] : row) {
      t.kinds[qb * numKV + kb] = uint8_t(kind);
      t.qBegin[kb] = std::min<int32_t>(t.qBegin[kb], int32_t(qb));
      t.qEnd[kb] = int32_t(qb + 1);
    }
  }
  for (int64_t kb = 0; kb < numKV; ++kb)
    if (t.qEnd[kb] == 0)
      t.qBegin[kb] = 0;
  return t;
}

BlockLists BlockClassifier::lists(bool byKVBlock) const {
  // From visitRow, not table(): the work and memory are the listed pairs'
  // and the rows', not numQBlocks x numKVBlocks (at Nq = Nk = 2^17 a
  // backward selection built that table per candidate for 18 s; D81). Two
  // passes over the rows: count each list's full and partial blocks, then
  // place them (full first, each part ascending: the q-blocks are visited
  // in order, and so are a q-block's kv-blocks).
  // Rows past Nq or keys past Nk: their blocks are the ragged last ones.
  bool raggedQ = p.seqLenQ % bq != 0, raggedKV = p.seqLenKV % bkv != 0;
  BlockLists l;
  l.rows = byKVBlock ? numKV : numQ;
  llvm::SmallVector<std::pair<int64_t, BlockKind>> row;
  auto visitPairs = [&](auto &&f) {
    for (int64_t qb = 0; qb < numQ; ++qb) {
      visitRow(qb, row);
      for (auto [kb, kind] : row) {
        bool full = kind == BlockKind::Full &&
                    !((raggedQ && qb == numQ - 1) ||
                      (raggedKV && kb == numKV - 1));
        f(byKVBlock ? kb : qb, byKVBlock ? qb : kb, full);
      }
    }
  };
  std::vector<int64_t> fullCount(l.rows, 0), count(l.rows, 0);
  visitPairs([&](int64_t r, int64_t, bool full) {
    ++count[r];
    fullCount[r] += full;
  });
  l.data.assign(2 * l.rows + 1, 0);
  // Where the next full and partial block of each row go.
  std::vector<int64_t> nextFull(l.rows), nextPartial(l.rows);
  int64_t at = 2 * l.rows + 1;
  for (int64_t r = 0; r < l.rows; ++r) {
    l.data[r] = int32_t(at);
    l.data[l.fullCountIndex(r)] = int32_t(fullCount[r]);
    nextFull[r] = at;
    nextPartial[r] = at + fullCount[r];
    at += count[r];
  }
  l.data[l.rows] = int32_t(at);
  l.data.resize(at);
  visitPairs([&](int64_t r, int64_t o, bool full) {
    l.data[full ? nextFull[r]++ : nextPartial[r]++] = int32_t(o);
  });
  return l;
}

namespace {
/// A pattern and a tiling's blocks, the key of the cost models' caches.
using PatternKey = std::array<int64_t, 11>;

// The key holds every field of MaskPattern: a field added to it must be
// added to the key too, or two patterns that differ in it would share a
// cached count.
static_assert(sizeof(MaskPattern) == 8 * sizeof(int64_t),
              "MaskPattern changed: update patternKey");

PatternKey patternKey(const MaskPattern &p, int64_t bq, int64_t bkv) {
  return {p.seqLenQ,     p.seqLenKV,    int64_t(p.causal), int64_t(p.window),
          p.windowLeft,  p.windowRight, p.chunk,           p.global,
          p.butterfly,   bq,            bkv};
}

/// The last results for a few keys, per thread (a pass may run on several
/// threads): the cost models evaluate many candidates of each block shape.
template <typename T, typename F>
T cached(const MaskPattern &p, int64_t bq, int64_t bkv, F compute) {
  thread_local std::map<PatternKey, T> cache;
  PatternKey key = patternKey(p, bq, bkv);
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  if (cache.size() >= 64)
    cache.clear();
  return cache.emplace(key, compute()).first->second;
}
} // namespace

BlockCensus mlir::fa::cachedCensus(const MaskPattern &p, int64_t bq,
                                   int64_t bkv) {
  return cached<BlockCensus>(
      p, bq, bkv, [&] { return BlockClassifier(p, bq, bkv).census(); });
}

BlockListCounts mlir::fa::cachedKVListCounts(const MaskPattern &p, int64_t bq,
                                             int64_t bkv) {
  return cached<BlockListCounts>(p, bq, bkv, [&] {
    BlockLists lists =
        BlockClassifier(p, bq, bkv).lists(/*byKVBlock=*/true);
    BlockListCounts c;
    for (int64_t r = 0; r < lists.rows; ++r) {
      int64_t n = lists.end(r) - lists.begin(r);
      c.pairs += n;
      c.most = std::max(c.most, n);
      c.partial += n - lists.fullCount(r);
    }
    return c;
  });
}
