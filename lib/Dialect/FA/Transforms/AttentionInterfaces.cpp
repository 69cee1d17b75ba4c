//===- AttentionInterfaces.cpp - Upstream op interfaces of the fa ops -----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// External models that let upstream transforms handle the fa ops as they
// handle linalg.softmax:
//
// * TilingInterface on fa.attention (tensor form). The iteration domain is
//   (B, Hq, Nq, Dv), all parallel: an output element [b, h, i, e] depends on
//   one query row and one column of V. The keys and the head dimension D are
//   not loops of the domain: the softmax reduces over all keys, so a tile of
//   them is no fa.attention of its own (that split, with the online-softmax
//   rescaling, is what fa-tile-attention builds for the kernels).
// * linalg's AggregatedOpInterface on fa.attention and fa.attention_grad:
//   decomposeOperation is the reference lowering of fa-decompose-attention.
//
// The models live here rather than in the dialect library because the
// decomposition does.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::fa;

/// Size `dim` of a tensor or memref, static when known.
static OpFoldResult sizeOf(OpBuilder &b, Location loc, Value shaped,
                           int64_t dim) {
  if (isa<MemRefType>(shaped.getType()))
    return memref::getMixedSize(b, loc, shaped, dim);
  return tensor::getMixedSize(b, loc, shaped, dim);
}

namespace {
/// The K/V heads that a tile of query heads reads: `size` heads from
/// `offset`, each shared by `group` heads of the tile.
struct KVHeadTile {
  OpFoldResult offset;
  int64_t size;
};
} // namespace

/// The K/V heads of the query heads [h0, h0 + sh). A tile is an
/// fa.attention of its own when its heads are whole groups (sh a multiple
/// of G) or lie in one group (sh a divisor of G), with h0 a multiple of the
/// smaller of the two, as the tiling loops give it. Fails, with `why` set,
/// otherwise or when sh is dynamic (head counts are static).
static FailureOr<KVHeadTile> getKVHeadTile(OpBuilder &b, Location loc,
                                           AttentionOp op, OpFoldResult h0,
                                           OpFoldResult hSize,
                                           std::string &why) {
  std::optional<int64_t> sh = getConstantIntValue(hSize);
  int64_t group = op.getGroupSize();
  if (!sh || *sh <= 0) {
    why = "the tile of the query heads has no static size (a tile size "
          "that does not divide the head count?)";
    return failure();
  }
  std::optional<int64_t> h = getConstantIntValue(h0);
  if ((*sh % group != 0 && group % *sh != 0) ||
      (h && *h % std::min(*sh, group) != 0)) {
    why = llvm::formatv("a tile of {0} query heads is neither whole groups "
                        "of the {1} query heads that share a K/V head nor "
                        "within one group",
                        *sh, group)
              .str();
    return failure();
  }
  AffineExpr d0 = getAffineDimExpr(0, b.getContext());
  return KVHeadTile{
      affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(group), {h0}),
      std::max<int64_t>(*sh / group, 1)};
}

static Value slice(OpBuilder &b, Location loc, Value source,
                   ArrayRef<OpFoldResult> offsets,
                   ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                        strides);
}

