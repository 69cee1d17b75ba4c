"""Checks of the public functions' arguments, each error naming the
argument: TypeError for a value of the wrong type, ValueError for a value
of the right type outside what the argument takes.

Nothing a caller passes reaches the compiler unchecked: strings are
pasted into a textual pass pipeline (`fa-to-ptx-pipeline{key=value ...}`),
where a space, a brace or a quote would start another option or pass, so
string values are restricted to characters that carry no meaning there
(docs/Python.md, "Errors")."""

import math
import numbers
import operator
import os
import re

# What a string value pasted into a pass pipeline may hold: no whitespace,
# braces, quotes, `=` or backslashes (the option parser's syntax).
_PIPELINE_WORD = re.compile(r"[A-Za-z0-9_.+,:/@%~-]+")
# A kernel's name: one plain file name (Kernel.save writes NAME.* into its
# folder, nowhere else).
_FILE_NAME = re.compile(r"[^/\\\0.][^/\\\0]*")


def _numpy_bool(value):
    """numpy.bool_ (spelled numpy.bool since NumPy 2)."""
    return (type(value).__module__ == "numpy"
            and type(value).__name__ in ("bool_", "bool"))


def boolean(name, value):
    """`value` if it is a bool (True, False, numpy.bool_); TypeError
    otherwise: 'false', 0 and None are not bools."""
    if isinstance(value, bool):
        return value
    if _numpy_bool(value):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def integer(name, value, minimum=None):
    """`value` as an int if it is integral (int, numpy integers, anything
    with __index__) and at least `minimum`; TypeError for bools, floats,
    strings; ValueError below `minimum`."""
    if isinstance(value, bool) or _numpy_bool(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def real(name, value):
    """`value` as a float if it is a real number (not a bool), else
    TypeError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


def f32_scale(name, value):
    """A positive number that stays finite and non-zero in f32 (the op's
    `scale` attribute); ValueError otherwise."""
    number = real(name, value)
    # f32's largest finite value and smallest subnormal.
    if not (math.isfinite(number) and 1.4e-45 <= number <= 3.4028234663852886e38):
        raise ValueError(f"{name} must be a positive finite f32 number, got {value!r}")
    return number


def shape(name, value, rank=4):
    """A list of `rank` positive ints from a sequence (tuple, list,
    torch.Size, numpy array) of integers; ValueError naming `name`."""
    if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__len__"):
        raise ValueError(f"{name} must be {rank} positive ints [B, H, N, D], "
                         f"got {value!r}")
    items = list(value)
    if len(items) != rank:
        raise ValueError(f"{name} must be {rank} positive ints [B, H, N, D], "
                         f"got {value!r}")
    return [integer(f"{name}[{i}]", d, minimum=1) for i, d in enumerate(items)]


def text(name, value):
    """`value` if it is a str, else TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {value!r}")
    return value


def pipeline_word(name, value):
    """A non-empty string that can be pasted into a pass pipeline as an
    option's value; ValueError naming the characters allowed."""
    text(name, value)
    if not _PIPELINE_WORD.fullmatch(value):
        raise ValueError(
            f"{name}={value!r} is not a valid value: use letters, digits and "
            "_ . + , : / @ % ~ - (no spaces, braces, quotes or '=')")
    return value


def path(name, value):
    """A str or os.PathLike as a str; TypeError otherwise."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {value!r}")
    value = os.fspath(value)
    if not isinstance(value, str) or not value or "\0" in value:
        raise ValueError(f"{name} must be a non-empty path, got {value!r}")
    return value


def file_name(name, value):
    """A plain file name (no folder, no leading dot)."""
    text(name, value)
    if not _FILE_NAME.fullmatch(value):
        raise ValueError(f"{name} must be a plain file name (no folder, no "
                         f"leading dot), got {value!r}")
    return value


def one_of(name, value, allowed):
    """`value` if it equals one of `allowed` (strings or None, compared
    with `is` for None and by type for strings), else ValueError."""
    for a in allowed:
        if (a is None and value is None) or (
                isinstance(a, str) and isinstance(value, str) and a == value):
            return value
    raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, "
                     f"got {value!r}")


def mask_pattern(name, value, window=None):
    """A mask pattern (fa.attention's #fa.mask_pattern) as [chunk, global,
    butterfly], or None for none: `value` a MaskPattern, or a dict of those
    keys ("global_tokens" for "global"), each an integer >= 0 (TypeError
    for other types); ValueError for none set, chunk with butterfly, either
    with `window` (one local pattern), or global tokens without a local
    pattern (a chunk, a butterfly or the window)."""
    if value is None:
        return None
    if isinstance(value, dict):
        unknown = set(value) - {"chunk", "global", "global_tokens", "butterfly"}
        if unknown:
            raise ValueError(f"{name} has unknown keys {sorted(unknown)}; use "
                             "chunk, global_tokens and butterfly")
        fields = (value.get("chunk", 0),
                  value.get("global_tokens", value.get("global", 0)),
                  value.get("butterfly", 0))
    elif all(hasattr(value, f) for f in ("chunk", "global_tokens", "butterfly")):
        fields = (value.chunk, value.global_tokens, value.butterfly)
    elif isinstance(value, (list, tuple)) and len(value) == 3:
        fields = tuple(value)  # a configuration's [chunk, global, butterfly]
    else:
        raise TypeError(f"{name} must be a MaskPattern or a dict, got {value!r}")
    chunk, glob, fly = (integer(f"{name}.{f}", v, minimum=0) for f, v in
                        zip(("chunk", "global_tokens", "butterfly"), fields))
    if not (chunk or glob or fly):
        raise ValueError(f"{name} needs a positive chunk, global_tokens or "
                         "butterfly")
    if chunk and fly:
        raise ValueError(f"{name} has one local pattern: chunk or butterfly, "
                         "not both")
    if (chunk or fly) and window is not None:
        raise ValueError(f"{name} with a chunk or butterfly excludes window "
                         "(one local pattern)")
    if glob and not (chunk or fly or window is not None):
        raise ValueError(f"{name}'s global tokens need a local pattern: a "
                         "chunk, a butterfly or a window")
    return [chunk, glob, fly]


def window(name, value, causal):
    """A sliding window (left, right) as [left, right], or None for none:
    two integers of at least 0 (TypeError for other types), right 0 with
    `causal` (causal is the window's right edge); ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") \
            or len(value) != 2:
        raise ValueError(f"{name} must be a pair (left, right) of key counts, "
                         f"got {value!r}")
    left, right = (integer(f"{name}[{i}]", v) for i, v in enumerate(value))
    if left < 0 or right < 0:
        raise ValueError(f"{name} extents must not be negative, got "
                         f"({left}, {right})")
    if causal and right != 0:
        raise ValueError(f"{name} with causal must have right = 0 (causal is "
                         f"the window's right edge), got ({left}, {right})")
    return [left, right]


def block_mask(name, value, q, k):
    """A block mask's description {"block_q", "block_kv", "shape"} for Q of
    shape `q` and K of shape `k`, from (block_q, block_kv) or (block_q,
    block_kv, shape) (shape default [B, Hq, ceil(Nq / block_q), ceil(Nk /
    block_kv)]; its B and H may be 1), or None for none. Block sizes are
    positive multiples of 16 (ValueError otherwise, and for a shape that
    is not the blocks')."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = (value.get("block_q"), value.get("block_kv"), value.get("shape"))
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") \
            or len(value) not in (2, 3):
        raise ValueError(f"{name} must be (block_q, block_kv) or (block_q, "
                         f"block_kv, shape), got {value!r}")
    bq, bk = (integer(f"{name} block size", v, minimum=1) for v in value[:2])
    if bq % 16 or bk % 16:
        raise ValueError(f"{name} block sizes must be multiples of 16, got "
                         f"({bq}, {bk})")
    blocks = (-(-q[2] // bq), -(-k[2] // bk))
    full = (q[0], q[1]) + blocks
    given = value[2] if len(value) == 3 and value[2] is not None else full
    given = shape(f"{name} shape", given)
    if (len(given) != 4 or given[0] not in (1, q[0]) or given[1] not in (1, q[1])
            or tuple(given[2:]) != blocks):
        raise ValueError(
            f"{name} shape {tuple(given)} is not [B or 1, Hq or 1, "
            f"ceil(Nq / {bq}), ceil(Nk / {bk})] = [{q[0]} or 1, {q[1]} or 1, "
            f"{blocks[0]}, {blocks[1]}]")
    return {"block_q": bq, "block_kv": bk, "shape": list(given)}
