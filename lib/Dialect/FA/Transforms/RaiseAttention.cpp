//===- RaiseAttention.cpp - Raise linalg attention to fa.attention --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Finds softmax(scale * Q K^T (+ bias)) V written in linalg on tensors, the way
// torch-mlir and StableHLO-to-linalg print it, and replaces it with one
// fa.attention. The matcher starts at the P V contraction and walks the
// use-def chain backwards: softmax (linalg.softmax or the max/sub/exp/sum/div
// chain, with torch-mlir's aten.max.dim and reciprocal spellings), the
// elementwise scale and bias steps and extf/truncf conversions, the Q K^T
// contraction, and on the operand side the reshapes, K transposes, constant
// scales of Q or K and the GQA head broadcasts. Nothing is changed unless the
// whole chain matches and computes only in the operands' type or f32.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FARAISEATTENTIONPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

//===----------------------------------------------------------------------===//
// Small structural predicates
//===----------------------------------------------------------------------===//

/// The value the single-result linalg op `op` yields.
static Value yieldedValue(linalg::LinalgOp op) {
  Block *block = op.getBlock();
  if (!block || block->empty())
    return {};
  Operation *term = block->getTerminator();
  if (term->getNumOperands() != 1)
    return {};
  return term->getOperand(0);
}

/// The value the linalg op `op` yields for its result `i`.
static Value yieldedValue(linalg::LinalgOp op, unsigned i) {
  Block *block = op.getBlock();
  if (!block || block->empty())
    return {};
  Operation *term = block->getTerminator();
  if (term->getNumOperands() <= i)
    return {};
  return term->getOperand(i);
}

/// The input operand of `op` that the block argument `v` stands for, or null.
static OpOperand *inputOf(linalg::LinalgOp op, Value v) {
  auto arg = dyn_cast_if_present<BlockArgument>(v);
  if (!arg || arg.getOwner() != op.getBlock() ||
      arg.getArgNumber() >= static_cast<unsigned>(op.getNumDpsInputs()))
    return nullptr;
  return op.getDpsInputOperand(arg.getArgNumber());
}

/// A linalg op on tensors with one result whose loops are all parallel and
/// whose output is written, not read (elementwise map, broadcast, cast).
static bool isElementwise(linalg::LinalgOp op) {
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops())
    return false;
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  return llvm::all_of(op.getRegionOutputArgs(),
                      [](BlockArgument a) { return a.use_empty(); });
}

/// A linalg op on tensors with one input and `numInits` inits (one result
/// each), all loops parallel but the last, which is reduced.
static bool isLastDimReduction(linalg::LinalgOp op, unsigned numInits = 1) {
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != numInits || op->getNumResults() != numInits)
    return false;
  SmallVector<utils::IteratorType> it = op.getIteratorTypesArray();
  if (it.empty() || it.back() != utils::IteratorType::reduction)
    return false;
  return llvm::all_of(ArrayRef(it).drop_back(), [](utils::IteratorType t) {
    return t == utils::IteratorType::parallel;
  });
}

/// Whether `op` only converts its one input's element type: an elementwise
/// op with identity maps that yields its input through extf/truncf (what
/// torch-mlir prints for `aten.to.dtype`). Which conversions are allowed is
/// decided once the operand type is known (see `rewrite`).
static bool isConversion(linalg::LinalgOp op) {
  if (!isElementwise(op) || op.getNumDpsInputs() != 1 ||
      !op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isIdentity())
    return false;
  Value y = yieldedValue(op);
  while (y && isa_and_nonnull<arith::ExtFOp, arith::TruncFOp>(y.getDefiningOp()))
    y = y.getDefiningOp()->getOperand(0);
  return y && inputOf(op, y) == op.getDpsInputOperand(0);
}

/// Whether `map` (of `rank` loops) reads a per-row value: the loops except the
/// last, in order, optionally followed by a constant 0 on a size-1 dimension.
static bool isRowMap(AffineMap map, Value operand, unsigned rank) {
  if (map.getNumDims() != rank || rank < 2)
    return false;
  unsigned n = map.getNumResults();
  if (n != rank - 1 && n != rank)
    return false;
  for (unsigned i = 0; i + 1 < rank; ++i) {
    auto d = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!d || d.getPosition() != i)
      return false;
  }
  if (n == rank) {
    auto c = dyn_cast<AffineConstantExpr>(map.getResult(rank - 1));
    auto t = cast<ShapedType>(operand.getType());
    if (!c || c.getValue() != 0 || t.getDimSize(rank - 1) != 1)
      return false;
  }
  return true;
}

/// Whether `op` is a pure broadcast or permutation: one input, yields it.
static bool yieldsOnlyInput(linalg::LinalgOp op) {
  if (isa<linalg::BroadcastOp, linalg::TransposeOp>(op.getOperation()))
    return true;
  if (!isElementwise(op) || op.getNumDpsInputs() != 1)
    return false;
  Value y = yieldedValue(op);
  return y && inputOf(op, y) == op.getDpsInputOperand(0);
}

/// Tensor reading through `operand` of a broadcast-like producer: when `v`
/// (read with an identity map) is the result of a broadcast, returns its
/// input and the input's indexing map; otherwise `v` and `map`.
static std::pair<Value, AffineMap> peelBroadcast(Value v, AffineMap map) {
  auto op = v.getDefiningOp<linalg::LinalgOp>();
  if (!map.isIdentity() || !op || !yieldsOnlyInput(op) ||
      isa<linalg::TransposeOp>(op.getOperation()))
    return {v, map};
  OpOperand *in = op.getDpsInputOperand(0);
  AffineMap inMap = op.getMatchingIndexingMap(in);
  // A permuting map is a transpose, not a broadcast.
  if (!inMap.isProjectedPermutation(/*allowZeroInResults=*/true))
    return {v, map};
  unsigned last = 0;
  for (AffineExpr e : inMap.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      if (d.getPosition() < last)
        return {v, map};
      last = d.getPosition();
    }
  }
  return {in->get(), inMap};
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// The value of a float constant, looking through extf/truncf (rounded as
/// they round) and, inside `op`'s region, through a block argument whose input
/// is a splat constant tensor (or a broadcast of one).
static std::optional<double> constantFloat(Value v, linalg::LinalgOp op) {
  if (OpOperand *in = op ? inputOf(op, v) : nullptr) {
    Value t = in->get();
    if (auto bc = t.getDefiningOp<linalg::LinalgOp>();
        bc && yieldsOnlyInput(bc) && !isa<linalg::TransposeOp>(bc.getOperation()))
      t = bc.getDpsInputOperand(0)->get();
    DenseFPElementsAttr attr;
    if (matchPattern(t, m_Constant(&attr)) && attr.isSplat())
      return attr.getSplatValue<APFloat>().convertToDouble();
    return std::nullopt;
  }
  FloatAttr f;
  if (matchPattern(v, m_Constant(&f)))
    return f.getValueAsDouble();
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return constantFloat(ext.getIn(), op);
  if (auto trunc = v.getDefiningOp<arith::TruncFOp>()) {
    std::optional<double> x = constantFloat(trunc.getIn(), op);
    if (!x)
      return std::nullopt;
    APFloat ap(*x);
    bool lost;
    ap.convert(cast<FloatType>(trunc.getType()).getFloatSemantics(),
               APFloat::rmNearestTiesToEven, &lost);
    return ap.convertToDouble();
  }
  return std::nullopt;
}

