#!/usr/bin/env python3
"""Checks flashattn_mlir.attention()'s autograd on the GPU: the forward with
the logsumexp and the backward's SIMT kernels (compile_backward()), through
torch.autograd. Passes on the H200 (docs/results/2026-12-05-h200-correctness).

  stage DEST   (build machine, after scripts/python-gpu-artifacts.sh DEST)
               compiles the matrix below into DEST/grad-kernels (the
               forward with lse and the backward of each case, Kernel.save),
               writes DEST/grad-kernels/cases.json, copies this script and
               the package into DEST, and writes DEST/run_autograd.sh
               (DEST/run.sh's runtime build, then this script's `run`).
  list         the matrix's case names.
  run DIR      (GPU machine: torch, CUDA, no LLVM) load_dir(DIR), then for
               each case draws Q, K, V (and the mask) with requires_grad,
               runs out = fa.attention(...), out.backward(dO) with a random
               dO, and applies ../shared/DESIGN.md's criterion to dQ, dK,
               dV and dBias:

                   max|grad - ref| <= 2 * max|naive - ref| + floor

               ref: torch autograd through textbook attention in float64;
               naive: the same in the input precision; floor 1e-3 bf16,
               1e-4 f16 (a row that sees no key gives 0 and zero gradients
               in all three). No gradient may be NaN. Cases with
               `deterministic` run the backward twice and compare bit for
               bit. Then bad calls must raise before anything runs.
               Exit status 0 iff all pass.

  bash scripts/python-gpu-artifacts.sh .stage-python                # here
  python3 bench/correctness/python_autograd_check.py stage .stage-python
  bash .stage-python/run_autograd.sh                                # GPU
"""

import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, HERE)

import flashattn_mlir as fa  # noqa: E402
from python_gpu_check import (FLOOR, expect_raises, make_mask,  # noqa: E402
                              run_cases, scores, shapes)


