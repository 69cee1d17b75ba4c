#!/usr/bin/env python3
"""Session 16's attack on what session 15 added (issue 27, docs/Reliability.md):
ordered dQ on the wgmma backward's wide q-block at D = 64 (D110, D112:
kernel=auto's deterministic pick), the bounds convert-fa-to-nvgpu and
fa-tile-attention apply to a hand-written fa.attention_grad (D111), and the
fixes of D113 (a second fa-select-tiling against an op's schedule; the
conversion's register refusal of the mma.sync backward; the forward's
compacted walk's registers on sm_80).

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
grad, fwd, case, sched = s14.grad, s14.fwd, s14.case, s14.sched
BIG = s14.BIG
TILING_RE = re.compile(r"#fa\.tiling<block_q = (\d+), block_kv = (\d+), stages = (\d+), warps = (\d+)>")
BS = "schedule = #fa.backward_schedule<{}>"
WIDE = "tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 2, warps = 8>"
NARROW = "tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>"
BUF = "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"


def tiling(r):
    m = TILING_RE.search(r["out"])
    return tuple(int(x) for x in m.groups()) if m else None


def consistent(problem, det=False):
    """Every decided backward schedule is one the kernels build (D110, D112):
    block_q 128 only on the wgmma kernel at D = Dv = 64 on the ring, atomic
    or ordered dQ, none of bias, block mask, pattern, dK in flight, TMA
    store; deterministic: never atomic dQ."""
    D = problem.get("D", 64)
    Dv = problem.get("Dv") or D

    def f(r):
        s, t = sched(r), tiling(r)
        if not s or not t:
            return f"no schedule or tiling: {s} {t}"
        if det and "dq = atomic" in s:
            return f"deterministic with atomic dQ: {s}"
        if t[0] == 128 and "kernel = wgmma" in s:
            why = []
            if (D, Dv) != (64, 64):
                why.append(f"D = {D}, Dv = {Dv}")
            if t[2] < 2:
                why.append("one buffer")
            if problem.get("mask", (None,))[0] == "bias":
                why.append("a bias")
            if problem.get("bs", (128, 128)) is not None and problem.get("bm", "auto") is not None:
                why.append("a block mask")
            if problem.get("pattern"):
                why.append("a pattern")
            if "in_flight = dk" in s:
                why.append("dK in flight")
            if "epilogue = tma_store" in s:
                why.append("the TMA store")
            if why:
                return "block_q 128 with " + ", ".join(why) + f": {s} {t}"
        return True
    return f


def picks(problem, bq, dq, det=True):
    base = consistent(problem, det)

    def f(r):
        v = base(r)
        if v is not True:
            return v
        s, t = sched(r), tiling(r)
        if t[0] != bq or f"dq = {dq}" not in s:
            return f"expected block_q {bq}, dq = {dq}: {s} {t}"
        return True
    return f


def compiled(budget=232448):
    fits = s14.fits_budget(budget)

    def f(r):
        v = fits(r)
        if v is not True:
            return v
        for k in r["manifest"].get("kernels", []):
            res = k.get("resources") or {}
            if res.get("spill_store_bytes", 0):
                return f"{k['name']} spills {res['spill_store_bytes']} B ({res.get('registers')} registers)"
        return True
    return f


def build():
    base = dict(bs=None)
    # ---- A. D110/D112: ordered dQ on the wide q-block (deterministic, D = 64).
    problems = {
        "dense": {}, "causal": dict(causal=True),
        "causal-nq<nk": dict(causal=True, Nq=300, Nk=1000),
        "causal-nq>nk": dict(causal=True, Nq=1000, Nk=300),
        "gqa8": dict(Hq=8, Hkv=1), "gqa8-causal": dict(Hq=8, Hkv=1, causal=True),
        "keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "keep-bcast": dict(mask=("bool", [1, 1, 1, 1024])),
        "window": dict(window=(200, 17)), "window-causal": dict(window=(200, 0), causal=True),
        "f16": dict(dt="f16"), "nq1": dict(Nq=1), "nq17": dict(Nq=17), "nq127": dict(Nq=127),
        "nq129": dict(Nq=129), "nk1": dict(Nk=1), "nq1-nk1": dict(Nq=1, Nk=1),
        "nq2^31": dict(Hq=1, Hkv=1, Nq=BIG, Nk=64),
        "nk2^31": dict(Hq=1, Hkv=1, Nq=64, Nk=BIG),
        "nqnk2^31": dict(Hq=1, Hkv=1, Nq=BIG, Nk=BIG),
        "h65535": dict(Hq=65535, Hkv=65535, Nq=128, Nk=128),
        "b65535": dict(B=65535, Hq=1, Hkv=1, Nq=128, Nk=128),
        "dyn-nq": dict(Nq=None), "dyn-b": dict(B=None),
        "bias": dict(mask=("bias", [1, 2, 1024, 1024])),
        "bias-grad": dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True),
        "block-mask": dict(bs=(128, 128)),
        "pattern": dict(pattern="chunk = 128, global = 16"),
        "d128": dict(D=128), "d64v128": dict(Dv=128), "d80": dict(D=80), "f32": dict(dt="f32"),
    }
    wide_ok = {"dense", "causal", "causal-nq<nk", "causal-nq>nk", "gqa8", "gqa8-causal",
               "keep", "keep-bcast", "window", "window-causal", "f16", "nq1", "nq17",
               "nq127", "nq129", "nk1", "nq1-nk1", "nq2^31", "nk2^31", "h65535", "b65535",
               "dyn-nq", "dyn-b"}
    picked = {"dense", "causal", "gqa8", "gqa8-causal", "keep", "f16"}
    for name, kw in problems.items():
        p = dict(base, **kw)
        text = grad(det=True, **p)
        for kernel in ("auto", "wgmma"):
            # The model's pick where D112 measured it (N = 1024 here): the
            # wide q-block; elsewhere any consistent schedule (block_q 64 at
            # Nq = 1 or with a window is the model's choice, not an error).
            check = picks(p, 128, "ordered") if name in picked else consistent(p, True)
            case(f"det-{name}-{kernel}", text, "either", "select", f"kernel={kernel}", check)
        for opt in ("backward-epilogue=tma-store", "backward-in-flight=dk", "block-mask-walk=compacted",
                    "dq=atomic", "dq=ordered", "backward-epilogue=direct"):
            case(f"det-{name}-{opt}", text, "either", "select", f"kernel=auto {opt}", consistent(p, True))
        # Written: the wide tiling with ordered dQ, selected and by hand.
        wtext = grad(det=True, extra=[BS.format("kernel = wgmma, dq = ordered"), WIDE], **p)
        exp = "either" if name in wide_ok else "error"
        case(f"det-written-{name}-select", wtext, exp, "select", "kernel=auto", consistent(p, True))
        case(f"det-written-{name}-hand", wtext, "either" if name in wide_ok else "error", "hand", "")
    # The wide ordered tiling written with what it refuses.
    for name, fields in [("tma", "dq = ordered, epilogue = tma_store"),
                         ("inflight", "dq = ordered, in_flight = dk"),
                         ("walk", "dq = ordered, walk = compacted")]:
        t = grad(det=True, extra=[BS.format("kernel = wgmma, " + fields), WIDE])
        case(f"det-wide-{name}-select", t, "error", "select", "kernel=auto")
        case(f"det-wide-{name}-hand", t, "error", "hand", "")
    one = "tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 1, warps = 8>"
    t = grad(det=True, extra=[BS.format("kernel = wgmma, dq = ordered"), one])
    case("det-wide-one-buffer-select", t, "error", "select", "kernel=auto")
    case("det-wide-one-buffer-hand", t, "error", "hand", "")
    # Through fa-compile (the semaphores' scratch sized per 128-row q-block).
    for name in ("dense", "causal-nq>nk", "gqa8-causal", "keep", "nq1", "nq129", "nq2^31",
                 "h65535", "b65535", "dyn-nq"):
        p = dict(base, **problems[name])
        case(f"det-compile-{name}", grad(det=True, **p), "either", "compile", "target=h100",
             s14.fits_budget(232448), timeout=300)
    for name in ("dense", "causal", "keep"):
        p = dict(base, **problems[name])
        case(f"det-ptxas-{name}", grad(det=True, **p), "ok", "compile", "target=h100",
             s14.fits_budget(232448), timeout=600, ptxas=True)

    # ---- B. D111: hand-written backward tilings at and past the bounds.
    sizes = {
        "nq2^31-1": dict(Nq=BIG, Nk=64), "nq2^31": dict(Nq=BIG + 1, Nk=64),
        "nk2^31": dict(Nq=64, Nk=BIG + 1), "nq2^32": dict(Nq=2**32, Nk=64),
        "nq0": dict(Nq=0, Nk=64), "nk0": dict(Nq=64, Nk=0), "b0": dict(B=0),
        "b2^31": dict(B=2**31, Nq=64, Nk=64), "h2^20": dict(Hq=2**20, Hkv=2**20, Nq=64, Nk=64),
        "d65536": dict(D=65536, Nq=16, Nk=16), "d65537": dict(D=65537, Nq=16, Nk=16),
        "prod2^62": dict(B=2**20, Hq=2**10, Hkv=2**10, Nq=2**12, Nk=2**12),
        "prod2^63": dict(B=2**21, Hq=2**10, Hkv=2**10, Nq=2**12, Nk=2**12),
        "dyn-nq": dict(Nq=None), "dyn-all": dict(B=None, Nq=None, Nk=None),
    }
    schedules = {
        "wgmma-wide": (BS.format("kernel = wgmma, dq = atomic"), WIDE, 64),
        "wgmma-wide-ordered": (BS.format("kernel = wgmma, dq = ordered"), WIDE, 64),
        "wgmma": (BS.format("kernel = wgmma, dq = atomic"), NARROW, 128),
        "mma": (BS.format("kernel = mma_sync, dq = atomic"),
                "tiling = #fa.tiling<block_q = 32, block_kv = 128, stages = 1, warps = 8>", 64),
        "simt": (BS.format("kernel = simt, dq = separate"),
                 "tiling = #fa.tiling<block_q = 16, block_kv = 16, stages = 1, warps = 4>", 64),
    }
    for sname, kw in sizes.items():
        for kname, (s, t, D) in schedules.items():
            p = dict(base, Hq=kw.get("Hq", 1), Hkv=kw.get("Hkv", 1), D=kw.get("D", D),
                     **{k: v for k, v in kw.items() if k not in ("Hq", "Hkv", "D")})
            det = "ordered" in s
            text = grad(det=det, extra=[s, t], **p)
            # Within the bounds (the grid's limits are the GPU tail's check,
            # fa-check-launch-limits): B = 2^31, 2^20 heads, D = 65536, a
            # product of 2^62 (D = 64) are legal problems.
            ok_sizes = ("nq2^31-1", "dyn-nq", "dyn-all", "b2^31", "h2^20", "d65536",
                        "prod2^62")
            exp = "either" if sname in ok_sizes else "error"
            if kname == "simt":
                case(f"bounds-{sname}-{kname}-tile", text, exp, "opt",
                     "--fa-set-target=target=h100|--fa-tile-attention", timeout=120)
            else:
                case(f"bounds-{sname}-{kname}-hand", text, exp, "hand", "", timeout=120)

    # ---- C. D113 item 2: a second fa-select-tiling against the schedule.
    second = {
        "epilogue-direct": ("backward-epilogue=direct", dict(D=128), "error"),
        "epilogue-tma": ("backward-epilogue=tma-store", dict(D=64), "error"),
        "epilogue-tma-same": ("backward-epilogue=tma-store", dict(D=128), "ok"),
        "inflight-dk": ("backward-in-flight=dk", dict(D=128), "error"),
        "inflight-none": ("backward-in-flight=none", dict(D=128), "ok"),
        "dq-ordered": ("dq=ordered", dict(D=128), "error"),
        "dq-atomic": ("dq=atomic", dict(D=128), "ok"),
        "walk-dense-bm": ("block-mask-walk=dense", dict(D=128, bs=(128, 128)), "error"),
        "walk-compacted-bm": ("block-mask-walk=compacted", dict(D=128, bs=(128, 128)), "ok"),
        "walk-compacted-nobm": ("block-mask-walk=compacted", dict(D=128), "ok"),
        "deterministic": ("deterministic", dict(D=128), "error"),
        "auto-all": ("dq=auto block-mask-walk=auto backward-in-flight=auto backward-epilogue=auto", dict(D=128), "ok"),
    }
    for name, (opt, kw, exp) in second.items():
        p = dict(base, **kw)
        if "bs" in kw:
            p.pop("bs")
            p["bs"] = kw["bs"]
        case(f"rerun-{name}", grad(**p), exp, "opt",
             f"--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma|--fa-select-tiling={opt}")
    # mma.sync's schedule: the wgmma options ask for nothing it has.
    for opt in ("backward-epilogue=tma-store", "backward-in-flight=dk", "block-mask-walk=compacted"):
        case(f"rerun-mma-{opt}", grad(D=128, bs=(128, 128)), "ok", "opt",
             f"--fa-set-target=target=h100|--fa-select-tiling=kernel=mma-sync|--fa-select-tiling={opt}")
    # The forward's walk.
    for opt, exp in (("block-mask-walk=dense", "error"), ("block-mask-walk=compacted", "ok")):
        case(f"rerun-fwd-{opt}", fwd(D=128), exp, "opt",
             f"--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma|--fa-select-tiling={opt}")
        case(f"rerun-fwd-mma-{opt}", fwd(D=64), exp, "opt",
             f"--fa-set-target=target=a100|--fa-select-tiling=kernel=mma-sync|--fa-select-tiling={opt}")
    # The whole pipeline twice (its options are all `auto` the second time).
    case("rerun-pipeline-twice", grad(D=128), "ok", "opt",
         "--fa-to-ptx-pipeline=target=h100 backward-epilogue=direct|--fa-to-ptx-pipeline=target=h100", timeout=300)
    case("rerun-pipeline-twice-conflict", grad(D=128), "error", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=auto backward-epilogue=direct|--fa-to-ptx-pipeline=target=h100 backward-epilogue=tma-store", timeout=300)

    # ---- D. D113 item 3: the mma.sync backward by hand, on the registers' edge.
    for D, bq, warps, exp in [(64, 128, 8, "error"), (64, 96, 8, "error"), (64, 64, 8, "error"),
                              (64, 48, 8, "ok"),
                              (128, 64, 8, "error"), (128, 32, 8, "ok"), (64, 16, 16, "error"),
                              (256, 16, 8, "error"), (192, 16, 8, "either")]:
        Dv = 128 if D == 192 else D
        t = f"tiling = #fa.tiling<block_q = {bq}, block_kv = {16 * warps}, stages = 1, warps = {warps}>"
        text = grad(D=D, Dv=Dv, extra=[BS.format("kernel = mma_sync, dq = atomic"), t], **base)
        case(f"mma-hand-d{D}-bq{bq}-w{warps}", text, exp, "hand", "")
        case(f"mma-select-d{D}-bq{bq}-w{warps}", text, exp, "select", "kernel=auto")

    # ---- E. D113 item 1: the forward's compacted walk on sm_80 (mma.sync).
    T = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
    S = "schedule = #fa.schedule<kernel = mma_sync, epilogue = staged{}>"
    for D, bq, bkv, st, w in [(128, 128, 64, 2, 4), (128, 128, 32, 2, 4), (128, 64, 128, 2, 4),
                              (64, 128, 96, 2, 4), (64, 192, 64, 2, 4), (64, 128, 64, 2, 4)]:
        for walk in ("", ", walk = compacted"):
            text = fwd(D=D, bs=(bq, bkv), extra=[S.format(walk), T.format(bq, bkv, st, w)])
            tag = f"walk-d{D}-{bq}x{bkv}x{st}x{w}-{'c' if walk else 'd'}"
            case(f"{tag}-select", text, "either", "select", "kernel=auto")
            # The dense walk keeps estimates up to 20 over 255 as a priced
            # spill (D07): only the compacted walk must assemble clean.
            case(f"{tag}-ptxas", text, "either", "compile", "target=a100",
                 compiled(166912) if walk else s14.fits_budget(166912),
                 timeout=300, ptxas=True)
    for name, kw in [("keep", dict(mask=("bool", [1, 2, 1024, 1024]))), ("plain", {}),
                     ("bias", dict(mask=("bias", [1, 1, 1024, 1024]))), ("d128", dict(D=128)),
                     ("d128-keep", dict(D=128, mask=("bool", [1, 2, 1024, 1024])))]:
        case(f"walk-auto-{name}-a100", fwd(**kw), "either", "compile",
             "target=a100 block-mask-walk=compacted", compiled(166912), timeout=300, ptxas=True)


def main():
    s14.build, s14.boundaries = build, lambda bindir: None
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s14.main()


if __name__ == "__main__":
    sys.exit(main())
