// A manifest argument says "caller_strides" exactly when every kernel
// parameter over it reads it through the launch's strides (D128): a tensor
// map of its own shape and strides, which the runtime encodes with the
// caller's, or a memref descriptor whose strides are `stride_of` params.
// The wgmma forward moves Q, K, V and O through tensor maps only; its LSE
// is a descriptor with constant strides. The wgmma backward reads Q through
// a tensor map only; dO also through a descriptor, the others through
// descriptors; at D = 64 (block_q 128) it stores dK and dV through tensor
// maps only (the TMA-store epilogue, auto's pick there since D130), and
// through descriptors with the direct epilogue asked for (GRAD-DIRECT).
// The mma-sync forward (sm_80) reads everything through descriptors.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -n '/^func.func @forward/,/^}/p' %s > %t/forward.mlir
// RUN: fa-compile %t/forward.mlir -o %t/wgmma --pipeline-options="target=h100 kernel=wgmma" --ptxas=none
// RUN: %python %S/Inputs/summarize_manifest.py %t/wgmma.json | FileCheck %s --check-prefix=WGMMA
// RUN: fa-compile %t/forward.mlir -o %t/mma --pipeline-options="target=a100" --ptxas=none
// RUN: %python %S/Inputs/summarize_manifest.py %t/mma.json | FileCheck %s --check-prefix=MMA
// RUN: sed -n '/^func.func @grad/,/^}/p' %s > %t/grad.mlir
// RUN: fa-compile %t/grad.mlir -o %t/grad --pipeline-options="target=h100 kernel=wgmma" --ptxas=none
// RUN: %python %S/Inputs/summarize_manifest.py %t/grad.json | FileCheck %s --check-prefix=GRAD
// RUN: fa-compile %t/grad.mlir -o %t/grad-direct --pipeline-options="target=h100 kernel=wgmma backward-epilogue=direct" --ptxas=none
// RUN: %python %S/Inputs/summarize_manifest.py %t/grad-direct.json | FileCheck %s --check-prefix=GRAD-DIRECT

// WGMMA:      caller strides arg0 arg1 arg2 arg3{{$}}
// MMA:        caller strides{{$}}
// GRAD:       caller strides arg0 arg7 arg8{{$}}
// GRAD-DIRECT: caller strides arg0{{$}}

func.func @forward(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x96x64xbf16>, %v: tensor<1x2x96x64xbf16>, %o: tensor<1x2x128x64xbf16>, %l: tensor<1x2x128xf32>) -> (tensor<1x2x128x64xbf16>, tensor<1x2x128xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<1x2x128x64xbf16>, tensor<1x2x96x64xbf16>, tensor<1x2x96x64xbf16>)
      outs(%o, %l : tensor<1x2x128x64xbf16>, tensor<1x2x128xf32>) -> tensor<1x2x128x64xbf16>, tensor<1x2x128xf32>
  return %r#0, %r#1 : tensor<1x2x128x64xbf16>, tensor<1x2x128xf32>
}

func.func @grad(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>, %o: tensor<1x2x128x64xbf16>, %do: tensor<1x2x128x64xbf16>, %lse: tensor<1x2x128xf32>, %dq: tensor<1x2x128x64xbf16>, %dk: tensor<1x2x128x64xbf16>, %dv: tensor<1x2x128x64xbf16>)
    -> (tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>,
      tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128xf32>)
      outs(%dq, %dk, %dv : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
      -> tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
}
