#!/usr/bin/env python3
"""flashattn_mlir.distributed on one GPU with the real kernels: several
ranks as processes on one GPU (gloo; NCCL refuses two ranks on one
device), each running ring attention (zigzag, contiguous), all-to-all over
heads, PyTorch's ring with KernelOp, or flashattn_mlir.attention() inside
PyTorch's context_parallel() (the ops' context-parallel handler, whose
private PyTorch API is checked first), forward and backward, against
single-GPU attention. Its first H200 run crashed (a rank died with
SIGSEGV; docs/Distributed.md); this version reports where.

  stage DEST  (build machine) runs every case on the CPU with a recording
              block op (gloo, spawned ranks) to learn which kernels the
              ranks call, compiles them (forward with lse, backward) and
              those of single-GPU attention on the whole sequence into
              DEST/kernels, copies the package, the runtime sources and
              this script, and writes DEST/run.sh.
  run DIR     (GPU machine) the cases with KernelOp (FLASHATTN_MLIR_KERNELS
              = DIR), then for each: the distributed out, lse, dQ, dK, dV
              gathered (unshard) and checked with ../shared/DESIGN.md's
              criterion against float64 attention:

                  max|x - ref| <= 2 * max|naive - ref| + floor

              naive: the same math in the input precision (the lse: in
              f32, its precision; floor 1e-4), the lse's -inf rows exactly. The
              difference to single-GPU fa.attention() is printed too.
              Exit status 0 iff all pass. Ranks are spawned per world size
              (smallest first, a tiny smoke case first in each), each
              writing a log (stdout, stderr, faulthandler's stacks) and its
              progress; a rank that dies, hangs (FA_DIST_CASE_TIMEOUT s a
              case, 60) or raises ends that case as CRASH, TIMEOUT or ERROR
              with the ranks' last log lines, and the other cases run in
              fresh processes, within FA_DIST_BUDGET s (150).
              --logs DIR keeps every rank's log; --only A,B runs the cases
              whose names contain A or B (`list` names them).

  python3 bench/distributed/one_gpu_check.py stage .stage-dist --target h200  # here
  bash .stage-dist/run.sh                                                     # GPU

FA_DIST_DRY_RUN=1 ... run DIR runs the same on the CPU with ReferenceOp and
sequences 16 times shorter (no kernels, DIR unused): a check of this
script where there is no GPU.
"""

import argparse
import ctypes
import datetime
import faulthandler
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (os.path.join(ROOT, "python"), os.path.join(ROOT, "bench", "correctness")):
    if os.path.isdir(path):
        sys.path.insert(0, path)

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import flashattn_mlir as fa  # noqa: E402
from flashattn_mlir import distributed as fd  # noqa: E402

# FA_DIST_DRY_RUN=1: `run` on the CPU with ReferenceOp and sequences 16x
# shorter, which checks this script (not the kernels) where there is no GPU.
DRY = os.environ.get("FA_DIST_DRY_RUN") == "1"
DEVICE = "cpu" if DRY else "cuda"
# Seconds a case (and the barrier after it) may take in a rank, and the
# whole check's spawned runs; the check must end within 3 minutes on the
# H200 (start-up and the parent's float64 checks come on top).
CASE_TIMEOUT = float(os.environ.get("FA_DIST_CASE_TIMEOUT", "60"))
BUDGET = float(os.environ.get("FA_DIST_BUDGET", "150"))
FLOOR = {"bf16": 1e-3, "f16": 1e-4}   # python_gpu_check.py's
LSE_FLOOR = 1e-4
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


