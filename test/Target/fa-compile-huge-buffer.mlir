// RUN: not fa-compile %s -o %t/huge --pipeline-options=target=h100 --ptxas=none 2>&1 | FileCheck %s

// A buffer of 2^62 + 2^31 f32 elements: its byte count wrapped to 8589934592
// in the manifest (issue 27, item 3; found on the naive path's score matrix
// at Nq = 2^31, Nk = 2^31 + 1, whose launches fa-check-launch-limits now
// refuses first). The manifest multiplies in checked arithmetic.
// CHECK: error: manifest buffer arg0 of type 'memref<2147483648x2147483649xf32>' has more than 2^63 - 1 bytes
// CHECK-NOT: "bytes"
func.func @negative_huge_buffer(%a: memref<2147483648x2147483649xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%p = %c1, %q = %c1, %r = %c1) {
    %c0 = arith.constant 0 : index
    %v = memref.load %a[%c0, %c0] : memref<2147483648x2147483649xf32>
    memref.store %v, %a[%c1, %c0] : memref<2147483648x2147483649xf32>
    gpu.terminator
  }
  return
}
