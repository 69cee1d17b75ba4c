#!/usr/bin/env python3
"""Checks the Python package end to end: kernels compiled by
flashattn_mlir.compile() on the build machine, run by
flashattn_mlir.attention() on the GPU machine (torch, CUDA, no LLVM).

  compile DIR   (build machine) compiles the matrix below into DIR with
                Kernel.save, and writes DIR/cases.json
  run DIR       (GPU machine) load_dir(DIR), then for each case draws random
                inputs, poisons the output with NaN, runs attention() twice
                and applies the criterion of ../shared/DESIGN.md:
                    max|out - ref| <= 2 * max|naive - ref| + floor
                (ref: float64; naive: torch math attention in the input
                precision; floor 1e-3 bf16, 1e-4 f16), and compares with
                torch SDPA where the meanings agree. Then checks that bad
                calls raise (wrong device, dtype, strides, shapes, no
                kernel) and a negative control (a non-causal result
                checked as causal must fail). Exit status 0 iff all pass.

The package comes from PYTHONPATH (or ../python next to this script); the
runtime from FA_RUNTIME_LIB or --runtime.
"""

import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for cand in (os.path.join(HERE, "..", "python"), os.path.join(HERE, "python")):
    if os.path.isdir(os.path.join(cand, "flashattn_mlir")):
        sys.path.insert(0, os.path.abspath(cand))
        break

import flashattn_mlir as fa  # noqa: E402

FLOOR = {"bf16": 1e-3, "f16": 1e-4}


def case(dtype, d, nq, nk=None, causal=False, b=1, hq=2, hkv=None):
    nk = nk or nq
    hkv = hkv or hq
    c = "bottom_right" if causal and nq != nk else bool(causal)
    name = (f"{dtype}_b{b}_h{hq}x{hkv}_q{nq}_k{nk}_d{d}"
            + ("_causal" if causal else ""))
    return {"name": name, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv,
            "nq": nq, "nk": nk, "d": d, "causal": c}


def matrix():
    cases = []
    for dtype in ("bf16", "f16"):
        for d in (64, 128):
            for n in (1, 17, 128, 1000):
                for causal in (False, True):
                    cases.append(case(dtype, d, n, causal=causal))
        cases.append(case(dtype, 64, 4096, causal=True))
        cases.append(case(dtype, 128, 4096))
        cases.append(case(dtype, 64, 256, b=2, hq=4, hkv=2, causal=True))
        cases.append(case(dtype, 128, 77, hq=4, hkv=1))
        cases.append(case(dtype, 64, 17, nk=300, causal=True))
        cases.append(case(dtype, 128, 300, nk=17, causal=True))
        bias = case(dtype, 64, 200, nk=333)
        bias.update(name=bias["name"] + "_bias", mask=[1, 1, 200, 333])
        cases.append(bias)
    return cases


def shapes(c):
    return ((c["b"], c["hq"], c["nq"], c["d"]), (c["b"], c["hkv"], c["nk"], c["d"]),
            (c["b"], c["hkv"], c["nk"], c["d"]))


def compile_all(directory, target):
    os.makedirs(directory, exist_ok=True)
    cases, failed = matrix(), 0
    for c in cases:
        t0 = time.perf_counter()
        try:
            k = fa.compile(*shapes(c), dtype=c["dtype"], causal=bool(c["causal"]),
                           target=target, mask="bias" if c.get("mask") else None,
                           mask_shape=c.get("mask"))
        except fa.CompileError as e:
            # Recorded: the run reports the case as not compiled (a failure).
            print(f"{c['name']}: did not compile: {e}", file=sys.stderr)
            c["compile_error"] = str(e)
            failed += 1
            continue
        k.save(directory, c["name"])
        c["compile_s"] = round(time.perf_counter() - t0, 2)
        c["tiling"] = k.tiling
        print(f"{c['name']:40} {k.tiling} cubin={k.cubin is not None} "
              f"{c['compile_s']} s")
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump({"target": target, "cases": cases}, f, indent=1)
    print(f"{len(cases) - failed}/{len(cases)} compiled into {directory}")
    return 0