/// The value `init` holds before a reduction: a linalg.fill of a constant or
/// a splat constant tensor.
static std::optional<double> initValue(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return constantFloat(fill.getInputs()[0], {});
  DenseFPElementsAttr attr;
  if (matchPattern(init, m_Constant(&attr)) && attr.isSplat())
    return attr.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// The `x` of a `1 / x` computed inside `op`'s region, or null.
static Value reciprocalOf(Value v, linalg::LinalgOp op) {
  auto div = v ? v.getDefiningOp<arith::DivFOp>() : arith::DivFOp();
  if (!div || div->getBlock() != op.getBlock())
    return {};
  std::optional<double> one = constantFloat(div.getLhs(), op);
  return one && *one == 1.0 ? div.getRhs() : Value();
}

//===----------------------------------------------------------------------===//
// The match
//===----------------------------------------------------------------------===//

namespace {
/// One operand of the raised op: the tensor found under the reshapes, K
/// transposes, scales and head broadcasts (rank 3 `[B*H, N, D]` or rank 4
/// `[B, H, N, D]`), and for GQA the number of K/V heads.
struct Leaf {
  Value value;
  /// Set when a head broadcast was peeled: `value` is `[B, Hkv, N, D]`.
  int64_t kvHeads = 0;
  /// Set for a K in another layout (pre-transposed, or permuted with more
  /// than its last two axes): the operand is `linalg.transpose` of `value`
  /// by this permutation, which the rewrite inserts.
  SmallVector<int64_t> perm;
};

/// The type of `leaf`'s operand: its value's, permuted by its `perm`.
static RankedTensorType leafType(const Leaf &leaf) {
  auto t = cast<RankedTensorType>(leaf.value.getType());
  if (leaf.perm.empty())
    return t;
  SmallVector<int64_t> shape;
  for (int64_t p : leaf.perm)
    shape.push_back(t.getDimSize(p));
  return RankedTensorType::get(shape, t.getElementType());
}

/// Everything the rewrite needs, found without changing the IR.
struct AttentionMatch {
  Leaf q, k, v;
  /// The additive bias in the score space, and how it is read there.
  Value bias;
  AffineMap biasMap;
  /// The i1 keep-mask of an `arith.select`, and how it is read there.
  Value keep;
  AffineMap keepMap;
  /// Or a keep condition that `keepOp`'s body computes from its indices and
  /// the inputs in `keepReads` (negated when `keepNegated`): the rewrite
  /// materializes it as an i1 tensor over `keepOp`'s iteration space.
  Value keepCond;
  bool keepNegated = false;
  Operation *keepOp = nullptr;
  /// The inputs of `keepOp` the condition reads.
  SmallVector<OpOperand *> keepReads;
  double scale = 1.0;
  bool causal = false;
  /// The rank of the softmax (score) space, 3 or 4.
  unsigned scoreRank = 0;
  /// Query heads when the score space or an operand is 4-D, else 0.
  int64_t heads = 0;
  /// The value the fa.attention result replaces.
  Value result;
  /// Ops of the chain, all replaced by the raise.
  SmallVector<Operation *> chain;
  /// Ops on the operand side that may become dead.
  SmallVector<Operation *> peeled;
};

/// The affine form `scale * s (+ bias)` of an elementwise step's yield.
struct StepForm {
  double scale = 1.0;
  OpOperand *bias = nullptr;
  /// For `select(keep, x, -inf)` (or `select(drop, -inf, x)`, negated): the
  /// i1 condition in the op's body that keeps a score.
  Value keep;
  bool keepNegated = false;
};

/// What the condition of a masking `arith.select` is.
struct KeepForm {
  /// An i1 input that keeps the scores it is true for.
  OpOperand *input = nullptr;
  /// The bottom-right causal condition.
  bool causal = false;
  /// Otherwise: a condition computed from the op's indices and the
  /// elements of `reads`, inputs other than the scores (an int or i1 mask
  /// compared, negated: Hugging Face's masked_fill(mask == 0, -inf)).
  Value cond;
  bool negated = false;
  SmallVector<OpOperand *> reads;
};

/// `i * query + j * key + c` over the last two loops of a score space: the
/// index arithmetic a causal condition is written in.
struct IndexForm {
  int64_t query = 0, key = 0, c = 0;
};

class Matcher {
public:
  explicit Matcher(AttentionMatch &m) : m(m) {}

  LogicalResult matchRoot(linalg::LinalgOp pv);

private:
  LogicalResult matchScores(Value s, bool scaledLater);
  LogicalResult matchSoftmax(Value p, Value &scores);
  LogicalResult matchRowMax(Value mx, Value s, linalg::LinalgOp subOp,
                            linalg::LinalgOp &maxOp);
  LogicalResult matchQK(linalg::LinalgOp qk);
  FailureOr<StepForm> evalStep(linalg::LinalgOp op, Value x,
                               BlockArgument stream);
  LogicalResult peelOperand(Value v, bool needTranspose, bool allowScale,
                            Leaf &leaf, ArrayRef<int64_t> readPerm = {});
  void peelHeadBroadcast(Leaf &leaf);
  LogicalResult setHeads(int64_t h);
  LogicalResult matchKeep(linalg::LinalgOp op, const StepForm &f,
                          BlockArgument stream, KeepForm &keep);
  bool singleUse(Value v) { return v.hasOneUse(); }
  /// Records `reason` as why the match failed and returns failure. The last
  /// reason recorded names the step that did not match (a step that tries
  /// alternatives keeps the reason of the last one it tried).
  LogicalResult fail(const Twine &reason) {
    why = reason.str();
    return failure();
  }

  AttentionMatch &m;

public:
  /// Why `matchRoot` failed, for fa-raise-attention{explain}.
  std::string why;
};
} // namespace

LogicalResult Matcher::setHeads(int64_t h) {
  if (ShapedType::isDynamic(h))
    return fail("the number of heads is dynamic");
  if (m.heads && m.heads != h)
    return fail("the reshapes disagree on the number of heads");
  m.heads = h;
  return success();
}

/// Checks that `op` is a contraction (batched or, on one head, a plain
/// matmul) with the batch loops first, in order, and returns its (m, n, k)
/// loop positions.
static FailureOr<std::array<unsigned, 3>> batchedContraction(
    linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  unsigned rank = op.getNumLoops() - 1;
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() + 2 != rank ||
      (rank < 2 || rank > 4))
    return failure();
  for (auto [i, b] : llvm::enumerate(dims->batch))
    if (b != i)
      return failure();
  // The accumulator starts at zero.
  std::optional<double> init = initValue(op.getDpsInitOperand(0)->get());
  if (!init || *init != 0.0)
    return failure();
  return std::array<unsigned, 3>{dims->m[0], dims->n[0], dims->k[0]};
}

/// Whether `map` reads (batch..., a, b) for the given loop positions.
static bool readsAs(AffineMap map, unsigned numBatch, unsigned a, unsigned b) {
  if (map.getNumResults() != numBatch + 2)
    return false;
  for (unsigned i = 0; i < numBatch; ++i)
    if (map.getResult(i) != getAffineDimExpr(i, map.getContext()))
      return false;
  return map.getResult(numBatch) == getAffineDimExpr(a, map.getContext()) &&
         map.getResult(numBatch + 1) == getAffineDimExpr(b, map.getContext());
}

/// The permutation that brings an operand read through `map` into the order
/// (batch..., a, b) of loop positions: empty when `map` reads in that order,
/// nothing when it reads other loops. JAX's `dot_general` on [B, N, H, D]
/// reads Q, K and V with the heads after the sequence.
static std::optional<SmallVector<int64_t>>
readPermutation(AffineMap map, unsigned numBatch, unsigned a, unsigned b) {
  if (map.getNumResults() != numBatch + 2)
    return std::nullopt;
  SmallVector<unsigned> loops = llvm::to_vector(llvm::seq(0u, numBatch));
  loops.append({a, b});
  SmallVector<int64_t> perm;
  for (unsigned loop : loops) {
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(loop, map.getContext()));
    if (!pos)
      return std::nullopt;
    perm.push_back(*pos);
  }
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    perm.clear();
  return perm;
}

/// Whether `c` is a tensor.collapse_shape [[0, 1], [2], [3]] (4-D to 3-D) or
/// `e` the matching tensor.expand_shape.
static bool mergesHeads(ArrayRef<ReassociationIndices> r) {
  return r.size() == 3 && r[0] == ReassociationIndices{0, 1} &&
         r[1] == ReassociationIndices{2} && r[2] == ReassociationIndices{3};
}

