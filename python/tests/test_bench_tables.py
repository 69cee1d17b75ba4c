"""bench/benchmark/benchmark.py's block-sparse tables (block masks and mask
patterns): one printer, the rows' labels, times and issue 24's bar; needs
torch (the benchmark imports it), no GPU."""

import pytest

from conftest import load_script

pytest.importorskip("torch")


def bench_module():
    return load_script("bench/benchmark/benchmark.py", "bench_forward")


def row(**fields):
    base = {"n": 4096, "d": 128, "causal": True, "density": 0.25,
            "ours_ms": 0.5, "flex_ms": 1.0, "flash_ms": 1.5, "cudnn_ms": 1.0,
            "window": None}
    base.update(fields)
    return base


def test_block_mask_and_pattern_tables(capsys):
    bench = bench_module()
    bench.print_sparse_table(
        "block masks", [row(block_mask="docs4")],
        f"{'N':>6} {'D':>4} {'mask':>10}",
        lambda r: f"{r['n']:6d} {r['d']:4d} {r['block_mask']:>10}")
    pattern = row(mask_pattern={"chunk": 256}, window=[64, 0], cudnn_ms=None)
    bench.print_sparse_table(
        "mask patterns", [pattern], f"{'N':>6} {'pattern':>22}",
        lambda r: f"{r['n']:6d} {bench.pattern_label(r):>22}")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("block masks: ours and FlexAttention")
    assert lines[2].split() == ["N", "D", "mask", "causal", "density", "ours",
                                "flex", "FA2", "cuDNN", "flex/ours",
                                "ours/(dens*cuDNN)"]
    # 0.5 ms / (0.25 x 1.0 ms) = 2.0 over the bar; flex / ours = 2.
    assert lines[3].split() == ["4096", "128", "docs4", "True", "0.250",
                                "500.0", "1000.0", "1500.0", "1000.0",
                                "2.000", "2.000"]
    assert lines[5].startswith("mask patterns: ours and FlexAttention")
    assert lines[6].split()[:2] == ["N", "pattern"]
    # No cuDNN time: the bar is n/a.
    assert lines[7].split() == ["4096", "win64x0,chunk256", "True", "0.250",
                                "500.0", "1000.0", "1500.0", "n/a", "2.000",
                                "n/a"]


def test_empty_rows_print_nothing(capsys):
    bench_module().print_sparse_table("block masks", [], "N", str)
    assert capsys.readouterr().out == ""
