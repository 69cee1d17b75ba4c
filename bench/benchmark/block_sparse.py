#!/usr/bin/env python3
"""The block-sparse benchmark, forward and backward (issue 24, item 6):
ours through torch.autograd (flashattn_mlir.attention with window= or
block_mask=) against FlexAttention compiled with torch.compile and the same
mask (its backward through autograd too), and dense torch SDPA FLASH and
CUDNN (the dense time of the bar "within 1.2x of density x dense time").

  stage DEST [--target h200] [--only S1,S2,...]
        (build machine, with the compiler) compiles every case's forward
        (with its logsumexp) and backward into DEST/kernels
        (flashattn_mlir.aot's bundle), writes DEST/block_sparse_cases.json
        and DEST/run_block_sparse.sh (the runtime's g++ build, then `run`;
        its arguments go to `run`); prints the expected GPU time.
  run [DIR] [--rounds 3] [--only S1,...] [--json F]
        (GPU machine: torch, CUDA, triton; no LLVM) for each staged case:
        our gradients (dq, dk, dv) and output against FlexAttention's (max
        abs difference, before timing), then, round-robin over ours, flex,
        flash and cudnn for `--rounds` rounds (backward.py's round_robin):
          fwd      out = f(q, k, v) with autograd recording;
          bwd      torch.autograd.grad(out, (q, k, v), dO), out computed once;
          fwd+bwd  the forward, then the same grad.
        A time is do_bench's median, a row's the median over rounds.

Per row and kind: ms of each, TFLOP/s of ours and flex over the computed
pairs (2 B H (D + Dv) per pair the mask keeps: the window's, or the kept
blocks' within causal; the backward 2.5x, forward + backward 3.5x), flex
over ours (the bar: >= 1.3), and ours over density x dense time (the bar:
<= 1.2; density is the computed pairs over the dense baseline's, causal as
the case, and dense time the faster of FLASH and cuDNN).

Cases (bf16, B = 1): a causal sliding window of 1024 at N = 8k, 16k, 32k
(H = 16, D = 128) and N = 8k (H = 32, D = 64); causal document masks at
N = 32k (H = 16, D = 128) of 7 equal documents and of ragged ones; random
block masks (128 x 128 blocks, the same for every head) of 10 %, 25 % and
50 % density at N = 8k, D = 64 (H = 32) and D = 128 (H = 16). The document
and random masks are block masks: ours and FlexAttention compute whole kept
blocks (causal within them), FlexAttention's mask_mod reads the same
BlockMask (benchmark.py's flex_fn).

  python3 bench/benchmark/block_sparse.py stage .stage-sparsebench   # here
  bash .stage-sparsebench/run_block_sparse.sh --only win,docs        # GPU
  bash .stage-sparsebench/run_block_sparse.sh --only random          # GPU
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
for path in (os.path.join(ROOT, "python"), BENCH, HERE,
             os.path.join(BENCH, "correctness")):
    if path not in sys.path:
        sys.path.insert(0, path)

import backward  # noqa: E402  (round_robin, first_grads, max_diff)
from gpu_cases import bm, block_mask_shape, case  # noqa: E402

CASES_FILE = "block_sparse_cases.json"
# Ragged documents packed into N = 32k: long and short, none block-aligned.
RAGGED = (9000, 300, 4096, 12000, 1500, 5872)
# (kind, FLOPs over the forward's): backward.py's accounting.
KINDS = (("fwd", 1.0), ("bwd", 2.5), ("fwdbwd", 3.5))
# Seconds per case on the GPU, for stage's estimate: FlexAttention's
# torch.compile of its forward and backward (the larger part), the
# correctness pass and 4 implementations x 3 kinds x 3 rounds of do_bench
# (about 0.15 s each with its warm-up and time estimate).
COMPILE_S, TIMING_S = 40.0, 4 * 3 * 0.15
DEVICE = "cuda"  # the tests run bench_case on the CPU


def cases():
    """The benchmark's cases (gpu_cases.case dicts), names prefixed
    `sparse_`."""
    out = []
    window = (1024, 0)
    for n in (8192, 16384, 32768):
        out.append(case("bf16", 128, n, causal=True, hq=16, window=window))
    out.append(case("bf16", 64, 8192, causal=True, hq=32, window=window))
    n = 32768
    for pattern, docs in (("docs7", [n // 7] * 6 + [n - 6 * (n // 7)]),
                          ("docsragged", list(RAGGED))):
        m = bm("docs", docs=docs, broadcast=True)
        m["pattern"] = pattern  # gpu_check: a pattern not `random...` is docs
        out.append(case("bf16", 128, n, causal=True, hq=16, block_mask=m))
    for d in (64, 128):
        for density in (0.1, 0.25, 0.5):
            out.append(case("bf16", d, 8192, hq=2048 // d,
                            block_mask=bm("random", density=density, seed=7,
                                          broadcast=True)))
    for c in out:
        c["name"] = "sparse_" + c["name"]
    return out


def selected(all_cases, only):
    """The cases whose name holds one of the comma-separated `only`."""
    keys = [o for o in only.split(",") if o] or [""]
    return [c for c in all_cases if any(o in c["name"] for o in keys)]


def aot_call(c):
    """The call (flashattn_mlir.aot's format) that attention() makes for
    case c through autograd: the forward with its logsumexp and the
    backward, the window or the block mask's [block_q, block_kv, shape]."""
    call = {"q": [c["b"], c["hq"], c["nq"], c["d"]],
            "k": [c["b"], c["hkv"], c["nk"], c["d"]],
            "v": [c["b"], c["hkv"], c["nk"], c["dv"]],
            "dtype": c["dtype"], "causal": c["causal"], "scale": None,
            "mask": None, "mask_shape": None, "lse": True,
            "backward": {"bias_grad": False, "deterministic": False}}
    if c.get("window"):
        call["window"] = list(c["window"])
    if c.get("block_mask"):
        call["block_mask"] = list(c["block_mask"]["block"]) + [
            block_mask_shape(c)]
    return call


def expected_seconds(n_cases):
    """stage's estimate of the GPU run's time."""
    return n_cases * (COMPILE_S + TIMING_S)


def stage(a):
    import stage as staging
    chosen = selected(cases(), a.only)
    if not chosen:
        raise SystemExit(f"block_sparse: no case matches --only {a.only!r}")
    dest = os.path.abspath(a.dest)
    code = staging.stage_with_bundle(
        dest, [aot_call(c) for c in chosen], a.target,
        ["benchmark/block_sparse.py", "benchmark/backward.py",
         "benchmark/benchmark.py", "correctness/gpu_check.py",
         "correctness/gpu_cases.py"],
        "block_sparse", "time the block-sparse forward and backward against "
        "FlexAttention and dense SDPA",
        'python3 bench/benchmark/block_sparse.py run . '
        '--json "$OUT/block_sparse.json" "$@"')
    with open(os.path.join(dest, CASES_FILE), "w") as f:
        json.dump({"target": a.target, "cases": chosen}, f, indent=1)
    seconds = expected_seconds(len(chosen))
    print(f"{len(chosen)} cases; expected GPU time about {seconds / 60:.0f} "
          f"min ({COMPILE_S:.0f} s of FlexAttention's compile and "
          f"{TIMING_S:.1f} s of timing a case); split it with --only (a "
          "command runs at most 10 min)")
    return code


# ------------------------------------------------------------ arithmetic --

def pairs(c, bm_tensor=None):
    """The (query, key) pairs ours computes per batch and head: the
    window's (benchmark.visible_pairs), or the kept blocks' within causal
    (benchmark.block_pairs, per batch and head)."""
    import benchmark
    if c.get("block_mask"):
        return benchmark.block_pairs(c, bm_tensor) / (c["b"] * c["hq"])
    return benchmark.visible_pairs(c)


def density(c, pairs_per_head):
    """The computed pairs over the dense baseline's (causal as the case)."""
    import benchmark
    return pairs_per_head / benchmark.dense_pairs(c)


def fwd_flops(c, pairs_per_head):
    """The forward's FLOPs over the computed pairs: 2 B H (D + Dv) each."""
    return 2.0 * c["b"] * c["hq"] * (c["d"] + c["dv"]) * pairs_per_head


def summarize(row, c):
    """Adds to row (with `{impl}_{kind}_ms`, `pairs`, `density`) each kind's
    TFLOP/s of ours and flex, `flex_over_ours_{kind}` and
    `ours_over_dense_{kind}` (ours over density x the faster dense time)."""
    flops = fwd_flops(c, row["pairs"])
    for kind, factor in KINDS:
        for impl in ("ours", "flex"):
            ms = row.get(f"{impl}_{kind}_ms")
            row[f"{impl}_{kind}_tflops"] = (factor * flops / (ms * 1e-3) / 1e12
                                            if ms else None)
        ours, flex = row.get(f"ours_{kind}_ms"), row.get(f"flex_{kind}_ms")
        dense = [row[k] for k in (f"flash_{kind}_ms", f"cudnn_{kind}_ms")
                 if row.get(k)]
        row[f"flex_over_ours_{kind}"] = flex / ours if ours and flex else None
        row[f"ours_over_dense_{kind}"] = (ours / (row["density"] * min(dense))
                                          if ours and dense and row["density"]
                                          else None)
    return row


def format_row(row):
    """The printed lines of a row: its name, density and gradient check,
    then one line per kind."""
    num = lambda x, f: format(x, f) if x is not None else "n/a"
    lines = [f"{row['name']}  density {row['density']:.3f}  max diff vs flex: "
             f"out {num(row.get('out_diff_vs_flex'), '.2e')} grads "
             f"{num(row.get('grad_diff_vs_flex'), '.2e')}"]
    for kind, _ in KINDS:
        ms = "  ".join(f"{impl} {num(row.get(f'{impl}_{kind}_ms'), '8.3f')}"
                       for impl in ("ours", "flex", "flash", "cudnn"))
        lines.append(
            f"  {kind:6} ms: {ms} | TFLOP/s ours "
            f"{num(row.get(f'ours_{kind}_tflops'), '6.1f')} flex "
            f"{num(row.get(f'flex_{kind}_tflops'), '6.1f')} | flex/ours "
            f"{num(row.get(f'flex_over_ours_{kind}'), '5.2f')} (bar >= 1.3) "
            f"| ours/(density x dense) "
            f"{num(row.get(f'ours_over_dense_{kind}'), '5.2f')} (bar <= 1.2)")
    return lines


# ----------------------------------------------------------------- device --

def keep_donated_buffers(torch):
    """Turns AOTAutograd's buffer donation off. `torch._functorch.config` is
    a submodule that `import torch` does not load (torch 2.11: the attribute
    is missing until something imports it, which failed every case of the
    session 11 run), so it is imported here."""
    import torch._functorch.config as aot_config
    aot_config.donated_buffer = False


def implementations(c, q, k, v, mask, torch):
    """name -> out = f(q, k, v): ours with the case's window or block mask,
    FlexAttention (benchmark.flex_fn: compiled, the same mask), dense SDPA
    FLASH and CUDNN (causal as the case)."""
    import benchmark
    import flashattn_mlir as fa
    extra = ({"window": tuple(c["window"])} if c.get("window") else
             {"block_mask": fa.BlockMask(mask, tuple(c["block_mask"]["block"]))})
    # The "bwd" timing runs autograd.grad on one recorded forward again and
    # again (retain_graph=True); a compiled backward that donates its saved
    # buffers refuses that ("non-empty donated buffers requires ...
    # retain_graph=False", the first H100 run), so FlexAttention is compiled
    # without donation (AOTAutograd's `donated_buffer` option).
    keep_donated_buffers(torch)
    flex = benchmark.flex_fn(c, q, k, v, mask)
    impls = {"ours": lambda q, k, v: fa.attention(q, k, v, causal=c["causal"],
                                                  **extra),
             "flex": lambda q, k, v: flex()}
    for name, backend in benchmark.BASELINES:
        impls[name] = (lambda b: lambda q, k, v: benchmark.sdpa_fn(
            c, q, k, v, b)())(backend)
    return impls


def bench_case(c, rounds, torch):
    import gpu_check
    dt = gpu_check.TORCH_DTYPE[c["dtype"]]
    gen = torch.Generator(device=DEVICE)
    gen.manual_seed(0)
    q, k, v = (torch.randn(s, generator=gen, device=DEVICE).to(dt)
               .requires_grad_() for s in (aot_call(c)[x] for x in "qkv"))
    dout = torch.randn(c["b"], c["hq"], c["nq"], c["dv"], generator=gen,
                       device=DEVICE).to(dt)
    mask = (gpu_check.block_mask_pattern(c, DEVICE) if c.get("block_mask")
            else None)
    row = {"name": c["name"], "pairs": pairs(c, mask),
           **{x: c.get(x) for x in ("b", "hq", "nq", "d", "causal", "window")}}
    if mask is not None:
        row["block_mask"] = c["block_mask"]["pattern"]
    row["density"] = density(c, row["pairs"])
    impls = implementations(c, q, k, v, mask, torch)
    # torch.compile raises many kinds: a FlexAttention that fails is left out.
    usable, grads = backward.first_grads(impls, q, k, v, dout, c["name"], torch,
                                         errors=Exception)
    if "ours" not in usable:
        raise RuntimeError("ours did not run (see above)")
    if "flex" in usable:
        # With autograd recording: the kernels staged are the training
        # forward's (with the logsumexp).
        row["out_diff_vs_flex"] = backward.max_diff(
            [usable["ours"](q, k, v).detach()],
            [usable["flex"](q, k, v).detach()])
        row["grad_diff_vs_flex"] = backward.max_diff(grads["ours"],
                                                     grads["flex"])
    del grads
    times = backward.round_robin(usable, q, k, v, dout, rounds, torch,
                                 kinds=[kind for kind, _ in KINDS])
    for name, t in times.items():
        for kind, samples in t.items():
            row[f"{name}_{kind}_ms"] = statistics.median(samples)
    return summarize(row, c)


def run(a):
    import torch
    import flashattn_mlir as fa
    torch.zeros(1, device="cuda")
    card = torch.cuda.get_device_name()
    kernels = os.path.join(a.dir, "kernels")
    if os.path.isdir(kernels) and not os.environ.get("FLASHATTN_MLIR_KERNELS"):
        fa.load_dir(kernels)  # the run script sets FLASHATTN_MLIR_KERNELS
    with open(os.path.join(a.dir, CASES_FILE)) as f:
        staged = json.load(f)["cases"]
    print(f"block-sparse benchmark on {card}, torch {torch.__version__}")
    rows = []
    for c in selected(staged, a.only):
        try:
            row = bench_case(c, a.rounds, torch)
        except Exception as e:  # noqa: BLE001  (reported, the run goes on)
            rows.append({"name": c["name"], "error": str(e)[:200]})
            print(f"{c['name']}: ERROR {str(e)[:160]}", flush=True)
            continue
        rows.append(row)
        print("\n".join(format_row(row)), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"card": card, "torch": torch.__version__, "rows": rows},
                      f, indent=1)
    return 0 if all("error" not in r for r in rows) else 1


def main(argv):
    import stage as staging
    p, sub = staging.command_line(__doc__)
    s = sub.choices["stage"]
    s.set_defaults(target="h200")
    s.add_argument("--only", default="",
                   help="comma-separated substrings of the cases' names")
    r = sub.add_parser("run")
    r.add_argument("dir", nargs="?", default=".")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--only", default="")
    r.add_argument("--json", default="")
    a = p.parse_args(argv)
    return stage(a) if a.command == "stage" else run(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
