// fa-to-ptx-pipeline on fa.attention_grad: the tiling written on the op is
// kept (fa-select-tiling leaves the backward alone), and the four nests
// become four SIMT kernels launched in order.
// RUN: fa-opt %s -split-input-file --fa-to-ptx-pipeline="target=h100" -verify-diagnostics | FileCheck %s
// RUN: fa-opt %s -split-input-file --fa-to-ptx-pipeline="target=h100 kernel=simt" -verify-diagnostics | FileCheck %s

// A problem of one thread block per nest (B = Hq = 1, N <= block_q): each
// one-iteration loop is mapped to GPU blocks, so that the canonicalizer
// keeps it and it becomes a kernel (test/Pipelines/fa-to-ptx-pipeline-one-block.mlir).
// CHECK-LABEL: func.func @one_block
// CHECK: %[[D:.+]] = memref.alloc() {{.+}} : memref<1x1x16xf32>
// CHECK: gpu.launch_func @one_block_kernel::@one_block_kernel blocks
// CHECK-SAME: %[[D]]
// CHECK: gpu.launch_func @one_block_kernel::@one_block_kernel_0 blocks
// CHECK: gpu.launch_func @one_block_kernel::@one_block_kernel_1 blocks
// CHECK-NOT: gpu.launch_func
// CHECK-NOT: linalg.
// CHECK: gpu.binary @one_block_kernel
func.func @one_block(%q: tensor<1x1x16x16xf32>, %l: tensor<1x1x16xf32>,
    %dq: tensor<1x1x16x16xf32>, %dk: tensor<1x1x16x16xf32>, %dv: tensor<1x1x16x16xf32>)
    -> (tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) {
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>,
             tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16xf32>)
         outs(%dq, %dk, %dv : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1>}
         -> tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>
  return %r#0, %r#1, %r#2 : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>
}

// -----

// With a bias gradient the dBias nest of one block has four dimensions:
// linear block ids map it.
// CHECK-LABEL: func.func @one_block_bias
// CHECK-COUNT-4: gpu.launch_func
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @one_block_bias_kernel
func.func @one_block_bias(%q: tensor<1x1x16x16xf32>, %l: tensor<1x1x16xf32>, %bias: tensor<1x1x16x16xf32>,
    %dq: tensor<1x1x16x16xf32>, %dk: tensor<1x1x16x16xf32>, %dv: tensor<1x1x16x16xf32>, %db: tensor<1x1x16x16xf32>)
    -> (tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) {
  %r:4 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>,
             tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16xf32>)
         mask(%bias : tensor<1x1x16x16xf32>)
         outs(%dq, %dk, %dv, %db : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1>}
         -> tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>
}

// -----

// A tiling whose SIMT tiles do not fit the target: fa-select-tiling checks a
// given tiling with simtBackwardSramBytes, the count convert-fa-to-gpu's
// launch gets (convert-fa-to-gpu-grad.mlir), before anything is built. (dK/dV kernel: Q, dO, K, V 128 x 128 bf16 (32768
// each), lse and D (512 each), S and dP 128 x 128 f32 (65536 each), dK_j
// and dV_j 128 x 128 f32 (65536 each): 394240 bytes.)
func.func @too_big(%q: tensor<1x2x4096x128xbf16>, %l: tensor<1x2x4096xf32>,
    %dq: tensor<1x2x4096x128xbf16>, %dk: tensor<1x2x4096x128xbf16>, %dv: tensor<1x2x4096x128xbf16>)
    -> (tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>) {
  // expected-error @+1 {{tiling #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8> does not fit the target (sm_90a): shared memory 394240 B exceeds 232448 B per block (backward kernel=simt)}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>,
             tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>)
         {tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>}
         -> tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>
}

// -----

// Tiles beyond what a launch's i32 shared memory size can say: the same
// check, in 64-bit arithmetic (convert-fa-to-gpu's i32 limit is
// test/Regression/convert-fa-to-gpu-huge-tiles.mlir).
func.func @huge(%q: tensor<1x2x4096x128xbf16>, %l: tensor<1x2x4096xf32>,
    %dq: tensor<1x2x4096x128xbf16>, %dk: tensor<1x2x4096x128xbf16>, %dv: tensor<1x2x4096x128xbf16>)
    -> (tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>) {
  // expected-error @+1 {{shared memory 34494480384 B exceeds 232448 B per block (backward kernel=simt)}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>,
             tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>)
         {tiling = #fa.tiling<block_q = 65536, block_kv = 65536, stages = 1, warps = 8>}
         -> tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>
}

// -----

// CUDA's launch limits (fa-check-launch-limits) hold for each of the
// backward's kernels: a batch of 70000 is grid z of the D, dK/dV and dQ
// kernels, reported on the op.
func.func @grid_z(%q: tensor<70000x2x32x16xf32>, %l: tensor<70000x2x32xf32>,
    %dq: tensor<70000x2x32x16xf32>, %dk: tensor<70000x2x32x16xf32>, %dv: tensor<70000x2x32x16xf32>)
    -> (tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>) {
  // expected-error @+1 {{gpu.launch grid z = 70000 is outside CUDA's limits (1 to 65535)}}
  %r:3 = fa.attention_grad ins(%q, %q, %q, %q, %q, %l : tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>,
             tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32xf32>)
         outs(%dq, %dk, %dv : tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>)
         {tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 1>}
         -> tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>
  return %r#0, %r#1, %r#2 : tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>, tensor<70000x2x32x16xf32>
}
