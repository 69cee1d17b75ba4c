#!/usr/bin/env python3
"""The forward tiling sweep (issue 25, item 4): is the model's pick within 5%
of the fastest tiling the kernels accept?

Two halves, like scripts/gpu-artifacts.sh and gpu_run.sh:

* `stage DEST` (the build machine, no GPU): for every shape of the sweep
  (D in 64, 96, 128, 192 with Dv 128, 256; N in 1k, 4k, 16k; causal and
  not; bf16, batch 16384 / N, heads 2048 / D) asks fa-select-tiling which
  tilings each kernel kind accepts (every block_q x block_kv x stages x
  warps of CostModel::enumerateCandidates for the kind, each given on the
  op: the tilings the pass keeps, with their predicted time), and which one
  it picks itself (kernel=auto; a pack of the other kind holds the pick
  too). It compiles every accepted tiling with fa-compile (cubins for
  sm_90a) into DEST/artifacts.tar.xz (with cases.json) and copies the
  runtime, the Python binding, this script and sweep_run.sh; --tarball
  packs DEST into DEST.tar.xz.
* `run` (the GPU machine, from DEST, through sweep_run.sh): one process;
  per shape, one set of inputs; every kernel is loaded, launched once
  (warm-up; its output is checked against torch SDPA's), timed over a few
  launches with CUDA events (the median), and unloaded; then the shape's
  fastest and the pick are timed again in turns (the confirmation). A line
  per kernel goes to rows.jsonl as it runs; a rerun resumes, leaving out a
  kernel that hung or took the CUDA context down; a deadline stops it.
* `report OUT/PACK...` (anywhere): the docs' table (docs/CostModel.md,
  "The tiling sweep") from the runs' rows: per shape the best tiling, the
  pick, the pick's time over the best's and the verdict (within 5%).

    python3 bench/experiments/tiling_sweep.py stage .stage-sweepA \\
        [--build build] [--jobs 2] [--d 64 128] [--n 4096] [--kinds wgmma]
        [--stages 1 2 3 4] [--block-kv 16 32 ...] [--tarball]
    python3 bench/experiments/tiling_sweep.py count [same filters]
    python3 bench/experiments/tiling_sweep.py refresh .stage-sweepA [--tarball]
    bash .stage-sweepA/sweep_run.sh [run options]  # GPU; $OUT/stage-sweepA
    python3 bench/experiments/tiling_sweep.py report OUT/stage-sweepA ...
"""

import argparse
import concurrent.futures
import gzip
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (D, Dv) of the sweep, its sequence lengths, and the FlashAttention papers'
# shapes: batch 16384 / N, heads 2048 / D.
HEAD_DIMS = ((64, 64), (96, 96), (128, 128), (192, 128), (256, 256))
SEQ_LENS = (1024, 4096, 16384)
KINDS = ("wgmma", "mma-sync")
TARGET = "h200"
# The candidates of CostModel::enumerateCandidates, per kernel kind.
BLOCK_Q = (16, 32, 64, 128, 192, 256)
WARPS = (1, 2, 4, 8, 12, 16)
BLOCK_KV = tuple(range(16, 257, 16))
STAGES = (1, 2, 3, 4)
# The verdict: the pick within this much of the best measured time.
TOLERANCE = 0.05


def shape_name(d, dv, n, causal):
    return (f"d{d}" + (f"v{dv}" if dv != d else "") + f"_n{n}"
            + ("_causal" if causal else ""))


def problem(d, dv, n, causal):
    """The sweep's shape as a gpu_cases.py case (no tiling yet)."""
    return {"name": shape_name(d, dv, n, causal), "dtype": "bf16",
            "b": 16384 // n, "hq": 2048 // d, "hkv": 2048 // d, "nq": n,
            "nk": n, "d": d, "dv": dv, "causal": causal,
            "scale": 1.0 / d ** 0.5}


def candidates(kind, block_kv=BLOCK_KV, stages=STAGES):
    """The (block_q, block_kv, stages, warps) the model enumerates for
    `kind`: mma-sync, whole m16 fragments per warp; wgmma, one m64 tile per
    warpgroup."""
    shapes = []
    for bq in BLOCK_Q:
        for w in WARPS:
            if kind == "wgmma" and bq == 16 * w and w % 4 == 0:
                shapes.append((bq, w))
            elif kind == "mma-sync" and bq % (16 * w) == 0:
                shapes.append((bq, w))
    return [(bq, bkv, s, w) for bq, w in shapes for bkv in block_kv
            for s in stages]


