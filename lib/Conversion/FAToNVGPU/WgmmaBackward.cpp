//===- WgmmaBackward.cpp - The wgmma backward's main kernel (sm_90a) ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// FlashAttention's backward on wgmma (docs/Backward.md, "On the GPU: the
// wgmma kernels"), for an fa.attention_grad whose #fa.backward_schedule is
// `kernel = wgmma`: the main kernel between the shared preprocess and
// convert kernels (BackwardHost.cpp). Grid (kv-blocks, Hkv, B),
// K/V-stationary, two warpgroups each owning 64 kv rows of K_j, V_j and
// of the f32 dK_j, dV_j accumulators. For every query head of the group and
// every q-block that sees the block, each warpgroup computes, in the
// 128-byte swizzled tiles wgmma reads:
//
//   S^T  = K_wg Q_i^T        (both operands in shared memory, K-major)
//   P^T  = exp2(S^T scale log2(e) - lse log2(e)), masked
//   dP^T = V_wg dO_i^T
//   dS^T = P^T (dP^T - D)
//   dV  += P^T dO_i          (A from registers, dO_i MN-major)
//   dK  += dS^T Q_i          (A from registers, Q_i MN-major)
//
// then dS^T goes to shared memory as [kv, q] and, after a barrier, each
// warpgroup computes dQ_i for half of the head dim, dS K_j (dS read
// MN-major, the transposed A; K_j MN-major), adding it to the f32 dQ
// accumulator with atomics (dq = ordered: in a fixed kv-block order, the
// mma.sync backward's DqTurns). A window bounds the q-blocks a kv-block
// visits; a block mask skips a step whole (no loads, no products, no dQ).
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

namespace {

/// The main kernel: its shared memory, ids, and the parts of a step, in the
/// order a step runs them.
class WgmmaBackwardMain {
public:
  explicit WgmmaBackwardMain(BackwardContext &k)
      : k(k), e(k.elt.getIntOrFloatBitWidth() / 8),
        layout(k.t, k.d, k.dv, e) {}
  void build();

private:
  void setUpShared();
  void setUpIds();
  /// cp.async of a [rows, cols] row tile into the swizzled tile at byte
  /// offset `tileBytes`.
  void copyTile(Value src, Value head, Value rowBase, Value rowEnd,
                int64_t rows, int64_t cols, int64_t tileBytes,
                SmallVectorImpl<Value> &tokens);
  /// Element offset of the 16-byte chunk (row, col) of the swizzled tile
  /// of `rows` rows at byte offset `tileBytes`.
  Value swizzled(int64_t tileBytes, int64_t rows, Value row, Value col);
  /// The shared byte address `bytes` past the aligned base, plus `dynamic`
  /// bytes (index) if given.
  Value address(int64_t bytes, Value dynamic = Value());

