#!/usr/bin/env python3
"""Property test: random valid fa.attention configurations through fa-opt.

Every configuration (shapes with N = 1 and non-multiples of any block, f16 /
bf16 / f32, causal, bias and i1 masks with broadcast dimensions, GQA and MQA,
dynamic dimensions, a logsumexp result, explicit scales, every known target,
shared-memory budgets from 16 KiB to 256 KiB, explicit tilings including ones
that cannot fit) is compiled through each stage chain this fa-opt has (probed
from `fa-opt --help`, so stages that land later are picked up). Each run must
either succeed or stop with an `error:` that names the reason; a signal, an
assertion, a sanitizer report, "PLEASE submit a bug report", a non-zero exit
without an error, or a hang is a failure. Successes and rejections are also
checked against an independent recomputation:

* a tiling that fa-select-tiling chose or kept fits the target's shared
  memory (the documented formula: the Q tile plus `stages` K and V tiles,
  each rounded up to 128 bytes), and an explicit tiling is kept unchanged;
* a rejection for shared memory quotes the bytes this script computes, and
  they exceed the budget;
* after fa-decompose-attention (and fa-tile-attention) no fa.attention is
  left;
* on every n-th configuration (--gpu-every), the GPU chain: the tiled front
  end (fa-tile-attention, bufferization, convert-fa-to-gpu), whose launch must
  ask for no more shared memory than the target allows (counted apart, as a
  known issue of docs/GPU.md, when it does), then fa-compile's GPU tail to
  PTX, which runs ptxas where /usr/local/cuda/bin/ptxas exists.

Prints how many configurations ran and, per stage chain, how many succeeded
or were rejected, by reason. Exits 1 on any failure. docs/Reliability.md.
"""

import argparse
import concurrent.futures
import math
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

CRASH_MARKERS = (
    "PLEASE submit a bug report", "Stack dump", "Assertion", "assertion",
    "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
    "runtime error:", "LLVM ERROR", "UNREACHABLE", "Segmentation fault",
)
DTYPE_BYTES = {"f16": 2, "bf16": 2, "f32": 4}
TILING_RE = re.compile(r"#fa\.tiling<block_q = (\d+), block_kv = (\d+), "
                       r"stages = (\d+), warps = (\d+)>")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=0,
                   help="stop starting new configurations after this many "
                        "seconds (0: no limit)")
    p.add_argument("--fa-opt", default=shutil.which("fa-opt") or "fa-opt",
                   help="the fa-opt command (split like a shell would)")
    p.add_argument("--fa-compile", default=shutil.which("fa-compile") or "",
                   help="fa-compile for the GPU tail ('' to skip)")
    p.add_argument("--ptxas", default=shutil.which("ptxas")
                   or "/usr/local/cuda/bin/ptxas")
    p.add_argument("--gpu-every", type=int, default=4,
                   help="run the GPU chain (the slowest) on every n-th "
                        "configuration")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds one fa-opt run may take before it counts "
                        "as a hang")
    p.add_argument("--verbose", action="store_true",
                   help="print every configuration and its outcome")
    p.add_argument("--keep", help="write every failing input to this folder")
    args = p.parse_args(argv)
    args.fa_opt = shlex.split(args.fa_opt)
    return args


# --- Probing fa-opt ---------------------------------------------------------

def probe(fa_opt):
    """The passes and pipelines fa-opt registers, and its known targets."""
    out = subprocess.run(fa_opt + ["--help"], capture_output=True, text=True,
                         check=True).stdout
    passes = set(re.findall(r"^\s+--([a-z0-9-]+)\s", out, re.MULTILINE))
    # The unknown-target diagnostic lists the table.
    err = subprocess.run(fa_opt + ["--fa-set-target=target=?", "-"],
                         input="module {}", capture_output=True,
                         text=True).stderr
    m = re.search(r"known targets: ([a-z0-9_, ]+)", err)
    targets = [t.strip() for t in m.group(1).split(",")] if m else ["h100"]
    return passes, targets


# --- Configurations ---------------------------------------------------------

def pick(rng, choices, weights=None):
    return rng.choices(choices, weights)[0]


