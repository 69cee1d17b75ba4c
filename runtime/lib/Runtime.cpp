//===- Runtime.cpp - Load and launch fa-compile's kernels -----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The CUDA driver API behind include/fa/runtime.h. Every driver call goes
// through check(), which records "<call> (<context>) failed: <CUDA error
// name>: <description>" as the thread's last error.
//
//===----------------------------------------------------------------------===//

#include "fa/runtime.h"

#include "Json.h"

#include <cuda.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using fa::rt::JsonValue;

namespace {
thread_local std::string lastError;
CUdevice currentDevice = 0;
/// The context the last successful faRtInit made current (null before, or
/// after a failed one): ensureContext() gives it to threads without one.
/// A faRtInit that succeeds replaces it without clearing it first, so that
/// another thread never finds none meanwhile (D81).
std::atomic<CUcontext> initContext{nullptr};
/// Serializes faRtInit (the Python runtime's init may run on two threads:
/// ctypes releases the GIL), which writes deviceName and currentDevice.
std::mutex initMutex;
std::string deviceName;

bool setError(const std::string &message) {
  lastError = message;
  return false;
}

/// Records a failing driver call; true when `result` is CUDA_SUCCESS.
bool check(CUresult result, const char *call, const std::string &context = "") {
  if (result == CUDA_SUCCESS)
    return true;
  const char *name = nullptr;
  const char *description = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = "unknown CUresult";
  if (cuGetErrorString(result, &description) != CUDA_SUCCESS)
    description = "";
  std::ostringstream os;
  os << call;
  if (!context.empty())
    os << " (" << context << ")";
  os << " failed: " << name << " (" << static_cast<int>(result)
     << "): " << description;
  return setError(os.str());
}

/// `text` with its control characters escaped as \u00XX (a NUL would end
/// the C string of faRtGetLastError).
std::string printable(const std::string &text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20) {
      out += c;
      continue;
    }
    const char *hex = "0123456789abcdef";
    out += "\\u00";
    out += hex[byte >> 4];
    out += hex[byte & 15];
  }
  return out;
}

bool readFile(const std::string &path, std::string &contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return setError("cannot open '" + path + "'");
  std::ostringstream os;
  os << in.rdbuf();
  contents = os.str();
  return true;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Size in bytes of one kernel parameter of manifest type `type`, or 0.
size_t paramSize(const std::string &type) {
  // A tensor map is passed as a pointer to its encoding in device memory.
  if (type == "ptr" || type == "tensormap" || type == "i64" || type == "f64")
    return 8;
  if (type == "i32" || type == "f32")
    return 4;
  if (type == "i16" || type == "f16" || type == "bf16")
    return 2;
  // An i1 is passed as `.param .u8` (NVPTX).
  if (type == "i8" || type == "i1")
    return 1;
  return 0;
}

/// A TMA tensor map over a buffer: cuTensorMapEncodeTiled's arguments,
/// innermost dimension first.
struct TensorMapSpec {
  int buffer = -1;
  CUtensorMapDataType dtype = CU_TENSOR_MAP_DATA_TYPE_UINT8;
  int64_t elementBytes = 1;
  cuuint32_t rank = 0;
  cuuint64_t dims[5] = {};
  /// Bytes between consecutive indices of dimensions 1 .. rank-1.
  cuuint64_t strides[4] = {};
  cuuint32_t box[5] = {};
  cuuint32_t elementStrides[5] = {1, 1, 1, 1, 1};
  CUtensorMapInterleave interleave = CU_TENSOR_MAP_INTERLEAVE_NONE;
  CUtensorMapSwizzle swizzle = CU_TENSOR_MAP_SWIZZLE_NONE;
  CUtensorMapL2promotion l2promo = CU_TENSOR_MAP_L2_PROMOTION_NONE;
  CUtensorMapFloatOOBfill oob = CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE;
};

struct Param {
  /// Index into FaRtModule::buffers for pointers, -1 for scalars.
  int buffer = -1;
  /// For a `stride_of` i64: the argument and dimension whose launch stride
  /// it passes (`bits` holds the manifest's, passed when the launch gives
  /// none), -1 otherwise.
  int strideOf = -1;
  int strideDim = -1;
  /// Index into Kernel::tensorMaps for tensor maps (passed as a pointer to
  /// the encoded map in device memory), -1 otherwise.
  int tensorMap = -1;
  uint64_t bits = 0;
  size_t size = 8;
};

struct Kernel {
  std::string name;
  CUfunction function = nullptr;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned sharedBytes = 0;
  std::vector<Param> params;
  std::vector<TensorMapSpec> tensorMaps;
};

/// Encoded tensor maps in device memory, one copy per distinct set of maps
/// a launch needs and stream (the same buffers give the same maps: a loop
/// over the same tensors copies once; the copy is ordered before the
/// launches of its own stream only). A slot is never rewritten while a
/// kernel may read it: when the chunks are full, the context is synchronized
/// before they are reused. A chunk that a launch in a CUDA graph capture
/// uses is never reused: the graph's kernels read their slots at every
/// replay, and a copy captured with them reads its host bytes again (D86).
struct TensorMapPool {
  static constexpr size_t kChunkBytes = 64 * 1024;
  static constexpr size_t kMaxChunks = 16;
  using Copies = std::map<std::pair<uintptr_t, std::string>, CUdeviceptr>;
  std::vector<CUdeviceptr> chunks;
  /// Per chunk: whether a captured launch uses one of its slots.
  std::vector<bool> captured;
  size_t current = 0, used = 0;
  /// (stream, the maps' bytes) -> their device copy. The keys' bytes are
  /// the copies' sources.
  Copies copies;
  /// (stream, kernel index, the maps' buffer addresses) -> their device
  /// copy: a map is a function of its spec and its address alone, so a
  /// launch on buffers seen before neither encodes nor copies (a training
  /// loop gets the same addresses back from torch's caching allocator).
  std::map<std::vector<uint64_t>, CUdeviceptr> byAddress;
  /// The captured chunks, and the copies into them (their keys are the
  /// captured copies' host sources), once the pool moved past them: kept
  /// until faRtUnload, which is as long as a graph may be replayed.
  std::vector<CUdeviceptr> retiredChunks;
  std::vector<Copies::node_type> retiredCopies;
};

/// faRtLaunch's working arrays, kept between launches (no allocation on
/// the launch path once they have grown).
struct LaunchScratch {
  std::vector<uint64_t> storage;
  std::vector<void *> pointers;
  std::vector<uint64_t> bufferPtrs;
  std::vector<CUdeviceptr> maps;
  std::vector<uint64_t> mapKey;
  /// A strided launch's strides per argument (null: its dense ones),
  /// normalised, pointing into `strideValues`.
  std::vector<const int64_t *> strides;
  std::vector<int64_t> strideValues;
};

struct Buffer {
  std::string name;
  /// The manifest's element type ("" when it gives none).
  std::string dtype;
  int64_t bytes = 0;
  /// Arguments are bound per launch; a scratch buffer's memory is in the
  /// module's scratch sets.
  bool isArgument = false;
  /// The byte alignment the kernel needs of an argument's address (the
  /// manifest's optional "align"; 1: none).
  int64_t align = 1;
  /// The manifest's shape and strides (elements, outermost first; empty
  /// without a shape).
  std::vector<int64_t> shape, strides;
  /// "caller_strides": a launch may give the argument's strides (D128).
  bool callerStrides = false;
  /// Listed in "results": the kernels write it.
  bool isResult = false;
};

/// One stream's scratch buffers: launches on two streams that may run at
/// the same time must not share the backward's dQ accumulator, D rows or
/// semaphores (D80). The kernels write every scratch buffer before they
/// read it (the backward's first kernel zeroes what the others accumulate
/// into; docs/Backward.md), so a new set needs no memset.
struct ScratchSet {
  /// The streamKeyOf() of the launches that use the set; none for the set
  /// allocated at load until a launch claims it.
  uint64_t stream = 0;
  bool claimed = false;
  /// One address per scratch buffer, in FaRtModule::buffers' order.
  std::vector<CUdeviceptr> pointers;
};
} // namespace

struct FaRtModule {
  CUmodule module = nullptr;
  std::string format;
  /// Arguments first (in argument order), then scratch buffers.
  std::vector<Buffer> buffers;
  int numArguments = 0;
  std::vector<Kernel> kernels;
  /// Whether a kernel takes a TMA tensor map: its launches ask whether the
  /// stream is being captured (TensorMapPool).
  bool hasTensorMaps = false;
  /// Held by faRtLaunch: the pool, the scratch sets and the launch arrays
  /// are shared by the threads that launch this module (ranks as threads on
  /// one GPU).
  std::mutex launchMutex;
  TensorMapPool tensorMaps;
  LaunchScratch scratch;
  /// The first set is allocated at load and taken by the first stream that
  /// launches the module; another stream gets its own at its first launch.
  /// All are freed by faRtUnload.
  std::vector<ScratchSet> scratchSets;
};

