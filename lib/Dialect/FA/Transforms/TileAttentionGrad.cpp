//===- TileAttentionGrad.cpp - FlashAttention-2 backward loop nests -------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Rewrites an fa.attention_grad that carries a #fa.tiling into the tiled form
// of FlashAttention-2's backward (docs/Backward.md), on tensors, as a
// sequence of scf.forall nests (one per future kernel):
//
//   1. D = rowsum(dO * O) per (batch, query head, query block);
//   2. dK, dV per (batch, KV head, key block): K_j, V_j and the f32
//      accumulators dK_j, dV_j stay resident while the query blocks of every
//      query head of the group stream past (Q_i, dO_i, lse_i, D_i), with P
//      recomputed from the logsumexp and the causal blocks skipped;
//   3. dQ per (batch, query head, query block), streaming the key blocks
//      (tensors have no atomic add: this is the deterministic "separate dQ
//      pass" rather than FlashAttention-2's atomic accumulation);
//   4. dBias, when requested, per tile of the bias, summing dS over the
//      dimensions the bias broadcasts.
//
//===----------------------------------------------------------------------===//

#include "TileAttentionGrad.h"

#include "ScalarUtils.h"
#include "TileBuilders.h"

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

static constexpr auto kPar = utils::IteratorType::parallel;
static constexpr auto kRed = utils::IteratorType::reduction;

/// `tensor.extract_slice` of the [size0 x size1...] block of `src` at
/// `offsets` with the leading unit dimensions dropped (`shape` is the
/// result's).
static Value extractBlock(OpBuilder &b, Location loc, Value src,
                          ArrayRef<int64_t> shape,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes) {
  auto type = RankedTensorType::get(
      shape, cast<ShapedType>(src.getType()).getElementType());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, sizes,
                                        strides);
}

namespace {
/// The tiles of one query block of one query head.
struct QueryBlock {
  Value q, dO, lse, rowDot;
  OpFoldResult q0, qLen;
};

/// The tiles of one key block of one KV head.
struct KeyBlock {
  Value k, v;
  OpFoldResult k0, kLen;
};

/// The tile buffers of one thread block.
struct TileBuffers {
  Value q, dO, lse, rowDot, k, v, mask;
};

/// Builds the tiled form of one fa.attention_grad. The members are the
/// sizes and values the nests share.
class AttentionGradTiler {
public:
  AttentionGradTiler(AttentionGradOp op, Attribute memorySpace)
      : op(op), memorySpace(memorySpace), bq(op.getTilingAttr().getBlockQ()),
        bkv(op.getTilingAttr().getBlockKv()), d(op.getHeadDim()),
        dv(op.getValueHeadDim()), group(op.getGroupSize()),
        elt(getElementTypeOrSelf(op.getQuery().getType())),
        scale(op.getScaleValue()) {}

  /// Replaces the op with the nests.
  void rewrite(RewriterBase &rewriter);

private:
  /// Nest 1: D = rowsum(dO * O), f32 [B, Hq, Nq].
  Value buildRowDot(OpBuilder &b, Location loc);
  /// Nest 2: dK and dV.
  SmallVector<Value> buildKeyValueGrads(OpBuilder &b, Location loc,
                                        Value rowDot);
  /// Nest 3: dQ.
  Value buildQueryGrad(OpBuilder &b, Location loc, Value rowDot);
  /// Nest 4: dBias.
  Value buildBiasGrad(OpBuilder &b, Location loc, Value rowDot);

