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

} // namespace detail
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_SCALARUTILS_H
