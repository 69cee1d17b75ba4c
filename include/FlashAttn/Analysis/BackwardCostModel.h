//===- BackwardCostModel.h - IO cost model of the backward pass -*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Chooses the tiling of FlashAttention-2's backward (Algorithm 2 of the
// FlashAttention-2 paper; docs/CostModel.md, "The backward pass") and how
// dQ is accumulated. The backward is K/V-stationary: one thread block per
// (kv-block, batch, K/V head) keeps K_j, V_j in shared memory and the f32
// dK_j, dV_j accumulators in registers, and streams the q-blocks of every
// query head of its group (Q_i, dO_i, the logsumexp and D_i = rowsum(dO_i *
// O_i)), recomputing P from the logsumexp; dS_i K_j is added to a f32 dQ in
// global memory. Its working set differs from the forward's: two resident
// tiles and two accumulators, two streamed tiles, and P and dS staged in
// shared memory for the transposed products.
//
// Plain C++ like the forward's model, and as explainable: every candidate
// carries its shared memory, registers, HBM bytes and predicted time.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_BACKWARDCOSTMODEL_H
#define FLASHATTN_ANALYSIS_BACKWARDCOSTMODEL_H

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/TargetInfo.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>

namespace mlir {
namespace fa {

/// How dQ, summed over the kv-blocks, is accumulated. `Auto` is a request
/// only (a decision is never Auto).
enum class DqAccumulation {
  Auto,
  /// f32 atomic adds into a dQ accumulator in global memory, in whatever
  /// order the kv-blocks reach them, then a kernel that converts it to the
  /// element type. The sum's rounding depends on that order.
  Atomic,
  /// The same adds in kv-block order: the block of kv-block j adds its part
  /// of a q-block's dQ once the block of j - 1 has (a per-q-block counter
  /// in global memory), so the result is bit-identical run to run.
  Ordered,
  /// A Q-stationary pass of its own that recomputes S and dP for each
  /// (q-block, kv-block) pair and sums dQ_i in its block (the tiled form's
  /// nest 3): no atomics, bit-identical run to run. The SIMT kernel's only
  /// mode (it is built from the tiled form); the tensor-core model does not
  /// price it.
  Separate,
};

/// `auto`, `atomic`, `ordered` or `separate`, and back.
llvm::StringRef stringifyDqAccumulation(DqAccumulation value);
std::optional<DqAccumulation> parseDqAccumulation(llvm::StringRef name);

/// How the wgmma backward's TMA ring walks a kv-block's q-blocks under a
/// runtime block mask (docs/BlockSparse.md, "The compacted walk"). `Auto`
/// is a request only (a decision is never Auto).
enum class BlockMaskWalk {
  Auto,
  /// Every q-block of the kv-block's range is a step; a dead one (mask
  /// entry 0) is predicated off (no loads, no products) but still costs
  /// the step's barrier, its next entry's read and its mbarrier wait (D75).
  Dense,
  /// At the block's start one warp scans the kv-block's column of the mask
  /// and lists the live steps in shared memory; the ring's loads and steps
  /// walk the list, so a dead q-block costs only its entry's read in the
  /// scan (D94). dq = atomic only: ordered dQ passes a turn at every
  /// q-block of the walk.
  Compacted,
};

/// `auto`, `dense` or `compacted`, and back.
llvm::StringRef stringifyBlockMaskWalk(BlockMaskWalk value);
std::optional<BlockMaskWalk> parseBlockMaskWalk(llvm::StringRef name);

/// Whether kernel=auto's selection may take the compacted walk: it has
/// passed its GPU check (`backward_simt.py --kernel wgmma --only _bsc`,
/// docs/decisions.md D99), so `block-mask-walk=auto` takes it wherever it
/// builds (D94).
constexpr bool kCompactedWalkGpuChecked = true;

/// Why `kind` with `dq` cannot walk `walk` for `problem` (with `tiling`'s
/// stages when given), or nullopt: the compacted walk is the wgmma
/// backward's TMA ring (stages 2) with a runtime block mask and dq =
/// atomic. (Its list's size also needs a static Nq: the op's check,
/// compactedWalkOpReason.)
std::optional<std::string>
blockMaskWalkReason(KernelKind kind, DqAccumulation dq, BlockMaskWalk walk,
                    const AttentionProblem &problem,
                    const Tiling *tiling = nullptr);

/// Which of the wgmma backward's products a step of its TMA ring leaves in
/// flight across the step's end (docs/Backward.md, "dK in flight"). `Auto`
/// is a request only (a decision is never Auto).
enum class InFlightProducts {
  Auto,
  /// Every product of a step is waited for within it (`wgmma.wait_group 0`
  /// at its end).
  None,
  /// dK_wg += dS^T Q_i completes under the next step's barrier, loads and
  /// S^T, retired by that step's wait for S^T (groups complete in order)
  /// or after the loop; step t + 1's Q_i, which buffer (t + 1) % 2 takes
  /// once step t - 1's dK has read it, is issued after dS^T's barrier
  /// (D101).
  DK,
};

/// `auto`, `none` or `dk`, and back.
llvm::StringRef stringifyInFlightProducts(InFlightProducts value);
std::optional<InFlightProducts> parseInFlightProducts(llvm::StringRef name);

/// Whether kernel=auto's selection may leave dK in flight: not until it
/// has passed its GPU check and its A/B timing (`backward_simt.py --kernel
/// wgmma --only _bif`); until then only in_flight = dk (the pass option or
/// a written schedule) builds it (docs/decisions.md, D101).
constexpr bool kInFlightGpuChecked = false;

/// Why `kind` cannot leave `inFlight` in flight for `problem` (with
/// `tiling`'s stages when given), or nullopt: dK in flight is the wgmma
/// backward's TMA ring (stages 2) at the row split, without a runtime block
/// mask (a skipped step has no dS^T barrier to issue the next Q_i after).
std::optional<std::string> inFlightReason(KernelKind kind,
                                          InFlightProducts inFlight,
                                          const AttentionProblem &problem,
                                          const Tiling *tiling = nullptr);

/// How the wgmma backward's main kernel stores dK_j (times scale) and dV_j
/// once its loops are done (docs/Backward.md, "The TMA-store epilogue").
/// `Auto` is a request only (a decision is never Auto).
enum class BackwardEpilogue {
  Auto,
  /// Each lane stores its accumulator elements to global memory, one
  /// element a store, rows past Nk skipped.
  Direct,
  /// After a block barrier each warp writes its 16 kv rows over K_j's and
  /// V_j's swizzled tiles in shared memory and its first lane stores them
  /// through host-built tensor maps of dK and dV (the forward's TMA-store
  /// epilogue, D31), which drop the rows past Nk (D107).
  TmaStore,
};

/// `auto`, `direct` or `tma-store`, and back.
llvm::StringRef stringifyBackwardEpilogue(BackwardEpilogue value);
std::optional<BackwardEpilogue> parseBackwardEpilogue(llvm::StringRef name);

/// Whether kernel=auto's selection may take the TMA-store epilogue: it
/// passed its GPU check and its A/B timing (`backward_simt.py --kernel
/// wgmma --only _kvt`, 35 of 35 and 1.04-1.19x the direct epilogue on an
/// H100), so `auto` takes it wherever backwardTmaStoreReason allows
/// (docs/decisions.md, D107 and D108).
constexpr bool kBackwardTmaStoreGpuChecked = true;

/// Whether kernel=auto's selection may take the TMA-store epilogue on the
/// wide q-block (block_q = kWgmmaBackwardWideBlockQ, D = 64; D130): it
/// passed its GPU check and its A/B timing (`backward_simt.py --kernel
/// wgmma --only _bqt`, 61 of 61 and 1.02-1.22x the direct stores on an
/// H100), so `auto` takes it at block_q 128 wherever backwardTmaStoreReason
/// allows, and the option `backward-epilogue=tma-store` no longer narrows
/// the q-block (it still does with a #fa.window, whose wide q-block keeps
/// the direct stores).
constexpr bool kWideQueryBlockTmaStoreGpuChecked = true;

/// Why `kind` cannot store dK and dV with `epilogue` for `problem` (with
/// `tiling`'s stages when given), or nullopt: the TMA-store epilogue is the
/// wgmma backward's TMA ring (stages 2) at the row split (its K_j and V_j
/// tiles hold the block's 128 kv rows; the column split keeps its direct
/// stores; one buffer spilled 8 bytes with it at D = 128, causal). On the
/// wide q-block it is built but where ptxas spills beside the step (a
/// window, D110 and D130).
std::optional<std::string>
backwardEpilogueReason(KernelKind kind, BackwardEpilogue epilogue,
                       const AttentionProblem &problem,
                       const Tiling *tiling = nullptr);

/// Where the wgmma ring's ordered dQ (dq = ordered) passes step t's turn
/// (docs/Backward.md, "Deterministic dQ"). The turn may pass only once the
/// step's bulk reductions of dQ have completed (their writes, not only
/// their reads of the shared tile). `Auto` is a request only (a decision is
/// never Auto).
enum class DqTurnPass {
  Auto,
  /// At step t + 1's top: every issuing lane waits for its reductions to
  /// complete before the step's first barrier, after which thread 0 passes
  /// the turn (D66); nothing of the block overlaps the wait.
  StepStart,
  /// Once step t + 1's score products (S^T, and dP^T but at the wide
  /// q-block) are issued: the lanes wait for the completion there, under
  /// the tensor cores' work, then a block barrier and thread 0's pass
  /// (D115).
  AfterScores,
};

/// `auto`, `step-start` or `after-scores`, and back.
llvm::StringRef stringifyDqTurnPass(DqTurnPass value);
std::optional<DqTurnPass> parseDqTurnPass(llvm::StringRef name);

/// Whether kernel=auto's selection may pass the ordered dQ's turns after
/// the score products: not until that has passed its GPU check and its A/B
/// timing (`backward_simt.py --kernel wgmma --only _det16`); until then
/// only dq_pass = after_scores (the pass option or a written schedule)
/// builds it (docs/decisions.md, D115).
constexpr bool kDqPassAfterScoresGpuChecked = false;

/// Why `kind` with `dq` cannot pass its turns at `pass` for `problem`
/// (with `tiling`'s stages when given), or nullopt: after_scores is the
/// ordered dQ of the wgmma backward's TMA ring (stages 2) at the row split
/// (its bulk reductions; the column split adds dQ by per-element atomics,
/// one buffer has no reductions in flight).
std::optional<std::string> dqTurnPassReason(KernelKind kind, DqAccumulation dq,
                                            DqTurnPass pass,
                                            const AttentionProblem &problem,
                                            const Tiling *tiling = nullptr);
/// Whether the wgmma backward's main kernel is persistent (docs/Backward.md,
/// "The persistent kernel"). `Auto` is a request only (a decision is never
/// Auto).
enum class BackwardPersistence {
  Auto,
  /// A thread block per (kv-block, K/V head, batch): grid (kv-blocks, Hkv,
  /// B).
  Off,
  /// min(tiles, the target's SM count) blocks, each walking tiles (kv-block,
  /// K/V head, batch) in a fixed order (longest first when causal); the next
  /// tile's first Q_i/dO_i loads fly during this tile's last step and
  /// epilogue, its K_j/V_j loads as soon as this tile's are free (D114).
  On,
};

/// `auto`, `off` or `on`, and back.
llvm::StringRef stringifyBackwardPersistence(BackwardPersistence value);
std::optional<BackwardPersistence>
parseBackwardPersistence(llvm::StringRef name);

/// Whether kernel=auto's selection takes the persistent kernel: no. It
/// passed its GPU check (`backward_simt.py --kernel wgmma --only _pers`,
/// correct on an H100) and its A/B timing measured 0.85-1.03x the grid of a
/// block per tile, so it was not adopted; only persistent = on (the pass
/// option or a written schedule) builds it (docs/decisions.md, D114).
constexpr bool kBackwardPersistentAdopted = false;

/// Why `kind` with `dq` cannot be persistent for `problem` (with `tiling`'s
/// stages when given), or nullopt: the persistent kernel is the wgmma
/// backward's TMA ring (stages 2) at the row split, with dq = atomic (ordered
/// dQ's turns could wait for a tile of a block that is not resident), and
/// without the per-kv-block state it does not carry from tile to tile (a
/// runtime block mask, a #fa.mask_pattern's list) or a mask operand (ptxas
/// spills beside a keep-mask's tests; a bias was not checked).
std::optional<std::string>
backwardPersistentReason(KernelKind kind, BackwardPersistence persistence,
                         DqAccumulation dq, const AttentionProblem &problem,
                         const Tiling *tiling = nullptr);

/// How the wgmma backward covers a GQA group's query heads
/// (docs/Backward.md, "The split group"). `Auto` is a request only (a
/// decision is never Auto).
enum class BackwardGqa {
  Auto,
  /// A thread block per (kv-block, K/V head, batch) loops over the group's
  /// query heads and sums dK_j, dV_j in registers.
  Loop,
  /// A thread block per (kv-block, query head, batch): each adds its query
  /// head's part of dK_j, dV_j to f32 accumulators [B, Hkv, Nk, D] by bulk
  /// reductions from shared memory; a convert kernel rounds them into dK,
  /// dV (D119; FlashAttention-3's GQA backward).
  Split,
};

/// `auto`, `loop` or `split`, and back.
llvm::StringRef stringifyBackwardGqa(BackwardGqa value);
std::optional<BackwardGqa> parseBackwardGqa(llvm::StringRef name);

/// Whether fa-select-tiling's `backward-gqa=auto` may take the split group:
/// it passed its GPU check (`backward_simt.py --kernel wgmma --only _gqas`,
/// 26 of 26 on an H100, docs/decisions.md D119 and D122).
constexpr bool kBackwardGqaSplitGpuChecked = true;

/// How much faster the model must predict the split group than the loop
/// for `backward-gqa=auto` to take it: the split's costs the model's
/// compute time leaves out (its blocks' f32 bulk reductions of dK and dV,
/// four times the blocks' loads of K_j and V_j). Fitted to D119's A/B on an
/// H100 (D122): where the model predicted the split 4.3% faster it measured
/// 1.000x, where it predicted a tie 0.947x, and where it predicted 19.7%
/// faster 1.110x.
constexpr double kBackwardGqaSplitMargin = 0.05;

/// Why `kind` with `dq` cannot split the group for `problem` (with
/// `tiling`'s stages when given), or nullopt: the split group is the wgmma
/// backward's row split (D = Dv up to 128, the ring or one buffer) with dq
/// = atomic (its adds of dK and dV are unordered, so an ordered dQ would
/// not make the result deterministic), without a bias gradient.
std::optional<std::string>
backwardGqaSplitReason(KernelKind kind, DqAccumulation dq,
                       const AttentionProblem &problem);

/// Where the wgmma backward rounds the f32 dQ accumulator into dQ
/// (docs/Backward.md, "The fused dQ conversion"). `Auto` is a request only
/// (a decision is never Auto).
enum class DqConvert {
  Auto,
  /// A convert kernel after the main kernel (D105).
  Kernel,
  /// The main kernel's blocks count their arrivals at each q-block (a
  /// counter per batch, query head and q-block, set by the preprocess to
  /// the kv-blocks that visit it); the block whose arrival is the last
  /// converts the q-block's rows, and no convert kernel runs (D120).
  Fused,
};

/// `auto`, `kernel` or `fused`, and back.
llvm::StringRef stringifyDqConvert(DqConvert value);
std::optional<DqConvert> parseDqConvert(llvm::StringRef name);

/// Whether fa-select-tiling's `backward-dq-convert=auto` may take the fused
/// conversion. It passed its GPU check but not its A/B timing (at most 1.5%
/// faster than the convert kernel, 4-7% slower at N = 16k causal;
/// `backward_simt.py --kernel wgmma --only _dqf`, docs/decisions.md D120).
constexpr bool kDqConvertFusedGpuChecked = false;

/// Why `kind` with `dq` cannot fuse dQ's conversion into its main kernel
/// for `problem` (with `tiling`'s stages when given), or nullopt: the fused
/// conversion is the wgmma backward's TMA ring (stages 2) at the row split
/// (its dQ leaves by bulk reductions, whose completion a lane can wait
/// for), with dq = atomic (ordered dQ has its own semaphores) and a count
/// of arrivals known from the causal and window bounds: no runtime block
/// mask and no #fa.mask_pattern.
std::optional<std::string>
dqConvertFusedReason(KernelKind kind, DqAccumulation dq,
                     const AttentionProblem &problem,
                     const Tiling *tiling = nullptr);

/// How the wgmma backward's TMA ring issues dQ's tensor reductions
/// (docs/Backward.md, "The TMA ring"). `Auto` is a request only (a decision
/// is never Auto).
enum class DqReduce {
  Auto,
  /// Each warp's lane 0 adds its own boxes of 16 rows x 32 f32 (D79).
  Warp,
  /// The warpgroup's four warps' 16-row boxes lie stacked as boxes of 64
  /// rows; after a warpgroup barrier one thread adds each (D127).
  Warpgroup,
};

/// `auto`, `warp` or `warpgroup`, and back.
llvm::StringRef stringifyDqReduce(DqReduce value);
std::optional<DqReduce> parseDqReduce(llvm::StringRef name);

/// Whether fa-select-tiling's `backward-dq-reduce=auto` may take the
/// warpgroup's reductions (dqReduceWarpgroupByDefault says where): they
/// passed their GPU check and A/B timing on an H100 (docs/decisions.md
/// D127).
constexpr bool kDqReduceWarpgroupGpuChecked = true;

/// Whether `backward-dq-reduce=auto` takes the warpgroup's reductions for
/// `problem` with `tiling`, where they build (dqReduceWarpgroupReason):
/// on the kv-row split with block_q 64, where they were measured faster
/// (D = 128: 1.02-1.07x); not on the wide q-block (D = 64's block_q 128:
/// 0.975-1.00x) nor on the column split (not timed).
bool dqReduceWarpgroupByDefault(const AttentionProblem &problem,
                                const Tiling &tiling);

/// Why `kind` cannot add dQ a warpgroup's box at a time for `problem` with
/// `tiling`, or nullopt: the wgmma backward's TMA ring (stages 2) where its
/// warps' dQ tiles are tensor-reduction boxes (WgmmaBackwardLayout's
/// dQBoxColumns: dQ's columns a warp adds a multiple of 32 f32, by bulk
/// reductions).
std::optional<std::string> dqReduceWarpgroupReason(
    KernelKind kind, const AttentionProblem &problem, const Tiling &tiling);

/// The largest `launch_chunk` of #fa.backward_schedule: the grid's (batch,
/// head) pairs are at most 65535 x 65535, so a chunk of 2^32 is the whole
/// grid, and the kernel's index arithmetic (chunk x kv-blocks, 64-bit)
/// stays far from overflow.
constexpr int64_t kMaxLaunchChunk = int64_t(1) << 32;

/// The L2 bytes a launch chunk's Q and dO rows may take (D131): the
/// blocks in flight of a chunk read its pairs' Q and dO, which L2 must
/// keep for the pairs' later kv-blocks. 16 MiB, a third of the H100's L2
/// (launching the whole grid longest first, whose Q and dO outgrow L2,
/// measured 0.76-0.91x).
constexpr int64_t kLaunchChunkL2Bytes = int64_t(16) << 20;

/// Whether fa-select-tiling's `backward-launch-chunk=0` (auto) may take a
/// chunk over 1 (launchChunkByDefault says where): the compiler's kernels
/// have passed the GPU check of D131's order (a PTX variant's did first,
/// 43 of 43; docs/decisions.md D131 and D133).
constexpr bool kLaunchChunkGpuChecked = false;

/// The most (batch, head) pairs a launch chunk of the wgmma backward's
/// grid takes whose Q and dO rows (a block's query heads each: the loop's
/// group, the split's one) fit kLaunchChunkL2Bytes together, at least 1.
int64_t longestFirstChunk(const AttentionProblem &problem, BackwardGqa gqa);

/// D131's launch chunk for the wgmma backward of `problem` covering its
/// group by `gqa` with `dq`, whether or not auto may take it yet:
/// longestFirstChunk for a causal or windowed GQA group's loop with atomic
/// dQ and no mask pattern or block mask (the blocks' lengths are the
/// causal and window bounds': the longest first is known), where D131
/// measured the order 1.115x today's pick, lowered to the largest divisor
/// of the grid's (batch, K/V head) pairs not above it; else 1. Not for MHA
/// causal grids (0.99-1.04x, inside the run's spread) nor the split
/// (1.019x).
int64_t launchChunkRule(KernelKind kind, DqAccumulation dq, BackwardGqa gqa,
                        const AttentionProblem &problem);

/// The launch chunk `backward-launch-chunk=0` (auto) takes: launchChunkRule
/// once kLaunchChunkGpuChecked, else 1.
int64_t launchChunkByDefault(KernelKind kind, DqAccumulation dq,
                             BackwardGqa gqa, const AttentionProblem &problem);

/// The entries of the compacted walk's list: one per step the kv-block may
/// walk, every q-block of every query head of its group (query heads over
/// K/V heads times ceil(Nq / block_q)).
int64_t compactedWalkEntries(const Tiling &tiling,
                             const AttentionProblem &problem);

/// Whether the backward kernel `kind` builds `dq`: the SIMT kernel only
/// `separate`, the tensor-core kernels (mma-sync, wgmma) `atomic` and
/// `ordered`. Returns why not, or nullopt.
std::optional<std::string> dqUnsupportedReason(KernelKind kind,
                                               DqAccumulation dq);

/// Why a tensor-core backward does not build `dq` for the mask pattern of
/// `problem`, or nullopt: ordered dQ's turns are closed forms of the causal
/// and window bounds, not of a pattern's block lists.
std::optional<std::string> patternDqReason(const AttentionProblem &problem,
                                           DqAccumulation dq);

/// The dQ accumulation of the backward kernel `kind` (Simt, MmaSync or
/// Wgmma) for a request: a forced mode (`forced` not Auto) is kept;
/// otherwise the SIMT kernel's `separate`, and for the tensor-core kernels
/// `atomic` (the model's cheapest: ordering only adds a wait) or, when
/// `deterministic`, `ordered`. Returns the error instead when the forced
/// mode is not one `kind` builds, or is `atomic` with `deterministic`.
std::variant<DqAccumulation, std::string>
decideDqAccumulation(KernelKind kind, bool deterministic,
                     DqAccumulation forced);

/// Shared memory of one thread block of each nest of the backward's tiled
/// form (fa-tile-attention, docs/Backward.md), as the SIMT kernel allocates
/// it: every buffer one-shot bufferization allocates in the nest's
/// thread-block loop, each padded to 128 bytes.
struct SimtBackwardSram {
  /// Nest 1, D = rowsum(dO * O): no tile.
  int64_t rowDot = 0;
  /// Nests 2 (dK, dV), 3 (dQ) and 4 (dBias; 0 without a bias gradient).
  int64_t keyValue = 0;
  int64_t query = 0;
  int64_t biasGrad = 0;