/// The fa.attention computing the output tile [b0, h0, i0, e0] of sizes
/// `sizes` (and its logsumexp rows) from slices of the operands. With
/// `causal`, the keys are cut to the first Nk - Nq + i0 + si (at least 0):
/// the keys after these are masked for every row of the tile, and the cut
/// keeps the bottom-right alignment j <= i + (Nk - Nq) of the tile's rows
/// exact (and of a window's left edge). Fails, with `why` set, on a tile that is no fa.attention.
static FailureOr<TilingResult> tileAttention(AttentionOp op, OpBuilder &b,
                                             ArrayRef<OpFoldResult> offsets,
                                             ArrayRef<OpFoldResult> sizes,
                                             std::string &why) {
  if (isa<MemRefType>(op.getQuery().getType())) {
    why = "only the tensor form is tiled";
    return failure();
  }
  if (offsets.size() != 4 || sizes.size() != 4) {
    why = "a tile has 4 dimensions (B, Hq, Nq, Dv)";
    return failure();
  }
  // A tile of the rows or heads would need its own slice of the block
  // mask, at the mask's granularity.
  if (op.getBlockMask()) {
    why = "an op with a block mask is not tiled through TilingInterface "
          "(fa-tile-attention applies it)";
    return failure();
  }
  // A slice of the rows would move the pattern's positions, and its block
  // table is the whole op's.
  if (op.getMaskPatternAttr()) {
    why = "an op with a #fa.mask_pattern is not tiled through "
          "TilingInterface (fa-tile-attention applies it)";
    return failure();
  }
  Location loc = op.getLoc();
  FailureOr<KVHeadTile> kv =
      getKVHeadTile(b, loc, op, offsets[1], sizes[1], why);
  if (failed(kv))
    return failure();
  // The logsumexp of a row does not depend on e: tiles of Dv would write it
  // more than once (overlapping result tiles).
  int64_t dv = op.getValueHeadDim();
  if (op.getLseInit() &&
      (!isZeroInteger(offsets[3]) || getConstantIntValue(sizes[3]) != dv)) {
    why = "Dv is tiled only without the logsumexp result (every tile of Dv "
          "would write the same logsumexp)";
    return failure();
  }

  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  OpFoldResult d = b.getIndexAttr(op.getHeadDim());
  OpFoldResult keys = sizeOf(b, loc, op.getKey(), 2);
  // A window is aligned to the bottom-right corner: the causal cut below
  // keeps it, but without causal a tile of the rows would move it.
  if (op.getWindowAttr() && !op.getCausal() &&
      !(isZeroInteger(offsets[2]) &&
        isEqualConstantIntOrValue(sizes[2],
                                  sizeOf(b, loc, op.getQuery(), 2)))) {
    why = "a window without causal is aligned to the last query row: the "
          "query rows are not tiled";
    return failure();
  }
  if (op.getCausal()) {
    MLIRContext *ctx = b.getContext();
    AffineExpr nk, nq, i0, si;
    bindDims(ctx, nk, nq, i0, si);
    AffineMap cut = AffineMap::get(
        4, 0, {nk - nq + i0 + si, getAffineConstantExpr(0, ctx)}, ctx);
    keys = affine::makeComposedFoldedAffineMax(
        b, loc, cut,
        {keys, sizeOf(b, loc, op.getQuery(), 2), offsets[2], sizes[2]});
  }
  OpFoldResult kvSize = b.getIndexAttr(kv->size);

  SmallVector<Value> operands = {
      slice(b, loc, op.getQuery(), {offsets[0], offsets[1], offsets[2], zero},
            {sizes[0], sizes[1], sizes[2], d}),
      slice(b, loc, op.getKey(), {offsets[0], kv->offset, zero, zero},
            {sizes[0], kvSize, keys, d}),
      slice(b, loc, op.getValue(), {offsets[0], kv->offset, zero, offsets[3]},
            {sizes[0], kvSize, keys, sizes[3]})};
  if (Value mask = op.getMask()) {
    // A broadcast dimension (a static 1) stays whole.
    auto maskType = cast<ShapedType>(mask.getType());
    SmallVector<OpFoldResult> mOffsets = {offsets[0], offsets[1], offsets[2],
                                          zero};
    SmallVector<OpFoldResult> mSizes = {sizes[0], sizes[1], sizes[2], keys};
    for (int64_t i = 0; i < 4; ++i) {
      if (maskType.getDimSize(i) != 1)
        continue;
      mOffsets[i] = zero;
      mSizes[i] = one;
    }
    operands.push_back(slice(b, loc, mask, mOffsets, mSizes));
  }
  SmallVector<Type> resultTypes;
  for (auto [i, init] : llvm::enumerate(op.getOutputs())) {
    ArrayRef<OpFoldResult> off(offsets), sz(sizes);
    // The output is [B, Hq, Nq, Dv], the logsumexp [B, Hq, Nq].
    Value s = slice(b, loc, init, off.take_front(i == 0 ? 4 : 3),
                    sz.take_front(i == 0 ? 4 : 3));
    operands.push_back(s);
    resultTypes.push_back(s.getType());
  }

  Operation *tiled = clone(b, op, resultTypes, operands);
  SmallVector<Operation *> slices;
  for (Value v : operands)
    slices.push_back(v.getDefiningOp());
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
}

