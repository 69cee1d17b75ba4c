//===- DecomposeAttention.cpp - Reference lowering of the fa ops ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Rewrites fa.attention and fa.attention_grad into the textbook computation
// on tensors: the whole [B, Hq, Nq, Nk] score matrix in f32, then a safe
// softmax and P V (forward), or P recomputed from the logsumexp and the
// gradient products (backward). Every step is a linalg op so that the result
// runs on the CPU through the upstream bufferization and loop lowering.
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

using mlir::fa::detail::cstF32;
using mlir::fa::detail::fromF32;
using mlir::fa::detail::kNegInf;
using mlir::fa::detail::safeMax;
using mlir::fa::detail::toF32;

static constexpr auto kPar = utils::IteratorType::parallel;
static constexpr auto kRed = utils::IteratorType::reduction;

/// The size of dimension `dim` of `tensor` as an OpFoldResult.
static OpFoldResult dimOf(OpBuilder &b, Location loc, Value tensor,
                          int64_t dim) {
  return tensor::getMixedSize(b, loc, tensor, dim);
}

/// A zero-filled (or `init`-filled) f32 tensor of the given sizes.
static Value filledTensor(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes, double init) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  return linalg::FillOp::create(b, loc, cstF32(b, loc, init), empty)
      .getResult(0);
}

/// An uninitialized f32 tensor of the shape of `like`.
static Value emptyF32Like(OpBuilder &b, Location loc, Value like) {
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 b.getF32Type());
}

/// A linalg.generic over `maps` (the last map is `init`'s) whose body is
/// `body(args)`, yielding one value.
static Value
buildGeneric(OpBuilder &b, Location loc, ValueRange ins, Value init,
             ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
             function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), ins, init, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// init += lhs * rhs (both extended to f32) over the loops of `maps`: a
/// batched matmul in which the reduction loops come last.
static Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                              Value init, ArrayRef<AffineMap> maps,
                              ArrayRef<utils::IteratorType> iters) {
  return buildGeneric(
      b, loc, {lhs, rhs}, init, maps, iters,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]),
                                           toF32(nb, nl, args[1]));
        return arith::AddFOp::create(nb, nl, args[2], prod).getResult();
      });
}

/// `init` <- scale * acc, rounded to `init`'s element type (elementwise).
static Value buildScaledCopy(OpBuilder &b, Location loc, Value acc, Value init,
                             double scale) {
  auto type = cast<ShapedType>(init.getType());
  AffineMap id =
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  return buildGeneric(b, loc, acc, init, {id, id},
                      SmallVector<utils::IteratorType>(type.getRank(), kPar),
                      [&](OpBuilder &nb, Location nl, ValueRange args) {
                        Value v = args[0];
                        if (scale != 1.0)
                          v = arith::MulFOp::create(nb, nl, v,
                                                    cstF32(nb, nl, scale));
                        return fromF32(nb, nl, v, type.getElementType());
                      });
}

/// P[b,h,i,j] = exp(S[b,h,i,j] - safe(r[b,h,i])) with r the row max or the
/// logsumexp: safe(-inf) = 0 keeps a row without visible keys at
/// exp(-inf) = 0 rather than NaN.
static Value buildShiftedExp(OpBuilder &b, Location loc, Value scores,
                             Value rowShift) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  return buildGeneric(b, loc, {scores, rowShift}, emptyF32Like(b, loc, scores),
                      {id4, AffineMap::get(4, 0, {d0, d1, d2}, ctx), id4},
                      SmallVector<utils::IteratorType>(4, kPar),
                      [](OpBuilder &nb, Location l, ValueRange args) {
                        Value x = arith::SubFOp::create(
                            nb, l, args[0], safeMax(nb, l, args[1]));
                        return math::ExpOp::create(nb, l, x).getResult();
                      });
}

/// True when dimension `dim` of `mask` is broadcast against the full
/// [B, Hq, Nq, Nk] (a static 1 where the full size may differ).
static bool isBroadcastDim(ShapedType mask, ShapedType full, int64_t dim) {
  return mask.getDimSize(dim) == 1 && full.getDimSize(dim) != 1;
}

/// The map from the [B, Hq, Nq, Nk] loops to the mask: broadcast
/// dimensions read index 0.
static AffineMap getMaskMap(ShapedType mask, ShapedType full) {
  MLIRContext *ctx = mask.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < 4; ++i)
    exprs.push_back(isBroadcastDim(mask, full, i)
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(i, ctx));
  return AffineMap::get(4, 0, exprs, ctx);
}

