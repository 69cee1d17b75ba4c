//===- TileBuilders.h - Tiles of the attention loop nests -------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The pieces of the tiled form (docs/TiledForm.md, docs/Backward.md) that
// fa-tile-attention's forward nest and its backward nests build alike: static
// tile buffers filled from a slice of an operand, the masked score tile of a
// (query block, key block) pair, the causal bounds of the block loops, and
// the write of a block's valid rows into a result.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEBUILDERS_H
#define FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEBUILDERS_H

#include "FlashAttn/Analysis/BlockClassifier.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir {
namespace fa {
namespace detail {

/// Marks `forall` as a thread-block loop: the `fa.tiling` convert-fa-to-gpu
/// finds it by (and reads `warps` from). A loop of one iteration in every
/// dimension (one thread block) would be folded away by the canonicalizer
/// before convert-fa-to-gpu, leaving the block's code on the host and the
/// pipeline without a kernel; upstream does not fold a loop mapped to GPU
/// blocks, so such a loop gets a block mapping. Loops of more blocks keep
/// their unit dimensions foldable (the kernels' code is built from that).
void markThreadBlockLoop(scf::ForallOp forall, Attribute tiling);

/// `ofr` as a static size, or ShapedType::kDynamic.
int64_t staticOrDynamic(OpFoldResult ofr);

/// An `init`-filled f32 tensor of a static shape (a register-resident value
/// on the GPU: scores, probabilities, row vectors, accumulators).
Value filledF32(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                double init);

/// A tile buffer of a static shape in `memorySpace` (null: the default
/// space): a `bufferization.alloc_tensor` that one-shot bufferization turns
/// into one allocation per thread block.
Value allocTile(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type type,
                Attribute memorySpace);

/// Copies `src[offsets][sizes]`, whose innermost dims (as many as `buffer`
/// has) are kept, into the static tile `buffer` after zero-filling it:
/// elements past a sequence end read as 0 (and are masked where that
/// matters).
Value loadTile(OpBuilder &b, Location loc, Value src,
               ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
               Value buffer);

/// The mask tile buffer of an op's mask for blocks of `blockQ` x `blockKV`
/// (a dimension of static size 1 is broadcast and stays 1), or null.
Value allocMaskTile(OpBuilder &b, Location loc, Value mask, int64_t blockQ,
                    int64_t blockKV, Attribute memorySpace);

/// Loads the mask tile of batch `batch`, query head `head`, rows
/// [q0, q0 + qLen) and keys [k0, k0 + kLen) into `buffer`; broadcast
/// dimensions (static size 1) are read at index 0.
Value loadMaskTile(OpBuilder &b, Location loc, Value mask, Value buffer,
                   OpFoldResult batch, OpFoldResult head, OpFoldResult q0,
                   OpFoldResult qLen, OpFoldResult k0, OpFoldResult kLen);

/// Whether a runtime block mask keeps the tile of batch `batch`, query head
/// `head`, first row `q0` and first key `k0`: its entry (batch, head,
/// q0 / maskBlockQ, k0 / maskBlockKV) is non-zero (i8) or true (i1), the
/// batch and head read at 0 where the mask broadcasts them (a static 1). The
/// tile lies in that one mask block: the tiling's blocks divide the mask's.
Value buildBlockKept(OpBuilder &b, Location loc, Value blockMask,
                     int64_t maskBlockQ, int64_t maskBlockKV,
                     OpFoldResult batch, OpFoldResult head, OpFoldResult q0,
                     OpFoldResult k0);

/// `scf.if keep { body() } else { carried }`: a step of a block loop that a
/// block mask may skip whole (no load, no math); returns the if's results,
/// of `carried`'s types.
SmallVector<Value>
buildIfKept(OpBuilder &b, Location loc, Value keep, ValueRange carried,
            function_ref<SmallVector<Value>(OpBuilder &, Location)> body);

/// A BlockTable as constant tensors: `kinds` [Mq, Mk] of i8 (BlockKind),
/// `kvBegin`/`kvEnd` [Mq] and `qBegin`/`qEnd` [Mk] of i32. Null without a
/// mask pattern.
struct BlockTableValues {
  Value kinds, kvBegin, kvEnd, qBegin, qEnd;
  explicit operator bool() const { return static_cast<bool>(kinds); }
};

/// The constants of `table`, built at `b`'s insertion point.
BlockTableValues buildBlockTable(OpBuilder &b, Location loc,
                                 const BlockTable &table);

/// Entry `index` of a 1-d i32 range table, as an index.
Value extractBlockIndex(OpBuilder &b, Location loc, Value table, Value index);

/// The step of pair (qb, kb) of a block loop by its BlockKind in `kinds`:
/// `carried` for an empty pair (nothing loaded), `body(partial)` otherwise,
/// with `partial` the i1 "the pair is partial" for buildMaskedScoreTile.
SmallVector<Value> buildByBlockKind(
    OpBuilder &b, Location loc, Value kinds, Value qb, Value kb,
    ValueRange carried,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value)> body);

/// acc += lhs rhs on tiles, as a linalg.matmul (operands extended to acc's
/// f32): `transposeLhs` reads lhs as [K, M], `transposeRhs` reads rhs as
/// [N, K].
Value buildTileMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                      Value acc, bool transposeLhs, bool transposeRhs);

