//===- SimtModel.cpp - The scalar kernel's registers and step -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// convert-fa-to-gpu's kernel: every tile in shared memory, the products as
// scalar f32 FMAs on the CUDA cores (docs/CostModel.md, "The SIMT kernel").
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// Registers per thread. The accumulators live in shared memory, so the
/// count does not grow with the tile; ptxas -v reports 34 (sm_90a) and 40
/// (sm_80) for the kernel of test/Conversion/FAToGPU/ptxas-sram.mlir, 30 to
/// 40 for the other shapes we compiled, and the constant leaves headroom.
static constexpr int64_t kSimtRegistersPerThread = 64;
/// Shared-memory loads per multiply-add of the tile products: the two
/// operands (LLVM keeps the accumulator in a register across the reduction
/// loop).
static constexpr double kSimtSharedLoadsPerFma = 2;
/// Shared-memory accesses per score outside the products: the scale/mask
/// pass and exp pass read and write S, the row max and row sum read it.
static constexpr double kSimtSharedAccessesPerScore = 6;
/// Resident warps per SM that hide the latency of its dependent
/// shared-memory loads (about 30 clocks per iteration of a product's
/// reduction loop, two loads each, one load instruction per clock per SM:
/// Little's law gives about 16).
static constexpr double kSimtLatencyWarps = 16;
/// Bytes of one shared-memory access: a warp-wide instruction of 4-byte
/// words, no bank conflicts, so an SM serves smemBytesPerClock / 4 a clock.
static constexpr double kSimtAccessBytes = 4;

namespace {
class SimtModel final : public KernelModel {
public:
  int64_t registersPerThread(const Tiling &,
                             const AttentionProblem &) const override {
    return kSimtRegistersPerThread;
  }

  /// Scalar f32 FMAs on the CUDA cores next to the softmax's lane work, and
  /// every operand through the shared-memory pipe: the products' operands,
  /// the passes over S, the rescale of the accumulator and the zero-fill and
  /// copy of the K and V tiles. The busier pipe bounds the step; the
  /// barriers add their latency.
  double stepSeconds(const StepInputs &in, double maskLaneOps) const override {
    const Tiling &t = in.tiling;
    const AttentionProblem &p = in.problem;
    StepWork work = getStepWork(in, maskLaneOps);
    double fmas = tileFlops(t, p) / 2;
    double laneSeconds = fmas / in.rates.laneOps + work.softmaxSeconds;
    double accesses = kSimtSharedLoadsPerFma * fmas +
                      kSimtSharedAccessesPerScore * work.scores +
                      2.0 * t.blockQ * p.valueHeadDim +
                      2.0 * t.blockKV * (p.headDim + p.valueHeadDim);
    double accessesPerClock = in.arch.smemBytesPerClock / kSimtAccessBytes;
    double sharedSeconds = accesses / (accessesPerClock * in.rates.clock);
    return std::max(laneSeconds, sharedSeconds) +
           kStepOverheadClocks / in.rates.clock;
  }

  double issueWarps() const override { return kSimtLatencyWarps; }
};
} // namespace

const KernelModel &detail::getSimtModel() {
  static const SimtModel model;
  return model;
}
