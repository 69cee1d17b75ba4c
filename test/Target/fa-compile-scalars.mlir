// Scalar kernel parameters in the manifest: constants passed to an already
// outlined kernel stay parameters (the pipeline sinks the constants of
// gpu.launch bodies into the kernels, so fa.attention kernels have none).
// RUN: rm -rf %t && fa-compile %s -o %t/sc --pipeline-options="target=h100" --ptxas=none
// RUN: FileCheck %s --check-prefix=JSON < %t/sc.json
// RUN: FileCheck %s --check-prefix=PTX < %t/sc.ptx
// RUN: %python %S/Inputs/check_manifest.py %t/sc.json %t/sc.ptx | FileCheck %s --check-prefix=XCHECK

// JSON:          "params": [
// JSON-NEXT:       {
// JSON-NEXT:         "bits": 1069547520,
// JSON-NEXT:         "type": "f32",
// JSON-NEXT:         "value": "1.5"
// JSON-NEXT:       },
// JSON-NEXT:       {
// JSON-NEXT:         "type": "i1",
// JSON-NEXT:         "value": 1
// JSON-NEXT:       },
// JSON-NEXT:       {
// JSON-NEXT:         "buffer": "arg0",

// PTX: .param .f32 scale_kernel_param_0
// PTX: .param .u8 scale_kernel_param_1

// XCHECK: OK 1 kernels

module attributes {gpu.container_module} {
  gpu.module @scale_kernel {
    gpu.func @scale_kernel(%s: f32, %flag: i1, %x: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %x[%i] : memref<4xf32>
      %m = arith.mulf %v, %s : f32
      %r = arith.select %flag, %m, %v : f32
      memref.store %r, %x[%i] : memref<4xf32>
      gpu.return
    }
  }
  func.func @scale(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %s = arith.constant 1.5 : f32
    %true = arith.constant true
    gpu.launch_func @scale_kernel::@scale_kernel blocks in (%c1, %c1, %c1)
        threads in (%c4, %c1, %c1) args(%s : f32, %true : i1, %x : memref<4xf32>)
    return
  }
}