  /// The largest nest's: what one block of the backward needs.
  int64_t maxBytes() const;
};

/// The tiles every nest allocates (Q [Bq, D], dO [Bq, Dv], K [Bkv, D],
/// V [Bkv, Dv] in the element type, lse and D [Bq] in f32, the mask tile),
/// the f32 S and dP [Bq, Bkv], and each nest's f32 accumulators: dK_j
/// [Bkv, D] and dV_j [Bkv, Dv] (nest 2), dQ_i [Bq, D] (nest 3), the bias
/// gradient's tile (nest 4, when `biasGrad`: one row or column where the
/// bias broadcasts). `stages` and `warps` do not enter.
SimtBackwardSram simtBackwardSramBytes(const Tiling &tiling,
                                       const AttentionProblem &problem,
                                       bool biasGrad);

/// The mma.sync backward main kernel's registers per thread as ptxas
/// allocates them, a linear fit over its tiling (docs/CostModel.md, "The
/// backward pass"; docs/decisions.md D53, D70): the dK_j and dV_j
/// accumulators, (D + Dv) / 2 a thread, plus for every 16 rows of block_q
/// `perQueryBlock16` (S^T, dP^T and their fragments, addresses, the
/// per-column lse and D) and one more per `columnsPerQueryRegister` columns
/// of D (the Q_i fragments of those rows), and a fixed part. A tiling is
/// feasible where the estimate is within the 255 registers a thread may
/// use: ptxas assembles it without spills
/// (bench/experiments/backward_register_vs_ptxas.py checks the agreement,
/// test/Target/fa-compile-grad-mma-registers.mlir pins it).
struct MmaSyncBackwardRegisterFit {
  int64_t fixed;
  int64_t perQueryBlock16;
  int64_t columnsPerQueryRegister;
  /// ptxas's limit per thread.
  int64_t limit;

