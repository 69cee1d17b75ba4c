//===- CostModel.cpp - IO cost model for attention tiling -----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// docs/CostModel.md derives the formulas; the comments here say which term
// each piece of code computes.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/CostModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

using namespace mlir;
using namespace mlir::fa;

//===----------------------------------------------------------------------===//
// Constants of the model (docs/CostModel.md, "Assumptions")
//===----------------------------------------------------------------------===//

/// Every shared-memory buffer starts on a 128-byte boundary (swizzled
/// ldmatrix/TMA layouts need it).
static constexpr int64_t kSramAlignment = 128;
/// Registers per thread besides the O and S tiles: addresses, loop counters,
/// softmax scale (the running max and sum are added per owned row).
static constexpr int64_t kRegisterOverhead = 24;
/// The fixed part of the mma-sync kernel's register fit (registersPerThread).
static constexpr int64_t kMmaSyncRegisterBase = 23;
/// The wgmma kernel's register fit (registersPerThread): what ptxas
/// allocated for 24 tilings of the H100 sweep, within 16 registers below
/// 200 (docs/CostModel.md, "The wgmma kernel: fitted to the H100").
static constexpr int64_t kWgmmaRegisterBase = -20;
/// wgmma: how far over the block's share of the register file an estimate
/// may be and still fit without spills (ptxas allocates less when less is
/// available; measured 24 at 192x96, d = 128).
static constexpr int64_t kWgmmaRegisterSqueeze = 24;
/// wgmma: the latency of one kv step that no resource is busy for (the
/// wgmma waits, the barriers, the quad shuffles), fitted to the H100 sweep
/// of one resident block (docs/CostModel.md).
static constexpr double kWgmmaStepLatencyClocks = 530;
/// wgmma: the share of the shorter of MMA and softmax time hidden by a
/// second resident block (fitted to the H100 sweep: at d = 64, 128x96 with
/// two blocks per SM beat every one-block tiling by 14-25%). The cp.async
/// kernel also had a third warpgroup hide 10% (192x96 beat 128x128 by 1-7%
/// at d = 128); with TMA loads 128x160 beats 192x96 by 6-8% and that term
/// is gone (docs/CostModel.md, "TMA").
static constexpr double kWgmmaBlockOverlap = 0.25;
/// wgmma: the share of the shorter of MMA and softmax time that the
/// producer kernel hides (two consumer warpgroups at one block per SM get
/// the producer warpgroup, the overlapped step and turns: one warpgroup's
/// softmax runs under the other's wgmmas), where the MMAs are the longer
/// part; where the softmax is (d = 64), a lone block's 8 warps issue it too
/// slowly to gain, as measured (docs/CostModel.md, "The producer kernel's
/// step"). Any value from 0.2 to 1 gives the same picks at the benchmark's
/// shapes; 0.8 gives the measured times (within 4% at d = 128 N = 1k causal
/// to 16k).
static constexpr double kWgmmaProducerOverlap = 0.8;
/// wgmma, the producer kernel with three consumer warpgroups: the share of
/// the shorter of MMA and softmax time that turns hide (docs/CostModel.md,
/// "Three consumer warpgroups"; fitted to the round-robin d = 64 runs).
static constexpr double kWgmmaProducer3Overlap = 0.35;
/// wgmma: the share with four or more resident blocks (one warpgroup each
/// at the tilings that get there: 64-row blocks): four warpgroups that
/// share no barrier, where two blocks of two warpgroups are two pairs in
/// lockstep. The same share as three consumer warpgroups taking turns;
/// 0.35 to 0.4 pick the measured best at every round-robin shape (d = 64
/// causal N = 2k: 64x80 with four blocks, 0.9-2.6% ahead of 128x96 in four
/// leases; docs/CostModel.md, "Four resident blocks").
static constexpr double kWgmmaFourBlockOverlap = kWgmmaProducer3Overlap;
static constexpr int64_t kWgmmaFourBlocks = 4;
/// wgmma: FP32-lane instructions per 16-byte chunk of K and V, charged to
/// the threads of the block. Fitted when the kernel issued cp.async from
/// every thread (the swizzled address, the zero-fill predicate, the copy);
/// with TMA one thread issues the loads, but the same value still orders
/// the measured d = 64 tilings (128x96 over 64x128 by 3-7%; at 3 lane
/// instructions the model picks 64x128), so it stays as fitted.
static constexpr double kWgmmaLaneOpsPerChunk = 12;
/// A step with one stage waits for its own K/V tiles (L2 latency): the
/// tensor-core kernels issue block j + 1's loads into the one slot only
/// once block j is done with it. Fitted for wgmma; for mma-sync measured
/// since (docs/CostModel.md, "Masked steps and one stage").
static constexpr double kLoadLatencyClocks = 1000;
/// How far the mma-sync estimate may exceed the per-thread limit: ptxas fits
/// the estimates of 290 (128x64 / 4 warps and 256x64 / 8 warps at d = 128)
/// into 255 registers with 84 bytes of spills, and those tilings measured
/// fastest at their shapes (docs/CostModel.md, "mma-sync registers").
static constexpr int64_t kMmaSyncSpillTolerance = 35;
/// ... but such a candidate must be predicted this much faster than the best
/// one within the limit: at d = 64 (256x112 over 256x96, predicted 1.5%
/// faster) the spills cost 8%, at d = 128 (256x64 over 256x48/32, 7%
/// faster) the larger block won 3% (docs/CostModel.md).
static constexpr double kMmaSyncSpillMargin = 0.05;
/// The register fit was measured for 1 to 3 m16 fragments per warp; beyond
/// that it is not trusted (a 2-warp 128-row block, 4 fragments per warp,
/// estimated at 290 registers, ran 20% slower than 4-warp tilings).
static constexpr int64_t kMmaSyncMaxRowsPerWarp = 48;
/// Per kv-step latency that no other work hides: the barrier or mbarrier
/// wait that hands a K/V stage over, and the quad-shuffle row reductions.
static constexpr double kStepOverheadClocks = 200;
/// mma-sync: the step's block barrier waits for the slowest of the block's
/// warps, so its latency grows with them: kStepOverheadClocks is the
/// 4-warp block's. Measured: 256x64 with 8 warps 4.6-6.0% (d = 128 causal
/// N = 2k) and 9.6% (1k) slower than 128x64 with 4, at the same 8 warps an
/// SM and fewer instructions a thread in the loop (875 against 907, PTX;
/// docs/CostModel.md, "mma-sync copies and barriers").
static constexpr double kMmaSyncBarrierWarps = 4;
/// mma-sync: the barrier of a block whose threads spill (register estimate
/// over the per-thread limit) waits this much longer: the warps reach it
/// at different times behind their local-memory loads. Nsight Compute,
/// barrier stalls of 256x64 / 8 warps against 128x64 / 4: 2.0-2.3x at
/// d = 128 (both spill), 0.3-0.55x for 256x96 / 8 against 128x96 / 4 at
/// d = 64 (neither does). 1.6 to 1.8 pick the measured best at every
/// mma-sync round-robin shape (docs/CostModel.md, "Spilling blocks wait
/// longer at the barrier").
static constexpr double kMmaSyncSpillBarrier = 1.7;
/// mma-sync: lane slots per 16-byte chunk of the K/V tiles a step copies
/// with cp.async, which every thread issues its share of: about 5
/// instructions a chunk (the copy and its address arithmetic), integer ones
/// at half rate. PTX, d = 64: the 2-warp 64x64 block's loop issues 682
/// instructions a thread against the 4-warp 128x64 block's 643 for the same
/// 64 scores, with 16 chunks a thread instead of 8. Counted from the
/// kernel; 10 to 16 give the same picks at every measured point.
static constexpr double kMmaSyncLaneOpsPerCopy = 10;
/// mma-sync: per thread block, the DRAM latency of its first loads and the
/// store of O that no other work of the block hides (about 1.5 us at the
/// H100's clock; fitted to the small-N tiling sweep, docs/CostModel.md).
static constexpr double kBlockFixedClocks = 3000;
/// wgmma: resident blocks beyond this many hide none of a step's latency
/// (fitted to the TMA kernel's small-N sweep: at d = 64 causal N = 1k, 64x64
/// with 4 blocks per SM beat 64x32 with 7 and 64x48 with 5 by 5-9%;
/// docs/CostModel.md, "Small N with TMA").
static constexpr double kWgmmaLatencyHidingBlocks = 4;
/// FP32-lane operations per score besides the exponential: scale and
/// subtract the max, row max, row sum, convert to 16 bits.
static constexpr double kSoftmaxLaneOpsPerScore = 4;
/// FP32-lane slots per score that a masked kv-block adds to its softmax
/// (convert-fa-to-nvgpu's maskScores): the compare of the key with the
/// row's limit and the select of -inf, with the index arithmetic about 2.5
/// integer instructions per score in the masked loop's PTX (612 against the
/// unmasked loop's 453 for 64 scores), which issue at half the FP32 rate.
/// Counted from the kernel, not fitted (docs/CostModel.md, "Masked steps
/// and one stage").
static constexpr double kMaskLaneOpsPerScore = 5;
/// Special-function units per SM (ex2 throughput), every architecture here.
static constexpr double kSfuPerSM = 16;
/// Shared-memory bandwidth per SM, bytes per clock (sm_70 and later).
static constexpr double kSmemBytesPerClock = 128;
/// How many kv-blocks the blocks of one wave may drift apart while they
/// share K/V through L2.
static constexpr int64_t kL2WindowBlocks = 16;
/// Candidate block sizes: multiples of the MMA's 16.
static constexpr int64_t kBlockQSizes[] = {16, 32, 64, 128, 192, 256};
static constexpr int64_t kMaxBlockKV = 256;
static constexpr int64_t kWarpCounts[] = {1, 2, 4, 8, 12, 16};
static constexpr int64_t kMaxStages = 4;
static constexpr int64_t kMaxThreadsPerBlock = 1024;

