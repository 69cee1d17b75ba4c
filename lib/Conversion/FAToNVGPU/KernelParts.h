//===- KernelParts.h - The named parts of the tensor-core kernels -*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The FlashAttention kernels of convert-fa-to-nvgpu are composed of parts,
// each a type with a small interface (docs/GPU.md, "The generator's parts"):
//
//  * KernelContext: the op, its tiling and schedule, the sizes, the launch's
//    ids and the arithmetic every part emits (Emitter);
//  * SharedTiles: the shared-memory views of Q and the K/V stages, padded
//    rows (mma-sync) or the 128-byte swizzle (wgmma), and wgmma's matrix
//    descriptors;
//  * LoadPipeline: how tiles reach shared memory, with a cp.async
//    (CpAsyncLoads) and a TMA (TmaLoads: mbarriers, slot release, the
//    producer warpgroup) implementation;
//  * TileMath: S = Q K^T and O += P V, on mma.sync (MmaSyncMath) or wgmma
//    (WgmmaMath);
//  * OnlineSoftmax: the masks, the row max and sum, the rescale of O, shared
//    by both families;
//  * Turns: the consumer warpgroups' turns at the tensor cores (ping-pong);
//  * MainLoop: the kv-block loops (serial, overlapped, split or branch
//    masked);
//  * EpilogueWriter: O / l, its store (TMA, staged, direct) and the
//    logsumexp;
//  * MmaSyncProducts, AsyncTileCopy: ldmatrix + mma.sync on any padded tile
//    and the cp.async row-tile copy, which the forward's MmaSyncMath and
//    CpAsyncLoads and the backward's kernels (buildBackwardKernels,
//    BackwardKernels.cpp) share;
//  * listLiveSteps: the compacted walk's scan of a block mask's entries
//    into a list of live steps in shared memory (the wgmma backward's and,
//    through KernelContext::compactWalk, the tensor-core forwards').
//
// Every part reads the decided #fa.schedule through the context; none
// decides anything. The parts emit ops in the order the kernel runs them,
// so the generated kernel is one well-defined sequence (the PTX identity
// check pins it).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_CONVERSION_FATONVGPU_KERNELPARTS_H
#define FLASHATTN_LIB_CONVERSION_FATONVGPU_KERNELPARTS_H

#include "FlashAttn/Analysis/BlockClassifier.h"
#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/SharedLayout.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <functional>
#include <optional>

namespace mlir {
namespace fa {
namespace nvgpu_kernel {

/// Threads of a warpgroup, and the rows of its m64 wgmma tile.
constexpr int64_t kWarpgroupThreads = 128;
constexpr int64_t kWarpgroupRows = 64;

/// The arithmetic every part emits, folded as built where MLIR allows.
class Emitter {
public:
  explicit Emitter(ImplicitLocOpBuilder &b) : b(b) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value i64c(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI64Type(), v);
  }
  Value i32c(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v);
  }
  Value f32c(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value addc(Value x, int64_t c) { return c == 0 ? x : add(x, idx(c)); }
  Value mulc(Value x, int64_t c) { return c == 1 ? x : mul(x, idx(c)); }
  Value divc(Value x, int64_t c) {
    return arith::DivUIOp::create(b, x, idx(c));
  }
  Value remc(Value x, int64_t c) {
    return arith::RemUIOp::create(b, x, idx(c));
  }
  Value divu(Value x, Value y) { return arith::DivUIOp::create(b, x, y); }
  Value remu(Value x, Value y) { return arith::RemUIOp::create(b, x, y); }
  Value minu(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }
  /// max(n, 1) - 1: the last valid index of a size, clamped for n = 0.
  Value lastIndex(Value n) {
    return arith::SubIOp::create(b, arith::MaxUIOp::create(b, n, idx(1)),
                                 idx(1));
  }
  /// Element (i, j) / (i) of a vector; an element of a vector.from_elements
  /// is its operand.
  Value element(Value v, int64_t i, int64_t j) {
    return b.createOrFold<vector::ExtractOp>(v, ArrayRef<int64_t>{i, j});
  }
  Value element(Value v, int64_t i) {
    return b.createOrFold<vector::ExtractOp>(v, ArrayRef<int64_t>{i});
  }
  /// Runs `then` inside an scf.if on `condition` (no results, no else).
  void ifThen(Value condition, const std::function<void()> &then);
  /// The value of lane (lane ^ offset) of the warp.
  Value shuffleXor(Value v, int64_t offset);
  /// 2^x as the SFU computes it (ex2.approx.ftz.f32, what FlashAttention
  /// uses): math.exp2 lowers to the non-ftz form, whose denormal handling
  /// costs extra instructions per score; the ftz difference (results below
  /// 2^-126 flush to 0) is far below the output's precision.
  Value exp2(Value x);
  /// __syncwarp() over all 32 lanes.
  void syncWarp();
  /// `values` passed through an empty asm with side effects: what computes
  /// them stays before, what reads them after (CUTLASS's
  /// warpgroup_fence_operand). wgmma's registers are written
  /// asynchronously, which LLVM does not know.
  SmallVector<Value> fenceRegisters(ValueRange values);
  /// fence.proxy.async on shared memory: this thread's shared-memory writes
  /// made visible to the async proxy (TMA, wgmma).
  void fenceAsyncProxy();
  ImplicitLocOpBuilder &b;
};

/// What every part reads: the op, its decided tiling and schedule, the sizes
/// and the values of the launch. Built in the order the kernel needs them
/// (setUpLaunch, then the parts).
class KernelContext : public Emitter {
public:
  KernelContext(AttentionOp op, ImplicitLocOpBuilder &b, const Tiling &tiling,
                const KernelSchedule &schedule);

