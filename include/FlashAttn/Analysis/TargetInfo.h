//===- TargetInfo.h - GPU resources the cost model sees ---------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// A plain description of a GPU (no MLIR dependency) and the table of known
// targets. The numbers come from NVIDIA's documentation; docs/Targets.md cites
// the source of each.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_TARGETINFO_H
#define FLASHATTN_ANALYSIS_TARGETINFO_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// Resources of one GPU that decide how attention is tiled.
struct TargetInfo {
  /// Short name in the known-targets table (`h100`, `a100`, ...).
  std::string name;
  /// SM architecture (`sm_90a`, `sm_80`, ...).
  std::string arch;
  /// Shared memory one thread block may use (opt-in maximum), bytes.
  int64_t sramPerBlock = 0;
  /// Shared memory of one SM, bytes.
  int64_t sramPerSM = 0;
  /// 32-bit registers of one SM.
  int64_t regsPerSM = 0;
  /// Registers one thread may use.
  int64_t maxRegsPerThread = 0;
  /// Streaming multiprocessors.
  int64_t smCount = 0;
  /// Device-memory bandwidth, GB/s.
  int64_t hbmGBps = 0;
  /// Dense f16/bf16 tensor-core peak with f32 accumulation, TFLOP/s.
  int64_t tensorTFlops = 0;

  /// The compute capability as a number (`sm_90a` -> 90), or 0 when `arch`
  /// does not parse.
  int64_t getComputeCapability() const;

  /// Returns a message naming the first field that is not usable (e.g. a
  /// zero SM count), or nullopt when every field is sane.
  std::optional<std::string> validate() const;
};

/// Why `arch` (`sm_90a`, ...) cannot be compiled for: not an SM
/// architecture of sm_70 or later that LLVM's NVPTX back end lists (its
/// instruction selection aborts on the others), naming those it knows; or
/// nullopt. Every path that hands an arch to the back end checks it here:
/// #fa.target's verifier and fa-attach-nvvm-target (a gpu.module's own
/// #nvvm.target).
std::optional<std::string> nvptxArchProblem(llvm::StringRef arch);

/// Why `features` (comma-separated, each `+` or `-` and a feature name, as
/// an #nvvm.target's) cannot be handed to the NVPTX back end: an entry that
/// is not a sign and a name, or a name its subtarget table does not list
/// (the back end ignores it with a warning, then compiles for the chip's
/// lowest PTX ISA, where an op that needs a later one aborts instruction
/// selection), naming the PTX ISAs it knows; or nullopt.
std::optional<std::string> nvptxFeaturesProblem(llvm::StringRef features);

/// Registers per thread of a block of `threads` threads that must fit the
/// register file alone (`regsPerSM`), in the allocation granularity of 8:
/// the `.maxnreg` that fa-set-kernel-max-registers gives a kernel using
/// setmaxnreg, and so the pool its warpgroups' setmaxnreg moves between.
inline int64_t blockStartRegisters(int64_t regsPerSM, int64_t threads) {
  return regsPerSM / threads / 8 * 8;
}

/// The producer warpgroup's registers per thread in the wgmma kernel's
/// producer form (setmaxnreg's minimum).
inline constexpr int64_t kProducerRegisters = 24;

/// Registers per thread of the consumer warpgroups (`warps` warps) of the
/// producer kernel: the block starts with blockStartRegisters over all its
/// threads, the producer keeps kProducerRegisters and the consumers share
/// the rest (setmaxnreg moves registers within the block's pool: a larger
/// request never returns), in setmaxnreg's steps of 8 up to 256.
inline int64_t producerConsumerRegisters(int64_t regsPerSM, int64_t warps) {
  int64_t consumerThreads = 32 * (warps < 4 ? 4 : warps);
  int64_t blockThreads = consumerThreads + 128;
  int64_t pool = blockStartRegisters(regsPerSM, blockThreads) * blockThreads;
  int64_t regs = (pool - 128 * kProducerRegisters) / consumerThreads / 8 * 8;
  return regs < 256 ? regs : 256;
}

/// Every known target, in table order.
llvm::ArrayRef<TargetInfo> getKnownTargets();

/// Looks a target up by its short name (`h100`) or by architecture
/// (`sm_90`, `sm_90a`: the table's first entry of that architecture).
std::optional<TargetInfo> lookupKnownTarget(llvm::StringRef nameOrArch);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_TARGETINFO_H
