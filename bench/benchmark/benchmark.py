#!/usr/bin/env python3
"""The project's attention benchmark (shared/DESIGN.md, "How speed is measured").

Runs, in one process and on the same inputs, our compiled kernels (the
artifacts scripts/gpu-artifacts.sh DEST bench wrote: NAME.cubin/.ptx +
NAME.json manifests, loaded through runtime/ with ctypes) and
torch.nn.functional.scaled_dot_product_attention with the FLASH
(FlashAttention-2) and CUDNN backends. Prints TFLOP/s (forward
4*B*H*N*N*D, halved when causal) and our ratio to each baseline, with the
card's name. Timing: triton.testing.do_bench (device events, warm-up,
median). Each of our outputs is also checked against torch's FLASH output
(max abs difference) so that a fast wrong kernel cannot hide here.

  python3 bench/benchmark/benchmark.py --runtime libfa_runtime.so \
      --artifacts DIR [--json F]
  python3 bench/benchmark/benchmark.py ... --profile NAME   # one launch, for ncu
"""

import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(BENCH, "correctness"))
from gpu_check import (TORCH_DTYPE, Runtime, block_mask_pattern,  # noqa: E402
                       tensors, visible_mask)


def visible_pairs(c):
    """The (query, key) pairs a sliding window keeps (bottom-right
    aligned, as fa.attention's #fa.window)."""
    left, right = c["window"]
    right = 0 if c["causal"] else right
    shift = c["nk"] - c["nq"]
    return sum(max(0, min(c["nk"] - 1, i + shift + right)
                   - max(0, i + shift - left) + 1) for i in range(c["nq"]))


def pattern_pairs(c):
    """The (query, key) pairs a mask pattern keeps (gpu_check's element
    mask, causal and the window included), per batch and head."""
    return int(visible_mask(c, "cuda").sum().item())


def dense_pairs(c):
    """The pairs the dense baselines compute (causal as the case)."""
    if not c["causal"]:
        return c["nq"] * c["nk"]
    shift = c["nk"] - c["nq"]
    return sum(max(0, min(c["nk"], i + shift + 1)) for i in range(c["nq"]))


def block_pairs(c, bm):
    """The (query, key) pairs a block mask `bm` keeps (whole blocks, within
    Nq x Nk and, causal, at or below the diagonal), summed over batch and
    heads (a broadcast mask counts for each)."""
    bq, bk = c["block_mask"]["block"]
    keep = (bm != 0).repeat_interleave(bq, 2)[:, :, :c["nq"]]
    keep = keep.repeat_interleave(bk, 3)[..., :c["nk"]]
    if c["causal"]:
        i = torch.arange(c["nq"], device=bm.device)[:, None] + c["nk"] - c["nq"]
        keep = keep & (torch.arange(c["nk"], device=bm.device)[None, :] <= i)
    scale = (c["b"] // keep.shape[0]) * (c["hq"] // keep.shape[1])
    return int(keep.sum().item()) * scale


def flops(c):
    """2 B H (D + Dv) per computed pair (Q K^T and P V): all pairs, half
    when causal, or (window) the window's pairs, or (block mask) the mask's
    (block_pairs, summed over batch and heads); dense baselines of a window
    or block-mask case are timed against the case's useful work, so every
    ratio is a time ratio."""
    if c.get("block_mask"):
        return 2.0 * (c["d"] + c.get("dv", c["d"])) * c["pairs"]
    per_pair = 2.0 * c["b"] * c["hq"] * (c["d"] + c.get("dv", c["d"]))
    if c.get("mask_pattern"):
        return per_pair * c["pairs"]
    if c.get("window"):
        return per_pair * visible_pairs(c)
    f = per_pair * c["nq"] * c["nk"]
    return f / 2 if c["causal"] else f


def tflops(c, ms):
    """TFLOP/s of case c run in ms milliseconds."""
    return flops(c) / (ms * 1e-3) / 1e12


# torch SDPA's backends the benchmark compares against, by report name.
BASELINES = (("flash", SDPBackend.FLASH_ATTENTION),
             ("cudnn", SDPBackend.CUDNN_ATTENTION))


def bench(fn, rep_ms=100):
    from triton.testing import do_bench
    return do_bench(fn, warmup=25, rep=rep_ms, return_mode="median")


def inputs(c):
    dt = TORCH_DTYPE[c["dtype"]]
    g = torch.Generator(device="cuda")
    g.manual_seed(0)
    q = torch.randn(c["b"], c["hq"], c["nq"], c["d"], generator=g, device="cuda").to(dt)
    k = torch.randn(c["b"], c["hkv"], c["nk"], c["d"], generator=g, device="cuda").to(dt)
    v = torch.randn(c["b"], c["hkv"], c["nk"], c["dv"], generator=g, device="cuda").to(dt)
    o = torch.full((c["b"], c["hq"], c["nq"], c["dv"]), float("nan"), dtype=dt, device="cuda")
    return q, k, v, o


def sdpa_fn(c, q, k, v, backend):
    """torch SDPA on backend for case c's inputs, as a callable."""
    def fn():
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v, is_causal=c["causal"],
                                                  scale=c["scale"])
    return fn