  /// The launch (grid, block, dynamic shared memory `smem` bytes), the
  /// builder moved into its body, and the ids every part uses.
  void setUpLaunch(Value numQBlocks, Value batchSize, Value smem);
  /// The kv-blocks this q-block visits ([0, kvEnd)): all, or (causal) those
  /// whose first key some row of the block sees; with a window, steps
  /// [0, kvEnd) of the blocks from kvBegin.
  void setUpKVRange();
  /// The kv-block of loop step `step`: the step itself, kvBegin + step with
  /// a window, or with block lists the list's entry `step`; the compacted
  /// walk's step `step` is the dense step of its list's entry `step`.
  Value keyBlock(Value step) {
    if (blockList)
      return listEntry(listBegin, step);
    if (walkList)
      step = walkEntry(step);
    return kvBegin ? add(step, kvBegin) : step;
  }
  /// With a mask pattern's global tokens or butterfly: this q-block's list
  /// of kv-blocks (BlockClassifier::lists), its steps [0, kvEnd) of which
  /// the first `listFull` are full blocks (docs/BlockSparse.md, "The
  /// kernels' block lists").
  void setUpBlockList();
  /// Entry `begin + step` of the block lists, clamped into the array (a
  /// step past the list, whose load is disabled, reads a valid entry).
  Value listEntry(Value begin, Value step);
  /// With a runtime block mask: the loop-invariant indices of this q-block's
  /// row of the mask (docs/BlockSparse.md, "The kernels").
  void setUpBlockMask();
  /// Whether the block mask keeps kv-block `block` (a block, not a step)
  /// for this q-block: its entry is non-zero. Blocks past the mask's last
  /// read its last entry (their loads are disabled anyway). Only with a
  /// block mask.
  Value blockLive(Value block);
  /// Whether the steps of dead kv-blocks are predicated off: a block mask
  /// with the dense walk (the compacted walk has no dead step).
  bool predicatesDeadBlocks() {
    return op.getBlockMask() && !schedule.walksCompacted();
  }
  /// The compacted walk (walk = compacted; docs/BlockSparse.md, "The
  /// forward's compacted walk"): listLiveSteps over the dense steps
  /// [0, kvEnd) into `list` (i32, `entries` entries then kWalkListCounts
  /// counts), live where blockLive(keyBlock(t)); then kvEnd is the live
  /// steps' count and keyBlock reads the list. Returns, for each of
  /// `bounds` (dense steps, at most kWalkListCounts - 1), the live steps
  /// below it: the bound's step in the compacted walk.
  SmallVector<Value> compactWalk(Value list, int64_t entries,
                                 ArrayRef<Value> bounds);
  /// The compacted walk's list entry `step` (an index), clamped into the
  /// list: a step past the count, whose loads are disabled, reads an entry
  /// of the list, maybe stale, and forms a clamped address.
  Value walkEntry(Value step);
  /// The loop-invariant f32 constants of the step.
  void setUpConstants();
  /// An scf.for over kv-blocks [lb, ub) carrying `init`, the builder moved
  /// into its body (the caller's guard restores it).
  scf::ForOp openLoop(Value lb, Value ub, ValueRange init);

  AttentionOp op;
  Tiling t;
  KernelSchedule schedule;
  /// Shorthands of the schedule.
  bool wg, tma, release, producer, overlap, pingpong;
  Type elt, f32;
  /// An accumulator fragment (m16n8 f32: two rows of pairs), two rows' f32
  /// pairs, a pair of elements.
  VectorType accType, rowType, pairType;
  int64_t d, dv, rowsPerWarp, mTiles, threads, nTilesS, nTilesO;
  bool causal;
  /// The #fa.window, or null.
  WindowAttr window;
  /// A #fa.mask_pattern (null without), and its chunk (row i' sees its
  /// chunk's keys, 0 without one).
  MaskPatternAttr pattern;
  int64_t chunk = 0;
  double scale;

  // Host side.
  Value nq, nk, one;
  // The launch.
  gpu::LaunchOp launch;
  Value qBlock, head, batch, tid, lane, warp, kvHead, qBase, warpRow;
  /// Kv-blocks [0, kvEnd) are visited (with a window: loop steps, of the
  /// blocks from kvBegin; null without); Nk - Nq (signed) is the causal
  /// diagonal's offset.
  Value kvEnd, diagonal, kvBegin;
  /// The q-block's last row within Nq (causal or window).
  Value lastRow;
  /// The block mask's batch, head and row indices for this q-block, and its
  /// last column (null without a block mask).
  Value maskBatch, maskHead, maskRow, maskLastCol;
  /// setUpBlockList's: the lists (a memref of i32), where this q-block's
  /// starts and how many of its steps are full blocks (null without).
  Value blockList, listBegin, listFull, listLast;
  /// Whether some q-block's list has a full block, a partial one.
  bool listsHaveFull = false, listsHavePartial = false;
  /// compactWalk's list of live steps in shared memory (null without) and
  /// its entries.
  Value walkList;
  int64_t walkEntries = 0;
  /// -inf, 0 and scale * log2(e) in f32; 1 / scale.
  Value negInfF, zeroF, scaleLog2, invScale;
};

/// The block lists `lists` as a constant global of the module around `op`
/// (kernel outlining copies it into the kernel's module), read through a
/// memref.get_global at the builder's point (in the launch).
Value blockListGlobal(ImplicitLocOpBuilder &b, Operation *op,
                      const BlockLists &lists);
/// Loads entry `index` of the block lists `list` as an index.
Value loadListEntry(Emitter &e, Value list, Value index);
/// A mask pattern's element test of key `col` for the row whose diagonal
/// key is `diagonalKey` (i' = row + Nk - Nq): `local` (the window's test,
/// or null) or the chunk's or the butterfly's, or'ed with the global rows
/// and keys (MaskPattern::keeps without causal); `local` alone without a
/// pattern.
Value patternKeep(Emitter &e, MaskPatternAttr pattern, Value local,
                  Value diagonalKey, Value col);
/// The compacted walk's scan (docs/BlockSparse.md, "The compacted walk";
/// D94, D96): warp 0 (the threads whose `warp` is 0; `lane` their lane)
/// asks `live` whether each step t of a walk of `total` steps computes
/// (`exists`: t < total, false for the lanes of the last round past the
/// end, whose entries must not be read), 32 steps a round, and lists the
/// live steps ascending (a ballot's prefix count places each) as the i32
/// entries of the shared-memory `list`, their count at entry `countAt`.
/// The scan's bounds are the block's, so every ballot sees all 32 lanes.
/// For each of `bounds` (index steps) it also counts the live steps below
/// it (a second ballot a round), stored at entries countAt + 1, ...: where
/// a split of the dense walk falls in the list. After a block-wide barrier
/// every thread reads the count, returned as an index, and the counts
/// below the bounds (into `countsBelow`). The wgmma backward's walk over
/// q-blocks and the forward's over kv-blocks share it.
Value listLiveSteps(Emitter &e, Value warp, Value lane, Value total,
                    Value list, int64_t countAt,
                    llvm::function_ref<Value(Value t, Value exists)> live,
                    ArrayRef<Value> bounds = {},
                    SmallVectorImpl<Value> *countsBelow = nullptr);

/// The indices in a tile's shared-memory view of the 16-byte chunk at
/// (row, col).
using ChunkIndices = std::function<SmallVector<Value>(Value, Value)>;

/// The shared-memory views of Q and the `stages` K/V slots, at the offsets
/// of the kind's SharedLayout (the one the cost model's sramBytes totals):
/// padded rows for ldmatrix (mma-sync), or 128-byte swizzled tiles for TMA
/// and wgmma's descriptors, after the dynamic shared memory's base is
/// aligned to the swizzle atom.
class SharedTiles {
public:
  SharedTiles(KernelContext &k, const SharedLayout &layout)
      : k(k), layout(layout) {}
  /// The views, at the start of the launch's body.
  void setUp();

