//===- SharedLayoutTest.cpp - Shared-memory layout tests ------------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The offsets are worked out by hand in the comments; the sweep compares the
// layout's total with the closed formula the cost model used before the
// layout existed (written out again here, sharing no code with it).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Analysis/SharedLayout.h"

#include "FlashAttn/Analysis/CostModel.h"

#include "gtest/gtest.h"

#include <utility>
#include <vector>

using namespace mlir::fa;

namespace {

AttentionProblem problem(int64_t d, int64_t dv, int64_t elementBytes = 2) {
  AttentionProblem p;
  p.seqLenQ = p.seqLenKV = 4096;
  p.headDim = d;
  p.valueHeadDim = dv;
  p.elementBytes = elementBytes;
  return p;
}

int64_t roundUp(int64_t bytes, int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

/// The closed formula of the shared memory of each kernel (docs/CostModel.md,
/// "Formulas" and "The SIMT kernel").
int64_t formulaBytes(const Tiling &t, const AttentionProblem &p,
                     KernelKind kind) {
  int64_t e = p.elementBytes, d = p.headDim, dv = p.valueHeadDim;
  auto pad128 = [](int64_t bytes) { return roundUp(bytes, 128); };
  switch (kind) {
  case KernelKind::MmaSync:
    return pad128(t.blockQ * (d * e + 16)) +
           t.stages * (pad128(t.blockKV * (d * e + 16)) +
                       pad128(t.blockKV * (dv * e + 16)));
  case KernelKind::Wgmma: {
    // Rows of whole 128-byte swizzle rows (d = 96: 128 columns).
    auto atoms = [](int64_t bytes) { return roundUp(bytes, 1024); };
    int64_t pd = roundUp(d * e, 128), pdv = roundUp(dv * e, 128);
    int64_t barriers = roundUp(8 * (2 * t.stages + 1), 16);
    return 1024 + atoms(t.blockQ * pd) +
           t.stages * (atoms(t.blockKV * pd) + atoms(t.blockKV * pdv)) +
           barriers;
  }
  case KernelKind::TensorCore:
    return pad128(t.blockQ * d * e) +
           t.stages * (pad128(t.blockKV * d * e) + pad128(t.blockKV * dv * e));
  default: { // Simt
    int64_t mask = 0;
    if (p.maskElementBytes > 0)
      mask =
          pad128((p.maskBroadcastsRows ? 1 : t.blockQ) *
                 (p.maskBroadcastsCols ? 1 : t.blockKV) * p.maskElementBytes);
    return pad128(t.blockQ * d * e) + pad128(t.blockKV * d * e) +
           pad128(t.blockKV * dv * e) + mask +
           pad128(t.blockQ * t.blockKV * 4) + pad128(t.blockQ * dv * 4) +
           4 * pad128(t.blockQ * 4);
  }
  }
}

/// The regions of a layout in field order.
std::vector<SharedRegion> regions(const SharedLayout &l) {
  return {l.q,      l.k,           l.v,          l.mask,
          l.scores, l.accumulator, l.rowVectors, l.list};
}

//===----------------------------------------------------------------------===//
// Offsets by hand
//===----------------------------------------------------------------------===//

TEST(SharedLayout, MmaSyncPadsRowsAndStacksStages) {
  // 128x64, 2 stages, 4 warps, d = dv = 64: a row is 64 * 2 + 16 = 144
  // bytes, 72 elements.
  SharedLayout l = SharedLayout::get(Tiling{128, 64, 2, 4}, problem(64, 64),
                                     KernelKind::MmaSync);
  EXPECT_EQ(l.format, SharedTileFormat::Padded);
  EXPECT_EQ(l.alignment, 128);
  // Q: 128 rows * 144 = 18432 at 0.
  EXPECT_EQ(l.q.offset, 0);
  EXPECT_EQ(l.q.count, 1);
  EXPECT_EQ(l.q.bufferBytes, 18432);
  EXPECT_EQ(l.q.rowPitch, 72);
  // K: two stages of 64 * 144 = 9216 from 18432.
  EXPECT_EQ(l.k.offset, 18432);
  EXPECT_EQ(l.k.count, 2);
  EXPECT_EQ(l.k.bufferBytes, 9216);
  EXPECT_EQ(l.k.bufferOffset(1), 27648);
  EXPECT_EQ(l.k.rows, 64);
  EXPECT_EQ(l.k.rowPitch, 72);
  // V: two stages after K's, 18432 + 2 * 9216 = 36864; ends at 55296.
  EXPECT_EQ(l.v.offset, 36864);
  EXPECT_EQ(l.v.bufferOffset(1), 46080);
  EXPECT_EQ(l.v.end(), 55296);
  EXPECT_EQ(l.mask.count + l.scores.count + l.accumulator.count +
                l.rowVectors.count,
            0);
  EXPECT_EQ(l.baseSlackBytes, 0);
  EXPECT_EQ(l.staticBytes, 0);
  EXPECT_EQ(l.dynamicBytes(), 55296);
  EXPECT_EQ(l.totalBytes(), 55296);
}

TEST(SharedLayout, MmaSyncRoundsEveryBufferTo128Bytes) {
  // 16x16, 3 stages, 1 warp, d = 5, dv = 3: rows of 5 * 2 + 16 = 26 and
  // 3 * 2 + 16 = 22 bytes; Q and each K stage 16 * 26 = 416 -> 512, each V
  // stage 16 * 22 = 352 -> 384.
  SharedLayout l = SharedLayout::get(Tiling{16, 16, 3, 1}, problem(5, 3),
                                     KernelKind::MmaSync);
  EXPECT_EQ(l.q.bufferBytes, 512);
  EXPECT_EQ(l.q.rowPitch, 5 + 8);
  EXPECT_EQ(l.k.offset, 512);
  EXPECT_EQ(l.k.bufferBytes, 512);
  EXPECT_EQ(l.v.offset, 512 + 3 * 512);
  EXPECT_EQ(l.v.bufferBytes, 384);
  EXPECT_EQ(l.v.rowPitch, 3 + 8);
  EXPECT_EQ(l.totalBytes(), 512 + 3 * (512 + 384));
}

TEST(SharedLayout, WgmmaSwizzlesAndKeepsBarriersStatic) {
  // 128x128, 2 stages, 8 warps, d = dv = 128: Q 128 * 128 * 2 = 32768, each
  // K and V stage 32768.
  SharedLayout l = SharedLayout::get(Tiling{128, 128, 2, 8}, problem(128, 128),
                                     KernelKind::Wgmma);
  EXPECT_EQ(l.format, SharedTileFormat::Swizzled128B);
  EXPECT_EQ(l.alignment, 1024);
  EXPECT_EQ(l.q.offset, 0);
  EXPECT_EQ(l.q.bufferBytes, 32768);
  // One swizzle row: 64 two-byte elements.
  EXPECT_EQ(l.q.rowPitch, 64);
  EXPECT_EQ(l.k.offset, 32768);
  EXPECT_EQ(l.k.bufferOffset(1), 65536);
  EXPECT_EQ(l.v.offset, 98304);
  EXPECT_EQ(l.v.bufferOffset(1), 131072);
  EXPECT_EQ(l.regionBytes(), 163840);
  // 1 KiB to round the base up to a swizzle atom; 5 mbarriers of 8 bytes in
  // 16-byte units: 48.
  EXPECT_EQ(l.baseSlackBytes, 1024);
  EXPECT_EQ(l.dynamicBytes(), 164864);
  EXPECT_EQ(l.staticBytes, 48);
  EXPECT_EQ(l.totalBytes(), 164912);
}

TEST(SharedLayout, WgmmaCompactedWalkListsAfterTheTiles) {
  // The forward's compacted walk (D100): at Nk = 8192 with 128-key blocks,
  // 64 i32 entries and 3 counts, 268 bytes, one 1 KiB swizzle atom after
  // the V tiles; no tile moves. Nk = 1000: ceil(1000 / 128) = 8 entries.
  AttentionProblem p = problem(128, 128);
  p.seqLenKV = 8192;
  Tiling t{128, 128, 2, 8};
  SharedLayout dense = SharedLayout::get(t, p, KernelKind::Wgmma);
  SharedLayout l =
      SharedLayout::get(t, p, KernelKind::Wgmma, /*compactedWalk=*/true);
  EXPECT_EQ(forwardWalkListEntries(t, p), 64);
  EXPECT_EQ(l.list.offset, 163840);
  EXPECT_EQ(l.list.rows, 64 + 3);
  EXPECT_EQ(l.list.elementBytes, 4);
  EXPECT_EQ(l.list.bufferBytes, 1024);
  EXPECT_EQ(l.v.offset, dense.v.offset);
  EXPECT_EQ(l.totalBytes(), dense.totalBytes() + 1024);
  EXPECT_EQ(dense.list.count, 0);
  p.seqLenKV = 1000;
  EXPECT_EQ(forwardWalkListEntries(t, p), 8);
  // 300 entries: 303 * 4 = 1212 bytes, two atoms.
  p.seqLenKV = 300 * 128;
  EXPECT_EQ(SharedLayout::get(t, p, KernelKind::Wgmma, true).list.bufferBytes,
            2048);
  // mma-sync: 128-byte buffers, 1212 -> 1280 bytes after the padded tiles.
  SharedLayout mma = SharedLayout::get(t, p, KernelKind::MmaSync, true);
  EXPECT_EQ(mma.list.bufferBytes, 1280);
  EXPECT_EQ(mma.list.offset, mma.v.end());
  EXPECT_EQ(mma.totalBytes(),
            SharedLayout::get(t, p, KernelKind::MmaSync).totalBytes() + 1280);
}

TEST(SharedLayout, WgmmaRoundsBuffersToSwizzleAtoms) {
  // 64x16, 1 stage, 4 warps, d = 72, dv = 40 (no wgmma head dims, but the
  // layout is defined): rows of whole 64-column blocks (D48), d -> 128 and
  // dv -> 64 columns: Q 64 * 128 * 2 = 16384 = 16 atoms, K 16 * 128 * 2 =
  // 4096, V 16 * 64 * 2 = 2048; 3 mbarriers -> 32 bytes.
  SharedLayout l = SharedLayout::get(Tiling{64, 16, 1, 4}, problem(72, 40),
                                     KernelKind::Wgmma);
  EXPECT_EQ(l.q.bufferBytes, 16384);
  EXPECT_EQ(l.k.offset, 16384);
  EXPECT_EQ(l.k.bufferBytes, 4096);
  EXPECT_EQ(l.v.offset, 20480);
  EXPECT_EQ(l.v.bufferBytes, 2048);
  EXPECT_EQ(l.staticBytes, 32);
  EXPECT_EQ(l.totalBytes(), 1024 + 16384 + 4096 + 2048 + 32);
  // 8 rows of 64 columns (one 1 KiB atom): the atom rounding alone.
  SharedLayout atom = SharedLayout::get(Tiling{64, 8, 1, 4}, problem(64, 64),
                                        KernelKind::Wgmma);
  EXPECT_EQ(atom.k.bufferBytes, 1024);
}

TEST(SharedLayout, SimtBuffersByHand) {
  // 64x64, 4 warps, d = dv = 64, no mask: Q, K, V 64 * 64 * 2 = 8192 each,
  // S and the accumulator 64 * 64 * 4 = 16384 each, four row vectors of
  // 64 * 4 = 256.
  SharedLayout l = SharedLayout::get(Tiling{64, 64, 1, 4}, problem(64, 64),
                                     KernelKind::Simt);
  EXPECT_EQ(l.format, SharedTileFormat::Dense);
  EXPECT_EQ(l.k.offset, 8192);
  EXPECT_EQ(l.v.offset, 16384);
  EXPECT_EQ(l.mask.count, 0);
  EXPECT_EQ(l.mask.bytes(), 0);
  EXPECT_EQ(l.scores.offset, 24576);
  EXPECT_EQ(l.scores.rowPitch, 64);
  EXPECT_EQ(l.scores.elementBytes, 4);
  EXPECT_EQ(l.accumulator.offset, 40960);
  EXPECT_EQ(l.rowVectors.offset, 57344);
  EXPECT_EQ(l.rowVectors.count, 4);
  EXPECT_EQ(l.rowVectors.bufferBytes, 256);
  EXPECT_EQ(l.rowVectors.bufferOffset(3), 57344 + 768);
  EXPECT_EQ(l.totalBytes(), 58368);

  // An i1 mask broadcast over the rows: one row of 64 bytes -> 128, between
  // V and S; `stages` does not change the SIMT kernel.
  AttentionProblem masked = problem(64, 64);
  masked.maskElementBytes = 1;
  masked.maskBroadcastsRows = true;
  SharedLayout m =
      SharedLayout::get(Tiling{64, 64, 3, 4}, masked, KernelKind::Simt);
  EXPECT_EQ(m.mask.offset, 24576);
  EXPECT_EQ(m.mask.rows, 1);
  EXPECT_EQ(m.mask.bufferBytes, 128);
  EXPECT_EQ(m.scores.offset, 24704);
  EXPECT_EQ(m.k.count, 1);
  EXPECT_EQ(m.totalBytes(), 58368 + 128);
}

TEST(SharedLayout, TensorCoreIsDense) {
  // 128x64, 3 stages, d = 128, dv = 64: Q 32768, K 16384, V 8192.
  SharedLayout l = SharedLayout::get(Tiling{128, 64, 3, 8}, problem(128, 64),
                                     KernelKind::TensorCore);
  EXPECT_EQ(l.q.rowPitch, 128);
  EXPECT_EQ(l.k.offset, 32768);
  EXPECT_EQ(l.v.offset, 32768 + 3 * 16384);
  EXPECT_EQ(l.v.rowPitch, 64);
  EXPECT_EQ(l.totalBytes(), 32768 + 3 * (16384 + 8192));
}

/// The offsets convert-fa-to-nvgpu computes today for the tilings it
/// generates: mma-sync, Q [block_q, d + 8] then K [stages, block_kv, d + 8]
/// then V, in bytes; wgmma, element offsets block_q * d, + slot * block_kv *
/// d for K, + stages * block_kv * d + slot * block_kv * dv for V.
TEST(SharedLayout, MatchesTheGeneratorsOffsets) {
  const std::pair<int64_t, int64_t> headDims[] = {
      {64, 64}, {128, 128}, {128, 64}, {256, 192}};
  for (auto [d, dv] : headDims) {
    for (int64_t stages = 1; stages <= 4; ++stages) {
      Tiling mma{128, 64, stages, 4};
      SharedLayout m =
          SharedLayout::get(mma, problem(d, dv), KernelKind::MmaSync);
      EXPECT_EQ(m.q.rowPitch, d + 8);
      EXPECT_EQ(m.v.rowPitch, dv + 8);
      EXPECT_EQ(m.k.offset, 128 * (d + 8) * 2);
      EXPECT_EQ(m.v.offset, 128 * (d + 8) * 2 + stages * 64 * (d + 8) * 2);

      Tiling wg{128, 96, stages, 8};
      SharedLayout w = SharedLayout::get(wg, problem(d, dv), KernelKind::Wgmma);
      for (int64_t slot = 0; slot < stages; ++slot) {
        EXPECT_EQ(w.k.bufferOffset(slot), 2 * (128 * d + slot * 96 * d));
        EXPECT_EQ(w.v.bufferOffset(slot),
                  2 * (128 * d + stages * 96 * d + slot * 96 * dv));
      }
      // The launch's dynamic shared memory: the total less the mbarriers.
      EXPECT_EQ(w.dynamicBytes(),
                sramBytes(wg, problem(d, dv), KernelKind::Wgmma) -
                    wgmmaBarrierBytes(stages));
    }
  }
}

TEST(SharedLayout, WgmmaBarrierIndices) {
  // K/V loaded together, slots freed by a barrier: 2 full, Q's; 24 bytes in
  // ptxas's 16-byte units.
  WgmmaBarriers plain{2, /*separateV=*/false, /*empties=*/false};
  EXPECT_EQ(plain.q(), 2);
  EXPECT_EQ(plain.count(), 3);
  EXPECT_EQ(plain.bytes(), 32);
  // With empty mbarriers: 3 .. 4; what the cost model counts.
  WgmmaBarriers empties{2, /*separateV=*/false, /*empties=*/true};
  EXPECT_EQ(empties.emptyBase(), 3);
  EXPECT_EQ(empties.count(), 5);
  EXPECT_EQ(empties.bytes(), 48);
  EXPECT_EQ(wgmmaBarrierBytes(2), 48);
  // The overlapped producer step: K full 0 .. 1, Q 2, V full 3 .. 4, K
  // empty 5 .. 6, V empty 7 .. 8: 72 bytes, 80 allocated.
  WgmmaBarriers overlap{2, /*separateV=*/true, /*empties=*/true};
  EXPECT_EQ(overlap.q(), 2);
  EXPECT_EQ(overlap.vFullBase(), 3);
  EXPECT_EQ(overlap.fullCount(), 5);
  EXPECT_EQ(overlap.emptyBase(), 5);
  EXPECT_EQ(overlap.vEmptyBase(), 7);
  EXPECT_EQ(overlap.count(), 9);
  EXPECT_EQ(overlap.bytes(), 80);
}

TEST(SharedLayout, SwizzledColumnBlocks) {
  // wgmma, d = 128, dv = 64: a K buffer is two 64-column blocks of 96 rows
  // of 128 bytes (96 * 64 elements apart), V one block.
  SharedLayout w =
      SharedLayout::get(Tiling{128, 96, 2, 8}, problem(128, 64),
                        KernelKind::Wgmma);
  EXPECT_EQ(w.k.rowPitch, 64);
  EXPECT_EQ(w.k.pitchedElements(), 96 * 64);
  EXPECT_EQ(w.k.bufferBytes, 2 * w.k.pitchedElements() * 2);
  EXPECT_EQ(w.v.bufferBytes, w.v.pitchedElements() * 2);
  EXPECT_EQ(w.q.pitchedElements(), 128 * 64);
  // d = 96, dv = 80: rows rounded up to two 64-column blocks (the second
  // partly used, D48); the same buffers as d = 128.
  SharedLayout odd = SharedLayout::get(Tiling{128, 96, 2, 8}, problem(96, 80),
                                       KernelKind::Wgmma);
  EXPECT_EQ(wgmmaPaddedColumns(96, 2), 128);
  EXPECT_EQ(wgmmaPaddedColumns(80, 2), 128);
  EXPECT_EQ(wgmmaPaddedColumns(128, 2), 128);
  EXPECT_EQ(wgmmaPaddedColumns(16, 2), 64);
  EXPECT_EQ(odd.k.rowPitch, 64);
  EXPECT_EQ(odd.k.bufferBytes, w.k.bufferBytes);
  EXPECT_EQ(odd.v.bufferBytes, 2 * w.v.bufferBytes);
  EXPECT_EQ(odd.q.bufferBytes, 128 * 128 * 2);
  // mma-sync: the padded rows of a buffer, which needs no alignment of its
  // own (the generator's views assume it).
  SharedLayout m =
      SharedLayout::get(Tiling{64, 32, 3, 4}, problem(64, 64),
                        KernelKind::MmaSync);
  EXPECT_EQ(m.k.pitchedElements(), 32 * 72);
  EXPECT_EQ(m.k.bufferBytes, m.k.pitchedElements() * 2);
}

//===----------------------------------------------------------------------===//
// The total against the formula
//===----------------------------------------------------------------------===//

TEST(SharedLayout, TotalIsTheFormulaForEveryKindAndTiling) {
  const KernelKind kinds[] = {KernelKind::Simt, KernelKind::MmaSync,
                              KernelKind::Wgmma, KernelKind::TensorCore};
  int64_t checked = 0;
  for (KernelKind kind : kinds) {
    for (int64_t d : {16, 40, 64, 72, 96, 128, 192, 256}) {
      for (int64_t dv : {d, d / 2 + 8}) {
        for (int64_t e : {2, 4}) {
          for (int64_t mask : {0, 1, 2}) {
            AttentionProblem p = problem(d, dv, e);
            p.maskElementBytes = mask;
            p.maskBroadcastsCols = mask == 1;
            for (int64_t bq : {16, 48, 64, 128, 192, 256}) {
              for (int64_t bkv = 16; bkv <= 256; bkv += 48) {
                for (int64_t stages = 1; stages <= 4; ++stages) {
                  Tiling t{bq, bkv, stages, 4};
                  SharedLayout l = SharedLayout::get(t, p, kind);
                  ASSERT_EQ(l.totalBytes(), formulaBytes(t, p, kind))
                      << stringifyKernelKind(kind).str() << " " << t.str()
                      << " d = " << d << " dv = " << dv << " e = " << e;
                  ASSERT_EQ(sramBytes(t, p, kind), l.totalBytes());
                  ++checked;
                }
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 8 * 2 * 2 * 3 * 6 * 6 * 4);
}

TEST(SharedLayout, RegionsAreAlignedAndFollowEachOther) {
  for (KernelKind kind : {KernelKind::Simt, KernelKind::MmaSync,
                          KernelKind::Wgmma, KernelKind::TensorCore}) {
    for (int64_t d : {24, 64, 104, 128}) {
      AttentionProblem p = problem(d, d);
      p.maskElementBytes = 2;
      for (Tiling t : {Tiling{64, 48, 2, 4}, Tiling{192, 80, 3, 12}}) {
        for (bool walk : {false, true}) {
          SharedLayout l = SharedLayout::get(t, p, kind, walk);
          int64_t end = 0;
          // Each present region starts where the one before ends.
          for (const SharedRegion &r : regions(l)) {
            if (r.count == 0)
              continue;
            EXPECT_EQ(r.offset, end) << t.str();
            EXPECT_EQ(r.offset % l.alignment, 0) << t.str();
            EXPECT_EQ(r.bufferBytes % l.alignment, 0) << t.str();
            end = r.end();
          }
          EXPECT_EQ(l.regionBytes(), end);
          EXPECT_EQ(l.totalBytes(),
                    l.baseSlackBytes + l.regionBytes() + l.staticBytes);
          // The compacted walk's list is the generated tensor-core
          // kernels' only.
          bool listed = walk && (kind == KernelKind::Wgmma ||
                                 kind == KernelKind::MmaSync);
          EXPECT_EQ(l.list.count, listed ? 1 : 0);
        }
      }
    }
  }
}

} // namespace
