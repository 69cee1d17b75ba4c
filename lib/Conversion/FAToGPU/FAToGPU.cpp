//===- FAToGPU.cpp - Map the tiled form onto GPU blocks and threads -------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The thread-block loop of the bufferized tiled form becomes a gpu.launch, its
// tile buffers views of dynamic shared memory, and each tile-level op a
// round-robin loop over the block's threads followed by a barrier.
//
// Upstream's convert-parallel-loops-to-gpu maps nested parallel loops to
// threads but inserts no barrier between two of them, and the transform
// dialect's map_nested_forall_to_threads needs every op tiled to an
// scf.forall first; the tiled form has a dozen small tile ops in a sequential
// loop, so distributing each op directly is both simpler and explicit about
// where the barriers go.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Conversion/Passes.h"

#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <limits>

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_CONVERTFATOGPUPASS
#include "FlashAttn/Conversion/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// Every tile starts on a 128-byte boundary and is padded to a multiple of
/// 128 bytes: the packing the cost model's Simt formula counts
/// (sramBytes(..., KernelKind::Simt)), so the launch's dynamic shared memory
/// equals `fa.predicted_sram`.
static constexpr int64_t kSharedAlignment = 128;

/// The most dimensions of a thread-block loop: z, y and x, with the trailing
/// ones past the third linearized into x.
static constexpr int64_t kMaxLoopRank = 4;

/// The launch's dynamic shared memory size is an i32.
static constexpr int64_t kMaxSharedBytes = std::numeric_limits<int32_t>::max();

/// Bytes of a statically shaped buffer (saturated at kMaxSharedBytes + 1),
/// or nullopt.
static std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return std::nullopt;
  Type elt = type.getElementType();
  if (!elt.isIntOrFloat())
    return std::nullopt;
  int64_t bytes = llvm::divideCeil(elt.getIntOrFloatBitWidth(), 8);
  for (int64_t dim : type.getShape())
    if (llvm::MulOverflow(bytes, dim, bytes) || bytes > kMaxSharedBytes)
      return kMaxSharedBytes + 1;
  return bytes;
}

/// Whether `a` and `b` are the same view: one value, or two identical
/// side-effect-free ops (subviews) of the same operands.
static bool isSameView(Value a, Value b) {
  if (a == b)
    return true;
  Operation *opA = a.getDefiningOp(), *opB = b.getDefiningOp();
  return opA && opB && isMemoryEffectFree(opA) &&
         OperationEquivalence::isEquivalentTo(
             opA, opB, OperationEquivalence::IgnoreLocations);
}

/// The indices of `operand`'s element at loop indices `ivs`.
static SmallVector<Value> operandIndices(OpBuilder &b, Location loc,
                                        linalg::LinalgOp op,
                                        OpOperand &operand,
                                        ArrayRef<Value> ivs) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  return indices;
}

/// Loads (or takes, for scalars) the value of `operand` at loop indices
/// `ivs`.
static Value loadOperand(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         OpOperand &operand, ArrayRef<Value> ivs) {
  Value v = operand.get();
  if (!isa<MemRefType>(v.getType()))
    return v;
  return memref::LoadOp::create(b, loc, v,
                                operandIndices(b, loc, op, operand, ivs));
}

/// Stores `values` into `op`'s inits at loop indices `ivs`.
static void storeInits(OpBuilder &b, Location loc, linalg::LinalgOp op,
                       ValueRange values, ArrayRef<Value> ivs) {
  for (auto [value, init] : llvm::zip(values, op.getDpsInitsMutable()))
    memref::StoreOp::create(b, loc, value, init.get(),
                            operandIndices(b, loc, op, init, ivs));
}

/// Clones `op`'s body at `ivs`, its block arguments mapped in `map`
/// (linalg.index to the indices); returns the values it yields.
static SmallVector<Value> cloneBody(OpBuilder &b, linalg::LinalgOp op,
                                    IRMapping &map, ArrayRef<Value> ivs) {
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  SmallVector<Value> yielded;
  for (Value v : cast<linalg::YieldOp>(body->getTerminator()).getValues())
    yielded.push_back(map.lookupOrDefault(v));
  return yielded;
}

/// Emits one iteration of `op`'s body at `ivs`: loads, the body, stores.
static void emitIteration(OpBuilder &b, Location loc, linalg::LinalgOp op,
                          ArrayRef<Value> ivs) {
  IRMapping map;
  for (auto [arg, operand] :
       llvm::zip(op.getBlock()->getArguments(), op->getOpOperands()))
    map.map(arg, loadOperand(b, loc, op, operand, ivs));
  storeInits(b, loc, op, cloneBody(b, op, map, ivs), ivs);
}