  /// A thread-block loop (markThreadBlockLoop) over `ubs` whose shared
  /// outputs are `inits`, with the insertion point set in its body.
  scf::ForallOp createForall(OpBuilder &b, Location loc,
                             ArrayRef<OpFoldResult> ubs, ValueRange inits);
  TileBuffers allocBuffers(OpBuilder &b, Location loc);
  QueryBlock loadQueryBlock(OpBuilder &b, Location loc, const TileBuffers &bufs,
                            Value rowDot, Value batch, Value head, Value qb);
  KeyBlock loadKeyBlock(OpBuilder &b, Location loc, const TileBuffers &bufs,
                        Value batch, Value kvHead, Value kb);
  /// The KV head of query head `head`: head floordiv G.
  Value getKVHead(OpBuilder &b, Location loc, Value head);
  /// `body(partial)` for the (query block `qb`, key block `kb`) pair of
  /// `head`; with a block mask only where the mask keeps the pair, with a
  /// mask pattern only where the pair is not empty (`partial` its i1 "is
  /// partial", null without a pattern), `carried` unchanged where it is
  /// skipped (its tiles never loaded).
  SmallVector<Value> buildKeptPair(
      OpBuilder &b, Location loc, Value batch, Value head, Value qb, Value kb,
      ValueRange carried,
      function_ref<SmallVector<Value>(OpBuilder &, Location, Value)> body);
  /// P and dS of one (query block, key block) pair of query head `head`:
  /// S recomputed and masked, P = exp(S - lse), dP = dO V^T,
  /// dS = P * (dP - D).
  std::pair<Value, Value>
  buildProbsAndScoreGrad(OpBuilder &b, Location loc, const TileBuffers &bufs,
                         const QueryBlock &qBlock, const KeyBlock &kBlock,
                         Value batch, Value head, Value partial);

  AttentionGradOp op;
  Attribute memorySpace;
  int64_t bq, bkv, d, dv, group;
  Type elt;
  double scale;
  // Problem sizes, set by rewrite().
  OpFoldResult batchSize, nq, nk, numQB, numKB;
  // A mask pattern's block table (BlockClassifier), set by rewrite().
  BlockTableValues table;
};
} // namespace

void AttentionGradTiler::rewrite(RewriterBase &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr d0;
  bindDims(ctx, d0);
  rewriter.setInsertionPoint(op);
  batchSize = tensor::getMixedSize(rewriter, loc, op.getQuery(), 0);
  nq = tensor::getMixedSize(rewriter, loc, op.getQuery(), 2);
  nk = tensor::getMixedSize(rewriter, loc, op.getKey(), 2);
  numQB =
      affine::makeComposedFoldedAffineApply(rewriter, loc, d0.ceilDiv(bq), nq);
  numKB =
      affine::makeComposedFoldedAffineApply(rewriter, loc, d0.ceilDiv(bkv), nk);

  if (op.getMaskPatternAttr())
    table = buildBlockTable(
        rewriter, loc,
        BlockClassifier(getAttentionProblem(op).maskPattern(), bq, bkv)
            .table());

  Value rowDot = buildRowDot(rewriter, loc);
  SmallVector<Value> keyValueGrads = buildKeyValueGrads(rewriter, loc, rowDot);
  SmallVector<Value> results = {buildQueryGrad(rewriter, loc, rowDot),
                                keyValueGrads[0], keyValueGrads[1]};
  if (op.getBiasGradInit())
    results.push_back(buildBiasGrad(rewriter, loc, rowDot));
  rewriter.replaceOp(op, results);
}

scf::ForallOp AttentionGradTiler::createForall(OpBuilder &b, Location loc,
                                               ArrayRef<OpFoldResult> ubs,
                                               ValueRange inits) {
  auto forall =
      scf::ForallOp::create(b, loc, ubs, inits, /*mapping=*/std::nullopt);
  // Each nest is a kernel: convert-fa-to-gpu makes it a gpu.launch of its
  // own, launched in the nests' order.
  markThreadBlockLoop(forall, op.getTilingAttr());
  b.setInsertionPoint(forall.getTerminator());
  return forall;
}

TileBuffers AttentionGradTiler::allocBuffers(OpBuilder &b, Location loc) {
  Type f32 = b.getF32Type();
  TileBuffers bufs;
  bufs.q = allocTile(b, loc, {bq, d}, elt, memorySpace);
  bufs.dO = allocTile(b, loc, {bq, dv}, elt, memorySpace);
  bufs.lse = allocTile(b, loc, {bq}, f32, memorySpace);
  bufs.rowDot = allocTile(b, loc, {bq}, f32, memorySpace);
  bufs.k = allocTile(b, loc, {bkv, d}, elt, memorySpace);
  bufs.v = allocTile(b, loc, {bkv, dv}, elt, memorySpace);
  bufs.mask = allocMaskTile(b, loc, op.getMask(), bq, bkv, memorySpace);
  return bufs;
}

