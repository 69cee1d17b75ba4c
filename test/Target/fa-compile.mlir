// fa-compile writes the PTX and a manifest that describes every launch; the
// manifest is cross-checked against the PTX's entry signatures.
// RUN: rm -rf %t && fa-compile %s -o %t/h100 --pipeline-options="target=h100 naive" --ptxas=none
// RUN: FileCheck %s --check-prefix=PTX90 < %t/h100.ptx
// RUN: FileCheck %s --check-prefix=JSON < %t/h100.json
// RUN: %python %S/Inputs/check_manifest.py %t/h100.json %t/h100.ptx | FileCheck %s --check-prefix=XCHECK
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100 naive" --ptxas=none
// RUN: FileCheck %s --check-prefix=PTX80 < %t/a100.ptx
// RUN: %python %S/Inputs/check_manifest.py %t/a100.json %t/a100.ptx | FileCheck %s --check-prefix=XCHECK

// PTX90: .version 8.0
// PTX90: .target sm_90a
// PTX90: .address_size 64
// PTX90: .visible .entry attention_kernel(
// PTX90: .visible .entry attention_kernel_9(

// PTX80: .version 7.0
// PTX80: .target sm_80
// PTX80: .visible .entry attention_kernel(

// XCHECK: OK 11 kernels

// JSON:      "arch": "sm_90a",
// JSON:      "arguments": [
// JSON:          "dtype": "f16",
// JSON-NEXT:     "index": 0,
// JSON-NEXT:     "name": "arg0",
// JSON-NEXT:     "shape": [
// JSON-NEXT:       2,
// JSON-NEXT:       4,
// JSON-NEXT:       33,
// JSON-NEXT:       32
// JSON:      "files": {
// JSON-NEXT:   "ptx": "h100.ptx"
// JSON-NEXT: },
// JSON-NEXT: "format": "fa-kernel-manifest",
// JSON-NEXT: "function": "attention",
// The first kernel zero-fills S: S's descriptor (the f32 zero is sunk into
// the kernel; test/Target/fa-compile-scalars.mlir covers scalar params).
// JSON:      "kernels": [
// JSON:          "name": "attention_kernel",
// JSON-NEXT:     "params": [
// JSON-NEXT:       {
// JSON-NEXT:         "buffer": "tmp0",
// JSON-NEXT:         "rank": 4,
// JSON-NEXT:         "type": "ptr"
// JSON:          "name": "attention_kernel_9",
// JSON:      "results": [
// JSON-NEXT:   "arg3"
// JSON-NEXT: ],
// JSON-NEXT: "scratch": [
// JSON:          "bytes": 34848,
// JSON-NEXT:     "dtype": "f32",
// JSON-NEXT:     "name": "tmp0",
// JSON-NEXT:     "shape": [
// JSON-NEXT:       2,
// JSON-NEXT:       4,
// JSON-NEXT:       33,
// JSON-NEXT:       33
// JSON:      "version": 1
func.func @attention(%q: tensor<2x4x33x32xf16>, %k: tensor<2x2x33x32xf16>,
                     %v: tensor<2x2x33x32xf16>, %o: tensor<2x4x33x32xf16>)
    -> tensor<2x4x33x32xf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x4x33x32xf16>,
                        tensor<2x2x33x32xf16>, tensor<2x2x33x32xf16>)
       outs(%o : tensor<2x4x33x32xf16>) {causal} -> tensor<2x4x33x32xf16>
  return %r : tensor<2x4x33x32xf16>
}
