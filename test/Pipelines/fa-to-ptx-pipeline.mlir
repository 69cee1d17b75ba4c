// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline="target=h100 naive" | FileCheck %s --check-prefix=SM90
// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline="target=a100 naive" | FileCheck %s --check-prefix=SM80
// RUN: fa-opt %s --split-input-file --fa-to-ptx-pipeline="target=h100 arch=sm_90 opt-level=2" | FileCheck %s --check-prefix=TAIL

// The naive variant: one kernel per linalg op of the reference decomposition,
// all in one gpu.binary holding PTX for the target.
// SM90-LABEL: func.func @attention
// SM90-SAME: (%{{.*}}: memref<1x2x17x64xbf16>, %{{.*}}: memref<1x2x17x64xbf16>, %{{.*}}: memref<1x2x17x64xbf16>, %[[O:.*]]: memref<1x2x17x64xbf16>)
// SM90-COUNT-6: memref.alloc() {{.*}} : memref<1x2x17x{{(17x|64x)?}}f32>
// SM90: gpu.launch_func @attention_kernel::@attention_kernel_9
// SM90: return %[[O]]
// SM90: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// SM90-SAME: assembly = "
// SM90-SAME: .version 8.0\0A.target sm_90a\0A.address_size 64
// SM90-SAME: .visible .entry attention_kernel(
// SM90-SAME: .visible .entry attention_kernel_9(

// SM80-LABEL: func.func @attention
// SM80: gpu.binary @attention_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// SM80-SAME: .version 7.0\0A.target sm_80\0A
// SM80-SAME: .visible .entry attention_kernel(
func.func @attention(%q: tensor<1x2x17x64xbf16>, %k: tensor<1x2x17x64xbf16>,
                     %v: tensor<1x2x17x64xbf16>, %o: tensor<1x2x17x64xbf16>)
    -> tensor<1x2x17x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x17x64xbf16>,
                        tensor<1x2x17x64xbf16>, tensor<1x2x17x64xbf16>)
       outs(%o : tensor<1x2x17x64xbf16>) {causal} -> tensor<1x2x17x64xbf16>
  return %r : tensor<1x2x17x64xbf16>
}

// -----

// The GPU tail alone: IR already on the gpu dialect is outlined and
// serialized; arch and opt-level are forwarded.
// TAIL-LABEL: func.func @scale
// TAIL: gpu.launch_func @scale_kernel::@scale_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in
// TAIL: gpu.binary @scale_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx78">, properties = {{{.*}}O = 2 : i32}
// TAIL-SAME: .target sm_90\0A
// TAIL-SAME: .visible .entry scale_kernel(
func.func @scale(%m: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %two = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %x = memref.load %m[%tx] : memref<256xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %m[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}