/// getMaskMap's map with the query and key indices divided by `blocks`'
/// block sizes: a block mask's entry (b, h, i / block_q, j / block_kv).
static AffineMap getBlockMaskMap(ShapedType blockMask, BlockSparseAttr blocks,
                                 ShapedType full) {
  AffineMap map = getMaskMap(blockMask, full);
  return map.replace(
      {{map.getResult(2), map.getResult(2).floorDiv(blocks.getBlockQ())},
       {map.getResult(3), map.getResult(3).floorDiv(blocks.getBlockKv())}},
      4, 0);
}

/// Whether a block-mask entry (i8 or i1) keeps its block: non-zero.
static Value isBlockKept(OpBuilder &b, Location loc, Value entry) {
  if (entry.getType().isInteger(1))
    return entry;
  Value zero = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(entry.getType(), 0));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entry, zero);
}

/// `x` of shape [B, Hq, ...] (rank 4) viewed as [B, Hkv, G, ...]: the query
/// heads of each KV group side by side, so that a sum over the group is a
/// plain reduction loop.
static Value expandGroups(OpBuilder &b, Location loc, Value x, int64_t group) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  int64_t hkv = type.getDimSize(1) / group;
  SmallVector<OpFoldResult> outSizes = {
      sizes[0], b.getIndexAttr(hkv), b.getIndexAttr(group), sizes[2], sizes[3]};
  SmallVector<int64_t> shape = {type.getDimSize(0), hkv, group,
                                type.getDimSize(2), type.getDimSize(3)};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}, outSizes);
}

namespace {
/// The scores of an attention op in f32, `[B, Hq, Nq, Nk]`:
/// `scale * Q K^T (+ bias)`, -inf where the keep-mask, the block mask, the
/// causal mask, the window or the mask pattern hides the key. The forward and
/// the backward reference share it.
struct MaskedScores {
  Value scores;
  OpFoldResult b, h, nq, nk;
};
} // namespace

