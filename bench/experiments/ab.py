#!/usr/bin/env python3
"""Round-robin A/B timing of kernels that solve the same problem.

The sweeps time each case once, in order, on its own freshly allocated
inputs. On the H100 two cases with byte-identical PTX measured up to 5%
apart that way, the same way in five repeated runs (docs/CostModel.md,
"Measuring a 2% difference"), which is larger than the differences the
cost model is asked to resolve. This script removes what differed:

* the cases of one shape (same dtype, B, H, N, D, causal) share one set of
  inputs and one output buffer, so every kernel reads the same addresses;
* each round times every kernel of the group once (do_bench, median),
  in an order rotated by one each round, so no kernel always follows the
  same one;
* it reports, per kernel, the median over rounds, the spread (min-max) and
  the ratio to the group's first kernel, and marks kernels whose PTX is
  byte-identical to another's: their difference is the noise floor.

  python3 bench/experiments/ab.py --runtime libfa_runtime.so --artifacts DIR
      [--rounds 7] [--only SUBSTR] [--baselines] [--json F]

--baselines adds torch SDPA's FLASH and CUDNN kernels to each group's
rotation (named flash and cudnn), on the same inputs.
"""

import argparse
import hashlib
import json
import os
import statistics
import sys

import torch

# The benchmark's timing and SDPA baselines, gpu_check's runtime binding.
BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(BENCH, "benchmark"),
                os.path.join(BENCH, "correctness")]
from benchmark import BASELINES, bench, inputs, sdpa_fn, tflops  # noqa: E402
from gpu_check import Runtime, tensors  # noqa: E402


def shape_key(c):
    return (c["dtype"], c["b"], c["hq"], c["hkv"], c["nq"], c["nk"], c["d"],
            c["dv"], c["causal"])


def ptx_digest(artifacts, name):
    path = os.path.join(artifacts, name + ".ptx")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def run_group(rt, art, cases, rounds, rep_ms, baselines, stream):
    c0 = cases[0]
    q, k, v, o = inputs(c0)
    buffers = tensors([q, k, v, o])
    runners = []
    for c in cases:
        h = rt.load(os.path.join(art, c["name"] + ".json"), True)
        runners.append((c["name"], lambda h=h: rt.launch(h, buffers, stream), h))
    if baselines:
        for name, backend in BASELINES:
            runners.append((name, sdpa_fn(c0, q, k, v, backend), None))
    times = {name: [] for name, _, _ in runners}
    for r in range(rounds):
        order = runners[r % len(runners):] + runners[:r % len(runners)]
        for name, fn, _ in order:
            times[name].append(bench(fn, rep_ms))
    for _, _, h in runners:
        if h is not None:
            rt.unload(h)
    return times


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--runtime", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--rep-ms", type=int, default=100)
    p.add_argument("--only", default="")
    p.add_argument("--baselines", action="store_true")
    p.add_argument("--json", default="")
    a = p.parse_args(argv)

    torch.zeros(1, device="cuda")
    rt = Runtime(a.runtime)
    rt.init(0)
    card = torch.cuda.get_device_name()
    stream = torch.cuda.current_stream().cuda_stream
    with open(os.path.join(a.artifacts, "cases.json")) as f:
        cases = [c for c in json.load(f)["cases"] if a.only in c["name"]]
    groups = {}
    for c in cases:
        groups.setdefault(shape_key(c), []).append(c)

    print(f"ab.py on {card}, torch {torch.__version__}: {a.rounds} rounds, "
          f"do_bench rep {a.rep_ms} ms, order rotated each round")
    report = []
    for key, group in groups.items():
        times = run_group(rt, a.artifacts, group, a.rounds, a.rep_ms,
                          a.baselines, stream)
        digests = {c["name"]: ptx_digest(a.artifacts, c["name"]) for c in group}
        first = None
        print(f"\n{key[0]} B={key[1]} H={key[2]} N={key[4]} D={key[6]} "
              f"causal={key[8]}")
        for name, ts in times.items():
            tf = [tflops(group[0], t) for t in ts]
            med = statistics.median(tf)
            first = first or med
            twins = [n for n, d in digests.items()
                     if n != name and d is not None and d == digests.get(name)]
            print(f"  {name:62} {med:7.1f} TFLOP/s  [{min(tf):6.1f}-{max(tf):6.1f}]"
                  f"  x{med / first:6.3f}"
                  + (f"  (same PTX as {', '.join(twins)})" if twins else ""))
            report.append({"group": list(key), "name": name, "tflops": tf,
                           "median": med, "same_ptx_as": twins})
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"card": card, "rounds": a.rounds, "rows": report}, fh,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
