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
// With the wgmma backward's split group (gqa = split, D119) two more f32
// scratch buffers, dK's and dV's accumulators [B, Hkv, Nk, D or Dv], are
// zeroed by a kernel of grid (kv-blocks, Hkv, B) before the main one and
// converted into dK and dV by one after dQ's conversion.
//
// With the wgmma backward's fused dQ conversion (dq_convert = fused, D120)
// the preprocess also sets a counter per (batch, query head, q-block) to
// the kv-blocks that visit it (the semaphores' buffer), and the main
// kernel's block that counts a q-block down to 0 converts its rows: no
// convert kernel.
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
  fusedDqConvert = op.getScheduleAttr() &&
                   op.getScheduleAttr().getDqConvert() == DqConvert::Fused;
  scale = op.getScaleValue();
}

Value BackwardContext::dim(Value memref, int64_t i) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(i))
    return idx(type.getDimSize(i));
  return memref::DimOp::create(b, memref, i);
}

void BackwardContext::openLaunch(Value gridX, int64_t heads, int64_t smem) {
  openGrid(gridX, idx(heads), batchSize, smem);
}

void BackwardContext::launchInChunks(int64_t chunk, bool fresh) {
  if (chunk <= 1)
    return;
  gpu::KernelDim3 ids = launch.getBlockIds();
  if (fresh) {
    // The hardware's ids read again by statements with side effects,
    // which LLVM neither merges with the launch's reads nor hoists.
    auto read = [&](StringRef reg) {
      Value v = LLVM::InlineAsmOp::create(
                    b, b.getI32Type(), ValueRange{},
                    ("mov.u32 $0, %ctaid." + reg + ";").str(), "=r",
                    /*has_side_effects=*/true, /*is_align_stack=*/false,
                    LLVM::TailCallKind::None, LLVM::AsmDialectAttr(),
                    ArrayAttr())
                    .getRes();
      return arith::IndexCastUIOp::create(b, b.getIndexType(), v).getResult();
    };
    ids = {read("x"), read("y"), read("z")};
  }
  // The hardware's launch index L = x + X (y + Y z) is the block's place
  // in the new order: chunk c = L / (C X) covers pairs [c C, c C + Cc),
  // Cc = min(C, Y Z - c C) (the last chunk may be short); within it, r = L
  // - c C X is kv-block r / Cc of pair c C + r % Cc (head: pair % Y,
  // batch: pair / Y). The grid's sizes are the launch's operands, not
  // the body's: constants where the shapes are static, so that the
  // divisions become multiplications and the block's ids stay 32-bit
  // values (the body's sizes are %nctaid reads).
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  Value linear = add(mul(add(mul(ids.z, grid.y), ids.y), grid.x), ids.x);
  Value pairs = mul(grid.y, grid.z);
  Value span = mulc(grid.x, chunk);
  Value chunkIndex = divu(linear, span);
  Value first = mulc(chunkIndex, chunk);
  Value width = minu(sub(pairs, first), idx(chunk));
  Value rest = sub(linear, mul(chunkIndex, span));
  Value pair = add(first, remu(rest, width));
  blockX = divu(rest, width);
  head = remu(pair, grid.y);
  batch = divu(pair, grid.y);
}

void BackwardContext::openPersistentLaunch(Value gridX, int64_t smem) {
  openGrid(gridX, one, one, smem);
}

