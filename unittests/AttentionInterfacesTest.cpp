//===- AttentionInterfacesTest.cpp - The fa ops' upstream interfaces ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// AggregatedOpInterface::decomposeOperation on ops with more than one result
// (fa.attention with the logsumexp, fa.attention_grad), which upstream's
// transform.structured.decompose_interface refuses (it maps one op to each
// result), and which interfaces each op has. The lit tests
// test/Dialect/FA/tiling-interface*.mlir cover the rest.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;

namespace {
constexpr const char *kForwardLse = R"mlir(
func.func @f(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
             %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>,
             %l: tensor<1x4x8xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
       outs(%o, %l : tensor<1x4x8x16xf32>, tensor<1x4x8xf32>) {causal}
       -> tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
  return %r#0, %r#1 : tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
})mlir";

constexpr const char *kGrad = R"mlir(
func.func @g(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
             %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>,
             %do: tensor<1x4x8x16xf32>, %lse: tensor<1x4x8xf32>,
             %b: tensor<1x1x8x8xf32>, %db: tensor<1x1x8x8xf32>)
    -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>,
        tensor<1x1x8x8xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>,
        tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8xf32>)
      mask(%b : tensor<1x1x8x8xf32>)
      outs(%q, %k, %v, %db : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>,
           tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>)
      -> tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>,
         tensor<1x1x8x8xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>,
      tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>
})mlir";

constexpr const char *kMemref = R"mlir(
func.func @m(%q: memref<1x2x8x16xf32>, %o: memref<1x2x8x16xf32>) {
  fa.attention ins(%q, %q, %q : memref<1x2x8x16xf32>, memref<1x2x8x16xf32>, memref<1x2x8x16xf32>)
      outs(%o : memref<1x2x8x16xf32>)
  return
})mlir";

class AttentionInterfaces : public ::testing::Test {
protected:
  AttentionInterfaces() {
    DialectRegistry registry;
    registry.insert<fa::FADialect, arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    memref::MemRefDialect, tensor::TensorDialect>();
    fa::registerAttentionInterfaceExternalModels(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// Parses `source` and decomposes its one fa op through the interface:
  /// the number of values it returned, -1 when it failed. The module must
  /// verify afterwards, with no fa op left on success.
  int decompose(const char *source) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
    EXPECT_TRUE(module);
    if (!module)
      return -2;
    Operation *op = nullptr;
    module->walk([&](Operation *o) {
      if (isa<fa::AttentionOp, fa::AttentionGradOp>(o))
        op = o;
    });
    auto agg = dyn_cast_or_null<linalg::AggregatedOpInterface>(op);
    EXPECT_TRUE(agg);
    if (!agg)
      return -2;
    size_t before =
        module->getBody()->front().getRegion(0).front().getOperations().size();
    IRRewriter rewriter(&ctx);
    FailureOr<SmallVector<Value>> results = agg.decomposeOperation(rewriter);
    if (failed(results)) {
      // Nothing built.
      EXPECT_EQ(before, module->getBody()
                            ->front()
                            .getRegion(0)
                            .front()
                            .getOperations()
                            .size());
      return -1;
    }
    EXPECT_EQ(results->size(), op->getNumResults());
    rewriter.replaceOp(op, *results);
    EXPECT_TRUE(succeeded(verify(*module)));
    bool faLeft = false;
    module->walk([&](Operation *o) {
      faLeft |= isa<fa::AttentionOp, fa::AttentionGradOp>(o);
    });
    EXPECT_FALSE(faLeft);
    return static_cast<int>(results->size());
  }

  MLIRContext ctx;
};
} // namespace

TEST_F(AttentionInterfaces, ForwardWithLogsumexpDecomposes) {
  EXPECT_EQ(decompose(kForwardLse), 2);
}

TEST_F(AttentionInterfaces, GradWithBiasGradDecomposes) {
  EXPECT_EQ(decompose(kGrad), 4);
}

TEST_F(AttentionInterfaces, MemrefFormIsNotDecomposed) {
  EXPECT_EQ(decompose(kMemref), -1);
}

TEST_F(AttentionInterfaces, OnlyTheForwardIsTileable) {
  OwningOpRef<ModuleOp> fwd = parseSourceString<ModuleOp>(kForwardLse, &ctx);
  OwningOpRef<ModuleOp> grad = parseSourceString<ModuleOp>(kGrad, &ctx);
  ASSERT_TRUE(fwd && grad);
  int tileable = 0, ops = 0;
  for (ModuleOp m : {*fwd, *grad})
    m->walk([&](Operation *o) {
      if (!isa<fa::AttentionOp, fa::AttentionGradOp>(o))
        return;
      ++ops;
      if (isa<TilingInterface>(o)) {
        EXPECT_TRUE(isa<fa::AttentionOp>(o));
        ++tileable;
      }
    });
  EXPECT_EQ(ops, 2);
  EXPECT_EQ(tileable, 1);
}
