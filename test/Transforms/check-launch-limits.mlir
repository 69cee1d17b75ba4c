// RUN: fa-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(fa-check-launch-limits))' --verify-diagnostics

// CUDA cannot launch these (issue 27, item 6: B = 65536 or Hq = 65536
// compiled to a gridDim.z or .y of 65536, and the wgmma producer kernel of
// 32 warps to a block of 1152 threads); fa-to-ptx-pipeline refuses them
// before its GPU tail compiles them.

func.func @limits_ok(%n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %c65535 = arith.constant 65535 : index
  %cmax = arith.constant 2147483647 : index
  // The largest launch CUDA takes; a dynamic size is the runtime's to check.
  gpu.launch blocks(%bx, %by, %bz) in (%x = %cmax, %y = %c65535, %z = %c65535)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1024, %c = %c1) {
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %n, %y = %n, %z = %n)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c64) {
    gpu.terminator
  }
  return
}

// -----

func.func @negative_grid_y() {
  %c1 = arith.constant 1 : index
  %c65536 = arith.constant 65536 : index
  // expected-error @below {{gpu.launch grid y = 65536 is outside CUDA's limits (1 to 65535)}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c65536, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c1) {
    gpu.terminator
  }
  return
}

// -----

func.func @negative_grid_x() {
  %c1 = arith.constant 1 : index
  %c2p31 = arith.constant 2147483648 : index
  // expected-error @below {{gpu.launch grid x = 2147483648 is outside CUDA's limits (1 to 2147483647)}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c2p31, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c1) {
    gpu.terminator
  }
  return
}

// -----

func.func @negative_empty_grid() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @below {{gpu.launch grid z = 0 is outside CUDA's limits (1 to 65535)}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c0)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c1) {
    gpu.terminator
  }
  return
}

// -----

func.func @negative_block_z() {
  %c1 = arith.constant 1 : index
  %c65 = arith.constant 65 : index
  // expected-error @below {{gpu.launch block z = 65 is outside CUDA's limits (1 to 64)}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c65) {
    gpu.terminator
  }
  return
}

// -----

func.func @negative_block_threads() {
  %c1 = arith.constant 1 : index
  %c1152 = arith.constant 1152 : index
  %c2 = arith.constant 2 : index
  %c576 = arith.constant 576 : index
  // expected-error @below {{gpu.launch block x = 1152 is outside CUDA's limits (1 to 1024)}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c1152, %b = %c1, %c = %c1) {
    gpu.terminator
  }
  // expected-error @below {{gpu.launch block has 1152 threads; CUDA allows at most 1024}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c576, %b = %c2, %c = %c1) {
    gpu.terminator
  }
  return
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k() kernel {
      gpu.return
    }
  }
  func.func @negative_launch_func() {
    %c1 = arith.constant 1 : index
    %c65536 = arith.constant 65536 : index
    // expected-error @below {{gpu.launch_func grid z = 65536 is outside CUDA's limits (1 to 65535)}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c65536) threads in (%c1, %c1, %c1)
    return
  }
}
