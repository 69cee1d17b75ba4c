//===- BlockClassifier.h - Empty / full / partial blocks of a mask -*- C++
//-*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The one routine that decides, for a structured mask and a tiling, which
// (query block, key block) pairs attention computes and which of them need
// element masks. The tiled form, the cost model and `explain` read its
// answer (docs/BlockSparse.md, "Structured masks"). Plain C++ (llvm/ADT).
//
// The mask is keep(i', j) = causal(i', j) and (local(i', j) or global(i',
// j)), with i' = i + Nk - Nq the query row's bottom-right aligned position:
//  - causal: j <= i' (true without causal);
//  - local: the window i' - L <= j <= i' + R, or the chunk (same chunk of
//    C positions), or the block butterfly (floor(i'/B) xor floor(j/B) is 0
//    or a power of two), or true without any;
//  - global: j < G or i' < G (false without global tokens).
// A block is a rectangle of positions; each term is a band of j - i' or a
// union of rectangles (chunk and butterfly cells, global rows and columns),
// so emptiness and fullness are exact interval tests, never a scan of the
// block's elements.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_BLOCKCLASSIFIER_H
#define FLASHATTN_ANALYSIS_BLOCKCLASSIFIER_H

#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace fa {

/// A structured mask, the fields of `causal`, `#fa.window` and
/// `#fa.mask_pattern` together.
struct MaskPattern {
  int64_t seqLenQ = 1;
  int64_t seqLenKV = 1;
  bool causal = false;
  /// A sliding window's extents (#fa.window), when `window`.
  bool window = false;
  int64_t windowLeft = 0, windowRight = 0;
  /// #fa.mask_pattern's fields, 0 when absent.
  int64_t chunk = 0, global = 0, butterfly = 0;

  /// Whether query row `i` sees key `j` (the element mask).
  bool keeps(int64_t i, int64_t j) const;
  /// Whether any part of the mask is set.
  bool isMasked() const {
    return causal || window || chunk > 0 || global > 0 || butterfly > 0;
  }
  /// Whether the tensor-core kernels walk its blocks through BlockLists:
  /// global tokens and the butterfly (not one range of kv-blocks per
  /// q-block); causal, windows and chunks they bound in closed form.
  bool needsBlockLists() const { return global > 0 || butterfly > 0; }
  /// `causal, window (L, R), chunk C, global G, butterfly B` (set parts).
  std::string str() const;
};

/// How a (query block, key block) pair is computed.
enum class BlockKind : uint8_t {
  /// Every pair of the block is masked: skipped, its K/V never loaded.
  Empty = 0,
  /// No pair is masked: computed without mask arithmetic.
  Full = 1,
  /// Some pairs are masked: computed with the element mask.
  Partial = 2,
};

/// The blocks of a tiling, counted.
struct BlockCensus {
  int64_t total = 0, full = 0, partial = 0;
  /// K/V rows the computed blocks load (the last block's may be short).
  int64_t kvRows = 0;
  int64_t computed() const { return full + partial; }
  double density() const { return total ? double(computed()) / total : 1.0; }
};

/// The kinds of every pair of a tiling, stored once as data: the tiled
/// form embeds it as constants, the cost model counts it.
struct BlockTable {
  int64_t numQBlocks = 0, numKVBlocks = 0;
  /// Row-major [numQBlocks x numKVBlocks] BlockKind values.
  std::vector<uint8_t> kinds;
  /// Per q-block, the first and one past the last non-empty kv-block
  /// (begin == end when it has none); per kv-block, the same of q-blocks.
  std::vector<int32_t> kvBegin, kvEnd, qBegin, qEnd;

  BlockKind at(int64_t qb, int64_t kb) const {
    return static_cast<BlockKind>(kinds[qb * numKVBlocks + kb]);
  }
};

/// The non-empty blocks of each q-block (or, by kv-block, of each
/// kv-block) in the order the tensor-core kernels walk them: the full
/// blocks first, then the partial ones, each part ascending, so that the
/// steps without mask arithmetic are a prefix (one loop, no branch). A
/// block with rows past Nq or keys past Nk is partial here (the kernels'
/// bounds tests are their masked steps'). One i32 array, the constant the
/// kernels read (docs/BlockSparse.md, "The kernels' block lists"):
///   data[r] .. data[r + 1]: where row r's list lies in `data` (absolute
///     offsets, r < rows; data[rows] is the end of the last list);
///   data[rows + 1 + r]: how many of row r's blocks are full;
///   then the lists.
struct BlockLists {
  int64_t rows = 0;
  std::vector<int32_t> data;

