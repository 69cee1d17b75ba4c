#!/usr/bin/env python3
"""Training throughput and loss curves with transformers (issue 23, item 5;
docs/Training.md, "Training end to end"). NOT YET RUN ON A GPU (written in
a session without one).

Models (random init, random tokens, bf16 autocast, fused AdamW, attention
dropout 0 for every implementation):
  gpt2        GPT-2 small (124M), sequence 1024, batch 16
  bert        BERT-large (masked LM), sequence 512, batch 16
  llama       Llama-style: 8 layers, hidden 2048, 32/8 heads, sequence 4096,
              batch 2
Implementations: fa_mlir (this package, flashattn_mlir.integrations.
transformers), sdpa with torch's FLASH backend forced, sdpa with CUDNN
forced (torch.nn.attention.sdpa_kernel), eager.

  stage DEST   (build machine) records each model's attention calls on the
               meta device (flashattn_mlir.aot.record: no memory, no
               arithmetic), compiles them into DEST/kernels, stages the
               package, the runtime and this script (bench/stage.py), writes
               DEST/run_train.sh.
  throughput   (GPU) per model and implementation: WARMUP steps, then STEPS
               timed steps (torch.cuda.synchronize around them); prints and
               writes tokens/s and the speedups over eager and over the
               best sdpa backend (--json).
  loss         (GPU) LOSS_STEPS steps of GPT-2 small (sequence 1024, batch
               LOSS_BATCH) with fa_mlir and with sdpa from the same seed and
               the same token stream; writes step,implementation,loss rows
               (--csv).
  profile      (GPU) per model, fa_mlir and the best-known sdpa backend
               (CUDNN) after a warm-up: torch.profiler over PROFILE_STEPS
               steps, the CUDA kernels by total time (a table per
               implementation, and the kernels whose time differs most
               between them) into --out: where a step's time goes.
  plot CSV PNG (anywhere) plots the loss CSV: matplotlib when installed,
               else a plain PNG drawn here (fa_mlir red, sdpa blue, no
               text).

  python3 bench/train/train_models.py stage .stage-train    # build machine
  bash .stage-train/run_train.sh                            # GPU (~8 min)
  bash .stage-train/run_profile.sh                          # GPU: BERT's profile
"""

import csv
import json
import os
import statistics
import struct
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(HERE))

MODELS = {"gpt2": (1024, 16), "bert": (512, 16), "llama": (4096, 2)}
IMPLEMENTATIONS = ("fa_mlir", "sdpa-flash", "sdpa-cudnn", "eager")
WARMUP, STEPS, ROUNDS = 2, 8, 5
LOSS_STEPS, LOSS_BATCH = 200, 4
PROFILE_STEPS = 3


def make_model(transformers, name, implementation, device, dtype=None):
    """The model `name` on `device` with attention dropout 0."""
    import torch
    if name == "gpt2":
        config = transformers.GPT2Config(attn_pdrop=0.0)
        cls = transformers.GPT2LMHeadModel
    elif name == "bert":
        config = transformers.BertConfig(hidden_size=1024, num_hidden_layers=24,
                                         num_attention_heads=16,
                                         intermediate_size=4096,
                                         attention_probs_dropout_prob=0.0)
        cls = transformers.BertForMaskedLM
    else:
        config = transformers.LlamaConfig(hidden_size=2048, num_hidden_layers=8,
                                          num_attention_heads=32, num_key_value_heads=8,
                                          intermediate_size=5632, vocab_size=32000,
                                          max_position_embeddings=4096)
        cls = transformers.LlamaForCausalLM
    attn = "sdpa" if implementation.startswith("sdpa") else implementation
    with torch.device(device):
        model = cls._from_config(config, attn_implementation=attn,
                                 **({"dtype": dtype} if dtype else {}))
    return model.train()


def batch(torch, model, seq, size, gen, device):
    ids = torch.randint(0, model.config.vocab_size, (size, seq), generator=gen,
                        device="cpu").to(device)
    return {"input_ids": ids, "labels": ids}


