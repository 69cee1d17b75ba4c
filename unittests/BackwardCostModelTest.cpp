//===- BackwardCostModelTest.cpp - The backward's tiling and dQ ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BackwardCostModel.h"

#include "gtest/gtest.h"

using namespace mlir::fa;

namespace {

AttentionProblem problem(int64_t nq, int64_t nk, int64_t d, bool causal) {
  AttentionProblem p;
  p.batch = 2;
  p.numQueryHeads = 8;
  p.numKVHeads = 2;
  p.seqLenQ = nq;
  p.seqLenKV = nk;
  p.headDim = p.valueHeadDim = d;
  p.causal = causal;
  return p;
}

/// Pairs (i, j) with j * Bc <= lastRow(i) + Nk - Nq, counted one by one.
std::pair<int64_t, int64_t> bruteForce(const Tiling &t,
                                       const AttentionProblem &p) {
  int64_t nQ = (p.seqLenQ + t.blockQ - 1) / t.blockQ;
  int64_t nK = (p.seqLenKV + t.blockKV - 1) / t.blockKV;
  int64_t pairs = 0, most = 0;
  for (int64_t j = 0; j < nK; ++j) {
    int64_t count = 0;
    for (int64_t i = 0; i < nQ; ++i) {
      int64_t lastRow = std::min((i + 1) * t.blockQ, p.seqLenQ) - 1;
      if (!p.causal || j * t.blockKV <= lastRow + p.seqLenKV - p.seqLenQ)
        ++count;
    }
    pairs += count;
    most = std::max(most, count);
  }
  return {pairs, most};
}

TEST(BackwardCostModel, PairsMatchBruteForce) {
  for (bool causal : {false, true})
    for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1000, 1000},
                          {17, 300}, {300, 17}, {1, 1}, {4096, 4096},
                          {777, 2049}, {2049, 777}, {128, 4096}})
      for (Tiling t : {Tiling{64, 128, 2, 8}, Tiling{48, 80, 1, 4},
                       Tiling{128, 16, 1, 4}, Tiling{16, 256, 2, 16}}) {
        AttentionProblem p = problem(nq, nk, 64, causal);
        EXPECT_EQ(backwardPairs(t, p), bruteForce(t, p))
            << nq << "x" << nk << " " << t.str() << " causal " << causal;
      }
}

TEST(BackwardCostModel, PairsAtTheLargestLengths) {
  // 2^31 - 1 rows: the floor sum needs no loop over the blocks.
  AttentionProblem p = problem((int64_t(1) << 31) - 1, (int64_t(1) << 31) - 1,
                               64, true);
  Tiling t{64, 128, 2, 8};
  auto [pairs, most] = backwardPairs(t, p);
  int64_t nQ = ((int64_t(1) << 31) - 1 + 63) / 64;
  EXPECT_EQ(most, nQ);
  // About half the square: each kv-block of 128 rows skips 2 q-blocks more
  // than the one before.
  EXPECT_GT(pairs, nQ * (nQ / 2) / 2 - nQ);
  EXPECT_LT(pairs, nQ * (nQ / 2) / 2 + 2 * nQ);
}

TEST(BackwardCostModel, SharedMemoryAndRegistersByHand) {
  TargetInfo a100 = *lookupKnownTarget("a100");
  BackwardCostModel model(a100, KernelKind::MmaSync);
  AttentionProblem p = problem(4096, 4096, 128, false);
  BackwardCost c =
      model.evaluate({64, 128, 1, 8}, p, DqAccumulation::Atomic);
  // K, V: 128 x 136 x 2 = 34816 each; one stage of Q, dO: 64 x 136 x 2 =
  // 17408 each, lse and D rows 256 each; P and dS: 64 x 136 x 2 = 17408
  // each. Two stages would need 175104 > 166912.
  EXPECT_EQ(c.sramBytes, 2 * 34816 + (2 * 17408 + 2 * 256) + 2 * 17408);
  EXPECT_NE(model.evaluate({64, 128, 2, 8}, p, DqAccumulation::Atomic)
                .rejection.find("shared memory"),
            std::string::npos);
  // dK, dV: 128 x 256 / 256 = 128; S/P + dP: 2 x 64 x 128 / 256 = 64 (dS
  // and dQ's part: (8192 + 8192) / 256 = 64); overhead 32.
  EXPECT_EQ(c.registersPerThread, 128 + 64 + 32);
  EXPECT_TRUE(c.fits()) << c.rejection;
  EXPECT_EQ(c.numBlocks, 2 * 2 * 32);
  EXPECT_EQ(c.pairs, 64 * 32 * 2 * 8);
  EXPECT_EQ(c.maxPairsPerBlock, 64 * 4);
  // 2.5 times the forward's FLOPs at d = dv.
  EXPECT_DOUBLE_EQ(c.flops, 2.0 * 64 * 128 * 5 * 128 * c.pairs);
}

