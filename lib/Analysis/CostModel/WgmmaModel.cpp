//===- WgmmaModel.cpp - The wgmma kernel's registers and step -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// convert-fa-to-nvgpu's wgmma kernel (sm_90a): its register fit and its
// step, fitted to the H100 sweeps (docs/CostModel.md, "The wgmma kernel:
// fitted to the H100" and the sections after it).
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "FlashAttn/Analysis/SharedLayout.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// The register fit (registersPerThread): what ptxas allocated for the
/// tilings of the H100 sweep (docs/decisions.md, D12).
static constexpr int64_t kWgmmaRegisterBase = -20;
/// The O accumulator registers the fit's 2 x O holds for (d <= 128 at one
/// warp per 16 rows); past them one register per O register (d = 256:
/// bench/experiments/register_vs_ptxas.py, D47).
static constexpr int64_t kWgmmaRegisterFitO = 64;
/// Registers the kernel takes on top of the fit where d or dv ends in a
/// partly used 64-column block (d = 80, 96, ...; D48): ptxas spills 12
/// bytes at d = 96's 192x96 (fit 160, the three consumers' 160) and none
/// at d = 80's 192x112 (fit 158).
static constexpr int64_t kWgmmaPartialBlockRegisters = 2;
/// How far over its allocation cap an estimate may be and still compile
/// without spills, by the cap (the fit is an upper envelope of what ptxas
/// allocates with 255 available, and ptxas allocates less when less is
/// available: D12). Measured on every wgmma tiling the model weighs, d = 64
/// to 256 (docs/results/2026-12-05-register-truth/, D52): with the whole 255
/// (one or two warpgroups) estimates up to 290 compile in at most 247;
/// three warpgroups' 168 take estimates up to 216 (d = 80's 192x176; 218 at
/// d = 96 spills 136 bytes); four warpgroups' 128 up to 150 (164 at d =
/// 128), where 142 at d = 64 spills 4 bytes.
struct RegisterSqueeze {
  int64_t cap;
  int64_t squeeze;
};
static constexpr RegisterSqueeze kWgmmaRegisterSqueeze[] = {
    {255, 35}, {168, 48}, {128, 24}};
/// The producer kernel's two consumer warpgroups (240 registers a thread,
/// setmaxnreg): ptxas fits estimates up to 248 there (d = 128's 128x160),
/// and spills 16 bytes at 254 (d = 64's 128x240; D52).
static constexpr int64_t kWgmmaProducerSqueeze = 8;
/// With the O accumulator past the fit (d = 256) ptxas squeezes nothing,
/// but the producer kernel may still run this many registers over the
/// consumers' 240: d = 256's 128x80 (estimate 242) spills 4-72 bytes and
/// is 1.02-1.10x faster than the spill-free 128x64 producer kernel and
/// 1.06-1.13x faster than its own barrier kernel (D116, H100 and H200):
/// FlashAttention-3's hdim-256 tile. wgmmaProducerSpills says which kernels
/// are built spilling.
static constexpr int64_t kWgmmaProducerSpillRegisters = 2;
/// The latency of one kv step that no resource is busy for (the wgmma
/// waits, the barriers, the quad shuffles), fitted to the H100 sweep of one
/// resident block (D12).
static constexpr double kWgmmaStepLatencyClocks = 530;
/// The share of the shorter of MMA and softmax time hidden by a second
/// resident block (D12). A third warpgroup hid time only while the kernel
/// loaded with cp.async, so no term of its own (D19).
static constexpr double kWgmmaBlockOverlap = 0.25;
/// The share of the shorter of MMA and softmax time that the producer
/// kernel hides (two consumer warpgroups at one block per SM get the
/// producer warpgroup, the overlapped step and turns: one warpgroup's
/// softmax runs under the other's wgmmas), where the softmax is at most
/// kWgmmaProducerSoftmaxRatio times the MMAs (D33).
static constexpr double kWgmmaProducerOverlap = 0.8;
/// How much longer than the MMAs the softmax (unmasked, with the copies'
/// lane work) may be for those turns to gain: they gain at d = 128 (0.94 to
/// 1.02 times the MMAs) and d = 96 (1.23 to 1.35), not at d = 64 (1.69 and
/// more), where a lone block's 8 warps issue the softmax too slowly. The
/// forward tiling sweep admits 1.25 to 1.7; 1.375 leaves d = 80 (1.42 and
/// more), which no sweep measured, as it was (D89; D33 had 1).
static constexpr double kWgmmaProducerSoftmaxRatio = 1.375;
/// The producer kernel with three consumer warpgroups: the share of the
/// shorter of MMA and softmax time that turns hide (D38).
static constexpr double kWgmmaProducer3Overlap = 0.35;
/// The share with four or more resident blocks (one warpgroup each at the
/// tilings that get there: 64-row blocks): four warpgroups that share no
/// barrier, where two blocks of two warpgroups are two pairs in lockstep;
/// the same share as three consumer warpgroups taking turns (D41).
static constexpr double kWgmmaFourBlockOverlap = kWgmmaProducer3Overlap;
static constexpr int64_t kWgmmaFourBlocks = 4;
/// FP32-lane instructions per 16-byte chunk of K and V, charged to the
/// threads of the block. Fitted when the kernel issued cp.async from every
/// thread (the swizzled address, the zero-fill predicate, the copy); with
/// TMA one thread issues the loads, but the fitted value still orders the
/// d = 64 tilings as measured, so it stays (D12, D19).
static constexpr double kWgmmaLaneOpsPerChunk = 12;
/// Resident blocks beyond this many hide none of a step's latency (D20).
static constexpr double kWgmmaLatencyHidingBlocks = 4;

