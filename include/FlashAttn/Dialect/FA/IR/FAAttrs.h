//===- FAAttrs.h - FlashAttention dialect attributes ------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAATTRS_H
#define FLASHATTN_DIALECT_FA_IR_FAATTRS_H

#include "FlashAttn/Analysis/BackwardCostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Analysis/TargetInfo.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include <optional>
#include <string>

namespace mlir {
namespace fa {

/// The keyword of a schedule field's value in `#fa.schedule`: its option
/// spelling with `-` written `_` (MLIR keywords have no `-`).
std::string getScheduleKeyword(llvm::StringRef spelling);

/// Parses `true` or `false`.
FailureOr<bool> parseScheduleFlag(AsmParser &parser);

/// Parses a schedule field's keyword with `parse` (which takes the option
/// spelling); an error naming `what` of `attr` otherwise.
template <typename Enum>
FailureOr<Enum> parseScheduleKeyword(AsmParser &parser,
                                     std::optional<Enum> (*parse)(
                                         llvm::StringRef),
                                     llvm::StringRef what,
                                     llvm::StringRef attr = "#fa.schedule") {
  llvm::SMLoc loc = parser.getCurrentLocation();
  llvm::StringRef keyword;
  if (failed(parser.parseKeyword(&keyword)))
    return failure();
  std::string spelling = keyword.str();
  for (char &c : spelling)
    if (c == '_')
      c = '-';
  if (std::optional<Enum> value = parse(spelling))
    return *value;
  return parser.emitError(loc)
         << "unknown " << attr << " " << what << " '" << keyword << "'";
}

} // namespace fa
} // namespace mlir

#define GET_ATTRDEF_CLASSES
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h.inc"

namespace mlir {
class ModuleOp;
namespace fa {

/// Builds the attribute that describes `info`.
TargetAttr getTargetAttr(MLIRContext *ctx, const TargetInfo &info);

/// Reads the plain description back from the attribute.
TargetInfo getTargetInfo(TargetAttr attr);

/// The attribute of a decided schedule, and back.
ScheduleAttr getScheduleAttr(MLIRContext *ctx, const KernelSchedule &schedule);
KernelSchedule getKernelSchedule(ScheduleAttr attr);

/// The kernel of `op`'s #fa.backward_schedule, or `fallback` without one.
KernelKind getBackwardKernelKind(Operation *op, KernelKind fallback);

/// The `fa.target` of the closest enclosing module of `op` (or `op` itself
/// when it is a module), or null when there is none.
TargetAttr lookupTarget(Operation *op);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_DIALECT_FA_IR_FAATTRS_H