/// Whether `op`'s reductions can run in registers: it has reduction
/// dimensions, its inits are indexed by the parallel ones only, and no
/// input reads an init's buffer.
static bool accumulatesInRegisters(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0)
    return false;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap m = op.getMatchingIndexingMap(&init);
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
      if (it == utils::IteratorType::reduction && m.isFunctionOfDim(d))
        return false;
    for (OpOperand *input : op.getDpsInputOperands())
      if (isSameView(input->get(), init.get()))
        return false;
  }
  return true;
}

/// Emits the reduction nest over `redDims` at the parallel indices in
/// `ivs`: each init loaded once, carried through the nest as the loops'
/// iteration values, stored once. The generator states this itself rather
/// than leaving LLVM to keep the accumulator out of shared memory (which it
/// did only while the dynamic shared memory was a zero-sized internal array
/// that its alias analysis took to alias nothing; D93).
static void emitRegisterReduction(OpBuilder &b, Location loc,
                                  linalg::LinalgOp op,
                                  SmallVector<Value> &ivs,
                                  ArrayRef<int64_t> redDims,
                                  ArrayRef<Range> ranges) {
  Block *body = op.getBlock();
  int64_t numInputs = op.getNumDpsInputs();
  SmallVector<Value> acc;
  for (OpOperand &init : op.getDpsInitsMutable())
    acc.push_back(loadOperand(b, loc, op, init, ivs));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<scf::ForOp> loops;
  for (int64_t d : redDims) {
    Value size = getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
    auto loop = scf::ForOp::create(b, loc, zero, size, one, acc);
    if (!loops.empty())
      scf::YieldOp::create(b, loc, loop.getResults());
    loops.push_back(loop);
    b.setInsertionPointToStart(loop.getBody());
    ivs[d] = loop.getInductionVar();
    acc.assign(loop.getRegionIterArgs().begin(),
               loop.getRegionIterArgs().end());
  }
  IRMapping map;
  for (auto [i, arg] : llvm::enumerate(body->getArguments()))
    map.map(arg, int64_t(i) < numInputs
                     ? loadOperand(b, loc, op, op->getOpOperand(i), ivs)
                     : acc[i - numInputs]);
  scf::YieldOp::create(b, loc, cloneBody(b, op, map, ivs));
  b.setInsertionPointAfter(loops.front());
  // The inits' indices use the parallel dimensions only (the loops'
  // variables are out of scope here).
  for (int64_t d : redDims)
    ivs[d] = zero;
  storeInits(b, loc, op, loops.front().getResults(), ivs);
}

/// Replaces `op` (on buffers) by a loop that deals its parallel iterations
/// round-robin to the `numThreads` threads of the block, each thread running
/// the reduction dimensions itself (in registers where
/// accumulatesInRegisters), then a barrier.
static LogicalResult distributeOverThreads(linalg::LinalgOp op,
                                           int64_t numThreads) {
  if (!op.hasPureBufferSemantics())
    return op->emitError("expected a linalg op on buffers; run one-shot "
                         "bufferization before convert-fa-to-gpu");
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> parDims, redDims;
  for (auto [i, it] : llvm::enumerate(iters))
    (it == utils::IteratorType::parallel ? parDims : redDims).push_back(i);

  auto size = [&](int64_t d) {
    return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
  };
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value total = one;
  for (int64_t d : parDims)
    total = arith::MulIOp::create(b, loc, total, size(d));
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value step = arith::ConstantIndexOp::create(b, loc, numThreads);

  auto outer = scf::ForOp::create(b, loc, tid, total, step);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(outer.getBody());
    SmallVector<Value> ivs(iters.size(), zero);
    Value rest = outer.getInductionVar();
    for (int64_t d : llvm::reverse(parDims)) {
      Value sz = size(d);
      ivs[d] = arith::RemUIOp::create(b, loc, rest, sz);
      rest = arith::DivUIOp::create(b, loc, rest, sz);
    }
    if (accumulatesInRegisters(op)) {
      emitRegisterReduction(b, loc, op, ivs, redDims, ranges);
    } else {
      // Reduction dimensions: a sequential nest inside the thread.
      for (int64_t d : redDims) {
        auto loop = scf::ForOp::create(b, loc, zero, size(d), one);
        b.setInsertionPointToStart(loop.getBody());
        ivs[d] = loop.getInductionVar();
      }
      emitIteration(b, loc, op, ivs);
    }
  }
  b.setInsertionPointAfter(outer);
  gpu::BarrierOp::create(b, loc);
  op->erase();
  return success();
}

