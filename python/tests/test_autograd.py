"""attention()'s autograd without a GPU: CPU torch tensors stand for device
memory (the real _Buf checks run on a view that says it is on CUDA) and a
fake runtime computes each launched manifest's outputs from its buffers in
float64 (the forward: O and the logsumexp; the backward: the closed form of
docs/Backward.md from O, dO and the logsumexp it is handed). The gradients
are compared with torch's autograd through the same math, so the
plumbing is what is checked: which kernels run, the buffers in the
manifest's order, what is saved, dBias's shape, the errors. Needs torch
(skipped without it: CI has none) and the compiler."""

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _checks
from conftest import requires_compiler

torch = pytest.importorskip("torch")
from fake_runtime import install, scores  # noqa: E402

pytestmark = requires_compiler


@pytest.fixture
def fake(monkeypatch):
    return install(monkeypatch)


def reference(q, k, v, mask, causal, scale=None, window=None,
              mask_pattern=None):
    """The same attention in float64 through torch's autograd."""
    cfg = {"scale": scale or q.shape[-1] ** -0.5, "causal": causal,
           "window": window, "mask_pattern": mask_pattern}
    s = scores(cfg, q, k, mask)
    # A row that sees no key gives 0 (torch's softmax gives NaN).
    seen = torch.isfinite(s).any(-1, keepdim=True)
    p = torch.softmax(torch.where(seen, s, 0.0), -1) * seen
    g = q.shape[1] // k.shape[1]
    return p @ v.double().repeat_interleave(g, 1)


def leaves(*shapes, dtype=torch.float32, grad=True):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(s, generator=gen, dtype=dtype).requires_grad_(grad)
            for s in shapes]


