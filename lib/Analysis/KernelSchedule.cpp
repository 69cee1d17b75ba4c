//===- KernelSchedule.cpp - The decided schedule of one kernel -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/KernelSchedule.h"

#include "FlashAttn/Analysis/SharedLayout.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::fa;

llvm::StringRef mlir::fa::stringifyLoadMechanism(LoadMechanism value) {
  switch (value) {
  case LoadMechanism::CpAsync:
    return "cp-async";
  case LoadMechanism::Tma:
    return "tma";
  }
  llvm_unreachable("unknown load mechanism");
}

llvm::StringRef mlir::fa::stringifySlotRelease(SlotRelease value) {
  switch (value) {
  case SlotRelease::Auto:
    return "auto";
  case SlotRelease::Barrier:
    return "barrier";
  case SlotRelease::MBarrier:
    return "mbarrier";
  case SlotRelease::Producer:
    return "producer";
  }
  llvm_unreachable("unknown slot release");
}

llvm::StringRef mlir::fa::stringifyStepOrder(StepOrder value) {
  switch (value) {
  case StepOrder::Auto:
    return "auto";
  case StepOrder::Serial:
    return "serial";
  case StepOrder::Overlap:
    return "overlap";
  }
  llvm_unreachable("unknown step order");
}

llvm::StringRef mlir::fa::stringifyMaskedSteps(MaskedSteps value) {
  switch (value) {
  case MaskedSteps::Auto:
    return "auto";
  case MaskedSteps::Split:
    return "split";
  case MaskedSteps::Branch:
    return "branch";
  }
  llvm_unreachable("unknown masked steps");
}

llvm::StringRef mlir::fa::stringifyEpilogue(Epilogue value) {
  switch (value) {
  case Epilogue::Direct:
    return "direct";
  case Epilogue::Staged:
    return "staged";
  case Epilogue::TmaStore:
    return "tma-store";
  }
  llvm_unreachable("unknown epilogue");
}

std::optional<LoadMechanism> mlir::fa::parseLoadMechanism(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<LoadMechanism>>(s)
      .Case("cp-async", LoadMechanism::CpAsync)
      .Case("tma", LoadMechanism::Tma)
      .Default(std::nullopt);
}

std::optional<SlotRelease> mlir::fa::parseSlotRelease(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<SlotRelease>>(s)
      .Case("auto", SlotRelease::Auto)
      .Case("barrier", SlotRelease::Barrier)
      .Case("mbarrier", SlotRelease::MBarrier)
      .Case("producer", SlotRelease::Producer)
      .Default(std::nullopt);
}

std::optional<StepOrder> mlir::fa::parseStepOrder(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<StepOrder>>(s)
      .Case("auto", StepOrder::Auto)
      .Case("serial", StepOrder::Serial)
      .Case("overlap", StepOrder::Overlap)
      .Default(std::nullopt);
}

std::optional<MaskedSteps> mlir::fa::parseMaskedSteps(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<MaskedSteps>>(s)
      .Case("auto", MaskedSteps::Auto)
      .Case("split", MaskedSteps::Split)
      .Case("branch", MaskedSteps::Branch)
      .Default(std::nullopt);
}

std::optional<Epilogue> mlir::fa::parseEpilogue(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<Epilogue>>(s)
      .Case("direct", Epilogue::Direct)
      .Case("staged", Epilogue::Staged)
      .Case("tma-store", Epilogue::TmaStore)
      .Default(std::nullopt);
}

std::optional<std::string> ScheduleRequest::conflict() const {
  bool tma = wgmmaLoads == LoadMechanism::Tma;
  if (!tma && (wgmmaRelease == SlotRelease::MBarrier ||
               wgmmaRelease == SlotRelease::Producer))
    return "wgmma-release=" + stringifySlotRelease(wgmmaRelease).str() +
           " needs wgmma-loads=tma";
  if (wgmmaStep == StepOrder::Overlap &&
      (!tma || wgmmaRelease == SlotRelease::MBarrier))
    return std::string("wgmma-schedule=overlap needs wgmma-loads=tma and "
                       "wgmma-release=barrier, producer or auto");
  if (wgmmaPingpong == Toggle::On &&
      (!tma || (wgmmaRelease != SlotRelease::Producer &&
                wgmmaRelease != SlotRelease::Auto)))
    return std::string("wgmma-pingpong=on needs wgmma-loads=tma and "
                       "wgmma-release=producer or auto");
  return std::nullopt;
}

