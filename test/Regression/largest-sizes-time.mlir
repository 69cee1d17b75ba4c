// RUN: timeout 60 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling --fa-check-sram-budget --fa-tile-attention \
// RUN:   | FileCheck %s --check-prefix=TILE
// RUN: timeout 60 fa-opt %s -split-input-file --fa-set-target=target=h100 \
// RUN:   --fa-select-tiling=kernel=auto \
// RUN:   | FileCheck %s --check-prefix=AUTO
// RUN: timeout 60 fa-opt %s -split-input-file --fa-decompose-attention \
// RUN:   | FileCheck %s --check-prefix=DECOMPOSE
// RUN: timeout 60 fa-opt %s -split-input-file \
// RUN:   --fa-to-ptx-pipeline="target=h100 stop-after=gpu" \
// RUN:   | FileCheck %s --check-prefix=GPU
// RUN: timeout 60 fa-opt %s -split-input-file \
// RUN:   --fa-to-ptx-pipeline="target=a100 kernel=simt stop-after=gpu" \
// RUN:   | FileCheck %s --check-prefix=GPU

// The time bound of every pass on the largest legal sizes
// (docs/Reliability.md, "Time bounds"): `timeout` fails a run that takes a
// minute; each takes well under a second (a few in the sanitizer build).
// fa-select-tiling took over 120 s at Nq = 2^31 - 1 (issue 27, item 10)
// and hours at B * Hkv = 2^24: its L2 estimate looped over every q-block
// and every K/V head of the grid.

// The longest query sequence, one head.
// TILE-LABEL: func.func @longest_query
// TILE: scf.forall
// AUTO-LABEL: func.func @longest_query
// AUTO: tiling = #fa.tiling<
// DECOMPOSE-LABEL: func.func @longest_query
// DECOMPOSE-NOT: fa.attention
// GPU-LABEL: func.func @longest_query
// GPU: gpu.launch
func.func @longest_query(%q: tensor<1x1x2147483647x64xbf16>, %k: tensor<1x1x1024x64xbf16>,
    %v: tensor<1x1x1024x64xbf16>, %o: tensor<1x1x2147483647x64xbf16>) -> tensor<1x1x2147483647x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>,
      tensor<1x1x1024x64xbf16>) outs(%o : tensor<1x1x2147483647x64xbf16>) {causal}
      -> tensor<1x1x2147483647x64xbf16>
  return %r : tensor<1x1x2147483647x64xbf16>
}

// -----

// The longest key sequence.
// TILE-LABEL: func.func @longest_keys
// TILE: scf.forall
// AUTO-LABEL: func.func @longest_keys
// AUTO: tiling = #fa.tiling<
// DECOMPOSE-LABEL: func.func @longest_keys
// DECOMPOSE-NOT: fa.attention
// GPU-LABEL: func.func @longest_keys
// GPU: gpu.launch
func.func @longest_keys(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x2147483647x64xf16>,
    %v: tensor<1x1x2147483647x64xf16>, %o: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x1024x64xf16>, tensor<1x1x2147483647x64xf16>,
      tensor<1x1x2147483647x64xf16>) outs(%o : tensor<1x1x1024x64xf16>) {causal}
      -> tensor<1x1x1024x64xf16>
  return %r : tensor<1x1x1024x64xf16>
}

// -----

// The largest grid: 2^24 batches of 1024 query heads sharing one K/V head
// (2^34 thread blocks; fa-check-launch-limits refuses to launch it later).
// TILE-LABEL: func.func @largest_grid
// TILE: scf.forall
// AUTO-LABEL: func.func @largest_grid
// AUTO: tiling = #fa.tiling<
// DECOMPOSE-LABEL: func.func @largest_grid
// DECOMPOSE-NOT: fa.attention
// GPU-LABEL: func.func @largest_grid
// GPU: gpu.launch
func.func @largest_grid(%q: tensor<16777216x1024x1x16xbf16>, %k: tensor<16777216x1x1x16xbf16>,
    %v: tensor<16777216x1x1x16xbf16>, %o: tensor<16777216x1024x1x16xbf16>) -> tensor<16777216x1024x1x16xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<16777216x1024x1x16xbf16>, tensor<16777216x1x1x16xbf16>,
      tensor<16777216x1x1x16xbf16>) outs(%o : tensor<16777216x1024x1x16xbf16>)
      -> tensor<16777216x1024x1x16xbf16>
  return %r : tensor<16777216x1024x1x16xbf16>
}
