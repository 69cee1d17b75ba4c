//===- BackwardKernels.cpp - The mma.sync backward kernels ----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// FlashAttention-2's backward on mma.sync (docs/Backward.md, "On the GPU:
// the mma.sync kernels"), for an fa.attention_grad whose
// #fa.backward_schedule is `kernel = mma_sync, dq = atomic`: the main
// kernel between the shared preprocess and convert kernels
// (BackwardHost.cpp), grid (kv-blocks, Hkv, B), K/V-stationary: each warp
// owns 16 kv rows of K_j, V_j and their dK_j, dV_j accumulators; one step
// per (query head of the group, q-block that sees the block): Q_i, dO_i,
// lse_i and D_i staged in shared memory (the tiling's `stages`: with 2, the
// next step's are in flight during this one), S^T, P^T (masked only on
// blocks that need it), dV_j += P^T dO_i, dP^T, dS^T, dK_j += dS^T Q_i in
// registers, then dS^T through shared memory and dQ_i += dS K_j added
// atomically. A window bounds the q-blocks a kv-block visits; with a mask
// pattern the steps walk the kv-block's list of q-blocks (BlockClassifier's
// lists by kv-block, full pairs first: docs/BlockSparse.md, "The kernels'
// block lists"); a block mask predicates each step (no loads, no math
// where its entry is 0); with
// dq = ordered the adds of a q-block's dQ are made in a fixed kv-block
// order (docs/Backward.md, "Deterministic dQ").
//
// Products use the forward's mma.sync part (MmaSyncProducts) and its
// cp.async tile copy (AsyncTileCopy); every choice is the op's tiling.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

namespace {

/// `count` padded [rows, cols + 8] tiles of the main kernel's shared
/// memory, one after the other (Q_i and dO_i: one per stage).
struct PaddedTile {
  int64_t rows, cols, offset, count;
  int64_t pitch() const { return cols + kMmaSyncRowPadBytes / 2; }
  int64_t bytes(int64_t elementBytes) const {
    return count * rows * pitch() * elementBytes;
  }
};

/// `count` f32 rows of `length` values, each 128-byte aligned (lse_i and
/// D_i: one per stage).
struct RowVector {
  int64_t length, offset, count;
  int64_t pitch() const { return llvm::alignTo(length * 4, 128) / 4; }
};

/// The main kernel's shared memory: K_j, V_j, the tiling's `stages` Q_i,
/// dO_i, lse_i and D_i buffers and dS_i^T (stored [kv rows, q rows], so a
/// lane's two adjacent q columns are one 32-bit store), each at a 128-byte
/// aligned offset.
struct BackwardSharedLayout {
  PaddedTile k, v, q, dO, dST;
  RowVector lse, rowDot;
  int64_t totalBytes = 0;

  BackwardSharedLayout(const Tiling &t, int64_t d, int64_t dv,
                       int64_t elementBytes) {
    auto place = [&](int64_t rows, int64_t cols, int64_t count) {
      PaddedTile tile{rows, cols, totalBytes, count};
      totalBytes += llvm::alignTo(tile.bytes(elementBytes), 128);
      return tile;
    };
    auto placeRows = [&](int64_t length, int64_t count) {
      RowVector rows{length, totalBytes, count};
      totalBytes += count * rows.pitch() * 4;
      return rows;
    };
    k = place(t.blockKV, d, 1);
    v = place(t.blockKV, dv, 1);
    q = place(t.blockQ, d, t.stages);
    dO = place(t.blockQ, dv, t.stages);
    lse = placeRows(t.blockQ, t.stages);
    rowDot = placeRows(t.blockQ, t.stages);
    dST = place(t.blockKV, t.blockQ, 1);
  }
};

/// A staged buffer's view ([stages, rows, pitch] or [stages, pitch]) and
/// the slot of the current step: the indices of (row[, col]) in it.
struct StagedRef {
  Value view, slot;
  SmallVector<Value> at(Value row, Value col) const {
    return {slot, row, col};
  }
  SmallVector<Value> at(Value row) const { return {slot, row}; }
};

/// The main kernel.
class BackwardKernels {
public:
  BackwardKernels(BackwardContext &k)
      : k(k), layout(k.t, k.d, k.dv, k.elt.getIntOrFloatBitWidth() / 8),
        ops(k, k.elt), bias(k) {}
  void buildMain();

private:
  // The main kernel's parts, in the order a step runs them.
  void setUpMain();
  /// The query head and q-block of step t of the flattened (head, q-block)
  /// loop, and the same with the q-block's first row.
  std::pair<Value, Value> stepBlock(Value t);
  std::pair<Value, Value> stepRows(Value t);
  /// The q-blocks kv-block `kvBlock` visits: [first, first + perHead) of
  /// each query head of the group (causal and window bounds), or the
  /// perHead entries of its block list (a mask pattern).
  void setUpQueryRange();
  SmallVector<Value> step(Value t, ValueRange accs);
  /// A step's products up to dS^T in shared memory (no barrier): the new
  /// dK_j, dV_j accumulators.
  SmallVector<Value> stepMath(Value t, Value h, Value qBase, Value slot,
                              ValueRange accs);

