//===- SetKernelMaxRegisters.cpp - .maxnreg for setmaxnreg kernels --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "FlashAttn/Analysis/TargetInfo.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FASETKERNELMAXREGISTERSPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// 32-bit registers per SM (sm_70 and later).
static constexpr int64_t kRegisterFile = 65536;

/// The resident blocks a kernel's schedule decided (D118), from its shared
/// memory's `fa.min_blocks_per_sm`, as `nvvm.minctasm`; a kernel that has
/// one keeps it.
static void setMinBlocks(gpu::GPUFuncOp func) {
  StringRef name = NVVM::NVVMDialect::getMinctasmAttrName();
  func.walk([&](gpu::DynamicSharedMemoryOp shared) {
    Attribute blocks =
        shared->removeAttr(FADialect::getMinBlocksPerSMAttrName());
    if (blocks && !func->hasAttr(name))
      func->setAttr(name, blocks);
  });
}

namespace {
struct SetKernelMaxRegistersPass
    : public fa::impl::FASetKernelMaxRegistersPassBase<
          SetKernelMaxRegistersPass> {
  void runOnOperation() override {
    StringRef name = NVVM::NVVMDialect::getMaxnregAttrName();
    for (auto func : getOperation().getOps<gpu::GPUFuncOp>()) {
      if (func.isKernel())
        setMinBlocks(func);
      if (!func.isKernel() || func->hasAttr(name))
        continue;
      if (!func.walk([](NVVM::SetMaxRegisterOp) {
                 return WalkResult::interrupt();
               }).wasInterrupted())
        continue;
      std::optional<ArrayRef<int32_t>> block = func.getKnownBlockSize();
      if (!block) {
        func.emitError() << "fa-set-kernel-max-registers: kernel @"
                         << func.getName()
                         << " uses setmaxnreg but has no known_block_size";
        return signalPassFailure();
      }
      int64_t threads = 1;
      for (int32_t extent : *block)
        threads *= extent;
      int64_t regs = blockStartRegisters(kRegisterFile, threads);
      func->setAttr(name, IntegerAttr::get(
                              IntegerType::get(&getContext(), 32), regs));
    }
  }
};
} // namespace
