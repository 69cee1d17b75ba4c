//===- AttentionProblem.h - Problem, tiling and kernel kind -----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The vocabulary of the analysis library: the shape of one attention, a
// candidate tiling and the kernel that runs it. The cost model
// (CostModel.h), the legality rules (Legality.h) and the shared-memory layout
// (SharedLayout.h) are functions of these. Plain C++ (llvm/ADT only).
//
// Two kernels share one thread-block structure: one block per (batch, query
// head, q-block) with `warps` warps, K/V blocks streamed with an online
// softmax. They differ in where the tiles live (KernelKind):
//  - Simt, the kernel convert-fa-to-gpu emits today: every tile buffer (Q,
//    K, V, mask, the f32 S and accumulator tiles, the softmax vectors) in
//    shared memory, one stage, the two tile products as scalar f32 FMAs.
//  - TensorCore, the kernel the speed work builds: the Q tile and `stages` K
//    and V tiles in shared memory, the f32 O accumulator and the S tile in
//    registers; mma.sync m16n8k16 (16 rows per warp) below sm_90, wgmma (64
//    rows per warpgroup of 4 warps) on sm_90 and later.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_ATTENTIONPROBLEM_H
#define FLASHATTN_ANALYSIS_ATTENTIONPROBLEM_H

#include "FlashAttn/Analysis/BlockClassifier.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// The GPU kernel whose resources and time the model predicts.
enum class KernelKind {
  /// The scalar kernel of convert-fa-to-gpu: all tile buffers in shared
  /// memory, one stage, products on the CUDA cores (docs/CostModel.md,
  /// "Kernel kinds").
  Simt,
  /// The mma.sync kernel of convert-fa-to-nvgpu (sm_80 and later, also on
  /// sm_90): Q and `stages` K/V tiles in shared memory with rows padded by
  /// 16 bytes (conflict-free ldmatrix), the accumulators in registers, 16
  /// rows per mma fragment, block_q / warps rows per warp.
  MmaSync,
  /// The wgmma kernel of convert-fa-to-nvgpu (sm_90a only): one warpgroup
  /// (4 warps) per 64 query rows, so block_q = 16 * warps; Q and `stages`
  /// K/V tiles in shared memory in the 128-byte swizzled layout that wgmma's
  /// shared-memory descriptors read, plus 1 KiB to align the base to the
  /// swizzle atom; S = Q K^T with both operands in shared memory, O += P V
  /// with P in registers.
  Wgmma,
  /// The best tensor-core kernel of the target: mma.sync below sm_90,
  /// wgmma (64 rows per warpgroup) on sm_90 and later. Not generated yet:
  /// the model's prediction for the sm_90 work.
  TensorCore,
  /// A pass option's value only, never a chosen kernel: the best generated
  /// kernel that applies (wgmma, else mma-sync, else simt). The model's
  /// functions take a kernel, never Auto.
  Auto,
};

/// `simt`, `mma-sync`, `wgmma`, `tensor-core` or `auto`, the spelling of the
/// passes' `kernel` option.
llvm::StringRef stringifyKernelKind(KernelKind kind);
/// Parses `simt`, `mma-sync`, `wgmma`, `tensor-core` or `auto`; nullopt
/// otherwise.
std::optional<KernelKind> parseKernelKind(llvm::StringRef name);
/// Whether a pass generates this kernel (Simt: convert-fa-to-gpu; MmaSync
/// and Wgmma: convert-fa-to-nvgpu).
bool isGeneratedKernel(KernelKind kind);
/// Whether convert-fa-to-nvgpu generates this kernel from the bufferized op
/// (MmaSync, Wgmma).
bool isNVGPUKernel(KernelKind kind);

/// The shape of one attention, as the cost model sees it.
struct AttentionProblem {
  int64_t batch = 1;
  int64_t numQueryHeads = 1;
  int64_t numKVHeads = 1;
  int64_t seqLenQ = 1;
  int64_t seqLenKV = 1;
  int64_t headDim = 64;
  int64_t valueHeadDim = 64;
  /// Bytes of one element of Q, K, V and O (2 for f16/bf16, 4 for f32).
  int64_t elementBytes = 2;
  /// Bottom-right aligned causal mask: query i sees key j iff
  /// j <= i + seqLenKV - seqLenQ.
  bool causal = false;
  /// A sliding window (#fa.window): query i sees only keys
  /// i' - windowLeft <= j <= i' + windowRight, i' = i + seqLenKV - seqLenQ;
  /// the blocks outside every row's window are not computed.
  bool window = false;
  int64_t windowLeft = 0;
  int64_t windowRight = 0;
  /// A structured mask's fields (#fa.mask_pattern), 0 when absent: the
  /// blocks computed and masked are BlockClassifier's.
  int64_t maskChunk = 0;
  int64_t maskGlobal = 0;
  int64_t maskButterfly = 0;
  /// Bytes per score element of a mask/bias operand read for every computed
  /// tile (0 when there is none).
  int64_t maskElementBytes = 0;
  /// Whether the mask's query (key) dimension has static size 1 and is
  /// broadcast, so that its tile is a single row (column).
  bool maskBroadcastsRows = false;
  bool maskBroadcastsCols = false;
  /// Fraction of the (q-block, kv-block) tiles that a block-sparse mask keeps,
  /// applied after causal skipping; 1 for dense attention (and for a runtime
  /// block mask, whose density the compiler cannot know).
  double kvBlockDensity = 1.0;
  /// The granularity of a runtime block mask (#fa.block_sparse), 0 without
  /// one: a tiling's blocks must divide it, so that each tile lies in one
  /// mask block and is computed or skipped whole.
  int64_t blockMaskQ = 0;
  int64_t blockMaskKV = 0;
  /// Whether the f32 logsumexp [B, Hq, Nq] is written.
  bool writesLse = false;

  /// Whether a #fa.mask_pattern is set.
  bool hasMaskPattern() const {
    return maskChunk > 0 || maskGlobal > 0 || maskButterfly > 0;
  }
  /// The element mask of causal, the window and the mask pattern.
  MaskPattern maskPattern() const;

  /// Returns a message naming the first unusable field, or nullopt.
  std::optional<std::string> validate() const;
};

/// One candidate tiling; mirrors `#fa.tiling`.
struct Tiling {
  int64_t blockQ = 0;
  int64_t blockKV = 0;
  int64_t stages = 1;
  int64_t warps = 4;

  bool operator==(const Tiling &o) const {
    return blockQ == o.blockQ && blockKV == o.blockKV && stages == o.stages &&
           warps == o.warps;
  }
  /// `block_q x block_kv, S stages, W warps`.
  std::string str() const;
};

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_ATTENTIONPROBLEM_H