  /// Q_i, dO_i, lse_i and D_i of step t into `slot` (every row zero-filled
  /// when not `enabled`): one cp.async group.
  Value loadQBlock(Value t, Value slot, Value enabled);
  void copyRowValues(Value src, Value h, Value qBase, Value enabled,
                     Value dst, Value slot, SmallVectorImpl<Value> &tokens);
  /// Whether the block pair of step t needs no mask: every row and key in
  /// range, the whole pair left of the causal diagonal, no keep-mask (with
  /// block lists: a full pair of the list).
  Value isInterior(Value t, Value qBase);
  SmallVector<Value> productRows(Value a0, StagedRef tile, int64_t kSteps,
                                 int64_t nPairs);
  SmallVector<Value> probabilities(ArrayRef<Value> s, Value h, Value qBase,
                                   StagedRef lse, bool masked);
  SmallVector<Value> maskedProbabilities(ArrayRef<Value> s, Value t, Value h,
                                         Value qBase, StagedRef lse);
  /// dS^T; with a bias gradient, each dS also goes to dBias.
  SmallVector<Value> scoreGradients(ArrayRef<Value> p, ArrayRef<Value> dp,
                                    StagedRef rowDot, Value h, Value qBase);
  void accumulateTransposed(MutableArrayRef<Value> acc, ArrayRef<Value> lhs,
                            StagedRef tile, int64_t nTiles);
  void storeScoreGradients(ArrayRef<Value> ds);
  void addQueryGradient(Value h, Value qBase);
  /// The staged per-row values (lse or D) of the two q columns of n-tile
  /// `n`, one 8-byte shared load.
  Value columnValues(StagedRef rows, int64_t n);
  void writeKeyValueGradients(ArrayRef<Value> accs);
  Value sharedView(const PaddedTile &tile, bool staged);
  Value sharedView(const RowVector &rows);
  /// The lane's m16n8 accumulator element (r, c) of n-tile n: its kv row
  /// (local) and q column (local).
  Value fragRow(int64_t r) { return k.addc(k.add(warpRow, quadRow), 8 * r); }
  Value fragCol(int64_t n, int64_t c) { return k.addc(quadCol, 8 * n + c); }

  BackwardContext &k;
  BackwardSharedLayout layout;
  MmaSyncProducts ops;
  BackwardBias bias;
  Value sK, sV, sQ, sDO, sLse, sRowDot, sDST;
  /// The block's kv-block (with ordered dQ the grid runs them last first)
  /// and its first key.
  Value kvBlock, kvBase, warpRow, quadRow, quadCol;
  /// The first q-block of the kv-block, the q-blocks per head and the
  /// steps (heads x q-blocks) of the main loop; whether the kv-block is
  /// whole (all its rows below Nk).
  Value first, perHead, total, kvWhole;
  /// With a mask pattern: the kv-block's list of q-blocks.
  std::optional<QueryBlockList> list;
  Value laneRow16, laneHalf, laneRow8, laneQuarter;
  Value scaleLog2, log2e, negInf, posInf, zero;
  /// Ordered dQ's turns (with dq = ordered).
  std::optional<DqTurns> turns;
};

} // namespace

