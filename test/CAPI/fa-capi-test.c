/*===- fa-capi-test.c - Exercise the flashattn-mlir C API --------*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* A C program that links only libFlashAttn-C.so. Without arguments it runs
   the checks below and FileCheck reads what it prints. With one argument it
   is a driver: it parses a module from stdin, runs the textual pipeline given
   as the argument with faRunPassPipeline and prints the result
   (test/CAPI/decompose-attention-run.mlir executes what it compiles). */

// RUN: fa-capi-test 2>&1 | FileCheck %s

/* setenv (testFindToolkit). */
#define _POSIX_C_SOURCE 200112L

#include "FlashAttn-c/Attention.h"
#include "FlashAttn-c/Dialects.h"
#include "FlashAttn-c/Passes.h"
#include "FlashAttn-c/Target.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printToFile(MlirStringRef text, void *userData) {
  fwrite(text.data, 1, text.length, (FILE *)userData);
}

static void printOp(MlirOperation op) {
  mlirOperationPrint(op, printToFile, stdout);
  fputc('\n', stdout);
}

static MlirLogicalResult printDiagnostic(MlirDiagnostic diag, void *userData) {
  (void)userData;
  fputs("diagnostic: ", stdout);
  mlirDiagnosticPrint(diag, printToFile, stdout);
  fputc('\n', stdout);
  return mlirLogicalResultSuccess();
}

/* A causal grouped-query attention: 4 query heads over 2 K/V heads. */
static const char *kAttention =
    "func.func @attention(%q: tensor<1x4x16x32xf16>, %k: tensor<1x2x16x32xf16>,"
    "                     %v: tensor<1x2x16x32xf16>) -> tensor<1x4x16x32xf16> {\n"
    "  %init = tensor.empty() : tensor<1x4x16x32xf16>\n"
    "  %o = fa.attention ins(%q, %k, %v : tensor<1x4x16x32xf16>,\n"
    "                        tensor<1x2x16x32xf16>, tensor<1x2x16x32xf16>)\n"
    "       outs(%init : tensor<1x4x16x32xf16>) {causal}\n"
    "       -> tensor<1x4x16x32xf16>\n"
    "  return %o : tensor<1x4x16x32xf16>\n"
    "}\n";

static MlirModule parse(MlirContext ctx, const char *text) {
  return mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
}

static void printTarget(MlirModule module) {
  MlirAttribute target = mlirOperationGetAttributeByName(
      mlirModuleGetOperation(module), mlirStringRefCreateFromCString("fa.target"));
  if (mlirAttributeIsNull(target)) {
    puts("no fa.target");
    return;
  }
  mlirAttributePrint(target, printToFile, stdout);
  fputc('\n', stdout);
}

