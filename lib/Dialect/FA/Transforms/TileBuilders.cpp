//===- TileBuilders.cpp - Tile-level IR of the attention loop nests -------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "TileBuilders.h"

#include "ScalarUtils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "FlashAttn/Dialect/FA/IR/FADialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

void mlir::fa::detail::markThreadBlockLoop(scf::ForallOp forall,
                                           Attribute tiling) {
  forall->setAttr(FADialect::getTilingAttrName(), tiling);
  if (!llvm::all_of(forall.getMixedUpperBound(), [](OpFoldResult ub) {
        return isConstantIntValue(ub, 1);
      }))
    return;
  // Up to three dimensions (..., z, y, x) as the grid takes them; more as
  // linear block ids, last dimension first.
  MLIRContext *ctx = forall.getContext();
  int64_t rank = forall.getRank();
  static constexpr gpu::MappingId kGrid[] = {
      gpu::MappingId::DimZ, gpu::MappingId::DimY, gpu::MappingId::DimX};
  SmallVector<Attribute> mapping;
  for (int64_t i = 0; i < rank; ++i) {
    gpu::MappingId id =
        rank <= 3 ? kGrid[3 - rank + i]
                  : static_cast<gpu::MappingId>(
                        static_cast<int64_t>(gpu::MappingId::LinearDim0) +
                        rank - 1 - i);
    mapping.push_back(gpu::GPUBlockMappingAttr::get(ctx, id));
  }
  forall.setMappingAttr(ArrayAttr::get(ctx, mapping));
}

int64_t mlir::fa::detail::staticOrDynamic(OpFoldResult ofr) {
  return getConstantIntValue(ofr).value_or(ShapedType::kDynamic);
}

Value mlir::fa::detail::filledF32(OpBuilder &b, Location loc,
                                  ArrayRef<int64_t> shape, double init) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, cstF32(b, loc, init), empty)
      .getResult(0);
}

Value mlir::fa::detail::allocTile(OpBuilder &b, Location loc,
                                  ArrayRef<int64_t> shape, Type type,
                                  Attribute memorySpace) {
  return bufferization::AllocTensorOp::create(
      b, loc, RankedTensorType::get(shape, type), /*dynamic_sizes=*/{},
      /*copy=*/Value(), /*size_hint=*/Value(), memorySpace);
}

Value mlir::fa::detail::loadTile(OpBuilder &b, Location loc, Value src,
                                 ArrayRef<OpFoldResult> offsets,
                                 ArrayRef<OpFoldResult> sizes, Value buffer) {
  auto srcType = cast<RankedTensorType>(src.getType());
  auto tileType = cast<RankedTensorType>(buffer.getType());
  int64_t rank = tileType.getRank();
  SmallVector<OpFoldResult> strides(srcType.getRank(), b.getIndexAttr(1));
  ArrayRef<OpFoldResult> kept = sizes.take_back(rank);
  auto sliceType = RankedTensorType::get(
      llvm::map_to_vector(kept, staticOrDynamic), srcType.getElementType());
  Value slice = tensor::ExtractSliceOp::create(b, loc, sliceType, src, offsets,
                                               sizes, strides);
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(tileType.getElementType())));
  Value filled = linalg::FillOp::create(b, loc, zero, buffer).getResult(0);
  SmallVector<OpFoldResult> origin(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> unit(rank, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, slice, filled, origin, kept,
                                       unit);
}

Value mlir::fa::detail::allocMaskTile(OpBuilder &b, Location loc, Value mask,
                                      int64_t blockQ, int64_t blockKV,
                                      Attribute memorySpace) {
  if (!mask)
    return Value();
  auto maskType = cast<ShapedType>(mask.getType());
  // A mask dimension of static size 1 is broadcast: the tile keeps it.
  int64_t rows = maskType.getDimSize(2) == 1 ? 1 : blockQ;
  int64_t cols = maskType.getDimSize(3) == 1 ? 1 : blockKV;
  return allocTile(b, loc, {rows, cols}, maskType.getElementType(),
                   memorySpace);
}

