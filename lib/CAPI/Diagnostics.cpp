//===- Diagnostics.cpp - Diagnostics as text for C API callers ------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"

#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

using namespace mlir;

void fa::printDiagnostic(Diagnostic &diag, llvm::raw_ostream &os) {
  if (auto fileLoc = diag.getLocation()->findInstanceOf<FileLineColLoc>())
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn() << ": ";
  else
    os << diag.getLocation() << ": ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  os << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note, os);
}

fa::DiagnosticsTo::DiagnosticsTo(MLIRContext *context,
                                 MlirStringCallback callback, void *userData) {
  if (!callback)
    return;
  this->context = context;
  printedOp = context->shouldPrintOpOnDiagnostic();
  context->printOpOnDiagnostic(false);
  handler.emplace(context, [=](Diagnostic &diag) {
    std::string text;
    llvm::raw_string_ostream os(text);
    printDiagnostic(diag, os);
    callback(wrap(StringRef(text)), userData);
    return success();
  });
}

fa::DiagnosticsTo::~DiagnosticsTo() {
  if (context)
    context->printOpOnDiagnostic(printedOp);
}
