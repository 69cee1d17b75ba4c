"""bench/benchmark/block_sparse.py, the block-sparse benchmark forward and
backward against FlexAttention: its cases, their aot calls (what
attention() records through autograd), `stage` (kernels compiled, found
again without the compiler), the FLOP and density arithmetic, and one case
of `run` on the CPU (a fake runtime, FlexAttention eager, a fake do_bench).
Needs the compiler; the arithmetic and the CPU run need torch."""

import json

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _capi
from conftest import load_script, requires_compiler

pytestmark = requires_compiler


def bench_module():
    return load_script("bench/benchmark/block_sparse.py", "bench_block_sparse")


def test_cases_are_the_issues():
    bench = bench_module()
    cases = bench.cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)) == 12
    windows = [c for c in cases if c.get("window")]
    assert [(c["nq"], c["d"], c["hq"]) for c in windows] == [
        (8192, 128, 16), (16384, 128, 16), (32768, 128, 16), (8192, 64, 32)]
    assert all(c["window"] == [1024, 0] and c["causal"] and c["b"] == 1
               for c in windows)
    docs = [c for c in cases if c.get("block_mask", {}).get("docs")]
    assert [c["block_mask"]["pattern"] for c in docs] == ["docs7", "docsragged"]
    for c in docs:
        assert sum(c["block_mask"]["docs"]) == c["nq"] == 32768
        assert c["causal"] and c["d"] == 128
    assert len(set(docs[0]["block_mask"]["docs"][:6])) == 1
    assert len(docs[0]["block_mask"]["docs"]) == 7
    randoms = [c for c in cases if "random" in c["name"]]
    assert sorted((c["d"], c["block_mask"]["density"]) for c in randoms) == [
        (d, p) for d in (64, 128) for p in (0.1, 0.25, 0.5)]
    assert all(c["nq"] == 8192 and c["block_mask"]["block"] == [128, 128]
               and c["hq"] * c["d"] == 2048 for c in randoms)
    assert [c["name"] for c in bench.selected(cases, "win,docs7")] == (
        [c["name"] for c in windows] + [docs[0]["name"]])


def test_calls_are_what_attention_records():
    """Each case's aot call is the one attention() notes through autograd
    (meta tensors: nothing computed), so the staged kernels are the ones
    the run looks up."""
    torch = pytest.importorskip("torch")
    from flashattn_mlir import aot
    bench = bench_module()
    for c in bench.cases():
        call = bench.aot_call(c)
        q, k, v = (torch.empty(call[x], dtype=torch.bfloat16, device="meta",
                               requires_grad=True) for x in "qkv")
        extra = ({"window": tuple(c["window"])} if c.get("window") else
                 {"block_mask": fa.BlockMask(torch.empty(
                     call["block_mask"][2], dtype=torch.int8, device="meta"),
                     tuple(c["block_mask"]["block"]))})
        with aot.record() as calls:
            out = fa.attention(q, k, v, causal=c["causal"], **extra)
            torch.autograd.grad(out, (q, k, v), torch.empty_like(out))
        assert calls == [call], c["name"]


def test_stage_then_load_without_the_compiler(tmp_path, monkeypatch, capsys):
    bench = bench_module()
    dest = tmp_path / "s"
    assert bench.main(["stage", str(dest), "--target", "h100",
                       "--only", "d64_causal_win"]) == 0
    out = capsys.readouterr().out
    assert "1 cases; expected GPU time about 1 min" in out
    script = (dest / "run_block_sparse.sh").read_text()
    assert "bench/benchmark/block_sparse.py run . --json" in script
    for script in ("benchmark/block_sparse.py", "benchmark/backward.py",
                   "benchmark/benchmark.py", "correctness/gpu_check.py",
                   "correctness/gpu_cases.py"):
        assert (dest / "bench" / script).exists()
    [c] = json.loads((dest / bench.CASES_FILE).read_text())["cases"]
    assert c["name"] == "sparse_bf16_b1_h32x32_q8192_k8192_d64_causal_win1024x0"
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    loaded = fa.load_dir(str(dest / "kernels"))
    assert len(loaded) == 2  # the forward with its logsumexp, the backward
    call = bench.aot_call(c)
    cfg = fa._config.make_config(call["q"], call["k"], call["v"], "bf16", True,
                                 lse=True, window=(1024, 0))
    assert fa.find_kernel(cfg).config["window"] == [1024, 0]


