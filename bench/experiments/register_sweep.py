#!/usr/bin/env python3
"""ptxas's registers and spills for the mma-sync kernel across tilings.

Compiles one fa.attention per tiling with fa-compile (kernel=mma-sync) and
prints what ptxas reports next to the cost model's registers-per-thread
estimate (fa-select-tiling{explain} on the same tiling). The evidence behind
the mma-sync register formula of docs/CostModel.md; runs on the build
machine (no GPU).

    bench/experiments/register_sweep.py [--build build] [--d 64 128] [--jobs 2]
"""
import argparse
import concurrent.futures
import itertools
import os
import re
import subprocess
import sys
import tempfile

TILINGS = [  # (block_q, warps)
    (64, 4), (128, 4), (128, 8), (192, 4), (256, 8)]
BLOCK_KV = (32, 64, 96, 128)


def case(d, bq, bkv, stages, warps):
    t = f"tensor<1x16x4096x{d}xbf16>"
    return (f"func.func @attention(%q: {t}, %k: {t}, %v: {t}, %o: {t}) -> {t} {{\n"
            f"  %r = fa.attention ins(%q, %k, %v : {t}, {t}, {t}) outs(%o : {t})\n"
            f"    {{tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
            f"stages = {stages}, warps = {warps}>}} -> {t}\n"
            f"  return %r : {t}\n}}\n")


def run(build, d, bq, bkv, warps, stages=2):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "a.mlir")
        with open(src, "w") as f:
            f.write(case(d, bq, bkv, stages, warps))
        out = os.path.join(tmp, "k")
        p = subprocess.run([f"{build}/bin/fa-compile", src, "-o", out,
                            "--pipeline-options=target=h100 kernel=mma-sync"],
                           capture_output=True, text=True)
        if p.returncode:
            return (d, bq, bkv, warps, None, None, p.stderr.splitlines()[0][:80])
        log = open(out + ".ptxas.log").read()
        regs = int(re.search(r"Used (\d+) registers", log).group(1))
        spill = int(re.search(r"(\d+) bytes spill stores", log).group(1))
        e = subprocess.run([f"{build}/bin/fa-opt", src, "--fa-set-target=target=h100",
                            "--fa-select-tiling=kernel=mma-sync explain"],
                           capture_output=True, text=True).stderr
        m = re.search(r"(\d+) registers/thread", e)
        return (d, bq, bkv, warps, regs, spill, m.group(1) if m else "?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--d", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    jobs = [(a.build, d, bq, bkv, w) for d in a.d for (bq, w) in TILINGS
            for bkv in BLOCK_KV]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        rows = list(ex.map(lambda j: run(*j), jobs))
    print(f"{'d':>4} {'bq':>4} {'bkv':>4} {'warps':>5} {'ptxas':>6} {'spill B':>8} {'model':>6}")
    for d, bq, bkv, w, regs, spill, model in rows:
        print(f"{d:4d} {bq:4d} {bkv:4d} {w:5d} {regs if regs is not None else '-':>6} "
              f"{spill if spill is not None else '-':>8} {model:>6}")


if __name__ == "__main__":
    main()