namespace {
/// CUDA's launch limits (CUDA C++ Programming Guide, "Technical
/// Specifications per Compute Capability"; the same from 3.0 on).
constexpr int64_t kMaxGridSize[3] = {0x7fffffff, 65535, 65535};
constexpr int64_t kMaxBlockSize[3] = {1024, 1024, 64};
constexpr int64_t kMaxBlockThreads = 1024;

bool readDims(const JsonValue *value, unsigned dims[3], const std::string &what,
              const int64_t (&limits)[3]) {
  if (!value || !value->isArray() || value->array.size() != 3)
    return setError("manifest: " + what + " must be an array of 3 integers");
  for (int i = 0; i < 3; ++i) {
    const JsonValue &d = value->array[i];
    if (d.kind != JsonValue::Kind::Int || d.integer <= 0)
      return setError("manifest: " + what + " has a non-positive size");
    if (d.integer > limits[i])
      return setError("manifest: " + what + " size " + "xyz"[i] + " = " +
                      std::to_string(d.integer) + " exceeds CUDA's " +
                      std::to_string(limits[i]));
    dims[i] = static_cast<unsigned>(d.integer);
  }
  return true;
}

bool loadObject(FaRtModule &m, const JsonValue &manifest,
                const std::string &dir, bool preferCubin) {
  const JsonValue *files = manifest.get("files");
  const JsonValue *cubin = files ? files->get("cubin") : nullptr;
  const JsonValue *ptx = files ? files->get("ptx") : nullptr;
  bool useCubin = cubin && cubin->isString() && (preferCubin || !ptx);
  const JsonValue *chosen = useCubin ? cubin : ptx;
  if (!chosen || !chosen->isString())
    return setError("manifest: files names neither a ptx nor a cubin");
  // A file of the manifest's own folder (fa-compile writes a bare name): a
  // path could load any file of the machine as the kernel.
  const std::string &name = chosen->string;
  bool plainName = !name.empty() && name != "." && name != "..";
  for (char c : name)
    plainName &= c != '/' && static_cast<unsigned char>(c) >= 0x20;
  if (!plainName)
    return setError("manifest: files names '" + printable(name) +
                    "', not a file name of the manifest's folder");
  std::string path = dir + "/" + name;
  std::string image;
  if (!readFile(path, image))
    return false;
  m.format = useCubin ? "cubin" : "ptx";
  if (useCubin)
    return check(cuModuleLoadData(&m.module, image.data()), "cuModuleLoadData",
                 path);

  // PTX is JIT-compiled by the driver: keep its error log for the message.
  image.push_back('\0');
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
  CUresult result =
      cuModuleLoadDataEx(&m.module, image.data(), 2, options, values);
  if (result != CUDA_SUCCESS) {
    check(result, "cuModuleLoadDataEx", path);
    lastError += std::string("; JIT log: ") + log;
    return false;
  }
  return true;
}

/// Frees the addresses of `set`, keeping the thread's last error.
void freeScratchSet(const FaRtModule &m, ScratchSet &set) {
  std::string saved = lastError;
  for (size_t i = 0; i < set.pointers.size(); ++i)
    check(cuMemFree(set.pointers[i]), "cuMemFree",
          m.buffers[m.numArguments + i].name);
  set.pointers.clear();
  lastError = saved;
}

/// Allocates an address for each scratch buffer of `m` into `set`
/// (`forWhom` ends each allocation's error context). On a failure, frees
/// what it allocated and returns the failing call's result.
CUresult allocateScratchSet(const FaRtModule &m, ScratchSet &set,
                            const std::string &forWhom) {
  for (size_t i = m.numArguments; i < m.buffers.size(); ++i) {
    const Buffer &b = m.buffers[i];
    CUdeviceptr ptr = 0;
    CUresult result = cuMemAlloc(&ptr, static_cast<size_t>(b.bytes));
    if (!check(result, "cuMemAlloc",
               "scratch buffer " + b.name + ", " + std::to_string(b.bytes) +
                   " bytes" + forWhom)) {
      freeScratchSet(m, set);
      return result;
    }
    set.pointers.push_back(ptr);
  }
  return CUDA_SUCCESS;
}

/// The enumerator of `name` in `table`, or false.
template <typename T>
bool lookupName(const std::pair<const char *, T> *table, size_t n,
                const std::string &name, T &out) {
  for (size_t i = 0; i < n; ++i)
    if (name == table[i].first)
      return out = table[i].second, true;
  return false;
}

/// Bytes of one element of manifest dtype `dtype` (an i1 takes a byte), or
/// false for an unknown one.
bool elementBytesOf(const std::string &dtype, int64_t &bytes) {
  static const std::pair<const char *, int64_t> kElementBytes[] = {
      {"f64", 8}, {"i64", 8}, {"f32", 4}, {"i32", 4}, {"f16", 2},
      {"bf16", 2}, {"i16", 2}, {"i8", 1}, {"i1", 1}};
  return lookupName(kElementBytes, std::size(kElementBytes), dtype, bytes);
}

/// Checks a manifest buffer's `dtype` and `shape` against its bytes. The
/// kernels index a buffer by the shape its memref descriptor states (the
/// manifest's buffers are row-major, statically shaped: bytes = the
/// elements times the element's bytes), and the runtime allocates a
/// scratch buffer's `bytes`: fewer would be written past (session 18's
/// attack on D119's accumulators).
bool checkBufferShape(Buffer &buffer, const JsonValue &b) {
  std::string what = "manifest: buffer " + buffer.name + ": ";
  int64_t elementBytes = 0;
  if (!buffer.dtype.empty() && !elementBytesOf(buffer.dtype, elementBytes))
    return setError(what + "unknown dtype '" + buffer.dtype + "'");
  const JsonValue *shape = b.get("shape");
  if (!shape)
    return true;
  if (!shape->isArray() || shape->array.empty() || buffer.dtype.empty())
    return setError(what + "'shape' must be a non-empty array, with a dtype");
  int64_t bytes = elementBytes;
  for (const JsonValue &size : shape->array) {
    if (!size.isInteger() || size.integer <= 0)
      return setError(what + "'shape' must hold positive integers");
    if (__builtin_mul_overflow(bytes, size.integer, &bytes))
      return setError(what + "its shape holds more than 2^63 - 1 bytes");
    buffer.shape.push_back(size.integer);
  }
  if (bytes != buffer.bytes)
    return setError(what + "its shape of " + buffer.dtype + " holds " +
                    std::to_string(bytes) + " bytes, not its 'bytes' " +
                    std::to_string(buffer.bytes));
  return true;
}

/// Reads an argument's optional "caller_strides" and its "strides" (the
/// dense ones a launch without strides uses; D128).
bool readCallerStrides(Buffer &buffer, const JsonValue &b) {
  const JsonValue *flag = b.get("caller_strides");
  if (!flag)
    return true;
  std::string what = "manifest: argument " + buffer.name + ": ";
  if (flag->kind != JsonValue::Kind::Bool)
    return setError(what + "'caller_strides' must be true or false");
  buffer.callerStrides = flag->boolean;
  if (!buffer.callerStrides)
    return true;
  const JsonValue *strides = b.get("strides");
  if (buffer.shape.empty() || !strides || !strides->isArray() ||
      strides->array.size() != buffer.shape.size())
    return setError(what + "'caller_strides' needs a shape and strides of "
                           "one rank");
  for (const JsonValue &stride : strides->array) {
    if (!stride.isInteger() || stride.integer < 0)
      return setError(what + "'strides' must hold integers of at least 0");
    buffer.strides.push_back(stride.integer);
  }
  return true;
}

bool readBuffers(FaRtModule &m, const JsonValue &manifest,
                 std::map<std::string, int> &byName) {
  const JsonValue *args = manifest.get("arguments");
  const JsonValue *scratch = manifest.get("scratch");
  if (!args || !args->isArray() || !scratch || !scratch->isArray())
    return setError("manifest: 'arguments' and 'scratch' must be arrays");
  for (int pass = 0; pass < 2; ++pass) {
    for (const JsonValue &b : (pass == 0 ? args : scratch)->array) {
      const JsonValue *name = b.get("name");
      const JsonValue *bytes = b.get("bytes");
      if (!name || !name->isString() || !bytes || !bytes->isInteger() ||
          bytes->integer <= 0)
        return setError("manifest: a buffer lacks a name or a positive size");
      Buffer buffer;
      buffer.name = name->string;
      buffer.bytes = bytes->integer;
      buffer.isArgument = pass == 0;
      // Kernels name buffers: a second one of a name would take every use.
      if (byName.count(buffer.name))
        return setError("manifest: two buffers are named '" + buffer.name +
                        "'");
      if (const JsonValue *dtype = b.get("dtype")) {
        if (!dtype->isString())
          return setError("manifest: buffer " + buffer.name +
                          ": 'dtype' must be a string");
        buffer.dtype = dtype->string;
      }
      if (!checkBufferShape(buffer, b) ||
          (pass == 0 && !readCallerStrides(buffer, b)))
        return false;
      if (const JsonValue *align = b.get("align")) {
        if (!align->isInteger() || align->integer <= 0 ||
            (align->integer & (align->integer - 1)) != 0)
          return setError("manifest: buffer " + buffer.name +
                          ": 'align' must be a positive power of two");
        buffer.align = align->integer;
      }
      byName[buffer.name] = static_cast<int>(m.buffers.size());
      m.buffers.push_back(buffer);
    }
    if (pass == 0)
      m.numArguments = static_cast<int>(m.buffers.size());
  }
  if (const JsonValue *results = manifest.get("results");
      results && results->isArray())
    for (const JsonValue &name : results->array) {
      auto it = name.isString() ? byName.find(name.string) : byName.end();
      if (it != byName.end())
        m.buffers[it->second].isResult = true;
    }
  m.scratchSets.emplace_back();
  return allocateScratchSet(m, m.scratchSets.back(), "") == CUDA_SUCCESS;
}


/// Why cuTensorMapEncodeTiled would refuse `spec` (its documented
/// requirements on sizes, strides, the box and the swizzle), or "": a
/// manifest is refused at load rather than at every launch.
std::string unencodableReason(const TensorMapSpec &spec) {
  bool interleaved = spec.interleave != CU_TENSOR_MAP_INTERLEAVE_NONE;
  if (interleaved && spec.rank < 3)
    return "an interleaved map needs a rank of at least 3";
  if (spec.interleave == CU_TENSOR_MAP_INTERLEAVE_32B &&
      spec.swizzle != CU_TENSOR_MAP_SWIZZLE_32B)
    return "a 32-byte interleave needs the 32-byte swizzle";
  // Named as the manifest lists them, outermost first.
  auto dim = [&](cuuint32_t inner) {
    return std::to_string(spec.rank - 1 - inner);
  };
  for (cuuint32_t i = 0; i < spec.rank; ++i)
    if (spec.dims[i] > (cuuint64_t(1) << 32))
      return "shape[" + dim(i) + "] = " + std::to_string(spec.dims[i]) +
             " is above 2^32";
  cuuint64_t strideUnit = spec.interleave == CU_TENSOR_MAP_INTERLEAVE_32B
                              ? 32
                              : 16;
  for (cuuint32_t i = 0; i + 1 < spec.rank; ++i) {
    std::string stride = "strides[" + dim(i + 1) + "] is " +
                         std::to_string(spec.strides[i]) + " bytes, ";
    if (spec.strides[i] % strideUnit != 0)
      return stride + "not a multiple of " + std::to_string(strideUnit);
    if (spec.strides[i] >= (cuuint64_t(1) << 40))
      return stride + "not below 2^40";
  }
  if (interleaved)
    return "";
  int64_t innerBytes = spec.box[0] * spec.elementBytes;
  if (innerBytes % 16 != 0)
    return "the box's rows are " + std::to_string(innerBytes) +
           " bytes, not a multiple of 16";
  int64_t swizzleBytes = spec.swizzle == CU_TENSOR_MAP_SWIZZLE_32B   ? 32
                         : spec.swizzle == CU_TENSOR_MAP_SWIZZLE_64B ? 64
                         : spec.swizzle == CU_TENSOR_MAP_SWIZZLE_128B
                             ? 128
                             : 0;
  if (swizzleBytes && innerBytes > swizzleBytes)
    return "the box's rows are " + std::to_string(innerBytes) +
           " bytes, wider than its " + std::to_string(swizzleBytes) +
           "-byte swizzle";
  return "";
}

bool readTensorMap(const FaRtModule &m, const JsonValue &p,
                   const std::string &kernel,
                   const std::map<std::string, int> &byName,
                   TensorMapSpec &spec) {
  std::string what = "manifest: kernel " + kernel + " tensor map ";
  const JsonValue *buffer = p.get("buffer");
  auto it = buffer && buffer->isString() ? byName.find(buffer->string)
                                         : byName.end();
  if (it == byName.end())
    return setError(what + "names an unknown buffer");
  spec.buffer = it->second;
  const Buffer &target = m.buffers[spec.buffer];
  static const std::pair<const char *, CUtensorMapDataType> dtypes[] = {
      {"bf16", CU_TENSOR_MAP_DATA_TYPE_BFLOAT16},
      {"f16", CU_TENSOR_MAP_DATA_TYPE_FLOAT16},
      {"f32", CU_TENSOR_MAP_DATA_TYPE_FLOAT32}};
  static const std::pair<const char *, CUtensorMapSwizzle> swizzles[] = {
      {"none", CU_TENSOR_MAP_SWIZZLE_NONE},
      {"swizzle_32b", CU_TENSOR_MAP_SWIZZLE_32B},
      {"swizzle_64b", CU_TENSOR_MAP_SWIZZLE_64B},
      {"swizzle_128b", CU_TENSOR_MAP_SWIZZLE_128B}};
  static const std::pair<const char *, CUtensorMapL2promotion> promos[] = {
      {"none", CU_TENSOR_MAP_L2_PROMOTION_NONE},
      {"l2promo_64b", CU_TENSOR_MAP_L2_PROMOTION_L2_64B},
      {"l2promo_128b", CU_TENSOR_MAP_L2_PROMOTION_L2_128B},
      {"l2promo_256b", CU_TENSOR_MAP_L2_PROMOTION_L2_256B}};
  static const std::pair<const char *, CUtensorMapFloatOOBfill> oobs[] = {
      {"zero", CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE},
      {"nan", CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA}};
  static const std::pair<const char *, CUtensorMapInterleave> interleaves[] = {
      {"none", CU_TENSOR_MAP_INTERLEAVE_NONE},
      {"interleave_16b", CU_TENSOR_MAP_INTERLEAVE_16B},
      {"interleave_32b", CU_TENSOR_MAP_INTERLEAVE_32B}};
  auto str = [&](const char *key) -> std::string {
    const JsonValue *v = p.get(key);
    return v && v->isString() ? v->string : std::string();
  };
  if (!lookupName(dtypes, 3, str("dtype"), spec.dtype) ||
      !lookupName(swizzles, 4, str("swizzle"), spec.swizzle) ||
      !lookupName(promos, 4, str("l2promo"), spec.l2promo) ||
      !lookupName(oobs, 2, str("oob"), spec.oob) ||
      !lookupName(interleaves, 3, str("interleave"), spec.interleave))
    return setError(what + "has an unknown dtype, swizzle, l2promo, oob or "
                           "interleave");
  spec.elementBytes = str("dtype") == "f32" ? 4 : 2;
  if (!target.dtype.empty() && target.dtype != str("dtype"))
    return setError(what + "of dtype " + str("dtype") + " is over buffer " +
                    target.name + " of dtype " + target.dtype);
  const JsonValue *shape = p.get("shape");
  const JsonValue *strides = p.get("strides");
  const JsonValue *box = p.get("box");
  size_t rank = shape && shape->isArray() ? shape->array.size() : 0;
  if (rank < 1 || rank > 5 || !strides || !strides->isArray() ||
      strides->array.size() != rank || !box || !box->isArray() ||
      box->array.size() != rank)
    return setError(what + "needs shape, strides and box of one rank, 1-5");
  spec.rank = static_cast<cuuint32_t>(rank);
  for (size_t i = 0; i < rank; ++i) {
    // The manifest lists dimensions outermost first.
    const JsonValue &d = shape->array[rank - 1 - i];
    const JsonValue &s = strides->array[rank - 1 - i];
    const JsonValue &b = box->array[rank - 1 - i];
    if (!d.isInteger() || d.integer <= 0 || !s.isInteger() ||
        s.integer <= 0 || !b.isInteger() || b.integer <= 0 ||
        b.integer > 256)
      return setError(what + "has a non-positive size or stride, or a box "
                             "size above 256");
    if (i == 0 && s.integer != 1)
      return setError(what + "needs a contiguous innermost dimension");
    spec.dims[i] = static_cast<cuuint64_t>(d.integer);
    spec.box[i] = static_cast<cuuint32_t>(b.integer);
    int64_t strideBytes = 0;
    if (__builtin_mul_overflow(s.integer, spec.elementBytes, &strideBytes))
      return setError(what + "has a stride of more than 2^63 - 1 bytes");
    if (i > 0)
      spec.strides[i - 1] = static_cast<cuuint64_t>(strideBytes);
  }
  // The last byte the map can address must lie in its buffer: TMA reads
  // and writes whatever the map describes.
  int64_t extent = spec.elementBytes;
  for (size_t i = 0; i < rank; ++i) {
    int64_t stride = strides->array[i].integer, span = 0;
    if (__builtin_mul_overflow(shape->array[i].integer - 1, stride, &span) ||
        __builtin_mul_overflow(span, spec.elementBytes, &span) ||
        __builtin_add_overflow(extent, span, &extent))
      return setError(what + "spans more than 2^63 - 1 bytes");
  }
  if (extent > target.bytes)
    return setError(what + "spans " + std::to_string(extent) +
                    " bytes, beyond buffer " + target.name + "'s " +
                    std::to_string(target.bytes));
  std::string why = unencodableReason(spec);
  if (!why.empty())
    return setError(what + "over buffer " + target.name +
                    " cannot be encoded by cuTensorMapEncodeTiled: " + why);
  return true;
}

/// The largest memref rank a descriptor may state.
constexpr int64_t kMaxDescriptorRank = 64;

/// Checks each memref parameter's descriptor against the buffer it names.
/// fa-compile writes a memref as its allocated and aligned pointers (the
/// first with the memref's `rank`), its offset, sizes and strides
/// (lib/Target/KernelManifest.cpp), and a kernel indexes the buffer by that
/// descriptor: what it reaches must lie in the buffer, and as the compiler
/// passes whole row-major buffers or reshapes of them, its sizes must hold
/// the buffer's elements and reach exactly its bytes. A pointer alone (no
/// `rank`, not followed by a pointer to its buffer) is passed as it is.
bool checkDescriptors(const FaRtModule &m, const Kernel &kernel,
                      const JsonValue &params) {
  const std::vector<JsonValue> &ps = params.array;
  for (size_t i = 0; i < ps.size(); ++i) {
    int b = kernel.params[i].buffer;
    if (b < 0)
      continue;
    const Buffer &buffer = m.buffers[b];
    std::string what = "manifest: kernel " + kernel.name +
                       ": the memref descriptor of buffer " + buffer.name +
                       " (parameter " + std::to_string(i) + ")";
    bool pair = i + 1 < ps.size() && kernel.params[i + 1].buffer == b;
    const JsonValue *rankValue = ps[i].get("rank");
    if (!rankValue) {
      if (pair)
        return setError(what + " has no 'rank'");
      continue;
    }
    if (rankValue->kind != JsonValue::Kind::Int || rankValue->integer < 0 ||
        rankValue->integer > kMaxDescriptorRank)
      return setError(what + ": 'rank' must be an integer from 0 to " +
                      std::to_string(kMaxDescriptorRank));
    if (!pair)
      return setError(what + " lacks its second pointer to the same buffer");
    size_t rank = static_cast<size_t>(rankValue->integer);
    size_t first = i + 2, count = 1 + 2 * rank;
    std::vector<int64_t> values;
    for (size_t j = first; j < first + count && j < ps.size(); ++j) {
      const JsonValue *type = ps[j].get("type");
      if (type->string != "i64")
        break;
      values.push_back(static_cast<int64_t>(kernel.params[j].bits));
    }
    if (values.size() != count)
      return setError(what + " lacks its 1 + 2 x " + std::to_string(rank) +
                      " i64 values");
    int64_t elementBytes = 0;
    if (!elementBytesOf(buffer.dtype, elementBytes))
      return setError(what + " needs the buffer's dtype");
    // The last element it reaches, and how many it holds.
    int64_t reach = values[0], elements = 1;
    bool negative = reach < 0, overflow = false;
    for (size_t d = 0; d < rank; ++d) {
      int64_t size = values[1 + d], stride = values[1 + rank + d], span = 0;
      negative |= size < 1 || stride < 0;
      if (negative)
        break;
      overflow |= __builtin_mul_overflow(size - 1, stride, &span) ||
                  __builtin_add_overflow(reach, span, &reach);
    }
    if (negative)
      return setError(what +
                      " has a negative offset or stride, or a size below 1");
    int64_t reachBytes = 0;
    if (overflow || __builtin_add_overflow(reach, 1, &reach) ||
        __builtin_mul_overflow(reach, elementBytes, &reachBytes))
      return setError(what + " reaches more than 2^63 - 1 bytes");
    if (reachBytes > buffer.bytes)
      return setError(what + " reaches " + std::to_string(reachBytes) +
                      " bytes, beyond the buffer's " +
                      std::to_string(buffer.bytes));
    int64_t bytes = elementBytes;
    for (size_t d = 0; d < rank; ++d)
      if (__builtin_mul_overflow(elements, values[1 + d], &elements))
        return setError(what + " holds more than 2^63 - 1 elements");
    if (__builtin_mul_overflow(elements, elementBytes, &bytes) ||
        bytes != buffer.bytes)
      return setError(what + " holds " + std::to_string(elements) +
                      " elements of " + buffer.dtype + ", the buffer " +
                      std::to_string(buffer.bytes) + " bytes");
    if (reachBytes != buffer.bytes)
      return setError(what + " holds " + std::to_string(elements) +
                      " elements of " + buffer.dtype + " but reaches " +
                      std::to_string(reachBytes) + " bytes of the buffer's " +
                      std::to_string(buffer.bytes));
    i = first + count - 1;
  }
  return true;
}

/// A `{"type": "i64", "stride_of": ARG, "dim": D}` parameter: the launch's
/// stride of argument ARG's dimension D, which must exist and say
/// caller_strides (D128); `param.bits` holds the manifest's stride.
bool readStrideOf(const FaRtModule &m, const JsonValue &p,
                  const JsonValue &strideOf, const std::string &kernel,
                  const std::map<std::string, int> &byName, Param &param) {
  std::string what = "manifest: kernel " + kernel + ": a stride_of parameter ";
  const JsonValue *type = p.get("type");
  if (type->string != "i64")
    return setError(what + "must be an i64");
  auto it = strideOf.isString() ? byName.find(strideOf.string) : byName.end();
  if (it == byName.end() || it->second >= m.numArguments)
    return setError(what + "names no argument");
  const Buffer &arg = m.buffers[it->second];
  if (!arg.callerStrides)
    return setError(what + "names argument " + arg.name +
                    ", which has no caller_strides");
  const JsonValue *dim = p.get("dim");
  if (!dim || !dim->isInteger() || dim->integer < 0 ||
      dim->integer >= static_cast<int64_t>(arg.shape.size()))
    return setError(what + "of argument " + arg.name +
                    " needs a 'dim' from 0 to " +
                    std::to_string(arg.shape.size() - 1));
  param.strideOf = it->second;
  param.strideDim = static_cast<int>(dim->integer);
  param.bits = static_cast<uint64_t>(arg.strides[param.strideDim]);
  return true;
}

/// Re-checks the compiler's caller_strides claims (D128): every parameter
/// over such an argument must read it through the launch's strides, a
/// tensor map of its own shape and strides (encoded with the launch's) or
/// a memref descriptor of its shape whose stride d is the argument's
/// stride_of d. Anything else would index a strided argument densely.
bool checkCallerStrideUses(const FaRtModule &m, const Kernel &kernel,
                           const JsonValue &params) {
  const std::vector<JsonValue> &ps = params.array;
  for (size_t i = 0; i < ps.size(); ++i) {
    const Param &p = kernel.params[i];
    int b = p.tensorMap >= 0 ? kernel.tensorMaps[p.tensorMap].buffer : p.buffer;
    if (b < 0 || !m.buffers[b].callerStrides)
      continue;
    const Buffer &arg = m.buffers[b];
    size_t rank = arg.shape.size();
    auto equals = [](const JsonValue *values,
                     const std::vector<int64_t> &want) {
      if (!values || !values->isArray() || values->array.size() != want.size())
        return false;
      for (size_t d = 0; d < want.size(); ++d)
        if (!values->array[d].isInteger() ||
            values->array[d].integer != want[d])
          return false;
      return true;
    };
    bool ok;
    if (p.tensorMap >= 0) {
      ok = equals(ps[i].get("shape"), arg.shape) &&
           equals(ps[i].get("strides"), arg.strides);
    } else {
      // checkDescriptors checked the descriptor's layout.
      const JsonValue *rankValue = ps[i].get("rank");
      ok = rankValue && rankValue->integer == static_cast<int64_t>(rank);
      for (size_t d = 0; ok && d < rank; ++d) {
        const Param &stride = kernel.params[i + 3 + rank + d];
        ok = kernel.params[i + 3 + d].bits ==
                 static_cast<uint64_t>(arg.shape[d]) &&
             stride.strideOf == b && stride.strideDim == static_cast<int>(d);
      }
    }
    if (!ok)
      return setError("manifest: kernel " + kernel.name + ": argument " +
                      arg.name + " says caller_strides, but parameter " +
                      std::to_string(i) +
                      " reads it with other strides (only a tensor map of "
                      "its shape and strides or a descriptor with its "
                      "stride_of strides may)");
    if (p.tensorMap < 0)
      i += 2 + 2 * rank;
  }
  return true;
}

bool readKernel(FaRtModule &m, const JsonValue &k,
                const std::map<std::string, int> &byName) {
  Kernel kernel;
  const JsonValue *name = k.get("name");
  if (!name || !name->isString())
    return setError("manifest: a kernel has no name");
  kernel.name = name->string;
  if (!readDims(k.get("grid"), kernel.grid, kernel.name + " grid",
                kMaxGridSize) ||
      !readDims(k.get("block"), kernel.block, kernel.name + " block",
                kMaxBlockSize))
    return false;
  if (int64_t(kernel.block[0]) * kernel.block[1] * kernel.block[2] >
      kMaxBlockThreads)
    return setError("manifest: " + kernel.name + " block has " +
                    std::to_string(int64_t(kernel.block[0]) * kernel.block[1] *
                                   kernel.block[2]) +
                    " threads; CUDA allows at most " +
                    std::to_string(kMaxBlockThreads));
  if (const JsonValue *shared = k.get("shared_bytes")) {
    // cuLaunchKernel takes an unsigned count and cuFuncSetAttribute an int.
    if (shared->kind != JsonValue::Kind::Int || shared->integer < 0 ||
        shared->integer > std::numeric_limits<int>::max())
      return setError("manifest: kernel " + kernel.name +
                      ": 'shared_bytes' must be an integer from 0 to " +
                      std::to_string(std::numeric_limits<int>::max()));
    kernel.sharedBytes = static_cast<unsigned>(shared->integer);
  }
  if (!check(cuModuleGetFunction(&kernel.function, m.module,
                                 kernel.name.c_str()),
             "cuModuleGetFunction", kernel.name))
    return false;
  if (kernel.sharedBytes > 48 * 1024 &&
      !check(cuFuncSetAttribute(kernel.function,
                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                static_cast<int>(kernel.sharedBytes)),
             "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", kernel.name))
    return false;

  const JsonValue *params = k.get("params");
  if (!params || !params->isArray())
    return setError("manifest: kernel " + kernel.name + " has no params");
  for (const JsonValue &p : params->array) {
    const JsonValue *type = p.get("type");
    if (!type || !type->isString() || paramSize(type->string) == 0)
      return setError("manifest: kernel " + kernel.name +
                      " has a parameter of unknown type");
    Param param;
    param.size = paramSize(type->string);
    if (type->string == "tensormap") {
      TensorMapSpec spec;
      if (!readTensorMap(m, p, kernel.name, byName, spec))
        return false;
      param.tensorMap = static_cast<int>(kernel.tensorMaps.size());
      kernel.tensorMaps.push_back(spec);
      m.hasTensorMaps = true;
    } else if (type->string == "ptr") {
      const JsonValue *buffer = p.get("buffer");
      auto it = buffer && buffer->isString() ? byName.find(buffer->string)
                                             : byName.end();
      if (it == byName.end())
        return setError("manifest: kernel " + kernel.name +
                        " names an unknown buffer");
      param.buffer = it->second;
    } else if (const JsonValue *strideOf = p.get("stride_of")) {
      if (!readStrideOf(m, p, *strideOf, kernel.name, byName, param))
        return false;
    } else {
      const JsonValue *bits = p.get("bits");
      if (!bits)
        bits = p.get("value");
      if (!bits || !bits->isInteger())
        return setError("manifest: kernel " + kernel.name +
                        " has a scalar without an integer value or bits");
      param.bits = bits->asBits();
    }
    kernel.params.push_back(param);
  }
  if (!checkDescriptors(m, kernel, *params) ||
      !checkCallerStrideUses(m, kernel, *params))
    return false;

#if CUDA_VERSION >= 12040
  // Cross-check the manifest against the kernel's real signature.
  for (size_t i = 0;; ++i) {
    size_t offset = 0, size = 0;
    CUresult r = cuFuncGetParamInfo(kernel.function, i, &offset, &size);
    if (r != CUDA_SUCCESS) {
      if (i != kernel.params.size())
        return setError("manifest: kernel " + kernel.name + " lists " +
                        std::to_string(kernel.params.size()) +
                        " parameters but the kernel has " + std::to_string(i));
      break;
    }
    if (i >= kernel.params.size())
      return setError("manifest: kernel " + kernel.name + " lists " +
                      std::to_string(kernel.params.size()) +
                      " parameters but the kernel has more");
    if (size != kernel.params[i].size)
      return setError("manifest: kernel " + kernel.name + " parameter " +
                      std::to_string(i) + " is " + std::to_string(size) +
                      " bytes, the manifest says " +
                      std::to_string(kernel.params[i].size));
  }
#endif
  m.kernels.push_back(std::move(kernel));
  return true;
}

/// What a launch's scratch set and tensor-map copies are keyed by: the
/// stream's handle, with the legacy default stream's two handles (NULL and
/// CU_STREAM_LEGACY) as one key, and CU_STREAM_PER_THREAD, which names a
/// different stream on each thread, as one key per thread. A handle that
/// the driver gives again after cuStreamDestroy keeps its key
/// (docs/GPU.md, "Scratch buffers and streams").
uint64_t streamKeyOf(CUstream stream) {
  if (stream == CU_STREAM_LEGACY)
    return 0;
  if (stream == CU_STREAM_PER_THREAD) {
    // Odd, which no stream handle (a pointer to the driver's stream
    // object) is, and never given to a second thread.
    static std::atomic<uint64_t> threads{0};
    thread_local uint64_t key = 2 * ++threads + 1;
    return key;
  }
  return reinterpret_cast<uintptr_t>(stream);
}

/// `stream` as the messages name it.
std::string streamName(CUstream stream) {
  if (stream == nullptr || stream == CU_STREAM_LEGACY)
    return "the legacy default stream";
  if (stream == CU_STREAM_PER_THREAD)
    return "the per-thread default stream";
  std::ostringstream os;
  os << "stream " << static_cast<const void *>(stream);
  return os.str();
}

/// Runs `allocate` (driver allocations that record their own error; true
/// on success) with the calling thread in the relaxed capture mode where it
/// is `capturing`: the driver refuses allocations to a thread that captures
/// in the default (global) mode, and an allocation is no operation of the
/// graph (PyTorch's caching allocator allocates in a capture the same way).
/// False with the first failure's error; `undo` frees what `allocate` got
/// where only switching the mode back failed.
template <typename Allocate, typename Undo>
bool allocateInCapture(bool capturing, const std::string &what,
                       Allocate allocate, Undo undo) {
  if (!capturing)
    return allocate();
  CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
  if (!check(cuThreadExchangeStreamCaptureMode(&mode),
             "cuThreadExchangeStreamCaptureMode",
             "to allocate " + what + " in a capture"))
    return false;
  bool allocated = allocate();
  std::string saved = lastError;
  bool restored = check(cuThreadExchangeStreamCaptureMode(&mode),
                        "cuThreadExchangeStreamCaptureMode",
                        "restoring the thread's capture mode");
  if (!allocated) {
    lastError = saved;
    return false;
  }
  if (!restored)
    undo();
  return restored;
}

/// The scratch set of the launches on `stream` (key `key`): the one
/// allocated at load for the first stream that launches the module, else
/// the stream's own, allocated at its first launch. Null on failure.
ScratchSet *scratchSetFor(FaRtModule &m, CUstream stream, uint64_t key) {
  for (ScratchSet &set : m.scratchSets)
    if (set.claimed && set.stream == key)
      return &set;
  ScratchSet &loaded = m.scratchSets.front();
  if (!loaded.claimed) {
    loaded.claimed = true;
    loaded.stream = key;
    return &loaded;
  }
  // A capture records a stream's operations; an allocation is none, so a
  // captured graph's replays use these addresses, which live until
  // faRtUnload.
  CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
  if (!check(cuStreamIsCapturing(stream, &status), "cuStreamIsCapturing",
             "before allocating scratch buffers for " + streamName(stream)))
    return nullptr;
  bool capturing = status != CU_STREAM_CAPTURE_STATUS_NONE;
  ScratchSet set;
  set.stream = key;
  set.claimed = true;
  CUresult allocated = CUDA_SUCCESS;
  if (!allocateInCapture(
          capturing, "scratch buffers",
          [&] {
            allocated =
                allocateScratchSet(m, set, ", for " + streamName(stream));
            return allocated == CUDA_SUCCESS;
          },
          [&] { freeScratchSet(m, set); })) {
    if (allocated == CUDA_SUCCESS)
      return nullptr;
    bool captureError = allocated >= CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED &&
                        allocated <= CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
    if (capturing)
      lastError += "; " + streamName(stream) +
                   " is being captured into a CUDA graph and has no scratch "
                   "buffers of this module yet: launch the module once on "
                   "this stream before capturing it";
    else if (captureError)
      lastError += "; a CUDA graph capture on another thread forbids "
                   "allocations: launch the module once on " +
                   streamName(stream) + " before that capture begins";
    return nullptr;
  }
  m.scratchSets.push_back(std::move(set));
  return &m.scratchSets.back();
}

/// The index of the pool's chunk that holds `slot`, or -1.
int chunkOf(const TensorMapPool &pool, CUdeviceptr slot) {
  for (size_t i = 0; i < pool.chunks.size(); ++i)
    if (slot >= pool.chunks[i] &&
        slot < pool.chunks[i] + TensorMapPool::kChunkBytes)
      return static_cast<int>(i);
  return -1;
}

/// Marks the chunk that holds `slot` as read by a captured launch.
void markCaptured(TensorMapPool &pool, CUdeviceptr slot) {
  if (int chunk = chunkOf(pool, slot); chunk >= 0)
    pool.captured[chunk] = true;
}

/// Starts the pool afresh once no kernel may read it any more: the chunks
/// that captured launches use, and the copies into them, are retired
/// (kept until faRtUnload), the others reused.
void recycle(TensorMapPool &pool) {
  auto isCaptured = [&](CUdeviceptr slot) {
    int chunk = chunkOf(pool, slot);
    return chunk >= 0 && pool.captured[chunk];
  };
  for (auto it = pool.copies.begin(); it != pool.copies.end();) {
    auto next = std::next(it);
    if (isCaptured(it->second))
      pool.retiredCopies.push_back(pool.copies.extract(it));
    it = next;
  }
  pool.copies.clear();
  pool.byAddress.clear();
  std::vector<CUdeviceptr> reused;
  for (size_t i = 0; i < pool.chunks.size(); ++i)
    (pool.captured[i] ? pool.retiredChunks : reused).push_back(pool.chunks[i]);
  pool.chunks = std::move(reused);
  pool.captured.assign(pool.chunks.size(), false);
  pool.current = 0;
  pool.used = 0;
}

/// `spec` over an argument of the launch's `strides` (elements, outermost
/// first; D128) instead of its dense ones. A byte stride past 2^63 - 1
/// becomes the largest value, which unencodableReason refuses.
TensorMapSpec withStrides(TensorMapSpec spec, const int64_t *strides) {
  for (cuuint32_t i = 1; i < spec.rank; ++i) {
    int64_t bytes = 0;
    if (__builtin_mul_overflow(strides[spec.rank - 1 - i], spec.elementBytes,
                               &bytes))
      bytes = std::numeric_limits<int64_t>::max();
    spec.strides[i - 1] = static_cast<cuuint64_t>(bytes);
  }
  return spec;
}

/// The launch's strides of buffer `b` (null: its manifest's).
const int64_t *launchStrides(const FaRtModule &m, int b) {
  const std::vector<const int64_t *> &strides = m.scratch.strides;
  return static_cast<size_t>(b) < strides.size() ? strides[b] : nullptr;
}

/// Encodes `kernel`'s tensor maps over this launch's buffers (with its
/// strides where it gave some: m.scratch.strides) and returns (in `out`,
/// one per map) their addresses in device memory, copying them there on
/// `stream` unless an earlier launch did. `capturing`: `stream` is being
/// captured into a CUDA graph.
bool tensorMapPointers(FaRtModule &m, size_t kernelIndex, const Kernel &kernel,
                       const std::vector<uint64_t> &bufferPtrs, CUstream stream,
                       uint64_t streamKey, bool capturing,
                       std::vector<CUdeviceptr> &out) {
  out.clear();
  if (kernel.tensorMaps.empty())
    return true;
  TensorMapPool &pool = m.tensorMaps;
  std::vector<uint64_t> &known = m.scratch.mapKey;
  known.assign({streamKey, kernelIndex});
  bool strided = !m.scratch.strides.empty();
  for (const TensorMapSpec &spec : kernel.tensorMaps) {
    uint64_t address = bufferPtrs[spec.buffer];
    if (address % 16 != 0)
      return setError("buffer " + m.buffers[spec.buffer].name + " (at " +
                      std::to_string(address) +
                      ") is not 16-byte aligned, which its TMA tensor map "
                      "needs");
    known.push_back(address);
    // A strided launch keys each map by its byte strides too (a longer key
    // than any dense launch's for this kernel).
    if (strided) {
      const int64_t *given = launchStrides(m, spec.buffer);
      TensorMapSpec used = given ? withStrides(spec, given) : spec;
      known.insert(known.end(), used.strides, used.strides + spec.rank - 1);
    }
  }
  auto seen = pool.byAddress.find(known);
  if (seen != pool.byAddress.end()) {
    if (capturing)
      markCaptured(pool, seen->second);
    for (size_t i = 0; i < kernel.tensorMaps.size(); ++i)
      out.push_back(seen->second + i * sizeof(CUtensorMap));
    return true;
  }
  std::vector<CUtensorMap> maps(kernel.tensorMaps.size());
  for (size_t i = 0; i < maps.size(); ++i) {
    const int64_t *given = launchStrides(m, kernel.tensorMaps[i].buffer);
    const TensorMapSpec &spec =
        given ? withStrides(kernel.tensorMaps[i], given) : kernel.tensorMaps[i];
    if (!check(cuTensorMapEncodeTiled(
                   &maps[i], spec.dtype, spec.rank,
                   reinterpret_cast<void *>(bufferPtrs[spec.buffer]),
                   spec.dims, spec.strides, spec.box, spec.elementStrides,
                   spec.interleave, spec.swizzle, spec.l2promo, spec.oob),
               "cuTensorMapEncodeTiled",
               "kernel " + kernel.name + ", buffer " +
                   m.buffers[spec.buffer].name))
      return false;
  }
  std::string key(reinterpret_cast<const char *>(maps.data()),
                  maps.size() * sizeof(CUtensorMap));
  auto found = pool.copies.find({streamKey, key});
  if (found == pool.copies.end()) {
    if (key.size() > TensorMapPool::kChunkBytes)
      return setError("kernel " + kernel.name + " has too many tensor maps");
    if (pool.used + key.size() > TensorMapPool::kChunkBytes) {
      ++pool.current;
      pool.used = 0;
    }
    // Full: every slot may still be read by a kernel in flight, so wait
    // for them, then reuse. A capture cannot wait (synchronizing would end
    // it with an error) and takes another chunk instead.
    if (pool.current == pool.chunks.size() &&
        pool.chunks.size() >= TensorMapPool::kMaxChunks && !capturing) {
      if (!check(cuCtxSynchronize(), "cuCtxSynchronize",
                 "before reusing tensor-map memory"))
        return false;
      recycle(pool);
    }
    if (pool.current == pool.chunks.size()) {
      CUdeviceptr chunk = 0;
      if (!allocateInCapture(
              capturing, "tensor maps",
              [&] {
                return check(cuMemAlloc(&chunk, TensorMapPool::kChunkBytes),
                             "cuMemAlloc", "tensor maps");
              },
              [&] { cuMemFree(chunk); }))
        return false;
      pool.chunks.push_back(chunk);
      pool.captured.push_back(false);
    }
    CUdeviceptr slot = pool.chunks[pool.current] + pool.used;
    pool.used += key.size();
    found = pool.copies.emplace(std::make_pair(streamKey, std::move(key)), slot)
                .first;
    const std::string &bytes = found->first.second;
    if (!check(cuMemcpyHtoDAsync(slot, bytes.data(), bytes.size(), stream),
               "cuMemcpyHtoDAsync", "tensor maps of kernel " + kernel.name)) {
      // The slot was never written: a later launch with the same maps must
      // copy them again, not pass the kernel whatever the slot holds.
      pool.copies.erase(found);
      return false;
    }
  }
  if (capturing)
    markCaptured(pool, found->second);
  pool.byAddress.emplace(known, found->second);
  for (size_t i = 0; i < maps.size(); ++i)
    out.push_back(found->second + i * sizeof(CUtensorMap));
  return true;
}

/// Checks a launch's `strides` (one per argument, null: dense; D128) and
/// keeps them, normalised, in m.scratch.strides (left empty when the launch
/// gives none, so that a dense launch does what it did before). `api` names
/// the call in messages.
bool readLaunchStrides(FaRtModule &m, const int64_t *const *strides,
                       const char *api) {
  LaunchScratch &scratch = m.scratch;
  scratch.strides.clear();
  if (!strides)
    return true;
  size_t total = 0;
  bool any = false;
  for (int i = 0; i < m.numArguments; ++i)
    if (strides[i]) {
      any = true;
      total += m.buffers[i].shape.size();
    }
  if (!any)
    return true;
  // Sized once: the pointers into it stay valid.
  scratch.strideValues.resize(total);
  scratch.strides.assign(m.numArguments, nullptr);
  int64_t *next = scratch.strideValues.data();
  for (int i = 0; i < m.numArguments; ++i) {
    if (!strides[i])
      continue;
    const Buffer &arg = m.buffers[i];
    std::string what = std::string(api) + ": argument " + arg.name + ": ";
    if (!arg.callerStrides)
      return scratch.strides.clear(),
             setError(what + "strides given, but its kernels read it only "
                             "with its dense strides (no caller_strides in "
                             "the manifest)");
    size_t rank = arg.shape.size();
    for (size_t d = 0; d < rank; ++d) {
      // A size-1 dimension is never stepped along: any stride will do.
      next[d] = arg.shape[d] == 1 ? arg.strides[d] : strides[i][d];
      if (next[d] < 1)
        return scratch.strides.clear(),
               setError(what + "strides[" + std::to_string(d) + "] is " +
                        std::to_string(next[d]) + ", below 1");
    }
    if (next[rank - 1] != 1)
      return scratch.strides.clear(),
             setError(what + "its innermost stride is " +
                      std::to_string(next[rank - 1]) + ", not 1");
    // The kernels move 16-byte chunks of a row (vector loads and stores of
    // a descriptor, a tensor map's boxes): every row starts 16-byte aligned
    // (a misaligned chunk faults, it does not read wrong numbers).
    int64_t elementBytes = 1;
    if (!arg.dtype.empty())
      elementBytesOf(arg.dtype, elementBytes);
    for (size_t d = 0; d + 1 < rank; ++d) {
      int64_t bytes = 0;
      if (arg.shape[d] > 1 &&
          (__builtin_mul_overflow(next[d], elementBytes, &bytes) ||
           bytes % 16 != 0))
        return scratch.strides.clear(),
               setError(what + "strides[" + std::to_string(d) + "] is " +
                        std::to_string(next[d]) + " elements of " +
                        std::to_string(elementBytes) +
                        " bytes, not a multiple of 16 bytes (the kernels "
                        "move 16-byte chunks of each row)");
    }
    if (arg.isResult) {
      // The kernels write it: no two elements may share an address.
      std::vector<size_t> dims;
      for (size_t d = 0; d < rank; ++d)
        if (arg.shape[d] > 1)
          dims.push_back(d);
      std::sort(dims.begin(), dims.end(),
                [&](size_t a, size_t b) { return next[a] < next[b]; });
      for (size_t j = 1; j < dims.size(); ++j) {
        int64_t reach = 0;
        size_t inner = dims[j - 1];
        if (!__builtin_mul_overflow(next[inner], arg.shape[inner], &reach) &&
            next[dims[j]] < reach)
          return scratch.strides.clear(),
                 setError(what + "its strides overlap (dimension " +
                          std::to_string(dims[j]) + "'s stride " +
                          std::to_string(next[dims[j]]) +
                          " is below dimension " + std::to_string(inner) +
                          "'s " + std::to_string(next[inner]) + " x " +
                          std::to_string(arg.shape[inner]) +
                          "), and the kernels write it");
      }
    }
    for (const Kernel &kernel : m.kernels)
      for (const TensorMapSpec &spec : kernel.tensorMaps) {
        if (spec.buffer != i)
          continue;
        std::string why = unencodableReason(withStrides(spec, next));
        if (!why.empty())
          return scratch.strides.clear(),
                 setError(what + "its tensor map in kernel " + kernel.name +
                          " cannot be encoded by cuTensorMapEncodeTiled "
                          "with these strides: " +
                          why);
      }
    scratch.strides[i] = next;
    next += rank;
  }
  return true;
}

/// "kernel K 'NAME'", for the messages of a failed launch.
std::string kernelLabel(size_t index, const Kernel &kernel) {
  return "kernel " + std::to_string(index) + " '" + kernel.name + "'";
}

/// Makes sure the calling thread has a current context. One without (a
/// thread that never made one current: autograd's device thread, where
/// torch need not have touched the CUDA runtime) gets the one faRtInit made
/// current, as the CUDA runtime binds a device's primary context to a new
/// thread; a thread's own current context is left as it is.
bool ensureContext() {
  CUcontext ctx = nullptr;
  if (!check(cuCtxGetCurrent(&ctx), "cuCtxGetCurrent"))
    return false;
  if (ctx)
    return true;
  CUcontext init = initContext.load();
  if (!init)
    return setError("no current CUDA context: call faRtInit first");
  return check(cuCtxSetCurrent(init), "cuCtxSetCurrent",
               "faRtInit's context, on a thread without one");
}
} // namespace

