//===- TensorCoreModel.cpp - The generic tensor-core kernel ---------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The model's prediction for the best tensor-core kernel of a target
// (mma.sync below sm_90, wgmma from sm_90), not a generated kernel: the
// kernel of the block-size analysis in docs/CostModel.md, "Formulas".
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// Registers per thread besides the O and S tiles: addresses, loop
/// counters, softmax scale (the running max and sum are added per owned
/// row).
static constexpr int64_t kRegisterOverhead = 24;

namespace {
class TensorCoreModel final : public KernelModel {
public:
  /// The f32 O accumulator, the f32 S tile (P is converted in place) and the
  /// overhead. An m16 accumulator fragment gives each thread 2 of its 16
  /// rows; each owned row keeps a running max and a running sum.
  int64_t registersPerThread(const Tiling &t,
                             const AttentionProblem &p) const override {
    Accumulators acc = getAccumulators(t, p);
    int64_t rowsPerThread = llvm::divideCeil(t.blockQ / t.warps, 8);
    return acc.o + acc.s + kRegisterOverhead + 2 * rowsPerThread;
  }

  /// The overlapped step and the latency no other work hides.
  double stepSeconds(const StepInputs &in, double maskLaneOps) const override {
    StepWork work = getStepWork(in, maskLaneOps);
    return overlappedStepSeconds(work, in.warpgroupMma) +
           kStepOverheadClocks / in.rates.clock;
  }
};
} // namespace

const KernelModel &detail::getTensorCoreModel() {
  static const TensorCoreModel model;
  return model;
}
