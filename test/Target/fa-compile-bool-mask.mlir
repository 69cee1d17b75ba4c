// An i1 keep-mask: the LLVM lowering stores an i1 memref one element per
// byte (loaded as a byte, its low bit kept) and NVPTX passes an i1 scalar
// as `.param .u8`; the manifest describes both as "i1" of 1 byte.
// RUN: rm -rf %t && fa-compile %s -o %t/bool --pipeline-options="target=h100" --ptxas=none
// RUN: FileCheck %s --check-prefix=JSON < %t/bool.json
// RUN: FileCheck %s --check-prefix=PTX < %t/bool.ptx
// RUN: %python %S/Inputs/check_manifest.py %t/bool.json %t/bool.ptx | FileCheck %s --check-prefix=XCHECK

// 1 x 1 x 33 x 47 = 1551 elements, 1551 bytes.
// JSON:      "arguments": [
// JSON:          "bytes": 1551,
// JSON-NEXT:     "dtype": "i1",
// JSON-NEXT:     "index": 3,
// JSON-NEXT:     "name": "arg3",
// JSON-NEXT:     "shape": [
// JSON-NEXT:       1,
// JSON-NEXT:       1,
// JSON-NEXT:       33,
// JSON-NEXT:       47
// JSON-NEXT:     ],
// JSON-NEXT:     "strides": [
// JSON-NEXT:       1551,
// JSON-NEXT:       1551,
// JSON-NEXT:       47,
// JSON-NEXT:       1
// JSON:          "params": [
// JSON:              "buffer": "arg3",

// PTX: ld.global.b8 [[M:%rs[0-9]+]],
// PTX: and.b16 %rs{{[0-9]+}}, [[M]], 1;

// XCHECK: OK 1 kernels

func.func @attention(%q: tensor<1x2x33x64xf16>, %k: tensor<1x2x47x64xf16>,
                     %v: tensor<1x2x47x64xf16>, %m: tensor<1x1x33x47xi1>,
                     %o: tensor<1x2x33x64xf16>) -> tensor<1x2x33x64xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x33x64xf16>,
                        tensor<1x2x47x64xf16>, tensor<1x2x47x64xf16>)
       mask(%m : tensor<1x1x33x47xi1>)
       outs(%o : tensor<1x2x33x64xf16>) -> tensor<1x2x33x64xf16>
  return %r : tensor<1x2x33x64xf16>
}