def test_expected_seconds():
    bench = bench_module()
    assert bench.expected_seconds(2) == 2 * (bench.COMPILE_S + bench.TIMING_S)


def test_flop_and_density_arithmetic():
    pytest.importorskip("torch")
    import torch
    bench = bench_module()
    cases = {c["name"]: c for c in bench.cases()}
    win = cases["sparse_bf16_b1_h16x16_q8192_k8192_d128_causal_win1024x0"]
    # Row i sees keys max(0, i - 1024) .. i.
    per_head = sum(min(i, 1024) + 1 for i in range(8192))
    assert per_head == 1024 * 1025 // 2 + (8192 - 1024) * 1025
    assert bench.pairs(win) == per_head
    assert bench.density(win, per_head) == per_head / (8192 * 8193 // 2)
    assert bench.fwd_flops(win, per_head) == 2.0 * 16 * 256 * per_head

    rnd = cases["sparse_bf16_b1_h32x32_q8192_k8192_d64_bm128x128_random25"]
    mask = torch.zeros(1, 1, 64, 64, dtype=torch.int8)
    mask[0, 0, ::2, 1::3] = 1  # 32 rows x 21 columns of whole blocks
    assert bench.pairs(rnd, mask) == 32 * 21 * 128 * 128
    assert bench.density(rnd, 32 * 21 * 128 * 128) == 32 * 21 / 64 ** 2

    docs = cases["sparse_bf16_b1_h16x16_q32768_k32768_d128_causal_bm128x128_docs7"]
    small = dict(docs, nq=512, nk=512)
    diag = torch.zeros(1, 1, 4, 4, dtype=torch.int8)
    diag[0, 0].fill_diagonal_(1)  # causal halves of the diagonal blocks
    assert bench.pairs(small, diag) == 4 * 128 * 129 // 2
    assert bench.density(small, 4 * 128 * 129 // 2) == pytest.approx(
        4 * 128 * 129 / (512 * 513))


def test_summary_and_lines():
    bench = bench_module()
    c = {"b": 1, "hq": 2, "d": 64, "dv": 64}
    row = {"name": "x", "pairs": 1000, "density": 0.25,
           "ours_fwd_ms": 1.0, "flex_fwd_ms": 1.5, "flash_fwd_ms": 3.0,
           "cudnn_fwd_ms": 2.0, "ours_bwd_ms": 2.0, "flex_bwd_ms": None,
           "flash_bwd_ms": 8.0, "ours_fwdbwd_ms": None,
           "out_diff_vs_flex": 1e-3, "grad_diff_vs_flex": 2e-3}
    bench.summarize(row, c)
    flops = 2.0 * 2 * 128 * 1000
    assert row["ours_fwd_tflops"] == pytest.approx(flops / 1e-3 / 1e12)
    assert row["ours_bwd_tflops"] == pytest.approx(2.5 * flops / 2e-3 / 1e12)
    assert row["flex_over_ours_fwd"] == 1.5
    assert row["ours_over_dense_fwd"] == 1.0 / (0.25 * 2.0)  # the faster: cuDNN
    assert row["ours_over_dense_bwd"] == 2.0 / (0.25 * 8.0)  # cuDNN missing
    assert row["flex_over_ours_bwd"] is None and row["flex_bwd_tflops"] is None
    assert row["ours_over_dense_fwdbwd"] is None
    lines = bench.format_row(row)
    assert len(lines) == 4 and "density 0.250" in lines[0]
    assert "grads 2.00e-03" in lines[0]
    assert "flex/ours  1.50 (bar >= 1.3)" in lines[1]
    assert "ours/(density x dense)  2.00 (bar <= 1.2)" in lines[1]
    assert "flex n/a" in lines[2]


def dense_flex(q, k, v, block_mask, scale, enable_gqa):
    """flex_attention's math with its BlockMask's mask_mod on every pair,
    in float32 through autograd (a row that sees no key gives 0)."""
    import torch
    qi = torch.arange(q.shape[2])[:, None]
    kj = torch.arange(k.shape[2])[None, :]
    zero = torch.tensor(0)
    keep = block_mask.mask_mod(zero, zero, qi, kj)
    seen = keep.any(-1, keepdim=True)
    s = (q.float() @ k.float().transpose(-1, -2)) * scale
    s = torch.where(seen, s.masked_fill(~keep, float("-inf")), 0.0)
    return ((torch.softmax(s, -1) * seen) @ v.float()).to(q.dtype)


@pytest.mark.parametrize("name", [
    "sparse_bf16_b1_h16x16_q8192_k8192_d128_causal_win1024x0",
    "sparse_bf16_b1_h16x16_q32768_k32768_d128_causal_bm128x128_docsragged",
    "sparse_bf16_b1_h32x32_q8192_k8192_d64_bm128x128_random25"])
def test_bench_case_on_the_cpu(name, monkeypatch):
    """bench_case's plumbing on a small copy of a case: ours through a fake
    runtime; FlexAttention's BlockMask built by benchmark.flex_fn (its
    mask_mod, torch's create_block_mask) and applied by a dense stand-in
    for flex_attention (its backward has no CPU kernel; torch.compile left
    out); SDPA's CPU kernel for FLASH (cuDNN refuses the CPU: left out); a
    do_bench that calls once. Our gradients agree with the stand-in's, so
    the masks are the same."""
    torch = pytest.importorskip("torch")
    flex_attention = pytest.importorskip("torch.nn.attention.flex_attention")
    from fake_runtime import install
    install(monkeypatch)
    bench = bench_module()
    monkeypatch.setattr(bench, "DEVICE", "cpu")
    monkeypatch.setattr(torch, "compile", lambda f: f)
    real_create = flex_attention.create_block_mask
    monkeypatch.setattr(flex_attention, "create_block_mask",
                        lambda *a, **k: real_create(*a, **dict(k, device="cpu")))
    monkeypatch.setattr(flex_attention, "flex_attention", dense_flex)
    calls = []

    def do_bench(fn):
        calls.append(fn)
        fn()
        return 1.0 + len(calls) % 3
    monkeypatch.setattr(bench.backward, "bench", do_bench)
    import torch._functorch.config as aot_config
    # Not monkeypatch.setattr: torch's config module keeps its values out
    # of the module's __dict__, so monkeypatch's undo would delete the key
    # (every later torch.compile in the session then fails on it).
    with aot_config.patch(donated_buffer=True):
        _check_bench_case(bench, name, calls, aot_config, torch)


def _check_bench_case(bench, name, calls, aot_config, torch):
    [c] = [c for c in bench.cases() if c["name"] == name]
    n = 512
    c = dict(c, nq=n, nk=n)
    if c.get("window"):
        c["window"] = [100, 0]  # narrower than N
    if c.get("block_mask", {}).get("docs"):
        c["block_mask"] = dict(c["block_mask"], docs=[200, 17, 295])
    row = bench.bench_case(c, 2, torch)
    # FlexAttention is compiled without donated buffers, so that its
    # backward can run again on one recorded forward (the "bwd" timing).
    assert aot_config.donated_buffer is False
    assert row["grad_diff_vs_flex"] < 0.05 and row["out_diff_vs_flex"] < 0.05
    for kind, _ in bench.KINDS:
        for impl in ("ours", "flex", "flash"):
            assert row[f"{impl}_{kind}_ms"] in (1.0, 2.0, 3.0)
        assert f"cudnn_{kind}_ms" not in row
        assert row[f"ours_{kind}_tflops"] > 0
    # 3 implementations x 3 kinds x 2 rounds.
    assert len(calls) == 18
    assert 0 < row["density"] <= 1


def test_donated_buffers_turned_off_in_a_fresh_interpreter():
    # `import torch` alone does not load torch._functorch.config (torch
    # 2.11); every case of the session 11 GPU run failed on the attribute.
    # A fresh interpreter, since this one may have imported it already.
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys
    from conftest import ROOT
    code = ("import importlib.util, torch\n"
            "spec = importlib.util.spec_from_file_location('bs', "
            "'bench/benchmark/block_sparse.py')\n"
            "bs = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(bs)\n"
            "bs.keep_donated_buffers(torch)\n"
            "import torch._functorch.config as c\n"
            "print(c.donated_buffer)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(ROOT, "bench", d) for d in ("benchmark", "correctness")]
        + sys.path))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