/// Simt kernel: the warp counts it is enumerated with (every thread runs
/// scalar iterations, so any block_q works with either).
static constexpr int64_t kSimtWarpCounts[] = {4, 8};
/// Simt kernel: registers per thread. Its accumulators live in shared
/// memory, so the count does not grow with the tile; ptxas -v reports 34
/// (sm_90a) and 40 (sm_80) for the kernel of
/// test/Conversion/FAToGPU/ptxas-sram.mlir, 30 to 40 for the other shapes
/// we compiled, and the constant leaves headroom.
static constexpr int64_t kSimtRegistersPerThread = 64;
/// Simt kernel: f32 softmax vectors of [block_q] in shared memory: running
/// max m, running sum l, the step's row max and the rescale alpha.
static constexpr int64_t kSimtRowVectors = 4;
/// Simt kernel: shared-memory loads per multiply-add of the tile products:
/// the two operands (LLVM keeps the accumulator in a register across the
/// reduction loop).
static constexpr double kSimtSharedLoadsPerFma = 2;
/// Simt kernel: shared-memory accesses per score outside the products: the
/// scale/mask pass and exp pass read and write S, the row max and row sum
/// read it.
static constexpr double kSimtSharedAccessesPerScore = 6;
/// Simt kernel: resident warps per SM that hide the latency of its
/// dependent shared-memory loads (about 30 clocks per iteration of a
/// product's reduction loop, two loads each, one load instruction per clock
/// per SM: Little's law gives about 16).
static constexpr double kSimtLatencyWarps = 16;
/// Shared-memory accesses per clock per SM: one warp-wide instruction of
/// 4-byte words, no bank conflicts.
static constexpr double kSmemAccessesPerClock = kSmemBytesPerClock / 4;

namespace {
/// Per-SM facts of an architecture family that the target table does not
/// carry (CUDA C++ Programming Guide, compute capability tables; the tensor
/// rate is that of the data-center part, dense f16 with f32 accumulation).
struct ArchTraits {
  double tensorFlopsPerClock;
  double fp32Lanes;
  int64_t maxThreadsPerSM;
  int64_t maxBlocksPerSM;
  /// Shared memory the driver reserves per resident block.
  int64_t reservedSramPerBlock;
  /// L2 capacity of the family's smallest listed part, MiB.
  int64_t l2MiB;
};
} // namespace

