//===- BlockClassifier.cpp - Empty / full / partial blocks of a mask ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BlockClassifier.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/bit.h"
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
  if (!llvm::is_sorted(blocks))
    std::sort(blocks.begin(), blocks.end());
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
/// Disjoint closed intervals of positions, ascending.
using Intervals = llvm::SmallVector<std::pair<int64_t, int64_t>, 8>;

/// Sorts `v`, drops its empty intervals and merges those that overlap or
/// touch (a block across two touching intervals lies in their union).
void normalize(Intervals &v) {
  llvm::erase_if(v, [](const auto &x) { return x.first > x.second; });
  // Most lists are built in order (the counts run once per walked block,
  // for every candidate block shape: sorting them was most of the time).
  // (std::sort: llvm::sort calls qsort for these pairs.)
  if (!llvm::is_sorted(v))
    std::sort(v.begin(), v.end());
  size_t n = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    if (n > 0 && v[k].first <= v[n - 1].second + 1)
      v[n - 1].second = std::max(v[n - 1].second, v[k].second);
    else
      v[n++] = v[k];
  }
  v.resize(n);
}

/// The intersection of two normalized lists (normalized too).
Intervals intersect(const Intervals &a, const Intervals &b) {
  Intervals out;
  for (size_t x = 0, y = 0; x < a.size() && y < b.size();) {
    int64_t lo = std::max(a[x].first, b[y].first);
    int64_t hi = std::min(a[x].second, b[y].second);
    if (lo <= hi)
      out.push_back({lo, hi});
    (a[x].second < b[y].second ? x : y) += 1;
  }
  return out;
}

/// One side of the block grid: positions [lo, hi] in blocks of `block`
/// starting at lo (rows i' from Nk - Nq; keys from 0), the last one short.
struct Axis {
  int64_t lo, hi, block;
  int64_t numBlocks() const { return llvm::divideCeil(hi - lo + 1, block); }
};

/// What one block of the walked side has on the other side: its non-empty
/// blocks (as ascending ranges of block indices), how many, how many of
/// them are full, and the kind of the other side's last block.
struct Line {
  llvm::SmallVector<std::pair<int64_t, int64_t>, 8> ranges;
  int64_t computed = 0, full = 0;
  bool lastComputed = false, lastFull = false;
};

/// The mask seen from the walked side x against the other side y (x = i',
/// y = j walking q-blocks; x = j, y = i' walking kv-blocks): keep(x, y) is
/// y - x in [causalLo, causalHi] and (the local term or x < G or y < G),
/// the local term being the window y - x in [windowLo, windowHi], the
/// chunk, the butterfly or true. Chunks, butterflies and global tokens are
/// the same both ways; causal and the window's sides turn over.
class PatternCounter {
public:
  PatternCounter(const MaskPattern &p, bool byKVBlock, Axis other)
      : p(p), other(other) {
    int64_t causal = p.causal ? 0 : kUnbounded;
    causalLo = byKVBlock ? -causal : -kUnbounded;
    causalHi = byKVBlock ? kUnbounded : causal;
    windowLo = byKVBlock ? -p.windowRight : -p.windowLeft;
    windowHi = byKVBlock ? p.windowLeft : p.windowRight;
  }

