"""attention()'s autograd (docs/Python.md, "Training"): a
torch.autograd.Function whose forward runs the forward kernel with the
logsumexp and saves O and it, and whose backward runs the backward kernels
of compile_backward() (D, dK/dV, dQ, dBias). Imported only when torch
inputs require grad."""

import torch

from . import runtime


def wants_grad(tensors):
    """Whether attention() on `tensors` (q, k, v, attn_mask or None) must
    record a graph: torch's grad mode is on and one requires grad."""
    return torch.is_grad_enabled() and any(
        getattr(t, "requires_grad", False) for t in tensors)


def attention_with_grad(q, k, v, attn_mask, causal, scale, kernel, target,
                        return_lse, deterministic, config):
    """attention() when an input requires grad; `config` is the forward's
    (runtime.attention checked every argument). The backward's kernel is
    found (or compiled) here, before anything runs, so that its errors come
    first."""
    for name, t in (("q", q), ("k", k), ("v", v), ("attn_mask", attn_mask)):
        if t is not None and not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} is a {type(t).__name__}: with inputs that "
                            "require grad, q, k, v and attn_mask must be torch "
                            "tensors")
    bias_grad = (attn_mask is not None and attn_mask.dtype != torch.bool
                 and attn_mask.requires_grad)
    grad_kernel = runtime.find_grad_kernel(config, bias_grad, deterministic,
                                           target)
    out, lse = _Attention.apply(q, k, v, attn_mask,
                                (causal, scale, kernel, target, grad_kernel,
                                 config.get("window")))
    return (out, lse) if return_lse else out


class _Attention(torch.autograd.Function):
    """q, k, v, mask -> (out, lse); lse is not differentiable (a loss that
    uses it gets no gradient through it, as torch documents for outputs
    marked so)."""

    @staticmethod
    def forward(ctx, q, k, v, mask, how):
        causal, scale, kernel, target, grad_kernel, window = how
        # Grad mode is off in here: this is attention()'s plain path.
        out, lse = runtime.attention(q, k, v, causal=causal, scale=scale,
                                     kernel=kernel, attn_mask=mask,
                                     target=target, return_lse=True,
                                     window=window)
        ctx.mark_non_differentiable(lse)
        ctx.save_for_backward(q, k, v, mask, out, lse)
        ctx.grad_kernel = grad_kernel
        return out, lse

    @staticmethod
    @torch.autograd.function.once_differentiable  # no double backward
    def backward(ctx, dout, _dlse):
        q, k, v, mask, out, lse = ctx.saved_tensors
        if dout.dtype != out.dtype:
            raise TypeError(f"the gradient of out has dtype {dout.dtype}, out "
                            f"{out.dtype}")
        dq, dk, dv, dbias = run_backward(ctx.grad_kernel, q, k, v, out,
                                         dout.contiguous(), lse, mask)
        need = ctx.needs_input_grad
        return (dq if need[0] else None, dk if need[1] else None,
                dv if need[2] else None, dbias if need[3] else None, None)


def run_backward(kernel, q, k, v, out, dout, lse, mask):
    """Launches the backward `kernel` (compile_backward()'s) on torch
    tensors: (dq, dk, dv, dbias), dbias None unless the kernel computes it
    (in the mask's shape and dtype)."""
    grad = kernel.config["grad"]
    dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
    dbias = torch.empty_like(mask) if grad["bias_grad"] else None
    stream = runtime._torch_stream(q) if q.is_cuda else 0
    named = [("q", q), ("k", k), ("v", v), ("out", out), ("grad_out", dout),
             ("lse", lse)]
    if mask is not None:
        named.append(("attn_mask", mask))
    named += [("dq", dq), ("dk", dk), ("dv", dv)]
    if dbias is not None:
        named.append(("dbias", dbias))
    bufs = [runtime._Buf(n, t, dtypes=runtime._FLOATS + ("bool",), stream=stream)
            for n, t in named]
    runtime.launch(kernel, [(b.ptr, b.nbytes) for b in bufs],
                   [n for n, _ in named], bufs[0].device or 0, stream)
    return dq, dk, dv, dbias