namespace {
struct AttentionTilingModel
    : public TilingInterface::ExternalModel<AttentionTilingModel, AttentionOp> {
  SmallVector<utils::IteratorType> getLoopIteratorTypes(Operation *) const {
    return SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel);
  }

  SmallVector<Range> getIterationDomain(Operation *op, OpBuilder &b) const {
    auto attn = cast<AttentionOp>(op);
    Location loc = op->getLoc();
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    return {Range{zero, sizeOf(b, loc, attn.getQuery(), 0), one},
            Range{zero, b.getIndexAttr(attn.getNumQueryHeads()), one},
            Range{zero, sizeOf(b, loc, attn.getQuery(), 2), one},
            Range{zero, b.getIndexAttr(attn.getValueHeadDim()), one}};
  }

  FailureOr<TilingResult>
  getTiledImplementation(Operation *op, OpBuilder &b,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) const {
    std::string why;
    FailureOr<TilingResult> tiled =
        tileAttention(cast<AttentionOp>(op), b, offsets, sizes, why);
    if (failed(tiled))
      op->emitOpError("cannot be tiled: ") << why;
    return tiled;
  }

  LogicalResult
  getResultTilePosition(Operation *op, OpBuilder &b, unsigned resultNumber,
                        ArrayRef<OpFoldResult> offsets,
                        ArrayRef<OpFoldResult> sizes,
                        SmallVector<OpFoldResult> &resultOffsets,
                        SmallVector<OpFoldResult> &resultSizes) const {
    if (resultNumber > 1 || offsets.size() != 4 || sizes.size() != 4)
      return failure();
    // Result 0 is [B, Hq, Nq, Dv], result 1 (logsumexp) [B, Hq, Nq].
    size_t rank = resultNumber == 0 ? 4 : 3;
    resultOffsets.assign(offsets.begin(), offsets.begin() + rank);
    resultSizes.assign(sizes.begin(), sizes.begin() + rank);
    return success();
  }

  /// The tile of result `resultNumber` at `offsets`/`sizes` (its one
  /// value): for the logsumexp, the rows' tile over all of Dv.
  FailureOr<TilingResult>
  generateResultTileValue(Operation *op, OpBuilder &b, unsigned resultNumber,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes) const {
    auto attn = cast<AttentionOp>(op);
    if (resultNumber > 1 || (resultNumber == 0 && offsets.size() != 4) ||
        (resultNumber == 1 && offsets.size() != 3))
      return failure();
    SmallVector<OpFoldResult> off(offsets), sz(sizes);
    if (resultNumber == 1) {
      off.push_back(b.getIndexAttr(0));
      sz.push_back(b.getIndexAttr(attn.getValueHeadDim()));
    }
    std::string why; // Fusion that cannot happen is no error.
    FailureOr<TilingResult> tiled = tileAttention(attn, b, off, sz, why);
    if (failed(tiled))
      return failure();
    // The one value asked for (the fused consumer reads it).
    tiled->tiledValues = {tiled->tiledValues[resultNumber]};
    return tiled;
  }
};

/// decomposeOperation is `decompose`, fa-decompose-attention's lowering.
template <typename OpTy,
          FailureOr<SmallVector<Value>> (*decompose)(OpBuilder &, OpTy)>
struct DecomposeModel : public linalg::AggregatedOpInterface::ExternalModel<
                            DecomposeModel<OpTy, decompose>, OpTy> {
  FailureOr<SmallVector<Value>> decomposeOperation(Operation *op,
                                                   OpBuilder &b) const {
    return decompose(b, cast<OpTy>(op));
  }
};
} // namespace

void mlir::fa::registerAttentionInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, FADialect *) {
    AttentionOp::attachInterface<AttentionTilingModel>(*ctx);
    AttentionOp::attachInterface<
        DecomposeModel<AttentionOp, decomposeAttentionOp>>(*ctx);
    AttentionGradOp::attachInterface<
        DecomposeModel<AttentionGradOp, decomposeAttentionGradOp>>(*ctx);
  });
}