  SmallVector<Value> step(Value h, Value qBlock, ValueRange accs);
  /// A step's loads, products and dQ adds: the new dK_wg, dV_wg.
  SmallVector<Value> computeStep(Value h, Value qBase, ValueRange accs);
  /// Ordered dQ: whether step (h, qBlock) has a step before it in the
  /// block's loops, and that step's (query head, q-block).
  Value hasPreviousStep(Value h, Value qBlock);
  std::pair<Value, Value> previousStep(Value h, Value qBlock);
  void loadQueryBlock(Value h, Value qBase);
  /// [64 kv rows of the warpgroup] x [block_q]: the rows of the tile at
  /// `rowsBytes` (this warpgroup's) times the q-block's tile at `qBytes`,
  /// both K-major over `cols` columns; issued as one group, not waited
  /// for: the accumulator struct.
  Value issueTransposedScores(int64_t rowsBytes, int64_t qBytes,
                              int64_t cols);
  /// The m16n8 fragments of a completed issueTransposedScores.
  SmallVector<Value> scoreFragments(Value acc);
  SmallVector<Value> probabilities(ArrayRef<Value> s, Value h, Value qBase);
  SmallVector<Value> scoreGradients(ArrayRef<Value> p, ArrayRef<Value> dp,
                                    Value h, Value qBase);
  /// The warpgroup's [64, block_q] f32 fragments as wgmma A registers in
  /// the element type: 4 a k16 step, register i of step kk the pair of row
  /// r = i % 2, n-tile 2 kk + i / 2.
  SmallVector<Value> aRegisters(ArrayRef<Value> frags);
  /// acc += A tile: `aRegs` (aRegisters) the A operand, the q-block's tile
  /// at `tileBytes` MN-major over `cols`; issued as one group, not waited
  /// for: the registers it writes.
  SmallVector<Value> issueAccumulate(ArrayRef<Value> acc,
                                     ArrayRef<Value> aRegs, int64_t tileBytes,
                                     int64_t cols);
  /// `acc` from the registers of a completed issueAccumulate.
  void finishAccumulate(MutableArrayRef<Value> acc, ArrayRef<Value> out);
  /// Waits until at most `pending` wgmma groups are in flight.
  void waitForWgmma(int64_t pending) {
    NVVM::WgmmaWaitGroupSyncOp::create(k.b, pending);
  }
  /// dS^T's A registers (aRegisters) to the [kv, q] tile; barrier.
  void storeScoreGradients(ArrayRef<Value> dsRegs);
  void addQueryGradient(Value h, Value qBase);
  /// The staged logsumexp (`which` 0) or D (1) of the two q columns of
  /// n-tile `n`.
  SmallVector<Value> columnValues(int64_t which, int64_t n);
  void writeKeyValueGradients(ArrayRef<Value> accs);
  /// The lane's accumulator element (r, c) of n-tile n: its kv row within
  /// the block and its column.
  Value fragRow(int64_t r) { return k.addc(k.add(wgRow, quadRow), 8 * r); }
  Value fragCol(int64_t n, int64_t c) { return k.addc(quadCol, 8 * n + c); }

  BackwardContext &k;
  int64_t e;
  WgmmaBackwardLayout layout;
  VectorType accType;
  Value base, flat, pad, sharedBase;
  /// The q-block's logsumexp and D rows in shared memory (f32 [2, block_q]).
  Value sRows;
  Value kvBase, wg, wgRow, quadRow, quadCol, wgRowBytes, zero;
  /// The q-blocks [first, end) the block visits for each query head.
  Value first, end;
  /// Ordered dQ's turns (with dq = ordered).
  std::optional<DqTurns> turns;
};

} // namespace

//===----------------------------------------------------------------------===//
// Shared memory and ids
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::setUpShared() {
  // The dynamic shared memory's base rounded up to the swizzle atom (the
  // swizzle is a function of the address bits), as the forward's
  // SharedTiles does; the launch's bytes include the slack.
  ImplicitLocOpBuilder &b = k.b;
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
  int64_t atom = kWgmmaSwizzleAtomBytes;
  Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
  pad = k.remc(arith::SubIOp::create(b, k.idx(atom), k.remc(addr, atom)),
               atom);
  int64_t elements = (layout.totalBytes - atom) / e;
  auto flatType = MemRefType::get({ShapedType::kDynamic}, k.elt,
                                  MemRefLayoutAttrInterface(), workgroup);
  flat = memref::ViewOp::create(b, flatType, base, pad,
                                ValueRange{k.idx(elements)});
  sharedBase = arith::IndexCastOp::create(b, b.getI64Type(), k.add(addr, pad));
  sRows = memref::ViewOp::create(
      b,
      MemRefType::get({2, k.t.blockQ}, k.f32, MemRefLayoutAttrInterface(),
                      workgroup),
      base, k.addc(pad, layout.rows), ValueRange{});
}

