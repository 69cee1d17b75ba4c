//===- MmaSyncModel.cpp - The mma.sync kernel's registers and step --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// convert-fa-to-nvgpu's mma.sync kernel: its register fit, its spill
// tolerance and its step, fitted to ptxas and to the H100 runs
// (docs/CostModel.md, "mma-sync registers: fitted to ptxas", "mma-sync
// copies and barriers", "Spilling blocks wait longer at the barrier").
//
//===----------------------------------------------------------------------===//

#include "KernelModel.h"

#include "FlashAttn/Analysis/SharedLayout.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::detail;

/// The register fit (registersPerThread): registers a thread per f32
/// register of the O and S accumulators, per ldmatrix address register, per
/// scattered K/V copy chunk, and a fixed part. Fitted to ptxas's allocation
/// of every mma-sync tiling by bench/experiments/register_fit.py
/// (docs/decisions.md, D58).
struct MmaSyncRegisterFit {
  double perO, perS, perAddress, perScatteredChunk, base;
};
static constexpr MmaSyncRegisterFit kMmaSyncRegisters = {1.0, 1.5, 0.5, 3.5, 7};
/// Registers of the per-thread limit that the forward's compacted walk
/// keeps for itself (its list's index, count and entry in the loop, the
/// copies' addresses from the entry), fitted to ptxas on 102 of the walk's
/// kernels on sm_80 (D113): below ptxas's cap it takes 0-4 registers more
/// than the dense walk, but the tilings the dense walk assembles at the cap
/// (the fit about 20 below 255) spill with it.
static constexpr int64_t kMmaSyncWalkHeadroom = 22;
/// How far the estimate may exceed the per-thread limit: ptxas fits such
/// estimates with small spills (docs/decisions.md, D07; with D58's estimate,
/// a median of 4-40 bytes up to 20 over, 44-108 bytes from 20 to 40 over).
static constexpr int64_t kMmaSyncSpillTolerance = 20;
/// ... but such a candidate must be predicted this much faster than the best
/// one within the limit, since spills can cost more than the model sees
/// (D07).
static constexpr double kMmaSyncSpillMargin = 0.05;
/// The step's block barrier waits for the slowest of the block's warps, so
/// its latency grows with them: kStepOverheadClocks is the 4-warp block's
/// (D39).
static constexpr double kMmaSyncBarrierWarps = 4;
/// The barrier of a block whose threads spill (register estimate over the
/// per-thread limit) waits this much longer: the warps reach it at
/// different times behind their local-memory loads (D46).
static constexpr double kMmaSyncSpillBarrier = 1.7;
/// Lane slots per 16-byte chunk of the K/V tiles a step copies with
/// cp.async, which every thread issues its share of: about 5 instructions a
/// chunk (the copy and its address arithmetic), integer ones at half rate,
/// counted from the kernel's PTX (D39).
static constexpr double kMmaSyncLaneOpsPerCopy = 10;

/// The registers that hold the shared-memory addresses of a step's
/// ldmatrix operands, which LLVM hoists out of the kv loop (one 64-bit
/// address per 16 columns): Q's, D / 16 for each m16 tile of the warp's
/// rows; K's, block_kv / 16; V's, Dv / 16.
static double ldmatrixAddressRegisters(const Tiling &t,
                                       const AttentionProblem &p) {
  int64_t mTiles = t.blockQ / t.warps / 16;
  return double(mTiles * p.headDim + t.blockKV + p.valueHeadDim) / 8;
}

/// The 16-byte chunks of one K/V stage a thread copies whose tile column
/// differs from chunk to chunk: cp.async chunk `tid + i * threads` of a
/// tile row of `dim / 8` chunks (LoadPipeline.cpp's AsyncTileCopy) lands in
/// the same column for every `i` only where the threads are a multiple of
/// the row's chunks (D = 64, 128, 256 on any block); otherwise each chunk
/// keeps its own row and column address registers for the whole loop (D =
/// 80, 96, 192, ...).
static int64_t scatteredCopyChunks(const Tiling &t, const AttentionProblem &p) {
  int64_t threads = 32 * t.warps;
  int64_t chunkElements = kSharedChunkBytes / p.elementBytes;
  int64_t chunks = 0;
  for (int64_t dim : {p.headDim, p.valueHeadDim}) {
    int64_t perRow = dim / chunkElements;
    if (perRow > 0 && threads % perRow != 0)
      chunks += llvm::divideCeil(t.blockKV * perRow, threads);
  }
  return chunks;
}

namespace {
class MmaSyncModel final : public KernelModel {
public:
  /// Fitted to what ptxas allocates for convert-fa-to-nvgpu's kernel
  /// (D03, refitted in D58): the O accumulator, the f32 S tile with its
  /// bf16/f16 copy P, the ldmatrix operands' addresses, the address
  /// registers of the K/V copies whose chunks are scattered over the tile's
  /// columns, and a fixed part.
  int64_t registersPerThread(const Tiling &t,
                             const AttentionProblem &p) const override {
    Accumulators acc = getAccumulators(t, p);
    const MmaSyncRegisterFit &fit = kMmaSyncRegisters;
    return int64_t(std::ceil(fit.perO * acc.o + fit.perS * acc.s +
                             fit.perAddress * ldmatrixAddressRegisters(t, p) +
                             fit.perScatteredChunk * scatteredCopyChunks(t, p) +
                             fit.base));
  }

  /// An estimate a little over the limit is what ptxas squeezes into
  /// maxRegsPerThread with a few spills (the fit is linear; near the limit
  /// ptxas reuses S's registers for P slice by slice). The compacted walk
  /// gets no such tolerance and keeps kMmaSyncWalkHeadroom of the limit:
  /// ptxas spills its kernels from there (D113).
  RegisterBudget registerBudget(const Tiling &, const AttentionProblem &,
                                const TargetInfo &target,
                                bool compactedWalk) const override {
    return {compactedWalk ? target.maxRegsPerThread - kMmaSyncWalkHeadroom
                          : target.maxRegsPerThread + kMmaSyncSpillTolerance,
            target.maxRegsPerThread};
  }

  /// The overlapped step, the cp.async copies every thread issues, and the
  /// barrier's latency: it joins all the block's warps, waits longer where
  /// they spill, and with one stage also waits for the step's K/V tiles. A
  /// second resident block issues during it (D08).
  double stepSeconds(const StepInputs &in, double maskLaneOps) const override {
    const Tiling &t = in.tiling;
    StepWork work = getStepWork(in, maskLaneOps);
    double seconds = overlappedStepSeconds(work, /*warpgroupMma=*/false);
    seconds += kMmaSyncLaneOpsPerCopy * work.kvChunks / in.rates.laneOps;
    double latency = kStepOverheadClocks;
    latency *= t.warps / kMmaSyncBarrierWarps;
    if (overRegisterLimit(in.cost, in.target))
      latency *= kMmaSyncSpillBarrier;
    if (t.stages == 1)
      latency += kLoadLatencyClocks;
    return seconds + latency / in.rates.clock / double(in.cost.blocksPerSM);
  }

  bool hasMaskedSteps() const override { return true; }

  /// Each thread block starts by waiting for its Q tile and first K/V stage
  /// from DRAM and ends by storing O; a second resident block computes
  /// meanwhile, a lone one leaves the SM idle (D08).
  double blockFixedSeconds(const StepInputs &in) const override {
    return kBlockFixedClocks / in.rates.clock;
  }

  double spillMargin() const override { return kMmaSyncSpillMargin; }
};
} // namespace

const KernelModel &detail::getMmaSyncModel() {
  static const MmaSyncModel model;
  return model;
}
