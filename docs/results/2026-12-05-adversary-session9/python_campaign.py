#!/usr/bin/env python3
"""Session 9's attack on the Python package's backward options
(flashattn_mlir.compile_backward / compile with block_mask=, mask_pattern=,
window=, deterministic=, kernel=, head dims 192/256, dtypes, GQA, odd and
huge shapes). Each case runs in its own interpreter (a crash of the C API
would end the whole run otherwise) with ptxas='none' and a fresh cache.

    FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so python3 python_campaign.py

An outcome is `ok` (returned a kernel and the case's check of it holds),
the exception class (TypeError, ValueError, CompileError), or CRASH (the
interpreter died), HANG, SILENT (a kernel where an error was due, or the
check failed), UNEXPECTED (another exception than the one due).
Writes python-cases.tsv.
"""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")  # with numpy (setup.sh)


def shapes(D, Dv=None, B=1, Hq=4, Hkv=2, Nq=100, Nk=70):
    Dv = Dv or D
    return (B, Hq, Nq, D), (B, Hkv, Nk, D), (B, Hkv, Nk, Dv)


# (name, call text, expected: "ok" or an exception name, check on `k` or None)
CASES = []


def case(name, call, expect, check=None):
    CASES.append((name, call, expect, check))


def grad(D=64, Dv=None, shp=None, **kw):
    s = shapes(D, Dv, **(shp or {}))
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"fa.compile_backward({s[0]}, {s[1]}, {s[2]}, ptxas='none', cache_dir=CACHE, {args})"


DET = "k.schedule.get('dq') == 'ordered' or k.schedule['kernel'] == 'simt'"
for D, Dv in ((192, 128), (256, 256)):
    t = f"d{D}v{Dv}"
    case(f"{t}-auto", grad(D, Dv), "ok", "k.schedule['kernel'] == 'wgmma'")
    case(f"{t}-wgmma-det", grad(D, Dv, kernel="wgmma", deterministic=True), "ok", DET)
    case(f"{t}-auto-det-causal", grad(D, Dv, causal=True, deterministic=True), "ok", DET)
    case(f"{t}-bm64", grad(D, Dv, block_mask=(64, 64)), "ok", "'block_mask(%bm' in k.mlir('input')")
    case(f"{t}-bm64-det", grad(D, Dv, block_mask=(64, 64), deterministic=True), "ok", DET)
    case(f"{t}-bm16-wgmma", grad(D, Dv, block_mask=(16, 16), kernel="wgmma"), "CompileError")
    case(f"{t}-bm16-auto", grad(D, Dv, block_mask=(16, 16)), "ok", "k.schedule['kernel'] != 'wgmma'")
    case(f"{t}-pattern-det-wgmma", grad(D, Dv, mask_pattern={"chunk": 64}, deterministic=True, kernel="wgmma"), "CompileError")
    case(f"{t}-pattern-det-auto", grad(D, Dv, mask_pattern={"chunk": 64}, deterministic=True), "ok", DET)
    case(f"{t}-pattern-global", grad(D, Dv, mask_pattern={"butterfly": 32, "global_tokens": 8}), "ok")
    case(f"{t}-bias-wgmma", grad(D, Dv, mask="bias", kernel="wgmma"), "CompileError")
    case(f"{t}-bias-auto", grad(D, Dv, mask="bias", bias_grad=True), "ok", "k.schedule['kernel'] != 'wgmma'")
    case(f"{t}-f32-wgmma", grad(D, Dv, dtype="f32", kernel="wgmma"), "CompileError")
    case(f"{t}-f16-window", grad(D, Dv, dtype="f16", window=(17, 5)), "ok")
    case(f"{t}-n1", grad(D, Dv, shp=dict(Nq=1, Nk=1)), "ok")
    case(f"{t}-mqa", grad(D, Dv, shp=dict(Hq=8, Hkv=1, Nq=3, Nk=300), causal=True), "ok")
for D, Dv in ((256, 128), (192, 192), (128, 256), (272, 272)):
    case(f"d{D}v{Dv}-wgmma", grad(D, Dv, kernel="wgmma"), "CompileError")
    case(f"d{D}v{Dv}-auto", grad(D, Dv), "ok")  # the SIMT kernels
