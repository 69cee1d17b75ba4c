// fa-lower-tensormap-args: kernel arguments of type !nvgpu.tensormap.descriptor
// become !llvm.ptr (a pointer to the encoded map in global memory); the
// casts convert-nvgpu-to-nvvm left on them then fold away. Other arguments
// and functions are untouched.
// RUN: fa-opt %s --pass-pipeline='builtin.module(gpu.module(convert-nvgpu-to-nvvm,fa-lower-tensormap-args))' | FileCheck %s
// RUN: not fa-opt %s --pass-pipeline='builtin.module(gpu.module(fa-lower-tensormap-args))' 2>&1 | FileCheck %s --check-prefix=EARLY
// RUN: fa-opt %s --pass-pipeline='builtin.module(gpu.module(convert-nvgpu-to-nvvm,fa-lower-tensormap-args,convert-gpu-to-nvvm,reconcile-unrealized-casts))' | FileCheck %s --check-prefix=LOWERED

!map = !nvgpu.tensormap.descriptor<tensor = memref<1x1x64x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>

// CHECK-LABEL: gpu.func @kernel
// CHECK-SAME:    (%{{.*}}: !llvm.ptr, %{{.*}}: memref<4xf32>, %{{.*}}: !llvm.ptr) kernel
// CHECK:         builtin.unrealized_conversion_cast %{{.*}} : !llvm.ptr to !llvm.ptr
// CHECK:         nvvm.prefetch tensormap
// CHECK-LABEL: gpu.func @plain
// CHECK-SAME:    (%{{.*}}: memref<4xf32>) kernel
// CHECK-LABEL: gpu.func @attributed
// CHECK-SAME:    (%{{.*}}: !llvm.ptr) workgroup(%{{.*}} : memref<2xi32, #gpu.address_space<workgroup>>) kernel
// EARLY: error: fa-lower-tensormap-args: tensor map argument 0 of @kernel is still used by 'nvgpu.tma.prefetch.descriptor'; run convert-nvgpu-to-nvvm first
// LOWERED-LABEL: llvm.func @kernel
// LOWERED-SAME:    (%[[MAP:[a-z0-9]+]]: !llvm.ptr,
// LOWERED:         nvvm.prefetch tensormap, %[[MAP]] : !llvm.ptr
gpu.module @kernels {
  gpu.func @kernel(%a: !map, %b: memref<4xf32>, %c: !map) kernel {
    nvgpu.tma.prefetch.descriptor %a : !map
    nvgpu.tma.prefetch.descriptor %c : !map
    gpu.return
  }
  gpu.func @plain(%b: memref<4xf32>) kernel {
    gpu.return
  }
  // A workgroup attribution follows the arguments in the entry block but is
  // not part of the function type.
  gpu.func @attributed(%a: !map) workgroup(%w: memref<2xi32, #gpu.address_space<workgroup>>) kernel {
    nvgpu.tma.prefetch.descriptor %a : !map
    gpu.return
  }
}