  /// The other side's blocks for the walked positions [x0, x1].
  void count(int64_t x0, int64_t x1, Line &line) {
    meets.clear();
    // keep(x) = causal(x) and (local(x) or global keys) for x >= G, and
    // causal(x) alone for the global positions x < G: some position keeps
    // the union of these, every position their intersection, which is the
    // causal band's intersection and (the global keys or what the local
    // term keeps of every x >= G).
    every.assign(1, {x1 + causalLo, x0 + causalHi});
    bool local = p.window || p.chunk > 0 || p.butterfly > 0;
    int64_t n0 = p.global > 0 ? std::max(x0, p.global) : x0;
    if (n0 > x0 || !local)
      meets.push_back(
          {x0 + causalLo, (local ? std::min(n0 - 1, x1) : x1) + causalHi});
    if (local && n0 <= x1) {
      Intervals keptByAll;
      if (p.global > 0) {
        meets.push_back({n0 + causalLo, std::min(p.global - 1, x1 + causalHi)});
        keptByAll.push_back({-kUnbounded, p.global - 1});
      }
      addLocal(n0, x1, keptByAll);
      normalize(keptByAll);
      every = intersect(every, keptByAll);
    }
    normalize(meets);
    countBlocks(line);
  }

private:
  /// Adds to `meets` what the local term and causal keep of some position
  /// of [x0, x1] (none global), and to `keptByAll` what the local term
  /// keeps of every one.
  void addLocal(int64_t x0, int64_t x1, Intervals &keptByAll) {
    if (p.window) {
      meets.push_back({x0 + std::max(causalLo, windowLo),
                       x1 + std::min(causalHi, windowHi)});
      keptByAll.push_back({x1 + windowLo, x0 + windowHi});
      return;
    }
    // Cells: each position keeps its own cell and (a butterfly) the cells
    // one bit away. Causal keeps a cell below (above) x whole and none
    // above (below), and of the own cells the part on its side of x; so
    // some position keeps the own cells [a0, a1] (cut by causal at the
    // ends) and the partner cells outside them, on the sides causal keeps.
    int64_t n = p.chunk > 0 ? p.chunk : p.butterfly;
    int64_t a0 = floorDiv(x0, n), a1 = floorDiv(x1, n);
    int64_t lastCell = floorDiv(other.hi, n);
    // The partner cells below the own cells come in descending order of
    // bits, those above in ascending: listed below, own, above, `meets`
    // is in order (without global tokens) and needs no sort.
    Intervals below, above;
    auto addCells = [&](Intervals &to, int64_t b0, int64_t b1) {
      b0 = std::max<int64_t>(b0, 0);
      b1 = std::min(b1, lastCell);
      if (b0 <= b1)
        to.push_back({b0 * n, b1 * n + (n - 1)});
    };
    if (p.butterfly > 0 && a1 >= 0) {
      int64_t c0 = std::max<int64_t>(a0, 0);
      for (int bit = 0; bit < 62; ++bit) {
        int64_t step = int64_t(1) << bit;
        if (causalLo == -kUnbounded) {
          // Cells b < c0 with bit clear and b + step in [c0, a1]: the
          // span [c0 - step, min(c0 - 1, a1 - step)] is at most step
          // wide, so its part with the bit clear is one run.
          int64_t s = c0 - step, e = std::min(c0 - 1, a1 - step);
          if (s & step)
            s = (s | (step - 1)) + 1;
          else
            e = std::min(e, s | (step - 1));
          addCells(below, s, e);
        }
        if (causalHi == kUnbounded) {
          // Cells b > a1 with bit set and b - step in [c0, a1].
          int64_t s = std::max(a1 + 1, c0 + step), e = a1 + step;
          if (!(s & step))
            s = (s | (step - 1)) + 1;
          e = std::min(e, s | (step - 1));
          addCells(above, s, e);
        }
        if (step > lastCell && step > a1)
          break;
      }
    }
    meets.append(below.rbegin(), below.rend());
    if (a1 >= 0) {
      int64_t c0 = std::max<int64_t>(a0, 0);
      int64_t lo = std::max(c0 * n, x0 + causalLo);
      int64_t hi =
          std::min(std::min(a1, lastCell) * n + (n - 1), x1 + causalHi);
      if (c0 <= lastCell && lo <= hi)
        meets.push_back({lo, hi});
    }
    meets.append(above.begin(), above.end());
    // What every position keeps: the cells linked to every own cell.
    if (a0 < 0)
      return;
    Intervals all = linkedCells(a0);
    for (int64_t a = a0 + 1; a <= a1 && !all.empty(); ++a)
      all = intersect(all, linkedCells(a));
    keptByAll.append(all.begin(), all.end());
  }

  /// The positions of the cells linked to cell `a` (a chunk: itself).
  Intervals linkedCells(int64_t a) const {
    int64_t n = p.chunk > 0 ? p.chunk : p.butterfly;
    int64_t lastCell = floorDiv(other.hi, n);
    Intervals cells;
    auto link = [&](int64_t b) {
      if (b >= 0 && b <= lastCell)
        cells.push_back({b * n, b * n + (n - 1)});
    };
    // In ascending order: a with its set bits cleared, highest first, a,
    // then a with its clear bits set, lowest first.
    if (p.butterfly > 0)
      for (int bit = llvm::bit_width(uint64_t(a)) - 1; bit >= 0; --bit)
        if (a & (int64_t(1) << bit))
          link(a ^ (int64_t(1) << bit));
    link(a);
    if (p.butterfly > 0)
      for (int bit = 0; bit < 62 && (int64_t(1) << bit) <= lastCell; ++bit)
        if (!(a & (int64_t(1) << bit)))
          link(a ^ (int64_t(1) << bit));
    normalize(cells);
    return cells;
  }

  /// The other side's blocks that meet `meets` and lie inside `every`.
  void countBlocks(Line &line) const {
    line = Line();
    int64_t last = other.numBlocks() - 1;
    for (auto [a, b] : meets) {
      a = std::max(a, other.lo);
      b = std::min(b, other.hi);
      if (a > b)
        continue;
      int64_t k0 = (a - other.lo) / other.block;
      int64_t k1 = (b - other.lo) / other.block;
      if (!line.ranges.empty() && k0 <= line.ranges.back().second + 1) {
        line.ranges.back().second = std::max(line.ranges.back().second, k1);
        continue;
      }
      line.ranges.push_back({k0, k1});
    }
    for (auto [k0, k1] : line.ranges)
      line.computed += k1 - k0 + 1;
    line.lastComputed =
        !line.ranges.empty() && line.ranges.back().second == last;
    for (auto [a, b] : every) {
      a = std::max(a, other.lo);
      b = std::min(b, other.hi);
      if (a > b)
        continue;
      // Blocks from the first starting at or after a to the last ending
      // at or before b (the last block ends at hi).
      int64_t k0 = llvm::divideCeil(a - other.lo, other.block);
      int64_t k1 = b == other.hi ? last : (b - other.lo + 1) / other.block - 1;
      if (k0 > k1)
        continue;
      line.full += k1 - k0 + 1;
      line.lastFull |= k1 == last;
    }
  }

