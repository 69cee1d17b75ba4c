#!/usr/bin/env python3
"""Per-call host overhead of flashattn_mlir.attention() against torch SDPA
on a tiny shape (issue 23, item 2): B=1 H=8 N=128 D=64 bf16 causal, per
stage: the forward, the forward that records a graph (dropped at once),
the backward called without autograd (ours: the backward op's
implementation; SDPA: its FLASH backward op), the backward alone
(autograd.grad over a kept graph) and forward+backward.

  stage DEST   (build machine) compiles the shape's kernels into
               DEST/kernels (the forward; the forward with the logsumexp
               and its backward as attention() picks it) and DEST/kernels-mma
               (the same with the mma.sync backward, docs/Backward.md),
               stages the package and runtime (bench/stage.py), writes
               DEST/run_overhead.sh, which runs `run` on each folder.
  run          (GPU machine) per stage, ours, SDPA and the floor (an
               autograd.Function that only allocates what ours allocates,
               on the GPU: torch's own share, its backward on autograd's
               device thread as ours): `total`, the steady-state time per
               call of 2000 calls until the GPU is done; `host`, the time
               to issue one call, in bursts of 16 that cannot fill the
               launch queue (a host-bound call has total = host; a
               GPU-bound one total > host); `gpu`, the kernels' time per
               call (torch.profiler); per call of the 2000, `p50`, `p99`,
               `max` and `stalls` (time per call in calls of 1 ms or
               more: a rare long wait, not a steady cost). The bar: ours
               total <= 1.2x SDPA's. --trace FILE: torch.profiler's
               table of each stage's host events (torch ops, CUDA
               runtime and driver calls), ours, SDPA and the floor.
               --stages, --switch-interval (the GIL's, seconds): the
               staged script runs the backward stages again at 100 us.
  fake         (build machine: CPU torch, the compiler and
               build/lib/libfa_runtime_fake.so) the real launch path with
               the runtime's fake CUDA driver (python/tests/fake_driver.py):
               the launch plans, the ctypes call, faRtLaunch with its
               tensor maps, on CPU tensors; nothing runs. Process CPU time,
               the best of 7 repeats; with the floor, an autograd.Function
               that only allocates what ours allocates.
  host         (build machine) the same with a runtime whose launch does
               nothing (no ctypes, no C): the Python part alone.

  python3 bench/benchmark/overhead.py stage .stage-overhead    # here
  bash .stage-overhead/run_overhead.sh                         # GPU
  python3 bench/benchmark/overhead.py fake                     # here
"""

import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(HERE))

SHAPE = (1, 8, 128, 64)
CALLS = 2000
# Calls issued between two synchronizations when timing the host alone:
# the backward launches 3 kernels and torch a few more; 16 calls stay far
# below the driver's launch queue (about 1000 entries), so no call waits
# for the GPU.
BURST = 16


def calls_json():
    """The bundle's calls (flashattn_mlir.aot's format)."""
    base = {"q": list(SHAPE), "k": list(SHAPE), "v": list(SHAPE), "dtype": "bf16",
            "causal": True}
    return [dict(base, lse=False, backward=None),
            dict(base, backward={"bias_grad": False, "deterministic": False})]


# A call that takes this long (microseconds) is a stall, not a call's
# usual cost: a thread that waited for another (the GIL, autograd's device
# thread), a synchronization, a garbage collection.
STALL_US = 1000.0


