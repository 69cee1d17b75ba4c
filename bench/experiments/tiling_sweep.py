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
  it picks itself (kernel=auto). It compiles every accepted tiling with
  fa-compile (cubins for sm_90a) into DEST/artifacts, writes
  DEST/artifacts/cases.json and copies the runtime, the Python binding and
  this script.
* `run` (the GPU machine, from DEST): one process; per shape, one set of
  inputs; every kernel is loaded, launched once (warm-up; its output is
  checked against torch SDPA's), timed over a few launches with CUDA
  events (the median), and unloaded. Prints a table per shape (measured
  TFLOP/s, predicted time, the model's pick marked) and a verdict: the
  pick's time within 5% of the best.

    python3 bench/experiments/tiling_sweep.py stage .stage-sweep \\
        [--build build] [--jobs 2] [--d 64 128] [--n 4096] [--kinds wgmma]
        [--stages 1 2 3 4] [--block-kv 16 32 ...]
    python3 bench/experiments/tiling_sweep.py count [same filters]
    cd .stage-sweep && bash sweep_run.sh      # on the GPU machine
    (a kernel that takes the CUDA context down ends the process; rerun
    sweep_run.sh: it resumes after the last whole shape, and
    $OUT/progress.txt names the kernel to leave out with --skip)
"""

import argparse
import concurrent.futures
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


PICK = re.compile(r"fa.attention .*?\{(?:.*?schedule = #fa.schedule<kernel = "
                  r"(\w+).*?)?tiling = #fa.tiling<block_q = (\d+), block_kv = "
                  r"(\d+), stages = (\d+), warps = (\d+)>")


def model_pick(build, c):
    """(kind, tiling) that fa-to-ptx-pipeline's default (kernel=auto) picks."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(mlir_function(c, "attention"))
    try:
        out = sh([f"{build}/bin/fa-opt", f.name,
                  f"--fa-set-target=target={TARGET}",
                  "--fa-select-tiling=kernel=auto"]).stdout
    finally:
        os.unlink(f.name)
    m = PICK.search(out)
    kind = {"mma_sync": "mma-sync", "wgmma": "wgmma"}[m.group(1)]
    return kind, tuple(int(m.group(i)) for i in range(2, 6))


def case_name(c, kind, t):
    return f"sweep_{c['name']}_{kind}_t{t[0]}x{t[1]}s{t[2]}w{t[3]}"


def plan(a):
    """The sweep's cases: per shape, every tiling each kind accepts among
    the candidates at `a.stages`, and the model's pick's block shape at
    every stage count; with the prediction of each, the pick marked."""
    cases = []
    for d, dv in HEAD_DIMS:
        if a.d and d not in a.d:
            continue
        for n in SEQ_LENS:
            if a.n and n not in a.n:
                continue
            for causal in (False, True):
                c = problem(d, dv, n, causal)
                pick_kind, pick = model_pick(a.build, c)
                for kind in a.kinds:
                    tilings = candidates(kind, a.block_kv, a.stages)
                    if kind == pick_kind:
                        tilings += [(pick[0], pick[1], s, pick[3])
                                    for s in STAGES
                                    if (pick[0], pick[1], s, pick[3])
                                    not in tilings]
                    kept = accepted(a.build, c, kind, tilings)
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
    for sub in ("runtime",):
        shutil.rmtree(os.path.join(a.dest, sub), ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(a.dest, sub))
    for folder, files in (("bench/correctness", ["gpu_check.py"]),
                          ("bench/benchmark", ["benchmark.py"]),
                          ("bench/experiments", ["tiling_sweep.py"])):
        os.makedirs(os.path.join(a.dest, folder), exist_ok=True)
        for name in files:
            shutil.copy(os.path.join(ROOT, folder, name),
                        os.path.join(a.dest, folder, name))
    py = os.path.join(a.dest, "python", "flashattn_mlir")
    shutil.rmtree(py, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "python", "flashattn_mlir"), py,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(HERE, "sweep_run.sh"),
                os.path.join(a.dest, "sweep_run.sh"))
    # One archive: the cubins of neighbouring tilings share most of their
    # bytes, so xz over all of them is about a seventh of the files.
    tarball = os.path.join(a.dest, "artifacts.tar.xz")
    subprocess.run(["tar", "-cJf", tarball, "-C", art, "."], check=True,
                   env=dict(os.environ, XZ_OPT="-6 -T0"))
    shutil.rmtree(art)
    bad = sum(1 for e in errors if e)
    print(f"tiling_sweep: {len(cases) - bad} kernels in {tarball} "
          f"({os.path.getsize(tarball) / 1e6:.1f} MB), {bad} did not compile")


def count(a):
    cases = plan(a)
    by = {}
    for c in cases:
        key = (c["d"], c["kind"])
        by.setdefault(key, set()).add(tuple(c["tiling"]))
    for (d, kind), ts in sorted(by.items()):
        print(f"D={d} {kind}: {len(ts)} tilings")
    print(f"{len(cases)} kernels over {len({c['shape'] for c in cases})} shapes")


# --- The GPU side ----------------------------------------------------------

def time_kernel(fn, reps):
    """Milliseconds of `fn`'s launches, CUDA events around each, median."""
    import torch
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def run_shape(rt, art, cases, reps, stream, progress):
    import torch
    sys.path[:0] = [os.path.join(ROOT, "bench", "benchmark"),
                    os.path.join(ROOT, "bench", "correctness")]
    from benchmark import inputs
    from gpu_check import tensors
    import torch.nn.functional as F
    c0 = cases[0]
    q, k, v, o = inputs(c0)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=c0["causal"],
                                         scale=c0["scale"])
    buffers = tensors([q, k, v, o])
    rows = []
    for c in cases:
        row = {"name": c["name"], "kind": c["kind"], "tiling": c["tiling"],
               "predicted_s": c["predicted_s"], "model_pick": c["model_pick"]}
        if c.get("compile_error"):
            rows.append(dict(row, ms=None, error="not compiled"))
            continue
        if progress:
            # The kernel under way, should one take the CUDA context down.
            progress.write(c["name"] + "\n")
            progress.flush()
        try:
            h = rt.load(os.path.join(art, c["name"] + ".json"), True)
        except (RuntimeError, ValueError) as e:
            rows.append(dict(row, ms=None, error=str(e)[:80]))
            continue
        try:
            o.fill_(float("nan"))
            rt.launch(h, buffers, stream)
            torch.cuda.synchronize()
            err = (o.float() - ref.float()).abs().max().item()
            ms = time_kernel(lambda: rt.launch(h, buffers, stream), reps)
            ok = err == err and err < 0.05  # not NaN, bf16 tolerance
            rows.append(dict(row, ms=ms, max_err=err,
                             error=None if ok else f"wrong (max err {err:.3g})"))
        except (RuntimeError, ValueError) as e:  # a launch the driver refused
            rows.append(dict(row, ms=None, error=str(e)[:80]))
        finally:
            rt.unload(h)
    return rows


