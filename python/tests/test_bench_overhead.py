"""bench/benchmark/overhead.py's modes that run here: `host` (attention()
on CPU tensors with a runtime that launches nothing) and `fake` (the
runtime's fake CUDA driver) time forward, backward and forward+backward
against the floor; --trace's profile table. Needs torch and the
compiler."""

import json

import pytest

from conftest import load_script, requires_compiler

torch = pytest.importorskip("torch")

pytestmark = requires_compiler


@pytest.fixture
def overhead(monkeypatch):
    from flashattn_mlir import runtime
    # host()/fake() replace these for the rest of the process: put them back.
    monkeypatch.setattr(runtime._Buf, "_from_torch", runtime._Buf._from_torch)
    monkeypatch.setattr(runtime, "_runtime", runtime._runtime)
    module = load_script("bench/benchmark/overhead.py", "bench_overhead")
    real = module._cpu_time
    monkeypatch.setattr(module, "_cpu_time", lambda step, between=None: real(
        step, between, n=3, repeats=2, warmup=2))
    return module


def _args(module, mode, path):
    class Args:
        command, json = mode, str(path)
    return Args


@pytest.mark.parametrize("mode", ["host", "fake"])
def test_cpu_modes(overhead, mode, tmp_path, capsys):
    if mode == "fake":
        fake_driver = overhead._tests_path()
        if fake_driver.library_path() is None:
            pytest.skip("libfa_runtime_fake.so not built")
    assert getattr(overhead, mode)(_args(overhead, mode, tmp_path / "r.json")) == 0
    results = json.loads((tmp_path / "r.json").read_text())
    assert set(results) == {"forward", "forward (grad)", "backward",
                            "forward+backward"}
    for r in results.values():
        assert r["ours"]["cpu"] > 0 and r["floor"]["cpu"] > 0
    out = capsys.readouterr().out
    assert f"{mode}: CPU tensors" in out and "forward+backward  ours cpu" in out


def test_trace_table(overhead):
    x = torch.randn(4, 4)
    table = overhead.trace(torch, lambda: torch.mm(x, x), lambda: None)
    assert "aten::mm" in table and "Self CPU" in table
