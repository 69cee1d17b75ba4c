#!/usr/bin/env python3
"""The tensor-core backwards' register estimate against ptxas.

For each kernel (mma-sync on sm_80, sm_86 and sm_90a; wgmma on sm_90a),
element type, head dim and tiling (block_q x block_kv; warps = block_kv /
16 for mma-sync, 8 for wgmma, whose column split at D = 192/128 and 256
takes block_kv 64 and the row split 128), writes an fa.attention_grad
with that tiling and the kernel's schedule, asks fa-select-tiling
(explain) whether it keeps it, and compiles the main kernel whatever the
model says: fa-to-ptx-pipeline's passes without fa-select-tiling (so a
tiling the model refuses is built too;
register_vs_ptxas.ptx_without_selection), then ptxas -v as fa-compile runs
it. Prints one row per tiling: the model's verdict and estimate, ptxas's
registers and spill bytes of the main kernel, and whether the two agree
(feasible = no spills, at most 255 registers); tilings the model refuses
for anything but registers are marked n/a. Runs on the build machine (no
GPU).

    bench/experiments/backward_register_vs_ptxas.py [--build build]
        [--kinds mma-sync@a100 mma-sync@h200 wgmma@h200] [--d 64 192/128]
        [--types bf16 f16] [--block-q 16 32 64] [--block-kv 64 128]
        [--stages 1] [--jobs 2] [--json rows.json] [--inc rows.inc]
        [--known-inc known.inc] [--from-json a.json b.json]

--inc writes the rows as unittests/BackwardRegisterTruth.inc, the table
unittests/RegisterTruthTest.cpp checks the backward model against.
"""
import argparse
import concurrent.futures
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from register_vs_ptxas import (KIND_ENUM, compile_forced,  # noqa: E402
                               head_dims, sh)

SCHEDULE = {"mma-sync": "#fa.backward_schedule<kernel = mma_sync, dq = atomic>",
            "wgmma": "#fa.backward_schedule<kernel = wgmma, dq = atomic>"}
# The wgmma backward's two warpgroups: 8 warps whatever block_kv (the row
# split's 128 kv rows, D = 64..128; the column split's 64, D = 192/128 and
# 256, D76); the mma-sync backward's 16 kv rows a warp.
WGMMA_WARPS = 8


def warps_of(kind, bkv):
    return WGMMA_WARPS if kind == "wgmma" else bkv // 16


def case(kind, d, dv, elt, bq, bkv, stages):
    """Causal MHA, B = 1, H = 16, N = 4096: the benchmark's kind of shape."""
    t = f"tensor<1x16x4096x{d}x{elt}>"
    tv = f"tensor<1x16x4096x{dv}x{elt}>"
    lse = "tensor<1x16x4096xf32>"
    warps = warps_of(kind, bkv)
    attrs = (f"causal, schedule = {SCHEDULE[kind]}, tiling = #fa.tiling<"
             f"block_q = {bq}, block_kv = {bkv}, stages = {stages}, "
             f"warps = {warps}>")
    return (f"func.func @g(%q: {t}, %k: {t}, %v: {tv}, %o: {tv}, %do: {tv}, "
            f"%lse: {lse}, %dq: {t}, %dk: {t}, %dv: {tv}) -> ({t}, {t}, {tv}) "
            f"{{\n  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : "
            f"{t}, {t}, {tv}, {tv}, {tv}, {lse}) outs(%dq, %dk, %dv : {t}, {t}, "
            f"{tv})\n    {{{attrs}}} -> {t}, {t}, {tv}\n"
            f"  return %r#0, %r#1, %r#2 : {t}, {t}, {tv}\n}}\n")


def model_verdict(build, src, target, kind):
    """(estimate, verdict): 'fits', or the rejection's text."""
    e = sh([f"{build}/bin/fa-opt", src, f"--fa-set-target=target={target}",
            f"--fa-select-tiling=kernel={kind} explain", "-o",
            os.devnull]).stderr
    m = re.search(r"keeps the given tiling .*?(\d+) registers/thread", e)
    if m:
        return int(m.group(1)), "fits"
    m = re.search(r"does not fit the target \([^)]*\): (.*?) \(backward", e)
    text = m.group(1) if m else e.strip().splitlines()[-1][:120]
    m = re.search(r"(\d+) registers per thread exceed", text)
    return (int(m.group(1)) if m else None), text


def main_kernel_resources(log):
    """ptxas -v's registers and spill stores of the main kernel
    (`..._kernel_0`)."""
    block = re.search(r"Compiling entry function '\w+_kernel_0'.*?"
                      r"(\d+) bytes spill stores.*?Used (\d+) registers", log,
                      re.S)
    return int(block.group(2)), int(block.group(1))