def report(c0, rows, out):
    """One shape's table, fastest first, and its verdict line."""
    from benchmark import tflops
    good = sorted((r for r in rows if r["ms"] is not None and not r["error"]),
                  key=lambda r: r["ms"])
    pick = next((r for r in rows if r["model_pick"]), None)
    out.write(f"\n{c0['shape']} (B={c0['b']} H={c0['hq']}):\n")
    out.write("| rank | kernel | tiling | TFLOP/s | ms | predicted ms | |\n"
              "|---|---|---|---|---|---|---|\n")
    for i, r in enumerate(good):
        if i >= 10 and not r["model_pick"]:
            continue
        t = r["tiling"]
        out.write(f"| {i + 1} | {r['kind']} | {t[0]}x{t[1]} s{t[2]} w{t[3]} | "
                  f"{tflops(c0, r['ms']):.1f} | {r['ms']:.3f} | "
                  f"{r['predicted_s'] * 1e3:.3f} | "
                  f"{'model pick' if r['model_pick'] else ''} |\n")
    for r in rows:
        if r["error"]:
            out.write(f"  {r['name']}: {r['error']}\n")
    if not good:
        return {"shape": c0["shape"], "verdict": "no kernel ran"}
    best = good[0]
    if pick is None or pick["ms"] is None or pick["error"]:
        verdict = "the pick did not run"
        ratio = None
    else:
        ratio = pick["ms"] / best["ms"]
        verdict = "within 5%" if ratio <= 1 + TOLERANCE else "MISS"
    out.write(f"  verdict: {verdict}"
              + (f" (pick {ratio:.3f}x the best's time, {len(good)} "
                 "tilings measured)" if ratio else "") + "\n")
    return {"shape": c0["shape"], "verdict": verdict, "ratio": ratio,
            "best": best["name"], "best_ms": best["ms"],
            "pick": pick["name"] if pick else None,
            "pick_ms": pick["ms"] if pick else None, "measured": len(good)}


