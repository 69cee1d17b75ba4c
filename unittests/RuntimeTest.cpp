//===- RuntimeTest.cpp - runtime/ against a fake CUDA driver --------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// CI has no GPU, so the runtime's checks (alignment, manifest validation,
// error reporting) and what it hands cuLaunchKernel are tested here against
// FakeCudaDriver.cpp, which records every driver call. The manifests have
// the shape fa-compile writes (lib/Target/KernelManifest.cpp).
//
//===----------------------------------------------------------------------===//

#include "fa/runtime.h"

#include "FakeCudaDriver.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

using fa::fake::driver;

namespace {
/// Two kernels over Q, K, V (which cp.async reads: align 16), the output
/// and two scratch buffers, with scalars of every width.
const char *const kManifest = R"({
  "format": "fa-kernel-manifest", "version": 1,
  "function": "attention", "arch": "sm_80", "features": "+ptx80",
  "files": {"ptx": "attention.ptx", "cubin": "attention.cubin"},
  "arguments": [
    {"name": "arg0", "index": 0, "dtype": "bf16", "shape": [1, 2, 64, 64],
     "strides": [8192, 4096, 64, 1], "bytes": 16384, "align": 16},
    {"name": "arg1", "index": 1, "dtype": "bf16", "shape": [1, 2, 96, 64],
     "strides": [12288, 6144, 64, 1], "bytes": 24576, "align": 16},
    {"name": "arg2", "index": 2, "dtype": "bf16", "shape": [1, 2, 96, 64],
     "strides": [12288, 6144, 64, 1], "bytes": 24576, "align": 16},
    {"name": "arg3", "index": 3, "dtype": "f32", "shape": [1, 2, 64, 64],
     "strides": [8192, 4096, 64, 1], "bytes": 32768}],
  "scratch": [
    {"name": "tmp0", "dtype": "f32", "shape": [1, 2, 64], "strides": [128, 64, 1],
     "bytes": 512},
    {"name": "tmp1", "dtype": "f32", "shape": [1, 2, 32], "strides": [64, 32, 1],
     "bytes": 256}],
  "results": ["arg3"],
  "kernels": [
    {"name": "attention_kernel", "grid": [1, 2, 3], "block": [128, 1, 1],
     "shared_bytes": 98304,
     "params": [{"type": "f32", "bits": 1040187392, "value": "0.125"},
                {"type": "ptr", "buffer": "arg0"},
                {"type": "ptr", "buffer": "arg1"},
                {"type": "ptr", "buffer": "arg2"},
                {"type": "i64", "value": -3},
                {"type": "ptr", "buffer": "tmp0"},
                {"type": "i32", "value": -7},
                {"type": "i16", "value": 513},
                {"type": "i1", "value": 1},
                {"type": "bf16", "bits": 16256, "value": "1"}]},
    {"name": "attention_kernel_0", "grid": [4, 1, 1], "block": [256, 1, 1],
     "shared_bytes": 0,
     "params": [{"type": "ptr", "buffer": "tmp1"},
                {"type": "ptr", "buffer": "arg3"},
                {"type": "f64", "bits": 18442240474082181120, "value": "-inf"}]}]
})";

/// The wgmma kernel's TMA loads and store: tensor maps over Q (no manifest
/// alignment: only the tensor map needs one) and O.
const char *const kTmaManifest = R"({
  "format": "fa-kernel-manifest", "version": 1,
  "function": "attention", "arch": "sm_90a", "features": "+ptx80",
  "files": {"ptx": "attention.ptx"},
  "arguments": [
    {"name": "arg0", "index": 0, "dtype": "bf16", "shape": [1, 2, 128, 64],
     "strides": [16384, 8192, 64, 1], "bytes": 32768},
    {"name": "arg1", "index": 1, "dtype": "f32", "shape": [1, 2, 128, 64],
     "strides": [16384, 8192, 64, 1], "bytes": 65536}],
  "scratch": [],
  "results": ["arg1"],
  "kernels": [
    {"name": "wgmma_kernel", "grid": [1, 2, 1], "block": [384, 1, 1],
     "shared_bytes": 1024,
     "params": [{"type": "tensormap", "buffer": "arg0", "dtype": "bf16",
                 "shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1],
                 "box": [1, 1, 64, 64], "swizzle": "swizzle_128b",
                 "l2promo": "l2promo_256b", "oob": "zero",
                 "interleave": "none"},
                {"type": "tensormap", "buffer": "arg1", "dtype": "f32",
                 "shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1],
                 "box": [1, 1, 32, 64], "swizzle": "none",
                 "l2promo": "none", "oob": "nan", "interleave": "none"},
                {"type": "ptr", "buffer": "arg1"}]}]
})";

/// `text` with the first occurrence of `from` replaced by `to`.
std::string replaced(std::string text, const std::string &from,
                     const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

/// The buffer address in the fake's encoding of the tensor map that a
/// kernel parameter points to (device memory is host memory here).
uint64_t encodedAddress(uint64_t mapPointer) {
  return reinterpret_cast<const CUtensorMap *>(mapPointer)->opaque[0];
}

struct Unloader {
  void operator()(FaRtModule *m) const { faRtUnload(m); }
};
using Module = std::unique_ptr<FaRtModule, Unloader>;

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    fa::fake::reset();
    driver().kernels = {{"attention_kernel", {4, 8, 8, 8, 8, 8, 4, 2, 1, 2}},
                        {"attention_kernel_0", {8, 8, 8}},
                        {"wgmma_kernel", {8, 8, 8}}};
    std::string pattern = ::testing::TempDir() + "fa-runtime-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir = pattern;
    write("attention.ptx", ".version 8.0\n.target sm_90a\n");
    ASSERT_EQ(faRtInit(0), 0) << faRtGetLastError();
  }

  void TearDown() override {
    // Every path, failing ones included, frees what it allocated.
    EXPECT_TRUE(driver().allocations.empty());
    EXPECT_EQ(driver().liveModules, 0);
    unsetenv("FA_RT_SYNC_EACH");
    for (const std::string &f : files)
      std::remove((dir + "/" + f).c_str());
    rmdir(dir.c_str());
    fa::fake::reset();
  }

  void write(const std::string &name, const std::string &text) {
    std::ofstream(dir + "/" + name) << text;
    files.push_back(name);
  }

  std::string manifestPath() const { return dir + "/attention.json"; }

  Module load(const std::string &manifest, int preferCubin = 0) {
    write("attention.json", manifest);
    return Module(faRtLoad(manifestPath().c_str(), preferCubin));
  }

  /// Loads `manifest` and expects a failure whose message has `part` and
  /// names the manifest.
  void loadError(const std::string &manifest, const std::string &part) {
    Module m = load(manifest);
    std::string error = faRtGetLastError();
    EXPECT_EQ(m, nullptr);
    EXPECT_TRUE(contains(error, part)) << error;
    EXPECT_TRUE(contains(error, manifestPath())) << error;
  }

  /// Addresses for the arguments of `m`: 64 KiB apart, so aligned for any
  /// manifest "align" (the kernels are not run: nothing reads them).
  std::vector<uint64_t> arguments(FaRtModule *m) {
    std::vector<uint64_t> ptrs;
    for (int i = 0; i < faRtNumArguments(m); ++i)
      ptrs.push_back(0x100000 + 0x10000 * static_cast<uint64_t>(i));
    return ptrs;
  }

  std::string dir;
  std::vector<std::string> files;
};