void WgmmaBackwardMain::setUpIds() {
  // Ordered dQ: the grid runs the kv-blocks last first (kvBlockIndex).
  Value kvBlock = k.kvBlockIndex();
  if (k.orderedDq)
    turns.emplace(k, kvBlock);
  kvBase = k.mulc(kvBlock, k.t.blockKV);
  wg = k.divc(k.tid, kWarpgroupThreads);
  wgRow = k.add(k.mulc(wg, kWarpgroupRows),
                k.mulc(k.remc(k.warp, kWarpgroupThreads / 32), 16));
  quadRow = k.divc(k.lane, 4);
  quadCol = k.mulc(k.remc(k.lane, 4), 2);
  wgRowBytes = k.mulc(wg, kWarpgroupRows * kWgmmaSwizzleRowBytes);
  accType = VectorType::get({2, 2}, k.f32);
  k.setUpScoreConstants();
  zero = k.zero;
}

Value WgmmaBackwardMain::swizzled(int64_t tileBytes, int64_t rows, Value row,
                                  Value col) {
  int64_t columns = kWgmmaSwizzleRowBytes / e, width = kSharedChunkBytes / e;
  Value block = k.divc(col, columns);
  Value chunk = k.divc(k.remc(col, columns), width);
  Value swizzledChunk = arith::XOrIOp::create(
      k.b, chunk, k.remc(row, kWgmmaSwizzleAtomRows));
  return k.add(k.addc(k.mulc(block, rows * columns), tileBytes / e),
               k.add(k.mulc(row, columns), k.mulc(swizzledChunk, width)));
}

Value WgmmaBackwardMain::address(int64_t bytes, Value dynamic) {
  // The base through an empty asm with side effects: the descriptors
  // derived from it are computed where they are used, in the loop, rather
  // than hoisted out of it as some forty 64-bit values that ptxas would
  // keep live (or spill) across the steps.
  Value addr =
      LLVM::InlineAsmOp::create(k.b, k.b.getI64Type(), ValueRange{sharedBase},
                                "", "=l,0", /*has_side_effects=*/true,
                                /*is_align_stack=*/false,
                                LLVM::TailCallKind::None,
                                LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  if (dynamic)
    addr = arith::AddIOp::create(
        k.b, addr, arith::IndexCastOp::create(k.b, k.b.getI64Type(), dynamic));
  return bytes == 0 ? addr : arith::AddIOp::create(k.b, addr, k.i64c(bytes));
}

void WgmmaBackwardMain::copyTile(Value src, Value head, Value rowBase,
                                 Value rowEnd, int64_t rows, int64_t cols,
                                 int64_t tileBytes,
                                 SmallVectorImpl<Value> &tokens) {
  Value always = arith::ConstantIntOp::create(k.b, k.b.getI1Type(), 1);
  AsyncTileCopy copy{k, k.tid, k.threads, k.batch, kSharedChunkBytes / e};
  copy.copy(src, head, rowBase, rowEnd, always, rows, cols, flat,
            [&](Value row, Value col) -> SmallVector<Value> {
              return {swizzled(tileBytes, rows, row, col)};
            },
            tokens);
}

//===----------------------------------------------------------------------===//
// The kernel and its step
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::build() {
  k.openLaunch(k.blocks(k.nk, k.t.blockKV), k.op.getNumKVHeads(),
               layout.totalBytes);
  ImplicitLocOpBuilder &b = k.b;
  setUpShared();
  setUpIds();
  // K_j and V_j, once: their copies complete with the first step's wait.
  SmallVector<Value> tokens;
  copyTile(k.op.getKey(), k.head, kvBase, k.nk, k.t.blockKV, k.d, layout.k,
           tokens);
  copyTile(k.op.getValue(), k.head, kvBase, k.nk, k.t.blockKV, k.dv,
           layout.v, tokens);
  Value kvGroup = commitAsyncGroup(b, tokens);

  // The q-blocks that see the block: from the one of row kvBase + Nq - Nk
  // - right (causal: right = 0), to the window's end (the tiled form's
  // nest 2 bounds).
  first = k.firstQueryBlock(kvBase, /*clamp=*/false);
  end = k.queryBlockEnd(kvBase);
  // dK_wg then dV_wg: the m64 accumulators' f32 registers.
  SmallVector<Value> init((k.d + k.dv) / 2, zero);
  SmallVector<Value> accs;
  {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp heads = k.openLoop(k.idx(0), k.idx(k.group), k.one, init);
    Value h = k.add(k.mulc(k.head, k.group), heads.getInductionVar());
    scf::ForOp qLoop = k.openLoop(first, end, k.one,
                                  heads.getRegionIterArgs());
    SmallVector<Value> next =
        step(h, qLoop.getInductionVar(), qLoop.getRegionIterArgs());
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(qLoop);
    scf::YieldOp::create(b, qLoop.getResults());
    b.setInsertionPointAfter(heads);
    accs.assign(heads.getResults().begin(), heads.getResults().end());
  }
  // Ordered dQ: the last step's adds are done; its turn passes.
  if (turns)
    turns->finish(k.cmp(arith::CmpIPredicate::slt, first, end), [&] {
      return std::make_pair(k.addc(k.mulc(k.head, k.group), k.group - 1),
                            k.sub(end, k.one));
    });
  // Nothing may be in flight when the block exits (no q-block visited).
  nvgpu::DeviceAsyncWaitOp::create(b, kvGroup, b.getI32IntegerAttr(0));
  writeKeyValueGradients(accs);
}

void WgmmaBackwardMain::loadQueryBlock(Value h, Value qBase) {
  SmallVector<Value> tokens;
  copyTile(k.op.getQuery(), h, qBase, k.nq, k.t.blockQ, k.d, layout.q,
           tokens);
  copyTile(k.op.getOutGrad(), h, qBase, k.nq, k.t.blockQ, k.dv, layout.dO,
           tokens);
  Value group = commitAsyncGroup(k.b, tokens);
  // The q-block's logsumexp and D, read per column by every warp: staged
  // once (threads 0 .. 2 block_q - 1) rather than held in registers.
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(2 * k.t.blockQ)),
           [&] {
             Value which = k.divc(k.tid, k.t.blockQ);
             Value col = k.remc(k.tid, k.t.blockQ);
             Value qRow = k.add(qBase, col);
             Value lse = k.rowValue(k.op.getLogsumexp(), h, qRow);
             Value rowDot = k.rowValue(k.rowDot, h, qRow);
             Value v = k.select(
                 k.cmp(arith::CmpIPredicate::eq, which, k.idx(0)), lse,
                 rowDot);
             memref::StoreOp::create(k.b, v, sRows, ValueRange{which, col});
           });
  nvgpu::DeviceAsyncWaitOp::create(k.b, group, k.b.getI32IntegerAttr(0));
  // wgmma reads through the async proxy: each thread's copies made visible
  // to it before the barrier.
  k.fenceAsyncProxy();
  gpu::BarrierOp::create(k.b);
}

