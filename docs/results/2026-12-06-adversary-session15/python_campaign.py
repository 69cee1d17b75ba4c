#!/usr/bin/env python3
"""Session 15's attack through the Python package: compile_backward's
`block_q=128` (the wgmma backward's wide q-block, D104) and
`backward_epilogue` (the TMA-store epilogue, D107) with values of the wrong
type and spelling, on problems that cannot take them, at extreme sizes; and
(--torch, the torch in /work/venv-torch) attention()'s backward on the
fake CUDA driver (libfa_runtime_fake.so: the real launch path, nothing
computed) with tensors whose alignment or strides break D105's 16-byte
accesses and the TMA store's tensor maps. CPU only: ptxas='none'.

    PYTHONPATH=python FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \
        python3 python_campaign.py [--out DIR]
    PYTHONPATH=python:python/tests FLASHATTN_MLIR_LIB=build/lib/libFlashAttn-C.so \
        FA_RUNTIME_FAKE_LIB=build/lib/libfa_runtime_fake.so \
        /work/venv-torch/bin/python python_campaign.py --torch

Outcomes: ok (compiled, and the kernel's schedule and PTX agree with the
request: block_q, the epilogue: the TMA store's tensor stores from shared
memory are in the PTX exactly where the schedule says tma-store), error
(TypeError / ValueError / CompileError / RuntimeError naming the problem),
CRASH (the interpreter died), SILENT (compiled or launched where an error
was due, or the schedule, PTX and request disagree).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CASES = []


def case(name, call, expect, bq=None, epilogue=None, torch=False):
    CASES.append(dict(name=name, call=call, expect=expect, bq=bq,
                      epilogue=epilogue, torch=torch))


def build():
    d64 = "(1, 2, 1024, 64)"
    d128 = "(1, 2, 1024, 128)"
    bwd = "fa.compile_backward({s}, {s}, {s}, ptxas='none', cache_dir=CACHE{rest})"

    def b(s, rest=""):
        return bwd.format(s=s, rest=(", " + rest) if rest else "")

    # The defaults (D108) and the requests.
    case("d64-auto", b(d64), "ok", 128, "direct")
    case("d128-auto", b(d128), "ok", 64, "tma-store")
    case("d64-epilogue-tma", b(d64, "backward_epilogue='tma-store'"), "ok", 64, "tma-store")
    case("d64-epilogue-direct", b(d64, "backward_epilogue='direct'"), "ok", 128, "direct")
    case("d128-epilogue-direct", b(d128, "backward_epilogue='direct'"), "ok", 64, "direct")
    case("d64-bq128", b(d64, "kernel='wgmma', block_q=128"), "ok", 128, "direct")
    case("d64-bq128-tma", b(d64, "kernel='wgmma', block_q=128, backward_epilogue='tma-store'"), "error")
    case("d64-bq128-det", b(d64, "kernel='wgmma', block_q=128, deterministic=True"), "error")
    case("d64-bq128-stages1", b(d64, "kernel='wgmma', block_q=128, stages=1"), "error")
    case("d64-bq128-bm", b(d64, "kernel='wgmma', block_q=128, block_mask=(128, 128)"), "error")
    case("d64-bq128-bias", "fa.compile_backward((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, kernel='wgmma', block_q=128, mask='bias', mask_shape=(1, 2, 1024, 1024))", "error")
    case("d128-bq128", b(d128, "kernel='wgmma', block_q=128"), "error")
    case("d80-bq128", b("(1, 2, 1024, 80)", "kernel='wgmma', block_q=128"), "error")
    case("d64v128-bq128", "fa.compile_backward((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 128), ptxas='none', cache_dir=CACHE, kernel='wgmma', block_q=128)", "error")
    case("d64-bq128-mma", b(d64, "kernel='mma-sync', block_q=128"), "either")
    case("d64-bq128-auto", b(d64, "block_q=128"), "ok", 128)
    case("d64-bq256", b(d64, "kernel='wgmma', block_q=256"), "error")
    case("d64-bq128-nq1", "fa.compile_backward((1, 2, 1, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, kernel='wgmma', block_q=128)", "ok", 128)
    case("d64-bq128-nq2^31", "fa.compile_backward((1, 1, 2**31 - 1, 64), (1, 1, 128, 64), (1, 1, 128, 64), ptxas='none', cache_dir=CACHE, kernel='wgmma', block_q=128)", "either", 128)
    case("d64-bq128-gqa", "fa.compile_backward((1, 8, 777, 64), (1, 1, 1000, 64), (1, 1, 1000, 64), causal=True, ptxas='none', cache_dir=CACHE, kernel='wgmma', block_q=128)", "ok", 128)
    case("d128-tma-nq1", "fa.compile_backward((1, 2, 1, 128), (1, 2, 17, 128), (1, 2, 17, 128), ptxas='none', cache_dir=CACHE, backward_epilogue='tma-store')", "ok", 64, "tma-store")
    case("d128-tma-nk2^31-h4", "fa.compile_backward((1, 4, 128, 128), (1, 4, 2**31 - 1, 128), (1, 4, 2**31 - 1, 128), ptxas='none', cache_dir=CACHE, kernel='wgmma', backward_epilogue='tma-store')", "either", 64, "tma-store")
    case("d256-tma", b("(1, 2, 1024, 256)", "kernel='wgmma', backward_epilogue='tma-store'"), "error")
    case("d256-auto", b("(1, 2, 1024, 256)", "kernel='wgmma'"), "ok", 64, "direct")
    # backward_epilogue concerns the wgmma kernel: the mma.sync backward
    # keeps its direct stores (as backward_in_flight; docs/Backward.md).
    case("d128-tma-mma", b(d128, "kernel='mma-sync', backward_epilogue='tma-store'"), "ok", None, "direct")
    case("d128-tma-simt", b(d128, "kernel='simt', backward_epilogue='tma-store'"), "either", None, "direct")
    case("d128-tma-a100", b(d128, "target='a100', backward_epilogue='tma-store'"), "either", None, "direct")
    case("d128-tma-pattern", b(d128, "kernel='wgmma', mask_pattern={'chunk': 128}, backward_epilogue='tma-store'"), "error")
    case("d128-tma-inflight-opt", b(d128, "backward_in_flight='dk', backward_epilogue='tma-store'"), "error")
    case("fwd-epilogue-option", "fa.compile((1, 2, 1024, 64), (1, 2, 1024, 64), (1, 2, 1024, 64), ptxas='none', cache_dir=CACHE, backward_epilogue='tma-store')", "either")
    # Malformed values.
    for v in ("True", "1", "None", "b'tma-store'", "'TMA-STORE'", "'tma_store'",
              "'tma-store direct'", "'tma-store}'", "'tma-store '", "''",
              "['tma-store']", "'tma-store kernel=simt'", "'staged'", "1.5"):
        case(f"epilogue[{v}]", b(d128, f"backward_epilogue={v}"), "error")
    for v in ("128.0", "'128'", "True", "127", "-128", "2**40", "None"):
        case(f"block_q[{v}]", b(d64, f"kernel='wgmma', block_q={v}"),
             "error")
    case("epilogue-dash-key", b(d128, "**{'backward-epilogue': 'tma-store'}"), "error")
    # The cache: one configuration with two epilogues gives two kernels.
    case("cache-two-epilogues",
         "(lambda a, c: (a.schedule['epilogue'], c.schedule['epilogue'], a is c))("
         + b(d128, "backward_epilogue='direct'") + ", " + b(d128, "backward_epilogue='tma-store'") + ")",
         "pair")

    # --torch: attention()'s backward on the fake driver.
    case("torch-d64-aligned", "run(64, 0, 'fresh')", "ok", torch=True)
    case("torch-d64-dout-offset-2B", "run(64, 1, 'offset')", "error", torch=True)
    case("torch-d64-dout-offset-8B", "run(64, 4, 'offset')", "error", torch=True)
    case("torch-d64-dout-offset-16B", "run(64, 8, 'offset')", "ok", torch=True)
    case("torch-d64-dout-transposed", "run(64, 0, 'transposed')", "ok", torch=True)
    case("torch-d64-dout-expanded", "run(64, 0, 'expanded')", "ok", torch=True)
    case("torch-d128-aligned", "run(128, 0, 'fresh')", "ok", torch=True)
    case("torch-d128-dout-offset-2B", "run(128, 1, 'offset')", "error", torch=True)
    case("torch-d128-dout-transposed", "run(128, 0, 'transposed')", "ok", torch=True)
    case("torch-d128-q-offset-2B", "run(128, 1, 'q-offset')", "error", torch=True)
    case("torch-d128-q-offset-16B", "run(128, 8, 'q-offset')", "ok", torch=True)
    case("torch-d64-q-transposed", "run(64, 0, 'q-transposed')", "error", torch=True)
    # The runtime itself (faRtLaunch), handed misaligned buffers directly.
    # At D = 64 kernel=auto builds block_q 128 with the direct epilogue:
    # dK and dV are stored an element (2 bytes) at a time, so any
    # element-aligned dK and dV are right; at D = 128 the TMA store needs
    # them 16-byte aligned.
    for d in (64, 128):
        for arg, off in (("out", 2), ("dq", 2), ("dq", 4), ("dk", 2), ("dk", 8), ("dv", 2), ("do", 2)):
            exp = "ok" if d == 64 and arg in ("dk", "dv") else "error"
            case(f"runtime-d{d}-{arg}+{off}B", f"direct({d}, '{arg}', {off})", exp, torch=True)
        case(f"runtime-d{d}-aligned", f"direct({d}, None, 0)", "ok", torch=True)


RUNNER = r'''
import json, re, sys
import flashattn_mlir as fa
CACHE = sys.argv[1]
try:
    k = eval(sys.argv[2])
except (TypeError, ValueError, fa.CompileError) as e:
    print(json.dumps({"outcome": "error", "detail": type(e).__name__ + ": " + str(e)[:300]}))
    sys.exit(0)
if isinstance(k, tuple):
    print(json.dumps({"outcome": "pair", "detail": list(k)}))
else:
    ptx = k.ptx
    print(json.dumps({"outcome": "ok", "detail": str(k.schedule) + " " + str(k.tiling),
                      "schedule": k.schedule, "tiling": k.tiling,
                      # The TMA store's tensor stores (dK, dV from shared
                      # memory; dQ's TMA reductions are cp.reduce...).
                      "tma_store": re.search(r"cp\.async\.bulk\.tensor\.\dd\.global\.shared::cta", ptx) is not None}))
'''

TORCH_RUNNER = r'''
import json, sys
import torch
import flashattn_mlir as fa
from flashattn_mlir import runtime
import fake_driver
rt, undo = fake_driver.install()

def tensors(d, n=256):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn((1, 2, n, d), generator=gen, dtype=torch.bfloat16)
            for _ in range(3)]

def shifted(t, elems):
    """t's values in a contiguous view starting `elems` elements into a
    buffer: 2 * elems bytes off the allocation's alignment."""
    base = torch.empty(t.numel() + elems + 64, dtype=t.dtype)
    v = base[elems:elems + t.numel()].view(t.shape)
    v.copy_(t)
    return v

