//===- SharedLayout.cpp - Shared memory of one thread block ---------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/SharedLayout.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fa;

/// The SIMT kernel's f32 [block_q] softmax vectors: running max m, running
/// sum l, the step's row max and the rescale alpha.
static constexpr int64_t kSimtRowVectors = 4;
/// Bytes of the SIMT kernel's S, accumulator and row vector elements.
static constexpr int64_t kF32Bytes = 4;
/// Bytes of an entry of the compacted walk's list.
static constexpr int64_t kI32Bytes = 4;

namespace {
/// Lays regions out one after another from offset 0, every buffer rounded
/// up to the alignment.
class RegionPacker {
public:
  explicit RegionPacker(int64_t alignment) : alignment(alignment) {}

  /// The next region: `count` buffers of `rows` rows of `rowBytes` bytes,
  /// `rowPitch` elements of `elementBytes` apart (an absent region, empty
  /// at the current end, when `count` is 0).
  SharedRegion add(int64_t count, int64_t rows, int64_t rowBytes,
                   int64_t rowPitch, int64_t elementBytes) {
    SharedRegion region;
    region.offset = next;
    if (count > 0) {
      region.count = count;
      region.bufferBytes = llvm::alignTo(rows * rowBytes, alignment);
      region.rows = rows;
      region.rowPitch = rowPitch;
      region.elementBytes = elementBytes;
    }
    next = region.end();
    return region;
  }

  /// A Dense region: rows of `cols` elements.
  SharedRegion addDense(int64_t count, int64_t rows, int64_t cols,
                        int64_t elementBytes) {
    return add(count, rows, cols * elementBytes, cols, elementBytes);
  }

private:
  int64_t alignment;
  int64_t next = 0;
};
} // namespace

/// Q and the `stages` K and V tiles of a tensor-core kernel, whose rows of
/// `cols` elements take `rowBytes(cols)` bytes and `rowPitch(cols)` elements.
template <typename RowBytes, typename RowPitch>
static void addTiles(SharedLayout &layout, RegionPacker &packer,
                     const Tiling &t, const AttentionProblem &p,
                     RowBytes rowBytes, RowPitch rowPitch) {
  int64_t e = p.elementBytes;
  layout.q =
      packer.add(1, t.blockQ, rowBytes(p.headDim), rowPitch(p.headDim), e);
  layout.k = packer.add(t.stages, t.blockKV, rowBytes(p.headDim),
                        rowPitch(p.headDim), e);
  layout.v = packer.add(t.stages, t.blockKV, rowBytes(p.valueHeadDim),
                        rowPitch(p.valueHeadDim), e);
}

/// The SIMT kernel: the buffers one-shot bufferization allocates in the
/// thread-block loop of the tiled form, one of each (no stages); S, P and
/// the masked scores share one buffer, O is written from the accumulator
/// directly.
static void addSimtBuffers(SharedLayout &layout, RegionPacker &packer,
                           const Tiling &t, const AttentionProblem &p) {
  int64_t e = p.elementBytes;
  layout.q = packer.addDense(1, t.blockQ, p.headDim, e);
  layout.k = packer.addDense(1, t.blockKV, p.headDim, e);
  layout.v = packer.addDense(1, t.blockKV, p.valueHeadDim, e);
  bool hasMask = p.maskElementBytes > 0;
  layout.mask =
      packer.addDense(hasMask ? 1 : 0, p.maskBroadcastsRows ? 1 : t.blockQ,
                      p.maskBroadcastsCols ? 1 : t.blockKV, p.maskElementBytes);
  layout.scores = packer.addDense(1, t.blockQ, t.blockKV, kF32Bytes);
  layout.accumulator = packer.addDense(1, t.blockQ, p.valueHeadDim, kF32Bytes);
  layout.rowVectors = packer.addDense(kSimtRowVectors, t.blockQ, 1, kF32Bytes);
}

SharedLayout SharedLayout::get(const Tiling &t, const AttentionProblem &p,
                               KernelKind kind, bool compactedWalk) {
  SharedLayout layout;
  layout.kind = kind;
  int64_t e = p.elementBytes;
  switch (kind) {
  case KernelKind::MmaSync: {
    layout.format = SharedTileFormat::Padded;
    RegionPacker packer(layout.alignment);
    addTiles(
        layout, packer, t, p,
        [&](int64_t cols) { return cols * e + kMmaSyncRowPadBytes; },
        [&](int64_t cols) { return cols + kMmaSyncRowPadBytes / e; });
    if (compactedWalk)
      layout.list = packer.addDense(
          1, forwardWalkListEntries(t, p) + kWalkListCounts, 1, kI32Bytes);
    return layout;
  }
  case KernelKind::Wgmma: {
    layout.format = SharedTileFormat::Swizzled128B;
    layout.alignment = kWgmmaSwizzleAtomBytes;
    layout.baseSlackBytes = kWgmmaSwizzleAtomBytes;
    layout.staticBytes = wgmmaBarrierBytes(t.stages);
    RegionPacker packer(layout.alignment);
    addTiles(
        layout, packer, t, p,
        [&](int64_t cols) { return wgmmaPaddedColumns(cols, e) * e; },
        [&](int64_t) { return kWgmmaSwizzleRowBytes / e; });
    if (compactedWalk)
      layout.list = packer.addDense(
          1, forwardWalkListEntries(t, p) + kWalkListCounts, 1, kI32Bytes);
    return layout;
  }
  case KernelKind::TensorCore: {
    // S and P never touch shared memory: S is the MMA accumulator and P is
    // converted in registers into the A operand of P V (mma.sync, and wgmma
    // with a register-sourced A). O is stored from registers.
    RegionPacker packer(layout.alignment);
    addTiles(
        layout, packer, t, p, [&](int64_t cols) { return cols * e; },
        [](int64_t cols) { return cols; });
    return layout;
  }
  case KernelKind::Simt: {
    RegionPacker packer(layout.alignment);
    addSimtBuffers(layout, packer, t, p);
    return layout;
  }
  case KernelKind::Auto:
    break;
  }
  llvm_unreachable("Auto is a pass option, not a kernel with a layout");
}

int64_t SharedLayout::regionBytes() const {
  return std::max({q.end(), k.end(), v.end(), mask.end(), scores.end(),
                   accumulator.end(), rowVectors.end(), list.end()});
}

int64_t mlir::fa::sramBytes(const Tiling &t, const AttentionProblem &p,
                            KernelKind kind) {
  return SharedLayout::get(t, p, kind).totalBytes();
}
