"""Ahead-of-time kernel bundles (docs/Training.md, "Kernels ahead of time"):
the kernels a model uses, compiled on the build machine (which has the
compiler) into one folder that a GPU machine without LLVM loads.

1. The shapes: a list of calls (a JSON list of `call` dicts, below), written
   by hand or recorded: inside `with record() as calls:` attention() on
   torch tensors does not launch anything; it notes each call and computes
   the result with torch operations (the same math as the kernels: a row
   that sees no key gives 0) on the tensors' device, so a model can run one
   step on the CPU or on the `meta` device (no memory, no arithmetic).
2. `compile_bundle(calls, folder)` (or `python -m flashattn_mlir.aot
   compile CALLS.json FOLDER`) compiles each call's forward kernel and, for
   a training call, its backward, saves them in `folder` with bundle.json.
3. On the GPU machine: `flashattn_mlir.load_dir(folder)`, or
   FLASHATTN_MLIR_KERNELS=folder before the first attention() call.

A call: {"q": [B, Hq, Nq, D], "k": [B, Hkv, Nk, D], "v": [B, Hkv, Nk, Dv],
"dtype": "bf16", "causal": false, "scale": null (1/sqrt(D)) or a number,
"mask": null, "bias" or "bool", "mask_shape": null or [4 sizes], "lse":
false, "backward": null or {"bias_grad": false, "deterministic": false}}.
A call with "backward" runs the forward with the logsumexp ("lse" is then
true whatever it says). A call on strided q, k, v (transformers' views)
records "caller_strides": true in its "backward"; the bundle then also
holds the caller-strides backward where the compiler has the option
(D128).
"""

import argparse
import contextlib
import json
import math
import os
import sys

from . import _checks, runtime
from .backward import compile_backward
from .compiler import compile as compile_forward

_recording = []  # the active record()'s list (a stack: nested records)


@contextlib.contextmanager
def record(path=None):
    """Records attention()'s calls on torch tensors instead of running
    kernels (see the module's text); yields the list of calls (dicts, each
    once), written to `path` as JSON on exit when given."""
    if path is not None:
        path = _checks.path("path", path)
    calls = []
    _recording.append(calls)
    try:
        yield calls
    finally:
        _recording.pop()
        if path is not None:
            with open(path, "w") as f:
                json.dump(calls, f, indent=1)
                f.write("\n")


def recording():
    """The list the innermost record() fills, or None."""
    return _recording[-1] if _recording else None


def note(calls, q, k, v, mask, causal, scale, lse, grad, bias_grad,
         deterministic, window=None, block_mask=None, mask_pattern=None):
    """Adds attention()'s call (autograd.forward's arguments) to `calls`
    unless it is there."""
    call = {"q": list(q.shape), "k": list(k.shape), "v": list(v.shape),
            "dtype": {"torch.bfloat16": "bf16", "torch.float16": "f16",
                      "torch.float32": "f32"}.get(str(q.dtype), str(q.dtype)),
            "causal": causal != "none", "scale": scale,
            "mask": None if mask is None else
            ("bool" if str(mask.dtype) == "torch.bool" else "bias"),
            "mask_shape": None if mask is None else list(mask.shape),
            "lse": bool(lse or grad),
            "backward": {"bias_grad": bias_grad, "deterministic": deterministic}
            if grad else None}
    if grad and not (q.is_contiguous() and k.is_contiguous() and v.is_contiguous()):
        # Strided q, k, v (transformers' views): the backward asks for the
        # caller-strides variant (D128); only such a call has the key.
        call["backward"]["caller_strides"] = True
    if window is not None:  # only a windowed call has the key
        call["window"] = list(window)
    if block_mask is not None:  # likewise: [block_q, block_kv, shape]
        call["block_mask"] = list(block_mask.config(q.shape, k.shape))
    if mask_pattern is not None:  # likewise: [chunk, global, butterfly]
        call["mask_pattern"] = list(mask_pattern)
    if call not in calls:
        calls.append(call)


