"""Runtime block masks from Python (docs/BlockSparse.md): the checks, the
op compile() builds, BlockMask and its helpers against a dense reference
(CPU torch), and attention()'s forward and backward through the launch
plans, the custom ops and the AOT bundles with the fake runtime (no GPU).
The torch tests skip without torch (CI has none)."""

import json

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _config, aot
from conftest import requires_compiler

Q = (2, 4, 200, 64)
K = (2, 2, 300, 64)


@pytest.mark.parametrize("block_mask, error, match", [
    ((24, 32), ValueError, r"block sizes must be multiples of 16, got \(24, 32\)"),
    ((32,), ValueError, r"must be \(block_q, block_kv\)"),
    ((0, 32), ValueError, r"at least 1"),
    ((32, 32, (2, 4, 7, 9)), ValueError,
     r"shape \(2, 4, 7, 9\) is not \[B or 1, Hq or 1, ceil\(Nq / 32\), "
     r"ceil\(Nk / 32\)\] = \[2 or 1, 4 or 1, 7, 10\]"),
    ((32, 32, (2, 2, 7, 10)), ValueError, r"is not \[B or 1, Hq or 1"),
    ((32, 32.0), TypeError, r"must be an integer"),
])
def test_bad_block_masks_are_refused(block_mask, error, match):
    with pytest.raises(error, match=match):
        _config.make_config(Q, K, K, block_mask=block_mask)


def test_block_mask_is_part_of_what_a_kernel_computes():
    dense = _config.make_config(Q, K, K)
    sparse = _config.make_config(Q, K, K, block_mask=(32, 64))
    assert "block_mask" not in dense
    assert sparse["block_mask"] == {"block_q": 32, "block_kv": 64,
                                    "shape": [2, 4, 7, 5]}
    broadcast = _config.make_config(Q, K, K, block_mask=(32, 64, (1, 1, 7, 5)))
    assert broadcast["block_mask"]["shape"] == [1, 1, 7, 5]
    keys = {_config.semantic_key(c) for c in (dense, sparse, broadcast)}
    assert len(keys) == 3
    assert "_bm32x64_" in _config.default_name(sparse)


@requires_compiler
def test_compile_builds_the_block_mask_operand():
    k = fa.compile(Q, K, K, dtype="bf16", block_mask=(64, 64, (1, 1, 4, 5)),
                   ptxas="none")
    text = k.mlir("input")
    assert "block_mask(%bm : tensor<1x1x4x5xi8>)" in text
    assert "block_sparse = #fa.block_sparse<block_q = 64, block_kv = 64>" in text
    # The cost model keeps to tiles that divide the mask's blocks.
    assert 64 % k.tiling["block_q"] == 0 and 64 % k.tiling["block_kv"] == 0
    assert "density is known only at run time" in k.explain
    names = [a["name"] for a in k.manifest["arguments"]]
    assert len(names) == 5 and k.manifest["arguments"][3]["dtype"] == "i8"
    assert ".entry" in k.ptx


@requires_compiler
def test_saved_block_mask_kernel_loads_with_its_block_mask(tmp_path):
    k = fa.compile(Q, K, K, dtype="bf16", mask="bool", block_mask=(64, 64),
                   ptxas="none")
    k.save(str(tmp_path))
    base = tmp_path / k.name
    assert fa.load(str(base)).config["block_mask"] == k.config["block_mask"]
    # Without the saved configuration, the block mask (and the mask next to
    # it) is read from the input MLIR (fa-compile's kernels).
    (tmp_path / (k.name + ".config.json")).unlink()
    loaded = fa.load(str(base)).config
    assert loaded["block_mask"] == {"block_q": 64, "block_kv": 64,
                                    "shape": [2, 4, 4, 5]}
    assert loaded["mask"] == {"kind": "bool", "shape": [2, 4, 200, 300]}


@requires_compiler
def test_backward_takes_the_block_mask_on_every_kernel():
    k = fa.compile_backward(Q, K, K, dtype="bf16", block_mask=(64, 64),
                            ptxas="none")
    assert "block_mask(%bm : tensor<2x4x4x5xi8>)" in k.mlir("input")
    # kernel=auto: the mma.sync backward (the wgmma one's 64 x 128 tiling
    # does not divide 64 x 64 blocks).
    assert k.schedule["kernel"] == "mma-sync"
    simt = fa.compile_backward(Q, K, K, dtype="bf16", block_mask=(64, 64),
                               kernel="simt", ptxas="none")
    assert simt.schedule["kernel"] == "simt"
    mma = fa.compile_backward(Q, K, K, dtype="bf16", block_mask=(64, 64),
                              kernel="mma-sync", ptxas="none")
    assert mma.schedule["kernel"] == "mma-sync"
    assert 64 % mma.tiling["block_q"] == 0 and 64 % mma.tiling["block_kv"] == 0
    # The wgmma backward: its one tiling (64 x 128) must divide the mask's
    # blocks.
    wg = fa.compile_backward(Q, K, K, dtype="bf16", block_mask=(64, 128),
                             kernel="wgmma", ptxas="none")
    assert wg.schedule["kernel"] == "wgmma"
    assert "block_mask(%bm : tensor<2x4x4x3xi8>)" in wg.mlir("input")
    with pytest.raises(fa.CompileError,
                       match="must divide the block mask's 64x64"):
        fa.compile_backward(Q, K, K, dtype="bf16", block_mask=(64, 64),
                            kernel="wgmma", ptxas="none")