Value mlir::fa::detail::loadMaskTile(OpBuilder &b, Location loc, Value mask,
                                     Value buffer, OpFoldResult batch,
                                     OpFoldResult head, OpFoldResult q0,
                                     OpFoldResult qLen, OpFoldResult k0,
                                     OpFoldResult kLen) {
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  // Broadcast dimensions (static size 1) are read at index 0.
  auto maskType = cast<ShapedType>(mask.getType());
  auto pick = [&](int64_t dim, OpFoldResult full, OpFoldResult size) {
    return maskType.getDimSize(dim) == 1 ? std::make_pair(zero, one)
                                         : std::make_pair(full, size);
  };
  auto [bOff, bSize] = pick(0, batch, one);
  auto [hOff, hSize] = pick(1, head, one);
  auto [rOff, rSize] = pick(2, q0, qLen);
  auto [cOff, cSize] = pick(3, k0, kLen);
  return loadTile(b, loc, mask, {bOff, hOff, rOff, cOff},
                  {bSize, hSize, rSize, cSize}, buffer);
}

Value mlir::fa::detail::buildBlockKept(OpBuilder &b, Location loc,
                                       Value blockMask, int64_t maskBlockQ,
                                       int64_t maskBlockKV, OpFoldResult batch,
                                       OpFoldResult head, OpFoldResult q0,
                                       OpFoldResult k0) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx);
  auto maskType = cast<ShapedType>(blockMask.getType());
  auto index = [&](int64_t dim, OpFoldResult full) {
    return maskType.getDimSize(dim) == 1
               ? arith::ConstantIndexOp::create(b, loc, 0).getResult()
               : getValueOrCreateConstantIndexOp(b, loc, full);
  };
  auto blockOf = [&](OpFoldResult first, int64_t block) {
    return getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(block),
                                              {first}));
  };
  Value entry = tensor::ExtractOp::create(
      b, loc, blockMask,
      ValueRange{index(0, batch), index(1, head), blockOf(q0, maskBlockQ),
                 blockOf(k0, maskBlockKV)});
  if (entry.getType().isInteger(1))
    return entry;
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(entry.getType(), 0));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entry, zero);
}

SmallVector<Value> mlir::fa::detail::buildIfKept(
    OpBuilder &b, Location loc, Value keep, ValueRange carried,
    function_ref<SmallVector<Value>(OpBuilder &, Location)> body) {
  auto ifOp = scf::IfOp::create(
      b, loc, keep,
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl, body(nb, nl));
      },
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl, carried);
      });
  return SmallVector<Value>(ifOp.getResults().begin(), ifOp.getResults().end());
}

/// A constant 1-d or 2-d tensor of `values`.
template <typename T>
static Value buildConstantTensor(OpBuilder &b, Location loc,
                                 ArrayRef<int64_t> shape, ArrayRef<T> values,
                                 Type elementType) {
  auto type = RankedTensorType::get(shape, elementType);
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, values));
}

BlockTableValues mlir::fa::detail::buildBlockTable(OpBuilder &b, Location loc,
                                                   const BlockTable &t) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  SmallVector<int8_t> kinds(t.kinds.begin(), t.kinds.end());
  BlockTableValues v;
  v.kinds = buildConstantTensor<int8_t>(b, loc, {t.numQBlocks, t.numKVBlocks},
                                        kinds, i8);
  v.kvBegin =
      buildConstantTensor<int32_t>(b, loc, {t.numQBlocks}, t.kvBegin, i32);
  v.kvEnd = buildConstantTensor<int32_t>(b, loc, {t.numQBlocks}, t.kvEnd, i32);
  v.qBegin =
      buildConstantTensor<int32_t>(b, loc, {t.numKVBlocks}, t.qBegin, i32);
  v.qEnd = buildConstantTensor<int32_t>(b, loc, {t.numKVBlocks}, t.qEnd, i32);
  return v;
}

Value mlir::fa::detail::extractBlockIndex(OpBuilder &b, Location loc,
                                          Value table, Value index) {
  Value entry = tensor::ExtractOp::create(b, loc, table, index);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
}

SmallVector<Value> mlir::fa::detail::buildByBlockKind(
    OpBuilder &b, Location loc, Value kinds, Value qb, Value kb,
    ValueRange carried,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value)> body) {
  Value kind = tensor::ExtractOp::create(b, loc, kinds, ValueRange{qb, kb});
  auto kindIs = [&](BlockKind k) {
    Value cst = arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(kind.getType(), int64_t(k)));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kind, cst);
  };
  Value partial = kindIs(BlockKind::Partial);
  Value computed =
      arith::XOrIOp::create(b, loc, kindIs(BlockKind::Empty),
                            arith::ConstantIntOp::create(b, loc, 1, 1));
  return buildIfKept(
      b, loc, computed, carried,
      [&](OpBuilder &nb, Location nl) { return body(nb, nl, partial); });
}