template <typename OpTy>
static MaskedScores buildMaskedScores(OpBuilder &b, Location loc, OpTy op) {
  MLIRContext *ctx = b.getContext();
  Value q = op.getQuery(), k = op.getKey();
  int64_t group = op.getGroupSize();
  MaskedScores r{Value(), dimOf(b, loc, q, 0), dimOf(b, loc, q, 1),
                 dimOf(b, loc, q, 2), dimOf(b, loc, k, 2)};

  AffineExpr d0, d1, d2, d3, d4;
  bindDims(ctx, d0, d1, d2, d3, d4);
  // S[b,h,i,j] = sum_d Q[b,h,i,d] * K[b,h/G,j,d]   (loops b,h,i,j,d)
  Value scores = buildContraction(
      b, loc, q, k, filledTensor(b, loc, {r.b, r.h, r.nq, r.nk}, 0.0),
      {AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1.floorDiv(group), d3, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
      {kPar, kPar, kPar, kPar, kRed});

  // Scale, bias / keep-mask, causal mask (loops b,h,i,j).
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<Value> ins = {scores};
  SmallVector<AffineMap> maps = {id4};
  Value mask = op.getMask();
  if (mask) {
    ins.push_back(mask);
    maps.push_back(getMaskMap(cast<ShapedType>(mask.getType()),
                              cast<ShapedType>(scores.getType())));
  }
  // The block mask, expanded to an element mask by its map.
  Value blockMask = op.getBlockMask();
  if (blockMask) {
    ins.push_back(blockMask);
    maps.push_back(getBlockMaskMap(cast<ShapedType>(blockMask.getType()),
                                   op.getBlockSparseAttr(),
                                   cast<ShapedType>(scores.getType())));
  }
  maps.push_back(id4);
  Value causalOffset;
  WindowAttr window = op.getWindowAttr();
  MaskPatternAttr pattern = op.getMaskPatternAttr();
  if (op.getCausal() || window || pattern) {
    Value nq = getValueOrCreateConstantIndexOp(b, loc, r.nq);
    Value nk = getValueOrCreateConstantIndexOp(b, loc, r.nk);
    causalOffset = arith::SubIOp::create(b, loc, nk, nq);
  }
  double scale = op.getScaleValue();
  r.scores = buildGeneric(
      b, loc, ins, emptyF32Like(b, loc, scores), maps,
      SmallVector<utils::IteratorType>(4, kPar),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value s = arith::MulFOp::create(nb, l, args[0], cstF32(nb, l, scale));
        Value ninf = cstF32(nb, l, kNegInf);
        if (mask) {
          Value m = args[1];
          if (m.getType().isInteger(1))
            s = arith::SelectOp::create(nb, l, m, s, ninf);
          else
            s = arith::AddFOp::create(nb, l, s, toF32(nb, l, m));
        }
        if (blockMask)
          s = arith::SelectOp::create(nb, l, isBlockKept(nb, l, args[ins.size() - 1]),
                                      s, ninf);
        if (op.getCausal()) {
          // Key j is visible from query i iff j <= i + (Nk - Nq).
          Value i = linalg::IndexOp::create(nb, l, 2);
          Value j = linalg::IndexOp::create(nb, l, 3);
          Value limit = arith::AddIOp::create(nb, l, i, causalOffset);
          Value keep =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle, j, limit);
          s = arith::SelectOp::create(nb, l, keep, s, ninf);
        }
        if (pattern) {
          // And iff the pattern keeps the positions (i + Nk - Nq, j); it
          // applies the window, if any, itself (or the global tokens).
          Value i = linalg::IndexOp::create(nb, l, 2);
          Value j = linalg::IndexOp::create(nb, l, 3);
          Value ip = arith::AddIOp::create(nb, l, i, causalOffset);
          Value keep =
              fa::detail::buildPatternKeep(nb, l, pattern, window, ip, j);
          s = arith::SelectOp::create(nb, l, keep, s, ninf);
        } else if (window) {
          // And iff i + (Nk - Nq) - left <= j <= i + (Nk - Nq) + right.
          Value i = linalg::IndexOp::create(nb, l, 2);
          Value j = linalg::IndexOp::create(nb, l, 3);
          Value diag = arith::AddIOp::create(nb, l, i, causalOffset);
          Value lo = arith::SubIOp::create(
              nb, l, diag,
              arith::ConstantIndexOp::create(nb, l, window.getLeft()));
          Value hi = arith::AddIOp::create(
              nb, l, diag,
              arith::ConstantIndexOp::create(nb, l, window.getRight()));
          Value keep = arith::AndIOp::create(
              nb, l,
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, j, lo),
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle, j, hi));
          s = arith::SelectOp::create(nb, l, keep, s, ninf);
        }
        return s;
      });
  return r;
}

FailureOr<SmallVector<Value>> mlir::fa::decomposeAttentionOp(OpBuilder &b,
                                                             AttentionOp op) {
  // The reference lowering is on tensors; the bufferized op is
  // convert-fa-to-nvgpu's (fa-decompose-attention reports it).
  if (isa<MemRefType>(op.getQuery().getType()))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value v = op.getValue();
  int64_t group = op.getGroupSize();

  MaskedScores s = buildMaskedScores(b, loc, op);
  Value masked = s.scores;
  OpFoldResult dvSz = dimOf(b, loc, v, 3);

  AffineExpr d0, d1, d2, d3, d4;
  bindDims(ctx, d0, d1, d2, d3, d4);
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap rowMap = AffineMap::get(4, 0, {d0, d1, d2}, ctx);

  // Row max m[b,h,i] (loops b,h,i,j).
  Value rowMax = buildGeneric(
      b, loc, masked, filledTensor(b, loc, {s.b, s.h, s.nq}, kNegInf),
      {id4, rowMap}, {kPar, kPar, kPar, kRed},
      [](OpBuilder &b, Location l, ValueRange args) {
        return arith::MaximumFOp::create(b, l, args[0], args[1]).getResult();
      });

  // A fully masked row has max -inf: safeMax subtracts 0 instead.
  // P[b,h,i,j] = exp(S - m) (loops b,h,i,j).
  Value probs = buildShiftedExp(b, loc, masked, rowMax);

  // l[b,h,i] = sum_j P (loops b,h,i,j).
  Value rowSum = buildGeneric(
      b, loc, probs, filledTensor(b, loc, {s.b, s.h, s.nq}, 0.0), {id4, rowMap},
      {kPar, kPar, kPar, kRed}, [](OpBuilder &b, Location l, ValueRange args) {
        return arith::AddFOp::create(b, l, args[0], args[1]).getResult();
      });

  // acc[b,h,i,e] = sum_j P[b,h,i,j] * V[b,h/G,j,e]   (loops b,h,i,e,j)
  Value acc = buildContraction(
      b, loc, probs, v, filledTensor(b, loc, {s.b, s.h, s.nq, dvSz}, 0.0),
      {AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1.floorDiv(group), d4, d3}, ctx),
       AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
      {kPar, kPar, kPar, kPar, kRed});

  // O = acc / l, 0 where l == 0 (a fully masked row).
  Type outElt = getElementTypeOrSelf(op.getOutput().getType());
  Value out =
      buildGeneric(b, loc, {acc, rowSum}, op.getOutput(), {id4, rowMap, id4},
                   SmallVector<utils::IteratorType>(4, kPar),
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value zero = cstF32(b, l, 0.0);
                     Value isZero = arith::CmpFOp::create(
                         b, l, arith::CmpFPredicate::OEQ, args[1], zero);
                     Value div = arith::DivFOp::create(b, l, args[0], args[1]);
                     Value o = arith::SelectOp::create(b, l, isZero, zero, div);
                     return fromF32(b, l, o, outElt);
                   });

  SmallVector<Value> results = {out};
  if (Value lseInit = op.getLseInit()) {
    // lse = m + log(l); -inf for a fully masked row.
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    results.push_back(buildGeneric(
        b, loc, {rowMax, rowSum}, lseInit, {id3, id3, id3},
        SmallVector<utils::IteratorType>(3, kPar),
        [](OpBuilder &b, Location l, ValueRange args) {
          Value logSum = math::LogOp::create(b, l, args[1]);
          return arith::AddFOp::create(b, l, safeMax(b, l, args[0]), logSum)
              .getResult();
        }));
  }
  return results;
}

