//===- KernelScheduleTest.cpp - decideSchedule and its legality -----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/TargetInfo.h"

#include "gtest/gtest.h"

using namespace mlir::fa;

namespace {

TargetInfo h100() { return *lookupKnownTarget("h100"); }

AttentionProblem problem(int64_t d, int64_t dv) {
  AttentionProblem p;
  p.batch = 4;
  p.numQueryHeads = p.numKVHeads = 16;
  p.seqLenQ = p.seqLenKV = 4096;
  p.headDim = d;
  p.valueHeadDim = dv;
  return p;
}

/// A cost with the fields decideSchedule reads.
CandidateCost cost(const Tiling &t, int64_t blocksPerSM, int64_t registers) {
  CandidateCost c;
  c.tiling = t;
  c.blocksPerSM = blocksPerSM;
  c.registersPerThread = registers;
  return c;
}

TEST(KernelSchedule, WgmmaAutoTakesTheProducerForALoneTwoGroupBlock) {
  Tiling t{128, 128, 2, 8};
  KernelSchedule s = decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 200),
                                    problem(128, 128), h100(), {});
  EXPECT_TRUE(s.usesTma());
  EXPECT_EQ(s.release, SlotRelease::Producer);
  EXPECT_EQ(s.step, StepOrder::Overlap);
  EXPECT_TRUE(s.pingpong);
  EXPECT_EQ(s.epilogue, Epilogue::TmaStore);
  // (168 * 384 - 24 * 128) / 256 = 240: what producerConsumerRegisters says.
  EXPECT_EQ(s.consumerRegisters, 240);
  EXPECT_EQ(scheduleUnsupportedReason(s, t, problem(128, 128), h100()),
            std::nullopt);
}

TEST(KernelSchedule, WgmmaAutoKeepsTheBarrierKernelAtTwoBlocksPerSM) {
  Tiling t{128, 96, 2, 8};
  KernelSchedule s = decideSchedule(KernelKind::Wgmma, t, cost(t, 2, 150),
                                    problem(64, 64), h100(), {});
  EXPECT_EQ(s.release, SlotRelease::Barrier);
  EXPECT_EQ(s.step, StepOrder::Serial);
  EXPECT_FALSE(s.pingpong);
  EXPECT_EQ(s.consumerRegisters, 0);
}

TEST(KernelSchedule, ForcedFieldsStay) {
  Tiling t{128, 128, 2, 8};
  ScheduleRequest r;
  r.wgmmaRelease = SlotRelease::Producer;
  r.wgmmaStep = StepOrder::Serial;
  r.wgmmaPingpong = Toggle::Off;
  KernelSchedule s = decideSchedule(KernelKind::Wgmma, t, cost(t, 2, 150),
                                    problem(128, 128), h100(), r);
  EXPECT_EQ(s.release, SlotRelease::Producer);
  EXPECT_EQ(s.step, StepOrder::Serial);
  EXPECT_FALSE(s.pingpong);
  // cp.async loads leave the TMA-only fields at their defaults.
  ScheduleRequest cp;
  cp.wgmmaLoads = LoadMechanism::CpAsync;
  KernelSchedule c = decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 150),
                                    problem(128, 128), h100(), cp);
  EXPECT_EQ(c, (KernelSchedule{KernelKind::Wgmma}));
}

TEST(KernelSchedule, PingpongNeedsTwoConsumerGroups) {
  Tiling t{64, 64, 2, 4};
  ScheduleRequest r;
  r.wgmmaRelease = SlotRelease::Producer;
  r.wgmmaPingpong = Toggle::On;
  KernelSchedule s = decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 150),
                                    problem(128, 128), h100(), r);
  EXPECT_FALSE(s.pingpong);
  s.pingpong = true;
  EXPECT_NE(scheduleUnsupportedReason(s, t, problem(128, 128), h100()),
            std::nullopt);
}

TEST(KernelSchedule, MmaSyncBranchesWhereRegistersSpill) {
  Tiling t{128, 64, 2, 4};
  TargetInfo a100 = *lookupKnownTarget("a100");
  EXPECT_EQ(decideSchedule(KernelKind::MmaSync, t, cost(t, 1, 290),
                           problem(128, 128), a100, {})
                .maskedSteps,
            MaskedSteps::Branch);
  EXPECT_EQ(decideSchedule(KernelKind::MmaSync, t, cost(t, 1, 200),
                           problem(128, 128), a100, {})
                .maskedSteps,
            MaskedSteps::Split);
}

TEST(KernelSchedule, MmaSyncAsksForTheBlocksSharedMemoryHolds) {
  // D118: where shared memory holds fewer blocks than the registers would,
  // the schedule says how many (the kernel's .minnctapersm); elsewhere,
  // and for other kernels, nothing.
  Tiling t{64, 128, 2, 4};
  CandidateCost limited = cost(t, 1, 151);
  limited.registerBlocksPerSM = 3;
  EXPECT_EQ(decideSchedule(KernelKind::MmaSync, t, limited, problem(64, 64),
                           h100(), {})
                .minBlocksPerSM,
            1);
  CandidateCost byRegisters = cost(t, 3, 151);
  byRegisters.registerBlocksPerSM = 3;
  EXPECT_EQ(decideSchedule(KernelKind::MmaSync, t, byRegisters,
                           problem(64, 64), h100(), {})
                .minBlocksPerSM,
            0);
  Tiling w{128, 128, 2, 8};
  CandidateCost wgmma = cost(w, 1, 200);
  wgmma.registerBlocksPerSM = 2;
  EXPECT_EQ(decideSchedule(KernelKind::Wgmma, w, wgmma, problem(128, 128),
                           h100(), {})
                .minBlocksPerSM,
            0);
}