/// Where a (query block, key block) pair lies and what masks it.
struct ScoreTileParams {
  double scale = 1.0;
  /// The bias or keep-mask tile, or null.
  Value maskTile;
  /// Bottom-right causal masking, with the blocks' offsets and the
  /// sequence lengths.
  bool causal = false;
  /// A #fa.window's extents (keys i' - left .. i' + right, i' = i + Nk -
  /// Nq), or none.
  std::optional<int64_t> windowLeft, windowRight;
  /// A #fa.mask_pattern and the op's window (its local pattern when set;
  /// windowLeft/Right are then unset): buildPatternKeep's.
  MaskPatternAttr pattern;
  WindowAttr patternWindow;
  /// With a mask pattern, an i1: whether the pair is partial. A full pair's
  /// scores get no element masks (an scf.if around the elementwise step,
  /// both sides in place on the one S tile).
  Value partialBlock;
  OpFoldResult q0, k0, nq, nk;
  /// The valid keys of the K tile; and of the rows of the Q tile, or null
  /// when the rows past the end need no masking (the forward drops them).
  OpFoldResult kLen, qLen;
};

/// S = scale * Q K^T (+ bias) of a Q tile [BQ, D] and a K tile [BKV, D], in
/// f32, with -inf wherever the key is past the end, causally hidden or
/// dropped by the keep-mask (and the row past the end when `qLen` is set).
Value buildMaskedScoreTile(OpBuilder &b, Location loc, Value qTile, Value kTile,
                           const ScoreTileParams &params);

/// exp(S - safe(r)) in place on the f32 tile S, with r one value per row
/// (the running max, or the logsumexp): safe(r) is 0 for r = -inf, a row
/// that sees no key, so that its exp(-inf - 0) is 0 rather than NaN.
Value buildShiftedExpTile(OpBuilder &b, Location loc, Value scores,
                          Value rowShift);

/// How far right and left of its diagonal i' = i + Nk - Nq a query row
/// sees keys: the right extent is 0 with causal, a #fa.window's extents
/// otherwise, none (unbounded) without either.
template <typename OpTy> std::optional<int64_t> getRightExtent(OpTy op) {
  if (op.getCausal())
    return 0;
  if (auto window = op.getWindowAttr())
    return window.getRight();
  return std::nullopt;
}
template <typename OpTy> std::optional<int64_t> getLeftExtent(OpTy op) {
  if (auto window = op.getWindowAttr())
    return window.getLeft();
  return std::nullopt;
}

/// The element masks of `op` into `p`: causal, and the mask pattern (with
/// its window) or the window; `partial` (null without a mask pattern)
/// decides per pair whether they apply.
template <typename OpTy>
void setStructuredMasks(ScoreTileParams &p, OpTy op, Value partial) {
  p.causal = op.getCausal();
  if (MaskPatternAttr pattern = op.getMaskPatternAttr()) {
    p.pattern = pattern;
    p.patternWindow = op.getWindowAttr();
    p.partialBlock = partial;
    return;
  }
  p.windowLeft = getLeftExtent(op);
  p.windowRight = getRightExtent(op);
}

/// The end of the key blocks that query block `qb` visits: ceil(Nk / BKV),
/// or with a right extent R only those up to the last key its last row sees
/// (keys j <= i + Nk - Nq + R); 0 when it sees none.
OpFoldResult getKeyBlockCount(OpBuilder &b, Location loc,
                              std::optional<int64_t> right, Value qb,
                              int64_t blockQ, int64_t blockKV, OpFoldResult nq,
                              OpFoldResult nk);

/// The first key block that query block `qb` visits: 0, or with a left
/// extent L the block of key max(0, q0 + Nk - Nq - L), the first its first
/// row sees (the blocks before it are skipped, never loaded).
OpFoldResult getFirstKeyBlock(OpBuilder &b, Location loc,
                              std::optional<int64_t> left, Value qb,
                              int64_t blockQ, int64_t blockKV, OpFoldResult nq,
                              OpFoldResult nk);

/// The first query block that sees a key of the key block at `k0`: 0, or
/// with a right extent R the block of row max(0, k0 + Nq - Nk - R).
OpFoldResult getFirstQueryBlock(OpBuilder &b, Location loc,
                                std::optional<int64_t> right, OpFoldResult k0,
                                int64_t blockQ, OpFoldResult nq,
                                OpFoldResult nk);

/// The end of the query blocks that see a key of the key block at `k0`:
/// ceil(Nq / BQ), or with a left extent L those up to the last row whose
/// window reaches the block's last key, row k0 + BKV - 1 + Nq - Nk + L.
OpFoldResult getQueryBlockEnd(OpBuilder &b, Location loc,
                              std::optional<int64_t> left, OpFoldResult k0,
                              int64_t blockQ, int64_t blockKV,
                              OpFoldResult nq, OpFoldResult nk);

/// The offset `blk * block` and the valid length min(block, n - blk * block)
/// of block `blk` of a sequence of length `n`.
std::pair<OpFoldResult, OpFoldResult> getBlockRange(OpBuilder &b, Location loc,
                                                    Value blk, int64_t block,
                                                    OpFoldResult n);

/// The rows [0, rows) and columns [0, cols) of the f32 tile `acc`, times
/// `scale` and rounded into `dest` (a slice of that size of a result).
Value buildScaledRows(OpBuilder &b, Location loc, Value acc, OpFoldResult rows,
                      OpFoldResult cols, Value dest, double scale);

/// `tensor.parallel_insert_slice` of `value` into `dest` in the terminator
/// of `forall`, with unit strides.
void insertInParallel(OpBuilder &b, Location loc, scf::ForallOp forall,
                      Value value, Value dest, ArrayRef<OpFoldResult> offsets,
                      ArrayRef<OpFoldResult> sizes);

} // namespace detail
} // namespace fa
} // namespace mlir

#endif // FLASHATTN_LIB_DIALECT_FA_TRANSFORMS_TILEBUILDERS_H
