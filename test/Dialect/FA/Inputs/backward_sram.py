"""Checks that fa-select-tiling's fa.predicted_sram on an fa.attention_grad
(simtBackwardSramBytes, the SIMT kernel) is what the tiled form allocates:
for each case, selects a tiling (or keeps the one given), tiles and
bufferizes the op as fa-to-ptx-pipeline does, sums the 128-byte-padded
memref.alloc of each scf.forall nest (every buffer of a thread block, which
convert-fa-to-gpu places in shared memory) and requires the largest nest's
sum to equal the prediction. Prints one line per case and PASSED or FAILED.

usage: backward_sram.py FA_OPT
"""

import re
import subprocess
import sys

ELEMENT_BYTES = {"bf16": 2, "f16": 2, "f32": 4, "i1": 1}
ALLOC = re.compile(r"memref\.alloc\(\).*: memref<((?:\d+x)*)(bf16|f16|f32|i1)>")


def grad_module(b, hq, hkv, n, d, dv, elt, bias, dbias, tiling):
    q = f"tensor<{b}x{hq}x{n}x{d}x{elt}>"
    k = f"tensor<{b}x{hkv}x{n}x{d}x{elt}>"
    v = f"tensor<{b}x{hkv}x{n}x{dv}x{elt}>"
    o = f"tensor<{b}x{hq}x{n}x{dv}x{elt}>"
    lse = f"tensor<{b}x{hq}x{n}xf32>"
    outs = [q, k, v] + ([bias] if dbias else [])
    args = [q, k, v, o, o, lse] + ([bias] if bias else []) + outs
    names = [f"%a{i}" for i in range(len(args))]
    ins = ", ".join(names[:6])
    mask = f" mask({names[6]} : {bias})" if bias else ""
    inits = ", ".join(names[len(args) - len(outs):])
    attrs = f" {{tiling = #fa.tiling<block_q = {tiling[0]}, block_kv = " \
        f"{tiling[1]}, stages = 1, warps = 4>}}" if tiling else ""
    sig = ", ".join(f"{n_}: {t}" for n_, t in zip(names, args))
    return (f"func.func @g({sig}) -> ({', '.join(outs)}) {{\n"
            f"  %r:{len(outs)} = fa.attention_grad ins({ins} : {q}, {k}, {v},"
            f" {o}, {o}, {lse}){mask} outs({inits} : {', '.join(outs)})"
            f"{attrs} -> {', '.join(outs)}\n"
            f"  return {', '.join(f'%r#{i}' for i in range(len(outs)))} : "
            f"{', '.join(outs)}\n}}\n")


def nest_bytes(text):
    """The padded alloc bytes of each top-level scf.forall, in order."""
    sums, depth, current = [], 0, None
    for line in text.splitlines():
        if current is None and "scf.forall" in line:
            current, depth = 0, 0
        if current is None:
            continue
        m = ALLOC.search(line)
        if m:
            count = 1
            for dim in m.group(1).split("x")[:-1]:
                count *= int(dim)
            size = count * ELEMENT_BYTES[m.group(2)]
            current += -(-size // 128) * 128
        depth += line.count("{") - line.count("}")
        if depth <= 0 and "}" in line:
            sums.append(current)
            current = None
    return sums


CASES = [
    # (B, Hq, Hkv, N, D, Dv, elt, bias, dbias, tiling or None: selected)
    (1, 4, 2, 256, 64, 32, "bf16", "tensor<1x4x1x256xf32>", True, (64, 32)),
    (1, 4, 2, 256, 64, 64, "bf16", None, False, None),
    (1, 4, 2, 256, 128, 128, "f32", None, False, (32, 64)),
    (1, 4, 2, 256, 32, 16, "f16", "tensor<1x4x256x256xi1>", False, (16, 48)),
    (1, 4, 2, 256, 64, 64, "bf16", "tensor<1x1x256x1xbf16>", True, None),
    (2, 4, 4, 256, 64, 64, "bf16", "tensor<2x4x256x256xbf16>", True, (32, 16)),
]


def main(fa_opt):
    ok = True
    for case in CASES:
        module = grad_module(*case)
        selected = subprocess.run(
            [fa_opt, "--fa-set-target=target=h100", "--fa-select-tiling"],
            input=module, capture_output=True, text=True, check=True).stdout
        predicted = int(re.search(r"fa\.predicted_sram = (\d+)",
                                  selected).group(1))
        tiled = subprocess.run(
            [fa_opt, "--fa-tile-attention=tile-memory-space=0",
             "--one-shot-bufferize=bufferize-function-boundaries "
             "function-boundary-type-conversion=identity-layout-map",
             "--canonicalize"],
            input=selected, capture_output=True, text=True, check=True).stdout
        nests = nest_bytes(tiled)
        good = bool(nests) and max(nests) == predicted
        ok = ok and good
        print(f"{'ok' if good else 'FAIL'}: {case}: predicted {predicted}, "
              f"nests {nests}")
    print("PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
