//===- BackwardCostModel.cpp - IO cost model of the backward pass ---------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/BackwardCostModel.h"

#include "FlashAttn/Analysis/BlockClassifier.h"
#include "CostModel/KernelModel.h"
#include "FloorSum.h"

#include "FlashAttn/Analysis/Legality.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <functional>
#include <cmath>
#include <numeric>
#include <limits>

using namespace mlir;
using namespace mlir::fa;

/// Registers per thread besides the tiles: addresses, loop counters, the
/// logsumexp and D of the lane's rows.
static constexpr int64_t kBackwardRegisterOverhead = 32;
/// Fitted to ptxas (CUDA 13) on sm_80 and sm_90a, bf16 and f16, D = 64 and
/// 128, block_q 16/32/64, block_kv 64/128 (docs/decisions.md D53); the
/// share of block_q's term that grows with D fitted at D = 96, where
/// block_q 48 spills on dense problems (D70; D = 64 keeps its 43 a
/// 16-row block).
const MmaSyncBackwardRegisterFit mlir::fa::kMmaSyncBackwardRegisters = {
    /*fixed=*/20, /*perQueryBlock16=*/35, /*columnsPerQueryRegister=*/8,
    /*limit=*/255};

std::optional<std::string>
mlir::fa::mmaSyncBackwardRegisterReason(const Tiling &t, int64_t d, int64_t dv,
                                        const TargetInfo &target) {
  if (t.warps > 8)
    return llvm::formatv(
               "outside the mma-sync backward's shapes: {0} warps leave "
               "ptxas {1} registers per thread (the kernel needs up to 255: "
               "8 warps at most)",
               t.warps, target.regsPerSM / (32 * t.warps))
        .str();
  int64_t registers = kMmaSyncBackwardRegisters.estimate(t, d, dv);
  if (registers > kMmaSyncBackwardRegisters.limit)
    return llvm::formatv("{0} registers per thread exceed {1} (the mma-sync "
                         "backward's ptxas fit: dK_j, dV_j, S^T and dP^T "
                         "would spill)",
                         registers, kMmaSyncBackwardRegisters.limit)
        .str();
  return std::nullopt;
}

/// The share of the tensor-core peak the backward's products reach between
/// its softmax recomputation, dS and the barriers. Not fitted yet: the
/// backward kernels are not measured (docs/CostModel.md, "The backward
/// pass").
static constexpr double kBackwardTensorEfficiency = 0.6;
/// Fixed time a (q-block, kv-block) pair (a step of a K/V block's loop)
/// costs beyond its products: its barriers, and the latency of its Q_i,
/// dO_i, lse_i and D_i loads, which the mma-sync kernel's second stage
/// and the SM's other resident blocks hide behind their products. Not
/// fitted yet (docs/CostModel.md, "The backward pass").
struct BackwardStepCost {
  double barrierSeconds;
  double loadSeconds;
};
static constexpr BackwardStepCost kBackwardStep = {0.1e-6, 0.2e-6};
/// Ordered dQ (dq = ordered): a step passes its turn only once its dQ adds
/// have been performed (the release fence drains the atomics; the ring
/// waits for its bulk reductions' completion), and nothing of the block
/// overlaps that drain, so it adds to the time whatever bounds it (compute
/// or memory). Where the order is not staggered (dense: every kv-block
/// starts at the same q-block), a wave's resident kv-blocks of a head
/// start one link behind each other, a link a fraction of a step (the turn
/// is waited for before a step's dQ adds and passed at the next step's
/// start). Fitted (D66) to the H100's one-buffer wgmma backward, B = 4, N
/// = 4k, dense: ordered at 0.70x of atomic at D = 128 and at D = 64
/// (docs/results/2026-12-05-h100-session6-checks); the acquire and release
/// fences' own cost fits as nothing beside the drain.
struct OrderedStepCost {
  /// The rate at which an SM's block_q x D f32 adds drain.
  double drainBytesPerSecond;
  /// A link of the dense chain, in steps.
  double linkSteps;
};
static constexpr OrderedStepCost kOrderedStep = {38.5e9, 0.2};
/// L2's bandwidth over HBM's: the rate at which the re-reads L2 serves
/// reach the SMs. Not fitted: the usual ratio of the data-center parts
/// (docs/CostModel.md, "The backward pass").
static constexpr double kL2OverHbmBandwidth = 2.0;
/// Shared memory regions are 128-byte aligned.
static constexpr int64_t kRegionAlignment = 128;
/// Bytes of an f32.
static constexpr int64_t kF32Bytes = 4;
/// The SIMT kernel's registers per thread: its tiles and accumulators are in
/// shared memory; a thread holds one scalar iteration's operands (as the
/// forward's SIMT kernel, docs/CostModel.md "The SIMT kernel").
static constexpr int64_t kSimtRegisters = 64;
/// Shared-memory accesses one SM serves per clock (one warp-wide load), and
/// the clock the SIMT estimate assumes on every target. Not fitted: the SIMT
/// backward is not measured; its estimate ranks tilings of one target.
static constexpr double kSimtSharedAccessesPerClock = 32;
static constexpr double kSimtClockHz = 1.5e9;
/// Resident warps that hide the latency of the dependent shared loads.
static constexpr int64_t kSimtLatencyWarps = 16;
/// Shared-memory accesses per score besides the products: S's scale and
/// mask, exp, dP - D, dS (reads and writes).
static constexpr int64_t kSimtElementwiseAccesses = 8;

llvm::StringRef mlir::fa::stringifyDqAccumulation(DqAccumulation value) {
  switch (value) {
  case DqAccumulation::Auto:
    return "auto";
  case DqAccumulation::Atomic:
    return "atomic";
  case DqAccumulation::Ordered:
    return "ordered";
  case DqAccumulation::Separate:
    return "separate";
  }
  llvm_unreachable("unknown dQ accumulation");
}

