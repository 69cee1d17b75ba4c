//===- BackwardCostModelTest.cpp - The backward's tiling and dQ ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BackwardCostModel.h"

#include "gtest/gtest.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

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

TEST(BackwardCostModel, PairsOfAMaskPattern) {
  // N = 4096, causal chunks of 1024, 32 x 64 blocks: q-block i of a chunk
  // sees its kv-blocks 0 .. floor((32 i + 31) / 64), 2 (1 + .. + 16) = 272
  // pairs a chunk; a chunk's first kv-block sees its 32 q-blocks (dense
  // causal: 2 (1 + .. + 64) = 4160). The prediction of the mma.sync
  // backward counts them: under half of the dense causal one's time.
  AttentionProblem p = problem(4096, 4096, 64, true);
  Tiling t{32, 64, 2, 4};
  AttentionProblem chunked = p;
  chunked.maskChunk = 1024;
  EXPECT_EQ(backwardPairs(t, chunked),
            std::make_pair(int64_t(4 * 272), int64_t(32)));
  EXPECT_EQ(backwardPairs(t, p).first, 4160);
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::MmaSync);
  BackwardCost dense = model.evaluate(t, p, DqAccumulation::Atomic);
  BackwardCost sparse = model.evaluate(t, chunked, DqAccumulation::Atomic);
  ASSERT_TRUE(dense.fits() && sparse.fits()) << dense.rejection;
  EXPECT_EQ(sparse.pairs, 4 * 272 * p.batch * p.numQueryHeads);
  EXPECT_LT(sparse.predictedSeconds, 0.5 * dense.predictedSeconds);
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
  // 17408 each, lse and D rows 256 each; dS^T: 128 x 72 x 2 = 18432 (P^T
  // stays in registers), as the kernel's layout (backwardSharedBytes).
  EXPECT_EQ(c.sramBytes, 2 * 34816 + (2 * 17408 + 2 * 256) + 18432);
  // A second stage of Q_i, dO_i, lse_i and D_i; three are outside the
  // kernel's shapes.
  EXPECT_EQ(model.evaluate({64, 128, 2, 8}, p, DqAccumulation::Atomic)
                .sramBytes,
            c.sramBytes + 2 * 17408 + 2 * 256);
  EXPECT_NE(model.evaluate({64, 128, 3, 8}, p, DqAccumulation::Atomic)
                .rejection.find("stages 1 or 2"),
            std::string::npos);
  // ptxas's fit: 20 + (D + Dv) / 2 + (35 + D / 8) per 16 rows of block_q,
  // over the 255 a thread may use (ptxas spills it).
  EXPECT_EQ(c.registersPerThread, 20 + 128 + 4 * (35 + 128 / 8));
  EXPECT_NE(c.rejection.find("352 registers per thread exceed 255 (the "
                             "mma-sync backward's ptxas fit"),
            std::string::npos)
      << c.rejection;
  EXPECT_TRUE(model.evaluate({16, 128, 1, 8}, p, DqAccumulation::Atomic)
                  .fits());
  EXPECT_EQ(c.numBlocks, 2 * 2 * 32);
  EXPECT_EQ(c.pairs, 64 * 32 * 2 * 8);
  EXPECT_EQ(c.maxPairsPerBlock, 64 * 4);
  // 2.5 times the forward's FLOPs at d = dv.
  EXPECT_DOUBLE_EQ(c.flops, 2.0 * 64 * 128 * 5 * 128 * c.pairs);
}

TEST(BackwardCostModel, MmaSyncRegistersAgreeWithPtxas) {
  // ptxas (CUDA 13) on the main kernel, sm_80 and sm_90a, bf16 and f16,
  // 4 and 8 warps (bench/experiments/backward_register_vs_ptxas.py):
  // without spills at block_q 16 and 32 for D = 64 and 128, 16 for
  // D = 192 (Dv = 128); spilling at block_q 64 (D = 64, 128), 32 (D =
  // 192) and at every block_q for D = 256.
  struct Point {
    int64_t d, dv, blockQ;
    bool clean;
  };
  TargetInfo h100 = *lookupKnownTarget("h100");
  for (Point point : {Point{64, 64, 16, true}, Point{64, 64, 32, true},
                      Point{64, 64, 64, false}, Point{128, 128, 16, true},
                      Point{128, 128, 32, true}, Point{128, 128, 64, false},
                      Point{192, 128, 16, true}, Point{192, 128, 32, false},
                      Point{256, 256, 16, false}})
    for (int64_t warps : {4, 8}) {
      Tiling t{point.blockQ, 16 * warps, 1, warps};
      AttentionProblem p = problem(4096, 4096, point.d, false);
      p.valueHeadDim = point.dv;
      BackwardCost c = BackwardCostModel(h100, KernelKind::MmaSync)
                           .evaluate(t, p, DqAccumulation::Atomic);
      EXPECT_EQ(c.fits(), point.clean)
          << point.d << " " << t.str() << ": " << c.rejection;
      EXPECT_EQ(c.registersPerThread <= kMmaSyncBackwardRegisters.limit,
                point.clean);
    }
}

TEST(BackwardCostModel, RejectsWhatDoesNotFit) {
  TargetInfo a100 = *lookupKnownTarget("a100");
  BackwardCostModel model(a100, KernelKind::MmaSync);
  AttentionProblem p = problem(4096, 4096, 256, false);
  // K_j, V_j at D = 128: 128 x 136 x 2 B each, over a 50000 B block.
  TargetInfo small = a100;
  small.sramPerBlock = 50000;
  BackwardCost big =
      BackwardCostModel(small, KernelKind::MmaSync)
          .evaluate({16, 128, 1, 8}, problem(4096, 4096, 128, false),
                    DqAccumulation::Atomic);
  EXPECT_FALSE(big.fits());
  EXPECT_NE(big.rejection.find("shared memory"), std::string::npos);
  // More than 8 warps would leave ptxas fewer than 255 registers.
  EXPECT_NE(model.evaluate({16, 256, 1, 16}, p, DqAccumulation::Atomic)
                .rejection.find("8 warps at most"),
            std::string::npos);
  // D = 256: dK_j, dV_j alone are 256 registers a thread (the fit: 319).
  BackwardCost regs =
      model.evaluate({16, 32, 1, 2}, p, DqAccumulation::Atomic);
  EXPECT_NE(regs.rejection.find("registers per thread"), std::string::npos);
  // Kv rows other than 16 per warp are outside the kernel's shapes.
  EXPECT_NE(model.evaluate({16, 64, 1, 8}, problem(1024, 1024, 64, false),
                           DqAccumulation::Atomic)
                .rejection.find("16 rows per warp"),
            std::string::npos);
}

TEST(BackwardCostModel, SelectsPerTargetAndHeadDim) {
  for (const char *name : {"a100", "h100", "rtx4090"}) {
    std::optional<TargetInfo> target = lookupKnownTarget(name);
    ASSERT_TRUE(target) << name;
    // D = 256: dK_j and dV_j need 256 registers per thread (16 kv rows a
    // warp): no tiling.
    EXPECT_FALSE(BackwardCostModel(*target, KernelKind::MmaSync)
                     .select(problem(4096, 4096, 256, true), false)
                     .found());
    for (int64_t d : {64, 128}) {
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

// The wgmma backward's TMA ring (D61): with two buffers the next step's
// loads land during this step's products, so a step pays only its
// barriers, and the ring wins over one buffer by the load latency a step
// (kBackwardStep: 0.2 us) while shared memory allows it.
TEST(BackwardCostModel, WgmmaRingHidesTheStepsLoads) {
  BackwardCostModel model(*lookupKnownTarget("h200"), KernelKind::Wgmma);
  for (int64_t d : {64, 128}) {
    AttentionProblem p = problem(4096, 4096, d, false);
    BackwardCost one = model.evaluate({64, 128, 1, 8}, p, DqAccumulation::Atomic);
    BackwardCost ring =
        model.evaluate({64, 128, 2, 8}, p, DqAccumulation::Atomic);
    ASSERT_TRUE(ring.fits()) << ring.rejection;
    EXPECT_NEAR(one.stepOverheadSeconds - ring.stepOverheadSeconds, 0.2e-6,
                1e-12);
    EXPECT_NEAR(ring.stepOverheadSeconds, 0.1e-6, 1e-12);
    EXPECT_LT(ring.computeSeconds, one.computeSeconds);
    // The second Q_i, dO_i buffer, the two mbarriers and the warps' dQ
    // tiles (8 x 16 rows of D / 2 f32, in boxes of 32 columns: D79); the
    // rows' second buffer shares the first one's 1 KiB region.
    EXPECT_EQ(ring.sramBytes - one.sramBytes,
              64 * (2 * d) * 2 + 2 * kMBarrierBytes +
                  llvm::alignTo(8 * 16 * (d / 2 * 4), 1024));
    BackwardDecision pick = model.select(p, DqAccumulation::Atomic);
    ASSERT_TRUE(pick.found());
    EXPECT_EQ(pick.winner().tiling.stages, 2);
  }
  // Ordered dQ takes the ring too (its bulk reductions complete before a
  // turn passes), and so does a block mask (a skipped step's mbarrier
  // phase completes by a plain arrival, D75), with either dQ; a mask
  // pattern's steps (the kv-blocks' lists) as well.
  BackwardDecision ordered =
      model.select(problem(4096, 4096, 128, false), DqAccumulation::Ordered);
  ASSERT_TRUE(ordered.found());
  EXPECT_EQ(ordered.winner().tiling.stages, 2);
  AttentionProblem masked = problem(4096, 4096, 128, false);
  masked.blockMaskQ = 128;
  masked.blockMaskKV = 128;
  for (DqAccumulation dq : {DqAccumulation::Atomic, DqAccumulation::Ordered}) {
    EXPECT_TRUE(model.evaluate({64, 128, 2, 8}, masked, dq).fits());
    BackwardDecision maskedPick = model.select(masked, dq);
    ASSERT_TRUE(maskedPick.found());
    EXPECT_EQ(maskedPick.winner().tiling.stages, 2);
  }
  AttentionProblem patterned = problem(4096, 4096, 128, true);
  patterned.maskChunk = 1024;
  BackwardDecision chunkPick =
      model.select(patterned, DqAccumulation::Atomic);
  ASSERT_TRUE(chunkPick.found());
  EXPECT_EQ(chunkPick.winner().tiling.stages, 2);
  // The pattern's pairs are the lists', fewer than dense causal's.
  EXPECT_LT(chunkPick.winner().pairs,
            model.evaluate({64, 128, 2, 8}, problem(4096, 4096, 128, true),
                           DqAccumulation::Atomic)
                .pairs);
  // Three buffers are outside the kernel's shapes; a target whose shared
  // memory holds one buffer and not two keeps one.
  EXPECT_FALSE(model
                   .evaluate({64, 128, 3, 8}, problem(4096, 4096, 64, false),
                             DqAccumulation::Atomic)
                   .fits());
  TargetInfo small = *lookupKnownTarget("h200");
  small.sramPerBlock = 120 * 1024;
  BackwardDecision pick = BackwardCostModel(small, KernelKind::Wgmma)
                              .select(problem(4096, 4096, 128, false),
                                      DqAccumulation::Atomic);
  ASSERT_TRUE(pick.found());
  EXPECT_EQ(pick.winner().tiling.stages, 1);
}

// The wgmma backward's shared memory by hand (bf16): K_j, V_j [128, 128]
// 32 KiB each, Q_i, dO_i [64, 128] 16 KiB each, dS^T [128, 64] 16 KiB, the
// logsumexp and D rows (2 x 64 f32, in a 1 KiB region) and 1 KiB of
// alignment slack; D = 64: half of K, V, Q, dO. Each region starts on a
// 1 KiB swizzle atom.
TEST(BackwardCostModel, CompactedWalkPricesItsList) {
  // D94: the list of a kv-block's steps (4 query heads a K/V head times
  // 4096 / 64 q-blocks, i32) and its count, after the ring's tiles,
  // rounded to the swizzle atom; only on the ring with a block mask and
  // atomic dQ, never at the column split.
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  AttentionProblem p = problem(4096, 4096, 128, false);
  p.blockMaskQ = p.blockMaskKV = 128;
  Tiling ring{64, 128, 2, 8};
  EXPECT_EQ(compactedWalkEntries(ring, p), 4 * 64);
  BackwardCost dense = model.evaluate(ring, p, DqAccumulation::Atomic);
  BackwardCost compacted = model.evaluate(ring, p, DqAccumulation::Atomic,
                                          BlockMaskWalk::Compacted);
  ASSERT_TRUE(compacted.fits()) << compacted.rejection;
  EXPECT_EQ(compacted.sramBytes - dense.sramBytes,
            llvm::alignTo((4 * 64 + 1) * 4, kWgmmaSwizzleAtomBytes));
  WgmmaBackwardLayout layout(ring, 128, 128, 2, 4 * 64);
  EXPECT_EQ(layout.listEntries, 4 * 64);
  EXPECT_EQ(layout.list + kWgmmaSwizzleAtomBytes,
            WgmmaBackwardLayout(ring, 128, 128, 2).totalBytes);
  // The model's pick with the compacted walk is the ring.
  BackwardDecision pick = model.select(p, DqAccumulation::Atomic,
                                       BlockMaskWalk::Compacted);
  ASSERT_TRUE(pick.found());
  EXPECT_EQ(pick.winner().tiling.stages, 2);
  // Refusals: one buffer, ordered dQ, no block mask, the mma.sync kernel,
  // the column split; and a list the shared memory cannot hold.
  EXPECT_FALSE(model
                   .evaluate({64, 128, 1, 8}, p, DqAccumulation::Atomic,
                             BlockMaskWalk::Compacted)
                   .fits());
  EXPECT_TRUE(blockMaskWalkReason(KernelKind::Wgmma, DqAccumulation::Ordered,
                                  BlockMaskWalk::Compacted, p));
  EXPECT_FALSE(blockMaskWalkReason(KernelKind::Wgmma, DqAccumulation::Ordered,
                                   BlockMaskWalk::Dense, p));
  EXPECT_TRUE(blockMaskWalkReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                  BlockMaskWalk::Compacted,
                                  problem(4096, 4096, 128, false)));
  EXPECT_TRUE(blockMaskWalkReason(KernelKind::MmaSync, DqAccumulation::Atomic,
                                  BlockMaskWalk::Compacted, p));
  AttentionProblem wide = p;
  wide.headDim = wide.valueHeadDim = 256;
  EXPECT_TRUE(blockMaskWalkReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                  BlockMaskWalk::Compacted, wide));
  AttentionProblem huge = p;
  huge.seqLenQ = huge.seqLenKV = 1 << 20;
  BackwardCost tooBig = model.evaluate(ring, huge, DqAccumulation::Atomic,
                                       BlockMaskWalk::Compacted);
  EXPECT_FALSE(tooBig.fits());
  EXPECT_NE(tooBig.rejection.find("shared memory"), std::string::npos)
      << tooBig.rejection;
  EXPECT_EQ(parseBlockMaskWalk("compacted"), BlockMaskWalk::Compacted);
  EXPECT_EQ(stringifyBlockMaskWalk(BlockMaskWalk::Dense), "dense");
  EXPECT_FALSE(parseBlockMaskWalk("sparse"));
}

TEST(BackwardCostModel, DKInFlightRule) {
  // D101: dK's product in flight is the wgmma row split's TMA ring without
  // a runtime block mask; `none` is every kernel's; ordered dQ, windows
  // and D = 64 to 128 take it. Not yet the auto pick (no GPU run).
  AttentionProblem p = problem(4096, 4096, 128, true);
  Tiling ring{64, 128, 2, 8}, one{64, 128, 1, 8};
  EXPECT_FALSE(kInFlightGpuChecked);
  EXPECT_FALSE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, p,
                              &ring));
  EXPECT_FALSE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, p));
  EXPECT_FALSE(inFlightReason(KernelKind::MmaSync, InFlightProducts::None,
                              p));
  AttentionProblem d64 = problem(1000, 777, 64, true);
  EXPECT_FALSE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, d64,
                              &ring));
  EXPECT_TRUE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, p,
                             &one));
  EXPECT_TRUE(inFlightReason(KernelKind::MmaSync, InFlightProducts::DK, p));
  AttentionProblem masked = p;
  masked.blockMaskQ = masked.blockMaskKV = 128;
  EXPECT_TRUE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, masked,
                             &ring));
  AttentionProblem wide = p;
  wide.headDim = wide.valueHeadDim = 256;
  EXPECT_TRUE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, wide));
  EXPECT_EQ(parseInFlightProducts("dk"), InFlightProducts::DK);
  EXPECT_EQ(stringifyInFlightProducts(InFlightProducts::None), "none");
  EXPECT_FALSE(parseInFlightProducts("dv"));
}

