//===- SelectBackwardTiling.cpp - fa-select-tiling for fa.attention_grad --===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The backward's half of fa-select-tiling: the kernel, the tiling (the
// backward cost model, docs/CostModel.md "The backward pass") and the dQ
// accumulation of one fa.attention_grad, decided once and recorded as
// `#fa.tiling` and `#fa.backward_schedule` (plus `fa.predicted_sram` for
// the SIMT kernel).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"

#include "FlashAttn/Analysis/Legality.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <optional>
#include <tuple>

using namespace mlir;
using namespace mlir::fa;

/// Candidates listed by `explain`.
static constexpr int64_t kExplainedCandidates = 5;

static std::string describe(const BackwardCost &c) {
  std::string text = llvm::formatv(
      "{0}: {1:f2} us (compute {2:f2} us, memory {3:f2} us), HBM {4} B "
      "(DRAM after L2 {5} B: preprocess {6}/{7}, main {8}/{9}, conversion "
      "{10}/{11} read/write), SRAM {12} B, {13} registers/thread, {14} "
      "block(s)/SM, {15} wave(s)",
      c.tiling.str(), c.predictedSeconds * 1e6, c.computeSeconds * 1e6,
      c.memorySeconds * 1e6, c.hbm.total(), c.dram.total(),
      c.dram.preprocess.readBytes, c.dram.preprocess.writeBytes,
      c.dram.main.readBytes, c.dram.main.writeBytes,
      c.dram.conversion.readBytes, c.dram.conversion.writeBytes, c.sramBytes,
      c.registersPerThread, c.blocksPerSM, c.waves);
  if (c.stepOverheadSeconds > 0)
    text += llvm::formatv(", {0} steps a block at {1:f3} us overhead each",
                          c.maxPairsPerBlock, c.stepOverheadSeconds * 1e6);
  return text;
}

/// The resource a rejection names, for the summary's counts.
static StringRef rejectionGroup(StringRef rejection) {
  if (rejection.starts_with("shared memory"))
    return "over shared memory";
  if (rejection.contains("per thread"))
    return "over registers per thread";
  if (rejection.contains("registers exceed"))
    return "over the SM's register file";
  if (rejection.contains("threads exceed"))
    return "over the thread limit";
  // A built tiling kept from the pick until its GPU check (a ...GpuChecked
  // gate, e.g. D110's).
  if (rejection.contains("GpuChecked)"))
    return "not yet GPU-checked (a written tiling selects them)";
  return "outside the kernel's shapes";
}

/// What `kind` means for the backward.
static StringRef describeKernel(KernelKind kind) {
  switch (kind) {
  case KernelKind::Simt:
    return "the scalar kernels built from fa-tile-attention's tiled form "
           "(four nests, every tile in shared memory, dQ in its own pass); "
           "kernel=auto selects it where no tensor-core backward kernel "
           "applies";
  case KernelKind::MmaSync:
    return "the mma.sync backward kernels of convert-fa-to-nvgpu (K_j, V_j "
           "and the streamed Q_i, dO_i in shared memory, 16 kv rows of dK_j, "
           "dV_j in registers per warp, dQ added atomically, unordered or in "
           "kv-block order; windows and block masks skip whole pairs; an "
           "additive bias added to the scores, dBias stored or summed "
           "atomically)";
  default:
    return "the wgmma backward kernels of convert-fa-to-nvgpu (sm_90a: two "
           "warpgroups of 64 kv rows, K_j, V_j and the streamed Q_i, dO_i "
           "in 128-byte swizzled shared memory, Q_i and dO_i by TMA into a "
           "ring of two buffers (stages 2, dQ added by bulk reductions) or "
           "by cp.async into one (stages 1, dQ added by atomics), dK_j, "
           "dV_j in registers, dQ unordered or in kv-block order; "
           "windows and block masks skip whole pairs, a mask pattern's "
           "steps walk the kv-block's list of q-blocks (dq = atomic); an "
           "additive bias (D = 64, the ring) added to the scores, dBias "
           "stored or summed atomically; D = Dv a multiple of 16 from 64 "
           "to 128; D = 256 and D = 192 with Dv = 128 by the column split: "
           "block_kv 64, each warpgroup half the columns of dK_j, dV_j)";
  }
}

/// Where a dQ mode that the model did not decide comes from.
enum class DqSource { Model, Option, Op };

/// Why `dq` is what it is.
static std::string explainDq(DqAccumulation dq, bool deterministic,
                             DqSource source) {
  std::string why =
      source == DqSource::Op       ? std::string("given with the op")
      : source == DqSource::Option ? std::string("forced (the dq option)")
      : dq == DqAccumulation::Separate
          ? std::string("the simt kernel's only mode (deterministic)")
      : dq == DqAccumulation::Ordered
          ? std::string("deterministic requested: the same f32 adds, made "
                        "in descending kv-block order (a semaphore per "
                        "q-block), bit-identical run to run")
          : std::string("the cheapest: unordered f32 atomic adds (not "
                        "deterministic)");
  if (source != DqSource::Model && deterministic)
    why += ", deterministic";
  return llvm::formatv("dq={0}: {1}", stringifyDqAccumulation(dq), why);
}

static void emitExplanation(AttentionGradOp op,
                            const BackwardDecision &decision,
                            const AttentionProblem &problem, bool assumed,
                            KernelKind kind) {
  InFlightDiagnostic diag = op.emitRemark()
                            << "fa-select-tiling (backward, model): "
                            << decision.reason;
  int64_t feasible = 0;
  llvm::StringMap<int64_t> counts;
  SmallVector<StringRef> order;
  for (const BackwardCost &c : decision.candidates) {
    if (!c.fits()) {
      StringRef group = rejectionGroup(c.rejection);
      if (counts[group]++ == 0)
        order.push_back(group);
      continue;
    }
    if (feasible < kExplainedCandidates)
      diag.attachNote() << "#" << feasible + 1 << " " << describe(c);
    ++feasible;
  }
  int64_t rejected = decision.candidates.size() - feasible;
  if (rejected > 0) {
    std::string summary;
    for (StringRef group : order)
      summary += llvm::formatv("{0}{1} {2}", summary.empty() ? "" : ", ",
                               counts[group], group);
    diag.attachNote() << rejected << " of " << decision.candidates.size()
                      << " candidates rejected: " << summary;
  }
  diag.attachNote() << "kernel=" << stringifyKernelKind(kind) << ": "
                    << describeKernel(kind);
  if (assumed)
    diag.attachNote() << "dynamic sizes assumed for the prediction: batch = "
                      << problem.batch << ", Nq = " << problem.seqLenQ
                      << ", Nk = " << problem.seqLenKV
                      << " (options assumed-batch, assumed-seq-len)";
}

