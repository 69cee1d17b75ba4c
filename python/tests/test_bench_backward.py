"""bench/benchmark/backward.py, the backward benchmark: its shapes, and
`stage` (forward with lse + backward per shape, saved, found again on a
machine without the compiler; the device script); no GPU, no torch."""

import json
import re

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _capi, runtime
from conftest import load_script, requires_compiler

pytestmark = requires_compiler


def bench_module():
    return load_script("bench/benchmark/backward.py", "bench_backward")


def test_shapes_are_the_flashattention_ones():
    bench = bench_module()
    full = bench.shapes("fa")
    names = [c["name"] for c in full]
    assert len(names) == len(set(names)) == 21
    for c in full[:-1]:
        assert c["b"] * c["n"] == 16384 and c["hq"] * c["d"] == 2048
    gqa = full[-1]
    assert (gqa["b"], gqa["hq"], gqa["hkv"], gqa["n"], gqa["d"],
            gqa["causal"]) == (4, 32, 8, 8192, 128, True)
    assert max(c["n"] for c in bench.shapes("quick")) == 8192  # the GQA shape
    assert bench.shapes("gqa") == [gqa]
    # Backward FLOPs: 2.5x the forward's, halved when causal.
    assert bench.fwd_flops(full[0]) == 4.0 * 16 * 32 * 1024 * 1024 * 64
    assert bench.fwd_flops(full[1]) == bench.fwd_flops(full[0]) / 2


def test_train_shapes_are_the_training_models():
    bench = bench_module()
    train = bench.shapes("train")
    assert [(c["b"], c["hq"], c["hkv"], c["n"], c["d"], c["causal"])
            for c in train] == [(16, 12, 12, 1024, 64, True),
                                (16, 16, 16, 512, 64, False),
                                (2, 32, 8, 4096, 64, True)]
    # Sequence and batch as train_models.py runs them.
    models = load_script("bench/train/train_models.py", "train_models").MODELS
    assert [(c["n"], c["b"]) for c in train] == [
        tuple(models[m]) for m in ("gpt2", "bert", "llama")]
    assert bench.shapes("all") == bench.shapes("fa") + train


def test_stage_then_load_without_the_compiler(tmp_path, monkeypatch):
    bench = bench_module()
    dest = tmp_path / "s"
    dest.mkdir()
    # What scripts/python-gpu-artifacts.sh writes: the runtime's build, then
    # the check; stage keeps the build and runs the benchmark instead.
    (dest / "run.sh").write_text("g++ runtime\nexport PYTHONUNBUFFERED=1\ncheck\n")
    assert bench.main(["stage", str(dest), "--target", "h100",
                       "--only", "n1024_d64_causal"]) == 0
    script = (dest / "run_backward.sh").read_text()
    assert script.startswith("g++ runtime\n") and "check" not in script
    assert "bench/benchmark/backward.py run bwd-kernels" in script
    assert (dest / "bench" / "benchmark" / "backward.py").exists()
    assert (dest / "python" / "flashattn_mlir" / "runtime.py").exists()
    spec = json.loads((dest / "bwd-kernels" / "cases.json").read_text())
    assert spec["kernel"] == "auto"
    [c] = spec["cases"]
    assert c["name"] == "bwd_bf16_b16_h32x32_n1024_d64_causal" and c["tiling"]
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    assert len(fa.load_dir(str(dest / "bwd-kernels"))) == 2
    cfg = fa._config.make_config(*bench.qkv_shapes(c), "bf16", True, lse=True)
    assert fa.find_kernel(cfg).config["lse"]
    assert runtime.find_grad_kernel(cfg, False, False).config["grad"]


def test_stage_deterministic_column(tmp_path, monkeypatch):
    # --deterministic stages the deterministic backward beside ours (the
    # mma.sync kernel's dq = ordered here), found again by attention()'s
    # deterministic=True.
    bench = bench_module()
    dest = tmp_path / "s"
    dest.mkdir()
    (dest / "run.sh").write_text("g++ runtime\nexport PYTHONUNBUFFERED=1\ncheck\n")
    assert bench.main(["stage", str(dest), "--target", "h100", "--kernel",
                       "mma-sync", "--deterministic",
                       "--only", "n1024_d64_causal"]) == 0
    spec = json.loads((dest / "bwd-kernels" / "cases.json").read_text())
    assert spec["deterministic"] is True
    [c] = spec["cases"]
    assert c["det_tiling"]
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    assert len(fa.load_dir(str(dest / "bwd-kernels"))) == 3
    cfg = fa._config.make_config(*bench.qkv_shapes(c), "bf16", True, lse=True)
    det = runtime.find_grad_kernel(cfg, False, True)
    assert det.schedule == {"kernel": "mma-sync", "dq": "ordered",
                            "deterministic": True,
                            "walk": "dense", "in_flight": "none",
                            "epilogue": "direct", "persistent": "off",
                            "dq_pass": "step-start", "gqa": "loop",
                            "dq_convert": "kernel",
                            "dq_reduce": "warp",
                            "launch_chunk": 1}
    assert runtime.find_grad_kernel(cfg, False, False).schedule["dq"] == "atomic"