/// The registers over the consumers' setmaxnreg count that ptxas fits
/// without spills (two warpgroups, O within the fit: D47, D52), and the
/// further registers the producer kernel is built with anyway (D116).
static std::pair<int64_t, int64_t>
producerSqueeze(const Tiling &tiling, const AttentionProblem &problem) {
  if (tiling.warps != 8)
    return {0, 0};
  if (detail::getAccumulators(tiling, problem).o <= kWgmmaRegisterFitO)
    return {kWgmmaProducerSqueeze, 0};
  return {0, kWgmmaProducerSpillRegisters};
}

bool mlir::fa::buildsWgmmaProducer(const Tiling &tiling,
                                   const CandidateCost &cost,
                                   const AttentionProblem &problem,
                                   const TargetInfo &target) {
  if (cost.blocksPerSM != 1 || (tiling.warps != 8 && tiling.warps != 12))
    return false;
  auto [clean, spilling] = producerSqueeze(tiling, problem);
  return cost.registersPerThread <=
         producerConsumerRegisters(target.regsPerSM, tiling.warps) + clean +
             spilling;
}

bool mlir::fa::wgmmaProducerSpills(const Tiling &tiling,
                                   const CandidateCost &cost,
                                   const AttentionProblem &problem,
                                   const TargetInfo &target) {
  return buildsWgmmaProducer(tiling, cost, problem, target) &&
         cost.registersPerThread >
             producerConsumerRegisters(target.regsPerSM, tiling.warps) +
                 producerSqueeze(tiling, problem).first;
}

namespace {
class WgmmaModel final : public KernelModel {
public:
  int64_t registersPerThread(const Tiling &t,
                             const AttentionProblem &p) const override {
    Accumulators acc = getAccumulators(t, p);
    int64_t fitted = std::min(acc.o, kWgmmaRegisterFitO);
    int64_t beyond = acc.o - fitted;
    int64_t e = p.elementBytes;
    bool partialBlock =
        wgmmaPaddedColumns(p.headDim, e) != p.headDim ||
        wgmmaPaddedColumns(p.valueHeadDim, e) != p.valueHeadDim;
    int64_t extra = partialBlock ? kWgmmaPartialBlockRegisters : 0;
    return 2 * fitted + beyond + llvm::divideCeil(7 * acc.s, 4) +
           kWgmmaRegisterBase + extra;
  }

