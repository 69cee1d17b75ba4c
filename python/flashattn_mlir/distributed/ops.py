"""The per-block attention ops that the ring and all-to-all strategies call
(docs/Distributed.md, "Block ops"). A block op has two methods:

    forward(q, k, v, causal, scale, mask) -> (out, lse)
    backward(dout, q, k, v, out, lse, causal, scale, mask) -> (dq, dk, dv)

q [B, Hq, Nq, D], k [B, Hkv, Nk, D], v [B, Hkv, Nk, Dv] (Hq a multiple of
Hkv); `mask` None or a bool keep-mask [1, 1, Nq, Nk] (True keeps), never
given together with `causal`, and `causal` only with Nq == Nk; `scale` a
float. forward returns out in q's dtype and lse f32 [B, Hq, Nq] (natural
log; -inf for a row that sees no key, whose out is 0). backward gets the
*merged* out and lse of the whole ring (FlashAttention's backward needs the
global softmax statistics, not the block's) and returns this block's
contributions to dq, dk, dv (dk, dv summed over each KV group), in any
float dtype: the ring accumulates them in f32."""

import torch

from .. import autograd as _autograd
from .. import runtime as _runtime


class ReferenceOp:
    """Plain torch math in f32 on any device (the CPU tests' op)."""

    @staticmethod
    def _probabilities(q, k, causal, scale, mask, lse):
        """exp(S - lse) with S = scale q k^T, 0 where masked; k repeated over
        each KV group. `lse` None: the block's own (returned too)."""
        g = q.shape[1] // k.shape[1]
        s = q.float() @ k.float().repeat_interleave(g, 1).transpose(-1, -2) * scale
        keep = mask
        if causal:
            n_q, n_k = s.shape[-2:]
            keep = torch.ones(n_q, n_k, dtype=torch.bool, device=s.device).tril()
        if keep is not None:
            s = s.masked_fill(~keep, float("-inf"))
        if lse is None:
            lse = torch.logsumexp(s, -1)
        # A row that sees no key has lse -inf and every score -inf: P is 0.
        safe = torch.where(torch.isinf(lse), torch.zeros_like(lse), lse)
        p = torch.exp(s - safe.unsqueeze(-1))
        if keep is not None:
            p = p.masked_fill(~keep, 0.0)
        return p, lse

    def forward(self, q, k, v, causal, scale, mask):
        p, lse = self._probabilities(q, k, causal, scale, mask, None)
        g = q.shape[1] // k.shape[1]
        out = p @ v.float().repeat_interleave(g, 1)
        return out.to(q.dtype), lse

    def backward(self, dout, q, k, v, out, lse, causal, scale, mask):
        p, _ = self._probabilities(q, k, causal, scale, mask, lse.float())
        g = q.shape[1] // k.shape[1]
        kf = k.float().repeat_interleave(g, 1)
        vf = v.float().repeat_interleave(g, 1)
        do = dout.float()
        dv = p.transpose(-1, -2) @ do
        dp = do @ vf.transpose(-1, -2)
        delta = (do * out.float()).sum(-1, keepdim=True)   # D = rowsum(dO * O)
        ds = p * (dp - delta)
        dq = ds @ kf * scale
        dk = ds.transpose(-1, -2) @ q.float() * scale
        b, hkv = k.shape[:2]
        dk = dk.reshape(b, hkv, g, *dk.shape[2:]).sum(2)
        dv = dv.reshape(b, hkv, g, *dv.shape[2:]).sum(2)
        return dq, dk, dv


def _aligned(t):
    """`t` contiguous and starting on 16 bytes, as the kernels' TMA and
    16-byte loads need (docs/Python.md): a view into a received K/V buffer
    may start anywhere."""
    t = t.contiguous()
    return t if t.data_ptr() % 16 == 0 else t.clone()


class KernelOp:
    """flashattn_mlir's kernels: attention(return_lse=True) forward and the
    backward kernels of compile_backward() (docs/Python.md), on CUDA
    tensors. Kernels are looked up (registered: load_dir(),
    $FLASHATTN_MLIR_KERNELS) or compiled where the compiler is."""

    def __init__(self, target=None, deterministic=False):
        self.target = target
        self.deterministic = deterministic

    def forward(self, q, k, v, causal, scale, mask):
        with torch.no_grad():
            return _runtime.attention(
                _aligned(q), _aligned(k), _aligned(v), causal=causal,
                scale=scale, attn_mask=mask, return_lse=True, target=self.target)

    def backward(self, dout, q, k, v, out, lse, causal, scale, mask):
        # attention()'s own backward: the backward kernel of this forward's
        # configuration (found, or compiled where the compiler is), through
        # the same launch plan.
        q, k, v, out, dout, lse = (_aligned(t) for t in (q, k, v, out, dout, lse))
        dq, dk, dv, _ = _autograd.backward(
            dout, q, k, v, mask, out, lse, _autograd._causal_name(causal), scale,
            False, self.deterministic, self.target or "")
        return dq, dk, dv


def default_op(device):
    """KernelOp on CUDA, ReferenceOp elsewhere."""
    return KernelOp() if torch.device(device).type == "cuda" else ReferenceOp()