def test_stage_needs_the_staged_package(tmp_path):
    with pytest.raises(SystemExit, match="python-gpu-artifacts.sh"):
        bench_module().main(["stage", str(tmp_path), "--only", "n1024_d64"])


def sweep_module():
    return load_script("bench/benchmark/backward_sweep.py",
                       "bench_backward_sweep")


def test_sweep_stages_every_tiling_and_the_models_pick(tmp_path, monkeypatch):
    sweep = sweep_module()
    names = [c["name"] for c in sweep.shapes("fa")]
    # Issue 22's points: D 64 and 128, N 1k-16k, causal and not, and GQA.
    assert len(names) == 21 and len(sweep.shapes("quick")) == 9
    # The training models' attention (issue 23): D = 64, GQA 32/8 among them.
    train = [c["name"] for c in sweep.shapes("train")]
    assert len(train) == 3 and all(n.endswith(("_d64", "_d64_causal")) for n in train)
    assert any("h16x16_n512_d64" in n for n in train)
    assert any("h32x8_n4096_d64_causal" in n for n in train)
    assert any("h32x8_n8192_d128_causal" in n for n in names)
    dest = tmp_path / "s"
    dest.mkdir()
    (dest / "run.sh").write_text("g++ runtime\nexport PYTHONUNBUFFERED=1\ncheck\n")
    assert sweep.main(["stage", str(dest), "--shapes", "quick", "--only",
                       "b16_h16x16_n1024_d128_causal", "--ptxas", "none"]) == 0
    script = (dest / "run_sweep.sh").read_text()
    assert script.startswith("g++ runtime\n") and "check" not in script
    assert "bench/benchmark/backward_sweep.py run sweep-kernels" in script
    for f in ("benchmark/backward_sweep.py", "benchmark/backward.py"):
        assert (dest / "bench" / f).exists()
    [c] = json.loads((dest / "sweep-kernels" / "cases.json").read_text())["cases"]
    tags = [v["tag"] for v in c["variants"]]
    assert len(tags) == len(set(tags))
    # Both kernels: the wgmma kernel's one buffer and ring, the ring with
    # the TMA-store epilogue (not with one buffer, which refuses it; nor
    # block_q 128, which is D = 64's), and every mma.sync tiling the model
    # keeps (those it refuses are not staged).
    assert {"wg_t64x128s1w8", "wg_t64x128s2w8", "wg_t64x128s2w8_tma"} <= set(tags)
    assert not {"wg_t64x128s1w8_tma", "wg_t128x128s2w8"} & set(tags)
    mma = [v for v in c["variants"] if v["kernel"] == "mma-sync"]
    assert mma and len(mma) < len(sweep.candidates("mma-sync"))
    assert "mma_t16x128s2w8" in tags and "mma_t256x128s2w8" not in tags
    for v in c["variants"]:
        assert (tuple(v["tiling"][k] for k in sweep.TILING_KEYS),
                v["options"]) in sweep.candidates(v["kernel"])
    # The model's pick (kernel=auto, no tiling) is one of them: the variant
    # with its PTX (the TMA store since D108).
    assert c["model"]["kernel"] == "wgmma" and c["model"]["tag"] == "wg_t64x128s2w8_tma"
    # PTX only with --ptxas none (the driver JIT-compiles it on the GPU).
    assert not list((dest / "sweep-kernels").glob("*.cubin"))
    fa.clear_cache()
    fa.kernel._registry.clear()
    monkeypatch.setattr(_capi, "compiler_available", lambda: False)
    for v in c["variants"]:
        k = fa.load(str(dest / "sweep-kernels" / (v["name"] + ".json")))
        assert k.config["grad"] and k.schedule["kernel"] == v["kernel"]


def test_sweep_report_puts_the_pick_next_to_the_best(capsys):
    sweep = sweep_module()
    c = {"name": "s", "model": {"tag": "b"},
         "variants": [{"tag": t, "tiling": {"block_q": 16, "block_kv": 64,
                                             "stages": 1, "warps": 4}}
                      for t in ("a", "b")]}
    result = {"a": {"tflops": 100.0, "max_diff_vs_flash": 0.0},
              "b": {"tflops": 90.0, "max_diff_vs_flash": 0.0},
              "flash": {"tflops": 80.0}, "cudnn": {"tflops": 120.0}}
    assert sweep.report(c, result) == pytest.approx(0.9)
    out = capsys.readouterr().out
    assert "best a 100.0; the model's pick b 90.0 (0.900 of best, ranks 2 " \
           "of 2; MISSES 5%)" in out
    result["b"]["tflops"] = 98.0
    assert sweep.report(c, result) == pytest.approx(0.98)
    assert "MISSES" not in capsys.readouterr().out


