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
                torch SDPA where the meanings agree. Masks are additive
                biases or bool keep-masks (with rows that see no key). With
                return_lse the f32 logsumexp is checked the same way
                against a float64 reference (naive: float32, the lse's own
                precision; floor 1e-4; rows that see no key must be -inf).
                Some cases pass their tensors through DLPack or
                __cuda_array_interface__ wrappers, or a uint8 mask. Then
                checks that bad calls raise (wrong device, dtype, strides,
                shapes, an unaligned out, no kernel) and negative controls
                (a non-causal result checked as causal, a masked one checked
                without its mask, a base-2 lse) must fail. Exit status 0 iff all pass.

The package comes from python/ two folders up (the checkout's, or the staged
folder's), else PYTHONPATH; the runtime from FA_RUNTIME_LIB or --runtime.
"""

import argparse
import json
import math
import os
import sys
import time

# python/ two folders up: the checkout, or the folder
# scripts/python-gpu-artifacts.sh staged (same layout).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

import flashattn_mlir as fa  # noqa: E402

FLOOR = {"bf16": 1e-3, "f16": 1e-4}
LSE_FLOOR = 1e-4


def case(dtype, d, nq, nk=None, causal=False, b=1, hq=2, hkv=None, mask=None,
         mask_kind="bias", lse=False, via=None):
    """`mask`: a mask shape (kind `mask_kind`, 'bias' or 'bool'); `lse`:
    also return the logsumexp; `via`: 'dlpack' or 'cai' pass every tensor
    through a wrapper exposing only that protocol, 'uint8' the bool mask as
    uint8."""
    nk = nk or nq
    hkv = hkv or hq
    c = "bottom_right" if causal and nq != nk else bool(causal)
    name = (f"{dtype}_b{b}_h{hq}x{hkv}_q{nq}_k{nk}_d{d}"
            + ("_causal" if causal else "")
            + (f"_{mask_kind}" + "x".join(map(str, mask)) if mask else "")
            + ("_lse" if lse else "") + (f"_{via}" if via else ""))
    result = {"name": name, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv,
              "nq": nq, "nk": nk, "d": d, "causal": c}
    if mask:
        result.update(mask=list(mask), mask_kind=mask_kind)
    if lse:
        result["lse"] = True
    if via:
        result["via"] = via
    return result


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
        cases.append(case(dtype, 64, 200, nk=333, mask=(1, 1, 200, 333)))
        # Bool keep-masks: broadcast over batch and heads, per head, and a
        # key-padding mask [B, 1, 1, Nk] with grouped-query heads.
        cases.append(case(dtype, 64, 200, nk=333, mask=(1, 1, 200, 333),
                          mask_kind="bool"))
        cases.append(case(dtype, 128, 128, mask=(1, 2, 128, 128), mask_kind="bool"))
        cases.append(case(dtype, 64, 256, b=2, hq=4, hkv=2, mask=(2, 1, 1, 256),
                          mask_kind="bool"))
        # The logsumexp, alone and with each mask.
        cases.append(case(dtype, 64, 128, causal=True, lse=True))
        cases.append(case(dtype, 128, 17, nk=300, causal=True, lse=True))
        cases.append(case(dtype, 64, 200, nk=333, mask=(1, 1, 200, 333), lse=True))
        cases.append(case(dtype, 64, 200, nk=333, mask=(1, 1, 200, 333),
                          mask_kind="bool", lse=True))
    # Other ways in: DLPack, __cuda_array_interface__ (torch has none for
    # bf16), a uint8 mask.
    cases.append(case("bf16", 64, 128, causal=True, lse=True, via="dlpack"))
    cases.append(case("f16", 64, 200, nk=333, mask=(1, 1, 200, 333),
                      mask_kind="bool", lse=True, via="dlpack"))
    cases.append(case("f16", 64, 200, nk=333, mask=(1, 1, 200, 333),
                      mask_kind="bool", via="cai"))
    cases.append(case("bf16", 64, 200, nk=333, mask=(1, 1, 200, 333),
                      mask_kind="bool", via="uint8"))
    return cases


def shapes(c):
    return ((c["b"], c["hq"], c["nq"], c["d"]), (c["b"], c["hkv"], c["nk"], c["d"]),
            (c["b"], c["hkv"], c["nk"], c["d"]))


def compile_all(directory, target, overrides=()):
    os.makedirs(directory, exist_ok=True)
    cases, failed = matrix(), 0
    for c in cases:
        t0 = time.perf_counter()
        try:
            k = fa.compile(*shapes(c), dtype=c["dtype"], causal=bool(c["causal"]),
                           target=target, mask=c.get("mask_kind"),
                           mask_shape=c.get("mask"), lse=c.get("lse", False),
                           **dict(overrides))
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


def scores(c, q, k, dtype, torch, mask=None):
    """Scaled scores in `dtype` with fa.attention's (bottom-right) causal
    mask, an additive bias or a bool keep-mask; dropped scores are -inf."""
    g = c["hq"] // c["hkv"]
    q, k = q.to(dtype), k.to(dtype).repeat_interleave(g, 1)
    s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(c["d"]))
    if mask is not None and mask.dtype == torch.bool:
        s = s.masked_fill(~mask, float("-inf"))
    elif mask is not None:
        s = s + mask.to(dtype)
    if c["causal"]:
        i = torch.arange(c["nq"], device=q.device)[:, None]
        j = torch.arange(c["nk"], device=q.device)[None, :]
        s = s.masked_fill(j > i + (c["nk"] - c["nq"]), float("-inf"))
    return s


def reference(c, q, k, v, dtype, torch, mask=None):
    """Textbook attention in `dtype`; a row that sees no key is 0."""
    s = scores(c, q, k, dtype, torch, mask)
    v = v.to(dtype).repeat_interleave(c["hq"] // c["hkv"], 1)
    return torch.nan_to_num(torch.softmax(s, -1), nan=0.0) @ v


def lse_diff(a, b, torch):
    """max|a - b| where both are finite; inf where one row is -inf (no key
    seen) and the other is not."""
    a, b = a.double(), b.double()
    if not torch.equal(torch.isneginf(a), torch.isneginf(b)):
        return math.inf
    fin = torch.isfinite(b)
    if not torch.isfinite(a[fin]).all():
        return math.inf
    return (a[fin] - b[fin]).abs().max().item() if fin.any() else 0.0


class DLPackOnly:
    """A tensor seen only through __dlpack__/__dlpack_device__."""

    def __init__(self, t):
        self.t = t

    def __dlpack__(self, stream=None):
        return self.t.__dlpack__(stream=stream)

    def __dlpack_device__(self):
        return self.t.__dlpack_device__()


class CAIOnly:
    """A tensor seen only through __cuda_array_interface__."""

    def __init__(self, t):
        self.t = t
        self.__cuda_array_interface__ = t.__cuda_array_interface__


def make_mask(c, gen, dt, torch):
    if not c.get("mask"):
        return None
    if c["mask_kind"] == "bias":
        return torch.randn(c["mask"], generator=gen, device="cuda").to(dt)
    keep = torch.rand(c["mask"], generator=gen, device="cuda") > 0.3
    if c["mask"][2] > 1:
        keep[:, :, ::7, :] = False     # rows that see no key: 0 and lse -inf
        keep[:, :, 3::7, :] = False
        keep[:, :, 3::7, -1] = True    # rows that see one key
    else:
        keep[..., : c["nk"] // 2] = False  # key padding
    return keep


def run_case(c, torch):
    import torch.nn.functional as F
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(abs(hash(c["name"])) % (2**31))
    q, k, v = (torch.randn(s, generator=gen, device="cuda").to(dt) for s in shapes(c))
    oshape = (c["b"], c["hq"], c["nq"], c["d"])
    mask = make_mask(c, gen, dt, torch)
    want_lse = c.get("lse", False)
    via = c.get("via")
    wrap = {"dlpack": DLPackOnly, "cai": CAIOnly}.get(via, lambda t: t)

    def run():
        out = torch.full(oshape, float("nan"), dtype=dt, device="cuda")
        lse = torch.full(oshape[:3], float("nan"), device="cuda") if want_lse else None
        m = mask.to(torch.uint8) if via == "uint8" else mask
        kw = {"lse_out": wrap(lse)} if want_lse else {}
        got = fa.attention(wrap(q), wrap(k), wrap(v), causal=c["causal"],
                           attn_mask=None if m is None else wrap(m), out=wrap(out),
                           return_lse=want_lse, **kw)
        if want_lse:
            assert got[0] is not None and got[1] is not None
        torch.cuda.synchronize()
        return out, lse

    out, lse = run()
    t0 = time.perf_counter()
    out2, lse2 = run()
    ms = (time.perf_counter() - t0) * 1e3
    ref = reference(c, q, k, v, torch.float64, torch, mask)
    naive = reference(c, q, k, v, dt, torch, mask).double()
    err = (out.double() - ref).abs().max().item()
    nerr = (naive - ref).abs().max().item()
    bound = 2 * nerr + FLOOR[c["dtype"]]
    unwritten = int(torch.isnan(out).sum().item())
    rerun = (out2.double() - out.double()).abs().max().item()
    sdpa = None
    if c["nq"] == c["nk"] or not c["causal"]:
        s = F.scaled_dot_product_attention(
            q, k.repeat_interleave(c["hq"] // c["hkv"], 1),
            v.repeat_interleave(c["hq"] // c["hkv"], 1), attn_mask=mask,
            is_causal=bool(c["causal"]))
        # SDPA gives NaN (or garbage) where a row sees no key; we give 0.
        sdpa = (out.double() - torch.nan_to_num(s.double(), nan=0.0)).abs().max().item()
    ok = unwritten == 0 and err <= bound and rerun == 0
    # Negative control: this output, checked as if the other mask applied
    # (where the two differ: Nq == Nk > 1), or without its attn_mask.
    other, omask = dict(c, causal=not c["causal"] if c["nq"] == c["nk"] > 1
                        else c["causal"]), mask
    if mask is not None:
        other, omask = dict(c, mask=None), None
    ctl = (out.double() - reference(other, q, k, v, torch.float64, torch, omask)
           ).abs().max().item()
    row = {"name": c["name"], "max_abs_err": err, "naive_err": nerr, "bound": bound,
           "sdpa_diff": sdpa, "unwritten": unwritten, "rerun_diff": rerun, "ms": ms,
           "control_err": ctl, "control_fails": other == c or ctl > bound}
    if want_lse:
        s64 = scores(c, q, k, torch.float64, torch, mask)
        lref = torch.logsumexp(s64, -1)
        lnaive = torch.logsumexp(scores(c, q, k, torch.float32, torch, mask), -1)
        lerr, lnerr = lse_diff(lse, lref, torch), lse_diff(lnaive, lref, torch)
        lbound = 2 * lnerr + LSE_FLOOR
        lunwritten = int(torch.isnan(lse).sum().item())
        lrerun = lse_diff(lse2, lse, torch)
        # Negative control: the same numbers read as a base-2 logsumexp.
        lctl = lse_diff(lse, lref / math.log(2), torch)
        row.update(lse_err=lerr, lse_naive_err=lnerr, lse_bound=lbound,
                   lse_unwritten=lunwritten, lse_rerun_diff=lrerun,
                   lse_control_err=lctl,
                   lse_rows_without_keys=int(torch.isneginf(lref).sum().item()))
        ok = ok and lunwritten == 0 and lerr <= lbound and lrerun == 0
        row["control_fails"] = row["control_fails"] and lctl > lbound
    row["status"] = "PASS" if ok else "FAIL"
    return row


def error_checks(torch, cases):
    """Bad calls must raise, before running anything."""
    c = next(x for x in cases if x["nq"] == 128 and x["dtype"] == "f16"
             and not ({"mask", "lse", "via"} & set(x)))
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
        "DLPack tensor on the CPU": (
            lambda: fa.attention(DLPackOnly(q.cpu()), k, v), ValueError),
        "int32 attn_mask": (
            lambda: fa.attention(q, k, v, attn_mask=torch.ones(
                1, 1, c["nq"], c["nk"], dtype=torch.int32, device="cuda")), TypeError),
        "bool attn_mask on the CPU": (
            lambda: fa.attention(q, k, v, attn_mask=torch.ones(
                1, 1, c["nq"], c["nk"], dtype=torch.bool)), ValueError),
        "float16 lse_out": (
            lambda: fa.attention(q, k, v, return_lse=True, lse_out=torch.empty(
                c["b"], c["hq"], c["nq"], dtype=torch.float16, device="cuda")), TypeError),
        "lse_out of the wrong shape": (
            lambda: fa.attention(q, k, v, return_lse=True, lse_out=torch.empty(
                c["b"], c["hq"], c["nq"] + 1, device="cuda")), ValueError),
        "out not 16-byte aligned": (
            lambda: fa.attention(q, k, v, out=torch.empty(
                q.numel() + 8, dtype=q.dtype, device="cuda")[1:q.numel() + 1].view(
                    q.shape)), ValueError),
        "kernel for another call": (
            lambda: fa.attention(q, k, v, causal=True,
                                 kernel=fa.find_kernel(fa._config.make_config(
                                     *shapes(c), "f16", False))), ValueError),
    }
    return expect_raises(checks)


def expect_raises(checks):
    """{name: (call, exception type)}: a row per check, PASS when the call
    raises that exception."""
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


def run_cases(directory, run_case, torch):
    """load_dir(directory), then `run_case(c, torch)` for each case of its
    cases.json: (the card, the cases, a row per case; ERROR rows for a case
    that did not compile or raised)."""
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
    return card, cases, rows


def run_all(directory, as_json):
    import torch
    card, cases, rows = run_cases(directory, run_case, torch)
    print(f"\nflashattn_mlir.attention() on {card}, torch {torch.__version__}")
    print(f"{'case':52} {'max_err':>9} {'bound':>9} {'vs_sdpa':>9} {'ms':>7}  result")
    for r in rows:
        if r["status"] == "ERROR":
            print(f"{r['name']:52} ERROR {r['error'][:100]}")
            continue
        sd = "-" if r["sdpa_diff"] is None else f"{r['sdpa_diff']:.2e}"
        lse = ("" if "lse_err" not in r else
               f"  lse {r['lse_err']:.2e} <= {r['lse_bound']:.2e}"
               f" ({r['lse_rows_without_keys']} rows -inf)")
        print(f"{r['name']:52} {r['max_abs_err']:9.2e} {r['bound']:9.2e} {sd:>9} "
              f"{r['ms']:7.2f}  {r['status']}{lse}"
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
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a compile() override for every case (compile mode), "
                        "e.g. wgmma_release=producer")
    a = p.parse_args(argv)
    if a.runtime:
        os.environ["FA_RUNTIME_LIB"] = a.runtime
    if a.mode == "compile":
        # Typed as compile() takes them ('true' a bool, digits an int).
        described = fa._capi.compiler().pipeline_options()
        return compile_all(a.dir, a.target, [
            (key, fa._config.option_from_text(key, value, described))
            for key, value in (o.split("=", 1) for o in a.option)])
    return run_all(a.dir, a.json)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