TEST_F(RuntimeTest, InitNamesTheDevice) {
  EXPECT_STREQ(faRtGetLastError(), "");
  EXPECT_STREQ(faRtDeviceName(), "Fake CUDA Device 0");
  EXPECT_EQ(faRtInit(1), 1);
  EXPECT_STREQ(faRtGetLastError(), "device ordinal 1 out of range (1 devices)");
  driver().failNext("cuInit", CUDA_ERROR_NO_DEVICE);
  EXPECT_EQ(faRtInit(0), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuInit failed: CUDA_ERROR_NO_DEVICE (100): fake driver error");
}

TEST_F(RuntimeTest, LoadNeedsACurrentContext) {
  // faRtInit failed: there is no context to make current.
  driver().failNext("cuCtxSetCurrent", CUDA_ERROR_UNKNOWN);
  EXPECT_EQ(faRtInit(0), 1);
  fa::fake::setCurrentContext(nullptr);
  Module m = load(kManifest);
  EXPECT_EQ(m, nullptr);
  EXPECT_STREQ(faRtGetLastError(),
               "no current CUDA context: call faRtInit first");
}

TEST_F(RuntimeTest, AThreadWithoutAContextGetsFaRtInitsContext) {
  // Autograd runs the backward on its own device thread, where torch may
  // never have made a context current: the runtime's calls there (a lazy
  // load, the launch, a synchronize) run in the context faRtInit made
  // current, not fail with CUDA_ERROR_INVALID_CONTEXT.
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  int launched = -1, loaded = 0, synchronized = -1;
  std::vector<uint64_t> ptrs = arguments(m.get());
  std::thread worker([&] {
    launched = faRtLaunch(m.get(), ptrs.data(), static_cast<int>(ptrs.size()),
                          nullptr);
    Module other = load(kManifest);
    loaded = other != nullptr;
    synchronized = faRtSynchronize();
  });
  worker.join();
  EXPECT_EQ(launched, 0);
  EXPECT_EQ(loaded, 1);
  EXPECT_EQ(synchronized, 0);
  EXPECT_EQ(driver().launches.size(),
            static_cast<size_t>(faRtNumKernels(m.get())));
}

TEST_F(RuntimeTest, InitAgainKeepsOtherThreadsContext) {
  // faRtInit again (another caller of the library, or the Python runtime's
  // init racing on two threads) while a thread without a context works:
  // that thread gets faRtInit's context throughout, never "call faRtInit
  // first" (session 9's campaign: faRtInit cleared the context it had
  // handed out before making the new one current).
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::string firstError;
  std::thread worker([&] {
    while (!stop) {
      fa::fake::setCurrentContext(nullptr);
      if (faRtSynchronize() != 0 && failures++ == 0)
        firstError = faRtGetLastError();
    }
  });
  std::vector<std::thread> initializers;
  std::atomic<int> initFailures{0};
  for (int t = 0; t < 2; ++t)
    initializers.emplace_back([&] {
      for (int i = 0; i < 20000; ++i)
        initFailures += faRtInit(0) != 0;
    });
  for (std::thread &t : initializers)
    t.join();
  stop = true;
  worker.join();
  EXPECT_EQ(initFailures, 0);
  EXPECT_EQ(failures, 0) << firstError;
  EXPECT_STREQ(faRtDeviceName(), "Fake CUDA Device 0");
}

TEST_F(RuntimeTest, AFailedInitAgainLeavesNoContextToHandOut) {
  // A failed faRtInit: the context is not handed to new threads (what it
  // would be is unknown), and the error says so; a later one restores it.
  driver().failNext("cuDevicePrimaryCtxRetain", CUDA_ERROR_UNKNOWN);
  EXPECT_EQ(faRtInit(0), 1);
  int synchronized = -1;
  std::string error;
  std::thread worker([&] {
    synchronized = faRtSynchronize();
    error = faRtGetLastError();
  });
  worker.join();
  EXPECT_EQ(synchronized, 1);
  EXPECT_EQ(error, "no current CUDA context: call faRtInit first");
  ASSERT_EQ(faRtInit(0), 0) << faRtGetLastError();
  std::thread again([&] { synchronized = faRtSynchronize(); });
  again.join();
  EXPECT_EQ(synchronized, 0);
}

TEST_F(RuntimeTest, ThreadsWithoutAContextLoadLaunchAndUnload) {
  // Several threads without a context, each loading, launching and
  // unloading its own module while the others launch theirs (autograd's
  // device thread next to the training loop's): every call succeeds, and
  // every module and scratch buffer is freed (TearDown checks).
  Module shared = load(kManifest);
  ASSERT_NE(shared, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(shared.get());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Module own(faRtLoad(manifestPath().c_str(), 0));
        failures += own == nullptr;
        failures += faRtLaunch(shared.get(), ptrs.data(),
                               static_cast<int>(ptrs.size()), nullptr) != 0;
        if (own)
          failures += faRtLaunch(own.get(), ptrs.data(),
                                 static_cast<int>(ptrs.size()), nullptr) != 0;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
}

TEST_F(RuntimeTest, LoadReadsTheManifest) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  EXPECT_STREQ(faRtLoadedFormat(m.get()), "ptx");
  ASSERT_EQ(driver().loadedImages.size(), 1u);
  EXPECT_EQ(driver().loadedImages[0].second, ".version 8.0\n.target sm_90a\n");
  EXPECT_EQ(faRtNumArguments(m.get()), 4);
  EXPECT_EQ(faRtArgumentBytes(m.get(), 0), 16384);
  EXPECT_EQ(faRtArgumentBytes(m.get(), 2), 24576);
  EXPECT_EQ(faRtArgumentBytes(m.get(), 3), 32768);
  // Scratch buffers are not arguments.
  EXPECT_EQ(faRtArgumentBytes(m.get(), 4), -1);
  EXPECT_EQ(faRtArgumentBytes(m.get(), -1), -1);
  EXPECT_EQ(faRtNumKernels(m.get()), 2);
  EXPECT_STREQ(faRtKernelName(m.get(), 1), "attention_kernel_0");
  EXPECT_EQ(faRtKernelName(m.get(), 2), nullptr);
  // The scratch buffers, allocated at load.
  EXPECT_EQ(driver().allocations.size(), 2u);
  // Only the kernel above 48 KiB of dynamic shared memory opts in.
  ASSERT_EQ(driver().attributes.size(), 1u);
  EXPECT_EQ(driver().attributes[0].first, "attention_kernel");
  EXPECT_EQ(driver().attributes[0].second.first,
            CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
  EXPECT_EQ(driver().attributes[0].second.second, 98304);

  EXPECT_EQ(faRtNumArguments(nullptr), 0);
  EXPECT_EQ(faRtNumKernels(nullptr), 0);
  EXPECT_STREQ(faRtLoadedFormat(nullptr), "");
  faRtUnload(nullptr);
}

TEST_F(RuntimeTest, LoadPrefersTheCubinWhenAsked) {
  write("attention.cubin", "fake cubin");
  Module m = load(kManifest, /*preferCubin=*/1);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  EXPECT_STREQ(faRtLoadedFormat(m.get()), "cubin");
  m.reset();
  // Without a PTX the cubin is loaded either way.
  m = load(replaced(kManifest, R"("ptx": "attention.ptx", )", ""), 0);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  EXPECT_STREQ(faRtLoadedFormat(m.get()), "cubin");
  ASSERT_EQ(driver().loadedImages.size(), 2u);
  EXPECT_EQ(driver().loadedImages[1].first, "cubin");
  EXPECT_EQ(driver().loadedImages[1].second, "fake cubin");
}

TEST_F(RuntimeTest, LaunchPassesTheManifestsParameters) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *stream = reinterpret_cast<void *>(0x5157);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, stream), 0)
      << faRtGetLastError();
  EXPECT_STREQ(faRtGetLastError(), "");
  const auto &launches = driver().launches;
  ASSERT_EQ(launches.size(), 2u);
  // The scratch buffers' addresses, in allocation order.
  uint64_t tmp0 = driver().allocations.begin()->first;
  uint64_t tmp1 = std::next(driver().allocations.begin())->first;
  if (driver().allocations.at(tmp0) != 512)
    std::swap(tmp0, tmp1);

  const fa::fake::Launch &a = launches[0];
  EXPECT_EQ(a.kernel, "attention_kernel");
  EXPECT_EQ(a.grid[0], 1u);
  EXPECT_EQ(a.grid[1], 2u);
  EXPECT_EQ(a.grid[2], 3u);
  EXPECT_EQ(a.block[0], 128u);
  EXPECT_EQ(a.block[1], 1u);
  EXPECT_EQ(a.sharedBytes, 98304u);
  EXPECT_EQ(a.stream, stream);
  std::vector<uint64_t> expected = {
      0x3e000000u,  // f32 0.125, its bits
      ptrs[0],      // arg0
      ptrs[1],      // arg1
      ptrs[2],      // arg2
      ~uint64_t(2), // i64 -3
      tmp0,         // scratch
      0xfffffff9u,  // i32 -7: four bytes
      0x0201u,      // i16 513
      1u,           // i1: one byte
      0x3f80u,      // bf16 1.0
  };
  EXPECT_EQ(a.params, expected);

  const fa::fake::Launch &b = launches[1];
  EXPECT_EQ(b.kernel, "attention_kernel_0");
  EXPECT_EQ(b.grid[0], 4u);
  EXPECT_EQ(b.block[0], 256u);
  EXPECT_EQ(b.sharedBytes, 0u);
  expected = {tmp1, ptrs[3], 0xfff0000000000000ull};
  EXPECT_EQ(b.params, expected);
  // Launches are queued, not waited for.
  EXPECT_EQ(driver().count("cuStreamSynchronize"), 0);
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 0);
}

TEST_F(RuntimeTest, LaunchRefusesAMisalignedArgumentAndStaysUsable) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  ptrs[1] += 8;
  driver().calls.clear();
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 1);
  EXPECT_EQ(std::string(faRtGetLastError()),
            "buffer arg1 (at " + std::to_string(ptrs[1]) +
                ") is not 16-byte aligned, which the kernel's loads need");
  // Refused before any driver call: nothing was launched.
  EXPECT_TRUE(driver().calls.empty());
  EXPECT_TRUE(driver().launches.empty());

  // An argument without "align" may be anywhere.
  ptrs[1] -= 8;
  ptrs[3] += 1;
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().launches.size(), 2u);
  EXPECT_STREQ(faRtGetLastError(), "");
}