def test_wgmma_matrix_orders_dq_on_the_ring():
    # backward_simt.py --kernel wgmma (D66): `*_det` cases without a block
    # mask carry the TMA ring (stages 2), `*_det_s1` one buffer, block
    # masks one buffer; each timed ring-det case has its ring-atomic and
    # one-buffer-det partners in the same matrix (one process).
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = {c["name"]: c for c in simt.matrix("wgmma")}
    det = [c for c in cases.values() if c["deterministic"]]
    for c in det:
        stages = c["tiling"][2]
        if "_ring" in c["name"]:
            assert stages == 2 and c["blocks"], c["name"]
        elif "_bm" in c["name"] or "_s1" in c["name"]:
            assert stages == 1, c["name"]
        else:
            assert stages == 2, c["name"]
    ring = [c for c in det if c["tiling"][2] == 2]
    assert any(c["hq"] != c["hkv"] and c["nq"] != c["nk"] and c["causal"]
               for c in ring)
    assert any(c["nq"] > 4096 for c in ring)
    perf = [n for n, c in cases.items() if c["perf"] and c["tiling"][2] == 2
            and c["deterministic"] and not c["ab"]]
    assert len(perf) == 4
    for n in perf:
        assert n[:-len("_det")] in cases and n + "_s1" in cases
    # An A/B group with ordered cases (time_group; D110's `_detbq`) times
    # them against its first case, the same shape with atomic dQ.
    groups = {}
    for c in cases.values():
        if c["ab"]:
            groups.setdefault(c["ab"], []).append(c)
    for group in groups.values():
        if any(c["deterministic"] for c in group):
            assert not group[0]["deterministic"], group[0]["name"]
            assert all((c["nq"], c["causal"]) == (group[0]["nq"],
                                                  group[0]["causal"])
                       for c in group)


def test_wgmma_matrix_has_the_sparse_ring_cases():
    # backward_simt.py --kernel wgmma (D75), the `_rm` cases: block masks on
    # the TMA ring (`_ring`, stages 2), atomic and ordered, with causal and
    # GQA; mask patterns (chunk, global tokens, butterfly) with and without
    # causal on the ring, never ordered, some on one buffer; timed pairs at
    # N = 8192, ring against one buffer (a block mask at a quarter density,
    # a causal window of 1024), in the same matrix (one process).
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = simt.matrix("wgmma")
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    rm = [c for c in cases if c["name"].endswith("_rm")]
    ring_bm = [c for c in rm if c["blocks"] and c["tiling"][2] == 2]
    assert all("_ring" in c["name"] for c in ring_bm)
    checked = [c for c in ring_bm if not c["perf"]]
    assert any(c["deterministic"] for c in checked)
    assert any(not c["deterministic"] for c in checked)
    assert any(c["causal"] for c in checked)
    assert any(c["hq"] != c["hkv"] and c["nq"] != c["nk"] for c in checked)
    patterns = [c for c in rm if c["mask_pattern"]]
    assert not any(c["deterministic"] for c in patterns)
    for i in range(3):  # chunk, global tokens, butterfly
        kinds = {c["causal"] for c in patterns if c["mask_pattern"][i]}
        assert kinds == {False, True}, i
    assert any(c["tiling"] and c["tiling"][2] == 1 for c in patterns)
    perf = {c["name"]: c for c in rm if c["perf"]}
    ring_perf = [n for n, c in perf.items() if c["blocks"] and
                 c["tiling"][2] == 2]
    assert ring_perf and all(c["density"] == 0.25 for c in perf.values()
                             if c["blocks"])
    for n in ring_perf:
        assert n.replace("_ring", "") in perf
    windows = [n for n, c in perf.items() if c["window"] and
               c["tiling"][2] == 2]
    assert windows and all(c["nq"] == 8192 for c in perf.values())
    for n in windows:
        assert n.replace("_rm", "_s1_rm") in perf


