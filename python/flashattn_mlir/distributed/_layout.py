"""How the sequence is sharded over the ranks (docs/Distributed.md, "The
sharding layout") and which part of each ring step is computed.

Layouts, for a global sequence of N = W * n positions over W ranks:

* ``"zigzag"`` (head-tail, PyTorch's round-robin load balancing): the
  sequence is cut into 2W chunks of n / 2; rank r holds chunks r and
  2W - 1 - r, in that order. Under a causal mask every rank then has the
  same amount of work.
* ``"contiguous"``: rank r holds positions [r n, (r + 1) n).

Pure torch index arithmetic, no communication."""

import torch

LAYOUTS = ("zigzag", "contiguous")

# A step computes these parts of the local queries / the visiting keys.
ALL, FIRST, SECOND = "all", "first", "second"


def check_layout(layout, n_local):
    """`layout` is one of LAYOUTS and `n_local` fits it."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r} is not one of {', '.join(LAYOUTS)}")
    if layout == "zigzag" and n_local % 2:
        raise ValueError(f"the zigzag layout needs an even local sequence "
                         f"length (two chunks per rank), got {n_local}")


def positions(rank, world, n_local, layout, device=None):
    """The global positions (int64, ascending) of rank `rank`'s local
    sequence."""
    check_layout(layout, n_local)
    if layout == "contiguous":
        return torch.arange(rank * n_local, (rank + 1) * n_local, device=device)
    c = n_local // 2
    tail = 2 * world - 1 - rank
    return torch.cat([torch.arange(rank * c, (rank + 1) * c, device=device),
                      torch.arange(tail * c, (tail + 1) * c, device=device)])


def shard(x, rank, world, layout="zigzag", dim=2):
    """Rank `rank`'s part of the full sequence `x` (sharded along `dim`)."""
    n = x.shape[dim]
    if n % world:
        raise ValueError(f"sequence length {n} is not a multiple of the world "
                         f"size {world}")
    idx = positions(rank, world, n // world, layout, device=x.device)
    return x.index_select(dim, idx)


def unshard(parts, layout="zigzag", dim=2):
    """The full sequence from every rank's part (`parts[r]` rank r's), the
    inverse of shard()."""
    world, n_local = len(parts), parts[0].shape[dim]
    order = torch.cat([positions(r, world, n_local, layout) for r in range(world)])
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(order.numel())
    return torch.cat(parts, dim).index_select(dim, inverse.to(parts[0].device))


def step_plan(rank, source, world, causal, layout):
    """What rank `rank` computes with the keys of rank `source`: None (no
    query sees a key), or (query part, key part, causal) with parts ALL,
    FIRST or SECOND half of the local sequence. `causal` is then the causal
    mask between equal-length parts (top-left and bottom-right agree).

    Zigzag (rank r holds chunks r and 2W-1-r, `source` s): s == r is causal
    on all of it (positions ascend on both sides); s < r: every query sees
    chunk s and none sees chunk 2W-1-s; s > r: chunk r sees nothing, chunk
    2W-1-r sees both of s's chunks."""
    if not causal:
        return ALL, ALL, False
    if source == rank:
        return ALL, ALL, True
    if layout == "contiguous":
        return (ALL, ALL, False) if source < rank else None
    return (ALL, FIRST, False) if source < rank else (SECOND, ALL, False)


def part(x, which, dim=2):
    """`x`'s ALL / FIRST / SECOND half along `dim` (a view)."""
    if which == ALL:
        return x
    h = x.shape[dim] // 2
    return x.narrow(dim, 0, h) if which == FIRST else x.narrow(dim, h, x.shape[dim] - h)
