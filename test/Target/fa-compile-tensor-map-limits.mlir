// fa-compile refuses a TMA tensor map that cuTensorMapEncodeTiled cannot
// encode (a byte stride of 2^40 or more, a dimension above 2^32, ...): it
// wrote such maps into the manifest, and every launch failed in the
// runtime's encode (issue 27, session 10). The wgmma backward's tensor map
// over its f32 dQ accumulator (D79) at Nq = 2^31 - 1, D = 128 and two heads
// has a batch stride of 2^41 - 1024 bytes; with one head, 2^40 - 512.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -n '/^func.func @grad/,/^}/p' %s > %t/grad.mlir
// RUN: not fa-compile %t/grad.mlir -o %t/two --pipeline-options="target=h100 kernel=wgmma" --ptxas=none 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: error: tensor map over manifest buffer tmp1 of type 'memref<1x2x2147483647x128xf32>' cannot be encoded by cuTensorMapEncodeTiled: strides[0] = 549755813632 elements of 4 bytes is not below 2^40 bytes
// RUN: sed 's/1x2x/1x1x/g' %t/grad.mlir > %t/one.mlir
// RUN: fa-compile %t/one.mlir -o %t/one --pipeline-options="target=h100 kernel=wgmma" --ptxas=none
// RUN: %python %S/Inputs/summarize_manifest.py %t/one.json | FileCheck %s --check-prefix=ONE
// ONE: scratch tmp1 f32 [1, 1, 2147483647, 128] 1099511627264
// The forward's maps over Q, K, V alike: Q of four heads in bf16.
// RUN: sed -n '/^func.func @forward/,/^}/p' %s > %t/forward.mlir
// RUN: not fa-compile %t/forward.mlir -o %t/forward --pipeline-options="target=h100 kernel=wgmma" --ptxas=none 2>&1 | FileCheck %s --check-prefix=FORWARD
// FORWARD: error: tensor map over manifest buffer arg0 of type 'memref<1x4x2147483647x128xbf16>' cannot be encoded by cuTensorMapEncodeTiled: strides[0] = 1099511627264 elements of 2 bytes is not below 2^40 bytes
// RUN: sed 's/1x4x/1x2x/g' %t/forward.mlir > %t/forward-two.mlir
// RUN: fa-compile %t/forward-two.mlir -o %t/forward-two --pipeline-options="target=h100 kernel=wgmma" --ptxas=none

func.func @grad(%q: tensor<1x2x2147483647x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>, %o: tensor<1x2x2147483647x128xbf16>, %do: tensor<1x2x2147483647x128xbf16>, %lse: tensor<1x2x2147483647xf32>, %dq: tensor<1x2x2147483647x128xbf16>, %dk: tensor<1x2x128x128xbf16>, %dv: tensor<1x2x128x128xbf16>)
    -> (tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>,
      tensor<1x2x128x128xbf16>, tensor<1x2x2147483647x128xbf16>, tensor<1x2x2147483647x128xbf16>, tensor<1x2x2147483647xf32>)
      outs(%dq, %dk, %dv : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>)
      -> tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x2147483647x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>
}

func.func @forward(%q: tensor<1x4x2147483647x128xbf16>, %k: tensor<1x4x128x128xbf16>, %o: tensor<1x4x2147483647x128xbf16>) -> tensor<1x4x2147483647x128xbf16> {
  %r = fa.attention ins(%q, %k, %k : tensor<1x4x2147483647x128xbf16>, tensor<1x4x128x128xbf16>, tensor<1x4x128x128xbf16>)
      outs(%o : tensor<1x4x2147483647x128xbf16>) -> tensor<1x4x2147483647x128xbf16>
  return %r : tensor<1x4x2147483647x128xbf16>
}