SmallVector<Value> WgmmaBackwardMain::step(Value h, Value qBlock,
                                           ValueRange accs) {
  Value qBase = k.mulc(qBlock, k.t.blockQ);
  // Every warp is done with the previous step's Q, dO and dS (and has
  // added its dQ: ordered, the previous step's turn passes).
  gpu::BarrierOp::create(k.b);
  if (turns)
    turns->begin(
        hasPreviousStep(h, qBlock), [&] { return previousStep(h, qBlock); }, h,
        qBlock);
  if (!k.op.getBlockMask())
    return computeStep(h, qBase, accs);
  // A block mask's skipped pair: no loads, no products, no dQ adds, the
  // accumulators pass through (ordered: its turn still waits and passes).
  ImplicitLocOpBuilder &b = k.b;
  auto branch =
      scf::IfOp::create(b, accs.getTypes(), k.blockLive(h, qBase, kvBase),
                        /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, computeStep(h, qBase, accs));
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  if (turns)
    turns->wait();
  scf::YieldOp::create(b, accs);
  return SmallVector<Value>(branch.getResults());
}

Value WgmmaBackwardMain::hasPreviousStep(Value h, Value qBlock) {
  return arith::OrIOp::create(
      k.b, k.cmp(arith::CmpIPredicate::ugt, qBlock, first),
      k.cmp(arith::CmpIPredicate::ugt, h, k.mulc(k.head, k.group)));
}

