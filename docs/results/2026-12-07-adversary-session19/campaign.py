#!/usr/bin/env python3
"""Session 19's attack on what session 18 added (issue 27, docs/Reliability.md):
the wgmma backward's fused dQ conversion (D120: `#fa.backward_schedule`'s
`dq_convert`, the `backward-dq-convert` option, the preprocess's arrival
counters, no convert kernel) and the backward model's launch-order
schedule with `backward-gqa=auto` (D122: `dispatchSteps`, `chooseGqa`).

    PATH=/usr/local/cuda/bin:$PATH python3 campaign.py --bin build/bin [--only S]

The case machinery (fa-opt / fa-compile runs, outcome classes, module
builders) is session 14's campaign.py, imported: see its docstring.
Outcomes: ok, error (exit 1 with a non-empty `error:`), CRASH, HANG (over
the case's timeout), SILENT (exit 0 where an error was due, or the case's
check fails), UNEXPECTED-ERROR. Writes cases.tsv.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, folder):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(HERE, "..", folder, "campaign.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


s14 = load("s14", "2026-12-06-adversary-session14")
s17 = load("s17", "2026-12-06-adversary-session17")
grad, case, both = s14.grad, s14.case, s14.both
has, lacks = s17.has, s17.lacks
BIG = s14.BIG
BS = "schedule = #fa.backward_schedule<{}>"
TL = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
NARROW = TL.format(64, 128, 2, 8)
WIDE = TL.format(128, 128, 2, 8)
FUSED = "kernel = wgmma, dq = atomic, dq_convert = fused"
FOPT = "kernel=wgmma backward-dq-convert=fused"
COPT = "target=h100 " + FOPT


def cdiv(a, b):
    return -(-a // b)


def fused_manifest(B, Hq, Nq, block_q=None):
    """The fused conversion's manifest (D120): two kernels (the preprocess
    and the main one, no convert kernel) and the arrival counters, an i32
    scratch buffer [B, Hq, ceil(Nq / block_q)] of 4 bytes an element (the
    main kernel's block_q; the wide q-block's 128 or 64)."""
    def f(r):
        m = r["manifest"]
        ks = m.get("kernels", [])
        if len(ks) != 2:
            return f"{len(ks)} kernels, not 2"
        ctr = [s for s in m.get("scratch", []) if s.get("dtype") == "i32"]
        if len(ctr) != 1:
            return f"{len(ctr)} i32 scratch buffers, not 1"
        c = ctr[0]
        cands = [[B, Hq, cdiv(Nq, b)] for b in ((64, 128) if block_q is None else (block_q,))]
        if c["shape"] not in cands:
            return f"counters' shape {c['shape']}, not one of {cands}"
        n = c["shape"][0] * c["shape"][1] * c["shape"][2]
        if c["bytes"] != 4 * n:
            return f"counters' bytes {c['bytes']}, not {4 * n}"
        # The preprocess's grid is (q-blocks, Hq, B), as the counters.
        g = ks[0]["grid"]
        if g != [c["shape"][2], Hq, B]:
            return f"preprocess grid {g}, not {[c['shape'][2], Hq, B]}"
        return True
    return f


def kernel_count(n):
    def f(r):
        ks = r["manifest"].get("kernels", [])
        return len(ks) == n or f"{len(ks)} kernels, not {n}"
    return f


def build():
    # ---- F. D120: backward-dq-convert=fused on problems, selected and
    # converted.
    shapes = {
        "mha": dict(),
        "gqa4-1-causal-nq1000-nk777": dict(Hq=4, Hkv=1, causal=True, Nq=1000, Nk=777),
        "gqa4-2-d128": dict(Hq=4, Hkv=2, D=128),
        "nq1": dict(Nq=1), "nk1": dict(Nk=1), "nq1-nk1": dict(Nq=1, Nk=1),
        "nq17": dict(Nq=17), "nk17-causal": dict(Nk=17, causal=True),
        "nq-big": dict(Hq=1, Hkv=1, Nq=BIG, Nk=64),
        "nk-big-causal": dict(Hq=1, Hkv=1, Nq=64, Nk=BIG, causal=True),
        "nq-big-causal": dict(Hq=1, Hkv=1, Nq=BIG, Nk=64, causal=True),
        # Nq > Nk causal: the first q-blocks see no key (count 0).
        "causal-nq4096-nk128": dict(Nq=4096, Nk=128, causal=True),
        "causal-nq4096-nk1": dict(Nq=4096, Nk=1, causal=True),
        # Windows with empty rows and q-blocks no kv-block visits.
        "window-0-0-nq4096-nk64": dict(Nq=4096, Nk=64, window=(0, 0)),
        "window-128-0": dict(Hq=4, Hkv=1, window=(128, 0)),
        "window-64-64": dict(window=(64, 64)),
        "window-big": dict(window=(BIG, BIG)),
        "window-causal-1": dict(causal=True, window=(1, 0)),
        "window-nq8192-nk8192-w1024": dict(Nq=8192, Nk=8192, causal=True, window=(1024, 0)),
        "f16": dict(dt="f16"), "f32": dict(dt="f32"),
        "d16": dict(D=16), "d32": dict(D=32), "d96": dict(D=96), "d128": dict(D=128),
        "d64-dv128": dict(D=64, Dv=128), "d128-dv64": dict(D=128, Dv=64),
        "bias-no-grad": dict(mask=("bias", [1, 2, 1024, 1024])),
        "hq-65535-hkv-5": dict(Hq=65535, Hkv=5, Nq=128, Nk=128),
        "batch-65535": dict(B=65535, Nq=128, Nk=128),
        "dyn-nq": dict(Nq=None), "dyn-nk": dict(Nk=None), "dyn-b": dict(B=None),
        "bound-2^62": dict(B=2**23, Hq=2, Hkv=1, Nq=1, Nk=2**30),
        # Most kv-blocks a q-block: Nk = 2^31 - 1 over block_kv 128 is
        # 2^24 arrivals, and Nq = 2^31 - 1 is 2^25 counters a head.
        "counters-most": dict(Hq=1, Hkv=1, Nq=BIG, Nk=BIG // 2**25),
    }
    for name, kw in shapes.items():
        text = grad(bm=None, **kw)
        case(f"dqf-select-{name}", text, "either", "select", FOPT,
             has("dq_convert = fused"), timeout=120)
        case(f"dqf-convert-{name}", text, "either", "convert", FOPT, timeout=120)
    # Refusals by option: each an error of fa-select-tiling naming it.
    for name, kw, opts in [
            ("det", dict(det=True), ""),
            ("ordered", dict(), "dq=ordered"),
            ("bias-grad", dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True), ""),
            ("keep-mask", dict(mask=("bool", [1, 2, 1024, 1024])), ""),
            ("d256", dict(D=256), ""), ("d192-dv128", dict(D=192, Dv=128), ""),
            ("block-mask", dict(bm="auto"), ""),
            ("pattern", dict(pattern="chunk = 256"), ""),
            ("persistent", dict(), "backward-persistent=on"),
            ("gqa-split", dict(Hq=4, Hkv=1), "backward-gqa=split"),
            ("compacted", dict(bm="auto"), "block-mask-walk=compacted"),
            ("dq-pass", dict(det=True), "dq-pass=after-scores")]:
        k = dict(kw)
        bm = k.pop("bm", None)
        case(f"dqf-refused-{name}", grad(bm=bm, **k), "error", "select",
             f"{FOPT} {opts}".strip())
    # Beside the options it builds with.
    for opt in ("backward-epilogue=tma-store", "backward-epilogue=direct",
                "backward-in-flight=dk", "backward-in-flight=none",
                "backward-persistent=off", "backward-gqa=loop", "dq=atomic",
                "dq-pass=step-start", "block-mask-walk=dense"):
        case(f"dqf-opt-{opt}", grad(Hq=4, Hkv=1, bm=None, causal=True), "either",
             "select", f"{FOPT} {opt}", has("dq_convert = fused"))
        case(f"dqf-opt-{opt}-convert", grad(Hq=4, Hkv=1, bm=None, causal=True),
             "either", "convert", f"{FOPT} {opt}")
    # The option concerns the wgmma kernel: others keep the convert kernel.
    for k in ("mma-sync", "simt"):
        case(f"dqf-other-kernel-{k}", grad(bm=None), "ok", "select",
             f"kernel={k} backward-dq-convert=fused", lacks("dq_convert"))
    case("dqf-auto-kernel", grad(bm=None), "ok", "select",
         "kernel=auto backward-dq-convert=fused", has("dq_convert = fused"))
    case("dqf-auto-kernel-keep-mask", grad(bm=None, mask=("bool", [1, 2, 1024, 1024])),
         "either", "select", "kernel=auto backward-dq-convert=fused")
    # kernel=auto where it picks another kernel (D = 32, the a100): the
    # option concerns the wgmma kernel, the convert kernel stays.
    case("dqf-auto-kernel-d32", grad(bm=None, D=32), "ok", "select",
         "kernel=auto backward-dq-convert=fused", lacks("dq_convert"))
    case("dqf-default-kernel", grad(bm=None), "ok", "select", "kernel=wgmma", lacks("dq_convert"))
    case("dqf-kernel", grad(bm=None), "ok", "select", "kernel=wgmma backward-dq-convert=kernel", lacks("dq_convert"))
    case("dqf-a100", grad(bm=None), "ok", "opt",
         "--fa-set-target=target=a100|--fa-select-tiling=backward-dq-convert=fused", lacks("dq_convert"))
    for v in ("maybe", "Fused", "fused,kernel", ""):
        case(f"dqf-bad-value[{v}]", grad(bm=None), "error", "select",
             f"kernel=wgmma backward-dq-convert={v}")
    # Written schedules, through fa-select-tiling and straight to the
    # conversion.
    for name, s, t, kw, exp in [
            ("fused", FUSED, NARROW, {}, "ok"),
            ("fused-wide", FUSED, WIDE, {}, "either"),
            ("fused-gqa", FUSED, NARROW, dict(Hq=4, Hkv=1, causal=True), "ok"),
            ("fused-one-buffer", FUSED, TL.format(64, 128, 1, 8), {}, "error"),
            ("fused-mma", "kernel = mma_sync, dq = atomic, dq_convert = fused", TL.format(64, 64, 1, 4), {}, "error"),
            ("fused-simt", "kernel = simt, dq_convert = fused", TL.format(16, 16, 1, 4), {}, "error"),
            ("fused-ordered", "kernel = wgmma, dq = ordered, dq_convert = fused", NARROW, {}, "error"),
            ("fused-compacted", "kernel = wgmma, dq = atomic, walk = compacted, dq_convert = fused", NARROW, dict(bm="auto"), "error"),
            ("fused-persistent", "kernel = wgmma, dq = atomic, persistent = on, dq_convert = fused", NARROW, {}, "error"),
            ("fused-split", "kernel = wgmma, dq = atomic, gqa = split, dq_convert = fused", NARROW, dict(Hq=4, Hkv=1), "error"),
            ("fused-in-flight", "kernel = wgmma, dq = atomic, in_flight = dk, dq_convert = fused", NARROW, {}, "either"),
            ("fused-tma-store", "kernel = wgmma, dq = atomic, epilogue = tma_store, dq_convert = fused", NARROW, {}, "ok"),
            ("fused-dq-pass", "kernel = wgmma, dq = ordered, dq_pass = after_scores, dq_convert = fused", NARROW, {}, "error"),
            ("fused-auto", "kernel = wgmma, dq = atomic, dq_convert = auto", NARROW, {}, "error"),
            ("fused-bogus", "kernel = wgmma, dq = atomic, dq_convert = both", NARROW, {}, "error"),
            ("fused-twice", "kernel = wgmma, dq = atomic, dq_convert = fused, dq_convert = kernel", NARROW, {}, "error"),
            ("kernel-written", "kernel = wgmma, dq = atomic, dq_convert = kernel", NARROW, {}, "ok"),
            ("fused-column", FUSED, TL.format(64, 64, 2, 8), dict(D=256), "error"),
            ("fused-bias-grad", FUSED, NARROW, dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True), "error"),
            ("fused-keep-mask", FUSED, NARROW, dict(mask=("bool", [1, 2, 1024, 1024])), "error"),
            ("fused-block-mask", FUSED, NARROW, dict(bm="auto", bs=(64, 128)), "error"),
            ("fused-pattern", FUSED, NARROW, dict(pattern="chunk = 256"), "error"),
            ("fused-det", FUSED, NARROW, dict(det=True), "either"),
            ("fused-nq-big", FUSED, NARROW, dict(Hq=1, Hkv=1, Nq=BIG, Nk=64), "ok"),
            ("fused-causal-nq-gt-nk", FUSED, NARROW, dict(Nq=4096, Nk=128, causal=True), "ok"),
            ("fused-window-empty", FUSED, NARROW, dict(Nq=4096, Nk=64, window=(0, 0)), "ok"),
            ("fused-block16", FUSED, TL.format(16, 128, 2, 8), {}, "error"),
            ("fused-bkv64", FUSED, TL.format(64, 64, 2, 8), {}, "either")]:
        k = dict(kw)
        bm = k.pop("bm", None)
        text = grad(bm=bm, extra=[BS.format(s), t], **k)
        case(f"dqf-written-{name}-select", text, exp, "select", "kernel=wgmma")
        case(f"dqf-written-{name}-hand", text, exp, "hand", "")
    # A written schedule against the option, and a second fa-select-tiling.
    text = grad(bm=None, extra=[BS.format(FUSED), NARROW])
    case("dqf-written-vs-kernel", text, "error", "select", "kernel=wgmma backward-dq-convert=kernel")
    case("dqf-written-vs-fused", text, "ok", "select", FOPT, has("dq_convert = fused"))
    case("dqf-written-vs-simt", text, "either", "select", "kernel=simt backward-dq-convert=fused")
    text = grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic"), NARROW])
    case("dqf-written-kernel-vs-fused", text, "error", "select", FOPT)
    text = grad(bm=None, extra=[BS.format("kernel = mma_sync, dq = atomic"), TL.format(64, 64, 1, 4)])
    case("dqf-written-mma-vs-fused", text, "either", "select", "backward-dq-convert=fused", lacks("dq_convert"))
    case("dqf-rerun-kernel", grad(bm=None), "error", "opt",
         f"--fa-set-target=target=h100|--fa-select-tiling={FOPT}|--fa-select-tiling=backward-dq-convert=kernel")
    case("dqf-rerun-auto", grad(bm=None), "ok", "opt",
         f"--fa-set-target=target=h100|--fa-select-tiling={FOPT}|--fa-select-tiling", has("dq_convert = fused"))
    # Odd pass orders.
    text = grad(bm=None, extra=[BS.format(FUSED), NARROW])
    buf = "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
    case("dqf-order-convert-no-target", text, "either", "opt", f"{buf}|--convert-fa-to-nvgpu")
    case("dqf-order-tile", text, "either", "opt", "--fa-set-target=target=h100|--fa-tile-attention")
    case("dqf-order-decompose", text, "ok", "opt", "--fa-decompose-attention")
    case("dqf-order-gpu", text, "either", "opt", f"--fa-set-target=target=h100|{buf}|--convert-fa-to-gpu")
    case("dqf-order-a100", text, "error", "opt", f"--fa-set-target=target=a100|{buf}|--convert-fa-to-nvgpu")
    case("dqf-pipeline-a100-wgmma", grad(bm=None), "error", "opt",
         "--fa-to-ptx-pipeline=target=a100 kernel=wgmma backward-dq-convert=fused")
    case("dqf-pipeline-a100", grad(bm=None), "either", "compile",
         "target=a100 backward-dq-convert=fused", kernel_count(3), timeout=300)
    # Compiled (no ptxas): the manifest's two kernels and counters.
    for name, kw in [("mha", dict()), ("gqa4-1-causal", dict(Hq=4, Hkv=1, causal=True, Nq=1000, Nk=777)),
                     ("causal-nq4096-nk128", dict(Nq=4096, Nk=128, causal=True)),
                     ("window-empty", dict(Nq=4096, Nk=64, window=(0, 0))),
                     ("nq1", dict(Nq=1)), ("nk1", dict(Nk=1)), ("b3-nq777", dict(B=3, Nq=777)),
                     ("hq-65535-hkv-5", dict(Hq=65535, Hkv=5, Nq=128, Nk=128)),
                     ("batch-65535", dict(B=65535, Nq=128, Nk=128)),
                     ("nq-big", dict(Hq=1, Hkv=1, Nq=BIG, Nk=64)),
                     ("d128-gqa4-2", dict(Hq=4, Hkv=2, D=128))]:
        k = dict(B=1, Hq=2, Nq=1024)
        k.update(kw)
        case(f"dqf-compile-{name}", grad(bm=None, **kw), "ok", "compile", COPT,
             fused_manifest(k["B"], k["Hq"], k["Nq"]), timeout=300)
    for name, kw in [("hq-65536", dict(Hq=65536, Hkv=1, Nq=128, Nk=128)),
                     ("batch-65536", dict(B=65536, Nq=128, Nk=128))]:
        case(f"dqf-compile-{name}", grad(bm=None, **kw), "error", "compile", COPT, timeout=300)
    case("dqf-ptxas-gqa-causal", grad(Hq=4, Hkv=1, bm=None, causal=True, Nq=1000, Nk=777), "ok",
         "compile", COPT, both(fused_manifest(1, 4, 1000), s14.fits_budget(232448)),
         timeout=300, ptxas=True)

    # ---- G. D122: backward-gqa=auto and the launch-order schedule.
    auto = "kernel=wgmma"
    for name, kw, chk in [
            # Where D122 measured: the Llama group splits, the dense D 128
            # shape keeps the loop.
            ("llama-d64-causal", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True), has("gqa = split")),
            ("dense-d128", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, D=128), lacks("gqa")),
            ("mha", dict(), lacks("gqa")),
            # Refused or excluded: always the loop.
            ("llama-det", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True, det=True), lacks("gqa")),
            ("llama-keep-mask", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True, mask=("bool", [1, 32, 4096, 4096])), lacks("gqa")),
            ("llama-bias", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True, mask=("bias", [1, 32, 4096, 4096])), lacks("gqa")),
            ("llama-pattern", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, pattern="chunk = 512"), lacks("gqa")),
            ("llama-d256", dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True, D=256), lacks("gqa")),
            # Huge groups and grids around dispatchSteps' 2^16 blocks.
            ("hq-65535-hkv-5", dict(Hq=65535, Hkv=5, Nq=4096, Nk=4096, causal=True), None),
            ("hq-65535-hkv-1", dict(Hq=65535, Hkv=1, Nq=128, Nk=128, causal=True), None),
            ("hq-2^20-hkv-1-window", dict(Hq=2**20, Hkv=1, Nq=1024, Nk=1024, causal=True, window=(256, 0)), None),
            ("grid-2^16-causal", dict(Hq=8, Hkv=1, Nq=2**16 * 64, Nk=2**16 * 64, causal=True), None),
            ("grid-2^16-window", dict(Hq=8, Hkv=1, Nq=2**22, Nk=2**22, causal=True, window=(4096, 0)), None),
            ("grid-2^16+1-causal", dict(Hq=8, Hkv=1, Nq=2**22 + 64, Nk=2**22 + 64, causal=True), None),
            ("grid-b-2^16", dict(B=2**10, Hq=8, Hkv=1, Nq=4096, Nk=4096, causal=True), None),
            ("largest-causal-gqa", dict(Hq=64, Hkv=8, Nq=2**24, Nk=2**24, causal=True), None),
            ("largest-window-gqa", dict(Hq=64, Hkv=8, Nq=2**24, Nk=2**24, window=(2**20, 2**20)), None),
            ("largest-nk-big", dict(Hq=8, Hkv=1, Nq=2**20, Nk=BIG, causal=True), None),
            ("largest-nq-big", dict(Hq=8, Hkv=1, Nq=BIG, Nk=2**20, window=(BIG, 0)), None),
            ("bound-2^62", dict(B=2**23, Hq=2, Hkv=1, Nq=1, Nk=2**30), None),
            ("bound-2^62-causal", dict(B=2**7, Hq=2**10, Hkv=2**3, Nq=2**15, Nk=2**15, causal=True), None),
            ("nq1", dict(Hq=8, Hkv=1, Nq=1, Nk=4096, causal=True), None),
            ("nk1", dict(Hq=8, Hkv=1, Nq=4096, Nk=1, causal=True), None),
            ("window-empty-rows", dict(Hq=8, Hkv=2, Nq=8192, Nk=64, window=(0, 0)), None),
            ("dyn-nk", dict(Hq=8, Hkv=2, Nk=None, causal=True), None),
            ("dyn-b", dict(B=None, Hq=8, Hkv=2, causal=True), None)]:
        case(f"gqaauto-select-{name}", grad(bm=None, **kw), "either", "select", auto, chk, timeout=60)
    # Hkv not dividing Hq: the verifier.
    for hq, hkv in [(6, 4), (4, 3), (1, 2), (65535, 2)]:
        case(f"gqaauto-verify-hq{hq}-hkv{hkv}", grad(bm=None, Hq=hq, Hkv=hkv), "error", "select", auto)
    # auto beside what excludes the split: each keeps the loop.
    llama = dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True)
    for opt in ("backward-epilogue=tma-store", "backward-in-flight=dk", "backward-persistent=on",
                "backward-dq-convert=fused", "dq=ordered", "block-mask-walk=compacted"):
        bm = "auto" if "walk" in opt else None
        case(f"gqaauto-excl-{opt}", grad(bm=bm, **llama), "either", "select", f"{auto} {opt}", lacks("gqa = split"))
    case("gqaauto-block-mask", grad(**llama), "either", "select", auto, lacks("gqa = split"))
    case("gqaauto-written-loop-vs-split", grad(bm=None, extra=[BS.format("kernel = wgmma, dq = atomic"), NARROW], **llama),
         "error", "select", "kernel=wgmma backward-gqa=split")
    case("gqaauto-rerun", grad(bm=None, **llama), "ok", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma|--fa-select-tiling", has("gqa = split"))
    case("gqaauto-explain", grad(bm=None, **llama), "ok", "select", f"{auto} explain", has("gqa = split"))
    case("gqaauto-explain-all", grad(bm=None, **llama), "ok", "select", "explain", None)
    case("gqaauto-h200", grad(bm=None, **llama), "ok", "opt",
         "--fa-set-target=target=h200|--fa-select-tiling=kernel=wgmma", None)
    case("gqaauto-few-sms", grad(bm=None, **llama), "ok", "opt",
         "--fa-set-target=target=h100 sm-count=1|--fa-select-tiling=kernel=wgmma", None)
    case("gqaauto-compile-llama", grad(bm=None, **llama), "ok", "compile", "target=h100", kernel_count(5), timeout=300)


def main():
    s14.build, s14.boundaries = build, lambda bindir: None
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s14.main()


if __name__ == "__main__":
    sys.exit(main())