TEST(BackwardCostModel, RejectsWhatDoesNotFit) {
  TargetInfo a100 = *lookupKnownTarget("a100");
  BackwardCostModel model(a100, KernelKind::MmaSync);
  AttentionProblem p = problem(4096, 4096, 256, false);
  BackwardCost big =
      model.evaluate({256, 256, 2, 16}, p, DqAccumulation::Atomic);
  EXPECT_FALSE(big.fits());
  EXPECT_NE(big.rejection.find("shared memory"), std::string::npos);
  BackwardCost regs =
      model.evaluate({128, 128, 1, 2}, problem(1024, 1024, 64, false),
                     DqAccumulation::Atomic);
  EXPECT_NE(regs.rejection.find("registers per thread"), std::string::npos);
}

TEST(BackwardCostModel, SelectsPerTargetAndHeadDim) {
  for (const char *name : {"a100", "h100", "rtx4090"}) {
    std::optional<TargetInfo> target = lookupKnownTarget(name);
    ASSERT_TRUE(target) << name;
    for (int64_t d : {64, 128, 256}) {
      BackwardDecision decision =
          BackwardCostModel(*target, KernelKind::MmaSync)
              .select(problem(4096, 4096, d, true), false);
      ASSERT_TRUE(decision.found()) << name << " d " << d << decision.reason;
      const BackwardCost &w = decision.winner();
      EXPECT_LE(w.sramBytes, target->sramPerBlock);
      EXPECT_LE(w.registersPerThread, target->maxRegsPerThread);
      for (const BackwardCost &c : decision.candidates)
        if (c.fits())
          EXPECT_GE(c.predictedSeconds, w.predictedSeconds);
    }
  }
  BackwardDecision wgmma =
      BackwardCostModel(*lookupKnownTarget("h100"), KernelKind::Wgmma)
          .select(problem(4096, 4096, 128, false), false);
  ASSERT_TRUE(wgmma.found());
  EXPECT_EQ(wgmma.winner().tiling.blockKV, 16 * wgmma.winner().tiling.warps);
}

TEST(BackwardCostModel, DeterministicOrdersTheAdds) {
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::MmaSync);
  AttentionProblem p = problem(8192, 8192, 128, false);
  BackwardDecision atomic = model.select(p, false);
  BackwardDecision ordered = model.select(p, true);
  EXPECT_EQ(atomic.dq, DqAccumulation::Atomic);
  EXPECT_EQ(ordered.dq, DqAccumulation::Ordered);
  EXPECT_GT(ordered.winner().orderingSeconds, 0);
  EXPECT_EQ(atomic.winner().orderingSeconds, 0);
  EXPECT_GE(ordered.winner().predictedSeconds,
            atomic.winner().predictedSeconds);
  EXPECT_NE(ordered.reason.find("ordered dQ"), std::string::npos);
}

TEST(BackwardCostModel, NothingFitsATinySram) {
  TargetInfo tiny = *lookupKnownTarget("a100");
  tiny.sramPerBlock = 4096;
  BackwardDecision decision = BackwardCostModel(tiny, KernelKind::MmaSync)
                                  .select(problem(1024, 1024, 128, false),
                                          false);
  EXPECT_FALSE(decision.found());
  EXPECT_NE(decision.reason.find("no backward tiling fits"),
            std::string::npos);
}

} // namespace