TEST(BackwardCostModel, TmaStoreEpilogueRule) {
  // D107: the TMA-store epilogue is the wgmma row split's TMA ring; block
  // masks, D = 80 and `direct` on every kernel take it. Not yet the auto
  // pick (no GPU run).
  AttentionProblem p = problem(4096, 4096, 128, true);
  Tiling ring{64, 128, 2, 8}, one{64, 128, 1, 8};
  EXPECT_TRUE(kBackwardTmaStoreGpuChecked);
  EXPECT_FALSE(backwardEpilogueReason(KernelKind::Wgmma,
                                      BackwardEpilogue::TmaStore, p, &ring));
  EXPECT_FALSE(
      backwardEpilogueReason(KernelKind::Wgmma, BackwardEpilogue::TmaStore, p));
  EXPECT_FALSE(backwardEpilogueReason(KernelKind::Simt,
                                      BackwardEpilogue::Direct, p));
  AttentionProblem d80 = problem(1000, 777, 80, true);
  EXPECT_FALSE(backwardEpilogueReason(
      KernelKind::Wgmma, BackwardEpilogue::TmaStore, d80, &ring));
  AttentionProblem masked = p;
  masked.blockMaskQ = masked.blockMaskKV = 128;
  EXPECT_FALSE(backwardEpilogueReason(
      KernelKind::Wgmma, BackwardEpilogue::TmaStore, masked, &ring));
  EXPECT_TRUE(backwardEpilogueReason(KernelKind::Wgmma,
                                     BackwardEpilogue::TmaStore, p, &one));
  EXPECT_TRUE(backwardEpilogueReason(KernelKind::MmaSync,
                                     BackwardEpilogue::TmaStore, p));
  AttentionProblem wide = p;
  wide.headDim = wide.valueHeadDim = 256;
  EXPECT_TRUE(backwardEpilogueReason(KernelKind::Wgmma,
                                     BackwardEpilogue::TmaStore, wide));
  EXPECT_EQ(parseBackwardEpilogue("tma-store"), BackwardEpilogue::TmaStore);
  EXPECT_EQ(stringifyBackwardEpilogue(BackwardEpilogue::Direct), "direct");
  EXPECT_FALSE(parseBackwardEpilogue("staged"));
}

TEST(BackwardCostModel, PersistentKernelRule) {
  // D114: the wgmma row split's ring with dq = atomic, without a block
  // mask, a mask pattern or a mask operand; not adopted (correct on an
  // H100, measured no faster).
  AttentionProblem p = problem(4096, 4096, 128, true);
  Tiling ring{64, 128, 2, 8}, one{64, 128, 1, 8}, wide{128, 128, 2, 8};
  EXPECT_FALSE(kBackwardPersistentAdopted);
  auto reason = [](KernelKind kind, DqAccumulation dq,
                   const AttentionProblem &problem, const Tiling *tiling) {
    return backwardPersistentReason(kind, BackwardPersistence::On, dq,
                                    problem, tiling);
  };
  EXPECT_FALSE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, p, &ring));
  EXPECT_FALSE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, p, nullptr));
  AttentionProblem d64 = problem(1024, 1024, 64, true);
  EXPECT_FALSE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, d64, &wide));
  EXPECT_FALSE(backwardPersistentReason(KernelKind::Simt,
                                        BackwardPersistence::Off,
                                        DqAccumulation::Separate, p));
  EXPECT_TRUE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, p, &one));
  EXPECT_TRUE(reason(KernelKind::Wgmma, DqAccumulation::Ordered, p, &ring));
  EXPECT_TRUE(reason(KernelKind::MmaSync, DqAccumulation::Atomic, p, &ring));
  AttentionProblem masked = p;
  masked.blockMaskQ = masked.blockMaskKV = 128;
  EXPECT_TRUE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, masked,
                     &ring));
  AttentionProblem keep = p;
  keep.maskElementBytes = 1;
  EXPECT_TRUE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, keep, &ring));
  AttentionProblem columns = p;
  columns.headDim = columns.valueHeadDim = 256;
  EXPECT_TRUE(reason(KernelKind::Wgmma, DqAccumulation::Atomic, columns,
                     nullptr));
  EXPECT_EQ(parseBackwardPersistence("on"), BackwardPersistence::On);
  EXPECT_EQ(stringifyBackwardPersistence(BackwardPersistence::Off), "off");
  EXPECT_FALSE(parseBackwardPersistence("yes"));
}

TEST(BackwardCostModel, SplitGroupRule) {
  // D119: the wgmma row split with dq = atomic; checked on an H100 (D122).
  AttentionProblem p = problem(4096, 4096, 128, true);
  EXPECT_TRUE(kBackwardGqaSplitGpuChecked);
  EXPECT_FALSE(backwardGqaSplitReason(KernelKind::Wgmma,
                                      DqAccumulation::Atomic, p));
  EXPECT_TRUE(backwardGqaSplitReason(KernelKind::Wgmma,
                                     DqAccumulation::Ordered, p));
  EXPECT_TRUE(backwardGqaSplitReason(KernelKind::MmaSync,
                                     DqAccumulation::Atomic, p));
  AttentionProblem columns = p;
  columns.headDim = columns.valueHeadDim = 256;
  EXPECT_TRUE(backwardGqaSplitReason(KernelKind::Wgmma,
                                     DqAccumulation::Atomic, columns));
  EXPECT_EQ(parseBackwardGqa("split"), BackwardGqa::Split);
  EXPECT_EQ(stringifyBackwardGqa(BackwardGqa::Loop), "loop");
  EXPECT_FALSE(parseBackwardGqa("heads"));
}

TEST(BackwardCostModel, FusedDqConvertRule) {
  // D120: the wgmma row split's ring with dq = atomic, its arrivals counted
  // from the causal and window bounds; a kernel until its GPU check.
  AttentionProblem p = problem(4096, 4096, 128, true);
  Tiling ring{64, 128, 2, 8}, one{64, 128, 1, 8};
  EXPECT_FALSE(kDqConvertFusedGpuChecked);
  EXPECT_FALSE(dqConvertFusedReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                    p, &ring));
  EXPECT_TRUE(dqConvertFusedReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                   p, &one));
  EXPECT_TRUE(dqConvertFusedReason(KernelKind::Wgmma, DqAccumulation::Ordered,
                                   p, &ring));
  EXPECT_TRUE(dqConvertFusedReason(KernelKind::MmaSync,
                                   DqAccumulation::Atomic, p, &ring));
  AttentionProblem columns = p;
  columns.headDim = columns.valueHeadDim = 256;
  EXPECT_TRUE(dqConvertFusedReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                   columns, &ring));
  AttentionProblem masked = p;
  masked.blockMaskQ = 128;
  EXPECT_TRUE(dqConvertFusedReason(KernelKind::Wgmma, DqAccumulation::Atomic,
                                   masked, &ring));
  EXPECT_EQ(parseDqConvert("fused"), DqConvert::Fused);
  EXPECT_EQ(stringifyDqConvert(DqConvert::Kernel), "kernel");
  EXPECT_FALSE(parseDqConvert("inline"));
}

