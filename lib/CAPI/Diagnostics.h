//===- Diagnostics.h - Diagnostics as text for C API callers ----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_CAPI_DIAGNOSTICS_H
#define FLASHATTN_LIB_CAPI_DIAGNOSTICS_H

#include "mlir-c/Support.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace mlir {
namespace fa {

/// Prints `diag` and its notes the way mlir-opt does: `file:line:col: error:
/// message`, one line each.
void printDiagnostic(Diagnostic &diag, llvm::raw_ostream &os);

/// While it lives, sends every diagnostic of `context` to `callback` as
/// printDiagnostic's text, one call each, and to no other handler, without
/// the "see current operation" note that would print the whole op (a
/// module, for a pass that fails on it). Does nothing when `callback` is
/// null: the context's handlers see them.
class DiagnosticsTo {
public:
  DiagnosticsTo(MLIRContext *context, MlirStringCallback callback,
                void *userData);
  ~DiagnosticsTo();

private:
  std::optional<ScopedDiagnosticHandler> handler;
  MLIRContext *context = nullptr;
  bool printedOp = false;
};

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_CAPI_DIAGNOSTICS_H