LogicalResult Matcher::matchRoot(linalg::LinalgOp pv) {
  FailureOr<std::array<unsigned, 3>> mnk = batchedContraction(pv);
  if (failed(mnk))
    return fail("P V is not a batched contraction (batch loops first, rank 2 "
                "to 4, accumulator filled with 0)");
  auto [mi, ni, ki] = *mnk;
  unsigned numBatch = pv.getNumLoops() - 3;
  OpOperand *pOperand = pv.getDpsInputOperand(0);
  OpOperand *vOperand = pv.getDpsInputOperand(1);
  std::optional<SmallVector<int64_t>> vPerm =
      readPermutation(pv.getMatchingIndexingMap(vOperand), numBatch, ki, ni);
  if (!readsAs(pv.getMatchingIndexingMap(pOperand), numBatch, mi, ki) ||
      !vPerm ||
      !readsAs(pv.getMatchingIndexingMap(pv.getDpsInitOperand(0)), numBatch,
               mi, ni))
    return fail("P V does not contract P's last axis with V's rows");
  m.chain.push_back(pv);

  // The result, the expand back to 4-D torch-mlir puts after a 3-D bmm, and
  // a conversion to the operands' type (P V accumulated in f32), in either
  // order.
  m.result = pv->getResult(0);
  bool expanded = false, converted = false;
  while (m.result.hasOneUse()) {
    Operation *user = *m.result.user_begin();
    if (auto ex = dyn_cast<tensor::ExpandShapeOp>(user);
        ex && !expanded && numBatch == 1 &&
        mergesHeads(ex.getReassociationIndices()) &&
        succeeded(setHeads(ex.getResultType().getDimSize(1)))) {
      expanded = true;
      m.chain.push_back(ex);
      m.result = ex.getResult();
      continue;
    }
    auto cv = dyn_cast<linalg::LinalgOp>(user);
    if (!cv || converted || !isConversion(cv) ||
        cv.getDpsInputOperand(0)->get() != m.result)
      break;
    converted = true;
    m.chain.push_back(cv);
    m.result = cv->getResult(0);
  }

  // P, possibly collapsed from the 4-D score space, possibly converted from
  // the type the softmax is computed in (torch-mlir's `.to(dtype)`).
  Value p = pOperand->get();
  bool collapsed = false;
  converted = false;
  while (true) {
    if (!singleUse(p))
      return fail("P has a use outside the attention");
    if (auto col = p.getDefiningOp<tensor::CollapseShapeOp>();
        col && !collapsed) {
      if (!mergesHeads(col.getReassociationIndices()))
        return fail("P is collapsed other than [B, H, N, N] to [B*H, N, N]");
      if (failed(setHeads(col.getSrcType().getDimSize(1))))
        return failure();
      collapsed = true;
      m.chain.push_back(col);
      p = col.getSrc();
      continue;
    }
    auto cv = p.getDefiningOp<linalg::LinalgOp>();
    if (!cv || converted || !isConversion(cv))
      break;
    converted = true;
    m.chain.push_back(cv);
    p = cv.getDpsInputOperand(0)->get();
  }
  auto scoreType = cast<ShapedType>(p.getType());
  m.scoreRank = scoreType.getRank();
  if (m.scoreRank == 4 && failed(setHeads(scoreType.getDimSize(1))))
    return failure();

  Value scores;
  if (failed(matchSoftmax(p, scores)) ||
      failed(matchScores(scores, /*scaledLater=*/false)))
    return failure();

  if (failed(peelOperand(vOperand->get(), /*needTranspose=*/false,
                         /*allowScale=*/false, m.v, *vPerm)))
    return failure();
  peelHeadBroadcast(m.k);
  peelHeadBroadcast(m.v);
  if (m.k.kvHeads != m.v.kvHeads)
    return fail("K and V are repeated over different numbers of heads");
  return success();
}

LogicalResult Matcher::matchSoftmax(Value p, Value &scores) {
  unsigned rank = m.scoreRank;
  if (auto sm = p.getDefiningOp<linalg::SoftmaxOp>()) {
    if (sm.getDimension() != rank - 1)
      return fail("linalg.softmax is not over the last axis");
    if (!singleUse(sm.getInput()))
      return fail("the scores have a use outside the softmax");
    m.chain.push_back(sm);
    scores = sm.getInput();
    return success();
  }

  // p = e / sum(e), e = exp(s - max(s)). The division may be written
  // e * (1 / l), the reciprocal in the same op or in an elementwise op of its
  // own over the row (torch-mlir's aten.reciprocal).
  StringLiteral notSoftmax =
      "P is neither linalg.softmax nor e / sum(e) (or e * (1 / sum(e))) in an "
      "elementwise op";
  auto div = p.getDefiningOp<linalg::LinalgOp>();
  if (!isElementwise(div) || div.getNumDpsInputs() != 2)
    return fail(notSoftmax);
  Value y = yieldedValue(div);
  OpOperand *eIn = nullptr, *lIn = nullptr;
  linalg::LinalgOp recip;
  // The row `l` that `rIn` reads as 1 / l through a reciprocal op, or null.
  auto reciprocalOp = [&](OpOperand *rIn) -> linalg::LinalgOp {
    Value r =
        peelBroadcast(rIn->get(), div.getMatchingIndexingMap(rIn)).first;
    auto op = r.getDefiningOp<linalg::LinalgOp>();
    if (!op || !isElementwise(op) || op.getNumDpsInputs() != 1 ||
        !op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isIdentity() ||
        !r.hasOneUse())
      return {};
    Value x = reciprocalOf(yieldedValue(op), op);
    return x && inputOf(op, x) == op.getDpsInputOperand(0) ? op
                                                           : linalg::LinalgOp();
  };
  if (auto divf = y.getDefiningOp<arith::DivFOp>()) {
    eIn = inputOf(div, divf.getLhs());
    lIn = inputOf(div, divf.getRhs());
  } else if (auto mulf = y.getDefiningOp<arith::MulFOp>()) {
    for (auto [a, r] : {std::pair(mulf.getLhs(), mulf.getRhs()),
                        std::pair(mulf.getRhs(), mulf.getLhs())}) {
      OpOperand *aIn = inputOf(div, a);
      if (!aIn || !div.getMatchingIndexingMap(aIn).isIdentity())
        continue;
      if (OpOperand *xIn = inputOf(div, reciprocalOf(r, div))) {
        eIn = aIn;
        lIn = xIn;
        break;
      }
      OpOperand *rIn = inputOf(div, r);
      if (rIn && rIn != aIn && (recip = reciprocalOp(rIn))) {
        eIn = aIn;
        lIn = rIn;
        break;
      }
    }
  }
  if (!eIn || !lIn || eIn == lIn ||
      !div.getMatchingIndexingMap(eIn).isIdentity())
    return fail(notSoftmax);
  auto [l, lMap] = peelBroadcast(lIn->get(), div.getMatchingIndexingMap(lIn));
  if (!isRowMap(lMap, l, rank))
    return fail("the softmax divisor is not one value per row (the softmax is "
                "not over the last axis)");
  Value lRead = lIn->get(), lRow = l;
  if (recip) {
    m.chain.push_back(recip);
    l = recip.getDpsInputOperand(0)->get();
  }
  Value e = eIn->get();

  // l = sum(e) over the last axis.
  auto sum = l.getDefiningOp<linalg::LinalgOp>();
  if (!isLastDimReduction(sum) || sum.getDpsInputOperand(0)->get() != e ||
      !sum.getMatchingIndexingMap(sum.getDpsInputOperand(0)).isIdentity() ||
      !isRowMap(sum.getMatchingIndexingMap(sum.getDpsInitOperand(0)),
                sum.getDpsInitOperand(0)->get(), rank))
    return fail("the softmax divisor is not a reduction over the last axis of "
                "the dividend");
  auto addf = yieldedValue(sum).getDefiningOp<arith::AddFOp>();
  std::optional<double> zero = initValue(sum.getDpsInitOperand(0)->get());
  if (!addf || !zero || *zero != 0.0)
    return fail("the softmax divisor is not a sum from 0 (only the sum, no "
                "epsilon)");
  if (!llvm::is_contained(
          ArrayRef<Value>{addf.getLhs(), addf.getRhs()},
          sum.getMatchingBlockArgument(sum.getDpsInputOperand(0))) ||
      !llvm::is_contained(
          ArrayRef<Value>{addf.getLhs(), addf.getRhs()},
          sum.getMatchingBlockArgument(sum.getDpsInitOperand(0))))
    return fail("the softmax divisor adds something else than the dividend");
  // e feeds the sum and the division, nothing else; l only the division.
  if (!llvm::all_of(e.getUsers(),
                    [&](Operation *u) { return u == sum || u == div; }) ||
      !l.hasOneUse() || !lRead.hasOneUse())
    return fail("the exponentials or their row sum have a use outside the "
                "softmax");
  if (lRow != lRead)
    m.chain.push_back(lRead.getDefiningOp());

  // e = exp(s - m), in one elementwise op or two.
  auto expOp = e.getDefiningOp<linalg::LinalgOp>();
  if (!isElementwise(expOp) ||
      !yieldedValue(expOp).getDefiningOp<math::ExpOp>())
    return fail("the softmax dividend is not math.exp in an elementwise op");
  auto exp = yieldedValue(expOp).getDefiningOp<math::ExpOp>();
  StringLiteral noMax =
      "the argument of exp is not s - max(s) (no max subtraction)";
  linalg::LinalgOp subOp = expOp;
  Value diff = exp.getOperand();
  if (OpOperand *dIn = inputOf(expOp, diff)) {
    if (expOp.getNumDpsInputs() != 1 ||
        !expOp.getMatchingIndexingMap(dIn).isIdentity() ||
        !singleUse(dIn->get()))
      return fail("the argument of exp is read transposed, broadcast or has "
                  "another use");
    subOp = dIn->get().getDefiningOp<linalg::LinalgOp>();
    if (!isElementwise(subOp))
      return fail(noMax);
    diff = yieldedValue(subOp);
    m.chain.push_back(expOp);
  }
  auto subf = diff.getDefiningOp<arith::SubFOp>();
  OpOperand *sIn = subf ? inputOf(subOp, subf.getLhs()) : nullptr;
  OpOperand *mIn = subf ? inputOf(subOp, subf.getRhs()) : nullptr;
  if (subOp.getNumDpsInputs() != 2 || !sIn || !mIn ||
      !subOp.getMatchingIndexingMap(sIn).isIdentity())
    return fail(noMax);
  auto [mx, mxMap] =
      peelBroadcast(mIn->get(), subOp.getMatchingIndexingMap(mIn));
  if (!isRowMap(mxMap, mx, rank))
    return fail("the value subtracted in exp(s - m) is not one per row");
  if (!mx.hasOneUse() || (mx != mIn->get() && !mIn->get().hasOneUse()))
    return fail("the row max has a use outside the softmax");
  if (mx != mIn->get()) {
    m.chain.push_back(mIn->get().getDefiningOp());
  }
  Value s = sIn->get();

  linalg::LinalgOp maxOp;
  if (failed(matchRowMax(mx, s, subOp, maxOp)))
    return failure();
  m.chain.append({div, sum, subOp, maxOp});
  scores = s;
  return success();
}

