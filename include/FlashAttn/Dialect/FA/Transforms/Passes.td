//===- Passes.td - FlashAttention dialect passes -----------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD
#define FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FASetTargetPass : Pass<"fa-set-target", "ModuleOp"> {
  let summary = "Attach a #fa.target to the module, from the known-targets "
                "table with overrides";
  let description = [{
    Sets the module's `fa.target` attribute to the known target named by
    `target` (a short name such as `h100`, `a100`, `t4`, or an architecture
    such as `sm_80`), then applies every override option that is set
    (a value of 0 keeps the table's number). With `target` empty, the
    module's existing `fa.target` is the base: this lets a pipeline shrink
    the SRAM budget of a target chosen earlier. It is an error when neither
    exists.

    0 means "not given" rather than an error because no field of a target
    can be 0 (each must be positive) and a printed pipeline
    (`--dump-pass-pipeline`, crash reproducers) lists every option with its
    value: the default must parse back as the default. A negative value, or
    one that leaves the target invalid, is an error.

    Example: `fa-opt --fa-set-target="target=h100 sram-per-block=49152"`
    gives the H100's numbers with a 48 KiB shared-memory budget per block.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Known target name or SM architecture (h100, a100, sm_80, ...)">,
    Option<"arch", "arch", "std::string", /*default=*/"\"\"",
           "Override the SM architecture (e.g. sm_90a)">,
    Option<"sramPerBlock", "sram-per-block", "int64_t", /*default=*/"0",
           "Override the shared memory per thread block, in bytes">,
    Option<"sramPerSM", "sram-per-sm", "int64_t", /*default=*/"0",
           "Override the shared memory per SM, in bytes">,
    Option<"regsPerSM", "regs-per-sm", "int64_t", /*default=*/"0",
           "Override the 32-bit registers per SM">,
    Option<"maxRegsPerThread", "max-regs-per-thread", "int64_t",
           /*default=*/"0", "Override the registers one thread may use">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"0",
           "Override the number of SMs">,
    Option<"hbmGBps", "hbm-gbps", "int64_t", /*default=*/"0",
           "Override the device-memory bandwidth, GB/s">,
    Option<"tensorTFlops", "tensor-tflops", "int64_t", /*default=*/"0",
           "Override the dense f16/bf16 tensor-core peak, TFLOP/s">,
  ];
  let dependentDialects = ["::mlir::fa::FADialect"];
}

def FADecomposeAttentionPass : Pass<"fa-decompose-attention"> {
  let summary = "Lower fa.attention and fa.attention_grad to the naive "
                "computation in linalg on tensors";
  let description = [{
    The reference semantics of `fa.attention`: the full score matrix
    `S = scale * Q K^T (+ mask)` of shape `[B, Hq, Nq, Nk]` in f32, a
    numerically safe softmax over the last axis (row max subtracted; fully
    masked rows give 0), and `O = P V`, each step a `linalg.generic` on
    tensors. It materializes the N x N matrix, so it is for testing and for
    the CPU, never the GPU path: every later stage is tested against it.

    The reference semantics of `fa.attention_grad` (docs/Backward.md): the
    same masked scores, `P = exp(S - lse)` from the forward's logsumexp
    (0 for a row without visible keys), `D = rowsum(dO * O)`,
    `dP = dO V^T`, `dS = P * (dP - D)`, then `dQ = scale * dS K`,
    `dK = scale * dS^T Q` and `dV = P^T dO` (summed over the query heads
    of a GQA group) and `dBias = dS` summed over the bias's broadcast
    dimensions, all in f32 and rounded to the gradients' element types at
    the end.

    The pass is op-agnostic (it rewrites every `fa.attention` and
    `fa.attention_grad` nested under the op it runs on) so that
    `fa-opt --fa-decompose-attention` works on a module of functions of any
    kind.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...) -> ...
    // becomes linalg.fill / linalg.generic ops on tensors
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FASelectTilingPass : Pass<"fa-select-tiling"> {
  let summary = "Choose #fa.tiling for every fa.attention with the IO cost "
                "model and the module's #fa.target";
  let description = [{
    Attaches `tiling = #fa.tiling<block_q = .., block_kv = .., stages = ..,
    warps = ..>` to every `fa.attention` nested under the op it runs on,
    using the `fa.target` of the enclosing module (run `fa-set-target`
    first; without a target the pass fails and says so).

    `kernel` names the GPU kernel the tiling is for (docs/CostModel.md,
    "Kernel kinds"):

    * `kernel=simt` (default): the scalar kernel that `convert-fa-to-gpu`
      emits today. Every tile buffer lives in shared memory (Q, K, V, the
      mask tile, the f32 score tile and accumulator, four f32 row vectors),
      there is one stage, and the two tile products run as f32 FMAs on the
      CUDA cores. Candidates: 1 stage, 4 or 8 warps.
    * `kernel=tensor-core`: the tensor-core kernel of the speed work: the Q
      tile and `stages` K/V tiles in shared memory, the accumulators in
      registers. Candidates: 1 to 4 stages and the warp counts the MMA shape
      allows (16 rows per warp for mma.sync, 64 rows per warpgroup for wgmma
      on sm_90+).
    * `kernel=mma-sync`: the kernel `convert-fa-to-nvgpu` generates (sm_80
      and later): Q and `stages` K/V tiles in shared memory with rows padded
      by 16 bytes, S, P and O in registers; registers fitted to ptxas
      (docs/CostModel.md). An op it cannot run (f32, head dims not multiples
      of 16, a target below sm_80) is an error.
    * `kernel=wgmma`: the kernel `convert-fa-to-nvgpu` generates for sm_90a:
      one warpgroup (4 warps) per 64 query rows (`block_q = 16 * warps`),
      Q and `stages` K/V tiles in 128-byte swizzled shared memory, S and O
      on wgmma; registers and step time fitted to the H100
      (docs/CostModel.md, "The wgmma kernel"). An op it cannot run (a target
      other than sm_90a, f32, head dims not multiples of 16 up to 256) is an
      error.
    * `kernel=auto`: `wgmma` for each op it applies to (and whose given
      tiling fits it), else `mma-sync`, else `simt`; what
      `fa-to-ptx-pipeline` uses.

    The default is `simt`, the kernel of the pass's first use; the
    `fa-to-ptx-pipeline` passes `auto`, and `explain` names the kernel the
    decision was made for.

    With `simt`, `mma-sync`, `wgmma` or `auto` the chosen kernel and its
    whole schedule are recorded on the op as `#fa.schedule`
    (docs/GPU.md, "The kernel schedule"): the loads, the release of K/V
    slots, the order of a step, ping-pong, the masked steps, the epilogue
    and the producer's registers, each decided here from the cost model's
    numbers and the `wgmma-*` and `mma-masked-steps` options (`auto` lets
    the model decide; a forced value is kept, and forced values that cannot
    go together are an error). The conversions only read it. An op that
    already carries a `#fa.schedule` (written, or decided by an earlier
    run) keeps it; it is checked against the op, its tiling and the
    target, and an explicit `block-mask-walk` (the forward's and the
    backward's) or `dq`, `backward-in-flight`, `backward-epilogue` (the
    backward's) that would decide one of its fields otherwise is an error
    naming both (`auto` asks for nothing; an option that concerns the
    wgmma kernel asks nothing of another kernel's schedule).

    * `mode=model` (default): the cost model of docs/CostModel.md enumerates
      block sizes (multiples of 16) with the kernel's stages and warps,
      rejects what exceeds the shared memory or the registers, and keeps the
      lowest predicted time (ties to the lower HBM traffic, then the smaller
      shared memory).
    * `mode=paper`: FlashAttention's Algorithm 1, with M the shared memory
      per block in elements: `block_kv = ceil(M / 4d)`,
      `block_q = min(block_kv, d)`, 1 stage, 4 warps.

    An op that already carries a tiling keeps it, but it is checked: a tiling
    that exceeds the target's shared memory or registers is an error that
    names the bytes (or registers) used and available. A head dimension whose
    smallest tile does not fit is an error too.

    Dynamic sizes: the prediction assumes `assumed-seq-len` (4096) for a
    dynamic `Nq` or `Nk` and `assumed-batch` (1) for a dynamic batch, and
    `explain` says so.

    With `explain`, every op gets a remark with the decision and why the
    winner won, and notes listing the best candidates (HBM bytes, SRAM bytes,
    registers, predicted time) and the rejection counts.

    Every `fa.attention_grad` gets its tiling from the backward cost model
    (docs/Backward.md, "The tiling"; docs/CostModel.md, "The backward
    pass"), recorded with `schedule = #fa.backward_schedule<kernel = ..,
    dq = ..>` and, for the SIMT kernel, `fa.predicted_sram` (its largest
    nest's shared memory). `simt` selects the SIMT kernel, built from
    `fa-tile-attention`'s tiled form; `mma-sync` and `wgmma` select with
    the tensor-core backward model and record it (`convert-fa-to-nvgpu`
    builds the mma.sync one; `fa-tile-attention` rejects a wgmma one);
    `auto` takes the mma.sync backward where it builds the op (f16/bf16,
    sm_80+, a tiling that fits, nothing of it unchecked on a GPU: an
    additive bias is not yet), else the SIMT kernel, and `explain` says why; `tensor-core` is
    an error there. `dq` forces the dQ accumulation
    (`separate` for simt; `atomic` or `ordered` for the tensor-core
    kernels; `auto`: separate, else atomic, else ordered when
    deterministic). `deterministic` (or the op's `deterministic`
    attribute) asks for a bit-identical result: no unordered atomic adds,
    and a forced `dq=atomic` is an error.

    ```mlir
    // fa-opt --fa-set-target=target=a100 --fa-select-tiling=kernel=tensor-core
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {tiling = #fa.tiling<block_q = 128, block_kv = 80, stages = 2, warps = 4>}
           -> tensor<4x16x4096x128xbf16>
    ```
  }];
  let options = [
    Option<"mode", "mode", "::mlir::fa::SelectionMode",
           /*default=*/"::mlir::fa::SelectionMode::Model",
           "How the tiling is chosen",
           [{::llvm::cl::values(
             clEnumValN(::mlir::fa::SelectionMode::Model, "model",
                        "the IO cost model"),
             clEnumValN(::mlir::fa::SelectionMode::Paper, "paper",
                        "FlashAttention's Algorithm 1"))}]>,
    Option<"kernel", "kernel", "::mlir::fa::KernelKind",
           /*default=*/"::mlir::fa::KernelKind::Simt",
           "The kernel to tile for (default simt; fa-to-ptx-pipeline passes "
           "auto)",
           "::mlir::fa::selectableKernelValues()">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit remarks listing the best candidates and why the winner won">,
    Option<"assumedSeqLen", "assumed-seq-len", "int64_t", /*default=*/"4096",
           "Sequence length assumed for a dynamic Nq or Nk">,
    Option<"assumedBatch", "assumed-batch", "int64_t", /*default=*/"1",
           "Batch size assumed for a dynamic batch">,
    Option<"wgmmaLoads", "wgmma-loads", "::mlir::fa::LoadMechanism",
           /*default=*/"::mlir::fa::LoadMechanism::Tma",
           "How the wgmma kernel fills shared memory",
           "::mlir::fa::loadMechanismValues()">,
    Option<"wgmmaRelease", "wgmma-release", "::mlir::fa::SlotRelease",
           /*default=*/"::mlir::fa::SlotRelease::Auto",
           "How the TMA wgmma kernel frees a K/V slot for its refill",
           "::mlir::fa::slotReleaseValues()">,
    Option<"wgmmaSchedule", "wgmma-schedule", "::mlir::fa::StepOrder",
           /*default=*/"::mlir::fa::StepOrder::Auto",
           "The order of a TMA wgmma kernel step",
           "::mlir::fa::stepOrderValues()">,
    Option<"wgmmaPingpong", "wgmma-pingpong", "::mlir::fa::Toggle",
           /*default=*/"::mlir::fa::Toggle::Auto",
           "Whether the producer kernel's consumer warpgroups take turns at "
           "the tensor cores (FlashAttention-3's ping-pong)",
           "::mlir::fa::toggleValues()">,
    Option<"mmaMaskedSteps", "mma-masked-steps", "::mlir::fa::MaskedSteps",
           /*default=*/"::mlir::fa::MaskedSteps::Auto",
           "How the mma-sync kernel runs the kv-blocks that need a mask next "
           "to blocks that need none",
           "::mlir::fa::maskedStepsValues()">,
    Option<"dq", "dq", "::mlir::fa::DqAccumulation",
           /*default=*/"::mlir::fa::DqAccumulation::Auto",
           "How the backward (fa.attention_grad) accumulates dQ",
           "::mlir::fa::dqAccumulationValues()">,
    Option<"blockMaskWalk", "block-mask-walk", "::mlir::fa::BlockMaskWalk",
           /*default=*/"::mlir::fa::BlockMaskWalk::Auto",
           "How the tensor-core kernels walk a runtime block mask: the "
           "wgmma backward's TMA ring a kv-block's q-blocks, the forwards a "
           "q-block's kv-blocks (auto: the compacted walk where it builds, "
           "else dense)",
           "::mlir::fa::blockMaskWalkValues()">,
    Option<"backwardInFlight", "backward-in-flight",
           "::mlir::fa::InFlightProducts",
           /*default=*/"::mlir::fa::InFlightProducts::Auto",
           "Which products the wgmma backward's TMA ring leaves in flight "
           "across a step's end (auto: none until dK in flight has passed "
           "its GPU check)",
           "::mlir::fa::inFlightProductsValues()">,
    Option<"backwardEpilogue", "backward-epilogue",
           "::mlir::fa::BackwardEpilogue",
           /*default=*/"::mlir::fa::BackwardEpilogue::Auto",
           "How the wgmma backward stores dK and dV (auto: the TMA store "
           "where the picked tiling builds it, else direct)",
           "::mlir::fa::backwardEpilogueValues()">,
    Option<"dqPass", "dq-pass", "::mlir::fa::DqTurnPass",
           /*default=*/"::mlir::fa::DqTurnPass::Auto",
           "Where the wgmma ring's ordered dQ passes a step's turn (auto: "
           "step-start until after-scores has passed its GPU check)",
           "::mlir::fa::dqTurnPassValues()">,
    Option<"backwardPersistent", "backward-persistent",
           "::mlir::fa::BackwardPersistence",
           /*default=*/"::mlir::fa::BackwardPersistence::Auto",
           "Whether the wgmma backward's main kernel is persistent (auto: "
           "off, the persistent kernel measured no faster, D114)",
           "::mlir::fa::backwardPersistenceValues()">,
    Option<"backwardGqa", "backward-gqa", "::mlir::fa::BackwardGqa",
           /*default=*/"::mlir::fa::BackwardGqa::Auto",
           "How the wgmma backward covers a GQA group's query heads (auto: "
           "split where the model predicts it at least 5% faster than the "
           "loop, D122)",
           "::mlir::fa::backwardGqaValues()">,
    Option<"backwardDqConvert", "backward-dq-convert",
           "::mlir::fa::DqConvert",
           /*default=*/"::mlir::fa::DqConvert::Auto",
           "Where the wgmma backward converts the f32 dQ accumulator (auto: "
           "a convert kernel until the fused conversion has passed its GPU "
           "check)",
           "::mlir::fa::dqConvertValues()">,
    Option<"backwardDqReduce", "backward-dq-reduce",
           "::mlir::fa::DqReduce",
           /*default=*/"::mlir::fa::DqReduce::Auto",
           "How the wgmma backward's ring issues dQ's tensor reductions "
           "(auto: the warpgroup's boxes of 64 rows where measured faster, "
           "block_q 64 on the kv-row split; else a warp's boxes of 16 rows)",
           "::mlir::fa::dqReduceValues()">,
    Option<"backwardLaunchChunk", "backward-launch-chunk", "int64_t",
           /*default=*/"0",
           "The (batch, head) pairs the wgmma backward's grid launches "
           "longest first together, each pair's kv-block 0 first (D131; 1: "
           "a pair's kv-blocks one after another; 0, auto: a GQA group's "
           "causal loop takes the pairs whose Q and dO fit 16 MiB of L2, "
           "once the order has passed its GPU check; else 1)">,
    Option<"deterministic", "deterministic", "bool", /*default=*/"false",
           "Every fa.attention_grad must give a bit-identical result run to "
           "run (as its own `deterministic` attribute asks): no unordered "
           "atomic dQ adds">,
  ];
  let dependentDialects = ["::mlir::fa::FADialect"];
}

def FACheckSramBudgetPass : Pass<"fa-check-sram-budget"> {
  let summary = "Reject fa.attention tilings that exceed the target's shared "
                "memory";
  let description = [{
    For every `fa.attention` that carries a `#fa.tiling`, computes the shared
    memory of one thread block with the cost model's formula for `kernel`
    and fails with a diagnostic naming the bytes used and the bytes
    available when it exceeds the module's `#fa.target` `sram_per_block`.
    Ops without a tiling are left alone; a tiled op without a target is an
    error.

    * `kernel=simt` (default): the scalar kernel `convert-fa-to-gpu` emits
      today: Q, K, V (and mask) tiles, the f32 score tile and accumulator and
      four f32 row vectors, each padded to 128 bytes; exactly what the
      conversion allocates.
    * `kernel=tensor-core`: the Q tile plus `stages` K and V tiles, each
      padded to 128 bytes.
    * `kernel=mma-sync`: the same with every tile row padded by 16 bytes:
      exactly what `convert-fa-to-nvgpu` allocates.

    An op's own `#fa.schedule` (set by `fa-select-tiling`) selects the
    formula for that op, whatever the option says; with `walk = compacted`
    the compacted walk's list of kv-blocks after the tiles counts too
    (docs/BlockSparse.md).

    An `fa.attention_grad` with a tiling is checked with the shared memory
    of its `#fa.backward_schedule`'s kernel, else the SIMT kernel's (the
    largest nest of the tiled form, `simtBackwardSramBytes`); the option
    is the forward's.

    ```mlir
    // error: 'fa.attention' op tiling #fa.tiling<...> needs 294912 bytes of
    // shared memory per block but the target (sm_90a) allows 232448
    // (kernel=tensor-core)
    ```
  }];
  let options = [
    Option<"kernel", "kernel", "::mlir::fa::KernelKind",
           /*default=*/"::mlir::fa::KernelKind::Simt",
           "The kernel whose shared memory is checked; an op's own "
           "#fa.schedule wins",
           "::mlir::fa::budgetKernelValues()">,
  ];
}

def FATileAttentionPass : Pass<"fa-tile-attention"> {
  let summary = "Tile fa.attention into the FlashAttention loop nest with "
                "an online softmax (and fa.attention_grad into the backward's)";
  let description = [{
    Rewrites every `fa.attention` that carries a `#fa.tiling` into the
    *tiled form* (docs/TiledForm.md), on tensors:

    * `scf.forall (%b, %h, %qb) in (B, Hq, ceildiv(Nq, block_q))` over the
      output blocks, one per future thread block;
    * static tile buffers `Q: block_q x D`, `K: block_kv x D`,
      `V: block_kv x Dv` (and a mask tile), allocated with
      `bufferization.alloc_tensor` in `tile-memory-space` and zero-filled
      beyond the sequence ends;
    * `scf.for` over the key/value blocks carrying the running row max `m`,
      the running row sum `l` and the f32 accumulator; for causal attention
      its upper bound stops at the last block that holds a visible key;
    * per step `S = Q K^T` and `acc += P V` as `linalg.matmul` on tiles,
      and `linalg.generic` ops for the scale, masks, max, exp and sums;
    * `O = acc / l` (0 for a row without visible keys), and
      `lse = m + log(l)`, inserted into the results by
      `tensor.parallel_insert_slice`.

    The `scf.forall` carries the op's tiling as the discardable attribute
    `fa.tiling`, the marker `convert-fa-to-gpu` looks for, and
    `fa.predicted_sram = <bytes> : i64`, the cost model's shared memory for
    one thread block of the SIMT kernel (`sramBytes(..., Simt)`), which
    `convert-fa-to-gpu` checks the buffers it packs against. No buffer of
    `Nq x Nk` exists in the result. `stages` and `warps` of the tiling are
    not used here: they belong to the GPU conversion. An
    `fa.attention` without a tiling is left alone, unless `require-tiling`
    is set, which makes it an error.

    Ops whose `#fa.schedule` names a tensor-core kernel (`mma_sync`,
    `wgmma`) are left alone on purpose, whatever `require-tiling` says:
    `convert-fa-to-nvgpu` builds their kernel from the bufferized op itself
    (the tiled form's whole-tile linalg ops have no mapping onto mma
    fragments). `fa-to-ptx-pipeline` runs both; the tiled form of such an op,
    for the CPU, comes from running this pass on the op without its
    schedule. Ops already on memrefs are left alone too.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {tiling = #fa.tiling<block_q = 64, block_kv = 32, stages = 2, warps = 4>}
           -> tensor<1x8x1000x128xbf16>
    // becomes scf.forall { Q tile; scf.for { K/V tiles; online softmax };
    //                      O = acc / l; tensor.parallel_insert_slice }
    ```

    An `fa.attention_grad` with a `#fa.tiling` (set by hand: the cost model
    does not choose the backward's yet) becomes the backward's tiled form
    (docs/Backward.md), four `scf.forall` nests on tensors: `D =
    rowsum(dO * O)` per query block; FlashAttention-2's K/V-stationary
    nest per (batch, KV head, key block), which keeps the K/V tiles and the
    f32 `dK`/`dV` accumulators while the query blocks of the group's heads
    stream past (P recomputed from the logsumexp, causal blocks skipped);
    a Q-stationary nest for `dQ` (deterministic; tensors have no atomic
    add); and, when requested, a nest per tile of the bias that sums `dS`
    over its broadcast dimensions. Each loop carries the op's `fa.tiling`
    (one of one iteration also a GPU block mapping, as the forward's), so
    `convert-fa-to-gpu` makes each a kernel of its own (docs/GPU.md, "The
    backward"). Without a tiling the op is left alone (an error with
    `require-tiling`).
  }];
  let options = [
    Option<"tileMemorySpace", "tile-memory-space", "int64_t",
           /*default=*/"3",
           "Memory space of the Q/K/V/mask tile buffers once bufferized "
           "(3: GPU workgroup memory; 0: the default memory space)">,
    Option<"requireTiling", "require-tiling", "bool", /*default=*/"false",
           "Make an fa.attention or fa.attention_grad without a #fa.tiling "
           "an error">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FARaiseAttentionPass : Pass<"fa-raise-attention"> {
  let summary = "Raise attention written in linalg on tensors to fa.attention";
  let description = [{
    Finds `softmax(scale * Q K^T (+ bias)) V` the way frontends print it in
    linalg on tensors (torch-mlir's lowering of
    `F.scaled_dot_product_attention`, StableHLO-to-linalg's `dot_general`)
    and replaces the whole chain with one `fa.attention`:

    * `Q K^T`: a batched contraction (`linalg.batch_matmul`, with or without
      `indexing_maps`, or a `linalg.generic` contraction) on `[B*H, N, D]` or
      `[B, H, N, D]`, or `linalg.matmul` on one head's `[N, D]`, with K
      transposed by `linalg.transpose`, a transposing `linalg.generic` or
      the contraction's own map; a K given transposed, or permuted over more
      axes (torch's `permute(0, 2, 3, 1)` of `[B, N, H, D]`), gets a
      `linalg.transpose` inserted, as do Q, K and V read with the heads
      after the sequence (JAX's `[B, N, H, D]`); `tensor.collapse_shape` /
      `tensor.expand_shape` between the 3-D and 4-D forms;
    * the scale: elementwise multiplications by (or divisions by) float
      constants of the scores, of Q or of K, multiplied together;
    * an optional additive bias after the scale (`s + b`, or torch's
      `s + b * 1`), read through a broadcasting map or a `linalg.broadcast`.
      A bias that is exactly 0 / -inf in the bottom-right causal pattern (a
      constant, or a `linalg.generic` computing it from `linalg.index`)
      becomes `causal`; any other bias becomes the `mask` operand;
    * a mask written `select(keep, s, -inf)` (or `select(drop, -inf, s)`):
      an i1 input becomes the i1 keep-mask, the condition
      `j <= i + (Nk - Nq)` computed from `linalg.index` becomes `causal`,
      another condition computed from `linalg.index` and inputs other than
      the scores (a drop-mask, `mask == 0`) an i1 mask that a new
      `linalg.generic` builds;
    * softmax over the last axis: `linalg.softmax`, or the chain max
      reduction (from -inf, or `arith.maxnumf` from NaN as upstream's
      decomposition of `linalg.softmax` writes it), `exp(s - max)`, sum
      reduction, division; the max may be torch-mlir's `aten.max.dim`
      (values and unused indices in one `linalg.generic`), the division `e * (1 / sum)` (the reciprocal fused
      or in an op of its own);
    * conversions (`arith.extf`/`truncf` generics) of the scores, of P and
      of the result, as frontends print a softmax computed in f32 for bf16
      or f16 operands;
    * `P V`: a batched contraction, and GQA: K and V heads repeated by a
      broadcast to `[B, Hkv, G, N, D]` collapsed to `[B, Hkv*G, N, D]`, or a
      `linalg.generic` reading head `h floordiv G` (or head 0 of one).

    Anything not matched completely is left untouched: softmax over another
    axis, a scale after the softmax or after the bias, a bias multiplied
    instead of added, a non-constant scale, an intermediate (S, P, the
    exponentials, the row max or sum) with a use outside the chain. The
    result is reshaped back to the original result type.

    The raised op accumulates in f32; a frontend program that computes in
    bf16 or f16 throughout rounds every intermediate, so the raise changes
    (improves) the rounding. Every float the matched ops compute must have
    the operands' type or f32: a program that rounds to another type (bf16
    in an f32 program, f16 in a bf16 one) or computes in f64 is left alone.
    Where a causal constant leaves a row with no visible key (`Nq > Nk`), the linalg program gives NaN and the raised op 0.

    With `explain`, every candidate (a contraction whose first operand a
    softmax feeds: `linalg.softmax`, or an op computing `math.exp`, a few ops
    up) gets a remark: `raised to fa.attention`, or `not raised to
    fa.attention: <reason>` naming the step of the chain that did not match.

    ```mlir
    %s = linalg.batch_matmul ins(%q, %kt : ...) outs(%zero : ...)
    %p = linalg.softmax dimension(2) ins(%s : ...) outs(%e : ...)
    %o = linalg.batch_matmul ins(%p, %v : ...) outs(%zero2 : ...)
    // becomes
    %o4 = fa.attention ins(%q4, %k4, %v4 : ...) outs(%init : ...)
            {scale = 1.0 : f32} -> tensor<8x1x128x64xf32>
    %o = tensor.collapse_shape %o4 [[0, 1], [2], [3]] : ...
    ```
  }];
  let dependentDialects = [
    "::mlir::fa::FADialect",
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit a remark per candidate: raised, or the step that did not "
           "match">,
  ];
}

#endif // FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD
