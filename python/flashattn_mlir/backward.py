"""compile_backward(): fa.attention_grad from shapes and options, through the
C API, to a Kernel whose manifest holds the backward's kernels (D =
rowsum(dO * O) into a scratch buffer, dK/dV, dQ, dBias; docs/Backward.md),
cached like compile()'s."""


from . import _capi, _checks
from ._capi import CompileError
from ._config import TILING_KEYS, default_name, make_config
from ._stages import run_pipeline
from .compiler import (_clean_remarks, _ttype, block_mask_parts, cached,
                       compile_module, structured_mask_attrs)


def make_grad_config(q_shape, k_shape, v_shape, dtype="bf16", causal=False,
                     scale=None, mask=None, mask_shape=None, bias_grad=False,
                     deterministic=False, target="h100", pipeline=None,
                     window=None, block_mask=None, mask_pattern=None,
                     caller_strides=False, **overrides):
    """compile_backward()'s arguments as a configuration: make_config's
    (without `lse`, which the backward always reads) plus "grad":
    {"bias_grad", "deterministic"}."""
    bias_grad = _checks.boolean("bias_grad", bias_grad)
    deterministic = _checks.boolean("deterministic", deterministic)
    config = make_config(q_shape, k_shape, v_shape, dtype, causal, scale, mask,
                         mask_shape, False, target, pipeline, window=window,
                         block_mask=block_mask, mask_pattern=mask_pattern,
                         caller_strides=caller_strides, **overrides)
    if bias_grad and (config["mask"] is None or config["mask"]["kind"] != "bias"):
        raise ValueError("bias_grad=True needs mask='bias': a keep-mask (bool) "
                         "has no gradient")
    q, k, v = config["q_shape"], config["k_shape"], config["v_shape"]
    if not (q[0] == k[0] == v[0] and k[1] == v[1] and k[2] == v[2]
            and q[3] == k[3] and k[1] > 0 and q[1] % k[1] == 0):
        raise ValueError(f"incompatible shapes q={q} k={k} v={v}: need q "
                         "[B, Hq, Nq, D], k [B, Hkv, Nk, D], v [B, Hkv, Nk, Dv] "
                         "with Hq a multiple of Hkv")
    if config["mask"]:
        full = (q[0], q[1], q[2], k[2])
        if any(s not in (1, w) for s, w in zip(config["mask"]["shape"], full)):
            raise ValueError(f"mask_shape {config['mask']['shape']} does not "
                             f"broadcast to {list(full)}")
    config["grad"] = {"bias_grad": bias_grad, "deterministic": deterministic}
    return config


def build_grad_mlir(config, tiling=None):
    """The backward module: `@attention_grad(q, k, v, o, do, lse[, mask],
    dq, dk, dv[, dbias]) -> (dq, dk, dv[, dbias])`, one fa.attention_grad,
    gradients written in place (the manifest's results, in this order)."""
    elt = config["dtype"]
    q, k, v = config["q_shape"], config["k_shape"], config["v_shape"]
    tq, tk, tv = (_ttype(s, elt) for s in (q, k, v))
    to, tl = _ttype([q[0], q[1], q[2], v[3]], elt), _ttype(q[:3], "f32")
    ins = [("q", tq), ("k", tk), ("v", tv), ("o", to), ("do", to), ("lse", tl)]
    outs = [("dq", tq), ("dk", tk), ("dv", tv)]
    mask_part, masks = "", []
    if config["mask"]:
        tm = _ttype(config["mask"]["shape"],
                    "i1" if config["mask"]["kind"] == "bool" else elt)
        masks = [("mask", tm)]
        mask_part = f" mask(%mask : {tm})"
        if config["grad"]["bias_grad"]:
            outs.append(("dbias", tm))
    for arg, clause in block_mask_parts(config):
        masks.append(tuple(arg.split(": ")))
        mask_part += clause
    attrs = [f"scale = {config['scale']!r} : f32"] + structured_mask_attrs(config)
    if config["causal"]:
        attrs.insert(0, "causal")
    if config["grad"]["deterministic"]:
        # The request, for the backward's selection (fa-select-tiling then
        # picks a kernel and dQ accumulation without atomics).
        attrs.insert(0, "deterministic")
    if tiling:
        attrs.append("tiling = #fa.tiling<" + ", ".join(
            f"{k_} = {tiling[k_]}" for k_ in TILING_KEYS) + ">")
    names = lambda xs: ", ".join("%" + n for n, _ in xs)
    types = lambda xs: ", ".join(t for _, t in xs)
    sig = ", ".join(f"%{n}: {t}" for n, t in ins + masks + outs)
    rets = ", ".join(f"%r#{i}" for i in range(len(outs)))
    return (
        f"func.func @attention_grad({sig}) -> ({types(outs)}) {{\n"
        f"  %r:{len(outs)} = fa.attention_grad ins({names(ins)} : {types(ins)})"
        f"{mask_part}\n"
        f"       outs({names(outs)} : {types(outs)})"
        f" {{{', '.join(attrs)}}} -> {types(outs)}\n"
        f"  return {rets} : {types(outs)}\n"
        f"}}\n")