void BackwardContext::openGrid(Value x, Value y, Value z, int64_t smem) {
  launch = gpu::LaunchOp::create(b, x, y, z, idx(threads), one, one,
                                 i32c(smem));
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

Value BackwardContext::queryBlockArrivals(Value qBlock) {
  // The main kernel's own bounds, evaluated for each kv-block: one
  // function, so the count cannot disagree with the walk.
  Type i32 = b.getI32Type();
  scf::ForOp loop = openLoop(lane, blocks(nk, t.blockKV), idx(32),
                             ValueRange{i32c(0)});
  Value kvBase = mulc(loop.getInductionVar(), t.blockKV);
  Value visits = arith::AndIOp::create(
      b,
      cmp(arith::CmpIPredicate::sle, firstQueryBlock(kvBase, /*clamp=*/false),
          qBlock),
      cmp(arith::CmpIPredicate::slt, qBlock, queryBlockEnd(kvBase)));
  scf::YieldOp::create(
      b, ValueRange{arith::AddIOp::create(
             b, loop.getRegionIterArgs()[0],
             arith::ExtUIOp::create(b, i32, visits))});
  b.setInsertionPointAfter(loop);
  Value sum = loop.getResult(0);
  for (int64_t offset : {16, 8, 4, 2, 1})
    sum = arith::AddIOp::create(b, sum, shuffleXor(sum, offset));
  return arith::IndexCastOp::create(b, b.getIndexType(), sum);
}

//===----------------------------------------------------------------------===//
// DqTurns
//===----------------------------------------------------------------------===//

void DqTurns::passTurnOf(StepFn step) {
  auto [h, block] = step();
  k.passTurn(k.semaphoreAddress(h, block));
}

void DqTurns::begin(Value hasPrevious, StepFn previous, Value h, Value block) {
  pass(hasPrevious, previous);
  read(h, block);
}

void DqTurns::pass(Value hasPrevious, StepFn previous) {
  k.ifThen(hasPrevious, [&] { passTurnOf(previous); });
}

void DqTurns::read(Value h, Value block) {
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

Value BackwardContext::keyValueGradientElement(int64_t n, Value v) {
  if (n < d / 8)
    v = arith::MulFOp::create(b, v, f32c(scale));
  return toElt(v);
}

void BackwardContext::storeKeyValueGradients(
    llvm::function_ref<Value(int64_t, int64_t, int64_t)> value,
    llvm::function_ref<Value(int64_t)> row,
    llvm::function_ref<Value(int64_t, int64_t)> col) {
  for (int64_t r = 0; r < 2; ++r) {
    Value kvRow = row(r);
    ifThen(cmp(arith::CmpIPredicate::ult, kvRow, nk), [&] {
      for (int64_t n = 0; n < (d + dv) / 8; ++n) {
        bool isK = n < d / 8;
        Value dst = isK ? op.getKeyGradInit() : op.getValueGradInit();
        int64_t tile = isK ? n : n - d / 8;
        for (int64_t c = 0; c < 2; ++c)
          memref::StoreOp::create(b, keyValueGradientElement(n, value(n, r, c)),
                                  dst,
                                  ValueRange{batch, head, kvRow, col(tile, c)});
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// The preprocess and convert kernels
//===----------------------------------------------------------------------===//
//
// Both move bytes only, so they are built for copy bandwidth
// (docs/Backward.md, "The preprocess and convert kernels", D105): 16-byte
// loads and stores, a warp's accesses contiguous, several loads in flight
// a thread.

/// f32 elements of the dQ accumulator one thread moves at once (16 bytes).
static constexpr int64_t kAccUnit = 4;
/// Accumulator units one thread of the convert kernel loads before it
/// stores any: 128 bytes in flight a thread.
static constexpr int64_t kConvertLoadsInFlight = 8;

static int64_t eltBytes(BackwardContext &k) {
  return k.elt.getIntOrFloatBitWidth() / 8;
}

namespace {
/// A block's rows of an f32 accumulator [B, H, N, cols] (and of the
/// gradient it becomes) as units of kAccUnit columns in row-major order:
/// the `blockRows` rows from `rowBase`, those past `rowEnd` excluded.
/// Consecutive units are consecutive bytes, so a warp's 32 units are one
/// contiguous run. dQ's: the q-block's rows of [B, Hq, Nq, D]; the split
/// group's dK and dV (D119): the kv-block's of [B, Hkv, Nk, D or Dv].
struct AccumulatorUnits {
  AccumulatorUnits(BackwardContext &k, Value rowBase, Value rowEnd,
                   int64_t blockRows, int64_t cols, Value head = Value())
      : k(k), head(head ? head : k.head), rowBase(rowBase),
        blockRows(blockRows), cols(cols) {
    Value rows = k.minu(k.idx(blockRows), k.sub(rowEnd, rowBase));
    count = k.mulc(rows, perRow());
  }
  int64_t perRow() const { return cols / kAccUnit; }
  /// The most units a block has (a whole block of rows).
  int64_t capacity() const { return blockRows * perRow(); }
  /// The accumulator's (and the gradient's) indices of unit `u`'s first
  /// element.
  SmallVector<Value> at(Value u) {
    return {k.batch, head, k.add(rowBase, k.divc(u, perRow())),
            k.mulc(k.remc(u, perRow()), kAccUnit)};
  }

  BackwardContext &k;
  /// The accumulator's head (k.head unless given).
  Value head;
  Value rowBase;
  int64_t blockRows, cols;
  /// The units of the block's rows below rowEnd.
  Value count;
};
} // namespace

/// D = rowsum(dO * O) of the q-block's rows: four lanes a row, eight rows a
/// warp. Bit-identical to a warp per row whose lane l sums columns l + 32m
/// in order of m and whose butterfly (offsets 16, 8, 4, 2, 1) then adds
/// the lanes' sums: lane quarter g loads the 16-byte chunks g + 4m of the
/// row, so its 8 partial sums are the strided lanes 8g .. 8g + 7's, each
/// summed in order of m; the butterfly's offsets 16 and 8 are then quarters
/// g ^ 2 and g ^ 1 (shuffles by 2 and 1), its offsets 4, 2 and 1 the
/// lane's own sums.
static void buildRowDots(BackwardContext &k, Value qBase) {
  ImplicitLocOpBuilder &b = k.b;
  int64_t width = kSharedChunkBytes / eltBytes(k);
  int64_t chunks = k.dv / width, rowsPerPass = 8 * k.t.warps;
  assert(4 * width == 32 && k.dv % width == 0 &&
         "a row's four lanes hold the sums of 32 strided lanes");
  auto chunkType = VectorType::get({width}, k.elt);
  auto sumType = VectorType::get({width}, k.f32);
  Value quarter = k.remc(k.lane, 4);
  Value warpRow = k.add(k.mulc(k.warp, 8), k.divc(k.lane, 4));
  Value zeros = arith::ConstantOp::create(
      b, DenseElementsAttr::get(sumType, b.getF32FloatAttr(0.0f)));
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp passes = k.openLoop(
      k.idx(0), k.idx(llvm::divideCeil(k.t.blockQ, rowsPerPass)), k.one);
  Value local = k.add(warpRow, k.mulc(passes.getInductionVar(), rowsPerPass));
  Value row = k.add(qBase, local);
  // Every lane loads (rows past the block or Nq clamped into range: the
  // shuffles need the whole warp); only rows of the block below Nq store.
  Value srcRow = k.minu(row, k.lastIndex(k.nq));
  Value sums = zeros;
  for (int64_t m = 0; m < (int64_t)llvm::divideCeil(chunks, 4); ++m) {
    Value chunk = k.addc(quarter, 4 * m);
    bool ragged = 4 * (m + 1) > chunks;
    Value exists;
    if (ragged) {
      exists = k.cmp(arith::CmpIPredicate::ult, chunk, k.idx(chunks));
      chunk = k.minu(chunk, k.idx(chunks - 1));
    }
    SmallVector<Value> at = {k.batch, k.head, srcRow, k.mulc(chunk, width)};
    auto loadChunk = [&](Value memref) -> Value {
      Value v = vector::LoadOp::create(b, chunkType, memref, at,
                                       /*nontemporal=*/false,
                                       llvm::Align(kSharedChunkBytes));
      return arith::ExtFOp::create(b, sumType, v);
    };
    Value prod = arith::MulFOp::create(b, loadChunk(k.op.getOutGrad()),
                                       loadChunk(k.op.getOut()));
    Value next = arith::AddFOp::create(b, sums, prod);
    // A lane past the row's chunks adds nothing (a strided lane past Dv).
    sums = ragged ? k.select(exists, next, sums) : next;
  }
  SmallVector<Value> x;
  for (int64_t i = 0; i < width; ++i)
    x.push_back(k.element(sums, i));
  for (int64_t offset : {2, 1})
    for (Value &v : x)
      v = arith::AddFOp::create(b, v, k.shuffleXor(v, offset));
  for (int64_t half = width / 2; half >= 1; half /= 2)
    for (int64_t i = 0; i < half; ++i)
      x[i] = arith::AddFOp::create(b, x[i], x[i + half]);
  Value stores = arith::AndIOp::create(
      b, k.cmp(arith::CmpIPredicate::eq, quarter, k.idx(0)),
      arith::AndIOp::create(
          b, k.cmp(arith::CmpIPredicate::ult, local, k.idx(k.t.blockQ)),
          k.cmp(arith::CmpIPredicate::ult, row, k.nq)));
  k.ifThen(stores, [&] {
    memref::StoreOp::create(b, x[0], k.rowDot,
                            ValueRange{k.batch, k.head, row});
  });
}

/// The block's rows of the accumulator `acc` (AccumulatorUnits; its
/// elements `elt`, f32 unless given) to 0, one store of kAccUnit elements a
/// unit.
static void zeroAccumulator(BackwardContext &k, Value acc, Value rowBase,
                            Value rowEnd, int64_t blockRows, int64_t cols,
                            Type elt = Type()) {
  ImplicitLocOpBuilder &b = k.b;
  elt = elt ? elt : k.f32;
  AccumulatorUnits units(k, rowBase, rowEnd, blockRows, cols);
  auto unitType = VectorType::get({kAccUnit}, elt);
  Value zeros = arith::ConstantOp::create(
      b, DenseElementsAttr::get(unitType, b.getFloatAttr(elt, 0.0)));
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp loop = k.openLoop(k.tid, units.count, k.idx(k.threads));
  vector::StoreOp::create(
      b, zeros, acc, units.at(loop.getInductionVar()),
      /*nontemporal=*/false,
      llvm::Align(kAccUnit * elt.getIntOrFloatBitWidth() / 8));
}

/// A unit of the f32 accumulator `acc` at `indices`, loaded from L2
/// (ld.global.cg): other blocks' bulk reductions wrote it during the kernel
/// and this SM's L1 is not coherent with them.
static Value loadUnitFromL2(BackwardContext &k, Value acc,
                            ArrayRef<Value> indices) {
  ImplicitLocOpBuilder &b = k.b;
  Value linear = indices[0];
  for (int64_t i = 1; i < 4; ++i)
    linear = k.add(k.mul(linear, k.dim(acc, i)), indices[i]);
  Value address = k.add(memref::ExtractAlignedPointerAsIndexOp::create(b, acc),
                        k.mulc(linear, 4));
  Type f32 = k.f32;
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                     {f32, f32, f32, f32});
  Value loaded =
      LLVM::InlineAsmOp::create(
          b, resultType,
          ValueRange{arith::IndexCastOp::create(b, b.getI64Type(), address)},
          "ld.global.cg.v4.f32 {$0, $1, $2, $3}, [$4];", "=f,=f,=f,=f,l",
          /*has_side_effects=*/true, /*is_align_stack=*/false,
          LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  SmallVector<Value> elements;
  for (int64_t i = 0; i < kAccUnit; ++i)
    elements.push_back(LLVM::ExtractValueOp::create(b, loaded, i));
  return vector::FromElementsOp::create(
      b, VectorType::get({kAccUnit}, f32), elements);
}

/// dst = scale * acc over the block's rows (AccumulatorUnits): a thread
/// loads its next units (up to kConvertLoadsInFlight, 16 bytes each; past
/// the block's last unit clamped to it), then converts and stores them (8
/// bytes each at 16 bits).
static void convertAccumulator(BackwardContext &k, Value acc, Value dst,
                               double scale, Value rowBase, Value rowEnd,
                               int64_t blockRows, int64_t cols) {
  convertAccumulatorRows(k, acc, dst, scale, k.head, rowBase, rowEnd,
                         blockRows, cols, /*fromL2=*/false,
                         kConvertLoadsInFlight);
}

void mlir::fa::nvgpu_kernel::convertAccumulatorRows(
    BackwardContext &k, Value acc, Value dst, double scale, Value head,
    Value rowBase, Value rowEnd, int64_t blockRows, int64_t cols,
    bool fromL2, int64_t loadsInFlight) {
  ImplicitLocOpBuilder &b = k.b;
  Value factor = arith::ConstantOp::create(
      b, DenseElementsAttr::get(VectorType::get({kAccUnit}, k.f32),
                                b.getF32FloatAttr(scale)));
  AccumulatorUnits units(k, rowBase, rowEnd, blockRows, cols, head);
  int64_t inFlight =
      std::min(loadsInFlight,
               (int64_t)llvm::divideCeil(units.capacity(), k.threads));
  auto unitType = VectorType::get({kAccUnit}, k.f32);
  auto eltUnitType = VectorType::get({kAccUnit}, k.elt);
  Value last = k.lastIndex(units.count);
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp loop =
      k.openLoop(k.tid, units.count, k.idx(inFlight * k.threads));
  SmallVector<Value> unit, values;
  for (int64_t i = 0; i < inFlight; ++i) {
    unit.push_back(k.addc(loop.getInductionVar(), i * k.threads));
    SmallVector<Value> at = units.at(k.minu(unit.back(), last));
    values.push_back(fromL2 ? loadUnitFromL2(k, acc, at)
                            : vector::LoadOp::create(
                                  b, unitType, acc, at,
                                  /*nontemporal=*/false,
                                  llvm::Align(kAccUnit * 4)));
  }
  for (int64_t i = 0; i < inFlight; ++i) {
    auto store = [&] {
      Value v = arith::MulFOp::create(b, values[i], factor);
      vector::StoreOp::create(b, arith::TruncFOp::create(b, eltUnitType, v),
                              dst, units.at(unit[i]),
                              /*nontemporal=*/false,
                              llvm::Align(kAccUnit * eltBytes(k)));
    };
    if (i == 0)
      store();
    else
      k.ifThen(k.cmp(arith::CmpIPredicate::ult, unit[i], units.count), store);
  }
}

static void buildPreprocess(BackwardContext &k) {
  k.openLaunch(k.numQBlocks, k.op.getNumQueryHeads(), 0);
  ImplicitLocOpBuilder &b = k.b;
  BackwardBias(k).zero();
  Value qBase = k.mulc(k.blockX, k.t.blockQ);
  buildRowDots(k, qBase);
  zeroAccumulator(k, k.dqAcc, qBase, k.nq, k.t.blockQ, k.d);
  // Ordered dQ: no kv-block has added to this q-block yet.
  if (k.orderedDq)
    k.ifThen(k.cmp(arith::CmpIPredicate::eq, k.tid, k.idx(0)), [&] {
      memref::StoreOp::create(b, k.i32c(0), k.semaphores,
                              ValueRange{k.batch, k.head, k.blockX});
    });
  // The fused dQ conversion (D120): the q-block's counter starts at the
  // kv-blocks that will add to it; the main kernel's blocks count it down,
  // the last converts. A q-block no kv-block visits (causal or a window,
  // Nq > Nk) is converted by no one: its dQ rows are 0 from here.
  if (k.fusedDqConvert) {
    Value arrivals = k.queryBlockArrivals(k.blockX);
    k.ifThen(k.cmp(arith::CmpIPredicate::eq, k.tid, k.idx(0)), [&] {
      memref::StoreOp::create(
          b, arith::IndexCastOp::create(b, b.getI32Type(), arrivals),
          k.semaphores, ValueRange{k.batch, k.head, k.blockX});
    });
    k.ifThen(k.cmp(arith::CmpIPredicate::eq, arrivals, k.idx(0)), [&] {
      zeroAccumulator(k, k.op.getQueryGradInit(), qBase, k.nq, k.t.blockQ,
                      k.d, k.elt);
    });
  }
}

static void buildConvert(BackwardContext &k) {
  // dQ = scale * the accumulator.
  k.openLaunch(k.numQBlocks, k.op.getNumQueryHeads(), 0);
  BackwardBias(k).convert();
  Value qBase = k.mulc(k.blockX, k.t.blockQ);
  convertAccumulator(k, k.dqAcc, k.op.getQueryGradInit(), k.scale, qBase,
                     k.nq, k.t.blockQ, k.d);
}

/// The split group's kernels (D119), grid (kv-blocks, Hkv, B): before the
/// main kernel the f32 dK and dV accumulators to 0, after it dK = scale *
/// dKacc and dV = dVacc.
static void buildKeyValueZero(BackwardContext &k) {
  k.openLaunch(k.blocks(k.nk, k.t.blockKV), k.op.getNumKVHeads(), 0);
  Value kvBase = k.mulc(k.blockX, k.t.blockKV);
  zeroAccumulator(k, k.dkAcc, kvBase, k.nk, k.t.blockKV, k.d);
  zeroAccumulator(k, k.dvAcc, kvBase, k.nk, k.t.blockKV, k.dv);
}

static void buildKeyValueConvert(BackwardContext &k) {
  k.openLaunch(k.blocks(k.nk, k.t.blockKV), k.op.getNumKVHeads(), 0);
  Value kvBase = k.mulc(k.blockX, k.t.blockKV);
  convertAccumulator(k, k.dkAcc, k.op.getKeyGradInit(), k.scale, kvBase, k.nk,
                     k.t.blockKV, k.d);
  convertAccumulator(k, k.dvAcc, k.op.getValueGradInit(), 1.0, kvBase, k.nk,
                     k.t.blockKV, k.dv);
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
  // The preprocess kernel reads O by 16-byte chunks (as the main kernels
  // read dO), the convert kernel stores dQ by kAccUnit elements.
  requireAlignment(op.getOut(), kSharedChunkBytes);
  requireAlignment(op.getQueryGradInit(), kAccUnit * eltBytes(k));
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
  if (k.orderedDq || k.fusedDqConvert) {
    // One semaphore (or arrival counter) per (batch, query head, q-block).
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
  // The split group (D119): dK's and dV's f32 accumulators, in the key's
  // and the value's shapes.
  bool splitGroup = op.getScheduleAttr() &&
                    op.getScheduleAttr().getGqa() == BackwardGqa::Split;
  if (splitGroup) {
    for (auto [acc, operand] :
         {std::make_pair(&k.dkAcc, op.getKey()),
          std::make_pair(&k.dvAcc, op.getValue())}) {
      auto type = cast<MemRefType>(operand.getType());
      SmallVector<Value> sizes;
      for (int64_t i = 0; i < 4; ++i)
        if (type.isDynamicDim(i))
          sizes.push_back(k.dim(operand, i));
      *acc = memref::AllocOp::create(
          b, MemRefType::get(type.getShape(), k.f32), sizes);
    }
    requireAlignment(op.getKeyGradInit(), kAccUnit * eltBytes(k));
    requireAlignment(op.getValueGradInit(), kAccUnit * eltBytes(k));
  }
  OpBuilder::InsertPoint host = b.saveInsertionPoint();
  buildPreprocess(k);
  b.restoreInsertionPoint(host);
  if (splitGroup) {
    buildKeyValueZero(k);
    b.restoreInsertionPoint(host);
  }
  buildMain();
  b.restoreInsertionPoint(host);
  // The fused dQ conversion (D120): the main kernel converted dQ (no bias
  // gradient: the convert kernel's other work).
  if (!k.fusedDqConvert) {
    buildConvert(k);
    b.restoreInsertionPoint(host);
  }
  if (splitGroup) {
    buildKeyValueConvert(k);
    b.restoreInsertionPoint(host);
  }
  memref::DeallocOp::create(b, k.rowDot);
  memref::DeallocOp::create(b, k.dqAcc);
  if (k.semaphores)
    memref::DeallocOp::create(b, k.semaphores);
  if (k.biasScratch)
    memref::DeallocOp::create(b, k.biasScratch);
  if (k.dkAcc) {
    memref::DeallocOp::create(b, k.dkAcc);
    memref::DeallocOp::create(b, k.dvAcc);
  }
}
