//===- TileAttention.cpp - FlashAttention loop nest for fa.attention ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Rewrites an fa.attention that carries a #fa.tiling into the tiled form of
// docs/TiledForm.md: an scf.forall over (batch, query head, query block), a
// static Q tile per block, and an scf.for over key/value blocks that streams
// static K/V tiles through an online softmax (running max m, running sum l,
// f32 accumulator rescaled by exp(m_old - m_new)). Everything stays on
// tensors; the tiles are bufferization.alloc_tensor ops in the tile memory
// space, so that one-shot bufferization puts them in workgroup memory.
//
// The loop nest is built directly rather than through TilingInterface: the
// tiles must have the tiling's static shapes (tails zero-filled and masked),
// the causal loop bound depends on the query block, and K/V are indexed by
// h / G; docs/TiledForm.md explains the choice.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "ScalarUtils.h"
#include "TileAttentionGrad.h"
#include "TileBuilders.h"

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FATILEATTENTIONPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

using namespace mlir::fa::detail;

namespace {
/// Builds the tiled form of one fa.attention. The members are the values
/// shared by the stages of the loop nest.
class AttentionTiler {
public:
  AttentionTiler(AttentionOp op, TilingAttr tiling, Attribute memorySpace)
      : op(op), memorySpace(memorySpace), bq(tiling.getBlockQ()),
        bkv(tiling.getBlockKv()), d(op.getHeadDim()), dv(op.getValueHeadDim()),
        group(op.getGroupSize()),
        elt(getElementTypeOrSelf(op.getQuery().getType())) {}

  /// Replaces the op with the loop nest.
  void rewrite(RewriterBase &rewriter);

private:
  /// The body of the scf.forall: one (batch, head, query block).
  void buildBlock(OpBuilder &b, Location loc, scf::ForallOp forall);
  /// One step of the online softmax over key/value block `kb` (`partial`:
  /// a mask pattern's i1 for the pair, else null); returns the updated
  /// (m, l, acc).
  SmallVector<Value> buildStep(OpBuilder &b, Location loc, Value kb,
                               ValueRange iterArgs, Value partial = Value());
  Value allocTile(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type type) {
    return fa::detail::allocTile(b, loc, shape, type, memorySpace);
  }

  AttentionOp op;
  Attribute memorySpace;
  int64_t bq, bkv, d, dv, group;
  Type elt;

  // Problem sizes, set by rewrite().
  OpFoldResult nq, nk, numKVFull;
  // A mask pattern's block table (BlockClassifier), set by rewrite().
  BlockTableValues table;
  // Per-block values, set by buildBlock().
  Value bIv, hIv, kvHead;
  OpFoldResult q0, qLen;
  Value qTile, kBuf, vBuf, maskBuf;
};
} // namespace

void AttentionTiler::rewrite(RewriterBase &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(op);
  Value q = op.getQuery(), k = op.getKey();
  AffineExpr d0;
  bindDims(ctx, d0);

  OpFoldResult bSz = tensor::getMixedSize(rewriter, loc, q, 0);
  nq = tensor::getMixedSize(rewriter, loc, q, 2);
  nk = tensor::getMixedSize(rewriter, loc, k, 2);
  OpFoldResult numQB =
      affine::makeComposedFoldedAffineApply(rewriter, loc, d0.ceilDiv(bq), nq);
  numKVFull =
      affine::makeComposedFoldedAffineApply(rewriter, loc, d0.ceilDiv(bkv), nk);

  if (op.getMaskPatternAttr())
    table = buildBlockTable(
        rewriter, loc,
        BlockClassifier(getAttentionProblem(op).maskPattern(), bq, bkv)
            .table());

  SmallVector<OpFoldResult> ubs = {
      bSz, rewriter.getIndexAttr(op.getNumQueryHeads()), numQB};
  auto forall = scf::ForallOp::create(rewriter, loc, ubs, op.getOutputs(),
                                      /*mapping=*/std::nullopt);
  // The tiling travels on the thread-block loop.
  markThreadBlockLoop(forall, op.getTilingAttr());
  // The cost model's shared memory for one block of the SIMT kernel: the
  // buffers built below, which convert-fa-to-gpu packs and checks against
  // this number. It does not depend on the dynamic sizes.
  int64_t sram = sramBytes(getTiling(op.getTilingAttr()),
                           getAttentionProblem(op), KernelKind::Simt);
  forall->setAttr(FADialect::getPredictedSramAttrName(),
                  rewriter.getI64IntegerAttr(sram));
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall.getTerminator());
  buildBlock(rewriter, loc, forall);
  rewriter.replaceOp(op, forall.getResults());
}