static ArchTraits getArchTraits(int64_t cc) {
  if (cc >= 120)
    return {1024, 128, 1536, 32, 1024, 96};
  if (cc >= 100)
    return {8192, 128, 2048, 32, 1024, 50};
  if (cc >= 90)
    return {4096, 128, 2048, 32, 1024, 50};
  if (cc >= 86)
    return {1024, 128, 1536, 16, 1024, cc >= 89 ? 48 : 6};
  if (cc >= 80)
    return {2048, 64, 2048, 32, 1024, 40};
  if (cc >= 75)
    return {1024, 64, 1024, 16, 0, 4};
  return {1024, 64, 2048, 32, 0, 4};
}

static int64_t alignSram(int64_t bytes) {
  return llvm::alignTo(bytes, kSramAlignment);
}

bool mlir::fa::overRegisterLimit(const CandidateCost &cost,
                                 const TargetInfo &target) {
  return cost.registersPerThread > target.maxRegsPerThread;
}

bool mlir::fa::buildsWgmmaProducer(const Tiling &tiling,
                                   const CandidateCost &cost,
                                   const TargetInfo &target) {
  if (cost.blocksPerSM != 1)
    return false;
  if (tiling.warps == 8)
    return true;
  return tiling.warps == 12 &&
         cost.registersPerThread <=
             producerConsumerRegisters(target.regsPerSM, tiling.warps);
}

bool mlir::fa::hasWgmma(const TargetInfo &target) {
  return target.arch == "sm_90a";
}

bool mlir::fa::isWgmmaHeadDim(int64_t headDim) {
  return headDim % 64 == 0 && headDim <= 256;
}

bool mlir::fa::fitsMmaSyncShape(const Tiling &t) {
  return t.blockQ % (16 * t.warps) == 0 && t.blockKV % 16 == 0;
}

bool mlir::fa::fitsWgmmaShape(const Tiling &t) {
  return t.warps % 4 == 0 && t.blockQ == 16 * t.warps &&
         t.blockKV % 16 == 0 && t.blockKV <= 256;
}

//===----------------------------------------------------------------------===//
// Problem and tiling
//===----------------------------------------------------------------------===//

int64_t mlir::fa::sramBytes(const Tiling &t, const AttentionProblem &p,
                            KernelKind kind) {
  int64_t e = p.elementBytes;
  if (kind == KernelKind::MmaSync) {
    int64_t pad = kMmaSyncRowPadBytes;
    int64_t qTile = alignSram(t.blockQ * (p.headDim * e + pad));
    int64_t kTile = alignSram(t.blockKV * (p.headDim * e + pad));
    int64_t vTile = alignSram(t.blockKV * (p.valueHeadDim * e + pad));
    return qTile + t.stages * (kTile + vTile);
  }
  if (kind == KernelKind::Wgmma) {
    auto atoms = [](int64_t bytes) {
      return llvm::alignTo(bytes, kWgmmaSwizzleAtomBytes);
    };
    return kWgmmaSwizzleAtomBytes + atoms(t.blockQ * p.headDim * e) +
           t.stages * (atoms(t.blockKV * p.headDim * e) +
                       atoms(t.blockKV * p.valueHeadDim * e)) +
           wgmmaBarrierBytes(t.stages);
  }
  int64_t qTile = alignSram(t.blockQ * p.headDim * e);
  int64_t kTile = alignSram(t.blockKV * p.headDim * e);
  int64_t vTile = alignSram(t.blockKV * p.valueHeadDim * e);
  if (kind == KernelKind::TensorCore) {
    // S and P never touch shared memory: S is the MMA accumulator and P is
    // converted in registers into the A operand of P V (mma.sync, and wgmma
    // with a register-sourced A). O is stored from registers.
    return qTile + t.stages * (kTile + vTile);
  }
  // Simt: the buffers one-shot bufferization allocates in the thread-block
  // loop of the tiled form, one of each (no stages); S, P and the masked
  // scores share one buffer, O is written from the accumulator directly.
  constexpr int64_t f32 = 4;
  int64_t maskTile = 0;
  if (p.maskElementBytes > 0) {
    int64_t rows = p.maskBroadcastsRows ? 1 : t.blockQ;
    int64_t cols = p.maskBroadcastsCols ? 1 : t.blockKV;
    maskTile = alignSram(rows * cols * p.maskElementBytes);
  }
  int64_t scores = alignSram(t.blockQ * t.blockKV * f32);
  int64_t acc = alignSram(t.blockQ * p.valueHeadDim * f32);
  int64_t rowVectors = kSimtRowVectors * alignSram(t.blockQ * f32);
  return qTile + kTile + vTile + maskTile + scores + acc + rowVectors;
}

int64_t mlir::fa::registersPerThread(const Tiling &t, const AttentionProblem &p,
                                     KernelKind kind) {
  if (kind == KernelKind::Simt)
    return kSimtRegistersPerThread;
  int64_t threads = 32 * t.warps;
  int64_t accO = llvm::divideCeil(t.blockQ * p.valueHeadDim, threads);
  int64_t accS = llvm::divideCeil(t.blockQ * t.blockKV, threads);
  if (kind == KernelKind::MmaSync) {
    // Fitted to what ptxas allocates for convert-fa-to-nvgpu's kernel
    // (bench/experiments/register_sweep.py, 25 tilings at d = 64 and 128, within 24
    // registers; docs/CostModel.md): the f32 S tile plus its bf16/f16 copy
    // P (1.5 x S), the O accumulator plus a third for the rescale and the
    // addresses of its ldmatrix operands, and a fixed part.
    return llvm::divideCeil(4 * accO, 3) + llvm::divideCeil(3 * accS, 2) +
           kMmaSyncRegisterBase;
  }
  if (kind == KernelKind::Wgmma)
    return 2 * accO + llvm::divideCeil(7 * accS, 4) + kWgmmaRegisterBase;
  // An m16 accumulator fragment gives each thread 2 of its 16 rows; each
  // owned row keeps a running max and a running sum.
  int64_t rowsPerThread = llvm::divideCeil(t.blockQ / t.warps, 8);
  return accO + accS + kRegisterOverhead + 2 * rowsPerThread;
}

