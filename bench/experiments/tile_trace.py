#!/usr/bin/env python3
"""Experiment tool: where a wgmma kernel's time per tile goes (device side).

Times NAME and its variants from ptx_variants.py (next to this file; NAME__b32,
NAME__nostore, NAME__trace: those present) in one process, then launches
NAME__trace once more and reads its stamps from its trace buffer: per
phase of a tile (cycles, median over tiles and consumer warpgroups), the
steps it equals, and the gap between one block's end and the next block's
start on the same SM.

  python3 bench/experiments/tile_trace.py --runtime LIB --artifacts DIR NAME...
"""

import argparse
import json
import math
import os
import sys

import torch

# The benchmark's timing and SDPA baselines, gpu_check's runtime binding.
BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(BENCH, "benchmark"),
                os.path.join(BENCH, "correctness")]
from benchmark import bench, inputs, tflops  # noqa: E402
from gpu_check import Runtime, tensors  # noqa: E402

# Words of a warpgroup's record (ptx_variants.py's trace): entry clock,
# entry globaltimer, then clocks after setmaxnreg, the Q/K0 waits,
# block 0's S, before the last P V, after it, after the stores; end
# globaltimer, SM id.
ENTRY_GT, END_GT, SMID = 1, 8, 9


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")


def analyse(c, manifest, trace):
    kern = manifest["kernels"][0]
    block_m = kern["params"][0]["box"][2]
    block_n = kern["params"][1]["box"][2]
    blocks = kern["grid"][0] * kern["grid"][1] * kern["grid"][2]
    words = trace.view(blocks, 4, 10).cpu()
    wgs = int((words[0, :, ENTRY_GT] != 0).sum())
    recs = words[:, :wgs, :].tolist()  # [block][warpgroup][word]

    def ph(i, j):
        return median([r[j] - r[i] for t in recs for r in t])
    names = [("entry -> setmaxnreg", 0, 2), ("setmaxnreg -> Q,K0 ready", 2, 3),
             ("Q,K0 ready -> S0 done", 3, 4), ("S0 done -> last PV wait", 4, 5),
             ("last P V", 5, 6), ("epilogue (to the end of its stores)", 6, 7),
             ("whole tile (entry -> stores done)", 0, 7)]
    nblocks = math.ceil(c["nk"] / block_n)
    loop = ph(4, 5)
    step = loop / max(nblocks - 1, 1) if not c["causal"] else float("nan")
    print(f"  tile {block_m}x{block_n}, {nblocks} kv blocks; cycles (median over "
          f"{len(recs)} tiles x {wgs} warpgroups):")
    for name, i, j in names:
        v = ph(i, j)
        s = f"  = {v / step:5.2f} steps" if step == step else ""
        print(f"    {name:38} {v:10.0f}{s}")
    if step == step:
        total = ph(0, 7)
        print(f"    step (loop / {nblocks - 1}) {step:.0f} cycles; fixed cost "
              f"{(total - nblocks * step) / step:.2f} steps a tile")
    # Warpgroup stagger at block 0's S and at the end.
    if wgs > 1:
        print(f"    warpgroup 1 - warpgroup 0: S0 done "
              f"{median([t[1][4] - t[0][4] for t in recs]):.0f}, stores done "
              f"{median([t[1][7] - t[0][7] for t in recs]):.0f} cycles")
    # Blocks on each SM, in time order: the gap between one's end and the next's start.
    blocks = {}
    for t in recs:
        sm = t[0][SMID]
        start = min(r[ENTRY_GT] for r in t)
        end = max(r[END_GT] for r in t)
        blocks.setdefault(sm, []).append((start, end))
    gaps, per_sm, t0, t1, last_ends = [], [], None, None, []
    for sm, bl in blocks.items():
        bl.sort()
        per_sm.append(len(bl))
        gaps += [bl[i + 1][0] - bl[i][1] for i in range(len(bl) - 1)]
        t0 = min(t0, bl[0][0]) if t0 is not None else bl[0][0]
        t1 = max(t1, bl[-1][1]) if t1 is not None else bl[-1][1]
        last_ends.append(bl[-1][1])
    cyc_per_ns = median([(r[7] - r[0]) / max(r[END_GT] - r[ENTRY_GT], 1)
                         for t in recs for r in t])
    print(f"    SMs {len(blocks)}, blocks per SM {min(per_sm)}-{max(per_sm)}; "
          f"gap between blocks on an SM: median {median(gaps):.0f} ns, "
          f"max {max(gaps) if gaps else 0:.0f} ns; clock {cyc_per_ns * 1e3:.0f} MHz")
    last_ends.sort()
    print(f"    kernel span {(t1 - t0) / 1e3:.1f} us; SMs idle at the end: first "
          f"SM done {(t1 - last_ends[0]) / 1e3:.1f} us before the last, median "
          f"{(t1 - median(last_ends)) / 1e3:.1f} us")


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--runtime", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("names", nargs="+")
    a = p.parse_args(argv)
    torch.zeros(1, device="cuda")
    rt = Runtime(a.runtime)
    rt.init(0)
    stream = torch.cuda.current_stream().cuda_stream
    print(f"tile trace on {torch.cuda.get_device_name()}")
    with open(os.path.join(a.artifacts, "cases.json")) as f:
        cases = {c["name"]: c for c in json.load(f)["cases"]}
    for name in a.names:
        c = cases[name]
        q, k, v, o = inputs(c)
        buffers = tensors([q, k, v, o])
        print(f"== {name}")
        ref = None
        for var in ("", "__b32", "__nostore", "__trace"):
            path = os.path.join(a.artifacts, name + var + ".json")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                manifest = json.load(f)
            args = buffers
            if var == "__trace":
                trace = torch.zeros(manifest["arguments"][-1]["bytes"] // 8,
                                    dtype=torch.int64, device="cuda")
                args = buffers + tensors([trace])
            h = rt.load(path, True)
            o.fill_(float("nan"))
            rt.launch(h, args, stream)
            rt.synchronize()
            if var == "":
                ref = o.clone()
            else:
                print(f"  {var[2:]} output identical to the original: "
                      f"{torch.equal(o, ref)}")
            ms = bench(lambda: rt.launch(h, args, stream))
            print(f"  {var or 'original':10} {tflops(c, ms):7.1f} TFLOP/s "
                  f"({ms * 1e3:.1f} us)")
            if var == "__trace":
                trace.zero_()
                rt.launch(h, args, stream)
                rt.synchronize()
                analyse(c, manifest, trace)
            rt.unload(h)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