//===----------------------------------------------------------------------===//
// The main kernel
//===----------------------------------------------------------------------===//

Value BackwardKernels::sharedView(const PaddedTile &tile, bool staged) {
  auto workgroup =
      gpu::AddressSpaceAttr::get(k.b.getContext(), gpu::AddressSpace::Workgroup);
  auto i8Type = MemRefType::get({ShapedType::kDynamic}, k.b.getI8Type(),
                                MemRefLayoutAttrInterface(), workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(k.b, i8Type);
  SmallVector<int64_t> shape = {tile.rows, tile.pitch()};
  if (staged)
    shape.insert(shape.begin(), tile.count);
  auto type = MemRefType::get(shape, k.elt, MemRefLayoutAttrInterface(),
                              workgroup);
  return memref::ViewOp::create(k.b, type, base, k.idx(tile.offset),
                                ValueRange{});
}

Value BackwardKernels::sharedView(const RowVector &rows) {
  auto workgroup =
      gpu::AddressSpaceAttr::get(k.b.getContext(), gpu::AddressSpace::Workgroup);
  auto i8Type = MemRefType::get({ShapedType::kDynamic}, k.b.getI8Type(),
                                MemRefLayoutAttrInterface(), workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(k.b, i8Type);
  auto type = MemRefType::get({rows.count, rows.pitch()}, k.f32,
                              MemRefLayoutAttrInterface(), workgroup);
  return memref::ViewOp::create(k.b, type, base, k.idx(rows.offset),
                                ValueRange{});
}

void BackwardKernels::setUpMain() {
  sK = sharedView(layout.k, /*staged=*/false);
  sV = sharedView(layout.v, /*staged=*/false);
  sQ = sharedView(layout.q, /*staged=*/true);
  sDO = sharedView(layout.dO, /*staged=*/true);
  sLse = sharedView(layout.lse);
  sRowDot = sharedView(layout.rowDot);
  sDST = sharedView(layout.dST, /*staged=*/false);
  // Ordered dQ: kv-block j waits for j + 1 (descending order), so the grid
  // launches the last kv-block first: a block waits only for blocks
  // earlier in launch order (docs/Backward.md, "Deterministic dQ").
  kvBlock = k.kvBlockIndex();
  if (k.orderedDq)
    turns.emplace(k, kvBlock);
  kvBase = k.mulc(kvBlock, k.t.blockKV);
  kvWhole = k.cmp(arith::CmpIPredicate::ule, k.addc(kvBase, k.t.blockKV),
                  k.nk);
  warpRow = k.mulc(k.warp, 16);
  quadRow = k.divc(k.lane, 4);
  quadCol = k.mulc(k.remc(k.lane, 4), 2);
  laneRow16 = k.remc(k.lane, 16);
  laneHalf = k.divc(k.lane, 16);
  laneRow8 = k.remc(k.lane, 8);
  laneQuarter = k.remc(k.divc(k.lane, 8), 2);
  scaleLog2 = k.f32c(k.scale * M_LOG2E);
  log2e = k.f32c(M_LOG2E);
  negInf = k.f32c(-std::numeric_limits<float>::infinity());
  posInf = k.f32c(std::numeric_limits<float>::infinity());
  zero = k.f32c(0.0);
}

void BackwardKernels::buildMain() {
  k.openLaunch(k.blocks(k.nk, k.t.blockKV), k.op.getNumKVHeads(),
               layout.totalBytes);
  ImplicitLocOpBuilder &b = k.b;
  setUpMain();
  // K_j and V_j, once: their copies complete with the first step's wait.
  AsyncTileCopy copy{k, k.tid, k.threads, k.batch, kSharedChunkBytes / 2};
  auto at = [](Value row, Value col) -> SmallVector<Value> {
    return {row, col};
  };
  Value always = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
  SmallVector<Value> tokens;
  copy.copy(k.op.getKey(), k.head, kvBase, k.nk, always, k.t.blockKV, k.d, sK,
            at, tokens);
  copy.copy(k.op.getValue(), k.head, kvBase, k.nk, always, k.t.blockKV, k.dv,
            sV, at, tokens);
  Value kvGroup = commitAsyncGroup(b, tokens);

  setUpQueryRange();
  total = k.mulc(perHead, k.group);
  SmallVector<Value> init;
  for (int64_t i = 0; i < (k.d + k.dv) / 8; ++i)
    init.push_back(ops.zero());
  // Two stages: step 0's tiles are in flight before the loop, and each
  // step issues the next one's.
  if (k.t.stages > 1)
    loadQBlock(k.idx(0), k.idx(0),
               k.cmp(arith::CmpIPredicate::ult, k.idx(0), total));
  SmallVector<Value> accs;
  {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp loop = k.openLoop(k.idx(0), total, k.one, init);
    SmallVector<Value> next =
        step(loop.getInductionVar(), loop.getRegionIterArgs());
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(loop);
    accs.assign(loop.getResults().begin(), loop.getResults().end());
  }
  // Ordered dQ: the last step's adds are done; its turn passes.
  if (turns)
    turns->finish(k.cmp(arith::CmpIPredicate::ugt, total, k.idx(0)),
                  [&] { return stepBlock(k.sub(total, k.one)); });
  // Nothing may be in flight when the block exits.
  nvgpu::DeviceAsyncWaitOp::create(b, kvGroup, b.getI32IntegerAttr(0));
  writeKeyValueGradients(accs);
}

void BackwardKernels::setUpQueryRange() {
  // One step per (query head of the group, q-block of the range).
  if (k.op.getMaskPatternAttr()) {
    list.emplace(k, kvBlock);
    perHead = list->length();
    return;
  }
  first = k.firstQueryBlock(kvBase, /*clamp=*/true);
  perHead = k.window ? arith::MaxSIOp::create(
                           k.b, k.sub(k.queryBlockEnd(kvBase), first),
                           k.idx(0))
                     : k.sub(k.numQBlocks, first);
}

std::pair<Value, Value> BackwardKernels::stepBlock(Value t) {
  ImplicitLocOpBuilder &b = k.b;
  Value h = k.add(k.mulc(k.head, k.group),
                  b.createOrFold<arith::DivUIOp>(t, perHead));
  Value position = b.createOrFold<arith::RemUIOp>(t, perHead);
  Value qBlock =
      list ? list->queryBlock(position) : k.add(first, position);
  return {h, qBlock};
}

std::pair<Value, Value> BackwardKernels::stepRows(Value t) {
  auto [h, qBlock] = stepBlock(t);
  return {h, k.mulc(qBlock, k.t.blockQ)};
}

void BackwardKernels::copyRowValues(Value src, Value h, Value qBase,
                                    Value enabled, Value dst, Value slot,
                                    SmallVectorImpl<Value> &tokens) {
  // One 4-byte cp.async a row (rows past Nq zero-filled); threads past the
  // block's rows repeat its last row (same bytes, same place).
  ImplicitLocOpBuilder &b = k.b;
  int64_t rows = k.t.blockQ;
  for (int64_t i = 0; i < (int64_t)llvm::divideCeil(rows, k.threads); ++i) {
    Value row = k.addc(k.tid, i * k.threads);
    if ((i + 1) * k.threads > rows)
      row = k.minu(row, k.idx(rows - 1));
    Value global = k.add(qBase, row);
    Value inRange = arith::AndIOp::create(
        b, enabled, k.cmp(arith::CmpIPredicate::ult, global, k.nq));
    Value srcRow = k.minu(global, k.lastIndex(k.nq));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, dst, ValueRange{slot, row}, src,
        ValueRange{k.batch, h, srcRow}, b.getIndexAttr(1),
        k.select(inRange, k.idx(1), k.idx(0)), UnitAttr()));
  }
}

