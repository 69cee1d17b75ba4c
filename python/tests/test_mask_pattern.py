"""Mask patterns (mask_pattern=MaskPattern(chunk, global_tokens, butterfly),
fa.attention's #fa.mask_pattern) from Python: the checks, the op compile()
and compile_backward() build, the kernel attention() finds and launches (a
fake runtime), a saved kernel's pattern, the AOT reference. No GPU needed."""

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _config, aot
from conftest import requires_compiler
from test_run_plumbing import Arr
from test_window import Q, fake  # noqa: F401 - the fake runtime fixture


@pytest.mark.parametrize("pattern, window, error, match", [
    (fa.MaskPattern(), None, ValueError, r"needs a positive chunk"),
    ({"chunk": -1}, None, ValueError, r"mask_pattern.chunk must be at least 0"),
    (fa.MaskPattern(chunk=8, butterfly=8), None, ValueError,
     r"one local pattern: chunk or butterfly"),
    (fa.MaskPattern(chunk=8), (4, 4), ValueError, r"excludes window"),
    (fa.MaskPattern(global_tokens=4), None, ValueError,
     r"global tokens need a local pattern"),
    ({"chunks": 8}, None, ValueError, r"unknown keys \['chunks'\]"),
    ({"chunk": 1.5}, None, TypeError, r"mask_pattern.chunk must be an integer"),
    (8, None, TypeError, r"must be a MaskPattern or a dict"),
])
def test_bad_patterns_are_refused(pattern, window, error, match):
    with pytest.raises(error, match=match):
        _config.make_config(Q, Q, Q, window=window, mask_pattern=pattern)
    with pytest.raises(error, match=match):
        fa.attention(None, None, None, window=window, mask_pattern=pattern)


def test_pattern_is_part_of_what_a_kernel_computes():
    dense = _config.make_config(Q, Q, Q)
    chunked = _config.make_config(Q, Q, Q, mask_pattern=fa.MaskPattern(chunk=32))
    sinks = _config.make_config(Q, Q, Q, causal=True, window=(16, 0),
                                mask_pattern={"global_tokens": 4})
    assert "mask_pattern" not in dense
    assert chunked["mask_pattern"] == [32, 0, 0]
    assert sinks["mask_pattern"] == [0, 4, 0]
    keys = {_config.semantic_key(c) for c in (dense, chunked, sinks)}
    assert len(keys) == 3
    assert "_chunk32_" in _config.default_name(chunked)
    assert "_win16x0_global4_" in _config.default_name(sinks)
    with pytest.raises(ValueError, match="exclude each other"):
        _config.make_config(Q, Q, Q, mask_pattern={"chunk": 32},
                            block_mask=(64, 64))


def test_pattern_keeps_by_hand():
    p = fa.MaskPattern(chunk=4)
    assert p.keeps(5, 4, 8, 8) and not p.keeps(5, 3, 8, 8)
    assert not p.keeps(5, 7, 8, 8, causal=True)
    # Butterfly cells of 2: cell 3 sees cells 1, 2, 3 and 7.
    fly = fa.MaskPattern(butterfly=2)
    assert [c for c in range(8) if fly.keeps(6, 2 * c, 16, 16)] == [1, 2, 3, 7]
    sink = fa.MaskPattern(global_tokens=2)
    assert sink.keeps(7, 0, 8, 8, causal=True, window=(1, 0))
    assert not sink.keeps(7, 5, 8, 8, causal=True, window=(1, 0))


def test_aot_reference_applies_the_pattern():
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 24, 8, generator=gen) for _ in range(3))
    out, lse = aot.reference(q, k, v, None, "bottom_right", None, None, None,
                             [8, 0, 0])
    # Chunks of 8, causal: row 9 sees keys 8 and 9 only.
    s = (q[0, 0, 9] @ k[0, 0, 8:10].T) / 8 ** 0.5
    p = torch.softmax(s, -1)
    torch.testing.assert_close(out[0, 0, 9], p @ v[0, 0, 8:10])
    torch.testing.assert_close(lse[0, 0, 9], torch.logsumexp(s, -1))


@requires_compiler
def test_compile_builds_the_pattern_attribute():
    k = fa.compile(Q, Q, Q, dtype="bf16", causal=True,
                   mask_pattern=fa.MaskPattern(chunk=32), ptxas="none")
    assert "mask_pattern = #fa.mask_pattern<chunk = 32>" in k.mlir("input")
    assert k.config["mask_pattern"] == [32, 0, 0]
    assert ".entry" in k.ptx
    w = fa.compile(Q, Q, Q, dtype="bf16", window=(8, 8),
                   mask_pattern={"global_tokens": 16}, ptxas="none")
    text = w.mlir("input")
    assert "window = #fa.window<left = 8, right = 8>" in text
    assert "mask_pattern = #fa.mask_pattern<global = 16>" in text


@requires_compiler
def test_attention_launches_the_pattern_kernel(fake):
    q, kv, o = Arr((1, 2, 64, 64)), Arr((1, 2, 96, 64)), Arr((1, 2, 64, 64))
    fa.attention(q, kv, kv, mask_pattern=fa.MaskPattern(butterfly=16), out=o)
    kernel, = fa.registered()
    assert kernel.config["mask_pattern"] == [0, 0, 16]
    assert "#fa.mask_pattern<butterfly = 16>" in kernel.mlir("input")
    fa.attention(q, kv, kv, out=o)
    assert len(fa.registered()) == 2
    with pytest.raises(ValueError, match="was compiled for"):
        fa.attention(q, kv, kv, out=o, kernel=kernel)
    assert len(fake.launches) == 2


@requires_compiler
def test_saved_pattern_kernel_loads_with_its_pattern(tmp_path):
    k = fa.compile(Q, Q, Q, dtype="bf16", mask_pattern={"chunk": 16},
                   ptxas="none")
    k.save(str(tmp_path))
    base = tmp_path / k.name
    assert fa.load(str(base)).config["mask_pattern"] == [16, 0, 0]
    # Without the saved configuration the pattern is read from the input
    # MLIR: never taken for a dense kernel.
    (tmp_path / (k.name + ".config.json")).unlink()
    assert fa.load(str(base)).config["mask_pattern"] == [16, 0, 0]


@requires_compiler
def test_backward_builds_the_pattern_attribute():
    k = fa.compile_backward(Q, Q, Q, dtype="bf16", causal=True,
                            mask_pattern=fa.MaskPattern(chunk=32),
                            ptxas="none")
    assert "mask_pattern = #fa.mask_pattern<chunk = 32>" in k.mlir("input")
    assert k.config["mask_pattern"] == [32, 0, 0]
