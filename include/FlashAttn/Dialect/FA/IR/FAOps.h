//===- FAOps.h - FlashAttention dialect operations --------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAOPS_H
#define FLASHATTN_DIALECT_FA_IR_FAOPS_H

#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace mlir {
namespace fa {
/// The softmax scale of an attention op: `scale` when given, else
/// 1/sqrt(headDim).
double getAttentionScale(std::optional<llvm::APFloat> scale, int64_t headDim);

namespace detail {
/// Attaches BufferizableOpInterface to fa.attention and fa.attention_grad
/// (called when the dialect is loaded).
void attachBufferizationModels(MLIRContext *ctx);
} // namespace detail
} // namespace fa
} // namespace mlir

#define GET_OP_CLASSES
#include "FlashAttn/Dialect/FA/IR/FAOps.h.inc"

#endif // FLASHATTN_DIALECT_FA_IR_FAOPS_H
