"""A kernel's configuration: what it computes and how it is compiled, as a
JSON-able dict made from compile()'s arguments; its name and keys, and the
fa-to-ptx-pipeline options it stands for. Pure Python: compiler.py,
kernel.py and runtime.py share it. The pipeline's options, their types and
allowed values come from the compiler (Compiler.pipeline_options(), the C
API): there is no copy of them here."""

import hashlib
import json
import math
import os
import re
import struct

from . import _checks

DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "f16": "f16", "float16": "f16",
          "half": "f16", "f32": "f32", "float32": "f32", "float": "f32"}

TILING_KEYS = ("block_q", "block_kv", "stages", "warps")
# Overrides that change the compile, not the kernel's meaning, and their
# checks (compiler.py finds the ptxas).
OTHER_OPTIONS = {"ptxas": _checks.path, "allow_over_budget": _checks.boolean}
# fa-to-ptx-pipeline options that compile() sets itself: `target` is its
# argument, and it needs the whole pipeline's PTX.
OWN_OPTIONS = ("target", "format", "explain", "stop-after")


def _f32(x):
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def _option_value(key, value, option):
    """`value` of compile()'s override `key` as fa-to-ptx-pipeline's
    `option` (Compiler.pipeline_options()'s entry) takes it: a bool for a
    bool, an integer for an int, one of the values for an enum, a string
    without the pipeline syntax's characters for a string; TypeError or
    ValueError naming `key` otherwise."""
    kind = option["type"]
    if kind == "bool":
        return _checks.boolean(key, value)
    if kind in ("int", "uint"):
        return _checks.integer(key, value, minimum=0 if kind == "uint" else None)
    _checks.text(key, value)
    if kind == "enum":
        if value not in option["values"]:
            raise ValueError(f"{key}={value!r} is not one of "
                             f"{', '.join(option['values'])}")
        return value
    return _checks.pipeline_word(key, value)


def option_from_text(key, value, pipeline):
    """A command line's `key=value` (both str) as compile() takes the
    override: 'true'/'false' for a bool, digits for an int, per the
    pipeline's description of `key`; tiling keys are ints, other keys stay
    strings."""
    option = pipeline.get(key.replace("_", "-"))
    kind = option["type"] if option else ("int" if key in TILING_KEYS else "string")
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    if kind in ("int", "uint") and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
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
                target="h100", pipeline=None, window=None, block_mask=None,
                mask_pattern=None, caller_strides=False, **overrides):
    """Normalizes compile()'s arguments to a JSON-able dict: the cache key
    and what attention() matches kernels with. `pipeline` describes
    fa-to-ptx-pipeline's options (Compiler.pipeline_options()); the
    overrides that are neither a tiling nor compile()'s own are checked
    against it (check_options), and kept as given without it (no compiler:
    nothing will compile them). `caller_strides` (a bool) asks for kernels
    that take the tensors' strides at launch (the pipeline's
    caller-strides option)."""
    q, k, v = (_checks.shape(name, value) for name, value in (
        ("q_shape", q_shape), ("k_shape", k_shape), ("v_shape", v_shape)))
    name = DTYPES.get(str(dtype).replace("torch.", "")) if isinstance(
        dtype, str) or type(dtype).__module__.startswith("torch") else None
    if name is None:
        raise TypeError(f"unsupported dtype {dtype!r}: use bf16, f16 or f32")
    causal = _checks.boolean("causal", causal)
    window = _checks.window("window", window, causal)
    mask_pattern = _checks.mask_pattern("mask_pattern", mask_pattern, window)
    block_mask = _checks.block_mask("block_mask", block_mask, q, k)
    lse = _checks.boolean("lse", lse)
    scale = _checks.f32_scale("scale", 1.0 / math.sqrt(q[3]) if scale is None
                              else scale)
    _checks.one_of("mask", mask, (None, "bias", "bool"))
    mask_cfg = None
    if mask is not None:
        ms = (q[0], q[1], q[2], k[2]) if mask_shape is None else mask_shape
        mask_cfg = {"kind": mask, "shape": _checks.shape("mask_shape", ms)}
    elif mask_shape is not None:
        raise ValueError("mask_shape given without mask='bias' or 'bool'")
    _checks.pipeline_word("target", target)
    options, tiling = {}, {}
    for key, value in sorted(overrides.items()):
        if key in TILING_KEYS:
            tiling[key] = _checks.integer(key, value, minimum=1)
        elif key in OTHER_OPTIONS:
            OTHER_OPTIONS[key](key, value)
        else:
            options[key] = value
    if pipeline is not None:
        options = check_options(options, pipeline)
    # Only a kernel asked for with caller strides has the option: the
    # others keep their cache keys and names.
    if _checks.boolean("caller_strides", caller_strides):
        if options.get("naive"):
            raise ValueError("caller_strides=True needs the FlashAttention "
                             "kernels: the naive front end reads dense tensors")
        options["caller_strides"] = True
    if "toolkit" in options and not os.path.isdir(options["toolkit"]):
        raise ValueError(f"toolkit={options['toolkit']!r} is not a folder "
                         "(a CUDA toolkit's root)")
    config = {"q_shape": q, "k_shape": k, "v_shape": v, "dtype": name,
              "causal": causal, "scale": _f32(scale), "mask": mask_cfg,
              "lse": lse, "target": target, "options": options,
              "tiling": tiling}
    # Only a windowed configuration has the key: the others keep their
    # cache keys and names.
    if window is not None:
        config["window"] = window
    if block_mask is not None:  # likewise
        config["block_mask"] = block_mask
    if mask_pattern is not None:  # likewise: [chunk, global, butterfly]
        if block_mask is not None:
            raise ValueError("mask_pattern and block_mask exclude each other")
        config["mask_pattern"] = mask_pattern
    return config


