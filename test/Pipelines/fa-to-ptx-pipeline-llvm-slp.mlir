// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100" | FileCheck %s --check-prefix=NOSLP
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 llvm-slp=true" | FileCheck %s --check-prefix=SLP
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100" --vectorize-slp=true | FileCheck %s --check-prefix=SLP
// RUN: fa-opt %s --fa-to-ptx-pipeline="target=h100 llvm-slp=true" --vectorize-slp=false | FileCheck %s --check-prefix=NOSLP

// LLVM's SLP vectorizer is off in gpu-module-to-binary unless asked for
// (llvm-slp, or LLVM's own -vectorize-slp on the command line, which wins):
// two f16 products of adjacent elements stay two scalar multiplies without
// it, and become one f16x2 multiply with it (PTX tabs print as \09).
// NOSLP-LABEL: gpu.binary @kernels
// NOSLP-SAME: .visible .entry mul_pairs(
// NOSLP-NOT: mul.rn.f16x2
// NOSLP-COUNT-2: mul.rn.f16 {{\\09}}%rs{{[0-9]+}}, %rs{{[0-9]+}}, %rs{{[0-9]+}};
// NOSLP-NOT: mul.rn.f16x2

// SLP-LABEL: gpu.binary @kernels
// SLP-SAME: .visible .entry mul_pairs(
// SLP-NOT: mul.rn.f16 {{\\09}}
// SLP-SAME: mul.rn.f16x2 {{\\09}}%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}};
// SLP-NOT: mul.rn.f16 {{\\09}}
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @mul_pairs(%a: memref<2xf16>, %b: memref<2xf16>,
                        %c: memref<2xf16>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %a0 = memref.load %a[%c0] : memref<2xf16>
      %a1 = memref.load %a[%c1] : memref<2xf16>
      %b0 = memref.load %b[%c0] : memref<2xf16>
      %b1 = memref.load %b[%c1] : memref<2xf16>
      %p0 = arith.mulf %a0, %b0 : f16
      %p1 = arith.mulf %a1, %b1 : f16
      memref.store %p0, %c[%c0] : memref<2xf16>
      memref.store %p1, %c[%c1] : memref<2xf16>
      gpu.return
    }
  }
}
