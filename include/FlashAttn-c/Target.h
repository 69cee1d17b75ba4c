/*===- Target.h - flashattn-mlir compiled kernels, C API ---------*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
|* What `fa-compile` writes, for embedders that drive the pipeline through   *|
|* the C API (Python's flashattn_mlir package): after fa-to-ptx-pipeline,    *|
|* the object of the module's gpu.binary and the kernel manifest            *|
|* (docs/GPU.md), built by the same code as fa-compile's.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FLASHATTN_C_TARGET_H
#define FLASHATTN_C_TARGET_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every function here that takes a result callback and a diagnostic (or
   error) callback passes its one `userData` to both: give it a struct that
   holds what each callback needs (test/CAPI/fa-capi-test.c does). */

/* Passes the module's single gpu.binary to `callback` four times, in this
   order: its object (PTX text, or cubin bytes), its chip (`sm_90a`), its PTX
   features (`+ptx80`) and its format (`ptx` or `cubin`). Fails without
   calling `callback` when there is no gpu.binary, or several; the
   diagnostic goes to `diagCallback` (one string per diagnostic, formatted
   like faRunPassPipeline's) or, when it is null, to the context's
   handlers. */
MLIR_CAPI_EXPORTED MlirLogicalResult
faGetKernelBinary(MlirModule module, MlirStringCallback callback,
                  MlirStringCallback diagCallback, void *userData);

/* Passes the kernel manifest of host function `funcName` (empty: the only
   public one) to `callback` as JSON text, formatted as fa-compile writes
   NAME.json. `ptxFile` and `cubinFile` are the file names the manifest
   lists (empty: left out); `ptxasLog` is `ptxas -v`'s output, from which
   each kernel's `resources` are read (empty: none). Fails, with the
   diagnostic on `diagCallback` as above, on anything the manifest cannot
   express. */
MLIR_CAPI_EXPORTED MlirLogicalResult faBuildKernelManifest(
    MlirModule module, MlirStringRef funcName, MlirStringRef ptxFile,
    MlirStringRef cubinFile, MlirStringRef ptxasLog,
    MlirStringCallback callback, MlirStringCallback diagCallback,
    void *userData);

/* The CUDA toolkit, found as fa-to-ptx-pipeline finds it for its `toolkit`
   option (include/FlashAttn/Target/CUDAToolkit.h): `path` when not empty,
   else the first of $CUDA_ROOT, $CUDA_HOME and $CUDA_PATH that is set, else
   /usr/local/cuda when it exists. Passes its root to `callback`; fails,
   with a message to `errorCallback` (when not null), when there is none. */
MLIR_CAPI_EXPORTED MlirLogicalResult
faFindCUDAToolkit(MlirStringRef path, MlirStringCallback callback,
                  MlirStringCallback errorCallback, void *userData);

/* ptxas, found as fa-compile finds it: `path` when not empty (it must be an
   executable file), else bin/ptxas of `toolkit` when that is not empty,
   else the first ptxas on $PATH, else bin/ptxas of the toolkit
   faFindCUDAToolkit finds. Passes its path to `callback`; fails, with a
   message that says where it looked to `errorCallback` (when not null),
   otherwise. */
MLIR_CAPI_EXPORTED MlirLogicalResult faFindPtxas(
    MlirStringRef path, MlirStringRef toolkit, MlirStringCallback callback,
    MlirStringCallback errorCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // FLASHATTN_C_TARGET_H