TEST(BackwardCostModel, WarpgroupDqReduceRule) {
  // D127: the ring's tiles of tensor boxes (a warp's dQ columns a multiple
  // of 32 f32), boxes of 64 rows stacked in the same bytes; auto takes
  // them where measured faster: block_q 64 on the kv-row split.
  AttentionProblem p = problem(4096, 4096, 128, true);
  Tiling ring{64, 128, 2, 8}, one{64, 128, 1, 8}, wide{128, 128, 2, 8};
  EXPECT_TRUE(kDqReduceWarpgroupGpuChecked);
  EXPECT_FALSE(dqReduceWarpgroupReason(KernelKind::Wgmma, p, ring));
  EXPECT_TRUE(dqReduceWarpgroupReason(KernelKind::Wgmma, p, one));
  EXPECT_TRUE(dqReduceWarpgroupReason(KernelKind::MmaSync, p, ring));
  AttentionProblem d64 = p, d96 = p, d192 = p, d256 = p;
  d64.headDim = d64.valueHeadDim = 64;
  d96.headDim = d96.valueHeadDim = 96;
  d192.headDim = 192;
  d256.headDim = d256.valueHeadDim = 256;
  EXPECT_FALSE(dqReduceWarpgroupReason(KernelKind::Wgmma, d64, ring));
  EXPECT_FALSE(dqReduceWarpgroupReason(KernelKind::Wgmma, d64, wide));
  EXPECT_TRUE(dqReduceWarpgroupReason(KernelKind::Wgmma, d96, ring));
  EXPECT_FALSE(dqReduceWarpgroupReason(KernelKind::Wgmma, d192,
                                       Tiling{64, 64, 2, 8}));
  EXPECT_TRUE(dqReduceWarpgroupReason(KernelKind::Wgmma, d256,
                                      Tiling{64, 64, 2, 8}));
  EXPECT_TRUE(dqReduceWarpgroupByDefault(p, ring));
  EXPECT_FALSE(dqReduceWarpgroupByDefault(d64, wide));
  EXPECT_FALSE(dqReduceWarpgroupByDefault(d192, Tiling{64, 64, 2, 8}));
  WgmmaBackwardLayout warp(ring, 128, 128, 2);
  WgmmaBackwardLayout group(ring, 128, 128, 2, 0, DqReduce::Warpgroup);
  EXPECT_EQ(warp.dQBoxRows, 16);
  EXPECT_EQ(group.dQBoxRows, 64);
  EXPECT_EQ(group.totalBytes, warp.totalBytes);
  EXPECT_EQ(group.dQWarpBytes, warp.dQWarpBytes);
  // Without boxes the field stays 0 (D = 96: a row at a time).
  EXPECT_EQ(WgmmaBackwardLayout(ring, 96, 96, 2, 0, DqReduce::Warpgroup)
                .dQBoxRows,
            0);
  EXPECT_EQ(parseDqReduce("warpgroup"), DqReduce::Warpgroup);
  EXPECT_EQ(stringifyDqReduce(DqReduce::Warp), "warp");
  EXPECT_FALSE(parseDqReduce("block"));
}

TEST(BackwardCostModel, SplitGroupPricing) {
  // D119 at the Llama training shape (B = 2, Hq = 32, Hkv = 8, N = 4096, D =
  // 64, causal): a block per query head (4x the blocks, a quarter of the
  // longest block's pairs), the same pairs, and the f32 accumulators'
  // bytes by hand: zeroed, added to by each of the group's 4 query heads
  // (read and written), read back by the conversion.
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  AttentionProblem p = problem(4096, 4096, 64, true);
  p.numQueryHeads = 32;
  p.numKVHeads = 8;
  Tiling t{64, 128, 2, 8};
  BackwardCost loop = model.evaluate(t, p, DqAccumulation::Atomic,
                                     BlockMaskWalk::Dense, BackwardGqa::Loop);
  BackwardCost split = model.evaluate(t, p, DqAccumulation::Atomic,
                                      BlockMaskWalk::Dense, BackwardGqa::Split);
  ASSERT_TRUE(loop.fits());
  ASSERT_TRUE(split.fits());
  EXPECT_EQ(loop.numBlocks, 2 * 8 * 32);
  EXPECT_EQ(split.numBlocks, 2 * 32 * 32);
  EXPECT_EQ(split.pairs, loop.pairs);
  EXPECT_EQ(4 * split.maxPairsPerBlock, loop.maxPairsPerBlock);
  int64_t acc = int64_t(2) * 8 * 4096 * (64 + 64) * 4;
  EXPECT_EQ(split.dram.total() - loop.dram.total(),
            acc + 2 * 4 * acc + acc);
  EXPECT_EQ(split.dram.preprocess.writeBytes - loop.dram.preprocess.writeBytes,
            acc);
  // The busiest SM's steps follow the launch order (D122): the loop's
  // blocks, 4x longer, leave a longer tail than the split's; the split's
  // extra bytes cost memory time, which does not bound either here, so it
  // is the faster on paper (measured 1.110x on an H100, D122).
  EXPECT_LT(split.smSteps, loop.smSteps);
  EXPECT_GT(split.memorySeconds, loop.memorySeconds);
  EXPECT_LT(split.predictedSeconds, loop.predictedSeconds);
  // Refused where the split does not build.
  EXPECT_FALSE(model
                   .evaluate(t, p, DqAccumulation::Ordered,
                             BlockMaskWalk::Dense, BackwardGqa::Split)
                   .fits());
}

TEST(BackwardCostModel, SplitGroupBytesAtTheBound) {
  // D121 (session 18's attack): at the problem's bound (B * Hq * Nq * Nk *
  // (D + Dv) * 2 bytes = 2^62) the split's f32 accumulators are 2^62 bytes
  // and the group's adds 2^63, which overflowed int64 (a sanitizer report;
  // negative bytes in the Release build). Saturated, never negative.
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  Tiling t{64, 128, 2, 8};
  for (auto [batch, queryHeads] :
       {std::pair<int64_t, int64_t>{int64_t(1) << 23, 2},
        {int64_t(1) << 24, 1}}) {
    AttentionProblem p = problem(1, int64_t(1) << 30, 64, false);
    p.batch = batch;
    p.numQueryHeads = queryHeads;
    p.numKVHeads = 1;
    ASSERT_FALSE(p.validate());
    BackwardCost c = model.evaluate(t, p, DqAccumulation::Atomic,
                                    BlockMaskWalk::Dense, BackwardGqa::Split);
    for (const HBMTraffic &k : {c.dram.preprocess, c.dram.main,
                                c.dram.conversion, c.hbm}) {
      EXPECT_GT(k.readBytes, 0);
      EXPECT_GT(k.writeBytes, 0);
    }
    EXPECT_GT(c.dram.total(), c.dram.readBytes());
    EXPECT_GT(c.predictedSeconds, 0);
  }
}

TEST(BackwardCostModel, WideQueryBlock) {
  // D104: block_q 128 at D = Dv = 64 on the ring, dq = atomic, dense,
  // causal, keep-masks and windows; picked by the model since its GPU check.
  EXPECT_TRUE(kWideQueryBlockGpuChecked);
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  Tiling wide{128, 128, 2, 8}, narrow{64, 128, 2, 8};
  // Its layout by hand (bf16): K_j, V_j 16 KiB each, two buffers of Q_i
  // and dO_i [128, 64] (16 KiB each), dS^T [128, 128] (two 64-column
  // blocks, 32 KiB), the rows (2 buffers x 2 x 128 f32), 1 KiB of slack,
  // the warps' dQ tiles: 8 x 16 rows of 64 f32 (two 32-column boxes).
  WgmmaBackwardLayout layout(wide, 64, 64, 2);
  EXPECT_EQ(layout.q, 32768);
  EXPECT_EQ(layout.qBytes, 16384);
  EXPECT_EQ(layout.dO, 65536);
  EXPECT_EQ(layout.dS, 98304);
  EXPECT_EQ(layout.rows, 98304 + 32768);
  EXPECT_EQ(layout.rowsBytes, 1024);
  EXPECT_EQ(layout.dQColumns, 64);
  EXPECT_EQ(layout.dQBoxColumns, 32);
  EXPECT_EQ(layout.dQWarpBytes, 4096);
  EXPECT_EQ(layout.dQ, 131072 + 2048);
  EXPECT_EQ(layout.totalBytes, 131072 + 2048 + 1024 + 8 * 4096);
  EXPECT_EQ(WgmmaBackwardLayout(narrow, 64, 64, 2).dQColumns, 32);
  for (bool causal : {false, true}) {
    AttentionProblem p = problem(4096, 4096, 64, causal);
    BackwardCost c = model.evaluate(wide, p, DqAccumulation::Atomic);
    ASSERT_TRUE(c.fits()) << c.rejection;
    EXPECT_EQ(c.sramBytes, layout.totalBytes + layout.barrierBytes);
    EXPECT_EQ(c.registersPerThread, 224);
    BackwardCost base = model.evaluate(narrow, p, DqAccumulation::Atomic);
    // Half the steps of twice the products: the same FLOPs (no partial
    // block at N = 4096; causal, q-block i of 128 rows sees kv-blocks 0 ..
    // i, as q-blocks 2 i and 2 i + 1 of 64 rows do), the step overhead
    // paid half as often.
    EXPECT_EQ(c.flops, base.flops);
    EXPECT_EQ(2 * c.pairs, base.pairs);
    EXPECT_LT(c.computeSeconds, base.computeSeconds);
    // Since its GPU check (D108) the model picks it: the step overhead
    // paid half as often (measured 1.18x dense, 1.15x causal at N = 4096
    // on an H100).
    BackwardDecision pick = model.select(p, DqAccumulation::Atomic);
    ASSERT_TRUE(pick.found());
    EXPECT_EQ(pick.winner().tiling, wide);
  }
  // What it does not build.
  AttentionProblem p = problem(1000, 777, 64, true);
  EXPECT_FALSE(wideQueryBlockReason(p, wide));
  EXPECT_FALSE(wideQueryBlockReason(problem(1000, 777, 128, true), narrow));
  EXPECT_TRUE(wideQueryBlockReason(problem(1000, 777, 128, true), wide));
  EXPECT_TRUE(wideQueryBlockReason(p, {128, 128, 1, 8}));
  EXPECT_TRUE(wideQueryBlockReason(p, wide, InFlightProducts::DK));
  AttentionProblem keep = p, bias = p, blocks = p, pattern = p;
  keep.maskElementBytes = 1;
  bias.maskElementBytes = 4;
  blocks.blockMaskQ = blocks.blockMaskKV = 128;
  pattern.maskChunk = 256;
  EXPECT_FALSE(wideQueryBlockReason(keep, wide));
  keep.causal = true;
  keep.window = true;
  EXPECT_FALSE(wideQueryBlockReason(keep, wide));
  EXPECT_TRUE(wideQueryBlockReason(bias, wide));
  EXPECT_TRUE(wideQueryBlockReason(blocks, wide));
  EXPECT_TRUE(wideQueryBlockReason(pattern, wide));
  EXPECT_FALSE(model.evaluate(wide, problem(1000, 777, 128, false),
                              DqAccumulation::Atomic)
                   .fits());
  EXPECT_TRUE(inFlightReason(KernelKind::Wgmma, InFlightProducts::DK, p,
                             &wide));
}

// Ordered dQ on the wide q-block (D110): built and priced (its drain a
// step of 128 q rows, its dense chain's link a fifth of a 64-row step,
// D112); the model picks it for ordered dQ since
// kWideQueryBlockOrderedGpuChecked (before, it kept block_q 64, naming the
// gate).
TEST(BackwardCostModel, WgmmaWideQueryBlockOrdered) {
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  Tiling wide{128, 128, 2, 8}, narrow{64, 128, 2, 8};
  for (bool causal : {false, true}) {
    AttentionProblem p = problem(4096, 4096, 64, causal);
    BackwardCost ordered = model.evaluate(wide, p, DqAccumulation::Ordered);
    ASSERT_TRUE(ordered.fits()) << ordered.rejection;
    BackwardCost atomic = model.evaluate(wide, p, DqAccumulation::Atomic);
    EXPECT_GT(ordered.orderingSeconds, 0);
    EXPECT_EQ(ordered.predictedSeconds,
              std::max(atomic.computeSeconds, atomic.memorySeconds) +
                  ordered.orderingSeconds);
    // Half the steps (pairs) of block_q 64, each draining twice the rows'
    // dQ before its turn passes.
    BackwardCost base = model.evaluate(narrow, p, DqAccumulation::Ordered);
    EXPECT_EQ(2 * ordered.pairs, base.pairs);
    BackwardDecision pick = model.select(p, DqAccumulation::Ordered);
    ASSERT_TRUE(pick.found());
    bool gated = false;
    for (const BackwardCost &c : pick.candidates)
      if (c.tiling == wide)
        gated = llvm::StringRef(c.rejection).contains(
            "kWideQueryBlockOrderedGpuChecked");
    EXPECT_EQ(gated, !kWideQueryBlockOrderedGpuChecked);
    EXPECT_EQ(pick.winner().tiling,
              kWideQueryBlockOrderedGpuChecked ? wide : narrow);
    // Atomic dQ still picks it.
    EXPECT_EQ(model.select(p, DqAccumulation::Atomic).winner().tiling, wide);
  }
}

