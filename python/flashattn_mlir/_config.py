"""A kernel's configuration: what it computes and how it is compiled, as a
JSON-able dict made from compile()'s arguments; its name and keys, the
fa-to-ptx-pipeline options it stands for, and the #fa.tiling an MLIR text
carries. Pure Python: compiler.py, kernel.py and runtime.py share it."""

import hashlib
import json
import math
import re
import struct

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


# The pipeline's options past fa-set-target's.
_CODEGEN_OPTIONS = ("features", "opt_level", "toolkit", "kernel",
                    "wgmma_loads", "wgmma_release", "wgmma_schedule",
                    "wgmma_pingpong", "mma_masked_steps")


def target_options(config):
    """fa-set-target's options for `config` (the pipeline's first step)."""
    opts = [f"target={config['target']}"]
    for key, value in sorted(config["options"].items()):
        if key in _CODEGEN_OPTIONS or key == "naive":
            continue
        opts.append(f"{key.replace('_', '-')}={value}")
    return opts


def pipeline_options(config):
    """fa-to-ptx-pipeline's options for `config`, as fa-compile's
    --pipeline-options takes them."""
    opts = target_options(config)
    for key in _CODEGEN_OPTIONS:
        if key in config["options"]:
            opts.append(f"{key.replace('_', '-')}={config['options'][key]}")
    if config["options"].get("naive"):
        opts.append("naive=true")
    return " ".join(opts)


_TILING = re.compile(r"#fa\.tiling<([^>]*)>")


def parse_tiling(text):
    m = _TILING.search(text)
    if not m:
        return None
    return {k.strip(): int(v) for k, v in
            (item.split("=") for item in m.group(1).split(","))}
