"""Runtime block masks (docs/BlockSparse.md): BlockMask, the tensor of
fa.attention's `block_mask` operand with its block sizes, and helpers that
build one from per-token document ids or from a mask function, with torch
ops on whole tensors (no kernel is compiled per call). torch is imported by
the helpers only."""

from . import _checks


class BlockMask:
    """Which (query block, key block) pairs attention computes.

    `mask`: a tensor [B or 1, H or 1, ceil(Nq / block_q), ceil(Nk /
    block_kv)] of bool or int8/uint8 (non-zero keeps the block), on the
    device of q; `block_size`: (block_q, block_kv), positive multiples of 16.
    Entry (b, h, i, j) = 0 means the query rows [i * block_q, (i + 1) *
    block_q) never see the keys [j * block_kv, (j + 1) * block_kv): the
    kernels skip the block without loading K/V. Within a kept block every
    pair is computed, unless attn_mask, causal or window hides it: a mask
    that is not block-aligned needs its element mask as attn_mask too (a
    document mask's blocks that straddle two documents, say)."""

    def __init__(self, mask, block_size=128):
        if isinstance(block_size, int) or not hasattr(block_size, "__len__"):
            block_size = (block_size, block_size)
        if len(block_size) != 2:
            raise ValueError("block_size must be an int or (block_q, block_kv), "
                             f"got {block_size!r}")
        bq, bk = (_checks.integer("block_size", b, minimum=1) for b in block_size)
        if bq % 16 or bk % 16:
            raise ValueError("block sizes must be multiples of 16, got "
                             f"({bq}, {bk})")
        shape = getattr(mask, "shape", None)
        if shape is None or len(shape) != 4:
            raise ValueError("mask must be a 4-D tensor [B or 1, H or 1, Mq, Mk], "
                             f"got {getattr(mask, 'shape', type(mask).__name__)}")
        dtype = str(getattr(mask, "dtype", "")).replace("torch.", "")
        if dtype not in ("bool", "int8", "uint8"):
            raise TypeError(f"mask must be bool, int8 or uint8, got {dtype}")
        self.mask = mask
        self.block_size = (bq, bk)

    def __repr__(self):
        return (f"BlockMask(shape={tuple(self.mask.shape)}, "
                f"block_size={self.block_size}, density={self.density():.3f})")

    def density(self):
        """The fraction of the blocks kept."""
        return float((self.mask != 0).float().mean())

    def operand(self):
        """The mask as the kernel reads it: int8 bytes, contiguous (a bool
        tensor's bytes are its 0s and 1s)."""
        import torch
        m = self.mask
        if m.dtype == torch.bool or m.dtype == torch.uint8:
            m = m.view(torch.int8) if m.is_contiguous() else (m != 0).to(torch.int8)
        return m.contiguous()

    def config(self, q_shape, k_shape):
        """The compile() argument (block_q, block_kv, shape), checked against
        the shapes of a call's q and k (ValueError when the mask's is not
        theirs)."""
        desc = _checks.block_mask("block_mask", self.block_size + (
            list(self.mask.shape),), list(q_shape), list(k_shape))
        return (desc["block_q"], desc["block_kv"], desc["shape"])

    def to_dense(self, nq, nk):
        """The element mask of the blocks, bool [B or 1, H or 1, nq, nk]."""
        bq, bk = self.block_size
        m = self.mask != 0
        return m.repeat_interleave(bq, dim=2)[:, :, :nq].repeat_interleave(
            bk, dim=3)[..., :nk]