TEST_F(RuntimeTest, LaunchChecksThePointerCount) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 3, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "faRtLaunch: expected 4 device pointers, got 3");
  EXPECT_EQ(faRtLaunch(m.get(), nullptr, 4, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "faRtLaunch: expected 4 device pointers, got 4");
  EXPECT_EQ(faRtLaunch(nullptr, ptrs.data(), 4, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(), "faRtLaunch: null module");
  EXPECT_TRUE(driver().launches.empty());
}

TEST_F(RuntimeTest, AlignMustBeAPositivePowerOfTwo) {
  for (const char *align : {"0", "-16", "12", "\"16\"", "1.5"}) {
    SCOPED_TRACE(align);
    loadError(replaced(kManifest, R"("bytes": 24576, "align": 16)",
                       std::string(R"("bytes": 24576, "align": )") + align),
              "manifest: buffer arg1: 'align' must be a positive power of "
              "two");
  }
  // On a scratch buffer too.
  loadError(
      replaced(kManifest, R"("bytes": 256)", R"("bytes": 256, "align": 3)"),
      "manifest: buffer tmp1: 'align' must be a positive power of two");
  // 1 is a power of two: no constraint.
  Module m = load(replaced(kManifest, R"("bytes": 24576, "align": 16)",
                           R"("bytes": 24576, "align": 1)"));
  EXPECT_NE(m, nullptr) << faRtGetLastError();
}

TEST_F(RuntimeTest, LoadRejectsMalformedManifests) {
  struct Case {
    const char *from, *to, *error;
  };
  const Case cases[] = {
      {R"("format": "fa-kernel-manifest")", R"("format": "fa-manifest")",
       "not an fa-kernel-manifest of version 1"},
      {R"("version": 1)", R"("version": 2)",
       "not an fa-kernel-manifest of version 1"},
      {R"("version": 1,)", "", "not an fa-kernel-manifest of version 1"},
      {R"("arguments")", R"("args")",
       "manifest: 'arguments' and 'scratch' must be arrays"},
      {R"("scratch": [)", R"("scratch": 0, "unused": [)",
       "manifest: 'arguments' and 'scratch' must be arrays"},
      {R"("kernels")", R"("kernel_list")",
       "manifest: 'kernels' must be an array"},
      {R"("files")", R"("outputs")",
       "manifest: files names neither a ptx nor a cubin"},
      {"attention.ptx", "missing.ptx", "cannot open '"},
      {R"("bytes": 16384)", R"("bytes": 0)",
       "manifest: a buffer lacks a name or a positive size"},
      {R"("bytes": 16384)", R"("bytes": -64)",
       "manifest: a buffer lacks a name or a positive size"},
      {R"("bytes": 16384)", R"("size": 16384)",
       "manifest: a buffer lacks a name or a positive size"},
      {R"("bytes": 512)", R"("bytes": 0)",
       "manifest: a buffer lacks a name or a positive size"},
      {R"("name": "arg2")", R"("name": 2)",
       "manifest: a buffer lacks a name or a positive size"},
      {R"("name": "attention_kernel")", R"("name": 7)",
       "manifest: a kernel has no name"},
      {R"("grid": [1, 2, 3])", R"("grid": [1, 2])",
       "manifest: attention_kernel grid must be an array of 3 integers"},
      {R"("block": [128, 1, 1])", R"("block": [128, 0, 1])",
       "manifest: attention_kernel block has a non-positive size"},
      // CUDA's launch limits (issue 27, item 6): cuLaunchKernel would fail.
      {R"("grid": [1, 2, 3])", R"("grid": [2147483648, 2, 3])",
       "manifest: attention_kernel grid size x = 2147483648 exceeds CUDA's "
       "2147483647"},
      {R"("grid": [1, 2, 3])", R"("grid": [1, 65536, 3])",
       "manifest: attention_kernel grid size y = 65536 exceeds CUDA's 65535"},
      {R"("grid": [1, 2, 3])", R"("grid": [1, 2, 65536])",
       "manifest: attention_kernel grid size z = 65536 exceeds CUDA's 65535"},
      {R"("block": [128, 1, 1])", R"("block": [1025, 1, 1])",
       "manifest: attention_kernel block size x = 1025 exceeds CUDA's 1024"},
      {R"("block": [128, 1, 1])", R"("block": [1, 1, 65])",
       "manifest: attention_kernel block size z = 65 exceeds CUDA's 64"},
      {R"("block": [128, 1, 1])", R"("block": [128, 16, 1])",
       "manifest: attention_kernel block has 2048 threads; CUDA allows at "
       "most 1024"},
      {R"("params": [{"type": "f32")", R"("parameters": [{"type": "f32")",
       "manifest: kernel attention_kernel has no params"},
      {R"({"type": "f32", "bits")", R"({"type": "f8", "bits")",
       "manifest: kernel attention_kernel has a parameter of unknown type"},
      {R"({"type": "ptr", "buffer": "tmp1"})",
       R"({"type": "ptr", "buffer": "tmp9"})",
       "manifest: kernel attention_kernel_0 names an unknown buffer"},
      {R"({"type": "i32", "value": -7})", R"({"type": "i32", "value": "-7"})",
       "manifest: kernel attention_kernel has a scalar without an integer "
       "value or bits"},
      // A size the launch would wrap to 4 GiB or read as 0.
      {R"("shared_bytes": 98304)", R"("shared_bytes": -1)",
       "manifest: kernel attention_kernel: 'shared_bytes' must be an integer "
       "from 0 to 2147483647"},
      {R"("shared_bytes": 98304)", R"("shared_bytes": "98304")",
       "manifest: kernel attention_kernel: 'shared_bytes' must be an integer "
       "from 0 to 2147483647"},
      {R"("shared_bytes": 98304)", R"("shared_bytes": 4294967296)",
       "manifest: kernel attention_kernel: 'shared_bytes' must be an integer "
       "from 0 to 2147483647"},
      {R"("shared_bytes": 98304)", R"("shared_bytes": 18446744073709551615)",
       "manifest: kernel attention_kernel: 'shared_bytes' must be an integer "
       "from 0 to 2147483647"},
      // Issue 27, item 9. A second `kernels` array was appended to the first
      // (both launched); a second buffer of a name took every use.
      {R"("kernels": [)", R"("kernels": [], "kernels": [)",
       R"(duplicate key "kernels")"},
      {R"("format": "fa-kernel-manifest")",
       R"("format": "fa-kernel-manifest", "format": "x")",
       R"(duplicate key "format")"},
      {R"("name": "arg1")", R"("name": "arg0")",
       "manifest: two buffers are named 'arg0'"},
      {R"("name": "tmp1")", R"("name": "arg3")",
       "manifest: two buffers are named 'arg3'"},
      {R"("dtype": "bf16", "shape": [1, 2, 64, 64])",
       R"("dtype": 16, "shape": [1, 2, 64, 64])",
       "manifest: buffer arg0: 'dtype' must be a string"},
      // A buffer's shape and dtype state its bytes (session 18, D121): a
      // scratch buffer allocated smaller than its shape, or of an unknown
      // or wrong element type, was launched on.
      {R"("bytes": 256)", R"("bytes": 4)",
       "manifest: buffer tmp1: its shape of f32 holds 256 bytes, not its "
       "'bytes' 4"},
      {R"("bytes": 16384)", R"("bytes": 16383)",
       "manifest: buffer arg0: its shape of bf16 holds 16384 bytes, not its "
       "'bytes' 16383"},
      {R"("dtype": "f32", "shape": [1, 2, 32])",
       R"("dtype": "f64", "shape": [1, 2, 32])",
       "manifest: buffer tmp1: its shape of f64 holds 512 bytes, not its "
       "'bytes' 256"},
      {R"("dtype": "f32", "shape": [1, 2, 32])",
       R"("dtype": "f33", "shape": [1, 2, 32])",
       "manifest: buffer tmp1: unknown dtype 'f33'"},
      {R"("shape": [1, 2, 32])",
       R"("shape": [2147483648, 2147483648, 2147483648])",
       "manifest: buffer tmp1: its shape holds more than 2^63 - 1 bytes"},
      {R"("shape": [1, 2, 32])", R"("shape": [1, 0, 32])",
       "manifest: buffer tmp1: 'shape' must hold positive integers"},
      {R"("shape": [1, 2, 32])", R"("shape": [])",
       "manifest: buffer tmp1: 'shape' must be a non-empty array, with a "
       "dtype"},
      // The kernel is read from the manifest's folder only.
      {"attention.ptx", "../../../etc/hostname",
       "manifest: files names '../../../etc/hostname', not a file name of "
       "the manifest's folder"},
      {"attention.ptx", "/etc/hostname",
       "manifest: files names '/etc/hostname', not a file name"},
      {"attention.ptx", "..", "manifest: files names '..', not a file name"},
      {R"("attention.ptx")", R"("")",
       "manifest: files names '', not a file name"},
      {R"("attention.ptx")", R"("attention.ptx\u0000.txt")",
       "manifest: files names 'attention.ptx\\u0000.txt', not a file name"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.error);
    loadError(replaced(kManifest, c.from, c.to), c.error);
  }
  // Not JSON, or not an object: the parser's message or the format's.
  loadError("{\"format\": ", manifestPath() + ": ");
  loadError("[1, 2]", "not an fa-kernel-manifest of version 1");
}

TEST_F(RuntimeTest, LoadRejectsMalformedTensorMaps) {
  struct Case {
    const char *from, *to, *error;
  };
  const Case cases[] = {
      {R"("buffer": "arg0", "dtype": "bf16")",
       R"("buffer": "tmp0", "dtype": "bf16")", "names an unknown buffer"},
      {R"("buffer": "arg0", "dtype": "bf16")",
       R"("buffer": "arg0", "dtype": "f8")",
       "has an unknown dtype, swizzle, l2promo, oob or interleave"},
      {R"("swizzle": "swizzle_128b")", R"("swizzle": "swizzle_256b")",
       "has an unknown dtype, swizzle, l2promo, oob or interleave"},
      {R"("box": [1, 1, 64, 64])", R"("box": [1, 64, 64])",
       "needs shape, strides and box of one rank, 1-5"},
      {R"("box": [1, 1, 64, 64])", R"("box": [1, 1, 64, 512])",
       "has a non-positive size or stride, or a box size above 256"},
      {R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])",
       R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 2])",
       "needs a contiguous innermost dimension"},
      // Issue 27, item 3: stride * element bytes wrapped to 0.
      {R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])",
       R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 9223372036854775807, 1])",
       "has a stride of more than 2^63 - 1 bytes"},
      // Issue 27, item 9: a map must stay within its buffer, of its type
      // (TMA reads and writes whatever the map describes).
      {R"("buffer": "arg0", "dtype": "bf16")",
       R"("buffer": "arg0", "dtype": "f16")",
       "of dtype f16 is over buffer arg0 of dtype bf16"},
      {R"("buffer": "arg1", "dtype": "f32")",
       R"("buffer": "arg0", "dtype": "f32")",
       "of dtype f32 is over buffer arg0 of dtype bf16"},
      {R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])",
       R"("shape": [1, 4, 128, 64], "strides": [16384, 8192, 64, 1])",
       "spans 65536 bytes, beyond buffer arg0's 32768"},
      {R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])",
       R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 128, 1])",
       "spans 49024 bytes, beyond buffer arg0's 32768"},
      {R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])",
       R"("shape": [3, 2, 128, 64], "strides": [2305843009213693952, 8192, 64, 1])",
       "spans more than 2^63 - 1 bytes"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.error);
    loadError(replaced(kTmaManifest, c.from, c.to),
              std::string("manifest: kernel wgmma_kernel tensor map ") +
                  c.error);
  }
}

TEST_F(RuntimeTest, LoadRejectsTensorMapsTheDriverCannotEncode) {
  // cuTensorMapEncodeTiled's documented limits (cuda.h): such a map used to
  // load and then failed every launch (on a GPU; the fake accepted it).
  struct Case {
    std::vector<std::pair<std::string, std::string>> edits;
    const char *error;
  };
  const std::string map =
      R"("shape": [1, 2, 128, 64], "strides": [16384, 8192, 64, 1])";
  const std::string arg0Bytes =
      R"("strides": [16384, 8192, 64, 1], "bytes": 32768})";
  const Case cases[] = {
      // Rows of 60 bf16: 120 bytes apart.
      {{{map, R"("shape": [1, 2, 128, 60], "strides": [16384, 8192, 60, 1])"}},
       "strides[2] is 120 bytes, not a multiple of 16"},
      // A batch stride of 2^40 bytes (one batch: within the buffer).
      {{{map,
         R"("shape": [1, 2, 128, 64], "strides": [549755813888, 8192, 64, 1])"}},
       "strides[0] is 1099511627776 bytes, not below 2^40"},
      // 2^32 + 1 rows, in a buffer that large (its shape states its
      // bytes, D121).
      {{{arg0Bytes,
         R"("strides": [16384, 8192, 64, 1], "bytes": 1099511627776})"},
        {R"("dtype": "bf16", "shape": [1, 2, 128, 64],)",
         R"("dtype": "bf16", "shape": [1, 1, 4294967296, 128],)"},
        {map,
         R"("shape": [1, 1, 4294967297, 16], "strides": [16384, 8192, 16, 1])"}},
       "shape[2] = 4294967297 is above 2^32"},
      {{{R"("box": [1, 1, 64, 64])", R"("box": [1, 1, 64, 4])"}},
       "the box's rows are 8 bytes, not a multiple of 16"},
      {{{R"("box": [1, 1, 64, 64])", R"("box": [1, 1, 64, 128])"}},
       "the box's rows are 256 bytes, wider than its 128-byte swizzle"},
      {{{R"("interleave": "none")", R"("interleave": "interleave_32b")"}},
       "a 32-byte interleave needs the 32-byte swizzle"},
      {{{map, R"("shape": [256, 64], "strides": [64, 1])"},
        {R"("box": [1, 1, 64, 64])", R"("box": [64, 64])"},
        {R"("interleave": "none")", R"("interleave": "interleave_16b")"}},
       "an interleaved map needs a rank of at least 3"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.error);
    std::string manifest = kTmaManifest;
    for (const auto &[from, to] : c.edits)
      manifest = replaced(manifest, from, to);
    loadError(manifest, std::string("manifest: kernel wgmma_kernel tensor map "
                                    "over buffer arg0 cannot be encoded by "
                                    "cuTensorMapEncodeTiled: ") +
                            c.error);
  }
  // The manifest itself loads; the fake driver refuses what the runtime now
  // refuses at load, as the real one does.
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  auto encode = [](cuuint64_t rowStride) {
    CUtensorMap encoded;
    cuuint64_t dims[] = {64, 128}, strides[] = {rowStride};
    cuuint32_t box[] = {64, 64}, ones[] = {1, 1};
    return cuTensorMapEncodeTiled(
        &encoded, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2,
        reinterpret_cast<void *>(0x200000), dims, strides, box, ones,
        CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
        CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  };
  EXPECT_EQ(encode(120), CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(encode(uint64_t(1) << 40), CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(encode(128), CUDA_SUCCESS);
}

#if CUDA_VERSION >= 12040
TEST_F(RuntimeTest, LoadCrossChecksTheKernelSignature) {
  driver().kernels["attention_kernel_0"] = {8, 8};
  loadError(kManifest, "manifest: kernel attention_kernel_0 lists 3 "
                       "parameters but the kernel has 2");
  driver().kernels["attention_kernel_0"] = {8, 8, 8, 8};
  loadError(kManifest, "manifest: kernel attention_kernel_0 lists 3 "
                       "parameters but the kernel has more");
  driver().kernels["attention_kernel_0"] = {8, 8, 4};
  loadError(kManifest, "manifest: kernel attention_kernel_0 parameter 2 is "
                       "4 bytes, the manifest says 8");
}
#endif

TEST_F(RuntimeTest, DriverErrorsNameTheCall) {
  // A load that fails after the scratch buffers were allocated frees them
  // (TearDown checks).
  driver().kernels.erase("attention_kernel_0");
  loadError(kManifest, "cuModuleGetFunction (attention_kernel_0) failed: "
                       "CUDA_ERROR_NOT_FOUND (500): fake driver error");
  driver().kernels["attention_kernel_0"] = {8, 8, 8};

  driver().failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY, 1, /*after=*/1);
  loadError(kManifest, "cuMemAlloc (scratch buffer tmp1, 256 bytes) failed: "
                       "CUDA_ERROR_OUT_OF_MEMORY (2): fake driver error");

  driver().failNext("cuModuleLoadDataEx", CUDA_ERROR_INVALID_PTX);
  loadError(kManifest, "/attention.ptx) failed: CUDA_ERROR_INVALID_PTX "
                       "(218): fake driver error; JIT log: ptxas fatal: "
                       "fake JIT error");

  driver().failNext("cuFuncSetAttribute", CUDA_ERROR_INVALID_VALUE);
  loadError(kManifest, "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) "
                       "(attention_kernel) failed: CUDA_ERROR_INVALID_VALUE");

  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  driver().failNext("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, 1,
                    /*after=*/1);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuLaunchKernel (kernel 1 'attention_kernel_0') failed: "
               "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701): fake driver error");
  // The module is still usable.
  driver().launches.clear();
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().launches.size(), 2u);

  driver().failNext("cuCtxSynchronize", CUDA_ERROR_ILLEGAL_ADDRESS);
  EXPECT_EQ(faRtSynchronize(), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuCtxSynchronize (a launched kernel may have faulted; "
               "FA_RT_SYNC_EACH=1 names it) failed: CUDA_ERROR_ILLEGAL_ADDRESS "
               "(700): fake driver error");
  EXPECT_EQ(faRtSynchronize(), 0);
  EXPECT_STREQ(faRtGetLastError(), "");

  // A code that cuGetErrorName refuses (the fake names only some) still
  // reports the call.
  driver().failNext("cuCtxSynchronize", CUDA_ERROR_UNKNOWN);
  EXPECT_EQ(faRtSynchronize(), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuCtxSynchronize (a launched kernel may have faulted; "
               "FA_RT_SYNC_EACH=1 names it) failed: unknown CUresult "
               "(999): ");
}

TEST_F(RuntimeTest, SyncEachSynchronizesAfterEveryKernel) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *stream = reinterpret_cast<void *>(0x5157);
  auto launchCalls = [&] {
    std::vector<std::string> calls;
    for (const std::string &c : driver().calls)
      if (c == "cuLaunchKernel" || c == "cuStreamSynchronize")
        calls.push_back(c);
    driver().calls.clear();
    return calls;
  };
  driver().calls.clear();

  setenv("FA_RT_SYNC_EACH", "0", 1);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, stream), 0);
  EXPECT_EQ(launchCalls(),
            (std::vector<std::string>{"cuLaunchKernel", "cuLaunchKernel"}));

  setenv("FA_RT_SYNC_EACH", "1", 1);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, stream), 0);
  EXPECT_EQ(launchCalls(), (std::vector<std::string>{
                               "cuLaunchKernel", "cuStreamSynchronize",
                               "cuLaunchKernel", "cuStreamSynchronize"}));

  // The first kernel faults: it is named, and the second is not launched.
  driver().failNext("cuStreamSynchronize", CUDA_ERROR_ILLEGAL_ADDRESS);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, stream), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuStreamSynchronize (after kernel 0 'attention_kernel') "
               "failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): fake driver error");
  EXPECT_EQ(launchCalls(), (std::vector<std::string>{"cuLaunchKernel",
                                                     "cuStreamSynchronize"}));
}

