//===- SharedLayout.h - Shared memory of one thread block -------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Where each buffer of an attention kernel's thread block lives in shared
// memory: the offsets and sizes of the Q tile, the K and V stages, the SIMT
// kernel's f32 buffers and the wgmma kernel's mbarriers. The cost model's
// shared-memory total (sramBytes) is this layout's, and a kernel generator
// reads its offsets from it. Plain C++ (llvm/ADT only).
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_ANALYSIS_SHAREDLAYOUT_H
#define FLASHATTN_ANALYSIS_SHAREDLAYOUT_H

#include "FlashAttn/Analysis/AttentionProblem.h"

#include <cstdint>

namespace mlir {
namespace fa {

/// Every shared-memory buffer of the SIMT, mma-sync and tensor-core kernels
/// starts on a 128-byte boundary and is padded to a multiple of 128 bytes
/// (swizzled ldmatrix/TMA layouts need it).
constexpr int64_t kSharedBufferAlignment = 128;

/// Bytes by which the mma.sync kernel pads every shared-memory tile row:
/// the 8 rows one ldmatrix reads then start 16 bytes apart modulo 128 and
/// hit all 32 banks once.
constexpr int64_t kMmaSyncRowPadBytes = 16;

/// The wgmma kernel's swizzle atom: 8 rows of 128 bytes. Every tile starts on
/// such a boundary, and the kernel allocates this much extra shared memory to
/// align the dynamic shared memory's base to it.
constexpr int64_t kWgmmaSwizzleAtomBytes = 1024;

/// One row of the wgmma kernel's 128-byte swizzle: a tile is stored as
/// blocks of this many bytes of columns (64 2-byte elements), each block
/// [rows x 128 B], its 16-byte chunks permuted by the row modulo 8.
constexpr int64_t kWgmmaSwizzleRowBytes = 128;

/// Columns of a wgmma tile row of `cols` elements of `elementBytes` in
/// shared memory: `cols` rounded up to whole 128-byte swizzle rows. A head
/// dim that is a multiple of 16 but not of 64 (d = 80, 96, ...) ends in a
/// partly used 64-column block: the TMA box over it zero-fills the columns
/// past the tensor's, and the kernel's wgmmas read only the real columns
/// (docs/GPU.md, "Head dims that are not a multiple of 64").
inline int64_t wgmmaPaddedColumns(int64_t cols, int64_t elementBytes) {
  int64_t block = kWgmmaSwizzleRowBytes / elementBytes;
  return (cols + block - 1) / block * block;
}

/// Rows of one swizzle atom: the 16-byte chunks of a swizzled row are
/// permuted by the row modulo this.
constexpr int64_t kWgmmaSwizzleAtomRows =
    kWgmmaSwizzleAtomBytes / kWgmmaSwizzleRowBytes;

/// The unit the kernels move and permute shared memory in: one cp.async,
/// one ldmatrix row address, one chunk of the 128-byte swizzle.
constexpr int64_t kSharedChunkBytes = 16;

/// Bytes of one mbarrier; ptxas allocates static shared memory in units of
/// kStaticSharedUnitBytes.
constexpr int64_t kMBarrierBytes = 8;
constexpr int64_t kStaticSharedUnitBytes = 16;

/// The wgmma kernel's mbarriers, one static array indexed as follows:
/// per K/V slot a "full" one its TMA loads complete on (K's alone when V is
/// loaded apart), then Q's, then (V apart) the V slots' full ones, then
/// (slots released through mbarriers) the "empty" ones the warps done with
/// a slot arrive on: one per slot, or per K slot and then per V slot.
struct WgmmaBarriers {
  /// K/V slots (the tiling's stages).
  int64_t stages = 1;
  /// V is loaded apart from K (the overlapped step: K runs a block ahead).
  bool separateV = false;
  /// Slots are freed through empty mbarriers (release = mbarrier/producer).
  bool empties = false;