  /// The layout the views follow.
  const SharedLayout &getLayout() const { return layout; }
  /// Bytes of one element of Q, K and V.
  int64_t elementBytes() const { return layout.q.elementBytes; }
  /// Elements of one 16-byte chunk (kSharedChunkBytes).
  int64_t chunkElements() const { return kSharedChunkBytes / elementBytes(); }
  /// wgmma: the columns of a 64-column block (one 128-byte swizzle row).
  int64_t swizzleColumns() const {
    return kWgmmaSwizzleRowBytes / elementBytes();
  }
  /// wgmma: the columns a tile row of `cols` takes, whole 64-column blocks.
  int64_t paddedColumns(int64_t cols) const {
    return wgmmaPaddedColumns(cols, elementBytes());
  }

  /// Where the chunk (row, col) of Q, and of slot `slot`'s K or V, goes.
  SmallVector<Value> qIndices(Value row, Value col);
  ChunkIndices kIndices(Value slot);
  ChunkIndices vIndices(Value slot);
  /// wgmma: the element offsets of slot `slot`'s K and V tiles.
  Value kOffset(Value slot);
  Value vOffset(Value slot);
  /// wgmma: element offset of (row, col), col the first element of a
  /// 16-byte chunk, in a [rows, cols] tile at element offset `tileBase` in
  /// the 128-byte swizzled layout: 64-column blocks of `rows` 128-byte rows,
  /// the chunk c of row r stored at chunk c ^ (r % 8) (CUTLASS's
  /// Swizzle<3,4,3>, wgmma's layout type 1).
  Value swizzled(Value tileBase, int64_t rows, Value row, Value col);
  /// wgmma: the type of a TMA box [1, 1, rows, 64], and the box at
  /// `elementOffset` elements past the aligned base.
  MemRefType boxType(int64_t rows);
  Value boxAt(int64_t rows, Value elementOffset);
  /// wgmma: the aligned base's shared address plus `elementOffset` elements,
  /// as i64 bytes.
  Value sharedAddress(Value elementOffset);

  /// The views: mma-sync, Q [block_q, row pitch] and K/V [stages, block_kv,
  /// row pitch]; wgmma, one flat element view of all the regions.
  Value sQ, sK, sV;
  /// With the compacted walk: the i32 view of the layout's `list` (null
  /// without).
  Value sList;
  /// wgmma: the bytes from the dynamic shared memory's base to the swizzle
  /// atom it is aligned to, and the aligned base's address.
  Value pad, sharedBase;

private:
  /// mma-sync: the view of a Padded region ([rows, pitch], or with `staged`
  /// [count, rows, pitch]).
  Value paddedView(const SharedRegion &region, bool staged);
  /// The element offset of `region`'s buffer `slot`.
  Value bufferOffset(const SharedRegion &region, Value slot);

  KernelContext &k;
  SharedLayout layout;
  Value base;
};

/// How tiles reach shared memory: Q and the kv-blocks of a (serial) step.
class LoadPipeline {
public:
  virtual ~LoadPipeline() = default;
  /// Q and the first kv-blocks, in flight before the loop.
  void issuePrologue() {
    issueQuery();
    issueFirstBlocks();
  }
  /// The prologue's parts: Q's load, then the first kv-blocks' (the
  /// compacted walk scans the block mask between them, while Q is in
  /// flight).
  virtual void issueQuery() = 0;
  virtual void issueFirstBlocks() = 0;
  /// Waits until Q has landed (nothing for cp.async: the first step's wait
  /// covers it).
  virtual void waitForQ() = 0;
  /// The head of the serial step of kv-block `j`: refills, waits for block
  /// j and makes it visible; returns its slot.
  virtual Value beginStep(Value j) = 0;
  /// The tail of the serial step: frees block j's slot for its refill.
  virtual void endStep(Value j) = 0;
  /// After the loops: nothing may be in flight when the block exits.
  virtual void drain() = 0;
};

/// cp.async of [rows, cols] row tiles of a [B, H, N, cols] buffer by every
/// thread of a block, in 16-byte chunks: the copy the forward's loads and
/// the backward's kernel share.
struct AsyncTileCopy {
  Emitter &e;
  /// The thread's index in the block and the block's threads; the batch.
  Value tid;
  int64_t threads;
  Value batch;
  /// Elements of one 16-byte chunk.
  int64_t width;

  /// cp.async of a [rows, cols] tile of `src` (rows `rowBase`.. of head
  /// (batch, `head`)) into `dst` at `dstIndices`, zero-filling rows at or
  /// past `rowEnd` and every row when `enabled` is false.
  void copy(Value src, Value head, Value rowBase, Value rowEnd, Value enabled,
            int64_t rows, int64_t cols, Value dst,
            const ChunkIndices &dstIndices,
            SmallVectorImpl<Value> &tokens) const;
};

/// One cp.async commit group of `tokens`; a null group when `tokens` is
/// empty (copies issued inside branches), committed through NVVM.
Value commitAsyncGroup(ImplicitLocOpBuilder &b, ArrayRef<Value> tokens);

/// Waits until at most `pending` commit groups are in flight; `group` is
/// commitAsyncGroup's result, null or not.
void waitAsyncGroup(ImplicitLocOpBuilder &b, Value group, int32_t pending);

/// On the host: the TMA tensor map of `memref` in boxes of type `box`
/// ([1, 1, rows, 64]: one 128-byte swizzle row of 64 columns), 128-byte
/// swizzled as wgmma reads it, zero-filled out of bounds.
Value createSwizzledTensorMap(ImplicitLocOpBuilder &b, Value memref,
                              MemRefType box);
/// A warp's rows, written to shared memory by its lanes, stored through
/// TMA (the TMA-store epilogues: the forward's O, D31, the wgmma backward's
/// dK and dV, D107): every lane's writes made visible to the async proxy,
/// the warp reconverged, then its first lane issues `issueStores` (the
/// nvgpu.tma.async.store of each of the warp's boxes), commits them and
/// waits until TMA has read them, so that the block may exit.
void storeWarpRowsThroughTma(Emitter &e, Value lane,
                             llvm::function_ref<void()> issueStores);
/// Waits for phase `parity` (an index, 0 or 1) of mbarrier `barId` of the
/// group `bars`.
void waitForParity(ImplicitLocOpBuilder &b, Value bars, Value barId,
                   Value parity);

/// cp.async by every thread into padded (mma-sync) or swizzled (wgmma)
/// tiles, one commit group per block; one block-wide barrier per step.
class CpAsyncLoads : public LoadPipeline {
public:
  CpAsyncLoads(KernelContext &k, SharedTiles &tiles) : k(k), tiles(tiles) {}
  void issueQuery() override;
  void issueFirstBlocks() override;
  void waitForQ() override {}
  Value beginStep(Value j) override;
  void endStep(Value j) override;
  void drain() override;

private:
  /// AsyncTileCopy::copy with the launch's threads.
  void copyTile(Value src, Value head, Value rowBase, Value rowEnd,
                Value enabled, int64_t rows, int64_t cols, Value dst,
                const ChunkIndices &dstIndices, SmallVectorImpl<Value> &tokens);
  /// Kv-block `block`'s K and V into `slot`: its commit group.
  Value loadKV(Value block, Value slot);