std::pair<Value, Value> WgmmaBackwardMain::previousStep(Value h, Value qBlock) {
  // The q-block before in the same head, else the previous head's last.
  Value sameHead = k.cmp(arith::CmpIPredicate::ugt, qBlock, first);
  return {k.select(sameHead, h, k.sub(h, k.one)),
          k.select(sameHead, k.sub(qBlock, k.one), k.sub(end, k.one))};
}

SmallVector<Value> WgmmaBackwardMain::computeStep(Value h, Value qBase,
                                                  ValueRange accs) {
  loadQueryBlock(h, qBase);
  SmallVector<Value> dK(accs.begin(), accs.begin() + k.d / 2);
  SmallVector<Value> dV(accs.begin() + k.d / 2, accs.end());
  // S^T = K_wg Q_i^T and dP^T = V_wg dO_i^T in flight together; P^T while
  // dP^T computes, then dS^T.
  Value sAcc = issueTransposedScores(layout.k, layout.q, k.d);
  Value dpAcc = issueTransposedScores(layout.v, layout.dO, k.dv);
  waitForWgmma(1);
  SmallVector<Value> p = probabilities(scoreFragments(sAcc), h, qBase);
  waitForWgmma(0);
  SmallVector<Value> ds =
      scoreGradients(p, scoreFragments(dpAcc), h, qBase);
  // From here on P^T and dS^T live only as element-type A registers (the
  // f32 fragments die): dV_wg += P^T dO_i and dK_wg += dS^T Q_i in flight
  // while dS^T goes to shared memory; dQ_i += dS K_j waits for every group.
  SmallVector<Value> pRegs = aRegisters(p), dsRegs = aRegisters(ds);
  SmallVector<Value> dVOut = issueAccumulate(dV, pRegs, layout.dO, k.dv);
  SmallVector<Value> dKOut = issueAccumulate(dK, dsRegs, layout.q, k.d);
  // Ordered: thread 0 waits for the q-block's turn before the barrier
  // that precedes the dQ adds.
  if (turns)
    turns->wait();
  storeScoreGradients(dsRegs);
  addQueryGradient(h, qBase);
  finishAccumulate(dV, dVOut);
  finishAccumulate(dK, dKOut);
  SmallVector<Value> next(dK);
  next.append(dV);
  return next;
}

//===----------------------------------------------------------------------===//
// Products
//===----------------------------------------------------------------------===//

Value WgmmaBackwardMain::issueTransposedScores(int64_t rowsBytes,
                                              int64_t qBytes, int64_t cols) {
  // Both tiles K-major: k16 steps walk the 128-byte rows of each 64-column
  // block (32 bytes a step), blocks block_kv (block_q) rows apart.
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  int64_t rowsBlock = k.t.blockKV * kWgmmaSwizzleRowBytes,
          qBlockBytes = k.t.blockQ * kWgmmaSwizzleRowBytes;
  Value aDesc = wgmmaDescriptor(k, address(rowsBytes, wgRowBytes),
                                kKMajorLeadingBytes, kWgmmaSwizzleAtomBytes);
  Value bDesc = wgmmaDescriptor(k, address(qBytes), kKMajorLeadingBytes,
                                kWgmmaSwizzleAtomBytes);
  auto descriptors = [&](int64_t kk) -> std::pair<Value, Value> {
    int64_t block = (16 * kk) / columns, within = ((16 * kk) % columns) * e;
    Value a = advanceDescriptor(k, aDesc, block * rowsBlock + within);
    return {a, advanceDescriptor(k, bDesc, block * qBlockBytes + within)};
  };
  return issueSharedWgmma(k, k.elt, k.t.blockQ, cols / 16, descriptors,
                          NVVM::MMALayout::row, NVVM::MMALayout::col);
}