TEST_F(RuntimeTest, TensorMapsAreEncodedOverTheBuffers) {
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  // arg0 is 16-byte but not 256-byte aligned: enough for TMA.
  uint64_t ptrs[] = {0x200010, 0x400000};
  auto *stream = reinterpret_cast<void *>(0x5157);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, stream), 0) << faRtGetLastError();

  ASSERT_EQ(driver().encodes.size(), 2u);
  const fa::fake::Encode &q = driver().encodes[0];
  EXPECT_EQ(q.dtype, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16);
  EXPECT_EQ(q.rank, 4u);
  EXPECT_EQ(q.address, ptrs[0]);
  // Innermost first; strides in bytes, of dimensions 1 .. rank-1.
  EXPECT_EQ(q.dims, (std::vector<uint64_t>{64, 128, 2, 1}));
  EXPECT_EQ(q.strides, (std::vector<uint64_t>{128, 16384, 32768}));
  EXPECT_EQ(q.box, (std::vector<unsigned>{64, 64, 1, 1}));
  EXPECT_EQ(q.elementStrides, (std::vector<unsigned>{1, 1, 1, 1}));
  EXPECT_EQ(q.swizzle, CU_TENSOR_MAP_SWIZZLE_128B);
  EXPECT_EQ(q.l2promo, CU_TENSOR_MAP_L2_PROMOTION_L2_256B);
  EXPECT_EQ(q.oob, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  EXPECT_EQ(q.interleave, CU_TENSOR_MAP_INTERLEAVE_NONE);
  const fa::fake::Encode &o = driver().encodes[1];
  EXPECT_EQ(o.dtype, CU_TENSOR_MAP_DATA_TYPE_FLOAT32);
  EXPECT_EQ(o.address, ptrs[1]);
  EXPECT_EQ(o.strides, (std::vector<uint64_t>{256, 32768, 65536}));
  EXPECT_EQ(o.box, (std::vector<unsigned>{64, 32, 1, 1}));
  EXPECT_EQ(o.swizzle, CU_TENSOR_MAP_SWIZZLE_NONE);
  EXPECT_EQ(o.oob, CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA);

  // The kernel gets pointers to the encoded maps, copied on its stream.
  ASSERT_EQ(driver().launches.size(), 1u);
  // A copy: later launches grow the vector.
  const fa::fake::Launch launch = driver().launches[0];
  EXPECT_EQ(launch.kernel, "wgmma_kernel");
  EXPECT_EQ(launch.block[0], 384u);
  EXPECT_EQ(launch.sharedBytes, 1024u);
  EXPECT_EQ(launch.stream, stream);
  ASSERT_EQ(launch.params.size(), 3u);
  EXPECT_EQ(launch.params[1], launch.params[0] + sizeof(CUtensorMap));
  EXPECT_EQ(launch.params[2], ptrs[1]);
  ASSERT_EQ(driver().asyncCopies.size(), 1u);
  EXPECT_EQ(driver().asyncCopies[0].dst, launch.params[0]);
  EXPECT_EQ(driver().asyncCopies[0].bytes, 2 * sizeof(CUtensorMap));
  EXPECT_EQ(driver().asyncCopies[0].stream, stream);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(encodedAddress(launch.params[i]), ptrs[i]);

  // The same buffers on the same stream: neither a second encoding nor a
  // second copy.
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, stream), 0) << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 2u);
  EXPECT_EQ(driver().asyncCopies.size(), 1u);
  EXPECT_EQ(driver().launches[1].params, launch.params);
  // Another stream, or another buffer: encoded and copied again.
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 4u);
  EXPECT_EQ(driver().asyncCopies.size(), 2u);
  EXPECT_EQ(driver().asyncCopies[1].stream, nullptr);
  ptrs[0] += 16;
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, stream), 0) << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 6u);
  EXPECT_EQ(driver().asyncCopies.size(), 3u);
  EXPECT_NE(driver().launches[3].params[0], launch.params[0]);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(encodedAddress(driver().launches[3].params[i]), ptrs[i]);
  // Back to the first buffers: their copy is found by address.
  ptrs[0] -= 16;
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, stream), 0) << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 6u);
  EXPECT_EQ(driver().launches[4].params, launch.params);

  // Unloading waits for the kernels that may read the maps, then frees them.
  driver().calls.clear();
  m.reset();
  EXPECT_EQ(driver().calls,
            (std::vector<std::string>{"cuCtxGetCurrent", "cuCtxSynchronize",
                                      "cuMemFree", "cuModuleUnload"}));
}

TEST_F(RuntimeTest, TensorMapsNeedSixteenByteAlignment) {
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  uint64_t ptrs[] = {0x200008, 0x400000};
  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 1);
  EXPECT_EQ(std::string(faRtGetLastError()),
            "buffer arg0 (at " + std::to_string(ptrs[0]) +
                ") is not 16-byte aligned, which its TMA tensor map needs");
  EXPECT_TRUE(driver().encodes.empty());
  EXPECT_TRUE(driver().launches.empty());
  EXPECT_TRUE(driver().allocations.empty());

  ptrs[0] = 0x200000;
  driver().failNext("cuTensorMapEncodeTiled", CUDA_ERROR_INVALID_VALUE, 1,
                    /*after=*/1);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuTensorMapEncodeTiled (kernel wgmma_kernel, buffer arg1) "
               "failed: CUDA_ERROR_INVALID_VALUE (1): fake driver error");
  EXPECT_TRUE(driver().launches.empty());

  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().launches.size(), 1u);
}

TEST_F(RuntimeTest, AFailedTensorMapCopyIsNotReused) {
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  uint64_t ptrs[] = {0x200000, 0x400000};
  driver().failNext("cuMemcpyHtoDAsync", CUDA_ERROR_ILLEGAL_ADDRESS);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuMemcpyHtoDAsync (tensor maps of kernel wgmma_kernel) "
               "failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): fake driver error");
  EXPECT_TRUE(driver().launches.empty());
  // The maps never reached device memory: the next launch copies them
  // rather than pass the kernel a slot that holds garbage.
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().asyncCopies.size(), 1u);
  ASSERT_EQ(driver().launches.size(), 1u);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(encodedAddress(driver().launches[0].params[i]), ptrs[i]);
}

TEST_F(RuntimeTest, TensorMapMemoryIsReusedAfterASynchronize) {
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  // 64 KiB chunks hold 256 launches' two maps; 16 chunks at most.
  const int perChunk = 64 * 1024 / (2 * sizeof(CUtensorMap));
  const int distinct = 16 * perChunk;
  uint64_t ptrs[] = {0x200000, 0x400000};
  driver().calls.clear();
  for (int i = 0; i < distinct; ++i) {
    ptrs[0] = 0x200000 + 16 * static_cast<uint64_t>(i);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  }
  EXPECT_EQ(driver().count("cuMemAlloc"), 16);
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 0);
  uint64_t first = driver().launches[0].params[0];
  // One more set of maps: every slot may be in use, so wait, then reuse.
  ptrs[0] += 16;
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 1);
  EXPECT_EQ(driver().count("cuMemAlloc"), 16);
  EXPECT_EQ(driver().launches.back().params[0], first);
  EXPECT_EQ(driver().asyncCopies.size(), static_cast<size_t>(distinct) + 1);
  // The copies made before the synchronize are forgotten.
  ptrs[0] = 0x200000 + 16;
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().asyncCopies.size(), static_cast<size_t>(distinct) + 2);
}