  KernelContext &k;
  SharedTiles &tiles;
  /// The last commit group of the prologue.
  Value lastGroup;
};

/// TMA: boxes through host-built tensor maps, thread 0 (or the producer
/// warpgroup's first thread) issuing every load, each K/V slot (and Q)
/// completing on a "full" mbarrier; slots freed by a block-wide barrier or
/// through "empty" mbarriers (release), refilled by thread 0 or the
/// producer warpgroup.
class TmaLoads : public LoadPipeline {
public:
  TmaLoads(KernelContext &k, SharedTiles &tiles)
      : k(k), tiles(tiles), barriers{k.t.stages, /*separateV=*/k.overlap,
                                     /*empties=*/k.release} {}
  /// On the host, before the launch: the tensor maps.
  void createTensorMaps(bool withOutput);
  /// In the kernel: the mbarriers, initialized by the leader.
  void createBarriers();
  void issueQuery() override;
  void issueFirstBlocks() override;
  void waitForQ() override { waitFor(k.idx(barriers.q()), k.idx(0)); }
  Value beginStep(Value j) override;
  void endStep(Value j) override;
  void drain() override {}

  /// The producer warpgroup's loop: refill each slot once every consumer
  /// warp has released it. Leaves the builder in the consumers' branch.
  void splitProducer();
  /// Thread 0 loads kv-block `block`'s K and/or V into `slot`, completing
  /// on mbarrier `barId`; blocks at or past kvEnd are never loaded.
  void loadKV(Value block, Value slot, Value barId, bool withK, bool withV);
  /// Waits (as a whole warp) for phase `parity` of mbarrier `barId`.
  void waitFor(Value barId, Value parity);
  /// The warp is done with a slot: its first lane arrives on `barId`.
  void arriveEmpty(Value barId);
  /// The mbarriers of V slots apart from K (overlap), and the empty ones.
  Value vBar(Value slot) { return k.addc(slot, barriers.vFullBase()); }
  Value emptyBar(Value slot) { return k.addc(slot, barriers.emptyBase()); }
  Value vEmptyBar(Value slot) { return k.addc(slot, barriers.vEmptyBase()); }
  /// The output's tensor map (the TMA store), or null.
  Value outputMap() const { return oMap; }

private:
  Value tensorMap(Value memref, int64_t rows);
  void loadTile(Value map, Value tileBase, int64_t rows, int64_t cols,
                Value row, Value headIndex, Value barId);
  void tryWait(Value barId, Value parity);

  KernelContext &k;
  SharedTiles &tiles;
  /// The mbarriers' indices (SharedLayout.h).
  WgmmaBarriers barriers;
  Value qMap, kMap, vMap, oMap;
  Value bars, leader;
};

/// S = Q K^T and O += P V of one kv-block for the lane's rows.
class TileMath {
public:
  virtual ~TileMath() = default;
  /// S of slot `slot`: [mTiles][nTilesS] accumulator fragments.
  /// `afterIssue` (may be null) runs once the products are issued, before
  /// they are waited for (asynchronous kernels).
  virtual SmallVector<Value> scores(Value slot,
                                    const std::function<void()> &afterIssue) = 0;
  /// acc += P V of slot `slot`, P as the softmax's fragments.
  /// `beforeIssue` (may be null) runs just before the products are issued.
  virtual void accumulatePV(MutableArrayRef<Value> acc,
                            ArrayRef<SmallVector<Value>> pFrags, Value slot,
                            const std::function<void()> &beforeIssue) = 0;
};

/// The m16n8k16 A fragment of the f32 m16n8 accumulators of two adjacent
/// n-tiles `lo`, `hi`, rounded to `elt` in registers: the accumulator
/// layout of two n-tiles is the A layout of one k16 step.
Value accumulatorsToA(Emitter &e, Type elt, Value lo, Value hi);
/// P's A fragments of k16 step kk (one per m-tile), converted in registers
/// (accumulatorsToA).
SmallVector<Value> pAFragments(KernelContext &k,
                               ArrayRef<SmallVector<Value>> pFrags,
                               int64_t kk);
/// The pairs of a fragment as i32 registers (a 16-bit pair per register).
SmallVector<Value> packedPairs(Emitter &e, Value frag, int64_t pairs);

/// The leading byte offset of a K-major wgmma operand: unused by the
/// 128-byte swizzle (the rows of a 64-column block are contiguous), written
/// as one 16-byte unit as CUTLASS does.
constexpr int64_t kKMajorLeadingBytes = 16;
/// A wgmma shared-memory matrix descriptor of the 128-byte swizzled layout
/// at shared byte address `addr` (i64), with its leading and stride byte
/// offsets.
Value wgmmaDescriptor(Emitter &e, Value addr, int64_t leadingBytes,
                      int64_t strideBytes);
/// `desc` with its start address `bytes` further.
Value advanceDescriptor(Emitter &e, Value desc, int64_t bytes);
/// The wgmmas of an m64 n`n` f32 product of `elt` operands over `steps` k16
/// steps, both operands in shared memory (step kk's A and B descriptors
/// from `descriptors`; NVVM's layouts: A row and B col are K-major, A col
/// and B row MN-major), the first step overwriting the accumulator;
/// committed as one group, not waited for. Returns the accumulator struct.
Value issueSharedWgmma(
    Emitter &e, Type elt, int64_t n, int64_t steps,
    llvm::function_ref<std::pair<Value, Value>(int64_t)> descriptors,
    NVVM::MMALayout layoutA, NVVM::MMALayout layoutB);
/// The wgmmas of acc += A B, m64 n`n`, one k16 step per B descriptor: A
/// from registers (4 i32 a step, `aRegs`), B MN-major in shared memory,
/// `acc` the n / 2 f32 accumulator registers (fenced by the caller);
/// committed as one group, not waited for. Returns the registers they
/// write.
SmallVector<Value> issueRegisterAWgmma(Emitter &e, Type elt,
                                       ArrayRef<Value> acc,
                                       ArrayRef<Value> aRegs,
                                       ArrayRef<Value> bDescs, int64_t n);

/// The mma.sync product part: m16n8k16 with f32 accumulators of `elt`
/// operands, and the ldmatrix loads of its operands from any padded shared
/// tile (a B operand stored n-major is loaded as is, one stored k-major with
/// `.trans`). The forward's MmaSyncMath and the backward's kernel use it.
class MmaSyncProducts {
public:
  MmaSyncProducts(Emitter &e, Type elt) : e(e), elt(elt) {}
  /// ldmatrix.x4 at the lane's `indices` of `smem`.
  Value ldmatrix(Value smem, ValueRange indices, bool transpose);
  /// Rows 0-1 (or 2-3) of an x4 ldmatrix result: one n-tile's B operand.
  Value half(Value x4, int64_t which);
  /// c + a b (nvgpu.mma.sync for f16, nvvm.mma.sync for bf16).
  Value mma(Value a, Value bFrag, Value c);
  /// An m16n8 f32 accumulator of zeros.
  Value zero();

private:
  Emitter &e;
  Type elt;
};

/// mma.sync m16n8k16 on ldmatrix fragments of padded tiles.
class MmaSyncMath : public TileMath {
public:
  MmaSyncMath(KernelContext &k, SharedTiles &tiles)
      : k(k), tiles(tiles), ops(k, k.elt) {}
  SmallVector<Value> scores(Value slot,
                            const std::function<void()> &afterIssue) override;
  void accumulatePV(MutableArrayRef<Value> acc,
                    ArrayRef<SmallVector<Value>> pFrags, Value slot,
                    const std::function<void()> &beforeIssue) override;

private:
  /// The n-tiles 2 np and 2 np + 1 of an x4 ldmatrix result times every
  /// m-tile's A fragment, into accs[mi * nTiles + n].
  void mmaTilePair(Value x4, ArrayRef<Value> aFrag,
                   MutableArrayRef<Value> accs, int64_t nTiles, int64_t np);