Value AttentionGradTiler::getKVHead(OpBuilder &b, Location loc, Value head) {
  AffineExpr d0;
  bindDims(b.getContext(), d0);
  return getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(group),
                                            {head}));
}

QueryBlock AttentionGradTiler::loadQueryBlock(OpBuilder &b, Location loc,
                                              const TileBuffers &bufs,
                                              Value rowDot, Value batch,
                                              Value head, Value qb) {
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  QueryBlock blk;
  std::tie(blk.q0, blk.qLen) = getBlockRange(b, loc, qb, bq, nq);
  SmallVector<OpFoldResult> rowOffsets = {batch, head, blk.q0};
  SmallVector<OpFoldResult> rowSizes = {one, one, blk.qLen};
  blk.q = loadTile(b, loc, op.getQuery(), {batch, head, blk.q0, zero},
                   {one, one, blk.qLen, b.getIndexAttr(d)}, bufs.q);
  blk.dO = loadTile(b, loc, op.getOutGrad(), {batch, head, blk.q0, zero},
                    {one, one, blk.qLen, b.getIndexAttr(dv)}, bufs.dO);
  blk.lse = loadTile(b, loc, op.getLogsumexp(), rowOffsets, rowSizes, bufs.lse);
  blk.rowDot = loadTile(b, loc, rowDot, rowOffsets, rowSizes, bufs.rowDot);
  return blk;
}

KeyBlock AttentionGradTiler::loadKeyBlock(OpBuilder &b, Location loc,
                                          const TileBuffers &bufs, Value batch,
                                          Value kvHead, Value kb) {
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  KeyBlock blk;
  std::tie(blk.k0, blk.kLen) = getBlockRange(b, loc, kb, bkv, nk);
  blk.k = loadTile(b, loc, op.getKey(), {batch, kvHead, blk.k0, zero},
                   {one, one, blk.kLen, b.getIndexAttr(d)}, bufs.k);
  blk.v = loadTile(b, loc, op.getValue(), {batch, kvHead, blk.k0, zero},
                   {one, one, blk.kLen, b.getIndexAttr(dv)}, bufs.v);
  return blk;
}

std::pair<Value, Value> AttentionGradTiler::buildProbsAndScoreGrad(
    OpBuilder &b, Location loc, const TileBuffers &bufs,
    const QueryBlock &qBlock, const KeyBlock &kBlock, Value batch, Value head,
    Value partial) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0;
  bindDims(ctx, d0);
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);

  // S = scale * Q K^T (+ bias), -inf where masked; the rows past Nq are
  // masked too (their tiles are zero-filled, lse 0).
  Value maskTile;
  if (Value mask = op.getMask())
    maskTile = loadMaskTile(b, loc, mask, bufs.mask, batch, head, qBlock.q0,
                            qBlock.qLen, kBlock.k0, kBlock.kLen);
  ScoreTileParams params;
  params.scale = scale;
  params.maskTile = maskTile;
  setStructuredMasks(params, op, partial);
  params.q0 = qBlock.q0;
  params.k0 = kBlock.k0;
  params.nq = nq;
  params.nk = nk;
  params.kLen = kBlock.kLen;
  params.qLen = qBlock.qLen;
  Value s = buildMaskedScoreTile(b, loc, qBlock.q, kBlock.k, params);

  // P = exp(S - lse), in place on S. A row without a visible key has
  // lse = -inf: the safe shift makes it exp(-inf - 0) = 0, not NaN.
  Value p = buildShiftedExpTile(b, loc, s, qBlock.lse);

  // dP = dO V^T.
  Value dP = buildTileMatmul(b, loc, qBlock.dO, kBlock.v,
                             filledF32(b, loc, {bq, bkv}, 0.0),
                             /*transposeLhs=*/false, /*transposeRhs=*/true);
  // dS = P * (dP - D), in place on dP.
  Value dS =
      linalg::GenericOp::create(
          b, loc, dP.getType(), ValueRange{p, qBlock.rowDot}, dP,
          ArrayRef<AffineMap>{id2, rowOf2, id2},
          ArrayRef<utils::IteratorType>{kPar, kPar},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value diff = arith::SubFOp::create(nb, nl, args[2], args[1]);
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::MulFOp::create(nb, nl, args[0], diff)});
          })
          .getResult(0);
  return {p, dS};
}