/// Clones into `launch` the memref.get_global ops defined above it that it
/// uses (a mask pattern's block table, a constant of the tiled form), so
/// that kernel outlining copies their globals into the kernel's module
/// instead of passing host addresses as kernel arguments.
static void sinkGlobals(gpu::LaunchOp launch) {
  SetVector<Value> above;
  getUsedValuesDefinedAbove(launch.getBody(), above);
  Block &body = launch.getBody().front();
  OpBuilder b(&body, body.begin());
  for (Value v : above) {
    auto global = v.getDefiningOp<memref::GetGlobalOp>();
    if (!global)
      continue;
    Value inside = b.clone(*global)->getResult(0);
    replaceAllUsesInRegionWith(v, inside, launch.getBody());
  }
}

/// Replaces the thread-block loop `loop` by a gpu.launch of `numThreads`
/// threads per block and `sharedBytes` of dynamic shared memory, its body
/// moved into the launch and its indices replaced by the block ids.
static gpu::LaunchOp replaceByLaunch(scf::ForallOp loop, int64_t numThreads,
                                     int64_t sharedBytes) {
  int64_t rank = loop.getRank();
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  SmallVector<Value> ubs = getValueOrCreateConstantIndexOp(
      b, loc, loop.getMixedUpperBound());
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // Forall dims (.., z, y, x): the last, fastest-varying one is x. A loop
  // of more than 3 dimensions (the backward's dBias nest) has its trailing
  // ones linearized into x, whose limit (2^31 - 1) is the grid's largest.
  int64_t xDims = std::max<int64_t>(1, rank - 2);
  Value gx = ubs[rank - 1];
  for (int64_t i = rank - xDims; i < rank - 1; ++i)
    gx = arith::MulIOp::create(b, loc, ubs[i], gx);
  Value gy = rank >= 2 ? ubs[rank - xDims - 1] : one;
  Value gz = rank >= 3 ? ubs[0] : one;
  Value bx = arith::ConstantIndexOp::create(b, loc, numThreads);
  Value smem = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                            sharedBytes);
  auto launch = gpu::LaunchOp::create(b, loc, gx, gy, gz, bx, one, one, smem);

  // Move the loop body into the launch.
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(b, loc);
  Block *loopBody = loop.getBody();
  loopBody->getTerminator()->erase();
  body.getOperations().splice(terminator->getIterator(),
                              loopBody->getOperations());
  gpu::KernelDim3 ids = launch.getBlockIds();
  // The loop's indices: z and y for the leading dimensions, then x (split
  // back into the linearized ones, the last fastest).
  SmallVector<Value> ivs = {ids.z, ids.y};
  ivs.erase(ivs.begin(), ivs.begin() + (2 - (rank - xDims)));
  b.setInsertionPointToStart(&body);
  SmallVector<Value> xIvs(xDims);
  Value rest = ids.x;
  for (int64_t i = xDims - 1; i > 0; --i) {
    Value size = ubs[rank - xDims + i];
    xIvs[i] = arith::RemUIOp::create(b, loc, rest, size);
    rest = arith::DivUIOp::create(b, loc, rest, size);
  }
  xIvs[0] = rest;
  ivs.append(xIvs);
  for (int64_t i = 0; i < rank; ++i)
    loop.getInductionVars()[i].replaceAllUsesWith(ivs[i]);
  loop->erase();
  sinkGlobals(launch);
  return launch;
}

namespace {
struct ConvertFAToGPUPass
    : public fa::impl::ConvertFAToGPUPassBase<ConvertFAToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<scf::ForallOp> loops;
    getOperation()->walk([&](scf::ForallOp loop) {
      if (loop->hasAttr(FADialect::getTilingAttrName()))
        loops.push_back(loop);
    });
    for (scf::ForallOp loop : loops)
      if (failed(convert(loop)))
        return signalPassFailure();
  }

  LogicalResult convert(scf::ForallOp loop);
};
} // namespace

