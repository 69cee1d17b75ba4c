//===- fa-compile.cpp - Compile attention to PTX files and a manifest -----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// fa-compile INPUT.mlir -o OUT/NAME [--pipeline-options="target=h100 naive"]
//            [--caller-strides]
//
// Runs fa-to-ptx-pipeline (format=isa) on INPUT and writes
//   OUT/NAME.ptx          the PTX of the single gpu.binary
//   OUT/NAME.cubin        ptxas's output, when ptxas is found
//   OUT/NAME.ptxas.log    ptxas -v's report (registers, spills, smem)
//   OUT/NAME.json         the kernel manifest (docs/GPU.md)
// The manifest lists the kernels in launch order with their grid, block,
// dynamic shared memory and parameters, and the buffers the host must
// provide (arguments) or allocate (scratch).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Pipelines/Pipelines.h"
#include "FlashAttn/Target/CUDAToolkit.h"
#include "FlashAttn/Target/KernelManifest.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"));
static cl::opt<std::string>
    outputPrefix("o", cl::desc("Output prefix: writes PREFIX.ptx, .json, "
                               ".cubin and .ptxas.log"),
                 cl::value_desc("prefix"), cl::Required);
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("Options of fa-to-ptx-pipeline, e.g. \"target=a100 naive\""),
    cl::init(""));
static cl::opt<std::string>
    functionName("function",
                 cl::desc("Host function to describe (default: the only "
                          "public one)"),
                 cl::init(""));
static cl::opt<std::string>
    ptxasPath("ptxas",
              cl::desc("ptxas to assemble the PTX with (default: the "
                       "toolkit option's bin, else $PATH, else the bin of "
                       "$CUDA_ROOT, $CUDA_HOME, $CUDA_PATH or "
                       "/usr/local/cuda); 'none' skips it"),
              cl::init(""));
static cl::opt<bool> allowOverBudget(
    "allow-over-budget",
    cl::desc("Write the files even when a kernel needs more shared memory "
             "than the target's sram_per_block (it will not launch)"),
    cl::init(false));
static cl::opt<bool> callerStrides(
    "caller-strides",
    cl::desc("Kernels that read and write the attention's tensors with the "
             "strides each launch gives (the pipeline's caller-strides "
             "option; docs/GPU.md, \"Caller strides\")"),
    cl::init(false));
static cl::opt<bool>
    dumpIR("dump-ir", cl::desc("Also write PREFIX.mlir, the pipeline's output"),
           cl::init(false));
static cl::opt<bool> verifyEach(
    "verify-each",
    cl::desc("Verify the IR after every pass of the pipeline (MLIR's "
             "default, off here for compile time: decision D25); without it "
             "the input and the pipeline's output are verified"),
    cl::init(false));

/// The start of one of fa-compile's own diagnostics, in MLIR's form.
static llvm::raw_ostream &reportError() {
  return llvm::errs() << "fa-compile: error: ";
}
static llvm::raw_ostream &reportWarning() {
  return llvm::errs() << "fa-compile: warning: ";
}

static LogicalResult writeFile(StringRef path, StringRef contents) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out) {
    reportError() << error << "\n";
    return failure();
  }
  out->os() << contents;
  out->keep();
  return success();
}