# Block masks of the wrong shape, dtype of its sizes, granularity, broadcast.
case("bm-17", grad(block_mask=(17, 16)), "ValueError")
case("bm-0", grad(block_mask=(0, 16)), "ValueError")
case("bm-neg", grad(block_mask=(-16, 16)), "ValueError")
case("bm-float", grad(block_mask=(64.0, 64)), "TypeError")
case("bm-str", grad(block_mask="64x64"), "ValueError")
case("bm-one", grad(block_mask=(64,)), "ValueError")
case("bm-bool", grad(block_mask=(True, 64)), "TypeError")
case("bm-shape-wrong-mq", grad(block_mask=(64, 64, (1, 4, 3, 2))), "ValueError")
case("bm-shape-hkv", grad(block_mask=(64, 64, (1, 2, 2, 2))), "ValueError")
case("bm-shape-b2", grad(block_mask=(64, 64, (2, 4, 2, 2))), "ValueError")
case("bm-shape-rank3", grad(block_mask=(64, 64, (4, 2, 2))), "ValueError")
case("bm-shape-bcast", grad(block_mask=(64, 64, (1, 1, 2, 2))), "ok", "'tensor<1x1x2x2xi8>' in k.mlir('input')")
case("bm-dict", grad(block_mask={"block_q": 64, "block_kv": 128}), "ok")
case("bm-dict-typo", grad(block_mask={"blockq": 64, "block_kv": 128}), "TypeError")
case("bm-and-pattern", grad(block_mask=(64, 64), mask_pattern={"chunk": 64}), "ValueError")
case("bm-huge-blocks", grad(block_mask=(2**31, 2**31)), "ok")
case("bm-2^62-blocks", grad(block_mask=(2**62, 2**62)), "ok")
# Sizes past the compiler's bounds: its diagnostic, as a CompileError.
case("bm-2^64-blocks", grad(block_mask=(2**64, 16)), "CompileError")
case("bm-det-ring-d128", grad(128, block_mask=(128, 128), deterministic=True, kernel="wgmma"), "ok", DET)
# Mask patterns.
case("pattern-empty", grad(mask_pattern={}), "ValueError")
case("pattern-neg", grad(mask_pattern={"chunk": -1}), "ValueError")
case("pattern-float", grad(mask_pattern={"chunk": 64.5}), "TypeError")
case("pattern-str", grad(mask_pattern="chunk=64"), "TypeError")
case("pattern-global-only", grad(mask_pattern={"global_tokens": 4}), "ValueError")
case("pattern-chunk-butterfly", grad(mask_pattern={"chunk": 64, "butterfly": 64}), "ValueError")
case("pattern-window", grad(mask_pattern={"chunk": 64}, window=(4, 4)), "ValueError")
case("pattern-2^62", grad(mask_pattern={"chunk": 2**62}), "CompileError")
case("pattern-det-mma", grad(mask_pattern={"chunk": 64}, deterministic=True, kernel="mma-sync"), "CompileError")
# Options.
case("det-str", grad(deterministic="false"), "TypeError")
case("det-int", grad(deterministic=1), "TypeError")
case("det-none", grad(deterministic=None), "TypeError")
case("kernel-bogus", grad(kernel="tensor-core"), "ValueError")
case("kernel-inject", grad(kernel="wgmma naive=true"), "ValueError")
case("kernel-int", grad(kernel=1), "TypeError")
case("window-neg", grad(window=(-1, 0)), "ValueError")
case("window-causal-right", grad(window=(4, 4), causal=True), "ValueError")
case("window-str", grad(window="4,4"), "ValueError")
case("window-float", grad(window=(4.5, 0)), "TypeError")
case("window-2^31", grad(window=(2**31, 2**31)), "CompileError")
case("window-2^63", grad(window=(2**63, 0)), "CompileError")
case("bias-grad-keep", grad(mask="bool", bias_grad=True), "ValueError")
case("bias-d64-wgmma", grad(mask="bias", bias_grad=True, kernel="wgmma"), "ok", "k.schedule['kernel'] == 'wgmma'")
case("bias-d128-wgmma", grad(128, mask="bias", kernel="wgmma"), "CompileError")
case("bias-d128-auto", grad(128, mask="bias"), "ok", "k.schedule['kernel'] == 'mma-sync'")
# Shapes.
case("gqa-3-of-4", grad(shp=dict(Hq=4, Hkv=3)), "ValueError")
case("hkv-0", grad(shp=dict(Hq=4, Hkv=0)), "ValueError")
case("nq-0", grad(shp=dict(Nq=0)), "ValueError")
case("d-0", grad(0), "ValueError")
case("nq-2^31", grad(shp=dict(Nq=2**31, Nk=64, Hq=1, Hkv=1)), "CompileError")
case("nq-2^31-1-d256", grad(256, shp=dict(Nq=2**31 - 1, Nk=64, Hq=1, Hkv=1), kernel="wgmma"), "ok")
case("nk-2^31-1-bm", grad(128, shp=dict(Nq=128, Nk=2**31 - 1, Hq=1, Hkv=1), block_mask=(128, 2**20)), "ok")
case("numpy-ints", "fa.compile_backward(tuple(np.int64(x) for x in (1, 4, 100, 192)), (1, 2, 70, 192), (1, 2, 70, 128), ptxas='none', cache_dir=CACHE)", "ok")
case("shape-float", "fa.compile_backward((1, 4, 100.0, 64), (1, 2, 70, 64), (1, 2, 70, 64), ptxas='none', cache_dir=CACHE)", "TypeError")
case("shape-neg", grad(shp=dict(Nq=-5)), "ValueError")
case("dtype-fp8", grad(dtype="f8E4M3"), "TypeError")
case("dv-mismatch-o", "fa.compile_backward((1, 4, 100, 64), (1, 2, 70, 64), (1, 2, 71, 64), ptxas='none', cache_dir=CACHE)", "ValueError")
case("compile-bm-fwd-d256", "fa.compile((1, 4, 100, 256), (1, 2, 70, 256), (1, 2, 70, 256), block_mask=(64, 128), ptxas='none', cache_dir=CACHE)", "ok")

