//===- Pipelines.h - Registered end-to-end pipelines ------------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// `fa-to-ptx-pipeline`: from fa.attention (or IR already on the gpu dialect)
// to a gpu.binary holding PTX or a cubin for the target's architecture.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_PIPELINES_PIPELINES_H
#define FLASHATTN_PIPELINES_PIPELINES_H

#include "FlashAttn/Analysis/ScheduleOptions.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <utility>

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace fa {

/// What gpu-module-to-binary makes of the kernels (the pipeline's `format`).
enum class BinaryFormat { Isa, Bin, Fatbin };

/// gpu-module-to-binary's spelling of `format`.
llvm::StringRef stringifyBinaryFormat(BinaryFormat format);

/// Where `fa-to-ptx-pipeline` stops (its stop-after option), so that the IR
/// between its steps can be shown without a copy of its pass list.
enum class PipelineStage {
  /// After fa-set-target.
  Target,
  /// After fa-select-tiling: fa.attention carries its #fa.tiling and
  /// #fa.schedule (the naive front end selects nothing: as Target).
  Selected,
  /// After fa-tile-attention (naive: as Target).
  Tiled,
  /// After one-shot bufferization (naive: of the decomposed attention).
  Bufferized,
  /// After the conversions to the gpu dialect: the kernels are built.
  GPU,
  /// The whole pipeline: the gpu.binary.
  Binary,
};

/// Options of `fa-to-ptx-pipeline`. The target fields are forwarded to
/// `fa-set-target`; the rest choose the front end and the binary format.
struct FAToPTXPipelineOptions
    : public PassPipelineOptions<FAToPTXPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Known target name or SM architecture (h100, a100, "
                     "sm_80, ...). Default: the module's #fa.target; a "
                     "module without one needs this option"),
      llvm::cl::init("")};
  Option<std::string> arch{
      *this, "arch", llvm::cl::desc("Override the SM architecture (sm_90a)"),
      llvm::cl::init("")};
  Option<int64_t> sramPerBlock{
      *this, "sram-per-block",
      llvm::cl::desc("Override the shared memory per thread block, bytes"),
      llvm::cl::init(0)};
  Option<int64_t> sramPerSM{
      *this, "sram-per-sm",
      llvm::cl::desc("Override the shared memory per SM, bytes"),
      llvm::cl::init(0)};
  Option<int64_t> regsPerSM{
      *this, "regs-per-sm",
      llvm::cl::desc("Override the 32-bit registers per SM"),
      llvm::cl::init(0)};
  Option<int64_t> maxRegsPerThread{
      *this, "max-regs-per-thread",
      llvm::cl::desc("Override the registers one thread may use"),
      llvm::cl::init(0)};
  Option<int64_t> smCount{*this, "sm-count",
                          llvm::cl::desc("Override the number of SMs"),
                          llvm::cl::init(0)};
  Option<int64_t> hbmGBps{
      *this, "hbm-gbps",
      llvm::cl::desc("Override the HBM bandwidth, GB/s"), llvm::cl::init(0)};
  Option<int64_t> tensorTFlops{
      *this, "tensor-tflops",
      llvm::cl::desc("Override the dense f16/bf16 tensor-core peak, TFLOP/s"),
      llvm::cl::init(0)};
  Option<BinaryFormat> format{
      *this, "format", llvm::cl::desc("What gpu-module-to-binary produces"),
      llvm::cl::init(BinaryFormat::Isa),
      llvm::cl::values(
          clEnumValN(BinaryFormat::Isa, "isa", "PTX text"),
          clEnumValN(BinaryFormat::Bin, "bin", "a cubin (runs ptxas)"),
          clEnumValN(BinaryFormat::Fatbin, "fatbin", "a fat binary"))};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (default: the lowest PTX ISA version that "
                     "supports the arch, e.g. +ptx80 for sm_90a)"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimization level of the NVPTX back end"),
      llvm::cl::init(3)};
  Option<bool> llvmSLP{
      *this, "llvm-slp",
      llvm::cl::desc("Run LLVM's SLP vectorizer in gpu-module-to-binary's "
                     "O1-O3 pipeline. Off by default: the kernels' PTX is "
                     "the same without it, at a fraction of the compile "
                     "time (docs/decisions.md, D23). Sets LLVM's "
                     "process-wide -vectorize-slp when "
                     "the pipeline is built, unless the command line gave "
                     "it"),
      llvm::cl::init(false)};
  Option<bool> externDynamicSmem{
      *this, "extern-dynamic-smem",
      llvm::cl::desc("Declare the kernels' dynamic shared memory `.extern` "
                     "(CUDA's extern __shared__), so that it starts after "
                     "the static mbarriers instead of at the static "
                     "segment, where the wgmma kernels' tiles alias them "
                     "(docs/decisions.md, D91 and D93). On by default; "
                     "off gives upstream's declaration, a static one-byte "
                     "variable at the start of the static segment"),
      llvm::cl::init(true)};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit path for libdevice and ptxas (default: "
                     "$CUDA_ROOT, $CUDA_HOME, $CUDA_PATH, /usr/local/cuda)"),
      llvm::cl::init("")};
  Option<bool> naive{
      *this, "naive",
      llvm::cl::desc("Correctness baseline: lower through the reference "
                     "decomposition (fa-decompose-attention) and upstream "
                     "parallel-loop mapping. Materializes the N x N score "
                     "matrix in HBM; never the product"),
      llvm::cl::init(false)};
  Option<bool> explain{
      *this, "explain",
      llvm::cl::desc("Remarks from fa-select-tiling: why this tiling and this "
                     "schedule (its explain option)"),
      llvm::cl::init(false)};
  Option<PipelineStage> stopAfter{
      *this, "stop-after",
      llvm::cl::desc("Stop after a stage, to see the IR between the "
                     "pipeline's steps"),
      llvm::cl::init(PipelineStage::Binary),
      llvm::cl::values(
          clEnumValN(PipelineStage::Target, "target", "after fa-set-target"),
          clEnumValN(PipelineStage::Selected, "selected",
                     "after fa-select-tiling: the op's tiling and schedule"),
          clEnumValN(PipelineStage::Tiled, "tiled",
                     "after fa-tile-attention"),
          clEnumValN(PipelineStage::Bufferized, "bufferized",
                     "after one-shot bufferization"),
          clEnumValN(PipelineStage::GPU, "gpu",
                     "after the conversions to the gpu dialect"),
          clEnumValN(PipelineStage::Binary, "binary",
                     "the whole pipeline: the gpu.binary"))};
  // The kernel and the schedule fields fa-select-tiling decides (its
  // options of the same names; `auto` lets the cost model decide).
  Option<KernelKind> kernel{
      *this, "kernel",
      llvm::cl::desc("The FlashAttention kernel (fa-select-tiling's kernel)"),
      llvm::cl::init(KernelKind::Auto),
      generatedKernelValues()};
  Option<LoadMechanism> wgmmaLoads{
      *this, "wgmma-loads",
      llvm::cl::desc("How the wgmma kernel loads its tiles"),
      llvm::cl::init(LoadMechanism::Tma),
      loadMechanismValues()};
  Option<SlotRelease> wgmmaRelease{
      *this, "wgmma-release",
      llvm::cl::desc("How the TMA wgmma kernel frees a slot for its refill"),
      llvm::cl::init(SlotRelease::Auto),
      slotReleaseValues()};
  Option<StepOrder> wgmmaSchedule{
      *this, "wgmma-schedule",
      llvm::cl::desc("The order of a TMA wgmma kernel step"),
      llvm::cl::init(StepOrder::Auto),
      stepOrderValues()};
  Option<Toggle> wgmmaPingpong{
      *this, "wgmma-pingpong",
      llvm::cl::desc("Whether the producer kernel's consumer warpgroups take "
                     "turns at the tensor cores (FlashAttention-3's "
                     "ping-pong)"),
      llvm::cl::init(Toggle::Auto),
      toggleValues()};
  Option<MaskedSteps> mmaMaskedSteps{
      *this, "mma-masked-steps",
      llvm::cl::desc("How the mma-sync kernel runs its masked kv-blocks next "
                     "to unmasked ones"),
      llvm::cl::init(MaskedSteps::Auto),
      maskedStepsValues()};
  Option<BlockMaskWalk> blockMaskWalk{
      *this, "block-mask-walk",
      llvm::cl::desc("How the tensor-core kernels walk a runtime block mask "
                     "(fa-select-tiling's block-mask-walk)"),
      llvm::cl::init(BlockMaskWalk::Auto),
      blockMaskWalkValues()};
  Option<BackwardEpilogue> backwardEpilogue{
      *this, "backward-epilogue",
      llvm::cl::desc("How the wgmma backward stores dK and dV "
                     "(fa-select-tiling's backward-epilogue)"),
      llvm::cl::init(BackwardEpilogue::Auto), backwardEpilogueValues()};
  Option<DqTurnPass> dqPass{
      *this, "dq-pass",
      llvm::cl::desc("Where the wgmma ring's ordered dQ passes a step's "
                     "turn (fa-select-tiling's dq-pass)"),
      llvm::cl::init(DqTurnPass::Auto), dqTurnPassValues()};
  Option<BackwardPersistence> backwardPersistent{
      *this, "backward-persistent",
      llvm::cl::desc("Whether the wgmma backward's main kernel is persistent "
                     "(fa-select-tiling's backward-persistent)"),
      llvm::cl::init(BackwardPersistence::Auto), backwardPersistenceValues()};
  Option<BackwardGqa> backwardGqa{
      *this, "backward-gqa",
      llvm::cl::desc("How the wgmma backward covers a GQA group's query "
                     "heads (fa-select-tiling's backward-gqa)"),
      llvm::cl::init(BackwardGqa::Auto), backwardGqaValues()};
  Option<DqConvert> backwardDqConvert{
      *this, "backward-dq-convert",
      llvm::cl::desc("Where the wgmma backward converts the f32 dQ "
                     "accumulator (fa-select-tiling's backward-dq-convert)"),
      llvm::cl::init(DqConvert::Auto), dqConvertValues()};
  Option<DqReduce> backwardDqReduce{
      *this, "backward-dq-reduce",
      llvm::cl::desc("How the wgmma backward's ring issues dQ's tensor "
                     "reductions (fa-select-tiling's backward-dq-reduce)"),
      llvm::cl::init(DqReduce::Auto), dqReduceValues()};
  Option<int64_t> backwardLaunchChunk{
      *this, "backward-launch-chunk",
      llvm::cl::desc("The (batch, head) pairs the wgmma backward's grid "
                     "launches longest first together (fa-select-tiling's "
                     "backward-launch-chunk; 0: auto)"),
      llvm::cl::init(0)};
  Option<bool> callerStrides{
      *this, "caller-strides",
      llvm::cl::desc("Kernels that read and write Q, K, V, O (and dO, dQ, "
                     "dK, dV) with the strides the launch gives, e.g. "
                     "[B, N, H, D] seen as [B, H, N, D], instead of dense "
                     "ones (convert-fa-to-nvgpu's caller-strides; the SIMT "
                     "kernel and the naive front end refuse it)"),
      llvm::cl::init(false)};
};

