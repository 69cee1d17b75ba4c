//===- RequireKernel.cpp - Fail on a module with no kernel ----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FAREQUIREKERNELPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// Whether `op` is, or becomes at a later stage of fa-to-ptx-pipeline, code
/// that runs on the GPU.
static bool isKernel(Operation *op) {
  return isa_and_nonnull<FADialect>(op->getDialect()) ||
         isa<gpu::LaunchOp, gpu::LaunchFuncOp, gpu::GPUModuleOp,
             gpu::BinaryOp>(op);
}

namespace {
struct RequireKernelPass
    : public fa::impl::FARequireKernelPassBase<RequireKernelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult found = module.walk([](Operation *op) {
      return isKernel(op) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (found.wasInterrupted())
      return;
    // At the module's location, without the module printed after it.
    emitError(module.getLoc(), "the module holds no kernel: no fa.attention, "
                     "gpu.launch or gpu.module (run "
                     "fa-raise-attention{explain=true} to see why an "
                     "attention written in linalg was not raised)");
    signalPassFailure();
  }
};
} // namespace