/* faContextCreate + faRunPassPipeline, anchored and bare pipelines. */
static int testRunPipeline(void) {
  puts("=== testRunPipeline");
  MlirContext ctx = faContextCreate();
  MlirModule module = parse(ctx, kAttention);
  if (mlirModuleIsNull(module))
    return 1;
  MlirLogicalResult result = faRunPassPipeline(
      module,
      mlirStringRefCreateFromCString(
          "builtin.module(fa-set-target{target=a100 sram-per-block=49152},"
          "func.func(fa-decompose-attention),canonicalize)"),
      printToFile, stdout);
  printf("result: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                            : "failure");
  printOp(mlirModuleGetOperation(module));
  mlirModuleDestroy(module);
  // CHECK-LABEL: === testRunPipeline
  // CHECK:       result: success
  // CHECK:       module attributes {fa.target = #fa.target<arch = "sm_80", sram_per_block = 49152, sram_per_sm = 167936,
  // CHECK:       func.func @attention
  // CHECK-NOT:   fa.attention
  // CHECK:       linalg.generic
  // CHECK-SAME:    ins(%{{.*}}, %{{.*}} : tensor<1x4x16x32xf16>, tensor<1x2x16x32xf16>)
  // CHECK:       math.exp
  // CHECK:       return %{{.*}} : tensor<1x4x16x32xf16>

  module = parse(ctx, kAttention);
  result = faRunPassPipeline(
      module, mlirStringRefCreateFromCString(" fa-set-target{target=t4} "),
      printToFile, stdout);
  printf("bare result: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                                 : "failure");
  printTarget(module);
  // CHECK:       bare result: success
  // CHECK-NEXT:  #fa.target<arch = "sm_75", sram_per_block = 65536,
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

/* faRegisterAllPasses covers every Passes.td: the cost model's passes and
   the conversions too. */
static int testProjectPasses(void) {
  puts("=== testProjectPasses");
  MlirContext ctx = faContextCreate();
  MlirModule module = parse(ctx, kAttention);
  MlirLogicalResult result = faRunPassPipeline(
      module,
      mlirStringRefCreateFromCString(
          "builtin.module(fa-set-target{target=h100},"
          "func.func(fa-select-tiling,fa-check-sram-budget))"),
      printToFile, stdout);
  printf("result: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                            : "failure");
  printOp(mlirModuleGetOperation(module));
  // CHECK-LABEL: === testProjectPasses
  // CHECK:       result: success
  // CHECK:       fa.attention
  // CHECK-SAME:    tiling = #fa.tiling<block_q =
  result = faRunPassPipeline(
      module, mlirStringRefCreateFromCString("func.func(convert-fa-to-gpu)"),
      printToFile, stdout);
  printf("conversion: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                                : "failure");
  // A tensor program is not the bufferized tiled form: nothing to convert.
  // CHECK:       conversion: success
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

/* The upstream C API around ours: a registry filled by faRegisterAllDialects,
   the fa dialect handle, a pass manager built from a string and from a pass
   created by the generated mlirCreate* function. */
static int testUpstreamPassManager(void) {
  puts("=== testUpstreamPassManager");
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  faRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);

  MlirDialect fa = mlirDialectHandleLoadDialect(mlirGetDialectHandle__fa__(), ctx);
  MlirStringRef ns = mlirDialectGetNamespace(fa);
  printf("dialect: %.*s\n", (int)ns.length, ns.data);

  MlirModule module = parse(ctx, kAttention);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("builtin.module(fa-set-target{target=h100})"),
      printToFile, stdout);
  printf("parsed: %s\n", mlirLogicalResultIsSuccess(parsed) ? "success"
                                                            : "failure");
  mlirPassManagerAddOwnedPass(pm, mlirCreateFAFADecomposeAttentionPass());
  MlirLogicalResult result =
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  printf("result: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                            : "failure");
  printTarget(module);
  printOp(mlirModuleGetOperation(module));
  // CHECK-LABEL: === testUpstreamPassManager
  // CHECK:       dialect: fa
  // CHECK-NEXT:  parsed: success
  // CHECK-NEXT:  result: success
  // CHECK-NEXT:  #fa.target<arch = "sm_90a", sram_per_block = 232448,
  // CHECK-NOT:   fa.attention
  // CHECK:       linalg.generic
  // CHECK:       return
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

/* Failures come back as failure() plus text through the callback. */
static int testErrors(void) {
  puts("=== testErrors");
  MlirContext ctx = faContextCreate();
  const char *pipelines[] = {
      "fa-no-such-pass",
      "builtin.module(fa-set-target{target=tpu})",
      "fa-set-target",
      "builtin.module(fa-set-target{target=h100 sram-per-block=-1})",
  };
  for (size_t i = 0; i < sizeof(pipelines) / sizeof(pipelines[0]); ++i) {
    MlirModule module = parse(ctx, kAttention);
    MlirLogicalResult result = faRunPassPipeline(
        module, mlirStringRefCreateFromCString(pipelines[i]), printToFile,
        stdout);
    printf("result %zu: %s\n", i,
           mlirLogicalResultIsSuccess(result) ? "success" : "failure");
    mlirModuleDestroy(module);
  }
  // CHECK-LABEL: === testErrors
  // CHECK:       error: invalid pass pipeline 'fa-no-such-pass': {{.*}}'fa-no-such-pass' does not refer to a registered pass
  // CHECK:       result 0: failure
  // CHECK:       error: unknown target 'tpu'; known targets: {{.*}}h100
  // CHECK:       result 1: failure
  // CHECK:       error: fa-set-target needs a 'target' option when the module has no fa.target yet
  // CHECK-NOT:   see current operation
  // CHECK:       result 2: failure
  // CHECK:       error: invalid target after overrides: sram_per_block must be positive
  // CHECK:       result 3: failure

  /* Without a callback the diagnostics reach the context's handlers. */
  MlirDiagnosticHandlerID id =
      mlirContextAttachDiagnosticHandler(ctx, printDiagnostic, NULL, NULL);
  MlirModule module = parse(ctx, kAttention);
  MlirLogicalResult result = faRunPassPipeline(
      module, mlirStringRefCreateFromCString("fa-set-target{target=tpu}"),
      (MlirStringCallback)NULL, NULL);
  printf("no callback: %s\n", mlirLogicalResultIsSuccess(result) ? "success"
                                                                 : "failure");
  mlirModuleDestroy(module);
  // CHECK:       diagnostic: unknown target 'tpu'
  // CHECK-NEXT:  no callback: failure

  /* Invalid IR does not parse: a null module and a diagnostic. */
  module = parse(ctx, "func.func @f() { %0 = fa.attention }");
  printf("invalid IR: %s\n", mlirModuleIsNull(module) ? "null" : "parsed");
  // CHECK:       diagnostic: custom op 'fa.attention' expected 'ins'
  // CHECK-NEXT:  invalid IR: null
  mlirContextDetachDiagnosticHandler(ctx, id);
  mlirContextDestroy(ctx);
  return 0;
}

/* A wgmma attention with a tiling and a schedule written by hand, every
   schedule field away from its default. */
static const char *kScheduled =
    "func.func @scheduled(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>)"
    "    -> tensor<1x2x256x64xbf16> {\n"
    "  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>,"
    "      tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)"
    "      outs(%o : tensor<1x2x256x64xbf16>)"
    "      {schedule = #fa.schedule<kernel = mma_sync, loads = tma,"
    "         release = mbarrier, step = overlap, pingpong = true,"
    "         masked_steps = branch, epilogue = tma_store, consumer_regs = 232,"
    "         min_blocks = 2>,"
    "       tiling = #fa.tiling<block_q = 128, block_kv = 32, stages = 3, warps = 8>}"
    "      -> tensor<1x2x256x64xbf16>\n"
    "  return %r : tensor<1x2x256x64xbf16>\n"
    "}\n";

/* A written schedule with the forward's compacted walk (a block mask). */
static const char *kCompacted =
    "func.func @compacted(%q: tensor<1x2x256x64xbf16>, %bm: tensor<1x2x2x2xi8>,"
    "    %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {\n"
    "  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>,"
    "      tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)"
    "      block_mask(%bm : tensor<1x2x2x2xi8>)"
    "      outs(%o : tensor<1x2x256x64xbf16>)"
    "      {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>,"
    "       schedule = #fa.schedule<kernel = wgmma, loads = tma,"
    "         walk = compacted>}"
    "      -> tensor<1x2x256x64xbf16>\n"
    "  return %r : tensor<1x2x256x64xbf16>\n"
    "}\n";

static void printStringRef(const char *name, MlirStringRef value) {
  printf(" %s=%.*s", name, (int)value.length, value.data);
}

/* What the C API reads from an fa.attention, printed in one line each. */
static void printDecisions(MlirOperation op) {
  FATiling tiling;
  if (faAttentionGetTiling(op, &tiling))
    printf("tiling: %lld %lld %lld %lld\n", (long long)tiling.blockQ,
           (long long)tiling.blockKV, (long long)tiling.stages,
           (long long)tiling.warps);
  else
    puts("tiling: none");
  FASchedule s;
  if (faAttentionGetSchedule(op, &s)) {
    fputs("schedule:", stdout);
    printStringRef("kernel", s.kernel);
    printStringRef("loads", s.loads);
    printStringRef("release", s.release);
    printStringRef("step", s.step);
    printf(" pingpong=%s", s.pingpong ? "true" : "false");
    printStringRef("masked_steps", s.maskedSteps);
    printStringRef("epilogue", s.epilogue);
    printf(" consumer_regs=%lld", (long long)s.consumerRegs);
    printStringRef("walk", s.walk);
    printf(" min_blocks=%lld", (long long)s.minBlocks);
    fputc('\n', stdout);
  } else {
    puts("schedule: none");
  }
  FATarget t;
  if (faGetTarget(op, &t))
    printf("target: %.*s %lld %lld %lld %lld %lld %lld %lld\n",
           (int)t.arch.length, t.arch.data, (long long)t.sramPerBlock,
           (long long)t.sramPerSM, (long long)t.regsPerSM,
           (long long)t.maxRegsPerThread, (long long)t.smCount,
           (long long)t.hbmGBps, (long long)t.tensorTFlops);
  else
    puts("target: none");
  FASharedMemory smem;
  if (mlirLogicalResultIsSuccess(
          faAttentionGetSharedMemory(op, &smem, printToFile, stdout)))
    printf("shared memory: %lld of %lld\n", (long long)smem.bytes,
           (long long)smem.budget);
  else
    puts("shared memory: failed");
}

/* The decisions of fa-select-tiling as the C API reads them, against the
   attributes the op prints and fa-check-sram-budget's own numbers. */
static int testAttention(void) {
  puts("=== testAttention");
  MlirContext ctx = faContextCreate();
  MlirModule module = parse(ctx, kAttention);
  MlirOperation moduleOp = mlirModuleGetOperation(module);
  printf("ops: %ld, is attention: %d %d, past the end: %s\n",
         (long)faModuleGetNumAttentionOps(module),
         faOperationIsAAttention(faModuleGetAttentionOp(module, 0)),
         faOperationIsAAttention(moduleOp),
         mlirOperationIsNull(faModuleGetAttentionOp(module, 1)) ? "null"
                                                                 : "op");
  // CHECK-LABEL: === testAttention
  // CHECK-NEXT:  ops: 1, is attention: 1 0, past the end: null
  MlirOperation op = faModuleGetAttentionOp(module, 0);
  printDecisions(op);
  // CHECK-NEXT:  tiling: none
  // CHECK-NEXT:  schedule: none
  // CHECK-NEXT:  target: none
  // CHECK-NEXT:  error: 'fa.attention' op has no #fa.tiling to size its shared memory; run fa-select-tiling
  // CHECK:       shared memory: failed
  FASharedMemory smem;
  faAttentionGetSharedMemory(moduleOp, &smem, printToFile, stdout);
  // CHECK-NEXT:  error: expected an fa.attention or fa.attention_grad, got 'builtin.module'

  faRunPassPipeline(module,
                    mlirStringRefCreateFromCString(
                        "fa-set-target{target=h100},"
                        "fa-select-tiling{kernel=auto}"),
                    printToFile, stdout);
  printOp(moduleOp);
  printDecisions(op);
  // CHECK:       #fa.target<arch = "[[ARCH:sm_90a]]", sram_per_block = [[SPB:[0-9]+]], sram_per_sm = [[SPS:[0-9]+]], regs_per_sm = [[RPS:[0-9]+]], max_regs_per_thread = [[MRT:[0-9]+]], sm_count = [[SMS:[0-9]+]], hbm_gbps = [[HBM:[0-9]+]], tensor_tflops = [[TF:[0-9]+]]>
  /* d = 32 gets the wgmma kernel on sm_90a (docs/decisions.md, D48). */
  // CHECK:       schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>
  // CHECK-SAME:  tiling = #fa.tiling<block_q = [[BQ:[0-9]+]], block_kv = [[BKV:[0-9]+]], stages = [[ST:[0-9]+]], warps = [[W:[0-9]+]]>
  // CHECK:       tiling: [[BQ]] [[BKV]] [[ST]] [[W]]
  // CHECK-NEXT:  schedule: kernel=wgmma loads=tma release=barrier step=serial pingpong=false masked_steps=split epilogue=tma-store consumer_regs=0 walk=dense min_blocks=0
  // CHECK-NEXT:  target: [[ARCH]] [[SPB]] [[SPS]] [[RPS]] [[MRT]] [[SMS]] [[HBM]] [[TF]]
  // CHECK-NEXT:  shared memory: [[BYTES:[0-9]+]] of [[SPB]]

  /* fa-check-sram-budget names the same bytes when the budget is smaller. */
  faRunPassPipeline(
      module,
      mlirStringRefCreateFromCString(
          "fa-set-target{sram-per-block=1024},fa-check-sram-budget"),
      printToFile, stdout);
  printDecisions(op);
  // CHECK:       error: 'fa.attention' op tiling #fa.tiling<{{.*}}> needs [[BYTES]] bytes of shared memory per block but the target (sm_90a) allows 1024 (kernel=wgmma)
  // CHECK:       shared memory: [[BYTES]] of 1024
  mlirModuleDestroy(module);

  module = parse(ctx, kScheduled);
  printDecisions(faModuleGetAttentionOp(module, 0));
  // CHECK-NEXT:  tiling: 128 32 3 8
  // CHECK-NEXT:  schedule: kernel=mma-sync loads=tma release=mbarrier step=overlap pingpong=true masked_steps=branch epilogue=tma-store consumer_regs=232 walk=dense min_blocks=2
  // CHECK-NEXT:  target: none
  // CHECK-NEXT:  error: 'fa.attention' op has no #fa.target on the enclosing module to take the shared-memory budget from; run fa-set-target
  // CHECK:       shared memory: failed
  mlirModuleDestroy(module);

  /* The walk (D106: the C API did not say it). */
  module = parse(ctx, kCompacted);
  printDecisions(faModuleGetAttentionOp(module, 0));
  // CHECK-NEXT:  tiling: none
  // CHECK-NEXT:  schedule: kernel=wgmma loads=tma release=barrier step=serial pingpong=false masked_steps=split epilogue=direct consumer_regs=0 walk=compacted min_blocks=0
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

/* A deterministic GQA backward (4 query heads on 2 K/V heads), with more
   attributes after its requests. */
#define GRAD_MODULE(ATTRS) GRAD_MODULE_WITH("causal, deterministic", ATTRS)
#define GRAD_MODULE_WITH(REQUESTS, ATTRS)                                      \
  "func.func @grad(%q: tensor<1x4x64x32xbf16>, %k: tensor<1x2x64x32xbf16>,"    \
  "    %l: tensor<1x4x64xf32>) -> (tensor<1x4x64x32xbf16>,"                    \
  "    tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>) {\n"                    \
  "  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %l : "                   \
  "      tensor<1x4x64x32xbf16>,"                                              \
  "      tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, "                     \
  "      tensor<1x4x64x32xbf16>,"                                              \
  "      tensor<1x4x64x32xbf16>, tensor<1x4x64xf32>)"                          \
  "      outs(%q, %k, %k : tensor<1x4x64x32xbf16>, tensor<1x2x64x32xbf16>,"    \
  "      tensor<1x2x64x32xbf16>) {" REQUESTS ATTRS "}"                         \
  "      -> tensor<1x4x64x32xbf16>, tensor<1x2x64x32xbf16>, "                  \
  "      tensor<1x2x64x32xbf16>\n"                                             \
  "  return %r#0, %r#1, %r#2 : tensor<1x4x64x32xbf16>, "                       \
  "      tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>\n"                     \
  "}\n"
static const char *kAttentionGrad = GRAD_MODULE("");
/* The same with a written schedule that leaves dK in flight. */
static const char *kInFlight = GRAD_MODULE(
    ", schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, "
    "in_flight = dk>");
/* The same with a written schedule that stores dK and dV through TMA. */
static const char *kTmaStore = GRAD_MODULE(
    ", schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered, "
    "epilogue = tma_store>");
/* The same op, not deterministic, with a written schedule that asks for
   the persistent kernel (dq = atomic). */
static const char *kPersistent = GRAD_MODULE_WITH(
    "causal", ", schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, "
              "persistent = on>");

/* The fused dQ conversion, written on the op (D120). */
static const char *kDqFused = GRAD_MODULE_WITH(
    "causal", ", schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, "
              "dq_convert = fused>");

/* The warpgroup's dQ reductions, written on the op (D127). */
static const char *kDqReduce = GRAD_MODULE_WITH(
    "causal", ", schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, "
              "dq_reduce = warpgroup>");

/* The grid launched longest first in chunks of 4 (batch, head) pairs,
   written on the op (D131). */
static const char *kLaunchChunk = GRAD_MODULE_WITH(
    "causal", ", schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, "
              "launch_chunk = 4>");

/* An fa.attention_grad's #fa.backward_schedule as the C API reads it, in
   one line. */
static void printBackwardSchedule(MlirOperation op) {
  FABackwardSchedule s;
  if (!faAttentionGradGetSchedule(op, &s))
    return;
  fputs("schedule:", stdout);
  printStringRef("kernel", s.kernel);
  printStringRef("dq", s.dq);
  printf(" deterministic=%s", s.deterministic ? "true" : "false");
  printStringRef("walk", s.walk);
  printStringRef("in_flight", s.inFlight);
  printStringRef("epilogue", s.epilogue);
  printStringRef("persistent", s.persistent);
  printStringRef("dq_pass", s.dqPass);
  printStringRef("gqa", s.gqa);
  printStringRef("dq_convert", s.dqConvert);
  printStringRef("dq_reduce", s.dqReduce);
  printf(" launch_chunk=%lld", (long long)s.launchChunk);
  fputc('\n', stdout);
}

/* The backward's decisions as the C API reads them: its tiling, its
   #fa.backward_schedule with the op's deterministic request, and its
   shared memory (fa-check-sram-budget's count, fa.predicted_sram). */
static int testAttentionGrad(void) {
  puts("=== testAttentionGrad");
  MlirContext ctx = faContextCreate();
  MlirModule module = parse(ctx, kAttentionGrad);
  MlirOperation op = faModuleGetAttentionGradOp(module, 0);
  printf("ops: %ld %ld, is grad: %d %d, past the end: %s\n",
         (long)faModuleGetNumAttentionGradOps(module),
         (long)faModuleGetNumAttentionOps(module),
         faOperationIsAAttentionGrad(op), faOperationIsAAttention(op),
         mlirOperationIsNull(faModuleGetAttentionGradOp(module, 1)) ? "null"
                                                                     : "op");
  // CHECK-LABEL: === testAttentionGrad
  // CHECK-NEXT:  ops: 1 0, is grad: 1 0, past the end: null
  FABackwardSchedule s;
  FASchedule forward;
  printf("before: schedule %d, forward schedule %d\n",
         faAttentionGradGetSchedule(op, &s), faAttentionGetSchedule(op, &forward));
  // CHECK-NEXT:  before: schedule 0, forward schedule 0
  faRunPassPipeline(module,
                    mlirStringRefCreateFromCString(
                        "fa-set-target{target=h100},fa-select-tiling"),
                    printToFile, stdout);
  printOp(mlirModuleGetOperation(module));
  // CHECK:       fa.predicted_sram = [[BYTES:[0-9]+]]
  // CHECK-SAME:  tiling = #fa.tiling<block_q = [[BQ:[0-9]+]], block_kv = [[BKV:[0-9]+]], stages = [[ST:[0-9]+]], warps = [[W:[0-9]+]]>
  FATiling tiling;
  if (faAttentionGetTiling(op, &tiling))
    printf("tiling: %lld %lld %lld %lld\n", (long long)tiling.blockQ,
           (long long)tiling.blockKV, (long long)tiling.stages,
           (long long)tiling.warps);
  // CHECK:       tiling: [[BQ]] [[BKV]] [[ST]] [[W]]
  printBackwardSchedule(op);
  // CHECK-NEXT:  schedule: kernel=simt dq=separate deterministic=true walk=dense in_flight=none epilogue=direct persistent=off dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warp launch_chunk=1
  FASharedMemory smem;
  if (mlirLogicalResultIsSuccess(
          faAttentionGetSharedMemory(op, &smem, printToFile, stdout)))
    printf("shared memory: %lld of %lld\n", (long long)smem.bytes,
           (long long)smem.budget);
  // CHECK-NEXT:  shared memory: [[BYTES]] of 232448

  /* dK in flight, written on the op (D106: the C API did not say it). */
  mlirModuleDestroy(module);
  module = parse(ctx, kInFlight);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=ordered deterministic=true walk=dense in_flight=dk epilogue=direct persistent=off dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warp launch_chunk=1

  /* The TMA-store epilogue, written on the op (D111: the C API did not
     say it). */
  mlirModuleDestroy(module);
  module = parse(ctx, kTmaStore);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=ordered deterministic=true walk=dense in_flight=none epilogue=tma-store persistent=off dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warp launch_chunk=1

  /* The persistent kernel, written on the op (D114). */
  mlirModuleDestroy(module);
  module = parse(ctx, kPersistent);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=atomic deterministic=false walk=dense in_flight=none epilogue=direct persistent=on dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warp launch_chunk=1

  /* The fused dQ conversion, written on the op (D120). */
  mlirModuleDestroy(module);
  module = parse(ctx, kDqFused);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=atomic deterministic=false walk=dense in_flight=none epilogue=direct persistent=off dq_pass=step-start gqa=loop dq_convert=fused dq_reduce=warp launch_chunk=1

  /* The warpgroup's dQ reductions, written on the op (D127). */
  mlirModuleDestroy(module);
  module = parse(ctx, kDqReduce);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=atomic deterministic=false walk=dense in_flight=none epilogue=direct persistent=off dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warpgroup launch_chunk=1

  /* The launch chunk, written on the op (D131). */
  mlirModuleDestroy(module);
  module = parse(ctx, kLaunchChunk);
  printBackwardSchedule(faModuleGetAttentionGradOp(module, 0));
  // CHECK-NEXT:  schedule: kernel=wgmma dq=atomic deterministic=false walk=dense in_flight=none epilogue=direct persistent=off dq_pass=step-start gqa=loop dq_convert=kernel dq_reduce=warp launch_chunk=4
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}

/* One line per option: name, type, default, then the enum's values. */
static void printOption(const FAPipelineOption *option, void *userData) {
  int *count = (int *)userData;
  ++*count;
  printf("option %.*s %.*s '%.*s'", (int)option->name.length,
         option->name.data, (int)option->type.length, option->type.data,
         (int)option->defaultValue.length, option->defaultValue.data);
  for (intptr_t i = 0; i < option->numValues; ++i)
    printf(" %.*s", (int)option->values[i].length, option->values[i].data);
  if (option->description.length == 0 ||
      (option->numValues > 0 && option->valueDescriptions[0].length == 0))
    fputs(" (undescribed)", stdout);
  fputc('\n', stdout);
}

/* faGetPipelineOptions: fa-to-ptx-pipeline's options with their types,
   defaults and allowed values (unittests/PipelineOptionsTest.cpp checks
   them all against the pipeline's parser). */
static int testPipelineOptions(void) {
  puts("=== testPipelineOptions");
  int count = 0;
  MlirLogicalResult result = faGetPipelineOptions(
      mlirStringRefCreateFromCString("fa-to-ptx-pipeline"), printOption,
      &count);
  printf("%s, %d options\n",
         mlirLogicalResultIsSuccess(result) ? "success" : "failure", count);
  // CHECK-LABEL: === testPipelineOptions
  // CHECK-NEXT:  option target string ''
  // CHECK-NEXT:  option arch string ''
  // CHECK-NEXT:  option sram-per-block int '0'
  // CHECK:       option format enum 'isa' isa bin fatbin
  // CHECK:       option opt-level uint '3'
  // CHECK:       option naive bool 'false'
  // CHECK-NEXT:  option explain bool 'false'
  // CHECK-NEXT:  option stop-after enum 'binary' target selected tiled bufferized gpu binary
  // CHECK-NEXT:  option kernel enum 'auto' auto wgmma mma-sync simt
  // CHECK-NEXT:  option wgmma-loads enum 'tma' tma cp-async
  // CHECK-NEXT:  option wgmma-release enum 'auto' auto barrier mbarrier producer
  // CHECK-NEXT:  option wgmma-schedule enum 'auto' auto serial overlap
  // CHECK-NEXT:  option wgmma-pingpong enum 'auto' auto on off
  // CHECK-NEXT:  option mma-masked-steps enum 'auto' auto split branch
  // CHECK-NEXT:  option block-mask-walk enum 'auto' auto dense compacted
  // CHECK-NEXT:  option backward-epilogue enum 'auto' auto direct tma-store
  // CHECK-NEXT:  option dq-pass enum 'auto' auto step-start after-scores
  // CHECK-NEXT:  option backward-persistent enum 'auto' auto off on
  // CHECK-NEXT:  option backward-gqa enum 'auto' auto loop split
  // CHECK-NEXT:  option backward-dq-convert enum 'auto' auto kernel fused
  // CHECK-NEXT:  option backward-dq-reduce enum 'auto' auto warp warpgroup
  // CHECK-NEXT:  option backward-launch-chunk int '0'
  // CHECK-NEXT:  option caller-strides bool 'false'
  // CHECK-NEXT:  success, {{[0-9]+}} options
  // CHECK-NOT:   undescribed
  count = 0;
  result = faGetPipelineOptions(
      mlirStringRefCreateFromCString("gpu-lower-to-nvvm-pipeline"),
      printOption, &count);
  printf("%s, %d options\n",
         mlirLogicalResultIsSuccess(result) ? "success" : "failure", count);
  // CHECK-NEXT:  failure, 0 options
  return 0;
}

static void printValue(MlirStringRef text, void *userData) {
  printf("  %s '%.*s'\n", (const char *)userData, (int)text.length,
         text.data);
}

/* The error callback gets the same userData as the result callback (the
   header says so): it prints which search failed. */
static void printError(MlirStringRef text, void *userData) {
  printf("  error (%s): %.*s\n", (const char *)userData, (int)text.length,
         text.data);
}

static void printFound(const char *what, MlirLogicalResult result) {
  printf("%s: %s\n", what,
         mlirLogicalResultIsSuccess(result) ? "found" : "not found");
}

/* faFindCUDAToolkit and faFindPtxas: an explicit path is taken as given
   (a toolkit) or checked (ptxas); a toolkit named explicitly is where ptxas
   is looked for; the environment is read when nothing is given. Last: it
   changes $PATH and $CUDA_ROOT. */
static int testFindToolkit(void) {
  puts("=== testFindToolkit");
  MlirStringRef none = mlirStringRefCreateFromCString("");
  MlirStringRef sh = mlirStringRefCreateFromCString("/bin/sh");
  MlirStringRef missing = mlirStringRefCreateFromCString("/nonexistent");
  char toolkit[] = "toolkit", ptxas[] = "ptxas";
  printFound("toolkit option", faFindCUDAToolkit(missing, printValue,
                                                 printError, toolkit));
  printFound("ptxas option",
             faFindPtxas(sh, none, printValue, printError, ptxas));
  printFound("missing ptxas",
             faFindPtxas(missing, none, printValue, printError, ptxas));
  printFound("toolkit without ptxas",
             faFindPtxas(none, missing, printValue, printError, ptxas));
  // CHECK-LABEL: === testFindToolkit
  // CHECK-NEXT:    toolkit '/nonexistent'
  // CHECK-NEXT:  toolkit option: found
  // CHECK-NEXT:    ptxas '/bin/sh'
  // CHECK-NEXT:  ptxas option: found
  // CHECK-NEXT:    error (ptxas): ptxas '/nonexistent' is not an executable file
  // CHECK-NEXT:  missing ptxas: not found
  // CHECK-NEXT:    error (ptxas): no ptxas in the CUDA toolkit '/nonexistent' (/nonexistent/bin/ptxas is not an executable file)
  // CHECK-NEXT:  toolkit without ptxas: not found

  setenv("PATH", "/nonexistent", 1);
  setenv("CUDA_ROOT", "/nonexistent-cuda", 1);
  printFound("environment toolkit",
             faFindCUDAToolkit(none, printValue, printError, toolkit));
  printFound("search", faFindPtxas(none, none, printValue, printError, ptxas));
  printFound("no error callback",
             faFindPtxas(none, none, printValue, NULL, ptxas));
  // CHECK-NEXT:    toolkit '/nonexistent-cuda'
  // CHECK-NEXT:  environment toolkit: found
  // CHECK-NEXT:    error (ptxas): ptxas not found: not on $PATH, and not in the CUDA toolkit of $CUDA_ROOT (/nonexistent-cuda/bin/ptxas is not an executable file)
  // CHECK-NEXT:  search: not found
  // CHECK-NEXT:  no error callback: not found
  return 0;
}

/* Driver mode: stdin -> pipeline -> stdout. */
static int runDriver(const char *pipeline) {
  size_t size = 0, capacity = 1 << 16;
  char *text = malloc(capacity);
  size_t n;
  while (text && (n = fread(text + size, 1, capacity - size - 1, stdin)) > 0) {
    size += n;
    if (capacity - size - 1 == 0)
      text = realloc(text, capacity *= 2);
  }
  if (!text)
    return 1;
  text[size] = '\0';

  faRegisterAllPasses();
  MlirContext ctx = faContextCreate();
  MlirModule module = parse(ctx, text);
  free(text);
  int rc = 1;
  if (!mlirModuleIsNull(module)) {
    MlirLogicalResult result = faRunPassPipeline(
        module, mlirStringRefCreateFromCString(pipeline), printToFile, stderr);
    if (mlirLogicalResultIsSuccess(result)) {
      printOp(mlirModuleGetOperation(module));
      rc = 0;
    }
    mlirModuleDestroy(module);
  }
  mlirContextDestroy(ctx);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 2)
    return runDriver(argv[1]);
  faRegisterAllPasses();
  if (testRunPipeline() || testProjectPasses() || testUpstreamPassManager() ||
      testErrors() || testAttention() || testAttentionGrad() ||
      testPipelineOptions() ||
      testFindToolkit())
    return 1;
  puts("=== done");
  // CHECK: === done
  return 0;
}
