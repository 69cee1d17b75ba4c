//===- TargetInfoTest.cpp - Known-targets table tests ---------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/TargetInfo.h"

#include "gtest/gtest.h"

using namespace mlir::fa;

TEST(TargetInfo, SharedMemoryPerBlockMatchesTheProgrammingGuide) {
  // CUDA C++ Programming Guide, maximum shared memory per thread block.
  EXPECT_EQ(lookupKnownTarget("t4")->sramPerBlock, 64 * 1024);
  EXPECT_EQ(lookupKnownTarget("a100")->sramPerBlock, 163 * 1024);
  EXPECT_EQ(lookupKnownTarget("sm_86")->sramPerBlock, 99 * 1024);
  EXPECT_EQ(lookupKnownTarget("sm_89")->sramPerBlock, 99 * 1024);
  EXPECT_EQ(lookupKnownTarget("sm_120")->sramPerBlock, 99 * 1024);
  EXPECT_EQ(lookupKnownTarget("h100")->sramPerBlock, 227 * 1024);
  EXPECT_EQ(lookupKnownTarget("b200")->sramPerBlock, 227 * 1024);
}

TEST(TargetInfo, LookupByArchitecture) {
  EXPECT_EQ(lookupKnownTarget("sm_90")->name, "h100");
  EXPECT_EQ(lookupKnownTarget("sm_90a")->name, "h100");
  EXPECT_EQ(lookupKnownTarget("sm_80")->name, "a100");
  EXPECT_EQ(lookupKnownTarget("sm_75")->name, "t4");
  EXPECT_FALSE(lookupKnownTarget("sm_1000").has_value());
  EXPECT_FALSE(lookupKnownTarget("").has_value());
}

TEST(TargetInfo, EveryKnownTargetValidates) {
  for (const TargetInfo &t : getKnownTargets()) {
    EXPECT_EQ(t.validate(), std::nullopt) << t.name;
    EXPECT_LE(t.sramPerBlock, t.sramPerSM) << t.name;
  }
}

TEST(TargetInfo, ComputeCapability) {
  TargetInfo t;
  t.arch = "sm_90a";
  EXPECT_EQ(t.getComputeCapability(), 90);
  t.arch = "sm_120";
  EXPECT_EQ(t.getComputeCapability(), 120);
  t.arch = "gfx942";
  EXPECT_EQ(t.getComputeCapability(), 0);
}

TEST(TargetInfo, ValidateNamesTheBadField) {
  TargetInfo t = *lookupKnownTarget("h100");
  t.smCount = 0;
  ASSERT_TRUE(t.validate().has_value());
  EXPECT_NE(t.validate()->find("sm_count"), std::string::npos);
  t = *lookupKnownTarget("h100");
  t.sramPerSM = t.sramPerBlock - 1;
  EXPECT_NE(t.validate()->find("sram_per_sm"), std::string::npos);
}

TEST(TargetInfo, FeaturesTheNVPTXBackEndKnows) {
  for (const char *features : {"", "+ptx80", "+ptx78,+ptx80", " +ptx90 ",
                               "-ptx80"})
    EXPECT_EQ(nvptxFeaturesProblem(features), std::nullopt) << features;
  // Session 23's long fuzzing run: an unknown +ptx feature is ignored by
  // the back end, which then aborts on an op the chip's lowest PTX ISA
  // lacks.
  for (const char *features : {"+ptx94", "+ptx80,+ptx999", "+sm_91",
                               "+foo"}) {
    std::optional<std::string> why = nvptxFeaturesProblem(features);
    ASSERT_TRUE(why.has_value()) << features;
    EXPECT_NE(why->find("is not a feature the NVPTX back end knows (PTX ISAs "
                        "+ptx"),
              std::string::npos)
        << *why;
  }
  for (const char *features : {"ptx80", "+", "*ptx80", " , ", "+ptx80, -"}) {
    std::optional<std::string> why = nvptxFeaturesProblem(features);
    ASSERT_TRUE(why.has_value()) << features;
    EXPECT_NE(why->find("is not '+' or '-' and a feature name"),
              std::string::npos)
        << *why;
  }
}

TEST(TargetInfo, ValidateAcceptsOnlyArchsTheNVPTXBackEndKnows) {
  TargetInfo t = *lookupKnownTarget("h100");
  for (const char *arch : {"sm_70", "sm_72", "sm_88", "sm_90", "sm_90a",
                           "sm_100f", "sm_103a", "sm_110", "sm_121a"}) {
    t.arch = arch;
    EXPECT_EQ(t.validate(), std::nullopt) << arch;
  }
  // Issue 27, item 1: these passed the sm_70 check and aborted LLVM's
  // instruction selection, or were written into the PTX as they are.
  for (const char *arch : {"sm_81", "sm_91", "sm_999", "sm_90abc", "sm_70x",
                           "sm_60", "sm_", "gfx942", ""}) {
    t.arch = arch;
    std::optional<std::string> why = t.validate();
    ASSERT_TRUE(why.has_value()) << arch;
    EXPECT_NE(why->find("NVPTX back end knows (sm_70, sm_72, "),
              std::string::npos)
        << *why;
  }
}
