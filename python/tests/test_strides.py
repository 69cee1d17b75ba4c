"""Strided q, k, v, out and gradients (D128) without a GPU, on the fake
runtime of fake_runtime.py, which asserts that a tensor is launched with
strides only where its manifest argument says caller_strides (else it must
be dense) and computes through the strides: transformers' [B, N, H, D]
projections seen as [B, H, N, D] and GPT-2's fused-QKV slices, forward and
backward (today's kernels, and a backward manifest whose descriptors take
stride_of params, the caller-strides variant), the op's fake strides
against the real ones (opcheck) and torch.compile against eager. Needs
torch and the compiler."""

import copy

import pytest

import flashattn_mlir as fa
from flashattn_mlir import runtime
from conftest import requires_compiler

torch = pytest.importorskip("torch")
from fake_runtime import install  # noqa: E402
import flashattn_mlir.autograd  # noqa: E402,F401  (registers the ops)

pytestmark = requires_compiler

B, H, N, D = 1, 2, 128, 64


@pytest.fixture
def fake(monkeypatch):
    torch._dynamo.reset()
    yield install(monkeypatch)
    torch._dynamo.reset()


def transformers_layout(grad=False, seed=0):
    """q, k, v as transformers hands them over: [B, N, H, D] projections
    viewed as [B, H, N, D], strides (N*H*D, D, H*D, 1); and their leaves."""
    gen = torch.Generator().manual_seed(seed)
    leaves = [torch.randn(B, N, H, D, generator=gen, dtype=torch.bfloat16)
              .requires_grad_(grad) for _ in range(3)]
    return [x.transpose(1, 2) for x in leaves], leaves


def gpt2_layout(grad=False, seed=0):
    """q, k, v as slices of GPT-2's fused QKV projection [B, N, 3*H*D]:
    strides (N*3*H*D, D, 3*H*D, 1), not dense; and the fused leaf."""
    gen = torch.Generator().manual_seed(seed)
    fused = torch.randn(B, N, 3 * H * D, generator=gen,
                        dtype=torch.bfloat16).requires_grad_(grad)
    return [x.view(B, N, H, D).transpose(1, 2)
            for x in fused.split(H * D, dim=2)], [fused]


def dense(tensors):
    return [t.detach().contiguous().requires_grad_(t.requires_grad) for t in tensors]


@pytest.mark.parametrize("layout", [transformers_layout, gpt2_layout])
def test_forward_takes_the_callers_layout(fake, layout):
    (q, k, v), _ = layout()
    assert not q.is_contiguous()
    out = fa.attention(q, k, v)
    # The wgmma forward reads Q, K, V and writes O through tensor maps: all
    # four take the caller's strides; its manifest says so.
    assert fake.caller_strides[-1] == {0, 1, 2, 3}
    strides = fake.strides[-1]
    assert strides[:3] == [q.stride(), k.stride(), v.stride()]
    # O like q (torch.empty_like): transformers' layout is dense, so O
    # keeps it; GPT-2's slices are not, and O gets their order of
    # dimensions, densely. Either way its transpose back to [B, N, H, D] is
    # contiguous: no copy there either.
    assert out.transpose(1, 2).is_contiguous() and strides[3] == out.stride()
    torch.testing.assert_close(out, fa.attention(*dense([q, k, v])), rtol=0, atol=0)
    assert fake.strides[-1] is None