SmallVector<Value> AttentionGradTiler::buildKeptPair(
    OpBuilder &b, Location loc, Value batch, Value head, Value qb, Value kb,
    ValueRange carried,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value)> body) {
  if (table)
    return buildByBlockKind(b, loc, table.kinds, qb, kb, carried, body);
  Value blockMask = op.getBlockMask();
  if (!blockMask)
    return body(b, loc, /*partial=*/Value());
  BlockSparseAttr blocks = op.getBlockSparseAttr();
  AffineExpr d0 = getAffineDimExpr(0, b.getContext());
  OpFoldResult q0 =
      affine::makeComposedFoldedAffineApply(b, loc, d0 * bq, {qb});
  OpFoldResult k0 =
      affine::makeComposedFoldedAffineApply(b, loc, d0 * bkv, {kb});
  Value keep = buildBlockKept(b, loc, blockMask, blocks.getBlockQ(),
                              blocks.getBlockKv(), batch, head, q0, k0);
  return buildIfKept(b, loc, keep, carried, [&](OpBuilder &nb, Location nl) {
    return body(nb, nl, /*partial=*/Value());
  });
}

Value AttentionGradTiler::buildRowDot(OpBuilder &b, Location loc) {
  MLIRContext *ctx = b.getContext();
  OpBuilder::InsertionGuard guard(b);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  OpFoldResult numHeads = b.getIndexAttr(op.getNumQueryHeads());
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{batchSize, numHeads, nq}, b.getF32Type());
  scf::ForallOp forall =
      createForall(b, loc, {batchSize, numHeads, numQB}, init);
  SmallVector<Value> ivs = forall.getInductionVars();
  Value out = forall.getRegionIterArgs()[0];

  // A memory-bound pass over dO and O: no tiles, the block's rows are read
  // straight from the operands.
  auto [q0, qLen] = getBlockRange(b, loc, ivs[2], bq, nq);
  int64_t rows = staticOrDynamic(qLen);
  SmallVector<OpFoldResult> offsets = {ivs[0], ivs[1], q0, zero};
  SmallVector<OpFoldResult> sizes = {one, one, qLen, b.getIndexAttr(dv)};
  Value dORows =
      extractBlock(b, loc, op.getOutGrad(), {rows, dv}, offsets, sizes);
  Value oRows = extractBlock(b, loc, op.getOut(), {rows, dv}, offsets, sizes);
  SmallVector<OpFoldResult> rowOffsets = {ivs[0], ivs[1], q0};
  SmallVector<OpFoldResult> rowSizes = {one, one, qLen};
  Value dest = extractBlock(b, loc, out, {rows}, rowOffsets, rowSizes);
  dest = linalg::FillOp::create(b, loc, cstF32(b, loc, 0.0), dest).getResult(0);
  AffineExpr d0;
  bindDims(ctx, d0);
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value rowDot =
      linalg::GenericOp::create(
          b, loc, dest.getType(), ValueRange{dORows, oRows}, dest,
          ArrayRef<AffineMap>{id2, id2, AffineMap::get(2, 0, {d0}, ctx)},
          ArrayRef<utils::IteratorType>{kPar, kRed},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]),
                                               toF32(nb, nl, args[1]));
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::AddFOp::create(nb, nl, args[2], prod)});
          })
          .getResult(0);
  insertInParallel(b, loc, forall, rowDot, out, rowOffsets, rowSizes);
  return forall.getResult(0);
}

