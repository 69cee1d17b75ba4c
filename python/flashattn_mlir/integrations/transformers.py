"""A Hugging Face `transformers` attention backend (docs/Training.md,
"Hugging Face transformers"), tested with transformers 5.17:

    import flashattn_mlir.integrations.transformers as fa_hf
    fa_hf.register()                      # once; returns the name, "fa_mlir"
    model = AutoModelForCausalLM.from_config(config, attn_implementation="fa_mlir")

The name is "fa_mlir", not "flashattn_mlir": transformers treats every
attn_implementation whose name contains "flash" as a FlashAttention
package (is_flash_attention_requested: it loads it from the Hub, hands it
2-D padding masks and unpadded sequences), which this backend is not.

register() adds `attention_forward` to transformers' AttentionInterface and
transformers' SDPA mask builder to its AttentionMaskInterface under the
same name, so that models hand the backend what they hand SDPA: no mask
when plain causal (or no) masking is enough, else a 4-D boolean keep-mask
(padding, sliding windows, packed sequences), and from older code paths a
4-D additive float mask. Those map to attention()'s `causal` and
`attn_mask`; what the kernels cannot compute raises ValueError naming it:
attention dropout in training, a T5 position bias, logit soft-capping,
attention sinks, a mask of another rank, output_attentions.
"""

import torch

from .. import attention

NAME = "fa_mlir"  # no "flash" in it: see above


def attention_forward(module, query, key, value, attention_mask, dropout=0.0,
                      scaling=None, is_causal=None, **kwargs):
    """transformers' attention function signature: query [B, Hq, Nq, D],
    key and value [B, Hkv, Nk, D] (grouped-query heads are not repeated:
    the kernels take them), attention_mask None or 4-D; returns (output
    [B, Nq, Hq, Dv], None) as sdpa_attention_forward does."""
    if dropout and dropout > 0:
        raise ValueError(
            f"{NAME} (flashattn_mlir) has no attention dropout (dropout={dropout} in training "
            f"in {type(module).__name__}): set the model config's attention "
            "dropout (attn_pdrop, attention_probs_dropout_prob, "
            "attention_dropout) to 0.0")
    for arg in ("position_bias", "softcap", "s_aux"):
        if kwargs.get(arg) is not None:
            raise ValueError(f"{NAME} does not compute attention with {arg} "
                             f"({type(module).__name__}); use another "
                             "attn_implementation for this model")
    if kwargs.get("output_attentions"):
        raise ValueError(f"{NAME} does not return attention weights "
                         "(output_attentions=True); use attn_implementation='eager'")
    q_len, kv_len = query.shape[2], key.shape[2]
    # What sdpa_attention_forward decides: causal when the model is and no
    # mask was built (transformers builds none when `causal` is enough).
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    causal = bool(q_len > 1 and attention_mask is None and causal)
    if causal and kv_len > q_len:
        # An empty static cache's prefill: the keys past q_len are masked.
        key, value = key[:, :, :q_len], value[:, :, :q_len]
    mask = _mask(attention_mask, query)
    # The [B, N, H, D] projections seen as [B, H, N, D] go as they are: the
    # kernels read and write that layout (D128), and O comes back in q's,
    # so the transpose below is contiguous (.contiguous() returns it as is).
    out = attention(query, key, value, causal=causal, scale=scaling,
                    attn_mask=mask)
    return out.transpose(1, 2).contiguous(), None


def _mask(mask, query):
    """transformers' mask as attention()'s attn_mask: None, a bool
    keep-mask, or an additive bias in query's dtype (each contiguous)."""
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor) or mask.dim() != 4:
        raise ValueError(
            f"{NAME} takes a 4-D boolean or additive attention mask, got "
            f"{type(mask).__name__} of shape {tuple(getattr(mask, 'shape', ()))}")
    if mask.dtype == torch.bool:
        return mask.contiguous()
    if not mask.dtype.is_floating_point:
        raise ValueError(f"{NAME}: an attention mask of dtype {mask.dtype} is "
                         "neither a keep-mask (bool) nor an additive bias")
    return mask.to(query.dtype).contiguous()


def register(name=NAME):
    """Registers the backend with transformers under `name` (the attention
    function and the SDPA mask builder); returns `name`."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
    AttentionInterface.register(name, attention_forward)
    AttentionMaskInterface.register(name, sdpa_mask)
    return name
