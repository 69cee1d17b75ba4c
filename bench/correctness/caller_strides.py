#!/usr/bin/env python3
"""GPU correctness of the caller-strides kernels (docs/GPU.md, "Caller
strides"; docs/decisions.md, D129): kernels compiled with `fa-compile
--caller-strides`, launched with strided torch tensors through the
runtime's `faRtLaunchStrided` (runtime/include/fa/runtime.h, decision D128),
against a float64 reference, forward and backward.

  stage DEST [--target h100] [--only S] [--build build] [--fa-compile F]
        (build machine) compiles the matrix into DEST/artifacts (NAME.{mlir,
        ptx,cubin,json,ptxas.log} and cases.json), copies runtime/,
        python/flashattn_mlir, this script, backward_simt.py, gpu_check.py
        and gpu_cases.py in the checkout's layout, and writes DEST/run.sh
        (bench/correctness/gpu_run.sh's runtime build, then `run`; its
        arguments go to `run`).
  list  the matrix's case names.
  run --runtime LIB --artifacts DIR [--ptx] [--only S] [--json FILE]
        (GPU machine: torch + CUDA, no MLIR) each case in each of its
        layouts:

          dense   contiguous [B, H, N, D] tensors (the strides passed all
                  the same: the strided path with dense values);
          bnhd    [B, N, H, D] tensors seen as [B, H, N, D]
                  (`x.transpose(1, 2)`, transformers' layout): outputs
                  allocated like the inputs (O like q, dQ, dK, dV like q,
                  k, v; dO like O);
          fused   Q, K and V slices of one [B, N, Hq + 2 Hkv, D] projection
                  (GPT-2's fused QKV), seen as [B, H, N, D]; dQ, dK, dV
                  slices of one such gradient buffer (Nq = Nk, Dv = D).

        Outputs are poisoned with NaN (the fused gradient buffer whole: every
        element must be written by exactly its slice's kernel), the manifest
        is launched twice and ../shared/DESIGN.md's criterion is applied:

            max|out - ref| <= 2 * max|naive - ref| + floor

        ref in float64, naive in the input precision (gpu_check.attention
        for the forward, backward_simt.gradients for the backward). A
        strided tensor whose manifest argument lacks `caller_strides` is a
        FAIL naming it (the manifest must say the kernels take it).

Needs the runtime's `faRtLaunchStrided` (the contract of session 21:
`strides[i]` NULL or rank(i) strides in elements). Not yet run on a GPU.

  python3 bench/correctness/caller_strides.py stage .stage-strides --target h100
  cd .stage-strides && bash run.sh
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import backward_simt  # noqa: E402
import gpu_cases  # noqa: E402

LAYOUTS = ("dense", "bnhd", "fused")
FLOOR = {"bf16": 1e-3, "f16": 1e-4}


def forward_case(dtype, d, n, causal=False, b=2, hq=4, hkv=None,
                 kernel="auto", tag=""):
    """A forward case (gpu_cases.case) compiled with `kernel`."""
    c = gpu_cases.case(dtype, d, n, causal=causal, b=b, hq=hq, hkv=hkv)
    c.update(name=f"cs_fwd_{kernel.replace('-', '')}_{c['name']}{tag}",
             grad=False, options=f"kernel={kernel}")
    return c


def backward_case(dtype, d, n, kernel="wgmma", gqa="loop", causal=True,
                  b=2, hq=4, hkv=None, **extra):
    """A backward case (backward_simt.case: its MLIR and reference)."""
    c = backward_simt.case(dtype, d, n, causal=causal, b=b, hq=hq, hkv=hkv,
                           kernel=kernel, gqa=gqa, **extra)
    c.update(name="cs_" + c["name"], grad=True, options=f"kernel={kernel}")
    return c


def matrix():
    """Forward: the wgmma kernel (tensor maps: no kernel change) and the
    mma-sync kernel (descriptors), MHA and GQA, N not a multiple of any
    block. Backward: the wgmma ring at D = 64 and 128 (D = 128 with the
    TMA-store epilogue: dK, dV through tensor maps), GQA looped and split
    (D119's dK/dV conversion kernel), ordered dQ, and the mma.sync
    backward."""
    return [
        forward_case("bf16", 64, 1000, causal=True),
        forward_case("bf16", 128, 777),
        forward_case("bf16", 128, 1000, hq=8, hkv=2, causal=True),
        forward_case("bf16", 64, 1000, kernel="mma-sync", causal=True),
        forward_case("f16", 128, 777, kernel="mma-sync", hq=8, hkv=2),
        backward_case("bf16", 64, 1000),
        backward_case("bf16", 128, 777, epilogue="tma-store"),
        backward_case("bf16", 64, 1000, hq=8, hkv=2),
        backward_case("bf16", 128, 1000, hq=8, hkv=2, gqa="split"),
        backward_case("bf16", 64, 777, deterministic=True),
        backward_case("bf16", 64, 1000, kernel="mma-sync"),
        backward_case("f16", 128, 777, kernel="mma-sync", hq=8, hkv=2,
                      causal=False),
    ]


def emit(c):
    return backward_simt.emit(c) if c["grad"] else gpu_cases.emit(c)


def stage(a):
    fa_compile = backward_simt.find_fa_compile(a, "caller_strides")
    art = os.path.join(a.dest, "artifacts")
    os.makedirs(art, exist_ok=True)
    cases = [c for c in matrix() if backward_simt.selected(c["name"], a.only)]
    failed = 0
    for c in cases:
        mlir = os.path.join(art, c["name"] + ".mlir")
        with open(mlir, "w") as f:
            f.write(emit(c))
        r = subprocess.run(
            [fa_compile, mlir, "-o", os.path.join(art, c["name"]),
             "--caller-strides",
             f"--pipeline-options=target={a.target} {c['options']}"],
            capture_output=True, text=True)
        if r.returncode != 0:
            failed += 1
            with open(os.path.join(art, c["name"] + ".err"), "w") as f:
                f.write(r.stderr)
            print(f"caller_strides: {c['name']} did not compile:\n{r.stderr}")
    with open(os.path.join(art, "cases.json"), "w") as f:
        json.dump({"variant": "caller-strides", "target": a.target,
                   "cases": cases}, f, indent=1)
    backward_simt.stage_runner(
        a.dest, a.build, ("caller_strides.py", "backward_simt.py",
                          "gpu_check.py", "gpu_cases.py"),
        "caller_strides.py", "caller_strides")
    print(f"caller_strides: {len(cases) - failed} cases in {art} "
          f"({a.target}), {failed} did not compile")
    return 1 if failed else 0


# ----------------------------------------------------------------- device --

def layout_tensors(c, layout, gen, dt, torch):
    """(q, k, v, do, make_o, make_grads) in `layout`: the inputs drawn at
    random; make_o() a NaN-poisoned O in the layout; make_grads() the
    NaN-poisoned dQ, dK, dV in it and the whole buffers they are views of
    (fused: one; checked for unwritten elements too)."""
    b, hq, hkv, nq, nk, d, dv = (c[x] for x in
                                 ("b", "hq", "hkv", "nq", "nk", "d", "dv"))
    dev = "cuda"
    rnd = lambda *s: torch.randn(s, generator=gen, device=dev).to(dt)
    nan = lambda *s: torch.full(s, float("nan"), dtype=dt, device=dev)
    if layout == "dense":
        q, k, v = rnd(b, hq, nq, d), rnd(b, hkv, nk, d), rnd(b, hkv, nk, dv)
        do = rnd(b, hq, nq, dv)
        make_o = lambda: nan(b, hq, nq, dv)
        make_grads = lambda: ([nan(b, hq, nq, d), nan(b, hkv, nk, d),
                               nan(b, hkv, nk, dv)], [])
        return q, k, v, do, make_o, make_grads
    t = lambda x: x.transpose(1, 2)
    if layout == "bnhd":
        q, k, v = t(rnd(b, nq, hq, d)), t(rnd(b, nk, hkv, d)), t(rnd(b, nk, hkv, dv))
        do = t(rnd(b, nq, hq, dv))
        make_o = lambda: t(nan(b, nq, hq, dv))
        make_grads = lambda: ([t(nan(b, nq, hq, d)), t(nan(b, nk, hkv, d)),
                               t(nan(b, nk, hkv, dv))], [])
        return q, k, v, do, make_o, make_grads
    assert layout == "fused" and nq == nk and d == dv
    heads = hq + 2 * hkv
    split = lambda buf: (t(buf[:, :, :hq]), t(buf[:, :, hq:hq + hkv]),
                         t(buf[:, :, hq + hkv:]))
    q, k, v = split(rnd(b, nq, heads, d))
    do = t(rnd(b, nq, hq, dv))

    def make_grads():
        whole = nan(b, nq, heads, d)
        return list(split(whole)), [whole]
    make_o = lambda: t(nan(b, nq, hq, dv))
    return q, k, v, do, make_o, make_grads


class StridedLauncher:
    """faRtLaunchStrided through the runtime library (ctypes): the strides
    of every argument the manifest marks `caller_strides`, NULL for the
    others (which must then be contiguous)."""

    def __init__(self, rt, manifest_path):
        if not hasattr(rt.lib, "faRtLaunchStrided"):
            raise RuntimeError("the runtime has no faRtLaunchStrided (D128 "
                               "not in this build)")
        self.fn = rt.lib.faRtLaunchStrided
        self.fn.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64),
                            ctypes.POINTER(ctypes.POINTER(ctypes.c_int64)),
                            ctypes.c_int, ctypes.c_void_p]
        self.rt = rt
        with open(manifest_path) as f:
            args = json.load(f)["arguments"]
        self.flags = [bool(a.get("caller_strides")) for a in args]

    def launch(self, handle, ts, stream):
        n = len(ts)
        if n != len(self.flags):
            raise ValueError(f"the kernel takes {len(self.flags)} buffers, got {n}")
        ptrs = (ctypes.c_uint64 * n)(*[x.data_ptr() for x in ts])
        keep, strides = [], (ctypes.POINTER(ctypes.c_int64) * n)()
        for i, (x, flag) in enumerate(zip(ts, self.flags)):
            if flag:
                s = (ctypes.c_int64 * x.dim())(*x.stride())
                keep.append(s)
                strides[i] = ctypes.cast(s, ctypes.POINTER(ctypes.c_int64))
            elif not x.is_contiguous():
                raise ValueError(f"argument arg{i} is strided but its "
                                 "manifest entry has no caller_strides")
        if self.fn(handle, ptrs, strides, n, stream):
            self.rt._check(1, "faRtLaunchStrided")


def check_layout(rt, c, layout, art, prefer_cubin, stream):
    import torch
    from gpu_check import attention  # noqa: E402
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(int(time.time()) + hash(c["name"] + layout) % (2**31))
    q, k, v, do, make_o, make_grads = layout_tensors(c, layout, gen, dt, torch)
    manifest = os.path.join(art, c["name"] + ".json")
    if not os.path.exists(manifest):
        raise RuntimeError("not compiled (see NAME.err)")
    launcher = StridedLauncher(rt, manifest)
    handle = rt.load(manifest, prefer_cubin)
    outs, wholes = [], []
    try:
        if c["grad"]:
            o, lse = backward_simt.forward(c, q, k, v, None)
            o_view = make_o()
            o_view.copy_(o)
            for _ in range(2):
                grads, whole = make_grads()
                launcher.launch(handle, [q, k, v, o_view, do, lse] + grads,
                                stream)
                rt.synchronize()
                outs.append(grads)
                wholes.append(whole)
        else:
            for _ in range(2):
                out = make_o()
                launcher.launch(handle, [q, k, v, out], stream)
                rt.synchronize()
                outs.append([out])
    finally:
        rt.unload(handle)
    # Every element of the outputs written, and of a fused gradient buffer
    # (all of whose elements belong to dQ, dK or dV).
    # (The forward has no gradient buffers: `wholes` is empty.)
    unwritten = sum(int(torch.isnan(x).sum().item())
                    for x in outs[-1] + (wholes[-1] if wholes else []))
    if c["grad"]:
        ref = backward_simt.gradients(c, q, k, v, do, None, torch.float64, None)
        naive = backward_simt.gradients(c, q, k, v, do, None, dt, None)
        names = ["dQ", "dK", "dV"]
    else:
        ref = [attention(c, q, k, v, torch.float64)]
        naive = [attention(c, q, k, v, dt).to(torch.float64)]
        names = ["O"]
    err = {n: backward_simt.max_diff(x, r) for n, x, r in zip(names, outs[-1], ref)}
    nerr = {n: backward_simt.max_diff(x, r) for n, x, r in zip(names, naive, ref)}
    bound = {n: 2 * nerr[n] + FLOOR[c["dtype"]] for n in names}
    ok = unwritten == 0 and all(err[n] <= bound[n] for n in names)
    return {"name": f"{c['name']}:{layout}", "max_abs_err": err,
            "naive_err": nerr, "bound": bound, "unwritten": unwritten,
            "strides": [list(x.stride()) for x in (q, k, v)],
            "status": "PASS" if ok else "FAIL"}


def run(a):
    import torch
    from gpu_check import open_matrix  # noqa: E402
    rt, card, stream, spec = open_matrix(a.runtime, a.artifacts)
    print(f"fa caller-strides GPU check on {card}, torch {torch.__version__}",
          flush=True)
    rows = []
    for c in spec["cases"]:
        if not backward_simt.selected(c["name"], a.only):
            continue
        for layout in LAYOUTS:
            if layout == "fused" and (c["nq"] != c["nk"] or c["d"] != c["dv"]):
                continue
            print(f"running {c['name']} {layout}", file=sys.stderr, flush=True)
            try:
                rows.append(check_layout(rt, c, layout, a.artifacts,
                                         not a.ptx, stream))
            except (RuntimeError, ValueError, torch.cuda.OutOfMemoryError) as e:
                rows.append({"name": f"{c['name']}:{layout}",
                             "status": "ERROR", "error": str(e)})
            r = rows[-1]
            print(f"{r['status']:5} {r['name']} "
                  + (f"err {r['max_abs_err']} bound {r['bound']} "
                     f"unwritten {r['unwritten']} strides {r['strides']}"
                     if "bound" in r else r.get("error", "")), flush=True)
    return backward_simt.summarize(rows, card, a.json)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("stage")
    s.add_argument("dest")
    s.add_argument("--target", default="h100")
    s.add_argument("--only", default="")
    s.add_argument("--build", default=os.path.join(ROOT, "build"))
    s.add_argument("--fa-compile", default="")
    r = sub.add_parser("run")
    r.add_argument("--runtime", required=True)
    r.add_argument("--artifacts", required=True)
    r.add_argument("--ptx", action="store_true")
    r.add_argument("--only", default="")
    r.add_argument("--json", default="")
    sub.add_parser("list")
    a = p.parse_args(argv)
    if a.mode == "stage":
        return stage(a)
    if a.mode == "list":
        for c in matrix():
            print(c["name"])
        return 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
