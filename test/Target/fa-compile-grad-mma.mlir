// fa-compile on an fa.attention_grad with kernel=mma-sync (docs/Backward.md,
// "On the GPU: the mma.sync kernels"): fa-select-tiling picks the
// tensor-core backward's tiling (block_q 32, block_kv 128, 2 stages, 8
// warps at D = 64 and N = 100), convert-fa-to-nvgpu builds its three kernels in launch order
// (D and the zeroed dQ accumulator, the K/V-stationary main kernel, the dQ
// conversion) with the two f32 scratch buffers, and the manifest is
// cross-checked against the PTX's entries. Causal GQA (4 query heads on 2
// K/V heads), N = 100 (a partial block).
// RUN: rm -rf %t && fa-compile %s -o %t/grad --pipeline-options="target=h100 kernel=mma-sync" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/grad.json %t/grad.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: %python %S/Inputs/summarize_manifest.py %t/grad.json | FileCheck %s
// RUN: FileCheck %s --check-prefix=PTX < %t/grad.ptx
// The same kernels for sm_80 (the A100).
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100 kernel=mma-sync" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/a100.json %t/a100.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: FileCheck %s --check-prefix=PTX < %t/a100.ptx
// The pipeline's kernel=auto takes the mma.sync backward on sm_80 (its
// build at D = Dv = 64 has passed its GPU check, kAutoBackwardRules): the
// same PTX as kernel=mma-sync (on sm_90a it takes the wgmma one,
// fa-compile-grad-wgmma.mlir). kernel=simt builds its own three kernels,
// without a bias gradient, and their own parameters.
// RUN: fa-compile %s -o %t/auto --pipeline-options="target=a100" --ptxas=none
// RUN: cmp %t/auto.ptx %t/a100.ptx
// RUN: fa-compile %s -o %t/simt --pipeline-options="target=h100 kernel=simt" --ptxas=none
// RUN: %python %S/Inputs/check_manifest.py %t/simt.json %t/simt.ptx | FileCheck %s --check-prefix=SIMT

// XCHECK: OK 3 kernels
// SIMT: OK 3 kernels, 188 params

// Grids: D and the conversion over (q-blocks of 32 rows, Hq, B), the main
// kernel over (kv-blocks of 128 rows, Hkv, B); shared memory of the main
// kernel: K_j, V_j 128 x 72 x 2 B each, two stages of Q_i, dO_i (32 x 72 x
// 2 B each) and of lse_i, D_i (128 B each), dS^T 128 x 40 x 2 B.
// CHECK: kernel attention_grad_kernel grid [4, 4, 1] block [256, 1, 1] smem 0 buffers arg4 arg3 tmp0 tmp1
// CHECK-NEXT: kernel attention_grad_kernel_0 grid [1, 2, 1] block [256, 1, 1] smem 66048 buffers arg1 arg2 arg0 arg4 arg5 tmp0 tmp1 arg7 arg8
// CHECK-NEXT: kernel attention_grad_kernel_1 grid [4, 4, 1] block [256, 1, 1] smem 0 buffers tmp1 arg6
// CHECK-NEXT: scratch tmp0 f32 [1, 4, 100] 1600
// CHECK-NEXT: scratch tmp1 f32 [1, 4, 100, 64] 102400
// CHECK-NEXT: results arg6 arg7 arg8

// The preprocess kernel (D105): dO and O by 16-byte loads, the butterfly
// among a row's four lanes, the accumulator zeroed by 16-byte stores; no
// 2-byte loads or 4-byte stores of the accumulator.
// PTX-LABEL: .entry attention_grad_kernel(
// PTX-NOT: mma.sync
// PTX-NOT: ld.global.b16
// PTX-DAG: ld.global.v4.b32
// PTX-DAG: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// PTX-DAG: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// PTX-DAG: st.global.v4.b32 [%rd{{[0-9]+}}], {0f00000000, 0f00000000, 0f00000000, 0f00000000};
// PTX-NOT: ld.global.b16
// PTX-LABEL: .entry attention_grad_kernel_0(
// PTX-DAG: cp.async.cg.shared.global
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-DAG: ex2.approx.ftz.f32
// PTX-DAG: atom.global.add.f32
// PTX-DAG: cp.async.ca.shared.global [{{.*}}], [{{.*}}], 4, {{.*}};
// PTX-DAG: st.shared.b32
// The convert kernel: the accumulator by 16-byte loads, dQ by 8-byte
// stores of four rounded elements.
// PTX-LABEL: .entry attention_grad_kernel_1(
// PTX-NOT: mma.sync
// PTX-NOT: st.global.b16
// PTX-DAG: ld.global.v4.b32
// PTX-DAG: cvt.rn.bf16x2.f32
// PTX-DAG: st.global.v2.b32
// PTX-NOT: st.global.b16

func.func @attention_grad(%q: tensor<1x4x100x64xbf16>, %k: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x64xbf16>, %o: tensor<1x4x100x64xbf16>, %do: tensor<1x4x100x64xbf16>, %lse: tensor<1x4x100xf32>, %dq: tensor<1x4x100x64xbf16>, %dk: tensor<1x2x100x64xbf16>, %dv: tensor<1x2x100x64xbf16>) -> (tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>)
         {causal} -> tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>
}