def run(d, elems, how):
    # The kernels attention() looks up, registered first (ptxas='none': the
    # fake driver loads the PTX; attention() would run ptxas on a miss).
    shape = (1, 2, 256, d)
    for kernel in (fa.compile(shape, shape, shape, causal=True, lse=True, ptxas="none"),
                   fa.compile_backward(shape, shape, shape, causal=True, ptxas="none")):
        fa.register(kernel)
    q, k, v = tensors(d)
    if how == "q-offset":
        q = shifted(q, elems)
    if how == "q-transposed":
        q = q.transpose(-1, -2).contiguous().transpose(-1, -2)
    for t in (q, k, v):
        t.requires_grad_(True)
    out = fa.attention(q, k, v, causal=True)
    dout = torch.randn_like(out)
    if how == "offset":
        dout = shifted(dout, elems)
    elif how == "transposed":
        dout = dout.transpose(-1, -2).contiguous().transpose(-1, -2)
    elif how == "expanded":
        dout = torch.randn(1, 1, out.shape[2], d, dtype=out.dtype).expand_as(out)
    n = rt.num_launches()
    dq, dk, dv = torch.autograd.grad(out, (q, k, v), dout)
    bwd = [x for x in fa.registered() if "grad" in x.config]
    return {"launches": rt.num_launches() - n, "schedule": bwd[-1].schedule if bwd else None,
            "tiling": bwd[-1].tiling if bwd else None,
            "align": [list(a[:2]) for a in runtime.alignment_needs(bwd[-1])] if bwd else None}