def random_config(rng, targets):
    c = {}
    c["dtype"] = pick(rng, ["f16", "bf16", "f32"])
    c["b"] = pick(rng, [1, 2, 3, 8])
    c["hkv"] = pick(rng, [1, 2, 4, 8])
    c["group"] = pick(rng, [1, 1, 2, 3, 4, 8])
    c["hq"] = c["hkv"] * c["group"]
    seq = [1, 2, 7, 16, 63, 100, 128, 129, 1000, 2048, 4097, 16384]
    c["nq"] = pick(rng, seq)
    c["nk"] = c["nq"] if rng.random() < 0.4 else pick(rng, seq)
    c["d"] = pick(rng, [8, 16, 32, 40, 64, 80, 96, 128, 160, 256, 512])
    c["dv"] = c["d"] if rng.random() < 0.8 else pick(rng, [16, 64, 96, 128])
    c["dynamic"] = sorted(rng.sample(["b", "nq", "nk"], rng.randint(0, 3))) \
        if rng.random() < 0.25 else []
    c["causal"] = rng.random() < 0.4
    c["mask"] = pick(rng, [None, "bias", "i1"], [0.6, 0.2, 0.2])
    if c["mask"]:
        c["mask_type"] = "i1" if c["mask"] == "i1" else pick(
            rng, [c["dtype"], "f32", "f16", "bf16"])
        # Each dimension full or broadcast (1).
        c["mask_bcast"] = [rng.random() < 0.5 for _ in range(4)]
    c["lse"] = rng.random() < 0.3
    c["scale"] = pick(rng, [None, 0.125, 1.0, 3.5e-3, 30.0],
                      [0.6, 0.1, 0.1, 0.1, 0.1])
    c["target"] = pick(rng, targets)
    # Budgets from 16 KiB to 256 KiB, log-uniform; sometimes the table's.
    c["sram"] = None if rng.random() < 0.25 else int(
        2 ** rng.uniform(14, 18)) // 16 * 16
    c["mode"] = pick(rng, ["model", "paper"], [0.8, 0.2])
    c["kernel"] = pick(rng, ["simt", "tensor-core"], [0.6, 0.4])
    c["gpu"] = False  # set by main: every --gpu-every-th configuration
    if rng.random() < 0.3:
        # Explicit tilings, plausible and absurd (a later pass must reject
        # what does not fit, never crash on it).
        c["tiling"] = (pick(rng, [16, 32, 64, 128, 192, 256, 24, 1, 4096]),
                       pick(rng, [16, 32, 64, 80, 128, 256, 8, 3, 8192]),
                       pick(rng, [1, 2, 3, 4, 8]),
                       pick(rng, [1, 2, 4, 8, 16, 32]))
    else:
        c["tiling"] = None
    return c


def describe(c):
    parts = [c["dtype"], f"B={c['b']}", f"Hq={c['hq']}", f"Hkv={c['hkv']}",
             f"Nq={c['nq']}", f"Nk={c['nk']}", f"D={c['d']}", f"Dv={c['dv']}",
             f"target={c['target']}", f"sram={c['sram']}", c["mode"],
             c["kernel"]]
    if c["dynamic"]:
        parts.append("dyn=" + ",".join(c["dynamic"]))
    if c["causal"]:
        parts.append("causal")
    if c["mask"]:
        parts.append(f"mask={c['mask_type']}{mask_shape(c)}")
    if c["lse"]:
        parts.append("lse")
    if c["scale"]:
        parts.append(f"scale={c['scale']}")
    if c["tiling"]:
        parts.append("tiling=" + ",".join(map(str, c["tiling"])))
    return " ".join(parts)


def mask_shape(c):
    full = [c["b"], c["hq"], c["nq"], c["nk"]]
    return [1 if bc else s for s, bc in zip(full, c["mask_bcast"])]


def emitted_mask_shape(c):
    """The mask's type as emitted: broadcast dimensions are a static 1."""
    dyn = set(c["dynamic"])
    full = ["?" if "b" in dyn else c["b"], c["hq"],
            "?" if "nq" in dyn else c["nq"], "?" if "nk" in dyn else c["nk"]]
    return [1 if bc else s for s, bc in zip(full, c["mask_bcast"])]


def ttype(dims, elt):
    return "tensor<" + "x".join(str(d) for d in dims) + "x" + elt + ">"


