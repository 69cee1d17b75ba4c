"""compile(): fa.attention from shapes and options, through the C API, to a
Kernel (PTX, cubin, manifest, tiling, explanation, MLIR at each stage)."""

import hashlib
import json
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile

from . import _capi
from ._capi import CompileError

DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "f16": "f16", "float16": "f16",
          "half": "f16", "f32": "f32", "float32": "f32", "float": "f32"}

# compile()'s keyword overrides that are fa-to-ptx-pipeline options.
PIPELINE_OPTIONS = {"arch": str, "sram_per_block": int, "sram_per_sm": int,
                    "regs_per_sm": int, "max_regs_per_thread": int,
                    "sm_count": int, "features": str, "opt_level": int,
                    "toolkit": str, "naive": bool, "kernel": str,
                    "wgmma_loads": str, "wgmma_release": str,
                    "wgmma_schedule": str, "wgmma_pingpong": str,
                    "mma_masked_steps": str}
TILING_KEYS = ("block_q", "block_kv", "stages", "warps")
# Overrides that change the compile, not the kernel's meaning.
OTHER_OPTIONS = {"ptxas": str, "allow_over_budget": bool}

STAGES = ("input", "target", "tiled", "bufferized", "gpu", "final")
_BUFFERIZE = ("one-shot-bufferize{bufferize-function-boundaries=true "
              "function-boundary-type-conversion=identity-layout-map},"
              "canonicalize")
# The FlashAttention front end of fa-to-ptx-pipeline spelled pass by pass
# (lib/Pipelines/Pipelines.cpp), to show the IR between its steps.
_STAGE_PASSES = {
    "tiled": "fa-select-tiling{kernel=KERNEL},"
             "fa-tile-attention{tile-memory-space=0 require-tiling=true}",
    "bufferized": _BUFFERIZE,
    "gpu": "convert-fa-to-gpu,canonicalize,cse,convert-fa-to-nvgpu",
}
_NAIVE_STAGE_PASSES = {
    "tiled": "fa-select-tiling",
    "bufferized": "fa-decompose-attention," + _BUFFERIZE,
    "gpu": "func.func(convert-linalg-to-parallel-loops),canonicalize,"
           "func.func(gpu-map-parallel-loops,convert-parallel-loops-to-gpu),"
           "canonicalize,cse",
}

_cache = {}  # config key -> Kernel


def _f32(x):
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def _shape(name, s):
    if (not isinstance(s, (tuple, list)) or len(s) != 4
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                       for d in s)):
        raise ValueError(f"{name} must be 4 positive ints [B, H, N, D], got {s!r}")
    return [int(d) for d in s]


def make_config(q_shape, k_shape, v_shape, dtype="bf16", causal=False,
                scale=None, mask=None, mask_shape=None, lse=False,
                target="h100", **overrides):
    """Normalizes compile()'s arguments to a JSON-able dict: the cache key
    and what attention() matches kernels with."""
    q, k, v = _shape("q_shape", q_shape), _shape("k_shape", k_shape), \
        _shape("v_shape", v_shape)
    if str(dtype) not in DTYPES and str(dtype).replace("torch.", "") not in DTYPES:
        raise TypeError(f"unsupported dtype {dtype!r}: use bf16, f16 or f32")
    dtype = DTYPES.get(str(dtype), DTYPES.get(str(dtype).replace("torch.", "")))
    if causal not in (False, True):
        raise TypeError(f"causal must be a bool, got {causal!r}")
    if scale is None:
        scale = 1.0 / math.sqrt(q[3])
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    if mask not in (None, "bias", "bool"):
        raise ValueError(f"mask must be None, 'bias' or 'bool', got {mask!r}")
    mask_cfg = None
    if mask is not None:
        ms = mask_shape or (q[0], q[1], q[2], k[2])
        mask_cfg = {"kind": mask, "shape": _shape("mask_shape", list(ms))}
    elif mask_shape is not None:
        raise ValueError("mask_shape given without mask='bias' or 'bool'")
    if not isinstance(target, str) or not target:
        raise TypeError(f"target must be a name such as 'h100', got {target!r}")
    options, tiling = {}, {}
    for key, value in sorted(overrides.items()):
        if key in PIPELINE_OPTIONS:
            options[key] = PIPELINE_OPTIONS[key](value)
        elif key in TILING_KEYS:
            tiling[key] = int(value)
        elif key in OTHER_OPTIONS:
            continue
        else:
            raise TypeError(f"compile() got an unknown option {key!r} (known: "
                            f"{', '.join(sorted(PIPELINE_OPTIONS) + list(TILING_KEYS) + sorted(OTHER_OPTIONS))})")
    return {"q_shape": q, "k_shape": k, "v_shape": v, "dtype": dtype,
            "causal": bool(causal), "scale": _f32(scale), "mask": mask_cfg,
            "lse": bool(lse), "target": target, "options": options,
            "tiling": tiling}


