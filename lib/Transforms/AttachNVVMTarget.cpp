//===- AttachNVVMTarget.cpp - #nvvm.target from #fa.target ----------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Transforms/Passes.h"

#include "FlashAttn/Analysis/TargetInfo.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_FAATTACHNVVMTARGETPASS
#include "FlashAttn/Transforms/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

std::optional<int> mlir::fa::getMinimumPTXVersion(StringRef arch) {
  // The lowest PTX ISA version LLVM's NVPTX back end accepts for each
  // architecture of sm_70 or later (NVPTXSubtarget.cpp's
  // getMinPTXVersionForSM, which follows the PTX ISA manual's "PTX Release
  // History"); a lower +ptx feature is a fatal error there.
  return llvm::StringSwitch<std::optional<int>>(arch)
      .Case("sm_70", 60)
      .Case("sm_72", 61)
      .Case("sm_75", 63)
      .Case("sm_80", 70)
      .Case("sm_86", 71)
      .Case("sm_87", 74)
      .Cases({"sm_89", "sm_90"}, 78)
      .Case("sm_90a", 80)
      .Cases({"sm_100", "sm_100a", "sm_101", "sm_101a"}, 86)
      .Cases({"sm_120", "sm_120a"}, 87)
      .Cases({"sm_100f", "sm_101f", "sm_103", "sm_103a", "sm_103f", "sm_120f",
              "sm_121", "sm_121a", "sm_121f"},
             88)
      .Cases({"sm_88", "sm_110", "sm_110a", "sm_110f"}, 90)
      .Default(std::nullopt);
}

std::string mlir::fa::getDefaultPTXFeatures(StringRef arch) {
  std::optional<int> ptx = getMinimumPTXVersion(arch);
  return ptx ? "+ptx" + std::to_string(*ptx) : "";
}

/// Why `features` cannot be given to the NVPTX back end for `arch` (a
/// feature it does not know, nvptxFeaturesProblem; a PTX ISA version below
/// the architecture's minimum), or nullopt.
static std::optional<std::string> ptxFeaturesProblem(StringRef arch,
                                                     StringRef features) {
  if (std::optional<std::string> why = nvptxFeaturesProblem(features))
    return why;
  std::optional<int> minimum = getMinimumPTXVersion(arch);
  if (!minimum)
    return std::nullopt;
  SmallVector<StringRef> parts;
  features.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    StringRef digits = part.trim();
    int version = 0;
    if (!digits.consume_front("+ptx") || digits.getAsInteger(10, version) ||
        version >= *minimum)
      continue;
    return llvm::formatv("PTX ISA {0}.{1} ('{2}') does not support {3}; it "
                         "needs +ptx{4} or later",
                         version / 10, version % 10, part.trim(), arch,
                         *minimum)
        .str();
  }
  return std::nullopt;
}

namespace {
/// An NVVM op, or an op that lowers to one, (with `attribute`, when not
/// empty; an inline PTX statement `llvm.inline_asm` whose text starts with
/// `asmPrefix`, when not empty) that the NVPTX back end (or ptxas, for
/// inline PTX) accepts only from `minSM` on (only for the `a` and `f`
/// archs when `archSpecific`) and PTX ISA `minPTX`, where upstream's
/// NVVMRequiresSM traits, which the gpu.module's verifier checks, do not
/// say so: on another target gpu-module-to-binary aborts ("Cannot
/// select"), or ptxas refuses the PTX.
struct ArchRequirement {
  llvm::StringLiteral op;
  llvm::StringLiteral attribute;
  llvm::StringLiteral asmPrefix;
  llvm::StringLiteral instruction;
  int minSM;
  bool archSpecific;
  int minPTX;
};
} // namespace

static constexpr ArchRequirement kArchRequirements[] = {
    {"nvvm.setmaxregister", "", "", "setmaxnreg", 90, /*archSpecific=*/true,
     80},
    // Every form: prefetch.L1, .L2, .tensormap, ...
    {"nvvm.prefetch", "", "", "prefetch", 90, /*archSpecific=*/false, 80},
    // What convert-nvgpu-to-nvvm, later in the GPU tail, lowers to one.
    {"nvgpu.tma.prefetch.descriptor", "", "", "prefetch.tensormap", 90,
     /*archSpecific=*/false, 80},
    // The wgmma backward's dQ adds (D85): LLVM has no vector f32 atomic.
    {"llvm.inline_asm", "", "red.global.add.v2.f32", "red.global.add.v2.f32",
     90, /*archSpecific=*/false, 81},
};

