//===- KernelGenerator.cpp - The kernel from its parts --------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// buildKernel, which composes the parts in the order the kernel runs them.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <cmath>
#include <limits>
#include <memory>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// buildKernel
//===----------------------------------------------------------------------===//

/// The kernel reads `memref` with accesses that need its address aligned to
/// `bytes`: an argument of the enclosing function gets `fa.align` (the
/// largest asked for), which the launch manifest records and the runtime
/// checks before a launch. Other buffers come from allocations, aligned
/// further than any access here.
void mlir::fa::nvgpu_kernel::requireAlignment(Value memref, int64_t bytes) {
  // caller-strides' casts (FAToNVGPU.cpp) view an argument.
  if (auto cast = memref.getDefiningOp<memref::CastOp>())
    memref = cast.getSource();
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg)
    return;
  auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!func)
    return;
  StringRef name = FADialect::getAlignAttrName();
  if (auto old = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), name))
    bytes = std::max(bytes, old.getInt());
  func.setArgAttr(arg.getArgNumber(), name,
                  IntegerAttr::get(IntegerType::get(memref.getContext(), 64),
                                   bytes));
}

/// The initial loop state: O's fragments at 0, row max -inf, row sum 0 (raw,
/// unscaled scores; each lane's partial sum over its columns).
static SmallVector<Value> initialState(KernelContext &k) {
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Value> init;
  for (int64_t i = 0; i < k.mTiles * k.nTilesO; ++i)
    init.push_back(arith::ConstantOp::create(
        b, DenseElementsAttr::get(k.accType, b.getF32FloatAttr(0.0f))));
  float negInf = -std::numeric_limits<float>::infinity();
  Value negInfRow = arith::ConstantOp::create(
      b, DenseElementsAttr::get(k.rowType, b.getF32FloatAttr(negInf)));
  Value zeroRow = arith::ConstantOp::create(
      b, DenseElementsAttr::get(k.rowType, b.getF32FloatAttr(0.0f)));
  for (int64_t i = 0; i < k.mTiles; ++i)
    init.push_back(negInfRow);
  for (int64_t i = 0; i < k.mTiles; ++i)
    init.push_back(zeroRow);
  return init;
}

void mlir::fa::nvgpu_kernel::buildKernel(AttentionOp op, const Tiling &tiling,
                                         const KernelSchedule &schedule,
                                         const SharedLayout &layout) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelContext k(op, b, tiling, schedule);
  // cp.async copies 16-byte chunks of Q, K and V (TMA: their tensor maps,
  // which the runtime checks itself).
  if (!k.tma)
    for (Value operand : {op.getQuery(), op.getKey(), op.getValue()})
      requireAlignment(operand, kSharedChunkBytes);

  // Static sizes are constants from the start: the launch's grid must fold
  // to constants for the manifest, and the pipeline does not canonicalize
  // after this pass (the kernel's thousands of ops made that the slowest
  // step of the compile).
  auto dim = [&](Value memref, int64_t i) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    if (!type.isDynamicDim(i))
      return k.idx(type.getDimSize(i));
    return memref::DimOp::create(b, memref, i);
  };
  Value batchSize = dim(op.getQuery(), 0);
  k.nq = dim(op.getQuery(), 2);
  k.nk = dim(op.getKey(), 2);
  k.one = k.idx(1);
  Value numQBlocks =
      op.getQueryType().isDynamicDim(2)
          ? Value(arith::CeilDivUIOp::create(b, k.nq, k.idx(tiling.blockQ)))
          : k.idx(llvm::divideCeil(op.getQueryType().getDimSize(2),
                                   tiling.blockQ));

  Value smem = arith::ConstantIntOp::create(b, b.getI32Type(),
                                           layout.dynamicBytes());

  // The parts; TMA's tensor maps are made on the host, before the launch.
  SharedTiles tiles(k, layout);
  std::unique_ptr<LoadPipeline> loads;
  TmaLoads *tma = nullptr;
  if (k.tma) {
    auto tmaLoads = std::make_unique<TmaLoads>(k, tiles);
    tma = tmaLoads.get();
    tma->createTensorMaps(schedule.epilogue == Epilogue::TmaStore);
    loads = std::move(tmaLoads);
  } else {
    loads = std::make_unique<CpAsyncLoads>(k, tiles);
  }
  // The parts that emit nothing when made (the loops' parts are built
  // before the prologue for the compacted walk, whose scan needs the loops'
  // split).
  std::unique_ptr<TileMath> math;
  WgmmaMath *wgmma = nullptr;
  if (k.wg) {
    auto wgmmaMath = std::make_unique<WgmmaMath>(k, tiles);
    wgmma = wgmmaMath.get();
    math = std::move(wgmmaMath);
  } else {
    math = std::make_unique<MmaSyncMath>(k, tiles);
  }
  Turns turns(k);
  OnlineSoftmax softmax(k);
  MainLoop mainLoop(k, *loads, *math, softmax, k.pingpong ? &turns : nullptr);

  k.setUpLaunch(numQBlocks, batchSize, smem);
  tiles.setUp();
  k.setUpKVRange();
  k.setUpBlockMask();
  if (tma)
    tma->createBarriers();
  loads->issueQuery();
  // The compacted walk: while Q is in flight, the live kv-blocks of the
  // dense walk are listed, and the split moves into the list's steps
  // (docs/BlockSparse.md, "The forward's compacted walk").
  bool compacted = schedule.walksCompacted();
  if (compacted) {
    mainLoop.setUpMaskSplit();
    mainLoop.setCompactedSplit(
        k.compactWalk(tiles.sList, layout.list.rows - kWalkListCounts,
                      mainLoop.splitBounds()));
  }
  loads->issueFirstBlocks();

  SmallVector<Value> init = initialState(k);
  k.warpRow = k.mulc(k.warp, k.rowsPerWarp);
  if (wgmma)
    wgmma->setUpQDescriptor();
  if (k.pingpong)
    turns.setUp();
  k.setUpConstants();
  softmax.setUpMask();
  if (k.overlap)
    mainLoop.setOverlapParts(*tma, *wgmma);
  if (!compacted)
    mainLoop.setUpMaskSplit();
  if (k.producer)
    tma->splitProducer();
  loads->waitForQ();
  SmallVector<Value> state = mainLoop.build(init);
  loads->drain();
  EpilogueWriter(k, tiles, tma ? tma->outputMap() : Value()).build(state);
}