TEST(BackwardCostModel, WgmmaLayoutByHand) {
  Tiling t{64, 128, 1, 8};
  WgmmaBackwardLayout d128(t, 128, 128, 2);
  EXPECT_EQ(d128.k, 0);
  EXPECT_EQ(d128.v, 32768);
  EXPECT_EQ(d128.q, 65536);
  EXPECT_EQ(d128.dO, 81920);
  EXPECT_EQ(d128.dS, 98304);
  EXPECT_EQ(d128.rows, 114688);
  EXPECT_EQ(d128.totalBytes, 116736);
  EXPECT_EQ(WgmmaBackwardLayout(t, 64, 64, 2).totalBytes,
            2 * 16384 + 2 * 8192 + 16384 + 1024 + 1024);
  // Two stages of Q_i and dO_i; a head dim rounded up to a 64-column block.
  WgmmaBackwardLayout staged(Tiling{64, 128, 2, 8}, 64, 64, 2);
  EXPECT_EQ(staged.qBytes, 8192);
  EXPECT_EQ(staged.dS - staged.q, 4 * 8192);
  EXPECT_EQ(WgmmaBackwardLayout(t, 80, 80, 2).k + 128 * 128 * 2,
            WgmmaBackwardLayout(t, 80, 80, 2).v);
  // The ring's dQ tiles (D79): where D / 2 is a whole number of 32-column
  // boxes, a warp's 16 rows in boxes of 128-byte rows (D = 64: one, 128:
  // two); else D63's rows padded by 32 bytes (D = 80, 96). One buffer has
  // none.
  EXPECT_EQ(d128.dQWarpBytes, 0);
  for (auto [d, boxColumns, pitch] :
       {std::tuple<int64_t, int64_t, int64_t>{64, 32, 128},
        {128, 32, 128},
        {80, 0, 40 * 4 + 32},
        {96, 0, 48 * 4 + 32}}) {
    WgmmaBackwardLayout ring(Tiling{64, 128, 2, 8}, d, d, 2);
    EXPECT_EQ(ring.dQBoxColumns, boxColumns) << d;
    EXPECT_EQ(ring.dQPitch, pitch) << d;
    EXPECT_EQ(ring.dQWarpBytes, boxColumns ? 16 * d / 2 * 4 : 16 * pitch)
        << d;
    EXPECT_EQ(ring.dQ % 1024, 0) << d;
  }
  // The model prices that layout, for the one built shape only.
  BackwardCostModel model(*lookupKnownTarget("h200"), KernelKind::Wgmma);
  AttentionProblem p = problem(4096, 4096, 128, false);
  BackwardCost c = model.evaluate(t, p, DqAccumulation::Atomic);
  EXPECT_TRUE(c.fits()) << c.rejection;
  EXPECT_EQ(c.sramBytes, 116736);
  EXPECT_FALSE(model.evaluate({128, 128, 1, 8}, p, DqAccumulation::Atomic)
                   .fits());
  EXPECT_FALSE(model.evaluate({64, 192, 1, 12}, p, DqAccumulation::Atomic)
                   .fits());
}

TEST(BackwardCostModel, WgmmaProblems) {
  EXPECT_FALSE(wgmmaBackwardProblemReason(problem(100, 100, 64, true)));
  EXPECT_FALSE(wgmmaBackwardProblemReason(problem(100, 100, 128, false)));
  // D = Dv, a multiple of 16 from 64 to 128 (D71): 80 and 96 too, not 48,
  // 72, 144 or 192 (the column split's D = 192 has Dv = 128, D76).
  for (int64_t d : {80, 96})
    EXPECT_FALSE(wgmmaBackwardProblemReason(problem(100, 100, d, false)))
        << d;
  for (int64_t d : {48, 72, 144, 192})
    EXPECT_TRUE(wgmmaBackwardProblemReason(problem(100, 100, d, false)))
        << d;
  AttentionProblem dv = problem(100, 100, 128, false);
  dv.valueHeadDim = 64;
  EXPECT_TRUE(wgmmaBackwardProblemReason(dv));
  // A window is built for it (the q-block range and the element mask).
  AttentionProblem window = problem(100, 100, 64, true);
  window.window = true;
  window.windowLeft = 30;
  EXPECT_FALSE(wgmmaBackwardProblemReason(window));
}

