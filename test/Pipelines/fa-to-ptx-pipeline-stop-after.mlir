// fa-to-ptx-pipeline{stop-after=STAGE} is the pipeline's passes up to STAGE:
// each stage's output is the same as running those passes one by one
// (spelled out here, the only copy of the pass list outside
// lib/Pipelines/Pipelines.cpp). Python's Kernel.mlir(stage) and its reading
// of the decided schedule use these stages.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 stop-after=target" -o %t/target.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 | diff %t/target.mlir -
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=simt stop-after=selected" -o %t/selected.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=simt | diff %t/selected.mlir -
// RUN: FileCheck %s --check-prefix=SELECTED < %t/selected.mlir
// SELECTED-LABEL: func.func @attention
// SELECTED:       fa.attention
// SELECTED-SAME:    schedule = #fa.schedule<kernel = simt>, tiling = #fa.tiling<
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=simt stop-after=tiled" -o %t/tiled.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=simt --fa-tile-attention="tile-memory-space=0 require-tiling" | diff %t/tiled.mlir -
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 kernel=simt stop-after=bufferized" -o %t/bufferized.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=simt --fa-tile-attention="tile-memory-space=0 require-tiling" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize | diff %t/bufferized.mlir -
//
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 stop-after=gpu" -o %t/gpu.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-select-tiling=kernel=auto --fa-tile-attention="tile-memory-space=0 require-tiling" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --convert-fa-to-gpu --canonicalize --cse --convert-fa-to-nvgpu | diff %t/gpu.mlir -
// RUN: FileCheck %s --check-prefix=GPU < %t/gpu.mlir
// GPU-LABEL: func.func @attention
// GPU:       gpu.launch
// GPU:       nvvm.wgmma.mma_async
// GPU-NOT:   gpu.binary
//
// The naive front end selects and tiles nothing.
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 naive stop-after=tiled" | diff %t/target.mlir -
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 naive stop-after=bufferized" -o %t/naive.mlir
// RUN: fa-opt %s --fa-set-target=target=h100 --fa-decompose-attention --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize | diff %t/naive.mlir -
//
// explain: fa-select-tiling's remarks.
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 stop-after=selected explain" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// EXPLAIN: remark: fa-select-tiling (model): {{.*}} wins
// EXPLAIN: remark: fa-select-tiling: schedule #fa.schedule<kernel = wgmma

func.func @attention(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>,
                     %v: tensor<1x2x128x64xbf16>, %o: tensor<1x2x128x64xbf16>)
    -> tensor<1x2x128x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x128x64xbf16>,
                        tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
       outs(%o : tensor<1x2x128x64xbf16>) {causal} -> tensor<1x2x128x64xbf16>
  return %r : tensor<1x2x128x64xbf16>
}
