//===- FAOps.td - FlashAttention dialect operations --------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAOPS_TD
#define FLASHATTN_DIALECT_FA_IR_FAOPS_TD

include "FlashAttn/Dialect/FA/IR/FADialect.td"
include "FlashAttn/Dialect/FA/IR/FAAttrs.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// fa.attention's shaped operands: all tensors, or (after bufferization) all
/// memrefs.
def FA_TensorOrMemRef : AnyTypeOf<[AnyRankedTensor, AnyMemRef]>;

/// The accessors fa.attention and fa.attention_grad share: both have the
/// operands `query`, `key`, `value`, the inits `outputs` and the attribute
/// `scale`.
defvar FA_AttentionCommonDecls = [{
    /// The softmax scale: the attribute, or 1/sqrt(D) when absent.
    double getScaleValue() {
      return ::mlir::fa::getAttentionScale(getScale(), getHeadDim());
    }

    ShapedType getQueryType() { return cast<ShapedType>(getQuery().getType()); }
    ShapedType getKeyType() { return cast<ShapedType>(getKey().getType()); }
    ShapedType getValueType() { return cast<ShapedType>(getValue().getType()); }
    int64_t getNumQueryHeads() { return getQueryType().getDimSize(1); }
    int64_t getNumKVHeads() { return getKeyType().getDimSize(1); }
    int64_t getHeadDim() { return getQueryType().getDimSize(3); }
    int64_t getValueHeadDim() { return getValueType().getDimSize(3); }
    /// Query heads that share one K/V head (1 for plain multi-head).
    int64_t getGroupSize() { return getNumQueryHeads() / getNumKVHeads(); }

    MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
}];

