// REQUIRES: ptxas
// fa-compile on the mma.sync backward with deterministic (dq = ordered), a
// sliding window and a runtime block mask (docs/Backward.md, "Deterministic
// dQ"): the manifest lists the third scratch buffer (the i32 semaphores,
// one per batch, query head and q-block) that the preprocess and main
// kernels take, the PTX holds the semaphore's relaxed loads, the release
// (fence.acq_rel.gpu, red.relaxed.gpu) and the acquire fence, and ptxas
// assembles every kernel without spills for sm_90a and sm_80, D = 128 and
// 64. Causal GQA (4 query heads on 2 K/V heads), N = 1000 (partial
// blocks), a 200-key window, a [1, 4, 16, 16] block mask of 64 x 64 blocks.
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/h100 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: %python %S/Inputs/check_manifest.py %t/h100.json %t/h100.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: %python %S/Inputs/summarize_manifest.py %t/h100.json | FileCheck %s
// RUN: FileCheck %s --check-prefix=PTX < %t/h100.ptx
// RUN: FileCheck %s --check-prefix=LOG < %t/h100.ptxas.log
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/a100.ptxas.log
// RUN: sed 's/x128xbf16/x64xbf16/g' %s > %t/d64.mlir
// RUN: fa-compile %t/d64.mlir -o %t/d64 --pipeline-options="target=h100 kernel=mma-sync"
// RUN: FileCheck %s --check-prefix=LOG < %t/d64.ptxas.log

// XCHECK: OK 3 kernels
// CHECK: kernel attention_grad_kernel grid [{{[0-9]+}}, 4, 2] {{.*}} buffers {{.*}}tmp2
// CHECK: kernel attention_grad_kernel_0 grid [{{[0-9]+}}, 2, 2] {{.*}} buffers {{.*}}arg6{{.*}}tmp2
// CHECK: kernel attention_grad_kernel_1
// CHECK: scratch tmp0 f32 [2, 4, 1000]
// CHECK: scratch tmp1 f32 [2, 4, 1000, 128]
// CHECK: scratch tmp2 i32 [2, 4, {{[0-9]+}}]
// PTX-LABEL: .entry attention_grad_kernel_0
// The previous step's release, this step's early read, the spin's acquire
// fence before the barrier that precedes the dQ adds:
// PTX: fence.acq_rel.gpu;
// PTX-NEXT: red.relaxed.gpu.global.add.s32
// PTX: ld.relaxed.gpu.global.b32
// PTX: ld.relaxed.gpu.global.b32
// PTX: fence.acq_rel.gpu;
// PTX-NEXT: // end inline asm
// PTX: bar.sync
// PTX: atom.global.add.f32
// LOG-COUNT-3: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// LOG-NOT: bytes spill

func.func @attention_grad(%q: tensor<2x4x1000x128xbf16>, %k: tensor<2x2x1000x128xbf16>, %v: tensor<2x2x1000x128xbf16>, %o: tensor<2x4x1000x128xbf16>, %do: tensor<2x4x1000x128xbf16>, %lse: tensor<2x4x1000xf32>, %bm: tensor<1x4x16x16xi8>, %dq: tensor<2x4x1000x128xbf16>, %dk: tensor<2x2x1000x128xbf16>, %dv: tensor<2x2x1000x128xbf16>) -> (tensor<2x4x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x4x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x4x1000x128xbf16>, tensor<2x4x1000x128xbf16>, tensor<2x4x1000xf32>)
      block_mask(%bm : tensor<1x4x16x16xi8>)
      outs(%dq, %dk, %dv : tensor<2x4x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>)
      {causal, deterministic, window = #fa.window<left = 200, right = 0>, block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>}
      -> tensor<2x4x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<2x4x1000x128xbf16>, tensor<2x2x1000x128xbf16>, tensor<2x2x1000x128xbf16>
}
