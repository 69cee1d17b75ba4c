//===- KernelSchedule.h - The decided schedule of one kernel ----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Everything the kernel generator needs besides the tiling: how tiles are
// loaded, how K/V slots are released, the order of a step, whether consumer
// warpgroups take turns, how masked kv-blocks run and how O is stored.
// fa-select-tiling decides it once (decideSchedule) and records it as
// `#fa.schedule`; the conversions only read it. Plain C++ like the cost
// model, whose numbers the decision reads.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_KERNELSCHEDULE_H
#define FLASHATTN_ANALYSIS_KERNELSCHEDULE_H

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Analysis/CostModel.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// How the wgmma kernel fills shared memory (mma-sync: always cp.async).
enum class LoadMechanism {
  /// cp.async by every thread (wgmma: made visible to the async proxy by
  /// fence.proxy.async).
  CpAsync,
  /// TMA boxes through host-built tensor maps, completing on mbarriers.
  Tma,
};

/// How a TMA kernel frees a K/V slot for its refill. `Auto` is a request
/// only (the decision's value is never Auto).
enum class SlotRelease {
  Auto,
  /// One bar.sync per step, then thread 0 refills.
  Barrier,
  /// Each warp arrives on the slot's "empty" mbarrier; thread 0 waits there
  /// and refills; no block-wide barrier.
  MBarrier,
  /// MBarrier, with one more warpgroup that issues every load and gives its
  /// registers to the consumers (setmaxnreg).
  Producer,
};

/// The order of a TMA wgmma step. `Auto` is a request only.
enum class StepOrder {
  Auto,
  /// S = Q K^T, its softmax, then P V, each waited for.
  Serial,
  /// FlashAttention-3's intra-warpgroup overlap: step j issues S_j and
  /// P_{j-1} V_{j-1} and computes S_j's softmax while P V runs.
  Overlap,
};

/// How the mma-sync kernel runs the kv-blocks that need a mask next to
/// blocks that need none. `Auto` is a request only.
enum class MaskedSteps {
  Auto,
  /// FlashAttention-2's split: a second loop, a second copy of the step.
  Split,
  /// One loop; the mask under a branch that is uniform across the block.
  Branch,
};

/// How the epilogue writes O (decided from the kernel and the head dims;
/// never requested).
enum class Epilogue {
  /// One store a lane per element pair.
  Direct,
  /// mma-sync: over the warp's Q rows in shared memory, then 16 bytes a lane
  /// (when O is 16-byte aligned at run time; Direct otherwise).
  Staged,
  /// TMA kernels: over the warp's Q rows in shared memory, then a TMA store.
  TmaStore,
};

/// A request for an on/off field: the model decides, or forced.
enum class Toggle { Auto, Off, On };

/// The spellings of the pass options and of `#fa.schedule` (whose keywords
/// write `-` as `_`: MLIR keywords have no `-`).
llvm::StringRef stringifyLoadMechanism(LoadMechanism value);
llvm::StringRef stringifySlotRelease(SlotRelease value);
llvm::StringRef stringifyStepOrder(StepOrder value);
llvm::StringRef stringifyMaskedSteps(MaskedSteps value);
llvm::StringRef stringifyEpilogue(Epilogue value);
std::optional<LoadMechanism> parseLoadMechanism(llvm::StringRef name);
std::optional<SlotRelease> parseSlotRelease(llvm::StringRef name);
std::optional<StepOrder> parseStepOrder(llvm::StringRef name);
std::optional<MaskedSteps> parseMaskedSteps(llvm::StringRef name);
std::optional<Epilogue> parseEpilogue(llvm::StringRef name);

/// The decided schedule of one kernel; mirrors `#fa.schedule`. The fields
/// that do not apply to `kernel` keep their defaults.
struct KernelSchedule {
  KernelKind kernel = KernelKind::Simt;
  LoadMechanism loads = LoadMechanism::CpAsync;
  SlotRelease release = SlotRelease::Barrier;
  StepOrder step = StepOrder::Serial;
  /// The consumer warpgroups take turns at the tensor cores
  /// (FlashAttention-3's inter-warpgroup ping-pong).
  bool pingpong = false;
  MaskedSteps maskedSteps = MaskedSteps::Split;
  Epilogue epilogue = Epilogue::Direct;
  /// Producer: the consumer warpgroups' registers per thread (setmaxnreg);
  /// 0 otherwise.
  int64_t consumerRegisters = 0;
  /// How the q-block walks its kv-blocks under a runtime block mask: every
  /// one a step, a dead one predicated off (Dense), or the live ones listed
  /// in shared memory at the block's start (Compacted: the tensor-core
  /// kernels; docs/BlockSparse.md, "The forward's compacted walk"). Never
  /// Auto.
  BlockMaskWalk walk = BlockMaskWalk::Dense;
  /// mma-sync: the thread blocks an SM holds, where its shared memory holds
  /// fewer than its registers would (PTX `.minnctapersm`: ptxas, which does
  /// not see dynamic shared memory, would otherwise fit the registers to
  /// more blocks than ever run, and spill to get there: D118); 0 otherwise.
  int64_t minBlocksPerSM = 0;

