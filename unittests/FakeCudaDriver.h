//===- FakeCudaDriver.h - A recording stand-in for libcuda ------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// FakeCudaDriver.cpp defines the CUDA driver API entry points that
// runtime/lib/Runtime.cpp calls (under the symbol names cuda.h gives them,
// e.g. cuMemAlloc_v2), so that a test links the runtime without libcuda and
// without a GPU. The fake keeps what a test wants to check: every call by
// name, each launch's configuration and parameter values, each tensor-map
// encode, and the live device allocations and modules (so a leak on an error
// path shows). Device memory is host memory, so the runtime's copies really
// land and a test can read what a kernel would have been passed.
//
// A test configures the kernels a loaded module contains (their parameter
// sizes, what cuFuncGetParamInfo reports) and makes calls fail with
// failNext().
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_UNITTESTS_FAKECUDADRIVER_H
#define FLASHATTN_UNITTESTS_FAKECUDADRIVER_H

#include <cuda.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fa {
namespace fake {

/// One cuLaunchKernel.
struct Launch {
  std::string kernel;
  unsigned grid[3] = {0, 0, 0};
  unsigned block[3] = {0, 0, 0};
  unsigned sharedBytes = 0;
  CUstream stream = nullptr;
  /// Each parameter's bytes (as many as the kernel's signature says),
  /// zero-extended.
  std::vector<uint64_t> params;
};

/// One cuTensorMapEncodeTiled, its arrays cut to `rank` entries (`strides`
/// to rank - 1).
struct Encode {
  CUtensorMapDataType dtype{};
  unsigned rank = 0;
  uint64_t address = 0;
  std::vector<uint64_t> dims, strides;
  std::vector<unsigned> box, elementStrides;
  CUtensorMapInterleave interleave{};
  CUtensorMapSwizzle swizzle{};
  CUtensorMapL2promotion l2promo{};
  CUtensorMapFloatOOBfill oob{};
};

/// One cuMemcpyHtoDAsync.
struct AsyncCopy {
  CUdeviceptr dst = 0;
  size_t bytes = 0;
  CUstream stream = nullptr;
  /// The host source, which a copy captured into a graph reads again at
  /// every replay (replayCapturedCopies()).
  const void *src = nullptr;
  /// Made on a stream being captured: recorded, not done (as the driver
  /// records it into the graph).
  bool captured = false;
};

struct Driver {
  // What the "device" holds; set by the test.
  int deviceCount = 1;
  /// The kernels every loaded module contains: name -> parameter sizes in
  /// bytes.
  std::map<std::string, std::vector<size_t>> kernels;
  /// Written to the JIT error log when cuModuleLoadDataEx is made to fail.
  std::string jitLog = "ptxas fatal: fake JIT error";
  /// The streams being captured into a CUDA graph (what cuStreamIsCapturing
  /// answers). Each capture is one of the default (global) mode, on some
  /// thread: while any is under way, cuMemAlloc and cuMemFree fail with
  /// CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED on a thread whose capture mode
  /// (cuThreadExchangeStreamCaptureMode) is not relaxed, as the driver's do;
  /// cuCtxSynchronize fails on any thread (it would wait for a stream being
  /// captured), and a cuMemcpyHtoDAsync on a captured stream is recorded,
  /// not done.
  std::set<CUstream> capturing;

  // What the runtime did.
  /// Every driver call by its API name (without _v2), in order; calls of
  /// cuGetErrorName/cuGetErrorString are left out.
  std::vector<std::string> calls;
  std::vector<Launch> launches;
  std::vector<Encode> encodes;
  std::vector<AsyncCopy> asyncCopies;
  /// (kernel, attribute, value) of each cuFuncSetAttribute.
  std::vector<std::pair<std::string, std::pair<int, int>>> attributes;
  /// The images given to cuModuleLoadData ("cubin") / cuModuleLoadDataEx
  /// ("ptx"), in order.
  std::vector<std::pair<std::string, std::string>> loadedImages;
  /// Live allocations: address -> bytes.
  std::map<CUdeviceptr, size_t> allocations;
  int liveModules = 0;

  /// Does the copies captured into a graph (AsyncCopy::captured) again,
  /// from their host sources, as a replay of the graph would.
  void replayCapturedCopies();

  /// Makes `times` calls of `call` (its API name, e.g. "cuLaunchKernel";
  /// a negative count: every call), after the next `after` ones, return
  /// `result`.
  void failNext(const std::string &call, CUresult result, int times = 1,
                int after = 0) {
    failures[call] = {result, times, after};
  }
  /// The number of recorded calls of `call`.
  int count(const std::string &call) const;

  /// Internal: records `call` and returns the injected result, if any.
  CUresult enter(const char *call);

private:
  struct Failure {
    CUresult result;
    int times, after;
  };
  std::map<std::string, Failure> failures;
};

/// The process-wide fake; reset() frees its memory and starts afresh.
Driver &driver();
void reset();
/// Sets the calling thread's current context (cuCtxSetCurrent's effect);
/// nullptr: the thread has none, like a thread that never set one.
void setCurrentContext(CUcontext ctx);
/// CUDA_ERROR_INVALID_CONTEXT where the calling thread has no current
/// context: what the real driver answers the calls that need one.
CUresult requireContext();
/// The calling thread's stream capture mode (global unless exchanged).
CUstreamCaptureMode captureMode();

} // namespace fake
} // namespace fa

#endif // FLASHATTN_UNITTESTS_FAKECUDADRIVER_H
