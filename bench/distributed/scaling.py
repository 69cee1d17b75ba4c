#!/usr/bin/env python3
"""Multi-GPU scaling of flashattn_mlir.distributed.ring_attention (issue
28, item 4): 128k to 1M tokens, D = 128, causal, bf16, zigzag layout,
forward and forward + backward, against PyTorch's context_parallel() with
its cuDNN SDPA backend on the same shapes, and flashattn_mlir.attention()
inside context_parallel() (the ops' handler: our ring). NOT RUN: written in a session
without multi-GPU machines; a later session with several H200s runs it.

  stage DEST [--worlds 1 2 4 8] [--tokens ...]   (build machine)
        compiles the kernels every rank calls (each ring step's shapes,
        forward with lse and backward) into DEST/kernels and copies the
        package, the runtime sources and this script.
  run DIR [--tokens ...] [--heads 16]             (under torchrun, NCCL)
        per sequence length: median time of our ring, of
        context_parallel() + cuDNN and of attention() under
        context_parallel(), forward and forward + backward,
        printed by rank 0 as one JSON line per measurement (world, tokens,
        impl, pass, ms, tokens per second per GPU).

On the GPU host, NVLink multicast off (it can take a shared host's GPUs
out of service; `run` refuses to start without these):

  export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
  cd DEST && bash build_runtime.sh
  for W in 1 2 4 8; do
    FA_RUNTIME_LIB=$PWD/libfa_runtime.so PYTHONPATH=$PWD/python \
      torchrun --standalone --nproc-per-node $W bench/distributed/scaling.py run kernels
  done

Ideal linear scaling: the time per token at W GPUs is 1/W of one GPU's
at the same length (issue 28 asks for within 1.15x of it).
"""

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

import flashattn_mlir as fa  # noqa: E402
from flashattn_mlir import distributed as fd  # noqa: E402
from flashattn_mlir.distributed import _layout  # noqa: E402

BUILD_RUNTIME = """#!/usr/bin/env bash
# Builds DEST/libfa_runtime.so on the GPU machine (CUDA driver API).
set -euo pipefail
cd "$(dirname "$0")"
CUDA=${CUDA_HOME:-/usr/local/cuda}
g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include -I"$CUDA/include" \\
  runtime/lib/Json.cpp runtime/lib/Runtime.cpp \\
  -L"$CUDA/lib64/stubs" -L"$CUDA/lib64" -lcuda -o libfa_runtime.so
"""
TOKENS = (131072, 262144, 524288, 1048576)
D, HEADS = 128, 16


def ring_kernels(world, tokens, heads):
    """(q_shape, k_shape, causal) of every block op call of the causal
    zigzag ring: the step plans of every rank and source."""
    n = tokens // world
    shapes = set()
    for rank in range(world):
        for source in range(world):
            plan = _layout.step_plan(rank, source, world, True, "zigzag")
            if plan is not None:
                qp, kp, causal = plan
                nq = n if qp == _layout.ALL else n // 2
                nk = n if kp == _layout.ALL else n // 2
                shapes.add(((1, heads, nq, D), (1, heads, nk, D), causal))
    return shapes


def stage(dest, worlds, tokens, heads, target):
    kernels = os.path.join(dest, "kernels")
    os.makedirs(kernels, exist_ok=True)
    shapes = set()
    for w in worlds:
        for t in tokens:
            shapes |= ring_kernels(w, t, heads)
    for qs, ks, causal in sorted(shapes):
        kw = dict(dtype="bf16", causal=causal, target=target)
        fwd = fa.compile(qs, ks, ks, lse=True, **kw)
        fwd.save(kernels, fwd.name)
        bwd = fa.compile_backward(qs, ks, ks, **kw)
        bwd.save(kernels, bwd.name)
    from _stage import copy_tree
    copy_tree(dest, os.path.abspath(__file__))
    with open(os.path.join(dest, "build_runtime.sh"), "w") as f:
        f.write(BUILD_RUNTIME)
    print(f"scaling: {2 * len(shapes)} kernels in {kernels}")


def timed(fn, repeat=5):
    """Median milliseconds of fn() over `repeat` runs after one warm-up,
    every rank in step (a barrier before each run)."""
    fn()
    times = []
    for _ in range(repeat):
        dist.barrier()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def measure(tokens, heads, world):
    """{(impl, pass): ms} at `tokens`: our ring, context_parallel() with
    cuDNN SDPA and with our op (timed inside the context: sharding not
    counted). The forward alone runs under no_grad."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor.experimental import context_parallel
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F

    n = tokens // world
    q, k, v = (torch.randn(1, heads, n, D, device="cuda", dtype=torch.bfloat16,
                           requires_grad=True) for _ in range(3))
    dout = torch.randn_like(q)
    result = {}

    def time_both(impl, attend):
        with torch.no_grad():
            result[(impl, "fwd")] = timed(attend)
        result[(impl, "fwd+bwd")] = timed(lambda: attend().backward(dout))

    time_both("ours", lambda: fd.ring_attention(q, k, v, causal=True))
    mesh = init_device_mesh("cuda", (world,))
    full = [torch.randn(1, heads, tokens, D, device="cuda", dtype=torch.bfloat16)
            for _ in range(3)]
    with sdpa_kernel(SDPBackend.CUDNN_ATTENTION), \
            context_parallel(mesh, buffers=full, buffer_seq_dims=[2, 2, 2]):
        cq, ck, cv = (t.detach().requires_grad_() for t in full)
        time_both("cudnn-cp", lambda: F.scaled_dot_product_attention(
            cq, ck, cv, is_causal=True))
        # A model's flashattn_mlir.attention() there: the ops' handler, our
        # ring (the same kernels as "ours").
        time_both("ours-cp", lambda: fa.attention(cq, ck, cv, causal=True))
    return result


MULTICAST_OFF = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1",
                 "NVSHMEM_DISABLE_NVLS": "1"}


def run(directory, tokens, heads):
    unset = [f"{k}={v}" for k, v in MULTICAST_OFF.items() if os.environ.get(k) != v]
    if unset:
        sys.exit(f"scaling: set {' '.join(unset)} first (NVLink multicast off)")
    os.environ["FLASHATTN_MLIR_KERNELS"] = os.path.abspath(directory)
    dist.init_process_group("nccl")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", rank)))
    for t in tokens:
        for (impl, kind), ms in measure(t, heads, world).items():
            if rank == 0:
                print(json.dumps({"world": world, "tokens": t, "heads": heads, "d": D,
                                  "impl": impl, "pass": kind, "ms": ms,
                                  "tokens_per_s_per_gpu": t / (ms / 1e3) / world,
                                  "card": torch.cuda.get_device_name()}), flush=True)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stage")
    s.add_argument("dest")
    s.add_argument("--worlds", type=int, nargs="+", default=[1, 2, 4, 8])
    s.add_argument("--target", default="h100")
    r = sub.add_parser("run")
    r.add_argument("directory")
    for x in (s, r):
        x.add_argument("--tokens", type=int, nargs="+", default=list(TOKENS))
        x.add_argument("--heads", type=int, default=HEADS)
    a = p.parse_args()
    if a.cmd == "stage":
        stage(a.dest, a.worlds, a.tokens, a.heads, a.target)
    else:
        run(a.directory, a.tokens, a.heads)


if __name__ == "__main__":
    main()
