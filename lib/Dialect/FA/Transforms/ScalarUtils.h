//===- ScalarUtils.h - Scalar helpers of the attention lowerings -*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The scalar pieces that the reference lowering (fa-decompose-attention) and
// the tiled form (fa-tile-attention) must compute identically: the f32
// extension of inputs, the rounding of results and the "safe" row max (or
// logsumexp) of a fully masked row.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_SCALARUTILS_H
#define FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_SCALARUTILS_H

#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include <limits>

namespace mlir {
namespace fa {
namespace detail {

inline constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// An f32 constant.
inline Value cstF32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// Extends a float scalar to f32 (no-op for f32).
inline Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// Rounds an f32 scalar to the float `type` (no-op for f32).
inline Value fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

/// `m` with -inf replaced by 0: the row max a fully masked row subtracts, so
/// that exp(-inf - 0) = 0 instead of exp(-inf + inf) = NaN.
inline Value safeMax(OpBuilder &b, Location loc, Value m) {
  Value isNegInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                         cstF32(b, loc, kNegInf));
  return arith::SelectOp::create(b, loc, isNegInf, cstF32(b, loc, 0.0), m);
}

/// Whether the position pair (i', j) (index values; i' = i + Nk - Nq) is
/// kept by `pattern`'s local pattern (its chunk or butterfly, or `window`)
/// or by its global tokens: MaskPattern::keeps without causal, which the
/// callers apply on their own (BlockClassifier.h has the semantics).
inline Value buildPatternKeep(OpBuilder &b, Location loc,
                              MaskPatternAttr pattern, WindowAttr window,
                              Value ip, Value j) {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto cmp = [&](arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  };
  using P = arith::CmpIPredicate;
  Value local;
  if (window) {
    Value lo = arith::SubIOp::create(b, loc, ip, cst(window.getLeft()));
    Value hi = arith::AddIOp::create(b, loc, ip, cst(window.getRight()));
    local =
        arith::AndIOp::create(b, loc, cmp(P::sge, j, lo), cmp(P::sle, j, hi));
  } else if (int64_t c = pattern.getChunk()) {
    local = cmp(P::eq, arith::FloorDivSIOp::create(b, loc, ip, cst(c)),
                arith::FloorDivSIOp::create(b, loc, j, cst(c)));
  } else if (int64_t n = pattern.getButterfly()) {
    // Cells a = floor(i' / B), b = floor(j / B) are linked iff x = a xor b
    // has at most one bit set: x & (x - 1) == 0.
    Value x = arith::XOrIOp::create(
        b, loc, arith::FloorDivSIOp::create(b, loc, ip, cst(n)),
        arith::FloorDivSIOp::create(b, loc, j, cst(n)));
    Value low = arith::AndIOp::create(b, loc, x,
                                      arith::SubIOp::create(b, loc, x, cst(1)));
    local = cmp(P::eq, low, cst(0));
  }
  int64_t g = pattern.getGlobal();
  if (g == 0)
    return local;
  Value isGlobal = arith::OrIOp::create(b, loc, cmp(P::slt, j, cst(g)),
                                        cmp(P::slt, ip, cst(g)));
  return arith::OrIOp::create(b, loc, local, isGlobal);
}

} // namespace detail
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_SCALARUTILS_H
