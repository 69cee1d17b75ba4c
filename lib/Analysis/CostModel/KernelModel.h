//===- KernelModel.h - The cost model's parts -------------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Internal to FlashAttnAnalysis: the parts CostModel::evaluate is made of.
//  - ArchTraits.cpp: the per-architecture facts the target table lacks.
//  - Traffic.cpp: HBM traffic (Theorem 2) and the K/V re-reads L2 serves.
//  - Occupancy.cpp: registers of a block and resident blocks per SM.
//  - Step.cpp: the step time shared by the kernels, the SM's time.
//  - SimtModel.cpp, MmaSyncModel.cpp, WgmmaModel.cpp, TensorCoreModel.cpp:
//    one KernelModel per kernel kind, its registers and step time with the
//    constants fitted to it.
// docs/CostModel.md derives the formulas.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_ANALYSIS_COSTMODEL_KERNELMODEL_H
#define FLASHATTN_LIB_ANALYSIS_COSTMODEL_KERNELMODEL_H

#include "FlashAttn/Analysis/CostModel.h"

#include <cstdint>

namespace mlir {
namespace fa {
namespace detail {

//===----------------------------------------------------------------------===//
// Constants shared by several kernels (docs/CostModel.md, "Assumptions")
//===----------------------------------------------------------------------===//

/// Per kv-step latency that no other work hides: the barrier or mbarrier
/// wait that hands a K/V stage over, and the quad-shuffle row reductions.
inline constexpr double kStepOverheadClocks = 200;
/// A step with one stage waits for its own K/V tiles (L2 latency): the
/// tensor-core kernels issue block j + 1's loads into the one slot only
/// once block j is done with it (docs/decisions.md, D37).
inline constexpr double kLoadLatencyClocks = 1000;
/// mma-sync and wgmma: per thread block, the DRAM latency of its first loads
/// and the store of O that no other work of the block hides (fitted to the
/// mma-sync small-N tiling sweep; docs/decisions.md, D08).
inline constexpr double kBlockFixedClocks = 3000;
/// FP32-lane operations per score besides the exponential: scale and
/// subtract the max, row max, row sum, convert to 16 bits.
inline constexpr double kSoftmaxLaneOpsPerScore = 4;
/// FP32-lane slots per score that a masked kv-block adds to its softmax
/// (convert-fa-to-nvgpu's maskScores): the compare of the key with the
/// row's limit and the select of -inf, with the index arithmetic about 2.5
/// integer instructions per score in the masked loop's PTX (612 against the
/// unmasked loop's 453 for 64 scores), which issue at half the FP32 rate.
/// Counted from the kernel, not fitted (docs/CostModel.md, "Masked steps
/// and one stage").
inline constexpr double kMaskLaneOpsPerScore = 5;

//===----------------------------------------------------------------------===//
// Architecture traits
//===----------------------------------------------------------------------===//

/// Per-SM facts of an architecture family that the target table does not
/// carry (CUDA C++ Programming Guide, compute capability tables; the tensor
/// rate is that of the data-center part, dense f16 with f32 accumulation).
struct ArchTraits {
  /// The family's lowest compute capability: a target takes the first row
  /// of the table (ArchTraits.cpp) at or below its own.
  int64_t minComputeCapability;
  /// Dense f16 tensor-core FLOPs per clock per SM, f32 accumulation.
  double tensorFlopsPerClock;
  /// FP32 lanes per SM.
  double fp32Lanes;
  /// Special-function units per SM (the ex2 throughput).
  double sfuPerSM;
  /// Shared-memory bandwidth per SM, bytes per clock.
  double smemBytesPerClock;
  /// Resident threads and thread blocks per SM.
  int64_t maxThreadsPerSM;
  int64_t maxBlocksPerSM;
  /// Shared memory the driver reserves per resident block.
  int64_t reservedSramPerBlock;
  /// L2 capacity of the family's smallest listed part, MiB.
  int64_t l2MiB;
};

/// How many blocks of streamed tiles the thread blocks of one wave may
/// drift apart while they share them through L2 (the forward's K/V, the
/// backward's Q/dO and dQ, docs/CostModel.md).
constexpr int64_t kL2WindowBlocks = 16;

/// The traits of compute capability `computeCapability` (`sm_90a` -> 90).
const ArchTraits &getArchTraits(int64_t computeCapability);

/// Per-SM rates of a target, all derived from the table's tensor peak: the
/// clock is the peak over the architecture's tensor FLOPs per clock per SM.
struct SMRates {
  /// Tensor-core FLOP/s.
  double tensorFlops;
  /// Clocks per second.
  double clock;
  /// FP32-lane operations per second.
  double laneOps;
  /// Shared-memory bytes per second.
  double smemBytes;
};

SMRates getSMRates(const TargetInfo &target, const ArchTraits &arch);

//===----------------------------------------------------------------------===//
// Traffic
//===----------------------------------------------------------------------===//

/// Sums over the q-blocks of one (batch, query head): the kv rows they load
/// (a partial last block loads only its rows) and the tiles they compute.
struct BlockCounts {
  int64_t kvRows = 0;
  int64_t tiles = 0;
  /// Score elements of the computed tiles that the mask operand covers.
  int64_t maskElements = 0;
  /// Tiles that convert-fa-to-nvgpu's kernels compute in their masked loop:
  /// the blocks crossing a row's causal diagonal or the end of the keys,
  /// or every block when a mask operand applies.
  int64_t maskedTiles = 0;
};

BlockCounts countBlocks(const Tiling &tiling, const AttentionProblem &problem);

/// Estimated DRAM bytes: `hbm` (Theorem 2) less the K/V re-reads that L2
/// serves when `l2Reuse`, for `slots` resident blocks on the GPU.
int64_t dramBytes(const Tiling &tiling, const AttentionProblem &problem,
                  const HBMTraffic &hbm, const BlockCounts &counts,
                  int64_t slots, const ArchTraits &arch, bool l2Reuse);

//===----------------------------------------------------------------------===//
// Occupancy
//===----------------------------------------------------------------------===//

/// The f32 accumulator elements each thread of a tensor-core kernel holds:
/// its share of the O tile [block_q, dv] and of the S tile
/// [block_q, block_kv].
struct Accumulators {
  int64_t o;
  int64_t s;
};

Accumulators getAccumulators(const Tiling &tiling,
                             const AttentionProblem &problem);

/// The registers per thread a tiling may use.
struct RegisterBudget {
  /// An estimate above this is rejected.
  int64_t limit;
  /// ptxas allocates at most this many (it spills, or squeezes, the rest).
  int64_t cap;
};

/// Registers of one thread block: the estimate `registersPerThread` capped
/// by `budget`, in the allocation granularity of 8, times the threads.
int64_t registersPerBlock(const Tiling &tiling, int64_t registersPerThread,
                          const RegisterBudget &budget);

/// The thread block's registers: `registers` a thread within
/// `budget.limit`, and the block's allocation (registersPerBlock) within the
/// SM's register file. checkLegality's check, and the compacted walk's in
/// CostModel::evaluate (with the walk's budget).
Legality checkRegisters(const Tiling &tiling, int64_t registers,
                        const RegisterBudget &budget,
                        const TargetInfo &target);

/// Resident thread blocks per SM from registers, threads and the hardware's
/// block limit, shared memory aside; at least 1.
int64_t registerResidentBlocks(const Tiling &tiling, int64_t registersPerBlock,
                               const TargetInfo &target,
                               const ArchTraits &arch);

/// Resident thread blocks per SM from shared memory, registers, threads and
/// the hardware's block limit; at least 1 (the per-block budget is
/// authoritative, so a block that fits it always gets one slot).
int64_t residentBlocks(const Tiling &tiling, int64_t sramBytes,
                       int64_t registersPerBlock, const TargetInfo &target,
                       const ArchTraits &arch);

//===----------------------------------------------------------------------===//
// Step time
//===----------------------------------------------------------------------===//

/// What a kernel's step model reads: the candidate, its target, and what
/// evaluate computed so far (`cost`: registers, resident blocks, blocks).
struct StepInputs {
  const Tiling &tiling;
  const AttentionProblem &problem;
  const TargetInfo &target;
  const ArchTraits &arch;
  SMRates rates;
  /// Whether the tensor-core products are wgmma (CostModel::
  /// usesWarpgroupMma): a warpgroup, not a warp, reads a shared tile.
  bool warpgroupMma;
  const CandidateCost &cost;
};

/// FLOPs of the two products of one (block_q x block_kv) tile.
double tileFlops(const Tiling &tiling, const AttentionProblem &problem);

/// One kv step's work for a block with the SM to itself, each part on its
/// own pipe.
struct StepWork {
  /// Score elements of the step.
  double scores;
  /// The two products on the tensor cores.
  double tensorSeconds;
  /// The softmax on the scores (with `maskLaneOps` more operations per
  /// score) and O's rescale by exp(m_old - m_new), on the FP32 lanes.
  double softmaxSeconds;
  /// The step's K/V tiles in 16-byte chunks (one cp.async each).
  double kvChunks;
  /// Shared-memory traffic: every warp (mma.sync) or warpgroup (wgmma)
  /// reads the whole K and V tiles, Q is read once per step, and the step's
  /// K/V tiles are written in.
  double sharedSeconds;
};

StepWork getStepWork(const StepInputs &in, double maskLaneOps);

/// The step of the tensor-core kernels before their own terms: wgmma is
/// asynchronous, so the softmax of one warpgroup overlaps the MMAs of the
/// other (FlashAttention-3's ping-pong); mma.sync issues from the same
/// warps that do the softmax, so those add up.
double overlappedStepSeconds(const StepWork &work, bool warpgroupMma);

/// One kernel kind's part of the model.
class KernelModel {
public:
  virtual ~KernelModel();