TEST_F(RuntimeTest, TensorMapsOfACaptureOutliveThePoolsReuse) {
  // A graph's kernels read their tensor maps from the slots the capture
  // gave them at every replay, and a map copy captured with them reads its
  // host source again: neither may be reused while the module lives, even
  // once the pool's chunks are full (they were: eager launches overwrote
  // the slots, and the copy's source was freed).
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  auto *graphStream = reinterpret_cast<void *>(0x5150);
  uint64_t warm[] = {0x200000, 0x400000}, fresh[] = {0x600000, 0x400000};
  // A warm-up on the graph's stream, then the capture: the warm-up's maps
  // are found again, the fresh buffers' copied in the capture.
  ASSERT_EQ(faRtLaunch(m.get(), warm, 2, graphStream), 0);
  driver().capturing.insert(static_cast<CUstream>(graphStream));
  ASSERT_EQ(faRtLaunch(m.get(), warm, 2, graphStream), 0)
      << faRtGetLastError();
  ASSERT_EQ(faRtLaunch(m.get(), fresh, 2, graphStream), 0)
      << faRtGetLastError();
  driver().capturing.clear();
  ASSERT_EQ(driver().launches.size(), 3u);
  ASSERT_TRUE(driver().asyncCopies.back().captured);
  uint64_t foundSlot = driver().launches[1].params[0];
  uint64_t copiedSlot = driver().launches[2].params[0];
  // Eager launches on new addresses fill every chunk twice over.
  const int perChunk = 64 * 1024 / (2 * sizeof(CUtensorMap));
  size_t before = driver().asyncCopies.size();
  uint64_t ptrs[] = {0, 0x400000};
  for (int i = 0; i < 2 * 16 * perChunk; ++i) {
    ptrs[0] = 0x800000 + 16 * static_cast<uint64_t>(i);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  }
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 2);
  const uint64_t mapsBytes = 2 * sizeof(CUtensorMap);
  for (size_t i = before; i < driver().asyncCopies.size(); ++i) {
    const fa::fake::AsyncCopy &c = driver().asyncCopies[i];
    for (uint64_t slot : {foundSlot, copiedSlot})
      ASSERT_FALSE(c.dst < slot + mapsBytes && slot < c.dst + c.bytes)
          << "copy " << i << " overwrote the maps of a captured launch";
  }
  // A replay: the captured copy writes its maps again, from its source.
  driver().replayCapturedCopies();
  EXPECT_EQ(encodedAddress(foundSlot), warm[0]);
  EXPECT_EQ(encodedAddress(copiedSlot), fresh[0]);
}

TEST_F(RuntimeTest, ACaptureNeverSynchronizesToReuseTensorMapMemory) {
  // The pool is full when a launch is captured: synchronizing the context
  // would fail (and invalidate the capture); another chunk is allocated
  // instead, in the relaxed capture mode.
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  const int perChunk = 64 * 1024 / (2 * sizeof(CUtensorMap));
  uint64_t ptrs[] = {0, 0x400000};
  for (int i = 0; i < 16 * perChunk; ++i) {
    ptrs[0] = 0x200000 + 16 * static_cast<uint64_t>(i);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  }
  auto *graphStream = reinterpret_cast<void *>(0x5150);
  driver().capturing.insert(static_cast<CUstream>(graphStream));
  // Out of memory: the launch fails, naming the chunk, with the thread's
  // capture mode restored; nothing is launched.
  ptrs[0] = 0x100000;
  size_t launched = driver().launches.size();
  driver().failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, graphStream), 1);
  EXPECT_TRUE(contains(faRtGetLastError(),
                       "cuMemAlloc (tensor maps) failed: "
                       "CUDA_ERROR_OUT_OF_MEMORY"))
      << faRtGetLastError();
  EXPECT_EQ(fa::fake::captureMode(), CU_STREAM_CAPTURE_MODE_GLOBAL);
  EXPECT_EQ(driver().launches.size(), launched);
  driver().calls.clear();
  EXPECT_EQ(faRtLaunch(m.get(), ptrs, 2, graphStream), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 0);
  EXPECT_EQ(driver().count("cuMemAlloc"), 1);
  EXPECT_EQ(fa::fake::captureMode(), CU_STREAM_CAPTURE_MODE_GLOBAL);
  driver().capturing.clear();
  // Once the capture ends, launches go on in the new chunk, and then the
  // pool is reused after a synchronize, the captured chunk apart.
  for (int i = 1; i < perChunk; ++i) {
    ptrs[0] = 0x100000 + 16 * static_cast<uint64_t>(i);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  }
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 0);
  uint64_t capturedSlot = driver().launches[16 * perChunk].params[0];
  ptrs[0] = 0x10;
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().count("cuCtxSynchronize"), 1);
  EXPECT_EQ(driver().count("cuMemAlloc"), 1);
  EXPECT_NE(driver().launches.back().params[0], capturedSlot);
  EXPECT_EQ(driver().launches.back().params[0], driver().launches[0].params[0]);
}

TEST_F(RuntimeTest, ThreadsLaunchOneModuleConcurrently) {
  // Ranks as threads on one GPU share a module: each launch must get the
  // tensor maps of its own buffers while the others fill the pool.
  Module m = load(kTmaManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  const int threads = 4, launches = 300;
  std::vector<std::thread> workers;
  std::vector<int> failures(threads, 0);
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < launches; ++i) {
        // arg0 is arg1 - 2 MiB in every launch; a few addresses repeat.
        uint64_t out = 0x400000 + 0x100 * static_cast<uint64_t>(t * 64 + i % 50);
        uint64_t ptrs[] = {out - 0x200000, out};
        failures[t] += faRtLaunch(m.get(), ptrs, 2, nullptr) != 0;
      }
    });
  for (std::thread &w : workers)
    w.join();
  EXPECT_EQ(failures, std::vector<int>(threads, 0));
  ASSERT_EQ(driver().launches.size(), static_cast<size_t>(threads * launches));
  for (const fa::fake::Launch &l : driver().launches) {
    ASSERT_EQ(l.params.size(), 3u);
    EXPECT_EQ(encodedAddress(l.params[1]), l.params[2]);
    EXPECT_EQ(encodedAddress(l.params[0]), l.params[2] - 0x200000);
  }
  // Each distinct pair of buffers was encoded once (50 per thread).
  EXPECT_EQ(driver().encodes.size(), static_cast<size_t>(2 * threads * 50));
}

/// The scratch addresses kManifest's two kernels were handed in the launch
/// pair that starts at `first`: tmp0 (kernel 0's parameter 5) and tmp1
/// (kernel 1's parameter 0).
std::vector<uint64_t> scratchOf(size_t first) {
  const auto &launches = driver().launches;
  EXPECT_GE(launches.size(), first + 2);
  if (launches.size() < first + 2)
    return {};
  return {launches[first].params[5], launches[first + 1].params[0]};
}

TEST_F(RuntimeTest, EachStreamGetsItsOwnScratchBuffers) {
  // Two streams that run at the same time must not share the backward's
  // accumulators: each stream launches on its own scratch buffers.
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> atLoad;
  for (const auto &[ptr, bytes] : driver().allocations)
    atLoad.push_back(ptr);
  ASSERT_EQ(atLoad.size(), 2u);
  if (driver().allocations.at(atLoad[0]) != 512)
    std::swap(atLoad[0], atLoad[1]);
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *s1 = reinterpret_cast<void *>(0x5150);
  auto *s2 = reinterpret_cast<void *>(0x6160);

  // The legacy default stream launches first: it takes the set allocated
  // at load, with no driver call besides the launches (main's behaviour).
  driver().calls.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(scratchOf(0), atLoad);
  EXPECT_EQ(driver().calls,
            (std::vector<std::string>{"cuCtxGetCurrent", "cuLaunchKernel",
                                      "cuLaunchKernel"}));

  // Another stream's first launch allocates its own set.
  driver().calls.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, s1), 0) << faRtGetLastError();
  std::vector<uint64_t> first = scratchOf(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(first[0], atLoad[0]);
  EXPECT_NE(first[1], atLoad[1]);
  EXPECT_EQ(driver().allocations.at(first[0]), 512u);
  EXPECT_EQ(driver().allocations.at(first[1]), 256u);
  EXPECT_EQ(driver().allocations.size(), 4u);
  EXPECT_EQ(driver().count("cuStreamIsCapturing"), 1);
  EXPECT_EQ(driver().launches[2].stream, s1);

  // Later launches reuse each stream's set without a driver call.
  driver().calls.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, s1), 0) << faRtGetLastError();
  EXPECT_EQ(scratchOf(4), first);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(scratchOf(6), atLoad);
  // CU_STREAM_LEGACY is the NULL handle's stream.
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, CU_STREAM_LEGACY), 0)
      << faRtGetLastError();
  EXPECT_EQ(scratchOf(8), atLoad);
  EXPECT_EQ(driver().count("cuMemAlloc"), 0);
  EXPECT_EQ(driver().count("cuStreamIsCapturing"), 0);

  // A third stream: a third set.
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, s2), 0) << faRtGetLastError();
  std::vector<uint64_t> second = scratchOf(10);
  EXPECT_EQ(driver().allocations.size(), 6u);
  for (uint64_t p : second)
    for (uint64_t other : {atLoad[0], atLoad[1], first[0], first[1]})
      EXPECT_NE(p, other);

  // Unloading frees every set.
  driver().calls.clear();
  m.reset();
  EXPECT_EQ(driver().count("cuMemFree"), 6);
  EXPECT_TRUE(driver().allocations.empty());
}

TEST_F(RuntimeTest, TheFirstStreamToLaunchTakesTheLoadTimeScratch) {
  // A module used from one stream, whichever it is, allocates nothing after
  // its load; the NULL stream, launching second, gets a set of its own.
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::set<uint64_t> atLoad;
  for (const auto &[ptr, bytes] : driver().allocations)
    atLoad.insert(ptr);
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *stream = reinterpret_cast<void *>(0x5150);
  driver().calls.clear();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, stream), 0)
        << faRtGetLastError();
  EXPECT_EQ(driver().count("cuMemAlloc"), 0);
  EXPECT_EQ(driver().count("cuStreamIsCapturing"), 0);
  for (size_t i = 0; i < 6; i += 2) {
    std::vector<uint64_t> used = scratchOf(i);
    EXPECT_EQ(std::set<uint64_t>(used.begin(), used.end()), atLoad);
  }
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().count("cuMemAlloc"), 2);
  for (uint64_t p : scratchOf(6))
    EXPECT_FALSE(atLoad.count(p));
}

TEST_F(RuntimeTest, StreamsOnThreadsLaunchOnTheirOwnScratch) {
  // Threads launching one module, each on its own stream, and threads on
  // CU_STREAM_PER_THREAD (a different stream on each thread): each stream
  // gets one set, used by all its launches and by no other stream's.
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  const int threads = 6, launches = 50;
  std::vector<std::thread> workers;
  std::vector<int> failures(threads, 0);
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      // The fake's current context is the thread's, as the driver's.
      fa::fake::setCurrentContext(nullptr);
      void *stream = t < threads / 2
                         ? reinterpret_cast<void *>(0x10000 + 0x100 * t)
                         : CU_STREAM_PER_THREAD;
      for (int i = 0; i < launches; ++i)
        failures[t] += faRtLaunch(m.get(), ptrs.data(), 4, stream) != 0;
    });
  for (std::thread &w : workers)
    w.join();
  EXPECT_EQ(failures, std::vector<int>(threads, 0));
  ASSERT_EQ(driver().launches.size(),
            static_cast<size_t>(2 * threads * launches));
  // The fake records no thread: tell the per-thread stream's launches
  // apart by the set they were handed, and check that each set belongs to
  // one stream handle and holds two distinct buffers.
  std::map<uint64_t, void *> ownerOfTmp0;
  std::map<uint64_t, uint64_t> tmp1OfTmp0;
  std::map<void *, std::set<uint64_t>> setsOfStream;
  for (size_t i = 0; i < driver().launches.size(); i += 2) {
    const fa::fake::Launch &a = driver().launches[i];
    ASSERT_EQ(a.kernel, "attention_kernel");
    ASSERT_EQ(driver().launches[i + 1].stream, a.stream);
    std::vector<uint64_t> used = scratchOf(i);
    auto [owner, fresh] = ownerOfTmp0.emplace(used[0], a.stream);
    EXPECT_EQ(owner->second, a.stream);
    auto [tmp1, known] = tmp1OfTmp0.emplace(used[0], used[1]);
    EXPECT_EQ(tmp1->second, used[1]);
    setsOfStream[a.stream].insert(used[0]);
  }
  for (int t = 0; t < threads / 2; ++t)
    EXPECT_EQ(
        setsOfStream[reinterpret_cast<void *>(0x10000 + 0x100 * t)].size(), 1u);
  EXPECT_EQ(setsOfStream[CU_STREAM_PER_THREAD].size(),
            static_cast<size_t>(threads - threads / 2));
  EXPECT_EQ(driver().allocations.size(), static_cast<size_t>(2 * threads));
}