SmallVector<Value> WgmmaBackwardMain::scoreFragments(Value acc) {
  SmallVector<Value> values;
  for (int64_t i = 0; i < k.t.blockQ / 2; ++i)
    values.push_back(LLVM::ExtractValueOp::create(k.b, acc, i));
  values = k.fenceRegisters(values);
  SmallVector<Value> frags;
  for (int64_t j = 0; j < k.t.blockQ / 8; ++j)
    frags.push_back(vector::FromElementsOp::create(
        k.b, accType, ArrayRef<Value>(values).slice(4 * j, 4)));
  return frags;
}

SmallVector<Value> WgmmaBackwardMain::aRegisters(ArrayRef<Value> frags) {
  // The fragments of two n-tiles are one k16 step's A registers.
  SmallVector<Value> regs;
  for (int64_t kk = 0; kk < (int64_t)frags.size() / 2; ++kk)
    regs.append(packedPairs(
        k, accumulatorsToA(k, k.elt, frags[2 * kk], frags[2 * kk + 1]), 4));
  return regs;
}

SmallVector<Value>
WgmmaBackwardMain::issueAccumulate(ArrayRef<Value> acc, ArrayRef<Value> aRegs,
                                   int64_t tileBytes, int64_t cols) {
  // B: the q-block's tile MN-major, 64-column blocks block_q rows apart, 16
  // rows of 128 bytes a k16 step.
  SmallVector<Value> values(acc.begin(), acc.end());
  values.append(aRegs.begin(), aRegs.end());
  values = k.fenceRegisters(values);
  Value desc = wgmmaDescriptor(
      k, address(tileBytes),
      /*leadingBytes=*/k.t.blockQ * kWgmmaSwizzleRowBytes,
      /*strideBytes=*/kWgmmaSwizzleAtomBytes);
  SmallVector<Value> bDescs;
  for (int64_t kk = 0; kk < k.t.blockQ / 16; ++kk)
    bDescs.push_back(
        advanceDescriptor(k, desc, kk * 16 * kWgmmaSwizzleRowBytes));
  ArrayRef<Value> fenced(values);
  return issueRegisterAWgmma(k, k.elt, fenced.take_front(acc.size()),
                             fenced.drop_front(acc.size()), bDescs, cols);
}

void WgmmaBackwardMain::finishAccumulate(MutableArrayRef<Value> acc,
                                         ArrayRef<Value> out) {
  llvm::copy(k.fenceRegisters(out), acc.begin());
}

void WgmmaBackwardMain::storeScoreGradients(ArrayRef<Value> dsRegs) {
  // dS^T [block_kv, block_q] in the element type, a lane's two adjacent
  // columns (one A register) at once; read back MN-major as dS, the A of
  // dQ += dS K_j.
  auto pairType = VectorType::get({2}, k.elt);
  auto regType = VectorType::get({1}, k.b.getI32Type());
  for (int64_t i = 0; i < (int64_t)dsRegs.size(); ++i) {
    int64_t n = 2 * (i / 4) + (i % 4) / 2, r = i % 2;
    Value reg = vector::FromElementsOp::create(k.b, regType, dsRegs[i]);
    Value pair = vector::BitCastOp::create(k.b, pairType, reg);
    Value at = k.add(swizzled(layout.dS, k.t.blockKV, fragRow(r),
                              k.idx(8 * n)),
                     quadCol);
    vector::StoreOp::create(k.b, pair, flat, ValueRange{at});
  }
  k.fenceAsyncProxy();
  gpu::BarrierOp::create(k.b);
}