LogicalResult ConvertFAToGPUPass::convert(scf::ForallOp loop) {
  auto tiling =
      dyn_cast<TilingAttr>(loop->getAttr(FADialect::getTilingAttrName()));
  if (!tiling)
    return loop->emitError("'fa.tiling' must be a #fa.tiling attribute");
  if (!loop.getOutputs().empty())
    return loop->emitError("expected the bufferized tiled form (scf.forall "
                           "without shared_outs); run one-shot bufferization "
                           "before convert-fa-to-gpu");
  int64_t rank = loop.getRank();
  if (rank < 1 || rank > kMaxLoopRank)
    return loop->emitError("expected a thread-block loop of 1 to ")
           << kMaxLoopRank << " dimensions, got " << rank;
  for (OpFoldResult lb : loop.getMixedLowerBound())
    if (getConstantIntValue(lb) != 0)
      return loop->emitError("expected a thread-block loop from 0");
  for (OpFoldResult st : loop.getMixedStep())
    if (getConstantIntValue(st) != 1)
      return loop->emitError("expected a thread-block loop of step 1");
  if (loop->getParentOfType<gpu::LaunchOp>())
    return loop->emitError("thread-block loop is already inside a gpu.launch");
  if (callerStrides)
    return loop->emitError(
        "the SIMT kernel cannot read the caller's strides (caller-strides): "
        "it addresses its operands densely; use the mma-sync or wgmma "
        "kernel");

  // Pack every buffer allocated in the loop into dynamic shared memory.
  SmallVector<std::pair<Operation *, int64_t>> allocs; // (alloc, offset)
  int64_t sharedBytes = 0;
  WalkResult walk = loop.getBody()->walk([&](Operation *op) {
    if (!isa<memref::AllocOp, memref::AllocaOp>(op))
      return WalkResult::advance();
    auto type = cast<MemRefType>(op->getResult(0).getType());
    std::optional<int64_t> bytes = staticBytes(type);
    if (!bytes || op->getNumOperands() != 0) {
      op->emitError("tile buffer must have a static shape and identity "
                    "layout to live in shared memory, got ")
          << type;
      return WalkResult::interrupt();
    }
    allocs.push_back({op, sharedBytes});
    sharedBytes += llvm::alignTo(*bytes, kSharedAlignment);
    if (*bytes > kMaxSharedBytes || sharedBytes > kMaxSharedBytes) {
      op->emitError("tile buffers need more than ")
          << kMaxSharedBytes << " bytes of shared memory";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  // The packed buffers must be what the cost model predicted: a mismatch
  // means the tiled form and the Simt formula of CostModel.cpp disagree.
  if (auto predicted = loop->getAttrOfType<IntegerAttr>(
          FADialect::getPredictedSramAttrName());
      predicted && predicted.getInt() != sharedBytes)
    return loop->emitError()
           << "thread block packs " << sharedBytes
           << " bytes of shared memory but the cost model predicted "
           << predicted.getInt() << " ('"
           << FADialect::getPredictedSramAttrName()
           << "'); the tiled form and the cost model's simt formula disagree";
  if (TargetAttr target = lookupTarget(loop);
      target && sharedBytes > target.getSramPerBlock())
    return loop->emitError()
           << "thread block needs " << sharedBytes
           << " bytes of shared memory but the target (" << target.getArch()
           << ") allows " << target.getSramPerBlock() << " per block";

  Location loc = loop.getLoc();
  int64_t numThreads = 32 * tiling.getWarps();
  gpu::LaunchOp launch = replaceByLaunch(loop, numThreads, sharedBytes);
  Block &body = launch.getBody().front();
  OpBuilder b(launch);

  // Tiles: views of the dynamic shared memory, cast back to the generic
  // address space so that their users keep their types.
  b.setInsertionPointToStart(&body);
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                              gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  for (auto [op, offset] : allocs) {
    auto type = cast<MemRefType>(op->getResult(0).getType());
    b.setInsertionPoint(op);
    Value off = arith::ConstantIndexOp::create(b, loc, offset);
    auto sharedType = MemRefType::get(type.getShape(), type.getElementType(),
                                      MemRefLayoutAttrInterface(), workgroup);
    Value view = memref::ViewOp::create(b, op->getLoc(), sharedType, base, off,
                                        ValueRange{});
    Value replacement = view;
    if (type.getMemorySpace() != workgroup)
      replacement =
          memref::MemorySpaceCastOp::create(b, op->getLoc(), type, view);
    for (Operation *user : llvm::make_early_inc_range(
             op->getResult(0).getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    op->getResult(0).replaceAllUsesWith(replacement);
    op->erase();
  }

  // Tile ops: copies become linalg.copy (a copy of a view onto the same
  // view, which bufferization leaves where a nest's result block is written
  // in place, is dropped), then every linalg op is spread over the threads.
  SmallVector<memref::CopyOp> copies;
  body.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    if (isSameView(copy.getSource(), copy.getTarget())) {
      copy->erase();
      continue;
    }
    b.setInsertionPoint(copy);
    linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                           copy.getTarget());
    copy->erase();
  }
  SmallVector<linalg::LinalgOp> tileOps;
  body.walk([&](linalg::LinalgOp op) { tileOps.push_back(op); });
  for (linalg::LinalgOp op : tileOps)
    if (failed(distributeOverThreads(op, numThreads)))
      return failure();
  return success();
}