  int64_t estimate(const Tiling &tiling, int64_t d, int64_t dv) const {
    return fixed + (d + dv) / 2 +
           (perQueryBlock16 + d / columnsPerQueryRegister) *
               (tiling.blockQ / 16);
  }
};

/// The fit of the mma.sync backward's main kernel (CUDA 13 ptxas).
extern const MmaSyncBackwardRegisterFit kMmaSyncBackwardRegisters;

/// Why the mma.sync backward's main kernel cannot hold `tiling` at head
/// dims `d`, `dv` in registers, or nullopt: more than 8 warps (ptxas's
/// per-thread share of `target`'s register file falls below the 255 the
/// kernel needs), or the ptxas fit over its limit (dK_j, dV_j, S^T and
/// dP^T would spill). The backward model's refusal (BackwardCostModel::
/// evaluate) and convert-fa-to-nvgpu's, which builds a hand-written
/// tiling only where fa-select-tiling would keep it (D113).
std::optional<std::string>
mmaSyncBackwardRegisterReason(const Tiling &tiling, int64_t d, int64_t dv,
                              const TargetInfo &target);

/// Everything the backward model computed for one candidate tiling
/// (block_q: rows of a streamed q-block; block_kv: rows of the resident
/// kv-block, the thread block's own).
/// The backward's DRAM bytes by kernel (backwardDramTraffic). Tensor-core
/// kinds: the preprocess (D = rowsum(dO * O), dQ's f32 accumulator zeroed),
/// the main kernel, the conversion (dQ = scale * dQacc). SIMT: nest 1 is
/// the preprocess, nests 2 and 3 the main kernel, no conversion.
struct BackwardDram {
  HBMTraffic preprocess, main, conversion;
  int64_t readBytes() const {
    return preprocess.readBytes + main.readBytes + conversion.readBytes;
  }
  int64_t writeBytes() const {
    return preprocess.writeBytes + main.writeBytes + conversion.writeBytes;
  }
  /// Saturated at INT64_MAX: each kernel's bytes are saturated at a
  /// quarter of it (saturatedBytes), so the six can sum past it.
  int64_t total() const {
    __int128 sum = __int128(readBytes()) + writeBytes();
    return sum > std::numeric_limits<int64_t>::max()
               ? std::numeric_limits<int64_t>::max()
               : int64_t(sum);
  }
};

/// The most heads that `slots` blocks running at once touch in a grid of
/// `heads` heads of `blocksPerHead` consecutive blocks each. `inWaves`: the
/// blocks are equal, so they run in waves of `slots` consecutive blocks
/// that start at multiples of `slots`, that is at multiples of
/// gcd(blocksPerHead, slots) within a head: fewer heads than
/// ceil(slots / blocksPerHead) + 1 where that gcd keeps a wave from
/// starting late enough in a head (docs/decisions.md, D88). Otherwise
/// (unequal blocks, handed to the SMs as they free up) the running blocks
/// may start anywhere in a head, its last block included:
/// ceil((slots - 1) / blocksPerHead) + 1. At most `heads`.
int64_t residentHeads(int64_t heads, int64_t blocksPerHead, int64_t slots,
                      bool inWaves);

/// The backward's DRAM traffic for `tiling` of `kind` with `slots` blocks
/// resident at once and `l2Bytes` of L2 (docs/CostModel.md, "The backward
/// pass"): each input read once and each output written once (dQ's f32
/// accumulator written by the preprocess, added to by the main kernel and
/// read back by the conversion), plus the streamed tiles' re-reads that L2
/// does not catch. The grid runs the blocks of one head fastest; a head's
/// blocks that run in one wave fetch the union of the tiles they stream
/// once (and add to dQ's once); when the tiles in flight of the heads live
/// at once exceed half the L2, or with a mask pattern, every pair's tiles
/// count.
BackwardDram backwardDramTraffic(KernelKind kind, const Tiling &tiling,
                                 const AttentionProblem &problem,
                                 int64_t slots, int64_t l2Bytes);

struct BackwardCost {
  Tiling tiling;
  /// Shared memory of one block: K_j and V_j, `stages` Q_i and dO_i tiles
  /// with their logsumexp and D_i rows, P and dS (mma-sync: padded rows,
  /// and only dS^T: P^T stays in registers).
  int64_t sramBytes = 0;
  /// dK_j and dV_j accumulators, the S/P and dP tiles, dQ_i's part, and a
  /// fixed overhead, per thread.
  int64_t registersPerThread = 0;
  int64_t blocksPerSM = 0;
  /// Thread blocks: batch x K/V heads x kv-blocks.
  int64_t numBlocks = 0;
  int64_t waves = 0;
  /// (q-block, kv-block) pairs computed over all query heads (causal ones
  /// skipped), and the most any thread block computes.
  int64_t pairs = 0;
  int64_t maxPairsPerBlock = 0;
  /// Of `pairs`, those that run the masked path (backwardMaskedPairs).
  int64_t maskedPairs = 0;
  /// The steps the busiest SM runs: a wave of equal blocks after another
  /// (dense), or, where the blocks' pair counts differ (causal, a window, a
  /// pattern), the larger of the SM's share of all pairs (the blocks are
  /// handed to SMs as they free up) and the longest block with the SM's
  /// other resident blocks.
  double smSteps = 0;
  /// HBM bytes without L2: K, V read and dK, dV written once; Q, dO, the
  /// logsumexp and D read once per kv-block that sees them; dQ's f32 adds
  /// (read and write) once per pair; the D and dQ conversion kernels' bytes.
  HBMTraffic hbm;
  /// The DRAM bytes of each kernel once L2 serves the re-reads of the
  /// blocks resident together (backwardDramTraffic); memory time's count.
  BackwardDram dram;
  /// The five products' FLOPs including the padding of partial tiles.
  double flops = 0;
  /// A step's fixed time beyond its products (tensor-core kernels): its
  /// barriers and the part of its loads' latency that neither a second
  /// stage nor the SM's other blocks hide.
  double stepOverheadSeconds = 0;
  double computeSeconds = 0;
  double memorySeconds = 0;
  /// With ordered dQ: each step's drain of its dQ adds before its turn
  /// passes and, not staggered, the chain of a wave's kv-blocks (added to
  /// the larger of compute and memory: nothing overlaps them).
  double orderingSeconds = 0;
  double predictedSeconds = 0;
  /// Why the candidate cannot run; empty when it fits. A rejected SIMT
  /// candidate has its shared memory, registers and blocks per SM only:
  /// its pairs, traffic and times are not computed (counting a mask
  /// pattern's pairs is the expensive part, and most of the SIMT model's
  /// shapes are rejected).
  std::string rejection;

