//===- Epilogue.cpp - O / l, its store and the logsumexp ------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// O / l (0 for a row with nothing visible) goes to global memory one of
// three ways, as the schedule's epilogue says:
//  * tma_store: over this warp's Q rows in shared memory (the warpgroup's
//    wgmmas, which read them, are all done), then through TMA, which drops
//    the rows past Nq;
//  * staged (mma-sync), when O is 16-byte aligned at run time: over this
//    warp's Q rows (only this warp's ldmatrix read them), then 16 bytes a
//    lane, rows < Nq; direct otherwise;
//  * direct: one store a lane per element pair, rows < Nq.
// The logsumexp (scale * m + log l, -inf for an empty row) is written by the
// first lane of each quad.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

Value EpilogueWriter::normalized(int64_t mi, int64_t r, int64_t dn) {
  // The lane's pair of row (mi, r), columns colBase + 8 dn.
  Value frag = state[mi * k.nTilesO + dn];
  Value pair = vector::ExtractOp::create(k.b, frag, ArrayRef<int64_t>{r});
  Value scaled = arith::MulFOp::create(
      k.b, pair,
      vector::BroadcastOp::create(k.b, k.rowType, inverses[mi * 2 + r]));
  return arith::TruncFOp::create(k.b, k.pairType, scaled);
}

void EpilogueWriter::forRowsInBounds(
    const std::function<void(int64_t, int64_t, Value)> &body) {
  for (int64_t mi = 0; mi < k.mTiles; ++mi)
    for (int64_t r = 0; r < 2; ++r) {
      Value row = k.addc(rowBase, 16 * mi + 8 * r);
      k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq),
               [&] { body(mi, r, row); });
    }
}

void EpilogueWriter::storePairsToGlobal() {
  forRowsInBounds([&](int64_t mi, int64_t r, Value row) {
    for (int64_t dn = 0; dn < k.nTilesO; ++dn)
      vector::StoreOp::create(k.b, normalized(mi, r, dn), k.op.getOutput(),
                              ValueRange{k.batch, k.head, row,
                                         k.addc(colBase, 8 * dn)});
  });
}

void EpilogueWriter::storePairsToShared() {
  // Each pair over the warp's Q rows, 4-byte aligned (a pair never crosses
  // a 16-byte chunk) and free of bank conflicts (padded rows; swizzled
  // ones, whose chunks move by row % 8).
  const SharedRegion &q = tiles.getLayout().q;
  int64_t qOffset = q.offset / q.elementBytes;
  for (int64_t mi = 0; mi < k.mTiles; ++mi)
    for (int64_t r = 0; r < 2; ++r) {
      Value tileRow = k.addc(tileRowBase, 16 * mi + 8 * r);
      for (int64_t dn = 0; dn < k.nTilesO; ++dn) {
        SmallVector<Value> at =
            k.wg ? SmallVector<Value>{k.add(
                       tiles.swizzled(k.idx(qOffset), k.t.blockQ, tileRow,
                                      k.idx(8 * dn)),
                       colBase)}
                 : SmallVector<Value>{tileRow, k.addc(colBase, 8 * dn)};
        vector::StoreOp::create(k.b, normalized(mi, r, dn), tiles.sQ, at,
                                /*nontemporal=*/false, llvm::Align(4));
      }
    }
}

void mlir::fa::nvgpu_kernel::storeWarpRowsThroughTma(
    Emitter &e, Value lane, llvm::function_ref<void()> issueStores) {
  e.fenceAsyncProxy();
  e.syncWarp();
  e.ifThen(e.cmp(arith::CmpIPredicate::eq, lane, e.idx(0)), [&] {
    issueStores();
    NVVM::CpAsyncBulkCommitGroupOp::create(e.b);
    NVVM::CpAsyncBulkWaitGroupOp::create(e.b, e.b.getI32IntegerAttr(0),
                                         e.b.getUnitAttr());
  });
}

void EpilogueWriter::storeThroughTma() {
  storePairsToShared();
  // The warp's rows, one box per 64 columns.
  storeWarpRowsThroughTma(k, k.lane, [&] {
    // The warp's rows of Q's 64-column blocks.
    const SharedRegion &q = tiles.getLayout().q;
    int64_t columns = tiles.swizzleColumns();
    // A last box past O's columns (dv not a multiple of 64) is clipped by
    // TMA: the staged columns past dv are never written.
    int64_t blocks = tiles.paddedColumns(k.dv) / columns;
    for (int64_t block = 0; block < blocks; ++block) {
      Value offset =
          k.add(k.idx(q.offset / q.elementBytes + block * q.pitchedElements()),
                k.mulc(k.warpRow, columns));
      Value src = tiles.boxAt(k.rowsPerWarp, offset);
      nvgpu::TmaAsyncStoreOp::create(
          k.b, src, outputMap,
          ValueRange{k.idx(columns * block), k.add(k.qBase, k.warpRow), k.head,
                     k.batch},
          /*predicate=*/Value());
    }
  });
}

