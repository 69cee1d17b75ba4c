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
// owns 16 kv rows of K_j, V_j and their dK_j, dV_j accumulators; for every
// query head of the group and every q-block that sees the block, S^T, P^T,
// dV_j += P^T dO_i, dP^T, dS^T, dK_j += dS^T Q_i in registers, then dS
// through shared memory and dQ_i += dS K_j added atomically.
//
// Products use the forward's mma.sync part (MmaSyncProducts) and its
// cp.async tile copy (AsyncTileCopy); every choice is the op's tiling.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

namespace {

/// A padded [rows, cols + 8] tile of the main kernel's shared memory.
struct PaddedTile {
  int64_t rows, cols, offset;
  int64_t pitch() const { return cols + kMmaSyncRowPadBytes / 2; }
  int64_t bytes(int64_t elementBytes) const {
    return rows * pitch() * elementBytes;
  }
};

/// The main kernel's shared memory: K_j, V_j, Q_i, dO_i and dS_i (stored
/// [q rows, kv rows]), each at a 128-byte aligned offset.
struct BackwardSharedLayout {
  PaddedTile k, v, q, dO, dS;
  int64_t totalBytes = 0;

  BackwardSharedLayout(const Tiling &t, int64_t d, int64_t dv,
                       int64_t elementBytes) {
    auto place = [&](int64_t rows, int64_t cols) {
      PaddedTile tile{rows, cols, totalBytes};
      totalBytes += llvm::alignTo(tile.bytes(elementBytes), 128);
      return tile;
    };
    k = place(t.blockKV, d);
    v = place(t.blockKV, dv);
    q = place(t.blockQ, d);
    dO = place(t.blockQ, dv);
    dS = place(t.blockQ, t.blockKV);
  }
};

/// The main kernel.
class BackwardKernels {
public:
  BackwardKernels(BackwardContext &k)
      : k(k), layout(k.t, k.d, k.dv, k.elt.getIntOrFloatBitWidth() / 8),
        ops(k, k.elt) {}
  void buildMain();

private:
  // The main kernel's parts, in the order a step runs them.
  void setUpMain();
  SmallVector<Value> step(Value h, Value qBlock, ValueRange accs);
  void loadQBlock(Value h, Value qBase);
  SmallVector<Value> productRows(Value a0, Value tile, int64_t kSteps,
                                 int64_t nPairs);
  SmallVector<Value> probabilities(ArrayRef<Value> s, Value h, Value qBase);
  SmallVector<Value> scoreGradients(ArrayRef<Value> p, ArrayRef<Value> dp,
                                    Value h, Value qBase);
  void accumulateTransposed(MutableArrayRef<Value> acc, ArrayRef<Value> lhs,
                            Value tile, int64_t nTiles);
  void storeScoreGradients(ArrayRef<Value> ds);
  void addQueryGradient(Value h, Value qBase);
  Value visible(Value kvRow, Value qRow, Value h);
  /// The per-row values `rows` ([B, Hq, Nq] f32: lse or D) of the two q
  /// columns of n-tile `n` (rows past Nq clamped).
  SmallVector<Value> columnValues(Value rows, Value h, Value qBase, int64_t n);
  void writeKeyValueGradients(ArrayRef<Value> accs);
  Value sharedView(const PaddedTile &tile);
  /// The lane's m16n8 accumulator element (r, c) of n-tile n: its kv row
  /// (local) and q column (local).
  Value fragRow(int64_t r) { return k.addc(k.add(warpRow, quadRow), 8 * r); }
  Value fragCol(int64_t n, int64_t c) { return k.addc(quadCol, 8 * n + c); }

  BackwardContext &k;
  BackwardSharedLayout layout;
  MmaSyncProducts ops;
  Value sK, sV, sQ, sDO, sDS;
  Value kvBase, warpRow, quadRow, quadCol;
  Value laneRow16, laneHalf, laneRow8, laneQuarter;
  Value scaleLog2, log2e, negInf, zero;
};

} // namespace

//===----------------------------------------------------------------------===//
// The main kernel
//===----------------------------------------------------------------------===//