def direct(d, arg, off):
    """faRtLaunch of the backward kernel with the manifest's buffers, one of
    them `off` bytes off: the runtime's own check (manifest `align`, tensor
    maps), not the package's."""
    k = fa.compile_backward((1, 2, 256, d), (1, 2, 256, d), (1, 2, 256, d),
                            causal=True, ptxas="none")
    fa.register(k)
    handle = k._loaded[0] if getattr(k, "_loaded", None) else None
    if handle is None:
        runtime.loaded(k, 0)
        handle = k._loaded[0]
    with open(k.path) as f:
        manifest = json.load(f)
    # The backward's arguments in order: q, k, v, o, do, lse, dq, dk, dv.
    index = {"out": 3, "do": 4, "dq": 6, "dk": 7, "dv": 8}.get(arg)
    keep, ptrs = [], []
    for a in manifest["arguments"]:
        buf = torch.zeros(a["bytes"] + 64, dtype=torch.uint8)
        keep.append(buf)
        p = buf.data_ptr()
        p += (-p) % 128
        if a["index"] == index:
            p += off
        ptrs.append(p)
    n = rt.num_launches()
    rt.launch_pointers(handle, ptrs, 0)
    return {"launches": rt.num_launches() - n, "args": [a["name"] for a in manifest["arguments"]],
            "align": {a["name"]: a.get("align", 1) for a in manifest["arguments"]}}

