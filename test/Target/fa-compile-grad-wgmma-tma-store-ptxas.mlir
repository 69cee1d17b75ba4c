// REQUIRES: ptxas
// The wgmma backward's TMA-store epilogue (`backward-epilogue=tma-store`,
// D107; docs/Backward.md, "The TMA-store epilogue") assembled by ptxas for
// sm_90a through fa-compile's pipeline option, on the ring at D = 64, 80,
// 96 and 128, bf16 and f16, dense and causal, ordered dQ, a window and dK
// in flight: the main kernel (attention_grad_kernel_0) spills nothing and
// ptxas serializes none of its wgmmas. N = 1000 (rows past Nk, which TMA
// drops), GQA 4/2 (dK and dV of the 2 K/V heads).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: FileCheck %s --check-prefix=STORE < %t/d128.ptx
// RUN: sed 's/x64xbf16/x128xf16/g' %s > %t/d128f16.mlir
// RUN: fa-compile %t/d128f16.mlir -o %t/d128f16 --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128f16.ptxas.log
// D = 80 (its second box clipped past D) and D = 96, causal:
// RUN: sed 's/x64xbf16/x80xbf16/g' %s > %t/d80.mlir
// RUN: fa-compile %t/d80.mlir -o %t/d80 --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d80.ptxas.log
// RUN: sed 's/{}/{causal}/; s/x64xbf16/x96xbf16/g' %s > %t/d96c.mlir
// RUN: fa-compile %t/d96c.mlir -o %t/d96c --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d96c.ptxas.log
// Causal:
// RUN: sed 's/{}/{causal}/' %s > %t/d64c.mlir
// RUN: fa-compile %t/d64c.mlir -o %t/d64c --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64c.ptxas.log
// RUN: sed 's/{}/{causal}/; s/x64xbf16/x128xbf16/g' %s > %t/d128c.mlir
// RUN: fa-compile %t/d128c.mlir -o %t/d128c --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128c.ptxas.log
// Ordered dQ (deterministic), causal, D = 128:
// RUN: sed 's/{}/{causal, deterministic}/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdet.mlir
// RUN: fa-compile %t/d128cdet.mlir -o %t/d128cdet --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdet.ptxas.log
// A sliding window at D = 128:
// RUN: sed 's/{}/{window = #fa.window<left = 200, right = 17>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128w.mlir
// RUN: fa-compile %t/d128w.mlir -o %t/d128w --pipeline-options="target=h200 kernel=wgmma backward-epilogue=tma-store"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128w.ptxas.log
// dK in flight (D101) with it, a written schedule, causal, D = 128:
// RUN: sed 's/{}/{causal, schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk, epilogue = tma_store>}/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdk.mlir
// RUN: fa-compile %t/d128cdk.mlir -o %t/d128cdk --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdk.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// The main kernel at D = 128: no 2-byte global store is left; the lane's 64
// pairs go to shared memory (4 bytes each, the last at V_j's second block)
// and four tensor stores leave (dK's two 64-column blocks of the warp's
// rows, then dV's, 16 KiB apart), one bulk group, waited for until read.
// STORE-LABEL: .entry attention_grad_kernel_0(
// STORE-NOT: st.global.b16
// STORE: st.shared.b32 {{.*}}+49152], %r{{[0-9]+}};
// STORE: fence.proxy.async.shared::cta;
// STORE-NEXT: bar.warp.sync
// STORE: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [[[DKMAP:%rd[0-9]+]], {{.*}}], [[[SRC:%rd[0-9]+]]];
// STORE: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [[[DKMAP]], {{.*}}], [[[SRC]]+16384];
// STORE-NEXT: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [[[DVMAP:%rd[0-9]+]], {{.*}}], [[[SRC]]+32768];
// STORE-NEXT: cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [[[DVMAP]], {{.*}}], [[[SRC]]+49152];
// STORE-NEXT: cp.async.bulk.commit_group;
// STORE-NEXT: cp.async.bulk.wait_group.read {{[[:space:]]*}}0;
// STORE-NOT: st.global.b16
// STORE-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
