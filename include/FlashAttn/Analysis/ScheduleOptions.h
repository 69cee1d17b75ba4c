//===- ScheduleOptions.h - One spelling of the schedule's options -*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The values of the options that force a kernel or a schedule field, as
// llvm::cl value lists: fa-select-tiling's options (Passes.td), the
// fa-to-ptx-pipeline options that forward to them (Pipelines.h) and
// fa-check-sram-budget's kernel all spell them from here, so the parser
// rejects the same bad values everywhere and a new value is added once.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_SCHEDULEOPTIONS_H
#define FLASHATTN_ANALYSIS_SCHEDULEOPTIONS_H

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "llvm/Support/CommandLine.h"

namespace mlir {
namespace fa {

/// The `kernel` options' values, each spelled once.
namespace kernel_values {
inline const llvm::cl::OptionEnumValue simt =
    clEnumValN(KernelKind::Simt, "simt", "convert-fa-to-gpu's scalar kernel");
inline const llvm::cl::OptionEnumValue mmaSync = clEnumValN(
    KernelKind::MmaSync, "mma-sync",
    "convert-fa-to-nvgpu's mma.sync kernel (sm_80+, f16/bf16, head dims "
    "multiples of 16; an error where it does not apply)");
inline const llvm::cl::OptionEnumValue wgmma = clEnumValN(
    KernelKind::Wgmma, "wgmma",
    "convert-fa-to-nvgpu's wgmma kernel (sm_90a, f16/bf16, head dims "
    "multiples of 16 up to 256; an error where it does not apply)");
inline const llvm::cl::OptionEnumValue tensorCore =
    clEnumValN(KernelKind::TensorCore, "tensor-core",
               "the model's generic tensor-core prediction");
inline const llvm::cl::OptionEnumValue automatic = clEnumValN(
    KernelKind::Auto, "auto",
    "wgmma, else mma-sync, where it applies, else simt");
} // namespace kernel_values

/// fa-select-tiling's kernel: every kind and `auto`.
inline llvm::cl::ValuesClass selectableKernelValues() {
  using namespace kernel_values;
  return llvm::cl::ValuesClass(
      {simt, mmaSync, wgmma, tensorCore, automatic});
}

/// fa-check-sram-budget's kernel: a kind, no `auto`.
inline llvm::cl::ValuesClass budgetKernelValues() {
  using namespace kernel_values;
  return llvm::cl::ValuesClass({simt, mmaSync, wgmma, tensorCore});
}

/// fa-to-ptx-pipeline's kernel: the generated kernels and `auto`.
inline llvm::cl::ValuesClass generatedKernelValues() {
  using namespace kernel_values;
  return llvm::cl::ValuesClass({automatic, wgmma, mmaSync, simt});
}

inline llvm::cl::ValuesClass loadMechanismValues() {
  return llvm::cl::values(
      clEnumValN(LoadMechanism::Tma, "tma",
                 "TMA boxes through host-built tensor maps, completing on "
                 "mbarriers"),
      clEnumValN(LoadMechanism::CpAsync, "cp-async",
                 "cp.async by every thread, made visible to wgmma by "
                 "fence.proxy.async"));
}

inline llvm::cl::ValuesClass slotReleaseValues() {
  return llvm::cl::values(
      clEnumValN(SlotRelease::Auto, "auto",
                 "producer for two warpgroups, or three whose register "
                 "estimate fits the consumers' share, at one block per SM; "
                 "else barrier"),
      clEnumValN(SlotRelease::Barrier, "barrier",
                 "one bar.sync per step, then thread 0 refills"),
      clEnumValN(SlotRelease::MBarrier, "mbarrier",
                 "each warp arrives on the slot's empty mbarrier; thread 0 "
                 "waits there and refills"),
      clEnumValN(SlotRelease::Producer, "producer",
                 "mbarrier, with a producer warpgroup that issues every load "
                 "(setmaxnreg)"));
}

inline llvm::cl::ValuesClass stepOrderValues() {
  return llvm::cl::values(
      clEnumValN(StepOrder::Auto, "auto",
                 "overlap with the producer warpgroup, else serial"),
      clEnumValN(StepOrder::Serial, "serial",
                 "S = Q K^T, its softmax, then P V, each waited for"),
      clEnumValN(StepOrder::Overlap, "overlap",
                 "FlashAttention-3's intra-warpgroup overlap (needs "
                 "wgmma-loads=tma and wgmma-release=barrier, producer or "
                 "auto)"));
}

inline llvm::cl::ValuesClass toggleValues() {
  return llvm::cl::values(
      clEnumValN(Toggle::Auto, "auto", "with the producer's overlapped step"),
      clEnumValN(Toggle::On, "on",
                 "wherever the kernel has the producer and two or more "
                 "consumer warpgroups (needs wgmma-loads=tma and "
                 "wgmma-release=producer or auto)"),
      clEnumValN(Toggle::Off, "off", "never"));
}

/// fa-select-tiling's dQ accumulation of the backward.
inline llvm::cl::ValuesClass dqAccumulationValues() {
  return llvm::cl::values(
      clEnumValN(DqAccumulation::Auto, "auto",
                 "separate for the simt kernel; atomic for the tensor-core "
                 "kernels, ordered when deterministic"),
      clEnumValN(DqAccumulation::Atomic, "atomic",
                 "f32 atomic adds, then a conversion kernel (tensor-core "
                 "kernels; not deterministic)"),
      clEnumValN(DqAccumulation::Ordered, "ordered",
                 "the same adds in kv-block order (tensor-core kernels; "
                 "deterministic)"),
      clEnumValN(DqAccumulation::Separate, "separate",
                 "a Q-stationary pass of its own (the simt kernel)"));
}

/// fa-select-tiling's walk of the wgmma backward under a block mask.
inline llvm::cl::ValuesClass blockMaskWalkValues() {
  return llvm::cl::values(
      clEnumValN(BlockMaskWalk::Auto, "auto",
                 "compacted where it builds (the tensor-core forwards, the "
                 "wgmma backward's ring with dq=atomic), else dense"),
      clEnumValN(BlockMaskWalk::Dense, "dense",
                 "every block a step, a dead one predicated off"),
      clEnumValN(BlockMaskWalk::Compacted, "compacted",
                 "the live blocks listed in shared memory, the loads and "
                 "steps walk the list (a runtime block mask)"));
}

/// fa-select-tiling's products the wgmma backward's ring leaves in flight
/// across a step's end.
inline llvm::cl::ValuesClass inFlightProductsValues() {
  return llvm::cl::values(
      clEnumValN(InFlightProducts::Auto, "auto",
                 "none until dK in flight passes its GPU check "
                 "(kInFlightGpuChecked)"),
      clEnumValN(InFlightProducts::None, "none",
                 "every product waited for within its step"),
      clEnumValN(InFlightProducts::DK, "dk",
                 "dK's product completes under the next step's top (wgmma, "
                 "the row split's TMA ring, no block mask)"));
}

/// How fa-select-tiling's wgmma backward stores dK and dV.
inline llvm::cl::ValuesClass backwardEpilogueValues() {
  return llvm::cl::values(
      clEnumValN(BackwardEpilogue::Auto, "auto",
                 "the TMA store where the picked tiling builds it (the wgmma "
                 "row split, two buffers, block_q 64, no mask pattern), "
                 "else direct (D108)"),
      clEnumValN(BackwardEpilogue::Direct, "direct",
                 "each lane stores its elements to global memory"),
      clEnumValN(BackwardEpilogue::TmaStore, "tma-store",
                 "through K_j's and V_j's tiles in shared memory and TMA "
                 "(wgmma, the row split)"));
}

/// Where fa-select-tiling's wgmma ring passes the ordered dQ's turns.
inline llvm::cl::ValuesClass dqTurnPassValues() {
  return llvm::cl::values(
      clEnumValN(DqTurnPass::Auto, "auto",
                 "step-start until passing after the score products passes "
                 "its GPU check (kDqPassAfterScoresGpuChecked)"),
      clEnumValN(DqTurnPass::StepStart, "step-start",
                 "at the next step's top, once its reductions completed"),
      clEnumValN(DqTurnPass::AfterScores, "after-scores",
                 "once the next step's score products are issued (wgmma, "
                 "dq = ordered, the row split's ring)"));
}

/// Whether fa-select-tiling's wgmma backward is persistent.
inline llvm::cl::ValuesClass backwardPersistenceValues() {
  return llvm::cl::values(
      clEnumValN(BackwardPersistence::Auto, "auto",
                 "off: the persistent kernel passed its GPU check but "
                 "measured no faster (D114, kBackwardPersistentAdopted)"),
      clEnumValN(BackwardPersistence::Off, "off",
                 "a thread block per kv-block, K/V head and batch"),
      clEnumValN(BackwardPersistence::On, "on",
                 "one block per SM walking the tiles, the next tile's loads "
                 "during this one's end (wgmma, the row split's ring, dq = "
                 "atomic)"));
}

/// How fa-select-tiling's wgmma backward covers a GQA group.
inline llvm::cl::ValuesClass backwardGqaValues() {
  return llvm::cl::values(
      clEnumValN(BackwardGqa::Auto, "auto",
                 "split where the model predicts it at least 5% faster "
                 "than the loop (its longer causal blocks' tail) and "
                 "nothing else asked excludes it, else loop"),
      clEnumValN(BackwardGqa::Loop, "loop",
                 "a thread block per K/V head loops over its query heads"),
      clEnumValN(BackwardGqa::Split, "split",
                 "a thread block per query head, dK and dV added to f32 "
                 "accumulators (wgmma, the row split, dq = atomic)"));
}

/// Where fa-select-tiling's wgmma backward converts the f32 dQ
/// accumulator.
inline llvm::cl::ValuesClass dqConvertValues() {
  return llvm::cl::values(
      clEnumValN(DqConvert::Auto, "auto",
                 "kernel until the fused conversion passes its GPU check "
                 "(kDqConvertFusedGpuChecked)"),
      clEnumValN(DqConvert::Kernel, "kernel",
                 "a convert kernel after the main kernel"),
      clEnumValN(DqConvert::Fused, "fused",
                 "the main kernel's last block to add to a q-block converts "
                 "it (wgmma, the row split's ring, dq = atomic, no block "
                 "mask or mask pattern)"));
}

/// How fa-select-tiling's wgmma backward issues dQ's tensor reductions.
inline llvm::cl::ValuesClass dqReduceValues() {
  return llvm::cl::values(
      clEnumValN(DqReduce::Auto, "auto",
                 "the warpgroup's where measured faster (wgmma, block_q "
                 "64, the kv-row split), else the warp's"),
      clEnumValN(DqReduce::Warp, "warp",
                 "each warp adds its own boxes of 16 rows"),
      clEnumValN(DqReduce::Warpgroup, "warpgroup",
                 "one thread a warpgroup adds its boxes of 64 rows after a "
                 "warpgroup barrier (wgmma, the ring's tensor reductions)"));
}

inline llvm::cl::ValuesClass maskedStepsValues() {
  return llvm::cl::values(
      clEnumValN(MaskedSteps::Auto, "auto",
                 "branch where the register estimate is over the target's "
                 "registers per thread, else split"),
      clEnumValN(MaskedSteps::Split, "split",
                 "FlashAttention-2's split: a second loop"),
      clEnumValN(MaskedSteps::Branch, "branch",
                 "one loop, the mask under a block-uniform branch"));
}

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_SCHEDULEOPTIONS_H