std::optional<std::string>
mlir::fa::forwardWalkReason(KernelKind kernel, BlockMaskWalk walk,
                            const AttentionProblem &problem) {
  if (walk == BlockMaskWalk::Auto)
    return std::string("'auto' is a request, not a decided walk");
  if (walk != BlockMaskWalk::Compacted)
    return std::nullopt;
  if (kernel != KernelKind::Wgmma && kernel != KernelKind::MmaSync)
    return "the forward's compacted walk is the tensor-core kernels' "
           "(mma-sync, wgmma), not the " +
           stringifyKernelKind(kernel).str() + " kernel's";
  if (problem.blockMaskQ == 0)
    return std::string("the compacted walk lists the kv-blocks a runtime "
                       "block mask keeps; this problem has no block mask");
  return std::nullopt;
}

Epilogue mlir::fa::chooseEpilogue(KernelKind kernel, LoadMechanism loads,
                                  int64_t headDim, int64_t valueHeadDim) {
  // O is staged over the warp's own Q rows, so its rows must fit them
  // (docs/decisions.md, D31 and D32).
  if (kernel == KernelKind::Wgmma && loads == LoadMechanism::Tma &&
      valueHeadDim <= headDim)
    return Epilogue::TmaStore;
  if (kernel == KernelKind::MmaSync && valueHeadDim <= headDim)
    return Epilogue::Staged;
  return Epilogue::Direct;
}

KernelSchedule mlir::fa::decideSchedule(KernelKind kernel, const Tiling &tiling,
                                        const CandidateCost &cost,
                                        const AttentionProblem &problem,
                                        const TargetInfo &target,
                                        const ScheduleRequest &request) {
  KernelSchedule s;
  s.kernel = kernel;
  if (kernel == KernelKind::Wgmma) {
    s.loads = request.wgmmaLoads;
    if (s.usesTma()) {
      s.release = request.wgmmaRelease;
      // The producer where its registers cost nothing (docs/decisions.md,
      // D22, D38).
      if (s.release == SlotRelease::Auto)
        s.release = buildsWgmmaProducer(tiling, cost, problem, target)
                        ? SlotRelease::Producer
                        : SlotRelease::Barrier;
      if (s.hasProducer())
        s.consumerRegisters =
            producerConsumerRegisters(target.regsPerSM, tiling.warps);
      s.step = request.wgmmaStep;
      // Overlap and turns pay off with the producer only (D21, D26, D27).
      // A runtime block mask skips steps the serial step alone can skip
      // (docs/BlockSparse.md, "The kernels").
      bool blockMask = problem.blockMaskQ != 0;
      if (s.step == StepOrder::Auto)
        s.step = s.hasProducer() && !blockMask ? StepOrder::Overlap
                                               : StepOrder::Serial;
      // Turns need a second consumer warpgroup to pass them to.
      s.pingpong = !blockMask && s.hasProducer() && tiling.warps >= 8 &&
                   (request.wgmmaPingpong == Toggle::On ||
                    (request.wgmmaPingpong == Toggle::Auto &&
                     s.overlapsSteps()));
    }
  }
  if (kernel == KernelKind::MmaSync) {
    s.maskedSteps = request.mmaMaskedSteps;
    // One copy of the step spills less where ptxas spills anyway (D45).
    if (s.maskedSteps == MaskedSteps::Auto)
      s.maskedSteps = overRegisterLimit(cost, target) ? MaskedSteps::Branch
                                                      : MaskedSteps::Split;
    // The registers follow the blocks shared memory lets run (D118).
    if (cost.blocksPerSM < cost.registerBlocksPerSM)
      s.minBlocksPerSM = cost.blocksPerSM;
  }
  s.epilogue = chooseEpilogue(kernel, s.loads, problem.headDim,
                              problem.valueHeadDim);
  if (request.walk == BlockMaskWalk::Compacted &&
      !forwardWalkReason(kernel, request.walk, problem))
    s.walk = BlockMaskWalk::Compacted;
  return s;
}

