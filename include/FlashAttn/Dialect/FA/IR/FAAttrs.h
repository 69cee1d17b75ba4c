//===- FAAttrs.h - FlashAttention dialect attributes ------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAATTRS_H
#define FLASHATTN_DIALECT_FA_IR_FAATTRS_H

#include "FlashAttn/Analysis/TargetInfo.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#define GET_ATTRDEF_CLASSES
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h.inc"

namespace mlir {
class ModuleOp;
namespace fa {

/// Builds the attribute that describes `info`.
TargetAttr getTargetAttr(MLIRContext *ctx, const TargetInfo &info);

/// Reads the plain description back from the attribute.
TargetInfo getTargetInfo(TargetAttr attr);

/// The `fa.target` of the closest enclosing module of `op` (or `op` itself
/// when it is a module), or null when there is none.
TargetAttr lookupTarget(Operation *op);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_DIALECT_FA_IR_FAATTRS_H
