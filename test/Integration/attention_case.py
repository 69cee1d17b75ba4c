#!/usr/bin/env python3
"""Generates and checks one CPU execution case of fa.attention.

`attention_case.py emit ARGS` prints an MLIR module whose @main builds
random inputs (drawn here with a fixed seed, written in as dense constants),
runs one fa.attention on them and prints the output (and logsumexp) with
printMemrefF32. `attention_case.py check ARGS` reads what mlir-runner printed
on stdin, recomputes the same inputs from the same seed, and compares the
output against an independent float64 NumPy reference with the
FlashAttention criterion of shared/DESIGN.md:

    max|ours - ref| <= 2 * max|naive - ref| + floor

where `naive` is the textbook attention computed in the input precision
(each intermediate rounded to the element type, as PyTorch's math path does
in bf16/f16). Nothing here reads the compiler's output to make its numbers.
"""

import argparse
import math
import re
import sys

import numpy as np


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["emit", "check", "run"])
    p.add_argument("--passes", default="--fa-decompose-attention",
                   help="run mode: fa-opt options that lower fa.attention")
    p.add_argument("--b", type=int, default=1)
    p.add_argument("--hq", type=int, default=2)
    p.add_argument("--hkv", type=int, default=0, help="0 means hq")
    p.add_argument("--nq", type=int, default=16)
    p.add_argument("--nk", type=int, default=0, help="0 means nq")
    p.add_argument("--d", type=int, default=16)
    p.add_argument("--dv", type=int, default=0, help="0 means d")
    p.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    p.add_argument("--causal", action="store_true")
    p.add_argument("--window", default="",
                   help="left,right: a #fa.window (keys i' - left .. "
                        "i' + right)")
    p.add_argument("--chunk", type=int, default=0,
                   help="a #fa.mask_pattern chunk (chunked attention)")
    p.add_argument("--global-tokens", type=int, default=0,
                   help="a #fa.mask_pattern's global tokens")
    p.add_argument("--butterfly", type=int, default=0,
                   help="a #fa.mask_pattern block butterfly's cell size")
    p.add_argument("--block-mask", default="",
                   help="block_q,block_kv: a random runtime block mask "
                        "(block_mask operand, #fa.block_sparse)")
    p.add_argument("--bm-density", type=float, default=0.5,
                   help="with --block-mask: the fraction of blocks kept")
    p.add_argument("--bm-broadcast", action="store_true",
                   help="with --block-mask: one mask for all batches and "
                        "heads (B and H of size 1)")
    p.add_argument("--bm-i1", action="store_true",
                   help="with --block-mask: i1 entries rather than i8")
    p.add_argument("--bm-empty-rows", action="store_true",
                   help="with --block-mask: query block 0 keeps no block "
                        "(its rows see no key: output 0, lse -inf)")
    p.add_argument("--scale", type=float, default=0.0, help="0 means 1/sqrt(d)")
    p.add_argument("--mask", choices=["none", "bias", "bool", "bias-row",
                                      "bias-full", "bias-key", "bias-query"],
                   default="none")
    p.add_argument("--lse", action="store_true")
    p.add_argument("--dynamic", action="store_true",
                   help="pass B, Nq, Nk as dynamic dimensions")
    p.add_argument("--magnitude", type=float, default=1.0,
                   help="scale of Q and K: 30+ gives scores where exp overflows")
    p.add_argument("--masked-rows", type=int, default=0,
                   help="with --mask bool: this many query rows see no key")
    p.add_argument("--tiling", default="",
                   help="block_q,block_kv,stages,warps for a #fa.tiling")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--adversarial", default="none",
                   choices=["none"] + list(ADVERSARIAL),
                   help="inject hostile values into the inputs "
                        "(docs/Reliability.md)")
    a = p.parse_args(argv)
    if a.adversarial == "huge" and not a.scale:
        a.scale = 1e30
    a.hkv = a.hkv or a.hq
    a.nk = a.nk or a.nq
    a.dv = a.dv or a.d
    a.scale_value = a.scale or 1.0 / math.sqrt(a.d)
    return a