Value BackwardKernels::sharedView(const PaddedTile &tile) {
  auto workgroup =
      gpu::AddressSpaceAttr::get(k.b.getContext(), gpu::AddressSpace::Workgroup);
  auto i8Type = MemRefType::get({ShapedType::kDynamic}, k.b.getI8Type(),
                                MemRefLayoutAttrInterface(), workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(k.b, i8Type);
  auto type = MemRefType::get({tile.rows, tile.pitch()}, k.elt,
                              MemRefLayoutAttrInterface(), workgroup);
  return memref::ViewOp::create(k.b, type, base, k.idx(tile.offset),
                                ValueRange{});
}

void BackwardKernels::setUpMain() {
  sK = sharedView(layout.k);
  sV = sharedView(layout.v);
  sQ = sharedView(layout.q);
  sDO = sharedView(layout.dO);
  sDS = sharedView(layout.dS);
  kvBase = k.mulc(k.blockX, k.t.blockKV);
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

  // The first q-block that sees key kvBase: row kvBase + Nq - Nk (causal).
  Value first = k.idx(0);
  if (k.causal) {
    Value row = k.sub(kvBase, k.sub(k.nk, k.nq));
    row = arith::MaxSIOp::create(b, row, k.idx(0));
    first = k.divc(row, k.t.blockQ);
  }
  SmallVector<Value> init;
  for (int64_t i = 0; i < (k.d + k.dv) / 8; ++i)
    init.push_back(ops.zero());
  SmallVector<Value> accs;
  {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp heads = k.openLoop(k.idx(0), k.idx(k.group), k.one, init);
    Value h = k.add(k.mulc(k.head, k.group), heads.getInductionVar());
    scf::ForOp qLoop = k.openLoop(first, k.numQBlocks, k.one,
                                  heads.getRegionIterArgs());
    SmallVector<Value> next =
        step(h, qLoop.getInductionVar(), qLoop.getRegionIterArgs());
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(qLoop);
    scf::YieldOp::create(b, qLoop.getResults());
    b.setInsertionPointAfter(heads);
    accs.assign(heads.getResults().begin(), heads.getResults().end());
  }
  // Nothing may be in flight when the block exits (no q-block visited).
  nvgpu::DeviceAsyncWaitOp::create(b, kvGroup, b.getI32IntegerAttr(0));
  writeKeyValueGradients(accs);
}

void BackwardKernels::loadQBlock(Value h, Value qBase) {
  // Every warp is done with the previous step's Q, dO and dS.
  gpu::BarrierOp::create(k.b);
  AsyncTileCopy copy{k, k.tid, k.threads, k.batch, kSharedChunkBytes / 2};
  auto at = [](Value row, Value col) -> SmallVector<Value> {
    return {row, col};
  };
  Value always = arith::ConstantIntOp::create(k.b, k.b.getI1Type(), 1);
  SmallVector<Value> tokens;
  copy.copy(k.op.getQuery(), h, qBase, k.nq, always, k.t.blockQ, k.d, sQ, at,
            tokens);
  copy.copy(k.op.getOutGrad(), h, qBase, k.nq, always, k.t.blockQ, k.dv, sDO,
            at, tokens);
  Value group = commitAsyncGroup(k.b, tokens);
  nvgpu::DeviceAsyncWaitOp::create(k.b, group, k.b.getI32IntegerAttr(0));
  gpu::BarrierOp::create(k.b);
}

SmallVector<Value> BackwardKernels::productRows(Value a0, Value tile,
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
          tile,
          {k.add(k.addc(k.mulc(laneHalf, 8), 16 * np), laneRow8),
           k.addc(k.mulc(laneQuarter, 8), 16 * kk)},
          /*transpose=*/false);
      for (int64_t h = 0; h < 2; ++h)
        acc[2 * np + h] = ops.mma(a, ops.half(x4, h), acc[2 * np + h]);
    }
  }
  return acc;
}

void BackwardKernels::accumulateTransposed(MutableArrayRef<Value> acc,
                                           ArrayRef<Value> lhs, Value tile,
                                           int64_t nTiles) {
  // acc += lhs tile: lhs the warp's [16, block_q] accumulators as A
  // fragments, tile [block_q, cols] k-major (ldmatrix.trans, as the
  // forward's V).
  for (int64_t kk = 0; kk < k.t.blockQ / 16; ++kk) {
    Value a = accumulatorsToA(k, k.elt, lhs[2 * kk], lhs[2 * kk + 1]);
    for (int64_t np = 0; np < nTiles / 2; ++np) {
      Value x4 = ops.ldmatrix(
          tile,
          {k.add(k.addc(k.mulc(laneQuarter, 8), 16 * kk), laneRow8),
           k.addc(k.mulc(laneHalf, 8), 16 * np)},
          /*transpose=*/true);
      for (int64_t h = 0; h < 2; ++h)
        acc[2 * np + h] = ops.mma(a, ops.half(x4, h), acc[2 * np + h]);
    }
  }
}