/// What kernel=auto weighs for one fa.attention_grad.
struct AutoRequest {
  AttentionGradOp op;
  const BackwardSelectOptions &options;
  const AttentionProblem &problem;
  const TargetInfo &target;
  bool deterministic;
};

/// Why the tensor-core backward `kind` cannot take `r` (kernel=auto's
/// test), or nullopt: both build f16/bf16 (an i1 keep-mask, a window, a
/// block mask and, with dq = atomic, a mask pattern) where a tiling fits,
/// with dq = atomic or, deterministic, ordered; the mma.sync kernel on
/// sm_80+ (an additive bias too), the wgmma kernel on sm_90a at its built
/// head dims (wgmmaBackwardProblemReason) and with a bias at D = 64
/// (wgmmaBiasReason).
static std::optional<std::string> tensorCoreUnsupported(KernelKind kind,
                                                        const AutoRequest &r) {
  AttentionGradOp op = r.op;
  Type elt = op.getQueryType().getElementType();
  if (!elt.isF16() && !elt.isBF16())
    return std::string("its element type is f16 or bf16");
  if (kind == KernelKind::Wgmma)
    if (std::optional<std::string> why = wgmmaBiasReason(op))
      return why;
  auto decided = decideDqAccumulation(kind, r.deterministic, r.options.dq);
  if (auto *why = std::get_if<std::string>(&decided))
    return *why;
  DqAccumulation dq = std::get<DqAccumulation>(decided);
  if (std::optional<std::string> why = patternDqReason(r.problem, dq))
    return why;
  if (std::optional<std::string> why = biasGradientDqReason(op, dq))
    return why;
  if (Legality support = checkLegality(kind, r.problem, r.target);
      !support.isLegal())
    return support.message;
  if (kind == KernelKind::Wgmma)
    if (std::optional<std::string> why =
            wgmmaBackwardProblemReason(r.problem))
      return why;
  BackwardCostModel model(r.target, kind);
  if (TilingAttr given = op.getTilingAttr()) {
    BackwardCost cost = model.evaluate(getTiling(given), r.problem, dq);
    if (!cost.fits())
      return "the given tiling does not fit it: " + cost.rejection;
  } else if (BackwardDecision d = model.select(r.problem, dq); !d.found()) {
    return d.reason;
  }
  return std::nullopt;
}

/// kernel=auto's tensor-core backward kernels, in order: the first that
/// builds the op wins, the SIMT kernels take the rest. The wgmma backward
/// goes first: it is the faster of the two where both build the op (its TMA
/// ring 1.01-1.46x FlashAttention-2 against the mma.sync one's 0.58-0.70x,
/// docs/results/2026-12-05-session8-checks and
/// docs/results/2026-12-05-h100-tensor-core-backward). Everything both
/// build has passed its GPU check (session 8: on an H100 the wgmma matrix
/// 154 of 154, the mma-sync matrix 207 of 207, D76's column split 78 of 78;
/// on an H200 D75's block masks and patterns 33 of 33). A build that has
/// not is kept from auto where it is built: the model refuses it with a
/// reason (as the column split's ring with a block mask), so kernel=auto
/// and kernel=wgmma alike take a checked candidate.
static const KernelKind kAutoBackwardKernels[] = {KernelKind::Wgmma,
                                                  KernelKind::MmaSync};

/// kernel=auto's kernel for `r` and why, for `explain` (a kernel passed by
/// says why: what it does not build).
static std::pair<KernelKind, std::string> chooseAuto(const AutoRequest &r) {
  std::string why;
  for (KernelKind kind : kAutoBackwardKernels) {
    std::optional<std::string> no = tensorCoreUnsupported(kind, r);
    if (!no)
      return {kind,
              llvm::formatv("kernel=auto chose {0}: it builds this backward",
                            stringifyKernelKind(kind))
                      .str() +
                  (why.empty() ? "" : " (" + why + ")")};
    why += llvm::formatv("{0}not {1}: {2}", why.empty() ? "" : "; ",
                         stringifyKernelKind(kind), *no);
  }
  return {KernelKind::Simt, "kernel=auto chose simt (" + why + ")"};
}

/// The backward kernel of `op`: its schedule's, else the option's (`auto`:
/// chooseAuto, which says why in `autoReason`).
static FailureOr<KernelKind> chooseKernel(AttentionGradOp op,
                                          const BackwardSelectOptions &options,
                                          const AttentionProblem &problem,
                                          const TargetInfo &target,
                                          bool deterministic,
                                          std::string &autoReason) {
  KernelKind kind = options.kernel;
  if (BackwardScheduleAttr given = op.getScheduleAttr())
    kind = given.getKernel();
  if (kind == KernelKind::Auto)
    std::tie(kind, autoReason) =
        chooseAuto({op, options, problem, target, deterministic});
  if (kind == KernelKind::TensorCore)
    return op.emitOpError()
           << "has no kernel=tensor-core backward: the backward's kernels "
              "are simt, mma-sync and wgmma (or auto)";
  if (isNVGPUKernel(kind))
    if (Legality support = checkLegality(kind, problem, target);
        !support.isLegal())
      return op.emitOpError()
             << "cannot use the " << stringifyKernelKind(kind)
             << " backward kernel: " << support.message;
  // The wgmma backward's built problems (docs/Backward.md, "On the GPU: the
  // wgmma kernels").
  if (kind == KernelKind::Wgmma) {
    if (std::optional<std::string> why =
            wgmmaBackwardProblemReason(problem))
      return op.emitOpError() << "cannot use the wgmma backward kernel: "
                              << *why;
    if (std::optional<std::string> why = wgmmaBiasReason(op))
      return op.emitOpError() << "cannot use the wgmma backward kernel: "
                              << *why;
  }
  return kind;
}

