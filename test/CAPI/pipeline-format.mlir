// The C API refuses a bad fa-to-ptx-pipeline format: failure and an error,
// not a gpu.binary that does not parse back (issue 27, item 5).
// RUN: not fa-capi-test 'builtin.module(fa-to-ptx-pipeline{target=h100 format=bogus})' < %s 2>&1 | FileCheck %s

// CHECK: for the --format option: Cannot find option named 'bogus'!
// CHECK: error: invalid pass pipeline 'builtin.module(fa-to-ptx-pipeline{target=h100 format=bogus})': failed to add `fa-to-ptx-pipeline` with options `target=h100 format=bogus`
// CHECK-NOT: gpu.binary

func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
       outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  return %r : tensor<1x2x16x16xf32>
}