Value BackwardKernels::loadQBlock(Value t, Value slot, Value enabled) {
  auto [h, qBase] = stepRows(t);
  // A block mask's skipped pair loads nothing (zero-filled copies of 0
  // source bytes).
  if (k.op.getBlockMask())
    enabled = k.blockLiveIf(enabled, h, qBase, kvBase);
  AsyncTileCopy copy{k, k.tid, k.threads, k.batch, kSharedChunkBytes / 2};
  auto at = [slot](Value row, Value col) -> SmallVector<Value> {
    return {slot, row, col};
  };
  SmallVector<Value> tokens;
  copy.copy(k.op.getQuery(), h, qBase, k.nq, enabled, k.t.blockQ, k.d, sQ, at,
            tokens);
  copy.copy(k.op.getOutGrad(), h, qBase, k.nq, enabled, k.t.blockQ, k.dv,
            sDO, at, tokens);
  copyRowValues(k.op.getLogsumexp(), h, qBase, enabled, sLse, slot, tokens);
  copyRowValues(k.rowDot, h, qBase, enabled, sRowDot, slot, tokens);
  return commitAsyncGroup(k.b, tokens);
}

Value BackwardKernels::isInterior(Value t, Value qBase) {
  ImplicitLocOpBuilder &b = k.b;
  // The list's full pairs come first (ragged blocks are partial there).
  if (list)
    return list->full(b.createOrFold<arith::RemUIOp>(t, perHead));
  return k.pairInterior(qBase, kvBase, kvWhole);
}