// The column split (D76) by hand (bf16, D = 256, one buffer): K_j, V_j,
// Q_i, dO_i [64, 256] 32 KiB each, dS^T and P^T [64, 64] 8 KiB each, the
// rows' 1 KiB and 1 KiB of slack: 149504 B, the model's SRAM for it. Its
// registers: 64 x 512 f32 accumulators over 256 threads, S^T and dP^T or
// dS with dQ_i's part, and the overhead (240 <= 255). The row split's
// 128 kv rows at D = 256 would need 384 + 96 + 32.
TEST(BackwardCostModel, WgmmaColumnSplit) {
  std::optional<WgmmaBackwardShape> d256 = wgmmaBackwardShape(256, 256);
  ASSERT_TRUE(d256);
  EXPECT_EQ(d256->split, WgmmaBackwardSplit::Columns);
  EXPECT_EQ(d256->blockKV, 64);
  EXPECT_EQ(d256->blockQ, 64);
  EXPECT_EQ(d256->warps, 8);
  ASSERT_TRUE(wgmmaBackwardShape(192, 128));
  EXPECT_EQ(wgmmaBackwardShape(192, 128)->split, WgmmaBackwardSplit::Columns);
  for (int64_t d : {64, 80, 96, 112, 128})
    EXPECT_EQ(wgmmaBackwardShape(d, d)->split, WgmmaBackwardSplit::KvRows)
        << d;
  EXPECT_FALSE(wgmmaBackwardShape(192, 192));
  EXPECT_FALSE(wgmmaBackwardShape(256, 128));
  EXPECT_FALSE(wgmmaBackwardShape(160, 160));

  Tiling one{64, 64, 1, 8};
  WgmmaBackwardLayout layout(one, 256, 256, 2);
  EXPECT_EQ(layout.split, WgmmaBackwardSplit::Columns);
  EXPECT_EQ(layout.v, 32768);
  EXPECT_EQ(layout.q, 65536);
  EXPECT_EQ(layout.dO, 98304);
  EXPECT_EQ(layout.dS, 131072);
  EXPECT_EQ(layout.pT, 139264);
  EXPECT_EQ(layout.rows, 147456);
  EXPECT_EQ(layout.totalBytes, 149504);
  // The row split has no P^T tile.
  EXPECT_EQ(WgmmaBackwardLayout(Tiling{64, 128, 1, 8}, 128, 128, 2).pT, 0);

  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
  AttentionProblem p = problem(4096, 4096, 256, false);
  BackwardCost c = model.evaluate(one, p, DqAccumulation::Atomic);
  EXPECT_TRUE(c.fits()) << c.rejection;
  EXPECT_EQ(c.sramBytes, 149504);
  EXPECT_EQ(c.registersPerThread, 240);
  // Not the row split's tiling.
  EXPECT_FALSE(
      model.evaluate({64, 128, 1, 8}, p, DqAccumulation::Atomic).fits());
  // The ring at D = 256 adds dQ by atomics (ringBulkDq false): the second
  // buffers of Q_i and dO_i (the rows' second buffer shares their 1 KiB)
  // and 16 B of mbarriers, no dQ tiles (with them: 284688 B, over the
  // H100's 232448).
  EXPECT_FALSE(d256->ringBulkDq);
  WgmmaBackwardLayout ring(Tiling{64, 64, 2, 8}, 256, 256, 2);
  EXPECT_EQ(ring.dQ, 0);
  EXPECT_EQ(ring.dQPitch, 0);
  EXPECT_EQ(ring.totalBytes + ring.barrierBytes,
            149504 + 2 * 32768 + 16);
  BackwardDecision d = model.select(p, DqAccumulation::Atomic);
  ASSERT_TRUE(d.found()) << d.reason;
  EXPECT_EQ(d.winner().tiling.blockKV, 64);
  EXPECT_EQ(d.winner().tiling.stages, 2);
  // D = 192, Dv = 128: the ring with its dQ tiles (8 warps x 16 rows of
  // 96 f32: three swizzled boxes of 32 columns, D79).
  ASSERT_TRUE(wgmmaBackwardShape(192, 128)->ringBulkDq);
  AttentionProblem p192 = problem(4096, 4096, 192, false);
  p192.valueHeadDim = 128;
  EXPECT_TRUE(model.evaluate({64, 64, 2, 8}, p192, DqAccumulation::Atomic)
                  .fits());
  WgmmaBackwardLayout ring192(Tiling{64, 64, 2, 8}, 192, 128, 2);
  EXPECT_EQ(ring192.dQBoxColumns, 32);
  EXPECT_EQ(ring192.dQPitch, 128);
  EXPECT_EQ(ring192.dQWarpBytes, 16 * 96 * 4);
  EXPECT_EQ(ring192.totalBytes + ring192.barrierBytes, 190480);
  // The row split's head dims never see the column split's candidates.
  for (const BackwardCost &cand :
       model.select(problem(4096, 4096, 128, false), DqAccumulation::Atomic)
           .candidates)
    EXPECT_NE(cand.tiling.blockKV * 2, 16 * cand.tiling.warps);
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

TEST(BackwardCostModel, OrderedPriceByHand) {
  // The same tiling priced for atomic and ordered dQ (D66): the step's
  // overhead and the HBM bytes do not move; ordered adds, beyond the
  // larger of compute and memory, each step's drain of its block_q x D
  // f32 adds (at 38.5 GB/s an SM) and, dense (every kv-block starts at
  // q-block 0), each wave's chain of a head's kv-blocks, a fifth of a step (its
  // drain included) a link.
  TargetInfo h100 = *lookupKnownTarget("h100");
  BackwardCostModel model(h100, KernelKind::MmaSync);
  Tiling t{32, 128, 2, 8};
  AttentionProblem dense = problem(4096, 4096, 128, false);
  BackwardCost atomic = model.evaluate(t, dense, DqAccumulation::Atomic);
  BackwardCost ordered = model.evaluate(t, dense, DqAccumulation::Ordered);
  ASSERT_TRUE(atomic.fits());
  ASSERT_TRUE(ordered.fits());
  EXPECT_EQ(ordered.stepOverheadSeconds, atomic.stepOverheadSeconds);
  EXPECT_EQ(ordered.hbm.total(), atomic.hbm.total());
  double drain = 32 * 128 * 4 / 38.5e9;
  double steps = double(atomic.waves * atomic.blocksPerSM *
                        atomic.maxPairsPerBlock);
  double step = atomic.computeSeconds / steps;
  int64_t chain = std::min<int64_t>(32, atomic.numBlocks / atomic.waves);
  EXPECT_NEAR(ordered.orderingSeconds,
              steps * drain +
                  double(atomic.waves * (chain - 1)) * 0.2 * (step + drain),
              1e-9);
  EXPECT_NEAR(ordered.predictedSeconds,
              atomic.predictedSeconds + ordered.orderingSeconds, 1e-9);
  // Causal with block_kv >= block_q: each kv-block starts at a later
  // q-block than the one before it in the order has passed: no chain,
  // only the drain.
  AttentionProblem causal = problem(4096, 4096, 128, true);
  BackwardCost causalAtomic =
      model.evaluate(t, causal, DqAccumulation::Atomic);
  BackwardCost causalOrdered =
      model.evaluate(t, causal, DqAccumulation::Ordered);
  EXPECT_NEAR(causalOrdered.orderingSeconds, causalAtomic.smSteps * drain,
              1e-9);
  // block_kv < block_q: kv-blocks share their first q-block, the chain is
  // back.
  Tiling narrow{64, 32, 1, 2};
  BackwardCost narrowAtomic =
      model.evaluate(narrow, causal, DqAccumulation::Atomic);
  EXPECT_GT(model.evaluate(narrow, causal, DqAccumulation::Ordered)
                .orderingSeconds,
            narrowAtomic.smSteps * (64 * 128 * 4 / 38.5e9) + 1e-9);
}

/// The model's atomic and ordered predictions of `kind` with `tiling`.
std::pair<double, double> orderedRatio(KernelKind kind, const Tiling &tiling,
                                       const AttentionProblem &p) {
  BackwardCostModel model(*lookupKnownTarget("h100"), kind);
  BackwardCost atomic = model.evaluate(tiling, p, DqAccumulation::Atomic);
  BackwardCost ordered = model.evaluate(tiling, p, DqAccumulation::Ordered);
  EXPECT_TRUE(atomic.fits() && ordered.fits());
  return {atomic.predictedSeconds, ordered.predictedSeconds};
}

TEST(BackwardCostModel, OrderedFitsTheH100) {
  // The fit (D66): the one-buffer wgmma backward on an H100, B = 4, N =
  // 4k, bf16, D = 128 with 16 heads and D = 64 with 32: ordered ran at
  // 162.8 / 232.8 and 142.9 / 204.5 of atomic's speed dense (0.70x; 0.67-
  // 0.82x over the session's cases). The model's speed ratio within 0.02
  // of each dense one, causal inside the measured range.
  Tiling one{kWgmmaBackwardBlockQ, 16 * kWgmmaBackwardWarps, 1,
             kWgmmaBackwardWarps};
  struct Case {
    int64_t d, heads;
    bool causal;
    double lo, hi;
  };
  for (Case c : {Case{128, 16, false, 0.70 - 0.02, 0.70 + 0.02},
                 Case{64, 32, false, 0.70 - 0.02, 0.70 + 0.02},
                 Case{128, 16, true, 0.67, 0.82},
                 Case{64, 32, true, 0.67, 0.82}}) {
    AttentionProblem p = problem(4096, 4096, c.d, c.causal);
    p.batch = 4;
    p.numQueryHeads = p.numKVHeads = c.heads;
    auto [atomic, ordered] = orderedRatio(KernelKind::Wgmma, one, p);
    EXPECT_GT(atomic / ordered, c.lo) << "d " << c.d << " " << c.causal;
    EXPECT_LT(atomic / ordered, c.hi) << "d " << c.d << " " << c.causal;
  }
}

TEST(BackwardCostModel, WgmmaRingOrderedPrediction) {
  // The ring's ordered dQ (D66), priced as one buffer's (its bulk
  // reductions drain before a turn passes): the prediction, ~0.67-0.75x of
  // the ring's unordered dQ on the fit's shapes; issue 22's bar (within
  // 15%) is not met by the model.
  Tiling ring{kWgmmaBackwardBlockQ, 16 * kWgmmaBackwardWarps, 2,
              kWgmmaBackwardWarps};
  for (int64_t d : {64, 128})
    for (bool causal : {false, true}) {
      AttentionProblem p = problem(4096, 4096, d, causal);
      p.batch = 4;
      p.numQueryHeads = p.numKVHeads = 2048 / d;
      auto [atomic, ordered] = orderedRatio(KernelKind::Wgmma, ring, p);
      EXPECT_GT(atomic / ordered, 0.65) << "d " << d << " " << causal;
      EXPECT_LT(atomic / ordered, 0.78) << "d " << d << " " << causal;
      // Still the ordered pick at D = 128: faster than one buffer ordered;
      // at D = 64 the wide q-block on the ring is (D110, D112).
      BackwardDecision pick = BackwardCostModel(*lookupKnownTarget("h100"),
                                                KernelKind::Wgmma)
                                  .select(p, true);
      ASSERT_TRUE(pick.found());
      Tiling wide{kWgmmaBackwardWideBlockQ, 16 * kWgmmaBackwardWarps, 2,
                  kWgmmaBackwardWarps};
      EXPECT_EQ(pick.winner().tiling,
                d == 64 && kWideQueryBlockOrderedGpuChecked ? wide : ring);
    }
}

/// The q-blocks kv-block j visits, one by one: those with a row that sees
/// a key of the block (the window's and causal bounds only; rows and keys
/// past the ends do not shrink it, as in the kernel).
std::pair<int64_t, int64_t> bruteRange(int64_t j, const Tiling &t,
                                       const AttentionProblem &p) {
  int64_t nQ = (p.seqLenQ + t.blockQ - 1) / t.blockQ, diag = p.seqLenKV - p.seqLenQ;
  int64_t first = -1, end = -1;
  for (int64_t i = 0; i < nQ; ++i) {
    bool sees = false;
    for (int64_t r = i * t.blockQ; r < (i + 1) * t.blockQ && !sees; ++r)
      for (int64_t key = j * t.blockKV; key < (j + 1) * t.blockKV; ++key) {
        bool ok = true;
        if (p.causal && key > r + diag)
          ok = false;
        if (p.window && (key < r + diag - p.windowLeft ||
                         (!p.causal && key > r + diag + p.windowRight)))
          ok = false;
        if (ok) {
          sees = true;
          break;
        }
      }
    if (sees) {
      if (first < 0)
        first = i;
      end = i + 1;
    }
  }
  return first < 0 ? std::pair<int64_t, int64_t>{0, 0}
                   : std::pair<int64_t, int64_t>{first, end};
}

/// Calls `check` on windowed (and, with `plain`, causal and dense)
/// problems with Nq = Nk and Nq != Nk both ways, under tilings of blocks
/// smaller, larger and not powers of two.
void forWindowProblems(
    bool plain,
    const std::function<void(const Tiling &, const AttentionProblem &)>
        &check) {
  std::vector<std::tuple<bool, int64_t, int64_t, bool>> masks = {
      {true, 40, 0, true}, {true, 0, 0, true}, {true, 33, 17, false},
      {true, 1000, 1000, false}, {true, 0, 0, false}};
  if (plain) {
    masks.push_back({false, 0, 0, false});
    masks.push_back({false, 0, 0, true});
  }
  for (auto [nq, nk] : {std::pair<int64_t, int64_t>{300, 300}, {100, 257},
                        {257, 100}})
    for (auto [window, left, right, causal] : masks)
      for (Tiling t : {Tiling{32, 64, 1, 4}, Tiling{48, 16, 1, 1},
                       Tiling{16, 128, 2, 8}}) {
        AttentionProblem p = problem(nq, nk, 64, causal);
        p.window = window;
        p.windowLeft = left;
        p.windowRight = right;
        check(t, p);
      }
}

TEST(BackwardCostModel, WindowRangesMatchBruteForce) {
  forWindowProblems(false, [](const Tiling &t, const AttentionProblem &p) {
    int64_t nK = (p.seqLenKV + t.blockKV - 1) / t.blockKV, pairs = 0, most = 0;
    for (int64_t j = 0; j < nK; ++j) {
      auto [first, end] = backwardQueryBlockRange(j, t, p);
      auto [bFirst, bEnd] = bruteRange(j, t, p);
      // The kernel's range may hold q-blocks that see nothing only where
      // it is empty by brute force; otherwise it is exact.
      if (bEnd > bFirst) {
        EXPECT_EQ(first, bFirst) << p.seqLenQ << "x" << p.seqLenKV << " "
                                 << t.str() << " j " << j;
        EXPECT_EQ(end, bEnd) << p.seqLenQ << "x" << p.seqLenKV << " "
                             << t.str() << " j " << j;
      }
      pairs += end - first;
      most = std::max(most, end - first);
    }
    EXPECT_EQ(backwardPairs(t, p), std::make_pair(pairs, most));
  });
}

TEST(BackwardCostModel, MaskedPairsMatchBruteForce) {
  // A pair runs the masked path unless both blocks are whole and every
  // score of it is visible (convert-fa-to-nvgpu's pairInterior), counted
  // score by score over the pairs the kernel visits.
  forWindowProblems(true, [](const Tiling &t, const AttentionProblem &p) {
    int64_t nK = (p.seqLenKV + t.blockKV - 1) / t.blockKV, masked = 0;
    int64_t diag = p.seqLenKV - p.seqLenQ;
    auto visible = [&](int64_t r, int64_t key) {
      if (p.causal && key > r + diag)
        return false;
      if (p.window && key < r + diag - p.windowLeft)
        return false;
      return !(p.window && !p.causal && key > r + diag + p.windowRight);
    };
    for (int64_t j = 0; j < nK; ++j) {
      auto [first, end] = backwardQueryBlockRange(j, t, p);
      for (int64_t i = first; i < end; ++i) {
        bool interior = (i + 1) * t.blockQ <= p.seqLenQ &&
                        (j + 1) * t.blockKV <= p.seqLenKV;
        for (int64_t r = i * t.blockQ; interior && r < (i + 1) * t.blockQ;
             ++r)
          for (int64_t key = j * t.blockKV; key < (j + 1) * t.blockKV; ++key)
            interior = interior && visible(r, key);
        masked += !interior;
      }
    }
    EXPECT_EQ(backwardMaskedPairs(t, p), masked)
        << p.seqLenQ << "x" << p.seqLenKV << " " << t.str() << " window "
        << p.window << " " << p.windowLeft << "/" << p.windowRight
        << " causal " << p.causal;
  });
  // A mask operand masks every pair.
  AttentionProblem p = problem(256, 256, 64, true);
  p.maskElementBytes = 1;
  Tiling t{64, 128, 1, 8};
  EXPECT_EQ(backwardMaskedPairs(t, p), backwardPairs(t, p).first);
}

TEST(BackwardCostModel, MaskedPairsClosedFormMatchesBruteForce) {
  // Causal and dense have closed forms (no loop over the kv-blocks, the
  // time bound of docs/Reliability.md): checked score by score on lengths
  // with partial blocks on either side and Nq != Nk both ways.
  for (int64_t nq : {1, 17, 100, 129, 257})
    for (int64_t nk : {1, 17, 100, 129, 257})
      for (bool causal : {false, true})
        for (Tiling t : {Tiling{16, 16, 1, 1}, Tiling{32, 64, 1, 4},
                         Tiling{48, 16, 1, 1}, Tiling{64, 128, 2, 8},
                         Tiling{16, 128, 2, 8}}) {
          AttentionProblem p = problem(nq, nk, 64, causal);
          int64_t nK = (nk + t.blockKV - 1) / t.blockKV, masked = 0;
          for (int64_t j = 0; j < nK; ++j) {
            auto [first, end] = backwardQueryBlockRange(j, t, p);
            for (int64_t i = first; i < end; ++i) {
              bool interior = (i + 1) * t.blockQ <= nq &&
                              (j + 1) * t.blockKV <= nk;
              // Causal: the q-block's first row sees the block's last key.
              if (causal)
                interior = interior &&
                           (j + 1) * t.blockKV - 1 <= i * t.blockQ + nk - nq;
              masked += !interior;
            }
          }
          EXPECT_EQ(backwardMaskedPairs(t, p), masked)
              << nq << "x" << nk << " " << t.str() << " causal " << causal;
        }
}

TEST(BackwardCostModel, WindowCountsMatchTheLoops) {
  // A window's pair counts are summed by stretches of periodic kv-blocks
  // (the time bound of docs/Reliability.md): equal to the loops over every
  // kv-block on long, ragged sequences, Nq != Nk both ways, blocks that do
  // not divide each other, windows narrower and wider than a block.
  for (auto [nq, nk] : {std::pair<int64_t, int64_t>{5000, 5000},
                        {3001, 7013}, {7013, 3001}, {40000, 40000}})
    for (auto [left, right, causal] :
         {std::tuple<int64_t, int64_t, bool>{40, 0, true}, {0, 0, true},
          {333, 17, false}, {1000, 1000, false}, {5, 3, false},
          {4096, 0, true}})
      for (Tiling t : {Tiling{16, 16, 1, 1}, Tiling{32, 64, 1, 4},
                       Tiling{48, 16, 1, 1}, Tiling{64, 128, 2, 8},
                       Tiling{80, 48, 1, 4}, Tiling{16, 128, 2, 8}}) {
        AttentionProblem p = problem(nq, nk, 64, causal);
        p.window = true;
        p.windowLeft = left;
        p.windowRight = right;
        int64_t nK = (nk + t.blockKV - 1) / t.blockKV, wholeQ = nq / t.blockQ;
        int64_t diag = nk - nq, pairs = 0, most = 0, masked = 0;
        for (int64_t j = 0; j < nK; ++j) {
          auto [first, end] = backwardQueryBlockRange(j, t, p);
          pairs += end - first;
          most = std::max(most, end - first);
          // pairInterior's bounds, as convert-fa-to-nvgpu tests them.
          int64_t lo = first, hi = std::min(end, wholeQ);
          if ((j + 1) * t.blockKV > nk)
            hi = lo;
          int64_t r = causal ? 0 : right;
          lo = std::max(lo, llvm::divideCeilSigned(
                                (j + 1) * t.blockKV - 1 - diag - r, t.blockQ));
          hi = std::min(hi, llvm::divideFloorSigned(j * t.blockKV + 1 - diag +
                                                        left,
                                                    t.blockQ));
          masked += (end - first) - std::max<int64_t>(0, hi - lo);
        }
        auto [gotPairs, gotMost] = backwardPairs(t, p);
        std::string what = std::to_string(nq) + "x" + std::to_string(nk) +
                           " " + t.str() + " window " +
                           std::to_string(left) + "/" +
                           std::to_string(right) + " causal " +
                           std::to_string(causal);
        EXPECT_EQ(gotPairs, pairs) << what;
        EXPECT_EQ(gotMost, most) << what;
        EXPECT_EQ(backwardMaskedPairs(t, p), masked) << what;
      }
}

TEST(BackwardCostModel, CausalPricedByItsPairs) {
  // Dense blocks are equal and run in waves; causal ones are handed to the
  // SMs as they free up: the busiest SM runs its share of every pair, or
  // the longest block with its resident neighbours.
  TargetInfo h100 = *lookupKnownTarget("h100");
  BackwardCostModel model(h100, KernelKind::Wgmma);
  Tiling ring{kWgmmaBackwardBlockQ, 16 * kWgmmaBackwardWarps, 2,
              kWgmmaBackwardWarps};
  AttentionProblem dense = problem(4096, 4096, 128, false);
  dense.batch = 4;
  dense.numQueryHeads = dense.numKVHeads = 16;
  AttentionProblem causal = dense;
  causal.causal = true;
  BackwardCost d = model.evaluate(ring, dense, DqAccumulation::Atomic);
  BackwardCost c = model.evaluate(ring, causal, DqAccumulation::Atomic);
  ASSERT_TRUE(d.fits() && c.fits());
  EXPECT_EQ(d.maskedPairs, 0);
  EXPECT_DOUBLE_EQ(d.smSteps, double(d.waves * d.blocksPerSM * 64));
  // 64 heads x 1056 pairs (kv-block j: 64 - 2j q-blocks), two masked
  // (across the diagonal) a kv-block.
  EXPECT_EQ(c.pairs, 64 * 1056);
  EXPECT_EQ(c.maskedPairs, 64 * 32 * 2);
  // The busiest SM's steps: above its share of the pairs, by the tail the
  // launch order leaves (D122; ListScheduleOfTheLaunchOrder below).
  EXPECT_GT(c.smSteps, 64.0 * 1056 / h100.smCount);
  EXPECT_LT(c.smSteps, 1.1 * 64.0 * 1056 / h100.smCount);
  // The masked pairs' tests cost lanes, not tensor cores: a little more
  // than the unmasked pairs' share of the dense time.
  double pairShare = c.smSteps / d.smSteps;
  EXPECT_GT(c.computeSeconds, pairShare * d.computeSeconds);
  EXPECT_LT(c.computeSeconds, 1.02 * pairShare * d.computeSeconds);
  // Few blocks: the longest one bounds it.
  AttentionProblem small = causal;
  small.batch = 1;
  small.numQueryHeads = small.numKVHeads = 2;
  BackwardCost s = model.evaluate(ring, small, DqAccumulation::Atomic);
  EXPECT_DOUBLE_EQ(s.smSteps, double(s.blocksPerSM * 64));
}

TEST(BackwardCostModel, CausalAgainstTheH100) {
  // D73: the ring's causal speed over its dense speed (TFLOP/s at half the
  // FLOPs) on an H100, B = 16384 / N, H = 2048 / D (docs/results/
  // 2026-12-05-h100-session6-checks): measured 0.68-0.82; the model, now
  // pricing the pairs causal computes, 0.82-0.96 (it was 0.50: causal
  // priced as dense), at most 26% kinder. It misses a cost that grows
  // with the blocks' count at a fixed pair count (docs/decisions.md D73);
  // this pins the prediction so a change to it is seen.
  struct Case {
    int64_t n, d;
    double measured, predicted;
  };
  Tiling ring{kWgmmaBackwardBlockQ, 16 * kWgmmaBackwardWarps, 2,
              kWgmmaBackwardWarps};
  // D122's launch order (the tail of the causal grid's last blocks) took
  // 3-7% off the N = 2k and 4k predictions (0.955, 0.992, 0.962, 0.996
  // before): closer to the measurements.
  for (Case k : {Case{1024, 64, 0.685, 0.845}, Case{2048, 64, 0.736, 0.923},
                 Case{4096, 64, 0.796, 0.958}, Case{1024, 128, 0.680, 0.815},
                 Case{2048, 128, 0.742, 0.900},
                 Case{4096, 128, 0.818, 0.930}}) {
    AttentionProblem p = problem(k.n, k.n, k.d, false);
    p.batch = 16384 / k.n;
    p.numQueryHeads = p.numKVHeads = 2048 / k.d;
    BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::Wgmma);
    double dense =
        model.evaluate(ring, p, DqAccumulation::Atomic).predictedSeconds;
    p.causal = true;
    double causal =
        model.evaluate(ring, p, DqAccumulation::Atomic).predictedSeconds;
    double ratio = 0.5 * dense / causal;
    EXPECT_NEAR(ratio, k.predicted, 0.01) << k.n << " " << k.d;
    EXPECT_GT(ratio, k.measured) << k.n << " " << k.d;
    EXPECT_LT(ratio, 1.26 * k.measured) << k.n << " " << k.d;
  }
}