def config_key(config):
    return json.dumps(config, sort_keys=True)


def semantic_key(config):
    """What a kernel computes, without how it was compiled (target,
    options, tiling): what attention() matches kernels by."""
    return json.dumps({k: config[k] for k in ("q_shape", "k_shape", "v_shape",
                                              "dtype", "causal", "scale",
                                              "mask", "lse")}, sort_keys=True)


def default_name(config):
    q, k = config["q_shape"], config["k_shape"]
    h = hashlib.sha1(config_key(config).encode()).hexdigest()[:8]
    return (f"fa_{config['dtype']}_b{q[0]}_h{q[1]}x{k[1]}_q{q[2]}_k{k[2]}_d{q[3]}"
            + ("_causal" if config["causal"] else "") + f"_{h}")


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
    args.append(f"%o: {to}")
    outs, types = ["%o"], [to]
    if config["lse"]:
        tl = _ttype(q[:3], "f32")
        args.append(f"%lse: {tl}")
        outs.append("%lse")
        types.append(tl)
    attrs = [f"scale = {config['scale']!r} : f32"]
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


# The pipeline's options past fa-set-target's.
_CODEGEN_OPTIONS = ("features", "opt_level", "toolkit", "kernel",
                    "wgmma_loads", "wgmma_release", "wgmma_schedule",
                    "wgmma_pingpong", "mma_masked_steps")


def _target_options(config):
    opts = [f"target={config['target']}"]
    for key, value in sorted(config["options"].items()):
        if key in _CODEGEN_OPTIONS or key == "naive":
            continue
        opts.append(f"{key.replace('_', '-')}={value}")
    return opts


def pipeline_options(config):
    """fa-to-ptx-pipeline's options for `config`, as fa-compile's
    --pipeline-options takes them."""
    opts = _target_options(config)
    for key in _CODEGEN_OPTIONS:
        if key in config["options"]:
            opts.append(f"{key.replace('_', '-')}={config['options'][key]}")
    if config["options"].get("naive"):
        opts.append("naive=true")
    return " ".join(opts)


_TILING = re.compile(r"#fa\.tiling<([^>]*)>")
_LOC = re.compile(r"^(?:loc\(.*?\)|[^\s:]+:\d+:\d+): (remark|note|warning|error): ",
                  re.MULTILINE)


def parse_tiling(text):
    m = _TILING.search(text)
    if not m:
        return None
    return {k.strip(): int(v) for k, v in
            (item.split("=") for item in m.group(1).split(","))}


def _find_ptxas(choice):
    if choice == "none":
        return None
    if choice:
        return choice
    found = shutil.which("ptxas")
    if found:
        return found
    for d in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
              "/usr/local/cuda"):
        if d and os.path.exists(os.path.join(d, "bin", "ptxas")):
            return os.path.join(d, "bin", "ptxas")
    return None


def _run_ptxas(ptxas, chip, ptx):
    """(cubin bytes, `ptxas -v` log); CompileError when ptxas fails."""
    with tempfile.TemporaryDirectory(prefix="flashattn-mlir-") as d:
        src, out = os.path.join(d, "k.ptx"), os.path.join(d, "k.cubin")
        with open(src, "wb") as f:
            f.write(ptx)
        p = subprocess.run([ptxas, "-v", "-O3", f"-arch={chip}", src, "-o", out],
                           capture_output=True, text=True)
        log = p.stdout + p.stderr
        if p.returncode != 0:
            raise CompileError(f"ptxas failed ({p.returncode})", log)
        with open(out, "rb") as f:
            return f.read(), log


def _clean_remarks(text):
    """The remarks without locations nor MLIR's `see current operation`."""
    text = _LOC.sub(lambda m: m.group(1) + ": ", text)
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith("note: see current operation")).strip()