  KernelContext &k;
  SharedTiles &tiles;
  MmaSyncProducts ops;
  /// The lane's ldmatrix row and column offsets of the current step.
  Value laneRow16, laneHalf, laneRow8, laneQuarter;
};

/// wgmma: a warpgroup per 64 rows, both operands of S in shared memory, P
/// in registers for P V. The issue and the wait of each product are
/// separate so that the main loop can overlap them.
class WgmmaMath : public TileMath {
public:
  WgmmaMath(KernelContext &k, SharedTiles &tiles) : k(k), tiles(tiles) {}
  /// This warpgroup's 64 rows of Q (K-major: 8-row groups 1 KiB apart).
  void setUpQDescriptor();
  SmallVector<Value> scores(Value slot,
                            const std::function<void()> &afterIssue) override;
  void accumulatePV(MutableArrayRef<Value> acc,
                    ArrayRef<SmallVector<Value>> pFrags, Value slot,
                    const std::function<void()> &beforeIssue) override;

  /// wgmma descriptors of a slot's K (K-major) and V (MN-major) tiles.
  Value kDescriptor(Value slot);
  Value vDescriptor(Value slot);
  /// The wgmmas of S = Q K^T, committed as one group and not waited for.
  Value issueScores(Value kDesc);
  /// The m16n8 fragments of a completed S accumulator.
  SmallVector<Value> scoreFragments(Value acc);
  /// The V descriptor of each k16 step of P V.
  SmallVector<Value> pvDescriptors(Value vDesc);
  /// The wgmmas of acc += P V, committed and not waited for: the
  /// accumulator registers they write.
  SmallVector<Value> issuePV(ArrayRef<Value> acc, ArrayRef<Value> pRegs,
                             ArrayRef<Value> vDescs);
  /// `acc` from the registers of a completed P V group.
  void finishPV(MutableArrayRef<Value> acc, ArrayRef<Value> out);
  /// acc += P V, waited for.
  void wgmmaPV(MutableArrayRef<Value> acc, ArrayRef<Value> pRegs,
               Value vDesc);
  /// P's registers (A operand of P V) from the softmax's fragments.
  SmallVector<Value> pRegisters(ArrayRef<SmallVector<Value>> pFrags);

private:
  /// A shared-memory matrix descriptor of the 128-byte swizzled layout.
  Value descriptor(Value addr, int64_t leadingBytes, int64_t strideBytes);
  Value advance(Value desc, int64_t bytes);

  KernelContext &k;
  SharedTiles &tiles;
  Value qDesc;
};

/// The online softmax on accumulator fragments (two rows a lane per
/// m-tile, a quad of lanes a row), shared by both kernels.
class OnlineSoftmax {
public:
  /// P's fragments, the new max and sum rows and each m-tile's rescale
  /// factor of O.
  struct Step {
    SmallVector<SmallVector<Value>> pFrags;
    SmallVector<Value> maxRows, sums, scales;
  };

  explicit OnlineSoftmax(KernelContext &k) : k(k) {}
  /// The mask operand's reader (before the loops: its clamps are
  /// loop-invariant).
  void setUpMask();
  /// Keys past Nk, (causal) keys right of a row's diagonal, and the mask
  /// operand, in the scores `s` of kv-block `j`.
  SmallVector<Value> maskScores(ArrayRef<Value> s, Value j);
  /// One step against the running max and sum; rescales `acc` unless empty.
  Step step(ArrayRef<Value> s, ArrayRef<Value> rowMax, ArrayRef<Value> rowSum,
            MutableArrayRef<Value> acc);

private:
  Value maskValue(Value row, Value col);
  /// Whether key `col` lies in the window of the row whose diagonal key is
  /// `diagonalKey` (row + Nk - Nq).
  Value inWindow(Value col, Value diagonalKey);

  KernelContext &k;
  Value lastRow, lastCol;
};

/// The consumer warpgroups' turns at the tensor cores (FlashAttention-3's
/// ping-pong): named barrier 1 + i is warpgroup i's turn.
class Turns {
public:
  explicit Turns(KernelContext &k) : k(k) {}
  void setUp();
  /// Waits for this warpgroup's turn.
  void wait();
  /// Passes the turn to the next warpgroup.
  void pass();
  /// Warpgroup 0's own arrival: its first wait returns.
  void takeFirst();
  /// Passes the turn unless this is the last warpgroup at the last block:
  /// every barrier gets as many arrivals as waits.
  void passUnlessLast(Value block);
  /// The end of the serial step's loops: the last turn passes on, except
  /// from the last warpgroup.
  void passLast();
  /// Waits for this warpgroup's turn unless it is warpgroup 0, which holds
  /// the first.
  void waitUnlessFirst();

private:
  KernelContext &k;
  Value wgIndex, pair, mine, next;
};

/// The kv-block loops: the loop state is O's fragments, the row max and the
/// row sum (and, overlapped, P_{j-1}'s registers).
class MainLoop {
public:
  MainLoop(KernelContext &k, LoadPipeline &loads, TileMath &math,
           OnlineSoftmax &softmax, Turns *turns)
      : k(k), loads(loads), math(math), softmax(softmax), turns(turns) {}
  /// The overlapped step's parts (schedule step = overlap: TMA and wgmma).
  void setOverlapParts(TmaLoads &tma, WgmmaMath &wgmma) {
    tmaLoads = &tma;
    wgmmaMath = &wgmma;
  }