def check(q, k, v, mask=None, causal=False, **kw):
    """Our forward and backward against the reference's, for every input
    that requires grad; returns the output."""
    out = fa.attention(q, k, v, causal=causal, attn_mask=mask, **kw)
    dout = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
    inputs = [t for t in (q, k, v, mask) if t is not None and t.requires_grad]
    ours = torch.autograd.grad(out, inputs, dout)
    copies = [t.detach().double().requires_grad_(t.requires_grad)
              if t is not None and t.dtype != torch.bool else t for t in (q, k, v, mask)]
    pattern = kw.get("mask_pattern")
    ref = reference(*copies, bool(causal), kw.get("scale"), kw.get("window"),
                    _checks.mask_pattern("mask_pattern", pattern,
                                         kw.get("window")))
    theirs = torch.autograd.grad(ref, [c for c in copies if c is not None and
                                       c.dtype != torch.bool and c.requires_grad],
                                 dout.double())
    torch.testing.assert_close(out.double(), ref.detach(), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == q.dtype
        torch.testing.assert_close(a.double(), b, rtol=1e-4, atol=1e-5)
    return out


def test_gqa_causal(fake):
    q, k, v = leaves((2, 4, 33, 32), (2, 2, 33, 32), (2, 2, 33, 16))
    out = check(q, k, v, causal=True)
    # Forward then the backward's manifest, each launched once.
    (fwd, fbufs), (bwd, bbufs) = fake.launches
    assert fwd["lse"] and "grad" not in fwd and bwd["grad"]["bias_grad"] is False
    # The backward reads q, k, v, the forward's O and lse, then dO.
    assert bbufs[:3] == fbufs[:3] and bbufs[3:4] == [out.data_ptr()]
    assert bbufs[5] == fbufs[4]  # lse


def test_sliding_window(fake):
    """window= reaches both kernels: the forward's and the backward's
    configurations carry it (the fake runtime applies it), and the
    gradients are the window's."""
    q, k, v = leaves((1, 4, 40, 16), (1, 2, 40, 16), (1, 2, 40, 16))
    check(q, k, v, window=(5, 3))
    (fwd, _), (bwd, _) = fake.launches
    assert fwd["window"] == [5, 3] and bwd["window"] == [5, 3]
    q, k, v = leaves((1, 2, 24, 16), (1, 2, 40, 16), (1, 2, 40, 16))
    check(q, k, v, causal="bottom_right", window=(7, 0))
    assert fake.launches[-1][0]["window"] == [7, 0]


def test_mask_pattern(fake):
    """mask_pattern= reaches both kernels (their configurations carry
    [chunk, global, butterfly]; the fake runtime applies it) and the
    gradients are the pattern's: causal chunks, global tokens with a
    window, a butterfly with Nq != Nk."""
    q, k, v = leaves((1, 4, 40, 16), (1, 2, 40, 16), (1, 2, 40, 16))
    check(q, k, v, causal=True, mask_pattern=fa.MaskPattern(chunk=8))
    (fwd, _), (bwd, _) = fake.launches
    assert fwd["mask_pattern"] == [8, 0, 0] == bwd["mask_pattern"]
    check(q, k, v, window=(3, 3), mask_pattern={"global_tokens": 4})
    assert fake.launches[-1][0]["mask_pattern"] == [0, 4, 0]
    assert fake.launches[-1][0]["window"] == [3, 3]
    q, k, v = leaves((1, 2, 24, 16), (1, 2, 40, 16), (1, 2, 40, 16))
    check(q, k, v, causal="bottom_right",
          mask_pattern=fa.MaskPattern(butterfly=4, global_tokens=2))
    assert fake.launches[-1][0]["mask_pattern"] == [0, 2, 4]


def test_bottom_right_nq_ne_nk(fake):
    q, k, v = leaves((1, 2, 17, 32), (1, 2, 40, 32), (1, 2, 40, 32))
    check(q, k, v, causal="bottom_right", scale=0.3)
    q, k, v = leaves((1, 2, 40, 32), (1, 2, 17, 32), (1, 2, 17, 32))
    check(q, k, v, causal="bottom_right")


@pytest.mark.parametrize("shape", [(2, 4, 24, 40), (1, 4, 1, 40), (2, 1, 24, 40),
                                   (1, 1, 1, 40)])
def test_bias_gradient_in_its_shape(fake, shape):
    q, k, v, bias = leaves((2, 4, 24, 32), (2, 2, 40, 32), (2, 2, 40, 32), shape)
    check(q, k, v, bias)
    assert fake.launches[-1][0]["grad"]["bias_grad"]
    assert fake.launches[-1][0]["mask"]["shape"] == list(shape)


def test_bias_without_grad_and_keep_mask(fake):
    q, k, v = leaves((1, 2, 24, 32), (1, 2, 24, 32), (1, 2, 24, 32))
    (bias,) = leaves((1, 2, 24, 24), grad=False)
    check(q, k, v, bias)
    assert fake.launches[-1][0]["grad"]["bias_grad"] is False
    keep = torch.rand(1, 1, 24, 24, generator=torch.Generator().manual_seed(2)) < 0.8
    keep[..., 0] = True  # every row sees a key (the reference gives NaN else)
    check(q, k, v, keep)
    assert fake.launches[-1][0]["mask"]["kind"] == "bool"


def test_only_some_inputs_require_grad(fake):
    q, = leaves((1, 2, 16, 32))
    k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), grad=False)
    out = fa.attention(q, k, v)
    out.sum().backward()
    assert q.grad is not None and k.grad is None and v.grad is None


