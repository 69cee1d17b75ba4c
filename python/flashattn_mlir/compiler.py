"""compile(): fa.attention from shapes and options, through the C API, to a
Kernel (PTX, cubin, manifest, tiling, explanation, MLIR at each stage)."""

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time

from . import _capi, _checks, _disk_cache
from ._capi import CompileError
from ._config import TILING_KEYS, config_key, default_name, make_config
from ._stages import run_pipeline
from .kernel import Kernel, load, plans

_cache = {}  # config key -> Kernel

# Progress lines ("compiling ...", "compiled ... in 0.4 s") go to stderr
# unless FLASHATTN_MLIR_QUIET=1; the logger's level or handlers silence or
# redirect them (docs/Training.md, "The kernel cache").
_log = logging.getLogger("flashattn_mlir")
if not _log.handlers and os.environ.get("FLASHATTN_MLIR_QUIET", "") != "1":
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("flashattn_mlir: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)


def _ttype(shape, elt):
    return f"tensor<{'x'.join(str(d) for d in shape)}x{elt}>"


def build_mlir(config, tiling=None):
    """The input module: `@attention(q, k, v[, mask], o[, lse]) -> o[, lse]`,
    one fa.attention, outputs written in place (the manifest's results)."""
    elt = config["dtype"]
    q, k, v = config["q_shape"], config["k_shape"], config["v_shape"]
    o = [q[0], q[1], q[2], v[3]]
    tq, tk, tv, to = (_ttype(s, elt) for s in (q, k, v, o))
    args = [f"%q: {tq}", f"%k: {tk}", f"%v: {tv}"]
    mask_part = ""
    if config["mask"]:
        tm = _ttype(config["mask"]["shape"],
                    "i1" if config["mask"]["kind"] == "bool" else elt)
        args.append(f"%mask: {tm}")
        mask_part = f" mask(%mask : {tm})"
    for name, clause in block_mask_parts(config):
        args.append(f"%{name}")
        mask_part += clause
    args.append(f"%o: {to}")
    outs, types = ["%o"], [to]
    if config["lse"]:
        tl = _ttype(q[:3], "f32")
        args.append(f"%lse: {tl}")
        outs.append("%lse")
        types.append(tl)
    attrs = [f"scale = {config['scale']!r} : f32"] + structured_mask_attrs(config)
    if config["causal"]:
        attrs.insert(0, "causal")
    if tiling:
        attrs.append("tiling = #fa.tiling<" + ", ".join(
            f"{k_} = {tiling[k_]}" for k_ in TILING_KEYS) + ">")
    res = "%r:2" if config["lse"] else "%r"
    rets = "%r#0, %r#1" if config["lse"] else "%r"
    return (
        f"func.func @attention({', '.join(args)}) -> ({', '.join(types)}) {{\n"
        f"  {res} = fa.attention ins(%q, %k, %v : {tq}, {tk}, {tv}){mask_part}\n"
        f"       outs({', '.join(outs)} : {', '.join(types)})"
        f" {{{', '.join(attrs)}}} -> {', '.join(types)}\n"
        f"  return {rets} : {', '.join(types)}\n"
        f"}}\n")


def structured_mask_attrs(config):
    """The op's `window = #fa.window<...>`, `block_sparse =
    #fa.block_sparse<...>` and `mask_pattern = #fa.mask_pattern<...>`
    attribute texts, in a list (empty without any)."""
    attrs = []
    if config.get("window"):
        left, right = config["window"]
        attrs.append(f"window = #fa.window<left = {left}, right = {right}>")
    if config.get("block_mask"):
        attrs.append("block_sparse = #fa.block_sparse<block_q = {block_q}, "
                     "block_kv = {block_kv}>".format(**config["block_mask"]))
    if config.get("mask_pattern"):
        fields = ", ".join(f"{name} = {n}" for name, n in zip(
            ("chunk", "global", "butterfly"), config["mask_pattern"]) if n)
        attrs.append(f"mask_pattern = #fa.mask_pattern<{fields}>")
    return attrs


def block_mask_parts(config):
    """[(the block mask's argument `bm: type`, its ` block_mask(...)`
    clause)], empty without a block mask: an i8 tensor (a torch bool mask is
    read as its bytes)."""
    if not config.get("block_mask"):
        return []
    tb = _ttype(config["block_mask"]["shape"], "i8")
    return [(f"bm: {tb}", f" block_mask(%bm : {tb})")]


_LOC = re.compile(r"^(?:loc\(.*?\)|[^\s:]+:\d+:\d+): (remark|note|warning|error): ",
                  re.MULTILINE)


def _find_ptxas(c, choice, toolkit):
    """The ptxas to run, as fa-compile finds it (faFindPtxas): None for
    'none' or when the search finds none; ValueError when the one asked for
    is not there."""
    if choice == "none":
        return None
    ptxas, error = c.find_ptxas(choice or "", toolkit or "")
    if choice and ptxas is None:
        raise ValueError(error)
    return ptxas


def _run_ptxas(ptxas, chip, ptx):
    """(cubin bytes, `ptxas -v` log); CompileError when ptxas fails."""
    with tempfile.TemporaryDirectory(prefix="flashattn-mlir-") as d:
        src, out = os.path.join(d, "k.ptx"), os.path.join(d, "k.cubin")
        with open(src, "wb") as f:
            f.write(ptx)
        try:
            p = subprocess.run([ptxas, "-v", "-O3", f"-arch={chip}", src, "-o", out],
                               capture_output=True, text=True)
        except OSError as e:  # found, but not a program this system runs
            raise CompileError(f"ptxas '{ptxas}' did not run: {e}") from e
        log = p.stdout + p.stderr
        if p.returncode != 0:
            raise CompileError(f"ptxas failed ({p.returncode})", log)
        if not os.path.exists(out):
            raise CompileError(f"ptxas '{ptxas}' exited 0 without writing the cubin",
                               log)
        with open(out, "rb") as f:
            return f.read(), log


def _clean_remarks(text):
    """The remarks without locations nor MLIR's `see current operation`."""
    text = _LOC.sub(lambda m: m.group(1) + ": ", text)
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith("note: see current operation")).strip()