/// One option of a registered pipeline as its parser sees it, for embedders
/// that check option values before they run the pipeline (the C API,
/// Python).
struct PipelineOptionInfo {
  /// As written in the pipeline, e.g. `wgmma-release`.
  std::string name;
  std::string description;
  /// `string`, `int`, `uint`, `bool` or `enum`.
  std::string type;
  /// The default value, spelled as the parser reads it.
  std::string defaultValue;
  /// An enum's allowed values and their descriptions, in declaration order.
  llvm::SmallVector<std::pair<std::string, std::string>> values;
};

/// Every option of the pipeline registered as `pipeline`, in declaration
/// order, or failure for a pipeline that does not describe its options (only
/// `fa-to-ptx-pipeline` does: MLIR's registry does not expose a pipeline's
/// options).
FailureOr<llvm::SmallVector<PipelineOptionInfo>>
describePipelineOptions(llvm::StringRef pipeline);

/// FlashAttention front end: fa-select-tiling (IO cost model) ->
/// fa-tile-attention (tiled form, tiles in the default memory space) ->
/// one-shot bufferization -> convert-fa-to-gpu (one gpu.launch per
/// fa.attention, tiles in dynamic shared memory).
void buildFAFlashToGPUPipeline(OpPassManager &pm,
                               const FAToPTXPipelineOptions &options);

