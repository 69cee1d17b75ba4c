//===- LegalityTest.cpp - What each kernel kind can run -------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// One case per rule of checkLegality, with the numbers worked out by hand,
// and the order in which the rules are checked.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/Legality.h"

#include "FlashAttn/Analysis/CostModel.h"

#include "gtest/gtest.h"

#include <iterator>
#include <set>
#include <string>
#include <utility>

using namespace mlir::fa;

namespace {

TargetInfo target(const char *name) { return *lookupKnownTarget(name); }

AttentionProblem problem(int64_t d, int64_t elementBytes = 2) {
  AttentionProblem p;
  p.batch = 4;
  p.numQueryHeads = p.numKVHeads = 16;
  p.seqLenQ = p.seqLenKV = 4096;
  p.headDim = p.valueHeadDim = d;
  p.elementBytes = elementBytes;
  return p;
}

/// checkLegality's reason, for EXPECT_EQ.
LegalityReason reasonOf(KernelKind kind, const AttentionProblem &p,
                        const char *targetName,
                        std::optional<Tiling> tiling = std::nullopt) {
  return checkLegality(kind, p, target(targetName), tiling).reason;
}

TEST(Legality, ReasonNames) {
  const LegalityReason all[] = {LegalityReason::Legal,
                                LegalityReason::Arch,
                                LegalityReason::ElementType,
                                LegalityReason::HeadDim,
                                LegalityReason::KernelShape,
                                LegalityReason::CodeSize,
                                LegalityReason::RowsPerWarp,
                                LegalityReason::BlockMaskGranularity,
                                LegalityReason::ThreadLimit,
                                LegalityReason::SharedMemory,
                                LegalityReason::RegistersPerThread,
                                LegalityReason::RegisterFile};
  std::set<std::string> names;
  for (LegalityReason r : all)
    names.insert(stringifyLegalityReason(r).str());
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(stringifyLegalityReason(LegalityReason::SharedMemory),
            "shared-memory");
  // The kernel's own rules, then the block's resources.
  for (LegalityReason r : all)
    EXPECT_EQ(isKernelRule(r),
              r >= LegalityReason::Arch && r <= LegalityReason::RowsPerWarp)
        << stringifyLegalityReason(r).str();
  // Of those, the ones that do not depend on the tiling.
  for (LegalityReason r : all)
    EXPECT_EQ(isProblemRule(r),
              r >= LegalityReason::Arch && r <= LegalityReason::HeadDim)
        << stringifyLegalityReason(r).str();
  EXPECT_EQ(stringifyLegalityReason(LegalityReason::CodeSize), "code-size");
}

TEST(Legality, MaskPatternsOnEveryKernel) {
  // The tensor-core kernels build chunks in closed form, global tokens and
  // the butterfly through block lists; no kernel refuses a pattern
  // (kernel=auto keeps what the GPU has not checked on SIMT, in
  // fa-select-tiling, not here).
  AttentionProblem p = problem(64);
  p.maskChunk = 128;
  p.maskGlobal = 16;
  for (KernelKind kind :
       {KernelKind::Simt, KernelKind::MmaSync, KernelKind::Wgmma})
    EXPECT_EQ(reasonOf(kind, p, "h100"), LegalityReason::Legal);
  p.maskChunk = 0;
  p.maskButterfly = 64;
  for (KernelKind kind :
       {KernelKind::Simt, KernelKind::MmaSync, KernelKind::Wgmma})
    EXPECT_EQ(reasonOf(kind, p, "h100"), LegalityReason::Legal);
}

TEST(Legality, SimtAndTensorCoreTakeAnyProblem) {
  // f32, head dim 72, on a T4: neither kernel has a rule about them.
  for (KernelKind kind : {KernelKind::Simt, KernelKind::TensorCore}) {
    Legality l = checkLegality(kind, problem(72, 4), target("t4"));
    EXPECT_TRUE(l.isLegal());
    EXPECT_EQ(l.message, "");
  }
}

TEST(Legality, MmaSyncProblems) {
  Legality arch = checkLegality(KernelKind::MmaSync, problem(64), target("t4"));
  EXPECT_EQ(arch.reason, LegalityReason::Arch);
  EXPECT_EQ(arch.message, "the target (sm_75) has no bf16/f16 mma.sync "
                          "m16n8k16 with f32 accumulators (needs sm_80 or "
                          "later)");
  Legality element =
      checkLegality(KernelKind::MmaSync, problem(64, 4), target("a100"));
  EXPECT_EQ(element.reason, LegalityReason::ElementType);
  EXPECT_EQ(element.message, "the element type must be f16 or bf16");
  Legality headDim =
      checkLegality(KernelKind::MmaSync, problem(72), target("a100"));
  EXPECT_EQ(headDim.reason, LegalityReason::HeadDim);
  EXPECT_EQ(headDim.message, "head dimensions must be multiples of 16");
  AttentionProblem dv = problem(64);
  dv.valueHeadDim = 40;
  EXPECT_EQ(reasonOf(KernelKind::MmaSync, dv, "a100"), LegalityReason::HeadDim);
  // sm_90a runs the mma-sync kernel too.
  EXPECT_TRUE(checkLegality(KernelKind::MmaSync, problem(64), target("h100"))
                  .isLegal());
  // The first rule broken: the target, then the element type.
  EXPECT_EQ(reasonOf(KernelKind::MmaSync, problem(72, 4), "t4"),
            LegalityReason::Arch);
  EXPECT_EQ(reasonOf(KernelKind::MmaSync, problem(72, 4), "a100"),
            LegalityReason::ElementType);
}

TEST(Legality, WgmmaProblems) {
  for (const char *name : {"a100", "l4", "b200", "rtx5090"})
    EXPECT_EQ(reasonOf(KernelKind::Wgmma, problem(128), name),
              LegalityReason::Arch)
        << name;
  EXPECT_EQ(
      checkLegality(KernelKind::Wgmma, problem(128), target("b200")).message,
      "the target (sm_100a) has no wgmma (needs sm_90a)");
  EXPECT_EQ(reasonOf(KernelKind::Wgmma, problem(128, 4), "h100"),
            LegalityReason::ElementType);
  for (int64_t d : {40, 88, 272, 320}) {
    Legality l = checkLegality(KernelKind::Wgmma, problem(d), target("h100"));
    EXPECT_EQ(l.reason, LegalityReason::HeadDim) << d;
    EXPECT_EQ(l.message, "head dimensions must be multiples of 16 up to 256 "
                         "(whole k16 steps, one wgmma n of at most 256)");
  }
  // Multiples of 16 that are not of 64 too (D48).
  for (int64_t d : {16, 32, 48, 64, 80, 96, 112, 128, 144, 192, 208, 256})
    EXPECT_TRUE(
        checkLegality(KernelKind::Wgmma, problem(d), target("h200")).isLegal())
        << d;
}

TEST(Legality, KernelShapes) {
  // 48 rows on 2 warps: 24 rows per warp, no whole m16 fragments.
  Legality mma = checkLegality(KernelKind::MmaSync, problem(64), target("a100"),
                               Tiling{48, 64, 2, 2});
  EXPECT_EQ(mma.reason, LegalityReason::KernelShape);
  EXPECT_EQ(mma.message, "mma.sync needs block_q a multiple of 16 rows per "
                         "warp and block_kv a multiple of 16");
  EXPECT_EQ(
      reasonOf(KernelKind::MmaSync, problem(64), "a100", Tiling{64, 40, 1, 4}),
      LegalityReason::KernelShape);
  // 128 rows on 2 warps: 64 rows per warp, beyond the register fit.
  Legality rows = checkLegality(KernelKind::MmaSync, problem(64),
                                target("a100"), Tiling{128, 64, 2, 2});
  EXPECT_EQ(rows.reason, LegalityReason::RowsPerWarp);
  EXPECT_EQ(rows.message,
            "64 rows per warp: the mma-sync register fit covers at most 48");
  // 48 rows per warp, the most the fit covers: 96 + 48 values a thread,
  // 128 + 72 + 23 = 223 registers.
  EXPECT_TRUE(checkLegality(KernelKind::MmaSync, problem(64), target("a100"),
                            Tiling{192, 32, 2, 4})
                  .isLegal());
  // wgmma: 64 rows per warpgroup, block_kv up to 256.
  Legality wg = checkLegality(KernelKind::Wgmma, problem(128), target("h100"),
                              Tiling{128, 64, 2, 4});
  EXPECT_EQ(wg.reason, LegalityReason::KernelShape);
  EXPECT_EQ(wg.message, "wgmma needs block_q = 16 * warps (64 rows per "
                        "warpgroup) and block_kv a multiple of 16 up to 256");
  EXPECT_EQ(
      reasonOf(KernelKind::Wgmma, problem(64), "h100", Tiling{128, 272, 1, 8}),
      LegalityReason::KernelShape);
  // The kernel's problem rules come before the tiling's shape.
  EXPECT_EQ(
      reasonOf(KernelKind::Wgmma, problem(88), "h100", Tiling{128, 64, 2, 4}),
      LegalityReason::HeadDim);
}

TEST(Legality, MmaSyncCodeSize) {
  // 1024 rows on one warp: 64 m16 row tiles, the generator unrolls 8.
  Legality rows = checkLegality(KernelKind::MmaSync, problem(16),
                                target("h100"), Tiling{1024, 16, 1, 1});
  EXPECT_EQ(rows.reason, LegalityReason::CodeSize);
  EXPECT_EQ(rows.message,
            "1024 rows per warp exceed the 128 the mma-sync kernel unrolls");
  // d = 2048 with 16 x 16 tiles: 2 * 128 + 2 * 1 = 258 mma.sync a step,
  // fine; dv = 2048 makes O 256 fragments.
  AttentionProblem wide = problem(16);
  wide.valueHeadDim = 2048;
  Legality frags = checkLegality(KernelKind::MmaSync, wide, target("h100"),
                                 Tiling{16, 16, 1, 1});
  EXPECT_EQ(frags.reason, LegalityReason::CodeSize);
  EXPECT_EQ(frags.message, "with head dims 16 and 2048, a warp's S and O "
                           "tiles are 2 and 256 m16n8 fragments, more than "
                           "128");
  // d = 16400: 2 * 1025 + 2 = 2052 mma.sync a kv-step, over 2048; 16384
  // (2050) too, 16352 (2046) not (with shared memory no GPU has).
  TargetInfo huge = target("h100");
  huge.sramPerBlock = huge.sramPerSM = int64_t(1) << 40;
  for (auto [d, legal] : {std::pair<int64_t, bool>{16400, false},
                          {16384, false},
                          {16352, true}}) {
    AttentionProblem deep = problem(d);
    deep.valueHeadDim = 16;
    Legality step =
        checkLegality(KernelKind::MmaSync, deep, huge, Tiling{16, 16, 1, 1},
                      LegalityScope::Generation);
    EXPECT_EQ(step.isLegal(), legal) << d << ": " << step.message;
    if (!legal)
      EXPECT_EQ(step.reason, LegalityReason::CodeSize);
  }
}

/// The mma-sync verdicts on `tiling` in both scopes.
std::pair<LegalityReason, LegalityReason>
scopeReasons(int64_t d, const char *targetName, const Tiling &tiling) {
  auto reason = [&](LegalityScope scope) {
    return checkLegality(KernelKind::MmaSync, problem(d), target(targetName),
                         tiling, scope)
        .reason;
  };
  return {reason(LegalityScope::Selection),
          reason(LegalityScope::Generation)};
}

TEST(Legality, GenerationScope) {
  // What convert-fa-to-nvgpu builds from a hand-written tiling: 64 rows per
  // warp is outside the register fit (Selection) but within what the
  // generator unrolls (Generation).
  EXPECT_EQ(scopeReasons(64, "a100", Tiling{128, 64, 2, 2}),
            std::make_pair(LegalityReason::RowsPerWarp, LegalityReason::Legal));
  // Nor do the register estimates apply (ptxas spills what does not fit):
  // the 578-register tiling of Resources below.
  EXPECT_EQ(scopeReasons(128, "h100", Tiling{128, 256, 1, 4}),
            std::make_pair(LegalityReason::RegistersPerThread,
                           LegalityReason::Legal));
  // The kernel's rules, threads and shared memory do.
  EXPECT_EQ(checkLegality(KernelKind::MmaSync, problem(64), target("a100"),
                          Tiling{48, 64, 2, 2}, LegalityScope::Generation)
                .reason,
            LegalityReason::KernelShape);
  EXPECT_EQ(checkLegality(KernelKind::MmaSync, problem(64), target("a100"),
                          Tiling{1024, 16, 1, 64}, LegalityScope::Generation)
                .reason,
            LegalityReason::ThreadLimit);
  EXPECT_EQ(checkLegality(KernelKind::MmaSync, problem(64), target("a100"),
                          Tiling{128, 256, 4, 8}, LegalityScope::Generation)
                .reason,
            LegalityReason::SharedMemory);
}

TEST(Legality, Resources) {
  // 64 warps: 2048 threads (the shape is fine: 16 rows per warp).
  Legality threads = checkLegality(KernelKind::MmaSync, problem(64),
                                   target("a100"), Tiling{1024, 16, 1, 64});
  EXPECT_EQ(threads.reason, LegalityReason::ThreadLimit);
  EXPECT_EQ(threads.message, "2048 threads per block exceed 1024");
  // mma-sync 128x256, 4 stages, d = 64: rows of 144 bytes, 128 * 144 +
  // 4 * 2 * 256 * 144 = 313344 B; the A100 gives a block 163 KiB.
  Legality shared = checkLegality(KernelKind::MmaSync, problem(64),
                                  target("a100"), Tiling{128, 256, 4, 8});
  EXPECT_EQ(shared.reason, LegalityReason::SharedMemory);
  EXPECT_EQ(shared.message, "shared memory 313344 B exceeds 166912 B per "
                            "block");
  // mma-sync 128x256 on 4 warps, d = 128: O 128 and S 256 values a thread,
  // 128 + 384 + 40 (ldmatrix addresses) + 7 = 559 registers, over 255 + 20.
  Legality regs = checkLegality(KernelKind::MmaSync, problem(128),
                                target("h100"), Tiling{128, 256, 1, 4});
  EXPECT_EQ(regs.reason, LegalityReason::RegistersPerThread);
  EXPECT_EQ(regs.message, "559 registers per thread exceed 275");
  // 256x192 on 16 warps, d = 128: O 64 and S 96 values a thread, 64 + 144 +
  // 28 (ldmatrix addresses) + 7 = 243 registers, allocated 248 for 512
  // threads: 126976 > 65536.
  Legality file = checkLegality(KernelKind::MmaSync, problem(128),
                                target("h100"), Tiling{256, 192, 1, 16});
  EXPECT_EQ(file.reason, LegalityReason::RegisterFile);
  EXPECT_EQ(file.message, "126976 registers per block (243 estimated per "
                          "thread) exceed 65536 per SM");
}

TEST(Legality, SharedMemoryAlone) {
  // The register-bound tiling above fits its shared memory: 128 * 272 +
  // 2 * 256 * 272 = 174080 B.
  Tiling regsOnly{128, 256, 1, 4};
  int64_t bytes = sramBytes(regsOnly, problem(128), KernelKind::MmaSync);
  EXPECT_EQ(bytes, 174080);
  EXPECT_TRUE(checkSharedMemory(bytes, target("h100")).isLegal());
  // The budget is inclusive.
  TargetInfo small = target("h100");
  small.sramPerBlock = 174080;
  EXPECT_TRUE(checkSharedMemory(bytes, small).isLegal());
  // With 64 KiB it does not fit, and checkLegality, which checks shared
  // memory before registers, says so in the same words.
  small.sramPerBlock = 65536;
  Legality l = checkSharedMemory(bytes, small);
  EXPECT_EQ(l.reason, LegalityReason::SharedMemory);
  EXPECT_EQ(l.message, "shared memory 174080 B exceeds 65536 B per block");
  EXPECT_EQ(
      checkLegality(KernelKind::MmaSync, problem(128), small, regsOnly).message,
      l.message);
  // A launch's dynamic shared memory is an i32, whatever the target says.
  TargetInfo huge = target("h100");
  huge.sramPerBlock = int64_t(1) << 40;
  EXPECT_TRUE(checkSharedMemory(2147483647, huge).isLegal());
  Legality launch = checkSharedMemory(2147483648, huge);
  EXPECT_EQ(launch.reason, LegalityReason::SharedMemory);
  EXPECT_EQ(launch.message, "shared memory 2147483648 B exceeds the "
                            "2147483647 B a launch can request");
}

TEST(Legality, TheCostModelRecordsTheVerdict) {
  // Every candidate's legality is checkLegality's for its tiling; the ones
  // that fit are exactly the legal ones.
  for (KernelKind kind : {KernelKind::Simt, KernelKind::MmaSync,
                          KernelKind::Wgmma, KernelKind::TensorCore}) {
    for (const char *name : {"a100", "h100"}) {
      CostModel model(target(name), {kind});
      AttentionProblem p = problem(128);
      for (const Tiling &t : model.enumerateCandidates()) {
        CandidateCost c = model.evaluate(t, p);
        Legality l = checkLegality(kind, p, target(name), t);
        ASSERT_EQ(c.legality.reason, l.reason) << t.str();
        ASSERT_EQ(c.legality.message, l.message) << t.str();
        ASSERT_EQ(c.fits(), l.isLegal()) << t.str();
      }
    }
  }
}

} // namespace