/// Whether `op` is what `requirement` names.
static bool matches(Operation *op, const ArchRequirement &requirement) {
  if (op->getName().getStringRef() != requirement.op ||
      (!requirement.attribute.empty() && !op->hasAttr(requirement.attribute)))
    return false;
  if (requirement.asmPrefix.empty())
    return true;
  auto text = op->getAttrOfType<StringAttr>("asm_string");
  return text && text.getValue().starts_with(requirement.asmPrefix);
}

/// The PTX ISA version of `target`: its +ptx feature, else the lowest its
/// arch accepts (what the back end picks).
static int ptxVersion(NVVM::NVVMTargetAttr target) {
  SmallVector<StringRef> parts;
  target.getFeatures().split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    StringRef digits = part.trim();
    int version = 0;
    if (digits.consume_front("+ptx") && !digits.getAsInteger(10, version))
      return version;
  }
  return getMinimumPTXVersion(target.getChip()).value_or(0);
}

/// Whether `chip` is an arch that `requirement` allows (at any PTX ISA).
static bool archSatisfies(StringRef chip, const ArchRequirement &requirement) {
  StringRef rest = chip;
  int sm = 0;
  if (!rest.consume_front("sm_") || rest.consumeInteger(10, sm))
    return false;
  return sm >= requirement.minSM &&
         (!requirement.archSpecific || rest == "a" || rest == "f");
}

/// Whether `target` has what `requirement` needs.
static bool satisfies(NVVM::NVVMTargetAttr target,
                      const ArchRequirement &requirement) {
  return archSatisfies(target.getChip(), requirement) &&
         ptxVersion(target) >= requirement.minPTX;
}

/// The lowest PTX ISA version that the ops of `module`'s gpu.modules need
/// on `chip` (kArchRequirements' minPTX of those present that the arch
/// allows; an op it does not allow is refused after, whatever the version;
/// 0 for none).
static int requiredPTXVersion(ModuleOp module, StringRef chip) {
  int version = 0;
  module.walk([&](Operation *op) {
    for (const ArchRequirement &r : kArchRequirements)
      if (matches(op, r) && archSatisfies(chip, r) &&
          op->getParentOfType<gpu::GPUModuleOp>())
        version = std::max(version, r.minPTX);
  });
  return version;
}

