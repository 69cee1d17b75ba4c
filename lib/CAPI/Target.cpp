//===- Target.cpp - flashattn-mlir compiled kernels, C API ----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn-c/Target.h"

#include "Diagnostics.h"
#include "FlashAttn/Target/CUDAToolkit.h"
#include "FlashAttn/Target/KernelManifest.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::fa;

MlirLogicalResult faGetKernelBinary(MlirModule module,
                                    MlirStringCallback callback,
                                    MlirStringCallback diagCallback,
                                    void *userData) {
  ModuleOp moduleOp = unwrap(module);
  DiagnosticsTo diagnostics(moduleOp.getContext(), diagCallback, userData);
  FailureOr<KernelBinary> binary = getKernelBinary(moduleOp);
  if (failed(binary))
    return wrap(failure());
  callback(wrap(StringRef(binary->object)), userData);
  callback(wrap(StringRef(binary->chip)), userData);
  callback(wrap(StringRef(binary->features)), userData);
  callback(wrap(StringRef(binary->isPTX ? "ptx" : "cubin")), userData);
  return wrap(success());
}

MlirLogicalResult faBuildKernelManifest(MlirModule module,
                                        MlirStringRef funcName,
                                        MlirStringRef ptxFile,
                                        MlirStringRef cubinFile,
                                        MlirStringRef ptxasLog,
                                        MlirStringCallback callback,
                                        MlirStringCallback diagCallback,
                                        void *userData) {
  ModuleOp moduleOp = unwrap(module);
  DiagnosticsTo diagnostics(moduleOp.getContext(), diagCallback, userData);
  llvm::StringMap<std::string> files;
  if (ptxFile.length)
    files["ptx"] = unwrap(ptxFile).str();
  if (cubinFile.length)
    files["cubin"] = unwrap(cubinFile).str();
  llvm::StringMap<KernelResources> resources;
  if (ptxasLog.length)
    resources = parsePtxasLog(unwrap(ptxasLog));
  FailureOr<llvm::json::Object> manifest =
      buildKernelManifest(moduleOp, unwrap(funcName), files, resources);
  if (failed(manifest))
    return wrap(failure());
  // As fa-compile writes NAME.json.
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(*manifest)))
     << "\n";
  callback(wrap(StringRef(text)), userData);
  return wrap(success());
}

MlirLogicalResult faFindCUDAToolkit(MlirStringRef path,
                                    MlirStringCallback callback,
                                    MlirStringCallback errorCallback,
                                    void *userData) {
  CUDAToolkit toolkit = findCUDAToolkit(unwrap(path));
  if (toolkit.path.empty()) {
    if (errorCallback)
      errorCallback(wrap(StringRef(describeMissingCUDAToolkit())), userData);
    return wrap(failure());
  }
  callback(wrap(StringRef(toolkit.path)), userData);
  return wrap(success());
}

MlirLogicalResult faFindPtxas(MlirStringRef path, MlirStringRef toolkit,
                              MlirStringCallback callback,
                              MlirStringCallback errorCallback,
                              void *userData) {
  llvm::Expected<std::string> ptxas = findPtxas(unwrap(path), unwrap(toolkit));
  if (!ptxas) {
    std::string message = llvm::toString(ptxas.takeError());
    if (errorCallback)
      errorCallback(wrap(StringRef(message)), userData);
    return wrap(failure());
  }
  callback(wrap(StringRef(*ptxas)), userData);
  return wrap(success());
}