  /// The blocks before the first that needs a mask (FlashAttention-2's
  /// split; with a window, the full blocks [fullStart, maskStart) between
  /// the masked edges), and whether each loop is needed.
  void setUpMaskSplit();
  /// The compacted walk: the split's bounds in dense steps (setUpMaskSplit
  /// made them; fullStart first where there is one), and their steps in the
  /// walk's list (KernelContext::compactWalk's counts) in their place.
  SmallVector<Value> splitBounds() const;
  void setCompactedSplit(ArrayRef<Value> countsBelow);
  /// Every loop; returns the final state.
  SmallVector<Value> build(ValueRange init);

private:
  /// One serial step per kv-block in [lb, ub); `masked` adds the masks,
  /// with `maskFrom` only to blocks j >= maskFrom (or, with a window,
  /// j < fullStart), under a branch.
  scf::ForOp buildSerialLoop(Value lb, Value ub, ValueRange init, bool masked,
                             Value maskFrom = Value());
  /// setUpMaskSplit's block-list part: the list's full blocks, then its
  /// partial ones.
  void setUpListSplit();
  /// setUpMaskSplit's window part: the masked edges around the full
  /// blocks, in steps.
  void setUpWindowSplit();
  /// setUpMaskSplit's chunk part: the full blocks lie in the chunk of the
  /// q-block's rows (none when its rows span two chunks).
  void setUpChunkSplit();
  /// fullStart and maskStart (absolute blocks) in steps from kvBegin,
  /// clamped to 0 <= fullStart <= maskStart <= kvEnd; the loops needed.
  void clampEdgeSplit();
  /// The serial loops: split, or one loop with the masks under a branch.
  SmallVector<Value> buildSerial(SmallVector<Value> state);
  /// The overlapped step of kv-block j >= 1 over [lb, ub).
  scf::ForOp buildOverlapLoop(Value lb, Value ub, ValueRange init,
                              bool masked);
  /// Block 0's scores and softmax, the overlapped loops, the last P V.
  SmallVector<Value> buildOverlapped(ValueRange init);
  /// A branch LLVM cannot remove before the overlapped step's P V wait,
  /// which keeps the softmax's exponentials above it.
  void keepSoftmaxBeforeWait(Value sums);

  KernelContext &k;
  LoadPipeline &loads;
  TileMath &math;
  OnlineSoftmax &softmax;
  Turns *turns;
  TmaLoads *tmaLoads = nullptr;
  WgmmaMath *wgmmaMath = nullptr;
  Value maskStart;
  /// With a window (a chunk): the first step with no key left of any row's
  /// window (of the rows' chunk).
  Value fullStart;
  bool needFull = false, needMasked = false;
};

/// O / l (0 for a row with nothing visible), its store and the logsumexp.
class EpilogueWriter {
public:
  EpilogueWriter(KernelContext &k, SharedTiles &tiles, Value outputMap)
      : k(k), tiles(tiles), outputMap(outputMap) {}
  /// `state`: the main loop's final O fragments, max rows and sum rows.
  void build(ArrayRef<Value> state);

private:
  Value normalized(int64_t mi, int64_t r, int64_t dn);
  void forRowsInBounds(const std::function<void(int64_t, int64_t, Value)> &);
  void storePairsToGlobal();
  void storePairsToShared();
  void storeThroughTma();
  void storeStaged();
  void storeLogsumexp();

  KernelContext &k;
  SharedTiles &tiles;
  Value outputMap;
  ArrayRef<Value> state;
  Value tileRowBase, rowBase, colBase, quadLeader;
  SmallVector<Value> sums, empties, inverses;
};

/// Records on the enclosing function's argument `memref` (if it is one)
/// that the kernel's accesses need it aligned to `bytes` (`fa.align`, which
/// the manifest records and the runtime checks).
void requireAlignment(Value memref, int64_t bytes);

/// The backward's sizes and the launch every kernel of a backward opens
/// (BackwardHost.cpp): the host part, the preprocess and convert kernels
/// and each kind's main kernel read it.
class BackwardContext : public Emitter {
public:
  BackwardContext(AttentionGradOp op, ImplicitLocOpBuilder &b,
                  const Tiling &tiling);

  /// A dimension of a buffer: a constant where static.
  Value dim(Value memref, int64_t i);
  /// ceil(n / block), a constant where n is one.
  Value blocks(Value n, int64_t block) {
    return b.createOrFold<arith::CeilDivUIOp>(n, idx(block));
  }
  /// A launch of grid (x, heads, B) with the block's threads and `smem`
  /// bytes of dynamic shared memory; the builder moves into its body.
  void openLaunch(Value gridX, int64_t heads, int64_t smem);
  /// Makes the open launch walk its grid (kv-blocks, heads, batch) in
  /// chunks of `chunk` (batch, head) pairs, within a chunk kv-block 0 of
  /// each pair first, then kv-block 1 of each, ... (#fa.backward_schedule's
  /// launch_chunk, D131): `blockX`, `head` and `batch` become the block's
  /// place in that order, a bijection of the grid onto itself. A chunk of
  /// 1 changes nothing. `fresh`: from the hardware's ids read again, so
  /// that the renamed ids of the code before need not stay live past it
  /// (ptxas reads `%ctaid` again where it lacks registers; it cannot redo
  /// the renaming: D133's epilogue).
  void launchInChunks(int64_t chunk, bool fresh = false);
  /// A launch of grid (x, 1, 1) with the block's threads and `smem` bytes
  /// of dynamic shared memory (a persistent kernel: the block's tiles set
  /// `head` and `batch`); the builder moves into its body.
  void openPersistentLaunch(Value gridX, int64_t smem);
  /// An scf.for over [lb, ub) by `step` carrying `init`, the builder in its
  /// body (the caller's guard restores it).
  scf::ForOp openLoop(Value lb, Value ub, Value step, ValueRange init = {}) {
    auto loop = scf::ForOp::create(b, lb, ub, step, init);
    b.setInsertionPointToStart(loop.getBody());
    return loop;
  }
  Value load(Value memref, ValueRange indices);
  Value toF32(Value v) {
    return v.getType() == f32 ? v : arith::ExtFOp::create(b, f32, v);
  }
  Value toElt(Value v) { return arith::TruncFOp::create(b, elt, v); }