/// Refuses the ops of `gpuModule` that its NVVM targets lack.
static LogicalResult checkArchRequirements(gpu::GPUModuleOp gpuModule) {
  ArrayAttr targets = gpuModule.getTargetsAttr();
  if (!targets)
    return success();
  WalkResult result = gpuModule.walk([&](Operation *op) {
    for (const ArchRequirement &r : kArchRequirements) {
      if (!matches(op, r))
        continue;
      for (Attribute attr : targets) {
        auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr);
        if (!target || satisfies(target, r))
          continue;
        int ptx = ptxVersion(target);
        op->emitOpError() << "(" << r.instruction << ") needs "
                          << (r.archSpecific ? "an arch-specific (a or f) "
                                             : "a ")
                          << "target of sm_" << r.minSM
                          << " or later with PTX ISA " << r.minPTX / 10 << "."
                          << r.minPTX % 10 << " or later; the gpu.module "
                          << "targets " << target.getChip() << " with PTX ISA "
                          << ptx / 10 << "." << ptx % 10;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Why the NVPTX back end would end the process on `asmOp`'s constraints
/// ("invalid operand in inline asm", by exit(1)), or nullopt; `operands`
/// is set to the count of outputs and inputs. A constraint is an optional
/// `=` (an output) and `&`, then one of NVPTX's register classes b, c, h,
/// r, l, q, f, d or an immediate n, i; an input tied to an earlier output
/// by its number; or a clobber `~{name}`. The outputs must be the
/// statement's result values, the inputs its operands.
static std::optional<std::string> constraintsProblem(LLVM::InlineAsmOp asmOp,
                                                     int64_t &operands) {
  StringRef constraints = asmOp.getConstraints();
  SmallVector<StringRef> parts;
  if (!constraints.empty())
    constraints.split(parts, ',');
  int64_t outputs = 0, inputs = 0;
  for (StringRef part : parts) {
    StringRef code = part;
    // A clobber names one register or `memory`: LLVM's constraint parser
    // reads whatever follows a first `}` as further constraint codes, and a
    // digit there ties the clobber to an output, which the back end then
    // cannot print ("invalid operand in inline asm", by exit(1); found by
    // the local fuzzing of session 23: `~{mem}1ory}`).
    if (code.starts_with("~")) {
      StringRef name = code.drop_front();
      if (name.consume_front("{") && name.consume_back("}") && !name.empty() &&
          llvm::all_of(name, [](char c) {
            return llvm::isAlnum(c) || c == '_' || c == '.';
          }))
        continue;
      return llvm::formatv("clobber '{0}' is not ~{{name} with a register's "
                           "name or memory (letters, digits, '_' and '.')",
                           part)
          .str();
    }
    bool output = code.consume_front("=");
    code.consume_front("&");
    // An input tied to output N (NVVM's PTX builder's read-write operands).
    uint64_t tied = 0;
    if (!output && !code.empty() && !code.getAsInteger(10, tied)) {
      if (tied >= static_cast<uint64_t>(outputs))
        return llvm::formatv("constraint '{0}' ties an input to output {1}, "
                             "but the statement has {2} output(s) before it",
                             part, tied, outputs)
            .str();
      ++inputs;
      continue;
    }
    if (code.size() != 1 || !StringRef("bchrlqfdni").contains(code[0]))
      return llvm::formatv("constraint '{0}' is not one the NVPTX back end "
                           "takes (b, c, h, r, l, q, f, d, n or i, with '=' "
                           "for an output; an output's number for a tied "
                           "input; ~{{...} for a clobber)",
                           part)
          .str();
    // An immediate (n, i) is an integer constant input: the back end ends
    // the process on any other value ("constraint 'n' expects an integer
    // constant expression"; found by the long fuzzing run, session 21).
    if (code == "n" || code == "i") {
      if (output)
        return llvm::formatv("constraint '{0}' is an immediate, which cannot "
                             "be an output",
                             part)
            .str();
      IntegerAttr value;
      if (inputs < static_cast<int64_t>(asmOp.getNumOperands()) &&
          !matchPattern(asmOp.getOperand(inputs), m_Constant(&value)))
        return llvm::formatv("constraint '{0}' (input {1}) is an immediate: "
                             "its operand must be an integer constant",
                             part, inputs)
            .str();
    }
    ++(output ? outputs : inputs);
  }
  if (inputs != static_cast<int64_t>(asmOp.getNumOperands()))
    return llvm::formatv("{0} input constraint(s) for {1} operand(s)", inputs,
                         asmOp.getNumOperands())
        .str();
  int64_t results = 0;
  if (asmOp.getNumResults() == 1) {
    auto structType =
        dyn_cast<LLVM::LLVMStructType>(asmOp.getResult(0).getType());
    results = structType ? structType.getBody().size() : 1;
  }
  if (outputs != results)
    return llvm::formatv("{0} output constraint(s) for {1} result value(s)",
                         outputs, results)
        .str();
  operands = outputs + inputs;
  return std::nullopt;
}

/// Why the NVPTX back end would abort on `text`, an inline PTX statement
/// of `operands` operands ("Bad $ operand number", on a `$` that names no
/// operand), or nullopt. A `$` is `$$`, `$(`, `$|`, `$)`, `$N` or `${N}`
/// with N below `operands`; no `${N:modifier}` (NVPTX takes few, and exits
/// on the others; the kernels use none).
static std::optional<std::string> templateProblem(StringRef text,
                                                  int64_t operands) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$')
      continue;
    if (i + 1 < text.size() && StringRef("$(|)").contains(text[i + 1])) {
      ++i;
      continue;
    }
    StringRef rest = text.drop_front(i + 1);
    bool braced = rest.consume_front("{");
    StringRef digits = rest.take_while([](char c) { return llvm::isDigit(c); });
    rest = rest.drop_front(digits.size());
    uint64_t index = 0;
    bool bad = digits.empty() || digits.getAsInteger(10, index);
    if (braced)
      bad = bad || !rest.consume_front("}");
    if (bad)
      return llvm::formatv("'$' at offset {0} of the text names no operand "
                           "($N or ${{N}, or $$ for a '$'; no modifiers)",
                           i)
          .str();
    if (index >= static_cast<uint64_t>(operands))
      return llvm::formatv("${0} in the text, but the statement has {1} "
                           "operand(s)",
                           index, operands)
          .str();
    i = text.size() - rest.size() - 1;
  }
  return std::nullopt;
}

/// Why the NVPTX back end would stop the process on `asmOp`, or nullopt.
static std::optional<std::string> inlineAsmProblem(LLVM::InlineAsmOp asmOp) {
  int64_t operands = 0;
  if (std::optional<std::string> why = constraintsProblem(asmOp, operands))
    return why;
  return templateProblem(asmOp.getAsmString(), operands);
}

/// Refuses the inline PTX statements of `gpuModule` that would stop the
/// back end (inlineAsmProblem).
static LogicalResult checkInlineAsm(gpu::GPUModuleOp gpuModule) {
  WalkResult result = gpuModule.walk([](LLVM::InlineAsmOp asmOp) {
    if (std::optional<std::string> why = inlineAsmProblem(asmOp)) {
      asmOp.emitOpError() << "cannot be compiled for NVPTX: " << *why;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Refuses a gpu.module's own #nvvm.target (one the input wrote, which the
/// pass keeps) whose chip the NVPTX back end does not know, or whose PTX ISA
/// is below the chip's lowest: the back end aborts on both ("Cannot
/// select", "PTX version ... does not support target"), as it would on an
/// #fa.target arch that its verifier refuses (issue 27, item 1; `sm_91`
/// found by the long fuzzing run, session 21).
static LogicalResult checkWrittenTargets(gpu::GPUModuleOp gpuModule) {
  for (Attribute attr : gpuModule.getTargetsAttr()) {
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr);
    if (!target)
      continue;
    std::optional<std::string> why = nvptxArchProblem(target.getChip());
    if (!why)
      if (std::optional<std::string> features =
              ptxFeaturesProblem(target.getChip(), target.getFeatures()))
        why = "features: " + *features;
    if (why)
      return gpuModule.emitOpError() << "has a target the NVPTX back end "
                                        "cannot compile for: "
                                     << *why;
  }
  return success();
}

namespace {
struct AttachNVVMTargetPass
    : public fa::impl::FAAttachNVVMTargetPassBase<AttachNVVMTargetPass> {
  using FAAttachNVVMTargetPassBase::FAAttachNVVMTargetPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    TargetAttr target = lookupTarget(module);
    if (!target) {
      module.emitError() << "fa-attach-nvvm-target needs an fa.target on the "
                            "module (run fa-set-target first)";
      return signalPassFailure();
    }
    // The #fa.target verifier checked that the NVPTX back end knows the
    // arch. Without a +ptx feature the back end picks the arch's lowest PTX
    // version itself; the table names it for the archs it lists, raised to
    // what the kernels' ops need (kArchRequirements), so that only a
    // kernel that needs a later PTX ISA gets one.
    StringRef chip = target.getArch();
    std::string ptxFeatures = features.getValue();
    if (features.empty()) {
      std::optional<int> minimum = getMinimumPTXVersion(chip);
      int required = requiredPTXVersion(module, chip);
      ptxFeatures = minimum && required > *minimum
                        ? "+ptx" + std::to_string(required)
                        : getDefaultPTXFeatures(chip);
    }
    if (std::optional<std::string> why =
            ptxFeaturesProblem(chip, ptxFeatures)) {
      module.emitError() << "features: " << *why;
      return signalPassFailure();
    }
    if (optLevel > 3) {
      module.emitError() << "optimization level must be in [0, 3], got "
                         << optLevel.getValue();
      return signalPassFailure();
    }
    auto nvvmTarget = NVVM::NVVMTargetAttr::get(
        &getContext(), static_cast<int>(optLevel.getValue()),
        "nvptx64-nvidia-cuda", chip, ptxFeatures);
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      if (!gpuModule.getTargetsAttr())
        gpuModule.setTargetsAttr(ArrayAttr::get(&getContext(), {nvvmTarget}));
      if (failed(checkWrittenTargets(gpuModule)) ||
          failed(checkArchRequirements(gpuModule)) ||
          failed(checkInlineAsm(gpuModule)))
        return signalPassFailure();
    }
  }
};
} // namespace