void AttentionTiler::buildBlock(OpBuilder &b, Location loc,
                                scf::ForallOp forall) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0;
  bindDims(ctx, d0);
  SmallVector<Value> ivs = forall.getInductionVars();
  bIv = ivs[0];
  hIv = ivs[1];
  Value qb = ivs[2];
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);

  std::tie(q0, qLen) = getBlockRange(b, loc, qb, bq, nq);
  kvHead = getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(group), {hIv}));

  // The tile buffers, one each per thread block. The K/V (and mask) buffers
  // are refilled at every step of the kv loop.
  Value qBuf = allocTile(b, loc, {bq, d}, elt);
  kBuf = allocTile(b, loc, {bkv, d}, elt);
  vBuf = allocTile(b, loc, {bkv, dv}, elt);
  maskBuf = allocMaskTile(b, loc, op.getMask(), bq, bkv, memorySpace);
  qTile = loadTile(b, loc, op.getQuery(), {bIv, hIv, q0, zero},
                   {one, one, qLen, b.getIndexAttr(d)}, qBuf);

  // The kv blocks [kvBegin, kvEnd) the block's rows see: fewer when causal
  // or windowed (the blocks right of the diagonal, or left of the window,
  // are skipped, never loaded).
  std::optional<int64_t> right = getRightExtent(op);
  OpFoldResult numKV =
      right ? getKeyBlockCount(b, loc, right, qb, bq, bkv, nq, nk) : numKVFull;
  OpFoldResult kvBegin =
      getFirstKeyBlock(b, loc, getLeftExtent(op), qb, bq, bkv, nq, nk);

  // Online softmax state: m = -inf, l = 0, acc = 0.
  SmallVector<Value> init = {filledF32(b, loc, {bq}, kNegInf),
                             filledF32(b, loc, {bq}, 0.0),
                             filledF32(b, loc, {bq, dv}, 0.0)};
  Value lb = getValueOrCreateConstantIndexOp(b, loc, kvBegin);
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  Value ub = getValueOrCreateConstantIndexOp(b, loc, numKV);
  // A mask pattern: the range of the q-block's non-empty blocks, each step
  // by its kind (empty skipped, full unmasked, partial masked).
  if (table) {
    lb = extractBlockIndex(b, loc, table.kvBegin, qb);
    ub = extractBlockIndex(b, loc, table.kvEnd, qb);
  }
  // A block mask skips a step whole (its tile lies in one mask block).
  Value blockMask = op.getBlockMask();
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nb, Location nloc, Value kb, ValueRange iterArgs) {
        auto stepBody = [&](OpBuilder &sb, Location sl) {
          return buildStep(sb, sl, kb, iterArgs);
        };
        if (table) {
          scf::YieldOp::create(
              nb, nloc,
              buildByBlockKind(nb, nloc, table.kinds, qb, kb, iterArgs,
                               [&](OpBuilder &sb, Location sl, Value partial) {
                                 return buildStep(sb, sl, kb, iterArgs,
                                                  partial);
                               }));
          return;
        }
        if (!blockMask) {
          scf::YieldOp::create(nb, nloc, stepBody(nb, nloc));
          return;
        }
        BlockSparseAttr blocks = op.getBlockSparseAttr();
        OpFoldResult k0 = affine::makeComposedFoldedAffineApply(
            nb, nloc, d0 * bkv, {kb});
        Value keep = buildBlockKept(nb, nloc, blockMask, blocks.getBlockQ(),
                                    blocks.getBlockKv(), bIv, hIv, q0, k0);
        scf::YieldOp::create(nb, nloc,
                             buildIfKept(nb, nloc, keep, iterArgs, stepBody));
      });
  Value m = loop.getResult(0), l = loop.getResult(1), acc = loop.getResult(2);

  // O = acc / l, 0 where l == 0 (no visible key), in the element type,
  // written straight into this block's rows of the output (no O tile).
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);
  auto par = utils::IteratorType::parallel;
  OpFoldResult zero0 = b.getIndexAttr(0);
  ValueRange outs = forall.getRegionIterArgs();
  auto rowsType = RankedTensorType::get({staticOrDynamic(qLen), dv}, elt);
  auto rowsF32 = RankedTensorType::get({staticOrDynamic(qLen), dv}, b.getF32Type());
  auto vecF32 = RankedTensorType::get({staticOrDynamic(qLen)}, b.getF32Type());
  Value accRows = tensor::ExtractSliceOp::create(
      b, loc, rowsF32, acc, {zero0, zero0}, {qLen, b.getIndexAttr(dv)},
      {one, one});
  Value lRows = tensor::ExtractSliceOp::create(b, loc, vecF32, l, {zero0},
                                               {qLen}, {one});
  Value oDest = tensor::ExtractSliceOp::create(
      b, loc, rowsType, outs[0], {bIv, hIv, q0, zero0},
      {one, one, qLen, b.getIndexAttr(dv)}, {one, one, one, one});
  Value oRows =
      linalg::GenericOp::create(
          b, loc, rowsType, ValueRange{accRows, lRows}, oDest,
          ArrayRef<AffineMap>{id2, rowOf2, id2},
          ArrayRef<utils::IteratorType>{par, par},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value zeroF = cstF32(nb, nl, 0.0);
            Value isZero = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OEQ, args[1], zeroF);
            Value div = arith::DivFOp::create(nb, nl, args[0], args[1]);
            Value o = arith::SelectOp::create(nb, nl, isZero, zeroF, div);
            linalg::YieldOp::create(nb, nl, fromF32(nb, nl, o, elt));
          })
          .getResult(0);

  // lse = m + log(l): natural log of the scaled scores, -inf without keys.
  Value lseRows;
  if (op.getLseInit()) {
    AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
    Value mRows = tensor::ExtractSliceOp::create(b, loc, vecF32, m, {zero0},
                                                 {qLen}, {one});
    Value lseDest = tensor::ExtractSliceOp::create(
        b, loc, vecF32, outs[1], {bIv, hIv, q0}, {one, one, qLen},
        {one, one, one});
    lseRows = linalg::GenericOp::create(
                  b, loc, vecF32, ValueRange{mRows, lRows}, lseDest,
                  ArrayRef<AffineMap>{id1, id1, id1},
                  ArrayRef<utils::IteratorType>{par},
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Value logSum = math::LogOp::create(nb, nl, args[1]);
                    linalg::YieldOp::create(
                        nb, nl,
                        ValueRange{arith::AddFOp::create(
                            nb, nl, safeMax(nb, nl, args[0]), logSum)});
                  })
                  .getResult(0);
  }

  // Write the valid rows of this block into the shared outputs.
  insertInParallel(b, loc, forall, oRows, outs[0], {bIv, hIv, q0, zero0},
                   {one, one, qLen, b.getIndexAttr(dv)});
  if (lseRows)
    insertInParallel(b, loc, forall, lseRows, outs[1], {bIv, hIv, q0},
                     {one, one, qLen});
}