TEST_F(RuntimeTest, AStreamCapturedFirstGetsItsScratchInRelaxedMode) {
  // torch.cuda.graph captures on its own stream, after a warm-up on
  // another: the captured stream's first launch allocates during the
  // capture, which the driver allows only in the relaxed capture mode.
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *captured = reinterpret_cast<void *>(0x5150);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0);
  driver().capturing.insert(static_cast<CUstream>(captured));
  driver().calls.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, captured), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().calls,
            (std::vector<std::string>{"cuCtxGetCurrent", "cuStreamIsCapturing",
                                      "cuThreadExchangeStreamCaptureMode",
                                      "cuMemAlloc", "cuMemAlloc",
                                      "cuThreadExchangeStreamCaptureMode",
                                      "cuLaunchKernel", "cuLaunchKernel"}));
  EXPECT_EQ(fa::fake::captureMode(), CU_STREAM_CAPTURE_MODE_GLOBAL);
  std::vector<uint64_t> inCapture = scratchOf(2);
  EXPECT_NE(inCapture, scratchOf(0));
  EXPECT_EQ(driver().allocations.size(), 4u);
  // Its later launches (the next capture's too) reuse the set.
  driver().calls.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, captured), 0);
  EXPECT_EQ(scratchOf(4), inCapture);
  EXPECT_EQ(driver().count("cuMemAlloc"), 0);
  driver().capturing.clear();
}

TEST_F(RuntimeTest, AFailedAllocationInACaptureSaysHowToAvoidIt) {
  Module m = load(kManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  std::vector<uint64_t> ptrs = arguments(m.get());
  auto *captured = reinterpret_cast<void *>(0x5150);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, nullptr), 0);
  driver().launches.clear();

  // The second buffer's allocation fails: the first is freed, the
  // thread's capture mode restored, nothing launched.
  driver().capturing.insert(static_cast<CUstream>(captured));
  driver().failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY, 1, /*after=*/1);
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, captured), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuMemAlloc (scratch buffer tmp1, 256 bytes, for stream "
               "0x5150) failed: CUDA_ERROR_OUT_OF_MEMORY (2): fake driver "
               "error; stream 0x5150 is being captured into a CUDA graph and "
               "has no scratch buffers of this module yet: launch the module "
               "once on this stream before capturing it");
  EXPECT_TRUE(driver().launches.empty());
  EXPECT_EQ(driver().allocations.size(), 2u);
  EXPECT_EQ(fa::fake::captureMode(), CU_STREAM_CAPTURE_MODE_GLOBAL);

  // A capture on another stream (another thread's, of the global mode)
  // forbids this thread's allocation: the error says so.
  driver().capturing = {reinterpret_cast<CUstream>(0x7170)};
  EXPECT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, captured), 1);
  EXPECT_STREQ(faRtGetLastError(),
               "cuMemAlloc (scratch buffer tmp0, 512 bytes, for stream "
               "0x5150) failed: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (900): "
               "fake driver error; a CUDA graph capture on another thread "
               "forbids allocations: launch the module once on stream 0x5150 "
               "before that capture begins");
  EXPECT_TRUE(driver().launches.empty());

  // Once the captures end, the stream gets its set.
  driver().capturing.clear();
  ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 4, captured), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().allocations.size(), 4u);
}

TEST_F(RuntimeTest, TensorMapsOverScratchFollowTheStreamsSet) {
  // A tensor map over a scratch buffer is encoded over the launch's
  // stream's own copy of it.
  std::string manifest = replaced(
      kTmaManifest, R"("scratch": [],)",
      R"("scratch": [{"name": "tmp0", "dtype": "f32", "bytes": 65792}],)");
  manifest = replaced(manifest, R"("buffer": "arg1", "dtype": "f32")",
                      R"("buffer": "tmp0", "dtype": "f32")");
  Module m = load(manifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  uint64_t ptrs[] = {0x200000, 0x400000};
  auto *s1 = reinterpret_cast<void *>(0x5150);
  auto *s2 = reinterpret_cast<void *>(0x6160);
  for (void *stream : {s1, s2, s1, s2})
    ASSERT_EQ(faRtLaunch(m.get(), ptrs, 2, stream), 0) << faRtGetLastError();
  ASSERT_EQ(driver().allocations.size(), 2u + 1u); // two sets, one chunk
  std::set<uint64_t> scratch;
  for (const auto &[ptr, bytes] : driver().allocations)
    if (bytes == 65792) // not a 64 KiB tensor-map chunk
      scratch.insert(ptr);
  ASSERT_EQ(scratch.size(), 2u);
  std::map<void *, uint64_t> mapped;
  for (const fa::fake::Launch &l : driver().launches) {
    EXPECT_EQ(encodedAddress(l.params[0]), ptrs[0]);
    uint64_t address = encodedAddress(l.params[1]);
    EXPECT_TRUE(scratch.count(address));
    EXPECT_EQ(mapped.emplace(l.stream, address).first->second, address);
  }
  EXPECT_NE(mapped[s1], mapped[s2]);
  // Each stream's maps were encoded once.
  EXPECT_EQ(driver().encodes.size(), 4u);
}

/// A row-major buffer of the backward test below: its name and shape.
struct BufferShape {
  std::string name;
  std::vector<int64_t> shape;
};

/// Row-major strides of `shape`.
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

/// A memref parameter's descriptor as fa-compile's manifest writes it: the
/// allocated and aligned pointers (the first with the memref's rank), then
/// the offset, sizes and strides.
std::string descriptorParams(const std::string &buffer, int64_t rank,
                             const std::vector<int64_t> &values) {
  std::string text = R"({"type": "ptr", "buffer": ")" + buffer +
                     R"(", "rank": )" + std::to_string(rank) +
                     R"(}, {"type": "ptr", "buffer": ")" + buffer + R"("})";
  for (int64_t v : values)
    text += R"(, {"type": "i64", "value": )" + std::to_string(v) + "}";
  return text;
}

/// The descriptor of the whole row-major buffer `b`: offset 0, its shape,
/// its strides.
std::string descriptorParams(const BufferShape &b) {
  std::vector<int64_t> values = {0};
  values.insert(values.end(), b.shape.begin(), b.shape.end());
  for (int64_t s : rowMajorStrides(b.shape))
    values.push_back(s);
  return descriptorParams(b.name, b.shape.size(), values);
}

/// A backward's manifest as fa-compile writes it (arguments Q, K, V, O, dO,
/// lse, dQ, dK, dV; f16; B = 1, Hq = 2, Hkv = 1, N = 64, d = 16), its
/// kernels and f32 scratch buffers given: the runtime allocates the scratch
/// buffers once, at load, and launches the kernels in order on one stream
/// with each kernel's buffers.
class BackwardManifestTest : public RuntimeTest {
protected:
  struct Kernel {
    std::string name;
    unsigned grid[3];
    unsigned sharedBytes;
    std::vector<BufferShape> buffers;
  };

  const BufferShape q{"arg0", {1, 2, 64, 16}}, k{"arg1", {1, 1, 64, 16}},
      v{"arg2", {1, 1, 64, 16}}, o{"arg3", {1, 2, 64, 16}},
      dO{"arg4", {1, 2, 64, 16}}, lse{"arg5", {1, 2, 64}},
      dQ{"arg6", {1, 2, 64, 16}}, dK{"arg7", {1, 1, 64, 16}},
      dV{"arg8", {1, 1, 64, 16}};

  static int64_t elements(const BufferShape &b) {
    int64_t n = 1;
    for (int64_t s : b.shape)
      n *= s;
    return n;
  }

  static std::string buffer(const BufferShape &b, const char *dtype,
                            int64_t bytes, int index) {
    std::string shape, strides;
    std::vector<int64_t> st = rowMajorStrides(b.shape);
    for (size_t i = 0; i < b.shape.size(); ++i) {
      shape += (i ? ", " : "") + std::to_string(b.shape[i]);
      strides += (i ? ", " : "") + std::to_string(st[i]);
    }
    std::string text = R"({"name": ")" + b.name + R"(", "dtype": ")" + dtype +
                       R"(", "shape": [)" + shape + R"(], "strides": [)" +
                       strides + R"(], "bytes": )" + std::to_string(bytes);
    if (index >= 0)
      text += R"(, "index": )" + std::to_string(index);
    return text + "}";
  }

  std::string manifestOf(const std::vector<Kernel> &kernels,
                         const std::vector<BufferShape> &scratch) {
    std::string manifest = R"({
  "format": "fa-kernel-manifest", "version": 1,
  "function": "attention_grad", "arch": "sm_90a", "features": "+ptx80",
  "files": {"ptx": "attention.ptx"}, "arguments": [)";
    const BufferShape args[] = {q, k, v, o, dO, lse, dQ, dK, dV};
    for (int i = 0; i < 9; ++i) {
      bool isLse = i == 5;
      manifest += (i ? ", " : "") +
                  buffer(args[i], isLse ? "f32" : "f16",
                         elements(args[i]) * (isLse ? 4 : 2), i);
    }
    manifest += R"(], "scratch": [)";
    for (size_t i = 0; i < scratch.size(); ++i)
      manifest += (i ? ", " : "") +
                  buffer(scratch[i], "f32", elements(scratch[i]) * 4, -1);
    manifest += R"(], "results": ["arg6", "arg7", "arg8"], "kernels": [)";
    driver().kernels.clear();
    for (size_t i = 0; i < kernels.size(); ++i) {
      const Kernel &kernel = kernels[i];
      std::string params;
      size_t count = 0;
      for (const BufferShape &b : kernel.buffers) {
        params += (params.empty() ? "" : ", ") + descriptorParams(b);
        count += 3 + 2 * b.shape.size();
      }
      driver().kernels[kernel.name] = std::vector<size_t>(count, 8);
      manifest += (i ? ", " : "") + std::string(R"({"name": ")") +
                  kernel.name + R"(", "grid": [)" +
                  std::to_string(kernel.grid[0]) + ", " +
                  std::to_string(kernel.grid[1]) + ", " +
                  std::to_string(kernel.grid[2]) +
                  R"(], "block": [128, 1, 1], "shared_bytes": )" +
                  std::to_string(kernel.sharedBytes) + R"(, "params": [)" +
                  params + "]}";
    }
    return manifest + "]}";
  }

  void checkLaunchesInOrder(const std::vector<Kernel> &kernels,
                            const std::vector<BufferShape> &scratch) {
    Module m = load(manifestOf(kernels, scratch));
    ASSERT_NE(m, nullptr) << faRtGetLastError();
    ASSERT_EQ(faRtNumArguments(m.get()), 9);
    ASSERT_EQ(faRtNumKernels(m.get()), static_cast<int>(kernels.size()));
    // The scratch buffers are allocated by the runtime, once, when the
    // module loads (told apart here by their sizes).
    ASSERT_EQ(driver().allocations.size(), scratch.size());
    std::map<std::string, uint64_t> scratchPtr;
    for (const BufferShape &b : scratch)
      for (const auto &[ptr, bytes] : driver().allocations)
        if (static_cast<int64_t>(bytes) == elements(b) * 4)
          scratchPtr[b.name] = ptr;
    ASSERT_EQ(scratchPtr.size(), scratch.size());

    std::vector<uint64_t> ptrs = arguments(m.get());
    auto *stream = reinterpret_cast<void *>(0x5157);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 9, stream), 0)
        << faRtGetLastError();
    const auto &launches = driver().launches;
    ASSERT_EQ(launches.size(), kernels.size());
    for (size_t i = 0; i < kernels.size(); ++i) {
      const Kernel &kernel = kernels[i];
      const fa::fake::Launch &launch = launches[i];
      EXPECT_EQ(faRtKernelName(m.get(), static_cast<int>(i)), kernel.name);
      EXPECT_EQ(launch.kernel, kernel.name);
      for (int d = 0; d < 3; ++d)
        EXPECT_EQ(launch.grid[d], kernel.grid[d]) << kernel.name << " " << d;
      EXPECT_EQ(launch.block[0], 128u);
      EXPECT_EQ(launch.sharedBytes, kernel.sharedBytes);
      EXPECT_EQ(launch.stream, stream);
      // Every buffer's descriptor: its address twice, offset, sizes,
      // strides.
      std::vector<uint64_t> expected;
      for (const BufferShape &b : kernel.buffers) {
        uint64_t address = b.name.rfind("tmp", 0) == 0
                               ? scratchPtr[b.name]
                               : ptrs[std::stoi(b.name.substr(3))];
        expected.insert(expected.end(), {address, address, 0});
        for (int64_t s : b.shape)
          expected.push_back(static_cast<uint64_t>(s));
        for (int64_t s : rowMajorStrides(b.shape))
          expected.push_back(static_cast<uint64_t>(s));
      }
      EXPECT_EQ(launch.params, expected) << kernel.name;
    }
    // Queued in order, not waited for; a second launch reuses the scratch
    // buffers.
    EXPECT_EQ(driver().count("cuStreamSynchronize"), 0);
    ASSERT_EQ(faRtLaunch(m.get(), ptrs.data(), 9, stream), 0);
    EXPECT_EQ(driver().launches.size(), 2 * kernels.size());
    EXPECT_EQ(driver().allocations.size(), scratch.size());
  }
};

