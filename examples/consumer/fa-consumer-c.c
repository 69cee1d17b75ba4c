/*===- fa-consumer-c.c - Use the fa passes through the C API -----*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* The same as fa-consumer.cpp, in C against libFlashAttn-C.so, with the
   pipeline as a string:

     fa-consumer-c <input.mlir> <pipeline>                                   */

#include "FlashAttn-c/Dialects.h"
#include "FlashAttn-c/Passes.h"
#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>

static void print(MlirStringRef text, void *stream) {
  fwrite(text.data, 1, text.length, (FILE *)stream);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fputs("usage: fa-consumer-c <input.mlir> <pipeline>\n", stderr);
    return 2;
  }
  static char text[1 << 20];
  FILE *in = fopen(argv[1], "r");
  if (!in)
    return 1;
  size_t size = fread(text, 1, sizeof(text) - 1, in);
  fclose(in);
  text[size] = '\0';

  faRegisterAllPasses();
  MlirContext ctx = faContextCreate();
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
  int rc = 1;
  if (!mlirModuleIsNull(module) &&
      mlirLogicalResultIsSuccess(faRunPassPipeline(
          module, mlirStringRefCreateFromCString(argv[2]), print, stderr))) {
    mlirOperationPrint(mlirModuleGetOperation(module), print, stdout);
    fputc('\n', stdout);
    rc = 0;
  }
  if (!mlirModuleIsNull(module))
    mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return rc;
}