Value mlir::fa::detail::buildTileMatmul(OpBuilder &b, Location loc, Value lhs,
                                        Value rhs, Value acc, bool transposeLhs,
                                        bool transposeRhs) {
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = {
      AffineMap::get(3, 0, {transposeLhs ? k : m, transposeLhs ? m : k}, ctx),
      AffineMap::get(3, 0, {transposeRhs ? n : k, transposeRhs ? k : n}, ctx),
      AffineMap::get(3, 0, {m, n}, ctx)};
  return linalg::MatmulOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{lhs, rhs},
             ValueRange{acc},
             {b.getNamedAttr("indexing_maps", b.getAffineMapArrayAttr(maps))})
      .getResult(0);
}

Value mlir::fa::detail::buildMaskedScoreTile(OpBuilder &b, Location loc,
                                             Value qTile, Value kTile,
                                             const ScoreTileParams &p) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  int64_t bq = cast<ShapedType>(qTile.getType()).getDimSize(0);
  int64_t bkv = cast<ShapedType>(kTile.getType()).getDimSize(0);

  // S = Q K^T: a matmul with K read transposed, f16/bf16 x f16/bf16 -> f32.
  Value s =
      buildTileMatmul(b, loc, qTile, kTile, filledF32(b, loc, {bq, bkv}, 0.0),
                      /*transposeLhs=*/false, /*transposeRhs=*/true);

  // Elementwise, in place on S (the scores, their masked form and P share
  // one buffer): scale, bias / keep-mask, bounds, causal mask.
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  Value maskTile = p.maskTile;
  if (maskTile) {
    auto tileType = cast<ShapedType>(maskTile.getType());
    AffineExpr zeroE = getAffineConstantExpr(0, ctx);
    AffineExpr row = tileType.getDimSize(0) == 1 ? zeroE : d0;
    AffineExpr col = tileType.getDimSize(1) == 1 ? zeroE : d1;
    ins.push_back(maskTile);
    maps.push_back(AffineMap::get(2, 0, {row, col}, ctx));
  }
  maps.push_back(id2);
  Value kLenV = getValueOrCreateConstantIndexOp(b, loc, p.kLen);
  // Key j of the tile is visible from row i iff k0 + j <= q0 + i + Nk - Nq,
  // i.e. j <= i + diag with diag = q0 - k0 + Nk - Nq (may be negative).
  Value diag;
  if (p.causal || p.windowLeft || p.pattern)
    diag = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(
            b, loc, AffineMap::get(4, 0, {d0 - d1 + d2 - d3}, ctx),
            {p.q0, p.k0, p.nk, p.nq}));
  Value qLenV;
  if (p.qLen)
    qLenV = getValueOrCreateConstantIndexOp(b, loc, p.qLen);
  Value k0V;
  if (p.pattern)
    k0V = getValueOrCreateConstantIndexOp(b, loc, p.k0);
  double scale = p.scale;
  auto par = utils::IteratorType::parallel;
  // The elementwise step; `structured`: with causal, the window and the
  // mask pattern (false for a full pair: no mask arithmetic).
  auto elementwise = [&](OpBuilder &b, Location loc, bool structured) {
    return linalg::GenericOp::create(
               b, loc, s.getType(), ins, s, maps,
               ArrayRef<utils::IteratorType>{par, par},
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value v = arith::MulFOp::create(nb, nl, args.back(),
                                                 cstF32(nb, nl, scale));
                 Value i = linalg::IndexOp::create(nb, nl, 0);
                 Value j = linalg::IndexOp::create(nb, nl, 1);
                 Value keep = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::ult, j, kLenV);
                 if (qLenV)
                   keep = arith::AndIOp::create(
                       nb, nl, keep,
                       arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                             i, qLenV));
                 if (maskTile) {
                   Value m = args[0];
                   if (m.getType().isInteger(1))
                     keep = arith::AndIOp::create(nb, nl, keep, m);
                   else
                     v = arith::AddFOp::create(nb, nl, v, toF32(nb, nl, m));
                 }
                 if (structured && p.causal) {
                   Value limit = arith::AddIOp::create(nb, nl, i, diag);
                   Value visible = arith::CmpIOp::create(
                       nb, nl, arith::CmpIPredicate::sle, j, limit);
                   keep = arith::AndIOp::create(nb, nl, keep, visible);
                 }
                 if (structured && p.windowLeft) {
                   // i + diag - left <= j <= i + diag + right.
                   Value at = arith::AddIOp::create(nb, nl, i, diag);
                   Value lo = arith::SubIOp::create(
                       nb, nl, at,
                       arith::ConstantIndexOp::create(nb, nl, *p.windowLeft));
                   Value hi = arith::AddIOp::create(
                       nb, nl, at,
                       arith::ConstantIndexOp::create(nb, nl, *p.windowRight));
                   Value inside = arith::AndIOp::create(
                       nb, nl,
                       arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                             j, lo),
                       arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle,
                                             j, hi));
                   keep = arith::AndIOp::create(nb, nl, keep, inside);
                 }
                 if (structured && p.pattern) {
                   // The pattern at positions i' = q0 + i + Nk - Nq = i + diag
                   // + k0 and k0 + j.
                   Value ip = arith::AddIOp::create(
                       nb, nl, arith::AddIOp::create(nb, nl, i, diag), k0V);
                   Value jp = arith::AddIOp::create(nb, nl, j, k0V);
                   keep = arith::AndIOp::create(
                       nb, nl, keep,
                       buildPatternKeep(nb, nl, p.pattern, p.patternWindow, ip,
                                        jp));
                 }
                 v = arith::SelectOp::create(nb, nl, keep, v,
                                             cstF32(nb, nl, kNegInf));
                 linalg::YieldOp::create(nb, nl, v);
               })
        .getResult(0);
  };
  if (!p.partialBlock)
    return elementwise(b, loc, /*structured=*/true);
  // A pattern's pair: masked only when partial; both sides write S in place.
  auto ifOp = scf::IfOp::create(
      b, loc, p.partialBlock,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(tb, tl, elementwise(tb, tl, true));
      },
      [&](OpBuilder &eb, Location el) {
        scf::YieldOp::create(eb, el, elementwise(eb, el, false));
      });
  return ifOp.getResult(0);
}

