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

mma-sync tilings are all compiled the second way, with the schedule the
model builds for a non-causal tiling within the limit (split masked steps,
the staged epilogue), so ptxas's numbers do not depend on the estimate
being tested: a refit of the estimate can be checked against the same rows
(`--reuse`).

    bench/experiments/register_vs_ptxas.py [--build build] [--d 64 256]
        [--kinds mma-sync@a100 mma-sync@h200 mma-sync@a10 wgmma@h200]
        [--jobs 2]
        [--stages 2] [--block-kv 16 32 ...] [--block-q 64 128 ...]
        [--walk compacted] [--json rows.json]

--walk compacted: the forward's compacted walk of a runtime block mask
whose blocks are the tiling's (the schedule says `walk = compacted`, the
model is asked with block-mask-walk=compacted); its rows are
unittests/RegisterTruthWalk.inc (D113).
"""
import argparse
import concurrent.futures
import functools
import json
import os
import re
import subprocess
import sys
import tempfile

# (block_q, warps) per kernel kind, as the cost model enumerates them
# (CostModel::enumerateCandidates): mma-sync, whole m16 fragments per warp
# and at most 48 rows a warp (more is refused for the fit's range, not for
# registers); wgmma, one m64 per warpgroup. block_kv runs over BLOCK_KV.
SHAPES = {
    "mma-sync": [(bq, w) for bq in (16, 32, 64, 128, 192, 256)
                 for w in (1, 2, 4, 8, 12, 16)
                 if bq % (16 * w) == 0 and bq // w <= 48],
    "wgmma": [(16 * w, w) for w in (4, 8, 12, 16)],
}
BLOCK_KV = tuple(range(16, 257, 16))
# The kernel's schedule with its default fields, for tilings the model
# refuses (it never picks a schedule for them).
SCHEDULE = {
    "mma-sync": "#fa.schedule<kernel = mma_sync, epilogue = staged>",
    "wgmma": "#fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>",
}
# (D, Dv): the query/key and value head dims swept, D = 64..256 by 16 (Dv = D)
# and DeepSeek-V3's 192 with Dv = 128.
HEAD_DIMS = [(d, d) for d in range(64, 257, 16)] + [(192, 128)]
# The per-thread register maximum of the targets swept (a spill-free
# estimate is at most this).
MAX_REGS = 255


# --walk compacted: the forward's compacted walk of a runtime block mask
# (D100), its blocks the tiling's; the mma-sync schedule walks the list
# (D113: the walk's registers against ptxas).
WALK = {"dense": "", "compacted": ", walk = compacted"}


def case(d, dv, bq, bkv, stages, warps, schedule=None, walk="dense"):
    tq = f"tensor<1x16x4096x{d}xbf16>"
    tv = f"tensor<1x16x4096x{dv}xbf16>"
    attrs = (f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
             f"stages = {stages}, warps = {warps}>")
    if schedule:
        attrs = f"schedule = {schedule[:-1]}{WALK[walk]}>, " + attrs
    args, mask = f"%q: {tq}, %k: {tq}, %v: {tv}", ""
    if walk == "compacted":
        tb = f"tensor<1x1x{-(-4096 // bq)}x{-(-4096 // bkv)}xi8>"
        args += f", %bm: {tb}"
        mask = f" block_mask(%bm : {tb})"
        attrs = (f"block_sparse = #fa.block_sparse<block_q = {bq}, "
                 f"block_kv = {bkv}>, " + attrs)
    return (f"func.func @attention({args}, %o: {tv})"
            f" -> {tv} {{\n"
            f"  %r = fa.attention ins(%q, %k, %v : {tq}, {tq}, {tv}){mask} "
            f"outs(%o : {tv})\n    {{{attrs}}} -> {tv}\n"
            f"  return %r : {tv}\n}}\n")


def sh(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def ptxas_resources(log):
    regs = int(re.search(r"Used (\d+) registers", log).group(1))
    spill = int(re.search(r"(\d+) bytes spill stores", log).group(1))
    return regs, spill


def model_verdict(build, src, target, kind, walk="dense"):
    """(estimate, limit-or-None, verdict): verdict is 'fits', 'spills' (kept,
    and the wgmma producer kernel built for it expected to spill: D116),
    'registers' (over the per-thread limit, or the block over the register
    file) or None where the tiling is refused for another reason."""
    e = sh([f"{build}/bin/fa-opt", src, f"--fa-set-target=target={target}",
            f"--fa-select-tiling=kernel={kind} block-mask-walk={walk} "
            "explain", "-o", os.devnull]).stderr
    m = re.search(r"keeps the given tiling .*?(\d+) registers/thread", e)
    if m:
        spills = "built spilling" in e
        return int(m.group(1)), None, "spills" if spills else "fits"
    m = re.search(r"(\d+) registers per thread exceed (\d+)", e)
    if m:
        return int(m.group(1)), int(m.group(2)), "registers"
    m = re.search(r"registers per block \((\d+) estimated per thread\) "
                  r"exceed (\d+) per SM", e)
    if m:
        return int(m.group(1)), None, "register-file"
    return None, None, None


# The verdicts of a tiling the model keeps (compiled by fa-compile).
KEPT = ("fits", "spills")


# Stock mlir-opt with the project's plugin runs the pipeline's passes as
# written (fa-opt does not register upstream's outlining and NVVM passes).
MLIR_OPT = "/usr/lib/llvm-22/bin/mlir-opt"
PTXAS = "/usr/local/cuda/bin/ptxas"


def compile_forced(build, tmp, src, target, kind, resources=None):
    """ptxas -v's resources for a tiling written on the op, whatever
    fa-select-tiling would say of it: the PTX, then ptxas -v as fa-compile
    runs it, read by `resources` (default: ptxas_resources)."""
    ptx, chip, err = ptx_without_selection(build, tmp, src, target, kind)
    if ptx is None:
        return None, err
    log, err = run_ptxas(tmp, ptx, chip)
    if log is None:
        return None, err
    return (resources or ptxas_resources)(log), None


def ptx_without_selection(build, tmp, src, target, kind):
    """The whole of fa-to-ptx-pipeline but fa-select-tiling (the op keeps
    its tiling and schedule as written), run by the stock mlir-opt with the
    project's plugin: (PTX text, chip, None), or (None, None, the error's
    first line). For a tiling the model keeps the PTX is fa-compile's, byte
    for byte; lowering part of the way with fa-opt and finishing with
    fa-compile would not be (fa-compile reruns the whole pipeline, and
    canonicalize and cse over the built kernel move ptxas's registers: d =
    128, 128x48 on 8 warps, 162 instead of 128)."""
    pipe = pipeline_without_selection(build, target, kind)
    plugin = f"{build}/lib/libFlashAttnPlugin.so"
    out = os.path.join(tmp, "binary.mlir")
    p = sh([MLIR_OPT, f"--load-dialect-plugin={plugin}",
            f"--load-pass-plugin={plugin}", src, f"--pass-pipeline={pipe}",
            "-o", out])
    if p.returncode:
        return None, None, p.stderr.strip().splitlines()[0][:100]
    text = open(out).read()
    chip = re.search(r'gpu\.object<#nvvm\.target<[^>]*chip = "(\w+)"',
                     text).group(1)
    return mlir_string(text, text.index('assembly = "') + 12), chip, None


@functools.lru_cache(maxsize=None)
def pipeline_without_selection(build, target, kind):
    """fa-to-ptx-pipeline's passes for the target and kernel (the same for
    every tiling: asked once), but fa-require-kernel and fa-select-tiling,
    and convert-fa-to-nvgpu builds a backward tiling that the register
    estimate refuses (allow-spilling-tilings, D113)."""
    dump = sh([f"{build}/bin/fa-opt", os.devnull,
               f"--fa-to-ptx-pipeline=target={target} kernel={kind}",
               "--dump-pass-pipeline", "-o", os.devnull]).stderr
    pipe = balanced(dump[dump.index("builtin.module("):])
    pipe = re.sub(r"\s*fa-require-kernel,", "", pipe)
    pipe = re.sub(r"\s*fa-select-tiling\{[^}]*\},", "", pipe)
    pipe = re.sub(r"convert-fa-to-nvgpu(\{[^}]*\})?",
                  "convert-fa-to-nvgpu{allow-spilling-tilings=true}", pipe)
    return " ".join(pipe.split())


def balanced(text):
    """The text up to the parenthesis that closes its first one (the dumped
    pipeline, without the diagnostics printed after it)."""
    depth = 0
    for i, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == ")" and depth == 0:
            return text[:i + 1]
    return text


def mlir_string(text, start):
    """The MLIR string literal's contents from `start` (after its opening
    quote) to its closing quote: `\\XX` is the byte XX."""
    out, i = [], start
    while text[i] != '"':
        if text[i] == "\\":
            out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def run_ptxas(tmp, ptx, chip):
    """ptxas -v -O3 as fa-compile runs it: (its log, None) or (None,
    'ptxas failed: ...')."""
    path = os.path.join(tmp, "forced.ptx")
    with open(path, "w") as f:
        f.write(ptx)
    p = sh([PTXAS, "-v", "-O3", f"-arch={chip}", path, "-o",
            os.path.join(tmp, "forced.cubin")])
    if p.returncode:
        return None, "ptxas failed: " + (p.stderr.strip().splitlines() or
                                         [""])[-1][:100]
    return p.stderr + p.stdout, None


def fa_compile(build, tmp, src, target, kind):
    out = os.path.join(tmp, "k")
    p = sh([f"{build}/bin/fa-compile", src, "-o", out,
            f"--pipeline-options=target={target} kernel={kind}"])
    if p.returncode:
        return None, p.stderr.strip().splitlines()[0][:100]
    return ptxas_resources(open(out + ".ptxas.log").read()), None


def row_key(r):
    return tuple(r.get(k, "dense") for k in ("kind", "target", "d", "dv", "bq",
                                             "bkv", "warps", "stages", "walk"))


BOUND = "not compiled: the O and S accumulators alone exceed the cap"


def accumulators(r):
    """f32 registers a thread of the mma-sync kernel's O and S tiles."""
    threads = 32 * r["warps"]
    return -(-r["bq"] * r["dv"] // threads) - (r["bq"] * r["bkv"] // -threads)


def register_cap(r):
    """The most registers ptxas gives a thread of the block: 255, or the
    register file over the block's threads (in steps of 8)."""
    return min(MAX_REGS, 65536 // (32 * r["warps"]) // 8 * 8)


def compiled_like_now(old):
    """Whether an earlier run's row was compiled as run() compiles it now:
    fa-compile on a kept tiling within the limit. Before, a kept mma-sync
    tiling over 255 registers got the model's branch schedule (D45), not the
    split one, and a refused tiling was lowered past convert-fa-to-nvgpu
    before fa-compile (ptx_without_selection)."""
    if "forced" in old:
        return not old["forced"] or old["through"] == "mlir-opt"
    return old["verdict"] in KEPT and (old["kind"] == "wgmma" or
                                       old["model"] <= MAX_REGS)


def run(build, kind, target, d, dv, bq, bkv, warps, stages=2, reuse=None,
        walk="dense"):
    row = dict(kind=kind, target=target, d=d, dv=dv, bq=bq, bkv=bkv,
               warps=warps, stages=stages)
    if walk != "dense":
        row["walk"] = walk
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "a.mlir")
        with open(src, "w") as f:
            f.write(case(d, dv, bq, bkv, stages, warps, walk=walk))
        est, limit, verdict = model_verdict(build, src, target, kind, walk)
        if verdict is None:
            return None
        row.update(model=est, limit=limit, verdict=verdict)
        old = (reuse or {}).get(row_key(row))
        if old is not None and compiled_like_now(old):
            row.update(ptxas=old["ptxas"], spill=old["spill"],
                       error=old["error"], forced=old.get("forced", False),
                       through=old.get("through"))
            return row
        if kind == "mma-sync" and accumulators(row) > register_cap(row):
            # O and S are live together: past the cap ptxas must spill, so
            # the slowest compiles (kilobytes of spills) are not run.
            row.update(ptxas=None, spill=None, error=BOUND, forced=False,
                       through=None)
            return row
        row["forced"] = kind == "mma-sync" or verdict not in KEPT
        row["through"] = "mlir-opt" if row["forced"] else None
        if not row["forced"]:
            res, err = fa_compile(build, tmp, src, target, kind)
        else:
            with open(src, "w") as f:
                f.write(case(d, dv, bq, bkv, stages, warps, SCHEDULE[kind],
                             walk))
            res, err = compile_forced(build, tmp, src, target, kind)
        if res is None:
            row.update(ptxas=None, spill=None, error=err)
        else:
            row.update(ptxas=res[0], spill=res[1], error=None)
    return row


def predicts_clean(r):
    """The model's prediction: ptxas assembles the tiling within MAX_REGS
    registers and without spills. wgmma keeps exactly those; mma-sync also
    keeps estimates up to 35 over the limit as priced spills (D07), so a
    kept mma-sync tiling over MAX_REGS is a predicted spill."""
    if r["verdict"] != "fits":
        return False
    return r["kind"] == "wgmma" or r["model"] <= MAX_REGS


def agrees(r):
    """Whether ptxas and the model agree; a tiling ptxas fails on (out of
    resources) is infeasible."""
    if r["ptxas"] is None and not r["error"].startswith(
            ("fa-compile: error: ptxas failed", "ptxas failed", BOUND)):
        return "?"
    clean = r["ptxas"] is not None and r["spill"] == 0 and r["ptxas"] <= MAX_REGS
    return "yes" if clean == predicts_clean(r) else "NO"


def verdict_text(r):
    if r["verdict"] == "fits":
        return "keeps" if predicts_clean(r) else "keeps, spill priced"
    if r["verdict"] == "spills":
        return "keeps, built spilling"
    if r["verdict"] == "register-file":
        return "over the register file"
    return f"over {r['limit']}"


def print_table(rows, out):
    out.write("| kernel | target | D | Dv | tiling | model regs | model | "
              "ptxas regs | spill B | agree |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        til = f"{r['bq']}x{r['bkv']} s{r['stages']} w{r['warps']}"
        ptx = r["ptxas"] if r["ptxas"] is not None else f"error: {r['error']}"
        spill = r["spill"] if r["spill"] is not None else "-"
        out.write(f"| {r['kind']} | {r['target']} | {r['d']} | {r['dv']} | "
                  f"{til} | {r['model']} | {verdict_text(r)} | {ptx} | "
                  f"{spill} | {agrees(r)} |\n")
    bad = sum(agrees(r) == "NO" for r in rows)
    out.write(f"\n{len(rows)} tilings, {bad} where the model and ptxas "
              "disagree\n")


KIND_ENUM = {"mma-sync": "KernelKind::MmaSync", "wgmma": "KernelKind::Wgmma"}


def write_inc(rows, out):
    """The rows ptxas compiled or failed on as C++ initializers: kind,
    target, d, dv, the tiling, ptxas's registers (-1: ptxas failed for want
    of registers; -2: not compiled, the accumulators alone exceed the cap)
    and its spill-store bytes."""
    out.write("// Generated by bench/experiments/register_vs_ptxas.py --inc "
              "(ptxas of CUDA 13, -O3);\n// do not edit: rerun it. kind, "
              "target, d, dv, {block_q, block_kv, stages, warps},\n// ptxas "
              "registers (-1: ptxas failed; -2: not compiled, O + S alone exceed\n// "
              "the cap), spill-store bytes.\n")
    for r in rows:
        if agrees(r) == "?":
            continue
        regs = r["ptxas"] if r["ptxas"] is not None else \
            -2 if r["error"] == BOUND else -1
        spill = r["spill"] if r["spill"] is not None else 0
        out.write(f"{{{KIND_ENUM[r['kind']]}, \"{r['target']}\", {r['d']}, "
                  f"{r['dv']}, {{{r['bq']}, {r['bkv']}, {r['stages']}, "
                  f"{r['warps']}}}, {regs}, {spill}}},\n")


def write_known_inc(rows, out, disagrees=lambda r: agrees(r) == "NO"):
    """The rows where the model and ptxas disagree, as the keys of
    unittests/RegisterTruthTest.cpp's list of known disagreements."""
    out.write("// Generated by bench/experiments/register_vs_ptxas.py "
              "--known-inc: where the model\n// and ptxas disagree (kind, "
              "target, d, dv, block_q, block_kv, warps, stages);\n// why: "
              "docs/results/2026-12-05-register-truth-all/README.md.\n")
    for r in rows:
        if disagrees(r):
            out.write(f"{{{KIND_ENUM[r['kind']]}, \"{r['target']}\", "
                      f"{r['d']}, {r['dv']}, {r['bq']}, {r['bkv']}, "
                      f"{r['warps']}, {r['stages']}}},\n")


def head_dims(text):
    """'80' -> (80, 80); '192/128' -> (192, 128)."""
    d, _, dv = text.partition("/")
    return int(d), int(dv or d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--d", type=head_dims, nargs="+", default=HEAD_DIMS,
                    help="head dims, D or D/Dv (e.g. 192/128)")
    ap.add_argument("--kinds", nargs="+",
                    default=["mma-sync@a100", "mma-sync@h200", "wgmma@h200"])
    ap.add_argument("--stages", type=int, nargs="+", default=[2])
    ap.add_argument("--block-kv", type=int, nargs="+", default=BLOCK_KV)
    ap.add_argument("--block-q", type=int, nargs="+", default=None,
                    help="only these block_q")
    ap.add_argument("--walk", choices=sorted(WALK), default="dense",
                    help="compacted: the forward's compacted walk of a block "
                         "mask (mma-sync and wgmma)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="",
                    help="also write the rows as JSON")
    ap.add_argument("--jsonl", default="",
                    help="also append each row to this file as it is done "
                         "(a long run's rows survive its interruption)")
    ap.add_argument("--reuse", default="",
                    help="take ptxas's numbers from this --json of an earlier "
                         "run (the model's verdict is asked anew; a tiling "
                         "whose schedule the model now builds differently "
                         "must be compiled again)")
    ap.add_argument("--inc", default="",
                    help="also write the rows as the C++ table of "
                         "unittests/RegisterTruthTest.cpp")
    ap.add_argument("--known-inc", default="",
                    help="also write the disagreements as that test's list")
    a = ap.parse_args()
    jobs = []
    for ks in a.kinds:
        kind, target = ks.split("@")
        for d, dv in a.d:
            for bq, w in SHAPES[kind]:
                if a.block_q and bq not in a.block_q:
                    continue
                for bkv in a.block_kv:
                    for s in a.stages:
                        jobs.append((a.build, kind, target, d, dv, bq, bkv, w,
                                     s))
    reuse = {}
    if a.reuse:
        with open(a.reuse) as f:
            text = f.read()
        old_rows = json.loads(text) if text.lstrip().startswith("[") else \
            [json.loads(line) for line in text.splitlines() if line.strip()]
        reuse = {row_key(r): r for r in old_rows}
    rows = []
    progress = open(a.jsonl, "a") if a.jsonl else None
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for r in ex.map(lambda j: run(*j, reuse=reuse, walk=a.walk), jobs):
            if r and progress:
                progress.write(json.dumps(r) + "\n")
                progress.flush()
            rows += [r] if r else []
    print_table(rows, sys.stdout)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=0)
    if a.inc:
        with open(a.inc, "w") as f:
            write_inc(rows, f)
    if a.known_inc:
        with open(a.known_inc, "w") as f:
            write_known_inc(rows, f)


if __name__ == "__main__":
    main()
