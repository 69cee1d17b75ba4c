//===- FAOps.cpp - FlashAttention dialect operations ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/IR/FAOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fa;

#define GET_OP_CLASSES
#include "FlashAttn/Dialect/FA/IR/FAOps.cpp.inc"

double mlir::fa::getAttentionScale(std::optional<APFloat> scale,
                                   int64_t headDim) {
  if (scale)
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

void AttentionOp::build(OpBuilder &b, OperationState &state, Value query,
                        Value key, Value value, Value mask, ValueRange outputs,
                        FloatAttr scale, bool causal) {
  build(b, state, outputs.getTypes(), query, key, value, mask,
        /*block_mask=*/Value(), outputs, scale, causal, /*tiling=*/TilingAttr(),
        /*schedule=*/ScheduleAttr(), /*window=*/WindowAttr(),
        /*block_sparse=*/BlockSparseAttr(), /*mask_pattern=*/MaskPatternAttr());
}

//===----------------------------------------------------------------------===//
// Verification shared by fa.attention and fa.attention_grad
//===----------------------------------------------------------------------===//

/// True when two extents may be equal: equal, or one of them dynamic.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static bool isAttentionElementType(Type t) {
  return t.isF16() || t.isBF16() || t.isF32();
}

/// `[2, ?, 128]`.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t s) {
    if (ShapedType::isDynamic(s))
      os << "?";
    else
      os << s;
  });
  os << "]";
  return text;
}

/// True when `type` has the rank of `shape` and each extent compatible.
static bool hasCompatibleShape(ShapedType type, ArrayRef<int64_t> shape) {
  return type.getRank() == static_cast<int64_t>(shape.size()) &&
         llvm::all_of(llvm::seq<size_t>(0, shape.size()), [&](size_t i) {
           return compatible(type.getDimSize(i), shape[i]);
         });
}

/// Tensor semantics (results) or buffer semantics (none), never mixed.
static LogicalResult verifyTensorOrBufferForm(Operation *op, Value query) {
  bool buffers = isa<MemRefType>(query.getType());
  for (Value operand : op->getOperands())
    if (isa<MemRefType>(operand.getType()) != buffers)
      return op->emitOpError() << "operands must be all tensors or all memrefs";
  if (buffers && op->getNumResults() != 0)
    return op->emitOpError() << "on memrefs has no results (the inits are "
                                "written in place)";
  return success();
}

/// On tensors, one result per init, of the init's type.
static LogicalResult verifyResultsMatchInits(Operation *op, ValueRange inits) {
  if (isa<MemRefType>(inits.front().getType()))
    return success();
  if (op->getNumResults() != inits.size())
    return op->emitOpError() << "expects one result per init";
  for (auto [init, result] : llvm::zip(inits, op->getResults()))
    if (init.getType() != result.getType())
      return op->emitOpError()
             << "result type " << result.getType()
             << " does not match its init type " << init.getType();
  return success();
}

/// The checks of Q [B, Hq, Nq, D], K [B, Hkv, Nk, D], V [B, Hkv, Nk, Dv]:
/// ranks, one float element type, static head counts and head dimensions,
/// batch, GQA divisibility, head dimensions and key/value lengths.
static LogicalResult verifyQueryKeyValue(Operation *op, ShapedType q,
                                         ShapedType k, ShapedType v) {
  auto named = {std::make_pair("query", q), std::make_pair("key", k),
                std::make_pair("value", v)};
  for (auto [name, type] : named)
    if (type.getRank() != 4)
      return op->emitOpError()
             << name << " must have rank 4 ([B, H, N, D]), got " << type;

  Type elt = q.getElementType();
  if (!isAttentionElementType(elt))
    return op->emitOpError()
           << "element type must be f16, bf16 or f32, got " << elt;
  if (k.getElementType() != elt || v.getElementType() != elt)
    return op->emitOpError()
           << "query, key and value must share one element "
              "type, got "
           << elt << ", " << k.getElementType() << ", " << v.getElementType();

  // Head counts and head dims are static; batch and sequence may be dynamic.
  for (auto [name, type] : named)
    if (type.isDynamicDim(1) || type.isDynamicDim(3))
      return op->emitOpError()
             << name << " head count and head dimension must be static";

  if (!compatible(q.getDimSize(0), k.getDimSize(0)) ||
      !compatible(q.getDimSize(0), v.getDimSize(0)))
    return op->emitOpError() << "batch sizes of query, key and value differ";
  if (k.getDimSize(1) != v.getDimSize(1))
    return op->emitOpError() << "key and value must have the same number of "
                                "heads, got "
                             << k.getDimSize(1) << " and " << v.getDimSize(1);
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return op->emitOpError()
           << "query heads (" << hq
           << ") must be a positive multiple of key/value heads (" << hkv
           << ")";
  if (q.getDimSize(3) != k.getDimSize(3))
    return op->emitOpError()
           << "query and key head dimensions differ: " << q.getDimSize(3)
           << " vs " << k.getDimSize(3);
  if (q.getDimSize(3) <= 0 || v.getDimSize(3) <= 0)
    return op->emitOpError() << "head dimensions must be positive";
  if (!compatible(k.getDimSize(2), v.getDimSize(2)))
    return op->emitOpError()
           << "key and value sequence lengths differ: " << k.getDimSize(2)
           << " vs " << v.getDimSize(2);
  return success();
}

