//===- Passes.h - flashattn-mlir GPU lowering passes ------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_TRANSFORMS_PASSES_H
#define FLASHATTN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <optional>
#include <string>

namespace mlir {
namespace fa {

#define GEN_PASS_DECL
#include "FlashAttn/Transforms/Passes.h.inc"

/// The lowest PTX ISA version (`70` for 7.0) that LLVM's NVPTX back end
/// accepts for `arch` (`sm_80` -> 70, `sm_90a` -> 80), or nullopt for an
/// architecture the table does not list.
std::optional<int> getMinimumPTXVersion(llvm::StringRef arch);

/// The PTX feature string of getMinimumPTXVersion (`sm_80` -> `+ptx70`), or
/// an empty string (the back end's own default, the same minimum) for an
/// architecture the table does not list.
std::string getDefaultPTXFeatures(llvm::StringRef arch);

#define GEN_PASS_REGISTRATION
#include "FlashAttn/Transforms/Passes.h.inc"

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_TRANSFORMS_PASSES_H
