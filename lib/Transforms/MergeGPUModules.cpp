//===- MergeGPUModules.cpp - One gpu.module per compilation unit ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FAMERGEGPUMODULESPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

namespace {
struct MergeGPUModulesPass
    : public fa::impl::FAMergeGPUModulesPassBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(
        module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.size() < 2)
      return;
    gpu::GPUModuleOp dest = gpuModules.front();
    SymbolTable destTable(dest);

    // (old module, old symbol) -> new symbol in `dest`.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp src : llvm::drop_begin(gpuModules)) {
      if (src.getTargetsAttr() != dest.getTargetsAttr() ||
          src.getOffloadingHandlerAttr() != dest.getOffloadingHandlerAttr()) {
        src.emitError() << "cannot merge gpu.module @" << src.getName()
                        << " into @" << dest.getName()
                        << ": their targets differ";
        return signalPassFailure();
      }
      StringAttr srcName = src.getNameAttr();
      // Rename clashing symbols inside `src` first, so that uses within the
      // module follow; a kernel takes its module's (unique) name.
      for (Operation &op : llvm::make_early_inc_range(*src.getBody())) {
        auto symbol = dyn_cast<SymbolOpInterface>(&op);
        if (!symbol)
          continue;
        StringAttr oldName = symbol.getNameAttr();
        StringAttr newName = oldName;
        if (destTable.lookup(oldName)) {
          newName = srcName;
          for (unsigned i = 0; destTable.lookup(newName) ||
                               (newName != oldName &&
                                SymbolTable::lookupSymbolIn(src, newName));
               ++i)
            newName = StringAttr::get(&getContext(), srcName.getValue() + "_" +
                                                         Twine(i));
          if (failed(SymbolTable::replaceAllSymbolUses(&op, newName, src))) {
            op.emitError() << "cannot rename symbol @" << oldName.getValue();
            return signalPassFailure();
          }
          SymbolTable::setSymbolName(&op, newName);
        }
        renamed[{srcName, oldName}] = newName;
      }
      for (Operation &op : llvm::make_early_inc_range(*src.getBody())) {
        op.moveBefore(dest.getBody(), dest.getBody()->end());
        if (isa<SymbolOpInterface>(&op))
          destTable.insert(&op);
      }
    }

    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it = renamed.find(
          {kernel.getRootReference(), kernel.getLeafReference()});
      if (it != renamed.end())
        launch.setKernelAttr(SymbolRefAttr::get(
            dest.getNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
    });
    for (gpu::GPUModuleOp src : llvm::drop_begin(gpuModules))
      src.erase();
  }
};
} // namespace
