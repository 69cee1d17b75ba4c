#!/usr/bin/env python3
"""Session 18's attack on what session 17 added (issue 27, docs/Reliability.md):
the mma.sync forward's `min_blocks` (D118: `#fa.schedule`'s field, its
`.minnctapersm`, a written value over what the SM holds an error) and the
wgmma backward's split group (D119: `#fa.backward_schedule`'s `gqa`, the
`backward-gqa` option, five kernels with f32 dK and dV accumulators).

    PATH=/usr/local/cuda/bin:$PATH python3 campaign.py --bin build/bin [--only S]

The case machinery (fa-opt / fa-compile runs, outcome classes, module
builders) is session 14's campaign.py, imported: see its docstring.
Outcomes: ok, error (exit 1 with a non-empty `error:`), CRASH (a signal, an
abort, a sanitizer report), HANG, SILENT (exit 0 where an error was due, or
the case's check fails), UNEXPECTED-ERROR (an error where success was due).
Run with the sanitizer build's binaries (--bin build-asan/bin) the same
cases report ASan/UBSan findings as CRASH. Writes cases.tsv.
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
grad, fwd, case, sched, both = s14.grad, s14.fwd, s14.case, s14.sched, s14.both
has, lacks, ptx_has = s17.has, s17.lacks, s17.ptx_has
BIG = s14.BIG
BS = "schedule = #fa.backward_schedule<{}>"
FS = "schedule = #fa.schedule<{}>"
TL = "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, warps = {}>"
NARROW = TL.format(64, 128, 2, 8)
WIDE = TL.format(128, 128, 2, 8)
SPLIT = "kernel = wgmma, dq = atomic, gqa = split"


def cdiv(a, b):
    return -(-a // b)


def split_manifest(B, Hq, Hkv, Nk, D, Dv=None):
    """The split group's manifest (D119): five kernels; the main one (the
    most shared memory) of grid (kv-blocks, Hq, B), the zeroing and the
    dK/dV conversion (the kernels 1 and 4) of grid (kv-blocks, Hkv, B);
    two f32 scratch buffers [B, Hkv, Nk, D] and [.., Dv] of 4 bytes an
    element."""
    Dv = Dv or D

    def f(r):
        m = r["manifest"]
        ks = m.get("kernels", [])
        if len(ks) != 5:
            return f"{len(ks)} kernels, not 5"
        main = max(ks, key=lambda k: k.get("shared_bytes", 0))
        bkv = None
        for k in (ks[1], ks[4]):
            g = k["grid"]
            if g[1:] != [Hkv, B]:
                return f"{k['name']} grid {g}, not (kv-blocks, {Hkv}, {B})"
            bkv = g[0]
        if main["grid"][1:] != [Hq, B]:
            return f"main grid {main['grid']}, not (kv-blocks, {Hq}, {B})"
        acc = [s for s in m.get("scratch", []) if s["shape"][:3] == [B, Hkv, Nk]
               and s["dtype"] == "f32"]
        want = sorted([B * Hkv * Nk * D * 4, B * Hkv * Nk * Dv * 4])
        got = sorted(s["bytes"] for s in acc)[-2:]
        if got != want:
            return f"accumulators' bytes {got}, not {want}"
        return True
    return f


def no_split_kernels(r):
    ks = r["manifest"].get("kernels", [])
    return len(ks) <= 3 or f"{len(ks)} kernels (the loop has at most 3)"


def build():
    # ---- G. D119: backward-gqa=split.
    shapes = {
        "gqa4-1": dict(Hq=4, Hkv=1),
        "gqa4-2-causal-d128": dict(Hq=4, Hkv=2, D=128, causal=True),
        "gqa8-1": dict(Hq=8, Hkv=1),
        "llama": dict(B=2, Hq=32, Hkv=8, Nq=4096, Nk=4096, causal=True),
        "nq1": dict(Hq=4, Hkv=1, Nq=1),
        "nk1": dict(Hq=4, Hkv=1, Nk=1),
        "nq17-nk2049-causal": dict(Hq=4, Hkv=1, Nq=17, Nk=2049, causal=True),
        "nq-big": dict(Hq=2, Hkv=1, Nq=BIG),
        "nk-big-causal": dict(Hq=2, Hkv=1, Nk=BIG, causal=True),
        "hq-65535-hkv-5": dict(Hq=65535, Hkv=5, Nq=128, Nk=128),
        "hq-65536-hkv-1": dict(Hq=65536, Hkv=1, Nq=128, Nk=128),
        "hq-2^20-hkv-2^10": dict(Hq=2**20, Hkv=2**10, Nq=128, Nk=128),
        "batch-65535": dict(B=65535, Hq=2, Hkv=1, Nq=128, Nk=128),
        "batch-65536": dict(B=65536, Hq=2, Hkv=1, Nq=128, Nk=128),
        "window": dict(Hq=4, Hkv=1, window=(128, 0)),
        "window-lr": dict(Hq=4, Hkv=1, window=(64, 64)),
        "f16": dict(Hq=4, Hkv=1, dt="f16"),
        "f32": dict(Hq=4, Hkv=1, dt="f32"),
        "d16": dict(Hq=4, Hkv=1, D=16),
        "d32": dict(Hq=4, Hkv=1, D=32),
        "d96": dict(Hq=4, Hkv=1, D=96),
        "d8": dict(Hq=4, Hkv=1, D=8),
        "d64-dv128": dict(Hq=4, Hkv=1, D=64, Dv=128),
        "d128-dv64": dict(Hq=4, Hkv=1, D=128, Dv=64),
        "d256": dict(Hq=4, Hkv=1, D=256),
        "d192-dv128": dict(Hq=4, Hkv=1, D=192, Dv=128),
        "keep-mask": dict(Hq=4, Hkv=1, mask=("bool", [1, 4, 1024, 1024])),
        "bias": dict(Hq=4, Hkv=1, mask=("bias", [1, 4, 1024, 1024])),
        "bias-bcast": dict(Hq=4, Hkv=1, mask=("bias", [1, 1, 1, 1024])),
        "mha": dict(),
        # Sizes where the accumulators' bytes reach 2^62 - 2^63 (the cost
        # model prices them; the problem's own bound is 2^62 bytes).
        "acc-2^62": dict(B=2**23, Hq=2, Hkv=1, Nq=1, Nk=2**30),
        "acc-2^61-mha": dict(B=2**23, Hq=1, Hkv=1, Nq=1, Nk=2**30),
        "dyn-nq": dict(Hq=4, Hkv=1, Nq=None),
        "dyn-nk": dict(Hq=4, Hkv=1, Nk=None),
        "dyn-b": dict(Hq=4, Hkv=1, B=None),
    }
    for name, kw in shapes.items():
        text = grad(bm=None, **kw)
        chk = lacks("gqa") if name.endswith("mha") else has("gqa = split")
        case(f"gqa-select-{name}", text, "either", "select",
             "kernel=wgmma backward-gqa=split", chk, timeout=120)
        case(f"gqa-convert-{name}", text, "either", "convert",
             "kernel=wgmma backward-gqa=split", timeout=120)
    # Expected refusals, each an error of fa-select-tiling naming it.
    for name, kw in [("det", dict(Hq=4, Hkv=1, det=True)),
                     ("bias-grad", dict(Hq=4, Hkv=1, mask=("bias", [1, 4, 1024, 1024]), bias_grad=True)),
                     ("d256", dict(Hq=4, Hkv=1, D=256))]:
        case(f"gqa-refused-{name}", grad(bm=None, **kw), "error", "select",
             "kernel=wgmma backward-gqa=split")
    # Block masks and patterns (the split walks dense).
    case("gqa-block-mask", grad(Hq=4, Hkv=1), "either", "select",
         "kernel=wgmma backward-gqa=split", both(has("gqa = split"), lacks("compacted")))
    case("gqa-block-mask-convert", grad(Hq=4, Hkv=1), "either", "convert",
         "kernel=wgmma backward-gqa=split")
    case("gqa-pattern", grad(Hq=4, Hkv=1, bm=None, pattern="chunk = 256"), "either",
         "convert", "kernel=wgmma backward-gqa=split")
    # Beside every other backward option.
    for opt, exp in [("dq=ordered", "error"), ("dq=atomic", "ok"),
                     ("backward-persistent=on", "error"), ("backward-persistent=off", "ok"),
                     ("backward-epilogue=tma-store", "error"), ("backward-epilogue=direct", "ok"),
                     ("block-mask-walk=compacted", "error"), ("block-mask-walk=dense", "ok"),
                     ("backward-in-flight=dk", "either"), ("backward-in-flight=none", "ok"),
                     ("dq-pass=after-scores", "ok"), ("dq-pass=step-start", "ok")]:
        bm = "auto" if "walk" in opt else None
        case(f"gqa-opt-{opt}", grad(Hq=4, Hkv=1, bm=bm), exp, "select",
             f"kernel=wgmma backward-gqa=split {opt}",
             has("gqa = split") if exp == "ok" else None)
        case(f"gqa-opt-{opt}-convert", grad(Hq=4, Hkv=1, bm=bm), exp, "convert",
             f"kernel=wgmma backward-gqa=split {opt}")
    # The option concerns the wgmma kernel of a GQA op.
    for k in ("mma-sync", "simt"):
        case(f"gqa-other-kernel-{k}", grad(Hq=4, Hkv=1, bm=None), "ok", "select",
             f"kernel={k} backward-gqa=split", lacks("gqa"))
    case("gqa-auto-kernel", grad(Hq=4, Hkv=1, bm=None), "either", "select", "kernel=auto backward-gqa=split")
    case("gqa-default-loop", grad(Hq=4, Hkv=1, bm=None), "ok", "select", "kernel=wgmma", lacks("gqa"))
    case("gqa-loop", grad(Hq=4, Hkv=1, bm=None), "ok", "select", "kernel=wgmma backward-gqa=loop", lacks("gqa"))
    for v in ("maybe", "Split", "split,loop", ""):
        case(f"gqa-bad-value[{v}]", grad(Hq=4, Hkv=1, bm=None), "error", "select",
             f"kernel=wgmma backward-gqa={v}")
    # Written schedules: through fa-select-tiling and straight to the
    # conversion.
    for name, s, t, kw, exp in [
            ("split", SPLIT, NARROW, {}, "ok"),
            ("split-wide", SPLIT, WIDE, {}, "either"),
            ("split-one-buffer", SPLIT, TL.format(64, 128, 1, 8), {}, "either"),
            ("split-mha", SPLIT, NARROW, dict(Hq=2, Hkv=2), "either"),
            ("split-d128", SPLIT, NARROW, dict(D=128), "either"),
            ("split-ordered", "kernel = wgmma, dq = ordered, gqa = split", NARROW, {}, "error"),
            ("split-persistent", "kernel = wgmma, dq = atomic, persistent = on, gqa = split", NARROW, {}, "error"),
            ("split-compacted", "kernel = wgmma, dq = atomic, walk = compacted, gqa = split", NARROW, {}, "error"),
            ("split-tma-store", "kernel = wgmma, dq = atomic, epilogue = tma_store, gqa = split", NARROW, {}, "error"),
            ("split-in-flight", "kernel = wgmma, dq = atomic, in_flight = dk, gqa = split", NARROW, {}, "either"),
            ("split-dq-pass", "kernel = wgmma, dq = atomic, dq_pass = after_scores, gqa = split", NARROW, {}, "error"),
            ("split-mma", "kernel = mma_sync, dq = atomic, gqa = split", TL.format(64, 64, 1, 4), {}, "error"),
            ("split-simt", "kernel = simt, gqa = split", TL.format(16, 16, 1, 4), {}, "error"),
            ("split-auto", "kernel = wgmma, dq = atomic, gqa = auto", NARROW, {}, "error"),
            ("split-bogus", "kernel = wgmma, dq = atomic, gqa = both", NARROW, {}, "error"),
            ("split-twice", "kernel = wgmma, dq = atomic, gqa = split, gqa = loop", NARROW, {}, "error"),
            ("loop-written", "kernel = wgmma, dq = atomic, gqa = loop", NARROW, {}, "ok"),
            ("split-column", SPLIT, TL.format(128, 64, 2, 8), dict(D=256), "error"),
            ("split-bias-grad", SPLIT, NARROW, dict(mask=("bias", [1, 4, 1024, 1024]), bias_grad=True), "error"),
            ("split-block-mask", SPLIT, NARROW, dict(bm="auto", bs=(64, 128)), "either"),
            ("split-keep-mask", SPLIT, NARROW, dict(mask=("bool", [1, 4, 1024, 1024])), "either"),
            ("split-det", SPLIT, NARROW, dict(det=True), "either")]:
        k = dict(Hq=4, Hkv=1)
        k.update(kw)
        bm = k.pop("bm", None)
        text = grad(bm=bm, extra=[BS.format(s), t], **k)
        case(f"gqa-written-{name}-select", text, exp, "select", "kernel=wgmma")
        case(f"gqa-written-{name}-hand", text, exp, "hand", "")
    # A written schedule against the option, and a second fa-select-tiling.
    text = grad(Hq=4, Hkv=1, bm=None, extra=[BS.format(SPLIT), NARROW])
    case("gqa-written-vs-loop", text, "error", "select", "kernel=wgmma backward-gqa=loop")
    case("gqa-written-vs-split", text, "ok", "select", "kernel=wgmma backward-gqa=split", has("gqa = split"))
    text = grad(Hq=4, Hkv=1, bm=None, extra=[BS.format("kernel = wgmma, dq = atomic"), NARROW])
    case("gqa-written-loop-vs-split", text, "error", "select", "kernel=wgmma backward-gqa=split")
    case("gqa-rerun-loop", grad(Hq=4, Hkv=1, bm=None), "error", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-gqa=split|--fa-select-tiling=backward-gqa=loop")
    case("gqa-rerun-auto", grad(Hq=4, Hkv=1, bm=None), "ok", "opt",
         "--fa-set-target=target=h100|--fa-select-tiling=kernel=wgmma backward-gqa=split|--fa-select-tiling")
    # Odd pass orders.
    text = grad(Hq=4, Hkv=1, bm=None, extra=[BS.format(SPLIT), NARROW])
    case("gqa-order-convert-no-target", text, "either", "opt",
         "--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu")
    case("gqa-order-tile", text, "either", "opt", "--fa-set-target=target=h100|--fa-tile-attention")
    case("gqa-order-decompose", text, "ok", "opt", "--fa-decompose-attention")
    case("gqa-order-gpu", text, "either", "opt",
         "--fa-set-target=target=h100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-gpu")
    case("gqa-order-a100", text, "error", "opt",
         "--fa-set-target=target=a100|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu")
    case("gqa-pipeline-a100", grad(Hq=4, Hkv=1, bm=None), "either", "compile",
         "target=a100 backward-gqa=split", no_split_kernels, timeout=300)
    case("gqa-pipeline-a100-wgmma", grad(Hq=4, Hkv=1, bm=None), "error", "opt",
         "--fa-to-ptx-pipeline=target=a100 kernel=wgmma backward-gqa=split")
    # Compiled (no ptxas): the manifest's kernels, grids and accumulators.
    for name, kw in [("gqa4-1", dict(Hq=4, Hkv=1)), ("gqa4-2-causal-d128", dict(Hq=4, Hkv=2, D=128, causal=True)),
                     ("gqa8-1-b3", dict(B=3, Hq=8, Hkv=1)), ("nk-777", dict(Hq=4, Hkv=1, Nk=777)),
                     ("nk1", dict(Hq=4, Hkv=1, Nk=1)), ("nq1", dict(Hq=4, Hkv=1, Nq=1)),
                     ("hq-65535-hkv-5", dict(Hq=65535, Hkv=5, Nq=128, Nk=128)),
                     ("batch-65535", dict(B=65535, Hq=2, Hkv=1, Nq=128, Nk=128)),
                     ("nk-big", dict(Hq=2, Hkv=1, Nk=BIG, Nq=64)), ("d32", dict(Hq=4, Hkv=1, D=32)),
                     ("d96", dict(Hq=4, Hkv=1, D=96)), ("keep-mask", dict(Hq=4, Hkv=1, mask=("bool", [1, 4, 1024, 1024])))]:
        k = dict(B=1, Nk=1024, D=64)
        k.update(kw)
        case(f"gqa-compile-{name}", grad(bm=None, **kw), "either", "compile",
             "target=h100 kernel=wgmma backward-gqa=split",
             split_manifest(k["B"], k["Hq"], k["Hkv"], k["Nk"], k["D"]), timeout=300)
    # Over CUDA's grid: an error, never a grid of 65536.
    for name, kw in [("hq-65536", dict(Hq=65536, Hkv=1, Nq=128, Nk=128)),
                     ("batch-65536", dict(B=65536, Hq=2, Hkv=1, Nq=128, Nk=128))]:
        case(f"gqa-compile-{name}", grad(bm=None, **kw), "error", "compile",
             "target=h100 kernel=wgmma backward-gqa=split", timeout=300)
    # Through ptxas: spills and the .minnctapersm of none.
    case("gqa-ptxas-d64", grad(Hq=8, Hkv=1, bm=None, causal=True), "ok", "compile",
         "target=h100 kernel=wgmma backward-gqa=split",
         both(split_manifest(1, 8, 1, 1024, 64), s14.fits_budget(232448)), timeout=300, ptxas=True)

    # ---- M. D118: min_blocks, against the SM's threads and block slots.
    # 64x16x1x4 at D = 16 (mma.sync's 16 rows a warp): a few KB of shared
    # memory, so shared memory holds 32 blocks where 128 threads a block
    # allow 16 (2048 threads an SM), 12 on sm_86 and sm_89 (1536).
    tiny = TL.format(64, 16, 1, 4)
    for target, tag, most in [("a100", "sm80", 16), ("rtx3090", "sm86", 12), ("rtx4090", "sm89", 12),
                              ("h100", "sm90", 16)]:
        for n in sorted({1, most, most + 1, 32}):
            exp = "ok" if n <= most else "error"
            text = fwd(bm=None, D=16, Nq=256, Nk=256,
                       extra=[FS.format(f"kernel = mma_sync, epilogue = staged, min_blocks = {n}"), tiny])
            case(f"minblocks-threads-{tag}-{n}", text, exp, "opt",
                 f"--fa-set-target=target={target}|--fa-select-tiling=kernel=mma-sync")
            case(f"minblocks-threads-{tag}-{n}-hand", text, exp, "opt",
                 f"--fa-set-target=target={target}|--one-shot-bufferize=bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map|--convert-fa-to-nvgpu")
    # What ptxas does with the hint past the SM's threads (sm_80: 16 blocks
    # of 128 threads at most): the registers it fits.
    for n in (16, 32):
        text = fwd(bm=None, D=16, Nq=256, Nk=256,
                   extra=[FS.format(f"kernel = mma_sync, epilogue = staged, min_blocks = {n}"), tiny])
        case(f"minblocks-ptxas-sm80-{n}", text, "either", "compile", "target=a100",
             lambda r: True, timeout=300, ptxas=True)
    # 8 warps: 256 threads, 8 blocks an SM by threads.
    text = fwd(bm=None, D=16, Nq=256, Nk=256,
               extra=[FS.format("kernel = mma_sync, epilogue = staged, min_blocks = 9"), TL.format(128, 16, 1, 8)])
    case("minblocks-threads-8warps-9", text, "error", "select", "kernel=mma-sync")
    # Shared memory's reserve per block (1 KiB an SM on sm_80): 83,072 B
    # leaves 2 blocks by the bytes alone, 1 with the reserve.
    for n, exp in [(1, "ok"), (2, "either")]:
        case(f"minblocks-keep-sm80-{n}", fwd(mask=("bool", [1, 2, 1024, 1024]), extra=[
                FS.format(f"kernel = mma_sync, epilogue = staged, walk = compacted, min_blocks = {n}"),
                TL.format(64, 128, 2, 4)]), exp, "select", "kernel=mma-sync")
    # The model's own pick, compiled: the .minnctapersm it writes is a
    # residency the SM can hold.
    for name, kw, target in [("d64-sm80", dict(bm=None), "a100"), ("d128-sm80", dict(bm=None, D=128), "a100"),
                             ("d64-sm86", dict(bm=None), "rtx3090"), ("d64-sm89", dict(bm=None), "l4"),
                             ("d16-sm80", dict(bm=None, D=16, Nq=4096, Nk=4096), "a100")]:
        case(f"minblocks-model-{name}", fwd(**kw), "either", "compile",
             f"target={target} kernel=mma-sync", lambda r: True, timeout=300)
    # Written min_blocks against fa-select-tiling's mma.sync options, a
    # second fa-select-tiling, and the wgmma backward's kernel name.
    text = fwd(bm=None, extra=[FS.format("kernel = mma_sync, epilogue = staged, min_blocks = 2"), TL.format(64, 64, 2, 4)])
    case("minblocks-rerun", text, "ok", "opt",
         "--fa-set-target=target=a100|--fa-select-tiling=kernel=mma-sync|--fa-select-tiling=kernel=auto",
         has("min_blocks = 2"))
    case("minblocks-masked-steps", text, "either", "select", "kernel=mma-sync mma-masked-steps=branch")
    case("minblocks-grad", grad(bm=None, extra=[FS.format("kernel = mma_sync, epilogue = staged, min_blocks = 1"),
                                                TL.format(64, 64, 1, 4)]), "error", "select", "kernel=mma-sync")


def main():
    s14.build, s14.boundaries = build, lambda bindir: None
    if not any(a.startswith("--out") for a in sys.argv[1:]):
        sys.argv[1:1] = ["--out", HERE]
    return s14.main()


if __name__ == "__main__":
    sys.exit(main())
