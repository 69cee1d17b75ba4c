"""flashattn_mlir.distributed: context parallelism on torch.distributed
(docs/Distributed.md). Needs torch; imported only on request.

* ring_attention(): ring attention over a process group, the sequence
  sharded along N (zigzag layout by default), forward and backward.
* ulysses_attention(): all-to-all over the heads (DeepSpeed-Ulysses).
* torch_ring_attention(): the same ring through PyTorch's private
  _templated_ring_attention (torch_ring.PINNED says which signature).
* shard(), unshard(), positions(): the sharding layouts.
* ReferenceOp, KernelOp: the per-block attention ops (ops.py)."""

import math

import torch
import torch.distributed as dist

from .. import _checks, _dtensor
from ._layout import LAYOUTS, check_layout, positions, shard, unshard
from ._ring import RingAttention, RingSpec
from ._ulysses import AllToAll, heads_to_seq
from .ops import KernelOp, ReferenceOp, default_op
from .torch_ring import TorchRingAttention, check_signatures

_dtensor.register()  # the custom ops on DTensors (docs/Distributed.md, "DTensor")

__all__ = ["KernelOp", "LAYOUTS", "ReferenceOp", "check_signatures",
           "positions", "ring_attention", "shard", "torch_ring_attention",
           "ulysses_attention", "unshard"]


def _check(q, k, v, causal, scale, op):
    """Checks the tensors (4-D torch tensors, one dtype and device, shapes
    q [B, Hq, n, D], k [B, Hkv, n, D], v [B, Hkv, n, Dv], Hkv | Hq), the
    flags and the op; returns (scale, op)."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {type(t).__name__}")
        if t.dim() != 4:
            raise ValueError(f"{name} must be 4-D [B, H, N, D], got shape {tuple(t.shape)}")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"q, k, v dtypes differ: {q.dtype}, {k.dtype}, {v.dtype}")
    if not q.device == k.device == v.device:
        raise ValueError(f"q, k, v are on different devices: {q.device}, "
                         f"{k.device}, {v.device}")
    (b, hq, n, d), (bk, hkv, nk, dk), (bv, hv, nv, _) = q.shape, k.shape, v.shape
    if not (b == bk == bv and hkv == hv and n == nk == nv and d == dk
            and hkv > 0 and hq % hkv == 0):
        raise ValueError(f"incompatible local shards q={tuple(q.shape)} "
                         f"k={tuple(k.shape)} v={tuple(v.shape)}: need q [B, Hq, n, D], "
                         "k [B, Hkv, n, D], v [B, Hkv, n, Dv], Hq a multiple of Hkv, "
                         "one local sequence length n")
    _checks.boolean("causal", causal)
    scale = _checks.f32_scale("scale", 1.0 / math.sqrt(d) if scale is None else scale)
    op = default_op(q.device) if op is None else op
    if not (callable(getattr(op, "forward", None))
            and callable(getattr(op, "backward", None))):
        raise TypeError(f"op must have forward() and backward() (a block op of "
                        f"flashattn_mlir.distributed.ops), got {op!r}")
    return scale, op


def _group(group):
    """(group, rank, world) of `group` (None: the default group)."""
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("torch.distributed is not initialized: call "
                           "torch.distributed.init_process_group() first")
    group = dist.group.WORLD if group is None else group
    return group, dist.get_rank(group), dist.get_world_size(group)


def _check_mask_mod(mask_mod):
    if mask_mod is not None and not callable(mask_mod):
        raise TypeError(f"mask_mod must be callable (q_pos, k_pos) -> bool "
                        f"keep-mask, got {mask_mod!r}")


def ring_attention(q, k, v, group=None, *, causal=False, scale=None,
                   layout="zigzag", mask_mod=None, op=None, return_lse=False):
    """Attention over the whole sequence when each rank of `group` holds a
    shard of it (`layout`: "zigzag" or "contiguous", along dim 2; shard()
    makes them): q [B, Hq, n, D], k [B, Hkv, n, D], v [B, Hkv, n, Dv] local.
    Returns this rank's shard of the output [B, Hq, n, Dv] (and the f32
    logsumexp [B, Hq, n] with return_lse=True; -inf for a row that sees no
    key, whose output and gradients are 0). Differentiable in q, k, v.

    causal: query position i sees key position j iff j <= i (global
    positions). mask_mod(q_pos, k_pos): a keep-mask of global positions
    ([Nq, 1] and [1, Nk] int64 tensors in, a bool tensor broadcastable to
    [Nq, Nk] out, True keeps; document masks, block masks), combined with
    causal. op: a block op (ops.py); default KernelOp on CUDA, ReferenceOp
    elsewhere. Every rank must call it with the same arguments."""
    scale, op = _check(q, k, v, causal, scale, op)
    _check_mask_mod(mask_mod)
    _checks.boolean("return_lse", return_lse)
    group, rank, world = _group(group)
    check_layout(layout, q.shape[2])
    spec = RingSpec(group, rank, world, layout, causal, scale, op, mask_mod)
    out, lse = RingAttention.apply(q, k, v, spec)
    return (out, lse) if return_lse else out


def ulysses_attention(q, k, v, group=None, *, causal=False, scale=None,
                      layout="zigzag", mask_mod=None, op=None, return_lse=False):
    """ring_attention()'s arguments and result, computed by all-to-all over
    the heads: each rank gets the whole sequence for Hq / W query heads and
    Hkv / W KV heads (so W must divide both), attends locally, and sends
    the output back along the sequence."""
    scale, op = _check(q, k, v, causal, scale, op)
    _check_mask_mod(mask_mod)
    _checks.boolean("return_lse", return_lse)
    group, rank, world = _group(group)
    n = q.shape[2]
    check_layout(layout, n)
    if q.shape[1] % world or k.shape[1] % world:
        raise ValueError(f"the all-to-all strategy splits the heads: Hq={q.shape[1]} "
                         f"and Hkv={k.shape[1]} must be multiples of the world "
                         f"size {world} (ring_attention() has no such limit)")
    order = torch.cat([positions(r, world, n, layout) for r in range(world)]).to(q.device)
    natural = torch.empty_like(order)
    natural[order] = torch.arange(order.numel(), device=q.device)
    # Received in rank order; attention runs in position order.
    qh, kh, vh = (AllToAll.apply(t.contiguous(), group, world, True).index_select(2, natural)
                  for t in (q, k, v))
    spec = RingSpec(None, 0, 1, "contiguous", causal, scale, op, mask_mod)
    out, lse = RingAttention.apply(qh, kh, vh, spec)
    out = AllToAll.apply(out.index_select(2, order).contiguous(), group, world,
                         False)
    if not return_lse:
        return out
    with torch.no_grad():
        lse = heads_to_seq(lse.index_select(2, order).unsqueeze(-1).contiguous(),
                           group, world).squeeze(-1)
    return out, lse


def torch_ring_attention(q, k, v, group=None, *, causal=False, scale=None,
                         op=None, return_lse=False):
    """ring_attention() (no mask_mod; causal in the zigzag layout) through
    PyTorch's own ring, _templated_ring_attention and its backward, with
    `op` as the block op. Raises RuntimeError when the installed torch's
    private signatures differ from torch_ring.PINNED."""
    scale, op = _check(q, k, v, causal, scale, op)
    _checks.boolean("return_lse", return_lse)
    group, rank, world = _group(group)
    if causal:
        check_layout("zigzag", q.shape[2])
    check_signatures()
    out, lse = TorchRingAttention.apply(q, k, v, group, causal, scale, op)
    return (out, lse) if return_lse else out