SmallVector<Value> AttentionGradTiler::buildKeyValueGrads(OpBuilder &b,
                                                          Location loc,
                                                          Value rowDot) {
  MLIRContext *ctx = b.getContext();
  OpBuilder::InsertionGuard guard(b);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  scf::ForallOp forall = createForall(
      b, loc, {batchSize, b.getIndexAttr(op.getNumKVHeads()), numKB},
      ValueRange{op.getKeyGradInit(), op.getValueGradInit()});
  SmallVector<Value> ivs = forall.getInductionVars();
  Value batch = ivs[0], kvHead = ivs[1];

  // K_j and V_j stay resident; dK_j and dV_j accumulate in f32.
  TileBuffers bufs = allocBuffers(b, loc);
  KeyBlock kBlock = loadKeyBlock(b, loc, bufs, batch, kvHead, ivs[2]);
  SmallVector<Value> accs = {filledF32(b, loc, {bkv, d}, 0.0),
                             filledF32(b, loc, {bkv, dv}, 0.0)};

  // Stream the query blocks of every query head of the group; with causal
  // masking (or a window) the blocks above the first row that sees key k0
  // are skipped, and with a window those below the last row that sees the
  // block's last key.
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  OpFoldResult firstQB =
      getFirstQueryBlock(b, loc, getRightExtent(op), kBlock.k0, bq, nq, nk);
  std::optional<int64_t> left = getLeftExtent(op);
  OpFoldResult endQB =
      left ? getQueryBlockEnd(b, loc, left, kBlock.k0, bq, bkv, nq, nk)
           : numQB;
  SmallVector<Value> lbs = {arith::ConstantIndexOp::create(b, loc, 0),
                            getValueOrCreateConstantIndexOp(b, loc, firstQB)};
  SmallVector<Value> ubs = {arith::ConstantIndexOp::create(b, loc, group),
                            getValueOrCreateConstantIndexOp(b, loc, endQB)};
  // A mask pattern: the range of the kv-block's non-empty q-blocks.
  if (table) {
    lbs[1] = extractBlockIndex(b, loc, table.qBegin, ivs[2]);
    ubs[1] = extractBlockIndex(b, loc, table.qEnd, ivs[2]);
  }
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  scf::LoopNest loops = scf::buildLoopNest(
      b, loc, lbs, ubs, {step, step}, accs,
      [&](OpBuilder &nb, Location nl, ValueRange loopIvs,
          ValueRange iterArgs) -> scf::ValueVector {
        // Query head kvHead * G + g.
        Value head = getValueOrCreateConstantIndexOp(
            nb, nl,
            affine::makeComposedFoldedAffineApply(nb, nl, d0 * group + d1,
                                                  {kvHead, loopIvs[0]}));
        auto pair = [&](OpBuilder &pb, Location pl,
                        Value partial) -> SmallVector<Value> {
          QueryBlock qBlock =
              loadQueryBlock(pb, pl, bufs, rowDot, batch, head, loopIvs[1]);
          auto [p, dS] = buildProbsAndScoreGrad(pb, pl, bufs, qBlock, kBlock,
                                                batch, head, partial);
          // dK_j += dS^T Q_i, dV_j += P^T dO_i.
          Value dK = buildTileMatmul(pb, pl, dS, qBlock.q, iterArgs[0],
                                     /*transposeLhs=*/true,
                                     /*transposeRhs=*/false);
          Value dV = buildTileMatmul(pb, pl, p, qBlock.dO, iterArgs[1],
                                     /*transposeLhs=*/true,
                                     /*transposeRhs=*/false);
          return {dK, dV};
        };
        SmallVector<Value> grads = buildKeptPair(
            nb, nl, batch, head, loopIvs[1], ivs[2], iterArgs, pair);
        return scf::ValueVector(grads.begin(), grads.end());
      });

  // dK = scale * dK_j and dV = dV_j, the valid rows, into the results.
  SmallVector<Value> results;
  int64_t rows = staticOrDynamic(kBlock.kLen);
  auto grads = {std::make_tuple(loops.results[0], d, scale),
                std::make_tuple(loops.results[1], dv, 1.0)};
  for (auto [i, grad] : llvm::enumerate(grads)) {
    auto [acc, cols, factor] = grad;
    Value out = forall.getRegionIterArgs()[i];
    SmallVector<OpFoldResult> offsets = {batch, kvHead, kBlock.k0, zero};
    SmallVector<OpFoldResult> sizes = {one, one, kBlock.kLen,
                                       b.getIndexAttr(cols)};
    Value dest = extractBlock(b, loc, out, {rows, cols}, offsets, sizes);
    Value block = buildScaledRows(b, loc, acc, kBlock.kLen,
                                  b.getIndexAttr(cols), dest, factor);
    insertInParallel(b, loc, forall, block, out, offsets, sizes);
  }
  return forall.getResults();
}

