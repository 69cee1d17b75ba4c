// RUN: fa-opt %s --split-input-file --fa-merge-gpu-modules --verify-diagnostics | FileCheck %s

// Two outlined kernels with the same name land in one module; the second
// takes its old module's name and its launch follows.
// CHECK-LABEL: func.func @two_kernels
// CHECK: gpu.launch_func @f_kernel::@f_kernel
// CHECK: gpu.launch_func @f_kernel::@f_kernel_0
// CHECK: gpu.module @f_kernel {
// CHECK:   gpu.func @f_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK:   gpu.func @f_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @two_kernels(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @f_kernel {
    gpu.func @f_kernel(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A helper function that clashes is renamed together with its calls.
// CHECK-LABEL: func.func @helper_clash
// CHECK: gpu.launch_func @a::@ka
// CHECK: gpu.launch_func @a::@kb
// CHECK: gpu.module @a {
// CHECK:   func.func @helper()
// CHECK:   gpu.func @ka() kernel
// CHECK:     call @helper()
// CHECK:   func.func @b()
// CHECK:   gpu.func @kb() kernel
// CHECK:     call @b()
module attributes {gpu.container_module} {
  func.func @helper_clash() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @a::@ka blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @b::@kb blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.module @a {
    func.func @helper() { return }
    gpu.func @ka() kernel {
      func.call @helper() : () -> ()
      gpu.return
    }
  }
  gpu.module @b {
    func.func @helper() { return }
    gpu.func @kb() kernel {
      func.call @helper() : () -> ()
      gpu.return
    }
  }
}

// -----

// A single module is left alone.
// CHECK-LABEL: gpu.module @only
module attributes {gpu.container_module} {
  gpu.module @only {
    gpu.func @k() kernel { gpu.return }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @negative_sm80 [#nvvm.target<chip = "sm_80">] {
    gpu.func @k() kernel { gpu.return }
  }
  // expected-error @below {{cannot merge gpu.module @negative_sm90 into @negative_sm80: their targets differ}}
  gpu.module @negative_sm90 [#nvvm.target<chip = "sm_90">] {
    gpu.func @k() kernel { gpu.return }
  }
}