/// Matches `mx`, the row max that `subOp` subtracts from the scores `s`:
/// max(s) over the last axis, from -inf (or the lowest finite value).
/// torch-mlir's aten.max.dim also computes the indices, as a second result
/// that must be unused (or only feed a tensor.cast that is unused), and
/// casts the values to their static type.
LogicalResult Matcher::matchRowMax(Value mx, Value s, linalg::LinalgOp subOp,
                                   linalg::LinalgOp &maxOp) {
  unsigned rank = m.scoreRank;
  Value maxVal = mx;
  if (auto cast = mx.getDefiningOp<tensor::CastOp>()) {
    if (!cast.getSource().hasOneUse())
      return fail("the row max has a use outside the softmax");
    m.chain.push_back(cast);
    maxVal = cast.getSource();
  }
  maxOp = maxVal.getDefiningOp<linalg::LinalgOp>();
  unsigned maxResults = maxOp ? maxOp->getNumResults() : 0;
  if (maxResults == 2) {
    if (maxVal != maxOp->getResult(0))
      return fail("the row max is not the first result of its reduction");
    for (Operation *u : maxOp->getResult(1).getUsers()) {
      if (!isa<tensor::CastOp>(u) || !u->use_empty())
        return fail("the indices of the row max are used");
      m.chain.push_back(u);
    }
  }
  if ((maxResults != 1 && maxResults != 2) ||
      !isLastDimReduction(maxOp, maxResults) ||
      maxOp.getDpsInputOperand(0)->get() != s ||
      !maxOp.getMatchingIndexingMap(maxOp.getDpsInputOperand(0))
           .isIdentity() ||
      !isRowMap(maxOp.getMatchingIndexingMap(maxOp.getDpsInitOperand(0)),
                maxOp.getDpsInitOperand(0)->get(), rank))
    return fail("the value subtracted in exp(s - m) is not a reduction over "
                "the last axis of the scores");
  // The values depend only on the input and their own accumulator.
  Value maxY = yieldedValue(maxOp, 0);
  Operation *maxf = maxY ? maxY.getDefiningOp() : nullptr;
  if (!maxf || !isa<arith::MaximumFOp, arith::MaxNumFOp>(maxf) ||
      !llvm::is_contained(
          maxf->getOperands(),
          maxOp.getMatchingBlockArgument(maxOp.getDpsInputOperand(0))) ||
      !llvm::is_contained(
          maxf->getOperands(),
          maxOp.getMatchingBlockArgument(maxOp.getDpsInitOperand(0))))
    return fail("the row reduction is not arith.maximumf or arith.maxnumf of "
                "the scores and its accumulator");
  std::optional<double> lowest =
      initValue(maxOp.getDpsInitOperand(0)->get());
  auto sem = &cast<FloatType>(getElementTypeOrSelf(mx.getType()))
                  .getFloatSemantics();
  // NaN is maxnumf's identity (upstream's linalg.softmax decomposition
  // starts from it); maximumf would propagate it.
  bool nanIdentity =
      lowest && std::isnan(*lowest) && isa<arith::MaxNumFOp>(maxf);
  if (!lowest ||
      !(nanIdentity ||
        (std::isinf(*lowest) ? *lowest < 0
                             : *lowest == APFloat::getLargest(*sem, true)
                                              .convertToDouble())))
    return fail("the row max does not start from -inf, the lowest finite "
                "value or (for arith.maxnumf) NaN");
  // s feeds the max and the subtraction, nothing else.
  if (!llvm::all_of(s.getUsers(),
                    [&](Operation *u) { return u == maxOp || u == subOp; }))
    return fail("the scores have a use outside the softmax");
  return success();
}

/// The form `v` takes in the index arithmetic of a score space of `rank`
/// loops, or nothing when it is not a sum of the last two loops' indices and
/// constants.
static std::optional<IndexForm> indexForm(Value v, unsigned rank) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto index = dyn_cast<linalg::IndexOp>(def)) {
    if (index.getDim() + 2 == rank)
      return IndexForm{1, 0, 0};
    if (index.getDim() + 1 == rank)
      return IndexForm{0, 1, 0};
    return std::nullopt;
  }
  APInt c;
  if (matchPattern(v, m_ConstantInt(&c)))
    return IndexForm{0, 0, c.getSExtValue()};
  if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
    return indexForm(def->getOperand(0), rank);
  if (!isa<arith::AddIOp, arith::SubIOp>(def))
    return std::nullopt;
  std::optional<IndexForm> a = indexForm(def->getOperand(0), rank);
  std::optional<IndexForm> b = indexForm(def->getOperand(1), rank);
  if (!a || !b)
    return std::nullopt;
  int64_t sign = isa<arith::SubIOp>(def) ? -1 : 1;
  return IndexForm{a->query + sign * b->query, a->key + sign * b->key,
                   a->c + sign * b->c};
}

/// Whether `cond` (negated when `negated`), computed in the body of `op`
/// over a score space [.., Nq, Nk], is the bottom-right causal condition
/// `j <= i + (Nk - Nq)` for query i and key j.
static bool isCausalCondition(linalg::LinalgOp op, Value cond, bool negated) {
  auto cmp = cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp || cmp->getBlock() != op.getBlock())
    return false;
  auto type = cast<ShapedType>(op->getResult(0).getType());
  unsigned rank = type.getRank();
  int64_t nq = type.getDimSize(rank - 2), nk = type.getDimSize(rank - 1);
  std::optional<IndexForm> lhs = indexForm(cmp.getLhs(), rank);
  std::optional<IndexForm> rhs = indexForm(cmp.getRhs(), rank);
  if (!lhs || !rhs || ShapedType::isDynamic(nq) || ShapedType::isDynamic(nk))
    return false;
  arith::CmpIPredicate pred = cmp.getPredicate();
  if (negated)
    pred = arith::invertPredicate(pred);
  // Normalize to d <= 0 with d = lhs - rhs (or rhs - lhs), over integers.
  IndexForm d{lhs->query - rhs->query, lhs->key - rhs->key, lhs->c - rhs->c};
  auto flip = [&] { d = {-d.query, -d.key, -d.c}; };
  switch (pred) {
  case arith::CmpIPredicate::sle:
    break;
  case arith::CmpIPredicate::slt:
    d.c += 1;
    break;
  case arith::CmpIPredicate::sge:
    flip();
    break;
  case arith::CmpIPredicate::sgt:
    flip();
    d.c += 1;
    break;
  default:
    // Unsigned and equality comparisons are not the causal pattern.
    return false;
  }
  // j - i + c <= 0, i.e. j <= i + (Nk - Nq).
  return d.key == 1 && d.query == -1 && -d.c == nk - nq;
}

/// Whether `v`, used in `op`'s body, is computed from the body's
/// linalg.index ops, constants, values defined outside it and elements of
/// inputs other than `stream` (the scores), by ops without side effects or
/// regions. Collects the inputs it reads in `reads`.
static bool isMaskComputation(Value v, linalg::LinalgOp op,
                              BlockArgument stream,
                              SmallVector<OpOperand *> &reads) {
  Block *body = op.getBlock();
  SmallVector<Value> worklist = {v};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!worklist.empty()) {
    Value x = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      if (arg.getOwner() != body)
        continue;
      OpOperand *in = inputOf(op, arg);
      if (!in || arg == stream)
        return false;
      if (!llvm::is_contained(reads, in))
        reads.push_back(in);
      continue;
    }
    Operation *def = x.getDefiningOp();
    if (def->getBlock() != body || !seen.insert(def).second)
      continue;
    if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      return false;
    llvm::append_range(worklist, def->getOperands());
  }
  return true;
}

