//===- FAAttrs.cpp - FlashAttention dialect attributes --------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::fa;

/// Bounds of #fa.tiling.
static constexpr int64_t kMaxTilingBlock = 65536;
static constexpr int64_t kMaxTilingStages = 16;

LogicalResult
TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   StringRef arch, int64_t sramPerBlock, int64_t sramPerSM,
                   int64_t regsPerSM, int64_t maxRegsPerThread,
                   int64_t smCount, int64_t hbmGBps, int64_t tensorTFlops) {
  TargetInfo info{"",        arch.str(), sramPerBlock,
                  sramPerSM, regsPerSM,  maxRegsPerThread,
                  smCount,   hbmGBps,    tensorTFlops};
  if (std::optional<std::string> problem = info.validate())
    return emitError() << "invalid #fa.target: " << *problem;
  return success();
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t blockQ, int64_t blockKV,
                                 int64_t stages, int64_t warps) {
  if (blockQ <= 0 || blockKV <= 0)
    return emitError() << "#fa.tiling block sizes must be positive, got "
                       << "block_q = " << blockQ
                       << ", block_kv = " << blockKV;
  // Upper bounds keep the byte counts of fa-check-sram-budget and the cost
  // model in range; no thread block gets near them.
  if (blockQ > kMaxTilingBlock || blockKV > kMaxTilingBlock)
    return emitError() << "#fa.tiling block sizes must be at most "
                       << kMaxTilingBlock << ", got block_q = " << blockQ
                       << ", block_kv = " << blockKV;
  if (stages < 1 || stages > kMaxTilingStages)
    return emitError() << "#fa.tiling stages must be in [1, "
                       << kMaxTilingStages << "], got " << stages;
  if (warps < 1 || warps > 32)
    return emitError() << "#fa.tiling warps must be in [1, 32], got " << warps;
  return success();
}

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t left, int64_t right) {
  if (left < 0 || right < 0)
    return emitError() << "#fa.window extents must not be negative, got left "
                          "= "
                       << left << ", right = " << right;
  return success();
}

LogicalResult
BlockSparseAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t blockQ, int64_t blockKV) {
  if (blockQ <= 0 || blockKV <= 0 || blockQ % 16 != 0 || blockKV % 16 != 0)
    return emitError() << "#fa.block_sparse block sizes must be positive "
                          "multiples of 16, got block_q = "
                       << blockQ << ", block_kv = " << blockKV;
  return success();
}

LogicalResult
MaskPatternAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t chunk, int64_t global, int64_t butterfly) {
  if (chunk < 0 || global < 0 || butterfly < 0)
    return emitError() << "#fa.mask_pattern sizes must not be negative, got "
                          "chunk = "
                       << chunk << ", global = " << global
                       << ", butterfly = " << butterfly;
  if (chunk == 0 && global == 0 && butterfly == 0)
    return emitError() << "#fa.mask_pattern needs a positive chunk, global or "
                          "butterfly";
  if (chunk > 0 && butterfly > 0)
    return emitError() << "#fa.mask_pattern has one local pattern: chunk or "
                          "butterfly, not both";
  return success();
}

LogicalResult ScheduleAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, KernelKind kernel,
    LoadMechanism loads, SlotRelease release, StepOrder step, bool pingpong,
    MaskedSteps maskedSteps, Epilogue epilogue, int64_t consumerRegs,
    BlockMaskWalk walk, int64_t minBlocks) {
  if (!isGeneratedKernel(kernel))
    return emitError() << "#fa.schedule kernel must be simt, mma_sync or "
                          "wgmma, got "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (release == SlotRelease::Auto || step == StepOrder::Auto ||
      maskedSteps == MaskedSteps::Auto)
    return emitError() << "#fa.schedule holds decided values, not 'auto'";
  if (consumerRegs < 0)
    return emitError() << "#fa.schedule consumer_regs must not be negative, "
                          "got "
                       << consumerRegs;
  if (walk == BlockMaskWalk::Auto)
    return emitError() << "#fa.schedule holds a decided walk, not 'auto'";
  // The kernel's part of the walk's rule; the block mask and Nk are the
  // op's (forwardWalkReason, AttentionOp::verify).
  if (walk == BlockMaskWalk::Compacted && kernel != KernelKind::Wgmma &&
      kernel != KernelKind::MmaSync)
    return emitError() << "invalid #fa.schedule: walk = compacted is the "
                          "tensor-core kernels' (mma_sync, wgmma), not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  // The most resident blocks any arch's SM holds (32 since sm_80).
  if (minBlocks < 0 || minBlocks > 32)
    return emitError() << "#fa.schedule min_blocks must be 0 (none) or 1 to "
                          "32 resident blocks, got "
                       << minBlocks;
  if (minBlocks != 0 && kernel != KernelKind::MmaSync)
    return emitError() << "invalid #fa.schedule: min_blocks is the mma_sync "
                          "kernel's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  return success();
}

