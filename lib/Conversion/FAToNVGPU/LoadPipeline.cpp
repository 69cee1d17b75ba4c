//===- LoadPipeline.cpp - cp.async and TMA loads of Q and the K/V slots ---===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// A ring of `stages` K/V slots: block j + stages - 1 is in flight while
// block j is computed. cp.async copies 16-byte chunks by every thread (one
// commit group per block); TMA copies boxes issued by one thread, each
// completing on an mbarrier whose phase parity flips with every refill.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// CpAsyncLoads
//===----------------------------------------------------------------------===//

void AsyncTileCopy::copy(Value src, Value head, Value rowBase, Value rowEnd,
                         Value enabled, int64_t rows, int64_t cols, Value dst,
                         const ChunkIndices &dstIndices,
                         SmallVectorImpl<Value> &tokens) const {
  int64_t chunksPerRow = cols / width;
  int64_t total = rows * chunksPerRow;
  int64_t perThread = llvm::divideCeil(total, threads);
  Value zero = e.idx(0), full = e.idx(width);
  Value lastRow = e.lastIndex(rowEnd);
  for (int64_t i = 0; i < perThread; ++i) {
    Value chunk = e.addc(tid, i * threads);
    // A thread past the tile repeats its last chunk (same bytes, same
    // place): no divergent branch around the copy.
    if ((i + 1) * threads > total)
      chunk = e.minu(chunk, e.idx(total - 1));
    Value row = e.divc(chunk, chunksPerRow);
    Value col = e.mulc(e.remc(chunk, chunksPerRow), width);
    Value global = e.add(rowBase, row);
    Value inRange = arith::AndIOp::create(
        e.b, enabled, e.cmp(arith::CmpIPredicate::ult, global, rowEnd));
    Value srcRow = e.minu(global, lastRow);
    Value srcElements = e.select(inRange, full, zero);
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        e.b, dst, dstIndices(row, col), src,
        ValueRange{batch, head, srcRow, col}, e.b.getIndexAttr(width),
        srcElements, e.b.getUnitAttr()));
  }
}

