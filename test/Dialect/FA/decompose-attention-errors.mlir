// RUN: fa-opt %s -split-input-file --fa-decompose-attention -verify-diagnostics
// fa-decompose-attention works on tensors: the buffer form is an error.

func.func @negative_grad_buffers(%q: memref<1x2x16x8xf32>, %k: memref<1x2x32x8xf32>,
    %v: memref<1x2x32x8xf32>, %o: memref<1x2x16x8xf32>, %do: memref<1x2x16x8xf32>,
    %l: memref<1x2x16xf32>, %dq: memref<1x2x16x8xf32>, %dk: memref<1x2x32x8xf32>,
    %dv: memref<1x2x32x8xf32>) {
  // expected-error @+1 {{'fa.attention_grad' op on memrefs cannot be decomposed: fa-decompose-attention works on tensors (run it before bufferization)}}
  fa.attention_grad ins(%q, %k, %v, %o, %do, %l : memref<1x2x16x8xf32>, memref<1x2x32x8xf32>,
      memref<1x2x32x8xf32>, memref<1x2x16x8xf32>, memref<1x2x16x8xf32>, memref<1x2x16xf32>)
      outs(%dq, %dk, %dv : memref<1x2x16x8xf32>, memref<1x2x32x8xf32>, memref<1x2x32x8xf32>)
  return
}