/// The dQ accumulation of `op`: its schedule's (checked), else decided.
static FailureOr<DqAccumulation>
chooseDq(AttentionGradOp op, const BackwardSelectOptions &options,
         KernelKind kind, bool deterministic) {
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (deterministic && given.getDq() == DqAccumulation::Atomic)
      return op.emitOpError()
             << "schedule " << given
             << " accumulates dQ with unordered atomic adds, but "
                "fa-select-tiling was asked for a deterministic result";
    return given.getDq();
  }
  auto decided = decideDqAccumulation(kind, deterministic, options.dq);
  if (auto *why = std::get_if<std::string>(&decided))
    return op.emitOpError() << "fa-select-tiling: " << *why
                            << " (kernel=" << stringifyKernelKind(kind) << ")";
  return std::get<DqAccumulation>(decided);
}

/// The walk of `op`'s wgmma ring under a block mask: its schedule's, else
/// the option's, else (auto) `Auto` where the compacted walk may build for
/// the op (its GPU check passed, kCompactedWalkGpuChecked), which the
/// tiling's choice resolves (resolveAutoWalk), else dense. The option
/// `compacted` concerns the wgmma kernel with a block mask (other ops walk
/// dense) and is an error where such an op cannot take it (ordered dQ, the
/// column split, a dynamic Nq). The stages are checked with the tiling (the
/// model's rejection).
static FailureOr<BlockMaskWalk> chooseWalk(AttentionGradOp op,
                                           const BackwardSelectOptions &options,
                                           KernelKind kind, DqAccumulation dq) {
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getWalk() == BlockMaskWalk::Compacted)
      if (std::optional<std::string> why =
              compactedWalkOpReason(op, kind, dq, /*tiling=*/nullptr))
        return op.emitOpError() << "cannot walk compacted: " << *why;
    return given.getWalk();
  }
  switch (options.walk) {
  case BlockMaskWalk::Dense:
    return BlockMaskWalk::Dense;
  case BlockMaskWalk::Compacted:
    if (kind != KernelKind::Wgmma || !op.getBlockMask())
      return BlockMaskWalk::Dense;
    if (std::optional<std::string> why =
            compactedWalkOpReason(op, kind, dq, /*tiling=*/nullptr))
      return op.emitOpError()
             << "fa-select-tiling: block-mask-walk=compacted: " << *why;
    return BlockMaskWalk::Compacted;
  case BlockMaskWalk::Auto:
    break;
  }
  if (kCompactedWalkGpuChecked &&
      !compactedWalkOpReason(op, kind, dq, /*tiling=*/nullptr))
    return BlockMaskWalk::Auto;
  return BlockMaskWalk::Dense;
}

/// `auto`'s walk once the tiling is known: with a given tiling, compacted
/// where that tiling takes it (the ring, not one buffer) and still fits;
/// else the model's pick of each walk, compacted unless the dense walk's
/// pick is predicted faster (a one-buffer tiling the compacted walk cannot
/// use) or the compacted walk fits no tiling. `decided` receives the
/// winning walk's decision when the model was asked, so that it is not
/// selected again.
static BlockMaskWalk resolveAutoWalk(AttentionGradOp op,
                                     const BackwardCostModel &model,
                                     const AttentionProblem &problem,
                                     KernelKind kind, DqAccumulation dq,
                                     std::optional<BackwardDecision> &decided) {
  if (TilingAttr existing = op.getTilingAttr()) {
    Tiling tiling = getTiling(existing);
    if (compactedWalkOpReason(op, kind, dq, &tiling) ||
        !model.evaluate(tiling, problem, dq, BlockMaskWalk::Compacted).fits())
      return BlockMaskWalk::Dense;
    return BlockMaskWalk::Compacted;
  }
  BackwardDecision compacted =
      model.select(problem, dq, BlockMaskWalk::Compacted);
  BackwardDecision dense = model.select(problem, dq, BlockMaskWalk::Dense);
  if (!compacted.found() ||
      (dense.found() && dense.winner().predictedSeconds <
                            compacted.winner().predictedSeconds)) {
    decided = std::move(dense);
    return BlockMaskWalk::Dense;
  }
  decided = std::move(compacted);
  return BlockMaskWalk::Compacted;
}

/// The compacted walk was asked for (the option or a written schedule) and
/// no tiling fits with its list: an error that says so where the dense walk
/// fits one (the list is why), else success (the op's other error follows).
static LogicalResult refuseListOverflow(AttentionGradOp op,
                                        const BackwardCostModel &model,
                                        const AttentionProblem &problem,
                                        DqAccumulation dq,
                                        const TargetInfo &target) {
  BackwardDecision dense = model.select(problem, dq, BlockMaskWalk::Dense);
  if (!dense.found())
    return success();
  // The list lives on the ring (stages 2): the dense pick's tiles on it.
  Tiling ring = dense.winner().tiling;
  ring.stages = 2;
  BackwardCost listed =
      model.evaluate(ring, problem, dq, BlockMaskWalk::Compacted);
  InFlightDiagnostic diag = op.emitOpError();
  BackwardScheduleAttr given = op.getScheduleAttr();
  if (given)
    diag << "schedule " << given << " cannot be tiled";
  else
    diag << "fa-select-tiling: block-mask-walk=compacted";
  return diag << ": no " << stringifyKernelKind(model.getKind())
              << " backward tiling fits with the compacted walk's list of "
                 "live q-blocks: with "
              << ring.str() << " the list of "
              << compactedWalkEntries(ring, problem)
              << " q-blocks (a kv-block's walk over the "
              << problem.numQueryHeads / problem.numKVHeads
              << " query head(s) of its group) takes the block's shared "
                 "memory to "
              << listed.sramBytes << " B (" << target.sramPerBlock
              << " B per block available); "
              << (given ? "a schedule without walk = compacted"
                        : "block-mask-walk=auto or dense")
              << " walks dense";
}

/// What `op` asks of the wgmma ring's products in flight and of its
/// epilogue: its schedule's, else the option's (chooseInFlight and
/// chooseBackwardEpilogue decide from them; the model keeps the tilings
/// that build them).
static InFlightProducts askedInFlight(AttentionGradOp op,
                                     const BackwardSelectOptions &options) {
  BackwardScheduleAttr given = op.getScheduleAttr();
  return given ? given.getInFlight() : options.inFlight;
}

static BackwardEpilogue askedEpilogue(AttentionGradOp op,
                                      const BackwardSelectOptions &options) {
  BackwardScheduleAttr given = op.getScheduleAttr();
  return given ? given.getEpilogue() : options.epilogue;
}