  int64_t begin(int64_t r) const { return data[r]; }
  int64_t end(int64_t r) const { return data[r + 1]; }
  int64_t fullCount(int64_t r) const { return data[rows + 1 + r]; }
  /// Index in `data` of row r's full-count entry.
  int64_t fullCountIndex(int64_t r) const { return rows + 1 + r; }
};

/// Classifies the (query block, key block) pairs of `pattern` for blocks of
/// `blockQ` x `blockKV` (the tiling's).
class BlockClassifier {
public:
  BlockClassifier(const MaskPattern &pattern, int64_t blockQ, int64_t blockKV);

  int64_t numQBlocks() const { return numQ; }
  int64_t numKVBlocks() const { return numKV; }

  /// The kind of pair (qb, kb); the rows and keys past the ends of the
  /// sequences do not count (their bounds masks are the kernels' own).
  BlockKind classify(int64_t qb, int64_t kb) const;
  /// The non-empty kv-blocks of q-block `qb`, ascending, with their kinds.
  /// Visits only candidates (the local pattern's and the global blocks), so
  /// the work is about the number of computed blocks, not numKVBlocks.
  void
  visitRow(int64_t qb,
           llvm::SmallVectorImpl<std::pair<int64_t, BlockKind>> &out) const;
  /// Every block counted (visitRow over the q-blocks).
  BlockCensus census() const;
  /// The full table (numQBlocks x numKVBlocks bytes).
  BlockTable table() const;
  /// The kernels' lists: the kv-blocks of each q-block (the forward's), or
  /// with `byKVBlock` the q-blocks of each kv-block (the K/V-stationary
  /// backward's).
  BlockLists lists(bool byKVBlock) const;

private:
  /// A rectangle of positions: rows i' in [r0, r1], keys j in [c0, c1].
  struct Rect {
    int64_t r0, r1, c0, c1;
    bool empty() const { return r0 > r1 || c0 > c1; }
  };
  Rect blockRect(int64_t qb, int64_t kb) const;
  /// Whether `r` holds a pair with lo <= j - i' <= hi.
  static bool meetsBand(const Rect &r, int64_t lo, int64_t hi);
  /// Whether every pair of `r` has lo <= j - i' <= hi.
  static bool insideBand(const Rect &r, int64_t lo, int64_t hi);
  /// Whether `r` (non-empty) lies in the local pattern.
  bool insideLocal(const Rect &r) const;
  /// Whether `r` holds a pair of the local pattern that causal keeps.
  bool meetsLocal(const Rect &r) const;
  /// The bounds of j - i' that causal keeps.
  int64_t causalHi() const;

  MaskPattern p;
  int64_t bq, bkv, numQ, numKV, shift;
};

/// What the backward's cost model counts of the lists by kv-block: the
/// pairs, the longest list, and the pairs that need a mask.
struct BlockListCounts {
  int64_t pairs = 0, most = 0, partial = 0;
};

/// What the cost models count of a pattern's blocks for one tiling: the
/// census and the counts of the lists by kv-block.
struct PatternBlockCounts {
  BlockCensus census;
  BlockListCounts kvLists;
};

/// BlockClassifier(p, bq, bkv).census() and the counts of its lists by
/// kv-block, without visiting the blocks (D90): the blocks of the shorter
/// side of the grid (q-blocks or kv-blocks) are walked; for each, the
/// positions of the other side that some and that every one of its rows
/// (or keys) keeps are a few intervals (the causal band, the global keys,
/// the window, the own cells and, for a butterfly, one run of partner
/// cells per bit), so the other side's blocks that meet the first
/// (computed) and lie inside the second (full) are counted by division.
/// The work is the shorter side's blocks, each O(1), or O(62) with a
/// butterfly; not the blocks computed.
PatternBlockCounts countMaskPatternBlocks(const MaskPattern &p, int64_t bq,
                                          int64_t bkv);

/// countMaskPatternBlocks(p, bq, bkv).census, remembered per thread for the
/// last few patterns and block shapes: the cost models ask again for every
/// candidate tiling with the same blocks (D81).
BlockCensus cachedCensus(const MaskPattern &p, int64_t bq, int64_t bkv);
/// countMaskPatternBlocks(p, bq, bkv).kvLists (the counts of
/// BlockClassifier(p, bq, bkv).lists(byKVBlock=true)), cached the same way.
BlockListCounts cachedKVListCounts(const MaskPattern &p, int64_t bq,
                                   int64_t bkv);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_BLOCKCLASSIFIER_H
