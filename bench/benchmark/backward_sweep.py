#!/usr/bin/env python3
"""The mma.sync backward's tiling sweep: every tiling of
bench/correctness/backward_simt.py's MMA_SWEEP_TILINGS and the cost model's
pick, next to torch SDPA's FLASH and CUDNN backward, in one process on the
same inputs, round-robin (issue 22, item 3; docs/decisions.md D53).

  stage DEST [--target h200] [--shapes fa|quick] [--only S1,S2,...]
        (build machine) compiles, for every shape, the forward with its
        logsumexp and the backward once per tiling (compile_backward with
        kernel="mma-sync" and the tiling; "model": none given, the model's
        pick) into DEST/sweep-kernels (PTX, no cubins: the GPU machine's
        driver JIT-compiles them at load), and writes DEST/run_sweep.sh.
        DEST must already hold a staged Python package:
        scripts/python-gpu-artifacts.sh DEST first.
  run DIR [--rounds 3] [--json F]
        (GPU machine) for each shape, each round, each implementation (our
        tilings, flash, cudnn): torch.autograd.grad(out, (q, k, v), dO) timed
        by triton's do_bench (median), the row's time the median over rounds;
        our tiling is swapped in with flashattn_mlir.register (attention()
        finds kernels by what they compute, not how they are tiled). Prints
        TFLOP/s (2.5x the forward's FLOPs), each tiling's ratio to the best
        tiling, to FLASH and to cuDNN, and where the model's pick ranks. Our
        gradients are compared with FLASH's first (max abs difference).

Shapes (bf16): the FlashAttention ones at D 64 and 128, N 1k, 4k and 16k
(batch 16384/N, heads 2048/D), causal and not; `quick`: N 1k and 4k.

  bash scripts/python-gpu-artifacts.sh .stage-bwdsweep h200           # here
  python3 bench/benchmark/backward_sweep.py stage .stage-bwdsweep
  bash .stage-bwdsweep/run_sweep.sh                                   # GPU
"""

import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "correctness"))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

import backward as bwd  # noqa: E402  (the backward benchmark's shapes)
import flashattn_mlir as fa  # noqa: E402
from backward_simt import MMA_SWEEP_TILINGS  # noqa: E402

TILING_KEYS = ("block_q", "block_kv", "stages", "warps")


def shapes(which):
    ns = (1024, 4096) if which == "quick" else (1024, 4096, 16384)
    return [bwd.shape(n, d, causal) for d in (64, 128) for n in ns
            for causal in (False, True)]


def tag(tiling):
    return "model" if tiling is None else "t{}x{}s{}w{}".format(*tiling)


def stage(a):
    directory = bwd.kernel_folder(a.dest, "sweep-kernels", "backward_sweep")
    cases, failed = [], 0
    for c in shapes(a.shapes):
        if not any(o in c["name"] for o in a.only.split(",")):
            continue
        args = dict(dtype=c["dtype"], causal=c["causal"], target=a.target,
                    ptxas="none")
        t0 = time.perf_counter()
        fa.compile(*bwd.qkv_shapes(c), lse=True, **args).save(
            directory, c["name"] + "_fwd")
        c["variants"] = []
        for tiling in [None] + MMA_SWEEP_TILINGS[c["d"]]:
            given = dict(zip(TILING_KEYS, tiling)) if tiling else {}
            name = f"{c['name']}_bwd_{tag(tiling)}"
            try:
                k = fa.compile_backward(*bwd.qkv_shapes(c), kernel="mma-sync",
                                        **args, **given)
            except fa.CompileError as e:
                print(f"{name}: did not compile: {e}", file=sys.stderr)
                failed += 1
                continue
            k.save(directory, name)
            c["variants"].append({"name": name, "tag": tag(tiling),
                                  "tiling": k.tiling})
        print(f"{c['name']:40} {len(c['variants'])} tilings, model "
              f"{c['variants'][0]['tiling']} "
              f"({time.perf_counter() - t0:.1f} s)")
        cases.append(c)
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump({"target": a.target, "cases": cases}, f, indent=1)
    bwd.stage_package(a.dest, ["bench/benchmark/backward_sweep.py",
                               "bench/benchmark/backward.py",
                               "bench/correctness/backward_simt.py"],
                      "run_sweep.sh", "sweep-kernels", "backward_sweep")
    print(f"{len(cases)} shapes staged into {directory}, {failed} tilings "
          "did not compile")
    return 1 if failed else 0


# ----------------------------------------------------------------- device --

