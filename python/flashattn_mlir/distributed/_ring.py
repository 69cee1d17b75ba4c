"""Ring attention over a torch.distributed process group (docs/
Distributed.md, "Ring attention"): the local queries stay; the keys and
values go round the ring (rank r sends to r + 1 and receives from r - 1,
batch_isend_irecv, overlapped with the step's attention); each step's
partial output is merged through the logsumexp (_merge). The backward
(FlashAttention ring style) sends K, V round again and, behind them, the
f32 dK/dV accumulators of the block each rank holds, which arrive home
after the last step."""

from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist

from . import _layout
from ._merge import merge_


def staged(x, group):
    """`x`, through host memory where `group` is gloo and `x` on CUDA (gloo
    sends CPU tensors; several ranks on one GPU cannot use NCCL)."""
    if x.is_cuda and dist.get_backend(group) == dist.Backend.GLOO:
        return x.cpu()
    return x


# Message tags: K/V and the dK/dV accumulators are both in flight between
# the same two ranks in the backward; gloo matches receives by tag.
KV_TAG, DKV_TAG = 1, 2


class _Rotation:
    """Sends `tensors` (one dtype) to the next rank and receives the
    previous rank's, of the same shapes, asynchronously."""

    def __init__(self, tensors, spec, tag=KV_TAG):
        self._shapes = [t.shape for t in tensors]
        self._device = tensors[0].device
        self._send = staged(torch.cat([t.reshape(-1) for t in tensors]), spec.group)
        self._recv = torch.empty_like(self._send)
        nxt = dist.get_global_rank(spec.group, (spec.rank + 1) % spec.world)
        prv = dist.get_global_rank(spec.group, (spec.rank - 1) % spec.world)
        self._works = dist.batch_isend_irecv([
            dist.P2POp(dist.isend, self._send, nxt, spec.group, tag),
            dist.P2POp(dist.irecv, self._recv, prv, spec.group, tag)])

    def wait(self):
        for w in self._works:
            w.wait()
        recv, out, at = self._recv.to(self._device), [], 0
        for shape in self._shapes:
            n = shape.numel()
            out.append(recv[at:at + n].view(shape))
            at += n
        return out


@dataclass
class RingSpec:
    """One ring attention call's fixed data. `group` None is the default
    group; world 1 needs no group (the all-to-all strategy's local call).
    `mask_mod(q_pos, k_pos)` (global positions, [Nq, 1] and [1, Nk]) returns
    a bool keep-mask broadcastable to [Nq, Nk]."""
    group: Any
    rank: int
    world: int
    layout: str
    causal: bool
    scale: float
    op: Any
    mask_mod: Optional[Callable] = None

    def positions(self, rank, n_local, device):
        return _layout.positions(rank, self.world, n_local, self.layout, device)

    def step(self, source, n_local, device):
        """(query part, key part, causal, mask) for the keys of rank
        `source`, or None when no query sees them."""
        plan = _layout.step_plan(self.rank, source, self.world, self.causal,
                                 self.layout)
        if plan is None or self.mask_mod is None:
            return plan if plan is None else (*plan, None)
        qp, kp, causal = plan
        qpos = _layout.part(self.positions(self.rank, n_local, device), qp, 0)
        kpos = _layout.part(self.positions(source, n_local, device), kp, 0)
        keep = torch.as_tensor(self.mask_mod(qpos[:, None], kpos[None, :]),
                               device=device)
        if keep.dtype != torch.bool:
            raise TypeError(f"mask_mod must return a bool keep-mask, got {keep.dtype}")
        keep = keep.expand(qpos.numel(), kpos.numel())
        if causal:  # the kernel takes a mask or causal, not both
            keep = keep & (qpos[:, None] >= kpos[None, :])
        return qp, kp, False, keep.reshape(1, 1, *keep.shape).contiguous()


def _forward(spec, q, k, v):
    """The ring's forward: (out in q's dtype, lse f32)."""
    n = q.shape[2]
    acc_out = torch.zeros(*q.shape[:3], v.shape[3], dtype=torch.float32,
                          device=q.device)
    acc_lse = torch.full(q.shape[:3], float("-inf"), dtype=torch.float32,
                         device=q.device)
    kv = [k.contiguous(), v.contiguous()]
    for i in range(spec.world):
        # The step's mask first: a mask_mod that raises does so before any send.
        step = spec.step((spec.rank - i) % spec.world, n, q.device)
        pending = _Rotation(kv, spec) if i < spec.world - 1 else None
        if step is not None:
            qp, kp, causal, mask = step
            o, l = spec.op.forward(_layout.part(q, qp), _layout.part(kv[0], kp),
                                   _layout.part(kv[1], kp), causal, spec.scale, mask)
            merge_(_layout.part(acc_out, qp), _layout.part(acc_lse, qp), o, l)
        if pending is not None:
            kv = pending.wait()
    return acc_out.to(q.dtype), acc_lse


def _backward(spec, dout, q, k, v, out, lse):
    """The ring's backward: dq, dk, dv in the inputs' dtypes."""
    n = q.shape[2]
    dq = torch.zeros(q.shape, dtype=torch.float32, device=q.device)
    dkv = [torch.zeros(k.shape, dtype=torch.float32, device=k.device),
           torch.zeros(v.shape, dtype=torch.float32, device=v.device)]
    kv = [k.contiguous(), v.contiguous()]
    pending_dkv = None
    for i in range(spec.world):
        step = spec.step((spec.rank - i) % spec.world, n, q.device)
        pending_kv = _Rotation(kv, spec) if i < spec.world - 1 else None
        grads = None
        if step is not None:
            qp, kp, causal, mask = step
            grads = spec.op.backward(
                *(_layout.part(t, qp) for t in (dout, q)),
                _layout.part(kv[0], kp), _layout.part(kv[1], kp),
                *(_layout.part(t, qp) for t in (out, lse)), causal, spec.scale, mask)
            _layout.part(dq, qp).add_(grads[0])
        if pending_dkv is not None:
            dkv = pending_dkv.wait()
        if grads is not None:
            _layout.part(dkv[0], kp).add_(grads[1])
            _layout.part(dkv[1], kp).add_(grads[2])
        if spec.world > 1:  # the accumulators follow their block; the last send takes them home
            pending_dkv = _Rotation(dkv, spec, DKV_TAG)
        if pending_kv is not None:
            kv = pending_kv.wait()
    if pending_dkv is not None:
        dkv = pending_dkv.wait()
    return dq.to(q.dtype), dkv[0].to(k.dtype), dkv[1].to(v.dtype)


class RingAttention(torch.autograd.Function):
    """(q, k, v, spec) -> (out, lse); lse is not differentiable."""

    @staticmethod
    def forward(ctx, q, k, v, spec):
        out, lse = _forward(spec, q, k, v)
        ctx.mark_non_differentiable(lse)
        ctx.save_for_backward(q, k, v, out, lse)
        ctx.spec = spec
        return out, lse

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dout, _dlse):
        q, k, v, out, lse = ctx.saved_tensors
        dq, dk, dv = _backward(ctx.spec, dout.contiguous(), q, k, v, out, lse)
        return dq, dk, dv, None
