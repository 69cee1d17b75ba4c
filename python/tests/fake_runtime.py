"""A fake of flashattn_mlir.runtime.Runtime for torch without a GPU: CPU
torch tensors stand for device memory (the real _Buf checks run on a view
that says it is on CUDA) and each launched manifest's outputs are computed
from its buffers in float64 (the forward: O and the logsumexp; the
backward: the closed form of docs/Backward.md from O, dO and the logsumexp
it is handed). Strided tensors are read and written through their strides,
and only for manifest arguments that say caller_strides, with the strides
the launch passes (faRtLaunchStrided's contract, D128). Shared by the torch tests (test_autograd.py, test_torch_op.py,
test_transformers.py)."""

import json

import pytest

torch = pytest.importorskip("torch")

from flashattn_mlir import runtime  # noqa: E402
from fake_driver import OnCuda as _OnCuda  # noqa: E402


def scores(cfg, q, k, mask, bm=None):
    """scale * Q K^T (+ bias), -inf where masked (and where the block mask
    `bm`, of cfg["block_mask"]'s block sizes, is 0), float64, K repeated
    over each KV group."""
    g = q.shape[1] // k.shape[1]
    s = q.double() @ k.double().repeat_interleave(g, 1).transpose(-1, -2)
    s = s * cfg["scale"]
    if mask is not None:
        s = s + mask.double() if mask.dtype != torch.bool else \
            s.masked_fill(~mask, float("-inf"))
    nq, nk = q.shape[2], k.shape[2]
    i = torch.arange(nq)[:, None]
    j = torch.arange(nk)[None, :]
    if cfg["causal"]:
        s = s.masked_fill(j > i + nk - nq, float("-inf"))
    pattern = cfg.get("mask_pattern")
    if pattern:
        # keep = local or global (causal applied above), positions
        # bottom-right aligned; the window is the local part when set.
        chunk, glob, fly = pattern
        ip = i + nk - nq
        local = torch.ones(nq, nk, dtype=torch.bool)
        if cfg.get("window"):
            left, right = cfg["window"]
            local = (j >= ip - left) & (j <= ip + right)
        if chunk:
            local = torch.div(ip, chunk, rounding_mode="floor") == j // chunk
        if fly:
            x = torch.div(ip, fly, rounding_mode="floor") ^ (j // fly)
            local = (x & (x - 1)) == 0
        if glob:
            local = local | (j < glob) | (ip < glob)
        s = s.masked_fill(~local, float("-inf"))
    elif cfg.get("window"):
        left, right = cfg["window"]
        s = s.masked_fill((j < i + nk - nq - left) | (j > i + nk - nq + right),
                          float("-inf"))
    if bm is not None:
        blocks = cfg["block_mask"]
        keep = (bm != 0).repeat_interleave(blocks["block_q"], 2)[:, :, :nq]
        keep = keep.repeat_interleave(blocks["block_kv"], 3)[..., :nk]
        s = s.masked_fill(~keep, float("-inf"))
    return s


class FakeRuntime:
    """Runs a manifest's kernels on CPU tensors (found by data pointer)."""

    def __init__(self):
        self.tensors, self.configs, self.launches, self.bytes = {}, [], [], []
        # Per loaded manifest: the indices of its caller_strides arguments.
        self.caller_strides = []
        # Per launch: the strides it passed (None: all dense).
        self.strides = []

    def init(self, ordinal):
        pass

    def load(self, manifest, prefer_cubin=True):
        with open(manifest[:-5] + ".config.json") as f:
            self.configs.append(json.load(f)["config"])
        with open(manifest) as f:
            arguments = json.load(f)["arguments"]
        self.bytes.append([a["bytes"] for a in arguments])
        self.caller_strides.append({a["index"] for a in arguments
                                    if a.get("caller_strides")})
        return len(self.configs) - 1

    def argument_bytes(self, handle):
        return self.bytes[handle]

    def launch(self, handle, buffers, stream, strides=None):
        self.launch_tensors(handle, [self.tensors[p] for p, _ in buffers],
                            [p for p, _ in buffers], stream, strides)

    def launch_tensors(self, handle, ts, pointers, stream, strides=None):
        cfg = self.configs[handle]
        assert [t.numel() * t.element_size() for t in ts] == self.bytes[handle]
        assert pointers == [t.data_ptr() for t in ts]
        for i, t in enumerate(ts):
            # What the kernels read is what the launch says: a tensor is
            # dense unless strides are given, and only where the manifest
            # takes them.
            s = strides[i] if strides else None
            if s is None:
                assert t.is_contiguous(), (i, t.stride())
            else:
                assert i in self.caller_strides[handle], i
                assert tuple(s) == tuple(t.stride()), (i, s, t.stride())
        self.launches.append((cfg, pointers))
        self.strides.append(strides)
        (self._backward if "grad" in cfg else self._forward)(cfg, ts)

    @staticmethod
    def _forward(cfg, ts):
        q, k, v = ts[:3]
        mask = ts[3] if cfg["mask"] else None
        bm = ts[3 + bool(cfg["mask"])] if cfg.get("block_mask") else None
        o, lse = ts[-2:] if cfg["lse"] else (ts[-1], None)
        s = scores(cfg, q, k, mask, bm)
        m = torch.logsumexp(s, -1)
        p = torch.nan_to_num(torch.exp(s - m[..., None]), nan=0.0)
        g = q.shape[1] // k.shape[1]
        o.copy_(p @ v.double().repeat_interleave(g, 1))
        if lse is not None:
            lse.copy_(m)

    @staticmethod
    def _backward(cfg, ts):
        q, k, v, o, do, lse = ts[:6]
        mask = ts[6] if cfg["mask"] else None
        bm = ts[6 + bool(cfg["mask"])] if cfg.get("block_mask") else None
        first = 6 + bool(cfg["mask"]) + (bm is not None)
        dq, dk, dv = ts[first:first + 3]
        g = q.shape[1] // k.shape[1]
        ke = k.double().repeat_interleave(g, 1)
        ve = v.double().repeat_interleave(g, 1)
        p = torch.nan_to_num(
            torch.exp(scores(cfg, q, k, mask, bm) - lse.double()[..., None]),
            nan=0.0)
        dp = do.double() @ ve.transpose(-1, -2)
        ds = p * (dp - (do.double() * o.double()).sum(-1, keepdim=True))
        group = lambda x: x.unflatten(1, (k.shape[1], g)).sum(2)
        dq.copy_(cfg["scale"] * ds @ ke)
        dk.copy_(group(cfg["scale"] * ds.transpose(-1, -2) @ q.double()))
        dv.copy_(group(p.transpose(-1, -2) @ do.double()))
        if cfg["grad"]["bias_grad"]:
            ts[-1].copy_(ds.sum_to_size(ts[-1].shape))


def install(monkeypatch):
    """Makes attention() run on CPU tensors with a FakeRuntime; returns it."""
    rt = FakeRuntime()
    real = runtime._Buf._from_torch

    def from_torch(self, name, x):
        rt.tensors[x.data_ptr()] = x
        return real(self, name, _OnCuda(x))

    monkeypatch.setattr(runtime._Buf, "_from_torch", from_torch)
    monkeypatch.setattr(runtime, "_runtime", rt)
    return rt
