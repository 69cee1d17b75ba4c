#!/usr/bin/env python3
"""The GPU correctness matrix and its MLIR inputs.

`gpu_cases.py emit NAME` prints the MLIR of one case (a function
`@attention(q, k, v, o) -> o` holding one fa.attention, static shapes).
`gpu_cases.py list --variant naive` prints the case names of a matrix, one a
line, and `gpu_cases.py json DIR --variant naive` writes DIR/cases.json, which
gpu_check.py (next to this file) reads next to the compiled artifacts. No
MLIR or GPU dependency: scripts/gpu-artifacts.sh runs it on the build
machine.
"""

import argparse
import json
import math
import re
import sys

DTYPES = {"bf16": "bf16", "f16": "f16"}


def case(dtype, d, nq, nk=None, causal=False, b=1, hq=2, hkv=None, dv=None,
         window=None, block_mask=None, mask_pattern=None):
    nk = nk or nq
    hkv = hkv or hq
    dv = dv or d
    name = (f"{dtype}_b{b}_h{hq}x{hkv}_q{nq}_k{nk}_d{d}"
            + (f"v{dv}" if dv != d else "") + ("_causal" if causal else ""))
    c = {"name": name, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv,
         "nq": nq, "nk": nk, "d": d, "dv": dv, "causal": causal,
         "scale": 1.0 / math.sqrt(d)}
    # Only a windowed case has the key (#fa.window<left, right>).
    if window is not None:
        c["window"] = list(window)
        c["name"] += "_win%dx%d" % window
    # Likewise a mask pattern (#fa.mask_pattern): {"chunk", "global",
    # "butterfly"}, the fields that are set.
    if mask_pattern is not None:
        c["mask_pattern"] = dict(mask_pattern)
        for field, tag in (("chunk", "chunk"), ("global", "global"),
                           ("butterfly", "bfly")):
            if mask_pattern.get(field):
                c["name"] += "_%s%d" % (tag, mask_pattern[field])
    # Likewise a block-masked case: gpu_check.py builds the mask from this
    # description (block_mask_pattern).
    if block_mask is not None:
        c["block_mask"] = block_mask
        bq, bk = block_mask["block"]
        c["name"] += "_bm%dx%d_%s" % (bq, bk, block_mask["pattern"])
    return c


