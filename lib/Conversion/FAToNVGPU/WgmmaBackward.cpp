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
// visits, a mask pattern replaces them by the kv-block's list of q-blocks
// (QueryBlockList, the mma.sync backward's); a block mask skips a step
// whole (no loads, no products, no dQ), or, with the schedule's `walk =
// compacted` (D94), its dead q-blocks are not steps at all: one warp lists
// the live ones in shared memory at the block's start and the ring walks
// the list.
//
// At D = 64 a written tiling may take q-blocks of 128 rows (the wide
// q-block, D104): S^T and dP^T are m64 n128, P^T and dS^T cover k = 128,
// and the warpgroups split dQ_i by q rows (64 each, every column) rather
// than by columns.
//
// That is the row split (WgmmaBackwardSplit::KvRows). At D = 256 and D =
// 192 with Dv = 128 its accumulators exceed the registers: the column split
// (D76, FlashAttention-3's hdim-256 shape) takes block_kv 64, each
// warpgroup D / 2 columns of dK_j and Dv / 2 of dV_j for all 64 kv rows.
// Each warpgroup computes S^T and dP^T for half of the q-block's columns,
// stores its P^T and dS^T to shared memory, and after a barrier
//
//   dV_wg += P^T dO_i[:, wg]   dK_wg += dS^T Q_i[:, wg]   (both operands in
//   dQ_i[:, wg] = dS K_j[:, wg]                            shared memory)
//
// How Q_i, dO_i and the q-block's logsumexp and D rows arrive is the
// tiling's `stages`: one buffer, copied by cp.async at the start of each
// step and waited for there (D54); or a ring of two, Q_i and dO_i by TMA
// completing on an mbarrier per buffer, the rows read into registers a step
// ahead and stored at the step's top (D125; 4-byte cp.async before), the
// next step's loads issued before this step's products (D61); a step the
// block mask skips completes its mbarrier's phase by a plain arrival
// (D75).
//
// After the loops dK_j (times scale) and dV_j leave one element a store, or,
// with the schedule's `epilogue = tma_store` (D107), over K_j's and V_j's
// tiles and through TMA (the forward's storeWarpRowsThroughTma).
//
// With the schedule's `gqa = split` (D119) the grid is (kv-blocks, Hq, B):
// a block walks one query head's q-blocks and adds its dK_j, dV_j to f32
// accumulators by bulk reductions (reduceKeyValueGradients), which
// BackwardHost.cpp zeroes before and converts after.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

/// The persistent kernel's sections under causal masks (tileOfRound): the
/// Q_i and dO_i bytes a section's (K/V head, batch) pairs stream, which
/// should stay in an H100's or H200's L2 (50 MiB) beside the rest.
constexpr int64_t kPersistentSectionBytes = 32 << 20;

/// The column runs, relative to its first column, in which each of the two
/// warpgroups issues its `n` columns (warpgroup g's from g n) of an
/// MN-major B operand with 64-column blocks of `columns`: one MN-major
/// descriptor reaches across a block's end only from a block's start, so
/// a run that starts inside a block (for either warpgroup) ends at that
/// block's end. Each run is as wide as both allow: D = 128's dQ takes one
/// run, D = 80 24 + 16, D = 96 16 + 32, D = 192 32 + 32 + 32.
static SmallVector<int64_t> wgmmaColumnRuns(int64_t n, int64_t columns) {
  SmallVector<int64_t> runs;
  for (int64_t first = 0; first < n;) {
    int64_t end = n;
    for (int64_t start : {first, n + first})
      if (start % columns != 0)
        end = std::min(end, first + columns - start % columns);
    runs.push_back(end - first);
    first = end;
  }
  return runs;
}

namespace {

/// The fused dQ conversion's 16-byte loads in flight a thread (D120), the
/// convert kernel's: a q-block's rows give each thread 8 units at the
/// wgmma tilings (block_q x D = 128 x 64 or 64 x 128, 256 threads), and
/// one block converts each q-block at the bandwidth they reach.
static constexpr int64_t kFusedConvertLoadsInFlight = 8;

/// The main kernel: its shared memory, ids, and the parts of a step, in the
/// order a step runs them.
class WgmmaBackwardMain {
public:
  explicit WgmmaBackwardMain(BackwardContext &k)
      : k(k), e(k.elt.getIntOrFloatBitWidth() / 8),
        compacted(k.op.getScheduleAttr().getWalk() ==
                  BlockMaskWalk::Compacted),
        dKInFlight(k.op.getScheduleAttr().getInFlight() ==
                   InFlightProducts::DK),
        tmaEpilogue(k.op.getScheduleAttr().getEpilogue() ==
                    BackwardEpilogue::TmaStore),
        passAfterScores(k.op.getScheduleAttr().getDqPass() ==
                        DqTurnPass::AfterScores),
        persistent(k.op.getScheduleAttr().getPersistent() ==
                   BackwardPersistence::On),
        splitGroup(k.op.getScheduleAttr().getGqa() == BackwardGqa::Split),
        // The fused dQ conversion (D120, opt-in) keeps the cp.async rows:
        // with the register its D = 64 wide q-block kernel spills 8 bytes.
        rowsByRegister(k.t.stages > 1 && !persistent && !k.fusedDqConvert),
        layout(k.t, k.d, k.dv, e,
               compacted
                   ? compactedWalkEntries(k.t, getAttentionProblem(k.op))
                   : 0,
               k.op.getScheduleAttr().getDqReduce()),
        columns(layout.split == WgmmaBackwardSplit::Columns),
        wide(!columns && k.t.blockQ == kWgmmaBackwardWideBlockQ),
        scoreCols(columns ? k.t.blockQ / 2 : k.t.blockQ), bias(k) {}
  void build();

private:
  void setUpShared();
  void setUpIds();
  /// The query heads the block walks: the group's (from k.head times the
  /// group), or with the split group (D119) its own one.
  Value firstQueryHead();
  int64_t queryHeads() const { return splitGroup ? 1 : k.group; }
  /// The split group's epilogue (D119): each warp stages its 16 rows of
  /// dK_j, then of dV_j, as f32 in shared memory and adds them to the
  /// accumulators' rows by bulk reductions (a row a lane).
  void reduceKeyValueGradients(ArrayRef<Value> accs);
  /// One bulk reduction (its own bulk group) adding `bytes` of f32 from
  /// shared address `shared` (i64) to global address `global` (index).
  void reduceRowAsync(Value global, Value shared, int64_t bytes);
  /// The bytes of a warp's staged row (the wider of dK's and dV's, f32,
  /// padded by 16 bytes against bank conflicts) and the launch's shared
  /// memory the staging needs (the swizzle atom's slack included).
  int64_t splitStagePitch() const {
    return std::max(k.d, k.dv) * 4 + 16;
  }
  int64_t splitStageBytes() const {
    return k.t.warps * 16 * splitStagePitch() + kWgmmaSwizzleAtomBytes;
  }
  /// The fused dQ conversion (D120), after the block's epilogue: every
  /// lane's dQ reductions complete (the ring's wait) and fenced for the
  /// generic proxy, each step of the block's walk counts its q-block's
  /// counter down (a thread a step, acq_rel at gpu scope), and for each
  /// step whose count reached 0 the block converts the q-block's dQ rows
  /// from the f32 accumulator (read from L2).
  void convertArrivedQueryBlocks();
  /// On the host (stages > 1): the tensor maps of Q and dO, boxes of
  /// [block_q, 64].
  void createTensorMaps();
  /// cp.async of a [rows, cols] row tile into the swizzled tile at byte
  /// offset `tileBytes` (of batch `batch`, else the block's).
  void copyTile(Value src, Value head, Value rowBase, Value rowEnd,
                int64_t rows, int64_t cols, int64_t tileBytes,
                SmallVectorImpl<Value> &tokens, Value batch = Value());
  /// Element offset of the 16-byte chunk (row, col) of the swizzled tile
  /// of `rows` rows at byte offset `tileBytes`.
  Value swizzled(int64_t tileBytes, int64_t rows, Value row, Value col);
  /// The shared byte address `bytes` past the aligned base, plus `dynamic`
  /// bytes (index) if given.
  Value address(int64_t bytes, Value dynamic = Value());
  /// Byte offset, in a tile of 64-column (128-byte) swizzled blocks
  /// `blockBytes` apart, of column `first` of this warpgroup's `n` columns
  /// (from wg n): where a run of wgmmaColumnRuns starts.
  Value warpgroupColumnBytes(int64_t n, int64_t first, int64_t blockBytes);

  /// The persistent kernel (D114): min(tiles, SMs) blocks, each walking its
  /// tiles (kv-block, K/V head, batch) round by round; a tile's ring runs
  /// its steps as the non-persistent block's, numbered on from the
  /// block's previous tiles (stepBase) so that the mbarriers' phases run
  /// on; the next tile's first loads are issued by this tile's last step
  /// and its K_j, V_j loads as soon as this tile's epilogue is done with
  /// their tiles.
  void buildPersistent();
  /// A tile of the persistent kernel: whether it exists, its kv-block, K/V
  /// head and batch.
  struct Tile {
    Value valid, kvBlock, head, batch;
  };
  /// The block's tile of round `round` (rounds [0, rounds)): the rounds
  /// deal the tiles out in a snake (block b takes tile r G + b in even
  /// rounds, r G + G - 1 - b in odd ones, G the grid); tiles are numbered
  /// with the kv-block fastest, or (causal: LPT) slowest, the kv-blocks
  /// with the most q-blocks first.
  Tile tileOfRound(Value round);
  /// Makes `tile` the one the step's helpers read: k.head, k.batch, the
  /// kv-block and its q-block range.
  void enterTile(const Tile &tile);
  /// cp.async of `tile`'s K_j and V_j, if it exists.
  void loadKeyValue(const Tile &tile);
  /// The first step's loads of the tile of round `round` into buffer
  /// `slotIndex`, if the tile exists and has a step.
  void loadFirstStepOf(Value round, Value slotIndex);
  /// The ring's loads for step `next` (t + 1) of the tile of `total` steps:
  /// this tile's, or past its last step the next tile's first.
  void issuePersistentNextLoads(Value next, Value total);

