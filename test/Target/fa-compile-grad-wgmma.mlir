// fa-compile on an fa.attention_grad with kernel=wgmma (docs/Backward.md,
// "On the GPU: the wgmma kernels"): fa-select-tiling keeps the tiling
// written on the op (block_q 64, block_kv 128, 8 warps; at D = 64 the model
// picks block_q 128 since D108) with the
// TMA ring of two Q_i/dO_i buffers (stages 2, D61),
// convert-fa-to-nvgpu builds its three kernels in launch order (D and the
// zeroed dQ accumulator, the K/V-stationary wgmma main kernel, the dQ
// conversion) with the two f32 scratch buffers, and the manifest is
// cross-checked against the PTX's entries. Causal GQA (4 query heads on 2
// K/V heads), N = 100 (a partial block); the group looped over
// (backward-gqa=loop: auto would split this small grid, D122).
// RUN: rm -rf %t && fa-compile %s -o %t/grad --pipeline-options="target=h100 kernel=wgmma backward-gqa=loop" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/grad.json %t/grad.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: %python %S/Inputs/summarize_manifest.py %t/grad.json | FileCheck %s
// RUN: FileCheck %s --check-prefix=PTX < %t/grad.ptx
// The wgmma backward needs sm_90a: for the A100 fa-select-tiling says so.
// RUN: not fa-compile %s -o %t/a100 --pipeline-options="target=a100 kernel=wgmma" --ptxas=none 2>&1 | FileCheck %s --check-prefix=A100
// A100: error: 'fa.attention_grad' op cannot use the wgmma backward kernel: the target (sm_80) has no wgmma (needs sm_90a)
// The pipeline's kernel=auto takes the wgmma backward on sm_90a (its build
// has passed its GPU check, kAutoBackwardRules) with the model's pick, the
// TMA ring: the same PTX as kernel=wgmma; stages = 1 on the op gives the
// one-buffer kernel instead.
// RUN: fa-compile %s -o %t/auto --pipeline-options="target=h100 backward-gqa=loop" --ptxas=none
// RUN: cmp %t/auto.ptx %t/grad.ptx
// RUN: sed 's/stages = 2, warps = 8>}/stages = 1, warps = 8>}/' %s > %t/one.mlir
// RUN: fa-compile %t/one.mlir -o %t/one --pipeline-options="target=h100 kernel=wgmma backward-gqa=loop" --ptxas=none
// RUN: not cmp -s %t/one.ptx %t/grad.ptx

// XCHECK: OK 3 kernels

// Grids: D and the conversion over (q-blocks of 64 rows, Hq, B), the main
// kernel over (kv-blocks of 128 rows, Hkv, B); shared memory of the main
// kernel: K_j, V_j 128 x 64 x 2 B each, two buffers of Q_i, dO_i 64 x 64
// x 2 B each, dS^T 128 x 64 x 2 B, two buffers of the lse and D rows
// (2 x 64 x 4 B each, in a 1024 B region), the warps' dQ tiles (8 x 16
// rows of 32 f32, 160 B apart: 20480 B), and 1024 B to align the base
// to the swizzle atom. Q and dO reach the kernel as tensor maps over the
// same buffers (arg0, arg4).
// CHECK: kernel attention_grad_kernel grid [2, 4, 1] block [256, 1, 1] smem 0 buffers arg4 arg3 tmp0 tmp1
// CHECK-NEXT: kernel attention_grad_kernel_0 grid [1, 2, 1] block [256, 1, 1] smem 100352 buffers arg1 arg2 arg0 arg4 arg5 tmp0 tmp1 arg7 arg8
// CHECK-NEXT: kernel attention_grad_kernel_1 grid [2, 4, 1] block [256, 1, 1] smem 0 buffers tmp1 arg6
// CHECK-NEXT: scratch tmp0 f32 [1, 4, 100] 1600
// CHECK-NEXT: scratch tmp1 f32 [1, 4, 100, 64] 102400
// CHECK-NEXT: results arg6 arg7 arg8

// The main kernel: K_j and V_j by cp.async into the swizzled tiles, Q_i
// and dO_i by TMA (one 64-column box each, completing on the buffer's
// mbarrier), the lse and D rows by ld.global a step ahead into a register,
// stored to shared memory at the step's top (D125: no cp.async wait in the
// loop); S^T and dP^T with both
// operands in shared memory (no transpose), dV and dK with A from
// registers and B transposed (MN-major), dQ with both transposed; dQ added
// by tensor reductions (a warp's 16 rows x 32 f32, one box) from the warps'
// swizzled tiles through dQacc's tensor map (D79).
// PTX-LABEL: .entry attention_grad_kernel(
// PTX-NOT: wgmma
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX-DAG: .shared .align 8 .b8 __mbarrier[16];
// PTX-DAG: cp.async.cg.shared.global
// PTX-DAG: ld.global.b32 %r{{[0-9]+}}, [%rd{{[0-9]+}}];
// PTX-DAG: st.shared.b32 [%rd{{[0-9]+}}{{.*}}], %r{{[0-9]+}};
// PTX-DAG: mov.b32 %r[[BYTES:[0-9]+]], 16384;
// PTX-DAG: mbarrier.arrive.expect_tx.shared.b64 {{.*}}, [__mbarrier{{.*}}], %r[[BYTES]];
// PTX-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: mbarrier.try_wait.parity.shared.b64
// PTX-DAG: fence.proxy.async.shared::cta
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}, p, 1, 1, 0, 0;
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, p, 1, 1, 1;
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16 {{.*}}, p, 1, 1, 1, 1;
// PTX-DAG: ex2.approx.ftz.f32
// PTX-DAG: cp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group [%rd{{[0-9]+}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}], [%rd{{[0-9]+}}];
// PTX-DAG: cp.async.bulk.wait_group.read 0;
// PTX-DAG: cp.async.bulk.wait_group 0;
// PTX-LABEL: .entry attention_grad_kernel_1(
// PTX-NOT: wgmma

func.func @attention_grad(%q: tensor<1x4x100x64xbf16>, %k: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x64xbf16>, %o: tensor<1x4x100x64xbf16>, %do: tensor<1x4x100x64xbf16>, %lse: tensor<1x4x100xf32>, %dq: tensor<1x4x100x64xbf16>, %dk: tensor<1x2x100x64xbf16>, %dv: tensor<1x2x100x64xbf16>) -> (tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>)
         {causal, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>} -> tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>
}
