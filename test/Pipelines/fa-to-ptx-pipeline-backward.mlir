// fa-to-ptx-pipeline on an fa.attention_grad, through its CPU stages: the
// backward's decision (stop-after=selected) is fa-select-tiling's with the
// pipeline's kernel (simt here: its tiled form is the one the CPU stages
// show), and the tiled form (stop-after=tiled) is fa-tile-attention's four
// nests of that tiling, each stage equal to running its passes one by one.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 kernel=simt stop-after=selected" -o %t/selected.mlir
// RUN: fa-opt %s --fa-set-target=target=a100 --fa-select-tiling=kernel=simt | diff %t/selected.mlir -
// RUN: FileCheck %s --check-prefix=SELECTED < %t/selected.mlir
// SELECTED-LABEL: func.func @grad
// SELECTED:       fa.attention_grad
// SELECTED-SAME:    fa.predicted_sram = {{[0-9]+}} : i64, schedule = #fa.backward_schedule<kernel = simt>, tiling = #fa.tiling<
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 kernel=simt stop-after=tiled" -o %t/tiled.mlir
// RUN: fa-opt %s --fa-set-target=target=a100 --fa-select-tiling=kernel=simt --fa-tile-attention="tile-memory-space=0 require-tiling" | diff %t/tiled.mlir -
// RUN: FileCheck %s --check-prefix=TILED < %t/tiled.mlir
// TILED-LABEL: func.func @grad
// TILED-NOT:   fa.attention_grad
// TILED-COUNT-4: scf.forall
// TILED-NOT:   fa.attention_grad
// TILED:       return
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 kernel=simt stop-after=bufferized" | FileCheck %s --check-prefix=BUF
// BUF-LABEL: func.func @grad
// BUF-NOT:   tensor<
// BUF:       return
//
// The tensor-core backward kernels take the bias (D72), by name and by
// kernel=auto (the pipeline's default): wgmma on sm_90a (D = 64), mma.sync
// on sm_80.
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=wgmma stop-after=selected" | FileCheck %s --check-prefix=WGMMA
// WGMMA: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=mma-sync stop-after=selected" | FileCheck %s --check-prefix=MMA
// MMA: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 stop-after=selected" | FileCheck %s --check-prefix=AUTO
// AUTO: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, epilogue = tma_store, dq_reduce = warpgroup>
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=a100 stop-after=selected" | FileCheck %s --check-prefix=AUTO-A100
// AUTO-A100: schedule = #fa.backward_schedule<kernel = mma_sync, dq = atomic>

func.func @grad(%q: tensor<1x4x100x64xbf16>, %k: tensor<1x2x70x64xbf16>, %v: tensor<1x2x70x64xbf16>, %o: tensor<1x4x100x64xbf16>, %do: tensor<1x4x100x64xbf16>, %l: tensor<1x4x100xf32>, %b: tensor<1x1x1x70xbf16>, %dq0: tensor<1x4x100x64xbf16>, %dk0: tensor<1x2x70x64xbf16>, %dv0: tensor<1x2x70x64xbf16>, %db0: tensor<1x1x1x70xbf16>) -> (tensor<1x4x100x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x1x1x70xbf16>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x4x100x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100x64xbf16>, tensor<1x4x100xf32>) mask(%b : tensor<1x1x1x70xbf16>)
      outs(%dq0, %dk0, %dv0, %db0 : tensor<1x4x100x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x1x1x70xbf16>) {causal}
      -> tensor<1x4x100x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x1x1x70xbf16>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x100x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x1x1x70xbf16>
}
