// The tensor-level passes refuse or skip fa.attention on memrefs (found by
// fa-fuzz replaying the FAToNVGPU tests through fa-decompose-attention).
// RUN: fa-opt %s -split-input-file --fa-decompose-attention -verify-diagnostics
// RUN: fa-opt %s -split-input-file --fa-tile-attention=require-tiling=true | FileCheck %s --check-prefix=TILE

// TILE-LABEL: func.func @negative_decompose_buffers
// TILE: fa.attention ins({{.*}} : memref<1x2x64x64xbf16>

func.func @negative_decompose_buffers(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>) {
  // expected-error @below {{on memrefs cannot be decomposed: fa-decompose-attention works on tensors (run it before bufferization)}}
  fa.attention ins(%q, %q, %q : memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>)
       outs(%o : memref<1x2x64x64xbf16>)
  return
}