/// The products `op`'s wgmma ring leaves in flight across a step's end: its
/// schedule's, else the option's, else (auto) dK where it builds and has
/// passed its GPU check (kInFlightGpuChecked), else none. The option `dk`
/// concerns the wgmma kernel (other kernels: none) and is an error where the
/// op or its `tiling` cannot take it (a block mask, the column split, one
/// buffer).
static FailureOr<InFlightProducts>
chooseInFlight(AttentionGradOp op, const BackwardSelectOptions &options,
               KernelKind kind, const Tiling &tiling) {
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getInFlight() == InFlightProducts::DK)
      if (std::optional<std::string> why = inFlightOpReason(op, kind, &tiling))
        return op.emitOpError() << "cannot leave dK in flight: " << *why;
    return given.getInFlight();
  }
  switch (options.inFlight) {
  case InFlightProducts::None:
    return InFlightProducts::None;
  case InFlightProducts::DK:
    if (kind != KernelKind::Wgmma)
      return InFlightProducts::None;
    if (std::optional<std::string> why = inFlightOpReason(op, kind, &tiling))
      return op.emitOpError()
             << "fa-select-tiling: backward-in-flight=dk: " << *why;
    return InFlightProducts::DK;
  case InFlightProducts::Auto:
    break;
  }
  if (kInFlightGpuChecked && !inFlightOpReason(op, kind, &tiling))
    return InFlightProducts::DK;
  return InFlightProducts::None;
}

/// How `op`'s wgmma backward stores dK and dV: its schedule's, else the
/// option's, else (auto) through TMA where it builds and has passed its GPU
/// check (kBackwardTmaStoreGpuChecked; on the wide q-block
/// kWideQueryBlockTmaStoreGpuChecked), else directly. The option
/// `tma-store` concerns the wgmma kernel (other kernels: direct) and is an
/// error where the op or its `tiling` cannot take it (the column split, one
/// buffer).
static FailureOr<BackwardEpilogue>
chooseBackwardEpilogue(AttentionGradOp op, const BackwardSelectOptions &options,
                       KernelKind kind, const Tiling &tiling) {
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getEpilogue() == BackwardEpilogue::TmaStore)
      if (std::optional<std::string> why =
              backwardTmaStoreOpReason(op, kind, &tiling))
        return op.emitOpError()
               << "cannot store dK and dV through TMA: " << *why;
    return given.getEpilogue();
  }
  switch (options.epilogue) {
  case BackwardEpilogue::Direct:
    return BackwardEpilogue::Direct;
  case BackwardEpilogue::TmaStore:
    if (kind != KernelKind::Wgmma)
      return BackwardEpilogue::Direct;
    if (std::optional<std::string> why =
            backwardTmaStoreOpReason(op, kind, &tiling))
      return op.emitOpError()
             << "fa-select-tiling: backward-epilogue=tma-store: " << *why;
    return BackwardEpilogue::TmaStore;
  case BackwardEpilogue::Auto:
    break;
  }
  if (kBackwardTmaStoreGpuChecked && kind == KernelKind::Wgmma &&
      (tiling.blockQ != kWgmmaBackwardWideBlockQ ||
       kWideQueryBlockTmaStoreGpuChecked) &&
      !backwardTmaStoreOpReason(op, kind, &tiling))
    return BackwardEpilogue::TmaStore;
  return BackwardEpilogue::Direct;
}

/// Where `op`'s wgmma ring passes its ordered dQ's turns: its schedule's,
/// else the option's, else (auto) after the score products where that
/// builds and has passed its GPU check (kDqPassAfterScoresGpuChecked), else
/// at the step's start. The option `after-scores` concerns the wgmma
/// kernel's ordered dQ (otherwise: step-start) and is an error where the op
/// or its `tiling` cannot take it (the column split, one buffer).
static FailureOr<DqTurnPass>
chooseDqPass(AttentionGradOp op, const BackwardSelectOptions &options,
             KernelKind kind, DqAccumulation dq, const Tiling &tiling) {
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getDqPass() == DqTurnPass::AfterScores)
      if (std::optional<std::string> why =
              dqPassAfterScoresOpReason(op, kind, dq, &tiling))
        return op.emitOpError()
               << "cannot pass the ordered dQ's turns after the score "
                  "products: "
               << *why;
    return given.getDqPass();
  }
  switch (options.dqPass) {
  case DqTurnPass::StepStart:
    return DqTurnPass::StepStart;
  case DqTurnPass::AfterScores:
    if (kind != KernelKind::Wgmma || dq != DqAccumulation::Ordered)
      return DqTurnPass::StepStart;
    if (std::optional<std::string> why =
            dqPassAfterScoresOpReason(op, kind, dq, &tiling))
      return op.emitOpError()
             << "fa-select-tiling: dq-pass=after-scores: " << *why;
    return DqTurnPass::AfterScores;
  case DqTurnPass::Auto:
    break;
  }
  if (kDqPassAfterScoresGpuChecked &&
      !dqPassAfterScoresOpReason(op, kind, dq, &tiling))
    return DqTurnPass::AfterScores;
  return DqTurnPass::StepStart;
}