  const MaskPattern &p;
  Axis other;
  int64_t causalLo, causalHi, windowLo, windowHi;
  /// The band's positions some (every) position of the walked block keeps.
  Intervals meets, every;
};
} // namespace

PatternBlockCounts mlir::fa::countMaskPatternBlocks(const MaskPattern &p,
                                                    int64_t bq, int64_t bkv) {
  assert(bq > 0 && bkv > 0 && "blocks must be positive");
  int64_t shift = p.seqLenKV - p.seqLenQ;
  Axis rows{shift, p.seqLenQ - 1 + shift, bq}, keys{0, p.seqLenKV - 1, bkv};
  int64_t numQ = rows.numBlocks(), numKV = keys.numBlocks();
  bool raggedQ = p.seqLenQ % bq != 0, raggedKV = p.seqLenKV % bkv != 0;
  // Walk the shorter side: at the pattern bound it has at most 2^12 blocks
  // of 16 (docs/Reliability.md, "Time bounds").
  bool byKVBlock = numKV <= numQ;
  Axis walked = byKVBlock ? keys : rows, other = byKVBlock ? rows : keys;
  PatternCounter counter(p, byKVBlock, other);
  PatternBlockCounts c;
  c.census.total = numQ * numKV;
  // Walking q-blocks, the lists by kv-block are the columns: their
  // lengths are changes at the ranges' ends, summed in order. A change
  // per kv-block when the kv-blocks are not many more than the walked
  // q-blocks (then at most 2^15 of them: numQ * numKV <= 2^24), else
  // the changes themselves, sorted.
  int64_t lastWalked = walked.numBlocks() - 1;
  bool changePerBlock = !byKVBlock && numKV <= 64 * (lastWalked + 1);
  std::vector<int32_t> blockChanges(changePerBlock ? numKV + 1 : 0, 0);
  std::vector<std::pair<int64_t, int64_t>> columnChanges;
  Line line;
  for (int64_t w = 0; w <= lastWalked; ++w) {
    int64_t x0 = walked.lo + w * walked.block;
    int64_t x1 = std::min(x0 + walked.block - 1, walked.hi);
    counter.count(x0, x1, line);
    c.census.full += line.full;
    c.census.partial += line.computed - line.full;
    // The lists count a full block of the ragged last q-block or kv-block
    // as partial (BlockClassifier::lists).
    bool raggedWalked = byKVBlock ? raggedKV : raggedQ;
    bool raggedOther = byKVBlock ? raggedQ : raggedKV;
    int64_t listFull = raggedWalked && w == lastWalked
                           ? 0
                           : line.full - int64_t(raggedOther && line.lastFull);
    c.kvLists.partial += line.computed - listFull;
    if (byKVBlock) {
      c.census.kvRows += line.computed * (x1 - x0 + 1);
      c.kvLists.most = std::max(c.kvLists.most, line.computed);
      continue;
    }
    c.census.kvRows += line.computed * bkv;
    if (line.lastComputed)
      c.census.kvRows -= numKV * bkv - p.seqLenKV;
    for (auto [k0, k1] : line.ranges) {
      if (changePerBlock) {
        ++blockChanges[k0];
        --blockChanges[k1 + 1];
        continue;
      }
      columnChanges.push_back({k0, 1});
      columnChanges.push_back({k1 + 1, -1});
    }
  }
  std::sort(columnChanges.begin(), columnChanges.end());
  int64_t length = 0;
  for (auto [k, change] : columnChanges) {
    length += change;
    c.kvLists.most = std::max(c.kvLists.most, length);
  }
  for (int32_t change : blockChanges) {
    length += change;
    c.kvLists.most = std::max(c.kvLists.most, length);
  }
  c.kvLists.pairs = c.census.computed();
  return c;
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

/// The last results for up to 1024 keys, per thread (a pass may run on
/// several threads): the cost models evaluate many candidates of each
/// block shape, the SIMT backward's up to 512 shapes, and a pipeline
/// selects for several kernels of one problem (about 100 bytes a key).
template <typename T, typename F>
T cached(const MaskPattern &p, int64_t bq, int64_t bkv, F compute) {
  thread_local std::map<PatternKey, T> cache;
  PatternKey key = patternKey(p, bq, bkv);
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  if (cache.size() >= 1024)
    cache.clear();
  return cache.emplace(key, compute()).first->second;
}
} // namespace

BlockCensus mlir::fa::cachedCensus(const MaskPattern &p, int64_t bq,
                                   int64_t bkv) {
  return cached<PatternBlockCounts>(
             p, bq, bkv, [&] { return countMaskPatternBlocks(p, bq, bkv); })
      .census;
}

BlockListCounts mlir::fa::cachedKVListCounts(const MaskPattern &p, int64_t bq,
                                             int64_t bkv) {
  return cached<PatternBlockCounts>(
             p, bq, bkv, [&] { return countMaskPatternBlocks(p, bq, bkv); })
      .kvLists;
}
