#!/usr/bin/env python3
"""Generates and checks one CPU execution case of fa.attention_grad.

`attention_grad_case.py run ARGS` emits an MLIR module whose @main builds
random Q, K, V (the mask, and dO) with a fixed seed as dense constants, runs
fa.attention on them for O and the logsumexp, feeds those to
fa.attention_grad, and prints dQ, dK, dV (and dBias) with printMemrefF32;
it lowers the module (`--passes`, then the upstream CPU lowering of
attention_case.py), runs it with mlir-runner and compares each gradient with
the closed form computed here in float64 NumPy:

    P = softmax(scale * Q K^T + bias)      masked keys 0, a row with none 0
    dV = P^T dO      dP = dO V^T      D = rowsum(dO * O)      dS = P (dP - D)
    dQ = scale * dS K      dK = scale * dS^T Q      dBias = dS (summed over
    the bias's broadcast dimensions); dK and dV summed over a GQA group

with the criterion of shared/DESIGN.md: max|ours - ref| <= 2 * max|naive -
ref| + floor, where `naive` is the same closed form with every intermediate
rounded to the element type (and P computed from the logsumexp, in f32 at
best, as the backward receives it). Rows whose keys are all masked must get
a dQ of exactly 0. The arguments are attention_case.py's, plus --dbias.
"""

import io
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attention_case as ac  # noqa: E402


def parse_args(argv):
    dbias = "--dbias" in argv
    a = ac.parse_args([x for x in argv if x != "--dbias"])
    a.dbias = dbias
    if dbias and (a.mask in ("none", "bool") or a.adversarial != "none"):
        sys.exit("--dbias needs a float bias (--mask bias*)")
    return a


def make_inputs(a):
    """attention_case's inputs and dO, drawn from a generator of its own so
    that Q, K, V and the mask are those of the forward case of the seed."""
    q, k, v, mask = ac.make_inputs(a)
    rng = np.random.default_rng(a.seed + 7919)
    do = ac.round_to(rng.standard_normal((a.b, a.hq, a.nq, a.dv)), a.dtype)
    return q, k, v, mask, do


def group_sum(x, a):
    """[B, Hq, ...] -> [B, Hkv, ...]: the sum over the query heads of each
    KV group."""
    g = a.hq // a.hkv
    return x.reshape((a.b, a.hkv, g) + x.shape[2:]).sum(axis=2)


def broadcast_axes(mask, a):
    full = (a.b, a.hq, a.nq, a.nk)
    return tuple(i for i in range(4) if mask.shape[i] == 1 and full[i] != 1)


def gradients(a, q, k, v, mask, do, dt, rnd):
    """The closed-form gradients, every intermediate in `dt` and rounded by
    `rnd`: dq, dk, dv, dbias (None without --dbias), and the [B, Hq, Nq]
    rows that see no key."""
    g = a.hq // a.hkv
    kr = np.repeat(k, g, axis=1).astype(dt)
    vr = np.repeat(v, g, axis=1).astype(dt)
    q, do = q.astype(dt), do.astype(dt)
    scale = dt(a.scale_value)
    s = ac.masked_scores(a, q, k, mask, dt, rnd)
    # P from the logsumexp, as the backward computes it (the forward hands
    # over lse in f32: in f32 its rounding, ~|lse| * 2^-24 relative in P,
    # is part of the naive error; in float64 this is the softmax).
    m = s.max(axis=-1, keepdims=True)
    m_safe = np.where(np.isneginf(m), 0, m).astype(dt)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        l = np.exp(s - m_safe).sum(axis=-1, keepdims=True)
        lse = (m_safe + np.log(l)).astype(dt)
        lse_safe = np.where(np.isneginf(lse), 0, lse).astype(dt)
        p = rnd(np.exp(s - lse_safe))
    o = rnd(np.einsum("bhij,bhje->bhie", p, vr))
    dp = rnd(np.einsum("bhie,bhje->bhij", do, vr))
    d = rnd((do * o).sum(axis=-1, keepdims=True))
    ds = rnd(p * (dp - d))
    dq = rnd(np.einsum("bhij,bhjd->bhid", ds, kr) * scale)
    dk = rnd(group_sum(np.einsum("bhij,bhid->bhjd", ds, q) * scale, a))
    dv = rnd(group_sum(np.einsum("bhij,bhie->bhje", p, do), a))
    dbias = None
    if a.dbias:
        dbias = rnd(ds.sum(axis=broadcast_axes(mask, a), keepdims=True))
    return dq, dk, dv, dbias, (l[..., 0] == 0)


def emit(a):
    q, k, v, mask, do = make_inputs(a)
    elt = a.dtype
    prog = ac.Program(a.dynamic)
    tq, tk, tv, mask_part = ac.emit_inputs(a, prog, q, k, v, mask)
    tdo = prog.const("do", do, elt)
    (o, lse), (to, tl) = ac.emit_forward(a, prog, tq, tk, tv, mask_part,
                                         lse=True)
    outs = [prog.poisoned("dq0", q.shape, elt, like="q"),
            prog.poisoned("dk0", k.shape, elt, like="k"),
            prog.poisoned("dv0", v.shape, elt, like="k")]
    if a.dbias:
        outs.append(prog.poisoned("db0", mask.shape, elt, dynamic=False))
    n = len(outs)
    inits = ", ".join(f"%{x}0" for x in ("dq", "dk", "dv", "db")[:n])
    prog.add(f"%g:{n} = fa.attention_grad ins(%q, %k, %v, {o}, %do, {lse} : "
             f"{tq}, {tk}, {tv}, {to}, {tdo}, {tl}){mask_part} "
             f"outs({inits} : {', '.join(outs)}){ac.attr_text(a)} "
             f"-> {', '.join(outs)}")
    for i, t in enumerate(outs):
        prog.print_f32(f"%g#{i}", t, elt)
    return prog.text()


def check(a, text):
    q, k, v, mask, do = make_inputs(a)
    ref = gradients(a, q, k, v, mask, do, np.float64, lambda x: x)
    if a.dtype == "f32":
        nai = gradients(a, q, k, v, mask, do, np.float32, lambda x: x)
    else:
        nai = gradients(a, q, k, v, mask, do, np.float32,
                        lambda x: ac.round_to(x, a.dtype))
    names = ["dQ", "dK", "dV"] + (["dBias"] if a.dbias else [])
    got = ac.parse_memrefs(text)
    if len(got) != len(names):
        print(f"FAIL: expected {len(names)} printed memrefs, got {len(got)}")
        return 1
    ok = True
    for name, g, r, n in zip(names, got, ref, nai):
        within = ac.compare(name, g, r, n, a.dtype)
        if within is None:
            return 1
        ok = ok and within
    # A query row that sees no key contributes nothing: its dQ is exactly 0.
    empty = ref[4]
    if empty.any():
        dq = got[0].reshape(q.shape)
        zero = bool(np.all(dq[empty] == 0))
        print(f"{'ok' if zero else 'FAIL'}: dQ of the {int(empty.sum())} rows "
              "without a visible key is " + ("0" if zero else "not 0"))
        ok = ok and zero
    print("PASSED" if ok else "FAILED")
    return 0 if ok else 1


def main(argv):
    mode = argv[0] if argv else ""
    a = parse_args(argv)
    if mode == "emit":
        print(emit(a))
        return 0
    if mode == "run":
        text = ac.run_pipeline(emit(a), a.passes)
        return 1 if text is None else check(a, text)
    return check(a, sys.stdin.read())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