int64_t mlir::fa::visibleKVBlocks(int64_t qBlock, const Tiling &t,
                                  const AttentionProblem &p) {
  int64_t numKVBlocks = llvm::divideCeil(p.seqLenKV, t.blockKV);
  if (!p.causal)
    return numKVBlocks;
  // The q-block's last row i sees keys j <= i + Nk - Nq (bottom-right).
  int64_t lastRow = std::min((qBlock + 1) * t.blockQ, p.seqLenQ) - 1;
  int64_t lastKey = lastRow + p.seqLenKV - p.seqLenQ;
  if (lastKey < 0)
    return 0;
  return std::min(lastKey / t.blockKV + 1, numKVBlocks);
}

/// Sum over q-blocks of the kv rows they load (a partial last block loads
/// only its rows) and of the tiles they compute.
namespace {
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
} // namespace

static BlockCounts countBlocks(const Tiling &t, const AttentionProblem &p) {
  BlockCounts counts;
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  for (int64_t i = 0; i < numQBlocks; ++i) {
    int64_t blocks = visibleKVBlocks(i, t, p);
    int64_t rows = std::min(blocks * t.blockKV, p.seqLenKV);
    int64_t qRows = std::min((i + 1) * t.blockQ, p.seqLenQ) - i * t.blockQ;
    counts.kvRows += rows;
    counts.tiles += blocks;
    counts.maskElements += qRows * rows;
    // The kernel's split (FlashAttention-2's): block j needs no mask iff it
    // ends within Nk and, causal, its last key is visible to the q-block's
    // first row.
    int64_t maskStart = p.seqLenKV / t.blockKV;
    if (p.causal)
      maskStart = std::min(
          maskStart, llvm::divideFloorSigned(
                         i * t.blockQ + p.seqLenKV - p.seqLenQ + 1, t.blockKV));
    if (p.maskElementBytes > 0)
      maskStart = 0;
    counts.maskedTiles += blocks - std::clamp<int64_t>(maskStart, 0, blocks);
  }
  return counts;
}

HBMTraffic mlir::fa::hbmTraffic(const Tiling &t, const AttentionProblem &p) {
  BlockCounts counts = countBlocks(t, p);
  int64_t heads = p.batch * p.numQueryHeads;
  int64_t e = p.elementBytes;
  double density = p.kvBlockDensity;
  // Per (batch, query head): Q once, K and V once per q-block. Grouped-query
  // heads do not share a thread block, so each re-reads its K/V head.
  double kvBytes = double(counts.kvRows) * (p.headDim + p.valueHeadDim) * e;
  double maskBytes = double(counts.maskElements) * p.maskElementBytes;
  int64_t qBytes = p.seqLenQ * p.headDim * e;
  HBMTraffic traffic;
  traffic.readBytes =
      heads * (qBytes + std::llround((kvBytes + maskBytes) * density));
  traffic.writeBytes = heads * p.seqLenQ * p.valueHeadDim * e;
  if (p.writesLse)
    traffic.writeBytes += heads * p.seqLenQ * 4;
  return traffic;
}

/// K/V rows that reach the SMs from DRAM rather than from L2. The grid runs
/// q-blocks fastest, then query heads, so the query heads of one K/V head
/// are consecutive: within one wave of `slots` resident blocks, the K/V rows
/// of a head are fetched once (the largest prefix any of its blocks needs)
/// and re-read from L2 by the others. The blocks of a wave start together
/// and walk the keys in the same order, so L2 must hold a window of K/V rows
/// per head in flight (kL2WindowBlocks kv-blocks of drift); when those
/// windows exceed half the L2, every block's rows count (Theorem 2).
static double dramKVRows(const Tiling &t, const AttentionProblem &p,
                         int64_t slots, int64_t l2Bytes) {
  int64_t numQBlocks = llvm::divideCeil(p.seqLenQ, t.blockQ);
  int64_t group = p.numQueryHeads / p.numKVHeads;
  int64_t blocksPerKVHead = group * numQBlocks;
  int64_t kvHeadsPerWave = llvm::divideCeil(slots, blocksPerKVHead) + 1;
  double windowRows = std::min(p.seqLenKV, kL2WindowBlocks * t.blockKV);
  double kvWindowBytes =
      windowRows * (p.headDim + p.valueHeadDim) * p.elementBytes;
  // The K/V rows q-block i needs: non-decreasing in i.
  auto rowsOf = [&](int64_t i) {
    return std::min(visibleKVBlocks(i, t, p) * t.blockKV, p.seqLenKV);
  };
  if (kvHeadsPerWave * kvWindowBytes > l2Bytes / 2) {
    double perHead = 0;
    for (int64_t i = 0; i < numQBlocks; ++i)
      perHead += rowsOf(i);
    return perHead * p.batch * p.numQueryHeads;
  }
  // Block k of a K/V head runs q-block k % numQBlocks. Each wave's share of
  // a head's blocks fetches the largest prefix among them once: that of its
  // last q-block, or the largest of all when the share wraps around.
  int64_t rowsMax = rowsOf(numQBlocks - 1);
  double total = 0;
  int64_t numKVHeads = p.batch * p.numKVHeads;
  for (int64_t g = 0; g < numKVHeads; ++g) {
    int64_t first = g * blocksPerKVHead;
    for (int64_t a = 0; a < blocksPerKVHead;) {
      int64_t b = std::min(blocksPerKVHead, ((first + a) / slots + 1) * slots -
                                                first);
      int64_t start = a % numQBlocks, len = b - a;
      total += start + len > numQBlocks ? rowsMax : rowsOf(start + len - 1);
      a = b;
    }
  }
  return total;
}