def select(config, source, explain=False):
    """fa-to-ptx-pipeline up to fa-select-tiling on `source`: its remarks
    (with `explain`) and what it decided for the fa.attention_grad
    (Compiler.backward_decisions): "tiling", "schedule" (#fa.backward_schedule
    and the op's deterministic request), "target", "shared_memory"."""
    c, module, remarks = run_pipeline(config, source, "selected", explain)
    try:
        return remarks, c.backward_decisions(module)
    finally:
        c.destroy(module)


def compile_backward(q_shape, k_shape, v_shape, dtype="bf16", causal=False,
                     scale=None, mask=None, mask_shape=None, bias_grad=False,
                     deterministic=False, target="h100", cache_dir=None,
                     window=None, block_mask=None, mask_pattern=None,
                     caller_strides=False, **overrides):
    """Compiles the backward of compile()'s attention for the GPU; see
    docs/Python.md ("Training").

    The arguments are compile()'s (without `lse`: the backward reads the
    forward's logsumexp; `window` and `mask_pattern` as the forward's), plus `bias_grad` (with mask='bias': also compute
    dBias, in the bias's own shape, summed over its broadcast dimensions)
    and `deterministic` (a result bit-identical run to run; the SIMT
    kernels compute dQ in a separate pass without atomics, so every backward
    on them is; the mma.sync kernel (kernel="mma-sync") adds dQ in a fixed
    kv-block order then (dq = ordered), and so does the wgmma kernel
    (kernel="wgmma")).
    The kernel's manifest arguments are q, k, v, o, do, lse, [mask], dq, dk,
    dv, [dbias]; D = rowsum(dO * O) (and, for the tensor-core backwards, the
    f32 dQ accumulator) is a scratch buffer the runtime allocates.
    `block_mask` as compile()'s: an argument after the mask (the SIMT and
    mma.sync backwards skip its zero blocks, and so does the wgmma one where
    its one tiling, 64 x 128, divides the mask's blocks), and
    `window` likewise. `caller_strides` as compile()'s: q, k, v, o, do,
    dq, dk and dv with the launch's strides. Cached as compile()'s kernels
    are.
    """
    pipeline = (_capi.compiler().pipeline_options()
                if _capi.compiler_available() else None)
    config = make_grad_config(q_shape, k_shape, v_shape, dtype, causal, scale,
                              mask, mask_shape, bias_grad, deterministic,
                              target, pipeline, window=window,
                              block_mask=block_mask, mask_pattern=mask_pattern,
                              caller_strides=caller_strides, **overrides)
    return cached(config, overrides, cache_dir, grad_name(config), _compile)


def grad_name(config):
    return default_name(config).replace("fa_", "fa_grad_", 1)


def _compile(config, ptxas, allow_over_budget, name):
    # The backward cost model's decision and why (fa-select-tiling{explain}).
    source = build_grad_mlir(config)
    remarks, decided = select(config, source, explain=True)
    if decided["tiling"] is None:
        raise CompileError("fa-select-tiling chose no tiling for the "
                           "fa.attention_grad:\n" + _clean_remarks(remarks))
    if config["tiling"]:
        # The fields not given are the model's; the given tiling is checked
        # and the schedule decided for it.
        source = build_grad_mlir(config, dict(decided["tiling"], **config["tiling"]))
        _, decided = select(config, source)
    smem = decided["shared_memory"]
    return compile_module(
        config, source, ptxas,
        budget=smem["budget"] if smem and not allow_over_budget else None,
        tiling=decided["tiling"], explain=_clean_remarks(remarks),
        schedule=decided["schedule"], shared_memory=smem, name=name)