extern "C" {

const char *faRtGetLastError(void) { return lastError.c_str(); }

int faRtInit(int ordinal) {
  lastError.clear();
  std::lock_guard<std::mutex> lock(initMutex);
  if (!check(cuInit(0), "cuInit"))
    return 1;
  int count = 0;
  if (!check(cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return 1;
  if (ordinal < 0 || ordinal >= count)
    return setError("device ordinal " + std::to_string(ordinal) +
                    " out of range (" + std::to_string(count) + " devices)"),
           1;
  CUdevice device;
  CUcontext ctx;
  char name[256] = {0};
  if (!check(cuDeviceGet(&device, ordinal), "cuDeviceGet") ||
      !check(cuDevicePrimaryCtxRetain(&ctx, device),
             "cuDevicePrimaryCtxRetain") ||
      !check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent") ||
      !check(cuDeviceGetName(name, sizeof(name), device), "cuDeviceGetName")) {
    initContext = nullptr;
    return 1;
  }
  currentDevice = device;
  // The same device again leaves the string (and a pointer that
  // faRtDeviceName returned) as it is.
  if (deviceName != name)
    deviceName = name;
  initContext = ctx;
  return 0;
}

const char *faRtDeviceName(void) {
  return deviceName.empty() ? nullptr : deviceName.c_str();
}

FaRtModule *faRtLoad(const char *manifestPath, int preferCubin) {
  lastError.clear();
  if (!manifestPath || !ensureContext())
    return nullptr;
  std::string text, error;
  JsonValue manifest;
  if (!readFile(manifestPath, text))
    return nullptr;
  if (!fa::rt::parseJson(text, manifest, error)) {
    setError(std::string(manifestPath) + ": " + error);
    return nullptr;
  }
  const JsonValue *format = manifest.get("format");
  const JsonValue *version = manifest.get("version");
  if (!format || format->string != "fa-kernel-manifest" || !version ||
      version->integer != 1) {
    setError(std::string(manifestPath) +
             ": not an fa-kernel-manifest of version 1");
    return nullptr;
  }
  auto *m = new FaRtModule();
  std::map<std::string, int> byName;
  bool ok = loadObject(*m, manifest, directoryOf(manifestPath), preferCubin) &&
            readBuffers(*m, manifest, byName);
  const JsonValue *kernels = manifest.get("kernels");
  if (ok && (!kernels || !kernels->isArray()))
    ok = setError("manifest: 'kernels' must be an array");
  for (size_t i = 0; ok && i < kernels->array.size(); ++i)
    ok = readKernel(*m, kernels->array[i], byName);
  if (!ok) {
    std::string saved = lastError;
    faRtUnload(m);
    lastError = std::string(manifestPath) + ": " + saved;
    return nullptr;
  }
  return m;
}

void faRtUnload(FaRtModule *module) {
  if (!module)
    return;
  ensureContext();
  for (ScratchSet &set : module->scratchSets)
    freeScratchSet(*module, set);
  TensorMapPool &pool = module->tensorMaps;
  if (!pool.chunks.empty() || !pool.retiredChunks.empty())
    check(cuCtxSynchronize(), "cuCtxSynchronize", "before freeing tensor maps");
  for (const std::vector<CUdeviceptr> *chunks :
       {&pool.chunks, &pool.retiredChunks})
    for (CUdeviceptr chunk : *chunks)
      check(cuMemFree(chunk), "cuMemFree", "tensor maps");
  if (module->module)
    check(cuModuleUnload(module->module), "cuModuleUnload");
  delete module;
}

const char *faRtLoadedFormat(const FaRtModule *module) {
  return module ? module->format.c_str() : "";
}

int faRtNumArguments(const FaRtModule *module) {
  return module ? module->numArguments : 0;
}

int64_t faRtArgumentBytes(const FaRtModule *module, int index) {
  if (!module || index < 0 || index >= module->numArguments)
    return -1;
  return module->buffers[index].bytes;
}

int faRtNumKernels(const FaRtModule *module) {
  return module ? static_cast<int>(module->kernels.size()) : 0;
}

const char *faRtKernelName(const FaRtModule *module, int index) {
  if (!module || index < 0 ||
      index >= static_cast<int>(module->kernels.size()))
    return nullptr;
  return module->kernels[index].name.c_str();
}

} // extern "C"

namespace {
/// faRtLaunch and faRtLaunchStrided, named `api` in messages.
int launch(FaRtModule *module, const uint64_t *devicePtrs,
           const int64_t *const *strides, int numPtrs, void *stream,
           const char *api) {
  lastError.clear();
  if (!module)
    return setError(std::string(api) + ": null module"), 1;
  if (numPtrs != module->numArguments || (numPtrs > 0 && !devicePtrs))
    return setError(std::string(api) + ": expected " +
                    std::to_string(module->numArguments) +
                    " device pointers, got " + std::to_string(numPtrs)),
           1;
  const char *syncEnv = std::getenv("FA_RT_SYNC_EACH");
  bool syncEach = syncEnv && std::strcmp(syncEnv, "1") == 0;
  // Before anything is launched: an argument the kernel reads with aligned
  // accesses (cp.async's 16-byte copies) would fault the context.
  for (int i = 0; i < numPtrs; ++i) {
    const Buffer &buffer = module->buffers[i];
    if (devicePtrs[i] % static_cast<uint64_t>(buffer.align) != 0)
      return setError("buffer " + buffer.name + " (at " +
                      std::to_string(devicePtrs[i]) + ") is not " +
                      std::to_string(buffer.align) +
                      "-byte aligned, which the kernel's loads need"),
             1;
  }
  if (!ensureContext())
    return 1;
  auto cuStream = static_cast<CUstream>(stream);
  uint64_t streamKey = streamKeyOf(cuStream);
  std::lock_guard<std::mutex> lock(module->launchMutex);
  if (!readLaunchStrides(*module, strides, api))
    return 1;
  const ScratchSet *scratchSet = nullptr;
  if (module->buffers.size() > static_cast<size_t>(module->numArguments) &&
      !(scratchSet = scratchSetFor(*module, cuStream, streamKey)))
    return 1;
  LaunchScratch &scratch = module->scratch;
  std::vector<uint64_t> &bufferPtrs = scratch.bufferPtrs;
  bufferPtrs.assign(devicePtrs, devicePtrs + numPtrs);
  if (scratchSet)
    bufferPtrs.insert(bufferPtrs.end(), scratchSet->pointers.begin(),
                      scratchSet->pointers.end());
  CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
  if (module->hasTensorMaps) {
    CUresult asked = cuStreamIsCapturing(cuStream, &status);
    if (asked != CUDA_SUCCESS)
      return check(asked, "cuStreamIsCapturing",
                   "for the tensor maps of a launch on " +
                       streamName(cuStream)),
             1;
  }
  bool capturing = status != CU_STREAM_CAPTURE_STATUS_NONE;
  for (size_t k = 0; k < module->kernels.size(); ++k) {
    const Kernel &kernel = module->kernels[k];
    if (!tensorMapPointers(*module, k, kernel, bufferPtrs, cuStream, streamKey,
                           capturing, scratch.maps))
      return 1;
    std::vector<uint64_t> &storage = scratch.storage;
    std::vector<void *> &pointers = scratch.pointers;
    storage.assign(kernel.params.size(), 0);
    pointers.assign(kernel.params.size(), nullptr);
    for (size_t i = 0; i < kernel.params.size(); ++i) {
      const Param &p = kernel.params[i];
      if (p.tensorMap >= 0)
        storage[i] = static_cast<uint64_t>(scratch.maps[p.tensorMap]);
      else if (p.strideOf >= 0 && !scratch.strides.empty() &&
               scratch.strides[p.strideOf])
        storage[i] =
            static_cast<uint64_t>(scratch.strides[p.strideOf][p.strideDim]);
      else if (p.buffer < 0)
        storage[i] = p.bits;
      else
        storage[i] = bufferPtrs[p.buffer];
      // Little-endian: a smaller scalar is the low bytes of its slot.
      pointers[i] = &storage[i];
    }
    CUresult launched = cuLaunchKernel(
        kernel.function, kernel.grid[0], kernel.grid[1], kernel.grid[2],
        kernel.block[0], kernel.block[1], kernel.block[2], kernel.sharedBytes,
        cuStream, pointers.data(), nullptr);
    if (launched != CUDA_SUCCESS)
      return check(launched, "cuLaunchKernel", kernelLabel(k, kernel)), 1;
    if (syncEach &&
        !check(cuStreamSynchronize(cuStream), "cuStreamSynchronize",
               "after " + kernelLabel(k, kernel)))
      return 1;
  }
  return 0;
}
} // namespace

extern "C" {

int faRtLaunch(FaRtModule *module, const uint64_t *devicePtrs, int numPtrs,
               void *stream) {
  return launch(module, devicePtrs, nullptr, numPtrs, stream, "faRtLaunch");
}

int faRtLaunchStrided(FaRtModule *module, const uint64_t *devicePtrs,
                      const int64_t *const *strides, int numPtrs,
                      void *stream) {
  return launch(module, devicePtrs, strides, numPtrs, stream,
                "faRtLaunchStrided");
}

int faRtSynchronize(void) {
  lastError.clear();
  if (!ensureContext())
    return 1;
  return check(cuCtxSynchronize(), "cuCtxSynchronize",
               "a launched kernel may have faulted; FA_RT_SYNC_EACH=1 names "
               "it")
             ? 0
             : 1;
}

uint64_t faRtAlloc(size_t bytes) {
  lastError.clear();
  if (!ensureContext())
    return 0;
  CUdeviceptr ptr = 0;
  if (!check(cuMemAlloc(&ptr, bytes), "cuMemAlloc",
             std::to_string(bytes) + " bytes"))
    return 0;
  return static_cast<uint64_t>(ptr);
}

int faRtFree(uint64_t devicePtr) {
  lastError.clear();
  if (!ensureContext())
    return 1;
  return check(cuMemFree(static_cast<CUdeviceptr>(devicePtr)), "cuMemFree") ? 0
                                                                           : 1;
}

int faRtCopyToDevice(uint64_t dst, const void *src, size_t bytes) {
  lastError.clear();
  if (!ensureContext())
    return 1;
  return check(cuMemcpyHtoD(static_cast<CUdeviceptr>(dst), src, bytes),
               "cuMemcpyHtoD")
             ? 0
             : 1;
}

int faRtCopyFromDevice(void *dst, uint64_t src, size_t bytes) {
  lastError.clear();
  if (!ensureContext())
    return 1;
  return check(cuMemcpyDtoH(dst, static_cast<CUdeviceptr>(src), bytes),
               "cuMemcpyDtoH")
             ? 0
             : 1;
}

int faRtMemsetD8(uint64_t dst, unsigned char value, size_t bytes) {
  lastError.clear();
  if (!ensureContext())
    return 1;
  return check(cuMemsetD8(static_cast<CUdeviceptr>(dst), value, bytes),
               "cuMemsetD8")
             ? 0
             : 1;
}

} // extern "C"