  bool fits() const { return rejection.empty(); }
};

/// The backward's decision.
struct BackwardDecision {
  /// Every candidate, best first among those that fit, then the rejected
  /// ones in enumeration order.
  llvm::SmallVector<BackwardCost> candidates;
  int64_t best = -1;
  DqAccumulation dq = DqAccumulation::Atomic;
  /// Why the winner won, or why nothing fits.
  std::string reason;

  bool found() const { return best >= 0; }
  const BackwardCost &winner() const { return candidates[best]; }
};

/// The backward's cost model of one target and kernel kind: the tensor-core
/// kernels (MmaSync and Wgmma, built by convert-fa-to-nvgpu) or
/// the SIMT kernel of the tiled
/// form (Simt). `biasGrad`: the op asks for the bias gradient (the SIMT
/// kernel's nest 4).
class BackwardCostModel {
public:
  BackwardCostModel(TargetInfo target, KernelKind kind, bool biasGrad = false)
      : target(std::move(target)), kind(kind), biasGrad(biasGrad) {}

  /// The op asks for a schedule part the wide q-block does not build (dK
  /// in flight, the TMA-store epilogue: by option or a written schedule):
  /// select then rejects block_q 128 instead of picking a tiling the
  /// request would refuse (D108).
  void setNarrowQueryBlockRequired(llvm::StringRef why) {
    narrowQueryBlockReason = why.str();
  }