def timed(step, sync, n=CALLS, warmup=50):
    """Microseconds per call of `step()` over `n` calls in a row: `enqueue`
    (until the last is issued), `total` (until the GPU is done), and of
    the calls one by one: `p50`, `p99`, `max` and `stalls`, the time per
    call spent in calls of STALL_US or more (a steady cost shows in p50, a
    rare long wait in stalls and max)."""
    for _ in range(warmup):
        step()
    sync()
    clock = time.perf_counter
    marks = [0.0] * (n + 1)
    marks[0] = start = clock()
    for i in range(n):
        step()
        marks[i + 1] = clock()
    sync()
    done = clock()
    calls = sorted((b - a) * 1e6 for a, b in zip(marks, marks[1:]))
    return {"enqueue": (marks[n] - start) / n * 1e6,
            "total": (done - start) / n * 1e6,
            "p50": calls[n // 2], "p99": calls[min(n - 1, n * 99 // 100)],
            "max": calls[-1],
            "stalls": sum(c for c in calls if c >= STALL_US) / n}


def host_time(step, sync, bursts=100):
    """Microseconds to issue one call (the median over `bursts` bursts of
    BURST calls, each started on an idle GPU)."""
    per_call = []
    for _ in range(bursts):
        sync()
        start = time.perf_counter()
        for _ in range(BURST):
            step()
        per_call.append((time.perf_counter() - start) / BURST * 1e6)
    sync()
    return statistics.median(per_call)


def gpu_time(torch, step, sync, n=50):
    """The GPU kernels' microseconds per call (torch.profiler), or None
    where the profiler does not report device times."""
    from torch.profiler import ProfilerActivity, profile
    try:
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            for _ in range(n):
                step()
            sync()
        # The kernels' own events (ours are launched through the driver API,
        # which the profiler sees as well); CPU ops are left out.
        total = sum(e.self_device_time_total for e in prof.key_averages()
                    if str(e.device_type).endswith("CUDA"))
    except Exception as e:  # noqa: BLE001 - the column is informative only
        print(f"(no GPU times: {type(e).__name__}: {e})")
        return None
    return total / n if total > 0 else None


def steps(torch, fa, device):
    """{stage: (ours, sdpa)}: the forward, the forward that records a
    graph, the backward without autograd (SDPA's None where its op does
    not run), the backward alone and the forward+backward."""
    F = torch.nn.functional
    q, k, v = (torch.randn(SHAPE, device=device, dtype=torch.bfloat16) for _ in range(3))
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    g = torch.randn(SHAPE, device=device, dtype=torch.bfloat16)
    ours = lambda: fa.attention(qg, kg, vg, causal=True)  # noqa: E731
    sdpa = lambda: F.scaled_dot_product_attention(qg, kg, vg, is_causal=True)  # noqa: E731

    def fwd_ours():
        with torch.no_grad():
            fa.attention(q, k, v, causal=True)

    def fwd_sdpa():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    # autograd.grad: no accumulation into .grad (the same for both).
    def fwd_bwd(attend):
        return lambda: torch.autograd.grad(attend(), (qg, kg, vg), g)

    def bwd(attend):
        out = attend()  # one graph, its backward run again and again
        return lambda: torch.autograd.grad(out, (qg, kg, vg), g, retain_graph=True)

    # The forward that records a graph (the logsumexp kept, the graph
    # dropped at once): with "forward" and "backward", it says which part
    # of forward+backward costs more than the two stages alone. The
    # backward without autograd: its host work on the calling thread, no
    # engine, no device thread.
    return {"forward": (fwd_ours, fwd_sdpa), "forward (grad)": (ours, sdpa),
            "backward (no autograd)": direct_backward(torch, fa, q, k, v, g),
            "backward": (bwd(ours), bwd(sdpa)),
            "forward+backward": (fwd_bwd(ours), fwd_bwd(sdpa))}


def direct_backward(torch, fa, q, k, v, g):
    """(ours, sdpa): the backward called directly, without autograd's
    engine. Ours is the backward op's implementation
    (flashattn_mlir.autograd.backward: the launch plan, three allocations,
    one faRtLaunch); SDPA's is its FLASH backward op where this torch runs
    it on q's device, else None."""
    from flashattn_mlir import autograd
    out, lse = fa.attention(q, k, v, causal=True, return_lse=True)

    def ours():
        autograd.backward(g, q, k, v, None, out, lse, "top_left", None, False,
                          False, "")
    return ours, _sdpa_backward_op(torch, q, k, v, g)


def _sdpa_backward_op(torch, q, k, v, g):
    """A step calling aten._scaled_dot_product_flash_attention_backward on
    its forward's outputs (dropout 0, causal), or None where that op does
    not run (another torch, a CPU tensor)."""
    ops = torch.ops.aten
    try:
        out, lse, cum_q, cum_k, max_q, max_k, seed, offset = \
            ops._scaled_dot_product_flash_attention(q, k, v, 0.0, True)[:8]
        args = (g, q, k, v, out, lse, cum_q, cum_k, max_q, max_k, 0.0, True,
                seed, offset)
        ops._scaled_dot_product_flash_attention_backward(*args)
    except (RuntimeError, NotImplementedError, AttributeError, TypeError):
        return None
    return lambda: ops._scaled_dot_product_flash_attention_backward(*args)


# What report() prints on a stage's first line; the other measures of a
# result go on a second line (`run`'s call-by-call distribution).
MAIN = ("total", "enqueue", "host", "gpu", "cpu")


def report(results):
    for name, r in results.items():
        lines = [[], []]
        for who in ("ours", "sdpa", "floor"):
            if who not in r:
                continue
            for row, keep in enumerate((True, False)):
                items = sorted(((m, v) for m, v in r[who].items()
                                if (m in MAIN) == keep),
                               key=lambda mv: MAIN.index(mv[0]) if keep else 0)
                if items:
                    lines[row].append(f"{who} " + " ".join(
                        f"{m} {v:6.1f}" if v is not None else f"{m}    n/a"
                        for m, v in items) + " us")
        line = f"{name:22s} " + "  ".join(lines[0])
        if "ratio" in r:
            line += f"  ours/sdpa total {r['ratio']:.2f}x"
        print(line)
        if lines[1]:
            print(f"{'  per call':22s} " + "  ".join(lines[1]))


def measure(torch, fa, device, sync, stages=None, calls=CALLS, bursts=100):
    """{stage: {"ours"|"sdpa"|"floor": timed()'s measures with `host`
    (and `gpu` but for the floor), "ratio": ours/sdpa total}} on `device`,
    of every stage or of those named in `stages`."""
    floors = floor_steps(torch, device)
    pairs = steps(torch, fa, device)
    unknown = set(stages or ()) - set(pairs)
    if unknown:
        raise ValueError(f"unknown stages {sorted(unknown)}; the stages are "
                         f"{', '.join(pairs)}")
    results = {}
    for name, pair in pairs.items():
        if stages and name not in stages:
            continue
        r = {}
        for who, step in zip(("ours", "sdpa", "floor"), pair + (floors[name],)):
            if step is None:  # SDPA's backward op where it does not run
                continue
            r[who] = timed(step, sync, n=calls)
            r[who]["host"] = host_time(step, sync, bursts)
            if who != "floor":
                r[who]["gpu"] = gpu_time(torch, step, sync)
        if "sdpa" in r:
            r["ratio"] = r["ours"]["total"] / r["sdpa"]["total"]
        results[name] = r
    return results


def run(args):
    import torch
    import flashattn_mlir as fa
    sync = torch.cuda.synchronize
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    stages = args.stages.split(",") if args.stages else None
    results = measure(torch, fa, "cuda", sync, stages)
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}: "
          f"B,H,N,D={SHAPE} bf16 causal, {CALLS} calls; kernels from "
          f"{os.environ.get('FLASHATTN_MLIR_KERNELS', '(compiled here)')}; "
          f"GIL switch interval {sys.getswitchinterval() * 1e6:.0f} us; floor: "
          "an autograd.Function that only allocates what ours allocates")
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.trace:
        with open(args.trace, "w") as f:
            floors = floor_steps(torch, "cuda")
            for name, pair in steps(torch, fa, "cuda").items():
                if name not in results:
                    continue
                for who, step in zip(("ours", "sdpa", "floor"),
                                     pair + (floors[name],)):
                    if step is None:
                        continue
                    f.write(f"== {name}, {who}: {TRACE_CALLS} calls\n"
                            f"{trace(torch, step, sync)}\n")
    return 0


