#!/usr/bin/env python3
"""What caller-strides costs a kernel (docs/GPU.md, "Caller strides";
docs/decisions.md, D129): each case compiled by fa-compile with and without
--caller-strides, one row a kernel: ptxas's registers and spills, and the
PTX instructions of its entry (statements, not declarations or labels),
dense -> strided. Runs on the build machine (ptxas, no GPU).

    bench/experiments/caller_strides_cost.py [--build build] [--out DIR]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# name, target, (B, Hq, Hkv, N, D), backward, causal
CASES = [
    ("fwd mma-sync", "a100", (4, 16, 16, 4096, 128), False, False),
    ("fwd wgmma", "h100", (4, 16, 16, 4096, 128), False, False),
    ("bwd wgmma d64", "h100", (4, 32, 32, 4096, 64), True, True),
    ("bwd wgmma d128", "h100", (4, 16, 16, 4096, 128), True, True),
    ("bwd wgmma gqa 32/8 d128", "h100", (2, 32, 8, 4096, 128), True, True),
    ("bwd mma-sync d64", "a100", (4, 32, 32, 4096, 64), True, True),
]


def module(shape, backward, causal):
    b, hq, hkv, n, d = shape
    q = f"tensor<{b}x{hq}x{n}x{d}xbf16>"
    k = f"tensor<{b}x{hkv}x{n}x{d}xbf16>"
    attrs = ("causal, " if causal else "") + f"scale = {d ** -0.5!r} : f32"
    if not backward:
        return (f"func.func @attention(%q: {q}, %k: {k}, %v: {k}, %o: {q}) -> {q} {{\n"
                f"  %r = fa.attention ins(%q, %k, %v : {q}, {k}, {k}) outs(%o : {q})"
                f" {{{attrs}}} -> {q}\n  return %r : {q}\n}}\n")
    lse = f"tensor<{b}x{hq}x{n}xf32>"
    return (f"func.func @attention_grad(%q: {q}, %k: {k}, %v: {k}, %o: {q}, %do: {q}, "
            f"%lse: {lse}, %dq: {q}, %dk: {k}, %dv: {k}) -> ({q}, {k}, {k}) {{\n"
            f"  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : {q}, {k}, {k}, "
            f"{q}, {q}, {lse}) outs(%dq, %dk, %dv : {q}, {k}, {k}) {{{attrs}}} "
            f"-> {q}, {k}, {k}\n  return %r#0, %r#1, %r#2 : {q}, {k}, {k}\n}}\n")


def ptx_instructions(ptx):
    """Instructions per .entry: statements ending in ';' that are not
    declarations (.reg, .shared, .param, ...)."""
    counts = {}
    parts = re.split(r"\.entry (\w+)\(", ptx)
    for name, body in zip(parts[1::2], parts[2::2]):
        counts[name] = sum(
            1 for line in body.splitlines()
            if line.strip().endswith(";")
            and not line.strip().startswith((".", "//")))
    return counts


def compile_case(fa_compile, folder, name, target, source, strided):
    path = os.path.join(folder, name)
    with open(path + ".mlir", "w") as f:
        f.write(source)
    cmd = [fa_compile, path + ".mlir", "-o", path,
           f"--pipeline-options=target={target}"]
    if strided:
        cmd.append("--caller-strides")
    subprocess.run(cmd, check=True)
    manifest = json.load(open(path + ".json"))
    counts = ptx_instructions(open(path + ".ptx").read())
    return {k["name"]: dict(k["resources"], ptx=counts[k["name"]])
            for k in manifest["kernels"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build")
    p.add_argument("--out", help="keep the files here (default: a temporary folder)")
    args = p.parse_args()
    fa_compile = os.path.join(args.build, "bin", "fa-compile")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or tmp
        os.makedirs(folder, exist_ok=True)
        print("case | kernel | registers dense -> strided | PTX instructions "
              "dense -> strided (+n) | spill bytes (strided)")
        for name, target, shape, backward, causal in CASES:
            tag = re.sub(r"[^a-z0-9]+", "-", name)
            source = module(shape, backward, causal)
            dense = compile_case(fa_compile, folder, tag, target, source, False)
            strided = compile_case(fa_compile, folder, tag + "-strided", target,
                                   source, True)
            for kernel, d in dense.items():
                s = strided[kernel]
                print(f"{name} {shape} {target} | {kernel} | {d['registers']} -> "
                      f"{s['registers']} | {d['ptx']} -> {s['ptx']} "
                      f"(+{s['ptx'] - d['ptx']}) | "
                      f"{s['spill_store_bytes'] + s['spill_load_bytes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
