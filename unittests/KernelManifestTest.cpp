//===- KernelManifestTest.cpp - Tensor maps in the kernel manifest --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// buildKernelManifest on hand-written host IR: a `tensormap` kernel
// parameter is described from its nvgpu.tma.create.descriptor and the
// buffer behind the unranked cast (what the runtime hands to
// cuTensorMapEncodeTiled).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Target/KernelManifest.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;

namespace {
/// Host IR launching one kernel with a tensor map over its argument.
constexpr const char *kHostIR = R"mlir(
!map = !nvgpu.tensormap.descriptor<tensor = memref<1x1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_128b, oob = zero, interleave = none>
module attributes {gpu.container_module} {
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_90a">, assembly = ".version 8.0">]
  func.func @f(%a: memref<1x2x128x64xbf16>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %tensor = memref.cast %a : memref<1x2x128x64xbf16> to memref<*xbf16>
    %m = nvgpu.tma.create.descriptor %tensor box[%c1, %c1, %c64, %c64] : memref<*xbf16> -> !map
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%m : !map, %a : memref<1x2x128x64xbf16>)
    return
  }
}
)mlir";

struct Manifest {
  FailureOr<llvm::json::Object> json = failure();
  std::string diagnostics;
};

Manifest build(const std::string &ir) {
  DialectRegistry registry;
  registry.insert<arith::ArithDialect, func::FuncDialect, gpu::GPUDialect,
                  memref::MemRefDialect, NVVM::NVVMDialect,
                  nvgpu::NVGPUDialect>();
  MLIRContext context(registry);
  Manifest result;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    result.diagnostics += diag.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, &context);
  if (!module)
    return result;
  result.json = fa::buildKernelManifest(*module, "f", {}, {});
  return result;
}
} // namespace

TEST(KernelManifest, DescribesATensorMapParameter) {
  Manifest m = build(kHostIR);
  ASSERT_TRUE(succeeded(m.json)) << m.diagnostics;
  const llvm::json::Array *params =
      (*(*m.json).getArray("kernels"))[0].getAsObject()->getArray("params");
  ASSERT_TRUE(params);
  const llvm::json::Object &map = *(*params)[0].getAsObject();
  EXPECT_EQ(map.getString("type"), "tensormap");
  EXPECT_EQ(map.getString("buffer"), "arg0");
  EXPECT_EQ(map.getString("dtype"), "bf16");
  EXPECT_EQ(map.getString("swizzle"), "swizzle_128b");
  EXPECT_EQ(map.getString("l2promo"), "l2promo_128b");
  EXPECT_EQ(map.getString("oob"), "zero");
  EXPECT_EQ(map.getString("interleave"), "none");
  auto ints = [](const llvm::json::Array *array) {
    std::vector<int64_t> out;
    for (const llvm::json::Value &v : *array)
      out.push_back(*v.getAsInteger());
    return out;
  };
  EXPECT_EQ(ints(map.getArray("shape")),
            (std::vector<int64_t>{1, 2, 128, 64}));
  EXPECT_EQ(ints(map.getArray("strides")),
            (std::vector<int64_t>{16384, 8192, 64, 1}));
  EXPECT_EQ(ints(map.getArray("box")), (std::vector<int64_t>{1, 1, 64, 64}));
  // The memref after it is passed as its descriptor, pointers first.
  EXPECT_EQ((*params)[1].getAsObject()->getString("type"), "ptr");
}

namespace {
/// A manifest's "kernels": one kernel whose params are `params` (JSON).
llvm::json::Array kernelsWith(const std::string &params) {
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse("[{\"name\": \"k\", \"params\": " + params + "}]");
  EXPECT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  return std::move(*parsed->getAsArray());
}

const char *const kArg = R"({"name": "arg0", "dtype": "bf16",
  "shape": [2, 3, 4, 8], "strides": [96, 32, 8, 1], "bytes": 384})";

