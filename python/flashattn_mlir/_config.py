"""A kernel's configuration: what it computes and how it is compiled, as a
JSON-able dict made from compile()'s arguments; its name and keys, and the
fa-to-ptx-pipeline options it stands for. Pure Python: compiler.py,
kernel.py and runtime.py share it. The pipeline's options, their types and
allowed values come from the compiler (Compiler.pipeline_options(), the C
API): there is no copy of them here."""

import hashlib
import json
import math
import struct

DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "f16": "f16", "float16": "f16",
          "half": "f16", "f32": "f32", "float32": "f32", "float": "f32"}

TILING_KEYS = ("block_q", "block_kv", "stages", "warps")
# Overrides that change the compile, not the kernel's meaning.
OTHER_OPTIONS = {"ptxas": str, "allow_over_budget": bool}
# fa-to-ptx-pipeline options that compile() sets itself: `target` is its
# argument, and it needs the whole pipeline's PTX.
OWN_OPTIONS = ("target", "format", "explain", "stop-after")


def _f32(x):
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def _shape(name, s):
    if (not isinstance(s, (tuple, list)) or len(s) != 4
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                       for d in s)):
        raise ValueError(f"{name} must be 4 positive ints [B, H, N, D], got {s!r}")
    return [int(d) for d in s]


def _option_value(key, value, option):
    """`value` of compile()'s override `key` as fa-to-ptx-pipeline's
    `option` (Compiler.pipeline_options()'s entry) takes it; ValueError
    naming what it takes otherwise."""
    kind = option["type"]
    if kind == "bool":
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"  # the pipeline's spelling
        if value in (True, False):
            return bool(value)
        raise ValueError(f"{key} must be True or False, got {value!r}")
    if kind in ("int", "uint"):
        try:
            number = int(value) if not isinstance(value, (bool, float)) else None
        except (TypeError, ValueError):
            number = None
        if number is None or (kind == "uint" and number < 0):
            raise ValueError(f"{key} must be a{' non-negative' if kind == 'uint' else 'n'} "
                             f"integer, got {value!r}")
        return number
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a str, got {value!r}")
    if kind == "enum" and value not in option["values"]:
        raise ValueError(f"{key}={value!r} is not one of "
                         f"{', '.join(option['values'])}")
    return value


def check_options(options, pipeline):
    """compile()'s overrides that are fa-to-ptx-pipeline options, checked
    against `pipeline` (Compiler.pipeline_options(): the options' types and
    allowed values) and converted to their types: TypeError for an unknown
    option, ValueError naming the allowed values for a bad one."""
    known = {name.replace("-", "_"): option for name, option in pipeline.items()
             if name not in OWN_OPTIONS}
    checked = {}
    for key, value in options.items():
        if key not in known:
            raise TypeError(
                f"compile() got an unknown option {key!r} (known: "
                f"{', '.join(sorted(known) + list(TILING_KEYS) + sorted(OTHER_OPTIONS))})")
        checked[key] = _option_value(key, value, known[key])
    return checked


def make_config(q_shape, k_shape, v_shape, dtype="bf16", causal=False,
                scale=None, mask=None, mask_shape=None, lse=False,
                target="h100", pipeline=None, **overrides):
    """Normalizes compile()'s arguments to a JSON-able dict: the cache key
    and what attention() matches kernels with. `pipeline` describes
    fa-to-ptx-pipeline's options (Compiler.pipeline_options()); the
    overrides that are neither a tiling nor compile()'s own are checked
    against it (check_options), and kept as given without it (no compiler:
    nothing will compile them)."""
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
        if key in TILING_KEYS:
            tiling[key] = int(value)
        elif key not in OTHER_OPTIONS:
            options[key] = value
    if pipeline is not None:
        options = check_options(options, pipeline)
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


def pipeline_options(config):
    """fa-to-ptx-pipeline's options for `config`, as fa-compile's
    --pipeline-options takes them."""
    opts = [f"target={config['target']}"]
    for key, value in sorted(config["options"].items()):
        if isinstance(value, bool):
            value = "true" if value else "false"
        opts.append(f"{key.replace('_', '-')}={value}")
    return " ".join(opts)
