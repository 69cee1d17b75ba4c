// REQUIRES: ptxas
// The wgmma backward's ring with dK's product in flight across the step's
// end (`in_flight = dk`, D101; docs/Backward.md, "dK in flight") assembled
// by ptxas for sm_90a at D = 64 and 128, dense and causal, f16, ordered dQ
// and a window: the main kernel (attention_grad_kernel_0) spills nothing
// and ptxas serializes none of its wgmmas (it would, were a register of
// the in-flight product touched before its wait). N = 1000, GQA 4/2.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-compile %s -o %t/d64 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64.ptxas.log
// RUN: sed 's/x64xbf16/x128xbf16/g' %s > %t/d128.mlir
// RUN: fa-compile %t/d128.mlir -o %t/d128 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128.ptxas.log
// RUN: sed 's/x64xbf16/x128xf16/g' %s > %t/d128f16.mlir
// RUN: fa-compile %t/d128f16.mlir -o %t/d128f16 --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128f16.ptxas.log
// Causal:
// RUN: sed 's/{schedule/{causal, schedule/' %s > %t/d64c.mlir
// RUN: fa-compile %t/d64c.mlir -o %t/d64c --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64c.ptxas.log
// RUN: sed 's/{schedule/{causal, schedule/; s/x64xbf16/x128xbf16/g' %s > %t/d128c.mlir
// RUN: fa-compile %t/d128c.mlir -o %t/d128c --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128c.ptxas.log
// RUN: FileCheck %s --check-prefix=INFLIGHT < %t/d128c.ptx
// Ordered dQ (deterministic), dense at D = 64, causal at D = 128:
// RUN: sed 's/{schedule/{deterministic, schedule/; s/dq = atomic/dq = ordered/' %s > %t/d64det.mlir
// RUN: fa-compile %t/d64det.mlir -o %t/d64det --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d64det.ptxas.log
// RUN: sed 's/{schedule/{causal, deterministic, schedule/; s/dq = atomic/dq = ordered/; s/x64xbf16/x128xbf16/g' %s > %t/d128cdet.mlir
// RUN: fa-compile %t/d128cdet.mlir -o %t/d128cdet --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128cdet.ptxas.log
// A sliding window at D = 128:
// RUN: sed 's/{schedule/{window = #fa.window<left = 200, right = 17>, schedule/; s/x64xbf16/x128xbf16/g' %s > %t/d128w.mlir
// RUN: fa-compile %t/d128w.mlir -o %t/d128w --pipeline-options="target=h200 kernel=wgmma"
// RUN: FileCheck %s --check-prefix=PTXAS < %t/d128w.ptxas.log

// PTXAS-NOT: wgmma.mma_async instructions are serialized
// PTXAS: Compiling entry function 'attention_grad_kernel_0' for 'sm_90a'
// PTXAS-NEXT: Function properties for attention_grad_kernel_0
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: wgmma.mma_async instructions are serialized

// The PTX at D = 128: step 0's Q_i (two boxes) and dO_i before the loop;
// at a step's top only dO_i's boxes (both tiles' bytes expected); Q_i's
// after dS^T's barrier and the dQ and dK products, before dQ's wait
// (which leaves dK pending); no wait for dK in the step: after the loop
// (in the branch taken where the block has a step) dK's wait, then the
// reductions'.
// INFLIGHT-LABEL: .entry attention_grad_kernel_0(
// INFLIGHT: mbarrier.arrive.expect_tx
// INFLIGHT-COUNT-2: complete_tx::bytes [%{{.*}}], {{\[}}[[QMAP:%rd[0-9]+]], {
// INFLIGHT: complete_tx::bytes [%{{.*}}], {{\[}}[[DOMAP:%rd[0-9]+]], {
// INFLIGHT: bar.sync 0;
// INFLIGHT: mbarrier.arrive.expect_tx
// INFLIGHT-COUNT-2: complete_tx::bytes [%{{.*}}], {{\[}}[[DOMAP]], {
// INFLIGHT-NOT: complete_tx::bytes
// INFLIGHT: mbarrier.try_wait.parity
// INFLIGHT: wgmma.wait_group.sync.aligned 1;
// INFLIGHT: wgmma.wait_group.sync.aligned 0;
// INFLIGHT: bar.sync 0;
// INFLIGHT: wgmma.commit_group.sync.aligned;
// INFLIGHT: wgmma.commit_group.sync.aligned;
// INFLIGHT-NOT: wgmma.wait_group
// INFLIGHT-COUNT-2: complete_tx::bytes [%{{.*}}], {{\[}}[[QMAP]], {
// INFLIGHT-NOT: wgmma.mma_async
// INFLIGHT: wgmma.wait_group.sync.aligned 1;
// INFLIGHT: cp.async.bulk.commit_group;
// INFLIGHT-NOT: wgmma
// INFLIGHT: wgmma.wait_group.sync.aligned 0;
// INFLIGHT-NOT: wgmma
// INFLIGHT: cp.async.bulk.wait_group 0;
// INFLIGHT-LABEL: .entry attention_grad_kernel_1(

func.func @attention_grad(%q: tensor<1x4x1000x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x4x1000x64xbf16>, %do: tensor<1x4x1000x64xbf16>, %lse: tensor<1x4x1000xf32>, %dq: tensor<1x4x1000x64xbf16>, %dk: tensor<1x2x1000x64xbf16>, %dv: tensor<1x2x1000x64xbf16>) -> (tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000x64xbf16>, tensor<1x4x1000xf32>)
         outs(%dq, %dk, %dv : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, in_flight = dk>} -> tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x4x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}
