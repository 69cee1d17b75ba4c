"""Ring attention through PyTorch's own ring (docs/Distributed.md, "On
PyTorch's ring"): torch.distributed.tensor.experimental._context_parallel.
_attention._templated_ring_attention and _templated_ring_attention_backward
take the per-block attention op as an argument; here the op is a block op
of .ops (our kernels on CUDA). They are private: PINNED is their signature
as read with inspect from torch 2.15 (run here on the CPU; issue 28 read
the same from the 2.9-2.11 wheels, the GPU machine's 2.11 not yet run), and
check_signatures() raises, naming the difference, when the installed torch
differs (python/tests/test_distributed.py fails loudly then; every call
checks too).

PyTorch's merge (out - sigmoid(l2 - l1) (out - o2)) gives NaN for a row
whose lse is -inf on both sides, so the adapters hand it LSE_FLOOR for
-inf and turn it back afterwards. That case needs a mask, which PyTorch's
ring cannot vary per step (its keyword arguments are the same at every
step): masks go through .ring_attention() instead."""

import inspect

import torch
import torch.distributed as dist

# Torch versions run with this module; PINNED is their signature.
TESTED_TORCH = ("2.15",)
PINNED = {
    "_templated_ring_attention":
        "(group, seq_dim, op, query, key, value, is_causal=False, **kwargs)",
    "_templated_ring_attention_backward":
        "(group, seq_dim, op, grad_out, grad_out_name, query, key, value, out, "
        "logsumexp, is_causal, **kwargs)",
}
# Below any real logsumexp, above -inf; sigmoid/logsigmoid of the
# difference of two of them is finite.
LSE_FLOOR = -1e30


def _module():
    from torch.distributed.tensor.experimental._context_parallel import _attention
    return _attention


def _plain(sig):
    """A signature without annotations, as PINNED spells it."""
    return "(" + ", ".join(
        str(p.replace(annotation=inspect.Parameter.empty))
        for p in sig.parameters.values()) + ")"


def check_signatures():
    """Raises RuntimeError unless the installed torch's private ring
    functions have PINNED's signatures."""
    try:
        mod = _module()
    except ImportError as e:
        raise RuntimeError(f"torch {torch.__version__} has no context-parallel "
                           f"attention module ({e}); flashattn_mlir.distributed."
                           f"torch_ring was tested with torch {TESTED_TORCH}") from e
    for name, want in PINNED.items():
        fn = getattr(mod, name, None)
        got = None if fn is None else _plain(inspect.signature(fn))
        if got != want:
            raise RuntimeError(
                f"torch {torch.__version__}: {mod.__name__}.{name} is {got}, not "
                f"{want} as in the tested torch {TESTED_TORCH}; "
                "flashattn_mlir.distributed.torch_ring must be adapted to it")


def _floor(lse):
    return torch.where(torch.isneginf(lse), torch.full_like(lse, LSE_FLOOR), lse)


def _unfloor(lse):
    return torch.where(lse <= LSE_FLOOR / 2, torch.full_like(lse, float("-inf")), lse)


class _LoadBalance:
    """PyTorch's ring reads its load balancing from a module global: on
    (zigzag) for causal, off otherwise (it refuses non-causal with it)."""

    def __init__(self, on):
        self._on = on

    def __enter__(self):
        opts = _module()._cp_options
        self._saved = opts.enable_load_balance
        opts.enable_load_balance = self._on

    def __exit__(self, *exc):
        _module()._cp_options.enable_load_balance = self._saved


class TorchRingAttention(torch.autograd.Function):
    """(q, k, v, group, causal, scale, op) -> (out, lse) through PyTorch's
    ring; causal uses its load balancing, the zigzag layout."""

    @staticmethod
    def forward(ctx, q, k, v, group, causal, scale, op):
        def block(query, key, value, is_causal, **_):
            out, lse = op.forward(query, key, value, bool(is_causal), scale, None)
            return out, _floor(lse.float())

        with _LoadBalance(causal):
            out, lse = _module()._templated_ring_attention(
                group, 2, block, q, k, v, is_causal=causal)
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.how = group, causal, scale, op
        lse = _unfloor(lse)
        ctx.mark_non_differentiable(lse)
        return out, lse

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dout, _dlse):
        q, k, v, out, lse = ctx.saved_tensors
        group, causal, scale, op = ctx.how

        def block(query, key, value, out, logsumexp, is_causal, grad_out, **_):
            return op.backward(grad_out, query, key, value, out,
                               _unfloor(logsumexp), bool(is_causal), scale, None)

        with _LoadBalance(causal):
            dq, dk, dv = _module()._templated_ring_attention_backward(
                group, 2, block, dout.contiguous(), "grad_out", q, k, v, out,
                lse, is_causal=causal)[:3]
        return dq, dk.to(k.dtype), dv.to(v.dtype), None, None, None, None