SmallVector<Value> BackwardKernels::productRows(Value a0, StagedRef tile,
                                                int64_t kSteps,
                                                int64_t nPairs) {
  // [16 warp rows of `a0`] x [tile rows]^T: A by ldmatrix of the warp's
  // rows of `a0`, B the rows of `tile` (n-major, as the forward's K).
  SmallVector<Value> acc(2 * nPairs);
  for (Value &x : acc)
    x = ops.zero();
  for (int64_t kk = 0; kk < kSteps; ++kk) {
    Value a = ops.ldmatrix(a0, {k.add(warpRow, laneRow16),
                                k.addc(k.mulc(laneHalf, 8), 16 * kk)},
                           /*transpose=*/false);
    for (int64_t np = 0; np < nPairs; ++np) {
      Value x4 = ops.ldmatrix(
          tile.view,
          tile.at(k.add(k.addc(k.mulc(laneHalf, 8), 16 * np), laneRow8),
                  k.addc(k.mulc(laneQuarter, 8), 16 * kk)),
          /*transpose=*/false);
      for (int64_t h = 0; h < 2; ++h)
        acc[2 * np + h] = ops.mma(a, ops.half(x4, h), acc[2 * np + h]);
    }
  }
  return acc;
}

void BackwardKernels::accumulateTransposed(MutableArrayRef<Value> acc,
                                           ArrayRef<Value> lhs,
                                           StagedRef tile, int64_t nTiles) {
  // acc += lhs tile: lhs the warp's [16, block_q] accumulators as A
  // fragments, tile [block_q, cols] k-major (ldmatrix.trans, as the
  // forward's V).
  for (int64_t kk = 0; kk < k.t.blockQ / 16; ++kk) {
    Value a = accumulatorsToA(k, k.elt, lhs[2 * kk], lhs[2 * kk + 1]);
    for (int64_t np = 0; np < nTiles / 2; ++np) {
      Value x4 = ops.ldmatrix(
          tile.view,
          tile.at(k.add(k.addc(k.mulc(laneQuarter, 8), 16 * kk), laneRow8),
                  k.addc(k.mulc(laneHalf, 8), 16 * np)),
          /*transpose=*/true);
      for (int64_t h = 0; h < 2; ++h)
        acc[2 * np + h] = ops.mma(a, ops.half(x4, h), acc[2 * np + h]);
    }
  }
}

Value BackwardKernels::columnValues(StagedRef rows, int64_t n) {
  return vector::LoadOp::create(k.b, VectorType::get({2}, k.f32), rows.view,
                                rows.at(fragCol(n, 0)), /*nontemporal=*/false,
                                llvm::Align(8));
}