def test_wgmma_matrix_has_the_compacted_walk_cases():
    # backward_simt.py --kernel wgmma (D94), the `_bsc` cases: the ring's
    # compacted walk (`_cw`, `walk = compacted` in the schedule) checked
    # against the reference (the `_rm` ring cases' shapes, 10 % density,
    # documents, the benchmark's N = 8192), never ordered; timed pairs of
    # the dense and the compacted walk of the same mask at N = 8192, D = 64
    # and 128, at 10, 25 and 50 % density and with documents.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_bsc")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["walk"] == "compacted" and c["blocks"] and
                           c["tiling"][2] == 2 and not c["deterministic"]
                           for c in checked)
    assert all("walk = compacted" in simt.emit(c) for c in checked)
    assert any(c["density"] == 0.1 for c in checked)
    assert any(c["block_pattern"] == "document" for c in checked)
    assert any(c["hq"] != c["hkv"] and c["nq"] != c["nk"] for c in checked)
    perf = {c["name"]: c for c in cases if c["perf"]}
    compacted = [n for n, c in perf.items() if c["walk"] == "compacted"]
    assert len(compacted) == 8
    for n in compacted:
        dense = perf[n.replace("_cw", "")]
        assert dense["walk"] == "dense"
        assert "walk" not in simt.emit(dense)
        assert {k: v for k, v in dense.items() if k not in ("name", "walk")} \
            == {k: v for k, v in perf[n].items() if k not in ("name", "walk")}
    assert {(c["d"], c["density"], c["block_pattern"])
            for c in perf.values()} == {
        (d, p, "random") for d in (64, 128) for p in (0.1, 0.25, 0.5)} | {
        (d, 0.5, "document") for d in (64, 128)}


def test_wgmma_matrix_has_the_in_flight_cases():
    # backward_simt.py --kernel wgmma (D101), the `_bif` cases: dK's product
    # in flight across the ring's step end (`_if`, `in_flight = dk` in the
    # schedule) checked against the reference on the ring (never a block
    # mask, D = 64 and 128, causal Nq != Nk, GQA, ordered dQ); the A/B
    # groups: the benchmark's shapes, the ring first (the base), then the
    # variant, the same shape in each group.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_bif")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["in_flight"] == "dk" and not c["blocks"] and
                           c["tiling"][2] == 2 and "_if_" in c["name"]
                           for c in checked)
    assert all("in_flight = dk" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 128}
    assert any(c["deterministic"] for c in checked)
    assert any(c["causal"] and c["nq"] != c["nk"] and c["hq"] != c["hkv"]
               for c in checked)
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 8
    shape = ("dtype", "b", "hq", "hkv", "nq", "nk", "d", "dv", "causal",
             "tiling")
    for members in groups.values():
        assert [c["in_flight"] for c in members] == ["none", "dk"]
        assert "in_flight" not in simt.emit(members[0])
        assert len({str([c[k] for k in shape]) for c in members}) == 1
        c = members[0]
        assert c["b"] * c["nq"] == 16384 and c["hq"] * c["d"] == 2048
    assert {(c["d"], c["nq"], c["causal"]) for c in cases if c["perf"]} == {
        (d, n, causal) for d in (64, 128) for n in (4096, 16384)
        for causal in (False, True)}


def test_mma_sync_matrix_covers_the_other_head_dims():
    # backward_simt.py --kernel mma-sync (D70): each head dim of
    # MMA_HEAD_DIMS in both types, causal and not, at N in {17, 777, 2049},
    # causal with Nq != Nk both ways, GQA, and a timed case dense and
    # causal; no tiling written on the op (the model's pick is checked).
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = simt.matrix("mma-sync")
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    for d, dv in simt.MMA_HEAD_DIMS:
        mine = [c for c in cases if (c["d"], c["dv"]) == (d, dv)]
        checked = [c for c in mine if not c["perf"]]
        assert {(c["dtype"], c["nq"], c["causal"]) for c in checked
                if c["nq"] == c["nk"] and c["hq"] == c["hkv"]} == {
            (t, n, causal) for t in ("bf16", "f16") for n in (17, 777, 2049)
            for causal in (False, True)}
        assert {(c["nq"], c["nk"]) for c in checked
                if c["causal"] and c["nq"] != c["nk"]} >= {(777, 1000),
                                                           (1000, 777)}
        assert any(c["hq"] != c["hkv"] for c in checked)
        assert all(c["tiling"] is None and c["kernel"] == "mma-sync"
                   for c in mine)
        assert sorted(c["causal"] for c in mine if c["perf"]) == [False, True]
        assert "schedule = #fa.backward_schedule<kernel = mma_sync" in \
            simt.emit(mine[0])