def mlir_function(c, name, tiling=None):
    """The sweep's @attention function (gpu_cases.py's emit) under `name`."""
    t = f"tensor<{c['b']}x{c['hq']}x{c['nq']}x{c['d']}x{c['dtype']}>"
    tv = f"tensor<{c['b']}x{c['hq']}x{c['nq']}x{c['dv']}x{c['dtype']}>"
    items = ["causal"] if c["causal"] else []
    if tiling:
        bq, bkv, st, w = tiling
        items.append(f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
                     f"stages = {st}, warps = {w}>")
    attrs = " {" + ", ".join(items) + "}" if items else ""
    return (f"func.func @{name}(%q: {t}, %k: {t}, %v: {tv}, %o: {tv}) -> {tv} {{\n"
            f"  %r = fa.attention ins(%q, %k, %v : {t}, {t}, {tv})\n"
            f"       outs(%o : {tv}){attrs} -> {tv}\n"
            f"  return %r : {tv}\n}}\n")


def sh(args):
    return subprocess.run(args, capture_output=True, text=True)


KEEPS = re.compile(r"^.*?:(\d+):\d+: remark: fa-select-tiling: keeps the given "
                   r"tiling .*?: ([\d.]+) (ms|us), .*?(\d+) registers/thread",
                   re.M)
SCHEDULE = re.compile(r"^.*?:(\d+):\d+: remark: fa-select-tiling: schedule "
                      r"(#fa.schedule<[^>]*>)", re.M)


def accepted(build, c, kind, tilings):
    """{tiling: (predicted seconds, registers, schedule)} of the tilings
    fa-select-tiling keeps for `kind`: one fa-opt run over a split file, a
    function per tiling (a refused tiling is an error of its own chunk)."""
    chunks, lines, line = [], {}, 1
    for i, t in enumerate(tilings):
        text = mlir_function(c, f"t{i}", t)
        lines[line + 1] = t  # the fa.attention is the function's 2nd line
        chunks.append(text)
        line += text.count("\n") + 1
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write("// -----\n".join(chunks))
    try:
        err = sh([f"{build}/bin/fa-opt", f.name, "--split-input-file",
                  f"--fa-set-target=target={TARGET}",
                  f"--fa-select-tiling=kernel={kind} explain",
                  "-o", os.devnull]).stderr
    finally:
        os.unlink(f.name)
    schedules = {int(m.group(1)): m.group(2) for m in SCHEDULE.finditer(err)}
    kept = {}
    for m in KEEPS.finditer(err):
        scale = 1e-3 if m.group(3) == "ms" else 1e-6
        at = int(m.group(1))
        kept[lines[at]] = (float(m.group(2)) * scale, int(m.group(4)),
                           schedules.get(at, ""))
    return kept


PICK = re.compile(r"fa.attention .*?\{(?:.*?schedule = (#fa.schedule<kernel = "
                  r"(\w+)[^>]*>).*?)?tiling = #fa.tiling<block_q = (\d+), "
                  r"block_kv = (\d+), stages = (\d+), warps = (\d+)>")


def model_pick(build, c):
    """(kind, tiling, schedule) that fa-to-ptx-pipeline's default
    (kernel=auto) picks."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(mlir_function(c, "attention"))
    try:
        out = sh([f"{build}/bin/fa-opt", f.name,
                  f"--fa-set-target=target={TARGET}",
                  "--fa-select-tiling=kernel=auto"]).stdout
    finally:
        os.unlink(f.name)
    m = PICK.search(out)
    kind = {"mma_sync": "mma-sync", "wgmma": "wgmma"}[m.group(2)]
    return kind, tuple(int(m.group(i)) for i in range(3, 7)), m.group(1)


def case_name(c, kind, t):
    return f"sweep_{c['name']}_{kind}_t{t[0]}x{t[1]}s{t[2]}w{t[3]}"


def plan(a):
    """The sweep's cases: per shape, every tiling each kind accepts among
    the candidates at `a.stages`, and the model's pick's block shape at
    every stage count; with the prediction of each, the pick marked. The
    pick is in every pack: with `a.kinds` the other kind's, it is timed
    against that kind's best in the same run."""
    cases = []
    for d, dv in HEAD_DIMS:
        if a.d and d not in a.d:
            continue
        for n in SEQ_LENS:
            if a.n and n not in a.n:
                continue
            for causal in (False, True):
                c = problem(d, dv, n, causal)
                pick_kind, pick, pick_schedule = model_pick(a.build, c)
                for kind in list(a.kinds) + (
                        [] if pick_kind in a.kinds else [pick_kind]):
                    tilings = (candidates(kind, a.block_kv, a.stages)
                               if kind in a.kinds else [pick])
                    if kind == pick_kind and kind in a.kinds:
                        tilings += [(pick[0], pick[1], s, pick[3])
                                    for s in STAGES
                                    if (pick[0], pick[1], s, pick[3])
                                    not in tilings]
                    kept = accepted(a.build, c, kind, tilings)
                    if kind == pick_kind and kept.get(pick, (0, 0, ""))[2] \
                            != pick_schedule:
                        # The forced tiling must build the kernel auto builds.
                        sys.exit(f"tiling_sweep: {c['name']}: the pick "
                                 f"{pick} forced gets "
                                 f"{kept.get(pick, (0, 0, 'refused'))[2]}, "
                                 f"kernel=auto {pick_schedule}")
                    for t, (sec, regs, sched) in sorted(kept.items()):
                        cases.append(dict(
                            c, name=case_name(c, kind, t), shape=c["name"],
                            kind=kind, tiling=list(t), predicted_s=sec,
                            registers=regs, schedule=sched,
                            model_pick=(kind, t) == (pick_kind, pick)))
    return cases


