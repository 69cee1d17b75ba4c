// RUN: fa-opt %s -split-input-file --convert-fa-to-gpu -verify-diagnostics

// Found by review for docs/Reliability.md: the launch's dynamic shared memory
// size is an i32, and tile buffers of 2^31 bytes or more were truncated into
// it silently (or overflowed the byte count); now they are an error.

func.func @negative_tile_over_i32() {
  scf.forall (%i) in (8) {
    // expected-error @+1 {{tile buffers need more than 2147483647 bytes of shared memory}}
    %t = memref.alloc() : memref<1073741824xf32>
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}

// -----

func.func @negative_tile_bytes_overflow() {
  scf.forall (%i) in (8) {
    // expected-error @+1 {{tile buffers need more than 2147483647 bytes of shared memory}}
    %t = memref.alloc() : memref<4611686018427387904x4xf32>
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}

// -----

func.func @negative_tiles_sum_over_i32() {
  scf.forall (%i) in (8) {
    %a = memref.alloc() : memref<1000000000xi8>
    %b = memref.alloc() : memref<1000000000xi8>
    // expected-error @+1 {{tile buffers need more than 2147483647 bytes of shared memory}}
    %c = memref.alloc() : memref<1000000000xi8>
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}