TEST(BackwardCostModel, OrderedTurnsFollowTheRanges) {
  // Ordered dQ's turn (docs/Backward.md, "Deterministic dQ"): the
  // kv-blocks that visit q-block i are [lo(i), hi(i)] with hi(i) =
  // min(kv-blocks, ceil(((i + 1) block_q + Nk - Nq + right) / block_kv)) - 1
  // (the last kv-block without a right bound), so that kv-block j's turn
  // hi(i) - j counts the visitors after it. Checked against the ranges.
  forWindowProblems(true, [](const Tiling &t, const AttentionProblem &p) {
    int64_t nQ = (p.seqLenQ + t.blockQ - 1) / t.blockQ;
    int64_t nK = (p.seqLenKV + t.blockKV - 1) / t.blockKV;
    std::optional<int64_t> right =
        p.causal   ? std::optional<int64_t>(0)
        : p.window ? std::optional<int64_t>(p.windowRight)
                   : std::nullopt;
    for (int64_t i = 0; i < nQ; ++i) {
      std::vector<int64_t> visitors;
      for (int64_t j = 0; j < nK; ++j) {
        auto [first, end] = backwardQueryBlockRange(j, t, p);
        if (first <= i && i < end)
          visitors.push_back(j);
      }
      if (visitors.empty())
        continue;
      for (size_t v = 1; v < visitors.size(); ++v)
        EXPECT_EQ(visitors[v], visitors[v - 1] + 1) << "contiguous";
      int64_t hi = nK - 1;
      if (right)
        hi = std::min(nK, llvm::divideCeilSigned((i + 1) * t.blockQ +
                                                     p.seqLenKV - p.seqLenQ +
                                                     *right,
                                                 t.blockKV)) -
             1;
      EXPECT_EQ(hi, visitors.back())
          << p.seqLenQ << "x" << p.seqLenKV << " " << t.str() << " i " << i;
    }
  });
}

TEST(BackwardCostModel, BlockMaskGranularityOnTensorCores) {
  BackwardCostModel model(*lookupKnownTarget("h100"), KernelKind::MmaSync);
  AttentionProblem p = problem(1024, 1024, 64, false);
  p.blockMaskQ = 64;
  p.blockMaskKV = 64;
  BackwardCost c = model.evaluate(Tiling{32, 128, 1, 8}, p,
                                  DqAccumulation::Atomic);
  EXPECT_NE(c.rejection.find("must divide the block mask's 64x64"),
            std::string::npos)
      << c.rejection;
  BackwardDecision d = model.select(p, DqAccumulation::Ordered);
  ASSERT_TRUE(d.found());
  EXPECT_EQ(64 % d.winner().tiling.blockQ, 0);
  EXPECT_EQ(64 % d.winner().tiling.blockKV, 0);
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

TEST(BackwardCostModel, SimtSramByHand) {
  // bf16, D = 64, Dv = 32, 64 x 32, a bias per key [1, 4, 1, N]: the
  // buffers one-shot bufferization allocates in each nest's block.
  AttentionProblem p = problem(256, 256, 64, true);
  p.valueHeadDim = 32;
  p.maskElementBytes = 4;
  p.maskBroadcastsRows = true;
  Tiling t{64, 32, 1, 4};
  // Q 8192, dO 4096, lse 256, D 256, K 4096, V 2048, bias tile 1 x 32 x 4
  // = 128; S and dP 64 x 32 x 4 = 8192 each.
  int64_t tiles = 8192 + 4096 + 256 + 256 + 4096 + 2048 + 128;
  int64_t scores = 2 * 8192;
  SimtBackwardSram sram = simtBackwardSramBytes(t, p, /*biasGrad=*/true);
  EXPECT_EQ(sram.rowDot, 0);
  // dK_j 32 x 64 x 4, dV_j 32 x 32 x 4.
  EXPECT_EQ(sram.keyValue, tiles + scores + 8192 + 4096);
  // dQ_i 64 x 64 x 4.
  EXPECT_EQ(sram.query, tiles + scores + 16384);
  // The bias gradient's tile: one row of 32 f32.
  EXPECT_EQ(sram.biasGrad, tiles + scores + 128);
  EXPECT_EQ(sram.maxBytes(), sram.query);
  EXPECT_EQ(simtBackwardSramBytes(t, p, /*biasGrad=*/false).biasGrad, 0);

  // An i1 keep-mask [B, H, Nq, Nk]: a 64 x 32 byte tile, padded to 128.
  p.maskElementBytes = 1;
  p.maskBroadcastsRows = false;
  EXPECT_EQ(simtBackwardSramBytes(t, p, false).keyValue,
            tiles - 128 + 2048 + scores + 8192 + 4096);
  // Every buffer is padded to 128 bytes: Bq = 16, D = Dv = 8, f32.
  AttentionProblem small = problem(100, 100, 8, false);
  small.elementBytes = 4;
  EXPECT_EQ(simtBackwardSramBytes({16, 16, 1, 4}, small, false).query,
            4 * 512 + 2 * 128 + 2 * 1024 + 512);
}

TEST(BackwardCostModel, SimtModel) {
  TargetInfo a100 = *lookupKnownTarget("a100");
  BackwardCostModel model(a100, KernelKind::Simt);
  AttentionProblem p = problem(4096, 4096, 128, false);
  // The shared memory is the largest nest's, and the only limit.
  BackwardCost c = model.evaluate({64, 64, 1, 8}, p, DqAccumulation::Separate);
  EXPECT_TRUE(c.fits()) << c.rejection;
  EXPECT_EQ(c.sramBytes,
            simtBackwardSramBytes({64, 64, 1, 8}, p, false).maxBytes());
  EXPECT_EQ(c.registersPerThread, 64);
  EXPECT_EQ(c.numBlocks, 2 * 2 * 64);
  BackwardCost big =
      model.evaluate({256, 256, 1, 8}, p, DqAccumulation::Separate);
  EXPECT_NE(big.rejection.find("shared memory"), std::string::npos);
  // A rejected shape's pairs are not counted (a mask pattern's count is
  // the expensive part of the model, and most shapes are rejected).
  EXPECT_EQ(big.pairs, 0);
  EXPECT_EQ(big.predictedSeconds, 0);
  // 1 stage, 4 or 8 warps, blocks multiples of 16.
  for (const Tiling &t : model.enumerateCandidates()) {
    EXPECT_EQ(t.stages, 1);
    EXPECT_TRUE(t.warps == 4 || t.warps == 8);
    EXPECT_EQ(t.blockQ % 16, 0);
    EXPECT_EQ(t.blockKV % 16, 0);
  }
  // Every target gets a SIMT tiling within its shared memory, dQ separate.
  for (const char *name : {"t4", "a10", "l4", "a100", "h100", "h200"}) {
    TargetInfo target = *lookupKnownTarget(name);
    for (int64_t d : {64, 128, 256}) {
      BackwardDecision decision = BackwardCostModel(target, KernelKind::Simt)
                                      .select(problem(4096, 4096, d, true),
                                              /*deterministic=*/false);
      // t4's 64 KiB: the smallest d = 256 block needs 67840 B (16 x 16:
      // the four 16 x 256 bf16 tiles 32768, lse and D 256, S and dP 2048,
      // dK_j and dV_j 32768).
      if (std::string(name) == "t4" && d == 256) {
        EXPECT_FALSE(decision.found());
        EXPECT_EQ(decision.candidates.front().sramBytes, 67840);
        continue;
      }
      ASSERT_TRUE(decision.found()) << name << " d " << d;
      EXPECT_EQ(decision.dq, DqAccumulation::Separate);
      EXPECT_LE(decision.winner().sramBytes, target.sramPerBlock);
    }
  }
}

TEST(BackwardCostModel, DqDecisions) {
  auto decide = [](KernelKind kind, bool deterministic, DqAccumulation dq) {
    return decideDqAccumulation(kind, deterministic, dq);
  };
  using DQ = DqAccumulation;
  auto mode = [](const std::variant<DQ, std::string> &v) {
    return std::get<DQ>(v);
  };
  auto error = [](const std::variant<DQ, std::string> &v) {
    return std::get<std::string>(v);
  };
  EXPECT_EQ(mode(decide(KernelKind::Simt, false, DQ::Auto)), DQ::Separate);
  EXPECT_EQ(mode(decide(KernelKind::Simt, true, DQ::Auto)), DQ::Separate);
  EXPECT_EQ(mode(decide(KernelKind::MmaSync, false, DQ::Auto)), DQ::Atomic);
  EXPECT_EQ(mode(decide(KernelKind::Wgmma, true, DQ::Auto)), DQ::Ordered);
  EXPECT_EQ(mode(decide(KernelKind::Wgmma, false, DQ::Ordered)), DQ::Ordered);
  EXPECT_NE(error(decide(KernelKind::Wgmma, true, DQ::Atomic))
                .find("cannot be deterministic"),
            std::string::npos);
  EXPECT_NE(error(decide(KernelKind::Simt, false, DQ::Atomic))
                .find("dq=separate"),
            std::string::npos);
  EXPECT_NE(error(decide(KernelKind::MmaSync, false, DQ::Separate))
                .find("simt kernel's"),
            std::string::npos);
  for (DQ dq : {DQ::Auto, DQ::Atomic, DQ::Ordered, DQ::Separate})
    EXPECT_EQ(parseDqAccumulation(stringifyDqAccumulation(dq)), dq);
  EXPECT_FALSE(parseDqAccumulation("sorted"));
}

TEST(BackwardCostModel, HugeProblemsSaturate) {
  // B * Hq * Nq * Nk * (D + Dv) * 2 = 2^62, validate()'s bound, tiled by
  // hand into 1 x 1 blocks: the byte counts saturate instead of wrapping.
  AttentionProblem p = problem(1 << 20, 1 << 20, 64, false);
  p.batch = 1;
  p.numQueryHeads = p.numKVHeads = 1 << 14;
  ASSERT_FALSE(p.validate()) << *p.validate();
  for (KernelKind kind : {KernelKind::Simt, KernelKind::MmaSync}) {
    BackwardCost c = BackwardCostModel(*lookupKnownTarget("h100"), kind)
                         .evaluate({1, 1, 1, 4}, p, DqAccumulation::Atomic);
    EXPECT_GT(c.hbm.total(), 0);
    EXPECT_GT(c.hbm.readBytes, int64_t(1) << 60);
    EXPECT_GT(c.predictedSeconds, 0);
  }
}

} // namespace

