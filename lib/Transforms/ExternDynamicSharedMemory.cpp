//===- ExternDynamicSharedMemory.cpp - Dynamic shared memory as extern ----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// fa-extern-dynamic-shared-memory: the zero-sized address-space-3 globals
// that convert-gpu-to-nvvm makes for gpu.dynamic_shared_memory become
// external, so that PTX declares them `.extern .shared ... name[]` and they
// name the start of the launch's dynamic segment (docs/decisions.md, D91).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FAEXTERNDYNAMICSHAREDMEMORYPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// A zero-sized array in shared memory without an initializer: what
/// gpu.dynamic_shared_memory lowers to (a static variable of that type
/// would have no bytes to hold).
static bool isDynamicSharedMemory(LLVM::GlobalOp global) {
  auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
  return array && array.getNumElements() == 0 &&
         global.getAddrSpace() ==
             static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared) &&
         !global.getValueOrNull() && global.getInitializerRegion().empty();
}

namespace {
struct ExternDynamicSharedMemoryPass
    : public fa::impl::FAExternDynamicSharedMemoryPassBase<
          ExternDynamicSharedMemoryPass> {
  void runOnOperation() override {
    for (auto global : getOperation().getOps<LLVM::GlobalOp>())
      if (isDynamicSharedMemory(global))
        global.setLinkage(LLVM::Linkage::External);
  }
};
} // namespace
