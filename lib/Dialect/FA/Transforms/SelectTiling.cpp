//===- SelectTiling.cpp - Choose #fa.tiling with the IO cost model --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/Passes.h"

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FASELECTTILINGPASS
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// Candidates listed by `explain`.
static constexpr int64_t kExplainedCandidates = 5;

static std::string formatBytes(int64_t bytes) {
  if (bytes >= 1000000000)
    return llvm::formatv("{0:f3} GB", bytes / 1e9);
  if (bytes >= 1000000)
    return llvm::formatv("{0:f3} MB", bytes / 1e6);
  return llvm::formatv("{0} B", bytes);
}

static std::string formatTime(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3);
  return llvm::formatv("{0:f2} us", seconds * 1e6);
}

static std::string describe(const CandidateCost &c) {
  return llvm::formatv("{0}: {1}, HBM {2} (DRAM after L2 {3}), SRAM {4} B, "
                       "{5} registers/thread, {6} block(s)/SM, {7} wave(s)",
                       c.tiling.str(), formatTime(c.predictedSeconds),
                       formatBytes(c.hbm.total()), formatBytes(c.dramBytes),
                       c.sramBytes, c.registersPerThread, c.blocksPerSM,
                       c.waves);
}

/// kernel=auto's forward preferences, in order: the first that builds the
/// op wins, the SIMT kernel takes the rest. Every tensor-core forward has
/// passed its GPU check (the mask patterns' block lists too: session 8,
/// docs/results/2026-12-05-session8-checks).
static const KernelKind kAutoForwardKernels[] = {KernelKind::Wgmma,
                                                 KernelKind::MmaSync};

/// The words a rejection counts under in the summary: one group per
/// resource, and one for all the rules of the `kind` kernel.
static StringRef rejectionGroup(LegalityReason reason, KernelKind kind) {
  if (isKernelRule(reason))
    return kind == KernelKind::Wgmma ? "outside the wgmma kernel's shapes"
                                     : "outside the mma-sync kernel's shapes";
  switch (reason) {
  case LegalityReason::BlockMaskGranularity:
    return "not dividing the block mask's blocks";
  case LegalityReason::SharedMemory:
    return "over shared memory";
  case LegalityReason::RegistersPerThread:
    return "over registers per thread";
  case LegalityReason::RegisterFile:
    return "over the SM's register file";
  case LegalityReason::ThreadLimit:
    return "over the thread limit";
  default:
    llvm_unreachable("not a reason to reject a candidate");
  }
}

/// "1200 over shared memory, 30 over registers per thread": the rejected
/// candidates of the `kind` kernel counted by group, in order of first
/// appearance.
static std::string summarizeRejections(const TilingDecision &decision,
                                       KernelKind kind) {
  llvm::StringMap<int64_t> counts;
  SmallVector<StringRef> order;
  for (const CandidateCost &c : decision.candidates) {
    if (c.fits())
      continue;
    StringRef group = rejectionGroup(c.legality.reason, kind);
    if (counts[group]++ == 0)
      order.push_back(group);
  }
  std::string result;
  for (StringRef group : order)
    result += llvm::formatv("{0}{1} {2}", result.empty() ? "" : ", ",
                            counts[group], group);
  return result;
}