SmallVector<Value> AttentionTiler::buildStep(OpBuilder &b, Location loc,
                                             Value kb, ValueRange iterArgs,
                                             Value partial) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0;
  bindDims(ctx, d0);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value m = iterArgs[0], l = iterArgs[1], acc = iterArgs[2];

  auto [k0, kLen] = getBlockRange(b, loc, kb, bkv, nk);
  Value kTile = loadTile(b, loc, op.getKey(), {bIv, kvHead, k0, zero},
                         {one, one, kLen, b.getIndexAttr(d)}, kBuf);
  Value vTile = loadTile(b, loc, op.getValue(), {bIv, kvHead, k0, zero},
                         {one, one, kLen, b.getIndexAttr(dv)}, vBuf);
  Value maskTile;
  if (Value mask = op.getMask())
    maskTile =
        loadMaskTile(b, loc, mask, maskBuf, bIv, hIv, q0, qLen, k0, kLen);
  // The rows past Nq are not masked (no qLen): their results are dropped.
  ScoreTileParams params;
  params.scale = op.getScaleValue();
  params.maskTile = maskTile;
  setStructuredMasks(params, op, partial);
  params.q0 = q0;
  params.k0 = k0;
  params.nq = nq;
  params.nk = nk;
  params.kLen = kLen;
  Value s = buildMaskedScoreTile(b, loc, qTile, kTile, params);

  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
  AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;
  Type f32 = b.getF32Type();

  // m_new = max(m, rowmax(S)). The row max goes to a fresh tensor so that
  // alpha can read m before m_new overwrites it in place (each loop-carried
  // value is updated in place, so one-shot bufferization needs no copies).
  Value rowMax =
      linalg::GenericOp::create(
          b, loc, m.getType(), s, filledF32(b, loc, {bq}, kNegInf),
          ArrayRef<AffineMap>{id2, rowOf2},
          ArrayRef<utils::IteratorType>{par, red},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(nb, nl,
                                    ValueRange{arith::MaximumFOp::create(
                                        nb, nl, args[0], args[1])});
          })
          .getResult(0);

  // alpha = exp(m - m_new): the rescale of what was summed so far (0 while
  // m is -inf, when l and acc are still 0).
  Value alphaEmpty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bq}, f32);
  Value alpha =
      linalg::GenericOp::create(
          b, loc, alphaEmpty.getType(), ValueRange{m, rowMax}, alphaEmpty,
          ArrayRef<AffineMap>{id1, id1, id1},
          ArrayRef<utils::IteratorType>{par},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value mNew = arith::MaximumFOp::create(nb, nl, args[0], args[1]);
            Value x =
                arith::SubFOp::create(nb, nl, args[0], safeMax(nb, nl, mNew));
            linalg::YieldOp::create(nb, nl,
                                    ValueRange{math::ExpOp::create(nb, nl, x)});
          })
          .getResult(0);
  Value mNew =
      linalg::GenericOp::create(
          b, loc, m.getType(), ValueRange{rowMax}, m,
          ArrayRef<AffineMap>{id1, id1}, ArrayRef<utils::IteratorType>{par},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(nb, nl,
                                    ValueRange{arith::MaximumFOp::create(
                                        nb, nl, args[1], args[0])});
          })
          .getResult(0);

  // P = exp(S - m_new), with the safe max for rows that saw no key yet; in
  // place on S.
  Value p = buildShiftedExpTile(b, loc, s, mNew);

  // l_new = l * alpha + rowsum(P).
  Value lScaled =
      linalg::GenericOp::create(
          b, loc, l.getType(), ValueRange{alpha}, l,
          ArrayRef<AffineMap>{id1, id1}, ArrayRef<utils::IteratorType>{par},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::MulFOp::create(nb, nl, args[1], args[0])});
          })
          .getResult(0);
  Value lNew =
      linalg::GenericOp::create(
          b, loc, l.getType(), ValueRange{p}, lScaled,
          ArrayRef<AffineMap>{id2, rowOf2},
          ArrayRef<utils::IteratorType>{par, red},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::AddFOp::create(nb, nl, args[1], args[0])});
          })
          .getResult(0);

  // acc_new = acc * alpha + P V (f32 x elt -> f32).
  Value accScaled =
      linalg::GenericOp::create(
          b, loc, acc.getType(), ValueRange{alpha}, acc,
          ArrayRef<AffineMap>{rowOf2, id2},
          ArrayRef<utils::IteratorType>{par, par},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::MulFOp::create(nb, nl, args[1], args[0])});
          })
          .getResult(0);
  Value accNew =
      linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                               ValueRange{p, vTile}, ValueRange{accScaled})
          .getResult(0);
  return {mNew, lNew, accNew};
}