def config_key(config):
    return json.dumps(config, sort_keys=True)


def semantic_key(config):
    """What a kernel computes, without how it was compiled (target,
    options, tiling): what attention() matches kernels by."""
    keys = ("q_shape", "k_shape", "v_shape", "dtype", "causal", "window",
            "mask_pattern", "block_mask", "scale", "mask", "lse", "grad")  # grad: compile_backward()'s kernels
    key = {k: config[k] for k in keys if k in config}
    # The caller-strides variant (D128) computes the same on another
    # interface: attention() asks for it by this key, only for strided
    # tensors. Only such a kernel has it: the others keep their keys.
    if config.get("options", {}).get("caller_strides") is True:
        key["caller_strides"] = True
    return json.dumps(key, sort_keys=True)


def default_name(config):
    q, k = config["q_shape"], config["k_shape"]
    h = hashlib.sha1(config_key(config).encode()).hexdigest()[:8]
    return (f"fa_{config['dtype']}_b{q[0]}_h{q[1]}x{k[1]}_q{q[2]}_k{k[2]}_d{q[3]}"
            + ("_causal" if config["causal"] else "")
            + ("_win{}x{}".format(*config["window"]) if config.get("window")
               else "")
            + ("_bm{block_q}x{block_kv}".format(**config["block_mask"])
               if config.get("block_mask") else "")
            + "".join(f"_{tag}{n}" for tag, n in zip(
                ("chunk", "global", "bfly"), config.get("mask_pattern") or ())
                if n) + f"_{h}")


def pipeline_options(config):
    """fa-to-ptx-pipeline's options for `config`, as fa-compile's
    --pipeline-options takes them. A configuration not made by make_config
    is checked as it is pasted: names of letters and _, values bools,
    integers or strings without the option syntax's characters."""
    if not isinstance(config, dict) or not isinstance(config.get("options"), dict):
        raise TypeError(f"config must be a configuration dict (make_config), got {config!r}")
    opts = [f"target={_checks.pipeline_word('target', config.get('target'))}"]
    for key, value in sorted(config["options"].items()):
        if not (isinstance(key, str) and re.fullmatch(r"[a-z][a-z0-9_]*", key)):
            raise ValueError(f"option name {key!r} is not a pipeline option's name")
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):
            value = str(value)
        else:
            value = _checks.pipeline_word(key, value)
        opts.append(f"{key.replace('_', '-')}={value}")
    return " ".join(opts)
