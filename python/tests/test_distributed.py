"""flashattn_mlir.distributed without a GPU: ring attention (zigzag and
contiguous layouts), all-to-all over heads and PyTorch's own ring, with
the reference block op (torch math in f32), on the gloo process group in
spawned processes at world sizes 1, 2 and 4 (_distributed_worker.py),
against full attention in float64 with torch autograd: out, lse, dq, dk,
dv, causal and not, GQA, document and block keep-masks with rows that see
no key (lse -inf, out and gradients 0, never NaN). Plus the layout, the
merge, the argument checks, and the guard on PyTorch's private ring
signatures. Needs torch (skipped without it: CI has none)."""

import json
import os
import tempfile
import time

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not (dist.is_available() and dist.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import _distributed_worker as worker  # noqa: E402
from flashattn_mlir import distributed as fd  # noqa: E402
from flashattn_mlir.distributed import _layout, torch_ring  # noqa: E402
from flashattn_mlir.distributed import context_parallel as cp  # noqa: E402
from flashattn_mlir.distributed._merge import merge_  # noqa: E402

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORLDS = (1, 2, 4)
CASES = [name for name, _ in worker.cases(1)]
# f32 inputs against float64; bf16 and f16 inputs (rounded O, gradients)
# looser.
TOLERANCE = {"f32": 1e-5, "bf16": 5e-2, "f16": 1e-2}
_results = {}


def _run(world, timeout=180):
    """Every rank's results at `world` (spawned once per world size)."""
    if world not in _results:
        import torch.multiprocessing as mp
        d = tempfile.mkdtemp(prefix="fa-dist-")
        ctx = mp.spawn(worker.spawned, args=(world, os.path.join(d, "init"), d,
                                             PYTHON_DIR), nprocs=world, join=False)
        deadline = time.monotonic() + timeout
        while not ctx.join(timeout=1):
            if time.monotonic() > deadline:
                for p in ctx.processes:
                    p.kill()
                pytest.fail(f"world size {world}: the ranks did not finish in {timeout} s")
        _results[world] = [json.load(open(os.path.join(d, f"rank{r}.json")))
                           for r in range(world)]
    return _results[world]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("world", WORLDS)
def test_against_full_attention(world, name):
    tol = TOLERANCE[name.rsplit("-", 1)[1] if name.endswith(("bf16", "f16")) else "f32"]
    for rank, res in enumerate(_run(world)):
        errors = res[name]
        assert "error" not in errors, f"rank {rank}: {errors.get('error')}"
        for quantity in ("out", "lse", "dq", "dk", "dv"):
            e = errors[quantity]
            assert isinstance(e, float) and e <= tol, \
                f"rank {rank} {quantity}: {e} (tolerance {tol})"
    if "block" in name:   # the case has rows that see no key at all
        assert sum(res[name]["masked_rows"] for res in _run(world)) > 0


@pytest.mark.parametrize("world", WORLDS)
def test_bad_calls_raise(world):
    for rank, res in enumerate(_run(world)):
        for check, outcome in res["errors"].items():
            assert outcome.startswith("ok: "), f"rank {rank} {check}: {outcome}"
        assert ("ulysses_heads" in res["errors"]) == (world > 2)


@pytest.mark.parametrize("world", WORLDS)
def test_under_context_parallel(world):
    """On buffers that PyTorch's context_parallel() sharded, both rings and
    a plain flashattn_mlir.attention() call give full attention (the
    layouts agree); a mask, a window, a mask pattern and replicated DTensors
    are refused
    there; after it, the handler is gone (the ops' own DTensor sharding
    rules apply again)."""
    for rank, res in enumerate(_run(world)):
        got = res["context_parallel"]
        assert "error" not in got, f"rank {rank}: {got.get('error')}"
        assert got["restored"], "context_parallel() did not restore the buffers"
        for strategy in ("ring", "torch", "attention"):
            assert got[strategy] <= TOLERANCE["f32"], (strategy, got)
        assert got["local_type"] == "Tensor", got
        refused = got["refused"]
        assert "takes no attn_mask" in refused["mask"], got
        assert "takes no window=" in refused["window"], got
        assert "takes no mask_pattern=" in refused["mask_pattern"], got
        assert "must be a DTensor sharded on the sequence" in refused["replicated"], got
        # Outside, these CPU tensors get attention()'s usual error.
        assert got["after"] == "ok", got
        assert not got["handler_left"], got


def test_zigzag_positions():
    # 2 ranks, 8 positions, chunks of 2: rank 0 holds chunks 0 and 3.
    assert fd.positions(0, 2, 4, "zigzag").tolist() == [0, 1, 6, 7]
    assert fd.positions(1, 2, 4, "zigzag").tolist() == [2, 3, 4, 5]
    assert fd.positions(1, 2, 4, "contiguous").tolist() == [4, 5, 6, 7]
    x = torch.arange(2 * 3 * 24).reshape(2, 3, 24)
    for layout in fd.LAYOUTS:
        parts = [fd.shard(x, r, 4, layout) for r in range(4)]
        assert torch.equal(fd.unshard(parts, layout), x)
    with pytest.raises(ValueError, match="multiple of the world size"):
        fd.shard(x, 0, 5)


def test_step_plan_covers_causal_exactly():
    """Each (query, key) pair with k <= q is computed exactly once over
    the ring's steps, and no other pair (zigzag and contiguous)."""
    world, n = 4, 8
    for layout in fd.LAYOUTS:
        seen = torch.zeros(world * n, world * n, dtype=torch.int64)
        for rank in range(world):
            for src in range(world):
                plan = _layout.step_plan(rank, src, world, True, layout)
                if plan is None:
                    continue
                qp, kp, causal = plan
                qpos = _layout.part(fd.positions(rank, world, n, layout), qp, 0)
                kpos = _layout.part(fd.positions(src, world, n, layout), kp, 0)
                pairs = torch.ones(qpos.numel(), kpos.numel(), dtype=torch.int64)
                if causal:
                    pairs = pairs.tril()
                seen[qpos[:, None], kpos[None, :]] += pairs
        assert torch.equal(seen, torch.ones_like(seen).tril()), layout


def test_merge_rows_without_keys():
    """-inf on one side keeps the other; on both sides gives out 0, lse -inf."""
    out = torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    lse = torch.tensor([0.5, float("-inf"), float("-inf")])
    part = torch.tensor([[5.0, 6.0], [7.0, 8.0], [0.0, 0.0]])
    plse = torch.tensor([0.5, 1.0, float("-inf")])
    merge_(out, lse, part, plse)
    assert torch.allclose(out[0], torch.tensor([3.0, 4.0]))
    assert torch.allclose(lse[0], torch.tensor(0.5 + torch.log(torch.tensor(2.0)).item()))
    assert torch.equal(out[1], torch.tensor([7.0, 8.0])) and lse[1].item() == 1.0
    assert torch.equal(out[2], torch.zeros(2)) and lse[2].item() == float("-inf")


def _partial(s, v, keep):
    """(out, lse) of attention with scores `s` [R, K] and values `v` over
    the keys `keep` keeps: out 0 and lse -inf for a row that keeps none."""
    s = s.masked_fill(~keep, float("-inf"))
    lse = torch.logsumexp(s, -1)
    p = torch.exp(s - torch.where(torch.isinf(lse), 0.0, lse)[:, None])
    return p @ v, lse


def test_merge_matches_attention_over_all_keys():
    """Partial results over three disjoint key blocks, merged in every
    order, are attention over all keys, with rows that see no key in some
    blocks (lse -inf there) and a row that sees none (out 0, lse -inf), no
    NaN."""
    import itertools
    gen = torch.Generator().manual_seed(3)
    s = torch.randn(6, 12, generator=gen, dtype=torch.float64) * 4
    v = torch.randn(12, 5, generator=gen, dtype=torch.float64)
    keep = torch.rand(6, 12, generator=gen) > 0.4
    keep[1] = False          # sees no key at all
    keep[2, :8] = False      # only the last block's keys
    keep[3, 4:] = False      # only the first block's keys
    want_out, want_lse = _partial(s, v, keep)
    blocks = [slice(0, 4), slice(4, 8), slice(8, 12)]
    for order in itertools.permutations(range(3)):
        out = torch.zeros(6, 5)
        lse = torch.full((6,), float("-inf"))
        for i in order:
            b = blocks[i]
            merge_(out, lse, *(t.float() for t in _partial(s[:, b], v[b], keep[:, b])))
        assert not (torch.isnan(out).any() or torch.isnan(lse).any()), order
        assert torch.equal(out[1], torch.zeros(5)) and lse[1].item() == float("-inf")
        fin = ~torch.isinf(want_lse)
        assert torch.allclose(out.double(), want_out, atol=1e-5), order
        assert torch.allclose(lse.double()[fin], want_lse[fin], atol=1e-5), order


def test_torch_merge_with_the_lse_floor():
    """PyTorch's own merge (_SDPAMerger, private; the torch ring's) on
    torch_ring's floored lse: a row that sees no key in either step keeps
    out 0 and, unfloored, lse -inf, no NaN; a row that sees keys in the
    first step (PyTorch's first step is the diagonal block, where every row
    sees its own position) and none in the second keeps its result."""
    from torch.distributed.tensor.experimental._context_parallel._attention import (
        _SDPAMerger)
    gen = torch.Generator().manual_seed(5)
    s = torch.randn(3, 8, generator=gen, dtype=torch.float64)
    v = torch.randn(8, 4, generator=gen, dtype=torch.float64)
    keep = torch.ones(3, 8, dtype=torch.bool)
    keep[0] = False          # no key anywhere
    keep[1, 4:] = False      # keys in the first step only
    merger = _SDPAMerger(True, seq_dim=2)
    for b in (slice(0, 4), slice(4, 8)):
        out, lse = _partial(s[:, b], v[b], keep[:, b])
        merger.step(out.float()[None, None], torch_ring._floor(lse.float())[None, None],
                    False)
    out, lse = (t[0, 0] for t in merger.results())
    lse = torch_ring._unfloor(lse)
    want_out, want_lse = _partial(s, v, keep)
    assert not (torch.isnan(out).any() or torch.isnan(lse).any())
    assert torch.equal(out[0], torch.zeros(4)) and lse[0].item() == float("-inf")
    assert torch.allclose(out.double(), want_out, atol=1e-5)
    assert torch.allclose(lse[1:].double(), want_lse[1:], atol=1e-5)


def test_context_parallel_private_api_is_the_tested_one():
    """Fails loudly (naming what differs) when the installed torch's
    context-parallel internals that flashattn_mlir.attention's handler uses
    differ from the tested ones (torch_ring's pins are the test below)."""
    cp.check_private_api()


@pytest.mark.parametrize("name", ["custom_ops", "_replaced_functions",
                                  "_distribute_function", "_cp_options",
                                  "_sdpa_handler"])
def test_changed_context_parallel_api_is_refused(monkeypatch, name):
    monkeypatch.delattr(cp._cp(), name)
    with pytest.raises(RuntimeError, match="must be adapted"):
        cp.check_private_api()


def test_changed_head_tail_order_is_refused(monkeypatch):
    from torch.distributed.tensor.experimental._context_parallel import _load_balancer
    monkeypatch.setattr(_load_balancer._HeadTailLoadBalancer, "_generate_indices",
                        lambda self, restore=False: torch.arange(self.seq_length)[None])
    with pytest.raises(RuntimeError, match="order, our zigzag"):
        cp.check_private_api()


def test_no_context_parallel_mesh_outside():
    assert cp.active_mesh() is None


def test_torch_ring_signatures_are_the_tested_ones():
    """Fails loudly (naming both signatures) when the installed torch's
    private _templated_ring_attention(_backward) differ from the pinned
    ones: flashattn_mlir.distributed.torch_ring must then be adapted."""
    torch_ring.check_signatures()


def test_changed_torch_ring_signature_is_refused(monkeypatch):
    monkeypatch.setitem(torch_ring.PINNED, "_templated_ring_attention",
                        "(group, seq_dim, op, query, key, value)")
    with pytest.raises(RuntimeError, match="must be adapted"):
        torch_ring.check_signatures()


def test_without_process_group():
    x = torch.zeros(1, 2, 8, 4)
    if dist.is_initialized():
        pytest.skip("a process group is initialized in this process")
    with pytest.raises(RuntimeError, match="init_process_group"):
        fd.ring_attention(x, x, x)


def test_reference_op_rows_without_keys():
    """The reference op itself: a fully masked row gives out 0, lse -inf,
    zero gradients."""
    q, k, v, do = (torch.randn(1, 2, 4, 8) for _ in range(4))
    keep = torch.ones(1, 1, 4, 4, dtype=torch.bool)
    keep[..., 2, :] = False
    op = fd.ReferenceOp()
    out, lse = op.forward(q, k, v, False, 0.3, keep)
    assert torch.equal(out[:, :, 2], torch.zeros(1, 2, 8))
    assert torch.isneginf(lse[:, :, 2]).all() and torch.isfinite(lse[:, :, [0, 1, 3]]).all()
    dq, dk, dv = op.backward(do, q, k, v, out, lse, False, 0.3, keep)
    assert torch.equal(dq[:, :, 2], torch.zeros(1, 2, 8))
    assert not any(torch.isnan(t).any() for t in (dq, dk, dv))


def test_doc_examples_run():
    """docs/Distributed.md's ```python blocks, in order, in one fresh
    process (they initialize a one-rank gloo group)."""
    import re
    import subprocess
    import sys
    root = os.path.dirname(PYTHON_DIR)
    with open(os.path.join(root, "docs", "Distributed.md")) as f:
        code = "\n".join(re.findall(r"```python\n(.*?)```", f.read(), re.DOTALL))
    assert "ring_attention" in code
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [PYTHON_DIR, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_kernel_op_calls_the_kernels(monkeypatch):
    """KernelOp's plumbing without a GPU: the forward is attention() with
    the logsumexp (inputs contiguous and on 16 bytes, the keep-mask); the
    backward is attention()'s own backward (its kernel found from the
    forward's configuration) on the merged out and lse."""
    from flashattn_mlir import autograd, runtime
    seen = {}

    def attention(q, k, v, **kw):
        seen["forward"] = (all(t.is_contiguous() and t.data_ptr() % 16 == 0
                               for t in (q, k, v)), k.shape, kw)
        return torch.zeros(*q.shape[:3], v.shape[3]), torch.zeros(q.shape[:3])

    def backward(dout, q, k, v, mask, out, lse, causal, scale, bias_grad,
                 deterministic, target):
        seen["backward"] = (all(t.is_contiguous() and t.data_ptr() % 16 == 0
                                for t in (q, k, v, out, dout, lse)),
                            mask.shape, causal, scale, bias_grad, deterministic,
                            target)
        return (torch.ones_like(q), torch.ones_like(k), torch.ones_like(v),
                q.new_empty((0,)))

    monkeypatch.setattr(runtime, "attention", attention)
    monkeypatch.setattr(autograd, "backward", backward)
    q = torch.randn(1, 4, 16, 8)[:, :, 8:]           # a half: not contiguous
    # A view 4 bytes into a buffer, as after a received K/V buffer's split.
    k = v = torch.randn(1 + 2 * 16 * 8)[1:].view(1, 2, 16, 8)
    keep = torch.ones(1, 1, 8, 16, dtype=torch.bool)
    op = fd.KernelOp(target="h100", deterministic=True)
    out, lse = op.forward(q, k, v, False, 0.25, keep)
    contiguous, k_shape, kw = seen["forward"]
    assert contiguous and k_shape == (1, 2, 16, 8)
    assert kw == dict(causal=False, scale=0.25, attn_mask=keep, return_lse=True,
                      target="h100")
    grads = op.backward(torch.zeros_like(out), q, k, v, out, lse, True, 0.25, keep)
    assert seen["backward"] == (True, (1, 1, 8, 16), "top_left", 0.25, False,
                                True, "h100")
    assert [g.shape for g in grads] == [q.shape, k.shape, v.shape]