  /// Registers per thread (fa::registersPerThread).
  virtual int64_t registersPerThread(const Tiling &tiling,
                                     const AttentionProblem &problem) const = 0;
  /// The registers a tiling may use on `target` (`compactedWalk`: walking a
  /// block mask's list): by default up to the per-thread maximum.
  virtual RegisterBudget registerBudget(const Tiling &tiling,
                                        const AttentionProblem &problem,
                                        const TargetInfo &target,
                                        bool compactedWalk) const;
  /// Seconds of one kv step of one thread block with the SM to itself, with
  /// `maskLaneOps` more lane operations per score (a masked kv-block).
  virtual double stepSeconds(const StepInputs &in,
                             double maskLaneOps) const = 0;
  /// Whether masked kv-blocks run a masked step that costs more
  /// (convert-fa-to-nvgpu's kernels).
  virtual bool hasMaskedSteps() const { return false; }
  /// Resident warps an SM needs to issue at its full rate.
  virtual double issueWarps() const { return 4.0; }
  /// Seconds per thread block that no other work of the block hides.
  virtual double blockFixedSeconds(const StepInputs &in) const { return 0.0; }
  /// How much faster than the best candidate within the per-thread
  /// register limit a candidate over it must be predicted to win; 0 when
  /// the limit does not demote.
  virtual double spillMargin() const { return 0.0; }
};

/// The model of `kind` (not Auto).
const KernelModel &getKernelModel(KernelKind kind);

/// The kernels' models (SimtModel.cpp, MmaSyncModel.cpp, WgmmaModel.cpp,
/// TensorCoreModel.cpp).
const KernelModel &getSimtModel();
const KernelModel &getMmaSyncModel();
const KernelModel &getWgmmaModel();
const KernelModel &getTensorCoreModel();

/// Seconds one SM spends on all thread blocks' steps (the SM-time of the
/// grid, before spreading over SMs and waves): unmasked and masked steps,
/// slowed when too few warps are resident to issue, plus each block's fixed
/// time shared by its resident neighbours.
double smSeconds(const KernelModel &kernel, const StepInputs &in,
                 const BlockCounts &counts);

} // namespace detail
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_ANALYSIS_COSTMODEL_KERNELMODEL_H
