"""The custom ops (flashattn_mlir::attention, ::attention_backward) without
a GPU, on the fake runtime of fake_runtime.py: torch.library.opcheck, and
torch.compile(fullgraph=True) of functions calling attention() against
eager, outputs and gradients. CUDA-graph capture needs a GPU:
bench/correctness/torch_op_check.py. Needs torch and the compiler."""

import pytest

import flashattn_mlir as fa
from conftest import requires_compiler

torch = pytest.importorskip("torch")
from fake_runtime import install  # noqa: E402
import flashattn_mlir.autograd  # noqa: E402,F401  (registers the ops)

pytestmark = requires_compiler


@pytest.fixture
def fake(monkeypatch):
    torch._dynamo.reset()
    yield install(monkeypatch)
    torch._dynamo.reset()


def leaves(*shapes, dtype=torch.float32, grad=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=gen, dtype=dtype).requires_grad_(grad)
            for s in shapes]


def _op_args(q, k, v, mask=None, causal="none", lse=True, grad=False,
             bias_grad=False):
    return (q, k, v, mask, causal, None, lse, grad, bias_grad, False, "", "")


@pytest.mark.parametrize("case", ["plain", "causal_gqa", "bias", "keep"])
def test_opcheck_forward(fake, case):
    q, k, v = leaves((1, 4, 16, 32), (1, 2 if case == "causal_gqa" else 4, 16, 32),
                     (1, 2 if case == "causal_gqa" else 4, 16, 32))
    mask = None
    if case == "bias":
        (mask,) = leaves((1, 4, 1, 16))
    elif case == "keep":
        mask = torch.ones(1, 1, 16, 16, dtype=torch.bool)
        mask[..., 12:] = False
    args = _op_args(q, k, v, mask, "bottom_right" if case == "causal_gqa" else "none",
                    grad=True, bias_grad=case == "bias")
    torch.library.opcheck(torch.ops.flashattn_mlir.attention.default, args)


def test_opcheck_backward(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32), grad=False)
    (bias,) = leaves((1, 2, 16, 16), grad=False)
    out, lse = torch.ops.flashattn_mlir.attention(*_op_args(q, k, v, bias))
    (dout,) = leaves((1, 2, 16, 32), grad=False, seed=3)
    args = (dout, q, k, v, bias, out, lse, "none", None, True, False, "")
    # The backward op has no autograd of its own (no double backward).
    torch.library.opcheck(torch.ops.flashattn_mlir.attention_backward.default, args,
                          test_utils=("test_schema", "test_faketensor",
                                      "test_aot_dispatch_static"))


def test_fake_shapes_and_errors():
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        q = torch.empty(2, 8, 100, 64, dtype=torch.bfloat16)
        k = torch.empty(2, 2, 70, 64, dtype=torch.bfloat16)
        v = torch.empty(2, 2, 70, 48, dtype=torch.bfloat16)
        out, lse = torch.ops.flashattn_mlir.attention(
            *_op_args(q, k, v, causal="bottom_right"))
        assert out.shape == (2, 8, 100, 48) and out.dtype == torch.bfloat16
        assert lse.shape == (2, 8, 100) and lse.dtype == torch.float32
        _, none = torch.ops.flashattn_mlir.attention(*_op_args(q, k, v, lse=False))
        assert none.shape == (0,)
        with pytest.raises(ValueError, match="top-left"):
            torch.ops.flashattn_mlir.attention(*_op_args(q, k, v, causal="top_left"))
        with pytest.raises(ValueError, match="does not broadcast"):
            torch.ops.flashattn_mlir.attention(
                *_op_args(q, k, v, torch.empty(2, 3, 100, 70)))
        grads = torch.ops.flashattn_mlir.attention_backward(
            out, q, k, v, None, out, lse, "bottom_right", None, False, False, "")
        assert [g.shape for g in grads[:3]] == [q.shape, k.shape, v.shape]
        assert grads[3].shape == (0,)


def _compare(fn, inputs, backend):
    """fn(*inputs) eager and compiled(fullgraph=True): same outputs and
    gradients of every input that requires grad."""
    def run(f):
        xs = [x.detach().clone().requires_grad_(x.requires_grad) for x in inputs]
        out = f(*xs)
        out.square().sum().backward()
        return out.detach(), [x.grad for x in xs if x.requires_grad]
    eager_out, eager_grads = run(fn)
    compiled_out, compiled_grads = run(torch.compile(fn, backend=backend, fullgraph=True))
    torch.testing.assert_close(compiled_out, eager_out, rtol=1e-5, atol=1e-6)
    assert len(compiled_grads) == len(eager_grads) > 0
    for a, b in zip(compiled_grads, eager_grads):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_compile_matches_eager(fake, backend):
    q, k, v = leaves((2, 4, 24, 32), (2, 2, 24, 32), (2, 2, 24, 32))

    def causal_gqa(q, k, v):
        return fa.attention(q.sin(), k, v, causal=True) * 2

    _compare(causal_gqa, [q, k, v], backend)