def compile_case(build, art, c):
    src = os.path.join(art, c["name"] + ".mlir")
    with open(src, "w") as f:
        f.write(mlir_function(c, "attention", c["tiling"]))
    p = sh([f"{build}/bin/fa-compile", src, "-o", os.path.join(art, c["name"]),
            f"--pipeline-options=target={TARGET} kernel={c['kind']}"])
    os.unlink(src)
    # Only the manifest and the cubin travel.
    for ext in (".ptx", ".ptxas.log"):
        path = os.path.join(art, c["name"] + ext)
        if os.path.exists(path):
            os.unlink(path)
    return None if p.returncode == 0 else p.stderr.strip()[:300]


def copy_device_files(build, dest):
    """What the GPU machine runs besides the cubins: the runtime's sources
    (sweep_run.sh builds them with g++) and, as a fallback, the build's
    library; the Python package (its runtime binding); the scripts, in the
    checkout's layout, and sweep_run.sh at the top."""
    shutil.rmtree(os.path.join(dest, "runtime"), ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "runtime"), os.path.join(dest, "runtime"))
    prebuilt = os.path.join(build, "lib", "libfa_runtime.so")
    if os.path.exists(prebuilt):
        shutil.copy(prebuilt, os.path.join(dest, "libfa_runtime.prebuilt.so"))
    for folder, files in (("bench/correctness", ["gpu_check.py"]),
                          ("bench/benchmark", ["benchmark.py"]),
                          ("bench/experiments", ["tiling_sweep.py"])):
        os.makedirs(os.path.join(dest, folder), exist_ok=True)
        for name in files:
            shutil.copy(os.path.join(ROOT, folder, name),
                        os.path.join(dest, folder, name))
    py = os.path.join(dest, "python", "flashattn_mlir")
    shutil.rmtree(py, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "python", "flashattn_mlir"), py,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(HERE, "sweep_run.sh"),
                os.path.join(dest, "sweep_run.sh"))


def predicted_launch_s(cases, reps=3):
    """The kernels' predicted time on the GPU: a warm-up and `reps`
    launches each (no loads, checks or confirmations)."""
    return sum(c["predicted_s"] for c in cases) * (reps + 1)


def stage(a):
    art = os.path.join(a.dest, "artifacts")
    shutil.rmtree(art, ignore_errors=True)
    os.makedirs(art)
    cases = plan(a)
    print(f"tiling_sweep: {len(cases)} kernels to compile", flush=True)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        errors = list(ex.map(lambda c: compile_case(a.build, art, c), cases))
    for c, e in zip(cases, errors):
        c["compile_error"] = e
        if e:
            print(f"tiling_sweep: {c['name']} did not compile: {e}")
    with open(os.path.join(art, "cases.json"), "w") as f:
        json.dump({"variant": "tiling-sweep", "target": TARGET,
                   "cases": cases}, f, indent=0)
    copy_device_files(a.build, a.dest)
    # One archive: the cubins of neighbouring tilings share most of their
    # bytes, so xz over all of them is about a seventh of the files.
    tarball = os.path.join(a.dest, "artifacts.tar.xz")
    subprocess.run(["tar", "-cJf", tarball, "-C", art, "."], check=True,
                   env=dict(os.environ, XZ_OPT=f"-6 -T{a.jobs}"))
    shutil.rmtree(art)
    bad = sum(1 for e in errors if e)
    print(f"tiling_sweep: {len(cases) - bad} kernels in {tarball} "
          f"({os.path.getsize(tarball) / 1e6:.1f} MB), {bad} did not compile; "
          f"their predicted launches {predicted_launch_s(cases):.0f} s")
    if a.tarball:
        pack(a.dest)


def pack(dest):
    """DEST.tar.xz next to DEST: one folder, its name DEST's."""
    dest = os.path.abspath(dest)
    out = dest.rstrip("/") + ".tar.xz"
    # The cubins are xz already: the outer archive only needs to hold them.
    subprocess.run(["tar", "-cJf", out, "-C", os.path.dirname(dest),
                    "--exclude", "state", os.path.basename(dest)],
                   check=True, env=dict(os.environ, XZ_OPT="-1"))
    print(f"tiling_sweep: {out} ({os.path.getsize(out) / 1e6:.1f} MB)")


def count(a):
    cases = plan(a)
    by = {}
    for c in cases:
        key = (c["d"], c["kind"])
        by.setdefault(key, set()).add(tuple(c["tiling"]))
    for (d, kind), ts in sorted(by.items()):
        print(f"D={d} {kind}: {len(ts)} tilings")
    print(f"{len(cases)} kernels over {len({c['shape'] for c in cases})} "
          f"shapes; their predicted launches {predicted_launch_s(cases):.0f} s")


