//===- FakeCudaDriver.cpp - A recording stand-in for libcuda --------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The driver entry points runtime/lib/Runtime.cpp uses, and no others: a
// new call in the runtime fails to link here until the fake learns it. The
// definitions go through cuda.h's macros, so each one gets the exported name
// the runtime's call resolves to (cuMemAlloc is cuMemAlloc_v2, ...).
//
//===----------------------------------------------------------------------===//

#include "FakeCudaDriver.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

// The handles cuda.h leaves opaque.
struct CUctx_st {
  int device = 0;
};
struct CUfunc_st {
  std::string name;
  std::vector<size_t> params;
};
struct CUmod_st {
  std::map<std::string, CUfunc_st> functions;
};

namespace fa {
namespace fake {
namespace {
Driver theDriver;
std::recursive_mutex callMutex;
std::set<CUmod_st *> modules;
CUctx_st contexts[8];
/// The current context is the calling thread's, as in the real driver: a
/// thread that never set one (autograd's device thread) has none.
thread_local CUcontext threadContext = nullptr;
thread_local CUstreamCaptureMode threadCaptureMode =
    CU_STREAM_CAPTURE_MODE_GLOBAL;

/// CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED where a capture forbids the
/// calling thread an allocation or a free (Driver::capturing).
CUresult allowedDuringCaptures() {
  return !theDriver.capturing.empty() &&
                 threadCaptureMode != CU_STREAM_CAPTURE_MODE_RELAXED
             ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED
             : CUDA_SUCCESS;
}

/// The allocation holding [ptr, ptr + bytes), or null.
unsigned char *deviceRange(CUdeviceptr ptr, size_t bytes) {
  auto it = theDriver.allocations.upper_bound(ptr);
  if (it == theDriver.allocations.begin())
    return nullptr;
  --it;
  if (ptr + bytes > it->first + it->second)
    return nullptr;
  return reinterpret_cast<unsigned char *>(ptr);
}
} // namespace

Driver &driver() { return theDriver; }

void setCurrentContext(CUcontext ctx) { threadContext = ctx; }

CUresult requireContext() {
  return threadContext ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

CUstreamCaptureMode captureMode() { return threadCaptureMode; }

void reset() {
  for (auto &[ptr, bytes] : theDriver.allocations)
    std::free(reinterpret_cast<void *>(ptr));
  for (CUmod_st *m : modules)
    delete m;
  modules.clear();
  theDriver = Driver();
  threadContext = nullptr;
  threadCaptureMode = CU_STREAM_CAPTURE_MODE_GLOBAL;
}

int Driver::count(const std::string &call) const {
  int n = 0;
  for (const std::string &c : calls)
    n += c == call;
  return n;
}

void Driver::replayCapturedCopies() {
  for (const AsyncCopy &copy : asyncCopies)
    if (copy.captured)
      if (unsigned char *d = fa::fake::deviceRange(copy.dst, copy.bytes))
        std::memcpy(d, copy.src, copy.bytes);
}

CUresult Driver::enter(const char *call) {
  calls.push_back(call);
  auto it = failures.find(call);
  if (it == failures.end())
    return CUDA_SUCCESS;
  Failure &f = it->second;
  if (f.after > 0) {
    --f.after;
    return CUDA_SUCCESS;
  }
  CUresult result = f.result;
  if (f.times > 0 && --f.times == 0)
    failures.erase(it);
  return result;
}

} // namespace fake
} // namespace fa

using fa::fake::theDriver;

// Every entry point holds the fake's lock while it records (the runtime may
// be called from several threads).
#define FAKE_ENTER(call)                                                       \
  std::lock_guard<std::recursive_mutex> fakeLock(fa::fake::callMutex);         \
  if (CUresult injected = theDriver.enter(call))                               \
  return injected

extern "C" {

CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr) {
  switch (error) {
#define FAKE_NAME(e)                                                           \
  case e:                                                                      \
    *pStr = #e;                                                                \
    return CUDA_SUCCESS;
    FAKE_NAME(CUDA_SUCCESS)
    FAKE_NAME(CUDA_ERROR_INVALID_VALUE)
    FAKE_NAME(CUDA_ERROR_OUT_OF_MEMORY)
    FAKE_NAME(CUDA_ERROR_NOT_INITIALIZED)
    FAKE_NAME(CUDA_ERROR_NO_DEVICE)
    FAKE_NAME(CUDA_ERROR_INVALID_IMAGE)
    FAKE_NAME(CUDA_ERROR_INVALID_PTX)
    FAKE_NAME(CUDA_ERROR_INVALID_HANDLE)
    FAKE_NAME(CUDA_ERROR_NOT_FOUND)
    FAKE_NAME(CUDA_ERROR_ILLEGAL_ADDRESS)
    FAKE_NAME(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
    FAKE_NAME(CUDA_ERROR_MISALIGNED_ADDRESS)
    FAKE_NAME(CUDA_ERROR_LAUNCH_FAILED)
    FAKE_NAME(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED)
    FAKE_NAME(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED)
#undef FAKE_NAME
  default:
    // What the real driver does with a value it does not know.
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr) {
  const char *name = nullptr;
  CUresult known = cuGetErrorName(error, &name);
  *pStr = known == CUDA_SUCCESS ? "fake driver error" : nullptr;
  return known;
}

CUresult CUDAAPI cuInit(unsigned int) {
  FAKE_ENTER("cuInit");
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int *count) {
  FAKE_ENTER("cuDeviceGetCount");
  *count = theDriver.deviceCount;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
  FAKE_ENTER("cuDeviceGet");
  if (ordinal < 0 || ordinal >= theDriver.deviceCount || ordinal >= 8)
    return CUDA_ERROR_INVALID_VALUE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice device) {
  FAKE_ENTER("cuDeviceGetName");
  std::snprintf(name, static_cast<size_t>(len), "Fake CUDA Device %d",
                static_cast<int>(device));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice device) {
  FAKE_ENTER("cuDevicePrimaryCtxRetain");
  fa::fake::contexts[device].device = device;
  *ctx = &fa::fake::contexts[device];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) {
  FAKE_ENTER("cuCtxSetCurrent");
  fa::fake::setCurrentContext(ctx);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxGetCurrent(CUcontext *ctx) {
  FAKE_ENTER("cuCtxGetCurrent");
  *ctx = fa::fake::threadContext;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSynchronize(void) {
  FAKE_ENTER("cuCtxSynchronize");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  return theDriver.capturing.empty() ? CUDA_SUCCESS
                                     : CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream) {
  FAKE_ENTER("cuStreamSynchronize");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamIsCapturing(CUstream stream,
                                     CUstreamCaptureStatus *status) {
  FAKE_ENTER("cuStreamIsCapturing");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  *status = theDriver.capturing.count(stream) ? CU_STREAM_CAPTURE_STATUS_ACTIVE
                                              : CU_STREAM_CAPTURE_STATUS_NONE;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuThreadExchangeStreamCaptureMode(CUstreamCaptureMode *mode) {
  FAKE_ENTER("cuThreadExchangeStreamCaptureMode");
  std::swap(*mode, fa::fake::threadCaptureMode);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr *ptr, size_t bytes) {
  FAKE_ENTER("cuMemAlloc");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (CUresult forbidden = fa::fake::allowedDuringCaptures())
    return forbidden;
  if (bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  // The driver's allocations are at least 256-byte aligned.
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  *ptr = reinterpret_cast<CUdeviceptr>(p);
  theDriver.allocations[*ptr] = bytes;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr ptr) {
  FAKE_ENTER("cuMemFree");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (CUresult forbidden = fa::fake::allowedDuringCaptures())
    return forbidden;
  auto it = theDriver.allocations.find(ptr);
  if (it == theDriver.allocations.end())
    return CUDA_ERROR_INVALID_VALUE;
  std::free(reinterpret_cast<void *>(ptr));
  theDriver.allocations.erase(it);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dst, const void *src, size_t bytes) {
  FAKE_ENTER("cuMemcpyHtoD");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  unsigned char *d = fa::fake::deviceRange(dst, bytes);
  if (!d)
    return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(d, src, bytes);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dst, const void *src,
                                   size_t bytes, CUstream stream) {
  FAKE_ENTER("cuMemcpyHtoDAsync");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  unsigned char *d = fa::fake::deviceRange(dst, bytes);
  if (!d)
    return CUDA_ERROR_INVALID_VALUE;
  bool captured = theDriver.capturing.count(stream) != 0;
  if (!captured)
    std::memcpy(d, src, bytes);
  theDriver.asyncCopies.push_back({dst, bytes, stream, src, captured});
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoH(void *dst, CUdeviceptr src, size_t bytes) {
  FAKE_ENTER("cuMemcpyDtoH");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  unsigned char *s = fa::fake::deviceRange(src, bytes);
  if (!s)
    return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(dst, s, bytes);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemsetD8(CUdeviceptr dst, unsigned char value,
                            size_t bytes) {
  FAKE_ENTER("cuMemsetD8");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  unsigned char *d = fa::fake::deviceRange(dst, bytes);
  if (!d)
    return CUDA_ERROR_INVALID_VALUE;
  std::memset(d, value, bytes);
  return CUDA_SUCCESS;
}

namespace {
CUresult loadModule(CUmodule *module, const char *image, const char *format) {
  theDriver.loadedImages.emplace_back(format, image);
  auto *m = new CUmod_st();
  for (const auto &[name, params] : theDriver.kernels)
    m->functions[name] = CUfunc_st{name, params};
  fa::fake::modules.insert(m);
  ++theDriver.liveModules;
  *module = m;
  return CUDA_SUCCESS;
}
} // namespace

CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image) {
  FAKE_ENTER("cuModuleLoadData");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  return loadModule(module, static_cast<const char *>(image), "cubin");
}

CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module, const void *image,
                                    unsigned int numOptions,
                                    CUjit_option *options,
                                    void **optionValues) {
  std::lock_guard<std::recursive_mutex> fakeLock(fa::fake::callMutex);
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (CUresult injected = theDriver.enter("cuModuleLoadDataEx")) {
    // The driver writes the JIT's complaint into the caller's log buffer.
    char *log = nullptr;
    size_t size = 0;
    for (unsigned i = 0; i < numOptions; ++i) {
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
        log = static_cast<char *>(optionValues[i]);
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
        size = reinterpret_cast<size_t>(optionValues[i]);
    }
    if (log && size)
      std::snprintf(log, size, "%s", theDriver.jitLog.c_str());
    return injected;
  }
  return loadModule(module, static_cast<const char *>(image), "ptx");
}

CUresult CUDAAPI cuModuleUnload(CUmodule module) {
  FAKE_ENTER("cuModuleUnload");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (!fa::fake::modules.erase(module))
    return CUDA_ERROR_INVALID_HANDLE;
  delete module;
  --theDriver.liveModules;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *function, CUmodule module,
                                     const char *name) {
  FAKE_ENTER("cuModuleGetFunction");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (!fa::fake::modules.count(module))
    return CUDA_ERROR_INVALID_HANDLE;
  auto it = module->functions.find(name);
  if (it == module->functions.end())
    return CUDA_ERROR_NOT_FOUND;
  *function = &it->second;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction function,
                                    CUfunction_attribute attribute, int value) {
  FAKE_ENTER("cuFuncSetAttribute");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  theDriver.attributes.push_back(
      {function->name, {static_cast<int>(attribute), value}});
  return CUDA_SUCCESS;
}

#if CUDA_VERSION >= 12040
CUresult CUDAAPI cuFuncGetParamInfo(CUfunction function, size_t index,
                                    size_t *offset, size_t *size) {
  FAKE_ENTER("cuFuncGetParamInfo");
  if (index >= function->params.size())
    return CUDA_ERROR_INVALID_VALUE;
  // Each parameter at the next offset aligned to its size, as in PTX.
  size_t at = 0;
  for (size_t i = 0; i <= index; ++i) {
    size_t bytes = function->params[i];
    at = (at + bytes - 1) / bytes * bytes;
    if (i < index)
      at += bytes;
  }
  *offset = at;
  *size = function->params[index];
  return CUDA_SUCCESS;
}
#endif

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridX,
                                unsigned int gridY, unsigned int gridZ,
                                unsigned int blockX, unsigned int blockY,
                                unsigned int blockZ, unsigned int sharedBytes,
                                CUstream stream, void **kernelParams,
                                void **extra) {
  FAKE_ENTER("cuLaunchKernel");
  if (CUresult noContext = fa::fake::requireContext())
    return noContext;
  if (extra || (!kernelParams && !f->params.empty()))
    return CUDA_ERROR_INVALID_VALUE;
  fa::fake::Launch launch;
  launch.kernel = f->name;
  launch.grid[0] = gridX, launch.grid[1] = gridY, launch.grid[2] = gridZ;
  launch.block[0] = blockX, launch.block[1] = blockY, launch.block[2] = blockZ;
  launch.sharedBytes = sharedBytes;
  launch.stream = stream;
  // The driver copies exactly the signature's bytes from each pointer.
  for (size_t i = 0; i < f->params.size(); ++i) {
    uint64_t value = 0;
    std::memcpy(&value, kernelParams[i], f->params[i]);
    launch.params.push_back(value);
  }
  theDriver.launches.push_back(std::move(launch));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuTensorMapEncodeTiled(
    CUtensorMap *map, CUtensorMapDataType dtype, cuuint32_t rank, void *address,
    const cuuint64_t *dims, const cuuint64_t *strides, const cuuint32_t *box,
    const cuuint32_t *elementStrides, CUtensorMapInterleave interleave,
    CUtensorMapSwizzle swizzle, CUtensorMapL2promotion l2promo,
    CUtensorMapFloatOOBfill oob) {
  FAKE_ENTER("cuTensorMapEncodeTiled");
  auto addr = reinterpret_cast<uint64_t>(address);
  // The real driver's documented requirements (cuda.h), so that a map the
  // runtime lets through fails here as it would on a GPU.
  bool interleaved = interleave != CU_TENSOR_MAP_INTERLEAVE_NONE;
  uint64_t unit = interleave == CU_TENSOR_MAP_INTERLEAVE_32B ? 32 : 16;
  if (rank < 1 || rank > 5 || (interleaved && rank < 3) || addr % unit != 0)
    return CUDA_ERROR_INVALID_VALUE;
  uint64_t elementBytes = dtype == CU_TENSOR_MAP_DATA_TYPE_FLOAT32 ? 4 : 2;
  for (unsigned i = 0; i < rank; ++i)
    if (dims[i] == 0 || dims[i] > (uint64_t(1) << 32) || box[i] == 0 ||
        box[i] > 256 || elementStrides[i] == 0 || elementStrides[i] > 8 ||
        (i + 1 < rank &&
         (strides[i] % unit != 0 || strides[i] >= (uint64_t(1) << 40))))
      return CUDA_ERROR_INVALID_VALUE;
  uint64_t swizzleBytes = swizzle == CU_TENSOR_MAP_SWIZZLE_32B   ? 32
                          : swizzle == CU_TENSOR_MAP_SWIZZLE_64B ? 64
                          : swizzle == CU_TENSOR_MAP_SWIZZLE_NONE ? 0
                                                                  : 128;
  if (!interleaved && (box[0] * elementBytes % 16 != 0 ||
                       (swizzleBytes && box[0] * elementBytes > swizzleBytes)))
    return CUDA_ERROR_INVALID_VALUE;
  if (interleave == CU_TENSOR_MAP_INTERLEAVE_32B &&
      swizzle != CU_TENSOR_MAP_SWIZZLE_32B)
    return CUDA_ERROR_INVALID_VALUE;
  fa::fake::Encode e;
  e.dtype = dtype;
  e.rank = rank;
  e.address = addr;
  e.dims.assign(dims, dims + rank);
  e.strides.assign(strides, strides + rank - 1);
  e.box.assign(box, box + rank);
  e.elementStrides.assign(elementStrides, elementStrides + rank);
  e.interleave = interleave;
  e.swizzle = swizzle;
  e.l2promo = l2promo;
  e.oob = oob;
  theDriver.encodes.push_back(e);
  // An encoding that differs where the arguments do, with the address
  // first so that a test can read it back from device memory.
  std::memset(map, 0, sizeof(*map));
  map->opaque[0] = addr;
  map->opaque[1] = rank | dtype << 8 | swizzle << 16 | l2promo << 24 |
                   static_cast<uint64_t>(oob) << 32 |
                   static_cast<uint64_t>(interleave) << 40;
  for (unsigned i = 0; i < rank; ++i)
    map->opaque[2 + i] = dims[i] << 16 | box[i];
  for (unsigned i = 0; i + 1 < rank; ++i)
    map->opaque[7 + i] = strides[i];
  return CUDA_SUCCESS;
}

} // extern "C"