/// A descriptor of arg0: its sizes, and strides given by `strides` (four
/// params).
std::string descriptor(const std::string &strides) {
  return R"({"type": "ptr", "buffer": "arg0", "rank": 4},
    {"type": "ptr", "buffer": "arg0"}, {"type": "i64", "value": 0},
    {"type": "i64", "value": 2}, {"type": "i64", "value": 3},
    {"type": "i64", "value": 4}, {"type": "i64", "value": 8}, )" +
         strides;
}

std::string strideOf(int dim, const std::string &arg = "arg0") {
  return R"({"type": "i64", "stride_of": ")" + arg + R"(", "dim": )" +
         std::to_string(dim) + "}";
}

const std::string kCallerStrides =
    strideOf(0) + ", " + strideOf(1) + ", " + strideOf(2) + ", " + strideOf(3);

bool takes(const std::string &params) {
  llvm::Expected<llvm::json::Value> arg = llvm::json::parse(kArg);
  EXPECT_TRUE(bool(arg)) << llvm::toString(arg.takeError());
  return fa::takesCallerStrides(*arg->getAsObject(), kernelsWith(params));
}
} // namespace

// D128, rule 1 of the caller strides: (a) tensor maps of the argument's own
// shape and strides, (b) descriptors whose strides are all stride_of params
// of the argument, nothing else.
TEST(KernelManifest, CallerStridesNeedEveryUseToTakeThem) {
  std::string map = R"({"type": "tensormap", "buffer": "arg0",
    "dtype": "bf16", "shape": [2, 3, 4, 8], "strides": [96, 32, 8, 1],
    "box": [1, 1, 4, 8]})";
  EXPECT_TRUE(takes("[" + map + "]"));
  EXPECT_TRUE(takes("[" + descriptor(kCallerStrides) + "]"));
  EXPECT_TRUE(takes("[" + map + ", " + descriptor(kCallerStrides) + ", " +
                    R"({"type": "f32", "bits": 0}])"));
  // No use: nothing reads it through other strides.
  EXPECT_TRUE(takes(R"([{"type": "f32", "bits": 0}])"));

  // A map over another shape (a reshape) or strides.
  EXPECT_FALSE(takes(
      "[" +
      std::string(map).replace(map.find("[2, 3, 4, 8]"), 12, "[6, 4, 8]") +
      "]"));
  EXPECT_FALSE(takes("[" +
                     std::string(map).replace(map.find("[96, 32, 8, 1]"), 14,
                                              "[96, 32, 8, 2]") +
                     "]"));
  // Today's descriptors: constant strides.
  EXPECT_FALSE(takes("[" + descriptor(R"({"type": "i64", "value": 96},
      {"type": "i64", "value": 32}, {"type": "i64", "value": 8},
      {"type": "i64", "value": 1})") +
                     "]"));
  // One constant stride among the caller's, another argument's stride, the
  // strides out of order, a lone pointer.
  EXPECT_FALSE(
      takes("[" +
            descriptor(strideOf(0) + ", " + strideOf(1) + ", " + strideOf(2) +
                       R"(, {"type": "i64", "value": 1})") +
            "]"));
  EXPECT_FALSE(takes("[" +
                     descriptor(strideOf(0) + ", " + strideOf(1, "arg1") +
                                ", " + strideOf(2) + ", " + strideOf(3)) +
                     "]"));
  EXPECT_FALSE(takes("[" +
                     descriptor(strideOf(1) + ", " + strideOf(0) + ", " +
                                strideOf(2) + ", " + strideOf(3)) +
                     "]"));
  EXPECT_FALSE(takes(R"([{"type": "ptr", "buffer": "arg0"}])"));
  // Cut short.
  EXPECT_FALSE(takes(
      "[" + descriptor(strideOf(0) + ", " + strideOf(1) + ", " + strideOf(2)) +
      "]"));
}
