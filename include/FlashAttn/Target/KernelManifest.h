//===- KernelManifest.h - Launch description of compiled kernels -*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// After fa-to-ptx-pipeline, a host function holds only what a launcher needs
// to replay: constants, device buffers (its memref arguments and
// memref.alloc'd intermediates) and gpu.launch_func ops in order. This reads
// that function and the gpu.binary it launches from, and describes both as a
// JSON manifest that the runtime (runtime/, CUDA driver API, no MLIR) can
// launch: kernel names in launch order, grid, block, dynamic shared memory,
// and every kernel parameter spelled out as the LLVM lowering passes it
// (a memref is allocated ptr, aligned ptr, offset, sizes..., strides...).
// docs/GPU.md documents the format.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_TARGET_KERNELMANIFEST_H
#define FLASHATTN_TARGET_KERNELMANIFEST_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>

namespace mlir {
namespace fa {

/// Resource usage of one kernel as `ptxas -v` reports it.
struct KernelResources {
  int64_t registers = -1;
  int64_t staticSharedBytes = 0;
  int64_t stackFrameBytes = 0;
  int64_t spillStoreBytes = 0;
  int64_t spillLoadBytes = 0;
};

/// Parses the `ptxas -v` log into per-kernel resources.
llvm::StringMap<KernelResources> parsePtxasLog(StringRef log);

/// The compiled device code of a module after fa-to-ptx-pipeline.
struct KernelBinary {
  /// Name of the gpu.binary op.
  std::string name;
  /// SM architecture it was compiled for (the #nvvm.target chip).
  std::string chip;
  /// PTX features (`+ptx80`).
  std::string features;
  /// True when `object` is PTX text, false when it is a cubin.
  bool isPTX = true;
  std::string object;
};

/// Returns the module's single gpu.binary, or fails with a diagnostic when
/// there is none, several, or its object is neither PTX nor a cubin.
FailureOr<KernelBinary> getKernelBinary(ModuleOp module);

/// Whether every parameter of `kernels` (a manifest's "kernels") that names
/// manifest argument `arg` reads or writes it through the launch's strides
/// (D128), so that the argument carries `"caller_strides": true`: a
/// `tensormap` of the argument's own shape and strides (the runtime encodes
/// it with the caller's), or a memref descriptor whose sizes are the
/// argument's shape and whose stride d is a `{"type": "i64", "stride_of":
/// NAME, "dim": d}` parameter. Any other use (a descriptor with constant
/// strides, a lone pointer) says no. The runtime checks the same at load.
bool takesCallerStrides(const llvm::json::Object &arg,
                        const llvm::json::Array &kernels);

/// Builds the manifest of host function `funcName` (empty: the module's only
/// public function). `files` names the object files next to the manifest
/// (keys `ptx`, `cubin`); `resources` adds ptxas's report per kernel. Fails
/// with a diagnostic on any host operation the manifest cannot express.
FailureOr<llvm::json::Object>
buildKernelManifest(ModuleOp module, StringRef funcName,
                    const llvm::StringMap<std::string> &files,
                    const llvm::StringMap<KernelResources> &resources);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_TARGET_KERNELMANIFEST_H