Value mlir::fa::detail::buildShiftedExpTile(OpBuilder &b, Location loc,
                                            Value scores, Value rowShift) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0;
  bindDims(ctx, d0);
  auto par = utils::IteratorType::parallel;
  return linalg::GenericOp::create(
             b, loc, scores.getType(), ValueRange{rowShift}, scores,
             ArrayRef<AffineMap>{AffineMap::get(2, 0, {d0}, ctx),
                                 AffineMap::getMultiDimIdentityMap(2, ctx)},
             ArrayRef<utils::IteratorType>{par, par},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value x = arith::SubFOp::create(nb, nl, args[1],
                                               safeMax(nb, nl, args[0]));
               linalg::YieldOp::create(
                   nb, nl, ValueRange{math::ExpOp::create(nb, nl, x)});
             })
      .getResult(0);
}

/// ceil(max(min(end, bound), 0) / block): the end of the blocks of a
/// sequence of length `bound` that hold its elements before `end` (affine
/// in `operands`).
static OpFoldResult getClampedBlockEnd(OpBuilder &b, Location loc,
                                       AffineExpr end, AffineExpr bound,
                                       ArrayRef<OpFoldResult> operands,
                                       int64_t block) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx);
  OpFoldResult clamped = affine::makeComposedFoldedAffineMin(
      b, loc, AffineMap::get(operands.size(), 0, {end, bound}, ctx), operands);
  clamped = affine::makeComposedFoldedAffineMax(
      b, loc, AffineMap::get(1, 0, {d0, getAffineConstantExpr(0, ctx)}, ctx),
      {clamped});
  return affine::makeComposedFoldedAffineApply(b, loc, d0.ceilDiv(block),
                                               {clamped});
}

OpFoldResult mlir::fa::detail::getKeyBlockCount(OpBuilder &b, Location loc,
                                                std::optional<int64_t> right,
                                                Value qb, int64_t blockQ,
                                                int64_t blockKV,
                                                OpFoldResult nq,
                                                OpFoldResult nk) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  if (!right)
    return affine::makeComposedFoldedAffineApply(b, loc, d0.ceilDiv(blockKV),
                                                 {nk});
  // Query row i sees keys j <= i + Nk - Nq + R, so the block's last row
  // q0 + BQ - 1 (clamped to Nq - 1) sees the keys below
  // min(q0 + BQ, Nq) + Nk - Nq + R; blocks past that are skipped, not
  // masked.
  return getClampedBlockEnd(b, loc, d0 * blockQ + blockQ + d2 - d1 + *right,
                            d2, {qb, nq, nk}, blockKV);
}

