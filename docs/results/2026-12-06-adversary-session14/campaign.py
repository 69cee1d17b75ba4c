#!/usr/bin/env python3
"""Session 14's attack on what session 13 added (issue 27, docs/Reliability.md):
the forwards' and the wgmma backward's compacted walk under a block mask
(`walk` on #fa.schedule and #fa.backward_schedule, kernel=auto's pick, the
`block-mask-walk` option of fa-select-tiling and fa-to-ptx-pipeline) and
`in_flight = dk` / `backward-in-flight` (D99, D100, D101, D103).

    python3 campaign.py [--bin build/bin] [--out DIR] [--only SUBSTR]

Each case is one fa-opt or fa-compile run; its outcome is one of
  ok        exit 0, and the case's own check of the result holds
  error     exit 1 with an `error:` diagnostic (and the expected words)
  CRASH     a signal, an abort, a sanitizer report, "PLEASE submit"
  HANG      over the time limit (60 s unless the case says more)
  SILENT    exit 0 where an error was due, or the result's check fails
            (a walk option ignored, a list that cannot hold every step),
            or a failure without `error:`
`expect` says which of ok/error is due ("either" where both are acceptable).
Writes cases.tsv (one line a case) and prints the counts.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

BIG = 2**31 - 1


def T(shape, elt):
    return "tensor<" + "x".join("?" if s is None else str(s) for s in shape) + "x" + elt + ">"


def cdiv(a, b):
    return -(-a // b)


def attrs_text(causal=False, det=False, window=None, pattern=None, bs=None,
               extra=(), scale=0.125):
    attrs = [f"scale = {scale!r} : f32"]
    if causal:
        attrs.insert(0, "causal")
    if det:
        attrs.insert(0, "deterministic")
    if window:
        attrs.append(f"window = #fa.window<left = {window[0]}, right = {window[1]}>")
    if pattern:
        attrs.append(f"mask_pattern = #fa.mask_pattern<{pattern}>")
    if bs:
        attrs.append(f"block_sparse = #fa.block_sparse<block_q = {bs[0]}, block_kv = {bs[1]}>")
    return ", ".join(attrs + list(extra))


def fwd(B=1, Hq=2, Hkv=2, Nq=1024, Nk=1024, D=64, Dv=None, dt="bf16",
        bm="auto", bs=(128, 128), mask=None, lse=False, **kw):
    """An fa.attention function; bm = (shape, elt) of the block mask (auto:
    the one `bs` asks for, None: no block mask)."""
    Dv = Dv or D
    if bm == "auto":
        bm = ([1, Hq, cdiv(Nq, bs[0]) if Nq else None, cdiv(Nk, bs[1]) if Nk else None], "i8") if bs else None
    tq, tk, tv = T([B, Hq, Nq, D], dt), T([B, Hkv, Nk, D], dt), T([B, Hkv, Nk, Dv], dt)
    to = T([B, Hq, Nq, Dv], dt)
    ins = [("q", tq), ("k", tk), ("v", tv)]
    more, clause = [], ""
    if mask:
        tm = T(mask[1], "i1" if mask[0] == "bool" else dt)
        more.append(("mask", tm))
        clause += f" mask(%mask : {tm})"
    if bm:
        tb = T(*bm)
        more.append(("bm", tb))
        clause += f" block_mask(%bm : {tb})"
    outs = [("o", to)]
    if lse:
        outs.append(("lse", T([B, Hq, Nq], "f32")))
    names = lambda xs: ", ".join("%" + n for n, _ in xs)
    types = lambda xs: ", ".join(t for _, t in xs)
    sig = ", ".join(f"%{n}: {t}" for n, t in ins + more + outs)
    res = ", ".join(f"%r#{i}" for i in range(len(outs))) if lse else "%r"
    lhs = f"%r:{len(outs)}" if lse else "%r"
    return (f"func.func @attention({sig}) -> ({types(outs)}) {{\n"
            f"  {lhs} = fa.attention ins({names(ins)} : {types(ins)}){clause}\n"
            f"       outs({names(outs)} : {types(outs)}) {{{attrs_text(bs=bs if bm else None, **kw)}}} -> {types(outs)}\n"
            f"  return {res} : {types(outs)}\n}}\n")


def grad(B=1, Hq=2, Hkv=2, Nq=1024, Nk=1024, D=64, Dv=None, dt="bf16",
         bm="auto", bs=(128, 128), mask=None, bias_grad=False, **kw):
    Dv = Dv or D
    if bm == "auto":
        bm = ([1, Hq, cdiv(Nq, bs[0]) if Nq else None, cdiv(Nk, bs[1]) if Nk else None], "i8") if bs else None
    tq, tk, tv = T([B, Hq, Nq, D], dt), T([B, Hkv, Nk, D], dt), T([B, Hkv, Nk, Dv], dt)
    to, tl = T([B, Hq, Nq, Dv], dt), T([B, Hq, Nq], "f32")
    ins = [("q", tq), ("k", tk), ("v", tv), ("o", to), ("do", to), ("lse", tl)]
    outs = [("dq", tq), ("dk", tk), ("dv", tv)]
    more, clause = [], ""
    if mask:
        tm = T(mask[1], "i1" if mask[0] == "bool" else dt)
        more.append(("mask", tm))
        clause += f" mask(%mask : {tm})"
        if bias_grad:
            outs.append(("dbias", tm))
    if bm:
        tb = T(*bm)
        more.append(("bm", tb))
        clause += f" block_mask(%bm : {tb})"
    names = lambda xs: ", ".join("%" + n for n, _ in xs)
    types = lambda xs: ", ".join(t for _, t in xs)
    sig = ", ".join(f"%{n}: {t}" for n, t in ins + more + outs)
    rets = ", ".join(f"%r#{i}" for i in range(len(outs)))
    return (f"func.func @attention_grad({sig}) -> ({types(outs)}) {{\n"
            f"  %r:{len(outs)} = fa.attention_grad ins({names(ins)} : {types(ins)}){clause}\n"
            f"       outs({names(outs)} : {types(outs)}) {{{attrs_text(bs=bs if bm else None, **kw)}}} -> {types(outs)}\n"
            f"  return {rets} : {types(outs)}\n}}\n")


CASES = []


def case(name, text, expect, tool="select", options="", check=None,
         timeout=60, words=None, module="", ptxas=False):
    """tool: select (fa-set-target, fa-select-tiling{options}), convert
    (select, bufferize, convert-fa-to-nvgpu), hand (bufferize and convert
    the op's own schedule), compile (fa-compile --pipeline-options), opt
    (fa-opt with `options` as its whole argument list)."""
    CASES.append(dict(name=name, text=module + text, expect=expect, tool=tool,
                      options=options, check=check, timeout=timeout,
                      words=words, ptxas=ptxas))


# ---- checks ------------------------------------------------------------------
def sched(r):
    m = re.search(r"#fa\.(backward_)?schedule<[^>]*>", r["out"])
    return m.group(0) if m else ""


def walks(expected):
    """The recorded schedule walks `expected` (compacted or dense)."""
    def f(r):
        s = sched(r)
        got = "compacted" if "walk = compacted" in s else "dense"
        return got == expected or f"walk {got}, not {expected}: {s or 'no schedule'}"
    return f


def in_flight(expected):
    def f(r):
        s = sched(r)
        got = "dk" if "in_flight = dk" in s else "none"
        return got == expected or f"in_flight {got}, not {expected}: {s or 'no schedule'}"
    return f


def in_flight_follows(dk):
    """in_flight = dk exactly where it was asked for and the kernel is
    wgmma."""
    def f(r):
        s = sched(r)
        want = "dk" if dk and "kernel = wgmma" in s else "none"
        return in_flight(want)(r)
    return f


def compacted_if_tensor_core(r):
    """block-mask-walk=compacted: a tensor-core kernel (kernel=auto's pick
    too) walks the list; the SIMT kernel walks dense."""
    s = sched(r)
    return walks("dense" if "kernel = simt" in s else "compacted")(r)


def kernel_is(k):
    return lambda r: f"kernel = {k}" in sched(r) or f"kernel not {k}: {sched(r)}"


def both(*fs):
    def f(r):
        for g in fs:
            v = g(r)
            if v is not True:
                return v
        return True
    return f


LIST_RE = re.compile(r"memref<(\d+)xi32, #gpu\.address_space<workgroup>>")


def list_holds(n, group=1, forward=True):
    """The converted kernel's shared list (an i32 memref in workgroup
    memory) holds every step of the walk: the forward's ceil(Nk /
    block_kv) kv-blocks, the backward's group x ceil(Nq / block_q)
    q-blocks, for the tiling fa-select-tiling chose."""
    def f(r):
        t = r.get("tiling")
        if not t:
            return "no tiling"
        entries = group * cdiv(n, t[1] if forward else t[0])
        sizes = [int(x) for x in LIST_RE.findall(r["out"])]
        if not sizes:
            return "no i32 list in workgroup memory"
        return max(sizes) >= entries or f"list of {max(sizes)} < {entries} steps"
    return f


def manifest_summary(m):
    """Each kernel's shared bytes (dynamic + static) and ptxas's registers
    and spills, where ptxas ran."""
    out = []
    for k in m.get("kernels", []):
        res = k.get("resources") or {}
        out.append(f"{k['name']}: {k.get('shared_bytes', 0)}+{res.get('static_shared_bytes', 0)} B"
                   + (f", {res['registers']} regs, spills {res.get('spill_store_bytes', 0)}"
                      if "registers" in res else ""))
    return "; ".join(out)


def fits_budget(budget, scan=None):
    """Every kernel's launch fits `budget` bytes of shared memory and
    (scan=True/False) the compacted walk's scan (the kernels' only ballot)
    is in the PTX or not. (ptxas's spills are in the detail: a written
    tiling may spill, walk or not.)"""
    def f(r):
        for k in r["manifest"].get("kernels", []):
            res = k.get("resources") or {}
            total = k.get("shared_bytes", 0) + res.get("static_shared_bytes", 0)
            if total > budget:
                return f"{k['name']} launches {total} B > {budget} B"
        if scan is not None and ("vote.sync.ballot" in r["ptx"]) != scan:
            return f"the scan {'missing' if scan else 'present'} in the PTX"
        return True
    return f


def reads_walk_list(r):
    return bool(LIST_RE.search(r["out"])) or "no list in the converted kernel"


# ---- the cases ---------------------------------------------------------------
MODS = {
    "h100": "",
}


def build():
    kernels_f = ("auto", "wgmma", "mma-sync", "simt")
    walks_opt = ("auto", "dense", "compacted")
    # F1: the forward's option matrix on plain block-mask problems.
    probs = {
        "bm128": dict(),
        "bm128-causal-nq<nk": dict(Nq=300, Nk=1000, causal=True),
        "bm128-causal-nq>nk": dict(Nq=1000, Nk=300, causal=True),
        "bm64x256-gqa": dict(Hq=8, Hkv=2, Nq=777, Nk=1500, bs=(64, 256)),
        "bm256x64-d128": dict(D=128, bs=(256, 64), Nq=4096, Nk=4096),
        "bm16x16": dict(bs=(16, 16), Nq=100, Nk=100),
        "bm-window": dict(window=(200, 100), Nq=2048, Nk=2048),
        "bm-keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "bm-bias": dict(mask=("bias", [1, 1, 1024, 1024])),
        "bm-lse": dict(lse=True),
        "bm-i1": dict(bm=([1, 2, 8, 8], "i1")),
        "bm-bcast": dict(B=2, Hq=4, Hkv=4, bm=([1, 1, 8, 8], "i8")),
        "bm-d256": dict(D=256),
        "bm-d192v128": dict(D=192, Dv=128),
        "bm-f32": dict(dt="f32"),
        "bm-f16": dict(dt="f16"),
        "bm-nq1": dict(Nq=1, Nk=5000),
        "bm-nk1": dict(Nq=5000, Nk=1),
        "bm-one-entry-huge-blocks": dict(Nq=100, Nk=100, bs=(2**31, 2**62)),
        "nomask": dict(bs=None),
        "pattern": dict(bs=None, pattern="chunk = 128"),
    }
    for pname, kw in probs.items():
        for k in kernels_f:
            for w in walks_opt:
                name = f"fwd-{pname}-{k}-{w}"
                has_bm = kw.get("bs", (128, 128)) is not None
                tc = k in ("wgmma", "mma-sync")
                chk = None
                if not has_bm or k == "simt" or w == "dense":
                    chk = walks("dense")
                elif w == "compacted":
                    chk = compacted_if_tensor_core
                case(name, fwd(**kw), "either", "select",
                     f"kernel={k} block-mask-walk={w}", chk)
    # F1b: converted kernels hold every step in their list.
    for pname, kw in (("bm128", dict()), ("bm16x16", dict(bs=(16, 16), Nq=100, Nk=100)),
                      ("bm64x256-gqa", dict(Hq=8, Hkv=2, Nq=777, Nk=1500, bs=(64, 256))),
                      ("nk-65536", dict(Nk=65536, Nq=128, Hq=1, Hkv=1)),
                      ("nk-1", dict(Nk=1, Nq=300)), ("window", dict(window=(200, 100), Nq=2048, Nk=2048)),
                      ("causal-nq>nk", dict(Nq=1000, Nk=300, causal=True))):
        for k in ("wgmma", "mma-sync"):
            case(f"fwd-convert-{pname}-{k}", fwd(**kw), "either", "convert",
                 f"kernel={k} block-mask-walk=compacted", list_holds(kw.get("Nk", 1024)))
    for pname, kw in (("bm128", dict()), ("gqa4", dict(Hq=8, Hkv=2)),
                      ("causal-nq<nk", dict(Nq=300, Nk=1000, causal=True)),
                      ("nq-1", dict(Nq=1, Nk=500)), ("gqa8-nq4097", dict(Hq=8, Hkv=1, Nq=4097, Nk=256))):
        g = kw.get("Hq", 2) // kw.get("Hkv", 2)
        case(f"bwd-convert-{pname}-wgmma", grad(**kw), "either", "convert",
             "kernel=wgmma block-mask-walk=compacted",
             list_holds(kw.get("Nq", 1024), g, forward=False))
    # F2: extreme Nk with the forward's list (the list is ceil(Nk / block_kv)).
    for Nk in (2**16, 2**17, 2**20, 2**24, 2**31 - 1):
        for bk in (16, 128, 2**20, 2**31):
            for k in ("auto", "wgmma", "mma-sync"):
                for w in ("auto", "compacted"):
                    kw = dict(Hq=1, Hkv=1, Nq=128, Nk=Nk, bs=(128, bk))
                    case(f"fwd-nk{Nk}-bk{bk}-{k}-{w}", fwd(**kw), "either",
                         "select", f"kernel={k} block-mask-walk={w}",
                         compacted_if_tensor_core if w == "compacted" else None,
                         timeout=120)
    # F2b: Nq at the bound with a block mask (the grid, not the list).
    for k in ("wgmma", "mma-sync"):
        case(f"fwd-nq2^31-{k}-compacted", fwd(Hq=1, Hkv=1, Nq=BIG, Nk=1024),
             "either", "select", f"kernel={k} block-mask-walk=compacted", walks("compacted"), timeout=120)
    # F3: dynamic sizes.
    for k in ("wgmma", "mma-sync", "auto"):
        for w in ("auto", "compacted", "dense"):
            case(f"fwd-dyn-nk-{k}-{w}", fwd(Nk=None, bm=([1, 2, 8, None], "i8")),
                 "error" if (w == "compacted" and k != "auto") else "either", "select",
                 f"kernel={k} block-mask-walk={w}", walks("dense"))
            case(f"fwd-dyn-nq-{k}-{w}", fwd(Nq=None, bm=([1, 2, None, 8], "i8")),
                 "either", "select", f"kernel={k} block-mask-walk={w}",
                 walks("compacted") if (w == "compacted" and k != "auto") else None)
            case(f"fwd-dyn-b-{k}-{w}", fwd(B=None, bm=([1, 2, 8, 8], "i8")),
                 "either", "select", f"kernel={k} block-mask-walk={w}",
                 walks("compacted") if (w == "compacted" and k != "auto") else None)
    # F4: written schedules (kept by fa-select-tiling, converted by hand).
    S = "schedule = #fa.schedule<{}>"
    Ti = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
    written = [
        ("simt-compacted", "kernel = simt, walk = compacted", None, {}, "error"),
        ("wgmma-walk-auto", "kernel = wgmma, loads = tma, walk = auto", None, {}, "error"),
        ("wgmma-walk-bogus", "kernel = wgmma, loads = tma, walk = sparse", None, {}, "error"),
        ("wgmma-walk-Compacted", "kernel = wgmma, loads = tma, walk = Compacted", None, {}, "error"),
        ("wgmma-walk-twice", "kernel = wgmma, loads = tma, walk = compacted, walk = dense", None, {}, "error"),
        ("wgmma-walk-int", "kernel = wgmma, loads = tma, walk = 1", None, {}, "error"),
        ("wgmma-compacted-nomask", "kernel = wgmma, loads = tma, walk = compacted", None, dict(bs=None), "error"),
        ("wgmma-compacted-pattern", "kernel = wgmma, loads = tma, walk = compacted", None, dict(bs=None, pattern="chunk = 64"), "error"),
        ("wgmma-compacted-dyn-nk", "kernel = wgmma, loads = tma, walk = compacted", None, dict(Nk=None, bm=([1, 2, 8, None], "i8")), "error"),
        ("wgmma-compacted", "kernel = wgmma, loads = tma, walk = compacted", None, {}, "ok"),
        ("wgmma-compacted-cpasync", "kernel = wgmma, walk = compacted", None, {}, "ok"),
        ("wgmma-compacted-producer", "kernel = wgmma, loads = tma, release = producer, consumer_regs = 240, walk = compacted", (128, 128, 2, 12), dict(D=128), "either"),
        ("wgmma-compacted-overlap", "kernel = wgmma, loads = tma, release = producer, step = overlap, consumer_regs = 240, walk = compacted", (128, 128, 2, 12), dict(D=128), "error"),
        ("wgmma-compacted-pingpong", "kernel = wgmma, loads = tma, release = producer, pingpong = true, consumer_regs = 240, walk = compacted", (128, 128, 2, 12), dict(D=128), "error"),
        ("wgmma-compacted-tma-store", "kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted", None, {}, "ok"),
        ("mma-compacted", "kernel = mma_sync, walk = compacted", None, {}, "ok"),
        ("mma-compacted-branch", "kernel = mma_sync, masked_steps = branch, walk = compacted", None, dict(causal=True), "ok"),
        ("mma-compacted-staged", "kernel = mma_sync, epilogue = staged, walk = compacted", None, {}, "ok"),
        ("mma-compacted-sm80", "kernel = mma_sync, walk = compacted", None, {}, "ok"),
        ("wgmma-compacted-list-over", "kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted", (128, 128, 3, 8), dict(D=128, Nq=128, Nk=131072, Hq=1, Hkv=1), "error"),
        ("mma-compacted-list-over", "kernel = mma_sync, walk = compacted", (64, 64, 2, 4), dict(D=128, Nq=128, Nk=BIG, Hq=1, Hkv=1), "error"),
        ("wgmma-compacted-nk2^31", "kernel = wgmma, loads = tma, walk = compacted", (64, 64, 2, 4), dict(D=64, Nq=128, Nk=BIG, Hq=1, Hkv=1, bs=(128, 2**31)), "error"),
        ("wgmma-compacted-bk-not-dividing", "kernel = wgmma, loads = tma, walk = compacted", (64, 96, 2, 4), dict(bs=(128, 128)), "error"),
        ("wgmma-compacted-bq-not-dividing", "kernel = wgmma, loads = tma, walk = compacted", (128, 64, 2, 8), dict(bs=(64, 128)), "error"),
        ("wgmma-compacted-on-grad", "kernel = wgmma, loads = tma, walk = compacted", None, dict(_grad=True), "error"),
        ("bwd-schedule-on-fwd", None, None, dict(_bwd_sched="kernel = wgmma, dq = atomic, walk = compacted"), "error"),
        ("bwd-schedule-inflight-on-fwd", None, None, dict(_bwd_sched="kernel = wgmma, dq = atomic, in_flight = dk"), "error"),
        ("fwd-schedule-inflight", "kernel = wgmma, loads = tma, in_flight = dk", None, {}, "error"),
    ]
    for name, body, tiling, kw, exp in written:
        kw = dict(kw)
        extra = []
        g = kw.pop("_grad", False)
        bsched = kw.pop("_bwd_sched", None)
        if body:
            extra.append(S.format(body))
        if bsched:
            extra.append(f"schedule = #fa.backward_schedule<{bsched}>")
        if tiling:
            extra.append(Ti.format(*tiling))
        text = (grad if g else fwd)(extra=extra, **kw)
        mod = ""
        if name.endswith("sm80"):
            continue_target = "a100"
        for tool in ("select", "hand" if tiling else "convert"):
            chk = None
            if exp != "error" and "walk = compacted" in (body or ""):
                chk = walks("compacted") if tool == "select" else reads_walk_list
            case(f"fwd-written-{name}-{tool}", text, exp, tool,
                 "" if tool == "hand" else "kernel=auto", chk,
                 timeout=120)
    # B1: the backward's option matrix.
    bprobs = {
        "bm128": dict(),
        "bm128-causal": dict(causal=True, Nq=1000, Nk=700),
        "bm64x128-gqa4": dict(Hq=8, Hkv=2, bs=(64, 128)),
        "bm-det": dict(det=True),
        "bm-d256": dict(D=256),
        "bm-d192v128": dict(D=192, Dv=128),
        "bm-bias-grad": dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True),
        "bm-keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "bm-window": dict(window=(256, 0), causal=True),
        "bm16x16": dict(bs=(16, 16), Nq=100, Nk=100),
        "bm-f16": dict(dt="f16"),
        "bm-f32": dict(dt="f32"),
        "nomask": dict(bs=None),
        "nomask-det": dict(bs=None, det=True),
        "nomask-d256": dict(bs=None, D=256),
        "pattern": dict(bs=None, pattern="chunk = 128"),
    }
    for pname, kw in bprobs.items():
        for k in ("auto", "wgmma", "mma-sync", "simt"):
            for w in walks_opt:
                has_bm = kw.get("bs", (128, 128)) is not None
                chk = None
                if not has_bm or k in ("simt", "mma-sync") or w == "dense":
                    chk = walks("dense")
                elif k in ("wgmma", "auto") and w == "compacted":
                    chk = lambda r: walks("compacted" if "kernel = wgmma" in sched(r) else "dense")(r)
                case(f"bwd-{pname}-{k}-{w}", grad(**kw), "either", "select",
                     f"kernel={k} block-mask-walk={w}", chk)
            for f in ("auto", "none", "dk"):
                # dk concerns the wgmma kernel (kernel=auto's pick too).
                chk = in_flight_follows(f == "dk")
                case(f"bwd-{pname}-{k}-inflight-{f}", grad(**kw), "either", "select",
                     f"kernel={k} backward-in-flight={f}", chk)
        has_bm = kw.get("bs", (128, 128)) is not None
        case(f"bwd-{pname}-wgmma-compacted+dk", grad(**kw),
             "error" if has_bm else "either", "select",
             "kernel=wgmma block-mask-walk=compacted backward-in-flight=dk",
             both(in_flight("dk"), walks("dense")))
    # B2: extreme Nq / group sizes with the backward's list
    # (group x ceil(Nq / block_q) entries).
    for Nq in (2**16, 2**17, 2**20, 2**24, BIG):
        for bq in (64, 128, 2**20):
            for Hq, Hkv in ((1, 1), (64, 1)):
                for w in ("auto", "compacted"):
                    kw = dict(B=1, Hq=Hq, Hkv=Hkv, Nq=Nq, Nk=256, bs=(bq, 128))
                    case(f"bwd-nq{Nq}-bq{bq}-g{Hq}-wgmma-{w}", grad(**kw), "either",
                         "select", f"kernel=wgmma block-mask-walk={w}",
                         walks("compacted") if w == "compacted" else None, timeout=120)
    case("bwd-dyn-nq-compacted", grad(Nq=None, bm=([1, 2, None, 8], "i8")), "error",
         "select", "kernel=wgmma block-mask-walk=compacted")
    case("bwd-dyn-nq-auto", grad(Nq=None, bm=([1, 2, None, 8], "i8")), "either",
         "select", "kernel=wgmma block-mask-walk=auto", walks("dense"))
    case("bwd-dyn-nk-compacted", grad(Nk=None, bm=([1, 2, 8, None], "i8")), "either",
         "select", "kernel=wgmma block-mask-walk=compacted", walks("compacted"))
    case("bwd-dyn-b-compacted", grad(B=None), "either",
         "select", "kernel=wgmma block-mask-walk=compacted", walks("compacted"))
    # B3: written backward schedules.
    BS = "schedule = #fa.backward_schedule<{}>"
    bwritten = [
        ("simt-compacted", "kernel = simt, dq = separate, walk = compacted", None, {}, "error"),
        ("mma-compacted", "kernel = mma_sync, dq = atomic, walk = compacted", None, {}, "error"),
        ("mma-inflight", "kernel = mma_sync, dq = atomic, in_flight = dk", None, {}, "error"),
        ("simt-inflight", "kernel = simt, dq = separate, in_flight = dk", None, {}, "error"),
        ("wgmma-inflight-auto", "kernel = wgmma, dq = atomic, in_flight = auto", None, {}, "error"),
        ("wgmma-inflight-dv", "kernel = wgmma, dq = atomic, in_flight = dv", None, {}, "error"),
        ("wgmma-inflight-DK", "kernel = wgmma, dq = atomic, in_flight = DK", None, {}, "error"),
        ("wgmma-inflight-twice", "kernel = wgmma, dq = atomic, in_flight = dk, in_flight = none", None, {}, "error"),
        ("wgmma-walk-auto", "kernel = wgmma, dq = atomic, walk = auto", None, {}, "error"),
        ("wgmma-compacted-ordered", "kernel = wgmma, dq = ordered, walk = compacted", None, {}, "error"),
        ("wgmma-compacted-nomask", "kernel = wgmma, dq = atomic, walk = compacted", None, dict(bs=None), "error"),
        ("wgmma-compacted-pattern", "kernel = wgmma, dq = atomic, walk = compacted", None, dict(bs=None, pattern="chunk = 64"), "error"),
        ("wgmma-compacted-dyn-nq", "kernel = wgmma, dq = atomic, walk = compacted", None, dict(Nq=None, bm=([1, 2, None, 8], "i8")), "error"),
        ("wgmma-compacted-d256", "kernel = wgmma, dq = atomic, walk = compacted", None, dict(D=256), "error"),
        ("wgmma-compacted-one-buffer", "kernel = wgmma, dq = atomic, walk = compacted", (64, 128, 1, 8), {}, "error"),
        ("wgmma-compacted", "kernel = wgmma, dq = atomic, walk = compacted", None, {}, "ok"),
        ("wgmma-compacted-ring", "kernel = wgmma, dq = atomic, walk = compacted", (64, 128, 2, 8), {}, "ok"),
        ("wgmma-compacted-det", "kernel = wgmma, dq = atomic, walk = compacted", None, dict(det=True), "error"),
        ("wgmma-compacted+dk", "kernel = wgmma, dq = atomic, walk = compacted, in_flight = dk", None, {}, "error"),
        ("wgmma-inflight-bm", "kernel = wgmma, dq = atomic, in_flight = dk", None, {}, "error"),
        ("wgmma-inflight", "kernel = wgmma, dq = atomic, in_flight = dk", None, dict(bs=None), "ok"),
        ("wgmma-inflight-ordered", "kernel = wgmma, dq = ordered, in_flight = dk", None, dict(bs=None, det=True), "ok"),
        ("wgmma-inflight-d256", "kernel = wgmma, dq = atomic, in_flight = dk", None, dict(bs=None, D=256), "error"),
        ("wgmma-inflight-one-buffer", "kernel = wgmma, dq = atomic, in_flight = dk", (64, 128, 1, 8), dict(bs=None), "error"),
        ("wgmma-inflight-pattern", "kernel = wgmma, dq = atomic, in_flight = dk", None, dict(bs=None, pattern="chunk = 128"), "either"),
        ("wgmma-inflight-window", "kernel = wgmma, dq = atomic, in_flight = dk", None, dict(bs=None, window=(100, 0), causal=True), "either"),
        ("wgmma-inflight-bias-grad", "kernel = wgmma, dq = atomic, in_flight = dk", None, dict(bs=None, mask=("bias", [1, 2, 1024, 1024]), bias_grad=True), "either"),
        ("wgmma-compacted-list-over", "kernel = wgmma, dq = atomic, walk = compacted", (64, 128, 2, 8), dict(Hq=64, Hkv=1, Nq=2**20, Nk=256, D=128), "error"),
        ("wgmma-compacted-nq2^31", "kernel = wgmma, dq = atomic, walk = compacted", (64, 128, 2, 8), dict(Hq=1, Hkv=1, Nq=BIG, Nk=256, bs=(2**31, 128)), "error"),
        ("fwd-schedule-on-grad", None, None, dict(_fwd_sched="kernel = wgmma, loads = tma, walk = compacted"), "error"),
    ]
    for name, body, tiling, kw, exp in bwritten:
        kw = dict(kw)
        extra = []
        fs = kw.pop("_fwd_sched", None)
        if body:
            extra.append(BS.format(body))
        if fs:
            extra.append(f"schedule = #fa.schedule<{fs}>")
        if tiling:
            extra.append(Ti.format(*tiling))
        text = grad(extra=extra, **kw)
        for tool in ("select", "hand" if tiling else "convert"):
            chk = None
            if exp != "error" and "walk = compacted" in (body or ""):
                chk = walks("compacted") if tool == "select" else reads_walk_list
            if exp != "error" and "in_flight = dk" in (body or "") and tool == "select":
                chk = in_flight("dk")
            case(f"bwd-written-{name}-{tool}", text, exp, tool,
                 "" if tool == "hand" else "kernel=auto", chk, timeout=120)
    # P: malformed option strings, fa-opt's fa-select-tiling and the pipeline.
    bad_values = ["Compacted", "compact", "", "compacted dense", "compacted,dense",
                  "1", "true", "auto ", "'compacted'", "\"compacted\"", "compacted}",
                  "dense{", "none"]
    # MLIR's option syntax takes a quoted value ('compacted', "compacted")
    # and a trailing blank as the value itself.
    parsed = {"'compacted'": "compacted", '"compacted"': "compacted", "auto ": "compacted"}
    for v in bad_values:
        exp = "ok" if v in parsed else "error"
        chk = walks(parsed[v]) if v in parsed else None
        case(f"opt-select-walk[{v}]", fwd(), exp, "opt",
             f"--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk={v}", chk)
        case(f"opt-pipeline-walk[{v}]", fwd(), exp, "opt",
             f"--fa-to-ptx-pipeline=target=h100 block-mask-walk={v}")
        case(f"compile-walk[{v}]", fwd(), exp, "compile", f"target=h100 block-mask-walk={v}",
             fits_budget(232448, scan=True) if v in parsed else None)
    for v in ["DK", "dv", "dk,dv", "", "1", "all", "compacted", "dk dk"]:
        case(f"opt-select-inflight[{v}]", grad(bs=None), "error", "opt",
             f"--fa-set-target=target=h100|--fa-select-tiling=backward-in-flight={v}")
    case("opt-select-walk-twice", fwd(), "either", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=block-mask-walk=dense block-mask-walk=compacted kernel=wgmma")
    case("opt-pipeline-inflight", grad(bs=None), "error", "opt",
         "--fa-to-ptx-pipeline=target=h100 backward-in-flight=dk")
    # Odd pass orders.
    orders = [
        ("select-compacted-then-dense", fwd(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-select-tiling=block-mask-walk=dense", walks("compacted")),
        ("select-dense-then-compacted", fwd(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=dense|--fa-select-tiling=block-mask-walk=compacted", walks("dense")),
        ("select-then-tile", fwd(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-tile-attention", None),
        ("select-then-decompose", fwd(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-decompose-attention", None),
        ("bwd-select-then-tile", grad(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-tile-attention", None),
        ("bwd-select-then-decompose", grad(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-decompose-attention", None),
        ("bwd-inflight-then-tile", grad(bs=None), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-in-flight=dk|--fa-tile-attention", None),
        ("select-then-check-sram", fwd(Nk=131072, Nq=128, Hq=1, Hkv=1, D=128), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-check-sram-budget", walks("compacted")),
        ("select-then-retarget-small", fwd(Nk=131072, Nq=128, Hq=1, Hkv=1, D=128), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-set-target=target=h100 sram-per-block=100000|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu", None),
        ("bwd-select-then-retarget-small", grad(Nq=2**16, Nk=256, Hq=8, Hkv=1, D=128), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-set-target=target=h100 sram-per-block=150000|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu", None),
        ("select-then-retarget-a100", fwd(), "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--fa-set-target=target=a100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu", None),
        ("bufferize-then-select", fwd(), "--fa-set-target=target=h100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--convert-fa-to-nvgpu", None),
        ("bwd-bufferize-then-select", grad(), "--fa-set-target=target=h100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--fa-select-tiling=kernel=wgmma block-mask-walk=compacted|--convert-fa-to-nvgpu", None),
        ("convert-without-select", fwd(), "--fa-set-target=target=h100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu", None),
        ("pipeline-compacted-twice", fwd(), "--fa-to-ptx-pipeline=target=h100 block-mask-walk=compacted kernel=wgmma|--fa-to-ptx-pipeline=target=h100", None),
    ]
    for name, text, opts, chk in orders:
        case(f"order-{name}", text, "either", "opt", opts, chk, timeout=120)
    # The walk next to every other feature, to a cubin (ptxas): the launch
    # within the budget and the scan in the PTX.
    feats = {
        "bias": dict(mask=("bias", [1, 1, 1024, 1024])),
        "keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "lse": dict(lse=True),
        "window": dict(window=(300, 100)),
        "causal-gqa": dict(Hq=8, Hkv=2, Nq=700, Nk=1500, causal=True),
        "f16-d128": dict(dt="f16", D=128),
        "d256": dict(D=256),
        "bm64x256-nq1": dict(Nq=1, Nk=5000, bs=(64, 256)),
    }
    for fname, kw in feats.items():
        for tname, opts, budget in (("wgmma-h100", "target=h100 kernel=wgmma", 232448),
                                    ("mma-a100", "target=a100 kernel=mma-sync", 166912)):
            case(f"ptxas-fwd-{fname}-{tname}", fwd(**kw), "either", "compile",
                 opts + " block-mask-walk=compacted", fits_budget(budget, scan=True),
                 timeout=300, ptxas=True)
    bfeats = {
        "bias-grad": dict(mask=("bias", [1, 2, 1024, 1024]), bias_grad=True),
        "keep": dict(mask=("bool", [1, 2, 1024, 1024])),
        "window": dict(window=(256, 0), causal=True),
        "causal-gqa": dict(Hq=8, Hkv=2, Nq=700, Nk=1500, causal=True),
        "f16-d128": dict(dt="f16", D=128),
        "nq1": dict(Nq=1, Nk=5000),
    }
    for fname, kw in bfeats.items():
        case(f"ptxas-bwd-{fname}-wgmma-h100", grad(**kw), "either", "compile",
             "target=h100 kernel=wgmma block-mask-walk=compacted",
             fits_budget(232448, scan=True), timeout=300, ptxas=True)
    for fname, kw in (("plain", dict(bs=None)), ("ordered", dict(bs=None, det=True)),
                      ("bias-grad", dict(bs=None, mask=("bias", [1, 2, 1024, 1024]), bias_grad=True)),
                      ("window", dict(bs=None, window=(256, 0), causal=True)),
                      ("pattern", dict(bs=None, pattern="chunk = 128, global = 16"))):
        dq = "ordered" if kw.get("det") else "atomic"
        case(f"ptxas-bwd-inflight-{fname}", grad(D=128, extra=[
            f"schedule = #fa.backward_schedule<kernel = wgmma, dq = {dq}, in_flight = dk>"], **kw),
             "either", "compile", "target=h100", fits_budget(232448, scan=False),
             timeout=300, ptxas=True)

    # fa-check-sram-budget on written schedules: the list counts.
    Ws = "schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store{}>"
    Tw = "tiling = #fa.tiling<block_q = 128, block_kv = 128, stages = 3, warps = 8>"
    for walk, exp in ((", walk = compacted", "error"), ("", "ok")):
        for nk in (131072, 32385, 32384):
            e = exp if (walk and nk != 32384) else "ok"
            case(f"sram-fwd-nk{nk}{'-compacted' if walk else '-dense'}",
                 fwd(Hq=1, Hkv=1, Nq=128, Nk=nk, D=128, extra=[Ws.format(walk), Tw]), e, "opt",
                 "--fa-set-target=target=h100|--fa-check-sram-budget")
    Bs = "schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic{}>"
    Tb = "tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 2, warps = 8>"
    for walk, exp in ((", walk = compacted", "error"), ("", "ok")):
        case(f"sram-bwd-g64-nq2^20{'-compacted' if walk else '-dense'}",
             grad(Hq=64, Hkv=1, Nq=2**20, Nk=256, extra=[Bs.format(walk), Tb]), exp, "opt",
             "--fa-set-target=target=h100|--fa-check-sram-budget")

    # Whole pipeline to PTX with the walk (fa-compile, ptxas=none).
    for name, text, opts in (
            ("fwd-wgmma-compacted", fwd(D=128), "target=h100 kernel=wgmma block-mask-walk=compacted"),
            ("fwd-mma-compacted-a100", fwd(D=128), "target=a100 kernel=mma-sync block-mask-walk=compacted"),
            ("fwd-auto-compacted-t4", fwd(), "target=t4 block-mask-walk=compacted"),
            ("fwd-auto-compacted-sm80-f32", fwd(dt="f32"), "target=a100 block-mask-walk=compacted"),
            ("fwd-naive-compacted", fwd(), "target=h100 naive=true block-mask-walk=compacted"),
            ("bwd-wgmma-compacted", grad(D=128), "target=h100 kernel=wgmma block-mask-walk=compacted"),
            ("bwd-auto-compacted", grad(D=128), "target=h100 block-mask-walk=compacted"),
            ("bwd-auto-compacted-a100", grad(D=128), "target=a100 block-mask-walk=compacted"),
            ("fwd-nk2^20-auto", fwd(Hq=1, Hkv=1, Nq=128, Nk=2**20, D=64), "target=h100"),
            ("bwd-nq2^20-auto", grad(Hq=1, Hkv=1, Nq=2**20, Nk=128, D=64), "target=h100"),
    ):
        case(f"compile-{name}", text, "either", "compile", opts, timeout=300)


def selects(bindir, text, target="h100"):
    """fa-select-tiling keeps the op's written tiling and schedule."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir") as f:
        f.write(text)
        f.flush()
        p = subprocess.run([f"{bindir}/fa-opt", f.name, f"--fa-set-target=target={target}",
                            "--fa-select-tiling=kernel=auto"], capture_output=True, text=True)
    return p.returncode == 0


