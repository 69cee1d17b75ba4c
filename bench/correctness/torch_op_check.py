#!/usr/bin/env python3
"""The torch custom op on the GPU (issue 23, item 1): torch.compile with
fullgraph=True (inductor) and CUDA-graph capture, forward and backward,
against eager attention(). NOT YET RUN ON A GPU (written in a session
without one); python/tests/test_torch_op.py checks the same on the CPU
with a fake runtime, CUDA graphs excepted.

  stage DEST   (build machine) compiles the cases' kernels into DEST/kernels
               (flashattn_mlir.aot), stages the package and runtime
               (bench/stage.py), writes DEST/run_torch_op.sh.
  run          (GPU machine) for each case: eager outputs and gradients
               (q, k, v, and a bias's), then (1) torch.compile(fullgraph=True)
               of the same function, (2) the function captured in a CUDA
               graph (torch.cuda.graph) and replayed on new inputs copied
               into the captured ones, (3) torch.compile(mode=
               "reduce-overhead"); each must equal eager bit for bit (the
               same kernels on the same inputs) or, for inductor's fused
               code around the op, within 1e-2 (bf16). Exit 0 iff all pass.

  python3 bench/correctness/torch_op_check.py stage .stage-torch-op   # here
  bash .stage-torch-op/run_torch_op.sh                                # GPU
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(HERE))

# (name, q shape, kv shape, causal, bias shape or None)
CASES = [("causal_gqa", (2, 8, 256, 64), (2, 2, 256, 64), True, None),
         ("bias_grad", (1, 4, 200, 128), (1, 4, 200, 128), False, (1, 4, 1, 200))]


def calls():
    out = []
    for _, q, kv, causal, bias in CASES:
        out.append({"q": list(q), "k": list(kv), "v": list(kv), "dtype": "bf16",
                    "causal": causal, "mask": "bias" if bias else None,
                    "mask_shape": list(bias) if bias else None,
                    "backward": {"bias_grad": bool(bias), "deterministic": False}})
    return out


def run_case(torch, fa, case):
    """[(check, ok, detail)] for one case."""
    name, qs, kvs, causal, bias_shape = case
    gen = torch.Generator(device="cuda").manual_seed(0)

    def draw(shape):
        return torch.randn(shape, device="cuda", dtype=torch.bfloat16, generator=gen)

    inputs = [draw(qs), draw(kvs), draw(kvs)] + ([draw(bias_shape)] if bias_shape else [])
    grad_out = draw(qs)

    def forward(*xs):
        bias = xs[3] if len(xs) > 3 else None
        return fa.attention(xs[0], xs[1], xs[2], causal=causal, attn_mask=bias)

    def with_grads(fn):
        """fn's output and the gradients of its inputs (autograd.grad runs
        outside the compiled function: dynamo does not trace it)."""
        def step(*xs):
            out = fn(*xs)
            return (out,) + torch.autograd.grad(out, xs, grad_out)
        return step

    step = with_grads(forward)

    def fresh(values):
        return [x.detach().clone().requires_grad_() for x in values]

    want = step(*fresh(inputs))
    results = []

    def compare(check, got, exact):
        worst = max((a.float() - b.float()).abs().max().item() for a, b in zip(got, want))
        ok = worst == 0 if exact else worst <= 1e-2
        results.append((f"{name}: {check}", ok, f"max |diff| {worst:.3g}"))

    compare("torch.compile(fullgraph=True)",
            with_grads(torch.compile(forward, fullgraph=True))(*fresh(inputs)),
            exact=False)
    # CUDA graph: capture on static inputs (after a warm-up on a side stream,
    # as torch documents), then replay on new values copied in.
    static = fresh([torch.zeros_like(x) for x in inputs])
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        step(*static)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        captured = step(*static)
    with torch.no_grad():
        for s, x in zip(static, inputs):
            s.copy_(x)
    graph.replay()
    torch.cuda.synchronize()
    compare("CUDA graph replay", captured, exact=True)
    compare("torch.compile(mode='reduce-overhead')",
            with_grads(torch.compile(forward, mode="reduce-overhead",
                                     fullgraph=True))(*fresh(inputs)),
            exact=False)
    return results


def run(args):
    import stage as staging
    return staging.run_checks(CASES, run_case)


def stage(args):
    import stage as staging
    return staging.stage_with_bundle(
        args.dest, calls(), args.target, ["correctness/torch_op_check.py"],
        "torch_op", "check the custom op under torch.compile and CUDA graphs",
        "python3 bench/correctness/torch_op_check.py run")


def main():
    import stage as staging
    return staging.stage_or_run(__doc__, stage, run)


if __name__ == "__main__":
    sys.exit(main())