std::pair<int64_t, int64_t> mlir::fa::paperBlockSizes(int64_t sramElements,
                                                      int64_t headDim) {
  int64_t bc = llvm::divideCeil(sramElements, 4 * headDim);
  return {std::min(bc, headDim), bc};
}

//===----------------------------------------------------------------------===//
// CostModel
//===----------------------------------------------------------------------===//

bool CostModel::usesWarpgroupMma() const {
  return options.kernel == KernelKind::Wgmma ||
         (options.kernel == KernelKind::TensorCore &&
          target.getComputeCapability() >= 90);
}

llvm::SmallVector<Tiling> CostModel::enumerateCandidates() const {
  llvm::SmallVector<Tiling> result;
  if (options.kernel == KernelKind::Simt) {
    // No pipelining: the tiles are loaded by the threads that use them.
    for (int64_t bq : kBlockQSizes)
      for (int64_t warps : kSimtWarpCounts)
        for (int64_t bkv = 16; bkv <= kMaxBlockKV; bkv += 16)
          result.push_back({bq, bkv, /*stages=*/1, warps});
    return result;
  }
  bool wgmma = usesWarpgroupMma();
  for (int64_t bq : kBlockQSizes) {
    for (int64_t warps : kWarpCounts) {
      if (bq % warps != 0)
        continue;
      // mma.sync: whole m16 fragments per warp; wgmma: whole m64 per
      // warpgroup of 4 warps.
      if (wgmma ? (warps % 4 != 0 || (bq / (warps / 4)) % 64 != 0)
                : (bq / warps) % 16 != 0)
        continue;
      // The wgmma kernel: one m64 tile per warpgroup.
      if (options.kernel == KernelKind::Wgmma && bq != 16 * warps)
        continue;
      for (int64_t bkv = 16; bkv <= kMaxBlockKV; bkv += 16)
        for (int64_t stages = 1; stages <= kMaxStages; ++stages)
          result.push_back({bq, bkv, stages, warps});
    }
  }
  return result;
}

Tiling CostModel::smallestCandidate() const {
  if (options.kernel == KernelKind::Simt)
    return {16, 16, 1, kSimtWarpCounts[0]};
  // MmaSync: one m16 fragment, one warp.
  bool wgmma = usesWarpgroupMma();
  return {wgmma ? 64 : 16, 16, 1, wgmma ? 4 : 1};
}

