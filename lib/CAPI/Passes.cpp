//===- Passes.cpp - flashattn-mlir passes and pipelines, C API ------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn-c/Passes.h"

#include "Diagnostics.h"

#include "FlashAttn/Conversion/Passes.h"
#include "FlashAttn/Dialect/FA/Transforms/Passes.h"
#include "FlashAttn/Pipelines/Pipelines.h"
#include "FlashAttn/RegisterAll.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::fa;

extern "C" {
#include "FlashAttn/Conversion/Passes.capi.cpp.inc"
#include "FlashAttn/Dialect/FA/Transforms/Passes.capi.cpp.inc"
}

void faRegisterAllPasses(void) { fa::registerAllPasses(); }

MlirContext faContextCreate(void) {
  DialectRegistry registry;
  fa::registerAllDialects(registry);
  return wrap(new MLIRContext(registry));
}

MlirLogicalResult faRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                                    MlirStringCallback callback,
                                    void *userData) {
  ModuleOp moduleOp = unwrap(module);
  MLIRContext *context = moduleOp.getContext();

  // With a callback, it alone sees this call's diagnostics.
  DiagnosticsTo diagnostics(context, callback, userData);

  // An anchored pipeline names its root op; a bare one runs on the module.
  // Parsing an anchored one as bare would nest it and silently do nothing.
  StringRef text = unwrap(pipeline).trim();
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  PassManager pm(context, ModuleOp::getOperationName());
  StringRef anchor = text.take_until([](char c) { return c == '('; });
  LogicalResult parsed = failure();
  if (anchor.size() < text.size() &&
      anchor.trim() == ModuleOp::getOperationName()) {
    FailureOr<OpPassManager> anchored = parsePassPipeline(text, errorStream);
    if (succeeded(anchored)) {
      static_cast<OpPassManager &>(pm) = std::move(*anchored);
      parsed = success();
    }
  } else {
    parsed = parsePassPipeline(text, pm, errorStream);
  }
  if (failed(parsed)) {
    emitError(moduleOp.getLoc())
        << "invalid pass pipeline '" << text << "': " << StringRef(errors).trim();
    return wrap(failure());
  }
  return wrap(pm.run(moduleOp));
}

MlirLogicalResult faGetPipelineOptions(MlirStringRef pipeline,
                                       FAPipelineOptionCallback callback,
                                       void *userData) {
  FailureOr<SmallVector<PipelineOptionInfo>> options =
      describePipelineOptions(unwrap(pipeline));
  if (failed(options))
    return wrap(failure());
  for (const PipelineOptionInfo &o : *options) {
    SmallVector<MlirStringRef> values, descriptions;
    for (const auto &[value, description] : o.values) {
      values.push_back(wrap(StringRef(value)));
      descriptions.push_back(wrap(StringRef(description)));
    }
    FAPipelineOption option = {wrap(StringRef(o.name)),
                               wrap(StringRef(o.description)),
                               wrap(StringRef(o.type)),
                               wrap(StringRef(o.defaultValue)),
                               static_cast<intptr_t>(values.size()),
                               values.data(),
                               descriptions.data()};
    callback(&option, userData);
  }
  return wrap(success());
}