/// The op's schedule against the explicit options (D113): an error on the
/// first field one of them asks to be otherwise. An option asks for what a
/// fresh decision for the schedule's kernel would take from it:
/// `block-mask-walk=compacted`, `backward-in-flight=dk`,
/// `backward-epilogue=tma-store`, `dq-pass=after-scores` and
/// `backward-persistent=on` concern the wgmma kernel (the walk an op with a
/// block mask, the pass its ordered dQ), so for another kernel they ask for
/// the dense walk, none, the direct stores, the step's start and a block per
/// tile, and conflict with nothing it has.
static LogicalResult checkScheduleOptions(AttentionGradOp op,
                                          BackwardScheduleAttr given,
                                          const BackwardSelectOptions &o) {
  bool wgmma = given.getKernel() == KernelKind::Wgmma;
  if (o.dq != DqAccumulation::Auto && o.dq != given.getDq())
    return emitScheduleConflict(op, given, "dq",
                                stringifyDqAccumulation(given.getDq()), "dq",
                                stringifyDqAccumulation(o.dq));
  if (std::optional<BlockMaskWalk> asked =
          askedWalk(o.walk, wgmma && op.getBlockMask());
      asked && *asked != given.getWalk())
    return emitScheduleConflict(op, given, "walk",
                                stringifyBlockMaskWalk(given.getWalk()),
                                "block-mask-walk",
                                stringifyBlockMaskWalk(o.walk));
  if (o.inFlight != InFlightProducts::Auto &&
      (o.inFlight == InFlightProducts::DK && wgmma
           ? InFlightProducts::DK
           : InFlightProducts::None) != given.getInFlight())
    return emitScheduleConflict(
        op, given, "in_flight", stringifyInFlightProducts(given.getInFlight()),
        "backward-in-flight", stringifyInFlightProducts(o.inFlight));
  if (o.epilogue != BackwardEpilogue::Auto &&
      (o.epilogue == BackwardEpilogue::TmaStore && wgmma
           ? BackwardEpilogue::TmaStore
           : BackwardEpilogue::Direct) != given.getEpilogue())
    return emitScheduleConflict(
        op, given, "epilogue", stringifyBackwardEpilogue(given.getEpilogue()),
        "backward-epilogue", stringifyBackwardEpilogue(o.epilogue));
  // `dq-pass=after-scores` concerns the wgmma kernel's ordered dQ.
  if (o.dqPass != DqTurnPass::Auto &&
      (o.dqPass == DqTurnPass::AfterScores && wgmma &&
               given.getDq() == DqAccumulation::Ordered
           ? DqTurnPass::AfterScores
           : DqTurnPass::StepStart) != given.getDqPass())
    return emitScheduleConflict(op, given, "dq_pass",
                                stringifyDqTurnPass(given.getDqPass()),
                                "dq-pass", stringifyDqTurnPass(o.dqPass));
  // `backward-persistent=on` concerns the wgmma kernel.
  if (o.persistent != BackwardPersistence::Auto &&
      (o.persistent == BackwardPersistence::On && wgmma
           ? BackwardPersistence::On
           : BackwardPersistence::Off) != given.getPersistent())
    return emitScheduleConflict(
        op, given, "persistent",
        stringifyBackwardPersistence(given.getPersistent()),
        "backward-persistent", stringifyBackwardPersistence(o.persistent));
  // `backward-gqa=split` concerns the wgmma kernel of a GQA op.
  if (o.gqa != BackwardGqa::Auto &&
      (o.gqa == BackwardGqa::Split && wgmma && op.getGroupSize() > 1
           ? BackwardGqa::Split
           : BackwardGqa::Loop) != given.getGqa())
    return emitScheduleConflict(op, given, "gqa",
                                stringifyBackwardGqa(given.getGqa()),
                                "backward-gqa", stringifyBackwardGqa(o.gqa));
  // `backward-dq-convert=fused` concerns the wgmma kernel.
  if (o.dqConvert != DqConvert::Auto &&
      (o.dqConvert == DqConvert::Fused && wgmma ? DqConvert::Fused
                                                 : DqConvert::Kernel) !=
          given.getDqConvert())
    return emitScheduleConflict(
        op, given, "dq_convert", stringifyDqConvert(given.getDqConvert()),
        "backward-dq-convert", stringifyDqConvert(o.dqConvert));
  // `backward-dq-reduce=warpgroup` concerns the wgmma kernel.
  if (o.dqReduce != DqReduce::Auto &&
      (o.dqReduce == DqReduce::Warpgroup && wgmma ? DqReduce::Warpgroup
                                                  : DqReduce::Warp) !=
          given.getDqReduce())
    return emitScheduleConflict(
        op, given, "dq_reduce", stringifyDqReduce(given.getDqReduce()),
        "backward-dq-reduce", stringifyDqReduce(o.dqReduce));
  // `backward-launch-chunk` over 1 concerns the wgmma kernel.
  if (o.launchChunk > 0 &&
      (wgmma ? o.launchChunk : 1) != given.getLaunchChunk())
    return emitScheduleConflict(op, given, "launch_chunk",
                                std::to_string(given.getLaunchChunk()),
                                "backward-launch-chunk",
                                std::to_string(o.launchChunk));
  return success();
}

/// How `op`'s wgmma backward issues dQ's tensor reductions: its
/// schedule's, else the option's, else (auto) the warpgroup's where they
/// build, have passed their GPU check (kDqReduceWarpgroupGpuChecked) and
/// were measured faster (dqReduceWarpgroupByDefault), else the warp's. The option `warpgroup` concerns the wgmma kernel
/// (others: warp) and is an error where `tiling` or the op's head dims
/// cannot take it.
static FailureOr<DqReduce> chooseDqReduce(AttentionGradOp op,
                                          const BackwardSelectOptions &options,
                                          KernelKind kind,
                                          const Tiling &tiling) {
  auto reason = [&] {
    return dqReduceWarpgroupReason(kind, getAttentionProblem(op), tiling);
  };
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getDqReduce() == DqReduce::Warpgroup)
      if (std::optional<std::string> why = reason())
        return op.emitOpError() << "cannot add dQ a warpgroup's box at a "
                                   "time: "
                                << *why;
    return given.getDqReduce();
  }
  switch (options.dqReduce) {
  case DqReduce::Warp:
    return DqReduce::Warp;
  case DqReduce::Warpgroup:
    if (kind != KernelKind::Wgmma)
      return DqReduce::Warp;
    if (std::optional<std::string> why = reason())
      return op.emitOpError()
             << "fa-select-tiling: backward-dq-reduce=warpgroup: " << *why;
    return DqReduce::Warpgroup;
  case DqReduce::Auto:
    break;
  }
  if (kDqReduceWarpgroupGpuChecked && kind == KernelKind::Wgmma && !reason() &&
      dqReduceWarpgroupByDefault(getAttentionProblem(op), tiling))
    return DqReduce::Warpgroup;
  return DqReduce::Warp;
}