def FA_AttentionOp : FA_Op<"attention", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "Scaled dot-product attention on tensors or buffers";
  let description = [{
    Computes, for every batch `b`, query head `h`, query row `i`:

    ```
    S[j]  = scale * sum_d Q[b, h, i, d] * K[b, h / G, j, d]  (+ bias[b, h, i, j])
    P     = softmax_j(S)            over the keys j that are not masked
    O[e]  = sum_j P[j] * V[b, h / G, j, e]
    lse   = log(sum_j exp(S[j]))    (natural log, of the scaled scores)
    ```

    with `G = Hq / Hkv` (grouped-query attention; `Hkv = 1` is multi-query).

    Operands and shapes (destination-passing style):

    * `Q: [B, Hq, Nq, D]`, `K: [B, Hkv, Nk, D]`, `V: [B, Hkv, Nk, Dv]`;
    * optional `mask(...)`: an additive bias of the element types f16, bf16
      or f32, or an `i1` keep-mask (true keeps the score, false drops it),
      broadcastable to `[B, Hq, Nq, Nk]` (each dimension equal or 1);
    * optional `block_mask(...)`: a runtime block mask of `i8` or `i1`,
      `[B', H', Mq, Mk]` with `B'` 1 or `B`, `H'` 1 or `Hq`,
      `Mq = ceil(Nq / block_q)` and `Mk = ceil(Nk / block_kv)` for the
      `block_sparse` attribute's block sizes (required with it). Entry
      `(b, h, i, j) = 0` hides the keys `[j * block_kv, (j + 1) * block_kv)`
      from the query rows `[i * block_q, (i + 1) * block_q)`; the kernels
      skip such blocks without loading K/V. A non-zero entry keeps the
      block, where the element masks (mask, causal, window) still apply
      (docs/BlockSparse.md);
    * `outs(%o)` of shape `[B, Hq, Nq, Dv]`, and optionally a second init
      `[B, Hq, Nq]` of f32 that requests the logsumexp result.

    Like `linalg` ops, the op has tensor semantics (results, no side
    effects) or, once bufferized, buffer semantics: every shaped operand a
    memref, no results, the output and logsumexp written into the init
    buffers. One-shot bufferization turns the first into the second (the
    dialect attaches a `BufferizableOpInterface` model to the op; the inits
    are written in place and never read). Only `convert-fa-to-nvgpu` consumes the buffer form; the
    other passes work on tensors.

    Q, K, V and O share one element type: f16, bf16 or f32. Accumulation is
    in f32. `B`, `Nq` and `Nk` may be dynamic; head counts and head
    dimensions are static.

    Attributes:

    * `scale`: a positive f32 from about 2.94e-39 to 2.36e38, so that
      `scale * log2(e)` and `1 / scale` are finite f32 (the tensor-core
      kernels compute both); `1/sqrt(D)` when absent.
    * `causal`: query `i` sees key `j` iff `j <= i + (Nk - Nq)`: the mask is
      aligned to the bottom-right corner of the score matrix, as in
      FlashAttention-2 (for `Nq == Nk` the usual lower triangle).
    * `window`: a `#fa.window<left = L, right = R>`: query `i` sees key `j`
      iff `i' - L <= j <= i' + R` with `i' = i + (Nk - Nq)` (bottom-right
      aligned like `causal`; with `causal`, `R` must be 0). Key blocks a
      query block cannot see are never loaded.
    * `block_sparse`: the `#fa.block_sparse<block_q, block_kv>` granularity
      of the `block_mask` operand (present exactly when it is).
    * `mask_pattern`: a `#fa.mask_pattern<chunk, global, butterfly>`
      structured mask (chunked attention, global tokens, a block
      butterfly), classified per block at compile time; it needs static
      `Nq` and `Nk` and no block mask (docs/BlockSparse.md).
    * `tiling`: the `#fa.tiling` chosen by `fa-select-tiling`.
    * `schedule`: the `#fa.schedule` (kernel, loads, release, step, ...)
      decided by `fa-select-tiling` with the tiling.

    A row whose keys are all masked produces an output of 0 (never NaN) and
    a logsumexp of -inf.

    Upstream interfaces (attached with the dialect): `TilingInterface` over
    the parallel loops `(B, Hq, Nq, Dv)` of the tensor form, so that
    `transform.structured.tile_using_for` / `tile_using_forall` tile it into
    `fa.attention`s on slices (a head tile must be whole K/V groups or lie
    in one; a causal tile reads only the keys its rows see; `Dv` is tiled
    only without the logsumexp), and linalg's `AggregatedOpInterface`,
    whose `decomposeOperation` is `fa-decompose-attention`'s reference
    lowering. See docs/Embedding.md.

    Example:

    ```mlir
    %o, %lse = fa.attention
        ins(%q, %k, %v : tensor<2x8x128x64xf16>, tensor<2x2x256x64xf16>,
                         tensor<2x2x256x64xf16>)
        mask(%bias : tensor<1x1x128x256xf32>)
        outs(%init, %lse_init : tensor<2x8x128x64xf16>, tensor<2x8x128xf32>)
        {causal, scale = 0.125 : f32}
        -> tensor<2x8x128x64xf16>, tensor<2x8x128xf32>
    ```
  }];

  let arguments = (ins
    FA_TensorOrMemRef:$query,
    FA_TensorOrMemRef:$key,
    FA_TensorOrMemRef:$value,
    Optional<FA_TensorOrMemRef>:$mask,
    Optional<FA_TensorOrMemRef>:$block_mask,
    Variadic<FA_TensorOrMemRef>:$outputs,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal,
    OptionalAttr<FA_TilingAttr>:$tiling,
    OptionalAttr<FA_ScheduleAttr>:$schedule,
    OptionalAttr<FA_WindowAttr>:$window,
    OptionalAttr<FA_BlockSparseAttr>:$block_sparse,
    OptionalAttr<FA_MaskPatternAttr>:$mask_pattern
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
        type($value) `)`
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`block_mask` `(` $block_mask^ `:` type($block_mask) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)`
    attr-dict (`->` type($results)^)?
  }];

  let builders = [
    OpBuilder<(ins "Value":$query, "Value":$key, "Value":$value,
                   "Value":$mask, "ValueRange":$outputs,
                   "FloatAttr":$scale, "bool":$causal)>
  ];

  let extraClassDeclaration = !strconcat([{
    /// The output init, `[B, Hq, Nq, Dv]`.
    Value getOutput() { return getOutputs()[0]; }
    /// The logsumexp init `[B, Hq, Nq]`, or null when not requested.
    Value getLseInit() {
      return getOutputs().size() > 1 ? getOutputs()[1] : Value();
    }
    /// The attention result.
    Value getResult() { return getResults()[0]; }
    /// The logsumexp result, or null when not requested.
    Value getLse() {
      return getResults().size() > 1 ? getResults()[1] : Value();
    }
  }], FA_AttentionCommonDecls);

  let hasVerifier = 1;
}

def FA_AttentionGradOp : FA_Op<"attention_grad", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "Gradients of fa.attention with respect to Q, K, V and the "
                "bias";
  let description = [{
    The backward pass of `fa.attention`: given the forward's inputs, its
    output `O`, the gradient `dO` of a loss with respect to `O` and the
    forward's logsumexp `lse`, computes for every batch `b`, query head `h`
    (key/value head `h / G`), query row `i` and key `j`:

    ```
    S[i, j]  = scale * sum_d Q[i, d] * K[j, d]  (+ bias[i, j])   -inf where masked
    P[i, j]  = exp(S[i, j] - lse[i])            0 where masked
    D[i]     = sum_e dO[i, e] * O[i, e]
    dP[i, j] = sum_e dO[i, e] * V[j, e]
    dS[i, j] = P[i, j] * (dP[i, j] - D[i])
    dQ[i, d] = scale * sum_j dS[i, j] * K[j, d]
    dK[j, d] = scale * sum_{h in group, i} dS[i, j] * Q[i, d]
    dV[j, e] = sum_{h in group, i} P[i, j] * dO[i, e]
    dBias    = dS summed over the dimensions the bias broadcasts
    ```

    with `G = Hq / Hkv`: the gradients of a K/V head sum over the `G` query
    heads that share it, so `dK` and `dV` have the shapes of `K` and `V`.

    Operands and shapes (destination-passing style):

    * `ins(Q, K, V, O, dO, lse)`: `Q: [B, Hq, Nq, D]`, `K: [B, Hkv, Nk, D]`,
      `V: [B, Hkv, Nk, Dv]`, `O` and `dO: [B, Hq, Nq, Dv]`, all of one
      element type (f16, bf16 or f32), and `lse: [B, Hq, Nq]` of f32, the
      natural-log logsumexp of the scaled scores that `fa.attention`
      returns (-inf for a row with no visible key);
    * optional `mask(...)`: as for `fa.attention`, an additive bias (f16,
      bf16 or f32) or an `i1` keep-mask, broadcastable to `[B, Hq, Nq, Nk]`;
    * optional `block_mask(...)` with the `block_sparse` attribute: as for
      `fa.attention` (the blocks the forward skipped get no gradient);
    * `outs(dQ, dK, dV)` of the shapes and element type of `Q`, `K`, `V`,
      and optionally a fourth init that requests the bias gradient: it has
      the bias's own shape and element type (the gradient is summed over
      each broadcast dimension, a static 1 of the bias). It is an error
      without a bias, or with an `i1` keep-mask, which has no gradient.

    Accumulation is in f32; each gradient is rounded to its element type
    once, at the end. The attributes `scale`, `causal`, `window`,
    `mask_pattern` and `block_sparse` (with the block mask) mean
    what they mean on `fa.attention` and must be the ones the forward ran with;
    `tiling` gives the block sizes `fa-tile-attention` tiles the op with
    (`block_q`, `block_kv`; `stages` and `warps` are the kernel's).
    `fa-select-tiling` chooses it with the backward cost model and records
    the rest of its decision as `schedule = #fa.backward_schedule<kernel =
    .., dq = ..>` (the backward kernel and how dQ is accumulated); both may
    be written by hand. `deterministic` asks that the result be
    bit-identical run to run: the selection then never accumulates dQ with
    unordered atomic adds, and a `#fa.backward_schedule` with `dq = atomic`
    is rejected by the verifier. A row whose keys are
    all masked (`lse = -inf`) has `P = 0`: it contributes nothing and gets
    `dQ = 0`, never NaN.

    Like `fa.attention`, the op has tensor semantics (results) or, after
    one-shot bufferization, buffer semantics (memrefs, no results, the
    inits written in place and never read; the dialect attaches the same
    `BufferizableOpInterface` model to both ops).

    The op implements linalg's `AggregatedOpInterface` (`decomposeOperation`
    is `fa-decompose-attention`'s reference lowering), not
    `TilingInterface`: `dK` and `dV` sum over all query rows and the query
    heads of a group, which a tile of the parallel loops cannot express.

    Example:

    ```mlir
    %dq, %dk, %dv, %dbias = fa.attention_grad
        ins(%q, %k, %v, %o, %do, %lse
            : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>,
              tensor<2x2x256x64xbf16>, tensor<2x8x128x64xbf16>,
              tensor<2x8x128x64xbf16>, tensor<2x8x128xf32>)
        mask(%bias : tensor<1x8x128x256xf32>)
        outs(%dq0, %dk0, %dv0, %db0
            : tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>,
              tensor<2x2x256x64xbf16>, tensor<1x8x128x256xf32>)
        {causal, scale = 0.125 : f32}
        -> tensor<2x8x128x64xbf16>, tensor<2x2x256x64xbf16>,
           tensor<2x2x256x64xbf16>, tensor<1x8x128x256xf32>
    ```
  }];

  let arguments = (ins
    FA_TensorOrMemRef:$query,
    FA_TensorOrMemRef:$key,
    FA_TensorOrMemRef:$value,
    FA_TensorOrMemRef:$out,
    FA_TensorOrMemRef:$out_grad,
    FA_TensorOrMemRef:$logsumexp,
    Optional<FA_TensorOrMemRef>:$mask,
    Optional<FA_TensorOrMemRef>:$block_mask,
    Variadic<FA_TensorOrMemRef>:$outputs,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal,
    UnitAttr:$deterministic,
    OptionalAttr<FA_TilingAttr>:$tiling,
    OptionalAttr<FA_BackwardScheduleAttr>:$schedule,
    OptionalAttr<FA_WindowAttr>:$window,
    OptionalAttr<FA_BlockSparseAttr>:$block_sparse,
    OptionalAttr<FA_MaskPatternAttr>:$mask_pattern
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `,` $out `,` $out_grad `,`
        $logsumexp `:` type($query) `,` type($key) `,` type($value) `,`
        type($out) `,` type($out_grad) `,` type($logsumexp) `)`
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`block_mask` `(` $block_mask^ `:` type($block_mask) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)`
    attr-dict (`->` type($results)^)?
  }];

  let extraClassDeclaration = !strconcat([{
    /// The inits of dQ, dK, dV, and of dBias (null when not requested).
    Value getQueryGradInit() { return getOutputs()[0]; }
    Value getKeyGradInit() { return getOutputs()[1]; }
    Value getValueGradInit() { return getOutputs()[2]; }
    Value getBiasGradInit() {
      return getOutputs().size() > 3 ? getOutputs()[3] : Value();
    }
  }], FA_AttentionCommonDecls);

  let hasVerifier = 1;
}

#endif // FLASHATTN_DIALECT_FA_IR_FAOPS_TD