# --- The GPU side ----------------------------------------------------------
#
# A run writes into its --out folder, the state a rerun resumes from, and
# copies the rows and the log as it goes into each --mirror folder (e.g.
# $OUT, so that a run the device's time limit cuts off still brings back
# what it measured; the device brings back 8 files at most):
ROWS = "rows.jsonl"        # a line per kernel measured, then per confirmation
PROGRESS = "progress.txt"  # the kernel (or confirmation) under way, before it
SUMMARY = "tiling_sweep.json"  # the verdicts so far, after every shape
LOG = "tiling_sweep.log"   # a line per kernel, a table per shape
MIRRORED = (ROWS, LOG)
# run's exit codes: every kernel measured; --deadline passed (a rerun goes
# on); a kernel took the CUDA context down (a rerun goes on without it).
EXIT_DONE, EXIT_DEADLINE, EXIT_CONTEXT = 0, 2, 3
CRASHED = "took the process down (a hang the watchdog ended, or a crash)"
# The confirmation: the fastest tilings of a shape and the pick, timed
# again in turns (one launch each per round) for the verdict.
CONFIRM, CONFIRM_REPS = 5, 20
# torch.cuda._sleep's clock cycles before each timed launch: about 0.5 ms
# at the H200's 1.98 GHz.
SPIN_CYCLES = 1_000_000


class Outs:
    """The run's folders: the state (every file) and the mirrors (the
    MIRRORED files)."""

    def __init__(self, state, mirrors=()):
        self.state, self.mirrors = state, list(mirrors)
        for d in [state] + self.mirrors:
            os.makedirs(d, exist_ok=True)

    def append(self, name, text):
        for d in [self.state] + (self.mirrors if name in MIRRORED else []):
            with open(os.path.join(d, name), "a") as f:
                f.write(text)

    def write_json(self, name, obj):
        tmp = os.path.join(self.state, name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=0)
        os.replace(tmp, os.path.join(self.state, name))


def read_rows(path):
    """(kernel rows by name, confirmations by shape) of a rows.jsonl (or a
    kept run's rows.jsonl.gz); a line the kill of a run left half written
    is skipped."""
    rows, confirmed = {}, {}
    if not os.path.exists(path):
        return rows, confirmed
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("phase") == "confirm":
                confirmed[r["shape"]] = r
            else:
                rows[r["name"]] = r
    return rows, confirmed


def last_started(folder):
    """The last line of progress.txt: 'kernel NAME' or 'confirm SHAPE'."""
    path = os.path.join(folder, PROGRESS)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    return lines[-1] if lines else None


def base_row(c):
    """A kernel's row: the case's shape, tiling and prediction."""
    return {"name": c["name"], "shape": c["shape"], "kind": c["kind"],
            "tiling": c["tiling"], "predicted_s": c["predicted_s"],
            "registers": c.get("registers"), "model_pick": c["model_pick"],
            "d": c["d"], "dv": c["dv"], "n": c["nq"], "causal": c["causal"],
            "b": c["b"], "hq": c["hq"]}


def sibling(c):
    """What kernels share with a kernel that took the process down: the
    same kind, head dims, mask and tiling at another N (the same code)."""
    return (c["kind"], c["d"], c["dv"], c["causal"], tuple(c["tiling"]))


def dense_flops(r):
    """benchmark.py's flops() of a dense case: 2 B H (D + Dv) per pair,
    half the pairs when causal."""
    f = 2.0 * r["b"] * r["hq"] * (r["d"] + r["dv"]) * r["n"] * r["n"]
    return f / 2 if r["causal"] else f


def tflops_of(r, ms):
    return dense_flops(r) / (ms * 1e-3) / 1e12


def tiling_label(r):
    t = r["tiling"]
    return f"{r['kind']} {t[0]}x{t[1]} s{t[2]} w{t[3]}"


def good(r):
    return r.get("ms") is not None and not r.get("error")


def confirm_set(rows, k):
    """The shape's `k` fastest kernels of the first pass and the pick."""
    ok = sorted((r for r in rows if good(r)), key=lambda r: r["ms"])
    chosen = ok[:k]
    chosen += [r for r in ok[k:] if r["model_pick"]]
    return chosen