CHILD = r"""
import sys, tempfile
sys.path.insert(0, {py!r})
import numpy as np
import flashattn_mlir as fa
CACHE = tempfile.mkdtemp()
try:
    k = {call}
except Exception as e:
    lines = str(e).splitlines() or [""]
    line = next((l for l in lines if "error:" in l), lines[0])
    print("RESULT", type(e).__name__, line.split("error:", 1)[-1].strip()[:200])
    sys.exit(0)
ok = {check}
print("RESULT", "ok" if ok else "SILENT", getattr(k, "schedule", ""))
"""


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    env = dict(os.environ, FLASHATTN_MLIR_QUIET="1")
    env.setdefault("FLASHATTN_MLIR_LIB", os.path.join(ROOT, "build/lib/libFlashAttn-C.so"))
    rows, counts = [], {}
    for name, call, expect, check in CASES:
        if only not in name:
            continue
        code = CHILD.format(py=os.path.join(ROOT, "python"), call=call, check=check or "True")
        try:
            p = subprocess.run([PYTHON, "-c", code], capture_output=True,
                               text=True, timeout=300, env=env)
            line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
            if p.returncode != 0 or line is None:
                got, detail = "CRASH", f"rc {p.returncode}: {p.stderr.strip().splitlines()[-1:]}"
            else:
                got, _, detail = line[7:].partition(" ")
        except subprocess.TimeoutExpired:
            got, detail = "HANG", "over 300 s"
        outcome = got
        if got not in ("CRASH", "HANG", "SILENT") and got != expect:
            outcome = "SILENT" if got == "ok" else "UNEXPECTED"
        counts[outcome] = counts.get(outcome, 0) + 1
        rows.append(f"{name}\t{expect}\t{outcome}\t{got}\t{detail}")
        print(f"{outcome:11} {name}: {got} {detail}", flush=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "python-cases.tsv"), "w") as f:
        f.write("case\texpect\toutcome\tgot\tdetail\n" + "\n".join(rows) + "\n")
    print(len(rows), "cases:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "TypeError", "ValueError", "CompileError"} else 1


if __name__ == "__main__":
    sys.exit(main())
