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

void AttentionOp::build(OpBuilder &b, OperationState &state, Value query,
                        Value key, Value value, Value mask,
                        ValueRange outputs, FloatAttr scale, bool causal) {
  build(b, state, outputs.getTypes(), query, key, value, mask, outputs, scale,
        causal, /*tiling=*/TilingAttr(), /*schedule=*/ScheduleAttr());
}

double AttentionOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getHeadDim()));
}

/// True when two extents may be equal: equal, or one of them dynamic.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static bool isAttentionElementType(Type t) {
  return t.isF16() || t.isBF16() || t.isF32();
}

LogicalResult AttentionOp::verify() {
  // Tensor semantics (results) or buffer semantics (none), never mixed.
  bool buffers = isa<MemRefType>(getQuery().getType());
  for (Value operand : getOperation()->getOperands())
    if (isa<MemRefType>(operand.getType()) != buffers)
      return emitOpError() << "operands must be all tensors or all memrefs";
  if (buffers && !getResults().empty())
    return emitOpError() << "on memrefs has no results (the inits are "
                            "written in place)";
  auto q = getQueryType(), k = getKeyType(), v = getValueType();
  auto named = {std::make_pair("query", q), std::make_pair("key", k),
                std::make_pair("value", v)};
  for (auto [name, type] : named)
    if (type.getRank() != 4)
      return emitOpError() << name << " must have rank 4 ([B, H, N, D]), got "
                           << type;

  Type elt = q.getElementType();
  if (!isAttentionElementType(elt))
    return emitOpError() << "element type must be f16, bf16 or f32, got "
                         << elt;
  if (k.getElementType() != elt || v.getElementType() != elt)
    return emitOpError() << "query, key and value must share one element "
                            "type, got "
                         << elt << ", " << k.getElementType() << ", "
                         << v.getElementType();

  // Head counts and head dims are static; batch and sequence may be dynamic.
  for (auto [name, type] : named)
    if (type.isDynamicDim(1) || type.isDynamicDim(3))
      return emitOpError() << name
                           << " head count and head dimension must be static";

  if (!compatible(q.getDimSize(0), k.getDimSize(0)) ||
      !compatible(q.getDimSize(0), v.getDimSize(0)))
    return emitOpError() << "batch sizes of query, key and value differ";
  if (k.getDimSize(1) != v.getDimSize(1))
    return emitOpError() << "key and value must have the same number of "
                            "heads, got "
                         << k.getDimSize(1) << " and " << v.getDimSize(1);
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return emitOpError() << "query heads (" << hq
                         << ") must be a positive multiple of key/value heads ("
                         << hkv << ")";
  if (q.getDimSize(3) != k.getDimSize(3))
    return emitOpError() << "query and key head dimensions differ: "
                         << q.getDimSize(3) << " vs " << k.getDimSize(3);
  if (q.getDimSize(3) <= 0 || v.getDimSize(3) <= 0)
    return emitOpError() << "head dimensions must be positive";
  if (!compatible(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError() << "key and value sequence lengths differ: "
                         << k.getDimSize(2) << " vs " << v.getDimSize(2);

  // Outputs and results.
  if (getOutputs().empty() || getOutputs().size() > 2)
    return emitOpError() << "expects one output init, and optionally a "
                            "logsumexp init; got "
                         << getOutputs().size() << " inits";
  if (!buffers && getResults().size() != getOutputs().size())
    return emitOpError() << "expects one result per init";
  for (auto [init, result] : llvm::zip(getOutputs(), getResults()))
    if (init.getType() != result.getType())
      return emitOpError() << "result type " << result.getType()
                           << " does not match its init type "
                           << init.getType();

  auto o = cast<ShapedType>(getOutput().getType());
  if (o.getElementType() != elt)
    return emitOpError() << "output element type " << o.getElementType()
                         << " must match the input element type " << elt;
  SmallVector<int64_t> expectO = {q.getDimSize(0), hq, q.getDimSize(2),
                                  v.getDimSize(3)};
  if (o.getRank() != 4 ||
      !llvm::all_of(llvm::seq<int64_t>(0, 4), [&](int64_t i) {
        return compatible(o.getDimSize(i), expectO[i]);
      }))
    return emitOpError() << "output must have shape [B, Hq, Nq, Dv] = ["
                         << q.getDimSize(0) << ", " << hq << ", "
                         << q.getDimSize(2) << ", " << v.getDimSize(3)
                         << "] (? is dynamic), got " << o;

  if (Value lse = getLseInit()) {
    auto l = cast<ShapedType>(lse.getType());
    if (l.getRank() != 3 || !l.getElementType().isF32() ||
        !compatible(l.getDimSize(0), q.getDimSize(0)) ||
        l.getDimSize(1) != hq || !compatible(l.getDimSize(2), q.getDimSize(2)))
      return emitOpError() << "logsumexp init must be f32 of shape [B, Hq, Nq] "
                              "= ["
                           << q.getDimSize(0) << ", " << hq << ", "
                           << q.getDimSize(2) << "], got " << l;
  }

  if (Value mask = getMask()) {
    auto m = cast<ShapedType>(mask.getType());
    Type mt = m.getElementType();
    if (!isAttentionElementType(mt) && !mt.isInteger(1))
      return emitOpError() << "mask element type must be f16, bf16 or f32 "
                              "(additive) or i1 (keep), got "
                           << mt;
    SmallVector<int64_t> full = {q.getDimSize(0), hq, q.getDimSize(2),
                                 k.getDimSize(2)};
    if (m.getRank() != 4 ||
        !llvm::all_of(llvm::seq<int64_t>(0, 4), [&](int64_t i) {
          return m.getDimSize(i) == 1 || compatible(m.getDimSize(i), full[i]);
        }))
      return emitOpError() << "mask must be broadcastable to [B, Hq, Nq, Nk] "
                              "(each dimension equal or 1), got "
                           << m;
  }

  if (std::optional<APFloat> scale = getScale()) {
    double s = scale->convertToDouble();
    if (!(s > 0.0) || std::isinf(s))
      return emitOpError() << "scale must be positive and finite, got " << s;
    // The tensor-core kernels fold the scale into exp2 as the f32
    // scale * log2(e) and divide an additive mask by it (1 / scale in f32):
    // both must be finite, or every score becomes inf or NaN.
    if (!std::isfinite(static_cast<float>(s * M_LOG2E)) ||
        !std::isfinite(static_cast<float>(1.0 / s)))
      return emitOpError() << "scale must be between about 2.94e-39 and "
                              "2.36e38 (scale * log2(e) and 1 / scale are "
                              "finite f32), got "
                           << s;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Side effects and bufferization
//===----------------------------------------------------------------------===//

void AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // On tensors the op is pure; on buffers it reads the inputs and writes
  // the inits (which it never reads).
  if (!isa<MemRefType>(getQuery().getType()))
    return;
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

bool AttentionOp::bufferizesToMemoryRead(
    OpOperand &operand, const bufferization::AnalysisState &) {
  // The output and logsumexp inits are only written.
  return !isDpsInit(&operand);
}

bool AttentionOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList
AttentionOp::getAliasingValues(OpOperand &operand,
                               const bufferization::AnalysisState &) {
  if (!isDpsInit(&operand))
    return {};
  return {{getTiedOpResult(&operand), bufferization::BufferRelation::Equivalent,
           /*isDefinite=*/true}};
}

LogicalResult
AttentionOp::bufferize(RewriterBase &rewriter,
                       const bufferization::BufferizationOptions &options,
                       bufferization::BufferizationState &state) {
  SmallVector<Value> buffers;
  for (Value operand : getOperation()->getOperands()) {
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, operand, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  ValueRange all(buffers);
  unsigned numInputs = getMask() ? 4 : 3;
  rewriter.setInsertionPoint(*this);
  auto bufferized = AttentionOp::create(
      rewriter, getLoc(), TypeRange(), all[0], all[1], all[2],
      getMask() ? all[3] : Value(), all.drop_front(numInputs), getScaleAttr(),
      getCausalAttr(), getTilingAttr(), getScheduleAttr());
  // Discardable attributes carry over.
  for (NamedAttribute attr : (*this)->getDiscardableAttrs())
    bufferized->setAttr(attr.getName(), attr.getValue());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this,
                                               all.drop_front(numInputs));
  return success();
}
