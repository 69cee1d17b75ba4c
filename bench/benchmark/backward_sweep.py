#!/usr/bin/env python3
"""The backward's tiling sweep: every tiling the backward cost model keeps,
of both tensor-core kernels (wgmma: 64 x 128 with one buffer and with the
TMA ring, 128 x 128 on the ring (D104), each with the direct and the
TMA-store epilogue (D107) where the model keeps it; mma.sync: every
block_q, block_kv and stage count the model keeps), at issue 22's
benchmark points, next to torch SDPA's
FLASH and CUDNN backward, in one process on the same inputs, round-robin
(issue 22, item 3: the model's pick within 5% of the sweep's best; docs/
decisions.md D53, D73).

  stage DEST [--target h200] [--shapes fa|quick|train] [--only S1,S2,...]
             [--kernels wgmma,mma-sync] [--ptxas auto|none]
        (build machine) for every shape: the model's pick (kernel=auto, no
        tiling given: the kernel and tiling fa-select-tiling chooses), then
        every candidate tiling (and wgmma epilogue) of each kernel that
        fa-select-tiling keeps when it is given (the model's verdict, no
        code built for the others); the pick is the variant whose PTX is
        the pick's, compiled with compile_backward(kernel=..., tiling) into
        DEST/sweep-kernels (cubins by the build machine's ptxas; `--ptxas
        none`: PTX only, which the GPU's driver JIT-compiles at load, a
        second or so a kernel), and writes DEST/run_sweep.sh. Prints each
        shape's count and an estimate of the run's GPU time. DEST must
        already hold a staged Python package: scripts/python-gpu-
        artifacts.sh DEST first.
  run DIR [--rounds 3] [--json F]
        (GPU machine) for each shape, each round, each implementation (our
        tilings, flash, cudnn): torch.autograd.grad(out, (q, k, v), dO) timed
        by triton's do_bench (median), the row's time the median over rounds;
        our tiling is swapped in with flashattn_mlir.register (attention()
        finds kernels by what they compute, not how they are tiled). Prints
        TFLOP/s (2.5x the forward's FLOPs), each tiling's ratio to the best
        tiling, to FLASH and to cuDNN, the model's pick next to the measured
        best and the pick's ratio to it (issue 22's bar: >= 0.95). Our
        gradients are compared with FLASH's first (max abs difference).

Shapes (bf16): `fa` are issue 22's points, the FlashAttention shapes at D
64 and 128, N 1k, 2k, 4k, 8k and 16k (batch 16384/N, heads 2048/D), causal
and not, and the GQA shape (B=4, Hq=32, Hkv=8, N=8192, D=128, causal);
`quick`: N 1k and 4k and the GQA shape; `train`: the attention of
issue 23's models (BERT-large B 16, H 16, N 512; GPT-2 small B 16, H 12,
N 1024 causal; the Llama-style model B 2, 32/8 heads, N 4096 causal; all
D = 64), where the backward is 0.81-0.85x cuDNN's (session 21).

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
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

import backward as bwd  # noqa: E402  (the backward benchmark's shapes)
import flashattn_mlir as fa  # noqa: E402
from flashattn_mlir import backward as fa_backward  # noqa: E402

TILING_KEYS = ("block_q", "block_kv", "stages", "warps")
# GPU seconds one do_bench measurement takes (its 25 ms warmup, 100 ms of
# repetitions and its estimate), and a shape's setup (inputs, each
# implementation's first call and the gradient check), for the estimate.
MEASURE_SECONDS = 0.16
SHAPE_SECONDS = 2.0


def shapes(which):
    if which in ("fa", "train"):
        return bwd.shapes(which)
    return [bwd.shape(n, d, causal) for d in (64, 128) for n in (1024, 4096)
            for causal in (False, True)] + bwd.shapes("gqa")


def candidates(kernel):
    """Every tiling the backward model enumerates for `kernel`
    (BackwardCostModel::enumerateCandidates, narrowed to the kernels'
    shapes: block_kv 16 rows a warp, 2, 4 or 8 warps for mma.sync; the
    wgmma kernel's block shapes, 64 x 128 and, on the ring, 128 x 128),
    each with its schedule options: the wgmma kernel's two epilogues."""
    if kernel == "wgmma":
        return [((bq, 128, s, 8), {"backward_epilogue": e})
                for bq, s in ((64, 1), (64, 2), (128, 2))
                for e in ("direct", "tma-store")]
    return [((bq, 16 * w, s, w), {}) for w in (2, 4, 8)
            for bq in range(16, 257, 16) for s in (1, 2)]


def kept(c, kernel, tiling, target, options=None):
    """Whether fa-select-tiling keeps `tiling` of `kernel` (with the
    schedule `options`) for shape `c` (the model's verdict: fits shared
    memory, registers and the kernel's shapes), without building code."""
    given = dict(zip(TILING_KEYS, tiling))
    config = fa_backward.make_grad_config(
        *bwd.qkv_shapes(c), dtype=c["dtype"], causal=c["causal"],
        target=target, kernel=kernel, **given, **(options or {}))
    try:
        fa_backward.select(config, fa_backward.build_grad_mlir(config, given))
    except fa.CompileError:
        return False
    return True


def tag(kernel, tiling, options=None):
    epilogue = (options or {}).get("backward_epilogue")
    return (("wg" if kernel == "wgmma" else "mma") + "_t{}x{}s{}w{}".format(
        *tiling) + ("_tma" if epilogue == "tma-store" else ""))


def stage_shape(c, directory, a):
    """Compiles shape `c`'s forward, the model's pick and every kept
    tiling; returns how many did not compile."""
    args = dict(dtype=c["dtype"], causal=c["causal"], target=a.target)
    if a.ptxas == "none":
        args["ptxas"] = "none"
    fa.compile(*bwd.qkv_shapes(c), lse=True, **args).save(
        directory, c["name"] + "_fwd")
    pick = fa.compile_backward(*bwd.qkv_shapes(c), **args)
    c["model"] = {"kernel": pick.schedule["kernel"], "tiling": pick.tiling}
    c["variants"], failed = [], 0
    for kernel in a.kernels.split(","):
        for tiling, options in candidates(kernel):
            if not kept(c, kernel, tiling, a.target, options):
                continue
            name = f"{c['name']}_bwd_{tag(kernel, tiling, options)}"
            try:
                k = fa.compile_backward(*bwd.qkv_shapes(c), kernel=kernel,
                                        **args, **options,
                                        **dict(zip(TILING_KEYS, tiling)))
            except fa.CompileError as e:
                print(f"{name}: did not compile: {e}", file=sys.stderr)
                failed += 1
                continue
            k.save(directory, name)
            c["variants"].append({"name": name,
                                  "tag": tag(kernel, tiling, options),
                                  "kernel": kernel, "tiling": k.tiling,
                                  "options": options})
            if k.ptx == pick.ptx:
                c["model"]["tag"] = c["variants"][-1]["tag"]
    if "tag" not in c["model"]:
        c["model"]["tag"] = "model"  # no kept variant builds its PTX
    if not any(v["tag"] == c["model"]["tag"] for v in c["variants"]):
        print(f"{c['name']}: the model's pick {c['model']['tag']} is not "
              "among the kept tilings", file=sys.stderr)
        failed += 1
    return failed


def stage(a):
    directory = bwd.kernel_folder(a.dest, "sweep-kernels", "backward_sweep")
    cases, failed, measures = [], 0, 0
    for c in shapes(a.shapes):
        if not any(o in c["name"] for o in a.only.split(",")):
            continue
        t0 = time.perf_counter()
        failed += stage_shape(c, directory, a)
        measures += len(c["variants"]) + 2  # and flash, cudnn
        print(f"{c['name']:40} {len(c['variants'])} tilings, model "
              f"{c['model']['tag']} ({time.perf_counter() - t0:.1f} s)")
        cases.append(c)
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump({"target": a.target, "cases": cases}, f, indent=1)
    bwd.stage_package(a.dest, ["bench/benchmark/backward_sweep.py",
                               "bench/benchmark/backward.py"],
                      "run_sweep.sh", "sweep-kernels", "backward_sweep")
    print(f"{len(cases)} shapes staged into {directory}, {failed} failures; "
          f"about {estimate_seconds(len(cases), measures, 3):.0f} s of GPU "
          f"time at --rounds 3, {estimate_seconds(len(cases), measures, 1):.0f}"
          " s at --rounds 1")
    return 1 if failed else 0


def estimate_seconds(shape_count, measures, rounds):
    return shape_count * SHAPE_SECONDS + measures * rounds * MEASURE_SECONDS


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
    """The shape's tilings ranked, the model's pick next to the best; returns
    the pick's speed over the best's (None when either is missing)."""
    tilings = {n: r for n, r in result.items() if n not in ("flash", "cudnn")}
    ranked = sorted(tilings, key=lambda n: -tilings[n]["tflops"])
    best = ranked[0] if ranked else None
    pick = c["model"]["tag"]
    get = lambda n: result.get(n, {}).get("tflops")
    share = get(pick) / get(best) if get(pick) and best else None
    print(f"{c['name']}: flash {get('flash') or 0:.1f}, cudnn "
          f"{get('cudnn') or 0:.1f} TFLOP/s; best {best} "
          f"{get(best) or 0:.1f}; the model's pick {pick} "
          f"{get(pick) or 0:.1f} ({share or 0:.3f} of best, ranks "
          f"{ranked.index(pick) + 1 if pick in ranked else '-'} of "
          f"{len(ranked)}{'' if share and share >= 0.95 else '; MISSES 5%'})")
    tiling_of = {v["tag"]: v["tiling"] for v in c["variants"]}
    for n in ranked:
        r = tilings[n]
        ratio = lambda x: f"{r['tflops'] / x:5.2f}x" if x else "  n/a"
        t = tiling_of.get(n, {})
        print(f"  {n:20}{' <- model' if n == pick else '':9} "
              f"{t.get('block_q')}x{t.get('block_kv')} s{t.get('stages')} "
              f"w{t.get('warps')}: {r['tflops']:7.1f} TFLOP/s, "
              f"{ratio(get(best))} of best, {ratio(get('flash'))} flash, "
              f"{ratio(get('cudnn'))} cudnn, max diff vs flash "
              f"{r['max_diff_vs_flash']}", flush=True)
    return share


def run(a):
    import torch
    torch.zeros(1, device="cuda")
    card = torch.cuda.get_device_name()
    with open(os.path.join(a.dir, "cases.json")) as f:
        spec = json.load(f)
    print(f"backward tiling sweep on {card}, torch {torch.__version__}")
    rows, failed, summary = [], 0, []
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
        share = report(c, result)
        summary.append((c["name"], c["model"]["tag"], share))
        rows.append({"name": c["name"], "variants": c["variants"],
                     "model": c["model"], "results": result,
                     "pick_over_best": share})
    print("\nthe model's pick against the best measured tiling:")
    for name, pick, share in summary:
        print(f"  {name:40} {pick:20} {share or 0:.3f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__, "rows": rows},
                      f, indent=1)
    return 1 if failed else 0


def main(argv):
    def options(s):
        s.add_argument("--shapes", default="fa", choices=["fa", "quick", "train"])
        s.add_argument("--kernels", default="wgmma,mma-sync")
        s.add_argument("--ptxas", default="auto", choices=["auto", "none"])
    return bwd.main_with(argv, __doc__, options, stage, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