def compile(q_shape, k_shape, v_shape, dtype="bf16", causal=False, scale=None,
            mask=None, mask_shape=None, lse=False, target="h100",
            cache_dir=None, window=None, block_mask=None, mask_pattern=None,
            caller_strides=False, **overrides):
    """Compiles one attention for the GPU; see docs/Python.md.

    Shapes are [B, H, N, D] (Q: [B, Hq, Nq, D], K: [B, Hkv, Nk, D], V: [B,
    Hkv, Nk, Dv], Hq a multiple of Hkv). `causal` is bottom-right aligned
    (query i sees key j iff j <= i + Nk - Nq). `window` is None or
    (left, right): query i sees only keys i' - left <= j <= i' + right,
    i' = i + Nk - Nq (right 0 with causal; ValueError otherwise).
    `mask_pattern` is None or a MaskPattern(chunk, global_tokens,
    butterfly) (or a dict of those keys): chunked attention, global tokens
    (with a chunk, a butterfly or the window) or a block butterfly, whose
    blocks the compiler classifies at compile time (docs/BlockSparse.md,
    "Structured masks"; the SIMT kernel runs it).
    `block_mask` is None or (block_q, block_kv[, shape]): a runtime block
    mask argument (i8, after the mask) of `shape`, default [B, Hq,
    ceil(Nq / block_q), ceil(Nk / block_kv)] (B and H may be 1); entry 0
    skips its block (docs/BlockSparse.md). `mask` is None, 'bias' (an
    additive bias in `dtype`) or 'bool' (a keep-mask), of `mask_shape`
    (default [B, Hq, Nq, Nk]; each dimension may be 1). `lse` adds the f32
    logsumexp output [B, Hq, Nq]. Overrides: fa-to-ptx-pipeline options
    (arch, sram_per_block, sm_count, naive, ...; checked against the
    compiler's description of them: ValueError names the allowed values), a
    tiling (block_q, block_kv, stages, warps; unset ones come from the cost
    model), `ptxas` ('none' skips the cubin) and `allow_over_budget`.
    `caller_strides` (True or False): kernels that read q, k, v and write o
    with the strides each launch gives (a permuted view such as [B, N, H,
    D] seen as [B, H, N, D], a slice of a fused QKV), instead of dense
    tensors (docs/GPU.md, "Caller strides"); not with naive=True, and the
    SIMT kernel refuses it (CompileError).

    Kernels are cached by configuration in memory, and on disk in
    `cache_dir`, else $FLASHATTN_MLIR_CACHE, else ~/.cache/flashattn_mlir
    (FLASHATTN_MLIR_CACHE=off: not on disk); docs/Training.md.
    """
    # The pipeline's options are checked against the compiler's own
    # description of them, before anything runs.
    pipeline = (_capi.compiler().pipeline_options()
                if _capi.compiler_available() else None)
    config = make_config(q_shape, k_shape, v_shape, dtype, causal, scale, mask,
                         mask_shape, lse, target, pipeline, window=window,
                         block_mask=block_mask, mask_pattern=mask_pattern,
                         caller_strides=caller_strides, **overrides)
    return cached(config, overrides, cache_dir, default_name(config), _compile)