# --- Rounding to the element type -------------------------------------------

def round_bf16(x):
    """Round float32 values to the nearest bf16 (ties to even), as float32."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    rounded = ((bits + rounding) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), x, out)


def round_to(x, dtype):
    x = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return x
    if dtype == "f16":
        with np.errstate(over="ignore"):
            return x.astype(np.float16).astype(np.float32)
    return round_bf16(x)


# --- Inputs -----------------------------------------------------------------

def make_inputs(a):
    rng = np.random.default_rng(a.seed)
    q = rng.standard_normal((a.b, a.hq, a.nq, a.d)) * a.magnitude
    k = rng.standard_normal((a.b, a.hkv, a.nk, a.d)) * a.magnitude
    v = rng.standard_normal((a.b, a.hkv, a.nk, a.dv))
    q, k, v = (round_to(t, a.dtype) for t in (q, k, v))
    mask = None
    if a.mask == "bias":
        mask = round_to(rng.standard_normal((1, a.hq, a.nq, a.nk)), a.dtype)
    elif a.mask == "bias-row":
        # Broadcast over batch and heads, with -inf entries.
        m = rng.standard_normal((1, 1, a.nq, a.nk))
        m[rng.random(m.shape) < 0.3] = -np.inf
        mask = round_to(m, a.dtype)
    elif a.mask == "bias-full":
        mask = round_to(rng.standard_normal((a.b, a.hq, a.nq, a.nk)), a.dtype)
    elif a.mask == "bias-key":
        # Per key, broadcast over heads and queries; -inf pads keys out.
        m = rng.standard_normal((a.b, 1, 1, a.nk))
        m[rng.random(m.shape) < 0.2] = -np.inf
        mask = round_to(m, a.dtype)
    elif a.mask == "bias-query":
        # Per query row and head, broadcast over batch and keys.
        mask = round_to(rng.standard_normal((1, a.hq, a.nq, 1)), a.dtype)
    elif a.mask == "bool":
        m = rng.random((a.b, 1, a.nq, a.nk)) < 0.7
        m[:, :, : a.masked_rows, :] = False
        mask = m
    if a.adversarial != "none":
        q, k, v, mask = ADVERSARIAL[a.adversarial](a, q, k, v, mask)
    return q, k, v, mask


def block_mask(a):
    """The --block-mask entries, bool [B or 1, Hq or 1, Mq, Mk], drawn from a
    generator of their own (the other inputs keep theirs); None without."""
    if not a.block_mask:
        return None
    bq, bk = (int(x) for x in a.block_mask.split(","))
    rng = np.random.default_rng(a.seed + 7919)
    shape = (1 if a.bm_broadcast else a.b, 1 if a.bm_broadcast else a.hq,
             -(-a.nq // bq), -(-a.nk // bk))
    bm = rng.random(shape) < a.bm_density
    if a.bm_empty_rows:
        bm[:, :, 0, :] = False
    return bm


def block_mask_keep(a):
    """The block mask expanded to the elements, broadcastable to
    [B, Hq, Nq, Nk]; None without a block mask."""
    bm = block_mask(a)
    if bm is None:
        return None
    bq, bk = (int(x) for x in a.block_mask.split(","))
    return bm.repeat(bq, axis=2)[:, :, : a.nq].repeat(bk, axis=3)[..., : a.nk]


# --- Adversarial inputs (--adversarial) -------------------------------------
# Each injects values after the random draw, from its own generator, so that
# the ordinary cases keep their inputs.

def _at(x, *idx):
    """Index `idx` of the last dims of x, wrapped into its extents."""
    lead = (0,) * (x.ndim - len(idx))
    return lead + tuple(i % n for i, n in zip(idx, x.shape[-len(idx):]))


def adv_inf(a, q, k, v, mask):
    # +inf in a key: scores of +-inf (a row whose max is +inf is NaN, a -inf
    # score drops the key); -inf in a query row; +inf in a value column.
    q, k, v = q.copy(), k.copy(), v.copy()
    k[_at(k, 2, 1)] = np.inf
    q[_at(q, 1, 0)] = -np.inf
    v[_at(v, 3, 0)] = np.inf
    return q, k, v, mask


def adv_nan(a, q, k, v, mask):
    # NaN in one query row, one key and one value column.
    q, k, v = q.copy(), k.copy(), v.copy()
    q[_at(q, 2, 1)] = np.nan
    k[_at(k, 4, 0)] = np.nan
    v[_at(v, 1, 2)] = np.nan
    return q, k, v, mask


def adv_denormal(a, q, k, v, mask):
    # Q and K subnormal (scores underflow to 0: a uniform softmax), half of V
    # subnormal.
    tiny = {"f32": 1e-39, "bf16": 1e-39, "f16": 1e-6}[a.dtype]
    q, k = (round_to(t * tiny, a.dtype) for t in (q, k))
    v = v.copy()
    v[..., ::2, :] = round_to(v[..., ::2, :] * tiny, a.dtype)
    return q, k, v, mask


def adv_f16_overflow(a, q, k, v, mask):
    # |Q|, |K| ~ 300: every product is ~9e4 and the dot products exceed
    # f16's 65504. Accumulated in f32 they stay finite.
    rng = np.random.default_rng(a.seed + 1000)
    q = round_to(300 * np.sign(q) * (1 + 0.05 * rng.random(q.shape)), a.dtype)
    k = round_to(300 * np.sign(k) * (1 + 0.05 * rng.random(k.shape)), a.dtype)
    return q, k, v, mask


def adv_huge(a, q, k, v, mask):
    # Scores of ~1e30 come from scale = 1e30 (parse_args); inputs unchanged.
    return q, k, v, mask


def adv_masked_bias(a, q, k, v, mask):
    # An additive bias that is -inf on whole rows: output 0, lse -inf.
    m = np.zeros((1, 1, a.nq, a.nk)) if mask is None or mask.dtype == bool \
        else mask.copy()
    m[..., ::3, :] = -np.inf
    return q, k, v, round_to(m, a.dtype)


ADVERSARIAL = {
    "inf": adv_inf, "nan": adv_nan, "denormal": adv_denormal,
    "f16-overflow": adv_f16_overflow, "huge": adv_huge,
    "masked-bias": adv_masked_bias,
}


# --- References -------------------------------------------------------------

def visible(a):
    """[Nq, Nk] bool: causal and window visibility, bottom-right aligned."""
    i = np.arange(a.nq)[:, None]
    j = np.arange(a.nk)[None, :]
    keep = np.ones((a.nq, a.nk), dtype=bool)
    diag = i + (a.nk - a.nq)
    if a.causal:
        keep &= j <= diag
    # The local pattern (window, chunk or butterfly) or the global tokens
    # (rows and keys at positions < G), under causal.
    local = np.ones((a.nq, a.nk), dtype=bool)
    if a.window:
        left, right = (int(x) for x in a.window.split(","))
        local = (j >= diag - left) & (j <= diag + right)
    if a.chunk:
        local = (diag // a.chunk) == (j // a.chunk)
    if a.butterfly:
        x = (diag // a.butterfly) ^ (j // a.butterfly)
        local = (x & (x - 1)) == 0
    if a.global_tokens:
        local = local | (j < a.global_tokens) | (diag < a.global_tokens)
    return keep & local


def masked_scores(a, q, k, mask, dt, rnd):
    """S = scale * Q K^T (+ bias), [B, Hq, Nq, Nk] in `dt` rounded by `rnd`,
    -inf where the causal mask or the keep-mask hides the key."""
    k = np.repeat(k, a.hq // a.hkv, axis=1).astype(dt)
    s = rnd(np.einsum("bhid,bhjd->bhij", q.astype(dt), k) * dt(a.scale_value))
    keep = np.broadcast_to(visible(a), s.shape)
    if (blocks := block_mask_keep(a)) is not None:
        keep = keep & np.broadcast_to(blocks, s.shape)
    if mask is not None:
        if mask.dtype == bool:
            keep = keep & np.broadcast_to(mask, s.shape)
        else:
            s = rnd(s + mask.astype(dt))
    return np.where(keep, s, -np.inf).astype(dt)


def attention(a, q, k, v, mask, dt, rnd):
    """Attention with every intermediate in `dt` and rounded by `rnd`."""
    v = np.repeat(v, a.hq // a.hkv, axis=1).astype(dt)
    s = masked_scores(a, q, k, mask, dt, rnd)
    m = s.max(axis=-1, keepdims=True)
    m_safe = np.where(np.isneginf(m), 0, m).astype(dt)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        p = np.exp(s - m_safe)
        l = p.sum(axis=-1, keepdims=True)
        p = rnd(np.where(l == 0, 0, p / np.where(l == 0, 1, l)))
        o = rnd(np.einsum("bhij,bhjd->bhid", p, v))
        lse = (m_safe + np.log(l))[..., 0]
    return o, lse


def reference(a, q, k, v, mask):
    return attention(a, q, k, v, mask, np.float64, lambda x: x)


def naive(a, q, k, v, mask):
    if a.dtype == "f32":
        return attention(a, q, k, v, mask, np.float32, lambda x: x)
    return attention(a, q, k, v, mask, np.float32,
                     lambda x: round_to(x, a.dtype))


# --- Emission ---------------------------------------------------------------

NONFINITE_HEX = {  # MLIR spells inf and nan in float constants as bit patterns
    "f32": {"inf": "0x7F800000", "-inf": "0xFF800000", "nan": "0x7FC00000"},
    "f16": {"inf": "0x7C00", "-inf": "0xFC00", "nan": "0x7E00"},
    "bf16": {"inf": "0x7F80", "-inf": "0xFF80", "nan": "0x7FC0"},
}


def literal(v, elt):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isfinite(v):
        return repr(float(v))
    key = "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return NONFINITE_HEX[elt][key]


def dense(x, elt):
    flat = ", ".join(literal(v, elt) for v in np.asarray(x).reshape(-1).tolist())
    return f"dense<[{flat}]>"


def ttype(shape, elt, dynamic_dims=()):
    dims = ["?" if i in dynamic_dims else str(s) for i, s in enumerate(shape)]
    return "tensor<" + "x".join(dims + [elt]) + ">"


class Program:
    """The lines of an MLIR @main that builds constant inputs, runs ops on
    them and prints results; shared by the forward and backward cases."""

    def __init__(self, dynamic):
        self.dynamic = dynamic
        self.dyn = (0, 2) if dynamic else ()  # B and N dynamic
        self.lines = ["func.func private @printMemrefF32(tensor<*xf32>)",
                      "func.func @main() {"]
        self.dims = None
        self.types = {}  # constant name -> its type

    def add(self, line):
        self.lines.append("  " + line)

    def const(self, name, x, e, dynamic=None):
        """%name = x (reshaped from a flat constant: one line per tensor);
        rank-4 inputs get dynamic B and N with --dynamic."""
        dynamic = self.dynamic if dynamic is None else dynamic
        t = ttype(x.shape, e)
        flat_t = f"tensor<{x.size}x{e}>"
        self.add(f"%{name}_flat = arith.constant {dense(x, e)} : {flat_t}")
        shape = ", ".join(str(s) for s in x.shape)
        self.add(f"%{name}_st = tensor.expand_shape %{name}_flat "
                 f"[[{', '.join(str(i) for i in range(len(x.shape)))}]] "
                 f"output_shape [{shape}] : {flat_t} into {t}")
        if dynamic and len(x.shape) == 4:
            dt = ttype(x.shape, e, self.dyn)
            self.add(f"%{name} = tensor.cast %{name}_st : {t} to {dt}")
            t = dt
        else:
            self.add(f"%{name} = tensor.cast %{name}_st : {t} to {t}")
        self.types[name] = t
        return t

    def mask(self, mask, elt):
        """The mask constant (static shape) and its `mask(...)` clause."""
        if mask is None:
            return ""
        me = "i1" if mask.dtype == bool else elt
        mt = self.const("m", mask, me, dynamic=False)
        return f" mask(%m : {mt})"

    def poisoned(self, name, shape, elt, like="q", dynamic=True):
        """An init of `shape` filled with NaN, so that an unwritten element
        shows; with --dynamic, B and N are those of input %like (`dynamic`
        False: static)."""
        if not hasattr(self, "_nan"):
            self._nan = {}
            self.add("%nan = arith.constant 0x7FC00000 : f32")
            self._nan["f32"] = "%nan"
        if elt not in self._nan:
            self.add(f"%nan_{elt} = arith.truncf %nan : f32 to {elt}")
            self._nan[elt] = f"%nan_{elt}"
        dyn = self.dyn if dynamic else ()
        dims = []
        if dyn:
            if self.dims is None:
                self.add("%c0 = arith.constant 0 : index")
                self.add("%c2 = arith.constant 2 : index")
                self.dims = {}
            if like not in self.dims:
                t = self.types[like]
                self.add(f"%{like}_db = tensor.dim %{like}, %c0 : {t}")
                self.add(f"%{like}_dn = tensor.dim %{like}, %c2 : {t}")
                self.dims[like] = [f"%{like}_db", f"%{like}_dn"]
            dims = self.dims[like]
        t = ttype(shape, elt, dyn)
        self.add(f"%{name}_e = tensor.empty({', '.join(dims)}) : {t}")
        self.add(f"%{name} = linalg.fill ins({self._nan[elt]} : {elt}) "
                 f"outs(%{name}_e : {t}) -> {t}")
        return t

    def print_f32(self, value, t, elt):
        """printMemrefF32 of `value` (extended to f32 first)."""
        name = value.lstrip("%").replace("#", "_")
        if elt != "f32":
            ft = t.replace(f"x{elt}>", "xf32>")
            self.add(f"%{name}_f = arith.extf {value} : {t} to {ft}")
            value, t = f"%{name}_f", ft
        self.add(f"%{name}_u = tensor.cast {value} : {t} to tensor<*xf32>")
        self.add(f"call @printMemrefF32(%{name}_u) : (tensor<*xf32>) -> ()")

    def text(self):
        return "\n".join(self.lines + ["  return", "}"])


def attr_text(a):
    """The ` {causal, scale = .., tiling = ..}` of an op, from the args."""
    attrs = []
    if a.causal:
        attrs.append("causal")
    if a.window:
        left, right = a.window.split(",")
        attrs.append(f"window = #fa.window<left = {left}, right = {right}>")
    fields = [f"{name} = {value}" for name, value in
              (("chunk", a.chunk), ("global", a.global_tokens),
               ("butterfly", a.butterfly)) if value]
    if fields:
        attrs.append(f"mask_pattern = #fa.mask_pattern<{', '.join(fields)}>")
    if a.block_mask:
        bq, bk = a.block_mask.split(",")
        attrs.append(f"block_sparse = #fa.block_sparse<block_q = {bq}, "
                     f"block_kv = {bk}>")
    if a.scale:
        text = repr(float(a.scale))
        if "." not in text:  # MLIR wants 1.0e+30, not 1e+30
            text = f"{a.scale:.9e}"
        attrs.append(f"scale = {text} : f32")
    if a.tiling:
        bq, bkv, st, w = a.tiling.split(",")
        attrs.append(f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
                     f"stages = {st}, warps = {w}>")
    return " {" + ", ".join(attrs) + "}" if attrs else ""


def emit_inputs(a, prog, q, k, v, mask):
    """Q, K, V and the mask as constants; returns their types and the
    `ins(...)` operands text and the mask clause."""
    elt = a.dtype
    tq = prog.const("q", q, elt)
    tk = prog.const("k", k, elt)
    tv = prog.const("v", v, elt)
    clauses = prog.mask(mask, elt)
    bm = block_mask(a)
    if bm is not None:
        be = "i1" if a.bm_i1 else "i8"
        tb = prog.const("bm", bm if a.bm_i1 else bm.astype(np.int8), be,
                        dynamic=False)
        clauses += f" block_mask(%bm : {tb})"
    return tq, tk, tv, clauses


def emit_forward(a, prog, tq, tk, tv, mask_part, lse):
    """%r = fa.attention on %q, %k, %v; returns the result names and types."""
    to = prog.poisoned("o0", (a.b, a.hq, a.nq, a.dv), a.dtype)
    outs, types = ["%o0"], [to]
    if lse:
        outs.append("%l0")
        types.append(prog.poisoned("l0", (a.b, a.hq, a.nq), "f32"))
    res = "%r:2" if lse else "%r"
    prog.add(f"{res} = fa.attention ins(%q, %k, %v : {tq}, {tk}, {tv})"
             f"{mask_part} outs({', '.join(outs)} : {', '.join(types)})"
             f"{attr_text(a)} -> {', '.join(types)}")
    names = ["%r#0", "%r#1"] if lse else ["%r"]
    return names, types


def emit(a):
    q, k, v, mask = make_inputs(a)
    prog = Program(a.dynamic)
    tq, tk, tv, mask_part = emit_inputs(a, prog, q, k, v, mask)
    names, types = emit_forward(a, prog, tq, tk, tv, mask_part, a.lse)
    prog.print_f32(names[0], types[0], a.dtype)
    if a.lse:
        prog.print_f32(names[1], types[1], "f32")
    print(prog.text())


# --- Checking ---------------------------------------------------------------

# The absolute floor of the criterion, per element type.
FLOOR = {"f32": 1e-5, "f16": 1e-4, "bf16": 1e-3}

NUM = re.compile(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)", re.IGNORECASE)


def parse_memrefs(text):
    """Returns the data of each printed memref, flattened, in order."""
    chunks = text.split("Unranked Memref")[1:]
    out = []
    for c in chunks:
        data = c.split("data =", 1)[1]
        out.append(np.array([float(t) for t in NUM.findall(data)]))
    return out


def compare(name, g, r, n, dtype):
    """Compares the printed values `g` with the reference `r` by the
    criterion max|g - r| <= 2 * max|n - r| + floor (`n`: the naive
    implementation's values); prints one line. True when within the bound,
    False when not, None when the sizes differ."""
    r = np.asarray(r).reshape(-1)
    n = np.asarray(n).reshape(-1)
    if g.size != r.size:
        print(f"FAIL: {name} has {g.size} elements, expected {r.size}")
        return None
    # Non-finite reference values must be matched exactly (inf/-inf/nan).
    fin = np.isfinite(r)
    same_nonfinite = np.all(
        (np.isnan(g[~fin]) & np.isnan(r[~fin])) | (g[~fin] == r[~fin]))
    if np.any(~np.isfinite(g[fin])) or not same_nonfinite:
        print(f"FAIL: {name}: non-finite values differ from the reference")
        return False
    err = float(np.max(np.abs(g[fin] - r[fin]), initial=0.0))
    nerr = float(np.max(np.abs(n[fin] - r[fin]), initial=0.0))
    ref = float(np.max(np.abs(r[fin]), initial=0.0))
    # printMemrefF32 prints 6 significant digits: allow that rounding.
    bound = 2 * nerr + FLOOR[dtype] + 6e-6 * ref
    status = "ok" if err <= bound else "FAIL"
    print(f"{status}: {name} max_abs_err={err:.3e} naive_err={nerr:.3e} "
          f"bound={bound:.3e} max_abs_ref={ref:.3e} elements={g.size}"
          + (f" nonfinite={int((~fin).sum())}" if not fin.all() else ""))
    return err <= bound


def check(a, text):
    q, k, v, mask = make_inputs(a)
    ref_o, ref_l = reference(a, q, k, v, mask)
    nai_o, nai_l = naive(a, q, k, v, mask)
    if a.adversarial in ("huge", "f16-overflow"):
        # Scores beyond 65504 overflow a naive attention in f16 (inf, NaN):
        # its error bounds nothing. Bound by f32 arithmetic instead, rounded
        # to the element type at the end, as the kernel's output is.
        nai_o, nai_l = attention(a, q, k, v, mask, np.float32, lambda x: x)
        nai_o = round_to(nai_o, a.dtype)
    got = parse_memrefs(text)
    expected = 2 if a.lse else 1
    if len(got) != expected:
        print(f"FAIL: expected {expected} printed memrefs, got {len(got)}")
        return 1
    ok = True
    pairs = [("output", got[0], ref_o, nai_o)]
    if a.lse:
        pairs.append(("logsumexp", got[1], ref_l, nai_l))
    for name, g, r, n in pairs:
        within = compare(name, g, r, n, a.dtype)
        if within is None:
            return 1
        ok = ok and within
    print("PASSED" if ok else "FAILED")
    return 0 if ok else 1


# Upstream lowering of the (decomposed or tiled) tensor IR to the CPU.
CPU_LOWERING = [
    "--convert-elementwise-to-linalg",
    "--one-shot-bufferize=bufferize-function-boundaries",
    # The tiled form's scf.forall (one iteration per future thread block)
    # runs sequentially on the CPU.
    "--scf-forall-to-for",
    "--convert-linalg-to-loops", "--expand-strided-metadata", "--lower-affine",
    "--convert-scf-to-cf", "--convert-to-llvm", "--reconcile-unrealized-casts",
]


def run_pipeline(text, passes):
    """emit | fa-opt PASSES | mlir-opt CPU_LOWERING | mlir-runner: what the
    program printed, or None after printing why it failed."""
    import os
    import re
    import shlex
    import subprocess

    libdir = os.environ.get("MLIR_LIB_DIR", "/usr/lib/llvm-22/lib")
    stages = [
        ["fa-opt"] + shlex.split(passes),
        # The tiled form's scf.forall carries the fa.tiling marker, an
        # attribute of a dialect upstream mlir-opt does not know.
        ["mlir-opt", "--allow-unregistered-dialect"] + CPU_LOWERING,
        ["mlir-runner", "-e", "main", "-entry-point-result=void",
         f"-shared-libs={libdir}/libmlir_runner_utils.so,"
         f"{libdir}/libmlir_c_runner_utils.so"],
    ]
    for cmd in stages:
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"FAIL: {shlex.join(cmd)} exited {proc.returncode}\n"
                  f"{proc.stderr}")
            return None
        # The upstream tools cannot parse the #fa.target that fa-set-target
        # leaves on the module; nothing after the tiling reads it.
        text = re.sub(r"module attributes \{fa\.target = #fa\.target<[^>]*>\}",
                      "module", proc.stdout)
    return text


def run(a, argv):
    """emit | fa-opt PASSES | mlir-opt CPU_LOWERING | mlir-runner | check."""
    import io

    buf = io.StringIO()
    old, sys.stdout = sys.stdout, buf
    try:
        emit(a)
    finally:
        sys.stdout = old
    text = run_pipeline(buf.getvalue(), a.passes)
    return 1 if text is None else check(a, text)


def main(argv):
    a = parse_args(argv)
    if a.mode == "emit":
        emit(a)
        return 0
    if a.mode == "run":
        return run(a, argv)
    return check(a, sys.stdin.read())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
