#!/usr/bin/env python3
"""Times fa-select-tiling on mask patterns at the bound (D90).

Usage: time_patterns.py BINDIR OUTDIR [--only SUBSTR] [--timeout S]

Writes, per case, the selected IR and the explain remarks to OUTDIR (so two
builds' outputs can be compared with diff) and prints one line per case:
name, seconds. The cases are docs/Reliability.md's "Time bounds" rows: the
square pattern keeping every block, the butterfly with global tokens, the
regression test's chunks of 64, session 10's skewed attack (Nq = 2^28,
Nk = 16) and its mirror, forward and backward, with kernel=auto, wgmma and
the SIMT candidates (fa-select-tiling's default).
"""
import argparse
import os
import subprocess
import sys
import time


def T(shape, elt):
    return "tensor<" + "x".join(str(s) for s in shape) + "x" + elt + ">"


def attrs(pattern, causal):
    a = ["scale = 0.125 : f32", f"mask_pattern = #fa.mask_pattern<{pattern}>"]
    if causal:
        a.insert(0, "causal")
    return "{" + ", ".join(a) + "}"


def forward(Nq, Nk, pattern, causal=False, D=64):
    tq, tk = T([1, 1, Nq, D], "bf16"), T([1, 1, Nk, D], "bf16")
    return (f"func.func @f(%q: {tq}, %k: {tk}) -> {tq} {{\n"
            f"  %r = fa.attention ins(%q, %k, %k : {tq}, {tk}, {tk}) outs(%q : {tq})\n"
            f"      {attrs(pattern, causal)} -> {tq}\n"
            f"  return %r : {tq}\n}}\n")


def backward(Nq, Nk, pattern, causal=False, D=64):
    tq, tk, tl = T([1, 1, Nq, D], "bf16"), T([1, 1, Nk, D], "bf16"), T([1, 1, Nq], "f32")
    return (f"func.func @g(%q: {tq}, %k: {tk}, %lse: {tl}) -> ({tq}, {tk}, {tk}) {{\n"
            f"  %r:3 = fa.attention_grad ins(%q, %k, %k, %q, %q, %lse : {tq}, {tk}, {tk}, {tq}, {tq}, {tl})\n"
            f"     outs(%q, %k, %k : {tq}, {tk}, {tk}) {attrs(pattern, causal)} -> {tq}, {tk}, {tk}\n"
            f"  return %r#0, %r#1, %r#2 : {tq}, {tk}, {tk}\n}}\n")


SHAPES = [
    # name, Nq, Nk, pattern, causal
    ("square-every-block", 65536, 65536, "chunk = 65536", False),
    ("square-butterfly1024-global64", 65536, 65536, "butterfly = 1024, global = 64", False),
    ("square-chunk64", 65536, 65536, "chunk = 64", False),
    ("square-causal-chunk4096-global16", 65536, 65536, "chunk = 4096, global = 16", True),
    ("square-butterfly64", 65536, 65536, "butterfly = 64", False),
    ("skewed-q-chunk16-global16", 2**28, 16, "chunk = 16, global = 16", False),
    ("skewed-k-chunk16-global16", 16, 2**28, "chunk = 16, global = 16", False),
    ("skewed-q-butterfly16-global3", 2**28, 16, "butterfly = 16, global = 3", False),
    # The new count's own worst cases (D90): cells of one position, a
    # butterfly's 63 partners each.
    ("square-butterfly1-global3", 65536, 65536, "butterfly = 1, global = 3", False),
    ("skewed-k-butterfly1", 16, 2**28, "butterfly = 1", True),
    ("skewed-q-butterfly1", 2**28, 16, "butterfly = 1", False),
]
KERNELS = ["auto", "wgmma", "simt"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("outdir")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    fa_opt = os.path.join(args.bindir, "fa-opt")
    for name, Nq, Nk, pattern, causal in SHAPES:
        for direction, build in (("fwd", forward), ("bwd", backward)):
            for kernel in KERNELS:
                case = f"{name}-{direction}-{kernel}"
                if args.only and args.only not in case:
                    continue
                src = os.path.join(args.outdir, case + ".mlir")
                with open(src, "w") as f:
                    f.write(build(Nq, Nk, pattern, causal))
                cmd = [fa_opt, src, "--fa-set-target=target=h100",
                       f"--fa-select-tiling=kernel={kernel} explain"]
                t0 = time.monotonic()
                try:
                    r = subprocess.run(cmd, capture_output=True, text=True,
                                       timeout=args.timeout)
                    rc, out, err = r.returncode, r.stdout, r.stderr
                except subprocess.TimeoutExpired:
                    rc, out, err = "timeout", "", ""
                dt = time.monotonic() - t0
                with open(os.path.join(args.outdir, case + ".out"), "w") as f:
                    f.write(f"rc {rc}\n{out}\n{err}")
                print(f"{case}\t{dt:.2f}\trc={rc}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