def shape_verdict(rows, confirmation=None):
    """The verdict of one shape from one run's rows: the best and the pick,
    by the confirmation's times where there is one (then the best is the
    fastest confirmed kernel), else by the first pass's."""
    ms = {r["name"]: r["ms"] for r in rows if good(r)}
    if confirmation and confirmation.get("ms"):
        ms = {n: t for n, t in confirmation["ms"].items() if n in ms}
    first = rows[0]
    out = {"shape": first["shape"], "d": first["d"], "dv": first["dv"],
           "n": first["n"], "causal": first["causal"],
           "measured": sum(good(r) for r in rows), "kernels": len(rows),
           "confirmed": bool(confirmation and confirmation.get("ms"))}
    pick = next((r for r in rows if r["model_pick"]), None)
    if not ms:
        return dict(out, verdict="no kernel ran", ratio=None)
    best = min((r for r in rows if r["name"] in ms), key=lambda r: ms[r["name"]])
    out.update(best=best, best_ms=ms[best["name"]])
    if pick is None or pick["name"] not in ms:
        return dict(out, pick=pick, verdict="the pick did not run", ratio=None)
    ratio = ms[pick["name"]] / ms[best["name"]]
    return dict(out, pick=pick, pick_ms=ms[pick["name"]], ratio=ratio,
                verdict="within 5%" if ratio <= 1 + TOLERANCE else "MISS")


def shape_table(rows, v, out):
    """One shape's table, fastest first (ten and the pick), its errors and
    its verdict line."""
    ok = sorted((r for r in rows if good(r)), key=lambda r: r["ms"])
    r0 = rows[0]
    out.write(f"\n{r0['shape']} (B={r0['b']} H={r0['hq']}):\n"
              "| rank | tiling | TFLOP/s | ms | predicted ms | |\n"
              "|---|---|---|---|---|---|\n")
    for i, r in enumerate(ok):
        if i >= 10 and not r["model_pick"]:
            continue
        out.write(f"| {i + 1} | {tiling_label(r)} | {tflops_of(r, r['ms']):.1f} "
                  f"| {r['ms']:.3f} | {r['predicted_s'] * 1e3:.3f} | "
                  f"{'model pick' if r['model_pick'] else ''} |\n")
    for r in rows:
        if r.get("error"):
            out.write(f"  {r['name']}: {r['error']}\n")
    out.write(f"  verdict: {verdict_line(v)}\n")


def verdict_line(v):
    text = v["verdict"]
    if v.get("best"):
        text += (f"; best {tiling_label(v['best'])} "
                 f"{tflops_of(v['best'], v['best_ms']):.1f} TFLOP/s")
    if v.get("ratio"):
        text += (f", pick {tiling_label(v['pick'])} {v['ratio']:.3f}x its "
                 "time")
    return (text + f" ({v['measured']} of {v['kernels']} kernels ran"
            + (", confirmed" if v["confirmed"] else "") + ")")


def order(cases):
    """Shapes in the file's order; in each, the pick first (a shape the
    deadline cuts keeps it)."""
    groups = {}
    for c in cases:
        groups.setdefault(c["shape"], []).append(c)
    return {s: sorted(g, key=lambda c: not c["model_pick"])
            for s, g in groups.items()}


