"""Sliding windows (window=(left, right), fa.attention's #fa.window) from
Python: the checks, the op compile() builds, the kernel attention() finds and
launches (a fake runtime), and the backward's. No GPU needed."""

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _config, runtime
from conftest import requires_compiler
from test_run_plumbing import Arr, FakeRuntime

Q = (1, 2, 128, 64)


@pytest.fixture
def fake(monkeypatch):
    rt = FakeRuntime()
    monkeypatch.setattr(runtime, "_runtime", rt)
    return rt


@pytest.mark.parametrize("window, error, match", [
    ((-1, 0), ValueError, r"window extents must not be negative, got \(-1, 0\)"),
    ((4, -2), ValueError, r"window extents must not be negative"),
    ((4,), ValueError, r"window must be a pair \(left, right\)"),
    ((1, 2, 3), ValueError, r"window must be a pair"),
    (5, ValueError, r"window must be a pair"),
    ("ab", ValueError, r"window must be a pair"),
    ((1.5, 0), TypeError, r"window\[0\] must be an integer"),
    ((1, True), TypeError, r"window\[1\] must be an integer"),
])
def test_bad_windows_are_refused(window, error, match):
    with pytest.raises(error, match=match):
        _config.make_config(Q, Q, Q, window=window)
    with pytest.raises(error, match=match):
        fa.attention(None, None, None, window=window)


def test_causal_window_has_no_right_extent():
    with pytest.raises(ValueError, match=r"with causal must have right = 0"):
        _config.make_config(Q, Q, Q, causal=True, window=(8, 1))
    with pytest.raises(ValueError, match=r"with causal must have right = 0"):
        fa.attention(None, None, None, causal=True, window=(8, 1))
    assert _config.make_config(Q, Q, Q, causal=True, window=(8, 0))["window"] == [8, 0]


def test_window_is_part_of_what_a_kernel_computes():
    dense = _config.make_config(Q, Q, Q)
    windowed = _config.make_config(Q, Q, Q, window=(16, 0))
    # A configuration without a window keeps its key and name.
    assert "window" not in dense
    assert _config.semantic_key(dense) != _config.semantic_key(windowed)
    assert "_win16x0_" in _config.default_name(windowed)
    assert "_win" not in _config.default_name(dense)


@requires_compiler
def test_compile_builds_the_window_attribute():
    k = fa.compile(Q, Q, Q, dtype="bf16", causal=True, window=(32, 0),
                   ptxas="none")
    assert "window = #fa.window<left = 32, right = 0>" in k.mlir("input")
    assert k.config["window"] == [32, 0]
    assert ".entry" in k.ptx


@requires_compiler
def test_attention_launches_the_window_kernel(fake):
    q, kv, o = Arr((1, 2, 64, 64)), Arr((1, 2, 96, 64)), Arr((1, 2, 64, 64))
    fa.attention(q, kv, kv, window=(16, 4), out=o)
    kernel, = fa.registered()
    assert kernel.config["window"] == [16, 4]
    assert "#fa.window<left = 16, right = 4>" in kernel.mlir("input")
    # A dense kernel is not the windowed one, nor the other way round.
    fa.attention(q, kv, kv, out=o)
    assert len(fa.registered()) == 2
    with pytest.raises(ValueError, match="was compiled for"):
        fa.attention(q, kv, kv, out=o, kernel=kernel)
    assert len(fake.launches) == 2


@requires_compiler
def test_saved_window_kernel_loads_with_its_window(tmp_path):
    k = fa.compile(Q, Q, Q, dtype="bf16", window=(8, 8), ptxas="none")
    k.save(str(tmp_path))
    base = tmp_path / k.name
    assert fa.load(str(base)).config["window"] == [8, 8]
    # Without the saved configuration, the window is read from the input
    # MLIR (fa-compile's kernels): never taken for a dense kernel.
    (tmp_path / (k.name + ".config.json")).unlink()
    assert fa.load(str(base)).config["window"] == [8, 8]


@requires_compiler
def test_backward_builds_the_window_attribute():
    k = fa.compile_backward(Q, Q, Q, dtype="bf16", causal=True, window=(20, 0),
                            ptxas="none")
    assert "window = #fa.window<left = 20, right = 0>" in k.mlir("input")
    assert k.config["window"] == [20, 0]
    with pytest.raises(ValueError, match="with causal must have right = 0"):
        fa.compile_backward(Q, Q, Q, causal=True, window=(20, 3), ptxas="none")