def cached(config, overrides, cache_dir, name, build):
    """The kernel of `config` (compile()'s, compile_backward()'s): from the
    memory cache, else the disk cache (_disk_cache: `cache_dir`, else
    $FLASHATTN_MLIR_CACHE, else ~/.cache/flashattn_mlir) when it holds the
    same configuration made by the same compiler and ptxas, else `build(config,
    ptxas, allow_over_budget, name)`, stored there. A build logs a progress
    line (logger "flashattn_mlir", on stderr unless FLASHATTN_MLIR_QUIET=1)."""
    if cache_dir is not None:
        cache_dir = _checks.path("cache_dir", cache_dir)
    # A ptxas asked for must exist, even when the kernel is cached.
    ptxas = (_find_ptxas(_capi.compiler(), os.fspath(overrides.get("ptxas", "")),
                         config["options"].get("toolkit"))
             if _capi.compiler_available() else None)
    key = config_key(config)
    if key in _cache:
        return _cache[key]
    root = _disk_cache.root(cache_dir)
    folder = (os.path.join(root, _disk_cache.identity(ptxas))
              if root and _capi.compiler_available() else None)
    kernel = folder and _disk_cache.lookup(folder, name, key, load)
    if not kernel:
        what = "backward" if "grad" in config else "forward"
        _log.info("compiling the %s kernel %s (%s q=%s k=%s%s)%s", what, name,
                  config["dtype"], config["q_shape"], config["k_shape"],
                  " causal" if config["causal"] else "",
                  f"; cache {folder}" if folder else "")
        start = time.monotonic()
        kernel = build(config, ptxas, bool(overrides.get("allow_over_budget", False)),
                       name)
        if folder:
            kernel = _disk_cache.store(folder, name, kernel, load)
        _log.info("compiled %s in %.2f s", name, time.monotonic() - start)
    _cache[key] = kernel
    return kernel


def _select(config, source, explain=False):
    """fa-to-ptx-pipeline up to fa-select-tiling on `source`: its remarks
    (with `explain`) and what it decided (Compiler.decisions)."""
    c, module, remarks = run_pipeline(config, source, "selected", explain)
    try:
        return remarks, c.decisions(module)
    finally:
        c.destroy(module)


def _compile(config, ptxas, allow_over_budget, name):
    source = build_mlir(config)

    # The cost model's decision and why, as fa-select-tiling{explain} says.
    remarks, decided = _select(config, source, explain=True)
    if config["tiling"]:
        # The fields not given are the model's; the schedule is decided for
        # the whole tiling.
        tiling = dict(decided["tiling"] or {}, **config["tiling"])
        missing = [k for k in TILING_KEYS if k not in tiling]
        if missing:
            raise ValueError(f"{', '.join(missing)} must be given too: this "
                             "kernel has no tiling of the cost model's")
        source = build_mlir(config, tiling)
        _, decided = _select(config, source)

    return compile_module(
        config, source, ptxas,
        budget=(decided["target"]["sram_per_block"]
                if decided["target"] and not allow_over_budget else None),
        tiling=decided["tiling"], explain=_clean_remarks(remarks),
        schedule=decided["schedule"], shared_memory=decided["shared_memory"],
        name=name)


def compile_module(config, source, ptxas, budget=None, **kernel_args):
    """`source` through the whole pipeline to a Kernel (PTX, cubin when
    `ptxas`, manifest): compile()'s and compile_backward()'s last step.
    `budget`: the shared memory per block each kernel may use (None: not
    checked here); `kernel_args` go to Kernel."""
    c, module, _ = run_pipeline(config, source)
    try:
        final = c.print(module)
        obj, chip, features, fmt = c.kernel_binary(module)
        if fmt == "ptx" and b".extern .func " in obj:
            line = obj[obj.index(b".extern .func "):].split(b"\n")[0].decode()
            raise CompileError(
                f"the PTX calls an unresolved function ({line}); libdevice was "
                "not linked: pass toolkit=<CUDA path> or set CUDA_HOME")
        cubin, log = None, ""
        if ptxas:
            cubin, log = _run_ptxas(ptxas, chip, obj)
        manifest = json.loads(c.manifest(
            module, ptx_file="kernel.ptx",
            cubin_file="kernel.cubin" if cubin else "", ptxas_log=log))
    finally:
        c.destroy(module)

    # A launch over the shared-memory budget fails in cuFuncSetAttribute:
    # refuse it here, like fa-compile. What the launches ask for (and what
    # ptxas adds) is checked: the cost model's number is a prediction.
    if budget is not None:
        for kern in manifest["kernels"]:
            used = kern.get("shared_bytes", 0) + kern.get("resources", {}).get(
                "static_shared_bytes", 0)
            if used > budget:
                raise CompileError(
                    f"kernel '{kern['name']}' needs {used} bytes of shared memory; "
                    f"the target allows {budget} per block")
    return Kernel(config, ptx=obj, cubin=cubin, manifest=manifest,
                  ptxas_log=log, source=source, final_mlir=final, **kernel_args)


def clear_cache():
    """Forgets the in-memory kernels (the disk cache stays)."""
    _cache.clear()
    plans.clear()
