// fa-tile-attention leaves an op whose schedule names a tensor-core kernel
// alone, also with require-tiling: convert-fa-to-nvgpu builds its kernel
// from the bufferized op. The same op with the simt kernel is tiled.
// RUN: fa-opt %s -split-input-file --fa-tile-attention=require-tiling=true | FileCheck %s

// CHECK-LABEL: func.func @wgmma_left_alone
// CHECK:         fa.attention
// CHECK-SAME:      schedule = #fa.schedule<kernel = wgmma, loads = tma>
// CHECK-NOT:     scf.forall
func.func @wgmma_left_alone(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {schedule = #fa.schedule<kernel = wgmma, loads = tma>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// CHECK-LABEL: func.func @mma_sync_without_tiling_left_alone
// CHECK:         fa.attention
// CHECK-NOT:     scf.forall
func.func @mma_sync_without_tiling_left_alone(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {schedule = #fa.schedule<kernel = mma_sync>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}

// -----

// CHECK-LABEL: func.func @simt_tiled
// CHECK:         scf.forall
// CHECK-NOT:     fa.attention
func.func @simt_tiled(%q: tensor<1x2x256x64xbf16>, %o: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
       outs(%o : tensor<1x2x256x64xbf16>)
       {schedule = #fa.schedule<kernel = simt>,
        tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 1, warps = 4>} -> tensor<1x2x256x64xbf16>
  return %r : tensor<1x2x256x64xbf16>
}