  /// One buffer: a loop per query head of the group, a step per q-block.
  SmallVector<Value> buildSerialLoops(ValueRange init);
  SmallVector<Value> step(Value h, Value qBlock, ValueRange accs);
  /// A step the block mask may skip: `body`'s accumulators where `live`,
  /// else `accs` passed through (no loads, products or dQ; ordered: the
  /// step still waits for its turn, which the next step passes).
  SmallVector<Value> ifLive(Value live, ValueRange accs,
                            llvm::function_ref<SmallVector<Value>()> body);
  /// A step's loads, products and dQ adds: the new dK_wg, dV_wg.
  SmallVector<Value> computeStep(Value h, Value qBase, ValueRange accs);
  /// Ordered dQ: whether step (h, qBlock) has a step before it in the
  /// block's loops, and that step's (query head, q-block).
  Value hasPreviousStep(Value h, Value qBlock);
  std::pair<Value, Value> previousStep(Value h, Value qBlock);
  void loadQueryBlock(Value h, Value qBase);
  /// The ring: one loop over the steps (query head, q-block) of the group,
  /// step t's loads issued during step t - 1.
  SmallVector<Value> buildRingLoop(ValueRange init);
  /// The ring's loop over `total` steps from `carried` (the accumulators,
  /// then with a block mask whether step 0 is live): its accumulators.
  ValueRange buildRingSteps(ValueRange carried, int64_t accCount,
                            Value total, Value rowsGroup);
  /// Step t's query head and first row.
  std::pair<Value, Value> stepRows(Value t);
  /// Step t's (query head, q-block) (stepRows's before the q-block's row).
  std::pair<Value, Value> stepOf(Value t) { return walkStepOf(denseStep(t)); }
  /// The same for step s of the dense walk (every q-block of [first, end)
  /// or of the pattern's list, for each query head of the group).
  std::pair<Value, Value> walkStepOf(Value s);
  /// The q-blocks a query head's dense walk visits (the pattern's list's
  /// length, else end - first, at least 0).
  Value walkLength() {
    return list ? list->length()
                : arith::MaxSIOp::create(k.b, k.sub(end, first), k.idx(0));
  }
  /// Step t's place among its query head's q-blocks.
  Value stepPosition(Value t);
  /// The compacted walk (D94): the scan (the shared part listLiveSteps,
  /// D96) of the block mask's entry of every step of the dense walk: the
  /// live ones (their dense step indices, ascending) in sList, their count
  /// after the list, read by every thread (liveSteps).
  void listLiveSteps();
  /// The dense walk's step behind step t: t itself, or the compacted
  /// walk's list entry t (0 past the list: a step past the last one, whose
  /// loads are disabled, forms a real step's addresses).
  Value denseStep(Value t);
  /// Thread 0 creates the mbarriers (one per buffer).
  void createBarriers();
  /// Step t's Q_i and dO_i (TMA, thread 0) and lse and D rows (cp.async)
  /// into buffer `slot`, if `enabled` and (a block mask) its entry keeps
  /// the pair (a kept step's loads, else a plain arrival on the buffer's
  /// mbarrier, whose phase completes either way): the rows' commit group
  /// and whether the step is live (null without a block mask).
  /// `deferQuery`: Q_i's bytes are expected but its boxes left to
  /// issueDeferredQueryLoad (D101).
  std::pair<Value, Value> issueRingLoads(Value t, Value slot, Value enabled,
                                         bool deferQuery = false);
  /// With rowsByRegister: this thread's logsumexp or D value of step t
  /// (threads 0 .. 2 block_q - 1; 0 for rows past Nq, a step past the last
  /// or skipped, and other threads), read into a register a step ahead by
  /// ld.global and stored to sRows at the step's top (storeRowValue). A
  /// cp.async would be waited for there by `cp.async.wait_group`, which
  /// ptxas gives the scoreboard the dQ's bulk reductions count on
  /// (DEPBAR.LE SB0): the wait took the reductions issued at the step's
  /// end with it (D125).
  Value loadRowValue(Value t, Value enabled, Value live);
  void storeRowValue(Value slotIndex, Value value);
  /// issueRingLoads's loads of the step of query head `h` from row `qBase`
  /// of batch `batch`, `live` its block mask's decision (or null): the
  /// rows' commit group.
  Value issueStepLoads(Value h, Value qBase, Value batch, Value slotIndex,
                       Value enabled, Value live, bool deferQuery);
  /// Thread 0's TMA boxes of step (h, qBase)'s Q_i (`query`) and dO_i
  /// (`outGrad`) of batch `batch` into buffer `slotIndex`, on its mbarrier
  /// (whose bytes the caller expected).
  void loadQueryTiles(Value h, Value qBase, Value batch, Value slotIndex,
                      bool query, bool outGrad);
  /// D101: step t + 1's Q_i, once every warpgroup's dK product of step
  /// t - 1 (which read that buffer) is done: after dS^T's barrier.
  void issueDeferredQueryLoad();
  /// The ring's step t: every warp done with step t - 1, step t + 1's
  /// loads issued, step t's waited for; sets `slot`. Whether step t + 1 is
  /// live (null without a block mask).
  Value beginRingStep(Value t, Value total, Value rowsGroup,
                      Value rowValue = Value(), Value *nextRowValue = nullptr);
  /// The products and the gradients of a step whose tiles are in `slot`.
  SmallVector<Value> compute(Value h, Value qBase, ValueRange accs);
  /// A step's P^T and dS^T (f32 fragments, the warpgroup's S^T columns):
  /// S^T and dP^T issued together, P^T while dP^T computes (the ring: the
  /// mask's tests on edge pairs only), then dS^T.
  std::pair<SmallVector<Value>, SmallVector<Value>>
  scoreGradientsOfStep(Value h, Value qBase);
  /// [64 kv rows of the warpgroup] x [block_q]: the rows of the tile at
  /// `rowsBytes` (this warpgroup's) times the q-block's tile at `qBytes`,
  /// both K-major over `cols` columns; issued as one group, not waited
  /// for: the accumulator struct.
  Value issueTransposedScores(int64_t rowsBytes, int64_t qBytes,
                              Value qSlotBytes, int64_t cols);
  /// The m16n8 fragments of a completed issueTransposedScores.
  SmallVector<Value> scoreFragments(Value acc);
  SmallVector<Value> probabilities(ArrayRef<Value> s, Value h, Value qBase);
  /// The ring's P^T: the mask's tests only on pairs where some score may be
  /// masked (a block-uniform branch, as the mma.sync kernel's; with a mask
  /// pattern, the list's full pairs); an interior pair's rows all see keys,
  /// so its P^T needs no lse = -inf test either. With a bias (which may
  /// hide whole rows) every pair is tested.
  SmallVector<Value> edgeMaskedProbabilities(ArrayRef<Value> s, Value h,
                                             Value qBase);
  SmallVector<Value> interiorProbabilities(ArrayRef<Value> s);
  /// dS^T; with a bias gradient, each dS also goes to dBias.
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
                                     Value slotBytes, int64_t cols);
  /// `acc` from the registers of a completed issueAccumulate.
  void finishAccumulate(MutableArrayRef<Value> acc, ArrayRef<Value> out);
  /// dq_pass = after_scores (D115; the ring's step t, its score products
  /// issued): every lane's bulk reductions of step t - 1 complete, a block
  /// barrier, and (t > 0) thread 0 passes step t - 1's turn. Nothing where
  /// the turns pass at the step's start.
  void passTurnAfterScores();
  /// Waits until at most `pending` wgmma groups are in flight.
  void waitForWgmma(int64_t pending) {
    NVVM::WgmmaWaitGroupSyncOp::create(k.b, pending);
  }
  /// dS^T's A registers (aRegisters) to the [kv, q] tile; barrier.
  void storeScoreGradients(ArrayRef<Value> dsRegs);
  /// A [block_kv, block_q] tile's (at `tileBytes`) part in `regs`
  /// (aRegisters' layout) to shared memory, two columns at once.
  void storeTransposed(int64_t tileBytes, ArrayRef<Value> regs);
  /// The warpgroup's part of dQ_i (layout.dQColumns: D / 2 columns, or
  /// with the wide q-block its 64 rows of every column) = dS K_j: issued, then
  /// `afterIssue` (if given: one more wgmma group, left in flight), waited
  /// for; the accumulator's values (m16n8 layout, n-tile j's element
  /// (r, c) at 4 j + 2 r + c).
  SmallVector<Value> queryGradient(const std::function<void()> &afterIssue,
                                   int64_t pendingAfter = 1);
  /// One buffer: `values` added with per-element f32 atomics.
  void addQueryGradient(Value h, Value qBase, ArrayRef<Value> values);
  /// The ring: the warp's 16 rows of `values` staged in its shared tile,
  /// once the warp's reductions of the step before have read it, and added
  /// by one tensor reduction a box (layout.dQBoxColumns, D79) or one bulk
  /// reduction (cp.reduce.async.bulk .add.f32) a row (D63).
  void reduceQueryGradient(Value h, Value qBase, ArrayRef<Value> values);
  /// The f32 index in a warp's swizzled dQ tile of its pair (row,
  /// fragCol(j, 0)).
  Value swizzledQueryGradient(Value row, int64_t j);
  /// Whether a warpgroup's dQ boxes are stacked, one thread adding each
  /// (layout.dQBoxRows 64, dq_reduce = warpgroup, D127).
  bool stackedQueryGradient() const {
    return layout.dQBoxRows > kWarpgroupRows / 4;
  }
  /// The threads that issue dQ's reductions: lane 0 of each warp (a
  /// reduction a 16-row box), lanes 0-15 (one a row), or (stacked) thread
  /// 0 of each warpgroup.
  Value queryGradientIssuer() {
    if (stackedQueryGradient())
      return k.cmp(arith::CmpIPredicate::eq,
                   k.remc(k.tid, kWarpgroupThreads), k.idx(0));
    return layout.dQBoxColumns > 0
               ? k.cmp(arith::CmpIPredicate::eq, k.lane, k.idx(0))
               : k.cmp(arith::CmpIPredicate::ult, k.lane, k.idx(16));
  }
  /// Inline PTX without results on `operands` (constraints `constraints`).
  void asmStatement(StringRef text, StringRef constraints,
                    ValueRange operands = {});
  /// The staged logsumexp (`which` 0) or D (1) of the two q columns of
  /// n-tile `n`.
  SmallVector<Value> columnValues(int64_t which, int64_t n);
  /// N-tile `n`'s fragment of `f(r, c, column)` for each element (r, c),
  /// `column` the staged row `which` (columnValues) of its q column.
  SmallVector<Value>
  columnwise(int64_t n, int64_t which,
             llvm::function_ref<Value(int64_t, int64_t, Value)> f);
  void writeKeyValueGradients(ArrayRef<Value> accs);
  /// On the host (epilogue = tma_store): the tensor maps of dK and dV,
  /// boxes of a warp's 16 rows x 64 columns.
  void createGradientMaps();
  /// The TMA-store epilogue (D107): after a block barrier each warp writes
  /// its 16 kv rows of dK_j * scale and dV_j, rounded, over K_j's and V_j's
  /// tiles, and its first lane stores them through dK's and dV's tensor
  /// maps, which drop the rows past Nk and clip the columns past D.
  void storeGradientsThroughTma(ArrayRef<Value> accs);

  // The column split (D76).
  /// A step's products and gradients: S^T and dP^T of the warpgroup's q
  /// columns, P^T and dS^T through shared memory, dQ_i, dK_wg and dV_wg
  /// of its columns.
  SmallVector<Value> computeColumns(Value h, Value qBase, ValueRange accs);
  /// acc += A B, A the [block_kv, block_q] tile at `aTileBytes` (K-major),
  /// B the q-block's tile at `bTileBytes` (+ `bSlotBytes`) MN-major from
  /// the warpgroup's first of its `cols` columns, in runs
  /// (wgmmaColumnRuns); issued as one group, not waited for: the
  /// accumulator structs of the runs.
  SmallVector<Value> issueColumnAccumulate(ArrayRef<Value> acc,
                                           int64_t aTileBytes,
                                           int64_t bTileBytes,
                                           Value bSlotBytes, int64_t cols);
  /// `acc` from the structs of a completed issueColumnAccumulate.
  void finishColumnAccumulate(MutableArrayRef<Value> acc,
                              ArrayRef<Value> structs);
  /// dK_wg * scale and dV_wg, rounded, to the rows of K_j in range.
  void writeColumnGradients(ArrayRef<Value> accs);
  /// The q column (within the q-block) of element (r, c) of S^T's n-tile n:
  /// the row split's fragCol, the column split's past the warpgroup's
  /// first q column.
  Value scoreCol(int64_t n, int64_t c) {
    return qColBase ? k.add(qColBase, fragCol(n, c)) : fragCol(n, c);
  }
  /// The warp's first q row of dQ_i's accumulator (within the q-block):
  /// the warpgroups split dQ_i's columns (the row split at block_q 64) or
  /// its rows (the column split's one m64; the wide q-block's two, D104).
  Value queryRowOfWarp() {
    return columns || wide ? wgRow
                           : k.sub(wgRow, k.mulc(wg, kWarpgroupRows));
  }
  /// The warpgroup's first column of dQ_i: wg D / 2, or 0 where the
  /// warpgroups split its rows (the wide q-block).
  Value queryGradientColumn(int64_t n) {
    return wide ? k.idx(0) : k.mulc(wg, n);
  }
  /// The lane's accumulator element (r, c) of n-tile n: its kv row within
  /// the block and its column.
  Value fragRow(int64_t r) { return k.addc(k.add(wgRow, quadRow), 8 * r); }
  Value fragCol(int64_t n, int64_t c) { return k.addc(quadCol, 8 * n + c); }

  BackwardContext &k;
  int64_t e;
  /// The schedule's walk = compacted (a block mask, the ring, dq = atomic).
  bool compacted;
  /// The schedule's in_flight = dk (D101): dK's product left in flight
  /// across the step's end.
  bool dKInFlight;
  /// The schedule's epilogue = tma_store (D107).
  bool tmaEpilogue;
  /// The schedule's dq_pass = after_scores (D115): the ring passes step
  /// t - 1's turn once step t's score products are issued.
  bool passAfterScores;
  /// The schedule's persistent = on (D114).
  bool persistent;
  /// The schedule's gqa = split (D119): the block's one query head
  /// (blockIdx.y; k.head is its K/V head), dK_j and dV_j added to the f32
  /// accumulators k.dkAcc, k.dvAcc.
  bool splitGroup;
  /// The rows by register (D125): the ring's loop (not the persistent
  /// kernel, not the fused dQ conversion) carries each thread's logsumexp
  /// or D value of the next step.
  bool rowsByRegister;
  Value queryHead;
  WgmmaBackwardLayout layout;
  /// The column split (layout.split); the row split's wide q-block
  /// (block_q 128, D104: S^T and dP^T m64 n128, dQ_i split by q rows); the
  /// q columns of a warpgroup's S^T (block_q, or half of it with the
  /// column split).
  bool columns;
  bool wide;
  int64_t scoreCols;
  /// The column split: the warpgroup's first q column of S^T (wg
  /// block_q / 2) and its byte offset in the K-major Q_i and dO_i tiles;
  /// null with the row split.
  Value qColBase, qColBytes;
  /// The additive bias and its gradient (BackwardBias).
  BackwardBias bias;
  VectorType accType;
  Value base, flat, pad, sharedBase;
  /// The q-blocks' logsumexp and D rows in shared memory (f32 [2 stages,
  /// block_q]: buffer s's logsumexp row 2 s, its D row 2 s + 1).
  Value sRows;
  /// The ring: the warps' dQ tiles (f32, layout.dQ; a warp's
  /// layout.dQWarpBytes), null with one buffer or where the ring
  /// adds dQ by atomics (the column split at D = 256).
  Value sQueryGradient;
  /// The buffer of the step being built (stages > 1; null with one): the
  /// byte offsets of its Q_i and dO_i from layout.q and layout.dO, and the
  /// index of its logsumexp row in sRows.
  struct Slot {
    Value qBytes, dOBytes, rowsIndex;
  } slot;
  /// The ring (stages > 1): Q's and dO's tensor maps (and dQacc's, with
  /// layout.dQBoxColumns), the mbarriers, thread 0, and the steps: q-blocks
  /// [first, first + perHead) of every query head of the group.
  Value qMap, dOMap, dQMap, bars, leader, perHead;
  /// The TMA-store epilogue: dK's and dV's tensor maps.
  Value dKMap, dVMap;
  Value kvBlock, kvBase, wg, wgRow, quadRow, quadCol, wgRowBytes, zero;
  /// The q-blocks [first, end) the block visits for each query head.
  Value first, end;
  /// With a mask pattern: the kv-block's list of q-blocks, which the steps
  /// walk in place of [first, end); the ring: the step being built's place
  /// in it.
  std::optional<QueryBlockList> list;
  Value listPosition;
  /// The compacted walk: the list of live steps (i32 [entries + 1], the
  /// count last) and the count (index).
  Value sList, liveSteps;
  /// Ordered dQ's turns (with dq = ordered).
  std::optional<DqTurns> turns;
  /// The ring's step being built and its step count.
  Value ringStep, ringTotal;
  /// The persistent kernel: the K/V blocks of a head, the tiles, the
  /// block's rounds and the one being built, and the tile's first step's
  /// number among the block's steps (null: the ring's steps from 0).
  Value kvBlocks, tiles, rounds, round, stepBase;
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
      MemRefType::get({2 * k.t.stages, k.t.blockQ}, k.f32,
                      MemRefLayoutAttrInterface(), workgroup),
      base, k.addc(pad, layout.rows), ValueRange{});
  if (layout.dQWarpBytes)
    sQueryGradient = memref::ViewOp::create(
        b,
        MemRefType::get({k.t.warps * layout.dQWarpBytes / 4}, k.f32,
                        MemRefLayoutAttrInterface(), workgroup),
        base, k.addc(pad, layout.dQ), ValueRange{});
  if (layout.listEntries)
    sList = memref::ViewOp::create(
        b,
        MemRefType::get({layout.listEntries + 1}, b.getI32Type(),
                        MemRefLayoutAttrInterface(), workgroup),
        base, k.addc(pad, layout.list), ValueRange{});
}