/// Where `op`'s wgmma backward converts dQ: its schedule's, else the
/// option's, else (auto) fused where it builds and has passed its GPU check
/// (kDqConvertFusedGpuChecked), else a kernel. The option `fused` concerns
/// the wgmma kernel (others: kernel) and is an error where the op, its
/// `dq`, `tiling` or the other decided fields cannot take it.
static FailureOr<DqConvert>
chooseDqConvert(AttentionGradOp op, const BackwardSelectOptions &options,
                KernelKind kind, DqAccumulation dq, BlockMaskWalk walk,
                BackwardPersistence persistent, BackwardGqa gqa,
                const Tiling &tiling) {
  auto reason = [&]() -> std::optional<std::string> {
    if (std::optional<std::string> why =
            dqConvertFusedOpReason(op, kind, dq, &tiling))
      return why;
    if (walk == BlockMaskWalk::Compacted)
      return std::string("the fused dQ conversion does not walk compacted");
    if (persistent == BackwardPersistence::On)
      return std::string("the fused dQ conversion is not persistent");
    if (gqa == BackwardGqa::Split)
      return std::string("the fused dQ conversion is not built with the "
                         "split group");
    return std::nullopt;
  };
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getDqConvert() == DqConvert::Fused)
      if (std::optional<std::string> why = reason())
        return op.emitOpError() << "cannot fuse the dQ conversion: " << *why;
    return given.getDqConvert();
  }
  switch (options.dqConvert) {
  case DqConvert::Kernel:
    return DqConvert::Kernel;
  case DqConvert::Fused:
    if (kind != KernelKind::Wgmma)
      return DqConvert::Kernel;
    if (std::optional<std::string> why = reason())
      return op.emitOpError()
             << "fa-select-tiling: backward-dq-convert=fused: " << *why;
    return DqConvert::Fused;
  case DqConvert::Auto:
    break;
  }
  if (kDqConvertFusedGpuChecked && kind == KernelKind::Wgmma && !reason())
    return DqConvert::Fused;
  return DqConvert::Kernel;
}

/// The launch chunk of `op`'s wgmma backward covering its group by `gqa`
/// (D131, #fa.backward_schedule's `launch_chunk`): its schedule's, else the
/// option's (over 1 it concerns the wgmma kernel, others: 1; an error with
/// ordered dQ or the persistent kernel asked for), else (auto)
/// launchChunkByDefault, 1 beside the persistent kernel asked for.
static FailureOr<int64_t>
chooseLaunchChunk(AttentionGradOp op, const BackwardSelectOptions &options,
                  KernelKind kind, DqAccumulation dq, BackwardGqa gqa,
                  const AttentionProblem &problem) {
  if (BackwardScheduleAttr given = op.getScheduleAttr())
    return given.getLaunchChunk();
  int64_t asked = options.launchChunk;
  if (asked > 1 && kind == KernelKind::Wgmma) {
    if (dq != DqAccumulation::Atomic)
      return op.emitOpError()
             << "fa-select-tiling: backward-launch-chunk=" << asked
             << " needs atomic dQ: ordered dQ launches the kv-blocks last "
                "first for its turns";
    if (options.persistent == BackwardPersistence::On)
      return op.emitOpError()
             << "fa-select-tiling: backward-launch-chunk=" << asked
             << " is not built with backward-persistent=on (the persistent "
                "kernel walks its own tiles)";
    return asked;
  }
  if (asked > 0 || options.persistent == BackwardPersistence::On)
    return int64_t(1);
  return launchChunkByDefault(kind, dq, gqa, problem);
}

/// How `op`'s wgmma backward covers its group: its schedule's, else the
/// option's, else (auto, D122) split where it builds, has passed its GPU
/// check (kBackwardGqaSplitGpuChecked), nothing else asked of the schedule
/// excludes it (the TMA-store epilogue, dK in flight, the persistent
/// kernel, the dQ turn's pass, the fused dQ conversion, a block mask's
/// walk; a mask operand and a
/// mask pattern, which its GPU check did not cover) and the model's best
/// split tiling is predicted at least kBackwardGqaSplitMargin faster than
/// its best loop; else loop. The option `split` concerns the wgmma kernel
/// of a GQA op (others: loop) and is an error where the op, its `dq` or the
/// walk asked for cannot take it.
static FailureOr<BackwardGqa>
chooseGqa(AttentionGradOp op, const BackwardSelectOptions &options,
          KernelKind kind, DqAccumulation dq, BlockMaskWalk walk,
          const BackwardCostModel &model, const AttentionProblem &problem,
          int64_t loopChunk, int64_t splitChunk) {
  auto reason = [&]() -> std::optional<std::string> {
    if (std::optional<std::string> why =
            backwardGqaSplitOpReason(op, kind, dq))
      return why;
    if (walk == BlockMaskWalk::Compacted)
      return std::string("the split group does not walk compacted");
    return std::nullopt;
  };
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getGqa() == BackwardGqa::Split)
      if (std::optional<std::string> why = reason())
        return op.emitOpError() << "cannot split the group: " << *why;
    return given.getGqa();
  }
  bool grouped = kind == KernelKind::Wgmma && op.getGroupSize() > 1;
  switch (options.gqa) {
  case BackwardGqa::Loop:
    return BackwardGqa::Loop;
  case BackwardGqa::Split:
    if (!grouped)
      return BackwardGqa::Loop;
    if (std::optional<std::string> why = reason())
      return op.emitOpError() << "fa-select-tiling: backward-gqa=split: "
                              << *why;
    return BackwardGqa::Split;
  case BackwardGqa::Auto:
    break;
  }
  if (!kBackwardGqaSplitGpuChecked || !grouped || reason() ||
      askedEpilogue(op, options) == BackwardEpilogue::TmaStore ||
      askedInFlight(op, options) == InFlightProducts::DK ||
      options.persistent == BackwardPersistence::On ||
      options.dqPass == DqTurnPass::AfterScores ||
      options.dqConvert == DqConvert::Fused || problem.blockMaskQ > 0 ||
      problem.hasMaskPattern() || problem.maskElementBytes > 0)
    return BackwardGqa::Loop;
  // Both covers priced densely (no block mask here): the split's blocks a
  // query head each, the loop's a group each, handed to the SMs in each
  // one's launch order (dispatchSteps: the loop's longer causal blocks
  // leave a longer tail, unless its chunks launch them longest first).
  BackwardDecision loop = model.select(problem, dq, BlockMaskWalk::Dense,
                                       BackwardGqa::Loop, loopChunk);
  BackwardDecision split = model.select(problem, dq, BlockMaskWalk::Dense,
                                        BackwardGqa::Split, splitChunk);
  if (loop.found() && split.found() &&
      split.winner().predictedSeconds * (1.0 + kBackwardGqaSplitMargin) <
          loop.winner().predictedSeconds)
    return BackwardGqa::Split;
  return BackwardGqa::Loop;
}

