//===- AttachNVVMTarget.cpp - #nvvm.target from #fa.target ----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "FlashAttn/Analysis/TargetInfo.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FAATTACHNVVMTARGETPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

std::string mlir::fa::getDefaultPTXFeatures(StringRef arch) {
  TargetInfo info;
  info.arch = arch.str();
  int64_t cc = info.getComputeCapability();
  bool archSpecific = arch.ends_with("a") || arch.ends_with("f");
  // The lowest PTX ISA version LLVM's NVPTX back end accepts for each
  // architecture (PTX ISA manual, "PTX Versions and Target Architectures").
  int ptx = 0;
  if (cc >= 120)
    ptx = 87;
  else if (cc >= 100)
    ptx = 86;
  else if (cc >= 90)
    ptx = archSpecific ? 80 : 78;
  else if (cc >= 89)
    ptx = 78;
  else if (cc >= 87)
    ptx = 74;
  else if (cc >= 86)
    ptx = 71;
  else if (cc >= 80)
    ptx = 70;
  else if (cc >= 75)
    ptx = 63;
  else if (cc >= 70)
    ptx = 60;
  if (ptx == 0)
    return "";
  return "+ptx" + std::to_string(ptx);
}

namespace {
struct AttachNVVMTargetPass
    : public fa::impl::FAAttachNVVMTargetPassBase<AttachNVVMTargetPass> {
  using FAAttachNVVMTargetPassBase::FAAttachNVVMTargetPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    TargetAttr target = lookupTarget(module);
    if (!target) {
      module.emitError() << "fa-attach-nvvm-target needs an fa.target on the "
                            "module (run fa-set-target first)";
      return signalPassFailure();
    }
    StringRef chip = target.getArch();
    std::string ptxFeatures =
        features.empty() ? getDefaultPTXFeatures(chip) : features.getValue();
    if (ptxFeatures.empty()) {
      module.emitError() << "no PTX version known for arch '" << chip
                         << "'; pass the 'features' option";
      return signalPassFailure();
    }
    if (optLevel > 3) {
      module.emitError() << "optimization level must be in [0, 3], got "
                         << optLevel;
      return signalPassFailure();
    }
    // fa-set-target validated the arch (sm_70 or later).
    auto nvvmTarget = NVVM::NVVMTargetAttr::get(
        &getContext(), static_cast<int>(optLevel.getValue()),
        "nvptx64-nvidia-cuda", chip, ptxFeatures);
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      if (gpuModule.getTargetsAttr())
        continue;
      gpuModule.setTargetsAttr(ArrayAttr::get(&getContext(), {nvvmTarget}));
    }
  }
};
} // namespace