/// `type` has element type `elt` and the shape `expected`, whose meaning
/// `shapeText` spells (`[B, Hq, Nq, Dv]`).
static LogicalResult verifyOperandShape(Operation *op, StringRef name,
                                        ShapedType type,
                                        ArrayRef<int64_t> expected,
                                        StringRef shapeText, Type elt) {
  if (type.getElementType() != elt)
    return op->emitOpError()
           << name << " element type " << type.getElementType()
           << " must match the input element type " << elt;
  if (!hasCompatibleShape(type, expected))
    return op->emitOpError()
           << name << " must have shape " << shapeText << " = "
           << formatShape(expected) << " (? is dynamic), got " << type;
  return success();
}

/// The logsumexp: f32 of shape [B, Hq, Nq].
static LogicalResult verifyLogsumexp(Operation *op, StringRef name,
                                     ShapedType lse, ShapedType q) {
  SmallVector<int64_t> expected = {q.getDimSize(0), q.getDimSize(1),
                                   q.getDimSize(2)};
  if (!lse.getElementType().isF32() || !hasCompatibleShape(lse, expected) ||
      lse.getDimSize(1) != q.getDimSize(1))
    return op->emitOpError() << name << " must be f32 of shape [B, Hq, Nq] = "
                             << formatShape(expected) << ", got " << lse;
  return success();
}

/// The mask: a float bias or an i1 keep-mask broadcastable to
/// [B, Hq, Nq, Nk].
static LogicalResult verifyMask(Operation *op, ShapedType m, ShapedType q,
                                ShapedType k) {
  Type mt = m.getElementType();
  if (!isAttentionElementType(mt) && !mt.isInteger(1))
    return op->emitOpError() << "mask element type must be f16, bf16 or f32 "
                                "(additive) or i1 (keep), got "
                             << mt;
  SmallVector<int64_t> full = {q.getDimSize(0), q.getDimSize(1),
                               q.getDimSize(2), k.getDimSize(2)};
  if (m.getRank() != 4 ||
      !llvm::all_of(llvm::seq<int64_t>(0, 4), [&](int64_t i) {
        return m.getDimSize(i) == 1 || compatible(m.getDimSize(i), full[i]);
      }))
    return op->emitOpError() << "mask must be broadcastable to [B, Hq, Nq, Nk] "
                                "(each dimension equal or 1), got "
                             << m;
  return success();
}

