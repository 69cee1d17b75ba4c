//===- CostModel.h - IO cost model for attention tiling ---------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Chooses the block sizes of a FlashAttention kernel from the GPU's resources.
// Plain C++ (no MLIR dependency beyond llvm/ADT): the passes call it, and the
// unit tests check its arithmetic. docs/CostModel.md derives every formula.
//
// The kernels it models are described with KernelKind (AttentionProblem.h).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_COSTMODEL_H
#define FLASHATTN_ANALYSIS_COSTMODEL_H

#include "FlashAttn/Analysis/AttentionProblem.h"
#include "FlashAttn/Analysis/Legality.h"
#include "FlashAttn/Analysis/SharedLayout.h"
#include "FlashAttn/Analysis/TargetInfo.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace mlir {
namespace fa {

/// How fa-select-tiling chooses a tiling: the cost model, or the
/// FlashAttention paper's Algorithm 1.
enum class SelectionMode { Model, Paper };

/// Registers per thread.
///  - Simt: a constant (the accumulators live in shared memory; each thread
///    holds one scalar iteration's operands and addresses).
///  - TensorCore: the f32 O accumulator, the f32 S tile (P is converted in
///    place) and a fixed overhead for addresses, loop counters and the
///    running max and sum of each row the thread owns.
int64_t registersPerThread(const Tiling &tiling,
                           const AttentionProblem &problem, KernelKind kind);

/// Number of kv-blocks that q-block `qBlock` computes: all of them without a
/// causal mask; with one, those whose first key is visible to the q-block's
/// last row (j <= i + Nk - Nq); with a window, those from the block of its
/// first row's first key (firstKVBlock) to that of its last row's last.
int64_t visibleKVBlocks(int64_t qBlock, const Tiling &tiling,
                        const AttentionProblem &problem);
/// The first kv-block q-block `qBlock` computes: 0, or with a window the
/// block of key max(0, qBlock * block_q + Nk - Nq - left).
int64_t firstKVBlock(int64_t qBlock, const Tiling &tiling,
                     const AttentionProblem &problem);
/// The (q-block, kv-block) pairs the kernels compute over all pairs of the
/// tiling, in (0, 1]: what `explain` reports as the density (causal and
/// windowed attention skip the blocks no row sees).
double computedBlockDensity(const Tiling &tiling,
                            const AttentionProblem &problem);

/// HBM traffic of the whole attention, FlashAttention Theorem 2 accounting:
/// Q read and O written once; K and V read once per q-block (only the kv
/// rows of computed blocks); each query head re-reads its K/V head.
struct HBMTraffic {
  int64_t readBytes = 0;
  int64_t writeBytes = 0;
  int64_t total() const { return readBytes + writeBytes; }
};
HBMTraffic hbmTraffic(const Tiling &tiling, const AttentionProblem &problem);

/// Everything the model computed for one candidate.
struct CandidateCost {
  Tiling tiling;
  HBMTraffic hbm;
  int64_t sramBytes = 0;
  int64_t registersPerThread = 0;
  /// Resident thread blocks per SM (as if it fit, when it does not).
  int64_t blocksPerSM = 0;
  /// The resident blocks the registers, threads and the block limit allow,
  /// shared memory aside: what ptxas, which does not see a kernel's dynamic
  /// shared memory, fits a kernel's registers to without a hint (D118).
  int64_t registerBlocksPerSM = 0;
  int64_t numBlocks = 0;
  int64_t waves = 0;
  /// FLOPs of the two tile products including the padding of partial tiles.
  double flops = 0;
  /// Estimated DRAM traffic: `hbm` less the K/V re-reads served by L2.
  int64_t dramBytes = 0;
  /// dramBytes over the HBM bandwidth.
  double memorySeconds = 0;
  double computeSeconds = 0;
  double predictedSeconds = 0;
  /// checkLegality's verdict: why the candidate cannot run (the reason and
  /// the words), or Legal.
  Legality legality;