/// Front end of the naive baseline: fa.attention -> fa-decompose-attention ->
/// one-shot bufferization (identity layouts at function boundaries) ->
/// scf.parallel -> gpu.launch, one launch per linalg op.
void buildFANaiveToGPUPipeline(OpPassManager &pm,
                               const FAToPTXPipelineOptions &options);

/// GPU tail: IR holding gpu.launch and/or gpu.module ops -> outlined kernels
/// in a single gpu.module -> NVVM -> gpu.binary for the target of the
/// module's #fa.target. Host code is left as it is (func, memref.alloc,
/// gpu.launch_func), which is what the kernel manifest is read from.
void buildFAGPUToPTXPipeline(OpPassManager &pm,
                             const FAToPTXPipelineOptions &options);

/// The whole pipeline: fa-set-target, the front end (FlashAttention, or the
/// naive baseline with `naive`), the GPU tail.
void buildFAToPTXPipeline(OpPassManager &pm,
                          const FAToPTXPipelineOptions &options);

/// Registers `fa-to-ptx-pipeline`.
void registerFAPipelines();

/// Registers the upstream passes of the GPU tail so that they can also be
/// run one by one (gpu-kernel-outlining, nvvm-attach-target,
/// convert-gpu-to-nvvm, gpu-module-to-binary, ...).
void registerFAGPUPasses();

/// Registers what the pipeline needs besides the dialects: the
/// bufferization models of arith, func, linalg, scf and tensor, the
/// ConvertToLLVM interfaces that convert-gpu-to-nvvm collects its patterns
/// from, the LLVM IR translations of the builtin, LLVM, NVVM and GPU
/// dialects, and the #nvvm.target serialization model. Without them
/// gpu-module-to-binary fails.
void registerFAGPUDialectExtensions(DialectRegistry &registry);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_PIPELINES_PIPELINES_H