def assert_grads_match_dense(layout, qkv, grads, g):
    """The gradients of the leaves of `layout` (grads) equal, bit for bit,
    those of the same causal call on contiguous copies of q, k, v."""
    qd, kd, vd = dense(list(qkv))
    outd = fa.attention(qd, kd, vd, causal=True)
    want = torch.autograd.grad(outd, (qd, kd, vd), g)
    if layout is transformers_layout:
        got = [x.transpose(1, 2) for x in grads]
    else:
        got = [x.view(B, N, H, D).transpose(1, 2)
               for x in grads[0].split(H * D, dim=2)]
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("layout", [transformers_layout, gpt2_layout])
def test_backward_copies_what_todays_kernels_cannot_take(fake, layout, monkeypatch):
    # A compiler without the caller-strides option (D129): the plain kernel.
    monkeypatch.setattr(runtime, "compiler_has_caller_strides", lambda: False)
    (q, k, v), leaves = layout(grad=True)
    out = fa.attention(q, k, v, causal=True)
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, leaves, g)
    backward = fake.strides[-1]
    # Today's wgmma backward reads Q through a tensor map only (caller
    # strides) and, at D = 64 (block_q 128), stores dK and dV through tensor
    # maps only (the TMA-store epilogue, auto's pick there since D130): dK
    # and dV (allocated like k and v) take their strides too; the rest go
    # through descriptors with constant strides: copied, and dQ written
    # through a contiguous temporary copied back.
    assert "grad" in fake.launches[-1][0]
    assert fake.caller_strides[-1] == {0, 7, 8}
    assert backward[0] == q.stride()
    assert backward[7] == backward[8] == (N * H * D, D, H * D, 1)
    assert all(s is None for i, s in enumerate(backward) if i not in (0, 7, 8))
    assert_grads_match_dense(layout, (q, k, v), grads, g)


@pytest.mark.parametrize("layout", [transformers_layout, gpt2_layout])
def test_backward_takes_every_stride_with_the_compilers_variant(fake, layout):
    # This compiler's caller-strides backward (D129): q, k, v, out, dO and
    # dQ, dK, dV in the caller's layout (no copy), the LSE dense.
    (q, k, v), leaves = layout(grad=True, seed=3)
    out = fa.attention(q, k, v, causal=True)
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, leaves, g)
    assert "grad" in fake.launches[-1][0]
    assert fake.configs[-1]["options"] == {"caller_strides": True}
    assert fake.caller_strides[-1] == {0, 1, 2, 3, 4, 6, 7, 8}
    assert_grads_match_dense(layout, (q, k, v), grads, g)


def caller_strides_variant(kernel):
    """`kernel` (a backward) as the compiler's caller-strides variant
    describes it: each memref descriptor over an argument of the caller's
    layout has stride_of params for strides, and the arguments read only so
    say caller_strides (the manifest rule of KernelManifest.cpp, here by
    hand until the compiler option exists); its configuration has the
    option."""
    manifest = copy.deepcopy(kernel.manifest)
    args = {a["name"]: a for a in manifest["arguments"]}
    strided = {f"arg{i}" for i in (0, 1, 2, 3, 4, 6, 7, 8)}  # not lse
    for k in manifest["kernels"]:
        ps = k["params"]
        for i, p in enumerate(ps):
            if p.get("rank") and p["buffer"] in strided:
                r = p["rank"]
                for d in range(r):
                    ps[i + 3 + r + d] = {"type": "i64", "stride_of": p["buffer"],
                                         "dim": d}
    for name in strided:
        args[name]["caller_strides"] = True
    config = copy.deepcopy(kernel.config)
    config["options"].update(runtime.CALLER_STRIDES)
    return fa.Kernel(config, kernel.ptx, None, manifest,
                     name=kernel.name + "_caller_strides")


def test_backward_passes_strides_to_the_caller_strides_variant(fake):
    (q, k, v), leaves = transformers_layout(grad=True)
    plain = fa.compile_backward(q.shape, k.shape, v.shape, dtype="bf16",
                                causal=True, ptxas="none")
    variant = caller_strides_variant(plain)
    fa.register(variant)
    out = fa.attention(q, k, v, causal=True)
    g = torch.randn_like(out.transpose(1, 2)).transpose(1, 2)  # out's layout
    grads = torch.autograd.grad(out, leaves, g)
    assert fake.configs[-1]["options"] == {"caller_strides": True}
    backward = fake.strides[-1]
    # q, k, v, out, dO, dQ, dK, dV in the caller's layout; lse dense.
    assert backward[:5] == [q.stride()] * 5 and backward[5] is None
    assert backward[6:] == [q.stride()] * 3
    qd, kd, vd = dense([q, k, v])
    outd = fa.attention(qd, kd, vd, causal=True)
    want = torch.autograd.grad(outd, (qd, kd, vd), g)
    for a, b in zip(grads, want):
        torch.testing.assert_close(a.transpose(1, 2), b, rtol=0, atol=0)
    # Contiguous tensors keep the plain kernel (the variant is asked for by
    # its own key, only for strided calls).
    outd = fa.attention(qd, kd, vd, causal=True)
    torch.autograd.grad(outd, (qd, kd, vd), g.contiguous())
    assert fake.configs[-1]["options"] == {} and fake.strides[-1] is None