SmallVector<Value> BackwardKernels::probabilities(ArrayRef<Value> s, Value h,
                                                  Value qBase, StagedRef lse,
                                                  bool masked) {
  // P^T = exp2(S^T scale log2(e) - lse log2(e)); a row that sees no key
  // (lse = -inf) shifts by +inf, so its P is 0 without a test per score.
  // With a bias, S^T scale + bias^T. Masked: 0 where the key is not visible
  // to the row.
  ImplicitLocOpBuilder &b = k.b;
  auto accType = VectorType::get({2, 2}, k.f32);
  SmallVector<Value> p;
  for (int64_t n = 0; n < (int64_t)s.size(); ++n) {
    Value pair = columnValues(lse, n);
    Value shift[2];
    for (int64_t c = 0; c < 2; ++c) {
      Value value = k.element(pair, c);
      Value none = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, value,
                                         negInf);
      shift[c] = k.select(none, posInf,
                          arith::MulFOp::create(b, value, log2e));
    }
    SmallVector<Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value x = arith::MulFOp::create(b, k.element(s[n], r, c), scaleLog2);
        x = bias.addToExponent(x, h, k.add(qBase, fragCol(n, c)),
                               k.add(kvBase, fragRow(r)),
                               /*inRange=*/!masked);
        Value e = k.exp2(arith::SubFOp::create(b, x, shift[c]));
        if (masked)
          e = k.select(k.visible(k.add(kvBase, fragRow(r)),
                               k.add(qBase, fragCol(n, c)), h),
                       e, zero);
        out.push_back(e);
      }
    p.push_back(vector::FromElementsOp::create(b, accType, out));
  }
  return p;
}

SmallVector<Value> BackwardKernels::maskedProbabilities(ArrayRef<Value> s,
                                                        Value t, Value h,
                                                        Value qBase,
                                                        StagedRef lse) {
  // A block-level branch: the mask's tests only where some score of the
  // pair may be masked (the forward's masked steps, docs/GPU.md).
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Type> types(s.size(), VectorType::get({2, 2}, k.f32));
  auto branch = scf::IfOp::create(b, types, isInterior(t, qBase),
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, probabilities(s, h, qBase, lse, /*masked=*/false));
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, probabilities(s, h, qBase, lse, /*masked=*/true));
  return SmallVector<Value>(branch.getResults());
}

SmallVector<Value> BackwardKernels::scoreGradients(ArrayRef<Value> p,
                                                   ArrayRef<Value> dp,
                                                   StagedRef rowDot, Value h,
                                                   Value qBase) {
  // dS^T = P^T (dP^T - D), D of each q column (and dBias += dS).
  ImplicitLocOpBuilder &b = k.b;
  auto accType = VectorType::get({2, 2}, k.f32);
  SmallVector<Value> ds;
  for (int64_t n = 0; n < (int64_t)p.size(); ++n) {
    Value pair = columnValues(rowDot, n);
    SmallVector<Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value diff = arith::SubFOp::create(b, k.element(dp[n], r, c),
                                           k.element(pair, c));
        out.push_back(arith::MulFOp::create(b, k.element(p[n], r, c), diff));
        if (bias.hasGradient())
          bias.addGradient(h, k.add(qBase, fragCol(n, c)),
                           k.add(kvBase, fragRow(r)), out.back());
      }
    ds.push_back(vector::FromElementsOp::create(b, accType, out));
  }
  return ds;
}

void BackwardKernels::storeScoreGradients(ArrayRef<Value> ds) {
  // dS^T ([kv rows, q rows]) in the element type, the lane's two adjacent q
  // columns as one 32-bit store (4-byte aligned: the column is even; the
  // padded rows keep a warp's stores free of bank conflicts).
  ImplicitLocOpBuilder &b = k.b;
  auto pairType = VectorType::get({2}, k.f32);
  auto eltPairType = VectorType::get({2}, k.elt);
  for (int64_t n = 0; n < (int64_t)ds.size(); ++n)
    for (int64_t r = 0; r < 2; ++r) {
      Value pair = vector::FromElementsOp::create(
          b, pairType,
          ValueRange{k.element(ds[n], r, 0), k.element(ds[n], r, 1)});
      vector::StoreOp::create(b, arith::TruncFOp::create(b, eltPairType, pair),
                              sDST, ValueRange{fragRow(r), fragCol(n, 0)},
                              /*nontemporal=*/false, llvm::Align(4));
    }
}

