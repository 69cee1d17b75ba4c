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
//  1. preprocess, grid (q-blocks, Hq, B): D = rowsum(dO * O), dQacc = 0
//     (with dq = ordered, the q-block's semaphore = 0: a third scratch
//     buffer, [B, Hq, q-blocks] i32);
//  2. main, grid (kv-blocks, Hkv, B): the kind's (BackwardKernels.cpp,
//     WgmmaBackward.cpp), adding dQ atomically to dQacc (ordered: in a
//     fixed kv-block order);
//  3. convert, grid (q-blocks, Hq, B): dQ = scale * dQacc.
//
// With an additive bias whose gradient is asked for, the preprocess kernel
// also zeroes dBias (or its f32 scratch) and the convert kernel rounds the
// scratch into dBias (BackwardBias.cpp).
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
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
  window = op.getWindowAttr();
  orderedDq = op.getScheduleAttr() &&
              op.getScheduleAttr().getDq() == DqAccumulation::Ordered;
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
  MaskPatternAttr pattern = op.getMaskPatternAttr();
  if (pattern) {
    // The window (its two bounds; causal checked above), a chunk or a
    // butterfly, or'ed with the global rows and keys.
    Value diagonal = add(qRow, sub(nk, nq));
    Value local;
    if (window) {
      local = cmp(arith::CmpIPredicate::sge, kvRow,
                  addc(diagonal, -window.getLeft()));
      if (!causal)
        local = arith::AndIOp::create(
            b, local,
            cmp(arith::CmpIPredicate::sle, kvRow,
                addc(diagonal, window.getRight())));
    }
    ok = arith::AndIOp::create(
        b, ok, patternKeep(*this, pattern, local, diagonal, kvRow));
  } else if (window) {
    // diagonal - left <= key (<= diagonal + right; causal checked above).
    Value diagonal = add(qRow, sub(nk, nq));
    ok = arith::AndIOp::create(
        b, ok,
        cmp(arith::CmpIPredicate::sge, kvRow, addc(diagonal, -window.getLeft())));
    if (!causal)
      ok = arith::AndIOp::create(
          b, ok,
          cmp(arith::CmpIPredicate::sle, kvRow,
              addc(diagonal, window.getRight())));
  }
  Value mask = op.getMask();
  if (!mask || hasAdditiveBias(op))
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

Value BackwardContext::pairInterior(Value qBase, Value kvBase, Value kvWhole) {
  if (op.getMask() && !hasAdditiveBias(op))
    return arith::ConstantIntOp::create(b, b.getI1Type(), 0);
  Value inside = arith::AndIOp::create(
      b, kvWhole, cmp(arith::CmpIPredicate::ule, addc(qBase, t.blockQ), nq));
  std::optional<int64_t> right = rightExtent();
  if (right) {
    // The block's last key on or left of its first row's diagonal (plus
    // the window's right extent): kvBase + block_kv - 1 <= qBase + Nk - Nq
    // + right.
    Value lastKey = add(addc(kvBase, t.blockKV - 1), nq);
    inside = arith::AndIOp::create(
        b, inside,
        cmp(arith::CmpIPredicate::ule, lastKey, addc(add(qBase, nk), *right)));
  }
  if (!window)
    return inside;
  // The block's first key within its last row's window: qBase + block_q -
  // 1 + Nk - Nq - left <= kvBase.
  Value lastRow = addc(add(qBase, nk), t.blockQ - 1);
  return arith::AndIOp::create(b, inside,
                               cmp(arith::CmpIPredicate::ule, lastRow,
                                   addc(add(kvBase, nq), window.getLeft())));
}

Value BackwardContext::blockLive(Value h, Value qBase, Value kvBase) {
  // A static 1 is broadcast (docs/BlockSparse.md); the mask's blocks are
  // multiples of the tiling's.
  Value mask = op.getBlockMask();
  auto type = cast<MemRefType>(mask.getType());
  BlockSparseAttr blocks = op.getBlockSparseAttr();
  Value entry = load(
      mask, {type.getDimSize(0) == 1 ? idx(0) : batch,
             type.getDimSize(1) == 1 ? idx(0) : h,
             divc(qBase, blocks.getBlockQ()), divc(kvBase, blocks.getBlockKv())});
  Value zero = arith::ConstantIntOp::create(b, entry.getType(), 0);
  return cmp(arith::CmpIPredicate::ne, entry, zero);
}

Value BackwardContext::blockLiveIf(Value exists, Value h, Value qBase,
                                   Value kvBase) {
  auto live = scf::IfOp::create(b, b.getI1Type(), exists,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&live.getThenRegion().front());
  scf::YieldOp::create(b, blockLive(h, qBase, kvBase));
  b.setInsertionPointToStart(&live.getElseRegion().front());
  scf::YieldOp::create(b, exists);
  return live.getResult(0);
}