# Calls a --trace profile covers.
TRACE_CALLS = 200


def trace(torch, step, sync):
    """torch.profiler's table of `step`'s host events (torch ops, the CUDA
    runtime and driver calls: allocations, launches, copies,
    synchronizations) over TRACE_CALLS calls, the most self CPU time
    first: where a call's host time goes on the GPU machine."""
    from torch.profiler import ProfilerActivity, profile
    for _ in range(20):
        step()
    sync()
    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    with profile(activities=activities) as prof:
        for _ in range(TRACE_CALLS):
            step()
        sync()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25)


def _cpu_time(step, between=None, n=1000, repeats=7, warmup=200):
    """Process CPU microseconds per call, the best of `repeats` (the build
    machine is shared: CPU time, not wall time); `between()`, when given,
    runs untimed before each repeat."""
    for _ in range(warmup):
        step()
    best = float("inf")
    for _ in range(repeats):
        if between:
            between()
        start = time.process_time()
        for _ in range(n):
            step()
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


def floor_steps(torch, device="cpu"):
    """{stage: step} of an autograd.Function that allocates what ours
    allocates (out, lse; dq, dk, dv) on `device` and launches nothing:
    what torch's own machinery costs (on CUDA: its allocator, and the
    Function's backward on autograd's device thread)."""
    class Floor(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v):
            out = torch.empty_like(q)
            lse = torch.empty(SHAPE[:3], dtype=torch.float32, device=device)
            ctx.mark_non_differentiable(lse)
            ctx.set_materialize_grads(False)  # as ours: no zeros for lse
            ctx.save_for_backward(q, k, v, out, lse)
            return out, lse

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, dout, _dlse):
            q, k, v, _, _ = ctx.saved_tensors
            return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)

    qg, kg, vg = (torch.randn(SHAPE, dtype=torch.bfloat16, device=device)
                  .requires_grad_() for _ in range(3))
    g = torch.randn(SHAPE, dtype=torch.bfloat16, device=device)

    def fwd():
        with torch.no_grad():
            torch.empty_like(qg)

    def direct():
        return torch.empty_like(qg), torch.empty_like(kg), torch.empty_like(vg)

    out = Floor.apply(qg, kg, vg)[0]
    return {"forward": fwd, "forward (grad)": lambda: Floor.apply(qg, kg, vg),
            "backward (no autograd)": direct,
            "backward": lambda: torch.autograd.grad(out, (qg, kg, vg), g,
                                                    retain_graph=True),
            "forward+backward": lambda: torch.autograd.grad(
                Floor.apply(qg, kg, vg)[0], (qg, kg, vg), g)}


