#!/usr/bin/env python3
"""The mma.sync backward's register estimate against ptxas.

For each target (sm_80, sm_90a), element type, head dim and tiling
(block_q x block_kv, warps = block_kv / 16), writes an fa.attention_grad
with that tiling and the mma-sync schedule, asks fa-select-tiling (explain)
whether it keeps it, and compiles the main kernel whatever the model says:
fa-to-ptx-pipeline's passes without fa-select-tiling (so a tiling the model
refuses is built too; register_vs_ptxas.ptx_without_selection), then
ptxas -v as fa-compile runs it. Prints one row
per tiling: the model's verdict and estimate, ptxas's registers and spill
bytes of the main kernel, and whether the two agree (feasible = no spills,
at most 255 registers). Runs on the build machine (no GPU).

    bench/experiments/backward_register_vs_ptxas.py [--build build]
        [--targets a100 h200] [--d 64 128] [--types bf16 f16]
        [--block-q 16 32 64] [--block-kv 64 128] [--stages 1] [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from register_vs_ptxas import (ptx_without_selection, run_ptxas,  # noqa: E402
                               sh)

SCHEDULE = "#fa.backward_schedule<kernel = mma_sync, dq = atomic>"
# D (query/key head dim) -> Dv (value head dim).
VALUE_DIM = {192: 128}


def case(d, elt, bq, bkv, stages):
    """Causal MHA, B = 1, H = 16, N = 4096: the benchmark's kind of shape."""
    t = f"tensor<1x16x4096x{d}x{elt}>"
    tv = f"tensor<1x16x4096x{VALUE_DIM.get(d, d)}x{elt}>"
    lse = "tensor<1x16x4096xf32>"
    warps = bkv // 16
    attrs = (f"causal, schedule = {SCHEDULE}, tiling = #fa.tiling<block_q = "
             f"{bq}, block_kv = {bkv}, stages = {stages}, warps = {warps}>")
    return (f"func.func @g(%q: {t}, %k: {t}, %v: {tv}, %o: {tv}, %do: {tv}, "
            f"%lse: {lse}, %dq: {t}, %dk: {t}, %dv: {tv}) -> ({t}, {t}, {tv}) "
            f"{{\n  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : "
            f"{t}, {t}, {tv}, {tv}, {tv}, {lse}) outs(%dq, %dk, %dv : {t}, {t}, "
            f"{tv})\n    {{{attrs}}} -> {t}, {t}, {tv}\n"
            f"  return %r#0, %r#1, %r#2 : {t}, {t}, {tv}\n}}\n")


def model_verdict(build, src, target):
    """(estimate, verdict): 'fits', or the rejection's text."""
    e = sh([f"{build}/bin/fa-opt", src, f"--fa-set-target=target={target}",
            "--fa-select-tiling=explain", "-o", os.devnull]).stderr
    m = re.search(r"keeps the given tiling .*?(\d+) registers/thread", e)
    if m:
        return int(m.group(1)), "fits"
    m = re.search(r"does not fit the target \([^)]*\): (.*?) \(backward", e)
    return None, (m.group(1) if m else e.strip().splitlines()[-1][:120])


def main_kernel_resources(log):
    """ptxas -v's registers and spill stores of the main kernel
    (`..._kernel_0`)."""
    block = re.search(r"Compiling entry function '\w+_kernel_0'.*?"
                      r"(\d+) bytes spill stores.*?Used (\d+) registers", log,
                      re.S)
    return int(block.group(2)), int(block.group(1))


def compile_forced(build, tmp, src, target):
    ptx, chip, err = ptx_without_selection(build, tmp, src, target, "mma-sync")
    if ptx is None:
        return None, err
    log, err = run_ptxas(tmp, ptx, chip)
    if log is None:
        return None, err
    return main_kernel_resources(log), None


def run(build, target, elt, d, bq, bkv, stages):
    row = dict(target=target, elt=elt, d=d, bq=bq, bkv=bkv, stages=stages)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "g.mlir")
        with open(src, "w") as f:
            f.write(case(d, elt, bq, bkv, stages))
        row["model"], row["verdict"] = model_verdict(build, src, target)
        res, err = compile_forced(build, tmp, src, target)
        row.update(ptxas=res[0] if res else None,
                   spill=res[1] if res else None, error=err)
    return row


def agrees(r):
    if r["ptxas"] is None:
        return "?"
    clean = r["spill"] == 0 and r["ptxas"] <= 255
    fits = r["verdict"] == "fits"
    if not fits and "register" not in r["verdict"] and \
            "spill" not in r["verdict"]:
        return "n/a"  # refused for shared memory or shapes
    return "yes" if clean == fits else "NO"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--targets", nargs="+", default=["a100", "h200"])
    ap.add_argument("--types", nargs="+", default=["bf16", "f16"])
    ap.add_argument("--d", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--block-q", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--block-kv", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--stages", type=int, nargs="+", default=[1])
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    jobs = [(a.build, t, e, d, bq, bkv, s) for t in a.targets
            for e in a.types for d in a.d for bkv in a.block_kv
            for bq in a.block_q for s in a.stages]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        rows = list(ex.map(lambda j: run(*j), jobs))
    print("| target | type | D | tiling | model regs | model | ptxas regs "
          "| spill B | agree |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        til = f"{r['bq']}x{r['bkv']} s{r['stages']} w{r['bkv'] // 16}"
        dims = f"{r['d']}/{VALUE_DIM[r['d']]}" if r["d"] in VALUE_DIM else r["d"]
        ptx = r["ptxas"] if r["ptxas"] is not None else f"error: {r['error']}"
        spill = r["spill"] if r["spill"] is not None else "-"
        model = r["model"] if r["model"] is not None else "-"
        print(f"| {r['target']} | {r['elt']} | {dims} | {til} | {model} "
              f"| {r['verdict']} | {ptx} | {spill} | {agrees(r)} |")
    bad = sum(agrees(r) == "NO" for r in rows)
    print(f"\n{len(rows)} tilings, {bad} where the model and ptxas disagree")


if __name__ == "__main__":
    main()
