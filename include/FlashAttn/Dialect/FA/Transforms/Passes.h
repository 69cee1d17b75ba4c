//===- Passes.h - FlashAttention dialect passes -----------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_H
#define FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_H

#include "FlashAttn/Analysis/ScheduleOptions.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace fa {

#define GEN_PASS_DECL
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"

/// Adds the pattern that rewrites `fa.attention` into the naive reference
/// computation in linalg on tensors.
void populateDecomposeAttentionPatterns(RewritePatternSet &patterns);

/// The reference linalg lowering of one fa.attention (fa.attention_grad) on
/// tensors, built before `op`: one value per result of `op`. Fails, building
/// nothing, on the memref form. fa-decompose-attention's patterns and the
/// ops' AggregatedOpInterface::decomposeOperation both call it.
FailureOr<SmallVector<Value>> decomposeAttentionOp(OpBuilder &b,
                                                   AttentionOp op);
FailureOr<SmallVector<Value>> decomposeAttentionGradOp(OpBuilder &b,
                                                       AttentionGradOp op);

/// Attaches TilingInterface (fa.attention) and linalg's AggregatedOpInterface
/// (fa.attention, fa.attention_grad) to the fa ops; docs/Embedding.md.
void registerAttentionInterfaceExternalModels(DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "FlashAttn/Dialect/FA/Transforms/Passes.h.inc"

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_H