def run(a):
    import torch
    sys.path[:0] = [os.path.join(ROOT, "bench", "benchmark"),
                    os.path.join(ROOT, "bench", "correctness")]
    from gpu_check import Runtime
    torch.zeros(1, device="cuda")
    rt = Runtime(a.runtime)
    rt.init(0)
    stream = torch.cuda.current_stream().cuda_stream
    with open(os.path.join(a.artifacts, "cases.json")) as f:
        cases = [c for c in json.load(f)["cases"]
                 if a.only in c["name"] and c["name"] not in a.skip]
    groups = {}
    for c in cases:
        groups.setdefault(c["shape"], []).append(c)
    print(f"tiling_sweep on {torch.cuda.get_device_name()}, torch "
          f"{torch.__version__}: {len(cases)} kernels, {len(groups)} shapes, "
          f"median of {a.reps} launches after one warm-up", flush=True)
    summary, rows_out = [], []
    if a.resume and a.json and os.path.exists(a.json):
        with open(a.json) as f:
            done = json.load(f)
        summary, rows_out = done["summary"], done["rows"]
        print(f"resuming after {len(summary)} shapes of {a.json}")
    progress = open(a.progress, "a") if a.progress else None
    start = time.time()
    for shape, group in groups.items():
        if any(s["shape"] == shape for s in summary):
            continue
        rows = run_shape(rt, a.artifacts, group, a.reps, stream, progress)
        summary.append(report(group[0], rows, sys.stdout))
        rows_out += [dict(r, shape=shape) for r in rows]
        sys.stdout.flush()
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"card": torch.cuda.get_device_name(),
                           "summary": summary, "rows": rows_out}, f, indent=0)
    print("\n| shape | best | pick | pick / best | verdict |\n|---|---|---|---|---|")
    for s in summary:
        ratio = f"{s['ratio']:.3f}" if s.get("ratio") else "-"
        print(f"| {s['shape']} | {s.get('best', '-')} | {s.get('pick', '-')} | "
              f"{ratio} | {s['verdict']} |")
    misses = sum(s["verdict"] != "within 5%" for s in summary)
    print(f"\n{len(summary) - misses} of {len(summary)} shapes: the model's "
          f"pick within {TOLERANCE:.0%} of the best measured tiling "
          f"({time.time() - start:.0f} s)")
    return 0


def main(argv):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    for mode in ("stage", "count"):
        p = sub.add_parser(mode)
        if mode == "stage":
            p.add_argument("dest")
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
    p = sub.add_parser("run")
    p.add_argument("--runtime", required=True)
    p.add_argument("--artifacts", default="artifacts")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--only", default="",
                   help="the kernels whose name holds this")
    p.add_argument("--skip", nargs="+", default=[],
                   help="kernels to leave out (by name)")
    p.add_argument("--json", default="",
                   help="the rows and verdicts, written after every shape")
    p.add_argument("--resume", action="store_true",
                   help="skip the shapes --json already holds")
    p.add_argument("--progress", default="",
                   help="append each kernel's name before it runs")
    a = ap.parse_args(argv)
    if a.mode == "stage":
        stage(a)
    elif a.mode == "count":
        count(a)
    else:
        return run(a)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
