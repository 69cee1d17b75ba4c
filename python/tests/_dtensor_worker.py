"""One rank of test_dtensor.py's spawned run: flashattn_mlir.attention on
DTensors (a 1-D CPU mesh over gloo) placed every way, forward and
backward through the custom ops' sharding rules, on the tests' fake
runtime (which computes in float64), against full attention; writes
DIR/rank<r>.json. Not a test module (the spawned interpreter imports
it)."""

import json
import os
import sys
import traceback

B, HQ, HKV, N, D = 2, 4, 2, 32, 16


def reference(q, k, v, dout, mask, causal):
    """Full attention in float64 with autograd: out, lse, dq, dk, dv."""
    import torch
    q, k, v = (t.detach().double().requires_grad_() for t in (q, k, v))
    g = HQ // HKV
    s = q @ k.repeat_interleave(g, 1).transpose(-1, -2) * D ** -0.5
    if mask is not None:
        s = s + mask.double()
    if causal:
        s = s.masked_fill(torch.ones(N, N, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(s, -1) @ v.repeat_interleave(g, 1)
    grads = torch.autograd.grad(out, (q, k, v), dout.double())
    return [out.detach(), torch.logsumexp(s.detach(), -1), *grads]


def cases(rank, world):
    import torch
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor
    import flashattn_mlir as fa
    mesh = init_device_mesh("cpu", (world,))
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(B, HQ, N, D, generator=gen)
    k, v = (torch.randn(B, HKV, N, D, generator=gen) for _ in range(2))
    dout = torch.randn(B, HQ, N, D, generator=gen)
    bias = torch.randn(B, 1, N, N, generator=gen)
    results = {}
    for name, placement, mask in (
            ("replicate", Replicate(), None), ("batch", Shard(0), None),
            ("heads", Shard(1), None), ("sequence", Shard(2), None),
            ("batch-bias", Shard(0), bias), ("heads-bias", Shard(1), bias)):
        dist = lambda t: distribute_tensor(t, mesh, [placement])  # noqa: E731
        dq, dk, dv = (dist(t).requires_grad_() for t in (q, k, v))
        dmask = None if mask is None else distribute_tensor(
            mask, mesh, [Replicate() if name.startswith("heads") else placement])
        causal = mask is None
        out, lse = fa.attention(dq, dk, dv, causal=causal, attn_mask=dmask,
                                return_lse=True)
        grads = torch.autograd.grad(out, (dq, dk, dv), dist(dout))
        ref = reference(q, k, v, dout, mask, causal)
        got = [out, lse, *grads]
        results[name] = {
            "errors": [(g.full_tensor().double() - r).abs().max().item()
                       for g, r in zip(got, ref)],
            "placements": [str(g.placements[0]) for g in got]}
    # The op on the same DTensors with and without the logsumexp: two
    # entries of the sharding propagation's cache (the flags are in its key).
    dq, dk, dv = (distribute_tensor(t, mesh, [Shard(1)]) for t in (q, k, v))
    op = torch.ops.flashattn_mlir.attention
    shapes = {}
    for lse in (True, False, True):
        o, l = op(dq, dk, dv, None, "top_left", None, lse, False, False, False, "", "")
        shapes[str(lse)] = [list(o.shape), list(l.shape), list(l.to_local().shape),
                            str(l.placements[0])]
    results["lse-flag"] = shapes
    return results


def spawned(rank, world, init_file, out_dir, python_dir):
    sys.path[:0] = [python_dir, os.path.join(python_dir, "tests")]
    result = {}
    try:
        import torch.distributed as dist
        from flashattn_mlir import runtime
        from fake_runtime import FakeRuntime, _OnCuda
        rt = FakeRuntime()
        real = runtime._Buf._from_torch

        def from_torch(self, name, x):
            rt.tensors[x.data_ptr()] = x
            return real(self, name, _OnCuda(x))

        runtime._Buf._from_torch = from_torch
        runtime._runtime = rt
        dist.init_process_group("gloo", init_method=f"file://{init_file}",
                                rank=rank, world_size=world)
        result = cases(rank, world)
        dist.destroy_process_group()
    except Exception:  # noqa: BLE001 - the test reports it
        result["error"] = traceback.format_exc()
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(result, f)
