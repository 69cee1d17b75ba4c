#!/usr/bin/env python3
"""The cost model's register estimate against ptxas, feasible vs infeasible.

For each kernel kind (mma-sync on sm_80 and sm_90a, wgmma on sm_90a), head
dim and tiling, asks fa-select-tiling (explain) whether it keeps the tiling
written on the op. Tilings the model keeps are compiled with fa-compile
(ptxas -v); tilings it refuses on the register limit are compiled anyway,
through fa-to-ptx-pipeline's passes without fa-select-tiling, with the
kernel's default schedule written on the op, and the PTX assembled with
ptxas -v. Tilings refused for anything else (shared memory, shapes) are
left out. Prints one row per tiling: the model's estimate and verdict,
ptxas's registers and spill bytes, and whether the two agree (ptxas
compiles without spills exactly where the model accepts). Runs on the
build machine (no GPU).

    bench/experiments/register_vs_ptxas.py [--build build] [--d 64 256]
        [--kinds mma-sync@a100 mma-sync@h200 wgmma@h200] [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import tempfile

# (block_q, warps) per kernel kind; block_kv runs over BLOCK_KV.
SHAPES = {
    "mma-sync": [(64, 4), (128, 4), (128, 8), (192, 4), (256, 8)],
    "wgmma": [(64, 4), (128, 4), (128, 8), (192, 12), (256, 8)],
}
BLOCK_KV = (16, 32, 48, 64, 80, 96, 128)
# The kernel's schedule with its default fields, for tilings the model
# refuses (it never picks a schedule for them).
SCHEDULE = {
    "mma-sync": "#fa.schedule<kernel = mma_sync, epilogue = staged>",
    "wgmma": "#fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>",
}
# D (query/key head dim) -> Dv (value head dim).
HEAD_DIMS = {64: 64, 80: 80, 96: 96, 128: 128, 192: 128, 256: 256}


def case(d, dv, bq, bkv, stages, warps, schedule=None):
    tq = f"tensor<1x16x4096x{d}xbf16>"
    tv = f"tensor<1x16x4096x{dv}xbf16>"
    attrs = (f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
             f"stages = {stages}, warps = {warps}>")
    if schedule:
        attrs = f"schedule = {schedule}, " + attrs
    return (f"func.func @attention(%q: {tq}, %k: {tq}, %v: {tv}, %o: {tv})"
            f" -> {tv} {{\n"
            f"  %r = fa.attention ins(%q, %k, %v : {tq}, {tq}, {tv}) "
            f"outs(%o : {tv})\n    {{{attrs}}} -> {tv}\n"
            f"  return %r : {tv}\n}}\n")


def sh(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def ptxas_resources(log):
    regs = int(re.search(r"Used (\d+) registers", log).group(1))
    spill = int(re.search(r"(\d+) bytes spill stores", log).group(1))
    return regs, spill


def model_verdict(build, src, target, kind):
    """(estimate, limit-or-None, verdict): verdict is 'fits', 'registers'
    or None where the tiling is refused for another reason."""
    e = sh([f"{build}/bin/fa-opt", src, f"--fa-set-target=target={target}",
            f"--fa-select-tiling=kernel={kind} explain", "-o", os.devnull]).stderr
    m = re.search(r"keeps the given tiling .*?(\d+) registers/thread", e)
    if m:
        return int(m.group(1)), None, "fits"
    m = re.search(r"(\d+) registers per thread exceed (\d+)", e)
    if m:
        return int(m.group(1)), int(m.group(2)), "registers"
    return None, None, None


def compile_forced(build, tmp, src, target, kind):
    """ptxas -v's resources for a tiling fa-select-tiling refuses: the
    pipeline's passes up to the built kernel (all but fa-select-tiling),
    then fa-compile on that GPU IR (no fa.attention left to select for)."""
    gpu, err = lower_without_selection(build, tmp, src, target, kind)
    if gpu is None:
        return None, err
    return fa_compile(build, tmp, gpu, target, kind)


def lower_without_selection(build, tmp, src, target, kind):
    """The pipeline's passes up to the built kernel, all but
    fa-select-tiling (the op keeps its tiling and schedule): the GPU IR's
    path, or (None, the error's first line)."""
    dump = sh([f"{build}/bin/fa-opt", src,
               f"--fa-to-ptx-pipeline=target={target} kernel={kind}",
               "--dump-pass-pipeline", "-o", os.devnull]).stderr
    pipe = dump[dump.index("builtin.module("):]
    pipe = re.sub(r"\s*fa-require-kernel,", "", pipe)
    pipe = re.sub(r"\s*fa-select-tiling\{[^}]*\},", "", pipe)
    pipe = " ".join(pipe.split())
    pipe = pipe[:pipe.index("gpu-launch-sink")].rstrip(", ") + ")"
    gpu = os.path.join(tmp, "gpu.mlir")
    p = sh([f"{build}/bin/fa-opt", src, f"--pass-pipeline={pipe}", "-o", gpu])
    if p.returncode:
        return None, p.stderr.strip().splitlines()[0][:100]
    return gpu, None


def fa_compile(build, tmp, src, target, kind):
    out = os.path.join(tmp, "k")
    p = sh([f"{build}/bin/fa-compile", src, "-o", out,
            f"--pipeline-options=target={target} kernel={kind}"])
    if p.returncode:
        return None, p.stderr.strip().splitlines()[0][:100]
    return ptxas_resources(open(out + ".ptxas.log").read()), None


def run(build, kind, target, d, bq, bkv, warps, stages=2):
    dv = HEAD_DIMS[d]
    row = dict(kind=kind, target=target, d=d, dv=dv, bq=bq, bkv=bkv,
               warps=warps, stages=stages)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "a.mlir")
        with open(src, "w") as f:
            f.write(case(d, dv, bq, bkv, stages, warps))
        est, limit, verdict = model_verdict(build, src, target, kind)
        if verdict is None:
            return None
        row.update(model=est, limit=limit, verdict=verdict)
        if verdict == "fits":
            res, err = fa_compile(build, tmp, src, target, kind)
        else:
            with open(src, "w") as f:
                f.write(case(d, dv, bq, bkv, stages, warps, SCHEDULE[kind]))
            res, err = compile_forced(build, tmp, src, target, kind)
        if res is None:
            row.update(ptxas=None, spill=None, error=err)
        else:
            row.update(ptxas=res[0], spill=res[1], error=None)
    return row