def boundaries(bindir):
    """The largest sequence whose compacted walk's list still fits a written
    tiling (a binary search with fa-select-tiling), compiled to a cubin at
    that size (its launch within the budget, the scan in the PTX) and one
    block more (an error; kernel=auto's default walks dense there)."""
    Ti = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
    specs = [
        # name, target, budget, make(N) -> text (written schedule), make_auto(N), step
        ("fwd-wgmma-128x128x3x8-d128", "h100", 232448,
         lambda n, s=True: fwd(Hq=1, Hkv=1, Nq=128, Nk=n, D=128, extra=(
             ["schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted>"] if s else [])
             + [Ti.format(128, 128, 3, 8)]), 128),
        ("fwd-wgmma-64x64x4x4-d64-causal", "h100", 232448,
         lambda n, s=True: fwd(Hq=1, Hkv=1, Nq=256, Nk=n, D=64, causal=True, bs=(128, 64), extra=(
             ["schedule = #fa.schedule<kernel = wgmma, loads = tma, epilogue = tma_store, walk = compacted>"] if s else [])
             + [Ti.format(64, 64, 4, 4)]), 64),
        ("fwd-mma-128x64x2x4-d128-a100", "a100", 166912,
         lambda n, s=True: fwd(Hq=1, Hkv=1, Nq=128, Nk=n, D=128, bs=(128, 64), extra=(
             ["schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, walk = compacted>"] if s else [])
             + [Ti.format(128, 64, 2, 4)]), 64),
        ("bwd-wgmma-64x128x2x8-d128-g8", "h100", 232448,
         lambda n, s=True: grad(Hq=8, Hkv=1, Nq=n, Nk=256, D=128, bs=(64, 128), extra=(
             ["schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>"] if s else [])
             + [Ti.format(64, 128, 2, 8)]), 64),
        ("bwd-wgmma-64x128x2x8-d64-g1-causal", "h100", 232448,
         lambda n, s=True: grad(Hq=1, Hkv=1, Nq=n, Nk=256, D=64, causal=True, bs=(64, 128), extra=(
             ["schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic, walk = compacted>"] if s else [])
             + [Ti.format(64, 128, 2, 8)]), 64),
    ]
    for name, target, budget, make, step in specs:
        lo, hi = 1, 2**24
        if not selects(bindir, make(step), target):
            continue
        lo = 1
        while lo < hi:  # the largest block count that selects
            mid = (lo + hi + 1) // 2
            if selects(bindir, make(mid * step), target):
                lo = mid
            else:
                hi = mid - 1
        n = lo * step
        opts = f"target={target}"
        case(f"boundary-{name}-n{n}", make(n), "ok", "compile", opts,
             fits_budget(budget, scan=True), timeout=300, ptxas=True)
        case(f"boundary-{name}-n{n + 1}", make(n + 1), "error", "compile", opts,
             timeout=300)
        case(f"boundary-{name}-n{n + 1}-auto", make(n + 1, False), "ok", "compile",
             opts, fits_budget(budget, scan=False), timeout=300, ptxas=True)


