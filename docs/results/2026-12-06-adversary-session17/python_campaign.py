#!/usr/bin/env python3
"""Session 17's attack through the Python package (the C API's option checks
and schedules): compile_backward's `backward_persistent` (D114) and
`dq_pass` (D115) overrides, compile()'s D = 256 producer kernel (D116) and
the mma.sync kernel's `min_blocks` (D118), with malformed values. CPU only:
ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \\
        python3 python_campaign.py [--out DIR]

The runner is session 15's python_campaign.py (imported). Outcomes: ok
(compiled, and Kernel.schedule says what was asked: `want`), error
(TypeError / ValueError / CompileError naming the problem), CRASH, UNCAUGHT,
SILENT (ok where an error was due, or the schedule disagrees).
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "s15py", os.path.join(HERE, "..", "2026-12-06-adversary-session15", "python_campaign.py"))
s15 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s15)

CASES = []


def case(name, call, expect, want=None):
    CASES.append(dict(name=name, call=call, expect=expect, want=want or {}))


def build():
    d64, d128 = "(1, 2, 1024, 64)", "(1, 2, 1024, 128)"

    def b(s, rest=""):
        return (f"fa.compile_backward({s}, {s}, {s}, ptxas='none', cache_dir=CACHE"
                + (", " + rest if rest else "") + ")")

    def f(s, rest=""):
        return (f"fa.compile({s}, {s}, {s}, ptxas='none', cache_dir=CACHE"
                + (", " + rest if rest else "") + ")")

    # D114.
    case("pers-on", b(d64, "kernel='wgmma', backward_persistent='on'"), "ok", {"persistent": "on"})
    case("pers-on-d128-causal", b(d128, "kernel='wgmma', causal=True, backward_persistent='on'"), "ok", {"persistent": "on"})
    case("pers-off", b(d64, "kernel='wgmma', backward_persistent='off'"), "ok", {"persistent": "off"})
    case("pers-auto", b(d64, "kernel='wgmma'"), "ok", {"persistent": "off"})
    case("pers-on-gqa", "fa.compile_backward((2, 8, 4096, 64), (2, 1, 4096, 64), (2, 1, 4096, 64), kernel='wgmma', backward_persistent='on', ptxas='none', cache_dir=CACHE)", "ok", {"persistent": "on"})
    case("pers-on-nq-big", "fa.compile_backward((1, 1, 2**31 - 1, 64), (1, 1, 64, 64), (1, 1, 64, 64), kernel='wgmma', backward_persistent='on', ptxas='none', cache_dir=CACHE)", "either", {"persistent": "on"})
    case("pers-on-det", b(d64, "kernel='wgmma', deterministic=True, backward_persistent='on'"), "error")
    case("pers-on-bm", b(d64, "kernel='wgmma', block_mask=(128, 128), backward_persistent='on'"), "error")
    case("pers-on-a100", b(d64, "target='a100', backward_persistent='on'"), "either")
    for v in ("True", "1", "'yes'", "None", "'ON'", "'on '", "'on,dq=ordered'"):
        case(f"pers[{v}]", b(d64, f"kernel='wgmma', backward_persistent={v}"), "error")
    # The forward takes no backward option.
    case("pers-forward", f(d64, "backward_persistent='on'"), "either")
    # D115.
    # Kernel.schedule has no `dq_pass` (the C API's FABackwardSchedule does
    # not carry it: open, README): the request is checked by the PTX, which
    # differs between the two passes (a separate check in the README).
    case("dqpass-after", b(d64, "kernel='wgmma', deterministic=True, dq_pass='after-scores'"), "ok", {"dq": "ordered"})
    case("dqpass-after-d128", b(d128, "kernel='wgmma', deterministic=True, dq_pass='after-scores'"), "ok", {"dq": "ordered"})
    # The option concerns ordered dQ only (chooseDqPass's documented rule).
    case("dqpass-atomic", b(d64, "kernel='wgmma', dq_pass='after-scores'"), "ok", {"dq": "atomic"})
    case("dqpass-step", b(d64, "kernel='wgmma', deterministic=True, dq_pass='step-start'"), "ok", {"dq": "ordered"})
    for v in ("'after_scores'", "1", "None", "'later'"):
        case(f"dqpass[{v}]", b(d64, f"kernel='wgmma', deterministic=True, dq_pass={v}"), "error")
    case("dqpass-and-pers", b(d64, "kernel='wgmma', deterministic=True, dq_pass='after-scores', backward_persistent='on'"), "error")
    # D116.
    case("d256-fwd", "fa.compile((1, 8, 4096, 256), (1, 8, 4096, 256), (1, 8, 4096, 256), ptxas='none', cache_dir=CACHE)", "ok")
    case("d256-fwd-causal-1k", "fa.compile((1, 8, 1024, 256), (1, 8, 1024, 256), (1, 8, 1024, 256), causal=True, ptxas='none', cache_dir=CACHE)", "ok")
    case("d256-fwd-barrier", "fa.compile((1, 8, 4096, 256), (1, 8, 4096, 256), (1, 8, 4096, 256), wgmma_release='barrier', ptxas='none', cache_dir=CACHE)", "ok")
    # D118: the schedule's min_blocks through Python.
    case("minblocks-keep-a100", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), mask='bool', mask_shape=(1, 2, 1024, 1024), block_mask=(128, 128), block_mask_walk='compacted', target='a100', ptxas='none', cache_dir=CACHE)", "ok")


def run(c, cache, python):
    try:
        p = subprocess.run([python, "-c", s15.RUNNER, cache, c["call"]],
                           capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, FLASHATTN_MLIR_QUIET="1",
                                    FLASHATTN_MLIR_CACHE=cache))
    except subprocess.TimeoutExpired:
        return "HANG", "over 600 s"
    if p.returncode != 0:
        tail = p.stderr.strip().splitlines()[-1:]
        return ("CRASH" if p.returncode < 0 else "UNCAUGHT"), (tail[0][:300] if tail else f"rc {p.returncode}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    got, detail = r["outcome"], r["detail"]
    if c["expect"] not in ("either", got):
        return ("SILENT" if got == "ok" else "UNEXPECTED-ERROR"), detail
    if got == "ok":
        s = r.get("schedule") or {}
        for k, v in c["want"].items():
            if s.get(k) != v:
                return "SILENT", f"schedule[{k!r}] = {s.get(k)!r}, not {v!r}: {s}"
        detail = json.dumps(s)[:300]
    return got, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--only", default="")
    ap.add_argument("--tsv", default="python-cases.tsv")
    a = ap.parse_args()
    build()
    counts, rows = {}, []
    with tempfile.TemporaryDirectory() as cache:
        for c in CASES:
            if a.only not in c["name"]:
                continue
            got, detail = run(c, cache, sys.executable)
            detail = str(detail).replace("\n", " | ")
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{c['name']}\t{c['expect']}\t{got}\t{detail}")
            print(f"{got:16} {c['name']}: {detail}", flush=True)
    with open(os.path.join(a.out, a.tsv), "w") as f:
        f.write("case\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(sum(counts.values()), "calls:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
