//===- TileAttentionGrad.h - Tiled form of fa.attention_grad ----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEATTENTIONGRAD_H
#define FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEATTENTIONGRAD_H

#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace fa {
namespace detail {

/// Replaces `op` (on tensors, with a #fa.tiling) by the loop nests of the
/// backward's tiled form (docs/Backward.md), with the tile buffers in
/// `memorySpace` (null: the default space).
void tileAttentionGrad(RewriterBase &rewriter, AttentionGradOp op,
                       Attribute memorySpace);

} // namespace detail
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEATTENTIONGRAD_H