CandidateCost CostModel::evaluate(const Tiling &t,
                                  const AttentionProblem &p) const {
  CandidateCost c;
  c.tiling = t;
  c.hbm = hbmTraffic(t, p);
  KernelKind kind = options.kernel;
  c.sramBytes = sramBytes(t, p, kind);
  c.registersPerThread = registersPerThread(t, p, kind);
  ArchTraits arch = getArchTraits(target.getComputeCapability());

  // Resources: reject what cannot launch.
  int64_t threads = 32 * t.warps;
  // mma-sync: an estimate a little over the limit is what ptxas squeezes
  // into maxRegsPerThread with a few spills (the fit is linear; near the
  // limit ptxas reuses S's registers for P slice by slice).
  int64_t regLimit = target.maxRegsPerThread +
                     (kind == KernelKind::MmaSync ? kMmaSyncSpillTolerance : 0);
  int64_t regCap = target.maxRegsPerThread;
  if (kind == KernelKind::Wgmma) {
    // wgmma: the fit is what ptxas allocates when it may take 255; with
    // more threads it fits the block's share of the register file without
    // spills (192x96 at d = 128: estimated 192, allocated 168).
    // At the per-thread maximum itself there is no such slack (128x192 at
    // d = 128: estimated 276, allocated 252, 5% slower than 128x128).
    regCap = std::min(regCap, target.regsPerSM / threads / 8 * 8);
    regLimit = regCap < target.maxRegsPerThread
                   ? regCap + kWgmmaRegisterSqueeze
                   : target.maxRegsPerThread;
  }
  int64_t allocatedRegs = std::min(c.registersPerThread, regCap);
  int64_t regsPerBlock = llvm::alignTo(allocatedRegs, 8) * threads;
  if (kind == KernelKind::MmaSync &&
      (p.headDim % 16 != 0 || p.valueHeadDim % 16 != 0)) {
    c.rejection = llvm::formatv("mma.sync needs head dimensions that are "
                                "multiples of 16, got {0} and {1}",
                                p.headDim, p.valueHeadDim);
  } else if (kind == KernelKind::MmaSync && p.elementBytes != 2) {
    c.rejection = "mma.sync needs 2-byte elements (f16 or bf16)";
  } else if (kind == KernelKind::MmaSync && !fitsMmaSyncShape(t)) {
    c.rejection = "mma.sync needs block_q a multiple of 16 rows per warp "
                  "and block_kv a multiple of 16";
  } else if (kind == KernelKind::MmaSync &&
             t.blockQ / t.warps > kMmaSyncMaxRowsPerWarp) {
    c.rejection = llvm::formatv(
        "{0} rows per warp: the mma-sync register fit covers at most {1}",
        t.blockQ / t.warps, kMmaSyncMaxRowsPerWarp);
  } else if (kind == KernelKind::Wgmma && !hasWgmma(target)) {
    c.rejection = llvm::formatv("wgmma needs sm_90a, the target is {0}",
                                target.arch);
  } else if (kind == KernelKind::Wgmma && p.elementBytes != 2) {
    c.rejection = "wgmma needs 2-byte elements (f16 or bf16)";
  } else if (kind == KernelKind::Wgmma &&
             (!isWgmmaHeadDim(p.headDim) || !isWgmmaHeadDim(p.valueHeadDim))) {
    c.rejection = llvm::formatv("wgmma needs head dimensions that are "
                                "multiples of 64 up to 256, got {0} and {1}",
                                p.headDim, p.valueHeadDim);
  } else if (kind == KernelKind::Wgmma && !fitsWgmmaShape(t)) {
    c.rejection = "wgmma needs block_q = 16 * warps (64 rows per warpgroup) "
                  "and block_kv a multiple of 16 up to 256";
  } else if (threads > kMaxThreadsPerBlock) {
    c.rejection = llvm::formatv("{0} threads per block exceed {1}", threads,
                                kMaxThreadsPerBlock);
  } else if (c.sramBytes > target.sramPerBlock) {
    c.rejection =
        llvm::formatv("shared memory {0} B exceeds {1} B per block",
                      c.sramBytes, target.sramPerBlock);
  } else if (c.registersPerThread > regLimit) {
    c.rejection = llvm::formatv("{0} registers per thread exceed {1}",
                                c.registersPerThread, regLimit);
  } else if (regsPerBlock > target.regsPerSM) {
    c.rejection = llvm::formatv("{0} registers per block exceed {1} per SM",
                                regsPerBlock, target.regsPerSM);
  }

  // Occupancy: resident blocks per SM from shared memory, registers,
  // threads and the hardware's block limit; the per-block budget is
  // authoritative, so a block that fits it always gets one slot.
  int64_t bySram =
      target.sramPerSM / (c.sramBytes + arch.reservedSramPerBlock);
  int64_t byRegs = target.regsPerSM / std::max<int64_t>(regsPerBlock, 1);
  int64_t byThreads = arch.maxThreadsPerSM / threads;
  c.blocksPerSM = std::max<int64_t>(
      1, std::min({bySram, byRegs, byThreads, arch.maxBlocksPerSM}));

  // Work: tiles each thread block computes, padded to whole tiles.
  BlockCounts counts = countBlocks(t, p);
  int64_t heads = p.batch * p.numQueryHeads;
  double tiles = double(counts.tiles) * heads * p.kvBlockDensity;
  double tileFlops =
      2.0 * t.blockQ * t.blockKV * (p.headDim + p.valueHeadDim);
  c.flops = tiles * tileFlops;
  c.numBlocks = heads * llvm::divideCeil(p.seqLenQ, t.blockQ);

  // Per-SM rates, all derived from the table's tensor peak: the clock is the
  // peak over the architecture's tensor FLOPs per clock per SM.
  double tensorRate = double(target.tensorTFlops) * 1e12 / target.smCount;
  double clock = tensorRate / arch.tensorFlopsPerClock;
  double laneRate = arch.fp32Lanes * clock;
  double smemRate = kSmemBytesPerClock * clock;

  // One kv step of one thread block, with the SM to itself.
  double e = double(p.elementBytes);
  double scores = double(t.blockQ) * t.blockKV;
  double tensorTime = tileFlops / tensorRate;
  // The time of one step, with `maskOps` more lane operations per score
  // (a masked kv-block).
  auto stepTimeWith = [&](double maskOps) {
    // ex2 runs on the SFUs: one SFU op costs fp32Lanes / kSfuPerSM lane slots.
    double laneOpsPerScore =
        kSoftmaxLaneOpsPerScore + arch.fp32Lanes / kSfuPerSM + maskOps;
    // Softmax on the scores, and the O rescale by exp(m_old - m_new).
    double scalarTime =
        (laneOpsPerScore * scores + double(t.blockQ) * p.valueHeadDim) /
        laneRate;
    // Shared-memory traffic: every warp (mma.sync) or warpgroup (wgmma) reads
    // the whole K and V tiles, Q is read once per step, and the step's K/V
    // tiles are written in.
    int64_t readers = usesWarpgroupMma() ? t.warps / 4 : t.warps;
    double kvTile = double(t.blockKV) * (p.headDim + p.valueHeadDim) * e;
    // The step's K/V tiles in 16-byte chunks (one cp.async each).
    double chunks = kvTile / 16;
    double smemTime =
        (readers * kvTile + double(t.blockQ) * p.headDim * e + kvTile) /
        smemRate;
    // wgmma is asynchronous: softmax of one warpgroup overlaps the MMAs of the
    // other (FlashAttention-3's ping-pong). mma.sync issues from the same warps
    // that do the softmax, so those add up.
    double stepTime =
        usesWarpgroupMma()
            ? std::max({tensorTime, scalarTime, smemTime})
            : std::max(tensorTime, smemTime) + scalarTime;
    if (kind == KernelKind::Simt) {
      // Scalar f32 FMAs on the CUDA cores next to the softmax's lane work, and
      // every operand through the shared-memory pipe: the products' operands,
      // the passes over S, the rescale of the accumulator and the zero-fill
      // and copy of the K and V tiles. The busier pipe bounds the step.
      double fmas = tileFlops / 2;
      double laneTime = fmas / laneRate + scalarTime;
      double accesses = kSimtSharedLoadsPerFma * fmas +
                        kSimtSharedAccessesPerScore * scores +
                        2.0 * t.blockQ * p.valueHeadDim +
                        2.0 * t.blockKV * (p.headDim + p.valueHeadDim);
      double sharedTime = accesses / (kSmemAccessesPerClock * clock);
      stepTime = std::max(laneTime, sharedTime);
    }
    if (kind == KernelKind::Wgmma) {
      // The kernel's warpgroups compute S, then the softmax, then P V, with
      // a barrier per step: the tensor cores idle during the softmax unless
      // a second resident block fills them (docs/CostModel.md, "The wgmma
      // kernel"). A second resident block runs its MMAs under this one's
      // softmax.
      double laneTime = scalarTime + kWgmmaLaneOpsPerChunk * chunks / laneRate;
      double hidden = c.blocksPerSM >= kWgmmaFourBlocks ? kWgmmaFourBlockOverlap
                      : c.blocksPerSM >= 2               ? kWgmmaBlockOverlap
                                                         : 0.0;
      // The producer kernel (what wgmma-release=auto builds for this tiling;
      // whether its turns gain is the tiling's, so unmasked, property). Two
      // consumer warpgroups gain where the MMAs are the longer part; with
      // three, two softmaxes run under the third's MMAs even where the
      // softmax is the longer part (d = 64).
      double unmaskedLaneTime = laneTime - maskOps * scores / laneRate;
      if (buildsWgmmaProducer(t, c, target)) {
        if (t.warps == 8 && unmaskedLaneTime <= tensorTime)
          hidden = kWgmmaProducerOverlap;
        else if (t.warps == 12)
          hidden = kWgmmaProducer3Overlap;
      }
      double latency = kWgmmaStepLatencyClocks +
                       (t.stages == 1 ? kLoadLatencyClocks : 0.0);
      stepTime = std::max(smemTime,
                          tensorTime + laneTime -
                              hidden * std::min(tensorTime, laneTime) +
                              latency / clock /
                                  std::min<double>(c.blocksPerSM,
                                                   kWgmmaLatencyHidingBlocks));
    } else {
      // The barrier/wait latency of a step, and with one stage the wait for
      // its K/V tiles: for mma-sync a second resident block issues during
      // them (measured in the small-N sweep, as below). mma-sync's threads
      // also issue the step's cp.async copies, and its barrier joins all
      // the block's warps.
      double latency = kStepOverheadClocks;
      if (kind == KernelKind::MmaSync) {
        stepTime += kMmaSyncLaneOpsPerCopy * chunks / laneRate;
        latency *= t.warps / kMmaSyncBarrierWarps;
        if (overRegisterLimit(c, target))
          latency *= kMmaSyncSpillBarrier;
        if (t.stages == 1)
          latency += kLoadLatencyClocks;
      }
      stepTime += latency / clock /
                  (isNVGPUKernel(kind) ? double(c.blocksPerSM) : 1.0);
    }
    return stepTime;
  };
  double stepTime = stepTimeWith(0);
  // Masked kv-blocks (causal diagonals, the keys' tail, a mask operand)
  // run the tensor-core kernels' masked loop, whose softmax does more.
  double maskedTiles = 0, maskedStepTime = stepTime;
  if (isNVGPUKernel(kind)) {
    maskedTiles = double(counts.maskedTiles) * heads * p.kvBlockDensity;
    maskedStepTime = stepTimeWith(kMaskLaneOpsPerScore);
  }
  // A warp issues to one of the SM's 4 sub-partitions: fewer than 4 resident
  // warps leave tensor cores idle.
  // The Simt kernel's dependent shared loads need more warps in flight.
  int64_t residentWarps = c.blocksPerSM * t.warps;
  double warpsNeeded = kind == KernelKind::Simt ? kSimtLatencyWarps : 4.0;
  double issueEfficiency = std::min(1.0, residentWarps / warpsNeeded);
  double smSeconds =
      ((tiles - maskedTiles) * stepTime + maskedTiles * maskedStepTime) /
      issueEfficiency;
  // mma-sync: each thread block starts by waiting for its Q tile and first
  // K/V stage from DRAM and ends by storing O; a second resident block
  // computes meanwhile, a lone one leaves the SM idle (measured: at N <=
  // 2k, 128-row blocks with 2 per SM beat 256-row blocks with 1 per SM by
  // 3-16%, at N = 16k the reverse; docs/CostModel.md).
  // wgmma: on top of the latency, the block waits for its Q tile and half
  // of its O store at the SM's share of the DRAM bandwidth (all SMs start
  // and end blocks together; the other half of the store drains while the
  // next block starts). Fitted to the TMA kernel's small-N sweeps: any
  // weight of the Q and O bytes from 0.5 to 0.85 gives the measured best
  // tilings at causal N = 1k and 2k (docs/CostModel.md, "Small N with
  // TMA"). The mma-sync fit keeps the latency alone.
  if (isNVGPUKernel(kind)) {
    double fixedSeconds = kBlockFixedClocks / clock;
    if (kind == KernelKind::Wgmma)
      fixedSeconds += double(t.blockQ) * (p.headDim + p.valueHeadDim / 2.0) *
                      e / (double(target.hbmGBps) * 1e9 / target.smCount);
    smSeconds += double(c.numBlocks) * fixedSeconds / double(c.blocksPerSM);
  }

  // Waves: the last wave may leave SMs idle.
  int64_t slots = target.smCount * c.blocksPerSM;
  c.waves = llvm::divideCeil(c.numBlocks, slots);
  double utilization = double(c.numBlocks) / double(c.waves * slots);
  c.computeSeconds = smSeconds / target.smCount / utilization;
  // DRAM traffic: Theorem 2's count, less the K/V re-reads that L2 serves.
  double kvDramRows =
      options.l2Reuse
          ? dramKVRows(t, p, slots, arch.l2MiB * 1024 * 1024)
          : double(counts.kvRows) * heads;
  double kvTheorem2 =
      double(counts.kvRows) * heads * (p.headDim + p.valueHeadDim) * e;
  double kvDram = kvDramRows * (p.headDim + p.valueHeadDim) * e;
  c.dramBytes = std::llround(double(c.hbm.total()) -
                             (kvTheorem2 - kvDram) * p.kvBlockDensity);
  c.memorySeconds = double(c.dramBytes) / (double(target.hbmGBps) * 1e9);

  // Loads overlap compute when a second stage or a second resident block
  // exists; a lone single-stage block waits for each tile.
  bool overlaps = t.stages >= 2 || c.blocksPerSM >= 2;
  c.predictedSeconds = overlaps
                           ? std::max(c.memorySeconds, c.computeSeconds)
                           : c.memorySeconds + c.computeSeconds;
  return c;
}