TEST(KernelSchedule, EpilogueFollowsTheHeadDims) {
  EXPECT_EQ(chooseEpilogue(KernelKind::Wgmma, LoadMechanism::Tma, 128, 128),
            Epilogue::TmaStore);
  EXPECT_EQ(chooseEpilogue(KernelKind::Wgmma, LoadMechanism::Tma, 64, 128),
            Epilogue::Direct);
  // dv not a multiple of 64: TMA clips O's last box (D48).
  EXPECT_EQ(chooseEpilogue(KernelKind::Wgmma, LoadMechanism::Tma, 96, 96),
            Epilogue::TmaStore);
  EXPECT_EQ(chooseEpilogue(KernelKind::Wgmma, LoadMechanism::Tma, 96, 80),
            Epilogue::TmaStore);
  EXPECT_EQ(chooseEpilogue(KernelKind::Wgmma, LoadMechanism::CpAsync, 128,
                           128),
            Epilogue::Direct);
  EXPECT_EQ(chooseEpilogue(KernelKind::MmaSync, LoadMechanism::CpAsync, 96,
                           96),
            Epilogue::Staged);
  EXPECT_EQ(chooseEpilogue(KernelKind::Simt, LoadMechanism::CpAsync, 64, 64),
            Epilogue::Direct);
}

TEST(KernelSchedule, CompactedWalkIsTheTensorCoreKernelsUnderABlockMask) {
  // D100: the request's compacted walk is taken by the tensor-core kernels
  // with a block mask; the SIMT kernel, and an op without a mask, walk
  // dense.
  Tiling t{128, 128, 2, 8};
  AttentionProblem masked = problem(128, 128);
  masked.blockMaskQ = masked.blockMaskKV = 128;
  ScheduleRequest r;
  r.walk = BlockMaskWalk::Compacted;
  KernelSchedule s = decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 200),
                                    masked, h100(), r);
  EXPECT_TRUE(s.walksCompacted());
  // A block mask keeps the serial step without turns.
  EXPECT_EQ(s.step, StepOrder::Serial);
  EXPECT_FALSE(s.pingpong);
  EXPECT_EQ(scheduleUnsupportedReason(s, t, masked, h100()), std::nullopt);
  EXPECT_FALSE(decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 200),
                              problem(128, 128), h100(), r)
                   .walksCompacted());
  Tiling mma{128, 64, 2, 4};
  KernelSchedule mmaWalk = decideSchedule(KernelKind::MmaSync, mma,
                                          cost(mma, 1, 100), masked, h100(), r);
  EXPECT_TRUE(mmaWalk.walksCompacted());
  EXPECT_EQ(scheduleUnsupportedReason(mmaWalk, mma, masked, h100()),
            std::nullopt);
  Tiling simt{64, 64, 1, 4};
  EXPECT_FALSE(decideSchedule(KernelKind::Simt, simt, cost(simt, 1, 40),
                              masked, h100(), r)
                   .walksCompacted());
  EXPECT_FALSE(decideSchedule(KernelKind::Wgmma, t, cost(t, 1, 200), masked,
                              h100(), {})
                   .walksCompacted());
  // A written schedule is checked: the kernel, the block mask, the list's
  // shared memory (4 Mi keys: 32768 entries, 128 KiB of list).
  KernelSchedule simtWalk;
  simtWalk.walk = BlockMaskWalk::Compacted;
  EXPECT_NE(scheduleUnsupportedReason(simtWalk, simt, masked, h100()),
            std::nullopt);
  EXPECT_NE(scheduleUnsupportedReason(s, t, problem(128, 128), h100()),
            std::nullopt);
  AttentionProblem longKeys = masked;
  longKeys.seqLenKV = 32768 * 128;
  std::optional<std::string> why =
      scheduleUnsupportedReason(s, t, longKeys, h100());
  ASSERT_NE(why, std::nullopt);
  EXPECT_NE(why->find("the compacted walk's shared memory"),
            std::string::npos);
  // The walk passed its GPU check (D103): kernel=auto's selection takes it.
  EXPECT_TRUE(kForwardCompactedWalkGpuChecked);
}

TEST(KernelSchedule, RequestConflicts) {
  ScheduleRequest r;
  EXPECT_EQ(r.conflict(), std::nullopt);
  r.wgmmaLoads = LoadMechanism::CpAsync;
  r.wgmmaRelease = SlotRelease::MBarrier;
  EXPECT_NE(r.conflict(), std::nullopt);
  r = {};
  r.wgmmaRelease = SlotRelease::MBarrier;
  r.wgmmaStep = StepOrder::Overlap;
  EXPECT_NE(r.conflict(), std::nullopt);
  r = {};
  r.wgmmaRelease = SlotRelease::Barrier;
  r.wgmmaPingpong = Toggle::On;
  EXPECT_NE(r.conflict(), std::nullopt);
}

TEST(KernelSchedule, SpellingsRoundTrip) {
  for (SlotRelease v : {SlotRelease::Auto, SlotRelease::Barrier,
                        SlotRelease::MBarrier, SlotRelease::Producer})
    EXPECT_EQ(parseSlotRelease(stringifySlotRelease(v)), v);
  for (Epilogue v : {Epilogue::Direct, Epilogue::Staged, Epilogue::TmaStore})
    EXPECT_EQ(parseEpilogue(stringifyEpilogue(v)), v);
  EXPECT_EQ(parseLoadMechanism("cp-async"), LoadMechanism::CpAsync);
  EXPECT_EQ(parseStepOrder("overlap"), StepOrder::Overlap);
  EXPECT_EQ(parseMaskedSteps("loop"), std::nullopt);
}

} // namespace