/// Whether `op`'s wgmma backward is persistent: its schedule's, else the
/// option's, else (auto) on where it builds if it is adopted
/// (kBackwardPersistentAdopted: it is not, D114), else off. The option
/// `on` concerns the wgmma kernel (other kernels: off) and is an error
/// where the op, its `dq`, `inFlight` or `tiling` cannot take it (the
/// compacted walk needs a block mask, which it refuses).
static FailureOr<BackwardPersistence>
choosePersistent(AttentionGradOp op, const BackwardSelectOptions &options,
                 KernelKind kind, DqAccumulation dq, InFlightProducts inFlight,
                 const Tiling &tiling) {
  auto reason = [&]() -> std::optional<std::string> {
    if (std::optional<std::string> why =
            backwardPersistentOpReason(op, kind, dq, &tiling))
      return why;
    if (inFlight == InFlightProducts::DK)
      return std::string("the persistent kernel does not leave dK in flight");
    return std::nullopt;
  };
  if (BackwardScheduleAttr given = op.getScheduleAttr()) {
    if (given.getPersistent() == BackwardPersistence::On)
      if (std::optional<std::string> why = reason())
        return op.emitOpError() << "cannot be persistent: " << *why;
    return given.getPersistent();
  }
  switch (options.persistent) {
  case BackwardPersistence::Off:
    return BackwardPersistence::Off;
  case BackwardPersistence::On:
    if (kind != KernelKind::Wgmma)
      return BackwardPersistence::Off;
    if (std::optional<std::string> why = reason())
      return op.emitOpError()
             << "fa-select-tiling: backward-persistent=on: " << *why;
    return BackwardPersistence::On;
  case BackwardPersistence::Auto:
    break;
  }
  if (kBackwardPersistentAdopted && kind == KernelKind::Wgmma && !reason())
    return BackwardPersistence::On;
  return BackwardPersistence::Off;
}