def test_wgmma_matrix_covers_d80_and_d96():
    # backward_simt.py --kernel wgmma (D71): D = 80 and 96 on the ring
    # (stages 2) in both types, causal and not, at N in {17, 777, 2049},
    # ordered dQ, one buffer (stages 1), and a timed case dense and causal.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = simt.matrix("wgmma")
    assert len({c["name"] for c in cases}) == len(cases)
    for d in simt.WGMMA_HEAD_DIMS:
        mine = [c for c in cases if c["d"] == d]
        assert all(c["dv"] == d for c in mine)
        ring = [c for c in mine if c["tiling"][2] == 2 and not c["perf"]]
        assert {(c["dtype"], c["nq"], c["causal"]) for c in ring
                if c["nq"] == c["nk"] and c["hq"] == c["hkv"]} == {
            (t, n, causal) for t in ("bf16", "f16") for n in (17, 777, 2049)
            for causal in (False, True)}
        assert any(c["deterministic"] for c in ring)
        one = [c for c in mine if c["tiling"][2] == 1]
        assert one and all(c["name"].endswith(("_s1", "_det")) for c in one)
        assert sorted(c["causal"] for c in mine if c["perf"]) == [False, True]


def test_only_takes_comma_separated_substrings():
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    assert simt.selected("bwdmma_bf16_b1_h2x2_q17_k17_d96", "")
    assert simt.selected("bwdmma_bf16_b1_h2x2_q17_k17_d96", "_d32,_d96")
    assert not simt.selected("bwdmma_bf16_b1_h2x2_q17_k17_d64", "_d32,_d96")


def test_wgmma_matrix_has_the_column_split():
    # backward_simt.py --kernel wgmma (D76): D = 256 and D = 192 with Dv =
    # 128 carry the column split's block_kv 64 (the ring, or one buffer for
    # block masks and `_s1`), over issue 21/22's matrix, mask patterns
    # included, with timed cases at
    # B = 4, H = 8, N = 4096 on the ring and on one buffer.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    # (D127's `_dqr` set adds two D = 192 cases of its own.)
    cases = [c for c in simt.matrix("wgmma")
             if (c["d"], c["dv"]) in ((256, 256), (192, 128))
             and not c["name"].endswith("_dqr")]
    assert len(cases) == 78
    for c in cases:
        assert c["tiling"][:2] == [64, 64] and c["tiling"][3] == 8, c["name"]
        one = c["blocks"] or c["name"].endswith("_s1")
        assert c["tiling"][2] == (1 if one else 2), c["name"]
    for d in (256, 192):
        of = [c for c in cases if c["d"] == d]
        assert {c["nq"] for c in of} >= {1, 17, 128, 777, 2049}
        assert {c["dtype"] for c in of} == {"bf16", "f16"}
        assert any(c["causal"] and c["nq"] != c["nk"] for c in of)
        assert any(c["hq"] == 8 and c["hkv"] == 1 for c in of)
        assert any(c["mask_kind"] == "bool" and c["mask"] for c in of)
        assert any(c["deterministic"] for c in of)
        perf = [c for c in of if c["perf"]]
        assert len(perf) == 4
        assert all((c["b"], c["hq"], c["nq"]) == (4, 8, 4096) for c in perf)


