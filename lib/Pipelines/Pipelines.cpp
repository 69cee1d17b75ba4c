//===- Pipelines.cpp - Registered end-to-end pipelines --------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Pipelines/Pipelines.h"

#include "FlashAttn/Conversion/Passes.h"
#include "FlashAttn/Dialect/FA/Transforms/Passes.h"
#include "FlashAttn/Target/CUDAToolkit.h"
#include "FlashAttn/Transforms/Passes.h"
#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"

#include <string>
#include <type_traits>

using namespace mlir;
using namespace mlir::fa;

/// Whether `options` end the pipeline before the passes of `stage`.
static bool stopsBefore(const FAToPTXPipelineOptions &options,
                        PipelineStage stage) {
  return static_cast<int>(options.stopAfter.getValue()) <
         static_cast<int>(stage);
}

/// One-shot bufferization with function boundaries and identity layouts:
/// the kernels index plain row-major buffers, and fa-compile's manifest
/// describes the function arguments as such.
static void addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

StringRef mlir::fa::stringifyBinaryFormat(BinaryFormat format) {
  switch (format) {
  case BinaryFormat::Isa:
    return "isa";
  case BinaryFormat::Bin:
    return "bin";
  case BinaryFormat::Fatbin:
    return "fatbin";
  }
  llvm_unreachable("unknown binary format");
}

void mlir::fa::buildFAFlashToGPUPipeline(
    OpPassManager &pm, const FAToPTXPipelineOptions &options) {
  // Every decision of the kernel, made once: its tiling and its schedule.
  FASelectTilingPassOptions select;
  select.kernel = options.kernel;
  select.wgmmaLoads = options.wgmmaLoads;
  select.wgmmaRelease = options.wgmmaRelease;
  select.wgmmaSchedule = options.wgmmaSchedule;
  select.wgmmaPingpong = options.wgmmaPingpong;
  select.mmaMaskedSteps = options.mmaMaskedSteps;
  select.blockMaskWalk = options.blockMaskWalk;
  select.backwardEpilogue = options.backwardEpilogue;
  select.dqPass = options.dqPass;
  select.backwardPersistent = options.backwardPersistent;
  select.backwardGqa = options.backwardGqa;
  select.backwardDqConvert = options.backwardDqConvert;
  select.backwardDqReduce = options.backwardDqReduce;
  select.backwardLaunchChunk = options.backwardLaunchChunk;
  select.explain = options.explain;
  pm.addPass(createFASelectTilingPass(select));
  if (stopsBefore(options, PipelineStage::Tiled))
    return;
  FATileAttentionPassOptions tile;
  // convert-fa-to-gpu places every buffer of the thread-block loop in shared
  // memory itself; default-space tiles let it treat them all alike.
  tile.tileMemorySpace = 0;
  tile.requireTiling = true;
  // Ops of the mma-sync and wgmma kernels are left to convert-fa-to-nvgpu.
  pm.addPass(createFATileAttentionPass(tile));
  if (stopsBefore(options, PipelineStage::Bufferized))
    return;
  addBufferization(pm);
  pm.addPass(createCanonicalizerPass());
  if (stopsBefore(options, PipelineStage::GPU))
    return;
  ConvertFAToGPUPassOptions toGPU;
  toGPU.callerStrides = options.callerStrides;
  pm.addPass(createConvertFAToGPUPass(toGPU));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Last, and not canonicalized at this level: its kernel is folded where it
  // is built, and canonicalizing its thousands of ops took half the compile
  // time (gpu-module-to-binary's LLVM pipeline folds what is left).
  ConvertFAToNVGPUPassOptions toNVGPU;
  toNVGPU.callerStrides = options.callerStrides;
  pm.addPass(createConvertFAToNVGPUPass(toNVGPU));
}