  /// Tensor-core kernels: block_q multiples of 16 up to 256 and block_kv 16
  /// rows per warp (wgmma: 4 warps a warpgroup, 1 or 2 stages of the
  /// streamed tiles; mma-sync: 2 to 16 warps and 1 or 2 stages, which evaluate
  /// narrows to the kernel's shapes: at most 8 warps, registers by
  /// kMmaSyncBackwardRegisters). SIMT: block_q and block_kv multiples of 16
  /// up to 256, 1 stage, 4 or 8 warps.
  llvm::SmallVector<Tiling> enumerateCandidates() const;
  /// Those, and for a wgmma problem of the column split
  /// (wgmmaBackwardShape) its shape's 1 and 2 stages.
  llvm::SmallVector<Tiling>
  enumerateCandidates(const AttentionProblem &problem) const;

  /// Scores one tiling for `dq`; `rejection` says why it does not fit.
  /// `gqa`: the split group (BackwardGqa::Split) prices a block per query
  /// head and the f32 dK, dV accumulators' zeroing, bulk adds and
  /// conversion.
  /// `launchChunk`: the grid's launch order (#fa.backward_schedule's
  /// `launch_chunk`), which hands the causal blocks to the SMs longest
  /// first within each chunk of (batch, head) pairs (dispatchSteps).
  BackwardCost evaluate(const Tiling &tiling, const AttentionProblem &problem,
                        DqAccumulation dq,
                        BlockMaskWalk walk = BlockMaskWalk::Dense,
                        BackwardGqa gqa = BackwardGqa::Loop,
                        int64_t launchChunk = 1) const;

