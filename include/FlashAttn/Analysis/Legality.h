//===- Legality.h - What each kernel kind can run ---------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The one statement of what each kernel kind supports and of what a thread
// block may use: the cost model records its verdict on every candidate,
// fa-select-tiling and fa-check-sram-budget report it, and the rejection
// summary groups by its reason. Plain C++ (llvm/ADT only).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_LEGALITY_H
#define FLASHATTN_ANALYSIS_LEGALITY_H

#include "FlashAttn/Analysis/AttentionProblem.h"
#include "FlashAttn/Analysis/TargetInfo.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// Why a kernel cannot run a problem or a tiling: the rule checkLegality
/// found broken first. The kernel's own rules come first (Arch to
/// RowsPerWarp), then the thread block's resources.
enum class LegalityReason {
  /// Nothing: the kernel can run it.
  Legal,
  /// The target lacks the kernel's instructions (mma.sync m16n8k16 with f32
  /// accumulators needs sm_80, wgmma sm_90a).
  Arch,
  /// The element type is not one the kernel's MMAs take (f16 or bf16).
  ElementType,
  /// A head dimension is not one the kernel's tiles take.
  HeadDim,
  /// The tiling is not made of the kernel's fragments (fitsMmaSyncShape,
  /// fitsWgmmaShape).
  KernelShape,
  /// More unrolled code per warp than the generator builds (the mma-sync
  /// kernel's row tiles, fragments and mma.sync per kv-step).
  CodeSize,
  /// More rows per warp than the mma-sync register fit was measured for.
  RowsPerWarp,
  /// The tiling's blocks do not divide the runtime block mask's blocks
  /// (AttentionProblem::blockMaskQ, blockMaskKV), for every kernel.
  BlockMaskGranularity,
  /// More threads per block than CUDA allows.
  ThreadLimit,
  /// The block's shared memory (SharedLayout) exceeds the target's
  /// `sram_per_block`.
  SharedMemory,
  /// The kernel's register estimate exceeds what a thread may use (with the
  /// kernel's tolerance: ptxas squeezes or spills a little).
  RegistersPerThread,
  /// The block's registers, as allocated, exceed the SM's register file.
  RegisterFile,
};

/// `legal`, `arch`, `element-type`, `head-dim`, `kernel-shape`,
/// `code-size`, `rows-per-warp`, `block-mask-granularity`, `thread-limit`, `shared-memory`,
/// `registers-per-thread` or `register-file`.
llvm::StringRef stringifyLegalityReason(LegalityReason reason);

/// Whether `reason` is one of the kernel's own rules (Arch, ElementType,
/// HeadDim, KernelShape, CodeSize, RowsPerWarp) rather than a resource of
/// the block.
bool isKernelRule(LegalityReason reason);

/// Whether `reason` depends on the problem and the target only, not on the
/// tiling (Arch, ElementType, HeadDim).
bool isProblemRule(LegalityReason reason);

/// Which of checkLegality's rules apply.
enum class LegalityScope {
  /// Every rule: what the cost model may choose (fa-select-tiling,
  /// fa-check-sram-budget, explain).
  Selection,
  /// What convert-fa-to-nvgpu builds from a tiling, also one written by
  /// hand: every rule but the cost model's own ranges and estimates
  /// (RowsPerWarp, RegistersPerThread, RegisterFile; ptxas spills what does
  /// not fit in registers).
  Generation,
};

/// A verdict of checkLegality.
struct Legality {
  LegalityReason reason = LegalityReason::Legal;
  /// What is not supported, in words that complete a diagnostic (lowercase,
  /// no period, numbers included); empty when legal.
  std::string message;

  bool isLegal() const { return reason == LegalityReason::Legal; }
};

/// Whether the target has wgmma: sm_90a only (neither sm_90 without the `a`
/// nor later architectures, whose tcgen05 replaces it).
bool hasWgmma(const TargetInfo &target);
/// Whether the wgmma kernel takes a head dimension: whole k16 steps and
/// wgmma n (multiples of 16) up to 256; shared memory rounds it up to whole
/// 128-byte swizzle rows (wgmmaPaddedColumns).
bool isWgmmaHeadDim(int64_t headDim);
/// Whether a tiling is made of whole fragments: mma-sync, block_q a multiple
/// of 16 rows per warp and block_kv of 16; wgmma, one m64 per warpgroup of
/// 4 warps (block_q = 16 * warps) and block_kv a multiple of 16 up to 256.
bool fitsMmaSyncShape(const Tiling &tiling);
bool fitsWgmmaShape(const Tiling &tiling);

/// The rule every kernel's tiling keeps with a runtime block mask (forward
/// and backward): block_q divides the mask's block_q and block_kv its
/// block_kv. A message completing a diagnostic when broken, else nullopt.
std::optional<std::string> checkBlockMaskGranularity(const Tiling &tiling,
                                                     const AttentionProblem &p);

/// Whether kernel `kind` (not Auto) can run `problem` on `target` and, when
/// a tiling is given, that tiling. The first rule broken, in this order:
///  1. What the kernel supports (any problem for simt and tensor-core):
///     - mma-sync: sm_80 or later, f16/bf16, head dims multiples of 16;
///     - wgmma: sm_90a, f16/bf16, head dims multiples of 16 up to 256.
///  2. The tiling's shape: mma-sync, fitsMmaSyncShape, at most 128 rows,
///     128 S or O fragments and 2048 mma.sync per warp and kv-step (what
///     the generator unrolls) and (Selection) at most 48 rows per warp (the
///     register fit's range); wgmma, fitsWgmmaShape.
///  3. With a runtime block mask, checkBlockMaskGranularity.
///  4. The block's resources: at most 1024 threads, shared memory
///     (sramBytes) within `sram_per_block` and a launch's i32, and
///     (Selection) the register estimate (registersPerThread) within the
///     kernel's per-thread limit (mma-sync: 35 over the target's, where
///     ptxas spills a little; wgmma: the block's share of the register file
///     plus 24, where ptxas squeezes), and the block's allocated registers
///     within the SM's.
Legality checkLegality(KernelKind kind, const AttentionProblem &problem,
                       const TargetInfo &target,
                       const std::optional<Tiling> &tiling = std::nullopt,
                       LegalityScope scope = LegalityScope::Selection);

/// The shared-memory rule of checkLegality alone: SharedMemory when a
/// block's `bytes` (sramBytes, SharedLayout's total) exceed the target's
/// `sram_per_block` or what a launch can request (an i32).
Legality checkSharedMemory(int64_t bytes, const TargetInfo &target);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_LEGALITY_H