def test_compile_bias_grad_and_lse(fake):
    q, k, v, bias = leaves((1, 2, 16, 32), (1, 2, 20, 32), (1, 2, 20, 32),
                           (1, 2, 1, 20))

    def with_bias(q, k, v, bias):
        out, lse = fa.attention(q, k, v, attn_mask=bias * 1.5, return_lse=True)
        return out + lse[..., None].detach()

    _compare(with_bias, [q, k, v, bias], "aot_eager")
    # The compiled graph ran the ops: forward with the logsumexp, backward
    # with dBias.
    assert fake.launches[-1][0]["grad"]["bias_grad"]


def test_compile_sliding_window(fake):
    """window= reaches the custom ops (forward and backward) under
    torch.compile as it does eagerly."""
    q, k, v = leaves((1, 2, 24, 32), (1, 2, 40, 32), (1, 2, 40, 32))

    def windowed(q, k, v):
        return fa.attention(q, k, v, causal="bottom_right", window=(6, 0))

    _compare(windowed, [q, k, v], "aot_eager")
    assert fake.launches[-1][0]["window"] == [6, 0]
    assert fake.launches[-1][0]["grad"]


def test_compile_mask_pattern(fake):
    """mask_pattern= reaches the custom ops (forward and backward) under
    torch.compile, carried with the window in their window argument."""
    q, k, v = leaves((1, 2, 24, 32), (1, 2, 40, 32), (1, 2, 40, 32))

    def sinks(q, k, v):
        return fa.attention(q, k, v, causal="bottom_right", window=(6, 0),
                            mask_pattern=fa.MaskPattern(global_tokens=2))

    _compare(sinks, [q, k, v], "aot_eager")
    fwd = fake.launches[-2][0]
    assert fwd["window"] == [6, 0] and fwd["mask_pattern"] == [0, 2, 0]
    assert fake.launches[-1][0]["grad"]
    assert fake.launches[-1][0]["mask_pattern"] == [0, 2, 0]


def test_compile_no_grad_and_keep_mask(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32), grad=False)
    keep = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(4)) < 0.7
    keep[..., 0] = True
    f = lambda q, k, v, m: fa.attention(q, k, v, attn_mask=m)  # noqa: E731
    want = f(q, k, v, keep)
    got = torch.compile(f, backend="aot_eager", fullgraph=True)(q, k, v, keep)
    torch.testing.assert_close(got, want)
    assert not fake.launches[-1][0]["lse"]  # no grad: the kernel without lse


def test_compile_raises_what_eager_raises(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 12, 32), (1, 2, 12, 32))
    f = torch.compile(lambda q, k, v: fa.attention(q, k, v, causal=True),
                      backend="eager", fullgraph=True)
    with pytest.raises(Exception, match="top-left"):
        f(q, k, v)


def test_compiled_graph_holds_the_op(fake):
    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm.code)
        return gm.forward

    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    f = torch.compile(lambda q, k, v: fa.attention(q, k, v, causal=True),
                      backend=backend, fullgraph=True)
    f(q, k, v).sum().backward()
    (code,) = graphs  # one graph: no break
    assert "flashattn_mlir.attention" in code


def test_autocast(fake):
    """Under autocast, q, k, v (and a float mask) go in the autocast dtype,
    as SDPA's do: f32 q and k with a bf16 v (a rotary embedding's output)
    run the bf16 kernel, in eager and compiled."""
    q, k = leaves((1, 2, 16, 32), (1, 2, 16, 32))
    (v,) = leaves((1, 2, 16, 32), dtype=torch.bfloat16)
    (bias,) = leaves((1, 1, 16, 16), grad=False)
    f = lambda q, k, v, b: fa.attention(q, k, v, attn_mask=b)  # noqa: E731
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = f(q, k, v, bias)
        compiled = torch.compile(f, backend="aot_eager", fullgraph=True)(q, k, v, bias)
    assert out.dtype == compiled.dtype == torch.bfloat16
    assert fake.launches[-1][0]["dtype"] == "bf16"
    torch.testing.assert_close(compiled, out)
    out.float().sum().backward()
    assert q.grad.dtype == torch.float32 and v.grad.dtype == torch.bfloat16


def test_compile_with_kernel_argument(fake):
    """kernel= travels through the op's schema as the Kernel's token."""
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    kern = fa.compile(q.shape, k.shape, v.shape, dtype="f32", lse=True, ptxas="none",
                      block_q=16, block_kv=16)
    _compare(lambda q, k, v: fa.attention(q, k, v, kernel=kern), [q, k, v],
             "aot_eager")
    assert all(c["tiling"] == {"block_kv": 16, "block_q": 16}
               for c, _ in fake.launches if "grad" not in c)
