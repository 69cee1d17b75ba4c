//===- Passes.td - flashattn-mlir conversion passes --------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_CONVERSION_PASSES_TD
#define FLASHATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFAToGPUPass : Pass<"convert-fa-to-gpu"> {
  let summary = "Map the bufferized tiled form of fa.attention onto GPU "
                "thread blocks and threads";
  let description = [{
    Runs after `fa-tile-attention` and one-shot bufferization. Every
    `scf.forall` that carries an `fa.tiling` attribute (the thread-block loop
    over batch, head and q-block that `fa-tile-attention` creates) becomes a
    `gpu.launch`:

    * the forall's iterations become thread blocks (its last dimension is
      `x`, the q-block; then `y`, the head; then `z`, the batch);
    * each block has `32 * warps` threads;
    * every buffer allocated inside the loop (the SRAM tiles: Q, K, V, the
      mask tile, the score tile, the accumulator, the running max and sum,
      the row max and the rescale) becomes a view into the block's dynamic
      shared memory; each starts on a 128-byte boundary and takes a multiple
      of 128 bytes, and the launch's dynamic shared memory size is their sum:
      the cost model's SIMT formula (docs/CostModel.md, "Kernel kinds");
    * when the loop carries `fa.predicted_sram` (set by `fa-tile-attention`
      from the cost model), a packed total that differs from it is an error
      (a compiler bug: the tiled form and the formula disagree); when the
      module has a `#fa.target`, a total over its `sram_per_block` is an
      error naming the bytes used and available;
    * every tile-level operation inside (`linalg` ops, `memref.copy`) is
      spread over the block's threads: the parallel iterations of the op are
      dealt round-robin to the threads, its reduction loops run inside one
      thread, and a `gpu.barrier` follows it.

    The result is ordinary GPU dialect IR for `gpu-kernel-outlining` and the
    NVVM lowering. This is the scalar (SIMT) mapping: the two tile
    contractions stay `linalg` ops until this pass, so that a tensor-core
    mapping can replace their distribution without touching the tiling.

    Example (schematic):

    ```mlir
    scf.forall (%b, %h, %qb) in (2, 8, 4) { ... } {fa.tiling = #fa.tiling<...>}
    // becomes
    gpu.launch blocks(%bx, %by, %bz) in (4, 8, 2) threads(...) in (128, 1, 1)
        dynamic_shared_memory_size %bytes { ... gpu.terminator }
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // FLASHATTN_CONVERSION_PASSES_TD
