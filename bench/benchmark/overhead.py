#!/usr/bin/env python3
"""Per-call host overhead of flashattn_mlir.attention() against torch SDPA
on a tiny shape (issue 23, item 2): B=1 H=8 N=128 D=64 bf16 causal, 2000
calls, forward and forward+backward. NOT YET RUN ON A GPU (written in a
session without one).

  stage DEST   (build machine) compiles the shape's kernels (forward; forward
               with the logsumexp and backward) into DEST/kernels, stages
               the package and runtime (bench/stage.py), writes
               DEST/run_overhead.sh.
  run          (GPU machine) times 2000 calls of each after a warm-up:
               `enqueue` is the host time to issue them, `total` the time
               until the GPU is done (torch.cuda.synchronize); prints
               us/call and ours/SDPA for each. The bar: ours <= 1.2x SDPA.
  host         (build machine, CPU torch + the compiler) the host part
               alone: attention() on CPU tensors with a runtime that
               launches nothing (the launch plans, the output allocation,
               the autograd bookkeeping); no GPU numbers.

  python3 bench/benchmark/overhead.py stage .stage-overhead    # here
  bash .stage-overhead/run_overhead.sh                         # GPU
"""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(HERE))

SHAPE = (1, 8, 128, 64)
CALLS = 2000


def calls_json():
    """The bundle's calls (flashattn_mlir.aot's format)."""
    base = {"q": list(SHAPE), "k": list(SHAPE), "v": list(SHAPE), "dtype": "bf16",
            "causal": True}
    return [dict(base, lse=False, backward=None),
            dict(base, backward={"bias_grad": False, "deterministic": False})]


def timed(step, sync, n=CALLS, warmup=50):
    """(enqueue, total) microseconds per call of `step()` over `n` calls."""
    for _ in range(warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(n):
        step()
    enqueued = time.perf_counter()
    sync()
    done = time.perf_counter()
    return (enqueued - start) / n * 1e6, (done - start) / n * 1e6


def steps(torch, fa, device):
    """{name: (ours, sdpa)}: the forward, and the forward+backward."""
    F = torch.nn.functional
    q, k, v = (torch.randn(SHAPE, device=device, dtype=torch.bfloat16) for _ in range(3))
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    g = torch.randn(SHAPE, device=device, dtype=torch.bfloat16)

    def fwd_ours():
        with torch.no_grad():
            fa.attention(q, k, v, causal=True)

    def fwd_sdpa():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    # autograd.grad: no accumulation into .grad (the same for both).
    def bwd_ours():
        torch.autograd.grad(fa.attention(qg, kg, vg, causal=True), (qg, kg, vg), g)

    def bwd_sdpa():
        torch.autograd.grad(F.scaled_dot_product_attention(qg, kg, vg, is_causal=True),
                            (qg, kg, vg), g)

    return {"forward": (fwd_ours, fwd_sdpa), "forward+backward": (bwd_ours, bwd_sdpa)}


def report(results):
    for name, r in results.items():
        line = f"{name:18s} " + "  ".join(
            f"{who} enqueue {r[who][0]:7.1f} us total {r[who][1]:7.1f} us"
            for who in r if who != "ratio")
        if "ratio" in r:
            line += f"  ours/sdpa {r['ratio']:.2f}x"
        print(line)


def run(args):
    import torch
    import flashattn_mlir as fa
    sync = torch.cuda.synchronize
    results = {}
    for name, (ours, sdpa) in steps(torch, fa, "cuda").items():
        r = {"ours": timed(ours, sync), "sdpa": timed(sdpa, sync)}
        r["ratio"] = r["ours"][1] / r["sdpa"][1]
        results[name] = r
    print(f"{torch.cuda.get_device_name()}: B,H,N,D={SHAPE} bf16 causal, "
          f"{CALLS} calls")
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


class _NullRuntime:
    """A runtime that launches nothing (the host part alone)."""

    def init(self, ordinal):
        pass

    def load(self, manifest, prefer_cubin=True):
        with open(manifest) as f:
            return [a["bytes"] for a in json.load(f)["arguments"]]

    def argument_bytes(self, handle):
        return handle

    def launch_tensors(self, handle, tensors, pointers, stream):
        pass


def host(args):
    """attention()'s host path on CPU tensors; the checks see CUDA tensors
    through a view (as python/tests/fake_runtime.py does)."""
    import torch
    import flashattn_mlir as fa
    from flashattn_mlir import runtime
    sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
    from fake_runtime import _OnCuda
    real = runtime._Buf._from_torch
    runtime._Buf._from_torch = lambda self, name, x: real(self, name, _OnCuda(x))
    runtime._runtime = _NullRuntime()
    results = {}
    for name, (ours, _) in steps(torch, fa, "cpu").items():
        results[name] = {"ours": timed(ours, lambda: None)}
    print(f"host only (CPU tensors, nothing launched): B,H,N,D={SHAPE} bf16 "
          f"causal, {CALLS} calls")
    report(results)
    return 0


def stage(args):
    import stage as staging
    return staging.stage_with_bundle(
        args.dest, calls_json(), args.target, ["benchmark/overhead.py"], "overhead",
        "time attention() against SDPA per call",
        'python3 bench/benchmark/overhead.py run --json "$OUT/overhead.json"')


def main():
    import stage as staging
    p, sub = staging.command_line(__doc__)
    r = sub.add_parser("run")
    r.add_argument("--json")
    sub.add_parser("host")
    args = p.parse_args()
    return {"stage": stage, "run": run, "host": host}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