void BackwardKernels::addQueryGradient(Value h, Value qBase) {
  // dQ_i += dS K_j: units of 16 q rows x 16 columns of dQ, dealt to the
  // warps in turn; each unit's f32 sums are added to the accumulator. A =
  // dS by ldmatrix.trans of dS^T.
  ImplicitLocOpBuilder &b = k.b;
  int64_t colUnits = k.d / 16, units = (k.t.blockQ / 16) * colUnits;
  for (int64_t w = 0; w < (int64_t)llvm::divideCeil(units, k.t.warps); ++w) {
    Value unit = k.addc(k.warp, w * k.t.warps);
    auto body = [&] {
      Value rowBase = k.mulc(k.divc(unit, colUnits), 16);
      Value colBase = k.mulc(k.remc(unit, colUnits), 16);
      Value acc[2] = {ops.zero(), ops.zero()};
      for (int64_t kk = 0; kk < k.t.blockKV / 16; ++kk) {
        Value a = ops.ldmatrix(
            sDST,
            {k.add(k.addc(k.mulc(laneHalf, 8), 16 * kk), laneRow8),
             k.add(rowBase, k.mulc(laneQuarter, 8))},
            /*transpose=*/true);
        Value x4 = ops.ldmatrix(
            sK,
            {k.add(k.addc(k.mulc(laneQuarter, 8), 16 * kk), laneRow8),
             k.add(colBase, k.mulc(laneHalf, 8))},
            /*transpose=*/true);
        for (int64_t hf = 0; hf < 2; ++hf)
          acc[hf] = ops.mma(a, ops.half(x4, hf), acc[hf]);
      }
      for (int64_t r = 0; r < 2; ++r) {
        Value row = k.add(qBase, k.addc(k.add(rowBase, quadRow), 8 * r));
        k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
          for (int64_t hf = 0; hf < 2; ++hf)
            for (int64_t c = 0; c < 2; ++c) {
              Value col = k.addc(k.add(colBase, quadCol), 8 * hf + c);
              memref::AtomicRMWOp::create(
                  b, arith::AtomicRMWKind::addf, k.element(acc[hf], r, c),
                  k.dqAcc, ValueRange{k.batch, h, row, col});
            }
        });
      }
    };
    if ((w + 1) * k.t.warps <= units)
      body();
    else
      k.ifThen(k.cmp(arith::CmpIPredicate::ult, unit, k.idx(units)), body);
  }
}