Value BackwardKernels::visible(Value kvRow, Value qRow, Value h) {
  // Key kvRow is visible to query row qRow: both in range, (causal) on or
  // left of the row's diagonal, and kept by the keep-mask.
  ImplicitLocOpBuilder &b = k.b;
  Value ok = arith::AndIOp::create(
      b, k.cmp(arith::CmpIPredicate::ult, kvRow, k.nk),
      k.cmp(arith::CmpIPredicate::ult, qRow, k.nq));
  if (k.causal)
    ok = arith::AndIOp::create(
        b, ok,
        k.cmp(arith::CmpIPredicate::sle, kvRow,
              k.add(qRow, k.sub(k.nk, k.nq))));
  Value mask = k.op.getMask();
  if (!mask)
    return ok;
  // The keep-mask, broadcast along its static unit dimensions; indices
  // clamped into range (out-of-range entries are dropped above).
  auto type = cast<MemRefType>(mask.getType());
  SmallVector<Value> full = {k.batch, h, k.minu(qRow, k.lastIndex(k.nq)),
                             k.minu(kvRow, k.lastIndex(k.nk))};
  SmallVector<Value> indices;
  for (int64_t i = 0; i < 4; ++i)
    indices.push_back(type.getDimSize(i) == 1 ? k.idx(0) : full[i]);
  return arith::AndIOp::create(b, ok, k.load(mask, indices));
}

SmallVector<Value> BackwardKernels::columnValues(Value rows, Value h,
                                                 Value qBase, int64_t n) {
  SmallVector<Value> values;
  for (int64_t c = 0; c < 2; ++c) {
    Value qRow = k.add(qBase, fragCol(n, c));
    values.push_back(
        k.load(rows, {k.batch, h, k.minu(qRow, k.lastIndex(k.nq))}));
  }
  return values;
}

SmallVector<Value> BackwardKernels::probabilities(ArrayRef<Value> s, Value h,
                                                  Value qBase) {
  // P^T = exp2(S^T scale log2(e) - lse log2(e)), 0 where not visible and
  // where the row sees no key (lse = -inf).
  ImplicitLocOpBuilder &b = k.b;
  auto accType = VectorType::get({2, 2}, k.f32);
  SmallVector<Value> p;
  for (int64_t n = 0; n < (int64_t)s.size(); ++n) {
    SmallVector<Value> lse = columnValues(k.op.getLogsumexp(), h, qBase, n);
    SmallVector<Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value qRow = k.add(qBase, fragCol(n, c));
        Value kvRow = k.add(kvBase, fragRow(r));
        Value x = arith::MulFOp::create(b, k.element(s[n], r, c), scaleLog2);
        x = arith::SubFOp::create(b, x,
                                  arith::MulFOp::create(b, lse[c], log2e));
        Value live = arith::AndIOp::create(
            b, visible(kvRow, qRow, h),
            arith::CmpFOp::create(b, arith::CmpFPredicate::ONE, lse[c],
                                  negInf));
        out.push_back(k.select(live, k.exp2(x), zero));
      }
    p.push_back(vector::FromElementsOp::create(b, accType, out));
  }
  return p;
}

SmallVector<Value> BackwardKernels::scoreGradients(ArrayRef<Value> p,
                                                   ArrayRef<Value> dp, Value h,
                                                   Value qBase) {
  // dS^T = P^T (dP^T - D), D of each q column.
  ImplicitLocOpBuilder &b = k.b;
  auto accType = VectorType::get({2, 2}, k.f32);
  SmallVector<Value> ds;
  for (int64_t n = 0; n < (int64_t)p.size(); ++n) {
    SmallVector<Value> rowDot = columnValues(k.rowDot, h, qBase, n);
    SmallVector<Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value diff =
            arith::SubFOp::create(b, k.element(dp[n], r, c), rowDot[c]);
        out.push_back(arith::MulFOp::create(b, k.element(p[n], r, c), diff));
      }
    ds.push_back(vector::FromElementsOp::create(b, accType, out));
  }
  return ds;
}