Value AttentionGradTiler::buildQueryGrad(OpBuilder &b, Location loc,
                                         Value rowDot) {
  OpBuilder::InsertionGuard guard(b);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  scf::ForallOp forall = createForall(
      b, loc, {batchSize, b.getIndexAttr(op.getNumQueryHeads()), numQB},
      op.getQueryGradInit());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value batch = ivs[0], head = ivs[1], qb = ivs[2];
  Value kvHead = getKVHead(b, loc, head);

  // Q_i, dO_i, lse_i, D_i stay resident; dQ_i accumulates in f32 over the
  // key blocks (those the block's rows see, when causal).
  TileBuffers bufs = allocBuffers(b, loc);
  QueryBlock qBlock = loadQueryBlock(b, loc, bufs, rowDot, batch, head, qb);
  OpFoldResult numKV =
      getKeyBlockCount(b, loc, getRightExtent(op), qb, bq, bkv, nq, nk);
  Value lb = getValueOrCreateConstantIndexOp(
      b, loc, getFirstKeyBlock(b, loc, getLeftExtent(op), qb, bq, bkv, nq, nk));
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  Value ub = getValueOrCreateConstantIndexOp(b, loc, numKV);
  if (table) {
    lb = extractBlockIndex(b, loc, table.kvBegin, qb);
    ub = extractBlockIndex(b, loc, table.kvEnd, qb);
  }
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, ValueRange{filledF32(b, loc, {bq, d}, 0.0)},
      [&](OpBuilder &nb, Location nl, Value kb, ValueRange iterArgs) {
        auto pair = [&](OpBuilder &pb, Location pl,
                        Value partial) -> SmallVector<Value> {
          KeyBlock kBlock = loadKeyBlock(pb, pl, bufs, batch, kvHead, kb);
          Value dS = buildProbsAndScoreGrad(pb, pl, bufs, qBlock, kBlock, batch,
                                            head, partial)
                         .second;
          // dQ_i += dS K_j.
          return {buildTileMatmul(pb, pl, dS, kBlock.k, iterArgs[0],
                                  /*transposeLhs=*/false,
                                  /*transposeRhs=*/false)};
        };
        scf::YieldOp::create(
            nb, nl,
            buildKeptPair(nb, nl, batch, head, qb, kb, iterArgs, pair));
      });

  Value out = forall.getRegionIterArgs()[0];
  SmallVector<OpFoldResult> offsets = {batch, head, qBlock.q0, zero};
  SmallVector<OpFoldResult> sizes = {one, one, qBlock.qLen, b.getIndexAttr(d)};
  Value dest = extractBlock(b, loc, out, {staticOrDynamic(qBlock.qLen), d},
                            offsets, sizes);
  Value block = buildScaledRows(b, loc, loop.getResult(0), qBlock.qLen,
                                b.getIndexAttr(d), dest, scale);
  insertInParallel(b, loc, forall, block, out, offsets, sizes);
  return forall.getResult(0);
}

