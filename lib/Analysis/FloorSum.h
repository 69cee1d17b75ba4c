//===- FloorSum.h - sum of floor((a * i + b) / m) in O(log) -----*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The cost models count the blocks a causal mask leaves per row of blocks
// as sums of floors of linear functions; this sums them without a loop over
// the blocks, so that their time does not grow with the sequence lengths
// (docs/Reliability.md, "Time bounds").
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_LIB_ANALYSIS_FLOORSUM_H
#define FLASHATTN_LIB_ANALYSIS_FLOORSUM_H

#include <cstdint>
#include <utility>

namespace mlir::fa::detail {

/// sum_{i=0}^{n-1} floor((a * i + b) / m) for n, a, b >= 0 and m > 0 (the
/// standard floor-sum recursion, O(log) steps; intermediate values in 128
/// bits). The result must fit an int64_t.
inline int64_t floorSum(int64_t n, int64_t m, int64_t a, int64_t b) {
  using Wide = unsigned __int128;
  Wide sum = 0, wn = n, wm = m, wa = a, wb = b;
  while (wn > 0) {
    if (wa >= wm) {
      sum += wn * (wn - 1) / 2 * (wa / wm);
      wa %= wm;
    }
    if (wb >= wm) {
      sum += wn * (wb / wm);
      wb %= wm;
    }
    Wide yMax = wa * wn + wb;
    if (yMax < wm)
      break;
    wn = yMax / wm;
    wb = yMax % wm;
    std::swap(wm, wa);
  }
  return static_cast<int64_t>(sum);
}

} // namespace mlir::fa::detail

#endif // FLASHATTN_LIB_ANALYSIS_FLOORSUM_H