TEST_F(BackwardManifestTest, BackwardManifestLaunchesItsKernelsInOrder) {
  // The SIMT backward of a causal fa.attention_grad (32 x 32 blocks, 4
  // warps; test/Target/fa-compile-grad.mlir): D = rowsum(dO * O) into the
  // scratch buffer tmp0, then dK/dV, then dQ, which read it.
  const BufferShape rowDot{"tmp0", {1, 2, 64}};
  checkLaunchesInOrder(
      {{"attention_grad_kernel", {2, 2, 1}, 0, {dO, o, rowDot}},
       {"attention_grad_kernel_0",
        {2, 1, 1},
        16640,
        {k, v, q, dO, lse, rowDot, dK, dV}},
       {"attention_grad_kernel_1",
        {2, 2, 1},
        14592,
        {q, dO, lse, rowDot, k, v, dQ}}},
      {rowDot});
}

// A memref parameter's descriptor (offset, sizes, strides after its two
// pointers) is what the kernel indexes its buffer by: session 18's attack
// edited a buffer's shape and bytes, not the params, and it launched. Each
// case edits the descriptor of lse (f32, 1 x 2 x 64: 512 bytes, strides
// 128, 64, 1) and names what the loader refuses.
TEST_F(BackwardManifestTest, LoadChecksMemrefDescriptors) {
  const std::vector<Kernel> kernels = {
      {"attention_grad_kernel", {2, 2, 1}, 0, {lse, dQ}}};
  const std::string manifest = manifestOf(kernels, {});
  EXPECT_TRUE(load(manifest)) << faRtGetLastError();
  const std::string lseParams = descriptorParams(lse);
  const std::string what =
      "manifest: kernel attention_grad_kernel: the memref descriptor of "
      "buffer arg5 (parameter 0)";
  struct Case {
    std::string params, error;
  };
  const std::string pair =
      R"({"type": "ptr", "buffer": "arg5"}, {"type": "ptr", "buffer": "arg5"})";
  const std::string values =
      R"(, {"type": "i64", "value": 0}, {"type": "i64", "value": 1}, )"
      R"({"type": "i64", "value": 2}, {"type": "i64", "value": 64}, )"
      R"({"type": "i64", "value": 128}, {"type": "i64", "value": 64}, )"
      R"({"type": "i64", "value": 1})";
  const Case cases[] = {
      // Sizes past the buffer (the edit session 18 made, the other way).
      {descriptorParams("arg5", 3, {0, 1, 2, 128, 128, 64, 1}),
       what + " reaches 768 bytes, beyond the buffer's 512"},
      {descriptorParams("arg5", 3, {64, 1, 2, 64, 128, 64, 1}),
       what + " reaches 768 bytes, beyond the buffer's 512"},
      {descriptorParams("arg5", 3, {0, 1, 2, 64, 128, 65, 1}),
       what + " reaches 516 bytes, beyond the buffer's 512"},
      // Inside the buffer, but not its shape.
      {descriptorParams("arg5", 3, {0, 1, 1, 64, 128, 64, 1}),
       what + " holds 64 elements of f32, the buffer 512 bytes"},
      {descriptorParams("arg5", 3, {0, 1, 2, 64, 128, 64, 0}),
       what + " holds 128 elements of f32 but reaches 260 bytes of the "
              "buffer's 512"},
      {descriptorParams("arg5", 3, {-1, 1, 2, 64, 128, 64, 1}),
       what + " has a negative offset or stride, or a size below 1"},
      {descriptorParams("arg5", 3, {0, 1, 2, 64, 128, -64, 1}),
       what + " has a negative offset or stride, or a size below 1"},
      {descriptorParams("arg5", 3, {0, 1, 2, 4611686018427387904, 128, 64, 1}),
       what + " reaches more than 2^63 - 1 bytes"},
      // The descriptor's own form.
      {pair + values, what + " has no 'rank'"},
      {descriptorParams("arg5", 4, {0, 1, 2, 64, 128, 64, 1}),
       what + " lacks its 1 + 2 x 4 i64 values"},
      {descriptorParams("arg5", -1, {0, 1, 2, 64, 128, 64, 1}),
       what + ": 'rank' must be an integer from 0 to 64"},
      {R"({"type": "ptr", "buffer": "arg5", "rank": 3}, )"
       R"({"type": "ptr", "buffer": "arg6"})" + values,
       what + " lacks its second pointer to the same buffer"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.params);
    loadError(replaced(manifest, lseParams, c.params), c.error);
  }
}

TEST_F(BackwardManifestTest, MmaSyncBackwardManifestLaunchesItsKernelsInOrder) {
  // The mma.sync backward (kernel=mma-sync; test/Target/fa-compile-grad-
  // mma.mlir's layout, 32 x 128 blocks): D and the zeroed f32 dQ
  // accumulator (scratch tmp0, tmp1), the K/V-stationary main kernel, which
  // reads D and adds into the accumulator, then dQ's conversion from it.
  const BufferShape rowDot{"tmp0", {1, 2, 64}},
      dqAcc{"tmp1", {1, 2, 64, 16}};
  checkLaunchesInOrder(
      {{"attention_grad_kernel", {2, 2, 1}, 0, {dO, o, rowDot, dqAcc}},
       {"attention_grad_kernel_0",
        {1, 1, 1},
        23040,
        {k, v, q, dO, lse, rowDot, dqAcc, dK, dV}},
       {"attention_grad_kernel_1", {2, 2, 1}, 0, {dqAcc, dQ}}},
      {rowDot, dqAcc});
}

TEST_F(RuntimeTest, MemoryHelpers) {
  uint64_t p = faRtAlloc(64);
  ASSERT_NE(p, 0u) << faRtGetLastError();
  const char text[] = "flash attention";
  EXPECT_EQ(faRtMemsetD8(p, 0x2a, 64), 0);
  EXPECT_EQ(faRtCopyToDevice(p, text, sizeof(text)), 0);
  char back[64] = {};
  EXPECT_EQ(faRtCopyFromDevice(back, p, sizeof(back)), 0);
  EXPECT_STREQ(back, text);
  EXPECT_EQ(back[63], 0x2a);
  EXPECT_EQ(faRtCopyFromDevice(back, p, 65), 1);
  EXPECT_STREQ(faRtGetLastError(), "cuMemcpyDtoH failed: "
                                   "CUDA_ERROR_INVALID_VALUE (1): fake driver "
                                   "error");
  EXPECT_EQ(faRtFree(p), 0);
  EXPECT_EQ(faRtFree(p), 1);
  EXPECT_STREQ(faRtGetLastError(), "cuMemFree failed: "
                                   "CUDA_ERROR_INVALID_VALUE (1): fake driver "
                                   "error");
  driver().failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(faRtAlloc(1024), 0u);
  EXPECT_STREQ(faRtGetLastError(), "cuMemAlloc (1024 bytes) failed: "
                                   "CUDA_ERROR_OUT_OF_MEMORY (2): fake driver "
                                   "error");
}
} // namespace

namespace {
/// Caller strides (D128): arg0 (B = 1) is read through a tensor map, arg1
/// (a result) through a tensor map and a descriptor whose strides are
/// stride_of params, arg2 (a result without caller_strides) through a
/// descriptor with constant strides; two more stride_of params of arg0.
const char *const kStridedManifest = R"({
  "format": "fa-kernel-manifest", "version": 1,
  "function": "attention", "arch": "sm_90a", "features": "+ptx80",
  "files": {"ptx": "attention.ptx"},
  "arguments": [
    {"name": "arg0", "index": 0, "dtype": "bf16", "shape": [1, 3, 128, 64],
     "strides": [24576, 8192, 64, 1], "bytes": 49152, "caller_strides": true},
    {"name": "arg1", "index": 1, "dtype": "bf16", "shape": [2, 3, 128, 64],
     "strides": [24576, 8192, 64, 1], "bytes": 98304, "caller_strides": true},
    {"name": "arg2", "index": 2, "dtype": "f32", "shape": [2, 3, 128],
     "strides": [384, 128, 1], "bytes": 3072}],
  "scratch": [],
  "results": ["arg1", "arg2"],
  "kernels": [
    {"name": "strided_kernel", "grid": [1, 3, 1], "block": [128, 1, 1],
     "shared_bytes": 0,
     "params": [{"type": "tensormap", "buffer": "arg0", "dtype": "bf16",
                 "shape": [1, 3, 128, 64], "strides": [24576, 8192, 64, 1],
                 "box": [1, 1, 64, 64], "swizzle": "swizzle_128b",
                 "l2promo": "none", "oob": "zero", "interleave": "none"},
                {"type": "tensormap", "buffer": "arg1", "dtype": "bf16",
                 "shape": [2, 3, 128, 64], "strides": [24576, 8192, 64, 1],
                 "box": [1, 1, 64, 64], "swizzle": "swizzle_128b",
                 "l2promo": "none", "oob": "zero", "interleave": "none"},
                {"type": "ptr", "buffer": "arg1", "rank": 4},
                {"type": "ptr", "buffer": "arg1"},
                {"type": "i64", "value": 0},
                {"type": "i64", "value": 2}, {"type": "i64", "value": 3},
                {"type": "i64", "value": 128}, {"type": "i64", "value": 64},
                {"type": "i64", "stride_of": "arg1", "dim": 0},
                {"type": "i64", "stride_of": "arg1", "dim": 1},
                {"type": "i64", "stride_of": "arg1", "dim": 2},
                {"type": "i64", "stride_of": "arg1", "dim": 3},
                {"type": "ptr", "buffer": "arg2", "rank": 3},
                {"type": "ptr", "buffer": "arg2"},
                {"type": "i64", "value": 0},
                {"type": "i64", "value": 2}, {"type": "i64", "value": 3},
                {"type": "i64", "value": 128},
                {"type": "i64", "value": 384}, {"type": "i64", "value": 128},
                {"type": "i64", "value": 1},
                {"type": "i64", "stride_of": "arg0", "dim": 0},
                {"type": "i64", "stride_of": "arg0", "dim": 2}]}]
})";

