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
#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// How dQ, summed over the kv-blocks, is accumulated.
enum class DqAccumulation {
  /// f32 atomic adds into a dQ accumulator in global memory, in whatever
  /// order the kv-blocks reach them, then a kernel that converts it to the
  /// element type. The sum's rounding depends on that order.
  Atomic,
  /// The same adds in kv-block order: the block of kv-block j adds its part
  /// of a q-block's dQ once the block of j - 1 has (a per-q-block counter
  /// in global memory), so the result is bit-identical run to run.
  Ordered,
};

/// `atomic` or `ordered`.
llvm::StringRef stringifyDqAccumulation(DqAccumulation value);

/// Everything the backward model computed for one candidate tiling
/// (block_q: rows of a streamed q-block; block_kv: rows of the resident
/// kv-block, the thread block's own).
struct BackwardCost {
  Tiling tiling;
  /// Shared memory of one block: K_j and V_j, `stages` Q_i and dO_i tiles
  /// with their logsumexp and D_i rows, P and dS (mma-sync: padded rows).
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
  /// HBM bytes: K, V read and dK, dV written once; Q, dO, the logsumexp and
  /// D read once per kv-block that sees them; dQ's f32 adds (read and
  /// write) once per pair; the D and dQ conversion kernels' bytes.
  HBMTraffic hbm;
  /// The five products' FLOPs including the padding of partial tiles.
  double flops = 0;
  double computeSeconds = 0;
  double memorySeconds = 0;
  /// With ordered dQ: the wait along the longest chain of ordered adds.
  double orderingSeconds = 0;
  double predictedSeconds = 0;
  /// Why the candidate cannot run; empty when it fits.
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

/// The backward's cost model of one target and tensor-core kernel kind
/// (MmaSync or Wgmma).
class BackwardCostModel {
public:
  BackwardCostModel(TargetInfo target, KernelKind kind)
      : target(std::move(target)), kind(kind) {}

  /// block_q and block_kv multiples of 16 up to 256, 1 or 2 stages of the
  /// streamed tiles, and 2 to 16 warps (wgmma: block_kv 64 rows per
  /// warpgroup; mma-sync: the warps split dK's m16n8 fragments, which
  /// evaluate checks against the head dimension).
  llvm::SmallVector<Tiling> enumerateCandidates() const;

  /// Scores one tiling for `dq`; `rejection` says why it does not fit.
  BackwardCost evaluate(const Tiling &tiling, const AttentionProblem &problem,
                        DqAccumulation dq) const;

  /// The feasible candidate of lowest predicted time (ties to the lower HBM
  /// traffic, then the smaller shared memory); `deterministic` asks for
  /// ordered dQ adds.
  BackwardDecision select(const AttentionProblem &problem,
                          bool deterministic) const;

private:
  TargetInfo target;
  KernelKind kind;
};

/// (q-block, kv-block) pairs a causal or dense backward computes for one
/// query head, and the most of them one kv-block has: kv-block j sees the
/// q-blocks whose last row sees its first key (j * block_kv <= i + Nk - Nq).
/// Exact, in O(log) time (a floor sum), for any sequence lengths.
std::pair<int64_t, int64_t> backwardPairs(const Tiling &tiling,
                                          const AttentionProblem &problem);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_BACKWARDCOSTMODEL_H