void WgmmaBackwardMain::addQueryGradient(Value h, Value qBase) {
  // dQ_i [block_q, D] = dS K_j, each warpgroup D / 2 columns: dS MN-major
  // (stored [kv, q]), K_j MN-major from the warpgroup's first column, 16
  // kv rows of 128 bytes a k16 step.
  ImplicitLocOpBuilder &b = k.b;
  int64_t n = k.d / 2, columns = kWgmmaSwizzleRowBytes / e;
  int64_t kBlockBytes = k.t.blockKV * kWgmmaSwizzleRowBytes;
  Value colBase = k.mulc(wg, n);
  Value colBytes = k.add(k.mulc(k.divc(colBase, columns), kBlockBytes),
                         k.mulc(k.remc(colBase, columns), e));
  Value aDesc = wgmmaDescriptor(k, address(layout.dS),
                                /*leadingBytes=*/kBlockBytes,
                                kWgmmaSwizzleAtomBytes);
  Value bDesc = wgmmaDescriptor(k, address(layout.k, colBytes),
                                /*leadingBytes=*/kBlockBytes,
                                kWgmmaSwizzleAtomBytes);
  auto descriptors = [&](int64_t kk) -> std::pair<Value, Value> {
    int64_t bytes = kk * 16 * kWgmmaSwizzleRowBytes;
    Value a = advanceDescriptor(k, aDesc, bytes);
    return {a, advanceDescriptor(k, bDesc, bytes)};
  };
  Value acc = issueSharedWgmma(k, k.elt, n, k.t.blockKV / 16, descriptors,
                               NVVM::MMALayout::col, NVVM::MMALayout::row);
  waitForWgmma(0);
  SmallVector<Value> values;
  for (int64_t i = 0; i < n / 2; ++i)
    values.push_back(LLVM::ExtractValueOp::create(b, acc, i));
  values = k.fenceRegisters(values);
  // Row q of the accumulator is the warpgroup-local row of wgRow's warp.
  Value localRow = k.sub(wgRow, k.mulc(wg, kWarpgroupRows));
  for (int64_t r = 0; r < 2; ++r) {
    Value row = k.add(qBase, k.addc(k.add(localRow, quadRow), 8 * r));
    k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
      for (int64_t j = 0; j < n / 8; ++j)
        for (int64_t c = 0; c < 2; ++c) {
          Value col = k.add(colBase, fragCol(j, c));
          memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf,
                                      values[4 * j + 2 * r + c], k.dqAcc,
                                      ValueRange{k.batch, h, row, col});
        }
    });
  }
}

//===----------------------------------------------------------------------===//
// P^T and dS^T
//===----------------------------------------------------------------------===//

SmallVector<Value> WgmmaBackwardMain::columnValues(int64_t which,
                                                   int64_t n) {
  return {k.load(sRows, {k.idx(which), fragCol(n, 0)}),
          k.load(sRows, {k.idx(which), fragCol(n, 1)})};
}

SmallVector<Value> WgmmaBackwardMain::probabilities(ArrayRef<Value> s,
                                                    Value h, Value qBase) {
  // P^T: the accumulator's rows are kv rows, its columns query rows (the
  // logsumexp is per column).
  SmallVector<Value> p;
  for (int64_t n = 0; n < (int64_t)s.size(); ++n) {
    SmallVector<Value> lse = columnValues(/*which=*/0, n);
    SmallVector<Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value live = k.visible(k.add(kvBase, fragRow(r)),
                               k.add(qBase, fragCol(n, c)), h);
        out.push_back(k.probability(k.element(s[n], r, c), lse[c], live));
      }
    p.push_back(vector::FromElementsOp::create(k.b, accType, out));
  }
  return p;
}

SmallVector<Value> WgmmaBackwardMain::scoreGradients(ArrayRef<Value> p,
                                                     ArrayRef<Value> dp,
                                                     Value h, Value qBase) {
  // dS^T = P^T (dP^T - D), D of each q column.
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Value> ds;
  for (int64_t n = 0; n < (int64_t)p.size(); ++n) {
    SmallVector<Value> rowDot = columnValues(/*which=*/1, n);
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

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::writeKeyValueGradients(ArrayRef<Value> accs) {
  // dK_j * scale and dV_j, rounded, to the rows of K_j in range.
  k.storeKeyValueGradients(
      [&](int64_t n, int64_t r, int64_t c) { return accs[4 * n + 2 * r + c]; },
      [&](int64_t r) { return k.add(kvBase, fragRow(r)); },
      [&](int64_t n, int64_t c) { return fragCol(n, c); });
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

void mlir::fa::nvgpu_kernel::buildWgmmaBackwardMain(BackwardContext &k) {
  WgmmaBackwardMain(k).build();
}
