#!/usr/bin/env python3
"""Session 17's attack on what session 16 added (issue 27, docs/Reliability.md):
the persistent wgmma backward (D114: `#fa.backward_schedule`'s `persistent`,
the `backward-persistent` option, a grid of min(tiles, SMs)), ordered dQ's
turn passed after the score products (D115: `dq_pass`, `dq-pass`), the
forward's producer kernel at D = 256 on 128x80 built spilling (D116), and
D118's `min_blocks` (the mma.sync kernel's resident blocks, .minnctapersm).

    PATH=/usr/local/cuda/bin:$PATH python3 campaign.py --bin build/bin [--only S]

The case machinery (fa-opt / fa-compile runs, outcome classes, module
builders) is session 14's campaign.py, imported: see its docstring.
Outcomes: ok, error (exit 1 with a non-empty `error:`), CRASH, HANG,
SILENT (exit 0 where an error was due, or the case's check fails),
UNEXPECTED-ERROR (an error where success was due). Writes cases.tsv.
"""

import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, folder):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(HERE, "..", folder, "campaign.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


s14 = load("s14", "2026-12-06-adversary-session14")
grad, fwd, case, sched, both = s14.grad, s14.fwd, s14.case, s14.sched, s14.both
BIG = s14.BIG
BS = "schedule = #fa.backward_schedule<{}>"
FS = "schedule = #fa.schedule<{}>"
TL = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
WIDE = TL.format(128, 128, 2, 8)
NARROW = TL.format(64, 128, 2, 8)
H100_SMS = 132


def has(*words):
    def f(r):
        s = sched(r)
        missing = [w for w in words if w not in s]
        return not missing or f"{missing} not in {s}"
    return f


def lacks(*words):
    def f(r):
        s = sched(r)
        there = [w for w in words if w in s]
        return not there or f"{there} in {s}"
    return f


def main_grid_at_most(sms, tiles=None):
    """The backward's main kernel (the one with the most shared memory)
    launches at most `sms` blocks, and exactly min(tiles, sms) when the
    tile count is given: the persistent grid (D114)."""
    def f(r):
        ks = r["manifest"].get("kernels", [])
        if not ks:
            return "no kernels in the manifest"
        main = max(ks, key=lambda k: k.get("shared_bytes", 0))
        g = main.get("grid")
        if not g:
            return f"no grid in {sorted(main)}"
        n = 1
        for x in g:
            n *= int(x) if str(x).isdigit() else 1
        if n > sms:
            return f"{main['name']} launches {g} = {n} blocks > {sms} SMs"
        if tiles is not None and n != min(tiles, sms):
            return f"{main['name']} launches {n} blocks, not min({tiles}, {sms})"
        return True
    return f


def ptx_has(text, present=True):
    def f(r):
        return (text in r["ptx"]) == present or f"{text!r} {'missing from' if present else 'in'} the PTX"
    return f


def build():
    # ---- A. D114: backward-persistent=on on the wgmma backward.
    shapes = {
        "dense": {}, "causal": dict(causal=True), "gqa8": dict(Hq=8, Hkv=1),
        "gqa4-2-causal": dict(Hq=4, Hkv=2, causal=True),
        "nq1": dict(Nq=1), "nq17-nk2049-causal": dict(Nq=17, Nk=2049, causal=True),
        "window": dict(window=(128, 0)), "window-lr": dict(window=(64, 64)),
        "f16": dict(dt="f16"), "d128": dict(D=128), "d64-dv128": dict(Dv=128),
        "nq-big": dict(Nq=BIG), "nk-big": dict(Nk=BIG, causal=True),
        "heads-65535": dict(Hq=65535, Hkv=65535), "batch-65535": dict(B=65535),
        "heads-2^20": dict(Hq=2**20, Hkv=2**20, Nq=128, Nk=128),
        "many-tiles": dict(B=16, Hq=16, Hkv=16, Nq=4096, Nk=4096),
        "one-tile": dict(Nq=128, Nk=128, Hq=1, Hkv=1),
    }
    for name, kw in shapes.items():
        text = grad(bm=None, **kw)
        exp = "ok" if name not in ("d64-dv128",) else "either"
        case(f"pers-select-{name}", text, "either", "select",
             "kernel=wgmma backward-persistent=on", has("persistent = on"))
        case(f"pers-convert-{name}", text, "either", "convert", "kernel=wgmma backward-persistent=on")
    # Compiled (no ptxas): the grid is min(tiles, SMs).
    for name, kw, tiles in [("dense", {}, 2 * 8), ("many-tiles", shapes["many-tiles"], 16 * 16 * 32),
                            ("gqa8", shapes["gqa8"], 8), ("nk-big", shapes["nk-big"], None),
                            ("heads-65535", shapes["heads-65535"], 65535 * 8),
                            ("batch-65535", shapes["batch-65535"], 65535 * 2 * 8)]:
        case(f"pers-compile-{name}", grad(bm=None, **kw), "either", "compile",
             "target=h100 kernel=wgmma backward-persistent=on", main_grid_at_most(H100_SMS),
             timeout=300)
    for sms in (1, 7, 200):
        case(f"pers-compile-sm-count-{sms}", grad(bm=None, B=4), "ok", "compile",
             f"target=h100 sm-count={sms} kernel=wgmma backward-persistent=on",
             main_grid_at_most(sms), timeout=300)
    # What it refuses (D114): each an error naming the reason.
    refused = {
        "deterministic": dict(det=True), "keep-mask": dict(mask=("bool", [1, 2, 1024, 1024])),
        "bias": dict(mask=("bias", [1, 2, 1024, 1024])),
        "block-mask": dict(bm="auto"), "pattern": dict(pattern="chunk = 256"),
    }
    for name, kw in refused.items():
        k = dict(kw)
        bm = k.pop("bm", None)
        text = grad(bm=bm, **k) if bm else grad(bm=None, **k)
        case(f"pers-refused-{name}", text, "error", "select", "kernel=wgmma backward-persistent=on")
    for opt in ("backward-in-flight=dk", "dq=ordered", "block-mask-walk=compacted"):
        case(f"pers-refused-opt-{opt}", grad(bm=("[1, 2, 8, 8]" and [1, 2, 8, 8], "i8") if "walk" in opt else None),
             "error", "select", f"kernel=wgmma backward-persistent=on {opt}")
    # An option that concerns the wgmma kernel asks nothing of another
    # kernel's schedule (fa-select-tiling's documented rule, D113).
    for k in ("mma-sync", "simt"):
        case(f"pers-other-kernel-{k}", grad(bm=None), "ok", "select", f"kernel={k} backward-persistent=on",
             lacks("persistent"))
    case("pers-auto-kernel", grad(bm=None), "either", "select", "kernel=auto backward-persistent=on")
    case("pers-default-off", grad(bm=None), "ok", "select", "kernel=wgmma", lacks("persistent"))
    case("pers-bad-value", grad(bm=None), "error", "select", "kernel=wgmma backward-persistent=maybe")
    # Written schedules.
    for name, s, t, exp in [
            ("atomic-wide", "kernel = wgmma, dq = atomic, persistent = on", WIDE, "either"),
            ("atomic-narrow", "kernel = wgmma, dq = atomic, persistent = on", NARROW, "either"),
            ("ordered", "kernel = wgmma, dq = ordered, persistent = on", NARROW, "error"),
            ("in-flight", "kernel = wgmma, dq = atomic, in_flight = dk, persistent = on", NARROW, "error"),
            ("one-buffer", "kernel = wgmma, dq = atomic, persistent = on", TL.format(64, 128, 1, 8), "error"),
            ("mma", "kernel = mma_sync, dq = atomic, persistent = on", TL.format(64, 64, 1, 4), "error"),
            ("simt", "kernel = simt, persistent = on", TL.format(16, 16, 1, 4), "error"),
            ("bad-keyword", "kernel = wgmma, dq = atomic, persistent = yes", NARROW, "error"),
            ("column-split", "kernel = wgmma, dq = atomic, persistent = on", TL.format(128, 64, 2, 8), "either")]:
        text = grad(bm=None, extra=[BS.format(s), t])
        case(f"pers-written-{name}-select", text, exp, "select", "kernel=wgmma")
        case(f"pers-written-{name}-hand", text, exp, "hand", "")
    # A written schedule against the option.
    text = grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic, persistent = on"), NARROW])
    case("pers-written-vs-off", text, "error", "select", "kernel=wgmma backward-persistent=off")
    case("pers-written-vs-on", text, "ok", "select", "kernel=wgmma backward-persistent=on", has("persistent = on"))
    case("pers-rerun-off", grad(bm=None), "error", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-persistent=on|--fa-select-tiling=backward-persistent=off")
    case("pers-rerun-auto", grad(bm=None), "ok", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-persistent=on|--fa-select-tiling")
    # Odd pass orders: convert before select, tile-attention on the persistent op, twice the pipeline.
    case("pers-order-convert-first", grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic, persistent = on"), NARROW]),
         "either", "opt", "--convert-fa-to-nvgpu")
    case("pers-order-tile", grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic, persistent = on"), NARROW]),
         "either", "opt", "--fa-set-target=target=h100|--fa-tile-attention")
    case("pers-order-decompose", grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic, persistent = on"), NARROW]),
         "ok", "opt", "--fa-decompose-attention")
    case("pers-pipeline-a100", grad(bm=None), "error", "opt",
         "--fa-to-ptx-pipeline=target=a100 kernel=wgmma backward-persistent=on")
    case("pers-pipeline-a100-auto", grad(bm=None), "either", "compile",
         "target=a100 backward-persistent=on", timeout=300)

    # ---- B. D115: dq-pass=after-scores.
    for name, kw in [("dense", {}), ("causal", dict(causal=True)), ("gqa8", dict(Hq=8, Hkv=1)),
                     ("d128", dict(D=128)), ("nq1", dict(Nq=1)), ("nq-big", dict(Nq=BIG)),
                     ("heads-65535", dict(Hq=65535, Hkv=65535)), ("keep", dict(mask=("bool", [1, 2, 1024, 1024]))),
                     ("window", dict(window=(128, 0)))]:
        text = grad(det=True, bm=None, **kw)
        case(f"dqpass-select-{name}", text, "either", "select", "kernel=wgmma dq-pass=after-scores",
             has("dq_pass = after_scores"))
        case(f"dqpass-convert-{name}", text, "either", "convert", "kernel=wgmma dq-pass=after-scores")
    case("dqpass-block-mask", grad(det=True), "either", "convert", "kernel=wgmma dq-pass=after-scores")
    case("dqpass-compile", grad(det=True, bm=None), "ok", "compile",
         "target=h100 kernel=wgmma dq-pass=after-scores", timeout=300)
    # The option concerns the wgmma kernel's ordered dQ: other schedules
    # step-start (chooseDqPass's documented rule, D115).
    case("dqpass-atomic", grad(bm=None), "ok", "select", "kernel=wgmma dq-pass=after-scores", lacks("dq_pass"))
    case("dqpass-atomic-auto", grad(bm=None), "either", "select", "kernel=auto dq-pass=after-scores")
    case("dqpass-mma", grad(det=True, bm=None), "ok", "select", "kernel=mma-sync dq-pass=after-scores", lacks("dq_pass"))
    case("dqpass-simt", grad(det=True, bm=None), "ok", "select", "kernel=simt dq-pass=after-scores", lacks("dq_pass"))
    case("dqpass-and-persistent", grad(det=True, bm=None), "error", "select",
         "kernel=wgmma dq-pass=after-scores backward-persistent=on")
    case("dqpass-bad", grad(det=True, bm=None), "error", "select", "kernel=wgmma dq-pass=later")
    for name, s, t, exp in [
            ("ordered", "kernel = wgmma, dq = ordered, dq_pass = after_scores", NARROW, "ok"),
            ("ordered-wide", "kernel = wgmma, dq = ordered, dq_pass = after_scores", WIDE, "either"),
            ("atomic", "kernel = wgmma, dq = atomic, dq_pass = after_scores", NARROW, "error"),
            ("one-buffer", "kernel = wgmma, dq = ordered, dq_pass = after_scores", TL.format(64, 128, 1, 8), "error"),
            ("column", "kernel = wgmma, dq = ordered, dq_pass = after_scores", TL.format(128, 64, 2, 8), "error"),
            ("mma", "kernel = mma_sync, dq = ordered, dq_pass = after_scores", TL.format(64, 64, 1, 4), "error"),
            ("persistent", "kernel = wgmma, dq = ordered, dq_pass = after_scores, persistent = on", NARROW, "error")]:
        text = grad(det=True, bm=None, extra=[BS.format(s), t])
        case(f"dqpass-written-{name}-select", text, exp, "select", "kernel=wgmma")
        case(f"dqpass-written-{name}-hand", text, exp, "hand", "")
    text = grad(det=True, bm=None, extra=[BS.format("kernel = wgmma, dq = ordered, dq_pass = after_scores"), NARROW])
    case("dqpass-written-vs-step-start", text, "error", "select", "kernel=wgmma dq-pass=step-start")

    # ---- C. D116: the forward's producer at D = 256 on 128x80 (built spilling).
    for name, kw in [("n4k", dict(Nq=4096, Nk=4096)), ("n2k-causal", dict(Nq=2048, Nk=2048, causal=True)),
                     ("n1k-causal", dict(causal=True)), ("nq-big", dict(Nq=BIG)), ("nq1", dict(Nq=1)),
                     ("gqa", dict(Hq=8, Hkv=2, Nq=4096, Nk=4096)), ("keep", dict(mask=("bool", [1, 2, 1024, 1024]))),
                     ("bias", dict(mask=("bias", [1, 2, 1024, 1024]))), ("f16", dict(dt="f16", Nq=4096, Nk=4096)),
                     ("dv128", dict(Dv=128, Nq=4096, Nk=4096)), ("block-mask", dict(bm="auto", bs=(128, 80)))]:
        k = dict(kw)
        bm = k.pop("bm", None)
        text = fwd(D=256, bm=bm if bm else None, **k)
        case(f"d256-select-{name}", text, "either", "select", "kernel=wgmma")
        case(f"d256-compile-{name}", text, "either", "compile", "target=h100 kernel=wgmma", timeout=300)
    # Written producer schedules at D = 256.
    for name, s, t, exp in [
            ("128x80-producer", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 240, epilogue = tma_store", TL.format(128, 80, 2, 8), "either"),
            ("128x80-regs-248", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 248, epilogue = tma_store", TL.format(128, 80, 2, 8), "error"),
            ("128x96-producer", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 240, epilogue = tma_store", TL.format(128, 96, 2, 8), "either"),
            ("128x80-3stages", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 240, epilogue = tma_store", TL.format(128, 80, 3, 8), "either"),
            ("192x80-producer", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 160, epilogue = tma_store", TL.format(192, 80, 2, 12), "either")]:
        text = fwd(D=256, bm=None, Nq=4096, Nk=4096, extra=[FS.format(s), t])
        case(f"d256-written-{name}-select", text, exp, "select", "kernel=wgmma")
        case(f"d256-written-{name}-compile", text, exp, "compile", "target=h100 kernel=wgmma", timeout=300)
    # The benchmark's shape (B = 16384 / N, H = 8): 128x80, the producer.
    # (At B = 1, H = 2 the model picks 64x96 for the grid: no producer.)
    case("d256-explain", fwd(D=256, B=4, Hq=8, Hkv=8, bm=None, Nq=4096, Nk=4096), "ok", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma explain",
         lambda r: "built spilling" in r["err"] or "explain does not say 'built spilling'")
    case("d256-explain-128x64", fwd(D=256, bm=None, Nq=4096, Nk=4096, extra=[TL.format(128, 64, 2, 8)]),
         "ok", "opt", "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma explain",
         lambda r: "built spilling" not in r["err"] or "explain says 'built spilling' of a spill-free tiling")
    case("d256-release-barrier", fwd(D=256, bm=None, Nq=4096, Nk=4096), "ok", "select",
         "kernel=wgmma wgmma-release=barrier", lacks("producer"))

    # ---- D. D118: min_blocks.
    for name, s, exp in [
            ("mma-1", "kernel = mma_sync, epilogue = staged, min_blocks = 1", "ok"),
            ("mma-3", "kernel = mma_sync, epilogue = staged, min_blocks = 3", "ok"),
            ("mma-4", "kernel = mma_sync, epilogue = staged, min_blocks = 4", "error"),
            ("mma-32", "kernel = mma_sync, epilogue = staged, min_blocks = 32", "error"),
            ("mma-33", "kernel = mma_sync, epilogue = staged, min_blocks = 33", "error"),
            ("mma-neg", "kernel = mma_sync, epilogue = staged, min_blocks = -1", "error"),
            ("wgmma", "kernel = wgmma, min_blocks = 1", "error"),
            ("simt", "kernel = simt, min_blocks = 1", "error"),
            ("huge", "kernel = mma_sync, epilogue = staged, min_blocks = 99999999999999999999", "error")]:
        # 64x64x2x4 at D = 64: 46,080 B, three blocks of an A100.
        text = fwd(bm=None, extra=[FS.format(s), TL.format(64, 64, 2, 4)])
        case(f"minblocks-written-{name}-sm80", text, exp, "select", "kernel=mma-sync")
        case(f"minblocks-written-{name}-hand-sm80", text, exp, "hand", "")
    case("minblocks-compile-keep-sm80", fwd(mask=("bool", [1, 2, 1024, 1024])), "ok", "compile",
         "target=a100 block-mask-walk=compacted",
         both(ptx_has(".minnctapersm 1"), s14.fits_budget(166912)), timeout=300, ptxas=True)
    case("minblocks-compile-plain-sm80", fwd(bm=None), "ok", "compile", "target=a100", lambda r: True,
         timeout=300, ptxas=True)
    case("minblocks-attr-misplaced", "func.func @f() attributes {fa.min_blocks_per_sm = 1 : i32} {\n  return\n}\n",
         "error", "opt", "--canonicalize")
    case("minblocks-attr-bad", "func.func @f() {\n  %0 = gpu.dynamic_shared_memory {fa.min_blocks_per_sm = 0 : i32} : memref<?xi8, #gpu.address_space<workgroup>>\n  return\n}\n",
         "error", "opt", "--canonicalize")


def main():
    s14.build, s14.boundaries = build, lambda bindir: None
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s14.main()


if __name__ == "__main__":
    sys.exit(main())
