//===- CostModelTest.cpp - IO cost model tests ----------------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The expected numbers are worked out by hand in the comments (or by a brute
// force that shares no code with the model), never captured from the model.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/CostModel.h"
// The cost model's parts (detail::countBlocks), not installed.
#include "../lib/Analysis/CostModel/KernelModel.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cmath>

using namespace mlir::fa;

namespace {

AttentionProblem makeProblem(int64_t n, int64_t d, bool causal = false) {
  AttentionProblem p;
  p.batch = 4;
  p.numQueryHeads = 16;
  p.numKVHeads = 16;
  p.seqLenQ = n;
  p.seqLenKV = n;
  p.headDim = d;
  p.valueHeadDim = d;
  p.elementBytes = 2;
  p.causal = causal;
  return p;
}

/// The benchmark's shape at sequence length n and head dimension d: batch
/// 16384 / n, 2048 / d heads.
AttentionProblem benchmarkProblem(int64_t n, int64_t d, bool causal) {
  AttentionProblem p = makeProblem(n, d, causal);
  p.batch = 16384 / n;
  p.numQueryHeads = p.numKVHeads = 2048 / d;
  return p;
}

/// The model's winner for the benchmark's shape.
CandidateCost benchmarkPick(const CostModel &model, int64_t n, int64_t d,
                            bool causal) {
  AttentionProblem p = benchmarkProblem(n, d, causal);
  TilingDecision decision = model.select(p);
  EXPECT_TRUE(decision.found());
  return decision.found() ? decision.winner() : CandidateCost{};
}

AttentionProblem tinyProblem(int64_t nq, int64_t nk, int64_t d, bool causal) {
  AttentionProblem p;
  p.batch = 1;
  p.numQueryHeads = 1;
  p.numKVHeads = 1;
  p.seqLenQ = nq;
  p.seqLenKV = nk;
  p.headDim = d;
  p.valueHeadDim = d;
  p.elementBytes = 2;
  p.causal = causal;
  return p;
}

TargetInfo target(const char *name) { return *lookupKnownTarget(name); }

/// The H100 mma-sync model's winning tiling for the benchmark's shape.
Tiling h100MmaSyncPick(int64_t n, int64_t d, bool causal) {
  CostModel model(target("h100"), {KernelKind::MmaSync});
  return benchmarkPick(model, n, d, causal).tiling;
}

using Pair = std::pair<int64_t, int64_t>;

//===----------------------------------------------------------------------===//
// Paper mode (Algorithm 1)
//===----------------------------------------------------------------------===//

TEST(CostModelPaper, BlockSizesByHand) {
  // Bc = ceil(M / 4d), Br = min(Bc, d).
  EXPECT_EQ(paperBlockSizes(100, 8), Pair(4, 4));
  // 116224 / 512 = 227 exactly.
  EXPECT_EQ(paperBlockSizes(116224, 128),
            Pair(128, 227));
  // 116224 / 1024 = 113.5 -> 114; min(114, 256) = 114.
  EXPECT_EQ(paperBlockSizes(116224, 256),
            Pair(114, 114));
  // 32768 / 256 = 128; min(128, 64) = 64.
  EXPECT_EQ(paperBlockSizes(32768, 64),
            Pair(64, 128));
}

TEST(CostModelPaper, KnownTargets) {
  struct Case {
    const char *target;
    int64_t d, elementBytes, br, bc;
  };
  // M = sram_per_block / element bytes.
  //   h100: 232448 / 2 = 116224;  a100: 166912 / 2 = 83456;
  //   t4:   65536 / 2 = 32768, or 16384 in f32.
  const Case cases[] = {
      {"h100", 64, 2, 64, 454},  // 116224 / 256 = 454
      {"h100", 128, 2, 128, 227}, // 116224 / 512 = 227
      {"h100", 256, 2, 114, 114}, // ceil(113.5)
      {"a100", 64, 2, 64, 326},   // 83456 / 256 = 326
      {"a100", 128, 2, 128, 163}, // 83456 / 512 = 163
      {"a100", 256, 2, 82, 82},   // ceil(81.5)
      {"t4", 128, 2, 64, 64},     // 32768 / 512 = 64
      {"t4", 64, 4, 64, 64},      // 16384 / 256 = 64
  };
  for (const Case &c : cases) {
    AttentionProblem p = makeProblem(4096, c.d);
    p.elementBytes = c.elementBytes;
    TilingDecision d = CostModel(target(c.target)).selectPaper(p);
    ASSERT_TRUE(d.found()) << c.target << " d=" << c.d << ": " << d.reason;
    EXPECT_EQ(d.winner().tiling, (Tiling{c.br, c.bc, 1, 4}))
        << c.target << " d=" << c.d << " got " << d.winner().tiling.str();
  }
}

TEST(CostModelPaper, TheoremTwoScalingInM) {
  // Theorem 2: HBM accesses are Theta(N^2 d^2 / M). With M <= 4 d^2,
  // Br = Bc = M / 4d and K, V are read N / Br times: 2 N d e * N / Br
  // = 8 e N^2 d^2 / M, plus Q and O once (2 N d e).
  const int64_t n = 4096, d = 64, e = 2;
  for (int64_t m : {2048, 4096, 8192, 16384}) {
    TargetInfo t = target("h100");
    t.sramPerBlock = m * e;
    AttentionProblem p = tinyProblem(n, n, d, false);
    TilingDecision dec = CostModel(t).selectPaper(p);
    ASSERT_TRUE(dec.found()) << dec.reason;
    double expected = 8.0 * e * n * n * d * d / m + 2.0 * n * d * e;
    EXPECT_DOUBLE_EQ(double(dec.winner().hbm.total()), expected) << "M=" << m;
    // The scaling itself: K/V bytes * M / (N^2 d^2) is the constant 8 e, and
    // the Q/O term keeps the total within 2% of it.
    double kv = double(dec.winner().hbm.total()) - 2.0 * n * d * e;
    EXPECT_DOUBLE_EQ(kv * m / (double(n) * n * d * d), 8.0 * e) << "M=" << m;
    double normalized =
        double(dec.winner().hbm.total()) * m / (double(n) * n * d * d);
    EXPECT_NEAR(normalized, 8.0 * e, 0.02 * 8.0 * e) << "M=" << m;
  }
}

TEST(CostModelPaper, TheoremTwoScalingInNAndD) {
  // Fixed M = 4096 elements (M <= 4 d^2 for d = 32 and 64): doubling N
  // quadruples the K/V traffic, and so does doubling d (Br = M / 4d halves:
  // 32 for d = 32, 16 for d = 64).
  TargetInfo t = target("h100");
  t.sramPerBlock = 4096 * 2;
  CostModel model(t);
  auto kvBytes = [&](int64_t n, int64_t d) {
    AttentionProblem p = tinyProblem(n, n, d, false);
    TilingDecision dec = model.selectPaper(p);
    return double(dec.winner().hbm.total()) - 2.0 * n * d * 2;
  };
  EXPECT_DOUBLE_EQ(kvBytes(4096, 32) / kvBytes(2048, 32), 4.0);
  EXPECT_DOUBLE_EQ(kvBytes(4096, 64) / kvBytes(4096, 32), 4.0);
}

//===----------------------------------------------------------------------===//
// HBM traffic
//===----------------------------------------------------------------------===//

TEST(CostModelHBM, SmallCasesByHand) {
  Tiling t{32, 32, 2, 2};
  // Nq = Nk = 64, d = 16, 2-byte elements. Q = O = 64 * 16 * 2 = 2048 B.
  // Non-causal: 2 q-blocks each read all 64 K and V rows:
  // 2 * 64 * (16 + 16) * 2 = 8192 B.
  HBMTraffic dense = hbmTraffic(t, tinyProblem(64, 64, 16, false));
  EXPECT_EQ(dense.readBytes, 2048 + 8192);
  EXPECT_EQ(dense.writeBytes, 2048);
  // Causal: q-block 0 reads 32 rows, q-block 1 reads 64: 96 * 64 = 6144 B.
  HBMTraffic causal = hbmTraffic(t, tinyProblem(64, 64, 16, true));
  EXPECT_EQ(causal.readBytes, 2048 + 6144);
  EXPECT_EQ(causal.writeBytes, 2048);
}

TEST(CostModelHBM, PartialBlocksLoadOnlyTheirRows) {
  // Nk = 40 with block_kv = 32: 2 blocks, but only 40 rows exist.
  // Nq = 16 (1 q-block): Q = 16 * 16 * 2 = 512, K/V = 40 * 32 * 2 = 2560.
  HBMTraffic tr =
      hbmTraffic(Tiling{16, 32, 1, 1}, tinyProblem(16, 40, 16, false));
  EXPECT_EQ(tr.readBytes, 512 + 2560);
  EXPECT_EQ(tr.writeBytes, 512);
}

TEST(CostModelHBM, GroupedQueryHeadsReReadTheirKVHead) {
  // 4 query heads over 2 K/V heads: every query head counts its own K/V
  // reads, so the traffic is 4x the single-head traffic.
  AttentionProblem p = tinyProblem(64, 64, 16, false);
  HBMTraffic one = hbmTraffic(Tiling{32, 32, 2, 2}, p);
  p.numQueryHeads = 4;
  p.numKVHeads = 2;
  p.batch = 3;
  HBMTraffic gqa = hbmTraffic(Tiling{32, 32, 2, 2}, p);
  EXPECT_EQ(gqa.readBytes, 12 * one.readBytes);
  EXPECT_EQ(gqa.writeBytes, 12 * one.writeBytes);
}

TEST(CostModelHBM, LseMaskAndSparsity) {
  AttentionProblem p = tinyProblem(64, 64, 16, false);
  Tiling t{32, 32, 2, 2};
  p.writesLse = true;
  // + 64 rows * 4 bytes of f32 logsumexp.
  EXPECT_EQ(hbmTraffic(t, p).writeBytes, 2048 + 256);
  // An f32 bias read for every computed score: 64 * 64 * 4 = 16384 B.
  p.maskElementBytes = 4;
  EXPECT_EQ(hbmTraffic(t, p).readBytes, 2048 + 8192 + 16384);
  // Half the blocks kept: K/V and mask reads halve, Q does not.
  p.kvBlockDensity = 0.5;
  EXPECT_EQ(hbmTraffic(t, p).readBytes, 2048 + (8192 + 16384) / 2);
}

TEST(CostModelWalk, CompactedWalkPricesItsListAndScan) {
  // D100: the forward's compacted walk under a block mask (wgmma): its list
  // of ceil(8192 / 128) = 64 i32 entries and 3 counts takes one 1 KiB atom
  // of shared memory; its scan, 2 rounds of 32 entries, kWalkScanRoundClocks
  // each, is a fixed time of every block, shared by the blocks of an SM.
  TargetInfo target = *lookupKnownTarget("h100");
  AttentionProblem p = makeProblem(8192, 128);
  p.batch = 1;
  p.blockMaskQ = p.blockMaskKV = 128;
  Tiling t{128, 128, 2, 8};
  CostModelOptions dense{KernelKind::Wgmma}, walk{KernelKind::Wgmma};
  walk.compactedWalk = true;
  CandidateCost d = CostModel(target, dense).evaluate(t, p);
  CandidateCost c = CostModel(target, walk).evaluate(t, p);
  ASSERT_TRUE(c.fits());
  EXPECT_EQ(c.sramBytes - d.sramBytes, 1024);
  EXPECT_DOUBLE_EQ(walkScanSeconds(t, p, 1e9), 2 * 700 / 1e9);
  // 16 heads x 64 q-blocks, one block an SM: the scans' SM time over the
  // SMs at the waves' utilization.
  ASSERT_EQ(c.blocksPerSM, d.blocksPerSM);
  double clock =
      detail::getSMRates(target,
                         detail::getArchTraits(target.getComputeCapability()))
          .clock;
  int64_t slots = target.smCount * c.blocksPerSM;
  double utilization = double(c.numBlocks) / double(c.waves * slots);
  double scans = double(c.numBlocks) * walkScanSeconds(t, p, clock) /
                 double(c.blocksPerSM) / target.smCount / utilization;
  EXPECT_NEAR(c.computeSeconds - d.computeSeconds, scans, 1e-12);
  EXPECT_GT(scans, 0);
  // Nothing to list without a block mask. The mma.sync kernel's list
  // (128 x 64 blocks: 8192 / 64 = 128 entries and 3 counts) is 128-byte
  // aligned: 131 * 4 = 524 -> 640 bytes.
  AttentionProblem unmasked = makeProblem(8192, 128);
  EXPECT_EQ(CostModel(target, walk).evaluate(t, unmasked).sramBytes,
            CostModel(target, dense).evaluate(t, unmasked).sramBytes);
  CostModelOptions mmaWalk{KernelKind::MmaSync};
  mmaWalk.compactedWalk = true;
  Tiling mma{128, 64, 2, 4};
  EXPECT_EQ(CostModel(target, mmaWalk).evaluate(mma, p).sramBytes -
                CostModel(target, {KernelKind::MmaSync})
                    .evaluate(mma, p)
                    .sramBytes,
            640);
}

TEST(CostModelWalk, NoFitReasonCountsTheList) {
  // D106: where the compacted walk's list fits no tiling (Nk = 2^24 with
  // 16-column mask blocks: the smallest wgmma tiling, 64 x 16, lists 2^20
  // kv-blocks, 4 MiB), the reason names the list and counts its bytes; it
  // said the tiles' 13 KiB "needed" of 227 KiB available.
  TargetInfo target = *lookupKnownTarget("h100");
  AttentionProblem p = makeProblem(1 << 24, 64);
  p.batch = 1;
  p.seqLenQ = 128;
  p.numQueryHeads = p.numKVHeads = 1;
  p.blockMaskQ = 128;
  p.blockMaskKV = 16;
  CostModelOptions walk{KernelKind::Wgmma};
  walk.compactedWalk = true;
  CostModel listed(target, walk);
  TilingDecision d = listed.select(p);
  ASSERT_FALSE(d.found());
  Tiling smallest = listed.smallestCandidate();
  int64_t bytes = listed.evaluate(smallest, p).sramBytes;
  EXPECT_GT(bytes, int64_t(4) << 20);
  EXPECT_NE(d.reason.find("needs " + std::to_string(bytes) +
                          " B of shared memory with the compacted walk's "
                          "list of 1048576 kv-blocks"),
            std::string::npos)
      << d.reason;
  // The dense walk fits; without a block mask there is no list.
  EXPECT_TRUE(CostModel(target, {KernelKind::Wgmma}).select(p).found());
  p.blockMaskQ = p.blockMaskKV = 0;
  EXPECT_TRUE(CostModel(target, walk).select(p).found());
}

TEST(CostModelWalk, MmaSyncWalkCountsItsRegistersWithoutSpillTolerance) {
  // D113: D = 128's 128x64 on sm_80 estimates 259 registers: the dense
  // walk keeps it as a priced spill (within 255 + 20; ptxas spills 8-44
  // B), the compacted walk's budget keeps 22 of the 255 for the walk and
  // has no tolerance (ptxas spilled 12-68 B): refused, naming the walk.
  TargetInfo target = *lookupKnownTarget("a100");
  AttentionProblem p = makeProblem(1024, 128);
  p.batch = 1;
  p.blockMaskQ = 128;
  p.blockMaskKV = 64;
  Tiling t{128, 64, 2, 4};
  CostModelOptions dense{KernelKind::MmaSync}, walk{KernelKind::MmaSync};
  walk.compactedWalk = true;
  CandidateCost d = CostModel(target, dense).evaluate(t, p);
  CandidateCost c = CostModel(target, walk).evaluate(t, p);
  EXPECT_TRUE(d.fits());
  EXPECT_EQ(d.registersPerThread, 259);
  EXPECT_EQ(c.registersPerThread, 259);
  EXPECT_FALSE(c.fits());
  EXPECT_EQ(c.legality.reason, LegalityReason::RegistersPerThread);
  EXPECT_NE(c.legality.message.find("259 registers per thread exceed 233 "
                                    "with the compacted walk (it keeps 22 "
                                    "of the 255 for the walk"),
            std::string::npos)
      << c.legality.message;
  // Within 233 (209): kept. The wgmma kernel's estimate is the dense
  // walk's.
  Tiling within{128, 32, 2, 4};
  EXPECT_TRUE(CostModel(target, walk).evaluate(within, p).fits());
  CostModelOptions wgmmaWalk{KernelKind::Wgmma}, wgmmaDense{KernelKind::Wgmma};
  wgmmaWalk.compactedWalk = true;
  TargetInfo h100 = *lookupKnownTarget("h100");
  Tiling wg{128, 128, 2, 8};
  EXPECT_EQ(CostModel(h100, wgmmaWalk).evaluate(wg, p).registersPerThread,
            CostModel(h100, wgmmaDense).evaluate(wg, p).registersPerThread);
}

TEST(CostModelHBM, KVTrafficFallsAsBlockQGrows) {
  // Theorem 2 in the model's loop order: K/V bytes = ceil(N / Bq) N (d+dv) e.
  AttentionProblem p = makeProblem(4096, 128);
  int64_t heads = 4 * 16, qo = heads * 4096 * 128 * 2;
  for (int64_t bq : {64, 128, 256}) {
    HBMTraffic tr = hbmTraffic(Tiling{bq, 64, 2, 4}, p);
    int64_t kv = heads * (4096 / bq) * 4096 * 256 * 2;
    EXPECT_EQ(tr.readBytes, qo + kv) << "block_q=" << bq;
  }
}

//===----------------------------------------------------------------------===//
// Causal block skipping
//===----------------------------------------------------------------------===//

/// Independent reference: a kv-block is computed iff some (i, j) pair of the
/// two blocks is visible.
int64_t bruteForceTiles(const Tiling &t, const AttentionProblem &p) {
  int64_t tiles = 0;
  for (int64_t q0 = 0; q0 < p.seqLenQ; q0 += t.blockQ)
    for (int64_t k0 = 0; k0 < p.seqLenKV; k0 += t.blockKV) {
      bool any = false;
      for (int64_t i = q0; i < std::min(q0 + t.blockQ, p.seqLenQ) && !any; ++i)
        for (int64_t j = k0; j < std::min(k0 + t.blockKV, p.seqLenKV); ++j)
          if (!p.causal || j <= i + p.seqLenKV - p.seqLenQ) {
            any = true;
            break;
          }
      tiles += any;
    }
  return tiles;
}

TEST(CostModelCausal, SquareCountsByHand) {
  // N = 1024, 128 x 128: q-block i computes i + 1 blocks: 1 + ... + 8 = 36.
  AttentionProblem p = tinyProblem(1024, 1024, 64, true);
  Tiling t{128, 128, 2, 4};
  int64_t tiles = 0;
  for (int64_t i = 0; i < 8; ++i)
    tiles += visibleKVBlocks(i, t, p);
  EXPECT_EQ(tiles, 36);
  // 128 x 64: q-block i computes 2i + 2 blocks: 2 * 36 = 72 (of 128).
  Tiling narrow{128, 64, 2, 4};
  tiles = 0;
  for (int64_t i = 0; i < 8; ++i)
    tiles += visibleKVBlocks(i, narrow, p);
  EXPECT_EQ(tiles, 72);
}

TEST(CostModelCausal, BottomRightAlignment) {
  // Nq = 96 > Nk = 32: query i sees j <= i - 64, so rows 0..63 see nothing
  // and q-blocks 0 and 1 (block_q = 32) compute no tile.
  AttentionProblem p = tinyProblem(96, 32, 16, true);
  Tiling t{32, 32, 1, 2};
  EXPECT_EQ(visibleKVBlocks(0, t, p), 0);
  EXPECT_EQ(visibleKVBlocks(1, t, p), 0);
  EXPECT_EQ(visibleKVBlocks(2, t, p), 1);
  // Nq = 32 < Nk = 96: every query sees at least keys 0..64.
  AttentionProblem wide = tinyProblem(32, 96, 16, true);
  EXPECT_EQ(visibleKVBlocks(0, Tiling{16, 32, 1, 1}, wide), 3);
}

TEST(CostModelCausal, MatchesBruteForce) {
  for (int64_t nq : {1, 17, 64, 100, 257})
    for (int64_t nk : {1, 31, 64, 100, 300})
      for (int64_t bq : {16, 64, 128})
        for (int64_t bkv : {16, 48, 128}) {
          AttentionProblem p = tinyProblem(nq, nk, 16, true);
          Tiling t{bq, bkv, 1, 1};
          int64_t tiles = 0;
          for (int64_t i = 0; i * bq < nq; ++i)
            tiles += visibleKVBlocks(i, t, p);
          EXPECT_EQ(tiles, bruteForceTiles(t, p))
              << nq << "x" << nk << " tiles " << bq << "x" << bkv;
        }
}

/// countBlocks by brute force over every tile of one (batch, head): a tile
/// is computed when any of its keys is visible to any of its rows, and is
/// masked when a mask operand applies, it runs past Nk, or (causal) its
/// last key is hidden from the q-block's first row.
detail::BlockCounts bruteForceCounts(const Tiling &t,
                                     const AttentionProblem &p) {
  detail::BlockCounts c;
  int64_t shift = p.seqLenKV - p.seqLenQ;
  for (int64_t q0 = 0; q0 < p.seqLenQ; q0 += t.blockQ) {
    int64_t qRows = std::min(q0 + t.blockQ, p.seqLenQ) - q0;
    int64_t rows = 0;
    for (int64_t k0 = 0; k0 < p.seqLenKV; k0 += t.blockKV) {
      int64_t k1 = std::min(k0 + t.blockKV, p.seqLenKV);
      bool computed = false;
      for (int64_t i = q0; i < q0 + qRows && !computed; ++i)
        computed = !p.causal || k0 <= i + shift;
      if (!computed)
        continue;
      ++c.tiles;
      rows += k1 - k0;
      c.maskedTiles += p.maskElementBytes > 0 || k0 + t.blockKV > p.seqLenKV ||
                       (p.causal && k0 + t.blockKV - 1 > q0 + shift);
    }
    c.kvRows += rows;
    c.maskElements += qRows * rows;
  }
  return c;
}

TEST(CostModelCounts, ClosedFormMatchesBruteForce) {
  // countBlocks sums the q-blocks in closed form (floor sums), so that the
  // selection's time does not grow with Nq.
  for (int64_t nq : {1, 5, 16, 17, 100, 257})
    for (int64_t nk : {1, 7, 64, 100, 300})
      for (int64_t bq : {1, 16, 48, 128})
        for (int64_t bkv : {1, 16, 48, 128})
          for (bool causal : {false, true})
            for (int64_t maskBytes : {0, 2}) {
              AttentionProblem p = tinyProblem(nq, nk, 16, causal);
              p.maskElementBytes = maskBytes;
              Tiling t{bq, bkv, 1, 1};
              detail::BlockCounts got = detail::countBlocks(t, p);
              detail::BlockCounts want = bruteForceCounts(t, p);
              std::string where = std::to_string(nq) + "x" +
                                  std::to_string(nk) + " tiles " +
                                  std::to_string(bq) + "x" +
                                  std::to_string(bkv) +
                                  (causal ? " causal" : "") +
                                  (maskBytes ? " mask" : "");
              EXPECT_EQ(got.tiles, want.tiles) << where;
              EXPECT_EQ(got.kvRows, want.kvRows) << where;
              EXPECT_EQ(got.maskElements, want.maskElements) << where;
              EXPECT_EQ(got.maskedTiles, want.maskedTiles) << where;
            }
}

/// countBlocks of a windowed problem by brute force over every element of
/// every tile: a tile is computed when any of its keys is in the window of
/// any of its rows, and needs no mask when it ends within Nk, no mask
/// operand applies and every key is in the window of every row.
detail::BlockCounts bruteForceWindowCounts(const Tiling &t,
                                           const AttentionProblem &p) {
  detail::BlockCounts c;
  int64_t shift = p.seqLenKV - p.seqLenQ;
  auto visible = [&](int64_t i, int64_t j) {
    return j >= i + shift - p.windowLeft && j <= i + shift + p.windowRight &&
           (!p.causal || j <= i + shift);
  };
  for (int64_t q0 = 0; q0 < p.seqLenQ; q0 += t.blockQ) {
    int64_t q1 = std::min(q0 + t.blockQ, p.seqLenQ);
    int64_t rows = 0;
    for (int64_t k0 = 0; k0 < p.seqLenKV; k0 += t.blockKV) {
      int64_t k1 = std::min(k0 + t.blockKV, p.seqLenKV);
      bool any = false, all = k0 + t.blockKV <= p.seqLenKV;
      for (int64_t i = q0; i < q1; ++i)
        for (int64_t j = k0; j < k1; ++j) {
          any |= visible(i, j);
          all &= visible(i, j);
        }
      if (!any)
        continue;
      ++c.tiles;
      rows += k1 - k0;
      c.maskedTiles += p.maskElementBytes > 0 || !all;
    }
    c.kvRows += rows;
    c.maskElements += (q1 - q0) * rows;
  }
  return c;
}

TEST(CostModelCounts, WindowClosedFormMatchesBruteForce) {
  // Sliding windows: the kv range [first, last] of each q-block, the full
  // blocks between the masked edges, narrow and wide windows, with causal,
  // Nq != Nk both ways.
  for (int64_t nq : {1, 17, 100, 257})
    for (int64_t nk : {1, 64, 100, 300})
      for (int64_t bq : {1, 16, 48})
        for (int64_t bkv : {1, 16, 48})
          for (int64_t left : {0, 5, 40, 129, 1000})
            for (int64_t right : {0, 3, 64, 1000})
              for (bool causal : {false, true})
                for (int64_t maskBytes : {0, 2}) {
                  if (causal && right != 0)
                    continue;
                  AttentionProblem p = tinyProblem(nq, nk, 16, causal);
                  p.window = true;
                  p.windowLeft = left;
                  p.windowRight = right;
                  p.maskElementBytes = maskBytes;
                  Tiling t{bq, bkv, 1, 1};
                  detail::BlockCounts got = detail::countBlocks(t, p);
                  detail::BlockCounts want = bruteForceWindowCounts(t, p);
                  std::string where =
                      std::to_string(nq) + "x" + std::to_string(nk) +
                      " tiles " + std::to_string(bq) + "x" +
                      std::to_string(bkv) + " window " +
                      std::to_string(left) + "," + std::to_string(right) +
                      (causal ? " causal" : "") + (maskBytes ? " mask" : "");
                  ASSERT_EQ(got.tiles, want.tiles) << where;
                  ASSERT_EQ(got.kvRows, want.kvRows) << where;
                  ASSERT_EQ(got.maskElements, want.maskElements) << where;
                  ASSERT_EQ(got.maskedTiles, want.maskedTiles) << where;
                }
}

TEST(CostModelCounts, WindowDensity) {
  // N = 8192, a causal window of 1024, 128 x 128 blocks: q-block i computes
  // blocks i - 8 .. i (9, fewer for the first 8): 9 * 64 - 36 = 540 of
  // 64 * 64 pairs; dense causal computes 64 * 65 / 2 = 2080.
  AttentionProblem p = tinyProblem(8192, 8192, 128, true);
  Tiling t{128, 128, 2, 8};
  EXPECT_DOUBLE_EQ(computedBlockDensity(t, p), 2080.0 / 4096.0);
  p.window = true;
  p.windowLeft = 1024;
  EXPECT_DOUBLE_EQ(computedBlockDensity(t, p), 540.0 / 4096.0);
  EXPECT_EQ(firstKVBlock(20, t, p), 12);
  EXPECT_EQ(visibleKVBlocks(20, t, p), 9);
  // The traffic falls with the blocks: K and V of 540 tiles, not 2080.
  AttentionProblem dense = tinyProblem(8192, 8192, 128, true);
  EXPECT_LT(hbmTraffic(t, p).readBytes, hbmTraffic(t, dense).readBytes / 3);
}

TEST(CostModelCounts, LargestSequenceInClosedForm) {
  // Nq = 2^31 - 1 in 16-row q-blocks: 2^27 of them, summed without a loop.
  // Non-causal, every q-block loads all Nk rows; causal with Nq > Nk, the
  // rows j <= i + Nk - Nq: q-block i sees min(16 (i + 1) + Nk - Nq, Nk)
  // keys, rounded up to 16 (sums checked against the arithmetic series).
  AttentionProblem p = tinyProblem(2147483647, 1024, 64, false);
  Tiling t{16, 16, 1, 1};
  int64_t numQBlocks = (p.seqLenQ + 15) / 16;
  detail::BlockCounts dense = detail::countBlocks(t, p);
  EXPECT_EQ(dense.tiles, numQBlocks * 64);
  EXPECT_EQ(dense.kvRows, numQBlocks * 1024);
  p.causal = true;
  detail::BlockCounts causal = detail::countBlocks(t, p);
  // Rows q0 .. q0 + 15 with q0 = 16 i see keys up to q0 + 15 - (Nq - Nk),
  // and Nq - Nk = 2147482623 = 16 * 134217663 + 15: q-block i sees
  // i - 134217663 + 1 blocks once that is positive, at most 64.
  int64_t first = 134217663; // the first q-block that sees a key
  int64_t ramp = 64 * 65 / 2;  // 1 + ... + 64 blocks
  int64_t full = numQBlocks - (first + 64);
  EXPECT_EQ(causal.tiles, ramp + full * 64);
}

TEST(CostModelTime, LargestGridsAreFast) {
  // The selection evaluates ~1,500 candidates; each must take microseconds
  // whatever the sizes (docs/Reliability.md, "Time bounds").
  AttentionProblem p = makeProblem(1024, 16);
  p.batch = 1 << 24;
  p.numQueryHeads = 1024;
  p.numKVHeads = 1;
  CostModel model(target("h100"));
  auto start = std::chrono::steady_clock::now();
  CandidateCost c = model.evaluate(Tiling{16, 16, 1, 1}, p);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  EXPECT_LT(seconds, 0.05);
  // Sampled shares of the waves: between every K/V head read once and
  // Theorem 2's count.
  int64_t kvOnce = p.batch * p.numKVHeads * p.seqLenKV * 2 * 16 * 2;
  int64_t qAndO = p.batch * p.numQueryHeads * p.seqLenQ * 2 * 16 * 2;
  EXPECT_LE(c.dramBytes, c.hbm.total());
  EXPECT_GE(c.dramBytes, qAndO + kvOnce);
}

TEST(CostModelCausal, SkippedBlocksLeaveTheFlopCount) {
  // FLOPs are 2 * Bq * Bkv * (d + dv) per computed tile: 36 of 64 tiles.
  CostModel model(target("a100"));
  Tiling t{128, 128, 2, 4};
  CandidateCost dense = model.evaluate(t, tinyProblem(1024, 1024, 64, false));
  CandidateCost causal = model.evaluate(t, tinyProblem(1024, 1024, 64, true));
  double tile = 2.0 * 128 * 128 * 128;
  EXPECT_DOUBLE_EQ(dense.flops, 64 * tile);
  EXPECT_DOUBLE_EQ(causal.flops, 36 * tile);
  EXPECT_LT(causal.hbm.total(), dense.hbm.total());
}

//===----------------------------------------------------------------------===//
// Resources
//===----------------------------------------------------------------------===//

TEST(CostModelResources, SramBytesByHand) {
  AttentionProblem p = makeProblem(4096, 128);
  // Q 128*128*2 = 32768; K and V 64*128*2 = 16384 each, two stages.
  EXPECT_EQ(sramBytes(Tiling{128, 64, 2, 4}, p, KernelKind::TensorCore),
            32768 + 2 * 32768);
  // Different value head dim: V tile 64 * 64 * 2 = 8192.
  p.valueHeadDim = 64;
  EXPECT_EQ(sramBytes(Tiling{128, 64, 1, 4}, p, KernelKind::TensorCore),
            32768 + 16384 + 8192);
  // d = 6: every 16 x 6 x 2 = 192-byte buffer pads to 256.
  AttentionProblem odd = tinyProblem(64, 64, 6, false);
  EXPECT_EQ(sramBytes(Tiling{16, 16, 1, 1}, odd, KernelKind::TensorCore),
            3 * 256);
}

TEST(CostModelResources, RegistersByHand) {
  // 128 x 64, 4 warps, d = 128: O 128*128/128 = 128, S 128*64/128 = 64,
  // 24 overhead, 32 rows per warp -> 4 rows per thread -> 8 for max and sum.
  AttentionProblem p = makeProblem(4096, 128);
  EXPECT_EQ(
      registersPerThread(Tiling{128, 64, 2, 4}, p, KernelKind::TensorCore),
      128 + 64 + 24 + 8);
  // 8 warps halve the tiles: 64 + 32 + 24 + 4.
  EXPECT_EQ(
      registersPerThread(Tiling{128, 64, 2, 8}, p, KernelKind::TensorCore),
      64 + 32 + 24 + 4);
}

TEST(CostModelResources, RejectsWhatDoesNotFit) {
  CostModel model(target("h100"));
  AttentionProblem p = makeProblem(4096, 128);
  // 32768 + 2 * (65536 + 65536) = 294912 > 232448.
  CandidateCost big = model.evaluate(Tiling{128, 256, 2, 8}, p);
  EXPECT_EQ(big.legality.reason, LegalityReason::SharedMemory);
  EXPECT_NE(big.legality.message.find("294912 B exceeds 232448 B"),
            std::string::npos)
      << big.legality.message;
  // 128 rows on 4 warps with block_kv 128: 128 + 128 + 32 = 288 registers.
  CandidateCost regs = model.evaluate(Tiling{128, 128, 1, 4}, p);
  EXPECT_EQ(regs.legality.reason, LegalityReason::RegistersPerThread);
  EXPECT_NE(regs.legality.message.find("288 registers per thread exceed 255"),
            std::string::npos)
      << regs.legality.message;
  EXPECT_TRUE(model.evaluate(Tiling{128, 128, 2, 8}, p).fits());
}

TEST(CostModelResources, NothingFitsATinySram) {
  // 16 KiB: the smallest wgmma tile (64 x 16, d = 128) needs
  // 64*128*2 + 16*128*2*2 = 24576 B.
  TargetInfo t = target("h100");
  t.sramPerBlock = 16384;
  TilingDecision d = CostModel(t).select(makeProblem(4096, 128));
  EXPECT_FALSE(d.found());
  EXPECT_NE(d.reason.find("no tiling fits"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("24576 B"), std::string::npos) << d.reason;
  for (const CandidateCost &c : d.candidates)
    EXPECT_FALSE(c.fits());
}

TEST(CostModelResources, SmallerSramChangesTheDecision) {
  TargetInfo t = target("h100");
  AttentionProblem p = makeProblem(4096, 128);
  TilingDecision full = CostModel(t).select(p);
  t.sramPerBlock = 49152;
  TilingDecision small = CostModel(t).select(p);
  ASSERT_TRUE(full.found());
  ASSERT_TRUE(small.found());
  EXPECT_FALSE(full.winner().tiling == small.winner().tiling);
  EXPECT_LE(small.winner().sramBytes, 49152);
  EXPECT_GT(full.winner().sramBytes, 49152);
}

//===----------------------------------------------------------------------===//
// Selection
//===----------------------------------------------------------------------===//

TEST(CostModelSelect, WinnerIsTheBestFeasibleCandidate) {
  for (const char *name : {"t4", "a10", "a100", "h100"}) {
    for (bool causal : {false, true}) {
      TilingDecision d =
          CostModel(target(name)).select(makeProblem(4096, 128, causal));
      ASSERT_TRUE(d.found()) << name;
      const CandidateCost &w = d.winner();
      EXPECT_TRUE(w.fits());
      EXPECT_LE(w.sramBytes, target(name).sramPerBlock);
      EXPECT_LE(w.registersPerThread, target(name).maxRegsPerThread);
      for (const CandidateCost &c : d.candidates) {
        if (!c.fits())
          continue;
        // No feasible candidate is faster; at equal time none moves fewer
        // HBM bytes.
        EXPECT_GE(c.predictedSeconds, w.predictedSeconds * (1 - 1e-9))
            << name << " " << c.tiling.str();
        if (std::abs(c.predictedSeconds - w.predictedSeconds) <=
            1e-9 * w.predictedSeconds)
          EXPECT_GE(c.hbm.total(), w.hbm.total()) << c.tiling.str();
      }
      EXPECT_FALSE(d.reason.empty());
    }
  }
}

TEST(CostModelSelect, EveryRejectedCandidateSaysWhy) {
  TilingDecision d = CostModel(target("t4")).select(makeProblem(4096, 256));
  int rejected = 0;
  for (const CandidateCost &c : d.candidates) {
    if (c.fits())
      continue;
    ++rejected;
    EXPECT_FALSE(isKernelRule(c.legality.reason)) << c.legality.message;
    EXPECT_NE(c.legality.message.find("exceed"), std::string::npos)
        << c.legality.message;
  }
  EXPECT_GT(rejected, 0);
}

TEST(CostModelSelect, DecisionsDifferAcrossTargets) {
  AttentionProblem p = makeProblem(4096, 128);
  Tiling t4 = CostModel(target("t4")).select(p).winner().tiling;
  Tiling a10 = CostModel(target("a10")).select(p).winner().tiling;
  Tiling a100 = CostModel(target("a100")).select(p).winner().tiling;
  Tiling h100 = CostModel(target("h100")).select(p).winner().tiling;
  EXPECT_FALSE(t4 == a100);
  EXPECT_FALSE(a10 == a100);
  EXPECT_FALSE(a100 == h100);
  // sm_90 uses whole warpgroups of 64 rows.
  EXPECT_EQ(h100.warps % 4, 0);
  EXPECT_EQ((h100.blockQ / (h100.warps / 4)) % 64, 0);
}

TEST(CostModelSelect, EnumerationFollowsTheMmaShape) {
  for (const Tiling &t : CostModel(target("a100")).enumerateCandidates())
    EXPECT_EQ((t.blockQ / t.warps) % 16, 0) << t.str();
  for (const Tiling &t : CostModel(target("h100")).enumerateCandidates()) {
    EXPECT_EQ(t.warps % 4, 0) << t.str();
    EXPECT_EQ((t.blockQ / (t.warps / 4)) % 64, 0) << t.str();
  }
}

TEST(CostModelSelect, WavesQuantizeOverTheSMs) {
  // 1 x 1 head, N = 1024, 128-row blocks: 8 blocks on 132 SMs is one wave.
  CostModel model(target("h100"));
  CandidateCost c =
      model.evaluate(Tiling{128, 128, 2, 8}, tinyProblem(1024, 1024, 128, false));
  EXPECT_EQ(c.numBlocks, 8);
  EXPECT_EQ(c.waves, 1);
  // 4 x 16 heads: 512 blocks over 132 SMs x blocks per SM.
  CandidateCost many =
      model.evaluate(Tiling{128, 128, 2, 8}, makeProblem(1024, 128));
  EXPECT_EQ(many.numBlocks, 512);
  EXPECT_EQ(many.waves, (512 + 132 * many.blocksPerSM - 1) /
                            (132 * many.blocksPerSM));
}

TEST(CostModelSelect, L2ServesReReadsWithinAWave) {
  // 1 head, N = 1024, d = 128, 128-row blocks: 8 blocks, one wave on 132
  // SMs. Theorem 2: Q + O = 2 * 1024*128*2 = 524288 B, K/V read 8 times:
  // 8 * 1024 * 256 * 2 = 4194304 B. DRAM: K/V once, 524288 B.
  AttentionProblem p = tinyProblem(1024, 1024, 128, false);
  Tiling t{128, 128, 2, 8};
  CandidateCost c = CostModel(target("h100")).evaluate(t, p);
  EXPECT_EQ(c.hbm.total(), 524288 + 4194304);
  EXPECT_EQ(c.dramBytes, 524288 + 524288);
  // Without the L2 credit, DRAM is Theorem 2's count.
  CostModelOptions theorem2;
  theorem2.l2Reuse = false;
  CandidateCost raw = CostModel(target("h100"), theorem2).evaluate(t, p);
  EXPECT_EQ(raw.dramBytes, raw.hbm.total());
  EXPECT_GT(raw.memorySeconds, c.memorySeconds);
}

TEST(CostModelSelect, L2EstimateMatchesAWalkOverEveryBlock) {
  // The L2 estimate walks each K/V head's share of every wave; this is the
  // walk over every block it replaced (docs/decisions.md, D40):
  // blocks run q-blocks fastest, a wave's share of a head fetches the
  // union of the K/V rows its blocks need once (the largest prefix; with a
  // window, a band from the first block's start to the last one's end).
  // Few SMs, so that shares wrap around heads and waves split them; causal,
  // windowed (left only, both sides), ragged and GQA shapes.
  struct Window {
    bool on;
    int64_t left, right;
  };
  for (int64_t sms : {3, 5, 7}) {
    TargetInfo tgt = target("h100");
    tgt.smCount = sms;
    CostModel model(tgt, {KernelKind::Wgmma});
    for (bool causal : {false, true})
      for (Window w : {Window{false, 0, 0}, Window{true, 300, 0},
                       Window{true, 200, 130}, Window{true, 64, 0}})
        for (int64_t n : {1000, 1024, 1500, 4000})
          for (int64_t group : {1, 2}) {
            if (w.on && !causal && w.right == 0)
              continue;
            AttentionProblem p = tinyProblem(n, n + 64, 64, causal);
            p.window = w.on;
            p.windowLeft = w.left;
            p.windowRight = w.right;
            p.batch = 3;
            p.numKVHeads = 2;
            p.numQueryHeads = 2 * group;
            for (Tiling t : {Tiling{64, 64, 2, 4}, Tiling{128, 96, 2, 8}}) {
              CandidateCost c = model.evaluate(t, p);
              ASSERT_TRUE(c.fits()) << c.legality.message;
              int64_t slots = sms * c.blocksPerSM;
              int64_t numQBlocks = (n + t.blockQ - 1) / t.blockQ;
              int64_t perKVHead = group * numQBlocks;
              // Q-block i's kv-blocks: [first, first + visible).
              auto begin = [&](int64_t i) { return firstKVBlock(i, t, p); };
              auto end = [&](int64_t i) {
                return begin(i) + visibleKVBlocks(i, t, p);
              };
              auto rows = [&](int64_t b, int64_t e) {
                return std::max<int64_t>(
                    std::min(e * t.blockKV, p.seqLenKV) - b * t.blockKV, 0);
              };
              double walked = 0, theorem2 = 0;
              int64_t numKVBlocks = (p.seqLenKV + t.blockKV - 1) / t.blockKV;
              for (int64_t g = 0; g < p.batch * p.numKVHeads; ++g) {
                int64_t first = g * perKVHead, wave = first / slots;
                // The kv-blocks the share's q-blocks need, each once.
                std::vector<bool> fetched(numKVBlocks, false);
                auto flush = [&] {
                  for (int64_t j = 0; j < numKVBlocks; ++j)
                    if (fetched[j])
                      walked += rows(j, j + 1);
                  fetched.assign(numKVBlocks, false);
                };
                for (int64_t k = 0; k < perKVHead; ++k) {
                  if ((first + k) / slots != wave) {
                    flush();
                    wave = (first + k) / slots;
                  }
                  int64_t i = k % numQBlocks;
                  for (int64_t j = begin(i); j < end(i); ++j)
                    fetched[j] = true;
                  theorem2 += rows(begin(i), end(i));
                }
                flush();
              }
              double rowBytes = double(p.headDim + p.valueHeadDim) * 2;
              EXPECT_EQ(c.dramBytes,
                        std::llround(double(c.hbm.total()) -
                                     (theorem2 - walked) * rowBytes))
                  << "sms " << sms << " causal " << causal << " window "
                  << w.on << " " << w.left << "/" << w.right << " n " << n
                  << " group " << group << " " << t.str();
            }
          }
  }
}

//===----------------------------------------------------------------------===//
// The SIMT kernel (convert-fa-to-gpu today)
//===----------------------------------------------------------------------===//

CostModel simtModel(const char *name) {
  CostModelOptions options;
  options.kernel = KernelKind::Simt;
  return CostModel(target(name), options);
}

TEST(CostModelSimt, SramBytesByHand) {
  AttentionProblem p = makeProblem(4096, 128);
  // Q, K, V 64*128*2 = 16384 each; S 64*64*4 = 16384; acc 64*128*4 =
  // 32768; m, l, row max, alpha 4 * 64*4 = 1024.
  int64_t base = 3 * 16384 + 16384 + 32768 + 1024;
  EXPECT_EQ(base, 99328);
  EXPECT_EQ(sramBytes(Tiling{64, 64, 1, 4}, p, KernelKind::Simt), 99328);
  // Stages and warps do not enter.
  EXPECT_EQ(sramBytes(Tiling{64, 64, 3, 8}, p, KernelKind::Simt), 99328);
  // A bf16 bias tile 64*64*2 = 8192.
  p.maskElementBytes = 2;
  EXPECT_EQ(sramBytes(Tiling{64, 64, 1, 4}, p, KernelKind::Simt), 99328 + 8192);
  // An i1 keep-mask broadcast over the queries: one row, 64 bytes -> 128.
  p.maskElementBytes = 1;
  p.maskBroadcastsRows = true;
  EXPECT_EQ(sramBytes(Tiling{64, 64, 1, 4}, p, KernelKind::Simt), 99328 + 128);
  // Broadcast over the keys too: a 1 x 1 tile, still 128.
  p.maskBroadcastsCols = true;
  EXPECT_EQ(sramBytes(Tiling{64, 64, 1, 4}, p, KernelKind::Simt), 99328 + 128);
  // Broadcast over the keys only: 64 x 1 bytes -> 128.
  p.maskBroadcastsRows = false;
  EXPECT_EQ(sramBytes(Tiling{64, 64, 1, 4}, p, KernelKind::Simt), 99328 + 128);
}

TEST(CostModelSimt, SramBytesOtherShapesByHand) {
  // dv = 64, 128 x 32: Q 128*128*2 = 32768, K 32*128*2 = 8192, V 32*64*2 =
  // 4096, S 128*32*4 = 16384, acc 128*64*4 = 32768, vectors 4 * 512 = 2048.
  AttentionProblem p = makeProblem(4096, 128);
  p.valueHeadDim = 64;
  EXPECT_EQ(sramBytes(Tiling{128, 32, 1, 8}, p, KernelKind::Simt),
            32768 + 8192 + 4096 + 16384 + 32768 + 2048);
  // d = 6, 16 x 16: Q, K, V 16*6*2 = 192 -> 256 each; S 16*16*4 = 1024;
  // acc 16*6*4 = 384; vectors 16*4 = 64 -> 128 each.
  AttentionProblem odd = tinyProblem(64, 64, 6, false);
  EXPECT_EQ(sramBytes(Tiling{16, 16, 1, 4}, odd, KernelKind::Simt),
            3 * 256 + 1024 + 384 + 4 * 128);
  // f32 elements, 32 x 48, d = 64: Q 32*64*4 = 8192, K and V 48*64*4 =
  // 12288 each, S 32*48*4 = 6144, acc 32*64*4 = 8192, vectors 4 * 128.
  AttentionProblem f32 = tinyProblem(100, 100, 64, true);
  f32.elementBytes = 4;
  EXPECT_EQ(sramBytes(Tiling{32, 48, 1, 4}, f32, KernelKind::Simt),
            8192 + 2 * 12288 + 6144 + 8192 + 512);
  // The tensor-core kernel counts Q and the K/V stages only.
  EXPECT_EQ(sramBytes(Tiling{32, 48, 2, 4}, f32, KernelKind::TensorCore),
            8192 + 2 * 2 * 12288);
}

TEST(CostModelSimt, RegistersAreAConstant) {
  AttentionProblem p = makeProblem(4096, 256);
  EXPECT_EQ(registersPerThread(Tiling{16, 16, 1, 4}, p, KernelKind::Simt), 64);
  EXPECT_EQ(registersPerThread(Tiling{256, 256, 1, 8}, p, KernelKind::Simt),
            64);
}

TEST(CostModelSimt, EnumeratesOneStageAndFourOrEightWarps) {
  llvm::SmallVector<Tiling> candidates =
      simtModel("h100").enumerateCandidates();
  // 6 block_q sizes x 2 warp counts x 16 block_kv sizes.
  EXPECT_EQ(candidates.size(), 6u * 2u * 16u);
  for (const Tiling &t : candidates) {
    EXPECT_EQ(t.stages, 1) << t.str();
    EXPECT_TRUE(t.warps == 4 || t.warps == 8) << t.str();
  }
  EXPECT_FALSE(simtModel("h100").usesWarpgroupMma());
}

TEST(CostModelSimt, RejectsByTheSimtBytes) {
  CostModel model = simtModel("h100");
  AttentionProblem p = makeProblem(4096, 128);
  // 128 x 128: 3 * 32768 + 65536 (S) + 65536 (acc) + 2048 = 231424 fits
  // 232448; 128 x 144: 32768 + 2 * 36864 + 73728 + 65536 + 2048 = 247808.
  CandidateCost fits = model.evaluate(Tiling{128, 128, 1, 8}, p);
  EXPECT_TRUE(fits.fits()) << fits.legality.message;
  EXPECT_EQ(fits.sramBytes, 231424);
  EXPECT_EQ(fits.registersPerThread, 64);
  CandidateCost big = model.evaluate(Tiling{128, 144, 1, 8}, p);
  EXPECT_EQ(big.legality.reason, LegalityReason::SharedMemory);
  EXPECT_NE(big.legality.message.find("247808 B exceeds 232448 B"),
            std::string::npos)
      << big.legality.message;
}

TEST(CostModelSimt, ComputeTimeByHand) {
  // One 64 x 64 block, d = 64, on the h100 (clock = 989e12 / 132 / 4096).
  // SRAM 3 * 8192 + 16384 + 16384 + 1024 = 58368: 233472 / (58368 + 1024)
  // = 3 blocks per SM, 12 warps, latency efficiency 12 / 16.
  // Step: FMAs 64*64*128 = 524288; shared accesses 2 * 524288 + 6 * 4096
  // (S passes) + 2 * 64*64 (acc rescale) + 2 * 64*128 (K/V fill and copy)
  // = 1097728 at 32 per clock = 34304 clocks; lanes (524288 + 12 * 4096 +
  // 4096) / 128 = 4512 clocks; + 200 = 34504 clocks. One block of 396 slots:
  // compute = 34504 / 0.75 * 396 / 132 = 138016 clocks.
  AttentionProblem p = tinyProblem(64, 64, 64, false);
  CandidateCost c = simtModel("h100").evaluate(Tiling{64, 64, 1, 4}, p);
  ASSERT_TRUE(c.fits()) << c.legality.message;
  EXPECT_EQ(c.sramBytes, 58368);
  EXPECT_EQ(c.blocksPerSM, 3);
  double clock = 989e12 / 132 / 4096;
  EXPECT_NEAR(c.computeSeconds * clock, 138016, 1e-6 * 138016);
  // The tensor-core kernel's step is far shorter.
  CandidateCost tc =
      CostModel(target("h100")).evaluate(Tiling{64, 64, 2, 4}, p);
  EXPECT_GT(c.computeSeconds, 8 * tc.computeSeconds);
}

TEST(CostModelSimt, DecisionsFitAndDifferFromTensorCores) {
  for (const char *name : {"t4", "a100", "h100"}) {
    for (int64_t d : {64, 128}) {
      AttentionProblem p = makeProblem(4096, d);
      TilingDecision simt = simtModel(name).select(p);
      ASSERT_TRUE(simt.found()) << name;
      const CandidateCost &w = simt.winner();
      EXPECT_EQ(w.sramBytes, sramBytes(w.tiling, p, KernelKind::Simt));
      EXPECT_LE(w.sramBytes, target(name).sramPerBlock);
      EXPECT_EQ(w.tiling.stages, 1);
      Tiling tc = CostModel(target(name)).select(p).winner().tiling;
      EXPECT_FALSE(w.tiling == tc) << name << " d=" << d;
    }
  }
}

TEST(CostModelSimt, SmallerSramChangesTheDecision) {
  TargetInfo t = target("h100");
  CostModelOptions options;
  options.kernel = KernelKind::Simt;
  AttentionProblem p = makeProblem(4096, 128);
  TilingDecision full = CostModel(t, options).select(p);
  t.sramPerBlock = 49152;
  TilingDecision small = CostModel(t, options).select(p);
  ASSERT_TRUE(full.found());
  ASSERT_TRUE(small.found());
  EXPECT_FALSE(full.winner().tiling == small.winner().tiling);
  EXPECT_LE(small.winner().sramBytes, 49152);
  EXPECT_GT(full.winner().sramBytes, 49152);
}

TEST(CostModelSimt, NothingFitsNamesTheSmallestSimtTile) {
  // d = 1024 f32, 16 x 16: Q, K, V 16*1024*4 = 65536 each, S 1024, acc
  // 65536, vectors 4 * 128: 263680 B > 232448.
  AttentionProblem p = tinyProblem(128, 128, 1024, false);
  p.elementBytes = 4;
  TilingDecision d = simtModel("h100").select(p);
  EXPECT_FALSE(d.found());
  EXPECT_NE(d.reason.find("the smallest (16x16, 1 stage, 4 warps) needs "
                          "263680 B"),
            std::string::npos)
      << d.reason;
}

TEST(CostModelSimt, KernelKindNames) {
  EXPECT_EQ(parseKernelKind("simt"), KernelKind::Simt);
  EXPECT_EQ(parseKernelKind("tensor-core"), KernelKind::TensorCore);
  EXPECT_EQ(parseKernelKind("wmma"), std::nullopt);
  EXPECT_EQ(stringifyKernelKind(KernelKind::Simt), "simt");
  EXPECT_EQ(stringifyKernelKind(KernelKind::TensorCore), "tensor-core");
}

TEST(CostModelProblem, Validate) {
  AttentionProblem p = makeProblem(128, 64);
  EXPECT_EQ(p.validate(), std::nullopt);
  p.numKVHeads = 5;
  EXPECT_TRUE(p.validate().has_value());
  p = makeProblem(128, 64);
  p.kvBlockDensity = 0;
  EXPECT_TRUE(p.validate().has_value());
}

} // namespace

//===----------------------------------------------------------------------===//
// The wgmma kernel (KernelKind::Wgmma)
//===----------------------------------------------------------------------===//

TEST(CostModelWgmma, KernelKindNames) {
  EXPECT_EQ(parseKernelKind("wgmma"), KernelKind::Wgmma);
  EXPECT_EQ(stringifyKernelKind(KernelKind::Wgmma), "wgmma");
  EXPECT_TRUE(isGeneratedKernel(KernelKind::Wgmma));
  EXPECT_TRUE(isNVGPUKernel(KernelKind::Wgmma));
  EXPECT_TRUE(isNVGPUKernel(KernelKind::MmaSync));
  EXPECT_FALSE(isNVGPUKernel(KernelKind::Simt));
}

TEST(CostModelWgmma, SramBytesByHand) {
  // 1 KiB alignment + Q 192*128*2 + 2 * (K + V) 96*128*2, unpadded, + five
  // 8-byte mbarriers (2 full, 2 empty, Q) in 16-byte units.
  AttentionProblem p = makeProblem(4096, 128);
  EXPECT_EQ(sramBytes(Tiling{192, 96, 2, 12}, p, KernelKind::Wgmma),
            1024 + 49152 + 2 * (24576 + 24576) + 48);
  // d = 64: every tile is a whole number of 1 KiB swizzle atoms; 4 stages,
  // 9 mbarriers.
  AttentionProblem small = makeProblem(4096, 64);
  EXPECT_EQ(sramBytes(Tiling{128, 96, 4, 8}, small, KernelKind::Wgmma),
            1024 + 16384 + 4 * (12288 + 12288) + 80);
  EXPECT_EQ(wgmmaBarrierBytes(1), 32);
  EXPECT_EQ(wgmmaBarrierBytes(4), 80);
}

TEST(CostModelWgmma, RegistersByHand) {
  // O 64 * dv / 128 and S 64 * block_kv / 128 f32 per thread (one m64 per
  // warpgroup): 2 * 64 + 7/4 * 48 - 20 at 192x96, d = 128.
  AttentionProblem p = makeProblem(4096, 128);
  EXPECT_EQ(registersPerThread(Tiling{192, 96, 2, 12}, p, KernelKind::Wgmma),
            2 * 64 + 84 - 20);
  AttentionProblem small = makeProblem(4096, 64);
  EXPECT_EQ(
      registersPerThread(Tiling{128, 96, 2, 8}, small, KernelKind::Wgmma),
      2 * 32 + 84 - 20);
}

TEST(CostModelWgmma, EnumeratesOneM64PerWarpgroup) {
  CostModel model(target("h100"), {KernelKind::Wgmma});
  for (const Tiling &t : model.enumerateCandidates()) {
    EXPECT_EQ(t.blockQ, 16 * t.warps) << t.str();
    EXPECT_EQ(t.warps % 4, 0) << t.str();
  }
}

TEST(CostModelWgmma, RejectsWhatTheKernelCannotRun) {
  CostModel h100(target("h100"), {KernelKind::Wgmma});
  AttentionProblem p = makeProblem(4096, 128);
  // 64 rows per warp: not one m64 per warpgroup.
  CandidateCost rows = h100.evaluate(Tiling{128, 64, 2, 4}, p);
  EXPECT_EQ(rows.legality.reason, LegalityReason::KernelShape);
  EXPECT_NE(rows.legality.message.find("block_q = 16 * warps"),
            std::string::npos)
      << rows.legality.message;
  // Head dim 88 is no whole k16 step (96 is legal: D48).
  AttentionProblem d88 = makeProblem(4096, 88);
  CandidateCost headDim = h100.evaluate(Tiling{128, 64, 2, 8}, d88);
  EXPECT_EQ(headDim.legality.reason, LegalityReason::HeadDim);
  EXPECT_NE(headDim.legality.message.find("multiples of 16 up to 256"),
            std::string::npos);
  EXPECT_TRUE(
      h100.evaluate(Tiling{128, 64, 2, 8}, makeProblem(4096, 96)).fits());
  // The 384-thread block's share of the register file is 168; ptxas fits
  // estimates up to 168 + 48 there without spills (192x112 at d = 128:
  // 2 * 64 + 98 - 20 = 206) and spills past it (192x144: 234, 100 bytes;
  // D52); 192x128 (220) is refused.
  EXPECT_TRUE(h100.evaluate(Tiling{192, 112, 2, 12}, p).fits());
  CandidateCost regs = h100.evaluate(Tiling{192, 128, 2, 12}, p);
  EXPECT_EQ(regs.legality.reason, LegalityReason::RegistersPerThread);
  EXPECT_NE(regs.legality.message.find("220 registers per thread exceed 216"),
            std::string::npos)
      << regs.legality.message;
  // sm_80 has no wgmma.
  CostModel a100(target("a100"), {KernelKind::Wgmma});
  CandidateCost arch = a100.evaluate(Tiling{128, 64, 2, 8}, p);
  EXPECT_EQ(arch.legality.reason, LegalityReason::Arch);
  EXPECT_EQ(arch.legality.message,
            "the target (sm_80) has no wgmma (needs sm_90a)");
}

TEST(CostModelWgmma, PicksTheMeasuredBestTilings) {
  // The H100 runs of the TMA kernel (docs/CostModel.md): at d = 64 N = 16k
  // three consumer warpgroups at one block per SM, the producer kernel
  // ("Three consumer warpgroups"; two blocks of 128x96 before it), 128x160
  // with two warpgroups at d = 128.
  CostModel model(target("h100"), {KernelKind::Wgmma});
  AttentionProblem d64 = makeProblem(16384, 64);
  d64.batch = 1;
  d64.numQueryHeads = d64.numKVHeads = 32;
  TilingDecision a = model.select(d64);
  ASSERT_TRUE(a.found());
  EXPECT_EQ(a.winner().tiling, (Tiling{192, 128, 2, 12}))
      << a.winner().tiling.str();
  EXPECT_EQ(a.winner().blocksPerSM, 1);
  EXPECT_TRUE(buildsWgmmaProducer(a.winner().tiling, a.winner(), d64,
                                  target("h100")));
  // Causal N = 4k: two blocks of 128x96 (the three-warpgroup kernel
  // measured 5% slower there).
  AttentionProblem d64c = makeProblem(4096, 64);
  d64c.batch = 4;
  d64c.numQueryHeads = d64c.numKVHeads = 32;
  d64c.causal = true;
  EXPECT_EQ(model.select(d64c).winner().tiling, (Tiling{128, 96, 2, 8}));
  AttentionProblem d128 = makeProblem(16384, 128);
  d128.batch = 1;
  d128.numQueryHeads = d128.numKVHeads = 16;
  TilingDecision b = model.select(d128);
  ASSERT_TRUE(b.found());
  EXPECT_EQ(b.winner().tiling, (Tiling{128, 160, 2, 8}))
      << b.winner().tiling.str();
  // Causal N = 4k: 128x128, whose q-blocks cross the diagonal in one
  // kv-block where 128x160's cross it in one or two (docs/CostModel.md,
  // "Masked steps and one stage"; 0.5-1.9% ahead in three round-robin runs).
  AttentionProblem causal = makeProblem(4096, 128);
  causal.batch = 4;
  causal.numQueryHeads = causal.numKVHeads = 16;
  causal.causal = true;
  TilingDecision c = model.select(causal);
  ASSERT_TRUE(c.found());
  EXPECT_EQ(c.winner().tiling, (Tiling{128, 128, 2, 8}))
      << c.winner().tiling.str();
  EXPECT_EQ(c.winner().blocksPerSM, 1);
}

TEST(CostModelWgmma, ProducerForTwoOrThreeWarpgroupsThatFitItsRegisters) {
  // wgmma-release=auto's producer kernel: one block per SM, two consumer
  // warpgroups, or three whose register estimate fits the consumers' share
  // (160 of the H100's register file with 512 threads).
  TargetInfo h100 = target("h100");
  EXPECT_EQ(producerConsumerRegisters(h100.regsPerSM, 8), 240);
  EXPECT_EQ(producerConsumerRegisters(h100.regsPerSM, 12), 160);
  CostModel model(h100, {KernelKind::Wgmma});
  AttentionProblem d64 = makeProblem(16384, 64);
  Tiling fits{192, 128, 2, 12}, spills{192, 160, 2, 12}, two{128, 96, 2, 8};
  CandidateCost c = model.evaluate(fits, d64);
  EXPECT_EQ(c.registersPerThread, 156);
  EXPECT_TRUE(buildsWgmmaProducer(fits, c, d64, h100));
  CandidateCost s = model.evaluate(spills, d64);
  EXPECT_GT(s.registersPerThread, 160); // ptxas spilled 248 B there
  EXPECT_FALSE(buildsWgmmaProducer(spills, s, d64, h100));
  // Two blocks per SM: no producer.
  CandidateCost t = model.evaluate(two, d64);
  EXPECT_EQ(t.blocksPerSM, 2);
  EXPECT_FALSE(buildsWgmmaProducer(two, t, d64, h100));
}

TEST(CostModelWgmma, RegisterFeasibilityAgreesWithPtxasAtD256) {
  // bench/experiments/register_vs_ptxas.py (D47): ptxas assembles 64x16 to
  // 64x80 on one warpgroup (169 to 211 registers) and 128x16 to 128x64 on
  // two (168 to 228) without spills at d = 256, which the model keeps (the
  // issue 25 case; and 64x96, 224 registers at an estimate of 256, since
  // D52); 192 rows on three warpgroups spill from 192x16 on. The producer
  // kernel's 128x80 spills 4-72 bytes at its 240 consumer registers (the
  // barrier kernel's 231-241 do not) and is still the faster kernel, so it
  // is built, known to spill (D116).
  TargetInfo h200 = target("h200");
  CostModel model(h200, {KernelKind::Wgmma});
  AttentionProblem d256 = makeProblem(4096, 256);
  for (int64_t kv : {16, 32, 48, 64, 80, 96}) {
    Tiling one{64, kv, 2, 4};
    EXPECT_TRUE(model.evaluate(one, d256).fits()) << one.str();
  }
  for (int64_t kv : {16, 32, 48, 64}) {
    Tiling two{128, kv, 2, 8};
    CandidateCost c = model.evaluate(two, d256);
    EXPECT_TRUE(c.fits()) << two.str();
    EXPECT_TRUE(buildsWgmmaProducer(two, c, d256, h200)) << two.str();
    EXPECT_FALSE(wgmmaProducerSpills(two, c, d256, h200)) << two.str();
  }
  Tiling wide{128, 80, 2, 8};
  CandidateCost w = model.evaluate(wide, d256);
  EXPECT_TRUE(w.fits());
  EXPECT_TRUE(buildsWgmmaProducer(wide, w, d256, h200));
  EXPECT_TRUE(wgmmaProducerSpills(wide, w, d256, h200));
  for (int64_t kv : {16, 32, 48, 64}) {
    Tiling three{192, kv, 2, 12};
    EXPECT_FALSE(model.evaluate(three, d256).fits()) << three.str();
  }
}

TEST(CostModelWgmma, PartlyUsedColumnBlockAgreesWithPtxas) {
  // D48, ptxas 13 for sm_90a at the h200's three consumer warpgroups (160
  // registers a thread): d = 96's 192x96 spills 12 bytes, so its estimate
  // (2 * 48 + 84 - 20, plus 2 for the partly used 64-column block) is over
  // 160 and the producer kernel is not built for it; 192x80 and d = 80's
  // 192x112 (2 * 40 + 98 - 20 + 2 = 160) assemble without spills.
  TargetInfo h200 = target("h200");
  CostModel model(h200, {KernelKind::Wgmma});
  AttentionProblem d96 = makeProblem(4096, 96), d80 = makeProblem(4096, 80);
  Tiling spills{192, 96, 2, 12}, fits{192, 80, 2, 12}, d80Fits{192, 112, 2, 12};
  EXPECT_EQ(registersPerThread(spills, d96, KernelKind::Wgmma), 162);
  EXPECT_EQ(registersPerThread(fits, d96, KernelKind::Wgmma), 148);
  EXPECT_EQ(registersPerThread(d80Fits, d80, KernelKind::Wgmma), 160);
  EXPECT_FALSE(buildsWgmmaProducer(spills, model.evaluate(spills, d96), d96,
                                   h200));
  EXPECT_TRUE(
      buildsWgmmaProducer(fits, model.evaluate(fits, d96), d96, h200));
  EXPECT_TRUE(buildsWgmmaProducer(d80Fits, model.evaluate(d80Fits, d80), d80,
                                  h200));
  // Whole blocks take no extra registers (d = 64 and 128 unchanged).
  EXPECT_EQ(registersPerThread(spills, makeProblem(4096, 128),
                               KernelKind::Wgmma),
            2 * 64 + 84 - 20);
}

TEST(CostModel, MaskedStepsCostMore) {
  // The same tiling and work: a causal problem's diagonal blocks and a
  // ragged Nk's tail block run the masked loop, which the model charges.
  CostModel model(target("h100"), {KernelKind::Wgmma});
  Tiling t{128, 128, 2, 8};
  AttentionProblem even = makeProblem(4096, 128);
  AttentionProblem ragged = even;
  ragged.seqLenKV = 4096 - 64; // 31.5 blocks: the last one masked
  CandidateCost full = model.evaluate(t, even);
  CandidateCost tail = model.evaluate(t, ragged);
  ASSERT_TRUE(full.fits() && tail.fits());
  // Same tile count (the tail block is computed whole), more time.
  EXPECT_DOUBLE_EQ(full.flops, tail.flops);
  EXPECT_GT(tail.computeSeconds, full.computeSeconds);
  // A mask operand masks every block.
  AttentionProblem masked = even;
  masked.maskElementBytes = 1;
  EXPECT_GT(model.evaluate(t, masked).computeSeconds, tail.computeSeconds);
}

TEST(CostModelMmaSync, OneStageWaitsForItsLoads) {
  // One K/V slot: block j + 1's loads start only once block j is done with
  // it. Measured on the H100 (docs/CostModel.md, "Masked steps and one
  // stage"): two stages 2.5-11.6% faster than one at the same tiling, so
  // the causal small-N picks have two.
  CostModel model(target("h100"), {KernelKind::MmaSync});
  AttentionProblem p = benchmarkProblem(1024, 64, true);
  CandidateCost one = model.evaluate(Tiling{128, 64, 1, 4}, p);
  CandidateCost two = model.evaluate(Tiling{128, 64, 2, 4}, p);
  ASSERT_TRUE(one.fits() && two.fits());
  EXPECT_EQ(one.blocksPerSM, two.blocksPerSM);
  EXPECT_GT(one.predictedSeconds, two.predictedSeconds);
  // The measured best tilings at d = 64 causal N = 2k (128x96, 4 warps;
  // D58's register estimate keeps 192x48 within 255, which ptxas assembles
  // without spills: moved, not yet measured) and d = 128 causal N = 1k.
  EXPECT_EQ(benchmarkPick(model, 2048, 64, true).tiling,
            (Tiling{192, 48, 2, 4}));
  EXPECT_EQ(benchmarkPick(model, 1024, 128, true).tiling,
            (Tiling{128, 64, 2, 4}));
}

TEST(CostModelMmaSync, CopiesAndBarriersScaleWithTheBlock) {
  // Every thread of an mma-sync block issues its share of the step's
  // cp.async copies, and the step's barrier joins all its warps
  // (docs/CostModel.md, "mma-sync copies and barriers"). Measured on the
  // H100, round-robin: at d = 64 causal N = 1k 128x64 with 4 warps beat
  // 64x64 with 2 by 2.5-5.8%; at N = 4k 128x96 with 4 warps beat 256x96
  // with 8 by 1.3-2.3%, at N = 8k the reverse by 1.1-2.9%. D58's register
  // estimate keeps 192x48 on 4 warps within 255 (ptxas: 252, no spills;
  // D03's estimate, 259, priced it as a spill), which the model now picks
  // at N >= 4k at d = 64, and 256x48 (estimate 234) at d = 128, N = 16k
  // (not yet measured; docs/decisions.md D58).
  EXPECT_EQ(h100MmaSyncPick(1024, 64, true), (Tiling{128, 64, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(4096, 64, true), (Tiling{192, 48, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(8192, 64, true), (Tiling{192, 48, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(4096, 64, false), (Tiling{192, 48, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(16384, 128, false), (Tiling{256, 48, 2, 8}));

  CostModel model(target("h100"), {KernelKind::MmaSync});
  // Half the threads copy the same tile: the 2-warp block's step is longer
  // than the 4-warp block's by more than its rows' share of the work.
  // Both run 8 warps an SM.
  AttentionProblem p = benchmarkProblem(1024, 64, true);
  CandidateCost two = model.evaluate(Tiling{64, 64, 2, 2}, p);
  CandidateCost four = model.evaluate(Tiling{128, 64, 2, 4}, p);
  ASSERT_TRUE(two.fits() && four.fits());
  EXPECT_EQ(two.blocksPerSM * 2, four.blocksPerSM * 4);
  EXPECT_GT(two.computeSeconds, four.computeSeconds);
}

TEST(CostModelMmaSync, SpillingBlocksWaitLongerAtTheBarrier) {
  // The d = 128 mma-sync tilings with 64-column kv blocks are over the 255
  // registers a thread can have, and ptxas spills; the spilling block's warps
  // reach the step's barrier at different times (Nsight Compute: 2.0-2.3x the
  // barrier stalls for 8 warps against 4 at d = 128, 0.3-0.55x at d = 64 where
  // neither spills). Measured on the H100, round-robin: at d = 128 causal
  // N = 4k and 8k 128x64 with 4 warps beat 256x64 with 8 (1.7-5.9%,
  // 0.9-4.0%), at 16k the reverse (2.6-4.5%); d = 64 causal N = 8k keeps
  // its 8-warp blocks (1.1-2.9% ahead). D58's estimate keeps the 48-column
  // kv blocks within 255 (128x48 on 4 warps, 256x48 on 8), which the model
  // now prefers to the spilling 64-column ones (not yet measured).
  EXPECT_EQ(h100MmaSyncPick(2048, 128, true), (Tiling{128, 48, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(4096, 128, true), (Tiling{128, 48, 2, 4}));
  EXPECT_EQ(h100MmaSyncPick(8192, 128, true), (Tiling{256, 48, 2, 8}));
  EXPECT_EQ(h100MmaSyncPick(16384, 128, true), (Tiling{256, 48, 2, 8}));
  EXPECT_EQ(h100MmaSyncPick(8192, 64, true), (Tiling{192, 48, 2, 4}));

  CostModel model(target("h100"), {KernelKind::MmaSync});
  // The same two tilings at d = 128 causal N = 4k: both spill and have the
  // same 8 warps an SM; the 8-warp block's barrier is the longer, and more
  // so than it would be without the spills.
  AttentionProblem p = benchmarkProblem(4096, 128, true);
  CandidateCost eight = model.evaluate(Tiling{256, 64, 2, 8}, p);
  CandidateCost four = model.evaluate(Tiling{128, 64, 2, 4}, p);
  ASSERT_TRUE(eight.fits() && four.fits());
  EXPECT_GT(eight.registersPerThread, 255);
  EXPECT_GT(four.registersPerThread, 255);
  EXPECT_GT(eight.computeSeconds, four.computeSeconds);
}

TEST(CostModelWgmma, PicksTheMeasuredBestTilingsAtSmallN) {
  // The small-N sweeps of the TMA kernel (docs/CostModel.md, "Small N with
  // TMA"): at causal N = 1k, d = 64, one-warpgroup 64-row blocks, several
  // per SM, beat the 128-row blocks; at d = 128 the producer kernel's
  // 128-row blocks win there too since its epilogue stores through TMA
  // (the v9 sweep: 394.0 against 355-374 TFLOP/s for 64x48; "The producer
  // kernel's step"), as at causal N = 2k and non-causal N = 1k.
  CostModel model(target("h100"), {KernelKind::Wgmma});
  auto pick = [&](int64_t n, int64_t d, bool causal) {
    return benchmarkPick(model, n, d, causal);
  };
  CandidateCost c128 = pick(1024, 128, true);
  EXPECT_EQ(c128.tiling, (Tiling{128, 128, 2, 8})) << c128.tiling.str();
  EXPECT_EQ(c128.blocksPerSM, 1);
  CandidateCost c64 = pick(1024, 64, true);
  EXPECT_EQ(c64.tiling, (Tiling{64, 64, 2, 4})) << c64.tiling.str();
  EXPECT_EQ(c64.blocksPerSM, 4);
  EXPECT_EQ(pick(2048, 128, true).tiling, (Tiling{128, 128, 2, 8}));
  // Four resident single-warpgroup blocks hide more than two blocks of two
  // (docs/CostModel.md, "Four resident blocks"): d = 64 causal N = 2k.
  CandidateCost c64n2k = pick(2048, 64, true);
  EXPECT_EQ(c64n2k.tiling, (Tiling{64, 80, 2, 4})) << c64n2k.tiling.str();
  EXPECT_EQ(c64n2k.blocksPerSM, 4);
  EXPECT_EQ(pick(1024, 128, false).tiling, (Tiling{128, 128, 2, 8}));
}

TEST(CostModelWgmma, TwoWarpgroupTurnsHideTheMmasUnlessTheSoftmaxIsMuchLonger) {
  // The producer kernel's two consumer warpgroups hide 0.8 of the MMAs
  // under each other's softmax where the softmax (its lane work and the
  // copies') is at most 1.375 times the MMAs: d = 96 (1.25 at 128x128),
  // not d = 64 (1.75), where a lone block's 8 warps issue it too slowly
  // (D33, D89). By hand, in clocks of one SM (4096 tensor FLOPs, 128
  // lanes, 16 SFUs a clock; h200): 128x128 at N = 16k, non-causal, one
  // block per SM, no masked tile.
  TargetInfo h200 = target("h200");
  CostModel model(h200, {KernelKind::Wgmma});
  double clock = h200.tensorTFlops * 1e12 / h200.smCount / 4096;
  auto checkStepByHand = [&](int64_t d, double hiddenShare) {
    AttentionProblem p = benchmarkProblem(16384, d, false);
    Tiling t{128, 128, 2, 8};
    CandidateCost c = model.evaluate(t, p);
    EXPECT_EQ(c.blocksPerSM, 1) << d;
    EXPECT_TRUE(buildsWgmmaProducer(t, c, p, h200)) << d;
    double scores = 128.0 * 128;
    double tensor = 2 * scores * (2 * d) / 4096;
    // Softmax: 4 lane ops and an ex2 (8 lane slots) a score, O's rescale;
    // 12 lane ops per 16-byte chunk of K and V.
    double lane =
        (12 * scores + 128.0 * d) / 128 + 12 * (128.0 * 2 * d * 2 / 16) / 128;
    double step = tensor + lane - hiddenShare * std::min(tensor, lane) + 530;
    double tiles = double(p.batch) * p.numQueryHeads * 128 * 128;
    double blocks = double(p.batch) * p.numQueryHeads * 128;
    double fixed = 3000 / clock + 128.0 * (d + d / 2.0) * 2 /
                                      (h200.hbmGBps * 1e9 / h200.smCount);
    double waves = std::ceil(blocks / h200.smCount);
    double utilization = blocks / (waves * h200.smCount);
    double expected =
        (tiles * step / clock + blocks * fixed) / h200.smCount / utilization;
    EXPECT_NEAR(c.computeSeconds / expected, 1.0, 1e-9) << d;
    return lane / tensor;
  };
  // The softmax over the MMAs: 1.25 at d = 96, 1.75 at d = 64.
  EXPECT_NEAR(checkStepByHand(96, 0.8), 1.25, 1e-12);
  EXPECT_NEAR(checkStepByHand(64, 0.0), 1.75, 1e-12);
  // So at the forward tiling sweep's d = 96 shapes (H100, D89) the model
  // picks two warpgroups of 128 rows, measured the fastest or within 2.5%
  // of it, where it picked 192x80 (three warpgroups) at N >= 4k, 1.4-5.2%
  // behind the fastest, and 256x80 at N = 1k, 7.2%.
  for (const char *name : {"h100", "h200"}) {
    CostModel m(target(name), {KernelKind::Wgmma});
    for (bool causal : {false, true}) {
      EXPECT_EQ(benchmarkPick(m, 1024, 96, causal).tiling,
                (Tiling{128, 128, 2, 8}))
          << name << causal;
      for (int64_t n : {4096, 16384})
        EXPECT_EQ(benchmarkPick(m, n, 96, causal).tiling,
                  (Tiling{128, 192, 2, 8}))
            << name << n << causal;
    }
  }
}

TEST(CostModelSelect, L2EstimateNeverExceedsTheorem2) {
  // L2 only removes DRAM reads: the estimate with L2 reuse never exceeds
  // Theorem 2's count, and every prediction is finite and positive, for
  // windows from none to beyond both sequences, Nq != Nk either way, GQA,
  // and few SMs, where a wave's share of a K/V head wraps from one query
  // head's last q-blocks to the next one's first (their two bands were
  // counted as their hull) and where the shares are sampled (D86).
  struct Window {
    bool on;
    int64_t left, right;
  };
  const int64_t huge = 2147483647;
  int checked = 0;
  for (int64_t sms : {3, 132})
    for (bool causal : {false, true})
      for (Window w : {Window{false, 0, 0}, Window{true, 0, 0},
                       Window{true, 16, 0}, Window{true, 16, 16},
                       Window{true, 0, 5000}, Window{true, 5000, 0},
                       Window{true, huge, 0}, Window{true, huge, huge}})
        for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1, 1},
                              {1, 5000},
                              {5000, 1},
                              {4096, 1000},
                              {1000, 4096}})
          for (int64_t group : {1, 4}) {
            if (w.on && causal && w.right)
              continue;
            AttentionProblem p = tinyProblem(nq, nk, 64, causal);
            p.window = w.on;
            p.windowLeft = w.left;
            p.windowRight = w.right;
            p.batch = 2;
            p.numKVHeads = 2;
            p.numQueryHeads = 2 * group;
            TargetInfo tgt = target("h100");
            tgt.smCount = sms;
            for (KernelKind kind : {KernelKind::Wgmma, KernelKind::MmaSync}) {
              CostModel model(tgt, {kind});
              for (Tiling t : model.enumerateCandidates()) {
                CandidateCost c = model.evaluate(t, p);
                if (!c.fits())
                  continue;
                ++checked;
                ASSERT_TRUE(c.dramBytes >= 0 &&
                            c.dramBytes <= c.hbm.total() &&
                            std::isfinite(c.predictedSeconds) &&
                            c.predictedSeconds > 0)
                    << "sms " << sms << " causal " << causal << " window "
                    << w.on << " " << w.left << "/" << w.right << " nq "
                    << nq << " nk " << nk << " group " << group << " "
                    << t.str() << ": DRAM " << c.dramBytes << " of "
                    << c.hbm.total() << ", " << c.predictedSeconds << " s";
              }
            }
          }
  EXPECT_GT(checked, 10000);
}
