//===- fa-consumer.cpp - Use the fa passes from another compiler ----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// What an MLIR-based compiler does to use the fa dialect and passes from its
// own code: register the dialect, parse, add the passes to its own pass
// manager (built in C++, not from a string), run, print.
//
//   fa-consumer <input.mlir> <target>
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Dialect/FA/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: fa-consumer <input.mlir> <target>\n";
    return 2;
  }

  // fa.attention's operands and the reference lowering's output live in
  // these dialects; the passes load theirs on demand.
  mlir::DialectRegistry registry;
  registry.insert<mlir::fa::FADialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sourceMgr,
                                            mlir::ParserConfig(&context));
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  mlir::fa::FASetTargetPassOptions target;
  target.target = argv[2];
  pm.addPass(mlir::fa::createFASetTargetPass(target));
  pm.addNestedPass<mlir::func::FuncOp>(
      mlir::fa::createFADecomposeAttentionPass());
  if (mlir::failed(pm.run(*module)))
    return 1;

  module->print(llvm::outs());
  llvm::outs() << "\n";
  return 0;
}