# --- torch ------------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


def test_block_mask_class_checks_its_arguments():
    torch = _torch()
    with pytest.raises(ValueError, match="multiples of 16"):
        fa.BlockMask(torch.ones(1, 1, 2, 2, dtype=torch.bool), 8)
    with pytest.raises(ValueError, match="4-D tensor"):
        fa.BlockMask(torch.ones(2, 2, dtype=torch.bool), 16)
    with pytest.raises(TypeError, match="bool, int8 or uint8"):
        fa.BlockMask(torch.ones(1, 1, 2, 2), 16)
    bm = fa.BlockMask(torch.tensor([[[[True, False], [False, True]]]]), 16)
    assert bm.block_size == (16, 16) and bm.density() == 0.5
    assert bm.operand().dtype == torch.int8
    assert bm.to_dense(20, 30).shape == (1, 1, 20, 30)
    with pytest.raises(ValueError, match="is not \\[B or 1"):
        bm.config((1, 1, 40, 8), (1, 1, 20, 8))


def _dense_document_mask(torch, q_ids, k_ids, causal):
    keep = q_ids[:, :, None] == k_ids[:, None, :]
    if causal:
        keep &= torch.ones(keep.shape[1:], dtype=torch.bool).tril()
    return keep


def _blocks_of(torch, keep, bq, bk):
    """The exact block mask of an element mask [B, Nq, Nk]."""
    B, nq, nk = keep.shape
    mq, mk = -(-nq // bq), -(-nk // bk)
    padded = torch.zeros(B, mq * bq, mk * bk, dtype=torch.bool)
    padded[:, :nq, :nk] = keep
    return padded.view(B, mq, bq, mk, bk).any(4).any(2)


@pytest.mark.parametrize("causal", [False, True])
def test_document_block_mask_is_exact(causal):
    torch = _torch()
    gen = torch.Generator().manual_seed(3)
    # Ragged documents, and ids that come back (not contiguous).
    lengths = [37, 5, 90, 16, 52]
    ids = torch.cat([torch.full((n,), d % 4) for d, n in enumerate(lengths)])
    ids = torch.stack([ids, ids[torch.randperm(len(ids), generator=gen)]])
    bm = fa.block_mask_from_document_ids(ids, block=(32, 16), causal=causal)
    want = _blocks_of(torch, _dense_document_mask(torch, ids, ids, causal), 32, 16)
    assert bm.mask.shape == (2, 1) + tuple(want.shape[1:])
    assert torch.equal(bm.mask[:, 0], want)
    assert torch.equal(fa.document_keep_mask(ids, causal)[:, 0],
                       _dense_document_mask(torch, ids, ids, causal))


def test_create_block_mask_matches_the_dense_mask():
    torch = _torch()

    def fn(b, h, q, kv):
        return ((q - kv).abs() <= 20 + 10 * h) & ((kv + b) % 3 != 0)

    bm = fa.create_block_mask(fn, 2, 3, 70, 100, block=16, rows_per_chunk=32)
    b = torch.arange(2).view(2, 1, 1, 1)
    h = torch.arange(3).view(1, 3, 1, 1)
    dense = fn(b, h, torch.arange(70).view(1, 1, 70, 1),
               torch.arange(100).view(1, 1, 1, 100))
    want = _blocks_of(torch, dense.reshape(6, 70, 100), 16, 16).view(2, 3, 5, 7)
    assert torch.equal(bm.mask, want)
    # B and H None: one mask for all.
    one = fa.create_block_mask(lambda b, h, q, kv: kv <= q, None, None, 64, 64,
                               block=32)
    assert one.mask.shape == (1, 1, 2, 2)
    assert one.mask[0, 0].tolist() == [[True, False], [True, True]]


@pytest.fixture
def fake(monkeypatch):
    from fake_runtime import install
    return install(monkeypatch)


def _reference(torch, q, k, v, keep):
    g = q.shape[1] // k.shape[1]
    s = (q.double() @ k.double().repeat_interleave(g, 1).transpose(-1, -2)
         * q.shape[-1] ** -0.5).masked_fill(~keep, float("-inf"))
    seen = torch.isfinite(s).any(-1, keepdim=True)
    p = torch.softmax(torch.where(seen, s, 0.0), -1) * seen
    return p @ v.double().repeat_interleave(g, 1)


@requires_compiler
def test_attention_forward_and_backward_apply_the_block_mask(fake):
    torch = _torch()
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(2, 4, 70, 32, generator=gen).requires_grad_()
    k = torch.randn(2, 2, 90, 32, generator=gen).requires_grad_()
    v = torch.randn(2, 2, 90, 32, generator=gen).requires_grad_()
    mask = torch.rand(1, 4, 3, 6, generator=gen) < 0.5
    mask[:, :, 1] = False  # rows without a block: output 0
    bm = fa.BlockMask(mask, (32, 16))
    out = fa.attention(q, k, v, block_mask=bm)
    keep = bm.to_dense(70, 90)
    copies = [t.detach().double().requires_grad_() for t in (q, k, v)]
    ref = _reference(torch, *copies, keep)
    torch.testing.assert_close(out.double(), ref.detach(), rtol=1e-5, atol=1e-5)
    assert torch.all(out[:, :, 32:64] == 0)
    dout = torch.randn(out.shape, generator=gen)
    ours = torch.autograd.grad(out, [q, k, v], dout)
    theirs = torch.autograd.grad(ref, copies, dout.double())
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.double(), b, rtol=1e-4, atol=1e-4)
    fwd, bwd = (cfg for cfg, _ in fake.launches)
    assert fwd["block_mask"] == {"block_q": 32, "block_kv": 16,
                                 "shape": [1, 4, 3, 6]}
    assert bwd["block_mask"] == fwd["block_mask"] and "grad" in bwd
    # Another mask of the same shape runs on the same kind of kernel (this
    # one without the logsumexp: no grad).
    other = fa.BlockMask(~mask, (32, 16))
    out2 = fa.attention(q.detach(), k.detach(), v.detach(), block_mask=other)
    torch.testing.assert_close(
        out2.double(), _reference(torch, q.detach(), k.detach(), v.detach(),
                                  other.to_dense(70, 90)), rtol=1e-5, atol=1e-5)
    assert len(fake.configs) == 3 and not fake.configs[2]["lse"]
    assert fake.configs[2]["block_mask"] == fwd["block_mask"]