void mlir::fa::buildFANaiveToGPUPipeline(
    OpPassManager &pm, const FAToPTXPipelineOptions &options) {
  // Nothing is selected or tiled.
  if (stopsBefore(options, PipelineStage::Bufferized))
    return;
  pm.addPass(createFADecomposeAttentionPass());
  addBufferization(pm);
  pm.addPass(createCanonicalizerPass());
  if (stopsBefore(options, PipelineStage::GPU))
    return;
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Folds the launch sizes to constants, which the manifest records.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// gpu-module-to-binary runs LLVM's default O<n> pipeline, which MLIR builds
/// with the SLP vectorizer on and no option to leave it out; the vectorizer
/// reads LLVM's process-wide `-vectorize-slp` when it runs. That flag is set
/// here, as the pipeline is built, unless the command line gave it
/// (`fa-compile --vectorize-slp=true`).
static void setLLVMSLPVectorizer(bool enable) {
  auto &registered = llvm::cl::getRegisteredOptions();
  auto it = registered.find("vectorize-slp");
  if (it == registered.end() || it->second->getNumOccurrences() > 0)
    return;
  static_cast<llvm::cl::opt<bool> *>(it->second)->setValue(enable);
}

void mlir::fa::buildFAGPUToPTXPipeline(OpPassManager &pm,
                                       const FAToPTXPipelineOptions &options) {
  // Either front end's launches, before anything is compiled for them.
  pm.addNestedPass<func::FuncOp>(createFACheckLaunchLimitsPass());
  // Constants the canonicalizer hoisted out of the launches go back in
  // (the mma-sync kernel's vector constants cannot be kernel arguments).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createFAMergeGPUModulesPass());
  FAAttachNVVMTargetPassOptions attach;
  attach.features = options.features;
  attach.optLevel = options.optLevel;
  pm.addPass(createFAAttachNVVMTargetPass(attach));

  // Device code only: the host stays on func/memref/gpu.launch_func.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createStripDebugInfoPass());
  // expand-strided-metadata emits affine.apply: lower affine after it.
  // These three run before convert-nvgpu-to-nvvm, on a quarter of the ops
  // (the mma fragments are not unpacked yet): the same PTX in less compile
  // time (docs/decisions.md, D40 and D43).
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createSCFToControlFlowPass());
  device.addPass(createConvertNVGPUToNVVMPass());
  device.addPass(createFALowerTensorMapArgsPass());
  device.addPass(createFASetKernelMaxRegistersPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.indexBitwidth = 64;
  toNVVM.useBarePtrCallConv = false;
  device.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  device.addPass(createConvertNVVMToLLVMPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  if (options.externDynamicSmem)
    device.addPass(createFAExternDynamicSharedMemoryPass());
  // No canonicalize/CSE here: gpu-module-to-binary's LLVM pipeline does the
  // same folding, and the PTX is byte-identical without them (the PTX
  // identity check; docs/decisions.md, D40).

  setLLVMSLPVectorizer(options.llvmSLP);
  GpuModuleToBinaryPassOptions toBinary;
  toBinary.compilationTarget = stringifyBinaryFormat(options.format).str();
  // Without a toolkit, math calls such as __nv_expf stay unresolved in the
  // PTX (libdevice is not linked).
  toBinary.toolkitPath = findCUDAToolkit(options.toolkit).path;
  pm.addPass(createGpuModuleToBinaryPass(toBinary));
}

/// The stages of fa-to-ptx-pipeline up to `options.stopAfter`.
static void addFAToPTXStages(OpPassManager &pm,
                             const FAToPTXPipelineOptions &options) {
  FASetTargetPassOptions target;
  target.target = options.target;
  target.arch = options.arch;
  target.sramPerBlock = options.sramPerBlock;
  target.sramPerSM = options.sramPerSM;
  target.regsPerSM = options.regsPerSM;
  target.maxRegsPerThread = options.maxRegsPerThread;
  target.smCount = options.smCount;
  target.hbmGBps = options.hbmGBps;
  target.tensorTFlops = options.tensorTFlops;
  pm.addPass(createFASetTargetPass(target));
  if (stopsBefore(options, PipelineStage::Selected))
    return;
  if (options.naive)
    buildFANaiveToGPUPipeline(pm, options);
  else
    buildFAFlashToGPUPipeline(pm, options);
  if (stopsBefore(options, PipelineStage::Binary))
    return;
  buildFAGPUToPTXPipeline(pm, options);
}

void mlir::fa::buildFAToPTXPipeline(OpPassManager &pm,
                                    const FAToPTXPipelineOptions &options) {
  // Only fa ops and GPU IR become kernels: a module without them would end
  // with none, an error rather than an empty success (usually an attention
  // that fa-raise-attention did not raise).
  pm.addPass(createFARequireKernelPass());
  addFAToPTXStages(pm, options);
}

/// The name fa-to-ptx-pipeline is registered under.
static constexpr llvm::StringLiteral kFAToPTXPipeline = "fa-to-ptx-pipeline";

/// Describes `option` of a default-constructed options struct (its value is
/// the default) from its cl::opt: name, help, type and an enum's values.
template <typename OptionT>
static PipelineOptionInfo describeOption(OptionT &option) {
  using ValueT = std::decay_t<decltype(option.getValue())>;
  PipelineOptionInfo info;
  info.name = option.ArgStr.str();
  info.description = option.HelpStr.str();
  const ValueT &value = option.getValue();
  if constexpr (std::is_enum_v<ValueT>) {
    auto &parser = option.getParser();
    info.type = "enum";
    info.defaultValue =
        parser.findArgStrForValue(value).value_or(StringRef()).str();
    for (unsigned i = 0, e = parser.getNumOptions(); i < e; ++i)
      info.values.push_back(
          {parser.getOption(i).str(), parser.getDescription(i).str()});
  } else if constexpr (std::is_same_v<ValueT, bool>) {
    info.type = "bool";
    info.defaultValue = value ? "true" : "false";
  } else if constexpr (std::is_same_v<ValueT, std::string>) {
    info.type = "string";
    info.defaultValue = value;
  } else {
    static_assert(std::is_integral_v<ValueT>, "an option of another type");
    info.type = std::is_unsigned_v<ValueT> ? "uint" : "int";
    info.defaultValue = std::to_string(value);
  }
  return info;
}

FailureOr<SmallVector<PipelineOptionInfo>>
mlir::fa::describePipelineOptions(StringRef pipeline) {
  if (pipeline != kFAToPTXPipeline)
    return failure();
  // Every member of FAToPTXPipelineOptions, in declaration order
  // (unittests/PipelineOptionsTest.cpp checks them against its --help).
  FAToPTXPipelineOptions o;
  return SmallVector<PipelineOptionInfo>{
      describeOption(o.target),        describeOption(o.arch),
      describeOption(o.sramPerBlock),  describeOption(o.sramPerSM),
      describeOption(o.regsPerSM),     describeOption(o.maxRegsPerThread),
      describeOption(o.smCount),       describeOption(o.hbmGBps),
      describeOption(o.tensorTFlops),  describeOption(o.format),
      describeOption(o.features),      describeOption(o.optLevel),
      describeOption(o.llvmSLP),       describeOption(o.externDynamicSmem),
      describeOption(o.toolkit),       describeOption(o.naive),
      describeOption(o.explain),       describeOption(o.stopAfter),
      describeOption(o.kernel),        describeOption(o.wgmmaLoads),
      describeOption(o.wgmmaRelease),  describeOption(o.wgmmaSchedule),
      describeOption(o.wgmmaPingpong), describeOption(o.mmaMaskedSteps),
      describeOption(o.blockMaskWalk), describeOption(o.backwardEpilogue),
      describeOption(o.dqPass),
      describeOption(o.backwardPersistent),
      describeOption(o.backwardGqa), describeOption(o.backwardDqConvert),
      describeOption(o.backwardDqReduce),
      describeOption(o.backwardLaunchChunk), describeOption(o.callerStrides)};
}

void mlir::fa::registerFAPipelines() {
  PassPipelineRegistration<FAToPTXPipelineOptions>(
      kFAToPTXPipeline,
      "Lower fa.attention (or gpu.launch / gpu.module IR) to a gpu.binary "
      "holding PTX or a cubin for the target",
      buildFAToPTXPipeline);
}

void mlir::fa::registerFAGPUPasses() {
  registerConvertGpuOpsToNVVMOps();
  registerConvertNVGPUToNVVMPass();
  registerConvertNVVMToLLVMPass();
  registerConvertParallelLoopToGpuPass();
  registerGpuKernelOutliningPass();
  registerGpuMapParallelLoopsPass();
  registerGpuModuleToBinaryPass();
  registerGpuNVVMAttachTarget();
  registerLowerAffinePass();
  registerReconcileUnrealizedCastsPass();
  registerSCFToControlFlowPass();
  memref::registerExpandStridedMetadataPass();
}

void mlir::fa::registerFAGPUDialectExtensions(DialectRegistry &registry) {
  // One-shot bufferization of the naive front end.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);

  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);

  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}
