//===- KernelContext.cpp - What every part of the kernel emits and reads --===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The arithmetic every part emits (Emitter), the kernel's context (sizes,
// launch ids, the visited kv-blocks, the step's constants) and the fragment
// conversions both tensor-core families share.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// Emitter
//===----------------------------------------------------------------------===//

void Emitter::ifThen(Value condition, const std::function<void()> &then) {
  auto ifOp = scf::IfOp::create(b, condition, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  then();
}

Value Emitter::shuffleXor(Value v, int64_t offset) {
  Value off = arith::ConstantIntOp::create(b, b.getI32Type(), offset);
  Value width = arith::ConstantIntOp::create(b, b.getI32Type(), 32);
  return gpu::ShuffleOp::create(b, v, off, width, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

Value Emitter::exp2(Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, b.getF32Type(), b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f"),
             ValueRange{x})
      .getResult(0);
}

void Emitter::syncWarp() {
  NVVM::SyncWarpOp::create(
      b, arith::ConstantIntOp::create(b, b.getI32Type(), -1));
}

SmallVector<Value> Emitter::fenceRegisters(ValueRange values) {
  std::string constraints;
  SmallVector<Type> types;
  for (Value v : values) {
    constraints += v.getType().isF32() ? "=f," : "=r,";
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < values.size(); ++i)
    constraints += std::to_string(i) + (i + 1 < values.size() ? "," : "");
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value fenced =
      LLVM::InlineAsmOp::create(b, structType, values, "", constraints,
                                /*has_side_effects=*/true,
                                /*is_align_stack=*/false,
                                LLVM::TailCallKind::None,
                                LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  SmallVector<Value> result;
  for (size_t i = 0; i < values.size(); ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, fenced, i));
  return result;
}

void Emitter::fenceAsyncProxy() {
  MLIRContext *ctx = b.getContext();
  NVVM::FenceProxyOp::create(
      b, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
      NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
}


//===----------------------------------------------------------------------===//
// KernelContext
//===----------------------------------------------------------------------===//

KernelContext::KernelContext(AttentionOp op, ImplicitLocOpBuilder &b,
                             const Tiling &tiling,
                             const KernelSchedule &schedule)
    : Emitter(b), op(op), t(tiling), schedule(schedule),
      wg(schedule.kernel == KernelKind::Wgmma), tma(schedule.usesTma()),
      release(schedule.releasesWithMBarriers()),
      producer(schedule.hasProducer()), overlap(schedule.overlapsSteps()),
      pingpong(schedule.pingpong) {
  elt = op.getQueryType().getElementType();
  f32 = b.getF32Type();
  accType = VectorType::get({2, 2}, f32);
  rowType = VectorType::get({2}, f32);
  pairType = VectorType::get({2}, elt);
  d = op.getHeadDim();
  dv = op.getValueHeadDim();
  rowsPerWarp = t.blockQ / t.warps; // 16 for wgmma
  mTiles = rowsPerWarp / 16;
  threads = 32 * t.warps;
  nTilesS = t.blockKV / 8;
  nTilesO = dv / 8;
  causal = op.getCausal();
  window = op.getWindowAttr();
  pattern = op.getMaskPatternAttr();
  if (pattern)
    chunk = pattern.getChunk();
  scale = op.getScaleValue();
}

void KernelContext::setUpLaunch(Value numQBlocks, Value batchSize,
                                Value smem) {
  launch = gpu::LaunchOp::create(
      b, numQBlocks, idx(op.getNumQueryHeads()), batchSize,
      idx(threads + (producer ? kWarpgroupThreads : 0)), one, one, smem);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);

  qBlock = launch.getBlockIds().x;
  // Causal: the last q-blocks see the most keys; launch them first so that
  // the short ones fill the last wave (blocks start in blockIdx.x order).
  if (causal)
    qBlock = arith::SubIOp::create(
        b, arith::SubIOp::create(b, launch.getGridSize().x, qBlock), idx(1));
  head = launch.getBlockIds().y;
  batch = launch.getBlockIds().z;
  tid = launch.getThreadIds().x;
  lane = remc(tid, 32);
  warp = divc(tid, 32);
  kvHead = divc(head, op.getGroupSize());
  qBase = mulc(qBlock, t.blockQ);
}

void KernelContext::setUpKVRange() {
  // Key j is visible to row i iff j <= i + Nk - Nq.
  Value numKV = arith::CeilDivUIOp::create(b, nk, idx(t.blockKV));
  kvEnd = numKV;
  diagonal = arith::SubIOp::create(b, nk, nq); // Nk - Nq (signed)
  if (pattern && getAttentionProblem(op).maskPattern().needsBlockLists()) {
    setUpBlockList();
    return;
  }
  if (!causal && !window && !chunk)
    return;
  lastRow = arith::SubIOp::create(
      b, arith::MinSIOp::create(b, addc(qBase, t.blockQ), nq), one);
  Value lastKey = add(lastRow, diagonal);
  // A window sees right extent keys past the diagonal (0 with causal).
  if (window && window.getRight() != 0)
    lastKey = addc(lastKey, window.getRight());
  // A chunk, without causal: up to the last key of the last row's chunk.
  if (chunk && !causal)
    lastKey =
        addc(mulc(arith::FloorDivSIOp::create(b, lastKey, idx(chunk)), chunk),
             chunk - 1);
  Value blocks =
      addc(arith::FloorDivSIOp::create(b, lastKey, idx(t.blockKV)), 1);
  blocks = arith::MaxSIOp::create(b, blocks, idx(0));
  kvEnd = arith::MinSIOp::create(b, blocks, numKV);
  if (!window && !chunk)
    return;
  // The first row sees keys from qBase + Nk - Nq - left (from its chunk's
  // first): the blocks before its block are never loaded; the loops count
  // steps from kvBegin.
  Value firstKey = window ? addc(add(qBase, diagonal), -window.getLeft())
                          : mulc(arith::FloorDivSIOp::create(
                                     b, add(qBase, diagonal), idx(chunk)),
                                 chunk);
  kvBegin = arith::MaxSIOp::create(
      b, arith::FloorDivSIOp::create(b, firstKey, idx(t.blockKV)), idx(0));
  kvEnd = arith::MaxSIOp::create(b, arith::SubIOp::create(b, kvEnd, kvBegin),
                                 idx(0));
}

void KernelContext::setUpBlockList() {
  // The decision is BlockClassifier's, made once for the tiling: this
  // q-block's list, full blocks first (docs/BlockSparse.md, "The kernels'
  // block lists"). Three reads at the start: where the list lies and how
  // many of it are full.
  BlockLists lists =
      BlockClassifier(getAttentionProblem(op).maskPattern(), t.blockQ,
                      t.blockKV)
          .lists(/*byKVBlock=*/false);
  for (int64_t r = 0; r < lists.rows; ++r) {
    listsHaveFull |= lists.fullCount(r) > 0;
    listsHavePartial |= lists.end(r) - lists.begin(r) > lists.fullCount(r);
  }
  blockList = blockListGlobal(b, op, lists);
  listLast = idx(int64_t(lists.data.size()) - 1);
  listBegin = loadListEntry(*this, blockList, qBlock);
  kvEnd = sub(loadListEntry(*this, blockList, addc(qBlock, 1)), listBegin);
  listFull =
      loadListEntry(*this, blockList, addc(qBlock, lists.fullCountIndex(0)));
}

Value KernelContext::listEntry(Value begin, Value step) {
  return loadListEntry(*this, blockList, minu(add(begin, step), listLast));
}

Value mlir::fa::nvgpu_kernel::blockListGlobal(ImplicitLocOpBuilder &b,
                                              Operation *op,
                                              const BlockLists &lists) {
  auto type = MemRefType::get({int64_t(lists.data.size())}, b.getI32Type());
  auto value = DenseElementsAttr::get(
      RankedTensorType::get(type.getShape(), b.getI32Type()),
      ArrayRef<int32_t>(lists.data));
  Operation *module = SymbolTable::getNearestSymbolTable(op->getParentOp());
  // Built unlinked, then inserted under a unique name: the module may hold
  // the lists of several kernels.
  OpBuilder unlinked(b.getContext());
  auto global = memref::GlobalOp::create(
      unlinked, b.getLoc(), "__fa_block_lists", b.getStringAttr("private"),
      type, value, /*constant=*/true, IntegerAttr());
  SymbolTable(module).insert(global, module->getRegion(0).front().begin());
  return memref::GetGlobalOp::create(b, type, global.getSymName());
}

Value mlir::fa::nvgpu_kernel::loadListEntry(Emitter &e, Value list,
                                            Value index) {
  Value entry = memref::LoadOp::create(e.b, list, ValueRange{index});
  return arith::IndexCastOp::create(e.b, e.b.getIndexType(), entry);
}

Value mlir::fa::nvgpu_kernel::listLiveSteps(
    Emitter &e, Value warp, Value lane, Value total, Value list,
    int64_t countAt, llvm::function_ref<Value(Value t, Value exists)> live,
    ArrayRef<Value> bounds, SmallVectorImpl<Value> *countsBelow) {
  ImplicitLocOpBuilder &b = e.b;
  Value i32Zero = e.i32c(0);
  e.ifThen(e.cmp(arith::CmpIPredicate::eq, warp, e.idx(0)), [&] {
    Type i32 = b.getI32Type();
    Value lane32 = arith::IndexCastUIOp::create(b, i32, lane);
    Value lanesBelow = arith::SubIOp::create(
        b, arith::ShLIOp::create(b, e.i32c(1), lane32), e.i32c(1));
    Value lb = e.idx(0), step = e.idx(32);
    // The live steps so far, then those below each bound.
    SmallVector<Value> init(1 + bounds.size(), i32Zero);
    auto scan = scf::ForOp::create(b, lb, total, step, init);
    b.setInsertionPointToStart(scan.getBody());
    Value listed = scan.getRegionIterArgs().front();
    Value t = e.add(scan.getInductionVar(), lane);
    Value isLive = live(t, e.cmp(arith::CmpIPredicate::ult, t, total));
    Value ballot = NVVM::VoteSyncOp::create(b, i32, e.i32c(-1), isLive,
                                            NVVM::VoteSyncKind::ballot);
    Value before = LLVM::CtPopOp::create(
        b, i32, arith::AndIOp::create(b, ballot, lanesBelow));
    e.ifThen(isLive, [&] {
      Value at = arith::IndexCastUIOp::create(
          b, b.getIndexType(), arith::AddIOp::create(b, listed, before));
      memref::StoreOp::create(b, arith::IndexCastUIOp::create(b, i32, t),
                              list, ValueRange{at});
    });
    SmallVector<Value> next = {arith::AddIOp::create(
        b, listed, LLVM::CtPopOp::create(b, i32, ballot))};
    for (auto [i, bound] : llvm::enumerate(bounds)) {
      Value below = arith::AndIOp::create(
          b, isLive, e.cmp(arith::CmpIPredicate::slt, t, bound));
      Value votes = NVVM::VoteSyncOp::create(b, i32, e.i32c(-1), below,
                                             NVVM::VoteSyncKind::ballot);
      next.push_back(arith::AddIOp::create(
          b, scan.getRegionIterArgs()[1 + i],
          LLVM::CtPopOp::create(b, i32, votes)));
    }
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(scan);
    e.ifThen(e.cmp(arith::CmpIPredicate::eq, lane, e.idx(0)), [&] {
      for (auto [i, count] : llvm::enumerate(scan.getResults()))
        memref::StoreOp::create(b, count, list,
                                ValueRange{e.idx(countAt + int64_t(i))});
    });
  });
  gpu::BarrierOp::create(b);
  auto readCount = [&](int64_t at) -> Value {
    return arith::IndexCastUIOp::create(
        b, b.getIndexType(),
        memref::LoadOp::create(b, list, ValueRange{e.idx(at)}));
  };
  Value count = readCount(countAt);
  for (size_t i = 0; i < bounds.size(); ++i)
    countsBelow->push_back(readCount(countAt + 1 + int64_t(i)));
  return count;
}

SmallVector<Value> KernelContext::compactWalk(Value list, int64_t entries,
                                              ArrayRef<Value> bounds) {
  assert(int64_t(bounds.size()) < kWalkListCounts &&
         "the list holds the count and kWalkListCounts - 1 bounds' counts");
  SmallVector<Value> countsBelow;
  // A lane past the walk reads a clamped entry of the mask's row (a valid
  // address); its step is not listed.
  Value count = listLiveSteps(
      *this, warp, lane, kvEnd, list, entries,
      [&](Value t, Value exists) {
        return arith::AndIOp::create(b, exists, blockLive(keyBlock(t)));
      },
      bounds, &countsBelow);
  kvEnd = count;
  walkList = list;
  walkEntries = entries;
  return countsBelow;
}

Value KernelContext::walkEntry(Value step) {
  Value entry = memref::LoadOp::create(
      b, walkList, ValueRange{minu(step, idx(walkEntries - 1))});
  return arith::IndexCastUIOp::create(b, b.getIndexType(), entry);
}

Value mlir::fa::nvgpu_kernel::patternKeep(Emitter &e, MaskPatternAttr pattern,
                                          Value local, Value diagonalKey,
                                          Value col) {
  ImplicitLocOpBuilder &b = e.b;
  if (!pattern)
    return local;
  if (int64_t c = pattern.getChunk()) // the row's chunk: floor(i' / C) == floor(j / C)
    local = e.cmp(arith::CmpIPredicate::eq,
                  arith::FloorDivSIOp::create(b, diagonalKey, e.idx(c)),
                  arith::FloorDivSIOp::create(b, col, e.idx(c)));
  if (int64_t n = pattern.getButterfly()) {
    // Linked cells: x = floor(i' / B) xor floor(j / B) is 0 or a power of
    // two, x & (x - 1) == 0.
    Value x = arith::XOrIOp::create(
        b, arith::FloorDivSIOp::create(b, diagonalKey, e.idx(n)),
        arith::FloorDivSIOp::create(b, col, e.idx(n)));
    local = e.cmp(arith::CmpIPredicate::eq,
                  arith::AndIOp::create(b, x, e.addc(x, -1)), e.idx(0));
  }
  if (int64_t g = pattern.getGlobal()) {
    // The first G positions see and are seen by every position.
    Value global = arith::OrIOp::create(
        b, e.cmp(arith::CmpIPredicate::slt, col, e.idx(g)),
        e.cmp(arith::CmpIPredicate::slt, diagonalKey, e.idx(g)));
    local = local ? arith::OrIOp::create(b, local, global) : global;
  }
  return local;
}

void KernelContext::setUpBlockMask() {
  Value blockMask = op.getBlockMask();
  if (!blockMask)
    return;
  auto type = cast<MemRefType>(blockMask.getType());
  BlockSparseAttr blocks = op.getBlockSparseAttr();
  // A static 1 is broadcast; the q-block lies in one mask row (block_q
  // divides the mask's block_q).
  maskBatch = type.getDimSize(0) == 1 ? idx(0) : batch;
  maskHead = type.getDimSize(1) == 1 ? idx(0) : head;
  maskRow = divc(qBase, blocks.getBlockQ());
  maskLastCol = lastIndex(memref::DimOp::create(b, blockMask, 3));
}

Value KernelContext::blockLive(Value block) {
  Value col = minu(divc(mulc(block, t.blockKV),
                        op.getBlockSparseAttr().getBlockKv()),
                   maskLastCol);
  Value entry = memref::LoadOp::create(
      b, op.getBlockMask(), ValueRange{maskBatch, maskHead, maskRow, col});
  Value zero = arith::ConstantIntOp::create(b, entry.getType(), 0);
  return cmp(arith::CmpIPredicate::ne, entry, zero);
}

scf::ForOp KernelContext::openLoop(Value lb, Value ub, ValueRange init) {
  auto loop = scf::ForOp::create(b, lb, ub, one, init);
  b.setInsertionPointToStart(loop.getBody());
  return loop;
}

void KernelContext::setUpConstants() {
  negInfF = f32c(-std::numeric_limits<float>::infinity());
  zeroF = f32c(0.0);
  scaleLog2 = f32c(scale * M_LOG2E);
  invScale = f32c(1.0 / scale);
}

//===----------------------------------------------------------------------===//
// Fragments
//===----------------------------------------------------------------------===//

Value mlir::fa::nvgpu_kernel::accumulatorsToA(Emitter &e, Type elt, Value lo,
                                              Value hi) {
  auto aType = VectorType::get({4, 2}, elt);
  auto pairType = VectorType::get({2}, elt);
  SmallVector<Value> regs;
  for (Value frag : {lo, hi})
    for (int64_t r = 0; r < 2; ++r) {
      Value row = vector::ExtractOp::create(e.b, frag, ArrayRef<int64_t>{r});
      Value narrow = arith::TruncFOp::create(e.b, pairType, row);
      regs.push_back(e.element(narrow, 0));
      regs.push_back(e.element(narrow, 1));
    }
  return vector::FromElementsOp::create(e.b, aType, regs);
}

SmallVector<Value> mlir::fa::nvgpu_kernel::pAFragments(
    KernelContext &k, ArrayRef<SmallVector<Value>> pFrags, int64_t kk) {
  SmallVector<Value> aFrag;
  for (int64_t mi = 0; mi < k.mTiles; ++mi)
    aFrag.push_back(accumulatorsToA(k, k.elt, pFrags[mi][2 * kk],
                                    pFrags[mi][2 * kk + 1]));
  return aFrag;
}

SmallVector<Value> mlir::fa::nvgpu_kernel::packedPairs(Emitter &e, Value frag,
                                                       int64_t pairs) {
  SmallVector<Value> regs;
  for (int64_t i = 0; i < pairs; ++i) {
    Value pair = vector::ExtractOp::create(e.b, frag, ArrayRef<int64_t>{i});
    Value asInt = vector::BitCastOp::create(
        e.b, VectorType::get({1}, e.b.getI32Type()), pair);
    regs.push_back(e.element(asInt, 0));
  }
  return regs;
}