Value BackwardContext::kvBlockIndex() {
  // Ordered dQ: kv-block j waits for j + 1 (descending order), so the grid
  // launches the last kv-block first: a block waits only for blocks
  // earlier in launch order (docs/Backward.md, "Deterministic dQ").
  if (!orderedDq)
    return blockX;
  return sub(sub(launch.getGridSize().x, blockX), one);
}

Value BackwardContext::firstQueryBlock(Value kvBase, bool clamp) {
  // The first q-block that sees key kvBase: row kvBase + Nq - Nk - right
  // (causal: right = 0).
  std::optional<int64_t> right = rightExtent();
  if (!right)
    return idx(0);
  Value row = addc(sub(kvBase, sub(nk, nq)), -*right);
  row = arith::MaxSIOp::create(b, row, idx(0));
  Value first = divc(row, t.blockQ);
  return clamp ? minu(first, numQBlocks) : first;
}

Value BackwardContext::queryBlockEnd(Value kvBase) {
  if (!window)
    return numQBlocks;
  // The last row that sees the block's last key is kvBase + block_kv - 1 +
  // Nq - Nk + left (the tiled form's getQueryBlockEnd).
  Value lastRowEnd =
      addc(sub(kvBase, sub(nk, nq)), t.blockKV + window.getLeft());
  Value end = arith::CeilDivSIOp::create(b, lastRowEnd, idx(t.blockQ));
  return arith::MinSIOp::create(b, arith::MaxSIOp::create(b, end, idx(0)),
                                numQBlocks);
}

Value BackwardContext::orderedTurn(Value kvBlock, Value qBlock) {
  // The kv-blocks that visit q-block i are [lo(i), hi(i)] (the causal and
  // window bounds grow with the kv-block); they add in descending order,
  // so kv-block j's turn is hi(i) - j. hi(i) is the last kv-block whose
  // first key the q-block's last row sees: ceil(((i + 1) block_q + Nk - Nq
  // + right) / block_kv) - 1, the grid's last without a right bound.
  Value numKV = launch.getGridSize().x;
  Value hi = lastIndex(numKV);
  if (std::optional<int64_t> right = rightExtent()) {
    Value keys = addc(add(mulc(addc(qBlock, 1), t.blockQ), sub(nk, nq)),
                      *right);
    Value end = arith::CeilDivSIOp::create(b, keys, idx(t.blockKV));
    hi = sub(arith::MinSIOp::create(b, end, numKV), one);
  }
  return sub(hi, kvBlock);
}

Value BackwardContext::semaphoreAddress(Value h, Value qBlock) {
  Value linear = add(mul(add(mul(batch, dim(semaphores, 1)), h),
                         dim(semaphores, 2)),
                     qBlock);
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(b, semaphores);
  Value address = add(base, mulc(linear, 4));
  return arith::IndexCastOp::create(b, b.getI64Type(), address);
}

Value BackwardContext::loadTurn(OpBuilder &ob, Location loc, Value address) {
  return LLVM::InlineAsmOp::create(
             ob, loc, ob.getI32Type(), ValueRange{address},
             "ld.relaxed.gpu.global.b32 $0, [$1];", "=r,l",
             /*has_side_effects=*/true, /*is_align_stack=*/false,
             LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr())
      .getRes();
}

Value BackwardContext::peekTurn(Value address) {
  // Thread 0's early read: a relaxed load, not waited for until its value
  // is compared (waitForTurn), so its latency hides behind the step's
  // products.
  auto read = scf::IfOp::create(b, b.getI32Type(),
                                cmp(arith::CmpIPredicate::eq, tid, idx(0)),
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&read.getThenRegion().front());
  scf::YieldOp::create(b, loadTurn(b, b.getLoc(), address));
  b.setInsertionPointToStart(&read.getElseRegion().front());
  scf::YieldOp::create(b, i32c(-1));
  return read.getResult(0);
}

void BackwardContext::waitForTurn(Value address, Value turn, Value seen) {
  // CUTLASS's GenericBarrier::wait_eq as a relaxed spin and one acquire
  // fence: from thread 0's early read, relaxed loads until the semaphore
  // holds `turn`, then fence.acq_rel.gpu (the adds the kv-block before
  // released with passTurn are visible after it); the caller's barrier
  // then lets the block's threads add.
  Value expected = arith::IndexCastOp::create(b, b.getI32Type(), turn);
  ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
    scf::WhileOp::create(
        b, TypeRange{b.getI32Type()}, ValueRange{seen},
        [&](OpBuilder &ob, Location loc, ValueRange args) {
          Value waiting = arith::CmpIOp::create(
              ob, loc, arith::CmpIPredicate::ne, args[0], expected);
          scf::ConditionOp::create(ob, loc, waiting, args);
        },
        [&](OpBuilder &ob, Location loc, ValueRange) {
          scf::YieldOp::create(ob, loc, loadTurn(ob, loc, address));
        });
    LLVM::InlineAsmOp::create(b, TypeRange{}, ValueRange{},
                              "fence.acq_rel.gpu;", "",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::TailCallKind::None, LLVM::AsmDialectAttr(),
                              ArrayAttr());
  });
}