void WgmmaBackwardMain::setUpIds() {
  // Ordered dQ: the grid runs the kv-blocks last first (kvBlockIndex).
  // The persistent kernel's tiles set the kv-block (enterTile).
  if (!persistent) {
    kvBlock = k.kvBlockIndex();
    if (k.orderedDq)
      turns.emplace(k, kvBlock);
    kvBase = k.mulc(kvBlock, k.t.blockKV);
  }
  if (splitGroup) {
    // The grid's y is the query head; the K/V loads read its group's head.
    queryHead = k.head;
    k.head = k.divc(queryHead, k.group);
  }
  wg = k.divc(k.tid, kWarpgroupThreads);
  if (columns) {
    // Every warpgroup's accumulators span the block's 64 kv rows; its S^T
    // the q columns from wg block_q / 2 (rows of the K-major Q_i, dO_i).
    wgRow = k.mulc(k.remc(k.warp, kWarpgroupThreads / 32), 16);
    qColBase = k.mulc(wg, scoreCols);
    qColBytes = k.mulc(wg, scoreCols * kWgmmaSwizzleRowBytes);
  } else {
    wgRow = k.add(k.mulc(wg, kWarpgroupRows),
                  k.mulc(k.remc(k.warp, kWarpgroupThreads / 32), 16));
  }
  quadRow = k.divc(k.lane, 4);
  quadCol = k.mulc(k.remc(k.lane, 4), 2);
  if (!columns)
    wgRowBytes = k.mulc(wg, kWarpgroupRows * kWgmmaSwizzleRowBytes);
  accType = VectorType::get({2, 2}, k.f32);
  k.setUpScoreConstants();
  zero = k.zero;
}

Value WgmmaBackwardMain::firstQueryHead() {
  return splitGroup ? queryHead : k.mulc(k.head, k.group);
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

Value WgmmaBackwardMain::warpgroupColumnBytes(int64_t n, int64_t first,
                                              int64_t blockBytes) {
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  Value col = k.addc(k.mulc(wg, n), first);
  return k.add(k.mulc(k.divc(col, columns), blockBytes),
               k.mulc(k.remc(col, columns), e));
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
                                 SmallVectorImpl<Value> &tokens, Value batch) {
  Value always = arith::ConstantIntOp::create(k.b, k.b.getI1Type(), 1);
  AsyncTileCopy copy{k, k.tid, k.threads, batch ? batch : k.batch,
                     kSharedChunkBytes / e};
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
  if (persistent)
    return buildPersistent();
  if (k.t.stages > 1)
    createTensorMaps();
  if (tmaEpilogue)
    createGradientMaps();
  k.openLaunch(k.blocks(k.nk, k.t.blockKV),
               splitGroup ? k.op.getNumQueryHeads() : k.op.getNumKVHeads(),
               splitGroup ? std::max(layout.totalBytes, splitStageBytes())
                          : layout.totalBytes);
  k.launchInChunks(k.op.getScheduleAttr().getLaunchChunk());
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
  // nest 2 bounds); with a mask pattern, its list (no ordered dQ).
  if (k.op.getMaskPatternAttr()) {
    list.emplace(k, kvBlock);
  } else {
    first = k.firstQueryBlock(kvBase, /*clamp=*/false);
    end = k.queryBlockEnd(kvBase);
  }
  if (compacted)
    listLiveSteps();
  // dK_wg then dV_wg: the m64 accumulators' f32 registers (the column
  // split: of half the columns).
  SmallVector<Value> init((k.d + k.dv) / (columns ? 4 : 2), zero);
  SmallVector<Value> accs =
      k.t.stages > 1 ? buildRingLoop(init) : buildSerialLoops(init);
  // Ordered dQ: the last step's adds are done; its turn passes.
  if (turns)
    turns->finish(k.cmp(arith::CmpIPredicate::slt, first, end), [&] {
      return std::make_pair(k.addc(firstQueryHead(), queryHeads() - 1),
                            k.sub(end, k.one));
    });
  // Nothing may be in flight when the block exits (no q-block visited).
  nvgpu::DeviceAsyncWaitOp::create(b, kvGroup, b.getI32IntegerAttr(0));
  if (columns)
    return writeColumnGradients(accs);
  if (splitGroup)
    return reduceKeyValueGradients(accs);
  // The epilogue's ids renamed again from fresh reads (D133): the loop's
  // stayed live across it, and at D = 64's 255 registers ptxas spilled
  // them (4 bytes).
  if (int64_t chunk = k.op.getScheduleAttr().getLaunchChunk(); chunk > 1) {
    k.launchInChunks(chunk, /*fresh=*/true);
    kvBase = k.mulc(k.kvBlockIndex(), k.t.blockKV);
  }
  writeKeyValueGradients(accs);
  // After the epilogue, whose registers are free by then.
  if (k.fusedDqConvert)
    convertArrivedQueryBlocks();
}

void WgmmaBackwardMain::convertArrivedQueryBlocks() {
  ImplicitLocOpBuilder &b = k.b;
  // The ring's `cp.async.bulk.wait_group 0` (not `.read`) after its loop
  // made each lane's reductions complete and their writes visible to it;
  // the proxy fence orders those async-proxy writes before the lane's
  // generic-proxy accesses, and the barrier orders every lane's before
  // each counting thread's release.
  asmStatement("fence.proxy.async.global;", "");
  gpu::BarrierOp::create(b);
  // The flags of a chunk of steps (whether this block's count was the
  // q-block's last) over the logsumexp and D rows, which the ring no longer
  // reads.
  Type i32 = b.getI32Type();
  int64_t chunk = std::min<int64_t>(k.threads, 2 * k.t.stages * k.t.blockQ);
  Value sLast = memref::ViewOp::create(
      b,
      MemRefType::get({chunk}, i32, MemRefLayoutAttrInterface(),
                      gpu::AddressSpaceAttr::get(
                          b.getContext(), gpu::AddressSpace::Workgroup)),
      base, k.addc(pad, layout.rows), ValueRange{});
  // The walk's bounds again, from an opaque copy of the block's index: the
  // loop's own would stay live across it, which ptxas spills beside a loop
  // at 255 registers (a keep-mask's, GQA's).
  Value index = LLVM::InlineAsmOp::create(
                    b, b.getI64Type(),
                    ValueRange{arith::IndexCastOp::create(
                        b, b.getI64Type(), k.kvBlockIndex())},
                    "", "=l,0", /*has_side_effects=*/true,
                    /*is_align_stack=*/false, LLVM::TailCallKind::None,
                    LLVM::AsmDialectAttr(), ArrayAttr())
                    .getRes();
  Value kvStart = k.mulc(
      arith::IndexCastOp::create(b, b.getIndexType(), index), k.t.blockKV);
  first = k.firstQueryBlock(kvStart, /*clamp=*/false);
  end = k.queryBlockEnd(kvStart);
  perHead = walkLength();
  Value total = k.mulc(perHead, queryHeads());
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp chunks = k.openLoop(k.idx(0), total, k.idx(chunk));
  Value c = chunks.getInductionVar();
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(chunk)), [&] {
    Value s = k.add(c, k.tid);
    auto count = scf::IfOp::create(b, i32,
                                   k.cmp(arith::CmpIPredicate::ult, s, total),
                                   /*withElseRegion=*/true);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&count.getThenRegion().front());
    auto [h, qBlock] = walkStepOf(s);
    // acq_rel: releases this block's adds (cumulatively, after the
    // barrier); where it is the last, acquires every other block's.
    Value before =
        LLVM::InlineAsmOp::create(
            b, i32, ValueRange{k.semaphoreAddress(h, qBlock)},
            "atom.acq_rel.gpu.global.add.s32 $0, [$1], -1;", "=r,l",
            /*has_side_effects=*/true, /*is_align_stack=*/false,
            LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr())
            .getRes();
    scf::YieldOp::create(
        b, ValueRange{arith::ExtUIOp::create(
               b, i32,
               arith::CmpIOp::create(b, arith::CmpIPredicate::eq, before,
                                     k.i32c(1)))});
    b.setInsertionPointToStart(&count.getElseRegion().front());
    scf::YieldOp::create(b, ValueRange{k.i32c(0)});
    b.setInsertionPointAfter(count);
    memref::StoreOp::create(b, count.getResult(0), sLast, ValueRange{k.tid});
  });
  // The flags, and the acquiring threads' view of the accumulator, reach
  // every thread.
  gpu::BarrierOp::create(b);
  scf::ForOp flags = k.openLoop(
      k.idx(0), k.minu(k.idx(chunk), k.sub(total, c)), k.one);
  Value p = flags.getInductionVar();
  Value last = k.cmp(arith::CmpIPredicate::ne,
                     memref::LoadOp::create(b, sLast, ValueRange{p}),
                     k.i32c(0));
  k.ifThen(last, [&] {
    auto [h, qBlock] = walkStepOf(k.add(c, p));
    convertAccumulatorRows(k, k.dqAcc, k.op.getQueryGradInit(), k.scale, h,
                           k.mulc(qBlock, k.t.blockQ), k.nq, k.t.blockQ, k.d,
                           /*fromL2=*/true, kFusedConvertLoadsInFlight);
  });
  b.setInsertionPointAfter(flags);
  // The next chunk rewrites the flags.
  gpu::BarrierOp::create(b);
}

SmallVector<Value> WgmmaBackwardMain::buildSerialLoops(ValueRange init) {
  ImplicitLocOpBuilder &b = k.b;
  OpBuilder::InsertionGuard guard(b);
  scf::ForOp heads = k.openLoop(k.idx(0), k.idx(queryHeads()), k.one, init);
  Value h = k.add(firstQueryHead(), heads.getInductionVar());
  // The q-blocks [first, end), or the places of the list.
  scf::ForOp qLoop =
      list ? k.openLoop(k.idx(0), list->length(), k.one,
                        heads.getRegionIterArgs())
           : k.openLoop(first, end, k.one, heads.getRegionIterArgs());
  Value qBlock = list ? list->queryBlock(qLoop.getInductionVar())
                      : qLoop.getInductionVar();
  SmallVector<Value> next = step(h, qBlock, qLoop.getRegionIterArgs());
  scf::YieldOp::create(b, next);
  b.setInsertionPointAfter(qLoop);
  scf::YieldOp::create(b, qLoop.getResults());
  return SmallVector<Value>(heads.getResults());
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
  return ifLive(k.blockLive(h, qBase, kvBase), accs,
                [&] { return computeStep(h, qBase, accs); });
}

SmallVector<Value>
WgmmaBackwardMain::ifLive(Value live, ValueRange accs,
                          llvm::function_ref<SmallVector<Value>()> body) {
  ImplicitLocOpBuilder &b = k.b;
  auto branch = scf::IfOp::create(b, accs.getTypes(), live,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, body());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  if (turns) {
    // A skipped step issues no products: step t - 1's turn passes here.
    passTurnAfterScores();
    turns->wait();
  }
  scf::YieldOp::create(b, accs);
  return SmallVector<Value>(branch.getResults());
}

Value WgmmaBackwardMain::hasPreviousStep(Value h, Value qBlock) {
  return arith::OrIOp::create(
      k.b, k.cmp(arith::CmpIPredicate::ugt, qBlock, first),
      k.cmp(arith::CmpIPredicate::ugt, h, firstQueryHead()));
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
  return compute(h, qBase, accs);
}

