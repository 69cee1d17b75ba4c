// fa-compile on an fa.attention_grad (with a tiling written on the op): one
// PTX and one manifest with the backward's four SIMT kernels in launch order
// (D, dK/dV, dQ, dBias) and D as a scratch buffer; the manifest is
// cross-checked against the PTX's entries. fa-compile-grad-ptxas.mlir
// assembles the same kernels.
// RUN: rm -rf %t && fa-compile %s -o %t/grad --pipeline-options="target=h100" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/grad.json %t/grad.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: %python %S/Inputs/summarize_manifest.py %t/grad.json | FileCheck %s
// kernel=simt and kernel=auto (the pipeline's default) give the same kernels:
// the backward has only the SIMT kernel.
// RUN: fa-compile %s -o %t/simt --pipeline-options="target=h100 kernel=simt" --ptxas=none
// RUN: cmp %t/grad.ptx %t/simt.ptx
// The same on the A100.
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/a100.json %t/a100.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: FileCheck %s --check-prefix=PTX80 < %t/a100.ptx

// The naive front end: fa-decompose-attention's textbook backward, one
// kernel per linalg op over the full [B, Hq, Nq, Nk] matrices; its GQA
// views of the query-head operands ([B, Hkv, G, N, .], memref.expand_shape
// on the host) are described as the buffers they reshape.
// RUN: fa-compile %s -o %t/naive --pipeline-options="target=h100 naive" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/naive.json %t/naive.ptx | FileCheck %s --check-prefix=NAIVE
// RUN: %python %S/Inputs/summarize_manifest.py %t/naive.json | FileCheck %s --check-prefix=NAIVE-SUMMARY

// XCHECK: OK 4 kernels, 294 params
// NAIVE: OK 21 kernels
// NAIVE-SUMMARY: scratch tmp0
// NAIVE-SUMMARY: results arg7 arg8 arg9 arg10

// Q, K, V, O, dO, lse, bias are arg0..arg6; dQ, dK, dV, dBias arg7..arg10.
// CHECK: kernel attention_grad_kernel grid [4, 4, 2] block [128, 1, 1] smem 0 buffers arg4 arg3 tmp0
// CHECK-NEXT: kernel attention_grad_kernel_0 grid [4, 2, 2] block [128, 1, 1] smem 20736 buffers arg1 arg2 arg0 arg4 arg5 tmp0 arg6 arg8 arg9
// CHECK-NEXT: kernel attention_grad_kernel_1 grid [4, 4, 2] block [128, 1, 1] smem 18688 buffers arg0 arg4 arg5 tmp0 arg1 arg2 arg6 arg7
// CHECK-NEXT: kernel attention_grad_kernel_2 grid [16, 4, 2] block [128, 1, 1] smem 20736 buffers arg0 arg4 arg5 tmp0 arg1 arg2 arg6 arg10
// CHECK-NEXT: scratch tmp0 f32 [2, 4, 100] 3200
// CHECK-NEXT: results arg7 arg8 arg9 arg10

// PTX80: .target sm_80
// PTX80-COUNT-4: .visible .entry attention_grad_kernel

func.func @attention_grad(%q: tensor<2x4x100x16xf16>, %k: tensor<2x2x100x16xf16>,
    %v: tensor<2x2x100x16xf16>, %o: tensor<2x4x100x16xf16>, %do: tensor<2x4x100x16xf16>,
    %l: tensor<2x4x100xf32>, %bias: tensor<2x4x100x100xf32>, %dq: tensor<2x4x100x16xf16>,
    %dk: tensor<2x2x100x16xf16>, %dv: tensor<2x2x100x16xf16>, %db: tensor<2x4x100x100xf32>)
    -> (tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>,
             tensor<2x2x100x16xf16>, tensor<2x4x100x16xf16>, tensor<2x4x100x16xf16>, tensor<2x4x100xf32>)
         mask(%bias : tensor<2x4x100x100xf32>)
         outs(%dq, %dk, %dv, %db : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>)
         {causal, tiling = #fa.tiling<block_q = 32, block_kv = 32, stages = 1, warps = 4>}
         -> tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<2x4x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x2x100x16xf16>, tensor<2x4x100x100xf32>
}