namespace {
struct SelectTilingPass
    : public fa::impl::FASelectTilingPassBase<SelectTilingPass> {
  using FASelectTilingPassBase::FASelectTilingPassBase;

  void runOnOperation() override {
    if (assumedSeqLen < 1 || assumedBatch < 1) {
      getOperation()->emitError()
          << "assumed-seq-len and assumed-batch must be positive";
      return signalPassFailure();
    }
    if (std::optional<std::string> conflict = request().conflict()) {
      getOperation()->emitError() << "fa-select-tiling: " << *conflict;
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](Operation *op) {
      LogicalResult selected = success();
      if (auto forward = dyn_cast<AttentionOp>(op))
        selected = selectTiling(forward);
      else if (auto backward = dyn_cast<AttentionGradOp>(op))
        selected = selectBackwardTiling(backward, backwardOptions());
      return failed(selected) ? WalkResult::interrupt()
                              : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// The options that apply to fa.attention_grad.
  BackwardSelectOptions backwardOptions() const {
    BackwardSelectOptions o;
    o.kernel = kernel;
    o.dq = dq;
    o.walk = blockMaskWalk;
    o.inFlight = backwardInFlight;
    o.epilogue = backwardEpilogue;
    o.dqPass = dqPass;
    o.persistent = backwardPersistent;
    o.gqa = backwardGqa;
    o.dqConvert = backwardDqConvert;
    o.dqReduce = backwardDqReduce;
    o.launchChunk = backwardLaunchChunk;
    o.deterministic = deterministic;
    o.explain = explain;
    o.assumedSeqLen = assumedSeqLen;
    o.assumedBatch = assumedBatch;
    return o;
  }

  /// The schedule fields the options force.
  ScheduleRequest request() const {
    ScheduleRequest r;
    r.wgmmaLoads = wgmmaLoads;
    r.wgmmaRelease = wgmmaRelease;
    r.wgmmaStep = wgmmaSchedule;
    r.wgmmaPingpong = wgmmaPingpong;
    r.mmaMaskedSteps = mmaMaskedSteps;
    return r;
  }

  /// The kernels that may run `op`, in order: its own schedule's, else the
  /// option's; `auto`: the wgmma kernel, then the mma.sync kernel, where
  /// each applies, then the scalar one (a tiling given with the op chooses
  /// the kernel too: the first of them that can run it, alone).
  /// selectTiling takes the first that has a tiling that fits, and names
  /// the kernels it passed by in `autoNote`.
  SmallVector<KernelKind> chooseKernels(AttentionOp op,
                                        const TargetInfo &target,
                                        const AttentionProblem &problem,
                                        std::string &autoNote) {
    std::optional<Tiling> given;
    if (TilingAttr attr = op.getTilingAttr())
      given = getTiling(attr);
    if (kernel != KernelKind::Auto || op.getScheduleAttr())
      return {getKernelKind(op, kernel)};
    SmallVector<KernelKind> kinds;
    for (KernelKind candidate : kAutoForwardKernels) {
      if (!checkLegality(candidate, problem, target, given).isLegal())
        continue;
      kinds.push_back(candidate);
      if (given)
        return kinds;
    }
    kinds.push_back(KernelKind::Simt);
    return kinds;
  }

  /// With `explain`, why kernel=auto passed kernels by for `kind`.
  void emitAutoNote(AttentionOp op, KernelKind kind,
                    const std::string &autoNote) {
    if (explain && !autoNote.empty())
      op.emitRemark() << "fa-select-tiling: kernel=auto chose "
                      << stringifyKernelKind(kind) << " (" << autoNote << ")";
  }

  /// Adds "not KIND: WHY" to kernel=auto's note.
  static void appendAutoNote(std::string &note, KernelKind kind,
                             const Twine &why) {
    note += llvm::formatv("{0}not {1}: {2}", note.empty() ? "" : "; ",
                          stringifyKernelKind(kind), why.str());
  }

  LogicalResult selectTiling(AttentionOp op) {
    FailureOr<TargetInfo> required = getRequiredTarget(op);
    if (failed(required))
      return failure();
    const TargetInfo &target = *required;
    bool assumed = false;
    AttentionProblem problem =
        getAttentionProblem(op, assumedSeqLen, assumedBatch, &assumed);
    if (std::optional<std::string> why = problem.validate())
      return op.emitOpError() << "cannot be tiled: " << *why;

    // An op keeps the schedule it carries; an explicit block-mask-walk
    // that would walk otherwise is an error, as for the backward (D113).
    if (ScheduleAttr given = op.getScheduleAttr())
      if (std::optional<BlockMaskWalk> asked = askedWalk(
              blockMaskWalk,
              isNVGPUKernel(given.getKernel()) && op.getBlockMask());
          asked && *asked != given.getWalk())
        return emitScheduleConflict(op, given, "walk",
                                    stringifyBlockMaskWalk(given.getWalk()),
                                    "block-mask-walk",
                                    stringifyBlockMaskWalk(blockMaskWalk));

    std::string autoNote;
    SmallVector<KernelKind> kinds =
        chooseKernels(op, target, problem, autoNote);
    KernelKind kind = kinds.front();
    if (Legality support = checkLegality(kind, problem, target);
        !support.isLegal())
      return op.emitOpError() << "cannot use the " << stringifyKernelKind(kind)
                              << " kernel: " << support.message;
    // The walk is decided before the tiling: its list takes shared memory.
    // Under block-mask-walk=auto, kernel=auto's kernels after the first walk
    // dense.
    FailureOr<BlockMaskWalk> walk = chooseForwardWalk(op, kind, problem);
    if (failed(walk))
      return failure();
    // `auto` takes the compacted walk where a tiling fits with its list,
    // else walks dense (never an error the dense walk would not give).
    bool autoWalk = *walk == BlockMaskWalk::Auto;
    if (autoWalk)
      walk = BlockMaskWalk::Compacted;
    // The list was asked for (the option or a written schedule): every
    // tensor-core kernel kernel=auto tries takes it, and a list that leaves
    // no tiling is an error, never a silent dense walk (D106).
    const bool askedCompacted = !autoWalk && *walk == BlockMaskWalk::Compacted;
    // (`kind` changes in kernel=auto's loop below: compare with the kernel
    // the walk was decided for.)
    const KernelKind walkKind = kind;
    auto walkOf = [&](KernelKind k) {
      if (k == walkKind)
        return *walk;
      return askedCompacted &&
                     !forwardWalkReason(k, BlockMaskWalk::Compacted, problem)
                 ? BlockMaskWalk::Compacted
                 : BlockMaskWalk::Dense;
    };

    // A tiling written earlier (or by hand) stays, if it fits.
    CandidateCost cost;
    if (TilingAttr existing = op.getTilingAttr()) {
      emitAutoNote(op, kind, autoNote);
      CostModel model(target, modelOptions(kind, walkOf(kind)));
      cost = model.evaluate(getTiling(existing), problem);
      if (!cost.fits() && autoWalk) {
        walk = BlockMaskWalk::Dense;
        cost = CostModel(target, modelOptions(kind, BlockMaskWalk::Dense))
                   .evaluate(getTiling(existing), problem);
      }
      if (!cost.fits())
        return op.emitOpError()
               << "tiling " << existing << " does not fit the target ("
               << target.arch << "): " << cost.legality.message
               << " (kernel=" << stringifyKernelKind(kind) << ")"
               << (askedCompacted && walkOf(kind) == BlockMaskWalk::Compacted
                       ? listOverflowNote(kind, getTiling(existing), target,
                                          problem, cost.legality.reason)
                       : std::string());
      if (explain)
        op.emitRemark() << "fa-select-tiling: keeps the given tiling "
                        << existing << " (" << describe(cost) << ")"
                        << (problem.window || problem.hasMaskPattern()
                                ? "; " + describeDensity(cost.tiling, problem)
                                : std::string())
                        << (problem.blockMaskQ
                                ? "; " + describeBlockMask(problem)
                                : std::string());
    } else {
      // kernel=auto goes on to the next kernel where none of this one's
      // tilings fits (a head dim its registers cannot hold).
      TilingDecision decision;
      for (auto [i, candidate] : llvm::enumerate(kinds)) {
        kind = candidate;
        CostModel model(target, modelOptions(kind, walkOf(kind)));
        decision = mode == SelectionMode::Paper ? model.selectPaper(problem)
                                                : model.select(problem);
        if (!decision.found() && autoWalk && i == 0) {
          walk = BlockMaskWalk::Dense;
          CostModel dense(target, modelOptions(kind, BlockMaskWalk::Dense));
          decision = mode == SelectionMode::Paper ? dense.selectPaper(problem)
                                                  : dense.select(problem);
        }
        if (!decision.found() && askedCompacted &&
            walkOf(kind) == BlockMaskWalk::Compacted &&
            failed(refuseListOverflow(op, kind, target, problem)))
          return failure();
        if (decision.found() || i + 1 == kinds.size())
          break;
        appendAutoNote(autoNote, kind, decision.reason);
      }
      emitAutoNote(op, kind, autoNote);
      if (!decision.found())
        return op.emitOpError()
               << "cannot be tiled for " << target.arch << " (head dim "
               << problem.headDim << ", value head dim "
               << problem.valueHeadDim << "): " << decision.reason
               << " (kernel=" << stringifyKernelKind(kind) << ")";
      cost = decision.winner();
      op.setTilingAttr(makeTilingAttr(op.getContext(), cost.tiling));
      if (explain)
        emitExplanation(op, decision, problem, assumed, kind);
    }
    if (!isGeneratedKernel(kind))
      return success();
    return recordSchedule(op, kind, cost, problem, target, walkOf(kind));
  }

  /// The list was asked for and no tiling of `kind` fits with it: an error
  /// where a tiling fits without the list (the list is why), else success
  /// (the kernel fits nothing either way; kernel=auto goes on).
  LogicalResult refuseListOverflow(AttentionOp op, KernelKind kind,
                                   const TargetInfo &target,
                                   const AttentionProblem &problem) {
    CostModel dense(target, modelOptions(kind, BlockMaskWalk::Dense));
    TilingDecision decision = mode == SelectionMode::Paper
                                  ? dense.selectPaper(problem)
                                  : dense.select(problem);
    if (!decision.found())
      return success();
    const Tiling &t = decision.winner().tiling;
    int64_t bytes =
        CostModel(target, modelOptions(kind, BlockMaskWalk::Compacted))
            .evaluate(t, problem)
            .sramBytes;
    InFlightDiagnostic diag = op.emitOpError();
    ScheduleAttr given = op.getScheduleAttr();
    if (given)
      diag << "schedule " << given << " cannot be tiled";
    else
      diag << "fa-select-tiling: block-mask-walk=compacted";
    return diag << ": no " << stringifyKernelKind(kind)
                << " tiling fits with the compacted walk's list of live "
                   "kv-blocks: with "
                << t.str() << ", the dense walk's pick, the list of "
                << forwardWalkListEntries(t, problem)
                << " kv-blocks takes the block's shared memory to " << bytes
                << " B (" << target.sramPerBlock << " B per block available); "
                << (given ? "a schedule without walk = compacted"
                          : "block-mask-walk=auto or dense")
                << " walks dense";
  }

  /// With the list asked for, why a written tiling that does not fit with
  /// it (for `reason`) would fit without it ("" where the walk is not why):
  /// the list's shared memory, or the walk's registers (D113).
  std::string listOverflowNote(KernelKind kind, const Tiling &tiling,
                               const TargetInfo &target,
                               const AttentionProblem &problem,
                               LegalityReason reason) {
    if (!CostModel(target, modelOptions(kind, BlockMaskWalk::Dense))
             .evaluate(tiling, problem)
             .fits())
      return "";
    if (reason == LegalityReason::RegistersPerThread ||
        reason == LegalityReason::RegisterFile)
      return "; the compacted walk's registers take it over (the tiling fits "
             "the dense walk)";
    return llvm::formatv("; the compacted walk's list of {0} kv-blocks takes "
                         "it over (the tiling fits the dense walk)",
                         forwardWalkListEntries(tiling, problem))
        .str();
  }

  /// The cost model's options for `kind` walking `walk`.
  static CostModelOptions modelOptions(KernelKind kind, BlockMaskWalk walk) {
    CostModelOptions o;
    o.kernel = kind;
    o.compactedWalk = walk == BlockMaskWalk::Compacted;
    return o;
  }

  /// The walk of `op`'s kernel `kind` under a block mask: its schedule's,
  /// else the option's, else (auto) `Auto` where the compacted walk builds
  /// for the op and has passed its GPU check
  /// (kForwardCompactedWalkGpuChecked), which the tiling's choice resolves
  /// (compacted where a tiling fits with the list), else dense. The option `compacted` concerns the tensor-core kernels with a
  /// block mask (other ops walk dense) and is an error where such an op cannot
  /// take it (a dynamic Nk). The list's shared memory is checked with the
  /// tiling (the model's rejection).
  FailureOr<BlockMaskWalk> chooseForwardWalk(AttentionOp op, KernelKind kind,
                                             const AttentionProblem &problem) {
    if (ScheduleAttr given = op.getScheduleAttr()) {
      if (std::optional<std::string> why =
              forwardWalkReason(given.getKernel(), given.getWalk(), problem))
        return op.emitOpError() << "cannot walk compacted: " << *why;
      return given.getWalk();
    }
    auto compactedReason = [&]() -> std::optional<std::string> {
      if (std::optional<std::string> why = forwardWalkReason(
              kind, BlockMaskWalk::Compacted, problem))
        return why;
      if (op.getKeyType().isDynamicDim(2))
        return std::string("the compacted walk's list has a static size: Nk "
                           "must be static");
      return std::nullopt;
    };
    switch (blockMaskWalk) {
    case BlockMaskWalk::Dense:
      return BlockMaskWalk::Dense;
    case BlockMaskWalk::Compacted:
      if (!isNVGPUKernel(kind) || !op.getBlockMask())
        return BlockMaskWalk::Dense;
      if (std::optional<std::string> why = compactedReason())
        return op.emitOpError()
               << "fa-select-tiling: block-mask-walk=compacted: " << *why;
      return BlockMaskWalk::Compacted;
    case BlockMaskWalk::Auto:
      break;
    }
    if (kForwardCompactedWalkGpuChecked && !compactedReason())
      return BlockMaskWalk::Auto;
    return BlockMaskWalk::Dense;
  }

  /// Decides the schedule of `op`'s kernel for the tiling evaluated as
  /// `cost` and records it, or checks the one the op carries.
  LogicalResult recordSchedule(AttentionOp op, KernelKind kind,
                               const CandidateCost &cost,
                               const AttentionProblem &problem,
                               const TargetInfo &target, BlockMaskWalk walk) {
    ScheduleAttr attr = op.getScheduleAttr();
    if (attr) {
      if (std::optional<std::string> why = scheduleUnsupportedReason(
              getKernelSchedule(attr), cost.tiling, problem, target))
        return op.emitOpError() << "schedule " << attr << " cannot be built: "
                                << *why;
    } else {
      ScheduleRequest r = request();
      r.walk = walk;
      attr = getScheduleAttr(op.getContext(),
                             decideSchedule(kind, cost.tiling, cost, problem,
                                            target, r));
      op.setScheduleAttr(attr);
    }
    if (explain)
      op.emitRemark() << "fa-select-tiling: schedule " << attr << ": "
                      << explainSchedule(getKernelSchedule(attr), cost,
                                         problem, target)
                      << explainWalk(getKernelSchedule(attr), cost, problem);
    return success();
  }

  /// The walk, where the op has a block mask: its list and scan.
  static std::string explainWalk(const KernelSchedule &s,
                                 const CandidateCost &cost,
                                 const AttentionProblem &problem) {
    if (problem.blockMaskQ == 0)
      return "";
    if (!s.walksCompacted())
      return "; walk=dense: every kv-block a step, a dead one predicated off";
    const Tiling &t = cost.tiling;
    int64_t entries = forwardWalkListEntries(t, problem);
    SharedLayout layout =
        SharedLayout::get(t, problem, s.kernel, /*compactedWalk=*/true);
    return llvm::formatv(
               "; walk=compacted: warp 0 lists the live kv-blocks of the "
               "q-block's {0} in shared memory at the block's start ({1} "
               "round(s) of 32, about {2:f0} clocks each), the loads and "
               "steps walk the list ({3} B of shared memory)",
               entries, llvm::divideCeil(entries, 32), kWalkScanRoundClocks,
               layout.list.bytes())
        .str();
  }

  /// Why the schedule's deciding fields are what they are.
  static std::string explainSchedule(const KernelSchedule &s,
                                     const CandidateCost &cost,
                                     const AttentionProblem &problem,
                                     const TargetInfo &target) {
    if (s.kernel == KernelKind::Wgmma && s.hasProducer())
      return llvm::formatv(
          "the producer kernel: one more warpgroup issues the loads, {0} "
          "consumer warpgroup(s) at {1} registers a thread{2}{3}",
          cost.tiling.warps / 4, s.consumerRegisters,
          s.pingpong ? " take turns at the tensor cores" : "",
          wgmmaProducerSpills(cost.tiling, cost, problem, target)
              ? llvm::formatv(" (estimated {0}: built spilling a few bytes, "
                              "measured faster than the spill-free "
                              "tilings, D116)",
                              cost.registersPerThread)
                    .str()
              : std::string());
    if (s.kernel == KernelKind::Wgmma && s.usesTma())
      return llvm::formatv("the barrier kernel ({0} block(s) per SM)",
                           cost.blocksPerSM);
    if (s.kernel == KernelKind::MmaSync)
      return llvm::formatv(
          "register estimate {0} {1} the per-thread limit: masked steps "
          "{2}",
          cost.registersPerThread,
          s.branchesMaskedSteps() ? "over" : "within",
          stringifyMaskedSteps(s.maskedSteps));
    return "the fields' defaults";
  }

  /// The blocks a window or a mask pattern leaves to compute, for `tiling`;
  /// for a mask pattern, BlockClassifier's count of them, full and partial.
  static std::string describeDensity(const Tiling &tiling,
                                     const AttentionProblem &problem) {
    if (problem.hasMaskPattern()) {
      MaskPattern pattern = problem.maskPattern();
      BlockCensus c = cachedCensus(pattern, tiling.blockQ, tiling.blockKV);
      return llvm::formatv("density {0:F4}: {1} computes {2} of the {3} "
                           "(q-block, kv-block) pairs of the mask ({4}): {5} "
                           "full (no mask arithmetic), {6} partial (masked); "
                           "traffic and time count only those",
                           c.density(), tiling.str(), c.computed(), c.total,
                           pattern.str(), c.full, c.partial)
          .str();
    }
    return llvm::formatv("density {0:F4}: {1} computes {0:F4} of the (q-block, "
                         "kv-block) pairs (the window's; traffic and time "
                         "count only those)",
                         computedBlockDensity(tiling, problem), tiling.str())
        .str();
  }

  /// What the model knows of a runtime block mask: its granularity, not
  /// its density.
  static std::string describeBlockMask(const AttentionProblem &problem) {
    return llvm::formatv("block mask {0}x{1}: its density is known only at "
                         "run time; the prediction counts every block "
                         "(density 1), the candidates' blocks divide the "
                         "mask's",
                         problem.blockMaskQ, problem.blockMaskKV)
        .str();
  }

  void emitExplanation(AttentionOp op, const TilingDecision &decision,
                       const AttentionProblem &problem, bool assumed,
                       KernelKind kind) {
    InFlightDiagnostic diag =
        op.emitRemark() << "fa-select-tiling ("
                        << (mode == SelectionMode::Paper ? "paper" : "model")
                        << "): " << decision.reason;
    if (problem.window || problem.hasMaskPattern())
      diag.attachNote() << describeDensity(decision.winner().tiling, problem);
    if (problem.blockMaskQ)
      diag.attachNote() << describeBlockMask(problem);
    int64_t feasible = 0;
    for (const CandidateCost &c : decision.candidates) {
      if (!c.fits())
        continue;
      if (feasible < kExplainedCandidates)
        diag.attachNote() << "#" << feasible + 1 << " " << describe(c);
      ++feasible;
    }
    int64_t rejected = decision.candidates.size() - feasible;
    if (rejected > 0)
      diag.attachNote() << rejected << " of " << decision.candidates.size()
                        << " candidates rejected: "
                        << summarizeRejections(decision, kind);
    diag.attachNote() << "kernel=" << stringifyKernelKind(kind) << ": "
                      << (kind == KernelKind::Simt
                              ? "the scalar kernel of convert-fa-to-gpu (all "
                                "tiles in shared memory, 1 stage; the pass's "
                                "default kernel, fa-to-ptx-pipeline passes "
                                "kernel=auto)"
                          : kind == KernelKind::MmaSync
                              ? "the mma.sync kernel of convert-fa-to-nvgpu "
                                "(accumulators in registers, K/V stages in "
                                "shared memory, cp.async)"
                          : kind == KernelKind::Wgmma
                              ? "the wgmma kernel of convert-fa-to-nvgpu "
                                "(a warpgroup per 64 rows, swizzled K/V "
                                "stages in shared memory, TMA loads)"
                              : "the tensor-core kernel (accumulators in "
                                "registers, K/V stages in shared memory)");
    if (assumed)
      diag.attachNote() << "dynamic sizes assumed for the prediction: batch = "
                        << problem.batch << ", Nq = " << problem.seqLenQ
                        << ", Nk = " << problem.seqLenKV
                        << " (options assumed-batch, assumed-seq-len)";
  }
};
} // namespace