std::pair<SmallVector<Value>, SmallVector<Value>>
WgmmaBackwardMain::scoreGradientsOfStep(Value h, Value qBase) {
  // S^T = K_wg Q_i^T and dP^T = V_wg dO_i^T in flight together; P^T while
  // dP^T computes, then dS^T. The wide q-block (D104) issues dP^T once P^T
  // is computed: its 64 accumulator registers stay free during the mask's
  // tests (overlapped, ptxas spilled up to 56 bytes at its 255).
  Value sAcc = issueTransposedScores(layout.k, layout.q, slot.qBytes, k.d);
  if (wide) {
    passTurnAfterScores();
    waitForWgmma(0);
    SmallVector<Value> p =
        edgeMaskedProbabilities(scoreFragments(sAcc), h, qBase);
    Value dpAcc =
        issueTransposedScores(layout.v, layout.dO, slot.dOBytes, k.dv);
    waitForWgmma(0);
    return {p, scoreGradients(p, scoreFragments(dpAcc), h, qBase)};
  }
  Value dpAcc =
      issueTransposedScores(layout.v, layout.dO, slot.dOBytes, k.dv);
  passTurnAfterScores();
  waitForWgmma(1);
  SmallVector<Value> p =
      k.t.stages > 1
          ? edgeMaskedProbabilities(scoreFragments(sAcc), h, qBase)
          : probabilities(scoreFragments(sAcc), h, qBase);
  waitForWgmma(0);
  SmallVector<Value> ds =
      scoreGradients(p, scoreFragments(dpAcc), h, qBase);
  return {p, ds};
}

SmallVector<Value> WgmmaBackwardMain::compute(Value h, Value qBase,
                                              ValueRange accs) {
  if (columns)
    return computeColumns(h, qBase, accs);
  SmallVector<Value> dK(accs.begin(), accs.begin() + k.d / 2);
  SmallVector<Value> dV(accs.begin() + k.d / 2, accs.end());
  auto [p, ds] = scoreGradientsOfStep(h, qBase);
  // From here on P^T and dS^T live only as element-type A registers (the
  // f32 fragments die): dV_wg += P^T dO_i and dK_wg += dS^T Q_i in flight
  // while dS^T goes to shared memory; dQ_i += dS K_j waits for every group.
  SmallVector<Value> pRegs = aRegisters(p), dsRegs = aRegisters(ds);
  SmallVector<Value> dVOut =
      issueAccumulate(dV, pRegs, layout.dO, slot.dOBytes, k.dv);
  SmallVector<Value> dKOut;
  auto issueDK = [&] {
    dKOut = issueAccumulate(dK, dsRegs, layout.q, slot.qBytes, k.d);
  };
  if (k.t.stages > 1) {
    // The ring: dK_wg += dS^T Q_i after dQ's product, in flight during
    // dQ's adds (wgmma groups complete in order: dQ's wait leaves it).
    // Ordered: thread 0 waits for the q-block's turn before dS^T's barrier,
    // which precedes the reductions.
    if (turns)
      turns->wait();
    storeScoreGradients(dsRegs);
    reduceQueryGradient(h, qBase, queryGradient([&] {
                          issueDK();
                          if (dKInFlight)
                            issueDeferredQueryLoad();
                        }));
    // D101: dK's product stays in flight across the step's end, retired by
    // the next step's wait for S^T (groups complete in order) or after the
    // loop; its registers pass through the loop untouched.
    if (dKInFlight) {
      finishAccumulate(dV, dVOut);
      SmallVector<Value> next(dKOut);
      next.append(dV);
      return next;
    }
    waitForWgmma(0);
  } else {
    issueDK();
    // Ordered: thread 0 waits for the q-block's turn before the barrier
    // that precedes the dQ adds.
    if (turns)
      turns->wait();
    storeScoreGradients(dsRegs);
    addQueryGradient(h, qBase, queryGradient(nullptr));
  }
  finishAccumulate(dV, dVOut);
  finishAccumulate(dK, dKOut);
  SmallVector<Value> next(dK);
  next.append(dV);
  return next;
}

//===----------------------------------------------------------------------===//
// The column split (D76)
//===----------------------------------------------------------------------===//

SmallVector<Value> WgmmaBackwardMain::computeColumns(Value h, Value qBase,
                                                     ValueRange accs) {
  SmallVector<Value> dK(accs.begin(), accs.begin() + k.d / 4);
  SmallVector<Value> dV(accs.begin() + k.d / 4, accs.end());
  // S^T and dP^T of the warpgroup's block_q / 2 q columns.
  auto [p, ds] = scoreGradientsOfStep(h, qBase);
  // Each warpgroup's dK and dV columns need every q column of P^T and
  // dS^T: both through shared memory. Ordered: thread 0 waits for the
  // q-block's turn before the barrier, which precedes dQ's adds.
  if (turns)
    turns->wait();
  storeTransposed(layout.pT, aRegisters(p));
  storeScoreGradients(aRegisters(ds));
  // dQ_i = dS K_j first; dV_wg += P^T dO_i and dK_wg += dS^T Q_i (a group
  // each) in flight during dQ's adds.
  SmallVector<Value> dVOut, dKOut;
  SmallVector<Value> dQ = queryGradient(
      [&] {
        dVOut = issueColumnAccumulate(dV, layout.pT, layout.dO,
                                      slot.dOBytes, k.dv / 2);
        dKOut = issueColumnAccumulate(dK, layout.dS, layout.q, slot.qBytes,
                                      k.d / 2);
      },
      /*pendingAfter=*/2);
  // The ring's bulk reductions where its layout has the warps' dQ tiles
  // (WgmmaBackwardShape::ringBulkDq), else atomics.
  if (sQueryGradient)
    reduceQueryGradient(h, qBase, dQ);
  else
    addQueryGradient(h, qBase, dQ);
  waitForWgmma(0);
  finishColumnAccumulate(dV, dVOut);
  finishColumnAccumulate(dK, dKOut);
  SmallVector<Value> next(dK);
  next.append(dV);
  return next;
}

SmallVector<Value> WgmmaBackwardMain::issueColumnAccumulate(
    ArrayRef<Value> acc, int64_t aTileBytes, int64_t bTileBytes,
    Value bSlotBytes, int64_t cols) {
  // A K-major: k16 steps walk the tile's 128-byte rows (block_q <= 64, one
  // 64-column block), 32 bytes a step. B MN-major: 64-column blocks
  // block_q rows apart, 16 rows of 128 bytes a k16 step.
  ImplicitLocOpBuilder &b = k.b;
  MLIRContext *ctx = b.getContext();
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  int64_t bBlockBytes = k.t.blockQ * kWgmmaSwizzleRowBytes;
  auto type = k.elt.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  SmallVector<Value> fenced = k.fenceRegisters(acc);
  Value aDesc = wgmmaDescriptor(k, address(aTileBytes), kKMajorLeadingBytes,
                                kWgmmaSwizzleAtomBytes);
  NVVM::WgmmaFenceAlignedOp::create(b);
  SmallVector<Value> structs;
  int64_t first = 0;
  for (int64_t width : wgmmaColumnRuns(cols, columns)) {
    Value colBytes = warpgroupColumnBytes(cols, first, bBlockBytes);
    Value bDesc = wgmmaDescriptor(
        k,
        address(bTileBytes, bSlotBytes ? k.add(bSlotBytes, colBytes)
                                       : colBytes),
        /*leadingBytes=*/bBlockBytes, kWgmmaSwizzleAtomBytes);
    auto structType = LLVM::LLVMStructType::getLiteral(
        ctx, SmallVector<Type>(width / 2, k.f32));
    Value run = LLVM::PoisonOp::create(b, structType);
    for (int64_t i = 0; i < width / 2; ++i)
      run = LLVM::InsertValueOp::create(b, run, fenced[first / 2 + i], i);
    for (int64_t kk = 0; kk < k.t.blockQ / 16; ++kk)
      run = NVVM::WgmmaMmaAsyncOp::create(
          b, structType, run, advanceDescriptor(k, aDesc, kk * 16 * e),
          advanceDescriptor(k, bDesc, kk * 16 * kWgmmaSwizzleRowBytes),
          NVVM::MMAShapeAttr::get(ctx, 64, width, 16), type, type,
          NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
          NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
          NVVM::MMALayout::row, NVVM::MMALayout::row,
          NVVM::MMAIntOverflowAttr());
    structs.push_back(run);
    first += width;
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  return structs;
}

void WgmmaBackwardMain::finishColumnAccumulate(MutableArrayRef<Value> acc,
                                               ArrayRef<Value> structs) {
  // The runs' registers in column order are one accumulator's.
  SmallVector<Value> values;
  for (Value run : structs) {
    auto type = cast<LLVM::LLVMStructType>(run.getType());
    for (int64_t i = 0; i < (int64_t)type.getBody().size(); ++i)
      values.push_back(LLVM::ExtractValueOp::create(k.b, run, i));
  }
  llvm::copy(k.fenceRegisters(values), acc.begin());
}

void WgmmaBackwardMain::writeColumnGradients(ArrayRef<Value> accs) {
  // dK_wg * scale then dV_wg: n-tile n's element (r, c) at 4 n + 2 r + c,
  // the warpgroup's columns from wg D / 2 (wg Dv / 2).
  ImplicitLocOpBuilder &b = k.b;
  Value scale = k.f32c(k.scale);
  int64_t keyTiles = k.d / 16;
  for (int64_t r = 0; r < 2; ++r) {
    Value kvRow = k.add(kvBase, fragRow(r));
    k.ifThen(k.cmp(arith::CmpIPredicate::ult, kvRow, k.nk), [&] {
      for (int64_t n = 0; n < (int64_t)accs.size() / 4; ++n) {
        bool isK = n < keyTiles;
        Value dst = isK ? k.op.getKeyGradInit() : k.op.getValueGradInit();
        Value colBase = k.mulc(wg, isK ? k.d / 2 : k.dv / 2);
        for (int64_t c = 0; c < 2; ++c) {
          Value v = accs[4 * n + 2 * r + c];
          if (isK)
            v = arith::MulFOp::create(b, v, scale);
          Value col = k.add(colBase, fragCol(isK ? n : n - keyTiles, c));
          memref::StoreOp::create(b, k.toElt(v), dst,
                                  ValueRange{k.batch, k.head, kvRow, col});
        }
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// The ring of Q_i and dO_i buffers (stages > 1)
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::createTensorMaps() {
  auto box = MemRefType::get(
      {1, 1, k.t.blockQ, kWgmmaSwizzleRowBytes / e}, k.elt,
      MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(k.b.getContext(),
                                 gpu::AddressSpace::Workgroup));
  qMap = createSwizzledTensorMap(k.b, k.op.getQuery(), box);
  dOMap = createSwizzledTensorMap(k.b, k.op.getOutGrad(), box);
  // dQacc's: boxes of dQBoxRows (a warp's 16, or D127's warpgroup's 64)
  // x dQBoxColumns f32 (one 128-byte swizzle row), the shape of the dQ
  // tiles' boxes (D79).
  if (layout.dQBoxColumns)
    dQMap = createSwizzledTensorMap(
        k.b, k.dqAcc,
        MemRefType::get({1, 1, layout.dQBoxRows, layout.dQBoxColumns}, k.f32,
                        MemRefLayoutAttrInterface(), box.getMemorySpace()));
}

void WgmmaBackwardMain::createBarriers() {
  // A full mbarrier per buffer: one arrival (thread 0's, with the bytes).
  ImplicitLocOpBuilder &b = k.b;
  MLIRContext *ctx = b.getContext();
  bars = nvgpu::MBarrierCreateOp::create(
      b, nvgpu::MBarrierGroupType::get(
             ctx, gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup),
             k.t.stages));
  leader = k.cmp(arith::CmpIPredicate::eq, k.tid, k.idx(0));
  k.ifThen(leader, [&] {
    for (int64_t i = 0; i < k.t.stages; ++i)
      nvgpu::MBarrierInitOp::create(b, bars, k.idx(1), k.idx(i),
                                    /*predicate=*/Value());
    NVVM::FenceMbarrierInitOp::create(b);
    for (Value map : {qMap, dOMap})
      nvgpu::TmaPrefetchOp::create(b, map, /*predicate=*/Value());
  });
}

std::pair<Value, Value> WgmmaBackwardMain::walkStepOf(Value t) {
  // Step t: query head t / perHead of the group, q-block first + t %
  // perHead (the mma.sync backward's order), or the list's entry t %
  // perHead.
  Value divisor = k.b.createOrFold<arith::MaxUIOp>(perHead, k.one);
  Value h = k.add(firstQueryHead(),
                  k.b.createOrFold<arith::DivUIOp>(t, divisor));
  Value position = stepPosition(t);
  Value qBlock =
      list ? list->queryBlock(position) : k.add(first, position);
  return {h, qBlock};
}

Value WgmmaBackwardMain::stepPosition(Value t) {
  // A block without steps still forms step 0's (disabled) addresses:
  // divided by 1, not 0.
  Value divisor = k.b.createOrFold<arith::MaxUIOp>(perHead, k.one);
  return k.b.createOrFold<arith::RemUIOp>(t, divisor);
}

Value WgmmaBackwardMain::denseStep(Value t) {
  if (!compacted)
    return t;
  // Past the list (the step after the last, whose loads are disabled) the
  // entry is not written: step 0 of the dense walk stands in, so that the
  // addresses formed stay those of a real step.
  Value entry = memref::LoadOp::create(
      k.b, sList, ValueRange{k.minu(t, k.idx(layout.listEntries - 1))});
  return k.select(k.cmp(arith::CmpIPredicate::ult, t, liveSteps),
                  arith::IndexCastUIOp::create(k.b, k.b.getIndexType(), entry),
                  k.idx(0));
}

void WgmmaBackwardMain::listLiveSteps() {
  perHead = walkLength();
  Value total = k.mulc(perHead, queryHeads());
  // The entries are read while K_j and V_j's copies are in flight.
  liveSteps = nvgpu_kernel::listLiveSteps(
      k, k.warp, k.lane, total, sList, layout.listEntries,
      [&](Value t, Value exists) {
        auto [h, qBlock] = walkStepOf(t);
        return k.blockLiveIf(exists, h, k.mulc(qBlock, k.t.blockQ), kvBase);
      });
}

std::pair<Value, Value> WgmmaBackwardMain::stepRows(Value t) {
  auto [h, qBlock] = stepOf(t);
  return {h, k.mulc(qBlock, k.t.blockQ)};
}

std::pair<Value, Value>
WgmmaBackwardMain::issueRingLoads(Value t, Value slotIndex, Value enabled,
                                  bool deferQuery) {
  Value h, qBase;
  std::tie(h, qBase) = stepRows(t);
  // A block mask's skipped step loads nothing; the compacted walk has none.
  Value live = k.op.getBlockMask() && !compacted
                   ? k.blockLiveIf(enabled, h, qBase, kvBase)
                   : Value();
  return {issueStepLoads(h, qBase, k.batch, slotIndex, enabled, live,
                         deferQuery),
          live};
}

Value WgmmaBackwardMain::issueStepLoads(Value h, Value qBase, Value batch,
                                        Value slotIndex, Value enabled,
                                        Value live, bool deferQuery) {
  ImplicitLocOpBuilder &b = k.b;
  // Q_i and dO_i: their bytes expected on the buffer's mbarrier; deferred,
  // Q_i's boxes come later (issueDeferredQueryLoad) and the phase completes
  // with them.
  auto loadTiles = [&] {
    int64_t bytes = k.t.blockQ *
                    (wgmmaPaddedColumns(k.d, e) + wgmmaPaddedColumns(k.dv, e)) *
                    e;
    nvgpu::MBarrierArriveExpectTxOp::create(b, bars, k.idx(bytes), slotIndex,
                                            /*predicate=*/Value());
    loadQueryTiles(h, qBase, batch, slotIndex, /*query=*/!deferQuery,
                   /*outGrad=*/true);
  };
  Value issuer = arith::AndIOp::create(b, leader, enabled);
  if (!live) {
    k.ifThen(issuer, loadTiles);
  } else {
    // A skipped step's buffer: a plain arrival completes its mbarrier's
    // phase, so that the parity waits stay in step (the forward's D51).
    k.ifThen(issuer, [&] {
      auto branch = scf::IfOp::create(b, live, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&branch.getThenRegion().front());
      loadTiles();
      b.setInsertionPointToStart(&branch.getElseRegion().front());
      nvgpu::MBarrierArriveOp::create(
          b, nvgpu::MBarrierTokenType::get(b.getContext()), bars, slotIndex);
    });
  }
  if (rowsByRegister)
    return Value();
  // The logsumexp and D rows: a 4-byte cp.async each by threads 0 ..
  // 2 block_q - 1 (rows past Nq, and every row of a step past the last or
  // skipped, zero-filled). The copies sit in branches: their group has no
  // tokens.
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(2 * k.t.blockQ)),
           [&] {
             Value which = k.divc(k.tid, k.t.blockQ);
             Value col = k.remc(k.tid, k.t.blockQ);
             Value qRow = k.add(qBase, col);
             Value inRange = arith::AndIOp::create(
                 b, live ? live : enabled,
                 k.cmp(arith::CmpIPredicate::ult, qRow, k.nq));
             Value srcRow = k.minu(qRow, k.lastIndex(k.nq));
             Value row = k.add(k.mulc(slotIndex, 2), which);
             Value isLse = k.cmp(arith::CmpIPredicate::eq, which, k.idx(0));
             auto copyRow = [&](Value src) {
               nvgpu::DeviceAsyncCopyOp::create(
                   b, sRows, ValueRange{row, col}, src,
                   ValueRange{batch, h, srcRow}, b.getIndexAttr(1),
                   k.select(inRange, k.idx(1), k.idx(0)), UnitAttr());
             };
             auto branch = scf::IfOp::create(b, isLse, /*withElseRegion=*/true);
             OpBuilder::InsertionGuard guard(b);
             b.setInsertionPointToStart(&branch.getThenRegion().front());
             copyRow(k.op.getLogsumexp());
             b.setInsertionPointToStart(&branch.getElseRegion().front());
             copyRow(k.rowDot);
           });
  return commitAsyncGroup(b, /*tokens=*/{});
}

Value WgmmaBackwardMain::loadRowValue(Value t, Value enabled, Value live) {
  ImplicitLocOpBuilder &b = k.b;
  auto [h, qBase] = stepRows(t);
  Value which = k.divc(k.tid, k.t.blockQ);
  Value col = k.remc(k.tid, k.t.blockQ);
  Value qRow = k.add(qBase, col);
  Value read = arith::AndIOp::create(
      b,
      arith::AndIOp::create(b, live ? live : enabled,
                            k.cmp(arith::CmpIPredicate::ult, qRow, k.nq)),
      k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(2 * k.t.blockQ)));
  auto branch = scf::IfOp::create(b, TypeRange{k.f32}, read,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  auto row = scf::IfOp::create(
      b, TypeRange{k.f32},
      k.cmp(arith::CmpIPredicate::eq, which, k.idx(0)),
      /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&row.getThenRegion().front());
    scf::YieldOp::create(
        b, k.load(k.op.getLogsumexp(), ValueRange{k.batch, h, qRow}));
    b.setInsertionPointToStart(&row.getElseRegion().front());
    scf::YieldOp::create(b, k.load(k.rowDot, ValueRange{k.batch, h, qRow}));
  }
  scf::YieldOp::create(b, row.getResult(0));
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, k.f32c(0.0));
  return branch.getResult(0);
}

void WgmmaBackwardMain::storeRowValue(Value slotIndex, Value value) {
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, k.tid, k.idx(2 * k.t.blockQ)),
           [&] {
             Value which = k.divc(k.tid, k.t.blockQ);
             Value col = k.remc(k.tid, k.t.blockQ);
             memref::StoreOp::create(k.b, value, sRows,
                                     ValueRange{k.add(k.mulc(slotIndex, 2),
                                                      which),
                                                col});
           });
}