  /// The fit is an upper envelope of what ptxas allocates when it may take
  /// 255; ptxas fits estimates some way over the block's cap without
  /// spills (kWgmmaRegisterSqueeze; docs/CostModel.md, "The wgmma kernel:
  /// fitted to the H100"), except below 255 where the O accumulator is past
  /// the fit's range (d = 256: D47).
  RegisterBudget registerBudget(const Tiling &t, const AttentionProblem &p,
                                const TargetInfo &target,
                                bool) const override {
    int64_t cap = std::min(target.maxRegsPerThread,
                           blockStartRegisters(target.regsPerSM, 32 * t.warps));
    if (cap < target.maxRegsPerThread &&
        getAccumulators(t, p).o > kWgmmaRegisterFitO)
      return {cap, cap};
    // The largest cap of the table at or below this one.
    for (const RegisterSqueeze &row : kWgmmaRegisterSqueeze)
      if (row.cap <= cap)
        return {cap + row.squeeze, cap};
    return {cap, cap};
  }

  /// The kernel's warpgroups compute S, then the softmax, then P V, with a
  /// barrier per step: the tensor cores idle during the softmax unless a
  /// second resident block, or the producer kernel's turns, fill them
  /// (docs/CostModel.md, "The wgmma kernel").
  double stepSeconds(const StepInputs &in, double maskLaneOps) const override {
    const Tiling &t = in.tiling;
    const CandidateCost &c = in.cost;
    StepWork work = getStepWork(in, maskLaneOps);
    double tensorSeconds = work.tensorSeconds;
    double laneSeconds = work.softmaxSeconds + kWgmmaLaneOpsPerChunk *
                                                   work.kvChunks /
                                                   in.rates.laneOps;
    double hidden = c.blocksPerSM >= kWgmmaFourBlocks ? kWgmmaFourBlockOverlap
                    : c.blocksPerSM >= 2              ? kWgmmaBlockOverlap
                                                      : 0.0;
    // The producer kernel (what wgmma-release=auto builds for this tiling;
    // whether its turns gain is the tiling's, so unmasked, property). Two
    // consumer warpgroups gain unless the softmax is much the longer part;
    // with three, two softmaxes run under the third's MMAs even there
    // (d = 64).
    double unmaskedLaneSeconds =
        laneSeconds - maskLaneOps * work.scores / in.rates.laneOps;
    if (buildsWgmmaProducer(t, c, in.problem, in.target)) {
      if (t.warps == 8 &&
          unmaskedLaneSeconds <= kWgmmaProducerSoftmaxRatio * tensorSeconds)
        hidden = kWgmmaProducerOverlap;
      else if (t.warps == 12)
        hidden = kWgmmaProducer3Overlap;
    }
    double latency =
        kWgmmaStepLatencyClocks + (t.stages == 1 ? kLoadLatencyClocks : 0.0);
    return std::max(
        work.sharedSeconds,
        tensorSeconds + laneSeconds -
            hidden * std::min(tensorSeconds, laneSeconds) +
            latency / in.rates.clock /
                std::min<double>(c.blocksPerSM, kWgmmaLatencyHidingBlocks));
  }

  bool hasMaskedSteps() const override { return true; }

  /// On top of the latency of the first loads and the store (as mma-sync),
  /// the block waits for its Q tile and half of its O store at the SM's
  /// share of the DRAM bandwidth (all SMs start and end blocks together; the
  /// other half of the store drains while the next block starts; D20).
  double blockFixedSeconds(const StepInputs &in) const override {
    const Tiling &t = in.tiling;
    const AttentionProblem &p = in.problem;
    double e = double(p.elementBytes);
    double seconds = kBlockFixedClocks / in.rates.clock;
    seconds += double(t.blockQ) * (p.headDim + p.valueHeadDim / 2.0) * e /
               (double(in.target.hbmGBps) * 1e9 / in.target.smCount);
    return seconds;
  }
};
} // namespace

const KernelModel &detail::getWgmmaModel() {
  static const WgmmaModel model;
  return model;
}
