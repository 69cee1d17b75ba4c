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
    over batch, head and q-block that `fa-tile-attention` creates for an
    `fa.attention`, and each of the four nests of an `fa.attention_grad`:
    D, dK/dV, dQ, dBias) becomes a `gpu.launch`, in program order:

    * the forall's iterations become thread blocks (its last dimension is
      `x`, the q-block; then `y`, the head; then `z`, the batch); a loop of
      four dimensions (the dBias nest) has its last two linearized into `x`;
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
      thread, and a `gpu.barrier` follows it (a copy of a view onto itself
      is dropped).

    The result is ordinary GPU dialect IR for `gpu-kernel-outlining` and the
    NVVM lowering. This is the scalar (SIMT) mapping: the two tile
    contractions stay `linalg` ops until this pass, so that a tensor-core
    mapping can replace their distribution without touching the tiling.

    `caller-strides` is `convert-fa-to-nvgpu`'s option of that name: the
    SIMT kernel reads and writes its operands densely, so a thread-block
    loop is an error under it (a kernel that ignored the caller's strides
    would read the wrong elements).

    Example (schematic):

    ```mlir
    scf.forall (%b, %h, %qb) in (2, 8, 4) { ... } {fa.tiling = #fa.tiling<...>}
    // becomes
    gpu.launch blocks(%bx, %by, %bz) in (4, 8, 2) threads(...) in (128, 1, 1)
        dynamic_shared_memory_size %bytes { ... gpu.terminator }
    ```
  }];
  let options = [
    Option<"callerStrides", "caller-strides", "bool", /*default=*/"false",
           "Refuse to build a kernel (this SIMT kernel reads its operands "
           "densely; convert-fa-to-nvgpu's option of the same name)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def ConvertFAToNVGPUPass : Pass<"convert-fa-to-nvgpu"> {
  let summary = "Generate the tensor-core FlashAttention kernel (mma.sync "
                "or wgmma) for a bufferized fa.attention";
  let description = [{
    Rewrites every `fa.attention` on memrefs whose `#fa.schedule` kernel is
    `mma_sync` or `wgmma` (set by `fa-select-tiling`, kernel `mma-sync`,
    `wgmma` or `auto`) into a `gpu.launch` running the
    FlashAttention-2 forward kernel on tensor cores (docs/GPU.md, "The
    mma-sync kernel" and "The wgmma kernel"). The wgmma kernel (sm_90a) has
    the structure below with three differences: a warpgroup of 4 warps owns
    64 rows; the tiles are unpadded in the 128-byte swizzled layout (16-byte
    chunk c of row r at c ^ (r % 8)), filled by TMA (`nvgpu.tma.async.load`
    of [1, 1, rows, 64] boxes through tensor maps that the host function
    makes with `nvgpu.tma.create.descriptor`; thread 0 issues every load,
    each slot's mbarrier says when it landed; a schedule with
    `loads = cp_async` keeps cp.async and `fence.proxy.async` instead) and read by wgmma through
    shared-memory descriptors; `S = Q K^T` is
    `nvvm.wgmma.mma_async` with both operands in shared memory and
    `O += P V` is wgmma with P in registers (PTX inline assembly: MLIR 22's
    NVVM op takes A from shared memory only). The mma-sync kernel:

    * grid `(ceil(Nq / block_q), Hq, B)`, `32 * warps` threads, each warp
      owning `block_q / warps` query rows (whole m16 fragments);
    * Q and `stages` K/V tiles in dynamic shared memory, rows padded by 16
      bytes (conflict-free `nvgpu.ldmatrix`), filled by
      `nvgpu.device_async_copy` (cp.async, zero-filled past the sequence
      ends) in a ring of `stages` slots: block `j + stages - 1` loads while
      block `j` is computed. The dynamic shared memory size is the cost
      model's `mma-sync` formula;
    * `S = Q K^T` and `O += P V` on `mma.sync.m16n8k16` with f32 accumulators
      in registers (`nvgpu.mma.sync` for f16; `nvvm.mma.sync` for bf16, whose
      PTX types `nvgpu.mma.sync` cannot deduce in MLIR 22), the online
      softmax on the accumulator fragments (row max across a quad of lanes
      with `gpu.shuffle xor`), `exp2` with `scale * log2(e)` folded into one
      multiply-add, P converted in registers into the A operand of `P V`;
    * causal: kv-blocks above the diagonal are not visited (loop bound); the
      diagonal and the last partial block run in a second loop with the masks
      (`masked_steps = split`), or in the same loop with the masks under a
      block-uniform branch (`branch`). A row that sees no key gets 0
      (and a logsumexp of -inf).

    Needs: sm_80 or later, f16/bf16, head dimensions that are multiples of
    16, identity-layout memrefs (one-shot bufferization
    with `function-boundary-type-conversion=identity-layout-map`), a
    `#fa.tiling` whose `block_q` is a multiple of `16 * warps`, and a
    `#fa.schedule` that the kernel can build. The pass decides nothing: every
    choice (loads, slot release, step order, ping-pong, masked steps,
    epilogue, the producer's registers) is the schedule's. Anything else is
    an error naming the reason. Ops of other kernels are left alone.

    An `fa.attention_grad` is checked as `fa-select-tiling` checks a
    written tiling: a hand-written mma.sync backward tiling whose registers
    the model refuses (`mmaSyncBackwardRegisterReason`: ptxas would spill)
    is an error naming the estimate; `allow-spilling-tilings` builds it
    anyway, to measure the estimate against ptxas
    (`bench/experiments/backward_register_vs_ptxas.py`).

    `caller-strides` (docs/GPU.md, "Caller strides"): the op's 4-d
    operands (Q, K, V and O of `fa.attention`; Q, K, V, O, dO, dQ, dK and
    dV of `fa.attention_grad`; not the logsumexp, masks or scratch) are
    cast on the host to `memref<..., strided<[?, ?, ?, 1]>>` before the
    kernels are built, so every kernel parameter and tensor map over them
    has dynamic outer strides: the kernels read and write the caller's
    layout (e.g. `[B, N, H, D]` seen as `[B, H, N, D]`), the strides
    coming with the launch (the manifest's `stride_of` parameters).

    ```mlir
    %qs = memref.cast %q : memref<2x8x128x64xbf16>
        to memref<2x8x128x64xbf16, strided<[?, ?, ?, 1]>>
    ```
  }];
  let options = [
    Option<"allowSpillingTilings", "allow-spilling-tilings", "bool",
           /*default=*/"false",
           "Build a hand-written mma.sync backward tiling that the register "
           "estimate refuses (ptxas spills it): for measuring the estimate, "
           "not for a kernel to run">,
    Option<"callerStrides", "caller-strides", "bool", /*default=*/"false",
           "Read and write Q, K, V and O (and dO, dQ, dK, dV of "
           "fa.attention_grad) with the strides the launch gives instead "
           "of dense ones: the kernels take them as parameters">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // FLASHATTN_CONVERSION_PASSES_TD
