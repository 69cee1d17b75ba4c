//===- TilingUtils.h - fa.attention <-> cost model --------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Reads the cost model's view of an fa.attention (its problem and tiling), so
// that fa-select-tiling, fa-check-sram-budget and the GPU conversion agree on
// the numbers (in particular on sramBytes).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H
#define FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"

namespace mlir {
namespace fa {

/// Sizes assumed for the dynamic dimensions of an fa.attention when no
/// better value is known (docs/CostModel.md, "Dynamic shapes").
constexpr int64_t kAssumedSeqLen = 4096;
constexpr int64_t kAssumedBatch = 1;

/// The problem of `op`. Dynamic `Nq`/`Nk` become `assumedSeqLen` and a
/// dynamic batch `assumedBatch`; `usedAssumption` (when given) is set to
/// whether any of them was dynamic.
AttentionProblem getAttentionProblem(AttentionOp op,
                                     int64_t assumedSeqLen = kAssumedSeqLen,
                                     int64_t assumedBatch = kAssumedBatch,
                                     bool *usedAssumption = nullptr);

/// The kernel of `op`'s `#fa.schedule`, or `fallback` when it has none.
KernelKind getKernelKind(AttentionOp op, KernelKind fallback);

/// The shared memory one thread block of `op`'s kernel needs with `tiling`:
/// the cost model's sramBytes for the kernel of its #fa.schedule
/// (`fallback` without one). An error on `op` when the cost model cannot
/// read its shape (the dynamic sizes do not enter it).
FailureOr<int64_t> getSharedMemoryBytes(AttentionOp op, TilingAttr tiling,
                                        KernelKind fallback);

/// The plain tiling of an attribute, and back.
Tiling getTiling(TilingAttr attr);
TilingAttr makeTilingAttr(MLIRContext *ctx, const Tiling &tiling);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_DIALECT_FA_TRANSFORMS_TILINGUTILS_H