void WgmmaBackwardMain::loadQueryTiles(Value h, Value qBase, Value batch,
                                       Value slotIndex, bool query,
                                       bool outGrad) {
  // One box per 64-column block, rows past Nq zero-filled (OOB_ZERO),
  // completing on the buffer's mbarrier.
  ImplicitLocOpBuilder &b = k.b;
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  auto load = [&](Value map, int64_t tileBytes, int64_t stride,
                  int64_t cols) {
    Value at = k.add(k.addc(pad, tileBytes), k.mulc(slotIndex, stride));
    for (int64_t block = 0; block < wgmmaPaddedColumns(cols, e) / columns;
         ++block) {
      Value dst = memref::ViewOp::create(
          b,
          MemRefType::get({1, 1, k.t.blockQ, columns}, k.elt,
                          MemRefLayoutAttrInterface(),
                          gpu::AddressSpaceAttr::get(
                              b.getContext(), gpu::AddressSpace::Workgroup)),
          base, k.addc(at, block * k.t.blockQ * kWgmmaSwizzleRowBytes),
          ValueRange{});
      nvgpu::TmaAsyncLoadOp::create(
          b, dst, bars, map,
          ValueRange{k.idx(columns * block), qBase, h, batch}, slotIndex,
          /*multicastMask=*/Value(), /*predicate=*/Value());
    }
  };
  if (query)
    load(qMap, layout.q, layout.qBytes, k.d);
  if (outGrad)
    load(dOMap, layout.dO, layout.dOBytes, k.dv);
}

void WgmmaBackwardMain::issueDeferredQueryLoad() {
  // Buffer (t + 1) % 2 held step t - 1's Q_i, which that step's dK product
  // read while in flight; every warpgroup waited for it (wgmma.wait_group
  // 1 after this step's S^T) before dS^T's barrier, which this follows.
  Value next = k.addc(ringStep, 1);
  Value issuer = arith::AndIOp::create(
      k.b, leader, k.cmp(arith::CmpIPredicate::ult, next, ringTotal));
  k.ifThen(issuer, [&] {
    auto [h, qBase] = stepRows(next);
    loadQueryTiles(h, qBase, k.batch, k.remc(next, k.t.stages),
                   /*query=*/true, /*outGrad=*/false);
  });
  // Reconverged for the `.aligned` wgmma wait that follows.
  k.syncWarp();
}

SmallVector<Value> WgmmaBackwardMain::buildRingLoop(ValueRange init) {
  ImplicitLocOpBuilder &b = k.b;
  // The compacted walk's steps are its list's (listLiveSteps set perHead).
  if (!compacted)
    perHead = walkLength();
  Value total = compacted ? liveSteps : k.mulc(perHead, queryHeads());
  createBarriers();
  // Step 0's loads, then K_j, V_j (and step 0's cp.async rows) made visible
  // to wgmma (async proxy) before the first step's barrier, which also
  // orders the mbarriers' initialization before every wait; rows by
  // register are stored at the step's top.
  Value hasStep = k.cmp(arith::CmpIPredicate::ult, k.idx(0), total);
  auto [rowsGroup, firstLive] = issueRingLoads(k.idx(0), k.idx(0), hasStep);
  Value firstRow =
      rowsByRegister ? loadRowValue(k.idx(0), hasStep, firstLive) : Value();
  waitAsyncGroup(b, rowsGroup, 0);
  k.fenceAsyncProxy();
  OpBuilder::InsertionGuard guard(b);
  // A block mask: whether the step is live rides with the accumulators,
  // read a step ahead (its loads' decision); then the step's row value.
  SmallVector<Value> carried(init);
  if (firstLive)
    carried.push_back(firstLive);
  if (firstRow)
    carried.push_back(firstRow);
  // D101: the loop sits in a branch on whether the block has a step, so
  // that the last dK product's wait (after the loop, in the branch)
  // precedes the join with the accumulators' initial values: ptxas
  // serializes the wgmmas where a path that defines their registers (a
  // loop skipped, its zeros) meets one before the wait.
  scf::IfOp hasSteps;
  if (dKInFlight) {
    hasSteps = scf::IfOp::create(
        b, ValueRange(init).getTypes(),
        k.cmp(arith::CmpIPredicate::ult, k.idx(0), total),
        /*withElseRegion=*/true);
    b.setInsertionPointToStart(&hasSteps.getElseRegion().front());
    scf::YieldOp::create(b, init);
    b.setInsertionPointToStart(&hasSteps.getThenRegion().front());
  }
  SmallVector<Value> results(
      buildRingSteps(carried, init.size(), total, rowsGroup));
  if (dKInFlight) {
    // The last step's dK product, read only once it is done.
    waitForWgmma(0);
    scf::YieldOp::create(b, k.fenceRegisters(results));
    b.setInsertionPointAfter(hasSteps);
    results.assign(hasSteps.getResults().begin(), hasSteps.getResults().end());
  }
  // dQ's bulk reductions complete before the block exits.
  asmStatement("cp.async.bulk.wait_group 0;", "");
  return results;
}

void WgmmaBackwardMain::passTurnAfterScores() {
  if (!turns || !passAfterScores)
    return;
  // D115: the completion of step t - 1's reductions was not waited for at
  // the step's top; it is here, while the tensor cores compute the score
  // products just issued. The barrier orders every lane's completed
  // reductions before thread 0's release (passTurn's fence), as the step's
  // first barrier does with dq_pass = step_start.
  Value t = ringStep;
  asmStatement("cp.async.bulk.wait_group 0;", "");
  gpu::BarrierOp::create(k.b);
  turns->pass(k.cmp(arith::CmpIPredicate::ugt, t, k.idx(0)),
              [&] { return stepOf(k.sub(t, k.one)); });
  // Reconverged for the `.aligned` wgmma wait that follows.
  k.syncWarp();
}

