//===- FakeCudaDriverC.cpp - The fake CUDA driver's C API for ctypes ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// libfa_runtime_fake.so is runtime/ linked against FakeCudaDriver.cpp instead
// of libcuda: the Python package's real launch path (ctypes into faRtLoad and
// faRtLaunch) runs without a GPU, for python/tests/test_fake_driver.py and
// `bench/benchmark/overhead.py fake`. These functions tell the fake which
// kernels a module holds (it cannot read a cubin) and read back what the
// runtime launched.
//
//===----------------------------------------------------------------------===//

#include "FakeCudaDriver.h"

#include <cstdint>

using fa::fake::driver;

extern "C" {

/// Every module loaded from now on holds kernel `name`, whose parameters
/// are `numParams` values of `paramBytes[i]` bytes each.
void faFakeDefineKernel(const char *name, const int64_t *paramBytes,
                        int numParams) {
  std::vector<size_t> &params = driver().kernels[name];
  params.assign(paramBytes, paramBytes + numParams);
}

/// The number of cuLaunchKernel calls recorded since the last faFakeForget.
int64_t faFakeNumLaunches(void) {
  return static_cast<int64_t>(driver().launches.size());
}

/// The number of cuTensorMapEncodeTiled calls recorded since the last
/// faFakeForget.
int64_t faFakeNumEncodes(void) {
  return static_cast<int64_t>(driver().encodes.size());
}

/// Launch `index`'s kernel name (NULL when out of range) and, in
/// `params` (room for `maxParams`), its parameter values; returns the
/// number of parameters, -1 when out of range.
const char *faFakeLaunchKernel(int64_t index) {
  if (index < 0 || index >= faFakeNumLaunches())
    return nullptr;
  return driver().launches[index].kernel.c_str();
}
int faFakeLaunchParams(int64_t index, uint64_t *params, int maxParams) {
  if (index < 0 || index >= faFakeNumLaunches())
    return -1;
  const std::vector<uint64_t> &values = driver().launches[index].params;
  for (size_t i = 0; i < values.size() && static_cast<int>(i) < maxParams; ++i)
    params[i] = values[i];
  return static_cast<int>(values.size());
}

/// Drops the records of calls, launches, encodes and copies (a benchmark's
/// memory stays flat); the fake's devices, modules and memory stay.
void faFakeForget(void) {
  driver().calls.clear();
  driver().launches.clear();
  driver().encodes.clear();
  driver().asyncCopies.clear();
}

} // extern "C"
