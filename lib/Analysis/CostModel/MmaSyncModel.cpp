//===- MmaSyncModel.cpp - The mma.sync kernel's registers and step --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// convert-fa-to-nvgpu's mma.sync kernel: its register fit, its spill
// tolerance and its step, fitted to ptxas and to the H100 runs
// (docs/CostModel.md, "mma-sync registers: fitted to ptxas", "mma-sync
// copies and barriers", "Spilling blocks wait longer at the barrier").
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// The fixed part of the register fit (registersPerThread).
static constexpr int64_t kMmaSyncRegisterBase = 23;
/// How far the estimate may exceed the per-thread limit: ptxas fits such
/// estimates with small spills (docs/decisions.md, D07).
static constexpr int64_t kMmaSyncSpillTolerance = 35;
/// ... but such a candidate must be predicted this much faster than the best
/// one within the limit, since spills can cost more than the model sees
/// (D07).
static constexpr double kMmaSyncSpillMargin = 0.05;
/// The step's block barrier waits for the slowest of the block's warps, so
/// its latency grows with them: kStepOverheadClocks is the 4-warp block's
/// (D39).
static constexpr double kMmaSyncBarrierWarps = 4;
/// The barrier of a block whose threads spill (register estimate over the
/// per-thread limit) waits this much longer: the warps reach it at
/// different times behind their local-memory loads (D46).
static constexpr double kMmaSyncSpillBarrier = 1.7;
/// Lane slots per 16-byte chunk of the K/V tiles a step copies with
/// cp.async, which every thread issues its share of: about 5 instructions a
/// chunk (the copy and its address arithmetic), integer ones at half rate,
/// counted from the kernel's PTX (D39).
static constexpr double kMmaSyncLaneOpsPerCopy = 10;

namespace {
class MmaSyncModel final : public KernelModel {
public:
  /// Fitted to what ptxas allocates for convert-fa-to-nvgpu's kernel
  /// (bench/experiments/register_sweep.py; D03): the f32 S tile plus its
  /// bf16/f16 copy P (1.5 x S), the O accumulator plus a third for the
  /// rescale and the addresses of its ldmatrix operands, and a fixed part.
  int64_t registersPerThread(const Tiling &t,
                             const AttentionProblem &p) const override {
    Accumulators acc = getAccumulators(t, p);
    return llvm::divideCeil(4 * acc.o, 3) + llvm::divideCeil(3 * acc.s, 2) +
           kMmaSyncRegisterBase;
  }

  /// An estimate a little over the limit is what ptxas squeezes into
  /// maxRegsPerThread with a few spills (the fit is linear; near the limit
  /// ptxas reuses S's registers for P slice by slice).
  RegisterBudget registerBudget(const Tiling &, const AttentionProblem &,
                                const TargetInfo &target) const override {
    return {target.maxRegsPerThread + kMmaSyncSpillTolerance,
            target.maxRegsPerThread};
  }

  /// The overlapped step, the cp.async copies every thread issues, and the
  /// barrier's latency: it joins all the block's warps, waits longer where
  /// they spill, and with one stage also waits for the step's K/V tiles. A
  /// second resident block issues during it (D08).
  double stepSeconds(const StepInputs &in, double maskLaneOps) const override {
    const Tiling &t = in.tiling;
    StepWork work = getStepWork(in, maskLaneOps);
    double seconds = overlappedStepSeconds(work, /*warpgroupMma=*/false);
    seconds += kMmaSyncLaneOpsPerCopy * work.kvChunks / in.rates.laneOps;
    double latency = kStepOverheadClocks;
    latency *= t.warps / kMmaSyncBarrierWarps;
    if (overRegisterLimit(in.cost, in.target))
      latency *= kMmaSyncSpillBarrier;
    if (t.stages == 1)
      latency += kLoadLatencyClocks;
    return seconds + latency / in.rates.clock / double(in.cost.blocksPerSM);
  }

  bool hasMaskedSteps() const override { return true; }

  /// Each thread block starts by waiting for its Q tile and first K/V stage
  /// from DRAM and ends by storing O; a second resident block computes
  /// meanwhile, a lone one leaves the SM idle (D08).
  double blockFixedSeconds(const StepInputs &in) const override {
    return kBlockFixedClocks / in.rates.clock;
  }

  double spillMargin() const override { return kMmaSyncSpillMargin; }
};
} // namespace

const KernelModel &detail::getMmaSyncModel() {
  static const MmaSyncModel model;
  return model;
}