def case(dtype, d, nq, nk=None, causal=False, b=1, hq=2, hkv=None, mask=None,
         mask_kind="bias", bias_grad=None, deterministic=False, block=None,
         density=0.5, broadcast=False):
    """`mask`: its shape; a bias asks for its gradient unless `bias_grad`
    is False. `block`: (block_q, block_kv) of a random block mask keeping
    `density` of the blocks (every third query block none), one for all
    batches and heads when `broadcast` (docs/BlockSparse.md)."""
    nk = nk or nq
    hkv = hkv or hq
    if bias_grad is None:
        bias_grad = bool(mask) and mask_kind == "bias"
    name = (f"grad_{dtype}_b{b}_h{hq}x{hkv}_q{nq}_k{nk}_d{d}"
            + ("_causal" if causal else "")
            + (f"_{mask_kind}" + "x".join(map(str, mask)) if mask else "")
            + ("_nograd" if mask and mask_kind == "bias" and not bias_grad else "")
            + ("_det" if deterministic else "")
            + ("_bm%dx%d_%02d%s" % (*block, round(100 * density),
                                    "b" if broadcast else "") if block else ""))
    c = {"name": name, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv, "nq": nq,
         "nk": nk, "d": d,
         "causal": "bottom_right" if causal and nq != nk else bool(causal),
         "bias_grad": bias_grad, "deterministic": deterministic}
    if mask:
        c.update(mask=list(mask), mask_kind=mask_kind)
    if block:
        c["block_mask"] = {"block": list(block), "density": density,
                           "shape": [1 if broadcast else b, 1 if broadcast else hq,
                                     -(-nq // block[0]), -(-nk // block[1])]}
    return c


def matrix():
    cases = []
    for dtype in ("bf16", "f16"):
        for d in (64, 128):
            for n in (1, 17, 128, 777):
                for causal in (False, True):
                    cases.append(case(dtype, d, n, causal=causal))
        # Nq != Nk both ways (bottom-right: rows that see no key).
        cases.append(case(dtype, 64, 17, nk=300, causal=True))
        cases.append(case(dtype, 128, 300, nk=17, causal=True))
        # GQA: dK, dV summed over each group.
        cases.append(case(dtype, 64, 256, b=2, hq=8, hkv=1, causal=True))
        cases.append(case(dtype, 128, 200, b=2, hq=6, hkv=2))
        # Biases with their gradient, full and broadcast; one without.
        for shape in ((2, 4, 200, 333), (1, 4, 1, 333), (2, 1, 200, 333),
                      (1, 1, 1, 333)):
            cases.append(case(dtype, 64, 200, nk=333, b=2, hq=4, mask=shape))
        cases.append(case(dtype, 64, 200, nk=333, b=2, hq=4,
                          mask=(2, 4, 200, 333), bias_grad=False))
        # Keep-masks: rows that see no key, key padding with GQA.
        cases.append(case(dtype, 64, 200, nk=333, mask=(1, 1, 200, 333),
                          mask_kind="bool"))
        cases.append(case(dtype, 64, 256, b=2, hq=4, hkv=2, mask=(2, 1, 1, 256),
                          mask_kind="bool"))
        cases.append(case(dtype, 128, 1000, causal=True, deterministic=True))
        # Runtime block masks (the SIMT backward skips the pairs too): rows
        # without a block, causal, GQA, a bias gradient, N not a multiple of
        # any block.
        cases.append(case(dtype, 64, 300, block=(64, 64)))
        cases.append(case(dtype, 128, 777, causal=True, block=(128, 128),
                          density=0.3))
        cases.append(case(dtype, 64, 200, nk=333, b=2, hq=4, hkv=2,
                          block=(32, 64), density=0.7, broadcast=True))
        cases.append(case(dtype, 64, 200, nk=333, b=2, hq=4, mask=(1, 4, 1, 333),
                          block=(64, 32), density=0.05))
    return cases


def compile_case(c, directory, target):
    """The forward (with lse: what autograd runs) and the backward."""
    args = dict(dtype=c["dtype"], causal=bool(c["causal"]), target=target,
                mask=c.get("mask_kind"), mask_shape=c.get("mask"))
    if c.get("block_mask"):
        m = c["block_mask"]
        args["block_mask"] = (*m["block"], m["shape"])
    fa.compile(*shapes(c), lse=True, **args).save(directory, c["name"] + "_fwd")
    k = fa.compile_backward(*shapes(c), bias_grad=c["bias_grad"],
                            deterministic=c["deterministic"], **args)
    k.save(directory, c["name"] + "_bwd")
    return k


def stage(dest, target):
    if not os.path.exists(os.path.join(dest, "run.sh")):
        raise SystemExit(f"python_autograd_check: {dest}/run.sh is missing: "
                         f"run scripts/python-gpu-artifacts.sh {dest} first")
    directory = os.path.join(dest, "grad-kernels")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    cases, failed = matrix(), 0
    for c in cases:
        t0 = time.perf_counter()
        try:
            k = compile_case(c, directory, target)
        except fa.CompileError as e:
            print(f"{c['name']}: did not compile: {e}", file=sys.stderr)
            c["compile_error"] = str(e)
            failed += 1
            continue
        c["tiling"] = k.tiling
        print(f"{c['name']:48} {k.tiling} {time.perf_counter() - t0:.2f} s")
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump({"target": target, "cases": cases}, f, indent=1)
    # The package as it is now, this script; run.sh's runtime build.
    shutil.rmtree(os.path.join(dest, "python", "flashattn_mlir"), ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "python", "flashattn_mlir"),
                    os.path.join(dest, "python", "flashattn_mlir"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(dest, "bench", "correctness"), exist_ok=True)
    for script in ("python_autograd_check.py", "python_gpu_check.py"):
        shutil.copy(os.path.join(HERE, script),
                    os.path.join(dest, "bench", "correctness"))
    with open(os.path.join(dest, "run.sh")) as f:
        head, marker, _ = f.read().partition("export PYTHONUNBUFFERED=1")
    if not marker:
        raise SystemExit("python_autograd_check: run.sh has no "
                         "'export PYTHONUNBUFFERED=1' line to start from")
    with open(os.path.join(dest, "run_autograd.sh"), "w") as f:
        f.write(head + "export PYTHONUNBUFFERED=1 FA_RUNTIME_LIB=$LIB "
                "PYTHONPATH=$PWD/python\n"
                "python3 bench/correctness/python_autograd_check.py run grad-kernels "
                "--json \"$OUT/python_autograd_check.json\" \"$@\" "
                "2>&1 | tee \"$OUT/python_autograd_check.log\"\n"
                "exit \"${PIPESTATUS[0]}\"\n")
    print(f"{len(cases) - failed}/{len(cases)} cases compiled into {directory}")
    return 1 if failed else 0


# ----------------------------------------------------------------- device --

def make_block_mask(c, torch):
    """The case's BlockMask (None without one), the same on every run:
    random blocks kept with the case's density, every third query block
    keeping none."""
    if not c.get("block_mask"):
        return None
    m = c["block_mask"]
    gen = torch.Generator().manual_seed(abs(hash(c["name"])) % (2**31))
    keep = torch.rand(m["shape"], generator=gen) < m["density"]
    keep[:, :, ::3] = False
    return fa.BlockMask(keep.cuda(), tuple(m["block"]))


def reference(c, q, k, v, mask, dtype, torch, block_mask=None):
    """Textbook attention in `dtype`, differentiable; a row that sees no
    key gives 0 (and zero gradients)."""
    s = scores(c, q, k, dtype, torch, mask)
    if block_mask is not None:
        s = s.masked_fill(~block_mask.to_dense(c["nq"], c["nk"]), float("-inf"))
    seen = torch.isfinite(s).any(-1, keepdim=True)
    p = torch.softmax(torch.where(seen, s, 0.0), -1) * seen
    return p @ v.to(dtype).repeat_interleave(c["hq"] // c["hkv"], 1)


def grads(c, leaves, mask, dout, dtype, torch, block_mask=None):
    """The gradients of <reference, dout> for `leaves` computed in `dtype`."""
    xs = [t.detach().to(dtype).requires_grad_() for t in leaves]
    m = xs[3] if len(xs) == 4 else mask
    out = reference(c, xs[0], xs[1], xs[2], m, dtype, torch, block_mask)
    return torch.autograd.grad(out, xs, dout.to(dtype))


def run_case(c, torch):
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(abs(hash(c["name"])) % (2**31))
    q, k, v = (torch.randn(s, generator=gen, device="cuda").to(dt).requires_grad_()
               for s in shapes(c))
    mask = make_mask(c, gen, dt, torch)
    block_mask = make_block_mask(c, torch)
    leaves = [q, k, v]
    if mask is not None and c["bias_grad"]:
        mask.requires_grad_()
        leaves.append(mask)
    dout = torch.randn(c["b"], c["hq"], c["nq"], c["d"], generator=gen,
                       device="cuda").to(dt)

    def run():
        out = fa.attention(q, k, v, causal=c["causal"], attn_mask=mask,
                           deterministic=c["deterministic"],
                           block_mask=block_mask)
        got = torch.autograd.grad(out, leaves, dout)
        torch.cuda.synchronize()
        return got

    t0 = time.perf_counter()
    ours = run()
    ms = (time.perf_counter() - t0) * 1e3
    ref = grads(c, leaves, mask, dout, torch.float64, torch, block_mask)
    naive = grads(c, leaves, mask, dout, dt, torch, block_mask)
    row = {"name": c["name"], "ms": ms, "grads": {}}
    ok = True
    for name, a, r, n in zip(("dq", "dk", "dv", "dbias"), ours, ref, naive):
        err = (a.double() - r).abs().max().item()
        bound = 2 * (n.double() - r).abs().max().item() + FLOOR[c["dtype"]]
        nans = int(torch.isnan(a).sum().item())
        row["grads"][name] = {"err": err, "bound": bound, "nan": nans,
                              "shape": list(a.shape)}
        ok = ok and nans == 0 and err <= bound and a.shape == r.shape
    if c["deterministic"]:
        again = run()
        row["bitwise_equal"] = all(torch.equal(a, b) for a, b in zip(ours, again))
        ok = ok and row["bitwise_equal"]
    row["status"] = "PASS" if ok else "FAIL"
    return row


def error_checks(torch, cases):
    """Bad calls must raise before anything runs."""
    c = next(x for x in cases if x.get("mask") == [1, 1, 1, 333]
             and x["dtype"] == "bf16")
    q, k, v = (torch.randn(s, device="cuda", dtype=torch.bfloat16).requires_grad_()
               for s in shapes(c))
    row = torch.randn(c["mask"], device="cuda", dtype=torch.bfloat16,
                      requires_grad=True)
    full = (c["b"], c["hq"], c["nq"], c["nk"])
    checks = {
        "out= with grad": (lambda: fa.attention(q, k, v, out=torch.empty_like(q)),
                           ValueError),
        "expanded bias": (lambda: fa.attention(q, k, v, attn_mask=row.expand(full)),
                          ValueError),
        "float32 bias": (lambda: fa.attention(q, k, v, attn_mask=row.float()),
                         TypeError),
        "deterministic=1": (lambda: fa.attention(q, k, v, deterministic=1), TypeError),
        "no backward kernel": (lambda: fa.attention(q[:, :, :99].contiguous(), k, v),
                               fa.KernelNotFoundError),
    }
    return expect_raises(checks)


def run_all(directory, as_json):
    import torch
    card, cases, rows = run_cases(directory, run_case, torch)
    print(f"\nflashattn_mlir.attention() autograd on {card}, torch {torch.__version__}")
    for r in rows:
        if r["status"] == "ERROR":
            print(f"{r['name']:52} ERROR {r['error'][:100]}")
            continue
        detail = "  ".join(f"{g} {x['err']:.2e}<={x['bound']:.2e}"
                           for g, x in r["grads"].items())
        bits = "" if "bitwise_equal" not in r else f"  bitwise {r['bitwise_equal']}"
        print(f"{r['name']:52} {r['ms']:8.1f} ms  {detail}{bits}  {r['status']}")
    errs = error_checks(torch, cases)
    print("\nbad calls:")
    for r in errs:
        print(f"  {r['name']:24} {r['status']}  {r['detail']}")
    passed = sum(r["status"] == "PASS" for r in rows)
    err_ok = all(r["status"] == "PASS" for r in errs)
    print(f"\n{passed}/{len(rows)} cases passed, bad calls "
          f"{'all raise' if err_ok else 'FAIL'} on {card}")
    if as_json:
        with open(as_json, "w") as f:
            json.dump({"card": card, "cases": rows, "bad_calls": errs}, f, indent=1)
    return 0 if passed == len(rows) and err_ok else 1


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["stage", "list", "run"])
    p.add_argument("dir", nargs="?", default="")
    p.add_argument("--target", default="h100")
    p.add_argument("--runtime", default="", help="libfa_runtime.so (else $FA_RUNTIME_LIB)")
    p.add_argument("--json", default="")
    a = p.parse_args(argv)
    if a.mode == "list":
        print("\n".join(c["name"] for c in matrix()))
        return 0
    if not a.dir:
        p.error(f"{a.mode} needs DIR")
    if a.runtime:
        os.environ["FA_RUNTIME_LIB"] = a.runtime
    if a.mode == "stage":
        return stage(a.dir, a.target)
    return run_all(a.dir, a.json)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