def test_return_lse_and_deterministic(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    out, lse = fa.attention(q, k, v, return_lse=True, deterministic=True)
    assert out.requires_grad and not lse.requires_grad and lse.dtype == torch.float32
    out.sum().backward()
    assert fake.launches[-1][0]["grad"]["deterministic"] is True
    # A second backward of a new graph reuses the kernels: loaded once.
    fa.attention(q, k, v, deterministic=True).sum().backward()
    assert len(fake.configs) == 2 and len(fake.launches) == 4


def test_non_contiguous_grad_output(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    out = fa.attention(q, k, v)
    g = torch.randn(1, 2, 32, 16).transpose(-1, -2)
    assert not g.is_contiguous()
    (dq,) = torch.autograd.grad(out, [q], g)
    copies = [t.detach().double().requires_grad_() for t in (q, k, v)]
    (want,) = torch.autograd.grad(reference(*copies, None, False), copies[:1],
                                  g.double())
    torch.testing.assert_close(dq.double(), want, rtol=1e-4, atol=1e-5)


def test_saved_tensors_are_checked(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    out = fa.attention(q * 1, k, v)  # q * 1: a non-leaf that can change in place
    assert type(out.grad_fn).__name__ == "_AttentionBackward"
    q2 = out.grad_fn.saved_tensors[0]
    with torch.no_grad():
        q2.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_no_graph_without_grad(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    with torch.no_grad():
        out = fa.attention(q, k, v)
    assert out.grad_fn is None and len(fake.configs) == 1  # no backward compiled


def test_errors_before_anything_runs(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    (full,) = leaves((1, 2, 16, 16))
    (row,) = leaves((1, 1, 1, 16))
    cases = [
        (lambda: fa.attention(q, k, v, out=torch.empty(1, 2, 16, 32)), ValueError,
         "not differentiable"),
        (lambda: fa.attention(q, k, v, return_lse=True, lse_out=torch.empty(1, 2, 16)),
         ValueError, "not differentiable"),
        (lambda: fa.attention(q, k, v, deterministic=1), TypeError, "deterministic"),
        (lambda: fa.attention(q, k, v, attn_mask=full.double()), TypeError, "dtype"),
        (lambda: fa.attention(q, k.half(), v), TypeError, "differ"),
        (lambda: fa.attention(q, k, v, attn_mask=full, causal=True), ValueError,
         "either attn_mask or causal"),
    ]
    for call, err, text in cases:
        with pytest.raises(err, match=text):
            call()
    assert fake.launches == []
    # A broadcast bias made by expand (strides of 0, which the kernel does
    # not read: the launch copies it, D128): dBias reaches the [1, 1, 1, 16]
    # leaf through expand's backward.
    check(q, k, v, row.expand(1, 2, 16, 16))
    assert row.grad is None  # check() uses autograd.grad, not .backward()
    out = fa.attention(q, k, v, attn_mask=row.expand(1, 2, 16, 16))
    out.sum().backward()
    assert row.grad.shape == (1, 1, 1, 16)


def test_grad_kernel_errors_come_first(fake, monkeypatch):
    # Without the compiler and no backward kernel registered: the error is
    # raised before the forward runs.
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    fa.attention(q.detach(), k.detach(), v.detach(), return_lse=True)  # registers
    n = len(fake.launches)
    monkeypatch.setattr(fa._capi, "compiler_available", lambda: False)
    with pytest.raises(fa.KernelNotFoundError, match="backward"):
        fa.attention(q, k, v)
    assert len(fake.launches) == n


def test_no_double_backward(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    # dO = 2 * out depends on q: a second derivative would need the
    # backward's own; it raises instead of being silently wrong.
    (dq,) = torch.autograd.grad(fa.attention(q, k, v).square().sum(), [q],
                                create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        dq.sum().backward()


def test_kernel_argument_needs_lse(fake):
    q, k, v = leaves((1, 2, 16, 32), (1, 2, 16, 32), (1, 2, 16, 32))
    plain = fa.compile(q.shape, k.shape, v.shape, dtype="f32", ptxas="none")
    with pytest.raises(ValueError, match="compiled for"):
        fa.attention(q, k, v, kernel=plain)
    with_lse = fa.compile(q.shape, k.shape, v.shape, dtype="f32", lse=True,
                          ptxas="none")
    check(q, k, v, kernel=with_lse)
    assert len(fake.launches) == 2  # the given forward, then the backward


def test_deterministic_window_block_mask_reach_the_mma_sync_backward(fake):
    """deterministic=True, a window and a block mask reach the mma.sync
    backward (dq = ordered) when it is the registered backward kernel of
    the call (kernel=auto picks it once its rule passes its GPU check):
    attention()'s backward launches it, and the fake's closed form of its
    manifest gives the window's and the block mask's gradients."""
    q, k, v = leaves((1, 2, 64, 32), (1, 2, 64, 32), (1, 2, 64, 32),
                     dtype=torch.bfloat16)
    blocks = torch.ones(1, 2, 2, 2, dtype=torch.bool)
    blocks[0, 1, 0, 1] = False
    bm = fa.BlockMask(blocks, (32, 32))
    shapes = (tuple(q.shape), tuple(k.shape), tuple(v.shape))
    kernel = fa.compile_backward(*shapes, dtype="bf16", window=(40, 3),
                                 block_mask=(32, 32, [1, 2, 2, 2]),
                                 deterministic=True, kernel="mma-sync",
                                 ptxas="none")
    assert kernel.schedule == {"kernel": "mma-sync", "dq": "ordered",
                               "deterministic": True,
                               "walk": "dense", "in_flight": "none",
                               "epilogue": "direct", "persistent": "off",
                               "dq_pass": "step-start", "gqa": "loop",
                               "dq_convert": "kernel",
                               "dq_reduce": "warp",
                               "launch_chunk": 1}
    fa.runtime.register(kernel)
    out = fa.attention(q, k, v, window=(40, 3), block_mask=bm,
                       deterministic=True)
    out.float().sum().backward()
    bwd = fake.launches[-1][0]
    assert bwd["options"] == {"kernel": "mma-sync"}
    assert bwd["grad"]["deterministic"] and bwd["window"] == [40, 3]
    assert bwd["block_mask"]["shape"] == [1, 2, 2, 2]
    # Head 1's query block 0 sees no key block 1: its keys 32.. get no
    # gradient from those rows; the gradients are the reference's.
    copies = [t.detach().double().requires_grad_() for t in (q, k, v)]
    keep = bm.to_dense(64, 64)
    cfg = {"scale": 32 ** -0.5, "causal": False, "window": [40, 3]}
    s = scores(cfg, *copies[:2], None).masked_fill(~keep, float("-inf"))
    seen = torch.isfinite(s).any(-1, keepdim=True)
    ref = (torch.softmax(torch.where(seen, s, 0.0), -1) * seen) @ copies[2]
    theirs = torch.autograd.grad(ref.sum(), copies)
    for ours, want in zip((q.grad, k.grad, v.grad), theirs):
        torch.testing.assert_close(ours.double(), want, rtol=2e-2, atol=2e-2)


def test_deterministic_block_mask_reach_the_wgmma_backward(fake):
    """deterministic=True and a block mask of 64 x 128 blocks reach the
    wgmma backward (dq = ordered, D60) when it is the registered backward
    kernel of the call: attention()'s backward launches it, and the fake's
    closed form of its manifest gives the block mask's gradients."""
    q, k, v = leaves((1, 2, 128, 64), (1, 2, 256, 64), (1, 2, 256, 64),
                     dtype=torch.bfloat16)
    blocks = torch.ones(1, 2, 2, 2, dtype=torch.bool)
    blocks[0, 1, 0, 1] = False
    bm = fa.BlockMask(blocks, (64, 128))
    shapes = (tuple(q.shape), tuple(k.shape), tuple(v.shape))
    kernel = fa.compile_backward(*shapes, dtype="bf16",
                                 block_mask=(64, 128, [1, 2, 2, 2]),
                                 deterministic=True, kernel="wgmma",
                                 ptxas="none")
    assert kernel.schedule == {"kernel": "wgmma", "dq": "ordered",
                               "deterministic": True,
                               "walk": "dense", "in_flight": "none",
                               "epilogue": "tma-store", "persistent": "off",
                               "dq_pass": "step-start", "gqa": "loop",
                               "dq_convert": "kernel",
                               "dq_reduce": "warpgroup",
                               "launch_chunk": 1}
    fa.runtime.register(kernel)
    out = fa.attention(q, k, v, block_mask=bm, deterministic=True)
    out.float().sum().backward()
    bwd = fake.launches[-1][0]
    assert bwd["options"] == {"kernel": "wgmma"}
    assert bwd["grad"]["deterministic"]
    assert bwd["block_mask"]["shape"] == [1, 2, 2, 2]
    # Head 1's query block 0 sees no key block 1: the gradients are the
    # reference's with the equivalent keep-mask.
    copies = [t.detach().double().requires_grad_() for t in (q, k, v)]
    keep = bm.to_dense(128, 256)
    cfg = {"scale": 64 ** -0.5, "causal": False, "window": None}
    s = scores(cfg, *copies[:2], None).masked_fill(~keep, float("-inf"))
    ref = torch.softmax(s, -1) @ copies[2]
    theirs = torch.autograd.grad(ref.sum(), copies)
    for ours, want in zip((q.grad, k.grad, v.grad), theirs):
        torch.testing.assert_close(ours.double(), want, rtol=2e-2, atol=2e-2)