def reference(q, k, v, mask, causal, scale, window=None, block_mask=None,
              mask_pattern=None):
    """attention's math with torch operations in float32 on the inputs'
    device (CPU, meta): (out in q's dtype, lse f32). `causal`: 'none',
    'top_left' or 'bottom_right' (the same for Nq == Nk); `window`: (left,
    right) of a sliding window, bottom-right aligned, or None; `block_mask`:
    a BlockMask or None; `mask_pattern`: [chunk, global, butterfly] or
    None (with it, the window is the pattern's local part)."""
    import torch
    g = q.shape[1] // k.shape[1]
    kk = k.float().repeat_interleave(g, 1)
    vv = v.float().repeat_interleave(g, 1)
    s = (q.float() @ kk.transpose(-1, -2)) * (
        1.0 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if mask is not None:
        s = (s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool
             else s + mask.float())
    if causal != "none":
        nq, nk = q.shape[2], k.shape[2]
        i = torch.arange(nq, device=q.device)[:, None]
        j = torch.arange(nk, device=q.device)[None, :]
        s = s.masked_fill(j > i + nk - nq, float("-inf"))
    if mask_pattern is not None:
        from .mask_pattern import MaskPattern
        nq, nk = q.shape[2], k.shape[2]
        i = torch.arange(nq, device=q.device)[:, None]
        j = torch.arange(nk, device=q.device)[None, :]
        keep = MaskPattern(*mask_pattern).keeps(i, j, nq, nk, window=window)
        s = s.masked_fill(~keep, float("-inf"))
    elif window is not None:
        nq, nk = q.shape[2], k.shape[2]
        i = torch.arange(nq, device=q.device)[:, None] + nk - nq
        j = torch.arange(nk, device=q.device)[None, :]
        s = s.masked_fill((j < i - window[0]) | (j > i + window[1]),
                          float("-inf"))
    if block_mask is not None:
        keep = block_mask.to_dense(q.shape[2], k.shape[2]).to(s.device)
        s = s.masked_fill(~keep, float("-inf"))
    lse = torch.logsumexp(s, -1)
    seen = torch.isfinite(lse)[..., None]
    p = torch.where(seen, torch.exp(s - torch.where(seen, lse[..., None], 0.0)), 0.0)
    return (p @ vv).to(q.dtype), lse


def compile_bundle(calls, folder, target="h100", **overrides):
    """Compiles `calls` (record()'s list, or dicts as the module describes)
    into `folder`: each call's forward kernel and, with "backward", its
    backward kernel (Kernel.save), then folder/bundle.json (the calls and
    the kernels' names). Returns the kernels."""
    folder = _checks.path("folder", folder)
    if not isinstance(calls, list):
        raise TypeError(f"calls must be a list of calls, got {type(calls).__name__}")
    kernels, index = [], []
    for i, call in enumerate(calls):
        if not isinstance(call, dict) or not {"q", "k", "v"} <= set(call):
            raise ValueError(f"calls[{i}] is not a call (a dict with q, k, v, ...): "
                             f"{call!r}")
        unknown = set(call) - {"q", "k", "v", "dtype", "causal", "scale", "mask",
                               "mask_shape", "lse", "backward", "window",
                               "block_mask", "mask_pattern"}
        if unknown:
            raise ValueError(f"calls[{i}] has unknown keys {sorted(unknown)}")
        args = (call["q"], call["k"], call["v"], call.get("dtype", "bf16"),
                call.get("causal", False), call.get("scale"), call.get("mask"),
                call.get("mask_shape"))
        grad = call.get("backward")
        if grad is not None and not (isinstance(grad, dict) and set(grad) <= {
                "bias_grad", "deterministic", "caller_strides"}):
            raise ValueError(f"calls[{i}]['backward'] must be null or "
                             f"{{'bias_grad': ..., 'deterministic': ...[, "
                             f"'caller_strides': ...]}}, got {grad!r}")
        window, blocks = call.get("window"), call.get("block_mask")
        pattern = call.get("mask_pattern")
        made = [compile_forward(*args, lse=bool(call.get("lse")) or bool(grad),
                                target=target, window=window, block_mask=blocks,
                                mask_pattern=pattern, **overrides)]
        if grad:
            # Strided calls also get the caller-strides variant, where this
            # compiler has the option (D128); the plain kernel serves the
            # others, and those calls until then.
            variants = [{}] + ([runtime.CALLER_STRIDES] if grad.get("caller_strides")
                               and runtime.compiler_has_caller_strides() else [])
            made += [compile_backward(
                *args, bias_grad=grad.get("bias_grad", False),
                deterministic=grad.get("deterministic", False), target=target,
                window=window, block_mask=blocks, mask_pattern=pattern,
                **overrides, **variant) for variant in variants]
        for kernel in made:
            if kernel not in kernels:
                kernel.save(folder)
                kernels.append(kernel)
        index.append({"call": call, "kernels": [k.name for k in made]})
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump({"format": "flashattn-mlir-bundle", "target": target,
                   "calls": index}, f, indent=1)
        f.write("\n")
    return kernels


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m flashattn_mlir.aot",
        description="Compiles the kernels of a list of attention calls (JSON, "
                    "as flashattn_mlir.aot.record() writes) into a folder for "
                    "a GPU machine without the compiler.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="CALLS.json FOLDER")
    c.add_argument("calls")
    c.add_argument("folder")
    c.add_argument("--target", default="h100")
    args = p.parse_args(argv)
    with open(args.calls) as f:
        calls = json.load(f)
    kernels = compile_bundle(calls, args.folder, target=args.target)
    print(f"{len(kernels)} kernels for {len(calls)} calls in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