FailureOr<SmallVector<Value>>
mlir::fa::decomposeAttentionGradOp(OpBuilder &b, AttentionGradOp op) {
  if (isa<MemRefType>(op.getQuery().getType()))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  Value dO = op.getOutGrad();
  int64_t group = op.getGroupSize();
  double scale = op.getScaleValue();

  MaskedScores s = buildMaskedScores(b, loc, op);
  OpFoldResult hkvSz = dimOf(b, loc, k, 1);
  OpFoldResult dSz = dimOf(b, loc, q, 3);
  OpFoldResult dvSz = dimOf(b, loc, v, 3);

  AffineExpr d0, d1, d2, d3, d4, d5;
  bindDims(ctx, d0, d1, d2, d3, d4, d5);
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap rowMap = AffineMap::get(4, 0, {d0, d1, d2}, ctx);
  auto par4 = SmallVector<utils::IteratorType>(4, kPar);
  SmallVector<utils::IteratorType> batched = {kPar, kPar, kPar, kPar, kRed};
  // Loops (b, hkv, j, d, g, i) of dK and dV, over operands viewed as
  // [B, Hkv, G, Nq, .] (query head hkv * G + g).
  SmallVector<utils::IteratorType> grouped = {kPar, kPar, kPar,
                                              kPar, kRed, kRed};
  SmallVector<AffineMap> groupedMaps = {
      AffineMap::get(6, 0, {d0, d1, d4, d5, d2}, ctx),
      AffineMap::get(6, 0, {d0, d1, d4, d5, d3}, ctx),
      AffineMap::get(6, 0, {d0, d1, d2, d3}, ctx)};

  // P[b,h,i,j] = exp(S - lse): the softmax recomputed from the forward's
  // logsumexp. A row without visible keys has lse = -inf and S = -inf:
  // safeMax makes it exp(-inf - 0) = 0 rather than NaN.
  Value probs = buildShiftedExp(b, loc, s.scores, op.getLogsumexp());

  // D[b,h,i] = sum_e dO[b,h,i,e] * O[b,h,i,e]   (loops b,h,i,e)
  Value rowDot = buildContraction(b, loc, dO, op.getOut(),
                                  filledTensor(b, loc, {s.b, s.h, s.nq}, 0.0),
                                  {id4, id4, rowMap}, {kPar, kPar, kPar, kRed});

  // dV[b,hk,j,e] = sum_{g,i} P[b,hk*G+g,i,j] * dO[b,hk*G+g,i,e]
  Value dV =
      buildContraction(b, loc, expandGroups(b, loc, probs, group),
                       expandGroups(b, loc, dO, group),
                       filledTensor(b, loc, {s.b, hkvSz, s.nk, dvSz}, 0.0),
                       groupedMaps, grouped);

  // dP[b,h,i,j] = sum_e dO[b,h,i,e] * V[b,h/G,j,e]   (loops b,h,i,j,e)
  Value dP = buildContraction(
      b, loc, dO, v, filledTensor(b, loc, {s.b, s.h, s.nq, s.nk}, 0.0),
      {AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1.floorDiv(group), d3, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
      batched);

  // dS = P * (dP - D), in place on dP: the gradient of the scaled,
  // biased scores (0 wherever P is).
  Value dS = buildGeneric(
      b, loc, {probs, rowDot}, dP, {id4, rowMap, id4}, par4,
      [](OpBuilder &b, Location l, ValueRange args) {
        Value diff = arith::SubFOp::create(b, l, args[2], args[1]);
        return arith::MulFOp::create(b, l, args[0], diff).getResult();
      });

  // dQ[b,h,i,d] = scale * sum_j dS[b,h,i,j] * K[b,h/G,j,d]
  Value dQ = buildContraction(
      b, loc, dS, k, filledTensor(b, loc, {s.b, s.h, s.nq, dSz}, 0.0),
      {AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
       AffineMap::get(5, 0, {d0, d1.floorDiv(group), d4, d3}, ctx),
       AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)},
      batched);

  // dK[b,hk,j,d] = scale * sum_{g,i} dS[b,hk*G+g,i,j] * Q[b,hk*G+g,i,d]
  Value dK = buildContraction(
      b, loc, expandGroups(b, loc, dS, group), expandGroups(b, loc, q, group),
      filledTensor(b, loc, {s.b, hkvSz, s.nk, dSz}, 0.0), groupedMaps, grouped);

  SmallVector<Value> results = {
      buildScaledCopy(b, loc, dQ, op.getQueryGradInit(), scale),
      buildScaledCopy(b, loc, dK, op.getKeyGradInit(), scale),
      buildScaledCopy(b, loc, dV, op.getValueGradInit(), 1.0)};

  if (Value dBiasInit = op.getBiasGradInit()) {
    // dBias = dS summed over the dimensions the bias broadcasts (loops
    // b,h,i,j; those dimensions are reductions read at index 0 of the
    // bias-shaped accumulator).
    auto maskType = cast<ShapedType>(op.getMask().getType());
    auto fullType = cast<ShapedType>(dS.getType());
    SmallVector<utils::IteratorType> iters;
    for (int64_t i = 0; i < 4; ++i)
      iters.push_back(isBroadcastDim(maskType, fullType, i) ? kRed : kPar);
    Value acc = buildGeneric(
        b, loc, dS,
        filledTensor(b, loc, tensor::getMixedSizes(b, loc, dBiasInit), 0.0),
        {id4, getMaskMap(maskType, fullType)}, iters,
        [](OpBuilder &b, Location l, ValueRange args) {
          return arith::AddFOp::create(b, l, args[0], args[1]).getResult();
        });
    results.push_back(buildScaledCopy(b, loc, acc, dBiasInit, 1.0));
  }
  return results;
}

namespace {
/// Replaces an op of type OpTy (tensor form) by its reference lowering,
/// `decompose(builder, op)`: the function AggregatedOpInterface's
/// decomposeOperation calls too.
template <typename OpTy,
          FailureOr<SmallVector<Value>> (*decompose)(OpBuilder &, OpTy)>
struct DecomposePattern : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> results = decompose(rewriter, op);
    if (failed(results))
      return rewriter.notifyMatchFailure(op, "on memrefs");
    rewriter.replaceOp(op, *results);
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
    WalkResult bufferized = getOperation()->walk([](Operation *op) {
      if (!isa<AttentionOp, AttentionGradOp>(op) ||
          !isa<MemRefType>(op->getOperand(0).getType()))
        return WalkResult::advance();
      op->emitOpError("on memrefs cannot be decomposed: fa-decompose-attention "
                      "works on tensors (run it before bufferization)");
      return WalkResult::interrupt();
    });
    if (bufferized.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::fa::populateDecomposeAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposePattern<AttentionOp, decomposeAttentionOp>,
               DecomposePattern<AttentionGradOp, decomposeAttentionGradOp>>(
      patterns.getContext());
}
