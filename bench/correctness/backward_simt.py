#!/usr/bin/env python3
"""GPU correctness of the backward's SIMT kernels (fa.attention_grad through
convert-fa-to-gpu, docs/Backward.md): issue 21's item 7 matrix, as far as
the SIMT kernels go. Passes on the H200
(docs/results/2026-12-05-h200-correctness).

  stage DEST [--target h100] [--only S] [--build build] [--fa-compile F]
        (build machine) writes DEST/artifacts/NAME.{mlir,ptx,cubin,json,
        ptxas.log} with fa-compile (fa-to-ptx-pipeline kernel=simt) and
        DEST/artifacts/cases.json, copies runtime/,
        python/flashattn_mlir, this script and gpu_check.py in the
        checkout's layout, and DEST/run.sh (bench/correctness/gpu_run.sh's
        runtime build, then this script's `run`; its arguments go to `run`).
  list, emit NAME
        the matrix's case names; one case's MLIR.
  run --runtime LIB --artifacts DIR [--ptx] [--only S] [--json FILE]
      [--seed N] [--dump DIR] [--against DIR]
        (GPU machine: torch + CUDA, no MLIR) for each case draws random Q,
        K, V, dO (and the mask), computes O and the logsumexp in float64
        (the forward's outputs, rounded to what fa.attention returns),
        poisons dQ, dK, dV (dBias) with NaN, launches the manifest's kernels
        twice and applies ../shared/DESIGN.md's criterion to every gradient:

            max|grad - ref| <= 2 * max|naive - ref| + floor

        ref: the closed form of docs/Backward.md in float64; naive: the same
        math in the input precision (torch matmuls in bf16/f16); floor 1e-3
        for bf16, 1e-4 for f16. Both runs must agree bit for bit (the SIMT
        kernels have no atomics: the backward is deterministic), and no
        element may stay NaN. The reference walks the query rows in chunks,
        so the long (N = 65536) and the > 2^31-element cases fit in memory.
        [--seed N] draws the inputs from N (and the case's name) instead of
        the clock; [--dump DIR] saves each case's dQ, dK, dV; [--against
        DIR] compares them bit for bit with another build's dump of the
        same seed (dK and dV always, dQ where deterministic): a change
        meant to leave the results unchanged (D105) shows that it does.

`--kernel mma-sync` (stage and list) builds the mma.sync backward instead
(docs/Backward.md, "On the GPU: the mma.sync kernels") with its own matrix
(matrix_mma: head dims 64 and 128; additive biases, bias_cases, not yet
run on a GPU) and two timed cases
(D = 128, N = 4096, B = 4, H = 16, dense and causal) against torch SDPA's
FLASH backward; its dQ is summed with unordered atomics, so its reruns are
not required to agree bit for bit. Run on the H200 on 2026-12-05 (54 of 54
pass; docs/results/2026-12-05-mma-sync-backward). Its head dims 32, 80,
96 and 192 with Dv = 128 (mma_head_dim_cases, D70: 64 cases and 8 timed
ones, `--only _d96` etc.), the wgmma kernel's D = 80 and 96
(wgmma_head_dim_cases, D71: 40 cases and 4 timed ones) and its column
split at D = 256 and D = 192 with Dv = 128 (wgmma_column_split_cases,
D76: 66 cases and 8 timed ones, `--kernel wgmma --only _d256,_d192v128`)
are not yet run on a GPU (`--only` takes comma-separated substrings:
`--only _d32,_d80,_d96,_d192v128` stages just these):

  python3 bench/correctness/backward_simt.py stage .stage-bwdmma --kernel mma-sync --target h200
  cd .stage-bwdmma && bash run.sh

`--kernel wgmma` builds the wgmma backward (sm_90a; docs/Backward.md, "On
the GPU: the wgmma kernels") on the same matrix and timed cases as
mma-sync, with its one built tiling (block_q 64, block_kv 128, 8 warps).
Its deterministic (`*_det`: dq = ordered, the two runs compared bit for
bit; on the TMA ring, D66, `*_det_s1` on one buffer) and block-mask
(`*_bm*`: mask blocks its tiling divides; one buffer) cases, plus causal
GQA 8/1 with Nq != Nk both ways, are not yet run on a GPU (D60, D66); the
`perf_*_det` cases time the ring's ordered dQ against its atomic one
(`perf_*` without `_det`) and one buffer's (`_det_s1`) in one process:

  python3 bench/correctness/backward_simt.py stage .stage-bwdwg --kernel wgmma --target h200
  cd .stage-bwdwg && bash run.sh

Its `_rm` cases (wgmma_sparse_cases, D75: block masks on the TMA ring,
atomic and ordered; mask patterns on the ring and on one buffer; timed
pairs at N = 8192, ring against one buffer, a block mask at a quarter
density and a causal window of 1024) are not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-ringmask --kernel wgmma --target h200 --only _rm
  cd .stage-ringmask && bash run.sh --only _rm

Its `_bsc` cases (wgmma_compacted_cases, D94: the ring's compacted walk
under a block mask, `walk = compacted`, against the reference; timed
pairs of the dense and compacted walks of the same mask at N = 8192, D =
64 and 128, random 10/25/50 % and causal documents) are not yet run on a
GPU:

  python3 bench/correctness/backward_simt.py stage .stage-bscompact --kernel wgmma --target h100 --only _bsc
  cd .stage-bscompact && bash run.sh --only _bsc

Its `_bif` cases (wgmma_in_flight_cases, D101: dK's product in flight
across the ring's step end, `in_flight = dk`, `_if`, against the reference;
then the benchmark's shapes, N = 4096 and 16384, D = 64 and 128, causal
and not, the ring and the variant of each timed round-robin in one
process with torch's cuDNN backward: `ab` groups, time_group) are not yet
run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-bwdflight --kernel wgmma --target h100 --only _bif
  cd .stage-bwdflight && bash run.sh --only _bif

Its `_kvt` cases (wgmma_tma_store_cases, D107: dK and dV stored through
shared memory and TMA, `epilogue = tma_store`, `_kt`, against the
reference; then the benchmark's shapes, N = 1024, 4096 and 16384, D = 64
and 128, causal and not, the direct epilogue and the TMA store of each
timed round-robin in one process with torch's cuDNN backward) are not yet
run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-kvt --kernel wgmma --target h200 --only _kvt
  cd .stage-kvt && bash run.sh --only _kvt
Its `_bq128` cases (wgmma_wide_query_block_cases, D104: block_q 128 at D
= Dv = 64 on the ring, `_q128`, against the reference; then the
benchmark's D = 64 shapes, N = 1024, 4096 and 16384, causal and not,
block_q 64 and 128 timed round-robin in one process with torch's cuDNN
backward) are not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-bq128 --kernel wgmma --target h200 --only _bq128
  cd .stage-bq128 && bash run.sh --only _bq128
Its `_detbq` cases (wgmma_ordered_wide_query_block_cases, D110: ordered
dQ with block_q 128 at D = Dv = 64, `_det_q128`, against the reference and
bit for bit on reruns; then the benchmark's D = 64 shapes, atomic block_q
128, ordered block_q 64 (with the TMA store, `_kt`) and ordered block_q 128
timed round-robin in one process with torch's cuDNN backward) are not yet
run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-detbq --kernel wgmma --target h200 --only _detbq
  cd .stage-detbq && bash run.sh --only _detbq
Its `_det16` cases (wgmma_ordered_pass_cases, D115: ordered dQ's turn
passed after the next step's score products, `dq_pass = after_scores`,
`_dp`, against the reference and bit for bit on reruns) and `_ab16` A/B
groups (the benchmark's shapes, D = 64 and 128: atomic dQ, ordered dQ,
its PTX variants `__nowait`, `__nodrain`, `__nowait_nodrain`
(bench/experiments/ptx_variants.py), `_dp`, causal also atomic's
`__reversed`; round-robin with torch's cuDNN backward) are not yet run on
a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-det16 --kernel wgmma --target h100 --only _det16,_ab16
  cd .stage-det16 && bash run.sh --only _ab16      # the A/B
  cd .stage-det16 && bash run.sh --only _det16     # the checks

Its `_pers` cases (wgmma_persistent_cases, D114: the persistent main
kernel, `_pt`, with today's picks, against the reference, most with more
tiles than 132 SMs; then the training shapes and the benchmark's D = 64 and
128 at N = 1k and 4k, today's pick and the same kernel persistent timed
round-robin in one process with torch's cuDNN backward; about 3 minutes)
are not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-pers --kernel wgmma --target h100 --only _pers
  cd .stage-pers && bash run.sh --only _pers

Its `_gqas` cases (wgmma_gqa_split_cases, D119: the split group, `_gs`,
a block per query head adding dK and dV to f32 accumulators, against the
reference at GQA 4/1, 8/2 and 32/8; then the Llama training shape, the
benchmark's GQA shape at N = 8k and a non-causal GQA shape, the loop (today's
pick) and the split timed round-robin in one process with torch's cuDNN
backward; under 4 minutes) are not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-gqas --kernel wgmma --target h100 --only _gqas
  cd .stage-gqas && bash run.sh --only _gqas

Its `_dqf` cases (wgmma_dq_fused_cases, D120: the fused dQ conversion,
`_df`, the main kernel's last block at each q-block converting it, against
the reference at D = 64 and 128; then the benchmark's shapes, N = 1k to
16k, D = 64 and 128, causal and not, and a causal window of 1024 at N =
8k, the convert kernel (today's) and the fused conversion timed
round-robin in one process with torch's cuDNN backward; about 3 minutes;
session 19 added 7 reference cases: dK in flight, the other epilogue at
each D, one key, a window whose most q-blocks no kv-block visits, a
group of 8 over one K/V head) are not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-dqf --kernel wgmma --target h200 --only _dqf
  cd .stage-dqf && bash run.sh --only _dqf

The launch order's A/B (D131: `_lf`, 14 reference cases and 29 timed ones
in 8 groups; atomic dQ's grid launched longest first in chunks of (batch,
head) pairs, bench/experiments/ptx_variants.py's `lfC` variants, against
today's order; about 2 minutes) is not yet run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-lf --kernel wgmma --target h100 --only _lf
  cd .stage-lf && bash run.sh --only _lf

The exit's A/B (D132: `_rx`, 6 reference cases and 12 timed ones in 6
groups; the last wait for dQ's bulk reductions made `.read`,
ptx_variants.py's `readexit`, against today's; about 1 minute) is not yet
run on a GPU:

  python3 bench/correctness/backward_simt.py stage .stage-rx --kernel wgmma --target h100 --only _rx
  cd .stage-rx && bash run.sh --only _rx

On the device machine (bench/README.md; the staged folder is git-ignored
and travels as a carried path, 13 MiB):

  python3 bench/correctness/backward_simt.py stage .stage-bwd    # here
  cd .stage-bwd && bash run.sh                                   # GPU; --ptx: JIT

Each case's MLIR carries its tiling, so that the check does not move when
the backward model's choice does (fa-select-tiling keeps and checks it):
64 x 64 blocks, 4 warps, up to head dim 128, 32 x 32 above (what fits the
SIMT kernel's tiles in the H200's 227 KiB per block).
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FLOOR = {"bf16": 1e-3, "f16": 1e-4}
MLIR_TYPE = {"bf16": "bf16", "f16": "f16"}
# The mma.sync backward's tilings [block_q, block_kv, stages, warps] that
# bench/benchmark/backward_sweep.py times, per head dim (D = Dv): block_q
# 16-64 x block_kv 64/128, 1 and 2 stages, where the model's register fit
# and the H200's shared memory keep them (docs/decisions.md D53).
MMA_SWEEP_TILINGS = {
    64: [[bq, bkv, st, bkv // 16] for bq in (16, 32, 48) for bkv in (64, 128)
         for st in (1, 2)],
    128: [[bq, bkv, st, bkv // 16] for bq in (16, 32) for bkv in (64, 128)
          for st in (1, 2)],
}


# Sliding windows (#fa.window): (dtype, D, Nq, Nk, causal, (left, right)),
# with and without causal, Nq != Nk both ways, wider than N, (0, 0).
WINDOW_CASES = (
    ("bf16", 64, 1000, None, False, (100, 37)),
    ("f16", 128, 1000, None, True, (257, 0)),
    ("bf16", 64, 777, 1000, False, (64, 64)),
    ("bf16", 128, 1000, 777, True, (31, 0)),
    ("f16", 64, 300, None, False, (5000, 5000)),
    ("bf16", 64, 333, None, True, (0, 0)),
    ("bf16", 64, 4096, None, True, (1024, 0)))


def case(dtype, d, nq, nk=None, causal=False, b=1, hq=2, hkv=None, dv=None,
         mask=None, mask_kind="bias", bias_grad=None, pattern="random",
         window=None, kernel="simt", perf=False, tiling=None,
         deterministic=False, blocks=None, mask_pattern=None,
         bias_type="f32", density=0.5, tag="", walk="dense",
         block_pattern="random", in_flight="none", ab="", epilogue="direct",
         dq_pass="step-start", variant="", persistent=False, gqa="loop",
         dq_convert="kernel", dq_reduce="warp", launch_chunk=1):
    """One backward case. `mask`: the mask's shape (dimensions of 1 are
    broadcast); `mask_kind`: 'bias' (f32, additive; its gradient is asked
    for unless `bias_grad` is False) or 'bool' (an i1 keep-mask);
    `pattern`: how a keep-mask is drawn ('random' with some fully masked
    rows, 'padding': trailing keys masked per batch, batch 0 entirely);
    `deterministic`: the op's attribute (the tensor-core kernels' dq =
    ordered), checked bit for bit between the two runs; `blocks`: a runtime
    block mask of (block_q, block_kv) granularity, drawn at `density`
    (half by default) with one q-block row empty (no mask besides it), or
    with `block_pattern` 'document' the blocks of 7 equal documents
    (`_doc`); the
    wgmma kernel's block masks take one buffer unless `tiling` names the
    ring (`_ring` in the name); `walk`: the wgmma ring's walk under a block
    mask, 'dense' or 'compacted' (`_cw`, D94); `in_flight`: the wgmma
    ring's products left in flight across a step's end, 'none' or 'dk'
    (`_if`, D101); `epilogue`: how the wgmma backward stores dK and dV,
    'direct' or 'tma-store' (`_kt`, D107); `dq_pass`: where the wgmma
    ring's ordered dQ passes a step's turn, 'step-start' or 'after-scores'
    (`_dp`, D115); `variant`: a PTX variant of the case without it
    (bench/experiments/ptx_variants.py, derived at stage time, named
    `SOURCE__VARIANT`; an A/B measurement, not a kernel the compiler
    builds); `persistent`: the wgmma
    backward's persistent kernel (`_pt`, D114); `gqa`: how the wgmma
    backward covers a GQA group, 'loop' or 'split' (`_gs`, D119);
    `dq_convert`: where the wgmma backward converts dQ, 'kernel' or 'fused'
    (`_df`, D120); `dq_reduce`: how the wgmma ring issues dQ's tensor
    reductions, 'warp' or 'warpgroup' (`_dr`, D127); `launch_chunk`: the
    (batch, head) pairs the wgmma backward's grid launches longest first
    together (`_lcC` over 1, D131/D133); `ab`: a
    timed case's
    group, timed round-robin with the
    group's other cases on one set of inputs (time_group; the first case
    is the base); `tag`: appended to the name (`--only`
    selects a group of cases by it); `bias_type`: the
    bias's (and dBias's) element type, 'f32' or 'elt' (the inputs'); a
    bias's `pattern` 'rows' puts -inf in every 7th row (rows that see no
    key: zero gradients)."""
    nk = nk or nq
    hkv = hkv or hq
    dv = dv or d
    if bias_grad is None:
        bias_grad = mask is not None and mask_kind == "bias"
    prefix = {"simt": "bwd", "mma-sync": "bwdmma", "wgmma": "bwdwg"}[kernel]
    name = (("perf_" if perf else "") + f"{prefix}_{dtype}_b{b}_h{hq}x{hkv}_q{nq}_k{nk}_d{d}"
            + (f"v{dv}" if dv != d else "") + ("_causal" if causal else "")
            + (f"_{mask_kind}" + "x".join(map(str, mask)) if mask else "")
            + (f"_{pattern}" if mask and (mask_kind == "bool" or
                                         pattern != "random") else "")
            + ("_belt" if mask and bias_type == "elt" else "")
            + ("_win%dx%d" % window if window else "")
            + ("_bm%dx%d" % blocks if blocks else "")
            + ("_det" if deterministic else "")
            + "".join(f"_{tag}{n}" for tag, n in zip(
                ("chunk", "global", "bfly"), mask_pattern or ()) if n)
            + ("_t%dx%ds%d" % tuple(tiling[:3])
               if kernel == "mma-sync" and tiling else "")
            + ("_s%d" % tiling[2] if kernel == "wgmma" and tiling and
               tiling[2] != 2 and not blocks else "")
            + ("_q%d" % tiling[0] if kernel == "wgmma" and tiling and
               tiling[0] != 64 else "")
            + ("_ring" if kernel == "wgmma" and blocks and tiling and
               tiling[2] == 2 else "")
            + ("_p%d" % round(100 * density) if blocks and density != 0.5
               and block_pattern == "random" else "")
            + ("_doc" if blocks and block_pattern == "document" else "")
            + ("_cw" if walk == "compacted" else "")
            + ("_if" if in_flight == "dk" else "")
            + ("_kt" if epilogue == "tma-store" else "")
            + ("_dp" if dq_pass == "after-scores" else "")
            + ("_pt" if persistent else "")
            + ("_gs" if gqa == "split" else "")
            + ("_df" if dq_convert == "fused" else "")
            + ("_dr" if dq_reduce == "warpgroup" else "")
            + (f"_lc{launch_chunk}" if launch_chunk > 1 else "")
            + (f"_{tag}" if tag else ""))
    source = ""
    if variant:
        source, name = name, f"{name}__{variant}"
    block = 64 if max(d, dv) <= 128 else 32
    # simt: the tiled nests' blocks; mma-sync: the model's pick (none
    # written on the op), or the given [block_q, block_kv, stages, warps];
    # wgmma: its one built shape, two warpgroups of 64 kv rows and q-blocks
    # of 64, with the TMA ring of two Q_i/dO_i buffers (D61) or, given
    # [64, 128, 1, 8] (and for ordered dQ and block masks, which the ring
    # does not build), one buffer copied by cp.async (D54).
    # The column split (D76) at D = 256 and D = 192 with Dv = 128: block_kv
    # 64.
    ring = not blocks
    wg_kv = 64 if (d, dv) in WGMMA_COLUMN_SPLIT_DIMS else 128
    tiling = {"simt": [block, block, 1, 4], "mma-sync": tiling,
              "wgmma": tiling or [64, wg_kv, 2 if ring else 1, 8]}[kernel]
    return {"name": name, "kernel": kernel, "perf": perf, "dtype": dtype, "b": b, "hq": hq, "hkv": hkv,
            "nq": nq, "nk": nk, "d": d, "dv": dv, "causal": causal,
            "mask": list(mask) if mask else None, "mask_kind": mask_kind,
            "bias_grad": bias_grad, "pattern": pattern,
            "bias_type": bias_type,
            "scale": 1.0 / math.sqrt(d), "tiling": tiling,
            "window": list(window) if window else None,
            "deterministic": deterministic,
            "blocks": list(blocks) if blocks else None, "density": density,
            "walk": walk, "block_pattern": block_pattern,
            "in_flight": in_flight, "ab": ab, "epilogue": epilogue,
            "dq_pass": dq_pass, "variant": variant, "source": source,
            "persistent": persistent, "gqa": gqa, "dq_convert": dq_convert,
            "dq_reduce": dq_reduce, "launch_chunk": launch_chunk,
            "mask_pattern": list(mask_pattern) if mask_pattern else None}


def matrix(kernel="simt"):
    """Issue 21, item 7, for the SIMT kernels; the mma-sync kernel's own
    matrix (matrix_mma) for kernel="mma-sync"."""
    if kernel in ("mma-sync", "wgmma"):
        return matrix_mma(kernel)
    cases = []
    # Every head dim, both types, causal and not.
    for dtype in ("bf16", "f16"):
        for d, dv in ((64, 64), (80, 80), (96, 96), (128, 128), (192, 128),
                      (256, 256)):
            for causal in (False, True):
                cases.append(case(dtype, d, 128, dv=dv, causal=causal))
    # Every length (a partial last block, one row, several blocks).
    for dtype, d in (("bf16", 64), ("f16", 128)):
        for n in (1, 17, 128, 777, 1000, 2049, 4096, 8192):
            for causal in (False, True):
                cases.append(case(dtype, d, n, causal=causal))
    # Nq != Nk both ways, causal (bottom-right: rows that see no key).
    for nq, nk in ((777, 1000), (1000, 777), (17, 2049), (2049, 17)):
        cases.append(case("bf16", 64, nq, nk, causal=True))
        cases.append(case("f16", 128, nq, nk, causal=True))
    # GQA 8/1 and 6/2: dK, dV summed over the group.
    for hq, hkv in ((8, 1), (6, 2)):
        for causal in (False, True):
            cases.append(case("bf16", 128, 1000, causal=causal, b=2, hq=hq,
                              hkv=hkv))
    # Biases with their gradient: full, per head and key (broadcast rows and
    # batch), one for all heads; keep-masks: random with fully masked rows,
    # key padding (a batch with no visible key at all).
    b, h, n = 2, 4, 777
    for shape in ((b, h, n, n), (1, h, 1, n), (b, 1, n, n), (1, 1, n, n)):
        cases.append(case("bf16", 64, n, causal=True, b=b, hq=h, mask=shape))
    cases.append(case("f16", 128, n, b=b, hq=h, mask=(b, h, n, n)))
    cases.append(case("bf16", 64, n, b=b, hq=h, mask=(b, h, n, n),
                      bias_grad=False))
    cases.append(case("bf16", 64, n, b=b, hq=h, mask=(b, h, n, n),
                      mask_kind="bool", pattern="random"))
    cases.append(case("f16", 128, n, causal=True, b=b, hq=h,
                      mask=(b, 1, 1, n), mask_kind="bool", pattern="padding"))
    # Sliding windows (#fa.window): with and without causal, Nq != Nk both
    # ways, wider than N, (0, 0), GQA, a bias gradient under a window.
    for dtype, d, nq, nk, causal, window in WINDOW_CASES:
        cases.append(case(dtype, d, nq, nk, causal=causal, window=window))
    cases.append(case("bf16", 128, 1000, b=2, hq=6, hkv=2, window=(200, 10)))
    cases.append(case("bf16", 64, 777, b=2, hq=4, mask=(2, 4, 777, 777),
                      window=(90, 20)))
    # Mask patterns (#fa.mask_pattern, [chunk, global, butterfly]): causal
    # chunks (Nq != Nk), a butterfly with global tokens, global tokens with
    # a window and a bias gradient, GQA.
    cases.append(case("bf16", 64, 1000, causal=True, mask_pattern=(200, 0, 0)))
    cases.append(case("f16", 128, 777, 1000, b=2, hq=4, hkv=2, causal=True,
                      mask_pattern=(128, 0, 0)))
    cases.append(case("bf16", 64, 1024, mask_pattern=(0, 32, 64)))
    cases.append(case("bf16", 64, 777, b=2, hq=4, mask=(2, 4, 777, 777),
                      window=(64, 64), mask_pattern=(0, 16, 0)))
    # A long sequence, and a bias of more than 2^31 elements (with its
    # gradient: 64-bit indexing in the dBias kernel).
    cases.append(case("bf16", 64, 65536, causal=True, b=1, hq=1))
    cases.append(case("bf16", 64, 65536, 32769, b=1, hq=1,
                      mask=(1, 1, 65536, 32769)))
    return cases


def matrix_mma(kernel="mma-sync"):
    """The mma.sync (or, with kernel="wgmma", the wgmma) backward: both
    types, head dims 64 and 128, lengths
    with partial blocks, causal with Nq != Nk both ways, GQA 8/1, keep-masks
    with fully masked rows and key padding, N = 65536 and a bias of more
    than 2^31 elements, additive biases (bias_cases);
    then the timed cases (perf:
    D = 128, N = 4096, B = 4, H = 16)."""
    m = lambda *a, **kw: case(*a, kernel=kernel, **kw)
    cases = []
    for dtype in ("bf16", "f16"):
        for d in (64, 128):
            for n in (1, 17, 128, 777, 2049):
                for causal in (False, True):
                    cases.append(m(dtype, d, n, causal=causal))
    for nq, nk in ((777, 1000), (1000, 777), (17, 2049), (2049, 17)):
        cases.append(m("bf16", 64, nq, nk, causal=True))
        cases.append(m("f16", 128, nq, nk, causal=True))
    for causal in (False, True):
        cases.append(m("bf16", 128, 1000, causal=causal, b=2, hq=8, hkv=1))
    b, h, n = 2, 4, 777
    cases.append(m("bf16", 64, n, b=b, hq=h, mask=(b, h, n, n),
                   mask_kind="bool", pattern="random"))
    cases.append(m("f16", 128, n, causal=True, b=b, hq=h, mask=(b, 1, 1, n),
                   mask_kind="bool", pattern="padding"))
    # Issue 21 item 7's long cases on the kernels kernel=auto picks: a long
    # sequence, and a bias of more than 2^31 elements with its gradient
    # (64-bit indexing in the bias reads and the dBias stores; D = 64, where
    # the wgmma backward builds a bias).
    cases.append(m("bf16", 64, 65536, causal=True, b=1, hq=1))
    cases.append(m("bf16", 64, 65536, 32769, b=1, hq=1,
                   mask=(1, 1, 65536, 32769)))
    # The tilings the sweep (bench/benchmark/backward_sweep.py) times, each
    # on a causal GQA problem with partial blocks and a dense one (the
    # mma-sync kernel's: the wgmma kernel has one built shape).
    sweep = MMA_SWEEP_TILINGS.items() if kernel == "mma-sync" else ()
    for d, tilings in sweep:
        for t in tilings:
            cases.append(m("bf16", d, 777, 1000, causal=True, b=2, hq=4,
                           hkv=2, tiling=t))
            cases.append(m("f16", d, 1000, tiling=t))
    # Deterministic (dq = ordered; each case run twice, bit for bit) and
    # runtime block masks, on both kernels (the wgmma kernel's one tiling,
    # 64 x 128, divides mask blocks of 64 x 128 and up: its windowed case
    # takes 128 x 128 where the mma-sync one takes 64 x 64).
    wg = kernel == "wgmma"
    for args, kw in (
            (("bf16", 128, 2049), dict(b=2, hq=8, hkv=1)),
            (("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=4, hkv=2)),
            (("f16", 128, 1000), dict()),
            (("bf16", 64, 1000, 777), dict(causal=True)),
            (("bf16", 64, 1000), dict(window=(100, 37))),
            (("f16", 128, 1000), dict(causal=True, window=(257, 0))),
            (("bf16", 64, 2049), dict(blocks=(64, 128), b=2, hq=4, hkv=2)),
            (("bf16", 128, 1000), dict(causal=True, blocks=(128, 128))),
            (("bf16", 64, 2049), dict(causal=True, window=(300, 0),
                                     blocks=(128, 128) if wg else (64, 64)))):
        cases.append(m(*args, deterministic=True, **kw))
    for dtype, d, n, causal, blocks in (
            ("bf16", 64, 2049, False, (64, 128)),
            ("f16", 128, 1000, True, (128, 128)),
            ("bf16", 128, 777, False, (256, 256))):
        cases.append(m(dtype, d, n, causal=causal, blocks=blocks, b=2,
                       hq=4, hkv=2))
    if wg:
        # The wgmma kernel's own: causal GQA 8/1 with Nq != Nk both ways
        # (deterministic, and a block mask with ordered dQ), and f16 D = 64.
        cases.append(m("bf16", 128, 777, 2049, causal=True, b=2, hq=8, hkv=1,
                       deterministic=True))
        cases.append(m("bf16", 128, 2049, 777, causal=True, b=2, hq=8, hkv=1,
                       deterministic=True, blocks=(64, 128)))
        cases.append(m("f16", 64, 1000, 777, causal=True, b=2, hq=4, hkv=2,
                       blocks=(192, 256)))
    # The wgmma kernel builds a bias at D = 64 on its ring only
    # (wgmmaBiasReason).
    cases += [c for c in bias_cases(m) if not wg or c["d"] == 64]
    if not wg:
        # Mask patterns (PATTERN_CASES; the wgmma kernel's are among its
        # wgmma_sparse_cases).
        for args, kw in PATTERN_CASES:
            cases.append(m(*args, **kw))
    # Sliding windows: both tensor-core kernels.
    for dtype, d, nq, nk, causal, window in WINDOW_CASES:
        cases.append(m(dtype, d, nq, nk, causal=causal, window=window))
    cases.append(m("bf16", 128, 1000, b=2, hq=6, hkv=2, window=(200, 10)))
    if kernel == "wgmma":
        # The TMA ring (D61): many q-blocks (the ring wraps, and crosses
        # query heads with GQA), causal GQA with Nq != Nk both ways and
        # partial q-blocks; and the one-buffer cp.async kernel (stages 1)
        # on a few of the matrix's shapes.
        for nq, nk in ((777, 1000), (1000, 777)):
            for d in (64, 128):
                cases.append(m("bf16", d, nq, nk, causal=True, b=2, hq=8,
                               hkv=2))
        cases.append(m("f16", 64, 4097, b=1, hq=4, hkv=1))
        # Its ordered dQ (D66; the `*_det` cases above without a block mask
        # run on it too): many q-blocks crossing query heads (GQA 4/1),
        # causal GQA with Nq != Nk, each run twice, bit for bit.
        cases.append(m("f16", 64, 4097, b=1, hq=4, hkv=1, deterministic=True))
        cases.append(m("bf16", 128, 1000, 777, causal=True, b=2, hq=8, hkv=2,
                       deterministic=True))
        cases.append(m("bf16", 64, 777, 2049, b=2, hq=8, hkv=2,
                       deterministic=True))
        one = [64, 128, 1, 8]
        for args, kw in ((("bf16", 64, 777), dict(causal=True)),
                         (("f16", 128, 2049), dict()),
                         (("bf16", 128, 1000), dict(causal=True, b=2, hq=8,
                                                    hkv=1)),
                         (("bf16", 64, 777, 1000), dict(
                             causal=True, b=2, hq=4, hkv=2,
                             deterministic=True)),
                         (("f16", 128, 2049), dict(deterministic=True))):
            cases.append(m(*args, tiling=one, **kw))
    for causal in (False, True):
        cases.append(m("bf16", 128, 4096, causal=causal, b=4, hq=16,
                       perf=True))
    if kernel == "mma-sync":
        cases += mma_head_dim_cases()
    if kernel == "wgmma":
        cases += wgmma_head_dim_cases()
        cases += wgmma_sparse_cases()
        cases += wgmma_compacted_cases()
        cases += wgmma_in_flight_cases()
        cases += wgmma_tma_store_cases()
        cases += wgmma_wide_query_block_cases()
        cases += wgmma_column_split_cases()
        cases += wgmma_ordered_wide_query_block_cases()
        cases += wgmma_ordered_pass_cases()
        cases += wgmma_persistent_cases()
        cases += wgmma_gqa_split_cases()
        cases += wgmma_dq_fused_cases()
        cases += wgmma_dq_reduce_cases()
        cases += wgmma_wide_tma_store_cases()
        cases += wgmma_longest_first_cases()
        cases += wgmma_launch_chunk_cases()
        cases += wgmma_read_exit_cases()
    if kernel == "wgmma":
        # The ring against one buffer (D61), one process, D = 128 and 64.
        for d, hq in ((128, 16), (64, 32)):
            for causal in (False, True):
                if d == 64:
                    cases.append(m("bf16", d, 4096, causal=causal, b=4,
                                   hq=hq, perf=True))
                cases.append(m("bf16", d, 4096, causal=causal, b=4, hq=hq,
                               perf=True, tiling=[64, 128, 1, 8]))
        # Ordered dQ on the ring against the ring's atomic dQ above (D66),
        # and on one buffer (the baseline it replaces), one process.
        for d, hq in ((128, 16), (64, 32)):
            for causal in (False, True):
                cases.append(m("bf16", d, 4096, causal=causal, b=4, hq=hq,
                               perf=True, deterministic=True))
                cases.append(m("bf16", d, 4096, causal=causal, b=4, hq=hq,
                               perf=True, deterministic=True,
                               tiling=[64, 128, 1, 8]))
    return cases


# The mma.sync backward's head dims besides 64 and 128 (D, Dv), at the
# model's pick (none written on the op): not yet run on a GPU (D70); D =
# 256 has no mma-sync tiling (dK_j and dV_j alone are 256 registers a
# thread), an error of fa-select-tiling.
MMA_HEAD_DIMS = ((32, 32), (80, 80), (96, 96), (192, 128))


def mma_head_dim_cases():
    """The mma.sync backward at MMA_HEAD_DIMS: both types, causal and not,
    lengths with partial blocks, causal with Nq != Nk both ways, causal GQA
    8/1 and 6/2; then a timed case per head dim, dense and causal (B = 4,
    N = 4096, 2048 / D heads rounded down to an even count), against torch
    SDPA's FLASH backward where it takes the shape (not D != Dv)."""
    m = lambda *a, **kw: case(*a, kernel="mma-sync", **kw)
    cases = []
    for d, dv in MMA_HEAD_DIMS:
        for dtype in ("bf16", "f16"):
            for n in (17, 777, 2049):
                for causal in (False, True):
                    cases.append(m(dtype, d, n, dv=dv, causal=causal))
        for nq, nk in ((777, 1000), (1000, 777)):
            cases.append(m("bf16", d, nq, nk, dv=dv, causal=True))
        cases.append(m("f16", d, 1000, dv=dv, causal=True, b=2, hq=8,
                       hkv=1))
        cases.append(m("bf16", d, 777, 1000, dv=dv, b=2, hq=6, hkv=2))
    for d, dv in MMA_HEAD_DIMS:
        for causal in (False, True):
            cases.append(m("bf16", d, 4096, dv=dv, causal=causal, b=4,
                           hq=2 * (1024 // d), perf=True))
    return cases


# The wgmma backward's head dims besides 64 and 128 (D = Dv; D71): not yet
# run on a GPU.
WGMMA_HEAD_DIMS = (80, 96)


def wgmma_head_dim_cases():
    """The wgmma backward at WGMMA_HEAD_DIMS on its TMA ring (the default
    tiling): both types, causal and not, lengths with partial blocks,
    causal with Nq != Nk both ways, causal GQA 8/1 and 6/2, ordered dQ
    (run twice, bit for bit); on one buffer (stages 1) dense, causal and
    ordered; then a timed case per head dim, dense and causal (B = 4, N =
    4096, 2048 / D heads rounded down to an even count)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", **kw)
    one = [64, 128, 1, 8]
    cases = []
    for d in WGMMA_HEAD_DIMS:
        for dtype in ("bf16", "f16"):
            for n in (17, 777, 2049):
                for causal in (False, True):
                    cases.append(m(dtype, d, n, causal=causal))
        for nq, nk in ((777, 1000), (1000, 777)):
            cases.append(m("bf16", d, nq, nk, causal=True, b=2, hq=8,
                           hkv=1))
        cases.append(m("f16", d, 1000, b=2, hq=6, hkv=2, causal=True))
        cases.append(m("bf16", d, 2049, 777, causal=True, b=2, hq=4, hkv=2,
                       deterministic=True))
        cases.append(m("f16", d, 4097, b=1, hq=4, hkv=1, deterministic=True))
        cases.append(m("bf16", d, 777, tiling=one))
        cases.append(m("f16", d, 1000, 777, causal=True, b=2, hq=4, hkv=2,
                       tiling=one))
        cases.append(m("bf16", d, 2049, causal=True, tiling=one,
                       deterministic=True))
    for d in WGMMA_HEAD_DIMS:
        for causal in (False, True):
            cases.append(m("bf16", d, 4096, causal=causal, b=4,
                           hq=2 * (1024 // d), perf=True))
    return cases


# The tensor-core backwards' mask-pattern cases ([chunk, global, butterfly];
# through BlockClassifier's lists by kv-block, docs/BlockSparse.md): causal
# chunks (Nq != Nk), a butterfly alone and with global tokens (Nq != Nk
# both ways, ragged blocks), global tokens with a window and with a causal
# window (sinks), a keep-mask under a pattern, GQA.
PATTERN_CASES = (
    (("bf16", 64, 1000), dict(causal=True, mask_pattern=(200, 0, 0))),
    (("f16", 128, 777, 1000), dict(b=2, hq=4, hkv=2, causal=True,
                                   mask_pattern=(128, 0, 0))),
    (("bf16", 64, 1024), dict(mask_pattern=(0, 32, 64))),
    (("bf16", 128, 1000, 777), dict(causal=True, mask_pattern=(0, 0, 48))),
    (("f16", 64, 300, 1000), dict(b=2, hq=4, hkv=2,
                                  mask_pattern=(0, 16, 128))),
    (("bf16", 64, 1000), dict(window=(64, 64), mask_pattern=(0, 16, 0))),
    (("f16", 128, 1000), dict(b=2, hq=4, hkv=1, causal=True, window=(128, 0),
                              mask_pattern=(0, 4, 0))),
    (("bf16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777),
                             mask_kind="bool", pattern="random",
                             mask_pattern=(0, 8, 32))))


# Runtime block masks on the wgmma ring (D75, and D94's compacted walk):
# GQA, causal, coarse and uneven mask blocks, causal GQA 8/1 with Nq != Nk
# both ways, many q-blocks (the ring wraps across query heads).
RING_BLOCK_MASK_CASES = (
    (("bf16", 64, 2049), dict(b=2, hq=4, hkv=2, blocks=(64, 128))),
    (("f16", 128, 1000), dict(causal=True, b=2, hq=4, hkv=2,
                              blocks=(128, 128))),
    (("bf16", 128, 777), dict(b=2, hq=4, hkv=2, blocks=(256, 256))),
    (("bf16", 128, 2049, 777), dict(causal=True, b=2, hq=8, hkv=1,
                                    blocks=(64, 128))),
    (("bf16", 128, 777, 2049), dict(causal=True, b=2, hq=8, hkv=1,
                                    blocks=(128, 128))),
    (("f16", 64, 1000, 777), dict(causal=True, b=2, hq=4, hkv=2,
                                  blocks=(192, 256))),
    (("bf16", 64, 4097), dict(b=1, hq=4, hkv=1, blocks=(64, 128))))


def wgmma_sparse_cases():
    """The wgmma backward's sparse steps of D75, tagged `_rm` (not yet run
    on a GPU): runtime block masks on the TMA ring (`_ring`; half the
    blocks kept and one q-block row empty, against the float64 reference of
    the equivalent keep-mask): GQA, causal, coarse and uneven mask blocks,
    causal GQA 8/1 with Nq != Nk both ways, many q-blocks (the ring wraps
    across query heads); the same with ordered dQ (each run twice, bit for
    bit), a causal window among them; mask patterns ([chunk, global,
    butterfly]) on the ring (the model's pick) with and without causal,
    GQA, a keep-mask under a pattern, a causal window with global tokens;
    and on one buffer (`_s1`). Then the timed cases, ring against one
    buffer in one process at N = 8192 (B = 2, H = 2048 / D): a block mask of
    128 x 128 blocks at a quarter density, and a causal window of 1024."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="rm", **kw)
    ring, one = [64, 128, 2, 8], [64, 128, 1, 8]
    cases = []
    for args, kw in RING_BLOCK_MASK_CASES:
        cases.append(m(*args, tiling=ring, **kw))
    for args, kw in (
            (("bf16", 64, 2049), dict(b=2, hq=4, hkv=2, blocks=(64, 128))),
            (("bf16", 128, 1000), dict(causal=True, blocks=(128, 128))),
            (("bf16", 64, 2049), dict(causal=True, window=(300, 0),
                                     blocks=(128, 128))),
            (("bf16", 128, 2049, 777), dict(causal=True, b=2, hq=8, hkv=1,
                                            blocks=(64, 128))),
            (("f16", 64, 4097), dict(b=1, hq=4, hkv=1, blocks=(64, 128)))):
        cases.append(m(*args, tiling=ring, deterministic=True, **kw))
    # The mma.sync backward's pattern cases, dense chunks, and causal GQA
    # 8/1 with global tokens and a butterfly.
    patterns = PATTERN_CASES + (
        (("bf16", 128, 1000), dict(b=2, hq=4, hkv=2,
                                   mask_pattern=(256, 0, 0))),
        (("bf16", 128, 2049), dict(causal=True, b=1, hq=8, hkv=1,
                                   mask_pattern=(0, 64, 128))))
    for args, kw in patterns:
        cases.append(m(*args, **kw))
    for i in (0, 2, 7):
        args, kw = patterns[i]
        cases.append(m(*args, tiling=one, **kw))
    for d, hq in ((128, 16), (64, 32)):
        for t in (ring, one):
            cases.append(m("bf16", d, 8192, b=2, hq=hq, blocks=(128, 128),
                           density=0.25, tiling=t, perf=True))
        for t in (None, one):
            cases.append(m("bf16", d, 8192, causal=True, b=2, hq=hq,
                           window=(1024, 0), tiling=t, perf=True))
    return cases


def wgmma_compacted_cases():
    """The wgmma ring's compacted walk under a block mask (D94), tagged
    `_bsc` (not yet run on a GPU): the atomic `_rm` ring cases with `walk
    = compacted` (`_cw`; GQA, causal, coarse and uneven mask blocks, Nq !=
    Nk both ways, the ring wrapping across query heads), at 10 % density
    too, a document mask, and the benchmark's walk (N = 8192, D = 128:
    128 q-blocks a kv-block; H = 4 to keep the reference short) at 10 %
    and with documents against the float64 reference. Then timed pairs,
    the dense walk (`_ring`) and the compacted one (`_ring_cw`) of the same
    drawn mask, at N = 8192, B = 1, H = 2048 / D, D = 64 and 128: random
    128 x 128 blocks at 10, 25 and 50 % density, and 7 causal equal
    documents."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="bsc", **kw)
    ring = [64, 128, 2, 8]
    cases = []
    for args, kw in RING_BLOCK_MASK_CASES + (
            (("bf16", 64, 4097), dict(b=1, hq=4, hkv=1, blocks=(64, 128),
                                      density=0.1)),
            (("bf16", 128, 2049), dict(causal=True, b=2, hq=4, hkv=2,
                                       blocks=(128, 128), density=0.1)),
            (("bf16", 128, 3000), dict(causal=True, b=1, hq=4,
                                       blocks=(128, 128),
                                       block_pattern="document")),
            (("bf16", 128, 8192), dict(b=1, hq=4, blocks=(128, 128),
                                       density=0.1)),
            (("bf16", 128, 8192), dict(causal=True, b=1, hq=4,
                                       blocks=(128, 128),
                                       block_pattern="document"))):
        cases.append(m(*args, tiling=ring, walk="compacted", **kw))
    for d, hq in ((128, 16), (64, 32)):
        for kw in (dict(density=0.1), dict(density=0.25), dict(density=0.5),
                   dict(causal=True, block_pattern="document")):
            for walk in ("dense", "compacted"):
                cases.append(m("bf16", d, 8192, b=1, hq=hq, blocks=(128, 128),
                               tiling=ring, walk=walk, perf=True, **kw))
    return cases


def wgmma_in_flight_cases():
    """dK's product left in flight across the ring's step end (D101,
    `in_flight = dk`, `_if`), tagged `_bif` (not yet run on a GPU): a few
    of the matrix's ring cases with the variant against the float64
    reference (D = 64 and 128, both types, causal and not, N = 1 and 17,
    causal Nq != Nk both ways and blocks without a step, GQA 8/1 and 8/2,
    the ring crossing query heads, a keep-mask, a bias, a window, a mask
    pattern, ordered dQ run twice bit for bit). Then the A/B: the
    benchmark's shapes (bf16, B = 16384 / N, H = 2048 / D, N = 4096 and
    16384, D = 64 and 128, causal and not), the ring and the variant of
    each shape timed round-robin in one process on the same inputs, with
    torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="bif", **kw)
    cases = []
    for args, kw in (
            (("bf16", 64, 777), dict()),
            (("bf16", 64, 2049), dict(causal=True)),
            (("f16", 128, 777), dict(causal=True)),
            (("bf16", 128, 2049), dict()),
            (("bf16", 64, 1), dict()),
            (("f16", 128, 17), dict(causal=True)),
            (("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=8, hkv=2)),
            (("bf16", 128, 1000, 777), dict(causal=True, b=2, hq=8, hkv=2)),
            (("f16", 128, 17, 2049), dict(causal=True)),
            (("bf16", 128, 1000), dict(b=2, hq=8, hkv=1)),
            (("bf16", 128, 1000), dict(causal=True, b=2, hq=8, hkv=1)),
            (("f16", 64, 4097), dict(b=1, hq=4, hkv=1)),
            (("bf16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777),
                                     mask_kind="bool", pattern="random")),
            (("bf16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777))),
            (("f16", 128, 1000), dict(causal=True, window=(257, 0))),
            (("f16", 128, 777, 1000), dict(b=2, hq=4, hkv=2, causal=True,
                                           mask_pattern=(128, 0, 0))),
            (("bf16", 128, 1000, 777), dict(causal=True, b=2, hq=8, hkv=2,
                                            deterministic=True)),
            (("f16", 64, 4097), dict(b=1, hq=4, hkv=1, deterministic=True))):
        cases.append(m(*args, in_flight="dk", **kw))
    for d in (64, 128):
        for n in (4096, 16384):
            for causal in (False, True):
                group = f"d{d}_n{n}" + ("_causal" if causal else "")
                for in_flight in ("none", "dk"):
                    cases.append(m("bf16", d, n, causal=causal, b=16384 // n,
                                   hq=2048 // d, in_flight=in_flight,
                                   perf=True, ab=group))
    return cases


def wgmma_tma_store_cases():
    """dK and dV stored through shared memory and TMA (D107, `epilogue =
    tma_store`, `_kt`), tagged `_kvt` (not yet run on a GPU): the variant
    against the float64 reference on the ring (bf16 and f16, D = 64, 80, 96
    and 128, N = 1, 17, 128, 777 and 2049, causal and not, causal Nq != Nk
    both ways, rows past Nk in the last kv-block and blocks without a step,
    GQA 8/1 and 8/2, a keep-mask, a bias and its gradient, a window, a
    block mask on the ring, ordered dQ run twice bit for bit, dK in flight
    with it). Then the A/B: the
    benchmark's shapes (bf16, B = 16384 / N, H = 2048 / D, N = 1024, 4096
    and 16384, D = 64 and 128, causal and not), the direct epilogue and the
    TMA store of each shape timed round-robin in one process on the same
    inputs, with torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="kvt", **kw)
    ring = [64, 128, 2, 8]
    cases = []
    for args, kw in (
            (("bf16", 64, 1), dict()),
            (("f16", 128, 17), dict(causal=True)),
            (("bf16", 128, 128), dict()),
            (("bf16", 64, 777), dict()),
            (("f16", 64, 2049), dict(causal=True)),
            (("f16", 128, 777), dict(causal=True)),
            (("bf16", 128, 2049), dict()),
            (("bf16", 80, 777), dict(causal=True)),
            (("f16", 80, 2049), dict()),
            (("bf16", 96, 777), dict()),
            (("f16", 96, 2049), dict(causal=True)),
            (("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=8, hkv=2)),
            (("bf16", 128, 1000, 777), dict(causal=True, b=2, hq=8, hkv=2)),
            (("f16", 128, 17, 2049), dict(causal=True)),
            (("bf16", 96, 2049, 17), dict(causal=True, b=2, hq=8, hkv=1)),
            (("bf16", 128, 1000), dict(b=2, hq=8, hkv=1)),
            (("f16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777),
                                    mask_kind="bool", pattern="random")),
            (("bf16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777))),
            (("f16", 128, 1000), dict(causal=True, window=(257, 0))),
            (("bf16", 128, 1024), dict(b=2, hq=4, blocks=(128, 128),
                                       tiling=ring)),
            (("bf16", 128, 1000, 777), dict(causal=True, b=2, hq=8, hkv=2,
                                            deterministic=True)),
            (("f16", 64, 2049), dict(b=1, hq=4, hkv=1, deterministic=True)),
            (("bf16", 128, 2049), dict(causal=True, in_flight="dk"))):
        cases.append(m(*args, epilogue="tma-store", **kw))
    for d in (64, 128):
        for n in (1024, 4096, 16384):
            for causal in (False, True):
                group = f"d{d}_n{n}" + ("_causal" if causal else "")
                for epilogue in ("direct", "tma-store"):
                    cases.append(m("bf16", d, n, causal=causal, b=16384 // n,
                                   hq=2048 // d, epilogue=epilogue,
                                   perf=True, ab=group))
    return cases


def wide_query_block_shapes():
    """The shapes the wide q-block's checks take (D = 64; the `_bq128` and
    `_detbq` cases): ((dtype, d, nq[, nk]), case keywords) pairs. Both
    types, N 1, 17, 128, 777, 2049, causal and not; causal Nq != Nk both
    ways (a kv-block without a step among them); GQA 8/1 causal and not,
    GQA 8/2 causal with Nq != Nk; the ring crossing query heads (GQA 4/1,
    N = 4097); a keep-mask with fully masked rows, key padding; windows."""
    shapes = [((dtype, 64, n), dict(causal=causal))
              for dtype in ("bf16", "f16") for n in (1, 17, 128, 777, 2049)
              for causal in (False, True)]
    return shapes + [
        (("bf16", 64, 777, 1000), dict(causal=True)),
        (("f16", 64, 1000, 777), dict(causal=True)),
        (("bf16", 64, 17, 2049), dict(causal=True)),
        (("bf16", 64, 1000), dict(b=2, hq=8, hkv=1)),
        (("f16", 64, 1000), dict(causal=True, b=2, hq=8, hkv=1)),
        (("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=8, hkv=2)),
        (("f16", 64, 4097), dict(b=1, hq=4, hkv=1)),
        (("bf16", 64, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777),
                                 mask_kind="bool", pattern="random")),
        (("f16", 64, 1000), dict(b=2, hq=4, causal=True,
                                 mask=(2, 1, 1, 1000), mask_kind="bool",
                                 pattern="padding")),
        (("bf16", 64, 1000), dict(causal=True, window=(257, 0))),
        (("f16", 64, 777, 1000), dict(window=(100, 37)))]


def wgmma_wide_query_block_cases():
    """The wgmma backward's wide q-block (D104: block_q 128 at D = Dv = 64
    on the TMA ring, given with the op, `_q128`), tagged `_bq128` (not yet
    run on a GPU): against the float64 reference, bf16 and f16, N 1, 17,
    128, 777, 2049, causal and not; causal Nq != Nk both ways (a kv-block
    without a step among them); GQA 8/1 causal and not; GQA 8/2 causal
    with Nq != Nk; the ring crossing query heads (GQA 4/1, N = 4097); a
    keep-mask with fully masked rows, key padding; a window. Then the A/B:
    the benchmark's shapes (bf16, D = 64, B = 16384 / N, H = 32, N = 1024,
    4096 and 16384, causal and not), block_q 64 (the model's pick, the
    base) and 128 of each timed round-robin in one process on the same
    inputs, with torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="bq128", **kw)
    wide = [128, 128, 2, 8]
    cases = []
    for args, kw in wide_query_block_shapes():
        cases.append(m(*args, tiling=wide, **kw))
    for n in (1024, 4096, 16384):
        for causal in (False, True):
            group = f"d64_n{n}" + ("_causal" if causal else "")
            for tiling in (None, wide):
                cases.append(m("bf16", 64, n, causal=causal, b=16384 // n,
                               hq=32, tiling=tiling, perf=True, ab=group))
    return cases


def wgmma_ordered_wide_query_block_cases():
    """Ordered dQ on the wgmma backward's wide q-block (D110: block_q 128 at
    D = Dv = 64 on the TMA ring with dq = ordered, a turn per 128-row
    q-block; given with the op, `_det_q128`), tagged `_detbq` (not yet run
    on a GPU): against the float64 reference, each case run twice and its
    gradients (dQ included) compared bit for bit: bf16 and f16, N 1, 17,
    128, 777, 2049, causal and not; causal Nq != Nk both ways (a kv-block
    without a step among them); GQA 8/1 causal and not; GQA 8/2 causal with
    Nq != Nk; the ring crossing query heads (GQA 4/1, N = 4097); a
    keep-mask with fully masked rows, key padding; windows; B = 2, H = 16,
    N = 4096 (many blocks waiting their turns). Then the A/B:
    the benchmark's D = 64 shapes (bf16, B = 16384 / N, H = 32, N = 1024,
    4096 and 16384, causal and not): atomic block_q 128 (today's
    non-deterministic pick, the base), ordered block_q 64 with the TMA
    store (today's deterministic pick, `_kt`) and ordered block_q 128,
    timed round-robin in one process on the same inputs with torch's cuDNN
    backward (time_group); the base over an ordered case is issue 22's
    deterministic / non-deterministic ratio."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="detbq", **kw)
    wide = [128, 128, 2, 8]
    cases = []
    # The wide q-block's shapes and, many blocks in flight (32 heads x 32
    # kv-blocks, every kv-block waiting its turn on each q-block), the
    # reruns' bits at a size where the turns' timing varies.
    for args, kw in wide_query_block_shapes() + [
            (("bf16", 64, 4096), dict(b=2, hq=16))]:
        cases.append(m(*args, tiling=wide, deterministic=True, **kw))
    for n in (1024, 4096, 16384):
        for causal in (False, True):
            group = f"detbq_d64_n{n}" + ("_causal" if causal else "")
            for tiling, det, epilogue in ((wide, False, "direct"),
                                          (None, True, "tma-store"),
                                          (wide, True, "direct")):
                cases.append(m("bf16", 64, n, causal=causal, b=16384 // n,
                               hq=32, tiling=tiling, deterministic=det,
                               epilogue=epilogue, perf=True, ab=group))
    return cases


def wgmma_ordered_pass_cases():
    """Ordered dQ's turns passed after the score products (D115: dq_pass =
    after_scores on the wgmma ring, `_dp`), tagged `_det16` (not yet run on
    a GPU; the A/B's cases are tagged `_ab16`): against the float64
    reference, each case run twice and its gradients (dQ included)
    compared bit for bit: at D = 64 on the wide q-block (block_q 128, the
    deterministic pick, D112) over wide_query_block_shapes; at D = 128
    (block_q 64 with the TMA store, the pick) dense and causal, Nq != Nk,
    GQA, keep-masks, windows; at D = 64 block_q 64 a bias with its gradient
    (not broadcast); runtime block masks on the ring (a skipped step passes
    its turn too); B = 2, H = 16, N = 4096 at both D (many blocks waiting
    their turns). Then the A/B: the benchmark's shapes (bf16, B = 16384 /
    N, H = 2048 / D), D = 64 and 128, N = 1024, 4096, 16384 dense and N =
    4096 causal, and the GQA point (B = 4, Hq = 32, Hkv = 8, N = 8192, D =
    128, causal): atomic dQ (the non-deterministic pick, the base), ordered
    dQ (the deterministic pick), its PTX variants `nowait` (the spin on the
    semaphore exits at once: not deterministic, the same work), `nodrain`
    (the step's wait for its bulk reductions' completion before the pass
    becomes a wait for their reads only) and `nowait_nodrain`, and dq_pass
    = after_scores; causal, also atomic dQ's `reversed` variant (launched
    in ordered dQ's order, last kv-block first). Timed round-robin in one
    process on the same inputs with torch's cuDNN backward (time_group).
    The variants separate issue 22 bar 2's candidate causes: the per-step
    drain, the dense chain, the launch order."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", **{"tag": "det16", **kw})
    wide, ring = [128, 128, 2, 8], [64, 128, 2, 8]
    dp = "after-scores"
    cases = []
    for args, kw in wide_query_block_shapes() + [
            (("bf16", 64, 4096), dict(b=2, hq=16))]:
        cases.append(m(*args, tiling=wide, deterministic=True, dq_pass=dp,
                       **kw))
    for args, kw in (
            (("bf16", 128, 1000), {}),
            (("f16", 128, 777), dict(causal=True)),
            (("bf16", 128, 777, 1000), dict(causal=True)),
            (("bf16", 128, 1000, 777), dict(causal=True, b=2, hq=8, hkv=2)),
            (("f16", 128, 1000), dict(b=2, hq=8, hkv=1)),
            (("bf16", 128, 4097), dict(hq=4, hkv=1)),
            (("bf16", 128, 777), dict(b=2, hq=4, mask=(2, 4, 777, 777),
                                      mask_kind="bool", pattern="random")),
            (("bf16", 128, 1000), dict(causal=True, window=(257, 0))),
            (("f16", 128, 777, 1000), dict(window=(100, 37))),
            (("bf16", 128, 4096), dict(b=2, hq=16))):
        cases.append(m(*args, tiling=ring, deterministic=True, dq_pass=dp,
                       epilogue="tma-store", **kw))
    # A bias (the wgmma backward builds it at D = 64, block_q 64) and its
    # gradient, not broadcast (a broadcast one's is summed by atomics).
    cases.append(m("bf16", 64, 1000, b=2, hq=4, mask=(2, 4, 1000, 1000),
                   tiling=ring, deterministic=True, dq_pass=dp))
    for args, kw in (
            (("bf16", 64, 2049), dict(b=2, hq=4, hkv=2, blocks=(64, 128))),
            (("bf16", 128, 1000), dict(causal=True, blocks=(128, 128))),
            (("bf16", 128, 2049, 777), dict(causal=True, b=2, hq=8, hkv=1,
                                            blocks=(64, 128)))):
        cases.append(m(*args, tiling=ring, deterministic=True, dq_pass=dp,
                       **kw))
    shapes = [(d, n, False, 16384 // n, 2048 // d, None)
              for d in (64, 128) for n in (1024, 4096, 16384)]
    shapes += [(d, 4096, True, 4, 2048 // d, None) for d in (64, 128)]
    shapes += [(128, 8192, True, 4, 32, 8)]
    for d, n, causal, b, hq, hkv in shapes:
        group = f"det16_d{d}_n{n}" + ("_causal" if causal else "") + (
            "_gqa" if hkv else "")
        # Today's picks (D108, D112): the wide q-block at D = 64 (the
        # direct epilogue), block_q 64 with the TMA store at D = 128.
        tiling, epilogue = (wide, "direct") if d == 64 else (ring,
                                                             "tma-store")
        kw = dict(causal=causal, b=b, hq=hq, hkv=hkv, tiling=tiling,
                  epilogue=epilogue, perf=True, ab=group, tag="ab16")
        cases.append(m("bf16", d, n, **kw))
        if causal:
            # Atomic dQ launched last kv-block first, as ordered dQ is:
            # causal kv-blocks differ in length, and that order runs the
            # shortest first.
            cases.append(m("bf16", d, n, variant="reversed", **kw))
        cases.append(m("bf16", d, n, deterministic=True, **kw))
        for variant in ("nowait", "nodrain", "nowait_nodrain"):
            cases.append(m("bf16", d, n, deterministic=True, variant=variant,
                           **kw))
        cases.append(m("bf16", d, n, deterministic=True, dq_pass=dp, **kw))
    return cases


def wgmma_persistent_cases():
    """The wgmma backward's persistent kernel (D114, `persistent = on`,
    `_pt`), tagged `_pers` (not yet run on a GPU), with today's picks: the
    wide q-block with the direct epilogue at D = 64, block_q 64 with the TMA
    store at D = 128 (and each with the other epilogue once). Against the
    float64 reference: bf16 and f16, N 1, 17, 128, 512, 777, 1024, 2049,
    causal and not; causal Nq != Nk both ways; GQA 8/1 and 8/2; windows,
    one leaving most kv-blocks without a step (the next tile's
    first loads issued at its start); most cases with more tiles than an
    H100's 132 SMs (several rounds a block). Then the A/B: the training
    shapes (GPT-2 small: B 16, H 12, N 1024, causal; BERT-large: B 16, H
    16, N 512; Llama-style: B 2, Hq 32 / Hkv 8, N 4096, causal; D = 64)
    and the benchmark's D = 64 and 128 at N = 1k and 4k (B = 16384 / N, H =
    2048 / D, causal and not): today's pick (the base) and the same kernel
    persistent, timed round-robin in one process on the same inputs with
    torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="pers", **kw)
    wide, ring = [128, 128, 2, 8], [64, 128, 2, 8]
    # The pick of each head dim: (tiling, epilogue).
    pick = {64: (wide, "direct"), 128: (ring, "tma-store")}
    cases = []
    for d in (64, 128):
        dtypes = ("bf16", "f16") if d == 64 else ("f16", "bf16")
        for args, kw in (
                ((dtypes[0], d, 1), dict()),
                ((dtypes[1], d, 17), dict(causal=True)),
                ((dtypes[0], d, 128), dict(causal=True, b=4, hq=8)),
                ((dtypes[1], d, 512), dict(b=8, hq=8)),
                ((dtypes[0], d, 777), dict(causal=True, b=4, hq=8)),
                ((dtypes[1], d, 1024), dict(causal=True, b=4, hq=16)),
                ((dtypes[0], d, 2049), dict(b=2, hq=8)),
                ((dtypes[1], d, 2049), dict(causal=True, b=2, hq=8)),
                ((dtypes[0], d, 777, 1000), dict(causal=True, b=4, hq=8,
                                                 hkv=2)),
                ((dtypes[1], d, 1000, 777), dict(causal=True, b=4, hq=8,
                                                 hkv=2)),
                ((dtypes[0], d, 2049), dict(causal=True, b=16, hq=8, hkv=1)),
                ((dtypes[1], d, 2049), dict(b=16, hq=8, hkv=1)),
                ((dtypes[0], d, 1000), dict(causal=True, b=4, hq=8,
                                            window=(257, 0))),
                ((dtypes[1], d, 17, 2049), dict(b=2, hq=8, window=(64, 0)))):
            tiling, epilogue = pick[d]
            cases.append(m(*args, tiling=tiling, epilogue=epilogue,
                           persistent=True, **kw))
    # The other epilogue of each head dim once.
    cases.append(m("bf16", 64, 2049, causal=True, b=2, hq=8, tiling=ring,
                   epilogue="tma-store", persistent=True))
    cases.append(m("f16", 128, 2049, causal=True, b=2, hq=8, tiling=ring,
                   epilogue="direct", persistent=True))
    shapes = [("gpt2", 64, 1024, True, 16, 12, 12),
              ("bert", 64, 512, False, 16, 16, 16),
              ("llama", 64, 4096, True, 2, 32, 8)]
    shapes += [(f"d{d}_n{n}" + ("_causal" if causal else ""), d, n, causal,
                16384 // n, 2048 // d, 2048 // d)
               for d in (64, 128) for n in (1024, 4096)
               for causal in (False, True)]
    for group, d, n, causal, b, hq, hkv in shapes:
        tiling, epilogue = pick[d]
        for persistent in (False, True):
            cases.append(m("bf16", d, n, causal=causal, b=b, hq=hq, hkv=hkv,
                           tiling=tiling, epilogue=epilogue,
                           persistent=persistent, perf=True,
                           ab="pers_" + group))
    return cases


def wgmma_gqa_split_cases():
    """The wgmma backward's split group (D119, `gqa = split`, `_gs`: a
    block per query head, dK and dV added to f32 accumulators by bulk
    reductions, then converted), tagged `_gqas` (not yet run on a GPU),
    with the direct epilogue and today's tilings (the wide q-block at D =
    64, block_q 64 at D = 128). Against the float64 reference: GQA 4/1, 8/2
    and 32/8, D = 64 and 128, bf16 and f16, causal and not, Nq != Nk both
    ways, N not a multiple of the blocks, a window, one buffer; a
    keep-mask, a bias, a block mask, dK in flight, a mask pattern. Then the
    A/B: the Llama training shape (B 2, Hq 32 / Hkv 8, N 4096, D 64,
    causal), the benchmark's GQA shape (B 4, Hq 32 / Hkv 8, N 8192, D 128,
    causal) and a non-causal GQA shape (B 2, Hq 32 / Hkv 8, N 4096, D 128):
    today's pick (the loop; the base), the split, timed round-robin in one
    process on the same inputs with torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="gqas", **kw)
    wide, ring = [128, 128, 2, 8], [64, 128, 2, 8]
    pick = {64: (wide, "direct"), 128: (ring, "tma-store")}
    cases = []
    for d in (64, 128):
        tiling = pick[d][0]
        dtypes = ("bf16", "f16") if d == 64 else ("f16", "bf16")
        for args, kw in (
                ((dtypes[0], d, 1), dict(hq=4, hkv=1)),
                ((dtypes[1], d, 17), dict(causal=True, hq=4, hkv=1)),
                ((dtypes[0], d, 777), dict(causal=True, b=2, hq=8, hkv=2)),
                ((dtypes[1], d, 1000), dict(b=2, hq=8, hkv=2)),
                ((dtypes[0], d, 777, 1000), dict(causal=True, b=2, hq=8,
                                                 hkv=2)),
                ((dtypes[1], d, 1000, 777), dict(causal=True, b=2, hq=4,
                                                 hkv=1)),
                ((dtypes[0], d, 300, 2049), dict(b=1, hq=8, hkv=2)),
                ((dtypes[1], d, 1024), dict(causal=True, b=1, hq=32, hkv=8)),
                ((dtypes[0], d, 1000), dict(b=1, hq=8, hkv=2,
                                            window=(257, 0)))):
            cases.append(m(*args, tiling=tiling, gqa="split", **kw))
        # One buffer (stages 1).
        cases.append(m(dtypes[1], d, 777, causal=True, b=2, hq=8, hkv=2,
                       tiling=[64, 128, 1, 8], gqa="split"))
    # Beside the fields fa-select-tiling and the conversion build it with
    # (session 18, D121; the cases above have none of them): a keep-mask, a
    # bias without its gradient, a block mask (walked dense), dK in flight,
    # a mask pattern.
    for kw in (dict(mask=(2, 8, 777, 777), mask_kind="bool"),
               dict(mask=(1, 8, 1, 777), bias_grad=False),
               dict(blocks=(64, 128)), dict(in_flight="dk"),
               dict(mask_pattern=(128, 0, 0))):
        cases.append(m("bf16", 64, 777, causal=True, b=2, hq=8, hkv=2,
                       tiling=ring, gqa="split", **kw))
    shapes = [("llama", 64, 4096, True, 2, 32, 8),
              ("bench", 128, 8192, True, 4, 32, 8),
              ("noncausal", 128, 4096, False, 2, 32, 8)]
    for group, d, n, causal, b, hq, hkv in shapes:
        tiling, epilogue = pick[d]
        cases.append(m("bf16", d, n, causal=causal, b=b, hq=hq, hkv=hkv,
                       tiling=tiling, epilogue=epilogue, perf=True,
                       ab="gqas_" + group))
        cases.append(m("bf16", d, n, causal=causal, b=b, hq=hq, hkv=hkv,
                       tiling=tiling, gqa="split", perf=True,
                       ab="gqas_" + group))
    return cases