def bench_shape(c, kernels, rounds, torch):
    from triton.testing import do_bench
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    q, k, v = (torch.randn(s, generator=gen, device="cuda").to(dt)
               .requires_grad_() for s in bwd.qkv_shapes(c))
    dout = torch.randn(c["b"], c["hq"], c["n"], c["d"], generator=gen,
                       device="cuda").to(dt)
    baselines = bwd.implementations(c, torch)
    ours = lambda q, k, v: fa.attention(q, k, v, causal=c["causal"])
    impls = {v["tag"]: (kernels[v["name"]], ours) for v in c["variants"]}
    impls.update({name: (None, baselines[name]) for name in ("flash", "cudnn")})
    usable, grads = {}, {}
    for name, (kernel, f) in impls.items():
        if kernel is not None:
            fa.register(kernel)
        try:
            grads[name] = torch.autograd.grad(f(q, k, v), (q, k, v), dout)
            usable[name] = (kernel, f)
        except RuntimeError as e:  # a backend that refuses the shape
            print(f"  {name} unavailable for {c['name']}: {str(e)[:100]}",
                  file=sys.stderr)
    diffs = {name: max((a.float() - b.float()).abs().max().item()
                       for a, b in zip(g, grads["flash"]))
             for name, g in grads.items() if "flash" in grads}
    del grads
    times = {name: [] for name in usable}
    for _ in range(rounds):
        for name, (kernel, f) in usable.items():
            if kernel is not None:
                fa.register(kernel)
            out = f(q, k, v)
            times[name].append(do_bench(
                lambda: torch.autograd.grad(out, (q, k, v), dout,
                                            retain_graph=True),
                warmup=25, rep=100, return_mode="median"))
            del out
    flops = 2.5 * bwd.fwd_flops(c)
    return {name: {"ms": statistics.median(t),
                   "tflops": flops / (statistics.median(t) * 1e-3) / 1e12,
                   "max_diff_vs_flash": diffs.get(name)}
            for name, t in times.items()}


def report(c, result):
    tilings = {n: r for n, r in result.items() if n not in ("flash", "cudnn")}
    best = max(tilings, key=lambda n: tilings[n]["tflops"]) if tilings else None
    ranked = sorted(tilings, key=lambda n: -tilings[n]["tflops"])
    get = lambda n: result.get(n, {}).get("tflops")
    print(f"{c['name']}: flash {get('flash') or 0:.1f}, cudnn "
          f"{get('cudnn') or 0:.1f} TFLOP/s; best {best}; the model's pick "
          f"ranks {ranked.index('model') + 1 if 'model' in ranked else '-'} "
          f"of {len(ranked)}")
    tiling_of = {v["tag"]: v["tiling"] for v in c["variants"]}
    for n in ranked:
        r = tilings[n]
        ratio = lambda x: f"{r['tflops'] / x:5.2f}x" if x else "  n/a"
        t = tiling_of.get(n, {})
        print(f"  {n:14} {t.get('block_q')}x{t.get('block_kv')} s"
              f"{t.get('stages')} w{t.get('warps')}: {r['tflops']:7.1f} "
              f"TFLOP/s, {ratio(tilings[best]['tflops'])} of best, "
              f"{ratio(get('flash'))} flash, {ratio(get('cudnn'))} cudnn, "
              f"max diff vs flash {r['max_diff_vs_flash']}", flush=True)


def run(a):
    import torch
    torch.zeros(1, device="cuda")
    card = torch.cuda.get_device_name()
    with open(os.path.join(a.dir, "cases.json")) as f:
        spec = json.load(f)
    print(f"backward tiling sweep on {card}, torch {torch.__version__}")
    rows, failed = [], 0
    for c in spec["cases"]:
        fa.register(fa.load(os.path.join(a.dir, c["name"] + "_fwd.json")))
        kernels = {v["name"]: fa.load(os.path.join(a.dir, v["name"] + ".json"))
                   for v in c["variants"]}
        try:
            result = bench_shape(c, kernels, a.rounds, torch)
        except Exception as e:  # noqa: BLE001  (reported, the run goes on)
            print(f"{c['name']:40} ERROR {str(e)[:160]}")
            rows.append({"name": c["name"], "error": str(e)[:300]})
            failed += 1
            continue
        report(c, result)
        rows.append({"name": c["name"], "variants": c["variants"],
                     "results": result})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__, "rows": rows},
                      f, indent=1)
    return 1 if failed else 0


def main(argv):
    def options(s):
        s.add_argument("--shapes", default="fa", choices=["fa", "quick"])
    return bwd.main_with(argv, __doc__, options, stage, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
