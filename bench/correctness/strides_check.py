#!/usr/bin/env python3
"""Strided q, k, v on the GPU (D128, issue 23): the layouts transformers
and GPT-2 hand attention, forward against torch SDPA and forward and
backward against the same call on contiguous copies. NOT YET RUN ON A GPU
(written in a session without one); python/tests/test_strides.py checks
the launch plumbing on the CPU with a fake runtime.

  stage DEST   (build machine) compiles the cases' kernels into DEST/kernels
               (flashattn_mlir.aot), stages the package and runtime
               (bench/stage.py), writes DEST/run_strides.sh.
  run          (GPU machine) for each case (bf16; transformers' [B, N, H, D]
               projections seen as [B, H, N, D], strides (N*H*D, D, H*D, 1),
               and slices of GPT-2's fused QKV projection, (N*3*H*D, D,
               3*H*D, 1)):
               (1) the forward against SDPA in f32 on the same values: the
                   error at most 2x bf16 SDPA's (FlashAttention's
                   criterion) plus 1e-3;
               (2) the forward bit for bit against attention() on
                   contiguous copies (the same kernel: only the tensor
                   maps' strides differ), and O in q's order of dimensions
                   (out.transpose(1, 2) contiguous);
               (3) dq, dk, dv bit for bit against the contiguous copies'
                   (deterministic=True: dQ added in a fixed order).
               Exit 0 iff all pass.

  python3 bench/correctness/strides_check.py stage .stage-strides   # here
  bash .stage-strides/run_strides.sh                                # GPU, ~1 min
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(HERE))

# (layout, B, H, N, D, causal): BERT-large's and GPT-2 small's attention,
# and D = 128.
CASES = [("transformers", 16, 16, 512, 64, False),
         ("transformers", 2, 16, 1024, 128, True),
         ("gpt2", 16, 12, 1024, 64, True),
         ("gpt2", 2, 8, 2048, 128, False)]


def calls():
    return [{"q": [b, h, n, d], "k": [b, h, n, d], "v": [b, h, n, d], "dtype": "bf16",
             "causal": causal, "mask": None, "mask_shape": None,
             "backward": {"bias_grad": False, "deterministic": True,
                          # The strided calls' backward (D129's kernels)
                          # beside the contiguous copies' one.
                          "caller_strides": True}}
            for _, b, h, n, d, causal in CASES]


def views(torch, layout, b, h, n, d, gen):
    """(q, k, v as the layout's [B, H, N, D] views, their leaves)."""
    def draw(*shape):
        return torch.randn(shape, device="cuda", dtype=torch.bfloat16,
                           generator=gen).requires_grad_()
    if layout == "transformers":
        leaves = [draw(b, n, h, d) for _ in range(3)]
        return [x.transpose(1, 2) for x in leaves], leaves
    fused = draw(b, n, 3 * h * d)
    return [x.view(b, n, h, d).transpose(1, 2)
            for x in fused.split(h * d, dim=2)], [fused]


def run_case(torch, fa, case):
    """[(check, ok, detail)] for one case."""
    import torch.nn.functional as F
    layout, b, h, n, d, causal = case
    name = f"{layout} B{b} H{h} N{n} D{d}{' causal' if causal else ''}"
    gen = torch.Generator(device="cuda").manual_seed(0)
    (q, k, v), leaves = views(torch, layout, b, h, n, d, gen)
    results = []
    # Deterministic: the wgmma backward adds dQ in a fixed order then, so
    # the two backwards can be compared bit for bit.
    out = fa.attention(q, k, v, causal=causal, deterministic=True)
    dense = [x.detach().contiguous().requires_grad_() for x in (q, k, v)]
    out_dense = fa.attention(*dense, causal=causal, deterministic=True)
    ref = F.scaled_dot_product_attention(*(x.detach().float() for x in (q, k, v)),
                                         is_causal=causal)
    sdpa = F.scaled_dot_product_attention(*(x.detach() for x in (q, k, v)),
                                          is_causal=causal)
    err = (out.float() - ref).abs().max().item()
    bound = 2 * (sdpa.float() - ref).abs().max().item() + 1e-3
    results.append((f"{name}: forward against SDPA", err <= bound,
                    f"max |err| {err:.3g}, bound {bound:.3g}"))
    same = torch.equal(out, out_dense)
    # transformers' layout is dense: O keeps it (torch.empty_like).
    kept = layout != "transformers" or out.transpose(1, 2).is_contiguous()
    results.append((f"{name}: forward strided == contiguous", same and kept,
                    f"equal {same}, out strides {tuple(out.stride())}"))
    g = torch.randn(out.shape, device="cuda", dtype=out.dtype, generator=gen)
    got = torch.autograd.grad(out, (q, k, v), g)
    want = torch.autograd.grad(out_dense, dense, g)
    worst = max((a.float() - w.float()).abs().max().item() for a, w in zip(got, want))
    results.append((f"{name}: dq, dk, dv strided == contiguous", worst == 0,
                    f"max |diff| {worst:.3g}"))
    return results


def run(args):
    import stage as staging
    return staging.run_checks(CASES, run_case)


def stage(args):
    import stage as staging
    return staging.stage_with_bundle(
        args.dest, calls(), args.target, ["correctness/strides_check.py"],
        "strides", "check attention() on strided q, k, v",
        "python3 bench/correctness/strides_check.py run")


def main():
    import stage as staging
    return staging.stage_or_run(__doc__, stage, run)


if __name__ == "__main__":
    sys.exit(main())