def run_case(c, bindir, work):
    path = os.path.join(work, re.sub(r"[^A-Za-z0-9_.-]", "_", c["name"]) + ".mlir")
    with open(path, "w") as f:
        f.write(c["text"])
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:halt_on_error=1:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1:print_stacktrace=1")
    buf = "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
    target = "a100" if "sm80" in c["name"] else "h100"
    if c["tool"] == "select":
        cmd = [f"{bindir}/fa-opt", path, f"--fa-set-target=target={target}",
               f"--fa-select-tiling={c['options']}"]
    elif c["tool"] == "convert":
        # The selection first (its tiling sizes the list), then the rest.
        sel = subprocess.run([f"{bindir}/fa-opt", path, f"--fa-set-target=target={target}",
                              f"--fa-select-tiling={c['options']}"],
                             capture_output=True, text=True, timeout=c["timeout"], env=env)
        m = re.search(r"#fa\.tiling<block_q = (\d+), block_kv = (\d+)", sel.stdout)
        tiling = (int(m.group(1)), int(m.group(2))) if m else None
        if sel.returncode == 0:
            with open(path, "w") as f:
                f.write(sel.stdout)
        cmd = [f"{bindir}/fa-opt", path, buf, "--convert-fa-to-nvgpu"] if sel.returncode == 0 else \
            [f"{bindir}/fa-opt", path, f"--fa-set-target=target={target}",
             f"--fa-select-tiling={c['options']}"]
    elif c["tool"] == "hand":
        cmd = [f"{bindir}/fa-opt", path, f"--fa-set-target=target={target}", buf,
               "--convert-fa-to-nvgpu"]
    elif c["tool"] == "opt":
        cmd = [f"{bindir}/fa-opt", path] + c["options"].split("|")
    else:
        out = os.path.join(work, "k")
        cmd = [f"{bindir}/fa-compile", path, "-o", out,
               f"--pipeline-options={c['options']}"] + (
                   [] if c["ptxas"] else ["--ptxas=none"])
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=c["timeout"], env=env)
    except subprocess.TimeoutExpired:
        return "HANG", f"over {c['timeout']} s"
    r = {"out": p.stdout, "err": p.stderr,
         "tiling": tiling if c["tool"] == "convert" else None}
    bad = ("PLEASE submit", "Sanitizer", "runtime error:", "Assertion", "LLVM ERROR", "Stack dump")
    if p.returncode < 0 or p.returncode > 1 or any(s in p.stderr for s in bad):
        return "CRASH", f"rc {p.returncode}: " + " | ".join(
            l for l in p.stderr.splitlines() if any(s in l for s in bad + ("error",)))[:300]
    if p.returncode == 1:
        lines = [l for l in p.stderr.splitlines() if "error:" in l]
        # MLIR's option parser names a bad value on its own line, then
        # prints an empty `error:` (docs/Reliability.md, "Smaller ones").
        parser = [l for l in p.stderr.splitlines()
                  if "Cannot find option named" in l or "no such option" in l]
        if parser:
            lines = ["error: " + parser[0]]
        if not lines or not lines[0].split("error:", 1)[1].strip():
            return "SILENT", "exit 1 without a non-empty error: " + p.stderr[:200].replace("\n", " | ")
        got, detail = "error", lines[0].split("error:", 1)[1].strip()[:300]
    else:
        got, detail = "ok", sched(r)
        if c["tool"] == "compile":
            ptx = open(out + ".ptx").read() if os.path.exists(out + ".ptx") else ""
            if ".entry" not in ptx:
                return "SILENT", "no kernel in the PTX"
            r["ptx"] = ptx
            r["manifest"] = json.load(open(out + ".json"))
            detail = manifest_summary(r["manifest"])
    if c["expect"] != "either" and got != c["expect"]:
        return "SILENT" if got == "ok" else "UNEXPECTED-ERROR", detail
    if got == "ok" and c["check"]:
        v = c["check"](r)
        if v is not True:
            return "SILENT", v
    return got, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", default="")
    ap.add_argument("--tsv", default="cases.tsv")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    build()
    if not a.list and ("boundary" in a.only or not a.only):
        boundaries(a.bin)
    cases = [c for c in CASES if a.only in c["name"]]
    if a.list:
        print("\n".join(c["name"] for c in cases))
        return 0
    counts, rows = {}, []
    with tempfile.TemporaryDirectory() as work:
        for c in cases:
            got, detail = run_case(c, a.bin, work)
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{c['name']}\t{c['tool']}\t{c['options']}\t{c['expect']}\t{got}\t{detail}")
            print(f"{got:16} {c['name']}: {detail}", flush=True)
    with open(os.path.join(a.out, a.tsv), "w") as f:
        f.write("case\ttool\toptions\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(len(cases), "cases:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
