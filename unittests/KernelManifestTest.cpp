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