def test_the_variant_is_compiled_where_the_compiler_has_the_option(fake, monkeypatch):
    asked = []
    real = runtime.compile_backward

    def compile_backward(*args, **kw):
        asked.append(kw.get("caller_strides"))
        kw.pop("caller_strides", None)  # this compiler has no such option yet
        return caller_strides_variant(real(*args, **kw)) if asked[-1] else real(*args, **kw)

    monkeypatch.setattr(runtime, "compile_backward", compile_backward)
    monkeypatch.setattr(runtime, "compiler_has_caller_strides", lambda: True)
    (q, k, v), leaves = transformers_layout(grad=True, seed=1)
    out = fa.attention(q, k, v)
    torch.autograd.grad(out, leaves, torch.randn_like(out))
    assert asked == [True]  # found once, registered, then reused
    assert fake.configs[-1]["options"] == {"caller_strides": True}
    qd, kd, vd = dense([q, k, v])
    out = fa.attention(qd, kd, vd)
    torch.autograd.grad(out, (qd, kd, vd), torch.randn_like(out))
    assert asked == [True, None]


def test_fake_strides_match_the_real_ops(fake):
    (q, k, v), _ = transformers_layout()
    args = (q, k, v, None, "none", None, True, False, False, False, "", "")
    torch.library.opcheck(torch.ops.flashattn_mlir.attention.default, args,
                          test_utils=("test_schema", "test_faketensor"))
    out, lse = torch.ops.flashattn_mlir.attention(*args)
    assert out.stride() == q.stride()
    dout = torch.randn_like(out)
    args = (dout, q, k, v, None, out, lse, "none", None, False, False, "")
    torch.library.opcheck(torch.ops.flashattn_mlir.attention_backward.default, args,
                          test_utils=("test_schema", "test_faketensor"))
    grads = torch.ops.flashattn_mlir.attention_backward(*args)
    assert [x.stride() for x in grads[:3]] == [q.stride(), k.stride(), v.stride()]


@pytest.mark.parametrize("layout", [transformers_layout, gpt2_layout])
def test_compile_matches_eager(fake, layout):
    def fn(*leaves):
        if layout is transformers_layout:
            q, k, v = (x.transpose(1, 2) for x in leaves)
        else:
            q, k, v = (x.view(B, N, H, D).transpose(1, 2)
                       for x in leaves[0].split(H * D, dim=2))
        return fa.attention(q, k, v, causal=True).transpose(1, 2)

    _, leaves = layout(grad=True, seed=2)

    def run(f):
        xs = [x.detach().clone().requires_grad_() for x in leaves]
        out = f(*xs)
        out.float().square().sum().backward()
        return out.detach(), [x.grad for x in xs]

    eager_out, eager_grads = run(fn)
    compiled_out, compiled_grads = run(torch.compile(fn, backend="aot_eager",
                                                     fullgraph=True))
    assert compiled_out.stride() == eager_out.stride()
    torch.testing.assert_close(compiled_out, eager_out, rtol=0, atol=0)
    for a, b in zip(compiled_grads, eager_grads):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_recorded_strided_calls_ask_for_the_variant(monkeypatch, tmp_path):
    from flashattn_mlir import aot
    (q, k, v), _ = transformers_layout(grad=True)
    with aot.record() as calls:
        fa.attention(q, k, v)
        fa.attention(*dense([q, k, v]))
    assert [c["backward"].get("caller_strides") for c in calls] == [True, None]
    asked, real = [], aot.compile_backward

    def compile_backward(*args, **kw):
        asked.append(kw.pop("caller_strides", None))
        return real(*args, **kw)  # this compiler has no such option yet

    monkeypatch.setattr(aot, "compile_backward", compile_backward)
    monkeypatch.setattr(runtime, "compiler_has_caller_strides", lambda: False)
    aot.compile_bundle(calls[:1], str(tmp_path), ptxas="none")
    assert asked == [None]  # without the option: the plain kernel only
    monkeypatch.setattr(runtime, "compiler_has_caller_strides", lambda: True)
    aot.compile_bundle(calls, str(tmp_path), ptxas="none")
    assert asked == [None, None, True, None]
