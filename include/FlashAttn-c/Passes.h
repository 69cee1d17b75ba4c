/*===- Passes.h - flashattn-mlir passes, C API -------------------*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FLASHATTN_C_PASSES_H
#define FLASHATTN_C_PASSES_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

/* Generated from the Passes.td files: mlirRegisterFAPasses() registers every
   pass of the fa dialect, mlirRegisterFAConversionPasses() every conversion;
   for each pass `<Def>` (e.g. FASetTargetPass) there are
   mlirCreate<Prefix><Def>() and mlirRegister<Prefix><Def>() (e.g.
   mlirCreateFAFASetTargetPass, mlirCreateFAConversionConvertFAToGPUPass). */
#include "FlashAttn/Conversion/Passes.capi.h.inc"
#include "FlashAttn/Dialect/FA/Transforms/Passes.capi.h.inc"

#ifdef __cplusplus
extern "C" {
#endif

/// Registers the project's passes and pipelines, and the upstream passes and
/// pipelines that they and the tests name (canonicalize, one-shot-bufferize,
/// convert-to-llvm, gpu-lower-to-nvvm-pipeline, ...), so that a textual
/// pipeline can use any of them.
MLIR_CAPI_EXPORTED void faRegisterAllPasses(void);

/// Creates a context whose registry holds everything faRegisterAllDialects
/// adds. The caller owns it (mlirContextDestroy).
MLIR_CAPI_EXPORTED MlirContext faContextCreate(void);

/// Parses `pipeline`, a textual pass pipeline, and runs it on `module`.
/// The pipeline is either anchored, `builtin.module(fa-set-target{...},
/// func.func(fa-decompose-attention))`, or a bare list of passes that is run
/// on the module, `fa-set-target{target=h100},canonicalize`. Passes must be
/// registered (faRegisterAllPasses). When `callback` is non-null, the
/// pipeline's parse errors and every diagnostic emitted while it runs are
/// sent to it as text (a diagnostic ends with a newline), and not to the
/// context's other handlers; otherwise they go to the context's handlers as
/// usual. Returns failure if the pipeline does not parse, a pass fails, or
/// the result does not verify.
MLIR_CAPI_EXPORTED MlirLogicalResult
faRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                  MlirStringCallback callback, void *userData);

/* One option of a registered pipeline (faGetPipelineOptions). The strings
   and arrays live until the callback returns. */
typedef struct FAPipelineOption {
  MlirStringRef name;         /* as written in the pipeline: wgmma-release */
  MlirStringRef description;
  MlirStringRef type;         /* string, int, uint, bool or enum */
  MlirStringRef defaultValue; /* spelled as the parser reads it */
  intptr_t numValues;         /* enum: the values the parser accepts; else 0 */
  const MlirStringRef *values;
  const MlirStringRef *valueDescriptions;
} FAPipelineOption;

typedef void (*FAPipelineOptionCallback)(const FAPipelineOption *option,
                                         void *userData);

/* Passes every option of the pipeline registered as `pipeline` to
   `callback`, in declaration order, so that a caller can check option
   values (an enum's allowed values included) before it runs the pipeline.
   Fails for a pipeline that does not describe its options: only
   fa-to-ptx-pipeline does (MLIR's registry does not expose a pipeline's
   options). */
MLIR_CAPI_EXPORTED MlirLogicalResult
faGetPipelineOptions(MlirStringRef pipeline, FAPipelineOptionCallback callback,
                     void *userData);

#ifdef __cplusplus
}
#endif

#endif // FLASHATTN_C_PASSES_H