namespace {

TEST(Legality, BlockMaskGranularity) {
  // Mask blocks of 128 x 64: a tile must lie in one of them.
  AttentionProblem p = problem(64);
  p.blockMaskQ = 128;
  p.blockMaskKV = 64;
  EXPECT_EQ(reasonOf(KernelKind::Simt, p, "h100", Tiling{64, 64, 1, 4}),
            LegalityReason::Legal);
  EXPECT_EQ(reasonOf(KernelKind::Simt, p, "h100", Tiling{64, 48, 1, 4}),
            LegalityReason::BlockMaskGranularity);
  EXPECT_EQ(reasonOf(KernelKind::MmaSync, p, "h100", Tiling{256, 64, 2, 8}),
            LegalityReason::BlockMaskGranularity);
  EXPECT_EQ(reasonOf(KernelKind::Wgmma, p, "h100", Tiling{128, 32, 2, 8}),
            LegalityReason::Legal);
  EXPECT_EQ(*checkBlockMaskGranularity(Tiling{64, 48, 1, 4}, p),
            "the tiling's blocks 64x48 must divide the block mask's 128x64 "
            "(each tile computed or skipped whole)");
  EXPECT_FALSE(checkBlockMaskGranularity(Tiling{64, 48, 1, 4}, problem(64)));
  // No wgmma tiling divides 32-row mask blocks: refused without a tiling.
  p.blockMaskQ = 32;
  EXPECT_EQ(reasonOf(KernelKind::Wgmma, p, "h100"),
            LegalityReason::BlockMaskGranularity);
  EXPECT_EQ(reasonOf(KernelKind::MmaSync, p, "h100"), LegalityReason::Legal);
  // One of the two sizes alone is no block mask.
  p.blockMaskKV = 0;
  EXPECT_TRUE(p.validate().has_value());
}

} // namespace