def sdpa_context(torch, implementation):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import contextlib
    backend = {"sdpa-flash": SDPBackend.FLASH_ATTENTION,
               "sdpa-cudnn": SDPBackend.CUDNN_ATTENTION}.get(implementation)
    return sdpa_kernel(backend) if backend else contextlib.nullcontext()


def step_fn(torch, model, implementation, optimizer=None):
    optimizer = optimizer or torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)

    def step(inputs):
        with sdpa_context(torch, implementation), torch.autocast("cuda", torch.bfloat16):
            loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss
    return step


def throughput(args):
    """Per model: one model and one optimizer, the implementations timed in
    turns (ROUNDS rounds, the order rotated each round; each turn a warm-up
    step after the switch, then STEPS timed steps), a row per turn; each
    implementation's tokens/s is the median over its turns. Training steps
    of one model alternate between the implementations (the weights go on
    training), so that clocks, the allocator and the card's temperature
    drift alike for all of them (docs/Training.md)."""
    import torch
    import transformers
    from flashattn_mlir.integrations import transformers as fa_hf
    fa_hf.register()
    results, turns = {}, []
    for name in args.models:
        seq, size = MODELS[name]
        results[name] = {}
        torch.manual_seed(0)
        model = make_model(transformers, name, "eager", "cuda")
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        steps = {i: step_fn(torch, model, i, optimizer) for i in IMPLEMENTATIONS}
        gen = torch.Generator().manual_seed(1)
        inputs = batch(torch, model, seq, size, gen, "cuda")
        times = {i: [] for i in IMPLEMENTATIONS}
        failed = {}
        for r in range(args.rounds):
            for implementation in rotated(IMPLEMENTATIONS, r):
                if implementation in failed:
                    continue
                try:
                    seconds = timed_turn(torch, model, steps[implementation],
                                         implementation, inputs,
                                         WARMUP if r == 0 else 1, STEPS)
                except Exception as e:  # noqa: BLE001 - reported, the others still run
                    failed[implementation] = f"{type(e).__name__}: {e}"
                    print(f"{name:6s} {implementation:11s} FAILED {failed[implementation]}",
                          flush=True)
                    continue
                times[implementation].append(seconds)
                turns.append({"model": name, "round": r, "implementation": implementation,
                              "tokens_per_s": seq * size / seconds})
                print(f"{name:6s} round {r} {implementation:11s} "
                      f"{seq * size / seconds / 1e3:8.1f}k tokens/s "
                      f"({seconds * 1e3:.1f} ms/step)", flush=True)
        for implementation in IMPLEMENTATIONS:
            t = times[implementation]
            results[name][implementation] = (seq * size / statistics.median(t)
                                             if t else None)
        model = steps = optimizer = None
        torch.cuda.empty_cache()
    table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"median_tokens_per_s": results, "turns": turns,
                       "rounds": args.rounds, "steps_per_turn": STEPS}, f, indent=1)
    return 0


def rotated(items, r):
    """`items` starting at its (r mod len)-th: each implementation goes
    first once every len(items) rounds."""
    r %= len(items)
    return list(items[r:]) + list(items[:r])


def timed_turn(torch, model, step, implementation, inputs, warmup, steps):
    """Seconds per step of `steps` steps of `implementation` on `model`
    (its attention switched to it first), after `warmup` untimed steps."""
    model.set_attn_implementation(
        "sdpa" if implementation.startswith("sdpa") else implementation)
    for _ in range(warmup):
        step(inputs)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step(inputs)
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def table(results):
    print("\nmodel   " + "".join(f"{i:>12s}" for i in IMPLEMENTATIONS)
          + "   ours/eager  ours/best-sdpa")
    for name, r in results.items():
        cells = "".join(f"{r[i] / 1e3:11.1f}k" if r.get(i) else f"{'-':>12s}"
                        for i in IMPLEMENTATIONS)
        best = max((r[i] for i in ("sdpa-flash", "sdpa-cudnn") if r.get(i)), default=None)
        ours, eager = r.get("fa_mlir"), r.get("eager")
        ratio = lambda a, b: f"{a / b:10.2f}x" if a and b else f"{'-':>11s}"  # noqa: E731
        print(f"{name:8s}{cells}  {ratio(ours, eager)}  {ratio(ours, best)}")


