// A ptxas that exits 0 without writing the cubin (`--ptxas=/bin/true`) is an
// error: the manifest would name a cubin that does not exist, and a cubin
// left by an earlier run would pass for this one's (issue 27, item 10).
// RUN: rm -rf %t && mkdir -p %t
// RUN: not fa-compile %s -o %t/k --pipeline-options="target=h100 naive" --ptxas=/bin/true 2>&1 | FileCheck %s
// RUN: not test -e %t/k.json
// RUN: %python -c "open('%t/k.cubin', 'w').write('stale')"
// RUN: not fa-compile %s -o %t/k --pipeline-options="target=h100 naive" --ptxas=/bin/true 2>&1 | FileCheck %s
// RUN: not test -e %t/k.json

// CHECK: fa-compile: error: '/bin/true' exited 0 but wrote no {{.*}}k.cubin
func.func @attention(%q: tensor<1x2x16x16xf32>, %o: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>)
       outs(%o : tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32>
  return %r : tensor<1x2x16x16xf32>
}