  /// Slot s's full mbarrier is fullBase() + s (K's when separateV).
  int64_t fullBase() const { return 0; }
  int64_t q() const { return stages; }
  /// separateV: V slot s's full mbarrier is vFullBase() + s.
  int64_t vFullBase() const { return stages + 1; }
  /// The mbarriers one arrival completes (the leader's, with the bytes).
  int64_t fullCount() const { return stages + 1 + (separateV ? stages : 0); }
  /// empties: slot s's (K slot s's) empty mbarrier is emptyBase() + s, V
  /// slot s's vEmptyBase() + s.
  int64_t emptyBase() const { return fullCount(); }
  int64_t vEmptyBase() const { return emptyBase() + stages; }
  int64_t emptyCount() const {
    return empties ? (separateV ? 2 : 1) * stages : 0;
  }
  int64_t count() const { return fullCount() + emptyCount(); }
  /// Static shared memory of the array, as ptxas allocates it.
  int64_t bytes() const {
    return (kMBarrierBytes * count() + kStaticSharedUnitBytes - 1) /
           kStaticSharedUnitBytes * kStaticSharedUnitBytes;
  }
};

/// The static shared memory the cost model counts for the wgmma kernel's
/// mbarriers: WgmmaBarriers of `stages` slots with the empty ones and V
/// loaded with K. The overlapped step with mbarrier release uses `stages`
/// to 2 * `stages` more (WgmmaBarriers::bytes), which the 1 KiB granularity
/// of the dynamic part leaves room for on every known target; fa-compile
/// checks the kernel's real static shared memory.
inline int64_t wgmmaBarrierBytes(int64_t stages) {
  return WgmmaBarriers{stages, /*separateV=*/false, /*empties=*/true}.bytes();
}

/// The forward's compacted walk (docs/BlockSparse.md, "The forward's
/// compacted walk"): the list holds one i32 entry per kv-block a q-block may
/// walk, ceil(Nk / block_kv), then kWalkListCounts i32 counts: the live
/// steps, and those below the two bounds of the masked-step split.
constexpr int64_t kWalkListCounts = 3;
inline int64_t forwardWalkListEntries(const Tiling &tiling,
                                      const AttentionProblem &problem) {
  return (problem.seqLenKV + tiling.blockKV - 1) / tiling.blockKV;
}

/// How the rows of a kernel's Q, K and V tiles sit in shared memory.
enum class SharedTileFormat {
  /// Rows back to back (SIMT, tensor-core).
  Dense,
  /// Every row followed by kMmaSyncRowPadBytes of padding (mma-sync).
  Padded,
  /// wgmma's 128-byte swizzle (kWgmmaSwizzleRowBytes), unpadded.
  Swizzled128B,
};

/// One region of a thread block's shared memory: `count` buffers of one
/// shape back to back (the K or V stages), one buffer (Q, the SIMT kernel's
/// f32 buffers), or none (a buffer the kernel does not have).
struct SharedRegion {
  /// Bytes from the layout's base to the first buffer.
  int64_t offset = 0;
  /// Buffers in the region: `stages` for the tensor-core kernels' K and V,
  /// four for the SIMT kernel's row vectors, 1 otherwise, 0 when absent.
  int64_t count = 0;
  /// Bytes of one buffer, row padding included, rounded up to the layout's
  /// alignment: also the distance from one buffer to the next.
  int64_t bufferBytes = 0;
  /// Rows of one buffer (a [block_q] vector has block_q rows of one
  /// element).
  int64_t rows = 0;
  /// Elements from the start of one row to the next: the row's elements
  /// (Dense); the row and its kMmaSyncRowPadBytes of padding (Padded, d + 8
  /// for 2-byte elements); one swizzle row, kWgmmaSwizzleRowBytes (64
  /// 2-byte elements), within a 64-column block of `rows` such rows
  /// (Swizzled128B).
  int64_t rowPitch = 0;
  /// Bytes of one element.
  int64_t elementBytes = 0;