def reference(c, q, k, v, dtype, torch, bias=None):
    """Textbook attention in `dtype` with fa.attention's (bottom-right)
    causal mask and an additive bias; a row that sees no key is 0."""
    g = c["hq"] // c["hkv"]
    q, k, v = (x.to(dtype) for x in (q, k, v))
    k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
    s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(c["d"]))
    if bias is not None:
        s = s + bias.to(dtype)
    if c["causal"]:
        i = torch.arange(c["nq"], device=q.device)[:, None]
        j = torch.arange(c["nk"], device=q.device)[None, :]
        s = s.masked_fill(j > i + (c["nk"] - c["nq"]), float("-inf"))
    return torch.nan_to_num(torch.softmax(s, -1), nan=0.0) @ v


def run_case(c, torch):
    import torch.nn.functional as F
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(abs(hash(c["name"])) % (2**31))
    q, k, v = (torch.randn(s, generator=gen, device="cuda").to(dt) for s in shapes(c))
    out = torch.full((c["b"], c["hq"], c["nq"], c["d"]), float("nan"), dtype=dt,
                     device="cuda")
    bias = None
    if c.get("mask"):
        bias = torch.randn(c["mask"], generator=gen, device="cuda").to(dt)
    fa.attention(q, k, v, causal=c["causal"], attn_mask=bias, out=out)
    torch.cuda.synchronize()
    out2 = torch.full_like(out, float("nan"))
    t0 = time.perf_counter()
    fa.attention(q, k, v, causal=c["causal"], attn_mask=bias, out=out2)
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1e3
    ref = reference(c, q, k, v, torch.float64, torch, bias)
    naive = reference(c, q, k, v, dt, torch, bias).double()
    err = (out.double() - ref).abs().max().item()
    nerr = (naive - ref).abs().max().item()
    bound = 2 * nerr + FLOOR[c["dtype"]]
    unwritten = int(torch.isnan(out).sum().item())
    rerun = (out2.double() - out.double()).abs().max().item()
    sdpa = None
    if c["nq"] == c["nk"] or not c["causal"]:
        s = F.scaled_dot_product_attention(
            q, k.repeat_interleave(c["hq"] // c["hkv"], 1),
            v.repeat_interleave(c["hq"] // c["hkv"], 1), attn_mask=bias,
            is_causal=bool(c["causal"]))
        sdpa = (out.double() - s.double()).abs().max().item()
    ok = unwritten == 0 and err <= bound and rerun == 0
    # Negative control: this output, checked as if the other mask applied
    # (where the two differ: Nq == Nk > 1).
    other = dict(c, causal=not c["causal"] if c["nq"] == c["nk"] > 1 else c["causal"])
    if bias is not None:  # the control drops the bias instead
        other, bias = dict(c, mask=None), None
    ctl = (out.double() - reference(other, q, k, v, torch.float64, torch, bias)
           ).abs().max().item()
    return {"name": c["name"], "max_abs_err": err, "naive_err": nerr, "bound": bound,
            "sdpa_diff": sdpa, "unwritten": unwritten, "rerun_diff": rerun, "ms": ms,
            "control_err": ctl, "control_fails": other == c or ctl > bound,
            "status": "PASS" if ok else "FAIL"}


def error_checks(torch, cases):
    """Bad calls must raise, before running anything."""
    c = next(x for x in cases if x["nq"] == 128 and x["dtype"] == "f16")
    q, k, v = (torch.randn(s, device="cuda", dtype=torch.float16) for s in shapes(c))
    checks = {
        "cpu tensor": (lambda: fa.attention(q.cpu(), k, v), ValueError),
        "float64": (lambda: fa.attention(q.double(), k.double(), v.double()), TypeError),
        "mixed dtypes": (lambda: fa.attention(q, k.bfloat16(), v), TypeError),
        "non-contiguous": (lambda: fa.attention(q.transpose(2, 3), k, v), ValueError),
        "3-D": (lambda: fa.attention(q[0], k[0], v[0]), ValueError),
        "head dims differ": (lambda: fa.attention(q, k[..., :32].contiguous(), v), ValueError),
        "top-left causal Nq != Nk": (
            lambda: fa.attention(q, k[:, :, :64].contiguous(), v[:, :, :64].contiguous(),
                                 causal=True), ValueError),
        "no kernel for this shape": (
            lambda: fa.attention(q[:, :, :99].contiguous(), k, v), fa.KernelNotFoundError),
        "kernel for another call": (
            lambda: fa.attention(q, k, v, causal=True,
                                 kernel=fa.find_kernel(fa.compiler.make_config(
                                     *shapes(c), "f16", False))), ValueError),
    }
    rows = []
    for name, (call, exc) in checks.items():
        try:
            call()
            got = "no exception"
        except exc as e:
            got = None
            msg = str(e).splitlines()[0][:90]
        except Exception as e:  # noqa: BLE001
            got = f"{type(e).__name__}: {e}"
        rows.append({"name": name, "status": "PASS" if got is None else "FAIL",
                     "detail": msg if got is None else got})
    return rows


def run_all(directory, as_json):
    import torch
    torch.zeros(1, device="cuda")
    card = torch.cuda.get_device_name()
    kernels = fa.load_dir(directory)
    with open(os.path.join(directory, "cases.json")) as f:
        cases = json.load(f)["cases"]
    print(f"{len(kernels)} kernels loaded from {directory}; compiler here: "
          f"{fa.compiler_available()}")
    rows = []
    for c in cases:
        if "compile_error" in c:
            rows.append({"name": c["name"], "status": "ERROR",
                         "error": "not compiled: " + c["compile_error"]})
            continue
        try:
            rows.append(run_case(c, torch))
        except Exception as e:  # noqa: BLE001
            rows.append({"name": c["name"], "status": "ERROR", "error": str(e)})
    print(f"\nflashattn_mlir.attention() on {card}, torch {torch.__version__}")
    print(f"{'case':36} {'max_err':>9} {'bound':>9} {'vs_sdpa':>9} {'ms':>7}  result")
    for r in rows:
        if r["status"] == "ERROR":
            print(f"{r['name']:36} ERROR {r['error'][:100]}")
            continue
        sd = "-" if r["sdpa_diff"] is None else f"{r['sdpa_diff']:.2e}"
        print(f"{r['name']:36} {r['max_abs_err']:9.2e} {r['bound']:9.2e} {sd:>9} "
              f"{r['ms']:7.2f}  {r['status']}"
              + ("" if r["control_fails"] else "  (negative control passed!)"))
    errs = error_checks(torch, cases)
    print("\nbad calls:")
    for r in errs:
        print(f"  {r['name']:28} {r['status']}  {r['detail']}")
    controls = [r for r in rows if r["status"] != "ERROR"]
    passed = sum(r["status"] == "PASS" for r in rows)
    ctl_ok = all(r["control_fails"] for r in controls)
    err_ok = all(r["status"] == "PASS" for r in errs)
    print(f"\n{passed}/{len(rows)} cases passed, bad calls {'all raise' if err_ok else 'FAIL'}, "
          f"negative controls {'all fail as expected' if ctl_ok else 'FAIL'} on {card}")
    if as_json:
        with open(as_json, "w") as f:
            json.dump({"card": card, "cases": rows, "bad_calls": errs}, f, indent=1)
    return 0 if passed == len(rows) and ctl_ok and err_ok else 1


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["compile", "run"])
    p.add_argument("dir")
    p.add_argument("--target", default="h100")
    p.add_argument("--runtime", default="", help="libfa_runtime.so (else $FA_RUNTIME_LIB)")
    p.add_argument("--json", default="")
    a = p.parse_args(argv)
    if a.runtime:
        os.environ["FA_RUNTIME_LIB"] = a.runtime
    if a.mode == "compile":
        return compile_all(a.dir, a.target)
    return run_all(a.dir, a.json)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