ValueRange WgmmaBackwardMain::buildRingSteps(ValueRange carried,
                                            int64_t accCount, Value total,
                                            Value rowsGroup) {
  ImplicitLocOpBuilder &b = k.b;
  scf::ForOp loop = k.openLoop(k.idx(0), total, k.one, carried);
  Value t = loop.getInductionVar();
  ringStep = t;
  ringTotal = total;
  Value rowValue, nextRowValue;
  if (rowsByRegister)
    rowValue = loop.getRegionIterArgs().back();
  Value nextLive =
      beginRingStep(t, total, rowsGroup, rowValue, &nextRowValue);
  Value h, qBase;
  std::tie(h, qBase) = stepRows(t);
  if (list)
    listPosition = stepPosition(t);
  ValueRange accs = loop.getRegionIterArgs().take_front(accCount);
  SmallVector<Value> next;
  if (!nextLive) {
    next = compute(h, qBase, accs);
  } else {
    next = ifLive(loop.getRegionIterArgs()[accCount], accs,
                  [&] { return compute(h, qBase, accs); });
    next.push_back(nextLive);
  }
  if (rowsByRegister)
    next.push_back(nextRowValue);
  scf::YieldOp::create(b, next);
  b.setInsertionPointAfter(loop);
  return loop.getResults().take_front(accCount);
}

Value WgmmaBackwardMain::beginRingStep(Value t, Value total,
                                       Value rowsGroup, Value rowValue,
                                       Value *nextRowValue) {
  // Step t's rows (copied during step t - 1) have landed; after the
  // barrier every warp is done with step t - 1: its wgmmas, which read
  // buffer (t + 1) % stages, were waited for, and so were its reads of the
  // rows and of dS^T.
  ImplicitLocOpBuilder &b = k.b;
  if (rowsByRegister)
    storeRowValue(k.remc(t, k.t.stages), rowValue);
  else
    waitAsyncGroup(b, rowsGroup, 0);
  // Ordered: step t - 1's bulk reductions have completed (their writes,
  // not only their reads of the tile) in every issuing lane before the
  // barrier; after it thread 0 passes step t - 1's turn and reads step
  // t's. With dq_pass = after_scores the completion and the pass wait for
  // step t's score products (passTurnAfterScores).
  if (turns && !passAfterScores)
    asmStatement("cp.async.bulk.wait_group 0;", "");
  gpu::BarrierOp::create(b);
  if (turns) {
    auto [h, qBlock] = stepOf(t);
    if (passAfterScores)
      turns->read(h, qBlock);
    else
      turns->begin(
          k.cmp(arith::CmpIPredicate::ugt, t, k.idx(0)),
          [&] { return stepOf(k.sub(t, k.one)); }, h, qBlock);
  }
  Value next = k.addc(t, 1);
  // D101: step t - 1's dK product may still read buffer (t + 1) % 2's
  // Q_i; its boxes wait for dS^T's barrier.
  Value nextLive;
  if (persistent)
    issuePersistentNextLoads(next, total);
  else {
    Value enabled = k.cmp(arith::CmpIPredicate::ult, next, total);
    nextLive = issueRingLoads(next, k.remc(next, k.t.stages), enabled,
                              dKInFlight)
                   .second;
    if (rowsByRegister)
      *nextRowValue = loadRowValue(next, enabled, nextLive);
  }
  // TMA writes and wgmma reads are both in the async proxy: the mbarrier's
  // phase (which flips with every refill of the buffer) orders them. Warp
  // 0 is reconverged first (thread 0 alone issued the loads): the wait's
  // loop branches with `bra.uni` and the wgmmas after it are `.aligned`
  // (the forward's TmaLoads::waitFor).
  // The persistent kernel numbers its steps on across the block's tiles.
  Value step = stepBase ? k.add(stepBase, t) : t;
  Value slotIndex = k.remc(step, k.t.stages);
  k.syncWarp();
  waitForParity(b, bars, slotIndex, k.remc(k.divc(step, k.t.stages), 2));
  slot.qBytes = k.mulc(slotIndex, layout.qBytes);
  slot.dOBytes = k.mulc(slotIndex, layout.dOBytes);
  slot.rowsIndex = k.mulc(slotIndex, 2);
  return nextLive;
}

//===----------------------------------------------------------------------===//
// The persistent kernel
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::buildPersistent() {
  // The schedule's rules (backwardPersistentReason, the attribute's
  // verifier): the row split's ring, dq = atomic, no block mask, mask
  // pattern, mask operand, compacted walk or dK in flight.
  ImplicitLocOpBuilder &b = k.b;
  createTensorMaps();
  if (tmaEpilogue)
    createGradientMaps();
  // The non-persistent grid's blocks are the tiles; one block fills an SM
  // (its registers), so the grid is at most the target's SMs. Folded on
  // the host: a static problem's launch is constant (the manifest's).
  kvBlocks = k.blocks(k.nk, k.t.blockKV);
  tiles = b.createOrFold<arith::MulIOp>(
      b.createOrFold<arith::MulIOp>(kvBlocks,
                                    k.idx(k.op.getNumKVHeads())),
      k.batchSize);
  k.openPersistentLaunch(
      b.createOrFold<arith::MinUIOp>(tiles, k.idx(k.smCount)),
      layout.totalBytes);
  setUpShared();
  setUpIds();
  // Every round but the last deals each block a tile; the last, the tiles
  // left, to the blocks first in its order (tileOfRound).
  Value grid = k.launch.getGridSize().x;
  Value full = arith::DivUIOp::create(b, tiles, grid);
  Value lastTile = tileOfRound(full).valid;
  rounds = k.add(full, k.select(lastTile, k.one, k.idx(0)));
  createBarriers();
  // Round 0's K_j, V_j and first step's loads, before the first step's
  // barrier (which orders the mbarriers' initialization before its waits).
  loadKeyValue(tileOfRound(k.idx(0)));
  loadFirstStepOf(k.idx(0), k.idx(0));

  SmallVector<Value> init((k.d + k.dv) / 2, zero);
  Value issued = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
  {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp tileLoop =
        k.openLoop(k.idx(0), rounds, k.one, ValueRange{k.idx(0), issued});
    round = tileLoop.getInductionVar();
    stepBase = tileLoop.getRegionIterArgs()[0];
    issued = tileLoop.getRegionIterArgs()[1];
    enterTile(tileOfRound(round));
    perHead = walkLength();
    Value total = k.mulc(perHead, k.group);
    Value hasSteps = k.cmp(arith::CmpIPredicate::ult, k.idx(0), total);
    // The first step's loads, unless the tile before issued them (it had a
    // last step).
    k.ifThen(arith::XOrIOp::create(
                 b, issued, arith::ConstantIntOp::create(b, b.getI1Type(), 1)),
             [&] {
               issueRingLoads(k.idx(0), k.remc(stepBase, k.t.stages),
                              hasSteps);
             });
    // K_j, V_j and the first step's rows made visible to wgmma (async
    // proxy) before the first step's barrier.
    waitAsyncGroup(b, Value(), 0);
    k.fenceAsyncProxy();
    SmallVector<Value> accs(buildRingSteps(init, init.size(), total, Value()));
    Value nextRound = k.addc(round, 1);
    if (tmaEpilogue) {
      // Each warp's boxes have read its rows of K_j's and V_j's tiles (its
      // first lane waited for the reads, not for the writes); after the
      // barrier the next tile's K_j and V_j may take the tiles.
      storeGradientsThroughTma(accs);
      gpu::BarrierOp::create(b);
      loadKeyValue(tileOfRound(nextRound));
    } else {
      // Every warpgroup's last dQ product has read K_j: the next tile's
      // K_j and V_j load while this tile's dK and dV are stored.
      gpu::BarrierOp::create(b);
      loadKeyValue(tileOfRound(nextRound));
      writeKeyValueGradients(accs);
    }
    // A tile with steps issued the next one's first from its last.
    scf::YieldOp::create(b, ValueRange{k.add(stepBase, total), hasSteps});
  }
  // Nothing may be in flight when the block exits: the last step's (empty)
  // loads of a tile past the last, dQ's bulk reductions.
  waitAsyncGroup(b, Value(), 0);
  asmStatement("cp.async.bulk.wait_group 0;", "");
}

WgmmaBackwardMain::Tile WgmmaBackwardMain::tileOfRound(Value round) {
  ImplicitLocOpBuilder &b = k.b;
  Value grid = k.launch.getGridSize().x;
  Value even = k.cmp(arith::CmpIPredicate::eq, k.remc(round, 2), k.idx(0));
  Value position =
      k.select(even, k.blockX, k.sub(k.sub(grid, k.one), k.blockX));
  Value tile = k.add(k.mul(round, grid), position);
  Tile result;
  result.valid = k.cmp(arith::CmpIPredicate::ult, tile, tiles);
  // A tile past the last (whose loads are disabled) forms the last one's
  // addresses.
  tile = k.minu(tile, k.sub(tiles, k.one));
  Value heads = k.idx(k.op.getNumKVHeads());
  Value rest;
  if (k.rightExtent()) {
    // Causal (or a window's right bound): a kv-block's q-blocks shrink as
    // it moves right, so within a section of (K/V head, batch) pairs the
    // kv-blocks go slowest, the first (longest) first: the longest tiles
    // are dealt first (LPT). A section's pairs stream Q_i and dO_i of at
    // most kPersistentSectionBytes, which stay in L2 while its kv-blocks
    // run (FlashAttention-3's dynamic scheduler's sections); the last
    // section holds the pairs left.
    Value pairs = k.mul(heads, k.batchSize);
    Value streamed = k.mulc(k.nq, k.group * (k.d + k.dv) * e);
    Value section = arith::MaxUIOp::create(
        b, k.one,
        arith::DivUIOp::create(b, k.idx(kPersistentSectionBytes), streamed));
    section = k.minu(section, pairs);
    Value sectionTiles = k.mul(section, kvBlocks);
    Value index = arith::DivUIOp::create(b, tile, sectionTiles);
    Value within = arith::RemUIOp::create(b, tile, sectionTiles);
    Value full = arith::DivUIOp::create(b, pairs, section);
    Value size = k.select(k.cmp(arith::CmpIPredicate::ult, index, full),
                          section,
                          arith::RemUIOp::create(b, pairs, section));
    result.kvBlock = arith::DivUIOp::create(b, within, size);
    rest = k.add(k.mul(index, section),
                 arith::RemUIOp::create(b, within, size));
  } else {
    // Every tile is as long: the kv-blocks go fastest, as the
    // non-persistent grid's blocks start, so that the tiles running at
    // once share their Q_i, dO_i in L2.
    result.kvBlock = arith::RemUIOp::create(b, tile, kvBlocks);
    rest = arith::DivUIOp::create(b, tile, kvBlocks);
  }
  result.head = arith::RemUIOp::create(b, rest, heads);
  result.batch = arith::DivUIOp::create(b, rest, heads);
  return result;
}

void WgmmaBackwardMain::enterTile(const Tile &tile) {
  k.head = tile.head;
  k.batch = tile.batch;
  kvBlock = tile.kvBlock;
  kvBase = k.mulc(kvBlock, k.t.blockKV);
  first = k.firstQueryBlock(kvBase, /*clamp=*/false);
  end = k.queryBlockEnd(kvBase);
}

void WgmmaBackwardMain::loadKeyValue(const Tile &tile) {
  k.ifThen(tile.valid, [&] {
    SmallVector<Value> tokens;
    Value rowBase = k.mulc(tile.kvBlock, k.t.blockKV);
    copyTile(k.op.getKey(), tile.head, rowBase, k.nk, k.t.blockKV, k.d,
             layout.k, tokens, tile.batch);
    copyTile(k.op.getValue(), tile.head, rowBase, k.nk, k.t.blockKV, k.dv,
             layout.v, tokens, tile.batch);
    commitAsyncGroup(k.b, tokens);
  });
}

void WgmmaBackwardMain::loadFirstStepOf(Value round, Value slotIndex) {
  // The tile's first step: its first query head and its first q-block
  // (walkStepOf's step 0).
  Tile tile = tileOfRound(round);
  Value rowBase = k.mulc(tile.kvBlock, k.t.blockKV);
  Value firstBlock = k.firstQueryBlock(rowBase, /*clamp=*/false);
  Value hasStep =
      k.cmp(arith::CmpIPredicate::slt, firstBlock, k.queryBlockEnd(rowBase));
  issueStepLoads(k.mulc(tile.head, k.group),
                 k.mulc(firstBlock, k.t.blockQ), tile.batch, slotIndex,
                 arith::AndIOp::create(k.b, tile.valid, hasStep),
                 /*live=*/Value(), /*deferQuery=*/false);
}