LogicalResult Matcher::matchKeep(linalg::LinalgOp op, const StepForm &f,
                                 BlockArgument stream, KeepForm &keep) {
  Value cond = f.keep;
  bool negated = f.keepNegated;
  // `not x` is written `x xor true`.
  while (auto x = cond.getDefiningOp<arith::XOrIOp>()) {
    if (matchPattern(x.getRhs(), m_One()))
      cond = x.getLhs();
    else if (matchPattern(x.getLhs(), m_One()))
      cond = x.getRhs();
    else
      break;
    negated = !negated;
  }
  // An i1 keep input is the mask as is; a drop-mask input is negated into
  // a new one below.
  if (OpOperand *in = inputOf(op, cond); in && !negated) {
    keep.input = in;
    return success();
  }
  if (isCausalCondition(op, cond, negated)) {
    keep.causal = true;
    return success();
  }
  if (!cast<ShapedType>(op->getResult(0).getType()).hasStaticShape() ||
      !isMaskComputation(cond, op, stream, keep.reads))
    return fail("the select's condition depends on the scores' values, or "
                "the scores' shape is dynamic");
  keep.cond = cond;
  keep.negated = negated;
  return success();
}

FailureOr<StepForm> Matcher::evalStep(linalg::LinalgOp op, Value x,
                                      BlockArgument stream) {
  if (x == stream)
    return StepForm{};
  Operation *def = x.getDefiningOp();
  if (!def || def->getBlock() != op.getBlock())
    return failure();
  if (isa<arith::ExtFOp, arith::TruncFOp>(def))
    return evalStep(op, def->getOperand(0), stream);
  auto scaled = [&](Value a, Value c, bool divide) -> FailureOr<StepForm> {
    std::optional<double> k = constantFloat(c, op);
    FailureOr<StepForm> f = evalStep(op, a, stream);
    // (s + b) * c would scale the bias too: not the op's semantics.
    if (!k || failed(f) || f->bias)
      return failure();
    f->scale = divide ? f->scale / *k : f->scale * *k;
    return f;
  };
  if (auto mul = dyn_cast<arith::MulFOp>(def)) {
    FailureOr<StepForm> f = scaled(mul.getLhs(), mul.getRhs(), false);
    return succeeded(f) ? f : scaled(mul.getRhs(), mul.getLhs(), false);
  }
  if (auto div = dyn_cast<arith::DivFOp>(def))
    return scaled(div.getLhs(), div.getRhs(), true);
  if (auto sel = dyn_cast<arith::SelectOp>(def)) {
    // masked_fill / where: the masked scores are -inf.
    auto isNegInf = [&](Value c) {
      std::optional<double> x = constantFloat(c, op);
      return x && std::isinf(*x) && *x < 0;
    };
    bool negated = isNegInf(sel.getTrueValue());
    if (!negated && !isNegInf(sel.getFalseValue()))
      return failure();
    FailureOr<StepForm> f = evalStep(
        op, negated ? sel.getFalseValue() : sel.getTrueValue(), stream);
    if (failed(f) || f->bias || f->keep || !sel.getCondition().getType().isInteger(1))
      return failure();
    f->keep = sel.getCondition();
    f->keepNegated = negated;
    return f;
  }
  if (auto add = dyn_cast<arith::AddFOp>(def)) {
    // The bias is an input read as is, or times 1 (torch's `alpha`).
    auto biasOf = [&](Value b) -> OpOperand * {
      while (auto mul = b.getDefiningOp<arith::MulFOp>()) {
        std::optional<double> lhs = constantFloat(mul.getLhs(), op);
        std::optional<double> rhs = constantFloat(mul.getRhs(), op);
        if (rhs && *rhs == 1.0)
          b = mul.getLhs();
        else if (lhs && *lhs == 1.0)
          b = mul.getRhs();
        else
          return nullptr;
      }
      if (auto ext = b.getDefiningOp<arith::ExtFOp>())
        b = ext.getIn();
      OpOperand *in = inputOf(op, b);
      return in && b != stream ? in : nullptr;
    };
    for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())}) {
      OpOperand *bias = biasOf(b);
      if (!bias)
        continue;
      FailureOr<StepForm> f = evalStep(op, a, stream);
      if (failed(f) || f->bias)
        continue;
      f->bias = bias;
      return f;
    }
  }
  return failure();
}

LogicalResult Matcher::matchScores(Value s, bool scaledLater) {
  // A conversion of the scores (to the type the softmax is computed in).
  if (auto cv = s.getDefiningOp<linalg::LinalgOp>(); cv && isConversion(cv)) {
    Value in = cv.getDpsInputOperand(0)->get();
    if (!singleUse(in))
      return fail("the scores have a use outside the attention");
    m.chain.push_back(cv);
    return matchScores(in, scaledLater);
  }
  // The Q K^T contraction, possibly expanded from [B*H, Nq, Nk].
  if (auto ex = s.getDefiningOp<tensor::ExpandShapeOp>()) {
    auto qk = ex.getSrc().getDefiningOp<linalg::LinalgOp>();
    if (!qk || !mergesHeads(ex.getReassociationIndices()) ||
        !singleUse(ex.getSrc()))
      return fail("the scores are expanded from something else than Q K^T on "
                  "[B*H, N, N]");
    if (failed(setHeads(ex.getResultType().getDimSize(1))))
      return failure();
    m.chain.push_back(ex);
    return matchQK(qk);
  }
  auto op = s.getDefiningOp<linalg::LinalgOp>();
  if (!op)
    return fail("the scores are not computed by a linalg op");
  if (!isElementwise(op))
    return matchQK(op);

  // An elementwise step: scale * s (+ bias), with s read through an
  // identity map. Try each such input as the stream.
  Value y = yieldedValue(op);
  for (OpOperand *in : op.getDpsInputOperands()) {
    if (!op.getMatchingIndexingMap(in).isIdentity())
      continue;
    if (!singleUse(in->get())) {
      (void)fail("the scores have a use outside the attention");
      continue;
    }
    FailureOr<StepForm> f = evalStep(op, y, op.getMatchingBlockArgument(in));
    if (failed(f) || !(f->scale > 0.0) || std::isinf(f->scale))
      continue;
    if (f->bias && (m.bias || scaledLater || f->bias == in))
      continue;
    KeepForm keep;
    if (f->keep &&
        (m.keep || m.keepCond || m.causal ||
         failed(matchKeep(op, *f, op.getMatchingBlockArgument(in), keep))))
      continue;
    OpOperand *keepIn = keep.input;
    // Every other input is the bias, read by the keep-mask or a constant.
    if (llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *o) {
          return o != in && o != f->bias && o != keepIn &&
                 !llvm::is_contained(keep.reads, o) &&
                 !constantFloat(op.getMatchingBlockArgument(o), op);
        }))
      continue;
    AttentionMatch saved = m;
    m.scale *= f->scale;
    if (keepIn) {
      std::tie(m.keep, m.keepMap) =
          peelBroadcast(keepIn->get(), op.getMatchingIndexingMap(keepIn));
    } else if (keep.causal) {
      m.causal = true;
    } else if (keep.cond) {
      m.keepCond = keep.cond;
      m.keepNegated = keep.negated;
      m.keepReads = keep.reads;
      m.keepOp = op;
    }
    if (f->bias) {
      std::tie(m.bias, m.biasMap) = peelBroadcast(
          f->bias->get(), op.getMatchingIndexingMap(f->bias));
    }
    m.chain.push_back(op);
    if (succeeded(matchScores(in->get(), scaledLater || f->scale != 1.0)))
      return success();
    m = saved;
  }
  if (why.empty())
    return fail("the elementwise op on the scores is not scale * s (+ bias) "
                "with a positive constant scale and one bias");
  return failure();
}

LogicalResult Matcher::matchQK(linalg::LinalgOp qk) {
  FailureOr<std::array<unsigned, 3>> mnk = batchedContraction(qk);
  if (failed(mnk))
    return fail("the scores are not a batched contraction Q K^T (batch loops "
                "first, rank 2 to 4, accumulator filled with 0)");
  auto [mi, ni, ki] = *mnk;
  unsigned numBatch = qk.getNumLoops() - 3;
  OpOperand *qOperand = qk.getDpsInputOperand(0);
  OpOperand *kOperand = qk.getDpsInputOperand(1);
  std::optional<SmallVector<int64_t>> qPerm =
      readPermutation(qk.getMatchingIndexingMap(qOperand), numBatch, mi, ki);
  if (!qPerm ||
      !readsAs(qk.getMatchingIndexingMap(qk.getDpsInitOperand(0)), numBatch,
               mi, ni))
    return fail("Q K^T does not read Q as [.., Nq, D] into [.., Nq, Nk]");
  // K read as [.., Nk, D] (possibly permuted), or as K^T [.., D, Nk] in
  // order, which peelOperand undoes.
  AffineMap kMap = qk.getMatchingIndexingMap(kOperand);
  std::optional<SmallVector<int64_t>> kPerm =
      readPermutation(kMap, numBatch, ni, ki);
  bool transposedB = kPerm && kPerm->empty();
  if (!kPerm && !readsAs(kMap, numBatch, ki, ni))
    return fail("Q K^T does not contract Q's last axis with K's");
  if (!transposedB && readsAs(kMap, numBatch, ki, ni))
    kPerm = SmallVector<int64_t>();
  m.chain.push_back(qk);
  if (failed(peelOperand(qOperand->get(), /*needTranspose=*/false,
                         /*allowScale=*/true, m.q, *qPerm)) ||
      failed(peelOperand(kOperand->get(),
                         /*needTranspose=*/!transposedB && kPerm->empty(),
                         /*allowScale=*/true, m.k, *kPerm)))
    return failure();
  return success();
}