  /// Bytes from the layout's base to buffer `index` (the stage of K or V).
  int64_t bufferOffset(int64_t index) const {
    return offset + index * bufferBytes;
  }
  /// Elements of `rows` rows of `rowPitch`: a Dense or Padded buffer
  /// before its alignment; a Swizzled128B buffer's 64-column block (the
  /// distance from one block to the next).
  int64_t pitchedElements() const { return rows * rowPitch; }
  /// Bytes of all the region's buffers.
  int64_t bytes() const { return count * bufferBytes; }
  /// Bytes from the layout's base to the end of the region.
  int64_t end() const { return offset + bytes(); }
};

/// The shared memory of one thread block of a kernel: its regions from a
/// base, in the order of the fields, each starting where the one before
/// ends, plus the static part.
///  - mma-sync: Q, the `stages` K tiles, the `stages` V tiles, every row
///    Padded, every buffer 128-byte aligned (the layout convert-fa-to-nvgpu
///    allocates).
///  - wgmma: the same order, Swizzled128B and unpadded (the swizzle keeps
///    wgmma's reads and the loads' writes conflict-free), every head dim
///    rounded up to whole 64-column blocks (wgmmaPaddedColumns), each buffer
///    a whole number of swizzle atoms; the dynamic allocation adds
///    baseSlackBytes to round its base up to an atom, and the mbarriers
///    are static.
///    Both kernels' epilogues stage O in Q's region (each warp over its own
///    Q rows, whose reads are done), so O needs no region of its own.
///  - tensor-core: Q and the `stages` K and V tiles, Dense.
///  - SIMT: one Q, K and V tile (no stages), then the mask tile, S, the
///    accumulator and the row vectors, every buffer 128-byte aligned.
///    convert-fa-to-gpu packs the tiled form's buffers in their allocation
///    order, so its offsets differ from these; the sizes and the total are
///    the same, and the total is checked against `fa.predicted_sram`.
struct SharedLayout {
  KernelKind kind = KernelKind::Simt;
  /// The format of the Q, K and V tiles.
  SharedTileFormat format = SharedTileFormat::Dense;
  /// What every region's offset and buffer size is a multiple of:
  /// kSharedBufferAlignment, or kWgmmaSwizzleAtomBytes for wgmma.
  int64_t alignment = kSharedBufferAlignment;
  /// wgmma: dynamic shared memory allocated on top of the regions so that
  /// the kernel can round the base up to a swizzle atom (offsets count from
  /// the rounded base); 0 otherwise.
  int64_t baseSlackBytes = 0;
  /// The Q tile [block_q, d], the K tiles [block_kv, d] and the V tiles
  /// [block_kv, dv], in the element type.
  SharedRegion q, k, v;
  /// SIMT only (absent otherwise): the mask tile ([block_q or 1, block_kv
  /// or 1] of the mask's element type, when the op has a mask), the f32
  /// scores S [block_q, block_kv] (P and the masked scores share it), the f32
  /// accumulator [block_q, dv] and four f32 [block_q] row vectors (running
  /// max, running sum, the step's row max, the rescale).
  SharedRegion mask, scores, accumulator, rowVectors;
  /// mma-sync and wgmma with the compacted walk (absent otherwise): the list
  /// of live steps and its counts, one buffer of forwardWalkListEntries +
  /// kWalkListCounts i32 rows, after the V tiles (no tile's offset moves).
  SharedRegion list;
  /// Static shared memory: wgmma's mbarriers (wgmmaBarrierBytes, counted
  /// whatever the loads, so that every variant fits); 0 otherwise.
  int64_t staticBytes = 0;

  /// Bytes of the regions from the base: the end of the last one.
  int64_t regionBytes() const;
  /// The dynamic shared memory a launch requests: the slack and the regions.
  int64_t dynamicBytes() const { return baseSlackBytes + regionBytes(); }
  /// All the shared memory of the block, dynamic and static (sramBytes).
  int64_t totalBytes() const { return dynamicBytes() + staticBytes; }

  /// The layout of `kind` (not Auto) for a tiling and a problem, with the
  /// compacted walk's list where `compactedWalk` (mma-sync and wgmma only).
  /// Computed for
  /// any tiling, also one the kernel cannot run (checkLegality says which).
  static SharedLayout get(const Tiling &tiling, const AttentionProblem &problem,
                          KernelKind kind, bool compactedWalk = false);
};

/// Shared memory of one thread block: SharedLayout::get(...).totalBytes().
/// For the SIMT kernel this is exactly what convert-fa-to-gpu allocates, so
/// the launch's dynamic shared memory equals the prediction
/// (fa-tile-attention records it as `fa.predicted_sram`, the conversion
/// checks it); for mma-sync and wgmma it is what convert-fa-to-nvgpu
/// allocates (wgmma's mbarriers counted for every variant).
int64_t sramBytes(const Tiling &tiling, const AttentionProblem &problem,
                  KernelKind kind);

} // namespace fa
} // namespace mlir

#endif // FLASHATTN_ANALYSIS_SHAREDLAYOUT_H