def sweep(cases, bench, outs, deadline, confirm=CONFIRM,
          confirm_reps=CONFIRM_REPS, now=time.time, say=print):
    """Measures `cases` through `bench` (GpuBench, or a test's fake),
    resuming from outs.state; returns an EXIT_ code."""
    rows, confirmed = read_rows(os.path.join(outs.state, ROWS))
    by_name = {c["name"]: c for c in cases}
    last = last_started(outs.state) or ""
    if last.startswith("kernel ") and last[7:] in by_name \
            and last[7:] not in rows:
        r = dict(base_row(by_name[last[7:]]), ms=None, error=CRASHED)
        rows[r["name"]] = r
        outs.append(ROWS, json.dumps(r) + "\n")
        say(f"tiling_sweep: {r['name']} {CRASHED}: left out")
    elif last.startswith("confirm ") and last[8:] not in confirmed:
        r = {"phase": "confirm", "shape": last[8:], "error": CRASHED}
        confirmed[r["shape"]] = r
        outs.append(ROWS, json.dumps(r) + "\n")
    crashed = {sibling(by_name[n]): r["shape"] for n, r in rows.items()
               if n in by_name and (r.get("error") == CRASHED
                                    or r.get("context_lost"))}
    groups = order(cases)
    todo = sum(c["name"] not in rows for c in cases)
    say(f"tiling_sweep: {len(cases)} kernels, {len(groups)} shapes, "
        f"{todo} to measure (the kernels' predicted launches "
        f"{sum(c['predicted_s'] for c in cases if c['name'] not in rows) * (bench.reps + 1):.0f} s), "
        f"{deadline - now():.0f} s to the deadline")
    start, summary, done = now(), [], len(cases) - todo
    code = EXIT_DONE
    for shape, group in groups.items():
        pending = [c for c in group if c["name"] not in rows]
        if pending or shape not in confirmed:
            if now() > deadline:
                code = EXIT_DEADLINE
                break
            bench.prepare(group[0])
        for c in pending:
            if now() > deadline:
                code = EXIT_DEADLINE
                break
            if c.get("compile_error"):
                r = dict(base_row(c), ms=None,
                         error=f"not compiled: {c['compile_error'][:100]}")
            elif sibling(c) in crashed and not c["model_pick"]:
                r = dict(base_row(c), ms=None, error="left out: the same "
                         f"tiling took the process down at {crashed[sibling(c)]}")
            else:
                outs.append(PROGRESS, f"kernel {c['name']}\n")
                r = dict(base_row(c), **bench.measure(c))
            rows[c["name"]] = r
            done += 1
            outs.append(ROWS, json.dumps(r) + "\n")
            outs.append(LOG, f"[{done}/{len(cases)}] {c['name']}: " + (
                f"{r['ms']:.3f} ms, {tflops_of(r, r['ms']):.1f} TFLOP/s"
                if r.get("ms") else "-") + f", predicted "
                f"{r['predicted_s'] * 1e3:.3f} ms"
                + (f", {r['error']}" if r.get("error") else "") + "\n")
            if r.get("context_lost"):
                code = EXIT_CONTEXT
                break
        if code != EXIT_DONE:
            break
        shape_rows = [rows[c["name"]] for c in group]
        chosen = confirm_set(shape_rows, confirm) if confirm else []
        if shape not in confirmed and len(chosen) > 1 and now() < deadline:
            outs.append(PROGRESS, f"confirm {shape}\n")
            rec = dict({"phase": "confirm", "shape": shape},
                       **bench.confirm([by_name[r["name"]] for r in chosen],
                                       confirm_reps))
            confirmed[shape] = rec
            outs.append(ROWS, json.dumps(rec) + "\n")
            if rec.get("context_lost"):
                code = EXIT_CONTEXT
        v = shape_verdict(shape_rows, confirmed.get(shape))
        summary.append(v)
        log = io.StringIO()
        shape_table(shape_rows, v, log)
        outs.append(LOG, log.getvalue())
        outs.write_json(SUMMARY, {"card": bench.card, "summary": [
            dict(s, best=s.get("best", {}).get("name"),
                 pick=(s.get("pick") or {}).get("name")) for s in summary]})
        say(f"{shape}: {verdict_line(v)} [{now() - start:.0f} s, "
            f"{done}/{len(cases)} kernels]")
        if code != EXIT_DONE:
            break
    if code == EXIT_DEADLINE:
        say(f"tiling_sweep: the deadline passed; {done} of {len(cases)} "
            "kernels measured, a rerun goes on from here")
    elif code == EXIT_CONTEXT:
        say("tiling_sweep: the CUDA context is lost; a rerun goes on "
            "without the kernel")
    return code


class GpuBench:
    """The sweep's measurements on the GPU: per shape one set of inputs and
    torch SDPA's output; per kernel a checked warm-up launch, then the
    median of `reps` launches (CUDA events); a watchdog ends the process
    when a kernel hangs (the rerun leaves it out)."""

    def __init__(self, runtime, artifacts, reps):
        import torch
        sys.path[:0] = [os.path.join(ROOT, "bench", "benchmark"),
                        os.path.join(ROOT, "bench", "correctness")]
        from gpu_check import Runtime
        torch.zeros(1, device="cuda")
        self.torch, self.rt = torch, Runtime(runtime)
        self.rt.init(0)
        self.stream = torch.cuda.current_stream().cuda_stream
        self.art, self.reps = artifacts, reps
        self.card = torch.cuda.get_device_name()

    def prepare(self, c0):
        import torch.nn.functional as F
        from benchmark import inputs
        from gpu_check import tensors
        self.c0, self.stale = c0, False
        self.q, self.k, self.v, self.o = inputs(c0)
        self.ref = F.scaled_dot_product_attention(
            self.q, self.k, self.v, is_causal=c0["causal"],
            scale=c0["scale"]).float()
        # bf16: a few units in the last place of the largest output.
        self.tol = 0.01 + 0.03 * self.ref.abs().max().item()
        self.buffers = tensors([self.q, self.k, self.v, self.o])
        self.torch.cuda.synchronize()

    def launch(self, h):
        self.rt.launch(h, self.buffers, self.stream)

    def time(self, h, reps):
        """Milliseconds of each of `reps` launches, CUDA events around it.
        A spin of about half a millisecond goes first, so that the launch
        is queued before the start event completes: the events time the
        kernel, not the tens of microseconds Python and the driver take to
        launch it (at N = 1k a tenth of a kernel: it would bring every
        tiling's time closer to the best's)."""
        torch, times = self.torch, []
        for _ in range(reps):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            torch.cuda._sleep(SPIN_CYCLES)
            start.record()
            self.launch(h)
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        return times

    def context_ok(self):
        try:
            self.torch.cuda.synchronize()
            return self.torch.ones(1, device="cuda").add_(1).item() == 2
        except Exception:  # noqa: BLE001 - any CUDA error: the context is gone
            return False

    def watchdog(self, seconds):
        import faulthandler
        faulthandler.dump_traceback_later(seconds, exit=True)

    def measure(self, c):
        import faulthandler
        if self.stale:
            self.prepare(self.c0)
        self.watchdog(10 + 20 * c["predicted_s"] * (self.reps + 1))
        h = None
        try:
            h = self.rt.load(os.path.join(self.art, c["name"] + ".json"), True)
            self.o.fill_(float("nan"))
            self.launch(h)
            self.torch.cuda.synchronize()
            err = (self.o.float() - self.ref).abs().max().item()
            ms = statistics.median(self.time(h, self.reps))
            ok = err == err and err <= self.tol  # not NaN, bf16 tolerance
            # A wrong kernel may have written past its output: the next
            # one gets fresh inputs and a fresh reference.
            self.stale = not ok
            return {"ms": ms, "max_err": err, "error": None if ok else
                    f"wrong (max err {err:.3g}, tolerance {self.tol:.3g})"}
        except Exception as e:  # noqa: BLE001 - a load or launch refused
            return {"ms": None, "error": str(e)[:160],
                    "context_lost": not self.context_ok()}
        finally:
            faulthandler.cancel_dump_traceback_later()
            if h:
                self.rt.unload(h)

    def confirm(self, cases, reps):
        """{'ms': {name: median}} of `cases` timed in turns."""
        import faulthandler
        self.watchdog(10 + 20 * sum(c["predicted_s"] for c in cases) * reps)
        handles, times = [], {c["name"]: [] for c in cases}
        try:
            for c in cases:
                handles.append(self.rt.load(
                    os.path.join(self.art, c["name"] + ".json"), True))
            for _ in range(reps):
                for c, h in zip(cases, handles):
                    times[c["name"]] += self.time(h, 1)
            return {"ms": {n: statistics.median(t) for n, t in times.items()},
                    "reps": reps}
        except Exception as e:  # noqa: BLE001
            return {"error": str(e)[:160], "context_lost": not self.context_ok()}
        finally:
            faulthandler.cancel_dump_traceback_later()
            for h in handles:
                self.rt.unload(h)


