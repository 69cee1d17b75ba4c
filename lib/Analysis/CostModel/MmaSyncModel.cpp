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
/// How far the estimate may exceed the per-thread limit: ptxas fits the
/// estimates of 290 (128x64 / 4 warps and 256x64 / 8 warps at d = 128) into
/// 255 registers with 84 bytes of spills, and those tilings measured
/// fastest at their shapes (docs/CostModel.md, "mma-sync registers").
static constexpr int64_t kMmaSyncSpillTolerance = 35;
/// ... but such a candidate must be predicted this much faster than the best
/// one within the limit: at d = 64 (256x112 over 256x96, predicted 1.5%
/// faster) the spills cost 8%, at d = 128 (256x64 over 256x48/32, 7%
/// faster) the larger block won 3% (docs/CostModel.md).
static constexpr double kMmaSyncSpillMargin = 0.05;
/// The step's block barrier waits for the slowest of the block's warps, so
/// its latency grows with them: kStepOverheadClocks is the 4-warp block's.
/// Measured: 256x64 with 8 warps 4.6-6.0% (d = 128 causal N = 2k) and 9.6%
/// (1k) slower than 128x64 with 4, at the same 8 warps an SM and fewer
/// instructions a thread in the loop (875 against 907, PTX;
/// docs/CostModel.md, "mma-sync copies and barriers").
static constexpr double kMmaSyncBarrierWarps = 4;
/// The barrier of a block whose threads spill (register estimate over the
/// per-thread limit) waits this much longer: the warps reach it at
/// different times behind their local-memory loads. Nsight Compute, barrier
/// stalls of 256x64 / 8 warps against 128x64 / 4: 2.0-2.3x at d = 128 (both
/// spill), 0.3-0.55x for 256x96 / 8 against 128x96 / 4 at d = 64 (neither
/// does). 1.6 to 1.8 pick the measured best at every mma-sync round-robin
/// shape (docs/CostModel.md, "Spilling blocks wait longer at the barrier").
static constexpr double kMmaSyncSpillBarrier = 1.7;
/// Lane slots per 16-byte chunk of the K/V tiles a step copies with
/// cp.async, which every thread issues its share of: about 5 instructions a
/// chunk (the copy and its address arithmetic), integer ones at half rate.
/// PTX, d = 64: the 2-warp 64x64 block's loop issues 682 instructions a
/// thread against the 4-warp 128x64 block's 643 for the same 64 scores,
/// with 16 chunks a thread instead of 8. Counted from the kernel; 10 to 16
/// give the same picks at every measured point.
static constexpr double kMmaSyncLaneOpsPerCopy = 10;

namespace {
class MmaSyncModel final : public KernelModel {
public:
  /// Fitted to what ptxas allocates for convert-fa-to-nvgpu's kernel
  /// (bench/experiments/register_sweep.py, 25 tilings at d = 64 and 128,
  /// within 24 registers; docs/CostModel.md): the f32 S tile plus its
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
  RegisterBudget registerBudget(const Tiling &,
                                const TargetInfo &target) const override {
    return {target.maxRegsPerThread + kMmaSyncSpillTolerance,
            target.maxRegsPerThread};
  }

  /// The overlapped step, the cp.async copies every thread issues, and the
  /// barrier's latency: it joins all the block's warps, waits longer where
  /// they spill, and with one stage also waits for the step's K/V tiles. A
  /// second resident block issues during it (measured in the small-N
  /// sweep).
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
  /// meanwhile, a lone one leaves the SM idle (measured: at N <= 2k,
  /// 128-row blocks with 2 per SM beat 256-row blocks with 1 per SM by
  /// 3-16%, at N = 16k the reverse; docs/CostModel.md).
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
