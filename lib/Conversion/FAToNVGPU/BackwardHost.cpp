//===- BackwardHost.cpp - The host part of the tensor-core backwards -----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// What the mma.sync and the wgmma backward share (docs/Backward.md, "On the
// GPU: the mma.sync kernels"): three kernels launched in order on the host
// function's stream, with two scratch buffers the manifest records (D
// [B, Hq, Nq] and the dQ accumulator [B, Hq, Nq, D], both f32):
//
//  1. preprocess, grid (q-blocks, Hq, B): D = rowsum(dO * O), dQacc = 0;
//  2. main, grid (kv-blocks, Hkv, B): the kind's (BackwardKernels.cpp,
//     WgmmaBackward.cpp), adding dQ atomically to dQacc;
//  3. convert, grid (q-blocks, Hq, B): dQ = scale * dQacc.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// BackwardContext
//===----------------------------------------------------------------------===//

BackwardContext::BackwardContext(AttentionGradOp op, ImplicitLocOpBuilder &b,
                                 const Tiling &tiling)
    : Emitter(b), op(op), t(tiling) {
  elt = op.getQueryType().getElementType();
  f32 = b.getF32Type();
  d = op.getHeadDim();
  dv = op.getValueHeadDim();
  threads = 32 * t.warps;
  group = op.getGroupSize();
  causal = op.getCausal();
  scale = op.getScaleValue();
}

Value BackwardContext::dim(Value memref, int64_t i) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(i))
    return idx(type.getDimSize(i));
  return memref::DimOp::create(b, memref, i);
}

void BackwardContext::openLaunch(Value gridX, int64_t heads, int64_t smem) {
  launch = gpu::LaunchOp::create(b, gridX, idx(heads), batchSize,
                                 idx(threads), one, one, i32c(smem));
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);
  blockX = launch.getBlockIds().x;
  head = launch.getBlockIds().y;
  batch = launch.getBlockIds().z;
  tid = launch.getThreadIds().x;
  lane = remc(tid, 32);
  warp = divc(tid, 32);
}

Value BackwardContext::load(Value memref, ValueRange indices) {
  return memref::LoadOp::create(b, memref, indices);
}

void BackwardContext::setUpScoreConstants() {
  scaleLog2 = f32c(scale * M_LOG2E);
  log2e = f32c(M_LOG2E);
  negInf = f32c(-std::numeric_limits<float>::infinity());
  zero = f32c(0.0);
}

Value BackwardContext::visible(Value kvRow, Value qRow, Value h) {
  Value ok = arith::AndIOp::create(b, cmp(arith::CmpIPredicate::ult, kvRow, nk),
                                   cmp(arith::CmpIPredicate::ult, qRow, nq));
  if (causal)
    ok = arith::AndIOp::create(
        b, ok,
        cmp(arith::CmpIPredicate::sle, kvRow, add(qRow, sub(nk, nq))));
  Value mask = op.getMask();
  if (!mask)
    return ok;
  // The keep-mask, broadcast along its static unit dimensions; indices
  // clamped into range (out-of-range entries are dropped above).
  auto type = cast<MemRefType>(mask.getType());
  SmallVector<Value> full = {batch, h, minu(qRow, lastIndex(nq)),
                             minu(kvRow, lastIndex(nk))};
  SmallVector<Value> indices;
  for (int64_t i = 0; i < 4; ++i)
    indices.push_back(type.getDimSize(i) == 1 ? idx(0) : full[i]);
  return arith::AndIOp::create(b, ok, load(mask, indices));
}

Value BackwardContext::rowValue(Value rows, Value h, Value qRow) {
  return load(rows, {batch, h, minu(qRow, lastIndex(nq))});
}

Value BackwardContext::probability(Value s, Value lse, Value live) {
  Value x = arith::MulFOp::create(b, s, scaleLog2);
  x = arith::SubFOp::create(b, x, arith::MulFOp::create(b, lse, log2e));
  live = arith::AndIOp::create(
      b, live,
      arith::CmpFOp::create(b, arith::CmpFPredicate::ONE, lse, negInf));
  return select(live, exp2(x), zero);
}

