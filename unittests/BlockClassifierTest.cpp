//===- BlockClassifierTest.cpp - Empty / full / partial blocks ------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The classification against brute force over the elements of every block
// (MaskPattern::keeps, itself checked on hand-worked pairs), the counts on
// shapes worked out by hand, and the table's ranges.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BlockClassifier.h"

#include "FlashAttn/Analysis/AttentionProblem.h"
#include "FlashAttn/Analysis/CostModel.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace mlir::fa;

namespace {

/// The kind of pair (qb, kb) from its elements.
BlockKind bruteForce(const MaskPattern &p, int64_t bq, int64_t bkv, int64_t qb,
                     int64_t kb) {
  int64_t kept = 0, all = 0;
  for (int64_t i = qb * bq; i < std::min((qb + 1) * bq, p.seqLenQ); ++i)
    for (int64_t j = kb * bkv; j < std::min((kb + 1) * bkv, p.seqLenKV); ++j) {
      ++all;
      kept += p.keeps(i, j);
    }
  if (kept == 0)
    return BlockKind::Empty;
  return kept == all ? BlockKind::Full : BlockKind::Partial;
}

/// Every pair of the tiling classified as brute force does, and visitRow
/// and the table agree with classify.
void expectExact(const MaskPattern &p, int64_t bq, int64_t bkv) {
  BlockClassifier c(p, bq, bkv);
  BlockTable t = c.table();
  BlockCensus census = c.census();
  int64_t full = 0, partial = 0;
  for (int64_t qb = 0; qb < c.numQBlocks(); ++qb) {
    int64_t first = -1, last = -1;
    for (int64_t kb = 0; kb < c.numKVBlocks(); ++kb) {
      BlockKind want = bruteForce(p, bq, bkv, qb, kb);
      ASSERT_EQ(c.classify(qb, kb), want)
          << p.str() << " Nq " << p.seqLenQ << " Nk " << p.seqLenKV << " " << bq
          << "x" << bkv << " block (" << qb << ", " << kb << ")";
      ASSERT_EQ(t.at(qb, kb), want);
      full += want == BlockKind::Full;
      partial += want == BlockKind::Partial;
      if (want != BlockKind::Empty) {
        first = first < 0 ? kb : first;
        last = kb;
      }
    }
    if (first >= 0) {
      EXPECT_EQ(t.kvBegin[qb], first);
      EXPECT_EQ(t.kvEnd[qb], last + 1);
    } else {
      EXPECT_EQ(t.kvBegin[qb], t.kvEnd[qb]);
    }
  }
  EXPECT_EQ(census.full, full) << p.str();
  EXPECT_EQ(census.partial, partial) << p.str();
}

TEST(BlockClassifierTest, ElementMaskByHand) {
  MaskPattern chunk{/*seqLenQ=*/8, /*seqLenKV=*/8};
  chunk.chunk = 4;
  EXPECT_TRUE(chunk.keeps(5, 4));
  EXPECT_TRUE(chunk.keeps(5, 7));
  EXPECT_FALSE(chunk.keeps(5, 3));
  chunk.causal = true;
  EXPECT_FALSE(chunk.keeps(5, 7));
  // Bottom-right: with Nq = 2, Nk = 8 row 0 is at position 6.
  MaskPattern decode{2, 8};
  decode.chunk = 4;
  EXPECT_TRUE(decode.keeps(0, 4));
  EXPECT_FALSE(decode.keeps(0, 3));
  // Butterfly cells of 2: cell 0 sees 0, 1, 2, 4; cell 3 sees 1, 2, 3, 7.
  MaskPattern fly{16, 16};
  fly.butterfly = 2;
  for (int64_t cell : {0, 1, 2, 4})
    EXPECT_TRUE(fly.keeps(0, 2 * cell)) << cell;
  EXPECT_FALSE(fly.keeps(0, 2 * 3));
  EXPECT_FALSE(fly.keeps(7, 2 * 0));
  EXPECT_TRUE(fly.keeps(7, 2 * 7));
  // Global tokens: a window of 1 plus 2 global tokens, causal.
  MaskPattern sink{8, 8};
  sink.causal = true;
  sink.window = true;
  sink.windowLeft = 1;
  sink.global = 2;
  EXPECT_TRUE(sink.keeps(7, 0));
  EXPECT_TRUE(sink.keeps(7, 6));
  EXPECT_FALSE(sink.keeps(7, 5));
  EXPECT_FALSE(sink.keeps(1, 2)); // causal still applies to global rows
  sink.causal = false;
  sink.windowRight = 0;
  EXPECT_TRUE(sink.keeps(1, 7)); // a global row sees every key
}

TEST(BlockClassifierTest, ChunkCountsByHand) {
  // N = 256, chunk 64, blocks 32: each q-block sees the 2 blocks of its
  // chunk, all full; causal: the diagonal block partial, one full or none.
  MaskPattern p{256, 256};
  p.chunk = 64;
  BlockCensus c = BlockClassifier(p, 32, 32).census();
  EXPECT_EQ(c.total, 64);
  EXPECT_EQ(c.full, 16);
  EXPECT_EQ(c.partial, 0);
  EXPECT_EQ(c.kvRows, 16 * 32);
  p.causal = true;
  c = BlockClassifier(p, 32, 32).census();
  EXPECT_EQ(c.full, 4);
  EXPECT_EQ(c.partial, 8);
  // Blocks of 128 across chunks of 64: every block is partial (two chunks).
  p.causal = false;
  c = BlockClassifier(p, 128, 128).census();
  EXPECT_EQ(c.full, 0);
  EXPECT_EQ(c.partial, 2);
}

TEST(BlockClassifierTest, GlobalRowsSeeEveryBlock) {
  // N = 512, blocks 64, window (64, 64), 64 global tokens: q-block 0 sees
  // all 8 blocks (full), every other q-block block 0 (full) and its window.
  MaskPattern p{512, 512};
  p.window = true;
  p.windowLeft = 64;
  p.windowRight = 64;
  p.global = 64;
  BlockClassifier c(p, 64, 64);
  llvm::SmallVector<std::pair<int64_t, BlockKind>> row;
  c.visitRow(0, row);
  ASSERT_EQ(row.size(), 8u);
  for (auto [kb, kind] : row)
    EXPECT_EQ(kind, BlockKind::Full) << kb;
  c.visitRow(4, row);
  // Block 0 (global keys) full, 3 and 5 partial (window edges), 4 full.
  ASSERT_EQ(row.size(), 4u);
  EXPECT_EQ(row[0], std::make_pair(int64_t(0), BlockKind::Full));
  EXPECT_EQ(row[1], std::make_pair(int64_t(3), BlockKind::Partial));
  EXPECT_EQ(row[2], std::make_pair(int64_t(4), BlockKind::Full));
  EXPECT_EQ(row[3], std::make_pair(int64_t(5), BlockKind::Partial));
}

TEST(BlockClassifierTest, ButterflyAlignedBlocksAreNeverPartial) {
  // Blocks that divide the butterfly's cells lie in one cell each.
  MaskPattern p{1024, 1024};
  p.butterfly = 128;
  BlockCensus c = BlockClassifier(p, 64, 128).census();
  EXPECT_EQ(c.partial, 0);
  // 8 cells: each sees itself and 3 others (cells 0..7, 3 bits).
  EXPECT_EQ(c.full, 16 * 4);
}

/// A random pattern and tiling of the small shapes the brute-force tests
/// count.
struct RandomCase {
  MaskPattern p;
  int64_t bq, bkv;
};
RandomCase randomCase(std::mt19937 &rng) {
  auto pick = [&](std::initializer_list<int64_t> values) {
    std::vector<int64_t> v(values);
    return v[rng() % v.size()];
  };
  MaskPattern p;
  p.seqLenQ = pick({1, 7, 64, 100, 129, 200});
  p.seqLenKV = pick({1, 9, 64, 130, 200, 257});
  p.causal = rng() % 2;
  int local = rng() % 4;
  if (local == 1) {
    p.window = true;
    p.windowLeft = pick({0, 3, 17, 64, 300});
    p.windowRight = p.causal ? 0 : pick({0, 5, 40});
  } else if (local == 2) {
    p.chunk = pick({1, 16, 24, 64, 100});
  } else if (local == 3) {
    p.butterfly = pick({1, 8, 16, 48});
  }
  if (local != 0 && rng() % 2)
    p.global = pick({1, 16, 33});
  int64_t bq = pick({16, 32, 64}), bkv = pick({16, 48, 64});
  return {p, bq, bkv};
}

TEST(BlockClassifierTest, MatchesBruteForce) {
  std::mt19937 rng(24);
  for (int iter = 0; iter < 300; ++iter) {
    RandomCase c = randomCase(rng);
    expectExact(c.p, c.bq, c.bkv);
    if (HasFatalFailure())
      return;
  }
}

/// Checks `l` against the table and the pattern's elements: each row's
/// list holds exactly its non-empty blocks, full ones (every element of the
/// block in range and kept) first and counted, each part ascending.
void expectLists(const MaskPattern &p, int64_t bq, int64_t bkv,
                 bool byKVBlock) {
  BlockClassifier c(p, bq, bkv);
  BlockLists l = c.lists(byKVBlock);
  int64_t rows = byKVBlock ? c.numKVBlocks() : c.numQBlocks();
  int64_t others = byKVBlock ? c.numQBlocks() : c.numKVBlocks();
  ASSERT_EQ(l.rows, rows);
  ASSERT_EQ(l.begin(0), 2 * rows + 1);
  ASSERT_EQ(l.end(rows - 1), int64_t(l.data.size()));
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> full, partial;
    for (int64_t o = 0; o < others; ++o) {
      int64_t qb = byKVBlock ? o : r, kb = byKVBlock ? r : o;
      BlockKind kind = bruteForce(p, bq, bkv, qb, kb);
      bool inRange = (qb + 1) * bq <= p.seqLenQ && (kb + 1) * bkv <= p.seqLenKV;
      if (kind == BlockKind::Full && inRange)
        full.push_back(o);
      else if (kind != BlockKind::Empty)
        partial.push_back(o);
    }
    std::vector<int64_t> want(full);
    want.insert(want.end(), partial.begin(), partial.end());
    std::vector<int64_t> got(l.data.begin() + l.begin(r),
                             l.data.begin() + l.end(r));
    EXPECT_EQ(got, want) << p.str() << " row " << r;
    EXPECT_EQ(l.fullCount(r), int64_t(full.size())) << p.str() << " row " << r;
  }
}

