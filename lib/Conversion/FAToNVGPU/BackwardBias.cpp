//===- BackwardBias.cpp - The additive bias of the tensor-core backwards --===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The bias and its gradient on the mma.sync backward (docs/Backward.md, "The
// bias on the tensor-core backwards"): a plain store of dS where the bias
// broadcasts nothing, f32 atomic adds where it does (the SIMT backward's
// nest 4 recomputes dS instead; here dS is already in registers).
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

BackwardBias::BackwardBias(BackwardContext &k) : k(k) {
  if (!hasAdditiveBias(k.op))
    return;
  bias = k.op.getMask();
  biasType = cast<MemRefType>(bias.getType());
  grad = k.op.getBiasGradInit();
  for (int64_t i = 0; i < 4; ++i)
    summed |= maskBroadcasts(k.op, i);
}

void BackwardBias::allocate() {
  if (!grad)
    return;
  k.biasAcc = grad;
  if (!summed || biasType.getElementType().isF32())
    return;
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < 4; ++i)
    if (biasType.isDynamicDim(i))
      dynamic.push_back(k.dim(bias, i));
  k.biasScratch = memref::AllocOp::create(
      k.b, MemRefType::get(biasType.getShape(), k.f32), dynamic);
  k.biasAcc = k.biasScratch;
}

SmallVector<Value> BackwardBias::indices(Value h, Value qRow, Value kvRow) {
  SmallVector<Value> full = {k.batch, h, qRow, kvRow};
  for (int64_t i = 0; i < 4; ++i)
    if (broadcasts(i))
      full[i] = k.idx(0);
  return full;
}

void BackwardBias::forEachOwned(llvm::function_ref<void(ValueRange)> body) {
  // The block (q-block, head, batch) owns the elements of its rows, head
  // and batch; a broadcast dimension's one index belongs to block 0 of it.
  ImplicitLocOpBuilder &b = k.b;
  Value owner = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
  Value ids[3] = {k.batch, k.head, k.blockX};
  for (int64_t i = 0; i < 3; ++i)
    if (broadcasts(i))
      owner = arith::AndIOp::create(
          b, owner, k.cmp(arith::CmpIPredicate::eq, ids[i], k.idx(0)));
  k.ifThen(owner, [&] {
    OpBuilder::InsertionGuard guard(b);
    Value qBase = k.mulc(k.blockX, k.t.blockQ);
    Value rows = broadcasts(2) ? k.one
                               : k.minu(k.idx(k.t.blockQ), k.sub(k.nq, qBase));
    Value cols = broadcasts(3) ? k.one : k.nk;
    scf::ForOp rowLoop = k.openLoop(k.idx(0), rows, k.one);
    Value row = broadcasts(2) ? k.idx(0)
                              : k.add(qBase, rowLoop.getInductionVar());
    scf::ForOp colLoop = k.openLoop(k.tid, cols, k.idx(k.threads));
    body(indices(k.head, row, colLoop.getInductionVar()));
  });
}

void BackwardBias::zero() {
  if (!grad)
    return;
  Type type = cast<MemRefType>(k.biasAcc.getType()).getElementType();
  Value zeroValue = arith::ConstantOp::create(k.b, k.b.getZeroAttr(type));
  forEachOwned([&](ValueRange at) {
    memref::StoreOp::create(k.b, zeroValue, k.biasAcc, at);
  });
}

void BackwardBias::convert() {
  if (!k.biasScratch)
    return;
  Type type = biasType.getElementType();
  forEachOwned([&](ValueRange at) {
    Value v = k.load(k.biasScratch, at);
    memref::StoreOp::create(k.b, arith::TruncFOp::create(k.b, type, v), grad,
                            at);
  });
}

Value BackwardBias::value(Value h, Value qRow, Value kvRow, bool inRange) {
  if (!bias)
    return Value();
  if (!inRange) {
    qRow = k.minu(qRow, k.lastIndex(k.nq));
    kvRow = k.minu(kvRow, k.lastIndex(k.nk));
  }
  return k.toF32(k.load(bias, indices(h, qRow, kvRow)));
}

Value BackwardBias::addToExponent(Value x, Value h, Value qRow, Value kvRow,
                                  bool inRange) {
  if (!bias)
    return x;
  return math::FmaOp::create(k.b, value(h, qRow, kvRow, inRange),
                             k.f32c(M_LOG2E), x);
}

void BackwardBias::addGradient(Value h, Value qRow, Value kvRow, Value ds) {
  if (!grad)
    return;
  ImplicitLocOpBuilder &b = k.b;
  Value inRange =
      arith::AndIOp::create(b, k.cmp(arith::CmpIPredicate::ult, qRow, k.nq),
                            k.cmp(arith::CmpIPredicate::ult, kvRow, k.nk));
  k.ifThen(inRange, [&] {
    SmallVector<Value> at = indices(h, qRow, kvRow);
    if (summed) {
      memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf, ds,
                                  k.biasAcc, at);
      return;
    }
    Type type = biasType.getElementType();
    Value v = type.isF32() ? ds : arith::TruncFOp::create(b, type, ds);
    memref::StoreOp::create(b, v, k.biasAcc, at);
  });
}