LogicalResult
BackwardScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             KernelKind kernel, DqAccumulation dq,
                             BlockMaskWalk walk, InFlightProducts inFlight,
                             BackwardEpilogue epilogue, DqTurnPass dqPass,
                             BackwardPersistence persistent, BackwardGqa gqa,
                             DqConvert dqConvert, DqReduce dqReduce,
                             int64_t launchChunk) {
  if (!isGeneratedKernel(kernel))
    return emitError() << "#fa.backward_schedule kernel must be simt, "
                          "mma_sync or wgmma, got "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (std::optional<std::string> why = dqUnsupportedReason(kernel, dq))
    return emitError() << "invalid #fa.backward_schedule: " << *why;
  if (walk == BlockMaskWalk::Auto)
    return emitError() << "#fa.backward_schedule holds a decided walk, not "
                          "'auto'";
  // The kernel and dQ parts of the walk's rule; the block mask and the
  // stages are the op's and the tiling's (compactedWalkOpReason).
  if (walk == BlockMaskWalk::Compacted && kernel != KernelKind::Wgmma)
    return emitError() << "invalid #fa.backward_schedule: walk = compacted "
                          "is the wgmma backward's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (walk == BlockMaskWalk::Compacted && dq != DqAccumulation::Atomic)
    return emitError() << "invalid #fa.backward_schedule: walk = compacted "
                          "needs dq = atomic (ordered dQ passes a turn at "
                          "every q-block of the walk, dead ones included)";
  if (inFlight == InFlightProducts::Auto)
    return emitError() << "#fa.backward_schedule holds a decided in_flight, "
                          "not 'auto'";
  // The kernel part of the rule; the split, a block mask and the stages
  // are the op's and the tiling's (inFlightReason).
  if (inFlight == InFlightProducts::DK && kernel != KernelKind::Wgmma)
    return emitError() << "invalid #fa.backward_schedule: in_flight = dk is "
                          "the wgmma backward's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (epilogue == BackwardEpilogue::Auto)
    return emitError() << "#fa.backward_schedule holds a decided epilogue, "
                          "not 'auto'";
  // The kernel part of the rule; the split is the op's
  // (backwardEpilogueReason).
  if (epilogue == BackwardEpilogue::TmaStore && kernel != KernelKind::Wgmma)
    return emitError() << "invalid #fa.backward_schedule: epilogue = "
                          "tma_store is the wgmma backward's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (dqPass == DqTurnPass::Auto)
    return emitError() << "#fa.backward_schedule holds a decided dq_pass, "
                          "not 'auto'";
  // The kernel and dQ parts of the rule; the split and the stages are the
  // op's and the tiling's (dqTurnPassReason).
  if (dqPass == DqTurnPass::AfterScores && kernel != KernelKind::Wgmma)
    return emitError() << "invalid #fa.backward_schedule: dq_pass = "
                          "after_scores is the wgmma backward's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (dqPass == DqTurnPass::AfterScores && dq != DqAccumulation::Ordered)
    return emitError() << "invalid #fa.backward_schedule: dq_pass = "
                          "after_scores needs dq = ordered";
  if (persistent == BackwardPersistence::Auto)
    return emitError() << "#fa.backward_schedule holds a decided persistent, "
                          "not 'auto'";
  // The schedule's part of the rule; the op's is backwardPersistentReason.
  if (persistent == BackwardPersistence::On) {
    if (kernel != KernelKind::Wgmma)
      return emitError() << "invalid #fa.backward_schedule: persistent = on "
                            "is the wgmma backward's, not "
                         << getScheduleKeyword(stringifyKernelKind(kernel));
    if (dq != DqAccumulation::Atomic)
      return emitError() << "invalid #fa.backward_schedule: persistent = on "
                            "adds dQ with atomics (dq = atomic), got dq = "
                         << getScheduleKeyword(stringifyDqAccumulation(dq));
    if (walk == BlockMaskWalk::Compacted)
      return emitError() << "invalid #fa.backward_schedule: persistent = on "
                            "does not walk compacted";
    if (inFlight == InFlightProducts::DK)
      return emitError() << "invalid #fa.backward_schedule: persistent = on "
                            "does not leave dK in flight";
  }
  if (gqa == BackwardGqa::Auto)
    return emitError() << "#fa.backward_schedule holds a decided gqa, not "
                          "'auto'";
  // The schedule's part of the rule; the op's is backwardGqaSplitReason.
  if (gqa == BackwardGqa::Split) {
    if (kernel != KernelKind::Wgmma)
      return emitError() << "invalid #fa.backward_schedule: gqa = split is "
                            "the wgmma backward's, not "
                         << getScheduleKeyword(stringifyKernelKind(kernel));
    if (dq != DqAccumulation::Atomic)
      return emitError() << "invalid #fa.backward_schedule: gqa = split adds "
                            "dK and dV in no fixed order (dq = atomic), got "
                            "dq = "
                         << getScheduleKeyword(stringifyDqAccumulation(dq));
    if (persistent == BackwardPersistence::On)
      return emitError() << "invalid #fa.backward_schedule: gqa = split is "
                            "not persistent";
    if (walk == BlockMaskWalk::Compacted)
      return emitError() << "invalid #fa.backward_schedule: gqa = split does "
                            "not walk compacted";
    if (epilogue == BackwardEpilogue::TmaStore)
      return emitError() << "invalid #fa.backward_schedule: gqa = split adds "
                            "dK and dV by bulk reductions, not epilogue = "
                            "tma_store";
  }
  if (dqConvert == DqConvert::Auto)
    return emitError() << "#fa.backward_schedule holds a decided dq_convert, "
                          "not 'auto'";
  // The schedule's part of the rule; the op's is dqConvertFusedReason.
  if (dqConvert == DqConvert::Fused) {
    if (kernel != KernelKind::Wgmma)
      return emitError() << "invalid #fa.backward_schedule: dq_convert = "
                            "fused is the wgmma backward's, not "
                         << getScheduleKeyword(stringifyKernelKind(kernel));
    if (dq != DqAccumulation::Atomic)
      return emitError() << "invalid #fa.backward_schedule: dq_convert = "
                            "fused counts the arrivals of dq = atomic, got "
                            "dq = "
                         << getScheduleKeyword(stringifyDqAccumulation(dq));
    if (walk == BlockMaskWalk::Compacted)
      return emitError() << "invalid #fa.backward_schedule: dq_convert = "
                            "fused does not walk compacted";
    if (persistent == BackwardPersistence::On)
      return emitError() << "invalid #fa.backward_schedule: dq_convert = "
                            "fused is not persistent";
    if (gqa == BackwardGqa::Split)
      return emitError() << "invalid #fa.backward_schedule: dq_convert = "
                            "fused is not built with gqa = split";
  }
  if (dqReduce == DqReduce::Auto)
    return emitError() << "#fa.backward_schedule holds a decided dq_reduce, "
                          "not 'auto'";
  // The schedule's part of the rule; the op's is dqReduceWarpgroupReason.
  if (dqReduce == DqReduce::Warpgroup && kernel != KernelKind::Wgmma)
    return emitError() << "invalid #fa.backward_schedule: dq_reduce = "
                          "warpgroup is the wgmma backward's, not "
                       << getScheduleKeyword(stringifyKernelKind(kernel));
  if (launchChunk < 1 || launchChunk > kMaxLaunchChunk)
    return emitError() << "invalid #fa.backward_schedule: launch_chunk must "
                          "be from 1 to "
                       << kMaxLaunchChunk << ", got " << launchChunk;
  // The schedule's part of the rule: the grid's order is free only where
  // no block waits for another's turn and every block is one grid entry.
  if (launchChunk > 1) {
    if (kernel != KernelKind::Wgmma)
      return emitError() << "invalid #fa.backward_schedule: launch_chunk "
                            "over 1 is the wgmma backward's, not "
                         << getScheduleKeyword(stringifyKernelKind(kernel));
    if (dq != DqAccumulation::Atomic)
      return emitError() << "invalid #fa.backward_schedule: launch_chunk "
                            "over 1 needs dq = atomic (ordered dQ launches "
                            "the kv-blocks last first for its turns), got "
                            "dq = "
                         << getScheduleKeyword(stringifyDqAccumulation(dq));
    if (persistent == BackwardPersistence::On)
      return emitError() << "invalid #fa.backward_schedule: launch_chunk "
                            "over 1 is not persistent (the persistent "
                            "kernel walks its own tiles)";
  }
  return success();
}