std::optional<std::string>
mlir::fa::scheduleUnsupportedReason(const KernelSchedule &s,
                                    const Tiling &tiling,
                                    const AttentionProblem &problem,
                                    const TargetInfo &target) {
  if (!isGeneratedKernel(s.kernel))
    return "kernel " + stringifyKernelKind(s.kernel).str() +
           " is a prediction, not a generated kernel";
  if (s.release == SlotRelease::Auto || s.step == StepOrder::Auto ||
      s.maskedSteps == MaskedSteps::Auto)
    return std::string("a schedule holds decided values, not 'auto'");
  bool wgmma = s.kernel == KernelKind::Wgmma;
  if (!wgmma && s.usesTma())
    return std::string("TMA loads need the wgmma kernel");
  if (s.kernel != KernelKind::MmaSync && s.branchesMaskedSteps())
    return std::string("masked_steps = branch needs the mma-sync kernel");
  if (!s.usesTma() && s.release != SlotRelease::Barrier)
    return "release = " + stringifySlotRelease(s.release).str() +
           " needs TMA loads";
  if (s.overlapsSteps() && (!s.usesTma() || s.release == SlotRelease::MBarrier))
    return std::string(
        "step = overlap needs TMA loads and release = barrier or producer");
  if (problem.blockMaskQ != 0 && (s.overlapsSteps() || s.pingpong))
    return std::string("a block mask's skipped steps are built for step = "
                       "serial without pingpong only");
  if (s.pingpong && (!s.hasProducer() || tiling.warps < 8))
    return std::string("pingpong needs the producer and two or more consumer "
                       "warpgroups");
  if (s.hasProducer()) {
    // More than the block's pool can grant never returns from
    // setmaxnreg.inc: the kernel would hang.
    int64_t most = producerConsumerRegisters(target.regsPerSM, tiling.warps);
    if (s.consumerRegisters % 8 != 0 ||
        s.consumerRegisters < kProducerRegisters || s.consumerRegisters > most)
      return "consumer_regs = " + std::to_string(s.consumerRegisters) +
             " is not a setmaxnreg count (a multiple of 8) from " +
             std::to_string(kProducerRegisters) + " to " +
             std::to_string(most) + ", what the block's registers grant " +
             std::to_string(tiling.warps / 4) + " consumer warpgroup(s)";
  } else if (s.consumerRegisters != 0) {
    return std::string("consumer_regs needs release = producer");
  }
  if (s.epilogue == Epilogue::TmaStore &&
      (!s.usesTma() || problem.valueHeadDim > problem.headDim))
    return std::string("epilogue = tma_store needs TMA loads and a value head "
                       "dim up to the head dim");
  if (s.epilogue == Epilogue::Staged &&
      (s.kernel != KernelKind::MmaSync ||
       problem.valueHeadDim > problem.headDim))
    return std::string("epilogue = staged needs the mma-sync kernel and a "
                       "value head dim up to the head dim");
  if (std::optional<std::string> why =
          forwardWalkReason(s.kernel, s.walk, problem))
    return why;
  if (s.walksCompacted()) {
    // The list of live steps after the tiles (SharedLayout's `list`).
    int64_t bytes =
        SharedLayout::get(tiling, problem, s.kernel, /*compactedWalk=*/true)
            .totalBytes();
    if (bytes > target.sramPerBlock)
      return "the compacted walk's shared memory (the tiles and the list of " +
             std::to_string(forwardWalkListEntries(tiling, problem)) +
             " kv-blocks), " + std::to_string(bytes) +
             " B, exceeds the target's " +
             std::to_string(target.sramPerBlock) + " B per block";
  }
  if (s.minBlocksPerSM > 0) {
    // More blocks than the SM runs never run, and ptxas would squeeze the
    // registers for them (D118) or, past its threads, ignore the hint
    // (D121).
    int64_t bytes = SharedLayout::get(tiling, problem, s.kernel,
                                      s.walksCompacted())
                        .totalBytes();
    ResidentBlockLimit most = residentBlockLimit(tiling, bytes, target);
    if (s.minBlocksPerSM > most.blocks) {
      std::string why =
          most.blocks == most.bySharedMemory
              ? std::to_string(target.sramPerSM) + " B of shared memory, " +
                    std::to_string(bytes) + " B and " +
                    std::to_string(most.reservedBytes) + " B reserved a block"
          : most.blocks == most.byThreads
              ? std::to_string(most.smThreads) + " threads, " +
                    std::to_string(most.blockThreads) + " a block"
              : std::to_string(most.slots) + " block slots";
      return "min_blocks = " + std::to_string(s.minBlocksPerSM) +
             " asks for more blocks an SM than it runs: " +
             std::to_string(most.blocks) + " (" + why + ")";
    }
  }
  if (s.kernel == KernelKind::Simt && !(s == KernelSchedule{}))
    return std::string("the simt kernel has no schedule fields");
  return std::nullopt;
}