std::optional<DqAccumulation>
mlir::fa::parseDqAccumulation(llvm::StringRef name) {
  for (DqAccumulation value :
       {DqAccumulation::Auto, DqAccumulation::Atomic, DqAccumulation::Ordered,
        DqAccumulation::Separate})
    if (name == stringifyDqAccumulation(value))
      return value;
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyBlockMaskWalk(BlockMaskWalk value) {
  switch (value) {
  case BlockMaskWalk::Auto:
    return "auto";
  case BlockMaskWalk::Dense:
    return "dense";
  case BlockMaskWalk::Compacted:
    return "compacted";
  }
  llvm_unreachable("unknown block-mask walk");
}

std::optional<BlockMaskWalk>
mlir::fa::parseBlockMaskWalk(llvm::StringRef name) {
  for (BlockMaskWalk value : {BlockMaskWalk::Auto, BlockMaskWalk::Dense,
                              BlockMaskWalk::Compacted})
    if (name == stringifyBlockMaskWalk(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::blockMaskWalkReason(KernelKind kind, DqAccumulation dq,
                              BlockMaskWalk walk,
                              const AttentionProblem &problem,
                              const Tiling *tiling) {
  if (walk != BlockMaskWalk::Compacted)
    return std::nullopt;
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the compacted walk is the wgmma backward's, not "
                         "the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (dq != DqAccumulation::Atomic)
    return std::string("the compacted walk needs dq = atomic: ordered dQ "
                       "passes a turn at every q-block of the kv-block's "
                       "walk, dead ones included");
  if (problem.blockMaskQ == 0)
    return std::string("the compacted walk lists the q-blocks a runtime "
                       "block mask keeps; this problem has no block mask");
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("the compacted walk is built on the row split's TMA "
                       "ring (D = Dv up to 128), not the column split's");
  if (tiling && tiling->stages < 2)
    return std::string("the compacted walk is the TMA ring's (stages 2), "
                       "not one buffer's");
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyInFlightProducts(InFlightProducts value) {
  switch (value) {
  case InFlightProducts::Auto:
    return "auto";
  case InFlightProducts::None:
    return "none";
  case InFlightProducts::DK:
    return "dk";
  }
  llvm_unreachable("unknown in-flight products");
}

std::optional<InFlightProducts>
mlir::fa::parseInFlightProducts(llvm::StringRef name) {
  for (InFlightProducts value : {InFlightProducts::Auto, InFlightProducts::None,
                                 InFlightProducts::DK})
    if (name == stringifyInFlightProducts(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::inFlightReason(KernelKind kind, InFlightProducts inFlight,
                         const AttentionProblem &problem,
                         const Tiling *tiling) {
  if (inFlight != InFlightProducts::DK)
    return std::nullopt;
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("dK in flight is the wgmma backward's, not the {0} "
                         "kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("dK in flight is built on the row split's TMA ring "
                       "(D = Dv up to 128), not the column split's");
  if (problem.blockMaskQ > 0)
    return std::string("dK in flight issues the next step's Q_i after dS^T's "
                       "barrier, which a step the block mask skips does not "
                       "have: not with a runtime block mask");
  if (tiling && tiling->stages < 2)
    return std::string("dK in flight is the TMA ring's (stages 2), not one "
                       "buffer's");
  if (tiling && tiling->blockQ == kWgmmaBackwardWideBlockQ)
    return llvm::formatv("dK in flight is built with block_q {0}, not {1}",
                         kWgmmaBackwardBlockQ, kWgmmaBackwardWideBlockQ)
        .str();
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::wideQueryBlockReason(const AttentionProblem &problem,
                               const Tiling &tiling,
                               InFlightProducts inFlight) {
  if (tiling.blockQ != kWgmmaBackwardWideBlockQ)
    return std::nullopt;
  if (problem.headDim != 64 || problem.valueHeadDim != 64)
    return llvm::formatv("block_q {0} is built at D = Dv = 64 only (its S^T, "
                         "dP^T and dK_j, dV_j take 192 f32 registers a "
                         "thread there), got D = {1}, Dv = {2}",
                         kWgmmaBackwardWideBlockQ, problem.headDim,
                         problem.valueHeadDim)
        .str();
  if (tiling.stages < 2)
    return llvm::formatv("block_q {0} is built on the TMA ring (stages 2), "
                         "not one buffer",
                         kWgmmaBackwardWideBlockQ)
        .str();
  if (problem.maskElementBytes > 1)
    return llvm::formatv("block_q {0} is not built with an additive bias "
                         "(an i1 keep-mask is)",
                         kWgmmaBackwardWideBlockQ)
        .str();
  if (problem.blockMaskQ > 0)
    return llvm::formatv("block_q {0} is not built with a runtime block mask",
                         kWgmmaBackwardWideBlockQ)
        .str();
  if (problem.hasMaskPattern())
    return llvm::formatv("block_q {0} is not built with a #fa.mask_pattern",
                         kWgmmaBackwardWideBlockQ)
        .str();
  if (inFlight == InFlightProducts::DK)
    return llvm::formatv("block_q {0} is not built with dK in flight "
                         "(in_flight = dk)",
                         kWgmmaBackwardWideBlockQ)
        .str();
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyBackwardEpilogue(BackwardEpilogue value) {
  switch (value) {
  case BackwardEpilogue::Auto:
    return "auto";
  case BackwardEpilogue::Direct:
    return "direct";
  case BackwardEpilogue::TmaStore:
    return "tma-store";
  }
  llvm_unreachable("unknown backward epilogue");
}

std::optional<BackwardEpilogue>
mlir::fa::parseBackwardEpilogue(llvm::StringRef name) {
  for (BackwardEpilogue value :
       {BackwardEpilogue::Auto, BackwardEpilogue::Direct,
        BackwardEpilogue::TmaStore})
    if (name == stringifyBackwardEpilogue(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::backwardEpilogueReason(KernelKind kind, BackwardEpilogue epilogue,
                                 const AttentionProblem &problem,
                                 const Tiling *tiling) {
  if (epilogue != BackwardEpilogue::TmaStore)
    return std::nullopt;
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the TMA-store epilogue is the wgmma backward's, "
                         "not the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("the TMA-store epilogue is built on the row split "
                       "(D = Dv up to 128), not the column split's");
  if (tiling && tiling->stages < 2)
    return std::string("the TMA-store epilogue is the TMA ring's (stages "
                       "2), not one buffer's");
  // D108: with a mask pattern's per-score tests ptxas spills (68 bytes on
  // the chunk kernel of ptxas-mask-pattern-grad-wgmma.mlir), and its GPU
  // check did not cover them.
  if (problem.hasMaskPattern())
    return std::string("the TMA-store epilogue is not built with a "
                       "#fa.mask_pattern (ptxas spills beside its tests)");
  // D110, D130: beside the wide q-block's step (252-255 registers) ptxas
  // assembles the TMA store without spills but with a window's tests (8
  // bytes causal, 208 not); there block_q 128 keeps the direct stores.
  if (tiling && tiling->blockQ == kWgmmaBackwardWideBlockQ && problem.window)
    return llvm::formatv("the TMA-store epilogue is not built with block_q "
                         "{0} and a #fa.window (ptxas spills beside the wide "
                         "q-block's step)",
                         kWgmmaBackwardWideBlockQ)
        .str();
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyDqTurnPass(DqTurnPass value) {
  switch (value) {
  case DqTurnPass::Auto:
    return "auto";
  case DqTurnPass::StepStart:
    return "step-start";
  case DqTurnPass::AfterScores:
    return "after-scores";
  }
  llvm_unreachable("unknown dQ turn pass");
}

std::optional<DqTurnPass> mlir::fa::parseDqTurnPass(llvm::StringRef name) {
  for (DqTurnPass value :
       {DqTurnPass::Auto, DqTurnPass::StepStart, DqTurnPass::AfterScores})
    if (name == stringifyDqTurnPass(value))
      return value;
  return std::nullopt;
}

llvm::StringRef
mlir::fa::stringifyBackwardPersistence(BackwardPersistence value) {
  switch (value) {
  case BackwardPersistence::Auto:
    return "auto";
  case BackwardPersistence::Off:
    return "off";
  case BackwardPersistence::On:
    return "on";
  }
  llvm_unreachable("unknown backward persistence");
}

std::optional<BackwardPersistence>
mlir::fa::parseBackwardPersistence(llvm::StringRef name) {
  for (BackwardPersistence value :
       {BackwardPersistence::Auto, BackwardPersistence::Off,
        BackwardPersistence::On})
    if (name == stringifyBackwardPersistence(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::dqTurnPassReason(KernelKind kind, DqAccumulation dq, DqTurnPass pass,
                           const AttentionProblem &problem,
                           const Tiling *tiling) {
  if (pass != DqTurnPass::AfterScores)
    return std::nullopt;
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("passing the turns after the score products is "
                         "the wgmma backward's, not the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (dq != DqAccumulation::Ordered)
    return std::string("passing the turns after the score products needs "
                       "dq = ordered (there are no turns without it)");
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("passing the turns after the score products is built "
                       "on the row split's bulk reductions (D = Dv up to "
                       "128), not the column split's atomics");
  if (tiling && tiling->stages < 2)
    return std::string("passing the turns after the score products is the "
                       "TMA ring's (stages 2), not one buffer's");
  return std::nullopt;
}

std::optional<std::string> mlir::fa::backwardPersistentReason(
    KernelKind kind, BackwardPersistence persistence, DqAccumulation dq,
    const AttentionProblem &problem, const Tiling *tiling) {
  if (persistence != BackwardPersistence::On)
    return std::nullopt;
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the persistent kernel is the wgmma backward's, not "
                         "the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("the persistent kernel is built on the row split "
                       "(D = Dv up to 128), not the column split's");
  if (tiling && tiling->stages < 2)
    return std::string("the persistent kernel is the TMA ring's (stages 2), "
                       "not one buffer's");
  // Ordered dQ's turns wait for the kv-block after: with a grid sized to
  // the target's SMs, that tile may belong to a block not yet resident on
  // a GPU with fewer SMs (docs/Backward.md, "The persistent kernel").
  if (dq == DqAccumulation::Ordered)
    return std::string("the persistent kernel adds dQ with atomics: ordered "
                       "dQ's turns could wait for a tile of a block that is "
                       "not resident");
  if (problem.blockMaskQ > 0)
    return std::string("the persistent kernel is not built with a runtime "
                       "block mask");
  if (problem.hasMaskPattern())
    return std::string("the persistent kernel is not built with a "
                       "#fa.mask_pattern");
  // ptxas spills 12-16 bytes with a keep-mask's tests at D = 64 and 128
  // (D114); the bias was not checked with it.
  if (problem.maskElementBytes > 0)
    return std::string("the persistent kernel is not built with a mask or "
                       "bias operand (ptxas spills beside a keep-mask's "
                       "tests)");
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyBackwardGqa(BackwardGqa value) {
  switch (value) {
  case BackwardGqa::Auto:
    return "auto";
  case BackwardGqa::Loop:
    return "loop";
  case BackwardGqa::Split:
    return "split";
  }
  llvm_unreachable("unknown backward gqa");
}

std::optional<BackwardGqa> mlir::fa::parseBackwardGqa(llvm::StringRef name) {
  for (BackwardGqa value :
       {BackwardGqa::Auto, BackwardGqa::Loop, BackwardGqa::Split})
    if (name == stringifyBackwardGqa(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::backwardGqaSplitReason(KernelKind kind, DqAccumulation dq,
                                 const AttentionProblem &problem) {
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the split group is the wgmma backward's, not the "
                         "{0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("the split group is built on the row split (D = Dv "
                       "up to 128), not the column split's");
  // The query heads' adds of dK and dV reach the accumulators in any order:
  // ordering dQ alone would not make the gradients bit-identical.
  if (dq != DqAccumulation::Atomic)
    return std::string("the split group adds dK and dV in no fixed order: "
                       "it is not deterministic (dq = atomic only)");
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyDqConvert(DqConvert value) {
  switch (value) {
  case DqConvert::Auto:
    return "auto";
  case DqConvert::Kernel:
    return "kernel";
  case DqConvert::Fused:
    return "fused";
  }
  llvm_unreachable("unknown dq convert");
}

std::optional<DqConvert> mlir::fa::parseDqConvert(llvm::StringRef name) {
  for (DqConvert value : {DqConvert::Auto, DqConvert::Kernel, DqConvert::Fused})
    if (name == stringifyDqConvert(value))
      return value;
  return std::nullopt;
}

llvm::StringRef mlir::fa::stringifyDqReduce(DqReduce value) {
  switch (value) {
  case DqReduce::Auto:
    return "auto";
  case DqReduce::Warp:
    return "warp";
  case DqReduce::Warpgroup:
    return "warpgroup";
  }
  llvm_unreachable("unknown dq reduce");
}

std::optional<DqReduce> mlir::fa::parseDqReduce(llvm::StringRef name) {
  for (DqReduce value : {DqReduce::Auto, DqReduce::Warp, DqReduce::Warpgroup})
    if (name == stringifyDqReduce(value))
      return value;
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::dqReduceWarpgroupReason(KernelKind kind,
                                  const AttentionProblem &problem,
                                  const Tiling &tiling) {
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the warpgroup's dQ reductions are the wgmma "
                         "backward's, not the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (tiling.stages < 2)
    return std::string("the warpgroup's dQ reductions are the TMA ring's "
                       "(stages 2), not one buffer's (dQ by atomics)");
  WgmmaBackwardLayout layout(tiling, problem.headDim, problem.valueHeadDim,
                             problem.elementBytes);
  if (!layout.dQWarpBytes)
    return std::string("the warpgroup's dQ reductions need the ring's dQ "
                       "tiles; at this D its ring adds dQ by atomics");
  if (!layout.dQBoxColumns)
    return llvm::formatv("the warpgroup's dQ reductions add tensor boxes of "
                         "32 f32 columns; a warp's {0} dQ columns are added "
                         "a row at a time",
                         layout.dQColumns)
        .str();
  return std::nullopt;
}

int64_t mlir::fa::longestFirstChunk(const AttentionProblem &problem,
                                    BackwardGqa gqa) {
  int64_t heads = gqa == BackwardGqa::Split
                      ? 1
                      : problem.numQueryHeads /
                            std::max<int64_t>(problem.numKVHeads, 1);
  __int128 bytes = __int128(heads) * problem.seqLenQ *
                   (problem.headDim + problem.valueHeadDim) *
                   problem.elementBytes;
  if (bytes <= 0)
    return 1;
  return int64_t(std::clamp<__int128>(kLaunchChunkL2Bytes / bytes, 1,
                                      kMaxLaunchChunk));
}

int64_t mlir::fa::launchChunkRule(KernelKind kind, DqAccumulation dq,
                                  BackwardGqa gqa,
                                  const AttentionProblem &problem) {
  bool grouped = problem.numQueryHeads > problem.numKVHeads;
  if (kind != KernelKind::Wgmma ||
      dq != DqAccumulation::Atomic || gqa != BackwardGqa::Loop || !grouped ||
      !(problem.causal || problem.window) || problem.hasMaskPattern() ||
      problem.blockMaskQ > 0)
    return 1;
  // A chunk past the grid's pairs orders the blocks as the pairs do; one
  // that divides them leaves no short last chunk, whose width the kernel
  // computes (ptxas spilled 16 bytes for it at D = 64's block_q 128, D133)
  // where the others' is a constant.
  int64_t pairs = std::max<int64_t>(problem.batch * problem.numKVHeads, 1);
  int64_t chunk = std::min(longestFirstChunk(problem, gqa), pairs);
  while (pairs % chunk != 0)
    --chunk;
  return chunk;
}

int64_t mlir::fa::launchChunkByDefault(KernelKind kind, DqAccumulation dq,
                                       BackwardGqa gqa,
                                       const AttentionProblem &problem) {
  return kLaunchChunkGpuChecked ? launchChunkRule(kind, dq, gqa, problem) : 1;
}

bool mlir::fa::dqReduceWarpgroupByDefault(const AttentionProblem &problem,
                                          const Tiling &tiling) {
  WgmmaBackwardLayout layout(tiling, problem.headDim, problem.valueHeadDim,
                             problem.elementBytes);
  return tiling.blockQ != kWgmmaBackwardWideBlockQ &&
         layout.split == WgmmaBackwardSplit::KvRows;
}

std::optional<std::string>
mlir::fa::dqConvertFusedReason(KernelKind kind, DqAccumulation dq,
                               const AttentionProblem &problem,
                               const Tiling *tiling) {
  if (kind != KernelKind::Wgmma)
    return llvm::formatv("the fused dQ conversion is the wgmma backward's, "
                         "not the {0} kernel's",
                         stringifyKernelKind(kind))
        .str();
  if (std::optional<WgmmaBackwardShape> shape =
          wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
      shape && shape->split == WgmmaBackwardSplit::Columns)
    return std::string("the fused dQ conversion is built on the row split's "
                       "bulk reductions (D = Dv up to 128), not the column "
                       "split's atomics");
  if (tiling && tiling->stages < 2)
    return std::string("the fused dQ conversion is the TMA ring's (stages "
                       "2), not one buffer's");
  // Ordered dQ's semaphores count its turns; the arrivals would need their
  // own, and its last kv-block is known anyway.
  if (dq != DqAccumulation::Atomic)
    return std::string("the fused dQ conversion counts the arrivals of "
                       "atomic dQ (dq = atomic only)");
  // The preprocess sets each q-block's count from the causal and window
  // bounds; a runtime block mask or a pattern's lists would change it.
  if (problem.blockMaskQ > 0)
    return std::string("the fused dQ conversion is not built with a runtime "
                       "block mask");
  if (problem.hasMaskPattern())
    return std::string("the fused dQ conversion is not built with a "
                       "#fa.mask_pattern");
  return std::nullopt;
}

int64_t mlir::fa::compactedWalkEntries(const Tiling &tiling,
                                       const AttentionProblem &problem) {
  int64_t group = problem.numQueryHeads / std::max<int64_t>(
                                              problem.numKVHeads, 1);
  return group * llvm::divideCeil(problem.seqLenQ, tiling.blockQ);
}

std::optional<std::string> mlir::fa::dqUnsupportedReason(KernelKind kind,
                                                         DqAccumulation dq) {
  if (dq == DqAccumulation::Auto)
    return std::string("'auto' is a request, not a decided dQ mode");
  if (kind == KernelKind::Simt) {
    if (dq != DqAccumulation::Separate)
      return llvm::formatv("the simt backward kernel accumulates dQ in its "
                           "own pass (dq=separate), not dq={0}",
                           stringifyDqAccumulation(dq))
          .str();
    return std::nullopt;
  }
  if (kind != KernelKind::MmaSync && kind != KernelKind::Wgmma)
    return llvm::formatv("no backward kernel of kind {0}",
                         stringifyKernelKind(kind))
        .str();
  if (dq == DqAccumulation::Separate)
    return llvm::formatv("the {0} backward kernel adds dQ from its K/V "
                         "blocks (dq=atomic or dq=ordered); dq=separate is "
                         "the simt kernel's",
                         stringifyKernelKind(kind))
        .str();
  return std::nullopt;
}

std::variant<DqAccumulation, std::string>
mlir::fa::decideDqAccumulation(KernelKind kind, bool deterministic,
                               DqAccumulation forced) {
  if (forced == DqAccumulation::Atomic && deterministic)
    return std::string("dq=atomic cannot be deterministic: the f32 atomic "
                       "adds are rounded in the order the blocks reach them "
                       "(use dq=ordered, or drop deterministic)");
  DqAccumulation dq = forced;
  if (dq == DqAccumulation::Auto)
    dq = kind == KernelKind::Simt ? DqAccumulation::Separate
         : deterministic          ? DqAccumulation::Ordered
                                  : DqAccumulation::Atomic;
  if (std::optional<std::string> why = dqUnsupportedReason(kind, dq))
    return *why;
  return dq;
}

std::optional<std::string>
mlir::fa::patternDqReason(const AttentionProblem &problem, DqAccumulation dq) {
  if (problem.hasMaskPattern() && dq == DqAccumulation::Ordered)
    return std::string("a #fa.mask_pattern with ordered (deterministic) dQ "
                       "is not built: the kv-blocks' turns follow the causal "
                       "and window bounds, not the pattern's block lists "
                       "(use dq=atomic, or kernel=simt)");
  return std::nullopt;
}

int64_t SimtBackwardSram::maxBytes() const {
  return std::max({rowDot, keyValue, query, biasGrad});
}

/// The right extent a kv-block's first q-block is bounded by: 0 when
/// causal, the window's right extent, or none.
static std::optional<int64_t> rightExtent(const AttentionProblem &p) {
  return p.causal ? std::optional<int64_t>(0)
                  : p.window ? std::optional<int64_t>(p.windowRight)
                             : std::nullopt;
}

std::pair<int64_t, int64_t>
mlir::fa::backwardQueryBlockRange(int64_t kvBlock, const Tiling &t,
                                  const AttentionProblem &p) {
  int64_t nQ = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t k0 = kvBlock * t.blockKV, diag = p.seqLenKV - p.seqLenQ;
  int64_t first = 0, end = nQ;
  std::optional<int64_t> right = rightExtent(p);
  if (right)
    first = std::min(nQ, std::max<int64_t>(0, k0 - diag - *right) / t.blockQ);
  if (p.window)
    end = std::clamp<int64_t>(
        llvm::divideCeilSigned(k0 + t.blockKV - diag + p.windowLeft, t.blockQ),
        0, nQ);
  return {first, std::max(first, end)};
}

namespace {
/// The sum and the largest of g(j) over the kv-blocks 0 <= j < n of a
/// window, without a loop over them (docs/Reliability.md, "Time bounds").
/// g is built from floor((Bc j + b) / Br) terms (a kv-block's first and
/// last q-blocks and its interior ones), their clamps at 0, nQ and wholeQ,
/// and comparisons between such terms. Between two consecutive `breaks`
/// (where a term crosses one of those bounds) every clamp keeps its side
/// and two terms' difference is periodic in j with period P = Br /
/// gcd(Bc, Br), so g(j + P) - g(j) is the same for every j of one residue
/// mod P: a stretch costs 2 P evaluations of g, whatever its length.
struct WindowSum {
  int64_t blockQ, blockKV, n;
  llvm::SmallVector<int64_t> breaks;

  WindowSum(const Tiling &t, int64_t n) : blockQ(t.blockQ),
                                          blockKV(t.blockKV), n(n) {}

  /// Breaks where floor((Bc j + b) / Br) reaches each of `bounds`.
  void addTerm(int64_t b, llvm::ArrayRef<int64_t> bounds) {
    for (int64_t bound : bounds) {
      __int128 target = __int128(bound) * blockQ - b;
      int64_t j = target <= 0 ? 0
                              : int64_t(std::min<__int128>(
                                    n, (target + blockKV - 1) / blockKV));
      breaks.push_back(j);
    }
  }

  template <typename G>
  std::pair<int64_t, int64_t> sumAndMost(G g) {
    int64_t period = blockQ / std::gcd(blockQ, blockKV);
    breaks.append({0, n});
    llvm::sort(breaks);
    int64_t sum = 0, most = 0;
    for (size_t k = 0; k + 1 < breaks.size(); ++k) {
      int64_t lo = breaks[k], hi = breaks[k + 1];
      if (hi - lo <= 2 * period) {
        for (int64_t j = lo; j < hi; ++j) {
          int64_t v = g(j);
          sum += v;
          most = std::max(most, v);
        }
        continue;
      }
      for (int64_t r = 0; r < period; ++r) {
        int64_t j0 = lo + r, count = (hi - 1 - j0) / period + 1;
        int64_t first = g(j0), delta = g(j0 + period) - first;
        sum += count * first + delta * (count * (count - 1) / 2);
        most = std::max(most, delta >= 0 ? first + delta * (count - 1)
                                         : first);
      }
    }
    return {sum, most};
  }
};
} // namespace

/// A window's kv-block terms (backwardQueryBlockRange's first and end,
/// pairInterior's bounds) as WindowSum breaks.
static WindowSum windowSum(const Tiling &t, const AttentionProblem &p,
                           int64_t n) {
  int64_t nQ = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t wholeQ = p.seqLenQ / t.blockQ, diag = p.seqLenKV - p.seqLenQ;
  int64_t right = rightExtent(p).value_or(0), left = p.windowLeft;
  int64_t bq = t.blockQ, bc = t.blockKV;
  WindowSum sum(t, n);
  llvm::SmallVector<int64_t> bounds = {0, 1, wholeQ, nQ};
  sum.addTerm(-diag - right, bounds);                     // first
  sum.addTerm(bc - diag + left + bq - 1, bounds);          // end
  sum.addTerm(bc - 1 - diag - right + bq - 1, bounds);     // interior from
  sum.addTerm(1 - diag + left, bounds);                    // interior to
  sum.breaks.push_back(std::min(n, p.seqLenKV / bc));      // whole blocks
  return sum;
}

std::pair<int64_t, int64_t>
mlir::fa::backwardPairs(const Tiling &t, const AttentionProblem &p) {
  int64_t nQ = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t nK = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (p.hasMaskPattern()) {
    // BlockClassifier's lists by kv-block: the pairs the kernels compute.
    BlockListCounts lists =
        cachedKVListCounts(p.maskPattern(), t.blockQ, t.blockKV);
    return {lists.pairs, lists.most};
  }
  if (p.window)
    // The window's two bounds, summed over the kv-blocks.
    return windowSum(t, p, nK).sumAndMost([&](int64_t j) {
      auto [first, end] = backwardQueryBlockRange(j, t, p);
      return end - first;
    });
  if (!p.causal)
    return {nQ * nK, nQ};
  // Kv-block j sees the q-blocks from floor(max(0, j * Bc - diag) / Br),
  // and none once j * Bc - diag > Nq - 1 (diag = Nk - Nq).
  int64_t diag = p.seqLenKV - p.seqLenQ;
  auto count = [&](int64_t j) -> int64_t {
    int64_t r0 = std::max<int64_t>(0, j * t.blockKV - diag);
    return r0 > p.seqLenQ - 1 ? 0 : nQ - r0 / t.blockQ;
  };
  // j in [0, jA]: every q-block; (jA, jB]: a floor sum; past jB: none.
  int64_t jA = diag >= 0 ? std::min(nK - 1, diag / t.blockKV) : -1;
  int64_t jB = p.seqLenQ - 1 + diag >= 0
                   ? std::min(nK - 1, (p.seqLenQ - 1 + diag) / t.blockKV)
                   : -1;
  __int128 pairs = __int128(jA + 1) * nQ;
  if (jB > jA) {
    int64_t n = jB - jA;
    pairs += __int128(n) * nQ - detail::floorSum(n, t.blockQ, t.blockKV,
                                                 (jA + 1) * t.blockKV - diag);
  }
  return {int64_t(pairs), count(0)};
}

/// sum_{0 <= j < n} clamp(floor((a j + b) / m), 0, hi) for a >= 0, m > 0,
/// hi >= 0, in O(log) steps (a kv-block's bounds in q-blocks are of this
/// form).
static int64_t clampedFloorSum(int64_t n, int64_t a, int64_t b, int64_t m,
                               int64_t hi) {
  if (n <= 0)
    return 0;
  // The first j >= 0 with a j + b >= target (n when none below n).
  auto firstReaching = [&](int64_t target) -> int64_t {
    if (b >= target)
      return 0;
    if (a == 0)
      return n;
    return std::min<int64_t>(n, llvm::divideCeil(target - b, a));
  };
  int64_t low = firstReaching(0);
  int64_t high = std::max(low, firstReaching(hi * m));
  return detail::floorSum(high - low, m, a, a * low + b) + hi * (n - high);
}

int64_t mlir::fa::backwardMaskedPairs(const Tiling &t,
                                      const AttentionProblem &p) {
  if (p.maskElementBytes > 0)
    return backwardPairs(t, p).first;
  int64_t nK = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (p.hasMaskPattern()) {
    // The lists' partial pairs (their full ones come first in a row).
    return cachedKVListCounts(p.maskPattern(), t.blockQ, t.blockKV).partial;
  }
  // pairInterior: q-block i of kv-block j is interior when both blocks are
  // whole, its first row sees the block's last key (causal, a window's
  // right extent) and its last row's window reaches the block's first key.
  int64_t diag = p.seqLenKV - p.seqLenQ, wholeQ = p.seqLenQ / t.blockQ;
  if (!p.window) {
    // Closed forms, so that selection time does not grow with Nk
    // (docs/Reliability.md, "Time bounds"): kv-block j computes the
    // q-blocks from first_j = clamp(floor((Bc j - diag) / Br), 0, nQ) on
    // (none masked by causality without causal), and a whole kv-block's
    // interior ones are those from clamp(ceil(((j + 1) Bc - 1 - diag) /
    // Br), 0, wholeQ) to wholeQ.
    int64_t nQ = llvm::divideCeil(p.seqLenQ, t.blockQ);
    int64_t wholeK = p.seqLenKV / t.blockKV;
    if (!p.causal)
      return nK * nQ - wholeK * wholeQ;
    int64_t pairs = nK * nQ - clampedFloorSum(nK, t.blockKV, -diag,
                                              t.blockQ, nQ);
    int64_t interior =
        wholeK * wholeQ - clampedFloorSum(wholeK, t.blockKV,
                                          t.blockKV + t.blockQ - 2 - diag,
                                          t.blockQ, wholeQ);
    return pairs - interior;
  }
  std::optional<int64_t> right = rightExtent(p);
  auto maskedOf = [&](int64_t j) {
    auto [first, end] = backwardQueryBlockRange(j, t, p);
    int64_t lo = first, hi = std::min(end, wholeQ);
    if ((j + 1) * t.blockKV > p.seqLenKV)
      hi = lo;
    if (right)
      lo = std::max(lo, llvm::divideCeilSigned(
                            (j + 1) * t.blockKV - 1 - diag - *right, t.blockQ));
    if (p.window)
      hi = std::min(hi, llvm::divideFloorSigned(j * t.blockKV - t.blockQ + 1 -
                                                    diag + p.windowLeft,
                                                t.blockQ) +
                            1);
    return (end - first) - std::max<int64_t>(0, hi - lo);
  };
  return windowSum(t, p, nK).sumAndMost(maskedOf).first;
}

/// HBM byte counts, saturated where a hand-written tiling of tiny blocks on
/// a problem at validate()'s bounds would overflow (their sum stays in
/// int64 too).
static int64_t saturatedBytes(__int128 bytes) {
  constexpr int64_t kMaxBytes = std::numeric_limits<int64_t>::max() / 4;
  return bytes > kMaxBytes ? kMaxBytes : int64_t(bytes);
}

int64_t mlir::fa::residentHeads(int64_t heads, int64_t blocksPerHead,
                                int64_t slots, bool inWaves) {
  int64_t n = blocksPerHead;
  if (heads <= 0)
    return 0;
  if (n <= 0 || slots <= 0)
    return 1;
  // Running blocks that start at offset o of a head cover the heads of
  // blocks o to o + slots - 1: the most from the latest offset, n - 1 in
  // general, n - gcd(n, slots) for waves.
  int64_t lastOffset = inWaves ? n - std::gcd(n, slots) : n - 1;
  __int128 span = (__int128(lastOffset) + slots - 1) / n + 1;
  return int64_t(std::min<__int128>(heads, span));
}

/// A grid of `heads` heads, each of `blocksPerHead` blocks (fastest in the
/// grid's order), whose block b streams the tiles range(b) of its head
/// (bounds non-decreasing in b, consecutive ranges overlapping or
/// adjacent), `tileBytes` a tile; `inWaves`: every block streams every tile
/// of its head (equal blocks). `slots` blocks run at once: the heads live
/// at once are those they touch (residentHeads). Where their every tile
/// fits in half the L2, a head's tiles stay there from one wave to the
/// next: the union of its blocks' tiles is fetched from DRAM once.
/// Otherwise the blocks of a head split where a wave ends and each share
/// fetches the union of its blocks' tiles once, the others re-reading them
/// from L2, as long as the live heads' tiles in flight (a window of
/// kL2WindowBlocks tiles each) fit in half the L2; beyond that L2 catches
/// nothing: `pairs` (every block's every tile) is returned.
struct StreamedGrid {
  int64_t heads, blocksPerHead, tilesPerHead;
  int64_t tileBytes;
  llvm::function_ref<std::pair<int64_t, int64_t>(int64_t)> range;
  bool inWaves;
};
static double streamedTileFetches(const StreamedGrid &g, int64_t slots,
                                  int64_t l2Bytes, int64_t pairs) {
  int64_t liveHeads =
      residentHeads(g.heads, g.blocksPerHead, slots, g.inWaves);
  double window = double(liveHeads) *
                  double(std::min(g.tilesPerHead, detail::kL2WindowBlocks)) *
                  double(g.tileBytes);
  if (window > double(l2Bytes) / 2)
    return double(pairs);
  int64_t n = g.blocksPerHead;
  auto shareTiles = [&](int64_t a, int64_t b) {
    return std::max<int64_t>(0, g.range(b - 1).second - g.range(a).first);
  };
  double heads = double(liveHeads) * double(g.tilesPerHead) *
                 double(g.tileBytes);
  if (heads <= double(l2Bytes) / 2)
    return double(g.heads) * double(shareTiles(0, n));
  // A head's split depends on its first block's place in a wave
  // (h * n % slots): periodic in h.
  int64_t period = slots / std::gcd(n, slots);
  double total = 0;
  for (int64_t h = 0; h < std::min(g.heads, period); ++h) {
    int64_t firstEnd = std::min(n, slots - h * n % slots);
    double headTiles = double(shareTiles(0, firstEnd));
    for (int64_t a = firstEnd; a < n; a += slots)
      headTiles += double(shareTiles(a, std::min(n, a + slots)));
    int64_t alike = g.heads / period + (h < g.heads % period ? 1 : 0);
    total += double(alike) * headTiles;
  }
  return total;
}

BackwardDram mlir::fa::backwardDramTraffic(KernelKind kind, const Tiling &t,
                                           const AttentionProblem &p,
                                           int64_t slots, int64_t l2Bytes) {
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t br = t.blockQ, bc = t.blockKV;
  int64_t nQ = llvm::divideCeil(p.seqLenQ, br);
  int64_t nK = llvm::divideCeil(p.seqLenKV, bc);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  int64_t rows = p.batch * p.numQueryHeads * p.seqLenQ;
  __int128 kv = __int128(p.batch) * p.numKVHeads * p.seqLenKV * (d + dv) * e;
  int64_t headPairs = backwardPairs(t, p).first;
  int64_t pairs = headPairs * p.batch * p.numQueryHeads;
  // Every block computes every pair of its row (or column): equal blocks,
  // which run in waves.
  bool inWaves = headPairs == nQ * nK;
  // A mask pattern's blocks are no interval: every pair's tiles count.
  if (p.hasMaskPattern())
    l2Bytes = 0;
  // The K/V blocks (the main kernel, the SIMT nest 2) stream a query
  // head's q-blocks: Q_i, dO_i, the logsumexp and D_i (and, tensor cores,
  // dQ_i's f32 adds) for each query head of their group.
  int64_t qTile = br * (d + dv) * e + 2 * br * kF32Bytes;
  int64_t dqTile = kind == KernelKind::Simt ? 0 : br * d * kF32Bytes;
  auto queryRange = [&](int64_t j) { return backwardQueryBlockRange(j, t, p); };
  StreamedGrid byKV{p.batch * p.numKVHeads, nK, group * nQ, qTile + dqTile,
                    queryRange, inWaves};
  __int128 qFetches = std::llround(
      double(group) *
      streamedTileFetches(byKV, slots, l2Bytes, pairs / group));
  BackwardDram dram;
  dram.preprocess.readBytes = saturatedBytes(__int128(2) * rows * dv * e);
  dram.preprocess.writeBytes = saturatedBytes(__int128(rows) * kF32Bytes);
  if (kind != KernelKind::Simt) {
    dram.preprocess.writeBytes =
        saturatedBytes(__int128(rows) * (kF32Bytes + d * kF32Bytes));
    dram.main.readBytes = saturatedBytes(kv + qFetches * (qTile + dqTile));
    dram.main.writeBytes = saturatedBytes(kv + qFetches * dqTile);
    dram.conversion.readBytes = saturatedBytes(__int128(rows) * d * kF32Bytes);
    dram.conversion.writeBytes = saturatedBytes(__int128(rows) * d * e);
    return dram;
  }
  // SIMT nest 3: the q-blocks of a query head stream its K_j, V_j.
  int64_t kvTile = bc * (d + dv) * e;
  auto keyRange = [&](int64_t i) {
    int64_t first = firstKVBlock(i, t, p);
    return std::pair(first, first + visibleKVBlocks(i, t, p));
  };
  StreamedGrid byQ{p.batch * p.numQueryHeads, nQ, nK, kvTile, keyRange,
                   inWaves};
  __int128 kvFetches =
      std::llround(streamedTileFetches(byQ, slots, l2Bytes, pairs));
  int64_t maskTile = p.maskElementBytes * (p.maskBroadcastsRows ? 1 : br) *
                     (p.maskBroadcastsCols ? 1 : bc);
  dram.main.readBytes = saturatedBytes(
      kv + qFetches * qTile + __int128(rows) * ((d + dv) * e + 2 * kF32Bytes) +
      kvFetches * kvTile + __int128(2) * pairs * maskTile);
  dram.main.writeBytes = saturatedBytes(kv + __int128(rows) * d * e);
  return dram;
}

static int64_t alignRegion(int64_t bytes) {
  return llvm::alignTo(bytes, kRegionAlignment);
}

SimtBackwardSram mlir::fa::simtBackwardSramBytes(const Tiling &t,
                                                 const AttentionProblem &p,
                                                 bool biasGrad) {
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t bq = t.blockQ, bkv = t.blockKV;
  int64_t tiles = alignRegion(bq * d * e) + alignRegion(bq * dv * e) +
                  2 * alignRegion(bq * kF32Bytes) + alignRegion(bkv * d * e) +
                  alignRegion(bkv * dv * e);
  if (p.maskElementBytes > 0)
    tiles += alignRegion((p.maskBroadcastsRows ? 1 : bq) *
                         (p.maskBroadcastsCols ? 1 : bkv) *
                         p.maskElementBytes);
  // S (P in place) and dP (dS in place).
  int64_t scores = 2 * alignRegion(bq * bkv * kF32Bytes);
  SimtBackwardSram sram;
  sram.keyValue = tiles + scores + alignRegion(bkv * d * kF32Bytes) +
                  alignRegion(bkv * dv * kF32Bytes);
  sram.query = tiles + scores + alignRegion(bq * d * kF32Bytes);
  if (biasGrad) {
    // One row (column) where the bias broadcasts over a query (key) length
    // other than 1, as the nest's thread blocks see it.
    int64_t rows = p.maskBroadcastsRows && p.seqLenQ != 1 ? 1 : bq;
    int64_t cols = p.maskBroadcastsCols && p.seqLenKV != 1 ? 1 : bkv;
    sram.biasGrad = tiles + scores + alignRegion(rows * cols * kF32Bytes);
  }
  return sram;
}

/// The column split's head dims: where the row split's D + Dv f32
/// accumulator registers a thread (plus S^T and dP^T) exceed 255 (D76).
/// FlashAttention-3 builds its hdim-256 backward in this shape.
/// `ringBulkDq`: whether the TMA ring's per-warp dQ tiles fit beside its
/// buffers (D = 192: 190480 B of shared memory; D = 256: 280592 B, over
/// sm_90's 232448, so its ring adds dQ by atomics, 215056 B).
static const struct {
  int64_t d, dv;
  bool ringBulkDq;
} kWgmmaBackwardColumnSplitDims[] = {{192, 128, true}, {256, 256, false}};
/// The column split's block_kv: one m64, every warpgroup's accumulator
/// rows.
static constexpr int64_t kColumnSplitBlockKV = 64;

/// The row split's shape (two warpgroups of 64 kv rows).
static WgmmaBackwardShape rowSplitShape() {
  return {WgmmaBackwardSplit::KvRows, kWgmmaBackwardBlockQ,
          16 * kWgmmaBackwardWarps, kWgmmaBackwardWarps,
          /*ringBulkDq=*/true};
}

std::optional<WgmmaBackwardShape> mlir::fa::wgmmaBackwardShape(int64_t d,
                                                               int64_t dv) {
  // D = 80 and 96 take two 64-column blocks of shared memory, the second
  // partly used (wgmmaPaddedColumns), as D = 128 does (D71).
  if (d == dv && d % 16 == 0 && d >= 64 && d <= 128)
    return rowSplitShape();
  for (auto dims : kWgmmaBackwardColumnSplitDims)
    if (dims.d == d && dims.dv == dv)
      return WgmmaBackwardShape{WgmmaBackwardSplit::Columns,
                                kWgmmaBackwardBlockQ, kColumnSplitBlockKV,
                                kWgmmaBackwardWarps, dims.ringBulkDq};
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::wgmmaBackwardProblemReason(const AttentionProblem &p) {
  std::optional<WgmmaBackwardShape> shape =
      wgmmaBackwardShape(p.headDim, p.valueHeadDim);
  if (!shape)
    return llvm::formatv("it is built for D = Dv, a multiple of 16 from 64 "
                         "to 128, and (D, Dv) = (192, 128) or (256, 256), "
                         "got D = {0}, Dv = {1}",
                         p.headDim, p.valueHeadDim)
        .str();
  // Its tiling skips a block mask's pairs whole only where it divides the
  // mask's blocks.
  Tiling built{shape->blockQ, shape->blockKV, 1, shape->warps};
  if (std::optional<std::string> why = checkBlockMaskGranularity(built, p))
    return why;
  return std::nullopt;
}

WgmmaBackwardLayout::WgmmaBackwardLayout(const Tiling &t, int64_t d,
                                         int64_t dv, int64_t e,
                                         int64_t entries, DqReduce reduce) {
  int64_t offset = 0;
  auto place = [&](int64_t rows, int64_t cols, int64_t count) {
    int64_t at = offset;
    offset += count * llvm::alignTo(rows * wgmmaPaddedColumns(cols, e) * e,
                                    kWgmmaSwizzleAtomBytes);
    return at;
  };
  k = place(t.blockKV, d, 1);
  v = place(t.blockKV, dv, 1);
  qBytes = llvm::alignTo(t.blockQ * wgmmaPaddedColumns(d, e) * e,
                         kWgmmaSwizzleAtomBytes);
  dOBytes = llvm::alignTo(t.blockQ * wgmmaPaddedColumns(dv, e) * e,
                          kWgmmaSwizzleAtomBytes);
  q = place(t.blockQ, d, t.stages);
  dO = place(t.blockQ, dv, t.stages);
  dS = place(t.blockKV, t.blockQ, 1);
  bool bulkDq = true;
  if (std::optional<WgmmaBackwardShape> shape = wgmmaBackwardShape(d, dv)) {
    split = shape->split;
    bulkDq = shape->ringBulkDq;
  }
  if (split == WgmmaBackwardSplit::Columns)
    pT = place(t.blockKV, t.blockQ, 1);
  rows = offset;
  rowsBytes = 2 * t.blockQ * 4;
  offset += llvm::alignTo(t.stages * rowsBytes, kWgmmaSwizzleAtomBytes);
  totalBytes = offset + kWgmmaSwizzleAtomBytes;
  // More than one stage: TMA loads, a full mbarrier per buffer, and (bulk
  // reductions) each warp's 16 rows of the warpgroup's D / 2 columns of
  // dQ_i (f32) for its reductions. Where D / 2 is a whole number of
  // 128-byte swizzle rows (32 f32), the tile is that many boxes of 16 x 32
  // f32, swizzled as a TMA tensor map's 128-byte swizzle, which a tensor
  // reduction a box adds (D79); else rows padded by 32 bytes (a
  // half-warp's 8-byte stores of four rows fall in distinct banks), one
  // bulk reduction a row (D63).
  if (t.stages > 1)
    barrierBytes = llvm::alignTo(t.stages * kMBarrierBytes,
                                 kStaticSharedUnitBytes);
  // The wide q-block's warpgroups each take 64 q rows of dQ_i, all D
  // columns (D104).
  dQColumns = t.blockQ > kWgmmaBackwardBlockQ ? d : d / 2;
  if (t.stages > 1 && bulkDq) {
    dQ = totalBytes - kWgmmaSwizzleAtomBytes;
    int64_t swizzleColumns = kWgmmaSwizzleRowBytes / 4;
    if (dQColumns % swizzleColumns == 0) {
      dQBoxColumns = swizzleColumns;
      dQPitch = kWgmmaSwizzleRowBytes;
    } else {
      dQPitch = dQColumns * 4 + 32;
    }
    dQWarpBytes = dQBoxColumns ? 16 * dQColumns * 4 : 16 * dQPitch;
    if (dQBoxColumns)
      dQBoxRows = reduce == DqReduce::Warpgroup ? 4 * 16 : 16;
    totalBytes += llvm::alignTo(t.warps * dQWarpBytes, kWgmmaSwizzleAtomBytes);
  }
  // The compacted walk's list (D94): the live steps' indices and their
  // count, i32, at the end (no tile's alignment changes).
  if (entries > 0) {
    listEntries = entries;
    list = totalBytes - kWgmmaSwizzleAtomBytes;
    totalBytes += llvm::alignTo((entries + 1) * 4, kWgmmaSwizzleAtomBytes);
  }
}

llvm::SmallVector<Tiling> BackwardCostModel::enumerateCandidates() const {
  llvm::SmallVector<Tiling> candidates;
  if (kind == KernelKind::Simt) {
    for (int64_t warps : {4, 8})
      for (int64_t blockKV = 16; blockKV <= 256; blockKV += 16)
        for (int64_t blockQ = 16; blockQ <= 256; blockQ += 16)
          candidates.push_back({blockQ, blockKV, 1, warps});
    return candidates;
  }
  bool wg = kind == KernelKind::Wgmma;
  for (int64_t warps : {2, 4, 8, 12, 16}) {
    if (wg && warps % 4 != 0)
      continue;
    for (int64_t blockKV = 16; blockKV <= 256; blockKV += 16) {
      // The kv rows are the accumulators' rows: whole m64 per warpgroup
      // (wgmma), one m16 fragment row per warp (mma-sync: each warp owns 16
      // kv rows of dK_j and dV_j, docs/Backward.md).
      if (blockKV != 16 * warps)
        continue;
      // Both kernels stream Q_i and dO_i through 1 or 2 stages; evaluate
      // narrows wgmma to its built shape.
      for (int64_t blockQ = 16; blockQ <= 256; blockQ += 16)
        for (int64_t stages : {1, 2})
          candidates.push_back({blockQ, blockKV, stages, warps});
    }
  }
  return candidates;
}

llvm::SmallVector<Tiling> BackwardCostModel::enumerateCandidates(
    const AttentionProblem &problem) const {
  llvm::SmallVector<Tiling> candidates = enumerateCandidates();
  std::optional<WgmmaBackwardShape> shape =
      wgmmaBackwardShape(problem.headDim, problem.valueHeadDim);
  if (kind == KernelKind::Wgmma && shape &&
      shape->split == WgmmaBackwardSplit::Columns)
    for (int64_t stages : {1, 2})
      candidates.push_back(
          {shape->blockQ, shape->blockKV, stages, shape->warps});
  return candidates;
}

/// The part of a step's load latency that nothing hides: a second stage
/// loads the next step's tiles during this step's products (the mma-sync
/// kernel's cp.async, the wgmma kernel's TMA ring, D61), and each other
/// block resident on the SM runs its products meanwhile. The wgmma kernel
/// with one buffer waits for its own loads between two barriers: it keeps
/// the whole latency (D54).
static double exposedLoadSeconds(KernelKind kind, int64_t stages,
                                 int64_t blocksPerSM, double stepCompute) {
  if (kind == KernelKind::Wgmma && stages < 2)
    return kBackwardStep.loadSeconds;
  int64_t hiders = blocksPerSM - 1 + stages - 1;
  return std::max(0.0, kBackwardStep.loadSeconds -
                           double(hiders) * stepCompute);
}

/// The grids whose unequal blocks (causal, a window) dispatchSteps hands
/// to the SMs one by one; a larger grid runs over 60 waves on 132 SMs, so
/// that the last one's imbalance is noise, and takes the bound below
/// (docs/Reliability.md, "Time bounds": a loop over at most this many
/// blocks). 2^16 was D122's bound: with a candidate's simulation per
/// tiling and per cover, fa-fuzz's pipelines under ASan took 66-147 s on
/// one input at it, over fuzz.sh's 60 s timeout (D124); every grid the
/// benchmarks and the training models launch is under 2^13.
static constexpr int64_t kDispatchSimulationBlocks = int64_t(1) << 13;

/// The steps the busiest SM runs when the hardware hands the grid's blocks
/// to the SMs' resident slots in launch order, each to the slot that frees
/// first, a block occupying its slot for its steps times the blocks
/// sharing the SM (D122). The launch order walks chunks of `launchChunk`
/// (batch, head) pairs, within a chunk kv-block 0 of each pair, then
/// kv-block 1 of each, ... (D131; a chunk of 1: kv-block fastest, then the
/// head, then the batch). Kv-block j of a head walks
/// backwardQueryBlockRange(j)'s q-blocks for each of the `blockHeads`
/// query heads it covers. Nullopt where the blocks' lengths are not those
/// ranges (a mask pattern, a runtime block mask) or the grid is larger than
/// the simulation's bound.
static std::optional<double>
dispatchSteps(const BackwardCost &c, const Tiling &t, const AttentionProblem &p,
              int64_t blockHeads, int64_t smCount, int64_t launchChunk) {
  if (!(p.causal || p.window) || p.hasMaskPattern() || p.blockMaskQ > 0 ||
      c.numBlocks > kDispatchSimulationBlocks || c.numBlocks <= 0)
    return std::nullopt;
  int64_t nK = llvm::divideCeil(p.seqLenKV, t.blockKV);
  llvm::SmallVector<double> length(nK);
  for (int64_t j = 0; j < nK; ++j) {
    auto [first, end] = backwardQueryBlockRange(j, t, p);
    length[j] = double((end - first) * blockHeads * c.blocksPerSM);
  }
  // Min-heap of the slots' free times (in SM steps).
  std::vector<double> slots(size_t(c.blocksPerSM * smCount), 0.0);
  auto later = std::greater<double>();
  double makespan = 0;
  auto dispatch = [&](double steps) {
    std::pop_heap(slots.begin(), slots.end(), later);
    slots.back() += steps;
    makespan = std::max(makespan, slots.back());
    std::push_heap(slots.begin(), slots.end(), later);
  };
  int64_t pairs = c.numBlocks / nK;
  for (int64_t first = 0; first < pairs; first += launchChunk) {
    int64_t chunk = std::min(launchChunk, pairs - first);
    for (int64_t j = 0; j < nK; ++j)
      for (int64_t pair = 0; pair < chunk; ++pair)
        dispatch(length[j]);
  }
  return makespan;
}

/// BackwardCost::smSteps: equal blocks run in waves of the SM's resident
/// blocks; unequal ones (causal, a window, a pattern) are handed to the SMs
/// as they free up, the grid's longest ones first (kv-block 0 of a head
/// first, descending with causal): dispatchSteps where it applies, else
/// the larger of the SM's share of the pairs and its longest block.
static double smSteps(const BackwardCost &c, const Tiling &t,
                      const AttentionProblem &p, int64_t blockHeads,
                      int64_t smCount, int64_t launchChunk) {
  if (c.pairs == c.numBlocks * c.maxPairsPerBlock)
    return double(c.waves) * double(c.blocksPerSM) *
           double(c.maxPairsPerBlock);
  if (std::optional<double> steps =
          dispatchSteps(c, t, p, blockHeads, smCount, launchChunk))
    return std::max(*steps, double(c.pairs) / double(smCount));
  return std::max(double(c.pairs) / double(smCount),
                  double(c.blocksPerSM) * double(c.maxPairsPerBlock));
}

/// Ordered dQ's time beyond the unordered kernel's (kOrderedStep): each of
/// a block's steps drains its dQ adds (`dqBytes`) before its turn passes;
/// not staggered, each wave's chain of a head's resident kv-blocks starts
/// a link a block late. Staggered: each kv-block starts at a later q-block
/// than the one before it in the order (causal or a window, block_kv >=
/// block_q), which added those q-blocks long before.
static double orderingSeconds(KernelKind kind, const BackwardCost &c,
                              const Tiling &t, const AttentionProblem &p,
                              double stepCompute, int64_t dqBytes) {
  double drain = double(dqBytes) / kOrderedStep.drainBytesPerSecond;
  double steps = c.smSteps;
  bool staggered = (p.causal || p.window) && t.blockKV >= t.blockQ;
  if (staggered)
    return steps * drain;
  int64_t nK = llvm::divideCeil(p.seqLenKV, t.blockKV);
  int64_t chain = std::min(nK, c.numBlocks / std::max<int64_t>(c.waves, 1));
  // The wgmma ring's wide q-block passes its turn as often per q row as
  // block_q 64 does (D112: ordered block_q 128 measured 1.06-1.28x block_q
  // 64 dense on an H100, where a link of a fifth of its own step priced it
  // 5% slower): its link is a fifth of a 64-row step.
  double rows = kind == KernelKind::Wgmma && t.blockQ > kWgmmaBackwardBlockQ
                    ? double(kWgmmaBackwardBlockQ) / double(t.blockQ)
                    : 1.0;
  double link = kOrderedStep.linkSteps * rows *
                (stepCompute + c.stepOverheadSeconds + drain);
  return steps * drain +
         double(c.waves) * double(std::max<int64_t>(chain - 1, 0)) * link;
}

BackwardCost BackwardCostModel::evaluate(const Tiling &t,
                                         const AttentionProblem &p,
                                         DqAccumulation dq, BlockMaskWalk walk,
                                         BackwardGqa gqa,
                                         int64_t launchChunk) const {
  if (kind == KernelKind::Simt)
    return evaluateSimt(t, p);
  BackwardCost c;
  c.tiling = t;
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t pad = kind == KernelKind::MmaSync ? kMmaSyncRowPadBytes / e : 0;
  int64_t br = t.blockQ, bc = t.blockKV, threads = 32 * t.warps;

  // The wgmma shape of these head dims (the row split's where none is
  // built: checkLegality and wgmmaBackwardProblemReason refuse those).
  WgmmaBackwardShape wgmmaShape =
      wgmmaBackwardShape(d, dv).value_or(rowSplitShape());
  bool compacted = walk == BlockMaskWalk::Compacted;
  // The row split's wide q-block (D104): its own rules
  // (wideQueryBlockReason), priced as any tiling; select keeps it from the
  // pick until kWideQueryBlockGpuChecked.
  bool wide = kind == KernelKind::Wgmma &&
              wgmmaShape.split == WgmmaBackwardSplit::KvRows &&
              br == kWgmmaBackwardWideBlockQ;
  if (kind == KernelKind::Wgmma) {
    WgmmaBackwardLayout layout(t, d, dv, e,
                               compacted ? compactedWalkEntries(t, p) : 0);
    c.sramBytes = layout.totalBytes + layout.barrierBytes;
  }
  else // mma-sync: dS^T [Bc, Br + pad] (P^T stays in registers).
    c.sramBytes = alignRegion(bc * (d + pad) * e) +
                  alignRegion(bc * (dv + pad) * e) +
                  t.stages * (alignRegion(br * (d + pad) * e) +
                              alignRegion(br * (dv + pad) * e) +
                              2 * alignRegion(br * 4)) +
                  alignRegion(bc * (br + pad) * e);
  // dK_j and dV_j for the block's life; S/P with dP, then dS with dQ_i's
  // part in the same registers. The mma-sync kernel's count is ptxas's fit.
  c.registersPerThread =
      kind == KernelKind::MmaSync
          ? kMmaSyncBackwardRegisters.estimate(t, d, dv)
          : llvm::divideCeil(bc * (d + dv), threads) +
                llvm::divideCeil(std::max(2 * br * bc, br * bc + br * d),
                                 threads) +
                kBackwardRegisterOverhead;

  if (threads > 1024)
    c.rejection = llvm::formatv("{0} threads exceed 1024", threads);
  else if (kind == KernelKind::MmaSync &&
           (bc != 16 * t.warps || t.stages > 2))
    c.rejection = llvm::formatv(
        "outside the mma-sync backward's shapes: block_kv must be 16 rows per "
        "warp ({0}) and stages 1 or 2, got block_kv = {1}, stages = {2}",
        16 * t.warps, bc, t.stages);
  else if (kind == KernelKind::Wgmma &&
           (t.warps != wgmmaShape.warps || bc != wgmmaShape.blockKV ||
            (br != wgmmaShape.blockQ && !wide) || t.stages > 2))
    c.rejection = llvm::formatv(
        "outside the wgmma backward's shapes: {0} warps (two warpgroups of "
        "{1}), block_kv = {2}, block_q = {3} and stages 1 or 2, got "
        "warps = {4}, block_kv = {5}, block_q = {6}, stages = {7}",
        wgmmaShape.warps,
        wgmmaShape.split == WgmmaBackwardSplit::Columns
            ? "half the columns of dK_j and dV_j"
            : "64 kv rows",
        wgmmaShape.blockKV, wgmmaShape.blockQ, t.warps, bc, br, t.stages);
  else if (std::optional<std::string> why = checkBlockMaskGranularity(t, p))
    c.rejection = *why;
  else if (kind == KernelKind::Wgmma && t.stages == 2 && p.blockMaskQ > 0 &&
           wgmmaShape.split == WgmmaBackwardSplit::Columns)
    // D75's predicated ring steps passed their GPU check with the row
    // split, D76's column split with a block mask on one buffer; the two
    // together have not run on a GPU (docs/decisions.md, D76).
    c.rejection = "a block mask on the column split's TMA ring has not "
                  "passed a GPU check: one buffer (stages 1) takes it";
  else if (std::optional<std::string> why =
               blockMaskWalkReason(kind, dq, walk, p, &t))
    c.rejection = *why;
  else if (std::optional<std::string> why =
               wide ? wideQueryBlockReason(p, t) : std::nullopt)
    c.rejection = *why;
  else if (std::optional<std::string> why =
               kind == KernelKind::MmaSync
                   ? mmaSyncBackwardRegisterReason(t, d, dv, target)
                   : std::nullopt)
    c.rejection = *why;
  else if (c.sramBytes > target.sramPerBlock)
    c.rejection = llvm::formatv("shared memory {0} B exceeds {1} B per block",
                                c.sramBytes, target.sramPerBlock);
  else if (c.registersPerThread > target.maxRegsPerThread)
    c.rejection = llvm::formatv("{0} registers per thread exceed {1}",
                                c.registersPerThread, target.maxRegsPerThread);
  else if (c.registersPerThread * threads > target.regsPerSM)
    c.rejection = llvm::formatv("{0} registers exceed the SM's {1}",
                                c.registersPerThread * threads,
                                target.regsPerSM);

  c.blocksPerSM = std::max<int64_t>(
      1, std::min({target.sramPerSM / std::max<int64_t>(c.sramBytes, 1),
                   target.regsPerSM /
                       std::max<int64_t>(c.registersPerThread * threads, 1),
                   int64_t(2048 / threads)}));
  int64_t nK = llvm::divideCeil(p.seqLenKV, bc);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  // The split group (D119): a block per query head, each one head's pairs.
  bool split = gqa == BackwardGqa::Split;
  if (split && c.fits())
    if (std::optional<std::string> why = backwardGqaSplitReason(kind, dq, p))
      c.rejection = *why;
  int64_t blockHeads = split ? 1 : group;
  c.numBlocks = p.batch * p.numQueryHeads / blockHeads * nK;
  c.waves = llvm::divideCeil(c.numBlocks, c.blocksPerSM * target.smCount);
  auto [pairs, maxPairs] = backwardPairs(t, p);
  c.pairs = pairs * p.batch * p.numQueryHeads;
  c.maxPairsPerBlock = maxPairs * blockHeads;
  c.maskedPairs = backwardMaskedPairs(t, p) * p.batch * p.numQueryHeads;
  c.smSteps = smSteps(c, t, p, blockHeads, target.smCount,
                      std::max<int64_t>(launchChunk, 1));

  // The five products: S = Q K^T, dP = dO V^T, dV += P^T dO, dK += dS^T Q,
  // dQ += dS K.
  double pairFlops = 2.0 * br * bc * (3 * d + 2 * dv);
  c.flops = pairFlops * double(c.pairs);
  double smPeak = target.tensorTFlops * 1e12 / target.smCount *
                  kBackwardTensorEfficiency;
  double stepCompute = pairFlops / smPeak;
  c.stepOverheadSeconds =
      kBackwardStep.barrierSeconds +
      exposedLoadSeconds(kind, t.stages, c.blocksPerSM, stepCompute);
  // A masked pair's softmax does the mask's tests on every score (the
  // forward's masked steps; the SM's lanes, not its tensor cores).
  detail::SMRates rates = detail::getSMRates(
      target, detail::getArchTraits(target.getComputeCapability()));
  double maskedSeconds =
      double(br * bc) * detail::kMaskLaneOpsPerScore / rates.laneOps;
  double maskedShare =
      c.pairs > 0 ? double(c.maskedPairs) / double(c.pairs) : 0.0;
  c.computeSeconds =
      c.smSteps * (stepCompute + c.stepOverheadSeconds +
                   maskedShare * maskedSeconds);

  int64_t kv = p.batch * p.numKVHeads * p.seqLenKV * (d + dv) * e;
  int64_t rows = p.batch * p.numQueryHeads * p.seqLenQ;
  int64_t perPair = br * (d + dv) * e + 2 * br * 4;
  int64_t dqPerPair = br * d * 4;
  // D = rowsum(dO * O) reads O and dO and writes D; dQ's accumulator is
  // zeroed, then converted.
  c.hbm.readBytes =
      saturatedBytes(kv + __int128(c.pairs) * (perPair + dqPerPair) +
                     2 * rows * dv * e + rows * d * 4);
  c.hbm.writeBytes = saturatedBytes(kv + __int128(c.pairs) * dqPerPair +
                                    rows * 4 + rows * d * 4 + rows * d * e);
  c.dram = backwardDramTraffic(kind, t, p, c.blocksPerSM * target.smCount,
                               l2Bytes());
  if (split) {
    // The f32 dK, dV accumulators [B, Hkv, Nk, D + Dv]: zeroed (a write),
    // every query head's bulk add (a read and a write each; the group's
    // adds to a kv-block run at about the same time, but L2 is not
    // counted on to merge them), read back by the conversion, which writes
    // dK and dV (counted above as the main kernel's). K_j and V_j are read
    // by each query head's block: through L2 (the group's blocks of a
    // kv-block are nK blocks apart in the grid), not again from
    // DRAM.
    // In 128 bits, saturated: at the problem's bound (2^62 bytes) the
    // accumulators alone reach 2^62 bytes and the adds 2^63 (D121).
    __int128 acc =
        __int128(p.batch) * p.numKVHeads * p.seqLenKV * (d + dv) * 4;
    __int128 adds = acc * group;
    c.hbm.readBytes = saturatedBytes(__int128(c.hbm.readBytes) + adds + acc +
                                     __int128(group - 1) * kv);
    c.hbm.writeBytes =
        saturatedBytes(__int128(c.hbm.writeBytes) + acc + adds);
    auto add = [](int64_t &bytes, __int128 more) {
      bytes = saturatedBytes(bytes + more);
    };
    add(c.dram.preprocess.writeBytes, acc);
    add(c.dram.main.readBytes, adds);
    add(c.dram.main.writeBytes, adds - kv);
    add(c.dram.conversion.readBytes, acc);
    add(c.dram.conversion.writeBytes, kv);
  }
  c.memorySeconds = memorySeconds(c);
  if (dq == DqAccumulation::Ordered)
    c.orderingSeconds =
        orderingSeconds(kind, c, t, p, stepCompute, dqPerPair);
  c.predictedSeconds =
      std::max(c.computeSeconds, c.memorySeconds) + c.orderingSeconds;
  return c;
}

BackwardCost BackwardCostModel::evaluateSimt(const Tiling &t,
                                             const AttentionProblem &p) const {
  BackwardCost c;
  c.tiling = t;
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  int64_t br = t.blockQ, bc = t.blockKV, threads = 32 * t.warps;
  c.sramBytes = simtBackwardSramBytes(t, p, biasGrad).maxBytes();
  c.registersPerThread = kSimtRegisters;
  if (threads > 1024)
    c.rejection = llvm::formatv("{0} threads exceed 1024", threads);
  else if (std::optional<std::string> why = checkBlockMaskGranularity(t, p))
    c.rejection = *why;
  else if (c.sramBytes > target.sramPerBlock)
    c.rejection = llvm::formatv("shared memory {0} B exceeds {1} B per block",
                                c.sramBytes, target.sramPerBlock);
  c.blocksPerSM = std::max<int64_t>(
      1, std::min({target.sramPerSM / std::max<int64_t>(c.sramBytes, 1),
                   target.regsPerSM / (kSimtRegisters * threads),
                   int64_t(2048 / threads)}));
  // Most of the up to 512 shapes are over shared memory: their pairs (a
  // mask pattern's count per shape) are not needed.
  if (!c.fits())
    return c;

  int64_t nQ = llvm::divideCeil(p.seqLenQ, br);
  int64_t nK = llvm::divideCeil(p.seqLenKV, bc);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  auto [pairs, maxPairs] = backwardPairs(t, p);
  c.pairs = pairs * p.batch * p.numQueryHeads;
  c.maxPairsPerBlock = maxPairs * group;
  // Nest 2: a block per (batch, K/V head, kv-block); nest 3: a block per
  // (batch, query head, q-block), each visiting at most every kv-block.
  c.numBlocks = p.batch * p.numKVHeads * nK;
  int64_t queryBlocks = p.batch * p.numQueryHeads * nQ;
  int64_t slots = c.blocksPerSM * target.smCount;
  c.waves = llvm::divideCeil(c.numBlocks, slots);
  int64_t queryWaves = llvm::divideCeil(queryBlocks, slots);

  // Scalar products, two shared-memory reads a multiply-add: S, dP, dV, dK
  // in nest 2; S, dP, dQ again in nest 3.
  int64_t scores = br * bc;
  double keyValueAccesses =
      double(scores) * (2 * (2 * d + 2 * dv) + kSimtElementwiseAccesses);
  double queryAccesses =
      double(scores) * (2 * (2 * d + dv) + kSimtElementwiseAccesses);
  c.flops = double(c.pairs) * 2.0 * double(scores) * (4 * d + 3 * dv);
  double efficiency =
      std::min(1.0, double(c.blocksPerSM * t.warps) / kSimtLatencyWarps);
  double accessRate = kSimtSharedAccessesPerClock * kSimtClockHz * efficiency;
  double keyValueSeconds = double(c.waves) * double(c.blocksPerSM) *
                           double(c.maxPairsPerBlock) * keyValueAccesses /
                           accessRate;
  double querySeconds = double(queryWaves) * double(c.blocksPerSM) *
                        double(nK) * queryAccesses / accessRate;
  c.computeSeconds = keyValueSeconds + querySeconds;

  // Nest 1 reads O and dO, writes D; nest 2 reads K, V once and the
  // streamed Q, dO, lse, D tiles a pair, writes dK, dV; nest 3 reads its Q,
  // dO, lse, D once and K, V tiles a pair, writes dQ; both read a mask tile
  // a pair.
  int64_t rows = p.batch * p.numQueryHeads * p.seqLenQ;
  int64_t kv = p.batch * p.numKVHeads * p.seqLenKV * (d + dv) * e;
  int64_t maskTile = p.maskElementBytes * (p.maskBroadcastsRows ? 1 : br) *
                     (p.maskBroadcastsCols ? 1 : bc);
  __int128 pairs128 = c.pairs;
  c.hbm.readBytes = saturatedBytes(
      2 * rows * dv * e + kv +
      pairs128 * (br * (d + dv) * e + 2 * br * kF32Bytes) +
      rows * ((d + dv) * e + 2 * kF32Bytes) + pairs128 * bc * (d + dv) * e +
      2 * pairs128 * maskTile);
  c.hbm.writeBytes = saturatedBytes(rows * kF32Bytes + kv + rows * d * e);
  c.dram = backwardDramTraffic(kind, t, p, slots, l2Bytes());
  c.memorySeconds = memorySeconds(c);
  c.predictedSeconds = std::max(c.computeSeconds, c.memorySeconds);
  return c;
}

double BackwardCostModel::memorySeconds(const BackwardCost &c) const {
  double bandwidth = double(target.hbmGBps) * 1e9;
  return std::max(double(c.dram.total()) / bandwidth,
                  double(c.hbm.total()) / (kL2OverHbmBandwidth * bandwidth));
}

int64_t BackwardCostModel::l2Bytes() const {
  return detail::getArchTraits(target.getComputeCapability()).l2MiB * 1024 *
         1024;
}

BackwardDecision BackwardCostModel::select(const AttentionProblem &problem,
                                           bool deterministic) const {
  auto dq = decideDqAccumulation(kind, deterministic, DqAccumulation::Auto);
  return select(problem, std::get<DqAccumulation>(dq));
}

BackwardDecision BackwardCostModel::select(const AttentionProblem &problem,
                                           DqAccumulation dq,
                                           BlockMaskWalk walk,
                                           BackwardGqa gqa,
                                           int64_t launchChunk) const {
  BackwardDecision decision;
  decision.dq = dq;
  llvm::SmallVector<BackwardCost> fitting, rejected;
  for (const Tiling &t : enumerateCandidates(problem)) {
    BackwardCost c =
        evaluate(t, problem, decision.dq, walk, gqa, launchChunk);
    // The wide q-block is priced but not picked before its GPU check
    // (D104): only a written tiling selects it.
    if (c.fits() && kind == KernelKind::Wgmma && !kWideQueryBlockGpuChecked &&
        t.blockQ == kWgmmaBackwardWideBlockQ)
      c.rejection = llvm::formatv(
          "block_q {0} has not passed its GPU check "
          "(kWideQueryBlockGpuChecked): only a written tiling selects it",
          kWgmmaBackwardWideBlockQ);
    // With ordered dQ (D110) likewise, until its own GPU check.
    if (c.fits() && kind == KernelKind::Wgmma &&
        !kWideQueryBlockOrderedGpuChecked &&
        decision.dq == DqAccumulation::Ordered &&
        t.blockQ == kWgmmaBackwardWideBlockQ)
      c.rejection = llvm::formatv(
          "block_q {0} with ordered dQ has not passed its GPU check "
          "(kWideQueryBlockOrderedGpuChecked): only a written tiling "
          "selects it",
          kWgmmaBackwardWideBlockQ);
    if (c.fits() && !narrowQueryBlockReason.empty() &&
        t.blockQ == kWgmmaBackwardWideBlockQ)
      c.rejection = llvm::formatv("block_q {0} does not build {1}",
                                  kWgmmaBackwardWideBlockQ,
                                  narrowQueryBlockReason);
    (c.fits() ? fitting : rejected).push_back(c);
  }
  // Ties on time (memory-bound candidates) go, for the tensor-core
  // kernels, to the lower compute time: fewer, larger steps (or, wgmma, a
  // second stage) pay their overhead less often and leave the SM more
  // slack.
  bool tensorCore = kind == KernelKind::MmaSync || kind == KernelKind::Wgmma;
  llvm::stable_sort(fitting, [&](const BackwardCost &a, const BackwardCost &b) {
    if (a.predictedSeconds != b.predictedSeconds)
      return a.predictedSeconds < b.predictedSeconds;
    if (tensorCore && a.computeSeconds != b.computeSeconds)
      return a.computeSeconds < b.computeSeconds;
    if (a.dram.total() != b.dram.total())
      return a.dram.total() < b.dram.total();
    if (a.hbm.total() != b.hbm.total())
      return a.hbm.total() < b.hbm.total();
    return a.sramBytes < b.sramBytes;
  });
  decision.candidates.append(fitting);
  decision.candidates.append(rejected);
  if (fitting.empty()) {
    decision.reason = llvm::formatv(
        "no backward tiling fits: {0} candidates rejected (the smallest: {1})",
        rejected.size(),
        rejected.empty() ? std::string("none") : rejected.front().rejection);
    return decision;
  }
  decision.best = 0;
  const BackwardCost &w = fitting.front();
  decision.reason = llvm::formatv("{0} wins ({1} dQ): {2:f3} us predicted",
                                  w.tiling.str(),
                                  stringifyDqAccumulation(decision.dq),
                                  w.predictedSeconds * 1e6);
  if (fitting.size() > 1) {
    const BackwardCost &r = fitting[1];
    // The tie-breaks: (tensor cores) the lower compute time, the lower DRAM
    // traffic, the fewer bytes loaded through L2, then the smaller shared
    // memory.
    if (r.predictedSeconds == w.predictedSeconds)
      decision.reason += llvm::formatv(
          ", as fast as the runner-up {0} with {1}", r.tiling.str(),
          tensorCore && r.computeSeconds != w.computeSeconds
              ? llvm::formatv("less compute time ({0:f3} us against {1:f3} "
                              "us)",
                              w.computeSeconds * 1e6, r.computeSeconds * 1e6)
                    .str()
          : r.dram.total() != w.dram.total()
              ? llvm::formatv("fewer DRAM bytes ({0} against {1})",
                              w.dram.total(), r.dram.total())
                    .str()
          : r.hbm.total() != w.hbm.total()
              ? llvm::formatv("fewer bytes through L2 ({0} against {1})",
                              w.hbm.total(), r.hbm.total())
                    .str()
              : llvm::formatv("less shared memory ({0} B against {1} B)",
                              w.sramBytes, r.sramBytes)
                    .str());
    else
      decision.reason += llvm::formatv(
          ", {0:f1}% faster than the runner-up {1}",
          100.0 * (r.predictedSeconds - w.predictedSeconds) /
              r.predictedSeconds,
          r.tiling.str());
  }
  return decision;
}
