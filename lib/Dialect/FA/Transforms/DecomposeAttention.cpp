//===- DecomposeAttention.cpp - Reference lowering of fa.attention --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Rewrites fa.attention into the textbook computation on tensors: the whole
// [B, Hq, Nq, Nk] score matrix in f32, a safe softmax, and P V. Every step is a
// linalg.generic so that the result runs on the CPU through the upstream
// bufferization and loop lowering.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "ScalarUtils.h"

#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FADECOMPOSEATTENTIONPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

using mlir::fa::detail::safeMax;
using mlir::fa::detail::toF32;

/// Converts an f32 scalar to `type` (no-op for f32).
static Value fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

/// The size of dimension `dim` of `tensor` as an OpFoldResult.
static OpFoldResult dimOf(OpBuilder &b, Location loc, Value tensor,
                          int64_t dim) {
  return tensor::getMixedSize(b, loc, tensor, dim);
}

/// A zero-filled (or `init`-filled) f32 tensor of the given sizes.
static Value filledTensor(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes, double init) {
  Type f32 = b.getF32Type();
  Value empty = tensor::EmptyOp::create(b, loc, sizes, f32);
  Value cst = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(init));
  return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
}

namespace {
struct DecomposeAttention : public OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    // The reference lowering is on tensors; the bufferized op is
    // convert-fa-to-nvgpu's (the pass reports it).
    if (isa<MemRefType>(op.getQuery().getType()))
      return rewriter.notifyMatchFailure(op, "fa.attention on memrefs");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    Type f32 = rewriter.getF32Type();
    int64_t group = op.getGroupSize();
    double negInf = -std::numeric_limits<double>::infinity();

    OpFoldResult bSz = dimOf(rewriter, loc, q, 0);
    OpFoldResult hSz = dimOf(rewriter, loc, q, 1);
    OpFoldResult nqSz = dimOf(rewriter, loc, q, 2);
    OpFoldResult nkSz = dimOf(rewriter, loc, k, 2);
    OpFoldResult dvSz = dimOf(rewriter, loc, v, 3);

    AffineExpr d0, d1, d2, d3, d4;
    bindDims(ctx, d0, d1, d2, d3, d4);
    AffineExpr kvHead = d1.floorDiv(group);
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;