  // The elementwise math of P and dS, shared by the main kernels.
  /// The f32 constants it uses, in the open launch.
  void setUpScoreConstants();
  /// Whether key `kvRow` is visible to query row `qRow` of head `h`: both
  /// in range, (causal) on or left of the row's diagonal, (window) within
  /// the row's window, and kept by the keep-mask.
  Value visible(Value kvRow, Value qRow, Value h);
  /// How far right of its diagonal a row sees keys: 0 with causal, the
  /// window's right extent, none without either (as the tiled form's
  /// getRightExtent).
  std::optional<int64_t> rightExtent() const {
    if (causal)
      return 0;
    if (window)
      return window.getRight();
    return std::nullopt;
  }
  /// Whether every score of the pair (the q-block from row `qBase`, the
  /// kv-block from key `kvBase`; `kvWhole`: its keys all below Nk) is
  /// visible, so that its P needs no mask: rows and keys in range, (causal,
  /// a window's right edge) the block's last key on or left of its first
  /// row's diagonal, (a window) its first key within its last row's
  /// window; never with a keep-mask.
  Value pairInterior(Value qBase, Value kvBase, Value kvWhole);
  /// The block's kv-block: blockIdx.x, or with ordered dQ counted from the
  /// grid's end (the last kv-block first).
  Value kvBlockIndex();
  /// The first q-block the kv-block from key `kvBase` visits (causal and a
  /// window's right bound; 0 without), clamped to the q-blocks when
  /// `clamp`; the end of its range (a window's left bound, else every
  /// q-block). The tiled form's nest 2 bounds.
  Value firstQueryBlock(Value kvBase, bool clamp);
  Value queryBlockEnd(Value kvBase);
  /// Ordered dQ: kv-block `kvBlock`'s turn among the kv-blocks that visit
  /// q-block `qBlock` (they add in descending kv-block order).
  Value orderedTurn(Value kvBlock, Value qBlock);
  /// Whether the block mask's entry of (query head `h`, the q-block from
  /// row `qBase`, the kv-block from key `kvBase`) is non-zero: the tiling's
  /// blocks divide the mask's, so the pair is computed or skipped whole.
  Value blockLive(Value h, Value qBase, Value kvBase);
  /// blockLive where `exists` (a step past the last one, or of a block
  /// without steps, is no pair: its entry is not read), else false.
  Value blockLiveIf(Value exists, Value h, Value qBase, Value kvBase);
  // The ordered dQ (dq = ordered, docs/Backward.md "Deterministic dQ"): a
  // semaphore per (batch, query head, q-block) counts the kv-blocks that
  // have added their part of the q-block's dQ.
  /// The semaphore's global address (an i64), for the inline PTX below.
  Value semaphoreAddress(Value h, Value qBlock);
  /// Thread 0's early read of the semaphore at `address` (a relaxed load
  /// at gpu scope; -1 in the other threads).
  Value peekTurn(Value address);
  /// Thread 0 spins from `seen` (peekTurn's) until the semaphore at
  /// `address` holds `turn` (an index), then acquires (fence.acq_rel.gpu).
  void waitForTurn(Value address, Value turn, Value seen);
  /// A relaxed load of the semaphore at `address` (inline PTX).
  Value loadTurn(OpBuilder &ob, Location loc, Value address);
  /// Thread 0 releases (fence.acq_rel.gpu) everything the block wrote
  /// before its last barrier and adds 1 to the semaphore at `address`.
  void passTurn(Value address);
  /// The fused dQ conversion (D120): the kv-blocks whose walk
  /// [firstQueryBlock, queryBlockEnd) holds q-block `qBlock`, as an index
  /// in every lane of the warp (each lane counts every 32nd kv-block, the
  /// shuffles sum them). The preprocess sets the q-block's counter (the
  /// `semaphores` buffer) to it; the main kernel's blocks count down.
  Value queryBlockArrivals(Value qBlock);
  /// rows[batch, h, qRow] of a [B, Hq, Nq] f32 buffer (the logsumexp or
  /// D), qRow clamped into range.
  Value rowValue(Value rows, Value h, Value qRow);
  /// P = exp2(s scale log2(e) (+ bias log2(e)) - lse log2(e)) where `live`,
  /// else 0; 0 also where the row sees no key (lse = -inf). `bias`: the
  /// score's f32 bias (BackwardBias::value), or null.
  Value probability(Value s, Value lse, Value live, Value bias = Value());
  /// Stores dK_j * scale and dV_j, rounded, from m16n8-layout f32
  /// accumulators: `value(n, r, c)` is element (r, c) of n-tile n (dK's
  /// D / 8 tiles, then dV's Dv / 8), `row(r)` the kv row of fragment row r
  /// (rows past Nk are skipped) and `col(n, c)` the column of (n, c) in its
  /// gradient.
  void storeKeyValueGradients(
      llvm::function_ref<Value(int64_t, int64_t, int64_t)> value,
      llvm::function_ref<Value(int64_t)> row,
      llvm::function_ref<Value(int64_t, int64_t)> col);
  /// Accumulator value `v` of n-tile `n` (dK's D / 8 tiles, then dV's) as
  /// stored: dK's times `scale`, both rounded to the element type.
  Value keyValueGradientElement(int64_t n, Value v);

  AttentionGradOp op;
  Tiling t;
  Type elt, f32;
  int64_t d, dv, threads, group;
  bool causal;
  /// The #fa.window, or null.
  WindowAttr window;
  /// The schedule's dq = ordered: kv-blocks add dQ in a fixed order.
  bool orderedDq;
  /// The schedule's dq_convert = fused (D120): the main kernel converts dQ.
  bool fusedDqConvert;
  double scale;
  /// The target's SMs: the persistent kernel's most blocks.
  int64_t smCount = 0;
  // Host side: sizes and the scratch buffers (`semaphores`, [B, Hq,
  // q-blocks] i32, only with orderedDq, or fusedDqConvert's arrival
  // counters).
  Value batchSize, nq, nk, one, numQBlocks, rowDot, dqAcc, semaphores;
  /// The buffer the main kernel gives dS to when the op asks for the bias
  /// gradient (BackwardBias): dBias itself, or an f32 scratch of its shape
  /// (`biasScratch`, null where not needed); null without a gradient.
  Value biasAcc, biasScratch;
  /// The wgmma backward's split group (D119): the f32 dK and dV
  /// accumulators [B, Hkv, Nk, D] and [B, Hkv, Nk, Dv]; null otherwise.
  Value dkAcc, dvAcc;
  // The open launch.
  gpu::LaunchOp launch;
  Value blockX, head, batch, tid, lane, warp;
  /// scale * log2(e), log2(e), -inf and 0 in f32 (setUpScoreConstants).
  Value scaleLog2, log2e, negInf, zero;

private:
  /// A launch of grid (x, y, z); the builder moves into its body.
  void openGrid(Value x, Value y, Value z, int64_t smem);
};

/// The additive bias of a tensor-core backward and its gradient
/// (docs/Backward.md, "The bias on the tensor-core backwards"), the part both
/// main kernels use: bias[b, h, i, j] (broadcast along its static unit
/// dimensions) is added to the recomputed scores before the exp with the
/// logsumexp, and dS goes to dBias. Where the bias broadcasts nothing, each
/// score's dS is made once, by one thread: a plain store, deterministic.
/// Where it broadcasts, dS is summed over the broadcast dimensions by f32
/// atomic adds: into dBias itself when it is f32, else into an f32 scratch
/// of its shape that the convert kernel rounds into dBias. The preprocess
/// kernel zeroes the buffer the main kernel writes, so pairs the main kernel
/// skips (causal, windows, block masks) leave 0.
class BackwardBias {
public:
  explicit BackwardBias(BackwardContext &k);
  /// Whether the op has an additive bias, and asks for its gradient.
  bool present() const { return static_cast<bool>(bias); }
  bool hasGradient() const { return static_cast<bool>(grad); }
  /// Host part, before the kernels: sets k.biasAcc (and k.biasScratch).
  void allocate();
  /// Preprocess and convert kernels (grid (q-blocks, Hq, B)): zero the
  /// block's part of k.biasAcc; round the block's part of the scratch into
  /// dBias. Each element of the bias's shape has one owner block.
  void zero();
  void convert();
  /// Main kernels: bias[batch, h, qRow, kvRow] in f32, null without a
  /// bias. `inRange`: the caller knows the row and the key are in range;
  /// else they are clamped (out-of-range scores are dropped anyway).
  Value value(Value h, Value qRow, Value kvRow, bool inRange = false);
  /// Main kernels: `x` (a score times scale log2(e)) plus the score's bias
  /// times log2(e), one fma; `x` itself without a bias.
  Value addToExponent(Value x, Value h, Value qRow, Value kvRow,
                      bool inRange = false);
  /// Main kernels: `ds` (f32) of score (qRow, kvRow) into dBias, nothing
  /// where the row or the key is out of range.
  void addGradient(Value h, Value qRow, Value kvRow, Value ds);

private:
  /// The bias's indices of (batch, h, qRow, kvRow): 0 where it broadcasts.
  SmallVector<Value> indices(Value h, Value qRow, Value kvRow);
  /// `body(indices)` for every element of the bias's shape the block owns
  /// (its threads share them).
  void forEachOwned(llvm::function_ref<void(ValueRange)> body);
  /// Whether the bias's dimension `dim` is a static 1 (index 0); whether
  /// it is one the problem's is not (dBias sums over it).
  bool broadcasts(int64_t dim) const {
    return biasType.getDimSize(dim) == 1;
  }