def agrees(r):
    if r["ptxas"] is None:
        return "?"
    clean = r["spill"] == 0
    return "yes" if clean == (r["verdict"] == "fits") else "NO"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--d", type=int, nargs="+", default=sorted(HEAD_DIMS))
    ap.add_argument("--kinds", nargs="+",
                    default=["mma-sync@a100", "mma-sync@h200", "wgmma@h200"])
    ap.add_argument("--stages", type=int, nargs="+", default=[2])
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    jobs = []
    for ks in a.kinds:
        kind, target = ks.split("@")
        for d in a.d:
            if kind == "wgmma" and d % 64:
                continue  # outside the wgmma kernel's head dims
            for bq, w in SHAPES[kind]:
                for bkv in BLOCK_KV:
                    for s in a.stages:
                        jobs.append((a.build, kind, target, d, bq, bkv, w, s))
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        rows = [r for r in ex.map(lambda j: run(*j), jobs) if r]
    print("| kernel | target | D | Dv | tiling | model regs | model | "
          "ptxas regs | spill B | agree |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        til = f"{r['bq']}x{r['bkv']} s{r['stages']} w{r['warps']}"
        verdict = ("fits" if r["verdict"] == "fits"
                   else f"over {r['limit']}")
        ptx = r["ptxas"] if r["ptxas"] is not None else f"error: {r['error']}"
        spill = r["spill"] if r["spill"] is not None else "-"
        print(f"| {r['kind']} | {r['target']} | {r['d']} | {r['dv']} | {til} "
              f"| {r['model']} | {verdict} | {ptx} | {spill} | {agrees(r)} |")
    bad = sum(agrees(r) == "NO" for r in rows)
    print(f"\n{len(rows)} tilings, {bad} where the model and ptxas disagree")


if __name__ == "__main__":
    main()
