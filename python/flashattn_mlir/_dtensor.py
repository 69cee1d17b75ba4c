"""DTensor sharding rules for the custom ops (docs/Distributed.md,
"DTensor"): with DTensor inputs, torch.ops.flashattn_mlir.attention and
attention_backward run on each rank's local shards where that is exact,
attention over whole sequences:

* everything replicated;
* sharded over the batch (dim 0) when the mesh divides B;
* sharded over the heads (dim 1) when the mesh divides Hkv: rank r holds
  query heads [r Hq/W, (r+1) Hq/W) and exactly their KV heads
  [r Hkv/W, (r+1) Hkv/W), so GQA groups stay together.

A mask follows q on a dimension it has (size > 1), else is replicated;
the logsumexp follows out. Any other placement (a sequence shard,
Shard(2)) is redistributed by DTensor to one of these: correct, with the
whole sequence on each rank; ring_attention() and ulysses_attention() are
the context-parallel paths.

Registered with torch.distributed.tensor.experimental.register_sharding,
plus the operators' non-tensor arguments in DTensor's sharding cache key
(register_sharding keys on the tensors only, and the lse flag changes the
outputs): that sets a private field of DTensor's sharding propagator, as
read from torch 2.15 (python/tests/test_dtensor.py fails if it moves; a
torch without it gets a warning and no rules). Imported when
torch.distributed.tensor is (autograd.py), by flashattn_mlir.distributed,
or on attention()'s first DTensor."""

import math
import warnings

import torch
from torch.distributed.tensor import DTensor, Replicate, Shard

# The custom ops' first non-tensor argument: from there on, arguments are
# part of DTensor's sharding cache key.
_FORWARD_STATIC, _BACKWARD_STATIC = 4, 7


def _mask_placement(mask, dim):
    if mask is None:
        return None
    return Shard(dim) if mask.shape[dim] > 1 else Replicate()


def _shardings(q, k, mask):
    """(q's placement, the mask's) of each exact sharding: replicated, and
    over the batch or the heads where the mesh divides them evenly (an
    empty shard is no attention call)."""
    ranks = math.prod(q.mesh.shape)
    plans = [(Replicate(), None if mask is None else Replicate())]
    if q.shape[0] % ranks == 0:
        plans.append((Shard(0), _mask_placement(mask, 0)))
    if k.shape[1] % ranks == 0:
        plans.append((Shard(1), _mask_placement(mask, 1)))
    return plans


def _forward_rule(q, k, v, attn_mask, causal, scale, lse, grad, bias_grad,
                  deterministic, kernel, target, window=None):
    # Outputs: out, then the logsumexp [B, Hq, Nq] (following out), or an
    # empty tensor without `lse` (replicated: the same everywhere).
    return [([p, p if lse else Replicate()], [p, p, p, m] + [None] * 9)
            for p, m in _shardings(q, k, attn_mask)]


def _backward_rule(dout, q, k, v, attn_mask, out, lse, causal, scale, bias_grad,
                   deterministic, target, window=None):
    # Outputs: dq, dk, dv following their inputs; dbias (with bias_grad)
    # following the mask, else an empty tensor.
    return [([p, p, p, m if bias_grad else Replicate()],
             [p, p, p, p, m, p, p] + [None] * 6)
            for p, m in _shardings(q, k, attn_mask)]


def register():
    """Registers both rules (once)."""
    global _registered
    if _registered:
        return
    _registered = True
    from . import autograd  # noqa: F401 - defines the ops
    ops = ((torch.ops.flashattn_mlir.attention.default, _forward_rule,
            _FORWARD_STATIC),
           (torch.ops.flashattn_mlir.attention_backward.default, _backward_rule,
            _BACKWARD_STATIC))
    try:
        from torch.distributed.tensor._op_schema import RuntimeSchemaInfo
        from torch.distributed.tensor.experimental import register_sharding
        propagator = DTensor._op_dispatcher.sharding_propagator
        for op, rule, static in ops:
            register_sharding(op)(rule)
            propagator.op_to_schema_info[op] = RuntimeSchemaInfo(
                static, needs_pytree=True)
    except (ImportError, AttributeError, TypeError) as e:
        warnings.warn(f"flashattn_mlir: no DTensor sharding rules for its ops on "
                      f"torch {torch.__version__} ({type(e).__name__}: {e}); "
                      "DTensor inputs will be refused", stacklevel=2)


def is_dtensor(t):
    return isinstance(t, DTensor)


_registered = False
