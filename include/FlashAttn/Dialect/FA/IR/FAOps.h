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

#define GET_OP_CLASSES
#include "FlashAttn/Dialect/FA/IR/FAOps.h.inc"

#endif // FLASHATTN_DIALECT_FA_IR_FAOPS_H