LogicalResult Matcher::peelOperand(Value v, bool needTranspose,
                                   bool allowScale, Leaf &leaf,
                                   ArrayRef<int64_t> readPerm) {
  // An operand the contraction reads permuted (JAX's [B, N, H, D]): only
  // elementwise scales, which keep the layout, are looked through.
  bool permuted = !readPerm.empty();
  bool transposed = false;
  while (true) {
    if (auto col = v.getDefiningOp<tensor::CollapseShapeOp>();
        col && !permuted) {
      if (!mergesHeads(col.getReassociationIndices()))
        break;
      if (failed(setHeads(col.getSrcType().getDimSize(1))))
        return failure();
      m.peeled.push_back(col);
      v = col.getSrc();
      continue;
    }
    auto op = v.getDefiningOp<linalg::LinalgOp>();
    if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInputs() < 1)
      break;
    OpOperand *in = op.getDpsInputOperand(0);
    unsigned rank = op.getNumLoops();
    // A transpose of the last two dimensions.
    if (needTranspose && !transposed && op.getNumDpsInputs() == 1 &&
        yieldsOnlyInput(op) && rank >= 2) {
      SmallVector<unsigned> perm = llvm::to_vector(llvm::seq<unsigned>(0, rank));
      std::swap(perm[rank - 1], perm[rank - 2]);
      AffineMap swapped = AffineMap::getPermutationMap(perm, op.getContext());
      AffineMap inMap = op.getMatchingIndexingMap(in);
      AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (inMap.compose(inversePermutation(outMap)) == swapped ||
          (outMap.isIdentity() && inMap == swapped)) {
        transposed = true;
        m.peeled.push_back(op);
        v = in->get();
        continue;
      }
      // Any other permutation (torch's permute(0, 2, 3, 1) of a [B, N, H, D]
      // K): K is the input permuted; the rewrite transposes it, O(N D) work.
      if (inMap.isPermutation() && outMap.isPermutation()) {
        SmallVector<int64_t> kPerm;
        for (unsigned i = 0; i < rank; ++i)
          kPerm.push_back(*inMap.getResultPosition(
              outMap.getResult(perm[i])));
        m.peeled.push_back(op);
        leaf.value = in->get();
        leaf.perm = kPerm;
        return success();
      }
    }
    // A constant scale of Q or K folds into the softmax scale.
    if (allowScale && isElementwise(op) &&
        op.getMatchingIndexingMap(in).isIdentity()) {
      FailureOr<StepForm> f =
          evalStep(op, yieldedValue(op), op.getMatchingBlockArgument(in));
      if (succeeded(f) && !f->bias && !f->keep && f->scale > 0.0 &&
          llvm::all_of(ArrayRef(op.getDpsInputOperands()).drop_front(), [&](auto *o) {
            return constantFloat(op.getMatchingBlockArgument(o), op)
                .has_value();
          })) {
        m.scale *= f->scale;
        m.peeled.push_back(op);
        v = in->get();
        continue;
      }
    }
    break;
  }
  if (!needTranspose && transposed)
    return fail("K is transposed twice");
  leaf.value = v;
  if (permuted)
    leaf.perm = llvm::to_vector(readPerm);
  // A K given already transposed ([.., D, N]): the rewrite transposes it.
  if (needTranspose && !transposed) {
    unsigned rank = cast<ShapedType>(v.getType()).getRank();
    leaf.perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(leaf.perm[rank - 1], leaf.perm[rank - 2]);
  }
  return success();
}

void Matcher::peelHeadBroadcast(Leaf &leaf) {
  Value v = leaf.value;
  if (!leaf.perm.empty())
    return;
  auto type = cast<ShapedType>(v.getType());
  if (type.getRank() != 4)
    return;
  // [B, Hkv, N, D] -> [B, Hkv, G, N, D] -> collapse [[0], [1, 2], [3], [4]].
  if (auto col = v.getDefiningOp<tensor::CollapseShapeOp>()) {
    SmallVector<ReassociationIndices> r = col.getReassociationIndices();
    if (r.size() != 4 || r[1] != ReassociationIndices{1, 2})
      return;
    auto bc = col.getSrc().getDefiningOp<linalg::LinalgOp>();
    if (!bc || !yieldsOnlyInput(bc) ||
        isa<linalg::TransposeOp>(bc.getOperation()))
      return;
    OpOperand *in = bc.getDpsInputOperand(0);
    AffineMap map = bc.getMatchingIndexingMap(in);
    MLIRContext *ctx = map.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    Value src = in->get();
    if (map == AffineMap::get(5, 0, {d(0), d(1), d(3), d(4)}, ctx)) {
      // linalg.broadcast dimensions = [2] or the equivalent generic.
    } else if (map == AffineMap::get(5, 0,
                                     {d(0), d(1), getAffineConstantExpr(0, ctx),
                                      d(3), d(4)},
                                     ctx)) {
      // torch-mlir's expand of an unsqueezed [B, Hkv, 1, N, D].
      auto ex = src.getDefiningOp<tensor::ExpandShapeOp>();
      if (!ex || ex.getSrcType().getRank() != 4 ||
          ex.getResultType().getDimSize(2) != 1)
        return;
      SmallVector<ReassociationIndices> er = ex.getReassociationIndices();
      if (er[1] != ReassociationIndices{1, 2} &&
          er[2] != ReassociationIndices{2, 3})
        return;
      m.peeled.push_back(ex);
      src = ex.getSrc();
    } else {
      return;
    }
    m.peeled.append({col, bc});
    leaf.value = src;
    leaf.kvHeads = cast<ShapedType>(src.getType()).getDimSize(1);
    return;
  }
  // A generic that reads head h / G, or head 0 of one (torch's expand of a
  // [B, 1, N, D] K or V: multi-query attention).
  auto op = v.getDefiningOp<linalg::LinalgOp>();
  if (!op || !isElementwise(op) || op.getNumDpsInputs() != 1 ||
      !yieldsOnlyInput(op))
    return;
  OpOperand *in = op.getDpsInputOperand(0);
  AffineMap map = op.getMatchingIndexingMap(in);
  int64_t hq = type.getDimSize(1);
  int64_t hkv = cast<ShapedType>(in->get().getType()).getDimSize(1);
  MLIRContext *ctx = map.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv <= 0 ||
      hq % hkv != 0)
    return;
  AffineMap grouped =
      AffineMap::get(4, 0, {d(0), d(1).floorDiv(hq / hkv), d(2), d(3)}, ctx);
  AffineMap single = AffineMap::get(
      4, 0, {d(0), getAffineConstantExpr(0, ctx), d(2), d(3)}, ctx);
  if (map != grouped && !(hkv == 1 && map == single))
    return;
  m.peeled.push_back(op);
  leaf.value = in->get();
  leaf.kvHeads = hkv;
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// Reshapes a rank-2 `[N, D]` value (one head of a `linalg.matmul` program)
/// to `[1, 1, N, D]`.
static Value singleHeadToRank4(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get({1, 1, t.getDimSize(0), t.getDimSize(1)},
                                    t.getElementType());
  SmallVector<OpFoldResult> shape = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, v, 0),
                                     tensor::getMixedSize(b, loc, v, 1)};
  return tensor::ExpandShapeOp::create(
      b, loc, type, v, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}}, shape);
}

/// Reshapes a rank-3 `[B*H, N, D]` leaf to `[B, H, N, D]` (a rank-2 one to
/// `[1, 1, N, D]`).
static Value toRank4(OpBuilder &b, Location loc, Value v, int64_t heads) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() == 4)
    return v;
  if (t.getRank() == 2)
    return singleHeadToRank4(b, loc, v);
  int64_t bh = t.getDimSize(0);
  SmallVector<OpFoldResult> shape;
  if (ShapedType::isDynamic(bh)) {
    Value dim = tensor::DimOp::create(b, loc, v, 0);
    Value h = arith::ConstantIndexOp::create(b, loc, heads);
    shape.push_back(arith::DivUIOp::create(b, loc, dim, h).getResult());
  } else {
    shape.push_back(b.getIndexAttr(bh / heads));
  }
  shape.push_back(b.getIndexAttr(heads));
  for (int64_t i = 1; i < 3; ++i)
    shape.push_back(tensor::getMixedSize(b, loc, v, i));
  SmallVector<int64_t> staticShape = {
      ShapedType::isDynamic(bh) ? ShapedType::kDynamic : bh / heads, heads,
      t.getDimSize(1), t.getDimSize(2)};
  auto type = RankedTensorType::get(staticShape, t.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, type, v, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}},
      shape);
}