# Today's picks (fa-select-tiling, kernel=wgmma, h200) at the benchmark's
# shapes, D -> (tiling, epilogue): the wide q-block at D = 64, block_q 64
# with the TMA-store epilogue at D = 128 (D108).
DQF_PICKS = {64: ([128, 128, 2, 8], "direct"),
             128: ([64, 128, 2, 8], "tma-store")}


def at_picks(m, rows, **extra):
    """`rows` ((args after the dtype and D, kwargs) each) at D = 64 and 128
    with today's tilings and epilogues (DQF_PICKS), the dtypes alternating
    row by row (bf16 first at D = 64, f16 first at D = 128), each with
    `extra`: a variant set's reference cases."""
    cases = []
    for d in (64, 128):
        tiling, epilogue = DQF_PICKS[d]
        dtypes = ("bf16", "f16") if d == 64 else ("f16", "bf16")
        for i, (args, kw) in enumerate(rows):
            cases.append(m(dtypes[i % 2], d, *args, tiling=tiling,
                           epilogue=epilogue, **extra, **kw))
    return cases


def picks_ab(m, shapes, prefix, field, values):
    """A variant set's A/B groups: for each (group, shape) of `shapes` (d,
    n, causal and the shape's other `case` arguments), one timed bf16 case
    per value of the schedule field `field` (the base first) with today's
    tiling and epilogue (DQF_PICKS), grouped as `prefix + group`."""
    cases = []
    for group, s in shapes:
        tiling, epilogue = DQF_PICKS[s["d"]]
        rest = {k: v for k, v in s.items() if k not in ("d", "n")}
        for value in values:
            cases.append(m("bf16", s["d"], s["n"], tiling=tiling,
                           epilogue=epilogue, perf=True, ab=prefix + group,
                           **rest, **{field: value}))
    return cases


