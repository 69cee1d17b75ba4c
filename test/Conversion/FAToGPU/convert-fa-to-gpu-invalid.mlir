// RUN: fa-opt %s -split-input-file --convert-fa-to-gpu -verify-diagnostics

func.func @negative_not_bufferized(%o: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{expected the bufferized tiled form (scf.forall without shared_outs); run one-shot bufferization before convert-fa-to-gpu}}
  %r = scf.forall (%i) in (8) shared_outs(%s = %o) -> tensor<8xf32> {
    scf.forall.in_parallel {
    }
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return %r : tensor<8xf32>
}

// -----

func.func @negative_dynamic_tile(%n: index) {
  scf.forall (%i) in (8) {
    // expected-error @+1 {{tile buffer must have a static shape and identity layout to live in shared memory, got 'memref<?xf32>'}}
    %t = memref.alloc(%n) : memref<?xf32>
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}

// -----

func.func @negative_step(%o: memref<8xf32>) {
  // expected-error @+1 {{expected a thread-block loop of step 1}}
  scf.forall (%i) = (0) to (8) step (2) {
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}
