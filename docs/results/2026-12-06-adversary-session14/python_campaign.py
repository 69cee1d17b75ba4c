#!/usr/bin/env python3
"""Session 14's attack on the walk options through the Python package
(compile / compile_backward, and so the C API's option checks):
`block_mask_walk` (fa-to-ptx-pipeline's `block-mask-walk`) with values of
the wrong type and spelling, with and without a block mask, at extreme
sizes, and the kernels' cache keys. CPU only: ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \
        python3 python_campaign.py [--out DIR]

Outcomes: ok (compiled, and the kernel's recorded schedule walks as
asked), error (TypeError / ValueError / CompileError naming the problem),
CRASH (the interpreter died), SILENT (compiled where an error was due, or
the walk differs from the request).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CASES = []


def case(name, call, expect, walk=None):
    """`call` is the Python text of one call of compile / compile_backward;
    `walk` the walk its schedule must record where it compiles."""
    CASES.append(dict(name=name, call=call, expect=expect, walk=walk))


def build():
    bm = "block_mask=(128, 128)"
    fwd = "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, {})"
    bwd = "fa.compile_backward((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, {})"
    for what, tmpl in (("fwd", fwd), ("bwd", bwd)):
        for v, exp, walk in (("'compacted'", "ok", "compacted"), ("'dense'", "ok", "dense"),
                             ("'auto'", "ok", "compacted"), ("True", "error", None),
                             ("1", "error", None), ("None", "error", None),
                             ("b'compacted'", "error", None), ("'Compacted'", "error", None),
                             ("'compacted dense'", "error", None), ("'compacted}'", "error", None),
                             ("['compacted']", "error", None), ("'auto '", "error", None),
                             ("'compacted kernel=simt'", "error", None), ("''", "error", None),
                             ("1.5", "error", None)):
            case(f"{what}-walk[{v}]", tmpl.format(f"{bm}, block_mask_walk={v}"), exp, walk)
        case(f"{what}-walk-compacted-kernel-wgmma", tmpl.format(f"{bm}, block_mask_walk='compacted', kernel='wgmma'"), "ok", "compacted")
        case(f"{what}-walk-compacted-kernel-simt", tmpl.format(f"{bm}, block_mask_walk='compacted', kernel='simt'"), "ok", "dense")
        case(f"{what}-walk-compacted-no-mask", tmpl.format("block_mask_walk='compacted'"), "ok", "dense")
        case(f"{what}-walk-dash-key", tmpl.format(f"{bm}, **{{'block-mask-walk': 'compacted'}}"), "error")
        case(f"{what}-walk-upper-key", tmpl.format(f"{bm}, Block_mask_walk='compacted'"), "error")
        case(f"{what}-inflight", tmpl.format("backward_in_flight='dk'"), "error")
        case(f"{what}-inflight-bool", tmpl.format("backward_in_flight=True"), "error")
    case("fwd-walk-compacted-tiling-fits", fwd.format(f"{bm}, block_mask_walk='compacted', kernel='wgmma', block_q=64, block_kv=128, stages=2, warps=4"), "ok", "compacted")
    case("fwd-walk-auto-tiling-too-big-for-list",
         "fa.compile((1, 1, 128, 128), (1, 1, 524288, 128), (1, 1, 524288, 128), ptxas='none', cache_dir=CACHE, block_mask=(128, 128), kernel='wgmma', block_q=128, block_kv=128, stages=3, warps=8)", "ok", "dense")
    case("fwd-walk-compacted-tiling-too-big-for-list",
         "fa.compile((1, 1, 128, 128), (1, 1, 524288, 128), (1, 1, 524288, 128), ptxas='none', cache_dir=CACHE, block_mask=(128, 128), kernel='wgmma', block_q=128, block_kv=128, stages=3, warps=8, block_mask_walk='compacted')", "error")
    case("fwd-walk-compacted-nk2^24",
         "fa.compile((1, 1, 128, 64), (1, 1, 2**24, 64), (1, 1, 2**24, 64), ptxas='none', cache_dir=CACHE, block_mask=(128, 128), block_mask_walk='compacted')", "either", "compacted")
    case("fwd-walk-auto-nk2^24",
         "fa.compile((1, 1, 128, 64), (1, 1, 2**24, 64), (1, 1, 2**24, 64), ptxas='none', cache_dir=CACHE, block_mask=(128, 128))", "ok", "dense")
    case("bwd-walk-compacted-nq2^22-gqa",
         "fa.compile_backward((1, 8, 2**22, 64), (1, 1, 512, 64), (1, 1, 512, 64), ptxas='none', cache_dir=CACHE, block_mask=(128, 128), block_mask_walk='compacted')", "either", "compacted")
    case("bwd-walk-auto-nq2^22-gqa",
         "fa.compile_backward((1, 8, 2**22, 64), (1, 1, 512, 64), (1, 1, 512, 64), ptxas='none', cache_dir=CACHE, block_mask=(128, 128))", "ok", "dense")
    case("bwd-walk-compacted-deterministic",
         bwd.format(f"{bm}, block_mask_walk='compacted', deterministic=True, kernel='wgmma'"), "error")
    case("bwd-walk-auto-deterministic",
         bwd.format(f"{bm}, deterministic=True, kernel='wgmma'"), "ok", "dense")
    # The cache: one configuration with two walks must give two kernels.
    case("fwd-cache-two-walks",
         "(lambda a, b: ('vote.sync.ballot' in a.ptx, 'vote.sync.ballot' in b.ptx, a is b))(" + fwd.format(f"{bm}, block_mask_walk='dense'") + ", " + fwd.format(f"{bm}, block_mask_walk='compacted'") + ")",
         "pair")
    case("bwd-cache-two-walks",
         "(lambda a, b: ('vote.sync.ballot' in a.ptx, 'vote.sync.ballot' in b.ptx, a is b))(" + bwd.format(f"{bm}, block_mask_walk='dense'") + ", " + bwd.format(f"{bm}, block_mask_walk='compacted'") + ")",
         "pair")


RUNNER = r'''
import json, sys
import flashattn_mlir as fa
CACHE = sys.argv[1]
try:
    k = eval(sys.argv[2])
except (TypeError, ValueError, fa.CompileError) as e:
    print(json.dumps({"outcome": "error", "detail": type(e).__name__ + ": " + str(e)[:300]}))
    sys.exit(0)
if isinstance(k, tuple):
    print(json.dumps({"outcome": "pair", "detail": [str(k[0]), str(k[1]), k[2]]}))
else:
    # The compacted walk's scan is the only ballot in these kernels.
    print(json.dumps({"outcome": "ok", "detail": str(getattr(k, "schedule", "")),
                      "scan": "vote.sync.ballot" in k.ptx}))
'''


def run(c, cache):
    try:
        p = subprocess.run([sys.executable, "-c", RUNNER, cache, c["call"]],
                           capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, FLASHATTN_MLIR_QUIET="1"))
    except subprocess.TimeoutExpired:
        return "HANG", "over 300 s"
    if p.returncode != 0:
        return "CRASH" if p.returncode < 0 else "UNCAUGHT", p.stderr.strip().splitlines()[-1:][0][:300] if p.stderr.strip() else f"rc {p.returncode}"
    r = json.loads(p.stdout.strip().splitlines()[-1])
    got, detail = r["outcome"], r["detail"]
    if got == "pair":
        a, b, same = detail
        ok = not same and b == "True" and a == "False"
        return ("ok" if ok else "SILENT"), f"scan in the dense kernel {a}, in the compacted one {b}"
    if c["expect"] not in ("either", got):
        return ("SILENT" if got == "ok" else "UNEXPECTED-ERROR"), detail
    if got == "ok" and c["walk"]:
        # The kernel's PTX (the scan) and, where the schedule reports it,
        # the recorded walk must both be the one asked for.
        walked = "compacted" if r["scan"] else "dense"
        if walked != c["walk"]:
            return "SILENT", f"the PTX walks {walked}, not {c['walk']}: {detail}"
        if "'walk'" not in detail:
            return "SILENT", f"the PTX walks {walked}; the schedule does not say: {detail}"
        if f"'walk': '{walked}'" not in detail:
            return "SILENT", f"the PTX walks {walked}, the schedule says otherwise: {detail}"
    return got, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", default="")
    ap.add_argument("--tsv", default="python-cases.tsv")
    a = ap.parse_args()
    build()
    counts, rows = {}, []
    with tempfile.TemporaryDirectory() as cache:
        for c in CASES:
            if a.only not in c["name"]:
                continue
            got, detail = run(c, cache)
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{c['name']}\t{c['expect']}\t{got}\t{detail}")
            print(f"{got:16} {c['name']}: {detail}", flush=True)
    with open(os.path.join(a.out, a.tsv), "w") as f:
        f.write("case\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(sum(counts.values()), "calls:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
