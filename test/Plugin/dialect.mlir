// The fa dialect in the stock mlir-opt, through --load-dialect-plugin: the
// round trip and the verifier diagnostics of test/Dialect/FA, checked by
// those tests' own CHECK lines and expected-error annotations.

// RUN: mlir-opt --load-dialect-plugin=%fa_plugin %fa_src_root/test/Dialect/FA/ops.mlir -split-input-file \
// RUN:   | mlir-opt --load-dialect-plugin=%fa_plugin -split-input-file \
// RUN:   | FileCheck %fa_src_root/test/Dialect/FA/ops.mlir
// RUN: mlir-opt --load-dialect-plugin=%fa_plugin %fa_src_root/test/Dialect/FA/invalid.mlir -split-input-file -verify-diagnostics

// Without the plugin, mlir-opt does not know the dialect.
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: error: Dialect `fa' not found for custom op 'fa.attention'

// RUN: mlir-opt --load-dialect-plugin=%fa_plugin %s | FileCheck %s
// CHECK-LABEL: func.func @attention
// CHECK: fa.attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%{{.+}} : tensor<1x4x8x16xf32>) {causal}
func.func @attention(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                     %v: tensor<1x2x8x16xf32>, %o: tensor<1x4x8x16xf32>)
    -> tensor<1x4x8x16xf32> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
       outs(%o : tensor<1x4x8x16xf32>) {causal} -> tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}