def loss(args):
    import torch
    import transformers
    from flashattn_mlir.integrations import transformers as fa_hf
    fa_hf.register()
    rows = []
    seq = MODELS["gpt2"][0]
    for implementation in ("fa_mlir", "sdpa"):
        torch.manual_seed(0)
        model = make_model(transformers, "gpt2", implementation, "cuda")
        step = step_fn(torch, model, implementation)
        gen = torch.Generator().manual_seed(1)
        for i in range(LOSS_STEPS):
            value = step(batch(torch, model, seq, LOSS_BATCH, gen, "cuda")).item()
            rows.append((i, implementation, value))
            if i % 20 == 0:
                print(f"{implementation:8s} step {i:3d} loss {value:.4f}", flush=True)
        model = step = None
        torch.cuda.empty_cache()
    with open(args.csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "implementation", "loss"])
        writer.writerows(rows)
    by = {}
    for i, implementation, value in rows:
        by.setdefault(i, {})[implementation] = value
    worst = max(abs(v["fa_mlir"] - v["sdpa"]) for v in by.values())
    print(f"max |loss(fa_mlir) - loss(sdpa)| over {LOSS_STEPS} steps: {worst:.4f}")
    return 0


def plot(args):
    series = {}
    with open(args.csv) as f:
        for row in csv.DictReader(f):
            series.setdefault(row["implementation"], []).append(
                (int(row["step"]), float(row["loss"])))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _png_plot(series, args.png)
        print(f"{args.png}: plain plot (no matplotlib): fa_mlir red, sdpa blue")
        return 0
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, points in sorted(series.items()):
        ax.plot([s for s, _ in points], [v for _, v in points], label=name, lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("GPT-2 small, sequence 1024, same seed")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.png, dpi=120)
    print(args.png)
    return 0