  /// The feasible candidate of lowest predicted time (ties, for mma-sync,
  /// to the lower compute time; then to the lower DRAM traffic, the lower
  /// `hbm` (bytes through L2), then the
  /// smaller shared memory) for `dq` (decided, not Auto).
  BackwardDecision select(const AttentionProblem &problem, DqAccumulation dq,
                          BlockMaskWalk walk = BlockMaskWalk::Dense,
                          BackwardGqa gqa = BackwardGqa::Loop,
                          int64_t launchChunk = 1) const;
  /// The same for the dQ mode decideDqAccumulation gives with nothing
  /// forced.
  BackwardDecision select(const AttentionProblem &problem,
                          bool deterministic) const;

  KernelKind getKind() const { return kind; }

private:
  /// The larger of the DRAM bytes at the HBM rate and all the bytes the
  /// blocks load (`hbm`: L2's hits too) at L2's.
  double memorySeconds(const BackwardCost &cost) const;
  /// The target's L2 capacity (its architecture's), bytes.
  int64_t l2Bytes() const;
  /// evaluate's SIMT kernel.
  BackwardCost evaluateSimt(const Tiling &tiling,
                            const AttentionProblem &problem) const;

  TargetInfo target;
  KernelKind kind;
  bool biasGrad;
  /// Non-empty: why select may not pick block_q 128.
  std::string narrowQueryBlockReason;
};

/// The wgmma backward's row-split shape: two warpgroups (each 64 kv rows of
/// K_j, V_j, dK_j, dV_j: block_kv 128) and q-blocks of one m64
/// (docs/Backward.md, "On the GPU: the wgmma kernels").
constexpr int64_t kWgmmaBackwardWarps = 8;
constexpr int64_t kWgmmaBackwardBlockQ = 64;

/// The row split's wide q-block (docs/decisions.md D104): block_q 128 at D
/// = Dv = 64 on the TMA ring, each step's S^T and dP^T m64 n128 and dQ_i
/// split by q rows between the warpgroups (FlashAttention-3's hdim-64
/// backward takes block_m 128). Half the steps of block_q 64, each twice
/// the products, so the step's fixed costs (two block-wide barriers, the
/// mbarrier wait, the dQ reductions' issue) are paid half as often.
constexpr int64_t kWgmmaBackwardWideBlockQ = 128;

/// Whether the model may pick the wide q-block (the fa-select-tiling of
/// kernel=auto and kernel=wgmma): it passed its GPU check and its A/B
/// timing (`backward_simt.py --kernel wgmma --only _bq128`, 43 of 43 and
/// 1.10-1.22x block_q 64 on an H100), so the model prices it with the
/// other tilings (docs/decisions.md, D104 and D108).
constexpr bool kWideQueryBlockGpuChecked = true;

/// Whether the model may pick the wide q-block for ordered dQ (dq =
/// ordered, `deterministic`; docs/decisions.md D110): it passed its GPU
/// check, bitwise reruns included, and its A/B timing (`backward_simt.py
/// --kernel wgmma --only _detbq`: 50 of 50, 1.06-1.34x ordered block_q 64
/// on an H100), so the model prices it with the other tilings (D112).
constexpr bool kWideQueryBlockOrderedGpuChecked = true;

/// Why the wgmma backward does not build `tiling`'s wide q-block
/// (block_q = kWgmmaBackwardWideBlockQ) for `problem` with `inFlight`, or
/// nullopt (also for any other block_q): it is built at D =
/// Dv = 64 on the TMA ring (stages 2) with dq = atomic or ordered (a turn
/// per 128-row q-block, D110), dense or with a causal mask, an i1
/// keep-mask or a window; not with an additive bias, a runtime block mask,
/// a mask pattern, one buffer or dK in flight.
std::optional<std::string>
wideQueryBlockReason(const AttentionProblem &problem, const Tiling &tiling,
                     InFlightProducts inFlight = InFlightProducts::None);

/// How the wgmma backward's two warpgroups share a kv-block's f32 dK_j and
/// dV_j accumulators (docs/decisions.md D76).
enum class WgmmaBackwardSplit {
  /// Each warpgroup 64 kv rows, every column (block_kv 128): S^T, P^T and
  /// dS^T of its rows in registers, P^T and dS^T the register A of dV and
  /// dK. D + Dv f32 registers a thread for 128 rows of D + Dv columns.
  KvRows,
  /// Each warpgroup D / 2 columns of dK_j and Dv / 2 of dV_j for all
  /// block_kv = 64 rows (FlashAttention-3's hdim-256 shape): S^T and dP^T
  /// split by q columns, P^T and dS^T through shared memory as the A of
  /// dV and dK (both operands in shared memory). (D + Dv) / 4 registers a
  /// thread: D = 256 fits where the row split's 256 do not.
  Columns,
};

/// The wgmma backward's built shape for one pair of head dims: the split,
/// its tiling's fixed fields (stages, 1 or 2, the model picks), and how the
/// TMA ring (stages 2) adds dQ.
struct WgmmaBackwardShape {
  WgmmaBackwardSplit split;
  int64_t blockQ, blockKV, warps;
  /// The ring's dQ: bulk reductions from per-warp f32 tiles in shared
  /// memory (D63), or f32 atomics from registers as one buffer adds it
  /// (no tiles: D = 256, where the tiles' 68 KiB do not fit beside the
  /// ring's buffers; D76).
  bool ringBulkDq;
};

/// The shape the wgmma backward is built with at head dims (d, dv), or
/// nullopt where it is not built: the row split at D = Dv, a multiple of 16
/// from 64 to 128; the column split at D = Dv = 256 and D = 192, Dv = 128
/// (a table, kWgmmaBackwardColumnSplitDims; D76).
std::optional<WgmmaBackwardShape> wgmmaBackwardShape(int64_t d, int64_t dv);

/// Why the wgmma backward kernel cannot compute `problem` (beyond
/// checkLegality's wgmma rules: sm_90a, f16/bf16), or nullopt: it is built
/// at the head dims wgmmaBackwardShape lists, any mask (an i1 keep-mask or,
/// row split only, an additive bias, BackwardBias) or none, with or without
/// a window, and a block mask whose blocks its tiling (block_q 64, block_kv
/// 128; the column split 64) divides.
std::optional<std::string>
wgmmaBackwardProblemReason(const AttentionProblem &problem);

/// The wgmma backward's main kernel's shared memory (convert-fa-to-nvgpu's
/// WgmmaBackward.cpp builds it, the model prices it): 128-byte swizzled
/// tiles (64-column blocks, wgmmaPaddedColumns) K_j [block_kv, D], V_j
/// [block_kv, Dv], `stages` buffers of Q_i [block_q, D] and dO_i
/// [block_q, Dv], dS^T [block_kv, block_q] (block_q <= 64: one swizzle
/// row a kv row; the wide q-block's 128: two 64-column blocks) and
/// `stages` buffers of the q-block's logsumexp and D
/// rows (f32 [2, block_q]), each region at a swizzle-atom (1 KiB) aligned
/// offset from a base the kernel aligns at run time
/// (kWgmmaSwizzleAtomBytes of slack). With more than one stage, Q_i and
/// dO_i arrive by TMA, each buffer completing on an mbarrier (static
/// shared memory), and dQ_i leaves through per-warp f32 tiles.
struct WgmmaBackwardLayout {
  /// `listEntries`: the compacted walk's list (compactedWalkEntries; 0
  /// without it).
  /// `reduce`: DqReduce::Warpgroup stacks a warpgroup's dQ boxes
  /// (dQBoxRows 64) where the tiles are boxes.
  WgmmaBackwardLayout(const Tiling &tiling, int64_t headDim,
                      int64_t valueHeadDim, int64_t elementBytes,
                      int64_t listEntries = 0,
                      DqReduce reduce = DqReduce::Warp);
  /// The warpgroups' split (wgmmaBackwardShape; KvRows where none is
  /// built).
  WgmmaBackwardSplit split = WgmmaBackwardSplit::KvRows;
  /// Byte offsets from the aligned base; Q's, dO's and the rows' buffer `s`
  /// lie s * qBytes (dOBytes, rowsBytes) past q (dO, rows). The column
  /// split adds P^T [block_kv, block_q] at pT, after dS^T (0 otherwise).
  int64_t k = 0, v = 0, q = 0, dO = 0, dS = 0, pT = 0, rows = 0;
  int64_t qBytes = 0, dOBytes = 0, rowsBytes = 0;
  /// The dynamic shared memory the launch asks for, slack included.
  int64_t totalBytes = 0;
  /// The mbarriers' static shared memory, as ptxas allocates it (0 with
  /// one stage).
  int64_t barrierBytes = 0;
  /// The columns of dQ_i a warpgroup computes and a warp adds: D / 2 (the
  /// warpgroups split dQ_i's columns), or D with the wide q-block (they
  /// split its rows, 64 each; D104).
  int64_t dQColumns = 0;
  /// With more than one stage and bulk reductions
  /// (WgmmaBackwardShape::ringBulkDq): the warps' f32 dQ tiles (warps x 16
  /// rows of dQColumns) that dQ's reductions read, after the rows; 0
  /// otherwise (dQ by atomics). dQBoxColumns > 0: a warp's tile is
  /// dQColumns / dQBoxColumns swizzled boxes of 16 rows x dQBoxColumns
  /// (rows of dQPitch = 128 bytes), one TMA tensor reduction each (D79); 0:
  /// rows dQPitch bytes apart (padded), one bulk reduction each (D63). A
  /// warp's tile is dQWarpBytes.
  int64_t dQ = 0, dQPitch = 0, dQBoxColumns = 0, dQWarpBytes = 0;
  /// The rows of a tensor reduction's box (with dQBoxColumns): 16, a warp's
  /// own boxes (D79); or 64 (DqReduce::Warpgroup, D127): the warpgroup's
  /// tiles lie box by box, each box the four warps' 16-row boxes stacked
  /// (warp w % 4 at row 16 (w % 4); the 128-byte swizzle depends on row %
  /// 8, so a warp's store addresses keep their pattern), and one thread
  /// adds it. 0 without boxes.
  int64_t dQBoxRows = 0;
  /// The compacted walk (listEntries > 0): the live steps' i32 indices,
  /// then their count (one more i32), last; 0 otherwise.
  int64_t list = 0, listEntries = 0;
};

/// (q-block, kv-block) pairs a causal or dense backward computes for one
/// query head, and the most of them one kv-block has: kv-block j sees the
/// q-blocks whose last row sees its first key (j * block_kv <= i + Nk - Nq).
/// Exact, in O(log) time (a floor sum), for any sequence lengths; with a
/// window, a sum over the kv-blocks of backwardQueryBlockRange; with a mask
/// pattern, BlockClassifier's lists by kv-block.
std::pair<int64_t, int64_t> backwardPairs(const Tiling &tiling,
                                          const AttentionProblem &problem);

/// The pairs of backwardPairs (one query head) that run the tensor-core
/// kernels' masked path, the mask's tests on every score (where
/// convert-fa-to-nvgpu's pairInterior is false): with a mask operand every
/// pair; else a pair with rows or keys past the sequences' ends, one that
/// crosses the causal diagonal (or a window's right edge) or a window's
/// left edge, a mask pattern's partial pairs. A loop over the kv-blocks.
int64_t backwardMaskedPairs(const Tiling &tiling,
                            const AttentionProblem &problem);

/// The q-blocks [first, end) kv-block `kvBlock` visits, as the tiled form's
/// nest 2 and the mma.sync backward bound them: from the block of the first
/// row that sees its first key (right extent: 0 with causal, a window's),
/// to the block of the last row whose window reaches its last key (with a
/// window's left extent; else every q-block).
std::pair<int64_t, int64_t>
backwardQueryBlockRange(int64_t kvBlock, const Tiling &tiling,
                        const AttentionProblem &problem);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_BACKWARDCOSTMODEL_H
