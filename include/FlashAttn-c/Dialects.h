/*===- Dialects.h - flashattn-mlir dialects, C API ---------------*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FLASHATTN_C_DIALECTS_H
#define FLASHATTN_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The `fa` dialect alone: mlirGetDialectHandle__fa__().
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(FA, fa);

/// Adds the `fa` dialect and every upstream dialect, interface model and LLVM
/// IR translation that the project's passes and pipelines consume or produce
/// (func, arith, tensor, linalg, scf, memref, bufferization, gpu, nvgpu, nvvm,
/// llvm, ...), so that a context with this registry can parse, transform and
/// print their inputs and outputs.
MLIR_CAPI_EXPORTED void faRegisterAllDialects(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif // FLASHATTN_C_DIALECTS_H