/// Strict total order of feasible candidates: time, then HBM bytes, then
/// shared memory, then fewer warps, then the tiling itself (so the order is
/// deterministic). Times within 1e-9 relative count as equal.
static bool isBetter(const CandidateCost &a, const CandidateCost &b) {
  double ta = a.predictedSeconds, tb = b.predictedSeconds;
  if (std::abs(ta - tb) > 1e-9 * std::max(ta, tb))
    return ta < tb;
  if (a.hbm.total() != b.hbm.total())
    return a.hbm.total() < b.hbm.total();
  if (a.sramBytes != b.sramBytes)
    return a.sramBytes < b.sramBytes;
  const Tiling &x = a.tiling, &y = b.tiling;
  return std::make_tuple(x.warps, x.blockQ, x.blockKV, x.stages) <
         std::make_tuple(y.warps, y.blockQ, y.blockKV, y.stages);
}

static std::string formatBytes(double bytes) {
  if (bytes >= 1e9)
    return llvm::formatv("{0:f2} GB", bytes / 1e9);
  if (bytes >= 1e6)
    return llvm::formatv("{0:f2} MB", bytes / 1e6);
  return llvm::formatv("{0} B", int64_t(bytes));
}

static std::string formatTime(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3);
  return llvm::formatv("{0:f2} us", seconds * 1e6);
}