def wgmma_dq_fused_cases():
    """The wgmma backward's fused dQ conversion (D120, `dq_convert =
    fused`, `_df`: the main kernel's last block at each q-block converts its
    dQ rows; no convert kernel), tagged `_dqf` (not yet run on a GPU), with
    today's tilings and epilogues (DQF_PICKS). Against the float64
    reference: D = 64 and 128, bf16 and f16, N = 1, 17, 1000 and 4097,
    causal with Nq != Nk both ways (Nq > Nk: q-blocks no kv-block visits,
    whose dQ the preprocess zeroes), windows, GQA 8/2 (the loop's counts
    over the group), a bias without its gradient (D = 64, block_q 64: the
    wgmma backward's bias; a keep-mask is refused). Then the
    A/B: the benchmark's shapes (bf16, B = 16384 / N, H = 2048 / D, N = 1k,
    2k, 4k and 16k, D = 64 and 128, causal and not) and a causal sliding
    window of 1024 at N = 8k (B 1, H 16, D 128; cuDNN runs it causal
    without the window), the convert kernel (today's; the base) and the
    fused conversion timed round-robin in one process with torch's cuDNN
    backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="dqf", **kw)
    cases = at_picks(m, (
        ((1,), dict()),
        ((17,), dict(causal=True)),
        ((1000,), dict(b=2, hq=4)),
        ((4097,), dict(causal=True)),
        ((777, 1000), dict(causal=True, b=2, hq=4)),
        ((1000, 777), dict(causal=True, b=2, hq=4)),
        ((1000,), dict(causal=True, window=(257, 0))),
        ((777, 1000), dict(window=(100, 37))),
        ((1000,), dict(causal=True, b=2, hq=8, hkv=2)),
        ((777, 1000), dict(b=1, hq=8, hkv=2)),
        ((1000, 777), dict(window=(300, 40), b=2, hq=8, hkv=2))),
        dq_convert="fused")
    # An additive bias without its gradient: the wgmma backward builds it
    # at D = 64 with block_q 64.
    cases.append(m("f16", 64, 777, b=2, hq=4, mask=(2, 4, 777, 777),
                   bias_grad=False, tiling=[64, 128, 2, 8],
                   dq_convert="fused"))
    # Beside what fa-select-tiling and the conversion build it with and the
    # cases above lack (session 19, D124): dK in flight, the other epilogue
    # at each D, and the arrival counts at their edges: a window (0, 0) with
    # Nq > Nk (14 of 16 q-blocks no kv-block visits, their dQ the
    # preprocess's zeros), one key (Nk = 1, causal: one q-block of 16 gets
    # an arrival), a group of 8 over one K/V head with Nq > Nk.
    ring = [64, 128, 2, 8]
    for args, kw in (
            (("bf16", 64, 777), dict(causal=True, b=2, hq=8, hkv=2,
                                     in_flight="dk", tiling=ring)),
            (("bf16", 128, 1000, 777), dict(causal=True, in_flight="dk",
                                            tiling=ring,
                                            epilogue="tma-store")),
            (("f16", 64, 1000), dict(causal=True, b=2, hq=4, tiling=ring,
                                     epilogue="tma-store")),
            (("bf16", 128, 777, 1000), dict(causal=True, tiling=ring)),
            (("bf16", 64, 1000, 64), dict(window=(0, 0), tiling=ring)),
            (("f16", 128, 1000, 1), dict(causal=True, tiling=ring)),
            (("bf16", 64, 4097, 129), dict(causal=True, hq=8, hkv=1,
                                           tiling=ring))):
        cases.append(m(*args, dq_convert="fused", **kw))
    shapes = [(f"d{d}_n{n}" + ("_causal" if causal else ""),
               dict(d=d, n=n, causal=causal, b=16384 // n, hq=2048 // d))
              for d in (64, 128) for n in (1024, 2048, 4096, 16384)
              for causal in (False, True)]
    shapes.append(("d128_n8192_win1024",
                   dict(d=128, n=8192, causal=True, b=1, hq=16,
                        window=(1024, 0))))
    return cases + picks_ab(m, shapes, "dqf_", "dq_convert",
                            ("kernel", "fused"))


def wgmma_dq_reduce_cases():
    """The wgmma ring's warpgroup dQ reductions (D127, `dq_reduce =
    warpgroup`, `_dr`: a warpgroup's four warps' 16-row dQ boxes stacked as
    boxes of 64 rows, one thread adding each after a warpgroup barrier),
    tagged `_dqr` (not yet run on a GPU), with today's tilings and epilogues
    (DQF_PICKS) unless named. Against the float64 reference: D = 64 (the
    wide q-block) and 128, bf16 and f16, N = 1, 17, 777, 2049 and 4097,
    causal with Nq != Nk both ways (rows past Nq in a 64-row box), GQA 8/2,
    a window, ordered dQ (deterministic: run twice, bit for bit) at both D,
    block_q 64 at D = 64 (one box a warpgroup), the column split (D = 192,
    Dv = 128: three boxes), a runtime block mask on the ring (dense and
    compacted walks), dK in flight, the persistent kernel, the split group
    and the fused dQ conversion. Then the A/B: the benchmark's shapes
    (bf16, B = 16384 / N, H = 2048 / D, N = 1k, 4k and 16k, D = 64 and 128,
    causal and not) and GQA (B 4, Hq 32, Hkv 8, N 8192, D 128, causal),
    today's warp reductions (the base) and the warpgroup's timed
    round-robin in one process with torch's cuDNN backward (time_group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="dqr", **kw)
    cases = at_picks(m, (
        ((1,), dict()),
        ((17,), dict(causal=True)),
        ((777,), dict(b=2, hq=4)),
        ((2049,), dict(causal=True)),
        ((4097,), dict(b=1, hq=2)),
        ((777, 1000), dict(causal=True, b=2, hq=4)),
        ((1000, 777), dict(causal=True, b=2, hq=4)),
        ((1000,), dict(causal=True, b=2, hq=8, hkv=2)),
        ((777, 1000), dict(window=(100, 37))),
        ((1000, 777), dict(causal=True, b=2, hq=4, hkv=2,
                           deterministic=True)),
        ((2049,), dict(deterministic=True))),
        dq_reduce="warpgroup")
    ring = [64, 128, 2, 8]
    for args, kw in (
            (("bf16", 64, 777), dict(causal=True, b=2, hq=4, tiling=ring)),
            (("f16", 192, 1000), dict(dv=128, causal=True, b=2, hq=4)),
            (("bf16", 192, 777, 1000), dict(dv=128, b=1, hq=4,
                                            deterministic=True)),
            (("bf16", 128, 1000), dict(causal=True, b=2, hq=4, hkv=2,
                                       blocks=(64, 128), tiling=ring)),
            (("bf16", 128, 1000), dict(causal=True, b=2, hq=4, hkv=2,
                                       blocks=(64, 128), tiling=ring,
                                       walk="compacted")),
            (("bf16", 128, 1000, 777), dict(causal=True, in_flight="dk",
                                            tiling=ring)),
            (("bf16", 128, 2049), dict(causal=True, b=2, hq=4,
                                       persistent=True, tiling=ring)),
            (("f16", 64, 1000), dict(causal=True, b=2, hq=8, hkv=2,
                                     gqa="split", tiling=ring)),
            (("bf16", 128, 777, 1000), dict(causal=True, b=2, hq=4,
                                            tiling=ring,
                                            dq_convert="fused"))):
        cases.append(m(*args, dq_reduce="warpgroup", **kw))
    shapes = [(f"d{d}_n{n}" + ("_causal" if causal else ""),
               dict(d=d, n=n, causal=causal, b=16384 // n, hq=2048 // d,
                    hkv=2048 // d))
              for d in (64, 128) for n in (1024, 4096, 16384)
              for causal in (False, True)]
    shapes.append(("gqa_d128_n8192_causal",
                   dict(d=128, n=8192, causal=True, b=4, hq=32, hkv=8)))
    return cases + picks_ab(m, shapes, "dqr_", "dq_reduce",
                            ("warp", "warpgroup"))


def wgmma_wide_tma_store_cases():
    """The TMA-store epilogue on the wgmma backward's wide q-block (D130:
    block_q 128 at D = Dv = 64 with `epilogue = tma_store`, given with the
    op, `_q128_kt`), tagged `_bqt` (not yet run on a GPU): against the
    float64 reference, the wide q-block's shapes (wide_query_block_shapes)
    but the windows (refused: ptxas spills there), with
    atomic dQ, and with ordered dQ (deterministic: run twice, bit for bit)
    at N 17 and 2049, GQA 8/2 causal with Nq != Nk and key padding. Then
    the A/B: the benchmark's D = 64 shapes (bf16, B = 16384 / N, H = 32,
    N = 1024, 4096 and 16384, causal and not) and the training models'
    attention (BERT-large B 16, H 16, N 512; GPT-2 small B 16, H 12, N
    1024, causal; Llama-style B 2, Hq 32 / Hkv 8, N 4096, causal), the
    direct epilogue (today's pick, the base) and the TMA store timed
    round-robin in one process on the same inputs with torch's cuDNN
    backward (time_group); at N = 1024 and 4096, causal, ordered dQ with
    each epilogue in the same group (against the atomic direct base); at
    BERT's, GPT-2's and N = 1024 dense, the persistent kernel (D114) with
    each epilogue."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="bqt", **kw)
    wide = [128, 128, 2, 8]
    cases = []
    for args, kw in wide_query_block_shapes():
        if kw.get("window"):
            continue
        cases.append(m(*args, tiling=wide, epilogue="tma-store", **kw))
    for args, kw in ((("bf16", 64, 17), dict(causal=True)),
                     (("f16", 64, 2049), dict()),
                     (("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=8,
                                                    hkv=2)),
                     (("f16", 64, 1000), dict(b=2, hq=4, causal=True,
                                              mask=(2, 1, 1, 1000),
                                              mask_kind="bool",
                                              pattern="padding"))):
        cases.append(m(*args, tiling=wide, epilogue="tma-store",
                       deterministic=True, **kw))
    shapes = [(f"d64_n{n}" + ("_causal" if causal else ""),
               dict(n=n, causal=causal, b=16384 // n, hq=32))
              for n in (1024, 4096, 16384) for causal in (False, True)]
    shapes += [("bert_n512", dict(n=512, b=16, hq=16)),
               ("gpt2_n1024_causal", dict(n=1024, causal=True, b=16, hq=12)),
               ("llama_n4096_causal", dict(n=4096, causal=True, b=2, hq=32,
                                           hkv=8))]
    for group, s in shapes:
        n = s.pop("n")
        # Each variant with both epilogues, the atomic pair first (the base
        # stays atomic with the direct stores): ordered dQ at N = 1024 and
        # 4096, causal; the persistent kernel (D114: 1.03x at BERT's shape)
        # at the short walks (4 and 8 steps a block).
        variants = [dict()]
        if group in ("d64_n1024_causal", "d64_n4096_causal"):
            variants.append(dict(deterministic=True))
        if group in ("bert_n512", "gpt2_n1024_causal", "d64_n1024"):
            variants.append(dict(persistent=True))
        for variant in variants:
            for epilogue in ("direct", "tma-store"):
                cases.append(m("bf16", 64, n, tiling=wide, epilogue=epilogue,
                               perf=True, ab="bqt_" + group, **variant, **s))
    return cases


def longest_first_chunk(b, hq, hkv, n, d, gqa, budget=16 << 20):
    """D131's head chunk for a shape: the most (batch, head) pairs whose Q
    and dO rows (a loop block's group of query heads each; the split's
    one) fit `budget` bytes of L2 together, at least 1."""
    heads = 1 if gqa == "split" else hq // hkv
    return max(1, budget // (heads * n * d * 2 * 2))


def launch_order_reference_shapes():
    """The reference cases of the launch order's checks (D131's `_lf`,
    D133's `_lc`), as (case's positional arguments, keywords) with today's
    tiling and epilogue: causal with Nq != Nk both ways, GQA 8/2 with the
    loop and the split group, key padding, D = 64 (block_q 128) and 128,
    over 4, 9 and 16 (batch, head) pairs."""
    wide = [128, 128, 2, 8]
    ring = [64, 128, 2, 8]
    shapes = []
    for args, kw in (
            (("bf16", 64, 777, 1000), dict(causal=True, b=3, hq=3)),
            (("f16", 64, 1000, 777), dict(causal=True, b=3, hq=3)),
            (("bf16", 64, 1000), dict(causal=True, b=2, hq=8, hkv=2)),
            (("bf16", 64, 1000), dict(causal=True, b=2, hq=8, hkv=2,
                                      gqa="split")),
            (("f16", 64, 1000), dict(b=3, hq=3, causal=True,
                                     mask=(3, 1, 1, 1000), mask_kind="bool",
                                     pattern="padding")),
            (("bf16", 128, 777, 1000), dict(causal=True, b=3, hq=3)),
            (("f16", 128, 1000), dict(causal=True, b=2, hq=8, hkv=2))):
        # The split group stores dK and dV by its own f32 reductions (the
        # direct epilogue's place).
        kw["epilogue"] = "direct" if kw.get("gqa") == "split" else "tma-store"
        kw["tiling"] = wide if args[1] == 64 else ring
        shapes.append((args, kw))
    return shapes


def wgmma_longest_first_cases():
    """The wgmma backward's grid launched longest first in chunks of (batch,
    head) pairs (D131: the PTX variant `lfC` of bench/experiments/
    ptx_variants.py, atomic dQ; not a kernel the compiler builds), tagged
    `_lf` (not yet run on a GPU). Against the float64 reference: causal
    and Nq != Nk both ways, GQA 8/2 with the loop and the split group,
    key padding, D = 64 (block_q 128) and 128, C = 2 over 4, 9 and 16
    pairs (9 leaves a short last chunk). Then the A/B, today's pick (C =
    1, the base), the chunk that keeps the chunk's Q and dO within 16 MB
    (longest_first_chunk) and the whole grid longest first, round-robin in
    one process on the same inputs with torch's cuDNN backward: D = 64 at
    N = 1k, 4k, 16k causal (B = 16384 / N, H = 32), GPT-2 small's
    attention (B 16, H 12, N 1k, causal), the Llama-style one (B 2, Hq 32
    / Hkv 8, N 4k, causal) with the split group (today's pick) and the
    loop, D = 128 at N = 4k causal (B 4, H 16) and the GQA point (B 4, Hq
    32 / Hkv 8, N 8k, causal)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="lf", **kw)
    wide = [128, 128, 2, 8]
    ring = [64, 128, 2, 8]
    cases = []
    for args, kw in launch_order_reference_shapes():
        cases.append(m(*args, **kw))
        cases.append(m(*args, variant="lf2", **kw))
    shapes = [(f"d64_n{n}_causal", 64, n, 16384 // n, 32, 32, "loop")
              for n in (1024, 4096, 16384)]
    shapes += [("gpt2_n1024_causal", 64, 1024, 16, 12, 12, "loop"),
               ("llama_n4096_causal", 64, 4096, 2, 32, 8, "split"),
               ("llama_n4096_causal", 64, 4096, 2, 32, 8, "loop"),
               ("d128_n4096_causal", 128, 4096, 4, 16, 16, "loop"),
               ("d128_n8192_causal_gqa", 128, 8192, 4, 32, 8, "loop")]
    for group, d, n, b, hq, hkv, gqa in shapes:
        kw = dict(causal=True, b=b, hq=hq, hkv=hkv, perf=True,
                  tiling=wide if d == 64 else ring,
                  epilogue="direct" if gqa == "split" else "tma-store",
                  ab="lf_" + group, gqa=gqa)
        pairs = b * (hq if gqa == "split" else hkv)
        chunk = longest_first_chunk(b, hq, hkv, n, d, gqa)
        cases.append(m("bf16", d, n, **kw))
        for c in sorted({min(chunk, pairs), pairs, 4} - {1}):
            if c <= pairs:
                cases.append(m("bf16", d, n, variant=f"lf{c}", **kw))
    return cases


def wgmma_launch_chunk_cases():
    """The wgmma backward's grid launched longest first in chunks of (batch,
    head) pairs as the compiler builds it (`launch_chunk`, D133; D131
    measured the order as a PTX variant, `_lf`), tagged `_lc` (not yet run
    on a GPU). Against the float64 reference, the `_lf` cases with the
    compiler's chunk of 2 (over 4, 9 and 16 pairs; causal and Nq != Nk both
    ways, GQA 8/2 with the loop and the split group, key padding, D = 64
    at block_q 128 and D = 128) and a chunk past the grid's pairs. Then the
    A/B, round-robin in one process with torch's cuDNN backward: the
    Llama-style attention (B 2, Hq 32 / Hkv 8, N 4k, causal) with the split
    group (today's pick, the base), the loop, and the loop in chunks of
    longest_first_chunk's 4 (and of 2 and 8 around it); and the MHA causal
    shapes D131 measured within
    the run's spread (GPT-2 small's with 64, D = 64 N = 4k with 16, D = 128
    N = 4k with 4), today's order first."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="lc", **kw)
    wide = [128, 128, 2, 8]
    ring = [64, 128, 2, 8]
    cases = []
    # And one not causal (the order changes nothing but the blocks' ids).
    for args, kw in launch_order_reference_shapes() + [
            (("bf16", 64, 1000), dict(b=2, hq=8, hkv=2, tiling=wide,
                                      epilogue="tma-store"))]:
        cases.append(m(*args, launch_chunk=2, **kw))
    cases.append(m("bf16", 128, 1000, causal=True, b=2, hq=8, hkv=2,
                   tiling=ring, epilogue="tma-store", launch_chunk=1000))
    for group, d, n, b, hq, hkv, covers in (
            ("llama_n4096_causal", 64, 4096, 2, 32, 8,
             (("split", 1), ("loop", 1), ("loop", 4), ("loop", 2),
              ("loop", 8))),
            ("gpt2_n1024_causal", 64, 1024, 16, 12, 12,
             (("loop", 1), ("loop", 64))),
            ("d64_n4096_causal", 64, 4096, 4, 32, 32,
             (("loop", 1), ("loop", 16))),
            ("d128_n4096_causal", 128, 4096, 4, 16, 16,
             (("loop", 1), ("loop", 4)))):
        for gqa, chunk in covers:
            cases.append(m("bf16", d, n, causal=True, b=b, hq=hq, hkv=hkv,
                           perf=True, tiling=wide if d == 64 else ring,
                           epilogue="direct" if gqa == "split"
                           else "tma-store", ab="lc_" + group, gqa=gqa,
                           dq_reduce="warpgroup" if d == 128 else "warp",
                           launch_chunk=chunk))
    return cases


def wgmma_read_exit_cases():
    """The wgmma backward's last wait for its dQ bulk reductions made a
    wait for their reads (D132: the PTX variant `readexit` of
    bench/experiments/ptx_variants.py, atomic dQ with the convert kernel;
    not a kernel the compiler builds), tagged `_rx` (not yet run on a GPU):
    3 reference cases (D = 64 and 128, the split group), then today's pick
    against the variant round-robin with torch's cuDNN backward at the
    shapes whose blocks walk few steps (BERT-large's attention, GPT-2
    small's, D = 64 N = 1k dense, D = 128 N = 1k dense) and at D = 64 N =
    4k and the Llama-style shape (the split group)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", tag="rx", **kw)
    wide = [128, 128, 2, 8]
    ring = [64, 128, 2, 8]
    cases = []
    for args, kw in ((("bf16", 64, 777, 1000), dict(causal=True, b=2, hq=3,
                                                    epilogue="tma-store")),
                     (("bf16", 64, 1000), dict(causal=True, b=2, hq=8, hkv=2,
                                               gqa="split")),
                     (("f16", 128, 1000, 777), dict(b=2, hq=3,
                                                    epilogue="tma-store"))):
        tiling = wide if args[1] == 64 else ring
        cases.append(m(*args, tiling=tiling, **kw))
        cases.append(m(*args, tiling=tiling, variant="readexit", **kw))
    for group, d, n, b, hq, hkv, causal in (
            ("bert_n512", 64, 512, 16, 16, 16, False),
            ("gpt2_n1024_causal", 64, 1024, 16, 12, 12, True),
            ("d64_n1024", 64, 1024, 16, 32, 32, False),
            ("d128_n1024", 128, 1024, 16, 16, 16, False),
            ("d64_n4096", 64, 4096, 4, 32, 32, False),
            ("llama_n4096_causal", 64, 4096, 2, 32, 8, True)):
        gqa = "split" if hkv != hq else "loop"
        kw = dict(causal=causal, b=b, hq=hq, hkv=hkv, perf=True, gqa=gqa,
                  tiling=wide if d == 64 else ring, ab="rx_" + group,
                  epilogue="direct" if gqa == "split" else "tma-store")
        cases.append(m("bf16", d, n, **kw))
        cases.append(m("bf16", d, n, variant="readexit", **kw))
    return cases


# The wgmma backward's column split (D76: each warpgroup half the columns of
# dK_j and dV_j, block_kv 64): not yet run on a GPU.
WGMMA_COLUMN_SPLIT_DIMS = ((256, 256), (192, 128))


def wgmma_column_split_cases():
    """The wgmma backward's column split at WGMMA_COLUMN_SPLIT_DIMS on its
    TMA ring (the default tiling; at D = 256 dQ by atomics, at D = 192 by
    bulk reductions): both types, causal and not, N in {1, 17, 128, 777,
    2049}, causal with Nq != Nk both ways, GQA 8/1 causal and not,
    keep-masks (random with fully masked rows, key padding), ordered dQ (run
    twice, bit for bit), a window, a block mask, mask patterns (a causal
    chunk, global tokens with a butterfly); two shapes on one
    buffer (stages 1, `_s1`); then the timed cases, dense and causal: B =
    4, H = 8, N = 4096 (at D = 256 also the papers' shape, batch 16384 / N
    and heads 2048 / D), the ring against one buffer, against torch SDPA's
    FLASH backward where it takes the shape (D = Dv)."""
    m = lambda *a, **kw: case(*a, kernel="wgmma", **kw)
    cases = []
    for d, dv in WGMMA_COLUMN_SPLIT_DIMS:
        for dtype in ("bf16", "f16"):
            for n in (1, 17, 128, 777, 2049):
                for causal in (False, True):
                    cases.append(m(dtype, d, n, dv=dv, causal=causal))
        for nq, nk in ((777, 1000), (1000, 777), (17, 2049)):
            cases.append(m("bf16", d, nq, nk, dv=dv, causal=True))
        for causal in (False, True):
            cases.append(m("f16", d, 1000, dv=dv, causal=causal, b=2, hq=8,
                           hkv=1))
        b, h, n = 2, 4, 777
        cases.append(m("bf16", d, n, dv=dv, b=b, hq=h, mask=(b, h, n, n),
                       mask_kind="bool", pattern="random"))
        cases.append(m("f16", d, n, dv=dv, causal=True, b=b, hq=h,
                       mask=(b, 1, 1, n), mask_kind="bool",
                       pattern="padding"))
        cases.append(m("bf16", d, 1000, 777, dv=dv, causal=True, b=2, hq=8,
                       hkv=2, deterministic=True))
        cases.append(m("f16", d, 2049, dv=dv, b=1, hq=4, hkv=1,
                       deterministic=True))
        cases.append(m("bf16", d, 1000, dv=dv, causal=True, b=2, hq=4, hkv=2,
                       blocks=(64, 128)))
        cases.append(m("bf16", d, 1000, dv=dv, window=(100, 37)))
        # With D75's sparse steps: mask patterns (the kv-block's list).
        cases.append(m("bf16", d, 1000, dv=dv, causal=True,
                       mask_pattern=(256, 0, 0)))
        cases.append(m("f16", d, 1024, dv=dv, b=1, hq=4, hkv=2,
                       mask_pattern=(0, 32, 64)))
    one = [64, 64, 1, 8]
    for d, dv in WGMMA_COLUMN_SPLIT_DIMS:
        cases.append(m("bf16", d, 777, 1000, dv=dv, causal=True, b=2, hq=4,
                       hkv=2, tiling=one))
        cases.append(m("f16", d, 2049, dv=dv, tiling=one))
    for d, dv in WGMMA_COLUMN_SPLIT_DIMS:
        for causal in (False, True):
            cases.append(m("bf16", d, 4096, dv=dv, causal=causal, b=4, hq=8,
                           perf=True))
            cases.append(m("bf16", d, 4096, dv=dv, causal=causal, b=4, hq=8,
                           perf=True, tiling=one))
    return cases


def bias_cases(m):
    """The tensor-core backwards' additive bias and dBias (D72,
    BackwardBias): a full bias (dBias stored), broadcast ones (1xHx1xN,
    Bx1xNxN, 1x1x1xN, BxHxNx1, 1x1xNxN: dBias summed by f32 atomics, in a
    scratch for a bias in the inputs' type), with and without dBias, causal
    with Nq != Nk, GQA, rows of -inf (zero gradients), a window, and with
    ordered dQ (a full bias's dBias, or no dBias: deterministic)."""
    return [
        m("bf16", 64, 777, b=2, hq=4, mask=(2, 4, 777, 777)),
        m("f16", 128, 1000, causal=True, b=2, hq=4, mask=(2, 4, 1000, 1000),
          bias_grad=False),
        m("bf16", 128, 777, 1000, causal=True, b=2, hq=4, hkv=2,
          mask=(1, 4, 1, 1000)),
        m("f16", 64, 2049, b=2, hq=8, hkv=1, mask=(2, 1, 2049, 2049)),
        m("bf16", 64, 17, mask=(1, 1, 1, 17), bias_type="elt"),
        m("f16", 128, 1000, b=2, hq=4, mask=(2, 4, 1000, 1), bias_type="elt"),
        m("bf16", 128, 1000, 777, causal=True, b=2, hq=4, hkv=2,
          mask=(1, 1, 1000, 777), bias_type="elt"),
        m("f16", 64, 777, 1000, causal=True, b=2, hq=4,
          mask=(2, 4, 777, 1000), pattern="rows"),
        m("bf16", 128, 1000, b=1, hq=4, hkv=2, mask=(1, 4, 1000, 1000),
          pattern="rows", bias_type="elt"),
        m("bf16", 64, 1000, window=(100, 37), mask=(1, 2, 1, 1000)),
        m("bf16", 128, 777, causal=True, b=2, hq=4, hkv=1,
          mask=(2, 4, 777, 777), deterministic=True),
        m("f16", 64, 2049, b=1, hq=4, mask=(1, 1, 2049, 2049),
          bias_grad=False, deterministic=True),
        m("f16", 128, 1, mask=(1, 2, 1, 1)),
    ]


def emit(c):
    """The fa.attention_grad function of case `c`: arguments Q, K, V, O,
    dO, lse, [mask], dQ, dK, dV, [dBias] (the manifest's order)."""
    t = MLIR_TYPE[c["dtype"]]
    ty = lambda *shape, e=t: "tensor<" + "x".join(map(str, shape)) + f"x{e}>"
    b, hq, hkv, nq, nk, d, dv = (c[k] for k in
                                 ("b", "hq", "hkv", "nq", "nk", "d", "dv"))
    q, k, v, o = ty(b, hq, nq, d), ty(b, hkv, nk, d), ty(b, hkv, nk, dv), \
        ty(b, hq, nq, dv)
    lse = ty(b, hq, nq, e="f32")
    ins = [("q", q), ("k", k), ("v", v), ("o", o), ("do", o), ("lse", lse)]
    outs = [("dq", q), ("dk", k), ("dv", v)]
    mask = ""
    if c["mask"]:
        m = ty(*c["mask"], e=("i1" if c["mask_kind"] != "bias" else
                              t if c.get("bias_type") == "elt" else "f32"))
        mask = f"\n         mask(%m : {m})"
        if c["bias_grad"]:
            outs.append(("db", m))
    args = ins + ([("m", m)] if c["mask"] else [])
    if c.get("blocks"):
        bq, bk = c["blocks"]
        tb = ty(1, hq, -(-nq // bq), -(-nk // bk), e="i8")
        mask += f"\n         block_mask(%bm : {tb})"
        args.append(("bm", tb))
    args += outs
    dq_mode = "ordered" if c.get("deterministic") else "atomic"
    items = (["deterministic"] if c.get("deterministic") else []) + (
        ["block_sparse = #fa.block_sparse<block_q = %d, block_kv = %d>"
         % tuple(c["blocks"])] if c.get("blocks") else []) + (
        ["causal"] if c["causal"] else []) + (
        ["window = #fa.window<left = %d, right = %d>" % tuple(c["window"])]
        if c.get("window") else []) + (
        ["mask_pattern = #fa.mask_pattern<%s>" % ", ".join(
            f"{f} = {n}" for f, n in zip(("chunk", "global", "butterfly"),
                                         c["mask_pattern"]) if n)]
        if c.get("mask_pattern") else []) + (
        ["schedule = #fa.backward_schedule<kernel = %s, dq = %s%s>"
         % (c["kernel"].replace("-", "_"), dq_mode,
            (", walk = compacted" if c.get("walk") == "compacted" else "")
            + (", in_flight = dk" if c.get("in_flight") == "dk" else "")
            + (", epilogue = tma_store" if c.get("epilogue") == "tma-store"
               else "")
            + (", dq_pass = after_scores"
               if c.get("dq_pass") == "after-scores" else "")
            + (", persistent = on" if c.get("persistent") else "")
            + (", gqa = split" if c.get("gqa") == "split" else "")
            + (", dq_convert = fused" if c.get("dq_convert") == "fused"
               else "")
            + (", dq_reduce = warpgroup"
               if c.get("dq_reduce") == "warpgroup" else "")
            + (", launch_chunk = %d" % c["launch_chunk"]
               if c.get("launch_chunk", 1) > 1 else ""))]
        if c.get("kernel") in ("mma-sync", "wgmma") else []) + ([
        "tiling = #fa.tiling<block_q = {}, block_kv = {}, stages = {}, "
        "warps = {}>".format(*c["tiling"])] if c["tiling"] else [])
    results = ", ".join(t for _, t in outs)
    sig = ", ".join(f"%{n}: {t}" for n, t in args)
    use = lambda xs: ", ".join("%" + n for n, _ in xs)
    types = lambda xs: ", ".join(t for _, t in xs)
    ret = ", ".join(f"%r#{i}" for i in range(len(outs)))
    return (f"// Case {c['name']} (bench/correctness/backward_simt.py).\n"
            f"func.func @attention_grad({sig}) -> ({results}) {{\n"
            f"  %r:{len(outs)} = fa.attention_grad ins({use(ins)} : "
            f"{types(ins)}){mask}\n"
            f"         outs({use(outs)} : {types(outs)})\n"
            f"         {{{', '.join(items)}}} -> {results}\n"
            f"  return {ret} : {results}\n}}\n")


def selected(name, only):
    """Whether case `name` is among `--only`'s: comma-separated substrings,
    any of which selects it (empty: every case)."""
    return any(part in name for part in only.split(","))


def chosen_cases(cases, only, no_timing):
    """The cases `run` checks or times: those `only` selects, less the
    timed ones (`perf`) with `no_timing`."""
    return [c for c in cases if selected(c["name"], only)
            and not (no_timing and c.get("perf"))]


def find_fa_compile(a, script):
    """The fa-compile a stage runs (--fa-compile, else BUILD/bin's), or
    SystemExit naming `script`."""
    fa_compile = shutil.which(a.fa_compile or
                              os.path.join(a.build, "bin", "fa-compile"))
    if not fa_compile:
        raise SystemExit(f"{script}: no fa-compile (build it, or pass "
                         "--build or --fa-compile)")
    return fa_compile


def stage(a):
    """Compiles the matrix into DEST/artifacts and copies what the device
    run needs."""
    fa_compile = find_fa_compile(a, "backward_simt")
    art = os.path.join(a.dest, "artifacts")
    os.makedirs(art, exist_ok=True)
    cases = [c for c in matrix(a.kernel) if selected(c["name"], a.only)]
    opts = f"target={a.target} kernel={a.kernel}"
    failed = 0
    for c in cases:
        if c.get("variant"):
            continue
        mlir = os.path.join(art, c["name"] + ".mlir")
        with open(mlir, "w") as f:
            f.write(emit(c))
        r = subprocess.run([fa_compile, mlir, "-o", os.path.join(art, c["name"]),
                            f"--pipeline-options={opts}"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failed += 1
            with open(os.path.join(art, c["name"] + ".err"), "w") as f:
                f.write(r.stderr)
            print(f"backward_simt: {c['name']} did not compile:\n{r.stderr}")
    # PTX variants of compiled cases (A/B measurements; D115's `nowait`,
    # `nodrain`): derived from their source's PTX, with its manifest.
    variants = [c for c in cases if c.get("variant")]
    if variants:
        sys.path.insert(0, os.path.join(ROOT, "bench", "experiments"))
        import ptx_variants  # noqa: E402
        for c in variants:
            try:
                ptx_variants.derive(art, c["source"], c["variant"])
            except (OSError, ValueError, subprocess.CalledProcessError) as e:
                failed += 1
                print(f"backward_simt: {c['name']}: no variant: {e}")
    with open(os.path.join(art, "cases.json"), "w") as f:
        json.dump({"variant": "backward-" + a.kernel, "target": a.target,
                   "cases": cases}, f, indent=1)
    stage_runner(a.dest, a.build, ("backward_simt.py", "gpu_check.py"),
                 "backward_simt.py", "backward_" + a.kernel.replace("-", "_"))
    print(f"backward_simt: {len(cases) - failed} cases in {art} "
          f"({a.target}), {failed} did not compile")
    return 1 if failed else 0


def stage_runner(dest, build, scripts, script, log):
    """What a staged check needs besides its artifacts: runtime/,
    python/flashattn_mlir and `scripts` (of this folder) copied into DEST
    in the checkout's layout, BUILD's libfa_runtime.so as the prebuilt
    fallback, and DEST/run.sh: gpu_run.sh's runtime build, then `script`'s
    `run` with its arguments, logged to $OUT/LOG.{json,log}."""
    for sub in ("runtime", os.path.join("python", "flashattn_mlir")):
        dst = os.path.join(dest, sub)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, sub), dst,
                        ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(dest, "bench", "correctness"), exist_ok=True)
    for name in scripts:
        shutil.copy(os.path.join(HERE, name),
                    os.path.join(dest, "bench", "correctness"))
    prebuilt = os.path.join(build, "lib", "libfa_runtime.so")
    if os.path.exists(prebuilt):
        shutil.copy(prebuilt, os.path.join(dest, "libfa_runtime.prebuilt.so"))
    # gpu_run.sh's runtime build, then the script.
    with open(os.path.join(HERE, "gpu_run.sh")) as f:
        head, marker, _ = f.read().partition("export PYTHONUNBUFFERED=1")
    if not marker:
        raise SystemExit(f"{script}: gpu_run.sh has no "
                         "'export PYTHONUNBUFFERED=1' line to start from")
    with open(os.path.join(dest, "run.sh"), "w") as f:
        f.write(head + "export PYTHONUNBUFFERED=1\n"
                f"python3 bench/correctness/{script} run --runtime \"$LIB\" "
                f"--artifacts artifacts --json \"$OUT/{log}.json\" \"$@\" "
                f"2>&1 | tee \"$OUT/{log}.log\"\n"
                "exit ${PIPESTATUS[0]}\n")


# ----------------------------------------------------------------- device --

def draw_mask(c, gen, device, torch):
    """The case's mask: a bias (f32 or the inputs' type; -inf rows with
    pattern 'rows'), or a bool keep-mask (True: visible)."""
    shape = c["mask"]
    if c["mask_kind"] == "bias":
        bias = torch.randn(shape, generator=gen, device=device)
        if c["pattern"] == "rows":
            bias[..., ::7, :] = float("-inf")  # every 7th row sees no key
        if c.get("bias_type") == "elt":
            bias = bias.to({"bf16": torch.bfloat16,
                            "f16": torch.float16}[c["dtype"]])
        return bias
    if c["pattern"] == "padding":
        # Batch i sees its first nk * i / b keys: batch 0 sees none.
        nk = c["nk"]
        keep = torch.zeros(shape, dtype=torch.bool, device=device)
        for i in range(shape[0]):
            keep[i, ..., : nk * i // shape[0]] = True
        return keep
    keep = torch.rand(shape, generator=gen, device=device) < 0.7
    keep[..., ::7, :] = False  # every 7th row sees no key
    return keep


def draw_blocks(c, gen, device, torch):
    """The case's block mask (i8 [1, Hq, q-blocks, kv-blocks]): about
    `density` of the entries kept (half by default), q-block row 1 (when
    there is one) empty, and the
    keep-mask of scores it means ([1, Hq, Nq, Nk] bool) for the reference."""
    bq, bk = c["blocks"]
    nqb, nkb = -(-c["nq"] // bq), -(-c["nk"] // bk)
    if c.get("block_pattern") == "document":
        # 7 equal documents over the rows and over the keys: a block is kept
        # where its rows' and its keys' documents meet.
        def docs(n, b, m):
            first = torch.arange(m, device=device) * b
            last = torch.clamp(first + b, max=n) - 1
            return first * 7 // n, last * 7 // n
        q0, q1 = docs(c["nq"], bq, nqb)
        k0, k1 = docs(c["nk"], bk, nkb)
        meet = (q0[:, None] <= k1[None, :]) & (k0[None, :] <= q1[:, None])
        bm = meet.to(torch.int8).expand(1, c["hq"], nqb, nkb).contiguous()
    else:
        bm = (torch.rand((1, c["hq"], nqb, nkb), generator=gen, device=device)
              < c.get("density", 0.5)).to(torch.int8)
        if nqb > 1:
            bm[:, :, 1] = 0
    keep = bm.bool().repeat_interleave(bq, 2).repeat_interleave(bk, 3)
    return bm, keep[:, :, :c["nq"], :c["nk"]].contiguous()


def chunk_rows(c):
    """Query rows per reference chunk: about 2^27 scores at a time."""
    return max(1, min(c["nq"], (1 << 27) // (c["b"] * c["hq"] * c["nk"])))


def chunks(c, q, k, v, mask, dt):
    """Walks the query rows in chunks; yields (r0, r1, Q rows, K, V, S) in
    `dt`, with K and V repeated over each KV group and S = scale * Q K^T +
    bias, -inf where masked (causal, window, keep-mask)."""
    import torch
    g = c["hq"] // c["hkv"]
    ke = k.to(dt).repeat_interleave(g, dim=1)
    ve = v.to(dt).repeat_interleave(g, dim=1)
    rows = torch.arange(c["nq"], device=q.device)[:, None]
    cols = torch.arange(c["nk"], device=q.device)[None, :]
    step = chunk_rows(c)
    for r0 in range(0, c["nq"], step):
        r1 = min(c["nq"], r0 + step)
        qc = q[:, :, r0:r1].to(dt)
        s = (qc @ ke.transpose(-1, -2)) * c["scale"]
        if mask is not None:
            m = mask[:, :, r0:r1] if mask.shape[2] != 1 else mask
            s = (s + m.to(dt)) if c["mask_kind"] == "bias" else \
                s.masked_fill(~m, float("-inf"))
        diag = rows[r0:r1] + (c["nk"] - c["nq"])
        if c["causal"]:
            s = s.masked_fill(cols > diag, float("-inf"))
        local = None
        if c.get("window"):
            left, right = c["window"]
            local = (cols >= diag - left) & (cols <= diag + right)
        chunk, glob, fly = c.get("mask_pattern") or (0, 0, 0)
        if chunk:
            local = torch.div(diag, chunk, rounding_mode="floor") == cols // chunk
        if fly:
            x = torch.div(diag, fly, rounding_mode="floor") ^ (cols // fly)
            local = (x & (x - 1)) == 0
        if glob:  # the global tokens: keys and positions < G see everything
            local = local | (cols < glob) | (diag < glob)
        if local is not None:
            s = s.masked_fill(~local, float("-inf"))
        yield r0, r1, qc, ke, ve, s


def forward(c, q, k, v, mask, dt=None):
    """O (rounded to the input type) and the f32 logsumexp, from float64
    (or `dt`: time_group's float32, where the inputs only need to be
    plausible): what fa.attention returns, the backward's inputs."""
    import torch
    o = torch.empty(c["b"], c["hq"], c["nq"], c["dv"], dtype=q.dtype,
                    device=q.device)
    lse = torch.empty(c["b"], c["hq"], c["nq"], dtype=torch.float32,
                      device=q.device)
    for r0, r1, _, _, ve, s in chunks(c, q, k, v, mask,
                                      dt or torch.float64):
        p = torch.nan_to_num(torch.softmax(s, dim=-1), nan=0.0)
        o[:, :, r0:r1] = (p @ ve).to(q.dtype)
        lse[:, :, r0:r1] = torch.logsumexp(s, dim=-1).float()
    return o, lse


def gradients(c, q, k, v, do, mask, dt, db_out):
    """dQ, dK, dV by docs/Backward.md's closed form, every step in `dt`
    (float64: the reference; the input type: the naive error), P from the
    softmax itself and D from O = P V. dS is summed over the bias's
    broadcast dimensions into `db_out` (float64, the bias's shape) when it
    is given."""
    import torch
    g = c["hq"] // c["hkv"]
    do = do.to(dt)
    dq = torch.empty(q.shape, dtype=dt, device=q.device)
    # dK and dV sum over the chunks as one matmul over all rows would: in
    # f32 for the input types (a matmul's accumulator), rounded once.
    acc = torch.float64 if dt == torch.float64 else torch.float32
    dke = dve = 0
    full = [c["b"], c["hq"], c["nq"], c["nk"]]
    for r0, r1, qc, ke, ve, s in chunks(c, q, k, v, mask, dt):
        p = torch.nan_to_num(torch.softmax(s, dim=-1), nan=0.0)
        doc = do[:, :, r0:r1]
        rowdot = (doc * (p @ ve)).sum(-1, keepdim=True)
        ds = p * (doc @ ve.transpose(-1, -2) - rowdot)
        dq[:, :, r0:r1] = (ds @ ke) * c["scale"]
        dke = dke + ((ds.transpose(-1, -2) @ qc) * c["scale"]).to(acc)
        dve = dve + (p.transpose(-1, -2) @ doc).to(acc)
        if db_out is not None:
            shape = c["mask"]
            red = [i for i in range(4) if shape[i] == 1 and full[i] != 1]
            part = ds.double().sum(dim=red, keepdim=True) if red else ds.double()
            if shape[2] == 1:
                db_out += part
            else:
                db_out[:, :, r0:r1] = part
    group = lambda x: x.view(c["b"], c["hkv"], g, *x.shape[2:]).sum(2).to(dt)
    return dq, group(dke), group(dve)


def max_diff(a, b, rounded_to=None):
    """max |a - b| in float64, a block of rows at a time (the > 2^31-element
    bias gradient would need several such copies at once); `a` rounded to
    the dtype `rounded_to` first when given."""
    rows = max(1, (1 << 27) // max(1, a.numel() // max(1, a.shape[2])))
    block = ((lambda x: x) if rounded_to is None
             else (lambda x: x.to(rounded_to)))
    return max((block(a[:, :, r:r + rows]).double()
                - b[:, :, r:r + rows].double())
               .abs().max().item() for r in range(0, a.shape[2], rows))


def bits(x):
    """`x`'s bits, for a NaN-safe bitwise comparison."""
    import torch
    return x.view({2: torch.int16, 4: torch.int32}[x.element_size()])


def check_case(rt, c, art, prefer_cubin, stream, seed=None, dump="",
               against=""):
    """One case's GPU check. `seed`: draw the inputs from it (and the case's
    name) instead of the clock, so that two builds' kernels see the same
    inputs; `dump`: save dQ, dK and dV to DUMP/NAME.pt; `against`: compare
    them bitwise with AGAINST/NAME.pt (another build's dump with the same
    seed): dK and dV always, dQ where the case is deterministic (atomic dQ
    sums in any order; so may a broadcast bias's gradient, not compared)."""
    import torch
    from gpu_check import tensors  # noqa: E402  (run() put it on the path)
    device = "cuda"
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    gen = torch.Generator(device=device)
    gen.manual_seed(int(time.time()) + hash(c["name"]) % (2**31)
                    if seed is None
                    else (zlib.crc32(c["name"].encode()) + seed) % (2**31))
    rnd = lambda *s: torch.randn(s, generator=gen, device=device).to(dt)
    b, hq, hkv, nq, nk, d, dv = (c[k] for k in
                                 ("b", "hq", "hkv", "nq", "nk", "d", "dv"))
    q, k, v, do = rnd(b, hq, nq, d), rnd(b, hkv, nk, d), rnd(b, hkv, nk, dv), \
        rnd(b, hq, nq, dv)
    mask = draw_mask(c, gen, device, torch) if c["mask"] else None
    bm, ref_c = None, c
    if c.get("blocks"):
        # The reference sees the block mask as a keep-mask of scores.
        bm, mask = draw_blocks(c, gen, device, torch)
        ref_c = dict(c, mask=list(mask.shape), mask_kind="bool",
                     bias_grad=False)
    o, lse = forward(ref_c, q, k, v, mask)
    nan = lambda x, t=dt: torch.full(x.shape, float("nan"), dtype=t,
                                     device=device)
    manifest = os.path.join(art, c["name"] + ".json")
    if not os.path.exists(manifest):
        raise RuntimeError("not compiled (see NAME.err)")
    ins = [q, k, v, o, do, lse] + (
        [bm] if bm is not None else [mask] if mask is not None else [])
    handle = rt.load(manifest, prefer_cubin)
    runs = []
    try:
        fmt = rt.loaded_format(handle)
        kernels = rt.num_kernels(handle)
        for _ in range(2):
            grads = [nan(q), nan(k), nan(v)]
            if c["bias_grad"]:
                grads.append(nan(mask, mask.dtype))
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            rt.launch(handle, tensors(ins + grads), stream)
            rt.synchronize()
            runs.append((grads, (time.perf_counter() - t0) * 1e3))
    finally:
        rt.unload(handle)
    first, (grads, ms) = runs[0][0], runs[1]
    if dump:
        os.makedirs(dump, exist_ok=True)
        torch.save([x.cpu() for x in grads[:3]],
                   os.path.join(dump, c["name"] + ".pt"))
    unwritten = sum(int(torch.isnan(x).sum().item()) for x in grads)
    rerun_equal = all(torch.equal(bits(x), bits(y))
                      for x, y in zip(first, grads))
    del first, runs

    names = ["dQ", "dK", "dV"] + (["dBias"] if c["bias_grad"] else [])
    err, nerr = {}, {}
    # The bias gradient is the largest tensor (over 2^31 elements in one
    # case): the reference's and the naive one's in float64, compared a
    # block of rows at a time.
    db = (lambda: torch.zeros(c["mask"], dtype=torch.float64, device=device)) \
        if c["bias_grad"] else (lambda: None)
    ref_db = db()
    ref = gradients(ref_c, q, k, v, do, mask, torch.float64, ref_db)
    if c["bias_grad"]:
        err["dBias"] = max_diff(grads[3], ref_db)
        naive_db = db()
        naive = gradients(c, q, k, v, do, mask, dt, naive_db)
        # The naive implementation returns the gradient in the bias's type,
        # as the kernel does: its sums (float64 in `gradients`) rounded once,
        # like its dK and dV. Unrounded, its error left out the output's
        # rounding that the kernel's cannot (a broadcast dBias, session 11:
        # ours 0.0405 against a bound of 0.0399 at N = 17).
        nerr["dBias"] = max_diff(naive_db, ref_db, rounded_to=mask.dtype)
        del naive_db, ref_db
    else:
        naive = gradients(ref_c, q, k, v, do, mask, dt, None)
    for i, n in enumerate(["dQ", "dK", "dV"]):
        err[n] = max_diff(grads[i], ref[i])
        nerr[n] = max_diff(naive[i], ref[i])
    bound = {n: 2 * nerr[n] + FLOOR[c["dtype"]] for n in names}
    # The mma-sync and wgmma kernels add dQ with unordered atomics (dq =
    # atomic): their reruns may differ in the last bits; the SIMT kernels'
    # and a deterministic case's (dq = ordered) may not.
    deterministic = (c.get("kernel", "simt") == "simt"
                     or c.get("deterministic", False))
    ok = unwritten == 0 and (rerun_equal or not deterministic) and all(
        err[n] <= bound[n] for n in names)
    row = {"name": c["name"], "format": fmt, "kernels": kernels,
           "max_abs_err": err, "naive_err": nerr, "bound": bound,
           "unwritten": unwritten, "bitwise_rerun": rerun_equal, "ms": ms}
    saved = os.path.join(against, c["name"] + ".pt")
    if against and os.path.exists(saved):  # else not in the other's dump
        other = torch.load(saved)
        compared = [0, 1, 2] if deterministic else [1, 2]
        row["bitwise_vs"] = {names[i]: torch.equal(bits(grads[i].cpu()),
                                                   bits(other[i]))
                             for i in compared}
        ok = ok and all(row["bitwise_vs"].values())
    row["status"] = "PASS" if ok else "FAIL"
    return row


def time_case(rt, c, art, prefer_cubin, stream, reps=20):
    """The backward's time (all its kernels, one launch of the manifest) and
    TFLOP/s counting 2.5x the forward's FLOPs (2 B H Nq Nk (D + Dv),
    halved when causal), against torch SDPA's FLASH backend's backward on the same
    shapes (same count)."""
    import torch
    from gpu_check import tensors  # noqa: E402
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c["dtype"]]
    b, hq, hkv, nq, nk, d, dv = (c[k] for k in
                                 ("b", "hq", "hkv", "nq", "nk", "d", "dv"))
    rnd = lambda *s: torch.randn(s, device="cuda", dtype=dt)
    q, k, v, do = rnd(b, hq, nq, d), rnd(b, hkv, nk, d), rnd(b, hkv, nk, dv), \
        rnd(b, hq, nq, dv)
    # A block mask (drawn once, seeded): its keep-mask gives O and lse.
    bm, keep, ref_c, kept = None, None, c, 1.0
    if c.get("blocks"):
        gen = torch.Generator(device="cuda")
        gen.manual_seed(0)
        bm, keep = draw_blocks(c, gen, "cuda", torch)
        ref_c = dict(c, mask=list(keep.shape), mask_kind="bool",
                     bias_grad=False)
        kept = bm.float().mean().item()
    o, lse = forward(ref_c, q, k, v, keep)
    del keep
    grads = [torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)]
    handle = rt.load(os.path.join(art, c["name"] + ".json"), prefer_cubin)
    try:
        args = tensors([q, k, v, o, do, lse] + ([bm] if bm is not None
                                                 else []) + grads)
        rt.launch(handle, args, stream)
        rt.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            rt.launch(handle, args, stream)
        rt.synchronize()
        ms = (time.perf_counter() - t0) * 1e3 / reps
    finally:
        rt.unload(handle)
    flops = 2.5 * 2 * b * hq * nq * nk * (d + dv) * (
        0.5 if c["causal"] else 1.0)
    # Sparse cases count the scores they keep (a block mask: the kept
    # blocks' share; a window: its visible scores) and are timed against
    # nothing else: SDPA's FLASH backward has neither.
    if c.get("window"):
        flops *= window_share(c)
    flops *= kept
    row = {"name": c["name"], "ms": ms, "tflops": flops / ms / 1e9,
           "status": "PASS"}
    if c.get("blocks") or c.get("window") or c.get("mask_pattern"):
        row["torch_error"] = "sparse: SDPA's FLASH backward has no such mask"
        return row
    try:
        torch_ms = torch_flash_backward_ms(c, q, k, v, do, reps)
    except RuntimeError as e:  # a shape FLASH does not take (D != Dv)
        row["torch_error"] = str(e).splitlines()[0] if str(e) else repr(e)
        return row
    return dict(row, torch_ms=torch_ms, torch_tflops=flops / torch_ms / 1e9)


def time_group(rt, cases, art, prefer_cubin, stream, rounds=5):
    """The A/B of one shape (the cases of one `ab` group, same dtype, B, H,
    N, D, causal; the first is the base): one set of inputs and gradient
    buffers for every kernel, each round timing every kernel and torch
    SDPA's cuDNN backward once (triton's do_bench median, as
    bench/benchmark/backward.py), the order rotated by one each round (as
    bench/experiments/ab.py). A row per case: the median over rounds, the
    spread, the base's median over the case's (its speedup) and cuDNN's."""
    import statistics
    import torch
    from gpu_check import tensors  # noqa: E402
    try:
        from triton.testing import do_bench
        bench = lambda fn: do_bench(fn, warmup=25, rep=100,
                                    return_mode="median")
    except ImportError:  # events, a fixed count
        def bench(fn, reps=20):
            fn()
            start, end = (torch.cuda.Event(enable_timing=True)
                          for _ in range(2))
            start.record()
            for _ in range(reps):
                fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / reps
    c0 = cases[0]
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[c0["dtype"]]
    b, hq, hkv, nq, nk, d, dv = (c0[k] for k in
                                 ("b", "hq", "hkv", "nq", "nk", "d", "dv"))
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    rnd = lambda *s: torch.randn(s, generator=gen, device="cuda").to(dt)
    q, k, v, do = rnd(b, hq, nq, d), rnd(b, hkv, nk, d), rnd(b, hkv, nk, dv), \
        rnd(b, hq, nq, dv)
    o, lse = forward(c0, q, k, v, None, torch.float32)
    grads = [torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)]
    args = tensors([q, k, v, o, do, lse] + grads)
    runners, handles = [], []
    try:
        for c in cases:
            h = rt.load(os.path.join(art, c["name"] + ".json"), prefer_cubin)
            handles.append(h)
            runners.append((c["name"],
                            lambda h=h: rt.launch(h, args, stream)))
        try:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            qt, kt, vt = (x.detach().requires_grad_() for x in (q, k, v))
            with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                out = torch.nn.functional.scaled_dot_product_attention(
                    qt, kt, vt, is_causal=c0["causal"], scale=c0["scale"],
                    enable_gqa=hq != hkv)
            runners.append(("cudnn", lambda: torch.autograd.grad(
                out, (qt, kt, vt), do, retain_graph=True)))
            runners[-1][1]()
        except RuntimeError as e:
            print(f"  cudnn unavailable: {str(e)[:100]}", file=sys.stderr)
            if runners and runners[-1][0] == "cudnn":
                runners.pop()
        for _, fn in runners:  # warm: module loads, first launches
            fn()
        torch.cuda.synchronize()
        times = {name: [] for name, _ in runners}
        for r in range(rounds):
            order = runners[r % len(runners):] + runners[:r % len(runners)]
            for name, fn in order:
                times[name].append(bench(fn))
    finally:
        for h in handles:
            rt.unload(h)
    flops = 2.5 * 2 * b * hq * nq * nk * (d + dv) * (
        0.5 if c0["causal"] else 1.0)
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median[cases[0]["name"]]
    rows = []
    for c in cases:
        ms = median[c["name"]]
        row = {"name": c["name"], "group": c["ab"], "ms": ms,
               "ms_min": min(times[c["name"]]),
               "ms_max": max(times[c["name"]]), "rounds": rounds,
               "tflops": flops / ms / 1e9, "speedup_vs_base": base / ms,
               "status": "PASS", "baseline": "cuDNN"}
        if "cudnn" in median:
            row.update(torch_ms=median["cudnn"],
                       torch_tflops=flops / median["cudnn"] / 1e9)
        else:
            row["torch_error"] = "cuDNN backward unavailable"
        rows.append(row)
    return rows


def window_share(c):
    """The share of case `c`'s scores its window (and causal) keeps, over
    the count the FLOP formula assumes (half of them when causal)."""
    left, right = c["window"]
    right = 0 if c["causal"] else right
    nq, nk = c["nq"], c["nk"]
    visible = 0
    for i in range(nq):
        diag = i + nk - nq
        visible += max(0, min(nk - 1, diag + right) - max(0, diag - left) + 1)
    return visible / (nq * nk * (0.5 if c["causal"] else 1.0))


def torch_flash_backward_ms(c, q, k, v, do, reps):
    """torch SDPA's FLASH backend's backward on case `c`'s inputs, in ms."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    qt, kt, vt = (x.detach().requires_grad_() for x in (q, k, v))
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        out = torch.nn.functional.scaled_dot_product_attention(
            qt, kt, vt, is_causal=c["causal"], scale=c["scale"],
            enable_gqa=c["hq"] != c["hkv"])
        out.backward(do, retain_graph=True)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            out.backward(do, retain_graph=True)
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3 / reps


def run(a):
    import torch
    sys.path.insert(0, HERE)
    # gpu_check (next to this file) finds the package's runtime binding.
    from gpu_check import open_matrix  # noqa: E402
    rt, card, stream, spec = open_matrix(a.runtime, a.artifacts)
    rows = []
    chosen = chosen_cases(spec["cases"], a.only, a.no_timing)
    # The timed cases of an `ab` group run together (time_group), after
    # the rest, in the order of their groups' first cases.
    groups = {}
    for c in chosen:
        if c.get("perf") and c.get("ab"):
            groups.setdefault(c["ab"], []).append(c)
    print(f"fa backward ({spec.get('variant', 'backward-simt')}) GPU check "
          f"on {card}, torch {torch.__version__}", flush=True)
    for c in chosen:
        if c.get("perf") and c.get("ab"):
            continue
        print(f"running {c['name']}", file=sys.stderr, flush=True)
        try:
            if c.get("perf"):
                rows.append(time_case(rt, c, a.artifacts, not a.ptx, stream))
            else:
                rows.append(check_case(rt, c, a.artifacts, not a.ptx, stream,
                                       a.seed, a.dump, a.against))
        except (RuntimeError, ValueError, torch.cuda.OutOfMemoryError) as e:
            rows.append({"name": c["name"], "status": "ERROR", "error": str(e)})
        print_row(rows[-1])
        sys.stdout.flush()
    for group, members in groups.items():
        print(f"timing group {group} round-robin ({len(members)} kernels)",
              file=sys.stderr, flush=True)
        done = len(rows)
        try:
            rows += time_group(rt, members, a.artifacts, not a.ptx, stream,
                               a.rounds)
        except (RuntimeError, ValueError, torch.cuda.OutOfMemoryError) as e:
            rows += [{"name": c["name"], "status": "ERROR", "error": str(e)}
                     for c in members]
        for r in rows[done:]:
            print_row(r)
        sys.stdout.flush()
    return summarize(rows, card, a.json)


def summarize(rows, card, path):
    """Prints how many of `rows` passed on `card` and writes them to
    `path` (JSON) when given; the exit status: 0 when all passed."""
    import torch
    passed = sum(r["status"] == "PASS" for r in rows)
    print(f"{passed}/{len(rows)} passed on {card}")
    if path:
        with open(path, "w") as f:
            json.dump({"card": card, "torch": torch.__version__,
                       "rows": rows}, f, indent=1)
    return 0 if rows and passed == len(rows) else 1


def print_row(r):
    """One case's line, printed as soon as the case has run (a run cut
    short by a time limit keeps what it checked)."""
    if r["status"] == "ERROR":
        print(f"{r['name']:56} ERROR {r['error'][:100]}")
        return
    if "tflops" in r:
        flash = (f"{r['torch_ms']:9.3f} ms {r['torch_tflops']:7.1f} "
                 "TFLOP/s" if "torch_ms" in r else
                 f"not run: {r['torch_error'][:60]}")
        ab = (f" [{r['ms_min']:.3f}-{r['ms_max']:.3f}] "
              f"{r['speedup_vs_base']:5.3f}x base"
              if "speedup_vs_base" in r else "")
        ours = ("; vs it %5.2fx" % (r["tflops"] / r["torch_tflops"])
                if "torch_tflops" in r else "")
        print(f"{r['name']:56} {r['ms']:9.3f} ms {r['tflops']:7.1f} "
              f"TFLOP/s{ab}; torch SDPA "
              f"{r.get('baseline', 'FLASH')} backward {flash}{ours}")
        return
    detail = " ".join(f"{n} {r['max_abs_err'][n]:.1e}/{r['bound'][n]:.1e}"
                      for n in r["max_abs_err"])
    print(f"{r['name']:56} {r['format']:5} {r['ms']:9.2f} ms  {detail}  "
          f"{r['status']}" + ("" if r["bitwise_rerun"] else " rerun-differs")
          + ("" if r["unwritten"] == 0 else f" unwritten={r['unwritten']}")
          + ("" if "bitwise_vs" not in r else " vs-dump " + ",".join(
              f"{n}={'same' if v else 'DIFFERS'}"
              for n, v in r["bitwise_vs"].items())))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("stage")
    s.add_argument("dest")
    s.add_argument("--target", default="h100")
    s.add_argument("--kernel", default="simt", choices=("simt", "mma-sync", "wgmma"))
    s.add_argument("--only", default="",
                   help="cases whose name contains one of these "
                        "comma-separated substrings")
    s.add_argument("--build", default=os.path.join(ROOT, "build"))
    s.add_argument("--fa-compile", default="",
                   help="fa-compile to run (default: BUILD/bin/fa-compile)")
    r = sub.add_parser("run")
    r.add_argument("--runtime", required=True)
    r.add_argument("--artifacts", required=True)
    r.add_argument("--ptx", action="store_true",
                   help="load the PTX (driver JIT) even where a cubin exists")
    r.add_argument("--only", default="",
                   help="as stage's --only")
    r.add_argument("--no-timing", action="store_true",
                   help="check correctness only: skip the timed cases")
    r.add_argument("--rounds", type=int, default=5,
                   help="rounds of an `ab` group's round-robin timing")
    r.add_argument("--json", default="")
    r.add_argument("--seed", type=int, default=None,
                   help="draw each case's inputs from this seed (and its "
                        "name), not the clock: two builds see the same")
    r.add_argument("--dump", default="",
                   help="save each checked case's dQ, dK and dV to "
                        "DUMP/NAME.pt")
    r.add_argument("--against", default="",
                   help="compare each checked case's gradients bitwise with "
                        "AGAINST/NAME.pt (another build's --dump, same "
                        "--seed): dK, dV, and dQ where deterministic")
    ls = sub.add_parser("list")
    ls.add_argument("--kernel", default="simt", choices=("simt", "mma-sync", "wgmma"))
    e = sub.add_parser("emit")
    e.add_argument("name")
    a = p.parse_args(argv)
    if a.mode == "list":
        print("\n".join(c["name"] for c in matrix(a.kernel)))
        return 0
    if a.mode == "emit":
        found = [c for c in matrix() + matrix("mma-sync") + matrix("wgmma")
                 if c["name"] == a.name]
        if not found:
            raise SystemExit(f"unknown case {a.name}")
        sys.stdout.write(emit(found[0]))
        return 0
    return stage(a) if a.mode == "stage" else run(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