TEST(BlockClassifierTest, ListsByHand) {
  // N = 256, blocks of 64, a butterfly of 64 (cell 0 links 1, 2; 1 links
  // 0, 3; 2 links 0, 3; 3 links 1, 2) with 16 global tokens. q-block 0:
  // its cell's blocks 0..2 full, block 3 partial (only the global rows
  // 0..15 see it); q-blocks 1, 2: their cells, full; q-block 3: its cells
  // 1..3 full, then block 0 partial (only the global keys 0..15).
  MaskPattern p{256, 256};
  p.butterfly = 64;
  p.global = 16;
  BlockLists l = BlockClassifier(p, 64, 64).lists(/*byKVBlock=*/false);
  std::vector<int32_t> want = {9, 13, 16, 19, 23, // where the lists lie
                               3, 3,  3,  3,      // full counts
                               0, 1,  2,  3,      // q-block 0
                               0, 1,  3,          // q-block 1
                               0, 2,  3,          // q-block 2
                               1, 2,  3,  0};     // q-block 3
  EXPECT_EQ(l.data, want);
  // By kv-block: kv-block 0 is seen in full by q-blocks 0..2, partially
  // by q-block 3.
  BlockLists t = BlockClassifier(p, 64, 64).lists(/*byKVBlock=*/true);
  std::vector<int32_t> column0(t.data.begin() + t.begin(0),
                               t.data.begin() + t.end(0));
  EXPECT_EQ(column0, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(t.fullCount(0), 3);
}

TEST(BlockClassifierTest, ListsMatchBruteForce) {
  std::mt19937 rng(60);
  for (int iter = 0; iter < 200; ++iter) {
    RandomCase c = randomCase(rng);
    expectLists(c.p, c.bq, c.bkv, /*byKVBlock=*/false);
    expectLists(c.p, c.bq, c.bkv, /*byKVBlock=*/true);
    if (HasFatalFailure() || HasFailure())
      return;
  }
}

TEST(BlockClassifierTest, CachedCountsMatchTheClassifier) {
  // The cost models' per-block-shape caches (D81) give what the
  // classifier computes, asked in any order and again.
  std::mt19937 rng(81);
  std::vector<RandomCase> cases;
  for (int iter = 0; iter < 100; ++iter)
    cases.push_back(randomCase(rng));
  for (int round = 0; round < 2; ++round)
    for (const RandomCase &c : cases) {
      BlockClassifier classifier(c.p, c.bq, c.bkv);
      BlockCensus want = classifier.census();
      BlockCensus got = cachedCensus(c.p, c.bq, c.bkv);
      EXPECT_EQ(got.total, want.total) << c.p.str();
      EXPECT_EQ(got.full, want.full) << c.p.str();
      EXPECT_EQ(got.partial, want.partial) << c.p.str();
      EXPECT_EQ(got.kvRows, want.kvRows) << c.p.str();
      BlockLists lists = classifier.lists(/*byKVBlock=*/true);
      BlockListCounts counts = cachedKVListCounts(c.p, c.bq, c.bkv);
      int64_t pairs = 0, most = 0, partial = 0;
      for (int64_t r = 0; r < lists.rows; ++r) {
        pairs += lists.end(r) - lists.begin(r);
        most = std::max(most, lists.end(r) - lists.begin(r));
        partial += lists.end(r) - lists.begin(r) - lists.fullCount(r);
      }
      EXPECT_EQ(counts.pairs, pairs) << c.p.str();
      EXPECT_EQ(counts.most, most) << c.p.str();
      EXPECT_EQ(counts.partial, partial) << c.p.str();
    }
}

/// The counts of the classifier's own walk (census, then the lists by
/// kv-block), the brute force that countMaskPatternBlocks replaces (D90).
PatternBlockCounts classifierCounts(const MaskPattern &p, int64_t bq,
                                    int64_t bkv) {
  BlockClassifier classifier(p, bq, bkv);
  PatternBlockCounts c;
  c.census = classifier.census();
  BlockLists lists = classifier.lists(/*byKVBlock=*/true);
  for (int64_t r = 0; r < lists.rows; ++r) {
    int64_t n = lists.end(r) - lists.begin(r);
    c.kvLists.pairs += n;
    c.kvLists.most = std::max(c.kvLists.most, n);
    c.kvLists.partial += n - lists.fullCount(r);
  }
  return c;
}

void expectSameCounts(const MaskPattern &p, int64_t bq, int64_t bkv) {
  PatternBlockCounts want = classifierCounts(p, bq, bkv);
  PatternBlockCounts got = countMaskPatternBlocks(p, bq, bkv);
  std::string what = p.str() + " Nq " + std::to_string(p.seqLenQ) + " Nk " +
                     std::to_string(p.seqLenKV) + " blocks " +
                     std::to_string(bq) + "x" + std::to_string(bkv);
  EXPECT_EQ(got.census.total, want.census.total) << what;
  EXPECT_EQ(got.census.full, want.census.full) << what;
  EXPECT_EQ(got.census.partial, want.census.partial) << what;
  EXPECT_EQ(got.census.kvRows, want.census.kvRows) << what;
  EXPECT_EQ(got.kvLists.pairs, want.kvLists.pairs) << what;
  EXPECT_EQ(got.kvLists.most, want.kvLists.most) << what;
  EXPECT_EQ(got.kvLists.partial, want.kvLists.partial) << what;
}

/// A random pattern over a wider range than randomCase: any block sizes
/// (1 and odd ones too), sequences from 1 to a few thousand either way
/// round (a shorter side of one block, so both walks are taken), windows,
/// chunks, butterflies and global tokens from 1 to past the sequences.
RandomCase wideRandomCase(std::mt19937 &rng) {
  auto pick = [&](std::initializer_list<int64_t> values) {
    std::vector<int64_t> v(values);
    return v[rng() % v.size()];
  };
  auto upTo = [&](int64_t n) { return int64_t(rng() % n) + 1; };
  MaskPattern p;
  p.seqLenQ = rng() % 3 == 0 ? pick({1, 16, 17, 2048, 4000}) : upTo(700);
  p.seqLenKV = rng() % 3 == 0 ? pick({1, 16, 15, 2048, 4001}) : upTo(700);
  p.causal = rng() % 2;
  int local = rng() % 4;
  if (local == 1) {
    p.window = true;
    p.windowLeft = rng() % 2 ? upTo(100) - 1 : pick({0, 1000, 1 << 30});
    p.windowRight = rng() % 2 ? upTo(100) - 1 : pick({0, 1000, 1 << 30});
  } else if (local == 2) {
    p.chunk = rng() % 2 ? upTo(200) : pick({1, 2, 1000, int64_t(1) << 40});
  } else if (local == 3) {
    p.butterfly = rng() % 2 ? upTo(100) : pick({1, 2, 3, 1024, 1 << 30});
  }
  if (rng() % 2)
    p.global = rng() % 2 ? upTo(100) : pick({1, 1000, 5000});
  int64_t bq = rng() % 2 ? pick({1, 16, 32, 64, 128, 256}) : upTo(160);
  int64_t bkv = rng() % 2 ? pick({1, 16, 32, 64, 128, 256}) : upTo(160);
  return {p, bq, bkv};
}

TEST(BlockClassifierTest, FastCountsMatchTheClassifier) {
  // countMaskPatternBlocks against the classifier's walk over every computed
  // block, on the small shapes of the other tests and on wider ones.
  std::mt19937 rng(90);
  for (int iter = 0; iter < 400; ++iter) {
    RandomCase c = randomCase(rng);
    expectSameCounts(c.p, c.bq, c.bkv);
    if (HasFailure())
      return;
  }
  for (int iter = 0; iter < 5000; ++iter) {
    RandomCase c = wideRandomCase(rng);
    expectSameCounts(c.p, c.bq, c.bkv);
    if (HasFailure())
      return;
  }
}

TEST(BlockClassifierTest, FastCountsMatchTheClassifierAtTheExtremes) {
  // Skewed grids at the pattern bound's shape (one side 16 keys or rows,
  // the other 2^16 blocks of 16), patterns keeping every block, none, or
  // one diagonal, and cells of 1.
  struct Shape {
    int64_t nq, nk;
  };
  for (Shape s : {Shape{1 << 20, 16}, Shape{16, 1 << 20}, Shape{1 << 16, 17},
                  Shape{15, 1 << 16}, Shape{4096, 4096}}) {
    for (int variant = 0; variant < 8; ++variant) {
      MaskPattern p{s.nq, s.nk};
      p.causal = variant % 2;
      switch (variant / 2) {
      case 0:
        p.chunk = 16;
        p.global = 16;
        break;
      case 1:
        p.butterfly = 1;
        p.global = 3;
        break;
      case 2:
        p.chunk = int64_t(1) << 40;
        break;
      case 3:
        p.window = true;
        p.windowLeft = 5;
        p.windowRight = 2;
        p.global = 1;
        break;
      }
      for (auto [bq, bkv] : {std::pair<int64_t, int64_t>{16, 16},
                             {128, 64},
                             {64, 256},
                             {100, 48}})
        expectSameCounts(p, bq, bkv);
      if (HasFailure())
        return;
    }
  }
}

TEST(BlockClassifierTest, CountsAtThePatternBoundAreFast) {
  // The pattern bound's extremes (2^24 blocks of 16 x 16: square, and
  // skewed either way) with the heaviest patterns, for every block shape
  // of 16 to 256: what the selections count, D90's work bound. The walk
  // over every computed block took minutes here (session 10's skewed
  // attack: 74 to 283 s of selection).
  struct Shape {
    int64_t nq, nk;
  };
  auto start = std::chrono::steady_clock::now();
  for (Shape s : {Shape{65536, 65536}, Shape{int64_t(1) << 28, 16},
                  Shape{16, int64_t(1) << 28}}) {
    for (int variant = 0; variant < 4; ++variant) {
      MaskPattern p{s.nq, s.nk};
      if (variant == 0) {
        // Every position global: every block computed, full (a chunk of
        // the whole sequence is that only when Nq <= Nk: rows are aligned
        // at the bottom right, so rows before the first key see none).
        p.chunk = 16;
        p.global = std::max(s.nq, s.nk);
      } else if (variant == 1) {
        p.chunk = 16;
        p.global = 16;
      } else {
        p.butterfly = 1;
        p.global = 3;
        p.causal = variant == 3;
      }
      for (int64_t bq = 16; bq <= 256; bq *= 2)
        for (int64_t bkv = 16; bkv <= 256; bkv *= 2) {
          PatternBlockCounts c = countMaskPatternBlocks(p, bq, bkv);
          EXPECT_LE(c.census.computed(), c.census.total) << p.str();
          if (variant == 0) {
            EXPECT_EQ(c.census.full, c.census.total) << p.str();
            EXPECT_EQ(c.census.kvRows, s.nk * ((s.nq + bq - 1) / bq))
                << p.str();
          }
        }
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // About 0.1 s in the Release build on the 2-core machine; the limit leaves
  // room for the sanitizer build.
  EXPECT_LT(seconds, 30.0);
}

/// A dense problem: `batch` x `heads` heads (no GQA) of N = `n`, d = `d`.
AttentionProblem denseProblem(int64_t batch, int64_t heads, int64_t n,
                              int64_t d) {
  AttentionProblem p;
  p.batch = batch;
  p.numQueryHeads = p.numKVHeads = heads;
  p.seqLenQ = p.seqLenKV = n;
  p.headDim = p.valueHeadDim = d;
  return p;
}

TEST(BlockClassifierTest, CostModelCountsThePattern) {
  // N = 4096, chunks of 1024, blocks 128 x 128: 32 q-blocks each see the 8
  // blocks of their chunk, 256 of 1024 pairs; K and V read 256 * 128 rows
  // per head instead of 32 * 4096 (Proposition 4: a quarter).
  AttentionProblem p = denseProblem(1, 2, 4096, 64);
  Tiling t{128, 128, 2, 4};
  HBMTraffic dense = hbmTraffic(t, p);
  p.maskChunk = 1024;
  EXPECT_DOUBLE_EQ(computedBlockDensity(t, p), 0.25);
  HBMTraffic chunked = hbmTraffic(t, p);
  int64_t q = 4096 * 64 * 2, kv = 256 * 128 * (64 + 64) * 2;
  EXPECT_EQ(chunked.readBytes, 2 * (q + kv));
  EXPECT_EQ(dense.readBytes, 2 * (q + 4 * kv));
  EXPECT_EQ(chunked.writeBytes, dense.writeBytes);
  // Causal within the chunk: 32 diagonal blocks partial, 28 * 4 = 112 full
  // (each chunk's 8 x 8 blocks: 8 partial, 28 below the diagonal).
  p.causal = true;
  BlockCensus c = BlockClassifier(p.maskPattern(), 128, 128).census();
  EXPECT_EQ(c.partial, 32);
  EXPECT_EQ(c.full, 112);
  EXPECT_DOUBLE_EQ(computedBlockDensity(t, p), 144.0 / 1024.0);
}

TEST(BlockClassifierTest, TensorCoreTimeCountsThePattern) {
  // The tensor-core forward kernels' predictions take the census too: a
  // butterfly of 128 over 32 cells (each linked with itself and 5 others,
  // 6 / 32 of the blocks at 128 x 128) with 64 global tokens at N = 4096,
  // d = 128 on the h100: the wgmma and mma.sync compute times fall with
  // the density (partial blocks cost their masks), their predictions to
  // under half the dense ones (memory-bound then: a pattern's K/V rows
  // count without L2 sharing, countMaskPatternBlocks).
  AttentionProblem p = denseProblem(4, 16, 4096, 128);
  AttentionProblem sparse = p;
  sparse.maskButterfly = 128;
  sparse.maskGlobal = 64;
  TargetInfo h100 = *lookupKnownTarget("h100");
  for (auto [kind, t] : {std::make_pair(KernelKind::Wgmma, Tiling{128, 128, 2, 8}),
                         std::make_pair(KernelKind::MmaSync,
                                        Tiling{128, 64, 2, 8})}) {
    CostModel model(h100, {kind});
    CandidateCost dense = model.evaluate(t, p), masked = model.evaluate(t, sparse);
    ASSERT_TRUE(dense.fits() && masked.fits())
        << dense.legality.message << masked.legality.message;
    double density = computedBlockDensity(t, sparse);
    EXPECT_LT(density, 0.3);
    EXPECT_GT(masked.computeSeconds, 0.9 * density * dense.computeSeconds);
    EXPECT_LT(masked.computeSeconds, 1.5 * density * dense.computeSeconds);
    EXPECT_LT(masked.predictedSeconds, 0.5 * dense.predictedSeconds);
  }
}

} // namespace
