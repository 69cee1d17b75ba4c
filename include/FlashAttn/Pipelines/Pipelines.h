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

#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace fa {

/// What gpu-module-to-binary makes of the kernels (the pipeline's `format`).
enum class BinaryFormat { Isa, Bin, Fatbin };

/// gpu-module-to-binary's spelling of `format`.
llvm::StringRef stringifyBinaryFormat(BinaryFormat format);

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
                     "the same without it, and it was 5-23% of the compile "
                     "time. Sets LLVM's process-wide -vectorize-slp when "
                     "the pipeline is built, unless the command line gave "
                     "it"),
      llvm::cl::init(false)};
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
};

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
