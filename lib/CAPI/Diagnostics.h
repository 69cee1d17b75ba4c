//===- Diagnostics.h - Diagnostics as text for C API callers ----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_CAPI_DIAGNOSTICS_H
#define FLASHATTN_LIB_CAPI_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace fa {

/// Prints `diag` and its notes the way mlir-opt does: `file:line:col: error:
/// message`, one line each.
void printDiagnostic(Diagnostic &diag, llvm::raw_ostream &os);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_CAPI_DIAGNOSTICS_H
