"""attention()'s launch plans on torch tensors (flashattn_mlir/autograd.py):
a call's checks run once per key and are reused; what changes between
calls with one key (the data pointers' alignment) is checked every call;
a kernel registered later forgets the plans. On the fake runtime of
fake_runtime.py; needs torch and the compiler."""

import pytest

import flashattn_mlir as fa
from flashattn_mlir import runtime
from conftest import requires_compiler

torch = pytest.importorskip("torch")
from fake_runtime import install  # noqa: E402

pytestmark = requires_compiler


@pytest.fixture
def fake(monkeypatch):
    rt = install(monkeypatch)
    checks = []
    real = runtime.check_call

    def counting(*args):
        checks.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(runtime, "check_call", counting)
    rt.checks = checks
    return rt


def qkv(shape=(1, 2, 16, 32), dtype=torch.float32, grad=False):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(shape, generator=gen, dtype=dtype).requires_grad_(grad)
            for _ in range(3)]


def test_checks_once_per_key(fake):
    q, k, v = qkv()
    a = fa.attention(q, k, v, causal=True)
    b = fa.attention(*qkv(), causal=True)  # new tensors, same key
    assert len(fake.checks) == 1 and len(fake.launches) == 2
    torch.testing.assert_close(a, b)
    assert a.data_ptr() != b.data_ptr()  # a new output each call
    # Another key: shape, dtype, strides' order, causal, a scale, the lse.
    fa.attention(*qkv((1, 2, 24, 32)), causal=True)
    fa.attention(*qkv(dtype=torch.bfloat16), causal=True)
    fa.attention(q, k, v)
    fa.attention(q, k, v, causal=True, scale=0.3)
    fa.attention(q, k, v, causal=True, return_lse=True)
    assert len(fake.checks) == 6


def test_training_plans(fake):
    q, k, v = qkv(grad=True)
    for _ in range(3):
        fa.attention(q, k, v, causal=True).sum().backward()
    # One forward plan and one backward plan (check_call runs in both).
    assert len(fake.checks) == 2 and len(fake.launches) == 6


def test_what_changes_is_checked_every_call(fake):
    q, k, v = qkv()
    kernel = fa.compile(q.shape, k.shape, v.shape, dtype="f32", ptxas="none")
    fa.register(kernel)
    fa.attention(q, k, v)
    # The kernel reads q with aligned loads: a misaligned view of the same
    # key (shape, dtype, strides, device) is refused before the launch.
    kernel._alignment = [(0, 16, "reads it with aligned loads")]
    fa.kernel.plans.clear()
    fa.attention(q, k, v)
    base = torch.randn(1 * 2 * 16 * 32 + 1)
    odd = base[1:].view(1, 2, 16, 32)
    assert odd.data_ptr() % 16
    n = len(fake.launches)
    with pytest.raises(ValueError, match="q .* is not 16-byte aligned"):
        fa.attention(odd, k, v)
    assert len(fake.launches) == n
    # Not contiguous: another key (its strides), checked again; the launch
    # copies q, whose innermost stride is not 1 (D128).
    n = len(fake.checks)
    qt = q.transpose(-1, -2).contiguous().transpose(-1, -2)
    torch.testing.assert_close(fa.attention(qt, k, v), fa.attention(q, k, v))
    assert len(fake.checks) == n + 1


def test_register_forgets_plans(fake):
    q, k, v = qkv()
    fa.attention(q, k, v)
    first = fake.launches[-1][0]
    other = fa.compile(q.shape, k.shape, v.shape, dtype="f32", ptxas="none",
                       block_q=16, block_kv=16)
    fa.register(other)  # the same call, another kernel
    fa.attention(q, k, v)
    assert len(fake.checks) == 2 and len(fake.configs) == 2
    assert fake.launches[-1][0]["tiling"] == {"block_kv": 16, "block_q": 16} != first["tiling"]
    fa.clear_cache()
    fa.attention(q, k, v)
    assert len(fake.checks) == 3


def test_backward_plan_key(fake):
    """The backward's plan key is built once in the forward (the saved
    tensors cannot change) and completed by the gradient's metadata: the
    same graph's backward reuses the plan; a gradient of another dtype or
    of other strides is checked again (refused, or made contiguous)."""
    from flashattn_mlir import autograd
    q, k, v = qkv(grad=True)
    out, lse = fa.attention(q, k, v, causal=True, return_lse=True)
    assert len(fake.checks) == 1
    g = torch.randn_like(out)
    for _ in range(2):
        torch.autograd.grad(out, (q, k, v), g, retain_graph=True)
    assert len(fake.checks) == 2 and len(fake.launches) == 3
    # autograd casts a gradient to out's dtype; the backward op does not.
    with pytest.raises(TypeError, match="gradient of out has dtype"):
        autograd.backward(g.double(), q.detach(), k.detach(), v.detach(), None,
                          out.detach(), lse, "top_left", None, False, False, "")
    # A transposed gradient has a key of its own (its strides), checked
    # once; the launch copies it (its innermost stride is not 1, D128).
    gt = g.transpose(-1, -2).contiguous().transpose(-1, -2)
    assert not gt.is_contiguous()
    (a,) = torch.autograd.grad(out, (q,), gt, retain_graph=True)
    (b,) = torch.autograd.grad(out, (q,), g, retain_graph=True)
    torch.testing.assert_close(a, b)
    (a,) = torch.autograd.grad(out, (q,), gt, retain_graph=True)
    assert len(fake.checks) == 3
    # Another shape: a new forward plan and a new backward plan.
    q2, k2, v2 = qkv((1, 2, 24, 32), grad=True)
    fa.attention(q2, k2, v2, causal=True).sum().backward()
    assert len(fake.checks) == 5


