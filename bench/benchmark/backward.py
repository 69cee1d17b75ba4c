#!/usr/bin/env python3
"""The backward benchmark: our backward (and forward + backward) against
torch SDPA's FLASH (FlashAttention-2) and CUDNN backends, through
torch.autograd, in one process on the same inputs (shared/DESIGN.md, "How
speed is measured"; issues 21 item 8 and 22).

  stage DEST [--target h200] [--kernel auto|simt|mma-sync|wgmma]
             [--shapes fa|quick|gqa|train|all] [--only S1,S2,...]
             [--deterministic]
        (build machine, with the compiler) compiles, for every shape, the
        forward with its logsumexp (what autograd runs) and the backward
        with the Python package (compile(lse=True), compile_backward()) into
        DEST/bwd-kernels, and writes DEST/run_backward.sh (the runtime's g++
        build, then this script's `run`). DEST must already hold a staged
        Python package: scripts/python-gpu-artifacts.sh DEST first.
        --deterministic also compiles the deterministic backward
        (compile_backward(deterministic=True): dq = ordered on the
        tensor-core kernels) for the `det` column.
  run DIR [--rounds 3] [--json F]
        (GPU machine: torch, CUDA, triton; no LLVM) load_dir(DIR), then for
        each shape times, round-robin over the implementations (ours, flash,
        cudnn) and `--rounds` rounds:
          bwd      torch.autograd.grad(out, (q, k, v), dO), out computed once;
          fwd+bwd  out = attention(q, k, v); the same grad.
        Each time is triton.testing.do_bench's median; a row's time is the
        median over rounds. TFLOP/s count the backward as 2.5x the forward's
        FLOPs (4 B H Nq Nk D, halved when causal) and forward + backward as
        3.5x. Before timing, our gradients are compared with FLASH's (max
        abs difference printed) so that a fast wrong kernel cannot hide.
        With the deterministic backward staged, `det` is attention(...,
        deterministic=True) timed the same way, its gradients compared bit
        for bit between two runs, its ratio to ours printed (issue 22,
        item 2: within 15%).

Shapes (bf16): `fa` are the FlashAttention papers' (batch 16384/N, heads
2048/D, N 1k..16k, D 64 and 128, causal and not) plus the GQA shape (B=4,
Hq=32, Hkv=8, N=8192, D=128, causal); `quick` the N <= 4k ones and GQA;
`gqa` the GQA shape alone; `train` the attention calls of
bench/train/train_models.py's three models (GPT-2 small: B 16, 12 heads,
N 1024, D 64, causal; BERT-large: B 16, 16 heads, N 512, D 64; the
Llama-style model: B 2, 32/8 heads, N 4096, D 64, causal), to separate
the attention's share of issue 23's training gap from the rest of the
step; `all` is `fa` and `train`.

  bash scripts/python-gpu-artifacts.sh .stage-bwdbench h200          # here
  python3 bench/benchmark/backward.py stage .stage-bwdbench --kernel mma-sync
  bash .stage-bwdbench/run_backward.sh                               # GPU

The wgmma backward's deterministic column (dq = ordered on its TMA ring,
D66, not yet run on a GPU; `det_tiling` in the staged cases says stages 2):
`stage .stage-bwdbench --kernel wgmma --deterministic --target h100`.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

import flashattn_mlir as fa  # noqa: E402


def shape(n, d, causal, b=None, hq=None, hkv=None, dtype="bf16"):
    b = b or max(1, 16384 // n)
    hq = hq or 2048 // d
    hkv = hkv or hq
    name = (f"bwd_{dtype}_b{b}_h{hq}x{hkv}_n{n}_d{d}"
            + ("_causal" if causal else ""))
    return {"name": name, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv,
            "n": n, "d": d, "causal": causal}


TRAIN_SHAPES = ((1024, 64, True, 16, 12, 12), (512, 64, False, 16, 16, 16),
                (4096, 64, True, 2, 32, 8))


def shapes(which):
    gqa = [shape(8192, 128, True, b=4, hq=32, hkv=8)]
    if which == "gqa":
        return gqa
    train = [shape(n, d, causal, b=b, hq=hq, hkv=hkv)
             for n, d, causal, b, hq, hkv in TRAIN_SHAPES]
    if which == "train":
        return train
    if which == "all":
        return shapes("fa") + train
    ns = (1024, 2048, 4096) if which == "quick" else (1024, 2048, 4096, 8192,
                                                        16384)
    return [shape(n, d, causal) for d in (64, 128) for n in ns
            for causal in (False, True)] + gqa


def qkv_shapes(c):
    return ((c["b"], c["hq"], c["n"], c["d"]), (c["b"], c["hkv"], c["n"], c["d"]),
            (c["b"], c["hkv"], c["n"], c["d"]))


def kernel_folder(dest, folder, tool):
    """DEST/folder, emptied, for `tool`'s kernels; DEST must hold a staged
    Python package (scripts/python-gpu-artifacts.sh DEST)."""
    if not os.path.exists(os.path.join(dest, "run.sh")):
        raise SystemExit(f"{tool}: {dest}/run.sh is missing: run "
                         f"scripts/python-gpu-artifacts.sh {dest} first")
    directory = os.path.join(dest, folder)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    return directory


def stage(a):
    directory = kernel_folder(a.dest, "bwd-kernels", "backward")
    cases, failed = [], 0
    options = {} if a.kernel == "auto" else {"kernel": a.kernel}
    for c in shapes(a.shapes):
        if not any(o in c["name"] for o in a.only.split(",")):
            continue
        t0 = time.perf_counter()
        args = dict(dtype=c["dtype"], causal=c["causal"], target=a.target)
        try:
            fa.compile(*qkv_shapes(c), lse=True, **args).save(
                directory, c["name"] + "_fwd")
            k = fa.compile_backward(*qkv_shapes(c), **args, **options)
            k.save(directory, c["name"] + "_bwd")
            if a.deterministic:
                det = fa.compile_backward(*qkv_shapes(c), **args, **options,
                                          deterministic=True)
                det.save(directory, c["name"] + "_bwd_det")
                c["det_tiling"] = det.tiling
        except fa.CompileError as e:
            print(f"{c['name']}: did not compile: {e}", file=sys.stderr)
            c["compile_error"] = str(e)
            failed += 1
        else:
            c["tiling"] = k.tiling
            print(f"{c['name']:40} {k.tiling} {time.perf_counter() - t0:.2f} s")
        cases.append(c)
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump({"target": a.target, "kernel": a.kernel,
                   "deterministic": a.deterministic, "cases": cases}, f,
                  indent=1)
    stage_package(a.dest, ["bench/benchmark/backward.py"], "run_backward.sh",
                  "bwd-kernels", "backward_bench")
    print(f"{len(cases) - failed}/{len(cases)} shapes compiled into {directory}")
    return 1 if failed else 0


def stage_package(dest, scripts, runner, kernels, log):
    """Copies the Python package and `scripts` (paths in the checkout; the
    first is the one to run) into `dest`, and writes dest/`runner`: the
    runtime's build from dest/run.sh, then `scripts[0] run kernels`, its
    output in $OUT/`log`.log and .json."""
    shutil.rmtree(os.path.join(dest, "python", "flashattn_mlir"),
                  ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "python", "flashattn_mlir"),
                    os.path.join(dest, "python", "flashattn_mlir"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for script in scripts:
        os.makedirs(os.path.join(dest, os.path.dirname(script)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, script),
                    os.path.join(dest, os.path.dirname(script)))
    with open(os.path.join(dest, "run.sh")) as f:
        head, marker, _ = f.read().partition("export PYTHONUNBUFFERED=1")
    if not marker:
        raise SystemExit(f"{scripts[0]}: run.sh has no "
                         "'export PYTHONUNBUFFERED=1' line to start from")
    with open(os.path.join(dest, runner), "w") as f:
        f.write(head + "export PYTHONUNBUFFERED=1 FA_RUNTIME_LIB=$LIB "
                "PYTHONPATH=$PWD/python\n"
                f"python3 {scripts[0]} run {kernels} "
                f"--json \"$OUT/{log}.json\" \"$@\" "
                f"2>&1 | tee \"$OUT/{log}.log\"\n"
                "exit \"${PIPESTATUS[0]}\"\n")


def main_with(argv, doc, add_stage_options, stage, run):
    """The command line of a staged benchmark: `stage DEST ...` (with
    `add_stage_options`' options besides --target and --only) and
    `run DIR [--rounds] [--json] [--runtime]`."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("stage")
    s.add_argument("dest")
    s.add_argument("--target", default="h200")
    s.add_argument("--only", default="",
                   help="comma-separated substrings of the shapes' names")
    add_stage_options(s)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--json", default="")
    r.add_argument("--runtime", default="",
                   help="libfa_runtime.so (else $FA_RUNTIME_LIB)")
    a = p.parse_args(argv)
    if a.mode == "stage":
        return stage(a)
    if a.runtime:
        os.environ["FA_RUNTIME_LIB"] = a.runtime
    return run(a)


# ----------------------------------------------------------------- device --

def fwd_flops(c):
    f = 4.0 * c["b"] * c["hq"] * c["n"] * c["n"] * c["d"]
    return f / 2 if c["causal"] else f


def implementations(c, torch, det=False):
    """name -> out = f(q, k, v) for ours (and, with `det`, our
    deterministic backward) and torch SDPA's backends."""
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    def sdpa(backend):
        def f(q, k, v):
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(
                    q, k, v, is_causal=c["causal"],
                    enable_gqa=c["hq"] != c["hkv"])
        return f
    impls = {"ours": lambda q, k, v: fa.attention(q, k, v, causal=c["causal"])}
    if det:
        impls["det"] = lambda q, k, v: fa.attention(
            q, k, v, causal=c["causal"], deterministic=True)
    impls.update(flash=sdpa(SDPBackend.FLASH_ATTENTION),
                 cudnn=sdpa(SDPBackend.CUDNN_ATTENTION))
    return impls


def first_grads(impls, q, k, v, dout, label, torch, errors=RuntimeError):
    """({name: f} of the implementations that ran, {name: (dq, dk, dv)}):
    each of `impls` run once through torch.autograd; one that raises
    `errors` (a backend that refuses the shape) is reported and left out."""
    usable, grads = {}, {}
    for name, f in impls.items():
        try:
            out = f(q, k, v)
            grads[name] = torch.autograd.grad(out, (q, k, v), dout)
            usable[name] = f
        except errors as e:
            print(f"  {name} unavailable for {label}: {str(e)[:100]}",
                  file=sys.stderr)
    return usable, grads


def max_diff(xs, ys):
    """The largest absolute difference between paired tensors."""
    return max((a.float() - b.float()).abs().max().item()
               for a, b in zip(xs, ys))


def bench(fn):
    """Milliseconds of fn(): triton's do_bench median (device events)."""
    from triton.testing import do_bench
    return do_bench(fn, warmup=25, rep=100, return_mode="median")


def round_robin(impls, q, k, v, dout, rounds, torch, kinds=("bwd", "fwdbwd")):
    """{name: {kind: [ms, one per round]}}: `rounds` rounds, each timing
    every implementation in turn (triton's do_bench median), of `kinds`:
      fwd      out = f(q, k, v), autograd recording (what training runs);
      bwd      torch.autograd.grad(out, (q, k, v), dout), out computed once;
      fwdbwd   the forward, then the same grad."""
    times = {name: {kind: [] for kind in kinds} for name in impls}
    for _ in range(rounds):
        for name, f in impls.items():
            t = times[name]
            if "fwd" in kinds:
                t["fwd"].append(bench(lambda: f(q, k, v)))
            if "bwd" in kinds:
                out = f(q, k, v)
                t["bwd"].append(bench(lambda: torch.autograd.grad(
                    out, (q, k, v), dout, retain_graph=True)))
                del out
            if "fwdbwd" in kinds:
                t["fwdbwd"].append(bench(lambda: torch.autograd.grad(
                    f(q, k, v), (q, k, v), dout)))
    return times


def bench_case(c, rounds, torch, det=False):
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    q, k, v = (torch.randn(s, generator=gen, device="cuda").to(dt)
               .requires_grad_() for s in qkv_shapes(c))
    dout = torch.randn(c["b"], c["hq"], c["n"], c["d"], generator=gen,
                       device="cuda").to(dt)
    impls = implementations(c, torch, det)
    usable, grads = first_grads(impls, q, k, v, dout, c["name"], torch)
    row = {"name": c["name"], **{x: c[x] for x in ("b", "hq", "hkv", "n", "d",
                                                  "causal", "dtype")}}
    if "ours" in grads and "flash" in grads:
        row["max_diff_vs_flash"] = max_diff(grads["ours"], grads["flash"])
    if "det" in grads:
        # Deterministic: a second run's gradients equal the first's bit for
        # bit (and are as close to FLASH's as ours).
        again = torch.autograd.grad(impls["det"](q, k, v), (q, k, v), dout)
        row["det_bitwise_equal"] = all(
            torch.equal(a.view(torch.int16), b.view(torch.int16))
            for a, b in zip(grads["det"], again))
        if "flash" in grads:
            row["det_max_diff_vs_flash"] = max_diff(grads["det"],
                                                    grads["flash"])
    del grads
    times = round_robin(usable, q, k, v, dout, rounds, torch)
    for name, t in times.items():
        for kind, factor in (("bwd", 2.5), ("fwdbwd", 3.5)):
            ms = statistics.median(t[kind])
            row[f"{name}_{kind}_ms"] = ms
            row[f"{name}_{kind}_tflops"] = factor * fwd_flops(c) / (ms * 1e-3) / 1e12
    return row


def run(a):
    import torch
    torch.zeros(1, device="cuda")
    card = torch.cuda.get_device_name()
    fa.load_dir(a.dir)
    with open(os.path.join(a.dir, "cases.json")) as f:
        spec = json.load(f)
    print(f"backward benchmark on {card}, torch {torch.__version__}, "
          f"our backward kernel: {spec['kernel']}")
    rows = []
    fmt = lambda x: f"{x:7.1f}" if x is not None else "    n/a"
    for c in spec["cases"]:
        if "compile_error" in c:
            rows.append({"name": c["name"], "error": c["compile_error"]})
            print(f"{c['name']:40} not compiled")
            continue
        try:
            row = bench_case(c, a.rounds, torch, spec.get("deterministic"))
        except Exception as e:  # noqa: BLE001  (reported, the run goes on)
            rows.append({"name": c["name"], "error": str(e)[:200]})
            print(f"{c['name']:40} ERROR {str(e)[:120]}")
            continue
        rows.append(row)
        get = lambda k: row.get(k)
        ratio = lambda x, y: (f"{get(x) / get(y):5.2f}x"
                              if get(x) and get(y) else "  n/a")
        print(f"{c['name']:40} bwd TFLOP/s ours {fmt(get('ours_bwd_tflops'))} "
              f"flash {fmt(get('flash_bwd_tflops'))} cudnn "
              f"{fmt(get('cudnn_bwd_tflops'))} (vs flash "
              f"{ratio('ours_bwd_tflops', 'flash_bwd_tflops')}, vs cudnn "
              f"{ratio('ours_bwd_tflops', 'cudnn_bwd_tflops')}) | fwd+bwd "
              f"ours {fmt(get('ours_fwdbwd_tflops'))} flash "
              f"{fmt(get('flash_fwdbwd_tflops'))} cudnn "
              f"{fmt(get('cudnn_fwdbwd_tflops'))} | max diff vs flash "
              f"{get('max_diff_vs_flash')}"
              + (f" | det bwd {fmt(get('det_bwd_tflops'))} (vs ours "
                 f"{ratio('det_bwd_tflops', 'ours_bwd_tflops')}, bitwise "
                 f"equal {get('det_bitwise_equal')})"
                 if spec.get("deterministic") else ""), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__,
                       "kernel": spec["kernel"], "rows": rows}, f, indent=1)
    return 0 if all("error" not in r and r.get("det_bitwise_equal", True)
                    for r in rows) else 1


def main(argv):
    def options(s):
        s.add_argument("--kernel", default="auto",
                       choices=["auto", "simt", "mma-sync", "wgmma"])
        s.add_argument("--shapes", default="fa",
                       choices=["fa", "quick", "gqa", "train", "all"])
        s.add_argument("--deterministic", action="store_true",
                       help="also stage and time the deterministic backward")
    return main_with(argv, __doc__, options, stage, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
