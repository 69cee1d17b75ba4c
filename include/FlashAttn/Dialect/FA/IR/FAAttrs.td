//===- FAAttrs.td - FlashAttention dialect attributes ------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAATTRS_TD
#define FLASHATTN_DIALECT_FA_IR_FAATTRS_TD

include "FlashAttn/Dialect/FA/IR/FADialect.td"
include "mlir/IR/AttrTypeBase.td"

class FA_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<FA_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def FA_TargetAttr : FA_Attr<"Target", "target"> {
  let summary = "The GPU a module is compiled for, as the cost model sees it";
  let description = [{
    Resources of one GPU that decide how attention is tiled. It is attached to
    a `builtin.module` under the name `fa.target`, usually by
    `fa-set-target{target=h100}` from the known-targets table, with any field
    overridden by that pass's options.

    * `arch`: the SM architecture (`sm_90`, `sm_90a`, `sm_80`, ...).
    * `sram_per_block`: bytes of shared memory one thread block may use
      (the opt-in maximum, e.g. 227 KiB on sm_90).
    * `sram_per_sm`: bytes of shared memory of one SM.
    * `regs_per_sm`: 32-bit registers of one SM.
    * `max_regs_per_thread`: registers one thread may use.
    * `sm_count`: streaming multiprocessors.
    * `hbm_gbps`: device-memory bandwidth in GB/s.
    * `tensor_tflops`: dense f16/bf16 tensor-core peak with f32 accumulation,
      in TFLOP/s.

    ```mlir
    module attributes {fa.target = #fa.target<arch = "sm_90a",
        sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536,
        max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
        tensor_tflops = 989>} {
    }
    ```
  }];
  let parameters = (ins
    StringRefParameter<"SM architecture, e.g. sm_90a">:$arch,
    "int64_t":$sram_per_block,
    "int64_t":$sram_per_sm,
    "int64_t":$regs_per_sm,
    "int64_t":$max_regs_per_thread,
    "int64_t":$sm_count,
    "int64_t":$hbm_gbps,
    "int64_t":$tensor_tflops
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def FA_TilingAttr : FA_Attr<"Tiling", "tiling"> {
  let summary = "Block sizes chosen for one fa.attention";
  let description = [{
    The tiling of one `fa.attention`: `block_q` rows of Q (one thread block's
    share of the output), `block_kv` rows of K and V streamed per step of the
    online softmax, `stages` K/V tiles in flight in shared memory, and `warps`
    warps per thread block. `fa-select-tiling` attaches it; it may also be
    written by hand, in which case it is checked against the target.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>}
           -> tensor<1x8x1024x128xbf16>
    ```
  }];
  let parameters = (ins
    "int64_t":$block_q,
    "int64_t":$block_kv,
    "int64_t":$stages,
    "int64_t":$warps
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def FA_WindowAttr : FA_Attr<"Window", "window"> {
  let summary = "A sliding window of keys around each query row";
  let description = [{
    The keys each query row of `fa.attention` (and `fa.attention_grad`)
    sees: query row `i`, aligned to the bottom-right corner of the score
    matrix like `causal` (in key coordinates `i' = i + Nk - Nq`), sees the
    keys `j` with `i' - left <= j <= i' + right`. Both extents are
    non-negative numbers of keys; `left = 0, right = 0` keeps the diagonal
    only. With `causal` the right extent must be 0 (causal is the window's
    right edge). The window is a structured mask: the compiler classifies
    each (query block, key block) pair of a tiling as empty (never loaded
    or computed), full (no mask arithmetic) or partial (masked) from these
    two numbers alone (docs/TiledForm.md, "Sliding windows").

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {causal, window = #fa.window<left = 1024, right = 0>}
           -> tensor<1x16x8192x128xbf16>
    ```
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def FA_MaskPatternAttr : FA_Attr<"MaskPattern", "mask_pattern"> {
  let summary = "A structured mask: chunks, global tokens or a butterfly";
  let description = [{
    A mask of `fa.attention` (and `fa.attention_grad`) defined by a few
    numbers, which the compiler classifies at compile time: for a tiling,
    every (query block, key block) pair is empty (never loaded or computed),
    full (no mask arithmetic) or partial (element-masked). Positions are
    bottom-right aligned like `causal`: query row `i` is at `i' = i + Nk -
    Nq`, key `j` at `j`.

    * `chunk = C`: chunked (local) attention, Llama-4 style: `i'` sees `j`
      iff `floor(i' / C) == floor(j / C)`; with `causal` only `j <= i'`
      of its chunk.
    * `butterfly = B`: the block butterfly pattern of Pixelated Butterfly
      (the FlashAttention paper's fixed block-sparse pattern): with
      `a = floor(i' / B)` and `b = floor(j / B)`, `i'` sees `j` iff
      `a xor b` is 0 or a power of two.
    * `global = G`: the first `G` positions are global tokens (Longformer,
      BigBird; with `causal`, attention sinks): `i'` sees `j` if `j < G` or
      `i' < G`, besides the local pattern: the chunk, the butterfly or the
      op's `#fa.window` (exactly one of them is required).

    The element mask is `causal(i', j) and (local(i', j) or global(i', j))`,
    where `causal` is true without the `causal` attribute. At least one
    field is positive; `chunk` and `butterfly` exclude each other and the
    op's window (docs/BlockSparse.md, "Structured masks").

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {causal, mask_pattern = #fa.mask_pattern<chunk = 2048>}
           -> tensor<1x16x8192x128xbf16>
    ```
  }];
  let parameters = (ins DefaultValuedParameter<"int64_t", "0">:$chunk,
                        DefaultValuedParameter<"int64_t", "0">:$global,
                        DefaultValuedParameter<"int64_t", "0">:$butterfly);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def FA_BlockSparseAttr : FA_Attr<"BlockSparse", "block_sparse"> {
  let summary = "The granularity of a runtime block mask";
  let description = [{
    The block sizes of the `block_mask` operand of `fa.attention` and
    `fa.attention_grad`: entry `(b, h, i, j)` of the mask stands for the
    query rows `[i * block_q, (i + 1) * block_q)` and the keys
    `[j * block_kv, (j + 1) * block_kv)`. Both are positive multiples of 16
    (the tensor cores' granularity), so that a kernel's tiles can lie inside
    one mask block. See docs/BlockSparse.md.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...)
           block_mask(%bm : tensor<1x1x64x64xi8>) outs(%init : ...)
           {block_sparse = #fa.block_sparse<block_q = 128, block_kv = 128>}
           -> tensor<1x16x8192x128xbf16>
    ```
  }];
  let parameters = (ins "int64_t":$block_q, "int64_t":$block_kv);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

/// A field of `#fa.schedule` whose C++ type is one of the schedule's enums
/// (FlashAttn/Analysis/KernelSchedule.h), spelled as a keyword: the pass
/// option's spelling with `-` written `_`.
class FA_ScheduleEnumParameter<string enumName, string desc>
    : AttrParameter<"::mlir::fa::" # enumName, desc> {
  let parser = "::mlir::fa::parseScheduleKeyword<::mlir::fa::" # enumName #
               ">($_parser, ::mlir::fa::parse" # enumName # ", \"" # desc #
               "\")";
  let printer = "$_printer << ::mlir::fa::getScheduleKeyword("
                "::mlir::fa::stringify" # enumName # "($_self))";
}

class FA_DefaultedScheduleEnumParameter<string enumName, string value,
                                        string desc>
    : FA_ScheduleEnumParameter<enumName, desc> {
  let defaultValue = "::mlir::fa::" # enumName # "::" # value;
}

/// A boolean field of `#fa.schedule`, `true` or `false`, default false.
class FA_FlagParameter<string desc> : AttrParameter<"bool", desc> {
  let parser = "::mlir::fa::parseScheduleFlag($_parser)";
  let printer = "$_printer << (($_self) ? \"true\" : \"false\")";
  let defaultValue = "false";
}

def FA_ScheduleAttr : FA_Attr<"Schedule", "schedule"> {
  let summary = "The kernel schedule decided for one fa.attention";
  let description = [{
    Everything the GPU conversions build besides the block sizes of
    `#fa.tiling`, decided once by `fa-select-tiling` (from the cost model's
    numbers and the pass's options, docs/GPU.md "The kernel schedule") and
    only read by `convert-fa-to-gpu` and `convert-fa-to-nvgpu`:

    * `kernel`: `simt` (convert-fa-to-gpu's scalar kernel), `mma_sync` or
      `wgmma` (convert-fa-to-nvgpu).
    * `loads`: `cp_async` (default) or `tma` (wgmma only).
    * `release`: how a TMA kernel frees a K/V slot: `barrier` (default),
      `mbarrier` or `producer` (a producer warpgroup issues every load).
    * `step`: `serial` (default) or `overlap` (FlashAttention-3's
      intra-warpgroup overlap; TMA, release `barrier` or `producer`).
    * `pingpong`: the producer kernel's consumer warpgroups take turns at the
      tensor cores (default `false`).
    * `masked_steps`: how the mma-sync kernel runs its masked kv-blocks:
      `split` (default; a second loop) or `branch` (one loop).
    * `epilogue`: how O is stored: `direct` (default), `staged` (mma-sync,
      through shared memory) or `tma_store`.
    * `consumer_regs`: the producer kernel's consumer registers per thread
      (setmaxnreg; default 0, no producer).
    * `walk`: how the q-block walks its kv-blocks under a runtime block mask
      (docs/BlockSparse.md, "The forward's compacted walk"): `dense`
      (default; every kv-block a step, a dead one predicated off) or
      `compacted` (the live kv-blocks listed in shared memory at the block's
      start, the loads and steps walk the list; `kernel = mma_sync` or
      `wgmma`, with a block mask and a static `Nk`).
    * `min_blocks`: `kernel = mma_sync` only: the thread blocks an SM holds
      where the kernel's shared memory holds fewer than its registers would
      (1 to 32; default 0, none). The kernel asks ptxas to fit its registers
      to that many blocks (PTX `.minnctapersm`): ptxas does not see dynamic
      shared memory and would otherwise fit them to the blocks the registers
      alone allow, spilling to get there (D118).

    Fields at their default are not printed. The keywords are the pass
    options' spellings with `-` written `_`. A schedule may be written by
    hand; the passes check it against the op and the target.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {schedule = #fa.schedule<kernel = wgmma, loads = tma,
                                    release = producer, step = overlap,
                                    pingpong = true, epilogue = tma_store,
                                    consumer_regs = 240>,
            tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>}
           -> tensor<1x16x4096x128xbf16>
    ```
  }];
  let parameters = (ins
    FA_ScheduleEnumParameter<"KernelKind", "kernel">:$kernel,
    FA_DefaultedScheduleEnumParameter<"LoadMechanism", "CpAsync",
                                      "loads">:$loads,
    FA_DefaultedScheduleEnumParameter<"SlotRelease", "Barrier",
                                      "release">:$release,
    FA_DefaultedScheduleEnumParameter<"StepOrder", "Serial", "step">:$step,
    FA_FlagParameter<"pingpong">:$pingpong,
    FA_DefaultedScheduleEnumParameter<"MaskedSteps", "Split",
                                      "masked steps">:$masked_steps,
    FA_DefaultedScheduleEnumParameter<"Epilogue", "Direct",
                                      "epilogue">:$epilogue,
    DefaultValuedParameter<"int64_t", "0">:$consumer_regs,
    FA_DefaultedScheduleEnumParameter<"BlockMaskWalk", "Dense", "walk">:$walk,
    DefaultValuedParameter<"int64_t", "0">:$min_blocks
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

/// A field of `#fa.backward_schedule`, spelled as `#fa.schedule`'s are;
/// `value` names its default (none when empty).
class FA_BackwardScheduleEnumParameter<string enumName, string desc,
                                       string value = "">
    : AttrParameter<"::mlir::fa::" # enumName, desc> {
  let parser = "::mlir::fa::parseScheduleKeyword<::mlir::fa::" # enumName #
               ">($_parser, ::mlir::fa::parse" # enumName # ", \"" # desc #
               "\", \"#fa.backward_schedule\")";
  let printer = "$_printer << ::mlir::fa::getScheduleKeyword("
                "::mlir::fa::stringify" # enumName # "($_self))";
  let defaultValue =
      !if(!empty(value), "", "::mlir::fa::" # enumName # "::" # value);
}

def FA_BackwardScheduleAttr : FA_Attr<"BackwardSchedule", "backward_schedule"> {
  let summary = "The backward kernel and dQ accumulation decided for one "
                "fa.attention_grad";
  let description = [{
    The decision `fa-select-tiling` makes for an `fa.attention_grad` besides
    its `#fa.tiling` (docs/Backward.md, "The tiling"), recorded once and only
    read downstream:

    * `kernel`: the backward kernel the tiling is for: `simt` (the scalar
      kernels built from `fa-tile-attention`'s tiled form; what `auto`
      selects today), `mma_sync` (the tensor-core backward that
      convert-fa-to-nvgpu builds, sm_80+, f16/bf16) or
      `wgmma` (the one convert-fa-to-nvgpu builds for sm_90a, f16/bf16,
      D = Dv a multiple of 16 from 64 to 128, and D = 256 and D = 192 with
      Dv = 128 by its column split, D76).
    * `dq`: how dQ, summed over the kv-blocks, is accumulated: `separate`
      (default; a Q-stationary pass of its own that recomputes S and dP,
      deterministic; the SIMT kernel's only mode), `atomic` (f32 atomic
      adds, then a conversion kernel; the sum's rounding depends on the
      order the blocks reach it) or `ordered` (the same adds in kv-block
      order; bit-identical run to run). The tensor-core kernels take
      `atomic` or `ordered`.
    * `walk`: how the wgmma backward's TMA ring walks a kv-block's q-blocks
      under a runtime block mask (docs/BlockSparse.md, "The compacted
      walk"): `dense` (default; every q-block a step, a dead one predicated
      off) or `compacted` (the live q-blocks listed in shared memory at the
      block's start, the ring walks the list; `kernel = wgmma`, `dq =
      atomic` only: ordered dQ's turns pass through every q-block).
    * `in_flight`: which of the wgmma backward's products a step of its
      TMA ring leaves in flight across the step's end (docs/Backward.md,
      "dK in flight"): `none` (default; every product waited for within
      its step) or `dk` (dK's product completes under the next step's
      top; `kernel = wgmma` only, and the row split's ring without a
      runtime block mask: fa-select-tiling and convert-fa-to-nvgpu check
      the op and its tiling).
    * `epilogue`: how the wgmma backward stores dK_j and dV_j after its
      loops (docs/Backward.md, "The TMA-store epilogue"): `direct`
      (default; one store per element) or `tma_store` (over K_j's and V_j's
      tiles in shared memory, then TMA; `kernel = wgmma` only, at the row
      split: fa-select-tiling and convert-fa-to-nvgpu check the op).
    * `dq_pass`: where the wgmma ring's ordered dQ passes a step's turn
      (docs/Backward.md, "Deterministic dQ"), once the step's bulk
      reductions have completed: `step_start` (default; at the next step's
      top, the whole block waiting for the completion) or `after_scores`
      (once the next step's score products are issued, the completion
      waited for under them; `kernel = wgmma`, `dq = ordered`, the row
      split's ring: fa-select-tiling and convert-fa-to-nvgpu check the op
      and its tiling).
    * `persistent`: whether the wgmma backward's main kernel is persistent
      (docs/Backward.md, "The persistent kernel"): `off` (default; a thread
      block per kv-block, K/V head and batch) or `on` (one block per SM of
      the target walking those tiles, the next tile's loads issued during
      this tile's last step and epilogue; `kernel = wgmma`, `dq = atomic`,
      no compacted walk, no dK in flight; the row split's ring without a
      block mask, a mask pattern or a bias: fa-select-tiling and
      convert-fa-to-nvgpu check the op).
    * `gqa`: how the wgmma backward covers a GQA group's query heads
      (docs/Backward.md, "The split group"): `loop` (default; a thread
      block per kv-block, K/V head and batch loops over the group's query
      heads, dK_j and dV_j summed in registers) or `split` (a block per
      kv-block, query head and batch, each adding its head's part of dK_j
      and dV_j to f32 accumulators by bulk reductions, then a convert
      kernel; `kernel = wgmma`, `dq = atomic`, not persistent, no compacted
      walk, the direct epilogue; the row split without a bias gradient:
      fa-select-tiling and convert-fa-to-nvgpu check the op).
    * `dq_convert`: where the wgmma backward rounds the f32 dQ
      accumulator into dQ (docs/Backward.md, "The fused dQ conversion"):
      `kernel` (default; a convert kernel after the main one) or `fused`
      (the main kernel's blocks count their arrivals at each q-block, and
      the last to arrive converts its rows; `kernel = wgmma`, `dq =
      atomic`, the dense walk, not persistent, `gqa = loop`; the row
      split's ring without a runtime block mask, a mask pattern or a bias
      gradient: fa-select-tiling and convert-fa-to-nvgpu check the op).
    * `dq_reduce`: how the wgmma backward's TMA ring adds dQ_i to the f32
      accumulator by tensor reductions (docs/Backward.md, "The TMA ring"):
      `warp` (default; each warp's lane 0 adds its own boxes of 16 rows x
      32 f32) or `warpgroup` (the warpgroup's four warps' boxes stacked as
      boxes of 64 rows; after a warpgroup barrier one thread adds each;
      `kernel = wgmma`, the ring, D / 2 (D with block_q 128) a multiple of
      32: fa-select-tiling and convert-fa-to-nvgpu check the op).

    * `launch_chunk`: the order the wgmma backward's main kernel walks its
      grid (docs/Backward.md, "The launch order"): chunks of this many
      (batch, head) pairs, and within a chunk every pair's kv-block 0
      first, then every pair's kv-block 1, and so on (D131: under causal
      the longest blocks first, leaving a tail of short ones). 1 (default)
      is a pair's kv-blocks one after another; a chunk of the grid's pairs
      or more is the whole grid longest first. From 1 to 2^32; over 1 it
      needs `kernel = wgmma`, `dq = atomic` (ordered dQ launches the
      kv-blocks last first for its turns) and `persistent = off` (the
      persistent kernel walks its own tiles).

    Fields at their default are not printed. It may be written by hand;
    `fa-select-tiling` then keeps it and checks it against the op (an
    `atomic` dQ on a `deterministic` op is an error).

    ```mlir
    %g:3 = fa.attention_grad ins(...) outs(...)
             {deterministic,
              schedule = #fa.backward_schedule<kernel = wgmma, dq = ordered>,
              tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>}
             -> ...
    ```
  }];
  let parameters = (ins
    FA_BackwardScheduleEnumParameter<"KernelKind", "kernel">:$kernel,
    FA_BackwardScheduleEnumParameter<"DqAccumulation", "dq",
                                     "Separate">:$dq,
    FA_BackwardScheduleEnumParameter<"BlockMaskWalk", "walk", "Dense">:$walk,
    FA_BackwardScheduleEnumParameter<"InFlightProducts", "in_flight",
                                     "None">:$in_flight,
    FA_BackwardScheduleEnumParameter<"BackwardEpilogue", "epilogue",
                                     "Direct">:$epilogue,
    FA_BackwardScheduleEnumParameter<"DqTurnPass", "dq_pass",
                                     "StepStart">:$dq_pass,
    FA_BackwardScheduleEnumParameter<"BackwardPersistence", "persistent",
                                     "Off">:$persistent,
    FA_BackwardScheduleEnumParameter<"BackwardGqa", "gqa", "Loop">:$gqa,
    FA_BackwardScheduleEnumParameter<"DqConvert", "dq_convert",
                                     "Kernel">:$dq_convert,
    FA_BackwardScheduleEnumParameter<"DqReduce", "dq_reduce",
                                     "Warp">:$dq_reduce,
    DefaultValuedParameter<"int64_t", "1">:$launch_chunk
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // FLASHATTN_DIALECT_FA_IR_FAATTRS_TD