SmallVector<Value> BackwardKernels::step(Value t, ValueRange accs) {
  ImplicitLocOpBuilder &b = k.b;
  auto [h, qBase] = stepRows(t);
  // The previous step's barrier after dS^T ended every read of Q_i, dO_i,
  // lse_i and D_i in the slot this step fills. One stage: load this step's
  // tiles and wait. Two: issue the next step's (past the last step,
  // clamped and zero-filled) and wait for this one's, issued a step before.
  Value slot = k.idx(0);
  if (k.t.stages > 1) {
    Value next = k.addc(t, 1);
    Value enabled = k.cmp(arith::CmpIPredicate::ult, next, total);
    Value group = loadQBlock(k.minu(next, k.lastIndex(total)),
                             k.remc(next, 2), enabled);
    nvgpu::DeviceAsyncWaitOp::create(b, group, b.getI32IntegerAttr(1));
    slot = k.remc(t, 2);
  } else {
    Value always = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
    Value group = loadQBlock(t, slot, always);
    nvgpu::DeviceAsyncWaitOp::create(b, group, b.getI32IntegerAttr(0));
  }
  // Every thread's copies landed, and every warp is done with the previous
  // step's dS^T (and, ordered, has added the previous step's dQ: its turn
  // passes to the next kv-block).
  gpu::BarrierOp::create(b);
  if (turns) {
    Value hasPrevious = k.cmp(arith::CmpIPredicate::ugt, t, k.idx(0));
    turns->begin(
        hasPrevious, [&] { return stepBlock(k.sub(t, k.one)); }, h,
        k.divc(qBase, k.t.blockQ));
  }
  // A block mask's skipped pair: no math, no dQ (its turn still passes).
  Value live;
  SmallVector<Value> next;
  if (k.op.getBlockMask()) {
    live = k.blockLive(h, qBase, kvBase);
    auto branch = scf::IfOp::create(b, accs.getTypes(), live,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    scf::YieldOp::create(b, stepMath(t, h, qBase, slot, accs));
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(b, accs);
    next.assign(branch.getResults().begin(), branch.getResults().end());
  } else {
    next = stepMath(t, h, qBase, slot, accs);
  }
  if (turns)
    turns->wait();
  // dS^T is complete (and, ordered, it is this kv-block's turn).
  gpu::BarrierOp::create(b);
  if (live)
    k.ifThen(live, [&] { addQueryGradient(h, qBase); });
  else
    addQueryGradient(h, qBase);
  return next;
}

SmallVector<Value> BackwardKernels::stepMath(Value t, Value h, Value qBase,
                                             Value slot, ValueRange accs) {
  StagedRef q{sQ, slot}, dO{sDO, slot}, lse{sLse, slot},
      rowDot{sRowDot, slot};
  int64_t qPairs = k.t.blockQ / 16;
  SmallVector<Value> dK(accs.begin(), accs.begin() + k.d / 8);
  SmallVector<Value> dV(accs.begin() + k.d / 8, accs.end());
  // S^T = K_j Q_i^T and P^T; dV_j += P^T dO_i.
  SmallVector<Value> s = productRows(sK, q, k.d / 16, qPairs);
  SmallVector<Value> p = maskedProbabilities(s, t, h, qBase, lse);
  accumulateTransposed(dV, p, dO, k.dv / 8);
  // dP^T = V_j dO_i^T, dS^T; dK_j += dS^T Q_i.
  SmallVector<Value> dp = productRows(sV, dO, k.dv / 16, qPairs);
  SmallVector<Value> ds = scoreGradients(p, dp, rowDot, h, qBase);
  accumulateTransposed(dK, ds, q, k.d / 8);
  storeScoreGradients(ds);
  SmallVector<Value> next(dK);
  next.append(dV);
  return next;
}

void BackwardKernels::writeKeyValueGradients(ArrayRef<Value> accs) {
  // dK_j * scale and dV_j, rounded, to the rows of K_j in range.
  k.storeKeyValueGradients(
      [&](int64_t n, int64_t r, int64_t c) { return k.element(accs[n], r, c); },
      [&](int64_t r) { return k.add(kvBase, fragRow(r)); },
      [&](int64_t n, int64_t c) { return fragCol(n, c); });
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

int64_t mlir::fa::nvgpu_kernel::backwardSharedBytes(const Tiling &tiling,
                                                    int64_t d, int64_t dv,
                                                    int64_t elementBytes) {
  return BackwardSharedLayout(tiling, d, dv, elementBytes).totalBytes;
}

void mlir::fa::nvgpu_kernel::buildBackwardKernels(AttentionGradOp op,
                                                  const Tiling &tiling,
                                                  KernelKind kind,
                                                  int64_t smCount) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  // cp.async copies 16-byte chunks of Q, K, V and dO.
  for (Value operand :
       {op.getQuery(), op.getKey(), op.getValue(), op.getOutGrad()})
    requireAlignment(operand, kSharedChunkBytes);
  BackwardContext k(op, b, tiling);
  k.smCount = smCount;
  if (kind == KernelKind::Wgmma)
    return buildBackwardHost(k, [&] { buildWgmmaBackwardMain(k); });
  BackwardKernels kernels(k);
  buildBackwardHost(k, [&] { kernels.buildMain(); });
}
