//===- fa-plugin.cpp - flashattn-mlir as an mlir-opt plugin ---------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// One shared object that is both a dialect plugin and a pass plugin:
//
//   mlir-opt --load-dialect-plugin=libFlashAttnPlugin.so \
//            --load-pass-plugin=libFlashAttnPlugin.so --fa-set-target=...
//
// It links the MLIR shared library, as the mlir-opt it is loaded into does,
// so the dialect and the passes register into that mlir-opt's registries.
// The host already knows the upstream dialects and passes; the plugin adds
// only the project's own.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/RegisterAll.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FlashAttnDialects", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            fa::registerFlashAttnDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FlashAttnPasses", LLVM_VERSION_STRING,
          []() { fa::registerFlashAttnPasses(); }};
}