def _blocks(n, block):
    return -(-n // block)


def _block_size(block):
    if isinstance(block, int):
        return block, block
    return tuple(block)


def block_mask_from_document_ids(doc_ids, block=128, causal=False,
                                 kv_doc_ids=None):
    """The BlockMask of document masking for packed sequences: query i sees
    key j iff doc_ids[b, i] == kv_doc_ids[b, j] (and, with `causal`,
    j <= i; Nq == Nk then). `doc_ids`: an integer tensor [B, Nq] or [Nq] of
    ids >= 0 (documents need not be contiguous); `kv_doc_ids` defaults to
    it. A block is kept iff some pair in it is visible; blocks where a
    document starts or ends are partial: pass document_keep_mask() as
    attn_mask for those (docs/BlockSparse.md). Mask shape [B, 1, Mq, Mk]."""
    import torch
    bq, bk = _block_size(block)
    q_ids = doc_ids if doc_ids.dim() == 2 else doc_ids[None]
    k_ids = q_ids if kv_doc_ids is None else (
        kv_doc_ids if kv_doc_ids.dim() == 2 else kv_doc_ids[None])
    if causal and q_ids.shape[1] != k_ids.shape[1]:
        raise ValueError("causal document masks need Nq == Nk")
    B, nq = q_ids.shape
    nk = k_ids.shape[1]
    docs = int(max(q_ids.max(), k_ids.max())) + 1
    big = nq + nk + 1

    def per_block(ids, block, reduce, fill, positions):
        # [B, M, docs]: reduce over the block's tokens of each document.
        n = ids.shape[1]
        blocks = _blocks(n, block)
        out = torch.full((ids.shape[0], blocks * docs), fill,
                         dtype=torch.long, device=ids.device)
        index = (torch.arange(n, device=ids.device) // block)[None] * docs + ids
        out.scatter_reduce_(1, index.long(), positions.expand_as(ids).long(),
                            reduce=reduce, include_self=True)
        return out.view(ids.shape[0], blocks, docs)

    pos_q = torch.arange(nq, device=q_ids.device)[None]
    pos_k = torch.arange(nk, device=k_ids.device)[None]
    if causal:
        # Some row of the q-block sees some key of the k-block of a shared
        # document iff that document's first key in the k-block is at most
        # its last row in the q-block.
        last_q = per_block(q_ids, bq, "amax", -1, pos_q)
        first_k = per_block(k_ids, bk, "amin", big, pos_k)
        keep = (first_k[:, None, :, :] <= last_q[:, :, None, :]) & \
            (last_q[:, :, None, :] >= 0)
    else:
        in_q = per_block(q_ids, bq, "amax", 0, torch.ones_like(pos_q)) > 0
        in_k = per_block(k_ids, bk, "amax", 0, torch.ones_like(pos_k)) > 0
        keep = in_q[:, :, None, :] & in_k[:, None, :, :]
    return BlockMask(keep.any(dim=-1)[:, None].contiguous(), (bq, bk))


def document_keep_mask(doc_ids, causal=False, kv_doc_ids=None):
    """The element keep-mask of document masking, bool [B, 1, Nq, Nk] (the
    attn_mask that goes with block_mask_from_document_ids())."""
    import torch
    q_ids = doc_ids if doc_ids.dim() == 2 else doc_ids[None]
    k_ids = q_ids if kv_doc_ids is None else (
        kv_doc_ids if kv_doc_ids.dim() == 2 else kv_doc_ids[None])
    keep = q_ids[:, :, None] == k_ids[:, None, :]
    if causal:
        n = q_ids.shape[1]
        keep &= torch.ones(n, n, dtype=torch.bool, device=keep.device).tril()
    return keep[:, None]


def create_block_mask(fn, B, H, Nq, Nk, block=128, device="cpu",
                      rows_per_chunk=4096):
    """The BlockMask of a mask function, like FlexAttention's
    create_block_mask: `fn(b, h, q_idx, kv_idx)` returns whether query q_idx
    of batch b, head h sees key kv_idx, computed with torch ops on
    broadcast index tensors (b [B', 1, 1, 1], h [1, H', 1, 1], q_idx
    [1, 1, rows, 1], kv_idx [1, 1, 1, Nk]). B or H None: the mask does not
    depend on it (size 1). A block is kept iff some pair in it is visible.
    Evaluated `rows_per_chunk` query rows at a time (rounded to whole
    blocks): Nq * Nk evaluations on `device`, no kernel compiled."""
    import torch
    bq, bk = _block_size(block)
    nb, nh = (1 if B is None else B), (1 if H is None else H)
    mq, mk = _blocks(Nq, bq), _blocks(Nk, bk)
    b = torch.arange(nb, device=device).view(nb, 1, 1, 1)
    h = torch.arange(nh, device=device).view(1, nh, 1, 1)
    kv = torch.arange(Nk, device=device).view(1, 1, 1, Nk)
    pad_k = mk * bk - Nk
    chunk = max(bq, rows_per_chunk // bq * bq)
    parts = []
    for start in range(0, Nq, chunk):
        rows = min(chunk, Nq - start)
        q = torch.arange(start, start + rows, device=device).view(1, 1, rows, 1)
        keep = torch.as_tensor(fn(b, h, q, kv), device=device).bool()
        keep = keep.expand(nb, nh, rows, Nk)
        pad_q = _blocks(rows, bq) * bq - rows
        keep = torch.nn.functional.pad(keep, (0, pad_k, 0, pad_q))
        parts.append(keep.view(nb, nh, -1, bq, mk, bk).any(dim=5).any(dim=3))
    return BlockMask(torch.cat(parts, dim=2).contiguous(), (bq, bk))
