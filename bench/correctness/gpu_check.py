#!/usr/bin/env python3
"""Runs compiled attention kernels on the GPU and checks them.

Reads DIR/cases.json (gpu_cases.py, next to this file) and, for each case,
DIR/NAME.json, the manifest fa-compile wrote next to NAME.ptx / NAME.cubin.
Loads each through runtime/ (libfa_runtime.so, ctypes), runs it on fresh
random inputs with the output poisoned (NaN) first, and compares with a
float64 PyTorch reference using FlashAttention's criterion (../shared/DESIGN.md):

    max|out - ref| <= 2 * max|naive - ref| + floor

where `naive` is PyTorch math attention in the input precision. Needs a
CUDA GPU and torch; no MLIR. Prints a table with the card's name and writes
the numbers to --json.

  python3 bench/correctness/gpu_check.py --runtime libfa_runtime.so \
      --artifacts DIR [--ptx]
"""

import argparse
import json
import math
import os
import sys
import time

import torch

# The runtime's ctypes binding is the Python package's (python/flashattn_mlir,
# which imports without libFlashAttn-C.so): python/ two folders up, in the
# checkout and in a folder scripts/gpu-artifacts.sh staged (same layout).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.path.isdir(os.path.join(ROOT, "python", "flashattn_mlir")):
    sys.path.insert(0, os.path.join(ROOT, "python"))

from flashattn_mlir.runtime import Runtime  # noqa: E402

FLOOR = {"bf16": 1e-3, "f16": 1e-4}
TORCH_DTYPE = {"bf16": torch.bfloat16, "f16": torch.float16}


def tensors(ts):
    """(device pointer, bytes) of contiguous tensors, as Runtime.launch
    takes them."""
    for i, t in enumerate(ts):
        if not t.is_contiguous():
            raise RuntimeError(f"argument {i} is not contiguous")
    return [(t.data_ptr(), t.numel() * t.element_size()) for t in ts]