/// The wgmma backward's main kernel's DRAM bytes against Nsight Compute's
/// on an H100 (docs/results/2026-12-05-backward-traffic-vs-ncu for the
/// three D = 128 and 64 shapes, docs/results/2026-12-06-backward-dram-d256
/// for D = 256): within 10% of the measured read, write and total bytes
/// on the four shapes.
TEST(BackwardCostModel, MainKernelDramWithinTenPercentOfNsight) {
  TargetInfo h100 = *lookupKnownTarget("h100");
  BackwardCostModel model(h100, KernelKind::Wgmma);
  struct Shape {
    int64_t heads, d;
    bool causal;
    Tiling tiling;
    double readMB, writeMB;
    /// What bounds the kernel: compute at D = 128 and 64; at D = 256 the
    /// L2 side (Nsight Compute: L2 89.8% busy, the SMs 14.6%).
    bool computeBound;
  };
  for (Shape s :
       {Shape{16, 128, false, {64, 128, 2, 8}, 421.00, 259.85, true},
        Shape{32, 64, false, {64, 128, 2, 8}, 406.99, 252.34, true},
        Shape{16, 128, true, {64, 128, 2, 8}, 408.43, 250.27, true},
        Shape{8, 256, false, {64, 64, 2, 8}, 411.00, 254.86, false}}) {
    AttentionProblem p;
    p.batch = 4;
    p.numQueryHeads = p.numKVHeads = s.heads;
    p.seqLenQ = p.seqLenKV = 4096;
    p.headDim = p.valueHeadDim = s.d;
    p.elementBytes = 2;
    p.causal = s.causal;
    BackwardCost c = model.evaluate(s.tiling, p, DqAccumulation::Atomic);
    ASSERT_TRUE(c.fits()) << c.rejection;
    double read = double(c.dram.main.readBytes) / 1e6;
    double write = double(c.dram.main.writeBytes) / 1e6;
    EXPECT_NEAR(read / s.readMB, 1.0, 0.10) << s.heads << " " << s.d;
    EXPECT_NEAR(write / s.writeMB, 1.0, 0.10) << s.heads << " " << s.d;
    EXPECT_NEAR((read + write) / (s.readMB + s.writeMB), 1.0, 0.10)
        << s.heads << " " << s.d;
    // The L2-free count is far above the DRAM bytes; at D = 128 it called
    // the kernel memory-bound, which it is not.
    EXPECT_GT(double(c.hbm.total()), 5.0 * double(c.dram.total()));
    EXPECT_EQ(c.computeSeconds > c.memorySeconds, s.computeBound)
        << s.heads << " " << s.d;
  }
}

/// The most heads that `slots` consecutive blocks touch, by walking the
/// grid: the waves (starting at multiples of `slots`), or every start.
static int64_t walkResidentHeads(int64_t heads, int64_t n, int64_t slots,
                                 bool inWaves) {
  int64_t blocks = heads * n, most = 0;
  for (int64_t first = 0; first < blocks; first += inWaves ? slots : 1) {
    int64_t last = std::min(blocks, first + slots) - 1;
    most = std::max(most, last / n - first / n + 1);
  }
  return most;
}

TEST(BackwardCostModel, ResidentHeadsWalkTheGrid) {
  for (bool inWaves : {true, false})
    for (int64_t n = 1; n <= 70; ++n)
      for (int64_t slots : {1, 3, 64, 100, 128, 129, 132, 264, 396}) {
        // Enough heads for n / gcd waves and one more.
        int64_t g = std::gcd(n, slots);
        int64_t heads = (n / g + 2) * slots / n + 2;
        std::string what = std::to_string(n) + " " + std::to_string(slots) +
                           " " + std::to_string(inWaves);
        EXPECT_EQ(residentHeads(heads, n, slots, inWaves),
                  walkResidentHeads(heads, n, slots, inWaves))
            << what;
        // A short grid: the count is an upper bound.
        for (int64_t few : {1, 2, 3, 5})
          EXPECT_GE(residentHeads(few, n, slots, inWaves),
                    walkResidentHeads(few, n, slots, inWaves))
              << what << " " << few;
        // Waves never touch more heads than running blocks anywhere.
        EXPECT_LE(residentHeads(heads, n, slots, true),
                  residentHeads(heads, n, slots, false))
            << what;
      }
  // 132 slots: 64 kv-blocks a head (D = 256, block_kv 64) start every wave
  // at a multiple of 4 within a head, never past block 60, so a wave
  // touches 3 heads, not ceil(132 / 64) + 1 = 4 (4 where the blocks may
  // start anywhere); 32 a head, 5 (not 6); 33 a head divide 132: 4 (not
  // 5); 256 a head: 2.
  EXPECT_EQ(residentHeads(32, 64, 132, true), 3);
  EXPECT_EQ(residentHeads(32, 64, 132, false), 4);
  EXPECT_EQ(residentHeads(64, 32, 132, true), 5);
  EXPECT_EQ(residentHeads(64, 32, 132, false), 6);
  EXPECT_EQ(residentHeads(64, 33, 132, true), 4);
  EXPECT_EQ(residentHeads(64, 256, 132, true), 2);
  // 61 a head: every offset occurs.
  EXPECT_EQ(residentHeads(64, 61, 132, true), 4);
  // Fewer heads than the blocks could touch, and empty grids.
  EXPECT_EQ(residentHeads(2, 64, 132, true), 2);
  EXPECT_EQ(residentHeads(0, 64, 132, true), 0);
  EXPECT_EQ(residentHeads(4, 64, 0, false), 1);
}

// B = 4, H = 8, N = 4096, D = 256 on 132 slots (the column split, block_kv
// 64): three heads a wave, each streaming 64 tiles of Q_i, dO_i, lse_i, D_i
// and dQ_i's f32 tile (64 x 2056 B) = 8421376 B, 25.3 MB together. Where
// they fit in half the L2 every input is read once and dQ's accumulator
// added to once (the 50 MiB L2 of sm_90: 26.2 MB); where not, the heads
// that a wave's end splits fetch their tiles once a share.
TEST(BackwardCostModel, WaveHeadsDecideTheReReads) {
  AttentionProblem p;
  p.batch = 4;
  p.numQueryHeads = p.numKVHeads = 8;
  p.seqLenQ = p.seqLenKV = 4096;
  p.headDim = p.valueHeadDim = 256;
  p.elementBytes = 2;
  Tiling t{64, 64, 2, 8};
  int64_t slots = 132;
  int64_t heads = 32, rows = heads * 4096;
  int64_t kv = rows * (256 + 256) * 2;
  int64_t tile = 64 * (512 * 2 + 8 + 256 * 4);
  int64_t headBytes = 64 * tile;
  int64_t dqBytes = rows * 256 * 4;
  auto main = [&](int64_t l2) {
    return backwardDramTraffic(KernelKind::Wgmma, t, p, slots, l2).main;
  };
  HBMTraffic fits = main(int64_t(50) << 20);
  EXPECT_EQ(fits.readBytes, kv + heads * headBytes);
  EXPECT_EQ(fits.writeBytes, kv + dqBytes);
  // Exactly three heads in half the L2 still fit; a byte less does not.
  EXPECT_EQ(main(2 * 3 * headBytes).readBytes, kv + heads * headBytes);
  HBMTraffic split = main(2 * 3 * headBytes - 2);
  // Every block streams all 64 q-blocks, so a head fetches its 64 tiles
  // once for each wave its blocks run in (walked here).
  int64_t fetches = 0;
  for (int64_t h = 0; h < heads; ++h) {
    int64_t first = h * 64, last = first + 63;
    fetches += 64 * (last / slots - first / slots + 1);
  }
  EXPECT_EQ(split.readBytes, kv + fetches * tile);
  EXPECT_EQ(split.writeBytes, kv + fetches * 64 * 256 * 4);
  EXPECT_GT(split.readBytes, fits.readBytes);

  // Causal blocks are unequal (kv-block j streams q-blocks j to 63) and
  // run as SMs free up, not in waves: the running blocks may start
  // anywhere in a head and touch 4 heads. Every head still fetches all 64
  // tiles once (kv-block 0 streams them all) when 4 heads fit, and more
  // when only 3 do.
  p.causal = true;
  EXPECT_EQ(main(2 * 4 * headBytes).readBytes, kv + heads * headBytes);
  EXPECT_GT(main(2 * 4 * headBytes - 2).readBytes, kv + heads * headBytes);
}