void EpilogueWriter::storeStaged() {
  // O's rows are whole 16-byte chunks (dv a multiple of 16): 16-byte stores
  // need its base 16-byte aligned, checked here (warp-uniform); with the
  // caller's strides (dynamic in O's type) every row's start too, so the
  // strides' bytes join the check.
  ImplicitLocOpBuilder &b = k.b;
  Value o = k.op.getOutput();
  // The base's address, or'ed with each stride's bytes: aligned iff all
  // are.
  Value bits = memref::ExtractAlignedPointerAsIndexOp::create(b, o);
  if (!cast<MemRefType>(o.getType()).getLayout().isIdentity()) {
    auto metadata = memref::ExtractStridedMetadataOp::create(b, o);
    for (Value stride : metadata.getStrides().drop_back())
      bits = arith::OrIOp::create(
          b, bits, k.mulc(stride, k.elt.getIntOrFloatBitWidth() / 8));
  }
  Value aligned = k.cmp(arith::CmpIPredicate::eq,
                        k.remc(bits, kSharedChunkBytes), k.idx(0));
  auto ifAligned = scf::IfOp::create(b, aligned, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifAligned.getThenRegion().front());
  storePairsToShared();
  k.syncWarp();
  int64_t width = tiles.chunkElements();
  int64_t chunksPerRow = k.dv / width;
  auto chunkType = VectorType::get({width}, k.elt);
  for (int64_t i = 0; i < k.rowsPerWarp * chunksPerRow / 32; ++i) {
    Value chunk = k.addc(k.lane, 32 * i);
    Value tileRow = k.add(k.warpRow, k.divc(chunk, chunksPerRow));
    Value col = k.mulc(k.remc(chunk, chunksPerRow), width);
    Value row = k.add(k.qBase, tileRow);
    Value data = vector::LoadOp::create(b, chunkType, tiles.sQ,
                                        ValueRange{tileRow, col},
                                        /*nontemporal=*/false, llvm::Align(kSharedChunkBytes));
    k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
      vector::StoreOp::create(b, data, o, ValueRange{k.batch, k.head, row, col},
                              /*nontemporal=*/false, llvm::Align(kSharedChunkBytes));
    });
  }
  b.setInsertionPointToStart(&ifAligned.getElseRegion().front());
  storePairsToGlobal();
}

void EpilogueWriter::storeLogsumexp() {
  Value lse = k.op.getLseInit();
  forRowsInBounds([&](int64_t mi, int64_t r, Value row) {
    k.ifThen(quadLeader, [&] {
      Value m = k.element(state[k.mTiles * k.nTilesO + mi], r);
      Value value = arith::AddFOp::create(
          k.b, arith::MulFOp::create(k.b, m, k.f32c(k.scale)),
          math::LogOp::create(k.b, sums[mi * 2 + r]));
      value = k.select(empties[mi * 2 + r], k.negInfF, value);
      memref::StoreOp::create(k.b, value, lse,
                              ValueRange{k.batch, k.head, row});
    });
  });
}

void EpilogueWriter::build(ArrayRef<Value> finalState) {
  state = finalState;
  tileRowBase = k.add(k.warpRow, k.divc(k.lane, 4));
  rowBase = k.add(k.qBase, tileRowBase);
  colBase = k.mulc(k.remc(k.lane, 4), 2);
  quadLeader = k.cmp(arith::CmpIPredicate::eq, k.remc(k.lane, 4), k.idx(0));
  // Row (mi, r) of the lane: its quad's sum, whether it is empty, 1 / sum.
  for (int64_t mi = 0; mi < k.mTiles; ++mi) {
    Value sumRow = state[k.mTiles * k.nTilesO + k.mTiles + mi];
    for (int64_t r = 0; r < 2; ++r) {
      Value l = k.element(sumRow, r);
      l = arith::AddFOp::create(k.b, l, k.shuffleXor(l, 1));
      l = arith::AddFOp::create(k.b, l, k.shuffleXor(l, 2));
      Value empty =
          arith::CmpFOp::create(k.b, arith::CmpFPredicate::OEQ, l, k.zeroF);
      sums.push_back(l);
      empties.push_back(empty);
      inverses.push_back(k.select(
          empty, k.zeroF, arith::DivFOp::create(k.b, k.f32c(1.0), l)));
    }
  }
  switch (k.schedule.epilogue) {
  case Epilogue::TmaStore:
    storeThroughTma();
    break;
  case Epilogue::Staged:
    storeStaged();
    break;
  case Epilogue::Direct:
    storePairsToGlobal();
    break;
  }
  if (k.op.getLseInit())
    storeLogsumexp();
}