void BackwardContext::storeKeyValueGradients(
    llvm::function_ref<Value(int64_t, int64_t, int64_t)> value,
    llvm::function_ref<Value(int64_t)> row,
    llvm::function_ref<Value(int64_t, int64_t)> col) {
  Value scaleValue = f32c(scale);
  for (int64_t r = 0; r < 2; ++r) {
    Value kvRow = row(r);
    ifThen(cmp(arith::CmpIPredicate::ult, kvRow, nk), [&] {
      for (int64_t n = 0; n < (d + dv) / 8; ++n) {
        bool isK = n < d / 8;
        Value dst = isK ? op.getKeyGradInit() : op.getValueGradInit();
        int64_t tile = isK ? n : n - d / 8;
        for (int64_t c = 0; c < 2; ++c) {
          Value v = value(n, r, c);
          if (isK)
            v = arith::MulFOp::create(b, v, scaleValue);
          memref::StoreOp::create(b, toElt(v), dst,
                                  ValueRange{batch, head, kvRow, col(tile, c)});
        }
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// The preprocess and convert kernels
//===----------------------------------------------------------------------===//

static void buildPreprocess(BackwardContext &k) {
  // A warp per row: lanes stride its columns, a butterfly sums them.
  k.openLaunch(k.numQBlocks, k.op.getNumQueryHeads(), 0);
  ImplicitLocOpBuilder &b = k.b;
  Value qBase = k.mulc(k.blockX, k.t.blockQ);
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp rows = k.openLoop(k.warp, k.idx(k.t.blockQ), k.idx(k.t.warps));
  Value row = k.add(qBase, rows.getInductionVar());
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
    auto sum = scf::ForOp::create(b, k.lane, k.idx(k.dv), k.idx(32),
                                  ValueRange{k.f32c(0.0)});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(sum.getBody());
      Value col = sum.getInductionVar();
      SmallVector<Value> at = {k.batch, k.head, row, col};
      Value prod = arith::MulFOp::create(
          b, k.toF32(k.load(k.op.getOutGrad(), at)),
          k.toF32(k.load(k.op.getOut(), at)));
      scf::YieldOp::create(
          b, ValueRange{arith::AddFOp::create(b, sum.getRegionIterArg(0),
                                              prod)});
    }
    Value total = sum.getResult(0);
    for (int64_t off = 16; off >= 1; off /= 2)
      total = arith::AddFOp::create(b, total, k.shuffleXor(total, off));
    k.ifThen(k.cmp(arith::CmpIPredicate::eq, k.lane, k.idx(0)), [&] {
      memref::StoreOp::create(b, total, k.rowDot,
                              ValueRange{k.batch, k.head, row});
    });
    OpBuilder::InsertionGuard inner(b);
    scf::ForOp cols = k.openLoop(k.lane, k.idx(k.d), k.idx(32));
    memref::StoreOp::create(
        b, k.f32c(0.0), k.dqAcc,
        ValueRange{k.batch, k.head, row, cols.getInductionVar()});
  });
}

static void buildConvert(BackwardContext &k) {
  k.openLaunch(k.numQBlocks, k.op.getNumQueryHeads(), 0);
  ImplicitLocOpBuilder &b = k.b;
  Value qBase = k.mulc(k.blockX, k.t.blockQ);
  Value scale = k.f32c(k.scale);
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp loop =
      k.openLoop(k.tid, k.idx(k.t.blockQ * k.d), k.idx(k.threads));
  Value e = loop.getInductionVar();
  Value row = k.add(qBase, k.divc(e, k.d));
  Value col = k.remc(e, k.d);
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
    SmallVector<Value> at = {k.batch, k.head, row, col};
    Value v = arith::MulFOp::create(b, k.load(k.dqAcc, at), scale);
    memref::StoreOp::create(b, k.toElt(v), k.op.getQueryGradInit(), at);
  });
}

//===----------------------------------------------------------------------===//
// The host part
//===----------------------------------------------------------------------===//

void mlir::fa::nvgpu_kernel::buildBackwardHost(
    BackwardContext &k, llvm::function_ref<void()> buildMain) {
  AttentionGradOp op = k.op;
  ImplicitLocOpBuilder &b = k.b;
  k.one = k.idx(1);
  k.batchSize = k.dim(op.getQuery(), 0);
  k.nq = k.dim(op.getQuery(), 2);
  k.nk = k.dim(op.getKey(), 2);
  k.numQBlocks = k.blocks(k.nq, k.t.blockQ);
  // The scratch buffers: D and the f32 dQ accumulator, in the query's shape.
  auto qType = cast<MemRefType>(op.getQuery().getType());
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < 3; ++i)
    if (qType.isDynamicDim(i))
      dynamic.push_back(k.dim(op.getQuery(), i));
  k.rowDot = memref::AllocOp::create(
      b, MemRefType::get(qType.getShape().take_front(3), k.f32), dynamic);
  k.dqAcc = memref::AllocOp::create(
      b, MemRefType::get(qType.getShape(), k.f32), dynamic);
  OpBuilder::InsertPoint host = b.saveInsertionPoint();
  buildPreprocess(k);
  b.restoreInsertionPoint(host);
  buildMain();
  b.restoreInsertionPoint(host);
  buildConvert(k);
  b.restoreInsertionPoint(host);
  memref::DeallocOp::create(b, k.rowDot);
  memref::DeallocOp::create(b, k.dqAcc);
}
