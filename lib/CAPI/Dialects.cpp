//===- Dialects.cpp - flashattn-mlir dialects, C API ----------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn-c/Dialects.h"

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/RegisterAll.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(FA, fa, mlir::fa::FADialect)

void faRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::fa::registerAllDialects(*unwrap(registry));
}
