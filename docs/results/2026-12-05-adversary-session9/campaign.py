#!/usr/bin/env python3
"""Session 9's attack on what session 8 added (issue 27, docs/Reliability.md):
hand-written bad and extreme fa.attention_grad inputs for fa-compile / fa-opt
(block masks and mask patterns on the wgmma backward's TMA ring, ordered dQ,
the column split at D = 256 and D = 192 / 128, kernel=auto's tensor-core
backward picks, bias above D = 64, sizes near 2^31).

    python3 campaign.py [--bin build-asan/bin] [--out DIR] [--only SUBSTR]

Each case is run once; its outcome is one of
  ok        exit 0, and the case's own check of the result holds
  error     exit 1 with an `error:` diagnostic
  CRASH     a signal, an abort, a sanitizer report, "PLEASE submit"
  HANG      over the time limit
  SILENT    exit 0 where an error was due, or the result's check fails
            (a change of meaning), or a failure without `error:`
and `expect` says which of ok/error the case is due ("either" where both are
acceptable answers). Writes cases.tsv (one line a case) and prints counts.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

H100 = "target=h100"


def T(shape, elt):
    return "tensor<" + "x".join(str(s) for s in shape) + "x" + elt + ">"


def grad(B=1, Hq=2, Hkv=2, Nq=256, Nk=256, D=64, Dv=None, dt="bf16",
         causal=False, det=False, window=None, pattern=None, bm=None,
         bs=None, mask=None, bias_grad=False, extra=(), scale=0.125):
    """An fa.attention_grad function; bm = (shape, elt) of the block mask
    operand, bs = (block_q, block_kv) of #fa.block_sparse (either alone is
    an error), mask = (kind, shape)."""
    Dv = Dv or D
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
    attrs += list(extra)
    names = lambda xs: ", ".join("%" + n for n, _ in xs)
    types = lambda xs: ", ".join(t for _, t in xs)
    sig = ", ".join(f"%{n}: {t}" for n, t in ins + more + outs)
    rets = ", ".join(f"%r#{i}" for i in range(len(outs)))
    return (f"func.func @attention_grad({sig}) -> ({types(outs)}) {{\n"
            f"  %r:{len(outs)} = fa.attention_grad ins({names(ins)} : {types(ins)}){clause}\n"
            f"       outs({names(outs)} : {types(outs)}) {{{', '.join(attrs)}}} -> {types(outs)}\n"
            f"  return {rets} : {types(outs)}\n}}\n")


def bmask(B, H, Nq, Nk, bq, bk, elt="i8"):
    return ([B, H, -(-Nq // bq), -(-Nk // bk)], elt)


CASES = []


def case(name, text, expect, kernel="auto", check=None, tool="compile",
         timeout=300, options=""):
    CASES.append(dict(name=name, text=text, expect=expect, kernel=kernel,
                      check=check, tool=tool, timeout=timeout, options=options))


# ---- checks of a successful compile (its PTX, manifest and select-tiling) --
B8 = re.compile(r"ld\.global(\.nc)?(\.[a-z]+)?\.(b8|u8|s8)")


LOAD_I8 = re.compile(r"memref\.load %arg\d+\[.*\] : memref<[0-9x]+x(i8|i1)>")


def reads_block_mask(r):
    """The kernel reads the block mask: an 8-bit global load in its PTX,
    or (a hand-scheduled conversion, no PTX) a load of the i8/i1 operand."""
    return (bool(B8.search(r["ptx"])) or bool(LOAD_I8.search(r["ir"]))
            or "block mask entry not read")


def schedule(r):
    m = re.search(r"#fa\.backward_schedule<[^>]*>", r["selected"])
    return m.group(0) if m else ""


def deterministic(r):
    s = schedule(r)
    return ("dq = ordered" in s or "kernel = simt" in s or
            f"deterministic request not kept: {s or 'no schedule'}")


def kernel_is(k):
    return lambda r: f"kernel = {k}" in schedule(r) or f"picked {schedule(r)}"


def both(*fs):
    def f(r):
        for g in fs:
            v = g(r)
            if v is not True:
                return v
        return True
    return f


def error_has(s):
    return lambda r: s in r["stderr"] or f"error lacks {s!r}"


# ---- the cases -------------------------------------------------------------
def build():
    head = [(192, 128), (256, 256)]
    for D, Dv in head:
        tag = f"d{D}v{Dv}"
        for k in ("auto", "wgmma"):
            case(f"{tag}-dense-{k}", grad(D=D, Dv=Dv), "ok", k, kernel_is("wgmma"))
            case(f"{tag}-causal-{k}", grad(D=D, Dv=Dv, causal=True), "ok", k, kernel_is("wgmma"))
            case(f"{tag}-n1-{k}", grad(D=D, Dv=Dv, Nq=1, Nk=1), "ok", k)
            case(f"{tag}-nq1-nk1000-{k}", grad(D=D, Dv=Dv, Nq=1, Nk=1000, causal=True), "ok", k)
            case(f"{tag}-nq777-nk100-causal-{k}", grad(D=D, Dv=Dv, Nq=777, Nk=100, causal=True), "ok", k)
            case(f"{tag}-gqa8-{k}", grad(D=D, Dv=Dv, Hq=8, Hkv=1, Nq=129, Nk=65), "ok", k)
            case(f"{tag}-det-{k}", grad(D=D, Dv=Dv, det=True, causal=True), "ok", k, deterministic)
            case(f"{tag}-det-gqa-{k}", grad(D=D, Dv=Dv, det=True, Hq=4, Hkv=2, Nq=300, Nk=200), "ok", k, deterministic)
            case(f"{tag}-window-{k}", grad(D=D, Dv=Dv, Nq=1000, Nk=1000, window=(100, 37)), "ok", k)
            case(f"{tag}-window-det-{k}", grad(D=D, Dv=Dv, Nq=1000, Nk=1000, causal=True, window=(100, 0), det=True), "ok", k, deterministic)
            case(f"{tag}-f16-{k}", grad(D=D, Dv=Dv, dt="f16"), "ok", k)
            case(f"{tag}-f32-{k}", grad(D=D, Dv=Dv, dt="f32"), "ok" if k == "auto" else "error", k)
            case(f"{tag}-bias-{k}", grad(D=D, Dv=Dv, mask=("bias", [1, 2, 256, 256])), "ok" if k == "auto" else "error", k)
            case(f"{tag}-bias-grad-{k}", grad(D=D, Dv=Dv, mask=("bias", [1, 1, 256, 256]), bias_grad=True), "ok" if k == "auto" else "error", k)
            case(f"{tag}-keep-{k}", grad(D=D, Dv=Dv, mask=("bool", [1, 1, 1, 256])), "ok", k)
            for bq, bk in ((64, 64), (128, 128), (64, 256), (256, 64)):
                case(f"{tag}-bm{bq}x{bk}-{k}",
                     grad(D=D, Dv=Dv, Nq=1000, Nk=777, Hq=4, Hkv=2, bm=bmask(1, 4, 1000, 777, bq, bk), bs=(bq, bk)),
                     "ok", k, reads_block_mask)
            case(f"{tag}-bm64x64-det-{k}",
                 grad(D=D, Dv=Dv, Nq=1000, Nk=777, det=True, bm=bmask(1, 2, 1000, 777, 64, 64), bs=(64, 64)),
                 "ok", k, both(reads_block_mask, deterministic))
            case(f"{tag}-bm16x16-{k}",
                 grad(D=D, Dv=Dv, Nq=100, Nk=100, bm=bmask(1, 2, 100, 100, 16, 16), bs=(16, 16)),
                 "ok" if k == "auto" else "error", k, reads_block_mask)
            case(f"{tag}-bm-bcast-{k}",
                 grad(D=D, Dv=Dv, B=2, Hq=8, Hkv=2, Nq=256, Nk=512, bm=bmask(1, 1, 256, 512, 128, 128), bs=(128, 128)),
                 "ok", k, reads_block_mask)
            case(f"{tag}-bm-i1-{k}",
                 grad(D=D, Dv=Dv, bm=bmask(1, 2, 256, 256, 128, 128, "i1"), bs=(128, 128)),
                 "ok", k, reads_block_mask)
            for pat in ("chunk = 128", "chunk = 100, global = 16", "butterfly = 64", "butterfly = 48, global = 3"):
                case(f"{tag}-pattern[{pat}]-{k}", grad(D=D, Dv=Dv, Nq=1000, Nk=1000, pattern=pat), "ok", k)
                case(f"{tag}-pattern[{pat}]-det-{k}", grad(D=D, Dv=Dv, Nq=1000, Nk=1000, pattern=pat, det=True),
                     "ok" if k == "auto" else "error", k, deterministic)
            case(f"{tag}-pattern-causal-nq<nk-{k}", grad(D=D, Dv=Dv, Nq=300, Nk=1000, causal=True, pattern="chunk = 256, global = 32"), "ok", k)
    # Head-dim pairs not in the column split's table: wgmma refuses them, auto goes elsewhere.
    for D, Dv in ((256, 128), (192, 192), (128, 256), (192, 64), (160, 160), (240, 240), (272, 272), (256, 64), (64, 256), (96, 192)):
        case(f"d{D}v{Dv}-wgmma", grad(D=D, Dv=Dv), "error", "wgmma")
        case(f"d{D}v{Dv}-auto", grad(D=D, Dv=Dv), "ok" if D <= 256 else "either", "auto")
    # The row split (D <= 128) on the TMA ring with block masks and patterns.
    for D in (64, 80, 96, 128):
        for k in ("auto", "wgmma"):
            case(f"d{D}-ring-bm-{k}", grad(D=D, Nq=1000, Nk=1000, Hq=4, Hkv=2, bm=bmask(1, 4, 1000, 1000, 128, 128), bs=(128, 128)), "ok", k, reads_block_mask)
            case(f"d{D}-ring-bm-det-causal-{k}", grad(D=D, Nq=1000, Nk=1000, causal=True, det=True, bm=bmask(1, 1, 1000, 1000, 128, 256), bs=(128, 256)), "ok", k, both(reads_block_mask, deterministic))
            case(f"d{D}-ring-bm-window-{k}", grad(D=D, Nq=2048, Nk=2048, window=(300, 300), bm=bmask(1, 2, 2048, 2048, 256, 256), bs=(256, 256)), "ok", k, reads_block_mask)
            case(f"d{D}-ring-bm-keep-{k}", grad(D=D, Nq=200, Nk=300, mask=("bool", [1, 2, 200, 300]), bm=bmask(1, 2, 200, 300, 64, 128), bs=(64, 128)), "ok", k, reads_block_mask)
            case(f"d{D}-pattern-ordered-{k}", grad(D=D, Nq=1024, Nk=1024, det=True, pattern="butterfly = 128, global = 64"), "ok" if k == "auto" else "error", k, deterministic)
            case(f"d{D}-bias-{k}", grad(D=D, mask=("bias", [1, 2, 256, 256])), "ok" if (k == "auto" or D == 64) else "error", k)
    case("d64-bias-bm-wgmma", grad(D=64, mask=("bias", [1, 2, 256, 256]), bias_grad=True, bm=bmask(1, 2, 256, 256, 128, 128), bs=(128, 128)), "ok", "wgmma", reads_block_mask)
    # Malformed block masks (verifier errors, every kernel).
    bad = {
        "bm-mq-small": dict(bm=([1, 2, 1, 2], "i8"), bs=(128, 128)),
        "bm-mq-big": dict(bm=([1, 2, 3, 2], "i8"), bs=(128, 128)),
        "bm-mk-big": dict(bm=([1, 2, 2, 4], "i8"), bs=(128, 128)),
        "bm-b2": dict(bm=([2, 2, 2, 2], "i8"), bs=(128, 128)),
        "bm-h-kv": dict(Hq=4, Hkv=2, bm=([1, 2, 2, 2], "i8"), bs=(128, 128)),
        "bm-h3": dict(bm=([1, 3, 2, 2], "i8"), bs=(128, 128)),
        "bm-f16": dict(bm=([1, 2, 2, 2], "f16"), bs=(128, 128)),
        "bm-i32": dict(bm=([1, 2, 2, 2], "i32"), bs=(128, 128)),
        "bm-i4": dict(bm=([1, 2, 2, 2], "i4"), bs=(128, 128)),
        "bm-rank3": dict(bm=([2, 2, 2], "i8"), bs=(128, 128)),
        "bm-no-attr": dict(bm=([1, 2, 2, 2], "i8")),
        "bs-no-operand": dict(bs=(128, 128)),
        "bs-zero": dict(bm=([1, 2, 2, 2], "i8"), bs=(0, 128)),
        "bs-15": dict(bm=([1, 2, 18, 2], "i8"), bs=(15, 128)),
        "bs-24": dict(bm=([1, 2, 11, 2], "i8"), bs=(24, 128)),
        "bs-neg": dict(bm=([1, 2, 2, 2], "i8"), bs=(-128, 128)),
        "bm-and-pattern": dict(bm=([1, 2, 2, 2], "i8"), bs=(128, 128), pattern="chunk = 64"),
        "pattern-chunk-and-butterfly": dict(pattern="chunk = 64, butterfly = 64"),
        "pattern-global-alone": dict(pattern="global = 16"),
        "pattern-window": dict(pattern="chunk = 64", window=(10, 10)),
        "pattern-neg": dict(pattern="chunk = -64"),
        "pattern-huge": dict(pattern="chunk = 4611686018427387904"),
        "window-causal-right": dict(causal=True, window=(10, 10)),
        "window-neg": dict(window=(-1, 10)),
    }
    for name, kw in bad.items():
        for k in ("auto", "wgmma"):
            case(f"{name}-{k}", grad(**kw), "error", k)
    # Odd but legal block masks (bigger than the sequence, one block).
    case("bm-one-block-huge-blocks", grad(Nq=100, Nk=100, bm=([1, 1, 1, 1], "i8"), bs=(65536, 65536)), "ok", "auto", reads_block_mask)
    case("bm-one-block-huge-blocks-wgmma", grad(Nq=100, Nk=100, bm=([1, 1, 1, 1], "i8"), bs=(65536, 65536)), "ok", "wgmma", reads_block_mask)
    # Blocks far past the sequences: one entry covers everything (the
    # kernels divide in 64-bit index arithmetic).
    for k in ("auto", "wgmma"):
        case(f"bs-2^31-{k}", grad(bm=([1, 2, 1, 1], "i8"), bs=(2**31, 2**31)), "ok", k, reads_block_mask)
        case(f"bs-2^62-{k}", grad(bm=([1, 2, 1, 1], "i8"), bs=(2**62, 2**62)), "ok", k, reads_block_mask)
        # An empty #fa.mask_pattern<> masks nothing: the dense backward.
        case(f"pattern-empty-{k}", grad(pattern=""), "ok", k)
    case("pattern-chunk1", grad(Nq=100, Nk=100, pattern="chunk = 1"), "ok", "auto")
    case("pattern-chunk1-wgmma", grad(Nq=100, Nk=100, pattern="chunk = 1"), "ok", "wgmma")
    case("pattern-butterfly1-wgmma", grad(Nq=100, Nk=100, pattern="butterfly = 1, global = 1"), "ok", "wgmma")
    case("pattern-chunk-past-n", grad(Nq=100, Nk=100, pattern="chunk = 1000000"), "ok", "wgmma")
    case("pattern-global-past-n", grad(Nq=100, Nk=100, pattern="chunk = 16, global = 1000000"), "ok", "wgmma")
    # Hand-written schedules and tilings for the new kernels.
    ws = "schedule = #fa.backward_schedule<kernel = wgmma, dq = {dq}>"
    ti = "tiling = #fa.tiling<block_q = {bq}, block_kv = {bk}, stages = {st}, warps = {w}>"
    hand = [
        ("hand-d256-rowsplit-tiling", dict(D=256), ("atomic", 64, 128, 2, 8), "error"),
        ("hand-d256-colsplit-stages3", dict(D=256), ("atomic", 64, 64, 3, 8), "error"),
        ("hand-d256-colsplit-ordered", dict(D=256, det=True), ("ordered", 64, 64, 2, 8), "ok"),
        ("hand-d192-colsplit-ring", dict(D=192, Dv=128), ("atomic", 64, 64, 2, 8), "ok"),
        ("hand-d192-colsplit-warps4", dict(D=192, Dv=128), ("atomic", 64, 64, 2, 4), "error"),
        ("hand-d192-colsplit-ring-bm", dict(D=192, Dv=128, bm=([1, 2, 2, 2], "i8"), bs=(128, 128)), ("atomic", 64, 64, 2, 8), "either"),
        ("hand-d256-ring-bm-ordered", dict(D=256, det=True, bm=([1, 2, 2, 2], "i8"), bs=(128, 128)), ("ordered", 64, 64, 2, 8), "either"),
        ("hand-pattern-ordered-ring", dict(pattern="chunk = 64"), ("ordered", 64, 128, 2, 8), "error"),
        ("hand-pattern-ordered-one", dict(pattern="chunk = 64"), ("ordered", 64, 128, 1, 8), "error"),
        ("hand-ordered-no-det", dict(), ("ordered", 64, 128, 2, 8), "ok"),
        ("hand-atomic-with-det", dict(det=True), ("atomic", 64, 128, 2, 8), "either"),
        ("hand-d64-ring-bm-64x64", dict(bm=([1, 2, 4, 4], "i8"), bs=(64, 64)), ("atomic", 64, 128, 2, 8), "error"),
        ("hand-d64-tile-bq128", dict(), ("atomic", 128, 128, 2, 8), "error"),
        ("hand-d64-stages0", dict(), ("atomic", 64, 128, 0, 8), "error"),
        ("hand-d64-warps12", dict(), ("atomic", 64, 128, 2, 12), "error"),
    ]
    for name, kw, (dq, bq, bk, st, w), exp in hand:
        extra = [ws.format(dq=dq), ti.format(bq=bq, bk=bk, st=st, w=w)]
        chk = reads_block_mask if "bm" in kw and exp != "error" else None
        case(name, grad(extra=extra, **kw), exp, "hand", chk)
    # Sizes near 2^31 (selection and conversion; no PTX checked beyond ok).
    big = 2**31 - 1
    case("d256-nq2^31-wgmma", grad(D=256, Nq=big, Nk=128, Hq=1, Hkv=1), "either", "wgmma", timeout=120)
    case("d192-nk2^31-causal-wgmma", grad(D=192, Dv=128, Nq=128, Nk=big, Hq=1, Hkv=1, causal=True), "either", "wgmma", timeout=120)
    case("d128-ring-bm-nq2^31", grad(D=128, Nq=big, Nk=256, Hq=1, Hkv=1, bm=bmask(1, 1, big, 256, 128, 128), bs=(128, 128)), "either", "wgmma", timeout=120)
    case("d128-ring-bm-2^20-square-16", grad(D=128, Nq=2**20, Nk=2**20, Hq=1, Hkv=1, bm=bmask(1, 1, 2**20, 2**20, 16, 16), bs=(16, 16)), "either", "auto", timeout=120)
    case("d64-det-2^31-ordered", grad(D=64, Nq=big, Nk=big // 2**10, Hq=1, Hkv=1, det=True), "either", "wgmma", timeout=120)
    case("pattern-2^31-chunk", grad(Nq=big, Nk=2**20, Hq=1, Hkv=1, pattern="chunk = 4096"), "either", "auto", timeout=120)
    case("pattern-2^17-sparse-auto", grad(Nq=2**17, Nk=2**17, Hq=1, Hkv=1, pattern="chunk = 256"), "either", "auto", timeout=120)
    case("pattern-2^17-dense-auto", grad(Nq=2**17, Nk=2**17, Hq=1, Hkv=1, pattern="chunk = 131072"), "either", "auto", timeout=120)
    case("pattern-2^20-global-wgmma", grad(Nq=2**20, Nk=2**20, Hq=1, Hkv=1, pattern="butterfly = 4096, global = 64"), "either", "wgmma", timeout=120)
    case("pattern-2^24-chunk-auto", grad(Nq=2**24, Nk=2**24, Hq=1, Hkv=1, pattern="chunk = 1024"), "either", "auto", timeout=120)
    case("grid-hq65536-d256", grad(D=256, Hq=65536, Hkv=1, Nq=64, Nk=64), "error", "wgmma")
    case("grid-b65536-d192", grad(D=192, Dv=128, B=65536, Nq=64, Nk=64), "error", "wgmma")


def run_case(c, bindir, work):
    path = os.path.join(work, c["name"].replace("/", "_") + ".mlir")
    with open(path, "w") as f:
        f.write(c["text"])
    kernel = "auto" if c["kernel"] == "hand" else c["kernel"]
    opts = f"{H100} kernel={kernel}"
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:halt_on_error=1:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1:print_stacktrace=1")
    r = {"ptx": "", "selected": "", "stderr": "", "ir": ""}
    if c["kernel"] == "hand":
        # Hand-written schedule and tiling: straight to the conversion, then the tail.
        cmd = [f"{bindir}/fa-opt", path, f"--fa-set-target={H100}",
               "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map",
               "--convert-fa-to-nvgpu"]
    else:
        out = os.path.join(work, c["name"])
        cmd = [f"{bindir}/fa-compile", path, "-o", out, "--ptxas=none",
               f"--pipeline-options={opts}"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=c["timeout"], env=env)
    except subprocess.TimeoutExpired:
        return "HANG", f"over {c['timeout']} s"
    r["stderr"] = p.stderr
    r["ir"] = p.stdout if c["kernel"] == "hand" else ""
    bad = ("PLEASE submit", "Sanitizer", "runtime error:", "Assertion", "LLVM ERROR", "Stack dump")
    if p.returncode < 0 or p.returncode > 1 or any(s in p.stderr for s in bad):
        return "CRASH", f"rc {p.returncode}: " + " | ".join(
            l for l in p.stderr.splitlines() if any(s in l for s in bad + ("error",)))[:300]
    if p.returncode == 1:
        if "error:" not in p.stderr:
            return "SILENT", "exit 1 without error:"
        first = next((l for l in p.stderr.splitlines() if "error:" in l), "")
        got = "error"
        detail = first.split("error:", 1)[1].strip()[:300]
    else:
        got, detail = "ok", ""
        if c["kernel"] != "hand":
            with open(out + ".ptx") as f:
                r["ptx"] = f.read()
            if ".entry" not in r["ptx"]:
                return "SILENT", "no kernel in the PTX"
            sel = subprocess.run([f"{bindir}/fa-opt", path, f"--fa-set-target={H100}",
                                  f"--fa-select-tiling=kernel={kernel}"],
                                 capture_output=True, text=True, timeout=c["timeout"], env=env)
            r["selected"] = sel.stdout
            detail = schedule(r)
    if c["expect"] != "either" and got != c["expect"]:
        return "SILENT" if got == "ok" else "UNEXPECTED-ERROR", detail
    if got == "ok" and c["check"]:
        v = c["check"](r)
        if v is not True:
            return "SILENT", v
    return got, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build-asan/bin")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    build()
    cases = [c for c in CASES if a.only in c["name"]]
    if a.list:
        print("\n".join(c["name"] for c in cases))
        return 0
    counts = {}
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for c in cases:
            got, detail = run_case(c, a.bin, work)
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{c['name']}\t{c['kernel']}\t{c['expect']}\t{got}\t{detail}")
            print(f"{got:16} {c['name']}: {detail}", flush=True)
    with open(os.path.join(a.out, "cases.tsv" if not a.only else "cases-only.tsv"), "w") as f:
        f.write("case\tkernel\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(len(cases), "cases:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
