//===- OnlineSoftmax.cpp - Masks, row max and sum, rescale of O ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The online softmax works on the accumulator fragments of S: a quad of
// lanes shares a row, so two shuffle-xor steps give the row max; exp2 with
// scale * log2(e) folded into one multiply-add; the running max and sum are
// of raw, unscaled scores, and each lane keeps a partial sum over its
// columns (the epilogue adds the quad's).
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

void OnlineSoftmax::setUpMask() {
  if (!k.op.getMask())
    return;
  lastRow = k.lastIndex(k.nq);
  lastCol = k.lastIndex(k.nk);
}

Value OnlineSoftmax::maskValue(Value row, Value col) {
  // Broadcast dimensions read index 0, rows and keys clamped into range
  // (the scores out of range are dropped anyway). Biases come back as f32,
  // keep-masks as i1.
  Value mask = k.op.getMask();
  auto maskType = cast<MemRefType>(mask.getType());
  auto pick = [&](int64_t dim, Value index) -> Value {
    return maskType.getDimSize(dim) == 1 ? k.idx(0) : index;
  };
  Value v = memref::LoadOp::create(
      k.b, mask,
      ValueRange{pick(0, k.batch), pick(1, k.head),
                 pick(2, k.minu(row, lastRow)), pick(3, k.minu(col, lastCol))});
  if (v.getType().isInteger(1) || v.getType().isF32())
    return v;
  return arith::ExtFOp::create(k.b, k.f32, v);
}

Value OnlineSoftmax::inWindow(Value col, Value diagonalKey) {
  // diagonalKey - left <= col <= diagonalKey + right (causal checks the
  // right edge, its right extent is 0).
  ImplicitLocOpBuilder &b = k.b;
  Value keep = k.cmp(arith::CmpIPredicate::sge, col,
                     k.addc(diagonalKey, -k.window.getLeft()));
  if (!k.causal)
    keep = arith::AndIOp::create(
        b, keep,
        k.cmp(arith::CmpIPredicate::sle, col,
              k.addc(diagonalKey, k.window.getRight())));
  return keep;
}

SmallVector<Value> OnlineSoftmax::maskScores(ArrayRef<Value> s, Value j) {
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Value> maskedS;
  Value colBase =
      k.add(k.mulc(k.keyBlock(j), k.t.blockKV), k.mulc(k.remc(k.lane, 4), 2));
  Value rowBase = k.add(k.add(k.qBase, k.warpRow), k.divc(k.lane, 4));
  bool hasMask = static_cast<bool>(k.op.getMask());
  for (int64_t mi = 0; mi < k.mTiles; ++mi) {
    for (int64_t nj = 0; nj < k.nTilesS; ++nj) {
      SmallVector<Value> elems;
      Value frag = s[mi * k.nTilesS + nj];
      for (int64_t r = 0; r < 2; ++r) {
        Value row = k.addc(rowBase, 16 * mi + 8 * r);
        Value limit = k.add(row, k.diagonal);
        for (int64_t cc = 0; cc < 2; ++cc) {
          Value col = k.addc(colBase, 8 * nj + cc);
          Value keep = k.cmp(arith::CmpIPredicate::slt, col, k.nk);
          if (k.causal)
            keep = arith::AndIOp::create(
                b, keep, k.cmp(arith::CmpIPredicate::sle, col, limit));
          // The window, a pattern's chunk or butterfly, or'ed with its
          // global rows and keys.
          Value local = k.window ? inWindow(col, limit) : Value();
          if (Value pattern = patternKeep(k, k.pattern, local, limit, col))
            keep = arith::AndIOp::create(b, keep, pattern);
          Value score = k.element(frag, r, cc);
          if (hasMask) {
            Value m = maskValue(row, col);
            if (m.getType().isInteger(1))
              keep = arith::AndIOp::create(b, keep, m);
            else // bias / scale: the scores here are unscaled
              score = math::FmaOp::create(b, m, k.invScale, score);
          }
          elems.push_back(k.select(keep, score, k.negInfF));
        }
      }
      maskedS.push_back(vector::FromElementsOp::create(b, k.accType, elems));
    }
  }
  return maskedS;
}