def run(a):
    with open(os.path.join(a.artifacts, "cases.json")) as f:
        cases = [c for c in json.load(f)["cases"]
                 if a.only in c["name"] and c["name"] not in a.skip]
    bench = GpuBench(a.runtime, a.artifacts, a.reps)
    import torch
    print(f"tiling_sweep on {bench.card}, torch {torch.__version__}: median "
          f"of {a.reps} launches after a checked warm-up; the {a.confirm} "
          f"fastest and the pick again, {a.confirm_reps} launches in turns",
          flush=True)
    code = sweep(cases, bench, Outs(a.out, a.mirror),
                 a.deadline if a.deadline else float("inf"),
                 a.confirm, a.confirm_reps,
                 say=lambda s: print(s, flush=True))
    if code == EXIT_DONE:
        report_tables([a.out], sys.stdout)
    return code


# --- The docs' table -------------------------------------------------------

def rejudge(r, tolerance):
    """A row judged wrong again at `tolerance` (the largest error against
    SDPA's output the report accepts; None keeps the run's judgement)."""
    if tolerance is None or not (r.get("error") or "").startswith("wrong") \
            or r.get("max_err") is None or r["max_err"] > tolerance:
        return r
    return dict(r, error=None)


def rows_path(folder):
    """A pack's rows: the file given, or the folder's rows.jsonl, else its
    rows.jsonl.gz (docs/results keeps them compressed)."""
    if folder.endswith((".jsonl", ".jsonl.gz")):
        return folder
    path = os.path.join(folder, ROWS)
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        return path + ".gz"
    return path


def pack_verdicts(folder, tolerance=None):
    """Per shape, the verdict of one run (one pack's rows.jsonl) and the
    names of the kernels that ran."""
    rows, confirmed = read_rows(rows_path(folder))
    rows = {n: rejudge(r, tolerance) for n, r in rows.items()}
    shapes = {}
    for r in rows.values():
        shapes.setdefault(r["shape"], []).append(r)
    return {s: (shape_verdict(sorted(rs, key=lambda r: not r["model_pick"]),
                              confirmed.get(s)),
                {r["name"] for r in rs if good(r)})
            for s, rs in shapes.items()}


def merge(verdicts):
    """One shape's (verdict, kernels that ran) from several packs: the pick
    was timed against each pack's best in the same run, so the shape's
    ratio is the largest of them (the pack whose best beats the pick by
    the most)."""
    timed = [v for v, _ in verdicts if v.get("ratio")]
    if timed:
        v = max(timed, key=lambda v: v["ratio"])
    else:
        v = next((v for v, _ in verdicts if v.get("best")), verdicts[0][0])
    return dict(v, measured_all=len(set().union(*(n for _, n in verdicts))))