  bool fits() const { return legality.isLegal(); }
};

/// Whether `wgmma-release=auto` builds the producer kernel for a wgmma
/// tiling the model evaluated as `cost`: two or three consumer warpgroups
/// that run one block per SM anyway, whose registers fit the consumers'
/// share of the block's pool (three warpgroups get 160 on the H100; a
/// tiling estimated above it spills there: docs/CostModel.md). Two
/// warpgroups get 240, which ptxas squeezes an estimate a little over into
/// unless the O accumulator is past the register fit's range (d = 256: D47);
/// there the kernel is still built a few registers over, spilling
/// (wgmmaProducerSpills), where that was measured faster than every
/// spill-free kernel (D116).
bool buildsWgmmaProducer(const Tiling &tiling, const CandidateCost &cost,
                         const AttentionProblem &problem,
                         const TargetInfo &target);

/// Whether the producer kernel buildsWgmmaProducer builds for the tiling is
/// expected to spill: its estimate is over what the consumers' registers
/// hold without spills (D116). The register truth test holds ptxas to it.
bool wgmmaProducerSpills(const Tiling &tiling, const CandidateCost &cost,
                         const AttentionProblem &problem,
                         const TargetInfo &target);

/// Whether an evaluated tiling's register estimate is over the target's
/// registers per thread, where ptxas spills: such an mma-sync tiling wins
/// only by a clear margin, its block waits longer at the step barrier, and
/// `mma-masked-steps=auto` builds its step once (docs/CostModel.md).
bool overRegisterLimit(const CandidateCost &cost, const TargetInfo &target);

/// The thread blocks of a kernel an SM runs at once, registers aside: by
/// its shared memory (`sramBytes` a block and the driver's reserve), its
/// threads and its block slots (each at least 1). A schedule's `min_blocks`
/// (D118), the residency ptxas fits the registers to, may ask for at most
/// `blocks` (D121).
struct ResidentBlockLimit {
  /// The least of the three below.
  int64_t blocks = 1;
  int64_t bySharedMemory = 1;
  int64_t byThreads = 1;
  int64_t slots = 1;
  /// What they come from: the shared memory the driver reserves a block,
  /// the SM's threads and a block's.
  int64_t reservedBytes = 0;
  int64_t smThreads = 0;
  int64_t blockThreads = 0;
};
ResidentBlockLimit residentBlockLimit(const Tiling &tiling, int64_t sramBytes,
                                      const TargetInfo &target);

/// The result of a selection.
struct TilingDecision {
  /// Every candidate evaluated, best first among those that fit, then the
  /// rejected ones in enumeration order.
  llvm::SmallVector<CandidateCost> candidates;
  /// Index of the winner in `candidates`, or -1 when nothing fits.
  int64_t best = -1;
  /// Why the winner won (against the runner-up), or why nothing fits.
  std::string reason;

  bool found() const { return best >= 0; }
  const CandidateCost &winner() const { return candidates[best]; }
};

/// Knobs of the model.
struct CostModelOptions {
  /// The kernel to predict. The C++ default is the tensor-core kernel, the
  /// one the block-size analysis of docs/CostModel.md is about; the passes
  /// (fa-select-tiling, fa-check-sram-budget) default to Simt, the kernel
  /// that convert-fa-to-gpu emits today.
  KernelKind kernel = KernelKind::TensorCore;
  /// Credit L2 with the K/V re-reads of blocks in the same wave (memory time
  /// from `dramBytes`); when false, memory time is Theorem 2's `hbm` count.
  bool l2Reuse = true;
  /// Price the forward's compacted walk under a runtime block mask (mma-sync,
  /// wgmma;
  /// docs/BlockSparse.md, "The forward's compacted walk"): its list in the
  /// block's shared memory and its scan at the block's start.
  bool compactedWalk = false;
};

/// Clocks of one round of the compacted walk's scan (32 mask entries read by
/// one warp, a ballot, the list's stores): about the latency of the entries'
/// read from L2 (D94's estimate, 0.4 us; not yet measured).
constexpr double kWalkScanRoundClocks = 700;

/// Seconds of the compacted walk's scan at the start of one block of
/// `tiling` at `clockHz`: ceil(ceil(Nk / block_kv) / 32) dependent rounds.
double walkScanSeconds(const Tiling &tiling, const AttentionProblem &problem,
                       double clockHz);

/// The cost model of one target.
class CostModel {
public:
  explicit CostModel(TargetInfo target, CostModelOptions options = {})
      : target(std::move(target)), options(options) {}

  const TargetInfo &getTarget() const { return target; }
  KernelKind getKernelKind() const { return options.kernel; }

  /// Whether the target runs the wgmma (warpgroup) kernel: the tensor-core
  /// kernel on sm_90 and later.
  bool usesWarpgroupMma() const;

  /// The candidate tilings the model enumerates: block sizes multiples of
  /// 16. TensorCore: 1 to 4 stages, and the warp counts whose rows per warp
  /// (mma.sync: a multiple of 16) or per warpgroup (wgmma: a multiple of 64)
  /// divide block_q. Simt: 1 stage, 4 or 8 warps.
  llvm::SmallVector<Tiling> enumerateCandidates() const;

  /// The smallest tiling enumerated, named when nothing fits.
  Tiling smallestCandidate() const;

  /// Whether a block of `problem` holds the compacted walk's list: the
  /// option, a runtime block mask and a tensor-core kernel.
  bool walksList(const AttentionProblem &problem) const;

  /// Scores one tiling; its `legality` says why it does not fit, if it does
  /// not.
  CandidateCost evaluate(const Tiling &tiling,
                         const AttentionProblem &problem) const;

  /// Model mode: the feasible candidate of lowest predicted time, ties to the
  /// lower HBM traffic, then the smaller shared memory.
  TilingDecision select(const AttentionProblem &problem) const;

  /// Paper mode: Algorithm 1 of the FlashAttention paper, with M the shared
  /// memory per block in elements: Bc = ceil(M / 4d), Br = min(Bc, d), one
  /// stage, 4 warps. Rejected only when its tiles exceed the shared memory
  /// (of the kernel kind's formula).
  TilingDecision selectPaper(const AttentionProblem &problem) const;

private:
  TargetInfo target;
  CostModelOptions options;
};

/// Algorithm 1's block sizes for `sramElements` elements of on-chip memory
/// and head dimension `headDim`: {Br, Bc}.
std::pair<int64_t, int64_t> paperBlockSizes(int64_t sramElements,
                                            int64_t headDim);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_COSTMODEL_H
