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
                            "backward (no autograd)", "forward+backward"}
    for r in results.values():
        assert r["ours"]["cpu"] > 0 and r["floor"]["cpu"] > 0
    out = capsys.readouterr().out
    assert f"{mode}: CPU tensors" in out
    assert "forward+backward       ours cpu" in out
    assert "backward (no autograd) ours cpu" in out


def test_trace_table(overhead):
    x = torch.randn(4, 4)
    table = overhead.trace(torch, lambda: torch.mm(x, x), lambda: None)
    assert "aten::mm" in table and "Self CPU" in table


def test_timed_separates_stalls(overhead):
    """timed()'s per-call measures: a steady cost shows in p50, a rare
    long call (>= STALL_US) in stalls and max, not in p50."""
    import time
    count = [0]

    def step():
        count[0] += 1
        if count[0] % 10 == 0:
            time.sleep(overhead.STALL_US * 2e-6)

    r = overhead.timed(step, lambda: None, n=40, warmup=0)
    assert set(r) == {"enqueue", "total", "p50", "p99", "max", "stalls"}
    assert r["p50"] < overhead.STALL_US <= r["max"]
    # 4 calls of 2 STALL_US or more over 40 calls.
    assert r["stalls"] >= 4 * 2 * overhead.STALL_US / 40
    assert r["total"] >= r["enqueue"] >= r["stalls"]


def test_measure_on_cpu(overhead, monkeypatch, capsys):
    """run's measurement (ours, SDPA and the floor per stage) on CPU
    tensors under the host runtime, the stages named; an unknown stage
    is refused."""
    from flashattn_mlir import runtime
    fake_driver = overhead._tests_path()
    real = runtime._Buf._from_torch
    monkeypatch.setattr(runtime._Buf, "_from_torch", lambda self, name, x: real(
        self, name, fake_driver.OnCuda(x)))
    monkeypatch.setattr(runtime, "_runtime", overhead._NullRuntime())
    monkeypatch.setattr(overhead, "gpu_time", lambda *a: None)
    import flashattn_mlir as fa
    results = overhead.measure(
        torch, fa, "cpu", lambda: None,
        ["backward (no autograd)", "backward", "forward+backward"], calls=5,
        bursts=2)
    assert list(results) == ["backward (no autograd)", "backward",
                             "forward+backward"]
    # SDPA's FLASH backward op does not run on CPU tensors: no SDPA, no ratio.
    assert set(results.pop("backward (no autograd)")) == {"ours", "floor"}
    for r in results.values():
        assert set(r) == {"ours", "sdpa", "floor", "ratio"}
        assert r["ours"]["total"] > 0 and r["floor"]["host"] > 0
        assert r["ours"]["gpu"] is None and "gpu" not in r["floor"]
    overhead.report(results)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("backward") and "floor total" in out[0]
    assert out[1].startswith("  per call") and "ours p50" in out[1]
    assert "stalls" in out[1] and "gpu    n/a" in out[0]
    with pytest.raises(ValueError, match="unknown stages.*forward\\+backward"):
        overhead.measure(torch, fa, "cpu", lambda: None, ["bwd"])


def test_sdpa_backward_op_wiring(overhead):
    """The 'backward (no autograd)' stage's SDPA step: FLASH's backward op
    on its forward op's outputs, wired by position (checked on the meta
    device, where both ops have shape functions); None on CPU tensors,
    which the CUDA op does not take."""
    q, k, v, g = (torch.randn(overhead.SHAPE, dtype=torch.bfloat16, device="meta")
                  for _ in range(4))
    step = overhead._sdpa_backward_op(torch, q, k, v, g)
    assert [tuple(t.shape) for t in step()] == [overhead.SHAPE] * 3
    cpu = [torch.empty_like(t, device="cpu") for t in (q, k, v, g)]
    assert overhead._sdpa_backward_op(torch, *cpu) is None
