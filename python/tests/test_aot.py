"""Ahead-of-time bundles (flashattn_mlir/aot.py): record a model's calls
without a GPU, compile them into a folder, load it where the compiler is
not, and the error for a call the bundle does not cover. Needs the
compiler; the recording tests need torch."""

import json

import pytest

import flashattn_mlir as fa
from flashattn_mlir import aot, runtime
from conftest import requires_compiler

pytestmark = requires_compiler

CALLS = [
    {"q": [1, 4, 32, 32], "k": [1, 2, 32, 32], "v": [1, 2, 32, 32], "dtype": "bf16",
     "causal": True, "scale": None, "mask": None, "mask_shape": None, "lse": False,
     "backward": {"bias_grad": False, "deterministic": False}},
    {"q": [2, 2, 16, 64], "k": [2, 2, 24, 64], "v": [2, 2, 24, 64], "dtype": "f16",
     "mask": "bool", "mask_shape": [2, 1, 1, 24]},
]


def _without_compiler(monkeypatch):
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(fa._capi, "compiler_available", lambda: False)


def test_bundle_loads_without_the_compiler(tmp_path, monkeypatch):
    kernels = aot.compile_bundle(CALLS, str(tmp_path), ptxas="none")
    assert len(kernels) == 3  # forward with lse and backward; a forward
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    assert [c["call"] for c in bundle["calls"]] == CALLS
    assert [len(c["kernels"]) for c in bundle["calls"]] == [2, 1]
    _without_compiler(monkeypatch)
    loaded = fa.load_dir(str(tmp_path))
    assert sorted(k.name for k in loaded) == sorted(k.name for k in kernels)
    fwd = fa._config.make_config([1, 4, 32, 32], [1, 2, 32, 32], [1, 2, 32, 32],
                                 "bf16", True, lse=True)
    assert runtime.find_kernel(fwd).config["lse"]
    assert runtime.find_grad_kernel(fwd, False, False).config["grad"]
    other = dict(fwd, q_shape=[1, 4, 48, 32], k_shape=[1, 2, 48, 32],
                 v_shape=[1, 2, 48, 32])
    with pytest.raises(fa.KernelNotFoundError) as e:
        runtime.find_kernel(other)
    text = str(e.value)
    assert "q=[1, 4, 48, 32]" in text and "python -m flashattn_mlir.aot compile" in text
    assert "FLASHATTN_MLIR_KERNELS" in text and "Registered kernels (3)" in text


def test_kernels_variable(tmp_path, monkeypatch):
    aot.compile_bundle(CALLS[1:], str(tmp_path), ptxas="none")
    _without_compiler(monkeypatch)
    monkeypatch.setenv("FLASHATTN_MLIR_KERNELS", str(tmp_path))
    monkeypatch.setattr(runtime, "_kernel_dirs_loaded", False)
    cfg = fa._config.make_config([2, 2, 16, 64], [2, 2, 24, 64], [2, 2, 24, 64], "f16",
                                 mask="bool", mask_shape=[2, 1, 1, 24])
    assert runtime.find_kernel(cfg).config == cfg


def test_command_line(tmp_path, capsys):
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(CALLS[1:]))
    assert aot.main(["compile", str(calls), str(tmp_path / "out"), "--target", "a100"]) == 0
    assert "1 kernels for 1 calls" in capsys.readouterr().out
    (k,) = fa.load_dir(str(tmp_path / "out"))
    assert k.config["target"] == "a100"


def test_bad_calls():
    with pytest.raises(TypeError, match="list of calls"):
        aot.compile_bundle({"q": [1]}, "x")
    with pytest.raises(ValueError, match="not a call"):
        aot.compile_bundle([{"q": [1, 1, 1, 1]}], "x")
    with pytest.raises(ValueError, match="unknown keys"):
        aot.compile_bundle([dict(CALLS[1], heads=3)], "x")
    with pytest.raises(ValueError, match=r"\['backward'\] must be null"):
        aot.compile_bundle([dict(CALLS[1], backward=True)], "x")
    with pytest.raises(ValueError, match=r"\['backward'\] must be null"):
        aot.compile_bundle([dict(CALLS[1], backward={"bias": True})], "x")
    with pytest.raises(TypeError, match="bias_grad"):
        aot.compile_bundle([dict(CALLS[1], backward={"bias_grad": "no"})], "x")
    with pytest.raises(TypeError, match="path"):
        with aot.record(3):
            pass


def test_record_on_meta_and_cpu(tmp_path):
    torch = pytest.importorskip("torch")
    q = torch.empty(2, 8, 64, 32, device="meta", dtype=torch.bfloat16,
                    requires_grad=True)
    kv = torch.empty(2, 2, 64, 32, device="meta", dtype=torch.bfloat16)
    path = tmp_path / "calls.json"
    with aot.record(str(path)) as calls:
        out = fa.attention(q, kv, kv, causal=True)
        out.sum().backward()  # the reference's backward: nothing runs
        assert out.device.type == "meta" and q.grad.shape == q.shape
        with torch.no_grad():
            fa.attention(q, kv, kv, causal=True)
            fa.attention(q, kv, kv, causal=True)  # noted once
    assert json.loads(path.read_text()) == calls
    assert calls == [
        {"q": [2, 8, 64, 32], "k": [2, 2, 64, 32], "v": [2, 2, 64, 32], "dtype": "bf16",
         "causal": True, "scale": None, "mask": None, "mask_shape": None, "lse": True,
         "backward": {"bias_grad": False, "deterministic": False}},
        {"q": [2, 8, 64, 32], "k": [2, 2, 64, 32], "v": [2, 2, 64, 32], "dtype": "bf16",
         "causal": True, "scale": None, "mask": None, "mask_shape": None, "lse": False,
         "backward": None}]
    assert aot.recording() is None


def test_record_computes_attention(monkeypatch):
    """On CPU tensors the recorded call's result is the kernels' math (the
    fake runtime's float64 attention)."""
    torch = pytest.importorskip("torch")
    from fake_runtime import install
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 16, 32, generator=gen) for _ in range(3))
    bias = torch.randn(1, 2, 16, 16, generator=gen)
    with aot.record() as calls:
        got, lse = fa.attention(q, k, v, attn_mask=bias, return_lse=True)
    assert calls[0]["mask"] == "bias" and calls[0]["lse"]
    install(monkeypatch)
    want, want_lse = fa.attention(q, k, v, attn_mask=bias, return_lse=True)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(lse, want_lse)
    with aot.record(), pytest.raises(ValueError, match="top-left"):
        fa.attention(q, k[:, :, :8], v[:, :, :8], causal=True)
