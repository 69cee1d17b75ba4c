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

// -----

// The backward's tensor-core kernels (mma.sync, wgmma) are built from the
// op by convert-fa-to-nvgpu too.
// CHECK-LABEL: func.func @grad_tensor_core_left_alone
// CHECK:         fa.attention_grad
// CHECK-SAME:      schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>
// CHECK:         fa.attention_grad
// CHECK-SAME:      schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// CHECK-NOT:     scf.forall
func.func @grad_tensor_core_left_alone(%q: tensor<1x1x64x64xbf16>, %l: tensor<1x1x64xf32>)
    -> (tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>,
             tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64xf32>)
         outs(%q, %q, %q : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>,
          tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>}
         -> tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>
  %s:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>,
             tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64xf32>)
         outs(%q, %q, %q : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>)
         {schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>,
          tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>}
         -> tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>
  return %r#0, %s#1 : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>
}