def test_wgmma_matrix_has_the_persistent_cases():
    # backward_simt.py --kernel wgmma (D114), the `_pers` cases: the
    # persistent kernel (`_pt`, `persistent = on` in the schedule) checked
    # against the reference with today's picks (the wide q-block with the
    # direct epilogue at D = 64, the TMA store at D = 128), most with more
    # tiles than 132 SMs; the A/B groups: the training shapes and the
    # benchmark's D = 64 and 128 at N = 1k and 4k, today's pick first (the
    # base), then the same kernel persistent.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_pers")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["persistent"] and "_pt_" in c["name"] and
                           not c["deterministic"] and c["tiling"][2] == 2
                           for c in checked)
    assert all("persistent = on" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 128}
    assert {c["dtype"] for c in checked} == {"bf16", "f16"}
    assert {1, 17, 128, 512, 777, 1024, 2049} <= {c["nq"] for c in checked}
    assert {c["epilogue"] for c in checked} == {"direct", "tma-store"}
    assert not any(c["mask"] for c in checked)  # refused (ptxas spills)
    assert any(c["window"] for c in checked)
    assert any(c["causal"] and c["nq"] < c["nk"] for c in checked)
    assert any(c["causal"] and c["nq"] > c["nk"] for c in checked)
    assert any(c["hq"] == 8 and c["hkv"] == 1 for c in checked)
    assert any(c["hq"] == 8 and c["hkv"] == 2 for c in checked)
    tiles = lambda c: -(-c["nk"] // c["tiling"][1]) * c["hkv"] * c["b"]
    assert sum(tiles(c) > 132 for c in checked) >= len(checked) // 2
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 11
    shape = ("dtype", "b", "hq", "hkv", "nq", "nk", "d", "dv", "causal",
             "tiling", "epilogue")
    for members in groups.values():
        assert [c["persistent"] for c in members] == [False, True]
        assert "persistent" not in simt.emit(members[0])
        assert len({str([c[k] for k in shape]) for c in members}) == 1
    assert {(c["b"], c["hq"], c["hkv"], c["nq"], c["causal"])
            for c in cases if c["perf"] and c["ab"] in
            ("pers_gpt2", "pers_bert", "pers_llama")} == {
        (16, 12, 12, 1024, True), (16, 16, 16, 512, False),
        (2, 32, 8, 4096, True)}
    names = [c["name"] for c in simt.matrix("wgmma")]
    assert len(names) == len(set(names))


def test_wgmma_matrix_has_the_split_group_cases():
    # backward_simt.py --kernel wgmma (D119), the `_gqas` cases: the split
    # group (`_gs`, `gqa = split` in the schedule) checked against the
    # reference at GQA 4/1, 8/2 and 32/8, D = 64 and 128, causal and not,
    # Nq != Nk; the A/B groups: the Llama shape, the benchmark's GQA shape
    # and a non-causal one, the loop (today's pick) first, then the split.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_gqas")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["gqa"] == "split" and "_gs_" in c["name"] and
                           not c["deterministic"] and c["epilogue"] == "direct"
                           for c in checked)
    assert all("gqa = split" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 128}
    assert {(c["hq"], c["hkv"]) for c in checked} == {(4, 1), (8, 2), (32, 8)}
    assert {c["causal"] for c in checked} == {False, True}
    assert any(c["causal"] and c["nq"] < c["nk"] for c in checked)
    assert any(c["causal"] and c["nq"] > c["nk"] for c in checked)
    assert any(c["nq"] % 128 for c in checked)
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 3
    shape = ("dtype", "b", "hq", "hkv", "nq", "nk", "d", "dv", "causal",
             "tiling")
    for members in groups.values():
        assert [c["gqa"] for c in members] == ["loop", "split"]
        assert "gqa = split" not in simt.emit(members[0])
        assert len({str([c[k] for k in shape]) for c in members}) == 1
    assert {(c["b"], c["hq"], c["hkv"], c["nq"], c["d"], c["causal"])
            for c in cases if c["perf"]} == {
        (2, 32, 8, 4096, 64, True), (4, 32, 8, 8192, 128, True),
        (2, 32, 8, 4096, 128, False)}


def test_wgmma_matrix_has_the_tma_store_cases():
    # backward_simt.py --kernel wgmma (D107), the `_kvt` cases: dK and dV
    # stored through shared memory and TMA (`_kt`, `epilogue = tma_store` in
    # the schedule) checked against the reference on the ring (D = 64, 80,
    # 96 and 128, causal Nq != Nk, GQA, ordered dQ, a block mask, dK in
    # flight); the A/B groups: the benchmark's shapes at N = 1k, 4k and
    # 16k, the direct epilogue first (the base), then the TMA store.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_kvt")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["epilogue"] == "tma-store" and
                           c["tiling"][2] == 2 and "_kt_" in c["name"]
                           for c in checked)
    assert all("epilogue = tma_store" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 80, 96, 128}
    assert {c["dtype"] for c in checked} == {"bf16", "f16"}
    assert {1, 17, 128, 777, 2049} <= {c["nq"] for c in checked}
    assert any(c["deterministic"] for c in checked)
    assert any(c["blocks"] for c in checked)
    assert any(c["in_flight"] == "dk" for c in checked)
    assert any(c["mask"] for c in checked) and any(c["window"] for c in checked)
    assert any(c["causal"] and c["nq"] < c["nk"] for c in checked)
    assert any(c["causal"] and c["nq"] > c["nk"] for c in checked)
    assert any(c["hq"] == 8 and c["hkv"] == 1 for c in checked)
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 12
    shape = ("dtype", "b", "hq", "hkv", "nq", "nk", "d", "dv", "causal",
             "tiling")
    for members in groups.values():
        assert [c["epilogue"] for c in members] == ["direct", "tma-store"]
        assert "epilogue" not in simt.emit(members[0])
        assert len({str([c[k] for k in shape]) for c in members}) == 1
        c = members[0]
        assert c["b"] * c["nq"] == 16384 and c["hq"] * c["d"] == 2048
    assert {(c["d"], c["nq"], c["causal"]) for c in cases if c["perf"]} == {
        (d, n, causal) for d in (64, 128) for n in (1024, 4096, 16384)
        for causal in (False, True)}


