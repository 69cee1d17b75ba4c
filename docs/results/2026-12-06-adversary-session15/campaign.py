#!/usr/bin/env python3
"""Session 15's attack on what session 14 added (issue 27, docs/Reliability.md):
the wgmma backward's wide q-block (block_q 128 at D = 64, D104) and its
refusals, kernel=auto's pick of it (D108), the TMA-store epilogue for dK and
dV (`epilogue = tma_store` on #fa.backward_schedule, `backward-epilogue`,
D107) and its refusals, D108's rule that an asked-for dK in flight or TMA
store keeps block_q 64, and D105's preprocess / convert kernels (16-byte
accesses; O and dQ `fa.align`).

    python3 campaign.py [--bin build/bin] [--out DIR] [--only SUBSTR] [--tsv F]

The case machinery (fa-opt / fa-compile runs, outcome classes, the
module builders) is session 14's campaign.py, imported: see its docstring.
Outcomes: ok, error (exit 1 with a non-empty `error:`), CRASH, HANG (over the
case's limit, 60 s unless it says more), SILENT (exit 0 where an error was
due, or the case's check of the result fails). Writes cases.tsv.
"""

import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "s14", os.path.join(HERE, "..", "2026-12-06-adversary-session14", "campaign.py"))
s14 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s14)
grad, fwd, case, CASES, sched = s14.grad, s14.fwd, s14.case, s14.CASES, s14.sched
BIG = s14.BIG

WIDE = "tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>"
NARROW = "tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>"
BS = "schedule = #fa.backward_schedule<{}>"
TILING_RE = re.compile(r"#fa\.tiling<block_q = (\d+), block_kv = (\d+), stages = (\d+), warps = (\d+)>")


def tiling(r):
    m = TILING_RE.search(r["out"])
    return tuple(int(x) for x in m.groups()) if m else None


# ---- checks ------------------------------------------------------------------
def consistent(problem):
    """The invariant of every decided backward schedule: block_q 128 only on
    the wgmma kernel at D = Dv = 64, on the ring, with atomic dQ, no bias,
    block mask, pattern or dK in flight, and the direct epilogue; the TMA
    store only on the wgmma kernel's row split (D = Dv <= 128), on the
    ring, without a mask pattern or block_q 128."""
    D, Dv = problem.get("D", 64), problem.get("Dv") or problem.get("D", 64)

    def f(r):
        s, t = sched(r), tiling(r)
        if not s or not t:
            return f"no schedule or tiling: {s} {t}"
        tma = "epilogue = tma_store" in s
        wide = t[0] == 128 and "kernel = wgmma" in s
        if wide:
            why = []
            if (D, Dv) != (64, 64):
                why.append(f"D = {D}, Dv = {Dv}")
            if t[2] < 2:
                why.append("one buffer")
            if "dq = ordered" in s:
                why.append("ordered dQ")
            if problem.get("mask", (None,))[0] == "bias":
                why.append("a bias")
            if problem.get("bs", (128, 128)) is not None and problem.get("bm", "auto") is not None:
                why.append("a block mask")
            if problem.get("pattern"):
                why.append("a pattern")
            if "in_flight = dk" in s:
                why.append("dK in flight")
            if tma:
                why.append("the TMA store")
            if why:
                return "block_q 128 with " + ", ".join(why) + f": {s} {t}"
        if tma:
            why = []
            if "kernel = wgmma" not in s:
                why.append("not wgmma")
            if D != Dv or D > 128:
                why.append(f"D = {D}, Dv = {Dv}")
            if t[2] < 2:
                why.append("one buffer")
            if problem.get("pattern"):
                why.append("a pattern")
            if t[0] == 128:
                why.append("block_q 128")
            if why:
                return "the TMA store with " + ", ".join(why) + f": {s} {t}"
        return True
    return f


def expect(problem, bq=None, epilogue=None):
    """consistent(), and the tiling's block_q / the epilogue as given."""
    base = consistent(problem)

    def f(r):
        v = base(r)
        if v is not True:
            return v
        s, t = sched(r), tiling(r)
        if bq is not None and t[0] != bq:
            return f"block_q {t[0]}, not {bq}: {s} {t}"
        if epilogue is not None:
            got = "tma_store" if "epilogue = tma_store" in s else "direct"
            if got != epilogue:
                return f"epilogue {got}, not {epilogue}: {s}"
        return True
    return f