namespace {
struct TileAttentionPass
    : public fa::impl::FATileAttentionPassBase<TileAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) { ops.push_back(op); });
    Attribute memorySpace;
    if (tileMemorySpace != 0)
      memorySpace = IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                     tileMemorySpace);
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops) {
      // The mma-sync and wgmma kernels are generated from the op itself,
      // after bufferization (convert-fa-to-nvgpu); the buffer form is not
      // tiled.
      if (isNVGPUKernel(getKernelKind(op, KernelKind::Simt)) ||
          isa<MemRefType>(op.getQuery().getType()))
        continue;
      TilingAttr tiling = op.getTilingAttr();
      if (!tiling) {
        if (!requireTiling)
          continue;
        op.emitOpError() << "has no #fa.tiling; run fa-select-tiling or "
                            "attach one";
        return signalPassFailure();
      }
      // A tiling written by hand skips fa-select-tiling's checks: the
      // problem's bounds keep the byte counts below in range.
      if (std::optional<std::string> why =
              getAttentionProblem(op).validate()) {
        op.emitOpError() << "cannot be tiled: " << *why;
        return signalPassFailure();
      }
      if (std::optional<std::string> why = checkBlockMaskGranularity(
              getTiling(tiling), getAttentionProblem(op))) {
        op.emitOpError() << "cannot be tiled with " << tiling << ": " << *why;
        return signalPassFailure();
      }
      AttentionTiler(op, tiling, memorySpace).rewrite(rewriter);
    }

    SmallVector<AttentionGradOp> gradOps;
    getOperation()->walk([&](AttentionGradOp op) { gradOps.push_back(op); });
    for (AttentionGradOp op : gradOps) {
      if (isa<MemRefType>(op.getQuery().getType()))
        continue;
      if (!op.getTilingAttr()) {
        if (!requireTiling)
          continue;
        op.emitOpError() << "has no #fa.tiling; run fa-select-tiling or "
                            "attach one";
        return signalPassFailure();
      }
      // The mma.sync and wgmma backwards (the other kinds a
      // #fa.backward_schedule holds) are built from the op by
      // convert-fa-to-nvgpu.
      KernelKind kind = getBackwardKernelKind(op, KernelKind::Simt);
      if (kind != KernelKind::Simt)
        continue;
      // As for the forward: a hand-written tiling skips fa-select-tiling's
      // bounds (D111: Nq = 2^33 and Nq = 0 were tiled).
      if (std::optional<std::string> why =
              getAttentionProblem(op).validate()) {
        op.emitOpError() << "cannot be tiled: " << *why;
        return signalPassFailure();
      }
      if (std::optional<std::string> why = checkBlockMaskGranularity(
              getTiling(op.getTilingAttr()), getAttentionProblem(op))) {
        op.emitOpError() << "cannot be tiled with " << op.getTilingAttr()
                         << ": " << *why;
        return signalPassFailure();
      }
      tileAttentionGrad(rewriter, op, memorySpace);
    }
  }
};
} // namespace