void BackwardKernels::storeScoreGradients(ArrayRef<Value> ds) {
  // dS (not transposed: [q rows, kv rows]) in the element type, the A
  // operand of dQ += dS K_j.
  for (int64_t n = 0; n < (int64_t)ds.size(); ++n)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        memref::StoreOp::create(k.b, k.toElt(k.element(ds[n], r, c)), sDS,
                                ValueRange{fragCol(n, c), fragRow(r)});
  gpu::BarrierOp::create(k.b);
}

void BackwardKernels::addQueryGradient(Value h, Value qBase) {
  // dQ_i += dS K_j: units of 16 q rows x 16 columns of dQ, dealt to the
  // warps in turn; each unit's f32 sums are added to the accumulator.
  ImplicitLocOpBuilder &b = k.b;
  int64_t colUnits = k.d / 16, units = (k.t.blockQ / 16) * colUnits;
  for (int64_t w = 0; w < llvm::divideCeil(units, k.t.warps); ++w) {
    Value unit = k.addc(k.warp, w * k.t.warps);
    auto body = [&] {
      Value rowBase = k.mulc(k.divc(unit, colUnits), 16);
      Value colBase = k.mulc(k.remc(unit, colUnits), 16);
      Value acc[2] = {ops.zero(), ops.zero()};
      for (int64_t kk = 0; kk < k.t.blockKV / 16; ++kk) {
        Value a = ops.ldmatrix(sDS, {k.add(rowBase, laneRow16),
                                     k.addc(k.mulc(laneHalf, 8), 16 * kk)},
                               /*transpose=*/false);
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

SmallVector<Value> BackwardKernels::step(Value h, Value qBlock,
                                         ValueRange accs) {
  Value qBase = k.mulc(qBlock, k.t.blockQ);
  loadQBlock(h, qBase);
  int64_t qPairs = k.t.blockQ / 16;
  SmallVector<Value> dK(accs.begin(), accs.begin() + k.d / 8);
  SmallVector<Value> dV(accs.begin() + k.d / 8, accs.end());
  // S^T = K_j Q_i^T and P^T; dV_j += P^T dO_i.
  SmallVector<Value> s = productRows(sK, sQ, k.d / 16, qPairs);
  SmallVector<Value> p = probabilities(s, h, qBase);
  accumulateTransposed(dV, p, sDO, k.dv / 8);
  // dP^T = V_j dO_i^T, dS^T; dK_j += dS^T Q_i.
  SmallVector<Value> dp = productRows(sV, sDO, k.dv / 16, qPairs);
  SmallVector<Value> ds = scoreGradients(p, dp, h, qBase);
  accumulateTransposed(dK, ds, sQ, k.d / 8);
  storeScoreGradients(ds);
  addQueryGradient(h, qBase);
  SmallVector<Value> next(dK);
  next.append(dV);
  return next;
}

void BackwardKernels::writeKeyValueGradients(ArrayRef<Value> accs) {
  // dK_j * scale and dV_j, rounded, to the rows of K_j in range.
  ImplicitLocOpBuilder &b = k.b;
  Value scale = k.f32c(k.scale);
  for (int64_t r = 0; r < 2; ++r) {
    Value row = k.add(kvBase, fragRow(r));
    k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nk), [&] {
      for (int64_t n = 0; n < (int64_t)accs.size(); ++n) {
        bool isK = n < k.d / 8;
        Value dst =
            isK ? k.op.getKeyGradInit() : k.op.getValueGradInit();
        int64_t tile = isK ? n : n - k.d / 8;
        for (int64_t c = 0; c < 2; ++c) {
          Value v = k.element(accs[n], r, c);
          if (isK)
            v = arith::MulFOp::create(b, v, scale);
          memref::StoreOp::create(
              b, k.toElt(v), dst,
              ValueRange{k.batch, k.head, row, fragCol(tile, c)});
        }
      }
    });
  }
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
                                                  KernelKind kind) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  // cp.async copies 16-byte chunks of Q, K, V and dO.
  for (Value operand :
       {op.getQuery(), op.getKey(), op.getValue(), op.getOutGrad()})
    requireAlignment(operand, kSharedChunkBytes);
  BackwardContext k(op, b, tiling);
  if (kind == KernelKind::Wgmma)
    return buildBackwardHost(k, [&] { buildWgmmaBackwardMain(k); });
  BackwardKernels kernels(k);
  buildBackwardHost(k, [&] { kernels.buildMain(); });
}
