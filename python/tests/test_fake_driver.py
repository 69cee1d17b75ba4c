"""attention()'s real launch path without a GPU: the launch plans, the
ctypes call of faRtLaunch with the packed pointers, and the runtime's
tensor maps, on the fake CUDA driver (fake_driver.py,
libfa_runtime_fake.so). Checks what each launched kernel was handed
against the call's tensors. Needs torch, the compiler and the fake
library (built with the runtime's unit tests)."""

import ctypes
import json

import pytest

import flashattn_mlir as fa
from conftest import requires_compiler

torch = pytest.importorskip("torch")
import fake_driver  # noqa: E402

pytestmark = [requires_compiler, pytest.mark.skipif(
    fake_driver.library_path() is None,
    reason="needs libfa_runtime_fake.so (ninja -C build fa_runtime_fake)")]


@pytest.fixture
def rt():
    rt, undo = fake_driver.install()
    yield rt
    undo()


def qkv(grad=False):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn((1, 2, 64, 64), generator=gen, dtype=torch.bfloat16)
            .requires_grad_(grad) for _ in range(3)]


def check_launches(rt, first, kernel, tensors):
    """The launches from `first` on are `kernel`'s manifest in order, each
    pointer parameter the data_ptr of its manifest argument among
    `tensors`, each tensor map encoded over it; returns how many."""
    with open(kernel.path) as f:
        manifest = json.load(f)
    args = {a["name"]: a["index"] for a in manifest["arguments"]}
    assert len(args) == len(tensors)
    for i, k in enumerate(manifest["kernels"]):
        name, values = rt.launch(first + i)
        assert name == k["name"]
        assert len(values) == len(k["params"])
        for p, value in zip(k["params"], values):
            if p.get("buffer") not in args:
                continue  # a scalar or a scratch buffer
            want = tensors[args[p["buffer"]]].data_ptr()
            if p["type"] == "ptr":
                assert value == want, p
            elif p["type"] == "tensormap":
                # The fake's encoding starts with the address; device memory
                # is host memory there.
                assert ctypes.c_uint64.from_address(value).value == want, p
    return len(manifest["kernels"])


def test_forward_launch(rt):
    q, k, v = qkv()
    out = fa.attention(q, k, v, causal=True)
    (kernel,) = fa.registered()
    n = check_launches(rt, 0, kernel, [q, k, v, out])
    assert rt.num_launches() == n
    # Another call: encoded again only where a buffer's address changed
    # (the output's may or may not come back from the allocator).
    encodes, first_out = rt.num_encodes(), out.data_ptr()
    assert encodes > 0  # the wgmma kernel moves q, k, v, out with TMA
    del out
    out = fa.attention(q, k, v, causal=True)
    check_launches(rt, n, kernel, [q, k, v, out])
    assert (rt.num_encodes() == encodes) == (out.data_ptr() == first_out)


def test_forward_and_backward_launch(rt):
    q, k, v = qkv(grad=True)
    out, lse = fa.attention(q, k, v, causal=True, return_lse=True)
    dout = torch.randn_like(out)
    dq, dk, dv = torch.autograd.grad(out, (q, k, v), dout)
    forward = next(x for x in fa.registered() if "grad" not in x.config)
    backward = next(x for x in fa.registered() if "grad" in x.config)
    n = check_launches(rt, 0, forward, [q, k, v, out, lse])
    m = check_launches(rt, n, backward, [q, k, v, out, dout, lse, dq, dk, dv])
    assert rt.num_launches() == n + m


def test_strided_launch_encodes_the_callers_strides(rt):
    # transformers' [B, N, H, D] projections seen as [B, H, N, D] (D128):
    # faRtLaunchStrided encodes the wgmma forward's maps with their strides.
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn((1, 64, 2, 64), generator=gen, dtype=torch.bfloat16)
               .transpose(1, 2) for _ in range(3))
    out = fa.attention(q, k, v, causal=True)
    assert out.stride() == q.stride() == (8192, 64, 128, 1)
    (kernel,) = fa.registered()
    n = check_launches(rt, 0, kernel, [q, k, v, out])
    with open(kernel.path) as f:
        params = json.load(f)["kernels"][0]["params"]
    _, values = rt.launch(n - 1)
    maps = [value for p, value in zip(params, values) if p["type"] == "tensormap"]
    assert len(maps) == 4
    for value in maps:
        # The fake's encoding holds the byte strides, innermost first, after
        # the address, the flags and five dimensions.
        strides = [ctypes.c_uint64.from_address(value + 8 * (7 + i)).value
                   for i in range(3)]
        assert strides == [256, 128, 16384]
    # The runtime's checks reach Python as its error, naming the argument.
    handle = kernel._loaded[0]
    pointers = [t.data_ptr() for t in (q, k, v, out)]
    with pytest.raises(RuntimeError, match="faRtLaunchStrided: argument arg0: "
                                           "its innermost stride is 2, not 1"):
        rt.launch_pointers(handle, pointers, 0, [(8192, 64, 128, 2)] + [None] * 3)


def test_a_failed_launch_raises_the_runtimes_error(rt):
    q, k, v = qkv()
    fa.attention(q, k, v)
    (kernel,) = fa.registered()
    handle = kernel._loaded[0]
    with pytest.raises(RuntimeError, match="faRtLaunch: faRtLaunch: expected "
                                           r"\d+ device pointers, got 2"):
        rt.launch_pointers(handle, [q.data_ptr(), k.data_ptr()], 0)


def test_kernel_op_in_spawned_gloo_ranks(tmp_path):
    """flashattn_mlir.distributed's KernelOp in spawned processes over gloo
    (how bench/distributed/one_gpu_check.py runs ranks on one GPU): the
    ring, all-to-all and attention() under context_parallel(), forward
    and backward through autograd: every rank gets through our launch path
    and launches kernels for each step."""
    import os
    import time
    import torch.multiprocessing as mp
    import _fake_driver_worker as worker
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_gloo_available():
        pytest.skip("gloo is not available")
    world = 2
    python_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ctx = mp.spawn(worker.spawned, args=(world, str(tmp_path / "init"), str(tmp_path),
                                         python_dir), nprocs=world, join=False)
    deadline = time.monotonic() + 300
    while not ctx.join(timeout=1):
        assert time.monotonic() < deadline, "the ranks did not finish in 300 s"
    for rank in range(world):
        result = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert "error" not in result, result["error"]
        for name in ("ring", "ulysses", "context_parallel"):
            assert result[name]["launches"] > 0, (rank, name, result)
            assert result[name]["shapes"] == [[1, 4, 64, 64], [1, 2, 64, 64],
                                              [1, 2, 64, 64]]