KernelKind mlir::fa::getBackwardKernelKind(Operation *op,
                                           KernelKind fallback) {
  if (auto attr = op->getAttrOfType<BackwardScheduleAttr>("schedule"))
    return attr.getKernel();
  return fallback;
}

std::string mlir::fa::getScheduleKeyword(llvm::StringRef spelling) {
  std::string keyword = spelling.str();
  for (char &c : keyword)
    if (c == '-')
      c = '_';
  return keyword;
}

FailureOr<bool> mlir::fa::parseScheduleFlag(AsmParser &parser) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (failed(parser.parseKeyword(&keyword)))
    return failure();
  if (keyword == "true" || keyword == "false")
    return keyword == "true";
  return parser.emitError(loc)
         << "expected 'true' or 'false' in #fa.schedule, got '" << keyword
         << "'";
}

ScheduleAttr mlir::fa::getScheduleAttr(MLIRContext *ctx,
                                       const KernelSchedule &s) {
  return ScheduleAttr::get(ctx, s.kernel, s.loads, s.release, s.step,
                           s.pingpong, s.maskedSteps, s.epilogue,
                           s.consumerRegisters, s.walk, s.minBlocksPerSM);
}

KernelSchedule mlir::fa::getKernelSchedule(ScheduleAttr attr) {
  KernelSchedule s;
  s.kernel = attr.getKernel();
  s.loads = attr.getLoads();
  s.release = attr.getRelease();
  s.step = attr.getStep();
  s.pingpong = attr.getPingpong();
  s.maskedSteps = attr.getMaskedSteps();
  s.epilogue = attr.getEpilogue();
  s.consumerRegisters = attr.getConsumerRegs();
  s.walk = attr.getWalk();
  s.minBlocksPerSM = attr.getMinBlocks();
  return s;
}

TargetAttr mlir::fa::getTargetAttr(MLIRContext *ctx, const TargetInfo &info) {
  return TargetAttr::get(ctx, info.arch, info.sramPerBlock, info.sramPerSM,
                         info.regsPerSM, info.maxRegsPerThread, info.smCount,
                         info.hbmGBps, info.tensorTFlops);
}

TargetInfo mlir::fa::getTargetInfo(TargetAttr attr) {
  TargetInfo info;
  info.arch = attr.getArch().str();
  info.sramPerBlock = attr.getSramPerBlock();
  info.sramPerSM = attr.getSramPerSm();
  info.regsPerSM = attr.getRegsPerSm();
  info.maxRegsPerThread = attr.getMaxRegsPerThread();
  info.smCount = attr.getSmCount();
  info.hbmGBps = attr.getHbmGbps();
  info.tensorTFlops = attr.getTensorTflops();
  return info;
}

TargetAttr mlir::fa::lookupTarget(Operation *op) {
  ModuleOp module = dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  for (; module; module = module->getParentOfType<ModuleOp>())
    if (auto target = module->getAttrOfType<TargetAttr>(
            FADialect::getTargetAttrName()))
      return target;
  return {};
}