def run(build, kind, target, elt, d, dv, bq, bkv, stages):
    row = dict(kind=kind, target=target, elt=elt, d=d, dv=dv, bq=bq, bkv=bkv,
               warps=warps_of(kind, bkv), stages=stages)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "g.mlir")
        with open(src, "w") as f:
            f.write(case(kind, d, dv, elt, bq, bkv, stages))
        row["model"], row["verdict"] = model_verdict(build, src, target, kind)
        if not judged(row):
            return row  # refused for shared memory or shapes: not built
        res, err = compile_forced(build, tmp, src, target, kind,
                                  main_kernel_resources)
        row.update(ptxas=res[0] if res else None,
                   spill=res[1] if res else None, error=err)
    return row


def judged(r):
    """The model keeps the tiling or refuses it on registers."""
    return r["verdict"] == "fits" or "register" in r["verdict"]


def agrees(r):
    if not judged(r):
        return "n/a"  # refused for shared memory or shapes
    if r.get("ptxas") is None:
        return "?"
    clean = r["spill"] == 0 and r["ptxas"] <= 255
    return "yes" if clean == (r["verdict"] == "fits") else "NO"


def print_table(rows, out):
    out.write("| kernel | target | type | D | tiling | model regs | model | "
              "ptxas regs | spill B | agree |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        if agrees(r) == "n/a":
            continue
        til = f"{r['bq']}x{r['bkv']} s{r['stages']} w{r['warps']}"
        dims = f"{r['d']}/{r['dv']}" if r["d"] != r["dv"] else r["d"]
        ptx = r["ptxas"] if r["ptxas"] is not None else f"error: {r['error']}"
        spill = r["spill"] if r["spill"] is not None else "-"
        model = r["model"] if r["model"] is not None else "-"
        out.write(f"| {r['kind']} | {r['target']} | {r['elt']} | {dims} | "
                  f"{til} | {model} | {r['verdict']} | {ptx} | {spill} | "
                  f"{agrees(r)} |\n")
    judged_rows = [r for r in rows if agrees(r) in ("yes", "NO")]
    bad = sum(agrees(r) == "NO" for r in judged_rows)
    out.write(f"\n{len(judged_rows)} tilings, {bad} where the model and "
              "ptxas disagree\n")


def write_inc(rows, out):
    """unittests/BackwardRegisterTruth.inc: kind, target, d, dv, the
    tiling, ptxas's registers and spill-store bytes of the main kernel."""
    out.write("// Generated by bench/experiments/backward_register_vs_ptxas.py "
              "--inc (ptxas of\n// CUDA 13, -O3, the main kernel); do not "
              "edit: rerun it. kind, target, d, dv,\n// {block_q, block_kv, "
              "stages, warps}, ptxas registers, spill-store bytes.\n")
    for r in rows:
        if agrees(r) in ("yes", "NO") and r["elt"] == "bf16":
            out.write(f"{{{KIND_ENUM[r['kind']]}, \"{r['target']}\", {r['d']}, "
                      f"{r['dv']}, {{{r['bq']}, {r['bkv']}, {r['stages']}, "
                      f"{r['warps']}}}, {r['ptxas']}, {r['spill']}}},\n")


def write_known_inc(rows, out):
    out.write("// Generated by bench/experiments/backward_register_vs_ptxas.py "
              "--known-inc: where\n// the backward model and ptxas disagree "
              "(kind, target, d, dv, block_q, block_kv,\n// warps, stages); "
              "why: docs/results/2026-12-05-register-truth-session9/"
              "README.md.\n")
    for r in rows:
        if agrees(r) == "NO" and r["elt"] == "bf16":
            out.write(f"{{{KIND_ENUM[r['kind']]}, \"{r['target']}\", "
                      f"{r['d']}, {r['dv']}, {r['bq']}, {r['bkv']}, "
                      f"{r['warps']}, {r['stages']}}},\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--kinds", nargs="+",
                    default=["mma-sync@a100", "mma-sync@h200"])
    ap.add_argument("--types", nargs="+", default=["bf16"])
    ap.add_argument("--d", type=head_dims, nargs="+",
                    default=[(64, 64), (128, 128)],
                    help="head dims, D or D/Dv (e.g. 192/128)")
    ap.add_argument("--block-q", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--block-kv", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--stages", type=int, nargs="+", default=[1])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="")
    ap.add_argument("--inc", default="")
    ap.add_argument("--known-inc", default="")
    ap.add_argument("--from-json", nargs="+", default=[],
                    help="take the rows of earlier runs' --json instead of "
                         "compiling (to write one table of several runs)")
    a = ap.parse_args()
    rows = []
    for path in a.from_json:
        with open(path) as f:
            rows += json.load(f)
    jobs = [(a.build, *ks.split("@"), e, d, dv, bq, bkv, s)
            for ks in a.kinds for e in a.types for d, dv in a.d
            for bkv in a.block_kv for bq in a.block_q for s in a.stages]
    if not a.from_json:
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            rows = list(ex.map(lambda j: run(*j), jobs))
    print_table(rows, sys.stdout)
    for path, write in ((a.json, None), (a.inc, write_inc),
                        (a.known_inc, write_known_inc)):
        if path:
            with open(path, "w") as f:
                json.dump(rows, f, indent=0) if write is None else \
                    write(rows, f)


if __name__ == "__main__":
    main()
