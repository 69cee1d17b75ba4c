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

// -----

// The packed buffers (32*16*4 = 2048 B and 32*4 = 128 B) disagree with a
// hand-written prediction: the guard against the tiled form and the cost
// model's SIMT formula drifting apart.
func.func @negative_prediction_mismatch(%o: memref<8xf32>) {
  // expected-error @+1 {{thread block packs 2176 bytes of shared memory but the cost model predicted 2048 ('fa.predicted_sram'); the tiled form and the cost model's simt formula disagree}}
  scf.forall (%i) in (8) {
    %t = memref.alloc() : memref<32x16xf32>
    %m = memref.alloc() : memref<32xf32>
  } {fa.predicted_sram = 2048 : i64,
     fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}

// -----

// 2176 B of tiles against a target that allows 2048 B per block.
module attributes {fa.target = #fa.target<arch = "sm_80",
    sram_per_block = 2048, sram_per_sm = 167936, regs_per_sm = 65536,
    max_regs_per_thread = 255, sm_count = 108, hbm_gbps = 2039,
    tensor_tflops = 312>} {
func.func @negative_over_target_budget(%o: memref<8xf32>) {
  // expected-error @+1 {{thread block needs 2176 bytes of shared memory but the target (sm_80) allows 2048 per block}}
  scf.forall (%i) in (8) {
    %t = memref.alloc() : memref<32x16xf32>
    %m = memref.alloc() : memref<32xf32>
  } {fa.predicted_sram = 2176 : i64,
     fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}
}

// -----

// Up to 4 dimensions (the backward's dBias nest): z, y, and the rest
// linearized into x.
func.func @negative_rank(%o: memref<8xf32>) {
  // expected-error @+1 {{expected a thread-block loop of 1 to 4 dimensions, got 5}}
  scf.forall (%a, %b, %c, %d, %e) in (2, 2, 2, 2, 2) {
  } {fa.tiling = #fa.tiling<block_q = 32, block_kv = 16, stages = 1, warps = 4>}
  return
}
