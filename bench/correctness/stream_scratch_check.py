#!/usr/bin/env python3
"""One backward module on two torch streams at the same time: each stream
must launch on its own scratch buffers (the D rows, the f32 dQ accumulator,
the ordered-dQ semaphores, a bias gradient's f32 scratch; docs/GPU.md,
"Scratch buffers and streams"; decisions D80). Before D80 the two
backwards shared them and could return wrong gradients silently. Not yet
run on a GPU.

  stage DEST  (build machine) compiles each case's forward (with lse) and
              backward into DEST/kernels (python_autograd_check's
              compile_case), copies the package, the runtime sources and
              the scripts, and writes DEST/run.sh (g++ builds the runtime,
              then `run`).
  list        the cases' names.
  run DIR     (GPU machine: torch, CUDA, no LLVM) load_dir(DIR), then for
              each case draws two input sets A and B and:
              1. serial: A's and B's gradients through fa.attention() and
                 torch.autograd.grad on the current stream, one after the
                 other;
              2. concurrent, ROUNDS times (--rounds, 20): two streams each
                 held by a spin kernel (torch.cuda._sleep) while A's forward
                 and backward are queued on one and B's on the other, so
                 that both backwards start together; CUDA events time each
                 backward and count the rounds where the two overlapped;
              3. (deterministic cases) a CUDA graph: a warm-up on a side
                 stream, a capture on torch's graph stream (whose first
                 launch allocates its scratch during the capture), a replay
                 on B's inputs copied into the captured ones; then 3,000
                 eager launches with Q at new addresses, which make the
                 runtime's tensor-map pools reuse their chunks, and a
                 replay on A's inputs (D86: before, eager launches reused
                 the graph's map slots and its replays copied the maps
                 from freed host memory).
              Every gradient must pass ../shared/DESIGN.md's criterion
              against float64 attention,

                  max|grad - ref| <= 2 * max|naive - ref| + floor,

              and, in deterministic cases, equal the serial one bit for
              bit (the ordered dQ adds make the backward reproducible).
              Exit status 0 iff all pass.

  python3 bench/correctness/stream_scratch_check.py stage .stage-streams   # here
  bash .stage-streams/run.sh                                               # GPU
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
from python_autograd_check import case, compile_case, grads  # noqa: E402
from python_gpu_check import FLOOR, make_mask, run_cases, shapes  # noqa: E402

# A spin of about 10 ms at the H100's and H200's 1.98 GHz: both streams'
# work is queued before either backward starts.
SPIN_CYCLES = 20_000_000


def matrix():
    """Long enough backwards (about 0.3 ms each, the cost model's guess) to
    overlap; every kind of scratch the auto-picked (wgmma) backward has."""
    return [
        # D, dQ accumulator, semaphores (ordered dQ): bitwise.
        case("bf16", 128, 2048, causal=True, b=2, hq=16, deterministic=True),
        # D, dQ accumulator (atomic adds), GQA.
        case("bf16", 64, 2048, b=2, hq=16, hkv=4),
        # A broadcast f16 bias with its gradient: its f32 scratch too.
        case("f16", 64, 1024, nk=1536, b=2, hq=8, mask=(1, 8, 1, 1536)),
    ]


def stage(dest, target):
    kernels = os.path.join(dest, "kernels")
    shutil.rmtree(kernels, ignore_errors=True)
    os.makedirs(kernels)
    cases = matrix()
    for c in cases:
        t0 = time.perf_counter()
        k = compile_case(c, kernels, target)
        scratch = [s["name"] for s in k.manifest["scratch"]]
        print(f"{c['name']:48} {k.schedule['kernel']} scratch {scratch} "
              f"{time.perf_counter() - t0:.2f} s")
    with open(os.path.join(kernels, "cases.json"), "w") as f:
        json.dump({"target": target, "cases": cases}, f, indent=1)
    for sub in ("python/flashattn_mlir", "runtime"):
        shutil.rmtree(os.path.join(dest, sub), ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(dest, sub),
                        ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(dest, "bench", "correctness"), exist_ok=True)
    for script in ("stream_scratch_check.py", "python_autograd_check.py",
                   "python_gpu_check.py"):
        shutil.copy(os.path.join(HERE, script),
                    os.path.join(dest, "bench", "correctness"))
    with open(os.path.join(dest, "run.sh"), "w") as f:
        f.write(RUN_SH)
    os.chmod(os.path.join(dest, "run.sh"), 0o755)
    print(f"stream_scratch_check: {2 * len(cases)} kernels in {kernels}")
    return 0


RUN_SH = """#!/usr/bin/env bash
# On the GPU machine (written by bench/correctness/stream_scratch_check.py
# stage): build the runtime with g++, run the two-stream check.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/fa-streams-out}
mkdir -p "$OUT"
CUDA=${CUDA_HOME:-/usr/local/cuda}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
LIB=$PWD/libfa_runtime.so
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \\
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp \\
  -L"$CUDA/lib64/stubs" -L"$CUDA/lib64" -lcuda -o "$LIB" 2> "$OUT/build.log" \\
  || { cat "$OUT/build.log"; exit 1; }
export PYTHONUNBUFFERED=1 FA_RUNTIME_LIB=$LIB PYTHONPATH=$PWD/python
# A backward that hangs (semaphores shared between streams) ends here.
timeout 300 python3 bench/correctness/stream_scratch_check.py run kernels \\
  --json "$OUT/stream_scratch_check.json" "$@" 2>&1 \\
  | tee "$OUT/stream_scratch_check.log"
exit "${PIPESTATUS[0]}"
"""


# ----------------------------------------------------------------- device --

class Case:
    """A case's two input sets, their serial gradients and their bounds."""

    def __init__(self, c, torch):
        self.c, self.torch = c, torch
        self.dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
        gen = torch.Generator(device="cuda")
        gen.manual_seed(abs(hash(c["name"])) % (2**31))
        self.sets = [self.draw(gen), self.draw(gen)]
        self.serial = [self.gradients(s) for s in self.sets]
        torch.cuda.synchronize()
        self.refs, self.bounds = [], []
        for leaves, mask, dout in self.sets:
            ref = grads(c, leaves, mask, dout, torch.float64, torch)
            naive = grads(c, leaves, mask, dout, self.dt, torch)
            self.refs.append(ref)
            self.bounds.append([2 * (n.double() - r).abs().max().item()
                                + FLOOR[c["dtype"]] for n, r in zip(naive, ref)])

    def draw(self, gen):
        """(leaves: q, k, v and a bias with its gradient; the mask; dO)."""
        c, torch = self.c, self.torch
        q, k, v = (torch.randn(s, generator=gen, device="cuda").to(self.dt)
                   .requires_grad_() for s in shapes(c))
        mask = make_mask(c, gen, self.dt, torch)
        leaves = [q, k, v]
        if mask is not None and c["bias_grad"]:
            mask.requires_grad_()
            leaves.append(mask)
        dout = torch.randn(c["b"], c["hq"], c["nq"], c["d"], generator=gen,
                           device="cuda").to(self.dt)
        return leaves, mask, dout

    def forward(self, inputs):
        leaves, mask, _ = inputs
        c = self.c
        return fa.attention(*leaves[:3], causal=c["causal"], attn_mask=mask,
                            deterministic=c["deterministic"])

    def backward(self, inputs, out):
        leaves, _, dout = inputs
        return self.torch.autograd.grad(out, leaves, dout)

    def gradients(self, inputs):
        return self.backward(inputs, self.forward(inputs))

    def check(self, which, got):
        """Problems of gradients `got` of input set `which` ([] if none)."""
        problems = []
        names = ("dq", "dk", "dv", "dbias")
        for name, a, r, bound in zip(names, got, self.refs[which],
                                     self.bounds[which]):
            err = (a.double() - r).abs().max().item()
            if not err <= bound:
                problems.append(f"{name} err {err:.2e} > {bound:.2e}")
        if self.c["deterministic"]:
            for name, a, s in zip(names, got, self.serial[which]):
                if not self.torch.equal(a, s):
                    diff = (a.double() - s.double()).abs().max().item()
                    problems.append(f"{name} differs from the serial run by {diff:.2e}")
        return problems


def concurrent_rounds(k, rounds):
    """Runs A and B on two streams at once `rounds` times; returns (the
    problems found, the rounds in which the two backwards overlapped)."""
    torch = k.torch
    streams = [torch.cuda.Stream(), torch.cuda.Stream()]
    for s in streams:
        s.wait_stream(torch.cuda.current_stream())
    problems, overlapped = [], 0
    for r in range(rounds):
        got, events = [None, None], []
        base = torch.cuda.Event(enable_timing=True)
        base.record()
        for s in streams:
            s.wait_stream(torch.cuda.current_stream())
        for i, s in enumerate(streams):
            with torch.cuda.stream(s):
                torch.cuda._sleep(SPIN_CYCLES)
                out = k.forward(k.sets[i])
                begin = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                begin.record()
                got[i] = k.backward(k.sets[i], out)
                end.record()
                events.append((begin, end))
        torch.cuda.synchronize()
        spans = [(base.elapsed_time(b), base.elapsed_time(e)) for b, e in events]
        overlapped += min(spans[0][1], spans[1][1]) > max(spans[0][0], spans[1][0])
        for i in range(2):
            problems += [f"round {r}, set {'AB'[i]}: {p}" for p in k.check(i, got[i])]
    return problems, overlapped


def graph_replay(k):
    """A warm-up on a side stream, a capture on torch's graph stream, a
    replay on set B's inputs copied into the captured ones: the problems of
    the replayed gradients."""
    torch = k.torch
    leaves, mask, dout = k.sets[0]
    static_leaves = [t.detach().clone().requires_grad_() for t in leaves]
    if len(leaves) == 4:
        static_mask = static_leaves[3]  # the bias, with its gradient
    else:
        static_mask = None if mask is None else mask.clone()
    static = (static_leaves, static_mask, dout.clone())
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(2):
            k.gradients(static)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        captured = k.gradients(static)

    def replay(inputs):
        """The graph replayed on the input set `inputs` (k.sets' layout)."""
        new_leaves, new_mask, new_dout = inputs
        with torch.no_grad():
            for dst, src in zip(static_leaves, new_leaves):
                dst.copy_(src)
            if len(leaves) == 3 and mask is not None:
                static_mask.copy_(new_mask)
            static[2].copy_(new_dout)
        graph.replay()
        torch.cuda.synchronize()

    replay(k.sets[1])
    problems = [f"graph replay: {p}" for p in k.check(1, captured)]
    # D86: eager launches on new addresses fill the runtime's tensor-map
    # pools and make them reuse their chunks; the graph's kernels must
    # still find their own maps (and its captured copies their bytes).
    cycle_tensor_map_pools(k, POOL_CYCLE_LAUNCHES)
    replay(k.sets[0])
    problems += [f"graph replay after {POOL_CYCLE_LAUNCHES} eager launches: "
                 f"{p}" for p in k.check(0, captured)]
    return problems


# More launches on distinct addresses than the runtime's tensor-map pool
# holds (16 chunks of 64 KiB: 2,048 launches of a forward with four maps,
# 2,730 of a backward with three), so that both pools reuse their chunks.
POOL_CYCLE_LAUNCHES = 3000


def cycle_tensor_map_pools(k, launches):
    """Runs set A's forward and backward `launches` times, each with Q at a
    new address (a view 16 bytes further into one buffer): every launch
    encodes and copies new tensor maps."""
    torch = k.torch
    leaves, mask, dout = k.sets[0]
    q = leaves[0].detach()
    buf = torch.empty(q.numel() + 8 * launches, dtype=q.dtype, device="cuda")
    for i in range(launches):
        view = buf[8 * i:8 * i + q.numel()].view(q.shape)
        with torch.no_grad():
            view.copy_(q)
        moved = [view.requires_grad_()] + [t.detach().requires_grad_()
                                           for t in leaves[1:]]
        k.gradients((moved, mask, dout))
    torch.cuda.synchronize()


def run_case(c, torch, rounds):
    t0 = time.perf_counter()
    k = Case(c, torch)
    row = {"name": c["name"], "problems": []}
    for which in range(2):
        row["problems"] += [f"serial set {'AB'[which]}: {p}"
                            for p in k.check(which, k.serial[which])]
    problems, overlapped = concurrent_rounds(k, rounds)
    row["problems"] += problems
    row["overlapped"] = f"{overlapped}/{rounds}"
    if c["deterministic"]:
        try:
            row["problems"] += graph_replay(k)
            row["graph"] = "replayed"
        except Exception as e:  # noqa: BLE001 - reported
            row["problems"].append(f"graph: {type(e).__name__}: {e}")
            row["graph"] = "error"
    row["s"] = time.perf_counter() - t0
    row["status"] = "PASS" if not row["problems"] else "FAIL"
    return row


def run_all(directory, as_json, rounds):
    import torch
    card, _, rows = run_cases(directory,
                              lambda c, t: run_case(c, t, rounds), torch)
    print(f"\none backward module on two streams at once, on {card}, "
          f"torch {torch.__version__}, {rounds} rounds a case")
    for r in rows:
        if r["status"] == "ERROR":
            print(f"{r['name']:52} ERROR {r['error'][:200]}")
            continue
        print(f"{r['name']:52} overlapped {r['overlapped']:>6}  "
              f"graph {r.get('graph', '-'):8} {r['s']:6.1f} s  {r['status']}")
        for p in r["problems"][:10]:
            print(f"    {p}")
    passed = sum(r["status"] == "PASS" for r in rows)
    print(f"\n{passed}/{len(rows)} cases passed on {card}")
    if as_json:
        with open(as_json, "w") as f:
            json.dump({"card": card, "rounds": rounds, "cases": rows}, f, indent=1)
    return 0 if passed == len(rows) else 1


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["stage", "list", "run"])
    p.add_argument("dir", nargs="?", default="")
    p.add_argument("--target", default="h100")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--json", default="")
    a = p.parse_args(argv)
    if a.mode == "list":
        print("\n".join(c["name"] for c in matrix()))
        return 0
    if not a.dir:
        p.error(f"{a.mode} needs DIR")
    if a.mode == "stage":
        return stage(a.dir, a.target)
    return run_all(a.dir, a.json, a.rounds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