def flex_fn(c, q, k, v, bm=None):
    """torch's FlexAttention (compiled) with the case's sliding window, or
    its block mask `bm` (the same blocks, causal within them as the case),
    as a BlockMask, as a callable."""
    from torch.nn.attention.flex_attention import (create_block_mask,
                                                   flex_attention)
    shift = c["nk"] - c["nq"]
    if bm is not None:
        bq, bk = c["block_mask"]["block"]
        one_b, one_h = bm.shape[0] == 1, bm.shape[1] == 1

        def window(b, h, qi, kj):
            keep = bm[0 if one_b else b, 0 if one_h else h, qi // bq,
                      kj // bk] != 0
            return keep & (kj <= qi + shift) if c["causal"] else keep

        mask = create_block_mask(window, None if one_b else c["b"],
                                 None if one_h else c["hq"], c["nq"], c["nk"],
                                 device="cuda", BLOCK_SIZE=(bq, bk))
    elif c.get("mask_pattern"):
        mask = create_block_mask(pattern_mod(c), None, None, c["nq"], c["nk"],
                                 device="cuda")
    else:
        left, right = c["window"]
        right = 0 if c["causal"] else right

        def window(b, h, qi, kj):
            diag = qi + shift
            return (kj >= diag - left) & (kj <= diag + right)

        mask = create_block_mask(window, None, None, c["nq"], c["nk"],
                                 device="cuda")
    attend = torch.compile(flex_attention)
    gqa = c["hq"] != c["hkv"]
    return lambda: attend(q, k, v, block_mask=mask, scale=c["scale"],
                          enable_gqa=gqa)


def pattern_mod(c):
    """FlexAttention's mask_mod of a mask-pattern case (#fa.mask_pattern,
    bottom-right aligned): causal and (the local pattern or the global
    tokens)."""
    shift = c["nk"] - c["nq"]
    p = c["mask_pattern"]
    chunk, glob, fly = p.get("chunk", 0), p.get("global", 0), p.get("butterfly", 0)
    left, right = c.get("window") or (None, None)

    def mod(b, h, qi, kj):
        diag = qi + shift
        if left is not None:
            local = (kj >= diag - left) & (kj <= diag + right)
        elif chunk:
            local = (diag // chunk) == (kj // chunk)
        else:
            x = (diag // fly) ^ (kj // fly)
            local = (x & (x - 1)) == 0
        if glob:
            local = local | (kj < glob) | (diag < glob)
        return local & (kj <= diag) if c["causal"] else local
    return mod


def flex(c, q, k, v, bm=None):
    """(ms, output) of FlexAttention on a window or block-mask case, (None,
    None) where torch has no FlexAttention or it fails."""
    try:
        fn = flex_fn(c, q, k, v, bm)
        out = fn()
        return bench(fn), out
    except Exception as e:  # noqa: BLE001 (torch.compile raises many kinds)
        print(f"  flex unavailable for {c['name']}: {str(e)[:80]}",
              file=sys.stderr)
        return None, None


def torch_sdpa(c, q, k, v, backend):
    fn = sdpa_fn(c, q, k, v, backend)
    try:
        out = fn()
        return bench(fn), out
    except RuntimeError as e:  # backend refuses the shape
        print(f"  {backend.name} unavailable for {c['name']}: {str(e)[:80]}",
              file=sys.stderr)
        return None, None


def time_columns(r):
    """(us(key): row r's time of `key` in us, 9 wide; FlexAttention's time
    over ours, 9 wide) for the window and block-mask tables."""
    def us(key):
        ms = r.get(key + "_ms")
        return f"{ms * 1e3:9.1f}" if ms else "      n/a"
    speedup = (f"{r['flex_ms'] / r['ours_ms']:9.3f}"
               if r.get("flex_ms") and r.get("ours_ms") else "      n/a")
    return us, speedup


def pattern_label(r):
    """A mask-pattern row's label: its window (if any) and pattern fields,
    e.g. `win64x0,chunk256`."""
    what = ",".join(f"{k}{v}" for k, v in r["mask_pattern"].items())
    if r.get("window"):
        what = "win%dx%d," % tuple(r["window"]) + what
    return what


def print_sparse_table(what, rows, label_header, label):
    """The table of the block-sparse rows (block masks or mask patterns):
    ours and FlexAttention with the same mask, FA2 and cuDNN dense, times in
    us, and the bar of issue 24 (ours within 1.2x of density x dense cuDNN).
    `label_header` and `label(r)` are the columns that name a row's mask."""
    if not rows:
        return
    print(f"\n{what}: ours and FlexAttention with the same mask, FA2 and "
          "cuDNN dense (causal as the case); times in us; bar: ours within "
          "1.2x of density x dense cuDNN")
    print(f"{label_header} {'causal':>6} {'density':>7} {'ours':>9} "
          f"{'flex':>9} {'FA2':>9} {'cuDNN':>9} {'flex/ours':>9} "
          f"{'ours/(dens*cuDNN)':>17}")
    for r in rows:
        us, speedup = time_columns(r)
        bar = (f"{r['ours_ms'] / (r['density'] * r['cudnn_ms']):17.3f}"
               if r.get("cudnn_ms") and r.get("ours_ms") and r["density"]
               else "              n/a")
        print(f"{label(r)} {str(r['causal']):>6} {r['density']:7.3f} "
              f"{us('ours')} {us('flex')} {us('flash')} {us('cudnn')} "
              f"{speedup} {bar}")


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--runtime", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--json", default="")
    p.add_argument("--only", default="")
    p.add_argument("--profile", default="", help="launch this case once")
    p.add_argument("--no-baselines", action="store_true",
                   help="time only our kernels (tiling sweeps)")
    a = p.parse_args(argv)

    torch.zeros(1, device="cuda")
    rt = Runtime(a.runtime)
    rt.init(0)
    card = torch.cuda.get_device_name()
    stream = torch.cuda.current_stream().cuda_stream
    with open(os.path.join(a.artifacts, "cases.json")) as f:
        cases = json.load(f)["cases"]

    if a.profile:
        c = next(c for c in cases if c["name"] == a.profile)
        q, k, v, o = inputs(c)
        bm = [block_mask_pattern(c, "cuda")] if c.get("block_mask") else []
        h = rt.load(os.path.join(a.artifacts, c["name"] + ".json"), True)
        rt.launch(h, tensors([q, k, v] + bm + [o]), stream)
        rt.synchronize()
        print(f"profiled {c['name']} on {card}")
        return 0

    rows = []
    for c in cases:
        if a.only and a.only not in c["name"]:
            continue
        q, k, v, o = inputs(c)
        bm = block_mask_pattern(c, "cuda") if c.get("block_mask") else None
        row = {"name": c["name"], "dtype": c["dtype"], "n": c["nq"], "d": c["d"],
               "causal": c["causal"], "b": c["b"], "h": c["hq"],
               "window": c.get("window")}
        if c.get("mask_pattern"):
            c["pairs"] = pattern_pairs(c)
            row["mask_pattern"] = c["mask_pattern"]
            # Of the dense baselines' pairs (causal as the case), for the
            # bar "within 1.2x of density x dense time".
            row["density"] = c["pairs"] / dense_pairs(c)
        if bm is not None:
            c["pairs"] = block_pairs(c, bm)
            row["block_mask"] = c["block_mask"]["pattern"]
            row["density"] = float((bm != 0).float().mean().item())
        cm = os.path.join(a.artifacts, c["name"] + ".compile_ms")
        row["compile_ms"] = int(open(cm).read()) if os.path.exists(cm) else None
        pm = os.path.join(a.artifacts, c["name"] + ".ptx_cpu_ms")
        row["ptx_cpu_ms"] = int(open(pm).read()) if os.path.exists(pm) else None
        flash_out = None
        for key, backend in (() if a.no_baselines else BASELINES):
            ms, ref = torch_sdpa(c, q, k, v, backend)
            row[key + "_ms"] = ms
            if key == "flash":
                flash_out = ref
        structured = c.get("window") or c.get("mask_pattern")
        if (structured or bm is not None) and not a.no_baselines:
            # FLASH and cuDNN ran dense (causal) attention; the window's (the
            # block mask's) own output is FlexAttention's.
            row["flex_ms"], flash_out = flex(c, q, k, v, bm)
        try:
            h = rt.load(os.path.join(a.artifacts, c["name"] + ".json"), True)
            buffers = tensors([q, k, v] + ([bm] if bm is not None else []) + [o])
            rt.launch(h, buffers, stream)
            rt.synchronize()
            row["max_diff_vs_flash"] = (
                (o.float() - flash_out.float()).abs().max().item()
                if flash_out is not None else None)
            row["ours_ms"] = bench(lambda: rt.launch(h, buffers, stream))
            rt.unload(h)
        except (RuntimeError, ValueError) as e:
            row["ours_ms"] = None
            row["error"] = str(e)[:120]
        for key in ("ours", "flash", "cudnn", "flex"):
            ms = row.get(key + "_ms")
            row[key + "_tflops"] = tflops(c, ms) if ms else None
        rows.append(row)
        fmt = lambda x: f"{x:8.1f}" if x is not None else "     n/a"
        print(f"{c['name']:40} ours {fmt(row['ours_tflops'])} flash "
              f"{fmt(row['flash_tflops'])} cudnn {fmt(row['cudnn_tflops'])}"
              + (f" flex {fmt(row['flex_tflops'])}"
                 if structured or bm is not None else "")
              + " TFLOP/s", flush=True)

    print(f"\nfa benchmark (forward) on {card}, torch {torch.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    print(f"{'dtype':5} {'D':>4} {'causal':>6} {'N':>6} {'B':>3} {'H':>3} "
          f"{'ours':>8} {'FA2':>8} {'cuDNN':>8} {'/FA2':>6} {'/cuDNN':>7} "
          f"{'diff':>8} {'compile':>8} {'to PTX':>8}")
    for r in rows:
        def t(x):
            return f"{x:8.1f}" if x is not None else "     n/a"

        def ratio(x, y):
            return f"{x / y:6.3f}" if x and y else "   n/a"
        diff = r.get("max_diff_vs_flash")
        print(f"{r['dtype']:5} {r['d']:4d} {str(r['causal']):>6} {r['n']:6d} "
              f"{r['b']:3d} {r['h']:3d} {t(r['ours_tflops'])} {t(r['flash_tflops'])} "
              f"{t(r['cudnn_tflops'])} {ratio(r['ours_tflops'], r['flash_tflops'])} "
              f"{ratio(r['ours_tflops'], r['cudnn_tflops']):>7} "
              f"{(f'{diff:8.1e}' if diff is not None else '     n/a')} "
              f"{(str(r['compile_ms']) + 'ms') if r['compile_ms'] else 'n/a':>8} "
              f"{(str(r['ptx_cpu_ms']) + 'ms') if r.get('ptx_cpu_ms') else 'n/a':>8}")
    print_sparse_table(
        "block masks", [r for r in rows if r.get("block_mask")],
        f"{'N':>6} {'D':>4} {'mask':>10}",
        lambda r: f"{r['n']:6d} {r['d']:4d} {r['block_mask']:>10}")
    print_sparse_table(
        "mask patterns", [r for r in rows if r.get("mask_pattern")],
        f"{'N':>6} {'pattern':>22}",
        lambda r: f"{r['n']:6d} {pattern_label(r):>22}")
    windows = [r for r in rows if r["window"] and not r.get("mask_pattern")]
    if windows:
        print("\nsliding windows: ours and FlexAttention with the window, "
              "FA2 and cuDNN dense (causal as the case); times in us")
        print(f"{'N':>6} {'window':>10} {'causal':>6} {'ours':>9} {'flex':>9} "
              f"{'FA2':>9} {'cuDNN':>9} {'flex/ours':>9}")
        for r in windows:
            us, speedup = time_columns(r)
            print(f"{r['n']:6d} {'%dx%d' % tuple(r['window']):>10} "
                  f"{str(r['causal']):>6} {us('ours')} {us('flex')} "
                  f"{us('flash')} {us('cudnn')} {speedup}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__, "rows": rows}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