/// Whether the constant `bias`, read through `map` in a score space of rank
/// `rank`, is exactly the bottom-right causal mask: 0 where key j <= query i
/// + (Nk - Nq) and -inf elsewhere.
static bool isCausalConstant(Value bias, AffineMap map, unsigned rank) {
  DenseFPElementsAttr attr;
  if (!matchPattern(bias, m_Constant(&attr)))
    return false;
  unsigned n = map.getNumResults();
  auto t = cast<ShapedType>(bias.getType());
  if (n < 2 || map.getResult(n - 2) != getAffineDimExpr(rank - 2,
                                                        map.getContext()) ||
      map.getResult(n - 1) != getAffineDimExpr(rank - 1, map.getContext()))
    return false;
  int64_t nq = t.getDimSize(n - 2), nk = t.getDimSize(n - 1);
  if (nq <= 1 && nk <= 1)
    return false;
  int64_t idx = 0;
  for (APFloat x : attr.getValues<APFloat>()) {
    int64_t j = idx % nk, i = (idx / nk) % nq;
    ++idx;
    bool visible = j <= i + (nk - nq);
    if (visible ? !x.isZero() : !(x.isInfinity() && x.isNegative()))
      return false;
  }
  return true;
}

/// Whether `bias`, read through `map` in a score space of rank `rank`, is a
/// linalg.generic that computes the bottom-right causal mask from its
/// indices: `select(j <= i + (Nk - Nq), 0, -inf)` (or the negated condition
/// with the branches swapped), as torch-mlir builds SDPA's `is_causal` mask.
static bool isCausalGenerated(Value bias, AffineMap map, unsigned rank) {
  auto op = bias.getDefiningOp<linalg::GenericOp>();
  unsigned n = map.getNumResults();
  if (!op || !isElementwise(op) || n < 2 ||
      map.getResult(n - 2) != getAffineDimExpr(rank - 2, map.getContext()) ||
      map.getResult(n - 1) != getAffineDimExpr(rank - 1, map.getContext()))
    return false;
  auto sel = yieldedValue(op).getDefiningOp<arith::SelectOp>();
  if (!sel || sel->getBlock() != op.getBlock())
    return false;
  std::optional<double> t = constantFloat(sel.getTrueValue(), op);
  std::optional<double> f = constantFloat(sel.getFalseValue(), op);
  auto isNegInf = [](std::optional<double> x) {
    return x && std::isinf(*x) && *x < 0;
  };
  bool keepWhenTrue = t && *t == 0.0 && isNegInf(f);
  if (!keepWhenTrue && !(f && *f == 0.0 && isNegInf(t)))
    return false;
  return isCausalCondition(op, sel.getCondition(), !keepWhenTrue);
}

/// Reshapes the bias read through `map` in the score space into a 4-D tensor
/// broadcastable to [B, Hq, Nq, Nk], or returns null.
static Value biasToRank4(OpBuilder &b, Location loc, Value bias, AffineMap map,
                         unsigned rank, int64_t heads) {
  auto t = cast<RankedTensorType>(bias.getType());
  // Each result is the loop of its position or a 0 on a size-1 dimension
  // (torch-mlir), or the results are increasing loops (dropped unit dims).
  SmallVector<int64_t> shape(rank, 1);
  SmallVector<ReassociationIndices> groups;
  if (map.getNumResults() == rank) {
    for (unsigned i = 0; i < rank; ++i) {
      AffineExpr e = map.getResult(i);
      auto d = dyn_cast<AffineDimExpr>(e);
      auto c = dyn_cast<AffineConstantExpr>(e);
      if (!(d && d.getPosition() == i) &&
          !(c && c.getValue() == 0 && t.getDimSize(i) == 1))
        return {};
    }
  } else {
    unsigned prev = 0, n = map.getNumResults();
    if (n == 0)
      return {};
    for (unsigned r = 0; r < n; ++r) {
      auto d = dyn_cast<AffineDimExpr>(map.getResult(r));
      if (!d || (r > 0 && d.getPosition() <= prev))
        return {};
      unsigned start = r == 0 ? 0 : prev + 1;
      unsigned end = r + 1 == n ? rank - 1 : d.getPosition();
      ReassociationIndices g;
      for (unsigned i = start; i <= end; ++i)
        g.push_back(i);
      groups.push_back(g);
      shape[d.getPosition()] = t.getDimSize(r);
      prev = d.getPosition();
    }
    if (llvm::any_of(shape, ShapedType::isDynamic))
      return {};
    bias = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), bias, groups);
  }
  if (rank == 4)
    return bias;
  // Score space [Nq, Nk] of one head.
  if (rank == 2)
    return singleHeadToRank4(b, loc, bias);
  // Score space [B*H, Nq, Nk]: split the leading dimension like Q.
  auto t3 = cast<RankedTensorType>(bias.getType());
  if (t3.getDimSize(0) == 1) {
    auto type = RankedTensorType::get(
        {1, 1, t3.getDimSize(1), t3.getDimSize(2)}, t3.getElementType());
    return tensor::ExpandShapeOp::create(
        b, loc, type, bias, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  }
  return toRank4(b, loc, bias, heads);
}

/// Builds the i1 tensor over `m.keepOp`'s iteration space (the score space)
/// that holds `m.keepCond`: a linalg.generic that reads the inputs the
/// condition reads and whose body is the condition's computation, cloned.
static Value materializeKeep(OpBuilder &b, Location loc,
                             const AttentionMatch &m) {
  auto op = cast<linalg::LinalgOp>(m.keepOp);
  auto scores = cast<RankedTensorType>(op->getResult(0).getType());
  auto type = RankedTensorType::get(scores.getShape(), b.getI1Type());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  // The ops of the body the condition depends on, in order.
  llvm::SmallPtrSet<Operation *, 8> slice;
  SmallVector<Value> worklist = {m.keepCond};
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (def && def->getBlock() == op.getBlock() && slice.insert(def).second)
      llvm::append_range(worklist, def->getOperands());
  }
  SmallVector<utils::IteratorType> parallel(scores.getRank(),
                                            utils::IteratorType::parallel);
  // The inputs the condition reads, through the same maps.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *read : m.keepReads) {
    inputs.push_back(read->get());
    maps.push_back(op.getMatchingIndexingMap(read));
  }
  maps.push_back(b.getMultiDimIdentityMap(scores.getRank()));
  auto keep = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, parallel,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        IRMapping map;
        for (auto [read, arg] : llvm::zip(m.keepReads, args))
          map.map(op.getMatchingBlockArgument(read), arg);
        for (Operation &inner : op.getBlock()->without_terminator())
          if (slice.contains(&inner))
            nb.clone(inner, map);
        Value c = map.lookupOrDefault(m.keepCond);
        if (m.keepNegated)
          c = arith::XOrIOp::create(
              nb, nloc, c, arith::ConstantIntOp::create(nb, nloc, 1, 1));
        linalg::YieldOp::create(nb, nloc, c);
      });
  return keep->getResult(0);
}

/// Records `reason` in `why` and returns failure.
static LogicalResult refuse(std::string &why, const Twine &reason) {
  why = reason.str();
  return failure();
}

