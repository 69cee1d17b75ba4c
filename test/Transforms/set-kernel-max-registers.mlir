// RUN: fa-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(fa-set-kernel-max-registers))" --verify-diagnostics | FileCheck %s

// A kernel with setmaxnreg gets the register count each of its threads
// starts with: 65536 / 384 threads = 170, rounded down to 168. Kernels
// without setmaxnreg, and one that already says, are left alone.
// CHECK-LABEL: gpu.module @m
// CHECK:       gpu.func @producer() kernel attributes {{{.*}}nvvm.maxnreg = 168 : i32
// CHECK:       gpu.func @plain() kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
// CHECK:       gpu.func @given() kernel attributes {{{.*}}nvvm.maxnreg = 128 : i32
// CHECK:       gpu.func @two_dims() kernel attributes {{{.*}}nvvm.maxnreg = 256 : i32
gpu.module @m {
  gpu.func @producer() kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
    nvvm.setmaxregister increase 240
    gpu.return
  }
  gpu.func @plain() kernel attributes {known_block_size = array<i32: 384, 1, 1>} {
    gpu.return
  }
  gpu.func @given() kernel attributes {known_block_size = array<i32: 384, 1, 1>, nvvm.maxnreg = 128 : i32} {
    nvvm.setmaxregister increase 240
    gpu.return
  }
  gpu.func @two_dims() kernel attributes {known_block_size = array<i32: 128, 2, 1>} {
    nvvm.setmaxregister decrease 24
    gpu.return
  }
}

// -----

gpu.module @m {
  // expected-error @+1 {{fa-set-kernel-max-registers: kernel @unknown uses setmaxnreg but has no known_block_size}}
  gpu.func @unknown() kernel {
    nvvm.setmaxregister increase 240
    gpu.return
  }
}

// -----

// The resident blocks a kernel's #fa.schedule decided (min_blocks, D118), on
// its shared memory, become its nvvm.minctasm (.minnctapersm); a kernel that
// already says keeps its own.
// CHECK-LABEL: gpu.module @blocks
// CHECK:       gpu.func @one() kernel attributes {known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 1 : i32}
// CHECK:         gpu.dynamic_shared_memory : memref
// CHECK:       gpu.func @given() kernel attributes {known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 2 : i32}
// CHECK-NOT:     fa.min_blocks_per_sm
gpu.module @blocks {
  gpu.func @one() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %0 = gpu.dynamic_shared_memory {fa.min_blocks_per_sm = 1 : i32} : memref<?xi8, #gpu.address_space<workgroup>>
    gpu.return
  }
  gpu.func @given() kernel attributes {known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 2 : i32} {
    %0 = gpu.dynamic_shared_memory {fa.min_blocks_per_sm = 1 : i32} : memref<?xi8, #gpu.address_space<workgroup>>
    gpu.return
  }
}