/// The launch's parameters of kStridedManifest: arg1's descriptor strides
/// and arg0's two stride_of params.
constexpr size_t kArg1Strides = 9, kArg0Strides = 22;

class StridedLaunchTest : public RuntimeTest {
protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    driver().kernels["strided_kernel"] = std::vector<size_t>(24, 8);
  }

  /// The byte strides of the map a launch parameter points to, innermost
  /// first (the fake's encoding keeps them).
  static std::vector<uint64_t> mapStrides(uint64_t mapPointer) {
    const auto *map = reinterpret_cast<const CUtensorMap *>(mapPointer);
    return {map->opaque[7], map->opaque[8], map->opaque[9]};
  }

  uint64_t ptrs[3] = {0x200000, 0x400000, 0x600000};
};
} // namespace

TEST_F(StridedLaunchTest, DenseLaunchesPassTheManifestsStrides) {
  Module m = load(kStridedManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  const int64_t *none[3] = {nullptr, nullptr, nullptr};
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 3, nullptr), 0) << faRtGetLastError();
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, none, 3, nullptr), 0)
      << faRtGetLastError();
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, nullptr, 3, nullptr), 0)
      << faRtGetLastError();
  // Encoded once: the same maps.
  ASSERT_EQ(driver().encodes.size(), 2u);
  EXPECT_EQ(driver().encodes[0].strides,
            (std::vector<uint64_t>{128, 16384, 49152}));
  ASSERT_EQ(driver().launches.size(), 3u);
  for (const fa::fake::Launch &launch : driver().launches) {
    EXPECT_EQ(std::vector<uint64_t>(launch.params.begin() + kArg1Strides,
                                    launch.params.begin() + kArg1Strides + 4),
              (std::vector<uint64_t>{24576, 8192, 64, 1}));
    EXPECT_EQ(launch.params[kArg0Strides], 24576u);
    EXPECT_EQ(launch.params[kArg0Strides + 1], 64u);
    EXPECT_EQ(launch.params, driver().launches[0].params);
  }
}

TEST_F(StridedLaunchTest, TheCallersStridesReachMapsAndParams) {
  Module m = load(kStridedManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  // transformers' [B, N, H, D] seen as [B, H, N, D]; arg0's batch stride
  // (size 1) is anything and becomes its dense one.
  int64_t q[] = {-5, 64, 192, 1};
  int64_t o[] = {24576, 64, 192, 1};
  const int64_t *strides[3] = {q, o, nullptr};
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, strides, 3, nullptr), 0)
      << faRtGetLastError();
  ASSERT_EQ(driver().encodes.size(), 2u);
  // Innermost first, in bytes.
  EXPECT_EQ(driver().encodes[0].strides,
            (std::vector<uint64_t>{384, 128, 49152}));
  EXPECT_EQ(driver().encodes[1].strides,
            (std::vector<uint64_t>{384, 128, 49152}));
  EXPECT_EQ(driver().encodes[0].dims, (std::vector<uint64_t>{64, 128, 3, 1}));
  const fa::fake::Launch first = driver().launches[0];
  EXPECT_EQ(mapStrides(first.params[0]),
            (std::vector<uint64_t>{384, 128, 49152}));
  EXPECT_EQ(std::vector<uint64_t>(first.params.begin() + kArg1Strides,
                                  first.params.begin() + kArg1Strides + 4),
            (std::vector<uint64_t>{24576, 64, 192, 1}));
  EXPECT_EQ(first.params[kArg0Strides], 24576u);
  EXPECT_EQ(first.params[kArg0Strides + 1], 192u);
  // arg2's descriptor keeps its constant strides.
  EXPECT_EQ(first.params[19], 384u);

  // The same strides again: the cached maps. Dense strides, or others, at
  // the same addresses: encoded afresh (the cache key holds the strides).
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, strides, 3, nullptr), 0);
  EXPECT_EQ(driver().encodes.size(), 2u);
  EXPECT_EQ(driver().launches[1].params, first.params);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 3, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 4u);
  EXPECT_EQ(mapStrides(driver().launches[2].params[0]),
            (std::vector<uint64_t>{128, 16384, 49152}));
  EXPECT_EQ(driver().launches[2].params[kArg1Strides + 1], 8192u);
  int64_t fused[] = {0, 64, 576, 1}; // a slice of a fused QKV projection
  strides[0] = fused;
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, strides, 3, nullptr), 0)
      << faRtGetLastError();
  EXPECT_EQ(driver().encodes.size(), 6u);
  EXPECT_EQ(mapStrides(driver().launches[3].params[0]),
            (std::vector<uint64_t>{1152, 128, 49152}));
  // Back to the first strides: found again.
  strides[0] = q;
  ASSERT_EQ(faRtLaunchStrided(m.get(), ptrs, strides, 3, nullptr), 0);
  EXPECT_EQ(driver().encodes.size(), 6u);
  EXPECT_EQ(driver().launches[4].params, first.params);
}

TEST_F(StridedLaunchTest, LaunchChecksTheCallersStrides) {
  Module m = load(kStridedManifest);
  ASSERT_NE(m, nullptr) << faRtGetLastError();
  int64_t dense4[] = {24576, 8192, 64, 1};
  int64_t dense3[] = {384, 128, 1};
  auto refused = [&](const int64_t *a0, const int64_t *a1, const int64_t *a2,
                     const std::string &message) {
    const int64_t *strides[3] = {a0, a1, a2};
    EXPECT_EQ(faRtLaunchStrided(m.get(), ptrs, strides, 3, nullptr), 1);
    EXPECT_EQ(std::string(faRtGetLastError()), message);
  };
  refused(nullptr, nullptr, dense3,
          "faRtLaunchStrided: argument arg2: strides given, but its kernels "
          "read it only with its dense strides (no caller_strides in the "
          "manifest)");
  int64_t inner[] = {24576, 8192, 128, 2};
  refused(inner, nullptr, nullptr,
          "faRtLaunchStrided: argument arg0: its innermost stride is 2, not "
          "1");
  int64_t zero[] = {24576, 0, 64, 1};
  refused(dense4, zero, nullptr,
          "faRtLaunchStrided: argument arg1: strides[1] is 0, below 1");
  // Rows that do not start 16-byte aligned: a tensor map cannot read
  // them, and a descriptor's 16-byte chunks would fault.
  int64_t odd[] = {24576, 64, 100, 1};
  refused(odd, nullptr, nullptr,
          "faRtLaunchStrided: argument arg0: strides[2] is 100 elements of 2 "
          "bytes, not a multiple of 16 bytes (the kernels move 16-byte chunks "
          "of each row)");
  int64_t oddRows[] = {24576, 8192, 68, 1};
  refused(dense4, oddRows, nullptr,
          "faRtLaunchStrided: argument arg1: strides[2] is 68 elements of 2 "
          "bytes, not a multiple of 16 bytes (the kernels move 16-byte chunks "
          "of each row)");
  // Heads that share rows: a result the kernels write must not overlap;
  // an input may.
  int64_t shared[] = {24576, 64, 64, 1};
  refused(nullptr, shared, nullptr,
          "faRtLaunchStrided: argument arg1: its strides overlap (dimension "
          "2's stride 64 is below dimension 1's 64 x 3), and the kernels "
          "write it");
  EXPECT_TRUE(driver().launches.empty());
  EXPECT_TRUE(driver().encodes.empty());
  const int64_t *reading[3] = {shared, nullptr, nullptr};
  EXPECT_EQ(faRtLaunchStrided(m.get(), ptrs, reading, 3, nullptr), 0)
      << faRtGetLastError();
  // A refused launch leaves no strides behind: a dense one is dense.
  const int64_t *wrong[3] = {reading[0], nullptr, dense3};
  EXPECT_EQ(faRtLaunchStrided(m.get(), ptrs, wrong, 3, nullptr), 1);
  ASSERT_EQ(faRtLaunch(m.get(), ptrs, 3, nullptr), 0) << faRtGetLastError();
  EXPECT_EQ(driver().launches.back().params[kArg0Strides + 1], 64u);
  EXPECT_EQ(mapStrides(driver().launches.back().params[0]),
            (std::vector<uint64_t>{128, 16384, 49152}));
}

TEST_F(StridedLaunchTest, LoadRechecksCallerStrides) {
  std::string manifest = kStridedManifest;
  loadError(replaced(manifest, R"("stride_of": "arg0", "dim": 0)",
                     R"("stride_of": "arg9", "dim": 0)"),
            "manifest: kernel strided_kernel: a stride_of parameter names no "
            "argument");
  loadError(replaced(manifest, R"("stride_of": "arg0", "dim": 0)",
                     R"("stride_of": "arg2", "dim": 0)"),
            "a stride_of parameter names argument arg2, which has no "
            "caller_strides");
  loadError(replaced(manifest, R"("stride_of": "arg0", "dim": 2)",
                     R"("stride_of": "arg0", "dim": 4)"),
            "a stride_of parameter of argument arg0 needs a 'dim' from 0 to "
            "3");
  loadError(replaced(manifest, R"({"type": "i64", "stride_of": "arg0")",
                     R"({"type": "i32", "stride_of": "arg0")"),
            "a stride_of parameter must be an i64");
  // A descriptor with one constant stride, or strides out of order.
  loadError(replaced(manifest,
                     R"({"type": "i64", "stride_of": "arg1", "dim": 3})",
                     R"({"type": "i64", "value": 1})"),
            "manifest: kernel strided_kernel: argument arg1 says "
            "caller_strides, but parameter 2 reads it with other strides");
  loadError(replaced(manifest, R"("stride_of": "arg1", "dim": 1)",
                     R"("stride_of": "arg0", "dim": 1)"),
            "argument arg1 says caller_strides, but parameter 2");
  // A tensor map of another shape; a lone pointer.
  loadError(
      replaced(manifest,
               R"("shape": [1, 3, 128, 64], "strides": [24576, 8192, 64, 1],
                 "box")",
               R"("shape": [1, 3, 64, 64], "strides": [24576, 8192, 64, 1],
                 "box")"),
      "argument arg0 says caller_strides, but parameter 0");
  loadError(replaced(manifest, R"("bytes": 3072})",
                     R"("bytes": 3072, "caller_strides": true})"),
            "argument arg2 says caller_strides, but parameter 13");
  loadError(replaced(manifest, R"("caller_strides": true},
    {"name": "arg1")",
                     R"("caller_strides": 1},
    {"name": "arg1")"),
            "manifest: argument arg0: 'caller_strides' must be true or false");
}