void WgmmaBackwardMain::issuePersistentNextLoads(Value next, Value total) {
  ImplicitLocOpBuilder &b = k.b;
  Value slotIndex = k.remc(k.add(stepBase, next), k.t.stages);
  auto branch = scf::IfOp::create(
      b, k.cmp(arith::CmpIPredicate::ult, next, total), /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  issueRingLoads(next, slotIndex,
                 arith::ConstantIntOp::create(b, b.getI1Type(), 1));
  // Past the tile's last step: the next tile's first, which flies during
  // this tile's last step and epilogue.
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  loadFirstStepOf(k.addc(round, 1), slotIndex);
}

//===----------------------------------------------------------------------===//
// Products
//===----------------------------------------------------------------------===//

Value WgmmaBackwardMain::issueTransposedScores(int64_t rowsBytes,
                                              int64_t qBytes, Value qSlotBytes,
                                              int64_t cols) {
  // Both tiles K-major: k16 steps walk the 128-byte rows of each 64-column
  // block (32 bytes a step), blocks block_kv (block_q) rows apart.
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  int64_t rowsBlock = k.t.blockKV * kWgmmaSwizzleRowBytes,
          qBlockBytes = k.t.blockQ * kWgmmaSwizzleRowBytes;
  // The column split: every kv row (no wgRowBytes), the warpgroup's q
  // rows of the tile.
  Value qDynamic = qSlotBytes;
  if (qColBytes)
    qDynamic = qDynamic ? k.add(qDynamic, qColBytes) : qColBytes;
  Value aDesc = wgmmaDescriptor(k, address(rowsBytes, wgRowBytes),
                                kKMajorLeadingBytes, kWgmmaSwizzleAtomBytes);
  Value bDesc = wgmmaDescriptor(k, address(qBytes, qDynamic),
                                kKMajorLeadingBytes, kWgmmaSwizzleAtomBytes);
  auto descriptors = [&](int64_t kk) -> std::pair<Value, Value> {
    int64_t block = (16 * kk) / columns, within = ((16 * kk) % columns) * e;
    Value a = advanceDescriptor(k, aDesc, block * rowsBlock + within);
    return {a, advanceDescriptor(k, bDesc, block * qBlockBytes + within)};
  };
  return issueSharedWgmma(k, k.elt, scoreCols, cols / 16, descriptors,
                          NVVM::MMALayout::row, NVVM::MMALayout::col);
}

SmallVector<Value> WgmmaBackwardMain::scoreFragments(Value acc) {
  SmallVector<Value> values;
  for (int64_t i = 0; i < scoreCols / 2; ++i)
    values.push_back(LLVM::ExtractValueOp::create(k.b, acc, i));
  values = k.fenceRegisters(values);
  SmallVector<Value> frags;
  for (int64_t j = 0; j < scoreCols / 8; ++j)
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
                                   int64_t tileBytes, Value slotBytes,
                                   int64_t cols) {
  // B: the q-block's tile MN-major, 64-column blocks block_q rows apart, 16
  // rows of 128 bytes a k16 step.
  SmallVector<Value> values(acc.begin(), acc.end());
  values.append(aRegs.begin(), aRegs.end());
  values = k.fenceRegisters(values);
  Value desc = wgmmaDescriptor(
      k, address(tileBytes, slotBytes),
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
  // dS^T [block_kv, block_q] in the element type; read back MN-major as
  // dS, the A of dQ += dS K_j.
  storeTransposed(layout.dS, dsRegs);
  k.fenceAsyncProxy();
  // D127: the warpgroup's dQ tile is free once its issuing thread's
  // reductions of the step before have read it; the barrier orders that
  // before any of its warps writes it again, after this barrier.
  if (stackedQueryGradient()) {
    k.ifThen(queryGradientIssuer(), [&] {
      asmStatement("cp.async.bulk.wait_group.read 0;", "");
    });
    k.syncWarp();
  }
  gpu::BarrierOp::create(k.b);
}

void WgmmaBackwardMain::storeTransposed(int64_t tileBytes,
                                        ArrayRef<Value> regs) {
  // A lane's two adjacent columns (one A register) at once.
  auto pairType = VectorType::get({2}, k.elt);
  auto regType = VectorType::get({1}, k.b.getI32Type());
  for (int64_t i = 0; i < (int64_t)regs.size(); ++i) {
    int64_t n = 2 * (i / 4) + (i % 4) / 2, r = i % 2;
    Value reg = vector::FromElementsOp::create(k.b, regType, regs[i]);
    Value pair = vector::BitCastOp::create(k.b, pairType, reg);
    Value col = qColBase ? k.addc(qColBase, 8 * n) : k.idx(8 * n);
    Value at =
        k.add(swizzled(tileBytes, k.t.blockKV, fragRow(r), col), quadCol);
    vector::StoreOp::create(k.b, pair, flat, ValueRange{at});
  }
}

SmallVector<Value>
WgmmaBackwardMain::queryGradient(const std::function<void()> &afterIssue,
                                 int64_t pendingAfter) {
  // dQ_i [block_q, D] = dS K_j, each warpgroup D / 2 columns: dS MN-major
  // (stored [kv, q]), K_j MN-major from the warpgroup's first column, 16
  // kv rows of 128 bytes a k16 step; a group per run of columns
  // (queryGradientRuns). The wide q-block (D104): each warpgroup its 64 q
  // rows (dS's 64-column block wg of the [kv, q] tile), every column.
  ImplicitLocOpBuilder &b = k.b;
  int64_t n = layout.dQColumns, columns = kWgmmaSwizzleRowBytes / e;
  int64_t kBlockBytes = k.t.blockKV * kWgmmaSwizzleRowBytes;
  Value aDesc;
  SmallVector<std::pair<int64_t, Value>> runs;
  int64_t first = 0;
  for (int64_t width : wgmmaColumnRuns(n, columns)) {
    Value colBytes =
        wide ? k.idx(first / columns * kBlockBytes + first % columns * e)
             : warpgroupColumnBytes(n, first, kBlockBytes);
    if (!aDesc)
      aDesc = wgmmaDescriptor(
          k, address(layout.dS, wide ? k.mulc(wg, kBlockBytes) : Value()),
          /*leadingBytes=*/kBlockBytes, kWgmmaSwizzleAtomBytes);
    Value bDesc = wgmmaDescriptor(k, address(layout.k, colBytes),
                                  /*leadingBytes=*/kBlockBytes,
                                  kWgmmaSwizzleAtomBytes);
    auto descriptors = [&](int64_t kk) -> std::pair<Value, Value> {
      int64_t bytes = kk * 16 * kWgmmaSwizzleRowBytes;
      Value a = advanceDescriptor(k, aDesc, bytes);
      return {a, advanceDescriptor(k, bDesc, bytes)};
    };
    runs.push_back({width, issueSharedWgmma(k, k.elt, width,
                                            k.t.blockKV / 16, descriptors,
                                            NVVM::MMALayout::col,
                                            NVVM::MMALayout::row)});
    first += width;
  }
  if (afterIssue)
    afterIssue();
  waitForWgmma(afterIssue ? pendingAfter : 0);
  // The runs' values in column order are one n-wide accumulator's.
  SmallVector<Value> values;
  for (auto [width, acc] : runs)
    for (int64_t i = 0; i < width / 2; ++i)
      values.push_back(LLVM::ExtractValueOp::create(b, acc, i));
  return k.fenceRegisters(values);
}

void WgmmaBackwardMain::addQueryGradient(Value h, Value qBase,
                                         ArrayRef<Value> values) {
  // A lane's two columns of an n-tile, (fragCol(j, 0), + 1), are adjacent
  // in dQacc's rows: one 8-byte vector reduction adds both (sm_90's
  // red.global.v2.f32; half the reductions of a scalar atomic each).
  ImplicitLocOpBuilder &b = k.b;
  int64_t n = layout.dQColumns;
  Value colBase = queryGradientColumn(n);
  // Row q of the accumulator is the warpgroup-local row of wgRow's warp.
  Value localRow = queryRowOfWarp();
  Value heads = k.dim(k.dqAcc, 1);
  Value accBase = memref::ExtractAlignedPointerAsIndexOp::create(b, k.dqAcc);
  for (int64_t r = 0; r < 2; ++r) {
    Value row = k.add(qBase, k.addc(k.add(localRow, quadRow), 8 * r));
    k.ifThen(k.cmp(arith::CmpIPredicate::ult, row, k.nq), [&] {
      // dQacc is [B, Hq, Nq, D] f32, contiguous.
      Value rowElement = k.mulc(
          k.add(k.mul(k.add(k.mul(k.batch, heads), h), k.nq), row), k.d);
      Value rowBytes = k.add(
          accBase, k.mulc(k.add(rowElement, k.add(colBase, quadCol)), 4));
      for (int64_t j = 0; j < n / 8; ++j) {
        Value at = arith::IndexCastOp::create(b, b.getI64Type(),
                                              k.addc(rowBytes, 4 * 8 * j));
        asmStatement("red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f,~{memory}",
                     {at, values[4 * j + 2 * r], values[4 * j + 2 * r + 1]});
      }
    });
  }
}

void WgmmaBackwardMain::asmStatement(StringRef text, StringRef constraints,
                                     ValueRange operands) {
  LLVM::InlineAsmOp::create(k.b, TypeRange{}, operands, text, constraints,
                            /*has_side_effects=*/true,
                            /*is_align_stack=*/false, LLVM::TailCallKind::None,
                            LLVM::AsmDialectAttr(), ArrayAttr());
}

void WgmmaBackwardMain::reduceQueryGradient(Value h, Value qBase,
                                            ArrayRef<Value> values) {
  // Warp w of warpgroup g holds rows 16 (w % 4) .. + 15 of the q-block and
  // columns g D / 2 .. + D / 2 - 1 (the wide q-block: rows 64 g + 16 (w %
  // 4) .., every column), staged in its own shared tile (layout.dQ: D63's
  // padded rows, or D79's swizzled boxes) and added to dQacc by bulk
  // reductions. FlashAttention-3 adds dQ the same way.
  ImplicitLocOpBuilder &b = k.b;
  int64_t n = layout.dQColumns;
  bool boxes = layout.dQBoxColumns > 0;
  bool stacked = stackedQueryGradient();
  // D127: the warpgroup's tile is its boxes of 64 rows, warp w % 4's 16
  // rows at row 16 (w % 4) of each; the warpgroup's first warp's tile
  // starts it.
  Value warpTile =
      stacked ? k.add(k.mulc(wg, 4 * layout.dQWarpBytes / 4),
                      k.mulc(k.remc(k.warp, 4), 16 * layout.dQBoxColumns))
              : k.mulc(k.warp, layout.dQWarpBytes / 4);
  Value issuer = queryGradientIssuer();
  // The tile is free once the reductions of the step before have read it:
  // each issuing lane waits for its own here, or (stacked) the
  // warpgroup's issuing thread before dS^T's barrier.
  if (!stacked) {
    k.ifThen(issuer,
             [&] { asmStatement("cp.async.bulk.wait_group.read 0;", ""); });
    k.syncWarp();
  }
  auto pairType = VectorType::get({2}, k.f32);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t j = 0; j < n / 8; ++j) {
      Value row = k.addc(quadRow, 8 * r);
      Value pair = vector::FromElementsOp::create(
          b, pairType,
          ValueRange{values[4 * j + 2 * r], values[4 * j + 2 * r + 1]});
      Value at = k.add(warpTile, boxes ? swizzledQueryGradient(row, j)
                                       : k.add(k.mulc(row, layout.dQPitch / 4),
                                               fragCol(j, 0)));
      vector::StoreOp::create(b, pair, sQueryGradient, ValueRange{at},
                              /*nontemporal=*/false, llvm::MaybeAlign(8));
    }
  // The bulk copy reads through the async proxy.
  k.fenceAsyncProxy();
  if (stacked) {
    // Every warp of the warpgroup has stored and fenced its rows (named
    // barrier 1 + wg; the kernel's other barriers are block-wide, id 0).
    auto i32 = [&](Value v) {
      return arith::IndexCastOp::create(b, b.getI32Type(), v).getResult();
    };
    NVVM::BarrierOp::create(b, TypeRange{}, i32(k.addc(wg, 1)),
                            i32(k.idx(kWarpgroupThreads)),
                            /*reductionOp=*/{},
                            /*reductionPredicate=*/Value());
  } else {
    k.syncWarp();
  }
  Value firstRow = k.add(qBase, queryRowOfWarp());
  if (boxes) {
    // One tensor reduction a box of dQBoxRows x dQBoxColumns (the issuing
    // warp's first row is the box's); rows past Nq are out of the map's
    // bounds, which TMA skips.
    k.ifThen(issuer, [&] {
      auto i32 = [&](Value v) {
        return arith::IndexCastOp::create(b, b.getI32Type(), v).getResult();
      };
      Value map = UnrealizedConversionCastOp::create(
                      b, LLVM::LLVMPointerType::get(b.getContext()), dQMap)
                      .getResult(0);
      auto sharedPtr = LLVM::LLVMPointerType::get(
          b.getContext(), static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
      for (int64_t box = 0; box < n / layout.dQBoxColumns; ++box) {
        Value shared =
            address(layout.dQ + box * layout.dQBoxRows * layout.dQPitch,
                    k.mulc(warpTile, 4));
        NVVM::CpAsyncBulkTensorReduceOp::create(
            b, map, LLVM::IntToPtrOp::create(b, sharedPtr, shared),
            NVVM::TMAReduxKind::ADD, NVVM::TMAStoreMode::TILE,
            ValueRange{i32(k.addc(queryGradientColumn(n),
                                  box * layout.dQBoxColumns)),
                       i32(firstRow), i32(h), i32(k.batch)},
            /*l2CacheHint=*/Value());
      }
      asmStatement("cp.async.bulk.commit_group;", "");
    });
  } else {
    Value row = k.add(firstRow, k.lane);
    Value live = arith::AndIOp::create(
        b, issuer, k.cmp(arith::CmpIPredicate::ult, row, k.nq));
    k.ifThen(live, [&] {
      Value heads = k.dim(k.dqAcc, 1);
      Value element = k.add(
          k.mulc(k.add(k.mul(k.add(k.mul(k.batch, heads), h), k.nq), row),
                 k.d),
          queryGradientColumn(n));
      Value global = k.add(
          memref::ExtractAlignedPointerAsIndexOp::create(b, k.dqAcc),
          k.mulc(element, 4));
      Value shared =
          address(layout.dQ, k.mulc(k.add(warpTile, k.mulc(k.lane,
                                                           layout.dQPitch / 4)),
                                    4));
      reduceRowAsync(global, shared, n * 4);
    });
  }
  // Reconverged for the `.aligned` wgmma wait that follows.
  k.syncWarp();
}

void WgmmaBackwardMain::reduceRowAsync(Value global, Value shared,
                                       int64_t bytes) {
  ImplicitLocOpBuilder &b = k.b;
  asmStatement(
      ("cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], "
       "[$1], " +
       std::to_string(bytes) + ";\n\tcp.async.bulk.commit_group;")
          .c_str(),
      "l,r",
      {arith::IndexCastOp::create(b, b.getI64Type(), global),
       arith::TruncIOp::create(b, b.getI32Type(), shared)});
}

Value WgmmaBackwardMain::swizzledQueryGradient(Value row, int64_t j) {
  // The pair at (row, fragCol(j, 0)) of the warp's tile: box c /
  // dQBoxColumns, then the box's 128-byte row, its 16-byte chunks permuted
  // by the row's index mod 8 (CU_TENSOR_MAP_SWIZZLE_128B). The pair is 8
  // bytes of one chunk. A half-warp's 8-byte stores cover four rows, two
  // chunks a row, and rows 2i and 2i + 1 land on the same two chunks
  // (their permutations differ only in the chunk index's low bit): a
  // 2-way bank conflict, 23.7% of the D = 64 main kernel's shared-store
  // wavefronts in session 19's profile
  // (docs/results/2026-12-07-session22/d64-backward-analysis.md).
  int64_t boxColumns = layout.dQBoxColumns;
  int64_t column = 8 * j % boxColumns, box = 8 * j / boxColumns;
  Value inBox = k.addc(quadCol, column);
  Value chunk = arith::XOrIOp::create(k.b, k.divc(inBox, 4), k.remc(row, 8));
  Value within = k.add(k.mulc(chunk, 4), k.remc(inBox, 4));
  return k.addc(k.add(k.mulc(row, boxColumns), within),
                box * layout.dQBoxRows * boxColumns);
}

//===----------------------------------------------------------------------===//
// P^T and dS^T
//===----------------------------------------------------------------------===//

SmallVector<Value> WgmmaBackwardMain::columnValues(int64_t which,
                                                   int64_t n) {
  Value row = slot.rowsIndex ? k.addc(slot.rowsIndex, which) : k.idx(which);
  return {k.load(sRows, {row, scoreCol(n, 0)}),
          k.load(sRows, {row, scoreCol(n, 1)})};
}

SmallVector<Value> WgmmaBackwardMain::columnwise(
    int64_t n, int64_t which,
    llvm::function_ref<Value(int64_t, int64_t, Value)> f) {
  SmallVector<Value> columns = columnValues(which, n);
  SmallVector<Value> out;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c)
      out.push_back(f(r, c, columns[c]));
  return {vector::FromElementsOp::create(k.b, accType, out)};
}

SmallVector<Value> WgmmaBackwardMain::probabilities(ArrayRef<Value> s,
                                                    Value h, Value qBase) {
  // P^T: the accumulator's rows are kv rows, its columns query rows (the
  // logsumexp is per column).
  SmallVector<Value> p;
  for (int64_t n = 0; n < (int64_t)s.size(); ++n)
    p.append(columnwise(n, /*which=*/0, [&](int64_t r, int64_t c, Value lse) {
      Value kvRow = k.add(kvBase, fragRow(r));
      Value qRow = k.add(qBase, scoreCol(n, c));
      return k.probability(k.element(s[n], r, c), lse,
                           k.visible(kvRow, qRow, h),
                           bias.value(h, qRow, kvRow));
    }));
  return p;
}

SmallVector<Value>
WgmmaBackwardMain::edgeMaskedProbabilities(ArrayRef<Value> s, Value h,
                                           Value qBase) {
  // A bias may hide a whole row (lse = -inf), which the interior form
  // does not test: every pair takes the tested form.
  if (bias.present())
    return probabilities(s, h, qBase);
  ImplicitLocOpBuilder &b = k.b;
  Value interior;
  if (list) {
    interior = list->full(listPosition);
  } else {
    Value kvWhole =
        k.cmp(arith::CmpIPredicate::ule, k.addc(kvBase, k.t.blockKV), k.nk);
    interior = k.pairInterior(qBase, kvBase, kvWhole);
  }
  SmallVector<Type> types(s.size(), accType);
  auto branch = scf::IfOp::create(b, types, interior,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(b, interiorProbabilities(s));
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, probabilities(s, h, qBase));
  return SmallVector<Value>(branch.getResults());
}

SmallVector<Value>
WgmmaBackwardMain::interiorProbabilities(ArrayRef<Value> s) {
  // P^T = exp2(S^T scale log2(e) - lse log2(e)).
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Value> p;
  for (int64_t n = 0; n < (int64_t)s.size(); ++n)
    p.append(columnwise(n, /*which=*/0, [&](int64_t r, int64_t c, Value lse) {
      Value x = arith::MulFOp::create(b, k.element(s[n], r, c), k.scaleLog2);
      Value shift = arith::MulFOp::create(b, lse, k.log2e);
      return k.exp2(arith::SubFOp::create(b, x, shift));
    }));
  return p;
}

SmallVector<Value> WgmmaBackwardMain::scoreGradients(ArrayRef<Value> p,
                                                     ArrayRef<Value> dp,
                                                     Value h, Value qBase) {
  // dS^T = P^T (dP^T - D), D of each q column (and dBias += dS).
  ImplicitLocOpBuilder &b = k.b;
  SmallVector<Value> ds;
  for (int64_t n = 0; n < (int64_t)p.size(); ++n)
    ds.append(columnwise(n, /*which=*/1, [&](int64_t r, int64_t c, Value d) {
      Value diff = arith::SubFOp::create(b, k.element(dp[n], r, c), d);
      Value x = arith::MulFOp::create(b, k.element(p[n], r, c), diff);
      if (bias.hasGradient())
        bias.addGradient(h, k.add(qBase, scoreCol(n, c)),
                         k.add(kvBase, fragRow(r)), x);
      return x;
    }));
  return ds;
}

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

void WgmmaBackwardMain::writeKeyValueGradients(ArrayRef<Value> accs) {
  if (tmaEpilogue)
    return storeGradientsThroughTma(accs);
  // dK_j * scale and dV_j, rounded, to the rows of K_j in range.
  k.storeKeyValueGradients(
      [&](int64_t n, int64_t r, int64_t c) { return accs[4 * n + 2 * r + c]; },
      [&](int64_t r) { return k.add(kvBase, fragRow(r)); },
      [&](int64_t n, int64_t c) { return fragCol(n, c); });
}

void WgmmaBackwardMain::reduceKeyValueGradients(ArrayRef<Value> accs) {
  // Every warp is done with the shared tiles (the other warpgroup's last dQ
  // product read K_j) and no bulk reduction of dQ reads its tile any more:
  // the staging reuses the shared memory from its base.
  ImplicitLocOpBuilder &b = k.b;
  asmStatement("cp.async.bulk.wait_group.read 0;", "");
  gpu::BarrierOp::create(b);
  int64_t pitch = splitStagePitch() / 4;
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value stage = memref::ViewOp::create(
      b,
      MemRefType::get({k.t.warps * 16 * pitch}, k.f32,
                      MemRefLayoutAttrInterface(), workgroup),
      base, pad, ValueRange{});
  Value warpTile = k.mulc(k.warp, 16 * pitch);
  auto pairType = VectorType::get({2}, k.f32);
  // The warp's rows wgRow .. + 15 of the kv-block; lanes 0-15 add a row
  // each. A lane waits for its own reduction of dK before dV overwrites the
  // tile.
  Value row = k.add(kvBase, k.add(wgRow, k.lane));
  Value issuer = arith::AndIOp::create(
      b, k.cmp(arith::CmpIPredicate::ult, k.lane, k.idx(16)),
      k.cmp(arith::CmpIPredicate::ult, row, k.nk));
  int64_t keyTiles = k.d / 8;
  for (auto [accBuffer, firstTileOf, colsOf] :
       {std::make_tuple(k.dkAcc, int64_t(0), k.d),
        std::make_tuple(k.dvAcc, keyTiles, k.dv)}) {
    // Copies: the lambdas below capture them.
    Value acc = accBuffer;
    int64_t firstTile = firstTileOf, cols = colsOf;
    if (firstTile > 0) {
      k.ifThen(issuer,
               [&] { asmStatement("cp.async.bulk.wait_group.read 0;", ""); });
      k.syncWarp();
    }
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t n = 0; n < cols / 8; ++n) {
        int64_t i = 4 * (firstTile + n) + 2 * r;
        Value at = k.add(warpTile, k.add(k.mulc(k.addc(quadRow, 8 * r), pitch),
                                         fragCol(n, 0)));
        vector::StoreOp::create(
            b,
            vector::FromElementsOp::create(b, pairType,
                                           ValueRange{accs[i], accs[i + 1]}),
            stage, ValueRange{at}, /*nontemporal=*/false, llvm::MaybeAlign(8));
      }
    // The bulk reduction reads through the async proxy.
    k.fenceAsyncProxy();
    k.syncWarp();
    k.ifThen(issuer, [&] {
      // The accumulator is [B, Hkv, Nk, cols] f32, contiguous.
      Value heads = k.dim(acc, 1);
      Value element = k.mulc(
          k.add(k.mul(k.add(k.mul(k.batch, heads), k.head), k.nk), row), cols);
      Value global =
          k.add(memref::ExtractAlignedPointerAsIndexOp::create(b, acc),
                k.mulc(element, 4));
      Value shared =
          address(0, k.mulc(k.add(warpTile, k.mulc(k.lane, pitch)), 4));
      reduceRowAsync(global, shared, cols * 4);
    });
  }
  // The reductions have read the tiles before the block exits.
  asmStatement("cp.async.bulk.wait_group 0;", "");
}