/// Why `w` beats `r`, in one sentence.
static std::string explainWin(const CandidateCost &w, const CandidateCost &r) {
  std::string bound = w.memorySeconds >= w.computeSeconds
                          ? "memory-bound"
                          : "compute-bound";
  std::string head = llvm::formatv(
      "{0} wins: {1} predicted, {2} (memory {3}, compute {4})", w.tiling.str(),
      formatTime(w.predictedSeconds), bound, formatTime(w.memorySeconds),
      formatTime(w.computeSeconds));
  double ta = w.predictedSeconds, tb = r.predictedSeconds;
  if (std::abs(ta - tb) > 1e-9 * std::max(ta, tb)) {
    // A margin under 0.1% keeps its digits rather than reading "0.0%".
    double percent = (tb / ta - 1) * 100;
    char margin[32];
    std::snprintf(margin, sizeof(margin), percent < 0.1 ? "%.2g" : "%.1f",
                  percent);
    return head + llvm::formatv("; {0}% faster than the runner-up {1}", margin,
                                r.tiling.str())
                      .str();
  }
  if (w.hbm.total() != r.hbm.total())
    return head + llvm::formatv("; ties the runner-up {0} on time and moves "
                                "fewer HBM bytes ({1} vs {2})",
                                r.tiling.str(), formatBytes(w.hbm.total()),
                                formatBytes(r.hbm.total()))
                      .str();
  if (w.sramBytes != r.sramBytes)
    return head + llvm::formatv("; ties the runner-up {0} on time and traffic "
                                "and uses less shared memory ({1} B vs {2} B)",
                                r.tiling.str(), w.sramBytes, r.sramBytes)
                      .str();
  return head + llvm::formatv("; ties the runner-up {0} on time, traffic and "
                              "shared memory ({1} B) and comes first in the "
                              "order fewer warps, smaller blocks",
                              r.tiling.str(), w.sramBytes)
                    .str();
}

TilingDecision CostModel::select(const AttentionProblem &p) const {
  TilingDecision decision;
  llvm::SmallVector<CandidateCost> feasible, rejected;
  for (const Tiling &t : enumerateCandidates()) {
    CandidateCost c = evaluate(t, p);
    (c.fits() ? feasible : rejected).push_back(std::move(c));
  }
  llvm::sort(feasible, isBetter);
  // mma-sync: an estimate over the register limit (ptxas will spill a
  // little) wins only by a clear margin over the best candidate within it.
  std::optional<CandidateCost> demoted;
  if (options.kernel == KernelKind::MmaSync && !feasible.empty() &&
      overRegisterLimit(feasible[0], target)) {
    auto within = llvm::find_if(feasible, [&](const CandidateCost &c) {
      return !overRegisterLimit(c, target);
    });
    if (within != feasible.end() &&
        feasible[0].predictedSeconds >
            (1.0 - kMmaSyncSpillMargin) * within->predictedSeconds) {
      demoted = feasible[0];
      std::rotate(feasible.begin(), within, within + 1);
    }
  }
  if (feasible.empty()) {
    // The smallest tile is the most likely to fit; say what it needs.
    Tiling smallest = smallestCandidate();
    decision.reason = llvm::formatv(
        "no tiling fits: the smallest ({0}) needs {1} B of shared memory "
        "({2} B per block available) and {3} registers per thread ({4} "
        "available)",
        smallest.str(), sramBytes(smallest, p, options.kernel),
        target.sramPerBlock, registersPerThread(smallest, p, options.kernel),
        target.maxRegsPerThread);
  } else {
    decision.best = 0;
    decision.reason = feasible.size() == 1
                          ? feasible[0].tiling.str() + " is the only fit"
                          : explainWin(feasible[0], feasible[1]);
    if (demoted)
      decision.reason = llvm::formatv(
          "{0} wins: the fastest within {1} registers per thread; {2} is "
          "predicted {3:f1}% faster but needs {4} registers (ptxas would "
          "spill), and a tiling over the limit must be {5}% faster",
          feasible[0].tiling.str(), target.maxRegsPerThread,
          demoted->tiling.str(),
          100.0 * (1.0 - demoted->predictedSeconds /
                             feasible[0].predictedSeconds),
          demoted->registersPerThread, int(kMmaSyncSpillMargin * 100));
  }
  decision.candidates = std::move(feasible);
  llvm::append_range(decision.candidates, rejected);
  return decision;
}

TilingDecision CostModel::selectPaper(const AttentionProblem &p) const {
  TilingDecision decision;
  // M: the shared memory of one block, in elements.
  int64_t sramElements = target.sramPerBlock / p.elementBytes;
  auto [br, bc] = paperBlockSizes(sramElements, p.headDim);
  Tiling t{br, bc, /*stages=*/1, /*warps=*/4};
  CandidateCost c = evaluate(t, p);
  // Algorithm 1 constrains shared memory only; registers and MMA shapes are
  // outside the paper's model, so they do not reject its choice.
  c.rejection.clear();
  if (c.sramBytes > target.sramPerBlock)
    c.rejection = llvm::formatv("shared memory {0} B exceeds {1} B per block",
                                c.sramBytes, target.sramPerBlock);
  if (c.fits()) {
    decision.best = 0;
    decision.reason = llvm::formatv(
        "Algorithm 1 with M = {0} elements: Bc = ceil(M / 4d) = {1}, "
        "Br = min(Bc, d) = {2}",
        sramElements, bc, br);
  } else {
    decision.reason = llvm::formatv(
        "Algorithm 1's tiles (Br = {0}, Bc = {1}) need {2} B of shared "
        "memory, {3} B available",
        br, bc, c.sramBytes, target.sramPerBlock);
  }
  decision.candidates.push_back(std::move(c));
  return decision;
}