def emit(c):
    """An MLIR module with one function holding one fa.attention."""
    dyn = set(c["dynamic"])
    b = "?" if "b" in dyn else c["b"]
    nq = "?" if "nq" in dyn else c["nq"]
    nk = "?" if "nk" in dyn else c["nk"]
    e = c["dtype"]
    tq = ttype([b, c["hq"], nq, c["d"]], e)
    tk = ttype([b, c["hkv"], nk, c["d"]], e)
    tv = ttype([b, c["hkv"], nk, c["dv"]], e)
    to = ttype([b, c["hq"], nq, c["dv"]], e)
    args = [f"%q: {tq}", f"%k: {tk}", f"%v: {tv}"]
    mask = ""
    if c["mask"]:
        tm = ttype(emitted_mask_shape(c), c["mask_type"])
        args.append(f"%m: {tm}")
        mask = f" mask(%m : {tm})"
    args.append(f"%o: {to}")
    outs, types = ["%o"], [to]
    if c["lse"]:
        tl = ttype([b, c["hq"], nq], "f32")
        args.append(f"%l: {tl}")
        outs.append("%l")
        types.append(tl)
    attrs = []
    if c["causal"]:
        attrs.append("causal")
    if c["scale"]:
        attrs.append(f"scale = {c['scale']!r} : f32")
    if c["tiling"]:
        bq, bkv, st, w = c["tiling"]
        attrs.append(f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
                     f"stages = {st}, warps = {w}>")
    attr = " {" + ", ".join(attrs) + "}" if attrs else ""
    res = "%r:2" if c["lse"] else "%r"
    rets = "%r#0, %r#1" if c["lse"] else "%r"
    return (
        f"func.func @attention({', '.join(args)}) -> ({', '.join(types)}) {{\n"
        f"  {res} = fa.attention ins(%q, %k, %v : {tq}, {tk}, {tv}){mask}\n"
        f"      outs({', '.join(outs)} : {', '.join(types)}){attr}\n"
        f"      -> {', '.join(types)}\n"
        f"  return {rets} : {', '.join(types)}\n"
        f"}}\n")


# --- Independent checks -----------------------------------------------------

def align(x, a=128):
    return (x + a - 1) // a * a


def sram_bytes(c, tiling, kernel):
    """Shared memory of one block, as docs/FA/FAPasses.md states it for
    fa-check-sram-budget's `kernel` (every buffer padded to 128 bytes)."""
    bq, bkv, stages, _ = tiling
    e = DTYPE_BYTES[c["dtype"]]
    q, k, v = (align(bq * c["d"] * e), align(bkv * c["d"] * e),
               align(bkv * c["dv"] * e))
    if kernel == "tensor-core":
        # The Q tile plus `stages` K and V tiles.
        return q + stages * (k + v)
    # simt: Q, K, V, the mask tile, the f32 score tile and accumulator and
    # four f32 row vectors; one stage. A mask dimension of static size 1
    # stays 1 in the tile.
    mask = 0
    if c["mask"]:
        shape = emitted_mask_shape(c)  # "?" where dynamic
        rows = 1 if shape[2] == 1 else bq
        cols = 1 if shape[3] == 1 else bkv
        mbytes = 1 if c["mask_type"] == "i1" else DTYPE_BYTES[c["mask_type"]]
        mask = align(rows * cols * mbytes)
    return (q + k + v + mask + align(bq * bkv * 4) + align(bq * c["dv"] * 4)
            + 4 * align(bq * 4))


def target_budget(text):
    m = re.search(r"sram_per_block = (\d+)", text)
    return int(m.group(1)) if m else None


# --- Running ----------------------------------------------------------------

def target_option(c):
    opt = f"target={c['target']}"
    if c["sram"]:
        opt += f" sram-per-block={c['sram']}"
    return opt


def chains(c, passes):
    """Stage chains for `c`: (name, fa-opt arguments, check kind)."""
    def select(kernel):
        opts = ["mode=paper"] if c["mode"] == "paper" else []
        if kernel != "simt":
            opts.append(f"kernel={kernel}")
        return "--fa-select-tiling" + ("=" + " ".join(opts) if opts else "")
    check = "--fa-check-sram-budget" + (
        "" if c["kernel"] == "simt" else f"=kernel={c['kernel']}")
    target = f"--fa-set-target={target_option(c)}"
    front = [target, select(c["kernel"]), check]
    result = [("tiling", front, "tiling")]
    if c["tiling"]:
        # The budget check on its own, on the explicit tiling.
        result.append(("budget", [target, check], "budget"))
    if "fa-tile-attention" in passes:
        result.append(("tile", front + ["--fa-tile-attention"], "lowered"))
    result.append(("decompose", ["--fa-decompose-attention"], "lowered"))
    if c["gpu"] and {"fa-tile-attention", "convert-fa-to-gpu"} <= passes:
        # The FlashAttention front end as scripts/gpu-artifacts.sh spells it
        # out, then fa-compile's GPU tail (and ptxas, where it exists).
        # convert-fa-to-gpu emits the SIMT kernel: tile for it.
        result.append(("gpu", [
            [target, select("simt"), "--fa-tile-attention"],
            ["--one-shot-bufferize=bufferize-function-boundaries "
             "function-boundary-type-conversion=identity-layout-map",
             "--canonicalize"],
            ["--convert-fa-to-gpu", "--canonicalize", "--cse"],
        ], "gpu"))
    return result