def test_wgmma_matrix_has_the_fused_dq_conversion_cases():
    # backward_simt.py --kernel wgmma (D120), the `_dqf` cases: the fused dQ
    # conversion (`_df`, `dq_convert = fused` in the schedule) checked
    # against the reference at D = 64 and 128, N = 1 to 4097, causal Nq !=
    # Nk both ways, windows, GQA; the A/B groups: the benchmark's shapes and
    # a causal window of 1024 at N = 8k, the convert kernel (today's pick)
    # first, then the fused conversion, on the same tiling and epilogue.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_dqf")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["dq_convert"] == "fused" and "_df_" in c["name"]
                           and not c["deterministic"] for c in checked)
    assert all("dq_convert = fused" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 128}
    assert {1, 17, 4097} <= {c["nq"] for c in checked}
    assert any(c["causal"] and c["nq"] < c["nk"] for c in checked)
    assert any(c["causal"] and c["nq"] > c["nk"] for c in checked)
    assert any(c["window"] for c in checked)
    assert any(c["hq"] != c["hkv"] for c in checked)
    # Session 19 (D124): beside dK in flight and both epilogues at each D,
    # and the arrival counts' edges (one key; a window with most q-blocks
    # no kv-block visits).
    assert any(c["in_flight"] == "dk" for c in checked)
    assert {(c["d"], c["epilogue"]) for c in checked} == {
        (d, e) for d in (64, 128) for e in ("direct", "tma-store")}
    assert any(c["nk"] == 1 and c["nq"] > 64 for c in checked)
    assert any(c["window"] and c["nq"] > 8 * c["nk"] for c in checked)
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 17
    shape = ("dtype", "b", "hq", "hkv", "nq", "nk", "d", "dv", "causal",
             "window", "tiling", "epilogue")
    for members in groups.values():
        assert [c["dq_convert"] for c in members] == ["kernel", "fused"]
        assert "dq_convert" not in simt.emit(members[0])
        assert len({str([c[k] for k in shape]) for c in members}) == 1
    assert {(c["b"], c["hq"], c["nq"], c["d"], c["causal"])
            for c in cases if c["perf"] and not c["window"]} == {
        (16384 // n, 2048 // d, n, d, causal) for d in (64, 128)
        for n in (1024, 2048, 4096, 16384) for causal in (False, True)}


def test_wgmma_matrix_has_the_warpgroup_dq_reduction_cases():
    # backward_simt.py --kernel wgmma (D127), the `_dqr` cases: the
    # warpgroup's dQ reductions (`_dr`, `dq_reduce = warpgroup` in the
    # schedule) checked against the reference at D = 64, 128 and 192, ordered
    # dQ included; the A/B groups: the benchmark's shapes (N = 1k, 4k, 16k)
    # and GQA 32/8 at N = 8k, the warp's reductions (today's) first, then
    # the warpgroup's, on the same tiling and epilogue.
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_dqr")]
    checked = [c for c in cases if not c["perf"]]
    assert checked and all(c["dq_reduce"] == "warpgroup" and "_dr_" in c["name"]
                           for c in checked)
    assert all("dq_reduce = warpgroup" in simt.emit(c) for c in checked)
    assert {c["d"] for c in checked} == {64, 128, 192}
    assert any(c["deterministic"] for c in checked)
    assert {777, 2049} <= {c["nq"] for c in checked}
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 13
    for members in groups.values():
        assert [c["dq_reduce"] for c in members] == ["warp", "warpgroup"]
        assert "dq_reduce" not in simt.emit(members[0])
    assert any(c["hq"] != c["hkv"] for c in cases if c["perf"])


def test_run_selects_cases_and_leaves_out_the_timed_ones():
    # backward_simt.py run --only / --no-timing: the checks of a variant
    # set without its A/B groups (a device call too short for both).
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = simt.wgmma_dq_reduce_cases()
    timed = [c["name"] for c in cases if c["perf"]]
    checked = [c["name"] for c in cases if not c["perf"]]
    assert timed and checked
    assert [c["name"] for c in simt.chosen_cases(cases, "", False)] == \
        [c["name"] for c in cases]
    assert [c["name"] for c in simt.chosen_cases(cases, "", True)] == checked
    only = [c["name"] for c in simt.chosen_cases(cases, "_d192", True)]
    assert only and all("_d192" in n and n in checked for n in only)


def ptx_variant_set(tag, variant):
    """backward_simt.py's wgmma cases tagged `tag` with their PTX variants
    (`variant`: a pattern of their names): (cases, the variants, each of
    which names a staged source case, the A/B groups by name)."""
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith(tag)
             or f"{tag}__" in c["name"]]
    names = {c["name"] for c in cases}
    variants = [c for c in cases if c["variant"]]
    assert variants and all(re.fullmatch(variant, c["variant"]) and
                            c["source"] in names and not c["deterministic"]
                            for c in variants)
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    return simt, cases, variants, groups