LogicalResult
mlir::fa::selectBackwardTiling(AttentionGradOp op,
                               const BackwardSelectOptions &options) {
  FailureOr<TargetInfo> required = getRequiredTarget(op);
  if (failed(required))
    return failure();
  const TargetInfo &target = *required;
  bool assumed = false;
  AttentionProblem problem = getAttentionProblem(
      op, options.assumedSeqLen, options.assumedBatch, &assumed);
  if (std::optional<std::string> why = problem.validate())
    return op.emitOpError() << "cannot be tiled: " << *why;

  // An op keeps the schedule it carries (written, or an earlier run's); an
  // option asking for another value of one of its fields is an error, as a
  // deterministic request against its atomic dQ is (chooseDq): ignoring it
  // was a silent change of meaning (D113).
  if (BackwardScheduleAttr given = op.getScheduleAttr();
      given && failed(checkScheduleOptions(op, given, options)))
    return failure();
  bool deterministic = options.deterministic || op.getDeterministic();
  std::string autoReason;
  FailureOr<KernelKind> kind =
      chooseKernel(op, options, problem, target, deterministic, autoReason);
  if (failed(kind))
    return failure();
  FailureOr<DqAccumulation> dq = chooseDq(op, options, *kind, deterministic);
  if (failed(dq))
    return failure();
  if (std::optional<std::string> why = patternDqReason(problem, *dq);
      why && isNVGPUKernel(*kind))
    return op.emitOpError() << "cannot use the "
                            << stringifyKernelKind(*kind)
                            << " backward kernel: " << *why;
  if (std::optional<std::string> why = biasGradientDqReason(op, *dq);
      why && isNVGPUKernel(*kind))
    return op.emitOpError() << "cannot use the "
                            << stringifyKernelKind(*kind)
                            << " backward kernel: " << *why;
  FailureOr<BlockMaskWalk> walk = chooseWalk(op, options, *kind, *dq);
  if (failed(walk))
    return failure();
  BackwardCostModel model(target, *kind,
                          static_cast<bool>(op.getBiasGradInit()));
  // dK in flight or the TMA-store epilogue asked for (by option or a
  // written schedule) keeps the tilings that build it (D108); the TMA store
  // builds on the wide q-block since D130, except beside a window's tests.
  if (askedInFlight(op, options) == InFlightProducts::DK)
    model.setNarrowQueryBlockRequired("the dK in flight asked for");
  else if (askedEpilogue(op, options) == BackwardEpilogue::TmaStore &&
           (!kWideQueryBlockTmaStoreGpuChecked || problem.window))
    model.setNarrowQueryBlockRequired("the TMA-store epilogue asked for");
  if (options.launchChunk < 0 || options.launchChunk > kMaxLaunchChunk)
    return op.emitOpError()
           << "fa-select-tiling: backward-launch-chunk must be 0 (auto) or "
              "from 1 to "
           << kMaxLaunchChunk << ", got " << options.launchChunk;
  // The launch order of each cover, which chooseGqa prices with it.
  FailureOr<int64_t> loopChunk = chooseLaunchChunk(
      op, options, *kind, *dq, BackwardGqa::Loop, problem);
  if (failed(loopChunk))
    return failure();
  FailureOr<int64_t> splitChunk = chooseLaunchChunk(
      op, options, *kind, *dq, BackwardGqa::Split, problem);
  if (failed(splitChunk))
    return failure();
  FailureOr<BackwardGqa> gqa = chooseGqa(op, options, *kind, *dq, *walk, model,
                                         problem, *loopChunk, *splitChunk);
  if (failed(gqa))
    return failure();
  int64_t launchChunk =
      *gqa == BackwardGqa::Split ? *splitChunk : *loopChunk;
  std::optional<BackwardDecision> decided;
  // The split group walks densely (its blocks are a query head's: the
  // compacted walk's list is the group's).
  if (*walk == BlockMaskWalk::Auto && *gqa == BackwardGqa::Split)
    walk = BlockMaskWalk::Dense;
  if (*walk == BlockMaskWalk::Auto)
    walk = resolveAutoWalk(op, model, problem, *kind, *dq, decided);

  // A tiling written earlier (or by hand) stays, if it fits.
  BackwardCost cost;
  if (TilingAttr existing = op.getTilingAttr()) {
    cost = model.evaluate(getTiling(existing), problem, *dq, *walk, *gqa,
                          launchChunk);
    if (!cost.fits())
      return op.emitOpError()
             << "tiling " << existing << " does not fit the target ("
             << target.arch << "): " << cost.rejection
             << " (backward kernel=" << stringifyKernelKind(*kind) << ")"
             << (*walk == BlockMaskWalk::Compacted &&
                         model
                             .evaluate(getTiling(existing), problem, *dq,
                                       BlockMaskWalk::Dense)
                             .fits()
                     ? llvm::formatv(
                           "; the compacted walk's list of {0} "
                           "q-blocks takes it over (the tiling "
                           "fits the dense walk)",
                           compactedWalkEntries(getTiling(existing), problem))
                           .str()
                     : std::string());
    if (options.explain)
      op.emitRemark() << "fa-select-tiling: keeps the given tiling "
                      << existing << " (" << describe(cost) << ")";
  } else {
    BackwardDecision decision =
        decided ? std::move(*decided)
                : model.select(problem, *dq, *walk, *gqa, launchChunk);
    if (!decision.found() && *walk == BlockMaskWalk::Compacted &&
        failed(refuseListOverflow(op, model, problem, *dq, target)))
      return failure();
    if (!decision.found())
      return op.emitOpError()
             << "cannot be tiled for " << target.arch << " (head dim "
             << problem.headDim << ", value head dim "
             << problem.valueHeadDim << "): " << decision.reason
             << " (backward kernel=" << stringifyKernelKind(*kind) << ")";
    cost = decision.winner();
    op.setTilingAttr(makeTilingAttr(op.getContext(), cost.tiling));
    if (options.explain)
      emitExplanation(op, decision, problem, assumed, *kind);
  }

  FailureOr<InFlightProducts> inFlight =
      chooseInFlight(op, options, *kind, cost.tiling);
  if (failed(inFlight))
    return failure();
  FailureOr<BackwardEpilogue> epilogue =
      chooseBackwardEpilogue(op, options, *kind, cost.tiling);
  if (failed(epilogue))
    return failure();
  FailureOr<DqTurnPass> dqPass =
      chooseDqPass(op, options, *kind, *dq, cost.tiling);
  if (failed(dqPass))
    return failure();
  FailureOr<BackwardPersistence> persistent = choosePersistent(
      op, options, *kind, *dq, *inFlight, cost.tiling);
  if (failed(persistent))
    return failure();
  // The split group adds dK and dV by its own bulk reductions, one block a
  // query head: the TMA-store epilogue and the persistent kernel asked for
  // by option are errors, taken by auto they give way.
  if (*gqa == BackwardGqa::Split && !op.getScheduleAttr()) {
    if (*epilogue == BackwardEpilogue::TmaStore) {
      if (options.epilogue == BackwardEpilogue::TmaStore)
        return op.emitOpError() << "fa-select-tiling: backward-gqa=split "
                                   "adds dK and dV by bulk reductions, not "
                                   "backward-epilogue=tma-store";
      epilogue = BackwardEpilogue::Direct;
    }
    if (*persistent == BackwardPersistence::On) {
      if (options.persistent == BackwardPersistence::On)
        return op.emitOpError() << "fa-select-tiling: backward-gqa=split is "
                                   "not built with backward-persistent=on";
      persistent = BackwardPersistence::Off;
    }
  }
  // A chunk auto took gives way to a persistent kernel (chooseLaunchChunk
  // refuses one asked for beside backward-persistent=on).
  if (*persistent == BackwardPersistence::On && !op.getScheduleAttr())
    launchChunk = 1;
  FailureOr<DqConvert> dqConvert =
      chooseDqConvert(op, options, *kind, *dq, *walk, *persistent, *gqa,
                      cost.tiling);
  if (failed(dqConvert))
    return failure();
  FailureOr<DqReduce> dqReduce =
      chooseDqReduce(op, options, *kind, cost.tiling);
  if (failed(dqReduce))
    return failure();
  BackwardScheduleAttr schedule = op.getScheduleAttr();
  DqSource source = schedule                            ? DqSource::Op
                    : options.dq != DqAccumulation::Auto ? DqSource::Option
                                                         : DqSource::Model;
  if (!schedule) {
    schedule = BackwardScheduleAttr::get(op.getContext(), *kind, *dq, *walk,
                                         *inFlight, *epilogue, *dqPass,
                                         *persistent, *gqa, *dqConvert,
                                         *dqReduce, launchChunk);
    op.setScheduleAttr(schedule);
  }
  // The SIMT kernel's shared memory, as the forward's fa-tile-attention
  // records it: the largest nest's block.
  if (*kind == KernelKind::Simt)
    op->setAttr(FADialect::getPredictedSramAttrName(),
                IntegerAttr::get(IntegerType::get(op.getContext(), 64),
                                 cost.sramBytes));
  if (options.explain) {
    InFlightDiagnostic remark =
        op.emitRemark() << "fa-select-tiling: backward schedule " << schedule
                        << ": " << explainDq(*dq, deterministic, source)
                        << (*walk == BlockMaskWalk::Compacted
                                ? "; walk=compacted: the ring walks a list "
                                  "of the q-blocks the block mask keeps, "
                                  "scanned at the block's start"
                                : "")
                        << (*inFlight == InFlightProducts::DK
                                ? "; in_flight=dk: dK's product completes "
                                  "under the next step's top"
                                : "")
                        << (*epilogue == BackwardEpilogue::TmaStore
                                ? "; epilogue=tma_store: dK and dV leave "
                                  "through shared memory and TMA"
                                : "")
                        << (*dqPass == DqTurnPass::AfterScores
                                ? "; dq_pass=after_scores: a step's turn "
                                  "passes once the next step's score "
                                  "products are issued"
                                : "")
                        << (*persistent == BackwardPersistence::On
                                ? "; persistent=on: one block per SM walks "
                                  "the tiles"
                                : "")
                        << (*gqa == BackwardGqa::Split
                                ? llvm::formatv(
                                      "; gqa=split: a block per query head "
                                      "({0} blocks), dK and dV added to f32 "
                                      "accumulators ({1} MiB of DRAM "
                                      "traffic in all)",
                                      cost.numBlocks,
                                      cost.dram.total() >> 20)
                                      .str()
                                : std::string())
                        << (*dqConvert == DqConvert::Fused
                                ? "; dq_convert=fused: the last block to add "
                                  "to a q-block converts its dQ rows (no "
                                  "convert kernel)"
                                : "")
                        << (schedule.getLaunchChunk() > 1
                                ? llvm::formatv(
                                      "; launch_chunk={0}: the grid launches "
                                      "{0} (batch, head) pairs' kv-block 0 "
                                      "first, then their kv-block 1, ... "
                                      "(the longest blocks first)",
                                      schedule.getLaunchChunk())
                                      .str()
                                : std::string());
    if (!autoReason.empty())
      remark.attachNote() << autoReason;
  }
  return success();
}
