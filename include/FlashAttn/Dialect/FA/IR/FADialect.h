//===- FADialect.h - FlashAttention dialect ---------------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FADIALECT_H
#define FLASHATTN_DIALECT_FA_IR_FADIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "FlashAttn/Dialect/FA/IR/FAOpsDialect.h.inc"

#endif // FLASHATTN_DIALECT_FA_IR_FADIALECT_H