def cpu_side(args, install):
    """`fake` and `host`: attention() on CPU tensors after `install()`
    (which returns a function to run between repeats, or None)."""
    import torch
    import flashattn_mlir as fa
    between = install()
    floors = floor_steps(torch)
    results = {}
    for name, (ours, _) in steps(torch, fa, "cpu").items():
        results[name] = {"ours": {"cpu": _cpu_time(ours, between)},
                         "floor": {"cpu": _cpu_time(floors[name])}}
    print(f"{args.command}: CPU tensors, B,H,N,D={SHAPE} bf16 causal, process "
          "CPU time per call (best of 7 x 1000 calls); floor: an "
          "autograd.Function that only allocates")
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


def _tests_path():
    sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
    import fake_driver
    return fake_driver


def fake(args):
    fake_driver = _tests_path()
    if fake_driver.library_path() is None:
        print("libfa_runtime_fake.so not found: build it (ninja -C build "
              "fa_runtime_fake) or set FA_RUNTIME_FAKE_LIB")
        return 1

    def install():
        rt, _ = fake_driver.install()
        return rt.forget
    return cpu_side(args, install)


def host(args):
    fake_driver = _tests_path()
    from flashattn_mlir import runtime

    def install():
        real = runtime._Buf._from_torch
        runtime._Buf._from_torch = lambda self, name, x: real(
            self, name, fake_driver.OnCuda(x))
        runtime._runtime = _NullRuntime()
    return cpu_side(args, install)


def stage(args):
    import stage as staging
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from flashattn_mlir import aot
    dest = os.path.abspath(args.dest)
    # The same calls with the mma.sync backward (opt-in, D49): the bundle's
    # backward with kernel=mma-sync, the forwards as attention() picks them.
    mma = os.path.join(dest, "kernels-mma")
    aot.compile_bundle(calls_json()[:1], mma, target=args.target)
    import flashattn_mlir as fa
    grad = calls_json()[1]
    fa.compile(grad["q"], grad["k"], grad["v"], dtype="bf16", causal=True, lse=True,
               target=args.target).save(mma)
    fa.compile_backward(grad["q"], grad["k"], grad["v"], dtype="bf16", causal=True,
                        target=args.target, kernel="mma-sync").save(mma)
    runs = [f'FLASHATTN_MLIR_KERNELS=$PWD/{k} python3 bench/benchmark/overhead.py run '
            f'--json "$OUT/overhead-{k}.json" --trace "$OUT/overhead-{k}-trace.txt"'
            for k in ("kernels", "kernels-mma")]
    # Again with a GIL switch interval of 100 us: stalls where autograd's
    # device thread waits for the GIL shrink with it.
    runs.append('python3 bench/benchmark/overhead.py run --stages '
                '"backward,forward+backward" --switch-interval 0.0001 '
                '--json "$OUT/overhead-kernels-switch100us.json"')
    run_each = "(" + " && ".join(runs) + ")"
    return staging.stage_with_bundle(
        dest, calls_json(), args.target, ["benchmark/overhead.py"], "overhead",
        "time attention() against SDPA per call", run_each)


def main():
    import stage as staging
    p, sub = staging.command_line(__doc__)
    r = sub.add_parser("run")
    r.add_argument("--json")
    r.add_argument("--trace", help="write torch.profiler's host events of "
                   "each stage (ours, SDPA and the floor) to this file")
    r.add_argument("--stages", help="only these stages (comma-separated "
                   "names as printed, e.g. forward+backward)")
    r.add_argument("--switch-interval", type=float, help="Python's GIL "
                   "switch interval in seconds (sys.setswitchinterval; "
                   "default 0.005): a shorter one shortens a stall where "
                   "autograd's device thread waits for the GIL")
    for name in ("fake", "host"):
        sub.add_parser(name).add_argument("--json")
    args = p.parse_args()
    return {"stage": stage, "run": run, "fake": fake, "host": host}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