def compiled(budget=232448, spills_ok=False):
    """fa-compile's kernels fit the budget and (ptxas ran) do not spill."""
    fits = s14.fits_budget(budget)

    def f(r):
        v = fits(r)
        if v is not True:
            return v
        if not spills_ok:
            for k in r["manifest"].get("kernels", []):
                res = k.get("resources") or {}
                if res.get("spill_store_bytes", 0) or res.get("spill_load_bytes", 0):
                    return f"{k['name']} spills {res.get('spill_store_bytes')} B"
        return True
    return f


def aligned_rows(D, Dv, elt=2):
    """D105's kernels read O by 16-byte chunks and store dQ by 8 bytes: where
    the converted kernels are a tensor-core backward's (mma.sync or wgmma in
    the PTX), O's and dQ's rows are whole 16-byte chunks and the manifest
    asks O (argument 3) for 16 and dQ (argument 6) for 8 bytes of
    alignment, which the runtime and the Python package check."""
    def f(r):
        ptx = r["ptx"]
        if "mma.sync" not in ptx and "wgmma" not in ptx:
            return True  # the SIMT backward: not D105's kernels
        if (Dv * elt) % 16 or (D * elt) % 16:
            return f"D105's kernels on rows of {D * elt} / {Dv * elt} bytes"
        align = {a["index"]: a.get("align", 1) for a in r["manifest"].get("arguments", [])}
        if align.get(3, 1) < 16 or align.get(6, 1) < 8:
            return f"alignment not asked for: {align}"
        return True
    return f


# ---- the cases ---------------------------------------------------------------
buf0 = ("--one-shot-bufferize=bufferize-function-boundaries "
        "function-boundary-type-conversion=identity-layout-map")