    // S[b,h,i,j] = sum_d Q[b,h,i,d] * K[b,h/G,j,d]   (loops b,h,i,j,d)
    Value scores = filledTensor(rewriter, loc, {bSz, hSz, nqSz, nkSz}, 0.0);
    scores =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), ValueRange{q, k}, scores,
            ArrayRef<AffineMap>{
                AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
                AffineMap::get(5, 0, {d0, kvHead, d3, d4}, ctx),
                AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
            ArrayRef<utils::IteratorType>{par, par, par, par, red},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                                 toF32(b, l, args[1]));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[2], prod)});
            })
            .getResult(0);

    // Scale, bias / keep-mask, causal mask (loops b,h,i,j).
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    SmallVector<Value> maskIns = {scores};
    SmallVector<AffineMap> maskMaps = {id4};
    Value mask = op.getMask();
    if (mask) {
      auto maskType = cast<ShapedType>(mask.getType());
      auto fullType = cast<ShapedType>(scores.getType());
      SmallVector<AffineExpr> exprs;
      for (int64_t i = 0; i < 4; ++i) {
        bool broadcast = maskType.getDimSize(i) == 1 &&
                         fullType.getDimSize(i) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(i, ctx));
      }
      maskIns.push_back(mask);
      maskMaps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    maskMaps.push_back(id4);
    Value causalOffset;
    if (op.getCausal()) {
      Value nq = getValueOrCreateConstantIndexOp(rewriter, loc, nqSz);
      Value nk = getValueOrCreateConstantIndexOp(rewriter, loc, nkSz);
      causalOffset = arith::SubIOp::create(rewriter, loc, nk, nq);
    }
    double scale = op.getScaleValue();
    Value masked = tensor::EmptyOp::create(rewriter, loc,
                                           tensor::getMixedSizes(rewriter, loc,
                                                                 scores),
                                           f32);
    masked =
        linalg::GenericOp::create(
            rewriter, loc, masked.getType(), maskIns, masked, maskMaps,
            SmallVector<utils::IteratorType>(4, par),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value s = arith::MulFOp::create(
                  b, l, args[0],
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale)));
              Value ninf =
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(negInf));
              if (mask) {
                Value m = args[1];
                if (m.getType().isInteger(1))
                  s = arith::SelectOp::create(b, l, m, s, ninf);
                else
                  s = arith::AddFOp::create(b, l, s, toF32(b, l, m));
              }
              if (causalOffset) {
                // Key j is visible from query i iff j <= i + (Nk - Nq).
                Value i = linalg::IndexOp::create(b, l, 2);
                Value j = linalg::IndexOp::create(b, l, 3);
                Value limit = arith::AddIOp::create(b, l, i, causalOffset);
                Value keep = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::sle, j, limit);
                s = arith::SelectOp::create(b, l, keep, s, ninf);
              }
              linalg::YieldOp::create(b, l, s);
            })
            .getResult(0);

    // Row max m[b,h,i] (loops b,h,i,j).
    AffineMap rowMap = AffineMap::get(4, 0, {d0, d1, d2}, ctx);
    Value rowMax = filledTensor(rewriter, loc, {bSz, hSz, nqSz}, negInf);
    rowMax = linalg::GenericOp::create(
                 rewriter, loc, rowMax.getType(), masked, rowMax,
                 ArrayRef<AffineMap>{id4, rowMap},
                 ArrayRef<utils::IteratorType>{par, par, par, red},
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       b, l,
                       ValueRange{arith::MaximumFOp::create(b, l, args[0],
                                                            args[1])});
                 })
                 .getResult(0);

    // A fully masked row has max -inf: safeMax subtracts 0 instead.
    // P[b,h,i,j] = exp(S - m) (loops b,h,i,j).
    Value probs = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, masked), f32);
    probs = linalg::GenericOp::create(
                rewriter, loc, probs.getType(), ValueRange{masked, rowMax},
                probs, ArrayRef<AffineMap>{id4, rowMap, id4},
                SmallVector<utils::IteratorType>(4, par),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value x = arith::SubFOp::create(b, l, args[0],
                                                  safeMax(b, l, args[1]));
                  linalg::YieldOp::create(
                      b, l, ValueRange{math::ExpOp::create(b, l, x)});
                })
                .getResult(0);

    // l[b,h,i] = sum_j P (loops b,h,i,j).
    Value rowSum = filledTensor(rewriter, loc, {bSz, hSz, nqSz}, 0.0);
    rowSum = linalg::GenericOp::create(
                 rewriter, loc, rowSum.getType(), probs, rowSum,
                 ArrayRef<AffineMap>{id4, rowMap},
                 ArrayRef<utils::IteratorType>{par, par, par, red},
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       b, l,
                       ValueRange{arith::AddFOp::create(b, l, args[0],
                                                        args[1])});
                 })
                 .getResult(0);

    // acc[b,h,i,e] = sum_j P[b,h,i,j] * V[b,h/G,j,e]   (loops b,h,i,e,j)
    Value acc = filledTensor(rewriter, loc, {bSz, hSz, nqSz, dvSz}, 0.0);
    acc = linalg::GenericOp::create(
              rewriter, loc, acc.getType(), ValueRange{probs, v}, acc,
              ArrayRef<AffineMap>{
                  AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
                  AffineMap::get(5, 0, {d0, kvHead, d4, d3}, ctx),
                  AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
              ArrayRef<utils::IteratorType>{par, par, par, par, red},
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value prod = arith::MulFOp::create(b, l, args[0],
                                                   toF32(b, l, args[1]));
                linalg::YieldOp::create(
                    b, l,
                    ValueRange{arith::AddFOp::create(b, l, args[2], prod)});
              })
              .getResult(0);

    // O = acc / l, 0 where l == 0 (a fully masked row).
    Type outElt = getElementTypeOrSelf(op.getOutput().getType());
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, op.getOutput().getType(), ValueRange{acc, rowSum},
            op.getOutput(), ArrayRef<AffineMap>{id4, rowMap, id4},
            SmallVector<utils::IteratorType>(4, par),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zero =
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0));
              Value isZero = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, args[1], zero);
              Value div = arith::DivFOp::create(b, l, args[0], args[1]);
              Value o = arith::SelectOp::create(b, l, isZero, zero, div);
              linalg::YieldOp::create(b, l, fromF32(b, l, o, outElt));
            })
            .getResult(0);

    SmallVector<Value> results = {out};
    if (Value lseInit = op.getLseInit()) {
      // lse = m + log(l); -inf for a fully masked row.
      AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
      Value lse = linalg::GenericOp::create(
                      rewriter, loc, lseInit.getType(),
                      ValueRange{rowMax, rowSum}, lseInit,
                      ArrayRef<AffineMap>{id3, id3, id3},
                      SmallVector<utils::IteratorType>(3, par),
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value logSum = math::LogOp::create(b, l, args[1]);
                        linalg::YieldOp::create(
                            b, l,
                            ValueRange{arith::AddFOp::create(
                                b, l, safeMax(b, l, args[0]), logSum)});
                      })
                      .getResult(0);
      results.push_back(lse);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DecomposeAttentionPass
    : public fa::impl::FADecomposeAttentionPassBase<DecomposeAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult bufferized = getOperation()->walk([](AttentionOp op) {
      if (!isa<MemRefType>(op.getQuery().getType()))
        return WalkResult::advance();
      op.emitOpError("on memrefs cannot be decomposed: fa-decompose-attention "
                     "works on tensors (run it before bufferization)");
      return WalkResult::interrupt();
    });
    if (bufferized.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::fa::populateDecomposeAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeAttention>(patterns.getContext());
}
