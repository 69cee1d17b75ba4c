//===- SetTarget.cpp - Attach #fa.target to a module ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "FlashAttn/Analysis/TargetInfo.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FASETTARGETPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

namespace {
struct SetTargetPass : public fa::impl::FASetTargetPassBase<SetTargetPass> {
  using FASetTargetPassBase::FASetTargetPassBase;

  /// llvm::cl prints a bad value (`sram-per-block=99999999999999999999`)
  /// to stderr itself and leaves MLIR's error handler an empty message,
  /// which fa-opt printed as an empty `error:` line.
  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    return Pass::initializeOptions(options, [&](const Twine &message) {
      if (!message.isTriviallyEmpty() && !message.str().empty())
        return errorHandler(message);
      return errorHandler("invalid fa-set-target options '" + options +
                          "' (the option parser's message is above)");
    });
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<TargetInfo> info;
    if (!target.empty()) {
      info = lookupKnownTarget(target);
      if (!info) {
        SmallVector<StringRef> names;
        for (const TargetInfo &t : getKnownTargets())
          names.push_back(t.name);
        module.emitError() << "unknown target '" << target
                           << "'; known targets: " << llvm::join(names, ", ")
                           << " (or an architecture such as sm_80)";
        return signalPassFailure();
      }
    } else if (TargetAttr existing = lookupTarget(module)) {
      info = getTargetInfo(existing);
    } else {
      module.emitError() << "fa-set-target needs a 'target' option when the "
                            "module has no fa.target yet: pass target=NAME "
                            "(to fa-set-target or fa-to-ptx-pipeline; a "
                            "known target such as h100 or an architecture "
                            "such as sm_80) or attach a #fa.target";
      return signalPassFailure();
    }

    if (!arch.empty())
      info->arch = arch;
    // 0, the options' default, keeps the field: no field can be 0 (every
    // one must be positive), and a printed pipeline lists every option with
    // its value, so a default must parse back as "not given". A negative
    // value is an override that validate() refuses.
    auto override = [](int64_t &field, int64_t value) {
      if (value != 0)
        field = value;
    };
    override(info->sramPerBlock, sramPerBlock);
    override(info->sramPerSM, sramPerSM);
    override(info->regsPerSM, regsPerSM);
    override(info->maxRegsPerThread, maxRegsPerThread);
    override(info->smCount, smCount);
    override(info->hbmGBps, hbmGBps);
    override(info->tensorTFlops, tensorTFlops);
    // Shrinking the per-block budget below the per-SM one is the common
    // override; growing it past the SM's capacity grows the SM too.
    if (sramPerBlock != 0 && sramPerSM == 0 &&
        info->sramPerSM < info->sramPerBlock)
      info->sramPerSM = info->sramPerBlock;

    if (std::optional<std::string> problem = info->validate()) {
      module.emitError() << "invalid target after overrides: " << *problem;
      return signalPassFailure();
    }
    module->setAttr(FADialect::getTargetAttrName(),
                    getTargetAttr(&getContext(), *info));
  }
};
} // namespace