/// The block mask: i8 or i1, [B', H', ceil(Nq / block_q), ceil(Nk /
/// block_kv)] with B' and H' equal to B and Hq or 1, given exactly with its
/// #fa.block_sparse granularity. Dynamic extents are the caller's to keep
/// consistent (docs/BlockSparse.md says who checks them).
static LogicalResult verifyBlockMask(Operation *op, Value blockMask,
                                     BlockSparseAttr blocks, ShapedType q,
                                     ShapedType k) {
  if (!blockMask && !blocks)
    return success();
  if (!blockMask)
    return op->emitOpError() << "has a #fa.block_sparse granularity but no "
                                "block_mask operand";
  if (!blocks)
    return op->emitOpError() << "has a block_mask operand but no "
                                "block_sparse = #fa.block_sparse<block_q = "
                                "..., block_kv = ...> attribute";
  auto m = cast<ShapedType>(blockMask.getType());
  if (!m.getElementType().isInteger(8) && !m.getElementType().isInteger(1))
    return op->emitOpError() << "block mask element type must be i8 or i1, "
                                "got "
                             << m.getElementType();
  auto blocksOf = [](int64_t n, int64_t block) -> int64_t {
    return ShapedType::isDynamic(n) ? n : llvm::divideCeilSigned(n, block);
  };
  SmallVector<int64_t> expected = {
      q.getDimSize(0), q.getDimSize(1),
      blocksOf(q.getDimSize(2), blocks.getBlockQ()),
      blocksOf(k.getDimSize(2), blocks.getBlockKv())};
  bool ok = m.getRank() == 4 &&
            llvm::all_of(llvm::seq<int64_t>(0, 4), [&](int64_t i) {
              return (i < 2 && m.getDimSize(i) == 1) ||
                     compatible(m.getDimSize(i), expected[i]);
            });
  if (!ok)
    return op->emitOpError()
           << "block mask must have shape [B or 1, Hq or 1, ceil(Nq / "
           << blocks.getBlockQ() << "), ceil(Nk / " << blocks.getBlockKv()
           << ")] = " << formatShape(expected) << " (? is dynamic), got " << m;
  return success();
}

static LogicalResult verifyScale(Operation *op, std::optional<APFloat> scale) {
  if (!scale)
    return success();
  double s = scale->convertToDouble();
  if (!(s > 0.0) || std::isinf(s))
    return op->emitOpError() << "scale must be positive and finite, got " << s;
  // The tensor-core kernels fold the scale into exp2 as the f32
  // scale * log2(e) and divide an additive mask by it (1 / scale in f32):
  // both must be finite, or every score becomes inf or NaN.
  if (!std::isfinite(static_cast<float>(s * M_LOG2E)) ||
      !std::isfinite(static_cast<float>(1.0 / s)))
    return op->emitOpError() << "scale must be between about 2.94e-39 and "
                                "2.36e38 (scale * log2(e) and 1 / scale are "
                                "finite f32), got "
                             << s;
  return success();
}

/// A #fa.mask_pattern: one local pattern (its chunk or butterfly, or the
/// op's window) under the global tokens, no runtime block mask, and static
/// sequence lengths (the blocks are classified at compile time).
static LogicalResult verifyMaskPattern(Operation *op, MaskPatternAttr pattern,
                                       WindowAttr window, Value blockMask,
                                       ShapedType q, ShapedType k) {
  if (!pattern)
    return success();
  bool local = pattern.getChunk() > 0 || pattern.getButterfly() > 0;
  if (local && window)
    return op->emitOpError() << "has a #fa.mask_pattern chunk or butterfly "
                                "and a #fa.window: a mask has one local "
                                "pattern";
  if (pattern.getGlobal() > 0 && !local && !window)
    return op->emitOpError() << "has global tokens but no local pattern: give "
                                "the #fa.mask_pattern a chunk or butterfly, or "
                                "the op a #fa.window";
  if (blockMask)
    return op->emitOpError() << "has both a #fa.mask_pattern and a runtime "
                                "block mask";
  if (q.isDynamicDim(2) || k.isDynamicDim(2))
    return op->emitOpError() << "has a #fa.mask_pattern but a dynamic "
                                "sequence length: its blocks are classified "
                                "at compile time";
  return success();
}

/// The checks both ops share: tensors or buffers, Q/K/V, mask and scale.
template <typename OpTy> static LogicalResult verifyAttentionInputs(OpTy op) {
  if (failed(verifyTensorOrBufferForm(op, op.getQuery())) ||
      failed(verifyQueryKeyValue(op, op.getQueryType(), op.getKeyType(),
                                 op.getValueType())))
    return failure();
  if (Value mask = op.getMask())
    if (failed(verifyMask(op, cast<ShapedType>(mask.getType()),
                          op.getQueryType(), op.getKeyType())))
      return failure();
  if (failed(verifyBlockMask(op, op.getBlockMask(), op.getBlockSparseAttr(),
                             op.getQueryType(), op.getKeyType())) ||
      failed(verifyScale(op, op.getScale())))
    return failure();
  // Causal is the window's right edge: a right extent past it would be
  // ignored, so it is refused.
  if (WindowAttr window = op.getWindowAttr();
      window && op.getCausal() && window.getRight() != 0)
    return op.emitOpError() << "with causal, the window's right extent must "
                               "be 0, got "
                            << window.getRight();
  return verifyMaskPattern(op, op.getMaskPatternAttr(), op.getWindowAttr(),
                           op.getBlockMask(), op.getQueryType(),
                           op.getKeyType());
}

