//===- LowerTensorMapArgs.cpp - Tensor-map kernel arguments as pointers ---===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FALOWERTENSORMAPARGSPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

namespace {
struct LowerTensorMapArgsPass
    : public fa::impl::FALowerTensorMapArgsPassBase<LowerTensorMapArgsPass> {
  void runOnOperation() override {
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    for (auto func : getOperation().getOps<gpu::GPUFuncOp>()) {
      if (func.isExternal())
        continue;
      bool changed = false;
      for (BlockArgument arg : func.getArguments()) {
        if (!isa<nvgpu::TensorMapDescriptorType>(arg.getType()))
          continue;
        // Only the casts of convert-nvgpu-to-nvvm may read it: an nvgpu op
        // would be left with a pointer operand.
        for (Operation *user : arg.getUsers())
          if (!isa<UnrealizedConversionCastOp>(user)) {
            user->emitError()
                << "fa-lower-tensormap-args: tensor map argument "
                << arg.getArgNumber() << " of @" << func.getName()
                << " is still used by '" << user->getName()
                << "'; run convert-nvgpu-to-nvvm first";
            return signalPassFailure();
          }
        arg.setType(ptr);
        changed = true;
      }
      if (!changed)
        continue;
      // The function type lists the arguments, not the workgroup and
      // private attributions that follow them in the entry block.
      SmallVector<Type> inputs;
      for (unsigned i = 0, e = func.getFunctionType().getNumInputs(); i < e;
           ++i)
        inputs.push_back(func.getBody().getArgument(i).getType());
      func.setFunctionType(FunctionType::get(
          &getContext(), inputs, func.getFunctionType().getResults()));
    }
  }
};
} // namespace