OpFoldResult mlir::fa::detail::getFirstKeyBlock(OpBuilder &b, Location loc,
                                                std::optional<int64_t> left,
                                                Value qb, int64_t blockQ,
                                                int64_t blockKV,
                                                OpFoldResult nq,
                                                OpFoldResult nk) {
  if (!left)
    return b.getIndexAttr(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  // The first row q0 sees keys from q0 + Nk - Nq - L; every later row from
  // further right.
  return affine::makeComposedFoldedAffineMax(
      b, loc,
      AffineMap::get(
          3, 0,
          {(d0 * blockQ + d2 - d1 - *left).floorDiv(blockKV),
           getAffineConstantExpr(0, ctx)},
          ctx),
      {qb, nq, nk});
}

OpFoldResult mlir::fa::detail::getFirstQueryBlock(
    OpBuilder &b, Location loc, std::optional<int64_t> right, OpFoldResult k0,
    int64_t blockQ, OpFoldResult nq, OpFoldResult nk) {
  if (!right)
    return b.getIndexAttr(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  // Row i sees key k0 iff k0 <= i + Nk - Nq + R: the first such row is
  // k0 + Nq - Nk - R (clamped to 0); the rows above it see none of the
  // block.
  OpFoldResult firstRow = affine::makeComposedFoldedAffineMax(
      b, loc,
      AffineMap::get(3, 0, {d0 + d1 - d2 - *right, getAffineConstantExpr(0, ctx)},
                     ctx),
      {k0, nq, nk});
  return affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(blockQ),
                                               {firstRow});
}

OpFoldResult mlir::fa::detail::getQueryBlockEnd(
    OpBuilder &b, Location loc, std::optional<int64_t> left, OpFoldResult k0,
    int64_t blockQ, int64_t blockKV, OpFoldResult nq, OpFoldResult nk) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  if (!left)
    return affine::makeComposedFoldedAffineApply(b, loc, d0.ceilDiv(blockQ),
                                                 {nq});
  // Row i sees the block's last key k0 + BKV - 1 iff
  // k0 + BKV - 1 >= i + Nk - Nq - L; the rows after the last such row see
  // none of the block.
  return getClampedBlockEnd(b, loc, d0 + blockKV + d1 - d2 + *left, d1,
                            {k0, nq, nk}, blockQ);
}

std::pair<OpFoldResult, OpFoldResult>
mlir::fa::detail::getBlockRange(OpBuilder &b, Location loc, Value blk,
                                int64_t block, OpFoldResult n) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  OpFoldResult offset =
      affine::makeComposedFoldedAffineApply(b, loc, d0 * block, {blk});
  OpFoldResult len = affine::makeComposedFoldedAffineMin(
      b, loc,
      AffineMap::get(2, 0, {getAffineConstantExpr(block, ctx), d1 - d0 * block},
                     ctx),
      {blk, n});
  return {offset, len};
}

Value mlir::fa::detail::buildScaledRows(OpBuilder &b, Location loc, Value acc,
                                        OpFoldResult rows, OpFoldResult cols,
                                        Value dest, double scale) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  auto destType = cast<RankedTensorType>(dest.getType());
  auto sliceType = RankedTensorType::get(destType.getShape(), b.getF32Type());
  Value accRows = tensor::ExtractSliceOp::create(
      b, loc, sliceType, acc, {zero, zero}, {rows, cols}, {one, one});
  AffineMap id = AffineMap::getMultiDimIdentityMap(destType.getRank(), ctx);
  auto par = utils::IteratorType::parallel;
  Type elt = destType.getElementType();
  return linalg::GenericOp::create(
             b, loc, destType, accRows, dest, ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(destType.getRank(), par),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value v = args[0];
               if (scale != 1.0)
                 v = arith::MulFOp::create(nb, nl, v, cstF32(nb, nl, scale));
               linalg::YieldOp::create(nb, nl, fromF32(nb, nl, v, elt));
             })
      .getResult(0);
}

void mlir::fa::detail::insertInParallel(OpBuilder &b, Location loc,
                                        scf::ForallOp forall, Value value,
                                        Value dest,
                                        ArrayRef<OpFoldResult> offsets,
                                        ArrayRef<OpFoldResult> sizes) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  tensor::ParallelInsertSliceOp::create(b, loc, value, dest, offsets, sizes,
                                        strides);
}