def case(strategy, world, dtype="bf16", d=128, n=4096, hq=8, hkv=4, causal=True,
         mask=None, layout="zigzag", b=1, smoke=False):
    if DRY:
        n = max(2 * world, n // 16 // (2 * world) * (2 * world))
    name = (("smoke-" if smoke else "") + f"{strategy}-{layout}-w{world}-{dtype}"
            f"-d{d}-n{n}-h{hq}x{hkv}" + ("-causal" if causal else "")
            + (f"-{mask}" if mask else ""))
    return dict(name=name, strategy=strategy, world=world, dtype=dtype, d=d, n=n,
                hq=hq, hkv=hkv, causal=causal, mask=mask, layout=layout, b=b)


def cases():
    """Smallest world first; in each, a tiny smoke case first: the kernels
    in one spawned process without communication (world 1), then the
    smallest ring (world 2), before the real shapes."""
    out = [case("ring", 1, d=64, n=256, hq=2, hkv=2, smoke=True),
           case("ring", 2, d=64, n=256, hq=2, hkv=2, smoke=True)]
    for world in (2, 4):
        out += [case("ring", world), case("ring", world, causal=False),
                case("ring", world, layout="contiguous"),
                case("ulysses", world), case("torch", world),
                case("ring", world, mask="document"),
                case("ring", world, causal=False, mask="block"),
                case("cp", world), case("cp", world, layout="contiguous")]
    out += [case("ring", 2, dtype="f16", d=64, n=2000, hq=6, hkv=2),
            case("ulysses", 2, mask="block")]
    return out


def mask_mod(c):
    """The case's keep-mask of global positions, or None. document: three
    documents of unequal lengths; block: query rows in [n/8, n/4) see no
    key, keys in [n/2, 5n/8) are seen by nobody."""
    n = c["n"]
    if c["mask"] == "document":
        ends = torch.tensor([n // 3, n // 3 + n // 5])
        return lambda qp, kp: (torch.bucketize(qp, ends.to(qp.device), right=True)
                               == torch.bucketize(kp, ends.to(kp.device), right=True))
    if c["mask"] == "block":
        return lambda qp, kp: (((qp < n // 8) | (qp >= n // 4))
                               & ((kp < n // 2) | (kp >= 5 * n // 8)))
    return None


def full_keep(c, device):
    """The whole [n, n] keep-mask (causal and mask_mod), or None."""
    mod = mask_mod(c)
    if mod is None and not c["causal"]:
        return None
    pos = torch.arange(c["n"], device=device)
    keep = torch.ones(c["n"], c["n"], dtype=torch.bool, device=device)
    if mod is not None:
        keep &= mod(pos[:, None], pos[None, :])
    if c["causal"]:
        keep &= pos[:, None] >= pos[None, :]
    return keep


def inputs(c, device):
    gen = torch.Generator().manual_seed(zlib.crc32(c["name"].encode()))
    b, hq, hkv, n, d = c["b"], c["hq"], c["hkv"], c["n"], c["d"]
    shapes = [(b, hq, n, d), (b, hkv, n, d), (b, hkv, n, d), (b, hq, n, d)]
    return [torch.randn(s, generator=gen).to(device, DTYPES[c["dtype"]]) for s in shapes]


class RecordingOp:
    """A block op that records the kernels it would need and returns
    zeros (stage: the CPU run that learns the ranks' calls)."""

    def __init__(self):
        self.calls = set()

    def _record(self, q, k, v, causal, scale, mask):
        self.calls.add(json.dumps([list(q.shape), list(k.shape), list(v.shape),
                                   str(q.dtype).replace("torch.", ""), causal, scale,
                                   None if mask is None else list(mask.shape)]))

    def forward(self, q, k, v, causal, scale, mask):
        self._record(q, k, v, causal, scale, mask)
        return (torch.zeros(*q.shape[:3], v.shape[3], dtype=q.dtype),
                torch.zeros(q.shape[:3]))

    def backward(self, dout, q, k, v, out, lse, causal, scale, mask):
        self._record(q, k, v, causal, scale, mask)
        return torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)


def run_strategy(c, op, rank, world, device):
    """This rank's (out, lse, dq, dk, dv) of case `c`."""
    q, k, v, dout = inputs(c, "cpu" if device == "cpu" else device)
    if c["strategy"] == "cp":
        return run_context_parallel(c, op, world, device, q, k, v, dout)
    layout = c["layout"]
    lq, lk, lv = (fd.shard(t, rank, world, layout).requires_grad_() for t in (q, k, v))
    kw = dict(causal=c["causal"], op=op, return_lse=True)
    if c["strategy"] == "torch":
        out, lse = fd.torch_ring_attention(lq, lk, lv, **kw)
    else:
        fn = fd.ulysses_attention if c["strategy"] == "ulysses" else fd.ring_attention
        out, lse = fn(lq, lk, lv, layout=layout, mask_mod=mask_mod(c), **kw)
    grads = torch.autograd.grad(out, (lq, lk, lv), fd.shard(dout, rank, world, layout))
    return [t.detach() for t in (out, lse, *grads)]


_meshes = {}


def run_context_parallel(c, op, world, device, q, k, v, dout):
    """This rank's (out, lse, dq, dk, dv) of flashattn_mlir.attention() in a
    model under PyTorch's context_parallel() (its head-tail load balancing,
    the zigzag layout; "contiguous": with it off): the ops' context-parallel
    handler runs our ring with block op `op`. Checks the private PyTorch
    API it uses first (this torch, the GPU machine's)."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor.experimental._context_parallel import _attention as cpa
    from flashattn_mlir.distributed import context_parallel as fcp
    fcp.check_private_api()
    kind = torch.device(device).type
    if (kind, world) not in _meshes:
        _meshes[kind, world] = init_device_mesh(kind, (world,))
    saved = cpa._cp_options.enable_load_balance
    cpa._cp_options.enable_load_balance = c["layout"] == "zigzag"
    try:
        bufs = [t.clone() for t in (q, k, v, dout)]
        with cpa.context_parallel(_meshes[kind, world], buffers=bufs,
                                  buffer_seq_dims=[2] * 4), fcp.block_op(op):
            lq, lk, lv = (b.detach().clone().requires_grad_() for b in bufs[:3])
            out, lse = fa.attention(lq, lk, lv, causal=c["causal"], return_lse=True)
            grads = torch.autograd.grad(out, (lq, lk, lv), bufs[3])
    finally:
        cpa._cp_options.enable_load_balance = saved
    return [t.detach() for t in (out, lse, *grads)]


def rank_main(rank, world, init_file, work, mode, names):
    """One rank: its stdout, stderr and faulthandler's dumps go to
    WORK/rank<r>.log, what it starts and ends to WORK/rank<r>.progress
    (the supervisor reads both); each case (and the barrier after it) must
    end within CASE_TIMEOUT s, else faulthandler dumps every thread's stack
    and the rank exits."""
    log = open(os.path.join(work, f"rank{rank}.log"), "a", buffering=1)
    os.dup2(log.fileno(), 1)   # the C side's messages (CUDA, gloo) too
    os.dup2(log.fileno(), 2)
    faulthandler.enable(file=log, all_threads=True)
    progress = open(os.path.join(work, f"rank{rank}.progress"), "a", buffering=1)

    def note(what):
        line = f"{time.time():.3f} {what}"
        progress.write(line + "\n")
        print(f"[rank {rank}/{world} pid {os.getpid()}] {line}", flush=True)

    # PyTorch's ring (the torch-* cases) imports torch._dynamo lazily, in
    # its first all-gather's custom op; on the H200 two ranks died with
    # SIGSEGV inside that import, while gloo's threads ran (session 8,
    # docs/results/2026-12-05-session8-checks). Import it here, before any
    # other thread starts.
    import torch._dynamo  # noqa: F401
    device = "cpu" if mode == "record" or DRY else "cuda:0"
    note(f"up: torch {torch.__version__}, device {device}, "
         f"FA_RUNTIME_LIB={os.environ.get('FA_RUNTIME_LIB')}")
    if device.startswith("cuda"):
        # torch makes the primary context current first; the runtime's
        # faRtInit then retains the same one.
        torch.cuda.set_device(0)
        torch.zeros(1, device=device)
        note("cuda ready")
    faulthandler.dump_traceback_later(CASE_TIMEOUT, exit=True, file=log)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world,
                            timeout=datetime.timedelta(seconds=CASE_TIMEOUT))
    faulthandler.cancel_dump_traceback_later()
    note("group ready")
    recorder = RecordingOp()
    for c in cases():
        if c["world"] != world or c["name"] not in names:
            continue
        op = recorder if mode == "record" else fd.ReferenceOp() if DRY else fd.KernelOp()
        note(f"start {c['name']}")
        faulthandler.dump_traceback_later(CASE_TIMEOUT, exit=True, file=log)
        try:
            _inject(c["name"], rank)
            result = run_strategy(c, op, rank, world, device)
            if mode == "run":
                torch.save([t.cpu() for t in result],
                           os.path.join(work, f"{c['name']}.rank{rank}.pt"))
        except Exception:  # noqa: BLE001 - reported as the case's ERROR
            with open(os.path.join(work, f"{c['name']}.rank{rank}.error"), "w") as f:
                f.write(traceback.format_exc())
            note(f"error {c['name']}")
            # The other ranks may wait for this one in the ring: end them
            # all; the supervisor goes on with the next case.
            os._exit(3)
        dist.barrier()
        faulthandler.cancel_dump_traceback_later()
        note(f"done {c['name']}")
    if mode == "record":
        with open(os.path.join(work, f"calls.w{world}.rank{rank}.json"), "w") as f:
            json.dump(sorted(recorder.calls), f)
    dist.destroy_process_group()
    note("exit")
    _inject("@exit", rank)
    # The results are on disk: skip the interpreter's teardown (CUDA, gloo
    # and autograd threads ending in some order), where a crash would hide
    # them all.
    log.flush()
    progress.flush()
    os._exit(0)


def _inject(name, rank):
    """FA_DIST_INJECT=CASE:RANK:FAULT[,...] (FAULT segv, hang or raise;
    CASE @exit: after the last case): makes that rank fail that way there,
    for the tests of the supervisor (python/tests/test_one_gpu_check.py)."""
    for spec in filter(None, os.environ.get("FA_DIST_INJECT", "").split(",")):
        case_name, at, fault = spec.split(":")
        if case_name != name or int(at) != rank:
            continue
        if fault == "segv":
            ctypes.string_at(0)
        elif fault == "hang":
            time.sleep(10 * CASE_TIMEOUT)
        raise RuntimeError(f"injected into {name} on rank {rank}")


def _progress(work, world):
    """Per rank, the progress lines' last words: [(event, case or "")]."""
    ranks = []
    for r in range(world):
        path = os.path.join(work, f"rank{r}.progress")
        lines = open(path).read().split("\n") if os.path.exists(path) else []
        ranks.append([tuple((line.split(" ", 2)[1:] + [""])[:2])
                      for line in lines if line.strip()])
    return ranks


def _exit_text(code):
    if code is not None and code < 0:
        try:
            return f"died with {signal.Signals(-code).name}"
        except ValueError:
            return f"died with signal {-code}"
    return f"exited with status {code}"


def _supervise(ctx, world, work, deadline):
    """Waits for the ranks of `ctx`; None when all ended well, else why not
    (the ranks still alive are killed). A rank that stops writing progress
    for CASE_TIMEOUT + 30 s (its own timer failed) is killed too."""
    last, seen = time.monotonic(), None
    while True:
        try:
            if ctx.join(timeout=1):
                return None
        except mp.ProcessExitedException as e:
            return f"rank {e.error_index} {_exit_text(e.exit_code)}"
        except mp.ProcessRaisedException as e:
            return f"rank {e.error_index} raised: {e}"
        now = _progress(work, world)
        if now != seen:
            last, seen = time.monotonic(), now
        stalled = time.monotonic() - last > CASE_TIMEOUT + 30
        if stalled or time.monotonic() > deadline:
            for p in ctx.processes:
                if p.is_alive():
                    p.kill()
            return ("no progress for %d s" % (CASE_TIMEOUT + 30) if stalled
                    else "the check's time budget ran out")


def _tail(path, lines=40):
    if not os.path.exists(path):
        return "(no log)"
    return "\n".join(open(path, errors="replace").read().splitlines()[-lines:])


def run_world(world, names, work, mode, deadline):
    """Runs the cases `names` of world size `world`, each rank a spawned
    process; after a rank dies or hangs, the case it was in is reported and
    the remaining cases run in fresh processes. Returns {case: (status,
    detail)} for the cases that did not end normally (CRASH, TIMEOUT, NOT
    RUN); the others left .pt or .error files in `work`."""
    remaining = [c["name"] for c in cases() if c["world"] == world and c["name"] in names]
    failed, attempt = {}, 0
    while remaining:
        if time.monotonic() > deadline:
            failed.update({n: ("NOT RUN", "the check's time budget ran out")
                           for n in remaining})
            break
        attempt += 1
        sub = os.path.join(work, f"w{world}.attempt{attempt}")
        os.makedirs(sub)
        init = os.path.join(sub, "init")
        ctx = mp.start_processes(rank_main, args=(world, init, sub, mode, remaining),
                                 nprocs=world, join=False, start_method="spawn")
        why = _supervise(ctx, world, sub, deadline)
        for f in os.listdir(sub):  # results, errors, recorded calls: to `work`
            if not (f.startswith("rank") or f == "init"):
                os.replace(os.path.join(sub, f), os.path.join(work, f))
        progress = _progress(sub, world)
        ended = set.intersection(*({case for event, case in rank if event == "done"}
                                   for rank in progress))
        if why is None:
            break
        started = [case for rank in progress for event, case in rank if event == "start"]
        current = next((n for n in reversed(started) if n not in ended), None)
        logs = "\n".join(f"--- rank {r} log (last lines; {sub}/rank{r}.log)\n"
                         + _tail(os.path.join(sub, f"rank{r}.log"))
                         for r in range(world))
        status = "TIMEOUT" if "progress" in why or "Timeout (" in logs else "CRASH"
        if current is None and set(remaining) <= ended:
            print(f"WARNING world {world}: {why} after its last case (the "
                  f"results are kept)\n{logs}", flush=True)
            break
        if current is None:
            # Before the first case (start-up, CUDA, the process group): the
            # same would happen again.
            failed.update({n: (status, f"before any case: {why}\n{logs}")
                           for n in remaining})
            break
        raised = any(f.startswith(current + ".rank") and f.endswith(".error")
                     for f in os.listdir(work))
        # A rank that raised exits (status 3): an ERROR, whose tracebacks
        # check_one() prints. A signal or a timeout wins over the errors the
        # other ranks then get from the broken ring.
        if status == "TIMEOUT" or "died with" in why or not raised:
            failed[current] = (status, f"{why}\n{logs}")
        remaining = [n for n in remaining if n not in ended and n != current]
    return failed


def spawn_all(mode, work, names, budget=None):
    """run_world() for each world size, smallest first, within `budget`
    seconds in all; {case: (status, detail)} as run_world's."""
    deadline = time.monotonic() + (budget or BUDGET)
    failed = {}
    for world in sorted({c["world"] for c in cases() if c["name"] in names}):
        failed.update(run_world(world, names, work, mode, deadline))
    return failed


def single_gpu_calls(c):
    """The kernels single-GPU attention() on the whole sequence needs."""
    b, hq, hkv, n, d = c["b"], c["hq"], c["hkv"], c["n"], c["d"]
    mask = None if c["mask"] is None else [1, 1, n, n]
    return json.dumps([[b, hq, n, d], [b, hkv, n, d], [b, hkv, n, d],
                       {"bf16": "bfloat16", "f16": "float16"}[c["dtype"]],
                       c["causal"] and mask is None, 1.0 / math.sqrt(c["d"]), mask])


def stage(dest, target):
    names = {c["name"] for c in cases()}
    work = tempfile.mkdtemp(prefix="fa-dist-stage-")
    failed = spawn_all("record", work, names, budget=900)
    errors = sorted(f for f in os.listdir(work) if f.endswith(".error"))
    for f in errors:
        print(f"ERROR {f}: {open(os.path.join(work, f)).read()}")
    for name, (status, detail) in failed.items():
        print(f"{status} {name}: {detail}")
    if errors or failed:
        sys.exit(1)
    calls = {single_gpu_calls(c) for c in cases()}
    recorded = [f for f in os.listdir(work) if f.startswith("calls.")]
    ranks = sum(world for world in {c["world"] for c in cases()})
    if len(recorded) != ranks:
        sys.exit(f"stage: {len(recorded)} ranks recorded their calls, not {ranks}")
    for f in recorded:
        calls.update(json.load(open(os.path.join(work, f))))
    kernels = os.path.join(dest, "kernels")
    shutil.rmtree(kernels, ignore_errors=True)
    os.makedirs(kernels)
    for call in sorted(calls):
        qs, ks, vs, dtype, causal, scale, mask_shape = json.loads(call)
        mask = None if mask_shape is None else "bool"
        kw = dict(dtype=dtype, causal=causal, scale=scale, mask=mask,
                  mask_shape=mask_shape, target=target)
        fwd = fa.compile(qs, ks, vs, lse=True, **kw)
        fwd.save(kernels, fwd.name)
        bwd = fa.compile_backward(qs, ks, vs, **kw)
        bwd.save(kernels, bwd.name)
    print(f"one_gpu_check: {2 * len(calls)} kernels in {kernels}")
    _copy_tree(dest)


def _copy_tree(dest):
    """The package, the runtime sources, this script and run.sh."""
    from _stage import copy_tree
    copy_tree(dest, os.path.abspath(__file__))
    shutil.copy(os.path.join(HERE, "run.sh.in"), os.path.join(dest, "run.sh"))
    os.chmod(os.path.join(dest, "run.sh"), 0o755)


def attention_math(q, k, v, keep, dtype):
    """Textbook attention in `dtype` with autograd (a row that sees no key
    gives 0): (out, lse, function of dout -> grads); the lse in f32 below
    float64."""
    q, k, v = (t.detach().to(dtype).requires_grad_() for t in (q, k, v))
    lse_dtype = torch.float64 if dtype == torch.float64 else torch.float32
    g = q.shape[1] // k.shape[1]
    s = q @ k.repeat_interleave(g, 1).transpose(-1, -2) * (1.0 / math.sqrt(q.shape[-1]))
    if keep is None:
        p = torch.softmax(s.float(), -1).to(dtype)
        lse = torch.logsumexp(s.detach().to(lse_dtype), -1)
    else:
        row = keep.any(-1, keepdim=True)
        masked = s.masked_fill(~keep, float("-inf"))
        p = (torch.softmax(masked.masked_fill(~row, 0.0).float(), -1) * row).to(dtype)
        lse = torch.logsumexp(masked.detach().to(lse_dtype), -1)
    out = p @ v.repeat_interleave(g, 1)
    return out, lse, lambda dout: torch.autograd.grad(out, (q, k, v), dout.to(dtype))


def check_case(c, got):
    """A row per quantity: (name, error, bound, pass)."""
    q, k, v, dout = inputs(c, DEVICE)
    keep = full_keep(c, DEVICE)
    ref_out, ref_lse, ref_grad = attention_math(q, k, v, keep, torch.float64)
    nv_out, _, nv_grad = attention_math(q, k, v, keep, q.dtype)
    nv_lse = attention_math(q, k, v, keep, torch.float32)[1]   # the lse's precision
    refs = [ref_out, ref_lse, *ref_grad(dout)]
    naive = [nv_out, nv_lse, *nv_grad(dout)]
    rows = []
    for name, x, ref, nv in zip(("out", "lse", "dq", "dk", "dv"), got, refs, naive):
        x = x.to(DEVICE).double()
        if name == "lse":
            inf = torch.isinf(ref)
            same_inf = torch.equal(inf, torch.isinf(x))
            fin = ~inf
            err = (x[fin] - ref[fin]).abs().max().item() if fin.any() else 0.0
            bound = 2 * ((nv.double()[fin] - ref[fin]).abs().max().item()
                         if fin.any() else 0.0) + LSE_FLOOR
            rows.append((name, err, bound, same_inf and err <= bound))
            continue
        err = (x - ref).abs().max().item()
        bound = 2 * (nv.double() - ref).abs().max().item() + FLOOR[c["dtype"]]
        rows.append((name, err, bound, not torch.isnan(x).any().item() and err <= bound))
    return rows


def single_gpu(c):
    """fa.attention() on the whole sequence (its autograd): out and grads."""
    q, k, v, dout = inputs(c, DEVICE)
    q, k, v = (t.requires_grad_() for t in (q, k, v))
    keep = full_keep(c, DEVICE)
    if c["mask"] is None:
        out = fa.attention(q, k, v, causal=c["causal"])
    else:
        out = fa.attention(q, k, v, attn_mask=keep.reshape(1, 1, *keep.shape))
    return [out.detach(), *torch.autograd.grad(out, (q, k, v), dout)]


def selected(only=None):
    """The cases whose names contain one of `only`'s comma-separated parts
    (all without)."""
    parts = [p for p in (only or "").split(",") if p]
    return [c for c in cases() if not parts or any(p in c["name"] for p in parts)]


def run(directory, logs=None, only=None):
    """Runs the cases (those matching `only`), checks them, prints a line
    per case (PASS, FAIL, ERROR, CRASH, TIMEOUT, NOT RUN) and, for each
    that did not pass, what its ranks said; copies every rank's log into
    `logs`. Returns the exit status (0 iff all pass)."""
    os.environ["FLASHATTN_MLIR_KERNELS"] = os.path.abspath(directory)
    card = "CPU dry run" if DRY else torch.cuda.get_device_name()
    print(f"card: {card}, torch {torch.__version__}; case timeout {CASE_TIMEOUT:g} s, "
          f"budget {BUDGET:g} s", flush=True)
    work = tempfile.mkdtemp(prefix="fa-dist-run-")
    todo = selected(only)
    failed = spawn_all("run", work, {c["name"] for c in todo})
    if logs:
        for sub in sorted(os.listdir(work)):
            if os.path.isdir(os.path.join(work, sub)):
                shutil.copytree(os.path.join(work, sub), os.path.join(logs, sub),
                                dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.pt", "init"))
    bad = 0
    for c in todo:
        ok = check_one(c, work, failed.get(c["name"]))
        bad += not ok
    print(f"{len(todo) - bad} of {len(todo)} cases pass")
    return 1 if bad else 0


def check_one(c, work, failure):
    """Prints case `c`'s line (and what went wrong); True iff it passes."""
    name = c["name"]
    if failure is not None:
        print(f"{failure[0]} {name}: {failure[1]}", flush=True)
        return False
    errors = sorted(f for f in os.listdir(work)
                    if f.startswith(name + ".rank") and f.endswith(".error"))
    if errors:
        print(f"ERROR {name}: " + "".join(
            f"\n--- {f}\n{open(os.path.join(work, f)).read()}" for f in errors),
            flush=True)
        return False
    parts = [torch.load(os.path.join(work, f"{name}.rank{r}.pt"))
             for r in range(c["world"])]
    got = [fd.unshard([p[i] for p in parts], c["layout"]) for i in range(5)]
    rows = check_case(c, got)
    try:
        if DRY:
            raise RuntimeError("skipped in a dry run")
        single = single_gpu(c)
        vs_single = max((g.to(DEVICE).double() - s.double()).abs().max().item()
                        for g, s in zip([got[0], *got[2:]], single))
    except Exception as e:  # noqa: BLE001 - printed, not a failure of the ring
        vs_single = f"{type(e).__name__}: {e}"
    ok = all(r[3] for r in rows)
    print(f"{'PASS' if ok else 'FAIL'} {name}: "
          + ", ".join(f"{n} {e:.3g} (<= {b:.3g})" for n, e, b, _ in rows)
          + f"; max |distributed - single GPU| {vs_single}", flush=True)
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stage")
    s.add_argument("dest")
    s.add_argument("--target", default="h100")
    r = sub.add_parser("run")
    r.add_argument("directory")
    r.add_argument("--logs", help="copy every rank's log and progress here")
    r.add_argument("--only", help="the cases whose names contain one of these "
                                  "(comma-separated)")
    sub.add_parser("list")
    a = p.parse_args()
    if a.cmd == "stage":
        stage(a.dest, a.target)
    elif a.cmd == "list":
        print("\n".join(c["name"] for c in cases()))
    else:
        sys.exit(run(a.directory, a.logs, a.only))


if __name__ == "__main__":
    main()