def visible_mask(c, device):
    """[Nq, Nk] bool: key j visible from query i (bottom-right causal, and
    the sliding window i' - left <= j <= i' + right, i' = i + Nk - Nq, or
    the mask pattern: docs/BlockSparse.md, "Structured masks")."""
    i = torch.arange(c["nq"], device=device)[:, None]
    j = torch.arange(c["nk"], device=device)[None, :]
    keep = torch.ones(c["nq"], c["nk"], dtype=torch.bool, device=device)
    diag = i + (c["nk"] - c["nq"])
    if c["causal"]:
        keep = keep & (j <= diag)
    # The local pattern (the window, a chunk or a butterfly) or the global
    # tokens (#fa.mask_pattern), under causal.
    local = torch.ones_like(keep)
    if c.get("window"):
        left, right = c["window"]
        local = (j >= diag - left) & (j <= diag + right)
    pattern = c.get("mask_pattern") or {}
    if pattern.get("chunk"):
        n = pattern["chunk"]
        local = torch.div(diag, n, rounding_mode="floor") == j // n
    if pattern.get("butterfly"):
        n = pattern["butterfly"]
        x = torch.div(diag, n, rounding_mode="floor") ^ (j // n)
        local = (x & (x - 1)) == 0
    if pattern.get("global"):
        g = pattern["global"]
        local = local | (j < g) | (diag < g)
    return keep & local


def block_mask_pattern(c, device):
    """The case's block mask (gpu_cases.py's description), int8
    [B or 1, Hq or 1, Mq, Mk], the same for every run of the case:
    'random' keeps each block with the case's density; 'docs' the blocks of
    a document mask of the packed, ragged document lengths (bottom-right
    causal with the case's causal); empty_rows clears every other query
    block's row."""
    m = c["block_mask"]
    bq, bk = m["block"]
    shape = [1 if m["broadcast"] else c["b"], 1 if m["broadcast"] else c["hq"],
             -(-c["nq"] // bq), -(-c["nk"] // bk)]
    gen = torch.Generator().manual_seed(m["seed"])
    if m["pattern"].startswith("random"):
        keep = torch.rand(shape, generator=gen) < m["density"]
    else:
        lengths = torch.tensor(m["docs"])
        ids = torch.repeat_interleave(torch.arange(len(lengths)), lengths)
        ids = torch.cat([ids, ids[-1:].expand(max(c["nk"] - len(ids), 0))])
        kid, qid = ids[:c["nk"]], ids[c["nk"] - c["nq"]:c["nk"]]
        dense = qid[:, None] == kid[None, :]
        if c["causal"]:
            i = torch.arange(c["nq"])[:, None] + c["nk"] - c["nq"]
            dense &= torch.arange(c["nk"])[None, :] <= i
        padded = torch.zeros(shape[2] * bq, shape[3] * bk, dtype=torch.bool)
        padded[:c["nq"], :c["nk"]] = dense
        keep = padded.view(shape[2], bq, shape[3], bk).any(3).any(1)
        keep = keep.expand(shape).clone()
    if m["empty_rows"]:
        keep[:, :, ::2] = False
    return keep.to(torch.int8).to(device).contiguous()


def attention(c, q, k, v, dtype, bm=None):
    """Textbook attention computed in `dtype` (float64 for the reference);
    `bm` the case's block mask (block_mask_pattern), or None."""
    group = c["hq"] // c["hkv"]
    q, k, v = (x.to(dtype) for x in (q, k, v))
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    s = (q @ k.transpose(-1, -2)) * c["scale"]
    s = s.masked_fill(~visible_mask(c, q.device), float("-inf"))
    if bm is not None:
        bq, bk = c["block_mask"]["block"]
        keep = (bm != 0).repeat_interleave(bq, 2)[:, :, :c["nq"]]
        keep = keep.repeat_interleave(bk, 3)[..., :c["nk"]]
        s = s.masked_fill(~keep, float("-inf"))
    p = torch.softmax(s, dim=-1)
    # A row with no visible key is 0 by fa.attention's definition.
    p = torch.nan_to_num(p, nan=0.0)
    return p @ v


def poisoned(shape, dt, device, unaligned):
    """A NaN-filled output; `unaligned`: starting 2 bytes into its
    allocation (not 16-byte aligned), to run the kernels' unaligned paths."""
    if not unaligned:
        return torch.full(shape, float("nan"), dtype=dt, device=device)
    n = math.prod(shape)
    return torch.full((n + 8,), float("nan"), dtype=dt, device=device)[1:n + 1].view(shape)


def check_case(rt, c, art, prefer_cubin, stream, unaligned_out=False):
    device = "cuda"
    dt = TORCH_DTYPE[c["dtype"]]
    gen = torch.Generator(device=device)
    gen.manual_seed(hash(c["name"]) % (2**31) + int(time.time()))
    shape = lambda h, n, d: (c["b"], h, n, d)
    q = torch.randn(shape(c["hq"], c["nq"], c["d"]), generator=gen, device=device).to(dt)
    k = torch.randn(shape(c["hkv"], c["nk"], c["d"]), generator=gen, device=device).to(dt)
    v = torch.randn(shape(c["hkv"], c["nk"], c["dv"]), generator=gen, device=device).to(dt)
    out = poisoned(shape(c["hq"], c["nq"], c["dv"]), dt, device, unaligned_out)
    bm = block_mask_pattern(c, device) if c.get("block_mask") else None
    inputs = [q, k, v] + ([bm] if bm is not None else [])

    manifest = os.path.join(art, c["name"] + ".json")
    if not os.path.exists(manifest):
        raise RuntimeError("not compiled (see NAME.err from gpu-artifacts.sh)")
    handle = rt.load(manifest, prefer_cubin)
    try:
        fmt = rt.loaded_format(handle)
        kernels = rt.num_kernels(handle)
        torch.cuda.synchronize()
        rt.launch(handle, tensors(inputs + [out]), stream)
        rt.synchronize()
        t0 = time.perf_counter()
        out2 = poisoned(out.shape, dt, device, unaligned_out)
        rt.launch(handle, tensors(inputs + [out2]), stream)
        rt.synchronize()
        ms = (time.perf_counter() - t0) * 1e3
        repeats = repeat_launches(rt, handle, c, inputs, out, stream,
                                  unaligned_out)
    finally:
        rt.unload(handle)

    ref = attention(c, q, k, v, torch.float64, bm)
    naive = attention(c, q, k, v, dt, bm).to(torch.float64)
    unwritten = int(torch.isnan(out).sum().item())
    err = (out.to(torch.float64) - ref).abs().max().item()
    nerr = (naive - ref).abs().max().item()
    bound = 2 * nerr + FLOOR[c["dtype"]]
    # Same inputs twice: a difference is a race or an unwritten element.
    rerun = (out2.to(torch.float64) - out.to(torch.float64)).abs().max().item()
    ok = (unwritten == 0 and err <= bound and rerun == 0
          and not repeats.get("bad_launches"))
    status = "PASS" if ok else "FAIL"
    if c.get("expect") == "FAIL":
        # A negative control: the check itself is what is under test.
        status = "PASS (failed as expected)" if not ok else "FAIL (control passed)"
    return {"name": c["name"], "format": fmt, "kernels": kernels,
            "max_abs_err": err, "naive_err": nerr, "bound": bound,
            "unwritten": unwritten, "rerun_diff": rerun, "ms": ms,
            "status": status, **repeats}


# An output value no attention output reaches (|O| <= max |V|), exact in
# bf16 and f16: left where a launch wrote nothing, where the NaN poison
# cannot tell an unwritten element from a computed NaN.
SENTINEL = 1024.0


def repeat_launches(rt, handle, c, inputs, out, stream, unaligned_out):
    """A case's `repeat` further launches on the same inputs (a race shows
    in some launches only; issue 27, decision D91), their outputs poisoned
    with NaN and SENTINEL in turns: how many launches left an element
    non-finite (computed: NaN or inf under the sentinel poison) or
    unwritten (the sentinel left), and where, as rows within the case's
    q-block (row % block_q) and columns. {} without `repeat`."""
    if not c.get("repeat"):
        return {}
    block_q = c["tiling"][0] if c.get("tiling") else c["nq"]
    bad = computed = unwritten = 0
    rows, cols = set(), set()
    for i in range(c["repeat"]):
        o = poisoned(out.shape, out.dtype, out.device, unaligned_out)
        if i % 2:
            o.fill_(SENTINEL)
        rt.launch(handle, tensors(inputs + [o]), stream)
        rt.synchronize()
        wrong = ~torch.isfinite(o)
        if i % 2:
            left = o == SENTINEL
            unwritten += bool(left.any())
            computed += bool(wrong.any())
            wrong |= left
        if wrong.any():
            bad += 1
            at = wrong.nonzero()
            rows.update((at[:, 2] % block_q).unique().tolist())
            cols.update(at[:, 3].unique().tolist())
    return {"repeats": c["repeat"], "bad_launches": bad,
            "computed_nan_launches": computed,
            "unwritten_launches": unwritten,
            "bad_rows_in_block": sorted(rows)[:16],
            "bad_cols": sorted(cols)[:16]}


def open_matrix(runtime, artifacts):
    """The runtime (on the primary context), the card's name, torch's
    current stream and the staged matrix (ARTIFACTS/cases.json)."""
    torch.zeros(1, device="cuda")  # creates the primary context
    rt = Runtime(runtime)
    rt.init(0)
    card = torch.cuda.get_device_name()
    stream = torch.cuda.current_stream().cuda_stream
    with open(os.path.join(artifacts, "cases.json")) as f:
        spec = json.load(f)
    return rt, card, stream, spec


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--runtime", required=True, help="path of libfa_runtime.so")
    p.add_argument("--artifacts", required=True, help="folder with cases.json")
    p.add_argument("--ptx", action="store_true",
                   help="load the PTX (driver JIT) even where a cubin exists")
    p.add_argument("--only", default="", help="run only cases containing this")
    p.add_argument("--json", default="", help="write the results here")
    p.add_argument("--unaligned-out", action="store_true",
                   help="outputs 2 bytes past a 16-byte boundary (the mma-sync "
                        "kernel's unaligned epilogue; TMA kernels refuse them)")
    p.add_argument("--trace", action="store_true",
                   help="name each case on stderr before running it (to find "
                        "one that hangs)")
    a = p.parse_args(argv)

    rt, card, stream, spec = open_matrix(a.runtime, a.artifacts)

    rows = []
    for c in spec["cases"]:
        if a.only and a.only not in c["name"]:
            continue
        if a.trace:
            print(f"running {c['name']}", file=sys.stderr, flush=True)
        try:
            rows.append(check_case(rt, c, a.artifacts, not a.ptx, stream,
                                   a.unaligned_out))
        except (RuntimeError, ValueError) as e:  # ValueError: sizes disagree
            rows.append({"name": c["name"], "status": "ERROR", "error": str(e)})
            print(f"ERROR {c['name']}: {e}", file=sys.stderr)

    print(f"\nfa GPU check ({spec['variant']}) on {card}, torch {torch.__version__}")
    print(f"{'case':44} {'obj':5} {'krn':>3} {'max_err':>9} {'naive':>9} "
          f"{'bound':>9} {'ms':>8}  result")
    for r in rows:
        if r["status"] == "ERROR":
            print(f"{r['name']:44} ERROR {r['error'][:80]}")
            continue
        print(f"{r['name']:44} {r['format']:5} {r['kernels']:3d} "
              f"{r['max_abs_err']:9.2e} {r['naive_err']:9.2e} {r['bound']:9.2e} "
              f"{r['ms']:8.2f}  {r['status']}"
              + ("" if r["unwritten"] == 0 else f" unwritten={r['unwritten']}")
              + ("" if r["rerun_diff"] == 0 else f" rerun_diff={r['rerun_diff']:.1e}")
              + ("" if not r.get("bad_launches") else
                 f" bad_launches={r['bad_launches']}/{r['repeats']}"
                 f" (computed {r['computed_nan_launches']},"
                 f" unwritten {r['unwritten_launches']})"
                 f" rows%block_q={r['bad_rows_in_block']}"
                 f" cols={r['bad_cols']}"))
    passed = sum(r["status"].startswith("PASS") for r in rows)
    print(f"{passed}/{len(rows)} passed on {card}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__,
                       "variant": spec["variant"], "rows": rows}, f, indent=1)
    return 0 if rows and passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