  BackwardContext &k;
  Value bias, grad;
  MemRefType biasType;
  /// Whether dBias is summed over a broadcast dimension (atomic adds).
  bool summed = false;
};

/// The ordered dQ's turns over a main kernel's steps (dq = ordered,
/// docs/Backward.md "Deterministic dQ"), the protocol both tensor-core
/// backwards follow: a step passes the previous step's turn right after
/// its first barrier (which ends every thread's dQ adds of that step) and
/// thread 0 reads its own turn early; thread 0 waits for the turn before
/// the barrier that precedes the step's dQ adds; after the loop, a barrier
/// and the last step's turn. A skipped step (a block mask's) waits and
/// passes like any other.
class DqTurns {
public:
  /// The turns of the block's kv-block `kvBlock` (kvBlockIndex()).
  DqTurns(BackwardContext &k, Value kvBlock) : k(k), kvBlock(kvBlock) {}
  /// A step's (query head, q-block), built where it is needed.
  using StepFn = llvm::function_ref<std::pair<Value, Value>()>;
  /// Right after the first barrier of step (h, qBlock): where
  /// `hasPrevious`, the turn of the step `previous` builds passes; then
  /// thread 0 reads this step's semaphore.
  void begin(Value hasPrevious, StepFn previous, Value h, Value qBlock);
  /// begin's two halves, for a kernel that passes the previous turn later
  /// in the step (dq_pass = after_scores, D115): where `hasPrevious`, the
  /// turn of the step `previous` builds passes (after a barrier that
  /// follows the completion of the block's adds of that step); thread 0
  /// reads the semaphore of step (h, qBlock).
  void pass(Value hasPrevious, StepFn previous);
  void read(Value h, Value qBlock);
  /// Thread 0 waits until it is this step's turn (before the barrier that
  /// precedes the dQ adds).
  void wait();
  /// After the loop: a barrier, then, where `hasLast`, the turn of the
  /// last step (`last`) passes.
  void finish(Value hasLast, StepFn last);

private:
  void passTurnOf(StepFn step);

  BackwardContext &k;
  Value kvBlock;
  /// The current step's q-block, semaphore address and early read.
  Value qBlock, address, seen;
};

/// A kv-block's steps under a #fa.mask_pattern, the part both tensor-core
/// backwards walk (docs/BlockSparse.md, "The kernels' block lists"):
/// BlockClassifier's list of the q-blocks that see the kv-block, full pairs
/// first, a constant global of the module. Three reads at the start: where
/// the list lies, its length and how many of it are full.
class QueryBlockList {
public:
  /// The list of kv-block `kvBlock` (kvBlockIndex()).
  QueryBlockList(BackwardContext &k, Value kvBlock);
  /// The q-blocks a query head walks (the list's length).
  Value length() const { return count; }
  /// The q-block at `position` of the list; clamped into the array, so a
  /// position past the list (a step whose loads are disabled) reads a valid
  /// entry.
  Value queryBlock(Value position);
  /// Whether the pair at `position` needs no mask: a full pair of the list
  /// (whole blocks, every score visible), never with a keep-mask.
  Value full(Value position);

private:
  BackwardContext &k;
  Value lists, begin, count, fullCount, last;
};

/// The host part of a tensor-core backward, in place of the op: the sizes,
/// the scratch buffers (D [B, Hq, Nq] and the dQ accumulator [B, Hq, Nq, D],
/// f32; with dq = ordered the semaphores [B, Hq, q-blocks], i32), the
/// preprocess kernel (D = rowsum(dO * O), dQacc = 0, semaphores 0), the main
/// kernel `buildMain` builds (the kind's), the convert kernel (dQ = scale *
/// dQacc), and the buffers' deallocation.
void buildBackwardHost(BackwardContext &k,
                       llvm::function_ref<void()> buildMain);

/// dst = scale * acc over the rows [rowBase, min(rowBase + blockRows,
/// rowEnd)) of (k.batch, `head`) of the f32 accumulator `acc` [B, H, N,
/// cols] (the convert kernels' part, D105), each thread with up to
/// `loadsInFlight` 16-byte loads in flight. `fromL2`: the loads read L2
/// (ld.global.cg), for an accumulator other blocks of the running kernel
/// added to (the fused dQ conversion, D120).
void convertAccumulatorRows(BackwardContext &k, Value acc, Value dst,
                            double scale, Value head, Value rowBase,
                            Value rowEnd, int64_t blockRows, int64_t cols,
                            bool fromL2, int64_t loadsInFlight);

/// Builds the wgmma backward's main kernel (WgmmaBackward.cpp) in the
/// host part `k` opened (buildBackwardHost).
void buildWgmmaBackwardMain(BackwardContext &k);

/// Bytes of shared memory of the mma.sync backward's main kernel: padded
/// K_j, V_j, Q_i, dO_i and dS tiles (BackwardKernels.cpp).
int64_t backwardSharedBytes(const Tiling &tiling, int64_t d, int64_t dv,
                            int64_t elementBytes);

/// Builds the mma.sync or wgmma backward of `op` (bufferized, scheduled
/// `kernel = mma_sync` or `wgmma`, `dq = atomic` or `ordered`, its tiling
/// checked) in place of the op: the scratch buffers and the preprocess,
/// main and convert kernels. `smCount`: the target's SMs (the persistent
/// wgmma kernel's grid).
void buildBackwardKernels(AttentionGradOp op, const Tiling &tiling,
                          KernelKind kind, int64_t smCount);

/// Builds the kernel of `op` (bufferized, its tiling and schedule checked)
/// in place of the op: the host side, the launch (its dynamic shared memory
/// `layout`'s) and the parts.
void buildKernel(AttentionOp op, const Tiling &tiling,
                 const KernelSchedule &schedule, const SharedLayout &layout);

} // namespace nvgpu_kernel
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_CONVERSION_FATONVGPU_KERNELPARTS_H