void BackwardContext::passTurn(Value address) {
  // CUTLASS's GenericBarrier::arrive_inc: after a barrier, one thread's
  // fence.acq_rel.gpu releases the whole block's earlier writes (the
  // barrier orders them before it), then a relaxed add at gpu scope.
  ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
    LLVM::InlineAsmOp::create(
        b, TypeRange{}, ValueRange{address},
        "fence.acq_rel.gpu;\n\tred.relaxed.gpu.global.add.s32 [$0], 1;", "l",
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  });
}

//===----------------------------------------------------------------------===//
// DqTurns
//===----------------------------------------------------------------------===//

void DqTurns::passTurnOf(StepFn step) {
  auto [h, block] = step();
  k.passTurn(k.semaphoreAddress(h, block));
}

void DqTurns::begin(Value hasPrevious, StepFn previous, Value h, Value block) {
  k.ifThen(hasPrevious, [&] { passTurnOf(previous); });
  // The read's latency hides behind the step's products.
  qBlock = block;
  address = k.semaphoreAddress(h, qBlock);
  seen = k.peekTurn(address);
}

void DqTurns::wait() {
  k.waitForTurn(address, k.orderedTurn(kvBlock, qBlock), seen);
}

void DqTurns::finish(Value hasLast, StepFn last) {
  gpu::BarrierOp::create(k.b);
  k.ifThen(hasLast, [&] { passTurnOf(last); });
}

//===----------------------------------------------------------------------===//
// QueryBlockList
//===----------------------------------------------------------------------===//

QueryBlockList::QueryBlockList(BackwardContext &k, Value kvBlock) : k(k) {
  // BlockClassifier's decision for the tiling, made once: this kv-block's
  // q-blocks, full pairs first.
  BlockLists blockLists =
      BlockClassifier(getAttentionProblem(k.op).maskPattern(), k.t.blockQ,
                      k.t.blockKV)
          .lists(/*byKVBlock=*/true);
  lists = blockListGlobal(k.b, k.op, blockLists);
  last = k.idx(int64_t(blockLists.data.size()) - 1);
  begin = loadListEntry(k, lists, kvBlock);
  count = k.sub(loadListEntry(k, lists, k.addc(kvBlock, 1)), begin);
  fullCount = loadListEntry(
      k, lists, k.addc(kvBlock, blockLists.fullCountIndex(0)));
}

Value QueryBlockList::queryBlock(Value position) {
  return loadListEntry(k, lists, k.minu(k.add(begin, position), last));
}

Value QueryBlockList::full(Value position) {
  // A keep-mask may hide any score of a full pair (a bias, which comes
  // through the same operand, does not).
  if (k.op.getMask() && !hasAdditiveBias(k.op))
    return arith::ConstantIntOp::create(k.b, k.b.getI1Type(), 0);
  return k.cmp(arith::CmpIPredicate::ult, position, fullCount);
}

Value BackwardContext::rowValue(Value rows, Value h, Value qRow) {
  return load(rows, {batch, h, minu(qRow, lastIndex(nq))});
}

Value BackwardContext::probability(Value s, Value lse, Value live,
                                   Value bias) {
  Value x = arith::MulFOp::create(b, s, scaleLog2);
  if (bias)
    x = math::FmaOp::create(b, bias, log2e, x);
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
  BackwardBias(k).zero();
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
  // Ordered dQ: no kv-block has added to this q-block yet.
  if (k.orderedDq)
    k.ifThen(k.cmp(arith::CmpIPredicate::eq, k.tid, k.idx(0)), [&] {
      memref::StoreOp::create(b, k.i32c(0), k.semaphores,
                              ValueRange{k.batch, k.head, k.blockX});
    });
}

static void buildConvert(BackwardContext &k) {
  k.openLaunch(k.numQBlocks, k.op.getNumQueryHeads(), 0);
  ImplicitLocOpBuilder &b = k.b;
  BackwardBias(k).convert();
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
  if (k.orderedDq) {
    // One semaphore per (batch, query head, q-block).
    SmallVector<int64_t> shape(qType.getShape().take_front(3));
    SmallVector<Value> sizes(dynamic.begin(), dynamic.end());
    if (qType.isDynamicDim(2))
      sizes.back() = k.numQBlocks;
    else
      shape[2] = llvm::divideCeil(shape[2], k.t.blockQ);
    k.semaphores = memref::AllocOp::create(
        b, MemRefType::get(shape, b.getI32Type()), sizes);
  }
  BackwardBias(k).allocate();
  OpBuilder::InsertPoint host = b.saveInsertionPoint();
  buildPreprocess(k);
  b.restoreInsertionPoint(host);
  buildMain();
  b.restoreInsertionPoint(host);
  buildConvert(k);
  b.restoreInsertionPoint(host);
  memref::DeallocOp::create(b, k.rowDot);
  memref::DeallocOp::create(b, k.dqAcc);
  if (k.semaphores)
    memref::DeallocOp::create(b, k.semaphores);
  if (k.biasScratch)
    memref::DeallocOp::create(b, k.biasScratch);
}
