"""One rank of test_distributed.py's gloo runs (spawned processes): every
case's local results against full attention computed here in float64 with
torch autograd, written to DIR/rank<r>.json as {case: {quantity: max abs
error, or "error": message}}. Not a test module (no pytest import: the
spawned interpreter imports it)."""

import json
import os
import sys
import traceback

import torch
import torch.distributed as dist

N, D = 32, 16   # N divides into 2W chunks for W in 1, 2, 4


def keep_mask(name, causal):
    """(mask_mod or None, full [N, N] keep-mask) for the case's mask."""
    pos = torch.arange(N)
    mods = {
        None: None,
        # Documents of lengths 5, 11, 9, 7: a row sees its own document.
        "document": lambda qp, kp: _doc(qp) == _doc(kp),
        # Query rows 4..7 see no key at all; others see keys outside 16..23
        # (blocks of a rank's chunk see nothing in some steps).
        "block": lambda qp, kp: ((qp // 4) != 1) & ((kp // 8) != 2),
    }
    mod = mods[name]
    keep = torch.ones(N, N, dtype=torch.bool)
    if mod is not None:
        keep = keep & mod(pos[:, None], pos[None, :])
    if causal:
        keep = keep & (pos[:, None] >= pos[None, :])
    return mod, keep


def _doc(p):
    return torch.bucketize(p, torch.tensor([5, 16, 25]), right=True)


def reference(q, k, v, dout, keep, scale):
    """Full attention in float64 with autograd: out, lse, dq, dk, dv; a row
    that sees no key gives 0 and lse -inf."""
    q, k, v = (t.detach().double().requires_grad_() for t in (q, k, v))
    g = q.shape[1] // k.shape[1]
    s = q @ k.repeat_interleave(g, 1).transpose(-1, -2) * scale
    row = keep.any(-1, keepdim=True)
    p = torch.softmax(s.masked_fill(~keep, float("-inf")).masked_fill(~row, 0.0), -1) * row
    out = p @ v.repeat_interleave(g, 1)
    lse = torch.logsumexp(s.detach().masked_fill(~keep, float("-inf")), -1)
    dq, dk, dv = torch.autograd.grad(out, (q, k, v), dout.double())
    return out.detach(), lse, dq, dk, dv


def cases(world):
    """(name, kwargs) of every case at this world size: each strategy
    causal with GQA and not causal without, the masks with the strategies
    that take them (PyTorch's ring takes no per-step mask), bf16 and f16."""
    out = []
    for strategy in ("ring", "ring_contiguous", "ulysses", "torch"):
        out += [(f"{strategy}-causal-h8x4", dict(strategy=strategy, causal=True, hq=8, hkv=4)),
                (f"{strategy}-full-h4x4", dict(strategy=strategy, causal=False, hq=4, hkv=4))]
        if strategy == "torch":
            continue
        for mask, causal in (("document", True), ("block", False), ("block", True)):
            out.append((f"{strategy}-{mask}-{'causal' if causal else 'full'}",
                        dict(strategy=strategy, causal=causal, hq=8, hkv=4, mask=mask)))
    out += [(f"ring-causal-{name}", dict(strategy="ring", causal=True, hq=4, hkv=2,
                                         dtype=dtype))
            for name, dtype in (("bf16", torch.bfloat16), ("f16", torch.float16))]
    out.append(("ring-block-causal-bf16", dict(strategy="ring", causal=True, hq=4,
                                               hkv=2, mask="block",
                                               dtype=torch.bfloat16)))
    # flashattn_mlir.attention() under PyTorch's context parallelism.
    for strategy in CONTEXT_PARALLEL:
        out += [(f"{strategy}-causal-h8x4", dict(strategy=strategy, causal=True, hq=8, hkv=4)),
                (f"{strategy}-full-h4x4", dict(strategy=strategy, causal=False, hq=4, hkv=4))]
    out.append(("cp-causal-bf16", dict(strategy="cp", causal=True, hq=4, hkv=2,
                                       dtype=torch.bfloat16)))
    return out


# context_parallel() (its head-tail load balancing), the same with load
# balancing off (rank order), the module-style API (head-tail).
CONTEXT_PARALLEL = ("cp", "cp_contiguous", "cp_module")


def run_case(rank, world, strategy, causal, hq, hkv, mask=None, dtype=torch.float32):
    from flashattn_mlir import distributed as fd
    gen = torch.Generator().manual_seed(1234)
    q = torch.randn(2, hq, N, D, generator=gen)
    k, v = (torch.randn(2, hkv, N, D, generator=gen) for _ in range(2))
    dout = torch.randn(2, hq, N, D, generator=gen)
    q, k, v, dout = (t.to(dtype) for t in (q, k, v, dout))
    mod, keep = keep_mask(mask, causal)
    scale = D ** -0.5
    ref = reference(q, k, v, dout, keep, scale)
    layout = ("contiguous" if strategy in ("ring_contiguous", "cp_contiguous")
              else "zigzag")
    if strategy in CONTEXT_PARALLEL:
        out, lse, dq, dk, dv = run_context_parallel(world, strategy, q, k, v, dout,
                                                    causal, scale)
    else:
        lq, lk, lv, ldo = (fd.shard(t, rank, world, layout).requires_grad_(t is not dout)
                           for t in (q, k, v, dout))
        kw = dict(causal=causal, scale=scale, op=fd.ReferenceOp(), return_lse=True)
        if strategy == "torch":
            out, lse = fd.torch_ring_attention(lq, lk, lv, **kw)
        else:
            fn = fd.ulysses_attention if strategy == "ulysses" else fd.ring_attention
            out, lse = fn(lq, lk, lv, layout=layout, mask_mod=mod, **kw)
        dq, dk, dv = torch.autograd.grad(out, (lq, lk, lv), ldo)
    errors = {}
    for name, got, want in zip(("out", "lse", "dq", "dk", "dv"),
                               (out, lse, dq, dk, dv), ref):
        want = fd.shard(want, rank, world, layout)
        got = got.double()
        if torch.isnan(got).any():
            errors[name] = "nan"
            continue
        inf = torch.isinf(want)
        if not torch.equal(inf, torch.isinf(got)):
            errors[name] = "-inf rows differ"
            continue
        errors[name] = (got[~inf] - want[~inf]).abs().max().item() if (~inf).any() else 0.0
    errors["masked_rows"] = int(torch.isinf(ref[1]).sum())
    return errors


class _Attention(torch.nn.Module):
    """A model's attention module that calls flashattn_mlir.attention."""

    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, q, k, v):
        import flashattn_mlir as fa
        return fa.attention(q, k, v, **self.kw)


_meshes = {}


def _mesh(world):
    from torch.distributed.device_mesh import init_device_mesh
    if world not in _meshes:
        _meshes[world] = init_device_mesh("cpu", (world,))
    return _meshes[world]


def run_context_parallel(world, strategy, q, k, v, dout, causal, scale):
    """This rank's (out, lse, dq, dk, dv) of flashattn_mlir.attention() in a
    model under PyTorch's context parallelism (CONTEXT_PARALLEL), on the
    CPU (the handler's block op: ReferenceOp)."""
    import flashattn_mlir as fa
    from torch.distributed.tensor.experimental._context_parallel import (
        _attention as cpa, _load_balancer)
    mesh = _mesh(world)
    kw = dict(causal=causal, scale=scale, return_lse=True)
    saved = cpa._cp_options.enable_load_balance, cpa._dispatch_mode
    try:
        if strategy == "cp_module":
            from torch.distributed.tensor.parallel import parallelize_module
            style = cpa._ContextParallel(
                seq_dim=2, attention_type=cpa._ContextParallel.AttentionType.SDPA)
            attn = parallelize_module(_Attention(**kw), mesh, style)
            cpa._enable_context_parallel_dispatcher()
            try:
                balancer = _load_balancer._HeadTailLoadBalancer(q.shape[2], world, "cpu")
                lq, lk, lv, ldo = cpa._context_parallel_shard(
                    mesh, [t.clone() for t in (q, k, v, dout)], [2] * 4, balancer)
                lq, lk, lv = (t.requires_grad_() for t in (lq, lk, lv))
                out, lse = attn(lq, lk, lv)
                grads = torch.autograd.grad(out, (lq, lk, lv), ldo)
            finally:
                cpa._disable_context_parallel_dispatcher()
        else:
            cpa._cp_options.enable_load_balance = strategy == "cp"
            bufs = [t.clone() for t in (q, k, v, dout)]
            with cpa.context_parallel(mesh, buffers=bufs, buffer_seq_dims=[2] * 4):
                lq, lk, lv = (b.detach().clone().requires_grad_() for b in bufs[:3])
                out, lse = fa.attention(lq, lk, lv, **kw)
                grads = torch.autograd.grad(out, (lq, lk, lv), bufs[3])
    finally:
        cpa._cp_options.enable_load_balance, cpa._dispatch_mode = saved
    return (out, lse, *grads)


def context_parallel_case(rank, world):
    """Buffers sharded by PyTorch's context_parallel() (its default
    head-tail load balancing) and restored after: our ring, PyTorch's ring
    and a plain attention() call (forward only, no lse: the handler's other
    output) on them, causal, against full attention; a mask, a window and
    replicated DTensors refused inside; the handler gone after."""
    from torch.distributed.tensor import DTensor, Replicate
    from torch.distributed.tensor.experimental import context_parallel
    from torch.distributed.tensor.experimental._context_parallel._attention import (
        context_parallel_unshard)
    import flashattn_mlir as fa
    from flashattn_mlir import distributed as fd
    mesh = _mesh(world)
    gen = torch.Generator().manual_seed(7)
    q, k, v = (torch.randn(1, 4, N, D, generator=gen) for _ in range(3))
    ref = reference(q, k, v, torch.zeros_like(q), keep_mask(None, True)[1], D ** -0.5)[0]
    bufs = [q.clone(), k.clone(), v.clone()]
    with context_parallel(mesh, buffers=bufs, buffer_seq_dims=[2, 2, 2]):
        outs = [fn(*bufs, causal=True, op=fd.ReferenceOp())
                for fn in (fd.ring_attention, fd.torch_ring_attention)]
        outs.append(fa.attention(*bufs, causal=True))
        keep = torch.ones(1, 1, bufs[0].shape[2], N, dtype=torch.bool)
        refused = {
            "mask": _message(fa.attention, *bufs, attn_mask=keep),
            "window": _message(fa.attention, *bufs, window=(4, 0)),
            "mask_pattern": _message(fa.attention, *bufs,
                                     mask_pattern=fa.MaskPattern(chunk=8)),
            "replicated": _message(fa.attention, *(
                DTensor.from_local(b, mesh, [Replicate()]) for b in bufs)),
        }
    after = "refused" if "context_parallel" in _message(fa.attention, *bufs) else "ok"
    restored = all(torch.equal(b, t) for b, t in zip(bufs, (q, k, v)))
    full = context_parallel_unshard(mesh, outs, [2, 2, 2])
    handlers = DTensor._op_dispatcher._custom_op_handlers
    return {"ring": (full[0].double() - ref).abs().max().item(),
            "torch": (full[1].double() - ref).abs().max().item(),
            "attention": (full[2].double() - ref).abs().max().item(),
            "local_type": type(outs[2]).__name__, "refused": refused,
            "restored": restored, "after": after,
            "handler_left": torch.ops.flashattn_mlir.attention.default in handlers}


def _message(fn, *args, **kwargs):
    """The message of what fn(*args, **kwargs) raises ("" when nothing)."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the message is the result
        return str(e)
    return ""


def error_cases(rank, world):
    """Bad calls: each must raise the named exception."""
    from flashattn_mlir import distributed as fd
    x = torch.zeros(1, 2, 8, 4)
    checks = {
        "causal_not_bool": (TypeError, lambda: fd.ring_attention(x, x, x, causal=1)),
        "odd_zigzag": (ValueError, lambda: fd.ring_attention(
            x[:, :, :7], x[:, :, :7], x[:, :, :7])),
        "bad_layout": (ValueError, lambda: fd.ring_attention(x, x, x, layout="ring")),
        "gqa_shapes": (ValueError, lambda: fd.ring_attention(x, x[:, :1].repeat(1, 3, 1, 1), x)),
        "mask_not_bool": (TypeError, lambda: fd.ring_attention(
            x, x, x, mask_mod=lambda a, b: (a - b).float())),
        "bad_op": (TypeError, lambda: fd.ring_attention(x, x, x, op=object())),
    }
    if world > 2:
        checks["ulysses_heads"] = (ValueError, lambda: fd.ulysses_attention(x, x, x))
    result = {}
    for name, (exc, call) in checks.items():
        try:
            call()
            result[name] = "no exception"
        except exc as e:
            result[name] = "ok: " + str(e)
        except Exception as e:  # noqa: BLE001 - recorded as a failure
            result[name] = f"{type(e).__name__}: {e}"
    return result


def main(rank, world, init_file, out_dir):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world)
    torch.set_num_threads(1)  # W processes share the CPUs
    results = {}
    for name, kw in cases(world):
        try:
            results[name] = run_case(rank, world, **kw)
        except Exception:  # noqa: BLE001 - recorded, the parent fails the case
            results[name] = {"error": traceback.format_exc()}
    results["errors"] = error_cases(rank, world)
    try:
        results["context_parallel"] = context_parallel_case(rank, world)
    except Exception:  # noqa: BLE001 - recorded, the parent fails the test
        results["context_parallel"] = {"error": traceback.format_exc()}
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)
    dist.barrier()
    dist.destroy_process_group()


def spawned(rank, world, init_file, out_dir, python_dir):
    sys.path.insert(0, python_dir)
    main(rank, world, init_file, out_dir)
