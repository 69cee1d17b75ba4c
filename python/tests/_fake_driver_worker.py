"""One rank of test_fake_driver.py's spawned run: ring attention (zigzag,
causal, GQA), all-to-all and flashattn_mlir.attention() under
context_parallel() (its handler) with KernelOp, that is our launch path (the
plans, ctypes, faRtLaunch) in a spawned process over gloo, forward and
backward through autograd, on the fake CUDA driver. Nothing is computed
(the outputs are whatever torch.empty holds): what is checked is that
every rank gets through, and what each launched. Writes
DIR/rank<r>.json. Not a test module (the spawned interpreter imports
it)."""

import json
import os
import sys
import traceback


def _under_context_parallel(world, q, k, v):
    """flashattn_mlir.attention() inside context_parallel(), which shards
    q, k, v; the handler's block op KernelOp (the CPU's default is
    ReferenceOp); forward and backward: the gradients."""
    import torch
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor.experimental import context_parallel
    import flashattn_mlir as fa
    from flashattn_mlir import distributed as fd
    from flashattn_mlir.distributed import context_parallel as fcp
    mesh = init_device_mesh("cpu", (world,))
    bufs = [t.clone() for t in (q, k, v)]
    with context_parallel(mesh, buffers=bufs, buffer_seq_dims=[2, 2, 2]), \
            fcp.block_op(fd.KernelOp()):
        lq, lk, lv = (b.detach().clone().requires_grad_() for b in bufs)
        out = fa.attention(lq, lk, lv, causal=True)
        return torch.autograd.grad(out.float().sum(), (lq, lk, lv))


def spawned(rank, world, init_file, out_dir, python_dir):
    sys.path[:0] = [python_dir, os.path.join(python_dir, "tests")]
    import torch
    import torch.distributed as dist
    import fake_driver
    from flashattn_mlir import distributed as fd
    result = {}
    try:
        rt, _ = fake_driver.install()
        dist.init_process_group("gloo", init_method=f"file://{init_file}",
                                rank=rank, world_size=world)
        gen = torch.Generator().manual_seed(0)
        for name, fn in (("ring", fd.ring_attention), ("ulysses", fd.ulysses_attention),
                         ("context_parallel", None)):
            q = torch.randn(1, 4, 64 * world, 64, generator=gen).bfloat16()
            k, v = (torch.randn(1, 2, 64 * world, 64, generator=gen).bfloat16()
                    for _ in range(2))
            lq, lk, lv = (fd.shard(t, rank, world, "zigzag").requires_grad_()
                          for t in (q, k, v))
            before = rt.num_launches()
            if fn is None:
                grads = _under_context_parallel(world, q, k, v)
            else:
                out = fn(lq, lk, lv, causal=True, op=fd.KernelOp())
                grads = torch.autograd.grad(out.float().sum(), (lq, lk, lv))
            result[name] = {"launches": rt.num_launches() - before,
                            "shapes": [list(g.shape) for g in grads]}
        dist.destroy_process_group()
    except Exception:  # noqa: BLE001 - the test reports it
        result["error"] = traceback.format_exc()
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(result, f)