void WgmmaBackwardMain::createGradientMaps() {
  auto box = MemRefType::get(
      {1, 1, 16, kWgmmaSwizzleRowBytes / e}, k.elt, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(k.b.getContext(),
                                 gpu::AddressSpace::Workgroup));
  dKMap = createSwizzledTensorMap(k.b, k.op.getKeyGradInit(), box);
  dVMap = createSwizzledTensorMap(k.b, k.op.getValueGradInit(), box);
}

void WgmmaBackwardMain::storeGradientsThroughTma(ArrayRef<Value> accs) {
  // Every warpgroup's wgmmas were waited for in the loops, and every
  // thread's copies of K_j and V_j; after the barrier nothing reads the
  // tiles (the other warpgroup's last dQ product read all of K_j).
  ImplicitLocOpBuilder &b = k.b;
  gpu::BarrierOp::create(b);
  // The lane's pair (r, columns c = 0, 1) of n-tile n at once, 4 bytes over
  // the swizzled tile: free of bank conflicts, as dS^T's (storeTransposed).
  auto pairType = VectorType::get({2}, k.elt);
  int64_t keyTiles = k.d / 8;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t n = 0; n < (k.d + k.dv) / 8; ++n) {
      bool isK = n < keyTiles;
      SmallVector<Value> pair;
      for (int64_t c = 0; c < 2; ++c)
        pair.push_back(
            k.keyValueGradientElement(n, accs[4 * n + 2 * r + c]));
      Value at =
          k.add(swizzled(isK ? layout.k : layout.v, k.t.blockKV, fragRow(r),
                         k.idx(8 * (isK ? n : n - keyTiles))),
                quadCol);
      vector::StoreOp::create(b,
                              vector::FromElementsOp::create(b, pairType, pair),
                              flat, ValueRange{at});
    }
  // The warp's 16 rows (from wgRow) of each 64-column block of K_j's and
  // V_j's tiles; a last box past D (80, 96) is clipped by TMA.
  int64_t columns = kWgmmaSwizzleRowBytes / e;
  auto boxType =
      MemRefType::get({1, 1, 16, columns}, k.elt, MemRefLayoutAttrInterface(),
                      cast<MemRefType>(base.getType()).getMemorySpace());
  storeWarpRowsThroughTma(k, k.lane, [&] {
    for (auto [tile, map, cols] : {std::make_tuple(layout.k, dKMap, k.d),
                                   std::make_tuple(layout.v, dVMap, k.dv)})
      for (int64_t block = 0; block * columns < cols; ++block) {
        Value bytes = k.add(
            k.addc(pad, tile + block * k.t.blockKV * kWgmmaSwizzleRowBytes),
            k.mulc(wgRow, kWgmmaSwizzleRowBytes));
        Value src =
            memref::ViewOp::create(b, boxType, base, bytes, ValueRange{});
        nvgpu::TmaAsyncStoreOp::create(
            b, src, map,
            ValueRange{k.idx(columns * block), k.add(kvBase, wgRow), k.head,
                       k.batch},
            /*predicate=*/Value());
      }
  });
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

void mlir::fa::nvgpu_kernel::buildWgmmaBackwardMain(BackwardContext &k) {
  WgmmaBackwardMain(k).build();
}