Value AttentionGradTiler::buildBiasGrad(OpBuilder &b, Location loc,
                                        Value rowDot) {
  MLIRContext *ctx = b.getContext();
  OpBuilder::InsertionGuard guard(b);
  auto maskType = cast<ShapedType>(op.getMask().getType());
  // A bias dimension of static size 1 where the full one may differ is
  // broadcast: the thread blocks have one index there, and the loops inside
  // sum dS over all of it.
  SmallVector<int64_t> full = {
      op.getQueryType().getDimSize(0), op.getNumQueryHeads(),
      op.getQueryType().getDimSize(2), op.getKeyType().getDimSize(2)};
  SmallVector<bool> bcast;
  for (int64_t i = 0; i < 4; ++i)
    bcast.push_back(maskType.getDimSize(i) == 1 && full[i] != 1);
  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> extents = {
      batchSize, b.getIndexAttr(op.getNumQueryHeads()), numQB, numKB};
  SmallVector<OpFoldResult> ubs;
  for (int64_t i = 0; i < 4; ++i)
    ubs.push_back(bcast[i] ? one : extents[i]);
  scf::ForallOp forall = createForall(b, loc, ubs, op.getBiasGradInit());
  SmallVector<Value> ivs = forall.getInductionVars();

  TileBuffers bufs = allocBuffers(b, loc);
  int64_t accRows = bcast[2] ? 1 : bq, accCols = bcast[3] ? 1 : bkv;
  Value acc = filledF32(b, loc, {accRows, accCols}, 0.0);

  // Loops (batch, head, query block, key block): over everything along a
  // broadcast dimension, else over the thread block's own index.
  SmallVector<Value> lbs, loopUbs;
  for (int64_t i = 0; i < 4; ++i) {
    if (bcast[i]) {
      lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
      loopUbs.push_back(getValueOrCreateConstantIndexOp(b, loc, extents[i]));
    } else {
      lbs.push_back(ivs[i]);
      loopUbs.push_back(arith::AddIOp::create(
          b, loc, ivs[i], arith::ConstantIndexOp::create(b, loc, 1)));
    }
  }
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  AffineExpr zeroE = getAffineConstantExpr(0, ctx);
  AffineMap accMap =
      AffineMap::get(2, 0, {bcast[2] ? zeroE : d0, bcast[3] ? zeroE : d1}, ctx);
  scf::LoopNest loops = scf::buildLoopNest(
      b, loc, lbs, loopUbs, SmallVector<Value>(4, step), acc,
      [&](OpBuilder &nb, Location nl, ValueRange loopIvs,
          ValueRange iterArgs) -> scf::ValueVector {
        Value batch = loopIvs[0], head = loopIvs[1];
        auto pair = [&](OpBuilder &pb, Location pl,
                        Value partial) -> SmallVector<Value> {
          QueryBlock qBlock =
              loadQueryBlock(pb, pl, bufs, rowDot, batch, head, loopIvs[2]);
          KeyBlock kBlock = loadKeyBlock(pb, pl, bufs, batch,
                                         getKVHead(pb, pl, head), loopIvs[3]);
          Value dS = buildProbsAndScoreGrad(pb, pl, bufs, qBlock, kBlock, batch,
                                            head, partial)
                         .second;
          // acc += dS, summed over the broadcast rows / columns.
          return {linalg::GenericOp::create(
                      pb, pl, iterArgs[0].getType(), ValueRange{dS},
                      iterArgs[0],
                      ArrayRef<AffineMap>{
                          AffineMap::getMultiDimIdentityMap(2, ctx), accMap},
                      ArrayRef<utils::IteratorType>{bcast[2] ? kRed : kPar,
                                                    bcast[3] ? kRed : kPar},
                      [&](OpBuilder &bb, Location bl, ValueRange args) {
                        linalg::YieldOp::create(
                            bb, bl,
                            ValueRange{arith::AddFOp::create(bb, bl, args[0],
                                                             args[1])});
                      })
                      .getResult(0)};
        };
        SmallVector<Value> sum = buildKeptPair(
            nb, nl, batch, head, loopIvs[2], loopIvs[3], iterArgs, pair);
        return scf::ValueVector(sum.begin(), sum.end());
      });

  // The valid part of the tile into the bias gradient.
  OpFoldResult zero = b.getIndexAttr(0);
  auto [r0, rLen] = getBlockRange(b, loc, ivs[2], bq, nq);
  auto [c0, cLen] = getBlockRange(b, loc, ivs[3], bkv, nk);
  SmallVector<OpFoldResult> offsets = {ivs[0], ivs[1], bcast[2] ? zero : r0,
                                       bcast[3] ? zero : c0};
  SmallVector<OpFoldResult> sizes = {one, one, bcast[2] ? one : rLen,
                                     bcast[3] ? one : cLen};
  Value out = forall.getRegionIterArgs()[0];
  Value dest = extractBlock(
      b, loc, out, {staticOrDynamic(sizes[2]), staticOrDynamic(sizes[3])},
      offsets, sizes);
  Value block =
      buildScaledRows(b, loc, loops.results[0], sizes[2], sizes[3], dest, 1.0);
  insertInParallel(b, loc, forall, block, out, offsets, sizes);
  return forall.getResult(0);
}

void mlir::fa::detail::tileAttentionGrad(RewriterBase &rewriter,
                                         AttentionGradOp op,
                                         Attribute memorySpace) {
  AttentionGradTiler(op, memorySpace).rewrite(rewriter);
}