def docs_row(v):
    """docs/CostModel.md's row: D, N, causal, best, pick, ratio, verdict."""
    d = f"{v['d']}" + (f" (Dv {v['dv']})" if v["dv"] != v["d"] else "")
    n = f"{v['n'] // 1024}k" if v["n"] % 1024 == 0 else str(v["n"])
    best = (f"{tiling_label(v['best'])} ({tflops_of(v['best'], v['best_ms']):.0f})"
            if v.get("best") else "-")
    pick = (f"{tiling_label(v['pick'])} ({tflops_of(v['pick'], v['pick_ms']):.0f})"
            if v.get("pick_ms") else
            (f"{tiling_label(v['pick'])} (did not run)" if v.get("pick") else "-"))
    ratio = f"{v['ratio']:.3f}" if v.get("ratio") else "-"
    return (f"| {d} | {n} | {'yes' if v['causal'] else 'no'} | {best} | "
            f"{pick} | {ratio} | {v['verdict']} | {v['measured_all']} |")


def report_tables(folders, out, tolerance=None):
    """The docs' table of the runs in `folders` (one per pack), shapes by
    D, N, causal; then the count of shapes within 5%."""
    per_shape = {}
    for folder in folders:
        for s, v in pack_verdicts(folder, tolerance).items():
            per_shape.setdefault(s, []).append(v)
    merged = sorted((merge(vs) for vs in per_shape.values()),
                    key=lambda v: (v["d"], v["n"], v["causal"]))
    out.write("| D | N | causal | best tiling (TFLOP/s) | model's pick "
              "(TFLOP/s) | pick / best time | verdict | tilings measured |\n"
              "|---|---|---|---|---|---|---|---|\n")
    for v in merged:
        out.write(docs_row(v) + "\n")
    within = sum(v["verdict"] == "within 5%" for v in merged)
    out.write(f"\n{within} of {len(merged)} shapes: the model's pick within "
              f"{TOLERANCE:.0%} of the best measured tiling.\n")
    return merged


def report(a):
    """The table of the packs that ran (a pack the device's time did not
    reach is named on stderr)."""
    have = [f for f in a.folders if os.path.exists(rows_path(f))]
    for f in a.folders:
        if f not in have:
            print(f"tiling_sweep report: no {ROWS} in {f}", file=sys.stderr)
    if not have:
        return 1
    report_tables(have, sys.stdout, a.tolerance)
    return 0


def main(argv):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    for mode in ("stage", "count"):
        p = sub.add_parser(mode)
        if mode == "stage":
            p.add_argument("dest")
            p.add_argument("--tarball", action="store_true",
                           help="also pack DEST into DEST.tar.xz (one folder)")
        p.add_argument("--build", default=os.path.join(ROOT, "build"))
        p.add_argument("--jobs", type=int, default=2)
        p.add_argument("--d", type=int, nargs="+", default=[])
        p.add_argument("--n", type=int, nargs="+", default=[])
        p.add_argument("--kinds", nargs="+", default=list(KINDS),
                       choices=KINDS)
        # 2 stages by default: every stage count of every tiling is
        # 10,890 kernels, past what stages in 40 MB and compiles in an
        # hour here (docs/CostModel.md, "The tiling sweep").
        p.add_argument("--stages", type=int, nargs="+", default=[2])
        p.add_argument("--block-kv", type=int, nargs="+",
                       default=list(BLOCK_KV))
    p = sub.add_parser("refresh", help="copy the device-side scripts, the "
                       "runtime and the package into a staged DEST again")
    p.add_argument("dest")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--tarball", action="store_true",
                   help="also pack DEST into DEST.tar.xz again")
    p = sub.add_parser("run")
    p.add_argument("--runtime", required=True)
    p.add_argument("--artifacts", default="artifacts")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--confirm", type=int, default=CONFIRM,
                   help="time the shape's this many fastest kernels and the "
                   "pick again (0: no confirmation)")
    p.add_argument("--confirm-reps", type=int, default=CONFIRM_REPS)
    p.add_argument("--only", default="",
                   help="the kernels whose name holds this")
    p.add_argument("--skip", nargs="+", default=[],
                   help="kernels to leave out (by name)")
    p.add_argument("--out", required=True,
                   help="the folder of the rows, the log, the verdicts and "
                   "the progress: the state a rerun resumes from")
    p.add_argument("--mirror", nargs="*", default=[],
                   help="folders that get a copy of the rows and the log "
                   "as they are written")
    p.add_argument("--deadline", type=float, default=0,
                   help="a Unix time: start no kernel after it (exit 2)")
    p = sub.add_parser("report", help="the docs' table from runs' folders")
    p.add_argument("folders", nargs="+",
                   help="a run's --out folder (or its rows.jsonl) per pack")
    p.add_argument("--tolerance", type=float, default=None,
                   help="accept a kernel the run judged wrong if its largest "
                   "error against SDPA's output is at most this")
    a = ap.parse_args(argv)
    if a.mode == "stage":
        stage(a)
    elif a.mode == "count":
        count(a)
    elif a.mode == "refresh":
        copy_device_files(a.build, a.dest)
        if a.tarball:
            pack(a.dest)
    elif a.mode == "report":
        return report(a)
    else:
        return run(a)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