/// Assembles `ptxFile` into `cubinFile` with `ptxas -v`; returns its log, or
/// failure (with the log printed) when ptxas fails.
static FailureOr<std::string> runPtxas(StringRef ptxas, StringRef chip,
                                       StringRef ptxFile, StringRef cubinFile,
                                       StringRef logFile) {
  std::string arch = "-arch=" + chip.str();
  SmallVector<StringRef> args = {ptxas, "-v", "-O3", arch, ptxFile, "-o",
                                 cubinFile};
  // The redirection does not truncate: a longer log of an earlier run would
  // leave its tail behind (and a second "Used N registers" line). A cubin of
  // an earlier run would pass for this one's.
  llvm::sys::fs::remove(logFile);
  llvm::sys::fs::remove(cubinFile);
  std::optional<StringRef> redirects[] = {std::nullopt, logFile, logFile};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects,
                                     /*SecondsToWait=*/0, /*MemoryLimit=*/0,
                                     &error);
  auto log = llvm::MemoryBuffer::getFile(logFile);
  std::string text = log ? (*log)->getBuffer().str() : "";
  if (rc != 0) {
    reportError() << "ptxas failed (" << rc << ") " << error << "\n" << text;
    return failure();
  }
  // The manifest will name the cubin: it must exist (`--ptxas=/bin/true`
  // exits 0 without writing one).
  uint64_t size = 0;
  if (llvm::sys::fs::file_size(cubinFile, size) || size == 0) {
    reportError() << "'" << ptxas << "' exited 0 but wrote no " << cubinFile
              << "\n";
    return failure();
  }
  return text;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "flashattn-mlir: compile to PTX + manifest\n");

  DialectRegistry registry;
  registry.insert<fa::FADialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, gpu::GPUDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  nvgpu::NVGPUDialect, NVVM::NVVMDialect, scf::SCFDialect,
                  tensor::TensorDialect, vector::VectorDialect>();
  fa::registerFAGPUDialectExtensions(registry);
  MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  std::string error;
  auto input = openInputFile(inputFile, &error);
  if (!input) {
    reportError() << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  auto options = fa::FAToPTXPipelineOptions::createFromString(pipelineOptions);
  if (!options) {
    reportError() << "bad --pipeline-options\n";
    return 1;
  }
  if (options->format != fa::BinaryFormat::Isa) {
    reportError() << "writes PTX (format=isa) and assembles it "
                    "with ptxas itself; drop the format option\n";
    return 1;
  }
  if (callerStrides)
    options->callerStrides = true;
  // The naive front end's kernels come from upstream's loop mapping, which
  // addresses the buffers densely.
  if (options->callerStrides && options->naive) {
    reportError() << "the naive front end cannot read the caller's strides; "
                     "drop caller-strides or naive\n";
    return 1;
  }
  if (options->stopAfter != fa::PipelineStage::Binary) {
    reportError() << "writes the compiled kernel; drop the "
                    "stop-after option (fa-opt's --fa-to-ptx-pipeline prints "
                    "the IR at a stage)\n";
    return 1;
  }
  // The parser verified the input; the passes' own invariants are checked
  // after the whole pipeline unless --verify-each asks for every step (as
  // LLVM's opt, unlike mlir-opt, does by default).
  PassManager pm(&context);
  pm.enableVerifier(verifyEach);
  fa::buildFAToPTXPipeline(pm, *options);
  if (failed(pm.run(*module)) || failed(verify(*module)))
    return 1;
  if (dumpIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (failed(writeFile(outputPrefix + ".mlir", text)))
      return 1;
  }

  StringRef parent = llvm::sys::path::parent_path(outputPrefix);
  if (!parent.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(parent)) {
      reportError() << "cannot create '" << parent
                   << "': " << ec.message() << "\n";
      return 1;
    }
  }
  FailureOr<fa::KernelBinary> binary = fa::getKernelBinary(*module);
  if (failed(binary))
    return 1;
  if (binary->isPTX) {
    size_t pos = binary->object.find(".extern .func ");
    if (pos != std::string::npos) {
      StringRef line = StringRef(binary->object).substr(pos).split('\n').first;
      reportError() << "the PTX calls an unresolved function ("
                   << line << "); libdevice was not linked: pass "
                   << "toolkit=<CUDA path> or set CUDA_HOME\n";
      return 1;
    }
  }
  StringRef base = llvm::sys::path::filename(outputPrefix);
  std::string ptxFile = outputPrefix + ".ptx";
  if (failed(writeFile(ptxFile, binary->object)))
    return 1;
  llvm::StringMap<std::string> files;
  files["ptx"] = (base + ".ptx").str();

  // Found as the pipeline finds its toolkit. A ptxas that was asked for
  // must exist; without one found, the PTX is written alone.
  std::string ptxas;
  if (ptxasPath != "none") {
    llvm::Expected<std::string> found =
        fa::findPtxas(ptxasPath, options->toolkit);
    if (found) {
      ptxas = *found;
    } else if (!ptxasPath.empty()) {
      reportError() << llvm::toString(found.takeError()) << "\n";
      return 1;
    } else {
      reportWarning() << llvm::toString(found.takeError())
                   << "; writing no cubin (--ptxas=none skips ptxas)\n";
    }
  }
  llvm::StringMap<fa::KernelResources> resources;
  if (!ptxas.empty()) {
    std::string cubinFile = outputPrefix + ".cubin";
    std::string logFile = outputPrefix + ".ptxas.log";
    FailureOr<std::string> log =
        runPtxas(ptxas, binary->chip, ptxFile, cubinFile, logFile);
    if (failed(log))
      return 1;
    resources = fa::parsePtxasLog(*log);
    files["cubin"] = (base + ".cubin").str();
  }

  FailureOr<llvm::json::Object> manifest =
      fa::buildKernelManifest(*module, functionName, files, resources);
  if (failed(manifest))
    return 1;

  // A launch that asks for more shared memory than the target gives a block
  // fails at cuFuncSetAttribute; say so here, where it can be fixed.
  if (fa::TargetAttr target = fa::lookupTarget(*module)) {
    int64_t budget = target.getSramPerBlock();
    bool over = false;
    for (const llvm::json::Value &k : *manifest->getArray("kernels")) {
      const llvm::json::Object &kernel = *k.getAsObject();
      int64_t bytes = kernel.getInteger("shared_bytes").value_or(0);
      if (const llvm::json::Object *r = kernel.getObject("resources"))
        bytes += r->getInteger("static_shared_bytes").value_or(0);
      if (bytes <= budget)
        continue;
      (allowOverBudget ? reportWarning() : reportError()) << "kernel '"
                   << kernel.getString("name").value_or("?") << "' needs "
                   << bytes << " bytes of shared memory; the target ("
                   << target.getArch() << ") allows " << budget
                   << " per block\n";
      over = true;
    }
    if (over && !allowOverBudget)
      return 1;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(*manifest)))
     << "\n";
  if (failed(writeFile(outputPrefix + ".json", text)))
    return 1;
  return 0;
}