def block_mask_shape(c):
    """[B or 1, Hq or 1, ceil(Nq / block_q), ceil(Nk / block_kv)]."""
    m = c["block_mask"]
    bq, bk = m["block"]
    one = m.get("broadcast", False)
    return [1 if one else c["b"], 1 if one else c["hq"], -(-c["nq"] // bq),
            -(-c["nk"] // bk)]


def bm(pattern, block=(128, 128), seed=0, broadcast=False, density=None,
       empty_rows=False, docs=None):
    """A block mask description: `pattern` 'random' (each block kept with
    probability `density`), 'docs' (the blocks of a document mask of the
    ragged document lengths `docs`, packed), with query blocks that keep
    nothing when `empty_rows`."""
    m = {"pattern": pattern, "block": list(block), "seed": seed,
         "broadcast": broadcast, "empty_rows": empty_rows}
    if density is not None:
        m["density"] = density
        m["pattern"] += "%02d" % round(density * 100)
    if docs is not None:
        m["docs"] = list(docs)
    return m


def block_mask_cases():
    """Runtime block masks: random masks at densities 5-100 % (broadcast and
    per head), query blocks without a block, document masks with ragged
    lengths (causal and not), GQA, N not a multiple of any block, mask
    blocks larger than the kernel's (256 x 128)."""
    return [case("bf16", 128, 1000, block_mask=bm("random", density=0.05)),
            case("bf16", 128, 1000, block_mask=bm("random", density=0.3, seed=1)),
            case("f16", 64, 1000, hq=4, hkv=2,
                 block_mask=bm("random", density=0.5, seed=2, broadcast=True)),
            case("bf16", 64, 777, nk=1500, causal=True,
                 block_mask=bm("random", density=0.7, seed=3, empty_rows=True)),
            case("bf16", 128, 1000, block_mask=bm("random", density=1.0)),
            case("bf16", 128, 600, block_mask=bm("random", density=0.0)),
            case("bf16", 128, 2000, b=2, causal=True,
                 block_mask=bm("docs", docs=(300, 17, 900, 783), seed=4)),
            case("f16", 64, 2000, hq=4, hkv=1,
                 block_mask=bm("docs", docs=(1000, 1000), broadcast=True)),
            case("bf16", 128, 4096, hq=4, hkv=2,
                 block_mask=bm("random", block=(256, 128), density=0.1, seed=5)),
            case("bf16", 64, 333, nk=2000, hq=2,
                 block_mask=bm("random", block=(64, 64), density=0.5, seed=6,
                               empty_rows=True))]


def compacted(c):
    """`c` with the forward's compacted walk (docs/BlockSparse.md, "The
    forward's compacted walk"; decision D100): compiled with
    block-mask-walk=compacted, `_cw` after its name."""
    c = dict(c, options="block-mask-walk=compacted", walk="compacted")
    c["name"] += "_cw"
    return c


def seven_docs(n):
    """7 documents packed into n positions, the last one longer."""
    return [n // 7] * 6 + [n - 6 * (n // 7)]


def walk_matrix():
    """The forward's compacted walk against the float64 reference: the
    block-mask cases (random 5-100 %, query blocks without a live block,
    ragged documents causal and not, GQA, N not a multiple of any block,
    mask blocks larger and smaller than the kernel's) and N = 8192 at 10 %
    and with 7 causal documents (GQA), each compiled with
    block-mask-walk=compacted (the variants wgmma-walk and mma-walk force
    the kernel)."""
    n = 8192
    return [compacted(c) for c in block_mask_cases() + [
        case("bf16", 128, n, block_mask=bm("random", density=0.1, seed=8)),
        case("bf16", 64, n, causal=True, hq=4, hkv=2,
             block_mask=bm("docs", docs=seven_docs(n), broadcast=True))]]


def bench_block_mask_walk_matrix():
    """Timed pairs of the forward's walks (D100): the dense walk
    (block-mask-walk=dense) and the compacted one (`_cw`) of the same drawn
    mask, N = 8192, D = 64 and 128
    (B = 1, H = 2048 / D, one mask for every head): random 10, 25 and 50 %
    and 7 causal documents."""
    n, cases = 8192, []
    for d in (64, 128):
        masks = [(False, bm("random", density=x, seed=9, broadcast=True))
                 for x in (0.1, 0.25, 0.5)]
        masks.append((True, bm("docs", docs=seven_docs(n), broadcast=True)))
        for causal, m in masks:
            c = case("bf16", d, n, causal=causal, hq=2048 // d, block_mask=m)
            c["name"] = "bench_" + c["name"]
            # The dense twin asks for the dense walk: kernel=auto's is the
            # compacted one since D103.
            cases += [dict(c, options="block-mask-walk=dense"), compacted(c)]
    return cases


def window_cases():
    """Sliding windows (#fa.window): with and without causal, N not a
    multiple of any block, Nq != Nk both ways (bottom-right aligned),
    windows wider than N, the diagonal only (0, 0), GQA, and the benchmark's
    window of 1024 at N = 4k."""
    return [case("bf16", 64, 1000, window=(100, 37)),
            case("bf16", 128, 1000, causal=True, window=(257, 0)),
            case("f16", 64, 300, nk=1000, hq=4, hkv=2, window=(64, 64)),
            case("bf16", 128, 1000, nk=300, causal=True, window=(31, 0)),
            case("bf16", 64, 777, window=(5000, 5000)),
            case("f16", 128, 333, causal=True, window=(0, 0)),
            case("bf16", 64, 200, window=(0, 0)),
            case("bf16", 128, 4096, causal=True, window=(1024, 0))]


def naive_matrix():
    """Small on purpose: the naive path materializes S = [B, H, Nq, Nk]."""
    cases = []
    for dtype in ("bf16", "f16"):
        for d in (64, 128):
            for n in (1, 17, 128, 1000):
                for causal in (False, True):
                    cases.append(case(dtype, d, n, causal=causal))
        # GQA / MQA, and Nq != Nk (bottom-right causal, both directions).
        cases.append(case(dtype, 64, 128, b=2, hq=4, hkv=2, causal=True))
        cases.append(case(dtype, 128, 77, hq=4, hkv=1))
        cases.append(case(dtype, 64, 17, nk=300, causal=True))
        cases.append(case(dtype, 128, 300, nk=17, causal=True))
        cases.append(case(dtype, 64, 200, nk=1000, hq=4, hkv=2))
    # Negative control: compiled without `causal`, checked as causal. The
    # checker must report a failure here, or it cannot catch anything.
    bad = case("bf16", 64, 128, causal=True)
    bad.update(name="negctl_" + bad["name"], expect="FAIL", compile_causal=False)
    cases.append(bad)
    return cases


def mask_pattern_cases():
    """Mask patterns (#fa.mask_pattern, docs/BlockSparse.md "Structured
    masks"): chunked attention with and without causal (chunks across and
    inside blocks, N not a multiple of the chunk, Nq != Nk both ways), a
    block butterfly (cells larger and smaller than a block) with and
    without global tokens (also with Nq != Nk both ways: rows before the
    first key), global tokens with a window (Longformer) and with a causal
    window (attention sinks), GQA. The tensor-core kernels
    build the chunks in closed form, global tokens and the butterfly
    through BlockClassifier's block lists (kernel=auto keeps those on the
    SIMT kernel until this check has passed on the `mma` and `wgmma`
    matrices, which select the kernels by name)."""
    return [case("bf16", 64, 1000, mask_pattern={"chunk": 256}),
            case("bf16", 128, 1000, causal=True, mask_pattern={"chunk": 200}),
            case("f16", 64, 300, nk=1000, hq=4, hkv=2, causal=True,
                 mask_pattern={"chunk": 128}),
            case("bf16", 64, 1000, nk=300, causal=True,
                 mask_pattern={"chunk": 64}),
            case("bf16", 128, 1024, mask_pattern={"butterfly": 128}),
            case("f16", 64, 777, causal=True, mask_pattern={"butterfly": 48}),
            case("bf16", 64, 1000, mask_pattern={"butterfly": 64, "global": 32}),
            case("bf16", 64, 1000, window=(64, 64), mask_pattern={"global": 16}),
            case("f16", 128, 1000, hq=4, hkv=1, causal=True, window=(128, 0),
                 mask_pattern={"global": 4}),
            case("bf16", 128, 4096, causal=True, mask_pattern={"chunk": 1024}),
            case("bf16", 128, 300, nk=1000, hq=4, hkv=2, causal=True,
                 mask_pattern={"butterfly": 64, "global": 16}),
            case("f16", 64, 1000, nk=300, mask_pattern={"butterfly": 32})]


def tiled_matrix():
    """The FlashAttention path: the naive matrix plus N = 4096 and the
    sliding windows."""
    cases = [c for c in naive_matrix()]
    for dtype in ("bf16", "f16"):
        for d in (64, 128):
            for causal in (False, True):
                cases.insert(-1, case(dtype, d, 4096, causal=causal))
    for c in window_cases() + block_mask_cases() + mask_pattern_cases():
        cases.insert(-1, c)
    return cases


def bench_matrix(dims=(64, 128)):
    """The FlashAttention papers' benchmark shapes (shared/DESIGN.md): batch
    16384/N, heads 2048/D, N from 1k to 16k, D 64 and 128 (and `dims`),
    causal and not, bf16 and fp16."""
    cases = []
    for dtype in ("bf16", "f16"):
        for d in dims:
            for causal in (False, True):
                for n in (1024, 2048, 4096, 8192, 16384):
                    c = case(dtype, d, n, causal=causal, b=16384 // n,
                             hq=2048 // d)
                    c["name"] = "bench_" + c["name"]
                    cases.append(c)
    return cases


def bench_block_mask_matrix():
    """The block-mask benchmark (issue 24): 7 equal documents at N = 32k
    (B = 1, H = 16, D = 128, causal and not) and random block masks at 10 %
    and 50 % density (N = 16k, D = 64 and 128); benchmark.py compares it
    with dense SDPA and FlexAttention with the same BlockMask."""
    cases = []
    n = 32768
    for causal in (False, True):
        c = case("bf16", 128, n, causal=causal, hq=16,
                 block_mask=bm("docs", docs=[n // 7] * 6 + [n - 6 * (n // 7)],
                               broadcast=True))
        c["name"] = "bench_" + c["name"]
        cases.append(c)
    for d in (64, 128):
        for density in (0.1, 0.5):
            c = case("bf16", d, 16384, hq=2048 // d,
                     block_mask=bm("random", density=density, seed=7,
                                   broadcast=True))
            c["name"] = "bench_" + c["name"]
            cases.append(c)
    return cases


def bench_window_matrix():
    """The sliding-window benchmark (issue 24): a causal window of 1024,
    N 8k-32k, D = 128, B = 1, H = 16, bf16, and a non-causal window of
    (512, 512) at 16k; benchmark.py compares it with dense SDPA (FLASH,
    cuDNN, causal) and FlexAttention with the same window."""
    cases = []
    for n in (8192, 16384, 32768):
        c = case("bf16", 128, n, causal=True, hq=16, window=(1024, 0))
        c["name"] = "bench_" + c["name"]
        cases.append(c)
    c = case("bf16", 128, 16384, hq=16, window=(512, 512))
    c["name"] = "bench_" + c["name"]
    cases.append(c)
    return cases


def bench_mask_pattern_matrix():
    """The mask-pattern benchmark (issue 24, item 2): Llama 4's causal
    chunks of 8192 at N = 32k (the tensor-core kernels), chunks of 1024 at
    16k, and on the SIMT kernel (kernel=auto's pick) a Longformer window of
    (256, 256) with 64 global tokens and a butterfly of 512, at 8k; D = 128,
    B = 1, H = 16, bf16. benchmark.py compares them with dense SDPA (FLASH,
    cuDNN) and FlexAttention with the same mask as a BlockMask."""
    shapes = [(32768, True, None, {"chunk": 8192}),
              (16384, True, None, {"chunk": 1024}),
              (16384, False, None, {"chunk": 1024}),
              (8192, False, (256, 256), {"global": 64}),
              (8192, False, None, {"butterfly": 512})]
    cases = []
    for n, causal, window, pattern in shapes:
        c = case("bf16", 128, n, causal=causal, hq=16, window=window,
                 mask_pattern=pattern)
        c["name"] = "bench_" + c["name"]
        cases.append(c)
    return cases


# Head dims that are not a multiple of 64 (the wgmma kernel's partly used
# last 64-column block, docs/GPU.md).
ODD_HEAD_DIMS = (80, 96)


def bench_odd_matrix():
    """The benchmark at D = 64, 80, 96 and 128, plus issue 25's D = 96 point
    (N = 4k, B = 4, H = 16)."""
    cases = bench_matrix((64,) + ODD_HEAD_DIMS + (128,))
    for dtype in ("bf16", "f16"):
        for causal in (False, True):
            c = case(dtype, 96, 4096, causal=causal, b=4, hq=16)
            c["name"] = "bench_" + c["name"]
            cases.append(c)
    return cases


# The wide head dims of issue 25: D = 192 with Dv = 128 (MLA-style) and
# D = 256, as (D, Dv).
WIDE_HEAD_DIMS = ((192, 128), (256, 256))


def bench_wide_matrix():
    """The benchmark at the wide head dims: batch 16384/N, heads 2048/D,
    N 1k-16k, causal and not, bf16 and fp16."""
    cases = []
    for dtype in ("bf16", "f16"):
        for d, dv in WIDE_HEAD_DIMS:
            for causal in (False, True):
                for n in (1024, 2048, 4096, 8192, 16384):
                    c = case(dtype, d, n, causal=causal, b=16384 // n,
                             hq=2048 // d, dv=dv)
                    c["name"] = "bench_" + c["name"]
                    cases.append(c)
    return cases


# The sm_80 mma-sync kernel with a 99 KB shared-memory budget
# (`mma-99k`: target=a100 with sram-per-block and sram-per-sm of the
# sm_86/89/120 parts forced), run as PTX on the H200 (issue 25, item 5):
# the smaller tilings the model picks there at every head dim class, d = 192
# with dv = 128, N not a multiple of any block, causal with Nq != Nk, GQA.
SMALL_SRAM_HEAD_DIMS = ((64, 64), (96, 96), (128, 128), (160, 160),
                        (192, 128), (208, 208), (256, 256))


def small_sram_matrix():
    cases = []
    for i, (d, dv) in enumerate(SMALL_SRAM_HEAD_DIMS):
        dtype = ("bf16", "f16")[i % 2]
        cases.append(case(dtype, d, 1000, dv=dv))
        cases.append(case(dtype, d, 777, nk=1000, causal=True, dv=dv))
    cases.append(case("bf16", 128, 1000, causal=True, hq=4, hkv=2))
    cases.append(case("f16", 256, 4096, causal=True, b=2, hq=4))
    for c in cases:
        c["name"] = "sram99k_" + c["name"]
    return cases


def odd_head_dim_cases():
    """The wgmma kernel at head dims that are not a multiple of 64: D = 80
    and 96 over the tiled matrix's N, causal and not, GQA and Nq != Nk;
    D = 112, 144, 208, D != Dv (96/64, 192/128, 144/80), forced tilings."""
    cases = []
    for dtype in ("bf16", "f16"):
        for d in ODD_HEAD_DIMS:
            for n in (1, 17, 128, 1000, 4096):
                for causal in (False, True):
                    cases.append(case(dtype, d, n, causal=causal))
            cases.append(case(dtype, d, 128, b=2, hq=4, hkv=2, causal=True))
            cases.append(case(dtype, d, 17, nk=300, causal=True))
            cases.append(case(dtype, d, 300, nk=17, causal=True))
            cases.append(case(dtype, d, 200, nk=1000, hq=4, hkv=2))
    extra = [("bf16", 112, 112, 1000, True, None),
             ("f16", 144, 144, 777, False, None),
             ("bf16", 208, 208, 520, True, None),
             ("bf16", 96, 64, 1000, True, None),
             ("f16", 96, 64, 4096, False, None),
             ("bf16", 192, 128, 1000, False, None),
             ("bf16", 192, 128, 4096, True, None),
             ("f16", 144, 80, 333, True, None),
             ("bf16", 80, 80, 1000, True, (64, 64, 1, 4)),
             ("f16", 96, 96, 777, False, (192, 128, 2, 12)),
             ("bf16", 96, 96, 300, True, (128, 48, 3, 8)),
             ("bf16", 48, 48, 1000, False, (128, 256, 2, 8)),
             ("f16", 16, 16, 1000, True, None)]
    for dtype, d, dv, n, causal, tiling in extra:
        c = case(dtype, d, n, causal=causal, hq=4, hkv=2, dv=dv)
        if tiling:
            c["tiling"] = list(tiling)
            c["name"] += "_t%dx%ds%dw%d" % tiling
        cases.append(c)
    return cases


SWEEP_TILINGS = [  # (block_q, block_kv, stages, warps)
    (64, 32, 2, 4), (64, 64, 2, 4), (64, 128, 2, 4), (128, 32, 2, 4),
    (128, 64, 2, 4), (128, 128, 2, 4), (128, 32, 2, 8), (128, 64, 2, 8),
    (128, 64, 3, 8), (128, 128, 2, 8), (256, 32, 2, 8), (256, 64, 2, 8),
    (256, 96, 2, 8), (192, 32, 2, 4)]


SWEEP_SHAPES = ((64, 4096, False), (64, 16384, False), (128, 4096, False),
                (128, 16384, False), (128, 4096, True))
SMALL_SHAPES = tuple((d, n, c) for d in (64, 128) for n in (1024, 2048)
                     for c in (False, True))
SMALL_TILINGS = [(64, 64, 2, 4), (128, 32, 2, 4), (128, 64, 2, 4),
                 (128, 96, 2, 4), (128, 64, 2, 8), (256, 32, 2, 8),
                 (256, 64, 2, 8), (256, 96, 2, 8)]


def sweep_matrix(shapes=SWEEP_SHAPES, tilings=None):
    """Measured tiling sweep of the mma-sync kernel (docs/CostModel.md): a
    few benchmark shapes, each with the cost model's own choice ('model')
    and with every tiling of SWEEP_TILINGS forced."""
    tilings = tilings or SWEEP_TILINGS
    cases = []
    for d, n, causal in shapes:
        base = case("bf16", d, n, causal=causal, b=16384 // n, hq=2048 // d)
        m = dict(base, name="sweep_" + base["name"] + "_model")
        cases.append(m)
        # A tiling may carry the case's own pipeline options (an "opt=value"
        # string), named after the value.
        for bq, bkv, st, w, *options in tilings:
            c = dict(base, tiling=[bq, bkv, st, w])
            c["name"] = f"sweep_{base['name']}_t{bq}x{bkv}s{st}w{w}"
            if options:
                c["options"] = options[0]
                c["name"] += "_" + options[0].split("=")[-1]
            cases.append(c)
    return cases


def wgmma_matrix():
    """The tiled matrix, plus tilings that the wgmma kernel's descriptors and
    swizzle must get right whatever the model picks: one and three
    warpgroups, one and three stages, block_kv from 16 to 256, partial
    blocks, causal diagonals that cut through a warpgroup."""
    cases = tiled_matrix()
    extra = [("bf16", 64, 1000, False, (64, 64, 1, 4)),
             ("bf16", 64, 1000, True, (192, 128, 2, 12)),
             ("f16", 128, 1000, False, (128, 16, 3, 8)),
             ("bf16", 64, 300, True, (64, 192, 2, 4)),
             ("f16", 128, 777, True, (128, 48, 2, 8)),
             ("bf16", 128, 4096, False, (128, 128, 2, 8)),
             ("bf16", 128, 4096, True, (128, 144, 2, 8)),
             ("bf16", 256, 520, True, (64, 16, 2, 4)),
             ("f16", 192, 333, False, (128, 32, 2, 8))]
    for dtype, d, n, causal, tiling in extra:
        c = case(dtype, d, n, causal=causal, hq=4, hkv=2)
        c["tiling"] = list(tiling)
        c["name"] += "_t%dx%ds%dw%d" % tiling
        cases.insert(-1, c)
    for c in odd_head_dim_cases():
        cases.insert(-1, c)
    return cases


WGMMA_TILINGS = [(64, 64, 2, 4), (64, 128, 2, 4), (128, 64, 2, 8),
                 (128, 96, 2, 8), (128, 128, 2, 8), (128, 128, 3, 8),
                 (128, 160, 2, 8), (128, 176, 2, 8), (128, 192, 2, 8),
                 (192, 64, 2, 12), (192, 96, 2, 12), (192, 128, 2, 12),
                 (256, 64, 2, 16)]


# The wgmma kernel's stage count at the model's tilings (docs/CostModel.md).
STAGE_TILINGS = [(128, 96, 2, 8), (128, 96, 3, 8), (192, 96, 2, 12),
                 (192, 96, 3, 12), (128, 128, 2, 8), (128, 128, 3, 8)]


# The wgmma kernel at small N, where blocks have few kv steps.
SMALL_WGMMA_SHAPES = ((128, 1024, True), (128, 2048, True), (64, 1024, True),
                      (64, 2048, True), (128, 1024, False))
SMALL_WGMMA_TILINGS = [(64, 64, 2, 4), (64, 96, 2, 4), (128, 64, 2, 8),
                       (128, 96, 2, 8), (192, 64, 2, 12), (192, 96, 2, 12),
                       (128, 128, 2, 8), (64, 32, 2, 4), (64, 48, 2, 4),
                       (256, 48, 2, 16), (64, 80, 2, 4)]


# d = 64 with the producer warpgroup forced: the three-consumer-warpgroup
# 192-row tilings (docs/CostModel.md, "The producer kernel's step": 192x128
# measured +1.8% at N = 4k and +6.5% at 16k over the default 128x96 in one
# lease) against two-warpgroup ones, at every benchmark N, causal and not.
PRODUCER_D64_SHAPES = tuple((64, n, c) for n in (1024, 2048, 4096, 8192, 16384)
                            for c in (False, True))
PRODUCER_D64_TILINGS = [(192, 64, 2, 12), (192, 96, 2, 12), (192, 128, 2, 12),
                        (192, 160, 2, 12), (128, 96, 2, 8), (128, 128, 2, 8),
                        (128, 192, 2, 8)]


# Round-robin A/B runs (bench/experiments/ab.py) of the tilings the cost
# model weighs
# closely, each shape with its model case: d = 128 causal, where 128x128
# measured 1.7% (2 stages) and 2.7% (3 stages) ahead of 128x160 at N = 4k
# (docs/CostModel.md, "Masked steps"); d = 64 N = 1k, where the tail block
# (1024 = 10 * 96 + 64) is masked for 128x96 and not for 64x128; d = 64
# causal N = 2k, where 64x80 measured 2.6% ahead of the model's 128x96.
AB_MODEL_CASES = (
    [((128, n, True), [(128, 128, 2, 8), (128, 128, 3, 8), (128, 160, 2, 8)])
     for n in (4096, 8192)]
    + [((64, 1024, False), [(128, 96, 2, 8), (64, 128, 2, 4), (128, 128, 2, 8),
                            (64, 64, 2, 4)]),
       ((64, 2048, True), [(64, 64, 2, 4), (64, 80, 2, 4), (128, 96, 2, 8)])])
# The same for the mma-sync kernel (kernel=mma-sync), where one stage against
# two measured 10.7% slower at 128x64 (d = 64 causal N = 1k): the model's
# picks with and without the one-stage latency term.
AB_MODEL_MMA_CASES = (
    [((64, n, True), [(128, 64, 1, 4), (128, 64, 2, 4), (64, 64, 2, 2),
                      (128, 96, 1, 4), (128, 96, 2, 4)]) for n in (1024, 2048)]
    + [((128, n, True), [(128, 64, 1, 4), (128, 64, 2, 4), (256, 64, 2, 8)])
       for n in (1024, 2048)])

# The mma-sync step's cp.async copies and warp-count barrier (docs/CostModel.md,
# "mma-sync copies and barriers"): the shapes whose mma-sync pick on the H100
# moves with them (d = 64 causal N = 1k, 4k, 8k; d = 128 causal N = 4k), one
# where it stays (d = 128 causal N = 2k), and two non-causal controls where
# the model keeps 8-warp blocks.
AB_MMA_COPY_CASES = (
    [((64, 1024, True), [(128, 64, 2, 4), (64, 64, 2, 2), (128, 96, 2, 4)])]
    + [((64, n, True), [(256, 96, 2, 8), (128, 96, 2, 4), (128, 64, 2, 4)])
       for n in (4096, 8192)]
    + [((128, n, True), [(256, 64, 2, 8), (128, 64, 2, 4)]) for n in (2048, 4096)]
    + [((64, 4096, False), [(256, 96, 2, 8), (128, 96, 2, 4)]),
       ((128, 16384, False), [(256, 64, 2, 8), (128, 64, 2, 4)])])
# Where the mma-sync model's 256-row / 128-row crossover lies at d = 128
# (it picks 256x64 with 8 warps from causal N = 4k and non-causal N = 1k
# up; 128x64 with 4 measured 1.7-3.5% ahead at causal N = 4k).
AB_MMA_D128_CASES = (
    [((128, n, True), [(256, 64, 2, 8), (128, 64, 2, 4)]) for n in (8192, 16384)]
    + [((128, n, False), [(256, 64, 2, 8), (128, 64, 2, 4)])
       for n in (1024, 4096)])

# The mma-sync kernel's masked kv-blocks in a second loop (FlashAttention-2's
# split) or in the same loop under a block-uniform branch
# (`mma-masked-steps`, docs/decisions.md, D45): the model's tilings
# at every benchmark shape with a masked block next to unmasked ones (d = 64,
# whose 96-key blocks leave a ragged last block, and d = 128 causal).
AB_MMA_BRANCH_CASES = [
    ((d, n, c), [(bq, bkv, 2, w, "mma-masked-steps=split"),
                 (bq, bkv, 2, w, "mma-masked-steps=branch")])
    for d, c, n, (bq, bkv, w) in
    [(64, False, n, (256, 96, 8)) for n in (1024, 2048, 4096, 8192, 16384)]
    + [(64, True, 1024, (128, 64, 4))]
    + [(64, True, n, (128, 96, 4)) for n in (2048, 4096)]
    + [(64, True, n, (256, 96, 8)) for n in (8192, 16384)]
    + [(128, True, n, (128, 64, 4)) for n in (1024, 2048)]
    + [(128, True, n, (256, 64, 8)) for n in (4096, 8192, 16384)]]

# The third K/V stage at d = 128 (docs/CostModel.md, "Masked steps and one
# stage": +0.4-1.9% at causal N = 4k in four leases, within twice the noise
# floor, and -1.9/-3.6% non-causal at N <= 2k; the model prices it at
# nothing): causal N = 4k-16k and a non-causal control.
AB_STAGES_D128_CASES = (
    [((128, n, True), [(128, 128, 2, 8), (128, 128, 3, 8), (128, 160, 2, 8)])
     for n in (4096, 8192, 16384)]
    + [((128, 4096, False), [(128, 128, 2, 8), (128, 128, 3, 8),
                             (128, 160, 2, 8)])])

# d = 64 with one or two consumer warpgroups a block, for refitting the
# wgmma kernel's per-chunk lane cost (docs/CostModel.md, "Masked steps and
# one stage": the 64-row tilings' known miss at causal N = 2k).
AB_D64_CASES = [((64, n, c), [(128, 96, 2, 8), (64, 128, 2, 4), (64, 80, 2, 4),
                              (64, 64, 2, 4)])
                for n in (2048, 4096, 16384) for c in (False, True)]


# d = 64: the default kernel against the producer kernel with three
# consumer warpgroups (192 rows), which a sequential sweep had ahead by
# 3.5-6.3% at two large-N points and behind at small N (docs/CostModel.md,
# "The producer kernel's step"), now round-robin.
AB_D64_PRODUCER_CASES = [
    ((64, n, c), [(128, 96, 2, 8),
                  (192, 128, 2, 12, "wgmma-release=producer"),
                  (192, 96, 2, 12, "wgmma-release=producer")])
    for n in (2048, 4096, 8192, 16384) for c in (False, True)]


# d = 128 at N <= 2k, where the benchmark is below cuDNN: the model's
# picks against their neighbours, round-robin.
AB_SMALL_D128_CASES = [
    ((128, n, c), [(128, 128, 2, 8), (128, 96, 2, 8), (128, 160, 2, 8),
                   (128, 64, 2, 8), (128, 128, 3, 8), (64, 128, 2, 4)])
    for n in (1024, 2048) for c in (False, True)]


# d = 256: the pick before D47 (64x16), the issue's 128x16, and the tilings
# D47's register estimate keeps that ptxas assembles without spills
# (128x64 is the pick after D47), round-robin (docs/decisions.md, D47).
AB_D256_CASES = [
    ((256, n, c), [(64, 16, 2, 4), (128, 16, 2, 8), (128, 32, 2, 8),
                   (128, 48, 2, 8), (128, 64, 2, 8), (128, 80, 2, 8),
                   (64, 64, 2, 4), (64, 80, 2, 4)])
    for n in (1024, 4096, 16384) for c in (False, True)]

# d = 256 with the producer warpgroup on 128x80 (FlashAttention-3's hdim-256
# forward tile), which the register estimate gives the barrier kernel (242
# estimated against the consumers' 240; ptxas: 32 bytes spilled), against
# the model's 128x64 (producer) and 128x80 as built today, with cuDNN in the
# rotation (ab.py --baselines).
AB_D256_PRODUCER_CASES = [
    ((256, n, c), [(128, 64, 2, 8), (128, 80, 2, 8),
                   (128, 80, 2, 8, "wgmma-release=producer")])
    for n in (2048, 4096, 8192, 16384) for c in (False, True)]

# d = 96, the forward tiling sweep's shapes (decision D89): the model's
# two-warpgroup picks (128x128, 128x192) against D48's three- and
# four-warpgroup ones (192x80, 256x80), 192x80 with 4 stages (the sweep's
# best at causal N = 16k) and 128x48 (its best at causal N = 1k).
AB_D96_CASES = [
    ((96, n, c), [(128, 128, 2, 8), (128, 192, 2, 8), (192, 80, 2, 12),
                  (192, 80, 4, 12), (256, 80, 2, 16), (128, 48, 2, 8)])
    for n in (1024, 4096, 16384) for c in (False, True)]


# The forward tiling sweep's NaN outputs (issue 27, decision D91): at d = 64
# causal, the H100 returned NaN from the wgmma kernels 64x16 and 64x32 with
# 2 stages and 64x64 with 1 and 3 (N = 1k), and 128x96 with 3 (N = 4k);
# here with their passing neighbours, bf16 and f16, at the sweep's shapes,
# each launched NAN_REPEATS more times (a race shows in some launches only),
# with extern-dynamic-smem=false (upstream's declaration: the dynamic shared
# memory over the static mbarriers) and with extern-dynamic-smem (after
# them; the default since decision D93). Both are spelled, so the matrix
# keeps its meaning whatever the default.
NAN_D64_TILINGS = (
    (1024, [(64, 16, 2, 4), (64, 32, 2, 4), (64, 48, 2, 4), (64, 64, 1, 4),
            (64, 64, 2, 4), (64, 64, 3, 4), (64, 64, 4, 4)]),
    (4096, [(128, 96, 2, 8), (128, 96, 3, 8)]))
NAN_REPEATS = 16


def nan_d64_matrix():
    cases = []
    for dtype in ("bf16", "f16"):
        for n, tilings in NAN_D64_TILINGS:
            base = case(dtype, 64, n, causal=True, b=16384 // n, hq=32)
            for t in tilings:
                for extern in (False, True):
                    c = dict(base, tiling=list(t), repeat=NAN_REPEATS)
                    c["name"] = "nan_%s_t%dx%ds%dw%d" % ((base["name"],) + t)
                    c["options"] = "extern-dynamic-smem=%s" % (
                        "true" if extern else "false")
                    if extern:
                        c["name"] += "_extern"
                    cases.append(c)
    return cases


def without_block_masks(matrix):
    """`matrix` without its block-mask cases: for the variants that force
    the overlapped step or turns, which a block mask cannot use
    (docs/BlockSparse.md, "The kernels")."""
    return lambda: [c for c in matrix() if not c.get("block_mask")]


def ab_model_matrix(groups=AB_MODEL_CASES):
    cases = []
    for shape, tilings in groups:
        cases += sweep_matrix((shape,), tilings)
    return cases


# tiled: the pipeline's default kernel (auto: wgmma for these cases on
# sm_90a, mma-sync on sm_80+); simt, mma and wgmma force convert-fa-to-gpu's
# scalar kernel or one of convert-fa-to-nvgpu's tensor-core kernels.
MATRICES = {"naive": naive_matrix, "tiled": tiled_matrix,
            "simt": tiled_matrix, "mma": tiled_matrix,
            "bench": bench_odd_matrix, "sweep": sweep_matrix,
            "bench-window": bench_window_matrix,
            "bench-block-mask": bench_block_mask_matrix,
            "bench-block-mask-walk": bench_block_mask_walk_matrix,
            "wgmma-walk": walk_matrix, "mma-walk": walk_matrix,
            "bench-mask-pattern": bench_mask_pattern_matrix,
            "bench-wide": bench_wide_matrix,
            "sweep-small": lambda: sweep_matrix(SMALL_SHAPES, SMALL_TILINGS),
            "wgmma": wgmma_matrix, "bench-mma": bench_matrix,
            "bench-cpasync": bench_matrix, "wgmma-cpasync": wgmma_matrix,
            "bench-release": bench_matrix, "wgmma-release": wgmma_matrix,
            "bench-overlap": bench_matrix,
            "wgmma-overlap": without_block_masks(wgmma_matrix),
            "sweep-overlap": lambda: sweep_matrix(tilings=WGMMA_TILINGS),
            "bench-producer": bench_matrix, "wgmma-producer": wgmma_matrix,
            "bench-pingpong": bench_matrix,
            "wgmma-pingpong": without_block_masks(wgmma_matrix),
            "bench-overlap-pingpong": bench_matrix, "bench-serial": bench_matrix,
            "wgmma-overlap-pingpong": without_block_masks(wgmma_matrix),
            "sweep-overlap-pingpong": lambda: sweep_matrix(tilings=WGMMA_TILINGS),
            "sweep-producer": lambda: sweep_matrix(tilings=WGMMA_TILINGS),
            "sweep-producer-d64": lambda: sweep_matrix(PRODUCER_D64_SHAPES,
                                                       PRODUCER_D64_TILINGS),
            "sweep-wgmma": lambda: sweep_matrix(tilings=WGMMA_TILINGS),
            "ab-model": ab_model_matrix,
            "ab-model-mma": lambda: ab_model_matrix(AB_MODEL_MMA_CASES),
            "ab-mma-copy": lambda: ab_model_matrix(AB_MMA_COPY_CASES),
            "ab-mma-d128": lambda: ab_model_matrix(AB_MMA_D128_CASES),
            "ab-mma-branch": lambda: ab_model_matrix(AB_MMA_BRANCH_CASES),
            "mma-branch": tiled_matrix,
            "ab-stages-d128": lambda: ab_model_matrix(AB_STAGES_D128_CASES),
            "ab-d64": lambda: ab_model_matrix(AB_D64_CASES),
            "ab-d64-producer": lambda: ab_model_matrix(AB_D64_PRODUCER_CASES),
            "ab-small-d128": lambda: ab_model_matrix(AB_SMALL_D128_CASES),
            "ab-d256": lambda: ab_model_matrix(AB_D256_CASES),
            "ab-d256-producer":
                lambda: ab_model_matrix(AB_D256_PRODUCER_CASES),
            "ab-d96": lambda: ab_model_matrix(AB_D96_CASES),
            "mma-99k": small_sram_matrix, "nan-d64": nan_d64_matrix,
            "sweep-stages": lambda: sweep_matrix(tilings=STAGE_TILINGS),
            "sweep-small-wgmma": lambda: sweep_matrix(SMALL_WGMMA_SHAPES,
                                                      SMALL_WGMMA_TILINGS)}


def find(name):
    for matrix in MATRICES.values():
        for c in matrix():
            if c["name"] == name:
                return c
    raise SystemExit(f"unknown case {name}")


def emit(c):
    t = c["dtype"]
    q = f"tensor<{c['b']}x{c['hq']}x{c['nq']}x{c['d']}x{t}>"
    k = f"tensor<{c['b']}x{c['hkv']}x{c['nk']}x{c['d']}x{t}>"
    v = f"tensor<{c['b']}x{c['hkv']}x{c['nk']}x{c['dv']}x{t}>"
    o = f"tensor<{c['b']}x{c['hq']}x{c['nq']}x{c['dv']}x{t}>"
    items = ["causal"] if c.get("compile_causal", c["causal"]) else []
    args, clause = f"%q: {q}, %k: {k}, %v: {v}", ""
    if c.get("block_mask"):
        tb = "tensor<%sxi8>" % "x".join(map(str, block_mask_shape(c)))
        args += f", %bm: {tb}"
        clause = f" block_mask(%bm : {tb})"
        items.append("block_sparse = #fa.block_sparse<block_q = %d, "
                     "block_kv = %d>" % tuple(c["block_mask"]["block"]))
    if c.get("window"):
        items.append("window = #fa.window<left = %d, right = %d>"
                     % tuple(c["window"]))
    if c.get("mask_pattern"):
        fields = ", ".join("%s = %d" % (f, c["mask_pattern"][f])
                           for f in ("chunk", "global", "butterfly")
                           if c["mask_pattern"].get(f))
        items.append(f"mask_pattern = #fa.mask_pattern<{fields}>")
    if c.get("tiling"):
        bq, bkv, st, w = c["tiling"]
        items.append(f"tiling = #fa.tiling<block_q = {bq}, block_kv = {bkv}, "
                     f"stages = {st}, warps = {w}>")
    attrs = " {" + ", ".join(items) + "}" if items else ""
    return (
        f"// Case {c['name']} (bench/correctness/gpu_cases.py).\n"
        f"func.func @attention({args}, %o: {o}) -> {o} {{\n"
        f"  %r = fa.attention ins(%q, %k, %v : {q}, {k}, {v}){clause}\n"
        f"       outs(%o : {o}){attrs} -> {o}\n"
        f"  return %r : {o}\n"
        f"}}\n")


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["emit", "list", "json", "options"])
    p.add_argument("arg", nargs="?", default="")
    p.add_argument("--variant", default="naive", choices=sorted(MATRICES))
    p.add_argument("--match", default="",
                   help="list/json: only the cases whose name matches this "
                        "regular expression (re.search)")
    a = p.parse_args(argv)
    try:
        pattern = re.compile(a.match)
    except re.error as e:
        p.error(f"--match {a.match!r}: {e}")

    def selected():
        return [c for c in MATRICES[a.variant]() if pattern.search(c["name"])]
    if a.mode == "emit":
        sys.stdout.write(emit(find(a.arg)))
    elif a.mode == "list":
        print("\n".join(c["name"] for c in selected()))
    elif a.mode == "options":
        # A case's own fa-to-ptx-pipeline options, added to the variant's.
        case = next(c for c in MATRICES[a.variant]() if c["name"] == a.arg)
        print(case.get("options", ""))
    else:
        with open(f"{a.arg}/cases.json", "w") as f:
            json.dump({"variant": a.variant, "cases": selected()}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