try:
    r = eval(sys.argv[2])
except (TypeError, ValueError, RuntimeError, fa.CompileError) as e:
    print(json.dumps({"outcome": "error", "detail": type(e).__name__ + ": " + str(e)[:300]}))
    sys.exit(0)
finally:
    undo()
print(json.dumps({"outcome": "ok", "detail": json.dumps(r)[:400], "result": r}))
'''


def run(c, cache, python):
    runner = TORCH_RUNNER if c["torch"] else RUNNER
    try:
        p = subprocess.run([python, "-c", runner, cache, c["call"]],
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
    if got == "pair":
        a, b, same = detail
        ok = not same and (a, b) == ("direct", "tma-store")
        return ("ok" if ok else "SILENT"), f"epilogues {a}, {b}, one kernel: {same}"
    if c["expect"] not in ("either", got):
        return ("SILENT" if got == "ok" else "UNEXPECTED-ERROR"), detail
    if got == "ok" and not c["torch"]:
        s, t = r["schedule"] or {}, r["tiling"] or {}
        if "epilogue" not in s:
            return "SILENT", f"the schedule does not say the epilogue: {detail}"
        said = s["epilogue"] == "tma-store"
        if said != r["tma_store"]:
            return "SILENT", f"the schedule says {s['epilogue']}, the PTX's TMA store {r['tma_store']}"
        if c["epilogue"] and s["epilogue"] != c["epilogue"]:
            return "SILENT", f"epilogue {s['epilogue']}, not {c['epilogue']}"
        if c["bq"] and t.get("block_q") != c["bq"]:
            return "SILENT", f"block_q {t.get('block_q')}, not {c['bq']}"
    if got == "ok" and c["torch"] and r["result"].get("launches", 0) < 1:
        return "SILENT", "no launch: " + detail
    return got, detail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", default="")
    ap.add_argument("--torch", action="store_true",
                    help="the torch cases (run with a Python that has torch)")
    ap.add_argument("--tsv", default=None)
    a = ap.parse_args()
    build()
    tsv = a.tsv or ("python-torch-cases.tsv" if a.torch else "python-cases.tsv")
    counts, rows = {}, []
    with tempfile.TemporaryDirectory() as cache:
        for c in CASES:
            if a.only not in c["name"] or c["torch"] != a.torch:
                continue
            got, detail = run(c, cache, sys.executable)
            detail = str(detail).replace("\n", " | ")
            counts[got] = counts.get(got, 0) + 1
            rows.append(f"{c['name']}\t{c['expect']}\t{got}\t{detail}")
            print(f"{got:16} {c['name']}: {detail}", flush=True)
    with open(os.path.join(a.out, tsv), "w") as f:
        f.write("case\texpect\toutcome\tdetail\n" + "\n".join(rows) + "\n")
    print(sum(counts.values()), "calls:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "error"} else 1


if __name__ == "__main__":
    sys.exit(main())
