//===- CUDAToolkit.h - Where the CUDA toolkit and ptxas are -----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The one search for the CUDA toolkit (gpu-module-to-binary links libdevice
// from it) and for ptxas (which assembles the PTX into a cubin). Used by
// fa-to-ptx-pipeline, fa-compile and the C API, which Python calls.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_TARGET_CUDATOOLKIT_H
#define FLASHATTN_TARGET_CUDATOOLKIT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
namespace fa {

/// The environment variables that name a CUDA toolkit, in the order they are
/// read, and the directory tried after them.
inline constexpr const char *kCUDAToolkitEnvVars[] = {"CUDA_ROOT", "CUDA_HOME",
                                                      "CUDA_PATH"};
inline constexpr const char *kDefaultCUDAToolkit = "/usr/local/cuda";

/// A CUDA toolkit's root and what named it.
struct CUDAToolkit {
  /// The root (it holds bin/, nvvm/libdevice/); empty when none was found.
  std::string path;
  /// `the toolkit option`, `$CUDA_HOME`, ... or `the default`: for messages.
  std::string origin;
};

/// The CUDA toolkit: `path` when it is not empty, else the first of
/// $CUDA_ROOT, $CUDA_HOME and $CUDA_PATH that is set and not empty (as
/// given: it is not checked), else /usr/local/cuda when it is a directory.
CUDAToolkit findCUDAToolkit(llvm::StringRef path = "");

/// Why findCUDAToolkit("") found none: `no CUDA toolkit ($CUDA_ROOT,
/// $CUDA_HOME and $CUDA_PATH unset, no /usr/local/cuda)`.
std::string describeMissingCUDAToolkit();

/// ptxas: `path` when it is not empty (it must be an executable file); else,
/// when `toolkit` is not empty, its bin/ptxas (a toolkit named explicitly
/// is used whole); else the first ptxas on $PATH; else bin/ptxas of
/// findCUDAToolkit(). Otherwise an error that says where it looked.
llvm::Expected<std::string> findPtxas(llvm::StringRef path = "",
                                      llvm::StringRef toolkit = "");

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_TARGET_CUDATOOLKIT_H
