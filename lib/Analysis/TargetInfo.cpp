//===- TargetInfo.cpp - Known GPU targets ---------------------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/TargetInfo.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>

using namespace mlir;
using namespace mlir::fa;

// Shared memory, registers and SM counts: CUDA C++ Programming Guide,
// "Technical Specifications per Compute Capability" (the opt-in maximum of
// shared memory per block is the sramPerBlock column). Bandwidth and tensor
// peaks: each product's datasheet, dense (no sparsity), f16/bf16 inputs with
// f32 accumulation. docs/Targets.md lists the sources.
static const TargetInfo kKnownTargets[] = {
    // name      arch       smem/blk     smem/SM      regs   r/t SMs  GB/s  TF
    {"t4", "sm_75", 64 * 1024, 64 * 1024, 65536, 255, 40, 320, 65},
    {"a100", "sm_80", 163 * 1024, 164 * 1024, 65536, 255, 108, 2039, 312},
    {"a10", "sm_86", 99 * 1024, 100 * 1024, 65536, 255, 72, 600, 125},
    {"rtx3090", "sm_86", 99 * 1024, 100 * 1024, 65536, 255, 82, 936, 71},
    {"l4", "sm_89", 99 * 1024, 100 * 1024, 65536, 255, 58, 300, 121},
    {"rtx4090", "sm_89", 99 * 1024, 100 * 1024, 65536, 255, 128, 1008, 165},
    {"h100", "sm_90a", 227 * 1024, 228 * 1024, 65536, 255, 132, 3350, 989},
    {"h200", "sm_90a", 227 * 1024, 228 * 1024, 65536, 255, 132, 4800, 989},
    {"b200", "sm_100a", 227 * 1024, 228 * 1024, 65536, 255, 148, 8000, 2250},
    {"rtx5090", "sm_120", 99 * 1024, 100 * 1024, 65536, 255, 170, 1792, 209},
};

int64_t TargetInfo::getComputeCapability() const {
  llvm::StringRef ref(arch);
  if (!ref.consume_front("sm_"))
    return 0;
  ref = ref.take_while([](char c) { return c >= '0' && c <= '9'; });
  int64_t cc = 0;
  if (ref.getAsInteger(10, cc))
    return 0;
  return cc;
}

/// The NVPTX back end's subtarget table, which lists every processor
/// (`sm_90a`, ...) it can generate code for. An arch it does not list
/// reaches instruction selection without the features of any SM and aborts
/// there (`LLVM ERROR: Cannot select`), or is written into the PTX as is.
static const llvm::MCSubtargetInfo &getNVPTXSubtargetInfo() {
  static const std::unique_ptr<llvm::MCSubtargetInfo> info = [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTargetMC();
    llvm::Triple triple("nvptx64-nvidia-cuda");
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (!target)
      llvm::report_fatal_error(llvm::Twine("NVPTX back end: ") + error);
    return std::unique_ptr<llvm::MCSubtargetInfo>(
        target->createMCSubtargetInfo(triple, "sm_70", ""));
  }();
  return *info;
}

std::optional<std::string> mlir::fa::nvptxArchProblem(llvm::StringRef arch) {
  TargetInfo info;
  info.arch = arch.str();
  if (info.getComputeCapability() >= 70 &&
      getNVPTXSubtargetInfo().isCPUStringValid(arch))
    return std::nullopt;
  // In compute-capability order (the table is sorted by name).
  llvm::SmallVector<std::pair<int64_t, llvm::StringRef>> known;
  for (const llvm::SubtargetSubTypeKV &cpu :
       getNVPTXSubtargetInfo().getAllProcessorDescriptions()) {
    TargetInfo candidate;
    candidate.arch = cpu.Key;
    if (candidate.getComputeCapability() >= 70)
      known.push_back({candidate.getComputeCapability(), cpu.Key});
  }
  llvm::sort(known);
  return "arch '" + arch.str() +
         "' is not an NVIDIA SM architecture of sm_70 or later that the "
         "NVPTX back end knows (" +
         llvm::join(llvm::make_second_range(known), ", ") + ")";
}

std::optional<std::string>
mlir::fa::nvptxFeaturesProblem(llvm::StringRef features) {
  llvm::SmallVector<llvm::StringRef> parts;
  features.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  llvm::ArrayRef<llvm::SubtargetFeatureKV> known =
      getNVPTXSubtargetInfo().getAllProcessorFeatures();
  for (llvm::StringRef part : parts) {
    llvm::StringRef entry = part.trim();
    if (entry.size() < 2 || !llvm::StringRef("+-").contains(entry.front()))
      return "'" + entry.str() + "' is not '+' or '-' and a feature name";
    llvm::StringRef name = entry.drop_front();
    if (llvm::any_of(known, [&](const llvm::SubtargetFeatureKV &feature) {
          return name == feature.Key;
        }))
      continue;
    // The PTX ISAs, in version order (the table is sorted by name).
    llvm::SmallVector<std::pair<int, llvm::StringRef>> isas;
    for (const llvm::SubtargetFeatureKV &feature : known) {
      llvm::StringRef key = feature.Key;
      int version = 0;
      if (key.consume_front("ptx") && !key.getAsInteger(10, version))
        isas.push_back({version, feature.Key});
    }
    llvm::sort(isas);
    std::string range =
        isas.empty() ? std::string("none")
                     : "+" + isas.front().second.str() + " to +" +
                           isas.back().second.str();
    return "'" + entry.str() +
           "' is not a feature the NVPTX back end knows (PTX ISAs " + range +
           "; it would ignore it and compile for the chip's lowest PTX ISA)";
  }
  return std::nullopt;
}

std::optional<std::string> TargetInfo::validate() const {
  if (std::optional<std::string> why = nvptxArchProblem(arch))
    return why;
  auto positive = [](int64_t v) { return v > 0; };
  if (!positive(sramPerBlock))
    return std::string("sram_per_block must be positive");
  if (!positive(sramPerSM) || sramPerSM < sramPerBlock)
    return std::string("sram_per_sm must be at least sram_per_block");
  if (!positive(regsPerSM))
    return std::string("regs_per_sm must be positive");
  if (!positive(maxRegsPerThread) || maxRegsPerThread > 255)
    return std::string("max_regs_per_thread must be in [1, 255]");
  if (!positive(smCount))
    return std::string("sm_count must be positive");
  // The cost model multiplies it by blocks per SM in int64.
  if (smCount > 65536)
    return std::string("sm_count must be at most 65536");
  if (!positive(hbmGBps))
    return std::string("hbm_gbps must be positive");
  if (!positive(tensorTFlops))
    return std::string("tensor_tflops must be positive");
  return std::nullopt;
}

llvm::ArrayRef<TargetInfo> mlir::fa::getKnownTargets() {
  return kKnownTargets;
}

std::optional<TargetInfo> mlir::fa::lookupKnownTarget(llvm::StringRef key) {
  for (const TargetInfo &t : kKnownTargets)
    if (t.name == key)
      return t;
  // By architecture: "sm_90" finds the first sm_90 or sm_90a entry.
  for (const TargetInfo &t : kKnownTargets) {
    llvm::StringRef arch(t.arch);
    if (arch == key || (arch.ends_with("a") && arch.drop_back() == key))
      return t;
  }
  return std::nullopt;
}