def test_backward_gets_no_zero_lse_gradient(fake, monkeypatch):
    """lse takes no gradient: the backward is not handed a zero tensor
    for it (an allocation and a fill kernel per call on a GPU)."""
    from flashattn_mlir import autograd
    seen = []
    real_backward = autograd._Attention.backward

    def backward(ctx, dout, dlse):
        seen.append(dlse)
        return real_backward(ctx, dout, dlse)

    monkeypatch.setattr(autograd._Attention, "backward", staticmethod(backward))
    q, k, v = qkv(grad=True)
    out, lse = fa.attention(q, k, v, causal=True, return_lse=True)
    (out.sum() + lse.detach().sum()).backward()
    assert seen == [None] and q.grad is not None


def test_backward_without_gradients(fake):
    """The backward node called with no gradient for out either (as
    grad_fn.apply(None, None) does) gives zero gradients, not an error."""
    q, k, v = qkv(grad=True)
    out = fa.attention(q, k, v, causal=True)
    grads = out.grad_fn.apply(None, None)
    for g, t in zip(grads[:3], (q, k, v)):
        assert g.shape == t.shape and not g.abs().max()


def test_backward_key_once_per_forward_plan(fake, monkeypatch):
    """The forward plan keeps the backward's key: built on its first
    training call only; another forward key builds its own."""
    from flashattn_mlir import autograd
    built = []
    real = autograd._backward_key
    monkeypatch.setattr(autograd, "_backward_key",
                        lambda *a: built.append(a) or real(*a))
    for _ in range(3):
        fa.attention(*qkv(grad=True), causal=True).sum().backward()
    assert len(built) == 1
    fa.attention(*qkv(grad=True), causal=True, scale=0.5).sum().backward()
    assert len(built) == 2 and len(fake.checks) == 4


def test_outputs_allocated_like_inputs(fake, monkeypatch):
    """A plan allocates an output of an input's shape and dtype with
    torch.empty_like of that input (out like q, dq/dk/dv like q, k, v),
    the others (lse, out with Dv != D) with torch.empty: each call gets
    new contiguous outputs of the right shapes and dtypes, also for an
    input whose size-1 dimension has an odd stride (contiguous all the
    same) and for GQA, where dk and dv are not q's shape."""
    likes = []
    real_like = torch.empty_like
    monkeypatch.setattr(torch, "empty_like",
                        lambda t, *a, **kw: likes.append(tuple(t.shape)) or
                        real_like(t, *a, **kw))
    gen = torch.Generator().manual_seed(1)
    q = torch.randn(1, 4, 16, 32, generator=gen)
    q = torch.as_strided(q, q.shape, (7,) + q.stride()[1:]).requires_grad_()
    assert q.is_contiguous() and q.stride(0) == 7
    k, v = (torch.randn(1, 2, 16, 32, generator=gen).requires_grad_()
            for _ in range(2))
    g = torch.randn(1, 4, 16, 32, generator=gen)
    runs = []
    for _ in range(2):
        out, lse = fa.attention(q, k, v, causal=True, return_lse=True)
        runs.append((out, lse) + torch.autograd.grad(out, (q, k, v), g))
    (a, b), shapes = runs, [(1, 4, 16, 32), (1, 4, 16), (1, 4, 16, 32),
                            (1, 2, 16, 32), (1, 2, 16, 32)]
    for x, y, shape in zip(a, b, shapes):
        assert x.shape == shape and x.is_contiguous() and x.dtype == q.dtype
        assert x.data_ptr() != y.data_ptr()
        torch.testing.assert_close(x, y)
    # out like q; dq, dk, dv like q, k, v; lse by shape. Twice.
    assert likes == [tuple(q.shape)] + [tuple(q.shape), tuple(k.shape),
                                        tuple(k.shape)] + [tuple(q.shape)] * 2 + [
        tuple(k.shape)] * 2
    # The same values as q made plainly contiguous.
    qc = q.detach().contiguous().requires_grad_()
    out, lse = fa.attention(qc, k, v, causal=True, return_lse=True)
    torch.testing.assert_close(out, a[0])
    torch.testing.assert_close(torch.autograd.grad(out, (qc, k, v), g)[0], a[2])
    # Dv != D: out is not any input's shape.
    likes.clear()
    vd = torch.randn(1, 2, 16, 16, generator=gen)
    out = fa.attention(q.detach(), k.detach(), vd, causal=True)
    assert out.shape == (1, 4, 16, 16) and likes == []
