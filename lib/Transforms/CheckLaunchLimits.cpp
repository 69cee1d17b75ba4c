//===- CheckLaunchLimits.cpp - Refuse launches CUDA cannot run -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FACHECKLAUNCHLIMITSPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// CUDA C++ Programming Guide, "Technical Specifications per Compute
/// Capability": the same for every compute capability from 3.0 on.
static constexpr int64_t kMaxGridSize[3] = {2147483647, 65535, 65535};
static constexpr int64_t kMaxBlockSize[3] = {1024, 1024, 64};
static constexpr int64_t kMaxBlockThreads = 1024;

/// Checks the constant sizes of one launch; a size that is not a constant
/// is left to the runtime.
static LogicalResult checkLaunch(Operation *launch, gpu::KernelDim3 grid,
                                 gpu::KernelDim3 block) {
  StringRef axes[3] = {"x", "y", "z"};
  auto check = [&](gpu::KernelDim3 dims, StringRef what,
                   const int64_t (&limits)[3]) -> FailureOr<int64_t> {
    int64_t product = 1;
    Value values[3] = {dims.x, dims.y, dims.z};
    for (int i = 0; i < 3; ++i) {
      APInt value;
      if (!matchPattern(values[i], m_ConstantInt(&value)))
        continue;
      int64_t size = value.getSExtValue();
      if (size < 1 || size > limits[i])
        return launch->emitError()
               << launch->getName() << " " << what << " " << axes[i] << " = "
               << size << " is outside CUDA's limits (1 to " << limits[i]
               << ")";
      product *= size;
    }
    return product;
  };
  if (failed(check(grid, "grid", kMaxGridSize)))
    return failure();
  FailureOr<int64_t> threads = check(block, "block", kMaxBlockSize);
  if (failed(threads))
    return failure();
  if (*threads > kMaxBlockThreads)
    return launch->emitError()
           << launch->getName() << " block has " << *threads
           << " threads; CUDA allows at most " << kMaxBlockThreads;
  return success();
}

namespace {
struct CheckLaunchLimitsPass
    : public fa::impl::FACheckLaunchLimitsPassBase<CheckLaunchLimitsPass> {
  void runOnOperation() override {
    bool anyFailed = false;
    getOperation()->walk([&](Operation *op) {
      LogicalResult result = success();
      if (auto launch = dyn_cast<gpu::LaunchOp>(op))
        result = checkLaunch(op, launch.getGridSizeOperandValues(),
                             launch.getBlockSizeOperandValues());
      else if (auto launchFunc = dyn_cast<gpu::LaunchFuncOp>(op))
        result = checkLaunch(op, launchFunc.getGridSizeOperandValues(),
                             launchFunc.getBlockSizeOperandValues());
      anyFailed |= failed(result);
    });
    if (anyFailed)
      signalPassFailure();
  }
};
} // namespace