def test_wgmma_matrix_has_the_launch_order_cases():
    # backward_simt.py --kernel wgmma (D131), the `_lf` cases: PTX variants
    # `lfC` of atomic-dQ kernels (today's picks at D = 64 and 128; the
    # split group with its direct epilogue), each next to its source case;
    # the reference cases with C = 2 over 4, 9 and 16 pairs (9: a short
    # last chunk); the A/B groups today's order first, then chunks of at most
    # the grid's pairs, the L2 rule's among them.
    simt, cases, variants, groups = ptx_variant_set("_lf", r"lf\d+")
    assert all(not c["deterministic"] and not c["persistent"] for c in cases)
    assert all(c["epilogue"] == ("direct" if c["gqa"] == "split" else
                                 "tma-store") for c in cases)
    checked = [c for c in variants if not c["perf"]]
    assert {c["variant"] for c in checked} == {"lf2"}
    pairs = lambda c: c["b"] * (c["hq"] if c["gqa"] == "split" else c["hkv"])
    assert {pairs(c) for c in checked} == {4, 9, 16}
    assert any(pairs(c) % 2 for c in checked)  # a short last chunk
    assert {c["d"] for c in checked} == {64, 128}
    assert {c["gqa"] for c in checked} == {"loop", "split"}
    assert any(c["nq"] < c["nk"] for c in checked)
    assert any(c["nq"] > c["nk"] for c in checked)
    assert len(groups) == 7
    for members in groups.values():
        assert not members[0]["variant"] and members[0]["causal"]
        assert all(2 <= int(c["variant"][2:]) <= pairs(c)
                   for c in members if c["variant"])
    llama = groups["lf_llama_n4096_causal"]
    assert [c["gqa"] for c in llama if not c["variant"]] == ["split", "loop"]
    assert simt.longest_first_chunk(2, 32, 8, 4096, 64, "loop") == 4
    assert simt.longest_first_chunk(2, 32, 8, 4096, 64, "split") == 16
    assert simt.longest_first_chunk(4, 32, 8, 8192, 128, "loop") == 1


def test_wgmma_matrix_has_the_launch_chunk_cases():
    # backward_simt.py --kernel wgmma (D133), the `_lc` cases: D131's order
    # as the compiler builds it (`launch_chunk` in the schedule, no PTX
    # variant); the reference cases with a chunk of 2 over 4, 9 and 16
    # pairs and one past the grid's pairs; the A/B groups today's order
    # first (the Llama-style shape's base: today's pick, the split group).
    simt = load_script("bench/correctness/backward_simt.py", "backward_simt")
    cases = [c for c in simt.matrix("wgmma") if c["name"].endswith("_lc")]
    assert cases and not any(c["variant"] or c["deterministic"] or
                             c["persistent"] for c in cases)
    checked = [c for c in cases if not c["perf"]]
    pairs = lambda c: c["b"] * (c["hq"] if c["gqa"] == "split" else c["hkv"])
    assert {c["launch_chunk"] for c in checked} == {2, 1000}
    assert {pairs(c) for c in checked} == {4, 9, 16}
    assert any(c["launch_chunk"] > pairs(c) for c in checked)
    assert {c["gqa"] for c in checked} == {"loop", "split"}
    assert any(c["nq"] < c["nk"] for c in checked)
    assert any(c["nq"] > c["nk"] for c in checked)
    assert any(not c["causal"] for c in checked)
    for c in checked:
        text = simt.emit(c)
        assert f"launch_chunk = {c['launch_chunk']}" in text
        assert f"_lc{c['launch_chunk']}_" in c["name"]
    groups = {}
    for c in cases:
        if c["perf"]:
            groups.setdefault(c["ab"], []).append(c)
    assert len(groups) == 4
    for members in groups.values():
        assert members[0]["launch_chunk"] == 1
        assert "launch_chunk" not in simt.emit(members[0])
        assert all(c["causal"] for c in members)
    llama = groups["lc_llama_n4096_causal"]
    assert [(c["gqa"], c["launch_chunk"]) for c in llama] == [
        ("split", 1), ("loop", 1), ("loop", 4), ("loop", 2), ("loop", 8)]
    assert simt.longest_first_chunk(2, 32, 8, 4096, 64, "loop") == 4
    assert [c["launch_chunk"] for c in groups["lc_gpt2_n1024_causal"]] == [
        1, simt.longest_first_chunk(16, 12, 12, 1024, 64, "loop")]


def test_wgmma_matrix_has_the_read_exit_cases():
    # backward_simt.py --kernel wgmma (D132), the `_rx` cases: the
    # `readexit` PTX variant of atomic-dQ kernels next to its source.
    _, cases, variants, groups = ptx_variant_set("_rx", "readexit")
    assert len(variants) == len(cases) // 2 == 9
    assert len(groups) == 6
    assert all([c["variant"] for c in m] == ["", "readexit"]
               for m in groups.values())