/// The shape of O (and dO): [B, Hq, Nq, Dv].
static SmallVector<int64_t> getOutputShape(ShapedType q, ShapedType v) {
  return {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), v.getDimSize(3)};
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyAttentionInputs(*this)))
    return failure();
  auto q = getQueryType();

  if (getOutputs().empty() || getOutputs().size() > 2)
    return emitOpError() << "expects one output init, and optionally a "
                            "logsumexp init; got "
                         << getOutputs().size() << " inits";
  if (failed(verifyResultsMatchInits(op, getOutputs())))
    return failure();

  if (failed(verifyOperandShape(op, "output",
                                cast<ShapedType>(getOutput().getType()),
                                getOutputShape(q, getValueType()),
                                "[B, Hq, Nq, Dv]", q.getElementType())))
    return failure();
  if (Value lse = getLseInit())
    if (failed(verifyLogsumexp(op, "logsumexp init",
                               cast<ShapedType>(lse.getType()), q)))
      return failure();
  // The compacted walk lists the kv-blocks the block mask keeps, in a list
  // of static size (docs/BlockSparse.md, "The forward's compacted walk").
  if (ScheduleAttr schedule = getScheduleAttr();
      schedule && schedule.getWalk() == BlockMaskWalk::Compacted) {
    if (!getBlockMask())
      return emitOpError() << "schedule " << schedule
                           << " walks the kv-blocks a block mask keeps, but "
                              "the op has no block mask";
    if (getKeyType().isDynamicDim(2))
      return emitOpError() << "schedule " << schedule
                           << " needs a static Nk: its list of kv-blocks "
                              "has a static size";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionGradOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionGradOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyAttentionInputs(*this)))
    return failure();
  auto q = getQueryType(), k = getKeyType(), v = getValueType();

  Type elt = q.getElementType();
  auto named = {std::make_pair("out", getOut()),
                std::make_pair("out_grad", getOutGrad())};
  for (auto [name, value] : named)
    if (failed(verifyOperandShape(op, name, cast<ShapedType>(value.getType()),
                                  getOutputShape(q, v), "[B, Hq, Nq, Dv]",
                                  elt)))
      return failure();
  if (failed(verifyLogsumexp(op, "logsumexp",
                             cast<ShapedType>(getLogsumexp().getType()), q)))
    return failure();

  if (getOutputs().size() < 3 || getOutputs().size() > 4)
    return emitOpError() << "expects the query, key and value gradient inits, "
                            "and optionally a bias gradient init; got "
                         << getOutputs().size() << " inits";
  if (failed(verifyResultsMatchInits(op, getOutputs())))
    return failure();
  // dQ, dK, dV have the shapes of Q, K, V: dK and dV are summed over the
  // query heads of a group.
  auto grads = {std::make_tuple("query gradient init", getQueryGradInit(), q,
                                "[B, Hq, Nq, D]"),
                std::make_tuple("key gradient init", getKeyGradInit(), k,
                                "[B, Hkv, Nk, D]"),
                std::make_tuple("value gradient init", getValueGradInit(), v,
                                "[B, Hkv, Nk, Dv]")};
  for (auto [name, init, like, shapeText] : grads)
    if (failed(verifyOperandShape(op, name, cast<ShapedType>(init.getType()),
                                  like.getShape(), shapeText, elt)))
      return failure();

  if (Value dBias = getBiasGradInit()) {
    Value mask = getMask();
    if (!mask)
      return emitOpError() << "a bias gradient init needs a bias: there is no "
                              "mask operand";
    auto m = cast<ShapedType>(mask.getType());
    if (m.getElementType().isInteger(1))
      return emitOpError() << "an i1 keep-mask has no gradient: a bias "
                              "gradient init needs an additive (float) mask";
    auto db = cast<ShapedType>(dBias.getType());
    // The gradient keeps the bias's broadcast shape: a static 1 stays 1.
    if (db.getElementType() != m.getElementType() ||
        db.getRank() != m.getRank() ||
        !llvm::all_of(llvm::seq<int64_t>(0, m.getRank()), [&](int64_t i) {
          return (db.getDimSize(i) == 1) == (m.getDimSize(i) == 1) &&
                 compatible(db.getDimSize(i), m.getDimSize(i));
        }))
      return emitOpError() << "bias gradient init must have the bias's shape "
                              "and element type "
                           << m << ", got " << db;
  }
  // A recorded decision may not break the request for a bit-identical
  // result.
  if (BackwardScheduleAttr schedule = getScheduleAttr();
      schedule && getDeterministic() &&
      schedule.getDq() == DqAccumulation::Atomic)
    return emitOpError() << "is deterministic but its schedule " << schedule
                         << " accumulates dQ with unordered atomic adds";
  // The compacted walk lists the q-blocks the block mask keeps, in a list
  // of static size (docs/BlockSparse.md, "The compacted walk").
  if (BackwardScheduleAttr schedule = getScheduleAttr();
      schedule && schedule.getWalk() == BlockMaskWalk::Compacted) {
    if (!getBlockMask())
      return emitOpError() << "schedule " << schedule
                           << " walks the q-blocks a block mask keeps, but "
                              "the op has no block mask";
    if (getQueryType().isDynamicDim(2))
      return emitOpError() << "schedule " << schedule
                           << " needs a static Nq: its list of q-blocks "
                              "has a static size";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Side effects and bufferization
//===----------------------------------------------------------------------===//
//
// Both ops read every input and write every init, which they never read;
// one model implements BufferizableOpInterface for both.

static void getDpsEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // On tensors the op is pure; on buffers it reads the inputs and writes
  // the inits (which it never reads).
  if (!op.hasPureBufferSemantics())
    return;
  for (OpOperand &operand : op->getOpOperands()) {
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

namespace {
/// BufferizableOpInterface of the fa ops (destination-passing style): the
/// inputs are read, the inits are written in place and never read, and the
/// op is rebuilt on the buffers without results, its attributes and
/// properties kept.
template <typename OpTy>
struct DpsOpBufferizationModel
    : public bufferization::BufferizableOpInterface::ExternalModel<
          DpsOpBufferizationModel<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<OpTy>(op).isDpsInit(&operand);
  }

  bool bufferizesToMemoryWrite(Operation *op, OpOperand &operand,
                               const bufferization::AnalysisState &) const {
    return cast<OpTy>(op).isDpsInit(&operand);
  }

  bufferization::AliasingValueList
  getAliasingValues(Operation *op, OpOperand &operand,
                    const bufferization::AnalysisState &) const {
    auto dpsOp = cast<OpTy>(op);
    if (!dpsOp.isDpsInit(&operand))
      return {};
    return {{dpsOp.getTiedOpResult(&operand),
             bufferization::BufferRelation::Equivalent,
             /*isDefinite=*/true}};
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    SmallVector<NamedAttribute> discardable =
        llvm::to_vector(op->getDiscardableAttrs());
    OperationState bufferized(op->getLoc(), op->getName(), buffers,
                              /*types=*/TypeRange(), discardable);
    bufferized.propertiesAttr = op->getPropertiesAsAttribute();
    rewriter.create(bufferized);
    SmallVector<Value> inits;
    for (OpOperand &init : cast<OpTy>(op).getDpsInitsMutable())
      inits.push_back(buffers[init.getOperandNumber()]);
    bufferization::replaceOpWithBufferizedValues(rewriter, op, inits);
    return success();
  }
};
} // namespace

void mlir::fa::detail::attachBufferizationModels(MLIRContext *ctx) {
  AttentionOp::attachInterface<DpsOpBufferizationModel<AttentionOp>>(*ctx);
  AttentionGradOp::attachInterface<DpsOpBufferizationModel<AttentionGradOp>>(
      *ctx);
}

void AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

void AttentionGradOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}