  bool usesTma() const { return loads == LoadMechanism::Tma; }
  /// Slots freed through empty mbarriers (MBarrier or Producer).
  bool releasesWithMBarriers() const {
    return release == SlotRelease::MBarrier || hasProducer();
  }
  bool hasProducer() const { return release == SlotRelease::Producer; }
  bool overlapsSteps() const { return step == StepOrder::Overlap; }
  bool branchesMaskedSteps() const {
    return maskedSteps == MaskedSteps::Branch;
  }
  bool walksCompacted() const { return walk == BlockMaskWalk::Compacted; }

  bool operator==(const KernelSchedule &o) const {
    return kernel == o.kernel && loads == o.loads && release == o.release &&
           step == o.step && pingpong == o.pingpong &&
           maskedSteps == o.maskedSteps && epilogue == o.epilogue &&
           consumerRegisters == o.consumerRegisters && walk == o.walk &&
           minBlocksPerSM == o.minBlocksPerSM;
  }
};

/// What a user forced (the passes' options); Auto fields are the model's.
/// The wgmma fields apply to wgmma kernels, maskedSteps to mma-sync ones.
struct ScheduleRequest {
  LoadMechanism wgmmaLoads = LoadMechanism::Tma;
  SlotRelease wgmmaRelease = SlotRelease::Auto;
  StepOrder wgmmaStep = StepOrder::Auto;
  Toggle wgmmaPingpong = Toggle::Auto;
  MaskedSteps mmaMaskedSteps = MaskedSteps::Auto;
  /// The walk under a runtime block mask, decided by the caller (Dense or
  /// Compacted: fa-select-tiling's chooseForwardWalk, which knows the op);
  /// it applies to the tensor-core kernels with a block mask, others walk
  /// dense.
  BlockMaskWalk walk = BlockMaskWalk::Dense;

  /// Why the forced fields cannot go together, or nullopt.
  std::optional<std::string> conflict() const;
};

/// The epilogue a kernel of `kernel` with these loads builds for head dims
/// `headDim` / `valueHeadDim`: TMA kernels store O through TMA when its rows
/// fit Q's tile rows in whole 64-column boxes, mma-sync kernels stage it in
/// shared memory when its rows fit Q's, the rest store directly.
Epilogue chooseEpilogue(KernelKind kernel, LoadMechanism loads,
                        int64_t headDim, int64_t valueHeadDim);

/// Whether kernel=auto's selection may take the forward's compacted walk:
/// it has passed its GPU check (`gpu_cases.py`'s `wgmma-walk` and
/// `mma-walk` matrices, docs/decisions.md D103), so block-mask-walk=auto
/// takes it wherever a tiling fits with its list (D100). The backward's is
/// kCompactedWalkGpuChecked.
constexpr bool kForwardCompactedWalkGpuChecked = true;

/// Why the forward kernel `kernel` cannot walk `walk` for `problem`, or
/// nullopt: the compacted walk is the tensor-core kernels' (mma-sync,
/// wgmma), under a runtime block mask. (Its list's size also needs a static Nk, the op's check; the list
/// in shared memory is scheduleUnsupportedReason's.)
std::optional<std::string> forwardWalkReason(KernelKind kernel,
                                             BlockMaskWalk walk,
                                             const AttentionProblem &problem);

/// The schedule of the kernel `kernel` for the tiling the model evaluated as
/// `cost`: every Auto field of `request` decided, the forced ones kept
/// (the request must have no conflict()).
///  - wgmma release Auto: Producer where buildsWgmmaProducer says so (TMA
///    only), else Barrier.
///  - wgmma step Auto: Overlap with the producer, else Serial.
///  - pingpong Auto: with the producer's overlapped step; On: where the
///    kernel has the producer; never with one consumer warpgroup.
///  - mma-sync masked steps Auto: Branch where the register estimate is over
///    the per-thread limit (overRegisterLimit), else Split.
///  - walk: the request's Compacted where forwardWalkReason allows it, else
///    Dense.
KernelSchedule decideSchedule(KernelKind kernel, const Tiling &tiling,
                              const CandidateCost &cost,
                              const AttentionProblem &problem,
                              const TargetInfo &target,
                              const ScheduleRequest &request);

/// Why `schedule` cannot be generated for `tiling` and `problem` (a schedule
/// written by hand, or read back), or nullopt: the legality rules of the
/// fields, the same decideSchedule follows.
std::optional<std::string>
scheduleUnsupportedReason(const KernelSchedule &schedule, const Tiling &tiling,
                          const AttentionProblem &problem,
                          const TargetInfo &target);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_KERNELSCHEDULE_H