@requires_compiler
def test_attention_checks_the_block_mask(fake):
    torch = _torch()
    q = torch.randn(1, 2, 64, 32)
    with pytest.raises(TypeError, match="must be a flashattn_mlir.block_mask.BlockMask"):
        fa.attention(q, q, q, block_mask=torch.ones(1, 1, 2, 2, dtype=torch.bool))
    wrong = fa.BlockMask(torch.ones(1, 1, 3, 2, dtype=torch.bool), 32)
    with pytest.raises(ValueError, match=r"ceil\(Nq / 32\)"):
        fa.attention(q, q, q, block_mask=wrong)


@requires_compiler
def test_block_mask_through_torch_compile_ops(fake):
    torch = _torch()
    gen = torch.Generator().manual_seed(5)
    q = torch.randn(1, 2, 64, 32, generator=gen)
    bm = fa.BlockMask(torch.tensor([[[[1, 0], [1, 1]]]], dtype=torch.uint8), 32)
    out, lse = torch.ops.flashattn_mlir.attention(
        q, q, q, None, "none", None, True, False, False, False, "", "", None,
        bm.operand(), [32, 32])
    ref = _reference(torch, q, q, q, bm.to_dense(64, 64))
    torch.testing.assert_close(out.double(), ref, rtol=1e-5, atol=1e-5)
    assert lse.shape == (1, 2, 64)


@requires_compiler
def test_aot_records_and_compiles_the_block_mask(tmp_path):
    torch = _torch()
    q = torch.randn(1, 2, 64, 32)
    bm = fa.BlockMask(torch.tensor([[[[1, 0], [0, 1]]]], dtype=torch.bool), 32)
    with aot.record() as calls:
        out = fa.attention(q, q, q, block_mask=bm)
    torch.testing.assert_close(
        out.double(), _reference(torch, q, q, q, bm.to_dense(64, 64)),
        rtol=1e-4, atol=1e-4)
    assert calls[0]["block_mask"] == [32, 32, [1, 1, 2, 2]]
    kernels = aot.compile_bundle(json.loads(json.dumps(calls)), str(tmp_path),
                                 ptxas="none")
    assert kernels[0].config["block_mask"]["shape"] == [1, 1, 2, 2]


def test_block_mask_with_dtensors_is_refused(monkeypatch):
    torch = _torch()
    from flashattn_mlir import autograd
    # The ops' DTensor sharding rules have no placement for a block mask.
    monkeypatch.setattr(autograd, "_any_dtensor", lambda *tensors: True)
    q = torch.randn(1, 2, 64, 32)
    bm = fa.BlockMask(torch.ones(1, 1, 2, 2, dtype=torch.bool), 32)
    with pytest.raises(ValueError, match="block_mask with DTensors is not supported"):
        fa.attention(q, q, q, block_mask=bm)