/// Creates the fa.attention for `m` in place of `m.result`, or returns
/// failure (leaving the IR as it was, the reason in `why`) when the operands
/// do not fit the op.
static LogicalResult rewrite(RewriterBase &rewriter, AttentionMatch &m,
                             std::string &why) {
  auto elt = [](Value v) { return getElementTypeOrSelf(v.getType()); };
  Type e = elt(m.q.value);
  if (!(e.isF16() || e.isBF16() || e.isF32()) || elt(m.k.value) != e ||
      elt(m.v.value) != e || elt(m.result) != e)
    return refuse(why, "Q, K, V and the result do not share one element type "
                       "of f16, bf16 or f32");
  float scale = static_cast<float>(m.scale);
  if (!(scale > 0.0f) || std::isinf(scale))
    return refuse(why, "the scale is not a positive finite f32");
  int64_t heads = m.heads ? m.heads : 1;
  // Every 4-D operand agrees on the query heads; K/V heads divide them.
  auto headsOf = [](const Leaf &l) {
    RankedTensorType t = leafType(l);
    return t.getRank() == 4 ? t.getDimSize(1) : int64_t(0);
  };
  StringLiteral badHeads =
      "Q, K and V disagree on the number of heads (K/V heads must divide Q's)";
  if (headsOf(m.q) && headsOf(m.q) != heads)
    return refuse(why, badHeads);
  for (Leaf *l : {&m.k, &m.v}) {
    if (l->kvHeads ? heads % l->kvHeads != 0
                   : headsOf(*l) && headsOf(*l) != heads)
      return refuse(why, badHeads);
  }
  for (Leaf *l : {&m.q, &m.k, &m.v}) {
    RankedTensorType t = leafType(*l);
    if (ShapedType::isDynamic(t.getDimSize(t.getRank() - 1)) ||
        (t.getRank() == 3 && !ShapedType::isDynamic(t.getDimSize(0)) &&
         t.getDimSize(0) % heads != 0))
      return refuse(why, "a head dimension is dynamic or B*H is not a "
                         "multiple of the heads");
  }
  Type me = m.bias ? elt(m.bias) : Type();
  bool biasCausal =
      m.bias && (isCausalConstant(m.bias, m.biasMap, m.scoreRank) ||
                 isCausalGenerated(m.bias, m.biasMap, m.scoreRank));
  if ((m.keep || m.keepCond) && m.bias && !biasCausal)
    return refuse(why, "the scores have both an additive bias and an i1 "
                       "keep-mask; fa.attention takes one mask");
  if (m.bias && !(me.isF16() || me.isBF16() || me.isF32()))
    return refuse(why, "the bias is not f16, bf16 or f32");
  // fa.attention computes S, P and both sums in f32 and rounds only O to
  // `e`. A program that computes in `e` or in f32 (mixed precision: bf16
  // operands, the softmax in f32) only gains precision from the raise; one
  // that rounds to another type (f16 in a bf16 program, bf16 in an f32 one) or
  // computes in f64 does not mean the same thing.
  auto fits = [&](Type t) {
    t = getElementTypeOrSelf(t);
    return !isa<FloatType>(t) || t == e || t.isF32();
  };
  for (ArrayRef<Operation *> ops : {ArrayRef(m.chain), ArrayRef(m.peeled)})
    for (Operation *op : ops) {
      WalkResult r = op->walk([&](Operation *inner) {
        if (isa<arith::ConstantOp>(inner))
          return WalkResult::advance();
        return llvm::all_of(inner->getResultTypes(), fits)
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      });
      if (r.wasInterrupted())
        return refuse(why, "an op of the chain computes in a float type other "
                           "than the operands' or f32");
    }

  Location loc = m.result.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(m.result);
  Operation *anchor = m.result.getDefiningOp();
  Operation *next = anchor->getNextNode();
  bool causal = m.causal || biasCausal;
  Value mask;
  if (m.keepCond) {
    m.keep = materializeKeep(rewriter, loc, m);
    m.keepMap = rewriter.getMultiDimIdentityMap(m.scoreRank);
  }
  if (m.keep || (m.bias && !biasCausal)) {
    mask = m.keep ? biasToRank4(rewriter, loc, m.keep, m.keepMap, m.scoreRank,
                                heads)
                  : biasToRank4(rewriter, loc, m.bias, m.biasMap, m.scoreRank,
                                heads);
    if (!mask)
      return refuse(why, "the bias is read through a map the mask operand "
                         "cannot express");
  }
  // An operand in another layout is transposed into [B, H, N, D] first.
  auto operand = [&](const Leaf &leaf) {
    Value x = leaf.value;
    if (!leaf.perm.empty()) {
      SmallVector<OpFoldResult> shape;
      for (int64_t p : leaf.perm)
        shape.push_back(tensor::getMixedSize(rewriter, loc, x, p));
      Value init = tensor::EmptyOp::create(rewriter, loc, shape, e);
      x = linalg::TransposeOp::create(rewriter, loc, x, init, leaf.perm)
              ->getResult(0);
    }
    return toRank4(rewriter, loc, x, heads);
  };
  Value q = operand(m.q);
  Value k = operand(m.k);
  Value v = operand(m.v);
  SmallVector<OpFoldResult> outShape = {
      tensor::getMixedSize(rewriter, loc, q, 0),
      rewriter.getIndexAttr(heads),
      tensor::getMixedSize(rewriter, loc, q, 2),
      tensor::getMixedSize(rewriter, loc, v, 3)};
  Value init = tensor::EmptyOp::create(rewriter, loc, outShape, e);
  auto attn = AttentionOp::create(rewriter, loc, q, k, v, mask,
                                  ValueRange{init},
                                  rewriter.getF32FloatAttr(scale), causal);
  LogicalResult valid = success();
  std::string verifierMessage;
  {
    ScopedDiagnosticHandler quiet(attn.getContext(), [&](Diagnostic &d) {
      if (verifierMessage.empty())
        verifierMessage = d.str();
      return success();
    });
    valid = mlir::verify(attn, /*verifyRecursively=*/false);
  }
  if (failed(valid)) {
    // Not expected for IR the matcher accepts: undo what was built.
    while (anchor->getNextNode() != next)
      rewriter.eraseOp(next ? next->getPrevNode() : &anchor->getBlock()->back());
    return refuse(why, "the fa.attention built does not verify: " +
                           verifierMessage);
  }
  Value result = attn.getResult();
  auto want = cast<RankedTensorType>(m.result.getType());
  if (want.getRank() == 3)
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, want, result,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  else if (want.getRank() == 2)
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, want, result,
        ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  else if (result.getType() != want)
    result = tensor::CastOp::create(rewriter, loc, want, result);
  rewriter.replaceAllUsesWith(m.result, result);
  return success();
}

/// Erases the ops of `ops` that the raise left without uses, users first.
static void eraseDead(RewriterBase &rewriter, ArrayRef<Operation *> ops,
                      llvm::DenseSet<Operation *> &erased) {
  llvm::SetVector<Operation *> worklist(ops.begin(), ops.end());
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation *op : worklist) {
      if (!op || !op->use_empty() || !isMemoryEffectFree(op))
        continue;
      // The producers of its operands and of the values its body captures
      // (a constant scale used inside a linalg.generic) may die with it.
      SmallVector<Operation *> defs;
      op->walk([&](Operation *inner) {
        for (Value operand : inner->getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && !op->isAncestor(def))
            defs.push_back(def);
      });
      worklist.remove(op);
      erased.insert(op);
      rewriter.eraseOp(op);
      for (Operation *def : defs)
        if (!isa<FunctionOpInterface>(def))
          worklist.insert(def);
      changed = true;
      break;
    }
  }
}

/// Whether a softmax feeds the contraction `op`'s first input: a
/// linalg.softmax or an op that computes math.exp among the producers of
/// that input, a few ops up and not past another contraction. These are the
/// candidates fa-raise-attention{explain} reports on.
static bool isExplainCandidate(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || !linalg::isaContractionOpInterface(op))
    return false;
  // Far enough for the longest chain the matcher accepts between P and the
  // exponentials: conversion, collapse, reciprocal, division.
  constexpr unsigned kMaxDepth = 5;
  SmallVector<std::pair<Value, unsigned>> worklist = {
      {op.getDpsInputOperand(0)->get(), 0}};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!worklist.empty()) {
    auto [v, depth] = worklist.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || depth > kMaxDepth || !seen.insert(def).second)
      continue;
    if (isa<linalg::SoftmaxOp>(def))
      return true;
    auto producer = dyn_cast<linalg::LinalgOp>(def);
    if (producer && linalg::isaContractionOpInterface(producer))
      continue;
    if (producer && llvm::any_of(producer.getBlock()->getOperations(),
                                 llvm::IsaPred<math::ExpOp>))
      return true;
    if (!producer && !isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                          tensor::CastOp>(def))
      continue;
    for (Value operand : def->getOperands())
      worklist.push_back({operand, depth + 1});
  }
  return false;
}

namespace {
struct RaiseAttentionPass
    : public fa::impl::FARaiseAttentionPassBase<RaiseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1)
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    llvm::DenseSet<Operation *> erased;
    for (linalg::LinalgOp pv : candidates) {
      if (erased.contains(pv))
        continue;
      // Only a contraction fed by a softmax is worth a remark.
      bool report = explain && isExplainCandidate(pv);
      AttentionMatch m;
      Matcher matcher(m);
      LogicalResult raised = matcher.matchRoot(pv);
      std::string why = failed(raised) ? matcher.why : std::string();
      // All of the chain sits in one block, and nothing outside it is lost.
      Block *block = pv->getBlock();
      if (succeeded(raised) && llvm::any_of(m.chain, [&](Operation *op) {
            return op->getBlock() != block;
          })) {
        raised = failure();
        why = "the ops of the attention are in different blocks";
      }
      if (succeeded(raised))
        raised = rewrite(rewriter, m, why);
      if (report && failed(raised))
        pv->emitRemark("not raised to fa.attention: ")
            << (why.empty() ? "the attention does not match" : why);
      else if (report)
        pv->emitRemark("raised to fa.attention");
      if (failed(raised))
        continue;
      SmallVector<Operation *> dead(m.chain.begin(), m.chain.end());
      dead.append(m.peeled.begin(), m.peeled.end());
      for (Operation *op : m.chain)
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp())
            dead.push_back(def);
      eraseDead(rewriter, dead, erased);
    }
  }
};
} // namespace