OnlineSoftmax::Step OnlineSoftmax::step(ArrayRef<Value> s,
                                        ArrayRef<Value> rowMax,
                                        ArrayRef<Value> rowSum,
                                        MutableArrayRef<Value> acc) {
  ImplicitLocOpBuilder &b = k.b;
  Value c = k.scaleLog2;
  SmallVector<Value> newMax, newSum, scales;
  SmallVector<SmallVector<Value>> pFrags(k.mTiles);
  for (int64_t mi = 0; mi < k.mTiles; ++mi) {
    SmallVector<Value> alphas, mUse;
    for (int64_t r = 0; r < 2; ++r) {
      Value m = k.element(s[mi * k.nTilesS], r, 0);
      for (int64_t nj = 0; nj < k.nTilesS; ++nj)
        for (int64_t cc = 0; cc < 2; ++cc)
          if (nj || cc)
            m = arith::MaximumFOp::create(
                b, m, k.element(s[mi * k.nTilesS + nj], r, cc));
      m = arith::MaximumFOp::create(b, m, k.shuffleXor(m, 1));
      m = arith::MaximumFOp::create(b, m, k.shuffleXor(m, 2));
      Value old = k.element(rowMax[mi], r);
      Value mNew = arith::MaximumFOp::create(b, old, m);
      newMax.push_back(mNew);
      // A row with nothing visible yet keeps max -inf: subtract 0 instead
      // (exp2(-inf) = 0 for its scores, never inf - inf).
      Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mNew,
                                          k.negInfF);
      Value used = k.select(isInf, k.zeroF, mNew);
      mUse.push_back(used);
      alphas.push_back(k.exp2(arith::MulFOp::create(
          b, arith::SubFOp::create(b, old, used), c)));
    }
    SmallVector<Value> partial = {k.zeroF, k.zeroF};
    for (int64_t nj = 0; nj < k.nTilesS; ++nj) {
      SmallVector<Value> elems;
      for (int64_t r = 0; r < 2; ++r) {
        Value negMc =
            arith::NegFOp::create(b, arith::MulFOp::create(b, mUse[r], c));
        for (int64_t cc = 0; cc < 2; ++cc) {
          Value x = k.element(s[mi * k.nTilesS + nj], r, cc);
          Value p = k.exp2(math::FmaOp::create(b, x, c, negMc));
          partial[r] = arith::AddFOp::create(b, partial[r], p);
          elems.push_back(p);
        }
      }
      pFrags[mi].push_back(
          vector::FromElementsOp::create(b, k.accType, elems));
    }
    SmallVector<Value> sums;
    for (int64_t r = 0; r < 2; ++r)
      sums.push_back(arith::AddFOp::create(
          b, arith::MulFOp::create(b, k.element(rowSum[mi], r), alphas[r]),
          partial[r]));
    newSum.push_back(vector::FromElementsOp::create(b, k.rowType, sums));
    Value scaleAcc = vector::FromElementsOp::create(
        b, k.accType, ValueRange{alphas[0], alphas[0], alphas[1], alphas[1]});
    scales.push_back(scaleAcc);
    for (int64_t dn = 0; !acc.empty() && dn < k.nTilesO; ++dn) {
      Value &a = acc[mi * k.nTilesO + dn];
      a = arith::MulFOp::create(b, a, scaleAcc);
    }
  }
  SmallVector<Value> newMaxRows;
  for (int64_t mi = 0; mi < k.mTiles; ++mi)
    newMaxRows.push_back(vector::FromElementsOp::create(
        b, k.rowType, ValueRange{newMax[2 * mi], newMax[2 * mi + 1]}));
  return {pFrags, newMaxRows, newSum, scales};
}