def classify(proc):
    """('ok'|'rejected'|'CRASH', detail)."""
    err = proc.stderr
    for marker in CRASH_MARKERS:
        if marker in err:
            return "CRASH", marker
    if proc.returncode < 0 or proc.returncode > 1:
        return "CRASH", f"exit status {proc.returncode}"
    errors = [l for l in err.splitlines() if "error:" in l]
    if proc.returncode == 1:
        if not errors:
            return "CRASH", "failed without an error: diagnostic"
        return "rejected", errors[0].split("error:", 1)[1].strip()
    if errors:
        return "CRASH", "succeeded but printed an error: " + errors[0]
    return "ok", ""


def normalize(reason):
    """A rejection reason with the numbers taken out, to count by kind."""
    reason = re.sub(r"#fa\.tiling<[^>]*>", "#fa.tiling<..>", reason)
    reason = re.sub(r"sm_\w+", "sm_N", reason)
    reason = re.sub(r"\d+", "N", reason)
    return reason[:110]


def check_success(c, kind, text, ptxas):
    """Independent checks of a successful run; returns a problem or None."""
    if kind == "tiling":
        budget = target_budget(text)
        m = TILING_RE.search(text)
        if budget is None or not m:
            return "no #fa.target or #fa.tiling in the output"
        got = tuple(int(x) for x in m.groups())
        if c["tiling"] and got != tuple(c["tiling"]):
            return f"explicit tiling {c['tiling']} was replaced by {got}"
        if c["sram"] and budget != c["sram"]:
            return f"sram_per_block {budget} != requested {c['sram']}"
        used = sram_bytes(c, got, c["kernel"])
        if used > budget:
            return f"tiling {got} needs {used} B of shared memory > {budget}"
    elif kind == "budget":
        budget = target_budget(text)
        used = sram_bytes(c, c["tiling"], c["kernel"])
        if budget is None or used > budget:
            return f"tiling {c['tiling']} needs {used} B > {budget} B but passed"
    elif kind == "lowered":
        if "fa.attention" in text:
            return "fa.attention left after lowering"
    return None


def check_rejection(c, reason, kernel):
    """A shared-memory rejection must quote our byte count and exceed it."""
    m = (re.search(r"needs (\d+) bytes of shared memory per block but the "
                   r"target \(\w+\) allows (\d+)", reason)
         or re.search(r"shared memory (\d+) B exceeds (\d+) B per block",
                      reason))
    if not m or not c["tiling"]:
        return None
    used, budget = int(m.group(1)), int(m.group(2))
    expect = sram_bytes(c, c["tiling"], kernel)
    if used != expect or used <= budget:
        return (f"shared-memory rejection says {used} B > {budget} B; "
                f"expected {expect} B")
    return None


def run_chain(cmds, text, args):
    """Pipes `text` through fa-opt once per element of `cmds`; returns the
    last process (or the first that failed) and its command."""
    for opts in cmds:
        cmd = args.fa_opt + ["-"] + opts
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True,
                              timeout=args.timeout)
        if proc.returncode != 0 or classify(proc)[0] != "ok":
            break
        text = proc.stdout
    return proc, cmd