Value mlir::fa::nvgpu_kernel::commitAsyncGroup(ImplicitLocOpBuilder &b,
                                               ArrayRef<Value> tokens) {
  // nvgpu.device_async_create_group without tokens prints in a form its
  // parser does not take back (the next line's result is read as a token),
  // so a group of copies issued inside branches (no tokens here) is
  // committed with the NVVM op the NVGPU lowering emits.
  if (tokens.empty()) {
    NVVM::CpAsyncCommitGroupOp::create(b);
    return Value();
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
}

void mlir::fa::nvgpu_kernel::waitAsyncGroup(ImplicitLocOpBuilder &b,
                                            Value group, int32_t pending) {
  if (group)
    nvgpu::DeviceAsyncWaitOp::create(b, group, b.getI32IntegerAttr(pending));
  else
    NVVM::CpAsyncWaitGroupOp::create(b, b.getI32IntegerAttr(pending));
}

void CpAsyncLoads::copyTile(Value src, Value head, Value rowBase, Value rowEnd,
                            Value enabled, int64_t rows, int64_t cols,
                            Value dst, const ChunkIndices &dstIndices,
                            SmallVectorImpl<Value> &tokens) {
  AsyncTileCopy{k, k.tid, k.threads, k.batch, tiles.chunkElements()}.copy(
      src, head, rowBase, rowEnd, enabled, rows, cols, dst, dstIndices,
      tokens);
}

Value CpAsyncLoads::loadKV(Value block, Value slot) {
  SmallVector<Value> kvTokens;
  Value rowBase = k.mulc(k.keyBlock(block), k.t.blockKV);
  Value enabled = k.cmp(arith::CmpIPredicate::slt, block, k.kvEnd);
  // A block the block mask skips is zero-filled: no global memory read.
  if (k.predicatesDeadBlocks())
    enabled = arith::AndIOp::create(k.b, enabled,
                                    k.blockLive(k.keyBlock(block)));
  copyTile(k.op.getKey(), k.kvHead, rowBase, k.nk, enabled, k.t.blockKV, k.d,
           tiles.sK, tiles.kIndices(slot), kvTokens);
  copyTile(k.op.getValue(), k.kvHead, rowBase, k.nk, enabled, k.t.blockKV,
           k.dv, tiles.sV, tiles.vIndices(slot), kvTokens);
  return commitAsyncGroup(k.b, kvTokens);
}

void CpAsyncLoads::issueQuery() {
  // Q, then (issueFirstBlocks) blocks 0 .. stages-2, one commit group each.
  SmallVector<Value> tokens;
  Value always = arith::ConstantIntOp::create(k.b, k.b.getI1Type(), 1);
  copyTile(k.op.getQuery(), k.head, k.qBase, k.nq, always, k.t.blockQ, k.d,
           tiles.sQ,
           [this](Value row, Value col) { return tiles.qIndices(row, col); },
           tokens);
  lastGroup = commitAsyncGroup(k.b, tokens);
}

void CpAsyncLoads::issueFirstBlocks() {
  for (int64_t s = 0; s + 1 < k.t.stages; ++s)
    lastGroup = loadKV(k.idx(s), k.idx(s));
}

Value CpAsyncLoads::beginStep(Value j) {
  // Issue block j + stages - 1 into the slot block j - 1 used, and wait for
  // block j. wgmma reads shared memory through the async proxy: each
  // thread's completed copies are made visible to it (fence.proxy.async)
  // before the barrier. That fence is a memory barrier (MEMBAR.ALL.CTA in
  // SASS) that waits for the thread's copies still in flight, so with 2 or
  // more stages the next block's copies are issued after it and after the
  // barrier, which also frees the slot (every thread is past the previous
  // step): waiting for block j then leaves stages - 2 groups in flight, and
  // the step needs no closing barrier. The mma-sync kernel does the same
  // for the one barrier.
  Value ahead = k.addc(j, k.t.stages - 1);
  bool issueAfterBarrier = k.t.stages >= 2;
  if (!issueAfterBarrier) {
    Value group = loadKV(ahead, k.remc(ahead, k.t.stages));
    nvgpu::DeviceAsyncWaitOp::create(k.b, group,
                                     k.b.getI32IntegerAttr(k.t.stages - 1));
  } else {
    nvgpu::DeviceAsyncWaitOp::create(k.b, lastGroup,
                                     k.b.getI32IntegerAttr(k.t.stages - 2));
  }
  if (k.wg)
    k.fenceAsyncProxy();
  gpu::BarrierOp::create(k.b);
  if (issueAfterBarrier)
    loadKV(ahead, k.remc(ahead, k.t.stages));
  return k.remc(j, k.t.stages);
}

void CpAsyncLoads::endStep(Value j) {
  // The slot is refilled by the next step's copies: a barrier first, unless
  // they are issued after the next step's barrier anyway.
  if (k.t.stages < 2)
    gpu::BarrierOp::create(k.b);
}

void CpAsyncLoads::drain() {
  nvgpu::DeviceAsyncWaitOp::create(k.b, lastGroup, k.b.getI32IntegerAttr(0));
}

//===----------------------------------------------------------------------===//
// TmaLoads
//===----------------------------------------------------------------------===//

Value mlir::fa::nvgpu_kernel::createSwizzledTensorMap(
    ImplicitLocOpBuilder &b, Value memref, MemRefType box) {
  // One tensor map per operand, built on the host (the manifest describes
  // it, the runtime encodes it with cuTensorMapEncodeTiled): the 4-d
  // tensor, boxes of [1, 1, rows, 64] (64 columns: the 128-byte swizzle
  // row), swizzled as the wgmma layout, zero-filled out of bounds.
  auto type = cast<MemRefType>(memref.getType());
  Value unranked = memref::CastOp::create(
      b, UnrankedMemRefType::get(box.getElementType(), type.getMemorySpace()),
      memref);
  auto mapType = nvgpu::TensorMapDescriptorType::get(
      b.getContext(), box, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
      nvgpu::TensorMapL2PromoKind::L2PROMO_128B,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  SmallVector<Value> sizes;
  for (int64_t size : box.getShape())
    sizes.push_back(arith::ConstantIndexOp::create(b, size));
  return nvgpu::TmaCreateDescriptorOp::create(b, mapType, unranked, sizes);
}

void mlir::fa::nvgpu_kernel::waitForParity(ImplicitLocOpBuilder &b,
                                           Value bars, Value barId,
                                           Value parity) {
  Value ticks = arith::ConstantIndexOp::create(b, 10000000);
  nvgpu::MBarrierTryWaitParityOp::create(
      b, bars, arith::IndexCastOp::create(b, b.getI1Type(), parity), ticks,
      barId);
}

Value TmaLoads::tensorMap(Value memref, int64_t rows) {
  return createSwizzledTensorMap(k.b, memref, tiles.boxType(rows));
}

void TmaLoads::createTensorMaps(bool withOutput) {
  qMap = tensorMap(k.op.getQuery(), k.t.blockQ);
  kMap = tensorMap(k.op.getKey(), k.t.blockKV);
  vMap = tensorMap(k.op.getValue(), k.t.blockKV);
  // The TMA store: boxes of one warp's rows.
  if (withOutput)
    oMap = tensorMap(k.op.getOutput(), k.rowsPerWarp);
}

void TmaLoads::createBarriers() {
  // The full mbarriers (WgmmaBarriers) complete a phase when their one
  // arrival (the leader's, with the expected bytes) and the bytes have
  // landed; the empty ones when every warp has arrived.
  ImplicitLocOpBuilder &b = k.b;
  MLIRContext *ctx = b.getContext();
  bars = nvgpu::MBarrierCreateOp::create(
      b, nvgpu::MBarrierGroupType::get(
             ctx, gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup),
             barriers.count()));
  // The producer warpgroup's first thread, or thread 0.
  leader = k.cmp(arith::CmpIPredicate::eq, k.tid,
                 k.idx(k.producer ? k.threads : 0));
  k.ifThen(leader, [&] {
    for (int64_t i = 0; i < barriers.fullCount(); ++i)
      nvgpu::MBarrierInitOp::create(b, bars, k.idx(1), k.idx(i),
                                    /*predicate=*/Value());
    // The empty mbarriers: one arrival per warp done with the slot.
    for (int64_t i = 0; i < barriers.emptyCount(); ++i)
      nvgpu::MBarrierInitOp::create(b, bars, k.idx(k.t.warps),
                                    k.idx(barriers.emptyBase() + i),
                                    /*predicate=*/Value());
    NVVM::FenceMbarrierInitOp::create(b);
    for (Value map : {qMap, kMap, vMap, oMap})
      if (map)
        nvgpu::TmaPrefetchOp::create(b, map, /*predicate=*/Value());
  });
}

void TmaLoads::loadTile(Value map, Value tileBase, int64_t rows, int64_t cols,
                        Value row, Value headIndex, Value barId) {
  // One box per 64-column block; coordinates innermost first (the PTX
  // order): column, row, head, batch.
  // A last block past the tensor's columns (cols not a multiple of 64) is
  // zero-filled there (OOB_ZERO).
  int64_t columns = tiles.swizzleColumns();
  int64_t blocks = tiles.paddedColumns(cols) / columns;
  for (int64_t block = 0; block < blocks; ++block) {
    Value dst = tiles.boxAt(rows, k.addc(tileBase, block * rows * columns));
    nvgpu::TmaAsyncLoadOp::create(
        k.b, dst, bars, map,
        ValueRange{k.idx(columns * block), row, headIndex, k.batch}, barId,
        /*multicastMask=*/Value(), /*predicate=*/Value());
  }
}

void TmaLoads::tryWait(Value barId, Value parity) {
  waitForParity(k.b, bars, barId, parity);
}

void TmaLoads::waitFor(Value barId, Value parity) {
  // Without a barrier per step the warp is reconverged first: one of its
  // lanes may come from issuing loads or arriving alone, the wait's PTX
  // loop branches with `bra.uni`, and the wgmmas after it are `.aligned`.
  if (k.release)
    k.syncWarp();
  tryWait(barId, parity);
}

void TmaLoads::arriveEmpty(Value barId) {
  k.ifThen(k.cmp(arith::CmpIPredicate::eq, k.lane, k.idx(0)), [&] {
    nvgpu::MBarrierArriveOp::create(
        k.b, nvgpu::MBarrierTokenType::get(k.b.getContext()), bars, barId);
  });
}

void TmaLoads::loadKV(Value block, Value slot, Value barId, bool withK,
                      bool withV) {
  Value issue = arith::AndIOp::create(
      k.b, leader, k.cmp(arith::CmpIPredicate::slt, block, k.kvEnd));
  auto load = [&] {
    // The boxes' bytes, the zero-filled columns included.
    int64_t cols = (withK ? tiles.paddedColumns(k.d) : 0) +
                   (withV ? tiles.paddedColumns(k.dv) : 0);
    nvgpu::MBarrierArriveExpectTxOp::create(
        k.b, bars, k.idx(k.t.blockKV * cols * tiles.elementBytes()), barId,
        /*predicate=*/Value());
    Value row = k.mulc(k.keyBlock(block), k.t.blockKV);
    if (withK)
      loadTile(kMap, tiles.kOffset(slot), k.t.blockKV, k.d, row, k.kvHead,
               barId);
    if (withV)
      loadTile(vMap, tiles.vOffset(slot), k.t.blockKV, k.dv, row, k.kvHead,
               barId);
  };
  if (!k.predicatesDeadBlocks()) {
    k.ifThen(issue, load);
    return;
  }
  // A block the block mask skips is not loaded: a plain arrival completes
  // its mbarrier's phase, so that the waits stay in step.
  k.ifThen(issue, [&] {
    auto live = scf::IfOp::create(k.b, k.blockLive(k.keyBlock(block)),
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(k.b);
    k.b.setInsertionPointToStart(&live.getThenRegion().front());
    load();
    k.b.setInsertionPointToStart(&live.getElseRegion().front());
    nvgpu::MBarrierArriveOp::create(
        k.b, nvgpu::MBarrierTokenType::get(k.b.getContext()), bars, barId);
  });
}

void TmaLoads::issueQuery() {
  // Q, then (issueFirstBlocks) the first blocks. With empty mbarriers every
  // slot is filled there: each step refills its own slot once every warp is
  // done with it. overlap: K runs one block ahead of V (step j reads K_j
  // and V_{j-1}); with the producer, every K and V slot is filled there.
  k.ifThen(leader, [&] {
    nvgpu::MBarrierArriveExpectTxOp::create(
        k.b, bars,
        k.idx(k.t.blockQ * tiles.paddedColumns(k.d) * tiles.elementBytes()),
        k.idx(barriers.q()), /*predicate=*/Value());
    loadTile(qMap, k.idx(tiles.getLayout().q.offset), k.t.blockQ, k.d,
             k.qBase, k.head, k.idx(barriers.q()));
  });
}

void TmaLoads::issueFirstBlocks() {
  int64_t stages = k.t.stages;
  for (int64_t s = 0; !k.overlap && s + 1 < stages + (k.release ? 1 : 0);
       ++s) {
    Value block = k.idx(s), slot = k.idx(s);
    loadKV(block, slot, slot, /*withK=*/true, /*withV=*/true);
  }
  for (int64_t s = 0; k.overlap && s < stages; ++s)
    loadKV(k.idx(s), k.idx(s), k.idx(s), /*withK=*/true, /*withV=*/false);
  for (int64_t s = 0; k.overlap && s + 1 < stages + (k.producer ? 1 : 0); ++s)
    loadKV(k.idx(s), k.idx(s), vBar(k.idx(s)), /*withK=*/false,
           /*withV=*/true);
  // Every thread waits on the mbarriers after their initialization; the
  // leader issues the prologue's loads first, so that they are in flight
  // during the barrier (docs/decisions.md, D34).
  gpu::BarrierOp::create(k.b);
}

Value TmaLoads::beginStep(Value j) {
  // The wait is on block j's mbarrier, whose phase parity flips each time
  // the slot is refilled; TMA writes and wgmma reads are both in the async
  // proxy, and the mbarrier's phase orders them: no proxy fence.
  Value ahead = k.addc(j, k.t.stages - 1);
  bool issueAfterBarrier = k.t.stages >= 2;
  if (!k.release && !issueAfterBarrier) {
    Value slot = k.remc(ahead, k.t.stages);
    loadKV(ahead, slot, slot, /*withK=*/true, /*withV=*/true);
  }
  waitFor(k.remc(j, k.t.stages), k.remc(k.divc(j, k.t.stages), 2));
  if (!k.release)
    gpu::BarrierOp::create(k.b);
  if (!k.release && issueAfterBarrier) {
    Value slot = k.remc(ahead, k.t.stages);
    loadKV(ahead, slot, slot, /*withK=*/true, /*withV=*/true);
  }
  return k.remc(j, k.t.stages);
}

void TmaLoads::endStep(Value j) {
  if (!k.release) {
    // As cp.async: a barrier before the refill unless the next step's
    // refill comes after its barrier.
    if (k.t.stages < 2)
      gpu::BarrierOp::create(k.b);
    return;
  }
  // The warp is done with the slot (its wgmmas waited for): its first lane
  // arrives on the slot's empty mbarrier; thread 0 waits there for every
  // warp (CUTLASS's consumer release / producer acquire) and refills the
  // slot with block j + stages. Only warp 0 waits; no block-wide barrier.
  Value slotIndex = k.remc(j, k.t.stages);
  Value emptyId = emptyBar(slotIndex);
  arriveEmpty(emptyId);
  Value next = k.addc(j, k.t.stages);
  Value refill = arith::AndIOp::create(
      k.b, leader, k.cmp(arith::CmpIPredicate::slt, next, k.kvEnd));
  if (!k.producer)
    k.ifThen(refill, [&] {
      tryWait(emptyId, k.remc(k.divc(j, k.t.stages), 2));
      loadKV(next, slotIndex, slotIndex, /*withK=*/true, /*withV=*/true);
    });
}

void TmaLoads::splitProducer() {
  // The producer warpgroup refills each slot with block j once every
  // consumer warp has released block j - stages from it; the consumer warps
  // run the rest of the kernel. The block starts with the register file
  // over its threads each (ptxas allocates at most that); the producer keeps
  // kProducerRegisters and the consumers share the rest (FlashAttention-3's
  // split; the schedule's consumer_regs).
  ImplicitLocOpBuilder &b = k.b;
  MLIRContext *ctx = b.getContext();
  auto split = scf::IfOp::create(
      b, k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(k.threads)),
      /*withElseRegion=*/true);
  b.setInsertionPointToStart(&split.getThenRegion().front());
  NVVM::SetMaxRegisterOp::create(
      b, b.getI32IntegerAttr(k.schedule.consumerRegisters),
      NVVM::SetMaxRegisterActionAttr::get(
          ctx, NVVM::SetMaxRegisterAction::increase));
  b.setInsertionPointToStart(&split.getElseRegion().front());
  NVVM::SetMaxRegisterOp::create(
      b, b.getI32IntegerAttr(kProducerRegisters),
      NVVM::SetMaxRegisterActionAttr::get(
          ctx, NVVM::SetMaxRegisterAction::decrease));
  k.ifThen(leader, [&] {
    auto refills = scf::ForOp::create(b, k.idx(k.t.stages), k.kvEnd, k.one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(refills.getBody());
    Value block = refills.getInductionVar();
    Value slot = k.remc(block, k.t.stages);
    Value parity = k.remc(k.addc(k.divc(block, k.t.stages), -1), 2);
    tryWait(emptyBar(slot), parity);
    if (!k.overlap) {
      loadKV(block, slot, slot, /*withK=*/true, /*withV=*/true);
      return;
    }
    // overlap: K and V slots are freed and refilled apart.
    loadKV(block, slot, slot, /*withK=*/true, /*withV=*/false);
    tryWait(vEmptyBar(slot), parity);
    loadKV(block, slot, vBar(slot), /*withK=*/false, /*withV=*/true);
  });
  b.setInsertionPoint(split.getThenRegion().front().getTerminator());
}
