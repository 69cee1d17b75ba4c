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

#include <string>

namespace mlir {
namespace fa {

#define GEN_PASS_DECL
#include "FlashAttn/Transforms/Passes.h.inc"

/// The PTX feature string of the lowest PTX ISA version that supports `arch`
/// (`sm_80` -> `+ptx70`, `sm_90a` -> `+ptx80`), or an empty string when the
/// architecture is unknown.
std::string getDefaultPTXFeatures(llvm::StringRef arch);

#define GEN_PASS_REGISTRATION
#include "FlashAttn/Transforms/Passes.h.inc"

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_TRANSFORMS_PASSES_H