def _png_plot(series, path, width=800, height=400, margin=20):
    """Each series as a polyline on a white canvas (fa_mlir red, sdpa
    blue, others grey), written as an RGB PNG with zlib alone."""
    pixels = [bytearray(b"\xff" * (3 * width)) for _ in range(height)]
    values = [v for points in series.values() for _, v in points]
    steps = [s for points in series.values() for s, _ in points]
    lo, hi = min(values), max(values)
    last = max(steps) or 1

    def xy(s, v):
        x = margin + (width - 2 * margin - 1) * s / last
        y = height - margin - 1 - (height - 2 * margin - 1) * (v - lo) / ((hi - lo) or 1)
        return x, y

    def put(x, y, color):
        x, y = int(round(x)), int(round(y))
        if 0 <= x < width and 0 <= y < height:
            pixels[y][3 * x:3 * x + 3] = bytes(color)

    for x in range(margin, width - margin):  # axes
        put(x, height - margin, (0, 0, 0))
    for y in range(margin, height - margin):
        put(margin - 1, y, (0, 0, 0))
    colors = {"fa_mlir": (220, 30, 30), "sdpa": (30, 60, 220)}
    for name, points in series.items():
        color = colors.get(name, (128, 128, 128))
        points = sorted(points)
        for (s0, v0), (s1, v1) in zip(points, points[1:]):
            (x0, y0), (x1, y1) = xy(s0, v0), xy(s1, v1)
            n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
            for t in range(n + 1):
                put(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n, color)
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
            ">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def profile(args):
    """torch.profiler of PROFILE_STEPS training steps per model and
    implementation (fa_mlir, sdpa-cudnn), each after two untimed steps:
    CUDA time per kernel name, summed over the steps, and per step."""
    import torch
    import transformers
    from torch.profiler import ProfilerActivity
    from flashattn_mlir.integrations import transformers as fa_hf
    fa_hf.register()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        seq, size = MODELS[name]
        torch.manual_seed(0)
        model = make_model(transformers, name, "eager", "cuda")
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        gen = torch.Generator().manual_seed(1)
        inputs = batch(torch, model, seq, size, gen, "cuda")
        per_kernel = {}
        for implementation in ("fa_mlir", "sdpa-cudnn"):
            step = step_fn(torch, model, implementation, optimizer)
            timed_turn(torch, model, step, implementation, inputs, 2, 1)
            with torch.profiler.profile(activities=[ProfilerActivity.CUDA]) as prof:
                for _ in range(PROFILE_STEPS):
                    step(inputs)
                torch.cuda.synchronize()
            kernels = {}
            for e in prof.key_averages():
                us = e.device_time_total
                if us > 0:
                    kernels[e.key] = (us / PROFILE_STEPS, e.count // PROFILE_STEPS)
            per_kernel[implementation] = kernels
            total = sum(us for us, _ in kernels.values())
            lines = [f"{name} {implementation}: {total / 1e3:.3f} ms of CUDA time a step",
                     f"{'us/step':>10} {'calls':>6}  kernel"]
            for key, (us, n) in sorted(kernels.items(), key=lambda kv: -kv[1][0])[:40]:
                lines.append(f"{us:10.1f} {n:6d}  {key[:150]}")
            text = "\n".join(lines)
            print(text, flush=True)
            with open(os.path.join(args.out, f"{name}-{implementation}.txt"), "w") as f:
                f.write(text + "\n")
        ours, theirs = per_kernel["fa_mlir"], per_kernel["sdpa-cudnn"]
        diff = sorted(((ours.get(k, (0, 0))[0] - theirs.get(k, (0, 0))[0], k)
                       for k in set(ours) | set(theirs)), key=lambda d: -abs(d[0]))
        lines = [f"{name}: fa_mlir minus sdpa-cudnn, us a step, largest first"]
        lines += [f"{d:+10.1f}  {k[:150]}" for d, k in diff[:30]]
        print("\n".join(lines), flush=True)
        with open(os.path.join(args.out, f"{name}-diff.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        model = optimizer = None
        torch.cuda.empty_cache()
    return 0


def record_calls(models):
    """The attention calls of one training step of each model and of the
    loss run, recorded on the meta device in bf16 (what autocast gives the
    attention on the GPU)."""
    import torch
    import transformers
    from flashattn_mlir import aot
    from flashattn_mlir.integrations import transformers as fa_hf
    fa_hf.register()
    shapes = [(name, *MODELS[name]) for name in models] + [
        ("gpt2", MODELS["gpt2"][0], LOSS_BATCH)]
    with aot.record() as calls:
        for name, seq, size in shapes:
            model = make_model(transformers, name, "fa_mlir", "meta", torch.bfloat16)
            ids = torch.zeros(size, seq, dtype=torch.long, device="meta")
            model(input_ids=ids, labels=ids).loss.backward()
    return calls


def stage(args):
    import stage as staging
    calls = record_calls(list(MODELS))
    body = ('python3 bench/train/train_models.py throughput --json "$OUT/throughput.json"'
            ' && python3 bench/train/train_models.py loss --csv "$OUT/loss.csv"')
    status = staging.stage_with_bundle(args.dest, calls, args.target,
                                       ["train/train_models.py"], "train",
                                       "train the models (throughput, loss curves)",
                                       f"( {body} )")
    staging.write_run(os.path.abspath(args.dest), "profile",
                      "profile BERT-large's training step (fa_mlir and CUDNN)",
                      'python3 bench/train/train_models.py profile --out "$OUT/profile"'
                      ' --models bert 2>&1 | tee "$OUT/profile.log"\n'
                      'exit "${PIPESTATUS[0]}"')
    return status


def main():
    import stage as staging
    p, sub = staging.command_line(__doc__)
    t = sub.add_parser("throughput")
    t.add_argument("--json")
    t.add_argument("--rounds", type=int, default=ROUNDS)
    t.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    c = sub.add_parser("loss")
    c.add_argument("--csv", required=True)
    f = sub.add_parser("profile")
    f.add_argument("--out", required=True)
    f.add_argument("--models", nargs="+", default=["bert"], choices=list(MODELS))
    g = sub.add_parser("plot")
    g.add_argument("csv")
    g.add_argument("png")
    args = p.parse_args()
    return {"stage": stage, "throughput": throughput, "loss": loss,
            "plot": plot, "profile": profile}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
