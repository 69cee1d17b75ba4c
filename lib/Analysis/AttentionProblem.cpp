//===- AttentionProblem.cpp - Problem, tiling and kernel kind -------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/AttentionProblem.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;

/// Bounds of AttentionProblem::validate.
static constexpr int64_t kMaxSeqLen = (int64_t(1) << 31) - 1;
static constexpr int64_t kMaxHeadDim = int64_t(1) << 16;
static constexpr double kMaxTrafficBytes = 4.611686018427387904e18; // 2^62
/// A mask pattern is classified block by block at compile time (the cost
/// models count its blocks for every candidate tiling, the kernels embed
/// its lists): at most this many 16 x 16 blocks, Nq = Nk = 65536 (D81).
static constexpr int64_t kMaxPatternBlocks = int64_t(1) << 24;

llvm::StringRef mlir::fa::stringifyKernelKind(KernelKind kind) {
  switch (kind) {
  case KernelKind::Simt:
    return "simt";
  case KernelKind::MmaSync:
    return "mma-sync";
  case KernelKind::Wgmma:
    return "wgmma";
  case KernelKind::TensorCore:
    return "tensor-core";
  case KernelKind::Auto:
    return "auto";
  }
  llvm_unreachable("unknown kernel kind");
}

bool mlir::fa::isGeneratedKernel(KernelKind kind) {
  return kind == KernelKind::Simt || isNVGPUKernel(kind);
}

bool mlir::fa::isNVGPUKernel(KernelKind kind) {
  return kind == KernelKind::MmaSync || kind == KernelKind::Wgmma;
}

std::optional<KernelKind> mlir::fa::parseKernelKind(llvm::StringRef name) {
  if (name == "simt")
    return KernelKind::Simt;
  if (name == "mma-sync")
    return KernelKind::MmaSync;
  if (name == "wgmma")
    return KernelKind::Wgmma;
  if (name == "tensor-core")
    return KernelKind::TensorCore;
  if (name == "auto")
    return KernelKind::Auto;
  return std::nullopt;
}

MaskPattern AttentionProblem::maskPattern() const {
  MaskPattern m;
  m.seqLenQ = seqLenQ;
  m.seqLenKV = seqLenKV;
  m.causal = causal;
  m.window = window;
  m.windowLeft = windowLeft;
  m.windowRight = windowRight;
  m.chunk = maskChunk;
  m.global = maskGlobal;
  m.butterfly = maskButterfly;
  return m;
}

std::optional<std::string> AttentionProblem::validate() const {
  if (batch < 1 || numQueryHeads < 1 || numKVHeads < 1)
    return std::string("batch and head counts must be positive");
  if (numQueryHeads % numKVHeads != 0)
    return std::string("query heads must be a multiple of K/V heads");
  if (seqLenQ < 1 || seqLenKV < 1)
    return std::string("sequence lengths must be positive");
  if (headDim < 1 || valueHeadDim < 1)
    return std::string("head dimensions must be positive");
  if (elementBytes < 1)
    return std::string("element bytes must be positive");
  if (window && (windowLeft < 0 || windowRight < 0 ||
                 windowLeft > kMaxSeqLen || windowRight > kMaxSeqLen))
    return llvm::formatv("window extents must be in [0, {0}]", kMaxSeqLen)
        .str();
  if (window && causal && windowRight != 0)
    return std::string("a causal window has a right extent of 0");
  if (maskChunk < 0 || maskGlobal < 0 || maskButterfly < 0 ||
      maskChunk > kMaxSeqLen || maskGlobal > kMaxSeqLen ||
      maskButterfly > kMaxSeqLen)
    return llvm::formatv("mask pattern sizes must be in [0, {0}]", kMaxSeqLen)
        .str();
  if (int(window) + int(maskChunk > 0) + int(maskButterfly > 0) > 1)
    return std::string("a mask pattern has one local pattern (window, chunk "
                       "or butterfly)");
  if (maskGlobal > 0 && !window && maskChunk == 0 && maskButterfly == 0)
    return std::string("global tokens need a local pattern");
  if (hasMaskPattern() && blockMaskQ > 0)
    return std::string("a mask pattern excludes a runtime block mask");
  if (hasMaskPattern() &&
      llvm::divideCeil(std::min(seqLenQ, kMaxSeqLen), 16) *
              llvm::divideCeil(std::min(seqLenKV, kMaxSeqLen), 16) >
          kMaxPatternBlocks)
    return llvm::formatv(
               "a mask pattern is classified block by block at compile time: "
               "ceil(Nq / 16) * ceil(Nk / 16) must be at most {0} (Nq = Nk = "
               "65536), got Nq = {1}, Nk = {2}",
               kMaxPatternBlocks, seqLenQ, seqLenKV)
        .str();
  if (blockMaskQ < 0 || blockMaskKV < 0 || (blockMaskQ == 0) != (blockMaskKV == 0))
    return std::string("block mask granularity must be both positive or both "
                       "0 (no block mask)");
  if (!(kvBlockDensity > 0 && kvBlockDensity <= 1))
    return std::string("kv block density must be in (0, 1]");
  // The model multiplies these in int64 (bytes of tiles and traffic) and
  // loops over q-blocks: bound them far above any GPU's (a q-block is a
  // thread block of a grid of at most 2^31 - 1; a head dimension beyond
  // 2^16 leaves no tile in shared memory).
  if (seqLenQ > kMaxSeqLen || seqLenKV > kMaxSeqLen)
    return llvm::formatv("sequence lengths beyond {0} are not supported",
                         kMaxSeqLen)
        .str();
  if (headDim > kMaxHeadDim || valueHeadDim > kMaxHeadDim)
    return llvm::formatv("head dimensions beyond {0} are not supported",
                         kMaxHeadDim)
        .str();
  // Worst-case traffic (a q-block of one row re-reads K and V per row).
  double traffic = double(batch) * numQueryHeads * seqLenQ * seqLenKV *
                   (headDim + valueHeadDim) * elementBytes;
  if (traffic > kMaxTrafficBytes)
    return std::string("problem too large: B * Hq * Nq * Nk * (D + Dv) * "
                       "element bytes exceeds 2^62");
  return std::nullopt;
}

std::string Tiling::str() const {
  return llvm::formatv("{0}x{1}, {2} stage{3}, {4} warp{5}", blockQ, blockKV,
                       stages, stages == 1 ? "" : "s", warps,
                       warps == 1 ? "" : "s");
}