def compile(q_shape, k_shape, v_shape, dtype="bf16", causal=False, scale=None,
            mask=None, mask_shape=None, lse=False, target="h100",
            cache_dir=None, **overrides):
    """Compiles one attention for the GPU; see docs/Python.md.

    Shapes are [B, H, N, D] (Q: [B, Hq, Nq, D], K: [B, Hkv, Nk, D], V: [B,
    Hkv, Nk, Dv], Hq a multiple of Hkv). `causal` is bottom-right aligned
    (query i sees key j iff j <= i + Nk - Nq). `mask` is None, 'bias' (an
    additive bias in `dtype`) or 'bool' (a keep-mask), of `mask_shape`
    (default [B, Hq, Nq, Nk]; each dimension may be 1). `lse` adds the f32
    logsumexp output [B, Hq, Nq]. Overrides: fa-to-ptx-pipeline options
    (arch, sram_per_block, sm_count, naive, ...), a tiling (block_q,
    block_kv, stages, warps; unset ones come from the cost model), `ptxas`
    ('none' skips the cubin) and `allow_over_budget`.

    Kernels are cached by configuration in memory, and on disk in
    `cache_dir` (or $FLASHATTN_MLIR_CACHE) when set.
    """
    config = make_config(q_shape, k_shape, v_shape, dtype, causal, scale, mask,
                         mask_shape, lse, target, **overrides)
    key = config_key(config)
    if key in _cache:
        return _cache[key]
    cache_dir = cache_dir or os.environ.get("FLASHATTN_MLIR_CACHE")
    from .kernel import Kernel, load  # noqa: cyclic at import time
    if cache_dir:
        path = os.path.join(cache_dir, default_name(config) + ".json")
        if os.path.exists(path):
            kernel = load(path)
            if kernel.config is not None and config_key(kernel.config) == key:
                _cache[key] = kernel
                return kernel
    kernel = _compile(config, overrides.get("ptxas", ""),
                      bool(overrides.get("allow_over_budget", False)))
    if cache_dir:
        kernel.save(cache_dir)
    _cache[key] = kernel
    return kernel


def _compile(config, ptxas_choice, allow_over_budget):
    from .kernel import Kernel
    c = _capi.compiler()
    source = build_mlir(config)

    # The cost model's decision and why, as fa-select-tiling{explain} says.
    module = c.parse(source)
    try:
        kernel = config["options"].get("kernel", "auto")
        remarks = c.run(module, f"fa-set-target{{{' '.join(_target_options(config))}}},"
                                f"fa-select-tiling{{explain=true kernel={kernel}}}")
        selected = c.print(module)
    finally:
        c.destroy(module)
    tiling = parse_tiling(selected)
    sram = re.search(r"sram_per_block = (\d+)", selected)
    if config["tiling"]:
        tiling = dict(tiling or {}, **config["tiling"])
        source = build_mlir(config, tiling)

    module = c.parse(source)
    try:
        c.run(module, f"fa-to-ptx-pipeline{{{pipeline_options(config)}}}")
        final = c.print(module)
        obj, chip, features, fmt = c.kernel_binary(module)
        if fmt == "ptx" and b".extern .func " in obj:
            line = obj[obj.index(b".extern .func "):].split(b"\n")[0].decode()
            raise CompileError(
                f"the PTX calls an unresolved function ({line}); libdevice was "
                "not linked: pass toolkit=<CUDA path> or set CUDA_HOME")
        cubin, log = None, ""
        ptxas = _find_ptxas(ptxas_choice)
        if ptxas:
            cubin, log = _run_ptxas(ptxas, chip, obj)
        manifest = json.loads(c.manifest(
            module, ptx_file="kernel.ptx",
            cubin_file="kernel.cubin" if cubin else "", ptxas_log=log))
    finally:
        c.destroy(module)

    # A launch over the shared-memory budget fails in cuFuncSetAttribute:
    # refuse it here, like fa-compile.
    if sram and not allow_over_budget:
        budget = int(sram.group(1))
        for kern in manifest["kernels"]:
            used = kern.get("shared_bytes", 0) + kern.get("resources", {}).get(
                "static_shared_bytes", 0)
            if used > budget:
                raise CompileError(
                    f"kernel '{kern['name']}' needs {used} bytes of shared memory; "
                    f"the target allows {budget} per block")
    return Kernel(config, ptx=obj, cubin=cubin, manifest=manifest,
                  tiling=tiling, explain=_clean_remarks(remarks),
                  ptxas_log=log, source=source, final_mlir=final)


def stage_mlir(config, source, stage):
    """The module after `stage` (see STAGES) of the pipeline."""
    if stage == "input":
        return source
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    passes = _NAIVE_STAGE_PASSES if config["options"].get("naive") else _STAGE_PASSES
    steps = [f"fa-set-target{{{' '.join(_target_options(config))}}}"]
    for name in ("tiled", "bufferized", "gpu"):
        if STAGES.index(name) > STAGES.index(stage):
            break
        steps.append(passes[name].replace(
            "KERNEL", config["options"].get("kernel", "auto")))
    c = _capi.compiler()
    module = c.parse(source)
    try:
        c.run(module, ",".join(steps))
        return c.print(module)
    finally:
        c.destroy(module)


def clear_cache():
    """Forgets the in-memory kernels (the disk cache stays)."""
    _cache.clear()