def build():
    # W1: written wide tilings (block_q 128) on problems where they are
    # refused, or built; through fa-select-tiling (kept and checked) and
    # straight to convert-fa-to-nvgpu (hand).
    base = dict(bs=None)
    wide_probs = [
        ("d64", {}, "ok"),
        ("d64-causal", dict(causal=True), "ok"),
        ("d64-causal-nq<nk", dict(causal=True, Nq=300, Nk=1000), "ok"),
        ("d64-causal-nq>nk", dict(causal=True, Nq=1000, Nk=300), "ok"),
        ("d64-gqa8/1", dict(Hq=8, Hkv=1), "ok"),
        ("d64-window", dict(window=(100, 30)), "ok"),
        ("d64-keep", dict(mask=("bool", [1, 2, 1024, 1024])), "ok"),
        ("d64-keep-pad", dict(mask=("bool", [1, 1, 1, 1024]), causal=True), "ok"),
        ("d64-f16", dict(dt="f16"), "ok"),
        ("d64-nq1", dict(Nq=1), "ok"),
        ("d64-nq17", dict(Nq=17, Nk=17), "ok"),
        ("d64-nq129", dict(Nq=129, Nk=129), "ok"),
        ("d64-nq127", dict(Nq=127, Nk=4097), "ok"),
        ("d64-nk1", dict(Nk=1), "ok"),
        ("d64-nq2^31", dict(Hq=1, Hkv=1, Nq=BIG), "either"),
        ("d64-nk2^31", dict(Hq=1, Hkv=1, Nk=BIG), "either"),
        ("d64-nqnk2^31-causal", dict(Hq=1, Hkv=1, Nq=BIG, Nk=BIG, causal=True), "either"),
        ("d64-heads65535", dict(Hq=65535, Hkv=65535, Nq=128, Nk=128), "either"),
        ("d64-dyn-nq", dict(Nq=None), "either"),
        ("d64-dyn-b", dict(B=None), "either"),
        ("d64-f32", dict(dt="f32"), "error"),
        ("d128", dict(D=128), "error"),
        ("d80", dict(D=80), "error"),
        ("d96", dict(D=96), "error"),
        ("d32", dict(D=32), "error"),
        ("d64-dv128", dict(D=64, Dv=128), "error"),
        ("d128-dv64", dict(D=128, Dv=64), "error"),
        ("d256", dict(D=256), "error"),
        ("d64-det", dict(det=True), "error"),
        ("d64-bias", dict(mask=("bias", [1, 2, 1024, 1024])), "error"),
        ("d64-bias-grad", dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True), "error"),
        ("d64-blockmask", dict(bs=(128, 128)), "error"),
        ("d64-pattern", dict(pattern="chunk = 128"), "error"),
    ]
    for name, kw, exp in wide_probs:
        p = dict(base, **kw)
        det = p.get("det")
        sch = BS.format("kernel = wgmma, dq = ordered" if det else "kernel = wgmma, dq = atomic")
        text = grad(extra=[sch, WIDE], **p)
        timeout = 180 if "2^31" in name else 60
        case(f"wide-{name}-select", text, exp, "select", "kernel=wgmma",
             expect(p, bq=128, epilogue="direct"), timeout=timeout)
        case(f"wide-{name}-hand", text, exp, "hand", "", timeout=timeout)
        # The tiling written, the schedule left to the pass.
        case(f"wide-{name}-tiling-only-auto", grad(extra=[WIDE], **p), "either",
             "select", "kernel=auto", consistent(p), timeout=timeout)
    # W1b: hand-written backward tilings beyond the problem bounds
    # (docs/Reliability.md, "Bounds on sizes"), straight to the passes that
    # read them: convert-fa-to-nvgpu (tensor-core) and fa-tile-attention
    # then convert-fa-to-gpu (SIMT). Every one is beyond a bound.
    bounds = [("nq2^33", dict(Nq=2**33, Nk=128)), ("nk2^33", dict(Nq=128, Nk=2**33)),
              ("nq2^62", dict(Nq=2**62, Nk=128)), ("b2^41", dict(B=2**41, Nq=128, Nk=128)),
              ("nq0", dict(Nq=0, Nk=128)), ("nk0", dict(Nq=128, Nk=0)),
              ("nqnk2^31", dict(Nq=BIG, Nk=BIG, causal=True))]
    tilings = {"wgmma": ("kernel = wgmma, dq = atomic", WIDE, "bf16"),
               "wgmma-narrow": ("kernel = wgmma, dq = atomic", NARROW, "bf16"),
               "mma_sync": ("kernel = mma_sync, dq = atomic",
                            "tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 4>", "bf16"),
               "simt": ("kernel = simt, dq = separate",
                        "tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>", "f32")}
    for bname, kw in bounds:
        for tname, (sch, til, dt) in tilings.items():
            text = grad(extra=[BS.format(sch), til], dt=dt, **dict(base, Hq=1, Hkv=1, **kw))
            if tname == "simt":
                case(f"bounds-{bname}-{tname}-tile", text, "error", "opt",
                     "--fa-set-target=target=h100|--fa-tile-attention|" + buf0 + "|--convert-fa-to-gpu",
                     timeout=120)
            else:
                case(f"bounds-{bname}-{tname}-hand", text, "error", "hand", "", timeout=120)
    # W2: the wide tiling with the other requests it refuses (written).
    for name, body, kw in [
            ("inflight", "kernel = wgmma, dq = atomic, in_flight = dk", {}),
            ("tma", "kernel = wgmma, dq = atomic, epilogue = tma_store", {}),
            ("ordered", "kernel = wgmma, dq = ordered", {}),
            ("compacted", "kernel = wgmma, dq = atomic, walk = compacted", dict(bs=(128, 128))),
            ("compacted-bm128x128", "kernel = wgmma, dq = atomic, walk = compacted", dict(bs=(128, 128))),
            ("separate", "kernel = wgmma, dq = separate", {})]:
        p = dict(base, **kw)
        text = grad(extra=[BS.format(body), WIDE], **p)
        case(f"wide-refused-{name}-select", text, "error", "select", "kernel=wgmma")
        case(f"wide-refused-{name}-hand", text, "error", "hand", "")
    # The wide tiling with the option asking for what it refuses.
    for opt in ("backward-in-flight=dk", "backward-epilogue=tma-store"):
        text = grad(extra=[WIDE], **base)
        case(f"wide-tiling-{opt}", text, "error", "select", f"kernel=wgmma {opt}")
        case(f"wide-tiling-auto-{opt}", text, "error", "select", f"kernel=auto {opt}")
    # W3: other written q-blocks and shapes on the wgmma backward, and
    # block_q 128 on the other kernels.
    for t in [(128, 128, 1, 8), (128, 128, 3, 8), (128, 64, 2, 8), (128, 128, 2, 4),
              (128, 128, 2, 16), (256, 128, 2, 8), (192, 128, 2, 8), (96, 128, 2, 8),
              (32, 128, 2, 8), (128, 256, 2, 8), (16, 128, 2, 8)]:
        text = grad(extra=[BS.format("kernel = wgmma, dq = atomic"),
                           "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>".format(*t)],
                    **base)
        tname = "x".join(map(str, t))
        case(f"wgmma-tiling-{tname}-select", text, "error", "select", "kernel=wgmma")
        case(f"wgmma-tiling-{tname}-hand", text, "error", "hand", "")
    for k, t in [("mma_sync", (128, 64, 2, 4)), ("mma_sync", (128, 128, 2, 8)),
                 ("mma_sync", (128, 64, 1, 4)), ("simt", (128, 64, 1, 4)),
                 ("simt", (128, 128, 1, 8))]:
        dq = "atomic" if k != "simt" else "separate"
        text = grad(extra=[BS.format(f"kernel = {k}, dq = {dq}"),
                           "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>".format(*t)],
                    **base)
        tname = "x".join(map(str, t))
        case(f"{k}-bq128-{tname}-select", text, "either", "select", f"kernel=auto",
             consistent(base))
        if k == "mma_sync":
            case(f"{k}-bq128-{tname}-hand", text, "either", "hand", "")

    # A1: the option matrix: kernel x backward-epilogue x backward-in-flight
    # on problems around the wide block's and the TMA store's rules.
    probs = {
        "d64": dict(),
        "d64-causal": dict(causal=True, Nq=1000, Nk=700),
        "d64-gqa": dict(Hq=8, Hkv=2),
        "d64-keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "d64-window": dict(window=(256, 0), causal=True),
        "d64-det": dict(det=True),
        "d64-bias": dict(mask=("bias", [1, 2, 1024, 1024])),
        "d64-bias-grad": dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True),
        "d64-bm": dict(bs=(128, 128)),
        "d64-pattern": dict(pattern="chunk = 128"),
        "d64-nq1": dict(Nq=1),
        "d64-f16": dict(dt="f16"),
        "d64-f32": dict(dt="f32"),
        "d80": dict(D=80),
        "d96": dict(D=96),
        "d128": dict(D=128),
        "d128-det": dict(D=128, det=True),
        "d128-bm": dict(D=128, bs=(128, 128)),
        "d192v128": dict(D=192, Dv=128),
        "d256": dict(D=256),
        "d64v128": dict(D=64, Dv=128),
    }
    for pname, kw in probs.items():
        p = dict(base, **kw)
        for k in ("auto", "wgmma", "mma-sync", "simt"):
            for e in ("auto", "direct", "tma-store"):
                for f in ("none", "dk"):
                    opts = f"kernel={k} backward-epilogue={e} backward-in-flight={f}"
                    # consistent() holds D108's rule: a TMA store or dK in
                    # flight on the wgmma kernel is never block_q 128.
                    case(f"opt-{pname}-{k}-{e}-{f}", grad(**p), "either", "select",
                         opts, expect(p, epilogue="direct" if e == "direct" else None))
    # A2: kernel=auto's defaults (D108), pinned.
    for pname, kw, bq, epi in [
            ("d64", dict(), 128, "direct"), ("d64-causal", dict(causal=True), 128, "direct"),
            ("d64-gqa", dict(Hq=8, Hkv=2), 128, "direct"),
            ("d64-keep", dict(mask=("bool", [1, 2, 1024, 1024])), 128, "direct"),
            ("d64-window", dict(window=(256, 0), causal=True), 128, "direct"),
            ("d64-det", dict(det=True), 64, "tma_store"),
            ("d64-bm", dict(bs=(128, 128)), 64, "tma_store"),
            ("d128", dict(D=128), 64, "tma_store"),
            ("d128-causal", dict(D=128, causal=True), 64, "tma_store"),
            ("d128-nq1", dict(D=128, Nq=1), 64, "tma_store"),
            ("d64-n4097", dict(Nq=4097, Nk=4097), 128, "direct"),
            ("d64-n16384", dict(Nq=16384, Nk=16384, Hq=4, Hkv=4), 128, "direct")]:
        p = dict(base, **kw)
        case(f"auto-default-{pname}", grad(**p), "ok", "select", "kernel=auto",
             expect(p, bq=bq, epilogue=epi))

    # E1: written backward schedules with `epilogue`.
    written = [
        ("simt", "kernel = simt, dq = separate, epilogue = tma_store", {}, "error"),
        ("mma", "kernel = mma_sync, dq = atomic, epilogue = tma_store", {}, "error"),
        ("spelled-dash", "kernel = wgmma, dq = atomic, epilogue = tma-store", {}, "error"),
        ("spelled-caps", "kernel = wgmma, dq = atomic, epilogue = TMA_STORE", {}, "error"),
        ("staged", "kernel = wgmma, dq = atomic, epilogue = staged", {}, "error"),
        ("auto", "kernel = wgmma, dq = atomic, epilogue = auto", {}, "error"),
        ("int", "kernel = wgmma, dq = atomic, epilogue = 1", {}, "error"),
        ("twice", "kernel = wgmma, dq = atomic, epilogue = tma_store, epilogue = direct", {}, "error"),
        ("direct", "kernel = wgmma, dq = atomic, epilogue = direct", dict(D=128), "ok"),
        ("d128", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128), "ok"),
        ("d64", "kernel = wgmma, dq = atomic, epilogue = tma_store", {}, "ok"),
        ("d80", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=80), "ok"),
        ("d96-causal", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=96, causal=True), "ok"),
        ("d256", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=256), "error"),
        ("d192v128", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=192, Dv=128), "error"),
        ("d64v128", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=64, Dv=128), "error"),
        ("d32", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=32), "error"),
        ("pattern", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(pattern="chunk = 128"), "error"),
        ("ordered", "kernel = wgmma, dq = ordered, epilogue = tma_store", dict(D=128, det=True), "ok"),
        ("atomic-on-det", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, det=True), "error"),
        ("inflight", "kernel = wgmma, dq = atomic, in_flight = dk, epilogue = tma_store", dict(D=128), "ok"),
        ("bm", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, bs=(128, 128)), "ok"),
        ("bm-compacted", "kernel = wgmma, dq = atomic, walk = compacted, epilogue = tma_store", dict(D=128, bs=(128, 128)), "ok"),
        ("bm-compacted-inflight", "kernel = wgmma, dq = atomic, walk = compacted, in_flight = dk, epilogue = tma_store", dict(D=128, bs=(128, 128)), "error"),
        ("bias-d64", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(mask=("bias", [1, 2, 1024, 1024])), "ok"),
        ("bias-grad-d64", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True), "either"),
        ("bias-d128", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, mask=("bias", [1, 2, 1024, 1024])), "error"),
        ("keep", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, mask=("bool", [1, 2, 1024, 1024])), "ok"),
        ("window", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, window=(100, 100)), "ok"),
        ("gqa8/1", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Hq=8, Hkv=1), "ok"),
        ("nq1", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Nq=1), "ok"),
        ("nk1", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Nk=1), "ok"),
        ("nk17", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Nk=17, Nq=17), "ok"),
        ("nq2^31", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Hq=1, Hkv=1, Nq=BIG), "either"),
        ("nk2^31", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Hq=1, Hkv=1, Nk=BIG), "either"),
        ("nk2^31-h4", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Hq=4, Hkv=4, Nk=BIG, Nq=128), "either"),
        ("dyn-nk", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, Nk=None), "either"),
        ("dyn-b", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, B=None), "either"),
        ("f32", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, dt="f32"), "error"),
        ("f16", "kernel = wgmma, dq = atomic, epilogue = tma_store", dict(D=128, dt="f16"), "ok"),
    ]
    for name, body, kw, exp in written:
        p = dict(base, **kw)
        text = grad(extra=[BS.format(body)], **p)
        timeout = 180 if "2^31" in name else 60
        epi = "tma_store" if "epilogue = tma_store" in body else "direct"
        case(f"epi-{name}-select", text, exp, "select", "kernel=auto",
             expect(p, epilogue=epi), timeout=timeout)
        case(f"epi-{name}-convert", text, exp, "convert", "kernel=auto",
             None, timeout=timeout)
        # With a written tiling too: one buffer refuses the TMA store.
        if exp != "error" and p.get("D", 64) <= 128:
            one = grad(extra=[BS.format(body),
                              "tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>"], **p)
            case(f"epi-{name}-one-buffer-hand", one,
                 "error" if epi == "tma_store" else "either", "hand", "", timeout=timeout)
            case(f"epi-{name}-narrow-hand", grad(extra=[BS.format(body), NARROW], **p),
                 exp, "hand", "", timeout=timeout)
        # Through fa-compile (tensor maps of dK and dV written and checked).
        if exp != "error":
            case(f"epi-{name}-compile", text, exp, "compile", "target=h100",
                 s14.fits_budget(232448), timeout=max(timeout, 300))
    # E2: the backward schedule on the forward op, the forward's on the backward.
    case("epi-bwd-schedule-on-fwd",
         fwd(bs=None, extra=[BS.format("kernel = wgmma, dq = atomic, epilogue = tma_store")]),
         "error", "select", "kernel=auto")
    case("epi-fwd-schedule-on-grad",
         grad(bs=None, D=128, extra=["schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store>"]),
         "error", "select", "kernel=auto")
    case("epi-fwd-option-on-fwd", fwd(bs=None), "ok", "select",
         "kernel=wgmma backward-epilogue=tma-store",
         lambda r: "#fa.schedule" in r["out"] or "no forward schedule")
    # E3: the schedule written for a different target: sm_80 has no TMA.
    for name, body in [("tma", "kernel = wgmma, dq = atomic, epilogue = tma_store"),
                       ("wide", "kernel = wgmma, dq = atomic")]:
        extra = [BS.format(body)] + ([WIDE] if name == "wide" else [])
        text = grad(extra=extra, **base)
        case(f"sm80-written-{name}-select", text, "error", "select", "kernel=auto")
        case(f"sm80-written-{name}-hand", text, "error", "hand", "")
    case("sm80-option-tma-store", grad(**base), "either", "select",
         "kernel=auto backward-epilogue=tma-store", consistent(base))
    case("sm80-option-tma-store-wgmma", grad(**base), "error", "select",
         "kernel=wgmma backward-epilogue=tma-store")

    # O1: malformed option values.
    for v in ("TMA-STORE", "tma_store", "tmastore", "", "tma-store direct", "1", "true",
              "none", "staged", "'tma-store'", '"direct"', "tma-store ", "{tma-store}"):
        case(f"badopt-select-{v!r}", grad(**base),
             "either", "opt", f"--fa-set-target=target=h100|--fa-select-tiling=backward-epilogue={v}",
             consistent(base))
        case(f"badopt-pipeline-{v!r}", grad(**base), "either", "opt",
             f"--fa-to-ptx-pipeline=target=h100 backward-epilogue={v}")
        case(f"badopt-compile-{v!r}", grad(**base), "either", "compile",
             f"target=h100 backward-epilogue={v}", timeout=300)
    case("badopt-epilogue-twice", grad(**base), "either", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=backward-epilogue=tma-store backward-epilogue=direct",
         expect(base, epilogue="direct"))

    # P1: odd pass orders.
    sel = "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-epilogue=tma-store"
    buf = "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
    d128 = dict(base, D=128)
    for name, text, opts, exp in [
            ("select-twice-tma-then-direct", grad(**d128), sel + "|--fa-select-tiling=backward-epilogue=direct", "ok"),
            ("select-twice-wide-then-tma", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-select-tiling=backward-epilogue=tma-store", "either"),
            ("select-then-retarget-a100-convert", grad(**d128), sel + "|--fa-set-target=target=a100|" + buf + "|--convert-fa-to-nvgpu", "error"),
            ("wide-then-retarget-a100-convert", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-set-target=target=a100|" + buf + "|--convert-fa-to-nvgpu", "error"),
            ("wide-then-small-budget-convert", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-set-target=target=h100 sram-per-block=65536|" + buf + "|--convert-fa-to-nvgpu", "error"),
            ("tma-then-check-sram", grad(**d128), sel + "|--fa-check-sram-budget", "ok"),
            ("wide-then-check-sram", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-check-sram-budget", "ok"),
            ("tma-then-tile", grad(**d128), sel + "|--fa-tile-attention", "either"),
            ("wide-then-tile", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-tile-attention", "either"),
            ("tma-then-decompose", grad(**d128), sel + "|--fa-decompose-attention", "ok"),
            ("wide-then-decompose", grad(**base), "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto|--fa-decompose-attention", "ok"),
            ("tma-convert-fa-to-gpu", grad(**d128), sel + "|--fa-tile-attention|" + buf + "|--convert-fa-to-gpu", "either"),
            ("pipeline-twice", grad(**d128), "--fa-to-ptx-pipeline=target=h100 backward-epilogue=tma-store|--fa-to-ptx-pipeline=target=h100", "either"),
            ("convert-without-select", grad(**d128, extra=[BS.format("kernel = wgmma, dq = atomic, epilogue = tma_store")]), "--fa-set-target=target=h100|" + buf + "|--convert-fa-to-nvgpu", "error"),
            ("convert-twice", grad(**d128), sel + "|" + buf + "|--convert-fa-to-nvgpu|--convert-fa-to-nvgpu", "ok")]:
        case(f"order-{name}", text, exp, "opt", opts, timeout=120)

    # D1: D105's kernels on odd head dims: D = 8 .. 72 not a multiple of
    # 16 (no tensor-core backward: the SIMT kernels or an error), Dv != D.
    for D, Dv in [(8, 8), (24, 24), (40, 40), (72, 72), (16, 16), (48, 48), (80, 80),
                  (112, 112), (144, 144), (80, 48), (64, 128), (128, 64), (96, 32),
                  (4, 4), (12, 12), (20, 20), (2, 2), (1, 1), (3, 5), (136, 136)]:
        for k, tgt in [("auto", "h100"), ("wgmma", "h100"), ("mma-sync", "h100"),
                       ("auto", "a100"), ("mma-sync", "a100")]:
            for dt in ("bf16", "f32") if (k, tgt) == ("auto", "h100") else ("bf16",):
                p = dict(base, D=D, Dv=Dv, dt=dt, Nq=100, Nk=70)
                elt = 4 if dt == "f32" else 2
                case(f"headdim-{D}x{Dv}-{dt}-{k}-{tgt}", grad(**p), "either", "compile",
                     f"target={tgt} kernel={k}", aligned_rows(D, Dv, elt), timeout=300)
    # D2: extreme sizes for D105's kernels (the accumulator's units).
    for name, kw in [("nq2^31", dict(Hq=1, Hkv=1, Nq=BIG, Nk=64)),
                     ("b65535", dict(B=65535, Hq=1, Hkv=1, Nq=128, Nk=128)),
                     ("h65535-nq1", dict(Hq=65535, Hkv=65535, Nq=1, Nk=128)),
                     ("nq1", dict(Nq=1, Nk=1)),
                     ("dyn-nq", dict(Nq=None)),
                     ("dyn-all", dict(B=None, Nq=None, Nk=None))]:
        for D in (64, 128, 80):
            p = dict(base, D=D, **kw)
            for tgt in ("h100", "a100"):
                case(f"prepost-{name}-d{D}-{tgt}", grad(**p), "either", "compile",
                     f"target={tgt}", aligned_rows(D, D), timeout=300)

    # C1: to cubins (ptxas): kernel=auto's wide block and TMA-store picks
    # beside other features, and written ones: no spill, launch in budget.
    for name, kw in [("d64", dict()), ("d64-causal-gqa", dict(Hq=8, Hkv=2, causal=True, Nq=777, Nk=1000)),
                     ("d64-keep-window", dict(mask=("bool", [1, 2, 1000, 1000]), window=(100, 0), causal=True, Nq=1000, Nk=1000)),
                     ("d64-nq1", dict(Nq=1, Nk=129)),
                     ("d64-nq129-f16", dict(Nq=129, Nk=129, dt="f16")),
                     ("d128-nq1", dict(D=128, Nq=1, Nk=17)),
                     ("d96-gqa-window", dict(D=96, Hq=8, Hkv=1, window=(64, 64))),
                     ("d128-bm-compacted", dict(D=128, bs=(128, 128))),
                     ("d64-det", dict(det=True, Nq=300, Nk=300))]:
        p = dict(base, **kw)
        case(f"ptxas-auto-{name}", grad(**p), "ok", "compile", "target=h100",
             compiled(), timeout=600, ptxas=True)


def main():
    """Session 14's driver (its --bin, --out, --only, --tsv, --list) on
    these cases; its size-boundary search is its own."""
    s14.build, s14.boundaries = build, lambda bindir: None
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s14.main()


if __name__ == "__main__":
    sys.exit(main())