// The SIMT backward's nest 3 (a query head's q-blocks stream its K_j, V_j):
// with a sliding window q-block i streams the kv-blocks [first, first +
// visible), a band that moves with i, so a share of the blocks fetches the
// union of its blocks' bands, and every query head's q-blocks together
// fetch each of its K/V rows at least once (the window covers every key).
// The range once passed (first, visible) as (first, end), which made a
// share's band visible(last) - first(first): zero or negative past the
// first window.
TEST(BackwardCostModel, ExtremeWindowsGiveSanePredictions) {
  // Windows from none to beyond both sequences, Nq != Nk either way, the
  // longest sequences, GQA (session 10's attack on D82 and D84): with L2
  // every kernel's DRAM bytes stay within its bytes without L2 (every
  // pair's tiles), and every candidate's prediction is finite and positive.
  struct Window {
    bool on;
    int64_t left, right;
  };
  const int64_t huge = 2147483647;
  int checked = 0;
  for (bool causal : {false, true})
    for (Window w : {Window{false, 0, 0}, Window{true, 0, 0},
                     Window{true, 16, 16}, Window{true, 0, 5000},
                     Window{true, huge, 0}, Window{true, huge, huge}})
      for (auto [nq, nk] : {std::pair<int64_t, int64_t>{1, 1},
                            {1, 5000},
                            {5000, 1},
                            {4096, 1000},
                            {huge, 64},
                            {64, huge}})
        for (int64_t group : {1, 4}) {
          if (w.on && causal && w.right)
            continue;
          AttentionProblem p = problem(nq, nk, 64, causal);
          p.window = w.on;
          p.windowLeft = w.left;
          p.windowRight = w.right;
          p.batch = 1;
          p.numKVHeads = 2;
          p.numQueryHeads = 2 * group;
          for (KernelKind kind :
               {KernelKind::Wgmma, KernelKind::MmaSync, KernelKind::Simt}) {
            BackwardCostModel model(*lookupKnownTarget("h100"), kind);
            for (Tiling t : model.enumerateCandidates(p)) {
              std::string what =
                  std::to_string(int(kind)) + " " + t.str() + " causal " +
                  std::to_string(causal) + " window " + std::to_string(w.on) +
                  " " + std::to_string(w.left) + "/" + std::to_string(w.right) +
                  " nq " + std::to_string(nq) + " nk " + std::to_string(nk) +
                  " group " + std::to_string(group);
              for (int64_t slots : {int64_t(3), int64_t(264)}) {
                BackwardDram l2 =
                    backwardDramTraffic(kind, t, p, slots, int64_t(50) << 20);
                BackwardDram none = backwardDramTraffic(kind, t, p, slots, 0);
                ASSERT_TRUE(l2.main.readBytes >= 0 &&
                            l2.main.readBytes <= none.main.readBytes &&
                            l2.main.writeBytes <= none.main.writeBytes)
                    << what;
              }
              BackwardCost c = model.evaluate(t, p, DqAccumulation::Atomic);
              if (!c.fits())
                continue;
              ++checked;
              ASSERT_TRUE(std::isfinite(c.predictedSeconds) &&
                          c.predictedSeconds > 0 && c.dram.total() >= 0)
                  << what;
            }
          }
        }
  EXPECT_GT(checked, 1000);
}

TEST(BackwardCostModel, SimtWindowStreamsEveryKeyOnce) {
  AttentionProblem p = problem(8192, 8192, 64, true);
  p.elementBytes = 2;
  p.window = true;
  p.windowLeft = 256;
  Tiling t{64, 64, 1, 4};
  int64_t slots = 132 * 2;
  // An L2 large enough that every share counts its band once.
  BackwardDram dram = backwardDramTraffic(KernelKind::Simt, t, p, slots,
                                          int64_t(1) << 40);
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t rows = p.batch * p.numQueryHeads * p.seqLenQ;
  int64_t kv = p.batch * p.numKVHeads * p.seqLenKV * (d + dv) * e;
  // With every head's tiles in L2 each stream fetches the union of its
  // blocks' tiles once: nest 2 (by kv-block) Q_i, dO_i and the two rows
  // once per query head, nest 3 (by q-block) K_j and V_j once per query
  // head (the window's bands cover every key), besides K and V and the
  // rows nest 3 reads for each q-block.
  int64_t kvPerQueryHead =
      p.batch * p.numQueryHeads * p.seqLenKV * (d + dv) * e;
  EXPECT_EQ(dram.main.readBytes,
            kv + 2 * rows * ((d + dv) * e + 2 * 4) + kvPerQueryHead);
  // And no more than without L2 (every pair's tiles).
  EXPECT_LE(dram.main.readBytes,
            backwardDramTraffic(KernelKind::Simt, t, p, slots, 0)
                .main.readBytes);
}

TEST(BackwardCostModel, ListScheduleOfTheLaunchOrder) {
  // D122: a causal grid's busiest SM runs what a list schedule of the
  // launch order gives it, recomputed here by a plain scan of the slots
  // (no heap): blocks in order (kv-block fastest, then head, then batch),
  // each to the slot that frees first, a block blocks/SM x its steps long.
  TargetInfo h100 = *lookupKnownTarget("h100");
  BackwardCostModel model(h100, KernelKind::Wgmma);
  for (auto [b, hq, hkv, n, d] :
       {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>{2, 32, 8, 4096, 64},
        {4, 16, 16, 4096, 128},
        {1, 4, 2, 1000, 64},
        {3, 5, 5, 777, 128}}) {
    AttentionProblem p = problem(n, n, d, true);
    p.batch = b;
    p.numQueryHeads = hq;
    p.numKVHeads = hkv;
    for (BackwardGqa gqa : {BackwardGqa::Loop, BackwardGqa::Split})
      // D131's launch order: chunks of C (batch, head) pairs, within a
      // chunk kv-block 0 of each pair, then kv-block 1 of each, ...; C = 1
      // is D122's order, 3 leaves a short last chunk at most shapes, 1000
      // is the whole grid longest first.
      for (int64_t chunk : {1, 3, 4, 1000}) {
        if (gqa == BackwardGqa::Split && hq == hkv)
          continue;
        Tiling t{64, 128, 2, 8};
        BackwardCost c = model.evaluate(t, p, DqAccumulation::Atomic,
                                        BlockMaskWalk::Dense, gqa, chunk);
        ASSERT_TRUE(c.fits());
        int64_t heads = gqa == BackwardGqa::Split ? hq : hkv;
        int64_t perBlock = gqa == BackwardGqa::Split ? 1 : hq / hkv;
        int64_t nQ = (n + 63) / 64, nK = (n + 127) / 128;
        int64_t pairs = b * heads;
        std::vector<double> slots(size_t(h100.smCount * c.blocksPerSM), 0.0);
        double most = 0;
        for (int64_t first = 0; first < pairs; first += chunk)
          for (int64_t j = 0; j < nK; ++j)
            for (int64_t i = first; i < std::min(pairs, first + chunk); ++i) {
              int64_t firstQ = std::min(nQ, j * 128 / 64);
              auto slot = std::min_element(slots.begin(), slots.end());
              *slot += double((nQ - firstQ) * perBlock * c.blocksPerSM);
              most = std::max(most, *slot);
            }
        EXPECT_DOUBLE_EQ(c.smSteps, most)
            << b << "x" << hq << "/" << hkv << " N " << n << " D " << d
            << " chunk " << chunk;
      }
  }
}

TEST(BackwardCostModel, LaunchChunkRule) {
  // D131's chunk: the most (batch, head) pairs whose Q and dO rows (the
  // loop's group of query heads a pair, the split's one) fit 16 MiB.
  auto gqaProblem = [](int64_t b, int64_t hq, int64_t hkv, int64_t n,
                       int64_t d, bool causal) {
    AttentionProblem p = problem(n, n, d, causal);
    p.batch = b;
    p.numQueryHeads = hq;
    p.numKVHeads = hkv;
    return p;
  };
  // The Llama-style shape: a group of 4 heads' Q and dO at N = 4k, D = 64
  // are 4 MiB: 4 pairs; the split's 1 MiB: 16.
  AttentionProblem llama = gqaProblem(2, 32, 8, 4096, 64, true);
  EXPECT_EQ(longestFirstChunk(llama, BackwardGqa::Loop), 4);
  EXPECT_EQ(longestFirstChunk(llama, BackwardGqa::Split), 16);
  // GPT-2 small (MHA, N = 1k, D = 64): 64 pairs; the GQA point (N = 8k,
  // D = 128, a group of 4): 16 MiB a pair, 1.
  EXPECT_EQ(longestFirstChunk(gqaProblem(16, 12, 12, 1024, 64, true),
                              BackwardGqa::Loop),
            64);
  EXPECT_EQ(longestFirstChunk(gqaProblem(4, 32, 8, 8192, 128, true),
                              BackwardGqa::Loop),
            1);
  // Past the L2 budget a pair still launches: 1; the bound: 2^32.
  EXPECT_EQ(longestFirstChunk(gqaProblem(1, 64, 1, 1 << 20, 256, true),
                              BackwardGqa::Loop),
            1);
  EXPECT_EQ(longestFirstChunk(gqaProblem(1, 1, 1, 1, 1, true),
                              BackwardGqa::Loop),
            4 * 1024 * 1024);
  // Auto takes it only for a causal (or windowed) GQA loop with atomic dQ
  // on the wgmma kernel, once the order has passed its GPU check.
  int64_t llamaChunk = kLaunchChunkGpuChecked ? 4 : 1;
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop, llama),
            llamaChunk);
  AttentionProblem windowed = gqaProblem(2, 32, 8, 4096, 64, false);
  windowed.window = true;
  windowed.windowLeft = 512;
  windowed.windowRight = 0;
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop, windowed),
            llamaChunk);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Split, llama),
            1);
  // At most the grid's (batch, K/V head) pairs: one pair, one order.
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(1, 4, 1, 1000, 64, true)),
            1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(1, 4, 2, 1000, 64, true)),
            kLaunchChunkGpuChecked ? 2 : 1);
  // A divisor of the pairs (no short last chunk): 9 pairs whose Q and dO
  // would fit 4 at a time take 3; 7 (a prime) take 1.
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(3, 12, 3, 4096, 64, true)),
            kLaunchChunkGpuChecked ? 3 : 1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(7, 4, 1, 4096, 64, true)),
            1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Ordered,
                                 BackwardGqa::Loop, llama),
            1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::MmaSync, DqAccumulation::Atomic,
                                 BackwardGqa::Loop, llama),
            1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(2, 32, 8, 4096, 64, false)),
            1);
  EXPECT_EQ(launchChunkByDefault(KernelKind::Wgmma, DqAccumulation::Atomic,
                                 BackwardGqa::Loop,
                                 gqaProblem(16, 12, 12, 1024, 64, true)),
            1);
  // The rule itself, whether or not auto takes it yet (the assertions
  // above see 1 while kLaunchChunkGpuChecked is false).
  auto loopRule = [](const AttentionProblem &p,
                     DqAccumulation dq = DqAccumulation::Atomic,
                     KernelKind kind = KernelKind::Wgmma) {
    return launchChunkRule(kind, dq, BackwardGqa::Loop, p);
  };
  EXPECT_EQ(loopRule(llama), 4);
  EXPECT_EQ(loopRule(windowed), 4);
  EXPECT_EQ(loopRule(gqaProblem(1, 4, 1, 1000, 64, true)), 1);
  EXPECT_EQ(loopRule(gqaProblem(1, 4, 2, 1000, 64, true)), 2);
  EXPECT_EQ(loopRule(gqaProblem(3, 12, 3, 4096, 64, true)), 3);
  EXPECT_EQ(loopRule(gqaProblem(7, 4, 1, 4096, 64, true)), 1);
  EXPECT_EQ(loopRule(llama, DqAccumulation::Ordered), 1);
  EXPECT_EQ(loopRule(llama, DqAccumulation::Atomic, KernelKind::MmaSync), 1);
  EXPECT_EQ(loopRule(gqaProblem(2, 32, 8, 4096, 64, false)), 1);
  EXPECT_EQ(loopRule(gqaProblem(16, 12, 12, 1024, 64, true)), 1);
  EXPECT_EQ(launchChunkRule(KernelKind::Wgmma, DqAccumulation::Atomic,
                            BackwardGqa::Split, llama),
            1);
}

TEST(BackwardCostModel, LongestFirstRepricesTheGqaLoop) {
  // D131 on an H100: the Llama-style loop launched in chunks of 4 pairs
  // ran 1.24x the loop in D122's order and 1.115x the split group (today's
  // pick). The model's dispatch simulation sees the loop's tail go, so the
  // loop with its chunk is priced ahead of the split by more than the
  // split's margin.
  TargetInfo h100 = *lookupKnownTarget("h100");
  BackwardCostModel model(h100, KernelKind::Wgmma);
  AttentionProblem p = problem(4096, 4096, 64, true);
  p.batch = 2;
  p.numQueryHeads = 32;
  p.numKVHeads = 8;
  BackwardDecision loop = model.select(p, DqAccumulation::Atomic,
                                       BlockMaskWalk::Dense, BackwardGqa::Loop);
  BackwardDecision chunked =
      model.select(p, DqAccumulation::Atomic, BlockMaskWalk::Dense,
                   BackwardGqa::Loop, longestFirstChunk(p, BackwardGqa::Loop));
  BackwardDecision split = model.select(
      p, DqAccumulation::Atomic, BlockMaskWalk::Dense, BackwardGqa::Split);
  ASSERT_TRUE(loop.found() && chunked.found() && split.found());
  EXPECT_LT(chunked.winner().smSteps, loop.winner().smSteps * 0.85);
  EXPECT_LT(chunked.winner().predictedSeconds * (1.0 + kBackwardGqaSplitMargin),
            split.winner().predictedSeconds);
}
