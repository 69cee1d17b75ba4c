"""All-to-all (DeepSpeed-Ulysses) sequence parallelism over heads (docs/
Distributed.md, "All-to-all"): q, k, v arrive sharded along the sequence;
one all_to_all_single per tensor regroups them so that each rank holds all
of the sequence for Hq / W query heads (Hkv / W KV heads), attention runs
locally on the whole sequence, and one more all-to-all shards the output
back along the sequence."""

import torch
import torch.distributed as dist

from ._ring import staged


def _all_to_all(x, group, world):
    """x [W, ...] contiguous: chunk j goes to rank j; returns the chunks
    received, chunk j from rank j."""
    xs = staged(x, group)
    y = torch.empty_like(xs)
    dist.all_to_all_single(y, xs, group=group)
    return y.to(x.device)


def seq_to_heads(x, group, world):
    """[B, H, n, D] (sequence shard, rank order) -> [B, H / W, W n, D]
    (rank j's shard at [j n, (j + 1) n))."""
    b, h, n, d = x.shape
    chunks = x.reshape(b, world, h // world, n, d).transpose(0, 1).contiguous()
    y = _all_to_all(chunks, group, world)               # [W(src), B, H/W, n, D]
    return y.permute(1, 2, 0, 3, 4).reshape(b, h // world, world * n, d)


def heads_to_seq(x, group, world):
    """The inverse of seq_to_heads()."""
    b, hw, wn, d = x.shape
    n = wn // world
    chunks = x.reshape(b, hw, world, n, d).permute(2, 0, 1, 3, 4).contiguous()
    y = _all_to_all(chunks, group, world)               # [W(src heads), B, H/W, n, D]
    return y.transpose(0, 1).reshape(b, world * hw, n, d)


class AllToAll(torch.autograd.Function):
    """seq_to_heads() (`to_heads` True) or heads_to_seq(); the backward is
    the other one."""

    @staticmethod
    def forward(ctx, x, group, world, to_heads):
        ctx.how = group, world, to_heads
        return (seq_to_heads if to_heads else heads_to_seq)(x, group, world)

    @staticmethod
    def backward(ctx, dy):
        group, world, to_heads = ctx.how
        back = heads_to_seq if to_heads else seq_to_heads
        return back(dy.contiguous(), group, world), None, None, None
