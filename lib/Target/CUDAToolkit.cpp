//===- CUDAToolkit.cpp - Where the CUDA toolkit and ptxas are -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Target/CUDAToolkit.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::fa;

CUDAToolkit mlir::fa::findCUDAToolkit(llvm::StringRef path) {
  if (!path.empty())
    return {path.str(), "the toolkit option"};
  for (const char *var : kCUDAToolkitEnvVars)
    if (const char *value = std::getenv(var); value && *value)
      return {value, (llvm::Twine("$") + var).str()};
  if (llvm::sys::fs::is_directory(kDefaultCUDAToolkit))
    return {kDefaultCUDAToolkit, "the default"};
  return {};
}

std::string mlir::fa::describeMissingCUDAToolkit() {
  return ("no CUDA toolkit ($" + llvm::Twine(kCUDAToolkitEnvVars[0]) + ", $" +
          kCUDAToolkitEnvVars[1] + " and $" + kCUDAToolkitEnvVars[2] +
          " unset, no " + kDefaultCUDAToolkit + ")")
      .str();
}

/// `toolkit`/bin/ptxas.
static std::string toolkitPtxas(llvm::StringRef toolkit) {
  llvm::SmallString<128> ptxas(toolkit);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  return std::string(ptxas);
}

static bool isExecutableFile(const llvm::Twine &path) {
  return llvm::sys::fs::is_regular_file(path) &&
         llvm::sys::fs::can_execute(path);
}

llvm::Expected<std::string> mlir::fa::findPtxas(llvm::StringRef path,
                                                llvm::StringRef toolkit) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (!path.empty()) {
    if (isExecutableFile(path))
      return path.str();
    return error("ptxas '" + path + "' is not an executable file");
  }
  if (!toolkit.empty()) {
    std::string ptxas = toolkitPtxas(toolkit);
    if (isExecutableFile(ptxas))
      return ptxas;
    return error("no ptxas in the CUDA toolkit '" + toolkit + "' (" + ptxas +
                 " is not an executable file)");
  }
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  CUDAToolkit found = findCUDAToolkit();
  if (found.path.empty())
    return error("ptxas not found: not on $PATH, and " +
                 describeMissingCUDAToolkit());
  std::string ptxas = toolkitPtxas(found.path);
  if (isExecutableFile(ptxas))
    return ptxas;
  return error("ptxas not found: not on $PATH, and not in the CUDA toolkit "
               "of " +
               found.origin + " (" + ptxas + " is not an executable file)");
}