def run_fa_compile(text, args):
    """fa-compile's GPU tail on the gpu.launch IR `text`."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(text)
        ptxas = args.ptxas if args.ptxas and os.path.exists(args.ptxas) \
            else "none"
        cmd = [args.fa_compile, src, "-o", os.path.join(tmp, "k"),
               "--pipeline-options=target=", f"--ptxas={ptxas}"]
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=args.timeout), cmd


def launch_smem(text):
    """Dynamic shared memory of each gpu.launch (constants after CSE)."""
    consts = dict(re.findall(r"(%[\w]+) = arith\.constant (\d+) : i32", text))
    return [int(consts.get(v, -1)) for v in
            re.findall(r"dynamic_shared_memory_size (%[\w]+)", text)]


def run_config(index, c, passes, args):
    text = emit(c)
    results = []
    for name, opts, kind in chains(c, passes):
        cmds = opts if kind == "gpu" else [opts]
        try:
            proc, cmd = run_chain(cmds, text, args)
            if kind == "gpu" and classify(proc)[0] == "ok":
                budget = target_budget(proc.stdout)
                used = launch_smem(proc.stdout)
                if budget and any(u > budget for u in used):
                    # docs/GPU.md: the conversion allocates more than the
                    # model counts. Counted apart; fa-compile rejects it.
                    results.append((name, "over-budget",
                                    f"launch {max(used)} B > {budget} B", cmd))
                    continue
                if args.fa_compile:
                    proc, cmd = run_fa_compile(proc.stdout, args)
        except subprocess.TimeoutExpired:
            results.append((name, "CRASH", f"hang (> {args.timeout} s)",
                            cmds))
            continue
        status, detail = classify(proc)
        if status == "ok":
            problem = check_success(c, kind, proc.stdout, args.ptxas)
            if problem:
                status, detail = "CRASH", "wrong result: " + problem
        elif status == "rejected":
            problem = check_rejection(
                c, detail, "simt" if kind == "gpu" else c["kernel"])
            if problem:
                status, detail = "CRASH", "wrong rejection: " + problem
        if status == "CRASH" and proc.stderr:
            detail += "\n" + "\n".join(proc.stderr.splitlines()[-15:])
        results.append((name, status, detail, cmd))
    return index, c, text, results


def main(argv):
    args = parse_args(argv)
    passes, targets = probe(args.fa_opt)
    rng = random.Random(args.seed)
    configs = [random_config(rng, targets) for _ in range(args.count)]
    for i, c in enumerate(configs):
        c["gpu"] = args.gpu_every > 0 and i % args.gpu_every == 0
    start = time.monotonic()
    ran = 0
    per_chain = {}
    reasons = {}
    failures = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        pending = set()
        it = iter(enumerate(configs))
        while True:
            timed_out = (args.time_limit and
                         time.monotonic() - start > args.time_limit)
            while len(pending) < 2 * args.jobs and not timed_out:
                nxt = next(it, None)
                if nxt is None:
                    break
                pending.add(pool.submit(run_config, nxt[0], nxt[1], passes,
                                        args))
            if not pending:
                break
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                index, c, text, results = fut.result()
                ran += 1
                for name, status, detail, cmd in results:
                    per_chain.setdefault(name, Counter())[status] += 1
                    if status == "rejected":
                        reasons.setdefault(name, Counter())[
                            normalize(detail)] += 1
                    if status == "CRASH":
                        failures.append((index, c, text, name, detail, cmd))
                    if args.verbose:
                        print(f"[{index}] {name}: {status} {detail.splitlines()[0] if detail else ''}"
                              f"  ({describe(c)})")

    elapsed = time.monotonic() - start
    print(f"property: seed {args.seed}, {ran} of {args.count} configurations "
          f"ran in {elapsed:.1f} s; targets {', '.join(targets)}")
    order = ["tiling", "budget", "tile", "decompose", "gpu"]
    print("property: stage chains: " + ", ".join(
        n for n in order if n in per_chain))
    for name in sorted(per_chain, key=order.index):
        counts = per_chain[name]
        print(f"chain {name}: ok {counts['ok']}, rejected "
              f"{counts['rejected']}, failures {counts['CRASH']}"
              + (f", launch over the shared-memory budget "
                 f"{counts['over-budget']} (known: docs/GPU.md)"
                 if counts['over-budget'] else ""))
        for reason, n in reasons.get(name, Counter()).most_common():
            print(f"  {n:4d} rejected: {reason}")
    for index, c, text, name, detail, cmd in sorted(
            failures, key=lambda f: f[0]):
        first, _, rest = detail.partition("\n")
        print(f"FAILURE config {index} chain {name}: {first}")
        print(f"  config: {describe(c)}")
        print(f"  command: {shlex.join(cmd)}")
        if rest:
            print("  " + rest.replace("\n", "\n  "))
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            with open(os.path.join(args.keep, f"config{index}.mlir"), "w") as f:
                f.write(f"// {describe(c)}\n// {' '.join(cmd)}\n{text}")
    print(f"property: failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
