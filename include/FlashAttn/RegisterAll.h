//===- RegisterAll.h - Register flashattn-mlir with a host ------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The one place that knows every dialect and pass of the project. Drivers
// and embedders call these instead of listing registrations themselves, so a
// new pass in a Passes.td reaches fa-opt, the mlir-opt plugin and the C API
// at once.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_REGISTERALL_H
#define FLASHATTN_REGISTERALL_H

namespace mlir {
class DialectRegistry;
namespace fa {

/// Adds the project's own dialects (and their external models) to `registry`.
void registerFlashAttnDialects(DialectRegistry &registry);

/// Registers the project's own passes and pass pipelines. A new Passes.td
/// gets one line here; passes added to an existing Passes.td need nothing.
void registerFlashAttnPasses();

/// Adds the project's dialects and every upstream dialect, interface model
/// and LLVM IR translation that the project's pipelines consume or produce,
/// so that a host with nothing registered can parse, transform and print
/// their inputs and outputs.
void registerAllDialects(DialectRegistry &registry);

/// Registers the project's passes and the upstream passes and pipelines that
/// the project's pipelines and tests name.
void registerAllPasses();

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_REGISTERALL_H
